//! Signed webhook deliveries to the app's webhook URL, retried with exponential backoff.

use std::time::Duration;

use actix_web::web;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde::Serialize;
use serde_json::Value;
use sha2::Sha256;

use super::Whoop;
use super::state::{Delivery, DeliveryState};

/// WHOOP's webhook signature: `BASE64(HMAC_SHA256(key = client_secret, msg = timestamp ++
/// raw_body))`, sent as `X-WHOOP-Signature` next to `X-WHOOP-Signature-Timestamp` (epoch ms).
pub fn sign(client_secret: &str, timestamp_ms: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return String::new();
    };
    mac.update(timestamp_ms.as_bytes());
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Something happened to one of a member's records.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) user_id: i64,
    /// `sleep.updated`, `workout.deleted`, `recovery.updated`, …
    pub(crate) event: String,
    /// A UUID string, or an integer cycle id for v1-style recovery events.
    pub(crate) id: Value,
}

/// The webhook body, fields in WHOOP's order.
#[derive(Serialize)]
struct Notification<'a> {
    user_id: i64,
    id: &'a Value,
    #[serde(rename = "type")]
    event: &'a str,
    trace_id: &'a str,
}

/// Sends `event` to the webhook URL when one is set and the member still has a grant: the
/// first attempt is awaited, retries run in the background. Returns the delivery record.
pub(crate) async fn notify(whoop: &web::Data<Whoop>, event: &Event) -> Option<Delivery> {
    let (url, id, trace_id, body) = {
        let mut st = whoop.lock();
        let url = st.webhook_url.clone()?;
        let connected = st
            .users
            .iter()
            .any(|u| u.profile.user_id == event.user_id && u.connected);
        if !connected {
            tracing::info!(user_id = event.user_id, "member has no grant; no webhook");
            return None;
        }
        let trace_id = st.uuid();
        let body = serde_json::to_vec(&Notification {
            user_id: event.user_id,
            id: &event.id,
            event: &event.event,
            trace_id: &trace_id,
        })
        .unwrap_or_default();
        let id = st.deliveries.len() as u64 + 1;
        st.deliveries.push(Delivery {
            id,
            url: url.clone(),
            user_id: event.user_id,
            event: event.event.clone(),
            object_id: match &event.id {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
            trace_id: trace_id.clone(),
            body: String::from_utf8_lossy(&body).into_owned(),
            attempts: 0,
            status: None,
            error: None,
            state: DeliveryState::Pending,
        });
        (url, id, trace_id, body)
    };
    tracing::debug!(%trace_id, event = %event.event, "delivering WHOOP webhook");
    let outcome = attempt(whoop, &url, &body).await;
    let record = record(whoop, id, outcome, whoop.config.webhook_retries == 0)?;
    if record.state == DeliveryState::Pending {
        tokio::spawn(retry(whoop.clone(), id, url, body));
    }
    Some(record)
}

/// One signed POST; a fresh timestamp (and so signature) per attempt.
async fn attempt(whoop: &Whoop, url: &str, body: &[u8]) -> Result<u16, String> {
    let timestamp = chrono::Utc::now().timestamp_millis().to_string();
    let signature = sign(&whoop.config.client_secret, &timestamp, body);
    let response = whoop
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("X-WHOOP-Signature-Timestamp", &timestamp)
        .header("X-WHOOP-Signature", signature)
        .body(body.to_vec())
        .send()
        .await;
    match response {
        Ok(response) => Ok(response.status().as_u16()),
        Err(error) => Err(error.without_url().to_string()),
    }
}

/// Records an attempt's outcome; returns the updated record.
fn record(whoop: &Whoop, id: u64, outcome: Result<u16, String>, last: bool) -> Option<Delivery> {
    let mut st = whoop.lock();
    let delivery = st.deliveries.iter_mut().find(|d| d.id == id)?;
    delivery.attempts += 1;
    delivery.state = match &outcome {
        Ok(200..=299) => DeliveryState::Delivered,
        _ if last => DeliveryState::Failed,
        _ => DeliveryState::Pending,
    };
    match outcome {
        Ok(status) => {
            delivery.status = Some(status);
            delivery.error = None;
        }
        Err(error) => {
            delivery.status = None;
            delivery.error = Some(error);
        }
    }
    Some(delivery.clone())
}

async fn retry(whoop: web::Data<Whoop>, id: u64, url: String, body: Vec<u8>) {
    let retries = whoop.config.webhook_retries;
    for n in 1..=retries {
        let factor = 1u64 << (n - 1).min(16);
        let delay = whoop.config.webhook_retry_base_ms.saturating_mul(factor);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        let outcome = attempt(&whoop, &url, &body).await;
        match record(&whoop, id, outcome, n == retries) {
            Some(d) if d.state == DeliveryState::Pending => {}
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_vendor_test_vector() {
        let body = br#"{"user_id":10129,"id":"ecfc6a15-4661-442f-a9a4-f160dd7afae8","type":"sleep.updated","trace_id":"t1"}"#;
        assert_eq!(
            sign("client-secret", "1748241241000", body),
            "jkuVP3l0zLCAJrPkpooO2XzC/vnv9z0LXl8lPhH8dWg="
        );
    }

    #[test]
    fn notification_fields_are_serialized_in_whoop_order() {
        let id = Value::String("ecfc6a15-4661-442f-a9a4-f160dd7afae8".into());
        let body = serde_json::to_string(&Notification {
            user_id: 10129,
            id: &id,
            event: "sleep.updated",
            trace_id: "t1",
        })
        .unwrap();
        assert_eq!(
            body,
            r#"{"user_id":10129,"id":"ecfc6a15-4661-442f-a9a4-f160dd7afae8","type":"sleep.updated","trace_id":"t1"}"#
        );
        let cycle = serde_json::json!(93845);
        let body = serde_json::to_string(&Notification {
            user_id: 1,
            id: &cycle,
            event: "recovery.updated",
            trace_id: "t",
        })
        .unwrap();
        assert!(body.contains(r#""id":93845"#));
    }
}
