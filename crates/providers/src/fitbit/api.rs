//! [`ProviderApi`] for Fitbit: PKCE + Basic OAuth with the account id from the token response,
//! per-user subscriptions made at connect, notify-only signed webhooks, REST pull by local day.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{NormalizedBatch, Provider, SeriesType, TimeWindow};
use secrecy::SecretString;

use super::{FitbitClient, FitbitDataType, oauth, subscriptions, webhook};
use crate::api::{
    ApiContext, Authorized, Capabilities, ChallengeAnswer, Delivery, InboundEvent, Notification,
    OAuthContext, ProviderAccount, ProviderApi,
};
use crate::error::{ProviderError, TransformError};
use crate::oauth::OAuthClient;
use crate::webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets};
use crate::{FetchedPayload, ProviderEndpoints};

pub struct Fitbit;

fn client(api_base_url: &url::Url, sender: &crate::HttpSender) -> FitbitClient {
    FitbitClient::new(api_base_url.clone(), sender.clone())
}

/// Requested names (a kind's `@` suffix is ignored); empty means every type.
fn requested_types(data_types: &[String]) -> Vec<FitbitDataType> {
    if data_types.is_empty() {
        return FitbitDataType::ALL.to_vec();
    }
    let mut types: Vec<FitbitDataType> = data_types
        .iter()
        .filter_map(|t| t.split('@').next()?.parse().ok())
        .collect();
    types.sort();
    types.dedup();
    types
}

impl ProviderApi for Fitbit {
    fn provider(&self) -> Provider {
        Provider::Fitbit
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            delivery: Delivery::Notify,
            data_types: &FitbitDataType::NAMES,
            max_backfill_days: 30,
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
            SeriesType::RestingHeartRate,
            SeriesType::HeartRateVariabilityRmssd,
            SeriesType::OxygenSaturation,
            SeriesType::RespiratoryRate,
            SeriesType::Weight,
            SeriesType::BodyFatPercentage,
            SeriesType::BodyMassIndex,
            SeriesType::SkinTemperatureDeviation,
            SeriesType::Vo2Max,
            SeriesType::FlightsClimbed,
        ]
    }

    fn oauth_client(&self, ctx: OAuthContext<'_>) -> Result<OAuthClient, ProviderError> {
        oauth::client(ctx.endpoints, ctx.credentials, ctx.sender.clone())
    }

    /// Code exchange (with the PKCE verifier), the account id from the token response (else the
    /// profile), then the user's subscriptions.
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
        let api = client(&ctx.endpoints.api_base_url, ctx.sender);
        let account = match oauth::user_id(&tokens) {
            Some(id) => ProviderAccount { id, username: None },
            None => {
                let profile = api.profile(&tokens.access_token).await?;
                ProviderAccount {
                    id: profile.encoded_id,
                    username: profile.display_name,
                }
            }
        };
        subscriptions::ensure(&api, &tokens.access_token, &account.id).await?;
        Ok(Authorized { tokens, account })
    }

    /// Deletes the user's subscriptions, then revokes the token.
    async fn disconnect(
        &self,
        ctx: OAuthContext<'_>,
        access_token: &SecretString,
    ) -> Result<(), ProviderError> {
        let api = client(&ctx.endpoints.api_base_url, ctx.sender);
        subscriptions::remove_all(&api, access_token).await?;
        self.oauth_client(ctx)?.revoke(access_token).await
    }

    fn verify_webhook(
        &self,
        request: &WebhookRequest<'_>,
        secrets: &WebhookSecrets,
    ) -> Result<Verified<()>, WebhookError> {
        webhook::verify_webhook(request, secrets).map(|_| Verified::new(()))
    }

    fn parse_webhook(&self, body: &[u8]) -> Result<Vec<InboundEvent>, WebhookError> {
        Ok(webhook::events(webhook::parse(body)?))
    }

    /// `GET ?verify=<code>`: 204 for our code; the receiver answers 404 on the error.
    fn answer_challenge(
        &self,
        expected_token: Option<&SecretString>,
        query: &[(String, String)],
    ) -> Result<ChallengeAnswer, WebhookError> {
        webhook::check_verification_code(expected_token, query).map(|()| ChallengeAnswer::NoContent)
    }

    async fn fetch_window(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        window: TimeWindow,
        data_types: &[String],
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let types = requested_types(data_types);
        client(api.api_base_url, api.sender)
            .fetch_window(token, window, &types)
            .await
    }

    /// A notification names a collection and a local day: fetch that day's data of the
    /// collection's types. Collections we do not ingest (`foods`) and undated ones give nothing.
    async fn fetch_notified(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        notification: &Notification,
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let types = FitbitDataType::for_collection(&notification.data_type);
        let Ok(day) = NaiveDate::parse_from_str(notification.object_id.trim(), "%Y-%m-%d") else {
            return Ok(Vec::new());
        };
        if types.is_empty() {
            return Ok(Vec::new());
        }
        let client = client(api.api_base_url, api.sender);
        let offset = client.offset_if_needed(token, types).await?;
        client.fetch_days(token, types, day, day, offset).await
    }

    fn normalize(&self, kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
        super::transformers::normalize(kind, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_list_every_kind_normalize_accepts() {
        let caps = Fitbit.capabilities();
        assert_eq!(caps.delivery, Delivery::Notify);
        assert_eq!(caps.data_types.len(), FitbitDataType::ALL.len());
        for kind in caps.data_types {
            assert!(
                !matches!(
                    Fitbit.normalize(kind, b"{}"),
                    Err(TransformError::UnsupportedKind(_))
                ),
                "{kind}"
            );
        }
        assert!(matches!(
            Fitbit.normalize("foods", b"{}"),
            Err(TransformError::UnsupportedKind(_))
        ));
    }

    #[test]
    fn requested_types_ignore_suffixes_and_unknown_names() {
        assert_eq!(requested_types(&[]).len(), FitbitDataType::ALL.len());
        let types = requested_types(&[
            "sleep@+01:00".into(),
            "sleep".into(),
            "foods".into(),
            "hrv".into(),
        ]);
        assert_eq!(types, vec![FitbitDataType::Sleep, FitbitDataType::Hrv]);
    }

    #[test]
    fn production_endpoints_are_fitbits() {
        let e = Fitbit.default_endpoints();
        assert_eq!(
            e.authorize_url.as_str(),
            "https://www.fitbit.com/oauth2/authorize"
        );
        assert_eq!(e.token_url.as_str(), "https://api.fitbit.com/oauth2/token");
        assert_eq!(e.api_base_url.as_str(), "https://api.fitbit.com/");
        assert_eq!(
            e.revoke_url.map(|u| u.to_string()).as_deref(),
            Some("https://api.fitbit.com/oauth2/revoke")
        );
        assert!(Fitbit.default_scopes().contains(&"sleep"));
    }

    #[test]
    fn the_verification_handshake_answers_no_content() {
        let expected = SecretString::from("abc");
        let query = vec![("verify".to_owned(), "abc".to_owned())];
        assert_eq!(
            Fitbit.answer_challenge(Some(&expected), &query),
            Ok(ChallengeAnswer::NoContent)
        );
        let wrong = vec![("verify".to_owned(), "abd".to_owned())];
        assert!(Fitbit.answer_challenge(Some(&expected), &wrong).is_err());
    }
}
