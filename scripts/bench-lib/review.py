#!/usr/bin/env python3
"""`scripts/bench review`: `strongroom review start` over 500 secrets with resource policies.

Run by scripts/bench once the emulator is up. Standard library only. Seeds 500 primaries in
us-east-1, puts a resource policy on each (three shapes: the account, two roles, `*` under an
organisation condition), clears the setup's PutResourcePolicy records from the emulator's event
store (policies set long before the window), then has two identities read 150 of the secrets
(GetSecretValue with mapped access keys) so the review has readers. Adds 30 ms of latency to every
call, then times `strongroom review start --window 90d`: a first run with a fresh state directory
(every policy fetched) and a second run with the same state directory (policies from the cache),
3 of each, alternating, after one untimed warm-up. Counts the calls from the emulator's call log,
takes the exact times of the GetResourcePolicy calls from the CloudTrail records the emulator keeps
of them (the call log has no times), samples the call log while a run is going to see how long the
LookupEvents calls (2 calls/s quota) take, checks the review through `review export --format json`,
prints the Markdown report and puts it into BENCHMARKS.md.
"""

from __future__ import annotations

import collections
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchmarks_md  # noqa: E402
from drill import version  # noqa: E402
from inventory import Admin, bench_arguments, children_cpu, cpu_model, process_cpu, tool_env  # noqa: E402

SECTION = "## Access review over 500 secrets"
COMMAND = "scripts/bench review"
ACCOUNT = "123456789012"
ACCESS_KEY = "AKIASTRONGROOMBENCH0"  # the reviewer (unmapped: an IAM user of ACCOUNT)
APP_KEY = "AKIABENCHREVIEWAPP01"  # role/bench-app, through an assumed-role session
ALICE_KEY = "AKIABENCHREVIEWALICE"  # user/alice
REGION = "us-east-1"
SECRETS = 500
WINDOW = "90d"
APP_READS = [i for i in range(SECRETS) if i % 5 == 0]  # 100 secrets read by the role
ALICE_READS = [i for i in range(SECRETS) if i % 10 == 3]  # 50 others read by alice
LATENCY_MS = 30
RUNS = 3
RUN_TIMEOUT_S = 180
POLICY_QUOTA = 50.0  # GetResourcePolicy calls per second per account and region
LOOKUP_QUOTA = 2.0  # LookupEvents calls per second per account and region (the emulator's default)
SAMPLE_S = 0.2  # how often the call log is sampled during a run
SHAPES = ["account principal", "two roles", "`*` with an aws:PrincipalOrgID condition"]
GRP_LINE = re.compile(r"GetResourcePolicy: (\d+) call\(s\) in ([0-9.]+) s \(([0-9.]+)/s\)(.*?); (\d+) from the cache")


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def name(i: int) -> str:
    return f"/bench/prod/team-{i % 10}/secret-{i:03d}"


