//! The counters `GET /metrics` shows, in Prometheus' text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds of the request latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
pub struct Metrics {
    events_accepted: AtomicU64,
    events_refused: AtomicU64,
    requests: AtomicU64,
    /// Requests answered with a 4xx and a 5xx status.
    client_errors: AtomicU64,
    server_errors: AtomicU64,
    /// Requests per bucket (the last for those over every bound).
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_micros: AtomicU64,
    pending_webhooks: AtomicI64,
    delivered: AtomicU64,
    delivery_failures: AtomicU64,
}

impl Metrics {
    pub fn events(&self, accepted: usize, refused: usize) {
        self.events_accepted.fetch_add(accepted as u64, Relaxed);
        self.events_refused.fetch_add(refused as u64, Relaxed);
    }

    pub fn request(&self, status: u16, took: Duration) {
        self.requests.fetch_add(1, Relaxed);
        if (400..500).contains(&status) {
            self.client_errors.fetch_add(1, Relaxed);
        } else if status >= 500 {
            self.server_errors.fetch_add(1, Relaxed);
        }
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(BUCKETS.len());
        self.latency[bucket].fetch_add(1, Relaxed);
        self.latency_micros
            .fetch_add(took.as_micros() as u64, Relaxed);
    }

    pub fn set_pending(&self, pending: i64) {
        self.pending_webhooks.store(pending, Relaxed);
    }

    pub fn add_pending(&self, pending: i64) {
        self.pending_webhooks.fetch_add(pending, Relaxed);
    }

    pub fn delivery(&self, ok: bool) {
        let counter = if ok {
            &self.delivered
        } else {
            &self.delivery_failures
        };
        counter.fetch_add(1, Relaxed);
    }

    /// The text `GET /metrics` answers, with the number of leads.
    pub fn render(&self, leads: usize) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        let get = |counter: &AtomicU64| counter.load(Relaxed).to_string();
        metric(
            "leadscore_events_accepted_total",
            "counter",
            "Events stored.",
            get(&self.events_accepted),
        );
        metric(
            "leadscore_events_refused_total",
            "counter",
            "Events refused (bad records, too late).",
            get(&self.events_refused),
        );
        metric(
            "leadscore_leads",
            "gauge",
            "Leads known (put or named in an event).",
            leads.to_string(),
        );
        metric(
            "leadscore_webhooks_pending",
            "gauge",
            "Changes waiting to be delivered to the webhook.",
            self.pending_webhooks.load(Relaxed).max(0).to_string(),
        );
        metric(
            "leadscore_webhooks_delivered_total",
            "counter",
            "Changes the webhook took.",
            get(&self.delivered),
        );
        metric(
            "leadscore_webhook_failures_total",
            "counter",
            "Deliveries the webhook did not take (each retried).",
            get(&self.delivery_failures),
        );
        metric(
            "leadscore_request_client_errors_total",
            "counter",
            "Requests answered with a 4xx status.",
            get(&self.client_errors),
        );
        metric(
            "leadscore_request_server_errors_total",
            "counter",
            "Requests answered with a 5xx status.",
            get(&self.server_errors),
        );
        let name = "leadscore_request_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time from a request's arrival to its answer.\n# TYPE {name} histogram"
        );
        let mut total = 0;
        for (i, count) in self.latency.iter().enumerate() {
            total += count.load(Relaxed);
            let bound = BUCKETS.get(i).map_or("+Inf".to_string(), |b| b.to_string());
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {total}");
        }
        let sum = self.latency_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {total}");
        out
    }
}
