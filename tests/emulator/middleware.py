"""WSGI wrapper around moto's app: admin API, faults, the call log, CloudTrail
LookupEvents, STS AssumeRole trust, Account ListRegions, Athena queries, and recording every
served Secrets Manager request as a CloudTrail event."""

from __future__ import annotations

import io
import json
import os
import random
import re
import select
import socket
import sys
import time
import uuid
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import admin
import athena
import patches
import regions
import roles
from cloudtrail import EventStore, LookupError_, api_call_record, rotation_record
from state import DEFAULT_ACCOUNT, FAULT_ERRORS, State

CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/")
HANG_CAP_SECONDS = 120
JSON_CT = "application/x-amz-json-1.1"
# Athena operations the emulator answers itself (athena.py); moto answers the others (work groups, ...).
ATHENA_OPERATIONS = {
    "StartQueryExecution",
    "GetQueryExecution",
    "BatchGetQueryExecution",
    "GetQueryResults",
    "StopQueryExecution",
    "ListQueryExecutions",
}
# Faults drawn at random repeat from run to run: a test of retries cannot pass or fail by luck.
random.seed(int(os.environ.get("STRONGROOM_EMULATOR_SEED", "1203")))


class Request:
    """What the emulator needs to know about an AWS request."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.body = _read_body(environ)
        auth = environ.get("HTTP_AUTHORIZATION", "")
        m = CREDENTIAL.search(auth)
        self.access_key, self.region, self.service = m.groups() if m else (None, None, None)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        self.json: dict[str, Any] | None = None
        self.params: dict[str, str] = {}  # query-protocol parameters (STS)
        self.query = False
        path = environ.get("PATH_INFO", "")
        if target:
            self.operation = target.rsplit(".", 1)[-1]
            try:
                parsed = json.loads(self.body or b"{}")
                self.json = parsed if isinstance(parsed, dict) else None
            except ValueError:
                self.json = None
        else:
            form = parse_qs(self.body.decode("utf-8", "replace")) if self.body else {}
            qs = parse_qs(environ.get("QUERY_STRING", ""))
            action = (form.get("Action") or qs.get("Action") or [""])[0]
            self.operation = action
            self.query = bool(action)
            if action:
                self.params = {k: v[-1] for k, v in {**qs, **form}.items()}
            elif self.service == "account" and path.strip("/"):
                # REST-JSON (Account Management): POST /listRegions -> ListRegions
                name = path.strip("/").split("/", 1)[0]
                self.operation = name[:1].upper() + name[1:]
                try:
                    parsed = json.loads(self.body or b"{}")
                    self.json = parsed if isinstance(parsed, dict) else None
                except ValueError:
                    self.json = None
            elif self.service == "s3":
                self.operation = _s3_operation(environ.get("REQUEST_METHOD", "GET"), path, qs)
        self.source_ip = environ.get("REMOTE_ADDR", "127.0.0.1")
        self.user_agent = environ.get("HTTP_USER_AGENT", "")


def _s3_operation(method: str, path: str, qs: dict[str, list[str]]) -> str:
    """The S3 REST call a path-style request is: enough to count listings and downloads."""
    parts = path.strip("/").split("/", 1)
    has_key = len(parts) == 2 and parts[1] != ""
    if method == "GET" and not has_key:
        return "ListObjectsV2" if qs.get("list-type") == ["2"] else "ListObjects"
    return {
        ("GET", True): "GetObject",
        ("HEAD", True): "HeadObject",
        ("PUT", True): "PutObject",
        ("DELETE", True): "DeleteObject",
        ("PUT", False): "CreateBucket",
        ("HEAD", False): "HeadBucket",
    }.get((method, has_key), f"{method} {'object' if has_key else 'bucket'}")


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > 0:
        body = stream.read(length)
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


class Emulator:
    def __init__(self, moto_app: Callable[..., Any], state: State, store: EventStore) -> None:
        self.moto_app = moto_app
        self.state = state
        self.store = store
        self.athena = athena.Athena(state)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/_strongroom/"):
            return admin.handle(self, environ, start_response)
        req = Request(environ)
        if not req.service:  # not a signed AWS request (moto dashboard, /moto-api, ...)
            return self.moto_app(environ, start_response)
        account = patches.iam_models.get_account_id_from(req.access_key or "")  # the patched hook
        call = {
            "service": req.service,
            "operation": req.operation,
            "region": req.region,
            "status": None,
            "account": account or DEFAULT_ACCOUNT,
            "access_key": req.access_key,
        }

        rule = self.state.fault_for(call["account"], req.region, req.service)
        # A rule may name one operation (`"operation": "BatchGetSecretValue"`): others pass.
        if rule and rule.get("operation") and rule["operation"] != req.operation:
            rule = None
        if rule:
            if rule.get("latency_ms"):
                time.sleep(float(rule["latency_ms"]) / 1000.0)
            if rule.get("down"):
                call.update(status=0, fault="hang" if rule["down"] == "hang" else "down")
                self.state.log_call(call)
                if rule["down"] == "hang":
                    _hold(environ)
                _drop(environ)
            if rule.get("error_rate") and random.random() < float(rule["error_rate"]):
                code = rule.get("error") or "ThrottlingException"
                status, message = FAULT_ERRORS.get(code, (int(rule.get("status") or 400), code))
                status = int(rule.get("status") or status)
                call.update(status=status, fault="error")
                return self._finish(req, call, status, _error(req, code, message, status), start_response)

        if req.service == "cloudtrail" and req.operation == "LookupEvents":
            return self._lookup_events(req, call, start_response)
        if req.service == "account" and req.operation == "ListRegions":
            return self._list_regions(req, call, start_response)
        if req.service == "athena" and req.operation in ATHENA_OPERATIONS:
            return self._athena(req, call, start_response)
        if req.service == "sts" and req.operation == "AssumeRole":
            try:
                roles.check_assume_role(self.state, req.params, call["account"], req.access_key, req.region)
            except roles.AssumeRoleError as err:
                call["status"] = err.status
                response = _error(req, err.code, err.message, err.status)
                return self._finish(req, call, err.status, response, start_response)

        status, headers, body = _call(self.moto_app, environ)
        call["status"] = status
        return self._finish(req, call, status, (headers, body), start_response)

    def _finish(
        self,
        req: Request,
        call: dict[str, Any],
        status: int,
        response: tuple[list[tuple[str, str]], bytes],
        start_response: Callable[..., Any],
    ) -> Iterable[bytes]:
        headers, body = response
        self.state.log_call(call)
        if req.service == "secretsmanager":
            try:
                self._record(req, call["account"], status, headers, body)
            except Exception as exc:  # never fail the request because of recording
                print(f"strongroom emulator: recording failed: {exc!r}", file=sys.stderr, flush=True)
        start_response(f"{status} {_reason(status)}", headers)
        return [body]

    def _lookup_events(self, req: Request, call: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        account, region = call["account"], req.region or "us-east-1"
        if self.store.throttled(account, region):
            status, response = 400, _error(req, "ThrottlingException", "Rate exceeded", 400)
        else:
            try:
                result = self.store.lookup(account, region, req.json or {})
                status, response = 200, _json_response(result)
            except LookupError_ as err:
                status, response = 400, _error(req, err.code, err.message, 400)
        call["status"] = status
        self.state.log_call(call)
        start_response(f"{status} {_reason(status)}", response[0])
        return [response[1]]

    def _list_regions(self, req: Request, call: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        account = call["account"]
        try:
            arn = roles.caller_arn(self.state, req.access_key, account, req.region)
            if req.json is None and req.body.strip():
                raise regions.AccountApiError("SerializationException", "Malformed JSON body.", 400)
            result = regions.list_regions(self.state, account, arn, req.json if req.json is not None else {})
            status, response = 200, _json_response(result, "application/json")
        except regions.AccountApiError as err:
            status, response = err.status, _error(req, err.code, err.message, err.status, err.extra)
        call["status"] = status
        return self._finish(req, call, status, response, start_response)

    def _athena(self, req: Request, call: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            if req.json is None:
                raise athena.ApiError("SerializationException", "Malformed JSON body.", None)
            result = self.athena.handle(req.operation, req.json, call["account"], req.region or "us-east-1")
            status, response = 200, _json_response(result)
        except athena.ApiError as err:
            extra = {"AthenaErrorCode": err.athena_code} if err.athena_code else None
            status, response = 400, _error(req, err.code, err.message, 400, extra)
        call["status"] = status
        return self._finish(req, call, status, response, start_response)

    def _record(self, req: Request, account: str, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        try:
            response = json.loads(body) if body else None
        except ValueError:
            response = None
        error = None
        if status >= 400:
            info = response if isinstance(response, dict) else {}
            code = str(info.get("__type") or dict(headers).get("X-Amzn-ErrorType") or "InternalFailure")
            code = code.rsplit("#", 1)[-1].split(":", 1)[0]
            error = (code, str(info.get("message") or info.get("Message") or ""))
        arns = self._arns(req, account, response if error is None else None)
        request_id = next((v for k, v in headers if k.lower() == "x-amzn-requestid"), None) or str(uuid.uuid4())
        identity = self.state.user_identity(req.access_key, account)
        record = api_call_record(
            operation=req.operation,
            region=req.region or "us-east-1",
            account=account,
            identity=identity,
            source_ip=req.source_ip,
            user_agent=req.user_agent,
            request=req.json,
            response=response if isinstance(response, dict) else None,
            error=error,
            request_id=request_id,
            arns=arns,
        )
        self.store.add(record)
        if req.operation == "RotateSecret" and error is None and arns:
            version = (response or {}).get("VersionId") or str(uuid.uuid4())
            for name in ("RotationStarted", "RotationSucceeded"):
                self.store.add(rotation_record(name, record["awsRegion"], account, arns[0], version))

    def _arns(self, req: Request, account: str, response: Any) -> list[str]:
        """The secrets a call touched, where known."""
        if isinstance(response, dict):
            if isinstance(response.get("ARN"), str):
                return [response["ARN"]]
            values = response.get("SecretValues")
            if isinstance(values, list):
                return [v["ARN"] for v in values if isinstance(v, dict) and v.get("ARN")]
        params = req.json or {}
        sid = params.get("SecretId")
        arn = patches.secret_arn(account, req.region or "us-east-1", sid)
        if arn:
            return [arn]
        if isinstance(sid, str) and sid.startswith("arn:") and ":secret:" in sid:
            return [sid]
        return []


def _call(app: Callable[..., Any], environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(body))))
    return int(captured["status"].split(" ", 1)[0]), headers, body


def _json_response(payload: Any, content_type: str = JSON_CT) -> tuple[list[tuple[str, str]], bytes]:
    body = json.dumps(payload).encode()
    return [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ], body


def _error(
    req: Request, code: str, message: str, status: int, extra: dict[str, Any] | None = None
) -> tuple[list[tuple[str, str]], bytes]:
    request_id = str(uuid.uuid4())
    if req.query:  # STS and other awsQuery services answer errors in XML
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>{kind}</Type>'
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId>"
            "</ErrorResponse>"
        ).encode()
        ctype = "text/xml"
    else:
        body = json.dumps({"__type": code, "message": message, **(extra or {})}).encode()
        ctype = JSON_CT
    return [
        ("Content-Type", ctype),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", request_id),
        ("X-Amzn-ErrorType", code),
    ], body


def _reason(status: int) -> str:
    reasons = {
        200: "OK",
        400: "Bad Request",
        403: "Forbidden",
        429: "Too Many Requests",
        500: "Internal Server Error",
        503: "Service Unavailable",
    }
    return reasons.get(status, "Status")


def _drop(environ: dict[str, Any]) -> None:
    """Region down: close the connection without answering."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionResetError("strongroom emulator: region down")  # werkzeug drops it quietly


def _hold(environ: dict[str, Any]) -> None:
    """Region hangs: wait until the client gives up (closes), at most HANG_CAP_SECONDS."""
    sock = environ.get("werkzeug.socket")
    deadline = time.monotonic() + HANG_CAP_SECONDS
    while time.monotonic() < deadline:
        if sock is None:
            time.sleep(0.25)
            continue
        readable, _, _ = select.select([sock], [], [], 0.25)
        if readable:
            try:
                if not sock.recv(1, socket.MSG_PEEK):
                    return  # client closed
            except OSError:
                return
            time.sleep(0.25)
