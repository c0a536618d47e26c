//! Fetching from providers for one connection and queueing what came back.

use chrono::{DateTime, Utc};
use domain::{Provider, TimeWindow};
use messaging::Stream;
use messaging::proto::{PayloadOrigin, RawPayload, SyncJob, TraceContext};
use providers::{FetchedPayload, Notification, ProviderError};
use secrecy::SecretString;
use storage::StorageError;
use storage::queries::connections::{self, Connection};
use uuid::Uuid;

use crate::startup::State;
use crate::tokens;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("connection no longer exists")]
    ConnectionGone,
    #[error("connection needs the user to re-authorise")]
    NeedsReauth,
    #[error("provider: {0}")]
    Provider(#[from] ProviderError),
    #[error("storage: {0}")]
    Storage(StorageError),
    #[error("broker: {0}")]
    Publish(#[from] messaging::MessagingError),
    #[error("invalid job: {0}")]
    Invalid(String),
}

pub fn oauth_client(
    state: &State,
    provider: Provider,
) -> Result<providers::OAuthClient, SyncError> {
    let cfg = state
        .settings
        .common
        .provider(provider)
        .ok_or_else(|| SyncError::Invalid(format!("provider {provider} is not configured")))?;
    let endpoints = cfg
        .endpoints()
        .map_err(|e| SyncError::Invalid(e.to_string()))?;
    let base = state.settings.poller.public_base_url.trim_end_matches('/');
    let callback = format!("{base}/api/v1/oauth/{provider}/callback")
        .parse()
        .map_err(|e| SyncError::Invalid(format!("callback url: {e}")))?;
    providers::oauth::for_provider(
        provider,
        &endpoints,
        &cfg.credentials(provider, callback),
        state.sender.clone(),
    )
    .map_err(SyncError::Provider)
}

fn api_base(state: &State, provider: Provider) -> Result<url::Url, SyncError> {
    let cfg = state
        .settings
        .common
        .provider(provider)
        .ok_or_else(|| SyncError::Invalid(format!("provider {provider} is not configured")))?;
    cfg.api_base_url
        .parse()
        .map_err(|e| SyncError::Invalid(format!("api_base_url: {e}")))
}

/// Runs `call` with a valid token; after a 401 refreshes once and tries again.
async fn with_token<T, F, Fut>(state: &State, conn: &Connection, call: F) -> Result<T, SyncError>
where
    F: Fn(SecretString) -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let token = tokens::access_token(state, conn).await?;
    match call(token).await {
        Err(ProviderError::Unauthorized) => {
            let current = connections::find(&mut *state.db.conn().await?, conn.id)
                .await?
                .ok_or(SyncError::ConnectionGone)?;
            let token = tokens::refresh(state, conn.id, current.access_token_enc).await?;
            Ok(call(token).await?)
        }
        other => Ok(other?),
    }
}

/// Runs one sync job: fetch the window, queue every page, mark the connection synced.
/// Returns how many pages were queued.
pub async fn run_job(state: &State, job: &SyncJob) -> Result<usize, SyncError> {
    let connection_id: Uuid = job
        .connection_id
        .parse()
        .map_err(|_| SyncError::Invalid(format!("connection_id `{}`", job.connection_id)))?;
    let provider: Provider = job
        .provider
        .parse()
        .map_err(|_| SyncError::Invalid(format!("provider `{}`", job.provider)))?;
    let start = DateTime::<Utc>::from_timestamp_millis(job.window_start_unix_ms);
    let end = DateTime::<Utc>::from_timestamp_millis(job.window_end_unix_ms);
    let window = start
        .zip(end)
        .and_then(|(s, e)| TimeWindow::new(s, e).ok())
        .ok_or_else(|| SyncError::Invalid("empty or invalid window".into()))?;
    let conn = connections::find(&mut *state.db.conn().await?, connection_id)
        .await?
        .ok_or(SyncError::ConnectionGone)?;
    if conn.status != "active" {
        return Err(SyncError::NeedsReauth);
    }
    let base = api_base(state, provider)?;
    let pages = with_token(state, &conn, |token| {
        let base = base.clone();
        let sender = state.sender.clone();
        async move {
            providers::fetch_window(provider, base, sender, &token, window, &job.data_types).await
        }
    })
    .await?;
    for page in &pages {
        publish(state, &conn, page, &job.id, job.trace.clone()).await?;
    }
    connections::mark_synced(&mut *state.db.conn().await?, conn.id, Utc::now()).await?;
    Ok(pages.len())
}

/// Handles a verified notify-only webhook: fetch the object for every linked connection.
/// Returns how many payloads were queued.
pub async fn run_notification(state: &State, raw: &RawPayload) -> Result<usize, SyncError> {
    let provider: Provider = raw
        .provider
        .parse()
        .map_err(|_| SyncError::Invalid(format!("provider `{}`", raw.provider)))?;
    let notification: Notification = providers::parse_notification(provider, &raw.body)
        .map_err(|e| SyncError::Invalid(e.to_string()))?;
    if notification.is_delete() {
        tracing::info!(%provider, data_type = %notification.data_type, "delete notification ignored");
        return Ok(0);
    }
    let linked = connections::find_active_by_provider_account(
        &mut *state.db.conn().await?,
        provider.as_str(),
        &notification.provider_user_id,
    )
    .await?;
    if linked.is_empty() {
        tracing::warn!(%provider, "notification for an account no user has connected");
    }
    let base = api_base(state, provider)?;
    let mut queued = 0;
    for conn in &linked {
        let fetched = with_token(state, conn, |token| {
            let base = base.clone();
            let sender = state.sender.clone();
            let n = &notification;
            async move { providers::fetch_object(provider, base, sender, &token, n).await }
        })
        .await;
        match fetched {
            Ok(Some(page)) => {
                publish(state, conn, &page, "", raw.trace.clone()).await?;
                queued += 1;
            }
            Ok(None) => {
                tracing::debug!(data_type = %notification.data_type, "data type not ingested")
            }
            Err(SyncError::Provider(ProviderError::Status { status: 404, .. })) => {
                tracing::info!(object_id = %notification.object_id, "notified object no longer exists");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(queued)
}

async fn publish(
    state: &State,
    conn: &Connection,
    page: &FetchedPayload,
    job_id: &str,
    trace: Option<TraceContext>,
) -> Result<(), SyncError> {
    let payload = RawPayload {
        id: Uuid::new_v4().to_string(),
        provider: conn.provider.clone(),
        kind: page.kind.clone(),
        tenant_id: conn.tenant_id.to_string(),
        user_id: conn.user_id.to_string(),
        connection_id: conn.id.to_string(),
        received_at_unix_ms: Utc::now().timestamp_millis(),
        content_type: page.content_type.clone(),
        body: page.body.clone(),
        trace,
        origin: PayloadOrigin::Poll.into(),
        sync_job_id: job_id.to_owned(),
    };
    state
        .publisher
        .publish(
            Stream::RawPayloads,
            &format!("{}.{}", payload.provider, payload.kind),
            &payload.id,
            &payload,
            payload.trace.as_ref(),
        )
        .await?;
    Ok(())
}
