//! WHOOP workouts → `Workout` (kilojoules → kcal, unified workout type from `sport_name`, then
//! the deprecated `sport_id`).

use domain::Workout;
use serde::Deserialize;

use super::workout_types::unified_workout_type;
use super::{kcal, missing, offset, opt_id, parse_time, scored};
use crate::error::TransformError;

#[derive(Deserialize)]
pub(super) struct WhoopWorkout {
    #[serde(default, deserialize_with = "opt_id")]
    id: Option<String>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    timezone_offset: Option<String>,
    #[serde(default)]
    sport_name: Option<String>,
    #[serde(default)]
    sport_id: Option<i64>,
    #[serde(default)]
    score_state: Option<String>,
    #[serde(default)]
    score: Option<WorkoutScore>,
}

#[derive(Deserialize)]
struct WorkoutScore {
    #[serde(default)]
    average_heart_rate: Option<f64>,
    #[serde(default)]
    max_heart_rate: Option<f64>,
    #[serde(default)]
    kilojoule: Option<f64>,
    #[serde(default)]
    distance_meter: Option<f64>,
    #[serde(default)]
    altitude_gain_meter: Option<f64>,
}

pub(super) fn workout(doc: WhoopWorkout) -> Result<Workout, TransformError> {
    let id = doc.id.ok_or_else(|| missing("workout", "?", "id"))?;
    let start_text = doc
        .start
        .as_deref()
        .ok_or_else(|| missing("workout", &id, "start"))?;
    let end_text = doc
        .end
        .as_deref()
        .ok_or_else(|| missing("workout", &id, "end"))?;
    let start = parse_time("start", start_text)?;
    let end = parse_time("end", end_text)?;
    if end < start {
        return Err(TransformError::Malformed(format!(
            "workout `{id}`: ends before it starts"
        )));
    }
    let score = scored(doc.score_state.as_deref(), doc.score);
    let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
    Ok(Workout {
        workout_type: unified_workout_type(doc.sport_name.as_deref(), doc.sport_id).to_owned(),
        name: doc.sport_name.filter(|n| !n.trim().is_empty()),
        start,
        end,
        zone_offset: offset(doc.timezone_offset.as_deref()),
        calories_kcal: score.as_ref().and_then(|s| kcal(s.kilojoule)),
        distance_meters: finite(score.as_ref().and_then(|s| s.distance_meter)),
        avg_heart_rate_bpm: finite(score.as_ref().and_then(|s| s.average_heart_rate)),
        max_heart_rate_bpm: finite(score.as_ref().and_then(|s| s.max_heart_rate)),
        elevation_gain_meters: finite(score.as_ref().and_then(|s| s.altitude_gain_meter)),
        device: None,
        external_id: id,
    })
}
