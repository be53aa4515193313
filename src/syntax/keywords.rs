//! The language's keywords, defined once for the parser and the checker.
//!
//! The pest grammar cannot import a Rust constant, so `grammar/score.pest` spells the
//! list again in its `keyword` rule; a test below keeps the two the same.

/// Every reserved word: none of them can be a name (of a field, event type, constant,
/// score or flag), and inside expressions they never read as one.
pub(crate) const KEYWORDS: &[&str] = &[
    "model", "import", "lead", "event", "let", "score", "on", "when", "where", "within", "max",
    "decay", "per", "idle", "without", "clamp", "grade", "if", "flag", "and", "or", "not", "in",
    "matches", "true", "false", "test", "for", "same", "distinct", "by", "since", "label",
];

/// The keywords that start a top-level statement, in the order syntax errors list them.
pub(crate) const DECLARATION_KEYWORDS: &[&str] = &[
    "model", "import", "lead", "event", "let", "score", "grade", "flag", "test",
];

/// The keywords that start a rule inside a `score` block.
pub(crate) const RULE_KEYWORDS: &[&str] = &["on", "when", "decay", "clamp"];

#[cfg(test)]
mod tests {
    use super::*;

    /// The words between the parentheses of the grammar's `keyword = @{ ( … ) ~ … }` rule.
    fn grammar_keywords() -> Vec<String> {
        let grammar = include_str!("../../grammar/score.pest");
        let rule = grammar
            .split_once("\nkeyword = @{")
            .expect("the grammar has a `keyword` rule")
            .1;
        let alternatives = rule
            .split_once('(')
            .and_then(|(_, rest)| rest.split_once(')'))
            .expect("the `keyword` rule lists its words in parentheses")
            .0;
        alternatives
            .split('|')
            .map(|word| word.trim().trim_matches('"').to_string())
            .collect()
    }

    #[test]
    fn the_grammar_reserves_exactly_these_keywords() {
        let mut in_grammar = grammar_keywords();
        let mut here: Vec<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
        in_grammar.sort();
        here.sort();
        assert_eq!(in_grammar, here);
    }

    #[test]
    fn every_keyword_token_of_the_grammar_is_a_keyword() {
        let grammar = include_str!("../../grammar/score.pest");
        for line in grammar.lines() {
            let Some(rest) = line.strip_prefix("kw_") else {
                continue;
            };
            let word = rest.split_whitespace().next().expect("a rule name");
            assert!(KEYWORDS.contains(&word), "`kw_{word}` is not in KEYWORDS");
        }
    }

    #[test]
    fn statement_keywords_are_keywords() {
        for word in DECLARATION_KEYWORDS.iter().chain(RULE_KEYWORDS) {
            assert!(KEYWORDS.contains(word), "`{word}` is not in KEYWORDS");
        }
    }
}
