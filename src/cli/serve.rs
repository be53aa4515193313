//! `leadscore serve`: the scoring service (`docs/serving.md`).

use super::out::{errln, outln};
use super::{io_message, Color, EXIT_OK, EXIT_TROUBLE};
use leadscore::live::Settings;
use leadscore::serve::{Clock, Config, Server, Webhook};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The model: a `.score` file or a compiled plan.
    #[arg(value_name = "MODEL")]
    model: PathBuf,
    /// The SQLite database (created if missing): leads, events, changes, the webhook's
    /// outbox. Started again on the same file, the service goes on where it stopped.
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// The address and port to listen on (port 0: any free port; the address is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// A file holding the token every request but `/healthz` must send as
    /// `Authorization: Bearer TOKEN`.
    #[arg(long, value_name = "FILE", required_unless_present = "no_auth")]
    token_file: Option<PathBuf>,
    /// Serve without a token (only on a loopback address: for trying it out and tests).
    #[arg(long, conflicts_with = "token_file")]
    no_auth: bool,
    /// POST every flag and grade change to this http:// URL.
    #[arg(long, value_name = "URL", requires = "webhook_secret_file")]
    webhook: Option<String>,
    /// A file holding the key of the webhook's HMAC-SHA256 signature.
    #[arg(long, value_name = "FILE", requires = "webhook")]
    webhook_secret_file: Option<PathBuf>,
    /// How much older than the clock an event may be and still be applied: `30m`, `12h`,
    /// `7d`. An older one is refused (E0840).
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = parse_lateness)]
    lateness: i64,
    /// `system`: the clock follows the system's time; `manual`: only `POST /v1/clock`
    /// moves it (a new database's clock then starts at 1970-01-01).
    #[arg(long, value_enum, default_value_t = ClockArg::System)]
    clock: ClockArg,
    #[arg(long, value_enum, default_value_t)]
    color: Color,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ClockArg {
    /// The system's time.
    System,
    /// Set by `POST /v1/clock`.
    Manual,
}

fn parse_lateness(text: &str) -> Result<i64, String> {
    leadscore::time::parse_duration(text)
        .ok_or_else(|| format!("`{text}` is not a duration: write a whole number and a unit, like `7d`, `12h` or `30m`"))
}

/// A secret file's text, without the line end around it; it may not be empty.
fn read_secret(path: &Path, what: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| io_message(path, &e))?;
    let secret = text.trim().to_string();
    if secret.is_empty() {
        return Err(format!("`{}`: the {what} is empty", path.display()));
    }
    Ok(secret)
}

pub fn run(args: Args) -> i32 {
    match serve(args) {
        Ok(()) => EXIT_OK,
        Err(message) => {
            errln!("error: {message}");
            EXIT_TROUBLE
        }
    }
}

fn serve(args: Args) -> Result<(), String> {
    if args.no_auth && !args.listen.ip().is_loopback() {
        return Err(format!(
            "--no-auth serves only a loopback address, not {}: give a --token-file",
            args.listen
        ));
    }
    let token = match &args.token_file {
        Some(path) => Some(read_secret(path, "token")?),
        None => None,
    };
    let plan = super::model::load(&args.model, args.color.for_stderr())
        .map_err(|_| "the model cannot be loaded (see above)".to_string())?;
    let clock = match args.clock {
        ClockArg::System => Clock::System,
        ClockArg::Manual => Clock::Manual,
    };
    let log = Arc::new(|message: &str| errln!("leadscore serve: {message}"));
    let mut config = Config::new(plan, args.db.clone(), args.listen)
        .with_settings(Settings::default().with_lateness(args.lateness))
        .with_clock(clock)
        .with_log(log);
    if let Some(token) = token {
        config = config.with_token(token);
    }
    if let (Some(url), Some(secret)) = (&args.webhook, &args.webhook_secret_file) {
        let secret = read_secret(secret, "webhook secret")?.into_bytes();
        config = config.with_webhook(Webhook {
            url: url.clone(),
            secret,
        });
    }
    let server = Server::bind(config).map_err(|e| e.to_string())?;
    outln!(
        "leadscore serve: listening on http://{}",
        server.local_addr()
    );
    server.run().map_err(|e| e.to_string())
}
