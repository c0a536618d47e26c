use chrono::TimeZone;
use serde_json::Value;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 18, 0, 0).unwrap()
}

fn user(seed: u64, number: u64) -> User {
    let config = GarminConfig::default();
    let tz = FixedOffset::east_opt(config.zone_offset_secs).unwrap();
    generate_user(seed, number, now(), &config, tz)
}

fn of(user: &User, kind: Kind) -> Vec<Value> {
    user.records
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| serde_json::from_str(&r.json).unwrap())
        .collect()
}

fn int(v: &Value, key: &str) -> i64 {
    v[key].as_i64().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn a_user_is_a_pure_function_of_seed_number_and_time() {
    let (a, b) = (user(5, 2), user(5, 2));
    assert_eq!(a.id, b.id);
    assert_eq!(a.id.len(), 32);
    assert_eq!(a.records.len(), b.records.len());
    assert!(
        a.records
            .iter()
            .zip(&b.records)
            .all(|(x, y)| x.json == y.json)
    );
    assert_ne!(user(5, 3).id, a.id);
    assert_ne!(user(6, 2).id, a.id);
}

#[test]
fn history_covers_every_type_and_only_what_was_uploaded_by_now() {
    let u = user(1, 1);
    let now = now().timestamp();
    for r in &u.records {
        assert!(r.uploaded <= now && r.uploaded >= r.start, "{:?}", r.kind);
        assert!(r.json.starts_with('{') && !r.json.contains("userId"));
    }
    assert_eq!(
        of(&u, Kind::Dailies).len(),
        34,
        "today's day is not complete yet"
    );
    assert!((34..=35).contains(&of(&u, Kind::Sleeps).len()));
    for kind in [
        Kind::Epochs,
        Kind::StressDetails,
        Kind::Respiration,
        Kind::Hrv,
        Kind::PulseOx,
        Kind::SkinTemp,
        Kind::UserMetrics,
        Kind::BodyComps,
        Kind::BloodPressures,
        Kind::HealthSnapshot,
        Kind::Activities,
        Kind::ActivityDetails,
    ] {
        assert!(!of(&u, kind).is_empty(), "{kind:?}");
    }
    assert_eq!(
        of(&u, Kind::Activities).len(),
        of(&u, Kind::ActivityDetails).len()
    );
}

#[test]
fn sleep_levels_agree_with_the_stage_totals_and_stay_plausible_across_seeds() {
    for seed in 0..12 {
        let u = user(seed, 1 + seed % 3);
        for sleep in of(&u, Kind::Sleeps) {
            let mut sums = std::collections::HashMap::new();
            for (stage, ranges) in sleep["sleepLevelsMap"].as_object().unwrap() {
                let total: i64 = ranges
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| int(r, "endTimeInSeconds") - int(r, "startTimeInSeconds"))
                    .sum();
                sums.insert(stage.clone(), total);
            }
            assert_eq!(sums["deep"], int(&sleep, "deepSleepDurationInSeconds"));
            assert_eq!(sums["light"], int(&sleep, "lightSleepDurationInSeconds"));
            assert_eq!(sums["rem"], int(&sleep, "remSleepInSeconds"));
            assert_eq!(sums["awake"], int(&sleep, "awakeDurationInSeconds"));
            let asleep = sums["deep"] + sums["light"] + sums["rem"];
            assert_eq!(int(&sleep, "durationInSeconds"), asleep);
            assert!((6.0..=9.0).contains(&(asleep as f64 / 3600.0)), "{asleep}");
            assert_eq!(int(&sleep, "startTimeOffsetInSeconds"), -18_000);
        }
        for hrv in of(&u, Kind::Hrv) {
            let avg = int(&hrv, "lastNightAvg");
            assert!((10..=150).contains(&avg), "{avg}");
        }
    }
}

#[test]
fn daily_totals_equal_the_sum_of_that_days_epochs() {
    let u = user(3, 1);
    let epochs = of(&u, Kind::Epochs);
    for daily in of(&u, Kind::Dailies) {
        let start = int(&daily, "startTimeInSeconds");
        let day: Vec<&Value> = epochs
            .iter()
            .filter(|e| (start..start + 86_400).contains(&int(e, "startTimeInSeconds")))
            .collect();
        assert!(day.len() >= 96, "every bucket has at least one record");
        let steps: i64 = day.iter().map(|e| int(e, "steps")).sum();
        assert_eq!(int(&daily, "steps"), steps);
        let kcal: i64 = day.iter().map(|e| int(e, "activeKilocalories")).sum();
        assert_eq!(int(&daily, "activeKilocalories"), kcal);
        assert!((1_000..=30_000).contains(&steps), "{steps}");
        let resting = int(&daily, "restingHeartRateInBeatsPerMinute");
        assert!((45..=66).contains(&resting), "{resting}");
        assert_eq!(int(&daily, "durationInSeconds"), 86_400);
        assert!(
            daily["timeOffsetHeartRateSamples"]
                .as_object()
                .unwrap()
                .len()
                > 600
        );
    }
}

#[test]
fn pushed_items_start_with_the_user_id() {
    let record = Record {
        kind: Kind::Hrv,
        summary_id: "x".into(),
        start: 0,
        uploaded: 0,
        json: r#"{"summaryId":"x"}"#.into(),
    };
    assert_eq!(record.pushed("u1"), r#"{"userId":"u1","summaryId":"x"}"#);
}
