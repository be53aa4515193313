"""`plan.score` from Arrow input against the CLI on the same data (docs/performance.md).

    python bench/python_score.py [ROUNDS]     # from the repository's root

Needs the `leadscore` wheel installed (docs/python.md) and a release CLI
(`cargo build --release`). Generates the B2B example's data at 1M events and 100k leads
(`leadscore gen`, under target/bench-data/python-1m), writes it as Parquet too, then in
each round times, in turns:

- the CLI on the JSON Lines files and on the Parquet files (`leadscore score --format
  csv`, output to /dev/null), and
- `plan.score` on the same data already in memory as pyarrow Tables (read once from the
  Parquet files: what a notebook holding data frames does), and `plan.score` including
  reading the Parquet files into Tables;

and checks that the Python results are the CLI's CSV bytes. Prints each one's median.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.json as pajson
import pyarrow.parquet as pq

import leadscore

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python" / "tests"))
from conftest import table_csv  # noqa: E402

CLI = ROOT / "target" / "release" / "leadscore"
MODEL = "examples/b2b.score"
AS_OF = "2026-11-01T00:00:00Z"


def data() -> Path:
    out = ROOT / "target" / "bench-data" / "python-1m"
    if not (out / "events.parquet").exists():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [CLI, "gen", "--leads", "100000", "--events", "1000000", "--out", out], check=True
        )
        for name in ("leads", "events"):
            pq.write_table(pajson.read_json(out / f"{name}.jsonl"), out / f"{name}.parquet")
    return out


def cli(leads: Path, events: Path, out=subprocess.DEVNULL) -> None:
    args = [CLI, "score", MODEL, "--leads", leads, "--events", events]
    subprocess.run(
        [*args, "--as-of", AS_OF, "--format", "csv"],
        cwd=ROOT, stdout=out, stderr=subprocess.DEVNULL, check=True,
    )


def timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    d = data()
    plan = leadscore.compile(ROOT / MODEL)
    leads, events = pq.read_table(d / "leads.parquet"), pq.read_table(d / "events.parquet")
    expected = subprocess.run(
        [CLI, "score", MODEL, "--leads", d / "leads.jsonl", "--events", d / "events.jsonl",
         "--as-of", AS_OF, "--format", "csv"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    assert table_csv(plan.score(leads, events, AS_OF)) == expected, "Python differs from the CLI"

    runs = {
        "CLI, JSON Lines": lambda: cli(d / "leads.jsonl", d / "events.jsonl"),
        "CLI, Parquet": lambda: cli(d / "leads.parquet", d / "events.parquet"),
        "plan.score, Arrow tables in memory": lambda: plan.score(leads, events, AS_OF),
        "plan.score, reading the Parquet files": lambda: plan.score(
            pq.read_table(d / "leads.parquet"), pq.read_table(d / "events.parquet"), AS_OF
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            times[name].append(timed(run))
    base = statistics.median(times["CLI, JSON Lines"])
    print(f"1M events, 100k leads, {rounds} rounds (median wall time, ratio to the CLI on JSON Lines)")
    for name, ts in times.items():
        median = statistics.median(ts)
        print(f"{name:40} {median:6.2f} s  {median / base:5.2f}×  (range {min(ts):.2f}–{max(ts):.2f})")


if __name__ == "__main__":
    main()
