use provider_emulator::whoop::{RecoveryWebhookId, sign};
use provider_emulator::{EmulatorConfig, WhoopConfig};
use serde_json::{Value, json};

use crate::support::{self, Callback, connect, control, control_get, get, http};

async fn target(emulator: &provider_emulator::Emulator, http: &reqwest::Client, url: &str) {
    let response = control(emulator, http, "/webhook-target", json!({ "url": url })).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_new_workout_is_notified_signed_with_the_client_secret_over_ms_timestamp_and_body() {
    let emulator = support::start().await;
    let http = http();
    let callback = Callback::start().await;
    target(&emulator, &http, &callback.url).await;
    let conn = connect(&emulator, &http).await;
    let created = control(
        &emulator,
        &http,
        &format!("/users/{}/workout", conn.user_id),
        json!({}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let workout: Value = created.json().await.unwrap();

    let posts = callback.wait_for(1).await;
    assert_eq!(posts.len(), 1);
    let post = &posts[0];
    assert_eq!(post.content_type, "application/json");
    assert_eq!(
        post.signature,
        sign(support::CLIENT_SECRET, &post.timestamp, &post.body)
    );
    let sent_ms: i64 = post.timestamp.parse().unwrap();
    assert!(
        (chrono::Utc::now().timestamp_millis() - sent_ms).abs() < 10_000,
        "epoch milliseconds"
    );
    let body: Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(body["user_id"], conn.user_id);
    assert_eq!(body["id"], workout["id"]);
    assert_eq!(body["type"], "workout.updated");
    assert!(body["trace_id"].is_string());
    let text = String::from_utf8(post.body.clone()).unwrap();
    assert!(
        text.starts_with(r#"{"user_id":"#),
        "WHOOP's field order: {text}"
    );

    let fetched = get(
        &emulator,
        &http,
        &conn.access_token,
        &format!("/v2/activity/workout/{}", workout["id"].as_str().unwrap()),
        &[],
    )
    .await;
    assert_eq!(fetched.status(), 200);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_fresh_signatures_until_one_succeeds() {
    let emulator = support::start().await;
    let http = http();
    let callback = Callback::start().await;
    callback.respond_with(&[500, 503]);
    target(&emulator, &http, &callback.url).await;
    let conn = connect(&emulator, &http).await;
    control(
        &emulator,
        &http,
        &format!("/users/{}/sleep", conn.user_id),
        json!({}),
    )
    .await;
    let posts = callback.wait_for(3).await;
    assert_eq!(posts.len(), 3);
    assert!(
        posts.iter().all(|p| p.body == posts[0].body),
        "same event each time"
    );
    assert!(
        posts
            .iter()
            .all(|p| p.signature == sign(support::CLIENT_SECRET, &p.timestamp, &p.body))
    );
    let deliveries = control_get(&emulator, &http, "/deliveries").await;
    let delivery = &deliveries[0];
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(delivery["state"], "delivered");
    assert_eq!(delivery["type"], "sleep.updated");
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn recovery_webhooks_name_the_sleep_or_the_cycle_as_configured() {
    for (mode, expect_number) in [
        (RecoveryWebhookId::SleepId, false),
        (RecoveryWebhookId::CycleId, true),
    ] {
        let config = EmulatorConfig {
            whoop: WhoopConfig {
                recovery_webhook_id: mode,
                ..WhoopConfig::default()
            },
            ..EmulatorConfig::default()
        };
        let emulator = support::start_with(config).await;
        let http = http();
        let callback = Callback::start().await;
        target(&emulator, &http, &callback.url).await;
        let conn = connect(&emulator, &http).await;
        let recovery: Value = control(
            &emulator,
            &http,
            &format!("/users/{}/recovery", conn.user_id),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
        let posts = callback.wait_for(1).await;
        let body: Value = serde_json::from_slice(&posts[0].body).unwrap();
        assert_eq!(body["type"], "recovery.updated");
        if expect_number {
            assert_eq!(body["id"], recovery["cycle_id"]);
        } else {
            assert_eq!(body["id"], recovery["sleep_id"]);
        }
        callback.stop().await;
        emulator.stop().await;
    }
}

#[tokio::test]
async fn nothing_is_sent_without_a_webhook_url_or_after_the_member_revoked_access() {
    let emulator = support::start().await;
    let http = http();
    let callback = Callback::start().await;
    let conn = connect(&emulator, &http).await;
    control(
        &emulator,
        &http,
        &format!("/users/{}/workout", conn.user_id),
        json!({}),
    )
    .await;
    target(&emulator, &http, &callback.url).await;
    let deauth: Value = control(
        &emulator,
        &http,
        &format!("/users/{}/deauthorize", conn.user_id),
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        deauth["webhook_sent"], false,
        "WHOOP has no deauthorization webhook"
    );
    control(
        &emulator,
        &http,
        &format!("/users/{}/workout", conn.user_id),
        json!({}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(callback.posts().is_empty());
    assert_eq!(
        control_get(&emulator, &http, "/deliveries").await,
        json!([])
    );
    assert_eq!(
        get(&emulator, &http, &conn.access_token, "/v2/cycle", &[])
            .await
            .status(),
        401
    );
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn deleting_a_sleep_sends_sleep_and_recovery_deleted() {
    let emulator = support::start().await;
    let http = http();
    let callback = Callback::start().await;
    target(&emulator, &http, &callback.url).await;
    let conn = connect(&emulator, &http).await;
    let page: Value = get(
        &emulator,
        &http,
        &conn.access_token,
        "/v2/recovery",
        &[("limit", "1")],
    )
    .await
    .json()
    .await
    .unwrap();
    let sleep_id = page["records"][0]["sleep_id"].as_str().unwrap().to_owned();
    let path = format!("/users/{}/sleep/{sleep_id}/delete", conn.user_id);
    assert_eq!(
        control(&emulator, &http, &path, json!({})).await.status(),
        200
    );
    let posts = callback.wait_for(2).await;
    let types: Vec<Value> = posts
        .iter()
        .map(|p| serde_json::from_slice::<Value>(&p.body).unwrap()["type"].clone())
        .collect();
    assert_eq!(
        types,
        vec![json!("sleep.deleted"), json!("recovery.deleted")]
    );
    let gone = get(
        &emulator,
        &http,
        &conn.access_token,
        &format!("/v2/activity/sleep/{sleep_id}"),
        &[],
    )
    .await;
    assert_eq!(gone.status(), 404);
    callback.stop().await;
    emulator.stop().await;
}
