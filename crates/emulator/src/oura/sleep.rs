//! Sleep documents: a phase string drives every derived field, so revisions stay consistent.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};
use fastrand::Rng;
use serde::Serialize;

use super::data::{Physio, uuid_from};
use super::time::{fmt_local_millis, local, ser_local};

/// Seconds per phase character.
pub(crate) const SLOT_SECS: i64 = 300;

const DEEP: u8 = b'1';
const LIGHT: u8 = b'2';
const REM: u8 = b'3';
const AWAKE: u8 = b'4';

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SleepType {
    LongSleep,
    LateNap,
}

/// `{"interval":300.0,"items":[..],"timestamp":".."}`
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Series {
    pub(crate) interval: f64,
    pub(crate) items: Vec<Option<f64>>,
    pub(crate) timestamp: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SleepDoc {
    pub(crate) id: String,
    pub(crate) day: NaiveDate,
    #[serde(rename = "type")]
    pub(crate) kind: SleepType,
    pub(crate) period: u32,
    #[serde(serialize_with = "ser_local")]
    pub(crate) bedtime_start: DateTime<FixedOffset>,
    #[serde(serialize_with = "ser_local")]
    pub(crate) bedtime_end: DateTime<FixedOffset>,
    pub(crate) time_in_bed: i64,
    pub(crate) total_sleep_duration: i64,
    pub(crate) deep_sleep_duration: i64,
    pub(crate) light_sleep_duration: i64,
    pub(crate) rem_sleep_duration: i64,
    pub(crate) awake_time: i64,
    pub(crate) latency: i64,
    pub(crate) efficiency: i64,
    pub(crate) average_heart_rate: f64,
    pub(crate) lowest_heart_rate: i64,
    pub(crate) average_hrv: i64,
    pub(crate) average_breath: f64,
    pub(crate) heart_rate: Series,
    pub(crate) hrv: Series,
    pub(crate) sleep_phase_5_min: String,
    pub(crate) sleep_phase_30_sec: String,
    pub(crate) readiness_score_delta: f64,
    pub(crate) sleep_score_delta: f64,
    pub(crate) restless_periods: i64,
    pub(crate) low_battery_alert: bool,
}

impl SleepDoc {
    /// Unix seconds of bedtime start and end.
    pub(crate) fn span(&self) -> (i64, i64) {
        (self.bedtime_start.timestamp(), self.bedtime_end.timestamp())
    }

    /// Recomputes every field derived from the phase string and the per-slot items.
    fn finalize(&mut self) {
        let phases = self.sleep_phase_5_min.as_bytes();
        let count = |c: u8| phases.iter().filter(|&&p| p == c).count() as i64 * SLOT_SECS;
        self.sleep_phase_30_sec = phases
            .iter()
            .flat_map(|&p| std::iter::repeat_n(p as char, 10))
            .collect();
        self.deep_sleep_duration = count(DEEP);
        self.light_sleep_duration = count(LIGHT);
        self.rem_sleep_duration = count(REM);
        self.awake_time = count(AWAKE);
        self.total_sleep_duration =
            self.deep_sleep_duration + self.light_sleep_duration + self.rem_sleep_duration;
        self.time_in_bed = phases.len() as i64 * SLOT_SECS;
        self.bedtime_end = self.bedtime_start + TimeDelta::seconds(self.time_in_bed);
        self.day = self.bedtime_end.date_naive();
        self.latency = phases.iter().take_while(|&&p| p == AWAKE).count() as i64 * SLOT_SECS;
        self.efficiency = if self.time_in_bed > 0 {
            (100.0 * self.total_sleep_duration as f64 / self.time_in_bed as f64).round() as i64
        } else {
            0
        };
        let hr: Vec<f64> = self.heart_rate.items.iter().flatten().copied().collect();
        self.average_heart_rate = round_to(mean(&hr), 1000.0);
        self.lowest_heart_rate = hr.iter().copied().fold(f64::INFINITY, f64::min).floor() as i64;
        let hrv: Vec<f64> = self.hrv.items.iter().flatten().copied().collect();
        self.average_hrv = mean(&hrv).round() as i64;
        let stamp = fmt_local_millis(&self.bedtime_start);
        self.heart_rate.timestamp.clone_from(&stamp);
        self.hrv.timestamp = stamp;
    }

    /// Re-processing of a night: 15 more minutes of light sleep before the final wake-up.
    pub(crate) fn revise(&mut self, rng: &mut Rng) {
        let at = self.sleep_phase_5_min.trim_end_matches(AWAKE as char).len();
        let neighbour = |items: &[Option<f64>]| {
            items[..at]
                .iter()
                .rev()
                .flatten()
                .next()
                .copied()
                .unwrap_or(55.0)
        };
        let hr = neighbour(&self.heart_rate.items);
        let hrv = neighbour(&self.hrv.items);
        for _ in 0..3 {
            self.sleep_phase_5_min.insert(at, LIGHT as char);
            let bpm = (hr + rng.i32(-1..=1) as f64).clamp(45.0, 65.0);
            self.heart_rate.items.insert(at, Some(bpm));
            let ms = (hrv + rng.i32(-3..=3) as f64).clamp(10.0, 130.0);
            self.hrv.items.insert(at, Some(ms));
        }
        self.finalize();
    }
}

/// The main sleep of the night ending on local `day`.
pub(crate) fn long_sleep(
    rng: &mut Rng,
    tz: FixedOffset,
    day: NaiveDate,
    physio: &Physio,
) -> SleepDoc {
    let id = uuid_from(rng);
    let start_minutes = 22 * 60 + 5 * rng.i64(0..=30);
    let start = local(tz, day - TimeDelta::days(1), start_minutes);
    let slots = rng.usize(72..=108);
    let phases = night_phases(rng, slots);
    build(rng, id, SleepType::LongSleep, start, phases, physio)
}

/// A nap of 20–90 minutes starting at `start`.
pub(crate) fn late_nap(rng: &mut Rng, start: DateTime<FixedOffset>, physio: &Physio) -> SleepDoc {
    let id = uuid_from(rng);
    let slots = rng.usize(4..=18);
    let mut phases = vec![AWAKE];
    for i in 1..slots - 1 {
        let deep = slots >= 10 && (slots / 2..slots / 2 + 2).contains(&i);
        phases.push(if deep { DEEP } else { LIGHT });
    }
    phases.push(AWAKE);
    build(rng, id, SleepType::LateNap, start, phases, physio)
}

/// Awake at both ends, ~90-minute cycles, deep sleep front-loaded and REM growing towards morning.
fn night_phases(rng: &mut Rng, slots: usize) -> Vec<u8> {
    let lead = rng.usize(1..=4);
    let tail = rng.usize(1..=3);
    let body_end = slots - tail;
    let mut phases = vec![AWAKE; lead];
    let mut cycle = 0;
    while phases.len() < body_end {
        let len = rng.usize(16..=20);
        let (deep, rem) = match cycle {
            0 => (rng.usize(5..=7), rng.usize(1..=2)),
            1 => (rng.usize(3..=5), rng.usize(2..=4)),
            2 => (rng.usize(1..=3), rng.usize(3..=5)),
            _ => (rng.usize(0..=1), rng.usize(4..=7)),
        };
        let wake = usize::from(cycle > 0 && rng.u8(0..10) < 3);
        let light = len.saturating_sub(deep + rem + wake).max(2);
        let light_first = rng.usize(1..light);
        let runs = [
            (LIGHT, light_first),
            (DEEP, deep),
            (LIGHT, light - light_first),
            (REM, rem),
            (AWAKE, wake),
        ];
        for (phase, n) in runs {
            phases.extend(std::iter::repeat_n(phase, n));
        }
        cycle += 1;
    }
    phases.truncate(body_end);
    phases.extend(std::iter::repeat_n(AWAKE, tail));
    phases
}

fn build(
    rng: &mut Rng,
    id: String,
    kind: SleepType,
    start: DateTime<FixedOffset>,
    phases: Vec<u8>,
    physio: &Physio,
) -> SleepDoc {
    let base_hr = physio.resting_hr + rng.f64() * 3.0 - 1.5;
    let base_hrv = physio.hrv + rng.f64() * 10.0 - 5.0;
    let n = phases.len();
    let mut heart_rate = Vec::with_capacity(n);
    let mut hrv = Vec::with_capacity(n);
    for (i, &phase) in phases.iter().enumerate() {
        let x = 2.0 * i as f64 / n.max(1) as f64 - 1.0;
        let dip = -2.0 * (1.0 - x * x);
        let (hr_adj, hrv_adj) = match phase {
            DEEP => (-3.0, 10.0),
            REM => (2.0, -5.0),
            AWAKE => (7.0, -8.0),
            _ => (0.0, 0.0),
        };
        let bpm = (base_hr + hr_adj + dip + rng.f64() * 4.0 - 2.0)
            .round()
            .clamp(45.0, 65.0);
        let ms = (base_hrv + hrv_adj + rng.f64() * 12.0 - 6.0)
            .round()
            .clamp(10.0, 130.0);
        heart_rate.push((i == 0 || rng.u8(0..100) >= 3).then_some(bpm));
        hrv.push((i == 0 || rng.u8(0..100) >= 4).then_some(ms));
    }
    let series = |items| Series {
        interval: SLOT_SECS as f64,
        items,
        timestamp: String::new(),
    };
    let mut doc = SleepDoc {
        id,
        day: start.date_naive(),
        kind,
        period: 0,
        bedtime_start: start,
        bedtime_end: start,
        time_in_bed: 0,
        total_sleep_duration: 0,
        deep_sleep_duration: 0,
        light_sleep_duration: 0,
        rem_sleep_duration: 0,
        awake_time: 0,
        latency: 0,
        efficiency: 0,
        average_heart_rate: 0.0,
        lowest_heart_rate: 0,
        average_hrv: 0,
        average_breath: round_to(physio.breath + rng.f64() - 0.5, 8.0).clamp(12.0, 18.0),
        heart_rate: series(heart_rate),
        hrv: series(hrv),
        sleep_phase_5_min: phases.iter().map(|&p| p as char).collect(),
        sleep_phase_30_sec: String::new(),
        readiness_score_delta: f64::from(rng.i8(-2..=2)),
        sleep_score_delta: f64::from(rng.i8(-2..=2)),
        restless_periods: if kind == SleepType::LongSleep {
            rng.i64(5..=35)
        } else {
            rng.i64(0..=4)
        },
        low_battery_alert: false,
    };
    doc.finalize();
    doc
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

fn round_to(value: f64, steps: f64) -> f64 {
    (value * steps).round() / steps
}
