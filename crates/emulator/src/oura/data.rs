//! Emulated users and their generated history: a pure function of (seed, user number, creation day).

use std::f64::consts::PI;

use chrono::{Datelike as _, FixedOffset, NaiveDate, TimeDelta, Timelike as _};
use fastrand::Rng;
use serde::Serialize;

use super::OuraConfig;
use super::activity::{self, DailyActivity, Workout};
use super::sleep::{self, SLOT_SECS, SleepDoc};
use super::time::{at, local};

/// Per-user physiological baseline.
#[derive(Debug, Clone)]
pub(crate) struct Physio {
    pub(crate) resting_hr: f64,
    pub(crate) hrv: f64,
    pub(crate) breath: f64,
}

/// `GET /v2/usercollection/personal_info`
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PersonalInfo {
    pub(crate) id: String,
    pub(crate) age: u32,
    /// Kilograms.
    pub(crate) weight: f64,
    /// Meters.
    pub(crate) height: f64,
    pub(crate) biological_sex: &'static str,
    pub(crate) email: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum HrSource {
    Awake,
    Sleep,
    Workout,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct HrSample {
    pub(crate) ts: i64,
    pub(crate) bpm: u8,
    pub(crate) source: HrSource,
}

/// Heart-rate samples on a 5-minute grid, ordered by time.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeartRate {
    pub(crate) samples: Vec<HrSample>,
}

impl HeartRate {
    /// Appends awake samples (daily rhythm: low at night, higher in the day) up to `until`.
    pub(crate) fn extend_awake(&mut self, rng: &mut Rng, tz: FixedOffset, from: i64, until: i64) {
        let mut ts = self.samples.last().map_or(from, |s| s.ts + SLOT_SECS);
        while ts < until {
            let local = at(tz, ts);
            let hour = f64::from(local.hour()) + f64::from(local.minute()) / 60.0;
            let activity = if (7.0..22.0).contains(&hour) {
                ((hour - 7.0) * PI / 15.0).sin()
            } else {
                0.0
            };
            let spike = if rng.u8(0..100) < 3 {
                rng.f64() * 20.0 + 10.0
            } else {
                0.0
            };
            let bpm = 62.0 + 22.0 * activity + rng.f64() * 10.0 - 5.0 + spike;
            self.samples.push(HrSample {
                ts,
                bpm: bpm.round().clamp(58.0, 110.0) as u8,
                source: HrSource::Awake,
            });
            ts += SLOT_SECS;
        }
    }

    /// Overwrites samples with timestamps in `[start, end)`; `bpm` returns `None` to keep one.
    pub(crate) fn paint(
        &mut self,
        start: i64,
        end: i64,
        source: HrSource,
        mut bpm: impl FnMut(i64) -> Option<u8>,
    ) {
        let from = self.samples.partition_point(|s| s.ts < start);
        for sample in self.samples[from..].iter_mut().take_while(|s| s.ts < end) {
            if let Some(value) = bpm(sample.ts) {
                sample.bpm = value;
                sample.source = source;
            }
        }
    }

    /// Samples with timestamps in `[start, end)`.
    pub(crate) fn window(&self, start: i64, end: i64) -> &[HrSample] {
        let from = self.samples.partition_point(|s| s.ts < start);
        let to = self.samples.partition_point(|s| s.ts < end).max(from);
        &self.samples[from..to]
    }

    /// Extends the series to cover `end` and paints a sleep document's 5-minute heart rate.
    pub(crate) fn paint_sleep(&mut self, rng: &mut Rng, tz: FixedOffset, doc: &SleepDoc) {
        let (start, end) = doc.span();
        self.extend_awake(rng, tz, start, end);
        let items = &doc.heart_rate.items;
        self.paint(start, end, HrSource::Sleep, |ts| {
            let slot = usize::try_from((ts - start) / SLOT_SECS).ok()?;
            let upto = (slot + 1).min(items.len());
            let nearest = items[..upto].iter().rev().flatten().next();
            nearest.map(|&v| v.round().clamp(45.0, 65.0) as u8)
        });
    }

    /// Extends the series to cover the workout and paints its heart rate.
    pub(crate) fn paint_workout(&mut self, rng: &mut Rng, tz: FixedOffset, workout: &Workout) {
        let (start, end) = workout.span();
        self.extend_awake(rng, tz, start, end);
        let (low, high) = workout.bpm_range();
        self.paint(start, end, HrSource::Workout, |_| Some(rng.u8(low..=high)));
    }
}

/// One emulated Oura account.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) number: u64,
    pub(crate) created_day: NaiveDate,
    pub(crate) info: PersonalInfo,
    pub(crate) physio: Physio,
    pub(crate) sleeps: Vec<SleepDoc>,
    pub(crate) activities: Vec<DailyActivity>,
    pub(crate) workouts: Vec<Workout>,
    pub(crate) heart_rate: HeartRate,
    /// Continues the user's deterministic stream for documents created later.
    pub(crate) rng: Rng,
}

