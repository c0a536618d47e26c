//! `GET /api/v1/users/{id}/connections` (seed 002 shape).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use service_kit::ApiError;
use service_kit::auth::ApiKeyAuth;
use storage::queries::{connections, users};
use uuid::Uuid;

use crate::routes::users::{parse_user_id, user_not_found};
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/v1/users/{user_id}/connections",
        web::get().to(list_connections),
    );
}

#[derive(Debug, Serialize)]
pub struct ConnectionRead {
    pub id: Uuid,
    pub user_id: Uuid,
    pub provider: String,
    pub status: String,
    pub provider_user_id: Option<String>,
    pub provider_username: Option<String>,
    pub scope: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_synced_at: Option<DateTime<Utc>>,
}

async fn list_connections(
    auth: ApiKeyAuth,
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
        .map(|c| ConnectionRead {
            id: c.id,
            user_id: c.user_id,
            provider: c.provider,
            status: c.status,
            provider_user_id: c.provider_user_id,
            provider_username: c.provider_username,
            scope: c.scope,
            created_at: c.created_at,
            updated_at: c.updated_at,
            last_synced_at: c.last_synced_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}
