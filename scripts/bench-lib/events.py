#!/usr/bin/env python3
"""`scripts/bench events`: `strongroom events` under CloudTrail's LookupEvents quota.

Run by scripts/bench once the emulator is up (its default quota: 2 LookupEvents calls per second
per account and region). Standard library only. Loads 2,000 Secrets Manager records into one
region, spread over the 24 hours that end 20 minutes ago, times `strongroom events --format json
--since 30d` with a fresh state directory, then loads 100 newer records and times a second run
with the same state directory (the evidence store should fetch only what is new). Counts calls
from the emulator's call log, checks the events seen, prints the Markdown report and puts it
into BENCHMARKS.md.
"""

from __future__ import annotations

import collections
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchmarks_md  # noqa: E402
from inventory import Admin, bench_arguments, children_cpu, cpu_model, process_cpu, tool_env  # noqa: E402

SECTION = "## Events under the LookupEvents quota"
COMMAND = "scripts/bench events"
ACCOUNT = "123456789012"  # the emulator's account for unmapped access keys
REGION = "us-east-1"
QUOTA_PER_S = 2
PAGE = 50
RUN_TIMEOUT_S = 300
TARGET = 0.10  # wall time within 10% of what the quota allows for the calls made
# (event name, records) of the first load: 2,000 in all.
FIRST = [
    ("GetSecretValue", 1800),
    ("PutSecretValue", 100),
    ("UpdateSecret", 40),
    ("TagResource", 30),
    ("RotationStarted", 15),
    ("RotationSucceeded", 15),
]
# The second load: 100 records in the minutes before the second run.
SECOND = [("GetSecretValue", 90), ("PutSecretValue", 10)]
# `strongroom events` asks one query per event name (src/source/aws/cloudtrail.rs event_names).
QUERIES = 22
TEAMS = ["payments", "identity", "search", "billing", "platform"]
SERVICE_EVENTS = {"RotationStarted", "RotationSucceeded", "RotationFailed", "RotationAbandoned"}


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def iso(t: datetime.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def record(name: str, i: int, when: datetime.datetime, tag: str) -> dict:
    """One Secrets Manager record shaped like CloudTrail's."""
    team = TEAMS[i % len(TEAMS)]
    secret = f"prod/{team}/svc-{i % 40:02d}"
    arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret}-AbC{i % 40:03d}"
    rec = {
        "eventVersion": "1.11",
        "eventID": f"bench-{tag}-{name}-{i:05d}",
        "eventTime": iso(when),
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": name,
        "awsRegion": REGION,
        "recipientAccountId": ACCOUNT,
        "requestID": f"req-{tag}-{i:05d}",
        "eventCategory": "Management",
        "managementEvent": True,
    }
    if name in SERVICE_EVENTS:
        rec.update({
            "eventType": "AwsServiceEvent",
            "readOnly": False,
            "userIdentity": {"accountId": ACCOUNT, "invokedBy": "secretsmanager.amazonaws.com"},
            "sourceIPAddress": "secretsmanager.amazonaws.com",
            "userAgent": "secretsmanager.amazonaws.com",
            "additionalEventData": {"SecretId": arn},
            "requestParameters": None,
            "responseElements": None,
        })
        return rec
    role = f"{team}-app"
    rec.update({
        "eventType": "AwsApiCall",
        "readOnly": name == "GetSecretValue",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": f"AROABENCH{team.upper()}:task-{i % 9}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/task-{i % 9}",
            "accountId": ACCOUNT,
            "accessKeyId": f"ASIABENCH{i % 97:05d}",
            "sessionContext": {"sessionIssuer": {
                "type": "Role", "principalId": f"AROABENCH{team.upper()}",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}", "accountId": ACCOUNT, "userName": role}},
        },
        "sourceIPAddress": f"10.0.{i % 250}.{i % 200 + 1}",
        "userAgent": "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22",
        "requestParameters": {"secretId": arn if i % 2 else secret},
        "responseElements": None if name == "GetSecretValue" else {"arn": arn, "name": secret},
        "resources": [{"accountId": ACCOUNT, "type": "AWS::SecretsManager::Secret", "ARN": arn}],
    })
    return rec


def records(mix: list[tuple[str, int]], newest: datetime.datetime, span: datetime.timedelta,
            tag: str) -> list[dict]:
    """Records of each name spread evenly over `span` ending at `newest`."""
    out = []
    for name, n in mix:
        for i in range(n):
            out.append(record(name, i, newest - span * (i / max(n - 1, 1)), tag))
    return out


