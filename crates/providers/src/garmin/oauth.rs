//! Garmin's OAuth quirks: PKCE (S256) is required, client credentials go in the form body, no
//! scopes, no revocation endpoint (disconnecting deletes the user registration instead). Every
//! token response carries a new refresh token.

use domain::Provider;

use crate::error::ProviderError;
use crate::http::HttpSender;
use crate::oauth::{ClientAuth, OAuthClient, RevokeStyle};
use crate::{ProviderCredentials, ProviderEndpoints};

pub(crate) fn client(
    endpoints: &ProviderEndpoints,
    credentials: &ProviderCredentials,
    sender: HttpSender,
) -> Result<OAuthClient, ProviderError> {
    // Garmin has no token revocation: never send a token to a revoke URL someone configured.
    let endpoints = ProviderEndpoints {
        revoke_url: None,
        ..endpoints.clone()
    };
    Ok(OAuthClient::new(
        &endpoints,
        credentials,
        ClientAuth::RequestBody,
        true,
        sender,
    )?
    .with_provider(Provider::Garmin, RevokeStyle::Rfc7009))
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;
    use url::Url;

    use super::*;
    use crate::HttpSenderConfig;

    #[test]
    fn authorize_url_carries_an_s256_challenge_and_no_scope() {
        let endpoints = crate::garmin::endpoints();
        let credentials = ProviderCredentials {
            client_id: "garmin-client".into(),
            client_secret: SecretString::from("s3cret"),
            redirect_url: Url::parse("https://app.example/api/v1/oauth/garmin/callback").unwrap(),
            scopes: Vec::new(),
        };
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        let request = client(&endpoints, &credentials, sender)
            .unwrap()
            .authorize_url("state-1");
        assert!(request.pkce_verifier.is_some());
        let url = request.url;
        assert_eq!(url.host_str(), Some("connect.garmin.com"));
        assert_eq!(url.path(), "/oauth2Confirm");
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| {
            query
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some("garmin-client"));
        assert_eq!(get("state"), Some("state-1"));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("code_challenge").map(str::len), Some(43));
        assert_eq!(get("scope"), None);
        assert!(!url.as_str().contains("s3cret"));
    }
}
