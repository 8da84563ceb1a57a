"""Amazon Athena (JSON 1.1, `AmazonAthena.<Op>`), answered by the middleware: DDL registers
Hive tables over JSON objects in moto's S3; queries (Trino SQL) are transpiled by sqlglot and
run in an in-process DuckDB over the objects of the partitions the WHERE clause selects.
See README.md, "Athena".

Only DuckDB's built-in features are used (its json extension is built in); extensions are
never installed or loaded at run time.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import hashlib
import json
import logging
import math
import os
import re
import tempfile
import threading
import time
import uuid
import zlib
from typing import Any, Callable

import trail

JSON_SERDES = {
    "org.apache.hive.hcatalog.data.jsonserde",
    "org.openx.data.jsonserde.jsonserde",
    "com.amazon.emr.hive.serde.cloudtrailserde",
}
DEFAULT_CATALOG = "awsdatacatalog"
ENGINE = {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"}
MAX_QUERY_CHARS = 262144

_sqlglot: Any = None
_exp: Any = None
_duckdb: Any = None


def _libs() -> None:
    """Imports sqlglot and duckdb on first use (the rest of the emulator does not need them)."""
    global _sqlglot, _exp, _duckdb
    if _sqlglot is None:
        import duckdb
        import sqlglot
        from sqlglot import exp

        logging.getLogger("sqlglot").setLevel(logging.ERROR)  # "falling back to Command" warnings
        _sqlglot, _exp, _duckdb = sqlglot, exp, duckdb


class ApiError(Exception):
    """An error the Athena API answers (HTTP 400 JSON)."""

    def __init__(self, code: str, message: str, athena_code: str | None = "INVALID_INPUT") -> None:
        super().__init__(message)
        self.code, self.message, self.athena_code = code, message, athena_code


class QueryFailed(Exception):
    """The query ends FAILED with this StateChangeReason."""

    def __init__(self, reason: str, category: int = 2) -> None:
        super().__init__(reason)
        self.reason, self.category = reason, category


# ---- Hive types ------------------------------------------------------------------------------

SCALARS = {
    # sqlglot DType name -> (DuckDB type, Hive name, Athena result type)
    "TEXT": ("VARCHAR", "string", "varchar"),
    "VARCHAR": ("VARCHAR", "varchar", "varchar"),
    "CHAR": ("VARCHAR", "char", "varchar"),
    "BOOLEAN": ("BOOLEAN", "boolean", "boolean"),
    "TINYINT": ("TINYINT", "tinyint", "tinyint"),
    "SMALLINT": ("SMALLINT", "smallint", "smallint"),
    "INT": ("INTEGER", "int", "integer"),
    "BIGINT": ("BIGINT", "bigint", "bigint"),
    "FLOAT": ("FLOAT", "float", "real"),
    "DOUBLE": ("DOUBLE", "double", "double"),
    "DATE": ("DATE", "date", "date"),
    "TIMESTAMP": ("TIMESTAMP", "timestamp", "timestamp"),
    "BINARY": ("BLOB", "binary", "varbinary"),
    "VARBINARY": ("BLOB", "binary", "varbinary"),
}


class Spec:
    """A declared column type: DuckDB type text, Hive text, and a JsonSerDe-like converter."""

    def __init__(self, kind: str, duck: str, hive: str, convert: Callable[[Any], Any],
                 children: list[tuple[str, "Spec"]] | None = None) -> None:
        self.kind, self.duck, self.hive, self.convert = kind, duck, hive, convert
        self.children = children or []  # struct fields; [("", element)]; [("key", k), ("value", v)]


_MISSING = object()


def normalizer(fields: list[tuple[str, Spec]]) -> Callable[[Any], Any]:
    """A JSON object -> the object DuckDB's read_json reads as STRUCT(fields): keys matched
    case-insensitively to the declared (lower-case) names, the first of several spellings wins,
    undeclared keys dropped. Values of STRING fields stay as parsed: read_json turns objects,
    arrays, numbers and booleans into their JSON text, as Hive's JsonSerDe does."""
    subs: dict[str, Callable[[Any], Any] | None] = {n: _value_normalizer(s) for n, s in fields}
    spelling: dict[str, Any] = {}

    def struct(v: Any) -> Any:
        if type(v) is not dict:
            return None
        out: dict[str, Any] = {}
        for k, x in v.items():
            n = spelling.get(k, _MISSING)
            if n is _MISSING:
                low = k.lower()
                n = spelling[k] = low if low in subs else None
            if n is None or n in out:
                continue
            fn = subs[n]
            out[n] = x if fn is None else fn(x)
        return out

    return struct


def _value_normalizer(spec: Spec) -> Callable[[Any], Any] | None:
    """None when read_json can take the parsed value as it is."""
    if spec.kind == "struct":
        return normalizer(spec.children)
    if spec.kind == "array":
        inner = _value_normalizer(spec.children[0][1])
        if inner is None:
            return lambda v: v if type(v) is list else None
        return lambda v: [inner(x) for x in v] if type(v) is list else None
    if spec.kind == "map":
        inner = _value_normalizer(spec.children[1][1])
        if inner is None:
            return lambda v: v if type(v) is dict else None
        return lambda v: {k: inner(x) for k, x in v.items()} if type(v) is dict else None
    if spec.duck == "VARCHAR":
        return None
    return spec.convert


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _to_string(v: Any) -> Any:
    if v is None or isinstance(v, str):
        return v
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)  # objects: their JSON text


def _to_bool(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return None


def _to_int(v: Any) -> Any:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and re.fullmatch(r"[+-]?\d+", v.strip()):
        return int(v)
    return None


def _to_float(v: Any) -> Any:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


_TS = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(?:Z|[+-]00:?00)?")


def _to_timestamp(v: Any) -> Any:
    if isinstance(v, str):
        m = _TS.fullmatch(v.strip())
        if m:
            return f"{m.group(1)} {m.group(2)[:15]}"
    return None


def _to_date(v: Any) -> Any:
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v.strip()):
        return v.strip()
    return None


def spec_of(dt: Any) -> Spec:
    """Spec of a sqlglot DataType from a Hive DDL."""
    t = dt.this.name
    if t == "STRUCT":
        fields = []
        for f in dt.expressions:
            name = f.this.name.lower() if hasattr(f, "this") and f.this is not None else f.name.lower()
            kind = f.args.get("kind")
            fields.append((name, spec_of(kind)))
        conv = [(n, s.convert) for n, s in fields]

        def struct(v: Any) -> Any:
            if not isinstance(v, dict):
                return None
            low = {}
            for k, x in v.items():
                low.setdefault(k.lower(), x)
            return {n: c(low.get(n)) for n, c in conv}

        duck = "STRUCT(" + ", ".join(f"{_q(n)} {s.duck}" for n, s in fields) + ")"
        hive = "struct<" + ",".join(f"{n}:{s.hive}" for n, s in fields) + ">"
        return Spec("struct", duck, hive, struct, fields)
    if t == "ARRAY":
        elem = spec_of(dt.expressions[0])
        ec = elem.convert

        def array(v: Any) -> Any:
            return [ec(x) for x in v] if isinstance(v, list) else None

        return Spec("array", f"{elem.duck}[]", f"array<{elem.hive}>", array, [("", elem)])
    if t == "MAP":
        key, val = spec_of(dt.expressions[0]), spec_of(dt.expressions[1])
        kc, vc = key.convert, val.convert

        def mapping(v: Any) -> Any:
            if not isinstance(v, dict):
                return None
            return {str(kc(k)): vc(x) for k, x in v.items()}

        return Spec("map", f"MAP({key.duck}, {val.duck})", f"map<{key.hive},{val.hive}>", mapping,
                    [("key", key), ("value", val)])
    if t == "DECIMAL":
        params = [int(p.name) for p in dt.expressions] or [10, 0]
        p, s = (params + [0])[:2]
        return Spec("scalar", f"DECIMAL({p},{s})", f"decimal({p},{s})", _to_float)
    if t not in SCALARS:
        raise QueryFailed(f"FAILED: ParseException: unsupported column type {dt.sql('hive')}")
    duck, hive, _ = SCALARS[t]
    convert = {
        "VARCHAR": _to_string,
        "BOOLEAN": _to_bool,
        "TINYINT": _to_int,
        "SMALLINT": _to_int,
        "INTEGER": _to_int,
        "BIGINT": _to_int,
        "FLOAT": _to_float,
        "DOUBLE": _to_float,
        "DATE": _to_date,
        "TIMESTAMP": _to_timestamp,
        "BLOB": _to_string,
    }[duck]
    return Spec("scalar", duck, hive, convert)


# ---- Joda / Java date formats ------------------------------------------------------------------

