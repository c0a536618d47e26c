//! Fitbit subscription notifications: a JSON array signed with `X-Fitbit-Signature` =
//! base64(HMAC-SHA1(key = client_secret + "&", raw body)); the subscriber verification is
//! `GET ?verify=<code>` → 204 for our code.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::sha1::hmac_sha1;
use crate::api::{EventType, InboundEvent, Notification};
use crate::webhook::{
    Verified, WebhookError, WebhookRequest, WebhookSecrets, constant_time_eq, required_header,
};

pub const SIGNATURE_HEADER: &str = "x-fitbit-signature";

/// One entry of a notification body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FitbitNotification {
    /// `activities`, `body`, `foods`, `sleep`, `userRevokedAccess`, `deleteUser`.
    pub collection_type: String,
    /// The local day whose data changed (absent on some account events).
    #[serde(default)]
    pub date: Option<String>,
    pub owner_id: String,
    #[serde(default)]
    pub owner_type: Option<String>,
    pub subscription_id: String,
}

/// The `X-Fitbit-Signature` value of `body` under `secret` (for tests and tools).
pub fn sign(secret: &str, body: &[u8]) -> String {
    STANDARD.encode(mac(secret, body))
}

fn mac(secret: &str, body: &[u8]) -> [u8; 20] {
    let key = format!("{secret}&");
    hmac_sha1(key.as_bytes(), body)
}

/// Checks the signature against every configured (non-empty) secret and parses the body.
pub fn verify_webhook(
    request: &WebhookRequest<'_>,
    secrets: &WebhookSecrets,
) -> Result<Verified<Vec<FitbitNotification>>, WebhookError> {
    let signature = required_header(request.headers, SIGNATURE_HEADER)?;
    let provided = STANDARD
        .decode(signature)
        .map_err(|_| WebhookError::BadSignature)?;
    let matched = secrets
        .secrets
        .iter()
        .map(|s| s.expose_secret())
        .filter(|s| !s.is_empty())
        .any(|secret| constant_time_eq(&mac(secret, request.body), &provided));
    if !matched {
        return Err(WebhookError::BadSignature);
    }
    parse(request.body).map(Verified::new)
}

/// The notifications of a body: a JSON array (Fitbit batches several).
pub(crate) fn parse(body: &[u8]) -> Result<Vec<FitbitNotification>, WebhookError> {
    serde_json::from_slice(body)
        .map_err(|e| WebhookError::Malformed(format!("fitbit notification: {e}")))
}

/// Notifications → events: account collections are deauthorizations, the others "fetch this
/// collection for this day" (`object_id` = the date). Entries about non-user owners are skipped.
pub(crate) fn events(notifications: Vec<FitbitNotification>) -> Vec<InboundEvent> {
    notifications
        .into_iter()
        .filter(|n| n.owner_type.as_deref().is_none_or(|t| t == "user"))
        .map(|n| match n.collection_type.as_str() {
            "userRevokedAccess" | "deleteUser" => InboundEvent::Deauthorized {
                provider_user_id: n.owner_id,
            },
            _ => InboundEvent::Notification(Notification {
                provider_user_id: n.owner_id,
                event_type: EventType::Update,
                data_type: n.collection_type,
                object_id: n.date.unwrap_or_default(),
                url: None,
            }),
        })
        .collect()
}

