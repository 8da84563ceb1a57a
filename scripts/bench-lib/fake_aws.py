#!/usr/bin/env python3
"""A small, fast stand-in for AWS, for `scripts/bench org`: an organization's accounts, its roles
and the secrets of every (account, region) cell, served from data generated at start.

    fake_aws.py [--port 0] [--latency-ms 30] [--members 50] [--secrets-per-cell 200]
                [--region R]... [--role StrongroomAudit] [--exit-on-stdin-eof]

Why not the emulator (scripts/emulator): it is moto, Python under one GIL, and builds every
ListSecrets answer from its models; 400 concurrent pages of 100 secrets would measure moto's CPU,
not Strongroom's fan-out. Here every page's JSON is built once at start and each call costs a
header parse, a sleep (the latency, `asyncio.sleep`, so calls overlap as they do against AWS) and
a write. Standard library only (asyncio), HTTP/1.1 with keep-alive, 127.0.0.1 only. Once
listening it prints its URL (`http://127.0.0.1:PORT`) on stdout.

Operations, and nothing else (any other answers HTTP 400: `UnknownOperationException` for the
JSON services, `InvalidAction` for STS, as the query protocol says it):

- STS (awsQuery: form-encoded POST, XML answer): `GetCallerIdentity`; `AssumeRole` of
  `arn:aws:iam::<member>:role/<--role>` by the management account, whose credentials' access key
  is `ASIA` + the member's id + 4 characters, expiring one hour later (other roles, callers or
  accounts: `AccessDenied`, 403).
- Organizations (awsJson1_1, `X-Amz-Target: AWSOrganizationsV20161128.ListAccounts`):
  `ListAccounts` of the management account, 20 accounts a page (AWS's default; `MaxResults` 1-20
  honoured), `NextToken` paginated, the management account first.
- Secrets Manager (awsJson1_1, `secretsmanager.ListSecrets`): `ListSecrets` of the caller's
  account in the signed region, `MaxResults` 1-100 (default 100), `NextToken` paginated.

The service and region of a call are those of its SigV4 credential scope
(`Credential=AKID/DATE/REGION/SERVICE/aws4_request`); its account is the one its access key
belongs to: `AKIA111111111111MGMT` (the management account, 111111111111, the starting identity)
or an `ASIA<account>....` key that AssumeRole issued. Signatures are not checked; unknown keys
answer 403 (`UnrecognizedClientException`, STS `InvalidClientTokenId`).

The fleet: 50 member accounts `210000000001`... named `<team>-NN-<env>` (`payments-01-prod`), all
ACTIVE, plus the management account (`management`, in ListAccounts as AWS lists it). Each member
holds 200 secrets in every region (us-east-1, eu-west-1, ap-southeast-2, us-west-2 by default);
the management account holds none, so 50 x 4 x 200 = 40,000 secrets. Secrets are not replicated
(no `PrimaryRegion`), so an inventory needs no DescribeSecret; every 40th is scheduled for
deletion (listed because Strongroom asks with `IncludePlannedDeletion`).

Bench routes (never delayed, never counted):

- `GET /_bench/calls`: `{"counts": {"sts.AssumeRole": 50, ...}, "calls": [{"service",
  "operation", "account", "region", "target", "status", "start", "end", "bytes"}]}`, times in
  seconds since the epoch (`time.time()` clock, microsecond resolution); `account` is the
  caller's, `target` the account whose role AssumeRole asked for.
- `DELETE /_bench/calls`: clears them.
- `GET /_bench/fleet`: the accounts, regions, secrets per cell, role, management key, latency.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import datetime
import hashlib
import json
import os
import random
import re
import sys
import threading
import time
import urllib.parse
import uuid

MANAGEMENT = "111111111111"
MANAGEMENT_KEY = "AKIA" + MANAGEMENT + "MGMT"
ORG_ID = "o-strongbench"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
DEFAULT_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"]
TEAMS = ["payments", "identity", "search", "billing", "platform", "data", "mobile", "growth",
         "risk", "ledger"]
ENVS = ["prod", "staging", "dev", "sandbox", "shared"]
KINDS = ["db-password", "api-key", "jwt-signing-key", "oauth-client", "webhook-secret"]
CLASSES = ["critical", "confidential", "internal"]
CREDENTIAL_RE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
KEY_RE = re.compile(r"^(?:AKIA|ASIA)(\d{12})[A-Z0-9]{4}$")
ROLE_RE = re.compile(r"^arn:aws:iam::(\d{12}):role/(.+)$")
JSON_CT = "application/x-amz-json-1.1"
# The epoch of the generated dates: fixed, so every run lists the same fleet.
EPOCH = datetime.datetime(2026, 11, 20, 9, 0, 0, tzinfo=datetime.timezone.utc).timestamp()
DAY = 86400.0


def clock() -> float:
    """time.time() with perf_counter's resolution."""
    return _WALL0 + (time.perf_counter() - _PERF0)


