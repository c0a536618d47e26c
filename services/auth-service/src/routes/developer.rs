//! Developer accounts: login, `me`, invitations, open sign-up, and API keys.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use service_kit::ApiError;
use service_kit::auth::DeveloperAuth;
use storage::queries::{accounts, refresh_tokens};
use uuid::Uuid;

use crate::passwords;
use crate::seed::generate_api_key;
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/auth/login", web::post().to(login))
        .route("/api/v1/auth/register", web::post().to(register))
        .route("/api/v1/auth/me", web::get().to(me))
        .route("/api/v1/auth/me", web::patch().to(update_me))
        .route("/api/v1/invitations", web::post().to(invite))
        .route("/api/v1/invitations/accept", web::post().to(accept))
        .route("/api/v1/developer/api-keys", web::post().to(create_key))
        .route("/api/v1/developer/api-keys", web::get().to(list_keys))
        .route(
            "/api/v1/developer/api-keys/{id}",
            web::patch().to(rename_key),
        )
        .route(
            "/api/v1/developer/api-keys/{id}",
            web::delete().to(delete_key),
        )
        .route(
            "/api/v1/developer/api-keys/{id}/rotate",
            web::post().to(rotate_key),
        );
}

pub const MIN_PASSWORD: usize = 12;

/// `{access_token, token_type, refresh_token, expires_in}` for developers and SDK users alike.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub refresh_token: String,
    pub expires_in: i64,
}

/// Issues an access token plus a stored (hashed) refresh token.
pub async fn token_pair(
    state: &AppState,
    access_token: String,
    kind: &str,
    tenant_id: Uuid,
    user_id: Option<Uuid>,
    developer_id: Option<Uuid>,
    app_id: Option<&str>,
) -> Result<TokenResponse, ApiError> {
    let refresh = format!("rt-{}", passwords::random_hex(24));
    let mut conn = state.db.conn().await?;
    refresh_tokens::insert(
        &mut conn,
        refresh_tokens::NewRefreshToken {
            token: &refresh,
            kind,
            tenant_id,
            user_id,
            developer_id,
            app_id,
            expires_at: Utc::now()
                + Duration::days(state.settings.common.security.refresh_token_ttl_days),
        },
    )
    .await?;
    Ok(TokenResponse {
        access_token,
        token_type: "bearer",
        refresh_token: refresh,
        expires_in: state.jwt.access_ttl_secs,
    })
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login(
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let developer = accounts::find_developer_by_email(&mut conn, form.username.trim()).await?;
    drop(conn);
    let developer = match developer {
        Some(d) if passwords::verify(&form.password, &d.password_hash) => d,
        Some(_) => return Err(ApiError::unauthorized("Incorrect email or password")),
        None => {
            passwords::verify_dummy(&form.password);
            return Err(ApiError::unauthorized("Incorrect email or password"));
        }
    };
    let access = state
        .jwt
        .developer_token(developer.id, developer.tenant_id)?;
    let pair = token_pair(
        &state,
        access,
        "developer",
        developer.tenant_id,
        None,
        Some(developer.id),
        None,
    )
    .await?;
    Ok(HttpResponse::Ok().json(pair))
}

#[derive(Debug, Serialize)]
struct DeveloperRead {
    id: Uuid,
    tenant_id: Uuid,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    is_admin: bool,
    created_at: DateTime<Utc>,
}

impl From<accounts::Developer> for DeveloperRead {
    fn from(d: accounts::Developer) -> Self {
        Self {
            id: d.id,
            tenant_id: d.tenant_id,
            email: d.email,
            first_name: d.first_name,
            last_name: d.last_name,
            is_admin: d.is_admin,
            created_at: d.created_at,
        }
    }
}

async fn me(auth: DeveloperAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let dev = accounts::find_developer(&mut conn, auth.developer_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("Could not validate credentials"))?;
    Ok(HttpResponse::Ok().json(DeveloperRead::from(dev)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeveloperUpdate {
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    password: Option<String>,
}

fn valid_email(email: &str) -> Result<(), ApiError> {
    let ok = email.len() <= 320
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid_email",
            "email must be a valid email address",
        ))
    }
}

fn valid_password(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(ApiError::bad_request(
            "weak_password",
            format!("password must be at least {MIN_PASSWORD} characters"),
        ));
    }
    Ok(())
}

