//! Writes normalized records idempotently: re-delivery changes nothing, a provider's revision
//! of a record (same external id) updates it in place.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain::NormalizedBatch;
use uuid::Uuid;

use crate::error::StorageError;
use crate::schema::{
    daily_activity, data_sources, raw_payloads, samples, sleep_sessions, sleep_stage_intervals,
    workouts,
};

/// Postgres accepts at most 65,535 bind parameters per statement.
const SAMPLE_CHUNK: usize = 65_535 / 6;

/// The raw bytes a batch was normalized from, archived in the same transaction.
pub struct RawArchive<'a> {
    pub id: Uuid,
    pub provider: &'a str,
    pub kind: &'a str,
    pub origin: &'a str,
    pub tenant_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub connection_id: Option<Uuid>,
    pub received_at: DateTime<Utc>,
    pub content_type: &'a str,
    pub body: &'a [u8],
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteSummary {
    pub workouts: usize,
    pub sleeps: usize,
    pub samples: usize,
    pub daily_activity: usize,
    pub deleted: usize,
}

/// Archives `raw` and upserts everything in `batch` for `user_id`, in one transaction.
pub async fn store_batch(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    provider: &str,
    raw: Option<RawArchive<'_>>,
    batch: &NormalizedBatch,
) -> Result<WriteSummary, StorageError> {
    conn.transaction::<_, StorageError, _>(async |conn| {
        if let Some(raw) = raw {
            archive(conn, raw).await?;
        }
        let mut sources = SourceCache::new(user_id, provider);
        let mut summary = WriteSummary::default();
        for w in &batch.workouts {
            let source = sources.id(conn, w.device.as_deref()).await?;
            upsert_workout(conn, user_id, source, w).await?;
            summary.workouts += 1;
        }
        for s in &batch.sleeps {
            let source = sources.id(conn, s.device.as_deref()).await?;
            upsert_sleep(conn, user_id, source, s).await?;
            summary.sleeps += 1;
        }
        if !batch.samples.is_empty() {
            let source = sources.id(conn, None).await?;
            summary.samples = upsert_samples(conn, user_id, source, &batch.samples).await?;
        }
        for d in &batch.daily_activity {
            let source = sources.id(conn, None).await?;
            upsert_daily(conn, user_id, source, d).await?;
            summary.daily_activity += 1;
        }
        if !batch.deleted_external_ids.is_empty() {
            summary.deleted =
                delete_by_external_ids(conn, user_id, provider, &batch.deleted_external_ids)
                    .await?;
        }
        Ok(summary)
    })
    .await
}

async fn archive(conn: &mut AsyncPgConnection, raw: RawArchive<'_>) -> Result<(), StorageError> {
    use sha2::Digest;
    diesel::insert_into(raw_payloads::table)
        .values((
            raw_payloads::id.eq(raw.id),
            raw_payloads::provider.eq(raw.provider),
            raw_payloads::kind.eq(raw.kind),
            raw_payloads::origin.eq(raw.origin),
            raw_payloads::tenant_id.eq(raw.tenant_id),
            raw_payloads::user_id.eq(raw.user_id),
            raw_payloads::connection_id.eq(raw.connection_id),
            raw_payloads::received_at.eq(raw.received_at),
            raw_payloads::content_type.eq(raw.content_type),
            raw_payloads::body.eq(raw.body),
            raw_payloads::body_sha256.eq(sha2::Sha256::digest(raw.body).to_vec()),
        ))
        .on_conflict(raw_payloads::id)
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// Resolves (user, provider, device) to a data source id, creating it on first use.
struct SourceCache<'a> {
    user_id: Uuid,
    provider: &'a str,
    ids: HashMap<String, i32>,
}

impl<'a> SourceCache<'a> {
    fn new(user_id: Uuid, provider: &'a str) -> Self {
        Self {
            user_id,
            provider,
            ids: HashMap::new(),
        }
    }

    async fn id(
        &mut self,
        conn: &mut AsyncPgConnection,
        device: Option<&str>,
    ) -> Result<i32, StorageError> {
        let device = device.unwrap_or("");
        if let Some(id) = self.ids.get(device) {
            return Ok(*id);
        }
        let id = ensure_data_source(conn, self.user_id, self.provider, device).await?;
        self.ids.insert(device.to_owned(), id);
        Ok(id)
    }
}

