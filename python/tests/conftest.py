"""Shared helpers: the CLI built by `cargo build` (or `$LEADSCORE_BIN`), the examples,
and the CSV bytes a results table stands for."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
AS_OF = "2026-11-01"

# Every example model with data: (model, leads file, events file).
EXAMPLE_MODELS = [
    ("b2b.score", "b2b/leads.jsonl", "b2b/events.jsonl"),
    ("changes/b2b-v2.score", "b2b/leads.jsonl", "b2b/events.jsonl"),
    ("matrix.score", "matrix/leads.jsonl", "matrix/events.jsonl"),
    ("nurture.score", "nurture/leads.jsonl", "nurture/events.jsonl"),
    ("loyalty.score", "loyalty/customers.csv", "loyalty/events.csv"),
]


def cli_path() -> Path:
    path = Path(os.environ.get("LEADSCORE_BIN", ROOT / "target" / "debug" / "leadscore")).resolve()
    if not path.exists():
        raise RuntimeError(f"no leadscore CLI at {path}: run `cargo build` first")
    return path


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Runs the CLI from the repository's root."""
    return subprocess.run(
        [str(cli_path()), *args], cwd=ROOT, capture_output=True, text=True, check=check
    )


def cli_score_csv(model: str, leads: str | None, events: str | None, *extra: str) -> str:
    args = ["score", model, "--format", "csv", "--as-of", AS_OF, *extra]
    if leads:
        args += ["--leads", leads]
    if events:
        args += ["--events", events]
    return cli(*args).stdout


def points(x: float) -> str:
    """A number as the outputs write it: whole numbers without a fraction."""
    if x == int(x) and abs(x) < 9e15:
        return str(int(x))
    return repr(x)


def why_text(reasons) -> str:
    """The CSV `why` cell: `score: +N rule "label" (line L)`, joined by `; `."""
    parts = []
    for r in reasons:
        text = r["rule"] if r["label"] is None else f'{r["rule"]} "{r["label"]}"'
        sign = "+" if r["points"] > 0 else ""
        parts.append(f'{r["score"]}: {sign}{points(r["points"])} {text} (line {r["line"]})')
    return "; ".join(parts)


def table_csv(table) -> str:
    """The CSV bytes the CLI writes for the results in `table`, written from its cells:
    a blank cell for an absent score, `true`/`false` for flags."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in table.to_pylist():
        cells = []
        for name in table.column_names:
            value = row[name]
            if name == "why":
                cells.append(why_text(value))
            elif value is None:
                cells.append("")
            elif isinstance(value, bool):
                cells.append("true" if value else "false")
            elif isinstance(value, float):
                cells.append(points(value))
            else:
                cells.append(value)
        writer.writerow(cells)
    return out.getvalue()


def jsonl_dicts(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Path:
    """A data set `leadscore gen` writes: 2,000 leads, 20,000 events."""
    out = tmp_path_factory.mktemp("gen")
    cli("gen", "--leads", "2000", "--events", "20000", "--out", str(out))
    return out
