use std::collections::HashSet;

use chrono::{NaiveDate, TimeDelta, Timelike as _};
use serde_json::{Value, json};

use crate::support::{
    self, all_pages, assert_sleep_consistent, connect, control, created_day, get, http,
    token_request,
};

pub fn history(created: NaiveDate) -> (String, String) {
    (
        (created - TimeDelta::days(34)).to_string(),
        created.to_string(),
    )
}

#[tokio::test]
async fn requests_without_a_valid_token_are_unauthorized() {
    let emulator = support::start().await;
    let http = http();
    let missing = http
        .get(format!(
            "{}/v2/usercollection/sleep",
            emulator.oura_api_base()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["status"], 401);
    assert_eq!(body["title"], "Unauthorized");
    let unknown = get(
        &emulator,
        &http,
        "not-a-token",
        "/v2/usercollection/personal_info",
        &[],
    )
    .await;
    assert_eq!(unknown.status(), 401);
    emulator.stop().await;
}

#[tokio::test]
async fn expired_tokens_are_rejected_until_refreshed() {
    let emulator = support::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let expire = control(&emulator, &http, "/tokens/expire", json!({})).await;
    assert_eq!(expire.status(), 200);
    let response = get(
        &emulator,
        &http,
        &connection.access_token,
        "/v2/usercollection/personal_info",
        &[],
    )
    .await;
    assert_eq!(response.status(), 401);

    let refreshed: Value = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", connection.refresh_token.as_str()),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    let token = refreshed["access_token"].as_str().unwrap();
    let response = get(
        &emulator,
        &http,
        token,
        "/v2/usercollection/personal_info",
        &[],
    )
    .await;
    assert_eq!(response.status(), 200);
    emulator.stop().await;
}

#[tokio::test]
async fn personal_info_reports_kilograms_and_meters() {
    let emulator = support::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let info: Value = get(
        &emulator,
        &http,
        &connection.access_token,
        "/v2/usercollection/personal_info",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(info["email"], "user1@example.com");
    let height = info["height"].as_f64().unwrap();
    assert!((1.4..2.2).contains(&height), "{height}");
    let weight = info["weight"].as_f64().unwrap();
    assert!((40.0..130.0).contains(&weight), "{weight}");
    assert!(["male", "female"].contains(&info["biological_sex"].as_str().unwrap()));
    emulator.stop().await;
}

#[tokio::test]
async fn collection_paging_returns_every_document_exactly_once() {
    let emulator = support::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let (start, end) = history(created_day(&emulator, &http, &connection.user_id).await);
    for collection in ["sleep", "daily_activity"] {
        let (docs, pages) = all_pages(
            &emulator,
            &http,
            &connection.access_token,
            collection,
            &start,
            &end,
        )
        .await;
        assert_eq!(docs.len(), 35, "{collection}");
        assert_eq!(pages, 4, "{collection}");
        let ids: HashSet<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), docs.len());
        let days: Vec<&str> = docs.iter().map(|d| d["day"].as_str().unwrap()).collect();
        assert!(days.windows(2).all(|w| w[0] < w[1]), "{days:?}");
        assert_eq!(days[0], start);
    }
    let (workouts, _) = all_pages(
        &emulator,
        &http,
        &connection.access_token,
        "workout",
        &start,
        &end,
    )
    .await;
    assert!((11..=18).contains(&workouts.len()), "{}", workouts.len());
    for workout in &workouts {
        let distance = &workout["distance"];
        match workout["activity"].as_str().unwrap() {
            "strength_training" | "yoga" => assert!(distance.is_null()),
            _ => assert!(distance.as_f64().unwrap() > 0.0),
        }
        assert!(workout["label"].is_null());
    }
    emulator.stop().await;
}

