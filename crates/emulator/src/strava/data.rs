//! Emulated athletes and their activities: a pure function of (seed, athlete number, creation
//! day). Each activity keeps the [`Spec`] its streams are simulated from and a summary computed
//! from that simulation.

use chrono::{Datelike as _, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Timelike as _, Utc};
use fastrand::Rng;

use super::StravaConfig;
pub(crate) use super::sport::{Physio, Sport};
use super::streams::simulate;
use super::summary::summarize;

/// What an activity's streams are simulated from.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) sport: Sport,
    /// Unix seconds.
    pub(crate) start: i64,
    /// Planned moving time, seconds.
    pub(crate) duration: i64,
    /// Fraction of heart-rate reserve.
    pub(crate) intensity: f64,
    pub(crate) has_hr: bool,
    pub(crate) has_power: bool,
    pub(crate) outdoor: bool,
    pub(crate) manual: bool,
    pub(crate) origin: (f64, f64),
    pub(crate) base_alt: f64,
    pub(crate) stream_seed: u64,
}

/// An activity: its spec, its summary (from the simulation) and the rest of Strava's fields.
#[derive(Debug, Clone)]
pub(crate) struct Activity {
    pub(crate) id: u64,
    pub(crate) spec: Spec,
    pub(crate) name: String,
    pub(crate) utc_offset: i32,
    pub(crate) elapsed: i64,
    pub(crate) moving: i64,
    pub(crate) distance: f64,
    pub(crate) elevation_gain: f64,
    pub(crate) elev: Option<(f64, f64)>,
    pub(crate) avg_speed: f64,
    pub(crate) max_speed: f64,
    pub(crate) heart_rate: Option<(f64, f64)>,
    pub(crate) avg_cadence: Option<f64>,
    /// Average, maximum, weighted average watts and kilojoules.
    pub(crate) power: Option<(f64, u16, u16, f64)>,
    pub(crate) calories: f64,
    pub(crate) private: bool,
    pub(crate) device: Option<&'static str>,
    pub(crate) upload_id: Option<u64>,
}

impl Activity {
    pub(crate) fn end(&self) -> i64 {
        self.spec.start + self.elapsed
    }
}

