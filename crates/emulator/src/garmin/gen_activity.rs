//! Fitness activities: per-15-second samples drive both the `activityDetails` record and the
//! totals of its `activities` summary (same `activityId`).

use chrono::{FixedOffset, NaiveDate};
use fastrand::Rng;
use serde_json::{Value, json};

use super::data::{Generated, Profile, local_ts, num, object};
use super::gen_sleep::Night;
use super::kind::Kind;

/// Seconds between detail samples.
const SAMPLE_SECS: i64 = 15;

struct Sport {
    activity_type: &'static str,
    name: &'static str,
    /// Typical speed, m/s (0: no distance).
    speed: f64,
    /// Fraction of heart-rate reserve.
    intensity: f64,
    kcal_per_min: f64,
    /// Steps (running/walking) or pedal revolutions (cycling) per minute.
    cadence: f64,
    /// Minute state for the day timeline: 2 walking, 3 running, 4 other.
    state: u8,
}

const SPORTS: [Sport; 7] = [
    Sport {
        activity_type: "RUNNING",
        name: "Running",
        speed: 2.9,
        intensity: 0.7,
        kcal_per_min: 11.5,
        cadence: 166.0,
        state: 3,
    },
    Sport {
        activity_type: "TRAIL_RUNNING",
        name: "Trail Running",
        speed: 2.4,
        intensity: 0.72,
        kcal_per_min: 12.0,
        cadence: 160.0,
        state: 3,
    },
    Sport {
        activity_type: "ROAD_BIKING",
        name: "Road Cycling",
        speed: 7.2,
        intensity: 0.62,
        kcal_per_min: 9.5,
        cadence: 86.0,
        state: 4,
    },
    Sport {
        activity_type: "WALKING",
        name: "Walking",
        speed: 1.45,
        intensity: 0.35,
        kcal_per_min: 4.8,
        cadence: 112.0,
        state: 2,
    },
    Sport {
        activity_type: "STRENGTH_TRAINING",
        name: "Strength",
        speed: 0.0,
        intensity: 0.5,
        kcal_per_min: 6.5,
        cadence: 0.0,
        state: 4,
    },
    Sport {
        activity_type: "LAP_SWIMMING",
        name: "Pool Swim",
        speed: 0.9,
        intensity: 0.6,
        kcal_per_min: 9.0,
        cadence: 0.0,
        state: 4,
    },
    Sport {
        activity_type: "YOGA",
        name: "Yoga",
        speed: 0.0,
        intensity: 0.25,
        kcal_per_min: 3.2,
        cadence: 0.0,
        state: 4,
    },
];

/// One user-started activity.
#[derive(Debug, Clone)]
pub(crate) struct Workout {
    pub(crate) activity_id: u64,
    sport: usize,
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) offset: i64,
    pub(crate) device: &'static str,
}

impl Workout {
    pub(crate) fn state(&self) -> u8 {
        SPORTS[self.sport].state
    }
}

fn pick_sport(rng: &mut Rng) -> usize {
    match rng.u8(0..100) {
        0..=29 => 0,
        30..=37 => 1,
        38..=57 => 2,
        58..=71 => 3,
        72..=85 => 4,
        86..=94 => 5,
        _ => 6,
    }
}

const DEVICES: [&str; 2] = ["Forerunner 965", "fenix 8"];

/// Three days in seven: one activity in the morning (after waking) or the evening.
pub(crate) fn planned(
    rng: &mut Rng,
    tz: FixedOffset,
    day: NaiveDate,
    nights: &[Night],
    activity_id: u64,
) -> Option<Workout> {
    if rng.u8(0..7) >= 3 {
        return None;
    }
    let sport = pick_sport(rng);
    let minutes = 25 + i64::from(rng.u8(0..65));
    let morning = rng.bool();
    let mut start = if morning {
        local_ts(tz, day, 6 * 60 + 30 + i64::from(rng.u8(0..60)))
    } else {
        local_ts(tz, day, 17 * 60 + 30 + i64::from(rng.u8(0..90)))
    };
    if let Some(wake) = nights
        .iter()
        .map(|n| n.end)
        .find(|&e| e > start - 3 * 3600 && e <= start + 3 * 3600)
    {
        start = start.max(wake + 20 * 60);
    }
    Some(Workout {
        activity_id,
        sport,
        start,
        end: start + minutes * 60,
        offset: i64::from(tz.local_minus_utc()),
        device: DEVICES[rng.usize(0..DEVICES.len())],
    })
}

/// An activity ending at `end` (created live by the control API).
pub(crate) fn ending_at(rng: &mut Rng, tz: FixedOffset, end: i64, activity_id: u64) -> Workout {
    let minutes = 25 + i64::from(rng.u8(0..50));
    Workout {
        activity_id,
        sport: pick_sport(rng),
        start: end - minutes * 60,
        end,
        offset: i64::from(tz.local_minus_utc()),
        device: DEVICES[rng.usize(0..DEVICES.len())],
    }
}

