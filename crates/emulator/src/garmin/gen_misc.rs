//! Occasional measurements: `userMetrics` (daily), `bodyComps` (every third day),
//! `bloodPressures` (weekly) and `healthSnapshot` (every fifth day).

use chrono::{FixedOffset, NaiveDate};
use fastrand::Rng;
use serde_json::json;

use super::data::{Generated, Profile, local_ts, num, object};
use super::kind::Kind;

/// The measurements of history day number `index` (0-based).
pub(crate) fn daily(
    rng: &mut Rng,
    tz: FixedOffset,
    day: NaiveDate,
    index: usize,
    profile: &Profile,
    tag: &str,
) -> Vec<Generated> {
    let offset = i64::from(tz.local_minus_utc());
    let mut out = vec![user_metrics(rng, tz, day, profile, tag)];
    if index.is_multiple_of(3) {
        let at = local_ts(tz, day, 7 * 60 + 5 + i64::from(rng.u8(0..20)));
        out.push(body_comp(rng, at, offset, profile, tag));
    }
    if index % 7 == 2 {
        let at = local_ts(tz, day, 8 * 60 + 10 + i64::from(rng.u8(0..30)));
        out.push(blood_pressure(rng, at, offset, profile, tag));
    }
    if index % 5 == 1 {
        let at = local_ts(tz, day, 9 * 60 + 30 + i64::from(rng.u8(0..60)));
        out.push(snapshot(rng, at, offset, profile, tag));
    }
    out
}

/// VO2 max and fitness age for `day` (dated, not timed); computed in the morning.
pub(crate) fn user_metrics(
    rng: &mut Rng,
    tz: FixedOffset,
    day: NaiveDate,
    profile: &Profile,
    tag: &str,
) -> Generated {
    let start = local_ts(tz, day, 0);
    let summary_id = format!("x{tag}-{start:x}-um");
    let vo2 = profile.vo2_max + rng.f64() * 0.6 - 0.3;
    let fitness_age = (f64::from(profile.age) - (profile.vo2_max - 42.0) * 0.8)
        .round()
        .max(20.0);
    Generated {
        kind: Kind::UserMetrics,
        summary_id: summary_id.clone(),
        start,
        end: start + 8 * 3600,
        json: object(vec![
            ("summaryId", json!(summary_id)),
            ("calendarDate", json!(day.to_string())),
            ("vo2Max", num(vo2, 1)),
            ("enhanced", json!(true)),
            ("fitnessAge", json!(fitness_age as i64)),
        ]),
    }
}

/// An Index scale weigh-in (grams).
pub(crate) fn body_comp(
    rng: &mut Rng,
    at: i64,
    offset: i64,
    profile: &Profile,
    tag: &str,
) -> Generated {
    let weight = profile.weight_kg + rng.f64() * 0.8 - 0.4;
    let fat = profile.body_fat + rng.f64() * 0.6 - 0.3;
    let summary_id = format!("x{tag}-{at:x}-bc");
    Generated {
        kind: Kind::BodyComps,
        summary_id: summary_id.clone(),
        start: at,
        end: at,
        json: object(vec![
            ("summaryId", json!(summary_id)),
            ("measurementTimeInSeconds", json!(at)),
            ("measurementTimeOffsetInSeconds", json!(offset)),
            (
                "muscleMassInGrams",
                json!((weight * (1.0 - fat / 100.0) * 520.0).round() as i64),
            ),
            ("boneMassInGrams", json!((weight * 38.0).round() as i64)),
            ("bodyWaterInPercent", num(100.0 - fat - 24.0, 1)),
            ("bodyFatInPercent", num(fat, 1)),
            (
                "bodyMassIndex",
                num(weight / (profile.height_m * profile.height_m), 1),
            ),
            ("weightInGrams", json!((weight * 1000.0).round() as i64)),
        ]),
    }
}

pub(crate) fn blood_pressure(
    rng: &mut Rng,
    at: i64,
    offset: i64,
    profile: &Profile,
    tag: &str,
) -> Generated {
    let summary_id = format!("x{tag}-{at:x}");
    Generated {
        kind: Kind::BloodPressures,
        summary_id: summary_id.clone(),
        start: at,
        end: at,
        json: object(vec![
            ("summaryId", json!(summary_id)),
            ("systolic", json!(rng.u8(108..132))),
            ("diastolic", json!(rng.u8(68..86))),
            (
                "pulse",
                json!((profile.resting_hr + 8.0 + rng.f64() * 6.0).round() as i64),
            ),
            ("sourceType", json!("DEVICE")),
            ("measurementTimeInSeconds", json!(at)),
            ("measurementTimeOffsetInSeconds", json!(offset)),
        ]),
    }
}

/// A two-minute Health Snapshot session.
pub(crate) fn snapshot(
    rng: &mut Rng,
    at: i64,
    offset: i64,
    profile: &Profile,
    tag: &str,
) -> Generated {
    let hr = profile.resting_hr + 8.0 + rng.f64() * 6.0;
    let rmssd = profile.hrv * (0.8 + rng.f64() * 0.3);
    let entry = |kind: &str, avg: f64, spread: f64| {
        json!({
            "summaryType": kind,
            "minValue": num(avg - spread, 1),
            "maxValue": num(avg + spread, 1),
            "avgValue": num(avg, 1),
        })
    };
    let summary_id = format!("x{tag}-{at:x}-snapshot");
    Generated {
        kind: Kind::HealthSnapshot,
        summary_id: summary_id.clone(),
        start: at,
        end: at + 120,
        json: object(vec![
            ("summaryId", json!(summary_id)),
            (
                "calendarDate",
                json!(
                    chrono::DateTime::from_timestamp(at + offset, 0)
                        .unwrap_or_default()
                        .date_naive()
                        .to_string()
                ),
            ),
            ("startTimeInSeconds", json!(at)),
            ("durationInSeconds", json!(120)),
            ("startTimeOffsetInSeconds", json!(offset)),
            (
                "summaries",
                json!([
                    entry("heart_rate", hr.round(), 4.0),
                    entry("respiration", profile.breath + 1.0, 1.0),
                    entry("stress", 20.0 + rng.f64() * 30.0, 5.0),
                    entry("spo2", profile.spo2.round(), 1.0),
                    {"summaryType": "rmssd_hrv", "avgValue": num(rmssd, 0)},
                    {"summaryType": "sdrr_hrv", "avgValue": num(rmssd * 1.4, 0)},
                ]),
            ),
        ]),
    }
}
