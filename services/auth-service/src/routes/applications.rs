//! SDK applications and user-scoped SDK tokens (seed 002).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use service_kit::ApiError;
use service_kit::auth::DeveloperAuth;
use storage::queries::{applications, refresh_tokens, users};
use uuid::Uuid;

use crate::passwords;
use crate::routes::developer::token_pair;
use crate::routes::users::{parse_user_id, user_not_found};
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/applications", web::post().to(create))
        .route("/api/v1/applications", web::get().to(list))
        .route("/api/v1/applications/{app_id}", web::delete().to(delete))
        .route(
            "/api/v1/applications/{app_id}/rotate-secret",
            web::post().to(rotate),
        )
        .route("/api/v1/users/{user_id}/token", web::post().to(user_token))
        .route("/api/v1/token/refresh", web::post().to(refresh))
        .route("/api/v1/token/revoke", web::post().to(revoke));
}

#[derive(Debug, Serialize)]
struct ApplicationRead {
    id: Uuid,
    app_id: String,
    name: String,
    created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_secret: Option<String>,
}

fn read(app: applications::Application, secret: Option<String>) -> ApplicationRead {
    ApplicationRead {
        id: app.id,
        app_id: app.app_id,
        name: app.name,
        created_at: app.created_at,
        app_secret: secret,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewApplication {
    name: String,
}

async fn create(
    auth: DeveloperAuth,
    state: web::Data<AppState>,
    body: web::Json<NewApplication>,
) -> Result<HttpResponse, ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "invalid_name",
            "name must be 1 to 100 characters",
        ));
    }
    let app_id = format!("app_{}", passwords::random_hex(8));
    let secret = format!("secret_{}", passwords::random_hex(24));
    let hash = passwords::hash(&secret).map_err(ApiError::internal)?;
    let mut conn = state.db.conn().await?;
    let app = applications::create(&mut conn, auth.tenant_id, &app_id, name, &hash).await?;
    Ok(HttpResponse::Created().json(read(app, Some(secret))))
}

async fn list(auth: DeveloperAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let apps: Vec<ApplicationRead> = applications::list(&mut conn, auth.tenant_id)
        .await?
        .into_iter()
        .map(|a| read(a, None))
        .collect();
    Ok(HttpResponse::Ok().json(apps))
}

/// The tenant's application named by its `app_id` (or its UUID).
async fn find(
    state: &AppState,
    tenant_id: Uuid,
    raw: &str,
) -> Result<applications::Application, ApiError> {
    let mut conn = state.db.conn().await?;
    let app = match raw.parse::<Uuid>() {
        Ok(id) => applications::find(&mut conn, tenant_id, id).await?,
        Err(_) => applications::find_by_app_id(&mut conn, raw)
            .await?
            .filter(|a| a.tenant_id == tenant_id),
    };
    app.ok_or_else(|| ApiError::not_found("Application not found"))
}

async fn delete(
    auth: DeveloperAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let app = find(&state, auth.tenant_id, &path).await?;
    let mut conn = state.db.conn().await?;
    applications::delete(&mut conn, auth.tenant_id, app.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn rotate(
    auth: DeveloperAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let app = find(&state, auth.tenant_id, &path).await?;
    let secret = format!("secret_{}", passwords::random_hex(24));
    let hash = passwords::hash(&secret).map_err(ApiError::internal)?;
    let mut conn = state.db.conn().await?;
    let app = applications::set_secret(&mut conn, auth.tenant_id, app.id, &hash)
        .await?
        .ok_or_else(|| ApiError::not_found("Application not found"))?;
    Ok(HttpResponse::Ok().json(read(app, Some(secret))))
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AppCredentials {
    app_id: Option<String>,
    app_secret: Option<String>,
}

/// An SDK token for one user: with the application's credentials, or a developer JWT of the
/// user's tenant.
async fn user_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: Option<web::Json<AppCredentials>>,
) -> Result<HttpResponse, ApiError> {
    let user_id = parse_user_id(&path)?;
    let creds = body.map(|b| b.into_inner()).unwrap_or_default();
    let (tenant_id, app_id) = match (creds.app_id, creds.app_secret) {
        (Some(app_id), Some(secret)) => {
            let mut conn = state.db.conn().await?;
            let app = applications::find_by_app_id(&mut conn, &app_id).await?;
            drop(conn);
            match app {
                Some(app) if passwords::verify(&secret, &app.secret_hash) => {
                    (app.tenant_id, app.app_id)
                }
                Some(_) => return Err(ApiError::unauthorized("Invalid application credentials")),
                None => {
                    passwords::verify_dummy(&secret);
                    return Err(ApiError::unauthorized("Invalid application credentials"));
                }
            }
        }
        (None, None) => {
            let dev = <DeveloperAuth as actix_web::FromRequest>::extract(&req)
                .await
                .map_err(|_| {
                    ApiError::bad_request(
                        "missing_credentials",
                        "Provide app_id and app_secret, or a developer token",
                    )
                })?;
            (dev.tenant_id, "developer".to_owned())
        }
        _ => {
            return Err(ApiError::bad_request(
                "missing_credentials",
                "Provide both app_id and app_secret",
            ));
        }
    };
    let mut conn = state.db.conn().await?;
    users::find(&mut conn, tenant_id, user_id)
        .await?
        .ok_or_else(|| user_not_found(user_id))?;
    drop(conn);
    let access = state.jwt.sdk_token(user_id, tenant_id, &app_id)?;
    let pair = token_pair(
        &state,
        access,
        "sdk",
        tenant_id,
        Some(user_id),
        None,
        Some(&app_id),
    )
    .await?;
    Ok(HttpResponse::Ok().json(pair))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshBody {
    refresh_token: String,
}

/// Uses a refresh token once (rotation) and returns a new pair of the same kind.
async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let token = refresh_tokens::consume(&mut conn, &body.refresh_token, Utc::now())
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized("Refresh token is invalid, used, revoked or expired")
        })?;
    drop(conn);
    let pair = match (token.kind.as_str(), token.user_id, token.developer_id) {
        ("sdk", Some(user_id), _) => {
            let app_id = token.app_id.unwrap_or_default();
            let access = state.jwt.sdk_token(user_id, token.tenant_id, &app_id)?;
            token_pair(
                &state,
                access,
                "sdk",
                token.tenant_id,
                Some(user_id),
                None,
                Some(&app_id),
            )
            .await?
        }
        ("developer", _, Some(dev_id)) => {
            let access = state.jwt.developer_token(dev_id, token.tenant_id)?;
            token_pair(
                &state,
                access,
                "developer",
                token.tenant_id,
                None,
                Some(dev_id),
                None,
            )
            .await?
        }
        _ => return Err(ApiError::unauthorized("Refresh token is invalid")),
    };
    Ok(HttpResponse::Ok().json(pair))
}

async fn revoke(
    state: web::Data<AppState>,
    body: web::Json<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    if refresh_tokens::revoke(&mut conn, &body.refresh_token).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found("Refresh token not found"))
    }
}
