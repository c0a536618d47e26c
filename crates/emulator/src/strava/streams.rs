//! Activity streams: a deterministic simulation from an activity's [`Spec`] and the athlete's
//! physiology. The activity summary is computed from the same simulation, so streams and summary
//! agree (distance, heart rate, power, elevation).

use std::f64::consts::PI;

use fastrand::Rng;
use serde_json::{Value, json};

use super::data::{Physio, Spec, Sport};

/// Simulated samples; `None` streams are not recorded for this activity.
#[derive(Debug, Clone, Default)]
pub(crate) struct Streams {
    pub(crate) time: Vec<i64>,
    pub(crate) distance: Option<Vec<f64>>,
    pub(crate) latlng: Option<Vec<(f64, f64)>>,
    pub(crate) altitude: Option<Vec<f64>>,
    pub(crate) velocity: Option<Vec<f64>>,
    pub(crate) heartrate: Option<Vec<u16>>,
    pub(crate) cadence: Option<Vec<u16>>,
    /// Power meter drop-outs are `None`.
    pub(crate) watts: Option<Vec<Option<u16>>>,
    pub(crate) temp: Option<Vec<i16>>,
    pub(crate) moving: Vec<bool>,
    pub(crate) grade: Option<Vec<f64>>,
}

const METERS_PER_DEGREE: f64 = 111_320.0;

/// Runs the simulation. Manual activities have no streams (an empty `time`).
pub(crate) fn simulate(spec: &Spec, physio: &Physio) -> Streams {
    if spec.manual {
        return Streams::default();
    }
    let mut rng = Rng::with_seed(spec.stream_seed);
    let sport = spec.sport;
    let moves = sport.moves();
    let base_speed = physio.speed(sport) * (0.92 + spec.intensity * 0.12);
    let step = || if sport == Sport::Swim { 6 } else { 1 };
    let mut pause_at = (moves && rng.bool()).then(|| spec.duration / 2 + rng.i64(-300..300));
    let pause_len = rng.i64(30..180);
    let cadence_base = sport.cadence().map(|c| c + rng.f64() * 8.0 - 4.0);
    let temp_base = rng.i16(6..22);
    let period = rng.f64() * 600.0 + 600.0;
    let hill = rng.f64() * 25.0 + 5.0;
    let mut heading = rng.f64() * 2.0 * PI;
    let (mut lat, mut lng) = spec.origin;

    let mut s = Streams::default();
    let (mut t, mut moving_secs, mut dist, mut hr) =
        (0_i64, 0_i64, 0.0_f64, physio.resting_hr + 15.0);
    let (mut distance, mut velocity, mut altitude, mut grade) = (vec![], vec![], vec![], vec![]);
    let (mut latlng, mut heartrate, mut cadence, mut watts, mut temp) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut prev_alt = spec.base_alt;
    while moving_secs <= spec.duration {
        if pause_at.is_some_and(|p| moving_secs >= p) && s.moving.last() == Some(&true) {
            pause_at = None;
            // Auto-pause: no samples while stopped; the next sample jumps in time.
            t += pause_len;
            s.time.push(t);
            s.moving.push(false);
            velocity.push(0.0);
            distance.push(dist);
            altitude.push(prev_alt);
            grade.push(0.0);
            latlng.push((lat, lng));
            hr = (hr - 12.0).max(physio.resting_hr + 10.0);
            heartrate.push(hr.round() as u16);
            cadence.push(0);
            watts.push(Some(0));
            temp.push(temp_base);
            moving_secs += 1;
            continue;
        }
        let phase = moving_secs as f64;
        let warmup = (phase / 300.0).min(1.0) * 0.35 + 0.65;
        let wave = 1.0 + 0.08 * (2.0 * PI * phase / period).sin();
        let speed = if moves {
            (base_speed * warmup * wave * (1.0 + (rng.f64() - 0.5) * 0.06)).max(0.0)
        } else {
            0.0
        };
        let dt = if s.time.is_empty() {
            0
        } else {
            step() + rng.i64(0..=2)
        };
        t += dt;
        moving_secs += dt.max(1);
        dist += speed * dt as f64;
        let alt = spec.base_alt
            + hill * (2.0 * PI * dist / 3_000.0).sin()
            + hill * 0.4 * (2.0 * PI * dist / 800.0).sin();
        let step_dist = speed * dt as f64;
        let g = if step_dist > 0.5 {
            (alt - prev_alt) / step_dist * 100.0
        } else {
            0.0
        };
        prev_alt = alt;
        heading += (rng.f64() - 0.5) * 0.2;
        lat += step_dist * heading.cos() / METERS_PER_DEGREE;
        lng += step_dist * heading.sin() / (METERS_PER_DEGREE * lat.to_radians().cos());
        let effort = spec.intensity * warmup * wave + g.clamp(-8.0, 8.0) * 0.015;
        let burst = sport == Sport::WeightTraining && (phase / 90.0).floor() as i64 % 2 == 0;
        let target = physio.resting_hr
            + (physio.max_hr - physio.resting_hr) * (effort + if burst { 0.15 } else { 0.0 });
        hr += (target - hr) * (dt.max(1) as f64 / 30.0).min(1.0) + (rng.f64() - 0.5) * 2.0;
        s.time.push(t);
        s.moving.push(moves);
        velocity.push((speed * 100.0).round() / 100.0);
        distance.push((dist * 10.0).round() / 10.0);
        altitude.push((alt * 10.0).round() / 10.0);
        grade.push((g * 10.0).round() / 10.0);
        latlng.push(((lat * 1e6).round() / 1e6, (lng * 1e6).round() / 1e6));
        heartrate.push(hr.round().clamp(40.0, 210.0) as u16);
        cadence.push(cadence_base.map_or(0, |c| (c + rng.f64() * 4.0 - 2.0).round() as u16));
        let power = physio.ftp * effort.clamp(0.3, 1.3) * (1.0 + (rng.f64() - 0.5) * 0.15);
        watts.push((rng.u8(0..100) > 0).then_some(power.round() as u16));
        temp.push(temp_base);
    }
    if moves {
        s.distance = Some(distance);
        s.velocity = Some(velocity);
        s.grade = Some(grade);
        if spec.outdoor || sport == Sport::VirtualRide {
            s.altitude = Some(altitude);
        }
        if spec.outdoor {
            s.latlng = Some(latlng);
            s.temp = Some(temp);
        }
    }
    s.heartrate = spec.has_hr.then_some(heartrate);
    s.cadence = cadence_base.is_some().then_some(cadence);
    s.watts = spec.has_power.then_some(watts);
    s
}

