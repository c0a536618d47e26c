use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::support::{self, all_pages, connect, control, get, http};

fn time(v: &Value, field: &str) -> DateTime<Utc> {
    v[field].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn profile_and_body_measurement_describe_the_member() {
    let emulator = support::start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let profile: Value = get(
        &emulator,
        &http,
        &conn.access_token,
        "/v2/user/profile/basic",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(profile["email"].as_str().unwrap().contains('@'));
    assert!(profile["first_name"].is_string() && profile["last_name"].is_string());
    let body: Value = get(
        &emulator,
        &http,
        &conn.access_token,
        "/v2/user/measurement/body",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    assert!((1.5..2.0).contains(&body["height_meter"].as_f64().unwrap()));
    assert!((40.0..150.0).contains(&body["weight_kilogram"].as_f64().unwrap()));
    assert!((150..=210).contains(&body["max_heart_rate"].as_i64().unwrap()));
    emulator.stop().await;
}

#[tokio::test]
async fn collections_page_25_at_a_time_newest_first_with_every_record_once() {
    let emulator = support::start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    for path in [
        "/v2/cycle",
        "/v2/activity/sleep",
        "/v2/recovery",
        "/v2/activity/workout",
    ] {
        let (records, pages) = all_pages(
            &emulator,
            &http,
            &conn.access_token,
            path,
            &[("limit", "25")],
        )
        .await;
        let key = |r: &Value| r.get("id").unwrap_or(&r["cycle_id"]).to_string();
        let ids: HashSet<String> = records.iter().map(key).collect();
        assert_eq!(ids.len(), records.len(), "{path}: no record twice");
        assert_eq!(pages, records.len().div_ceil(25).max(1), "{path}");
        if path != "/v2/recovery" {
            let starts: Vec<DateTime<Utc>> = records.iter().map(|r| time(r, "start")).collect();
            assert!(
                starts.windows(2).all(|w| w[0] >= w[1]),
                "{path}: newest first"
            );
        }
        if path == "/v2/cycle" {
            assert!((34..=35).contains(&records.len()));
            assert!(
                records[0].get("end").is_none(),
                "the current cycle has no end"
            );
            assert!(records[1]["end"].is_string());
        }
    }
    let (default_page, _) = {
        let page: Value = get(
            &emulator,
            &http,
            &conn.access_token,
            "/v2/activity/sleep",
            &[],
        )
        .await
        .json()
        .await
        .unwrap();
        (
            page["records"].as_array().unwrap().len(),
            page["next_token"].is_string(),
        )
    };
    assert_eq!(default_page, 10, "limit defaults to 10");
    emulator.stop().await;
}

#[tokio::test]
async fn records_are_in_whoop_units_and_shapes() {
    let emulator = support::start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let page: Value = get(
        &emulator,
        &http,
        &conn.access_token,
        "/v2/activity/sleep",
        &[("limit", "25")],
    )
    .await
    .json()
    .await
    .unwrap();
    let sleep = &page["records"][0];
    assert!(sleep["id"].as_str().unwrap().len() == 36 && sleep["cycle_id"].is_i64());
    assert_eq!(sleep["timezone_offset"], "-04:00");
    assert!(sleep["start"].as_str().unwrap().ends_with('Z'));
    let stages = &sleep["score"]["stage_summary"];
    let in_bed = stages["total_in_bed_time_milli"].as_i64().unwrap();
    assert_eq!(
        in_bed,
        (time(sleep, "end") - time(sleep, "start")).num_milliseconds()
    );
    let recovery: Value = get(
        &emulator,
        &http,
        &conn.access_token,
        &format!("/v2/cycle/{}/recovery", sleep["cycle_id"]),
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(recovery["cycle_id"], sleep["cycle_id"]);
    let workouts: Value = get(
        &emulator,
        &http,
        &conn.access_token,
        "/v2/activity/workout",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    if let Some(w) = workouts["records"].as_array().unwrap().first() {
        let zones = w["score"]["zone_durations"].as_object().unwrap();
        let total: i64 = zones.values().map(|v| v.as_i64().unwrap()).sum();
        assert_eq!(
            total,
            (time(w, "end") - time(w, "start")).num_milliseconds()
        );
        assert!(
            w["score"]["kilojoule"].as_f64().unwrap() > 100.0,
            "kilojoules, not kcal"
        );
    }
    emulator.stop().await;
}

#[tokio::test]
async fn start_is_inclusive_and_end_exclusive_by_overlap_with_the_record() {
    let emulator = support::start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let (all, _) = all_pages(
        &emulator,
        &http,
        &conn.access_token,
        "/v2/activity/sleep",
        &[("limit", "25")],
    )
    .await;
    let night = all.iter().find(|s| s["nap"] == false).unwrap();
    let (start, end) = (
        night["start"].as_str().unwrap(),
        night["end"].as_str().unwrap(),
    );
    let ids = |records: Vec<Value>| {
        records
            .into_iter()
            .map(|r| r["id"].clone())
            .collect::<Vec<_>>()
    };
    let before = ids(all_pages(
        &emulator,
        &http,
        &conn.access_token,
        "/v2/activity/sleep",
        &[("start", "2000-01-01T00:00:00Z"), ("end", start)],
    )
    .await
    .0);
    assert!(
        !before.contains(&night["id"]),
        "a sleep starting at end is excluded"
    );
    let after_end = ids(all_pages(
        &emulator,
        &http,
        &conn.access_token,
        "/v2/activity/sleep",
        &[("start", end), ("end", "2100-01-01T00:00:00Z")],
    )
    .await
    .0);
    assert!(
        after_end.contains(&night["id"]),
        "a sleep ending at start is included"
    );
    let inside = ids(all_pages(
        &emulator,
        &http,
        &conn.access_token,
        "/v2/activity/sleep",
        &[("start", start), ("end", end)],
    )
    .await
    .0);
    assert_eq!(inside, vec![night["id"].clone()]);
    emulator.stop().await;
}

#[tokio::test]
async fn bad_parameters_are_400_and_unknown_ids_404() {
    let emulator = support::start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let t = &conn.access_token;
    for (path, query) in [
        ("/v2/activity/sleep", vec![("limit", "26")]),
        ("/v2/activity/sleep", vec![("limit", "0")]),
        ("/v2/cycle", vec![("nextToken", "%%%")]),
        ("/v2/recovery", vec![("start", "yesterday")]),
        ("/v2/activity/sleep/not-a-uuid", vec![]),
        ("/v2/cycle/abc", vec![]),
    ] {
        let response = get(&emulator, &http, t, path, &query).await;
        assert_eq!(response.status(), 400, "{path} {query:?}");
        assert!(response.json::<Value>().await.unwrap()["error"].is_string());
    }
    for path in [
        "/v2/activity/sleep/6a1b2c3d-0e4f-4a5b-8c6d-7e8f9a0b1c2d",
        "/v2/cycle/1/recovery",
        "/v2/activity/workout/6a1b2c3d-0e4f-4a5b-8c6d-7e8f9a0b1c2d",
    ] {
        assert_eq!(
            get(&emulator, &http, t, path, &[]).await.status(),
            404,
            "{path}"
        );
    }
    emulator.stop().await;
}

#[tokio::test]
async fn missing_expired_revoked_or_underscoped_tokens_are_401() {
    let emulator = support::start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let unauthenticated = http
        .get(format!("{}/v2/cycle", support::api_base(&emulator)))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    assert_eq!(
        get(&emulator, &http, "nope", "/v2/cycle", &[])
            .await
            .status(),
        401
    );

    let code = support::authorize(&emulator, &http, &[("scope", "read:sleep")]).await;
    let narrow: Value = support::token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", support::REDIRECT_URI),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    let narrow = narrow["access_token"].as_str().unwrap();
    assert_eq!(
        get(&emulator, &http, narrow, "/v2/activity/sleep", &[])
            .await
            .status(),
        200
    );
    assert_eq!(
        get(&emulator, &http, narrow, "/v2/recovery", &[])
            .await
            .status(),
        401
    );

    control(&emulator, &http, "/tokens/expire", json!({})).await;
    assert_eq!(
        get(&emulator, &http, &conn.access_token, "/v2/cycle", &[])
            .await
            .status(),
        401
    );
    emulator.stop().await;
}

#[tokio::test]
async fn deleting_user_access_revokes_every_token_of_the_member() {
    let emulator = support::start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let response = http
        .delete(format!("{}/v2/user/access", support::api_base(&emulator)))
        .bearer_auth(&conn.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
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
    let users = support::control_get(&emulator, &http, "/users").await;
    assert_eq!(users[0]["connected"], false);
    emulator.stop().await;
}
