//! Notifications: unsigned `application/x-www-form-urlencoded` POSTs to each subscribed callback
//! URL, answered 2xx within `ack_timeout_ms` or failed; retried `webhook_retries` times; a
//! subscription is removed after `max_consecutive_failures` failed attempts in a row.

use std::time::Duration;

use actix_web::web;

use super::Withings;
use super::state::{Delivery, DeliveryState};

/// Sends notification `fields` of category `appli` to every subscription of `user_id` for it.
/// The first attempt is awaited, retries run in the background. Returns the delivery records
/// after their first attempt.
pub(crate) async fn notify(
    withings: &web::Data<Withings>,
    user_id: &str,
    appli: i64,
    fields: &[(&str, String)],
) -> Vec<Delivery> {
    let mut pairs = vec![("userid", user_id.to_owned()), ("appli", appli.to_string())];
    pairs.extend(fields.iter().map(|(k, v)| (*k, v.clone())));
    let body = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let targets: Vec<String> = withings
        .lock()
        .subscriptions
        .iter()
        .filter(|s| s.user_id == user_id && s.appli == appli)
        .map(|s| s.callbackurl.clone())
        .collect();
    let mut records = Vec::with_capacity(targets.len());
    for callback_url in targets {
        let id = {
            let mut st = withings.lock();
            let id = st.deliveries.len() as u64 + 1;
            st.deliveries.push(Delivery {
                id,
                user_id: user_id.to_owned(),
                appli,
                callback_url: callback_url.clone(),
                body: body.clone(),
                attempts: 0,
                status: None,
                error: None,
                state: DeliveryState::Pending,
            });
            id
        };
        let outcome = attempt(withings, &callback_url, &body).await;
        let last = withings.config.webhook_retries == 0;
        let Some(record) = record(withings, id, outcome, last) else {
            continue;
        };
        if record.state == DeliveryState::Pending {
            tokio::spawn(retry(withings.clone(), id, callback_url, body.clone()));
        }
        records.push(record);
    }
    records
}

/// One POST; anything but a 2xx within the acknowledgement timeout is a failure.
async fn attempt(withings: &Withings, callback_url: &str, body: &str) -> Result<u16, String> {
    let response = withings
        .http
        .post(callback_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .timeout(Duration::from_millis(withings.config.ack_timeout_ms))
        .body(body.to_owned())
        .send()
        .await;
    match response {
        Ok(response) => Ok(response.status().as_u16()),
        Err(error) => Err(error.without_url().to_string()),
    }
}

/// Records an attempt and the subscription's failure streak; returns the updated record.
fn record(
    withings: &Withings,
    id: u64,
    outcome: Result<u16, String>,
    last: bool,
) -> Option<Delivery> {
    let limit = withings.config.max_consecutive_failures.max(1);
    let mut st = withings.lock();
    let delivery = st.deliveries.iter_mut().find(|d| d.id == id)?;
    delivery.attempts += 1;
    let success = matches!(outcome, Ok(200..=299));
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
    let (user_id, appli, url) = (
        delivery.user_id.clone(),
        delivery.appli,
        delivery.callback_url.clone(),
    );
    let subscription = st
        .subscriptions
        .iter_mut()
        .find(|s| s.user_id == user_id && s.appli == appli && s.callbackurl == url);
    let mut dropped = false;
    // A subscription revoked in the meantime gets no more retries.
    let gone = subscription.is_none();
    if let Some(subscription) = subscription {
        if success {
            subscription.failures = 0;
        } else {
            subscription.failures += 1;
            dropped = subscription.failures >= limit;
        }
    }
    if dropped {
        tracing::info!(%user_id, appli, "too many failed notifications; subscription removed");
        st.subscriptions
            .retain(|s| !(s.user_id == user_id && s.appli == appli && s.callbackurl == url));
    }
    let delivery = st.deliveries.iter_mut().find(|d| d.id == id)?;
    delivery.state = match () {
        _ if success => DeliveryState::Delivered,
        _ if dropped => DeliveryState::Dropped,
        _ if last || gone => DeliveryState::Failed,
        _ => DeliveryState::Pending,
    };
    Some(delivery.clone())
}

async fn retry(withings: web::Data<Withings>, id: u64, callback_url: String, body: String) {
    let retries = withings.config.webhook_retries;
    for n in 1..=retries {
        let wait = u64::from(n) * withings.config.webhook_retry_base_ms;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let outcome = attempt(&withings, &callback_url, &body).await;
        match record(&withings, id, outcome, n == retries) {
            Some(d) if d.state == DeliveryState::Pending => {}
            _ => return,
        }
    }
}
