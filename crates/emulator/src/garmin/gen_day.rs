//! One local day from a per-minute timeline (asleep, sedentary, walking, running, other
//! activity): its 15-minute `epochs`, the `dailies` summary (totals agree with the epochs),
//! `stressDetails` and `allDayRespiration`.

use std::f64::consts::PI;

use chrono::{FixedOffset, NaiveDate};
use fastrand::Rng;
use serde_json::json;

use super::GarminConfig;
use super::data::{Generated, Profile, local_ts, num, object, offset_map};
use super::gen_activity::Workout;
use super::gen_sleep::{Night, Stage};
use super::kind::Kind;

const ASLEEP: u8 = 0;
const SEDENTARY: u8 = 1;
const WALKING: u8 = 2;
const RUNNING: u8 = 3;
const OTHER: u8 = 4;
const EPOCH_SECS: i64 = 900;
const STRESS_SECS: i64 = 180;

mod summary;

use summary::{daily, stress_details, stress_values};

/// What the user did each minute of one local day.
pub(crate) struct Timeline {
    pub(crate) day: NaiveDate,
    pub(crate) midnight: i64,
    pub(crate) offset: i64,
    states: Vec<u8>,
    deep: Vec<bool>,
}

impl Timeline {
    pub(crate) fn new(
        rng: &mut Rng,
        tz: FixedOffset,
        day: NaiveDate,
        nights: &[Night],
        workouts: &[Workout],
    ) -> Self {
        let midnight = local_ts(tz, day, 0);
        let mut states = vec![SEDENTARY; 1440];
        let mut deep = vec![false; 1440];
        // Walking bouts while awake, before the activities and nights paint over them.
        for _ in 0..(8 + rng.u8(0..7)) {
            let from = usize::from(rng.u16(7 * 60..21 * 60));
            let len = usize::from(rng.u8(3..16));
            for s in states.iter_mut().skip(from).take(len) {
                *s = WALKING;
            }
        }
        let day_end = midnight + 86_400;
        let nights: Vec<&Night> = nights
            .iter()
            .filter(|n| n.start < day_end && midnight < n.end)
            .collect();
        let workouts: Vec<&Workout> = workouts
            .iter()
            .filter(|w| w.start < day_end && midnight < w.end)
            .collect();
        for (m, (state, deep)) in states.iter_mut().zip(deep.iter_mut()).enumerate() {
            let t = midnight + m as i64 * 60;
            if let Some(w) = workouts.iter().find(|w| (w.start..w.end).contains(&t)) {
                *state = match w.state() {
                    2 => WALKING,
                    3 => RUNNING,
                    _ => OTHER,
                };
            }
            if let Some(stage) = nights.iter().find_map(|n| n.stage_at(t)) {
                if stage != Stage::Awake {
                    *state = ASLEEP;
                }
                *deep = stage == Stage::Deep;
            }
        }
        Self {
            day,
            midnight,
            offset: i64::from(tz.local_minus_utc()),
            states,
            deep,
        }
    }
}

fn per_minute_hr(rng: &mut Rng, tl: &Timeline, profile: &Profile, minutes: usize) -> Vec<f64> {
    let max_hr = 208.0 - 0.7 * f64::from(profile.age);
    (0..minutes)
        .map(|m| {
            let hour = m as f64 / 60.0;
            let noise = rng.f64() * 8.0 - 4.0;
            let base = profile.resting_hr;
            let hr = match tl.states[m] {
                ASLEEP => base - 4.0 - if tl.deep[m] { 3.0 } else { 0.0 },
                WALKING => base + 30.0,
                RUNNING => base + 0.7 * (max_hr - base),
                OTHER => base + 0.45 * (max_hr - base),
                _ => base + 10.0 + 8.0 * (((hour - 8.0) * PI / 14.0).sin()).max(0.0),
            };
            (hr + noise).round().clamp(38.0, 200.0)
        })
        .collect()
}

/// The day's summaries up to `until` (a whole day when `None`). Epochs and respiration only
/// for complete 15-minute buckets.
pub(crate) fn summaries(
    rng: &mut Rng,
    tl: &Timeline,
    profile: &Profile,
    tag: &str,
    config: &GarminConfig,
    until: Option<i64>,
) -> Vec<Generated> {
    let end = until.map_or(tl.midnight + 86_400, |u| {
        u.clamp(tl.midnight, tl.midnight + 86_400)
    });
    let minutes = usize::try_from((end - tl.midnight) / 60).unwrap_or(0);
    if minutes == 0 {
        return Vec::new();
    }
    let hr = per_minute_hr(rng, tl, profile, minutes);
    let mut out = Vec::new();
    let mut totals = Totals::default();
    for bucket in 0..minutes / 15 {
        let start = tl.midnight + bucket as i64 * EPOCH_SECS;
        for (code, activity_type, states) in [
            (0, "SEDENTARY", &[ASLEEP, SEDENTARY][..]),
            (1, "WALKING", &[WALKING][..]),
            (2, "RUNNING", &[RUNNING][..]),
            (3, "GENERIC", &[OTHER][..]),
        ] {
            let in_bucket: Vec<u8> = tl.states[bucket * 15..bucket * 15 + 15]
                .iter()
                .copied()
                .filter(|s| states.contains(s))
                .collect();
            if in_bucket.is_empty() {
                continue;
            }
            let epoch = epoch(rng, tl, start, code, activity_type, &in_bucket, tag);
            totals.add(&epoch.1, code, in_bucket.len());
            out.push(epoch.0);
        }
        out.push(respiration(rng, tl, start, profile, tag));
    }
    let stress = stress_values(rng, tl, minutes);
    out.push(daily(
        rng, tl, end, profile, tag, config, &hr, &totals, &stress,
    ));
    out.push(stress_details(tl, end, tag, &stress));
    out
}

