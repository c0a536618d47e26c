//! Per-day records: activity summaries, continuous heart rate, and Elixir biosensing.

use std::f64::consts::PI;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};
use fastrand::Rng;
use serde_json::{Value, json};

use super::data::Physio;
use super::exercise::Exercise;
use super::night::Night;

const DAY_SECS: u32 = 86_400;
/// Continuous heart rate is sampled every 5 minutes, at this many seconds past each slot.
const HR_STEP: u32 = 300;
const HR_PHASE: u32 = 128;

/// `GET /v3/users/activities` item for one local day.
#[derive(Debug, Clone)]
pub(crate) struct Activity {
    pub(crate) date: NaiveDate,
    /// Seconds of the day covered (86 400 for a finished day).
    pub(crate) covered_secs: u32,
    pub(crate) steps: i64,
    pub(crate) distance: f64,
    pub(crate) active_calories: i64,
    pub(crate) calories: i64,
    pub(crate) active_secs: i64,
    pub(crate) inactive_secs: i64,
    pub(crate) daily_activity: f64,
    pub(crate) inactivity_alerts: u8,
}

impl Activity {
    pub(crate) fn json(&self) -> Value {
        let start = self.date.and_time(NaiveTime::MIN);
        let end = start + TimeDelta::seconds(i64::from(self.covered_secs));
        json!({
            "start_time": start.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "end_time": end.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "active_duration": iso_duration(self.active_secs),
            "inactive_duration": iso_duration(self.inactive_secs),
            "daily_activity": self.daily_activity,
            "calories": self.calories,
            "active_calories": self.active_calories,
            "steps": self.steps,
            "inactivity_alert_count": self.inactivity_alerts,
            "distance_from_steps": self.distance,
        })
    }
}

/// `PT1H2M3S` (hours, minutes and seconds always present).
pub(crate) fn iso_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("PT{}H{}M{}S", s / 3600, (s % 3600) / 60, s % 60)
}

/// Exercises that start on local `date`.
fn exercises_on(exercises: &[Exercise], date: NaiveDate) -> impl Iterator<Item = &Exercise> {
    exercises
        .iter()
        .filter(move |e| e.start_local.date() == date)
}

pub(crate) fn activity(
    rng: &mut Rng,
    date: NaiveDate,
    physio: &Physio,
    exercises: &[Exercise],
    _tz: FixedOffset,
    until_secs: Option<u32>,
) -> Activity {
    let covered = until_secs.unwrap_or(DAY_SECS).min(DAY_SECS);
    let fraction = f64::from(covered) / f64::from(DAY_SECS);
    let mut steps = (f64::from(rng.u32(4_000..=12_000)) * fraction).round() as i64;
    let mut exercise_kcal = 0;
    let mut exercise_secs = 0;
    for e in exercises_on(exercises, date) {
        exercise_kcal += e.calories;
        exercise_secs += e.duration_secs;
        if e.distance.is_some() && e.sport != "CYCLING" && e.detailed != "CYCLING_MOUNTAIN_BIKE" {
            steps += e.duration_secs * 5 / 2;
        }
    }
    let stride = if physio.female { 0.7 } else { 0.78 };
    let walking_secs = steps * 60 / 100;
    let active_secs = walking_secs + exercise_secs;
    let awake_secs = (f64::from(covered) * (16.0 / 24.0)).round() as i64;
    let active_calories = (steps as f64 * 0.04).round() as i64 + exercise_kcal;
    Activity {
        date,
        covered_secs: covered,
        steps,
        distance: ((steps as f64 * stride) * 100.0).round() / 100.0,
        active_calories,
        calories: (physio.bmr * fraction).round() as i64 + active_calories,
        active_secs,
        inactive_secs: (awake_secs - active_secs).max(0),
        daily_activity: ((active_secs as f64 / 36.0).min(150.0) * 10.0).round() / 10.0,
        inactivity_alerts: rng.u8(0..=3),
    }
}

/// One local day of 5-minute heart-rate averages (none during exercises, as in AccessLink).
#[derive(Debug, Clone)]
pub(crate) struct HeartRateDay {
    pub(crate) date: NaiveDate,
    /// (seconds after local midnight, bpm).
    pub(crate) samples: Vec<(u32, u8)>,
}

impl HeartRateDay {
    pub(crate) fn json(&self, polar_user: &str) -> Value {
        let samples: Vec<Value> = self
            .samples
            .iter()
            .map(|&(secs, bpm)| {
                let clock = NaiveTime::MIN + TimeDelta::seconds(i64::from(secs));
                json!({ "heart_rate": bpm, "sample_time": clock.format("%H:%M:%S").to_string() })
            })
            .collect();
        json!({
            "polar_user": polar_user,
            "date": self.date.to_string(),
            "heart_rate_samples": samples,
        })
    }
}

