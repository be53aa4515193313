//! `evaluate` and `suggest` as a library: leads scored as of the cut-off (nothing later
//! seen), conversions counted in (C, C + horizon], outcome records validated like every
//! input, each rule's value, the refusal with too few conversions, the rewritten model.

use leadscore::diagnostics::Code;
use leadscore::evaluate::{
    self, read_conversions, suggest, Collect, LeadsAsOf, Settings, SuggestOptions, Window,
};
use leadscore::job::ScoreJob;
use leadscore::time::{parse_timestamp, DAY};
use leadscore::{compile_source, MemoryLoader, Scorer, Source};
use std::sync::Arc;

const MODEL: &str = r#"model "t"
lead { industry: string }
event demo.request {}
event email.open {}

score fit {
  when lead.industry == "software" +20  # who they are
}

score engagement {
  on demo.request +50
  on email.open   +5 within 30d max 3
  decay -10 per 30d idle
}

grade engagement { hot >= 50; cold }
flag mql when engagement >= 50
"#;

fn scorer() -> Arc<Scorer> {
    let plan = compile_source("m.score", MODEL, &MemoryLoader::new())
        .plan
        .expect("the model compiles");
    Arc::new(Scorer::new(plan).unwrap())
}

fn c() -> i64 {
    parse_timestamp("2026-08-01T00:00:00Z").unwrap()
}

fn job() -> ScoreJob {
    let mut job = ScoreJob::new(c());
    job.threads = 2;
    job
}

/// `n` leads: every third in software, every second with a demo before C, and an
/// email open after C for every lead (which must not count).
fn data(n: usize) -> (String, String) {
    let mut leads = String::new();
    let mut events = String::new();
    for i in 0..n {
        let industry = if i % 3 == 0 { "software" } else { "retail" };
        leads.push_str(&format!(
            "{{\"id\":\"L{i:03}\",\"industry\":\"{industry}\"}}\n"
        ));
        if i % 2 == 0 {
            events.push_str(&format!(
                "{{\"lead\":\"L{i:03}\",\"type\":\"demo.request\",\"ts\":\"2026-07-20T00:00:00Z\"}}\n"
            ));
        }
        events.push_str(&format!(
            "{{\"lead\":\"L{i:03}\",\"type\":\"email.open\",\"ts\":\"2026-08-02T00:00:00Z\"}}\n"
        ));
    }
    (leads, events)
}

fn read(leads: &str, events: &str, collect: &Collect) -> LeadsAsOf {
    read_with(scorer(), leads, events, collect)
}

fn read_with(scorer: Arc<Scorer>, leads: &str, events: &str, collect: &Collect) -> LeadsAsOf {
    LeadsAsOf::read(
        &job(),
        scorer,
        Some(Source::new("leads.jsonl", leads.as_bytes())),
        Some(Source::new("events.jsonl", events.as_bytes())),
        None,
        &mut |_| {},
        collect,
    )
    .unwrap()
}

fn window() -> Window {
    Window {
        as_of: c(),
        horizon: 90 * DAY,
        label: "sql".into(),
    }
}

#[test]
fn leads_are_scored_as_of_the_cut_off_and_nothing_later_counts() {
    let (leads, events) = data(4);
    let rows = read(&leads, &events, &Collect::default()).rows;
    assert_eq!(rows.len(), 4);
    // L000: software, a demo 12 days before C, the open after C not counted.
    assert_eq!(rows[0].id, "L000");
    assert_eq!(rows[0].scores, vec![20.0, 50.0]);
    assert_eq!(rows[0].flags, vec![true]);
    assert_eq!(rows[1].scores, vec![0.0, 0.0]);
    assert!(rows[0].rule_values.is_empty(), "not asked for");
}

#[test]
fn each_rule_value_is_what_its_points_are_multiplied_by() {
    let leads = "{\"id\":\"A\",\"industry\":\"software\"}\n";
    let mut events = String::new();
    for day in 1..=5 {
        events.push_str(&format!(
            "{{\"lead\":\"A\",\"type\":\"email.open\",\"ts\":\"2026-07-{:02}T00:00:00Z\"}}\n",
            20 + day
        ));
    }
    // An open 31 days before C is outside `within 30d`; the newest is 5 days before C.
    events.push_str("{\"lead\":\"A\",\"type\":\"email.open\",\"ts\":\"2026-06-30T00:00:00Z\"}\n");
    let collect = Collect {
        rule_values: true,
        segment: None,
    };
    let rows = read(leads, &events, &collect).rows;
    // fit's `when` holds; no demo; 5 opens in the window, `max 3`; 0 whole idle periods.
    assert_eq!(rows[0].rule_values, vec![1.0, 0.0, 3.0, 0.0]);
}

