//! [`ProviderApi`] for Oura: standard OAuth (credentials in the body), account from
//! `personal_info`, notify-only signed webhooks, REST pull.

use chrono::{DateTime, Utc};
use domain::{NormalizedBatch, Provider, TimeWindow};
use secrecy::SecretString;

use super::{OuraClient, OuraDataType, OuraNotification, webhook};
use crate::api::{
    ApiContext, Authorized, Capabilities, ChallengeAnswer, Delivery, EventType, InboundEvent,
    Notification, OAuthContext, ProviderAccount, ProviderApi,
};
use crate::error::{ProviderError, TransformError};
use crate::oauth::{OAuthClient, TokenSet};
use crate::webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets};
use crate::{FetchedPayload, ProviderEndpoints};

pub struct Oura;

fn event_type(raw: &str) -> EventType {
    match raw {
        "delete" => EventType::Delete,
        "create" => EventType::Create,
        _ => EventType::Update,
    }
}

impl ProviderApi for Oura {
    fn provider(&self) -> Provider {
        Provider::Oura
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            delivery: Delivery::Notify,
            data_types: &["sleep", "heartrate", "workout", "daily_activity"],
            max_backfill_days: 365,
        }
    }

    fn default_endpoints(&self) -> ProviderEndpoints {
        super::endpoints()
    }

    fn default_scopes(&self) -> &'static [&'static str] {
        super::SCOPES
    }

    fn series(&self) -> &'static [domain::SeriesType] {
        &[
            domain::SeriesType::HeartRate,
            domain::SeriesType::HeartRateVariabilityRmssd,
        ]
    }

    fn oauth_client(&self, ctx: OAuthContext<'_>) -> Result<OAuthClient, ProviderError> {
        super::oauth::client(ctx.endpoints, ctx.credentials, ctx.sender.clone())
    }

    async fn connect(
        &self,
        ctx: OAuthContext<'_>,
        code: &str,
        pkce_verifier: Option<&SecretString>,
        now: DateTime<Utc>,
    ) -> Result<Authorized, ProviderError> {
        let tokens: TokenSet = self
            .oauth_client(ctx)?
            .exchange_code(code, pkce_verifier, now)
            .await?;
        let info = OuraClient::new(ctx.endpoints.api_base_url.clone(), ctx.sender.clone())
            .personal_info(&tokens.access_token)
            .await?;
        Ok(Authorized {
            tokens,
            account: ProviderAccount {
                id: info.id,
                username: info.email,
            },
        })
    }

    fn verify_webhook(
        &self,
        request: &WebhookRequest<'_>,
        secrets: &WebhookSecrets,
    ) -> Result<Verified<()>, WebhookError> {
        webhook::verify_webhook(request, secrets).map(|_| Verified::new(()))
    }

    fn parse_webhook(&self, body: &[u8]) -> Result<Vec<InboundEvent>, WebhookError> {
        let n: OuraNotification = serde_json::from_slice(body)
            .map_err(|e| WebhookError::Malformed(format!("oura notification: {e}")))?;
        Ok(vec![InboundEvent::Notification(Notification {
            provider_user_id: n.user_id,
            event_type: event_type(&n.event_type),
            data_type: n.data_type,
            object_id: n.object_id,
            url: None,
        })])
    }

    fn answer_challenge(
        &self,
        expected_token: Option<&SecretString>,
        query: &[(String, String)],
    ) -> Result<ChallengeAnswer, WebhookError> {
        let get = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let expected = expected_token.ok_or(WebhookError::BadVerificationToken)?;
        let token =
            get("verification_token").ok_or(WebhookError::MissingHeader("verification_token"))?;
        let challenge = get("challenge").ok_or(WebhookError::MissingHeader("challenge"))?;
        webhook::answer_challenge(expected, token, challenge).map(ChallengeAnswer::Json)
    }

    async fn fetch_window(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        window: TimeWindow,
        data_types: &[String],
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let types: Vec<OuraDataType> = if data_types.is_empty() {
            OuraDataType::ALL.to_vec()
        } else {
            data_types.iter().filter_map(|t| t.parse().ok()).collect()
        };
        OuraClient::new(api.api_base_url.clone(), api.sender.clone())
            .fetch_window(token, window, &types)
            .await
    }

    async fn fetch_notified(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        notification: &Notification,
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let Ok(data_type) = notification.data_type.parse::<OuraDataType>() else {
            return Ok(Vec::new());
        };
        if data_type.is_time_series() {
            return Ok(Vec::new());
        }
        let page = OuraClient::new(api.api_base_url.clone(), api.sender.clone())
            .fetch_document(token, data_type, &notification.object_id)
            .await?;
        Ok(vec![page])
    }

    fn normalize(&self, kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
        super::transformers::normalize(kind, body)
    }
}
