"""The Python package against the CLI: the same models, data and bytes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pytest

import leadscore
from conftest import (
    AS_OF,
    EXAMPLE_MODELS,
    EXAMPLES,
    ROOT,
    cli,
    cli_score_csv,
    jsonl_dicts,
    table_csv,
)


def example_input(name: str):
    """An example data file as Python holds it: JSON Lines as dicts, CSV as the Arrow
    table pyarrow reads (types inferred: ints, dates, timestamps, booleans)."""
    path = EXAMPLES / "data" / name
    if path.suffix == ".csv":
        return pacsv.read_csv(path)
    return jsonl_dicts(path)


@pytest.mark.parametrize("explain", [False, True], ids=["plain", "explain"])
@pytest.mark.parametrize("model,leads,events", EXAMPLE_MODELS, ids=[m[0] for m in EXAMPLE_MODELS])
def test_every_example_scores_to_the_cli_bytes(model, leads, events, explain):
    plan = leadscore.compile(EXAMPLES / model)
    got = plan.score(example_input(leads), example_input(events), AS_OF, explain=explain)
    extra = ("--explain",) if explain else ()
    expected = cli_score_csv(
        f"examples/{model}", f"examples/data/{leads}", f"examples/data/{events}", *extra
    )
    assert table_csv(got) == expected


def test_the_results_have_the_csv_columns_and_types():
    plan = leadscore.compile(EXAMPLES / "b2b.score")
    table = plan.score(jsonl_dicts(EXAMPLES / "data/b2b/leads.jsonl"), None, AS_OF)
    header = cli_score_csv("examples/b2b.score", "examples/data/b2b/leads.jsonl", None)
    assert ",".join(table.column_names) == header.splitlines()[0]
    assert table.schema == plan.schema()
    assert table.schema.field("lead").type == pa.string()
    assert table.schema.field("fit").type == pa.float64()
    assert table.schema.field("fit_grade").type == pa.string()
    assert table.schema.field("mql").type == pa.bool_()
    why = plan.schema(explain=True).field("why").type
    assert pa.types.is_list(why) and pa.types.is_struct(why.value_type)


# --- inputs of every kind ------------------------------------------------------------


@pytest.fixture(scope="module")
def gen_tables(generated: Path):
    leads = pajson.read_json(generated / "leads.jsonl")
    events = pajson.read_json(generated / "events.jsonl")
    expected = cli_score_csv(
        "examples/b2b.score", str(generated / "leads.jsonl"), str(generated / "events.jsonl")
    )
    return leads, events, expected


B2B = EXAMPLES / "b2b.score"


def test_arrow_tables(gen_tables):
    leads, events, expected = gen_tables
    assert table_csv(leadscore.compile(B2B).score(leads, events, AS_OF)) == expected


def test_arrow_record_batches_and_streams(gen_tables):
    leads, events, expected = gen_tables
    plan = leadscore.compile(B2B)
    lead_batch = leads.combine_chunks().to_batches()[0]
    # Many small batches: rows are counted across them.
    event_reader = pa.RecordBatchReader.from_batches(
        events.schema, events.to_batches(max_chunksize=777)
    )
    assert table_csv(plan.score(lead_batch, event_reader, AS_OF)) == expected


def dictionary_encoded(table: pa.Table) -> pa.Table:
    """The table with each text column as an Arrow dictionary (as categories are)."""
    columns = {
        name: column.dictionary_encode() if pa.types.is_string(column.type) else column
        for name, column in zip(table.column_names, table.columns)
    }
    return pa.table(columns)


def test_text_as_dictionaries_scores_as_the_same_text(gen_tables):
    leads, events, expected = gen_tables
    plan = leadscore.compile(B2B)
    encoded = dictionary_encoded(leads), dictionary_encoded(events)
    assert pa.types.is_dictionary(encoded[1].schema.field("type").type)
    assert table_csv(plan.score(*encoded, AS_OF)) == expected


def test_pandas_categories(gen_tables):
    pytest.importorskip("pandas")
    leads, events, expected = gen_tables
    events_df = events.to_pandas()
    events_df["type"] = events_df["type"].astype("category")
    plan = leadscore.compile(B2B)
    assert table_csv(plan.score(leads.to_pandas(), events_df, AS_OF)) == expected


def test_pandas_data_frames(gen_tables):
    pd = pytest.importorskip("pandas")
    leads, events, expected = gen_tables
    leads_df, events_df = leads.to_pandas(), events.to_pandas()
    assert isinstance(leads_df, pd.DataFrame)
    assert table_csv(leadscore.compile(B2B).score(leads_df, events_df, AS_OF)) == expected


def test_pandas_frames_read_from_json_with_mixed_columns():
    # `pd.read_json` leaves the example's times, written as text and as numbers, in one
    # column of objects, which Arrow cannot type: the rows go as records instead.
    pd = pytest.importorskip("pandas")
    data = EXAMPLES / "data" / "b2b"
    leads = pd.read_json(data / "leads.jsonl", lines=True, dtype=False)
    events = pd.read_json(data / "events.jsonl", lines=True, dtype=False)
    model = str(EXAMPLES / "b2b.score")
    got = table_csv(leadscore.compile(model).score(leads, events, AS_OF))
    assert got == cli_score_csv(model, str(data / "leads.jsonl"), str(data / "events.jsonl"))


def test_polars_data_frames(gen_tables):
    pl = pytest.importorskip("polars")
    leads, events, expected = gen_tables
    leads_df, events_df = pl.from_arrow(leads), pl.from_arrow(events)
    assert table_csv(leadscore.compile(B2B).score(leads_df, events_df, AS_OF)) == expected


def test_iterables_of_dicts(generated: Path, gen_tables):
    _, _, expected = gen_tables
    leads = jsonl_dicts(generated / "leads.jsonl")
    events = iter(jsonl_dicts(generated / "events.jsonl"))  # any iterable, once
    assert table_csv(leadscore.compile(B2B).score(leads, events, AS_OF)) == expected


def test_as_of_takes_text_datetimes_dates_and_microseconds(gen_tables):
    leads, events, expected = gen_tables
    plan = leadscore.compile(B2B)
    for as_of in [
        "2026-11-01T00:00:00Z",
        dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
        dt.datetime(2026, 11, 1),
        dt.date(2026, 11, 1),
        1_793_491_200_000_000,
    ]:
        assert table_csv(plan.score(leads, events, as_of)) == expected, as_of


def test_datetimes_in_dicts_are_times():
    plan = leadscore.compile(B2B)
    stamp = dt.datetime(2026, 10, 20, 9, 30, tzinfo=dt.timezone.utc)
    by_text = plan.score(None, [{"lead": "L1", "type": "demo.request", "ts": stamp.isoformat()}], AS_OF)
    by_datetime = plan.score(None, [{"lead": "L1", "type": "demo.request", "ts": stamp}], AS_OF)
    assert by_text.equals(by_datetime)
    assert by_text.column("engagement").to_pylist() == [50.0]


# --- bad input -----------------------------------------------------------------------


def bad_events_table():
    return pa.table(
        {
            "lead": ["L1", "L1", "L2", "L2"],
            "type": ["email.open", "email.open", "email.open", "page.view"],
            "ts": ["2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z", "not a time", "2026-10-03T00:00:00Z"],
        }
    )


def test_a_bad_arrow_row_raises_naming_its_row_and_field():
    plan = leadscore.compile(B2B)
    with pytest.raises(leadscore.LeadscoreError) as raised:
        plan.score(None, bad_events_table(), AS_OF)
    error = raised.value
    assert (error.row, error.field) == (3, "ts")
    assert error.code.startswith("E08")
    assert str(error).startswith(f"error[{error.code}]: events:3:3: field `ts`: ")
    [diagnostic] = error.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("events", 3, 3)


def test_a_bad_dict_raises_naming_its_row_and_field():
    plan = leadscore.compile(B2B)
    leads = [{"id": "L1", "company_size": 5}, {"id": "L2"}, {"id": "L3", "company_size": "big"}]
    with pytest.raises(leadscore.LeadscoreError) as raised:
        plan.score(leads, None, AS_OF)
    assert (raised.value.row, raised.value.field) == (3, "company_size")
    assert "leads:3" in str(raised.value)


def test_rejects_are_returned_as_a_table():
    plan = leadscore.compile(B2B)
    results, rejects = plan.score(None, bad_events_table(), AS_OF, rejects=True)
    assert results.column("lead").to_pylist() == ["L1", "L2"]
    assert rejects.schema == leadscore.REJECTS_SCHEMA
    [reject] = rejects.to_pylist()
    assert (reject["file"], reject["line"], reject["field"]) == ("events", 3, "ts")
    assert reject["code"].startswith("E08")


def test_the_same_rejects_as_the_cli(tmp_path: Path):
    events = tmp_path / "events.jsonl"
    rows = [
        {"lead": "L1", "type": "email.open", "ts": "2026-10-01T00:00:00Z"},
        {"lead": "L1", "type": "page.view", "ts": "2026-10-01T00:00:00Z", "seconds": "long"},
        {"lead": "L2", "type": "email.open"},
    ]
    events.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cli_rejects = tmp_path / "rejects.jsonl"
    expected = cli_score_csv("examples/b2b.score", None, str(events), "--rejects", str(cli_rejects))
    results, rejects = leadscore.compile(B2B).score(None, rows, AS_OF, rejects=True)
    assert table_csv(results) == expected
    cli_rows = [json.loads(line) for line in cli_rejects.read_text().splitlines()]
    assert [(r["line"], r["field"], r["code"], r["error"]) for r in cli_rows] == [
        (r["line"], r["field"], r["code"], r["error"]) for r in rejects.to_pylist()
    ]


def test_what_is_not_data_is_a_type_error():
    plan = leadscore.compile(B2B)
    with pytest.raises(TypeError):
        plan.score("leads.jsonl", None, AS_OF)
    with pytest.raises(ValueError):
        plan.score(None, None, "soon")


# --- models, diagnostics, plans ------------------------------------------------------

BAD_MODEL = "lead { industry: string }\nscore fit {\n  when lead.industy == \"x\" +5\n}\n"


def test_diagnostics_are_the_cli_json_records(tmp_path: Path):
    path = tmp_path / "bad.score"
    path.write_text(BAD_MODEL)
    expected = [json.loads(line) for line in cli("check", "--format", "json", str(path), check=False).stdout.splitlines()]
    diagnostics = leadscore.check(path)
    assert [d.__dict__ for d in diagnostics] == [
        {**r, "labels": tuple(r["labels"]), "notes": tuple(r["notes"])} for r in expected
    ]
    assert diagnostics[0].code == "E0302" and diagnostics[0].help


def test_source_text_checks_as_the_file_does(tmp_path: Path):
    path = tmp_path / "bad.score"
    path.write_text(BAD_MODEL)
    from_file = leadscore.check(str(path))
    from_text = leadscore.check(BAD_MODEL, name=str(path))
    assert from_file == from_text
    assert leadscore.check(B2B) == []


def test_a_model_with_errors_raises_with_the_human_rendering(tmp_path: Path):
    path = tmp_path / "bad.score"
    path.write_text(BAD_MODEL)
    with pytest.raises(leadscore.LeadscoreError) as raised:
        leadscore.compile(path)
    human = cli("check", str(path), check=False).stderr
    rendered = str(raised.value)
    assert rendered and human.startswith(rendered)
    assert [d.code for d in raised.value.diagnostics] == ["E0302"]
    assert "did you mean `industry`" in rendered or "`industry`?" in rendered


def test_plan_bytes_are_the_cli_plans_and_load_back(tmp_path: Path, monkeypatch):
    out = tmp_path / "b2b.plan"
    cli("compile", "examples/b2b.score", "-o", str(out))
    # The plan names its model file as it was given: compiled from the same path, the
    # bytes are the CLI's.
    monkeypatch.chdir(ROOT)
    plan = leadscore.compile("examples/b2b.score")
    assert plan.to_bytes() == out.read_bytes()
    loaded = leadscore.Plan.from_bytes(out.read_bytes())
    assert loaded.model == plan.model
    leads = jsonl_dicts(EXAMPLES / "data/b2b/leads.jsonl")
    assert loaded.score(leads, None, AS_OF).column("fit").equals(
        plan.score(leads, None, AS_OF).column("fit")
    )
    assert leadscore.Plan.from_bytes(plan.to_bytes()).to_bytes() == plan.to_bytes()


def test_damaged_plan_bytes_raise():
    data = bytearray(leadscore.compile(B2B).to_bytes())
    data[len(data) // 2] ^= 0xFF
    with pytest.raises(leadscore.LeadscoreError) as raised:
        leadscore.Plan.from_bytes(bytes(data))
    assert raised.value.code.startswith("E")
    with pytest.raises(leadscore.LeadscoreError):
        leadscore.Plan.from_bytes(b"not a plan")


# --- the live engine -----------------------------------------------------------------


def replay(plan: leadscore.Plan, leads: list[dict], events: list[dict], as_of: str):
    """What `leadscore replay` does, through the engine: the lead records known from
    the first event's time, each event moving the clock to its time (never back),
    finally the clock at the as-of time."""
    engine = plan.engine(lateness="7d")
    as_of_us = leadscore._micros(as_of)
    declared = set(plan.event_types)
    started = False
    seen_before: list[str] = []

    def start(at: int) -> None:
        nonlocal started
        if started:
            return
        started = True
        engine.advance(at)
        for lead in leads:
            engine.upsert_lead(lead["id"], {k: v for k, v in lead.items() if k != "id"})
        for lead in seen_before:
            engine.apply(lead, "", at)  # an undeclared type: the lead is known

    for event in events:
        ts = leadscore._micros(event["ts"] if isinstance(event["ts"], str) else event["ts"] * 1_000_000)
        if event["type"] not in declared or ts > as_of_us:
            if started:
                engine.apply(event["lead"], "", engine.now)
            else:
                seen_before.append(event["lead"])
            continue
        start(ts)
        engine.advance(max(ts, engine.now))
        props = {k: v for k, v in event.items() if k not in ("lead", "type", "ts")}
        engine.apply(event["lead"], event["type"], ts, props)
    start(as_of_us)
    engine.advance(max(as_of_us, engine.now))
    return engine


def test_engine_transitions_equal_replay_changes(tmp_path: Path):
    changes = tmp_path / "changes.jsonl"
    cli(
        "replay", "examples/b2b.score",
        "--leads", "examples/data/b2b/leads.jsonl",
        "--events", "examples/data/b2b/events.jsonl",
        "--as-of", AS_OF, "--changes", str(changes),
    )
    expected = [json.loads(line) for line in changes.read_text().splitlines()]
    assert expected, "the example has transitions"
    plan = leadscore.compile(B2B)
    leads = jsonl_dicts(EXAMPLES / "data/b2b/leads.jsonl")
    events = jsonl_dicts(EXAMPLES / "data/b2b/events.jsonl")
    engine = replay(plan, leads, events, AS_OF)
    assert engine.take_transitions() == expected
    assert engine.take_transitions() == []


def test_engine_outcomes_are_the_score_objects():
    plan = leadscore.compile(B2B)
    leads = jsonl_dicts(EXAMPLES / "data/b2b/leads.jsonl")
    events = jsonl_dicts(EXAMPLES / "data/b2b/events.jsonl")
    engine = replay(plan, leads, events, AS_OF)
    out = cli("score", "examples/b2b.score", "--leads", "examples/data/b2b/leads.jsonl",
              "--events", "examples/data/b2b/events.jsonl", "--as-of", AS_OF).stdout
    for line in out.splitlines():
        expected = json.loads(line)
        assert engine.outcome(expected["lead"]) == expected
    assert engine.outcome("nobody") is None


def test_engine_clock_lateness_and_next_change():
    plan = leadscore.compile(B2B)
    engine = plan.engine(lateness=dt.timedelta(days=1))
    engine.advance("2026-10-10")
    assert engine.apply("L1", "demo.request", "2026-10-09T12:00:00Z")
    assert not engine.apply("L1", "no.such.type", "2026-10-10")
    with pytest.raises(leadscore.LeadscoreError) as raised:
        engine.apply("L1", "email.open", "2026-10-01")
    assert raised.value.code == "E0840"
    with pytest.raises(leadscore.LeadscoreError):
        engine.advance("2026-10-01")
    engine.upsert_lead("L2", {"industry": "software", "company_size": 100})
    assert engine.outcome("L2")["scores"]["fit"] == 35
    assert isinstance(engine.next_change("L1"), int) or engine.next_change("L1") is None
    assert engine.now == leadscore._micros("2026-10-10")
