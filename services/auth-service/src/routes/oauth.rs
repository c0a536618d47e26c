//! The OAuth connect flow:
//! `GET /api/v1/oauth/{provider}/authorize` → provider consent → `GET …/callback` → redirect.
//!
//! Unlike the peer we replace, authorize needs an API key (nobody can attach their provider
//! account to someone else's user), `redirect_uri` must be allow-listed (no open redirect), and
//! `state` is random, stored only as a hash, single-use and short-lived.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use domain::Provider;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use service_kit::ApiError;
use service_kit::apps::{self, AppError, OAuthApp};
use service_kit::auth::TenantAuth;
use storage::queries::{connections, oauth_states, users};
use url::Url;
use uuid::Uuid;

use crate::routes::users::{parse_user_id, user_not_found};
use crate::startup::AppState;
use crate::sync::queue_backfill;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/v1/oauth/{provider}/authorize",
        web::get().to(authorize),
    )
    .route("/api/v1/oauth/{provider}/callback", web::get().to(callback))
    .route("/api/v1/oauth/success", web::get().to(success))
    .route(
        "/api/v1/integration/oauth/{provider}/authorize",
        web::get().to(authorize_profile),
    );
}

#[derive(Debug, Deserialize)]
pub struct AuthorizeQuery {
    pub user_id: Option<String>,
    pub redirect_uri: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AuthorizeResponse {
    pub authorization_url: String,
    pub state: String,
}

fn parse_provider(raw: &str) -> Result<Provider, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::not_found(format!(
            "Unknown provider '{raw}'. Provider names are lowercase."
        ))
    })
}

fn callback_url(state: &AppState, provider: Provider) -> Result<Url, ApiError> {
    let base = state.settings.oauth.public_base_url.trim_end_matches('/');
    format!("{base}/api/v1/oauth/{provider}/callback")
        .parse()
        .map_err(ApiError::internal)
}

fn app_error(e: AppError) -> ApiError {
    match e {
        AppError::NotConfigured(p) => ApiError::bad_request(
            "provider_not_configured",
            format!("Provider '{p}' is not configured on this deployment"),
        ),
        AppError::Disabled(p) => ApiError::bad_request(
            "integration_disabled",
            format!("The {p} integration is disabled"),
        ),
        AppError::Invalid(reason) => ApiError::internal(reason),
        AppError::Storage(e) => e.into(),
    }
}

/// The tenant's OAuth app at `provider`.
pub async fn app_for_tenant(
    state: &AppState,
    provider: Provider,
    tenant_id: Uuid,
) -> Result<OAuthApp, ApiError> {
    let mut conn = state.db.conn().await?;
    apps::for_tenant(
        &state.settings.common,
        &mut conn,
        &state.cipher,
        provider,
        tenant_id,
        callback_url(state, provider)?,
        &state.settings.oauth.redirect_allowlist,
    )
    .await
    .map_err(app_error)
}

/// The OAuth app a connection was made with.
pub async fn app_for_connection(
    state: &AppState,
    provider: Provider,
    connection: &storage::queries::connections::Connection,
) -> Result<OAuthApp, ApiError> {
    let mut conn = state.db.conn().await?;
    apps::for_integration(
        &state.settings.common,
        &mut conn,
        &state.cipher,
        provider,
        connection.integration_id,
        callback_url(state, provider)?,
    )
    .await
    .map_err(app_error)
}

pub fn provider_ctx<'a>(state: &'a AppState, app: &'a OAuthApp) -> providers::OAuthContext<'a> {
    providers::OAuthContext {
        endpoints: &app.endpoints,
        credentials: &app.credentials,
        sender: &state.sender,
    }
}

/// The redirect to use: the given one if it is allow-listed exactly, the first entry if none
/// was given, nothing when the app has no allow-list (the JSON success page then).
fn choose_redirect(app: &OAuthApp, requested: Option<&str>) -> Result<Option<String>, ApiError> {
    match requested.filter(|r| !r.is_empty()) {
        Some(raw) => apps::allowlisted(raw, &app.redirect_allowlist)
            .map(|u| Some(u.to_string()))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "redirect_uri_not_allowed",
                    "redirect_uri must match an entry of the integration's redirect allow-list exactly",
                )
            }),
        None => Ok(app.redirect_allowlist.first().cloned()),
    }
}

