//! The provider registry: [`with_provider!`] is the one `match` over [`Provider`] that picks a
//! [`ProviderApi`] implementation. Adding a provider means adding its arm there.

use chrono::{DateTime, Utc};
use domain::{NormalizedBatch, Provider, TimeWindow};
use secrecy::SecretString;

use crate::api::{
    ApiContext, Authorized, Capabilities, ChallengeAnswer, InboundEvent, Notification,
    OAuthContext, ProviderApi,
};
use crate::error::{ProviderError, TransformError};
use crate::oauth::{AuthorizeRequest, TokenSet};
use crate::webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets};
use crate::{FetchedPayload, ProviderEndpoints};

/// Runs `$body` with `$api` bound to the provider's implementation, or evaluates `$none` for
/// providers without one yet.
macro_rules! with_provider {
    ($provider:expr, $api:ident => $body:expr, $none:expr) => {
        match $provider {
            Provider::Oura => {
                let $api = &crate::oura::Oura;
                $body
            }
            Provider::Garmin => {
                let $api = &crate::garmin::Garmin;
                $body
            }
            Provider::Whoop => {
                let $api = &crate::whoop::Whoop;
                $body
            }
            Provider::Polar => {
                let $api = &crate::polar::Polar;
                $body
            }
            Provider::Strava => {
                let $api = &crate::strava::Strava;
                $body
            }
            Provider::Fitbit => {
                let $api = &crate::fitbit::Fitbit;
                $body
            }
            Provider::Withings => {
                let $api = &crate::withings::Withings;
                $body
            }
            _ => $none,
        }
    };
}

fn unsupported(provider: Provider) -> ProviderError {
    ProviderError::InvalidResponse(format!("provider {provider} is not supported yet"))
}

/// Providers with an implementation.
pub fn supported() -> Vec<Provider> {
    Provider::ALL
        .into_iter()
        .filter(|p| with_provider!(*p, _api => true, false))
        .collect()
}

pub fn capabilities(provider: Provider) -> Option<Capabilities> {
    with_provider!(provider, api => Some(api.capabilities()), None)
}

pub fn series(provider: Provider) -> &'static [domain::SeriesType] {
    with_provider!(provider, api => api.series(), &[])
}

pub fn default_endpoints(provider: Provider) -> Option<ProviderEndpoints> {
    with_provider!(provider, api => Some(api.default_endpoints()), None)
}

pub fn default_scopes(provider: Provider) -> &'static [&'static str] {
    with_provider!(provider, api => api.default_scopes(), &[])
}

pub fn authorize_url(
    provider: Provider,
    ctx: OAuthContext<'_>,
    state: &str,
) -> Result<AuthorizeRequest, ProviderError> {
    with_provider!(provider, api => api.authorize_url(ctx, state), Err(unsupported(provider)))
}

pub async fn connect(
    provider: Provider,
    ctx: OAuthContext<'_>,
    code: &str,
    pkce_verifier: Option<&SecretString>,
    now: DateTime<Utc>,
) -> Result<Authorized, ProviderError> {
    with_provider!(provider, api => api.connect(ctx, code, pkce_verifier, now).await, Err(unsupported(provider)))
}

pub async fn refresh(
    provider: Provider,
    ctx: OAuthContext<'_>,
    refresh_token: &SecretString,
    now: DateTime<Utc>,
) -> Result<TokenSet, ProviderError> {
    with_provider!(provider, api => api.refresh(ctx, refresh_token, now).await, Err(unsupported(provider)))
}

/// Deregisters the user at the provider / revokes our token. Some providers need the account
/// id for that (Polar, Withings).
pub async fn disconnect(
    provider: Provider,
    ctx: OAuthContext<'_>,
    access_token: &SecretString,
    account_id: Option<&str>,
) -> Result<(), ProviderError> {
    match (provider, account_id) {
        (Provider::Polar, Some(id)) => {
            return crate::polar::Polar.deregister(ctx, access_token, id).await;
        }
        (Provider::Withings, Some(id)) => {
            return crate::withings::Withings
                .deregister(ctx, access_token, id)
                .await;
        }
        _ => {}
    }
    with_provider!(provider, api => api.disconnect(ctx, access_token).await, Err(unsupported(provider)))
}

/// How the provider expects its webhooks answered: the status for an accepted delivery and
/// for a rejected one (Fitbit: 204 and 404; everyone else: 200 and 401).
pub fn webhook_statuses(provider: Provider) -> (u16, u16) {
    match provider {
        Provider::Fitbit => (204, 404),
        _ => (200, 401),
    }
}

/// What syncing a window did.
#[derive(Debug)]
pub enum WindowSync {
    /// The data, fetched now.
    Fetched(Vec<FetchedPayload>),
    /// The provider was asked to push the window (Garmin backfill); it arrives by webhook.
    /// `historical_data_denied`: the user did not allow history, nothing was requested.
    Requested { historical_data_denied: bool },
}

/// Syncs a window the way the provider allows: push providers re-send it through their
/// webhooks (Garmin forbids unsolicited polling), the others are fetched.
pub async fn sync_window(
    provider: Provider,
    api_ctx: ApiContext<'_>,
    token: &SecretString,
    window: TimeWindow,
    data_types: &[String],
) -> Result<WindowSync, ProviderError> {
    if provider == Provider::Garmin {
        let report = crate::garmin::request_backfill(api_ctx, token, window, data_types).await?;
        return Ok(WindowSync::Requested {
            historical_data_denied: report.historical_data_denied,
        });
    }
    fetch_window(provider, api_ctx, token, window, data_types)
        .await
        .map(WindowSync::Fetched)
}

