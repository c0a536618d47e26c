//! REST data: Withings error envelopes, `offset` paging, date ranges, data_fields, range limits,
//! injected faults.

use std::collections::HashSet;

use chrono::{Days, Utc};
use serde_json::{Value, json};

use crate::support::*;

fn ymd(days_back: u64) -> String {
    Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(days_back))
        .unwrap()
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn missing_invalid_or_expired_tokens_answer_status_401_in_an_http_200() {
    let emulator = start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let no_token = http
        .post(format!("{}/measure", base(&emulator)))
        .form(&[("action", "getmeas")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 200);
    let no_token: Value = no_token.json().await.unwrap();
    assert_eq!(no_token["status"], 401);
    let wrong = call(
        &emulator,
        &http,
        "nope",
        "/v2/sleep",
        &[("action", "getsummary")],
    )
    .await;
    assert_eq!(wrong["status"], 401);
    assert_eq!(
        control(&emulator, &http, "/tokens/expire", json!({}))
            .await
            .status(),
        200
    );
    let expired = call(
        &emulator,
        &http,
        &connection.access_token,
        "/measure",
        &[("action", "getmeas")],
    )
    .await;
    assert_eq!(expired["status"], 401);
    let unknown = call(
        &emulator,
        &http,
        &connection.access_token,
        "/v2/measure",
        &[("action", "nope")],
    )
    .await;
    assert_eq!(unknown["status"], 2554);
    emulator.stop().await;
}

#[tokio::test]
async fn getmeas_pages_every_group_once_with_more_and_offset() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let start = (Utc::now().timestamp() - 30 * 86_400).to_string();
    let end = Utc::now().timestamp().to_string();
    let form = [
        ("action", "getmeas"),
        ("category", "1"),
        ("startdate", &start),
        ("enddate", &end),
    ];
    let (groups, pages) = all_pages(
        &emulator,
        &http,
        &c.access_token,
        "/measure",
        &form,
        "measuregrps",
    )
    .await;
    assert!(pages >= 4, "{pages} pages");
    let ids: HashSet<i64> = groups
        .iter()
        .map(|g| g["grpid"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), groups.len(), "no group twice");
    assert!(groups.len() >= 60, "{} groups", groups.len());
    let first = call(&emulator, &http, &c.access_token, "/measure", &form).await;
    assert_eq!(first["body"]["more"], 1);
    assert_eq!(first["body"]["timezone"], "America/Sao_Paulo");
    let weight = groups
        .iter()
        .flat_map(|g| g["measures"].as_array().unwrap())
        .find(|m| m["type"] == 1)
        .unwrap();
    assert_eq!(weight["unit"], -3);
    // meastype filters the measures of each group.
    let only = call(
        &emulator,
        &http,
        &c.access_token,
        "/measure",
        &[("action", "getmeas"), ("meastype", "54")],
    )
    .await;
    for group in only["body"]["measuregrps"].as_array().unwrap() {
        assert!(
            group["measures"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["type"] == 54)
        );
    }
    emulator.stop().await;
}

#[tokio::test]
async fn activity_and_workouts_page_by_local_date_and_honour_data_fields() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let (from, to) = (ymd(30), ymd(0));
    let form = [
        ("action", "getactivity"),
        ("startdateymd", from.as_str()),
        ("enddateymd", to.as_str()),
        ("data_fields", "steps,calories"),
    ];
    let (days, pages) = all_pages(
        &emulator,
        &http,
        &c.access_token,
        "/v2/measure",
        &form,
        "activities",
    )
    .await;
    assert!(pages >= 3);
    let dates: HashSet<&str> = days.iter().map(|d| d["date"].as_str().unwrap()).collect();
    assert_eq!(dates.len(), days.len());
    assert!(days.len() >= 30);
    assert!(days[0]["steps"].as_i64().unwrap() > 1000);
    assert!(
        days[0].get("totalcalories").is_none(),
        "only requested fields"
    );
    assert_eq!(days[0]["timezone"], "America/Sao_Paulo");
    let form = [
        ("action", "getworkouts"),
        ("startdateymd", from.as_str()),
        ("enddateymd", to.as_str()),
    ];
    let (workouts, _) = all_pages(
        &emulator,
        &http,
        &c.access_token,
        "/v2/measure",
        &form,
        "series",
    )
    .await;
    assert!(!workouts.is_empty());
    for w in &workouts {
        assert!(w["enddate"].as_i64() > w["startdate"].as_i64());
        assert!(w["data"]["calories"].as_f64().unwrap() > 0.0);
    }
    let missing = call(
        &emulator,
        &http,
        &c.access_token,
        "/v2/measure",
        &[("action", "getworkouts")],
    )
    .await;
    assert_eq!(missing["status"], 503);
    emulator.stop().await;
}