def role(n: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{n}"


def policy(i: int) -> str:
    shape = i % len(SHAPES)
    if shape == 0:
        statement = {"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                     "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    elif shape == 1:
        statement = {"Sid": "Roles", "Effect": "Allow",
                     "Principal": {"AWS": [role("bench-app"), role("bench-reporting")]},
                     "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "Resource": "*"}
    else:
        statement = {"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue",
                     "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-bench12345"}}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(url: str, service: str, target: str, params: dict, key: str = ACCESS_KEY) -> dict:
    """One JSON AWS call in REGION with a SigV4-shaped header (the emulator takes the region, the
    service and the access key from it)."""
    headers = {
        "Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20260101/{REGION}/{service}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0",
        "X-Amz-Date": "20260101T000000Z",
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": target,
    }
    req = urllib.request.Request(url.rstrip("/") + "/", data=json.dumps(params).encode(), method="POST",
                                 headers=headers)
    with OPENER.open(req, timeout=60) as resp:
        return json.loads(resp.read() or b"{}")


def sm(url: str, op: str, params: dict, key: str = ACCESS_KEY) -> dict:
    return call(url, "secretsmanager", f"secretsmanager.{op}", params, key)


def seed(admin: Admin, url: str) -> None:
    admin.call("POST", "identities", {
        APP_KEY: {"type": "AssumedRole", "accountId": ACCOUNT,
                  "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/bench-app/session-1",
                  "principalId": "AROABENCHAPP:session-1",
                  "sessionIssuer": {"type": "Role", "arn": role("bench-app"), "accountId": ACCOUNT,
                                    "principalId": "AROABENCHAPP", "userName": "bench-app"}},
        ALICE_KEY: {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/alice", "accountId": ACCOUNT,
                    "principalId": "AIDABENCHALICE", "userName": "alice"},
    })
    specs = [{
        "name": name(i),
        "secret_string": json.dumps({"password": f"bench-{i}"}),
        "tags": [{"Key": "Owner", "Value": f"team-{i % 10}"}, {"Key": "Classification", "Value": "critical"}],
    } for i in range(SECRETS)]
    out = admin.call("POST", "seed", {"account": ACCOUNT, "region": REGION, "secrets": specs})
    log(f"seeded {out['created']} secrets in {REGION} ({out['seconds']:.2f} s)")
    t = time.perf_counter()
    for i in range(SECRETS):
        sm(url, "PutResourcePolicy", {"SecretId": name(i), "ResourcePolicy": policy(i)})
    log(f"put {SECRETS} resource policies ({time.perf_counter() - t:.2f} s)")
    # The policies were set long before the window: their PutResourcePolicy records would be
    # 500 writes for the review's CloudTrail fetch to page through. The reads below are recorded.
    admin.call("DELETE", "events")
    t = time.perf_counter()
    for key, which in ((APP_KEY, APP_READS), (ALICE_KEY, ALICE_READS)):
        for i in which:
            sm(url, "GetSecretValue", {"SecretId": name(i)}, key)
    log(f"{len(APP_READS)} reads by role/bench-app, {len(ALICE_READS)} by user/alice "
        f"({time.perf_counter() - t:.2f} s)")


class Sampler(threading.Thread):
    """Samples the emulator's call log during a run: when each operation was first seen and when
    its count last grew. Times in perf_counter seconds."""

    OPS = ("LookupEvents", "GetResourcePolicy")

    def __init__(self, admin: Admin) -> None:
        super().__init__(daemon=True)
        self.admin = admin
        self.stop = threading.Event()
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.counts: dict[str, int] = collections.defaultdict(int)

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_S):
            try:
                calls = self.admin.call("GET", "calls")
            except OSError:
                continue
            now = time.perf_counter()
            counts = collections.Counter(c["operation"] for c in calls)
            for op in self.OPS:
                if counts[op] and op not in self.first:
                    self.first[op] = now
                if counts[op] > self.counts[op]:
                    self.counts[op] = counts[op]
                    self.last[op] = now

    def span(self, op: str) -> float | None:
        """Seconds between the sample that first saw `op` and the one that saw its last call."""
        if op not in self.first:
            return None
        return self.last[op] - self.first[op]


class Run:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.wall = 0.0
        self.cpu = 0.0
        self.emulator_cpu = 0.0
        self.calls: collections.Counter = collections.Counter()
        self.statuses: collections.Counter = collections.Counter()
        self.by_reviewer: collections.Counter = collections.Counter()
        self.lookup_span: float | None = None  # sampled
        self.policy_times: list[float] = []  # exact, from CloudTrail records
        self.own_line: tuple | None = None  # strongroom's own GetResourcePolicy line
        self.stderr = ""
        self.pack: dict = {}

    def policy_calls(self) -> int:
        return self.calls[("secretsmanager", "GetResourcePolicy")]

    def policy_span(self) -> float | None:
        return max(self.policy_times) - min(self.policy_times) if len(self.policy_times) > 1 else None

    def policy_rate(self) -> float:
        span = self.policy_span()
        n = self.policy_calls()
        return n / span if span else (n / self.wall if n else 0.0)


def policy_times(admin: Admin, url: str, start: float, end: float) -> list[float]:
    """Exact times of the reviewer's GetResourcePolicy calls in [start, end], from the CloudTrail
    records the emulator keeps; LookupEvents' quota is lifted for these calls, then restored."""
    config = admin.call("GET", "config")
    admin.call("POST", "config", {"lookup_events_tps": 0})
    try:
        times, token = [], None
        while True:
            body = {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "GetResourcePolicy"}],
                    "StartTime": start, "EndTime": end, "MaxResults": 50}
            if token:
                body["NextToken"] = token
            out = call(url, "cloudtrail", "CloudTrail_20131101.LookupEvents", body)
            times += [float(e["EventTime"]) for e in out.get("Events", []) if e.get("AccessKeyId") == ACCESS_KEY]
            token = out.get("NextToken")
            if not token:
                return times
    finally:
        admin.call("POST", "config", {"lookup_events_tps": config.get("lookup_events_tps", LOOKUP_QUOTA)})


