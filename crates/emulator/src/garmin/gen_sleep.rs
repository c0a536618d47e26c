//! Nights: a stage sequence drives the sleep summary (levels map and totals agree by
//! construction) and the overnight HRV, pulse ox and skin temperature summaries.

use std::f64::consts::PI;

use chrono::{FixedOffset, NaiveDate, TimeDelta};
use fastrand::Rng;
use serde_json::{Value, json};

use super::data::{Generated, Profile, local_ts, num, object, offset_map};
use super::kind::Kind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Deep,
    Light,
    Rem,
    Awake,
}

impl Stage {
    fn key(self) -> &'static str {
        match self {
            Stage::Deep => "deep",
            Stage::Light => "light",
            Stage::Rem => "rem",
            Stage::Awake => "awake",
        }
    }
}

/// One main sleep: contiguous stage intervals from `start` to `end`.
#[derive(Debug, Clone)]
pub(crate) struct Night {
    /// The calendar date Garmin shows it on (the wake-up day).
    pub(crate) day: NaiveDate,
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) offset: i64,
    pub(crate) stages: Vec<(Stage, i64, i64)>,
}

impl Night {
    pub(crate) fn seconds(&self, stage: Stage) -> i64 {
        self.stages
            .iter()
            .filter(|(s, _, _)| *s == stage)
            .map(|(_, a, b)| b - a)
            .sum()
    }

    pub(crate) fn asleep(&self) -> i64 {
        self.seconds(Stage::Deep) + self.seconds(Stage::Light) + self.seconds(Stage::Rem)
    }

    pub(crate) fn stage_at(&self, t: i64) -> Option<Stage> {
        self.stages
            .iter()
            .find(|(_, a, b)| (*a..*b).contains(&t))
            .map(|(s, _, _)| *s)
    }
}

/// The night ending on the morning of `day`: bed between 22:15 and 23:30 local.
pub(crate) fn night(rng: &mut Rng, tz: FixedOffset, day: NaiveDate) -> Night {
    let bedtime = local_ts(
        tz,
        day - TimeDelta::days(1),
        22 * 60 + 15 + i64::from(rng.u8(0..75)),
    );
    let asleep_minutes = 390 + i64::from(rng.u16(0..120));
    with_stages(rng, tz, day, bedtime, asleep_minutes)
}

/// A sleep of about `asleep_minutes` ending at `end` (created live by the control API).
pub(crate) fn ending_at(rng: &mut Rng, tz: FixedOffset, end: i64, asleep_minutes: i64) -> Night {
    let mut night = with_stages(rng, tz, NaiveDate::MIN, 0, asleep_minutes);
    let shift = end - night.end;
    night.start += shift;
    night.end += shift;
    for (_, a, b) in &mut night.stages {
        *a += shift;
        *b += shift;
    }
    night.day = chrono::DateTime::from_timestamp(end + night.offset, 0)
        .unwrap_or_default()
        .date_naive();
    night
}

fn with_stages(
    rng: &mut Rng,
    tz: FixedOffset,
    day: NaiveDate,
    start: i64,
    asleep_minutes: i64,
) -> Night {
    let mut stages: Vec<(Stage, i64, i64)> = Vec::new();
    let mut t = start;
    let mut add = |stage: Stage, minutes: i64, t: &mut i64| {
        if minutes <= 0 {
            return;
        }
        let end = *t + minutes * 60;
        match stages.last_mut() {
            Some(last) if last.0 == stage => last.2 = end,
            _ => stages.push((stage, *t, end)),
        }
        *t = end;
    };
    add(Stage::Awake, 4 + i64::from(rng.u8(0..14)), &mut t);
    let mut left = asleep_minutes;
    let mut cycle = 0;
    while left > 0 {
        let deep = match cycle {
            0 | 1 => 25 + i64::from(rng.u8(0..20)),
            2 | 3 => 10 + i64::from(rng.u8(0..15)),
            _ => i64::from(rng.u8(0..10)),
        };
        let rem = if cycle == 0 { 5 } else { 15 } + i64::from(rng.u8(0..20));
        for (stage, minutes) in [
            (Stage::Light, 15 + i64::from(rng.u8(0..20))),
            (Stage::Deep, deep),
            (Stage::Light, 8 + i64::from(rng.u8(0..12))),
            (Stage::Rem, rem),
        ] {
            let minutes = minutes.min(left);
            left -= minutes;
            add(stage, minutes, &mut t);
        }
        if left > 0 && rng.u8(0..10) < 3 {
            add(Stage::Awake, 2 + i64::from(rng.u8(0..5)), &mut t);
        }
        cycle += 1;
    }
    add(Stage::Awake, 3 + i64::from(rng.u8(0..8)), &mut t);
    Night {
        day,
        start,
        end: t,
        offset: i64::from(tz.local_minus_utc()),
        stages,
    }
}

/// `sleeps`, `hrv`, `pulseox` and `skinTemp` summaries of a night.
pub(crate) fn summaries(
    rng: &mut Rng,
    night: &Night,
    profile: &Profile,
    tag: &str,
) -> Vec<Generated> {
    let mut out = vec![sleep(rng, night, profile, tag)];
    out.extend(
        [Kind::Hrv, Kind::PulseOx, Kind::SkinTemp].map(|k| overnight(rng, k, night, profile, tag)),
    );
    out
}

