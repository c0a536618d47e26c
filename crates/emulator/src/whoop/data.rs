//! Emulated WHOOP members and their generated history: a pure function of (seed, user number,
//! now). One main sleep per night starts each physiological cycle; the recovery follows it.

use chrono::{DateTime, Datelike as _, FixedOffset, NaiveDate, TimeDelta, Utc};
use fastrand::Rng;
use serde::Serialize;

use super::WhoopConfig;
use super::records::{self, Cycle, CycleScore, Recovery, Sleep, SleepSpec, local, round, tzd};
use super::workouts::{self, Workout};

/// Per-member physiological baseline.
#[derive(Debug, Clone)]
pub(crate) struct Physio {
    pub(crate) resting_hr: f64,
    pub(crate) hrv: f64,
    pub(crate) breath: f64,
    pub(crate) spo2: f64,
    pub(crate) skin_temp: f64,
}

/// `GET /v2/user/profile/basic`
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Profile {
    pub(crate) user_id: i64,
    pub(crate) email: String,
    pub(crate) first_name: &'static str,
    pub(crate) last_name: &'static str,
}

/// `GET /v2/user/measurement/body`
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Body {
    pub(crate) height_meter: f64,
    pub(crate) weight_kilogram: f64,
    pub(crate) max_heart_rate: i64,
}

/// One emulated WHOOP member.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) number: u64,
    pub(crate) created_day: NaiveDate,
    pub(crate) tz: FixedOffset,
    pub(crate) profile: Profile,
    pub(crate) body: Body,
    pub(crate) physio: Physio,
    pub(crate) cycles: Vec<Cycle>,
    pub(crate) sleeps: Vec<Sleep>,
    pub(crate) recoveries: Vec<Recovery>,
    pub(crate) workouts: Vec<Workout>,
    /// Whether the member has a live grant for our app (WHOOP only sends webhooks then).
    pub(crate) connected: bool,
    /// Continues the member's deterministic stream for records created later.
    pub(crate) rng: Rng,
}

const FIRST: [&str; 8] = [
    "Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Greta", "Hiro",
];
const LAST: [&str; 8] = [
    "Smith", "Okafor", "Novak", "Tanaka", "Silva", "Berg", "Khan", "Rossi",
];

/// Generates member `number` (1-based) with `history_days` nights ending at `now`.
pub(crate) fn generate_user(
    seed: u64,
    number: u64,
    now: DateTime<Utc>,
    config: &WhoopConfig,
    tz: FixedOffset,
) -> User {
    let created_day = now.with_timezone(&tz).date_naive();
    let day_number = u64::try_from(created_day.num_days_from_ce()).unwrap_or_default();
    let mut rng = Rng::with_seed(mix(&[seed, number, day_number]));
    let user_id = i64::try_from(number).unwrap_or(0) * 100_000 + rng.i64(10_000..99_999);
    let female = rng.bool();
    let height = if female { 1.55 } else { 1.68 } + rng.f64() * 0.25;
    let age = rng.i64(20..=65);
    let profile = Profile {
        user_id,
        email: format!("user{number}@example.com"),
        first_name: FIRST[rng.usize(0..FIRST.len())],
        last_name: LAST[rng.usize(0..LAST.len())],
    };
    let body = Body {
        height_meter: round(height, 4),
        weight_kilogram: round((rng.f64() * 9.0 + 20.0) * height * height, 4),
        max_heart_rate: 208 - (7 * age) / 10,
    };
    let physio = Physio {
        resting_hr: rng.f64() * 12.0 + 48.0,
        hrv: rng.f64() * 60.0 + 35.0,
        breath: rng.f64() * 3.5 + 13.5,
        spo2: rng.f64() * 2.0 + 95.5,
        skin_temp: rng.f64() + 33.0,
    };
    let mut user = User {
        number,
        created_day,
        tz,
        profile,
        body,
        physio,
        cycles: Vec::new(),
        sleeps: Vec::new(),
        recoveries: Vec::new(),
        workouts: Vec::new(),
        connected: false,
        rng,
    };
    user.generate_history(config.history_days.max(1), now);
    user
}

