//! [`ProviderApi`] for Garmin: OAuth 2.0 + PKCE, account from `user/id`, permissions as scope,
//! PUSH/PING webhooks authenticated by client id + URL token, pull in 24-hour upload chunks.

use chrono::{DateTime, Utc};
use domain::{NormalizedBatch, Provider, TimeWindow};
use secrecy::SecretString;

use super::{GarminClient, GarminDataType, webhook};
use crate::api::{
    ApiContext, Authorized, Capabilities, Delivery, InboundEvent, Notification, OAuthContext,
    ProviderAccount, ProviderApi,
};
use crate::error::{ProviderError, TransformError};
use crate::oauth::OAuthClient;
use crate::webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets};
use crate::{FetchedPayload, ProviderEndpoints};

pub struct Garmin;

/// The ingested data type names, in [`GarminDataType::ALL`] order.
const DATA_TYPES: &[&str] = &[
    "activities",
    "manuallyUpdatedActivities",
    "activityDetails",
    "dailies",
    "epochs",
    "sleeps",
    "bodyComps",
    "stressDetails",
    "userMetrics",
    "pulseox",
    "allDayRespiration",
    "hrv",
    "bloodPressures",
    "skinTemp",
    "healthSnapshot",
];

/// The requested types (names or REST path aliases); empty means all. Unknown names are ignored.
pub(in crate::garmin) fn selected(data_types: &[String]) -> Vec<GarminDataType> {
    if data_types.is_empty() {
        return GarminDataType::ALL.to_vec();
    }
    let mut types: Vec<GarminDataType> = Vec::new();
    for parsed in data_types.iter().filter_map(|t| t.parse().ok()) {
        if !types.contains(&parsed) {
            types.push(parsed);
        }
    }
    types
}

impl ProviderApi for Garmin {
    fn provider(&self) -> Provider {
        Provider::Garmin
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            delivery: Delivery::Push,
            data_types: DATA_TYPES,
            max_backfill_days: super::MAX_BACKFILL_DAYS,
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

    /// Code exchange (with the PKCE verifier), then the Garmin user id and the permissions the
    /// user granted, which replace the token response's `scope`.
    async fn connect(
        &self,
        ctx: OAuthContext<'_>,
        code: &str,
        pkce_verifier: Option<&SecretString>,
        now: DateTime<Utc>,
    ) -> Result<Authorized, ProviderError> {
        let mut tokens = self
            .oauth_client(ctx)?
            .exchange_code(code, pkce_verifier, now)
            .await?;
        let client = GarminClient::new(ctx.endpoints.api_base_url.clone(), ctx.sender.clone());
        let user_id = client.user_id(&tokens.access_token).await?;
        match client.permissions(&tokens.access_token).await {
            Ok(permissions) => tokens.scope = Some(permissions.join(" ")),
            // The account is known; permissions also arrive by webhook when they change.
            Err(ProviderError::Status { .. } | ProviderError::InvalidResponse(_)) => {}
            Err(e) => return Err(e),
        }
        Ok(Authorized {
            tokens,
            account: ProviderAccount {
                id: user_id,
                username: None,
            },
        })
    }

    /// Deletes the user's registration with our app (Garmin has no token revocation).
    async fn disconnect(
        &self,
        ctx: OAuthContext<'_>,
        access_token: &SecretString,
    ) -> Result<(), ProviderError> {
        GarminClient::new(ctx.endpoints.api_base_url.clone(), ctx.sender.clone())
            .deregister(access_token)
            .await
    }

    fn verify_webhook(
        &self,
        request: &WebhookRequest<'_>,
        secrets: &WebhookSecrets,
    ) -> Result<Verified<()>, WebhookError> {
        webhook::verify_webhook(request, secrets)
    }

    fn parse_webhook(&self, body: &[u8]) -> Result<Vec<InboundEvent>, WebhookError> {
        webhook::parse(body)
    }

    async fn fetch_window(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        window: TimeWindow,
        data_types: &[String],
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        GarminClient::new(api.api_base_url.clone(), api.sender.clone())
            .fetch_window(token, window, &selected(data_types))
            .await
    }

    /// Downloads a PING's callback URL; PUSH data needs no fetch (empty).
    async fn fetch_notified(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        notification: &Notification,
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let (Ok(data_type), Some(url)) = (
            notification.data_type.parse::<GarminDataType>(),
            notification.url.as_deref(),
        ) else {
            return Ok(Vec::new());
        };
        GarminClient::new(api.api_base_url.clone(), api.sender.clone())
            .fetch_callback(token, data_type, url)
            .await
    }

    fn normalize(&self, kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
        super::transformers::normalize(kind, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_list_every_ingested_type_by_its_webhook_key() {
        let caps = Garmin.capabilities();
        assert_eq!(caps.delivery, Delivery::Push);
        assert_eq!(caps.max_backfill_days, 30);
        let names: Vec<&str> = GarminDataType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(caps.data_types, names.as_slice());
        assert!(Garmin.default_scopes().is_empty());
    }

    #[test]
    fn selected_types_accept_aliases_and_ignore_unknown_names() {
        assert_eq!(selected(&[]).len(), 15);
        let picked = selected(&[
            "pulseOx".into(),
            "pulseox".into(),
            "activityFiles".into(),
            "sleeps".into(),
        ]);
        assert_eq!(
            picked,
            vec![GarminDataType::PulseOx, GarminDataType::Sleeps]
        );
    }
}
