//! Workouts and daily activity documents.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};
use fastrand::Rng;
use serde::Serialize;

use super::data::{PersonalInfo, uuid_from};
use super::sleep::{SLOT_SECS, SleepDoc};
use super::time::{fmt_local, local, ser_local};

const ACTIVITIES: [&str; 7] = [
    "running",
    "cycling",
    "walking",
    "strength_training",
    "yoga",
    "swimming",
    "hiking",
];

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Workout {
    pub(crate) id: String,
    pub(crate) activity: &'static str,
    pub(crate) calories: f64,
    pub(crate) day: NaiveDate,
    /// Meters; `None` for activities without distance.
    pub(crate) distance: Option<f64>,
    #[serde(serialize_with = "ser_local")]
    pub(crate) end_datetime: DateTime<FixedOffset>,
    pub(crate) intensity: &'static str,
    pub(crate) label: Option<String>,
    pub(crate) source: &'static str,
    #[serde(serialize_with = "ser_local")]
    pub(crate) start_datetime: DateTime<FixedOffset>,
}

impl Workout {
    pub(crate) fn span(&self) -> (i64, i64) {
        (
            self.start_datetime.timestamp(),
            self.end_datetime.timestamp(),
        )
    }

    /// Heart-rate range during the workout.
    pub(crate) fn bpm_range(&self) -> (u8, u8) {
        match self.intensity {
            "easy" => (110, 130),
            "moderate" => (125, 150),
            _ => (145, 170),
        }
    }
}

/// A workout of 20–90 minutes starting at `start`.
pub(crate) fn workout(rng: &mut Rng, start: DateTime<FixedOffset>, info: &PersonalInfo) -> Workout {
    let id = uuid_from(rng);
    let activity = ACTIVITIES[rng.usize(..ACTIVITIES.len())];
    let intensity = match activity {
        "yoga" => "easy",
        _ => ["easy", "moderate", "hard"][rng.usize(..3)],
    };
    let factor = match intensity {
        "easy" => 0.85,
        "moderate" => 1.0,
        _ => 1.2,
    };
    let minutes = rng.i64(20..=90);
    let (met, speed) = match activity {
        "running" => (9.5, Some(2.4 + rng.f64() * 1.2)),
        "cycling" => (7.5, Some(5.0 + rng.f64() * 3.0)),
        "walking" => (3.5, Some(1.2 + rng.f64() * 0.4)),
        "hiking" => (6.0, Some(0.9 + rng.f64() * 0.5)),
        "swimming" => (7.0, Some(0.5 + rng.f64() * 0.4)),
        "yoga" => (2.5, None),
        _ => (5.0, None),
    };
    let hours = minutes as f64 / 60.0;
    Workout {
        id,
        activity,
        calories: (met * factor * info.weight * hours * 10.0).round() / 10.0,
        day: start.date_naive(),
        distance: speed.map(|v| (v * factor * minutes as f64 * 60.0).round()),
        end_datetime: start + TimeDelta::minutes(minutes),
        intensity,
        label: None,
        source: if rng.bool() { "autodetected" } else { "manual" },
        start_datetime: start,
    }
}