/// Starts an authorization for `user_id`; returns the provider URL and the state.
async fn start_authorization(
    state: &AppState,
    provider: Provider,
    tenant_id: Uuid,
    user_id: Uuid,
    redirect: Option<&str>,
) -> Result<AuthorizeResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    users::find(&mut conn, tenant_id, user_id)
        .await?
        .ok_or_else(|| user_not_found(user_id))?;
    drop(conn);
    let app = app_for_tenant(state, provider, tenant_id).await?;
    let redirect = choose_redirect(&app, redirect)?;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let oauth_state = URL_SAFE_NO_PAD.encode(bytes);
    let request = providers::authorize_url(provider, provider_ctx(state, &app), &oauth_state)
        .map_err(ApiError::internal)?;
    let pkce = request
        .pkce_verifier
        .as_ref()
        .map(|v| state.cipher.seal(v))
        .transpose()?;
    let mut conn = state.db.conn().await?;
    oauth_states::insert(
        &mut conn,
        oauth_states::NewOAuthState {
            state: &oauth_state,
            tenant_id,
            user_id,
            provider: provider.as_str(),
            redirect_uri: redirect.as_deref(),
            pkce_verifier_enc: pkce,
            expires_at: Utc::now() + Duration::seconds(state.settings.oauth.state_ttl_secs),
            integration_id: app.integration_id,
        },
    )
    .await?;
    Ok(AuthorizeResponse {
        authorization_url: request.url.to_string(),
        state: oauth_state,
    })
}

async fn authorize(
    auth: TenantAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<AuthorizeQuery>,
) -> Result<HttpResponse, ApiError> {
    let provider = parse_provider(&path)?;
    let raw_user = query
        .user_id
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("missing_parameter", "Field required: user_id"))?;
    let user_id = parse_user_id(raw_user)?;
    let response = start_authorization(
        &state,
        provider,
        auth.tenant_id,
        user_id,
        query.redirect_uri.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileAuthorizeQuery {
    pub redirect_url: Option<String>,
}

/// Seed 000: `GET /api/v1/integration/oauth/{provider}/authorize?redirectUrl=` with
/// `Authorization: profile <sdk user token>` → `{"authorizationUrl"}`.
async fn authorize_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ProfileAuthorizeQuery>,
) -> Result<HttpResponse, ApiError> {
    let provider = parse_provider(&path)?;
    let profile = service_kit::auth::profile_token(&req)?;
    let response = start_authorization(
        &state,
        provider,
        profile.tenant_id,
        profile.user_id,
        query.redirect_url.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "authorizationUrl": response.authorization_url })))
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

async fn callback(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let provider = parse_provider(&path)?;
    let raw_state = query
        .state
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("invalid_state", "Missing OAuth state"))?;
    let mut conn = state.db.conn().await?;
    let saved = oauth_states::take_any(&mut conn, raw_state)
        .await?
        .ok_or_else(|| {
            ApiError::bad_request("invalid_state", "OAuth state is unknown or already used")
        })?;
    drop(conn);
    let redirect = saved.redirect_uri.clone();
    // An expired state, or one issued for another provider: the app hears about it.
    if saved.expires_at <= Utc::now() || saved.provider != provider.as_str() {
        return finish(
            redirect,
            provider,
            saved.user_id,
            Err("invalid_state".into()),
            None,
        );
    }

    if let Some(error) = &query.error {
        tracing::info!(%provider, %error, "provider declined the authorisation");
        return finish(
            redirect,
            provider,
            saved.user_id,
            Err(error.clone()),
            query.error_description.as_deref(),
        );
    }
    let Some(code) = query.code.as_deref().filter(|c| !c.is_empty()) else {
        return finish(
            redirect,
            provider,
            saved.user_id,
            Err("missing_code".into()),
            None,
        );
    };
    match connect(&state, provider, &saved, code).await {
        Ok(missing) if missing.is_empty() => {
            finish(redirect, provider, saved.user_id, Ok(()), None)
        }
        // Connected, but with less than the integration needs: recorded on the connection's
        // scope, and the app is told so it can ask the user again.
        Ok(_) => finish(
            redirect,
            provider,
            saved.user_id,
            Err("missing_scopes".into()),
            None,
        ),
        Err(ConnectError::Provider(e)) => {
            tracing::warn!(%provider, error = %e, "code exchange failed");
            finish(
                redirect,
                provider,
                saved.user_id,
                Err("token_exchange_failed".into()),
                None,
            )
        }
        Err(ConnectError::Api(e)) => Err(e),
    }
}

enum ConnectError {
    Provider(providers::ProviderError),
    Api(ApiError),
}

impl From<ApiError> for ConnectError {
    fn from(e: ApiError) -> Self {
        ConnectError::Api(e)
    }
}

