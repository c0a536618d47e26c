//! Emulated users and their generated history: a pure function of (seed, user number, today and
//! the local time of creation).

use chrono::{
    Datelike as _, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike as _,
};
use fastrand::Rng;

use super::FitbitConfig;
use super::gen_activity::{self, ActivityLog};
use super::gen_sleep::{self, SleepLog};

#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub(crate) display_name: String,
    pub(crate) age: u32,
    pub(crate) female: bool,
    pub(crate) date_of_birth: NaiveDate,
    pub(crate) height_cm: f64,
    pub(crate) weight_kg: f64,
    pub(crate) stride_walking_cm: f64,
}

/// Per-user physiological baseline.
#[derive(Debug, Clone)]
pub(crate) struct Physio {
    pub(crate) resting_hr: f64,
    pub(crate) rmssd: f64,
    pub(crate) breathing: f64,
    pub(crate) spo2: f64,
    pub(crate) vo2: f64,
    pub(crate) fat_pct: f64,
}

/// What the nightly endpoints report for the night ending on a day.
#[derive(Debug, Clone)]
pub(crate) struct Night {
    pub(crate) daily_rmssd: f64,
    pub(crate) deep_rmssd: f64,
    /// `(avg, min, max)` percent.
    pub(crate) spo2: (f64, f64, f64),
    pub(crate) breathing_rate: f64,
    /// °C from the personal baseline.
    pub(crate) skin_relative: f64,
}

/// The daily summary of one local day.
#[derive(Debug, Clone)]
pub(crate) struct Day {
    pub(crate) date: NaiveDate,
    pub(crate) steps: u32,
    pub(crate) distance_km: f64,
    pub(crate) floors: u32,
    pub(crate) calories_bmr: u32,
    pub(crate) activity_calories: u32,
    pub(crate) sedentary: u32,
    pub(crate) lightly: u32,
    pub(crate) fairly: u32,
    pub(crate) very: u32,
    pub(crate) resting_hr: u32,
    /// VO2 max range (`"39-43"`).
    pub(crate) vo2: (u32, u32),
    pub(crate) night: Option<Night>,
    pub(crate) hr_seed: u64,
}

impl Day {
    pub(crate) fn add_workout(&mut self, w: &ActivityLog) {
        self.steps += w.steps;
        self.activity_calories += w.calories;
        if let Some(km) = w.distance_km.filter(|_| w.steps > 0) {
            self.distance_km += km;
        }
        let minutes = w.minutes();
        if w.is_vigorous() {
            self.very += minutes;
        } else {
            self.fairly += minutes;
        }
        self.sedentary = self.sedentary.saturating_sub(minutes);
    }
}

/// A weight log, with a body fat reading when the scale measured one.
#[derive(Debug, Clone)]
pub(crate) struct BodyLog {
    pub(crate) log_id: u64,
    pub(crate) date: NaiveDate,
    pub(crate) time: NaiveTime,
    pub(crate) weight_kg: f64,
    pub(crate) bmi: f64,
    pub(crate) fat_pct: Option<f64>,
    pub(crate) source: &'static str,
}

pub(crate) struct User {
    /// Fitbit's encoded user id (`26FWFL`).
    pub(crate) id: String,
    pub(crate) number: u64,
    pub(crate) created_day: NaiveDate,
    pub(crate) profile: Profile,
    pub(crate) physio: Physio,
    pub(crate) days: Vec<Day>,
    pub(crate) sleeps: Vec<SleepLog>,
    pub(crate) activities: Vec<ActivityLog>,
    pub(crate) body: Vec<BodyLog>,
    pub(crate) rng: Rng,
    next_log_id: u64,
}

impl User {
    pub(crate) fn next_log_id(&mut self) -> u64 {
        self.next_log_id += 1 + self.rng.u64(0..5_000);
        self.next_log_id
    }

    pub(crate) fn day(&self, date: NaiveDate) -> Option<&Day> {
        self.days.iter().find(|d| d.date == date)
    }

    pub(crate) fn day_mut(&mut self, date: NaiveDate) -> Option<&mut Day> {
        self.days.iter_mut().find(|d| d.date == date)
    }

