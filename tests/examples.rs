//! The bundled example models check without errors or warnings, and their checked
//! form is snapshotted (a change in how a model is understood shows up in review).

use leadscore::FsLoader;

#[test]
fn examples_check_cleanly() {
    insta::glob!("../examples", "*.score", |path| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let name = path.strip_prefix(root).unwrap().display().to_string();
        let text = std::fs::read_to_string(path).unwrap();
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