_JODA = [
    ("yyyy", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"), ("dd", "%d"),
    ("HH", "%H"), ("hh", "%I"), ("mm", "%M"), ("ss", "%S"), ("SSS", "%g"), ("EEEE", "%A"), ("EEE", "%a"),
    ("a", "%p"), ("ZZ", "%z"), ("Z", "%z"), ("M", "%-m"), ("d", "%-d"), ("H", "%-H"),
]


def joda_to_strftime(fmt: str, python: bool = False) -> str:
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "'":
            j = fmt.find("'", i + 1)
            j = len(fmt) if j < 0 else j
            out.append(fmt[i + 1 : j].replace("%", "%%") or "'")
            i = j + 1
            continue
        for pat, rep in _JODA:
            if fmt.startswith(pat, i):
                if python:
                    rep = {"%g": "%f", "%-m": "%m", "%-d": "%d", "%-H": "%H"}.get(rep, rep)
                out.append(rep)
                i += len(pat)
                break
        else:
            out.append("%%" if fmt[i] == "%" else fmt[i])
            i += 1
    return "".join(out)


def _joda_regex(fmt: str) -> str:
    out, i = [], 0
    widths = {"yyyy": r"\d{4}", "yy": r"\d{2}", "MM": r"\d{2}", "dd": r"\d{2}", "HH": r"\d{2}", "mm": r"\d{2}", "ss": r"\d{2}"}
    while i < len(fmt):
        for pat, rx in widths.items():
            if fmt.startswith(pat, i):
                out.append(rx)
                i += len(pat)
                break
        else:
            out.append(re.escape(fmt[i]))
            i += 1
    return "".join(out)


_UNITS = {"YEARS": 365 * 86400, "MONTHS": 30 * 86400, "WEEKS": 7 * 86400, "DAYS": 86400, "HOURS": 3600,
          "MINUTES": 60, "SECONDS": 1}


def _range_end(text: str, fmt: str) -> datetime.datetime:
    text = text.strip()
    m = re.fullmatch(r"NOW(?:\s*([+-])\s*(\d+)\s*([A-Z]+?)S?)?", text.upper())
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    if m:
        if m.group(1):
            unit = m.group(3) + "S"
            delta = datetime.timedelta(seconds=int(m.group(2)) * _UNITS.get(unit, 86400))
            return now + delta if m.group(1) == "+" else now - delta
        return now
    return datetime.datetime.strptime(text, joda_to_strftime(fmt, python=True))


# ---- tables --------------------------------------------------------------------------------------


class Table:
    def __init__(self) -> None:
        self.db = self.name = ""
        self.columns: list[tuple[str, Spec]] = []
        self.partitions: list[tuple[str, Spec]] = []
        self.bucket = self.prefix = ""
        self.properties: dict[str, str] = {}
        self.serde = ""
        self.ddl = ""
        self.created = time.time()
        self.regex: re.Pattern[str] | None = None  # key -> partition values
        self.template_bucket = ""
        self.injected: list[str] = []
        self.checks: dict[str, Callable[[str], bool]] = {}
        self.schema_key = ""

    @property
    def full_name(self) -> str:
        return f"{DEFAULT_CATALOG}.{self.db}.{self.name}"

    def projection(self) -> bool:
        return self.properties.get("projection.enabled", "").lower() == "true"

    def setup(self) -> None:
        pnames = [n for n, _ in self.partitions]
        self.schema_key = hashlib.sha1(
            json.dumps([(n, s.duck) for n, s in self.columns]).encode()
        ).hexdigest()[:12]
        if not self.partitions:
            self.regex = None
            return
        template = self.properties.get("storage.location.template") if self.projection() else None
        if template:
            m = re.fullmatch(r"s3a?://([^/]+)/?(.*)", template.strip())
            if not m:
                raise QueryFailed(f"FAILED: storage.location.template is not an S3 location: {template}")
            self.template_bucket, key_template = m.group(1), m.group(2)
        else:
            # Without a template, Hive's layout under LOCATION: col=value/col=value/...
            self.template_bucket = self.bucket
            key_template = self.prefix.rstrip("/") + "/" + "/".join(f"{n}=${{{n}}}" for n in pnames)
            key_template = key_template.lstrip("/")
        parts, pos = [], 0
        seen = set()
        for m in re.finditer(r"\$\{([^}]+)\}", key_template):
            parts.append(re.escape(key_template[pos : m.start()]))
            col = m.group(1).lower()
            if col not in pnames:
                raise QueryFailed(
                    f"HIVE_METASTORE_ERROR: storage.location.template names ${{{m.group(1)}}}, not a partition column"
                )
            fmt = self.properties.get(f"projection.{col}.format")
            kind = self.properties.get(f"projection.{col}.type", "").lower()
            rx = _joda_regex(fmt) if (kind == "date" and fmt) else r"[^/]+"
            parts.append(f"(?P<{col}>{rx})" if col not in seen else f"(?P={col})")
            seen.add(col)
            pos = m.end()
        parts.append(re.escape(key_template[pos:]))
        missing = [n for n in pnames if n not in seen]
        if missing:
            raise QueryFailed(
                f"HIVE_METASTORE_ERROR: storage.location.template does not name partition column(s) {missing}"
            )
        self.regex = re.compile("^" + "".join(parts).rstrip("/") + "/(?P<__rest>.+)$")
        self.injected = []
        self.checks = {}
        if self.projection():
            for col in pnames:
                kind = self.properties.get(f"projection.{col}.type", "").lower()
                if kind == "injected":
                    self.injected.append(col)
                elif kind == "enum":
                    values = {v.strip() for v in self.properties.get(f"projection.{col}.values", "").split(",")}
                    self.checks[col] = values.__contains__
                elif kind == "integer":
                    lo, _, hi = self.properties.get(f"projection.{col}.range", ",").partition(",")
                    try:
                        lo_i, hi_i = int(lo), int(hi)
                    except ValueError:
                        raise QueryFailed(f"HIVE_METASTORE_ERROR: bad projection.{col}.range") from None
                    self.checks[col] = lambda v, lo_i=lo_i, hi_i=hi_i: v.lstrip("-").isdigit() and lo_i <= int(v) <= hi_i
                elif kind == "date":
                    fmt = self.properties.get(f"projection.{col}.format")
                    rng = self.properties.get(f"projection.{col}.range", "")
                    if not fmt or "," not in rng:
                        raise QueryFailed(
                            f"HIVE_METASTORE_ERROR: date projection of {col} needs projection.{col}.format and .range"
                        )
                    self.checks[col] = _date_check(fmt, rng)

    def describe_rows(self) -> list[list[str]]:
        rows = [[f"{n:<25}\t{s.hive:<25}\t"] for n, s in self.columns + self.partitions]
        if self.partitions:
            rows += [[""], ["# Partition Information"], [f"{'# col_name':<25}\t{'data_type':<25}\tcomment"], [""]]
            rows += [[f"{n:<25}\t{s.hive:<25}\t"] for n, s in self.partitions]
        return rows


def _date_check(fmt: str, rng: str) -> Callable[[str], bool]:
    lo_text, hi_text = rng.split(",", 1)
    pyfmt = joda_to_strftime(fmt, python=True)
    cache: dict[str, bool] = {}

    def check(value: str) -> bool:
        hit = cache.get(value)
        if hit is None:
            try:
                when = datetime.datetime.strptime(value, pyfmt)
                hit = _range_end(lo_text, fmt) <= when <= _range_end(hi_text, fmt)
            except ValueError:
                hit = False
            cache[value] = hit
        return hit

    check.cache = cache  # type: ignore[attr-defined]
    return check


# ---- executions -------------------------------------------------------------------------------


class Execution:
    def __init__(self, qid: str, sql: str, account: str, region: str, workgroup: str, context: dict[str, Any],
                 output: str, params: list[str] | None) -> None:
        self.id, self.sql, self.account, self.region = qid, sql, account, region
        self.workgroup, self.context, self.params = workgroup, context, params
        self.output = output
        self.state = "QUEUED"
        self.reason: str | None = None
        self.category = 2
        self.statement_type = "DML"
        self.substatement = "SELECT"
        self.submitted = time.time()
        self.completed: float | None = None
        self.engine_ms = 0
        self.scanned = 0
        self.partitions = 0
        self.objects = 0
        self.duckdb_sql: str | None = None
        self.columns: list[dict[str, Any]] = []
        self.rows: list[list[str | None]] = []
        self.header = True
        self.polls_left = 0

    def describe(self) -> dict[str, Any]:
        running = self.polls_left > 0 and self.state in ("SUCCEEDED", "FAILED")
        state = "RUNNING" if running else self.state
        status: dict[str, Any] = {"State": state, "SubmissionDateTime": self.submitted}
        if not running:
            if self.completed is not None:
                status["CompletionDateTime"] = self.completed
            if self.state == "FAILED":
                status["StateChangeReason"] = self.reason
                status["AthenaError"] = {
                    "ErrorCategory": self.category,
                    # 1000 "User error"; 200 "Query engine had an internal error"
                    "ErrorType": 1000 if self.category == 2 else 200,
                    "Retryable": False,
                    "ErrorMessage": self.reason,
                }
            elif self.state == "CANCELLED" and self.reason:
                status["StateChangeReason"] = self.reason
        stats: dict[str, Any] = {
            "EngineExecutionTimeInMillis": 0 if running else self.engine_ms,
            "DataScannedInBytes": 0 if running else self.scanned,
            "TotalExecutionTimeInMillis": 0 if running else self.engine_ms + 20,
            "QueryQueueTimeInMillis": 5,
            "ServicePreProcessingTimeInMillis": 5,
            "QueryPlanningTimeInMillis": min(self.engine_ms, 10),
            "ServiceProcessingTimeInMillis": 0 if running else 10,
            "ResultReuseInformation": {"ReusedPreviousResult": False},
        }
        out: dict[str, Any] = {
            "QueryExecutionId": self.id,
            "Query": self.sql,
            "StatementType": self.statement_type,
            "SubstatementType": self.substatement,
            "ResultConfiguration": {"OutputLocation": self.output},
            "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
            "QueryExecutionContext": self.context,
            "Status": status,
            "Statistics": stats,
            "WorkGroup": self.workgroup,
            "EngineVersion": ENGINE,
        }
        if self.params:
            out["ExecutionParameters"] = self.params
        return out

    def admin(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sql": self.sql,
            "execution_parameters": self.params,
            "duckdb_sql": self.duckdb_sql,
            "state": self.state,
            "reason": self.reason,
            "statement_type": self.statement_type,
            "scanned_bytes": self.scanned,
            "partitions_scanned": self.partitions,
            "objects_scanned": self.objects,
            "rows": len(self.rows),
            "account": self.account,
            "region": self.region,
            "workgroup": self.workgroup,
            "database": self.context.get("Database"),
            "engine_ms": self.engine_ms,
        }


# ---- rendering results like Athena -------------------------------------------------------------


def java_double(x: float) -> str:
    """Java's Double.toString, which Athena uses for double values."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1, x) < 0 else "0.0"
    a = abs(x)
    if 1e-3 <= a < 1e7:
        s = repr(x)
        if "e" in s or "E" in s:
            s = format(decimal.Decimal(s), "f")
        return s if "." in s else s + ".0"
    sign, digits, exp = decimal.Decimal(repr(x)).normalize().as_tuple()
    ds = "".join(map(str, digits))
    e = len(ds) - 1 + int(exp)
    mant = ds[0] + "." + (ds[1:] or "0")
    return ("-" if sign else "") + f"{mant}E{e}"


def _ts(v: datetime.datetime) -> str:
    return v.strftime("%Y-%m-%d %H:%M:%S.") + f"{v.microsecond // 1000:03d}"


def renderer(t: Any) -> tuple[str, Callable[[Any], str], int, int]:
    """(Athena type name, value -> text, precision, scale) for a DuckDB result type."""
    tid = t.id
    text = str(t)
    if text == "JSON":
        return "json", str, 0, 0
    if tid == "varchar":
        return "varchar", str, 2147483647, 0
    if tid in ("bigint", "hugeint", "ubigint", "uinteger", "uhugeint"):
        return "bigint", str, 19, 0
    if tid in ("integer", "usmallint"):
        return "integer", str, 10, 0
    if tid in ("smallint", "utinyint"):
        return "smallint", str, 5, 0
    if tid == "tinyint":
        return "tinyint", str, 3, 0
    if tid == "double":
        return "double", java_double, 17, 0
    if tid == "float":
        return "real", java_double, 24, 0
    if tid == "decimal":
        kids = dict(t.children)
        return "decimal", lambda v: format(v, "f"), int(kids.get("precision", 0)), int(kids.get("scale", 0))
    if tid == "boolean":
        return "boolean", lambda v: "true" if v else "false", 0, 0
    if tid == "date":
        return "date", lambda v: v.isoformat(), 0, 0
    if tid in ("timestamp", "timestamp_ms", "timestamp_s", "timestamp_ns"):
        return "timestamp", _ts, 3, 0
    if tid == "timestamp with time zone":
        return "timestamp with time zone", lambda v: _ts(v.astimezone(datetime.timezone.utc)) + " UTC", 3, 0
    if tid in ("list", "array"):
        _, inner, _, _ = renderer(dict(t.children)["child"])
        return "array", lambda v: "[" + ", ".join("null" if x is None else inner(x) for x in v) + "]", 0, 0
    if tid == "struct":
        fields = [(n, renderer(ft)[1]) for n, ft in t.children]
        return "row", lambda v: "{" + ", ".join(
            f"{n}={'null' if v.get(n) is None else r(v.get(n))}" for n, r in fields
        ) + "}", 0, 0
    if tid == "map":
        kids = dict(t.children)
        kr, vr = renderer(kids["key"])[1], renderer(kids["value"])[1]
        return "map", lambda v: "{" + ", ".join(
            f"{kr(k)}={'null' if x is None else vr(x)}" for k, x in v.items()
        ) + "}", 0, 0
    if tid == "null":
        return "unknown", str, 0, 0
    if tid == "blob":
        return "varbinary", lambda v: " ".join(f"{b:02x}" for b in bytes(v)), 0, 0
    if tid == "interval":
        def interval(v: Any) -> str:
            total = v.total_seconds() if hasattr(v, "total_seconds") else float(v)
            days, rest = divmod(abs(total), 86400)
            h, rest = divmod(rest, 3600)
            m, s = divmod(rest, 60)
            return f"{'-' if total < 0 else ''}{int(days)} {int(h):02d}:{int(m):02d}:{s:06.3f}"

        return "interval day to second", interval, 0, 0
    return tid, str, 0, 0


def column_info(name: str, athena_type: str, precision: int, scale: int) -> dict[str, Any]:
    return {
        "CatalogName": "hive",
        "SchemaName": "",
        "TableName": "",
        "Name": name,
        "Label": name,
        "Type": athena_type,
        "Precision": precision,
        "Scale": scale,
        "Nullable": "UNKNOWN",
        "CaseSensitive": athena_type == "varchar",
    }


# ---- the engine ------------------------------------------------------------------------------------


def _pos(sql: str, meta: dict[str, Any] | None) -> str:
    """'line L:C' (1-based, Trino style) of a sqlglot node's first token."""
    if not meta or meta.get("start") is None:
        return "line 1:1"
    start = int(meta["start"])
    line = sql.count("\n", 0, start) + 1
    col = start - (sql.rfind("\n", 0, start) + 1) + 1
    return f"line {line}:{col}"


def _node_meta(node: Any) -> dict[str, Any] | None:
    """Meta of the first (leftmost) identifier in node."""
    best = None
    for ident in node.find_all(_exp.Identifier) if node is not None else []:
        meta = ident.meta
        if meta and meta.get("start") is not None and (best is None or meta["start"] < best["start"]):
            best = meta
    return best


class Athena:
    def __init__(self, state: Any) -> None:
        self.state = state
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.databases: dict[tuple[str, str], set[str]] = {}
            self.tables: dict[tuple[str, str, str, str], Table] = {}
            self.executions: dict[str, Execution] = {}
            self.tokens: dict[tuple[str, str, str], str] = {}
            self.con: Any = None
            self.obj_ids: dict[tuple[str, str, str], int] = {}
            self.stores: dict[str, tuple[str, set[int], list[tuple[str, Spec]]]] = {}

    @property
    def tmpdir(self) -> str:
        """Where NDJSON for DuckDB is written (each file is removed once read); made on first use."""
        if getattr(self, "_tmpdir", None) is None:
            self._tmpdir = tempfile.mkdtemp(prefix="strongroom-athena-")
        return self._tmpdir

    # ---- DuckDB -------------------------------------------------------------------------

    def _con(self) -> Any:
        _libs()
        if self.con is None:
            con = _duckdb.connect(":memory:", config={
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
            })
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET integer_division = true")  # Trino: 7 / 2 = 3
            con.execute("SET default_null_order = 'nulls_last'")  # Trino: NULLS LAST either way
            con.execute("SET threads = 2")
            con.execute("SET python_enable_replacements = false")  # unknown names never read Python variables
            for macro in MACROS:
                con.execute(macro)
            self.con = con
        return self.con

    # ---- API ---------------------------------------------------------------------------------

    def handle(self, op: str, body: dict[str, Any], account: str, region: str) -> dict[str, Any]:
        handler = {
            "StartQueryExecution": self.start,
            "GetQueryExecution": self.get_execution,
            "BatchGetQueryExecution": self.batch_get,
            "GetQueryResults": self.get_results,
            "StopQueryExecution": self.stop,
            "ListQueryExecutions": self.list_executions,
        }[op]
        with self.lock:
            return handler(body or {}, account, region)

    def _find(self, qid: Any, account: str, region: str) -> Execution:
        ex = self.executions.get(str(qid)) if isinstance(qid, str) else None
        if ex is None or ex.account != account or ex.region != region:
            raise ApiError("InvalidRequestException", f"QueryExecution {qid} was not found")
        return ex

    def start(self, body: dict[str, Any], account: str, region: str) -> dict[str, Any]:
        sql = body.get("QueryString")
        if not isinstance(sql, str) or not 1 <= len(sql) <= MAX_QUERY_CHARS:
            raise ApiError("InvalidRequestException", "QueryString must be 1 to 262144 characters long.")
        workgroup = body.get("WorkGroup") or "primary"
        wg_config = _workgroup_config(account, region, workgroup)
        token = body.get("ClientRequestToken")
        if isinstance(token, str) and token:
            known = self.tokens.get((account, region, token))
            if known is not None:
                if self.executions[known].sql != sql:
                    raise ApiError(
                        "InvalidRequestException",
                        "Idempotent parameters do not match: ClientRequestToken was reused with a different query.",
                    )
                return {"QueryExecutionId": known}
        result_conf = body.get("ResultConfiguration") or {}
        location = result_conf.get("OutputLocation")
        wg_result = (wg_config or {}).get("ResultConfiguration") or {}
        if wg_config and wg_config.get("EnforceWorkGroupConfiguration") and wg_result.get("OutputLocation"):
            location = wg_result["OutputLocation"]
        location = location or wg_result.get("OutputLocation")
        if not location:
            raise ApiError(
                "InvalidRequestException",
                "No output location provided. An output location is required either through the Workgroup "
                "result configuration setting or as an API input.",
            )
        if not re.match(r"s3://[^/]+", str(location)):
            raise ApiError("InvalidRequestException", f"Invalid OutputLocation: {location}")
        params = body.get("ExecutionParameters")
        if params is not None and (not isinstance(params, list) or not all(isinstance(p, str) for p in params)):
            raise ApiError("InvalidRequestException", "ExecutionParameters must be a list of strings.")
        context = body.get("QueryExecutionContext") or {}
        qid = str(uuid.uuid4())
        ext = "csv"
        ex = Execution(qid, sql, account, region, workgroup, dict(context), "", params)
        self.executions[qid] = ex
        if isinstance(token, str) and token:
            self.tokens[(account, region, token)] = qid
        ex.polls_left = int(self.state.config.get("athena_running_polls") or 0)
        started = time.monotonic()
        try:
            self._execute(ex, sql, params, context, account, region)
            ex.state = "SUCCEEDED"
        except QueryFailed as failed:
            ex.state, ex.reason, ex.category = "FAILED", failed.reason, failed.category
        except Exception as exc:  # an emulator bug must not look like a query that worked
            ex.state, ex.reason, ex.category = "FAILED", f"GENERIC_INTERNAL_ERROR: {type(exc).__name__}: {exc}", 1
        if ex.statement_type != "DML":
            ext = "txt"
        ex.output = str(location).rstrip("/") + f"/{qid}.{ext}"
        if ex.state == "SUCCEEDED":
            try:
                self._write_output(ex)
            except QueryFailed as failed:
                ex.state, ex.reason = "FAILED", failed.reason
        if ex.state == "FAILED":
            ex.rows, ex.columns = [], []
            ex.scanned = ex.scanned if ex.statement_type == "DML" else 0
        ex.engine_ms = max(1, int((time.monotonic() - started) * 1000))
        ex.completed = time.time()
        return {"QueryExecutionId": qid}

    def get_execution(self, body: dict[str, Any], account: str, region: str) -> dict[str, Any]:
        ex = self._find(body.get("QueryExecutionId"), account, region)
        out = ex.describe()
        if ex.polls_left > 0:
            ex.polls_left -= 1
        return {"QueryExecution": out}

    def batch_get(self, body: dict[str, Any], account: str, region: str) -> dict[str, Any]:
        ids = body.get("QueryExecutionIds") or []
        found, missing = [], []
        for qid in ids:
            try:
                ex = self._find(qid, account, region)
            except ApiError:
                missing.append({"QueryExecutionId": qid, "ErrorCode": "INVALID_INPUT",
                                "ErrorMessage": f"QueryExecution {qid} was not found"})
                continue
            found.append(ex.describe())
            if ex.polls_left > 0:
                ex.polls_left -= 1
        return {"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}

    def stop(self, body: dict[str, Any], account: str, region: str) -> dict[str, Any]:
        ex = self._find(body.get("QueryExecutionId"), account, region)
        if ex.polls_left > 0:  # still "running" as far as the client can tell
            ex.polls_left = 0
            ex.state, ex.reason, ex.rows = "CANCELLED", "Query cancelled by user", []
            ex.completed = time.time()
        return {}

    def list_executions(self, body: dict[str, Any], account: str, region: str) -> dict[str, Any]:
        workgroup = body.get("WorkGroup") or "primary"
        _workgroup_config(account, region, workgroup)
        ids = [e.id for e in reversed(list(self.executions.values()))
               if e.account == account and e.region == region and e.workgroup == workgroup]
        max_results = body.get("MaxResults") or 50
        if not isinstance(max_results, int) or not 0 < max_results <= 50:
            raise ApiError("InvalidRequestException", "MaxResults must be between 1 and 50.")
        start = _decode_token(body.get("NextToken"), f"list:{account}:{region}:{workgroup}")
        out: dict[str, Any] = {"QueryExecutionIds": ids[start : start + max_results]}
        if start + max_results < len(ids):
            out["NextToken"] = _encode_token(start + max_results, f"list:{account}:{region}:{workgroup}")
        return out

    def get_results(self, body: dict[str, Any], account: str, region: str) -> dict[str, Any]:
        ex = self._find(body.get("QueryExecutionId"), account, region)
        if ex.polls_left > 0:
            raise ApiError("InvalidRequestException", "Query has not yet finished. Current state: RUNNING")
        if ex.state == "FAILED":
            raise ApiError("InvalidRequestException", ex.reason or "Query failed")
        if ex.state == "CANCELLED":
            raise ApiError("InvalidRequestException", "Query did not finish successfully. Final query state: CANCELLED")
        max_results = body.get("MaxResults")
        if max_results is None:
            max_results = 1000
        if isinstance(max_results, bool) or not isinstance(max_results, int) or not 1 <= max_results <= 1000:
            raise ApiError(
                "InvalidRequestException",
                f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy constraint: "
                "Member must have value less than or equal to 1000",
            )
        rows: list[list[str | None]] = ex.rows
        if ex.header and ex.columns:
            rows = [[c["Name"] for c in ex.columns]] + rows
        start = _decode_token(body.get("NextToken"), ex.id)
        page = rows[start : start + max_results]
        out: dict[str, Any] = {
            "UpdateCount": 0,
            "ResultSet": {
                "Rows": [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in page],
                "ResultSetMetadata": {"ColumnInfo": ex.columns},
            },
        }
        if start + max_results < len(rows):
            out["NextToken"] = _encode_token(start + max_results, ex.id)
        return out

    # ---- statements ------------------------------------------------------------------------------

    def _execute(self, ex: Execution, sql: str, params: list[str] | None, context: dict[str, Any],
                 account: str, region: str) -> None:
        _libs()
        catalog = str(context.get("Catalog") or DEFAULT_CATALOG).lower()
        if catalog != DEFAULT_CATALOG:
            raise QueryFailed(f"CATALOG_NOT_FOUND: Catalog '{catalog}' does not exist")
        db = str(context.get("Database") or "default").lower()
        keyword = (re.match(r"\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*\(?\s*(\w+)", sql, re.S) or [None, ""])[1].upper()
        sql = _substitute(sql, params, keyword)
        if keyword in ("SHOW",):
            ex.statement_type, ex.substatement = "UTILITY", "SHOW"
            return self._show(ex, sql, db, account, region)
        if keyword in ("DESCRIBE", "DESC"):
            ex.statement_type, ex.substatement = "UTILITY", "DESCRIBE_TABLE"
        elif keyword in ("CREATE", "DROP", "ALTER", "MSCK"):
            ex.statement_type = "DDL"
        try:
            statements = [s for s in _sqlglot.parse(sql, read="athena") if s is not None]
        except _sqlglot.errors.ParseError as err:
            info = err.errors[0] if err.errors else {}
            where = f"line {info.get('line', 1)}:{max(1, int(info.get('col', 1)) - len(str(info.get('highlight') or '')) + 1)}"
            desc = info.get("description") or str(err)
            if ex.statement_type == "DDL":
                raise QueryFailed(f"FAILED: ParseException {where} {desc}") from None
            raise QueryFailed(f"SYNTAX_ERROR: {where}: {desc}") from None
        except _sqlglot.errors.TokenError as err:
            raise QueryFailed(f"SYNTAX_ERROR: line 1:1: {err}") from None
        if len(statements) != 1:
            raise QueryFailed("INVALID_INPUT: Only one sql statement is allowed.")
        stmt = statements[0]
        exp = _exp
        if isinstance(stmt, exp.Create):
            kind = str(stmt.args.get("kind") or "").upper()
            if kind in ("DATABASE", "SCHEMA"):
                ex.substatement = "CREATE_DATABASE"
                return self._create_database(stmt, account, region)
            if kind == "TABLE" and stmt.args.get("expression") is None:
                ex.substatement = "CREATE_TABLE"
                return self._create_table(stmt, sql, db, account, region)
            ex.statement_type, ex.substatement = "DML", "CREATE_TABLE_AS_SELECT"
            raise QueryFailed("NOT_SUPPORTED: the emulator runs SELECT queries and Hive DDL only (no CTAS, views)")
        if isinstance(stmt, exp.Drop):
            kind = str(stmt.args.get("kind") or "").upper()
            ex.substatement = f"DROP_{'DATABASE' if kind in ('DATABASE', 'SCHEMA') else kind}"
            return self._drop(stmt, db, account, region)
        if isinstance(stmt, exp.Describe):
            ex.statement_type, ex.substatement = "UTILITY", "DESCRIBE_TABLE"
            table = self._table_of(stmt.this, db, account, region, sql)
            ex.columns = [column_info("col_name", "varchar", 2147483647, 0)]
            ex.rows, ex.header = table.describe_rows(), False
            return None
        if isinstance(stmt, exp.Query):
            ex.statement_type, ex.substatement = "DML", "SELECT"
            return self._select(ex, stmt, sql, db, account, region)
        if ex.statement_type == "DML":
            ex.substatement = keyword or "UNKNOWN"
        raise QueryFailed(f"NOT_SUPPORTED: {keyword or 'this statement'} is not supported by the emulator")

    # ---- DDL ---------------------------------------------------------------------------------------

    def _dbs(self, account: str, region: str) -> set[str]:
        return self.databases.setdefault((account, region), {"default"})

    def _create_database(self, stmt: Any, account: str, region: str) -> None:
        name = stmt.this.name.lower()
        dbs = self._dbs(account, region)
        if name in dbs:
            if stmt.args.get("exists"):
                return
            raise QueryFailed(f"FAILED: AlreadyExistsException: Database {name} already exists")
        dbs.add(name)

    def _create_table(self, stmt: Any, sql: str, db: str, account: str, region: str) -> None:
        exp = _exp
        schema = stmt.this
        if not isinstance(schema, exp.Schema):
            raise QueryFailed("FAILED: ParseException: CREATE TABLE needs a column list")
        target = schema.this
        table = Table()
        table.name = target.name.lower()
        table.db = (target.db or db).lower()
        if target.catalog and target.catalog.lower() != DEFAULT_CATALOG:
            raise QueryFailed(f"CATALOG_NOT_FOUND: Catalog '{target.catalog}' does not exist")
        if table.db not in self._dbs(account, region):
            raise QueryFailed(f"FAILED: SemanticException [Error 10072]: Database does not exist: {table.db}")
        table.columns = [(c.this.name.lower(), spec_of(c.args["kind"])) for c in schema.expressions
                         if isinstance(c, exp.ColumnDef)]
        props = stmt.args.get("properties")
        location = None
        for prop in props.expressions if props else []:
            if isinstance(prop, exp.PartitionedByProperty):
                cols = prop.this.expressions if isinstance(prop.this, exp.Schema) else []
                table.partitions = [(c.this.name.lower(), spec_of(c.args["kind"])) for c in cols
                                    if isinstance(c, exp.ColumnDef)]
            elif isinstance(prop, exp.LocationProperty):
                location = prop.this.name
            elif isinstance(prop, exp.RowFormatSerdeProperty):
                table.serde = prop.this.name
            elif type(prop) is exp.Property:
                key = prop.this.name if isinstance(prop.this, exp.Literal) else prop.name
                value = prop.args.get("value")
                table.properties[str(key).lower()] = value.name if value is not None else ""
        if not table.columns:
            raise QueryFailed("FAILED: ParseException: a table needs at least one column")
        names = [n for n, _ in table.columns + table.partitions]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise QueryFailed(f"FAILED: SemanticException [Error 10036]: Duplicate column name: {sorted(dup)[0]}")
        if not location:
            raise QueryFailed("FAILED: SemanticException: an external table needs a LOCATION 's3://bucket/prefix/'")
        m = re.fullmatch(r"s3a?://([^/]+)/?(.*)", location.strip())
        if not m:
            raise QueryFailed(f"FAILED: SemanticException: LOCATION is not an S3 location: {location}")
        table.bucket, table.prefix = m.group(1), m.group(2)
        if table.serde and table.serde.lower() not in JSON_SERDES:
            raise QueryFailed(f"NOT_SUPPORTED: the emulator reads JSON tables only, not SERDE '{table.serde}'")
        table.ddl = sql
        table.setup()
        key = (account, region, table.db, table.name)
        if key in self.tables:
            if stmt.args.get("exists"):
                return
            raise QueryFailed(f"FAILED: AlreadyExistsException: Table {table.db}.{table.name} already exists")
        self.tables[key] = table

    def _drop(self, stmt: Any, db: str, account: str, region: str) -> None:
        kind = str(stmt.args.get("kind") or "").upper()
        exists = bool(stmt.args.get("exists"))
        if kind in ("DATABASE", "SCHEMA"):
            name = stmt.this.name.lower()
            dbs = self._dbs(account, region)
            if name not in dbs:
                if exists:
                    return
                raise QueryFailed(f"FAILED: SemanticException [Error 10072]: Database does not exist: {name}")
            owned = [k for k in self.tables if k[:3] == (account, region, name)]
            if owned and not stmt.args.get("cascade"):
                raise QueryFailed(f"FAILED: InvalidOperationException: Database {name} is not empty. One or more tables exist.")
            for k in owned:
                del self.tables[k]
            dbs.discard(name)
            return
        if kind != "TABLE":
            raise QueryFailed(f"NOT_SUPPORTED: DROP {kind} is not supported by the emulator")
        tables = stmt.args.get("tables") or [stmt.this]
        for target in tables:
            key = (account, region, (target.db or db).lower(), target.name.lower())
            if key not in self.tables:
                if exists:
                    continue
                raise QueryFailed(f"FAILED: SemanticException [Error 10001]: Table not found {key[2]}.{key[3]}")
            del self.tables[key]

    def _show(self, ex: Execution, sql: str, db: str, account: str, region: str) -> None:
        text = re.sub(r"\s+", " ", sql.strip().rstrip(";")).strip()
        m = re.fullmatch(r"(?i)SHOW (?:TABLES|VIEWS)(?: (?:IN|FROM) `?(\w+)`?)?(?: (?:LIKE )?'([^']*)')?", text)
        if m:
            ex.substatement = "SHOW_TABLES"
            target = (m.group(1) or db).lower()
            if target not in self._dbs(account, region):
                raise QueryFailed(f"FAILED: SemanticException [Error 10072]: Database does not exist: {target}")
            names = sorted(k[3] for k in self.tables if k[:3] == (account, region, target))
            if m.group(2):
                pattern = re.compile("^(?:" + "|".join(
                    re.escape(p).replace(r"\*", ".*") for p in m.group(2).split("|")) + ")$", re.I)
                names = [n for n in names if pattern.match(n)]
            ex.columns = [column_info("tab_name", "varchar", 2147483647, 0)]
            ex.rows, ex.header = [[n] for n in names], False
            return
        if re.fullmatch(r"(?i)SHOW (?:DATABASES|SCHEMAS)", text):
            ex.substatement = "SHOW_DATABASES"
            ex.columns = [column_info("database_name", "varchar", 2147483647, 0)]
            ex.rows, ex.header = [[n] for n in sorted(self._dbs(account, region))], False
            return
        raise QueryFailed(f"NOT_SUPPORTED: {text} is not supported by the emulator (SHOW TABLES, SHOW DATABASES)")

    def _table_of(self, node: Any, db: str, account: str, region: str, sql: str) -> Table:
        name = node.name.lower()
        dbname = (node.db or db).lower()
        catalog = (node.catalog or DEFAULT_CATALOG).lower()
        where = _pos(sql, _node_meta(node))
        if catalog != DEFAULT_CATALOG:
            raise QueryFailed(f"CATALOG_NOT_FOUND: {where}: Catalog '{catalog}' does not exist")
        if dbname not in self._dbs(account, region):
            raise QueryFailed(f"SCHEMA_NOT_FOUND: {where}: Schema '{dbname}' does not exist")
        table = self.tables.get((account, region, dbname, name))
        if table is None:
            raise QueryFailed(f"TABLE_NOT_FOUND: {where}: Table '{DEFAULT_CATALOG}.{dbname}.{name}' does not exist")
        return table

    # ---- SELECT ------------------------------------------------------------------------------------

    def _select(self, ex: Execution, stmt: Any, sql: str, db: str, account: str, region: str) -> None:
        exp = _exp
        try:
            ast = _sqlglot.parse_one(sql, read="trino")  # the query, as Trino reads it
        except _sqlglot.errors.ParseError as err:
            info = err.errors[0] if err.errors else {}
            raise QueryFailed(f"SYNTAX_ERROR: line {info.get('line', 1)}:{info.get('col', 1)}: "
                              f"{info.get('description') or err}") from None
        original = ast.copy()
        ctes = {c.alias_or_name.lower() for c in ast.find_all(exp.CTE)}
        occurrences: list[tuple[Any, Table]] = []
        for node in list(ast.find_all(exp.Table)):
            if not isinstance(node.this, exp.Identifier):
                continue  # table functions
            if not node.db and not node.catalog and node.name.lower() in ctes:
                continue
            occurrences.append((node, self._table_of(node, db, account, region, sql)))
        _check_types(ast, occurrences, sql)
        _check_alias_refs(ast, {id(n): t for n, t in occurrences}, sql)
        _row_unnests(ast, occurrences, sql)
        con = self._con()
        scanned = objects_n = 0
        partitions_seen: set[tuple[str, Table]] = set()
        views: list[str] = []
        temps: list[str] = []
        try:
            per_table: dict[int, tuple[Table, set[int], list[Any]]] = {}
            for node, table in occurrences:
                entry = per_table.setdefault(id(table), (table, set(), []))
                entry[2].append(node)
            plan: dict[int, tuple[str, list[tuple[int, tuple[str, ...], int]]]] = {}
            for tkey, (table, _, nodes) in per_table.items():
                candidates = self._candidates(table)
                chosen: dict[int, tuple[int, tuple[str, ...], int]] = {}
                for node in nodes:
                    for obj in self._prune(table, node, candidates, sql, temps):
                        chosen[obj[0]] = obj
                selected = sorted(chosen.values())
                self._load(table, selected)
                view = f"__athena_v{len(views)}_{uuid.uuid4().hex[:8]}"
                self._make_view(table, view, selected, temps)
                views.append(view)
                plan[tkey] = (view, selected)
                scanned += sum(size for _, _, size in selected)
                objects_n += len(selected)
                partitions_seen |= {(json.dumps(vals), table.full_name) for _, vals, _ in selected}
            ex.scanned, ex.objects, ex.partitions = scanned, objects_n, len(partitions_seen)
            names = _output_names(ast)
            for node, table in occurrences:
                view = plan[id(table)][0]
                alias = node.alias or table.name
                replacement = exp.Table(this=exp.to_identifier(view, quoted=True),
                                        alias=exp.TableAlias(this=exp.to_identifier(alias)))
                node.replace(replacement)
            ast = _rewrite(ast)
            _name_outputs(ast, names)
            duck_sql = ast.sql(dialect="duckdb")
            ex.duckdb_sql = duck_sql
            try:
                rel = con.sql(duck_sql)
                types, columns = rel.types, rel.columns
                data = rel.fetchall()
            except _duckdb.Error as err:
                raise QueryFailed(_map_error(err, original, sql)) from None
        finally:
            for view in views:
                try:
                    con.execute(f"DROP VIEW IF EXISTS {_q(view)}")
                except Exception:
                    pass
            for temp in temps:
                try:
                    con.execute(f"DROP TABLE IF EXISTS {_q(temp)}")
                except Exception:
                    pass
        renders = [renderer(t) for t in types]
        ex.columns = [column_info(n, r[0], r[2], r[3]) for n, r in zip(columns, renders)]
        fns = [r[1] for r in renders]
        ex.rows = [[None if v is None else f(v) for v, f in zip(row, fns)] for row in data]

    def _candidates(self, table: Table) -> list[tuple[int, tuple[str, ...], int, str]]:
        """Every object of the table in S3: (object id, partition values, compressed size, key)."""
        if table.partitions and not table.projection():
            return []  # partitions would come from ALTER TABLE ADD PARTITION / MSCK, which the emulator lacks
        backend = trail.bucket_backend(table.template_bucket or table.bucket)
        if backend is None:
            raise QueryFailed(
                f"HIVE_FILESYSTEM_ERROR: The specified bucket does not exist: {table.template_bucket or table.bucket}",
                category=2,
            )
        bucket = backend.get_bucket(table.template_bucket or table.bucket)
        pnames = [n for n, _ in table.partitions]
        out = []
        prefix = "" if table.regex is not None else table.prefix
        for key, obj in bucket.keys.items():
            if prefix and not key.startswith(prefix):
                continue
            if table.regex is not None:
                m = table.regex.match(key)
                if not m:
                    continue
                values = tuple(m.group(n) for n in pnames)
                if any(not check(values[i]) for i, n in enumerate(pnames)
                       for check in [table.checks.get(n)] if check is not None):
                    continue
            else:
                if "CloudTrail-Digest/" in key or key.endswith("/"):
                    continue
                values = ()
            if getattr(obj, "is_delete_marker", False) or not hasattr(obj, "etag"):
                continue
            ident = (bucket.name, key, obj.etag)
            oid = self.obj_ids.get(ident)
            if oid is None:
                oid = self.obj_ids[ident] = len(self.obj_ids) + 1
            out.append((oid, values, int(obj.size), key))
        return out

    def _prune(self, table: Table, node: Any, candidates: list[tuple[int, tuple[str, ...], int, str]],
               sql: str, temps: list[str]) -> list[tuple[int, tuple[str, ...], int]]:
        exp = _exp
        pnames = [n for n, _ in table.partitions]
        rows = [(oid, vals, size) for oid, vals, size, _ in candidates]
        if not pnames:
            return rows
        select = node.parent_select
        alias = (node.alias or node.name).lower()
        where = select.args.get("where") if select is not None else None
        from_ = select.args.get("from_") or select.args.get("from") if select is not None else None
        in_from = select is not None and from_ is not None and any(t is node for t in from_.find_all(exp.Table))
        joins = select.args.get("joins") or [] if select is not None else []
        in_join = any(j.this is node for j in joins)
        conjuncts: list[Any] = []
        if where is not None and (in_from or in_join):
            unqualified_ok = not any(not isinstance(j.this, exp.Unnest) for j in joins) or not joins
            for conj in _flatten_and(where.this):
                cols = list(conj.find_all(exp.Column))
                if not cols or conj.find(exp.Select, exp.AggFunc, exp.Window, exp.Placeholder) is not None:
                    continue
                ok = True
                for c in cols:
                    qual = c.table.lower() if c.table else ""
                    if c.name.lower() not in pnames or (qual and qual != alias) or (not qual and not unqualified_ok):
                        ok = False
                        break
                if ok:
                    conjuncts.append(conj)
        for col in table.injected:
            if not any(_static_equality(c, col) for c in conjuncts):
                raise QueryFailed(
                    f"CONSTRAINT_VIOLATION: For the injected projected partition column {col}, the WHERE clause "
                    "must contain only static equality conditions, and at least one such condition must be present."
                )
        if not conjuncts or not rows:
            return rows
        con = self._con()
        temp = f"__athena_p_{uuid.uuid4().hex[:8]}"
        temps.append(temp)
        path = os.path.join(self.tmpdir, temp + ".ndjson")
        with open(path, "w", encoding="utf-8") as f:
            for oid, vals, _ in rows:
                f.write(json.dumps({"__obj": oid, **dict(zip(pnames, vals))}) + "\n")
        cols = {"__obj": "INTEGER", **{n: "VARCHAR" for n in pnames}}
        con.execute(f"CREATE TEMP TABLE {_q(temp)} AS SELECT * FROM read_json({_lit(path)}, "
                    f"format='newline_delimited', columns={_struct_lit(cols)})")
        os.unlink(path)
        casts = ", ".join(
            f"CAST({_q(n)} AS {s.duck}) AS {_q(n)}" if s.duck != "VARCHAR" else _q(n) for n, s in table.partitions
        )
        keep = None
        for conj in conjuncts:
            pred = conj.copy()
            for c in pred.find_all(exp.Column):
                c.set("table", None)
                c.set("db", None)
                c.set("catalog", None)
            pred = _rewrite(pred)
            try:
                hits = {r[0] for r in self._con().execute(
                    f"SELECT __obj FROM (SELECT __obj, {casts} FROM {_q(temp)}) WHERE {pred.sql(dialect='duckdb')}"
                ).fetchall()}
            except _duckdb.Error:
                continue  # the query itself will fail (or not) on it
            keep = hits if keep is None else keep & hits
        if keep is None:
            return rows
        return [r for r in rows if r[0] in keep]

    def _store(self, table: Table) -> tuple[str, set[int], list[tuple[str, Spec]]]:
        store = self.stores.get(table.schema_key)
        if store is None:
            name = f"__athena_store_{table.schema_key}"
            cols = ", ".join(f"{_q(n)} {s.duck}" for n, s in table.columns)
            self._con().execute(f"CREATE TABLE {_q(name)} (__obj INTEGER, {cols})")
            store = self.stores[table.schema_key] = (name, set(), list(table.columns))
        return store

    def _load(self, table: Table, selected: list[tuple[int, tuple[str, ...], int]]) -> None:
        """Parses the objects not yet in the table's store (cached by bucket, key and ETag)."""
        name, loaded, columns = self._store(table)
        missing = {oid for oid, _, _ in selected if oid not in loaded}
        if not missing:
            return
        keys = {oid: ident for ident, oid in self.obj_ids.items() if oid in missing}
        backend = trail.bucket_backend(table.template_bucket or table.bucket)
        norm = normalizer(columns)
        path = os.path.join(self.tmpdir, f"load-{uuid.uuid4().hex[:8]}.ndjson")
        dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
        with open(path, "w", encoding="utf-8") as out:
            for oid in sorted(missing):
                bucket_name, key, _ = keys[oid]
                obj = backend.get_object(bucket_name, key)
                lines = []
                for record in _records(obj.value, bucket_name, key):
                    row = norm(record)
                    if row is None:
                        continue
                    row["__obj"] = oid
                    lines.append(dumps(row))
                if lines:
                    out.write("\n".join(lines))
                    out.write("\n")
        types = {"__obj": "INTEGER", **{n: s.duck for n, s in columns}}
        try:
            self._con().execute(
                f"INSERT INTO {_q(name)} SELECT * FROM read_json({_lit(path)}, format='newline_delimited', "
                f"columns={_struct_lit(types)}, maximum_object_size=134217728)"
            )
        finally:
            os.unlink(path)
        loaded |= missing

    def _make_view(self, table: Table, view: str, selected: list[tuple[int, tuple[str, ...], int]],
                   temps: list[str]) -> None:
        con = self._con()
        store = self._store(table)[0]
        cols = ", ".join(f"s.{_q(n)}" for n, _ in table.columns)
        if not table.partitions:
            ids = ", ".join(str(oid) for oid, _, _ in selected) or "NULL"
            con.execute(f"CREATE TEMP VIEW {_q(view)} AS SELECT {cols} FROM {_q(store)} s WHERE s.__obj IN ({ids})")
            return
        sel = f"__athena_s_{uuid.uuid4().hex[:8]}"
        temps.append(sel)
        pcols = {"__obj": "INTEGER", **{n: "VARCHAR" for n, _ in table.partitions}}
        path = os.path.join(self.tmpdir, sel + ".ndjson")
        pnames = [n for n, _ in table.partitions]
        with open(path, "w", encoding="utf-8") as f:
            for oid, vals, _ in selected:
                f.write(json.dumps({"__obj": oid, **dict(zip(pnames, vals))}) + "\n")
        con.execute(f"CREATE TEMP TABLE {_q(sel)} AS SELECT * FROM read_json({_lit(path)}, "
                    f"format='newline_delimited', columns={_struct_lit(pcols)})")
        os.unlink(path)
        parts = ", ".join(
            f"CAST(p.{_q(n)} AS {s.duck}) AS {_q(n)}" if s.duck != "VARCHAR" else f"p.{_q(n)}"
            for n, s in table.partitions
        )
        con.execute(f"CREATE TEMP VIEW {_q(view)} AS SELECT {cols}, {parts} FROM {_q(store)} s "
                    f"JOIN {_q(sel)} p ON s.__obj = p.__obj")

    # ---- results in S3 ----------------------------------------------------------------------------

    def _write_output(self, ex: Execution) -> None:
        m = re.fullmatch(r"s3://([^/]+)/(.*)", ex.output)
        assert m
        bucket, key = m.group(1), m.group(2)
        if trail.bucket_backend(bucket) is None:
            raise QueryFailed(f"Unable to verify/create output bucket {bucket}", )
        if ex.statement_type == "DML":
            # Athena leaves NULL fields empty and unquoted
            text = "\n".join(
                ",".join("" if v is None else '"' + v.replace('"', '""') + '"' for v in row) for row in
                ([[c["Name"] for c in ex.columns]] if ex.columns else []) + ex.rows
            ) + "\n"
            data = text.encode()
            trail.put(bucket, key, data, "text/csv")
            meta = json.dumps({"columns": ex.columns}).encode()
            trail.put(bucket, key + ".metadata", meta, "application/octet-stream")
        else:
            text = "".join("\t".join(v or "" for v in row) + "\n" for row in ex.rows)
            trail.put(bucket, key, text.encode(), "text/plain")

    # ---- admin ------------------------------------------------------------------------------------

    def queries(self) -> list[dict[str, Any]]:
        with self.lock:
            return [e.admin() for e in self.executions.values()]

    def describe_tables(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {
                    "account": k[0], "region": k[1], "database": t.db, "name": t.name,
                    "columns": [[n, s.hive] for n, s in t.columns],
                    "partitions": [[n, s.hive] for n, s in t.partitions],
                    "location": f"s3://{t.bucket}/{t.prefix}",
                    "properties": t.properties,
                }
                for k, t in self.tables.items()
            ]


# ---- helpers ------------------------------------------------------------------------------------


def _workgroup_config(account: str, region: str, name: str) -> dict[str, Any] | None:
    try:
        from moto.athena.models import athena_backends

        groups = athena_backends[account][region].work_groups
    except Exception:
        return None
    wg = groups.get(name)
    if wg is None:
        raise ApiError("InvalidRequestException", f"WorkGroup {name} is not found.")
    if getattr(wg, "state", "ENABLED") == "DISABLED":
        raise ApiError("InvalidRequestException", f"WorkGroup {name} is disabled.")
    return getattr(wg, "configuration", None) or {}


def _encode_token(offset: int, scope: str) -> str:
    raw = json.dumps({"o": offset, "q": hashlib.sha1(scope.encode()).hexdigest()[:12]})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_token(token: Any, scope: str) -> int:
    if token is None:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        if data["q"] != hashlib.sha1(scope.encode()).hexdigest()[:12]:
            raise ValueError
        return int(data["o"])
    except Exception:
        raise ApiError("InvalidRequestException", "Invalid NextToken.") from None


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _struct_lit(cols: dict[str, str]) -> str:
    return "{" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in cols.items()) + "}"


def _records(data: bytes, bucket: str, key: str) -> list[Any]:
    """The records of an object: CloudTrail's {"Records": [...]} or JSON lines; gzip or not."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = zlib.decompress(data, 47)
        except zlib.error as err:
            raise QueryFailed(f"HIVE_CURSOR_ERROR: Not a valid gzip file: s3://{bucket}/{key} ({err})") from None
    text = data.decode("utf-8", "replace")
    stripped = text.strip()
    if not stripped:
        return []
    try:
        doc = json.loads(stripped)
        if isinstance(doc, dict) and isinstance(doc.get("Records"), list):
            return doc["Records"]
        return [doc]
    except ValueError:
        pass
    out = []
    for n, line in enumerate(stripped.splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                raise QueryFailed(
                    f"HIVE_BAD_DATA: Error parsing field value in s3://{bucket}/{key} line {n}: not JSON"
                ) from None
    return out


def _substitute(sql: str, params: list[str] | None, keyword: str) -> str:
    """Athena's ExecutionParameters: each `?` (outside strings and comments) becomes the literal text."""
    _libs()
    from sqlglot.tokens import TokenType

    try:
        tokens = _sqlglot.Dialect.get_or_raise("trino").tokenize(sql)
    except Exception:
        tokens = []
    marks = [t for t in tokens if t.token_type == TokenType.PLACEHOLDER and t.text == "?"]
    given = len(params or [])
    if not marks and not given:
        return sql
    if len(marks) != given:
        raise QueryFailed(
            f"INVALID_INPUT: Incorrect number of parameters: expected {len(marks)} but found {given}"
            if keyword in ("SELECT", "WITH", "VALUES", "INSERT", "UNLOAD", "TABLE", "")
            else "INVALID_INPUT: Execution parameters are supported only for SELECT, INSERT INTO, CTAS and UNLOAD"
        )
    out, pos = [], 0
    for mark, value in zip(marks, params or []):
        out.append(sql[pos : mark.start])
        out.append(value)
        pos = mark.end + 1
    out.append(sql[pos:])
    return "".join(out)


def _flatten_and(node: Any) -> list[Any]:
    exp = _exp
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.And):
        return _flatten_and(node.left) + _flatten_and(node.right)
    return [node]


