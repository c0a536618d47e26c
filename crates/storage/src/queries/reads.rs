//! Keyset-paged reads for query-api: one user, one time range, ordered, never COUNT(*).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::error::StorageError;
use crate::schema::{data_sources, samples, sleep_sessions, sleep_stage_intervals, workouts};

/// A page of rows plus whether more follow.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl<T> Page<T> {
    fn from_overfetch(mut items: Vec<T>, limit: usize) -> Self {
        let has_more = items.len() > limit;
        items.truncate(limit);
        Self { items, has_more }
    }
}

/// Records whose start lies in `[start, end)`.
#[derive(Debug, Clone, Copy)]
pub struct RangeQuery {
    pub user_id: Uuid,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub limit: usize,
}

#[derive(Debug, Clone, Queryable)]
pub struct WorkoutRow {
    pub id: Uuid,
    pub workout_type: String,
    pub name: Option<String>,
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    pub zone_offset_seconds: Option<i32>,
    pub duration_seconds: i64,
    pub calories_kcal: Option<f64>,
    pub distance_meters: Option<f64>,
    pub avg_heart_rate_bpm: Option<f64>,
    pub max_heart_rate_bpm: Option<f64>,
    pub elevation_gain_meters: Option<f64>,
    pub provider: String,
    pub device: String,
}

pub async fn workouts_page(
    conn: &mut AsyncPgConnection,
    q: RangeQuery,
    after: Option<(DateTime<Utc>, Uuid)>,
    workout_type: Option<&str>,
) -> Result<Page<WorkoutRow>, StorageError> {
    let mut query = workouts::table
        .inner_join(data_sources::table)
        .filter(workouts::user_id.eq(q.user_id))
        .filter(workouts::start_time.ge(q.start))
        .filter(workouts::start_time.lt(q.end))
        .into_boxed();
    if let Some((t, id)) = after {
        query = query.filter(
            workouts::start_time
                .gt(t)
                .or(workouts::start_time.eq(t).and(workouts::id.gt(id))),
        );
    }
    if let Some(kind) = workout_type {
        query = query.filter(workouts::workout_type.eq(kind.to_owned()));
    }
    let rows = query
        .order((workouts::start_time.asc(), workouts::id.asc()))
        .limit(q.limit as i64 + 1)
        .select((
            workouts::id,
            workouts::workout_type,
            workouts::name,
            workouts::start_time,
            workouts::end_time,
            workouts::zone_offset_seconds,
            workouts::duration_seconds,
            workouts::calories_kcal,
            workouts::distance_meters,
            workouts::avg_heart_rate_bpm,
            workouts::max_heart_rate_bpm,
            workouts::elevation_gain_meters,
            data_sources::provider,
            data_sources::device,
        ))
        .load::<WorkoutRow>(conn)
        .await?;
    Ok(Page::from_overfetch(rows, q.limit))
}

#[derive(Debug, Clone, Queryable)]
pub struct SleepRow {
    pub id: Uuid,
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    pub zone_offset_seconds: Option<i32>,
    pub is_nap: bool,
    pub duration_seconds: i64,
    pub sleep_duration_seconds: Option<i64>,
    pub efficiency_percent: Option<f64>,
    pub awake_seconds: Option<i64>,
    pub light_seconds: Option<i64>,
    pub deep_seconds: Option<i64>,
    pub rem_seconds: Option<i64>,
    pub avg_heart_rate_bpm: Option<f64>,
    pub lowest_heart_rate_bpm: Option<f64>,
    pub avg_hrv_rmssd_ms: Option<f64>,
    pub avg_respiratory_rate: Option<f64>,
    pub provider: String,
    pub device: String,
}

#[derive(Debug, Clone, Queryable)]
pub struct StageRow {
    pub sleep_id: Uuid,
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    pub stage: i16,
}

