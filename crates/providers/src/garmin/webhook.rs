//! Garmin webhooks: unsigned, so we authenticate them ourselves (client id header + secret URL
//! token), then split the body `{"<summary type>": [items..], ..}` into events.

mod envelope;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::GarminDataType;
use crate::api::{EventType, InboundEvent, Notification};
use crate::webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets, constant_time_eq};

/// The header Garmin sets to the consumer key (client id) of the app a notification is for.
pub const CLIENT_ID_HEADER: &str = "garmin-client-id";
/// The query parameter of our webhook URL that carries the shared secret.
pub const TOKEN_PARAM: &str = "token";
/// Shorter URL tokens are ignored: a guessable token would make the check worthless.
pub const MIN_TOKEN_LEN: usize = 16;

/// The [`WebhookSecrets`] entry for our Garmin app: `"<client id>:<url token>"`.
pub fn webhook_secret(client_id: &str, url_token: &str) -> SecretString {
    SecretString::from(format!("{client_id}:{url_token}"))
}

/// Accepts a delivery only when some configured entry `"<client id>:<url token>"` matches both
/// the `garmin-client-id` header and the `token` query parameter (constant-time compares).
/// Entries without `:` (such as a client secret used as the fallback) or with a token shorter than
/// [`MIN_TOKEN_LEN`] never match, so a missing configuration fails closed. Garmin sends no
/// timestamp: there is no replay window, deliveries are idempotent upserts instead.
pub fn verify_webhook(
    request: &WebhookRequest<'_>,
    secrets: &WebhookSecrets,
) -> Result<Verified<()>, WebhookError> {
    let client_id = crate::webhook::required_header(request.headers, CLIENT_ID_HEADER)?;
    let token = url::form_urlencoded::parse(request.query.as_bytes())
        .find(|(k, _)| k == TOKEN_PARAM)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
        .ok_or(WebhookError::MissingHeader(TOKEN_PARAM))?;
    let mut matched = false;
    for secret in &secrets.secrets {
        let Some((expected_id, expected_token)) = secret.expose_secret().split_once(':') else {
            continue;
        };
        if expected_id.is_empty() || expected_token.len() < MIN_TOKEN_LEN {
            continue;
        }
        // Both compares always run: no early exit on the first mismatch.
        let id_ok = constant_time_eq(expected_id.as_bytes(), client_id.as_bytes());
        let token_ok = constant_time_eq(expected_token.as_bytes(), token.as_bytes());
        matched |= id_ok & token_ok;
    }
    if matched {
        Ok(Verified::new(()))
    } else {
        Err(WebhookError::BadVerificationToken)
    }
}

/// The fields of one list item we need for routing.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default, rename = "callbackURL")]
    callback_url: Option<String>,
    #[serde(default)]
    summary_id: Option<serde_json::Value>,
    #[serde(default)]
    upload_start_time_in_seconds: Option<serde_json::Value>,
    #[serde(default)]
    upload_end_time_in_seconds: Option<serde_json::Value>,
    #[serde(default)]
    permissions: Option<Vec<String>>,
}

/// The events of a verified body: one per item of every list we ingest, in body order.
pub(crate) fn parse(body: &[u8]) -> Result<Vec<InboundEvent>, WebhookError> {
    let lists =
        envelope::lists(body).map_err(|e| WebhookError::Malformed(format!("garmin: {e}")))?;
    let mut events = Vec::new();
    for list in lists {
        let data_type = list.key.parse::<GarminDataType>().ok();
        let lifecycle = matches!(
            list.key.as_str(),
            "deregistrations" | "userPermissionsChange"
        );
        if data_type.is_none() && !lifecycle {
            // activityFiles, moveIQActivities, mct and unknown lists are not ingested.
            continue;
        }
        for (index, range) in list.items.into_iter().enumerate() {
            let raw = &body[range];
            let malformed = |what: &str| {
                WebhookError::Malformed(format!("garmin {}[{index}]: {what}", list.key))
            };
            let item: Item = serde_json::from_slice(raw).map_err(|e| malformed(&e.to_string()))?;
            let user_id = item
                .user_id
                .clone()
                .filter(|u| !u.is_empty())
                .ok_or_else(|| malformed("missing userId"))?;
            let event = match (list.key.as_str(), data_type) {
                ("deregistrations", _) => InboundEvent::Deauthorized {
                    provider_user_id: user_id,
                },
                ("userPermissionsChange", _) => InboundEvent::PermissionsChanged {
                    provider_user_id: user_id,
                    permissions: item
                        .permissions
                        .ok_or_else(|| malformed("missing permissions"))?,
                },
                (_, Some(data_type)) => match &item.callback_url {
                    Some(url) => InboundEvent::Notification(Notification {
                        object_id: ping_object_id(&item, &user_id),
                        provider_user_id: user_id,
                        event_type: EventType::Update,
                        data_type: data_type.as_str().to_owned(),
                        url: Some(url.clone()),
                    }),
                    None => InboundEvent::Data {
                        provider_user_id: user_id,
                        kind: data_type.as_str().to_owned(),
                        body: raw.to_vec(),
                    },
                },
                (_, None) => continue,
            };
            events.push(event);
        }
    }
    Ok(events)
}

/// The summary id when the ping names one, else `userId:uploadStart-uploadEnd`.
fn ping_object_id(item: &Item, user_id: &str) -> String {
    let text = |v: &Option<serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let summary = text(&item.summary_id);
    if !summary.is_empty() {
        return summary;
    }
    format!(
        "{user_id}:{}-{}",
        text(&item.upload_start_time_in_seconds),
        text(&item.upload_end_time_in_seconds)
    )
}

#[cfg(test)]
mod tests;
