//! `leadscore compile` and `leadscore plan show`.

use super::out::{self, errln, out};
use super::{files, model, Color, EXIT_OK, EXIT_TROUBLE};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct CompileArgs {
    /// The model to compile.
    model: PathBuf,
    /// Where to write the plan (default: the model's name with `.plan`, or `.plan.json`
    /// with `--emit json`). `-` writes to stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The plan's form: compact binary, or readable JSON.
    #[arg(long, value_enum, default_value_t = Emit::Binary)]
    emit: Emit,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq)]
enum Emit {
    Binary,
    Json,
}

pub fn compile(args: CompileArgs) -> i32 {
    if args.output.is_none() && leadscore::open::is_stdin(&args.model) {
        errln!("error: a model read from stdin has no name to name the plan after: give `-o FILE` (or `-o -` for stdout)");
        return EXIT_TROUBLE;
    }
    let (plan, model_files) = match model::load_with_files(&args.model, args.color.for_stderr()) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let bytes = match args.emit {
        Emit::Binary => plan.to_bytes(),
        Emit::Json => (plan.to_json() + "\n").into_bytes(),
    };
    let output = args.output.unwrap_or_else(|| {
        args.model.with_extension(if args.emit == Emit::Json {
            "plan.json"
        } else {
            "plan"
        })
    });
    if output.as_os_str() == "-" {
        out::stdout_bytes(&bytes);
        return EXIT_OK;
    }
    // The model and every file it imports.
    let inputs: Vec<_> = model_files
        .iter()
        .map(|file| ("the model", file.as_path()))
        .collect();
    if let Err(clash) = files::distinct(&inputs, &[("-o", &output)]) {
        errln!("error: {clash}");
        return EXIT_TROUBLE;
    }
    if let Err(e) = std::fs::write(&output, &bytes) {
        errln!("error: cannot write `{}`: {e}", output.display());
        return EXIT_TROUBLE;
    }
    errln!(
        "compiled `{}` to `{}` ({} bytes, plan format {})",
        args.model.display(),
        output.display(),
        bytes.len(),
        plan.format_version()
    );
    EXIT_OK
}

#[derive(clap::Args)]
pub struct ShowArgs {
    /// A compiled plan (or a model, compiled on the fly).
    plan: PathBuf,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

pub fn show(args: ShowArgs) -> i32 {
    match model::load(&args.plan, args.color.for_stderr()) {
        Ok(plan) => {
            out!("{}", plan.disassemble());
            EXIT_OK
        }
        Err(code) => code,
    }
}
