//! Withings' own token client: the generic OAuth client cannot parse `{status, body}` answers.
//!
//! - Authorize: `response_type=code`, comma-separated `scope`, no PKCE.
//! - Token and refresh: `POST /v2/oauth2` form `action=requesttoken`, `grant_type`, `client_id`,
//!   `client_secret`, and `code` + `redirect_uri` or `refresh_token`.
//! - Revoke: `POST /v2/oauth2` `action=revoke`, `userid`, with a signed nonce from
//!   `POST /v2/signature action=getnonce` (signature = hex HMAC-SHA256(client_secret, the
//!   values of `action`, `client_id` and `timestamp`/`nonce` joined by commas)).

use chrono::{DateTime, TimeDelta, Utc};
use domain::Provider;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use sha2::Sha256;
use url::Url;

use super::client::Envelope;
use crate::error::{ProviderError, truncate_body};
use crate::http::{HttpSender, read_body};
use crate::oauth::{AuthorizeRequest, TokenSet};
use crate::{ProviderCredentials, ProviderEndpoints};

/// Withings' token endpoint, authorize URL and signed-nonce calls for one OAuth application.
#[derive(Debug, Clone)]
pub struct WithingsTokenClient {
    endpoints: ProviderEndpoints,
    credentials: ProviderCredentials,
    sender: HttpSender,
}

impl WithingsTokenClient {
    pub fn new(
        endpoints: &ProviderEndpoints,
        credentials: &ProviderCredentials,
        sender: HttpSender,
    ) -> Self {
        Self {
            endpoints: endpoints.clone(),
            credentials: credentials.clone(),
            sender,
        }
    }