#[tokio::test]
async fn sleep_summary_totals_match_the_stage_segments_of_get() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let (from, to) = (ymd(5), ymd(0));
    let form = [
        ("action", "getsummary"),
        ("startdateymd", from.as_str()),
        ("enddateymd", to.as_str()),
    ];
    let (nights, _) = all_pages(
        &emulator,
        &http,
        &c.access_token,
        "/v2/sleep",
        &form,
        "series",
    )
    .await;
    assert!(nights.len() >= 5);
    let night = &nights[0];
    let (start, end) = (
        night["startdate"].as_i64().unwrap(),
        night["enddate"].as_i64().unwrap(),
    );
    let detail = call(
        &emulator,
        &http,
        &c.access_token,
        "/v2/sleep",
        &[
            ("action", "get"),
            ("startdate", &start.to_string()),
            ("enddate", &end.to_string()),
            ("data_fields", "hr,rmssd"),
        ],
    )
    .await;
    let segments = detail["body"]["series"].as_array().unwrap();
    let total = |state: i64| -> i64 {
        segments
            .iter()
            .filter(|s| s["state"] == state)
            .map(|s| s["enddate"].as_i64().unwrap() - s["startdate"].as_i64().unwrap())
            .sum()
    };
    assert_eq!(
        total(1),
        night["data"]["lightsleepduration"].as_i64().unwrap()
    );
    assert_eq!(
        total(2),
        night["data"]["deepsleepduration"].as_i64().unwrap()
    );
    assert_eq!(
        total(3),
        night["data"]["remsleepduration"].as_i64().unwrap()
    );
    assert_eq!(total(0), night["data"]["wakeupduration"].as_i64().unwrap());
    assert!(segments.iter().any(|s| s["hr"].is_object()));
    assert!(segments.iter().all(|s| s.get("rr").is_none()));
    emulator.stop().await;
}

#[tokio::test]
async fn intraday_and_sleep_detail_ranges_are_limited() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let now = Utc::now().timestamp().to_string();
    let day_ago = (Utc::now().timestamp() - 86_400).to_string();
    let two_days_ago = (Utc::now().timestamp() - 2 * 86_400).to_string();
    let eight_days_ago = (Utc::now().timestamp() - 8 * 86_400).to_string();
    let intraday = |from: &str| {
        [
            ("action", "getintradayactivity"),
            ("startdate", from),
            ("enddate", now.as_str()),
        ]
        .map(|(k, v)| (k, v.to_owned()))
    };
    let form = intraday(&day_ago);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = call(&emulator, &http, &c.access_token, "/v2/measure", &form).await;
    assert_eq!(answer["status"], 0);
    assert!(answer["body"]["series"].as_object().unwrap().len() >= 140);
    let form = intraday(&two_days_ago);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = call(&emulator, &http, &c.access_token, "/v2/measure", &form).await;
    assert_eq!(answer["status"], 503);
    let form = [
        ("action", "get"),
        ("startdate", eight_days_ago.as_str()),
        ("enddate", now.as_str()),
    ];
    let answer = call(&emulator, &http, &c.access_token, "/v2/sleep", &form).await;
    assert_eq!(answer["status"], 503);
    emulator.stop().await;
}

#[tokio::test]
async fn fail_next_answers_429_with_withings_rate_limit_headers_or_a_status_in_an_http_200() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let set = control(
        &emulator,
        &http,
        "/fail-next",
        json!({"status": 429, "count": 1, "retry_after": 7}),
    )
    .await;
    assert_eq!(set.status(), 200);
    let limited = call_raw(
        &emulator,
        &http,
        &c.access_token,
        "/measure",
        &[("action", "getmeas")],
    )
    .await;
    assert_eq!(limited.status(), 429);
    let header = |name: &str| limited.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("retry-after"), "7");
    assert_eq!(header("x-ratelimit-limit"), "120");
    assert_eq!(header("x-ratelimit-remaining"), "0");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["status"], 601);
    control(
        &emulator,
        &http,
        "/fail-next",
        json!({"status": 601, "count": 1}),
    )
    .await;
    let in_body = call(
        &emulator,
        &http,
        &c.access_token,
        "/measure",
        &[("action", "getmeas")],
    )
    .await;
    assert_eq!(in_body["status"], 601);
    control(
        &emulator,
        &http,
        "/fail-next",
        json!({"status": 503, "count": 1}),
    )
    .await;
    let server = call_raw(
        &emulator,
        &http,
        &c.access_token,
        "/measure",
        &[("action", "getmeas")],
    )
    .await;
    assert_eq!(server.status(), 503);
    let fine = call(
        &emulator,
        &http,
        &c.access_token,
        "/measure",
        &[("action", "getmeas")],
    )
    .await;
    assert_eq!(fine["status"], 0);
    emulator.stop().await;
}
