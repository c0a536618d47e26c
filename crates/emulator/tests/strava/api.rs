//! REST: the athlete, activity paging, details, streams, scopes, rate limits and injected faults.

use std::collections::HashSet;

use provider_emulator::StravaConfig;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn strava_the_athlete_needs_a_bearer_token_and_shows_the_weight_with_profile_read_all() {
    let emulator = start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let response = get(&emulator, &http, &conn.access_token, "/athlete", &[]).await;
    assert_eq!(response.status(), 200);
    let athlete: Value = response.json().await.unwrap();
    assert_eq!(athlete["id"], conn.athlete_id);
    assert_eq!(athlete["resource_state"], 3);
    let weight = athlete["weight"].as_f64().unwrap();
    assert!((45.0..100.0).contains(&weight), "{weight}");

    let public = connect_with(&emulator, &http, &[("scope", "read,activity:read")]).await;
    let athlete: Value = get(&emulator, &http, &public.access_token, "/athlete", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(athlete["weight"], Value::Null);

    let anonymous = http
        .get(format!("{}/api/v3/athlete", base(&emulator)))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(
        body["errors"][0],
        json!({"resource": "Athlete", "field": "access_token", "code": "invalid"})
    );
    emulator.stop().await;
}

#[tokio::test]
async fn strava_activities_page_by_page_and_per_page_within_after_and_before() {
    let emulator = start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let now = chrono::Utc::now().timestamp();
    let (after, before) = ((now - 30 * 86_400).to_string(), now.to_string());
    let window = [("after", after.as_str()), ("before", before.as_str())];
    let (all, pages) = all_pages(&emulator, &http, &conn.access_token, &window, "200").await;
    assert_eq!(pages, 1);
    assert!(all.len() >= 15, "{}", all.len());
    let (paged, pages) = all_pages(&emulator, &http, &conn.access_token, &window, "7").await;
    assert_eq!(pages, all.len().div_ceil(7));
    assert_eq!(paged, all, "same activities, same order");
    let ids: HashSet<u64> = all.iter().map(|a| a["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), all.len());

    let starts: Vec<i64> = all
        .iter()
        .map(|a| {
            chrono::DateTime::parse_from_rfc3339(a["start_date"].as_str().unwrap())
                .unwrap()
                .timestamp()
        })
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] <= w[1]),
        "oldest first with after"
    );
    assert!(starts.iter().all(|&s| s > now - 30 * 86_400 && s < now));
    let first = &all[0];
    assert_eq!(first["resource_state"], 2);
    assert_eq!(first["utc_offset"], 3600.0);
    assert!(first["start_date_local"].as_str().unwrap().ends_with('Z'));
    assert_eq!(first["timezone"], "(GMT+01:00) Europe/Paris");

    let newest: Vec<Value> = get(
        &emulator,
        &http,
        &conn.access_token,
        "/athlete/activities",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    let total = users(&emulator, &http).await[0]["activities"]
        .as_u64()
        .unwrap() as usize;
    assert_eq!(newest.len(), total.min(30), "default per_page");
    assert_eq!(
        newest[0]["id"],
        all.last().unwrap()["id"],
        "newest first without after"
    );
    emulator.stop().await;
}

#[tokio::test]
async fn strava_per_page_is_capped_at_the_configured_maximum() {
    let emulator = start_with(StravaConfig {
        max_per_page: 5,
        ..StravaConfig::default()
    })
    .await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let page: Vec<Value> = get(
        &emulator,
        &http,
        &conn.access_token,
        "/athlete/activities",
        &[("per_page", "200"), ("after", "0")],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(page.len(), 5);
    emulator.stop().await;
}

#[tokio::test]
async fn strava_a_detailed_activity_and_its_streams_agree_with_the_summary() {
    let emulator = start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let (all, _) = all_pages(
        &emulator,
        &http,
        &conn.access_token,
        &[("after", "0")],
        "200",
    )
    .await;
    let run = all
        .iter()
        .find(|a| {
            a["manual"] == false && a["has_heartrate"] == true && a["distance"].as_f64() > Some(0.0)
        })
        .expect("a recorded activity with heart rate");
    let id = run["id"].as_u64().unwrap().to_string();
    let detail: Value = get(
        &emulator,
        &http,
        &conn.access_token,
        &format!("/activities/{id}"),
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(detail["resource_state"], 3);
    assert!(detail["calories"].as_f64().unwrap() > 0.0);
    assert!(detail["device_name"].is_string());
    assert_eq!(detail["elapsed_time"], run["elapsed_time"]);

    let streams: Value = get(
        &emulator,
        &http,
        &conn.access_token,
        &format!("/activities/{id}/streams"),
        &[
            ("keys", "time,heartrate,velocity_smooth"),
            ("key_by_type", "true"),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    let keys: HashSet<&str> = streams
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    // Strava always adds the distance stream.
    assert_eq!(
        keys,
        HashSet::from(["time", "heartrate", "velocity_smooth", "distance"])
    );
    let time = streams["time"]["data"].as_array().unwrap();
    let distance = streams["distance"]["data"].as_array().unwrap();
    let hr = streams["heartrate"]["data"].as_array().unwrap();
    assert_eq!(streams["time"]["original_size"], time.len());
    assert_eq!(hr.len(), time.len());
    assert_eq!(time[0], 0);
    assert_eq!(
        time.last().unwrap().as_i64().unwrap() + 1,
        run["elapsed_time"].as_i64().unwrap()
    );
    assert_eq!(distance.last().unwrap().as_f64(), run["distance"].as_f64());
    let mean = hr.iter().map(|v| v.as_f64().unwrap()).sum::<f64>() / hr.len() as f64;
    assert!((mean - run["average_heartrate"].as_f64().unwrap()).abs() < 0.1);

    let list: Vec<Value> = get(
        &emulator,
        &http,
        &conn.access_token,
        &format!("/activities/{id}/streams"),
        &[("keys", "heartrate")],
    )
    .await
    .json()
    .await
    .unwrap();
    let types: Vec<&str> = list.iter().map(|s| s["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["distance", "heartrate"]);

    let missing = get(&emulator, &http, &conn.access_token, "/activities/1", &[]).await;
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["message"], "Record Not Found");
    emulator.stop().await;
}

#[tokio::test]
async fn strava_activities_need_an_activity_read_scope() {
    let emulator = start().await;
    let http = http();
    let conn = connect_with(&emulator, &http, &[("scope", "read")]).await;
    let response = get(
        &emulator,
        &http,
        &conn.access_token,
        "/athlete/activities",
        &[],
    )
    .await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0],
        json!({"resource": "AccessToken", "field": "activity:read_permission", "code": "missing"})
    );
    emulator.stop().await;
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn strava_every_answer_carries_rate_limit_headers_and_the_read_limit_is_enforced() {
    let emulator = start_with(StravaConfig {
        read_rate_limit_15min: 3,
        ..StravaConfig::default()
    })
    .await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    for n in 1..=3 {
        let response = get(&emulator, &http, &conn.access_token, "/athlete", &[]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, "x-ratelimit-limit").as_deref(),
            Some("200,2000")
        );
        assert_eq!(
            header(&response, "x-readratelimit-limit").as_deref(),
            Some("3,1000")
        );
        assert_eq!(
            header(&response, "x-readratelimit-usage"),
            Some(format!("{n},{n}"))
        );
    }
    let limited = get(&emulator, &http, &conn.access_token, "/athlete", &[]).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(
        header(&limited, "x-readratelimit-usage").as_deref(),
        Some("4,4")
    );
    assert_eq!(header(&limited, "retry-after"), None);
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["message"], "Rate Limit Exceeded");
    emulator.stop().await;
}

#[tokio::test]
async fn strava_injected_failures_use_stravas_rate_limit_headers() {
    let emulator = start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    control(
        &emulator,
        &http,
        "/fail-next",
        json!({"status": 429, "count": 2, "retry_after": 3}),
    )
    .await;
    for _ in 0..2 {
        let response = get(&emulator, &http, &conn.access_token, "/athlete", &[]).await;
        assert_eq!(response.status(), 429);
        assert_eq!(
            header(&response, "x-ratelimit-limit").as_deref(),
            Some("200,2000")
        );
        let usage = header(&response, "x-readratelimit-usage").unwrap();
        assert!(usage.starts_with("100,"), "{usage}");
        assert_eq!(
            header(&response, "retry-after"),
            None,
            "Strava sends no Retry-After"
        );
    }
    assert_eq!(
        get(&emulator, &http, &conn.access_token, "/athlete", &[])
            .await
            .status(),
        200
    );
    control(&emulator, &http, "/fail-next", json!({"status": 503})).await;
    assert_eq!(
        get(&emulator, &http, &conn.access_token, "/athlete", &[])
            .await
            .status(),
        503
    );
    emulator.stop().await;

    let emulator = start_with(StravaConfig {
        send_retry_after: true,
        ..StravaConfig::default()
    })
    .await;
    let conn = connect(&emulator, &http).await;
    control(
        &emulator,
        &http,
        "/fail-next",
        json!({"status": 429, "retry_after": 3}),
    )
    .await;
    let response = get(&emulator, &http, &conn.access_token, "/athlete", &[]).await;
    assert_eq!(header(&response, "retry-after").as_deref(), Some("3"));
    emulator.stop().await;
}
