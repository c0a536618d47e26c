//! Queueing sync jobs for the poller.

use chrono::{Duration, Utc};
use messaging::Stream;
use messaging::proto::{SyncJob, SyncReason};
use service_kit::ApiError;
use service_kit::telemetry::current_trace_context;
use storage::queries::connections::Connection;
use uuid::Uuid;

use crate::startup::AppState;

/// Publishes (with a broker confirm) the backfill of a freshly authorised connection.
pub async fn queue_backfill(state: &AppState, connection: &Connection) -> Result<(), ApiError> {
    let now = Utc::now();
    let start = now - Duration::days(state.settings.sync.backfill_days);
    let job = SyncJob {
        id: Uuid::new_v4().to_string(),
        tenant_id: connection.tenant_id.to_string(),
        user_id: connection.user_id.to_string(),
        connection_id: connection.id.to_string(),
        provider: connection.provider.clone(),
        window_start_unix_ms: start.timestamp_millis(),
        window_end_unix_ms: now.timestamp_millis(),
        reason: SyncReason::Backfill.into(),
        attempt: 1,
        data_types: Vec::new(),
        object_id: String::new(),
        trace: Some(current_trace_context()),
        created_at_unix_ms: now.timestamp_millis(),
    };
    state
        .publisher
        .publish(
            Stream::SyncJobs,
            &format!("{}.backfill", connection.provider),
            &job.id,
            &job,
            job.trace.as_ref(),
        )
        .await
        .map_err(ApiError::unavailable)
}
