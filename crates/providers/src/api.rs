//! What every provider module implements. Services never name a provider module: they go
//! through [`crate::dispatch`], one `match` over [`Provider`] that picks the implementation.
//!
//! Defaults cover the standard OAuth 2.0 code flow through [`OAuthClient`]; a provider with
//! extra steps (user registration, non-standard token endpoints) overrides `connect`/`refresh`.

use chrono::{DateTime, Utc};
use domain::{NormalizedBatch, Provider, TimeWindow};
use secrecy::SecretString;
use url::Url;

use crate::error::{ProviderError, TransformError};
use crate::http::HttpSender;
use crate::oauth::{AuthorizeRequest, OAuthClient, TokenSet};
use crate::webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets};
use crate::{FetchedPayload, ProviderCredentials, ProviderEndpoints};

/// Our OAuth application at a provider, plus the one HTTP sender.
#[derive(Clone, Copy)]
pub struct OAuthContext<'a> {
    pub endpoints: &'a ProviderEndpoints,
    pub credentials: &'a ProviderCredentials,
    pub sender: &'a HttpSender,
}

/// What REST calls need.
#[derive(Clone, Copy)]
pub struct ApiContext<'a> {
    pub api_base_url: &'a Url,
    pub sender: &'a HttpSender,
}

/// Who the user is at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAccount {
    pub id: String,
    pub username: Option<String>,
}

/// The result of a successful authorization.
#[derive(Debug, Clone)]
pub struct Authorized {
    pub tokens: TokenSet,
    pub account: ProviderAccount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Create,
    Update,
    Delete,
}

/// "Something changed at the provider; fetch it."
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub provider_user_id: String,
    pub event_type: EventType,
    /// The provider's data type name (what [`ProviderApi::normalize`] takes as `kind`).
    pub data_type: String,
    pub object_id: String,
    /// Where to fetch it, when the provider says (Polar entity URLs, Garmin PING callbacks).
    pub url: Option<String>,
}

/// One event of a verified webhook body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundEvent {
    Notification(Notification),
    /// The data itself (Garmin PUSH): `body` is the exact bytes of one item.
    Data {
        provider_user_id: String,
        kind: String,
        body: Vec<u8>,
    },
    /// The user revoked our access at the provider.
    Deauthorized {
        provider_user_id: String,
    },
    /// The user changed what they share (Garmin): the permissions now granted.
    PermissionsChanged {
        provider_user_id: String,
        permissions: Vec<String>,
    },
}

/// The answer to a subscription handshake.
#[derive(Debug, Clone, PartialEq)]
pub enum ChallengeAnswer {
    Json(serde_json::Value),
    NoContent,
}

/// How a provider delivers data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Webhooks carry the data.
    Push,
    /// Webhooks say what changed; we fetch it.
    Notify,
    /// No webhooks; we poll.
    Pull,
}

/// What a provider supplies (the coverage registry).
#[derive(Debug, Clone, Copy)]
pub struct Capabilities {
    pub delivery: Delivery,
    /// Provider data type names we ingest.
    pub data_types: &'static [&'static str],
    /// How far back a backfill may go, days.
    pub max_backfill_days: u32,
}

pub trait ProviderApi: Send + Sync {
    fn provider(&self) -> Provider;
    fn capabilities(&self) -> Capabilities;
    /// Production endpoints.
    fn default_endpoints(&self) -> ProviderEndpoints;
    fn default_scopes(&self) -> &'static [&'static str];

    /// The time-series types this provider's data normalizes into (coverage registry).
    fn series(&self) -> &'static [domain::SeriesType] {
        &[]
    }

    /// The generic OAuth client with this provider's quirks (client auth style, PKCE, revoke).
    fn oauth_client(&self, ctx: OAuthContext<'_>) -> Result<OAuthClient, ProviderError>;

    fn authorize_url(
        &self,
        ctx: OAuthContext<'_>,
        state: &str,
    ) -> Result<AuthorizeRequest, ProviderError> {
        Ok(self.oauth_client(ctx)?.authorize_url(state))
    }

    /// Code exchange plus whatever the provider needs to know the account (lookup, registration).
    fn connect(
        &self,
        ctx: OAuthContext<'_>,
        code: &str,
        pkce_verifier: Option<&SecretString>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Authorized, ProviderError>> + Send;

    fn refresh(
        &self,
        ctx: OAuthContext<'_>,
        refresh_token: &SecretString,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<TokenSet, ProviderError>> + Send {
        async move { self.oauth_client(ctx)?.refresh(refresh_token, now).await }
    }

    /// Deregisters the user at the provider / revokes our token.
    fn disconnect(
        &self,
        ctx: OAuthContext<'_>,
        access_token: &SecretString,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send {
        async move { self.oauth_client(ctx)?.revoke(access_token).await }
    }

    /// Checks the webhook's authenticity (fail closed). Does not interpret it.
    fn verify_webhook(
        &self,
        request: &WebhookRequest<'_>,
        secrets: &WebhookSecrets,
    ) -> Result<Verified<()>, WebhookError>;

    /// The events in a webhook body that was verified earlier.
    fn parse_webhook(&self, body: &[u8]) -> Result<Vec<InboundEvent>, WebhookError>;

    /// Answers a subscription handshake (`GET` on the webhook URL) from its query pairs.
    fn answer_challenge(
        &self,
        _expected_token: Option<&SecretString>,
        _query: &[(String, String)],
    ) -> Result<ChallengeAnswer, WebhookError> {
        Err(WebhookError::BadVerificationToken)
    }

    /// Every page of data in `window`; `data_types` empty means all of [`Capabilities::data_types`].
    fn fetch_window(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        window: TimeWindow,
        data_types: &[String],
    ) -> impl Future<Output = Result<Vec<FetchedPayload>, ProviderError>> + Send;

    /// What a notification points at; empty when we do not ingest that data type.
    fn fetch_notified(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        notification: &Notification,
    ) -> impl Future<Output = Result<Vec<FetchedPayload>, ProviderError>> + Send;

    /// Maps one raw payload (`kind` = provider data type) into domain records. Pure.
    fn normalize(&self, kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError>;
}
