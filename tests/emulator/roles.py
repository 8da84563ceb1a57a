"""STS AssumeRole across accounts (see README.md, "Roles and AssumeRole").

moto 5.2.5's AssumeRole already switches accounts: it issues a temporary `ASIA...` key in the
IAM backend of the role ARN's account, so moto's account-from-access-key hook, and with it every
service backend, acts in that account; GetCallerIdentity answers the assumed-role ARN. What it
lacks, and this module adds:

- trust: once a role is registered (`POST /_strongroom/roles`), AssumeRole succeeds only for a
  registered role ARN, a caller whose account is trusted, and the role's ExternalId; otherwise
  HTTP 403 `AccessDenied` as AWS words it (`check_assume_role`, called by the middleware before
  moto answers);
- AWS's input validation (RoleSessionName, DurationSeconds, ExternalId, RoleArn length, the one
  hour limit of role chaining), whether or not roles are registered;
- a stable role id (moto draws a new random `AROA...` every time it is asked for an unknown role);
- the session of every key moto issued, so the call log, faults and CloudTrail records know the
  key's account and its `AssumedRole` userIdentity (with `sessionContext.sessionIssuer`).
"""

from __future__ import annotations

import datetime
import hashlib
import re
import threading
import time
from typing import Any

from moto.sts.models import AssumedRole, STSBackend, sts_backends

from state import State

SESSION_NAME = re.compile(r"^[\w+=,.@-]*$")
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]*$")
ROLE_KEYS = {"account", "name", "path", "trusted_accounts", "external_id", "max_session_duration"}

# Access key id -> the moto AssumedRole it belongs to (every key moto's AssumeRole issued).
_sessions: dict[str, AssumedRole] = {}
_sessions_lock = threading.Lock()


class AssumeRoleError(Exception):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


# ---- the moto side -------------------------------------------------------------------


def apply(state: State) -> None:
    original_assume = STSBackend.assume_role

    def assume_role(self: STSBackend, **kwargs: Any) -> AssumedRole:
        role = original_assume(self, **kwargs)
        role.created = time.time()
        with _sessions_lock:
            _sessions[role.access_key_id] = role
        return role

    STSBackend.assume_role = assume_role

    # A stable id per role ARN: moto draws a fresh random AROA... for roles IAM does not know.
    def user_id(self: AssumedRole) -> str:
        return role_id(self.account_id, self.role_arn) + ":" + self.session_name

    AssumedRole.user_id = property(user_id)  # type: ignore[assignment]

    state.session_identity = session_identity


def role_id(account: str, role_arn: str) -> str:
    from moto.iam.models import iam_backends

    try:
        return iam_backends[account]["aws"].get_role_by_arn(arn=role_arn).id
    except Exception:
        return "AROA" + hashlib.sha1(role_arn.encode()).hexdigest()[:17].upper()


def session(access_key: str | None) -> AssumedRole | None:
    with _sessions_lock:
        return _sessions.get(access_key or "")


def session_account(access_key: str | None) -> str | None:
    role = session(access_key)
    return role.account_id if role is not None else None


def session_identity(access_key: str) -> dict[str, Any] | None:
    """CloudTrail's userIdentity for a key moto's AssumeRole issued, None for other keys."""
    role = session(access_key)
    if role is None:
        return None
    rid = role_id(role.account_id, role.role_arn)
    created = getattr(role, "created", time.time())
    return {
        "type": "AssumedRole",
        "principalId": f"{rid}:{role.session_name}",
        "arn": role.arn,
        "accountId": role.account_id,
        "accessKeyId": access_key,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": rid,
                "arn": role.role_arn,
                "accountId": role.account_id,
                "userName": role.role_arn.rsplit("/", 1)[-1],
            },
            "attributes": {
                "creationDate": datetime.datetime.fromtimestamp(created, datetime.timezone.utc).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "mfaAuthenticated": "false",
            },
        },
    }


def caller_arn(state: State, access_key: str | None, account: str, region: str | None) -> str:
    """The caller's ARN as STS GetCallerIdentity (patched) answers it."""
    try:
        backend = sts_backends[account]["aws"]
        return backend.get_caller_identity(access_key or "AKIAEXAMPLE", region or "us-east-1")[1]
    except Exception:
        return state.user_identity(access_key, account).get("arn", f"arn:aws:iam::{account}:user/{access_key}")


# ---- registry (admin API) -------------------------------------------------------------


