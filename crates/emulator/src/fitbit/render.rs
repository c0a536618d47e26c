//! Fitbit's JSON shapes, in the unit system chosen by `Accept-Language`.

use actix_web::HttpRequest;
use actix_web::http::header::ACCEPT_LANGUAGE;
use chrono::{FixedOffset, NaiveDate, NaiveDateTime, TimeDelta};
use serde_json::{Value, json};

use super::data::{BodyLog, Day, User, round};
use super::gen_activity::{ActivityLog, intraday};
use super::gen_sleep::SleepLog;

const KM_PER_MILE: f64 = 1.609_344;
const KG_PER_POUND: f64 = 0.453_592_37;
const KG_PER_STONE: f64 = 6.350_293_18;
const M_PER_FOOT: f64 = 0.3048;

/// `en_US`: miles, pounds, feet, °F; `en_GB`: km, stone; anything else (or none): metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Units {
    Metric,
    Us,
    Uk,
}

impl Units {
    pub(crate) fn of(req: &HttpRequest) -> Units {
        let value = req
            .headers()
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim()
            .replace('-', "_");
        match value.as_str() {
            "en_US" => Units::Us,
            "en_GB" => Units::Uk,
            _ => Units::Metric,
        }
    }

    fn distance(self, km: f64) -> f64 {
        match self {
            Units::Us => round(km / KM_PER_MILE, 3),
            _ => round(km, 3),
        }
    }

    fn distance_unit(self) -> &'static str {
        match self {
            Units::Us => "Mile",
            _ => "Kilometer",
        }
    }

    fn weight(self, kg: f64) -> f64 {
        match self {
            Units::Us => round(kg / KG_PER_POUND, 1),
            Units::Uk => round(kg / KG_PER_STONE, 2),
            Units::Metric => kg,
        }
    }

    fn elevation(self, m: f64) -> f64 {
        match self {
            Units::Us => round(m / M_PER_FOOT, 1),
            _ => m,
        }
    }

    fn temperature_delta(self, celsius: f64) -> f64 {
        match self {
            Units::Us => round(celsius * 1.8, 1),
            _ => celsius,
        }
    }
}

