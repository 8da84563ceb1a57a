#!/usr/bin/env python3
"""`scripts/bench leak`: `strongroom leak-check` over 500 candidate secrets, 30 ms per call.

Run by scripts/bench once the emulator is up. Standard library only. Seeds 500 secrets in
us-east-1 (JSON, username and password), gives each a second value (so the first is AWSPREVIOUS)
and 50 of them a third staged AWSPENDING, adds 30 ms of latency to every Secrets Manager and STS
call, then times `strongroom leak-check --read-values --format json` with the AWSPREVIOUS password
of one secret on standard input (3 runs after an untimed warm-up). Counts the calls from the
emulator's call log against the plan (AWSCURRENT 20 secrets a BatchGetSecretValue, one
GetSecretValue per older version), checks the answer, and searches every output and every file
of the state directory for the value and its full SHA-256. Prints the Markdown report and puts it
into BENCHMARKS.md.
"""

from __future__ import annotations

import collections
import datetime
import hashlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchmarks_md  # noqa: E402
from drill import sm, versions  # noqa: E402
from inventory import Admin, bench_arguments, children_cpu, cpu_model, process_cpu, tool_env  # noqa: E402

SECTION = "## Leak triage over 500 candidates"
COMMAND = "scripts/bench leak"
ACCOUNT = "123456789012"
REGION = "us-east-1"
SECRETS = 500
PENDING = range(0, SECRETS, 10)  # 50 secrets with an AWSPENDING version too
LEAKED = 123  # the secret whose AWSPREVIOUS password is the leaked value
LATENCY_MS = 30
RUNS = 3
RUN_TIMEOUT_S = 300
AT_ONCE = 16  # calls in flight in src/source/aws/leak.rs
SAMPLES = 20


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def name(i: int) -> str:
    return f"/bench/prod/svc-{i % 20:02d}/secret-{i:04d}"


def value(i: int, generation: str) -> str:
    return json.dumps({"username": f"svc-{i}", "password": f"bench-{generation}-pw-{i:04d}-Qx7"})


def seed(admin: Admin, url: str) -> str:
    """Seeds the fleet; returns the AWSPREVIOUS version id of the leaked secret."""
    specs = [{"name": name(i), "secret_string": value(i, "old")} for i in range(SECRETS)]
    out = admin.call("POST", "seed", {"account": ACCOUNT, "region": REGION, "secrets": specs})
    log(f"seeded {out['created']} secrets in {REGION} ({out['seconds']:.2f} s)")
    previous = ""
    for i in range(SECRETS):
        if i == LEAKED:
            previous = sm(url, REGION, "DescribeSecret", {"SecretId": name(i)})
            previous = next(v for v, st in previous["VersionIdsToStages"].items() if "AWSCURRENT" in st)
        sm(url, REGION, "PutSecretValue", {"SecretId": name(i), "SecretString": value(i, "new")})
    for i in PENDING:
        sm(url, REGION, "PutSecretValue", {"SecretId": name(i), "SecretString": value(i, "pending"),
                                           "VersionStages": ["AWSPENDING"]})
    log(f"each secret has AWSCURRENT and AWSPREVIOUS; {len(PENDING)} have AWSPENDING")
    return previous


def single_call_latency(url: str) -> float:
    times = []
    for i in range(SAMPLES):
        t = time.perf_counter()
        sm(url, REGION, "GetSecretValue", {"SecretId": name(i)})
        times.append(time.perf_counter() - t)
    return statistics.median(times)


class Run:
    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0
        self.emulator_cpu = 0.0
        self.calls: collections.Counter = collections.Counter()
        self.report: dict = {}
        self.stdout = ""
        self.stderr = ""


