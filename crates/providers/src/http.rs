//! The one HTTP sender every provider call goes through: timeouts, retries with `Retry-After` or
//! jittered exponential backoff, status mapping, and logging that never shows secrets.

use std::time::{Duration, Instant};

use domain::Provider;
use reqwest::{Response, StatusCode, header::RETRY_AFTER, redirect};
use serde::de::DeserializeOwned;

use crate::error::{ProviderError, truncate_body};

/// Tuning of the shared sender.
#[derive(Debug, Clone)]
pub struct HttpSenderConfig {
    /// Whole-request timeout (connect, send, read the body).
    pub timeout: Duration,
    /// Attempts per call, the first one included (at least 1).
    pub max_attempts: u32,
    /// Longest `Retry-After` we wait in-process; a longer one ends the call with `RateLimited`.
    pub max_retry_after: Duration,
    /// First backoff delay when the provider gives no `Retry-After`; doubles per attempt.
    pub base_backoff: Duration,
}

impl Default for HttpSenderConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            max_attempts: 4,
            max_retry_after: Duration::from_secs(60),
            base_backoff: Duration::from_millis(250),
        }
    }
}

/// One per process; cheap to clone (the `reqwest::Client` inside is shared).
#[derive(Debug, Clone)]
pub struct HttpSender {
    client: reqwest::Client,
    config: HttpSenderConfig,
}

impl HttpSender {
    /// Builds the shared client: redirects disabled, timeout, user agent `wearhouse/0.1`.
    pub fn new(config: HttpSenderConfig) -> Result<Self, ProviderError> {
        // reqwest is built without a crypto provider; the first caller installs ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .timeout(config.timeout)
            .user_agent("wearhouse/0.1")
            .build()
            .map_err(|e| ProviderError::Transport(e.without_url().to_string()))?;
        Ok(Self { client, config })
    }

    /// The underlying client, for building requests (`client().get(url)...build()`).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `request`, retrying 429, 5xx and transport errors. 2xx is returned as is; 401 is
    /// [`ProviderError::Unauthorized`]; any other failure status becomes an error.
    pub async fn send(
        &self,
        provider: Provider,
        operation: &'static str,
        request: reqwest::Request,
    ) -> Result<Response, ProviderError> {
        let response = self.execute(provider.as_str(), operation, request).await?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(error_from_response(response).await)
        }
    }

    /// [`send`](Self::send), then decodes the JSON body.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        provider: Provider,
        operation: &'static str,
        request: reqwest::Request,
    ) -> Result<T, ProviderError> {
        let response = self.send(provider, operation, request).await?;
        let body = read_body(response).await?;
        serde_json::from_slice(&body)
            .map_err(|e| ProviderError::InvalidResponse(format!("{operation}: {e}")))
    }

    /// The retry loop. Returns the final response whatever its status (after retries for 429 and
    /// 5xx ran out, or at once for any other status); transport errors after the last attempt are
    /// `Transport`. `label` names the provider in logs.
    pub(crate) async fn execute(
        &self,
        label: &'static str,
        operation: &'static str,
        request: reqwest::Request,
    ) -> Result<Response, ProviderError> {
        let started = Instant::now();
        let max_attempts = self.config.max_attempts.max(1);
        let method = request.method().clone();
        // Only the path is ever logged: query strings and headers may carry tokens.
        let path = request.url().path().to_owned();
        let mut current = request;
        let mut attempt = 1;
        loop {
            let next = if attempt < max_attempts {
                current.try_clone()
            } else {
                None
            };
            let result = self.client.execute(current).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let delay = match result {
                Ok(response) => {
                    let status = response.status();
                    tracing::debug!(
                        provider = label, operation, %method, path = %path,
                        status = status.as_u16(), attempt, elapsed_ms,
                        "provider http response"
                    );
                    if !is_retryable_status(status) || next.is_none() {
                        return Ok(response);
                    }
                    match retry_after(&response) {
                        Some(wait) if wait > self.config.max_retry_after => return Ok(response),
                        Some(wait) => wait,
                        None => self.backoff(attempt),
                    }
                }
                Err(error) => {
                    let error = error.without_url();
                    tracing::debug!(
                        provider = label, operation, %method, path = %path,
                        attempt, elapsed_ms, error = %error,
                        "provider http transport error"
                    );
                    if next.is_none() || error.is_builder() {
                        return Err(ProviderError::Transport(error.to_string()));
                    }
                    self.backoff(attempt)
                }
            };
            let Some(next) = next else {
                // Unreachable: both arms return when there is no next attempt.
                return Err(ProviderError::Transport("request cannot be retried".into()));
            };
            tokio::time::sleep(delay).await;
            current = next;
            attempt += 1;
        }
    }

    /// `base * 2^(attempt-1)`, capped at `max_retry_after`, with equal jitter (half fixed, half random).
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .config
            .base_backoff
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(self.config.max_retry_after);
        let half = exp / 2;
        let jitter_ms = fastrand::u64(0..=half.as_millis() as u64);
        half + Duration::from_millis(jitter_ms)
    }
}

fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// `Retry-After` in seconds (the HTTP-date form is not used by our providers and is ignored).
pub(crate) fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Maps a non-2xx response to its error, reading (and truncating) the body where kept.
pub(crate) async fn error_from_response(response: Response) -> ProviderError {
    let status = response.status();
    match status {
        StatusCode::UNAUTHORIZED => ProviderError::Unauthorized,
        StatusCode::TOO_MANY_REQUESTS => ProviderError::RateLimited {
            retry_after: retry_after(&response),
        },
        _ => {
            let body = response
                .bytes()
                .await
                .map(|b| truncate_body(&b))
                .unwrap_or_default();
            ProviderError::Status {
                status: status.as_u16(),
                body,
            }
        }
    }
}

/// The whole body; a failure to read it is a transport error.
pub(crate) async fn read_body(response: Response) -> Result<Vec<u8>, ProviderError> {
    response
        .bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| ProviderError::Transport(e.without_url().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let sender = HttpSender::new(HttpSenderConfig {
            base_backoff: Duration::from_millis(100),
            max_retry_after: Duration::from_secs(1),
            ..HttpSenderConfig::default()
        })
        .unwrap();
        for _ in 0..50 {
            let first = sender.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = sender.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            assert!(sender.backoff(30) <= Duration::from_secs(1));
        }
    }
}
