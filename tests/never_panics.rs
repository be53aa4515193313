//! Property test: checking never panics, whatever the input.

use leadscore::MemoryLoader;
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "model",
    "import",
    "lead",
    "event",
    "let",
    "score",
    "on",
    "when",
    "where",
    "within",
    "max",
    "decay",
    "per",
    "idle",
    "without",
    "clamp",
    "grade",
    "if",
    "flag",
    "and",
    "or",
    "not",
    "in",
    "matches",
    "true",
    "false",
    "test",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ";",
    ":",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "+5",
    "-10",
    "0",
    "3.5",
    "30d",
    "0d",
    "1mo",
    "@2026-01-31",
    "@bad",
    "\"x\"",
    "\"(?i)\\b\"",
    "\"(\"",
    "lead.size",
    "lead.nope",
    "email.click",
    "page.view",
    "path",
    "size",
    "fit",
    "count(",
    "sum(",
    "exists(",
    "days_since(",
    "has(",
    "domain(",
    "lower(",
    "int",
    "string",
    "number",
    "bool",
    "time",
    "list<int>",
    "\n",
    "\n",
    "\n",
    " ",
    "#c\n",
    "as of",
    "expect",
    "events",
];

const PRELUDE: &str = "lead { size: int, email: string }\nevent email.click { campaign: string }\nevent page.view { path: string, seconds: number }\n";

fn token_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(TOKENS), 0..60)
        .prop_map(|tokens| tokens.join(" "))
}

fn check(text: &str) {
    let loader = MemoryLoader::new().with("other.score", "score other = 1");
    let _ = leadscore::check_source("fuzz.score", text, &loader);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn token_soup_never_panics(soup in token_soup()) {
        check(&soup);
        check(&format!("{PRELUDE}score s {{\n{soup}\n}}\n"));
        check(&format!("{PRELUDE}flag f when {soup}\n"));
    }

    #[test]
    fn mutated_example_never_panics(cut in 0usize..2000, len in 0usize..40, insert in proptest::sample::select(TOKENS)) {
        let example = include_str!("../examples/matrix.score");
        let cut = example.char_indices().map(|(i, _)| i).find(|&i| i >= cut.min(example.len())).unwrap_or(example.len());
        let end = example[cut..].char_indices().map(|(i, _)| cut + i).nth(len).unwrap_or(example.len());
        let mutated = format!("{}{}{}", &example[..cut], insert, &example[end..]);
        check(&mutated);
    }
}

#[test]
fn extreme_nesting_is_an_error_not_a_crash() {
    let parens = format!(
        "lead {{ size: int }}\nscore a {{ when {}lead.size > 1{} +5 }}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let nots = format!(
        "lead {{ size: int }}\nscore a {{ when {}lead.size > 1 +5 }}\n",
        "not ".repeat(3000)
    );
    let chain = format!(
        "lead {{ size: int }}\nscore b = {}\n",
        vec!["lead.size"; 5000].join(" + ")
    );
    let list = format!("let l = [{}]\n", "[".repeat(3000));
    for text in [parens, nots, chain, list] {
        let checked = leadscore::check_source("deep.score", &text, &MemoryLoader::new());
        assert!(checked.diagnostics.has_errors());
    }
}
