//! Syntax errors in words: what pest found and expected, said the way a rule author
//! thinks about a model, with help for the most common mistakes.

use super::keywords::{DECLARATION_KEYWORDS, RULE_KEYWORDS};
use super::parser::Rule;
use crate::diagnostics::{closest, did_you_mean, Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::vocab::Function;
use pest::error::{ErrorVariant, InputLocation};

/// Turns a pest error into a diagnostic: what was found, what was expected, in words a
/// rule author knows. `base` is where the parsed text starts in the file (non-zero for a
/// re-parsed statement).
pub(super) fn syntax_error(
    file: FileId,
    text: &str,
    error: &pest::error::Error<Rule>,
    base: usize,
) -> Diagnostic {
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    } + base;
    let found = describe_found(text, pos);
    let span = Span::new(file, pos, pos + found.len);
    let positives = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.as_slice(),
        ErrorVariant::CustomError { .. } => &[],
    };
    let expected = match &error.variant {
        ErrorVariant::ParsingError { .. } => expected_words(positives),
        ErrorVariant::CustomError { message } if message.contains("stack limit") => {
            return Diagnostic::new(
                Code::TooDeep,
                "this statement nests too deeply",
                span,
                "too deep",
            )
            .with_help("split it into smaller parts (`let` constants, derived scores)");
        }
        ErrorVariant::CustomError { message } => vec![message.clone()],
    };
    let message = format!("unexpected {}", found.words);
    let label = if expected.is_empty() {
        "not expected here".to_string()
    } else {
        format!("expected {}", join_or(&expected))
    };
    let help = syntax_help(text, pos, &found.words, positives, &expected);
    Diagnostic::new(Code::Syntax, message, span, label).with_help_opt(help)
}

struct Found {
    words: String,
    len: usize,
}

/// What sits at `pos`: a word, a symbol, the end of a line or of the file.
fn describe_found(text: &str, pos: usize) -> Found {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return Found {
            words: "end of file".into(),
            len: 0,
        };
    };
    if first == '\n' || first == '\r' {
        return Found {
            words: "end of line".into(),
            len: 0,
        };
    }
    let len = if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len())
    } else {
        first.len_utf8()
    };
    Found {
        words: format!("`{}`", &rest[..len]),
        len,
    }
}

/// What to call any of the [`DECLARATION_KEYWORDS`] pest expected (a test keeps the list
/// in step).
const DECLARATION_WORDS: &str =
    "a declaration (`model`, `import`, `lead`, `event`, `let`, `score`, `grade`, `flag` or `test`)";
/// What to call any of the [`RULE_KEYWORDS`] pest expected.
const RULE_WORDS: &str = "a rule (`on`, `when`, `decay` or `clamp`)";

/// Human words for the grammar rules pest says it expected.
fn expected_words(rules: &[Rule]) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for expected in rules {
        let name = format!("{expected:?}");
        // `without … for` where an `on` rule's points could come instead is not
        // offered: nearly every rule there wants its points.
        if *expected == Rule::kw_without && rules.contains(&Rule::points) {
            continue;
        }
        if let Some(keyword) = name.strip_prefix("kw_") {
            let word = if DECLARATION_KEYWORDS.contains(&keyword) {
                DECLARATION_WORDS.to_string()
            } else if RULE_KEYWORDS.contains(&keyword) {
                RULE_WORDS.to_string()
            } else {
                format!("`{keyword}`")
            };
            if !words.contains(&word) {
                words.push(word);
            }
            continue;
        }
        let word = match expected {
            Rule::EOI => "the end of the statement",
            Rule::name | Rule::ident | Rule::band_name => "a name",
            // Groups and lists too: the words stay those of v1, which had only types.
            Rule::event_name | Rule::event_group | Rule::event_list | Rule::group_target => {
                "an event type like `email.click`"
            }
            Rule::points => "points like `+10` or `-5`",
            Rule::duration => "a duration like `30d`",
            Rule::number | Rule::signed_num => "a number",
            Rule::string => "a quoted string",
            Rule::time_lit => "a time like `@2026-01-31`",
            Rule::expr
            | Rule::or_expr
            | Rule::and_expr
            | Rule::not_expr
            | Rule::cmp_expr
            | Rule::add_expr
            | Rule::mul_expr
            | Rule::unary
            | Rule::paren
            | Rule::list
            | Rule::call
            | Rule::aggregate
            | Rule::grade_ref
            | Rule::lead_ref
            | Rule::bool_lit => "a value or expression",
            Rule::list_comma => "`,`",
            Rule::list_close => "`]`",
            Rule::cmp_op => "a comparison like `>=`",
            Rule::add_op | Rule::mul_op => "an operator",
            Rule::or_op => "`or`",
            Rule::and_op => "`and`",
            Rule::in_op => "`in`",
            Rule::not_in_op => "`not in`",
            Rule::matches_op => "`matches`",
            Rule::where_clause => "`where`",
            Rule::within_opt => "`within`",
            Rule::max_opt | Rule::max_per_opt => "`max`",
            Rule::same_clause => "`same`",
            Rule::distinct_opt => "`distinct by`",
            Rule::percent_decay_opt => "`decay`",
            Rule::since => "`since`",
            Rule::label => "`label`",
            Rule::on_rule | Rule::when_rule | Rule::decay_rule | Rule::clamp_rule => RULE_WORDS,
            Rule::idle | Rule::without => "`idle` or `without`",
            Rule::model_decl
            | Rule::import_decl
            | Rule::lead_decl
            | Rule::event_decl
            | Rule::let_decl
            | Rule::score_block
            | Rule::score_derived
            | Rule::grade_decl
            | Rule::flag_decl
            | Rule::test_decl => DECLARATION_WORDS,
            Rule::field_block | Rule::record => "`{`",
            Rule::field | Rule::record_field => "a field like `name: string`",
            Rule::type_expr => "a type like `string`",
            Rule::band => "a grade band like `hot >= 70`",
            Rule::threshold => "a threshold (`>= N` or `> N`)",
            Rule::band_if => "`if`",
            Rule::test_as_of | Rule::test_lead | Rule::test_events | Rule::test_expect => {
                "a test statement (`as of`, `lead`, `events` or `expect`)"
            }
            Rule::test_event => "an event like `@2026-02-20 email.click`",
            Rule::literal_value => "a value",
            Rule::expect_score | Rule::expect_grade | Rule::expect_flag => {
                "an expectation like `engagement == 65`, `grade engagement == warm` or `flag mql`"
            }
            _ => continue,
        };
        if !words.iter().any(|w| w == word) {
            words.push(word.to_string());
        }
    }
    words
}

