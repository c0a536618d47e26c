//! REST pull: pagination, date widening and heart-rate chunking.

use std::collections::HashSet;

use chrono::Days;
use domain::Provider;
use providers::oura::OuraDataType;
use secrecy::ExposeSecret;
use serde_json::Value;

use super::{connect, last_days, setup};

#[tokio::test]
async fn fetch_window_returns_every_sleep_exactly_once_across_pages() {
    let setup = setup().await;
    let tokens = connect(&setup).await;
    let window = last_days(30);
    let pages = setup
        .client
        .fetch_window(&tokens.access_token, window, &[OuraDataType::Sleep])
        .await
        .unwrap();
    assert!(
        pages.len() >= 3,
        "page size 10 over 30+ nights: got {} pages",
        pages.len()
    );

    let mut ids = Vec::new();
    let mut records = 0;
    for page in &pages {
        assert_eq!(page.kind, "sleep");
        assert!(page.content_type.starts_with("application/json"));
        let value: Value = serde_json::from_slice(&page.body).unwrap();
        ids.extend(
            value["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_owned()),
        );
        let batch = providers::normalize(Provider::Oura, &page.kind, &page.body).unwrap();
        records += batch.sleeps.len() + batch.deleted_external_ids.len();
        for sleep in &batch.sleeps {
            assert!(sleep.end > sleep.start);
            assert_eq!(
                sleep.zone_offset.map(|z| z.seconds()),
                Some(setup.config.zone_offset_secs)
            );
        }
    }
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "no sleep twice");
    assert_eq!(records, ids.len(), "every document normalized");

    // Completeness: the same dates asked for one day at a time (each fits in one page).
    let mut expected = HashSet::new();
    let first = window
        .start
        .date_naive()
        .checked_sub_days(Days::new(1))
        .unwrap();
    let last = window
        .end
        .date_naive()
        .checked_add_days(Days::new(1))
        .unwrap();
    let http = reqwest::Client::new();
    for day in first.iter_days().take_while(|d| *d <= last) {
        let url = format!("{}/v2/usercollection/sleep", setup.emulator.oura_api_base());
        let page: Value = http
            .get(url)
            .bearer_auth(tokens.access_token.expose_secret())
            .query(&[
                ("start_date", day.to_string()),
                ("end_date", day.to_string()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            page["next_token"].is_null(),
            "a single day fits in one page"
        );
        expected.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(unique, expected);
    setup.emulator.stop().await;
}

#[tokio::test]
async fn heart_rate_over_more_than_30_days_is_fetched_in_chunks() {
    let setup = setup().await;
    let tokens = connect(&setup).await;
    let window = last_days(33);
    let pages = setup
        .client
        .fetch_window(
            &tokens.access_token,
            window,
            &[OuraDataType::Heartrate, OuraDataType::Workout],
        )
        .await
        .unwrap();
    let mut times = Vec::new();
    for page in pages.iter().filter(|p| p.kind == "heartrate") {
        let batch = providers::normalize(Provider::Oura, &page.kind, &page.body).unwrap();
        times.extend(batch.samples.iter().map(|s| s.time));
    }
    assert!(!times.is_empty());
    assert!(times.iter().all(|t| window.start <= *t && *t <= window.end));
    let unique: HashSet<_> = times.iter().collect();
    assert_eq!(unique.len(), times.len(), "chunks do not overlap");
    // Both chunks answered: samples from the first three days and the last three.
    assert!(
        times
            .iter()
            .any(|t| *t < window.start + chrono::Duration::days(3))
    );
    assert!(
        times
            .iter()
            .any(|t| *t > window.end - chrono::Duration::days(3))
    );
    for page in pages.iter().filter(|p| p.kind == "workout") {
        providers::normalize(Provider::Oura, &page.kind, &page.body).unwrap();
    }
    setup.emulator.stop().await;
}
