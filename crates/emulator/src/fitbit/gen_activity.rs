//! Generated exercise logs and the minute-by-minute heart rate of a day.

use std::f64::consts::PI;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike as _};
use fastrand::Rng;

use super::gen_sleep::SleepLog;

/// One kind of workout the generator draws from.
struct Kind {
    type_id: u32,
    name: &'static str,
    /// km/h, for kinds with a distance.
    speed: Option<f64>,
    /// Share of the heart-rate reserve.
    effort: f64,
    kcal_per_min: f64,
    steps_per_min: u32,
}

const fn kind(
    type_id: u32,
    name: &'static str,
    speed: Option<f64>,
    effort: f64,
    kcal_per_min: f64,
    steps_per_min: u32,
) -> Kind {
    Kind {
        type_id,
        name,
        speed,
        effort,
        kcal_per_min,
        steps_per_min,
    }
}

/// 15999 is not in Wearhouse's catalogue on purpose (an unknown type).
const KINDS: [Kind; 9] = [
    kind(90009, "Run", Some(10.4), 0.72, 11.0, 160),
    kind(90013, "Walk", Some(5.3), 0.35, 4.5, 110),
    kind(1071, "Outdoor Bike", Some(22.0), 0.6, 8.5, 0),
    kind(90024, "Swim", Some(2.5), 0.6, 9.0, 0),
    kind(2131, "Weights", None, 0.4, 5.5, 8),
    kind(52000, "Yoga", None, 0.2, 3.0, 2),
    kind(20047, "Elliptical", None, 0.6, 9.5, 120),
    kind(20049, "Treadmill", Some(9.2), 0.68, 10.5, 150),
    kind(15999, "Pickleball", None, 0.5, 7.0, 70),
];

#[derive(Debug, Clone)]
pub(crate) struct ActivityLog {
    pub(crate) log_id: u64,
    pub(crate) type_id: u32,
    pub(crate) name: &'static str,
    /// Local start.
    pub(crate) start: NaiveDateTime,
    pub(crate) duration_ms: i64,
    pub(crate) calories: u32,
    pub(crate) distance_km: Option<f64>,
    pub(crate) steps: u32,
    pub(crate) average_heart_rate: u32,
    pub(crate) elevation_m: Option<f64>,
    pub(crate) log_type: &'static str,
}

impl ActivityLog {
    pub(crate) fn end(&self) -> NaiveDateTime {
        self.start + TimeDelta::milliseconds(self.duration_ms)
    }

    pub(crate) fn minutes(&self) -> u32 {
        u32::try_from(self.duration_ms / 60_000).unwrap_or(0)
    }

    pub(crate) fn contains(&self, t: NaiveDateTime) -> bool {
        self.start <= t && t < self.end()
    }

    /// Vigorous (heart-rate share ≥ 0.55) or moderate minutes.
    pub(crate) fn is_vigorous(&self) -> bool {
        KINDS
            .iter()
            .find(|k| k.type_id == self.type_id)
            .is_some_and(|k| k.effort >= 0.55)
    }
}

/// A workout of 20–75 minutes starting at `start` (local).
pub(crate) fn workout(
    rng: &mut Rng,
    start: NaiveDateTime,
    log_id: u64,
    resting_hr: f64,
    age: u32,
) -> ActivityLog {
    let Kind {
        type_id,
        name,
        speed,
        effort: share,
        kcal_per_min: kcal,
        steps_per_min: cadence,
    } = KINDS[rng.usize(0..KINDS.len())];
    let minutes = rng.u32(20..=75);
    let max_hr = 220.0 - f64::from(age);
    let hr = resting_hr + (max_hr - resting_hr) * (share + rng.f64() * 0.1 - 0.05);
    let hours = f64::from(minutes) / 60.0;
    let distance_km = speed.map(|s| (s * hours * (0.9 + rng.f64() * 0.2) * 100.0).round() / 100.0);
    let outdoor = matches!(type_id, 90009 | 90013 | 1071);
    ActivityLog {
        log_id,
        type_id,
        name,
        start,
        duration_ms: i64::from(minutes) * 60_000,
        calories: (f64::from(minutes) * kcal * (0.9 + rng.f64() * 0.2)).round() as u32,
        distance_km,
        steps: minutes * cadence,
        average_heart_rate: hr.round() as u32,
        elevation_m: outdoor.then(|| (rng.f64() * 60.0 * 10.0).round() / 10.0),
        log_type: match rng.u8(0..10) {
            0..=5 => "auto_detected",
            6..=8 => "tracker",
            _ => "manual",
        },
    }
}