def run_once(kind: str, argv: list[str], export: list[str], env: dict, admin: Admin, url: str,
             emulator_pid: int) -> Run:
    admin.call("DELETE", "calls")
    r = Run(kind)
    sampler = Sampler(admin)
    sampler.start()
    cpu0, emu0 = children_cpu(), process_cpu(emulator_pid)
    epoch0 = time.time()
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)
    r.wall = time.perf_counter() - start
    epoch1 = time.time()
    r.cpu = children_cpu() - cpu0
    r.emulator_cpu = process_cpu(emulator_pid) - emu0
    sampler.stop.set()
    sampler.join()
    r.stderr = proc.stderr
    if proc.returncode != 0:
        raise SystemExit(f"scripts/bench: {' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-4000:]}")
    for c in admin.call("GET", "calls"):
        r.calls[(c["service"], c["operation"])] += 1
        r.statuses[str(c.get("status"))] += 1
        if c.get("access_key") == ACCESS_KEY:
            r.by_reviewer[c["operation"]] += 1
    r.lookup_span = sampler.span("LookupEvents")
    m = GRP_LINE.search(proc.stderr)
    if m:
        r.own_line = (int(m.group(1)), float(m.group(2)), float(m.group(3)), int(m.group(5)))
    # After the call log was read: these lookups are the bench's, not strongroom's.
    if r.policy_calls():
        r.policy_times = policy_times(admin, url, epoch0 - 1, epoch1 + 1)
    out = subprocess.run(export, env=env, capture_output=True, text=True, timeout=60, check=False)
    if out.returncode != 0:
        raise SystemExit(f"scripts/bench: {' '.join(export)} exited {out.returncode}:\n{out.stderr[-4000:]}")
    r.pack = json.loads(out.stdout)
    return r


def check(r: Run, problems: list[str]) -> None:
    tag = f"{r.kind} run"
    calls = r.policy_calls()
    want = SECRETS if r.kind == "first" else 0
    if calls != want:
        problems.append(f"{tag}: {calls} GetResourcePolicy calls, expected {want}")
    if r.own_line is None:
        problems.append(f"{tag}: no 'GetResourcePolicy: ...' line on stderr")
    elif r.own_line[0] != want or r.own_line[3] != SECRETS - want:
        problems.append(f"{tag}: strongroom says {r.own_line[0]} calls, {r.own_line[3]} cached")
    if r.kind == "first" and len(r.policy_times) != SECRETS:
        problems.append(f"{tag}: {len(r.policy_times)} GetResourcePolicy records in CloudTrail, expected {SECRETS}")
    reads = r.calls[("secretsmanager", "GetSecretValue")] + r.calls[("secretsmanager", "BatchGetSecretValue")]
    if reads:
        problems.append(f"{tag}: {reads} GetSecretValue/BatchGetSecretValue calls")
    bad = sum(n for s, n in r.statuses.items() if s != "200")
    if bad:
        problems.append(f"{tag}: {bad} calls did not answer 200 ({dict(r.statuses)})")
    summary = r.pack.get("summary", {})
    if summary.get("secrets") != SECRETS or summary.get("with_policy") != SECRETS:
        problems.append(f"{tag}: summary {summary}")
    secrets = r.pack.get("secrets", [])
    cached = sum(1 for s in secrets if s.get("policy", {}).get("cached"))
    if cached != (SECRETS if r.kind == "cached" else 0):
        problems.append(f"{tag}: {cached} policies marked cached")
    read = {s["secret"]["name"] for s in secrets if any(row.get("reads", 0) for row in s.get("rows", []))}
    expected = {name(i) for i in APP_READS + ALICE_READS}
    if read != expected:
        problems.append(f"{tag}: {len(read)} secrets show reads, expected {len(expected)} "
                        f"({len(read - expected)} unexpected, {len(expected - read)} missing)")


