//! Formatting laws: `fmt` is idempotent, a formatted model compiles to the same plan
//! (apart from source positions) as the original, and every comment is kept exactly once,
//! in order.

use leadscore::format::format_source;
use leadscore::{MemoryLoader, Plan};
use proptest::prelude::*;
use std::fmt::Write as _;

const DECLARATIONS: &[&str] = &[
    "lead { industry: string, size: int, email: string, student: bool, joined: time }",
    "event email.click { campaign: string, message_id: string }",
    "event page.view { path: string, seconds: number }",
    "event email.send { message_id: string }",
    "event email.open { message_id: string }",
    "event page.scroll.deep { seconds: int }",
    "let countries = [\"PL\", \"DE\"]",
];

const RULES: &[&str] = &[
    "when lead.industry in [\"software\", \"it\"] +20",
    "when lead.size >= 50 and lead.size <= 500 +15",
    "when not (lead.industry == \"retail\") -5",
    "when (lead.size + 5) * 2 > 100 or lead.student +3",
    "when lead.joined < now() - 365d +1",
    "on email.click +15 within 30d",
    "on page.view where path == \"/pricing\" +10 within 30d max 3",
    "on page.view where starts_with(path, \"/careers\") and seconds > 3 -5 max 2",
    "when count(page.view where seconds >= 60 within 14d) >= 2 +10",
    "when sum(page.view.seconds) / 60 > 5 +7.5",
    "decay -10 per 30d idle",
    "decay -5 per 2w without email.click where campaign == \"x\"",
    "clamp 0 100",
    "when domain(lead.email) not in [\"gmail.com\"] +1",
    "on email.send without email.open same message_id for 60d -5 within 180d",
    "on email.send where message_id != \"x\" without email.open where message_id == \"y\" for 2d -1",
    "on email.open without email.open for 7d -1 max 2",
    "on page.view +2 decay -12.5% per 30d distinct by path max 1 per 7d within 90d max 5",
    "on page.view where seconds > 3 +20 max 2 per 1w decay -100% per 2w",
    "when count(page.view within 30d distinct by path) >= 3 +4",
    "on page.* where seconds > 3 +2 within 7d",
    "on [email.click,page.*, email.click] +1 max 5",
    "on [\n    email.click,\n    page.view,\n  ] +1",
    "when sum(page.*.seconds) > 100 +4",
    "when count([email.click, page.view] within 7d) >= 2 +3",
    "decay -5 per 30d without [email.click, page.*]",
    "decay -5 per 30d without page.* where seconds > 1",
    "when exists(page.* where seconds > 1) and days_since([page.view, email.*]) < 3 +2",
    "on email.click +15 within 30d label \"Clicked\"",
    "when greatest(lead.size, 10) > least(lead.size, 5, 2) +2 label \"Sized\"",
    "decay -3 per 30d idle since lead.joined label \"Quiet\"",
    "decay -2 per 7d without page.view where seconds > 3 since lead.joined",
    "on email.* without [email.open, email.click] same message_id for 7d -5",
    "on [email.send, email.click] where message_id != \"x\" without email.* where message_id == \"y\" for 2d -1 label \"Ignored\"",
    "on page.* without page.view same seconds for 1d -1 max 3",
    "on page.* where seconds > 1 +2 distinct by seconds max 1 per 7d decay -50% per 30d label \"Read\"",
    "when count([email.open, email.click] within 30d distinct by message_id) >= 2 +3",
    "when count(page.* distinct by seconds) > 1 +1 label \"Varied\"",
    "decay -5 per 30d without email.* since lead.joined",
];

/// Respaces a statement: every single space becomes 1–4 spaces or tabs.
fn respace(statement: &str, seed: u64) -> String {
    let mut out = String::new();
    let mut state = seed | 1;
    for c in statement.chars() {
        if c == ' ' && !out.ends_with('"') {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = 1 + (state % 4) as usize;
            out.push_str(&if state.is_multiple_of(5) {
                "\t".to_string()
            } else {
                " ".repeat(n)
            });
        } else {
            out.push(c);
        }
    }
    out
}

