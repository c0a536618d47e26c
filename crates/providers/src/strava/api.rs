//! [`ProviderApi`] for Strava: OAuth with credentials in the body, the athlete from the token
//! response, deauthorization on disconnect, notify-only webhooks authenticated by a callback URL
//! token, REST pull of activities and streams.

use chrono::{DateTime, Utc};
use domain::{NormalizedBatch, Provider, SeriesType, TimeWindow};
use secrecy::SecretString;

use super::{StravaClient, StravaDataType, oauth, webhook};
use crate::api::{
    ApiContext, Authorized, Capabilities, ChallengeAnswer, Delivery, EventType, InboundEvent,
    Notification, OAuthContext, ProviderApi,
};
use crate::error::{ProviderError, TransformError};
use crate::oauth::OAuthClient;
use crate::webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets};
use crate::{FetchedPayload, ProviderEndpoints};

pub struct Strava;

fn client(api: ApiContext<'_>) -> StravaClient {
    StravaClient::new(api.api_base_url.clone(), api.sender.clone())
}

impl ProviderApi for Strava {
    fn provider(&self) -> Provider {
        Provider::Strava
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            delivery: Delivery::Notify,
            data_types: &["activity", "activity_streams", "athlete"],
            max_backfill_days: 90,
        }
    }

    fn default_endpoints(&self) -> ProviderEndpoints {
        super::endpoints()
    }

    fn default_scopes(&self) -> &'static [&'static str] {
        super::SCOPES
    }

    fn series(&self) -> &'static [SeriesType] {
        &[
            SeriesType::HeartRate,
            SeriesType::Speed,
            SeriesType::Cadence,
            SeriesType::Power,
            SeriesType::Elevation,
            SeriesType::Latitude,
            SeriesType::Longitude,
            SeriesType::Weight,
        ]
    }

    fn oauth_client(&self, ctx: OAuthContext<'_>) -> Result<OAuthClient, ProviderError> {
        oauth::client(ctx.endpoints, ctx.credentials, ctx.sender.clone())
    }

    async fn connect(
        &self,
        ctx: OAuthContext<'_>,
        code: &str,
        pkce_verifier: Option<&SecretString>,
        now: DateTime<Utc>,
    ) -> Result<Authorized, ProviderError> {
        let tokens = self
            .oauth_client(ctx)?
            .exchange_code(code, pkce_verifier, now)
            .await?;
        let account = match oauth::account_from_tokens(&tokens) {
            Some(account) => account,
            None => {
                let athlete =
                    StravaClient::new(ctx.endpoints.api_base_url.clone(), ctx.sender.clone())
                        .athlete(&tokens.access_token)
                        .await?;
                crate::api::ProviderAccount {
                    id: athlete.id,
                    username: athlete.username.filter(|u| !u.is_empty()),
                }
            }
        };
        Ok(Authorized { tokens, account })
    }

    async fn disconnect(
        &self,
        ctx: OAuthContext<'_>,
        access_token: &SecretString,
    ) -> Result<(), ProviderError> {
        oauth::deauthorize(ctx.endpoints, ctx.sender, access_token).await
    }

    fn verify_webhook(
        &self,
        request: &WebhookRequest<'_>,
        secrets: &WebhookSecrets,
    ) -> Result<Verified<()>, WebhookError> {
        webhook::verify_webhook(request, secrets).map(|_| Verified::new(()))
    }

    fn parse_webhook(&self, body: &[u8]) -> Result<Vec<InboundEvent>, WebhookError> {
        let event: webhook::StravaEvent = serde_json::from_slice(body)
            .map_err(|e| WebhookError::Malformed(format!("strava event: {e}")))?;
        Ok(event.to_events())
    }

    fn answer_challenge(
        &self,
        expected_token: Option<&SecretString>,
        query: &[(String, String)],
    ) -> Result<ChallengeAnswer, WebhookError> {
        webhook::answer_challenge(expected_token, query).map(ChallengeAnswer::Json)
    }

    async fn fetch_window(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        window: TimeWindow,
        data_types: &[String],
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let wanted =
            |t: StravaDataType| data_types.is_empty() || data_types.iter().any(|d| d == t.as_str());
        let client = client(api);
        let mut payloads = Vec::new();
        if wanted(StravaDataType::Athlete) {
            payloads.push(client.athlete_payload(token).await?);
        }
        let (activities, streams) = (
            wanted(StravaDataType::Activity),
            wanted(StravaDataType::ActivityStreams),
        );
        if activities || streams {
            let (pages, heads) = client.activity_pages(token, window).await?;
            if activities {
                payloads.extend(pages);
            }
            if streams {
                for head in &heads {
                    payloads.extend(client.streams(token, head).await?);
                }
            }
        }
        Ok(payloads)
    }

    async fn fetch_notified(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        notification: &Notification,
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        if notification.data_type != StravaDataType::Activity.as_str()
            || notification.event_type == EventType::Delete
        {
            return Ok(Vec::new());
        }
        let client = client(api);
        let (detail, head) = client.activity(token, &notification.object_id).await?;
        let mut payloads = vec![detail];
        payloads.extend(client.streams(token, &head).await?);
        Ok(payloads)
    }

    fn normalize(&self, kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
        super::transformers::normalize(kind, body)
    }
}