/// The athlete profile.
#[derive(Debug, Clone)]
pub(crate) struct AthleteInfo {
    pub(crate) id: u64,
    pub(crate) username: String,
    pub(crate) firstname: &'static str,
    pub(crate) lastname: &'static str,
    pub(crate) sex: &'static str,
    pub(crate) city: (&'static str, &'static str, &'static str, (f64, f64)),
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// One emulated Strava account.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) number: u64,
    pub(crate) created_day: NaiveDate,
    pub(crate) athlete: AthleteInfo,
    pub(crate) physio: Physio,
    pub(crate) activities: Vec<Activity>,
    pub(crate) next_activity_id: u64,
    pub(crate) rng: Rng,
}

const FIRST: [(&str, &str); 6] = [
    ("Marianne", "F"),
    ("Lukas", "M"),
    ("Aiko", "F"),
    ("Mateo", "M"),
    ("Priya", "F"),
    ("Jonas", "M"),
];
const LAST: [&str; 5] = ["T.", "Berg", "Okafor", "Nguyen", "Silva"];
const CITIES: [(&str, &str, &str, (f64, f64)); 4] = [
    ("Paris", "Ile-de-France", "France", (48.8417, 2.2531)),
    ("Boulder", "Colorado", "United States", (40.015, -105.2705)),
    ("Girona", "Catalonia", "Spain", (41.9794, 2.8214)),
    ("Bergen", "Vestland", "Norway", (60.3913, 5.3221)),
];

/// A seed from several values (SplitMix64 finalizer over a running mix).
pub(crate) fn mix(values: &[u64]) -> u64 {
    values.iter().fold(0x9E37_79B9_7F4A_7C15, |acc, &v| {
        let mut z = acc ^ v.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

/// Generates athlete `number` (1-based) created on local date `created_day`.
pub(crate) fn generate_user(
    seed: u64,
    number: u64,
    created_day: NaiveDate,
    config: &StravaConfig,
    tz: FixedOffset,
) -> User {
    let day_number = u64::try_from(created_day.num_days_from_ce()).unwrap_or_default();
    let mut rng = Rng::with_seed(mix(&[seed, number, day_number]));
    let (firstname, sex) = FIRST[rng.usize(0..FIRST.len())];
    let lastname = LAST[rng.usize(0..LAST.len())];
    let city = CITIES[rng.usize(0..CITIES.len())];
    let weight = (if sex == "F" { 52.0 } else { 64.0 }) + (rng.f64() * 200.0).round() / 10.0;
    let now = Utc::now().timestamp();
    let athlete = AthleteInfo {
        id: 20_000_000 + number * 1_000 + rng.u64(0..1_000),
        username: format!("{}_{}", firstname.to_ascii_lowercase(), number),
        firstname,
        lastname,
        sex,
        city,
        created_at: now - rng.i64(400..3_000) * 86_400,
        updated_at: now - rng.i64(2..60) * 86_400,
    };
    let physio = Physio {
        resting_hr: rng.f64() * 16.0 + 46.0,
        max_hr: rng.f64() * 20.0 + 178.0,
        run_speed: rng.f64() * 0.8 + 2.6,
        ride_speed: rng.f64() * 2.0 + 7.0,
        ftp: (rng.f64() * 120.0 + 180.0).round(),
        weight,
    };
    let mut user = User {
        number,
        created_day,
        athlete,
        physio,
        activities: Vec::new(),
        next_activity_id: 10_000_000_000 + number * 1_000_000_000 + rng.u64(0..1_000_000),
        rng,
    };
    let days = i64::from(config.history_days.max(1));
    for back in (0..days).rev() {
        let day = created_day - TimeDelta::days(back);
        let count = match user.rng.u8(0..100) {
            0..25 => 0,
            25..90 => 1,
            _ => 2,
        };
        for slot in 0..count {
            let morning = if count == 2 {
                slot == 0
            } else {
                user.rng.bool()
            };
            let minutes = if morning {
                user.rng.i64(6 * 60 + 15..8 * 60 + 30)
            } else {
                user.rng.i64(17 * 60..19 * 60 + 30)
            };
            let start = local(tz, day, minutes);
            let sport = pick_sport(&mut user.rng);
            let activity = new_activity(&mut user, sport, start, tz);
            if activity.end() < now {
                user.activities.push(activity);
            }
        }
    }
    user
}

fn pick_sport(rng: &mut Rng) -> Sport {
    match rng.u8(0..100) {
        0..30 => Sport::Run,
        30..38 => Sport::TrailRun,
        38..55 => Sport::Ride,
        55..65 => Sport::VirtualRide,
        65..75 => Sport::Walk,
        75..80 => Sport::Hike,
        80..86 => Sport::Swim,
        86..95 => Sport::WeightTraining,
        _ => Sport::Yoga,
    }
}

/// Unix seconds of `minutes` after local midnight of `day` in `tz`.
pub(crate) fn local(tz: FixedOffset, day: NaiveDate, minutes: i64) -> i64 {
    let naive = day.and_time(NaiveTime::MIN) + TimeDelta::minutes(minutes);
    naive.and_utc().timestamp() - i64::from(tz.local_minus_utc())
}

/// A new activity of `sport` starting at `start` (unix seconds), with the user's next id.
pub(crate) fn new_activity(user: &mut User, sport: Sport, start: i64, tz: FixedOffset) -> Activity {
    let rng = &mut user.rng;
    let id = user.next_activity_id;
    user.next_activity_id += rng.u64(10_000..200_000);
    let minutes = match sport {
        Sport::Run => rng.i64(30..75),
        Sport::TrailRun => rng.i64(60..120),
        Sport::Ride => rng.i64(60..150),
        Sport::VirtualRide => rng.i64(40..75),
        Sport::Walk => rng.i64(25..60),
        Sport::Hike => rng.i64(90..200),
        Sport::Swim => rng.i64(30..55),
        Sport::WeightTraining => rng.i64(35..70),
        Sport::Yoga => rng.i64(30..60),
    };
    let intensity = match sport {
        Sport::Walk => 0.3,
        Sport::Hike => 0.42,
        Sport::Yoga => 0.2,
        Sport::WeightTraining => 0.38,
        Sport::VirtualRide => 0.68,
        _ => 0.6,
    } + rng.f64() * 0.12;
    let manual = sport == Sport::WeightTraining && rng.bool();
    let outdoor = !matches!(
        sport,
        Sport::VirtualRide | Sport::Swim | Sport::WeightTraining | Sport::Yoga
    );
    let (_, _, _, (lat, lng)) = user.athlete.city;
    let spec = Spec {
        sport,
        start,
        duration: minutes * 60,
        intensity,
        has_hr: !manual && (sport != Sport::Swim || rng.bool()),
        has_power: sport == Sport::VirtualRide || (sport == Sport::Ride && rng.bool()),
        outdoor,
        manual,
        origin: (
            lat + (rng.f64() - 0.5) * 0.05,
            lng + (rng.f64() - 0.5) * 0.05,
        ),
        base_alt: rng.f64() * 250.0 + 30.0,
        stream_seed: rng.u64(..),
    };
    let device = match (manual, sport) {
        (true, _) => None,
        (_, Sport::VirtualRide) => Some("Zwift"),
        (_, Sport::Ride) => Some("Wahoo ELEMNT BOLT"),
        (_, Sport::Yoga | Sport::WeightTraining) => Some("Apple Watch Series 9"),
        _ => Some("Garmin Forerunner 965"),
    };
    let name = activity_name(sport, start, tz);
    let streams = simulate(&spec, &user.physio);
    let mut activity = Activity {
        id,
        name,
        utc_offset: tz.local_minus_utc(),
        elapsed: spec.duration,
        moving: spec.duration,
        distance: 0.0,
        elevation_gain: 0.0,
        elev: None,
        avg_speed: 0.0,
        max_speed: 0.0,
        heart_rate: None,
        avg_cadence: None,
        power: None,
        calories: 0.0,
        private: rng.u8(0..10) == 0,
        device,
        upload_id: (!manual).then(|| id + 1_000_000_000 + rng.u64(0..1_000)),
        spec,
    };
    summarize(&mut activity, &streams, &user.physio);
    activity
}

/// Strava's automatic name: the part of the (local) day and the sport.
pub(crate) fn activity_name(sport: Sport, start: i64, tz: FixedOffset) -> String {
    let local_hour = chrono::DateTime::from_timestamp(start, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .hour();
    let part = match local_hour {
        0..5 | 21.. => "Night",
        5..11 => "Morning",
        11..14 => "Lunch",
        14..18 => "Afternoon",
        _ => "Evening",
    };
    match sport {
        Sport::VirtualRide => "Zwift - Watopia Flat Route".to_owned(),
        other => format!("{part} {}", other.noun()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_deterministic_and_activities_are_ordered_with_unique_ids() {
        let tz = FixedOffset::east_opt(3600).unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        let config = StravaConfig::default();
        let a = generate_user(7, 1, day, &config, tz);
        let b = generate_user(7, 1, day, &config, tz);
        assert_eq!(a.athlete.id, b.athlete.id);
        assert_eq!(a.activities.len(), b.activities.len());
        assert!(a.activities.len() >= 15, "{}", a.activities.len());
        assert!(
            a.activities
                .windows(2)
                .all(|w| w[0].id < w[1].id && w[0].spec.start < w[1].spec.start)
        );
        for activity in &a.activities {
            assert!(activity.moving <= activity.elapsed);
            if let Some((avg, max)) = activity.heart_rate {
                assert!((60.0..200.0).contains(&avg) && avg <= max, "{avg} {max}");
            }
            if activity.spec.sport.moves() && !activity.spec.manual {
                assert!(activity.distance > 100.0);
            }
        }
        let other = generate_user(7, 2, day, &config, tz);
        assert_ne!(other.athlete.id, a.athlete.id);
    }
}
