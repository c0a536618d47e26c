//! The OAuth connect flow:
//! `GET /api/v1/oauth/{provider}/authorize` → provider consent → `GET …/callback` → redirect.
//!
//! Unlike the peer we replace, authorize needs an API key (nobody can attach their provider
//! account to someone else's user), `redirect_uri` must be allow-listed (no open redirect), and
//! `state` is random, stored only as a hash, single-use and short-lived.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use domain::Provider;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use service_kit::ApiError;
use service_kit::auth::ApiKeyAuth;
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
    .route("/api/v1/oauth/success", web::get().to(success));
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

/// Our OAuth application at `provider`, as configured for this deployment.
fn oauth_app(
    state: &AppState,
    provider: Provider,
) -> Result<(providers::ProviderEndpoints, providers::ProviderCredentials), ApiError> {
    let cfg = state.settings.common.provider(provider).ok_or_else(|| {
        ApiError::bad_request(
            "provider_not_configured",
            format!("Provider '{provider}' is not configured on this deployment"),
        )
    })?;
    let endpoints = cfg.endpoints(provider).map_err(ApiError::internal)?;
    Ok((
        endpoints,
        cfg.credentials(provider, callback_url(state, provider)?),
    ))
}

fn check_redirect(state: &AppState, raw: &str) -> Result<(), ApiError> {
    let url: Url = raw.parse().map_err(|_| {
        ApiError::bad_request(
            "invalid_redirect_uri",
            "redirect_uri must be an absolute URL",
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::bad_request(
            "invalid_redirect_uri",
            "redirect_uri must be an http or https URL",
        ));
    }
    let allowed = state
        .settings
        .oauth
        .redirect_allowlist
        .iter()
        .any(|prefix| url.as_str().starts_with(prefix.as_str()));
    if !allowed {
        return Err(ApiError::bad_request(
            "redirect_uri_not_allowed",
            "redirect_uri is not in this deployment's redirect allow-list",
        ));
    }
    Ok(())
}

async fn authorize(
    auth: ApiKeyAuth,
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
    if let Some(uri) = &query.redirect_uri {
        check_redirect(&state, uri)?;
    }
    let (endpoints, credentials) = oauth_app(&state, provider)?;
    let ctx = providers::OAuthContext {
        endpoints: &endpoints,
        credentials: &credentials,
        sender: &state.sender,
    };
    let mut conn = state.db.conn().await?;
    users::find(&mut conn, auth.tenant_id, user_id)
        .await?
        .ok_or_else(|| user_not_found(user_id))?;

    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let oauth_state = URL_SAFE_NO_PAD.encode(bytes);
    let request =
        providers::authorize_url(provider, ctx, &oauth_state).map_err(ApiError::internal)?;
    let pkce = request
        .pkce_verifier
        .as_ref()
        .map(|v| state.cipher.seal(v))
        .transpose()?;
    oauth_states::insert(
        &mut conn,
        oauth_states::NewOAuthState {
            state: &oauth_state,
            tenant_id: auth.tenant_id,
            user_id,
            provider: provider.as_str(),
            redirect_uri: query.redirect_uri.as_deref(),
            pkce_verifier_enc: pkce,
            expires_at: Utc::now() + Duration::seconds(state.settings.oauth.state_ttl_secs),
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(AuthorizeResponse {
        authorization_url: request.url.to_string(),
        state: oauth_state,
    }))
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
    let saved = oauth_states::take(&mut conn, raw_state, Utc::now())
        .await?
        .filter(|s| s.provider == provider.as_str())
        .ok_or_else(|| {
            ApiError::bad_request("invalid_state", "OAuth state is unknown, used or expired")
        })?;
    drop(conn);
    let redirect = saved.redirect_uri.clone();

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
    let code = query
        .code
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("missing_code", "Missing authorization code"))?;
    match connect(&state, provider, &saved, code).await {
        Ok(()) => finish(redirect, provider, saved.user_id, Ok(()), None),
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
) -> Result<(), ConnectError> {
    let (endpoints, credentials) = oauth_app(state, provider)?;
    let ctx = providers::OAuthContext {
        endpoints: &endpoints,
        credentials: &credentials,
        sender: &state.sender,
    };
    let verifier = saved
        .pkce_verifier_enc
        .as_deref()
        .map(|v| state.cipher.open(v))
        .transpose()
        .map_err(ApiError::from)?;
    let providers::Authorized { tokens, account } =
        providers::connect(provider, ctx, code, verifier.as_ref(), Utc::now())
            .await
            .map_err(ConnectError::Provider)?;
    let mut conn = state.db.conn().await.map_err(ApiError::from)?;
    let connection = connections::upsert_authorized(
        &mut conn,
        &state.cipher,
        connections::NewConnection {
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
    tracing::info!(%provider, connection_id = %connection.id, "connection authorised");
    Ok(())
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
