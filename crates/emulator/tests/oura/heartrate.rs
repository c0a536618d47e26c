use std::collections::HashSet;

use chrono::{NaiveDate, TimeDelta};
use serde_json::Value;

use crate::support::{self, connect, created_day, get, http};

#[tokio::test]
async fn heartrate_window_is_half_open_and_limited_to_thirty_days() {
    let emulator = support::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let day = created_day(&emulator, &http, &connection.user_id).await - TimeDelta::days(5);
    let at = |d: NaiveDate, hour: u32| format!("{}T{hour:02}:00:00+00:00", d);
    let path = "/v2/usercollection/heartrate";
    let (start, end) = (at(day, 10), at(day, 12));
    let page: Value = get(
        &emulator,
        &http,
        &connection.access_token,
        path,
        &[("start_datetime", &start), ("end_datetime", &end)],
    )
    .await
    .json()
    .await
    .unwrap();
    let rows = page["data"].as_array().unwrap();
    assert_eq!(rows.len(), 24);
    assert_eq!(rows[0]["timestamp"], start.as_str());
    assert_eq!(rows[23]["timestamp"], format!("{day}T11:55:00+00:00"));
    assert!(page["next_token"].is_null());

    let (start, end) = (at(day - TimeDelta::days(4), 0), at(day, 0));
    let mut next: Option<String> = None;
    let mut seen = HashSet::new();
    let mut sources = HashSet::new();
    loop {
        let mut query = vec![
            ("start_datetime", start.as_str()),
            ("end_datetime", end.as_str()),
        ];
        if let Some(token) = next.as_deref() {
            query.push(("next_token", token));
        }
        let page: Value = get(&emulator, &http, &connection.access_token, path, &query)
            .await
            .json()
            .await
            .unwrap();
        for row in page["data"].as_array().unwrap() {
            assert!(seen.insert(row["timestamp"].as_str().unwrap().to_owned()));
            let bpm = row["bpm"].as_u64().unwrap();
            let source = row["source"].as_str().unwrap().to_owned();
            let range = match source.as_str() {
                "sleep" => 45..=65,
                "awake" => 58..=110,
                "workout" => 110..=170,
                other => panic!("unexpected source {other}"),
            };
            assert!(range.contains(&bpm), "{source} {bpm}");
            sources.insert(source);
        }
        match page["next_token"].as_str() {
            Some(token) => next = Some(token.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4 * 288);
    assert!(
        sources.contains("sleep") && sources.contains("awake"),
        "{sources:?}"
    );

    let too_long = get(
        &emulator,
        &http,
        &connection.access_token,
        path,
        &[
            ("start_datetime", &at(day - TimeDelta::days(31), 0)),
            ("end_datetime", &at(day, 0)),
        ],
    )
    .await;
    assert_eq!(too_long.status(), 400);
    let not_a_time = get(
        &emulator,
        &http,
        &connection.access_token,
        path,
        &[("start_datetime", "noon")],
    )
    .await;
    assert_eq!(not_a_time.status(), 400);
    emulator.stop().await;
}
