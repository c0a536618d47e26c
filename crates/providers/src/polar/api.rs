//! [`ProviderApi`] for Polar: Basic-auth code exchange, `x_user_id` account, mandatory user
//! registration, no refresh, signed notify-only webhooks with entity dates/ids, REST pull.

use chrono::{DateTime, Utc};
use domain::{NormalizedBatch, Provider, TimeWindow};
use secrecy::SecretString;

use super::{PolarClient, PolarDataType, PolarEvent, Registration, oauth, webhook};
use crate::api::{
    ApiContext, Authorized, Capabilities, Delivery, EventType, InboundEvent, Notification,
    OAuthContext, ProviderAccount, ProviderApi,
};
use crate::error::{ProviderError, TransformError};
use crate::oauth::{OAuthClient, TokenSet};
use crate::webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets};
use crate::{FetchedPayload, ProviderEndpoints};

pub struct Polar;

impl Polar {
    /// `DELETE /v3/users/{polar_user_id}`: the provider's deregistration. Needs the account id
    /// ([`ProviderAccount::id`] from `connect`), which [`ProviderApi::disconnect`] is not given.
    pub async fn deregister(
        &self,
        ctx: OAuthContext<'_>,
        access_token: &SecretString,
        polar_user_id: &str,
    ) -> Result<(), ProviderError> {
        PolarClient::new(ctx.endpoints.api_base_url.clone(), ctx.sender.clone())
            .deregister_user(access_token, polar_user_id)
            .await
    }
}

/// Polar's event name → (our data type name, event type, where the object id is).
fn notification(event: PolarEvent) -> Result<Notification, WebhookError> {
    let provider_user_id = event
        .user_id()
        .ok_or_else(|| WebhookError::Malformed(format!("polar {} without user_id", event.event)))?;
    let date = || {
        event
            .date
            .clone()
            .ok_or_else(|| WebhookError::Malformed(format!("polar {} without date", event.event)))
    };
    let (data_type, event_type, object_id) = match event.event.as_str() {
        "EXERCISE" => {
            let id = event.entity_id.clone().ok_or_else(|| {
                WebhookError::Malformed("polar EXERCISE without entity_id".into())
            })?;
            ("exercise".to_owned(), EventType::Create, id)
        }
        // Daily documents grow during the day: each notice is a new version of the date's document.
        "SLEEP" => ("sleep".to_owned(), EventType::Update, date()?),
        "CONTINUOUS_HEART_RATE" => (
            "continuous_heart_rate".to_owned(),
            EventType::Update,
            date()?,
        ),
        "ACTIVITY_SUMMARY" => ("activity".to_owned(), EventType::Update, date()?),
        "PHYSICAL_INFORMATION" => (
            "physical_info".to_owned(),
            EventType::Update,
            event.timestamp.clone().unwrap_or_default(),
        ),
        // SleepWise and anything new: passed on under its own name; not fetched.
        other => {
            let range = match (&event.from, &event.to) {
                (Some(from), Some(to)) => format!("{from}..{to}"),
                _ => event
                    .date
                    .clone()
                    .or(event.entity_id.clone())
                    .unwrap_or_default(),
            };
            (other.to_ascii_lowercase(), EventType::Update, range)
        }
    };
    Ok(Notification {
        provider_user_id,
        event_type,
        data_type,
        object_id,
        url: event.url,
    })
}

