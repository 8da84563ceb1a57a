"""CloudTrail: the event store, records for served Secrets Manager calls, and LookupEvents."""

from __future__ import annotations

import base64
import collections
import datetime
import hashlib
import json
import re
import threading
import time
import uuid
from typing import Any

SM_SOURCE = "secretsmanager.amazonaws.com"
SECRET_TYPE = "AWS::SecretsManager::Secret"
DEFAULT_REGION = "us-east-1"
LOOKUP_KEYS = {
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
}
READ_PREFIXES = ("Get", "List", "Describe", "BatchGet", "Validate")
SECRET_FIELDS = {"SecretString", "SecretBinary"}
ARN_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")


class LookupError_(Exception):
    """An error LookupEvents answers with (HTTP 400, JSON 1.1 error body)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ---- time helpers ---------------------------------------------------------------


def iso(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> float | None:
    """Epoch seconds for the eventTime shapes seen in the wild, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value / 1000.0 if value > 1e11 else float(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python wants at most 6 fractional digits ("2024-10-17 21:48:45.000000000").
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        dt = datetime.datetime.fromisoformat(text)
    except ValueError:
        for fmt in ("%b %d, %Y %I:%M:%S %p", "%Y/%m/%d %H:%M:%S"):
            try:
                dt = datetime.datetime.strptime(value.strip(), fmt)
                break
            except ValueError:
                continue
        else:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()


# ---- building records for served calls --------------------------------------


def camelize(value: Any) -> Any:
    """AWS writes request fields lowerCamelCased in CloudTrail (SecretId -> secretId)."""
    if isinstance(value, dict):
        return {_camel(k): camelize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camelize(v) for v in value]
    return value


def _camel(key: str) -> str:
    if key.isupper():  # "ARN" -> "arn"
        return key.lower()
    return key[:1].lower() + key[1:]


def is_read_only(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES) or operation == "GetRandomPassword"


def api_call_record(
    *,
    operation: str,
    region: str,
    account: str,
    identity: dict[str, Any],
    source_ip: str,
    user_agent: str,
    request: dict[str, Any] | None,
    response: dict[str, Any] | None,
    error: tuple[str, str] | None,
    request_id: str,
    arns: list[str],
) -> dict[str, Any]:
    read_only = is_read_only(operation)
    params = None
    if isinstance(request, dict):
        params = camelize({k: v for k, v in request.items() if k not in SECRET_FIELDS}) or None
    elements = None
    if error is None and not read_only and isinstance(response, dict):
        elements = {
            _camel(k): response[k] for k in ("ARN", "Name", "VersionId") if response.get(k) is not None
        } or None
    record: dict[str, Any] = {
        "eventVersion": "1.11",
        "userIdentity": identity,
        "eventTime": iso(time.time()),
        "eventSource": SM_SOURCE,
        "eventName": operation,
        "awsRegion": region,
        "sourceIPAddress": source_ip,
        "userAgent": user_agent,
    }
    if error is not None:
        record["errorCode"], record["errorMessage"] = error
    record.update(
        {
            "requestParameters": params,
            "responseElements": elements,
            "requestID": request_id,
            "eventID": str(uuid.uuid4()),
            "readOnly": read_only,
        }
    )
    if arns:
        record["resources"] = [{"accountId": account, "type": SECRET_TYPE, "ARN": arn} for arn in arns]
    record.update(
        {
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account,
            "eventCategory": "Management",
        }
    )
    return record


def rotation_record(name: str, region: str, account: str, arn: str, version: str) -> dict[str, Any]:
    """RotationStarted / RotationSucceeded service events, shaped like AWS's."""
    return {
        "eventVersion": "1.11",
        "userIdentity": {"accountId": account, "invokedBy": SM_SOURCE},
        "eventTime": iso(time.time()),
        "eventSource": SM_SOURCE,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": SM_SOURCE,
        "userAgent": SM_SOURCE,
        "requestParameters": None,
        "responseElements": None,
        "additionalEventData": {"SecretId": arn},
        "requestID": f"Rotation-{arn}-{version}",
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "resources": [{"accountId": account, "type": SECRET_TYPE, "ARN": arn}],
        "eventType": "AwsServiceEvent",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }


# ---- indexing ------------------------------------------------------------------


def _secret_name(arn: str) -> str | None:
    if ":secret:" not in arn:
        return None
    return ARN_SUFFIX.sub("", arn.split(":secret:", 1)[1])


def _resources(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(type, name) pairs: the record's resources[], plus the secrets a Secrets Manager
    record names (requestParameters.secretId/secretIdList, responseElements.arn,
    additionalEventData.SecretId), as LookupEvents shows them."""
    out: list[tuple[str, str]] = []

    def add(rtype: Any, name: Any) -> None:
        if isinstance(name, str) and name and (str(rtype), name) not in out:
            out.append((str(rtype), name))

    for res in record.get("resources") or []:
        if isinstance(res, dict):
            add(res.get("type"), res.get("ARN") or res.get("arn"))
    if record.get("eventSource") == SM_SOURCE:
        req = record.get("requestParameters") if isinstance(record.get("requestParameters"), dict) else {}
        resp = record.get("responseElements") if isinstance(record.get("responseElements"), dict) else {}
        extra = record.get("additionalEventData") if isinstance(record.get("additionalEventData"), dict) else {}
        known = {n for _, n in out}
        candidates = [resp.get("arn"), resp.get("aRN"), resp.get("ARN"), extra.get("SecretId")]
        ids = [req.get("secretId")] + list(req.get("secretIdList") or [])
        for sid in ids:
            # A name that one of the ARNs already covers is not a separate resource.
            if isinstance(sid, str) and not any(_secret_name(k) == sid for k in known | set(filter(None, candidates))):
                candidates.append(sid)
        for name in candidates:
            add(SECRET_TYPE, name)
    return out


def _username(ident: dict[str, Any]) -> str | None:
    if ident.get("userName"):
        return str(ident["userName"])
    kind = ident.get("type")
    if kind == "Root":
        return "root"
    if kind == "AssumedRole" and isinstance(ident.get("arn"), str):
        return ident["arn"].rsplit("/", 1)[-1]
    if isinstance(ident.get("arn"), str) and "/" in ident["arn"]:
        return ident["arn"].rsplit("/", 1)[-1]
    return None


def _read_only(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower()
    return None


class Entry:
    __slots__ = (
        "seq", "epoch", "region", "account", "record", "event_id", "read_only", "username", "resources", "names",
    )

    def __init__(self, seq: int, epoch: float, record: dict[str, Any]) -> None:
        ident = record.get("userIdentity") if isinstance(record.get("userIdentity"), dict) else {}
        self.seq = seq
        self.epoch = epoch
        self.record = record
        self.region = str(record.get("awsRegion") or DEFAULT_REGION)
        account = record.get("recipientAccountId") or ident.get("accountId")
        self.account = str(account) if account else None  # None: visible to every account
        self.event_id = str(record.get("eventID") or uuid.uuid4())
        self.read_only = _read_only(record.get("readOnly"))
        self.username = _username(ident)
        self.resources = _resources(record)
        self.names = {n for _, n in self.resources}
        self.names |= {s for s in map(_secret_name, list(self.names)) if s}

    def matches(self, key: str, value: str) -> bool:
        rec = self.record
        ident = rec.get("userIdentity") if isinstance(rec.get("userIdentity"), dict) else {}
        if key == "EventId":
            return self.event_id == value
        if key == "EventName":
            return rec.get("eventName") == value
        if key == "EventSource":
            return rec.get("eventSource") == value
        if key == "ReadOnly":
            return self.read_only == value
        if key == "Username":
            return self.username == value
        if key == "AccessKeyId":
            return ident.get("accessKeyId") == value
        if key == "ResourceType":
            return any(t == value for t, _ in self.resources)
        if key == "ResourceName":
            return value in self.names
        return False

    def to_event(self) -> dict[str, Any]:
        rec = self.record
        ident = rec.get("userIdentity") if isinstance(rec.get("userIdentity"), dict) else {}
        event = {
            "EventId": self.event_id,
            "EventName": rec.get("eventName"),
            "ReadOnly": self.read_only,
            "AccessKeyId": ident.get("accessKeyId"),
            "EventTime": self.epoch,
            "EventSource": rec.get("eventSource"),
            "Username": self.username,
            "Resources": [{"ResourceType": t, "ResourceName": n} for t, n in self.resources],
            "CloudTrailEvent": json.dumps(rec),
        }
        return {k: v for k, v in event.items() if v is not None}


class EventStore:
    def __init__(self, state: Any) -> None:
        self.state = state
        self.lock = threading.Lock()
        self.entries: list[Entry] = []
        self.seq = 0
        self.lookup_times: dict[tuple[str, str], collections.deque[float]] = {}

    def add(self, record: dict[str, Any], epoch: float | None = None) -> Entry:
        with self.lock:
            self.seq += 1
            entry = Entry(self.seq, time.time() if epoch is None else epoch, record)
            self.entries.append(entry)
            return entry

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def load(self, records: Any, shift_to_now: bool = False) -> dict[str, Any]:
        """Loads CloudTrail records as given. Only non-objects are rejected."""
        if not isinstance(records, list):
            raise ValueError('expected {"Records": [...]}')
        rejected = []
        accepted: list[tuple[dict[str, Any], float | None]] = []
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                rejected.append({"index": index, "reason": f"record is a {type(record).__name__}, not an object"})
                continue
            accepted.append((record, parse_time(record.get("eventTime"))))
        now = time.time()
        known = [t for _, t in accepted if t is not None]
        delta = now - max(known) if shift_to_now and known else 0.0
        untimed = 0
        for record, epoch in accepted:
            if epoch is None:
                untimed += 1
                epoch = now  # no usable eventTime: filed as "now", record kept as given
            elif delta:
                epoch += delta
                record = dict(record, eventTime=iso(epoch))
            self.add(record, epoch)
        return {"loaded": len(accepted), "rejected": rejected, "without_time": untimed}

    # ---- LookupEvents ----------------------------------------------------------

    def throttled(self, account: str, region: str) -> bool:
        """Sliding one-second window of lookup_events_tps calls per account and region."""
        tps = self.state.config.get("lookup_events_tps")
        if not tps:
            return False
        now = time.monotonic()
        with self.lock:
            window = self.lookup_times.setdefault((account, region), collections.deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= float(tps):
                return True
            window.append(now)
            return False

    def lookup(self, account: str, region: str, body: dict[str, Any]) -> dict[str, Any]:
        attrs = body.get("LookupAttributes") or []
        if not isinstance(attrs, list):
            raise LookupError_("InvalidLookupAttributesException", "LookupAttributes must be a list.")
        if len(attrs) > 1:
            raise LookupError_(
                "InvalidLookupAttributesException", "You can only specify one lookup attribute per request."
            )
        attr = None
        if attrs:
            key = attrs[0].get("AttributeKey") if isinstance(attrs[0], dict) else None
            value = attrs[0].get("AttributeValue") if isinstance(attrs[0], dict) else None
            if key not in LOOKUP_KEYS:
                raise LookupError_("InvalidLookupAttributesException", f"Invalid AttributeKey: {key}.")
            if not isinstance(value, str) or not 1 <= len(value) <= 2000:
                raise LookupError_("InvalidLookupAttributesException", "AttributeValue must be 1 to 2000 characters.")
            if key == "ReadOnly" and value not in ("true", "false"):
                raise LookupError_("InvalidLookupAttributesException", "ReadOnly must be true or false.")
            attr = (key, value)
        category = body.get("EventCategory")
        if category is not None and category != "insight":
            raise LookupError_("InvalidEventCategoryException", f"Invalid EventCategory: {category}.")
        start, end = body.get("StartTime"), body.get("EndTime")
        if start is not None and end is not None and float(start) > float(end):
            raise LookupError_("InvalidTimeRangeException", "Start time must be earlier than end time.")
        max_results = body.get("MaxResults")
        if max_results is None:
            max_results = 50
        if isinstance(max_results, bool) or not isinstance(max_results, int) or not 1 <= max_results <= 50:
            raise LookupError_("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
        query = json.dumps([attr, start, end, category, account, region], sort_keys=True)
        qhash = hashlib.sha256(query.encode()).hexdigest()[:16]
        cursor = None
        if body.get("NextToken") is not None:
            cursor = self._decode_token(body["NextToken"], qhash)
        if category == "insight":
            return {"Events": []}  # the emulator has no Insights events

        with self.lock:
            entries = list(self.entries)
        hits = []
        for e in entries:
            if e.region != region or (e.account is not None and e.account != account):
                continue
            if start is not None and e.epoch < float(start):
                continue
            if end is not None and e.epoch > float(end):
                continue
            if attr and not e.matches(*attr):
                continue
            if cursor and (e.epoch, e.seq) >= cursor:
                continue
            hits.append(e)
        hits.sort(key=lambda e: (e.epoch, e.seq), reverse=True)
        page = hits[:max_results]
        out: dict[str, Any] = {"Events": [e.to_event() for e in page]}
        if len(hits) > max_results:
            last = page[-1]
            token = json.dumps({"t": last.epoch, "s": last.seq, "q": qhash})
            out["NextToken"] = base64.urlsafe_b64encode(token.encode()).decode()
        return out

    @staticmethod
    def _decode_token(token: Any, qhash: str) -> tuple[float, int]:
        try:
            data = json.loads(base64.urlsafe_b64decode(str(token).encode()))
            if data["q"] != qhash:
                raise ValueError("token from another query")
            return float(data["t"]), int(data["s"])
        except Exception:
            raise LookupError_("InvalidNextTokenException", "Invalid NextToken.") from None
