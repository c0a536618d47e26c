//! Daily AccessLink documents: activity ranges, sleep and recharge, continuous heart rate.

use std::collections::HashSet;

use chrono::TimeDelta;

use crate::support::*;

#[tokio::test]
async fn activity_ranges_are_inclusive_and_span_at_most_28_days() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let (from, to) = (today() - TimeDelta::days(27), today());
    let days = get_json(
        &emulator,
        &http,
        &c.access_token,
        "/users/activities",
        &[("from", &ymd(from)), ("to", &ymd(to))],
    )
    .await;
    let dates: Vec<String> = days
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["start_time"].as_str().unwrap()[..10].to_owned())
        .collect();
    assert_eq!(dates.len(), 28);
    assert_eq!(dates.iter().collect::<HashSet<_>>().len(), 28);
    assert_eq!(dates[0], ymd(from));
    let day = &days[0];
    assert!(day["active_duration"].as_str().unwrap().starts_with("PT"));
    assert!(day["calories"].as_i64().unwrap() > day["active_calories"].as_i64().unwrap());

    let too_long = get(
        &emulator,
        &http,
        &c.access_token,
        "/users/activities",
        &[("from", &ymd(from - TimeDelta::days(1))), ("to", &ymd(to))],
    )
    .await;
    assert_eq!(too_long.status(), 400);
    let too_old = get(
        &emulator,
        &http,
        &c.access_token,
        "/users/activities",
        &[("from", &ymd(today() - TimeDelta::days(400)))],
    )
    .await;
    assert_eq!(too_old.status(), 400);
    let default = get_json(&emulator, &http, &c.access_token, "/users/activities", &[]).await;
    assert_eq!(default.as_array().unwrap().len(), 28);
    let one = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!("/users/activities/{}", ymd(to)),
        &[],
    )
    .await;
    assert_eq!(one["start_time"].as_str().unwrap()[..10], ymd(to));
    let future = get(
        &emulator,
        &http,
        &c.access_token,
        &format!("/users/activities/{}", ymd(to + TimeDelta::days(3))),
        &[],
    )
    .await;
    assert_eq!(future.status(), 204);
    emulator.stop().await;
}

#[tokio::test]
async fn sleep_lists_and_per_date_documents_agree_and_hypnograms_match_the_totals() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let available = get_json(
        &emulator,
        &http,
        &c.access_token,
        "/users/sleep/available",
        &[],
    )
    .await;
    let nights = get_json(&emulator, &http, &c.access_token, "/users/sleep", &[]).await;
    let available = available["available"].as_array().unwrap().clone();
    let nights = nights["nights"].as_array().unwrap().clone();
    assert!((27..=28).contains(&nights.len()), "{}", nights.len());
    assert_eq!(available.len(), nights.len());
    for (a, night) in available.iter().zip(&nights) {
        assert_eq!(a["date"], night["date"]);
        assert_eq!(a["start_time"], night["sleep_start_time"]);
        assert!(
            night["sleep_start_time"]
                .as_str()
                .unwrap()
                .ends_with("+02:00")
        );
        let totals = hypnogram_totals(night);
        let get = |code| totals.get(&code).copied().unwrap_or(0);
        assert_eq!(night["light_sleep"].as_i64().unwrap(), get(2) + get(3));
        assert_eq!(night["deep_sleep"].as_i64().unwrap(), get(4));
        assert_eq!(night["rem_sleep"].as_i64().unwrap(), get(1));
        assert_eq!(night["unrecognized_sleep_stage"].as_i64().unwrap(), get(5));
        assert_eq!(
            night["total_interruption_duration"].as_i64().unwrap(),
            get(0)
        );
        assert!(night["heart_rate_samples"].as_object().unwrap().len() > 50);
    }
    let date = nights[3]["date"].as_str().unwrap();
    let single = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!("/users/sleep/{date}"),
        &[],
    )
    .await;
    assert_eq!(&single, &nights[3]);
    let recharge = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!("/users/nightly-recharge/{date}"),
        &[],
    )
    .await;
    assert_eq!(recharge["date"], date);
    assert!(recharge["hrv_samples"].as_object().unwrap().len() >= 40);
    let recharges = get_json(
        &emulator,
        &http,
        &c.access_token,
        "/users/nightly-recharge",
        &[],
    )
    .await;
    assert_eq!(
        recharges["recharges"].as_array().unwrap().len(),
        nights.len()
    );
    assert_eq!(
        get(
            &emulator,
            &http,
            &c.access_token,
            "/users/sleep/2001-01-01",
            &[]
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        get(
            &emulator,
            &http,
            &c.access_token,
            "/users/sleep/not-a-date",
            &[]
        )
        .await
        .status(),
        400
    );
    emulator.stop().await;
}

#[tokio::test]
async fn continuous_heart_rate_needs_a_range_and_is_sampled_every_five_minutes() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    assert_eq!(
        get(
            &emulator,
            &http,
            &c.access_token,
            "/users/continuous-heart-rate",
            &[]
        )
        .await
        .status(),
        400
    );
    let (from, to) = (today() - TimeDelta::days(3), today() - TimeDelta::days(1));
    let range = get_json(
        &emulator,
        &http,
        &c.access_token,
        "/users/continuous-heart-rate",
        &[("from", &ymd(from)), ("to", &ymd(to))],
    )
    .await;
    let days = range["heart_rates"].as_array().unwrap();
    assert_eq!(days.len(), 3);
    let day = get_json(
        &emulator,
        &http,
        &c.access_token,
        &format!("/users/continuous-heart-rate/{}", ymd(to)),
        &[],
    )
    .await;
    assert_eq!(&day, &days[2]);
    let samples = day["heart_rate_samples"].as_array().unwrap();
    assert!(samples.len() > 200, "{}", samples.len());
    assert_eq!(samples[0]["sample_time"], "00:02:08");
    assert!(
        samples
            .iter()
            .all(|s| (40..=120).contains(&s["heart_rate"].as_i64().unwrap()))
    );
    let missing = get(
        &emulator,
        &http,
        &c.access_token,
        "/users/continuous-heart-rate/2001-01-01",
        &[],
    )
    .await;
    assert_eq!(missing.status(), 404);
    emulator.stop().await;
}