impl ProviderApi for Polar {
    fn provider(&self) -> Provider {
        Provider::Polar
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            delivery: Delivery::Notify,
            data_types: &PolarDataType::NAMES,
            // Sleep, Nightly Recharge, continuous HR and biosensing lists cover 28 days.
            max_backfill_days: 28,
        }
    }

    fn default_endpoints(&self) -> ProviderEndpoints {
        super::endpoints()
    }

    fn default_scopes(&self) -> &'static [&'static str] {
        super::SCOPES
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
        let tokens: TokenSet = self
            .oauth_client(ctx)?
            .exchange_code(code, pkce_verifier, now)
            .await?;
        let polar_user_id = oauth::x_user_id(&tokens)?;
        let client = PolarClient::new(ctx.endpoints.api_base_url.clone(), ctx.sender.clone());
        match client
            .register_user(&tokens.access_token, &oauth::member_id(&polar_user_id))
            .await?
        {
            Registration::Registered(_) | Registration::AlreadyRegistered => {}
        }
        Ok(Authorized {
            tokens,
            account: ProviderAccount {
                id: polar_user_id,
                username: None,
            },
        })
    }

    /// Polar has no refresh tokens: the access token lives until it expires or is revoked.
    async fn refresh(
        &self,
        _ctx: OAuthContext<'_>,
        _refresh_token: &SecretString,
        _now: DateTime<Utc>,
    ) -> Result<TokenSet, ProviderError> {
        Err(ProviderError::RefreshRejected(
            "polar issues no refresh tokens; the user must authorize again".into(),
        ))
    }

    /// Polar has no token revocation; deregistration needs the Polar user id, see
    /// [`Polar::deregister`].
    async fn disconnect(
        &self,
        _ctx: OAuthContext<'_>,
        _access_token: &SecretString,
    ) -> Result<(), ProviderError> {
        Err(ProviderError::InvalidResponse(
            "polar deregistration needs the Polar user id: use providers::polar::Polar::deregister"
                .into(),
        ))
    }

    fn verify_webhook(
        &self,
        request: &WebhookRequest<'_>,
        secrets: &WebhookSecrets,
    ) -> Result<Verified<()>, WebhookError> {
        webhook::verify_webhook(request, secrets).map(|_| Verified::new(()))
    }

    fn parse_webhook(&self, body: &[u8]) -> Result<Vec<InboundEvent>, WebhookError> {
        let event: PolarEvent = serde_json::from_slice(body)
            .map_err(|e| WebhookError::Malformed(format!("polar webhook: {e}")))?;
        if event.is_ping() {
            return Ok(Vec::new());
        }
        Ok(vec![InboundEvent::Notification(notification(event)?)])
    }

    async fn fetch_window(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        window: TimeWindow,
        data_types: &[String],
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let types: Vec<PolarDataType> = if data_types.is_empty() {
            PolarDataType::ALL.to_vec()
        } else {
            data_types.iter().filter_map(|t| t.parse().ok()).collect()
        };
        PolarClient::new(api.api_base_url.clone(), api.sender.clone())
            .fetch_window(token, window, &types)
            .await
    }

    async fn fetch_notified(
        &self,
        api: ApiContext<'_>,
        token: &SecretString,
        notification: &Notification,
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let Ok(data_type) = notification.data_type.parse::<PolarDataType>() else {
            return Ok(Vec::new());
        };
        PolarClient::new(api.api_base_url.clone(), api.sender.clone())
            .fetch_notified(token, data_type, &notification.object_id)
            .await
    }

    fn normalize(&self, kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
        super::transformers::normalize(kind, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<Vec<InboundEvent>, WebhookError> {
        Polar.parse_webhook(body.as_bytes())
    }

    fn only(events: Vec<InboundEvent>) -> Notification {
        match events.as_slice() {
            [InboundEvent::Notification(n)] => n.clone(),
            other => panic!("expected one notification, got {other:?}"),
        }
    }

    #[test]
    fn an_exercise_notice_names_the_entity_and_its_url() {
        let n = only(parse(r#"{"event":"EXERCISE","user_id":475,"entity_id":"aQlC83","timestamp":"2018-05-15T14:22:24Z","url":"https://www.polaraccesslink.com/v3/exercises/aQlC83"}"#).unwrap());
        assert_eq!(n.provider_user_id, "475");
        assert_eq!(n.data_type, "exercise");
        assert_eq!(n.object_id, "aQlC83");
        assert_eq!(n.event_type, EventType::Create);
        assert_eq!(
            n.url.as_deref(),
            Some("https://www.polaraccesslink.com/v3/exercises/aQlC83")
        );
    }

    #[test]
    fn daily_notices_carry_their_date_as_object_id() {
        for (event, data_type) in [
            ("SLEEP", "sleep"),
            ("CONTINUOUS_HEART_RATE", "continuous_heart_rate"),
            ("ACTIVITY_SUMMARY", "activity"),
        ] {
            let body = format!(
                r#"{{"event":"{event}","user_id":475,"date":"2022-09-30","timestamp":"2022-10-02T14:22:24Z","url":"https://x/v3/y"}}"#
            );
            let n = only(parse(&body).unwrap());
            assert_eq!(n.data_type, data_type);
            assert_eq!(n.object_id, "2022-09-30");
            assert_eq!(n.event_type, EventType::Update);
        }
        let missing_date = r#"{"event":"SLEEP","user_id":475,"timestamp":"2022-10-02T14:22:24Z"}"#;
        assert!(matches!(
            parse(missing_date),
            Err(WebhookError::Malformed(_))
        ));
    }

    #[test]
    fn pings_yield_nothing_and_unknown_events_pass_through_by_name() {
        assert!(
            parse(r#"{"event":"PING","timestamp":"2018-05-15T14:22:24Z"}"#)
                .unwrap()
                .is_empty()
        );
        let n = only(parse(r#"{"event":"SLEEP_WISE_ALERTNESS","user_id":475,"from":"2022-09-30","to":"2022-10-02","timestamp":"2022-10-02T14:22:24Z"}"#).unwrap());
        assert_eq!(n.data_type, "sleep_wise_alertness");
        assert_eq!(n.object_id, "2022-09-30..2022-10-02");
        let n = only(parse(r#"{"event":"PHYSICAL_INFORMATION","user_id":"475","timestamp":"2025-12-31T14:22:24Z"}"#).unwrap());
        assert_eq!(n.data_type, "physical_info");
        assert_eq!(n.provider_user_id, "475");
        assert!(matches!(
            parse(r#"{"event":"EXERCISE","entity_id":"x"}"#),
            Err(WebhookError::Malformed(_))
        ));
        assert!(matches!(parse("[]"), Err(WebhookError::Malformed(_))));
    }

    #[test]
    fn capabilities_list_every_kind_normalize_accepts() {
        let caps = Polar.capabilities();
        assert_eq!(caps.delivery, Delivery::Notify);
        for kind in caps.data_types {
            assert!(kind.parse::<PolarDataType>().is_ok(), "{kind}");
        }
        assert_eq!(caps.data_types.len(), PolarDataType::ALL.len());
    }
}