/// A workout every 2–3 days, between 10:00 and 19:00 local.
pub(crate) fn generated_workouts(
    rng: &mut Rng,
    tz: FixedOffset,
    days: &[NaiveDate],
    info: &PersonalInfo,
) -> Vec<Workout> {
    let mut workouts = Vec::new();
    let mut index = rng.usize(0..=2);
    while let Some(&day) = days.get(index) {
        let start = local(tz, day, 10 * 60 + 5 * rng.i64(0..=108));
        workouts.push(workout(rng, start, info));
        index += rng.usize(2..=3);
    }
    workouts
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Contributors {
    pub(crate) meet_daily_targets: u8,
    pub(crate) move_every_hour: u8,
    pub(crate) recovery_time: u8,
    pub(crate) stay_active: u8,
    pub(crate) training_frequency: u8,
    pub(crate) training_volume: u8,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Met {
    pub(crate) interval: f64,
    pub(crate) items: Vec<f64>,
    pub(crate) timestamp: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct DailyActivity {
    pub(crate) id: String,
    pub(crate) class_5_min: String,
    pub(crate) score: u8,
    pub(crate) active_calories: i64,
    pub(crate) average_met_minutes: f64,
    pub(crate) contributors: Contributors,
    pub(crate) equivalent_walking_distance: i64,
    pub(crate) high_activity_met_minutes: i64,
    pub(crate) high_activity_time: i64,
    pub(crate) inactivity_alerts: i64,
    pub(crate) low_activity_met_minutes: i64,
    pub(crate) low_activity_time: i64,
    pub(crate) medium_activity_met_minutes: i64,
    pub(crate) medium_activity_time: i64,
    pub(crate) met: Met,
    pub(crate) meters_to_target: i64,
    pub(crate) non_wear_time: i64,
    pub(crate) resting_time: i64,
    pub(crate) sedentary_met_minutes: i64,
    pub(crate) sedentary_time: i64,
    pub(crate) steps: i64,
    pub(crate) target_calories: i64,
    pub(crate) target_meters: i64,
    pub(crate) total_calories: i64,
    pub(crate) day: NaiveDate,
    pub(crate) timestamp: String,
}

/// The activity day runs from 04:00 local to 04:00 the next day, in 288 five-minute classes
/// (0 non-wear, 1 rest, 2 sedentary, 3 low, 4 medium, 5 high); every time field derives from them.
pub(crate) fn daily(
    rng: &mut Rng,
    tz: FixedOffset,
    day: NaiveDate,
    sleeps: &[SleepDoc],
    workouts: &[Workout],
    info: &PersonalInfo,
) -> DailyActivity {
    let id = uuid_from(rng);
    let start = local(tz, day, 4 * 60);
    let start_ts = start.timestamp();
    let non_wear = rng.bool().then(|| (rng.usize(48..=200), rng.usize(2..=6)));
    let mut classes = Vec::with_capacity(288);
    for slot in 0..288usize {
        let ts = start_ts + slot as i64 * SLOT_SECS;
        let inside = |(from, to): (i64, i64)| from <= ts && ts < to;
        let class = if sleeps.iter().any(|s| inside(s.span())) {
            b'1'
        } else if let Some(w) = workouts.iter().find(|w| inside(w.span())) {
            if w.intensity == "easy" { b'4' } else { b'5' }
        } else if non_wear.is_some_and(|(at, len)| (at..at + len).contains(&slot)) {
            b'0'
        } else {
            match rng.u8(0..100) {
                0..68 => b'2',
                68..94 => b'3',
                _ => b'4',
            }
        };
        classes.push(class);
    }

    let mut met_items = Vec::with_capacity(1440);
    let mut met_minutes = [0.0f64; 6];
    for &class in &classes {
        for _ in 0..5 {
            let met = match class {
                b'0' | b'1' => 0.9,
                b'2' => 1.0 + rng.f64() * 0.4,
                b'3' => 1.6 + rng.f64() * 1.2,
                b'4' => 3.0 + rng.f64() * 2.5,
                _ => 6.0 + rng.f64() * 4.0,
            };
            let met = (met * 10.0).round() / 10.0;
            met_minutes[usize::from(class - b'0')] += met;
            met_items.push(met);
        }
    }
    let time = |c: u8| classes.iter().filter(|&&x| x == c).count() as i64 * SLOT_SECS;
    let minutes = |c: u8| time(c) as f64 / 60.0;
    let steps = (minutes(b'2') * 2.0
        + minutes(b'3') * (20.0 + rng.f64() * 15.0)
        + minutes(b'4') * (70.0 + rng.f64() * 30.0)
        + minutes(b'5') * (120.0 + rng.f64() * 40.0))
        .round()
        .clamp(3000.0, 15000.0) as i64;
    let active_calories = met_items
        .iter()
        .map(|m| (m - 1.0).max(0.0) * info.weight / 60.0)
        .sum::<f64>()
        .round() as i64;
    let sex_term = if info.biological_sex == "female" {
        -161.0
    } else {
        5.0
    };
    let bmr = 10.0 * info.weight + 625.0 * info.height - 5.0 * f64::from(info.age) + sex_term;
    let walking = (steps as f64 * 0.78).round() as i64;
    let target_meters = 6000 + 500 * rng.i64(0..=16);
    let mut contributor = || rng.u8(40..=100);
    DailyActivity {
        id,
        class_5_min: classes.iter().map(|&c| c as char).collect(),
        score: (45 + steps / 300).min(100) as u8,
        active_calories,
        average_met_minutes: (met_items.iter().sum::<f64>() / 1440.0 * 1000.0).round() / 1000.0,
        contributors: Contributors {
            meet_daily_targets: contributor(),
            move_every_hour: contributor(),
            recovery_time: contributor(),
            stay_active: contributor(),
            training_frequency: contributor(),
            training_volume: contributor(),
        },
        equivalent_walking_distance: walking,
        high_activity_met_minutes: met_minutes[5].round() as i64,
        high_activity_time: time(b'5'),
        inactivity_alerts: rng.i64(0..=3),
        low_activity_met_minutes: met_minutes[3].round() as i64,
        low_activity_time: time(b'3'),
        medium_activity_met_minutes: met_minutes[4].round() as i64,
        medium_activity_time: time(b'4'),
        met: Met {
            interval: 60.0,
            items: met_items,
            timestamp: fmt_local(&start),
        },
        meters_to_target: (target_meters - walking).max(0),
        non_wear_time: time(b'0'),
        resting_time: time(b'1'),
        sedentary_met_minutes: met_minutes[2].round() as i64,
        sedentary_time: time(b'2'),
        steps,
        target_calories: 300 + 50 * rng.i64(0..=6),
        target_meters,
        total_calories: (bmr.round() as i64) + active_calories,
        day,
        timestamp: fmt_local(&start),
    }
}
