//! Nights: a minute-aligned hypnogram drives the sleep document's stage totals, and the same night
//! yields Nightly Recharge, skin temperature and heart-rate samples.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, SecondsFormat, TimeDelta};
use fastrand::Rng;
use serde_json::{Map, Value, json};

use super::data::Physio;

pub(crate) const WAKE: u8 = 0;
pub(crate) const REM: u8 = 1;
pub(crate) const LIGHTER: u8 = 2;
pub(crate) const LIGHT: u8 = 3;
pub(crate) const DEEP: u8 = 4;
pub(crate) const UNKNOWN: u8 = 5;

/// Nightly Recharge: averages over ~4 h from 30 min after falling asleep, and 5-min samples.
#[derive(Debug, Clone)]
pub(crate) struct Recharge {
    pub(crate) heart_rate_avg: u8,
    pub(crate) hrv_avg: u8,
    pub(crate) breathing_avg: f64,
    pub(crate) status: u8,
    pub(crate) ans_charge: f64,
    pub(crate) ans_charge_status: u8,
    /// (minutes after sleep start, RMSSD ms).
    pub(crate) hrv: Vec<(i64, u8)>,
    /// (minutes after sleep start, breaths per minute).
    pub(crate) breathing: Vec<(i64, f64)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Night {
    /// The date the night ends on (Polar's key).
    pub(crate) date: NaiveDate,
    pub(crate) start: DateTime<FixedOffset>,
    pub(crate) end: DateTime<FixedOffset>,
    /// Stage changes: (minutes after start, hypnogram code).
    pub(crate) changes: Vec<(i64, u8)>,
    /// (minutes after start, bpm) every 5 minutes.
    pub(crate) heart_rate: Vec<(i64, u8)>,
    pub(crate) sleep_score: u8,
    pub(crate) sleep_charge: u8,
    pub(crate) continuity: f64,
    pub(crate) recharge: Recharge,
    pub(crate) skin_temperature: f64,
    pub(crate) skin_deviation: f64,
}

/// Seconds per stage code over the whole night.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub(crate) wake: i64,
    pub(crate) rem: i64,
    pub(crate) light: i64,
    pub(crate) deep: i64,
    pub(crate) unknown: i64,
}

impl Night {
    pub(crate) fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }

    /// Unix seconds of start and end.
    pub(crate) fn span(&self) -> (i64, i64) {
        (self.start.timestamp(), self.end.timestamp())
    }

    pub(crate) fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for (i, &(at, code)) in self.changes.iter().enumerate() {
            let until = self
                .changes
                .get(i + 1)
                .map_or(self.minutes(), |(next, _)| *next);
            let seconds = (until - at) * 60;
            match code {
                WAKE => totals.wake += seconds,
                REM => totals.rem += seconds,
                LIGHTER | LIGHT => totals.light += seconds,
                DEEP => totals.deep += seconds,
                _ => totals.unknown += seconds,
            }
        }
        totals
    }

    fn clock(&self, minutes: i64) -> String {
        (self.start + TimeDelta::minutes(minutes))
            .format("%H:%M")
            .to_string()
    }

    fn clock_map<T: Into<Value> + Copy>(&self, items: &[(i64, T)]) -> Map<String, Value> {
        items
            .iter()
            .map(|&(at, v)| (self.clock(at), v.into()))
            .collect()
    }

    /// `GET /v3/users/sleep/{date}`.
    pub(crate) fn sleep_json(&self, polar_user: &str, device_id: &str) -> Value {
        let t = self.totals();
        let cycles = self.changes.iter().filter(|(_, c)| *c == REM).count();
        json!({
            "polar_user": polar_user,
            "date": self.date.to_string(),
            "sleep_start_time": rfc3339(&self.start),
            "sleep_end_time": rfc3339(&self.end),
            "device_id": device_id,
            "continuity": self.continuity,
            "continuity_class": (self.continuity.round() as i64).clamp(1, 5),
            "light_sleep": t.light,
            "deep_sleep": t.deep,
            "rem_sleep": t.rem,
            "unrecognized_sleep_stage": t.unknown,
            "sleep_score": self.sleep_score,
            "total_interruption_duration": t.wake,
            "sleep_charge": self.sleep_charge,
            "sleep_goal": 28_800,
            "sleep_rating": 0,
            "short_interruption_duration": t.wake.min(300),
            "long_interruption_duration": (t.wake - 300).max(0),
            "sleep_cycles": cycles,
            "group_duration_score": f64::from(self.sleep_score).min(100.0),
            "group_solidity_score": (self.continuity * 20.0).round(),
            "group_regeneration_score": (100.0 * (t.deep + t.rem) as f64 / (t.light + t.deep + t.rem).max(1) as f64).round(),
            "hypnogram": self.clock_map(&self.changes),
            "heart_rate_samples": self.clock_map(&self.heart_rate),
        })
    }

    /// One item of `GET /v3/users/sleep/available`.
    pub(crate) fn available_json(&self) -> Value {
        json!({
            "date": self.date.to_string(),
            "start_time": rfc3339(&self.start),
            "end_time": rfc3339(&self.end),
        })
    }

    /// `GET /v3/users/nightly-recharge/{date}`.
    pub(crate) fn recharge_json(&self, polar_user: &str) -> Value {
        let r = &self.recharge;
        json!({
            "polar_user": polar_user,
            "date": self.date.to_string(),
            "heart_rate_avg": r.heart_rate_avg,
            "beat_to_beat_avg": (60_000.0 / f64::from(r.heart_rate_avg.max(1))).round(),
            "heart_rate_variability_avg": r.hrv_avg,
            "breathing_rate_avg": r.breathing_avg,
            "nightly_recharge_status": r.status,
            "ans_charge": r.ans_charge,
            "ans_charge_status": r.ans_charge_status,
            "hrv_samples": self.clock_map(&r.hrv),
            "breathing_samples": self.clock_map(&r.breathing),
        })
    }

    /// One item of `GET /v3/users/biosensing/skintemperature`.
    pub(crate) fn skin_temperature_json(&self) -> Value {
        json!({
            "sleep_time_skin_temperature_celsius": self.skin_temperature,
            "deviation_from_baseline_celsius": self.skin_deviation,
            "sleep_date": self.date.to_string(),
        })
    }
}

