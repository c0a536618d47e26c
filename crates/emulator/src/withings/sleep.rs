//! Sleep: a night is a list of stage segments; every summary field derives from them, so the
//! stage totals always match the segments.

use chrono::{FixedOffset, NaiveDate};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::data::{User, local};

const AWAKE: i64 = 0;
const LIGHT: i64 = 1;
const DEEP: i64 = 2;
const REM: i64 = 3;

/// Seconds between two points of a segment's hr / rr / hrv series.
const SERIES_STEP: i64 = 600;

/// One stage segment of the sleep `get` action, with the series recorded in it.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub(crate) startdate: i64,
    pub(crate) enddate: i64,
    pub(crate) state: i64,
    pub(crate) series: Vec<(i64, SeriesPoint)>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct SeriesPoint {
    hr: u32,
    rr: u32,
    sdnn_1: u32,
    rmssd: u32,
    snoring: u32,
}

/// A `getsummary` night.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Night {
    pub(crate) id: u64,
    pub(crate) timezone: String,
    pub(crate) model: i32,
    pub(crate) model_id: i32,
    pub(crate) hash_deviceid: String,
    pub(crate) startdate: i64,
    pub(crate) enddate: i64,
    /// The local date the night ends on.
    pub(crate) date: String,
    pub(crate) created: i64,
    pub(crate) modified: i64,
    pub(crate) data: Map<String, Value>,
    #[serde(skip)]
    pub(crate) segments: Vec<Segment>,
}

impl Night {
    /// The summary with only the requested `data_fields` (all when `None`).
    pub(crate) fn summary(&self, fields: Option<&[&str]>) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let (Some(fields), Some(Value::Object(data))) = (fields, value.get_mut("data")) {
            data.retain(|k, _| fields.contains(&k.as_str()));
        }
        value
    }
}

impl Segment {
    /// Moves the series `by` seconds earlier (with the segment).
    pub(crate) fn shift_series(&mut self, by: i64) {
        for (t, _) in &mut self.series {
            *t -= by;
        }
    }

    /// The `get` item with the requested series (`hr`, `rr`, `sdnn_1`, `rmssd`, `snoring`).
    pub(crate) fn detail(&self, fields: &[&str]) -> Value {
        let mut item = json!({
            "startdate": self.startdate,
            "enddate": self.enddate,
            "state": self.state,
            "model": "Sleep Analyzer",
            "model_id": 63,
        });
        for &field in fields {
            let pick: fn(&SeriesPoint) -> u32 = match field {
                "hr" => |p| p.hr,
                "rr" => |p| p.rr,
                "sdnn_1" => |p| p.sdnn_1,
                "rmssd" => |p| p.rmssd,
                "snoring" => |p| p.snoring,
                _ => continue,
            };
            let map: Map<String, Value> = self
                .series
                .iter()
                .map(|(t, p)| (t.to_string(), json!(pick(p))))
                .collect();
            // Withings sends an empty list, not an empty object.
            item[field] = if map.is_empty() {
                json!([])
            } else {
                Value::Object(map)
            };
        }
        item
    }
}

/// The night ending on the morning of local day `wake_day`.
pub(crate) fn night(user: &mut User, tz: FixedOffset, wake_day: NaiveDate) -> Night {
    let bed_minutes = 22 * 60 + 15 + i64::from(user.rng.u16(0..75));
    let start = local(tz, wake_day - chrono::TimeDelta::days(1), bed_minutes).timestamp();
    let mut plan = vec![(AWAKE, minutes(user, 5, 20))];
    let target = 6 * 3600 + 30 * 60 + i64::from(user.rng.u16(0..5400));
    let mut asleep = 0;
    let mut cycle = 0;
    while asleep < target {
        let early = cycle < 2;
        let phases = [
            (LIGHT, minutes(user, 20, 40)),
            (
                DEEP,
                if early {
                    minutes(user, 30, 50)
                } else {
                    minutes(user, 5, 20)
                },
            ),
            (LIGHT, minutes(user, 10, 20)),
            (
                REM,
                if early {
                    minutes(user, 10, 20)
                } else {
                    minutes(user, 20, 35)
                },
            ),
        ];
        for (state, secs) in phases {
            plan.push((state, secs));
            asleep += secs;
        }
        if user.rng.u8(0..100) < 30 {
            plan.push((AWAKE, minutes(user, 5, 12)));
        }
        cycle += 1;
    }
    plan.push((AWAKE, minutes(user, 5, 15)));
    build(user, tz, start, &plan, 32, 63)
}

