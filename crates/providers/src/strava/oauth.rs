//! Strava's OAuth quirks: client credentials in the form body, no PKCE, scopes joined with commas
//! (`scope=read,activity:read_all`), the athlete in the token response, and deauthorization with
//! `POST /oauth/deauthorize` (`access_token` in the form body).

use domain::Provider;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::api::ProviderAccount;
use crate::error::ProviderError;
use crate::http::{HttpSender, error_from_response};
use crate::oauth::{ClientAuth, OAuthClient, RevokeStyle, TokenSet};
use crate::{ProviderCredentials, ProviderEndpoints};

/// The generic client with Strava's quirks. The scopes are handed over as one comma-joined
/// value, so that the authorize URL carries `scope=read,activity:read_all` (Strava does not split
/// on spaces).
pub(crate) fn client(
    endpoints: &ProviderEndpoints,
    credentials: &ProviderCredentials,
    sender: HttpSender,
) -> Result<OAuthClient, ProviderError> {
    let joined = credentials.scopes.join(",");
    let credentials = ProviderCredentials {
        scopes: if joined.is_empty() {
            Vec::new()
        } else {
            vec![joined]
        },
        ..credentials.clone()
    };
    Ok(OAuthClient::new(
        endpoints,
        &credentials,
        ClientAuth::RequestBody,
        false,
        sender,
    )?
    .with_provider(Provider::Strava, RevokeStyle::AccessTokenQuery))
}

/// The athlete of a code-grant token response (`athlete.id`, `athlete.username`), if present.
pub(crate) fn account_from_tokens(tokens: &TokenSet) -> Option<ProviderAccount> {
    let athlete = tokens.extra.get("athlete")?;
    let id = match athlete.get("id")? {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) if !s.is_empty() => s.clone(),
        _ => return None,
    };
    let username = athlete
        .get("username")
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    Some(ProviderAccount { id, username })
}

/// Where deauthorization goes: the configured revoke URL, else the token URL's sibling
/// `deauthorize` (`…/oauth/token` → `…/oauth/deauthorize`).
pub(crate) fn deauthorize_url(endpoints: &ProviderEndpoints) -> Result<Url, ProviderError> {
    if let Some(url) = &endpoints.revoke_url {
        return Ok(url.clone());
    }
    let mut url = endpoints.token_url.clone();
    url.set_query(None);
    url.path_segments_mut()
        .map_err(|()| ProviderError::InvalidResponse("strava token url cannot be a base".into()))?
        .pop_if_empty()
        .pop()
        .push("deauthorize");
    Ok(url)
}

/// `POST /oauth/deauthorize` with `access_token=..`: revokes every token of the athlete for our
/// application.
pub(crate) async fn deauthorize(
    endpoints: &ProviderEndpoints,
    sender: &HttpSender,
    access_token: &SecretString,
) -> Result<(), ProviderError> {
    let url = deauthorize_url(endpoints)?;
    let request = sender
        .client()
        .post(url)
        .form(&[("access_token", access_token.expose_secret())])
        .build()
        .map_err(|e| ProviderError::InvalidResponse(format!("request: {}", e.without_url())))?;
    let response = sender
        .execute(Provider::Strava.as_str(), "strava_deauthorize", request)
        .await?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(error_from_response(response).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpSenderConfig;

    fn credentials(scopes: &[&str]) -> ProviderCredentials {
        ProviderCredentials {
            client_id: "12345".into(),
            client_secret: SecretString::from("s3cret"),
            redirect_url: Url::parse("https://app.example/callback/strava").unwrap(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn the_authorize_url_joins_scopes_with_commas_and_has_no_pkce() {
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        let oauth = client(
            &crate::strava::endpoints(),
            &credentials(crate::strava::SCOPES),
            sender,
        )
        .unwrap();
        let request = oauth.authorize_url("state-xyz");
        assert!(request.pkce_verifier.is_none());
        let url = request.url;
        assert_eq!(url.host_str(), Some("www.strava.com"));
        assert_eq!(url.path(), "/oauth/authorize");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some("12345"));
        assert_eq!(
            get("scope"),
            Some("read,activity:read_all,profile:read_all")
        );
        assert_eq!(get("state"), Some("state-xyz"));
        assert_eq!(get("code_challenge"), None);
        assert!(!url.as_str().contains("s3cret"));
    }

    #[test]
    fn no_scopes_means_no_scope_parameter() {
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        let oauth = client(&crate::strava::endpoints(), &credentials(&[]), sender).unwrap();
        let url = oauth.authorize_url("st").url;
        assert!(!url.query_pairs().any(|(k, _)| k == "scope"));
    }

    #[test]
    fn the_account_comes_from_the_token_response_athlete() {
        let mut extra = serde_json::Map::new();
        extra.insert(
            "athlete".into(),
            serde_json::json!({"id": 134815, "username": "marianne_t"}),
        );
        let tokens = TokenSet {
            access_token: SecretString::from("a"),
            refresh_token: None,
            expires_at: None,
            scope: None,
            extra,
        };
        assert_eq!(
            account_from_tokens(&tokens),
            Some(ProviderAccount {
                id: "134815".into(),
                username: Some("marianne_t".into())
            })
        );
        let empty = TokenSet {
            extra: serde_json::Map::new(),
            ..tokens
        };
        assert_eq!(account_from_tokens(&empty), None);
    }

    #[test]
    fn the_deauthorize_url_defaults_to_the_token_urls_sibling() {
        let mut endpoints = crate::strava::endpoints();
        assert_eq!(
            deauthorize_url(&endpoints).unwrap().as_str(),
            "https://www.strava.com/oauth/deauthorize"
        );
        endpoints.revoke_url = None;
        endpoints.token_url = Url::parse("http://127.0.0.1:9/strava/oauth/token").unwrap();
        assert_eq!(
            deauthorize_url(&endpoints).unwrap().as_str(),
            "http://127.0.0.1:9/strava/oauth/deauthorize"
        );
    }
}
