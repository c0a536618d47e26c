use std::collections::HashSet;

use chrono::Utc;
use serde_json::{Value, json};

use crate::support::{self, connect, connect_with, control, get, http, stored_ids};

#[tokio::test]
async fn user_id_and_permissions_are_served_under_both_path_prefixes() {
    let emulator = support::start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    for prefix in ["/wellness-api/rest/user", "/partner-gateway/rest/user"] {
        let id: Value = get(
            &emulator,
            &http,
            &c.access_token,
            &format!("{prefix}/id"),
            &[],
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(id["userId"], c.user_id.as_str());
        let permissions: Value = get(
            &emulator,
            &http,
            &c.access_token,
            &format!("{prefix}/permissions"),
            &[],
        )
        .await
        .json()
        .await
        .unwrap();
        let list: HashSet<&str> = permissions
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(
            list,
            HashSet::from(["ACTIVITY_EXPORT", "HEALTH_EXPORT", "HISTORICAL_DATA_EXPORT"])
        );
    }
    emulator.stop().await;
}

#[tokio::test]
async fn summaries_are_selected_by_upload_time_and_every_record_appears_in_exactly_one_window() {
    let emulator = support::start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let now = Utc::now().timestamp();
    for kind in ["dailies", "sleeps", "pulseOx", "activities"] {
        let mut seen = Vec::new();
        let mut start = now - 40 * 86_400;
        while start < now + 1 {
            let end = start + 86_400;
            let response = get(
                &emulator,
                &http,
                &c.access_token,
                &format!("/wellness-api/rest/{kind}"),
                &[
                    ("uploadStartTimeInSeconds", start.to_string()),
                    ("uploadEndTimeInSeconds", end.to_string()),
                ],
            )
            .await;
            assert_eq!(response.status(), 200);
            let page: Value = response.json().await.unwrap();
            for item in page.as_array().unwrap() {
                assert!(
                    item.get("userId").is_none(),
                    "pulled summaries carry no userId"
                );
                seen.push(item["summaryId"].as_str().unwrap().to_owned());
            }
            start = end;
        }
        let key = if kind == "pulseOx" { "pulseox" } else { kind };
        let mut stored = stored_ids(&emulator, &http, &c.user_id, key).await;
        stored.sort();
        seen.sort();
        assert_eq!(seen, stored, "{kind}");
        assert!(!seen.is_empty(), "{kind}");
    }
    emulator.stop().await;
}

#[tokio::test]
async fn bad_ranges_are_400_with_garmins_error_message() {
    let emulator = support::start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let now = Utc::now().timestamp();
    let cases = [
        vec![
            ("uploadStartTimeInSeconds", (now - 86_401).to_string()),
            ("uploadEndTimeInSeconds", now.to_string()),
        ],
        vec![
            (
                "uploadStartTimeInSeconds",
                ((now - 3600) * 1000).to_string(),
            ),
            ("uploadEndTimeInSeconds", (now * 1000).to_string()),
        ],
        vec![("uploadStartTimeInSeconds", now.to_string())],
        vec![
            ("uploadStartTimeInSeconds", now.to_string()),
            ("uploadEndTimeInSeconds", (now - 10).to_string()),
        ],
    ];
    for query in cases {
        let response = get(
            &emulator,
            &http,
            &c.access_token,
            "/wellness-api/rest/epochs",
            &query,
        )
        .await;
        assert_eq!(response.status(), 400, "{query:?}");
        let body: Value = response.json().await.unwrap();
        assert!(body["errorMessage"].as_str().unwrap().len() > 5);
    }
    let unknown = get(
        &emulator,
        &http,
        &c.access_token,
        "/wellness-api/rest/nope",
        &[],
    )
    .await;
    assert_eq!(unknown.status(), 404);
    emulator.stop().await;
}

#[tokio::test]
async fn missing_expired_and_revoked_tokens_are_401() {
    let emulator = support::start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let path = "/wellness-api/rest/user/id";
    assert_eq!(get(&emulator, &http, "nope", path, &[]).await.status(), 401);
    let bare = http
        .get(format!("{}{path}", support::base(&emulator)))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 401);
    control(&emulator, &http, "/tokens/expire", json!({})).await;
    let expired = get(&emulator, &http, &c.access_token, path, &[]).await;
    assert_eq!(expired.status(), 401);
    let body: Value = expired.json().await.unwrap();
    assert!(body["errorMessage"].as_str().unwrap().contains("expired"));

    let c = connect(&emulator, &http).await;
    control(&emulator, &http, "/tokens/revoke", json!({})).await;
    assert_eq!(
        get(&emulator, &http, &c.access_token, path, &[])
            .await
            .status(),
        401
    );
    let refresh = support::token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &c.refresh_token),
        ],
    )
    .await;
    assert_eq!(refresh.status(), 400);
    emulator.stop().await;
}

#[tokio::test]
async fn deleting_the_registration_ends_access() {
    let emulator = support::start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let response = http
        .delete(format!(
            "{}/wellness-api/rest/user/registration",
            support::base(&emulator)
        ))
        .bearer_auth(&c.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let after = get(
        &emulator,
        &http,
        &c.access_token,
        "/wellness-api/rest/user/id",
        &[],
    )
    .await;
    assert_eq!(after.status(), 401);
    let users = support::control_get(&emulator, &http, "/users").await;
    assert_eq!(users[0]["registered"], false);
    emulator.stop().await;
}

#[tokio::test]
async fn fail_next_answers_429_with_retry_after_then_recovers() {
    let emulator = support::start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    control(
        &emulator,
        &http,
        "/fail-next",
        json!({"status": 429, "count": 2, "retry_after": 7}),
    )
    .await;
    for _ in 0..2 {
        let response = get(
            &emulator,
            &http,
            &c.access_token,
            "/wellness-api/rest/user/id",
            &[],
        )
        .await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "7");
        let body: Value = response.json().await.unwrap();
        assert!(body["errorMessage"].is_string());
    }
    let ok = get(
        &emulator,
        &http,
        &c.access_token,
        "/wellness-api/rest/user/id",
        &[],
    )
    .await;
    assert_eq!(ok.status(), 200);
    emulator.stop().await;
}

#[tokio::test]
async fn a_summary_type_the_user_did_not_grant_is_412() {
    let emulator = support::start().await;
    let http = http();
    let c = connect_with(
        &emulator,
        &http,
        &[("emulator_permissions", "ACTIVITY_EXPORT")],
    )
    .await;
    let now = Utc::now().timestamp();
    let query = [
        ("uploadStartTimeInSeconds", (now - 3600).to_string()),
        ("uploadEndTimeInSeconds", now.to_string()),
    ];
    let health = get(
        &emulator,
        &http,
        &c.access_token,
        "/wellness-api/rest/dailies",
        &query,
    )
    .await;
    assert_eq!(health.status(), 412);
    let activity = get(
        &emulator,
        &http,
        &c.access_token,
        "/wellness-api/rest/activities",
        &query,
    )
    .await;
    assert_eq!(activity.status(), 200);
    emulator.stop().await;
}
