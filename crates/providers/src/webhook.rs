//! Generic verified-webhook types. Verification fails closed: only a provider's verifier can
//! build a [`Verified`] value, so an unverified payload cannot be published by mistake.

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use subtle::ConstantTimeEq;

/// An incoming webhook delivery, exactly as received.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    pub headers: &'a http::HeaderMap,
    /// The raw body bytes; signatures are always checked over these, never re-serialized JSON.
    pub body: &'a [u8],
    /// The raw query string of the webhook URL (some providers authenticate with a token there).
    pub query: &'a str,
    pub now: DateTime<Utc>,
}

/// Signing secrets. During a rotation several are configured and any may match.
#[derive(Debug, Clone)]
pub struct WebhookSecrets {
    pub secrets: Vec<SecretString>,
    /// How far the delivery timestamp may be from `now`, either way.
    pub tolerance: Duration,
}

impl WebhookSecrets {
    pub fn new(secrets: Vec<SecretString>, tolerance: Duration) -> Self {
        Self { secrets, tolerance }
    }
}

/// A payload whose signature has been checked. Built only inside this crate, by a verifier.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified<T>(T);

impl<T> Verified<T> {
    pub(crate) fn new(value: T) -> Self {
        Self(value)
    }

    pub fn get(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("missing or non-ASCII header `{0}`")]
    MissingHeader(&'static str),
    #[error("signature does not match")]
    BadSignature,
    #[error("timestamp outside the accepted window")]
    StaleTimestamp,
    #[error("malformed webhook: {0}")]
    Malformed(String),
    #[error("verification token does not match")]
    BadVerificationToken,
}

/// An [`http::HeaderMap`] from `(name, value)` pairs, for servers whose header types differ
/// (actix-web 4 has its own `HeaderMap`): `headers_from_pairs(req.headers().iter().map(|(n, v)|
/// (n.as_str(), v.as_bytes())))`. Pairs that are not valid header names or values are skipped.
pub fn headers_from_pairs<'a, I>(pairs: I) -> http::HeaderMap
where
    I: IntoIterator<Item = (&'a str, &'a [u8])>,
{
    let mut headers = http::HeaderMap::new();
    for (name, value) in pairs {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_bytes(value),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

/// The value of a required header.
pub(crate) fn required_header<'a>(
    headers: &'a http::HeaderMap,
    name: &'static str,
) -> Result<&'a str, WebhookError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(WebhookError::MissingHeader(name))
}

/// `Ok` when `sent` is within `tolerance` of `now`, either way.
pub(crate) fn check_timestamp(
    sent: DateTime<Utc>,
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), WebhookError> {
    let skew = (now - sent)
        .abs()
        .to_std()
        .map_err(|_| WebhookError::StaleTimestamp)?;
    if skew > tolerance {
        return Err(WebhookError::StaleTimestamp);
    }
    Ok(())
}

/// Constant-time equality (length may leak, content does not).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_outside_the_window_are_stale_both_ways() {
        let now = Utc.timestamp_opt(1_704_096_000, 0).unwrap();
        let tol = Duration::from_secs(300);
        assert!(check_timestamp(now, now, tol).is_ok());
        assert!(check_timestamp(now - chrono::Duration::seconds(299), now, tol).is_ok());
        assert_eq!(
            check_timestamp(now - chrono::Duration::seconds(301), now, tol),
            Err(WebhookError::StaleTimestamp)
        );
        assert_eq!(
            check_timestamp(now + chrono::Duration::seconds(301), now, tol),
            Err(WebhookError::StaleTimestamp)
        );
    }

    #[test]
    fn empty_headers_count_as_missing() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-sig", http::HeaderValue::from_static(""));
        assert_eq!(
            required_header(&headers, "x-sig"),
            Err(WebhookError::MissingHeader("x-sig"))
        );
        assert_eq!(
            required_header(&headers, "x-other"),
            Err(WebhookError::MissingHeader("x-other"))
        );
    }

    #[test]
    fn header_maps_are_built_from_pairs_skipping_invalid_ones() {
        let headers = headers_from_pairs([
            ("X-Oura-Signature", b"ABC".as_slice()),
            ("bad name", b"x".as_slice()),
            ("x-ok", b"bad\nvalue".as_slice()),
        ]);
        assert_eq!(headers.len(), 1);
        assert_eq!(required_header(&headers, "x-oura-signature"), Ok("ABC"));
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
