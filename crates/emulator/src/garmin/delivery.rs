//! Notifications to the configured endpoint: PUSH bodies carry the summaries, PING bodies a
//! `callbackURL` per user and upload window. Unsigned (Garmin signs nothing), with the
//! `garmin-client-id` header. Only HTTP 200 counts as delivered; failures are retried with
//! exponential backoff.

use std::time::Duration;

use actix_web::web;
use serde_json::{Value, json};

use super::Garmin;
use super::data::Record;
use super::kind::Kind;
use super::state::{Delivery, DeliveryState, Mode};

/// The upload window a ping's callback URL may cover.
const MAX_PING_WINDOW: i64 = 86_400;

/// Notifies the endpoint about `records` of `kind` for user `user_id` (nothing without an
/// endpoint). Waits for the first attempt of each body; retries run in the background.
pub(crate) async fn records(
    garmin: &web::Data<Garmin>,
    user_id: &str,
    kind: Kind,
    mut records: Vec<Record>,
    base: &str,
    backfill: bool,
) -> Vec<Delivery> {
    let Some(target) = garmin.lock().target.clone() else {
        return Vec::new();
    };
    if records.is_empty() {
        return Vec::new();
    }
    let mode = target.mode_for(kind);
    // Historical activity details are only available through PUSH.
    if backfill && mode == Mode::Ping && kind == Kind::ActivityDetails {
        return Vec::new();
    }
    let bodies: Vec<(usize, String)> = match mode {
        Mode::Push => records
            .chunks(garmin.config.push_batch_size)
            .map(|chunk| {
                let items: Vec<String> = chunk.iter().map(|r| r.pushed(user_id)).collect();
                (
                    chunk.len(),
                    format!("{{\"{}\":[{}]}}", kind.key(), items.join(",")),
                )
            })
            .collect(),
        Mode::Ping => {
            records.sort_by_key(|r| r.uploaded);
            let mut items = Vec::new();
            let mut group: Vec<&Record> = Vec::new();
            for record in &records {
                if group
                    .first()
                    .is_some_and(|first| record.uploaded - first.uploaded >= MAX_PING_WINDOW)
                {
                    items.push(ping_item(garmin, user_id, kind, &group, base));
                    group.clear();
                }
                group.push(record);
            }
            items.push(ping_item(garmin, user_id, kind, &group, base));
            items
                .chunks(garmin.config.push_batch_size)
                .map(|chunk| (chunk.len(), envelope(kind.key(), chunk.to_vec())))
                .collect()
        }
    };
    let mode_name = match mode {
        Mode::Push => "push",
        Mode::Ping => "ping",
    };
    let mut sent = Vec::new();
    for (items, body) in bodies {
        sent.extend(post(garmin, &target.url, kind.key(), mode_name, items, body).await);
    }
    sent
}

/// `{"<key>": [items..]}`.
fn envelope(key: &str, items: Vec<Value>) -> String {
    let mut map = serde_json::Map::new();
    map.insert(key.to_owned(), Value::Array(items));
    Value::Object(map).to_string()
}

fn ping_item(garmin: &Garmin, user_id: &str, kind: Kind, group: &[&Record], base: &str) -> Value {
    let start = group.first().map_or(0, |r| r.uploaded);
    let end = group.last().map_or(0, |r| r.uploaded) + 1;
    let token = garmin.lock().secret(24);
    json!({
        "userId": user_id,
        "callbackURL": format!(
            "{base}/garmin/wellness-api/rest/{}?uploadStartTimeInSeconds={start}&uploadEndTimeInSeconds={end}&token={token}",
            kind.path()
        ),
    })
}

/// A `deregistrations` or `userPermissionsChange` notification.
pub(crate) async fn lifecycle(garmin: &web::Data<Garmin>, key: &str, item: Value) -> Vec<Delivery> {
    let Some(target) = garmin.lock().target.clone() else {
        return Vec::new();
    };
    let body = envelope(key, vec![item]);
    post(garmin, &target.url, key, "lifecycle", 1, body)
        .await
        .into_iter()
        .collect()
}

async fn post(
    garmin: &web::Data<Garmin>,
    url: &str,
    key: &str,
    mode: &'static str,
    items: usize,
    body: String,
) -> Option<Delivery> {
    let id = {
        let mut st = garmin.lock();
        let id = st.deliveries.len() as u64 + 1;
        st.deliveries.push(Delivery {
            id,
            url: url.to_owned(),
            key: key.to_owned(),
            mode,
            items,
            body: body.clone(),
            attempts: 0,
            status: None,
            error: None,
            state: DeliveryState::Pending,
        });
        id
    };
    let outcome = attempt(garmin, url, &body).await;
    let record = record(garmin, id, outcome, garmin.config.webhook_max_retries == 0)?;
    if record.state == DeliveryState::Pending {
        tokio::spawn(retry(garmin.clone(), id, url.to_owned(), body));
    }
    Some(record)
}

async fn attempt(garmin: &Garmin, url: &str, body: &str) -> Result<u16, String> {
    let response = garmin
        .http
        .post(url)
        .header("content-type", "application/json;charset=UTF-8")
        .header("user-agent", "Garmin Health API")
        .header("garmin-client-id", &garmin.config.client_id)
        .body(body.to_owned())
        .send()
        .await;
    match response {
        Ok(response) => Ok(response.status().as_u16()),
        Err(error) => Err(error.without_url().to_string()),
    }
}

fn record(garmin: &Garmin, id: u64, outcome: Result<u16, String>, last: bool) -> Option<Delivery> {
    let mut st = garmin.lock();
    let delivery = st.deliveries.iter_mut().find(|d| d.id == id)?;
    delivery.attempts += 1;
    delivery.state = match &outcome {
        Ok(200) => DeliveryState::Delivered,
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

async fn retry(garmin: web::Data<Garmin>, id: u64, url: String, body: String) {
    let max = garmin.config.webhook_max_retries;
    for n in 1..=max {
        let wait = garmin
            .config
            .webhook_retry_base_ms
            .saturating_mul(1 << (n - 1).min(16));
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let outcome = attempt(&garmin, &url, &body).await;
        match record(&garmin, id, outcome, n == max) {
            Some(d) if d.state == DeliveryState::Pending => {}
            _ => return,
        }
    }
}
