//! WHOOP webhooks: `X-WHOOP-Signature` = base64(HMAC-SHA256(client_secret,
//! `X-WHOOP-Signature-Timestamp` ++ raw body)), the timestamp in epoch milliseconds. Bodies are
//! notifications only: `{"user_id":10129,"id":"<uuid>","type":"sleep.updated","trace_id":".."}`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::ExposeSecret;
use serde::Deserialize;
use sha2::Sha256;

use crate::api::{EventType, InboundEvent, Notification};
use crate::webhook::{
    Verified, WebhookError, WebhookRequest, WebhookSecrets, check_timestamp, constant_time_eq,
    required_header,
};

const SIGNATURE_HEADER: &str = "x-whoop-signature";
const TIMESTAMP_HEADER: &str = "x-whoop-signature-timestamp";

/// One WHOOP event. `id` is a UUID for sleeps and workouts; for recoveries a cycle id (integer)
/// or a sleep UUID, depending on the webhook model.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WhoopNotification {
    #[serde(deserialize_with = "id_string")]
    pub user_id: String,
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// `workout.updated`, `sleep.deleted`, `recovery.updated`, …
    #[serde(rename = "type")]
    pub event: String,
    #[serde(default)]
    pub trace_id: Option<String>,
}

/// Accepts an id written as a JSON number or string.
fn id_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Int(i64),
        Text(String),
    }
    match Id::deserialize(d)? {
        Id::Int(n) => Ok(n.to_string()),
        Id::Text(s) if !s.trim().is_empty() => Ok(s),
        Id::Text(_) => Err(serde::de::Error::custom("empty id")),
    }
}

impl WhoopNotification {
    /// `(data type, event type)` from `type`: `sleep.updated` → `("sleep", Update)`.
    pub fn split_event(&self) -> Result<(&str, EventType), WebhookError> {
        let (data_type, action) = self
            .event
            .rsplit_once('.')
            .filter(|(d, a)| !d.is_empty() && !a.is_empty())
            .ok_or_else(|| WebhookError::Malformed(format!("whoop event `{}`", self.event)))?;
        let event_type = match action {
            "deleted" => EventType::Delete,
            "created" => EventType::Create,
            _ => EventType::Update,
        };
        Ok((data_type, event_type))
    }

    pub fn into_event(self) -> Result<InboundEvent, WebhookError> {
        let (data_type, event_type) = self.split_event()?;
        Ok(InboundEvent::Notification(Notification {
            event_type,
            data_type: data_type.to_owned(),
            provider_user_id: self.user_id,
            object_id: self.id,
            url: None,
        }))
    }
}

/// Checks the signature against every configured secret (empty ones never match), then the
/// timestamp window, then parses the notification.
pub fn verify_webhook(
    request: &WebhookRequest<'_>,
    secrets: &WebhookSecrets,
) -> Result<Verified<WhoopNotification>, WebhookError> {
    let signature = required_header(request.headers, SIGNATURE_HEADER)?;
    let timestamp = required_header(request.headers, TIMESTAMP_HEADER)?;
    let provided = STANDARD
        .decode(signature)
        .map_err(|_| WebhookError::BadSignature)?;
    let matched = secrets.secrets.iter().any(|secret| {
        let secret = secret.expose_secret();
        // An empty key is one anybody can sign with.
        !secret.is_empty() && constant_time_eq(&mac(secret, timestamp, request.body), &provided)
    });
    if !matched {
        return Err(WebhookError::BadSignature);
    }
    check_timestamp(parse_timestamp(timestamp)?, request.now, secrets.tolerance)?;
    let notification = parse(request.body)?;
    Ok(Verified::new(notification))
}

/// Parses a (verified) body.
pub(crate) fn parse(body: &[u8]) -> Result<WhoopNotification, WebhookError> {
    let notification: WhoopNotification = serde_json::from_slice(body)
        .map_err(|e| WebhookError::Malformed(format!("whoop notification: {e}")))?;
    notification.split_event()?;
    Ok(notification)
}

