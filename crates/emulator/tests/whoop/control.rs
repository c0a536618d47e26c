use std::time::Instant;

use serde_json::{Value, json};

use crate::support::{self, connect, control, control_get, get, http};

#[tokio::test]
async fn users_are_listed_with_their_history() {
    let emulator = support::start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let users = control_get(&emulator, &http, "/users").await;
    let user = &users[0];
    assert_eq!(user["user_id"], conn.user_id);
    assert_eq!(user["connected"], true);
    assert!((34..=35).contains(&user["cycles"].as_i64().unwrap()));
    assert_eq!(user["cycles"], user["recoveries"]);
    assert_eq!(
        control(&emulator, &http, "/users/42/sleep", json!({}))
            .await
            .status(),
        404
    );
    let bad = control(
        &emulator,
        &http,
        &format!("/users/{}/heartrate", conn.user_id),
        json!({}),
    )
    .await;
    assert_eq!(bad.status(), 400);
    emulator.stop().await;
}

#[tokio::test]
async fn fail_next_answers_429_with_whoop_rate_limit_headers_then_recovers() {
    let emulator = support::start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let ok = get(&emulator, &http, &conn.access_token, "/v2/cycle", &[]).await;
    assert_eq!(
        ok.headers()["x-ratelimit-limit"],
        "100, 100;window=60, 10000;window=86400"
    );
    assert!(ok.headers().contains_key("x-ratelimit-remaining"));
    control(
        &emulator,
        &http,
        "/fail-next",
        json!({"status": 429, "count": 2, "retry_after": 7}),
    )
    .await;
    for _ in 0..2 {
        let limited = get(&emulator, &http, &conn.access_token, "/v2/cycle", &[]).await;
        assert_eq!(limited.status(), 429);
        let h = limited.headers();
        assert_eq!(
            h["x-ratelimit-limit"],
            "100, 100;window=60, 10000;window=86400"
        );
        assert_eq!(h["x-ratelimit-remaining"], "0");
        assert_eq!(h["x-ratelimit-reset"], "7");
        assert_eq!(h["retry-after"], "7");
        assert_eq!(
            limited.json::<Value>().await.unwrap()["error"],
            "too_many_requests"
        );
    }
    assert_eq!(
        get(&emulator, &http, &conn.access_token, "/v2/cycle", &[])
            .await
            .status(),
        200
    );
    control(&emulator, &http, "/fail-next", json!({"status": 503})).await;
    assert_eq!(
        get(&emulator, &http, &conn.access_token, "/v2/cycle", &[])
            .await
            .status(),
        503
    );
    assert_eq!(
        control(&emulator, &http, "/fail-next", json!({"status": 42}))
            .await
            .status(),
        400
    );
    emulator.stop().await;
}

#[tokio::test]
async fn revoking_tokens_ends_access_and_refresh() {
    let emulator = support::start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let started = Instant::now();
    let revoked: Value = control(
        &emulator,
        &http,
        "/tokens/revoke",
        json!({"user_id": conn.user_id}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(revoked["revoked"], 1);
    assert_eq!(
        get(&emulator, &http, &conn.access_token, "/v2/cycle", &[])
            .await
            .status(),
        401
    );
    let refresh = support::token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &conn.refresh_token),
        ],
    )
    .await;
    assert_eq!(refresh.status(), 400);
    assert!(started.elapsed().as_secs() < 5);
    emulator.stop().await;
}

#[tokio::test]
async fn the_webhook_target_can_be_read_back_and_must_be_a_url() {
    let emulator = support::start().await;
    let http = http();
    assert_eq!(
        control_get(&emulator, &http, "/webhook-target").await,
        json!({"url": null})
    );
    assert_eq!(
        control(&emulator, &http, "/webhook-target", json!({"url": "nope"}))
            .await
            .status(),
        400
    );
    control(
        &emulator,
        &http,
        "/webhook-target",
        json!({"url": "http://127.0.0.1:1/hook"}),
    )
    .await;
    assert_eq!(
        control_get(&emulator, &http, "/webhook-target").await["url"],
        "http://127.0.0.1:1/hook"
    );
    emulator.stop().await;
}

#[tokio::test]
async fn an_enforced_rate_limit_counts_requests_per_minute() {
    let config = provider_emulator::EmulatorConfig {
        whoop: provider_emulator::WhoopConfig {
            enforce_rate_limit: true,
            rate_limit_per_minute: 3,
            ..provider_emulator::WhoopConfig::default()
        },
        ..provider_emulator::EmulatorConfig::default()
    };
    let emulator = support::start_with(config).await;
    let http = http();
    let conn = connect(&emulator, &http).await; // the profile lookup is request 1
    let second = get(&emulator, &http, &conn.access_token, "/v2/cycle", &[]).await;
    assert_eq!(second.headers()["x-ratelimit-remaining"], "1");
    let third = get(&emulator, &http, &conn.access_token, "/v2/cycle", &[]).await;
    assert_eq!(third.headers()["x-ratelimit-remaining"], "0");
    let fourth = get(&emulator, &http, &conn.access_token, "/v2/cycle", &[]).await;
    assert_eq!(fourth.status(), 429);
    let reset: i64 = fourth.headers()["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&reset));
    emulator.stop().await;
}
