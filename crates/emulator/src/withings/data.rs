//! Emulated users and their generated history: a pure function of (seed, user number, creation
//! day, now). Nothing is generated after `now`.

use chrono::{DateTime, Datelike as _, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};
use fastrand::Rng;
use serde::Serialize;

use super::WithingsConfig;
use super::daily::{self, Activity, WorkoutDoc};
use super::sleep::{self, Night};

/// Per-user physiological baseline.
#[derive(Debug, Clone)]
pub(crate) struct Physio {
    pub(crate) height_m: f64,
    pub(crate) weight_kg: f64,
    pub(crate) fat_ratio: f64,
    pub(crate) resting_hr: f64,
    pub(crate) systolic: f64,
    pub(crate) diastolic: f64,
    pub(crate) hrv: f64,
    pub(crate) breath: f64,
    pub(crate) steps: f64,
}

/// One measure: the real value is `value × 10^unit`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Measure {
    pub(crate) value: i64,
    #[serde(rename = "type")]
    pub(crate) kind: i64,
    pub(crate) unit: i32,
    pub(crate) algo: i32,
    pub(crate) fm: i32,
}

/// A `getmeas` measure group.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MeasureGroup {
    pub(crate) grpid: u64,
    pub(crate) attrib: i32,
    pub(crate) date: i64,
    pub(crate) created: i64,
    pub(crate) modified: i64,
    pub(crate) category: i32,
    pub(crate) deviceid: Option<String>,
    pub(crate) hash_deviceid: Option<String>,
    pub(crate) measures: Vec<Measure>,
    pub(crate) comment: Option<String>,
    pub(crate) timezone: String,
}

/// One emulated Withings account.
#[derive(Debug, Clone)]
pub(crate) struct User {
    /// Withings user ids are integers, sent as strings.
    pub(crate) id: String,
    pub(crate) number: u64,
    pub(crate) created_day: NaiveDate,
    pub(crate) timezone: String,
    pub(crate) physio: Physio,
    pub(crate) scale_id: String,
    pub(crate) watch_id: String,
    pub(crate) measures: Vec<MeasureGroup>,
    pub(crate) activities: Vec<Activity>,
    pub(crate) workouts: Vec<WorkoutDoc>,
    pub(crate) nights: Vec<Night>,
    /// Continues the user's deterministic stream for records created later.
    pub(crate) rng: Rng,
    next_id: u64,
}

impl User {
    /// The next record id of this user (group, workout or night).
    pub(crate) fn next_id(&mut self, base: u64) -> u64 {
        self.next_id += 1;
        base + self.number * 1_000_000 + self.next_id
    }

    /// A weigh-in on the scale at `at` (weight, fat-free mass, fat ratio, fat mass, muscle,
    /// hydration, bone mass, heart pulse).
    pub(crate) fn weigh_in(&mut self, at: i64) -> MeasureGroup {
        let drift = (self.rng.f64() - 0.5) * 0.8;
        let weight = self.physio.weight_kg + drift;
        let fat_ratio = (self.physio.fat_ratio + (self.rng.f64() - 0.5) * 0.6).clamp(5.0, 50.0);
        let fat_mass = weight * fat_ratio / 100.0;
        let lean = weight - fat_mass;
        let pulse = self.physio.resting_hr + 6.0 + self.rng.f64() * 8.0;
        let measures = vec![
            measure(1, weight, -3),
            measure(5, lean, -2),
            measure(6, fat_ratio, -2),
            measure(8, fat_mass, -2),
            measure(76, lean * 0.94, -2),
            measure(77, lean * 0.72, -2),
            measure(88, lean * 0.052, -2),
            measure(11, pulse, 0),
        ];
        let device = Some(self.scale_id.clone());
        self.group(at, 0, device, measures)
    }

    /// A blood-pressure reading (diastolic, systolic, heart pulse).
    pub(crate) fn blood_pressure(&mut self, at: i64) -> MeasureGroup {
        let systolic = self.physio.systolic + (self.rng.f64() - 0.5) * 12.0;
        let diastolic = self.physio.diastolic + (self.rng.f64() - 0.5) * 8.0;
        let pulse = self.physio.resting_hr + 4.0 + self.rng.f64() * 10.0;
        let measures = vec![
            measure(9, diastolic, 0),
            measure(10, systolic, 0),
            measure(11, pulse, 0),
        ];
        self.group(at, 0, Some(self.watch_id.clone()), measures)
    }

