//! REST pull through `fetch_window`: every data type over 30 days, within Fitbit's request limits
//! and rate limit, each record once, normalized; exercise log pagination across pages.

use std::collections::{HashMap, HashSet};

use domain::{NormalizedBatch, SeriesType, SleepStage};
use providers::ProviderApi;
use providers::fitbit::{Fitbit, FitbitKind};
use serde_json::json;

use super::{connect, control, last_days, setup};

#[tokio::test]
async fn fitbit_fetch_window_over_30_days_returns_every_record_once_and_normalizes() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    let pages = Fitbit
        .fetch_window(setup.api(), &tokens.access_token, last_days(30), &[])
        .await
        .unwrap();
    assert!(
        pages.len() < 150,
        "within the hourly rate limit: {}",
        pages.len()
    );
    let mut per_type: HashMap<String, usize> = HashMap::new();
    let mut all = NormalizedBatch::default();
    for page in &pages {
        let kind: FitbitKind = page.kind.parse().unwrap();
        *per_type.entry(kind.data_type.to_string()).or_default() += 1;
        if kind.data_type.is_local_clock() {
            assert_eq!(
                kind.offset.map(|o| o.to_string()).as_deref(),
                Some("-05:00"),
                "{}",
                page.kind
            );
        }
        assert_eq!(page.content_type, "application/json");
        let batch = Fitbit.normalize(&page.kind, &page.body).unwrap();
        all.workouts.extend(batch.workouts);
        all.sleeps.extend(batch.sleeps);
        all.samples.extend(batch.samples);
        all.daily_activity.extend(batch.daily_activity);
    }
    assert_eq!(per_type["activity_log"], 1, "under 100 logs: one page");
    assert!(
        (30..=32).contains(&per_type["activity_summary"]),
        "one request per local day"
    );
    assert_eq!(per_type["heart"], per_type["activity_summary"]);
    assert_eq!(per_type["sleep"], 1, "one range of at most 100 days");
    assert_eq!(per_type["hrv"], 2, "30-day ranges");
    assert_eq!(per_type["weight"], 1, "31-day ranges");

    let workout_ids: HashSet<_> = all.workouts.iter().map(|w| &w.external_id).collect();
    assert_eq!(workout_ids.len(), all.workouts.len(), "each workout once");
    assert!(all.workouts.len() >= 8);
    assert!(
        all.workouts
            .iter()
            .all(|w| w.zone_offset.map(|z| z.seconds()) == Some(-18_000))
    );
    assert!(all.workouts.iter().all(|w| w.duration_seconds() >= 20 * 60));

    let sleep_ids: HashSet<_> = all.sleeps.iter().map(|s| &s.external_id).collect();
    assert_eq!(sleep_ids.len(), all.sleeps.len(), "each sleep once");
    let nights: Vec<_> = all.sleeps.iter().filter(|s| !s.is_nap).collect();
    assert!((30..=32).contains(&nights.len()), "{}", nights.len());
    for night in nights {
        let total = |stage| -> i64 {
            night
                .stages
                .iter()
                .filter(|i| i.stage == stage)
                .map(|i| (i.end - i.start).num_seconds())
                .sum()
        };
        assert_eq!(Some(total(SleepStage::Deep)), night.deep_seconds);
        assert_eq!(Some(total(SleepStage::Light)), night.light_seconds);
        assert_eq!(Some(total(SleepStage::Rem)), night.rem_seconds);
        assert_eq!(Some(total(SleepStage::Awake)), night.awake_seconds);
        assert_eq!(night.stages.first().unwrap().start, night.start);
        assert_eq!(night.stages.last().unwrap().end, night.end);
    }

    let dates: HashSet<_> = all.daily_activity.iter().map(|d| d.date).collect();
    assert_eq!(dates.len(), all.daily_activity.len(), "each day once");
    assert!(
        all.daily_activity
            .iter()
            .all(|d| d.distance_meters.unwrap_or(0.0) > 100.0 || d.steps == Some(0))
    );

    let count = |series| all.samples.iter().filter(|s| s.series == series).count();
    assert!(count(SeriesType::HeartRate) > 29 * 1440);
    assert!((30..=32).contains(&count(SeriesType::RestingHeartRate)));
    for series in [
        SeriesType::HeartRateVariabilityRmssd,
        SeriesType::OxygenSaturation,
        SeriesType::RespiratoryRate,
        SeriesType::SkinTemperatureDeviation,
        SeriesType::Vo2Max,
        SeriesType::FlightsClimbed,
    ] {
        assert!(count(series) >= 29, "{series:?}: {}", count(series));
    }
    assert!(count(SeriesType::Weight) >= 1);
    assert_eq!(count(SeriesType::Weight), count(SeriesType::BodyMassIndex));
    let spo2_ok = all
        .samples
        .iter()
        .filter(|s| s.series == SeriesType::OxygenSaturation)
        .all(|s| (90.0..=100.0).contains(&s.value));
    assert!(spo2_ok, "percent, not a fraction");
    setup.emulator.stop().await;
}

#[tokio::test]
async fn fitbit_activity_logs_follow_pagination_next_across_pages() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let user = &authorized.account.id;
    for _ in 0..105 {
        control(&setup, &format!("users/{user}/activities"), json!({})).await;
    }
    let pages = Fitbit
        .fetch_window(
            setup.api(),
            &authorized.tokens.access_token,
            last_days(1),
            &["activity_log".to_owned()],
        )
        .await
        .unwrap();
    assert!(
        pages.len() >= 2,
        "more than 100 logs: {} pages",
        pages.len()
    );
    let mut ids = Vec::new();
    for page in &pages {
        assert_eq!(page.kind, "activity_log");
        ids.extend(
            Fitbit
                .normalize(&page.kind, &page.body)
                .unwrap()
                .workouts
                .into_iter()
                .map(|w| w.external_id),
        );
    }
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no log twice across pages");
    assert!(ids.len() >= 105);
    setup.emulator.stop().await;
}