def expected_calls(mix: list[tuple[str, int]]) -> int:
    """LookupEvents calls for one window: pages per queried name, one call per empty query."""
    pages = sum(-(-n // PAGE) for _, n in mix)
    return pages + QUERIES - len(mix)


def events_of(output: str) -> list[dict]:
    report = json.loads(output)
    if isinstance(report, list):
        return report
    for key in ("events", "Events", "records"):
        if isinstance(report.get(key), list):
            return report[key]
    raise SystemExit(f"scripts/bench: cannot find the events in the JSON output (keys: {sorted(report)})")


def event_id(e: dict) -> str:
    return str(e.get("event_id") or e.get("eventID") or e.get("id") or "")


def throttles_shown(output: str, stderr: str) -> int:
    """Throttling the operator would see: unhealthy cells in the report, lines on stderr."""
    shown = sum(1 for line in stderr.splitlines() if "throttl" in line.lower())
    try:
        report = json.loads(output)
    except ValueError:
        return shown
    if isinstance(report, dict):
        for cell in report.get("cells") or []:
            if "throttl" in json.dumps(cell).lower():
                shown += 1
    return shown


class Run:
    def __init__(self, label: str) -> None:
        self.label = label
        self.wall = 0.0
        self.cpu = 0.0
        self.emulator_cpu = 0.0
        self.calls: collections.Counter = collections.Counter()
        self.statuses: collections.Counter = collections.Counter()
        self.ids: set = set()
        self.rows = 0
        self.shown = 0

    @property
    def lookups(self) -> int:
        return self.calls[("cloudtrail", "LookupEvents")]

    @property
    def floor(self) -> float:
        """What the quota allows: the first call at once, then one every 1/QUOTA_PER_S s."""
        return max(self.lookups - 1, 0) / QUOTA_PER_S


def run(label: str, argv: list[str], env: dict, admin: Admin, emulator_pid: int) -> Run:
    admin.call("DELETE", "calls")
    r = Run(label)
    cpu0, emu0 = children_cpu(), process_cpu(emulator_pid)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
                          check=False)
    r.wall = time.perf_counter() - start
    r.cpu = children_cpu() - cpu0
    r.emulator_cpu = process_cpu(emulator_pid) - emu0
    if proc.returncode != 0:
        raise SystemExit(f"scripts/bench: {' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-4000:]}")
    calls = admin.call("GET", "calls")
    for c in calls:
        r.calls[(c["service"], c["operation"])] += 1
        if c["operation"] == "LookupEvents":
            r.statuses[str(c.get("status"))] += 1
    events = events_of(proc.stdout)
    r.rows = len(events)
    r.ids = {event_id(e) for e in events}
    r.shown = throttles_shown(proc.stdout, proc.stderr)
    log(f"{label}: {r.wall:.2f} s, {r.lookups} LookupEvents calls "
        f"({dict(r.statuses)}), {r.rows} events, {r.shown} throttles shown")
    return r


def main() -> int:
    args = bench_arguments()
    admin = Admin(args.url)
    env = tool_env(args.work)
    load_before = os.getloadavg()[0]
    config = admin.call("GET", "config")
    if config.get("lookup_events_tps") != QUOTA_PER_S:
        raise SystemExit(f"scripts/bench: the emulator's quota is {config}, expected {QUOTA_PER_S}/s")

    now = datetime.datetime.now(datetime.timezone.utc)
    first = records(FIRST, now - datetime.timedelta(minutes=20), datetime.timedelta(hours=24), "a")
    out = admin.call("POST", "events", {"Records": first})
    log(f"loaded {out['loaded']} records into {REGION}")

    state = args.work / "state"
    argv = [args.strongroom, "--state-dir", str(state), "events", "--format", "json",
            "--since", "30d", "--region", REGION, "--endpoint-url", args.url]
    one = run("first run (empty state dir)", argv, env, admin, args.emulator_pid)
    if one.lookups == 0:
        print("scripts/bench: `strongroom events` made no LookupEvents call: this build does not read "
              "live CloudTrail yet; BENCHMARKS.md left as it was", file=sys.stderr)
        return 2

    second_newest = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=30)
    newer = records(SECOND, second_newest, datetime.timedelta(minutes=4), "b")
    out = admin.call("POST", "events", {"Records": newer})
    log(f"loaded {out['loaded']} newer records")
    two = run("second run (same state dir)", argv, env, admin, args.emulator_pid)

    first_ids = {r["eventID"] for r in first}
    all_ids = first_ids | {r["eventID"] for r in newer}
    problems = []
    if one.ids != first_ids or one.rows != len(first_ids):
        problems.append(f"first run: {one.rows} events, {len(one.ids & first_ids)} of the {len(first_ids)} "
                        f"loaded, {len(one.ids - first_ids)} others")
    if two.ids != all_ids or two.rows != len(all_ids):
        problems.append(f"second run: {two.rows} events, {len(two.ids & all_ids)} of the {len(all_ids)} "
                        f"loaded, {len(two.ids - all_ids)} others")
    for r in (one, two):
        if r.shown:
            problems.append(f"{r.label}: {r.shown} throttles shown to the operator")
        gsv = r.calls[("secretsmanager", "GetSecretValue")] + r.calls[("secretsmanager", "BatchGetSecretValue")]
        if gsv:
            problems.append(f"{r.label}: {gsv} secret value reads")
    if two.lookups >= one.lookups:
        problems.append(f"the second run made {two.lookups} LookupEvents calls, the first {one.lookups}: "
                        "the evidence store did not spare any")

    ratio = one.wall / one.floor if one.floor else float("inf")
    met = ratio <= 1 + TARGET
    ideal = len(first) // PAGE
    server_throttled = one.statuses.get("400", 0) + two.statuses.get("400", 0)
    stamp = now.strftime("%Y-%m-%d %H:%M UTC")
    version = subprocess.run([args.strongroom, "--version"], capture_output=True, text=True,
                             check=False).stdout.strip() or "unknown"
    commit = subprocess.run(["git", "-C", str(args.root), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=False).stdout.strip()

    def calls_line(r: Run) -> str:
        return ", ".join(f"{s} {o} {n}" for (s, o), n in sorted(r.calls.items()))

    lines = [
        SECTION,
        "",
        f"Command: `{COMMAND}` (run {stamp}; machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, "
        f"{platform.system()} {platform.release()}; 1-minute load average {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after).",
        "",
        f"- Events: {len(first):,} Secrets Manager records loaded into {REGION} of the local emulator "
        f"(account {ACCOUNT}), spread over the 24 hours that end 20 minutes before the run: "
        + ", ".join(f"{n:,} {name}" for name, n in FIRST) + ".",
        f"- Quota: the emulator's default, {QUOTA_PER_S} LookupEvents calls per second per account and "
        "region (a sliding one-second window; past it, HTTP 400 ThrottlingException).",
        f"- strongroom: `strongroom --state-dir DIR events --format json --since 30d --region {REGION} "
        f"--endpoint-url URL` ({version}, commit {commit}, release build). It asks one LookupEvents "
        f"query per Secrets Manager event name ({QUERIES}), {PAGE} events a page, through its "
        "per-(account, region) rate limiter.",
        "",
        "| | first run (empty state dir) | second run (same state dir, 100 newer records) |",
        "|---|---:|---:|",
        f"| wall time | {one.wall:.2f} s | {two.wall:.2f} s |",
        f"| LookupEvents calls | {one.lookups} (expected {expected_calls(FIRST)}) | "
        f"{two.lookups} (expected {expected_calls(SECOND)}) |",
        f"| what the quota allows for those calls ((calls − 1) / {QUOTA_PER_S}) | {one.floor:.1f} s | "
        f"{two.floor:.1f} s |",
        f"| wall time / quota floor | {ratio:.2f} | {two.wall / two.floor if two.floor else 0:.2f} |",
        f"| LookupEvents answered 200 / 400 (throttled, absorbed by the limiter) | "
        f"{one.statuses.get('200', 0)} / {one.statuses.get('400', 0)} | "
        f"{two.statuses.get('200', 0)} / {two.statuses.get('400', 0)} |",
        f"| throttle errors shown to the operator | {one.shown} | {two.shown} |",
        f"| events in the output | {one.rows:,} | {two.rows:,} |",
        f"| CPU time of strongroom / of the emulator | {one.cpu:.2f} s / {one.emulator_cpu:.2f} s | "
        f"{two.cpu:.2f} s / {two.emulator_cpu:.2f} s |",
        "",
        f"**First run: {one.wall:.1f} s for {one.lookups} calls, {ratio:.2f}× the {one.floor:.1f} s the "
        f"quota allows** (target within {TARGET:.0%}: {'met' if met else 'NOT met'}). "
        f"{len(first):,} events alone are {ideal} pages, {(ideal - 1) / QUOTA_PER_S:.1f} s at "
        f"{QUOTA_PER_S} calls/s; the other {one.lookups - ideal} calls are the last pages of each "
        "event name and the event names with no events, which cost a call each all the same.",
        "",
        f"Second run: {two.lookups} calls, one per event name for the minutes since the first run "
        "(what the store had not covered) plus the extra pages of the 90 new reads; "
        f"{server_throttled} call{'' if server_throttled == 1 else 's'} throttled at the emulator over "
        "both runs, retried without showing"
        + (": a new process starts with a fresh limiter, so its first calls can fall in the same "
           "one-second window as the previous run's last ones." if server_throttled else "."),
        "",
        f"All calls, first run: {calls_line(one)}. Second run: {calls_line(two)}.",
    ]
    if problems:
        lines += ["", "**Sanity check FAILED:**", ""] + [f"- {x}" for x in problems]
    if not benchmarks_md.publish(args.root, SECTION, lines, problems, log):
        return 1
    if not met:
        log(f"wall time / quota floor = {ratio:.2f}: the within-{TARGET:.0%} target is NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