def _static_equality(node: Any, col: str) -> bool:
    """col = literal, literal = col, col IN (literals), or an OR of those."""
    exp = _exp
    while isinstance(node, exp.Paren):
        node = node.this

    def is_col(n: Any) -> bool:
        return isinstance(n, exp.Column) and n.name.lower() == col

    def is_const(n: Any) -> bool:
        return n is not None and not list(n.find_all(exp.Column))

    if isinstance(node, exp.EQ):
        return (is_col(node.left) and is_const(node.right)) or (is_col(node.right) and is_const(node.left))
    if isinstance(node, exp.In):
        return is_col(node.this) and all(is_const(e) for e in node.expressions) and bool(node.expressions)
    if isinstance(node, exp.Or):
        return _static_equality(node.left, col) and _static_equality(node.right, col)
    return False


def _result_select(ast: Any) -> Any:
    """The SELECT whose columns name a query's result (a set operation's left side,
    through subqueries), or None."""
    exp = _exp
    node = ast
    while isinstance(node, exp.SetOperation):
        node = node.left
    while isinstance(node, exp.Subquery):
        node = node.this
    return node if isinstance(node, exp.Select) else None


def _output_names(ast: Any) -> list[str | None]:
    """Trino's names of the result columns: alias, column or field name, else _colN."""
    exp = _exp
    node = _result_select(ast)
    if node is None:
        return []
    names: list[str | None] = []
    for i, e in enumerate(node.expressions):
        if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)):
            names.append(None)
        elif isinstance(e, exp.Alias):
            ident = e.args.get("alias")
            names.append(ident.name if getattr(ident, "quoted", False) else e.alias.lower())
        elif isinstance(e, (exp.Column, exp.Dot)):
            names.append(e.name.lower())
        else:
            names.append(f"_col{i}")
    return names