_WALL0, _PERF0 = time.time(), time.perf_counter()


class Fleet:
    def __init__(self, members: int, regions: list[str], per_cell: int, role: str) -> None:
        self.regions = regions
        self.per_cell = per_cell
        self.role = role
        self.accounts = [{"id": MANAGEMENT, "name": "management"}]
        for n in range(1, members + 1):
            team = TEAMS[(n - 1) % len(TEAMS)]
            env = ENVS[((n - 1) // len(TEAMS)) % len(ENVS)]
            self.accounts.append({"id": f"{210000000000 + n:012d}", "name": f"{team}-{n:02d}-{env}"})
        self.members = {a["id"] for a in self.accounts[1:]}
        # (account, region) -> the secrets of the cell, as AWS lists them.
        self.secrets: dict[tuple[str, str], list[dict]] = {}
        rng = random.Random(20261120)
        for a in self.accounts[1:]:
            for region in regions:
                self.secrets[(a["id"], region)] = [self._secret(rng, a, region, i) for i in range(per_cell)]
        # Every page's bytes, built once: (kind, key, max_results, token) -> (body, next_token).
        self.pages: dict[tuple, tuple[bytes, str | None]] = {}
        for key, items in self.secrets.items():
            self._paginate("secrets", key, items, 100, "SecretList")
        self._paginate("accounts", MANAGEMENT, self._account_entries(), 20, "Accounts")

    @staticmethod
    def _secret(rng: random.Random, account: dict, region: str, i: int) -> dict:
        acct = account["id"]
        team, env = account["name"].split("-")[0], account["name"].split("-")[-1]
        svc = f"svc-{i % 40:02d}"
        kind = KINDS[i % len(KINDS)]
        name = f"{env}/{team}/{svc}/{kind}-{i:03d}"
        suffix = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                         for _ in range(6))
        created = EPOCH - (400 + (i * 13) % 600) * DAY + rng.random() * DAY
        changed = EPOCH - ((i * 7) % 200) * DAY - rng.random() * DAY
        entry: dict = {
            "ARN": f"arn:aws:secretsmanager:{region}:{acct}:secret:{name}-{suffix}",
            "Name": name,
            "Description": f"{kind} of {svc} ({team}, {env}), {region}",
            "LastChangedDate": round(changed, 3),
            "Tags": [
                {"Key": "Owner", "Value": f"team-{team}"},
                {"Key": "Environment", "Value": env},
                {"Key": "Service", "Value": svc},
            ],
            "SecretVersionsToStages": {str(uuid.UUID(int=rng.getrandbits(128), version=4)): ["AWSCURRENT"]},
            "CreatedDate": round(created, 3),
        }
        if i % 4 != 1:
            entry["Tags"].append({"Key": "Classification", "Value": CLASSES[i % 3]})
        if i % 3 == 0:
            entry["KmsKeyId"] = f"arn:aws:kms:{region}:{acct}:key/{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        rotating = i % 5 != 0
        entry["RotationEnabled"] = rotating
        if rotating:
            every = [30, 60, 90][i % 3]
            rotated = EPOCH - ((i * 11) % (every + 40)) * DAY
            entry["RotationLambdaARN"] = f"arn:aws:lambda:{region}:{acct}:function:{team}-rotator"
            entry["RotationRules"] = {"AutomaticallyAfterDays": every}
            entry["LastRotatedDate"] = round(rotated, 3)
            entry["NextRotationDate"] = round(rotated + every * DAY, 3)
            prev = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            entry["SecretVersionsToStages"][prev] = ["AWSPREVIOUS"]
        if i % 9 != 0:
            entry["LastAccessedDate"] = float(int((EPOCH - ((i * 5) % 120) * DAY) // DAY * DAY))
        if i % 40 == 7:
            entry["DeletedDate"] = round(EPOCH - 2 * DAY, 3)
        return entry

    def _account_entries(self) -> list[dict]:
        out = []
        for n, a in enumerate(self.accounts):
            out.append({
                "Id": a["id"],
                "Arn": f"arn:aws:organizations::{MANAGEMENT}:account/{ORG_ID}/{a['id']}",
                "Email": f"aws+{a['name']}@example.com",
                "Name": a["name"],
                "Status": "ACTIVE",
                "State": "ACTIVE",
                "JoinedMethod": "INVITED" if n == 0 else "CREATED",
                "JoinedTimestamp": round(EPOCH - (900 - n) * DAY, 3),
            })
        return out

    def _paginate(self, kind: str, key, items: list[dict], size: int, field: str) -> None:
        token = None
        for start in range(0, max(len(items), 1), size):
            nxt = _token(kind, key, size, start + size) if start + size < len(items) else None
            body: dict = {field: items[start:start + size]}
            if nxt:
                body["NextToken"] = nxt
            self.pages[(kind, key, size, token)] = (json.dumps(body, separators=(",", ":")).encode(), nxt)
            token = nxt

    def page(self, kind: str, key, items: list[dict], size: int, token: str | None, field: str):
        """The page's bytes, or None for a token this list never gave."""
        hit = self.pages.get((kind, key, size, token))
        if hit is None and (token is None or token.startswith(_token_prefix(kind, key, size))):
            self._paginate(kind, key, items, size, field)  # another page size, asked for once
            hit = self.pages.get((kind, key, size, token))
        return hit


def _token_prefix(kind: str, key, size: int) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(f"{kind}|{key}|{size}".encode()).digest()[:9]).decode()


def _token(kind: str, key, size: int, offset: int) -> str:
    return f"{_token_prefix(kind, key, size)}{offset:06d}"


class Server:
    def __init__(self, fleet: Fleet, latency: float) -> None:
        self.fleet = fleet
        self.latency = latency
        self.calls: list[dict] = []
        self.issued = 0

    # ---- HTTP ----

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                except asyncio.LimitOverrunError:
                    await self.write(writer, 431, {}, b"", False)
                    return
                lines = head.decode("latin-1").split("\r\n")
                try:
                    method, target, version = lines[0].split(" ", 2)
                except ValueError:
                    await self.write(writer, 400, {}, b"", False)
                    return
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    body = await read_chunked(reader)
                else:
                    if headers.get("expect", "").lower() == "100-continue":
                        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    body = await reader.readexactly(int(headers.get("content-length") or 0))
                keep = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
                status, out_headers, out = await self.handle(method, target, headers, body)
                await self.write(writer, status, out_headers, out, keep)
                if not keep:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - the peer may be gone already
                pass

    @staticmethod
    async def write(writer, status: int, headers: dict, body: bytes, keep: bool) -> None:
        reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
                  431: "Request Header Fields Too Large"}.get(status, "Error")
        head = [f"HTTP/1.1 {status} {reason}",
                f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime())}",
                f"Content-Length: {len(body)}",
                f"Connection: {'keep-alive' if keep else 'close'}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()

    # ---- routing ----

    async def handle(self, method: str, target: str, headers: dict, body: bytes):
        path = urllib.parse.urlsplit(target).path
        if path.startswith("/_bench/"):
            return self.bench_route(method, path)
        start = clock()
        call = {"service": None, "operation": None, "account": None, "region": None,
                "target": None, "status": None, "start": start, "end": None, "bytes": 0}
        self.calls.append(call)
        status, out_headers, out = self.dispatch(call, method, headers, body)
        call["status"] = status
        call["bytes"] = len(out)
        rid = str(uuid.uuid4())
        out_headers = {**out_headers, "x-amzn-RequestId": rid}
        await asyncio.sleep(self.latency)
        call["end"] = clock()  # the answer is about to be written (written before the next read)
        return status, out_headers, out

    def bench_route(self, method: str, path: str):
        ct = {"Content-Type": "application/json"}
        if path == "/_bench/calls" and method == "GET":
            counts = collections.Counter(f"{c['service']}.{c['operation']}" for c in self.calls)
            return 200, ct, json.dumps({"counts": dict(sorted(counts.items())), "calls": self.calls}).encode()
        if path == "/_bench/calls" and method == "DELETE":
            self.calls = []
            return 200, ct, b'{"cleared": true}'
        if path == "/_bench/fleet" and method == "GET":
            f = self.fleet
            return 200, ct, json.dumps({
                "management": {"id": MANAGEMENT, "access_key": MANAGEMENT_KEY},
                "accounts": f.accounts, "regions": f.regions, "secrets_per_cell": f.per_cell,
                "secrets": sum(len(v) for v in f.secrets.values()), "role": f.role,
                "latency_ms": self.latency * 1000,
            }).encode()
        if path == "/_bench/health":
            return 200, ct, b'{"ok": true}'
        return 404, ct, b'{"error": "no such bench route"}'

    def dispatch(self, call: dict, method: str, headers: dict, body: bytes):
        m = CREDENTIAL_RE.search(headers.get("authorization", ""))
        if method != "POST" or not m:
            call["service"], call["operation"] = "?", f"{method} (unsigned)"
            return json_error(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
        key, _, region, service = m.groups()
        call["service"], call["region"] = service, region
        km = KEY_RE.match(key)
        account = km.group(1) if km else None
        if account is not None and account != MANAGEMENT and account not in self.fleet.members:
            account = None
        call["account"] = account
        if service == "sts":
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
            action = form.get("Action", "?")
            call["operation"] = action
            if account is None:
                return sts_error(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
            if action == "GetCallerIdentity":
                return self.get_caller_identity(account, key)
            if action == "AssumeRole":
                return self.assume_role(call, account, form)
            return sts_error(400, "InvalidAction", f"Could not find operation {action} for version 2011-06-15")
        target = headers.get("x-amz-target", "")
        operation = target.rsplit(".", 1)[-1] if target else "?"
        call["operation"] = operation
        if account is None:
            return json_error(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return json_error(400, "SerializationException", "Start of structure or map found where not expected.")
        if service == "organizations" and target == "AWSOrganizationsV20161128.ListAccounts":
            return self.list_accounts(account, req)
        if service == "secretsmanager" and target == "secretsmanager.ListSecrets":
            return self.list_secrets(account, region, req)
        return json_error(400, "UnknownOperationException", f"{service}: unknown operation {target or '(no X-Amz-Target)'}")

    # ---- operations ----

    def get_caller_identity(self, account: str, key: str):
        if account == MANAGEMENT:
            arn, user_id = f"arn:aws:iam::{account}:user/bench-operator", "AIDASTRONGROOMBENCH01"
        else:
            arn = f"arn:aws:sts::{account}:assumed-role/{self.fleet.role}/bench"
            user_id = "AROASTRONGROOMBENCH01:bench"
        return sts_ok("GetCallerIdentity",
                      f"<Arn>{arn}</Arn><UserId>{user_id}</UserId><Account>{account}</Account>")

    def assume_role(self, call: dict, caller: str, form: dict):
        arn = form.get("RoleArn", "")
        session = form.get("RoleSessionName", "")
        m = ROLE_RE.match(arn)
        if m:
            call["target"] = m.group(1)
        if not m or m.group(1) not in self.fleet.members or m.group(2) != self.fleet.role or caller != MANAGEMENT:
            return sts_error(403, "AccessDenied",
                             f"User: arn:aws:iam::{caller}:user/bench-operator is not authorized to perform: "
                             f"sts:AssumeRole on resource: {xml_escape(arn)}")
        if not re.fullmatch(r"[\w+=,.@-]{2,64}", session):
            return sts_error(400, "ValidationError", "1 validation error detected: Value at 'roleSessionName' "
                             "failed to satisfy constraint")
        account = m.group(1)
        self.issued += 1
        akid = f"ASIA{account}{self.issued % 0x10000:04X}"
        secret = base64.b64encode(os.urandom(30)).decode()
        token = base64.b64encode(os.urandom(270)).decode()
        expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        return sts_ok("AssumeRole", (
            f"<AssumedRoleUser><AssumedRoleId>AROA{account}BENCH:{xml_escape(session)}</AssumedRoleId>"
            f"<Arn>arn:aws:sts::{account}:assumed-role/{self.fleet.role}/{xml_escape(session)}</Arn></AssumedRoleUser>"
            f"<Credentials><AccessKeyId>{akid}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
            f"<SessionToken>{token}</SessionToken>"
            f"<Expiration>{expiry.strftime('%Y-%m-%dT%H:%M:%SZ')}</Expiration></Credentials>"
            f"<PackedPolicySize>0</PackedPolicySize>"))

    def list_accounts(self, account: str, req: dict):
        if account != MANAGEMENT:
            return json_error(400, "AccessDeniedException",
                              "You don't have permissions to access this resource.")
        size = req.get("MaxResults") or 20
        if not isinstance(size, int) or not 1 <= size <= 20:
            return json_error(400, "InvalidInputException", "MaxResults must be between 1 and 20.")
        hit = self.fleet.page("accounts", MANAGEMENT, self.fleet._account_entries(), size,
                              req.get("NextToken"), "Accounts")
        if hit is None:
            return json_error(400, "InvalidInputException", "The NextToken is not valid.")
        return 200, {"Content-Type": JSON_CT}, hit[0]

    def list_secrets(self, account: str, region: str, req: dict):
        size = req.get("MaxResults") or 100
        if not isinstance(size, int) or not 1 <= size <= 100:
            return json_error(400, "InvalidParameterException", "MaxResults must be between 1 and 100.")
        if req.get("Filters"):
            return json_error(400, "InvalidParameterException", "Filters are not supported by this bench server.")
        key = (account, region)
        items = self.fleet.secrets.get(key, [])
        if not req.get("IncludePlannedDeletion"):
            items = [s for s in items if "DeletedDate" not in s]
            key = (account, region, "live")
        hit = self.fleet.page("secrets", key, items, size, req.get("NextToken"), "SecretList")
        if hit is None:
            return json_error(400, "InvalidNextTokenException", "The NextToken value is invalid.")
        return 200, {"Content-Type": JSON_CT}, hit[0]


async def read_chunked(reader: asyncio.StreamReader) -> bytes:
    out = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return bytes(out)
        out += await reader.readexactly(size)
        await reader.readexactly(2)


def xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def sts_ok(action: str, inner: str):
    body = (f'<{action}Response xmlns="{STS_NS}"><{action}Result>{inner}</{action}Result>'
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{action}Response>")
    return 200, {"Content-Type": "text/xml"}, body.encode()


def sts_error(status: int, code: str, message: str):
    body = (f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
            f"<Message>{xml_escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
    return status, {"Content-Type": "text/xml"}, body.encode()


def json_error(status: int, code: str, message: str):
    body = json.dumps({"__type": code, "message": message}).encode()
    return status, {"Content-Type": JSON_CT, "X-Amzn-ErrorType": code}, body


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--latency-ms", type=float, default=30.0)
    p.add_argument("--members", type=int, default=50)
    p.add_argument("--secrets-per-cell", type=int, default=200)
    p.add_argument("--region", action="append", dest="regions")
    p.add_argument("--role", default="StrongroomAudit")
    p.add_argument("--exit-on-stdin-eof", action="store_true")
    args = p.parse_args()
    t0 = time.perf_counter()
    fleet = Fleet(args.members, args.regions or DEFAULT_REGIONS, args.secrets_per_cell, args.role)
    server = Server(fleet, args.latency_ms / 1000)
    srv = await asyncio.start_server(server.connection, "127.0.0.1", args.port, backlog=1024,
                                     limit=1 << 20)
    port = srv.sockets[0].getsockname()[1]
    print(f"fake_aws: {len(fleet.accounts)} accounts, {sum(len(v) for v in fleet.secrets.values()):,} "
          f"secrets, {len(fleet.pages)} pages built in {time.perf_counter() - t0:.2f} s; "
          f"latency {args.latency_ms:g} ms", file=sys.stderr, flush=True)
    print(f"http://127.0.0.1:{port}", flush=True)
    done = asyncio.Event()
    if args.exit_on_stdin_eof:
        loop = asyncio.get_running_loop()

        def watch() -> None:
            while sys.stdin.buffer.read(4096):
                pass
            loop.call_soon_threadsafe(done.set)

        threading.Thread(target=watch, daemon=True).start()
    async with srv:
        if args.exit_on_stdin_eof:
            await done.wait()
        else:
            await srv.serve_forever()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        sys.exit(130)
