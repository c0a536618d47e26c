//! Polar's OAuth quirks: HTTP Basic client authentication at the token endpoint, no PKCE, no
//! refresh token and no revocation endpoint. The account id is the token response's `x_user_id`.

use domain::Provider;
use serde_json::Value;

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
        false,
        sender,
    )?
    .with_provider(Provider::Polar, RevokeStyle::Rfc7009))
}

/// The Polar user id from the token response (`x_user_id`, a number; a string is tolerated).
pub fn x_user_id(tokens: &TokenSet) -> Result<String, ProviderError> {
    match tokens.extra.get("x_user_id") {
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        _ => Err(ProviderError::InvalidResponse(
            "polar token response has no x_user_id".into(),
        )),
    }
}

/// The `member-id` we register the user under: unique per client and stable across reconnects.
pub fn member_id(polar_user_id: &str) -> String {
    format!("wearhouse-{polar_user_id}")
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;
    use url::Url;

    use super::*;
    use crate::HttpSenderConfig;

    fn tokens(extra: Value) -> TokenSet {
        TokenSet {
            access_token: SecretString::from("t"),
            refresh_token: None,
            expires_at: None,
            scope: None,
            extra: extra.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn the_account_id_is_x_user_id_as_text() {
        assert_eq!(
            x_user_id(&tokens(serde_json::json!({"x_user_id": 12345}))).unwrap(),
            "12345"
        );
        assert_eq!(
            x_user_id(&tokens(serde_json::json!({"x_user_id": "777"}))).unwrap(),
            "777"
        );
        assert!(x_user_id(&tokens(serde_json::json!({}))).is_err());
        assert!(x_user_id(&tokens(serde_json::json!({"x_user_id": null}))).is_err());
        assert_eq!(member_id("12345"), "wearhouse-12345");
    }

    #[test]
    fn authorize_url_has_the_single_scope_and_no_pkce() {
        let credentials = ProviderCredentials {
            client_id: "client-1".into(),
            client_secret: SecretString::from("s3cret"),
            redirect_url: Url::parse("https://app.example/callback/polar").unwrap(),
            scopes: crate::polar::SCOPES.iter().map(|s| s.to_string()).collect(),
        };
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        let oauth = client(&crate::polar::endpoints(), &credentials, sender).unwrap();
        let request = oauth.authorize_url("st");
        assert!(request.pkce_verifier.is_none());
        assert_eq!(request.url.host_str(), Some("flow.polar.com"));
        assert_eq!(request.url.path(), "/oauth2/authorization");
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        assert!(query.contains(&("scope".into(), "accesslink.read_all".into())));
        assert!(query.contains(&("response_type".into(), "code".into())));
        assert!(!request.url.as_str().contains("s3cret"));
    }
}