def _name_outputs(ast: Any, names: list[str | None]) -> None:
    exp = _exp
    node = _result_select(ast)
    if node is None or len(node.expressions) != len(names):
        return
    out = []
    for e, name in zip(node.expressions, names):
        if name is None:
            out.append(e)
            continue
        inner = e.this if isinstance(e, exp.Alias) else e
        out.append(exp.alias_(inner, name, quoted=True))
    node.set("expressions", out)


def _rewrite(ast: Any) -> Any:
    """Trino semantics sqlglot's DuckDB output lacks (see README, "Athena: SQL")."""
    exp = _exp

    def fix(node: Any) -> Any:
        if isinstance(node, exp.JSONExtractScalar):
            # Trino: NULL for objects and arrays (DuckDB's ->> returns their JSON text)
            return exp.Anonymous(this="__athena_json_extract_scalar", expressions=[node.this, node.expression])
        if isinstance(node, exp.ParseDatetime):
            fmt = node.args.get("format")
            if isinstance(fmt, exp.Literal):
                call = exp.Anonymous(this="strptime", expressions=[
                    node.this, exp.Literal.string(joda_to_strftime(fmt.name))])
                return exp.Cast(this=call, to=exp.DataType.build("TIMESTAMPTZ"))
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "format_datetime":
            args = node.expressions
            if len(args) == 2 and isinstance(args[1], exp.Literal):
                return exp.Anonymous(this="strftime", expressions=[args[0], exp.Literal.string(joda_to_strftime(args[1].name))])
        if isinstance(node, exp.RegexpExtract):
            # Trino: NULL when the pattern does not match (DuckDB: '')
            test = exp.Anonymous(this="regexp_matches", expressions=[node.this.copy(), node.expression.copy()])
            return exp.Case(ifs=[exp.If(this=test, true=node.copy())])
        if isinstance(node, exp.RegexpReplace):
            repl = node.args.get("replacement")
            if isinstance(repl, exp.Literal) and repl.is_string:
                node = node.copy()
                node.set("replacement", exp.Literal.string(_java_replacement(repl.name)))
                return node
        if isinstance(node, exp.ArrayDistinct):
            # Trino keeps the first occurrences in order (DuckDB's list_distinct does not)
            return exp.Anonymous(this="__athena_array_distinct", expressions=[node.this.copy()])
        if isinstance(node, exp.DateDiff):
            # Trino counts whole units between the two (DuckDB's date_diff counts boundaries crossed)
            unit = node.args.get("unit")
            unit_name = unit.name.lower() if unit is not None else "day"
            return exp.Anonymous(this="date_sub", expressions=[
                exp.Literal.string(unit_name), node.expression.copy(), node.this.copy()])
        if (isinstance(node, exp.Cast) and not isinstance(node, exp.TryCast) and not node.args.get("safe")
                and node.to.is_type("date")) or isinstance(node, exp.Date) and len(node.expressions) == 0:
            # Trino casts only 'YYYY-MM-DD' text to a date (DuckDB also takes '2026/11/20')
            return exp.Anonymous(this="__athena_to_date", expressions=[node.this.copy()])
        if (isinstance(node, exp.Cast) and not isinstance(node, exp.TryCast) and not node.args.get("safe")
                and node.to.is_type("varchar", "text")) and not node.to.expressions:
            return exp.Anonymous(this="__athena_to_varchar", expressions=[node.this.copy()])
        if isinstance(node, exp.Anonymous) and str(node.this).lower() in MATCHES and len(node.expressions) == 2:
            # Trino's any_match / all_match / none_match, with their NULL rules
            arr, lam = (e.sql(dialect="duckdb") for e in node.expressions)
            v = f"list_transform({arr}, {lam})"
            has = lambda test: f"len(list_filter({v}, LAMBDA __y : {test})) > 0"  # noqa: E731
            decided, verdict = MATCHES[str(node.this).lower()]
            text = (f"CASE WHEN ({arr}) IS NULL THEN NULL WHEN {has(decided)} THEN {verdict} "
                    f"WHEN {has('__y IS NULL')} THEN NULL ELSE NOT {verdict} END")
            return _sqlglot.parse_one(f"SELECT {text}", read="duckdb").expressions[0]
        if isinstance(node, exp.Unnest):
            alias = node.args.get("alias")
            cols = alias.columns if alias is not None else []
            rows = len(cols) > 1 or node.meta.get("athena_rows")
            if rows and cols and len(node.expressions) == 1 and not node.args.get("offset"):
                # Trino expands an array of rows into one column per field.
                arg = node.expressions[0].sql(dialect="duckdb")
                names = ", ".join(_q(c.name) for c in cols)
                lateral = _sqlglot.parse_one(
                    f"SELECT 1 FROM __x CROSS JOIN LATERAL (SELECT UNNEST(__u) FROM (SELECT UNNEST({arg}) AS __u)) "
                    f"AS {_q(alias.name)}({names})",
                    read="duckdb",
                )
                return lateral.args["joins"][0].this
        return node

    # Bottom-up, so a rewritten node's arguments are rewritten already.
    root = ast
    for node in reversed(list(ast.dfs())):
        new = fix(node)
        if new is not node:
            if node is root:
                root = new
            else:
                node.replace(new)
    return root