pub async fn sleep_page(
    conn: &mut AsyncPgConnection,
    q: RangeQuery,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> Result<(Page<SleepRow>, Vec<StageRow>), StorageError> {
    let mut query = sleep_sessions::table
        .inner_join(data_sources::table)
        .filter(sleep_sessions::user_id.eq(q.user_id))
        .filter(sleep_sessions::start_time.ge(q.start))
        .filter(sleep_sessions::start_time.lt(q.end))
        .into_boxed();
    if let Some((t, id)) = after {
        query = query.filter(
            sleep_sessions::start_time
                .gt(t)
                .or(sleep_sessions::start_time
                    .eq(t)
                    .and(sleep_sessions::id.gt(id))),
        );
    }
    let rows = query
        .order((sleep_sessions::start_time.asc(), sleep_sessions::id.asc()))
        .limit(q.limit as i64 + 1)
        .select((
            sleep_sessions::id,
            sleep_sessions::start_time,
            sleep_sessions::end_time,
            sleep_sessions::zone_offset_seconds,
            sleep_sessions::is_nap,
            sleep_sessions::duration_seconds,
            sleep_sessions::sleep_duration_seconds,
            sleep_sessions::efficiency_percent,
            sleep_sessions::awake_seconds,
            sleep_sessions::light_seconds,
            sleep_sessions::deep_seconds,
            sleep_sessions::rem_seconds,
            sleep_sessions::avg_heart_rate_bpm,
            sleep_sessions::lowest_heart_rate_bpm,
            sleep_sessions::avg_hrv_rmssd_ms,
            sleep_sessions::avg_respiratory_rate,
            data_sources::provider,
            data_sources::device,
        ))
        .load::<SleepRow>(conn)
        .await?;
    let page = Page::from_overfetch(rows, q.limit);
    let ids: Vec<Uuid> = page.items.iter().map(|r| r.id).collect();
    let stages = if ids.is_empty() {
        Vec::new()
    } else {
        sleep_stage_intervals::table
            .filter(sleep_stage_intervals::sleep_id.eq_any(ids))
            .order((
                sleep_stage_intervals::sleep_id,
                sleep_stage_intervals::start_time,
            ))
            .select((
                sleep_stage_intervals::sleep_id,
                sleep_stage_intervals::start_time,
                sleep_stage_intervals::end_time,
                sleep_stage_intervals::stage,
            ))
            .load::<StageRow>(conn)
            .await?
    };
    Ok((page, stages))
}

#[derive(Debug, Clone, Queryable)]
pub struct SampleRow {
    pub ts: DateTime<Utc>,
    pub series: i16,
    pub source_id: i32,
    pub value: f64,
    pub zone_offset_seconds: Option<i32>,
    pub provider: String,
    pub device: String,
}

/// Position after which the next timeseries page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleKey {
    pub ts: DateTime<Utc>,
    pub series: i16,
    pub source_id: i32,
}

pub async fn samples_page(
    conn: &mut AsyncPgConnection,
    q: RangeQuery,
    series: &[i16],
    after: Option<SampleKey>,
) -> Result<Page<SampleRow>, StorageError> {
    let mut query = samples::table
        .inner_join(data_sources::table)
        .filter(samples::user_id.eq(q.user_id))
        .filter(samples::ts.ge(q.start))
        .filter(samples::ts.lt(q.end))
        .into_boxed();
    if !series.is_empty() {
        query = query.filter(samples::series.eq_any(series.to_vec()));
    }
    if let Some(k) = after {
        query = query.filter(
            samples::ts.gt(k.ts).or(samples::ts.eq(k.ts).and(
                samples::series.gt(k.series).or(samples::series
                    .eq(k.series)
                    .and(samples::source_id.gt(k.source_id))),
            )),
        );
    }
    let rows = query
        .order((
            samples::ts.asc(),
            samples::series.asc(),
            samples::source_id.asc(),
        ))
        .limit(q.limit as i64 + 1)
        .select((
            samples::ts,
            samples::series,
            samples::source_id,
            samples::value,
            samples::zone_offset_seconds,
            data_sources::provider,
            data_sources::device,
        ))
        .load::<SampleRow>(conn)
        .await?;
    Ok(Page::from_overfetch(rows, q.limit))
}
