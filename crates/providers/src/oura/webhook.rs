//! Oura webhooks: `x-oura-signature` = uppercase hex HMAC-SHA256(client_secret,
//! `x-oura-timestamp` ++ raw body); the subscription handshake echoes `{"challenge": ..}`.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::webhook::{
    Verified, WebhookError, WebhookRequest, WebhookSecrets, check_timestamp, constant_time_eq,
    required_header,
};

const SIGNATURE_HEADER: &str = "x-oura-signature";
const TIMESTAMP_HEADER: &str = "x-oura-timestamp";

/// One Oura event: something about `object_id` of `data_type` changed; fetch it by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OuraNotification {
    /// `create`, `update` or `delete`.
    pub event_type: String,
    /// Oura's data type (`sleep`, `workout`, `daily_activity`, …; may be one we do not fetch).
    pub data_type: String,
    pub object_id: String,
    #[serde(default)]
    pub event_time: Option<String>,
    pub user_id: String,
}

/// Verifies signature (any configured secret) and timestamp, then parses the notification.
pub fn verify_webhook(
    request: &WebhookRequest<'_>,
    secrets: &WebhookSecrets,
) -> Result<Verified<OuraNotification>, WebhookError> {
    let signature = required_header(request.headers, SIGNATURE_HEADER)?;
    let timestamp = required_header(request.headers, TIMESTAMP_HEADER)?;
    // Hex is case-insensitive: compare decoded bytes.
    let provided = hex::decode(signature).map_err(|_| WebhookError::BadSignature)?;
    let matched = secrets.secrets.iter().any(|secret| {
        let expected = mac(secret.expose_secret(), timestamp, request.body);
        constant_time_eq(&expected, &provided)
    });
    if !matched {
        return Err(WebhookError::BadSignature);
    }
    check_timestamp(parse_timestamp(timestamp)?, request.now, secrets.tolerance)?;
    let notification: OuraNotification = serde_json::from_slice(request.body)
        .map_err(|e| WebhookError::Malformed(format!("oura notification: {e}")))?;
    Ok(Verified::new(notification))
}

/// Answers the subscription handshake `GET ?verification_token=..&challenge=..`.
pub fn answer_challenge(
    expected_token: &SecretString,
    verification_token: &str,
    challenge: &str,
) -> Result<serde_json::Value, WebhookError> {
    let expected = expected_token.expose_secret().as_bytes();
    if expected.is_empty() || !constant_time_eq(expected, verification_token.as_bytes()) {
        return Err(WebhookError::BadVerificationToken);
    }
    Ok(serde_json::json!({ "challenge": challenge }))
}

/// The `x-oura-signature` value for `timestamp` and `body` (uppercase hex), for tests and tools.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    hex::encode_upper(mac(secret, timestamp, body))
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