def _java_replacement(text: str) -> str:
    """Trino's (Java's) regexp_replace replacement ($1, \\$) in RE2's syntax (\\1, $)."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\\\\" if nxt == "\\" else nxt)
            i += 2
        elif c == "$" and i + 1 < len(text) and text[i + 1].isdigit():
            j = i + 1
            while j < len(text) and text[j].isdigit():
                j += 1
            out.append("\\" + text[i + 1 : j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _row_unnests(ast: Any, occurrences: list[tuple[Any, Table]], sql: str) -> None:
    """UNNEST of a table's ARRAY<STRUCT<...>> column: Trino gives one column per field (named by
    the alias list, else by the fields); the alias list must name them all."""
    exp = _exp
    arrays: dict[str, list[str]] = {}
    for _, table in occurrences:
        for name, spec in table.columns:
            if spec.kind == "array" and spec.children[0][1].kind == "struct":
                arrays[name] = [f for f, _ in spec.children[0][1].children]
    if not arrays:
        return
    for n, node in enumerate(ast.find_all(exp.Unnest)):
        if len(node.expressions) != 1 or node.args.get("offset"):
            continue
        arg = node.expressions[0]
        if not isinstance(arg, exp.Column) or arg.name.lower() not in arrays:
            continue
        fields = arrays[arg.name.lower()]
        alias = node.args.get("alias")
        cols = alias.columns if alias is not None else []
        name = alias.name if alias is not None and alias.name else f"__unnest{n}"
        if cols and len(cols) != len(fields):
            raise QueryFailed(
                f"MISMATCHED_COLUMN_ALIASES: {_pos(sql, _node_meta(alias) or _node_meta(node))}: Column alias list has "
                f"{len(cols)} entries but '{name}' has {len(fields)} columns available"
            )
        if not cols:
            node.set("alias", exp.TableAlias(this=exp.to_identifier(name),
                                             columns=[exp.to_identifier(f) for f in fields]))
        node.meta["athena_rows"] = True


def _check_types(ast: Any, occurrences: list[tuple[Any, Table]], sql: str) -> None:
    """Trino refuses to compare a varchar column with a number (DuckDB would cast and match)."""
    exp = _exp
    varchar: set[str] = set()
    for _, table in occurrences:
        varchar |= {n for n, s in table.columns + table.partitions if s.duck == "VARCHAR"}
    if not varchar:
        return

    def is_varchar_col(n: Any) -> bool:
        return isinstance(n, exp.Column) and n.name.lower() in varchar and not isinstance(n.parent, exp.Dot)

    def num(n: Any) -> str | None:
        if isinstance(n, exp.Neg):
            n = n.this
        if isinstance(n, exp.Literal) and not n.is_string:
            text = n.name
            if re.fullmatch(r"\d+", text):
                return "integer" if int(text) < 2**31 else "bigint"
            return "decimal" if "." in text and "e" not in text.lower() else "double"
        return None

    ops = {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
    for node in ast.find_all(*ops, exp.In, exp.Between):
        if isinstance(node, exp.In):
            if is_varchar_col(node.this):
                for e in node.expressions:
                    if num(e):
                        raise QueryFailed(
                            f"TYPE_MISMATCH: {_pos(sql, _node_meta(node.this))}: IN value and list items must be the "
                            f"same type: varchar"
                        )
            continue
        if isinstance(node, exp.Between):
            if is_varchar_col(node.this):
                for e in (node.args.get("low"), node.args.get("high")):
                    kind = num(e)
                    if kind:
                        raise QueryFailed(
                            f"TYPE_MISMATCH: {_pos(sql, _node_meta(node.this))}: Cannot check if varchar is BETWEEN "
                            f"varchar and {kind}"
                        )
            continue
        left, right = node.left, node.right
        for a, b, flip in ((left, right, False), (right, left, True)):
            kind = num(b)
            if is_varchar_col(a) and kind:
                types = (kind, "varchar") if flip else ("varchar", kind)
                raise QueryFailed(
                    f"TYPE_MISMATCH: {_pos(sql, _node_meta(node))}: Cannot apply operator: "
                    f"{types[0]} {ops[type(node)]} {types[1]}"
                )


def _source_columns(select: Any, tables: dict[int, Table], ctes: dict[str, Any]) -> set[str] | None:
    """Column names a SELECT's FROM provides, or None when not known for sure."""
    exp = _exp
    sources = []
    from_ = select.args.get("from_")
    if from_ is not None:
        sources.append(from_.this)
    sources += [j.this for j in select.args.get("joins") or []]
    cols: set[str] = set()
    for src in sources:
        alias = src.args.get("alias")
        alias_cols = {c.name.lower() for c in alias.columns} if isinstance(alias, exp.TableAlias) else set()
        if isinstance(src, exp.Table) and id(src) in tables:
            t = tables[id(src)]
            cols |= {n for n, _ in t.columns + t.partitions}
        elif isinstance(src, exp.Table) and src.name.lower() in ctes:
            names = _output_names(ctes[src.name.lower()].this)
            if alias_cols:
                cols |= alias_cols
            elif not names or None in names:
                return None
            else:
                cols |= set(n.lower() for n in names if n)
        elif isinstance(src, exp.Subquery):
            names = _output_names(src.this)
            if alias_cols:
                cols |= alias_cols
            elif not names or None in names:
                return None
            else:
                cols |= set(n.lower() for n in names if n)
        elif isinstance(src, exp.Unnest) and alias_cols:
            cols |= alias_cols
        else:
            return None
    return cols


