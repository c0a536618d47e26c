use chrono::{TimeZone, Utc};
use domain::{SeriesType, ZoneOffset};

use super::*;

const ACTIVITIES_PAGE: &[u8] = include_bytes!("../fixtures/activities_page.json");
const ACTIVITY_DETAIL: &[u8] = include_bytes!("../fixtures/activity_detail.json");
const ACTIVITY_STREAMS: &[u8] = include_bytes!("../fixtures/activity_streams.json");
const ATHLETE: &[u8] = include_bytes!("../fixtures/athlete.json");

fn offset(seconds: i64) -> Option<ZoneOffset> {
    Some(ZoneOffset::from_seconds(seconds).unwrap())
}

fn values(batch: &NormalizedBatch, series: SeriesType) -> Vec<f64> {
    batch
        .samples
        .iter()
        .filter(|s| s.series == series)
        .map(|s| s.value)
        .collect()
}

#[test]
fn a_list_page_yields_one_workout_per_activity_in_utc_with_the_local_offset() {
    let batch = normalize("activity", ACTIVITIES_PAGE).unwrap();
    assert_eq!(batch.workouts.len(), 4);
    let run = &batch.workouts[0];
    assert_eq!(run.external_id, "10482675139");
    assert_eq!(run.workout_type, "trail_running");
    assert_eq!(run.name.as_deref(), Some("Morning Trail Run"));
    // start_date is UTC; start_date_local's "Z" is fake and must not be used as the instant.
    assert_eq!(
        run.start,
        Utc.with_ymd_and_hms(2024, 1, 15, 7, 0, 0).unwrap()
    );
    assert_eq!(run.zone_offset, offset(3600));
    // The end is start + elapsed_time (3700 s), not moving_time.
    assert_eq!(run.duration_seconds(), 3700);
    assert_eq!(run.distance_meters, Some(10012.4));
    assert_eq!(run.elevation_gain_meters, Some(152.0));
    assert_eq!(run.avg_heart_rate_bpm, Some(145.3));
    assert_eq!(run.max_heart_rate_bpm, Some(176.0));
    // Summaries carry no calories.
    assert_eq!(run.calories_kcal, None);
}

#[test]
fn kilojoules_of_work_are_never_reported_as_calories() {
    let batch = normalize("activity", ACTIVITIES_PAGE).unwrap();
    let ride = &batch.workouts[1];
    assert_eq!(ride.workout_type, "indoor_cycling");
    assert_eq!(ride.zone_offset, offset(-18_000));
    assert_eq!(
        ride.start,
        Utc.with_ymd_and_hms(2024, 1, 14, 17, 30, 0).unwrap()
    );
    assert_eq!(ride.duration_seconds(), 2712);
    assert_eq!(ride.calories_kcal, None, "612.4 kJ is work, not kcal");
    assert_eq!(ride.distance_meters, Some(24035.2));
}

#[test]
fn a_manual_activity_without_heart_rate_or_distance_has_none() {
    let batch = normalize("activity", ACTIVITIES_PAGE).unwrap();
    let gym = &batch.workouts[2];
    assert_eq!(gym.workout_type, "strength_training");
    assert_eq!(gym.distance_meters, None);
    assert_eq!(gym.avg_heart_rate_bpm, None);
    assert_eq!(gym.elevation_gain_meters, Some(0.0));
    assert_eq!(gym.device, None);
}

#[test]
fn an_unknown_sport_type_falls_back_and_a_missing_utc_offset_comes_from_local_time() {
    let batch = normalize("activity", ACTIVITIES_PAGE).unwrap();
    let glide = &batch.workouts[3];
    // `Paragliding` is unknown, the legacy type `Workout` is Strava's catch-all.
    assert_eq!(glide.workout_type, "other");
    assert_eq!(glide.zone_offset, offset(5 * 3600 + 1800));
    assert_eq!(glide.duration_seconds(), 5520);
}

#[test]
fn a_detailed_activity_carries_calories_and_the_device() {
    let batch = normalize("activity", ACTIVITY_DETAIL).unwrap();
    assert_eq!(batch.workouts.len(), 1);
    let run = &batch.workouts[0];
    assert_eq!(run.external_id, "10482675139");
    assert_eq!(run.calories_kcal, Some(812.0));
    assert_eq!(run.device.as_deref(), Some("Garmin Forerunner 965"));
    assert_eq!(
        run.end,
        Utc.with_ymd_and_hms(2024, 1, 15, 8, 1, 40).unwrap()
    );
}

