//! Signed notifications with retries, and the subscriber verification handshake.

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::web;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use super::Fitbit;
use super::sha1::hmac_sha1;
use super::state::{Delivery, DeliveryState};

/// Fitbit's `X-Fitbit-Signature`: `base64(HMAC-SHA1(key = client_secret + "&", msg = raw body))`.
pub fn sign(client_secret: &str, body: &[u8]) -> String {
    STANDARD.encode(hmac_sha1(format!("{client_secret}&").as_bytes(), body))
}

/// One entry of a notification body, in Fitbit's field order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    collection_type: &'a str,
    date: &'a str,
    owner_id: &'a str,
    owner_type: &'a str,
    subscription_id: &'a str,
}

/// Notifies every subscriber with a subscription of `owner_id` covering `collection`: one body
/// per subscriber listing its matching subscriptions. The first attempt is awaited, retries run
/// in the background. Returns the delivery records after their first attempt.
pub(crate) async fn notify(
    fitbit: &web::Data<Fitbit>,
    owner_id: &str,
    collection: &str,
    date: &str,
) -> Vec<Delivery> {
    let mut by_subscriber: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let targets: Vec<(u64, Option<String>, Vec<u8>)> = {
        let mut st = fitbit.lock();
        for s in st
            .subscriptions
            .iter()
            .filter(|s| s.owner_id == owner_id && s.covers(collection))
        {
            by_subscriber
                .entry(s.subscriber_id.clone())
                .or_default()
                .push(s.subscription_id.clone());
        }
        let mut targets = Vec::new();
        for (subscriber_id, ids) in by_subscriber {
            let entries: Vec<Entry<'_>> = ids
                .iter()
                .map(|id| Entry {
                    collection_type: collection,
                    date,
                    owner_id,
                    owner_type: "user",
                    subscription_id: id,
                })
                .collect();
            let body = serde_json::to_vec(&entries).unwrap_or_default();
            let url = st.subscribers.get(&subscriber_id).map(|s| s.url.clone());
            let id = st.deliveries.len() as u64 + 1;
            st.deliveries.push(Delivery {
                id,
                subscriber_id,
                url: url.clone(),
                collection_type: collection.to_owned(),
                owner_id: owner_id.to_owned(),
                date: date.to_owned(),
                body: String::from_utf8_lossy(&body).into_owned(),
                signature: sign(&fitbit.config.client_secret, &body),
                attempts: 0,
                status: None,
                error: url
                    .is_none()
                    .then(|| "no endpoint configured for the subscriber".to_owned()),
                state: if url.is_some() {
                    DeliveryState::Pending
                } else {
                    DeliveryState::Failed
                },
            });
            targets.push((id, url, body));
        }
        targets
    };
    let mut records = Vec::with_capacity(targets.len());
    for (id, url, body) in targets {
        let Some(url) = url else {
            if let Some(d) = fitbit.lock().deliveries.iter().find(|d| d.id == id) {
                records.push(d.clone());
            }
            continue;
        };
        let outcome = attempt(fitbit, &url, &body).await;
        let Some(record) = record(fitbit, id, outcome, fitbit.config.webhook_max_retries == 0)
        else {
            continue;
        };
        if record.state == DeliveryState::Pending {
            tokio::spawn(retry(fitbit.clone(), id, url, body));
        }
        records.push(record);
    }
    records
}

/// One signed POST of the exact bytes.
async fn attempt(fitbit: &Fitbit, url: &str, body: &[u8]) -> Result<u16, String> {
    let response = fitbit
        .http
        .post(url)
        .header("content-type", "application/json")
        .header(
            "X-Fitbit-Signature",
            sign(&fitbit.config.client_secret, body),
        )
        .body(body.to_vec())
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    match response {
        Ok(response) => Ok(response.status().as_u16()),
        Err(error) => Err(error.to_string()),
    }
}

/// Records an attempt's outcome (204 acknowledges; any 2xx when `webhook_require_204` is off).
fn record(fitbit: &Fitbit, id: u64, outcome: Result<u16, String>, last: bool) -> Option<Delivery> {
    let require_204 = fitbit.config.webhook_require_204;
    let mut st = fitbit.lock();
    let delivery = st.deliveries.iter_mut().find(|d| d.id == id)?;
    delivery.attempts += 1;
    let acknowledged = match &outcome {
        Ok(204) => true,
        Ok(status) => !require_204 && (200..300).contains(status),
        Err(_) => false,
    };
    delivery.state = match (acknowledged, last) {
        (true, _) => DeliveryState::Delivered,
        (false, true) => DeliveryState::Failed,
        (false, false) => DeliveryState::Pending,
    };
    match outcome {
        Ok(status) => {
            delivery.status = Some(status);
            delivery.error =
                (!acknowledged).then(|| format!("subscriber answered {status}, expected 204"));
        }
        Err(error) => {
            delivery.status = None;
            delivery.error = Some(error);
        }
    }
    Some(delivery.clone())
}

async fn retry(fitbit: web::Data<Fitbit>, id: u64, url: String, body: Vec<u8>) {
    let retries = u64::from(fitbit.config.webhook_max_retries);
    for n in 1..=retries {
        tokio::time::sleep(Duration::from_millis(
            n * fitbit.config.webhook_retry_base_ms,
        ))
        .await;
        let outcome = attempt(&fitbit, &url, &body).await;
        match record(&fitbit, id, outcome, n == retries) {
            Some(d) if d.state == DeliveryState::Pending => {}
            _ => return,
        }
    }
}

/// Fitbit's subscriber check: `GET <url>?verify=<correct code>` must answer 204 and
/// `GET <url>?verify=<wrong code>` 404.
pub(crate) async fn verify_subscriber(
    fitbit: &Fitbit,
    url: &str,
    code: &str,
) -> Result<(), String> {
    let wrong = format!("{code}-not-{}", fitbit.lock().secret(8));
    for (candidate, expected) in [(code, 204u16), (wrong.as_str(), 404)] {
        let status = fitbit
            .http
            .get(url)
            .query(&[("verify", candidate)])
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map_err(|e| format!("verification request failed: {e}"))?
            .status()
            .as_u16();
        if status != expected {
            return Err(format!(
                "subscriber answered {status} to a {} code, expected {expected}",
                if expected == 204 { "correct" } else { "wrong" }
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_vendor_test_vector() {
        let body = br#"[{"collectionType":"sleep","date":"2024-01-15","ownerId":"184X36","ownerType":"user","subscriptionId":"2345"}]"#;
        assert_eq!(sign("client-secret", body), "StAVANqKeDPHyDKKnbAqMoJQyJo=");
    }

    #[test]
    fn entries_are_serialized_in_fitbit_order() {
        let entry = Entry {
            collection_type: "sleep",
            date: "2024-01-15",
            owner_id: "184X36",
            owner_type: "user",
            subscription_id: "2345",
        };
        assert_eq!(
            serde_json::to_string(&[entry]).unwrap(),
            r#"[{"collectionType":"sleep","date":"2024-01-15","ownerId":"184X36","ownerType":"user","subscriptionId":"2345"}]"#
        );
    }
}
