//! Emulated users and their generated history: a pure function of (seed, user number, day).

use chrono::{DateTime, Datelike as _, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};
use fastrand::Rng;
use serde_json::{Value, json};

use super::PolarConfig;
use super::days::{self, Activity, BodyTemperature, HeartRateDay, Spo2Test};
use super::exercise::{self, Exercise};
use super::night::{self, Night};

/// Per-user physiological baseline.
#[derive(Debug, Clone)]
pub(crate) struct Physio {
    pub(crate) female: bool,
    pub(crate) birthday: NaiveDate,
    /// Kilograms.
    pub(crate) weight: f64,
    /// Centimeters.
    pub(crate) height: f64,
    pub(crate) resting_hr: f64,
    pub(crate) max_hr: f64,
    /// RMSSD, ms.
    pub(crate) hrv: f64,
    pub(crate) breath: f64,
    pub(crate) vo2_max: f64,
    /// kcal per day at rest.
    pub(crate) bmr: f64,
    pub(crate) skin_temperature: f64,
}

pub(crate) fn physio(rng: &mut Rng) -> Physio {
    let female = rng.bool();
    let height = if female {
        155.0 + rng.f64() * 25.0
    } else {
        168.0 + rng.f64() * 25.0
    };
    let bmi = 20.0 + rng.f64() * 8.0;
    let weight = (bmi * (height / 100.0).powi(2) * 10.0).round() / 10.0;
    let age = rng.i32(20..=65);
    let birthday =
        NaiveDate::from_ymd_opt(2025 - age, rng.u32(1..=12), rng.u32(1..=28)).unwrap_or_default();
    let bmr = if female {
        655.0 + 9.6 * weight + 1.8 * height
    } else {
        66.0 + 13.7 * weight + 5.0 * height
    };
    Physio {
        female,
        birthday,
        weight,
        height: height.round(),
        resting_hr: 50.0 + rng.f64() * 12.0,
        max_hr: (208.0 - 0.7 * f64::from(age)).round(),
        hrv: 28.0 + rng.f64() * 40.0,
        breath: 12.5 + rng.f64() * 4.0,
        vo2_max: (35.0 + rng.f64() * 20.0).round(),
        bmr: bmr.round(),
        skin_temperature: 33.8 + rng.f64() * 1.0,
    }
}

/// One emulated AccessLink user.
#[derive(Debug, Clone)]
pub(crate) struct User {
    /// `x_user_id` / `polar-user-id`.
    pub(crate) id: u64,
    pub(crate) number: u64,
    pub(crate) created_day: NaiveDate,
    pub(crate) device_id: String,
    pub(crate) physio: Physio,
    /// Set by `POST /v3/users`; data endpoints answer 403 until then.
    pub(crate) member_id: Option<String>,
    pub(crate) registration_date: Option<DateTime<Utc>>,
    pub(crate) physical_modified: DateTime<Utc>,
    pub(crate) nights: Vec<Night>,
    pub(crate) exercises: Vec<Exercise>,
    pub(crate) activities: Vec<Activity>,
    pub(crate) heart_rate: Vec<HeartRateDay>,
    pub(crate) body_temperature: Vec<BodyTemperature>,
    pub(crate) spo2: Vec<Spo2Test>,
    /// Continues the user's deterministic stream for records created later.
    pub(crate) rng: Rng,
}

impl User {
    /// `https://www.polaraccesslink.com/v3/users/{id}`.
    pub(crate) fn link(&self) -> String {
        format!("https://www.polaraccesslink.com/v3/users/{}", self.id)
    }

    /// `GET /v3/users/{user-id}` / the registration answer.
    pub(crate) fn user_json(&self) -> Value {
        json!({
            "polar-user-id": self.id,
            "member-id": self.member_id,
            "registration-date": self.registration_date.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "first-name": format!("User{}", self.number),
            "last-name": "Emulated",
            "birthdate": self.physio.birthday.to_string(),
            "gender": if self.physio.female { "FEMALE" } else { "MALE" },
            "weight": self.physio.weight,
            "height": self.physio.height,
            "extra-info": [],
        })
    }

    /// `GET /v3/users/physical-info`.
    pub(crate) fn physical_info_json(&self) -> Value {
        let p = &self.physio;
        let created = (self.physical_modified - TimeDelta::days(90))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        json!({
            "weight": p.weight,
            "height": p.height,
            "created": created,
            "modified": self.physical_modified.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "birthday": p.birthday.to_string(),
            "gender": if p.female { "FEMALE" } else { "MALE" },
            "maximum_heart_rate": p.max_hr,
            "resting_heart_rate": p.resting_hr.round(),
            "aerobic_threshold": (p.max_hr * 0.75).round(),
            "anaerobic_threshold": (p.max_hr * 0.9).round(),
            "vo2_max": p.vo2_max,
            "weight_source": "SOURCE_USER",
            "training_background": "REGULAR",
            "typical_day": "MOSTLY_MOVING",
            "sleep_goal": "PT8H",
        })
    }

