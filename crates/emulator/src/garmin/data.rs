//! Emulated Garmin users and their history: a pure function of (seed, user number, creation
//! time). Every summary is stored as the exact JSON Garmin's REST API returns (without `userId`,
//! which pushes add) together with its summary time and its upload time.

use chrono::{DateTime, Datelike as _, FixedOffset, NaiveDate, TimeDelta, Utc};
use fastrand::Rng;
use serde_json::{Map, Value};

use super::GarminConfig;
use super::gen_activity::{self, Workout};
use super::gen_day;
use super::gen_misc;
use super::gen_sleep::{self, Night};
use super::kind::{ACTIVITY_EXPORT, HEALTH_EXPORT, HISTORICAL_DATA_EXPORT, Kind};

/// Per-user physiological baseline.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub(crate) resting_hr: f64,
    /// Overnight RMSSD, ms.
    pub(crate) hrv: f64,
    pub(crate) breath: f64,
    pub(crate) spo2: f64,
    pub(crate) weight_kg: f64,
    pub(crate) height_m: f64,
    pub(crate) body_fat: f64,
    pub(crate) vo2_max: f64,
    pub(crate) age: u32,
    pub(crate) bmr_kcal: f64,
    pub(crate) lat: f64,
    pub(crate) lon: f64,
}

/// One summary as stored: `json` is Garmin's item without `userId`.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) kind: Kind,
    pub(crate) summary_id: String,
    /// Summary (recording) time, epoch seconds: what backfill selects by.
    pub(crate) start: i64,
    /// When the device synced it, epoch seconds: what the summary endpoints select by.
    pub(crate) uploaded: i64,
    pub(crate) json: String,
}

impl Record {
    /// The item as pushed: `userId` first, then the summary's fields.
    pub(crate) fn pushed(&self, user_id: &str) -> String {
        let id = Value::String(user_id.to_owned()).to_string();
        match self.json.strip_prefix('{') {
            Some("}") => format!("{{\"userId\":{id}}}"),
            Some(rest) => format!("{{\"userId\":{id},{rest}"),
            None => self.json.clone(),
        }
    }
}

/// One emulated Garmin account.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) number: u64,
    pub(crate) created_at: DateTime<Utc>,
    /// Granted on the consent screen (`ACTIVITY_EXPORT`, `HEALTH_EXPORT`, …).
    pub(crate) permissions: Vec<String>,
    /// Registered with our app (cleared by deregistration).
    pub(crate) registered: bool,
    pub(crate) first_connected: Option<i64>,
    pub(crate) profile: Profile,
    pub(crate) nights: Vec<Night>,
    pub(crate) workouts: Vec<Workout>,
    pub(crate) records: Vec<Record>,
    pub(crate) next_activity_id: u64,
    /// Continues the user's deterministic stream for records created later.
    pub(crate) rng: Rng,
}

impl User {
    /// Stores `record`, replacing an earlier version: same type and summary id, or (for
    /// day and sleep summaries, whose ids embed their growing duration) same start time.
    pub(crate) fn upsert(&mut self, record: Record) {
        let by_start = matches!(
            record.kind,
            Kind::Dailies | Kind::StressDetails | Kind::Sleeps
        );
        match self.records.iter_mut().find(|r| {
            r.kind == record.kind
                && (r.summary_id == record.summary_id || (by_start && r.start == record.start))
        }) {
            Some(existing) => *existing = record,
            None => self.records.push(record),
        }
    }

    /// A short hex tag of the user used inside summary ids (`x3b2f55-…`).
    pub(crate) fn tag(&self) -> String {
        tag(&self.id)
    }
}

pub(crate) fn tag(user_id: &str) -> String {
    user_id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(7)
        .collect()
}

/// The user's device syncs a few times a day; a summary is uploaded at the first sync after it
/// ends.
pub(crate) struct Syncs(Vec<i64>);

impl Syncs {
    fn new(rng: &mut Rng, tz: FixedOffset, days: &[NaiveDate]) -> Self {
        let mut times: Vec<i64> = days
            .iter()
            .flat_map(|&day| {
                [7 * 60 + 10, 12 * 60 + 30, 18 * 60 + 45, 22 * 60 + 15]
                    .map(|minutes| local_ts(tz, day, minutes + i64::from(rng.u8(0..40))))
            })
            .collect();
        times.push(local_ts(
            tz,
            days.last().copied().unwrap_or_default(),
            24 * 60 + 7 * 60 + 10,
        ));
        times.sort_unstable();
        Self(times)
    }

    /// The first sync at least two minutes after `end`.
    pub(crate) fn upload_for(&self, end: i64) -> Option<i64> {
        let i = self.0.partition_point(|&t| t < end + 120);
        self.0.get(i).copied()
    }
}

/// Epoch seconds of `minutes` after local midnight of `day` in `tz`.
pub(crate) fn local_ts(tz: FixedOffset, day: NaiveDate, minutes: i64) -> i64 {
    let midnight = day
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp();
    midnight + minutes * 60 - i64::from(tz.local_minus_utc())
}