fn model(rules: &[(usize, u64, bool)], blank_lines: bool) -> String {
    let mut text = String::from("# a model\nmodel \"m\"\n");
    for d in DECLARATIONS {
        text.push_str(d);
        text.push('\n');
    }
    if blank_lines {
        text.push('\n');
    }
    text.push_str("score s {\n");
    let mut clamped = false;
    for (i, (rule, seed, comment)) in rules.iter().enumerate() {
        let rule = RULES[*rule % RULES.len()];
        if rule.starts_with("clamp") {
            if clamped {
                continue;
            }
            clamped = true;
        }
        if *comment && i % 2 == 0 {
            text.push_str("  # about the next rule\n");
        }
        text.push_str(&format!("  {}", respace(rule, *seed)));
        if *comment && i % 2 == 1 {
            text.push_str("   # why");
        }
        text.push('\n');
    }
    text.push_str("}\nscore total = s * 2 + 1\ngrade s { hot >= 50 ; warm >= 20;cold }\nflag f when s >= 10 and not lead.student\ngrade total { top  >  90; rest }\nflag g when grade( s ) == \"hot\" or grade(total) in [\"top\"]\n");
    text
}

/// A plan with source positions and the source hash removed.
fn meaning(text: &str) -> Plan {
    let compiled = leadscore::compile_source("m.score", text, &MemoryLoader::new());
    let mut plan = compiled
        .plan
        .unwrap_or_else(|| panic!("does not compile:\n{text}\n{:#?}", compiled.diagnostics));
    plan.source_hash.clear();
    plan.origins.clear();
    plan
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn formatting_is_idempotent_and_keeps_meaning(
        rules in proptest::collection::vec((0usize..RULES.len(), any::<u64>(), any::<bool>()), 1..12),
        blank_lines in any::<bool>(),
    ) {
        let original = model(&rules, blank_lines);
        let once = format_source(&original).unwrap();
        let twice = format_source(&once).unwrap();
        prop_assert_eq!(&once, &twice, "not idempotent");
        prop_assert_eq!(meaning(&original), meaning(&once), "meaning changed:\n{}", once);
        prop_assert_eq!(original.matches('#').count(), once.matches('#').count(), "a comment was lost");
    }
}

/// Writes a model with a comment slot at every kind of place a comment can go (own line
/// or end of line; top level, in blocks, after one-line blocks, at the end of the file).
/// Bit `i` of `fill` puts a comment in slot `i`; comments are numbered in source order.
struct Commented {
    text: String,
    fill: u64,
    slot: u32,
    count: usize,
}

impl Commented {
    fn new(fill: u64) -> Self {
        Commented {
            text: String::new(),
            fill,
            slot: 0,
            count: 0,
        }
    }

    /// Whether the next slot gets a comment; if so, its text.
    fn next_comment(&mut self) -> Option<String> {
        let filled = self.fill >> self.slot & 1 == 1;
        self.slot += 1;
        assert!(self.slot <= 64, "more slots than bits");
        filled.then(|| {
            self.count += 1;
            format!("# c{}", self.count)
        })
    }

    /// `code`, a comment slot at the end of its line, and a line break.
    fn line(&mut self, code: &str) -> &mut Self {
        self.text.push_str(code);
        if let Some(comment) = self.next_comment() {
            let _ = write!(self.text, "   {comment}");
        }
        self.text.push('\n');
        self
    }

    /// A comment slot on a line of its own.
    fn own_line(&mut self, indent: &str) -> &mut Self {
        if let Some(comment) = self.next_comment() {
            let _ = writeln!(self.text, "{indent}{comment}");
        }
        self
    }
}

