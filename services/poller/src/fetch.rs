//! Fetching from providers for one connection and queueing what came back.

use chrono::{DateTime, Utc};
use domain::{Provider, TimeWindow};
use messaging::Stream;
use messaging::proto::{PayloadOrigin, RawPayload, SyncJob, TraceContext};
use providers::{ApiContext, EventType, FetchedPayload, InboundEvent, ProviderError};
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

/// The OAuth app a connection was made with (for refreshes).
pub async fn oauth_app(
    state: &State,
    provider: Provider,
    integration_id: Option<Uuid>,
) -> Result<service_kit::apps::OAuthApp, SyncError> {
    let base = state.settings.poller.public_base_url.trim_end_matches('/');
    let callback = format!("{base}/api/v1/oauth/{provider}/callback")
        .parse()
        .map_err(|e| SyncError::Invalid(format!("callback url: {e}")))?;
    let mut conn = state.db.conn().await?;
    service_kit::apps::for_integration(
        &state.settings.common,
        &mut conn,
        &state.cipher,
        provider,
        integration_id,
        callback,
    )
    .await
    .map_err(|e| match e {
        service_kit::apps::AppError::Storage(e) => SyncError::Storage(e),
        other => SyncError::Invalid(other.to_string()),
    })
}

pub fn api_base(state: &State, provider: Provider) -> Result<url::Url, SyncError> {
    state
        .settings
        .common
        .provider_endpoints(provider)
        .map(|e| e.api_base_url)
        .map_err(|e| SyncError::Invalid(e.to_string()))
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
        let api = ApiContext {
            api_base_url: &base,
            sender: &state.sender,
        };
        async move { providers::sync_window(provider, api, &token, window, &job.data_types).await }
    })
    .await?;
    let pages = match pages {
        providers::WindowSync::Fetched(pages) => pages,
        providers::WindowSync::Requested {
            historical_data_denied,
        } => {
            if historical_data_denied {
                tracing::info!(%provider, "user did not allow historical data; backfill skipped");
            }
            Vec::new()
        }
    };
    for page in &pages {
        publish(state, &conn, page, &job.id, job.trace.clone()).await?;
    }
    connections::mark_synced(&mut *state.db.conn().await?, conn.id, Utc::now()).await?;
    Ok(pages.len())
}

/// Handles a verified webhook body: fetch what notifications point at, forward pushed data,
/// record deauthorizations, for every connection linked to each provider account.
/// Returns how many payloads were queued.
pub async fn run_webhook(state: &State, raw: &RawPayload) -> Result<usize, SyncError> {
    let provider: Provider = raw
        .provider
        .parse()
        .map_err(|_| SyncError::Invalid(format!("provider `{}`", raw.provider)))?;
    let events = providers::parse_webhook(provider, &raw.body)
        .map_err(|e| SyncError::Invalid(e.to_string()))?;
    let mut queued = 0;
    for event in &events {
        let account = match event {
            InboundEvent::Notification(n) => &n.provider_user_id,
            InboundEvent::Data {
                provider_user_id, ..
            }
            | InboundEvent::Deauthorized { provider_user_id }
            | InboundEvent::PermissionsChanged {
                provider_user_id, ..
            } => provider_user_id,
        };
        let linked = connections::find_active_by_provider_account(
            &mut *state.db.conn().await?,
            provider.as_str(),
            account,
        )
        .await?;
        if linked.is_empty() {
            tracing::warn!(%provider, "webhook for an account no user has connected; dropped");
            state
                .unknown_accounts
                .with_label_values(&[provider.as_str()])
                .inc();
        }
        for conn in &linked {
            queued += handle_event(state, provider, conn, event, raw).await?;
        }
    }
    Ok(queued)
}

async fn handle_event(
    state: &State,
    provider: Provider,
    conn: &Connection,
    event: &InboundEvent,
    raw: &RawPayload,
) -> Result<usize, SyncError> {
    let trace = raw.trace.clone();
    match event {
        InboundEvent::Notification(n) if n.event_type == EventType::Delete => {
            let ids = serde_json::to_vec(&[&n.object_id])
                .map_err(|e| SyncError::Invalid(e.to_string()))?;
            let page = FetchedPayload {
                kind: providers::DELETION_KIND.to_owned(),
                content_type: "application/json".to_owned(),
                body: ids,
            };
            publish(state, conn, &page, "", trace).await?;
            Ok(1)
        }
        InboundEvent::Notification(n) => {
            let base = api_base(state, provider)?;
            let fetched = with_token(state, conn, |token| {
                let api = ApiContext {
                    api_base_url: &base,
                    sender: &state.sender,
                };
                async move { providers::fetch_notified(provider, api, &token, n).await }
            })
            .await;
            let pages = match fetched {
                Ok(pages) => pages,
                Err(SyncError::Provider(ProviderError::Status { status: 404, .. })) => {
                    tracing::info!(object_id = %n.object_id, "notified object no longer exists");
                    Vec::new()
                }
                Err(e) => return Err(e),
            };
            for page in &pages {
                publish(state, conn, page, "", trace.clone()).await?;
            }
            Ok(pages.len())
        }
        InboundEvent::Data { kind, body, .. } => {
            let page = FetchedPayload {
                kind: kind.clone(),
                content_type: "application/json".to_owned(),
                body: body.clone(),
            };
            publish(state, conn, &page, "", trace).await?;
            Ok(1)
        }
        InboundEvent::Deauthorized { .. } => {
            tracing::info!(connection_id = %conn.id, "user revoked access at the provider");
            connections::set_status(
                &mut *state.db.conn().await?,
                conn.id,
                "revoked",
                "deauthorized at the provider",
            )
            .await?;
            Ok(0)
        }
        InboundEvent::PermissionsChanged { permissions, .. } => {
            tracing::info!(connection_id = %conn.id, ?permissions, "provider permissions changed");
            connections::set_scope(
                &mut *state.db.conn().await?,
                conn.id,
                &permissions.join(" "),
            )
            .await?;
            Ok(0)
        }
    }
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
