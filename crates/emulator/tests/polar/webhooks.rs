//! The webhooks API and signed deliveries.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn creating_the_webhook_pings_the_url_and_shows_the_secret_only_once() {
    let emulator = start().await;
    let http = http();
    let callback = Callback::start().await;
    let (id, secret) =
        create_webhook(&emulator, &http, &callback.url, &["EXERCISE", "SLEEP"]).await;
    assert_eq!(secret.len(), 36, "uuid-shaped key");
    let pings = callback.posts();
    assert_eq!(pings.len(), 1);
    assert_eq!(pings[0].event, "PING");
    assert_eq!(pings[0].json()["event"], "PING");

    let listed: Value = webhooks(&http, &emulator, Method::GET, "")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["id"], id.as_str());
    assert_eq!(listed["data"][0]["active"], true);
    assert!(listed["data"][0].get("signature_secret_key").is_none());

    let again = webhooks(&http, &emulator, Method::POST, "")
        .json(&json!({"events": ["SLEEP"], "url": callback.url}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let unauthenticated = http
        .get(format!("{}/v3/webhooks", base(&emulator)))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn a_url_that_does_not_answer_the_ping_with_200_gets_no_webhook() {
    let emulator = start().await;
    let http = http();
    let callback = Callback::start().await;
    callback.respond_with(&[500]);
    let response = webhooks(&http, &emulator, Method::POST, "")
        .json(&json!({"events": ["EXERCISE"], "url": callback.url}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let listed: Value = webhooks(&http, &emulator, Method::GET, "")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(listed["data"].as_array().unwrap().is_empty());
    let bad_event = webhooks(&http, &emulator, Method::POST, "")
        .json(&json!({"events": ["EVERYTHING"], "url": callback.url}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_event.status(), 400);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn new_data_is_delivered_signed_with_the_webhook_secret() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let callback = Callback::start().await;
    let (_, secret) = create_webhook(&emulator, &http, &callback.url, &["EXERCISE", "SLEEP"]).await;
    let created = control(
        &emulator,
        &http,
        &format!("/users/{}/exercise", c.user_id),
        json!({}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["delivery"]["state"], "delivered");

    let events = callback.wait_for_events(1).await;
    assert_eq!(events.len(), 1);
    let delivery = &events[0];
    assert_eq!(delivery.event, "EXERCISE");
    assert_eq!(
        delivery.signature,
        provider_emulator::polar::sign(&secret, &delivery.body)
    );
    assert_eq!(delivery.signature, delivery.signature.to_lowercase());
    let body = delivery.json();
    assert_eq!(body["user_id"].as_u64(), Some(c.user_id));
    let id = body["entity_id"].as_str().unwrap();
    assert_eq!(id, created["record"]["id"].as_str().unwrap());
    let url = body["url"].as_str().unwrap();
    assert!(url.ends_with(&format!("/polar/v3/exercises/{id}")), "{url}");
    // The notification's URL is fetchable with the user's token.
    let fetched = http
        .get(url)
        .bearer_auth(&c.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), 200);

    // ACTIVITY_SUMMARY is not subscribed: nothing is sent.
    let created: Value = control(
        &emulator,
        &http,
        &format!("/users/{}/activity", c.user_id),
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(created["delivery"].is_null());
    assert_eq!(callback.events().len(), 1);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_a_fresh_timestamp_until_accepted() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let callback = Callback::start().await;
    let (_, secret) = create_webhook(&emulator, &http, &callback.url, &["SLEEP"]).await;
    callback.respond_with(&[503, 500]);
    let created: Value = control(
        &emulator,
        &http,
        &format!("/users/{}/sleep", c.user_id),
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(created["delivery"]["state"], "pending");
    let events = callback.wait_for_events(3).await;
    assert_eq!(events.len(), 3);
    for e in &events {
        assert_eq!(
            e.signature,
            provider_emulator::polar::sign(&secret, &e.body)
        );
        assert_eq!(e.json()["event"], "SLEEP");
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let deliveries: Value = http
        .get(format!(
            "{}/_emulator/polar/deliveries",
            emulator.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(deliveries[0]["attempts"], 3);
    assert_eq!(deliveries[0]["state"], "delivered");
    assert_eq!(deliveries[0]["status"], 200);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn deliveries_that_keep_failing_deactivate_the_webhook_until_activated() {
    let mut config = provider_emulator::EmulatorConfig::default();
    config.polar.webhook_max_retries = 1;
    config.polar.deactivate_after_failures = 2;
    let emulator = start_with(config).await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let callback = Callback::start().await;
    create_webhook(&emulator, &http, &callback.url, &["CONTINUOUS_HEART_RATE"]).await;
    callback.respond_with(&[500; 4]);
    for _ in 0..2 {
        control(
            &emulator,
            &http,
            &format!("/users/{}/continuous_heart_rate", c.user_id),
            json!({}),
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
    let listed: Value = webhooks(&http, &emulator, Method::GET, "")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["active"], false);
    let skipped: Value = control(
        &emulator,
        &http,
        &format!("/users/{}/continuous_heart_rate", c.user_id),
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        skipped["delivery"].is_null(),
        "an inactive webhook gets nothing"
    );
    let activated = webhooks(&http, &emulator, Method::POST, "/activate")
        .send()
        .await
        .unwrap();
    assert_eq!(activated.status(), 200);
    let listed: Value = webhooks(&http, &emulator, Method::GET, "")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["active"], true);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn patching_moves_the_webhook_after_a_ping_and_delete_removes_it() {
    let emulator = start().await;
    let http = http();
    let first = Callback::start().await;
    let second = Callback::start().await;
    let (id, _) = create_webhook(&emulator, &http, &first.url, &["EXERCISE"]).await;
    let patched = webhooks(&http, &emulator, Method::PATCH, &format!("/{id}"))
        .json(&json!({"url": second.url, "events": ["EXERCISE", "SLEEP"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let body: Value = patched.json().await.unwrap();
    assert_eq!(body["data"][0]["url"], second.url.as_str());
    assert_eq!(second.posts().len(), 1, "the new URL was pinged");
    let unknown = webhooks(&http, &emulator, Method::PATCH, "/nope")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        webhooks(&http, &emulator, Method::DELETE, &format!("/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        webhooks(&http, &emulator, Method::DELETE, &format!("/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        webhooks(&http, &emulator, Method::POST, "/activate")
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    first.stop().await;
    second.stop().await;
    emulator.stop().await;
}