    /// The metrics of a night (HRV, SpO2, ...) around the user's baseline.
    pub(crate) fn night_metrics(&mut self) -> Night {
        let rng = &mut self.rng;
        let p = &self.physio;
        let daily = (p.rmssd + rng.f64() * 16.0 - 8.0).max(12.0);
        let avg = (p.spo2 + rng.f64() * 1.6 - 0.8).clamp(93.0, 99.5);
        Night {
            daily_rmssd: round(daily, 3),
            deep_rmssd: round(daily * (0.85 + rng.f64() * 0.2), 3),
            spo2: (
                round(avg, 1),
                round(avg - 2.0 - rng.f64() * 2.5, 1),
                round((avg + 1.0 + rng.f64() * 1.5).min(100.0), 1),
            ),
            breathing_rate: round(p.breathing + rng.f64() * 2.0 - 1.0, 1),
            skin_relative: round(rng.f64() * 1.2 - 0.6, 1),
        }
    }

    /// A weight log at `at` (local), with a fat reading 60% of the time (an Aria scale).
    pub(crate) fn weigh_in(&mut self, at: NaiveDateTime, tz: FixedOffset) -> BodyLog {
        let weight = round(self.profile.weight_kg + self.rng.f64() * 1.6 - 0.8, 1);
        let height_m = self.profile.height_cm / 100.0;
        let aria = self.rng.u8(0..10) < 6;
        let utc_ms = (at - TimeDelta::seconds(i64::from(tz.local_minus_utc())))
            .and_utc()
            .timestamp_millis();
        BodyLog {
            log_id: u64::try_from(utc_ms).unwrap_or_default(),
            date: at.date(),
            time: at.time(),
            weight_kg: weight,
            bmi: round(weight / (height_m * height_m), 2),
            fat_pct: aria.then(|| round(self.physio.fat_pct + self.rng.f64() * 1.0 - 0.5, 1)),
            source: if aria { "Aria" } else { "API" },
        }
    }
}

pub(crate) fn round(v: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (v * scale).round() / scale
}

/// A user with `history_days` of data ending today; nothing ends after `now` (local).
pub(crate) fn generate_user(
    seed: u64,
    number: u64,
    today: NaiveDate,
    config: &FitbitConfig,
    now: NaiveDateTime,
    tz: FixedOffset,
) -> User {
    let day_number = u64::try_from(today.num_days_from_ce()).unwrap_or_default();
    let mut rng = Rng::with_seed(mix(&[seed, number, day_number]));
    let id = encoded_id(&mut rng);
    let female = rng.bool();
    let height_cm = round(
        if female {
            155.0 + rng.f64() * 25.0
        } else {
            168.0 + rng.f64() * 25.0
        },
        1,
    );
    let bmi = rng.f64() * 8.0 + 20.5;
    let age = rng.u32(20..=70);
    let profile = Profile {
        display_name: format!("User {number}"),
        age,
        female,
        date_of_birth: NaiveDate::from_ymd_opt(
            today.year() - age as i32,
            1 + rng.u32(0..12),
            1 + rng.u32(0..28),
        )
        .unwrap_or(today),
        height_cm,
        weight_kg: round(bmi * (height_cm / 100.0).powi(2), 1),
        stride_walking_cm: round(height_cm * 0.415, 1),
    };
    let physio = Physio {
        resting_hr: rng.f64() * 14.0 + 50.0,
        rmssd: rng.f64() * 40.0 + 22.0,
        breathing: rng.f64() * 3.5 + 13.0,
        spo2: rng.f64() * 2.5 + 95.5,
        vo2: rng.f64() * 18.0 + 32.0,
        fat_pct: if female {
            22.0 + rng.f64() * 10.0
        } else {
            13.0 + rng.f64() * 10.0
        },
    };
    let mut user = User {
        id,
        number,
        created_day: today,
        profile,
        physio,
        days: Vec::new(),
        sleeps: Vec::new(),
        activities: Vec::new(),
        body: Vec::new(),
        rng,
        next_log_id: 40_000_000_000 + number * 100_000_000,
    };
    let history = i64::from(config.history_days.max(1));
    for back in (0..history).rev() {
        let date = today - TimeDelta::days(back);
        generate_day(&mut user, date, now, tz);
    }
    user
}