/// The `activities` summary and the `activityDetails` record of a workout.
pub(crate) fn summaries(rng: &mut Rng, workout: &Workout, profile: &Profile) -> Vec<Generated> {
    let sport = &SPORTS[workout.sport];
    let max_hr = 208.0 - 0.7 * f64::from(profile.age);
    let target_hr = profile.resting_hr + sport.intensity * (max_hr - profile.resting_hr);
    let pool = sport.activity_type == "LAP_SWIMMING";
    let (mut distance, mut gain, mut loss, mut lat, mut lon) =
        (0.0, 0.0, 0.0, profile.lat, profile.lon);
    let mut elevation = 300.0 + rng.f64() * 50.0;
    let bearing = rng.f64() * std::f64::consts::TAU;
    let duration = workout.end - workout.start;
    let mut samples = Vec::new();
    let (mut hr_sum, mut hr_max, mut hr_n, mut speed_max) = (0.0, 0.0f64, 0.0, 0.0f64);
    for offset in (0..duration).step_by(SAMPLE_SECS as usize) {
        let ramp = (offset as f64 / 300.0).min(1.0);
        let hr = (profile.resting_hr
            + 20.0
            + ramp * (target_hr - profile.resting_hr - 20.0)
            + rng.f64() * 8.0
            - 4.0)
            .round();
        let speed = if sport.speed > 0.0 {
            (sport.speed * (0.9 + rng.f64() * 0.2)).max(0.0)
        } else {
            0.0
        };
        if offset > 0 {
            distance += speed * SAMPLE_SECS as f64;
            let step = speed * SAMPLE_SECS as f64 / 111_000.0;
            lat += step * bearing.cos();
            lon += step * bearing.sin();
            let climb = (offset as f64 / 600.0).sin() * speed * 0.05;
            elevation += climb;
            if climb > 0.0 {
                gain += climb
            } else {
                loss -= climb
            }
        }
        let mut fields = vec![
            ("startTimeInSeconds", json!(workout.start + offset)),
            ("timerDurationInSeconds", json!(offset)),
            ("clockDurationInSeconds", json!(offset)),
            ("movingDurationInSeconds", json!(offset)),
        ];
        if !pool {
            fields.push(("heartRate", json!(hr as i64)));
            hr_sum += hr;
            hr_n += 1.0;
            hr_max = hr_max.max(hr);
        }
        if sport.speed > 0.0 {
            speed_max = speed_max.max(speed);
            fields.push(("speedMetersPerSecond", num(speed, 3)));
            fields.push(("totalDistanceInMeters", num(distance, 2)));
            if !pool {
                fields.push(("latitudeInDegree", num(lat, 7)));
                fields.push(("longitudeInDegree", num(lon, 7)));
                fields.push(("elevationInMeters", num(elevation, 1)));
            }
        }
        match sport.state {
            2 | 3 => fields.push((
                "stepsPerMinute",
                num(sport.cadence + rng.f64() * 6.0 - 3.0, 1),
            )),
            _ if sport.activity_type == "ROAD_BIKING" => {
                fields.push((
                    "bikeCadenceInRPM",
                    num(sport.cadence + rng.f64() * 10.0 - 5.0, 1),
                ));
                fields.push(("powerInWatts", num(150.0 + rng.f64() * 80.0, 0)));
            }
            _ => {}
        }
        samples.push(object(fields));
    }
    let minutes = duration as f64 / 60.0;
    let mut summary = vec![
        ("activityName", json!(format!("Olathe {}", sport.name))),
        ("activityType", json!(sport.activity_type)),
        ("startTimeInSeconds", json!(workout.start)),
        ("startTimeOffsetInSeconds", json!(workout.offset)),
        ("durationInSeconds", json!(duration)),
        (
            "activeKilocalories",
            json!((sport.kcal_per_min * minutes).round() as i64),
        ),
        ("deviceName", json!(workout.device)),
        ("manual", json!(false)),
        ("isWebUpload", json!(false)),
    ];
    if hr_n > 0.0 {
        summary.push((
            "averageHeartRateInBeatsPerMinute",
            json!((hr_sum / hr_n).round() as i64),
        ));
        summary.push(("maxHeartRateInBeatsPerMinute", json!(hr_max as i64)));
    }
    if sport.speed > 0.0 {
        let avg = distance / duration.max(1) as f64;
        summary.push(("distanceInMeters", num(distance, 2)));
        summary.push(("averageSpeedInMetersPerSecond", num(avg, 3)));
        summary.push(("maxSpeedInMetersPerSecond", num(speed_max, 3)));
        summary.push((
            "averagePaceInMinutesPerKilometer",
            num(1000.0 / 60.0 / avg.max(0.01), 3),
        ));
        if !pool {
            summary.push(("totalElevationGainInMeters", num(gain, 1)));
            summary.push(("totalElevationLossInMeters", num(loss, 1)));
            summary.push(("startingLatitudeInDegree", num(profile.lat, 7)));
            summary.push(("startingLongitudeInDegree", num(profile.lon, 7)));
        }
    }
    if matches!(sport.state, 2 | 3) {
        summary.push(("averageRunCadenceInStepsPerMinute", num(sport.cadence, 1)));
        summary.push(("steps", json!((sport.cadence * minutes).round() as i64)));
    }
    let id = workout.activity_id;
    let mut activity = vec![
        ("summaryId", json!(id.to_string())),
        ("activityId", json!(id)),
    ];
    activity.extend(summary.iter().cloned());
    let laps: Vec<Value> = (0..duration)
        .step_by(600)
        .map(|o| json!({"startTimeInSeconds": workout.start + o}))
        .collect();
    let details = object(vec![
        ("summaryId", json!(format!("{id}-detail"))),
        ("activityId", json!(id)),
        ("summary", object(summary)),
        ("samples", Value::Array(samples)),
        ("laps", Value::Array(laps)),
    ]);
    vec![
        Generated {
            kind: Kind::Activities,
            summary_id: id.to_string(),
            start: workout.start,
            end: workout.end,
            json: object(activity),
        },
        Generated {
            kind: Kind::ActivityDetails,
            summary_id: format!("{id}-detail"),
            start: workout.start,
            end: workout.end,
            json: details,
        },
    ]
}
