use chrono::FixedOffset;

use super::*;

fn tz() -> FixedOffset {
    FixedOffset::east_opt(-5 * 3600).unwrap()
}

fn user(seed: u64, number: u64) -> User {
    let today = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
    let now = today.and_hms_opt(12, 0, 0).unwrap();
    generate_user(seed, number, today, &FitbitConfig::default(), now, tz())
}

#[test]
fn generated_days_are_physiologically_plausible_across_seeds() {
    for seed in 0..30 {
        let user = user(seed, 1 + seed % 3);
        assert_eq!(user.days.len(), 35);
        assert_eq!(user.id.len(), 6);
        for day in &user.days {
            assert!((40..=70).contains(&day.resting_hr), "{}", day.resting_hr);
            assert!(day.steps < 30_000);
            assert!(day.sedentary + day.lightly + day.fairly + day.very <= 1_440);
            assert!(day.vo2.0 >= 28 && day.vo2.1 == day.vo2.0 + 4);
            if let Some(night) = &day.night {
                assert!((93.0..=99.5).contains(&night.spo2.0));
                assert!(night.spo2.1 < night.spo2.0 && night.spo2.0 < night.spo2.2);
                assert!(night.spo2.2 <= 100.0);
                assert!((11.0..=19.0).contains(&night.breathing_rate));
                assert!((12.0..=80.0).contains(&night.daily_rmssd));
            }
        }
        let mains = user.sleeps.iter().filter(|s| s.main).count();
        assert_eq!(
            mains, 35,
            "a night ending on every day, today's morning included"
        );
        assert!(user.activities.iter().all(|a| {
            a.end()
                <= NaiveDate::from_ymd_opt(2024, 1, 15)
                    .unwrap()
                    .and_hms_opt(12, 0, 0)
                    .unwrap()
        }));
        for log in &user.body {
            let bmi = log.weight_kg / (user.profile.height_cm / 100.0).powi(2);
            assert!((bmi - log.bmi).abs() < 0.01);
        }
    }
}

#[test]
fn a_user_is_a_pure_function_of_seed_number_and_time() {
    let (a, b) = (user(5, 2), user(5, 2));
    assert_eq!(a.id, b.id);
    assert_eq!(a.sleeps.len(), b.sleeps.len());
    assert_eq!(a.sleeps[3].data, b.sleeps[3].data);
    assert_eq!(a.days[7].steps, b.days[7].steps);
    assert_ne!(user(5, 3).id, a.id);
    assert_ne!(user(6, 2).id, a.id);
}
