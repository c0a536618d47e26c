//! Withings notifications: unsigned `application/x-www-form-urlencoded` POSTs
//! (`userid=..&appli=..&startdate=..&enddate=..`, or `date=Y-m-d`, or `action=unlink` for
//! appli 46). Authenticity rests on the secret `?token=` of the callback URL we subscribed.

use secrecy::{ExposeSecret, SecretString};

use super::appli_name;
use super::notify::notify_token;
use crate::api::{EventType, InboundEvent, Notification};
use crate::webhook::{Verified, WebhookError, WebhookRequest, WebhookSecrets, constant_time_eq};

/// The query parameter of our callback URL that carries the secret token.
pub const TOKEN_PARAM: &str = "token";

/// The user-events category; `action=unlink|delete` there means we lost access.
const APPLI_USER: i64 = 46;

/// One notification, as posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithingsNotification {
    pub userid: String,
    pub appli: i64,
    pub startdate: Option<i64>,
    pub enddate: Option<i64>,
    /// `YYYY-MM-DD`, for categories notified per day.
    pub date: Option<String>,
    pub deviceid: Option<String>,
    /// `unlink`, `delete`, `update` (appli 46).
    pub action: Option<String>,
}

impl WithingsNotification {
    /// What the notification points at: `"{startdate}..{enddate}"` or the date.
    pub fn object_id(&self) -> String {
        match (self.startdate, self.enddate, &self.date) {
            (Some(start), Some(end), _) => format!("{start}..{end}"),
            (Some(start), None, _) => format!("{start}..{start}"),
            (_, _, Some(date)) => date.clone(),
            _ => String::new(),
        }
    }
}

/// Checks the callback token against every configured secret (raw, or derived with
/// [`notify_token`]) in constant time, then that the body is a notification.
pub fn verify_webhook(
    request: &WebhookRequest<'_>,
    secrets: &WebhookSecrets,
) -> Result<Verified<WithingsNotification>, WebhookError> {
    let token = url::form_urlencoded::parse(request.query.as_bytes())
        .find(|(k, _)| k == TOKEN_PARAM)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
        .ok_or(WebhookError::MissingHeader(TOKEN_PARAM))?;
    if !matches_any(&token, &secrets.secrets) {
        return Err(WebhookError::BadVerificationToken);
    }
    parse_notification(request.body).map(Verified::new)
}

fn matches_any(token: &str, secrets: &[SecretString]) -> bool {
    let mut matched = false;
    for secret in secrets {
        let raw = secret.expose_secret().as_bytes();
        if raw.is_empty() {
            continue;
        }
        // Both comparisons always run: no early exit on a match.
        let derived = constant_time_eq(notify_token(secret).as_bytes(), token.as_bytes());
        let direct = constant_time_eq(raw, token.as_bytes());
        matched |= derived | direct;
    }
    matched
}

/// Decodes a notification body. A data category without a range or date is malformed.
pub fn parse_notification(body: &[u8]) -> Result<WithingsNotification, WebhookError> {
    let malformed = |what: &str| WebhookError::Malformed(format!("withings notification: {what}"));
    let mut userid = None;
    let mut appli = None;
    let mut n = WithingsNotification {
        userid: String::new(),
        appli: 0,
        startdate: None,
        enddate: None,
        date: None,
        deviceid: None,
        action: None,
    };
    let int = |name: &str, v: &str| {
        v.trim()
            .parse::<i64>()
            .map_err(|_| malformed(&format!("{name} `{v}` is not an integer")))
    };
    for (key, value) in url::form_urlencoded::parse(body) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key.as_ref() {
            "userid" => userid = Some(value.to_owned()),
            "appli" => appli = Some(int("appli", value)?),
            "startdate" => n.startdate = Some(int("startdate", value)?),
            "enddate" => n.enddate = Some(int("enddate", value)?),
            "date" => n.date = Some(value.to_owned()),
            "deviceid" => n.deviceid = Some(value.to_owned()),
            "action" => n.action = Some(value.to_owned()),
            _ => {}
        }
    }
    n.userid = userid.ok_or_else(|| malformed("no userid"))?;
    n.appli = appli.ok_or_else(|| malformed("no appli"))?;
    let is_data = !super::WithingsDataType::for_appli(n.appli).is_empty();
    if is_data && n.object_id().is_empty() {
        return Err(malformed("no startdate/enddate or date"));
    }
    Ok(n)
}

