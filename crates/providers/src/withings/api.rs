//! [`ProviderApi`] for Withings: own token client (`action=requesttoken`), user id from the token
//! answer, notification subscriptions at connect, token-in-URL notifications, REST pull.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use domain::{NormalizedBatch, Provider, SeriesType, TimeWindow};
use secrecy::SecretString;

use super::notify::{NOTIFY_APPLIS, callback_url, notify_token};
use super::oauth::{WithingsTokenClient, userid};
use super::{WithingsClient, WithingsDataType, webhook};
use crate::api::{
    ApiContext, Authorized, Capabilities, ChallengeAnswer, Delivery, InboundEvent, Notification,
    OAuthContext, ProviderAccount, ProviderApi,
};
use crate::error::{ProviderError, TransformError};
use crate::oauth::{AuthorizeRequest, ClientAuth, OAuthClient, RevokeStyle, TokenSet};
use crate::webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets};
use crate::{FetchedPayload, ProviderEndpoints};

pub struct Withings;

impl Withings {
    fn token_client(ctx: OAuthContext<'_>) -> WithingsTokenClient {
        WithingsTokenClient::new(ctx.endpoints, ctx.credentials, ctx.sender.clone())
    }

    fn rest(ctx: OAuthContext<'_>) -> WithingsClient {
        WithingsClient::new(ctx.endpoints.api_base_url.clone(), ctx.sender.clone())
    }

    /// Subscribes the callback URL derived from the redirect URL (see [`callback_url`]) to every
    /// category in [`NOTIFY_APPLIS`]; returns how many subscriptions are in place.
    pub async fn subscribe(
        &self,
        ctx: OAuthContext<'_>,
        access_token: &SecretString,
    ) -> Result<usize, ProviderError> {
        let token = notify_token(&ctx.credentials.client_secret);
        let callback = callback_url(&ctx.credentials.redirect_url, &token);
        let client = Self::rest(ctx);
        for &appli in NOTIFY_APPLIS {
            client.subscribe(access_token, &callback, appli).await?;
        }
        Ok(NOTIFY_APPLIS.len())
    }

    /// The whole deregistration: our notification subscriptions (best effort: the access token
    /// may already be dead), then the grant itself ([`Withings::revoke_user`]).
    pub async fn deregister(
        &self,
        ctx: OAuthContext<'_>,
        access_token: &SecretString,
        userid: &str,
    ) -> Result<(), ProviderError> {
        match self.disconnect(ctx, access_token).await {
            Ok(()) | Err(ProviderError::Unauthorized) => {}
            Err(error) => return Err(error),
        }
        self.revoke_user(ctx, userid).await
    }

    /// Revokes our grant for `userid` (`action=revoke` with a signed nonce): the provider's
    /// deregistration, which [`ProviderApi::disconnect`] cannot do without the user id.
    pub async fn revoke_user(
        &self,
        ctx: OAuthContext<'_>,
        userid: &str,
    ) -> Result<(), ProviderError> {
        Self::token_client(ctx).revoke_user(userid).await
    }
}

