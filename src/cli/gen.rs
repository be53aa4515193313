//! `leadscore gen`: synthetic data for the B2B example model, or for any model.

use super::out::errln;
use super::{files, model, Color, EXIT_OK, EXIT_TROUBLE};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Number of leads.
    #[arg(long, default_value_t = 10_000)]
    leads: u64,
    /// Number of events.
    #[arg(long, default_value_t = 100_000)]
    events: u64,
    /// Seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory for `leads.jsonl` and `events.jsonl`, and for the B2B example
    /// `outcomes.jsonl` (for `leadscore evaluate`) (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Generate for this model's schema (a `.score` file or a compiled plan), with
    /// values its rules test for, instead of for the B2B example.
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
}

pub fn run(args: Args) -> i32 {
    let (leads_path, events_path) = (args.out.join("leads.jsonl"), args.out.join("events.jsonl"));
    let outcomes_path = args.out.join("outcomes.jsonl");
    let (plan, model_files) = match &args.model {
        Some(path) => match model::load_with_files(path, Color::Auto.for_stderr()) {
            Ok((plan, files)) => (Some(plan), files),
            Err(code) => return code,
        },
        None => (None, Vec::new()),
    };
    // The model and every file it imports.
    let model: Vec<_> = model_files
        .iter()
        .map(|path| ("--model", path.as_path()))
        .collect();
    let mut outputs = vec![
        ("--out (leads.jsonl)", leads_path.as_path()),
        ("--out (events.jsonl)", events_path.as_path()),
    ];
    if plan.is_none() {
        outputs.push(("--out (outcomes.jsonl)", outcomes_path.as_path()));
    }
    if let Err(clash) = files::distinct(&model, &outputs) {
        errln!("error: {clash}");
        return EXIT_TROUBLE;
    }
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(&args.out)?;
        let mut leads = BufWriter::new(std::fs::File::create(&leads_path)?);
        let mut events = BufWriter::new(std::fs::File::create(&events_path)?);
        let config = leadscore::gen::Config {
            leads: args.leads,
            events: args.events,
            seed: args.seed,
        };
        match &plan {
            Some(plan) => leadscore::gen::generate_for(plan, &config, &mut leads, &mut events)?,
            None => {
                let mut outcomes = BufWriter::new(std::fs::File::create(&outcomes_path)?);
                leadscore::gen::generate_with_outcomes(
                    &config,
                    &mut leads,
                    &mut events,
                    &mut outcomes,
                )?;
                outcomes.flush()?;
            }
        }
        leads.flush()?;
        events.flush()
    };
    match write() {
        Ok(()) => {
            errln!(
                "wrote {} leads and {} events to {} (score them as of {})",
                args.leads,
                args.events,
                args.out.display(),
                leadscore::time::format_timestamp(leadscore::gen::AS_OF)
            );
            if plan.is_none() {
                errln!(
                    "and outcomes.jsonl (evaluate as of {} with --horizon 90d)",
                    leadscore::time::format_timestamp(leadscore::gen::OUTCOMES_AS_OF)
                );
            }
            EXIT_OK
        }
        Err(e) => {
            errln!("error: cannot write to `{}`: {e}", args.out.display());
            EXIT_TROUBLE
        }
    }
}
