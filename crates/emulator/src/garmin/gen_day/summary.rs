//! The day-level summaries: stress every 3 minutes with the body battery, `dailies` (totals
//! from the epochs) and `stressDetails`.

use fastrand::Rng;
use serde_json::{Value, json};

use super::super::GarminConfig;
use super::super::data::{Generated, Profile, num, object, offset_map};
use super::super::kind::Kind;
use super::{ASLEEP, SEDENTARY, STRESS_SECS, Timeline, Totals, WALKING};

/// Stress every 3 minutes (-1 off wrist, -2 too much motion) and the body battery.
pub(super) fn stress_values(rng: &mut Rng, tl: &Timeline, minutes: usize) -> Vec<(i64, i64, i64)> {
    let mut battery = 20.0 + rng.f64() * 20.0;
    (0..minutes)
        .step_by(3)
        .map(|m| {
            let stress = match tl.states[m] {
                ASLEEP => i64::from(rng.u8(8..22)),
                SEDENTARY if rng.u8(0..100) == 0 => -1,
                SEDENTARY => i64::from(rng.u8(20..60)),
                _ => -2,
            };
            battery += match tl.states[m] {
                ASLEEP => 0.35,
                SEDENTARY => -0.12,
                WALKING => -0.3,
                _ => -0.8,
            };
            battery = battery.clamp(5.0, 100.0);
            (m as i64 * 60, stress, battery.round() as i64)
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub(super) fn daily(
    rng: &mut Rng,
    tl: &Timeline,
    end: i64,
    profile: &Profile,
    tag: &str,
    config: &GarminConfig,
    hr: &[f64],
    totals: &Totals,
    stress: &[(i64, i64, i64)],
) -> Generated {
    let duration = end - tl.midnight;
    let interval = config.heart_rate_interval_secs;
    let samples = offset_map(
        (1..)
            .map(|k| k * interval)
            .take_while(|&o| o < duration)
            .map(|o| {
                let m = usize::try_from((o - 1) / 60).unwrap_or(0).min(hr.len() - 1);
                (o, json!(hr[m] as i64))
            }),
    );
    let levels: Vec<i64> = stress.iter().map(|s| s.1).filter(|&v| v > 0).collect();
    let in_range = |lo: i64, hi: i64| {
        levels.iter().filter(|&&v| (lo..=hi).contains(&v)).count() as i64 * STRESS_SECS
    };
    let avg_stress = if levels.is_empty() {
        -1
    } else {
        levels.iter().sum::<i64>() / levels.len() as i64
    };
    let battery: Vec<i64> = stress.iter().map(|s| s.2).collect();
    let (charged, drained) = battery.windows(2).fold((0, 0), |(c, d), w| {
        let delta = w[1] - w[0];
        if delta > 0 {
            (c + delta, d)
        } else {
            (c, d - delta)
        }
    });
    let summary_id = format!("x{tag}-{:x}-{duration:x}", tl.midnight);
    let json = object(vec![
        ("summaryId", json!(summary_id)),
        ("calendarDate", json!(tl.day.to_string())),
        ("activityType", json!("GENERIC")),
        ("startTimeInSeconds", json!(tl.midnight)),
        ("startTimeOffsetInSeconds", json!(tl.offset)),
        ("durationInSeconds", json!(duration)),
        ("steps", json!(totals.steps)),
        ("distanceInMeters", num(totals.distance, 2)),
        ("activeTimeInSeconds", json!(totals.active_secs)),
        ("activeKilocalories", json!(totals.kcal)),
        (
            "bmrKilocalories",
            json!((profile.bmr_kcal * duration as f64 / 86_400.0).round() as i64),
        ),
        (
            "moderateIntensityDurationInSeconds",
            json!(totals.moderate_secs),
        ),
        (
            "vigorousIntensityDurationInSeconds",
            json!(totals.vigorous_secs),
        ),
        ("floorsClimbed", json!(rng.u8(2..18))),
        (
            "minHeartRateInBeatsPerMinute",
            json!(hr.iter().copied().fold(f64::MAX, f64::min) as i64),
        ),
        (
            "averageHeartRateInBeatsPerMinute",
            json!((hr.iter().sum::<f64>() / hr.len() as f64).round() as i64),
        ),
        (
            "maxHeartRateInBeatsPerMinute",
            json!(hr.iter().copied().fold(0.0, f64::max) as i64),
        ),
        (
            "restingHeartRateInBeatsPerMinute",
            json!((profile.resting_hr + rng.f64() * 4.0 - 2.0).round() as i64),
        ),
        ("timeOffsetHeartRateSamples", samples),
        ("averageStressLevel", json!(avg_stress)),
        (
            "maxStressLevel",
            json!(levels.iter().copied().max().unwrap_or(-1)),
        ),
        ("stressDurationInSeconds", json!(in_range(26, 100))),
        ("restStressDurationInSeconds", json!(in_range(1, 25))),
        (
            "activityStressDurationInSeconds",
            json!(stress.iter().filter(|s| s.1 == -2).count() as i64 * STRESS_SECS),
        ),
        ("lowStressDurationInSeconds", json!(in_range(26, 50))),
        ("mediumStressDurationInSeconds", json!(in_range(51, 75))),
        ("highStressDurationInSeconds", json!(in_range(76, 100))),
        (
            "stressQualifier",
            json!(if avg_stress > 50 {
                "stressful"
            } else {
                "balanced"
            }),
        ),
        ("bodyBatteryChargedValue", json!(charged)),
        ("bodyBatteryDrainedValue", json!(drained)),
        ("stepsGoal", json!(10_000)),
        ("intensityDurationGoalInSeconds", json!(9_000)),
        ("floorsClimbedGoal", json!(10)),
    ]);
    Generated {
        kind: Kind::Dailies,
        summary_id,
        start: tl.midnight,
        end,
        json,
    }
}

pub(super) fn stress_details(
    tl: &Timeline,
    end: i64,
    tag: &str,
    stress: &[(i64, i64, i64)],
) -> Generated {
    let duration = end - tl.midnight;
    let summary_id = format!("x{tag}-{:x}-{duration:x}-stress", tl.midnight);
    let levels = offset_map(stress.iter().map(|&(o, s, _)| (o, json!(s))));
    let battery = offset_map(stress.iter().map(|&(o, _, b)| (o, json!(b))));
    let json: Value = object(vec![
        ("summaryId", json!(summary_id)),
        ("calendarDate", json!(tl.day.to_string())),
        ("startTimeInSeconds", json!(tl.midnight)),
        ("startTimeOffsetInSeconds", json!(tl.offset)),
        ("durationInSeconds", json!(duration)),
        ("timeOffsetStressLevelValues", levels),
        ("timeOffsetBodyBatteryValues", battery),
    ]);
    Generated {
        kind: Kind::StressDetails,
        summary_id,
        start: tl.midnight,
        end,
        json,
    }
}
