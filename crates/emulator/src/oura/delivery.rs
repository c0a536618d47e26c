//! Signed webhook deliveries with retries, and the subscription verification handshake.

use std::time::Duration;

use actix_web::web;
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde::Serialize;
use serde_json::Value;
use sha2::Sha256;

use super::Oura;
use super::state::{Delivery, DeliveryState};
use super::time::now_utc;

/// Retries after the first attempt; retry `n` waits `n * webhook_retry_base_ms`.
const MAX_RETRIES: u64 = 10;

/// Oura's webhook signature: `HEX_UPPER(HMAC_SHA256(key = client_secret, msg = timestamp ++ raw_body))`,
/// sent as `x-oura-signature` next to `x-oura-timestamp` (unix seconds).
pub fn sign(client_secret: &str, timestamp: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return String::new();
    };
    mac.update(timestamp.as_bytes());
    mac.update(body);
    hex::encode_upper(mac.finalize().into_bytes())
}

/// What happened to a document, for the subscriptions of `(event_type, data_type)`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Event {
    pub(crate) event_type: String,
    pub(crate) data_type: String,
    pub(crate) object_id: String,
    pub(crate) user_id: String,
}

#[derive(Serialize)]
struct Notification<'a> {
    event_type: &'a str,
    data_type: &'a str,
    object_id: &'a str,
    event_time: String,
    user_id: &'a str,
}

/// Notifies every matching subscription: the first attempt is awaited, retries run in the
/// background. Returns the delivery records after their first attempt.
pub(crate) async fn notify(oura: &web::Data<Oura>, event: &Event) -> Vec<Delivery> {
    let body = serde_json::to_vec(&Notification {
        event_type: &event.event_type,
        data_type: &event.data_type,
        object_id: &event.object_id,
        event_time: now_utc(),
        user_id: &event.user_id,
    })
    .unwrap_or_default();
    let body_text = String::from_utf8_lossy(&body).into_owned();
    let targets: Vec<(String, String)> = oura
        .lock()
        .subscriptions
        .iter()
        .filter(|s| s.event_type == event.event_type && s.data_type == event.data_type)
        .map(|s| (s.id.clone(), s.callback_url.clone()))
        .collect();

    let mut records = Vec::with_capacity(targets.len());
    for (subscription_id, callback_url) in targets {
        let id = {
            let mut st = oura.lock();
            let id = st.deliveries.len() as u64 + 1;
            st.deliveries.push(Delivery {
                id,
                subscription_id,
                callback_url: callback_url.clone(),
                event_type: event.event_type.clone(),
                data_type: event.data_type.clone(),
                object_id: event.object_id.clone(),
                body: body_text.clone(),
                attempts: 0,
                status: None,
                error: None,
                state: DeliveryState::Pending,
            });
            id
        };
        let outcome = attempt(oura, &callback_url, &body).await;
        let Some(record) = record(oura, id, outcome, false) else {
            continue;
        };
        if record.state == DeliveryState::Pending {
            tokio::spawn(retry(oura.clone(), id, callback_url, body.clone()));
        }
        records.push(record);
    }
    records
}

/// One signed POST; a fresh timestamp (and so signature) per attempt.
async fn attempt(oura: &Oura, callback_url: &str, body: &[u8]) -> Result<u16, String> {
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature = sign(&oura.config.client_secret, &timestamp, body);
    let response = oura
        .http
        .post(callback_url)
        .header("content-type", "application/json")
        .header("x-oura-timestamp", &timestamp)
        .header("x-oura-signature", signature)
        .body(body.to_vec())
        .send()
        .await;
    match response {
        Ok(response) => Ok(response.status().as_u16()),
        Err(error) => Err(error.to_string()),
    }
}

/// Records an attempt's outcome; a 410 deletes the subscription. Returns the updated record.
fn record(oura: &Oura, id: u64, outcome: Result<u16, String>, last: bool) -> Option<Delivery> {
    let mut st = oura.lock();
    let delivery = st.deliveries.iter_mut().find(|d| d.id == id)?;
    delivery.attempts += 1;
    delivery.state = match &outcome {
        Ok(200..=299) => DeliveryState::Delivered,
        Ok(410) => DeliveryState::Gone,
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
    let snapshot = delivery.clone();
    if snapshot.state == DeliveryState::Gone {
        tracing::info!(subscription = %snapshot.subscription_id, "callback answered 410; subscription deleted");
        st.subscriptions
            .retain(|s| s.id != snapshot.subscription_id);
    }
    Some(snapshot)
}

async fn retry(oura: web::Data<Oura>, id: u64, callback_url: String, body: Vec<u8>) {
    for n in 1..=MAX_RETRIES {
        tokio::time::sleep(Duration::from_millis(n * oura.config.webhook_retry_base_ms)).await;
        let subscribed = {
            let st = oura.lock();
            let subscription = st
                .deliveries
                .iter()
                .find(|d| d.id == id)
                .map(|d| &d.subscription_id);
            subscription.is_some_and(|sid| st.subscriptions.iter().any(|s| &s.id == sid))
        };
        if !subscribed {
            record(&oura, id, Err("subscription deleted".to_owned()), true);
            return;
        }
        let outcome = attempt(&oura, &callback_url, &body).await;
        match record(&oura, id, outcome, n == MAX_RETRIES) {
            Some(d) if d.state == DeliveryState::Pending => {}
            _ => return,
        }
    }
}

/// `GET <callback_url>?verification_token=..&challenge=..` must answer 200 `{"challenge":"<same>"}`.
pub(crate) async fn verify_callback(
    oura: &Oura,
    callback_url: &str,
    verification_token: &str,
) -> Result<(), String> {
    let challenge = oura.lock().secret(32);
    let response = oura
        .http
        .get(callback_url)
        .query(&[
            ("verification_token", verification_token),
            ("challenge", challenge.as_str()),
        ])
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    if status != reqwest::StatusCode::OK {
        return Err(format!("callback answered {status}, expected 200"));
    }
    let body: Value = response
        .json()
        .await
        .map_err(|e| format!("response is not JSON: {e}"))?;
    if body.get("challenge").and_then(Value::as_str) != Some(challenge.as_str()) {
        return Err("response does not echo the challenge".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_vendor_test_vector() {
        let body = br#"{"event_type":"update","data_type":"sleep","object_id":"abc","event_time":"2024-01-01T08:00:00+00:00","user_id":"u1"}"#;
        assert_eq!(
            sign("client-secret", "1704096000", body),
            "F88F6B5C929E353113FCAAA3691A901EAE01963264B8B322019799344CA7490B"
        );
    }

    #[test]
    fn notification_fields_are_serialized_in_oura_order() {
        let body = serde_json::to_string(&Notification {
            event_type: "update",
            data_type: "sleep",
            object_id: "abc",
            event_time: "2024-01-01T08:00:00+00:00".to_owned(),
            user_id: "u1",
        })
        .unwrap();
        assert_eq!(
            body,
            r#"{"event_type":"update","data_type":"sleep","object_id":"abc","event_time":"2024-01-01T08:00:00+00:00","user_id":"u1"}"#
        );
    }
}
