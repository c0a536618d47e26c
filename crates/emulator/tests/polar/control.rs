//! Control API: injected failures with Polar's rate-limit headers, users, deauthorization.

use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn fail_next_answers_429_with_polars_rate_limit_headers() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let armed = control(
        &emulator,
        &http,
        "/fail-next",
        json!({"status": 429, "count": 2, "retry_after": 7}),
    )
    .await;
    assert_eq!(armed.status(), 200);
    for _ in 0..2 {
        let response = get(&emulator, &http, &c.access_token, "/exercises", &[]).await;
        assert_eq!(response.status(), 429);
        let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
        assert_eq!(header("retry-after"), "7");
        assert_eq!(header("ratelimit-limit"), "520, 5100");
        assert!(header("ratelimit-usage").contains(", "));
        assert!(header("ratelimit-reset").starts_with("7, "));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], 429);
    }
    assert_eq!(
        get(&emulator, &http, &c.access_token, "/exercises", &[])
            .await
            .status(),
        200
    );
    control(&emulator, &http, "/fail-next", json!({"status": 503})).await;
    assert_eq!(
        get(&emulator, &http, &c.access_token, "/exercises", &[])
            .await
            .status(),
        503
    );
    let invalid = control(&emulator, &http, "/fail-next", json!({"status": 42})).await;
    assert_eq!(invalid.status(), 400);
    emulator.stop().await;
}

#[tokio::test]
async fn deauthorization_revokes_tokens_and_registration_without_a_notice() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let response = control(
        &emulator,
        &http,
        &format!("/users/{}/deauthorize", c.user_id),
        json!({}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["revoked_tokens"], 1);
    assert_eq!(body["deregistered"], true);
    assert_eq!(body["notice_sent"], false);
    assert_eq!(
        get(&emulator, &http, &c.access_token, "/exercises", &[])
            .await
            .status(),
        401
    );
    let unknown = control(&emulator, &http, "/users/1/deauthorize", json!({})).await;
    assert_eq!(unknown.status(), 404);
    emulator.stop().await;
}

#[tokio::test]
async fn records_created_now_are_served_at_once() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
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
    let date = created["record"]["date"].as_str().unwrap();
    let night = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!("/users/sleep/{date}"),
        &[],
    )
    .await;
    assert_eq!(night, created["record"]);
    let end =
        chrono::DateTime::parse_from_rfc3339(night["sleep_end_time"].as_str().unwrap()).unwrap();
    assert!((chrono::Utc::now() - end.to_utc()).num_seconds() < 120);

    let info: Value = control(
        &emulator,
        &http,
        &format!("/users/{}/physical_info", c.user_id),
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    let served = get_json(
        &emulator,
        &http,
        &c.access_token,
        "/users/physical-info",
        &[],
    )
    .await;
    assert_eq!(served["modified"], info["record"]["modified"]);
    let bad = control(
        &emulator,
        &http,
        &format!("/users/{}/cardio_load", c.user_id),
        json!({}),
    )
    .await;
    assert_eq!(bad.status(), 404);
    emulator.stop().await;
}
