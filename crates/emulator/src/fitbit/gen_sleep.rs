//! Generated sleep logs: main nights with stages (`wake`/`light`/`deep`/`rem` plus short wakes in
//! `shortData`) and classic naps (`asleep`/`restless`/`awake`), in whole minutes.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use fastrand::Rng;

/// One level period of a sleep log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Level {
    pub(crate) start: NaiveDateTime,
    pub(crate) level: &'static str,
    pub(crate) seconds: i64,
}

impl Level {
    pub(crate) fn end(&self) -> NaiveDateTime {
        self.start + TimeDelta::seconds(self.seconds)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct SleepLog {
    pub(crate) log_id: u64,
    /// The local day the sleep ends on.
    pub(crate) date_of_sleep: NaiveDate,
    pub(crate) start: NaiveDateTime,
    pub(crate) main: bool,
    /// `classic` levels (naps) instead of `stages`.
    pub(crate) classic: bool,
    /// Contiguous periods from `start` to the end.
    pub(crate) data: Vec<Level>,
    /// Short wakes (stages logs only), each inside a `light` period of `data`.
    pub(crate) short: Vec<Level>,
}

/// Per level: `(count, seconds)` as Fitbit's `levels.summary` counts them.
pub(crate) type Totals = BTreeMap<&'static str, (u32, i64)>;

impl SleepLog {
    pub(crate) fn end(&self) -> NaiveDateTime {
        self.data.last().map_or(self.start, Level::end)
    }

    pub(crate) fn duration_secs(&self) -> i64 {
        (self.end() - self.start).num_seconds()
    }

    /// Level totals with the short wakes cut out of the periods they fall in.
    pub(crate) fn totals(&self) -> Totals {
        let mut totals = Totals::new();
        for level in &self.data {
            let entry = totals.entry(level.level).or_insert((0, 0));
            entry.0 += 1;
            entry.1 += level.seconds;
        }
        for wake in &self.short {
            if let Some(host) = self
                .data
                .iter()
                .find(|l| l.start <= wake.start && wake.end() <= l.end())
            {
                let entry = totals.entry(host.level).or_insert((0, 0));
                entry.0 += 1;
                entry.1 -= wake.seconds;
            }
            let entry = totals.entry("wake").or_insert((0, 0));
            entry.0 += 1;
            entry.1 += wake.seconds;
        }
        totals
    }

    pub(crate) fn minutes(&self, levels: &[&str]) -> i64 {
        let totals = self.totals();
        levels
            .iter()
            .filter_map(|l| totals.get(l))
            .map(|(_, secs)| secs / 60)
            .sum()
    }

    pub(crate) fn minutes_asleep(&self) -> i64 {
        if self.classic {
            self.minutes(&["asleep"])
        } else {
            self.minutes(&["light", "deep", "rem"])
        }
    }

    pub(crate) fn minutes_awake(&self) -> i64 {
        if self.classic {
            self.minutes(&["restless", "awake"])
        } else {
            self.minutes(&["wake"])
        }
    }

    /// Whether local time `t` is inside the sleep.
    pub(crate) fn contains(&self, t: NaiveDateTime) -> bool {
        self.start <= t && t < self.end()
    }

    /// Shifts the whole log by `delta` (used to end a new night before "now").
    pub(crate) fn shift(&mut self, delta: TimeDelta) {
        self.start += delta;
        for level in self.data.iter_mut().chain(self.short.iter_mut()) {
            level.start += delta;
        }
        self.date_of_sleep = self.end().date();
    }
}

fn push(levels: &mut Vec<Level>, cursor: &mut NaiveDateTime, level: &'static str, minutes: i64) {
    levels.push(Level {
        start: *cursor,
        level,
        seconds: minutes * 60,
    });
    *cursor += TimeDelta::minutes(minutes);
}

/// The main night ending on `date`: in bed between 22:30 and 23:45 the evening before, for
/// 6.5–8.5 hours of 90-minute-ish cycles (deep early, REM late).
pub(crate) fn main_sleep(rng: &mut Rng, date: NaiveDate, log_id: u64) -> SleepLog {
    let evening = date - TimeDelta::days(1);
    let start = evening.and_time(NaiveTime::MIN)
        + TimeDelta::minutes(22 * 60 + 30 + i64::from(rng.u32(0..=75)));
    let target = i64::from(rng.u32(390..=510));
    let mut data = Vec::new();
    let mut cursor = start;
    push(&mut data, &mut cursor, "wake", i64::from(rng.u32(3..=12)));
    let mut cycle = 0;
    while (cursor - start).num_minutes() < target - 20 {
        let early = cycle < 2;
        push(&mut data, &mut cursor, "light", i64::from(rng.u32(15..=35)));
        let deep = if early {
            rng.u32(25..=45)
        } else {
            rng.u32(5..=20)
        };
        push(&mut data, &mut cursor, "deep", i64::from(deep));
        push(&mut data, &mut cursor, "light", i64::from(rng.u32(10..=25)));
        let rem = if early {
            rng.u32(8..=18)
        } else {
            rng.u32(18..=35)
        };
        push(&mut data, &mut cursor, "rem", i64::from(rem));
        if rng.u8(0..100) < 30 {
            push(&mut data, &mut cursor, "wake", i64::from(rng.u32(2..=6)));
        }
        cycle += 1;
    }
    if data.last().is_some_and(|l| l.level == "wake") {
        data.pop();
        cursor = data.last().map_or(start, Level::end);
    }
    push(&mut data, &mut cursor, "wake", i64::from(rng.u32(3..=10)));
    let mut short = Vec::new();
    for level in data
        .iter()
        .filter(|l| l.level == "light" && l.seconds >= 10 * 60)
    {
        if rng.u8(0..100) < 35 {
            let minutes = level.seconds / 60;
            let at = i64::from(rng.u32(3..=u32::try_from(minutes - 5).unwrap_or(3)));
            short.push(Level {
                start: level.start + TimeDelta::minutes(at),
                level: "wake",
                seconds: i64::from(rng.u32(1..=3)) * 60,
            });
        }
    }
    SleepLog {
        log_id,
        date_of_sleep: cursor.date(),
        start,
        main: true,
        classic: false,
        data,
        short,
    }
}

/// A 20–60 minute classic nap starting at `start`.
pub(crate) fn nap(rng: &mut Rng, start: NaiveDateTime, log_id: u64) -> SleepLog {
    let mut data = Vec::new();
    let mut cursor = start;
    push(&mut data, &mut cursor, "asleep", i64::from(rng.u32(8..=25)));
    push(
        &mut data,
        &mut cursor,
        "restless",
        i64::from(rng.u32(1..=3)),
    );
    push(&mut data, &mut cursor, "asleep", i64::from(rng.u32(8..=25)));
    push(&mut data, &mut cursor, "awake", i64::from(rng.u32(2..=5)));
    SleepLog {
        log_id,
        date_of_sleep: cursor.date(),
        start,
        main: false,
        classic: true,
        data,
        short: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nights_are_contiguous_plausible_and_their_totals_add_up() {
        let date = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        for seed in 0..50 {
            let mut rng = Rng::with_seed(seed);
            let night = main_sleep(&mut rng, date, 1);
            assert_eq!(night.date_of_sleep, date);
            assert!((360..=600).contains(&(night.duration_secs() / 60)));
            for pair in night.data.windows(2) {
                assert_eq!(pair[0].end(), pair[1].start);
                assert_ne!(pair[0].level, pair[1].level);
            }
            let totals = night.totals();
            let sum: i64 = totals.values().map(|(_, s)| s).sum();
            assert_eq!(sum, night.duration_secs());
            assert_eq!(
                night.minutes_asleep() + night.minutes_awake(),
                night.duration_secs() / 60
            );
            for wake in &night.short {
                assert!(
                    night.data.iter().any(|l| l.level == "light"
                        && l.start < wake.start
                        && wake.end() < l.end())
                );
            }
        }
    }

    #[test]
    fn naps_are_classic_and_short() {
        let start = NaiveDate::from_ymd_opt(2024, 1, 15)
            .unwrap()
            .and_hms_opt(14, 0, 0)
            .unwrap();
        let nap = nap(&mut Rng::with_seed(3), start, 2);
        assert!(nap.classic && !nap.main);
        assert!((19..=58).contains(&(nap.duration_secs() / 60)));
        assert_eq!(
            nap.minutes_asleep() + nap.minutes_awake(),
            nap.duration_secs() / 60
        );
    }
}
