"""Strongroom's emulator (tests/emulator/server.py, unchanged) plus one admin route the
cross-check needs and the emulator does not have: moving a secret's dates into the past.

    .venv-emulator/bin/python scripts/crosscheck-lib/emulator_backdate.py --port 0

Through the AWS API, moto sets LastRotatedDate to "now" (RotateSecret) and the emulator sets
LastAccessedDate to today's UTC midnight (GetSecretValue); neither can be in the past, so
"rotated 120 days ago" or "last read 95 days ago" cannot be produced by calls alone.

    POST /_strongroom/crosscheck-backdate
    {"account": "123456789012", "region": "us-east-1", "secrets": [
        {"name": "...", "created_days_ago": 200, "last_rotated_days_ago": 120,
         "last_accessed_days_ago": 95, "replica_last_accessed_days_ago": {"us-west-2": 3}}]}

Days are whole days before now (created, rotated) or before today's UTC midnight (accessed,
which AWS truncates to the day). Keys left out are not touched. Answers {"updated": N}.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "..", "..", "tests", "emulator")
sys.path.insert(0, os.path.abspath(EMULATOR))

import admin  # noqa: E402  (the emulator's own module; the same one middleware.py uses)
import server  # noqa: E402

DAY = 86400


def _midnight() -> int:
    now = datetime.datetime.now(datetime.timezone.utc)
    return int(datetime.datetime(now.year, now.month, now.day, tzinfo=datetime.timezone.utc).timestamp())


def backdate(emu: Any, body: Any, query: dict[str, str]) -> Any:
    from moto.secretsmanager.models import secretsmanager_backends

    account = str(body.get("account") or "123456789012")
    region = body.get("region") or "us-east-1"
    backend = secretsmanager_backends[account][region]
    now, midnight = int(time.time()), _midnight()
    updated = 0
    for spec in body["secrets"]:
        secret = backend.secrets[spec["name"]]  # KeyError -> HTTP 400
        if "created_days_ago" in spec:
            secret.created_date = now - int(spec["created_days_ago"]) * DAY
            secret.last_changed_date = secret.created_date
            for version in secret.versions.values():
                version["createdate"] = secret.created_date
        if "last_rotated_days_ago" in spec:
            secret.last_rotation_date = now - int(spec["last_rotated_days_ago"]) * DAY
            secret.last_changed_date = max(secret.last_changed_date or 0, secret.last_rotation_date)
            if secret.auto_rotate_after_days:
                secret.next_rotation_date = secret.last_rotation_date + int(secret.auto_rotate_after_days) * DAY
        if "last_accessed_days_ago" in spec:
            secret.last_accessed_date = midnight - int(spec["last_accessed_days_ago"]) * DAY
        for replica_region, days in (spec.get("replica_last_accessed_days_ago") or {}).items():
            replica = next(r for r in secret.replicas if r.region == replica_region)  # StopIteration -> 500
            replica.last_accessed_date = midnight - int(days) * DAY
        updated += 1
    return {"updated": updated}


admin.ROUTES[("POST", "crosscheck-backdate")] = backdate

if __name__ == "__main__":
    server.main()
