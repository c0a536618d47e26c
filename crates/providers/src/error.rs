//! Errors of provider HTTP calls and of transformers.

use std::time::Duration;

use domain::Provider;

/// Longest provider error body kept in [`ProviderError::Status`].
pub(crate) const MAX_ERROR_BODY: usize = 512;

/// A failed call to a provider's API or token endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider answered 401: the access token is invalid or expired; refresh and retry.
    #[error("provider rejected the access token (401)")]
    Unauthorized,
    /// A refresh or code grant was rejected (`invalid_grant`): the connection must be re-authorised.
    #[error("grant rejected by the provider: {0}")]
    RefreshRejected(String),
    /// Still rate limited after our own retries.
    #[error("rate limited by the provider (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    /// Any other non-2xx answer; `body` is truncated to 512 bytes.
    #[error("provider answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    /// Connect, timeout or body-read failure.
    #[error("transport error: {0}")]
    Transport(String),
    /// The provider answered 2xx with something we cannot use, or the request could not be built.
    #[error("invalid provider response: {0}")]
    InvalidResponse(String),
}

impl ProviderError {
    /// Whether trying the same call again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            ProviderError::RateLimited { .. } | ProviderError::Transport(_) => true,
            ProviderError::Status { status, .. } => *status >= 500,
            ProviderError::Unauthorized
            | ProviderError::RefreshRejected(_)
            | ProviderError::InvalidResponse(_) => false,
        }
    }
}

/// A raw payload that could not be turned into domain records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransformError {
    #[error("provider `{0}` has no transformer")]
    UnsupportedProvider(Provider),
    #[error("unsupported payload kind `{0}`")]
    UnsupportedKind(String),
    #[error("malformed payload: {0}")]
    Malformed(String),
}

/// `body` as lossy UTF-8, cut to at most [`MAX_ERROR_BODY`] bytes on a character boundary.
pub(crate) fn truncate_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= MAX_ERROR_BODY {
        return text.into_owned();
    }
    let mut end = MAX_ERROR_BODY;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_errors_are_rate_limits_transport_and_5xx() {
        assert!(ProviderError::RateLimited { retry_after: None }.is_retryable());
        assert!(ProviderError::Transport("reset".into()).is_retryable());
        let status = |status| ProviderError::Status {
            status,
            body: String::new(),
        };
        assert!(status(503).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(!ProviderError::Unauthorized.is_retryable());
        assert!(!ProviderError::RefreshRejected("invalid_grant".into()).is_retryable());
    }

    #[test]
    fn long_bodies_are_cut_on_a_char_boundary() {
        let body = "é".repeat(400);
        let cut = truncate_body(body.as_bytes());
        assert!(cut.len() <= MAX_ERROR_BODY);
        assert_eq!(cut.len(), 512);
        assert_eq!(truncate_body(b"short"), "short");
    }
}
