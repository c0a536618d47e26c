//! `GET /api/v1/users/{id}/events/sleep` and `/events/workouts`: records whose start lies in
//! `[start_date, end_date)`, oldest first, keyset-paged.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::SleepStage;
use serde::Serialize;
use service_kit::ApiError;
use service_kit::auth::TenantAuth;
use storage::Database;
use storage::queries::reads::{self, RangeQuery, SleepRow, StageRow, WorkoutRow};
use uuid::Uuid;

use crate::params::{Params, decode_cursor, encode_cursor, from_micros, micros, render_time};
use crate::routes::{Pagination, Source, tenant_user, zone};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/users/{user_id}/events/sleep", web::get().to(sleep))
        .route(
            "/api/v1/users/{user_id}/events/workouts",
            web::get().to(workouts),
        );
}

#[derive(Serialize)]
struct Page<T> {
    data: Vec<T>,
    pagination: Pagination,
}

fn range_query(params: &Params, user_id: Uuid) -> Result<RangeQuery, ApiError> {
    let (start, end) = params.range("start_date", "end_date")?;
    Ok(RangeQuery {
        user_id,
        start,
        end,
        limit: params.limit()?,
    })
}

fn after(params: &Params) -> Result<Option<(DateTime<Utc>, Uuid)>, ApiError> {
    let Some(raw) = params.get("cursor").filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let fields = decode_cursor(raw, 2)?;
    let id = fields[1]
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_cursor", "Invalid cursor"))?;
    Ok(Some((from_micros(&fields[0])?, id)))
}

fn next_cursor(has_more: bool, last: Option<(DateTime<Utc>, Uuid)>) -> Option<String> {
    last.filter(|_| has_more)
        .map(|(t, id)| encode_cursor(&[micros(t), id.to_string()]))
}

#[derive(Serialize)]
struct Stages {
    awake_seconds: Option<i64>,
    light_seconds: Option<i64>,
    deep_seconds: Option<i64>,
    rem_seconds: Option<i64>,
}

#[derive(Serialize)]
struct StageInterval {
    stage: &'static str,
    start_time: String,
    end_time: String,
}

#[derive(Serialize)]
struct SleepSession {
    id: Uuid,
    start_time: String,
    end_time: String,
    zone_offset: Option<String>,
    duration_seconds: i64,
    sleep_duration_seconds: Option<i64>,
    efficiency_percent: Option<f64>,
    is_nap: bool,
    stages: Stages,
    sleep_stage_intervals: Vec<StageInterval>,
    avg_heart_rate_bpm: Option<f64>,
    lowest_heart_rate_bpm: Option<f64>,
    avg_hrv_rmssd_ms: Option<f64>,
    avg_respiratory_rate: Option<f64>,
    source: Source,
}

fn sleep_json(row: SleepRow, stages: &[StageRow]) -> SleepSession {
    SleepSession {
        id: row.id,
        start_time: render_time(row.start_time),
        end_time: render_time(row.end_time),
        zone_offset: zone(row.zone_offset_seconds),
        duration_seconds: row.duration_seconds,
        sleep_duration_seconds: row.sleep_duration_seconds,
        efficiency_percent: row.efficiency_percent,
        is_nap: row.is_nap,
        stages: Stages {
            awake_seconds: row.awake_seconds,
            light_seconds: row.light_seconds,
            deep_seconds: row.deep_seconds,
            rem_seconds: row.rem_seconds,
        },
        sleep_stage_intervals: stages
            .iter()
            .filter(|s| s.sleep_id == row.id)
            .map(|s| StageInterval {
                stage: SleepStage::from_id(s.stage)
                    .unwrap_or(SleepStage::Unknown)
                    .as_str(),
                start_time: render_time(s.start_time),
                end_time: render_time(s.end_time),
            })
            .collect(),
        avg_heart_rate_bpm: row.avg_heart_rate_bpm,
        lowest_heart_rate_bpm: row.lowest_heart_rate_bpm,
        avg_hrv_rmssd_ms: row.avg_hrv_rmssd_ms,
        avg_respiratory_rate: row.avg_respiratory_rate,
        source: Source::new(row.provider, row.device),
    }
}

async fn sleep(
    auth: TenantAuth,
    db: web::Data<Database>,
    path: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let params = Params(query.into_inner());
    let q = range_query(&params, Uuid::nil())?;
    let after = after(&params)?;
    let user_id = tenant_user(&db, auth, &path).await?;
    let q = RangeQuery { user_id, ..q };
    let mut conn = db.conn().await?;
    let (page, stages) = reads::sleep_page(&mut conn, q, after).await?;
    let next = next_cursor(
        page.has_more,
        page.items.last().map(|r| (r.start_time, r.id)),
    );
    let data = page
        .items
        .into_iter()
        .map(|r| sleep_json(r, &stages))
        .collect();
    Ok(HttpResponse::Ok().json(Page {
        data,
        pagination: Pagination::new(next),
    }))
}

#[derive(Serialize)]
struct Workout {
    id: Uuid,
    #[serde(rename = "type")]
    workout_type: String,
    name: Option<String>,
    start_time: String,
    end_time: String,
    zone_offset: Option<String>,
    duration_seconds: i64,
    calories_kcal: Option<f64>,
    distance_meters: Option<f64>,
    avg_heart_rate_bpm: Option<f64>,
    max_heart_rate_bpm: Option<f64>,
    avg_pace_sec_per_km: Option<f64>,
    elevation_gain_meters: Option<f64>,
    source: Source,
}

/// Pace only means something for travelled distance on foot.
fn pace(row: &WorkoutRow) -> Option<f64> {
    const ON_FOOT: &[&str] = &["running", "trail_running", "treadmill", "walking", "hiking"];
    let meters = row.distance_meters.filter(|m| *m > 0.0)?;
    ON_FOOT
        .contains(&row.workout_type.as_str())
        .then(|| (row.duration_seconds as f64 / (meters / 1000.0) * 10.0).round() / 10.0)
}

fn workout_json(row: WorkoutRow) -> Workout {
    Workout {
        avg_pace_sec_per_km: pace(&row),
        id: row.id,
        workout_type: row.workout_type,
        name: row.name,
        start_time: render_time(row.start_time),
        end_time: render_time(row.end_time),
        zone_offset: zone(row.zone_offset_seconds),
        duration_seconds: row.duration_seconds,
        calories_kcal: row.calories_kcal,
        distance_meters: row.distance_meters,
        avg_heart_rate_bpm: row.avg_heart_rate_bpm,
        max_heart_rate_bpm: row.max_heart_rate_bpm,
        elevation_gain_meters: row.elevation_gain_meters,
        source: Source::new(row.provider, row.device),
    }
}

async fn workouts(
    auth: TenantAuth,
    db: web::Data<Database>,
    path: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let params = Params(query.into_inner());
    let q = range_query(&params, Uuid::nil())?;
    let after = after(&params)?;
    let record_type = params.get("record_type").filter(|t| !t.is_empty());
    let user_id = tenant_user(&db, auth, &path).await?;
    let q = RangeQuery { user_id, ..q };
    let mut conn = db.conn().await?;
    let page = reads::workouts_page(&mut conn, q, after, record_type).await?;
    let next = next_cursor(
        page.has_more,
        page.items.last().map(|r| (r.start_time, r.id)),
    );
    let data = page.items.into_iter().map(workout_json).collect();
    Ok(HttpResponse::Ok().json(Page {
        data,
        pagination: Pagination::new(next),
    }))
}