fn commented_model(fill: u64, lead_on_one_line: bool, final_newline: bool) -> String {
    let mut m = Commented::new(fill);
    m.own_line("").line("model \"m\"").own_line("");
    if lead_on_one_line {
        m.line("lead {industry:string, size:int, email: string, student: bool}");
    } else {
        m.line("lead {")
            .line("  industry: string")
            .own_line("  ")
            .line("  size: int,")
            .line("  email: string, student: bool")
            .own_line("  ")
            .line("}");
    }
    m.line("event page.view {path: string, seconds: number}")
        .line("event email.click {}")
        .line("let countries = [")
        .line("  \"PL\",")
        .line("  \"DE\",")
        .line("]")
        .own_line("")
        .line("score fit {")
        .own_line("  ")
        .line("  when lead.industry == \"software\" +20")
        .own_line("  ")
        .line("  when lead.size >= 50   +15")
        .line("  on page.view where path == \"/pricing\" +10 within 30d max 3")
        .line("  clamp 0 100")
        .own_line("  ")
        .line("}")
        .line("score quick { when lead.student +5 }")
        .own_line("")
        .line("score total = fit + quick")
        .line("grade fit { hot >= 50; warm >= 20; cold }")
        .line("grade quick {")
        .line("  yes >= 1")
        .own_line("  ")
        .line("  no")
        .line("}")
        .line("flag f when fit >= 10 and not lead.student")
        .line("test \"t\" {")
        .line("  as of @2026-03-01")
        .line("  lead { industry: \"software\", size: 120 }")
        .line("  events {")
        .line("    @2026-02-20 page.view { path: \"/pricing\" }")
        .own_line("    ")
        .line("  }")
        .line("  expect fit == 45")
        .line("}")
        .own_line("")
        .line("flag g when quick > 0 and lead.email != \"\"");
    if final_newline {
        m.own_line("");
    } else {
        m.text.pop();
    }
    m.text
}

/// The numbered comments (`# c1`, `# c2`, …) of a text, in order.
fn comment_numbers(text: &str) -> Vec<&str> {
    text.match_indices("# c")
        .map(|(i, _)| {
            let digits = &text[i + 3..];
            &digits[..digits
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(digits.len())]
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn comments_are_kept_exactly_once_in_order(
        fill in any::<u64>(),
        lead_on_one_line in any::<bool>(),
        final_newline in any::<bool>(),
    ) {
        let original = commented_model(fill, lead_on_one_line, final_newline);
        let once = format_source(&original).unwrap();
        prop_assert_eq!(
            comment_numbers(&original),
            comment_numbers(&once),
            "comments changed:\n{}\n---- formatted:\n{}", original, once
        );
        prop_assert_eq!(&format_source(&once).unwrap(), &once, "not idempotent");
        prop_assert_eq!(meaning(&original), meaning(&once), "meaning changed:\n{}", once);
    }
}

#[test]
fn a_comment_after_a_one_line_block_is_kept_once() {
    let text = "lead {industry:string, size:int, country: string}   # fields\nscore s { when lead.size > 3 +5 }  # one line\n";
    assert_eq!(
        format_source(text).unwrap(),
        "lead {\n  industry: string\n  size: int\n  country: string\n}  # fields\nscore s {\n  when lead.size > 3  +5\n}  # one line\n"
    );
}

#[test]
fn formatting_the_examples_keeps_their_meaning() {
    for name in ["b2b", "matrix", "loyalty"] {
        let path = format!("{}/examples/{name}.score", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let formatted = format_source(&text).unwrap();
        assert_eq!(format_source(&formatted).unwrap(), formatted);
        let loader = leadscore::FsLoader;
        let a = leadscore::compile_source(&path, &text, &loader)
            .plan
            .unwrap();
        let b = leadscore::compile_source(&path, &formatted, &loader)
            .plan
            .unwrap();
        assert_eq!(
            (a.code, a.slots, a.constants),
            (b.code, b.slots, b.constants)
        );
    }
}

#[test]
fn a_test_named_with_braces_keeps_its_name() {
    // Found by the `model` fuzz target: the name was cut at its first `{`.
    let source = "event e {}\nscore s {\n  on e  +1\n}\n\ntest \"a {b} c\" {\n  as of @2026-03-01\n  expect s == 0\n}\n";
    let once = format_source(source).unwrap();
    assert_eq!(once, source);
    assert_eq!(format_source(&once).unwrap(), once);
}
