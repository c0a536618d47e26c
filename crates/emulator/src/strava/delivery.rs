//! Event deliveries to the push subscription's callback: an unsigned JSON POST (Strava signs
//! nothing), answered with a 2xx within the timeout, else retried (`webhook_attempts` in all).

use std::time::Duration;

use actix_web::web;
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::Sha256;

use super::Strava;
use super::state::{Delivery, DeliveryState};

/// Open Wearables' `X-Strava-Signature` value `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
/// (UNVERIFIED: Strava documents no signature; sent only when configured).
pub fn sign(client_secret: &str, timestamp: i64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return String::new();
    };
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// What happened, before it is addressed to the subscription.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) object_type: &'static str,
    pub(crate) object_id: u64,
    pub(crate) aspect_type: &'static str,
    pub(crate) owner_id: u64,
    pub(crate) updates: Map<String, Value>,
}

impl Event {
    pub(crate) fn activity(aspect_type: &'static str, id: u64, owner_id: u64) -> Self {
        Self {
            object_type: "activity",
            object_id: id,
            aspect_type,
            owner_id,
            updates: Map::new(),
        }
    }

    /// The athlete revoked the application: `updates: {"authorized": "false"}`.
    pub(crate) fn deauthorized(athlete_id: u64) -> Self {
        let mut updates = Map::new();
        updates.insert("authorized".into(), Value::String("false".into()));
        Self {
            object_type: "athlete",
            object_id: athlete_id,
            aspect_type: "update",
            owner_id: athlete_id,
            updates,
        }
    }
}

/// The event body, fields in the order of Strava's documentation example.
#[derive(Serialize)]
struct Body<'a> {
    aspect_type: &'a str,
    event_time: i64,
    object_id: u64,
    object_type: &'a str,
    owner_id: u64,
    subscription_id: u64,
    updates: &'a Map<String, Value>,
}

/// Delivers `event` to the subscription, if there is one: the first attempt is awaited, retries
/// run in the background. Returns the delivery record after its first attempt.
pub(crate) async fn notify(strava: &web::Data<Strava>, event: Event) -> Option<Delivery> {
    let (subscription_id, callback_url) = {
        let st = strava.lock();
        let s = st.subscription.as_ref()?;
        (s.id, s.callback_url.clone())
    };
    let body = serde_json::to_vec(&Body {
        aspect_type: event.aspect_type,
        event_time: chrono::Utc::now().timestamp(),
        object_id: event.object_id,
        object_type: event.object_type,
        owner_id: event.owner_id,
        subscription_id,
        updates: &event.updates,
    })
    .unwrap_or_default();
    let id = {
        let mut st = strava.lock();
        let id = st.deliveries.len() as u64 + 1;
        st.deliveries.push(Delivery {
            id,
            subscription_id,
            callback_url: callback_url.clone(),
            object_type: event.object_type.to_owned(),
            aspect_type: event.aspect_type.to_owned(),
            object_id: event.object_id,
            owner_id: event.owner_id,
            body: String::from_utf8_lossy(&body).into_owned(),
            attempts: 0,
            status: None,
            error: None,
            state: DeliveryState::Pending,
        });
        id
    };
    let outcome = attempt(strava, &callback_url, &body).await;
    let record = record(strava, id, outcome, strava.config.webhook_attempts <= 1)?;
    if record.state == DeliveryState::Pending {
        tokio::spawn(retry(strava.clone(), id, callback_url, body));
    }
    Some(record)
}

async fn attempt(strava: &Strava, callback_url: &str, body: &[u8]) -> Result<u16, String> {
    let mut request = strava
        .http
        .post(callback_url)
        .header("content-type", "application/json")
        .timeout(Duration::from_millis(strava.config.webhook_timeout_ms));
    if strava.config.send_signature_header {
        let now = chrono::Utc::now().timestamp();
        request = request.header(
            "x-strava-signature",
            sign(&strava.config.client_secret, now, body),
        );
    }
    let response = request.body(body.to_vec()).send().await;
    match response {
        Ok(response) => Ok(response.status().as_u16()),
        Err(error) => Err(error.without_url().to_string()),
    }
}

fn record(strava: &Strava, id: u64, outcome: Result<u16, String>, last: bool) -> Option<Delivery> {
    let mut st = strava.lock();
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

async fn retry(strava: web::Data<Strava>, id: u64, callback_url: String, body: Vec<u8>) {
    let attempts = u64::from(strava.config.webhook_attempts);
    for n in 1..attempts {
        tokio::time::sleep(Duration::from_millis(
            n * strava.config.webhook_retry_base_ms,
        ))
        .await;
        let subscribed = {
            let st = strava.lock();
            let subscription = st
                .deliveries
                .iter()
                .find(|d| d.id == id)
                .map(|d| d.subscription_id);
            subscription.is_some() && st.subscription.as_ref().map(|s| s.id) == subscription
        };
        if !subscribed {
            record(&strava, id, Err("subscription deleted".to_owned()), true);
            return;
        }
        let outcome = attempt(&strava, &callback_url, &body).await;
        match record(&strava, id, outcome, n + 1 == attempts) {
            Some(d) if d.state == DeliveryState::Pending => {}
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_optional_signature_is_hex_hmac_of_timestamp_dot_body() {
        // Python: hmac.new(b"client-secret", b"1516126040." + body, sha256).hexdigest()
        let body = br#"{"aspect_type":"create"}"#;
        assert_eq!(
            sign("client-secret", 1_516_126_040, body),
            "t=1516126040,v1=de98b8d24e48f30d252d224f9294f0238f374d453544bd8173822177196b2e2a"
        );
    }

    #[test]
    fn bodies_follow_stravas_documented_shape() {
        let event = Event::deauthorized(134_815);
        let body = serde_json::to_string(&Body {
            aspect_type: event.aspect_type,
            event_time: 1_516_126_040,
            object_id: event.object_id,
            object_type: event.object_type,
            owner_id: event.owner_id,
            subscription_id: 120_475,
            updates: &event.updates,
        })
        .unwrap();
        assert_eq!(
            body,
            r#"{"aspect_type":"update","event_time":1516126040,"object_id":134815,"object_type":"athlete","owner_id":134815,"subscription_id":120475,"updates":{"authorized":"false"}}"#
        );
    }
}
