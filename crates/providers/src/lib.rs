//! Provider integrations: OAuth, API clients, webhook verification and transformers from each
//! provider's wire format into [`domain`] records.
//!
//! One module per provider (`oura.rs` + `oura/`), plus shared pieces: one [`HttpSender`] per
//! process for every provider HTTP call, a generic [`oauth::OAuthClient`], and verified-webhook
//! types. The functions in this file are the registry: one `match` over [`Provider`] each.

pub mod api;
pub mod coverage;
pub mod dispatch;
pub mod error;
pub mod fitbit;
pub mod garmin;
pub mod http;
pub mod oauth;
pub mod oura;
pub mod polar;
pub mod strava;
pub mod webhook;
pub mod whoop;
pub mod withings;

use secrecy::SecretString;
use url::Url;

pub use api::{
    ApiContext, Authorized, Capabilities, ChallengeAnswer, EventType, InboundEvent, Notification,
    OAuthContext, ProviderAccount, ProviderApi,
};
pub use dispatch::{
    DELETION_KIND, RegisteredWebhooks, WindowSync, answer_challenge, authorize_url, capabilities,
    connect, default_endpoints, default_scopes, disconnect, fetch_notified, fetch_window,
    normalize, parse_webhook, refresh, register_webhooks, supported, sync_window, verify_webhook,
    webhook_statuses,
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

/// A URL literal known to be valid (checked by the providers' endpoint tests).
pub(crate) fn static_url(url: &'static str) -> Url {
    Url::parse(url).unwrap_or_else(|e| panic!("invalid built-in URL {url}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Provider;

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
        assert!(default_endpoints(Provider::Samsung).is_none());
        assert!(default_scopes(Provider::Samsung).is_empty());
        assert!(matches!(
            normalize(Provider::Samsung, "sleep", b"{}"),
            Err(TransformError::UnsupportedProvider(Provider::Samsung))
        ));
    }

    #[test]
    fn deletion_payloads_normalize_for_every_provider() {
        let batch = normalize(Provider::Oura, DELETION_KIND, br#"["a","b"]"#).unwrap();
        assert_eq!(batch.deleted_external_ids, vec!["a", "b"]);
        assert!(normalize(Provider::Oura, DELETION_KIND, b"{").is_err());
    }
}
