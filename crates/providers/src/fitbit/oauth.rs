//! Fitbit's OAuth quirks: authorization code with PKCE (S256), HTTP Basic client authentication
//! (server apps), RFC 7009-style revocation (`POST /oauth2/revoke`, `token=..`, Basic), the
//! account id as `user_id` in the token response, and single-use refresh tokens (each refresh
//! returns a new one; the old one is dead: always store the new one).

use domain::Provider;

use crate::error::ProviderError;
use crate::http::HttpSender;
use crate::oauth::{ClientAuth, OAuthClient, RevokeStyle, TokenSet};
use crate::{ProviderCredentials, ProviderEndpoints};

pub(crate) fn client(
    endpoints: &ProviderEndpoints,
    credentials: &ProviderCredentials,
    sender: HttpSender,
) -> Result<OAuthClient, ProviderError> {
    Ok(OAuthClient::new(
        endpoints,
        credentials,
        ClientAuth::BasicHeader,
        true,
        sender,
    )?
    .with_provider(Provider::Fitbit, RevokeStyle::Rfc7009))
}

/// The Fitbit user id of a token response (`"user_id": "26FWFL"`).
pub(crate) fn user_id(tokens: &TokenSet) -> Option<String> {
    tokens
        .extra
        .get("user_id")
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;
    use url::Url;

    use super::*;
    use crate::HttpSenderConfig;

    #[test]
    fn authorize_url_asks_for_a_code_with_an_s256_challenge_and_our_scopes() {
        let endpoints = crate::fitbit::endpoints();
        let credentials = ProviderCredentials {
            client_id: "23ABCD".into(),
            client_secret: SecretString::from("s3cret"),
            redirect_url: Url::parse("https://app.example/callback/fitbit").unwrap(),
            scopes: vec!["activity".into(), "sleep".into()],
        };
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        let request = client(&endpoints, &credentials, sender)
            .unwrap()
            .authorize_url("state-1");
        assert!(request.pkce_verifier.is_some());
        let url = request.url;
        assert_eq!(url.host_str(), Some("www.fitbit.com"));
        assert_eq!(url.path(), "/oauth2/authorize");
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| {
            query
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some("23ABCD"));
        assert_eq!(get("scope"), Some("activity sleep"));
        assert_eq!(get("state"), Some("state-1"));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("code_challenge").map(str::len), Some(43));
        assert!(!url.as_str().contains("s3cret"));
    }

    #[test]
    fn the_user_id_comes_from_the_token_response() {
        let mut tokens = TokenSet {
            access_token: SecretString::from("a"),
            refresh_token: None,
            expires_at: None,
            scope: None,
            extra: serde_json::Map::new(),
        };
        assert_eq!(user_id(&tokens), None);
        tokens
            .extra
            .insert("user_id".into(), serde_json::json!("26FWFL"));
        assert_eq!(user_id(&tokens).as_deref(), Some("26FWFL"));
        tokens
            .extra
            .insert("user_id".into(), serde_json::json!(" "));
        assert_eq!(user_id(&tokens), None);
    }
}