def _check_alias_refs(ast: Any, tables: dict[int, Table], sql: str) -> None:
    """Trino resolves WHERE, GROUP BY and HAVING against the FROM clause only; DuckDB would also
    accept a SELECT alias there (a query Athena refuses would answer)."""
    exp = _exp
    ctes = {c.alias_or_name.lower(): c for c in ast.find_all(exp.CTE)}
    for select in ast.find_all(exp.Select):
        aliases = {e.alias.lower() for e in select.expressions if isinstance(e, exp.Alias)}
        if not aliases:
            continue
        refs = []
        for clause in ("where", "group", "having"):
            node = select.args.get(clause)
            if node is not None:
                refs += [c for c in node.find_all(exp.Column)
                         if not c.table and c.name.lower() in aliases and c.parent_select is select]
        if not refs:
            continue
        known = _source_columns(select, tables, ctes)
        if known is None:
            continue
        for col in refs:
            if col.name.lower() not in known:
                raise QueryFailed(
                    f"COLUMN_NOT_FOUND: {_pos(sql, _node_meta(col))}: Column '{col.name.lower()}' cannot be "
                    "resolved or requester is not authorized to access requested resources"
                )


def _text_meta(sql: str, fn: str) -> dict[str, Any] | None:
    m = re.search(rf"(?i)\b{re.escape(fn)}\s*\(", sql)
    return {"start": m.start()} if m else None