/// Epoch seconds (milliseconds tolerated: 13-digit values).
fn parse_timestamp(value: &str) -> Result<DateTime<Utc>, WebhookError> {
    let malformed = || WebhookError::Malformed(format!("{TIMESTAMP_HEADER} is not epoch seconds"));
    let n: i64 = value.parse().map_err(|_| malformed())?;
    let dt = if n.abs() >= 100_000_000_000 {
        DateTime::from_timestamp_millis(n)
    } else {
        DateTime::from_timestamp(n, 0)
    };
    dt.ok_or_else(malformed)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;
    use http::{HeaderMap, HeaderValue};

    use super::*;

    const VECTOR_BODY: &[u8] = br#"{"event_type":"update","data_type":"sleep","object_id":"abc","event_time":"2024-01-01T08:00:00+00:00","user_id":"u1"}"#;
    const VECTOR_TS: &str = "1704096000";
    const VECTOR_SIG: &str = "F88F6B5C929E353113FCAAA3691A901EAE01963264B8B322019799344CA7490B";

    fn headers(signature: &str, timestamp: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
        headers.insert(TIMESTAMP_HEADER, HeaderValue::from_str(timestamp).unwrap());
        headers
    }

    fn secrets(list: &[&str]) -> WebhookSecrets {
        WebhookSecrets::new(
            list.iter().map(|s| SecretString::from(*s)).collect(),
            Duration::from_secs(300),
        )
    }

    fn vector_now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_704_096_000, 0).unwrap() + chrono::Duration::seconds(12)
    }

    fn verify(
        headers: &HeaderMap,
        body: &[u8],
        list: &[&str],
    ) -> Result<OuraNotification, WebhookError> {
        let request = WebhookRequest {
            query: "",
            headers,
            body,
            now: vector_now(),
        };
        verify_webhook(&request, &secrets(list)).map(Verified::into_inner)
    }

    #[test]
    fn sign_matches_the_vendor_vector() {
        assert_eq!(sign("client-secret", VECTOR_TS, VECTOR_BODY), VECTOR_SIG);
    }

    #[test]
    fn the_vendor_vector_verifies_in_either_case() {
        for sig in [VECTOR_SIG.to_owned(), VECTOR_SIG.to_lowercase()] {
            let n = verify(&headers(&sig, VECTOR_TS), VECTOR_BODY, &["client-secret"]).unwrap();
            assert_eq!(n.event_type, "update");
            assert_eq!(n.data_type, "sleep");
            assert_eq!(n.object_id, "abc");
            assert_eq!(n.user_id, "u1");
            assert_eq!(n.event_time.as_deref(), Some("2024-01-01T08:00:00+00:00"));
        }
    }

    #[test]
    fn a_tampered_body_is_rejected() {
        let body = String::from_utf8(VECTOR_BODY.to_vec())
            .unwrap()
            .replace("abc", "abd");
        let err = verify(
            &headers(VECTOR_SIG, VECTOR_TS),
            body.as_bytes(),
            &["client-secret"],
        );
        assert_eq!(err, Err(WebhookError::BadSignature));
    }

    #[test]
    fn a_signature_by_another_secret_is_rejected() {
        let err = verify(
            &headers(VECTOR_SIG, VECTOR_TS),
            VECTOR_BODY,
            &["other-secret"],
        );
        assert_eq!(err, Err(WebhookError::BadSignature));
        let err = verify(
            &headers("not-hex", VECTOR_TS),
            VECTOR_BODY,
            &["client-secret"],
        );
        assert_eq!(err, Err(WebhookError::BadSignature));
    }

    #[test]
    fn an_old_timestamp_is_rejected_even_when_correctly_signed() {
        let old = "1704090000";
        let sig = sign("client-secret", old, VECTOR_BODY);
        let err = verify(&headers(&sig, old), VECTOR_BODY, &["client-secret"]);
        assert_eq!(err, Err(WebhookError::StaleTimestamp));
    }

    #[test]
    fn missing_headers_are_rejected() {
        let mut only_sig = HeaderMap::new();
        only_sig.insert(SIGNATURE_HEADER, HeaderValue::from_static(VECTOR_SIG));
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
    fn an_empty_secret_list_fails_closed() {
        let err = verify(&headers(VECTOR_SIG, VECTOR_TS), VECTOR_BODY, &[]);
        assert_eq!(err, Err(WebhookError::BadSignature));
    }

    #[test]
    fn during_rotation_the_second_secret_may_match() {
        let n = verify(
            &headers(VECTOR_SIG, VECTOR_TS),
            VECTOR_BODY,
            &["new-secret", "client-secret"],
        );
        assert_eq!(n.unwrap().object_id, "abc");
    }

    #[test]
    fn a_signed_body_that_is_not_a_notification_is_malformed() {
        let body = br#"{"hello":"world"}"#;
        let sig = sign("client-secret", VECTOR_TS, body);
        let err = verify(&headers(&sig, VECTOR_TS), body, &["client-secret"]);
        assert!(matches!(err, Err(WebhookError::Malformed(_))));
    }

    #[test]
    fn the_challenge_is_echoed_only_for_the_right_token() {
        let token = SecretString::from("verify-me");
        let answer = answer_challenge(&token, "verify-me", "ch-123").unwrap();
        assert_eq!(answer, serde_json::json!({"challenge": "ch-123"}));
        assert_eq!(
            answer_challenge(&token, "verify-you", "ch-123"),
            Err(WebhookError::BadVerificationToken)
        );
        assert_eq!(
            answer_challenge(&SecretString::from(""), "", "ch"),
            Err(WebhookError::BadVerificationToken)
        );
    }
}
