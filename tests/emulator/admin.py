"""The admin API under /_strongroom/ (JSON in, JSON out). See README.md."""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

import orgs
import trail
import patches
import regions
import replicas
import roles


def handle(emu: Any, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    name = environ.get("PATH_INFO", "")[len("/_strongroom/") :].strip("/")
    query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        body = json.loads(raw) if raw.strip() else {}
        handler = ROUTES.get((method, name))
        if handler is None:
            status, payload = 404, {"error": f"no admin route {method} /_strongroom/{name}"}
        else:
            status, payload = 200, handler(emu, body, query)
    except (ValueError, KeyError, TypeError) as exc:
        status, payload = 400, {"error": f"{type(exc).__name__}: {exc}"}
    data = json.dumps(payload).encode()
    start_response(
        f"{status} {'OK' if status == 200 else 'Error'}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true", "yes")


def health(emu: Any, body: Any, query: dict[str, str]) -> Any:
    return {"ok": True}


def get_calls(emu: Any, body: Any, query: dict[str, str]) -> Any:
    with emu.state.lock:
        return list(emu.state.calls)


def clear_calls(emu: Any, body: Any, query: dict[str, str]) -> Any:
    with emu.state.lock:
        emu.state.calls.clear()
    return {"ok": True}


def set_fault(emu: Any, body: Any, query: dict[str, str]) -> Any:
    rules = body if isinstance(body, list) else [body]
    return {"ok": True, "faults": [emu.state.set_fault(rule) for rule in rules]}


def get_faults(emu: Any, body: Any, query: dict[str, str]) -> Any:
    with emu.state.lock:
        return list(emu.state.faults.values())


def clear_faults(emu: Any, body: Any, query: dict[str, str]) -> Any:
    with emu.state.lock:
        emu.state.faults.clear()
    return {"ok": True}


def load_events(emu: Any, body: Any, query: dict[str, str]) -> Any:
    records = body.get("Records") if isinstance(body, dict) else body
    shift = _truthy(query.get("shift_to_now")) or (isinstance(body, dict) and _truthy(body.get("shift_to_now")))
    return emu.store.load(records, shift_to_now=shift)


def clear_events(emu: Any, body: Any, query: dict[str, str]) -> Any:
    emu.store.clear()
    return {"ok": True}


def set_identities(emu: Any, body: Any, query: dict[str, str]) -> Any:
    if not isinstance(body, dict):
        raise ValueError("expected an object of access key id -> identity")
    emu.state.set_identities(body)
    return {"ok": True, "count": len(body)}


def set_config(emu: Any, body: Any, query: dict[str, str]) -> Any:
    if not isinstance(body, dict):
        raise ValueError("expected an object")
    unknown = set(body) - {"lookup_events_tps", "athena_running_polls"}
    if unknown:
        raise ValueError(f"unknown config keys: {sorted(unknown)}")
    with emu.state.lock:
        emu.state.config.update(body)
        return dict(emu.state.config)


def get_config(emu: Any, body: Any, query: dict[str, str]) -> Any:
    with emu.state.lock:
        return dict(emu.state.config)


def seed(emu: Any, body: Any, query: dict[str, str]) -> Any:
    started = time.monotonic()
    arns = patches.seed(
        str(body.get("account") or "123456789012"), body.get("region") or "us-east-1", body["secrets"]
    )
    return {"created": len(arns), "arns": arns, "seconds": round(time.monotonic() - started, 3)}


def set_replica(emu: Any, body: Any, query: dict[str, str]) -> Any:
    if not isinstance(body, dict):
        raise ValueError("expected an object")
    return replicas.set_replica(body)


def set_org(emu: Any, body: Any, query: dict[str, str]) -> Any:
    return orgs.set_org(body)


def get_org(emu: Any, body: Any, query: dict[str, str]) -> Any:
    return orgs.describe_org()


def delete_org(emu: Any, body: Any, query: dict[str, str]) -> Any:
    orgs.clear_org()
    return {"ok": True}


def set_roles(emu: Any, body: Any, query: dict[str, str]) -> Any:
    return roles.set_roles(emu.state, body)


def get_roles(emu: Any, body: Any, query: dict[str, str]) -> Any:
    return roles.get_roles(emu.state)


def clear_roles(emu: Any, body: Any, query: dict[str, str]) -> Any:
    roles.clear_roles(emu.state)
    return {"ok": True}


def set_regions(emu: Any, body: Any, query: dict[str, str]) -> Any:
    return regions.set_regions(emu.state, body)


def get_regions(emu: Any, body: Any, query: dict[str, str]) -> Any:
    account = query.get("account") or (body.get("account") if isinstance(body, dict) else None)
    if not account:
        raise ValueError("give ?account=ACCOUNT_ID")
    return {"account": str(account), "regions": regions.regions_of(emu.state, str(account))}


def clear_regions(emu: Any, body: Any, query: dict[str, str]) -> Any:
    regions.clear_regions(emu.state, query.get("account") or (body.get("account") if isinstance(body, dict) else None))
    return {"ok": True}


def put_trail(emu: Any, body: Any, query: dict[str, str]) -> Any:
    started = time.monotonic()
    result = trail.put_trail(body)
    return {**result, "seconds": round(time.monotonic() - started, 3)}


def generate_trail(emu: Any, body: Any, query: dict[str, str]) -> Any:
    return trail.generate(body)


def athena_queries(emu: Any, body: Any, query: dict[str, str]) -> Any:
    return emu.athena.queries()


def athena_tables(emu: Any, body: Any, query: dict[str, str]) -> Any:
    return emu.athena.describe_tables()


def athena_reset(emu: Any, body: Any, query: dict[str, str]) -> Any:
    emu.athena.reset()
    return {"ok": True}


ROUTES = {
    ("GET", "health"): health,
    ("GET", "calls"): get_calls,
    ("DELETE", "calls"): clear_calls,
    ("POST", "faults"): set_fault,
    ("GET", "faults"): get_faults,
    ("DELETE", "faults"): clear_faults,
    ("POST", "events"): load_events,
    ("DELETE", "events"): clear_events,
    ("POST", "identities"): set_identities,
    ("POST", "config"): set_config,
    ("GET", "config"): get_config,
    ("POST", "seed"): seed,
    ("POST", "replicas"): set_replica,
    ("POST", "org"): set_org,
    ("GET", "org"): get_org,
    ("DELETE", "org"): delete_org,
    ("POST", "roles"): set_roles,
    ("GET", "roles"): get_roles,
    ("DELETE", "roles"): clear_roles,
    ("POST", "regions"): set_regions,
    ("GET", "regions"): get_regions,
    ("DELETE", "regions"): clear_regions,
    ("POST", "trail"): put_trail,
    ("POST", "trail/generate"): generate_trail,
    ("GET", "athena/queries"): athena_queries,
    ("GET", "athena/tables"): athena_tables,
    ("DELETE", "athena"): athena_reset,
}