def _map_error(err: Exception, original: Any, sql: str) -> str:
    """A DuckDB error as Athena would word the failure."""
    exp = _exp
    text = str(err)
    first = text.split("\n", 1)[0]
    m = (re.search(r'Referenced column "([^"]+)" not found', text)
         or re.search(r'Referenced table "([^"]+)" not found', text)
         or re.search(r'Column "([^"]+)" referenced that exists in the SELECT clause', text))
    if m:
        name = m.group(1).lower()
        for c in original.find_all(exp.Column):
            if c.name.lower() == name or (c.table and c.table.lower() == name):
                label = ".".join(p for p in (c.table, c.name) if p).lower()
                return (f"COLUMN_NOT_FOUND: {_pos(sql, _node_meta(c))}: Column '{label}' cannot be resolved "
                        "or requester is not authorized to access requested resources")
        return (f"COLUMN_NOT_FOUND: line 1:1: Column '{name}' cannot be resolved or requester is not authorized "
                "to access requested resources")
    m = re.search(r'Could not find key "([^"]+)" in struct', text)
    if m:
        key = m.group(1).lower()
        for node in original.find_all(exp.Dot, exp.Column):
            if node.name.lower() == key:
                label = node.sql(dialect="trino").lower()
                return (f"COLUMN_NOT_FOUND: {_pos(sql, _node_meta(node))}: Column '{label}' cannot be resolved "
                        "or requester is not authorized to access requested resources")
        return f"COLUMN_NOT_FOUND: line 1:1: Column '{key}' cannot be resolved"
    m = re.search(r"(?:Scalar|Aggregate|Table) Function with name (\w+) does not exist", text)
    if m:
        fn = m.group(1).lower()
        for node in original.find_all(exp.Func):
            if (node.sql_name().lower() == fn) or (isinstance(node, exp.Anonymous) and str(node.this).lower() == fn):
                return f"FUNCTION_NOT_FOUND: {_pos(sql, node.meta or _text_meta(sql, fn))}: Function '{fn}' not registered"
        return f"FUNCTION_NOT_FOUND: {_pos(sql, _text_meta(sql, fn))}: Function '{fn}' not registered"
    m = re.search(r"No function matches the given name and argument types '(\w+)\(([^']*)\)'", text)
    if m:
        return f"FUNCTION_NOT_FOUND: line 1:1: Unexpected parameters ({m.group(2).lower()}) for function {m.group(1)}"
    m = re.search(r'column "([^"]+)" must appear in the GROUP BY clause', text)
    if m:
        return (f"EXPRESSION_NOT_AGGREGATE: line 1:1: '{m.group(1)}' must be an aggregate expression or appear in "
                "GROUP BY clause")
    m = re.search(r"(INVALID_CAST_ARGUMENT: .*)", first)
    if m:
        return m.group(1)
    if isinstance(err, _duckdb.ConversionException) or first.startswith("Conversion Error"):
        return f"INVALID_CAST_ARGUMENT: {first.split(': ', 1)[-1]}"
    if isinstance(err, _duckdb.ParserException):
        return f"SYNTAX_ERROR: line 1:1: {first.split(': ', 1)[-1]}"
    if isinstance(err, _duckdb.BinderException):
        return f"SYNTAX_ERROR: line 1:1: {first.split(': ', 1)[-1]}"
    if isinstance(err, _duckdb.InvalidInputException) and "JSON" in text:
        return f"INVALID_FUNCTION_ARGUMENT: {first.split(': ', 1)[-1]}"
    return f"GENERIC_INTERNAL_ERROR: {first}"


