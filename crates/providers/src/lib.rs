//! Provider integrations: OAuth, API clients, webhook verification and transformers from each
//! provider's wire format into [`domain`] records.
//!
//! One module per provider (`oura.rs` + `oura/`), plus shared pieces: one [`HttpSender`] per
//! process for every provider HTTP call, a generic [`oauth::OAuthClient`], and verified-webhook
//! types. The functions in this file are the registry: one `match` over [`Provider`] each.

pub mod dispatch;
pub mod error;
pub mod http;
pub mod oauth;
pub mod oura;
pub mod webhook;

use domain::{NormalizedBatch, Provider};
use secrecy::SecretString;
use url::Url;

pub use dispatch::{
    InboundWebhook, Notification, ProviderAccount, account, answer_challenge, fetch_object,
    fetch_window, parse_notification, register_webhooks, verify_webhook,
};
pub use error::{ProviderError, TransformError};
pub use http::{HttpSender, HttpSenderConfig};
pub use oauth::{AuthorizeRequest, ClientAuth, OAuthClient, TokenSet};
pub use webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets, headers_from_pairs};

/// Where a provider's OAuth and REST endpoints live (production or an emulator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEndpoints {
    pub authorize_url: Url,
    pub token_url: Url,
    pub api_base_url: Url,
    pub revoke_url: Option<Url>,
}

/// Our registered OAuth application at one provider.
#[derive(Debug, Clone)]
pub struct ProviderCredentials {
    pub client_id: String,
    pub client_secret: SecretString,
    pub redirect_url: Url,
    pub scopes: Vec<String>,
}

/// One raw response from a provider, kept byte for byte for the raw archive and the normalizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedPayload {
    /// The provider's data type name (`sleep`, `heartrate`, `workout`, `daily_activity`).
    pub kind: String,
    pub content_type: String,
    /// Exactly the bytes the provider returned.
    pub body: Vec<u8>,
}

/// Normalizes one raw payload of `provider` into domain records. Pure.
pub fn normalize(
    provider: Provider,
    kind: &str,
    body: &[u8],
) -> Result<NormalizedBatch, TransformError> {
    match provider {
        Provider::Oura => oura::transformers::normalize(kind, body),
        other => Err(TransformError::UnsupportedProvider(other)),
    }
}

/// The provider's real production endpoints; `None` for providers not implemented yet.
pub fn default_endpoints(provider: Provider) -> Option<ProviderEndpoints> {
    match provider {
        Provider::Oura => oura::default_endpoints(),
        _ => None,
    }
}

/// The scopes we ask a provider for; empty for providers not implemented yet.
pub fn default_scopes(provider: Provider) -> &'static [&'static str] {
    match provider {
        Provider::Oura => oura::SCOPES,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oura_is_registered_and_others_are_not() {
        let oura = default_endpoints(Provider::Oura).unwrap();
        assert_eq!(
            oura.authorize_url.as_str(),
            "https://cloud.ouraring.com/oauth/authorize"
        );
        assert_eq!(
            oura.token_url.as_str(),
            "https://api.ouraring.com/oauth/token"
        );
        assert_eq!(oura.api_base_url.as_str(), "https://api.ouraring.com/");
        assert_eq!(
            oura.revoke_url.map(|u| u.to_string()).as_deref(),
            Some("https://api.ouraring.com/oauth/revoke")
        );
        assert!(default_scopes(Provider::Oura).contains(&"heartrate"));
        assert!(default_endpoints(Provider::Garmin).is_none());
        assert!(default_scopes(Provider::Garmin).is_empty());
        assert!(matches!(
            normalize(Provider::Whoop, "sleep", b"{}"),
            Err(TransformError::UnsupportedProvider(Provider::Whoop))
        ));
    }
}
