//! The docs hold when pasted. Every fenced code block in `README.md` and `docs/*.md` says
//! what it is in its info string:
//!
//! - ```` ```score ```` is a whole model (or test file): it must check without errors, and
//!   its `test` blocks must pass. ```` ```score file=NAME ```` also names it, so that other
//!   blocks of the same page can `import "NAME"`. Imports are otherwise relative to the
//!   page, as if the block were a file beside it.
//! - ```` ```score-fragment ```` is a piece of a model (a rule, a band, a bad example in
//!   the diagnostics reference): skipped on purpose.
//! - Anything else (`sh`, `json`, `text`, `rust`, `toml`) is not a model. (The `rust` blocks
//!   of `docs/embedding.md` run as doctests.)
//!
//! An unmarked block fails the test, so no model can slip past it.

use insta_cmd::get_cargo_bin;
use leadscore::testing::run_tests;
use leadscore::{Loader, MemoryLoader, Scorer};
use std::path::{Path, PathBuf};

/// A fenced code block of a page.
struct Block {
    /// The page and line of the opening fence, as `docs/language.md:23`.
    place: String,
    /// The info string after the opening fence.
    info: String,
    /// The last heading before the block.
    heading: String,
    text: String,
}

impl Block {
    /// What the block is, from its info string.
    fn kind(&self) -> Kind {
        match self.info.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["score"] => Kind::Model { file: None },
            ["score", name] => Kind::Model {
                file: Some(
                    name.strip_prefix("file=")
                        .unwrap_or_else(|| {
                            panic!("{}: `{}`: expected file=NAME", self.place, self.info)
                        })
                        .to_string(),
                ),
            },
            ["score-fragment"] => Kind::Fragment,
            [] => panic!(
                "{}: the block does not say what it is: mark it ```score (a whole model), \
                 ```score-fragment, or with its language (sh, json, text, …)",
                self.place
            ),
            [language, ..] if language.starts_with("score") => {
                panic!("{}: unknown mark `{}`", self.place, self.info)
            }
            _ => Kind::Other,
        }
    }
}

enum Kind {
    Model { file: Option<String> },
    Fragment,
    Other,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The pages: the README and every page under `docs/`, as paths relative to the root.
fn pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| p.strip_prefix(root()).unwrap().to_path_buf())
        .collect();
    pages.sort();
    pages.insert(0, PathBuf::from("README.md"));
    pages
}

/// The fenced blocks of a page. A fence may be indented (in a list); the block's lines
/// lose that indentation.
fn blocks(page: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(root().join(page)).unwrap();
    let mut blocks = Vec::new();
    let mut heading = String::new();
    let mut lines = text.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        if line.starts_with('#') {
            heading = line.to_string();
        }
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let indent = line.len() - line.trim_start().len();
        let mut body = String::new();
        for (_, line) in lines.by_ref() {
            if line.trim() == "```" {
                break;
            }
            body.push_str(line.get(indent..).unwrap_or(line.trim_start()));
            body.push('\n');
        }
        blocks.push(Block {
            place: format!("{}:{}", page.display(), number + 1),
            info: info.trim().to_string(),
            heading: heading.clone(),
            text: body,
        });
    }
    blocks
}

/// Imports from a page's blocks: the named ones, then the files of the repository.
struct PageLoader {
    named: MemoryLoader,
}

impl Loader for PageLoader {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        self.named
            .read(path)
            .or_else(|_| std::fs::read_to_string(root().join(path)))
    }
}

#[test]
fn every_model_in_the_docs_checks_and_passes_its_tests() {
    let (mut models, mut tests, mut fragments) = (0, 0, 0);
    for page in pages() {
        let blocks = blocks(&page);
        let dir = page.parent().unwrap();
        let mut named = MemoryLoader::new();
        for block in &blocks {
            if let Kind::Model { file: Some(file) } = block.kind() {
                named = named.with(dir.join(file), block.text.clone());
            }
        }
        let loader = PageLoader { named };
        for block in &blocks {
            let name = match block.kind() {
                Kind::Model { file: Some(file) } => dir.join(file).display().to_string(),
                Kind::Model { file: None } => block.place.clone(),
                Kind::Fragment => {
                    fragments += 1;
                    continue;
                }
                Kind::Other => continue,
            };
            models += 1;
            let checked = leadscore::check_source(&name, &block.text, &loader);
            let rendered = leadscore::diagnostics::render::human(
                &checked.diagnostics.clone().into_vec(),
                &checked.sources,
                false,
            );
            let model = checked.model.unwrap_or_else(|| {
                panic!("{}: the model does not check:\n{rendered}", block.place)
            });
            let scorer = Scorer::new(leadscore::plan::lower(&model)).unwrap();
            for result in run_tests(&model, &scorer) {
                tests += 1;
                assert!(
                    result.passed(),
                    "{}: test {:?} fails: {:#?}",
                    block.place,
                    result.name,
                    result.failures
                );
            }
        }
    }
    // The pages hold models, tests and fragments; a broken extractor would find none.
    assert!(
        models >= 3 && tests >= 1 && fragments >= 40,
        "{models} models, {tests} tests, {fragments} fragments"
    );
}

/// The Data formats section shows a lead, an event and the result line for them; the
/// result must be what scoring them with the page's first model gives.
#[test]
fn the_results_example_is_what_its_model_and_records_give() {
    let page = Path::new("docs/language.md");
    let blocks = blocks(page);
    let under = |heading: &str| {
        blocks
            .iter()
            .find(|b| b.heading == heading && b.info == "json")
            .unwrap_or_else(|| panic!("no json block under `{heading}`"))
            .text
            .clone()
    };
    let model = blocks
        .iter()
        .find(|b| b.info == "score file=acme.score")
        .expect("the first model");
    let command =
        "leadscore score acme.score --leads leads.jsonl --events events.jsonl --as-of 2026-10-15";
    let text = std::fs::read_to_string(root().join(page)).unwrap();
    assert!(
        text.replace('\n', " ").contains(&format!("(`{command}`)")),
        "the page no longer shows `{command}`"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("acme.score"), &model.text).unwrap();
    std::fs::write(
        dir.path().join("leads.jsonl"),
        under("### Leads (JSON Lines)"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("events.jsonl"),
        under("### Events (JSON Lines)"),
    )
    .unwrap();
    let output = std::process::Command::new(get_cargo_bin("leadscore"))
        .current_dir(dir.path())
        .args(command.split_whitespace().skip(1))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        under("### Results")
    );
}
