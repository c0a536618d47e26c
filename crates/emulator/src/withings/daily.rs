//! Daily activity (`getactivity`) and workouts (`getworkouts`).

use chrono::{FixedOffset, NaiveDate, TimeDelta};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::data::{User, local, local_date};

/// Fields every `getactivity` item carries whatever `data_fields` asks.
const ACTIVITY_BASE: [&str; 6] = [
    "date",
    "timezone",
    "deviceid",
    "hash_deviceid",
    "brand",
    "is_tracker",
];

/// A `getactivity` day.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Activity {
    pub(crate) date: String,
    pub(crate) timezone: String,
    pub(crate) deviceid: Option<String>,
    pub(crate) hash_deviceid: Option<String>,
    pub(crate) brand: i32,
    pub(crate) is_tracker: bool,
    pub(crate) steps: i64,
    pub(crate) distance: f64,
    pub(crate) elevation: f64,
    pub(crate) soft: i64,
    pub(crate) moderate: i64,
    pub(crate) intense: i64,
    pub(crate) active: i64,
    pub(crate) calories: f64,
    pub(crate) totalcalories: f64,
    pub(crate) hr_average: i64,
    pub(crate) hr_min: i64,
    pub(crate) hr_max: i64,
    pub(crate) hr_zone_0: i64,
    pub(crate) hr_zone_1: i64,
    pub(crate) hr_zone_2: i64,
    pub(crate) hr_zone_3: i64,
    #[serde(skip)]
    pub(crate) day: NaiveDate,
    /// Last change (for `lastupdate`).
    #[serde(skip)]
    pub(crate) modified: i64,
}

impl Activity {
    /// The item with the base fields plus the requested `data_fields` (all when `None`).
    pub(crate) fn item(&self, fields: Option<&[&str]>) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let (Some(fields), Value::Object(map)) = (fields, &mut value) {
            map.retain(|k, _| ACTIVITY_BASE.contains(&k.as_str()) || fields.contains(&k.as_str()));
        }
        value
    }

    /// Adds `steps` walked now (the control API's "new activity").
    pub(crate) fn add_steps(&mut self, steps: i64, now: i64) {
        self.steps += steps;
        self.distance = (self.distance + steps as f64 * 0.74).round();
        let kcal = (steps as f64 * 0.045 * 10.0).round() / 10.0;
        self.calories = ((self.calories + kcal) * 10.0).round() / 10.0;
        self.totalcalories = ((self.totalcalories + kcal) * 10.0).round() / 10.0;
        self.soft += steps / 2;
        self.modified = now;
    }
}

/// A `getworkouts` item.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WorkoutDoc {
    pub(crate) id: u64,
    pub(crate) category: i64,
    pub(crate) timezone: String,
    pub(crate) model: i32,
    pub(crate) attrib: i32,
    pub(crate) startdate: i64,
    pub(crate) enddate: i64,
    pub(crate) date: String,
    pub(crate) modified: i64,
    pub(crate) deviceid: String,
    pub(crate) data: Map<String, Value>,
}

impl WorkoutDoc {
    /// The item with only the requested `data_fields` in `data` (all when `None`).
    pub(crate) fn item(&self, fields: Option<&[&str]>) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let (Some(fields), Some(Value::Object(data))) = (fields, value.get_mut("data")) {
            data.retain(|k, _| fields.contains(&k.as_str()));
        }
        value
    }

    pub(crate) fn day(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.date, "%Y-%m-%d").unwrap_or_default()
    }
}

/// (category, kcal per minute, meters per minute, steps per minute, average heart rate).
const SPORTS: [(i64, f64, f64, f64, f64); 6] = [
    (1, 4.5, 85.0, 110.0, 105.0),
    (2, 11.0, 170.0, 165.0, 150.0),
    (6, 8.5, 380.0, 0.0, 135.0),
    (7, 9.0, 40.0, 0.0, 130.0),
    (16, 6.0, 0.0, 0.0, 115.0),
    (28, 3.0, 0.0, 0.0, 95.0),
];