#[test]
fn leads_are_segmented_even_by_a_field_the_model_does_not_read() {
    // A batch keeps only the fields a plan reads, unless told to keep more.
    let model = "lead { industry: string, region: string }\nevent a {}\nscore s { on a +1 }";
    let plan = compile_source("m.score", model, &MemoryLoader::new())
        .plan
        .unwrap();
    let leads = "{\"id\":\"A\",\"region\":\"emea\"}\n{\"id\":\"B\"}\n";
    let collect = Collect {
        rule_values: false,
        segment: Some(1),
    };
    let rows = read_with(Arc::new(Scorer::new(plan).unwrap()), leads, "", &collect).rows;
    assert_eq!(rows[0].segment.as_deref(), Some("emea"));
    assert_eq!(rows[1].segment, None);
}

fn outcomes_for(ids_and_times: &[(&str, &str, &str)]) -> String {
    ids_and_times
        .iter()
        .map(|(id, ts, label)| {
            format!("{{\"lead\":\"{id}\",\"ts\":\"{ts}\",\"outcome\":\"{label}\"}}\n")
        })
        .collect()
}

#[test]
fn a_conversion_counts_in_the_window_after_the_cut_off_only() {
    let outcomes = outcomes_for(&[
        ("A", "2026-08-01T00:00:00Z", "sql"), // at C: before the window
        ("B", "2026-08-01T00:00:01Z", "sql"), // just after C
        ("C", "2026-10-30T00:00:00Z", "sql"), // C + 90d exactly: in
        ("D", "2026-10-30T00:00:01Z", "sql"), // just after the horizon
        ("E", "2026-09-01T00:00:00Z", "mql"), // another outcome
        ("B", "2026-08-20T00:00:00Z", "sql"), // B again, later
    ]);
    let source = Source::new("outcomes.jsonl", outcomes.as_bytes());
    let (conversions, files) =
        read_conversions(&job(), source, "outcome", &window(), None).unwrap();
    let mut converted: Vec<&str> = conversions.first.keys().map(String::as_str).collect();
    converted.sort();
    assert_eq!(converted, ["B", "C"]);
    assert_eq!(
        conversions.first["B"],
        parse_timestamp("2026-08-01T00:00:01Z").unwrap(),
        "the first conversion is kept"
    );
    let counts = &conversions.counts;
    assert_eq!(
        (
            counts.records,
            counts.in_window,
            counts.before,
            counts.after
        ),
        (6, 3, 1, 1)
    );
    assert_eq!(files.records, 6);
}

#[test]
fn a_bad_outcome_record_names_its_place_or_is_set_aside() {
    let outcomes = "{\"lead\":\"A\",\"ts\":\"2026-08-02T00:00:00Z\",\"outcome\":\"sql\"}\n{\"lead\":\"B\",\"ts\":\"2026-08-02T00:00:00Z\"}\n{\"lead\":\"C\",\"ts\":\"soon\",\"outcome\":\"sql\"}\n";
    let source = || Source::new("outcomes.jsonl", outcomes.as_bytes());
    let error = read_conversions(&job(), source(), "outcome", &window(), None).unwrap_err();
    assert_eq!(error.code(), Code::MissingKey);
    assert!(
        error
            .to_string()
            .starts_with("outcomes.jsonl:2: the outcome has no `outcome`"),
        "{error}"
    );
    let mut rejects = Vec::new();
    let (conversions, files) =
        read_conversions(&job(), source(), "outcome", &window(), Some(&mut rejects)).unwrap();
    assert_eq!(conversions.first.len(), 1);
    assert_eq!((files.records, files.rejected), (1, 2));
    let rejects = String::from_utf8(rejects).unwrap();
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].contains("\"field\":\"ts\"") && lines[1].contains("\"line\":3"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains(r#""record":"{\"lead\":\"C\""#),
        "{}",
        lines[1]
    );
}

#[test]
fn outcomes_may_be_csv() {
    let outcomes = "lead,ts,outcome\nA,2026-08-02T00:00:00Z,sql\nB,,sql\n";
    let source = Source::new("outcomes.csv", outcomes.as_bytes());
    let error = read_conversions(&job(), source, "outcome", &window(), None).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("outcomes.csv:3:2: field `ts`"),
        "{error}"
    );
}

fn settings() -> Settings {
    Settings {
        model: "m.score".into(),
        window: window(),
        capacity: 0.1,
        segment_field: None,
    }
}

