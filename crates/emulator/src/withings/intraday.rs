//! `getintradayactivity`: a point every 10 minutes, computed on demand as a pure function of
//! (seed, user, time), shaped by the user's nights and workouts.

use chrono::{DateTime, FixedOffset, Timelike as _, Utc};
use fastrand::Rng;
use serde_json::{Map, Value, json};

use super::data::{User, mix};

/// Seconds between two intraday points.
pub(crate) const STEP: i64 = 600;

/// Every field `data_fields` may ask for.
const FIELDS: [&str; 9] = [
    "steps",
    "elevation",
    "calories",
    "distance",
    "stroke",
    "pool_lap",
    "duration",
    "heart_rate",
    "spo2_auto",
];

/// The points in `[start, end]`, keyed by epoch seconds, with the requested fields (all when
/// `fields` is empty).
pub(crate) fn series(
    user: &User,
    seed: u64,
    tz: FixedOffset,
    start: i64,
    end: i64,
    fields: &[&str],
) -> Map<String, Value> {
    let wanted = |f: &str| (fields.is_empty() && FIELDS.contains(&f)) || fields.contains(&f);
    let mut out = Map::new();
    let mut t = start.div_euclid(STEP) * STEP;
    if t < start {
        t += STEP;
    }
    while t <= end {
        let point = point(user, seed, tz, t);
        let mut item = Map::new();
        item.insert("deviceid".into(), json!(user.watch_id));
        item.insert("model".into(), json!("ScanWatch"));
        item.insert("model_id".into(), json!(93));
        for (field, value) in point {
            if wanted(field) {
                item.insert(field.into(), value);
            }
        }
        out.insert(t.to_string(), Value::Object(item));
        t += STEP;
    }
    out
}

fn point(user: &User, seed: u64, tz: FixedOffset, t: i64) -> Vec<(&'static str, Value)> {
    let mut rng = Rng::with_seed(mix(&[seed, user.number, t.unsigned_abs()]));
    let resting = user.physio.resting_hr;
    let mut fields = vec![("duration", json!(STEP))];
    if user
        .nights
        .iter()
        .any(|n| (n.startdate..n.enddate).contains(&t))
    {
        fields.push((
            "heart_rate",
            json!((resting - 2.0 + rng.f64() * 5.0).round()),
        ));
        if rng.u8(0..3) == 0 {
            fields.push(("spo2_auto", json!(95 + rng.u8(0..5))));
        }
        return fields;
    }
    if let Some(workout) = user
        .workouts
        .iter()
        .find(|w| (w.startdate..w.enddate).contains(&t))
    {
        let minutes = (STEP / 60) as f64;
        let duration = ((workout.enddate - workout.startdate) / 60).max(1) as f64;
        let per_minute = |k: &str| {
            workout.data.get(k).and_then(Value::as_f64).unwrap_or(0.0) / duration * minutes
        };
        let avg = workout
            .data
            .get("hr_average")
            .and_then(Value::as_f64)
            .unwrap_or(120.0);
        fields.push(("heart_rate", json!((avg - 8.0 + rng.f64() * 16.0).round())));
        fields.push(("steps", json!(per_minute("steps").round())));
        fields.push((
            "calories",
            json!((per_minute("calories") * 100.0).round() / 100.0),
        ));
        fields.push(("distance", json!(per_minute("distance").round())));
        fields.push(("elevation", json!(0)));
        return fields;
    }
    let hour = DateTime::<Utc>::from_timestamp(t, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .hour();
    let awake = (7..22).contains(&hour);
    let heart_rate = resting + if awake { 12.0 } else { 5.0 } + rng.f64() * 14.0;
    fields.push(("heart_rate", json!(heart_rate.round())));
    if awake && rng.u8(0..100) < 60 {
        let steps = f64::from(rng.u16(20..500));
        fields.push(("steps", json!(steps)));
        fields.push(("calories", json!((steps * 0.045 * 100.0).round() / 100.0)));
        fields.push(("distance", json!((steps * 0.74).round())));
        fields.push(("elevation", json!(0)));
    }
    fields
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::super::WithingsConfig;
    use super::super::data::{generate_user, local};
    use super::*;

    #[test]
    fn points_are_deterministic_aligned_and_plausible() {
        let tz = FixedOffset::east_opt(-3 * 3600).unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        let now = local(tz, day, 23 * 60).timestamp();
        let user = generate_user(3, 1, day, now, &WithingsConfig::default(), tz);
        let start = now - 86_400 + 17;
        let a = series(&user, 3, tz, start, now, &["heart_rate", "steps"]);
        let b = series(&user, 3, tz, start, now, &["heart_rate", "steps"]);
        assert_eq!(a, b);
        assert_eq!(a.len(), 144);
        for (key, item) in &a {
            let t: i64 = key.parse().unwrap();
            assert_eq!(t % STEP, 0);
            assert!((start..=now).contains(&t));
            let hr = item["heart_rate"].as_f64().unwrap();
            assert!((40.0..=180.0).contains(&hr), "{hr}");
            assert!(item.get("calories").is_none(), "only requested fields");
        }
        assert!(a.values().any(|i| i.get("steps").is_some()));
    }
}
