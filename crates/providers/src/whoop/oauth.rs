//! WHOOP's OAuth quirks: client credentials in the form body, no PKCE, a refresh token only with
//! the `offline` scope, and refresh requests that carry `scope=offline` (WHOOP's refresh
//! tutorial) — which the generic client cannot send, hence the small refresh request here.
//! Refresh tokens rotate: every refresh answer carries a new one.

use chrono::{DateTime, Utc};
use domain::Provider;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::error::{ProviderError, truncate_body};
use crate::http::{HttpSender, read_body};
use crate::oauth::{ClientAuth, OAuthClient, RevokeStyle, TokenSet};
use crate::{ProviderCredentials, ProviderEndpoints};

/// The scope WHOOP wants on a refresh request.
pub(crate) const REFRESH_SCOPE: &str = "offline";

pub(crate) fn client(
    endpoints: &ProviderEndpoints,
    credentials: &ProviderCredentials,
    sender: HttpSender,
) -> Result<OAuthClient, ProviderError> {
    Ok(OAuthClient::new(
        endpoints,
        credentials,
        ClientAuth::RequestBody,
        false,
        sender,
    )?
    .with_provider(Provider::Whoop, RevokeStyle::Rfc7009))
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(flatten)]
    extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// `POST {token_url}` with `grant_type=refresh_token`, the refresh token, `scope=offline` and
/// the client credentials in the form body.
pub(crate) async fn refresh(
    endpoints: &ProviderEndpoints,
    credentials: &ProviderCredentials,
    sender: &HttpSender,
    refresh_token: &SecretString,
    now: DateTime<Utc>,
) -> Result<TokenSet, ProviderError> {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose_secret()),
        ("client_id", credentials.client_id.as_str()),
        ("client_secret", credentials.client_secret.expose_secret()),
        ("scope", REFRESH_SCOPE),
    ];
    let request = sender
        .client()
        .post(endpoints.token_url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&form)
        .build()
        .map_err(|e| ProviderError::Transport(e.without_url().to_string()))?;
    let response = sender
        .execute(Provider::Whoop.as_str(), "oauth_token", request)
        .await?;
    let status = response.status();
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Err(crate::http::error_from_response(response).await);
    }
    let body = read_body(response).await?;
    if !status.is_success() {
        return Err(token_error(status.as_u16(), &body));
    }
    token_set(&body, now)
}

/// A successful token response as a [`TokenSet`]; `expires_in` is counted from `now`.
fn token_set(body: &[u8], now: DateTime<Utc>) -> Result<TokenSet, ProviderError> {
    let response: TokenResponse = serde_json::from_slice(body)
        .map_err(|e| ProviderError::InvalidResponse(format!("token response: {e}")))?;
    if response.access_token.is_empty() {
        return Err(ProviderError::InvalidResponse(
            "token response: empty access_token".into(),
        ));
    }
    let mut extra = response.extra;
    extra.remove("token_type");
    Ok(TokenSet {
        access_token: SecretString::from(response.access_token),
        refresh_token: response
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(SecretString::from),
        expires_at: response
            .expires_in
            .and_then(|s| now.checked_add_signed(chrono::Duration::seconds(s))),
        scope: response.scope,
        extra,
    })
}

/// `invalid_grant` (or any unparsable 400/401) means the grant is gone.
fn token_error(status: u16, body: &[u8]) -> ProviderError {
    match serde_json::from_slice::<ErrorResponse>(body) {
        Ok(e) if e.error == "invalid_grant" => {
            ProviderError::RefreshRejected(match e.error_description {
                Some(d) => format!("invalid_grant: {d}"),
                None => e.error,
            })
        }
        Ok(_) => ProviderError::Status {
            status,
            body: truncate_body(body),
        },
        Err(_) if status == 400 || status == 401 => {
            ProviderError::RefreshRejected(truncate_body(body))
        }
        Err(_) => ProviderError::Status {
            status,
            body: truncate_body(body),
        },
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use url::Url;

    use super::*;
    use crate::HttpSenderConfig;

    fn credentials() -> ProviderCredentials {
        ProviderCredentials {
            client_id: "client-1".into(),
            client_secret: SecretString::from("s3cret"),
            redirect_url: Url::parse("https://app.example/callback/whoop").unwrap(),
            scopes: crate::whoop::SCOPES.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn authorize_url_asks_for_offline_and_has_no_pkce() {
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        let oauth = client(&crate::whoop::endpoints(), &credentials(), sender).unwrap();
        let request = oauth.authorize_url("state-1234");
        assert!(request.pkce_verifier.is_none());
        let url = request.url;
        assert_eq!(url.host_str(), Some("api.prod.whoop.com"));
        assert_eq!(url.path(), "/oauth/oauth2/auth");
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| {
            query
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some("client-1"));
        assert_eq!(get("state"), Some("state-1234"));
        assert!(get("scope").unwrap().split(' ').any(|s| s == "offline"));
        assert_eq!(get("code_challenge"), None);
        assert!(!url.as_str().contains("s3cret"));
    }

    #[test]
    fn token_responses_keep_extras_and_count_expiry_from_now() {
        let now = Utc.with_ymd_and_hms(2024, 1, 15, 8, 0, 0).unwrap();
        let body = br#"{"access_token":"a","refresh_token":"r","expires_in":3600,"scope":"offline read:sleep","token_type":"bearer","id_token":"x"}"#;
        let set = token_set(body, now).unwrap();
        assert_eq!(set.access_token.expose_secret(), "a");
        assert_eq!(set.refresh_token.unwrap().expose_secret(), "r");
        assert_eq!(set.expires_at, Some(now + chrono::Duration::hours(1)));
        assert_eq!(set.scope.as_deref(), Some("offline read:sleep"));
        assert_eq!(set.extra.get("id_token"), Some(&serde_json::json!("x")));
        assert!(!set.extra.contains_key("token_type"));
        let without = token_set(br#"{"access_token":"a","token_type":"bearer"}"#, now).unwrap();
        assert!(without.refresh_token.is_none() && without.expires_at.is_none());
        assert!(token_set(br#"{"token_type":"bearer"}"#, now).is_err());
    }

    #[test]
    fn invalid_grant_is_a_rejected_refresh_and_other_errors_keep_their_status() {
        let err = token_error(
            400,
            br#"{"error":"invalid_grant","error_description":"used"}"#,
        );
        assert_eq!(
            err,
            ProviderError::RefreshRejected("invalid_grant: used".into())
        );
        let err = token_error(401, br#"{"error":"invalid_client"}"#);
        assert!(matches!(err, ProviderError::Status { status: 401, .. }));
        assert!(matches!(
            token_error(400, b"<html>"),
            ProviderError::RefreshRejected(_)
        ));
        assert!(matches!(
            token_error(403, b"<html>"),
            ProviderError::Status { status: 403, .. }
        ));
    }
}
