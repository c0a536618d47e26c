//! An activity's summary (distance, times, heart rate, power, calories) computed from its
//! simulated streams, so that summary and streams agree.

use super::data::Activity;
use super::sport::{Physio, Sport};
use super::streams::Streams;

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0_u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Fills the summary from the simulated streams (or leaves the manual entry as it is).
pub(crate) fn summarize(a: &mut Activity, s: &Streams, physio: &Physio) {
    let minutes = a.spec.duration as f64 / 60.0;
    if let Some(&last) = s.time.last() {
        let paused: i64 = s
            .time
            .windows(2)
            .zip(s.moving.iter().skip(1))
            .filter(|(_, m)| !**m)
            .map(|(w, _)| w[1] - w[0])
            .sum();
        a.elapsed = last + 1;
        a.moving = a.elapsed - paused;
    }
    if let Some(d) = &s.distance {
        a.distance = d.last().copied().unwrap_or_default();
        a.avg_speed = (a.distance / a.moving.max(1) as f64 * 1000.0).round() / 1000.0;
    }
    if let Some(v) = &s.velocity {
        a.max_speed = v.iter().copied().fold(0.0, f64::max);
    }
    if let Some(alt) = &s.altitude {
        a.elevation_gain = round1(alt.windows(2).map(|w| (w[1] - w[0]).max(0.0)).sum());
        let low = alt.iter().copied().fold(f64::INFINITY, f64::min);
        let high = alt.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        a.elev = Some((round1(low), round1(high)));
    }
    if let Some(hr) = &s.heartrate {
        let avg = mean(hr.iter().map(|&b| f64::from(b))).unwrap_or_default();
        let max = hr.iter().copied().max().map(f64::from).unwrap_or_default();
        a.heart_rate = Some((round1(avg), max));
    }
    if let Some(c) = &s.cadence {
        a.avg_cadence = mean(c.iter().filter(|&&c| c > 0).map(|&c| f64::from(c))).map(round1);
    }
    if let Some(w) = &s.watts {
        let avg = mean(w.iter().flatten().map(|&p| f64::from(p))).unwrap_or_default();
        let max = w.iter().flatten().copied().max().unwrap_or_default();
        let kj = round1(avg * a.moving as f64 / 1000.0);
        a.power = Some((round1(avg), max, (avg * 1.04).round() as u16, kj));
    }
    let km = a.distance / 1000.0;
    a.calories = round1(match (a.spec.sport, a.power) {
        // With a power meter Strava estimates calories from the work done.
        (_, Some((_, _, _, kj))) => kj * 0.96,
        (Sport::Run | Sport::TrailRun, _) => physio.weight * km * 1.04,
        (Sport::Ride, _) => physio.weight * km * 0.28,
        (Sport::Walk, _) => physio.weight * km * 0.5,
        (Sport::Hike, _) => physio.weight * km * 0.7,
        (Sport::Swim, _) => minutes * 8.5,
        (Sport::WeightTraining, _) => minutes * 5.0,
        (Sport::Yoga | Sport::VirtualRide, _) => minutes * 3.5,
    });
}