fn generate_day(user: &mut User, date: NaiveDate, now: NaiveDateTime, tz: FixedOffset) {
    let log_id = user.next_log_id();
    let night = gen_sleep::main_sleep(&mut user.rng, date, log_id);
    let slept = night.end() <= now;
    let asleep_minutes = if slept {
        u32::try_from(night.minutes_asleep()).unwrap_or(0)
    } else {
        0
    };
    if slept {
        user.sleeps.push(night);
    }
    if user.rng.u8(0..10) == 0 {
        let start = date.and_hms_opt(14, 0, 0).unwrap_or_default()
            + TimeDelta::minutes(i64::from(user.rng.u32(0..90)));
        let log_id = user.next_log_id();
        let nap = gen_sleep::nap(&mut user.rng, start, log_id);
        if nap.end() <= now {
            user.sleeps.push(nap);
        }
    }
    let mut workouts = Vec::new();
    if user.rng.u8(0..100) < 55 {
        let start = date.and_hms_opt(6, 30, 0).unwrap_or_default()
            + TimeDelta::minutes(i64::from(user.rng.u32(0..(12 * 60))));
        let log_id = user.next_log_id();
        let w = gen_activity::workout(
            &mut user.rng,
            start,
            log_id,
            user.physio.resting_hr,
            user.profile.age,
        );
        if w.end() <= now {
            workouts.push(w);
        }
    }
    if user.rng.u8(0..10) < 4 {
        let at = date.and_hms_opt(7, 0, 0).unwrap_or_default()
            + TimeDelta::minutes(i64::from(user.rng.u32(0..60)));
        if at <= now {
            let log = user.weigh_in(at, tz);
            user.body.push(log);
        }
    }
    // Today only counts the part of the day that has passed.
    let elapsed = if date == now.date() {
        f64::from(now.time().num_seconds_from_midnight()) / 86_400.0
    } else {
        1.0
    };
    let rng = &mut user.rng;
    let steps = ((3_500.0 + rng.f64() * 6_000.0) * elapsed) as u32;
    let lightly = ((150.0 + rng.f64() * 130.0) * elapsed) as u32;
    let fairly = ((rng.f64() * 20.0) * elapsed) as u32;
    let very = ((rng.f64() * 10.0) * elapsed) as u32;
    let awake_minutes = ((1_440.0 * elapsed) as u32).saturating_sub(asleep_minutes);
    let p = &user.physio;
    let vo2_low = (p.vo2 + rng.f64() * 2.0 - 1.0).round() as u32;
    let mut day = Day {
        date,
        steps,
        distance_km: round(
            f64::from(steps) * user.profile.stride_walking_cm / 100_000.0,
            2,
        ),
        floors: ((rng.f64() * 18.0 + 2.0) * elapsed) as u32,
        calories_bmr: ((user.profile.weight_kg * 22.0 + 100.0) * elapsed) as u32,
        activity_calories: (f64::from(lightly) * 2.6
            + f64::from(fairly) * 5.0
            + f64::from(very) * 8.5) as u32,
        sedentary: awake_minutes.saturating_sub(lightly + fairly + very),
        lightly,
        fairly,
        very,
        resting_hr: (p.resting_hr + rng.f64() * 4.0 - 2.0).round() as u32,
        vo2: (vo2_low, vo2_low + 4),
        night: None,
        hr_seed: rng.u64(..),
    };
    if slept {
        day.night = Some(user.night_metrics());
    }
    for w in &workouts {
        day.add_workout(w);
    }
    user.activities.extend(workouts);
    user.days.push(day);
}

/// A six-character id of digits and capitals, starting with a digit (`26FWFL`).
fn encoded_id(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut id = String::with_capacity(6);
    id.push(char::from(b'1' + rng.u8(0..9)));
    for _ in 0..5 {
        id.push(char::from(ALPHABET[rng.usize(0..ALPHABET.len())]));
    }
    id
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
mod tests;
