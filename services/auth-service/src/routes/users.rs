//! `POST /api/v1/users`, `GET /api/v1/users/{id}` (seed 002 shapes).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use service_kit::ApiError;
use service_kit::auth::TenantAuth;
use storage::queries::{connections, users};
use uuid::Uuid;

use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/users", web::post().to(create_user))
        .route("/api/v1/users", web::get().to(list_users))
        .route("/api/v1/users/{user_id}", web::get().to(get_user))
        .route("/api/v1/users/{user_id}", web::patch().to(update_user))
        .route("/api/v1/users/{user_id}", web::delete().to(delete_user));
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
    auth: TenantAuth,
    state: web::Data<AppState>,
    body: web::Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().validate()?;
    let mut conn = state.db.conn().await?;
    let external = new.external_user_id.clone();
    let user = match users::create(&mut conn, auth.tenant_id, new).await {
        Ok(u) => u,
        Err(e) if e.is_unique_violation() => {
            // The loser of a concurrent create learns the winner's id.
            let existing = match &external {
                Some(ext) => users::find_by_external_id(&mut conn, auth.tenant_id, ext).await?,
                None => None,
            };
            return Ok(HttpResponse::Conflict().json(serde_json::json!({
                "detail": "A user with this external_user_id already exists",
                "code": "user_exists",
                "id": existing.map(|u| u.id),
            })));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(HttpResponse::Created().json(read(user, &[])))
}

async fn get_user(
    auth: TenantAuth,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub page: Option<i64>,
    pub limit: Option<i64>,
    pub email: Option<String>,
    pub external_user_id: Option<String>,
    pub search: Option<String>,
    pub sort_order: Option<String>,
    pub sort_by: Option<String>,
}

/// `GET /api/v1/users`: the seed-002 `items` page shape.
async fn list_users(
    auth: TenantAuth,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = q.page.unwrap_or(1);
    let limit = q.limit.unwrap_or(20);
    if page < 1 {
        return Err(ApiError::bad_request(
            "invalid_page",
            "page must be at least 1",
        ));
    }
    if !(1..=100).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_limit",
            "limit must be an integer from 1 to 100",
        ));
    }
    if q.sort_by.as_deref().is_some_and(|s| s != "created_at") {
        return Err(ApiError::bad_request(
            "invalid_sort",
            "sort_by supports created_at",
        ));
    }
    let newest_first = match q.sort_order.as_deref() {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_sort",
                "sort_order must be asc or desc",
            ));
        }
    };
    let filter = users::UserFilter {
        email: q.email,
        external_user_id: q.external_user_id,
        search: q.search,
        page,
        limit,
        newest_first,
    };
    let mut conn = state.db.conn().await?;
    let (rows, total) = users::list(&mut conn, auth.tenant_id, &filter).await?;
    let items: Vec<UserRead> = rows.into_iter().map(|u| read(u, &[])).collect();
    let pages = (total + limit - 1) / limit;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "items": items,
        "total": total,
        "page": page,
        "limit": limit,
        "pages": pages,
        "has_next": page < pages,
        "has_prev": page > 1,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "present")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub external_user_id: Option<Option<String>>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

async fn update_user(
    auth: TenantAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let user_id = parse_user_id(&path)?;
    let body = body.into_inner();
    // Same rules as creation for whatever is set.
    CreateUser {
        email: body.email.clone().flatten(),
        first_name: body.first_name.clone().flatten(),
        last_name: body.last_name.clone().flatten(),
        external_user_id: body.external_user_id.clone().flatten(),
    }
    .validate()?;
    let changes = users::UserChanges {
        email: body.email,
        first_name: body.first_name,
        last_name: body.last_name,
        external_user_id: body.external_user_id,
    };
    let mut conn = state.db.conn().await?;
    let user = match users::update(&mut conn, auth.tenant_id, user_id, changes).await {
        Ok(Some(u)) => u,
        Ok(None) => return Err(user_not_found(user_id)),
        Err(e) if e.is_unique_violation() => {
            return Err(ApiError::conflict(
                "user_exists",
                "A user with this external_user_id already exists",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let conns = connections::list_for_user(&mut conn, user_id).await?;
    Ok(HttpResponse::Ok().json(read(user, &conns)))
}

/// Hides the user and all its data at once; the data is purged in the background.
async fn delete_user(
    auth: TenantAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = parse_user_id(&path)?;
    let mut conn = state.db.conn().await?;
    let user = users::find(&mut conn, auth.tenant_id, user_id)
        .await?
        .ok_or_else(|| user_not_found(user_id))?;
    for c in connections::list_for_user(&mut conn, user_id).await? {
        connections::set_status(&mut conn, c.id, "revoked", "user deleted").await?;
    }
    users::soft_delete(&mut conn, auth.tenant_id, user_id).await?;
    Ok(HttpResponse::Ok().json(read(user, &[])))
}