/// Verifies an inbound webhook. Fails closed for providers without a verifier.
pub fn verify_webhook(
    provider: Provider,
    request: &WebhookRequest<'_>,
    secrets: &WebhookSecrets,
) -> Result<Verified<()>, WebhookError> {
    with_provider!(provider, api => api.verify_webhook(request, secrets), Err(WebhookError::BadSignature))
}

pub fn parse_webhook(provider: Provider, body: &[u8]) -> Result<Vec<InboundEvent>, WebhookError> {
    with_provider!(
        provider,
        api => api.parse_webhook(body),
        Err(WebhookError::Malformed(format!("no webhooks for {provider}")))
    )
}

pub fn answer_challenge(
    provider: Provider,
    expected_token: Option<&SecretString>,
    query: &[(String, String)],
) -> Result<ChallengeAnswer, WebhookError> {
    with_provider!(provider, api => api.answer_challenge(expected_token, query), Err(WebhookError::BadVerificationToken))
}

pub async fn fetch_window(
    provider: Provider,
    api_ctx: ApiContext<'_>,
    token: &SecretString,
    window: TimeWindow,
    data_types: &[String],
) -> Result<Vec<FetchedPayload>, ProviderError> {
    with_provider!(provider, api => api.fetch_window(api_ctx, token, window, data_types).await, Err(unsupported(provider)))
}

pub async fn fetch_notified(
    provider: Provider,
    api_ctx: ApiContext<'_>,
    token: &SecretString,
    notification: &Notification,
) -> Result<Vec<FetchedPayload>, ProviderError> {
    with_provider!(provider, api => api.fetch_notified(api_ctx, token, notification).await, Err(unsupported(provider)))
}

/// The payload kind for "these external ids were deleted"; its body is a JSON array of ids.
pub const DELETION_KIND: &str = "deletion";

/// Normalizes one raw payload of `provider` into domain records. Pure.
pub fn normalize(
    provider: Provider,
    kind: &str,
    body: &[u8],
) -> Result<NormalizedBatch, TransformError> {
    if kind == DELETION_KIND {
        let ids: Vec<String> = serde_json::from_slice(body)
            .map_err(|e| TransformError::Malformed(format!("deletion: {e}")))?;
        return Ok(NormalizedBatch {
            deleted_external_ids: ids,
            ..NormalizedBatch::default()
        });
    }
    with_provider!(provider, api => api.normalize(kind, body), Err(TransformError::UnsupportedProvider(provider)))
}

/// The result of registering our webhook callback with a provider.
#[derive(Debug, Default)]
pub struct RegisteredWebhooks {
    pub subscriptions: usize,
    /// A signing secret the provider issued now and shows only once (Polar): it must go into
    /// the provider setting `webhook_secrets`.
    pub new_signing_secret: Option<SecretString>,
}

/// Subscribes our callback to the provider's webhooks, where the provider has an API for it
/// (elsewhere the callback is set in the provider's developer portal: nothing to do).
pub async fn register_webhooks(
    provider: Provider,
    ctx: OAuthContext<'_>,
    callback_url: &str,
    verification_token: Option<&SecretString>,
    url_token: Option<&SecretString>,
) -> Result<RegisteredWebhooks, ProviderError> {
    let client_id = ctx.credentials.client_id.clone();
    let client_secret = ctx.credentials.client_secret.clone();
    let base = ctx.endpoints.api_base_url.clone();
    match provider {
        Provider::Oura => {
            let token = verification_token.ok_or_else(|| {
                ProviderError::InvalidResponse("oura needs webhook_verification_token".into())
            })?;
            let client = crate::oura::subscriptions::SubscriptionClient::new(
                base,
                client_id,
                client_secret,
                ctx.sender.clone(),
            );
            Ok(RegisteredWebhooks {
                subscriptions: client.ensure(callback_url, token).await?.len(),
                new_signing_secret: None,
            })
        }
        Provider::Polar => {
            let client = crate::polar::WebhookClient::new(
                base,
                client_id,
                client_secret,
                ctx.sender.clone(),
            );
            let registration = client
                .ensure(callback_url, crate::polar::WEBHOOK_EVENTS)
                .await?;
            Ok(RegisteredWebhooks {
                subscriptions: 1,
                new_signing_secret: registration.signature_secret_key,
            })
        }
        Provider::Strava => {
            let verify = verification_token.ok_or_else(|| {
                ProviderError::InvalidResponse("strava needs webhook_verification_token".into())
            })?;
            let token = url_token.ok_or_else(|| {
                ProviderError::InvalidResponse(
                    "strava needs webhook_secrets (the callback URL token)".into(),
                )
            })?;
            let callback =
                crate::strava::subscriptions::callback_url_with_token(callback_url, token)?;
            let client = crate::strava::subscriptions::SubscriptionClient::new(
                base,
                client_id,
                client_secret,
                ctx.sender.clone(),
            );
            client.ensure(callback.as_str(), verify).await?;
            Ok(RegisteredWebhooks {
                subscriptions: 1,
                new_signing_secret: None,
            })
        }
        _ => Ok(RegisteredWebhooks::default()),
    }
}
