use chrono::Utc;
use serde_json::{Value, json};

use crate::support::{self, Callback, connect, connect_with, control_get, get, http, target};

fn range(days_back: i64, days: i64) -> Vec<(&'static str, String)> {
    let end = Utc::now().timestamp() - days_back * 86_400;
    vec![
        (
            "summaryStartTimeInSeconds",
            (end - days * 86_400).to_string(),
        ),
        ("summaryEndTimeInSeconds", end.to_string()),
    ]
}

#[tokio::test]
async fn a_backfill_is_accepted_empty_and_later_pushes_the_window_as_if_synced() {
    let emulator = support::start().await;
    let http = http();
    let callback = Callback::start().await;
    target(&emulator, &http, &callback, "push").await;
    let c = connect(&emulator, &http).await;
    let response = get(
        &emulator,
        &http,
        &c.access_token,
        "/wellness-api/rest/backfill/sleeps",
        &range(0, 10),
    )
    .await;
    assert_eq!(response.status(), 202);
    assert!(response.bytes().await.unwrap().is_empty());
    let posts = callback.wait_for(1).await;
    let body = posts[0].json();
    let items = body["sleeps"].as_array().unwrap();
    assert!((9..=11).contains(&items.len()), "{}", items.len());
    assert!(items.iter().all(|i| i["userId"] == c.user_id.as_str()));
    let backfills = control_get(&emulator, &http, "/backfills").await;
    assert_eq!(backfills[0]["type"], "sleeps");
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn an_overlapping_backfill_is_409_and_an_oversized_one_400() {
    let emulator = support::start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let path = "/wellness-api/rest/backfill/dailies";
    assert_eq!(
        get(&emulator, &http, &c.access_token, path, &range(0, 5))
            .await
            .status(),
        202
    );
    let again = get(&emulator, &http, &c.access_token, path, &range(2, 5)).await;
    assert_eq!(again.status(), 409);
    let body: Value = again.json().await.unwrap();
    assert!(body["errorMessage"].as_str().unwrap().contains("Duplicate"));
    // Another type, or a window that does not overlap, is fine.
    let sleeps = "/wellness-api/rest/backfill/sleeps";
    assert_eq!(
        get(&emulator, &http, &c.access_token, sleeps, &range(0, 5))
            .await
            .status(),
        202
    );
    assert_eq!(
        get(&emulator, &http, &c.access_token, path, &range(6, 5))
            .await
            .status(),
        202
    );
    let activities = "/wellness-api/rest/backfill/activities";
    let too_long = get(&emulator, &http, &c.access_token, activities, &range(0, 31)).await;
    assert_eq!(too_long.status(), 400);
    let health_90 = get(
        &emulator,
        &http,
        &c.access_token,
        "/wellness-api/rest/backfill/hrv",
        &range(0, 90),
    )
    .await;
    assert_eq!(health_90.status(), 202);
    emulator.stop().await;
}

#[tokio::test]
async fn without_the_historical_data_permission_backfill_is_403() {
    let emulator = support::start().await;
    let http = http();
    let c = connect_with(&emulator, &http, &[("emulator_historical", "false")]).await;
    let response = get(
        &emulator,
        &http,
        &c.access_token,
        "/wellness-api/rest/backfill/dailies",
        &range(0, 5),
    )
    .await;
    assert_eq!(response.status(), 403);
    let users = control_get(&emulator, &http, "/users").await;
    assert_eq!(
        users[0]["permissions"],
        json!(["ACTIVITY_EXPORT", "HEALTH_EXPORT"])
    );
    emulator.stop().await;
}