fn join_or(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Help for the syntax mistakes rule authors make most. `found` is the text at `pos` in
/// words, `positives` the grammar rules pest expected there, `expected` those in words.
fn syntax_help(
    text: &str,
    pos: usize,
    found: &str,
    positives: &[Rule],
    expected: &[String],
) -> Option<String> {
    let before = text[..pos.min(text.len())].trim_end_matches([' ', '\t']);
    let after = text.get(pos..).unwrap_or("");
    let statement_start = expected
        .iter()
        .any(|w| w == DECLARATION_WORDS || w == RULE_WORDS);
    if statement_start {
        let word = found.trim_matches('`');
        let keywords = if expected.iter().any(|w| w == RULE_WORDS) {
            RULE_KEYWORDS
        } else {
            DECLARATION_KEYWORDS
        };
        if let Some(help) = did_you_mean(word, keywords.iter().copied()) {
            return Some(help);
        }
    }
    if let Some(help) = other_language_help(before, after, found, positives) {
        return Some(help);
    }
    if literal_wanted(found, positives) {
        return Some(
            "write the amount out, like `30d` or `3`: constants work in expressions, not as \
             the amounts of `within`, `max`, `decay`, `clamp` or a rule's points"
                .into(),
        );
    }
    if glued_sign(before) {
        return Some("write binary `+` and `-` with spaces on both sides, like `size + 5`".into());
    }
    if before.ends_with('+') || before.ends_with('-') {
        return Some("write binary `+` and `-` with spaces on both sides, like `size + 5`".into());
    }
    if after.starts_with('+') || after.starts_with('-') {
        let glued = after[1..].starts_with(|c: char| c.is_ascii_digit());
        if glued {
            return Some(
                "points end the rule; for arithmetic write `+`/`-` with spaces on both sides, like `size + 5`".into(),
            );
        }
    }
    if after.starts_with('=') && !after.starts_with("==") {
        return Some("compare with `==`".into());
    }
    if matches!(found, "`<`" | "`<=`" | "`>`" | "`>=`" | "`==`" | "`!=`") {
        return Some("comparisons do not chain: write `a < b and b < c`".into());
    }
    if found == "`'`" {
        return Some("strings use double quotes: \"like this\"".into());
    }
    None
}

/// Help for what people bring from other languages: `//` comments, `&&` `||` `!`, method
/// calls, and comparisons other than `>=` in a grade band. `before` is the text before
/// the error (blanks trimmed), `after` the text from it on.
fn other_language_help(
    before: &str,
    after: &str,
    found: &str,
    positives: &[Rule],
) -> Option<String> {
    let symbol = found.trim_matches('`');
    if after.starts_with("//") || after.starts_with("/*") {
        return Some(
            "comments start with `#` and run to the end of the line: `# like this`".into(),
        );
    }
    if positives.contains(&Rule::threshold) && symbol.chars().all(|c| "<>=!".contains(c)) {
        return Some(
            "a band takes `>= N` (the score is at least N) or `> N` (above N) and/or \
             `if CONDITION`, like `hot >= 70`; bands are tried top to bottom, so the band above sets the upper bound"
                .into(),
        );
    }
    let word = match symbol {
        "&" => Some(("and", if after.starts_with("&&") { "&&" } else { "&" })),
        "|" => Some(("or", if after.starts_with("||") { "||" } else { "|" })),
        "!" if !after.starts_with("!=") => Some(("not", "!")),
        _ => None,
    };
    if let Some((word, written)) = word {
        return Some(format!(
            "write `{word}` instead of `{written}`: conditions use the words `and`, `or` and `not`"
        ));
    }
    if symbol == "." {
        return method_call_help(before, &after[1..]);
    }
    None
}

/// Whether a name stands where the grammar takes a number or duration written out (the
/// amounts of `within`, `per`, `max`, `clamp`): most likely a constant, which cannot.
/// (Points are left out: a name where points may stand is as often a misspelt `and`.)
fn literal_wanted(found: &str, positives: &[Rule]) -> bool {
    let word = found.trim_matches('`');
    word != found
        && word.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && positives
            .iter()
            .any(|r| matches!(r, Rule::duration | Rule::signed_num))
}

/// Help for `x.starts_with(…)`: there are no methods, functions take the value first.
/// `before` ends with the receiver, `after` starts with the method's name.
fn method_call_help(before: &str, after: &str) -> Option<String> {
    let method_len = after
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    let (method, rest) = after.split_at(method_len);
    if method.is_empty() || !rest.trim_start().starts_with('(') {
        return None;
    }
    let receiver_start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .map_or(0, |i| i + 1);
    let receiver = match &before[receiver_start..] {
        "" => "x",
        name => name,
    };
    let Some(function) = function_for_method(method) else {
        return Some(format!(
            "there are no methods: functions take the value as their first argument, like \
             `starts_with({receiver}, \"…\")` or `lower({receiver})`"
        ));
    };
    let call = if function.arity() == 1 {
        format!("{}({receiver})", function.name())
    } else {
        format!("{}({receiver}, …)", function.name())
    };
    Some(format!(
        "there are no methods: functions take the value as their first argument, like `{call}`"
    ))
}

/// The function a method name from another language means: the same name without
/// underscores or case (`startswith`, `startsWith`), a few common other names, or a
/// close spelling.
fn function_for_method(method: &str) -> Option<Function> {
    const OTHER_NAMES: &[(&str, Function)] = &[
        ("tolowercase", Function::Lower),
        ("touppercase", Function::Upper),
        ("strip", Function::Trim),
        ("len", Function::Length),
        ("size", Function::Length),
        ("includes", Function::Contains),
    ];
    let plain = |name: &str| name.replace('_', "").to_lowercase();
    let wanted = plain(method);
    Function::ALL
        .iter()
        .copied()
        .find(|f| plain(f.name()) == wanted)
        .or_else(|| {
            OTHER_NAMES
                .iter()
                .find(|(name, _)| *name == wanted)
                .map(|(_, f)| *f)
        })
        .or_else(|| {
            closest(method, Function::ALL.iter().map(|f| f.name())).and_then(Function::from_name)
        })
}

/// Does `text` end with a number glued to what precedes it, as in `size+5`? That reads
/// as points, not arithmetic, and is the usual cause of a confusing syntax error.
fn glued_sign(text: &str) -> bool {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    if digits.len() == text.len() {
        return false;
    }
    let Some(before_sign) = digits.strip_suffix(['+', '-']) else {
        return false;
    };
    before_sign.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ')' || c == ']')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `what` followed by the quoted `keywords` in parentheses, as the statement words read.
    fn listed(what: &str, keywords: &[&str]) -> String {
        let quoted: Vec<String> = keywords.iter().map(|k| format!("`{k}`")).collect();
        format!("{what} ({})", join_or(&quoted))
    }

    #[test]
    fn statement_words_list_the_statement_keywords() {
        assert_eq!(
            DECLARATION_WORDS,
            listed("a declaration", DECLARATION_KEYWORDS)
        );
        assert_eq!(RULE_WORDS, listed("a rule", RULE_KEYWORDS));
    }

    #[test]
    fn methods_from_other_languages_name_the_function() {
        let function = |method| function_for_method(method).map(Function::name);
        assert_eq!(function("startswith"), Some("starts_with"));
        assert_eq!(function("startsWith"), Some("starts_with"));
        assert_eq!(function("toLowerCase"), Some("lower"));
        assert_eq!(function("len"), Some("length"));
        assert_eq!(function("frobnicate"), None);
    }
}
