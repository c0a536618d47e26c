use chrono::TimeZone;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 16, 30, 0).unwrap()
}

fn user(seed: u64, number: u64) -> User {
    let tz = FixedOffset::east_opt(-4 * 3600).unwrap();
    generate_user(seed, number, now(), &WhoopConfig::default(), tz)
}

#[test]
fn generated_history_stays_physiologically_plausible_across_seeds() {
    for seed in 0..40 {
        let user = user(seed, 1 + seed % 3);
        let nights: Vec<&Sleep> = user.sleeps.iter().filter(|s| !s.nap).collect();
        assert_eq!(nights.len(), 35);
        assert_eq!(user.cycles.len(), 35);
        assert_eq!(user.recoveries.len(), 35);
        for sleep in &user.sleeps {
            let score = sleep.score.as_ref().unwrap();
            let st = &score.stage_summary;
            assert_eq!(
                st.total_awake_time_milli
                    + st.total_light_sleep_time_milli
                    + st.total_slow_wave_sleep_time_milli
                    + st.total_rem_sleep_time_milli
                    + st.total_no_data_time_milli,
                st.total_in_bed_time_milli
            );
            assert_eq!(
                (sleep.end - sleep.start).num_milliseconds(),
                st.total_in_bed_time_milli
            );
            assert!((12.0..=18.0).contains(&score.respiratory_rate));
            assert!((80.0..=97.0).contains(&score.sleep_efficiency_percentage));
            assert!(sleep.end <= now());
        }
        for r in user.recoveries.iter().filter_map(|r| r.score.as_ref()) {
            assert!((1.0..=99.0).contains(&r.recovery_score));
            assert!(
                (44.0..=64.0).contains(&r.resting_heart_rate),
                "{}",
                r.resting_heart_rate
            );
            assert!((12.0..=110.0).contains(&r.hrv_rmssd_milli));
            assert!((94.0..=100.0).contains(&r.spo2_percentage));
            assert!((32.5..=34.5).contains(&r.skin_temp_celsius));
        }
        for w in &user.workouts {
            let s = w.score.as_ref().unwrap();
            assert!(s.average_heart_rate < s.max_heart_rate);
            assert!(s.max_heart_rate <= user.body.max_heart_rate);
            assert!(w.end <= now());
            let kcal_per_min = s.kilojoule / 4.184 / (w.end - w.start).num_minutes() as f64;
            assert!((2.0..=14.0).contains(&kcal_per_min), "{kcal_per_min}");
        }
        for c in &user.cycles {
            let kcal = c.score.as_ref().unwrap().kilojoule / 4.184;
            if c.end.is_some() {
                assert!((1200.0..=5000.0).contains(&kcal), "{kcal}");
            }
        }
    }
}

#[test]
fn cycles_chain_from_one_main_sleep_to_the_next_and_only_the_last_is_open() {
    let user = user(9, 1);
    for pair in user.cycles.windows(2) {
        assert_eq!(pair[0].end, Some(pair[1].start));
    }
    assert_eq!(user.cycles.last().unwrap().end, None);
    for r in &user.recoveries {
        let sleep = user.sleeps.iter().find(|s| s.id == r.sleep_id).unwrap();
        assert_eq!(sleep.cycle_id, r.cycle_id);
        assert!(!sleep.nap);
        let cycle = user.cycles.iter().find(|c| c.id == r.cycle_id).unwrap();
        assert_eq!(cycle.start, sleep.start);
    }
    let mut spans: Vec<_> = user
        .sleeps
        .iter()
        .map(|s| (s.start, s.end))
        .chain(user.workouts.iter().map(|w| (w.start, w.end)))
        .collect();
    spans.sort();
    assert!(
        spans.windows(2).all(|w| w[0].1 <= w[1].0),
        "nothing overlaps"
    );
}

#[test]
fn a_user_is_a_pure_function_of_seed_number_and_time() {
    let (a, b) = (user(5, 2), user(5, 2));
    assert_eq!(a.profile.user_id, b.profile.user_id);
    assert_eq!(
        serde_json::to_value(&a.sleeps).unwrap(),
        serde_json::to_value(&b.sleeps).unwrap()
    );
    assert_eq!(
        serde_json::to_value(&a.cycles).unwrap(),
        serde_json::to_value(&b.cycles).unwrap()
    );
    assert_ne!(user(5, 3).profile.user_id, a.profile.user_id);
    assert_ne!(user(6, 2).sleeps[0].id, a.sleeps[0].id);
}

#[test]
fn records_created_later_land_in_free_slots_before_now() {
    let mut user = user(3, 1);
    let later = now() + TimeDelta::hours(2);
    let nap = user.add_nap(later);
    assert!(nap.nap && nap.end <= later);
    let workout = user.add_workout(later);
    assert!(workout.end <= later);
    assert!(workout.end <= nap.start || nap.end <= workout.start);
    let cycle = user.cycles.last().unwrap();
    assert_eq!(cycle.updated_at, later);
    let before = user.recoveries.iter().map(|r| r.created_at).max().unwrap();
    let rescored = user.rescore_recovery(later).unwrap();
    assert_eq!(rescored.created_at, before);
    assert_eq!(rescored.updated_at, later);
}
