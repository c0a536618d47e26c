//! AccessLink REST: registration, authentication, exercises, biosensing, deregistration.

use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn data_needs_registration_and_registering_twice_is_a_conflict() {
    let emulator = start().await;
    let http = http();
    let c = authorize_user(&emulator, &http).await;
    let before = get(
        &emulator,
        &http,
        &c.access_token,
        "/users/physical-info",
        &[],
    )
    .await;
    assert_eq!(before.status(), 403);
    let body: Value = before.json().await.unwrap();
    assert_eq!(body["status"], 403);
    assert!(body["corrId"].is_string());

    let registered = register(&emulator, &http, &c.access_token, "member-1").await;
    assert_eq!(registered.status(), 200);
    let user: Value = registered.json().await.unwrap();
    assert_eq!(user["polar-user-id"].as_u64(), Some(c.user_id));
    assert_eq!(user["member-id"], "member-1");
    assert!(user["registration-date"].is_string());
    assert_eq!(
        register(&emulator, &http, &c.access_token, "member-1")
            .await
            .status(),
        409
    );

    let other = authorize_user(&emulator, &http).await;
    assert_eq!(
        register(&emulator, &http, &other.access_token, "member-1")
            .await
            .status(),
        409,
        "member ids are unique"
    );
    let info = get_json(
        &emulator,
        &http,
        &c.access_token,
        "/users/physical-info",
        &[],
    )
    .await;
    assert!(info["weight"].as_f64().unwrap() > 30.0);
    let me = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!("/users/{}", c.user_id),
        &[],
    )
    .await;
    assert_eq!(me["member-id"], "member-1");
    emulator.stop().await;
}

#[tokio::test]
async fn missing_expired_or_revoked_tokens_get_401() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let none = http
        .get(format!("{}/v3/exercises", base(&emulator)))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(
        get(&emulator, &http, "bogus", "/exercises", &[])
            .await
            .status(),
        401
    );
    assert_eq!(
        get(&emulator, &http, &c.access_token, "/exercises", &[])
            .await
            .status(),
        200
    );
    control(&emulator, &http, "/tokens/expire", json!({})).await;
    assert_eq!(
        get(&emulator, &http, &c.access_token, "/exercises", &[])
            .await
            .status(),
        401
    );

    let d = connect(&emulator, &http).await;
    control(&emulator, &http, "/tokens/revoke", json!({})).await;
    assert_eq!(
        get(&emulator, &http, &d.access_token, "/users/sleep", &[])
            .await
            .status(),
        401
    );
    emulator.stop().await;
}

#[tokio::test]
async fn exercises_cover_thirty_days_of_uploads_and_carry_samples_on_request() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let list = get_json(&emulator, &http, &c.access_token, "/exercises", &[]).await;
    let list = list.as_array().unwrap();
    assert!(!list.is_empty());
    let cutoff = Utc::now() - TimeDelta::days(30);
    for e in list {
        let uploaded =
            chrono::DateTime::parse_from_rfc3339(e["upload_time"].as_str().unwrap()).unwrap();
        assert!(uploaded >= cutoff);
        assert_eq!(e["start_time_utc_offset"], 120);
        assert!(e["duration"].as_str().unwrap().starts_with("PT"));
        assert!(e.get("samples").is_none());
    }
    let id = list[0]["id"].as_str().unwrap();
    let one = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!("/exercises/{id}"),
        &[("samples", "true")],
    )
    .await;
    let samples = one["samples"].as_array().unwrap();
    assert_eq!(samples[0]["sample-type"], "0");
    assert_eq!(samples[0]["recording-rate"], 5);
    assert!(samples[0]["data"].as_str().unwrap().split(',').count() > 100);
    assert_eq!(
        get(&emulator, &http, &c.access_token, "/exercises/nope", &[])
            .await
            .status(),
        404
    );
    emulator.stop().await;
}

#[tokio::test]
async fn biosensing_answers_arrays_for_ranges_with_data_and_204_without() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let (from, to) = (today() - TimeDelta::days(20), today() - TimeDelta::days(2));
    let query = [("from", ymd(from)), ("to", ymd(to))];
    let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for kind in ["bodytemperature", "skintemperature", "spo2"] {
        let docs = get_json(
            &emulator,
            &http,
            &c.access_token,
            &format!("/users/biosensing/{kind}"),
            &query,
        )
        .await;
        assert!(!docs.as_array().unwrap().is_empty(), "{kind}");
    }
    let spo2 = get_json(
        &emulator,
        &http,
        &c.access_token,
        "/users/biosensing/spo2",
        &query,
    )
    .await;
    assert_eq!(spo2[0]["time_zone_offset"], 120);
    assert!(spo2[0]["test_time"].as_i64().unwrap() > 1_600_000_000);
    let ecg = get(
        &emulator,
        &http,
        &c.access_token,
        "/users/biosensing/ecg",
        &query,
    )
    .await;
    assert_eq!(ecg.status(), 204);
    emulator.stop().await;
}

#[tokio::test]
async fn deregistration_ends_data_access_until_registered_again() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let path = format!("{}/v3/users/{}", base(&emulator), c.user_id);
    let deleted = http
        .delete(&path)
        .bearer_auth(&c.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        get(&emulator, &http, &c.access_token, "/exercises", &[])
            .await
            .status(),
        403
    );
    let again = http
        .delete(&path)
        .bearer_auth(&c.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
    assert_eq!(
        register(&emulator, &http, &c.access_token, "member-x")
            .await
            .status(),
        200
    );
    assert_eq!(
        get(&emulator, &http, &c.access_token, "/exercises", &[])
            .await
            .status(),
        200
    );
    let other_user = http
        .delete(format!("{}/v3/users/1", base(&emulator)))
        .bearer_auth(&c.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(other_user.status(), 403);
    emulator.stop().await;
}