/// Heart rate per minute of local day `date` (minute of day, bpm), up to `until` when given:
/// lower asleep, raised in workouts, a daily rhythm otherwise. A pure function of `seed`.
pub(crate) fn intraday(
    seed: u64,
    date: NaiveDate,
    resting_hr: u32,
    sleeps: &[SleepLog],
    workouts: &[ActivityLog],
    until: Option<NaiveDateTime>,
) -> Vec<(u32, u32)> {
    let mut rng = Rng::with_seed(seed);
    let day_start = date.and_time(NaiveTime::MIN);
    let day_end = day_start + TimeDelta::days(1);
    let sleeps: Vec<&SleepLog> = sleeps
        .iter()
        .filter(|s| s.start < day_end && day_start < s.end())
        .collect();
    let workouts: Vec<&ActivityLog> = workouts
        .iter()
        .filter(|w| w.start < day_end && day_start < w.end())
        .collect();
    let resting = f64::from(resting_hr);
    let mut out = Vec::with_capacity(1440);
    for minute in 0..1440u32 {
        let t = day_start + TimeDelta::minutes(i64::from(minute));
        if until.is_some_and(|u| t > u) {
            break;
        }
        let noise = rng.f64() * 6.0 - 3.0;
        let bpm = if let Some(w) = workouts.iter().find(|w| w.contains(t)) {
            f64::from(w.average_heart_rate) + rng.f64() * 16.0 - 8.0
        } else if sleeps.iter().any(|s| s.contains(t)) {
            resting - 3.0 + noise
        } else {
            let hour = f64::from(t.hour()) + f64::from(t.minute()) / 60.0;
            let rhythm = if (7.0..22.0).contains(&hour) {
                ((hour - 7.0) * PI / 15.0).sin()
            } else {
                0.0
            };
            resting + 8.0 + 22.0 * rhythm + noise
        };
        out.push((minute, bpm.round().clamp(38.0, 200.0) as u32));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 15).unwrap()
    }

    #[test]
    fn workouts_have_plausible_heart_rate_and_distance() {
        let start = day().and_hms_opt(7, 0, 0).unwrap();
        for seed in 0..60 {
            let w = workout(&mut Rng::with_seed(seed), start, 1, 55.0, 40);
            assert!((20..=75).contains(&w.minutes()));
            assert!(
                (70..=185).contains(&w.average_heart_rate),
                "{}",
                w.average_heart_rate
            );
            if let Some(km) = w.distance_km {
                assert!(km > 0.5 && km < 30.0, "{km}");
            }
        }
    }

    #[test]
    fn intraday_heart_rate_follows_sleep_and_workouts_and_stops_at_now() {
        let mut rng = Rng::with_seed(9);
        let night = super::super::gen_sleep::main_sleep(&mut rng, day(), 1);
        let run = ActivityLog {
            log_id: 2,
            type_id: 90009,
            name: "Run",
            start: day().and_hms_opt(17, 0, 0).unwrap(),
            duration_ms: 30 * 60_000,
            calories: 300,
            distance_km: Some(5.0),
            steps: 4800,
            average_heart_rate: 150,
            elevation_m: None,
            log_type: "tracker",
        };
        let points = intraday(
            4,
            day(),
            56,
            std::slice::from_ref(&night),
            std::slice::from_ref(&run),
            None,
        );
        assert_eq!(points.len(), 1440);
        let at = |h: u32, m: u32| points[(h * 60 + m) as usize].1;
        assert!((50..=60).contains(&at(3, 0)), "asleep: {}", at(3, 0));
        assert!((140..=160).contains(&at(17, 10)), "running: {}", at(17, 10));
        assert_eq!(
            points,
            intraday(4, day(), 56, &[night], &[run], None),
            "deterministic"
        );
        let partial = intraday(4, day(), 56, &[], &[], day().and_hms_opt(10, 0, 0));
        assert_eq!(partial.len(), 601);
    }
}
