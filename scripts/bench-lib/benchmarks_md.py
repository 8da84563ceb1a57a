"""Replacing one "## " section of BENCHMARKS.md, leaving every other section as it is."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TITLE = "# Benchmarks"


def _sections(lines: list[str]) -> list[tuple[int, str]]:
    """(line index, heading) of every level-2 heading outside fenced code blocks."""
    out, fence = [], None
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            mark = stripped[:3]
            fence = None if fence == mark else (fence or mark)
            continue
        if fence is None and line.startswith("## "):
            out.append((i, line.rstrip()))
    return out


def replace_section(path: Path, heading: str, body: str) -> None:
    """Puts `body` (which starts with `heading`) in place of that section, or appends it."""
    text = path.read_text() if path.exists() else f"{TITLE}\n"
    lines = text.splitlines()
    body_lines = body.rstrip("\n").splitlines()
    heads = _sections(lines)
    start = next((i for i, h in heads if h == heading.rstrip()), None)
    if start is None:
        while lines and not lines[-1].strip():
            lines.pop()
        new = lines + [""] + body_lines
    else:
        end = next((i for i, _ in heads if i > start), len(lines))
        tail = lines[end:]
        new = lines[:start] + body_lines + ([""] + tail if tail else [])
    data = "\n".join(new) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".BENCHMARKS.", suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(data)
    os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
    os.replace(tmp, path)


def publish(root: Path, section: str, lines: list[str], problems: list[str], log) -> bool:
    """Prints the report; writes it as `section` of BENCHMARKS.md unless the sanity check found
    `problems` (then BENCHMARKS.md is left as it was). True when it was written."""
    report = "\n".join(lines) + "\n"
    print(report)
    if problems:
        log("sanity check failed; BENCHMARKS.md left as it was")
        return False
    replace_section(root / "BENCHMARKS.md", section, report)
    log(f"wrote the section {section!r} of BENCHMARKS.md")
    return True