# Trino's array predicates: (element result that decides, the answer it decides)
MATCHES = {
    "any_match": ("__y", "true"),
    "all_match": ("NOT __y", "false"),
    "none_match": ("__y", "false"),
}

MACROS = [
    # CAST(x AS DATE): Trino takes 'YYYY-MM-DD' text only.
    "CREATE MACRO __athena_to_date(x) AS CASE "
    "WHEN typeof(x) = 'VARCHAR' AND NOT regexp_full_match(trim(CAST(x AS VARCHAR)), '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}') "
    "THEN error('INVALID_CAST_ARGUMENT: Value cannot be cast to date: ' || CAST(x AS VARCHAR)) "
    "ELSE CAST(x AS DATE) END",
    # CAST(x AS VARCHAR) of timestamps as Trino writes them.
    # (every branch must bind for any type: hence the detour through VARCHAR)
    "CREATE MACRO __athena_to_varchar(x) AS CASE typeof(x) "
    "WHEN 'TIMESTAMP WITH TIME ZONE' THEN "
    "strftime(TRY_CAST(CAST(x AS VARCHAR) AS TIMESTAMPTZ), '%Y-%m-%d %H:%M:%S.%g UTC') "
    "WHEN 'TIMESTAMP' THEN strftime(TRY_CAST(CAST(x AS VARCHAR) AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%g') "
    "ELSE CAST(x AS VARCHAR) END",
    # Trino's json_extract_scalar: the scalar's text, NULL for objects, arrays, invalid JSON.
    "CREATE MACRO __athena_json_extract_scalar(j, p) AS "
    "CASE WHEN j IS NULL OR NOT json_valid(j) THEN NULL "
    "WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') THEN NULL "
    "ELSE json_extract_string(j, p) END",
    # Trino's to_iso8601 (UTC session).
    "CREATE MACRO to_iso8601(x) AS CASE typeof(x) "
    "WHEN 'DATE' THEN strftime(x, '%Y-%m-%d') "
    "WHEN 'TIMESTAMP WITH TIME ZONE' THEN strftime(x, '%Y-%m-%dT%H:%M:%S.%gZ') "
    "ELSE strftime(x, '%Y-%m-%dT%H:%M:%S.%g') END",
    # Trino's json_size: elements of an array, keys of an object, 0 for a scalar, NULL if absent.
    "CREATE MACRO json_size(j, p) AS CASE WHEN j IS NULL OR NOT json_valid(j) THEN NULL "
    "WHEN json_type(j, p) = 'ARRAY' THEN json_array_length(j, p) "
    "WHEN json_type(j, p) = 'OBJECT' THEN len(json_keys(j, p)) "
    "WHEN json_type(j, p) IS NULL THEN NULL ELSE 0 END",
    # Trino's array_distinct: first occurrences, in order.
    "CREATE MACRO __athena_array_distinct(l) AS list_filter(l, LAMBDA x, i : list_position(l, x) = i)",
    # Trino's json_array_contains(json, value).
    "CREATE MACRO json_array_contains(j, v) AS "
    "CASE WHEN j IS NULL OR NOT json_valid(j) OR json_type(j) <> 'ARRAY' THEN NULL "
    "ELSE list_contains(CAST(json(j) AS JSON[]), to_json(v)) END",
]
