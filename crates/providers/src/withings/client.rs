//! Withings REST client: `POST {base}{path}` with a form body (`action=..`) and a Bearer token.
//! Every answer is HTTP 200 `{"status": .., "body": ..}`; a non-zero status is mapped by
//! [`status_error`]. Pages (`more` + `offset`) and payload bodies are kept byte for byte.

mod fetch;

use domain::Provider;
use reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::error::{ProviderError, truncate_body};
use crate::http::{HttpSender, read_body};

/// Safety stop against a provider that keeps answering `more`.
const MAX_PAGES: usize = 1_000;

/// The `{status, body, error}` envelope, with only what callers need from `body`.
#[derive(Deserialize)]
pub(crate) struct Envelope {
    pub(crate) status: i64,
    #[serde(default)]
    pub(crate) error: Option<String>,
    #[serde(default)]
    pub(crate) body: Option<Value>,
}

impl Envelope {
    /// Parses an answer and turns a non-zero status into its error.
    pub(crate) fn parse(operation: &str, bytes: &[u8]) -> Result<Envelope, ProviderError> {
        let envelope: Envelope = serde_json::from_slice(bytes).map_err(|e| {
            ProviderError::InvalidResponse(format!(
                "{operation}: not a Withings answer ({e}): {}",
                truncate_body(bytes)
            ))
        })?;
        if envelope.status != 0 {
            return Err(status_error(
                envelope.status,
                envelope.error.as_deref().unwrap_or_default(),
            ));
        }
        Ok(envelope)
    }

    /// `body.more` (`true`/`1`) and `body.offset`: where the next page starts, if any.
    pub(crate) fn next_offset(&self) -> Option<i64> {
        let body = self.body.as_ref()?;
        let more = match body.get("more")? {
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_i64().is_some_and(|n| n != 0),
            _ => false,
        };
        if !more {
            return None;
        }
        body.get("offset").and_then(Value::as_i64)
    }
}

/// A non-zero Withings `status` as our error. Withings answers HTTP 200 for every error, so the
/// [`ProviderError::Status`] code is an HTTP equivalent (400 for a request we must not repeat,
/// 502 for a Withings-side failure worth retrying) and the body names the Withings status.
pub fn status_error(status: i64, message: &str) -> ProviderError {
    let body = || truncate_body(format!("withings status {status}: {message}").as_bytes());
    match status {
        // Authentication failed / invalid or expired access token.
        100..=102 | 200 | 401 => ProviderError::Unauthorized,
        601 => ProviderError::RateLimited { retry_after: None },
        // Timeout, bad state, unknown error and the 5000+ internal errors.
        522 | 524 | 2555 | 5000..=6999 | 9000 | 10000 => ProviderError::Status {
            status: 502,
            body: body(),
        },
        _ => ProviderError::Status {
            status: 400,
            body: body(),
        },
    }
}

#[derive(Debug, Clone)]
pub struct WithingsClient {
    api_base_url: Url,
    sender: HttpSender,
}

/// One successful answer, as received.
pub(crate) struct Answer {
    pub(crate) content_type: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) envelope: Envelope,
}

impl WithingsClient {
    /// `api_base_url` is `https://wbsapi.withings.net` or an emulator's base (its path is kept).
    pub fn new(api_base_url: Url, sender: HttpSender) -> Self {
        Self {
            api_base_url,
            sender,
        }
    }

    /// `POST {base}/{segments..}` with `params` as the form body; status 0 or its error.
    pub(crate) async fn call(
        &self,
        token: &SecretString,
        segments: &[&str],
        params: &[(&str, String)],
        operation: &'static str,
    ) -> Result<Answer, ProviderError> {
        let request = self
            .sender
            .client()
            .post(self.url(segments)?)
            .bearer_auth(token.expose_secret())
            .form(params)
            .build()
            .map_err(|e| ProviderError::InvalidResponse(format!("request: {}", e.without_url())))?;
        let response = self
            .sender
            .send(Provider::Withings, operation, request)
            .await?;
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_owned();
        let bytes = read_body(response).await?;
        let envelope = Envelope::parse(operation, &bytes)?;
        Ok(Answer {
            content_type,
            bytes,
            envelope,
        })
    }

