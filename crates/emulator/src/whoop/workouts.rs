//! Generated WHOOP workouts: sport slugs and ids, heart-rate zones summing to the duration,
//! kilojoules, distance and altitude for outdoor sports.

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use fastrand::Rng;
use serde::Serialize;

use super::records::{round, tzd};

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ZoneDurations {
    pub(crate) zone_zero_milli: i64,
    pub(crate) zone_one_milli: i64,
    pub(crate) zone_two_milli: i64,
    pub(crate) zone_three_milli: i64,
    pub(crate) zone_four_milli: i64,
    pub(crate) zone_five_milli: i64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct WorkoutScore {
    pub(crate) strain: f64,
    pub(crate) average_heart_rate: i64,
    pub(crate) max_heart_rate: i64,
    pub(crate) kilojoule: f64,
    pub(crate) percent_recorded: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) distance_meter: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) altitude_gain_meter: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) altitude_change_meter: Option<f64>,
    pub(crate) zone_durations: ZoneDurations,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Workout {
    pub(crate) id: String,
    pub(crate) user_id: i64,
    #[serde(serialize_with = "super::records::ser_ts")]
    pub(crate) created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::records::ser_ts")]
    pub(crate) updated_at: DateTime<Utc>,
    #[serde(serialize_with = "super::records::ser_ts")]
    pub(crate) start: DateTime<Utc>,
    #[serde(serialize_with = "super::records::ser_ts")]
    pub(crate) end: DateTime<Utc>,
    pub(crate) timezone_offset: String,
    pub(crate) sport_name: &'static str,
    pub(crate) sport_id: i64,
    pub(crate) score_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) score: Option<WorkoutScore>,
}

/// A sport: slug, deprecated id, kJ per minute, speed in km/h when it covers distance, and
/// whether it climbs (outdoors).
type Sport = (&'static str, i64, (f64, f64), Option<(f64, f64)>, bool);

const SPORTS: &[Sport] = &[
    ("running", 0, (38.0, 55.0), Some((9.0, 13.0)), true),
    ("cycling", 1, (30.0, 50.0), Some((22.0, 32.0)), true),
    ("walking", 63, (14.0, 22.0), Some((4.5, 6.0)), true),
    ("hiking-rucking", 52, (22.0, 35.0), Some((3.5, 5.5)), true),
    ("weightlifting", 45, (18.0, 30.0), None, false),
    ("functional-fitness", 48, (30.0, 45.0), None, false),
    ("spin", 97, (35.0, 50.0), None, false),
    ("yoga", 44, (10.0, 16.0), None, false),
    ("swimming", 33, (30.0, 45.0), Some((2.0, 3.2)), false),
    ("tennis", 34, (28.0, 40.0), None, false),
];

/// The effort of a workout relative to the member's max heart rate.
fn intensity(name: &str) -> (f64, f64) {
    match name {
        "yoga" | "walking" => (0.50, 0.65),
        "weightlifting" | "hiking-rucking" => (0.58, 0.72),
        _ => (0.68, 0.85),
    }
}

/// A scored workout of a random sport starting at `start`.
pub(crate) fn workout(
    rng: &mut Rng,
    id: String,
    user_id: i64,
    start: DateTime<Utc>,
    minutes: i64,
    tz: FixedOffset,
    max_hr: i64,
) -> Workout {
    let (name, sport_id, kj_range, kmh, outdoor) = SPORTS[rng.usize(0..SPORTS.len())];
    let end = start + TimeDelta::minutes(minutes);
    let (low, high) = intensity(name);
    let avg_fraction = low + rng.f64() * (high - low);
    let average_heart_rate = (max_hr as f64 * avg_fraction).round() as i64;
    let max_heart_rate = (average_heart_rate + rng.i64(12..30)).min(max_hr);
    let kj_per_min = kj_range.0 + rng.f64() * (kj_range.1 - kj_range.0);
    let distance_meter = kmh.map(|(lo, hi)| {
        let kmh = lo + rng.f64() * (hi - lo);
        round(kmh * 1000.0 * minutes as f64 / 60.0, 2)
    });
    let (altitude_gain_meter, altitude_change_meter) = if outdoor {
        let gain = round(rng.f64() * 12.0 * minutes as f64 / 10.0, 2);
        (Some(gain), Some(round(rng.f64() * 10.0 - 5.0, 2)))
    } else {
        (None, None)
    };
    let strain = (4.0 + minutes as f64 / 12.0 * avg_fraction * 2.0 + rng.f64() * 2.0).min(20.5);
    let created_at = end + TimeDelta::seconds(rng.i64(60..900));
    Workout {
        id,
        user_id,
        created_at,
        updated_at: created_at + TimeDelta::seconds(rng.i64(0..300)),
        start,
        end,
        timezone_offset: tzd(tz),
        sport_name: name,
        sport_id,
        score_state: "SCORED",
        score: Some(WorkoutScore {
            strain: round(strain, 4),
            average_heart_rate,
            max_heart_rate,
            kilojoule: round(kj_per_min * minutes as f64, 2),
            percent_recorded: round(95.0 + rng.f64() * 5.0, 1),
            distance_meter,
            altitude_gain_meter,
            altitude_change_meter,
            zone_durations: zones(rng, minutes * 60_000, avg_fraction),
        }),
    }
}

/// Time per heart-rate zone, centred on the workout's intensity; sums to `total` exactly.
fn zones(rng: &mut Rng, total: i64, intensity: f64) -> ZoneDurations {
    let centre = ((intensity - 0.5) * 10.0).clamp(0.0, 5.0);
    let weights: Vec<f64> = (0..6)
        .map(|z| (1.0 / (1.0 + (z as f64 - centre).powi(2))) * (0.7 + rng.f64() * 0.6))
        .collect();
    let sum: f64 = weights.iter().sum();
    let mut parts: Vec<i64> = weights
        .iter()
        .map(|w| ((total as f64) * w / sum / 1000.0).floor() as i64 * 1000)
        .collect();
    let assigned: i64 = parts.iter().sum();
    let biggest = (0..6)
        .max_by(|&a, &b| weights[a].total_cmp(&weights[b]))
        .unwrap_or(0);
    parts[biggest] += total - assigned;
    ZoneDurations {
        zone_zero_milli: parts[0],
        zone_one_milli: parts[1],
        zone_two_milli: parts[2],
        zone_three_milli: parts[3],
        zone_four_milli: parts[4],
        zone_five_milli: parts[5],
    }
}

impl Workout {
    pub(crate) fn kilojoule(&self) -> f64 {
        self.score.as_ref().map_or(0.0, |s| s.kilojoule)
    }

    pub(crate) fn strain(&self) -> f64 {
        self.score.as_ref().map_or(0.0, |s| s.strain)
    }

    pub(crate) fn max_heart_rate(&self) -> i64 {
        self.score.as_ref().map_or(0, |s| s.max_heart_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_sum_to_the_workout_duration() {
        let mut rng = Rng::with_seed(3);
        for minutes in [20, 45, 61, 90] {
            let z = zones(&mut rng, minutes * 60_000, 0.75);
            let sum = z.zone_zero_milli
                + z.zone_one_milli
                + z.zone_two_milli
                + z.zone_three_milli
                + z.zone_four_milli
                + z.zone_five_milli;
            assert_eq!(sum, minutes * 60_000);
            assert!(z.zone_three_milli > z.zone_zero_milli);
        }
    }
}
