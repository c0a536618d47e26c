//! REST pull through `fetch_window`: every record once across pages, and every page normalizes.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use domain::TimeWindow;
use providers::ProviderApi;
use providers::whoop::Whoop;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::{connect, last_days, setup};

/// Every record of a collection, straight from the emulator (no time filter, all pages).
async fn everything(base: &str, token: &SecretString, path: &str) -> Vec<Value> {
    let http = reqwest::Client::new();
    let mut records = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut query = vec![
            ("limit", "25".to_owned()),
            ("start", "2000-01-01T00:00:00Z".to_owned()),
            ("end", "2100-01-01T00:00:00Z".to_owned()),
        ];
        if let Some(token) = &next {
            query.push(("nextToken", token.clone()));
        }
        let page: Value = http
            .get(format!("{base}{path}"))
            .bearer_auth(token.expose_secret())
            .query(&query)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        records.extend(page["records"].as_array().unwrap().iter().cloned());
        match page.get("next_token").and_then(Value::as_str) {
            Some(token) => next = Some(token.to_owned()),
            None => return records,
        }
    }
}

fn at(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().and_then(|t| t.parse().ok())
}

/// Whether a record overlaps the window as WHOOP filters (`start` inclusive, `end` exclusive).
fn overlaps(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>, w: TimeWindow) -> bool {
    start.is_some_and(|s| s < w.end) && end.is_none_or(|e| e >= w.start)
}

fn id_of(record: &Value) -> String {
    match record.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => record["cycle_id"].to_string(),
    }
}

#[tokio::test]
async fn whoop_fetch_window_over_30_days_returns_every_record_once_and_normalizes() {
    let setup = setup().await;
    let token = connect(&setup).await.tokens.access_token;
    let window = last_days(30);
    let pages = Whoop
        .fetch_window(setup.api(), &token, window, &[])
        .await
        .unwrap();

    let mut ids: HashMap<String, Vec<String>> = HashMap::new();
    let mut pages_per_kind: HashMap<String, usize> = HashMap::new();
    let mut normalized: HashMap<String, usize> = HashMap::new();
    for page in &pages {
        assert!(page.content_type.starts_with("application/json"));
        *pages_per_kind.entry(page.kind.clone()).or_default() += 1;
        let batch = Whoop.normalize(&page.kind, &page.body).unwrap();
        let count = batch.sleeps.len() + batch.workouts.len() + batch.daily_activity.len();
        *normalized.entry(page.kind.clone()).or_default() += count;
        for sleep in &batch.sleeps {
            assert_eq!(
                sleep.zone_offset.map(|z| z.seconds()),
                Some(setup.config.zone_offset_secs)
            );
            assert!(sleep.sleep_duration_seconds.unwrap() > 0);
        }
        for workout in &batch.workouts {
            assert_eq!(
                workout.zone_offset.map(|z| z.seconds()),
                Some(setup.config.zone_offset_secs)
            );
            assert!(workout.calories_kcal.unwrap() < workout.duration_seconds() as f64);
        }
        if page.kind == "recovery" {
            assert!(!batch.samples.is_empty() || page.body.len() < 40);
        }
        let body: Value = serde_json::from_slice(&page.body).unwrap();
        if let Some(records) = body.get("records").and_then(Value::as_array) {
            assert!(records.len() <= 25);
            let list = ids.entry(page.kind.clone()).or_default();
            list.extend(records.iter().map(id_of));
        }
    }
    assert_eq!(pages_per_kind.get("body_measurement"), Some(&1));
    assert!(
        pages_per_kind["cycle"] >= 2,
        "31 cycles do not fit in one page of 25"
    );

    let base = setup
        .endpoints
        .api_base_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    for (kind, path) in [
        ("cycle", "/v2/cycle"),
        ("sleep", "/v2/activity/sleep"),
        ("workout", "/v2/activity/workout"),
    ] {
        let fetched = ids.remove(kind).unwrap_or_default();
        let unique: HashSet<&String> = fetched.iter().collect();
        assert_eq!(unique.len(), fetched.len(), "{kind}: no record twice");
        let expected: HashSet<String> = everything(&base, &token, path)
            .await
            .iter()
            .filter(|r| overlaps(at(&r["start"]), at(&r["end"]), window))
            .map(id_of)
            .collect();
        assert_eq!(
            unique,
            expected.iter().collect(),
            "{kind}: exactly the window's records"
        );
        assert_eq!(
            normalized[kind],
            fetched.len(),
            "{kind}: every record normalized"
        );
    }
    let recoveries = ids.remove("recovery").unwrap();
    let unique: HashSet<&String> = recoveries.iter().collect();
    assert_eq!(unique.len(), recoveries.len());
    assert!(recoveries.len() >= 29);
    setup.emulator.stop().await;
}

#[tokio::test]
async fn whoop_fetch_window_takes_only_the_requested_data_types() {
    let setup = setup().await;
    let token = connect(&setup).await.tokens.access_token;
    let types = ["workout".to_owned(), "heartrate".to_owned()];
    let pages = Whoop
        .fetch_window(setup.api(), &token, last_days(3), &types)
        .await
        .unwrap();
    assert!(!pages.is_empty());
    assert!(pages.iter().all(|p| p.kind == "workout"));
    setup.emulator.stop().await;
}