def set_roles(state: State, body: Any) -> dict[str, Any]:
    roles = body.get("roles") if isinstance(body, dict) else None
    if not isinstance(roles, list):
        raise ValueError('expected {"roles": [{"account", "name", "trusted_accounts", "external_id"}]}')
    parsed = {}
    for spec in roles:
        if not isinstance(spec, dict):
            raise ValueError(f"a role must be an object, got {spec!r}")
        unknown = set(spec) - ROLE_KEYS
        if unknown:
            raise ValueError(f"unknown role fields: {sorted(unknown)}")
        account = str(spec.get("account") or "")
        name = spec.get("name")
        if not re.fullmatch(r"\d{12}", account):
            raise ValueError(f"role account must be 12 digits, got {account!r}")
        if not isinstance(name, str) or not re.fullmatch(r"[\w+=,.@-]{1,64}", name):
            raise ValueError(f"role name must be 1-64 characters of [\\w+=,.@-], got {name!r}")
        path = spec.get("path") or "/"
        if not isinstance(path, str) or not path.startswith("/") or not path.endswith("/"):
            raise ValueError(f"role path must start and end with /, got {path!r}")
        trusted = spec.get("trusted_accounts")
        if not isinstance(trusted, list) or not all(re.fullmatch(r"\d{12}", str(t)) for t in trusted):
            raise ValueError("trusted_accounts must be a list of 12-digit account ids")
        external_id = spec.get("external_id")
        if external_id is not None and not isinstance(external_id, str):
            raise ValueError("external_id must be a string")
        max_duration = spec.get("max_session_duration")
        if max_duration is not None and (
            isinstance(max_duration, bool) or not isinstance(max_duration, int) or not 3600 <= max_duration <= 43200
        ):
            raise ValueError("max_session_duration must be an integer from 3600 to 43200")
        arn = f"arn:aws:iam::{account}:role{path}{name}"
        parsed[arn] = {
            "arn": arn,
            "account": account,
            "name": name,
            "trusted_accounts": [str(t) for t in trusted],
            "external_id": external_id,
            "max_session_duration": max_duration,
        }
    with state.lock:
        state.roles.update(parsed)
        return {"roles": list(state.roles.values())}


def get_roles(state: State) -> list[dict[str, Any]]:
    with state.lock:
        return list(state.roles.values())


def clear_roles(state: State) -> None:
    with state.lock:
        state.roles.clear()


# ---- AssumeRole checks (middleware, before moto answers) -------------------------------


def check_assume_role(
    state: State, params: dict[str, str], caller_account: str, access_key: str | None, region: str | None
) -> None:
    """Raises AssumeRoleError when AWS would refuse the call; returns when moto may answer it."""
    problems = []
    length_min = "Member must have length greater than or equal to"
    length_max = "Member must have length less than or equal to"
    value_min = "Member must have value greater than or equal to"
    value_max = "Member must have value less than or equal to"
    session_name = params.get("RoleSessionName")
    role_arn = params.get("RoleArn")
    if session_name is None:
        problems.append(_missing("roleSessionName"))
    elif len(session_name) < 2:
        problems.append(_constraint(session_name, "roleSessionName", f"{length_min} 2"))
    elif len(session_name) > 64:
        problems.append(_constraint(session_name, "roleSessionName", f"{length_max} 64"))
    elif not SESSION_NAME.match(session_name):
        problems.append(
            _constraint(session_name, "roleSessionName", "Member must satisfy regular expression pattern: [\\w+=,.@-]*")
        )
    if role_arn is None:
        problems.append(_missing("roleArn"))
    elif len(role_arn) < 20:
        problems.append(_constraint(role_arn, "roleArn", f"{length_min} 20"))
    duration_text = params.get("DurationSeconds")
    duration = 3600
    if duration_text is not None:
        try:
            duration = int(duration_text)
        except ValueError:
            raise AssumeRoleError("ValidationError", f"Invalid value for DurationSeconds: {duration_text}", 400)
        if duration < 900:
            problems.append(_constraint(duration, "durationSeconds", f"{value_min} 900"))
        elif duration > 43200:
            problems.append(_constraint(duration, "durationSeconds", f"{value_max} 43200"))
    external_id = params.get("ExternalId")
    if external_id is not None:
        if not 2 <= len(external_id) <= 1224:
            bound = f"{length_min} 2" if len(external_id) < 2 else f"{length_max} 1224"
            problems.append(_constraint(external_id, "externalId", bound))
        elif not EXTERNAL_ID.match(external_id):
            problems.append(
                _constraint(
                    external_id, "externalId", "Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*"
                )
            )
    if problems:
        count = len(problems)
        raise AssumeRoleError(
            "ValidationError",
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems),
            400,
        )
    if session(access_key) is not None and duration > 3600:
        raise AssumeRoleError(
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            400,
        )

    with state.lock:
        if not state.roles:
            return  # lenient: moto assumes any role ARN
        role = state.roles.get(role_arn or "")
    denied = AssumeRoleError(
        "AccessDenied",
        f"User: {caller_arn(state, access_key, caller_account, region)} is not authorized to perform: "
        f"sts:AssumeRole on resource: {role_arn}",
        403,
    )
    if role is None or caller_account not in role["trusted_accounts"]:
        raise denied
    if role.get("external_id") is not None and external_id != role["external_id"]:
        raise denied
    if role.get("max_session_duration") and duration > role["max_session_duration"]:
        raise AssumeRoleError(
            "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400
        )


def _missing(field: str) -> str:
    return f"Value null at '{field}' failed to satisfy constraint: Member must not be null"


def _constraint(value: Any, field: str, rule: str) -> str:
    return f"Value '{value}' at '{field}' failed to satisfy constraint: {rule}"