#[test]
fn too_few_conversions_are_refused() {
    let (leads, events) = data(40);
    let rows = read(&leads, &events, &Collect::default()).rows;
    let nine: Vec<(String, &str, &str)> = (0..9)
        .map(|i| (format!("L{:03}", i * 2), "2026-08-10T00:00:00Z", "sql"))
        .collect();
    let outcomes: String = nine
        .iter()
        .map(|(id, ts, l)| format!("{{\"lead\":\"{id}\",\"ts\":\"{ts}\",\"outcome\":\"{l}\"}}\n"))
        .collect();
    let source = Source::new("o.jsonl", outcomes.as_bytes());
    let (conversions, _) = read_conversions(&job(), source, "outcome", &window(), None).unwrap();
    let plan = scorer().plan().clone();
    let error = evaluate::evaluate(&plan, &rows, &conversions, &settings()).unwrap_err();
    assert_eq!(error.code(), Code::TooFewConversions);
    assert!(
        error
            .to_string()
            .starts_with("only 9 of 40 leads converted"),
        "{error}"
    );
}

/// 200 leads; the ones with a demo (even ids) convert one time in two, the others one
/// time in ten.
fn converted_report() -> (LeadsAsOf, leadscore::evaluate::Conversions) {
    let (leads, events) = data(200);
    let collect = Collect {
        rule_values: true,
        segment: None,
    };
    let scored = read(&leads, &events, &collect);
    let outcomes: String = (0..200)
        .filter(|i| if i % 2 == 0 { i % 4 == 0 } else { i % 20 == 1 })
        .map(|i| {
            format!(
                "{{\"lead\":\"L{i:03}\",\"ts\":\"2026-08-{:02}T00:00:00Z\",\"outcome\":\"sql\"}}\n",
                2 + i % 20
            )
        })
        .collect();
    let source = Source::new("o.jsonl", outcomes.as_bytes());
    let (conversions, _) = read_conversions(&job(), source, "outcome", &window(), None).unwrap();
    (scored, conversions)
}

#[test]
fn the_report_counts_grades_flags_and_thresholds() {
    let (scored, conversions) = converted_report();
    let plan = scorer().plan().clone();
    let report = evaluate::evaluate(&plan, &scored.rows, &conversions, &settings()).unwrap();
    assert_eq!((report.leads, report.conversions), (200, 60));
    assert_eq!(report.base_rate, 0.3);
    let engagement = &report.scores[1];
    // Demo leads score 50 and convert at 50%, the others 0 and 10%: AUC by hand =
    // P(converted above other) + ½ P(tie) = (50·90 + ½(50·50 + 10·90)) / (60·140).
    let expected = (50.0 * 90.0 + 0.5 * (50.0 * 50.0 + 10.0 * 90.0)) / (60.0 * 140.0);
    assert!((engagement.auc.value - expected).abs() < 1e-4);
    let grade = engagement.grade.as_ref().unwrap();
    assert_eq!(grade.bands[0].band, "hot");
    assert_eq!(
        (grade.bands[0].leads, grade.bands[0].conversions),
        (100, 50)
    );
    assert_eq!(grade.bands[0].rate, 0.5);
    assert_eq!(grade.bands[0].lift, 1.6667);
    let mql = &report.flags[0];
    assert_eq!((mql.leads, mql.conversions, mql.precision), (100, 50, 0.5));
    assert_eq!(mql.recall, 0.8333);
    // With 10% capacity no threshold fits (the top score holds half the leads): the top
    // one is suggested, as a ready block.
    assert_eq!(grade.suggested.cut.threshold, 50.0);
    assert!(
        grade
            .suggested
            .block
            .contains("grade engagement {\n  hot >= 50\n  cold\n}"),
        "{}",
        grade.suggested.block
    );
    let text = report.text();
    assert!(
        text.contains("200 leads scored as of 2026-08-01T00:00:00Z; 60 converted"),
        "{text}"
    );
    let markdown = report.markdown();
    assert!(
        markdown.contains("| decile | scores | leads |"),
        "{markdown}"
    );
}

#[test]
fn suggest_rewrites_the_points_and_keeps_comments() {
    let (scored, conversions) = converted_report();
    let plan = scorer().plan().clone();
    let options = SuggestOptions {
        test_percent: 50,
        ..SuggestOptions::default()
    };
    let suggestion = suggest(
        &plan,
        &scored.rows,
        &conversions,
        &options,
        Some(("m.score", MODEL)),
    )
    .unwrap();
    // fit's rule, demo, open (decay is not fitted).
    assert_eq!(suggestion.rules.len(), 3);
    let demo = &suggestion.rules[1];
    assert_eq!(demo.rule, "on demo.request +50");
    assert!(demo.suggested > 0.0 && !demo.indistinguishable, "{demo:?}");
    // Every lead had the same (uncounted) open after C: nothing to learn from it.
    assert_eq!(suggestion.rules[2].suggested, 0.0);
    assert!(suggestion.rules[2].indistinguishable);
    let source = suggestion.source.unwrap();
    assert!(source.contains("# who they are"), "{source}");
    let demo_line = source
        .lines()
        .find(|l| l.contains("on demo.request"))
        .unwrap();
    assert!(
        demo_line.ends_with(&format!(" +{}", demo.suggested)),
        "{source}"
    );
    assert!(source.contains("decay -10 per 30d idle"), "{source}");
    let recompiled = compile_source("new.score", &source, &MemoryLoader::new());
    assert!(recompiled.plan.is_some(), "{:?}", recompiled.diagnostics);
    assert_eq!(
        leadscore::format::format_source(&source).unwrap(),
        source,
        "formatted"
    );
    assert!(suggestion.auc_suggested.value >= suggestion.auc_current.value);
}

