//! query-api routes.

pub mod events;
pub mod meta;
pub mod timeseries;

use actix_web::web;
use serde::Serialize;
use service_kit::ApiError;
use service_kit::auth::TenantAuth;
use storage::Database;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    events::configure(cfg);
    meta::configure(cfg);
    timeseries::configure(cfg);
}

/// Where a record came from.
#[derive(Debug, Serialize)]
pub struct Source {
    pub provider: String,
    pub device: Option<String>,
}

impl Source {
    pub fn new(provider: String, device: String) -> Self {
        Self {
            provider,
            device: (!device.is_empty()).then_some(device),
        }
    }
}

/// Seed-002 pagination. `cursor` repeats `next_cursor` for clients written against the
/// documented `{cursor, has_more}` shape.
#[derive(Debug, Serialize)]
pub struct Pagination {
    pub next_cursor: Option<String>,
    pub previous_cursor: Option<String>,
    pub cursor: Option<String>,
    pub has_more: bool,
}

impl Pagination {
    pub fn new(next: Option<String>) -> Self {
        Self {
            has_more: next.is_some(),
            cursor: next.clone(),
            next_cursor: next,
            previous_cursor: None,
        }
    }
}

/// The user id of the path, if that user belongs to the caller's tenant (404 otherwise, so
/// tenants cannot probe each other's user ids).
pub async fn tenant_user(db: &Database, auth: TenantAuth, raw: &str) -> Result<Uuid, ApiError> {
    let id: Uuid = raw.parse().map_err(|_| {
        ApiError::bad_request("invalid_user_id", format!("Invalid user id: '{raw}'"))
    })?;
    let mut conn = db.conn().await?;
    storage::queries::users::find(&mut conn, auth.tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("User with ID: {id} not found.")))?;
    Ok(id)
}

pub fn zone(offset: Option<i32>) -> Option<String> {
    offset
        .and_then(|s| domain::ZoneOffset::from_seconds(i64::from(s)).ok())
        .map(|z| z.to_string())
}