async fn update_me(
    auth: DeveloperAuth,
    state: web::Data<AppState>,
    body: web::Json<DeveloperUpdate>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if let Some(email) = &body.email {
        valid_email(email)?;
    }
    let password_hash = match &body.password {
        Some(p) => {
            valid_password(p)?;
            Some(passwords::hash(p).map_err(ApiError::internal)?)
        }
        None => None,
    };
    let mut conn = state.db.conn().await?;
    let changes = accounts::DeveloperChanges {
        email: body.email,
        first_name: body.first_name.map(Some),
        last_name: body.last_name.map(Some),
        password_hash,
    };
    match accounts::update_developer(&mut conn, auth.developer_id, changes).await {
        Ok(Some(dev)) => Ok(HttpResponse::Ok().json(DeveloperRead::from(dev))),
        Ok(None) => Err(ApiError::unauthorized("Could not validate credentials")),
        Err(e) if e.is_unique_violation() => Err(ApiError::conflict(
            "email_taken",
            "That email is already in use",
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDeveloper {
    email: String,
    password: String,
    first_name: Option<String>,
    last_name: Option<String>,
    /// Only for `register`: the new tenant's name.
    organization: Option<String>,
    /// Only for `accept`: the invitation token.
    token: Option<String>,
}

async fn create_developer(
    state: &AppState,
    tenant_id: Uuid,
    body: &NewDeveloper,
    is_admin: bool,
) -> Result<HttpResponse, ApiError> {
    valid_email(&body.email)?;
    valid_password(&body.password)?;
    let hash = passwords::hash(&body.password).map_err(ApiError::internal)?;
    let mut conn = state.db.conn().await?;
    let dev = match accounts::create_developer(&mut conn, tenant_id, &body.email, &hash, is_admin)
        .await
    {
        Ok(d) => d,
        Err(e) if e.is_unique_violation() => {
            return Err(ApiError::conflict(
                "email_taken",
                "That email is already in use",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let changes = accounts::DeveloperChanges {
        first_name: body.first_name.clone().map(Some),
        last_name: body.last_name.clone().map(Some),
        ..Default::default()
    };
    let dev = accounts::update_developer(&mut conn, dev.id, changes)
        .await?
        .unwrap_or(dev);
    Ok(HttpResponse::Created().json(DeveloperRead::from(dev)))
}

/// A new developer with a new tenant of their own, when the deployment allows open sign-up.
async fn register(
    state: web::Data<AppState>,
    body: web::Json<NewDeveloper>,
) -> Result<HttpResponse, ApiError> {
    if !state.settings.accounts.open_signup {
        return Err(ApiError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "signup_closed",
            "Sign-up is by invitation on this deployment",
        ));
    }
    valid_email(&body.email)?;
    valid_password(&body.password)?;
    let mut conn = state.db.conn().await?;
    let name = body
        .organization
        .clone()
        .unwrap_or_else(|| body.email.clone());
    let tenant = accounts::create_tenant(&mut conn, &name).await?;
    drop(conn);
    create_developer(&state, tenant, &body, true).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Invite {
    email: String,
}

async fn invite(
    auth: DeveloperAuth,
    state: web::Data<AppState>,
    body: web::Json<Invite>,
) -> Result<HttpResponse, ApiError> {
    valid_email(&body.email)?;
    let token = format!("inv-{}", passwords::random_hex(24));
    let expires_at = Utc::now() + Duration::hours(state.settings.accounts.invitation_ttl_hours);
    let mut conn = state.db.conn().await?;
    let id = accounts::create_invitation(
        &mut conn,
        auth.tenant_id,
        &body.email,
        &token,
        auth.developer_id,
        expires_at,
    )
    .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({
        "id": id, "email": body.email, "token": token, "expires_at": expires_at,
    })))
}

async fn accept(
    state: web::Data<AppState>,
    body: web::Json<NewDeveloper>,
) -> Result<HttpResponse, ApiError> {
    let token = body
        .token
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("missing_parameter", "Field required: token"))?;
    valid_password(&body.password)?;
    let mut conn = state.db.conn().await?;
    let (tenant, email) = accounts::accept_invitation(&mut conn, token, Utc::now())
        .await?
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_invitation",
                "Invitation is unknown, used or expired",
            )
        })?;
    drop(conn);
    if !email.eq_ignore_ascii_case(&body.email) {
        return Err(ApiError::bad_request(
            "invalid_invitation",
            "Invitation was issued to another email",
        ));
    }
    create_developer(&state, tenant, &body, false).await
}

#[derive(Debug, Serialize)]
struct ApiKeyRead {
    id: Uuid,
    name: String,
    /// Masked: the key is shown once, at creation or rotation.
    key: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
}

impl From<accounts::ApiKey> for ApiKeyRead {
    fn from(k: accounts::ApiKey) -> Self {
        Self {
            key: format!("{}…", k.key_prefix),
            id: k.id,
            name: k.name,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct KeyName {
    name: Option<String>,
}

fn key_name(raw: Option<String>) -> Result<String, ApiError> {
    let name = raw.unwrap_or_else(|| "Default".to_owned());
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "invalid_name",
            "name must be 1 to 100 characters",
        ));
    }
    Ok(name)
}

async fn issue_key(
    state: &AppState,
    auth: DeveloperAuth,
    name: &str,
) -> Result<HttpResponse, ApiError> {
    let key = generate_api_key();
    let mut conn = state.db.conn().await?;
    let row = accounts::create_api_key(
        &mut conn,
        auth.tenant_id,
        name,
        &key,
        Some(auth.developer_id),
    )
    .await?;
    let mut body = serde_json::to_value(ApiKeyRead::from(row)).map_err(ApiError::internal)?;
    body["key"] = serde_json::Value::String(key);
    Ok(HttpResponse::Created().json(body))
}

async fn create_key(
    auth: DeveloperAuth,
    state: web::Data<AppState>,
    body: Option<web::Json<KeyName>>,
) -> Result<HttpResponse, ApiError> {
    let name = key_name(body.and_then(|b| b.into_inner().name))?;
    issue_key(&state, auth, &name).await
}

async fn list_keys(
    auth: DeveloperAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let keys: Vec<ApiKeyRead> = accounts::list_api_keys(&mut conn, auth.tenant_id)
        .await?
        .into_iter()
        .map(ApiKeyRead::from)
        .collect();
    Ok(HttpResponse::Ok().json(keys))
}

fn key_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found("API key not found"))
}

async fn rename_key(
    auth: DeveloperAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<KeyName>,
) -> Result<HttpResponse, ApiError> {
    let name = key_name(body.into_inner().name)?;
    let mut conn = state.db.conn().await?;
    let key = accounts::rename_api_key(&mut conn, auth.tenant_id, key_id(&path)?, &name)
        .await?
        .ok_or_else(|| ApiError::not_found("API key not found"))?;
    Ok(HttpResponse::Ok().json(ApiKeyRead::from(key)))
}

async fn delete_key(
    auth: DeveloperAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    if !accounts::revoke_api_key(&mut conn, auth.tenant_id, key_id(&path)?).await? {
        return Err(ApiError::not_found("API key not found"));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Revokes the key and issues a new one with the same name.
async fn rotate_key(
    auth: DeveloperAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = key_id(&path)?;
    let mut conn = state.db.conn().await?;
    let name = accounts::list_api_keys(&mut conn, auth.tenant_id)
        .await?
        .into_iter()
        .find(|k| k.id == id)
        .map(|k| k.name)
        .ok_or_else(|| ApiError::not_found("API key not found"))?;
    accounts::revoke_api_key(&mut conn, auth.tenant_id, id).await?;
    drop(conn);
    issue_key(&state, auth, &name).await
}
