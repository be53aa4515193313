"""leadscore.spark in Spark's local mode: the results equal the CLI's row for row, on
the examples and on a generated data set of a million events."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq
import pytest

import leadscore
from conftest import AS_OF, EXAMPLE_MODELS, EXAMPLES, cli, cli_score_csv, table_csv

pyspark = pytest.importorskip("pyspark")
import pyarrow as pa  # noqa: E402
import leadscore.spark  # noqa: E402

# Events in the large data set (LEADSCORE_SPARK_EVENTS to change it).
BIG_EVENTS = int(os.environ.get("LEADSCORE_SPARK_EVENTS", "1000000"))
BIG_LEADS = BIG_EVENTS // 50


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    from pyspark.sql import SparkSession

    # The workers run this interpreter, which has the package installed, from an empty
    # folder: started with `-m`, they put their working folder first on their path, and
    # python/ would give them the package's sources, without the native module.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("spark"))
    session = (
        SparkSession.builder.master("local[2]")
        .appName("leadscore-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    os.chdir(cwd)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def as_parquet(path: Path, out: Path) -> str:
    """A JSON Lines or CSV file as Parquet (types as pyarrow infers them), for Spark."""
    table = pacsv.read_csv(path) if path.suffix == ".csv" else pajson.read_json(path)
    pq.write_table(table, out)
    return str(out)


def results_csv(df, plan: leadscore.Plan, explain: bool = False) -> str:
    """A Spark result collected in lead order, as the CLI's CSV bytes."""
    rows = [r.asDict(recursive=True) for r in df.orderBy("lead").collect()]
    return table_csv(pa.Table.from_pylist(rows, schema=plan.schema(explain)))


# Examples Spark reads as pyarrow does (b2b's events mix numeric and text times, which
# no one column type holds: the b2b model is tested on the generated data below).
SPARK_EXAMPLES = [m for m in EXAMPLE_MODELS if not m[1].startswith("b2b/")]


@pytest.mark.parametrize("buckets", [None, 3], ids=["by-lead", "3-buckets"])
@pytest.mark.parametrize("model,leads,events", SPARK_EXAMPLES, ids=[m[0] for m in SPARK_EXAMPLES])
def test_examples_on_spark_equal_the_cli(spark, tmp_path: Path, model, leads, events, buckets):
    plan = leadscore.compile(EXAMPLES / model)
    leads_df = spark.read.parquet(as_parquet(EXAMPLES / "data" / leads, tmp_path / "leads.parquet"))
    events_df = spark.read.parquet(as_parquet(EXAMPLES / "data" / events, tmp_path / "events.parquet"))
    expected = cli_score_csv(f"examples/{model}", f"examples/data/{leads}", f"examples/data/{events}")
    got = leadscore.spark.score(leads_df, events_df, plan, AS_OF, buckets=buckets)
    assert results_csv(got, plan) == expected


def test_explanations_and_one_sided_inputs_on_spark(spark, tmp_path: Path):
    model, leads, events = "nurture.score", "nurture/leads.jsonl", "nurture/events.jsonl"
    plan = leadscore.compile(EXAMPLES / model)
    leads_df = spark.read.parquet(as_parquet(EXAMPLES / "data" / leads, tmp_path / "leads.parquet"))
    events_df = spark.read.parquet(as_parquet(EXAMPLES / "data" / events, tmp_path / "events.parquet"))
    got = leadscore.spark.score(leads_df, events_df, plan, AS_OF, explain=True)
    expected = cli_score_csv(f"examples/{model}", f"examples/data/{leads}", f"examples/data/{events}", "--explain")
    assert results_csv(got, plan, explain=True) == expected
    only_events = cli_score_csv(f"examples/{model}", None, f"examples/data/{events}")
    assert results_csv(leadscore.spark.score(None, events_df, plan, AS_OF), plan) == only_events
    only_leads = cli_score_csv(f"examples/{model}", f"examples/data/{leads}", None)
    got = leadscore.spark.score(leads_df, None, plan, AS_OF, buckets=2)
    assert results_csv(got, plan) == only_leads


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    out = tmp_path_factory.mktemp("big")
    cli("gen", "--leads", str(BIG_LEADS), "--events", str(BIG_EVENTS), "--out", str(out))
    return out


@pytest.mark.parametrize("buckets", [None, 8], ids=["by-lead", "8-buckets"])
def test_a_million_events_on_spark_equal_the_cli(spark, big: Path, capsys, buckets):
    plan = leadscore.compile(EXAMPLES / "b2b.score")
    started = time.perf_counter()
    expected = cli_score_csv("examples/b2b.score", str(big / "leads.jsonl"), str(big / "events.jsonl"))
    cli_seconds = time.perf_counter() - started
    leads_df = spark.read.parquet(as_parquet(big / "leads.jsonl", big / "leads.parquet"))
    events_df = spark.read.parquet(as_parquet(big / "events.jsonl", big / "events.parquet"))
    assert events_df.count() == BIG_EVENTS
    started = time.perf_counter()
    got = results_csv(leadscore.spark.score(leads_df, events_df, plan, AS_OF, buckets=buckets), plan)
    spark_seconds = time.perf_counter() - started
    assert got == expected
    assert got.count("\n") - 1 == BIG_LEADS
    with capsys.disabled():
        print(f"\n{BIG_EVENTS} events, {BIG_LEADS} leads, buckets={buckets}: CLI {cli_seconds:.1f} s, "
              f"Spark local[2] {spark_seconds:.1f} s (score and collect)")