pub async fn ensure_data_source(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    provider: &str,
    device: &str,
) -> Result<i32, StorageError> {
    // The no-op update makes RETURNING yield the id on conflict too.
    Ok(diesel::insert_into(data_sources::table)
        .values((
            data_sources::user_id.eq(user_id),
            data_sources::provider.eq(provider),
            data_sources::device.eq(device),
        ))
        .on_conflict((
            data_sources::user_id,
            data_sources::provider,
            data_sources::device,
        ))
        .do_update()
        .set(data_sources::device.eq(excluded(data_sources::device)))
        .returning(data_sources::id)
        .get_result(conn)
        .await?)
}

async fn upsert_workout(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    source: i32,
    w: &domain::Workout,
) -> Result<(), StorageError> {
    let offset = w.zone_offset.map(|z| z.seconds());
    let values = (
        workouts::workout_type.eq(&w.workout_type),
        workouts::name.eq(&w.name),
        workouts::start_time.eq(w.start),
        workouts::end_time.eq(w.end),
        workouts::zone_offset_seconds.eq(offset),
        workouts::duration_seconds.eq(w.duration_seconds()),
        workouts::calories_kcal.eq(w.calories_kcal),
        workouts::distance_meters.eq(w.distance_meters),
        workouts::avg_heart_rate_bpm.eq(w.avg_heart_rate_bpm),
        workouts::max_heart_rate_bpm.eq(w.max_heart_rate_bpm),
        workouts::elevation_gain_meters.eq(w.elevation_gain_meters),
    );
    diesel::insert_into(workouts::table)
        .values((
            workouts::id.eq(Uuid::new_v4()),
            workouts::user_id.eq(user_id),
            workouts::data_source_id.eq(source),
            workouts::external_id.eq(&w.external_id),
            values,
        ))
        .on_conflict((workouts::data_source_id, workouts::external_id))
        .do_update()
        .set((values, workouts::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await?;
    Ok(())
}

async fn upsert_sleep(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    source: i32,
    s: &domain::SleepSession,
) -> Result<(), StorageError> {
    let values = (
        sleep_sessions::start_time.eq(s.start),
        sleep_sessions::end_time.eq(s.end),
        sleep_sessions::zone_offset_seconds.eq(s.zone_offset.map(|z| z.seconds())),
        sleep_sessions::is_nap.eq(s.is_nap),
        sleep_sessions::duration_seconds.eq(s.duration_seconds()),
        sleep_sessions::sleep_duration_seconds.eq(s.sleep_duration_seconds),
        sleep_sessions::efficiency_percent.eq(s.efficiency_percent),
        sleep_sessions::awake_seconds.eq(s.awake_seconds),
        sleep_sessions::light_seconds.eq(s.light_seconds),
        sleep_sessions::deep_seconds.eq(s.deep_seconds),
        sleep_sessions::rem_seconds.eq(s.rem_seconds),
        sleep_sessions::avg_heart_rate_bpm.eq(s.avg_heart_rate_bpm),
        sleep_sessions::lowest_heart_rate_bpm.eq(s.lowest_heart_rate_bpm),
        sleep_sessions::avg_hrv_rmssd_ms.eq(s.avg_hrv_rmssd_ms),
        sleep_sessions::avg_respiratory_rate.eq(s.avg_respiratory_rate),
    );
    let sleep_id: Uuid = diesel::insert_into(sleep_sessions::table)
        .values((
            sleep_sessions::id.eq(Uuid::new_v4()),
            sleep_sessions::user_id.eq(user_id),
            sleep_sessions::data_source_id.eq(source),
            sleep_sessions::external_id.eq(&s.external_id),
            values,
        ))
        .on_conflict((sleep_sessions::data_source_id, sleep_sessions::external_id))
        .do_update()
        .set((values, sleep_sessions::updated_at.eq(diesel::dsl::now)))
        .returning(sleep_sessions::id)
        .get_result(conn)
        .await?;
    // A revision may re-cut the whole hypnogram: replace the intervals.
    diesel::delete(
        sleep_stage_intervals::table.filter(sleep_stage_intervals::sleep_id.eq(sleep_id)),
    )
    .execute(conn)
    .await?;
    let mut by_start = BTreeMap::new();
    for i in &s.stages {
        by_start.insert(i.start, i);
    }
    let rows: Vec<_> = by_start
        .values()
        .map(|i| {
            (
                sleep_stage_intervals::sleep_id.eq(sleep_id),
                sleep_stage_intervals::start_time.eq(i.start),
                sleep_stage_intervals::end_time.eq(i.end),
                sleep_stage_intervals::stage.eq(i.stage.id()),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(sleep_stage_intervals::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

async fn upsert_samples(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    source: i32,
    list: &[domain::Sample],
) -> Result<usize, StorageError> {
    // One row per key: a later duplicate in the same batch wins, as a later delivery would.
    let mut unique = BTreeMap::new();
    for s in list {
        unique.insert((s.series.id(), s.time), s);
    }
    let rows: Vec<_> = unique
        .values()
        .map(|s| {
            (
                samples::user_id.eq(user_id),
                samples::series.eq(s.series.id()),
                samples::ts.eq(s.time),
                samples::source_id.eq(source),
                samples::value.eq(s.value),
                samples::zone_offset_seconds.eq(s.zone_offset.map(|z| z.seconds())),
            )
        })
        .collect();
    let mut written = 0;
    for chunk in rows.chunks(SAMPLE_CHUNK) {
        written += diesel::insert_into(samples::table)
            .values(chunk)
            .on_conflict((
                samples::user_id,
                samples::series,
                samples::ts,
                samples::source_id,
            ))
            .do_update()
            .set((
                samples::value.eq(excluded(samples::value)),
                samples::zone_offset_seconds.eq(excluded(samples::zone_offset_seconds)),
            ))
            .execute(conn)
            .await?;
    }
    Ok(written)
}

async fn upsert_daily(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    source: i32,
    d: &domain::DailyActivity,
) -> Result<(), StorageError> {
    let values = (
        daily_activity::external_id.eq(Some(&d.external_id)),
        daily_activity::zone_offset_seconds.eq(d.zone_offset.map(|z| z.seconds())),
        daily_activity::steps.eq(d.steps),
        daily_activity::active_calories_kcal.eq(d.active_calories_kcal),
        daily_activity::total_calories_kcal.eq(d.total_calories_kcal),
        daily_activity::distance_meters.eq(d.distance_meters),
        daily_activity::active_seconds.eq(d.active_seconds),
        daily_activity::sedentary_seconds.eq(d.sedentary_seconds),
        daily_activity::low_activity_seconds.eq(d.low_activity_seconds),
        daily_activity::medium_activity_seconds.eq(d.medium_activity_seconds),
        daily_activity::high_activity_seconds.eq(d.high_activity_seconds),
    );
    diesel::insert_into(daily_activity::table)
        .values((
            daily_activity::user_id.eq(user_id),
            daily_activity::data_source_id.eq(source),
            daily_activity::date.eq(d.date),
            values,
        ))
        .on_conflict((
            daily_activity::user_id,
            daily_activity::data_source_id,
            daily_activity::date,
        ))
        .do_update()
        .set((values, daily_activity::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await?;
    Ok(())
}

async fn delete_by_external_ids(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    provider: &str,
    ids: &[String],
) -> Result<usize, StorageError> {
    let sources = data_sources::table
        .filter(data_sources::user_id.eq(user_id))
        .filter(data_sources::provider.eq(provider))
        .select(data_sources::id);
    let w = diesel::delete(
        workouts::table
            .filter(workouts::data_source_id.eq_any(sources))
            .filter(workouts::external_id.eq_any(ids)),
    )
    .execute(conn)
    .await?;
    let s = diesel::delete(
        sleep_sessions::table
            .filter(sleep_sessions::data_source_id.eq_any(sources))
            .filter(sleep_sessions::external_id.eq_any(ids)),
    )
    .execute(conn)
    .await?;
    Ok(w + s)
}
