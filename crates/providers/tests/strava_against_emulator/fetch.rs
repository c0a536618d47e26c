//! `fetch_window` against the emulator: every activity once across pages, its streams, the
//! athlete, and `normalize` over every payload.

use std::collections::{HashMap, HashSet};

use domain::SeriesType;
use provider_emulator::StravaConfig;
use providers::ProviderApi;
use providers::strava::Strava;

use super::{connect, emulated_users, last_days, setup_with};

#[tokio::test]
async fn strava_fetch_window_over_30_days_returns_every_activity_once_across_pages_and_normalizes()
{
    // 28 days of history inside a 30-day window, and pages of 7: several pages, nothing missed.
    let setup = setup_with(StravaConfig {
        history_days: 28,
        max_per_page: 7,
        ..StravaConfig::default()
    })
    .await;
    let tokens = connect(&setup).await.tokens;
    let expected = emulated_users(&setup).await[0]["activities"]
        .as_u64()
        .unwrap() as usize;
    let payloads = Strava
        .fetch_window(setup.api(), &tokens.access_token, last_days(30), &[])
        .await
        .unwrap();
    let mut by_kind: HashMap<&str, usize> = HashMap::new();
    for p in &payloads {
        *by_kind.entry(p.kind.as_str()).or_default() += 1;
        assert!(
            p.content_type.starts_with("application/json"),
            "{}",
            p.content_type
        );
    }
    assert_eq!(by_kind["athlete"], 1);
    assert_eq!(
        by_kind["activity"],
        expected.div_ceil(7),
        "one payload per page"
    );

    let mut workout_ids = Vec::new();
    let mut streamed = HashSet::new();
    let mut series = HashSet::new();
    let mut weight = None;
    let mut recorded = HashSet::new();
    for p in &payloads {
        let batch = Strava.normalize(&p.kind, &p.body).unwrap();
        workout_ids.extend(batch.workouts.iter().map(|w| w.external_id.clone()));
        for w in &batch.workouts {
            assert!(w.end > w.start);
            assert_eq!(w.zone_offset.map(|z| z.seconds()), Some(3600));
            assert_ne!(w.workout_type, "other", "every generated sport is known");
            assert_eq!(w.calories_kcal, None, "list pages carry no calories");
        }
        if p.kind == "activity" {
            let page: Vec<serde_json::Value> = serde_json::from_slice(&p.body).unwrap();
            recorded.extend(
                page.iter()
                    .filter(|a| a["manual"] == false)
                    .map(|a| a["id"].to_string()),
            );
        }
        if p.kind == "activity_streams" {
            let envelope: serde_json::Value = serde_json::from_slice(&p.body).unwrap();
            streamed.insert(envelope["activity_id"].as_str().unwrap().to_owned());
            assert!(!batch.samples.is_empty());
        }
        for s in &batch.samples {
            series.insert(s.series);
            if s.series == SeriesType::Weight {
                weight = Some(s.value);
            }
        }
    }
    let unique: HashSet<&String> = workout_ids.iter().collect();
    assert_eq!(workout_ids.len(), expected, "every activity exactly once");
    assert_eq!(unique.len(), expected);
    assert_eq!(by_kind["activity_streams"], streamed.len());
    assert_eq!(
        streamed, recorded,
        "streams for every recorded (non-manual) activity"
    );
    for s in [
        SeriesType::HeartRate,
        SeriesType::Speed,
        SeriesType::Cadence,
        SeriesType::Elevation,
        SeriesType::Latitude,
        SeriesType::Longitude,
    ] {
        assert!(series.contains(&s), "{s:?}");
    }
    assert!(weight.is_some_and(|w| (45.0..100.0).contains(&w)));
    setup.emulator.stop().await;
}

#[tokio::test]
async fn strava_fetch_window_fetches_only_the_requested_data_types() {
    let setup = setup_with(StravaConfig::default()).await;
    let tokens = connect(&setup).await.tokens;
    let only = |t: &str| vec![t.to_owned()];
    let pages = Strava
        .fetch_window(
            setup.api(),
            &tokens.access_token,
            last_days(7),
            &only("activity"),
        )
        .await
        .unwrap();
    assert!(!pages.is_empty());
    assert!(pages.iter().all(|p| p.kind == "activity"));
    let streams = Strava
        .fetch_window(
            setup.api(),
            &tokens.access_token,
            last_days(7),
            &only("activity_streams"),
        )
        .await
        .unwrap();
    assert!(streams.iter().all(|p| p.kind == "activity_streams"));
    let none = Strava
        .fetch_window(
            setup.api(),
            &tokens.access_token,
            last_days(7),
            &only("sleep"),
        )
        .await
        .unwrap();
    assert!(none.is_empty());
    setup.emulator.stop().await;
}
