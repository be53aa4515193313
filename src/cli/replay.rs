//! `leadscore replay`: the events in file order through the live engine, the results
//! as `score` writes them, and every transition on the way.

use super::score::{model_name, scorer, write_scored, ScoreArgs};
use super::EXIT_TROUBLE;
use leadscore::job::RunCounts;
use leadscore::live::Settings;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    score: ScoreArgs,
    /// How much older than the clock (the newest event time so far) an event may be and
    /// still be applied: `30m`, `12h`, `7d`, `2w`. An older event is a bad record (E0840).
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = parse_lateness)]
    lateness: i64,
    /// Write every flag and grade change here, as JSON Lines in time order.
    #[arg(long, value_name = "FILE")]
    changes: Option<PathBuf>,
}

/// The changes file, created only when the replay first writes to it — once every event
/// is read — so a run that stops leaves nothing behind and touches no existing file.
struct LazyFile<'p> {
    path: &'p Path,
    file: Option<BufWriter<File>>,
}

impl<'p> LazyFile<'p> {
    fn new(path: &'p Path) -> LazyFile<'p> {
        LazyFile { path, file: None }
    }

    fn open(&mut self) -> io::Result<&mut BufWriter<File>> {
        if self.file.is_none() {
            self.file = Some(BufWriter::new(File::create(self.path)?));
        }
        Ok(self.file.as_mut().expect("opened above"))
    }

    /// Creates the file if nothing was written, and flushes it.
    fn finish(&mut self) -> io::Result<()> {
        self.open()?.flush()
    }
}

impl Write for LazyFile<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.open()?.write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

fn parse_lateness(text: &str) -> Result<i64, String> {
    leadscore::time::parse_duration(text)
        .ok_or_else(|| format!("`{text}` is not a duration: write a whole number and a unit, like `7d`, `12h` or `30m` (of at most some 292,000 years)"))
}

pub fn run(args: Args) -> i32 {
    let mut run = args.score.input.data.start("replay");
    let exit = replay_in(&args, &mut run);
    run.finish(exit)
}

fn replay_in(args: &Args, run: &mut super::data::Run<'_>) -> i32 {
    let input = &args.score.input;
    let data = &input.data;
    let model = [("the model", input.model.as_path())];
    if let Err(exit) = data.stdin_once(run, &model) {
        return exit;
    }
    let outputs: Vec<_> = args
        .score
        .output
        .iter()
        .map(|path| ("-o", path.as_path()))
        .chain(
            args.changes
                .iter()
                .map(|path| ("--changes", path.as_path())),
        )
        .collect();
    if let Err(exit) = data.distinct_files(run, &model, &outputs) {
        return exit;
    }
    let scorer = match scorer(&input.model, data, false, &outputs, run) {
        Ok(scorer) => scorer,
        Err(code) => return code,
    };
    if args
        .changes
        .as_deref()
        .is_some_and(leadscore::open::is_stdin)
    {
        let message = "`--changes -`: the changes go to a file (stdout has the results)";
        return run.failed(EXIT_TROUBLE, None, message.to_string());
    }
    let mut changes = args.changes.as_deref().map(LazyFile::new);
    let mut job = data.job(run.as_of);
    job.explain = args.score.explain;
    job.output_format = args.score.output_format();
    let settings = Settings::default().with_lateness(args.lateness);
    let plan = scorer.plan().clone();
    let scored = data.run(run, |leads, events, rejects, progress| {
        let changes_out = changes.as_mut().map(|out| out as &mut dyn Write);
        job.replay(
            plan,
            settings,
            leads,
            events,
            rejects,
            changes_out,
            progress,
        )
    });
    let scored = match scored {
        Ok(scored) => scored,
        Err(code) => return code,
    };
    // A replay with no change still leaves its (empty) changes file.
    if let Some(Err(e)) = changes.as_mut().map(LazyFile::finish) {
        let path = args.changes.as_deref().expect("a changes file");
        let message = format!("cannot write `{}`: {e}", path.display());
        return run.failed(EXIT_TROUBLE, None, message);
    }
    let counts = RunCounts::new(
        model_name(&input.model),
        &scored.summary,
        scored.files.clone(),
    );
    run.summary.runs.push(counts);
    write_scored(&args.score, &scored, run)
}
