//! REST pull over every data type: date ranges, per-date documents and offset-labelled kinds.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{NaiveDate, TimeDelta, Utc};
use domain::{Provider, SeriesType};
use providers::ProviderApi;
use providers::polar::Polar;
use secrecy::ExposeSecret;
use serde_json::Value;

use super::{connect, last_days, setup};

#[tokio::test]
async fn fetch_window_over_30_days_returns_every_record_once_and_normalizes() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let token = &authorized.tokens.access_token;
    let window = last_days(30);
    let pages = Polar
        .fetch_window(setup.api(), token, window, &[])
        .await
        .unwrap();

    let kinds: BTreeSet<&str> = pages.iter().map(|p| p.kind.as_str()).collect();
    let expected: BTreeSet<&str> = [
        "activity",
        "body_temperature",
        "continuous_heart_rate@+02:00",
        "exercise",
        "nightly_recharge@+02:00",
        "physical_info",
        "skin_temperature@+02:00",
        "sleep",
        "spo2",
    ]
    .into();
    assert_eq!(kinds, expected);

    let mut workouts = Vec::new();
    let mut sleeps = Vec::new();
    let mut days = Vec::new();
    let mut samples: HashMap<SeriesType, Vec<domain::Sample>> = HashMap::new();
    for page in &pages {
        assert!(page.content_type.starts_with("application/json"));
        let batch = providers::normalize(Provider::Polar, &page.kind, &page.body).unwrap();
        workouts.extend(batch.workouts);
        sleeps.extend(batch.sleeps);
        days.extend(batch.daily_activity);
        for s in batch.samples {
            samples.entry(s.series).or_default().push(s);
        }
    }
    let two_hours = Some(7200);

    // Exercises: exactly the emulator's 30-day upload list, once each.
    let http = reqwest::Client::new();
    let listed: Value = http
        .get(format!(
            "{}/v3/exercises",
            setup.emulator.provider_base("polar")
        ))
        .bearer_auth(token.expose_secret())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: HashSet<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let ids: Vec<&str> = workouts.iter().map(|w| w.external_id.as_str()).collect();
    assert_eq!(ids.iter().copied().collect::<HashSet<_>>(), listed);
    assert_eq!(ids.len(), listed.len(), "no exercise twice");
    for w in &workouts {
        assert_eq!(w.zone_offset.map(|z| z.seconds()), two_hours);
        assert!(w.end > w.start);
        assert_ne!(w.workout_type, "other");
    }

    // Sleep: every available night once, stage intervals matching the totals.
    let sleep_ids: HashSet<&str> = sleeps.iter().map(|s| s.external_id.as_str()).collect();
    assert_eq!(sleep_ids.len(), sleeps.len(), "no night twice");
    assert!((27..=28).contains(&sleeps.len()), "{}", sleeps.len());
    for night in &sleeps {
        assert_eq!(night.zone_offset.map(|z| z.seconds()), two_hours);
        let staged: i64 = night
            .stages
            .iter()
            .map(|i| (i.end - i.start).num_seconds())
            .sum();
        assert_eq!(staged, night.duration_seconds());
        let asleep =
            night.light_seconds.unwrap() + night.deep_seconds.unwrap() + night.rem_seconds.unwrap();
        assert!(night.sleep_duration_seconds.unwrap() >= asleep);
    }

    // Activity: one summary per local date from the day before the window to today.
    let today = (Utc::now() + TimeDelta::hours(2)).date_naive();
    let first: NaiveDate = window.start.date_naive() - TimeDelta::days(1);
    let dates: HashSet<NaiveDate> = days.iter().map(|d| d.date).collect();
    assert_eq!(dates.len(), days.len(), "no day twice");
    assert_eq!(dates.len() as i64, (today - first).num_days() + 1);

    // Continuous heart rate: local clock times moved to UTC with the +02:00 offset.
    let hr = &samples[&SeriesType::HeartRate];
    let times: HashSet<_> = hr.iter().map(|s| (s.time, s.value.to_bits())).collect();
    assert!(hr.len() > 5_000);
    assert!(hr.iter().all(|s| (40.0..=200.0).contains(&s.value)));
    let first_local_midnight = first.and_hms_opt(0, 2, 8).unwrap().and_utc() - TimeDelta::hours(2);
    assert!(
        hr.iter()
            .any(|s| s.time == first_local_midnight
                && s.zone_offset.map(|z| z.seconds()) == two_hours)
    );
    assert!(times.len() <= hr.len());

    for (series, range) in [
        (SeriesType::HeartRateVariabilityRmssd, 10.0..=130.0),
        (SeriesType::RespiratoryRate, 8.0..=25.0),
        (SeriesType::BodyTemperature, 35.5..=38.0),
        (SeriesType::SkinTemperature, 32.0..=36.5),
        (SeriesType::OxygenSaturation, 90.0..=100.0),
        (SeriesType::Weight, 30.0..=150.0),
        (SeriesType::Vo2Max, 20.0..=70.0),
    ] {
        let values = samples
            .get(&series)
            .unwrap_or_else(|| panic!("{series:?} missing"));
        assert!(
            values.iter().all(|s| range.contains(&s.value)),
            "{series:?}"
        );
    }
    let rmssd = &samples[&SeriesType::HeartRateVariabilityRmssd];
    let unique: HashSet<_> = rmssd.iter().map(|s| s.time).collect();
    assert_eq!(unique.len(), rmssd.len(), "recharge samples once each");
    setup.emulator.stop().await;
}

#[tokio::test]
async fn a_short_window_fetches_single_nights_and_skips_types_not_asked_for() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let token = &authorized.tokens.access_token;
    let types = vec![
        "sleep".to_owned(),
        "nightly_recharge".to_owned(),
        "unknown".to_owned(),
    ];
    let pages = Polar
        .fetch_window(setup.api(), token, last_days(1), &types)
        .await
        .unwrap();
    assert!(!pages.is_empty());
    for page in &pages {
        assert!(
            page.kind == "sleep" || page.kind == "nightly_recharge@+02:00",
            "{}",
            page.kind
        );
        let value: Value = serde_json::from_slice(&page.body).unwrap();
        assert!(
            value.get("nights").is_none(),
            "per-date documents, not the 28-day list"
        );
        providers::normalize(Provider::Polar, &page.kind, &page.body).unwrap();
    }
    setup.emulator.stop().await;
}