/// A nap of about half an hour starting at `start`, from the watch.
pub(crate) fn nap(user: &mut User, tz: FixedOffset, start: i64) -> Night {
    let plan = [
        (AWAKE, minutes(user, 3, 8)),
        (LIGHT, minutes(user, 15, 30)),
        (AWAKE, minutes(user, 2, 5)),
    ];
    build(user, tz, start, &plan, 16, 93)
}

fn minutes(user: &mut User, low: u16, high: u16) -> i64 {
    i64::from(user.rng.u16(low..=high)) * 60
}

fn build(
    user: &mut User,
    tz: FixedOffset,
    start: i64,
    plan: &[(i64, i64)],
    model: i32,
    model_id: i32,
) -> Night {
    let physio = user.physio.clone();
    let mut segments: Vec<Segment> = Vec::new();
    let mut t = start;
    for &(state, secs) in plan {
        let mut series = Vec::new();
        let mut at = t;
        while at < t + secs {
            let base = match state {
                DEEP => physio.resting_hr - 3.0,
                REM => physio.resting_hr + 4.0,
                AWAKE => physio.resting_hr + 8.0,
                _ => physio.resting_hr,
            };
            series.push((
                at,
                SeriesPoint {
                    hr: (base + user.rng.f64() * 4.0).round() as u32,
                    rr: (physio.breath + user.rng.f64() * 2.0 - 1.0).round() as u32,
                    sdnn_1: (physio.hrv * 1.25 + user.rng.f64() * 10.0).round() as u32,
                    rmssd: (physio.hrv + user.rng.f64() * 10.0 - 5.0).round() as u32,
                    snoring: if state == LIGHT && user.rng.u8(0..10) == 0 {
                        u32::from(user.rng.u8(10..60))
                    } else {
                        0
                    },
                },
            ));
            at += SERIES_STEP;
        }
        match segments.last_mut() {
            Some(last) if last.state == state => {
                last.enddate = t + secs;
                last.series.extend(series);
            }
            _ => segments.push(Segment {
                startdate: t,
                enddate: t + secs,
                state,
                series,
            }),
        }
        t += secs;
    }
    let end = t;
    let total = |state: i64| -> i64 {
        segments
            .iter()
            .filter(|s| s.state == state)
            .map(|s| s.enddate - s.startdate)
            .sum()
    };
    let (awake, light, deep, rem) = (total(AWAKE), total(LIGHT), total(DEEP), total(REM));
    let asleep = light + deep + rem;
    let points: Vec<&SeriesPoint> = segments
        .iter()
        .flat_map(|s| &s.series)
        .map(|(_, p)| p)
        .collect();
    let mean = |f: fn(&SeriesPoint) -> u32| -> i64 {
        let sum: f64 = points.iter().map(|p| f64::from(f(p))).sum();
        (sum / points.len().max(1) as f64).round() as i64
    };
    let hr = |p: &SeriesPoint| p.hr;
    let rr = |p: &SeriesPoint| p.rr;
    let first_awake = segments
        .first()
        .filter(|s| s.state == AWAKE)
        .map_or(0, |s| s.enddate - s.startdate);
    let last_awake = segments
        .last()
        .filter(|s| s.state == AWAKE)
        .map_or(0, |s| s.enddate - s.startdate);
    let middle_awake = segments.len().saturating_sub(2);
    let wakeups = segments
        .iter()
        .skip(1)
        .take(middle_awake)
        .filter(|s| s.state == AWAKE)
        .count();
    let snoring: u32 = points.iter().map(|p| p.snoring).sum();
    let data = json!({
        "breathing_disturbances_intensity": user.rng.u8(0..25),
        "deepsleepduration": deep,
        "durationtosleep": first_awake,
        "durationtowakeup": last_awake,
        "hr_average": mean(hr),
        "hr_max": points.iter().map(|p| p.hr).max().unwrap_or_default(),
        "hr_min": points.iter().map(|p| p.hr).min().unwrap_or_default(),
        "lightsleepduration": light,
        "nb_rem_episodes": segments.iter().filter(|s| s.state == REM).count(),
        "night_events": [],
        "out_of_bed_count": 0,
        "remsleepduration": rem,
        "rr_average": mean(rr),
        "rr_max": points.iter().map(|p| p.rr).max().unwrap_or_default(),
        "rr_min": points.iter().map(|p| p.rr).min().unwrap_or_default(),
        "sleep_efficiency": ((asleep as f64 / (end - start).max(1) as f64) * 100.0).round() / 100.0,
        "sleep_latency": first_awake,
        "sleep_score": 60 + user.rng.u8(0..36),
        "snoring": snoring,
        "snoringepisodecount": points.iter().filter(|p| p.snoring > 0).count(),
        "total_sleep_time": asleep,
        "total_timeinbed": end - start,
        "wakeup_latency": last_awake,
        "wakeupcount": wakeups,
        "wakeupduration": awake,
    });
    Night {
        id: user.next_id(2_000_000_000),
        timezone: user.timezone.clone(),
        model,
        model_id,
        hash_deviceid: user.watch_id.clone(),
        startdate: start,
        enddate: end,
        date: super::data::local_date(tz, end)
            .format("%Y-%m-%d")
            .to_string(),
        created: end + 600,
        modified: end + 600,
        data: match data {
            Value::Object(map) => map,
            _ => Map::new(),
        },
        segments,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::super::WithingsConfig;
    use super::super::data::generate_user;
    use super::*;

    #[test]
    fn nights_are_plausible_and_their_totals_match_their_segments() {
        let tz = FixedOffset::east_opt(3600).unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        let now = local(tz, day + TimeDelta::days(1), 0).timestamp();
        for seed in 0..20 {
            let user = generate_user(seed, 1, day, now, &WithingsConfig::default(), tz);
            assert_eq!(user.nights.len(), 35);
            for night in &user.nights {
                let int = |k: &str| night.data[k].as_i64().unwrap();
                let in_bed = night.enddate - night.startdate;
                assert!((6 * 3600..=11 * 3600).contains(&in_bed), "{in_bed}");
                assert_eq!(int("total_timeinbed"), in_bed);
                assert_eq!(int("total_sleep_time") + int("wakeupduration"), in_bed);
                let sum = |state: i64| -> i64 {
                    night
                        .segments
                        .iter()
                        .filter(|s| s.state == state)
                        .map(|s| s.enddate - s.startdate)
                        .sum()
                };
                assert_eq!(sum(LIGHT), int("lightsleepduration"));
                assert_eq!(sum(DEEP), int("deepsleepduration"));
                assert_eq!(sum(REM), int("remsleepduration"));
                assert_eq!(sum(AWAKE), int("wakeupduration"));
                assert!(
                    night
                        .segments
                        .windows(2)
                        .all(|w| w[0].enddate == w[1].startdate)
                );
                let hr = int("hr_average");
                assert!((45..=72).contains(&hr), "{hr}");
                let efficiency = night.data["sleep_efficiency"].as_f64().unwrap();
                assert!((0.7..=1.0).contains(&efficiency), "{efficiency}");
            }
        }
    }
}