#[test]
fn a_fading_rule_is_worth_its_events_fading_factors() {
    let source = "event email.click {}\nscore e { on email.click +20 decay -50% per 30d }";
    let plan = compile_source("f.score", source, &MemoryLoader::new())
        .plan
        .unwrap();
    let scorer = Arc::new(Scorer::new(plan).unwrap());
    // Clicks 10 days (no whole period: ×1) and 40 days (one period: ×0.5) before C.
    let events = "{\"lead\":\"A\",\"type\":\"email.click\",\"ts\":\"2026-07-22T00:00:00Z\"}\n{\"lead\":\"A\",\"type\":\"email.click\",\"ts\":\"2026-06-22T00:00:00Z\"}\n";
    let collect = Collect {
        rule_values: true,
        segment: None,
    };
    let scored = LeadsAsOf::read(
        &job(),
        scorer,
        None,
        Some(Source::new("events.jsonl", events.as_bytes())),
        None,
        &mut |_| {},
        &collect,
    )
    .unwrap();
    assert_eq!(scored.rows[0].rule_values, vec![1.5]);
    assert_eq!(scored.rows[0].scores, vec![30.0], "points × value");
}

#[test]
fn rules_of_imported_files_are_fitted_but_left_as_they_are() {
    let (scored, conversions) = converted_report();
    // The same model, with `fit` in an imported file.
    let fit_start = MODEL.find("score fit").unwrap();
    let fit_end = MODEL.find("score engagement").unwrap();
    let main = format!(
        "import \"fit.score\"\n{}{}",
        &MODEL[..fit_start],
        &MODEL[fit_end..]
    );
    let imported = format!(
        "lead {{ industry: string }}\n{}",
        &MODEL[fit_start..fit_end]
    );
    let main = main.replacen("lead { industry: string }\n", "", 1);
    let loader = MemoryLoader::new().with("fit.score", imported);
    let compiled = compile_source("m.score", &main, &loader);
    let plan = compiled
        .plan
        .unwrap_or_else(|| panic!("{:?}", compiled.diagnostics));
    let options = SuggestOptions {
        test_percent: 50,
        ..SuggestOptions::default()
    };
    let suggestion = suggest(
        &plan,
        &scored.rows,
        &conversions,
        &options,
        Some(("m.score", &main)),
    )
    .unwrap();
    let fit = suggestion.rules.iter().find(|r| r.score == "fit").unwrap();
    assert_eq!(fit.file, "fit.score");
    let source = suggestion.source.as_ref().unwrap();
    assert!(!source.contains("score fit"), "{source}");
    assert!(
        suggestion
            .text()
            .contains("(in fit.score: change it by hand)"),
        "{}",
        suggestion.text()
    );
}

proptest::proptest! {
    /// Whatever an outcomes file holds, reading it names a problem or gives conversions:
    /// it never panics, and with a rejects writer every line is counted one way or the
    /// other.
    #[test]
    fn any_outcomes_file_is_read_or_refused(lines in proptest::collection::vec(
        proptest::prop_oneof![
            proptest::string::string_regex("[{}\":,a-z0-9 \\-TZ]{0,40}").unwrap(),
            proptest::strategy::Just("{\"lead\":\"A\",\"ts\":\"2026-08-02\",\"outcome\":\"sql\"}".to_string()),
            proptest::strategy::Just("{\"lead\":7,\"ts\":1785974400,\"outcome\":\"sql\"}".to_string()),
        ],
        0..20,
    ), csv in proptest::bool::ANY) {
        let text = lines.join("\n");
        let name = if csv { "o.csv" } else { "o.jsonl" };
        let _ = read_conversions(&job(), Source::new(name, text.as_bytes()), "outcome", &window(), None);
        let mut rejects = Vec::new();
        if let Ok((conversions, files)) = read_conversions(
            &job(),
            Source::new(name, text.as_bytes()),
            "outcome",
            &window(),
            Some(&mut rejects),
        ) {
            proptest::prop_assert_eq!(conversions.counts.records, files.records);
            let rejected = String::from_utf8(rejects).unwrap().lines().count() as u64;
            proptest::prop_assert_eq!(rejected, files.rejected);
        }
    }
}
