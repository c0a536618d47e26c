use provider_emulator::EmulatorConfig;
use serde_json::json;

use crate::api::history;
use crate::support::{self, all_pages, connect, control, created_day, get, http};

#[tokio::test]
async fn fail_next_429_carries_retry_after() {
    let emulator = support::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let armed = control(
        &emulator,
        &http,
        "/fail-next",
        json!({ "status": 429, "count": 2, "retry_after": 3 }),
    )
    .await;
    assert_eq!(armed.status(), 200);
    for _ in 0..2 {
        let response = get(
            &emulator,
            &http,
            &connection.access_token,
            "/v2/usercollection/sleep",
            &[],
        )
        .await;
        assert_eq!(response.status(), 429);
        let headers = response.headers();
        assert_eq!(headers["retry-after"], "3");
        for name in [
            "x-ratelimit-limit",
            "x-ratelimit-window",
            "x-ratelimit-reset",
            "x-ratelimit-tier",
        ] {
            assert!(headers.contains_key(name), "{name}");
        }
    }
    let response = get(
        &emulator,
        &http,
        &connection.access_token,
        "/v2/usercollection/sleep",
        &[],
    )
    .await;
    assert_eq!(response.status(), 200);

    control(&emulator, &http, "/fail-next", json!({ "status": 503 })).await;
    let response = get(
        &emulator,
        &http,
        &connection.access_token,
        "/v2/usercollection/personal_info",
        &[],
    )
    .await;
    assert_eq!(response.status(), 503);
    emulator.stop().await;
}

#[tokio::test]
async fn the_same_seed_generates_the_same_users() {
    let http = http();
    let mut sleeps = Vec::new();
    for seed in [7, 7, 8] {
        let emulator = support::start_with(EmulatorConfig {
            seed,
            ..EmulatorConfig::default()
        })
        .await;
        let connection = connect(&emulator, &http).await;
        let (start, end) = history(created_day(&emulator, &http, &connection.user_id).await);
        let (docs, _) = all_pages(
            &emulator,
            &http,
            &connection.access_token,
            "sleep",
            &start,
            &end,
        )
        .await;
        sleeps.push((connection.user_id, docs));
        emulator.stop().await;
    }
    assert_eq!(sleeps[0], sleeps[1]);
    assert_ne!(sleeps[0].0, sleeps[2].0);
}