#[derive(Default)]
struct Totals {
    steps: i64,
    distance: f64,
    kcal: i64,
    active_secs: i64,
    moderate_secs: i64,
    vigorous_secs: i64,
}

impl Totals {
    fn add(&mut self, epoch: &(i64, f64, i64), code: u8, minutes: usize) {
        self.steps += epoch.0;
        self.distance += epoch.1;
        self.kcal += epoch.2;
        let secs = minutes as i64 * 60;
        match code {
            0 => {}
            2 => {
                self.active_secs += secs;
                self.vigorous_secs += secs;
            }
            _ => {
                self.active_secs += secs;
                self.moderate_secs += secs;
            }
        }
    }
}

/// One epoch record and its (steps, distance, kcal).
fn epoch(
    rng: &mut Rng,
    tl: &Timeline,
    start: i64,
    code: u8,
    activity_type: &str,
    states: &[u8],
    tag: &str,
) -> (Generated, (i64, f64, i64)) {
    let (steps_per_min, stride, kcal_per_min, met, intensity) = match code {
        0 => (0.0, 0.7, 0.0, 1.0, "SEDENTARY"),
        1 => (108.0, 0.74, 4.2, 3.3, "ACTIVE"),
        2 => (164.0, 1.08, 11.5, 9.6, "HIGHLY_ACTIVE"),
        _ => (8.0, 0.7, 7.0, 5.5, "ACTIVE"),
    };
    let steps: i64 = states
        .iter()
        .map(|&s| match s {
            ASLEEP => 0,
            SEDENTARY => i64::from(rng.u8(0..4)),
            _ => (steps_per_min * (0.9 + rng.f64() * 0.2)).round() as i64,
        })
        .sum();
    let distance = (steps as f64 * stride * 100.0).round() / 100.0;
    let kcal = (kcal_per_min * states.len() as f64 * (0.9 + rng.f64() * 0.2)).round() as i64;
    let summary_id = format!("x{tag}-{start:x}-{code}");
    let json = object(vec![
        ("summaryId", json!(summary_id)),
        ("activityType", json!(activity_type)),
        ("activeKilocalories", json!(kcal)),
        ("steps", json!(steps)),
        ("distanceInMeters", num(distance, 2)),
        ("durationInSeconds", json!(EPOCH_SECS)),
        ("activeTimeInSeconds", json!(states.len() as i64 * 60)),
        ("startTimeInSeconds", json!(start)),
        ("startTimeOffsetInSeconds", json!(tl.offset)),
        ("met", num(met * (0.95 + rng.f64() * 0.1), 4)),
        ("intensity", json!(intensity)),
        ("meanMotionIntensity", json!(if code == 0 { 1 } else { 4 })),
        ("maxMotionIntensity", json!(if code == 0 { 3 } else { 7 })),
    ]);
    let generated = Generated {
        kind: Kind::Epochs,
        summary_id,
        start,
        end: start + EPOCH_SECS,
        json,
    };
    (generated, (steps, distance, kcal))
}

fn respiration(
    rng: &mut Rng,
    tl: &Timeline,
    start: i64,
    profile: &Profile,
    tag: &str,
) -> Generated {
    let first = usize::try_from((start - tl.midnight) / 60).unwrap_or(0);
    let values = (0..15).map(|i| {
        let m = first + i;
        let rate = match tl.states[m] {
            ASLEEP => profile.breath - if tl.deep[m] { 1.0 } else { 0.3 },
            RUNNING | OTHER => profile.breath + 9.0,
            WALKING => profile.breath + 4.0,
            _ => profile.breath + 2.0,
        };
        (i as i64 * 60, num(rate + rng.f64() - 0.5, 2))
    });
    let summary_id = format!("x{tag}-{start:x}");
    Generated {
        kind: Kind::Respiration,
        summary_id: summary_id.clone(),
        start,
        end: start + EPOCH_SECS,
        json: object(vec![
            ("summaryId", json!(summary_id)),
            ("startTimeInSeconds", json!(start)),
            ("durationInSeconds", json!(EPOCH_SECS)),
            ("startTimeOffsetInSeconds", json!(tl.offset)),
            ("timeOffsetEpochToBreaths", offset_map(values)),
        ]),
    }
}
