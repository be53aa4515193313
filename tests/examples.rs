//! The bundled example models (`examples/` and `examples/changes/`) check without errors
//! or warnings, and the output of every stage is snapshotted: the AST, the checked model
//! and the plan listing. A change in how a model is parsed, understood or compiled shows
//! up in review.

use leadscore::source::FileId;
use leadscore::FsLoader;

/// Runs `test` on every example with its crate-relative name (so snapshots hold no
/// absolute paths) and its text; each snapshot is named after the example.
macro_rules! each_example {
    (|$name:ident, $text:ident| $body:block) => {
        insta::glob!("../examples", "**/*.score", |path| {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let $name = path.strip_prefix(root).unwrap().display().to_string();
            let $text = std::fs::read_to_string(path).unwrap();
            $body
        })
    };
}

#[test]
fn examples_parse_cleanly() {
    each_example!(|name, text| {
        let (ast, diagnostics) = leadscore::syntax::parse(FileId::default(), &text);
        assert!(diagnostics.is_empty(), "{name}: {diagnostics:#?}");
        insta::assert_yaml_snapshot!(ast);
    });
}

#[test]
fn examples_check_cleanly() {
    each_example!(|name, text| {
        let checked = leadscore::check_source(&name, &text, &FsLoader);
        assert!(
            checked.diagnostics.is_empty(),
            "{name}: {:#?}",
            checked.diagnostics
        );
        let model = checked.model.expect("a checked model");
        insta::assert_json_snapshot!(model);
    });
}

#[test]
fn examples_compile_to_their_plans() {
    each_example!(|name, text| {
        let compiled = leadscore::compile_source(&name, &text, &FsLoader);
        let plan = compiled.plan.expect("a plan");
        insta::assert_snapshot!(leadscore::plan::disassemble(&plan));
    });
}

#[test]
fn examples_are_in_the_canonical_layout() {
    each_example!(|name, text| {
        let formatted = leadscore::format::format_source(&text).expect("an example formats");
        assert!(
            formatted == text,
            "{name} is not formatted: run `leadscore fmt {name}`"
        );
    });
}