/// Generates user `number` (1-based) created on UTC date `created_day`.
pub(crate) fn generate_user(
    seed: u64,
    number: u64,
    created_day: NaiveDate,
    config: &OuraConfig,
    tz: FixedOffset,
) -> User {
    let day_number = u64::try_from(created_day.num_days_from_ce()).unwrap_or_default();
    let mut rng = Rng::with_seed(mix(&[seed, number, day_number]));
    let id = uuid_from(&mut rng);
    let female = rng.bool();
    let height = if female {
        rng.f64() * 0.25 + 1.55
    } else {
        rng.f64() * 0.25 + 1.68
    };
    let bmi = rng.f64() * 9.0 + 20.0;
    let info = PersonalInfo {
        id: id.clone(),
        age: rng.u32(20..=70),
        weight: (bmi * height * height * 10.0).round() / 10.0,
        height: (height * 100.0).round() / 100.0,
        biological_sex: if female { "female" } else { "male" },
        email: format!("user{number}@example.com"),
    };
    let physio = Physio {
        resting_hr: rng.f64() * 6.0 + 51.0,
        hrv: rng.f64() * 40.0 + 28.0,
        breath: rng.f64() * 3.5 + 13.0,
    };

    let history = i64::from(config.history_days.max(1));
    let days: Vec<NaiveDate> = (0..history)
        .map(|back| created_day - TimeDelta::days(history - 1 - back))
        .collect();
    let sleeps: Vec<SleepDoc> = days
        .iter()
        .map(|&day| sleep::long_sleep(&mut rng, tz, day, &physio))
        .collect();
    let workouts = activity::generated_workouts(&mut rng, tz, &days, &info);

    let mut heart_rate = HeartRate::default();
    let from = local(tz, days[0] - TimeDelta::days(1), 12 * 60).timestamp();
    let until = local(tz, created_day + TimeDelta::days(1), 0).timestamp();
    heart_rate.extend_awake(&mut rng, tz, from, until);
    for doc in &sleeps {
        heart_rate.paint_sleep(&mut rng, tz, doc);
    }
    for workout in &workouts {
        heart_rate.paint_workout(&mut rng, tz, workout);
    }

    let activities = days
        .iter()
        .map(|&day| activity::daily(&mut rng, tz, day, &sleeps, &workouts, &info))
        .collect();
    User {
        id,
        number,
        created_day,
        info,
        physio,
        sleeps,
        activities,
        workouts,
        heart_rate,
        rng,
    }
}

/// A uuid-v4-shaped id drawn from `rng`.
pub(crate) fn uuid_from(rng: &mut Rng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// SplitMix64 over the parts: a well-spread seed from small integers.
fn mix(parts: &[u64]) -> u64 {
    parts.iter().fold(0x9E37_79B9_7F4A_7C15, |acc, &part| {
        let mut z = acc ^ part.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(seed: u64, number: u64) -> User {
        let tz = FixedOffset::east_opt(3600).unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        generate_user(seed, number, day, &OuraConfig::default(), tz)
    }

    #[test]
    fn generated_data_stays_physiologically_plausible_across_seeds() {
        for seed in 0..40 {
            let user = user(seed, 1 + seed % 3);
            assert_eq!(user.sleeps.len(), 35);
            assert_eq!(user.activities.len(), 35);
            for doc in &user.sleeps {
                assert!(
                    (48.0..=62.0).contains(&doc.average_heart_rate),
                    "{}",
                    doc.average_heart_rate
                );
                assert!((20..=80).contains(&doc.average_hrv), "{}", doc.average_hrv);
                assert!((12.0..=18.0).contains(&doc.average_breath));
                assert!(doc.lowest_heart_rate < doc.average_heart_rate as i64);
                assert!((65..=99).contains(&doc.efficiency), "{}", doc.efficiency);
                assert_eq!(doc.total_sleep_duration + doc.awake_time, doc.time_in_bed);
            }
            for day in &user.activities {
                let total = day.high_activity_time
                    + day.medium_activity_time
                    + day.low_activity_time
                    + day.sedentary_time
                    + day.resting_time
                    + day.non_wear_time;
                assert_eq!(total, 86_400);
                assert!((3000..=15000).contains(&day.steps));
                assert!(day.total_calories > day.active_calories);
            }
            let samples = &user.heart_rate.samples;
            assert!(samples.windows(2).all(|w| w[1].ts - w[0].ts == SLOT_SECS));
            for sample in samples {
                let range = match sample.source {
                    HrSource::Sleep => 45..=65,
                    HrSource::Awake => 58..=110,
                    HrSource::Workout => 110..=170,
                };
                assert!(range.contains(&sample.bpm));
            }
        }
    }

    #[test]
    fn a_user_is_a_pure_function_of_seed_number_and_day() {
        let (a, b) = (user(5, 2), user(5, 2));
        assert_eq!(a.id, b.id);
        assert_eq!(
            serde_json::to_value(&a.sleeps).unwrap(),
            serde_json::to_value(&b.sleeps).unwrap()
        );
        assert_ne!(user(5, 3).id, a.id);
        assert_ne!(user(6, 2).id, a.id);
    }

    #[test]
    fn revising_a_night_adds_fifteen_minutes_of_light_sleep() {
        let mut user = user(1, 1);
        let before = user.sleeps[0].clone();
        let mut after = before.clone();
        after.revise(&mut user.rng);
        assert_eq!(after.id, before.id);
        assert_eq!(after.time_in_bed, before.time_in_bed + 900);
        assert_eq!(
            after.light_sleep_duration,
            before.light_sleep_duration + 900
        );
        assert_eq!(
            after.bedtime_end,
            before.bedtime_end + TimeDelta::minutes(15)
        );
        assert_eq!(after.heart_rate.items.len(), after.sleep_phase_5_min.len());
        assert!(after.sleep_phase_5_min.ends_with('4'));
    }
}
