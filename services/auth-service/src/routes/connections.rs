//! Connections: list (seed 002), disconnect (seed 002 and seed 000 forms).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::Provider;
use serde::Serialize;
use service_kit::ApiError;
use service_kit::auth::TenantAuth;
use storage::queries::connections::{self, Connection};
use storage::queries::users;
use uuid::Uuid;

use crate::routes::oauth::{app_for_connection, provider_ctx};
use crate::routes::users::{parse_user_id, user_not_found};
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/v1/users/{user_id}/connections",
        web::get().to(list_connections),
    )
    .route(
        "/api/v1/users/{user_id}/connections/{provider}",
        web::delete().to(delete_connection),
    )
    .route(
        "/api/v1/integration/connection/{account_id}/{connection_id}",
        web::delete().to(delete_connection_by_id),
    );
}

#[derive(Debug, Serialize)]
pub struct ConnectionRead {
    pub id: Uuid,
    pub user_id: Uuid,
    pub provider: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub status_changed_at: DateTime<Utc>,
    pub provider_user_id: Option<String>,
    pub provider_username: Option<String>,
    pub scope: Option<String>,
    pub integration_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_synced_at: Option<DateTime<Utc>>,
}

impl From<Connection> for ConnectionRead {
    fn from(c: Connection) -> Self {
        Self {
            id: c.id,
            user_id: c.user_id,
            provider: c.provider,
            status: c.status,
            status_reason: c.status_reason,
            status_changed_at: c.status_changed_at,
            provider_user_id: c.provider_user_id,
            provider_username: c.provider_username,
            scope: c.scope,
            integration_id: c.integration_id,
            created_at: c.created_at,
            updated_at: c.updated_at,
            last_synced_at: c.last_synced_at,
        }
    }
}

async fn list_connections(
    auth: TenantAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = parse_user_id(&path)?;
    let mut conn = state.db.conn().await?;
    users::find(&mut conn, auth.tenant_id, user_id)
        .await?
        .ok_or_else(|| user_not_found(user_id))?;
    let list: Vec<ConnectionRead> = connections::list_for_user(&mut conn, user_id)
        .await?
        .into_iter()
        .map(ConnectionRead::from)
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

/// Deregisters at the provider (best effort: the user may already have revoked us), then marks
/// the connection revoked, which wipes its tokens. From then on the poller and the normalizer
/// drop anything for it, including jobs already in flight.
pub async fn disconnect(
    state: &AppState,
    connection: &Connection,
    reason: &str,
) -> Result<(), ApiError> {
    if connection.status != "revoked"
        && let Ok(provider) = connection.provider.parse::<Provider>()
    {
        let tokens = connection.tokens(&state.cipher)?;
        if let Some(access) = tokens.access_token {
            match app_for_connection(state, provider, connection).await {
                Ok(app) => {
                    if let Err(e) = providers::disconnect(
                        provider,
                        provider_ctx(state, &app),
                        &access,
                        connection.provider_user_id.as_deref(),
                    )
                    .await
                    {
                        tracing::warn!(%provider, connection_id = %connection.id, error = %e, "provider deregistration failed");
                    }
                }
                Err(e) => tracing::warn!(%provider, error = %e, "no app to deregister with"),
            }
        }
    }
    let mut conn = state.db.conn().await?;
    connections::set_status(&mut conn, connection.id, "revoked", reason).await?;
    Ok(())
}

async fn delete_connection(
    auth: TenantAuth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (raw_user, provider) = path.into_inner();
    let user_id = parse_user_id(&raw_user)?;
    let mut conn = state.db.conn().await?;
    users::find(&mut conn, auth.tenant_id, user_id)
        .await?
        .ok_or_else(|| user_not_found(user_id))?;
    let connection = connections::list_for_user(&mut conn, user_id)
        .await?
        .into_iter()
        .find(|c| c.provider == provider)
        .ok_or_else(|| ApiError::not_found(format!("User is not connected to {provider}")))?;
    drop(conn);
    disconnect(&state, &connection, "disconnected through the API").await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Seed 000: `DELETE /api/v1/integration/connection/{accountId}/{connectionId}` with the
/// account (tenant) credential.
async fn delete_connection_by_id(
    auth: TenantAuth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (account, connection_id) = path.into_inner();
    let not_found = || ApiError::not_found("Connection not found");
    if account.parse::<Uuid>().ok() != Some(auth.tenant_id) {
        return Err(not_found());
    }
    let id: Uuid = connection_id.parse().map_err(|_| not_found())?;
    let mut conn = state.db.conn().await?;
    let connection = connections::find(&mut conn, id)
        .await?
        .filter(|c| c.tenant_id == auth.tenant_id)
        .ok_or_else(not_found)?;
    drop(conn);
    disconnect(&state, &connection, "disconnected through the API").await?;
    Ok(HttpResponse::NoContent().finish())
}
