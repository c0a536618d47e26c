//! `POST /api/v1/users`, `GET /api/v1/users/{id}` (seed 002 shapes).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use service_kit::ApiError;
use service_kit::auth::ApiKeyAuth;
use storage::queries::{connections, users};
use uuid::Uuid;

use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/users", web::post().to(create_user))
        .route("/api/v1/users/{user_id}", web::get().to(get_user));
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub external_user_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct UserRead {
    pub id: Uuid,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub external_user_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub last_synced_provider: Option<String>,
    pub has_active_connection: bool,
}

impl CreateUser {
    fn validate(self) -> Result<users::NewUser, ApiError> {
        let limit = |field: &str, v: &Option<String>, max: usize| match v {
            Some(s) if s.chars().count() > max => Err(ApiError::bad_request(
                "invalid_field",
                format!("{field} must be at most {max} characters"),
            )),
            _ => Ok(()),
        };
        limit("first_name", &self.first_name, 100)?;
        limit("last_name", &self.last_name, 100)?;
        limit("external_user_id", &self.external_user_id, 255)?;
        limit("email", &self.email, 320)?;
        if let Some(email) = &self.email {
            let valid = email
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
            if !valid {
                return Err(ApiError::bad_request(
                    "invalid_email",
                    "email must be a valid email address",
                ));
            }
        }
        Ok(users::NewUser {
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            external_user_id: self.external_user_id,
        })
    }
}

async fn create_user(
    auth: ApiKeyAuth,
    state: web::Data<AppState>,
    body: web::Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().validate()?;
    let mut conn = state.db.conn().await?;
    let user = match users::create(&mut conn, auth.tenant_id, new).await {
        Ok(u) => u,
        Err(e) if e.is_unique_violation() => {
            return Err(ApiError::conflict(
                "user_exists",
                "A user with this external_user_id already exists",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(HttpResponse::Created().json(read(user, &[])))
}

async fn get_user(
    auth: ApiKeyAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = parse_user_id(&path)?;
    let mut conn = state.db.conn().await?;
    let user = users::find(&mut conn, auth.tenant_id, user_id)
        .await?
        .ok_or_else(|| user_not_found(user_id))?;
    let conns = connections::list_for_user(&mut conn, user_id).await?;
    Ok(HttpResponse::Ok().json(read(user, &conns)))
}

fn read(user: users::User, conns: &[connections::Connection]) -> UserRead {
    let last = conns
        .iter()
        .filter(|c| c.last_synced_at.is_some())
        .max_by_key(|c| c.last_synced_at);
    UserRead {
        id: user.id,
        email: user.email,
        first_name: user.first_name,
        last_name: user.last_name,
        external_user_id: user.external_user_id,
        created_at: user.created_at,
        last_synced_at: last.and_then(|c| c.last_synced_at),
        last_synced_provider: last.map(|c| c.provider.clone()),
        has_active_connection: conns.iter().any(|c| c.status == "active"),
    }
}

pub fn parse_user_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::bad_request("invalid_user_id", format!("Invalid user id: '{raw}'")))
}

pub fn user_not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("User with ID: {id} not found."))
}
