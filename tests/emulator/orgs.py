"""AWS Organizations across accounts (see README.md, "Organizations").

moto 5.2.5 keeps one Organizations backend per account: the organization lives in the
management account's backend, and a member account's backend only knows (through
`organizations_backends.master_accounts`) whom to ask for DescribeOrganization and ListRoots.
Every other call from a member (or a delegated administrator) reads its own, empty backend:
ListAccounts answers no accounts instead of the org or an error. This module:

- routes each Organizations call by the caller's account (`OrganizationsResponse.organizations_backend`):
  the management account uses its own backend; a delegated administrator's read-only calls
  (Describe*, List*) use the management account's; any member may DescribeOrganization; anything
  else from a member answers `AccessDeniedException`, and any call (but CreateOrganization) from an
  account in no organization `AWSOrganizationsNotInUseException`;
- pages ListAccounts by account id (moto pages by JoinedTimestamp, which repeats when accounts
  join in the same instant, and then loops or skips), and pages ListChildren (moto ignores
  MaxResults/NextToken there); MaxResults is checked (1-20) and defaults to 20 like AWS;
- `set_org()` (admin route `POST /_strongroom/org`): builds an organization with given account
  ids, names, states, nested OUs and delegated administrators straight in moto's backends.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
from typing import Any

from moto.core.utils import utcnow
from moto.organizations import utils as org_utils
from moto.organizations.exceptions import AWSOrganizationsNotInUseException, OrganizationsClientError
from moto.organizations.models import (
    FakeAccount,
    FakeDelegatedAdministrator,
    FakeOrganizationalUnit,
    OrganizationsBackend,
    organizations_backends,
)
from moto.organizations.responses import OrganizationsResponse

PARTITION = "aws"
READ_PREFIXES = ("Describe", "List")
MEMBER_ACTIONS = {"DescribeOrganization"}
NO_ORG_ACTIONS = {"CreateOrganization", "ListHandshakesForAccount", "AcceptHandshake", "DeclineHandshake"}
PAGED = {"ListAccounts", "ListAccountsForParent", "ListOrganizationalUnitsForParent", "ListChildren"}
ACCOUNT_STATES = {  # State -> the deprecated Status AWS still sends
    "ACTIVE": "ACTIVE",
    "SUSPENDED": "SUSPENDED",
    "PENDING_CLOSURE": "PENDING_CLOSURE",
    "CLOSED": "SUSPENDED",
}
DENIED = "You don't have permissions to access this resource."


class AccessDeniedException(OrganizationsClientError):
    def __init__(self) -> None:
        super().__init__("AccessDeniedException", DENIED)


class InvalidInputException(OrganizationsClientError):
    def __init__(self, message: str, reason: str) -> None:
        super().__init__("InvalidInputException", message)
        self.Reason = reason  # serialized as the error's Reason member


# ---- who is who ---------------------------------------------------------------------------


def management_of(account: str) -> str | None:
    """The management account of the organization `account` belongs to (itself if it is the
    management account), or None."""
    own = organizations_backends[account].get(PARTITION) if account in organizations_backends else None
    if own is not None and own.org is not None:
        return account
    master = organizations_backends.master_accounts.get(account)
    if master is None:
        return None
    backend = organizations_backends[master[0]][master[1]]
    return master[0] if backend.org is not None else None


def is_delegated_admin(management: str, account: str) -> bool:
    backend = organizations_backends[management][PARTITION]
    return any(admin.account.id == account for admin in backend.admins)


# ---- routing ----------------------------------------------------------------------------------


def apply() -> None:
    # PAGINATION_MODEL is read at call time by moto's @paginate.
    org_utils.PAGINATION_MODEL["list_accounts"]["unique_attribute"] = "Id"
    org_utils.PAGINATION_MODEL["list_accounts"]["limit_default"] = 20

    def organizations_backend(self: OrganizationsResponse) -> OrganizationsBackend:
        caller = self.current_account
        own = organizations_backends[caller][self.partition]
        action = self._get_action() or ""
        if action in PAGED:
            _check_max_results(self._get_param("MaxResults"))
        if own.org is not None:
            return own
        master = organizations_backends.master_accounts.get(caller)
        management = organizations_backends[master[0]][master[1]] if master else None
        if management is None or management.org is None:
            if action in NO_ORG_ACTIONS:
                return own
            raise AWSOrganizationsNotInUseException()
        if action in MEMBER_ACTIONS:
            return management
        if action.startswith(READ_PREFIXES) and any(a.account.id == caller for a in management.admins):
            return management
        raise AccessDeniedException()

    OrganizationsResponse.organizations_backend = property(organizations_backend)  # type: ignore[assignment]

    def list_children(self: OrganizationsResponse) -> str:
        backend = self.organizations_backend
        parent_id, child_type = self._get_param("ParentId"), self._get_param("ChildType")
        children = backend.list_children(ParentId=parent_id, ChildType=child_type)["Children"]
        max_results = self._get_param("MaxResults") or 20
        query = hashlib.sha256(json.dumps([parent_id, child_type]).encode()).hexdigest()[:16]
        start = 0
        token = self._get_param("NextToken")
        if token:
            try:
                data = json.loads(base64.urlsafe_b64decode(str(token).encode()))
                if data["q"] != query:
                    raise ValueError("token from another query")
                start = int(data["o"])
            except Exception:
                raise InvalidInputException(
                    "You provided an invalid value for a parameter.", "INVALID_NEXT_TOKEN"
                ) from None
        end = start + int(max_results)
        out: dict[str, Any] = {"Children": children[start:end]}
        if end < len(children):
            out["NextToken"] = base64.urlsafe_b64encode(json.dumps({"o": end, "q": query}).encode()).decode()
        return json.dumps(out)

    OrganizationsResponse.list_children = list_children


def _check_max_results(value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputException("You provided an invalid value for a parameter.", "INVALID_INPUT")
    if value < 1:
        raise InvalidInputException("You provided a value that is too small.", "MIN_VALUE_EXCEEDED")
    if value > 20:
        raise InvalidInputException("You provided a value that is too large.", "MAX_VALUE_EXCEEDED")


# ---- the admin route -------------------------------------------------------------------------


def clear_org() -> None:
    """Removes every organization (all accounts' Organizations backends)."""
    for per_account in list(organizations_backends.values()):
        for backend in list(per_account.values()):
            backend._reset()
    organizations_backends.master_accounts.clear()


def set_org(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValueError("expected an object")
    unknown = set(body) - {"management_account", "accounts", "ous", "delegated_admins"}
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    mgmt = str(body.get("management_account") or "")
    if not re.fullmatch(r"\d{12}", mgmt):
        raise ValueError(f"management_account must be 12 digits, got {mgmt!r}")
    specs = body.get("accounts") or []
    if not isinstance(specs, list):
        raise ValueError("accounts must be a list")
    accounts: dict[str, dict[str, Any]] = {}
    for spec in specs:
        if not isinstance(spec, dict):
            raise ValueError(f"an account must be an object, got {spec!r}")
        bad = set(spec) - {"id", "name", "email", "ou", "state"}
        if bad:
            raise ValueError(f"unknown account fields: {sorted(bad)}")
        acct_id = str(spec.get("id") or "")
        if not re.fullmatch(r"\d{12}", acct_id):
            raise ValueError(f"account id must be 12 digits, got {acct_id!r}")
        if acct_id in accounts:
            raise ValueError(f"account {acct_id} listed twice")
        state = spec.get("state") or "ACTIVE"
        if state not in ACCOUNT_STATES:
            raise ValueError(f"account state must be one of {sorted(ACCOUNT_STATES)}, got {state!r}")
        accounts[acct_id] = dict(spec, id=acct_id, state=state)
    ou_paths = [_norm_path(p) for p in (body.get("ous") or [])]
    for spec in accounts.values():
        if spec.get("ou"):
            ou_paths.append(_norm_path(spec["ou"]))
    delegated = [str(a) for a in (body.get("delegated_admins") or [])]
    for admin in delegated:
        if admin == mgmt:
            raise ValueError("the management account cannot be a delegated administrator")
        if admin not in accounts:
            raise ValueError(f"delegated administrator {admin} is not one of the accounts")

    clear_org()
    backend = organizations_backends[mgmt][PARTITION]
    backend.create_organization(region="us-east-1", FeatureSet="ALL")
    org = backend.org
    assert org is not None
    root_id = org.root_id

    # OUs, parents first (a path's missing ancestors are created too).
    ou_ids: dict[str, str] = {}
    for full in ou_paths:
        parts = full.split("/")
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            if path not in ou_ids:
                parent = ou_ids["/".join(parts[: depth - 1])] if depth > 1 else root_id
                made = backend.create_organizational_unit(Name=parts[depth - 1], ParentId=parent)
                ou_ids[path] = made["OrganizationalUnit"]["Id"]

    # The management account (created by create_organization) and the members, joined one
    # second apart in the order given so ListAccounts' order is stable.
    base = utcnow() - datetime.timedelta(days=1)
    master = backend.get_account_by_id(mgmt)
    own = accounts.pop(mgmt, {"name": "management"})
    master.name = own.get("name") or "management"
    master.email = own.get("email") or f"{_slug(master.name)}@example.com"
    org.master_account_email = master.email
    master.create_time = base
    _set_state(master, own.get("state") or "ACTIVE")
    if own.get("ou"):
        master.parent_id = ou_ids[_norm_path(own["ou"])]
    for index, spec in enumerate(accounts.values(), start=1):
        account = FakeAccount.__new__(FakeAccount)  # not __init__: no random id, no IAM role
        account.type = "ACCOUNT"
        account.region = org.region
        account.organization_id = org.id
        account.master_account_id = mgmt
        account.create_account_status_id = org_utils.make_random_create_account_status_id()
        account.id = spec["id"]
        account.name = spec.get("name") or f"account-{spec['id']}"
        account.email = spec.get("email") or f"{_slug(account.name)}@example.com"
        account.create_time = base + datetime.timedelta(seconds=index)
        account.joined_method = "INVITED"
        account.parent_id = ou_ids[_norm_path(spec["ou"])] if spec.get("ou") else root_id
        account.attached_policies = []
        account.tags = {}
        _set_state(account, spec["state"])
        backend.accounts.append(account)
        for policy_id in (org_utils.DEFAULT_SCP_POLICY_ID, org_utils.DEFAULT_RCP_POLICY_ID):
            backend.attach_policy(PolicyId=policy_id, TargetId=account.id)
        organizations_backends.master_accounts[account.id] = (mgmt, PARTITION)
    for admin in delegated:
        backend.admins.append(FakeDelegatedAdministrator(backend.get_account_by_id(admin)))
    return {"org_id": org.id, "root_id": root_id, "ous": ou_ids}


def describe_org() -> dict[str, Any] | None:
    """The organization the admin API last built (or any organization), for GET /_strongroom/org."""
    for account, per_account in list(organizations_backends.items()):
        backend = per_account.get(PARTITION)
        if backend is not None and backend.org is not None:
            paths: dict[str, str] = {}
            by_id = {ou.id: ou for ou in backend.ou if type(ou) is FakeOrganizationalUnit}

            def path_of(ou: FakeOrganizationalUnit) -> str:
                parent = by_id.get(ou.parent_id)
                return f"{path_of(parent)}/{ou.name}" if parent else str(ou.name)

            for ou in by_id.values():
                paths[path_of(ou)] = ou.id
            return {
                "org_id": backend.org.id,
                "root_id": backend.org.root_id,
                "management_account": account,
                "ous": paths,
                "accounts": [a.describe() | {"ParentId": a.parent_id} for a in backend.accounts],
                "delegated_admins": [a.account.id for a in backend.admins],
            }
    return None


def _set_state(account: FakeAccount, state: str) -> None:
    account.state = state
    account.status = ACCOUNT_STATES[state]


def _norm_path(path: Any) -> str:
    if not isinstance(path, str) or not path.strip("/"):
        raise ValueError(f"an OU path must be a non-empty string like 'Workloads/Prod', got {path!r}")
    parts = [p for p in path.strip("/").split("/")]
    if any(not p for p in parts):
        raise ValueError(f"empty OU name in path {path!r}")
    return "/".join(parts)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9.+-]+", "-", name.lower()).strip("-") or "account"