/// A JSON object from pairs, skipping `Value::Null`s.
pub(crate) fn object(pairs: Vec<(&str, Value)>) -> Value {
    let map: Map<String, Value> = pairs
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    Value::Object(map)
}

/// `{"<offset>": value}` maps as Garmin sends them.
pub(crate) fn offset_map(pairs: impl IntoIterator<Item = (i64, Value)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// `x` rounded to `places` decimals, as a JSON number.
pub(crate) fn num(x: f64, places: i32) -> Value {
    let factor = 10f64.powi(places);
    serde_json::Number::from_f64((x * factor).round() / factor).map_or(Value::Null, Value::Number)
}

fn profile(rng: &mut Rng) -> Profile {
    let female = rng.bool();
    let height_m = if female { 1.55 } else { 1.68 } + rng.f64() * 0.25;
    let bmi = 20.0 + rng.f64() * 8.0;
    let weight_kg = bmi * height_m * height_m;
    let age = rng.u32(22..=68);
    let bmr_kcal = 10.0 * weight_kg + 625.0 * height_m - 5.0 * f64::from(age)
        + if female { -161.0 } else { 5.0 };
    Profile {
        resting_hr: 50.0 + rng.f64() * 12.0,
        hrv: 30.0 + rng.f64() * 40.0,
        breath: 13.0 + rng.f64() * 3.0,
        spo2: 95.0 + rng.f64() * 2.5,
        weight_kg,
        height_m,
        body_fat: if female { 24.0 } else { 16.0 } + rng.f64() * 8.0,
        vo2_max: 36.0 + rng.f64() * 18.0,
        age,
        bmr_kcal,
        lat: 38.8 + rng.f64() * 0.2,
        lon: -94.8 + rng.f64() * 0.2,
    }
}

/// Generates user `number` (1-based) whose history ends at `now`: `history_days` local days,
/// keeping only what has been uploaded by `now`.
pub(crate) fn generate_user(
    seed: u64,
    number: u64,
    now: DateTime<Utc>,
    config: &GarminConfig,
    tz: FixedOffset,
) -> User {
    let today = now.with_timezone(&tz).date_naive();
    let day_number = u64::try_from(today.num_days_from_ce()).unwrap_or_default();
    let mut rng = Rng::with_seed(mix(&[seed, number, day_number]));
    let mut id_bytes = [0u8; 16];
    rng.fill(&mut id_bytes);
    let id = hex_id(&id_bytes);
    let profile = profile(&mut rng);
    let history = i64::from(config.history_days.max(1));
    let days: Vec<NaiveDate> = (0..history)
        .map(|back| today - TimeDelta::days(history - 1 - back))
        .collect();
    let syncs = Syncs::new(&mut rng, tz, &days);
    let user_tag = tag(&id);
    let mut next_activity_id =
        10_000_000_000 + number * 10_000_000 + u64::from(rng.u32(0..1_000_000));

    // One more night than days: the evening of the last day belongs to it.
    let nights: Vec<Night> = days
        .iter()
        .chain(std::iter::once(&(today + TimeDelta::days(1))))
        .map(|&day| gen_sleep::night(&mut rng, tz, day))
        .collect();
    let mut workouts = Vec::new();
    for &day in &days {
        if let Some(w) = gen_activity::planned(&mut rng, tz, day, &nights, next_activity_id) {
            next_activity_id += 1;
            workouts.push(w);
        }
    }

    let mut generated: Vec<Generated> = Vec::new();
    for night in nights.iter().take(days.len()) {
        generated.extend(gen_sleep::summaries(&mut rng, night, &profile, &user_tag));
    }
    for workout in &workouts {
        generated.extend(gen_activity::summaries(&mut rng, workout, &profile));
    }
    for (i, &day) in days.iter().enumerate() {
        let timeline = gen_day::Timeline::new(&mut rng, tz, day, &nights, &workouts);
        generated.extend(gen_day::summaries(
            &mut rng, &timeline, &profile, &user_tag, config, None,
        ));
        generated.extend(gen_misc::daily(&mut rng, tz, day, i, &profile, &user_tag));
    }
    let mut records: Vec<Record> = generated
        .into_iter()
        .filter_map(|g| {
            let uploaded = syncs.upload_for(g.end).filter(|&t| t <= now.timestamp())?;
            Some(Record {
                kind: g.kind,
                summary_id: g.summary_id,
                start: g.start,
                uploaded,
                json: g.json.to_string(),
            })
        })
        .collect();
    records.sort_by_key(|r| (r.uploaded, r.start));
    User {
        id,
        number,
        created_at: now,
        permissions: [ACTIVITY_EXPORT, HEALTH_EXPORT, HISTORICAL_DATA_EXPORT]
            .map(str::to_owned)
            .to_vec(),
        registered: false,
        first_connected: None,
        profile,
        nights,
        workouts,
        records,
        next_activity_id,
        rng,
    }
}

/// One generated summary before upload.
pub(crate) struct Generated {
    pub(crate) kind: Kind,
    pub(crate) summary_id: String,
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) json: Value,
}

/// 32 lowercase hex characters, like Garmin user ids.
fn hex_id(bytes: &[u8; 16]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
