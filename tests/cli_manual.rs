//! The command line documents itself: shell completions, man pages, `--help` of every
//! command (its `--color`, its required options), and `--color` honoured by `test`.

use insta_cmd::get_cargo_bin;
use std::process::{Command, Output};

/// Every command, as typed.
const COMMANDS: &[&[&str]] = &[
    &["check"],
    &["compile"],
    &["score"],
    &["explain"],
    &["diff"],
    &["fmt"],
    &["test"],
    &["gen"],
    &["plan", "show"],
    &["completions"],
    &["man"],
];

/// The commands that print diagnostics, and so take `--color`.
const COLOURED: &[&[&str]] = &[
    &["check"],
    &["compile"],
    &["score"],
    &["explain"],
    &["diff"],
    &["fmt"],
    &["test"],
    &["plan", "show"],
];

fn leadscore(args: &[&str]) -> Output {
    let output = Command::new(get_cargo_bin("leadscore"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(args: &[&str]) -> String {
    String::from_utf8(leadscore(args).stdout).unwrap()
}

#[test]
fn completions_cover_every_command_in_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout(&["completions", shell]);
        assert!(script.len() > 1000, "{shell}: {script}");
        for command in COMMANDS {
            let name = command.last().unwrap();
            assert!(script.contains(name), "{shell} completions lack `{name}`");
        }
        assert!(script.contains("deny-warnings"), "{shell}: options too");
    }
}

#[test]
fn man_pages_render_for_leadscore_and_each_command() {
    let page = stdout(&["man"]);
    assert!(page.starts_with(".ie"), "{page}");
    assert!(page.contains(".TH leadscore 1"));
    assert!(page.contains(".SH SUBCOMMANDS"));
    assert!(page.contains("leadscore\\-check(1)"));
    let check = stdout(&["man", "check"]);
    assert!(check.contains(".TH leadscore-check 1  \"leadscore "));
    assert!(check.contains("\\-\\-deny\\-warnings"));
    let show = stdout(&["man", "plan", "show"]);
    assert!(show.contains(".TH leadscore-plan-show 1"));

    let dir = tempfile::tempdir().unwrap();
    leadscore(&["man", "--out-dir", dir.path().to_str().unwrap()]);
    for name in ["leadscore", "leadscore-check", "leadscore-plan-show"] {
        let written = std::fs::read_to_string(dir.path().join(format!("{name}.1"))).unwrap();
        assert!(written.contains(&format!(".TH {name} 1")));
    }
}

#[test]
fn every_command_with_color_describes_it() {
    for command in COMMANDS {
        let help = stdout(&[command, &["--help"][..]].concat());
        let Some((_, after)) = help.split_once("--color <COLOR>\n") else {
            assert!(!COLOURED.contains(command), "{command:?} has no --color");
            continue;
        };
        let description = after.lines().next().unwrap_or_default().trim();
        assert_eq!(
            description, "When to colour messages and results meant for people",
            "{command:?}"
        );
        assert!(after.contains("Never colour"), "{command:?}");
    }
}

#[test]
fn usage_lines_show_what_is_required() {
    for (command, usage) in [
        (
            &["score"][..],
            "Usage: leadscore score [OPTIONS] <--leads <FILE>|--events <FILE>> <MODEL>",
        ),
        (
            &["explain"],
            "Usage: leadscore explain [OPTIONS] --lead <ID> <--leads <FILE>|--events <FILE>> <MODEL>",
        ),
        (
            &["diff"],
            "Usage: leadscore diff [OPTIONS] <--leads <FILE>|--events <FILE>> <OLD> <NEW>",
        ),
        (&["gen"], "Usage: leadscore gen [OPTIONS] --out <DIR>"),
    ] {
        let help = stdout(&[command, &["--help"][..]].concat());
        assert!(help.contains(usage), "{command:?}:\n{help}");
    }
}

#[test]
fn test_colours_its_verdicts_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.score");
    // A warning (W0002) on stderr, one passing and one failing test on stdout.
    std::fs::write(
        &model,
        "let unused = 1\nevent a {}\nscore s { on a +1 }\n\
         test \"passes\" {\n  as of @2026-03-01\n  expect s == 0\n}\n\
         test \"fails\" {\n  as of @2026-03-01\n  expect s == 1\n}\n",
    )
    .unwrap();
    let run = |color: &str| {
        Command::new(get_cargo_bin("leadscore"))
            .args(["test", "--color", color])
            .arg(&model)
            .output()
            .unwrap()
    };
    let always = run("always");
    let stdout = String::from_utf8(always.stdout).unwrap();
    assert!(
        stdout.contains("test \"passes\" ... \u{1b}[32mok\u{1b}[0m"),
        "{stdout}"
    );
    assert!(stdout.contains("test \"fails\" ... \u{1b}[1;31mFAILED\u{1b}[0m"));
    assert!(
        stdout.ends_with("\n1 passed, 1 failed\n"),
        "the closing line stays plain"
    );
    assert!(String::from_utf8_lossy(&always.stderr).contains('\u{1b}'));

    let never = run("never");
    assert_eq!(never.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&never.stdout).contains('\u{1b}'));
    let stderr = String::from_utf8_lossy(&never.stderr);
    assert!(
        stderr.contains("W0002") && !stderr.contains('\u{1b}'),
        "{stderr}"
    );
}
