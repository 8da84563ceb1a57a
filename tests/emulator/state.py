"""Mutable emulator state shared by the middleware, the admin API and the moto patches.

Everything here is guarded by one lock: the werkzeug server is threaded.
"""

from __future__ import annotations

import datetime
import hashlib
import threading
from typing import Any, Callable

DEFAULT_ACCOUNT = "123456789012"

# Known injectable errors: HTTP status and the message AWS sends with them.
FAULT_ERRORS = {
    "ThrottlingException": (400, "Rate exceeded"),
    "Throttling": (400, "Rate exceeded"),
    "InternalFailure": (500, "An internal error occurred."),
    "InternalServiceError": (500, "An internal error occurred."),
    "ServiceUnavailable": (503, "Service Unavailable"),
    "ServiceUnavailableException": (503, "Service Unavailable"),
}

FAULT_KEYS = {"operation", "account", "region", "service", "latency_ms", "error_rate", "error", "status", "down"}


def iso_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.identities: dict[str, dict[str, Any]] = {}
        self.faults: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[dict[str, Any]] = []
        # athena_running_polls: GetQueryExecution calls that answer RUNNING before the real state.
        self.config: dict[str, Any] = {"lookup_events_tps": 2, "athena_running_polls": 0}
        # STS AssumeRole: role ARN -> {"account", "name", "trusted_accounts", "external_id", ...}
        # (roles.py); empty means AssumeRole is lenient (moto's behaviour).
        self.roles: dict[str, dict[str, Any]] = {}
        # Account API ListRegions: account -> {region: RegionOptStatus} overrides (regions.py).
        self.regions: dict[str, dict[str, str]] = {}
        # Access key -> CloudTrail userIdentity of an STS session moto issued (set by patches.py).
        self.session_identity: Callable[[str], dict[str, Any] | None] = lambda key: None

    # ---- identities -------------------------------------------------------
    def set_identities(self, mapping: dict[str, Any]) -> None:
        for key, ident in mapping.items():
            if not isinstance(ident, dict):
                raise ValueError(f"identity for {key} must be an object")
        with self.lock:
            self.identities.update(mapping)

    def mapped(self, access_key: str | None) -> dict[str, Any] | None:
        with self.lock:
            return self.identities.get(access_key or "")

    def account_for(self, access_key: str | None) -> str | None:
        """The account a mapped key acts in; None for unmapped keys (moto decides)."""
        ident = self.mapped(access_key)
        return str(ident["accountId"]) if ident and ident.get("accountId") else None

    def user_identity(self, access_key: str | None, account: str) -> dict[str, Any]:
        """CloudTrail's userIdentity block for a request signed with access_key."""
        key = access_key or "AKIAEXAMPLE"
        m = self.mapped(key)
        if m is None:
            session = self.session_identity(key)
            if session is not None:
                return session
            principal = "AIDA" + hashlib.sha1(key.encode()).hexdigest()[:16].upper()
            return {
                "type": "IAMUser",
                "principalId": principal,
                "arn": f"arn:aws:iam::{account}:user/{key}",
                "accountId": account,
                "accessKeyId": key,
                "userName": key,
            }
        ident: dict[str, Any] = {"type": m.get("type", "IAMUser")}
        for field in ("principalId", "arn"):
            if field in m:
                ident[field] = m[field]
        ident["accountId"] = str(m.get("accountId") or account)
        ident["accessKeyId"] = key
        if "userName" in m:
            ident["userName"] = m["userName"]
        elif ident["type"] == "IAMUser" and "arn" in m:
            ident["userName"] = str(m["arn"]).rsplit("/", 1)[-1]
        if "sessionContext" in m:
            ident["sessionContext"] = m["sessionContext"]
        elif "sessionIssuer" in m:
            ident["sessionContext"] = {
                "sessionIssuer": m["sessionIssuer"],
                "attributes": {"creationDate": iso_now(), "mfaAuthenticated": "false"},
            }
        skip = set(ident) | {"sessionIssuer", "sessionContext", "userName"}
        for field, value in m.items():
            if field not in skip:
                ident[field] = value
        return ident

    # ---- faults -----------------------------------------------------------
    def set_fault(self, rule: dict[str, Any]) -> dict[str, Any]:
        unknown = set(rule) - FAULT_KEYS
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        rule = dict(rule)
        rule["account"] = str(rule.get("account") or "*")
        rule.setdefault("region", "*")
        rule.setdefault("service", "*")
        rate = rule.get("error_rate")
        if rate is not None and not 0 <= float(rate) <= 1:
            raise ValueError("error_rate must be between 0 and 1")
        if rule.get("down") not in (None, False, True, "hang"):
            raise ValueError('down must be true, false or "hang"')
        rule.setdefault("error", "ThrottlingException")
        with self.lock:
            self.faults[(rule["account"], rule["region"], rule["service"])] = rule
        return rule

    def fault_for(self, account: str, region: str, service: str) -> dict[str, Any] | None:
        """The most specific rule: the more of account, region and service it names, the more
        specific; between rules naming as many, account beats region beats service."""
        with self.lock:
            for key in (
                (account, region, service),
                (account, region, "*"),
                (account, "*", service),
                ("*", region, service),
                (account, "*", "*"),
                ("*", region, "*"),
                ("*", "*", service),
                ("*", "*", "*"),
            ):
                if key in self.faults:
                    return self.faults[key]
        return None

    # ---- call log ---------------------------------------------------------
    def log_call(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.calls.append(entry)
