//! Subscriptions, subscriber verification, signed notifications with retries, deauthorization.

use std::time::Duration;

use provider_emulator::fitbit::sign;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn subscribe(
    emulator: &provider_emulator::Emulator,
    http: &reqwest::Client,
    c: &Connection,
    collection: &str,
) -> reqwest::Response {
    let path = format!(
        "1/user/-/{collection}/apiSubscriptions/{}-{collection}.json",
        c.user_id
    );
    call(emulator, http, Method::POST, &c.access_token, &path).await
}

#[tokio::test]
async fn fitbit_subscriptions_are_created_listed_conflicting_and_deleted() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let created = subscribe(&emulator, &http, &c, "sleep").await;
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["collectionType"], "sleep");
    assert_eq!(body["ownerId"], c.user_id.as_str());
    assert_eq!(body["subscriberId"], "1");
    assert_eq!(body["subscriptionId"], format!("{}-sleep", c.user_id));
    assert_eq!(
        subscribe(&emulator, &http, &c, "sleep").await.status(),
        200,
        "identical"
    );
    let clash = call(
        &emulator,
        &http,
        Method::POST,
        &c.access_token,
        "1/user/-/sleep/apiSubscriptions/other-id.json",
    )
    .await;
    assert_eq!(clash.status(), 409);
    let all = call(
        &emulator,
        &http,
        Method::POST,
        &c.access_token,
        &format!("1/user/-/apiSubscriptions/{}.json", c.user_id),
    )
    .await;
    assert_eq!(all.status(), 201);
    let list = get_json(
        &emulator,
        &http,
        &c.access_token,
        "1/user/-/apiSubscriptions.json",
    )
    .await;
    let types: Vec<&str> = list["apiSubscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["collectionType"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["sleep", "user"]);
    let bad = call(
        &emulator,
        &http,
        Method::POST,
        &c.access_token,
        "1/user/-/steps/apiSubscriptions/x.json",
    )
    .await;
    assert_eq!(bad.status(), 400);
    let path = format!("1/user/-/sleep/apiSubscriptions/{}-sleep.json", c.user_id);
    assert_eq!(
        call(&emulator, &http, Method::DELETE, &c.access_token, &path)
            .await
            .status(),
        204
    );
    assert_eq!(
        call(&emulator, &http, Method::DELETE, &c.access_token, &path)
            .await
            .status(),
        404
    );
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_subscriber_verification_needs_204_for_the_code_and_404_otherwise() {
    let emulator = start().await;
    let http = http();
    let subscriber = Subscriber::start().await;
    let ok = control(
        &emulator,
        &http,
        "/webhook-target",
        json!({"url": subscriber.url, "verification_code": VERIFICATION_CODE}),
    )
    .await;
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["verified"], true);
    let codes = subscriber.verifications();
    assert_eq!(codes.len(), 2);
    assert_eq!(codes[0], VERIFICATION_CODE);
    assert_ne!(codes[1], VERIFICATION_CODE);
    let wrong = control(
        &emulator,
        &http,
        "/webhook-target",
        json!({"url": subscriber.url, "verification_code": "not-ours"}),
    )
    .await;
    assert_eq!(
        wrong.status(),
        422,
        "the subscriber answered 404 to the code it was registered with"
    );
    subscriber.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_a_new_sleep_is_notified_with_a_valid_signature() {
    let emulator = start().await;
    let http = http();
    let subscriber = Subscriber::start().await;
    control(
        &emulator,
        &http,
        "/webhook-target",
        json!({"url": subscriber.url, "verification_code": VERIFICATION_CODE}),
    )
    .await;
    let c = connect(&emulator, &http).await;
    subscribe(&emulator, &http, &c, "sleep").await;
    subscribe(&emulator, &http, &c, "activities").await;
    let created = control(
        &emulator,
        &http,
        &format!("/users/{}/sleep", c.user_id),
        json!({}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["deliveries"][0]["state"], "delivered");
    let posts = subscriber.wait_for(1).await;
    assert_eq!(posts.len(), 1, "only the sleep subscription is notified");
    let post = &posts[0];
    assert_eq!(post.content_type, "application/json");
    assert_eq!(post.signature, sign(&config().client_secret, &post.body));
    let body: Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(
        body,
        json!([{
            "collectionType": "sleep",
            "date": created["date"],
            "ownerId": c.user_id,
            "ownerType": "user",
            "subscriptionId": format!("{}-sleep", c.user_id),
        }])
    );
    // The notified day now has the new log.
    let day = created["date"].as_str().unwrap();
    let sleep = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!("1.2/user/-/sleep/date/{day}.json"),
    )
    .await;
    let log_id = &created["record"]["logId"];
    assert!(
        sleep["sleep"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| &l["logId"] == log_id)
    );
    subscriber.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_notifications_are_retried_until_the_subscriber_answers_204() {
    let emulator = start().await;
    let http = http();
    let subscriber = Subscriber::start().await;
    subscriber.respond_with(&[500, 200]);
    control(
        &emulator,
        &http,
        "/webhook-target",
        json!({"url": subscriber.url}),
    )
    .await;
    let c = connect(&emulator, &http).await;
    subscribe(&emulator, &http, &c, "body").await;
    let created = control(
        &emulator,
        &http,
        &format!("/users/{}/body", c.user_id),
        json!({}),
    )
    .await;
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["deliveries"][0]["state"], "pending");
    let posts = subscriber.wait_for(3).await;
    assert_eq!(posts.len(), 3, "500, then 200 (not Fitbit's 204), then 204");
    assert!(posts.iter().all(|p| p.body == posts[0].body));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let records = deliveries(&emulator, &http).await;
    assert_eq!(records[0]["state"], "delivered");
    assert_eq!(records[0]["attempts"], 3);
    assert_eq!(records[0]["collection_type"], "body");
    subscriber.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_deauthorization_sends_user_revoked_access_and_kills_the_tokens() {
    let emulator = start().await;
    let http = http();
    let subscriber = Subscriber::start().await;
    control(
        &emulator,
        &http,
        "/webhook-target",
        json!({"url": subscriber.url}),
    )
    .await;
    let c = connect(&emulator, &http).await;
    subscribe(&emulator, &http, &c, "userRevokedAccess").await;
    let response = control(
        &emulator,
        &http,
        &format!("/users/{}/deauthorize", c.user_id),
        json!({}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let posts = subscriber.wait_for(1).await;
    let body: Value = serde_json::from_slice(&posts[0].body).unwrap();
    assert_eq!(body[0]["collectionType"], "userRevokedAccess");
    assert_eq!(body[0]["ownerId"], c.user_id.as_str());
    assert_eq!(
        get(&emulator, &http, &c.access_token, "1/user/-/profile.json")
            .await
            .status(),
        401
    );
    let subs: Value = http
        .get(format!(
            "{}/_emulator/fitbit/subscriptions",
            emulator.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(subs.as_array().unwrap().is_empty());
    subscriber.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_without_a_subscriber_endpoint_the_delivery_is_recorded_as_failed() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    subscribe(&emulator, &http, &c, "activities").await;
    let created = control(
        &emulator,
        &http,
        &format!("/users/{}/activities", c.user_id),
        json!({}),
    )
    .await;
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["collectionType"], "activities");
    assert_eq!(created["deliveries"][0]["state"], "failed");
    assert!(
        created["record"]["startTime"]
            .as_str()
            .unwrap()
            .ends_with("-05:00")
    );
    emulator.stop().await;
}