    /// Morning SpO2 and skin temperature from the watch; body temperature once a week.
    fn morning_vitals(&mut self, at: i64, with_body_temperature: bool) -> MeasureGroup {
        let mut measures = vec![
            measure(54, 95.0 + self.rng.f64() * 4.0, 0),
            measure(73, 33.2 + self.rng.f64() * 1.4, -2),
        ];
        if with_body_temperature {
            measures.push(measure(71, 36.4 + self.rng.f64() * 0.7, -2));
        }
        self.group(at, 0, Some(self.watch_id.clone()), measures)
    }

    fn group(
        &mut self,
        at: i64,
        attrib: i32,
        device: Option<String>,
        measures: Vec<Measure>,
    ) -> MeasureGroup {
        MeasureGroup {
            grpid: self.next_id(5_000_000_000),
            attrib,
            date: at,
            created: at + 30,
            modified: at + 30,
            category: 1,
            hash_deviceid: device.clone(),
            deviceid: device,
            measures,
            comment: None,
            timezone: self.timezone.clone(),
        }
    }
}

/// `value` with `-unit` decimals as an integer measure.
fn measure(kind: i64, value: f64, unit: i32) -> Measure {
    Measure {
        value: (value * 10f64.powi(-unit)).round() as i64,
        kind,
        unit,
        algo: 0,
        fm: if matches!(kind, 1 | 5 | 6 | 8 | 76 | 77 | 88) {
            131
        } else {
            3
        },
    }
}

/// Generates user `number` (1-based) on local day `today`, without records after `now`.
pub(crate) fn generate_user(
    seed: u64,
    number: u64,
    today: NaiveDate,
    now: i64,
    config: &WithingsConfig,
    tz: FixedOffset,
) -> User {
    let day_number = u64::try_from(today.num_days_from_ce()).unwrap_or_default();
    let mut rng = Rng::with_seed(mix(&[seed, number, day_number]));
    let id = (10_000_000 + rng.u64(0..80_000_000)).to_string();
    let female = rng.bool();
    let height_m = if female { 1.55 } else { 1.68 } + rng.f64() * 0.25;
    let bmi = 20.0 + rng.f64() * 9.0;
    let physio = Physio {
        height_m,
        weight_kg: bmi * height_m * height_m,
        fat_ratio: if female { 24.0 } else { 15.0 } + rng.f64() * 10.0,
        resting_hr: 51.0 + rng.f64() * 8.0,
        systolic: 112.0 + rng.f64() * 18.0,
        diastolic: 70.0 + rng.f64() * 12.0,
        hrv: 28.0 + rng.f64() * 40.0,
        breath: 12.5 + rng.f64() * 4.0,
        steps: 6000.0 + rng.f64() * 5000.0,
    };
    let mut user = User {
        id,
        number,
        created_day: today,
        timezone: config.timezone.clone(),
        physio,
        scale_id: hex_id(&mut rng),
        watch_id: hex_id(&mut rng),
        measures: Vec::new(),
        activities: Vec::new(),
        workouts: Vec::new(),
        nights: Vec::new(),
        rng,
        next_id: 0,
    };
    let history = i64::from(config.history_days.max(1));
    let days: Vec<NaiveDate> = (0..history)
        .map(|back| today - TimeDelta::days(history - 1 - back))
        .collect();

    let first = local(tz, days[0], 9 * 60).timestamp();
    let height = vec![measure(4, user.physio.height_m, -2)];
    let height_group = user.group(first.min(now), 2, None, height);
    user.measures.push(height_group);
    for (i, &day) in days.iter().enumerate() {
        let night = sleep::night(&mut user, tz, day);
        let wake = night.enddate;
        if night.enddate <= now {
            user.nights.push(night);
        }
        let mut groups = Vec::new();
        if user.rng.u8(0..100) < 85 {
            let at = wake + 600 + i64::from(user.rng.u16(0..900));
            groups.push(user.weigh_in(at));
        }
        groups.push(user.morning_vitals(wake + 300, i % 7 == 3));
        if i % 3 == 1 {
            groups.push(user.blood_pressure(local(tz, day, 20 * 60).timestamp()));
        }
        user.measures
            .extend(groups.into_iter().filter(|g| g.date <= now));
        if user.rng.u8(0..100) < 40 {
            let start = local(tz, day, 18 * 60 + i64::from(user.rng.u16(0..60))).timestamp();
            let workout = daily::workout(&mut user, tz, start);
            if workout.enddate <= now {
                user.workouts.push(workout);
            }
        }
        let activity = daily::activity(&mut user, tz, day);
        user.activities.push(activity);
    }
    user
}

