//! The provider registry for the services: one `match` over [`Provider`] per capability, so
//! services never name a provider module. Adding a provider means adding an arm here.

use domain::{Provider, TimeWindow};
use secrecy::SecretString;
use url::Url;

use crate::error::ProviderError;
use crate::http::HttpSender;
use crate::webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets};
use crate::{FetchedPayload, oura};

/// Who the user is at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAccount {
    pub id: String,
    pub username: Option<String>,
}

fn unsupported(provider: Provider) -> ProviderError {
    ProviderError::InvalidResponse(format!("provider {provider} is not supported yet"))
}

/// The provider account behind an access token.
pub async fn account(
    provider: Provider,
    api_base_url: Url,
    sender: HttpSender,
    token: &SecretString,
) -> Result<ProviderAccount, ProviderError> {
    match provider {
        Provider::Oura => {
            let info = oura::OuraClient::new(api_base_url, sender)
                .personal_info(token)
                .await?;
            Ok(ProviderAccount {
                id: info.id,
                username: info.email,
            })
        }
        other => Err(unsupported(other)),
    }
}

/// What a verified webhook is, for routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundWebhook {
    /// "Something changed, fetch it" (Oura, WHOOP, Polar, …): goes to the poller.
    Notification { provider_user_id: String },
}

/// Verifies an inbound webhook. Fails closed for providers without a verifier.
pub fn verify_webhook(
    provider: Provider,
    request: &WebhookRequest<'_>,
    secrets: &WebhookSecrets,
) -> Result<Verified<InboundWebhook>, WebhookError> {
    match provider {
        Provider::Oura => {
            let n = oura::verify_webhook(request, secrets)?.into_inner();
            Ok(Verified::new(InboundWebhook::Notification {
                provider_user_id: n.user_id,
            }))
        }
        _ => Err(WebhookError::BadSignature),
    }
}

/// Answers a subscription handshake (`GET` on the webhook URL) from its query pairs.
pub fn answer_challenge(
    provider: Provider,
    expected_token: Option<&SecretString>,
    query: &[(String, String)],
) -> Result<serde_json::Value, WebhookError> {
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match provider {
        Provider::Oura => {
            let expected = expected_token.ok_or(WebhookError::BadVerificationToken)?;
            let token = get("verification_token")
                .ok_or(WebhookError::MissingHeader("verification_token"))?;
            let challenge = get("challenge").ok_or(WebhookError::MissingHeader("challenge"))?;
            oura::answer_challenge(expected, token, challenge)
        }
        _ => Err(WebhookError::BadVerificationToken),
    }
}

/// A notify-only webhook: fetch `object_id` of `data_type` for the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub provider_user_id: String,
    pub event_type: String,
    pub data_type: String,
    pub object_id: String,
}

impl Notification {
    pub fn is_delete(&self) -> bool {
        self.event_type == "delete"
    }
}

/// Parses the body of a notification that the webhook-receiver already verified.
pub fn parse_notification(provider: Provider, body: &[u8]) -> Result<Notification, WebhookError> {
    match provider {
        Provider::Oura => {
            let n: oura::OuraNotification = serde_json::from_slice(body)
                .map_err(|e| WebhookError::Malformed(format!("oura notification: {e}")))?;
            Ok(Notification {
                provider_user_id: n.user_id,
                event_type: n.event_type,
                data_type: n.data_type,
                object_id: n.object_id,
            })
        }
        _ => Err(WebhookError::Malformed(format!(
            "no notifications for {provider}"
        ))),
    }
}

/// Every page of the provider's data in `window`. `data_types` empty means all we support;
/// names the provider does not have are ignored.
pub async fn fetch_window(
    provider: Provider,
    api_base_url: Url,
    sender: HttpSender,
    token: &SecretString,
    window: TimeWindow,
    data_types: &[String],
) -> Result<Vec<FetchedPayload>, ProviderError> {
    match provider {
        Provider::Oura => {
            let types: Vec<oura::OuraDataType> = if data_types.is_empty() {
                oura::OuraDataType::ALL.to_vec()
            } else {
                data_types.iter().filter_map(|t| t.parse().ok()).collect()
            };
            oura::OuraClient::new(api_base_url, sender)
                .fetch_window(token, window, &types)
                .await
        }
        other => Err(unsupported(other)),
    }
}

/// The object a notification points at; `None` when we do not ingest that data type.
pub async fn fetch_object(
    provider: Provider,
    api_base_url: Url,
    sender: HttpSender,
    token: &SecretString,
    notification: &Notification,
) -> Result<Option<FetchedPayload>, ProviderError> {
    match provider {
        Provider::Oura => {
            let Ok(data_type) = notification.data_type.parse::<oura::OuraDataType>() else {
                return Ok(None);
            };
            if data_type.is_time_series() {
                return Ok(None);
            }
            oura::OuraClient::new(api_base_url, sender)
                .fetch_document(token, data_type, &notification.object_id)
                .await
                .map(Some)
        }
        other => Err(unsupported(other)),
    }
}

/// Subscribes our callback to the provider's webhooks, where the provider has an API for it.
/// Returns how many subscriptions are in place.
pub async fn register_webhooks(
    provider: Provider,
    api_base_url: Url,
    client_id: &str,
    client_secret: &SecretString,
    sender: HttpSender,
    callback_url: &str,
    verification_token: &SecretString,
) -> Result<usize, ProviderError> {
    match provider {
        Provider::Oura => {
            let client = oura::subscriptions::SubscriptionClient::new(
                api_base_url,
                client_id.to_owned(),
                client_secret.clone(),
                sender,
            );
            Ok(client.ensure(callback_url, verification_token).await?.len())
        }
        other => Err(unsupported(other)),
    }
}
