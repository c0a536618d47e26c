//! Strava webhooks. Strava signs nothing; a delivery is authentic when the callback URL's query
//! carries our secret `token` (see the module docs of [`crate::strava`]). The subscription
//! handshake `GET ?hub.mode=subscribe&hub.challenge=..&hub.verify_token=..` is answered with
//! `{"hub.challenge": ..}`.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::api::{EventType, InboundEvent, Notification};
use crate::webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets, constant_time_eq};

/// The query parameter of the callback URL that carries our secret.
pub const TOKEN_PARAM: &str = "token";

/// One Strava event (`object_type` `activity` or `athlete`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StravaEvent {
    pub object_type: String,
    #[serde(deserialize_with = "text")]
    pub object_id: String,
    /// `create`, `update` or `delete`.
    pub aspect_type: String,
    /// For activity updates `title`/`type`/`private`; for athletes `authorized: "false"`.
    #[serde(default)]
    pub updates: serde_json::Map<String, Value>,
    /// The athlete id.
    #[serde(deserialize_with = "text")]
    pub owner_id: String,
    #[serde(default)]
    pub subscription_id: Option<Value>,
    #[serde(default)]
    pub event_time: Option<i64>,
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) if !s.is_empty() => Ok(s),
        other => Err(serde::de::Error::custom(format!("not an id: {other}"))),
    }
}

impl StravaEvent {
    /// `updates.authorized` is `"false"` (Strava sends strings; a JSON `false` is accepted too).
    fn deauthorizes(&self) -> bool {
        match self.updates.get("authorized") {
            Some(Value::String(s)) => s.eq_ignore_ascii_case("false"),
            Some(Value::Bool(b)) => !b,
            _ => false,
        }
    }

    /// What this event means for Wearhouse; unknown object or aspect types mean nothing.
    pub fn to_events(&self) -> Vec<InboundEvent> {
        let event_type = match self.aspect_type.as_str() {
            "create" => EventType::Create,
            "update" => EventType::Update,
            "delete" => EventType::Delete,
            _ => return Vec::new(),
        };
        match self.object_type.as_str() {
            "activity" => vec![InboundEvent::Notification(Notification {
                provider_user_id: self.owner_id.clone(),
                event_type,
                data_type: super::StravaDataType::Activity.as_str().to_owned(),
                object_id: self.object_id.clone(),
                url: None,
            })],
            "athlete" if self.deauthorizes() || event_type == EventType::Delete => {
                vec![InboundEvent::Deauthorized {
                    provider_user_id: self.owner_id.clone(),
                }]
            }
            _ => Vec::new(),
        }
    }
}

/// Checks the callback token (any configured secret, constant time), then parses the event.
pub fn verify_webhook(
    request: &WebhookRequest<'_>,
    secrets: &WebhookSecrets,
) -> Result<Verified<StravaEvent>, WebhookError> {
    let presented = url::form_urlencoded::parse(request.query.as_bytes())
        .find(|(k, _)| k == TOKEN_PARAM)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
        .ok_or(WebhookError::MissingHeader(TOKEN_PARAM))?;
    // Every secret is compared (no early exit), and empty secrets never match.
    let matched = secrets.secrets.iter().fold(false, |found, secret| {
        let secret = secret.expose_secret().as_bytes();
        let equal = !secret.is_empty() && constant_time_eq(secret, presented.as_bytes());
        found | equal
    });
    if !matched {
        return Err(WebhookError::BadSignature);
    }
    let event: StravaEvent = serde_json::from_slice(request.body)
        .map_err(|e| WebhookError::Malformed(format!("strava event: {e}")))?;
    Ok(Verified::new(event))
}

/// Answers the subscription validation request from its query pairs.
pub fn answer_challenge(
    expected_token: Option<&SecretString>,
    query: &[(String, String)],
) -> Result<Value, WebhookError> {
    let get = |name: &'static str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .ok_or(WebhookError::MissingHeader(name))
    };
    let expected = expected_token
        .map(|t| t.expose_secret().as_bytes())
        .filter(|t| !t.is_empty())
        .ok_or(WebhookError::BadVerificationToken)?;
    let mode = get("hub.mode")?;
    let token = get("hub.verify_token")?;
    let challenge = get("hub.challenge")?;
    if !constant_time_eq(expected, token.as_bytes()) {
        return Err(WebhookError::BadVerificationToken);
    }
    if mode != "subscribe" {
        return Err(WebhookError::Malformed(format!(
            "hub.mode is `{mode}`, expected `subscribe`"
        )));
    }
    Ok(serde_json::json!({ "hub.challenge": challenge }))
}

#[cfg(test)]
mod tests;