#[tokio::test]
async fn every_generated_sleep_has_durations_consistent_with_its_phases() {
    let emulator = support::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let (start, end) = history(created_day(&emulator, &http, &connection.user_id).await);
    let (sleeps, _) = all_pages(
        &emulator,
        &http,
        &connection.access_token,
        "sleep",
        &start,
        &end,
    )
    .await;
    assert_eq!(sleeps.len(), 35);
    for doc in &sleeps {
        assert_sleep_consistent(doc);
        assert_eq!(doc["type"], "long_sleep");
        let bedtime =
            chrono::DateTime::parse_from_rfc3339(doc["bedtime_start"].as_str().unwrap()).unwrap();
        assert_eq!(bedtime.offset().local_minus_utc(), 3600);
        let minutes = bedtime.hour() * 60 + bedtime.minute();
        assert!(minutes >= 22 * 60 || minutes <= 30, "bedtime {bedtime}");
        let in_bed = doc["time_in_bed"].as_i64().unwrap();
        assert!((6 * 3600..=9 * 3600).contains(&in_bed));
        let average = doc["average_heart_rate"].as_f64().unwrap();
        assert!((48.0..=62.0).contains(&average), "{average}");
        assert!(doc["lowest_heart_rate"].as_f64().unwrap() < average);
        assert!((20..=80).contains(&doc["average_hrv"].as_i64().unwrap()));
        assert!((12.0..=18.0).contains(&doc["average_breath"].as_f64().unwrap()));
        let phases = doc["sleep_phase_5_min"].as_str().unwrap();
        assert!(phases.starts_with('4') && phases.ends_with('4'));
        let half = phases.len() / 2;
        let deep = |s: &str| s.chars().filter(|&c| c == '1').count();
        assert!(deep(&phases[..half]) > deep(&phases[half..]), "{phases}");
    }
    let activity: Value = get(
        &emulator,
        &http,
        &connection.access_token,
        "/v2/usercollection/daily_activity",
        &[("start_date", &end), ("end_date", &end)],
    )
    .await
    .json()
    .await
    .unwrap();
    let day = &activity["data"][0];
    let time = |name: &str| day[name].as_i64().unwrap();
    let total: i64 = [
        "high_activity_time",
        "medium_activity_time",
        "low_activity_time",
        "sedentary_time",
        "resting_time",
        "non_wear_time",
    ]
    .into_iter()
    .map(time)
    .sum();
    assert_eq!(total, 86_400);
    assert!((3000..=15000).contains(&time("steps")));
    assert!(
        day["timestamp"]
            .as_str()
            .unwrap()
            .ends_with("T04:00:00+01:00")
    );
    emulator.stop().await;
}

#[tokio::test]
async fn date_parameters_are_validated() {
    let emulator = support::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let path = "/v2/usercollection/sleep";
    let bad = get(
        &emulator,
        &http,
        &connection.access_token,
        path,
        &[("start_date", "2024-02-30")],
    )
    .await;
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["title"], "Bad Request");
    let reversed = get(
        &emulator,
        &http,
        &connection.access_token,
        path,
        &[("start_date", "2024-02-02"), ("end_date", "2024-02-01")],
    )
    .await;
    assert_eq!(reversed.status(), 400);
    let datetimes = get(
        &emulator,
        &http,
        &connection.access_token,
        path,
        &[
            ("start_date", "2024-02-01T00:00:00+01:00"),
            ("end_date", "2024-02-02T12:00:00+01:00"),
        ],
    )
    .await;
    assert_eq!(datetimes.status(), 200);
    let default_range: Value = get(&emulator, &http, &connection.access_token, path, &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(default_range["data"].as_array().unwrap().len() <= 2);
    emulator.stop().await;
}

#[tokio::test]
async fn single_documents_are_private_to_their_user() {
    let emulator = support::start().await;
    let http = http();
    let alice = connect(&emulator, &http).await;
    let bob = connect(&emulator, &http).await;
    let (start, end) = history(created_day(&emulator, &http, &alice.user_id).await);
    let (sleeps, _) = all_pages(&emulator, &http, &alice.access_token, "sleep", &start, &end).await;
    let id = sleeps[3]["id"].as_str().unwrap();
    let path = format!("/v2/usercollection/sleep/{id}");
    let own: Value = get(&emulator, &http, &alice.access_token, &path, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own, sleeps[3]);
    let other = get(&emulator, &http, &bob.access_token, &path, &[]).await;
    assert_eq!(other.status(), 404);
    let body: Value = other.json().await.unwrap();
    assert_eq!(body["title"], "Not Found");
    let unknown = get(
        &emulator,
        &http,
        &alice.access_token,
        "/v2/usercollection/nonsense",
        &[],
    )
    .await;
    assert_eq!(unknown.status(), 404);
    let empty: Value = get(
        &emulator,
        &http,
        &alice.access_token,
        "/v2/usercollection/daily_readiness",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(empty, json!({ "data": [], "next_token": null }));
    emulator.stop().await;
}
