//! [`ProviderApi`] for WHOOP: OAuth with credentials in the body and `offline` refresh, account
//! from `profile/basic`, notify-only signed webhooks, REST pull.

use chrono::{DateTime, Utc};
use domain::{NormalizedBatch, Provider, TimeWindow};
use secrecy::SecretString;

use super::{WhoopClient, WhoopDataType, webhook};
use crate::api::{
    ApiContext, Authorized, Capabilities, Delivery, InboundEvent, Notification, OAuthContext,
    ProviderAccount, ProviderApi,
};
use crate::error::{ProviderError, TransformError};
use crate::oauth::{OAuthClient, TokenSet};
use crate::webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets};
use crate::{FetchedPayload, ProviderEndpoints};

pub struct Whoop;

fn client(api: ApiContext<'_>) -> WhoopClient {
    WhoopClient::new(api.api_base_url.clone(), api.sender.clone())
}

impl ProviderApi for Whoop {
    fn provider(&self) -> Provider {
        Provider::Whoop
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            delivery: Delivery::Notify,
            data_types: &["cycle", "sleep", "recovery", "workout", "body_measurement"],
            max_backfill_days: 365,
        }
    }

    fn default_endpoints(&self) -> ProviderEndpoints {
        super::endpoints()
    }

    fn default_scopes(&self) -> &'static [&'static str] {
        super::SCOPES
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
        let profile = WhoopClient::new(ctx.endpoints.api_base_url.clone(), ctx.sender.clone())
            .profile(&tokens.access_token)
            .await?;
        Ok(Authorized {
            tokens,
            account: ProviderAccount {
                id: profile.user_id.to_string(),
                username: profile.email,
            },
        })
    }

    async fn refresh(
        &self,
        ctx: OAuthContext<'_>,
        refresh_token: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ProviderError> {
        super::oauth::refresh(
            ctx.endpoints,
            ctx.credentials,
            ctx.sender,
            refresh_token,
            now,
        )
        .await
    }

    async fn disconnect(
        &self,
        ctx: OAuthContext<'_>,
        access_token: &SecretString,
    ) -> Result<(), ProviderError> {
        WhoopClient::new(ctx.endpoints.api_base_url.clone(), ctx.sender.clone())
            .revoke_access(access_token)
            .await
    }

    fn verify_webhook(
        &self,
        request: &WebhookRequest<'_>,
        secrets: &WebhookSecrets,
    ) -> Result<Verified<()>, WebhookError> {
        webhook::verify_webhook(request, secrets).map(|_| Verified::new(()))
    }

    fn parse_webhook(&self, body: &[u8]) -> Result<Vec<InboundEvent>, WebhookError> {
        Ok(vec![webhook::parse(body)?.into_event()?])
    }

    async fn fetch_window(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        window: TimeWindow,
        data_types: &[String],
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let types: Vec<WhoopDataType> = if data_types.is_empty() {
            WhoopDataType::ALL.to_vec()
        } else {
            data_types.iter().filter_map(|t| t.parse().ok()).collect()
        };
        client(api).fetch_window(token, window, &types).await
    }

    async fn fetch_notified(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        notification: &Notification,
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let Ok(data_type) = notification.data_type.parse::<WhoopDataType>() else {
            return Ok(Vec::new());
        };
        let client = client(api);
        let id = notification.object_id.as_str();
        match data_type {
            WhoopDataType::Sleep => client.sleep_with_cycles(token, id).await,
            WhoopDataType::Workout => Ok(vec![client.workout(token, id).await?]),
            WhoopDataType::Recovery => Ok(vec![client.recovery_for_webhook_id(token, id).await?]),
            // WHOOP sends no webhooks for these.
            WhoopDataType::Cycle | WhoopDataType::BodyMeasurement => Ok(Vec::new()),
        }
    }

    fn normalize(&self, kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
        super::transformers::normalize(kind, body)
    }
}
