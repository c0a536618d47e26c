//! Oura's OAuth quirks: client credentials in the form body, no PKCE, revocation with the access
//! token as a query parameter. Refresh tokens are single use: always store the new one.

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
    Ok(OAuthClient::new(
        endpoints,
        credentials,
        ClientAuth::RequestBody,
        false,
        sender,
    )?
    .with_provider(Provider::Oura, RevokeStyle::AccessTokenQuery))
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;
    use url::Url;

    use super::*;
    use crate::HttpSenderConfig;

    #[test]
    fn authorize_url_has_code_flow_parameters_and_no_pkce() {
        let endpoints = crate::oura::default_endpoints().unwrap();
        let credentials = ProviderCredentials {
            client_id: "client-1".into(),
            client_secret: SecretString::from("s3cret"),
            redirect_url: Url::parse("https://app.example/callback/oura").unwrap(),
            scopes: vec!["personal".into(), "daily".into()],
        };
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        let oauth =
            crate::oauth::for_provider(Provider::Oura, &endpoints, &credentials, sender).unwrap();
        let request = oauth.authorize_url("state-xyz");
        assert!(request.pkce_verifier.is_none());
        let url = request.url;
        assert_eq!(url.host_str(), Some("cloud.ouraring.com"));
        assert_eq!(url.path(), "/oauth/authorize");
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| {
            query
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some("client-1"));
        assert_eq!(
            get("redirect_uri"),
            Some("https://app.example/callback/oura")
        );
        assert_eq!(get("scope"), Some("personal daily"));
        assert_eq!(get("state"), Some("state-xyz"));
        assert_eq!(get("code_challenge"), None);
        assert!(!url.as_str().contains("s3cret"));
    }

    #[test]
    fn pkce_clients_send_an_s256_challenge() {
        let endpoints = crate::oura::default_endpoints().unwrap();
        let credentials = ProviderCredentials {
            client_id: "c".into(),
            client_secret: SecretString::from("s"),
            redirect_url: Url::parse("https://app.example/cb").unwrap(),
            scopes: vec![],
        };
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        let oauth = OAuthClient::new(
            &endpoints,
            &credentials,
            ClientAuth::BasicHeader,
            true,
            sender,
        )
        .unwrap();
        let request = oauth.authorize_url("st");
        assert!(request.pkce_verifier.is_some());
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        assert!(query.contains(&("code_challenge_method".into(), "S256".into())));
        assert!(
            query
                .iter()
                .any(|(k, v)| k == "code_challenge" && v.len() == 43)
        );
        assert!(!query.iter().any(|(k, _)| k == "scope"));
    }
}