def fmt(x: float | None, unit: str = " s", digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}{unit}"


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.0f} %"


def main() -> int:
    args = bench_arguments()
    admin = Admin(args.url)
    env = tool_env(args.work)
    env["USER"] = "bench"
    load_before = os.getloadavg()[0]
    bench_start = time.perf_counter()
    seed(admin, args.url)
    lookup_tps = admin.call("GET", "config").get("lookup_events_tps")
    admin.call("DELETE", "faults")
    admin.call("POST", "faults", {"region": "*", "service": "*", "latency_ms": LATENCY_MS})

    def argv(state: Path) -> list[str]:
        return [args.strongroom, "--endpoint-url", args.url, "--region", REGION, "--state-dir", str(state),
                "review", "start", "--window", WINDOW]

    def export(state: Path) -> list[str]:
        return [args.strongroom, "--state-dir", str(state), "review", "export", "--format", "json"]

    def go(kind: str, state: Path) -> Run:
        return run_once(kind, argv(state), export(state), env, admin, args.url, args.emulator_pid)

    log("warm-up run (not timed)")
    go("first", args.work / "state-warmup")
    first, cached = [], []
    for i in range(RUNS):
        state = args.work / f"state-{i + 1}"
        for kind, series in (("first", first), ("cached", cached)):
            r = go(kind, state)
            series.append(r)
            log(f"{kind} run {i + 1}/{RUNS}: {r.wall:.2f} s, GetResourcePolicy {r.policy_calls()} "
                f"(span {fmt(r.policy_span())}), LookupEvents {r.calls[('cloudtrail', 'LookupEvents')]} "
                f"(span ~{fmt(r.lookup_span)}), {sum(r.calls.values())} calls")
    total = time.perf_counter() - bench_start

    problems: list[str] = []
    for r in first + cached:
        check(r, problems)
    for series in (first, cached):
        if any(r.calls != series[0].calls for r in series):
            problems.append(f"the calls of the {series[0].kind} runs differed from one run to the next")

    def med(series: list[Run], f) -> float | None:
        xs = [f(r) for r in series]
        xs = [x for x in xs if x is not None]
        return statistics.median(xs) if xs else None

    lookups = lambda r: r.calls[("cloudtrail", "LookupEvents")]  # noqa: E731
    share = lambda r: r.lookup_span / r.wall if r.lookup_span is not None else None  # noqa: E731
    floor = lambda r: (lookups(r) - 1) / LOOKUP_QUOTA if lookups(r) else 0.0  # noqa: E731
    wall_first, wall_cached = med(first, lambda r: r.wall), med(cached, lambda r: r.wall)
    rate = med(first, Run.policy_rate)
    span = med(first, Run.policy_span)
    lf, lc = first[-1], cached[-1]
    intervals = med(first, lambda r: (r.policy_calls() - 1) / r.policy_span() if r.policy_span() else None)
    within = intervals is not None and intervals <= POLICY_QUOTA
    if not within:
        problems.append(f"GetResourcePolicy at {fmt(intervals, '/s', 1)} counted by intervals, over the "
                        f"{POLICY_QUOTA:g}/s quota")
    all_calls = sorted(set(lf.calls) | set(lc.calls))

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    commit = version(["git", "-C", str(args.root), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(args.root), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, check=False).stdout.strip()
    sr_version = version([args.strongroom, "--version"]) + f" (commit {commit}{', dirty tree' if dirty else ''})"
    moto = "moto " + version([args.emulator_python, "-c", "import moto; print(moto.__version__)"])
    own = [r.own_line for r in first if r.own_line]
    lines = [
        SECTION,
        "",
        f"Command: `{COMMAND}` (run {now}; machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, "
        f"{platform.system()} {platform.release()}; 1-minute load average {load_before:.2f} before the runs, "
        f"{os.getloadavg()[0]:.2f} after; the whole bench took {total:.0f} s).",
        "",
        f"- Fleet, seeded in the local emulator ({moto} + Strongroom's layer, 127.0.0.1): {SECRETS} primaries in "
        f"{REGION}, each with a resource policy set by PutResourcePolicy, in {len(SHAPES)} shapes in turn: "
        f"{'; '.join(SHAPES)}. The setup's PutResourcePolicy records are then cleared from the emulator's "
        "CloudTrail (policies set long before the window).",
        f"- Readers: {len(APP_READS) + len(ALICE_READS)} GetSecretValue calls with mapped access keys, "
        f"{len(APP_READS)} by an assumed-role session of role/bench-app and {len(ALICE_READS)} by user/alice, "
        f"each on a different secret; the emulator records them as CloudTrail events. The LookupEvents quota "
        f"is the emulator's default, {lookup_tps:g} calls/s per account and region.",
        f"- Latency: {LATENCY_MS} ms added to every Secrets Manager, CloudTrail and STS call.",
        f"- `strongroom --endpoint-url URL --region {REGION} --state-dir DIR review start --window {WINDOW}` "
        f"({sr_version}, release build): a **first run** with a fresh state directory (every policy fetched), "
        f"then a **cached run** with the same state directory (policies from `review.sqlite`; the CloudTrail "
        f"fetch also has its evidence store), {RUNS} of each, alternating, after one untimed first run. "
        "After each run `review export --format json` (no AWS call) checks the review.",
        "",
        "| | first run | cached run |",
        "|---|---:|---:|",
        f"| median wall time | **{fmt(wall_first)}** | **{fmt(wall_cached)}** |",
        f"| runs | {', '.join(f'{r.wall:.2f}' for r in first)} s | {', '.join(f'{r.wall:.2f}' for r in cached)} s |",
        f"| GetResourcePolicy calls (target) | {lf.policy_calls()} ({SECRETS}, one per primary) | "
        f"{lc.policy_calls()} (0) |",
        f"| GetResourcePolicy span, first to last call (median) | {fmt(span)} | – |",
        f"| GetResourcePolicy rate, calls ÷ span (median) | **{fmt(rate, '/s', 1)}** ({pct(rate / POLICY_QUOTA if rate else None)} of the {POLICY_QUOTA:g}/s quota) | – |",
        f"| LookupEvents calls | {lookups(lf)} | {lookups(lc)} |",
        f"| LookupEvents at {lookup_tps:g}/s: (calls − 1) ÷ {lookup_tps:g} | {fmt(floor(lf))} | {fmt(floor(lc))} |",
        f"| LookupEvents span, sampled (median) | ~{fmt(med(first, lambda r: r.lookup_span))} | "
        f"~{fmt(med(cached, lambda r: r.lookup_span))} |",
        f"| LookupEvents share of the wall time (median) | **{pct(med(first, share))}** | "
        f"**{pct(med(cached, share))}** |",
        f"| GetSecretValue calls by strongroom | {lf.calls[('secretsmanager', 'GetSecretValue')]} | "
        f"{lc.calls[('secretsmanager', 'GetSecretValue')]} |",
        f"| CPU time of strongroom (median) | {fmt(med(first, lambda r: r.cpu))} | {fmt(med(cached, lambda r: r.cpu))} |",
        f"| CPU time of the emulator during the run (median) | {fmt(med(first, lambda r: r.emulator_cpu))} | "
        f"{fmt(med(cached, lambda r: r.emulator_cpu))} |",
        "",
        "API calls per run (the emulator's call log, last run of each kind; every call answered 200):",
        "",
        "| API call | first run | cached run |",
        "|---|---:|---:|",
        *[f"| {svc} {op} | {lf.calls[(svc, op)]} | {lc.calls[(svc, op)]} |" for svc, op in all_calls],
        f"| **total** | {sum(lf.calls.values())} | {sum(lc.calls.values())} |",
        "",
        "How it was measured. The call log has no times, so the GetResourcePolicy span is taken from the "
        "CloudTrail records the emulator keeps of those calls (exact times, read after the run with the "
        "LookupEvents quota lifted for the bench's own lookups): rate = calls ÷ (last − first). "
        f"Strongroom's own figure (its stderr, first runs): "
        + ", ".join(f"{n} calls in {s:.2f} s ({v:.1f}/s)" for n, s, v, _ in own)
        + ". The LookupEvents span is when the call log, sampled every "
        f"{SAMPLE_S:g} s during the run, first showed a LookupEvents call and when it showed the last one "
        f"(±{SAMPLE_S:g} s); its share is that span ÷ the wall time.",
        "",
        f"Every primary's policy takes one GetResourcePolicy call on a first run ({lf.policy_calls()} of "
        f"{SECRETS}: **{'met' if lf.policy_calls() == SECRETS else 'NOT met'}**), none on a cached run "
        f"({lc.policy_calls()}: **{'met' if lc.policy_calls() == 0 else 'NOT met'}**); no GetSecretValue in any "
        f"run. The rate stays within the quota (**{'met' if within else 'NOT met'}**: {fmt(intervals, '/s', 1)} "
        f"counted by intervals, (calls − 1) ÷ span): the limiter adds 1 ms to each 20 ms interval, at most "
        f"{1000 / 21:.1f}/s, so {SECRETS} policies need about {(SECRETS - 1) * 0.021:.1f} s.",
        "",
        f"The CloudTrail fetch runs alongside the policies: one LookupEvents query per Secrets Manager event "
        f"name the review looks at, each at least one call (more pages for the {len(APP_READS) + len(ALICE_READS)} "
        f"GetSecretValue records), all in one account and region at {lookup_tps:g} calls/s. "
        + (f"Its {lookups(lf)} calls take longer than the {SECRETS} policies, so the CloudTrail quota sets the "
           f"wall time of both kinds of run: the cache saves the {lf.policy_calls()} calls and "
           f"{fmt(med(first, lambda r: r.cpu))} → {fmt(med(cached, lambda r: r.cpu))} of strongroom's CPU, "
           f"but only {fmt(wall_first - wall_cached)} of wall time."
           if floor(lf) >= (span or 0) else
           f"On a first run the policies take longer ({fmt(span)}) than its {lookups(lf)} calls "
           f"({fmt(floor(lf))} at the quota), so the cache saves {fmt(wall_first - wall_cached)} of wall time.")
        + (" The evidence store does not shorten the cached run here: windows count as complete only up to "
           "15 minutes before now (CloudTrail's delivery delay) and every event of this bench is newer, so "
           "each query is asked again."
           if lookups(lc) >= lookups(lf) else
           f" The evidence store saves {lookups(lf) - lookups(lc)} LookupEvents calls on the cached run."),
    ]
    if problems:
        lines += ["", "**Sanity check FAILED:**", "", *[f"- {x}" for x in problems]]
    if not benchmarks_md.publish(args.root, SECTION, lines, problems, log):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
