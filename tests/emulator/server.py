"""Strongroom's local AWS emulator: moto server plus CloudTrail, faults and a call log.

    python tests/emulator/server.py [--host 127.0.0.1] [--port 0] [--load FILE ...] [--shift-to-now]

Prints its URL on stdout (one line) once it answers, then serves in the foreground.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")  # datasets use fake regions


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000, help="0 picks a free port")
    parser.add_argument("--load", action="append", default=[], help="CloudTrail JSON file to load (repeatable)")
    parser.add_argument("--shift-to-now", action="store_true", help="shift loaded events so the newest is now")
    parser.add_argument("--exit-on-stdin-eof", action="store_true", help="exit when stdin closes (test harness)")
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")
    args = parser.parse_args(argv)

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    import patches
    from cloudtrail import EventStore
    from middleware import Emulator
    from state import State

    state = State()
    store = EventStore(state)
    patches.apply(state)
    records: list = []
    for path in args.load:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        records.extend(data.get("Records", []) if isinstance(data, dict) else data)
    if records:
        result = store.load(records, shift_to_now=args.shift_to_now)
        print(f"loaded {result['loaded']} records, rejected {len(result['rejected'])}", file=sys.stderr)

    class Handler(MotoRequestHandler):
        def log_request(self, *a: object, **k: object) -> None:
            if args.verbose:
                super().log_request(*a, **k)

    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = Emulator(DomainDispatcherApplication(create_backend_app), state, store)
    server = make_server(args.host, args.port, app, threaded=True, request_handler=Handler)
    url = f"http://{args.host}:{server.socket.getsockname()[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with urllib.request.urlopen(f"{url}/_strongroom/health", timeout=10) as resp:
        assert json.load(resp)["ok"]
    print(url, flush=True)

    if args.exit_on_stdin_eof:

        def watch_stdin() -> None:
            while sys.stdin.buffer.read(4096):
                pass
            os._exit(0)

        threading.Thread(target=watch_stdin, daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1.0):
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