#[test]
fn an_activity_without_id_or_start_or_elapsed_time_is_malformed() {
    for body in [
        r#"{"start_date":"2024-01-15T07:00:00Z","elapsed_time":60}"#,
        r#"{"id":1,"elapsed_time":60}"#,
        r#"{"id":1,"start_date":"2024-01-15T07:00:00Z"}"#,
        r#"{"id":1,"start_date":"yesterday","elapsed_time":60}"#,
        r#"[{"id":1,"start_date":"2024-01-15T07:00:00Z","elapsed_time":60},{"id":2}]"#,
        r#""activity""#,
    ] {
        assert!(
            matches!(
                normalize("activity", body.as_bytes()),
                Err(TransformError::Malformed(_))
            ),
            "{body}"
        );
    }
    assert!(normalize("activity", b"[]").unwrap().is_empty());
}

#[test]
fn streams_become_samples_at_start_plus_offset_seconds() {
    let batch = normalize("activity_streams", ACTIVITY_STREAMS).unwrap();
    let start = Utc.with_ymd_and_hms(2024, 1, 15, 7, 0, 0).unwrap();
    let hr: Vec<_> = batch
        .samples
        .iter()
        .filter(|s| s.series == SeriesType::HeartRate)
        .collect();
    assert_eq!(hr.len(), 6);
    assert_eq!(hr[0].time, start);
    assert_eq!(hr[4].time, start + chrono::Duration::seconds(7));
    assert_eq!(hr[4].value, 109.0);
    assert!(hr.iter().all(|s| s.zone_offset == offset(3600)));
    assert_eq!(
        values(&batch, SeriesType::Speed),
        vec![0.0, 2.6, 2.65, 2.73, 2.77, 2.79]
    );
    assert_eq!(values(&batch, SeriesType::Cadence)[3], 82.0);
    assert_eq!(values(&batch, SeriesType::Elevation)[5], 171.2);
    assert_eq!(values(&batch, SeriesType::Latitude)[0], 48.841702);
    assert_eq!(values(&batch, SeriesType::Longitude)[0], 2.253104);
    // Null watts are skipped, not zeros.
    assert_eq!(
        values(&batch, SeriesType::Power),
        vec![188.0, 231.0, 240.0, 246.0]
    );
    // temp, moving, distance and grade have no series.
    assert_eq!(batch.samples.len(), 6 * 6 + 4);
}

#[test]
fn streams_as_a_list_are_read_too_and_empty_streams_are_no_samples() {
    let body = br#"{"activity_id":1,"start_date":"2024-01-15T07:00:00Z","utc_offset":null,
        "streams":[{"type":"time","data":[0,30]},{"type":"heartrate","data":[120,130]}]}"#;
    let batch = normalize("activity_streams", body).unwrap();
    assert_eq!(values(&batch, SeriesType::HeartRate), vec![120.0, 130.0]);
    assert_eq!(batch.samples[1].zone_offset, None);
    let empty = br#"{"activity_id":1,"start_date":null,"utc_offset":null,"streams":[]}"#;
    assert!(normalize("activity_streams", empty).unwrap().is_empty());
}

#[test]
fn streams_without_time_or_start_are_malformed() {
    let no_time = br#"{"activity_id":1,"start_date":"2024-01-15T07:00:00Z",
        "streams":{"heartrate":{"data":[120]}}}"#;
    let no_start = br#"{"activity_id":1,"streams":{"time":{"data":[0]}}}"#;
    let no_id = br#"{"start_date":"2024-01-15T07:00:00Z","streams":{"time":{"data":[0]}}}"#;
    for body in [&no_time[..], &no_start[..], &no_id[..]] {
        assert!(matches!(
            normalize("activity_streams", body),
            Err(TransformError::Malformed(_))
        ));
    }
}

#[test]
fn the_athlete_weight_is_a_kilogram_sample_at_the_profile_update_time() {
    let batch = normalize("athlete", ATHLETE).unwrap();
    assert_eq!(batch.samples.len(), 1);
    let weight = &batch.samples[0];
    assert_eq!(weight.series, SeriesType::Weight);
    assert_eq!(weight.value, 61.2);
    assert_eq!(
        weight.time,
        Utc.with_ymd_and_hms(2024, 1, 10, 19, 32, 20).unwrap()
    );
    assert_eq!(weight.zone_offset, None);
    let no_weight = br#"{"id":1,"weight":null,"updated_at":"2024-01-10T19:32:20Z"}"#;
    assert!(normalize("athlete", no_weight).unwrap().is_empty());
    assert!(matches!(
        normalize("athlete", br#"{"weight":60}"#),
        Err(TransformError::Malformed(_))
    ));
}

#[test]
fn unknown_kinds_are_unsupported() {
    assert_eq!(
        normalize("route", b"{}"),
        Err(TransformError::UnsupportedKind("route".into()))
    );
}
