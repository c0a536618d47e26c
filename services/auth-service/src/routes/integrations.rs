//! A tenant's integrations: its own OAuth app per provider (client id, encrypted secret,
//! scopes, redirect allow-list, enabled flag). Without one, the deployment's default app from
//! configuration serves the tenant.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::Provider;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use service_kit::ApiError;
use service_kit::auth::TenantAuth;
use storage::queries::{connections, integrations};
use url::Url;
use uuid::Uuid;

use crate::routes::connections::disconnect;
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/integrations", web::post().to(create))
        .route("/api/v1/integrations", web::get().to(list))
        .route("/api/v1/integrations/{id}", web::get().to(get))
        .route("/api/v1/integrations/{id}", web::patch().to(update))
        .route("/api/v1/integrations/{id}", web::delete().to(delete));
}

#[derive(Debug, Serialize)]
pub struct IntegrationRead {
    id: Uuid,
    provider: String,
    client_id: String,
    /// Never returned; only whether one is stored.
    has_client_secret: bool,
    scopes: Vec<String>,
    redirect_allowlist: Vec<String>,
    enabled: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn read(i: integrations::Integration) -> IntegrationRead {
    IntegrationRead {
        id: i.id,
        provider: i.provider,
        client_id: i.client_id,
        has_client_secret: !i.client_secret_enc.is_empty(),
        scopes: i.scopes,
        redirect_allowlist: i.redirect_allowlist,
        enabled: i.enabled,
        created_at: i.created_at,
        updated_at: i.updated_at,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntegrationBody {
    provider: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scopes: Option<Vec<String>>,
    redirect_allowlist: Option<Vec<String>>,
    enabled: Option<bool>,
}

/// Scopes must be ones the provider knows; none given means all of them.
fn check_scopes(provider: Provider, scopes: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let supported = providers::default_scopes(provider);
    let scopes = scopes.unwrap_or_else(|| supported.iter().map(|s| (*s).to_owned()).collect());
    if let Some(bad) = scopes.iter().find(|s| !supported.contains(&s.as_str())) {
        return Err(ApiError::bad_request(
            "invalid_scope",
            format!(
                "Scope '{bad}' is not supported by {provider} (supported: {})",
                supported.join(", ")
            ),
        ));
    }
    Ok(scopes)
}

/// Allow-list entries are absolute http(s) URLs without credentials or fragments.
fn check_allowlist(list: Vec<String>) -> Result<Vec<String>, ApiError> {
    for entry in &list {
        let ok = entry.parse::<Url>().is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some()
                && u.username().is_empty()
                && u.password().is_none()
                && u.fragment().is_none()
        });
        if !ok {
            return Err(ApiError::bad_request(
                "invalid_redirect_allowlist",
                format!(
                    "'{entry}' must be an absolute http(s) URL without credentials or fragment"
                ),
            ));
        }
    }
    Ok(list)
}

fn provider_of(raw: &str) -> Result<Provider, ApiError> {
    let provider: Provider = raw.parse().map_err(|_| {
        ApiError::bad_request("invalid_provider", format!("Unknown provider '{raw}'"))
    })?;
    if !providers::supported().contains(&provider) {
        return Err(ApiError::bad_request(
            "unsupported_provider",
            format!("{provider} has no OAuth integration"),
        ));
    }
    Ok(provider)
}

async fn create(
    auth: TenantAuth,
    state: web::Data<AppState>,
    body: web::Json<IntegrationBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let provider =
        provider_of(body.provider.as_deref().ok_or_else(|| {
            ApiError::bad_request("missing_parameter", "Field required: provider")
        })?)?;
    let client_id = body
        .client_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::bad_request("missing_parameter", "Field required: client_id"))?;
    let secret = body
        .client_secret
        .filter(|c| !c.is_empty())
        .map(SecretString::from)
        .ok_or_else(|| {
            ApiError::bad_request("missing_parameter", "Field required: client_secret")
        })?;
    let scopes = check_scopes(provider, body.scopes)?;
    let allowlist = check_allowlist(body.redirect_allowlist.unwrap_or_default())?;
    let mut conn = state.db.conn().await?;
    let input = integrations::IntegrationInput {
        client_id: &client_id,
        client_secret: Some(&secret),
        scopes: &scopes,
        redirect_allowlist: &allowlist,
        enabled: body.enabled.unwrap_or(true),
    };
    match integrations::create(
        &mut conn,
        &state.cipher,
        auth.tenant_id,
        provider.as_str(),
        input,
    )
    .await
    {
        Ok(i) => Ok(HttpResponse::Created().json(read(i))),
        Err(e) if e.is_unique_violation() => Err(ApiError::conflict(
            "integration_exists",
            format!("This tenant already has a {provider} integration"),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn list(auth: TenantAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let list: Vec<IntegrationRead> = integrations::list(&mut conn, auth.tenant_id)
        .await?
        .into_iter()
        .map(read)
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

async fn find(
    state: &AppState,
    tenant_id: Uuid,
    raw: &str,
) -> Result<integrations::Integration, ApiError> {
    let id: Uuid = raw
        .parse()
        .map_err(|_| ApiError::not_found("Integration not found"))?;
    let mut conn = state.db.conn().await?;
    integrations::find(&mut conn, tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Integration not found"))
}

async fn get(
    auth: TenantAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(read(find(&state, auth.tenant_id, &path).await?)))
}

async fn update(
    auth: TenantAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<IntegrationBody>,
) -> Result<HttpResponse, ApiError> {
    let current = find(&state, auth.tenant_id, &path).await?;
    let provider = provider_of(&current.provider)?;
    let body = body.into_inner();
    if body
        .provider
        .as_deref()
        .is_some_and(|p| p != current.provider)
    {
        return Err(ApiError::bad_request(
            "immutable_field",
            "provider cannot change",
        ));
    }
    let scopes = match body.scopes {
        Some(s) => check_scopes(provider, Some(s))?,
        None => current.scopes.clone(),
    };
    let allowlist = match body.redirect_allowlist {
        Some(l) => check_allowlist(l)?,
        None => current.redirect_allowlist.clone(),
    };
    let secret = body
        .client_secret
        .filter(|s| !s.is_empty())
        .map(SecretString::from);
    let client_id = body.client_id.unwrap_or(current.client_id);
    let input = integrations::IntegrationInput {
        client_id: &client_id,
        client_secret: secret.as_ref(),
        scopes: &scopes,
        redirect_allowlist: &allowlist,
        enabled: body.enabled.unwrap_or(current.enabled),
    };
    let mut conn = state.db.conn().await?;
    let updated = integrations::update(&mut conn, &state.cipher, auth.tenant_id, current.id, input)
        .await?
        .ok_or_else(|| ApiError::not_found("Integration not found"))?;
    Ok(HttpResponse::Ok().json(read(updated)))
}

/// Disconnects (and deregisters) every connection made with the integration, then deletes it.
async fn delete(
    auth: TenantAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let integration = find(&state, auth.tenant_id, &path).await?;
    let mut conn = state.db.conn().await?;
    let linked = connections::list_for_integration(&mut conn, integration.id).await?;
    drop(conn);
    for c in &linked {
        disconnect(&state, c, "integration deleted").await?;
    }
    let mut conn = state.db.conn().await?;
    integrations::delete(&mut conn, auth.tenant_id, integration.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
