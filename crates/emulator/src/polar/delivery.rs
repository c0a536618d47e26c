//! Signed webhook deliveries with retries, and the PING that precedes creating or moving a webhook.

use std::time::Duration;

use actix_web::web;
use chrono::{NaiveDate, SecondsFormat, Utc};
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde::Serialize;
use sha2::Sha256;

use super::Polar;
use super::state::{Delivery, DeliveryState};

/// Polar's webhook signature: `HEX(HMAC_SHA256(key = signature_secret_key, msg = raw_body))`,
/// lowercase, sent as `Polar-Webhook-Signature` next to `Polar-Webhook-Event`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return String::new();
    };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// New data for one user.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// `EXERCISE`, `SLEEP`, `CONTINUOUS_HEART_RATE`, `ACTIVITY_SUMMARY`, `PHYSICAL_INFORMATION`.
    pub(crate) event: &'static str,
    pub(crate) user_id: u64,
    pub(crate) entity_id: Option<String>,
    pub(crate) date: Option<NaiveDate>,
    /// Where to fetch it.
    pub(crate) url: String,
}

/// The body, fields in Polar's order.
#[derive(Serialize)]
struct Body<'a> {
    event: &'a str,
    user_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    timestamp: String,
    url: &'a str,
}

fn now_stamp() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn body(event: &Event) -> Vec<u8> {
    serde_json::to_vec(&Body {
        event: event.event,
        user_id: event.user_id,
        entity_id: event.entity_id.as_deref(),
        date: event.date.map(|d| d.to_string()),
        timestamp: now_stamp(),
        url: &event.url,
    })
    .unwrap_or_default()
}

/// POSTs `{"event":"PING","timestamp":..}`; the receiver must answer 200.
pub(crate) async fn ping(polar: &Polar, url: &str, secret: &str) -> Result<(), String> {
    let body =
        serde_json::to_vec(&serde_json::json!({ "event": "PING", "timestamp": now_stamp() }))
            .unwrap_or_default();
    let response = polar
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("Polar-Webhook-Event", "PING")
        .header("Polar-Webhook-Signature", sign(secret, &body))
        .body(body)
        .send()
        .await
        .map_err(|e| format!("ping failed: {e}"))?;
    match response.status().as_u16() {
        200 => Ok(()),
        status => Err(format!("ping answered {status}, expected 200")),
    }
}

/// Sends `event` to the client's webhook when it is active and subscribed: the first attempt is
/// awaited, retries run in the background. Returns the delivery after its first attempt.
pub(crate) async fn notify(polar: &web::Data<Polar>, event: Event) -> Option<Delivery> {
    let (webhook_id, url, secret) = {
        let st = polar.lock();
        let hook = st.webhook.as_ref()?;
        if !hook.active || !hook.events.iter().any(|e| e == event.event) {
            return None;
        }
        (
            hook.id.clone(),
            hook.url.clone(),
            hook.signature_secret_key.clone(),
        )
    };
    let id = {
        let mut st = polar.lock();
        let id = st.deliveries.len() as u64 + 1;
        st.deliveries.push(Delivery {
            id,
            webhook_id,
            url: url.clone(),
            event: event.event.to_owned(),
            user_id: event.user_id,
            body: String::new(),
            signature: String::new(),
            attempts: 0,
            status: None,
            error: None,
            state: DeliveryState::Pending,
        });
        id
    };
    let first = attempt(
        polar,
        id,
        &url,
        &secret,
        &event,
        polar.config.webhook_max_retries == 0,
    )
    .await;
    if first
        .as_ref()
        .is_some_and(|d| d.state == DeliveryState::Pending)
    {
        tokio::spawn(retry(polar.clone(), id, url, secret, event));
    }
    first
}

/// One signed POST with a fresh `timestamp`; records and returns the outcome.
async fn attempt(
    polar: &Polar,
    id: u64,
    url: &str,
    secret: &str,
    event: &Event,
    last: bool,
) -> Option<Delivery> {
    let body = body(event);
    let signature = sign(secret, &body);
    let outcome = polar
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("Polar-Webhook-Event", event.event)
        .header("Polar-Webhook-Signature", &signature)
        .body(body.clone())
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| e.to_string());
    let mut st = polar.lock();
    let delivery = st.deliveries.iter_mut().find(|d| d.id == id)?;
    delivery.attempts += 1;
    delivery.body = String::from_utf8_lossy(&body).into_owned();
    delivery.signature = signature;
    delivery.state = match &outcome {
        Ok(200..=299) => DeliveryState::Delivered,
        _ if last => DeliveryState::Failed,
        _ => DeliveryState::Pending,
    };
    (delivery.status, delivery.error) = match outcome {
        Ok(status) => (Some(status), None),
        Err(error) => (None, Some(error)),
    };
    let snapshot = delivery.clone();
    let limit = polar.config.deactivate_after_failures;
    if let Some(hook) = st.webhook.as_mut().filter(|h| h.id == snapshot.webhook_id) {
        match snapshot.state {
            DeliveryState::Delivered => hook.failed_in_a_row = 0,
            DeliveryState::Failed => {
                hook.failed_in_a_row += 1;
                if limit > 0 && hook.failed_in_a_row >= limit {
                    tracing::info!(webhook = %hook.id, "deliveries keep failing; webhook deactivated");
                    hook.active = false;
                }
            }
            DeliveryState::Pending => {}
        }
    }
    Some(snapshot)
}

async fn retry(polar: web::Data<Polar>, id: u64, url: String, secret: String, event: Event) {
    let max = polar.config.webhook_max_retries;
    for n in 1..=max {
        let delay = u64::from(n) * polar.config.webhook_retry_base_ms;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        match attempt(&polar, id, &url, &secret, &event, n == max).await {
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
        let body = br#"{"event":"EXERCISE","user_id":475,"entity_id":"aQlC83","timestamp":"2018-05-15T14:22:24Z","url":"https://www.polaraccesslink.com/v3/exercises/aQlC83"}"#;
        assert_eq!(
            sign("abe1f3ae-fd33-11e8-8eb2-f2801f1b9fd1", body),
            "443ec69698c1de6d326902d7d942be1e83f0395f685b8c040cee609660d006d6"
        );
    }

    #[test]
    fn bodies_keep_polars_field_order_and_omit_absent_keys() {
        let event = Event {
            event: "SLEEP",
            user_id: 475,
            entity_id: None,
            date: NaiveDate::from_ymd_opt(2019, 12, 31),
            url: "https://www.polaraccesslink.com/v3/users/sleep/2019-12-31".into(),
        };
        let text = String::from_utf8(body(&event)).unwrap();
        assert!(
            text.starts_with(r#"{"event":"SLEEP","user_id":475,"date":"2019-12-31","timestamp":""#),
            "{text}"
        );
        assert!(
            text.ends_with(
                r#"","url":"https://www.polaraccesslink.com/v3/users/sleep/2019-12-31"}"#
            )
        );
        assert!(!text.contains("entity_id"));
    }
}
