//! `fetch_window` over 30 days: every record of the emulated user once, across pages, and each
//! payload normalizes.

use std::collections::{HashMap, HashSet};

use domain::SleepStage;
use provider_emulator::WithingsConfig;
use providers::ProviderApi;
use providers::withings::Withings;
use serde_json::Value;

use super::{connect, emulator_users, last_days, setup_with};

#[tokio::test]
async fn withings_fetch_window_over_30_days_returns_every_record_once_and_normalizes() {
    let setup = setup_with(WithingsConfig {
        history_days: 30,
        page_size: 7,
        ..WithingsConfig::default()
    })
    .await;
    let tokens = connect(&setup).await.tokens;
    let payloads = Withings
        .fetch_window(setup.api(), &tokens.access_token, last_days(30), &[])
        .await
        .unwrap();
    let mut pages: HashMap<&str, usize> = HashMap::new();
    for payload in &payloads {
        *pages.entry(payload.kind.as_str()).or_default() += 1;
    }
    assert!(pages["measures"] > 1, "getmeas was paged: {pages:?}");
    assert!(pages["activity"] > 1 && pages["workouts"] >= 1 && pages["sleep"] > 1);
    assert_eq!(pages["intraday_activity"], 30, "one call per 24 h");

    // Every measure group once, across pages.
    let mut groups = HashSet::new();
    for payload in payloads.iter().filter(|p| p.kind == "measures") {
        let page: Value = serde_json::from_slice(&payload.body).unwrap();
        for group in page["body"]["measuregrps"].as_array().unwrap() {
            assert!(
                groups.insert(group["grpid"].as_i64().unwrap()),
                "group twice"
            );
        }
    }
    let user = &emulator_users(&setup).await[0];
    assert_eq!(
        groups.len() as u64,
        user["measure_groups"].as_u64().unwrap()
    );

    let mut sleeps = Vec::new();
    let mut workouts = HashSet::new();
    let mut days = HashSet::new();
    let mut samples = 0;
    for payload in &payloads {
        let batch = Withings.normalize(&payload.kind, &payload.body).unwrap();
        samples += batch.samples.len();
        for w in batch.workouts {
            assert!(workouts.insert(w.external_id.clone()), "workout twice");
            assert_ne!(w.workout_type, "");
            assert_eq!(w.zone_offset.unwrap().to_string(), "-03:00");
        }
        for d in batch.daily_activity {
            assert!(days.insert(d.external_id.clone()), "day twice");
            assert!(d.steps.unwrap() > 1000);
        }
        sleeps.extend(batch.sleeps);
    }
    assert_eq!(workouts.len() as u64, user["workouts"].as_u64().unwrap());
    assert_eq!(days.len() as u64, user["activities"].as_u64().unwrap());
    assert_eq!(sleeps.len() as u64, user["nights"].as_u64().unwrap());
    let ids: HashSet<&str> = sleeps.iter().map(|s| s.external_id.as_str()).collect();
    assert_eq!(ids.len(), sleeps.len(), "night twice");
    assert!(samples > 1000, "{samples} samples");

    // Each night's stage intervals add up to its stage totals (segments fetched ≤ 7 days a call).
    for night in &sleeps {
        assert_eq!(night.zone_offset.unwrap().to_string(), "-03:00");
        assert!(!night.is_nap);
        let total = |stage| -> i64 {
            night
                .stages
                .iter()
                .filter(|i| i.stage == stage)
                .map(|i| (i.end - i.start).num_seconds())
                .sum()
        };
        assert_eq!(Some(total(SleepStage::Light)), night.light_seconds);
        assert_eq!(Some(total(SleepStage::Deep)), night.deep_seconds);
        assert_eq!(Some(total(SleepStage::Rem)), night.rem_seconds);
        assert_eq!(Some(total(SleepStage::Awake)), night.awake_seconds);
        assert_eq!(
            night.sleep_duration_seconds.unwrap() + night.awake_seconds.unwrap(),
            night.duration_seconds()
        );
        assert!(night.avg_hrv_rmssd_ms.is_some());
    }
    setup.stop().await;
}