fn rfc3339(dt: &DateTime<FixedOffset>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The night ending on local `date`: asleep between 22:00 and 23:30 the evening before, 6.5 to
/// 8.5 hours, ~90-minute cycles with deep sleep early and REM growing towards morning.
pub(crate) fn night(rng: &mut Rng, tz: FixedOffset, date: NaiveDate, physio: &Physio) -> Night {
    let evening = date.pred_opt().unwrap_or(date);
    let start_minute = 22 * 60 + 5 * rng.i64(0..=18);
    let local = evening.and_time(NaiveTime::MIN) + TimeDelta::minutes(start_minute);
    let start = local
        .and_local_timezone(tz)
        .single()
        .unwrap_or_else(|| local.and_utc().with_timezone(&tz));
    let total = rng.i64(390..=510);
    let changes = hypnogram(rng, total);
    let end = start + TimeDelta::minutes(total);

    let stage_at = |minute: i64| {
        changes
            .iter()
            .rev()
            .find(|(at, _)| *at <= minute)
            .map_or(WAKE, |(_, c)| *c)
    };
    let base = physio.resting_hr + rng.f64() * 3.0 - 1.0;
    let heart_rate = (1..)
        .map(|i| i * 5)
        .take_while(|m| *m < total)
        .map(|m| {
            let adj = match stage_at(m) {
                DEEP => -3.0,
                REM => 2.0,
                WAKE => 6.0,
                _ => 0.0,
            };
            (
                m,
                (base + adj + rng.f64() * 4.0 - 2.0)
                    .round()
                    .clamp(42.0, 75.0) as u8,
            )
        })
        .collect::<Vec<_>>();

    let hrv_base = physio.hrv + rng.f64() * 10.0 - 5.0;
    let breath_base = physio.breath + rng.f64() - 0.5;
    let window: Vec<i64> = (0..48).map(|i| 30 + i * 5).filter(|m| *m < total).collect();
    let hrv: Vec<(i64, u8)> = window
        .iter()
        .map(|&m| {
            (
                m,
                (hrv_base + rng.f64() * 12.0 - 6.0)
                    .round()
                    .clamp(10.0, 130.0) as u8,
            )
        })
        .collect();
    let breathing: Vec<(i64, f64)> = window
        .iter()
        .map(|&m| (m, ((breath_base + rng.f64() - 0.5) * 10.0).round() / 10.0))
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let first_four_hours: Vec<f64> = heart_rate
        .iter()
        .filter(|(m, _)| (30..270).contains(m))
        .map(|(_, b)| f64::from(*b))
        .collect();
    let hrv_values: Vec<f64> = hrv.iter().map(|(_, v)| f64::from(*v)).collect();
    let breath_values: Vec<f64> = breathing.iter().map(|(_, v)| *v).collect();
    let ans_charge = ((rng.f64() * 12.0 - 6.0) * 10.0).round() / 10.0;
    let recharge = Recharge {
        heart_rate_avg: mean(&first_four_hours).round() as u8,
        hrv_avg: mean(&hrv_values).round() as u8,
        breathing_avg: (mean(&breath_values) * 10.0).round() / 10.0,
        status: rng.u8(2..=6),
        ans_charge,
        ans_charge_status: ((ans_charge + 10.0) / 4.0).floor().clamp(1.0, 5.0) as u8,
        hrv,
        breathing,
    };
    Night {
        date,
        start,
        end,
        changes,
        heart_rate,
        sleep_score: rng.u8(55..=95),
        sleep_charge: rng.u8(1..=5),
        continuity: (rng.f64() * 2.5 * 10.0).round() / 10.0 + 2.5,
        recharge,
        skin_temperature: ((physio.skin_temperature + rng.f64() * 0.6 - 0.3) * 100.0).round()
            / 100.0,
        skin_deviation: ((rng.f64() * 1.2 - 0.6) * 100.0).round() / 100.0,
    }
}

/// Stage changes over `total` minutes (first at 0): a short wake, cycles, a short final wake.
fn hypnogram(rng: &mut Rng, total: i64) -> Vec<(i64, u8)> {
    let mut runs: Vec<(u8, i64)> = vec![(WAKE, rng.i64(2..=12))];
    let tail = rng.i64(3..=10);
    let body_end = total - tail;
    let mut cycle = 0;
    while runs.iter().map(|(_, n)| n).sum::<i64>() < body_end {
        let (deep, rem) = match cycle {
            0 => (rng.i64(30..=45), rng.i64(5..=12)),
            1 => (rng.i64(20..=35), rng.i64(10..=20)),
            2 => (rng.i64(5..=20), rng.i64(15..=25)),
            _ => (rng.i64(0..=8), rng.i64(20..=35)),
        };
        runs.push((LIGHTER, rng.i64(5..=15)));
        runs.push((LIGHT, rng.i64(5..=15)));
        runs.push((DEEP, deep));
        if rng.u8(0..10) == 0 {
            runs.push((UNKNOWN, rng.i64(3..=8)));
        }
        runs.push((LIGHT, rng.i64(5..=15)));
        runs.push((REM, rem));
        if cycle > 0 && rng.u8(0..10) < 3 {
            runs.push((WAKE, rng.i64(2..=6)));
        }
        cycle += 1;
    }
    let mut changes = Vec::new();
    let mut at = 0;
    for (code, len) in runs {
        if at >= body_end || len <= 0 {
            continue;
        }
        match changes.last() {
            Some(&(_, last)) if last == code => {}
            _ => changes.push((at, code)),
        }
        at += len;
    }
    if changes.last().is_none_or(|&(_, last)| last != WAKE) {
        changes.push((body_end, WAKE));
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::polar::data::physio;

    #[test]
    fn stage_totals_fill_the_night_and_the_hypnogram_starts_at_sleep_onset() {
        let tz = FixedOffset::east_opt(7200).unwrap();
        for seed in 0..60 {
            let mut rng = Rng::with_seed(seed);
            let physio = physio(&mut rng);
            let date = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
            let n = night(&mut rng, tz, date, &physio);
            let t = n.totals();
            assert_eq!(
                t.wake + t.rem + t.light + t.deep + t.unknown,
                n.minutes() * 60
            );
            assert_eq!(n.changes[0].0, 0);
            assert!(
                n.changes
                    .windows(2)
                    .all(|w| w[0].0 < w[1].0 && w[0].1 != w[1].1)
            );
            assert_eq!(n.changes.last().unwrap().1, WAKE);
            assert!((390..=510).contains(&n.minutes()));
            assert_eq!(n.end.date_naive(), date);
            assert!(
                n.deep_first_half_exceeds_second(),
                "deep sleep is front-loaded"
            );
            assert!((20..=100).contains(&n.recharge.hrv_avg));
            assert!((10.0..=20.0).contains(&n.recharge.breathing_avg));
            assert!(n.heart_rate.iter().all(|(_, b)| (42..=75).contains(b)));
        }
    }

    impl Night {
        fn deep_first_half_exceeds_second(&self) -> bool {
            let half = self.minutes() / 2;
            let mut first = 0;
            let mut second = 0;
            for (i, &(at, code)) in self.changes.iter().enumerate() {
                if code != DEEP {
                    continue;
                }
                let until = self.changes.get(i + 1).map_or(self.minutes(), |(n, _)| *n);
                for m in at..until {
                    if m < half { first += 1 } else { second += 1 }
                }
            }
            first >= second
        }
    }
}
