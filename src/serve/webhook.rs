//! Webhook delivery: each change in the outbox POSTed to the webhook, in `seq` order (so
//! in order per lead), signed with HMAC-SHA256 over the body; a change is removed from
//! the outbox once the receiver answers 2xx, and tried again with exponential backoff
//! (capped) until then. The outbox is a table, so nothing is lost to a restart: delivery
//! is at least once.

use super::store::{self, Outgoing};
use super::writer::Job;
use super::{api, Shared, Webhook};
use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Uri;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// The header with the signature: `sha256=` and the HMAC-SHA256 of the body, in hex.
pub const SIGNATURE_HEADER: &str = "x-leadscore-signature";

/// The longest wait between two tries of a change.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How long a receiver may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Refuses a URL the client cannot post to.
pub fn check_url(url: &str) -> Result<(), String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if uri.scheme_str() != Some("http") || uri.host().is_none() {
        return Err(format!(
            "`{url}`: the webhook is an http:// URL (put a TLS proxy in front for https)"
        ));
    }
    Ok(())
}

/// The signature header's value for `body`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(body);
    format!("sha256={}", super::hex(&mac.finalize().into_bytes()))
}

/// The time to wait after the `attempts`-th failed try: 100 ms, doubling, at most
/// [`MAX_BACKOFF`].
fn backoff(attempts: i64) -> Duration {
    let doublings = attempts.clamp(1, 20) as u32 - 1;
    (Duration::from_millis(100) * 2u32.pow(doublings)).min(MAX_BACKOFF)
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Delivers the outbox, for as long as the service runs.
pub async fn deliver(shared: Arc<Shared>, webhook: Webhook, jobs: mpsc::Sender<Job>) {
    let uri: Uri = webhook
        .url
        .parse()
        .expect("checked when the service started");
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let mut feed = shared.changes.subscribe();
    // Changes delivered whose removal from the outbox may not be committed yet.
    let mut delivered = 0;
    loop {
        let reader = shared.clone();
        let batch = tokio::task::spawn_blocking(move || {
            api::with_reader(&reader, |conn| store::outbox_after(conn, delivered, 256))
        })
        .await;
        let batch = match batch {
            Ok(Ok(batch)) => batch,
            Ok(Err(error)) => {
                (shared.log)(&format!("webhook: cannot read the outbox: {error}"));
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(_) => return,
        };
        if batch.is_empty() {
            let _ = tokio::time::timeout(Duration::from_secs(5), feed.changed()).await;
            continue;
        }
        for change in batch {
            deliver_one(&shared, &client, &uri, &webhook.secret, &change, &jobs).await;
            delivered = change.seq;
        }
    }
}

/// Posts one change until the receiver takes it.
async fn deliver_one(
    shared: &Shared,
    client: &HttpClient,
    uri: &Uri,
    secret: &[u8],
    change: &Outgoing,
    jobs: &mpsc::Sender<Job>,
) {
    let mut attempts = change.attempts;
    loop {
        match post(client, uri, secret, change).await {
            Ok(()) => {
                shared.metrics.delivery(true);
                let _ = jobs.send(Job::Delivered(change.seq));
                return;
            }
            Err(why) => {
                attempts += 1;
                shared.metrics.delivery(false);
                if attempts == 1 || attempts % 20 == 0 {
                    let seq = change.seq;
                    (shared.log)(&format!(
                        "webhook: change {seq} not delivered (try {attempts}): {why}; trying again"
                    ));
                }
                let wait = backoff(attempts);
                let _ = jobs.send(Job::Failed {
                    seq: change.seq,
                    attempts,
                    next_try: crate::time::now() + wait.as_micros() as i64,
                });
                tokio::time::sleep(wait).await;
            }
        }
    }
}

async fn post(
    client: &HttpClient,
    uri: &Uri,
    secret: &[u8],
    change: &Outgoing,
) -> Result<(), String> {
    let body = Bytes::from(change.change.clone());
    let request = hyper::Request::post(uri.clone())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(secret, &body))
        .header("x-leadscore-seq", change.seq)
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    let exchange = async {
        let response = client.request(request).await.map_err(|e| e.to_string())?;
        let status = response.status();
        let _ = response.into_body().collect().await;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the receiver answered {status}"))
        }
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| format!("no answer in {} s", TIMEOUT.as_secs()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_rfc_4231s_hmac_sha256() {
        // RFC 4231, test case 2.
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            format!("sha256={expected}")
        );
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        assert_eq!(backoff(1), Duration::from_millis(100));
        assert_eq!(backoff(2), Duration::from_millis(200));
        assert_eq!(backoff(50), MAX_BACKOFF);
    }
}
