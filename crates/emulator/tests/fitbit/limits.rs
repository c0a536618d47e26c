//! Tokens, scopes, Fitbit's hourly rate limit and injected failures.

use provider_emulator::FitbitConfig;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn fitbit_tokens_must_be_present_valid_unexpired_and_scoped() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let missing = http
        .get(format!("{}/1/user/-/profile.json", base(&emulator)))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["errors"][0]["errorType"], "invalid_token");
    assert_eq!(
        get(&emulator, &http, "bogus", "1/user/-/profile.json")
            .await
            .status(),
        401
    );
    let other = get(
        &emulator,
        &http,
        &c.access_token,
        "1/user/ZZZZZZ/profile.json",
    )
    .await;
    assert_eq!(other.status(), 403);

    let code = authorize(&emulator, &http, &[("scope", "sleep")]).await;
    let tokens: Value = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ],
        true,
    )
    .await
    .json()
    .await
    .unwrap();
    let narrow = tokens["access_token"].as_str().unwrap();
    let forbidden = get(
        &emulator,
        &http,
        narrow,
        "1/user/-/hrv/date/2024-01-01.json",
    )
    .await;
    assert_eq!(forbidden.status(), 403);
    let body: Value = forbidden.json().await.unwrap();
    assert_eq!(body["errors"][0]["errorType"], "insufficient_scope");

    assert!(
        control(&emulator, &http, "/tokens/expire", json!({}))
            .await
            .status()
            .is_success()
    );
    let expired = get(&emulator, &http, &c.access_token, "1/user/-/profile.json").await;
    assert_eq!(expired.status(), 401);
    let body: Value = expired.json().await.unwrap();
    assert_eq!(body["errors"][0]["errorType"], "expired_token");
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_rate_limits_answer_429_with_fitbits_headers() {
    let emulator = start_with(FitbitConfig {
        rate_limit_per_hour: 3,
        ..config()
    })
    .await;
    let http = http();
    let c = connect(&emulator, &http).await;
    for remaining in ["2", "1", "0"] {
        let ok = get(&emulator, &http, &c.access_token, "1/user/-/profile.json").await;
        assert_eq!(ok.status(), 200);
        assert_eq!(ok.headers()["fitbit-rate-limit-remaining"], remaining);
    }
    let limited = get(&emulator, &http, &c.access_token, "1/user/-/profile.json").await;
    assert_eq!(limited.status(), 429);
    let reset: i64 = limited.headers()["fitbit-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&reset));
    assert_eq!(
        limited.headers()["retry-after"].to_str().unwrap(),
        reset.to_string()
    );
    assert_eq!(limited.headers()["fitbit-rate-limit-remaining"], "0");
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_fail_next_injects_rate_limits_with_retry_after() {
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
    assert!(armed.status().is_success());
    for _ in 0..2 {
        let limited = get(&emulator, &http, &c.access_token, "1/user/-/profile.json").await;
        assert_eq!(limited.status(), 429);
        assert_eq!(limited.headers()["retry-after"], "7");
        assert_eq!(limited.headers()["fitbit-rate-limit-limit"], "150");
        assert_eq!(limited.headers()["fitbit-rate-limit-remaining"], "0");
        assert_eq!(limited.headers()["fitbit-rate-limit-reset"], "7");
    }
    assert_eq!(
        get(&emulator, &http, &c.access_token, "1/user/-/profile.json")
            .await
            .status(),
        200
    );
    emulator.stop().await;
}
