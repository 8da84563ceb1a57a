#!/usr/bin/env python3
"""`scripts/bench inventory`: strongroom inventory against the AWS CLI on the local emulator.

Run by scripts/bench once the emulator is up. Standard library only (runs on any python3 3.9+).
Seeds the fleet, injects latency, times both tools (3 runs each, alternating, after one untimed
warm-up each), counts API calls from the emulator's call log, checks that both saw the same
secrets, prints the Markdown report and puts it into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchmarks_md  # noqa: E402

SECTION = "## Inventory against the AWS CLI"
COMMAND = "scripts/bench inventory"
ACCOUNT = "123456789012"
ACCESS_KEY = "AKIASTRONGROOMBENCH0"
LATENCY_MS = 30
RUNS = 3
RUN_TIMEOUT_S = 120
TARGET_RATIO = 0.5
REPLICATED_EVERY = 10  # every 10th us-east-1 secret is replicated to the other two regions
FLEET = [  # region, primaries
    ("us-east-1", 2500),
    ("eu-west-1", 1500),
    ("ap-southeast-2", 1000),
]
REGIONS = [r for r, _ in FLEET]
TEAMS = ["payments", "identity", "search", "billing", "platform"]
ENVS = ["prod", "staging", "dev"]


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class Admin:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def call(self, method: str, route: str, body: object = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.url}/_strongroom/{route}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        # The emulator is on 127.0.0.1: never through a proxy.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=60) as resp:
            return json.loads(resp.read() or b"null")


def fleet() -> list[dict]:
    """Deterministic seed requests: one per region."""
    requests = []
    for region, count in FLEET:
        secrets = []
        for i in range(count):
            team, env = TEAMS[i % len(TEAMS)], ENVS[(i // len(TEAMS)) % len(ENVS)]
            spec = {
                "name": f"{env}/{team}/{region}/svc-{i:04d}",
                "description": f"bench secret {i} of {region}",
                "tags": [
                    {"Key": "Environment", "Value": env},
                    {"Key": "Owner", "Value": team},
                ],
                "secret_string": json.dumps({"password": f"bench-{region}-{i}"}),
            }
            if region == "us-east-1" and i % REPLICATED_EVERY == 0:
                spec["replica_regions"] = [r for r in REGIONS if r != region]
            secrets.append(spec)
        requests.append({"account": ACCOUNT, "region": region, "secrets": secrets})
    return requests


def tool_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k.lower() not in (
        "http_proxy", "https_proxy", "all_proxy")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": "bench-secret-key",
            "AWS_CONFIG_FILE": str(work / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(work / "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    env.pop("STRONGROOM_LOG", None)
    return env


class Tool:
    """One tool's runs: wall times, outputs of the last run, call counts of every run."""

    def __init__(self, name: str, argvs: list[list[str]]) -> None:
        self.name = name
        self.argvs = argvs  # run one after the other; the wall time covers all of them
        self.times: list[float] = []
        self.calls: list[collections.Counter] = []
        self.statuses: list[collections.Counter] = []
        self.outputs: list[str] = []
        self.cpu: list[float] = []  # the tool's own CPU time (user + system), its children included
        self.emulator_cpu: list[float] = []  # the emulator's CPU time during the run

    def run(self, admin: Admin, env: dict[str, str], timed: bool, emulator_pid: int) -> None:
        admin.call("DELETE", "calls")
        outputs = []
        cpu0, emu0 = children_cpu(), process_cpu(emulator_pid)
        start = time.perf_counter()
        for argv in self.argvs:
            proc = subprocess.run(
                argv, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
            )
            if proc.returncode != 0:
                raise SystemExit(
                    f"scripts/bench: {' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-4000:]}"
                )
            outputs.append(proc.stdout)
        elapsed = time.perf_counter() - start
        cpu1, emu1 = children_cpu(), process_cpu(emulator_pid)
        calls = admin.call("GET", "calls")
        if not timed:
            return
        self.times.append(elapsed)
        self.cpu.append(cpu1 - cpu0)
        self.emulator_cpu.append(emu1 - emu0)
        self.outputs = outputs
        self.calls.append(collections.Counter((c["service"], c["operation"]) for c in calls))
        self.statuses.append(collections.Counter(str(c.get("status")) for c in calls))

    def median(self) -> float:
        return statistics.median(self.times)


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process, from /proc (0 where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def versions(args: argparse.Namespace) -> dict[str, str]:
    def out(argv: list[str]) -> str:
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
            return (p.stdout or p.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "unknown"

    commit = out(["git", "-C", str(args.root), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(
        ["git", "-C", str(args.root), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()
    return {
        "strongroom": out([args.strongroom, "--version"]) + f" (commit {commit}{', dirty tree' if dirty else ''})",
        "aws": out([args.aws, "--version"]),
        "moto": "moto " + out([args.emulator_python, "-c", "import moto; print(moto.__version__)"]),
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def strongroom_seen(output: str) -> tuple[set, dict]:
    report = json.loads(output)
    seen = set()
    stats = collections.Counter()
    for cell in report["cells"]:
        stats[f"cell {cell['region']} {cell['health']}"] += 1
    for s in report["secrets"]:
        stats["rows"] += 1
        if s.get("replica_of"):
            stats["rows that are unjoined replicas"] += 1
        seen.add((s["region"], s["name"]))
        for r in s["replicas"]:
            stats["replicas joined to rows"] += 1
            seen.add((r["region"], s["name"]))
    return seen, stats


def cli_seen(outputs: list[str]) -> tuple[set, dict]:
    seen = set()
    per_region = {}
    for region, out in zip(REGIONS, outputs):
        items = json.loads(out).get("SecretList", [])
        per_region[region] = len(items)
        for s in items:
            seen.add((region, s["Name"]))
    return seen, per_region


def calls_table(tools: list[Tool]) -> list[str]:
    ops = sorted({op for t in tools for op in t.calls[-1]})
    lines = ["| API call | " + " | ".join(t.name for t in tools) + " |",
             "|---|" + "---:|" * len(tools)]
    for service, op in ops:
        lines.append(f"| {service} {op} | " + " | ".join(str(t.calls[-1][(service, op)]) for t in tools) + " |")
    lines.append("| **total** | " + " | ".join(str(sum(t.calls[-1].values())) for t in tools) + " |")
    return lines


def bench_arguments(*extra: str) -> argparse.Namespace:
    """The arguments scripts/bench gives every bench: the checkout, the emulator's URL, the
    binaries, a work directory and the emulator's pid; `extra` names more required ones."""
    p = argparse.ArgumentParser()
    p.add_argument("--root", type=Path, required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--strongroom", required=True)
    for name in extra:
        p.add_argument(name, required=True)
    p.add_argument("--emulator-python", required=True)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--emulator-pid", type=int, required=True)
    return p.parse_args()


def main() -> int:
    args = bench_arguments("--aws")
    admin = Admin(args.url)
    env = tool_env(args.work)
    load_before = os.getloadavg()[0]

    seeded = 0
    for req in fleet():
        out = admin.call("POST", "seed", req)
        seeded += out["created"]
        log(f"seeded {out['created']} secrets in {req['region']} ({out['seconds']:.2f} s)")
    replicated = sum(1 for req in fleet() for s in req["secrets"] if s.get("replica_regions"))
    replica_copies = sum(len(s.get("replica_regions", [])) for req in fleet() for s in req["secrets"])
    admin.call("DELETE", "faults")
    admin.call("POST", "faults", [
        {"region": "*", "service": "secretsmanager", "latency_ms": LATENCY_MS},
        {"region": "*", "service": "sts", "latency_ms": LATENCY_MS},
    ])

    strongroom_base = [args.strongroom, "--state-dir", str(args.work / "state"), "inventory",
                       "--format", "json", "--endpoint-url", args.url]
    strongroom_argv = strongroom_base + [a for r in REGIONS for a in ("--region", r)]
    cli_argvs = [[args.aws, "secretsmanager", "list-secrets", "--region", r,
                  "--endpoint-url", args.url, "--output", "json"] for r in REGIONS]
    strongroom = Tool("strongroom", [strongroom_argv])
    cli = Tool("AWS CLI", cli_argvs)
    # Diagnostic: strongroom over the largest region alone, whose ListSecrets pages come one
    # after the other: the floor of the listing phase, with no DescribeSecret and no join.
    longest = max(FLEET, key=lambda f: f[1])[0]
    alone = Tool(f"strongroom, {longest} alone",
                 [strongroom_base + ["--region", longest]])
    tools = [strongroom, cli, alone]

    log("warm-up run of each tool (not timed)")
    for t in tools:
        t.run(admin, env, timed=False, emulator_pid=args.emulator_pid)
    for i in range(RUNS):
        for t in tools:
            t.run(admin, env, timed=True, emulator_pid=args.emulator_pid)
            log(f"run {i + 1}/{RUNS} {t.name}: {t.times[-1]:.3f} s, {sum(t.calls[-1].values())} calls, "
                f"CPU {t.cpu[-1]:.2f} s, emulator CPU {t.emulator_cpu[-1]:.2f} s")

    # Sanity: the same secrets seen; strongroom never reads a value; call counts stable.
    problems = []
    sr_seen, sr_stats = strongroom_seen(strongroom.outputs[0])
    cli_set, cli_per_region = cli_seen(cli.outputs)
    expected = seeded + replica_copies
    if sr_seen != cli_set:
        problems.append(f"strongroom and the CLI saw different secrets: {len(sr_seen - cli_set)} only in "
                        f"strongroom, {len(cli_set - sr_seen)} only in the CLI")
    if len(cli_set) != expected:
        problems.append(f"the CLI saw {len(cli_set)} secrets, {expected} were seeded")
    if sr_stats["rows"] + sr_stats["replicas joined to rows"] != sum(cli_per_region.values()):
        problems.append("strongroom rows + joined replicas != CLI total")
    for t in (strongroom, cli):
        gsv = sum(c[("secretsmanager", "GetSecretValue")] + c[("secretsmanager", "BatchGetSecretValue")]
                  for c in t.calls)
        if t is strongroom and gsv:
            problems.append(f"strongroom read secret values: {gsv} GetSecretValue/BatchGetSecretValue calls")
        if any(c != t.calls[0] for c in t.calls):
            problems.append(f"{t.name} made different calls from one run to the next: {t.calls}")
        bad = sum(n for s, n in t.statuses[-1].items() if s != "200")
        if bad:
            problems.append(f"{t.name}: {bad} calls did not answer 200 ({dict(t.statuses[-1])})")

    ratio = strongroom.median() / cli.median()
    v = versions(args)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        SECTION,
        "",
        f"Command: `{COMMAND}` (run {now}; machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, "
        f"{platform.system()} {platform.release()}; 1-minute load average {load_before:.2f} before the "
        f"runs, {os.getloadavg()[0]:.2f} after: anything else running on the machine slows both tools).",
        "",
        f"- Fleet, seeded in the local emulator ({v['moto']} + Strongroom's layer, 127.0.0.1): "
        f"{seeded:,} secrets, "
        + ", ".join(f"{n:,} in {r}" for r, n in FLEET)
        + f"; {replicated} of us-east-1's (every {REPLICATED_EVERY}th) replicated to the other two regions, "
        f"so {seeded + replica_copies:,} secrets are listed in all "
        f"({', '.join(f'{cli_per_region[r]:,} in {r}' for r in REGIONS)}).",
        f"- Latency: {LATENCY_MS} ms added to every Secrets Manager and STS call, in every region.",
        f"- strongroom: `strongroom inventory --format json --endpoint-url URL "
        + " ".join(f"--region {r}" for r in REGIONS) + f"` ({v['strongroom']}, release build).",
        f"- AWS CLI: `aws secretsmanager list-secrets --region R --endpoint-url URL --output json` "
        f"for each region, one after the other, the CLI paginating by itself ({v['aws']}).",
        f"- Wall time: median of {RUNS} runs each, the tools alternating, after one untimed warm-up run each.",
        "",
        "| | strongroom | AWS CLI |",
        "|---|---:|---:|",
        f"| median wall time | {strongroom.median():.2f} s | {cli.median():.2f} s |",
        f"| runs | {', '.join(f'{x:.2f}' for x in strongroom.times)} s | "
        f"{', '.join(f'{x:.2f}' for x in cli.times)} s |",
        f"| CPU time of the tool (median) | {statistics.median(strongroom.cpu):.2f} s | "
        f"{statistics.median(cli.cpu):.2f} s |",
        f"| CPU time of the emulator during the run (median) | {statistics.median(strongroom.emulator_cpu):.2f} s | "
        f"{statistics.median(cli.emulator_cpu):.2f} s |",
        f"| secrets seen | {sr_stats['rows']:,} rows + {sr_stats['replicas joined to rows']:,} replicas "
        f"joined to them | {sum(cli_per_region.values()):,} |",
        "",
        f"**strongroom / CLI = {ratio:.2f}** (target ≤ {TARGET_RATIO}: "
        f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}).",
        "",
        "API calls per run (the emulator's call log; identical in every run"
        + ("" if not any("different calls" in x for x in problems) else " — NOT, see below") + "):",
        "",
        *calls_table([strongroom, cli]),
        "",
        f"For comparison, strongroom over {longest} alone (its {alone.calls[-1][('secretsmanager', 'ListSecrets')]} "
        f"ListSecrets pages, one after the other; {sum(alone.calls[-1].values())} calls in all): "
        f"median {alone.median():.2f} s, CPU {statistics.median(alone.cpu):.2f} s. That is the floor of "
        "the listing phase over the three regions, which strongroom lists at the same time.",
        "",
        "strongroom shows one row per secret, with its replicas joined to its primary's row, so "
        "its rows plus the replicas joined to them equal the CLI's total, which lists each replica "
        "again in its own region. Both tools saw exactly the same (region, name) pairs; "
        "strongroom made no GetSecretValue call."
        if not problems else "**Sanity check FAILED:**\n\n" + "\n".join(f"- {x}" for x in problems),
    ]
    if not benchmarks_md.publish(args.root, SECTION, lines, problems, log):
        return 1
    if ratio > TARGET_RATIO:
        log(f"strongroom / CLI = {ratio:.2f}: the ≤ {TARGET_RATIO} target is NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
