//! Polar webhooks: `Polar-Webhook-Signature` = lowercase hex HMAC-SHA256(signature_secret_key,
//! raw body); the event name is repeated in `Polar-Webhook-Event`. The body's `timestamp` is
//! signed, so it bounds replays. The creation `PING` comes before the secret exists.

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

use crate::webhook::{
    Verified, WebhookError, WebhookRequest, WebhookSecrets, check_timestamp, constant_time_eq,
    required_header,
};

pub const SIGNATURE_HEADER: &str = "polar-webhook-signature";
pub const EVENT_HEADER: &str = "polar-webhook-event";

/// One Polar webhook body (`PING` has only `event` and `timestamp`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolarEvent {
    /// `EXERCISE`, `SLEEP`, `CONTINUOUS_HEART_RATE`, `ACTIVITY_SUMMARY`, `PHYSICAL_INFORMATION`,
    /// `SLEEP_WISE_ALERTNESS`, `SLEEP_WISE_CIRCADIAN_BEDTIME` or `PING` (others tolerated).
    pub event: String,
    /// Polar user id (the token response's `x_user_id`).
    #[serde(default)]
    pub user_id: Option<Value>,
    /// Hashed exercise id (`EXERCISE`).
    #[serde(default)]
    pub entity_id: Option<String>,
    /// Local date of a daily document (`SLEEP`, `CONTINUOUS_HEART_RATE`, `ACTIVITY_SUMMARY`).
    #[serde(default)]
    pub date: Option<String>,
    /// Date range (`SLEEP_WISE_*`).
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
    /// Where the new data is (`https://www.polaraccesslink.com/v3/...`).
    #[serde(default)]
    pub url: Option<String>,
}

impl PolarEvent {
    pub fn is_ping(&self) -> bool {
        self.event == "PING"
    }

    /// `user_id` as text (Polar sends a number).
    pub fn user_id(&self) -> Option<String> {
        match self.user_id.as_ref()? {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            _ => None,
        }
    }
}

/// A body that is exactly a PING: `{"event":"PING","timestamp":..}` and nothing else.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ping {
    event: String,
    timestamp: String,
}