    /// Every page of an `offset`-paged action: `params` plus `offset` from the second page on.
    pub(crate) async fn pages(
        &self,
        token: &SecretString,
        segments: &[&str],
        params: &[(&str, String)],
        operation: &'static str,
    ) -> Result<Vec<Answer>, ProviderError> {
        let mut answers = Vec::new();
        let mut offset: Option<i64> = None;
        for _ in 0..MAX_PAGES {
            let mut page_params = params.to_vec();
            if let Some(offset) = offset {
                page_params.push(("offset", offset.to_string()));
            }
            let answer = self.call(token, segments, &page_params, operation).await?;
            let next = answer.envelope.next_offset();
            answers.push(answer);
            match next {
                Some(next) if Some(next) == offset => {
                    return Err(ProviderError::InvalidResponse(format!(
                        "{operation}: offset {next} repeated"
                    )));
                }
                Some(next) => offset = Some(next),
                None => return Ok(answers),
            }
        }
        Err(ProviderError::InvalidResponse(format!(
            "{operation}: more than {MAX_PAGES} pages"
        )))
    }

    /// `{base}/{segments..}`, keeping a path prefix of the base (an emulator's `/withings`).
    pub(crate) fn url(&self, segments: &[&str]) -> Result<Url, ProviderError> {
        let mut url = self.api_base_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                ProviderError::InvalidResponse("withings api base url cannot be a base".into())
            })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpSenderConfig;

    fn client(base: &str) -> WithingsClient {
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        WithingsClient::new(Url::parse(base).unwrap(), sender)
    }

    #[test]
    fn urls_keep_the_base_path() {
        let c = client("http://127.0.0.1:9000/withings");
        assert_eq!(
            c.url(&["v2", "measure"]).unwrap().as_str(),
            "http://127.0.0.1:9000/withings/v2/measure"
        );
        let c = client("https://wbsapi.withings.net");
        assert_eq!(
            c.url(&["measure"]).unwrap().as_str(),
            "https://wbsapi.withings.net/measure"
        );
    }

    #[test]
    fn status_codes_map_to_errors() {
        assert_eq!(
            status_error(401, "invalid_token"),
            ProviderError::Unauthorized
        );
        assert_eq!(status_error(100, "auth"), ProviderError::Unauthorized);
        assert_eq!(
            status_error(601, "Too Many Requests"),
            ProviderError::RateLimited { retry_after: None }
        );
        let invalid = status_error(503, "Invalid Params");
        assert!(
            matches!(&invalid, ProviderError::Status { status: 400, body } if body.contains("503"))
        );
        assert!(!invalid.is_retryable());
        assert!(status_error(2555, "unknown error").is_retryable());
    }

    #[test]
    fn envelopes_report_the_next_offset_only_while_more() {
        let parse = |s: &str| Envelope::parse("t", s.as_bytes()).unwrap();
        assert_eq!(
            parse(r#"{"status":0,"body":{"more":1,"offset":20}}"#).next_offset(),
            Some(20)
        );
        assert_eq!(
            parse(r#"{"status":0,"body":{"more":true,"offset":5}}"#).next_offset(),
            Some(5)
        );
        assert_eq!(
            parse(r#"{"status":0,"body":{"more":0,"offset":0}}"#).next_offset(),
            None
        );
        assert_eq!(parse(r#"{"status":0,"body":{}}"#).next_offset(), None);
        assert_eq!(
            Envelope::parse("t", br#"{"status":401,"body":{},"error":"invalid_token"}"#).err(),
            Some(ProviderError::Unauthorized)
        );
        assert!(matches!(
            Envelope::parse("t", b"<html>"),
            Err(ProviderError::InvalidResponse(_))
        ));
    }
}
