//! Exercises (training sessions): local start without offset plus `start_time_utc_offset` in
//! minutes, ISO 8601 durations, 5-second heart-rate samples and km/h speed samples.

use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, TimeDelta, Utc};
use fastrand::Rng;
use serde_json::{Value, json};

use super::data::Physio;
use super::days::iso_duration;

/// Seconds between heart-rate samples.
const RECORDING_RATE: i64 = 5;

/// (sport, detailed_sport_info, km/h when it has a distance, kcal per minute).
const SPORTS: [(&str, &str, Option<f64>, f64); 7] = [
    ("RUNNING", "RUNNING_ROAD", Some(10.5), 11.0),
    ("RUNNING", "RUNNING_TRAIL", Some(9.0), 11.5),
    ("CYCLING", "CYCLING_ROAD", Some(27.0), 9.0),
    ("OTHER", "CYCLING_MOUNTAIN_BIKE", Some(18.0), 10.0),
    ("WALKING", "WALKING", Some(5.5), 4.5),
    ("OTHER", "FITNESS_YOGA", None, 3.5),
    ("STRENGTH_TRAINING", "STRENGTH_TRAINING", None, 6.0),
];

#[derive(Debug, Clone)]
pub(crate) struct Exercise {
    /// Polar's hashed id.
    pub(crate) id: String,
    pub(crate) start_local: NaiveDateTime,
    pub(crate) offset_minutes: i32,
    pub(crate) duration_secs: i64,
    pub(crate) upload_time: DateTime<Utc>,
    pub(crate) sport: &'static str,
    pub(crate) detailed: &'static str,
    pub(crate) calories: i64,
    /// Meters.
    pub(crate) distance: Option<f64>,
    pub(crate) hr_avg: u8,
    pub(crate) hr_max: u8,
    pub(crate) hr_samples: Vec<u8>,
    /// km/h, every [`RECORDING_RATE`] seconds.
    pub(crate) speed_samples: Vec<f64>,
    pub(crate) device_id: String,
}

impl Exercise {
    pub(crate) fn start_utc(&self) -> DateTime<Utc> {
        self.start_local.and_utc() - TimeDelta::minutes(i64::from(self.offset_minutes))
    }

    /// Unix seconds of start and end.
    pub(crate) fn span(&self) -> (i64, i64) {
        let start = self.start_utc().timestamp();
        (start, start + self.duration_secs)
    }

    /// `GET /v3/exercises[/{id}]`, with samples when asked.
    pub(crate) fn json(&self, polar_user: &str, samples: bool) -> Value {
        let join = |values: Vec<String>| values.join(",");
        let mut doc = json!({
            "id": self.id,
            "upload_time": self.upload_time.to_rfc3339_opts(SecondsFormat::Millis, true),
            "polar_user": polar_user,
            "device": "Polar Grit X2 Pro",
            "device_id": self.device_id,
            "start_time": self.start_local.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "start_time_utc_offset": self.offset_minutes,
            "duration": iso_duration(self.duration_secs),
            "calories": self.calories,
            "heart_rate": { "average": self.hr_avg, "maximum": self.hr_max },
            "training_load": (self.duration_secs as f64 / 60.0 * 1.4).round(),
            "sport": self.sport,
            "detailed_sport_info": self.detailed,
            "has_route": self.distance.is_some() && self.sport != "STRENGTH_TRAINING",
        });
        if let (Some(distance), Some(map)) = (self.distance, doc.as_object_mut()) {
            map.insert("distance".into(), json!(distance));
        }
        if samples && let Some(map) = doc.as_object_mut() {
            let mut sets = vec![json!({
                "recording-rate": RECORDING_RATE,
                "sample-type": "0",
                "data": join(self.hr_samples.iter().map(u8::to_string).collect()),
            })];
            if !self.speed_samples.is_empty() {
                sets.push(json!({
                    "recording-rate": RECORDING_RATE,
                    "sample-type": "1",
                    "data": join(self.speed_samples.iter().map(|s| format!("{s:.1}")).collect()),
                }));
            }
            map.insert("samples".into(), Value::Array(sets));
        }
        doc
    }
}

/// A workout of 25 to 90 minutes starting at `start`.
pub(crate) fn exercise(
    rng: &mut Rng,
    start: DateTime<FixedOffset>,
    physio: &Physio,
    device_id: &str,
) -> Exercise {
    let id: String = (0..8).map(|_| rng.alphanumeric()).collect();
    let (sport, detailed, speed, kcal_per_min) = SPORTS[rng.usize(..SPORTS.len())];
    let minutes = rng.i64(25..=90);
    let duration_secs = minutes * 60 + rng.i64(0..60);
    let intensity = if speed.is_some() { 0.72 } else { 0.6 };
    let target = physio.resting_hr + (physio.max_hr - physio.resting_hr) * intensity;
    let n = (duration_secs / RECORDING_RATE) as usize;
    let hr_samples: Vec<u8> = (0..n)
        .map(|i| {
            let warmup = (i as f64 / 120.0).min(1.0);
            let bpm =
                physio.resting_hr + (target - physio.resting_hr) * warmup + rng.f64() * 10.0 - 5.0;
            bpm.round().clamp(80.0, 200.0) as u8
        })
        .collect();
    let speed_samples: Vec<f64> = match speed {
        Some(kmh) => (0..n).map(|_| kmh * (0.85 + rng.f64() * 0.3)).collect(),
        None => Vec::new(),
    };
    let distance = speed.map(|_| {
        let km: f64 = speed_samples.iter().sum::<f64>() * RECORDING_RATE as f64 / 3600.0;
        (km * 1000.0).round()
    });
    let mean = hr_samples.iter().map(|&b| f64::from(b)).sum::<f64>() / n.max(1) as f64;
    Exercise {
        id,
        start_local: start.naive_local(),
        offset_minutes: start.offset().local_minus_utc() / 60,
        duration_secs,
        upload_time: start.to_utc() + TimeDelta::seconds(duration_secs + rng.i64(300..3_600)),
        sport,
        detailed,
        calories: (kcal_per_min * duration_secs as f64 / 60.0 * physio.weight / 70.0).round()
            as i64,
        distance,
        hr_avg: mean.round() as u8,
        hr_max: hr_samples.iter().copied().max().unwrap_or(0),
        hr_samples,
        speed_samples,
        device_id: device_id.to_owned(),
    }
}
