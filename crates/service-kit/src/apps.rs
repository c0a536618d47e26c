//! Which OAuth application serves a tenant at a provider: the tenant's own integration when it
//! has one, else the deployment's default app from configuration.

use diesel_async::AsyncPgConnection;
use domain::Provider;
use providers::{ProviderCredentials, ProviderEndpoints};
use storage::queries::integrations;
use storage::{StorageError, TokenCipher};
use url::Url;
use uuid::Uuid;

use crate::settings::CommonSettings;

#[derive(Debug, Clone)]
pub struct OAuthApp {
    /// `None` for the deployment's default app.
    pub integration_id: Option<Uuid>,
    pub endpoints: ProviderEndpoints,
    pub credentials: ProviderCredentials,
    pub redirect_allowlist: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("provider {0} is not configured on this deployment")]
    NotConfigured(Provider),
    #[error("the {0} integration is disabled")]
    Disabled(Provider),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

fn deployment_app(
    common: &CommonSettings,
    provider: Provider,
    callback: Url,
    allowlist: &[String],
) -> Result<OAuthApp, AppError> {
    let cfg = common
        .provider(provider)
        .ok_or(AppError::NotConfigured(provider))?;
    Ok(OAuthApp {
        integration_id: None,
        endpoints: cfg
            .endpoints(provider)
            .map_err(|e| AppError::Invalid(e.to_string()))?,
        credentials: cfg.credentials(provider, callback),
        redirect_allowlist: allowlist.to_vec(),
    })
}

fn integration_app(
    common: &CommonSettings,
    cipher: &TokenCipher,
    provider: Provider,
    callback: Url,
    integration: integrations::Integration,
) -> Result<OAuthApp, AppError> {
    if !integration.enabled {
        return Err(AppError::Disabled(provider));
    }
    Ok(OAuthApp {
        integration_id: Some(integration.id),
        endpoints: common
            .provider_endpoints(provider)
            .map_err(|e| AppError::Invalid(e.to_string()))?,
        credentials: ProviderCredentials {
            client_id: integration.client_id.clone(),
            client_secret: integration.client_secret(cipher)?,
            redirect_url: callback,
            scopes: integration.scopes.clone(),
        },
        redirect_allowlist: integration.redirect_allowlist,
    })
}

/// The app a tenant connects users with. `default_allowlist` applies to the deployment's app.
pub async fn for_tenant(
    common: &CommonSettings,
    conn: &mut AsyncPgConnection,
    cipher: &TokenCipher,
    provider: Provider,
    tenant_id: Uuid,
    callback: Url,
    default_allowlist: &[String],
) -> Result<OAuthApp, AppError> {
    match integrations::find_for_provider(conn, tenant_id, provider.as_str()).await? {
        Some(i) => integration_app(common, cipher, provider, callback, i),
        None => deployment_app(common, provider, callback, default_allowlist),
    }
}

/// The app a connection was made with (refreshes, deregistration).
pub async fn for_integration(
    common: &CommonSettings,
    conn: &mut AsyncPgConnection,
    cipher: &TokenCipher,
    provider: Provider,
    integration_id: Option<Uuid>,
    callback: Url,
) -> Result<OAuthApp, AppError> {
    match integration_id {
        Some(id) => {
            let integration = integrations::find_by_id(conn, id)
                .await?
                .ok_or_else(|| AppError::Invalid("integration deleted".into()))?;
            integration_app(common, cipher, provider, callback, integration)
        }
        None => deployment_app(common, provider, callback, &[]),
    }
}

/// Whether `candidate` matches an allow-list entry exactly: scheme, host, port and path.
/// URLs with credentials are never allowed (`https://good.example@evil.example/`).
pub fn allowlisted(candidate: &str, allowlist: &[String]) -> Option<Url> {
    let url: Url = candidate.parse().ok()?;
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return None;
    }
    let same = |entry: &Url| {
        entry.scheme() == url.scheme()
            && entry.host_str().is_some()
            && entry.host_str() == url.host_str()
            && entry.port_or_known_default() == url.port_or_known_default()
            && entry.path() == url.path()
    };
    allowlist
        .iter()
        .filter_map(|e| e.parse::<Url>().ok())
        .any(|e| same(&e))
        .then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Vec<String> {
        vec![
            "https://app.example.com/oauth/done".into(),
            "http://localhost:3000/cb".into(),
        ]
    }

    #[test]
    fn exact_entries_match_and_may_carry_a_query() {
        assert!(allowlisted("https://app.example.com/oauth/done", &list()).is_some());
        assert!(allowlisted("https://APP.example.com:443/oauth/done?x=1", &list()).is_some());
        assert!(allowlisted("http://localhost:3000/cb", &list()).is_some());
    }

    #[test]
    fn lookalikes_and_tricks_are_refused() {
        for bad in [
            "https://app.example.com/oauth/done/../../evil",
            "https://app.example.com/oauth/done2",
            "https://app.example.com.evil.example/oauth/done",
            "https://app.example.com@evil.example/oauth/done",
            "https://user:pw@app.example.com/oauth/done",
            "http://app.example.com/oauth/done",
            "https://app.example.com:8443/oauth/done",
            "https://app.example.com/oauth/%64one",
            "javascript:alert(1)",
            "//evil.example/oauth/done",
            "https://evil.example/https://app.example.com/oauth/done",
            "http://localhost:3001/cb",
        ] {
            assert!(allowlisted(bad, &list()).is_none(), "{bad} must be refused");
        }
    }
}