impl User {
    fn generate_history(&mut self, days: u32, now: DateTime<Utc>) {
        let tz = self.tz;
        let first = self.created_day - TimeDelta::days(i64::from(days) - 1);
        let mut nights = Vec::new();
        for (i, day) in first.iter_days().take(days as usize).enumerate() {
            // Asleep between 22:00 and 00:30 the evening before, for 6.5 to 8.75 hours.
            let start = local(tz, day - TimeDelta::days(1), 22 * 60 + self.rng.i64(0..150));
            let spec = SleepSpec {
                id: uuid_from(&mut self.rng),
                cycle_id: self.profile.user_id * 10_000 + i as i64 + 1,
                user_id: self.profile.user_id,
                start,
                minutes: self.rng.i64(390..525),
                tz,
                nap: false,
                physio: &self.physio,
            };
            let night = records::sleep(&mut self.rng, spec);
            if night.created_at <= now {
                nights.push(night);
            }
        }
        for (i, night) in nights.iter().enumerate() {
            let next_start = nights.get(i + 1).map(|n| n.start);
            let awake_until = next_start.unwrap_or(now).min(now);
            let day = night.end.with_timezone(&tz).date_naive();
            if self.rng.u8(0..100) < 65 {
                let start = if self.rng.bool() {
                    night.end + TimeDelta::minutes(self.rng.i64(60..120))
                } else {
                    local(tz, day, 17 * 60 + self.rng.i64(0..150))
                };
                let minutes = self.rng.i64(25..95);
                if start + TimeDelta::minutes(minutes + 30) <= awake_until {
                    let id = uuid_from(&mut self.rng);
                    let max_hr = self.body.max_heart_rate;
                    let (uid, rng) = (self.profile.user_id, &mut self.rng);
                    let w = workouts::workout(rng, id, uid, start, minutes, tz, max_hr);
                    self.workouts.push(w);
                }
            }
            if self.rng.u8(0..100) < 12 {
                let start = local(tz, day, 14 * 60 + self.rng.i64(0..60));
                let minutes = self.rng.i64(20..50);
                let end = start + TimeDelta::minutes(minutes);
                if end <= awake_until && self.is_free(start, end) {
                    let nap = self.nap(start, minutes, night.cycle_id);
                    self.sleeps.push(nap);
                }
            }
            let recovery = records::recovery(&mut self.rng, night, &self.physio);
            self.recoveries.push(recovery);
            let cycle = self.cycle(night, next_start, now);
            self.cycles.push(cycle);
        }
        self.sleeps.extend(nights);
    }

    fn nap(&mut self, start: DateTime<Utc>, minutes: i64, cycle_id: i64) -> Sleep {
        let spec = SleepSpec {
            id: uuid_from(&mut self.rng),
            cycle_id,
            user_id: self.profile.user_id,
            start,
            minutes,
            tz: self.tz,
            nap: true,
            physio: &self.physio,
        };
        records::sleep(&mut self.rng, spec)
    }