def run_once(argv: list[str], env: dict, admin: Admin, emulator_pid: int, leaked: str) -> Run:
    admin.call("DELETE", "calls")
    r = Run()
    cpu0, emu0 = children_cpu(), process_cpu(emulator_pid)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, input=leaked + "\n", capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S, check=False)
    r.wall = time.perf_counter() - start
    r.cpu = children_cpu() - cpu0
    r.emulator_cpu = process_cpu(emulator_pid) - emu0
    if proc.returncode != 0:
        raise SystemExit(f"scripts/bench: {' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-4000:]}")
    for c in admin.call("GET", "calls"):
        r.calls[(c["service"], c["operation"])] += 1
    r.report = json.loads(proc.stdout)
    r.stdout, r.stderr = proc.stdout, proc.stderr
    return r


def files_under(path: Path) -> bytes:
    out = bytearray()
    for p in sorted(path.rglob("*")):
        if p.is_file():
            out += p.read_bytes()
    return bytes(out)


def main() -> int:
    args = bench_arguments()
    admin = Admin(args.url)
    env = tool_env(args.work)
    env["STRONGROOM_LOG"] = "debug"  # the log file is searched for the value too
    load_before = os.getloadavg()[0]
    previous_id = seed(admin, args.url)
    leaked = json.loads(value(LEAKED, "old"))["password"]
    admin.call("DELETE", "faults")
    admin.call("POST", "faults", [
        {"region": "*", "service": "secretsmanager", "latency_ms": LATENCY_MS},
        {"region": "*", "service": "sts", "latency_ms": LATENCY_MS},
    ])
    reads = SECRETS * 2 + len(PENDING)
    state = args.work / "state"
    argv = [args.strongroom, "--state-dir", str(state), "--endpoint-url", args.url, "--region", REGION,
            "leak-check", "--read-values", "--reason", "bench", "--confirm-reads", str(reads),
            "--format", "json"]
    log("warm-up run (not timed)")
    run_once(argv, env, admin, args.emulator_pid, leaked)
    runs = []
    for i in range(RUNS):
        r = run_once(argv, env, admin, args.emulator_pid, leaked)
        runs.append(r)
        log(f"run {i + 1}/{RUNS}: {r.wall:.3f} s, {sum(r.calls.values())} calls, CPU {r.cpu:.2f} s")
    lat = single_call_latency(args.url)

    last = runs[-1]
    batches = last.calls[("secretsmanager", "BatchGetSecretValue")]
    gets = last.calls[("secretsmanager", "GetSecretValue")]
    pages = last.calls[("secretsmanager", "ListSecrets")]
    sts = sum(n for (svc, _), n in last.calls.items() if svc == "sts")
    want_batches = math.ceil(SECRETS / 20)
    want_gets = SECRETS + len(PENDING)
    median = statistics.median(r.wall for r in runs)
    # The floor: STS, the listing's pages one after the other, then the reads AT_ONCE at a time.
    floor = lat * (sts + pages + math.ceil((want_batches + want_gets) / AT_ONCE))
    rep = last.report
    problems = []
    if any(r.calls != runs[0].calls for r in runs):
        problems.append("the calls differed from one run to the next")
    if batches != want_batches or gets != want_gets:
        problems.append(f"{batches} BatchGetSecretValue and {gets} GetSecretValue; the plan says "
                        f"{want_batches} and {want_gets}")
    if rep.get("verdict") != "previous" or rep.get("reads") != reads:
        problems.append(f"verdict {rep.get('verdict')}, {rep.get('reads')} reads; expected previous, {reads}")
    matches = rep.get("matches", [])
    if [(m.get("secret"), m.get("version_id"), m.get("field")) for m in matches] != [(name(LEAKED), previous_id, "password")]:
        problems.append(f"matches {matches}")
    digest = hashlib.sha256(leaked.encode()).hexdigest()
    haystack = b"".join(r.stdout.encode() + r.stderr.encode() for r in runs) + files_under(state)
    found = [n for n, needle in (("the value", leaked), ("its SHA-256", digest), ("its SHA-256 (upper case)", digest.upper()))
             if needle.encode() in haystack]
    if found:
        problems.append(f"found in the outputs or the state directory: {', '.join(found)}")
    state_bytes = sum(p.stat().st_size for p in state.rglob("*") if p.is_file())

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sr_version, moto = versions(args)
    lines = [
        SECTION,
        "",
        f"Command: `{COMMAND}` (run {now}; machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, "
        f"{platform.system()} {platform.release()}; 1-minute load average {load_before:.2f} before the runs, "
        f"{os.getloadavg()[0]:.2f} after).",
        "",
        f"- Fleet, seeded in the local emulator ({moto} + Strongroom's layer, 127.0.0.1): {SECRETS} JSON "
        f"secrets in {REGION}, each with AWSCURRENT and AWSPREVIOUS, {len(PENDING)} with AWSPENDING too "
        f"({reads:,} versions).",
        f"- Latency: {LATENCY_MS} ms added to every Secrets Manager and STS call.",
        f"- The leaked value: the AWSPREVIOUS `password` of one secret, on standard input.",
        f"- `strongroom --endpoint-url URL --region {REGION} leak-check --read-values --reason bench "
        f"--confirm-reads {reads} --format json` ({sr_version}, release build, `STRONGROOM_LOG=debug`); "
        f"{RUNS} timed runs after one untimed warm-up, the same state directory.",
        "",
        "| | measured |",
        "|---|---:|",
        f"| median wall time (listing included) | **{median:.2f} s** |",
        f"| runs | {', '.join(f'{r.wall:.2f}' for r in runs)} s |",
        f"| CPU time of strongroom (median) | {statistics.median(r.cpu for r in runs):.2f} s |",
        f"| CPU time of the emulator during the run (median) | {statistics.median(r.emulator_cpu for r in runs):.2f} s |",
        f"| versions read per check | {rep.get('reads')} (every stage of every candidate) |",
        f"| answer | {rep.get('verdict')}: {', '.join(m['secret'] + ' ' + m['version_id'] + ' field ' + str(m.get('field')) for m in matches)} |",
        f"| value or full hash in stdout, stderr, log, journal | {'FOUND: ' + ', '.join(found) if found else 'neither found'} (searched {len(haystack):,} bytes; state directory {state_bytes:,} bytes) |",
        "",
        "API calls per run (the emulator's call log; identical in every run):",
        "",
        "| API call | calls |",
        "|---|---:|",
        *[f"| {svc} {op} | {n} |" for (svc, op), n in sorted(last.calls.items())],
        f"| **total** | {sum(last.calls.values())} |",
        "",
        f"Reads: AWSCURRENT of {SECRETS} secrets in {batches} BatchGetSecretValue calls (20 a call; the "
        f"plan: {want_batches}), and {gets} GetSecretValue for the older versions ({SECRETS} AWSPREVIOUS + "
        f"{len(PENDING)} AWSPENDING; the plan: {want_gets}): {batches + gets} calls for {reads:,} versions, "
        f"where reading each stage of each secret by GetSecretValue would take {reads:,}. "
        f"{'Met' if batches == want_batches and gets == want_gets else 'NOT met'}.",
        "",
        f"A single GetSecretValue one after the other takes {lat * 1000:.1f} ms (median of {SAMPLES}, "
        f"Python's urllib, latency fault on). The floor for this check, with the reads {AT_ONCE} at a time "
        f"after {sts} STS call(s) and {pages} ListSecrets page(s) in sequence: ({sts} + {pages} + "
        f"⌈{batches + gets}/{AT_ONCE}⌉) × {lat * 1000:.1f} ms = **{floor:.2f} s**; measured "
        f"{median:.2f} s = {median / floor:.2f}× of it.",
    ]
    if problems:
        lines += ["", "**Sanity check FAILED:**", "", *[f"- {x}" for x in problems]]
    if not benchmarks_md.publish(args.root, SECTION, lines, problems, log):
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