    /// Recomputes `date`'s activity summary and heart rate (after a new night or exercise).
    pub(crate) fn refresh_day(
        &mut self,
        tz: FixedOffset,
        date: NaiveDate,
        until_secs: Option<u32>,
    ) {
        let activity = days::activity(
            &mut self.rng,
            date,
            &self.physio,
            &self.exercises,
            tz,
            until_secs,
        );
        match self.activities.iter_mut().find(|a| a.date == date) {
            Some(existing) => *existing = activity,
            None => self.activities.push(activity),
        }
        let day = days::heart_rate_day(
            &mut self.rng,
            tz,
            date,
            &self.nights,
            &self.exercises,
            &self.physio,
            until_secs,
        );
        match self.heart_rate.iter_mut().find(|d| d.date == date) {
            Some(existing) => *existing = day,
            None => self.heart_rate.push(day),
        }
    }
}

/// Generates user `number` (1-based) whose history ends on local `today`.
pub(crate) fn generate_user(
    seed: u64,
    number: u64,
    today: NaiveDate,
    config: &PolarConfig,
    tz: FixedOffset,
) -> User {
    let day_number = u64::try_from(today.num_days_from_ce()).unwrap_or_default();
    let mut rng = Rng::with_seed(mix(&[seed, number, day_number]));
    let id = rng.u64(10_000_000..100_000_000);
    let device_id = format!("{:08X}", rng.u32(..));
    let physio = physio(&mut rng);
    let history = i64::from(config.history_days.max(1));
    let days: Vec<NaiveDate> = (0..history)
        .map(|back| today - TimeDelta::days(history - 1 - back))
        .collect();
    let nights: Vec<Night> = days
        .iter()
        .map(|&day| night::night(&mut rng, tz, day, &physio))
        .collect();
    let mut exercises = Vec::new();
    for &day in &days {
        if rng.u8(0..10) < 5 {
            let minute = if rng.bool() { 7 * 60 } else { 17 * 60 } + 5 * rng.i64(0..=18);
            let local = day.and_time(NaiveTime::MIN) + TimeDelta::minutes(minute);
            let start = local.and_utc() - TimeDelta::seconds(i64::from(tz.local_minus_utc()));
            exercises.push(exercise::exercise(
                &mut rng,
                start.with_timezone(&tz),
                &physio,
                &device_id,
            ));
        }
    }
    let mut user = User {
        id,
        number,
        created_day: today,
        device_id,
        member_id: None,
        registration_date: None,
        physical_modified: (today - TimeDelta::days(history))
            .and_time(NaiveTime::MIN)
            .and_utc()
            + TimeDelta::hours(12),
        physio,
        nights,
        exercises,
        activities: Vec::new(),
        heart_rate: Vec::new(),
        body_temperature: Vec::new(),
        spo2: Vec::new(),
        rng,
    };
    for &day in &days {
        user.refresh_day(tz, day, None);
    }
    let mut rng = user.rng.clone();
    for (i, n) in user.nights.iter().enumerate() {
        user.body_temperature.push(days::body_temperature(
            &mut rng,
            n,
            &user.physio,
            &user.device_id,
        ));
        if i % 3 == 0 {
            user.spo2.push(days::spo2_test(
                &mut rng,
                tz,
                n.date,
                &user.physio,
                &user.device_id,
            ));
        }
    }
    user.rng = rng;
    user
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
mod tests {
    use super::*;

    fn user(seed: u64, number: u64) -> User {
        let tz = FixedOffset::east_opt(7200).unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        generate_user(seed, number, day, &PolarConfig::default(), tz)
    }

    #[test]
    fn a_user_is_a_pure_function_of_seed_number_and_day() {
        let (a, b) = (user(5, 2), user(5, 2));
        assert_eq!(a.id, b.id);
        assert_eq!(a.exercises.len(), b.exercises.len());
        assert_eq!(
            a.nights[3].sleep_json(&a.link(), &a.device_id),
            b.nights[3].sleep_json(&b.link(), &b.device_id)
        );
        assert_ne!(user(5, 3).id, a.id);
        assert_ne!(user(6, 2).id, a.id);
    }

    #[test]
    fn generated_history_stays_physiologically_plausible_across_seeds() {
        for seed in 0..30 {
            let u = user(seed, 1 + seed % 3);
            assert_eq!(u.nights.len(), 35);
            assert_eq!(u.activities.len(), 35);
            assert_eq!(u.heart_rate.len(), 35);
            assert!((40.0..=130.0).contains(&u.physio.weight));
            assert!((150.0..=195.0).contains(&u.physio.height));
            for a in &u.activities {
                assert!((2_000..=30_000).contains(&a.steps), "{}", a.steps);
                assert!(a.calories > a.active_calories);
            }
            for day in &u.heart_rate {
                assert!(day.samples.iter().all(|(_, bpm)| (40..=120).contains(bpm)));
                assert!(day.samples.windows(2).all(|w| w[0].0 < w[1].0));
            }
            for e in &u.exercises {
                assert!(e.hr_samples.iter().all(|b| (80..=200).contains(b)));
                assert!(e.hr_max >= e.hr_avg);
            }
        }
    }
}
