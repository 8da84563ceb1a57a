"""Cross-check of `strongroom audit` against Prowler's Secrets Manager checks (see
scripts/crosscheck-prowler, which sets up the venvs, the build and the emulator, then runs this
with the Prowler venv's Python).

    crosscheck.py --endpoint URL --strongroom BIN --prowler BIN --work DIR --benchmarks FILE

Seeds a known fleet, runs both tools against the same endpoint, compares verdicts secret by
secret for the checks both have, prints a Markdown table and rewrites the
"## Audit against Prowler" section of BENCHMARKS.md. Exit 0 when every difference is in
EXPLAINED below, 1 otherwise (2 when a tool could not be run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
import urllib.request
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"  # the emulator's account for an unmapped access key
REGION = "us-east-1"
REPLICA_REGION = "us-west-2"
REGIONS = [REGION, REPLICA_REGION]
ACCESS_KEY = "AKIACROSSCHECK0001"
SECTION = "## Audit against Prowler"

# Prowler check id -> strongroom rule id, for the checks both tools have.
CHECKS = {
    "secretsmanager_automatic_rotation_enabled": "rotation-enabled",
    "secretsmanager_secret_rotated_periodically": "rotated-within",
    "secretsmanager_secret_unused": "unused",
}
# Prowler's other Secrets Manager checks, which have no strongroom counterpart.
NOT_COMPARED = {
    "secretsmanager_has_restrictive_resource_policy": "strongroom does not read resource policies",
    "secretsmanager_not_publicly_accessible": "strongroom does not read resource policies",
}

# The fleet, all primaries in us-east-1. Ages in whole days before now. `rotate`: RotateSecret
# with RotationRules (AutomaticallyAfterDays) and no Lambda ARN, then the rotation date moved back
# `rotated` days. `read`: GetSecretValue now (0) or LastAccessedDate moved back N days (None:
# never read). `replica_read`: the replica in us-west-2 read N days ago.
FLEET: list[dict[str, Any]] = [
    dict(name="prod/billing/api-key", created=200, rotate=30, rotated=0, read=0,
         what="rotation on (30 d), rotated and read today"),
    dict(name="prod/billing/db-password", created=10, read=0,
         what="rotation off, created 10 d ago, never rotated, read today"),
    dict(name="prod/legacy/ftp-password", created=400, read=None,
         what="rotation off, created 400 d ago, never rotated, never read"),
    dict(name="prod/reports/token", created=300, rotate=30, rotated=120, read=5,
         what="rotation on (30 d), last rotated 120 d ago, read 5 d ago"),
    dict(name="prod/reports/token-89", created=300, rotate=60, rotated=89, read=1,
         what="rotation on (60 d), last rotated 89 d ago, read 1 d ago"),
    dict(name="prod/archive/yearly", created=500, rotate=365, rotated=0, read=0,
         what="rotation on every 365 d, rotated and read today"),
    dict(name="prod/search/unused-91", created=200, rotate=30, rotated=0, read=91,
         what="rotation on, rotated today, last read 91 d ago"),
    dict(name="prod/search/unused-90", created=200, rotate=30, rotated=0, read=90,
         what="rotation on, rotated today, last read 90 d ago (UTC midnight, as AWS truncates)"),
    dict(name="prod/search/never-read-new", created=5, rotate=30, rotated=0, read=None,
         what="rotation on, rotated today, created 5 d ago, never read"),
    dict(name="prod/payments/signing-key", created=200, rotate=30, rotated=45, read=0,
         tags={"Classification": "critical"},
         what="Classification=critical (no classification limit in the built-in policy), rotation on, "
              "last rotated 45 d ago, read today"),
    dict(name="prod/payments/webhook-secret", created=200, rotate=60, rotated=40, read=0,
         tags={"RotationDays": "30"},
         what="tag RotationDays=30, rotation on (60 d), last rotated 40 d ago, read today"),
    dict(name="prod/geo/replicated", created=200, rotate=30, rotated=0, read=120, replica_read=0,
         what=f"replicated to {REPLICA_REGION}; primary last read 120 d ago, replica read today"),
    dict(name="prod/ops/retired", created=200, read=None, delete=True,
         what="rotation off, never read, scheduled for deletion"),
]

# Known, documented differences: (secret, Prowler check) -> reason; or ("replica-row", check) for
# Prowler's rows about replicas. Anything else that differs makes the run fail.
REASONS = {
    "never-rotated": (
        "**Never-rotated secrets.** Prowler's `secretsmanager_secret_rotated_periodically` fails "
        "any secret without `LastRotatedDate` (\"has never been rotated\"), however new. "
        "strongroom's `rotated-within` counts a never-rotated secret's age from `CreatedDate`, so "
        "a 10-day-old secret is within the 90 days (the same as AWS Config "
        "`secretsmanager-secret-periodic-rotation`, which also starts from creation)."
    ),
    "never-read": (
        "**Never-read secrets.** Prowler's `secretsmanager_secret_unused` fails any secret without "
        "`LastAccessedDate` (\"has never been accessed\"), however new. strongroom's `unused` "
        "counts a never-read secret's idle time from `CreatedDate`, so a 5-day-old secret is not "
        "unused yet (AWS Config `secretsmanager-secret-unused` also falls back to creation)."
    ),
    "day-rounding": (
        "**Day boundary.** `LastAccessedDate` is a UTC midnight. Prowler compares the exact "
        "elapsed time with `timedelta(days=90)`, so a secret last read 90 calendar days ago fails "
        "as soon as the 91st day has begun; strongroom compares whole elapsed days "
        "(`days > 90`) and fails it one day later. The two agree from 91 days on."
    ),
    "policy-limit": (
        "**Per-secret limits.** Prowler has one limit for every secret (`max_days_secret_unrotated`, "
        "90). strongroom's limit can be stricter for a secret: its `RotationDays` tag applies, and "
        "so does a `[classification.NAME] rotation_max_days` when the policy sets one, so a secret "
        "tagged `RotationDays=30` rotated 40 days ago fails only in strongroom. (The built-in policy "
        "sets no classification limit, so `prod/payments/signing-key` agrees; with the example "
        "policy's `[classification.critical] rotation_max_days = 30` it would differ the same way.)"
    ),
    "replica-read": (
        "**Reads of replicas.** Prowler judges each region's row on its own: the primary's "
        "`LastAccessedDate` alone decides. strongroom's `unused` takes the latest read in any "
        "region (primary and replicas), so a secret read only through its replica is not unused."
    ),
    "replica-row": (
        "**Replica rows.** Prowler lists the replica in its own region as a separate secret and "
        "judges it (it reports the primary's rotation settings and the replica's own "
        "`LastAccessedDate`); strongroom joins a replica to its primary and judges the secret "
        "once, so it has no verdict of its own for the replica row."
    ),
    "scheduled-deletion": (
        "**Secrets scheduled for deletion.** Prowler lists secrets without "
        "`IncludePlannedDeletion`, so it does not see them at all; strongroom lists them and "
        "reports only `scheduled-deletion` for them (its other rules skip a secret on its way "
        "out)."
    ),
}
EXPLAINED: dict[tuple[str, str], str] = {
    ("prod/billing/db-password", "secretsmanager_secret_rotated_periodically"): "never-rotated",
    ("prod/search/never-read-new", "secretsmanager_secret_unused"): "never-read",
    ("prod/search/unused-90", "secretsmanager_secret_unused"): "day-rounding",
    ("prod/payments/webhook-secret", "secretsmanager_secret_rotated_periodically"): "policy-limit",
    ("prod/geo/replicated", "secretsmanager_secret_unused"): "replica-read",
    ("prod/ops/retired", "secretsmanager_automatic_rotation_enabled"): "scheduled-deletion",
    ("prod/ops/retired", "secretsmanager_secret_rotated_periodically"): "scheduled-deletion",
    ("prod/ops/retired", "secretsmanager_secret_unused"): "scheduled-deletion",
}
for _check in CHECKS:
    EXPLAINED[("replica-row", _check)] = "replica-row"


def log(msg: str) -> None:
    print(f"crosscheck: {msg}", file=sys.stderr, flush=True)


def admin(url: str, route: str, body: Any) -> Any:
    req = urllib.request.Request(
        f"{url}/_strongroom/{route}", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def sm(url: str, region: str) -> Any:
    return boto3.client(
        "secretsmanager", region_name=region, endpoint_url=url,
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )


def seed(url: str) -> dict[str, Any]:
    """Creates the fleet; returns notes on what the emulator accepted."""
    notes: dict[str, Any] = {}
    specs = []
    for s in FLEET:
        spec: dict[str, Any] = {"name": s["name"], "secret_string": json.dumps({"password": "x"})}
        if s.get("tags"):
            spec["tags"] = [{"Key": k, "Value": v} for k, v in s["tags"].items()]
        if "replica_read" in s:
            spec["replica_regions"] = [REPLICA_REGION]
        specs.append(spec)
    admin(url, "seed", {"account": ACCOUNT, "region": REGION, "secrets": specs})
    client = sm(url, REGION)

    # Does moto accept a rotation Lambda that does not exist? (AWS requires a real one.)
    probe = FLEET[0]["name"]
    try:
        client.rotate_secret(
            SecretId=probe,
            RotationLambdaARN=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:strongroom-rotator",
            RotationRules={"AutomaticallyAfterDays": 30},
        )
        notes["lambda_probe"] = "accepted"
    except ClientError as e:
        err = e.response["Error"]
        notes["lambda_probe"] = f"{err.get('Code')}: {err.get('Message')}"
    # moto stores the rules before it looks the Lambda up; a fresh seed resets the secret.
    admin(url, "seed", {"account": ACCOUNT, "region": REGION, "secrets": [specs[0]]})

    backdate = []
    for s in FLEET:
        # Reads first: without a Lambda, moto's new AWSCURRENT version has no value to read.
        if s.get("read") == 0:
            client.get_secret_value(SecretId=s["name"])
        if s.get("replica_read") == 0:
            sm(url, REPLICA_REGION).get_secret_value(SecretId=s["name"])
        if "rotate" in s:
            client.rotate_secret(SecretId=s["name"], RotationRules={"AutomaticallyAfterDays": s["rotate"]})
        b: dict[str, Any] = {"name": s["name"], "created_days_ago": s["created"]}
        if s.get("rotated"):
            b["last_rotated_days_ago"] = s["rotated"]
        if s.get("read"):
            b["last_accessed_days_ago"] = s["read"]
        if s.get("replica_read"):
            b["replica_last_accessed_days_ago"] = {REPLICA_REGION: s["replica_read"]}
        backdate.append(b)
    admin(url, "crosscheck-backdate", {"account": ACCOUNT, "region": REGION, "secrets": backdate})
    for s in FLEET:
        if s.get("delete"):
            client.delete_secret(SecretId=s["name"], RecoveryWindowInDays=30)
    return notes


def tool_env(url: str, work: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY="x", AWS_ENDPOINT_URL=url,
        AWS_DEFAULT_REGION=REGION, AWS_REGION=REGION, AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.path.join(work, "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=os.path.join(work, "aws-credentials"),
        HOME=os.path.join(work, "home"), XDG_CONFIG_HOME=os.path.join(work, "xdg-config"),
    )
    for d in ("home", "xdg-config"):
        os.makedirs(os.path.join(work, d), exist_ok=True)
    return env


def run(cmd: list[str], env: dict[str, str], cwd: str, ok: tuple[int, ...], timeout: int) -> tuple[str, float]:
    started = time.monotonic()
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    took = time.monotonic() - started
    if p.returncode not in ok:
        log(f"{cmd[0]} exited {p.returncode}\n--- stdout\n{p.stdout[-4000:]}\n--- stderr\n{p.stderr[-4000:]}")
        sys.exit(2)
    return p.stdout, took


def strongroom(bin_: str, url: str, work: str) -> tuple[dict[str, Any], list[str], float]:
    cmd = [bin_, "audit", "--format", "json", "--endpoint-url", url]
    for r in REGIONS:
        cmd += ["--region", r]
    cmd += ["--state-dir", os.path.join(work, "strongroom-state")]
    out, took = run(cmd, tool_env(url, work), work, (0, 1), 120)
    with open(os.path.join(work, "strongroom-audit.json"), "w") as f:
        f.write(out)
    return json.loads(out), cmd, took


def prowler(bin_: str, url: str, work: str) -> tuple[list[dict[str, Any]], list[str], float]:
    outdir = os.path.join(work, "prowler-out")
    cmd = [bin_, "aws", "--service", "secretsmanager", "--region", *REGIONS,
           "--output-formats", "json-ocsf", "--output-directory", outdir,
           "--output-filename", "prowler", "--no-banner", "--no-color", "--ignore-exit-code-3"]
    out, took = run(cmd, tool_env(url, work), work, (0,), 240)
    with open(os.path.join(work, "prowler-stdout.txt"), "w") as f:
        f.write(out)
    with open(os.path.join(outdir, "prowler.ocsf.json")) as f:
        return json.load(f), cmd, took


def version(cmd: list[str]) -> str:
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return (p.stdout or p.stderr).strip().splitlines()[-1] if (p.stdout or p.stderr).strip() else "?"


def compare(audit: dict[str, Any], findings: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    arn_of: dict[str, str] = {}
    sr_fail: dict[tuple[str, str], bool] = {}
    deleting: set[str] = set()
    for f in audit["findings"]:
        arn_of[f["secret"]] = f["arn"]
        sr_fail[(f["arn"], f["rule"])] = True
        if f["rule"] == "scheduled-deletion":
            deleting.add(f["arn"])
    pr: dict[tuple[str, str], str] = {}
    pr_names: dict[str, str] = {}
    other_checks: dict[str, int] = {}
    for f in findings:
        check = f["metadata"]["event_code"]
        res = f["resources"][0]
        if check not in CHECKS:
            other_checks[check] = other_checks.get(check, 0) + 1
            continue
        pr[(res["uid"], check)] = f["status_code"]
        pr_names[res["uid"]] = res.get("name") or res["uid"]
    rows = []
    for s in FLEET:
        primary_arn = arn_of.get(s["name"]) or next(
            (a for a, n in pr_names.items() if n == s["name"] and f":{REGION}:" in a), None)
        for check, rule in CHECKS.items():
            if primary_arn is None:
                srv, prv = "?", "?"
            else:
                srv = ("not evaluated (scheduled-deletion only)" if primary_arn in deleting
                       else "FAIL" if sr_fail.get((primary_arn, rule)) else "PASS")
                prv = pr.get((primary_arn, check), "not listed")
            rows.append(dict(secret=s["name"], region=REGION, check=check, rule=rule,
                             strongroom=srv, prowler=prv, key=(s["name"], check)))
    seen = {r["key"] for r in rows}
    for (arn, check), status in sorted(pr.items()):
        name = pr_names[arn]
        region = arn.split(":")[3]
        if (name, check) in seen and region == REGION:
            continue
        is_replica = region != REGION and any(s["name"] == name and "replica_read" in s for s in FLEET)
        rows.append(dict(secret=name, region=region, check=check, rule=CHECKS[check],
                         strongroom="— (joined to its primary)" if is_replica else "not in fleet",
                         prowler=status, key=("replica-row", check) if is_replica else (name, check)))
    for r in rows:
        r["agree"] = r["strongroom"] == r["prowler"]
        r["reason"] = None if r["agree"] else EXPLAINED.get(r["key"])
    return rows, other_checks


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| secret | region | check (Prowler ↔ strongroom) | strongroom | Prowler | agree? |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        agree = "yes" if r["agree"] else (f"no: {r['reason']}" if r["reason"] else "**no: UNEXPLAINED**")
        short = r["check"].removeprefix("secretsmanager_")
        lines.append(f"| `{r['secret']}` | {r['region']} | {short} ↔ {r['rule']} | {r['strongroom']} "
                     f"| {r['prowler']} | {agree} |")
    return "\n".join(lines)


def write_section(path: str, text: str) -> None:
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    start = doc.find(f"\n{SECTION}\n")
    if start < 0 and doc.startswith(f"{SECTION}\n"):
        start = -1
        before, rest = "", doc
    elif start < 0:
        before, rest = doc.rstrip("\n") + "\n", None
    else:
        before, rest = doc[: start + 1], doc[start + 1 :]
    after = ""
    if rest is not None:
        nxt = rest.find("\n## ", len(SECTION))
        after = rest[nxt + 1 :] if nxt >= 0 else ""
    new = before + ("\n" if before and not before.endswith("\n\n") else "") + text.rstrip("\n") + "\n"
    if after:
        new += "\n" + after
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--strongroom", required=True)
    ap.add_argument("--prowler", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--benchmarks", required=True)
    ap.add_argument("--no-write", action="store_true", help="print the section, leave BENCHMARKS.md alone")
    a = ap.parse_args()

    started = time.monotonic()
    notes = seed(a.endpoint)
    log(f"seeded {len(FLEET)} secrets; RotateSecret with a missing Lambda: {notes['lambda_probe']}")
    audit, sr_cmd, sr_took = strongroom(a.strongroom, a.endpoint, a.work)
    log(f"strongroom: {len(audit['findings'])} findings over {audit['secrets_evaluated']} rows in {sr_took:.1f} s")
    findings, pr_cmd, pr_took = prowler(a.prowler, a.endpoint, a.work)
    log(f"prowler: {len(findings)} findings in {pr_took:.1f} s")
    rows, other_checks = compare(audit, findings)

    pr_version = version([a.prowler, "--version"]).removeprefix("Prowler ")
    sr_version = version([a.strongroom, "--version"])
    agree = sum(r["agree"] for r in rows)
    explained = [r for r in rows if not r["agree"] and r["reason"]]
    unexplained = [r for r in rows if not r["agree"] and not r["reason"]]
    used_reasons = [k for k in REASONS if any(r["reason"] == k for r in explained)]
    stale = sorted({k for k in EXPLAINED if k[0] != "replica-row"} - {r["key"] for r in explained})

    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    def q(cmd: list[str]) -> str:
        words = [os.path.relpath(cmd[0]) if os.path.isabs(cmd[0]) else cmd[0], *cmd[1:]]
        return " ".join("URL" if w == a.endpoint else w.replace(a.work, "WORK") for w in words)

    md = [SECTION, ""]
    md.append(f"Command: `scripts/crosscheck-prowler` (run {now}; not part of `scripts/test`; "
              f"{platform.python_implementation()} {platform.python_version()}). It creates "
              "`.venv-prowler` when missing, builds the release binary, starts the emulator on a "
              "free port, seeds the fleet below, runs both tools against it, and rewrites this section. "
              "Exit 0 when every difference is one of the known reasons listed here, 1 otherwise.")
    md.append("")
    md.append(f"- Prowler: {pr_version} (PyPI, pinned in `scripts/crosscheck-prowler`): `{q(pr_cmd)}`, "
              f"{pr_took:.1f} s, default `config.yaml` (`max_days_secret_unrotated: 90`, "
              "`max_days_secret_unused: 90`).")
    md.append(f"- strongroom: {sr_version}, release build: `{q(sr_cmd)}`, {sr_took:.1f} s, built-in "
              "policy (no policy file: `rotation_max_days` 90, `unused_days` 90, "
              "no classification limits, `max_rotation_interval_days` off; `XDG_CONFIG_HOME` points to an "
              "empty directory so no user policy is read).")
    md.append(f"- WORK is a temporary directory. Both with `AWS_ACCESS_KEY_ID={ACCESS_KEY}` (account {ACCOUNT}) and `AWS_ENDPOINT_URL=URL`. "
              f"Both read {REPLICA_REGION} as well as {REGION} so that the replica's reads are visible; "
              f"every primary is in {REGION}.")
    md.append("- Emulator: `tests/emulator/server.py` (moto 5.2.5 + Strongroom's layer) started through "
              "`scripts/crosscheck-lib/emulator_backdate.py`, which adds one admin route, "
              "`POST /_strongroom/crosscheck-backdate`, to move `CreatedDate`, `LastRotatedDate` and "
              "`LastAccessedDate` into the past: through the API moto can only set them to now.")
    md.append("- Rotation is turned on with `RotateSecret` and `RotationRules` only. moto checks a "
              "`RotationLambdaARN` against its own Lambda service (and would invoke it, which needs "
              f"Docker): with a function that does not exist it answers `{notes['lambda_probe'].rstrip('.')}`. "
              "Without an ARN moto accepts the rules, sets `RotationEnabled`, and promotes the new "
              "version at once (AWS itself needs a rotation function the first time). Both tools read "
              "only `RotationEnabled` and `LastRotatedDate`, which is all this changes.")
    md.append("")
    md.append("The fleet:")
    md.append("")
    for s in FLEET:
        md.append(f"- `{s['name']}`: {s['what']}.")
    md.append("")
    md.append(f"**{agree} of {len(rows)} verdicts agree; {len(explained)} differ for a known reason; "
              f"{len(unexplained)} differ without one.**")
    md.append("")
    md.append(table(rows))
    md.append("")
    if used_reasons:
        md.append("Why they differ:")
        md.append("")
        for k in used_reasons:
            md.append(f"- `{k}`: {REASONS[k]}")
        md.append("")
    if unexplained:
        md.append("Unexplained differences (the run failed): " + ", ".join(
            f"`{r['secret']}` {r['check']} (strongroom {r['strongroom']}, Prowler {r['prowler']})"
            for r in unexplained) + ".")
        md.append("")
    if stale:
        md.append("Known differences that did not occur this run: " + ", ".join(f"`{n}` {c}" for n, c in stale) + ".")
        md.append("")
    md.append("Not compared: " + "; ".join(
        f"`{c}` ({NOT_COMPARED.get(c, 'no strongroom counterpart')}, {n} findings)"
        for c, n in sorted(other_checks.items())) +
        ". strongroom's other rules (`rotation-scheduled`, `required-tags`, `naming-convention`, "
        "`stuck-rotation`, `rotation-due-soon`, `replication-required`, `scheduled-deletion`, "
        "`customer-managed-key`) have no Prowler check.")
    md.append("")
    section = "\n".join(md)

    print(table(rows))
    print()
    print(f"{agree}/{len(rows)} agree, {len(explained)} explained, {len(unexplained)} unexplained"
          f" ({time.monotonic() - started:.0f} s)")
    for r in unexplained:
        print(f"UNEXPLAINED: {r['secret']} {r['check']}: strongroom {r['strongroom']}, prowler {r['prowler']}")
    if stale:
        print("note: known differences that did not occur: " + ", ".join(f"{n} {c}" for n, c in stale))
    if a.no_write:
        print("\n" + section)
    else:
        write_section(a.benchmarks, section)
        log(f"wrote '{SECTION}' in {a.benchmarks}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