/// `2024-01-15T07:02:00.000`
pub(crate) fn local_ms(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

pub(crate) fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn profile(user: &User, tz: FixedOffset, units: Units) -> Value {
    let p = &user.profile;
    json!({"user": {
        "age": p.age,
        "averageDailySteps": user.days.iter().map(|d| d.steps).sum::<u32>() / user.days.len().max(1) as u32,
        "dateOfBirth": ymd(p.date_of_birth),
        "displayName": p.display_name,
        "distanceUnit": if units == Units::Us { "en_US" } else { "METRIC" },
        "encodedId": user.id,
        "fullName": p.display_name,
        "gender": if p.female { "FEMALE" } else { "MALE" },
        "height": p.height_cm,
        "memberSince": ymd(user.created_day - TimeDelta::days(400)),
        "offsetFromUTCMillis": i64::from(tz.local_minus_utc()) * 1000,
        "strideLengthWalking": p.stride_walking_cm,
        "timezone": zone_name(tz),
        "weight": units.weight(p.weight_kg),
        "weightUnit": if units == Units::Us { "en_US" } else { "METRIC" },
    }})
}

/// The IANA name of a whole-hour fixed offset (`Etc/GMT+5` is UTC-5), else `UTC`.
fn zone_name(tz: FixedOffset) -> String {
    let secs = tz.local_minus_utc();
    match (secs % 3600, secs / 3600) {
        (0, 0) => "UTC".to_owned(),
        (0, hours) if hours > 0 => format!("Etc/GMT-{hours}"),
        (0, hours) => format!("Etc/GMT+{}", -hours),
        _ => "UTC".to_owned(),
    }
}

/// An exercise log entry of `activities/list.json` (`startTime` carries the offset).
pub(crate) fn activity_log(log: &ActivityLog, tz: FixedOffset, units: Units) -> Value {
    let offset = tz.to_string();
    let start = format!("{}{offset}", local_ms(log.start));
    let mut entry = json!({
        "activeDuration": log.duration_ms,
        "activityName": log.name,
        "activityTypeId": log.type_id,
        "averageHeartRate": log.average_heart_rate,
        "calories": log.calories,
        "duration": log.duration_ms,
        "lastModified": format!("{}Z", local_ms(log.end() + TimeDelta::minutes(10) - TimeDelta::seconds(i64::from(tz.local_minus_utc())))),
        "logId": log.log_id,
        "logType": log.log_type,
        "originalDuration": log.duration_ms,
        "originalStartTime": start,
        "startTime": start,
        "steps": log.steps,
    });
    if log.log_type != "manual" {
        entry["source"] = json!({"id": "2207017071", "name": "Charge 6", "type": "tracker", "url": "https://www.fitbit.com/"});
    }
    if let Some(km) = log.distance_km {
        entry["distance"] = json!(units.distance(km));
        entry["distanceUnit"] = json!(units.distance_unit());
    }
    if let Some(m) = log.elevation_m {
        entry["elevationGain"] = json!(units.elevation(m));
    }
    entry
}

/// `activities-heart` zones of a day from its minute heart rate.
fn zones(user: &User, minutes: &[(u32, u32)]) -> Value {
    let max = 220.0 - f64::from(user.profile.age);
    let bounds = [
        ("Out of Range", 30.0, (max * 0.5).round(), 1.3),
        ("Fat Burn", (max * 0.5).round(), (max * 0.69).round(), 5.6),
        ("Cardio", (max * 0.69).round(), (max * 0.85).round(), 9.1),
        ("Peak", (max * 0.85).round(), 220.0, 12.4),
    ];
    let zones: Vec<Value> = bounds
        .iter()
        .map(|&(name, min, max, kcal)| {
            let count = minutes
                .iter()
                .filter(|(_, bpm)| (min..max).contains(&f64::from(*bpm)))
                .count();
            json!({"caloriesOut": round(count as f64 * kcal, 2), "max": max, "min": min, "minutes": count, "name": name})
        })
        .collect();
    Value::Array(zones)
}

/// Minute heart rate of `day`, up to `now` when it is today.
pub(crate) fn day_minutes(user: &User, day: &Day, now: NaiveDateTime) -> Vec<(u32, u32)> {
    let until = (day.date == now.date()).then_some(now);
    if day.date > now.date() {
        return Vec::new();
    }
    intraday(
        day.hr_seed,
        day.date,
        day.resting_hr,
        &user.sleeps,
        &user.activities,
        until,
    )
}

/// One `activities-heart` entry.
pub(crate) fn heart_day(user: &User, day: &Day, minutes: &[(u32, u32)]) -> Value {
    json!({"dateTime": ymd(day.date), "value": {
        "customHeartRateZones": [],
        "heartRateZones": zones(user, minutes),
        "restingHeartRate": day.resting_hr,
    }})
}

/// The intraday block at `step` minutes per point (averaging within a step).
pub(crate) fn heart_intraday(minutes: &[(u32, u32)], step: u32, second_level: bool) -> Value {
    let mut dataset = Vec::new();
    for chunk in minutes.chunks(step.max(1) as usize) {
        let Some(&(first, _)) = chunk.first() else {
            continue;
        };
        let avg = chunk.iter().map(|(_, b)| f64::from(*b)).sum::<f64>() / chunk.len() as f64;
        dataset.push(json!({"time": format!("{:02}:{:02}:00", first / 60, first % 60), "value": avg.round() as u32}));
    }
    let (interval, kind) = if second_level {
        (1, "second")
    } else {
        (step, "minute")
    };
    json!({"dataset": dataset, "datasetInterval": interval, "datasetType": kind})
}

/// The daily summary `{"activities", "goals", "summary"}` (zeros for a day without data).
pub(crate) fn summary(user: &User, date: NaiveDate, now: NaiveDateTime, units: Units) -> Value {
    let logged: Vec<&ActivityLog> = user
        .activities
        .iter()
        .filter(|a| a.start.date() == date)
        .collect();
    let activities: Vec<Value> = logged
        .iter()
        .map(|a| json!({
            "activityId": a.type_id, "activityParentId": a.type_id, "calories": a.calories,
            "description": "", "duration": a.duration_ms, "hasStartTime": true, "isFavorite": false,
            "logId": a.log_id, "name": a.name, "startDate": ymd(date),
            "startTime": a.start.format("%H:%M").to_string(), "steps": a.steps,
            "distance": a.distance_km.map(|km| units.distance(km)),
        }))
        .collect();
    let goals = json!({"activeMinutes": 30, "caloriesOut": 2700, "distance": units.distance(8.05), "floors": 10, "steps": 10000});
    let Some(day) = user.day(date) else {
        return json!({"activities": [], "goals": goals, "summary": {
            "activityCalories": 0, "caloriesBMR": 0, "caloriesOut": 0, "distances": [],
            "fairlyActiveMinutes": 0, "lightlyActiveMinutes": 0, "sedentaryMinutes": 1440, "steps": 0, "veryActiveMinutes": 0,
        }});
    };
    let logged_km: f64 = logged.iter().filter_map(|a| a.distance_km).sum();
    let minutes = day_minutes(user, day, now);
    json!({"activities": activities, "goals": goals, "summary": {
        "activeScore": -1,
        "activityCalories": day.activity_calories,
        "caloriesBMR": day.calories_bmr,
        "caloriesOut": day.calories_bmr + day.activity_calories,
        "distances": [
            {"activity": "total", "distance": units.distance(day.distance_km)},
            {"activity": "tracker", "distance": units.distance(day.distance_km)},
            {"activity": "loggedActivities", "distance": units.distance(logged_km)},
        ],
        "elevation": units.elevation(round(f64::from(day.floors) * 3.048, 2)),
        "fairlyActiveMinutes": day.fairly,
        "floors": day.floors,
        "heartRateZones": zones(user, &minutes),
        "lightlyActiveMinutes": day.lightly,
        "marginalCalories": day.activity_calories * 2 / 3,
        "restingHeartRate": day.resting_hr,
        "sedentaryMinutes": day.sedentary,
        "steps": day.steps,
        "useEstimation": true,
        "veryActiveMinutes": day.very,
    }})
}

/// A v1.2 sleep log.
pub(crate) fn sleep_log(log: &SleepLog) -> Value {
    let level = |l: &super::gen_sleep::Level| json!({"dateTime": local_ms(l.start), "level": l.level, "seconds": l.seconds});
    let totals = log.totals();
    let names: &[&str] = if log.classic {
        &["asleep", "awake", "restless"]
    } else {
        &["deep", "light", "rem", "wake"]
    };
    let mut summary = serde_json::Map::new();
    for name in names {
        let (count, secs) = totals.get(name).copied().unwrap_or((0, 0));
        let mut entry = json!({"count": count, "minutes": secs / 60});
        if !log.classic {
            entry["thirtyDayAvgMinutes"] = json!(secs / 60);
        }
        summary.insert((*name).to_owned(), entry);
    }
    let in_bed = log.duration_secs() / 60;
    let asleep = log.minutes_asleep();
    let mut levels =
        json!({"data": log.data.iter().map(level).collect::<Vec<_>>(), "summary": summary});
    if !log.classic {
        levels["shortData"] = Value::Array(log.short.iter().map(level).collect());
    }
    json!({
        "dateOfSleep": ymd(log.date_of_sleep),
        "duration": log.duration_secs() * 1000,
        "efficiency": if in_bed > 0 { (asleep * 100 + in_bed / 2) / in_bed } else { 0 },
        "endTime": local_ms(log.end()),
        "infoCode": 0,
        "isMainSleep": log.main,
        "levels": levels,
        "logId": log.log_id,
        "logType": "auto_detected",
        "minutesAfterWakeup": 0,
        "minutesAsleep": asleep,
        "minutesAwake": log.minutes_awake(),
        "minutesToFallAsleep": 0,
        "startTime": local_ms(log.start),
        "timeInBed": in_bed,
        "type": if log.classic { "classic" } else { "stages" },
    })
}

pub(crate) fn weight_log(log: &BodyLog, units: Units) -> Value {
    let mut entry = json!({
        "bmi": log.bmi, "date": ymd(log.date), "logId": log.log_id, "source": log.source,
        "time": log.time.format("%H:%M:%S").to_string(), "weight": units.weight(log.weight_kg),
    });
    if let Some(fat) = log.fat_pct {
        entry["fat"] = json!(fat);
    }
    entry
}

pub(crate) fn fat_log(log: &BodyLog) -> Option<Value> {
    let fat = log.fat_pct?;
    Some(
        json!({"date": ymd(log.date), "fat": fat, "logId": log.log_id, "source": log.source, "time": log.time.format("%H:%M:%S").to_string()}),
    )
}

/// The nightly entries of one day, by endpoint.
pub(crate) fn night_entry(endpoint: &str, day: &Day, units: Units) -> Option<Value> {
    let date = ymd(day.date);
    if endpoint == "cardioscore" {
        return Some(
            json!({"dateTime": date, "value": {"vo2Max": format!("{}-{}", day.vo2.0, day.vo2.1)}}),
        );
    }
    let n = day.night.as_ref()?;
    Some(match endpoint {
        "hrv" => {
            json!({"dateTime": date, "value": {"dailyRmssd": n.daily_rmssd, "deepRmssd": n.deep_rmssd}})
        }
        "spo2" => {
            json!({"dateTime": date, "value": {"avg": n.spo2.0, "min": n.spo2.1, "max": n.spo2.2}})
        }
        "br" => json!({"dateTime": date, "value": {"breathingRate": n.breathing_rate}}),
        "temp_skin" => {
            json!({"dateTime": date, "value": {"nightlyRelative": units.temperature_delta(n.skin_relative)}, "logType": "dedicated_temp_sensor"})
        }
        _ => return None,
    })
}