/// The events of one notification.
pub(crate) fn events(n: WithingsNotification) -> Vec<InboundEvent> {
    let action = n.action.as_deref().unwrap_or_default();
    if n.appli == APPLI_USER && matches!(action, "unlink" | "delete") {
        return vec![InboundEvent::Deauthorized {
            provider_user_id: n.userid,
        }];
    }
    // A notification names a time range, never a record: whatever changed in it (created,
    // updated or deleted) is re-fetched.
    vec![InboundEvent::Notification(Notification {
        event_type: EventType::Update,
        data_type: appli_name(n.appli),
        object_id: n.object_id(),
        provider_user_id: n.userid,
        url: None,
    })]
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::Utc;
    use http::HeaderMap;

    use super::*;

    const BODY: &[u8] = b"userid=12345&appli=1&startdate=1530576000&enddate=1530698753";

    fn secrets(list: &[&str]) -> WebhookSecrets {
        WebhookSecrets::new(
            list.iter().map(|s| SecretString::from(*s)).collect(),
            Duration::from_secs(300),
        )
    }

    fn verify(
        query: &str,
        body: &[u8],
        list: &[&str],
    ) -> Result<WithingsNotification, WebhookError> {
        let headers = HeaderMap::new();
        let request = WebhookRequest {
            headers: &headers,
            body,
            query,
            now: Utc::now(),
        };
        verify_webhook(&request, &secrets(list)).map(Verified::into_inner)
    }

    fn derived(secret: &str) -> String {
        notify_token(&SecretString::from(secret))
    }

    #[test]
    fn the_documented_example_verifies_with_the_derived_token() {
        let query = format!("token={}", derived("client-secret"));
        let n = verify(&query, BODY, &["client-secret"]).unwrap();
        assert_eq!(n.userid, "12345");
        assert_eq!(n.appli, 1);
        assert_eq!(n.startdate, Some(1_530_576_000));
        assert_eq!(n.enddate, Some(1_530_698_753));
        assert_eq!(n.object_id(), "1530576000..1530698753");
    }

    #[test]
    fn a_raw_verification_token_verifies_too() {
        let n = verify("token=verify-me", BODY, &["verify-me"]).unwrap();
        assert_eq!(n.userid, "12345");
    }

    #[test]
    fn a_token_with_one_changed_byte_is_rejected() {
        let mut token = derived("client-secret").into_bytes();
        token[10] = if token[10] == b'a' { b'b' } else { b'a' };
        let query = format!("token={}", String::from_utf8(token).unwrap());
        assert_eq!(
            verify(&query, BODY, &["client-secret"]),
            Err(WebhookError::BadVerificationToken)
        );
        assert_eq!(
            verify("token=verify-mf", BODY, &["verify-me"]),
            Err(WebhookError::BadVerificationToken)
        );
    }

    #[test]
    fn a_missing_or_empty_token_is_rejected() {
        assert_eq!(
            verify("", BODY, &["client-secret"]),
            Err(WebhookError::MissingHeader(TOKEN_PARAM))
        );
        assert_eq!(
            verify("token=&other=1", BODY, &["client-secret"]),
            Err(WebhookError::MissingHeader(TOKEN_PARAM))
        );
    }

    #[test]
    fn an_empty_secret_list_or_empty_secrets_fail_closed() {
        let query = format!("token={}", derived("client-secret"));
        assert_eq!(
            verify(&query, BODY, &[]),
            Err(WebhookError::BadVerificationToken)
        );
        let empty_derived = format!("token={}", derived(""));
        assert_eq!(
            verify(&empty_derived, BODY, &[""]),
            Err(WebhookError::BadVerificationToken)
        );
    }

    #[test]
    fn during_rotation_a_previous_secret_still_verifies() {
        let query = format!("token={}", derived("old-secret"));
        assert!(verify(&query, BODY, &["new-secret", "old-secret"]).is_ok());
    }

    #[test]
    fn a_verified_body_that_is_not_a_notification_is_malformed() {
        for body in [
            b"appli=1&startdate=1&enddate=2".as_slice(),
            b"userid=1&startdate=1&enddate=2",
            b"userid=1&appli=x&startdate=1&enddate=2",
            b"userid=1&appli=44",
            br#"{"userid":1}"#,
        ] {
            assert!(
                matches!(
                    verify("token=t", body, &["t"]),
                    Err(WebhookError::Malformed(_))
                ),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn unlink_is_a_deauthorization_and_data_categories_are_notifications() {
        let unlink = parse_notification(b"userid=7&appli=46&action=unlink").unwrap();
        assert_eq!(
            events(unlink),
            vec![InboundEvent::Deauthorized {
                provider_user_id: "7".into()
            }]
        );
        let sleep = parse_notification(b"userid=7&appli=44&startdate=10&enddate=20").unwrap();
        let InboundEvent::Notification(n) = &events(sleep)[0] else {
            panic!("not a notification")
        };
        assert_eq!(n.data_type, "sleep");
        assert_eq!(n.object_id, "10..20");
        assert_eq!(n.event_type, EventType::Update);
        let daily = parse_notification(b"userid=7&appli=16&date=2024-01-15").unwrap();
        let InboundEvent::Notification(n) = &events(daily)[0] else {
            panic!("not a notification")
        };
        assert_eq!(
            (n.data_type.as_str(), n.object_id.as_str()),
            ("activity", "2024-01-15")
        );
        let bed = parse_notification(b"userid=7&appli=50&startdate=10").unwrap();
        let InboundEvent::Notification(n) = &events(bed)[0] else {
            panic!("not a notification")
        };
        assert_eq!(n.data_type, "bed_in");
    }
}
