"""Self-test of the emulator's cross-account pieces: Organizations, STS AssumeRole, Account
ListRegions, per-account faults, and CloudTrail records of assumed-role sessions.

    python tests/emulator/selftest_org.py [--url http://127.0.0.1:PORT]

Without --url it starts the emulator itself (server.py --port 0, as scripts/emulator does) and
stops it at the end. Exits non-zero on the first failed check. Uses boto3 from the emulator venv.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))

MGMT = "111111111111"
PROD = "210987654321"
DEV = "210987654322"
SEC = "333333333333"  # delegated administrator
SANDBOX = "444444444444"
LEGACY = "555555555555"  # SUSPENDED
OUTSIDER = "999999999999"  # in no organization

KEYS = {
    MGMT: "AKIAMGMT000000000001",
    SEC: "AKIASECURITY00000001",
    SANDBOX: "AKIASANDBOX000000001",
    OUTSIDER: "AKIAOUTSIDER00000001",
}
ROLE = "StrongroomAudit"
EXTERNAL_ID = "strongroom-ext-42"
CONFIG = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)
NO_CHECKS = Config(retries={"max_attempts": 1}, parameter_validation=False)

checks = 0


def check(cond: Any, what: str) -> None:
    global checks
    checks += 1
    if not cond:
        raise AssertionError(what)


class Emu:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def admin(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"{self.url}/_strongroom/{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, payload = resp.status, json.load(resp)
        except urllib.error.HTTPError as err:
            status, payload = err.code, json.load(err)
        check(status == expect, f"{method} {path}: status {status}, expected {expect}: {payload}")
        return payload

    def client(
        self, service: str, key: str, region: str = "us-east-1", creds: dict | None = None, config: Config = CONFIG
    ) -> Any:
        if creds:
            return boto3.client(
                service,
                endpoint_url=self.url,
                region_name=region,
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
                config=config,
            )
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=key,
            aws_secret_access_key="secret",
            config=config,
        )


def error_of(call: Any, *args: Any, **kwargs: Any) -> ClientError:
    try:
        call(*args, **kwargs)
    except ClientError as err:
        return err
    raise AssertionError(f"{getattr(call, '__name__', call)} succeeded, expected an error")


def role_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:role/{ROLE}"


def run(emu: Emu) -> None:
    # ---- setup -----------------------------------------------------------------------------
    emu.admin("DELETE", "org")
    emu.admin("DELETE", "roles")
    emu.admin("DELETE", "regions")
    emu.admin("DELETE", "faults")
    emu.admin("DELETE", "calls")
    emu.admin("POST", "config", {"lookup_events_tps": 0})
    emu.admin(
        "POST",
        "identities",
        {
            key: {"type": "IAMUser", "arn": f"arn:aws:iam::{acct}:user/strongroom", "accountId": acct}
            for acct, key in KEYS.items()
        },
    )
    org = emu.admin(
        "POST",
        "org",
        {
            "management_account": MGMT,
            "accounts": [
                {"id": PROD, "name": "payments-prod", "ou": "Workloads/Prod"},
                {"id": DEV, "name": "payments-dev", "email": "dev@payments.example", "ou": "Workloads"},
                {"id": SEC, "name": "security-tooling", "ou": "Security"},
                {"id": SANDBOX, "name": "sandbox"},
                {"id": LEGACY, "name": "legacy", "ou": "Workloads", "state": "SUSPENDED"},
            ],
            "ous": ["Workloads", "Workloads/Prod", "Security"],
            "delegated_admins": [SEC],
        },
    )
    check(org["org_id"].startswith("o-") and org["root_id"].startswith("r-"), f"org ids: {org}")
    check(set(org["ous"]) == {"Workloads", "Workloads/Prod", "Security"}, f"ous: {org['ous']}")
    emu.admin("POST", "org", {"management_account": "12"}, expect=400)
    emu.admin("POST", "org", {"management_account": MGMT, "delegated_admins": [SEC]}, expect=400)
    # the bad requests above must not have changed the org (validation runs before the reset)
    check(emu.admin("GET", "org")["org_id"] == org["org_id"], "a rejected POST org kept the org")

    emu.admin(
        "POST",
        "roles",
        {
            "roles": [
                {"account": PROD, "name": ROLE, "trusted_accounts": [MGMT]},
                {"account": DEV, "name": ROLE, "trusted_accounts": [MGMT], "external_id": EXTERNAL_ID},
            ]
        },
    )
    roles = emu.admin("POST", "roles", {"roles": [{"account": SEC, "name": ROLE, "trusted_accounts": [MGMT, SEC]}]})
    check(len(roles["roles"]) == 3, f"roles merge: {roles}")
    emu.admin("POST", "roles", {"roles": [{"account": "1", "name": ROLE, "trusted_accounts": []}]}, expect=400)

    def seed(account: str, region: str, secrets: dict[str, str]) -> Any:
        specs = [{"name": name, "secret_string": value} for name, value in secrets.items()]
        return emu.admin("POST", "seed", {"account": account, "region": region, "secrets": specs})

    seeded = seed(PROD, "us-east-1", {"prod/db": "p1", "prod/api": "p2"})
    check(all(f":{PROD}:secret:" in a for a in seeded["arns"]), f"seeded ARNs: {seeded}")
    seed(DEV, "eu-west-1", {"dev/db": "d1"})
    seed(MGMT, "us-east-1", {"mgmt/only": "m"})

    # ---- Organizations from the management account -----------------------------------------
    mgmt_org = emu.client("organizations", KEYS[MGMT])
    all_ids = {MGMT, PROD, DEV, SEC, SANDBOX, LEGACY}
    seen: list[str] = []
    pages = 0
    kwargs: dict[str, Any] = {"MaxResults": 2}
    while True:
        page = mgmt_org.list_accounts(**kwargs)
        pages += 1
        check(len(page["Accounts"]) <= 2, f"page of {len(page['Accounts'])}")
        for acct in page["Accounts"]:
            check({"Id", "Arn", "Email", "Name", "Status", "State"} <= set(acct), f"account fields: {acct}")
            check(acct["Arn"] == f"arn:aws:organizations::{MGMT}:account/{org['org_id']}/{acct['Id']}", acct["Arn"])
            seen.append(acct["Id"])
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
        check(pages < 10, "ListAccounts pagination loops")
    check(pages == 3 and sorted(seen) == sorted(all_ids), f"ListAccounts pages={pages} ids={seen}")
    check(seen[0] == MGMT, "the management account joined first")
    by_id = {a["Id"]: a for a in mgmt_org.list_accounts()["Accounts"]}
    check(by_id[MGMT]["Name"] == "management", f"management name: {by_id[MGMT]}")
    check(by_id[DEV]["Email"] == "dev@payments.example", by_id[DEV])
    check(by_id[LEGACY]["Status"] == "SUSPENDED" and by_id[LEGACY]["State"] == "SUSPENDED", by_id[LEGACY])
    check(by_id[PROD]["Status"] == "ACTIVE" and by_id[PROD]["State"] == "ACTIVE", by_id[PROD])
    # the paginator (what SDKs do) agrees
    pager = mgmt_org.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 2})
    paged = [a["Id"] for p in pager for a in p["Accounts"]]
    check(sorted(paged) == sorted(all_ids), f"paginator: {paged}")
    err = error_of(mgmt_org.list_accounts, MaxResults=21)
    check(err.response["Error"]["Code"] == "InvalidInputException", err.response)

    root = mgmt_org.list_roots()["Roots"][0]["Id"]
    check(root == org["root_id"], "ListRoots root id")

    def children(parent: str, kind: str) -> list[str]:
        out, kw = [], {"ParentId": parent, "ChildType": kind, "MaxResults": 1}
        while True:
            page = mgmt_org.list_children(**kw)
            check(len(page["Children"]) <= 1, "ListChildren MaxResults")
            out += [c["Id"] for c in page["Children"] if c["Type"] == kind]
            if not page.get("NextToken"):
                return out
            kw["NextToken"] = page["NextToken"]

    tree: dict[str, Any] = {}

    def walk(parent: str, path: str) -> None:
        tree[path] = sorted(children(parent, "ACCOUNT"))
        listed = mgmt_org.list_organizational_units_for_parent(ParentId=parent)["OrganizationalUnits"]
        ous = {o["Id"]: o["Name"] for o in listed}
        check(sorted(children(parent, "ORGANIZATIONAL_UNIT")) == sorted(ous), f"ListChildren OUs of {path}")
        accts = [a["Id"] for a in mgmt_org.list_accounts_for_parent(ParentId=parent)["Accounts"]]
        check(sorted(accts) == tree[path], f"ListAccountsForParent of {path}: {accts} vs {tree[path]}")
        for ou_id, name in ous.items():
            walk(ou_id, f"{path}/{name}" if path else name)

    walk(root, "")
    expected_tree = {
        "": sorted([MGMT, SANDBOX]),
        "Workloads": sorted([DEV, LEGACY]),
        "Workloads/Prod": [PROD],
        "Security": [SEC],
    }
    check(tree == expected_tree, f"OU tree: {tree}")
    check(mgmt_org.describe_organization()["Organization"]["Id"] == org["org_id"], "DescribeOrganization (management)")

    # ---- Organizations from other accounts ---------------------------------------------------
    sec_org = emu.client("organizations", KEYS[SEC])
    check(sorted(a["Id"] for a in sec_org.list_accounts()["Accounts"]) == sorted(all_ids), "delegated ListAccounts")
    at_root = sorted(c["Id"] for c in sec_org.list_children(ParentId=root, ChildType="ACCOUNT")["Children"])
    check(at_root == sorted([MGMT, SANDBOX]), f"delegated ListChildren: {at_root}")
    check(sec_org.describe_organization()["Organization"]["MasterAccountId"] == MGMT, "delegated DescribeOrganization")
    err = error_of(sec_org.create_organizational_unit, ParentId=root, Name="Nope")
    check(err.response["Error"]["Code"] == "AccessDeniedException", f"delegated admin write: {err.response}")
    sandbox_org = emu.client("organizations", KEYS[SANDBOX])
    err = error_of(sandbox_org.list_accounts)
    check(err.response["Error"]["Code"] == "AccessDeniedException", f"member ListAccounts: {err.response}")
    check(err.response["Error"]["Message"] == "You don't have permissions to access this resource.", err.response)
    err = error_of(sandbox_org.list_children, ParentId=root, ChildType="ACCOUNT")
    check(err.response["Error"]["Code"] == "AccessDeniedException", "member ListChildren")
    check(sandbox_org.describe_organization()["Organization"]["Id"] == org["org_id"], "member DescribeOrganization")
    err = error_of(emu.client("organizations", KEYS[OUTSIDER]).list_accounts)
    check(err.response["Error"]["Code"] == "AWSOrganizationsNotInUseException", f"outsider: {err.response}")

    # ---- STS AssumeRole ---------------------------------------------------------------------
    sts = emu.client("sts", KEYS[MGMT])
    creds: dict[str, dict] = {}
    for acct in (PROD, SEC):
        out = sts.assume_role(RoleArn=role_arn(acct), RoleSessionName="strongroom-discovery")
        assumed = f"arn:aws:sts::{acct}:assumed-role/{ROLE}/strongroom-discovery"
        check(out["AssumedRoleUser"]["Arn"] == assumed, out["AssumedRoleUser"])
        check(out["Credentials"]["AccessKeyId"].startswith("ASIA"), out["Credentials"]["AccessKeyId"])
        creds[acct] = out["Credentials"]
    caller_arn = f"arn:aws:iam::{MGMT}:user/strongroom"
    for acct, extra in ((DEV, {}), (DEV, {"ExternalId": "wrong-external-id"}), (SANDBOX, {}), (LEGACY, {})):
        err = error_of(sts.assume_role, RoleArn=role_arn(acct), RoleSessionName="strongroom-discovery", **extra)
        check(err.response["Error"]["Code"] == "AccessDenied", f"{acct} {extra}: {err.response}")
        check(err.response["ResponseMetadata"]["HTTPStatusCode"] == 403, "AccessDenied is HTTP 403")
        check(
            err.response["Error"]["Message"]
            == f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn(acct)}",
            err.response["Error"]["Message"],
        )
    before = datetime.datetime.now(datetime.timezone.utc)
    out = sts.assume_role(
        RoleArn=role_arn(DEV), RoleSessionName="strongroom-discovery", ExternalId=EXTERNAL_ID, DurationSeconds=7200
    )
    creds[DEV] = out["Credentials"]
    lifetime = (out["Credentials"]["Expiration"] - before).total_seconds()
    check(7190 <= lifetime <= 7215, f"DurationSeconds 7200 -> {lifetime}s")
    default = sts.assume_role(RoleArn=role_arn(PROD), RoleSessionName="default-duration")["Credentials"]["Expiration"]
    check(3590 <= (default - before).total_seconds() <= 3615, "default duration 3600")
    # a member trusted by its own role can assume it; another member's key is not trusted
    sec_sts = emu.client("sts", KEYS[SEC])
    sec_sts.assume_role(RoleArn=role_arn(SEC), RoleSessionName="self")
    err = error_of(sec_sts.assume_role, RoleArn=role_arn(PROD), RoleSessionName="x1")
    message = err.response["Error"]["Message"]
    check(f"User: arn:aws:iam::{SEC}:user/strongroom is not authorized" in message, err.response)

    raw_sts = emu.client("sts", KEYS[MGMT], config=NO_CHECKS)  # boto3 would refuse these before sending
    for bad, field in (("a", "roleSessionName"), ("has space", "roleSessionName"), ("x" * 65, "roleSessionName")):
        err = error_of(raw_sts.assume_role, RoleArn=role_arn(PROD), RoleSessionName=bad)
        error = err.response["Error"]
        check(error["Code"] == "ValidationError" and field in error["Message"], err.response)
    for seconds in (899, 43201):
        err = error_of(raw_sts.assume_role, RoleArn=role_arn(PROD), RoleSessionName="ok", DurationSeconds=seconds)
        error = err.response["Error"]
        check(error["Code"] == "ValidationError" and "durationSeconds" in error["Message"], err.response)
    chained = emu.client("sts", "", creds=creds[PROD])
    err = error_of(chained.assume_role, RoleArn=role_arn(SEC), RoleSessionName="chain", DurationSeconds=7200)
    check("role chaining" in err.response["Error"]["Message"], f"role chaining limit: {err.response}")

    # ---- the assumed credentials act in the role's account -------------------------------------
    for acct in (PROD, DEV, SEC):
        ident = emu.client("sts", "", creds=creds[acct]).get_caller_identity()
        check(ident["Account"] == acct, f"GetCallerIdentity account: {ident}")
        check(ident["Arn"] == f"arn:aws:sts::{acct}:assumed-role/{ROLE}/strongroom-discovery", ident["Arn"])
        check(ident["UserId"].startswith("AROA") and ident["UserId"].endswith(":strongroom-discovery"), ident["UserId"])
    again = emu.client("sts", "", creds=creds[PROD]).get_caller_identity()["UserId"]
    check(again == emu.client("sts", "", creds=creds[PROD]).get_caller_identity()["UserId"], "stable role id")

    expected = {PROD: ("us-east-1", {"prod/db", "prod/api"}), DEV: ("eu-west-1", {"dev/db"}), SEC: ("us-east-1", set())}
    for acct, (region, names) in expected.items():
        sm = emu.client("secretsmanager", "", region, creds=creds[acct])
        listed = sm.list_secrets()["SecretList"]
        check({s["Name"] for s in listed} == names, f"{acct} {region} secrets: {[s['Name'] for s in listed]}")
        check(all(f":{acct}:secret:" in s["ARN"] for s in listed), f"ARNs carry {acct}")
        if names:
            value = sm.get_secret_value(SecretId=sorted(names)[0])["SecretString"]
            check(value in ("p1", "p2", "d1"), f"GetSecretValue: {value}")
    elsewhere = emu.client("secretsmanager", "", "eu-west-1", creds=creds[PROD]).list_secrets()["SecretList"]
    check(elsewhere == [], "region scoping")

    # ---- CloudTrail records of the assumed-role session --------------------------------------
    ct = emu.client("cloudtrail", "", "us-east-1", creds=creds[PROD])
    by_name = [{"AttributeKey": "EventName", "AttributeValue": "ListSecrets"}]
    events = ct.lookup_events(LookupAttributes=by_name)["Events"]
    check(len(events) == 1, f"one ListSecrets event in {PROD} us-east-1: {len(events)}")
    record = json.loads(events[0]["CloudTrailEvent"])
    ident = record["userIdentity"]
    check(record["recipientAccountId"] == PROD, record["recipientAccountId"])
    check(ident["type"] == "AssumedRole", ident)
    check(ident["arn"] == f"arn:aws:sts::{PROD}:assumed-role/{ROLE}/strongroom-discovery", ident)
    check(ident["accountId"] == PROD and ident["accessKeyId"] == creds[PROD]["AccessKeyId"], ident)
    check(ident["principalId"].endswith(":strongroom-discovery"), ident)
    issuer = ident["sessionContext"]["sessionIssuer"]
    check(
        issuer["type"] == "Role"
        and issuer["arn"] == role_arn(PROD)
        and issuer["userName"] == ROLE
        and issuer["accountId"] == PROD,
        issuer,
    )
    check(events[0]["Username"] == "strongroom-discovery", events[0].get("Username"))
    mgmt_ct = emu.client("cloudtrail", KEYS[MGMT], "us-east-1")
    check(
        mgmt_ct.lookup_events(LookupAttributes=by_name)["Events"] == [],
        "the member's records are not in the management account",
    )

    # ---- Account ListRegions -----------------------------------------------------------------
    acct_api = emu.client("account", "", creds=creds[PROD])
    regions = acct_api.list_regions()["Regions"]
    status = {r["RegionName"]: r["RegionOptStatus"] for r in regions}
    defaults = {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
        "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-west-1",
        "eu-west-2", "eu-west-3", "eu-north-1", "sa-east-1",
    }  # fmt: skip
    check({r for r, s in status.items() if s == "ENABLED_BY_DEFAULT"} == defaults, f"defaults: {status}")
    opt_in = ("af-south-1", "ap-east-1", "eu-south-1", "me-south-1", "ap-southeast-3")
    check(all(status[r] == "DISABLED" for r in opt_in), status)
    emu.admin("POST", "regions", {"account": DEV, "regions": {"af-south-1": "ENABLED", "eu-west-3": "DISABLED"}})
    emu.admin("POST", "regions", {"account": SEC, "only": ["us-east-1", "eu-west-1"]})
    emu.admin("POST", "regions", {"account": SEC, "regions": {"us-east-1": "BOGUS"}}, expect=400)
    dev_list = emu.client("account", "", creds=creds[DEV]).list_regions()["Regions"]
    dev_regions = {r["RegionName"]: r["RegionOptStatus"] for r in dev_list}
    check(dev_regions["af-south-1"] == "ENABLED" and dev_regions["eu-west-3"] == "DISABLED", dev_regions)
    check(dev_regions["eu-west-1"] == "ENABLED_BY_DEFAULT", dev_regions)
    sec_acct = emu.client("account", "", creds=creds[SEC])
    enabled = sec_acct.list_regions(RegionOptStatusContains=["ENABLED", "ENABLED_BY_DEFAULT"])["Regions"]
    check(sorted(r["RegionName"] for r in enabled) == ["eu-west-1", "us-east-1"], f"only: {enabled}")
    # pages
    names, kw = [], {"MaxResults": 5}
    while True:
        page = acct_api.list_regions(**kw)
        check(len(page["Regions"]) <= 5, "ListRegions MaxResults")
        names += [r["RegionName"] for r in page["Regions"]]
        if not page.get("NextToken"):
            break
        kw["NextToken"] = page["NextToken"]
    check(names == sorted(status), "ListRegions pages cover every region once")
    # the management account may name a member; others may not name another account
    mgmt_acct = emu.client("account", KEYS[MGMT])
    via_mgmt = {r["RegionName"]: r["RegionOptStatus"] for r in mgmt_acct.list_regions(AccountId=DEV)["Regions"]}
    check(via_mgmt == dev_regions, "management account's ListRegions(AccountId=member)")
    err = error_of(mgmt_acct.list_regions, AccountId=MGMT)
    check(err.response["Error"]["Code"] == "AccessDeniedException", f"management naming itself: {err.response}")
    err = error_of(acct_api.list_regions, AccountId=DEV)
    check(err.response["Error"]["Code"] == "AccessDeniedException", err.response)
    check(err.response["ResponseMetadata"]["HTTPStatusCode"] == 403, "AccessDeniedException is HTTP 403")
    raw_acct = emu.client("account", KEYS[MGMT], config=NO_CHECKS)
    for bad in ({"MaxResults": 0}, {"MaxResults": 51}, {"AccountId": "123"}, {"NextToken": "not-a-token"}):
        err = error_of(raw_acct.list_regions, **bad)
        check(err.response["Error"]["Code"] == "ValidationException", f"{bad}: {err.response}")

    # ---- faults per account --------------------------------------------------------------------
    emu.admin("POST", "faults", {"account": PROD, "service": "secretsmanager", "error_rate": 1.0})
    err = error_of(emu.client("secretsmanager", "", "us-east-1", creds=creds[PROD]).list_secrets)
    check(err.response["Error"]["Code"] == "ThrottlingException", f"fault for {PROD}: {err.response}")
    emu.client("secretsmanager", "", "eu-west-1", creds=creds[DEV]).list_secrets()  # other accounts unaffected
    emu.admin("POST", "faults", {"service": "organizations", "error_rate": 1.0, "error": "ServiceUnavailableException"})
    err = error_of(mgmt_org.list_accounts)
    check(err.response["ResponseMetadata"]["HTTPStatusCode"] == 503, f"organizations fault: {err.response}")
    emu.admin("POST", "faults", {"account": MGMT, "service": "*", "latency_ms": 150})
    emu.admin("POST", "faults", {"service": "organizations", "latency_ms": 0})
    started = time.monotonic()
    emu.client("account", KEYS[MGMT]).list_regions()
    mgmt_org.list_accounts()  # account+* beats *+service
    check(time.monotonic() - started >= 0.3, "latency on account and organizations for the management account")
    rules = emu.admin("GET", "faults")
    check(all(r["account"] in ("*", PROD, MGMT) for r in rules) and len(rules) == 3, f"rules: {rules}")
    emu.admin("DELETE", "faults")

    # ---- the call log ----------------------------------------------------------------------------
    calls = emu.admin("GET", "calls")
    ops = {(c["service"], c["operation"]) for c in calls}
    for wanted in (
        ("organizations", "ListAccounts"),
        ("organizations", "ListChildren"),
        ("organizations", "ListAccountsForParent"),
        ("organizations", "ListOrganizationalUnitsForParent"),
        ("organizations", "DescribeOrganization"),
        ("sts", "AssumeRole"),
        ("sts", "GetCallerIdentity"),
        ("account", "ListRegions"),
    ):
        check(wanted in ops, f"call log has {wanted}")
    assumes = [c for c in calls if c["operation"] == "AssumeRole" and c["access_key"] == KEYS[MGMT]]
    check(assumes and all(c["account"] == MGMT for c in assumes), "AssumeRole logged in the caller's account")
    check(any(c["status"] == 403 for c in assumes), "denied AssumeRole logged with 403")
    sm_calls = [c for c in calls if c["service"] == "secretsmanager" and c["access_key"] == creds[DEV]["AccessKeyId"]]
    check(sm_calls and all(c["account"] == DEV for c in sm_calls), "assumed-role calls logged in the role's account")
    prod_key = creds[PROD]["AccessKeyId"]
    regions_calls = [c for c in calls if c["operation"] == "ListRegions" and c["access_key"] == prod_key]
    check(regions_calls and all(c["account"] == PROD for c in regions_calls), "ListRegions in the role's account")

    # ---- lenient again without roles; recreating the org -----------------------------------------
    emu.admin("DELETE", "roles")
    out = sts.assume_role(RoleArn=role_arn(SANDBOX), RoleSessionName="lenient")
    check(out["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{SANDBOX}:"), "lenient AssumeRole without roles")
    second = emu.admin("POST", "org", {"management_account": SEC, "accounts": [{"id": PROD, "name": "only-member"}]})
    check(second["org_id"] != org["org_id"] and second["ous"] == {}, f"recreated org: {second}")
    members = emu.client("organizations", KEYS[SEC]).list_accounts()["Accounts"]
    check(sorted(a["Id"] for a in members) == sorted([SEC, PROD]), "new org")
    err = error_of(mgmt_org.list_accounts)
    code = err.response["Error"]["Code"]
    check(code == "AWSOrganizationsNotInUseException", "the old management account left with the old org")
    emu.admin("DELETE", "org")
    check(emu.admin("GET", "org") is None, "DELETE org")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running emulator (default: start one)")
    args = parser.parse_args()
    proc = None
    url = args.url
    if not url:
        proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "server.py"), "--port", "0", "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        url = (proc.stdout.readline() if proc.stdout else "").strip()
        if not url.startswith("http"):
            print(f"emulator did not start: {url!r}", file=sys.stderr)
            return 2
    try:
        run(Emu(url))
    except AssertionError as err:
        print(f"FAILED after {checks} checks: {err}", file=sys.stderr)
        return 1
    finally:
        if proc is not None:
            if proc.stdin:
                proc.stdin.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"ok: {checks} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