/// The `X-WHOOP-Signature` value for `timestamp_ms` and `body`, for tests and tools.
pub fn sign(secret: &str, timestamp_ms: &str, body: &[u8]) -> String {
    STANDARD.encode(mac(secret, timestamp_ms, body))
}

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this never fails; an empty MAC never matches.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return Vec::new();
    };
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Epoch milliseconds, as WHOOP sends them.
fn parse_timestamp(value: &str) -> Result<DateTime<Utc>, WebhookError> {
    let malformed =
        || WebhookError::Malformed(format!("{TIMESTAMP_HEADER} is not epoch milliseconds"));
    let ms: i64 = value.parse().map_err(|_| malformed())?;
    DateTime::from_timestamp_millis(ms).ok_or_else(malformed)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;
    use http::{HeaderMap, HeaderValue};
    use secrecy::SecretString;

    use super::*;

    const VECTOR_BODY: &[u8] = br#"{"user_id":10129,"id":"ecfc6a15-4661-442f-a9a4-f160dd7afae8","type":"sleep.updated","trace_id":"t1"}"#;
    const VECTOR_TS: &str = "1748241241000";
    const VECTOR_SIG: &str = "jkuVP3l0zLCAJrPkpooO2XzC/vnv9z0LXl8lPhH8dWg=";

    fn headers(signature: &str, timestamp: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "X-WHOOP-Signature",
            HeaderValue::from_str(signature).unwrap(),
        );
        headers.insert(
            "X-WHOOP-Signature-Timestamp",
            HeaderValue::from_str(timestamp).unwrap(),
        );
        headers
    }

    fn verify(
        headers: &HeaderMap,
        body: &[u8],
        list: &[&str],
    ) -> Result<WhoopNotification, WebhookError> {
        let request = WebhookRequest {
            headers,
            body,
            query: "",
            now: Utc.timestamp_millis_opt(1_748_241_241_000).unwrap()
                + chrono::Duration::seconds(30),
        };
        let secrets = WebhookSecrets::new(
            list.iter().map(|s| SecretString::from(*s)).collect(),
            Duration::from_secs(300),
        );
        verify_webhook(&request, &secrets).map(Verified::into_inner)
    }

    #[test]
    fn sign_matches_the_vendor_vector() {
        assert_eq!(sign("client-secret", VECTOR_TS, VECTOR_BODY), VECTOR_SIG);
    }

    #[test]
    fn the_vendor_vector_verifies_and_parses() {
        let n = verify(
            &headers(VECTOR_SIG, VECTOR_TS),
            VECTOR_BODY,
            &["client-secret"],
        )
        .unwrap();
        assert_eq!(n.user_id, "10129");
        assert_eq!(n.id, "ecfc6a15-4661-442f-a9a4-f160dd7afae8");
        assert_eq!(n.event, "sleep.updated");
        assert_eq!(n.trace_id.as_deref(), Some("t1"));
        assert_eq!(n.split_event().unwrap(), ("sleep", EventType::Update));
    }

    #[test]
    fn one_changed_byte_in_the_body_is_rejected() {
        let mut body = VECTOR_BODY.to_vec();
        let at = body.iter().position(|&b| b == b'9').unwrap();
        body[at] = b'8';
        assert_eq!(
            verify(&headers(VECTOR_SIG, VECTOR_TS), &body, &["client-secret"]),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn a_changed_timestamp_or_a_hex_signature_is_rejected() {
        assert_eq!(
            verify(
                &headers(VECTOR_SIG, "1748241241001"),
                VECTOR_BODY,
                &["client-secret"]
            ),
            Err(WebhookError::BadSignature)
        );
        let hex_sig = hex::encode(mac("client-secret", VECTOR_TS, VECTOR_BODY));
        assert_eq!(
            verify(
                &headers(&hex_sig, VECTOR_TS),
                VECTOR_BODY,
                &["client-secret"]
            ),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn a_stale_timestamp_is_rejected_even_when_correctly_signed() {
        let old = "1748240000000";
        let sig = sign("client-secret", old, VECTOR_BODY);
        assert_eq!(
            verify(&headers(&sig, old), VECTOR_BODY, &["client-secret"]),
            Err(WebhookError::StaleTimestamp)
        );
        // Seconds instead of milliseconds read as 1970: stale.
        let secs = "1748241241";
        let sig = sign("client-secret", secs, VECTOR_BODY);
        assert_eq!(
            verify(&headers(&sig, secs), VECTOR_BODY, &["client-secret"]),
            Err(WebhookError::StaleTimestamp)
        );
    }

    #[test]
    fn missing_headers_are_rejected() {
        let mut only_sig = HeaderMap::new();
        only_sig.insert("X-WHOOP-Signature", HeaderValue::from_static(VECTOR_SIG));
        assert_eq!(
            verify(&only_sig, VECTOR_BODY, &["client-secret"]),
            Err(WebhookError::MissingHeader(TIMESTAMP_HEADER))
        );
        assert_eq!(
            verify(&HeaderMap::new(), VECTOR_BODY, &["client-secret"]),
            Err(WebhookError::MissingHeader(SIGNATURE_HEADER))
        );
    }

    #[test]
    fn an_empty_secret_list_or_an_empty_secret_fails_closed() {
        assert_eq!(
            verify(&headers(VECTOR_SIG, VECTOR_TS), VECTOR_BODY, &[]),
            Err(WebhookError::BadSignature)
        );
        let forged = sign("", VECTOR_TS, VECTOR_BODY);
        assert_eq!(
            verify(&headers(&forged, VECTOR_TS), VECTOR_BODY, &[""]),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn during_rotation_a_previous_secret_still_matches() {
        let n = verify(
            &headers(VECTOR_SIG, VECTOR_TS),
            VECTOR_BODY,
            &["new-secret", "client-secret"],
        );
        assert_eq!(n.unwrap().user_id, "10129");
    }

    #[test]
    fn a_signed_body_that_is_not_a_notification_is_malformed() {
        for body in [
            &br#"{"hello":"world"}"#[..],
            br#"{"user_id":1,"id":"x","type":"nodot"}"#,
        ] {
            let sig = sign("client-secret", VECTOR_TS, body);
            let err = verify(&headers(&sig, VECTOR_TS), body, &["client-secret"]);
            assert!(matches!(err, Err(WebhookError::Malformed(_))), "{err:?}");
        }
    }

    #[test]
    fn events_map_to_data_types_and_event_types() {
        let parsed =
            parse(br#"{"user_id":"10129","id":93845,"type":"recovery.deleted","trace_id":"t"}"#)
                .unwrap();
        assert_eq!(parsed.id, "93845");
        match parsed.into_event().unwrap() {
            InboundEvent::Notification(n) => {
                assert_eq!(n.data_type, "recovery");
                assert_eq!(n.event_type, EventType::Delete);
                assert_eq!(n.object_id, "93845");
                assert_eq!(n.provider_user_id, "10129");
                assert_eq!(n.url, None);
            }
            other => panic!("{other:?}"),
        }
        let workout = parse(br#"{"user_id":1,"id":"w","type":"workout.updated"}"#).unwrap();
        assert_eq!(
            workout.split_event().unwrap(),
            ("workout", EventType::Update)
        );
    }
}