/// `GET ?verify=<code>`: 204 when `code` is our verification code.
pub(crate) fn check_verification_code(
    expected: Option<&SecretString>,
    query: &[(String, String)],
) -> Result<(), WebhookError> {
    let code = query
        .iter()
        .find(|(k, _)| k == "verify")
        .map(|(_, v)| v.as_str())
        .ok_or(WebhookError::MissingHeader("verify"))?;
    let expected = expected
        .map(|e| e.expose_secret().as_bytes())
        .filter(|e| !e.is_empty())
        .ok_or(WebhookError::BadVerificationToken)?;
    if constant_time_eq(expected, code.as_bytes()) {
        Ok(())
    } else {
        Err(WebhookError::BadVerificationToken)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{TimeZone, Utc};
    use http::{HeaderMap, HeaderValue};

    use super::*;

    const VECTOR_BODY: &[u8] = br#"[{"collectionType":"sleep","date":"2024-01-15","ownerId":"184X36","ownerType":"user","subscriptionId":"2345"}]"#;
    const VECTOR_SIG: &str = "StAVANqKeDPHyDKKnbAqMoJQyJo=";

    fn verify(
        signature: Option<&str>,
        body: &[u8],
        secrets: &[&str],
    ) -> Result<Vec<FitbitNotification>, WebhookError> {
        let mut headers = HeaderMap::new();
        if let Some(signature) = signature {
            headers.insert(
                "X-Fitbit-Signature",
                HeaderValue::from_str(signature).unwrap(),
            );
        }
        let request = WebhookRequest {
            headers: &headers,
            body,
            query: "",
            now: Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap(),
        };
        let secrets = WebhookSecrets::new(
            secrets.iter().map(|s| SecretString::from(*s)).collect(),
            Duration::from_secs(300),
        );
        verify_webhook(&request, &secrets).map(Verified::into_inner)
    }

    #[test]
    fn sign_matches_the_vendor_vector() {
        assert_eq!(sign("client-secret", VECTOR_BODY), VECTOR_SIG);
    }

    #[test]
    fn the_vendor_vector_verifies_and_parses() {
        let parsed = verify(Some(VECTOR_SIG), VECTOR_BODY, &["client-secret"]).unwrap();
        assert_eq!(
            parsed,
            vec![FitbitNotification {
                collection_type: "sleep".into(),
                date: Some("2024-01-15".into()),
                owner_id: "184X36".into(),
                owner_type: Some("user".into()),
                subscription_id: "2345".into(),
            }]
        );
    }

    #[test]
    fn a_changed_byte_is_rejected() {
        let mut body = VECTOR_BODY.to_vec();
        body[40] ^= 1;
        assert_eq!(
            verify(Some(VECTOR_SIG), &body, &["client-secret"]),
            Err(WebhookError::BadSignature)
        );
        let mut signature = STANDARD.decode(VECTOR_SIG).unwrap();
        signature[0] ^= 1;
        assert_eq!(
            verify(
                Some(&STANDARD.encode(signature)),
                VECTOR_BODY,
                &["client-secret"]
            ),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn a_signature_by_another_secret_or_not_base64_is_rejected() {
        assert_eq!(
            verify(Some(VECTOR_SIG), VECTOR_BODY, &["other-secret"]),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify(Some("***"), VECTOR_BODY, &["client-secret"]),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn a_missing_header_is_rejected() {
        assert_eq!(
            verify(None, VECTOR_BODY, &["client-secret"]),
            Err(WebhookError::MissingHeader(SIGNATURE_HEADER))
        );
    }

    #[test]
    fn an_empty_secret_list_or_an_empty_secret_fails_closed() {
        assert_eq!(
            verify(Some(VECTOR_SIG), VECTOR_BODY, &[]),
            Err(WebhookError::BadSignature)
        );
        let empty_key_sig = sign("", VECTOR_BODY);
        assert_eq!(
            verify(Some(&empty_key_sig), VECTOR_BODY, &[""]),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn during_rotation_the_previous_secret_still_matches() {
        let parsed = verify(
            Some(VECTOR_SIG),
            VECTOR_BODY,
            &["new-secret", "client-secret"],
        );
        assert_eq!(parsed.unwrap().len(), 1);
    }

    #[test]
    fn fitbit_sends_no_timestamp_so_an_old_body_is_not_stale() {
        // The vector is from 2024 and `now` is 2030: there is nothing to compare.
        assert!(verify(Some(VECTOR_SIG), VECTOR_BODY, &["client-secret"]).is_ok());
    }

    #[test]
    fn a_signed_body_that_is_not_an_array_is_malformed() {
        let body = br#"{"collectionType":"sleep"}"#;
        let signature = sign("client-secret", body);
        assert!(matches!(
            verify(Some(&signature), body, &["client-secret"]),
            Err(WebhookError::Malformed(_))
        ));
    }

    #[test]
    fn revocations_are_deauthorizations_and_other_collections_notifications() {
        let body = br#"[{"collectionType":"activities","date":"2024-01-15","ownerId":"A1","ownerType":"user","subscriptionId":"A1-activities"},
            {"collectionType":"userRevokedAccess","date":"2024-01-15","ownerId":"A1","ownerType":"user","subscriptionId":"A1-userRevokedAccess"},
            {"collectionType":"deleteUser","ownerId":"B2","ownerType":"user","subscriptionId":"B2"},
            {"collectionType":"foods","date":"2024-01-15","ownerId":"C3","ownerType":"user","subscriptionId":"C3"},
            {"collectionType":"sleep","date":"2024-01-15","ownerId":"X","ownerType":"group","subscriptionId":"g"}]"#;
        let events = events(parse(body).unwrap());
        assert_eq!(events.len(), 4);
        assert_eq!(
            events[0],
            InboundEvent::Notification(Notification {
                provider_user_id: "A1".into(),
                event_type: EventType::Update,
                data_type: "activities".into(),
                object_id: "2024-01-15".into(),
                url: None,
            })
        );
        assert_eq!(
            events[1],
            InboundEvent::Deauthorized {
                provider_user_id: "A1".into()
            }
        );
        assert_eq!(
            events[2],
            InboundEvent::Deauthorized {
                provider_user_id: "B2".into()
            }
        );
        assert!(matches!(&events[3], InboundEvent::Notification(n) if n.data_type == "foods"));
    }

    #[test]
    fn the_verification_code_is_accepted_only_when_it_matches() {
        let expected = SecretString::from("code-123");
        let query = |v: &str| vec![("verify".to_owned(), v.to_owned())];
        assert_eq!(
            check_verification_code(Some(&expected), &query("code-123")),
            Ok(())
        );
        assert_eq!(
            check_verification_code(Some(&expected), &query("code-124")),
            Err(WebhookError::BadVerificationToken)
        );
        assert_eq!(
            check_verification_code(None, &query("code-123")),
            Err(WebhookError::BadVerificationToken)
        );
        assert_eq!(
            check_verification_code(Some(&SecretString::from("")), &query("")),
            Err(WebhookError::BadVerificationToken)
        );
        assert_eq!(
            check_verification_code(Some(&expected), &[]),
            Err(WebhookError::MissingHeader("verify"))
        );
    }
}
