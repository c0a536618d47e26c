//! REST: paging, range limits, response shapes and units.

use std::collections::HashSet;

use chrono::{Duration, NaiveDate, Utc};
use serde_json::Value;

use crate::support::*;

fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(-5)).date_naive()
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn fitbit_activity_list_pages_through_next_links_and_returns_every_log_once() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let after = format!("{}T00:00:00", ymd(today() - Duration::days(40)));
    let mut url = format!(
        "{}/1/user/-/activities/list.json?afterDate={after}&sort=asc&limit=3&offset=0",
        base(&emulator)
    );
    let (mut ids, mut pages, mut last_start) = (Vec::new(), 0, String::new());
    loop {
        let response = http
            .get(&url)
            .bearer_auth(&c.access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["fitbit-rate-limit-limit"], "150");
        let page: Value = response.json().await.unwrap();
        pages += 1;
        for log in page["activities"].as_array().unwrap() {
            let start = log["startTime"].as_str().unwrap().to_owned();
            assert!(start.ends_with("-05:00"), "{start}");
            assert!(start >= last_start, "ascending");
            last_start = start;
            ids.push(log["logId"].as_u64().unwrap());
        }
        assert!(page["pagination"]["limit"] == 3);
        match page["pagination"]["next"].as_str().unwrap() {
            "" => break,
            next => url = next.to_owned(),
        }
    }
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
    assert!(ids.len() >= 8, "35 days have workouts: {}", ids.len());
    assert_eq!(pages, ids.len().div_ceil(3).max(1));
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_list_parameters_and_range_limits_are_validated() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    for path in [
        "1/user/-/activities/list.json?afterDate=2024-01-01&beforeDate=2024-02-01&sort=asc&limit=10",
        "1/user/-/activities/list.json?afterDate=2024-01-01&sort=desc&limit=10",
        "1/user/-/activities/list.json?afterDate=2024-01-01&sort=asc&limit=101",
        "1/user/-/activities/list.json?sort=asc&limit=10",
        "1/user/-/hrv/date/2024-01-01/2024-01-31.json",
        "1/user/-/spo2/date/2024-01-01/2024-02-15.json",
        "1/user/-/body/log/weight/date/2024-01-01/2024-02-01.json",
        "1.2/user/-/sleep/date/2024-01-01/2024-04-10.json",
        "1/user/-/br/date/2024-02-01/2024-01-01.json",
        "1/user/-/activities/date/2024-13-01.json",
    ] {
        let response = get(&emulator, &http, &c.access_token, path).await;
        assert_eq!(response.status(), 400, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["errorType"], "validation", "{path}");
    }
    assert_eq!(
        get(
            &emulator,
            &http,
            &c.access_token,
            "1/user/-/hrv/date/2024-01-01/2024-01-30.json"
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        get(&emulator, &http, &c.access_token, "1/user/-/nothing.json")
            .await
            .status(),
        404
    );
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_sleep_logs_have_stages_whose_summary_matches_the_periods() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let (from, to) = (ymd(today() - Duration::days(10)), ymd(today()));
    let body = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!("1.2/user/-/sleep/date/{from}/{to}.json"),
    )
    .await;
    let logs = body["sleep"].as_array().unwrap();
    assert!(logs.len() >= 10);
    for log in logs.iter().filter(|l| l["type"] == "stages") {
        let levels = &log["levels"];
        let data_secs: i64 = levels["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["seconds"].as_i64().unwrap())
            .sum();
        assert_eq!(data_secs * 1000, log["duration"].as_i64().unwrap());
        let summary_minutes: i64 = ["deep", "light", "rem", "wake"]
            .iter()
            .map(|s| levels["summary"][s]["minutes"].as_i64().unwrap())
            .sum();
        assert_eq!(summary_minutes, log["timeInBed"].as_i64().unwrap());
        assert_eq!(
            log["minutesAsleep"].as_i64().unwrap() + log["minutesAwake"].as_i64().unwrap(),
            log["timeInBed"].as_i64().unwrap()
        );
        let short: i64 = levels["shortData"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["seconds"].as_i64().unwrap())
            .sum();
        assert!(short < data_secs);
        assert!(
            !log["startTime"].as_str().unwrap().contains('+'),
            "local time without offset"
        );
    }
    let one_day = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!(
            "1.2/user/-/sleep/date/{}.json",
            ymd(today() - Duration::days(1))
        ),
    )
    .await;
    assert!(one_day["summary"]["totalMinutesAsleep"].as_i64().unwrap() > 300);
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_heart_rate_has_a_resting_rate_and_a_minute_dataset() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let day = ymd(today() - Duration::days(2));
    let body = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!("1/user/-/activities/heart/date/{day}/1d/1min.json"),
    )
    .await;
    assert_eq!(body["activities-heart"][0]["dateTime"], day.as_str());
    let resting = body["activities-heart"][0]["value"]["restingHeartRate"]
        .as_u64()
        .unwrap();
    assert!((40..=75).contains(&resting));
    let intraday = &body["activities-heart-intraday"];
    assert_eq!(intraday["datasetType"], "minute");
    let dataset = intraday["dataset"].as_array().unwrap();
    assert_eq!(dataset.len(), 1440);
    assert_eq!(dataset[0]["time"], "00:00:00");
    let zones: u64 = body["activities-heart"][0]["value"]["heartRateZones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["minutes"].as_u64().unwrap())
        .sum();
    assert_eq!(zones, 1440);
    let fifteen = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!("1/user/-/activities/heart/date/{day}/1d/15min.json"),
    )
    .await;
    assert_eq!(
        fifteen["activities-heart-intraday"]["dataset"]
            .as_array()
            .unwrap()
            .len(),
        96
    );
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_units_follow_accept_language() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let path = format!(
        "{}/1/user/-/activities/date/{}.json",
        base(&emulator),
        ymd(today() - Duration::days(3))
    );
    let fetch = |lang: Option<&'static str>| {
        let mut request = http.get(&path).bearer_auth(&c.access_token);
        if let Some(lang) = lang {
            request = request.header("Accept-Language", lang);
        }
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let metric = fetch(Some("metric")).await;
    let us = fetch(Some("en_US")).await;
    let none = fetch(None).await;
    let km = metric["summary"]["distances"][0]["distance"]
        .as_f64()
        .unwrap();
    let miles = us["summary"]["distances"][0]["distance"].as_f64().unwrap();
    assert!(km > 1.0);
    assert!(
        (km / 1.609_344 - miles).abs() < 0.01,
        "{km} km vs {miles} mi"
    );
    assert_eq!(
        none["summary"]["distances"][0]["distance"]
            .as_f64()
            .unwrap(),
        km
    );
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_nightly_metrics_weight_and_fat_have_their_shapes() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let (from, to) = (ymd(today() - Duration::days(29)), ymd(today()));
    let range = |name: &str| format!("1/user/-/{name}/date/{from}/{to}.json");
    let hrv = get_json(&emulator, &http, &c.access_token, &range("hrv")).await;
    assert!(hrv["hrv"][0]["value"]["dailyRmssd"].as_f64().unwrap() > 10.0);
    let spo2 = get_json(&emulator, &http, &c.access_token, &range("spo2")).await;
    assert!(
        spo2.as_array().unwrap().len() >= 28,
        "a range is a bare array"
    );
    let single = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!(
            "1/user/-/spo2/date/{}.json",
            ymd(today() - Duration::days(1))
        ),
    )
    .await;
    assert!(
        single["value"]["avg"].as_f64().unwrap() > 90.0,
        "one day is an object"
    );
    let br = get_json(&emulator, &http, &c.access_token, &range("br")).await;
    assert!(br["br"][0]["value"]["breathingRate"].as_f64().is_some());
    let temp = get_json(&emulator, &http, &c.access_token, &range("temp/skin")).await;
    assert!(
        temp["tempSkin"][0]["value"]["nightlyRelative"]
            .as_f64()
            .is_some()
    );
    let vo2 = get_json(&emulator, &http, &c.access_token, &range("cardioscore")).await;
    assert!(
        vo2["cardioScore"][0]["value"]["vo2Max"]
            .as_str()
            .unwrap()
            .contains('-')
    );
    let weight = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!("1/user/-/body/log/weight/date/{from}/{to}.json"),
    )
    .await;
    let logs = weight["weight"].as_array().unwrap();
    assert!(!logs.is_empty());
    assert!((40.0..=130.0).contains(&logs[0]["weight"].as_f64().unwrap()));
    let fat = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!("1/user/-/body/log/fat/date/{from}/{to}.json"),
    )
    .await;
    assert!(fat["fat"].as_array().unwrap().len() <= logs.len());
    emulator.stop().await;
}