pub(crate) fn sleep(rng: &mut Rng, night: &Night, profile: &Profile, tag: &str) -> Generated {
    let in_bed = night.end - night.start;
    let asleep = night.asleep();
    let mut levels = serde_json::Map::new();
    for stage in [Stage::Deep, Stage::Light, Stage::Rem, Stage::Awake] {
        let ranges: Vec<Value> = night
            .stages
            .iter()
            .filter(|(s, _, _)| *s == stage)
            .map(|(_, a, b)| json!({"startTimeInSeconds": a, "endTimeInSeconds": b}))
            .collect();
        levels.insert(stage.key().to_owned(), Value::Array(ranges));
    }
    let breathing = |rng: &mut Rng, t: i64| {
        let deep = night.stage_at(t) == Some(Stage::Deep);
        num(
            profile.breath - if deep { 1.0 } else { 0.0 } + rng.f64() - 0.5,
            2,
        )
    };
    let respiration = offset_map(
        (60..in_bed)
            .step_by(120)
            .map(|o| (o, breathing(rng, night.start + o))),
    );
    let spo2 = offset_map((0..in_bed).step_by(120).map(|o| {
        (
            o,
            json!((profile.spo2 - 1.0 + rng.f64() * 2.5).round().min(100.0)),
        )
    }));
    let hours = asleep as f64 / 3600.0;
    let score = (55.0 + (hours - 5.5) * 12.0 + rng.f64() * 8.0)
        .clamp(35.0, 98.0)
        .round();
    let qualifier = match score as i64 {
        90.. => "EXCELLENT",
        80..=89 => "GOOD",
        60..=79 => "FAIR",
        _ => "POOR",
    };
    let summary_id = format!("x{tag}-{:x}-{:x}", night.start, asleep);
    let json = object(vec![
        ("summaryId", json!(summary_id)),
        ("calendarDate", json!(night.day.to_string())),
        ("startTimeInSeconds", json!(night.start)),
        ("startTimeOffsetInSeconds", json!(night.offset)),
        ("durationInSeconds", json!(asleep)),
        ("unmeasurableSleepInSeconds", json!(0)),
        (
            "deepSleepDurationInSeconds",
            json!(night.seconds(Stage::Deep)),
        ),
        (
            "lightSleepDurationInSeconds",
            json!(night.seconds(Stage::Light)),
        ),
        ("remSleepInSeconds", json!(night.seconds(Stage::Rem))),
        ("awakeDurationInSeconds", json!(night.seconds(Stage::Awake))),
        ("sleepLevelsMap", Value::Object(levels)),
        ("validation", json!("ENHANCED_FINAL")),
        ("timeOffsetSleepRespiration", respiration),
        ("timeOffsetSleepSpo2", spo2),
        (
            "overallSleepScore",
            json!({"value": score, "qualifierKey": qualifier}),
        ),
        (
            "sleepScores",
            json!({"totalDuration": {"qualifierKey": qualifier}, "stress": {"qualifierKey": "GOOD"}}),
        ),
    ]);
    Generated {
        kind: Kind::Sleeps,
        summary_id,
        start: night.start,
        end: night.end,
        json,
    }
}

/// The overnight HRV (RMSSD every 5 minutes), pulse ox (every minute) or skin temperature summary.
pub(crate) fn overnight(
    rng: &mut Rng,
    kind: Kind,
    night: &Night,
    profile: &Profile,
    tag: &str,
) -> Generated {
    let in_bed = night.end - night.start;
    let common = |summary_id: &str| {
        vec![
            ("summaryId", json!(summary_id)),
            ("calendarDate", json!(night.day.to_string())),
            ("startTimeInSeconds", json!(night.start)),
            ("startTimeOffsetInSeconds", json!(night.offset)),
            ("durationInSeconds", json!(in_bed)),
        ]
    };
    let (summary_id, extra) = match kind {
        Kind::Hrv => {
            let values: Vec<(i64, i64)> = (300..in_bed)
                .step_by(300)
                .map(|o| {
                    let phase = (o as f64 / in_bed as f64 * PI).sin();
                    let deep = night.stage_at(night.start + o) == Some(Stage::Deep);
                    let v = profile.hrv * (0.85 + 0.25 * phase + if deep { 0.15 } else { 0.0 })
                        + rng.f64() * 8.0
                        - 4.0;
                    (o, v.round().clamp(10.0, 150.0) as i64)
                })
                .collect();
            let avg =
                values.iter().map(|(_, v)| *v as f64).sum::<f64>() / values.len().max(1) as f64;
            let high = values.iter().map(|(_, v)| *v).max().unwrap_or(0);
            (
                format!("x{tag}-{:x}", night.start),
                vec![
                    ("lastNightAvg", json!(avg.round() as i64)),
                    ("lastNight5MinHigh", json!(high)),
                    (
                        "hrvValues",
                        offset_map(values.into_iter().map(|(o, v)| (o, json!(v)))),
                    ),
                ],
            )
        }
        Kind::PulseOx => (
            format!("x{tag}-{:x}-spo2", night.start),
            vec![
                (
                    "timeOffsetSpo2Values",
                    offset_map((0..in_bed).step_by(60).map(|o| {
                        (
                            o,
                            json!((profile.spo2 - 1.5 + rng.f64() * 3.0).round().min(100.0)),
                        )
                    })),
                ),
                ("onDemand", json!(false)),
            ],
        ),
        _ => (
            format!("x{tag}-{:x}-skin", night.start),
            vec![("avgDeviationCelsius", num(rng.f64() * 1.2 - 0.6, 1))],
        ),
    };
    let mut pairs = common(&summary_id);
    pairs.extend(extra);
    Generated {
        kind,
        summary_id,
        start: night.start,
        end: night.end,
        json: object(pairs),
    }
}