    /// The user's consent page; scopes are comma-separated.
    pub fn authorize_url(&self, state: &str) -> AuthorizeRequest {
        let mut url = self.endpoints.authorize_url.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.credentials.client_id)
            .append_pair("redirect_uri", self.credentials.redirect_url.as_str())
            .append_pair("state", state)
            .append_pair("scope", &self.credentials.scopes.join(","));
        AuthorizeRequest {
            url,
            pkce_verifier: None,
        }
    }

    /// `grant_type=authorization_code`. The code is valid 30 seconds.
    pub async fn exchange_code(
        &self,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ProviderError> {
        let redirect = self.credentials.redirect_url.as_str().to_owned();
        self.request_token(
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &redirect),
            ],
            now,
        )
        .await
    }

    /// `grant_type=refresh_token`: always returns a new refresh token to store.
    pub async fn refresh(
        &self,
        refresh_token: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ProviderError> {
        self.request_token(
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose_secret()),
            ],
            now,
        )
        .await
    }

    /// Revokes our access to `userid` (`action=revoke` with a signed nonce).
    pub async fn revoke_user(&self, userid: &str) -> Result<(), ProviderError> {
        let nonce = self.nonce().await?;
        let signature = self.sign("revoke", &nonce);
        let url = self
            .endpoints
            .revoke_url
            .clone()
            .unwrap_or_else(|| self.endpoints.token_url.clone());
        let form = [
            ("action", "revoke"),
            ("client_id", self.credentials.client_id.as_str()),
            ("nonce", nonce.as_str()),
            ("signature", signature.as_str()),
            ("userid", userid),
        ];
        self.post(url, &form, "withings_revoke").await.map(|_| ())
    }

    /// `POST {api}/v2/signature action=getnonce`: a single-use nonce for signed calls.
    async fn nonce(&self) -> Result<String, ProviderError> {
        let timestamp = Utc::now().timestamp().to_string();
        let signature = self.sign("getnonce", &timestamp);
        let mut url = self.endpoints.api_base_url.clone();
        url.path_segments_mut()
            .map_err(|()| ProviderError::InvalidResponse("withings api base url".into()))?
            .pop_if_empty()
            .extend(["v2", "signature"]);
        let form = [
            ("action", "getnonce"),
            ("client_id", self.credentials.client_id.as_str()),
            ("timestamp", timestamp.as_str()),
            ("signature", signature.as_str()),
        ];
        let envelope = self.post(url, &form, "withings_getnonce").await?;
        envelope
            .body
            .as_ref()
            .and_then(|b| b.get("nonce"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ProviderError::InvalidResponse("withings getnonce: no nonce".into()))
    }

    fn sign(&self, action: &str, nonce_or_timestamp: &str) -> String {
        nonce_signature(
            &self.credentials.client_secret,
            action,
            &self.credentials.client_id,
            nonce_or_timestamp,
        )
    }

    async fn request_token(
        &self,
        grant: &[(&str, &str)],
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ProviderError> {
        let mut form: Vec<(&str, &str)> = vec![
            ("action", "requesttoken"),
            ("client_id", &self.credentials.client_id),
            (
                "client_secret",
                self.credentials.client_secret.expose_secret(),
            ),
        ];
        form.extend_from_slice(grant);
        let url = self.endpoints.token_url.clone();
        let envelope = match self.post(url, &form, "oauth_token").await {
            Ok(envelope) => envelope,
            // Withings rejects a grant with a non-zero status (503 "Invalid Params: invalid
            // code" / "invalid refresh_token"); only rate limits and its own failures are not a
            // rejection.
            Err(ProviderError::Unauthorized) => {
                return Err(ProviderError::RefreshRejected(
                    "withings: authentication failed".into(),
                ));
            }
            Err(ProviderError::Status { status: 400, body }) => {
                return Err(ProviderError::RefreshRejected(body));
            }
            Err(e) => return Err(e),
        };
        token_set(envelope.body, now)
    }

    /// A form POST through the shared sender, unwrapped from `{status, body}`.
    async fn post(
        &self,
        url: Url,
        form: &[(&str, &str)],
        operation: &'static str,
    ) -> Result<Envelope, ProviderError> {
        let request = self
            .sender
            .client()
            .post(url)
            .form(form)
            .build()
            .map_err(|e| ProviderError::InvalidResponse(format!("request: {}", e.without_url())))?;
        let response = self
            .sender
            .send(Provider::Withings, operation, request)
            .await?;
        let bytes = read_body(response).await?;
        Envelope::parse(operation, &bytes)
    }
}

/// hex HMAC-SHA256(client_secret, "{action},{client_id},{nonce or timestamp}").
pub fn nonce_signature(
    client_secret: &SecretString,
    action: &str,
    client_id: &str,
    nonce_or_timestamp: &str,
) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(client_secret.expose_secret().as_bytes())
    else {
        // HMAC takes keys of any length: not reachable.
        return String::new();
    };
    mac.update(format!("{action},{client_id},{nonce_or_timestamp}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// `body` of a successful `requesttoken`: tokens, expiry from `now`, the rest in `extra`
/// (`userid`, `csrf_token`, `token_type`).
fn token_set(body: Option<Value>, now: DateTime<Utc>) -> Result<TokenSet, ProviderError> {
    let missing =
        |field: &str| ProviderError::InvalidResponse(format!("withings token: no {field}"));
    let Some(Value::Object(mut fields)) = body else {
        return Err(missing("body"));
    };
    let take_str = |fields: &mut Map<String, Value>, name: &str| match fields.remove(name) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    };
    let access_token =
        take_str(&mut fields, "access_token").ok_or_else(|| missing("access_token"))?;
    let refresh_token = take_str(&mut fields, "refresh_token");
    let scope = take_str(&mut fields, "scope");
    let expires_at = match fields.remove("expires_in") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .and_then(|secs| now.checked_add_signed(TimeDelta::seconds(secs)));
    if !fields.contains_key("userid") {
        return Err(ProviderError::InvalidResponse(format!(
            "withings token: no userid in {}",
            truncate_body(Value::Object(fields).to_string().as_bytes())
        )));
    }
    Ok(TokenSet {
        access_token: SecretString::from(access_token),
        refresh_token: refresh_token.map(SecretString::from),
        expires_at,
        scope,
        extra: fields,
    })
}

/// The Withings user id of a token set (`userid`, a string or a number).
pub(crate) fn userid(tokens: &TokenSet) -> Option<String> {
    match tokens.extra.get("userid")? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::HttpSenderConfig;

    fn client() -> WithingsTokenClient {
        let credentials = ProviderCredentials {
            client_id: "client-1".into(),
            client_secret: SecretString::from("s3cret"),
            redirect_url: Url::parse("https://app.example/api/v1/oauth/withings/callback").unwrap(),
            scopes: crate::withings::SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        WithingsTokenClient::new(&crate::withings::endpoints(), &credentials, sender)
    }

    #[test]
    fn the_authorize_url_has_comma_separated_scopes_and_no_pkce() {
        let request = client().authorize_url("st4te");
        assert!(request.pkce_verifier.is_none());
        let url = request.url;
        assert_eq!(url.host_str(), Some("account.withings.com"));
        assert_eq!(url.path(), "/oauth2_user/authorize2");
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| {
            query
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some("client-1"));
        assert_eq!(get("state"), Some("st4te"));
        assert_eq!(
            get("scope"),
            Some("user.info,user.metrics,user.activity,user.sleepevents")
        );
        assert_eq!(
            get("redirect_uri"),
            Some("https://app.example/api/v1/oauth/withings/callback")
        );
        assert!(!url.as_str().contains("s3cret"));
    }

    #[test]
    fn token_bodies_become_token_sets_with_the_user_id_kept() {
        let now = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let body = json!({"userid": "363", "access_token": "a075", "refresh_token": "f631",
            "expires_in": 10800, "scope": "user.info,user.metrics", "csrf_token": "c",
            "token_type": "Bearer"});
        let tokens = token_set(Some(body), now).unwrap();
        assert_eq!(tokens.access_token.expose_secret(), "a075");
        assert_eq!(tokens.refresh_token.unwrap().expose_secret(), "f631");
        assert_eq!(tokens.expires_at, Some(now + TimeDelta::hours(3)));
        assert_eq!(tokens.scope.as_deref(), Some("user.info,user.metrics"));
        assert_eq!(tokens.extra.get("token_type"), Some(&json!("Bearer")));
        assert!(!tokens.extra.contains_key("access_token"));

        let numeric = token_set(
            Some(json!({"userid": 363, "access_token": "a", "expires_in": "60"})),
            now,
        )
        .unwrap();
        assert_eq!(userid(&numeric).as_deref(), Some("363"));
        assert!(numeric.refresh_token.is_none());
        assert!(token_set(Some(json!({"access_token": "a"})), now).is_err());
        assert!(token_set(Some(json!({"userid": 1})), now).is_err());
        assert!(token_set(None, now).is_err());
    }

    #[test]
    fn nonce_signatures_sign_the_comma_joined_values() {
        let secret = SecretString::from("secret");
        let expected = {
            let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
            mac.update(b"getnonce,client-1,1700000000");
            hex::encode(mac.finalize().into_bytes())
        };
        assert_eq!(
            nonce_signature(&secret, "getnonce", "client-1", "1700000000"),
            expected
        );
        assert_ne!(
            nonce_signature(&secret, "revoke", "client-1", "1700000000"),
            expected
        );
    }
}