impl ProviderApi for Withings {
    fn provider(&self) -> Provider {
        Provider::Withings
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            delivery: Delivery::Notify,
            data_types: &WithingsDataType::NAMES,
            // No documented limit; intraday activity costs one call per day of history.
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
            SeriesType::HeartRateVariabilitySdnn,
            SeriesType::HeartRateVariabilityRmssd,
            SeriesType::OxygenSaturation,
            SeriesType::BloodPressureSystolic,
            SeriesType::BloodPressureDiastolic,
            SeriesType::RespiratoryRate,
            SeriesType::BreathingDisturbanceIndex,
            SeriesType::Height,
            SeriesType::Weight,
            SeriesType::BodyFatPercentage,
            SeriesType::LeanBodyMass,
            SeriesType::BodyTemperature,
            SeriesType::SkinTemperature,
            SeriesType::BodyFatMass,
            SeriesType::SkeletalMuscleMass,
            SeriesType::Steps,
            SeriesType::Energy,
            SeriesType::DistanceWalkingRunning,
        ]
    }

    /// The generic client with Withings' client authentication (credentials in the body, no
    /// PKCE). It cannot parse Withings' token answers: every OAuth call of this trait goes
    /// through [`WithingsTokenClient`] instead.
    fn oauth_client(&self, ctx: OAuthContext<'_>) -> Result<OAuthClient, ProviderError> {
        Ok(OAuthClient::new(
            ctx.endpoints,
            ctx.credentials,
            ClientAuth::RequestBody,
            false,
            ctx.sender.clone(),
        )?
        .with_provider(Provider::Withings, RevokeStyle::Rfc7009))
    }

    fn authorize_url(
        &self,
        ctx: OAuthContext<'_>,
        state: &str,
    ) -> Result<AuthorizeRequest, ProviderError> {
        Ok(Self::token_client(ctx).authorize_url(state))
    }

    async fn connect(
        &self,
        ctx: OAuthContext<'_>,
        code: &str,
        _pkce_verifier: Option<&SecretString>,
        now: DateTime<Utc>,
    ) -> Result<Authorized, ProviderError> {
        let tokens: TokenSet = Self::token_client(ctx).exchange_code(code, now).await?;
        let id = userid(&tokens).ok_or_else(|| {
            ProviderError::InvalidResponse("withings token answer without userid".into())
        })?;
        // Notifications are a bonus over pulling: a callback Withings cannot reach must not
        // block the connection.
        if let Err(error) = self.subscribe(ctx, &tokens.access_token).await {
            tracing::warn!(provider = "withings", %error, "notification subscription failed");
        }
        Ok(Authorized {
            tokens,
            account: ProviderAccount { id, username: None },
        })
    }

    async fn refresh(
        &self,
        ctx: OAuthContext<'_>,
        refresh_token: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ProviderError> {
        Self::token_client(ctx).refresh(refresh_token, now).await
    }

    /// Revokes every notification subscription of the user (the grant itself needs the user
    /// id: [`Withings::revoke_user`]).
    async fn disconnect(
        &self,
        ctx: OAuthContext<'_>,
        access_token: &SecretString,
    ) -> Result<(), ProviderError> {
        let client = Self::rest(ctx);
        for subscription in client.subscriptions(access_token).await? {
            client
                .unsubscribe(access_token, &subscription.callbackurl, subscription.appli)
                .await?;
        }
        Ok(())
    }

    fn verify_webhook(
        &self,
        request: &WebhookRequest<'_>,
        secrets: &WebhookSecrets,
    ) -> Result<Verified<()>, WebhookError> {
        webhook::verify_webhook(request, secrets).map(|_| Verified::new(()))
    }

    fn parse_webhook(&self, body: &[u8]) -> Result<Vec<InboundEvent>, WebhookError> {
        webhook::parse_notification(body).map(webhook::events)
    }

    /// Withings checks that a callback URL answers (200) before subscribing it; there is
    /// nothing to echo, so any check gets `200 {}`.
    fn answer_challenge(
        &self,
        _expected_token: Option<&SecretString>,
        _query: &[(String, String)],
    ) -> Result<ChallengeAnswer, WebhookError> {
        Ok(ChallengeAnswer::Json(serde_json::json!({})))
    }

    async fn fetch_window(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        window: TimeWindow,
        data_types: &[String],
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let types: Vec<WithingsDataType> = if data_types.is_empty() {
            WithingsDataType::ALL.to_vec()
        } else {
            data_types.iter().filter_map(|t| t.parse().ok()).collect()
        };
        WithingsClient::new(api.api_base_url.clone(), api.sender.clone())
            .fetch_range(token, window.start, window.end, &types)
            .await
    }

    async fn fetch_notified(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        notification: &Notification,
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let types = notified_types(&notification.data_type);
        if types.is_empty() {
            return Ok(Vec::new());
        }
        let (start, end) = notified_range(&notification.object_id).ok_or_else(|| {
            ProviderError::InvalidResponse(format!(
                "withings notification range `{}`",
                notification.object_id
            ))
        })?;
        WithingsClient::new(api.api_base_url.clone(), api.sender.clone())
            .fetch_range(token, start, end, types)
            .await
    }

    fn normalize(&self, kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
        super::transformers::normalize(kind, body)
    }
}

/// The data types a notification's `data_type` (category name or payload kind) asks for.
fn notified_types(data_type: &str) -> &'static [WithingsDataType] {
    match data_type {
        "measures" => WithingsDataType::for_appli(1),
        "activity" => WithingsDataType::for_appli(16),
        "sleep" => WithingsDataType::for_appli(44),
        "workouts" => &[WithingsDataType::Workouts],
        "intraday_activity" => &[WithingsDataType::IntradayActivity],
        _ => &[],
    }
}

/// `"{start}..{end}"` (epoch seconds, end inclusive) or a local date `YYYY-MM-DD`, which may be
/// any UTC day from 14 h before to 14 h after it.
fn notified_range(object_id: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if let Some((start, end)) = object_id.split_once("..") {
        let start: i64 = start.trim().parse().ok()?;
        let end: i64 = end.trim().parse().ok()?;
        let start = DateTime::from_timestamp(start, 0)?;
        let end = DateTime::from_timestamp(end.max(start.timestamp()) + 1, 0)?;
        return Some((start, end));
    }
    let date = NaiveDate::parse_from_str(object_id.trim(), "%Y-%m-%d").ok()?;
    let midnight = date.and_time(NaiveTime::MIN).and_utc();
    Some((
        midnight - TimeDelta::hours(14),
        midnight + TimeDelta::hours(38),
    ))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn notified_ranges_cover_the_range_or_every_zone_of_the_date() {
        let (start, end) = notified_range("1530576000..1530698753").unwrap();
        assert_eq!(start.timestamp(), 1_530_576_000);
        assert_eq!(end.timestamp(), 1_530_698_754);
        let (start, end) = notified_range("2024-01-15").unwrap();
        assert_eq!(start, Utc.with_ymd_and_hms(2024, 1, 14, 10, 0, 0).unwrap());
        assert_eq!(end, Utc.with_ymd_and_hms(2024, 1, 16, 14, 0, 0).unwrap());
        assert!(notified_range("").is_none());
        assert!(notified_range("a..b").is_none());
    }

    #[test]
    fn notified_types_follow_the_category() {
        assert_eq!(notified_types("measures"), &[WithingsDataType::Measures]);
        assert_eq!(notified_types("activity").len(), 3);
        assert_eq!(notified_types("sleep"), &[WithingsDataType::Sleep]);
        assert!(notified_types("bed_in").is_empty());
        assert!(notified_types("user").is_empty());
    }

    #[test]
    fn capabilities_list_every_kind_normalize_accepts() {
        let caps = Withings.capabilities();
        assert_eq!(caps.delivery, Delivery::Notify);
        for kind in caps.data_types {
            let err = Withings.normalize(kind, b"{").unwrap_err();
            assert!(
                matches!(err, TransformError::Malformed(_)),
                "{kind}: {err:?}"
            );
        }
        assert!(matches!(
            Withings.normalize("nope", b"{}"),
            Err(TransformError::UnsupportedKind(_))
        ));
    }
}