/// Verifies a delivery: signature with any configured secret, then the signed timestamp window.
/// An exact PING body is accepted without a signature (its timestamp must still be fresh).
pub fn verify_webhook(
    request: &WebhookRequest<'_>,
    secrets: &WebhookSecrets,
) -> Result<Verified<PolarEvent>, WebhookError> {
    let header_event = request
        .headers
        .get(EVENT_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if let Ok(ping) = serde_json::from_slice::<Ping>(request.body)
        && ping.event == "PING"
        && header_event.is_none_or(|h| h == "PING")
    {
        check_timestamp(
            parse_timestamp(&ping.timestamp)?,
            request.now,
            secrets.tolerance,
        )?;
        return Ok(Verified::new(PolarEvent {
            event: ping.event,
            user_id: None,
            entity_id: None,
            date: None,
            from: None,
            to: None,
            timestamp: Some(ping.timestamp),
            url: None,
        }));
    }

    let signature = required_header(request.headers, SIGNATURE_HEADER)?;
    // Hex is case-insensitive: compare decoded bytes.
    let provided = hex::decode(signature).map_err(|_| WebhookError::BadSignature)?;
    let matched = secrets.secrets.iter().any(|secret| {
        let key = secret.expose_secret();
        !key.is_empty() && constant_time_eq(&mac(key, request.body), &provided)
    });
    if !matched {
        return Err(WebhookError::BadSignature);
    }
    let event: PolarEvent = serde_json::from_slice(request.body)
        .map_err(|e| WebhookError::Malformed(format!("polar webhook: {e}")))?;
    if let Some(header) = header_event
        && header != event.event
    {
        return Err(WebhookError::Malformed(format!(
            "{EVENT_HEADER} `{header}` does not match the body's event `{}`",
            event.event
        )));
    }
    let timestamp = event
        .timestamp
        .as_deref()
        .ok_or_else(|| WebhookError::Malformed("polar webhook without timestamp".into()))?;
    check_timestamp(parse_timestamp(timestamp)?, request.now, secrets.tolerance)?;
    Ok(Verified::new(event))
}

/// The `Polar-Webhook-Signature` value for `body` (lowercase hex), for tests and tools.
pub fn sign(secret: &str, body: &[u8]) -> String {
    hex::encode(mac(secret, body))
}

fn mac(secret: &str, body: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this never fails; an empty MAC never matches.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return Vec::new();
    };
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3339 (`2018-05-15T14:22:24Z`); a naive date-time is taken as UTC.
fn parse_timestamp(value: &str) -> Result<DateTime<Utc>, WebhookError> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(value) {
        return Ok(dt.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|dt| dt.and_utc())
        .map_err(|_| WebhookError::Malformed(format!("timestamp `{value}` is not RFC 3339")))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;
    use http::{HeaderMap, HeaderValue};
    use secrecy::SecretString;

    use super::*;

    const VECTOR_SECRET: &str = "abe1f3ae-fd33-11e8-8eb2-f2801f1b9fd1";
    const VECTOR_BODY: &[u8] = br#"{"event":"EXERCISE","user_id":475,"entity_id":"aQlC83","timestamp":"2018-05-15T14:22:24Z","url":"https://www.polaraccesslink.com/v3/exercises/aQlC83"}"#;
    const VECTOR_SIG: &str = "443ec69698c1de6d326902d7d942be1e83f0395f685b8c040cee609660d006d6";

    fn headers(signature: Option<&str>, event: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(signature) = signature {
            headers.insert(
                "Polar-Webhook-Signature",
                HeaderValue::from_str(signature).unwrap(),
            );
        }
        if let Some(event) = event {
            headers.insert("Polar-Webhook-Event", HeaderValue::from_str(event).unwrap());
        }
        headers
    }

    fn vector_now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2018, 5, 15, 14, 22, 30).unwrap()
    }

    fn verify_at(
        headers: &HeaderMap,
        body: &[u8],
        list: &[&str],
        now: DateTime<Utc>,
    ) -> Result<PolarEvent, WebhookError> {
        let request = WebhookRequest {
            query: "",
            headers,
            body,
            now,
        };
        let secrets = WebhookSecrets::new(
            list.iter().map(|s| SecretString::from(*s)).collect(),
            Duration::from_secs(300),
        );
        verify_webhook(&request, &secrets).map(Verified::into_inner)
    }

    fn verify(headers: &HeaderMap, body: &[u8], list: &[&str]) -> Result<PolarEvent, WebhookError> {
        verify_at(headers, body, list, vector_now())
    }

    #[test]
    fn sign_matches_the_vendor_vector() {
        assert_eq!(sign(VECTOR_SECRET, VECTOR_BODY), VECTOR_SIG);
    }

    #[test]
    fn the_vendor_vector_verifies_with_or_without_the_event_header_in_either_case() {
        for sig in [VECTOR_SIG.to_owned(), VECTOR_SIG.to_uppercase()] {
            for event in [None, Some("EXERCISE")] {
                let e = verify(&headers(Some(&sig), event), VECTOR_BODY, &[VECTOR_SECRET]).unwrap();
                assert_eq!(e.event, "EXERCISE");
                assert_eq!(e.user_id().as_deref(), Some("475"));
                assert_eq!(e.entity_id.as_deref(), Some("aQlC83"));
            }
        }
    }

    #[test]
    fn a_body_with_one_changed_byte_is_rejected() {
        let mut body = VECTOR_BODY.to_vec();
        let at = body.iter().position(|&b| b == b'4').unwrap();
        body[at] = b'5';
        let err = verify(&headers(Some(VECTOR_SIG), None), &body, &[VECTOR_SECRET]);
        assert_eq!(err, Err(WebhookError::BadSignature));
    }

    #[test]
    fn a_stale_or_future_timestamp_is_rejected_even_when_correctly_signed() {
        let h = headers(Some(VECTOR_SIG), None);
        let late = vector_now() + chrono::Duration::minutes(10);
        assert_eq!(
            verify_at(&h, VECTOR_BODY, &[VECTOR_SECRET], late),
            Err(WebhookError::StaleTimestamp)
        );
        let early = vector_now() - chrono::Duration::minutes(10);
        assert_eq!(
            verify_at(&h, VECTOR_BODY, &[VECTOR_SECRET], early),
            Err(WebhookError::StaleTimestamp)
        );
    }

    #[test]
    fn a_missing_signature_header_is_rejected() {
        assert_eq!(
            verify(
                &headers(None, Some("EXERCISE")),
                VECTOR_BODY,
                &[VECTOR_SECRET]
            ),
            Err(WebhookError::MissingHeader(SIGNATURE_HEADER))
        );
    }

    #[test]
    fn an_empty_secret_list_or_empty_secrets_fail_closed() {
        let h = headers(Some(VECTOR_SIG), None);
        assert_eq!(
            verify(&h, VECTOR_BODY, &[]),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify(&h, VECTOR_BODY, &[""]),
            Err(WebhookError::BadSignature)
        );
        let empty_key_sig = sign("", VECTOR_BODY);
        let h = headers(Some(&empty_key_sig), None);
        assert_eq!(
            verify(&h, VECTOR_BODY, &[""]),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn during_rotation_any_configured_secret_may_match() {
        let h = headers(Some(VECTOR_SIG), None);
        let e = verify(&h, VECTOR_BODY, &["new-key", VECTOR_SECRET]).unwrap();
        assert_eq!(
            e.url.as_deref(),
            Some("https://www.polaraccesslink.com/v3/exercises/aQlC83")
        );
        assert_eq!(
            verify(&headers(Some("zz"), None), VECTOR_BODY, &[VECTOR_SECRET]),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn a_mismatched_event_header_is_malformed() {
        let err = verify(
            &headers(Some(VECTOR_SIG), Some("SLEEP")),
            VECTOR_BODY,
            &[VECTOR_SECRET],
        );
        assert!(matches!(err, Err(WebhookError::Malformed(_))));
    }

    #[test]
    fn an_exact_ping_is_accepted_unsigned_but_nothing_else_is() {
        let ping = br#"{"event":"PING","timestamp":"2018-05-15T14:22:24Z"}"#;
        let e = verify(&headers(None, Some("PING")), ping, &[]).unwrap();
        assert!(e.is_ping());
        // A stale ping is still refused.
        let late = vector_now() + chrono::Duration::hours(1);
        assert_eq!(
            verify_at(&headers(None, None), ping, &[], late),
            Err(WebhookError::StaleTimestamp)
        );
        // A "ping" that carries more than a ping needs a signature.
        let smuggled = br#"{"event":"PING","timestamp":"2018-05-15T14:22:24Z","user_id":475}"#;
        assert_eq!(
            verify(&headers(None, None), smuggled, &[VECTOR_SECRET]),
            Err(WebhookError::MissingHeader(SIGNATURE_HEADER))
        );
        // A ping body announced as another event needs a signature too.
        assert_eq!(
            verify(&headers(None, Some("EXERCISE")), ping, &[VECTOR_SECRET]),
            Err(WebhookError::MissingHeader(SIGNATURE_HEADER))
        );
    }

    #[test]
    fn a_signed_body_without_a_timestamp_or_not_json_is_malformed() {
        let body = br#"{"event":"SLEEP","user_id":1,"date":"2024-01-15"}"#;
        let h = headers(Some(&sign("k", body)), None);
        assert!(matches!(
            verify(&h, body, &["k"]),
            Err(WebhookError::Malformed(_))
        ));
        let body = b"not json";
        let h = headers(Some(&sign("k", body)), None);
        assert!(matches!(
            verify(&h, body, &["k"]),
            Err(WebhookError::Malformed(_))
        ));
    }
}