/// Exchanges the code, learns the provider account id, stores the connection and queues the
/// backfill.
async fn connect(
    state: &AppState,
    provider: Provider,
    saved: &oauth_states::OAuthState,
    code: &str,
) -> Result<Vec<String>, ConnectError> {
    let mut conn = state.db.conn().await.map_err(ApiError::from)?;
    let app = apps::for_integration(
        &state.settings.common,
        &mut conn,
        &state.cipher,
        provider,
        saved.integration_id,
        callback_url(state, provider)?,
    )
    .await
    .map_err(app_error)?;
    drop(conn);
    let verifier = saved
        .pkce_verifier_enc
        .as_deref()
        .map(|v| state.cipher.open(v))
        .transpose()
        .map_err(ApiError::from)?;
    let providers::Authorized { tokens, account } = providers::connect(
        provider,
        provider_ctx(state, &app),
        code,
        verifier.as_ref(),
        Utc::now(),
    )
    .await
    .map_err(ConnectError::Provider)?;
    let mut conn = state.db.conn().await.map_err(ApiError::from)?;
    let connection = connections::upsert_authorized(
        &mut conn,
        &state.cipher,
        connections::NewConnection {
            integration_id: app.integration_id,
            tenant_id: saved.tenant_id,
            user_id: saved.user_id,
            provider: provider.as_str(),
            provider_user_id: Some(&account.id),
            provider_username: account.username.as_deref(),
            scope: tokens.scope.as_deref(),
            access_token: &tokens.access_token,
            refresh_token: tokens.refresh_token.as_ref(),
            token_expires_at: tokens.expires_at,
        },
    )
    .await
    .map_err(ApiError::from)?;
    queue_backfill(state, &connection).await?;
    let missing = missing_scopes(&app.credentials.scopes, tokens.scope.as_deref());
    if !missing.is_empty() {
        tracing::info!(%provider, connection_id = %connection.id, ?missing, "user granted fewer scopes than requested");
    }
    tracing::info!(%provider, connection_id = %connection.id, "connection authorised");
    Ok(missing)
}

/// Requested scopes the provider's token response does not list (when it lists any).
fn missing_scopes(requested: &[String], granted: Option<&str>) -> Vec<String> {
    let Some(granted) = granted else {
        return Vec::new();
    };
    let granted: Vec<&str> = granted
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .collect();
    requested
        .iter()
        .filter(|s| !granted.contains(&s.as_str()))
        .cloned()
        .collect()
}

/// Sends the browser back to the developer's app, or answers JSON when no redirect was given.
fn finish(
    redirect: Option<String>,
    provider: Provider,
    user_id: Uuid,
    outcome: Result<(), String>,
    description: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let Some(redirect) = redirect else {
        return match outcome {
            Ok(()) => Ok(HttpResponse::SeeOther()
                .insert_header((
                    header::LOCATION,
                    format!("/api/v1/oauth/success?provider={provider}&user_id={user_id}"),
                ))
                .finish()),
            Err(error) => Err(ApiError::bad_request(
                "authorization_failed",
                format!("Authorization failed: {}", description.unwrap_or(&error)),
            )),
        };
    };
    let mut url: Url = redirect.parse().map_err(ApiError::internal)?;
    {
        let mut pairs = url.query_pairs_mut();
        pairs.append_pair("provider", provider.as_str());
        pairs.append_pair("user_id", &user_id.to_string());
        match &outcome {
            Ok(()) => pairs.append_pair("status", "success"),
            Err(error) => pairs
                .append_pair("status", "error")
                .append_pair("error", error),
        };
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url.to_string()))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::missing_scopes;

    #[test]
    fn scopes_granted_below_the_request_are_reported() {
        let requested = vec![
            "daily".to_owned(),
            "heartrate".to_owned(),
            "workout".to_owned(),
        ];
        assert_eq!(
            missing_scopes(&requested, Some("daily workout")),
            vec!["heartrate"]
        );
        assert!(missing_scopes(&requested, Some("daily,heartrate,workout")).is_empty());
        // A provider that does not echo scopes tells us nothing.
        assert!(missing_scopes(&requested, None).is_empty());
    }
}

#[derive(Debug, Deserialize)]
pub struct SuccessQuery {
    pub provider: Option<String>,
    pub user_id: Option<String>,
}

async fn success(query: web::Query<SuccessQuery>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "success": true,
        "message": "Provider connected",
        "provider": query.provider,
        "user_id": query.user_id,
    }))
}
