use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit as _, Mac as _};
use provider_emulator::Emulator;
use serde_json::{Value, json};

use crate::subscriptions::{SECRET, app, subscription_url};
use crate::support::{
    self, Callback, Received, all_pages, assert_sleep_consistent, connect, control, created_day,
    get, http, subscribe,
};

/// Checks the Oura signature independently of the emulator's code; returns the parsed body.
fn verified(received: &Received) -> Value {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(received.timestamp.as_bytes());
    mac.update(&received.body);
    assert_eq!(
        received.signature,
        hex::encode_upper(mac.finalize().into_bytes())
    );
    let sent: i64 = received.timestamp.parse().unwrap();
    assert!((Utc::now().timestamp() - sent).abs() < 60);
    assert_eq!(received.content_type, "application/json");
    let body: Value = serde_json::from_slice(&received.body).unwrap();
    let event_time = body["event_time"].as_str().unwrap();
    assert!(event_time.ends_with("+00:00"), "{event_time}");
    DateTime::parse_from_rfc3339(event_time).unwrap();
    body
}

async fn deliveries(emulator: &Emulator) -> Vec<Value> {
    let list: Value = http()
        .get(format!("{}/_emulator/oura/deliveries", emulator.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn created_sleep_is_delivered_with_a_valid_signature() {
    let emulator = support::start().await;
    let callback = Callback::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    assert_eq!(
        subscribe(&emulator, &http, &callback.url, "create", "sleep")
            .await
            .status(),
        201
    );
    assert_eq!(
        subscribe(&emulator, &http, &callback.url, "create", "workout")
            .await
            .status(),
        201
    );

    let created = control(
        &emulator,
        &http,
        &format!("/users/{}/sleep", connection.user_id),
        json!({}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let doc: Value = created.json().await.unwrap();
    assert_sleep_consistent(&doc);
    if doc["type"] == "late_nap" {
        assert!((1200..=5400).contains(&doc["time_in_bed"].as_i64().unwrap()));
    }

    let posts = callback.posts();
    assert_eq!(posts.len(), 1);
    let body = verified(&posts[0]);
    assert_eq!(body["event_type"], "create");
    assert_eq!(body["data_type"], "sleep");
    assert_eq!(body["object_id"], doc["id"]);
    assert_eq!(body["user_id"], connection.user_id.as_str());
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 5);

    let path = format!("/v2/usercollection/sleep/{}", doc["id"].as_str().unwrap());
    let fetched: Value = get(&emulator, &http, &connection.access_token, &path, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, doc);

    let workout = control(
        &emulator,
        &http,
        &format!("/users/{}/workouts", connection.user_id),
        json!({}),
    )
    .await;
    assert_eq!(workout.status(), 201);
    let workout: Value = workout.json().await.unwrap();
    let posts = callback.posts();
    assert_eq!(posts.len(), 2);
    assert_eq!(verified(&posts[1])["object_id"], workout["id"]);

    let unknown = control(&emulator, &http, "/users/nobody/sleep", json!({})).await;
    assert_eq!(unknown.status(), 404);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn revise_keeps_the_id_and_changes_durations_consistently() {
    let emulator = support::start().await;
    let callback = Callback::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    assert_eq!(
        subscribe(&emulator, &http, &callback.url, "update", "sleep")
            .await
            .status(),
        201
    );
    let day = created_day(&emulator, &http, &connection.user_id)
        .await
        .to_string();
    let (sleeps, _) = all_pages(
        &emulator,
        &http,
        &connection.access_token,
        "sleep",
        &day,
        &day,
    )
    .await;
    let before = &sleeps[0];
    let id = before["id"].as_str().unwrap();

    let response = control(
        &emulator,
        &http,
        &format!("/users/{}/sleep/{id}/revise", connection.user_id),
        json!({}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let after: Value = response.json().await.unwrap();
    assert_sleep_consistent(&after);
    assert_eq!(after["id"], before["id"]);
    let delta = |name: &str| after[name].as_i64().unwrap() - before[name].as_i64().unwrap();
    assert_eq!(delta("time_in_bed"), 900);
    assert_eq!(delta("light_sleep_duration"), 900);
    assert_eq!(delta("total_sleep_duration"), 900);
    assert_eq!(delta("deep_sleep_duration"), 0);
    assert_eq!(delta("rem_sleep_duration"), 0);
    assert_eq!(delta("awake_time"), 0);
    assert_eq!(after["bedtime_start"], before["bedtime_start"]);

    let fetched: Value = get(
        &emulator,
        &http,
        &connection.access_token,
        &format!("/v2/usercollection/sleep/{id}"),
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(fetched, after);
    let posts = callback.posts();
    assert_eq!(posts.len(), 1);
    let body = verified(&posts[0]);
    assert_eq!(body["event_type"], "update");
    assert_eq!(body["object_id"], id);

    let unknown = control(
        &emulator,
        &http,
        &format!("/users/{}/sleep/nope/revise", connection.user_id),
        json!({}),
    )
    .await;
    assert_eq!(unknown.status(), 404);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn failed_delivery_is_retried_until_it_succeeds() {
    let emulator = support::start().await;
    let callback = Callback::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    assert_eq!(
        subscribe(&emulator, &http, &callback.url, "create", "workout")
            .await
            .status(),
        201
    );
    callback.respond_with(&[500, 503]);
    control(
        &emulator,
        &http,
        &format!("/users/{}/workouts", connection.user_id),
        json!({}),
    )
    .await;

    let mut record = Value::Null;
    for _ in 0..100 {
        record = deliveries(&emulator).await[0].clone();
        if record["state"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(record["state"], "delivered", "{record}");
    assert_eq!(record["attempts"], 3);
    assert_eq!(record["status"], 200);
    let posts = callback.posts();
    assert_eq!(posts.len(), 3);
    assert!(posts.iter().all(|p| p.body == posts[0].body));
    for post in &posts {
        verified(post);
    }
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn gone_callback_deletes_the_subscription() {
    let emulator = support::start().await;
    let callback = Callback::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    assert_eq!(
        subscribe(&emulator, &http, &callback.url, "create", "sleep")
            .await
            .status(),
        201
    );
    callback.respond_with(&[410]);
    control(
        &emulator,
        &http,
        &format!("/users/{}/sleep", connection.user_id),
        json!({}),
    )
    .await;
    let records = deliveries(&emulator).await;
    assert_eq!(records[0]["state"], "gone");
    assert_eq!(records[0]["status"], 410);
    let listed: Value = app(http.get(subscription_url(&emulator, "")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([]));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(callback.posts().len(), 1);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn redeliver_sends_the_notification_again() {
    let emulator = support::start().await;
    let callback = Callback::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    assert_eq!(
        subscribe(&emulator, &http, &callback.url, "update", "sleep")
            .await
            .status(),
        201
    );
    let day = created_day(&emulator, &http, &connection.user_id)
        .await
        .to_string();
    let (sleeps, _) = all_pages(
        &emulator,
        &http,
        &connection.access_token,
        "sleep",
        &day,
        &day,
    )
    .await;
    let id = sleeps[0]["id"].as_str().unwrap();
    let request = json!({ "event_type": "update", "data_type": "sleep", "object_id": id });
    let response = control(&emulator, &http, "/redeliver", request).await;
    assert_eq!(response.status(), 200);
    let records: Value = response.json().await.unwrap();
    assert_eq!(records[0]["state"], "delivered");
    assert_eq!(records[0]["callback_url"], callback.url.as_str());
    let posts = callback.posts();
    assert_eq!(posts.len(), 1);
    let body = verified(&posts[0]);
    assert_eq!(body["object_id"], id);
    assert_eq!(body["user_id"], connection.user_id.as_str());

    let unknown = control(
        &emulator,
        &http,
        "/redeliver",
        json!({ "event_type": "update", "data_type": "sleep", "object_id": "nope" }),
    )
    .await;
    assert_eq!(unknown.status(), 404);
    callback.stop().await;
    emulator.stop().await;
}