pub(crate) fn heart_rate_day(
    rng: &mut Rng,
    tz: FixedOffset,
    date: NaiveDate,
    nights: &[Night],
    exercises: &[Exercise],
    physio: &Physio,
    until_secs: Option<u32>,
) -> HeartRateDay {
    let until = until_secs.unwrap_or(DAY_SECS).min(DAY_SECS);
    let midnight =
        date.and_time(NaiveTime::MIN).and_utc().timestamp() - i64::from(tz.local_minus_utc());
    let mut samples = Vec::new();
    let mut secs = HR_PHASE;
    while secs < until {
        let at = midnight + i64::from(secs);
        let in_span = |(s, e): (i64, i64)| s <= at && at < e;
        if exercises.iter().any(|e| in_span(e.span())) {
            secs += HR_STEP;
            continue;
        }
        let bpm = if nights.iter().any(|n| in_span(n.span())) {
            physio.resting_hr + rng.f64() * 6.0 - 2.0
        } else {
            let hour = f64::from(secs) / 3600.0;
            let rhythm = if (7.0..22.0).contains(&hour) {
                ((hour - 7.0) * PI / 15.0).sin()
            } else {
                0.0
            };
            let spike = if rng.u8(0..100) < 3 {
                10.0 + rng.f64() * 15.0
            } else {
                0.0
            };
            physio.resting_hr + 10.0 + 18.0 * rhythm + rng.f64() * 8.0 - 4.0 + spike
        };
        samples.push((secs, bpm.round().clamp(40.0, 120.0) as u8));
        secs += HR_STEP;
    }
    HeartRateDay { date, samples }
}

/// An Elixir body-temperature measurement period (times UTC, without `Z`).
#[derive(Debug, Clone)]
pub(crate) struct BodyTemperature {
    /// The local date of the night it was measured in.
    pub(crate) date: NaiveDate,
    pub(crate) start: DateTime<Utc>,
    /// (milliseconds after start, °C).
    pub(crate) samples: Vec<(i64, f64)>,
    pub(crate) device_id: String,
}

impl BodyTemperature {
    pub(crate) fn json(&self) -> Value {
        let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S").to_string();
        let end = self.start + TimeDelta::hours(1);
        let samples: Vec<Value> = self
            .samples
            .iter()
            .map(|&(ms, c)| json!({ "temperature_celsius": c, "recording_time_delta_milliseconds": ms }))
            .collect();
        json!({
            "source_device_id": self.device_id,
            "measurement_type": "TM_CORE_TEMPERATURE",
            "sensor_location": "SL_PROXIMAL",
            "start_time": fmt(self.start),
            "end_time": fmt(end),
            "modified_time": fmt(end),
            "samples": samples,
        })
    }
}

/// One hour of core temperature, starting an hour after falling asleep.
pub(crate) fn body_temperature(
    rng: &mut Rng,
    night: &Night,
    physio: &Physio,
    device_id: &str,
) -> BodyTemperature {
    let base = 36.4 + rng.f64() * 0.4 + if physio.female { 0.1 } else { 0.0 };
    BodyTemperature {
        date: night.date,
        start: night.start.to_utc() + TimeDelta::hours(1),
        samples: (0..12)
            .map(|i| {
                (
                    i * 300_000,
                    ((base + rng.f64() * 0.2 - 0.1) * 100.0).round() / 100.0,
                )
            })
            .collect(),
        device_id: device_id.to_owned(),
    }
}

/// An SpO2 test taken in the morning.
#[derive(Debug, Clone)]
pub(crate) struct Spo2Test {
    pub(crate) date: NaiveDate,
    pub(crate) test_time: i64,
    pub(crate) offset_minutes: i32,
    pub(crate) passed: bool,
    pub(crate) spo2: u8,
    pub(crate) heart_rate: u8,
    pub(crate) hrv: f64,
    pub(crate) device_id: String,
}

impl Spo2Test {
    pub(crate) fn json(&self) -> Value {
        let status = if self.passed {
            "SPO2_TEST_PASSED"
        } else {
            "SPO2_TEST_INCONCLUSIVE_TOO_LOW_QUALITY_IN_SAMPLES"
        };
        json!({
            "source_device_id": self.device_id,
            "test_time": self.test_time,
            "time_zone_offset": self.offset_minutes,
            "test_status": status,
            "blood_oxygen_percent": self.spo2,
            "spo2_class": if self.spo2 >= 95 { "SPO2_CLASS_NORMAL" } else { "SPO2_CLASS_LOW" },
            "spo2_value_deviation_from_baseline": "DEVIATION_USUAL",
            "spo2_quality_average_percent": if self.passed { 91.5 } else { 40.0 },
            "average_heart_rate_bpm": self.heart_rate,
            "heart_rate_variability_ms": self.hrv,
            "spo2_hrv_deviation_from_baseline": "DEVIATION_NO_BASELINE",
            "altitude_meters": 42.0,
        })
    }
}

pub(crate) fn spo2_test(
    rng: &mut Rng,
    tz: FixedOffset,
    date: NaiveDate,
    physio: &Physio,
    device_id: &str,
) -> Spo2Test {
    let local = date.and_time(NaiveTime::MIN) + TimeDelta::minutes(9 * 60 + rng.i64(0..60));
    Spo2Test {
        date,
        test_time: local.and_utc().timestamp() - i64::from(tz.local_minus_utc()),
        offset_minutes: tz.local_minus_utc() / 60,
        passed: rng.u8(0..10) < 8,
        spo2: rng.u8(94..=99),
        heart_rate: (physio.resting_hr + 5.0 + rng.f64() * 6.0).round() as u8,
        hrv: (physio.hrv + rng.f64() * 10.0 - 5.0).round(),
        device_id: device_id.to_owned(),
    }
}
