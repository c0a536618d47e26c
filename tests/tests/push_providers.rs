//! Garmin (PUSH: webhooks carry the data) and WHOOP (notify: webhooks say what to fetch)
//! end to end: connect → backfill → a new record announced by the provider's signed webhook →
//! stored once → readable through query-api.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Days, Utc};
use e2e_tests::{GARMIN_URL_TOKEN, Stack};
use serde_json::{Value, json};

async fn sleeps(stack: &Stack, user: &str) -> Vec<Value> {
    let today = Utc::now().date_naive();
    let (start, end) = (today - Days::new(40), today + Days::new(2));
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = stack
            .get_json(&format!(
                "{}/api/v1/users/{user}/events/sleep?start_date={start}&end_date={end}&limit=100&cursor={cursor}",
                stack.query_url
            ))
            .await;
        out.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["pagination"]["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return out,
        }
    }
}

async fn account(stack: &Stack, user: &str) -> String {
    let conns = stack
        .get_json(&format!(
            "{}/api/v1/users/{user}/connections",
            stack.auth_url
        ))
        .await;
    conns[0]["provider_user_id"].as_str().unwrap().to_owned()
}

async fn control(stack: &Stack, provider: &str, path: &str, body: Value) -> Value {
    let resp = stack
        .http
        .post(format!(
            "{}/_emulator/{provider}{path}",
            stack.emulator.base_url()
        ))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(
        status.is_success(),
        "emulator {provider}{path}: {status} {text}"
    );
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garmin_pushes_backfill_and_new_sleep_through_the_signed_webhook() {
    let stack = Stack::start().await;
    let callback = format!(
        "{}/api/v1/providers/garmin/webhooks?token={GARMIN_URL_TOKEN}",
        stack.webhook_url
    );
    control(
        &stack,
        "garmin",
        "/webhook-target",
        json!({"url": callback}),
    )
    .await;
    let user = stack.create_user("garmin-user").await;
    stack.connect("garmin", &user).await;

    // The backfill is requested from Garmin, which pushes the history to our webhook.
    let backfilled = stack
        .eventually("garmin backfill", 180, || async {
            let s = sleeps(&stack, &user).await;
            (s.len() >= 20).then_some(s)
        })
        .await;
    assert!(
        backfilled
            .iter()
            .all(|s| s["source"]["provider"] == "garmin")
    );

    let garmin_user = account(&stack, &user).await;
    let created = control(
        &stack,
        "garmin",
        &format!("/users/{garmin_user}/sleeps"),
        json!({}),
    )
    .await;
    let start = created["created"][0]["startTimeInSeconds"]
        .as_i64()
        .unwrap_or_else(|| panic!("created: {created}"));
    let start = chrono::DateTime::from_timestamp(start, 0).unwrap();
    let at_start = |list: Vec<Value>| {
        list.iter()
            .filter(|s| {
                s["start_time"]
                    .as_str()
                    .unwrap()
                    .parse::<chrono::DateTime<Utc>>()
                    .unwrap()
                    == start
            })
            .count()
    };
    stack
        .eventually("pushed sleep", 180, || async {
            (at_start(sleeps(&stack, &user).await) == 1).then_some(())
        })
        .await;

    // A push without the URL token (forged) is refused.
    let forged = stack
        .http
        .post(format!(
            "{}/api/v1/providers/garmin/webhooks?token=wrong-token-0123456789",
            stack.webhook_url
        ))
        .header("garmin-client-id", "wearhouse-local")
        .json(&json!({"sleeps": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoop_backfills_by_fetching_and_a_signed_notification_adds_a_sleep() {
    let stack = Stack::start().await;
    let callback = format!("{}/api/v1/providers/whoop/webhooks", stack.webhook_url);
    control(&stack, "whoop", "/webhook-target", json!({"url": callback})).await;
    let user = stack.create_user("whoop-user").await;
    stack.connect("whoop", &user).await;
    stack
        .eventually("whoop backfill", 180, || async {
            (sleeps(&stack, &user).await.len() >= 20).then_some(())
        })
        .await;
    let whoop_user = account(&stack, &user).await;
    let before = sleeps(&stack, &user).await.len();
    control(
        &stack,
        "whoop",
        &format!("/users/{whoop_user}/sleep"),
        json!({}),
    )
    .await;
    stack
        .eventually("notified sleep", 120, || async {
            (sleeps(&stack, &user).await.len() == before + 1).then_some(())
        })
        .await;
    let forged = stack
        .http
        .post(&callback)
        .header("X-WHOOP-Signature", "AAAA")
        .header(
            "X-WHOOP-Signature-Timestamp",
            Utc::now().timestamp_millis().to_string(),
        )
        .json(&json!({"user_id": 1, "id": "x", "type": "sleep.updated", "trace_id": "t"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_for_an_account_nobody_connected_is_acknowledged_counted_and_stored_nowhere() {
    let stack = Stack::start().await;
    let body = json!({"user_id": 424242, "id": "0b4f5e2c-1111-4f6f-9f1e-222222222222", "type": "sleep.updated", "trace_id": "t-1"}).to_string();
    let ts = Utc::now().timestamp_millis().to_string();
    let signature = providers::whoop::sign("wearhouse-local-secret", &ts, body.as_bytes());
    let archived = stack.archived_payloads().await;
    let resp = stack
        .http
        .post(format!(
            "{}/api/v1/providers/whoop/webhooks",
            stack.webhook_url
        ))
        .header("content-type", "application/json")
        .header("X-WHOOP-Signature", signature)
        .header("X-WHOOP-Signature-Timestamp", ts)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "acknowledged so WHOOP stops retrying");
    let metric = r#"wearhouse_webhooks_unknown_account_total{provider="whoop",service="poller"} 1"#;
    stack
        .eventually("unknown-account metric", 20, || async {
            let text = stack
                .http
                .get(format!("{}/metrics", stack.poller_url))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            text.contains(metric).then_some(())
        })
        .await;
    assert_eq!(stack.archived_payloads().await, archived);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receiver_subscribes_to_oura_webhooks_by_itself_shortly_after_start() {
    let stack = Stack::start().await;
    let list = || async {
        stack
            .http
            .get(format!(
                "{}/oura/v2/webhook/subscription",
                stack.emulator.base_url()
            ))
            .header("x-client-id", "wearhouse-local")
            .header("x-client-secret", "wearhouse-local-secret")
            .send()
            .await
            .unwrap()
            .json::<Vec<Value>>()
            .await
            .unwrap()
    };
    let subs = stack
        .eventually("oura subscriptions", 30, || async {
            let subs = list().await;
            (subs.len() == 9).then_some(subs)
        })
        .await;
    let callback = format!("{}/api/v1/providers/oura/webhooks", stack.webhook_url);
    assert!(subs.iter().all(|s| s["callback_url"] == callback.as_str()));
    stack.stop().await;
}