/// `date` at `minutes` after local midnight (may run past the day) in zone `tz`.
pub(crate) fn local(tz: FixedOffset, date: NaiveDate, minutes: i64) -> DateTime<FixedOffset> {
    let naive = date.and_time(NaiveTime::MIN) + TimeDelta::minutes(minutes);
    let utc = naive - TimeDelta::seconds(i64::from(tz.local_minus_utc()));
    DateTime::from_naive_utc_and_offset(utc, tz)
}

/// The local date of epoch `at` in zone `tz`.
pub(crate) fn local_date(tz: FixedOffset, at: i64) -> NaiveDate {
    DateTime::<Utc>::from_timestamp(at, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive()
}

fn hex_id(rng: &mut Rng) -> String {
    (0..40)
        .map(|_| char::from(b"0123456789abcdef"[rng.usize(..16)]))
        .collect()
}

/// SplitMix64 over the parts: a well-spread seed from small integers.
pub(crate) fn mix(parts: &[u64]) -> u64 {
    parts.iter().fold(0x9E37_79B9_7F4A_7C15, |acc, &part| {
        let mut z = acc ^ part.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(seed: u64, number: u64) -> User {
        let tz = FixedOffset::east_opt(-3 * 3600).unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        let now = local(tz, day, 23 * 60 + 59).timestamp();
        generate_user(seed, number, day, now, &WithingsConfig::default(), tz)
    }

    fn real(m: &Measure) -> f64 {
        m.value as f64 * 10f64.powi(m.unit)
    }

    #[test]
    fn generated_measures_are_plausible_and_use_unit_exponents() {
        for seed in 0..30 {
            let user = user(seed, 1 + seed % 3);
            assert!(user.measures.len() > 35);
            for group in &user.measures {
                for m in &group.measures {
                    let v = real(m);
                    let range = match m.kind {
                        1 => 40.0..=130.0,
                        4 => 1.5..=2.0,
                        6 => 5.0..=50.0,
                        9 => 55.0..=95.0,
                        10 => 95.0..=140.0,
                        11 => 45.0..=80.0,
                        54 => 94.0..=100.0,
                        71 => 36.0..=37.5,
                        73 => 32.0..=35.0,
                        _ => 0.5..=110.0,
                    };
                    assert!(range.contains(&v), "type {} = {v}", m.kind);
                }
            }
            let weight = user
                .measures
                .iter()
                .flat_map(|g| &g.measures)
                .find(|m| m.kind == 1);
            assert_eq!(weight.map(|m| m.unit), Some(-3));
        }
    }

    #[test]
    fn a_user_is_a_pure_function_of_its_inputs() {
        let (a, b) = (user(5, 2), user(5, 2));
        assert_eq!(a.id, b.id);
        assert_eq!(
            serde_json::to_value(&a.measures).unwrap(),
            serde_json::to_value(&b.measures).unwrap()
        );
        assert_eq!(a.nights.len(), b.nights.len());
        assert_ne!(user(5, 3).id, a.id);
    }

    #[test]
    fn nothing_is_generated_after_now() {
        let tz = FixedOffset::east_opt(0).unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        let now = local(tz, day, 5 * 60).timestamp();
        let user = generate_user(1, 1, day, now, &WithingsConfig::default(), tz);
        assert!(user.measures.iter().all(|g| g.date <= now));
        assert!(user.nights.iter().all(|n| n.enddate <= now));
        assert!(user.workouts.iter().all(|w| w.enddate <= now));
    }
}