    /// The cycle a main sleep starts; it ends when the next one starts (`None`: current).
    fn cycle(&mut self, night: &Sleep, end: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Cycle {
        let mut cycle = Cycle {
            id: night.cycle_id,
            user_id: self.profile.user_id,
            created_at: night.start + TimeDelta::seconds(self.rng.i64(30..600)),
            updated_at: end.unwrap_or(now),
            start: night.start,
            end,
            timezone_offset: tzd(self.tz),
            score_state: "SCORED",
            score: None,
        };
        self.score_cycle(&mut cycle, now);
        cycle
    }

    /// Strain, energy and heart rate over the cycle so far, workouts included.
    fn score_cycle(&mut self, cycle: &mut Cycle, now: DateTime<Utc>) {
        let until = cycle.end.unwrap_or(now);
        let hours = ((until - cycle.start).num_seconds().max(0) as f64) / 3600.0;
        let inside: Vec<&Workout> = self
            .workouts
            .iter()
            .filter(|w| w.start >= cycle.start && w.start < until)
            .collect();
        let rest_kj_per_hour = self.body.weight_kilogram * 1.2 * 4.184;
        let kilojoule =
            rest_kj_per_hour * hours + inside.iter().map(|w| w.kilojoule()).sum::<f64>();
        let strain = 2.0 + hours / 8.0 + inside.iter().map(|w| w.strain() * 0.6).sum::<f64>();
        let workout_max = inside.iter().map(|w| w.max_heart_rate()).max().unwrap_or(0);
        cycle.score = Some(CycleScore {
            strain: round(strain.min(21.0) + self.rng.f64(), 7),
            kilojoule: round(kilojoule, 3),
            average_heart_rate: (self.physio.resting_hr + 12.0 + self.rng.f64() * 8.0).round()
                as i64,
            max_heart_rate: workout_max.max(self.rng.i64(105..140)),
        });
    }

    /// Whether `[start, end)` overlaps no sleep or workout.
    pub(crate) fn is_free(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        self.busy_until(start, end).is_none()
    }

    /// The start of the earliest sleep or workout overlapping `[start, end)`.
    fn busy_until(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let spans = self.sleeps.iter().map(|s| (s.start, s.end));
        let spans = spans.chain(self.workouts.iter().map(|w| (w.start, w.end)));
        spans
            .filter(|&(s, e)| s < end && start < e)
            .map(|(s, _)| s)
            .min()
    }

    /// The latest `minutes`-long free slot ending at or before `now`.
    fn free_slot(&self, now: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
        let mut end = now;
        loop {
            let start = end - TimeDelta::minutes(minutes);
            match self.busy_until(start, end) {
                Some(busy) => end = busy - TimeDelta::minutes(10),
                None => return start,
            }
        }
    }

    /// The cycle that contains `t` (the latest one starting at or before it).
    fn cycle_at(&self, t: DateTime<Utc>) -> Option<usize> {
        self.cycles
            .iter()
            .enumerate()
            .filter(|(_, c)| c.start <= t)
            .max_by_key(|(_, c)| c.start)
            .map(|(i, _)| i)
    }

    /// A nap that just ended.
    pub(crate) fn add_nap(&mut self, now: DateTime<Utc>) -> Sleep {
        let minutes = self.rng.i64(20..50);
        let start = self.free_slot(now, minutes);
        let cycle_id = self
            .cycle_at(start)
            .and_then(|i| self.cycles.get(i))
            .map_or(0, |c| c.id);
        let mut nap = self.nap(start, minutes, cycle_id);
        nap.created_at = now;
        nap.updated_at = now;
        self.sleeps.push(nap.clone());
        nap
    }

    /// A workout that just ended; its cycle is re-scored.
    pub(crate) fn add_workout(&mut self, now: DateTime<Utc>) -> Workout {
        let minutes = self.rng.i64(25..75);
        let start = self.free_slot(now, minutes);
        let id = uuid_from(&mut self.rng);
        let (uid, tz, max_hr) = (self.profile.user_id, self.tz, self.body.max_heart_rate);
        let mut workout = workouts::workout(&mut self.rng, id, uid, start, minutes, tz, max_hr);
        workout.created_at = now;
        workout.updated_at = now;
        self.workouts.push(workout.clone());
        if let Some(index) = self.cycle_at(start) {
            let mut cycle = self.cycles[index].clone();
            self.score_cycle(&mut cycle, now);
            cycle.updated_at = now;
            self.cycles[index] = cycle;
        }
        workout
    }

    /// Re-scores the latest recovery.
    pub(crate) fn rescore_recovery(&mut self, now: DateTime<Utc>) -> Option<Recovery> {
        let index = (0..self.recoveries.len()).max_by_key(|&i| self.recoveries[i].created_at)?;
        let mut recovery = self.recoveries[index].clone();
        recovery.rescore(&mut self.rng, &self.physio, now);
        self.recoveries[index] = recovery.clone();
        Some(recovery)
    }

    /// The start of the sleep a recovery belongs to (recoveries sort and filter by it).
    pub(crate) fn sleep_span(&self, sleep_id: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.sleeps
            .iter()
            .find(|s| s.id == sleep_id)
            .map(|s| (s.start, s.end))
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
mod tests;