/// One stream object as Strava renders it.
fn stream(data: Value, size: usize) -> Value {
    json!({
        "data": data,
        "series_type": "distance",
        "original_size": size,
        "resolution": "high",
    })
}

impl Streams {
    /// `(type, stream)` pairs for the requested `keys` that this activity has. Strava always adds
    /// the `distance` stream (the series type) when the activity has one.
    pub(crate) fn render(&self, keys: &[&str]) -> Vec<(&'static str, Value)> {
        let n = self.time.len();
        let all: [(&'static str, Option<Value>); 11] = [
            ("time", (!self.time.is_empty()).then(|| json!(self.time))),
            ("distance", self.distance.as_ref().map(|d| json!(d))),
            (
                "latlng",
                self.latlng
                    .as_ref()
                    .map(|p| json!(p.iter().map(|(a, b)| [*a, *b]).collect::<Vec<_>>())),
            ),
            ("altitude", self.altitude.as_ref().map(|d| json!(d))),
            ("velocity_smooth", self.velocity.as_ref().map(|d| json!(d))),
            ("heartrate", self.heartrate.as_ref().map(|d| json!(d))),
            ("cadence", self.cadence.as_ref().map(|d| json!(d))),
            ("watts", self.watts.as_ref().map(|d| json!(d))),
            ("temp", self.temp.as_ref().map(|d| json!(d))),
            (
                "moving",
                (!self.moving.is_empty()).then(|| json!(self.moving)),
            ),
            ("grade_smooth", self.grade.as_ref().map(|d| json!(d))),
        ];
        all.into_iter()
            .filter(|(name, _)| *name == "distance" || keys.contains(name))
            .filter_map(|(name, data)| Some((name, stream(data?, n))))
            .collect()
    }
}
