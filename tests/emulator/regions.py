"""Account Management API `ListRegions` (moto 5.2.5 does not have it), answered by the middleware.

Each account has the regions AWS enables by default (ENABLED_BY_DEFAULT) and the opt-in regions
(DISABLED) unless `POST /_strongroom/regions` says otherwise. See README.md, "Account ListRegions".
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import orgs
from state import State

DEFAULT_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "sa-east-1",
)
OPT_IN_REGIONS = (
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
)
STATUSES = ("ENABLED", "ENABLING", "DISABLING", "DISABLED", "ENABLED_BY_DEFAULT")
ENUM_TEXT = "[" + ", ".join(STATUSES) + "]"


class AccountApiError(Exception):
    """An error the Account API answers (REST-JSON: `__type`/`X-Amzn-ErrorType`, `message`)."""

    def __init__(self, code: str, message: str, status: int, **extra: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.extra = code, message, status, extra


def _validation(message: str, field: str | None = None) -> AccountApiError:
    extra: dict[str, Any] = {"reason": "fieldValidationFailed"}
    if field:
        extra["fieldList"] = [{"name": field, "message": message}]
    return AccountApiError("ValidationException", message, 400, **extra)


# ---- per-account region state ------------------------------------------------------------


def regions_of(state: State, account: str) -> dict[str, str]:
    out = {r: "ENABLED_BY_DEFAULT" for r in DEFAULT_REGIONS}
    out.update({r: "DISABLED" for r in OPT_IN_REGIONS})
    with state.lock:
        out.update(state.regions.get(account, {}))
    return dict(sorted(out.items()))


def set_regions(state: State, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValueError("expected an object")
    unknown = set(body) - {"account", "regions", "only"}
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    account = str(body.get("account") or "")
    if not re.fullmatch(r"\d{12}", account):
        raise ValueError(f"account must be 12 digits, got {account!r}")
    only, regions = body.get("only"), body.get("regions")
    if only is None and regions is None:
        raise ValueError('give "regions" ({region: status}) and/or "only" ([region, ...])')
    changes: dict[str, str] = {}
    if only is not None:
        if not isinstance(only, list) or not all(isinstance(r, str) and r for r in only):
            raise ValueError('"only" must be a list of region names')
        for region in (*DEFAULT_REGIONS, *OPT_IN_REGIONS):
            changes[region] = "DISABLED"
        for region in only:
            changes[region] = "ENABLED_BY_DEFAULT" if region in DEFAULT_REGIONS else "ENABLED"
    if regions is not None:
        if not isinstance(regions, dict):
            raise ValueError('"regions" must be an object of region name -> status')
        for region, status in regions.items():
            if status not in STATUSES:
                raise ValueError(f"status of {region} must be one of {list(STATUSES)}, got {status!r}")
            changes[region] = status
    with state.lock:
        if only is not None:
            state.regions[account] = {}
        state.regions.setdefault(account, {}).update(changes)
    return {"account": account, "regions": regions_of(state, account)}


def clear_regions(state: State, account: str | None) -> None:
    with state.lock:
        if account:
            state.regions.pop(str(account), None)
        else:
            state.regions.clear()


# ---- ListRegions ------------------------------------------------------------------------------


def list_regions(state: State, caller_account: str, caller_arn: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _validation("The request body must be a JSON object.")
    target = caller_account
    account_id = body.get("AccountId")
    if account_id is not None:
        if not isinstance(account_id, str) or not re.fullmatch(r"\d{12}", account_id):
            raise _validation(
                f"1 validation error detected: Value '{account_id}' at 'accountId' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: \\d{12}",
                "accountId",
            )
        _authorize(caller_account, caller_arn, account_id)
        target = account_id
    max_results = body.get("MaxResults")
    if max_results is not None and (
        isinstance(max_results, bool) or not isinstance(max_results, int) or not 1 <= max_results <= 50
    ):
        too_small = isinstance(max_results, int) and max_results < 1
        bound = "greater than or equal to 1" if too_small else "less than or equal to 50"
        raise _validation(
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value {bound}",
            "maxResults",
        )
    wanted = body.get("RegionOptStatusContains")
    if wanted is not None:
        if not isinstance(wanted, list) or not all(w in STATUSES for w in wanted):
            raise _validation(
                f"1 validation error detected: Value '{_listed(wanted)}' at 'regionOptStatusContains' "
                "failed to satisfy constraint: Member must satisfy constraint: "
                f"[Member must satisfy enum value set: {ENUM_TEXT}]",
                "regionOptStatusContains",
            )
    rows = [
        {"RegionName": name, "RegionOptStatus": status}
        for name, status in regions_of(state, target).items()
        if not wanted or status in wanted
    ]
    query = hashlib.sha256(json.dumps([target, sorted(wanted or [])]).encode()).hexdigest()[:16]
    start = 0
    token = body.get("NextToken")
    if token is not None:
        if not isinstance(token, str) or len(token) > 1000:
            raise _validation("The NextToken is invalid.", "nextToken")
        if token:
            try:
                data = json.loads(base64.urlsafe_b64decode(token.encode()))
                if data["q"] != query:
                    raise ValueError("token from another query")
                start = int(data["o"])
            except Exception:
                raise _validation("The NextToken is invalid.", "nextToken") from None
    end = len(rows) if max_results is None else start + max_results
    out: dict[str, Any] = {"Regions": rows[start:end]}
    if end < len(rows):
        out["NextToken"] = base64.urlsafe_b64encode(json.dumps({"o": end, "q": query}).encode()).decode()
    return out


def _listed(value: Any) -> str:
    return "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list) else str(value)


def _authorize(caller: str, caller_arn: str, account_id: str) -> None:
    """AccountId is for the management account (or a delegated administrator) naming a member."""
    mgmt = orgs.management_of(caller)
    if account_id == caller:
        if mgmt == caller:
            raise AccountApiError(
                "AccessDeniedException",
                f"User: {caller_arn} is not authorized to perform: account:ListRegions (The management account "
                "can only be managed using the standalone context from the management account.)",
                403,
            )
        return  # an account may name itself
    allowed = mgmt is not None and (mgmt == caller or orgs.is_delegated_admin(mgmt, caller))
    if not allowed or orgs.management_of(account_id) != mgmt or account_id == mgmt:
        raise AccountApiError(
            "AccessDeniedException",
            f"User: {caller_arn} is not authorized to perform: account:ListRegions on resource: "
            f"arn:aws:account::{account_id}:account",
            403,
        )
