use serde_json::{Value, json};

use crate::support::{self, Callback, connect, control, control_get, get, http, target};

#[tokio::test]
async fn a_created_record_is_pushed_unsigned_with_the_client_id_to_the_configured_url() {
    let emulator = support::start().await;
    let http = http();
    let callback = Callback::start().await;
    target(&emulator, &http, &callback, "push").await;
    let c = connect(&emulator, &http).await;
    let created = control(
        &emulator,
        &http,
        &format!("/users/{}/sleeps", c.user_id),
        json!({}),
    )
    .await;
    let sleep = &created["created"][0];
    let posts = callback.wait_for(1).await;
    assert_eq!(posts.len(), 1);
    let post = &posts[0];
    assert_eq!(post.client_id, "wearhouse-local");
    assert!(post.content_type.starts_with("application/json"));
    assert_eq!(
        post.query, "token=url-token-0123456789",
        "the portal URL is used as is"
    );
    let body = post.json();
    let items = body["sleeps"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["userId"], c.user_id.as_str());
    assert_eq!(items[0]["summaryId"], sleep["summaryId"]);
    let text = String::from_utf8(post.body.clone()).unwrap();
    assert!(text.starts_with(&format!("{{\"sleeps\":[{{\"userId\":\"{}\"", c.user_id)));
    let deliveries = control_get(&emulator, &http, "/deliveries").await;
    assert_eq!(deliveries[0]["state"], "delivered");
    assert_eq!(deliveries[0]["mode"], "push");
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn an_activity_pushes_its_summary_and_its_details() {
    let emulator = support::start().await;
    let http = http();
    let callback = Callback::start().await;
    target(&emulator, &http, &callback, "push").await;
    let c = connect(&emulator, &http).await;
    control(
        &emulator,
        &http,
        &format!("/users/{}/activities", c.user_id),
        json!({}),
    )
    .await;
    let posts = callback.wait_for(2).await;
    let bodies: Vec<Value> = posts.iter().map(|p| p.json()).collect();
    let summary = &bodies[0]["activities"][0];
    let details = &bodies[1]["activityDetails"][0];
    assert_eq!(details["activityId"], summary["activityId"]);
    assert_eq!(
        details["summaryId"],
        format!("{}-detail", summary["summaryId"].as_str().unwrap()).as_str()
    );
    assert!(!details["samples"].as_array().unwrap().is_empty());
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn a_ping_carries_a_callback_url_that_returns_the_new_record() {
    let emulator = support::start().await;
    let http = http();
    let callback = Callback::start().await;
    target(&emulator, &http, &callback, "ping").await;
    let c = connect(&emulator, &http).await;
    let created = control(
        &emulator,
        &http,
        &format!("/users/{}/bodyComps", c.user_id),
        json!({}),
    )
    .await;
    let posts = callback.wait_for(1).await;
    let body = posts[0].json();
    let item = &body["bodyComps"][0];
    assert_eq!(item["userId"], c.user_id.as_str());
    let url = item["callbackURL"].as_str().unwrap();
    assert!(url.starts_with(&format!(
        "{}/wellness-api/rest/bodyComps?",
        support::base(&emulator)
    )));
    let pulled: Value = http
        .get(url)
        .bearer_auth(&c.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&Value> = pulled
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["summaryId"])
        .collect();
    assert!(ids.contains(&&created["created"][0]["summaryId"]));
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn per_type_modes_override_the_default_mode() {
    let emulator = support::start().await;
    let http = http();
    let callback = Callback::start().await;
    control(
        &emulator,
        &http,
        "/webhook-target",
        json!({"url": callback.url, "mode": "push", "modes": {"dailies": "ping"}}),
    )
    .await;
    let c = connect(&emulator, &http).await;
    control(
        &emulator,
        &http,
        &format!("/users/{}/dailies", c.user_id),
        json!({}),
    )
    .await;
    control(
        &emulator,
        &http,
        &format!("/users/{}/userMetrics", c.user_id),
        json!({}),
    )
    .await;
    let posts = callback.wait_for(2).await;
    assert!(posts[0].json()["dailies"][0]["callbackURL"].is_string());
    assert!(posts[1].json()["userMetrics"][0]["vo2Max"].is_number());
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn only_http_200_counts_as_delivered_and_failures_are_retried() {
    let emulator = support::start().await;
    let http = http();
    let callback = Callback::start().await;
    callback.respond_with(&[500, 204]);
    target(&emulator, &http, &callback, "push").await;
    let c = connect(&emulator, &http).await;
    control(
        &emulator,
        &http,
        &format!("/users/{}/hrv", c.user_id),
        json!({}),
    )
    .await;
    let posts = callback.wait_for(3).await;
    assert_eq!(posts.len(), 3);
    assert_eq!(
        posts[0].body, posts[2].body,
        "a retry re-sends the same body"
    );
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let deliveries = control_get(&emulator, &http, "/deliveries").await;
    assert_eq!(deliveries[0]["attempts"], 3);
    assert_eq!(deliveries[0]["state"], "delivered");
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn deauthorizing_sends_a_deregistration_and_ends_access() {
    let emulator = support::start().await;
    let http = http();
    let callback = Callback::start().await;
    target(&emulator, &http, &callback, "push").await;
    let c = connect(&emulator, &http).await;
    control(
        &emulator,
        &http,
        &format!("/users/{}/deauthorize", c.user_id),
        json!({}),
    )
    .await;
    let posts = callback.wait_for(1).await;
    assert_eq!(
        posts[0].json(),
        json!({"deregistrations": [{"userId": c.user_id}]})
    );
    let after = get(
        &emulator,
        &http,
        &c.access_token,
        "/wellness-api/rest/user/id",
        &[],
    )
    .await;
    assert_eq!(after.status(), 401);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn a_permission_change_is_notified_and_applies() {
    let emulator = support::start().await;
    let http = http();
    let callback = Callback::start().await;
    target(&emulator, &http, &callback, "push").await;
    let c = connect(&emulator, &http).await;
    control(
        &emulator,
        &http,
        &format!("/users/{}/permissions", c.user_id),
        json!({"permissions": ["ACTIVITY_EXPORT"]}),
    )
    .await;
    let posts = callback.wait_for(1).await;
    let item = &posts[0].json()["userPermissionsChange"][0];
    assert_eq!(item["userId"], c.user_id.as_str());
    assert_eq!(item["permissions"], json!(["ACTIVITY_EXPORT"]));
    assert!(item["changeTimeInSeconds"].is_i64());
    let permissions: Value = get(
        &emulator,
        &http,
        &c.access_token,
        "/wellness-api/rest/user/permissions",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(permissions, json!(["ACTIVITY_EXPORT"]));
    callback.stop().await;
    emulator.stop().await;
}