/// A workout starting at `start`.
pub(crate) fn workout(user: &mut User, tz: FixedOffset, start: i64) -> WorkoutDoc {
    let (category, kcal, meters, steps, hr) = SPORTS[user.rng.usize(..SPORTS.len())];
    let minutes = f64::from(user.rng.u16(30..=75));
    let duration = (minutes * 60.0) as i64;
    let effort = 0.9 + user.rng.f64() * 0.2;
    let hr_average = (hr * effort).round();
    let zones = [duration / 10, duration / 5, duration / 2];
    let data = json!({
        "algo_pause_duration": 0,
        "calories": (kcal * minutes * effort * 10.0).round() / 10.0,
        "distance": (meters * minutes * effort).round(),
        "elevation": if meters > 0.0 { f64::from(user.rng.u8(0..80)) } else { 0.0 },
        "hr_average": hr_average,
        "hr_max": hr_average + 12.0 + f64::from(user.rng.u8(0..15)),
        "hr_min": (hr_average - 40.0).max(70.0),
        "hr_zone_0": zones[0],
        "hr_zone_1": zones[1],
        "hr_zone_2": zones[2],
        "hr_zone_3": duration - zones.iter().sum::<i64>(),
        "intensity": 30 + user.rng.u8(0..50),
        "manual_calories": 0,
        "manual_distance": 0,
        "pause_duration": 0,
        "pool_laps": if category == 7 { (meters * minutes / 25.0).round() } else { 0.0 },
        "pool_length": if category == 7 { 25 } else { 0 },
        "spo2_average": null,
        "steps": (steps * minutes).round(),
        "strokes": 0,
    });
    WorkoutDoc {
        id: user.next_id(3_000_000_000),
        category,
        timezone: user.timezone.clone(),
        model: 93,
        attrib: 7,
        startdate: start,
        enddate: start + duration,
        date: local_date(tz, start).format("%Y-%m-%d").to_string(),
        modified: start + duration + 300,
        deviceid: user.watch_id.clone(),
        data: match data {
            Value::Object(map) => map,
            _ => Map::new(),
        },
    }
}

/// The day's totals, including that day's workouts.
pub(crate) fn activity(user: &mut User, tz: FixedOffset, day: NaiveDate) -> Activity {
    let ymd = day.format("%Y-%m-%d").to_string();
    let workouts: Vec<&WorkoutDoc> = user.workouts.iter().filter(|w| w.date == ymd).collect();
    let field = |w: &WorkoutDoc, k: &str| w.data.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    let workout_steps: f64 = workouts.iter().map(|w| field(w, "steps")).sum();
    let workout_kcal: f64 = workouts.iter().map(|w| field(w, "calories")).sum();
    let workout_secs: i64 = workouts.iter().map(|w| w.enddate - w.startdate).sum();
    let walk_steps = user.physio.steps * (0.7 + user.rng.f64() * 0.6);
    let steps = (walk_steps + workout_steps).round() as i64;
    let soft = 2400 + i64::from(user.rng.u16(0..3600));
    let moderate = 600 + i64::from(user.rng.u16(0..1800)) + workout_secs / 2;
    let intense = i64::from(user.rng.u16(0..600)) + workout_secs / 2;
    let calories = ((walk_steps * 0.045 + workout_kcal) * 10.0).round() / 10.0;
    let bmr = 22.0 * user.physio.weight_kg + 300.0;
    let resting = user.physio.resting_hr.round() as i64;
    let hr_max = if workouts.is_empty() { 120 } else { 165 } + i64::from(user.rng.u8(0..15));
    Activity {
        date: ymd,
        timezone: user.timezone.clone(),
        deviceid: None,
        hash_deviceid: None,
        brand: 18,
        is_tracker: true,
        steps,
        distance: (steps as f64 * 0.74).round(),
        elevation: f64::from(user.rng.u8(0..40)),
        soft,
        moderate,
        intense,
        active: moderate + intense,
        calories,
        totalcalories: ((calories + bmr) * 10.0).round() / 10.0,
        hr_average: resting + 14 + i64::from(user.rng.u8(0..8)),
        hr_min: resting - 4,
        hr_max,
        hr_zone_0: 36_000 + i64::from(user.rng.u16(0..7200)),
        hr_zone_1: 3600 + moderate,
        hr_zone_2: intense,
        hr_zone_3: workout_secs / 10,
        day,
        modified: local(tz, day + TimeDelta::days(1), 0).timestamp(),
    }
}
