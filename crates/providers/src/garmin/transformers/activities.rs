//! Activity API: `activities` / `manuallyUpdatedActivities` → `Workout`; `activityDetails` →
//! the same `Workout` (same external id: the Garmin `activityId`) plus its per-second samples.

use domain::{NormalizedBatch, SeriesType, Workout};
use serde::Deserialize;
use serde_json::Value;

use super::{id_text, instant, sample, unified_workout_type, zone};
use crate::error::TransformError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ActivitySummary {
    #[serde(default)]
    summary_id: Option<Value>,
    #[serde(default)]
    activity_id: Option<Value>,
    #[serde(default)]
    activity_name: Option<String>,
    #[serde(default)]
    activity_type: Option<String>,
    #[serde(default)]
    start_time_in_seconds: Option<f64>,
    #[serde(default)]
    start_time_offset_in_seconds: Option<f64>,
    #[serde(default)]
    duration_in_seconds: Option<f64>,
    #[serde(default)]
    distance_in_meters: Option<f64>,
    /// Garmin's activity calories include BMR for the activity's duration.
    #[serde(default)]
    active_kilocalories: Option<f64>,
    #[serde(default)]
    average_heart_rate_in_beats_per_minute: Option<f64>,
    #[serde(default)]
    max_heart_rate_in_beats_per_minute: Option<f64>,
    #[serde(default)]
    total_elevation_gain_in_meters: Option<f64>,
    /// Spelling seen in Open Wearables' fixtures.
    #[serde(default)]
    elevation_gain_in_meters: Option<f64>,
    #[serde(default)]
    device_name: Option<String>,
    /// A MULTI_SPORT parent: its legs arrive as their own activities.
    #[serde(default)]
    is_parent: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ActivityDetails {
    #[serde(default)]
    summary_id: Option<Value>,
    #[serde(default)]
    activity_id: Option<Value>,
    #[serde(default)]
    summary: Option<ActivitySummary>,
    #[serde(default)]
    samples: Vec<DetailSample>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DetailSample {
    #[serde(default)]
    start_time_in_seconds: Option<f64>,
    #[serde(default)]
    heart_rate: Option<f64>,
    #[serde(default)]
    speed_meters_per_second: Option<f64>,
    #[serde(default)]
    power_in_watts: Option<f64>,
    #[serde(default)]
    elevation_in_meters: Option<f64>,
    #[serde(default)]
    latitude_in_degree: Option<f64>,
    #[serde(default)]
    longitude_in_degree: Option<f64>,
    #[serde(default, rename = "bikeCadenceInRPM")]
    bike_cadence_in_rpm: Option<f64>,
    #[serde(default)]
    steps_per_minute: Option<f64>,
    #[serde(default)]
    swim_cadence_in_strokes_per_minute: Option<f64>,
}

/// The workout's external id: the Garmin activity id, shared by summary, details and manual
/// updates; else the summary id without its `-detail` suffix.
fn external_id(activity_id: &Option<Value>, summary_id: &Option<Value>) -> Option<String> {
    id_text(activity_id)
        .or_else(|| id_text(summary_id).map(|s| s.strip_suffix("-detail").unwrap_or(&s).to_owned()))
}

fn workout(doc: &ActivitySummary, id: String) -> Result<Workout, TransformError> {
    let what = format!("activity `{id}`");
    let start = instant(&what, "startTimeInSeconds", doc.start_time_in_seconds)?;
    let duration = doc
        .duration_in_seconds
        .filter(|d| d.is_finite() && *d >= 0.0)
        .ok_or_else(|| TransformError::Malformed(format!("{what}: missing durationInSeconds")))?;
    let end = start + chrono::Duration::milliseconds((duration * 1000.0).round() as i64);
    Ok(Workout {
        workout_type: unified_workout_type(doc.activity_type.as_deref()).to_owned(),
        name: doc.activity_name.clone().filter(|n| !n.trim().is_empty()),
        start,
        end,
        zone_offset: zone(doc.start_time_offset_in_seconds),
        calories_kcal: doc.active_kilocalories,
        distance_meters: doc.distance_in_meters,
        avg_heart_rate_bpm: doc.average_heart_rate_in_beats_per_minute,
        max_heart_rate_bpm: doc.max_heart_rate_in_beats_per_minute,
        elevation_gain_meters: doc
            .total_elevation_gain_in_meters
            .or(doc.elevation_gain_in_meters),
        device: doc.device_name.clone().filter(|d| !d.trim().is_empty()),
        external_id: id,
    })
}

/// One activity summary (or manual update) → a workout; MULTI_SPORT parents are skipped.
pub(super) fn push_summary(
    doc: ActivitySummary,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    if doc.is_parent == Some(true) {
        return Ok(());
    }
    let id = external_id(&doc.activity_id, &doc.summary_id)
        .ok_or_else(|| TransformError::Malformed("activity: missing summaryId".into()))?;
    batch.workouts.push(workout(&doc, id)?);
    Ok(())
}

/// One activity details record → its workout plus heart rate, speed, power, cadence, elevation
/// and position samples.
pub(super) fn push_details(
    doc: ActivityDetails,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let summary = doc
        .summary
        .ok_or_else(|| TransformError::Malformed("activityDetails: missing summary".into()))?;
    if summary.is_parent == Some(true) {
        return Ok(());
    }
    let id = external_id(&doc.activity_id, &doc.summary_id)
        .or_else(|| external_id(&summary.activity_id, &summary.summary_id))
        .ok_or_else(|| TransformError::Malformed("activityDetails: missing summaryId".into()))?;
    let workout = workout(&summary, id)?;
    let zone_offset = workout.zone_offset;
    for s in &doc.samples {
        let Some(time) = s.start_time_in_seconds.and_then(super::at) else {
            continue;
        };
        let cadence = s
            .bike_cadence_in_rpm
            .or(s.steps_per_minute)
            .or(s.swim_cadence_in_strokes_per_minute);
        let position = match (s.latitude_in_degree, s.longitude_in_degree) {
            (Some(lat), Some(lon)) => [Some(lat), Some(lon)],
            _ => [None, None],
        };
        let values = [
            (SeriesType::HeartRate, s.heart_rate.filter(|v| *v > 0.0)),
            (SeriesType::Speed, s.speed_meters_per_second),
            (SeriesType::Power, s.power_in_watts),
            (SeriesType::Cadence, cadence),
            (SeriesType::Elevation, s.elevation_in_meters),
            (SeriesType::Latitude, position[0]),
            (SeriesType::Longitude, position[1]),
        ];
        batch.samples.extend(
            values
                .into_iter()
                .filter_map(|(series, value)| sample(series, time, zone_offset, value)),
        );
    }
    batch.workouts.push(workout);
    Ok(())
}
