//! Polar AccessLink REST client: user registration, and GETs whose bodies are kept byte for byte.
//! AccessLink has no cursors: list endpoints take inclusive `from`/`to` dates (at most 28 days)
//! or return a fixed recent window; per-date documents answer 404 (or 204) when there is none.

mod fetch;

use chrono::NaiveDate;
use domain::Provider;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

use super::offsets::Offsets;
use super::{PolarDataType, PolarKind};
use crate::FetchedPayload;
use crate::error::ProviderError;
use crate::http::{HttpSender, read_body};

/// Longest `from`..`to` range (inclusive dates) AccessLink accepts.
pub(crate) const MAX_RANGE_DAYS: u64 = 28;

/// The outcome of `POST /v3/users`.
#[derive(Debug, Clone, PartialEq)]
pub enum Registration {
    /// 200: the user object (`polar-user-id`, `member-id`, `registration-date`, …).
    Registered(Value),
    /// 409: this user is already registered for our client.
    AlreadyRegistered,
}

#[derive(Debug, Clone)]
pub struct PolarClient {
    api_base_url: Url,
    sender: HttpSender,
}

impl PolarClient {
    /// `api_base_url` is `https://www.polaraccesslink.com` or an emulator's base (its path kept).
    pub fn new(api_base_url: Url, sender: HttpSender) -> Self {
        Self {
            api_base_url,
            sender,
        }
    }

    /// `POST /v3/users {"member-id": ..}`: mandatory before any data can be read. 409 means the
    /// user is already registered, which is fine; 403 means consents are missing.
    pub async fn register_user(
        &self,
        token: &SecretString,
        member_id: &str,
    ) -> Result<Registration, ProviderError> {
        let request = self
            .sender
            .client()
            .post(self.url(&["users"])?)
            .bearer_auth(token.expose_secret())
            .header(ACCEPT, "application/json")
            .json(&serde_json::json!({ "member-id": member_id }))
            .build()
            .map_err(build_error)?;
        match self
            .sender
            .send(Provider::Polar, "polar_register_user", request)
            .await
        {
            Ok(response) => {
                let body = read_body(response).await?;
                let user = serde_json::from_slice(&body).map_err(|e| {
                    ProviderError::InvalidResponse(format!("polar registration: {e}"))
                })?;
                Ok(Registration::Registered(user))
            }
            Err(ProviderError::Status { status: 409, .. }) => Ok(Registration::AlreadyRegistered),
            Err(e) => Err(e),
        }
    }

    /// `DELETE /v3/users/{user-id}`: stops Polar keeping data for us. 404 counts as done.
    pub async fn deregister_user(
        &self,
        token: &SecretString,
        polar_user_id: &str,
    ) -> Result<(), ProviderError> {
        let request = self
            .sender
            .client()
            .delete(self.url(&["users", polar_user_id])?)
            .bearer_auth(token.expose_secret())
            .header(ACCEPT, "application/json")
            .build()
            .map_err(build_error)?;
        match self
            .sender
            .send(Provider::Polar, "polar_deregister_user", request)
            .await
        {
            Ok(_) | Err(ProviderError::Status { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The wearer's offsets per date, from `GET /v3/users/sleep/available` (last 28 days).
    pub(crate) async fn offsets(&self, token: &SecretString) -> Result<Offsets, ProviderError> {
        let url = self.url(&["users", "sleep", "available"])?;
        let response = self
            .sender
            .send(
                Provider::Polar,
                "polar_sleep_available",
                self.get(url, token, &[])?,
            )
            .await?;
        let body = read_body(response).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Offsets::default());
        }
        Offsets::from_available(&body)
    }

    /// One GET as a payload of `kind`; `None` for 204, an empty body or 404 (no data).
    pub(crate) async fn fetch(
        &self,
        token: &SecretString,
        segments: &[&str],
        query: &[(&str, String)],
        kind: PolarKind,
    ) -> Result<Option<FetchedPayload>, ProviderError> {
        let url = self.url(segments)?;
        let params: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let request = self.get(url, token, &params)?;
        let response = match self
            .sender
            .send(Provider::Polar, operation(kind.data_type), request)
            .await
        {
            Ok(response) => response,
            Err(ProviderError::Status { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_owned();
        let body = read_body(response).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        Ok(Some(FetchedPayload {
            kind: kind.to_string(),
            content_type,
            body,
        }))
    }

    /// `{base}/v3/{segments..}`, each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Result<Url, ProviderError> {
        let mut url = self.api_base_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                ProviderError::InvalidResponse("polar api base url cannot be a base".into())
            })?
            .pop_if_empty()
            .push("v3")
            .extend(segments);
        Ok(url)
    }

    fn get(
        &self,
        url: Url,
        token: &SecretString,
        query: &[(&str, &str)],
    ) -> Result<reqwest::Request, ProviderError> {
        let mut builder = self
            .sender
            .client()
            .get(url)
            .bearer_auth(token.expose_secret())
            .header(ACCEPT, "application/json");
        if !query.is_empty() {
            builder = builder.query(query);
        }
        builder.build().map_err(build_error)
    }
}

fn build_error(e: reqwest::Error) -> ProviderError {
    ProviderError::InvalidResponse(format!("request: {}", e.without_url()))
}

fn operation(data_type: PolarDataType) -> &'static str {
    match data_type {
        PolarDataType::Exercise => "polar_exercise",
        PolarDataType::Sleep => "polar_sleep",
        PolarDataType::NightlyRecharge => "polar_nightly_recharge",
        PolarDataType::Activity => "polar_activity",
        PolarDataType::ContinuousHeartRate => "polar_continuous_heart_rate",
        PolarDataType::BodyTemperature => "polar_body_temperature",
        PolarDataType::SkinTemperature => "polar_skin_temperature",
        PolarDataType::Spo2 => "polar_spo2",
        PolarDataType::PhysicalInfo => "polar_physical_info",
    }
}

/// `YYYY-MM-DD`.
pub(crate) fn ymd(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpSenderConfig;

    fn client(base: &str) -> PolarClient {
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        PolarClient::new(Url::parse(base).unwrap(), sender)
    }

    #[test]
    fn urls_keep_the_base_path_and_encode_segments() {
        let c = client("http://127.0.0.1:9000/polar");
        assert_eq!(
            c.url(&["exercises", "a/b c"]).unwrap().as_str(),
            "http://127.0.0.1:9000/polar/v3/exercises/a%2Fb%20c"
        );
        let c = client("https://www.polaraccesslink.com");
        assert_eq!(
            c.url(&["users", "sleep", "2024-01-15"]).unwrap().as_str(),
            "https://www.polaraccesslink.com/v3/users/sleep/2024-01-15"
        );
    }

    #[test]
    fn requests_ask_for_json_with_the_bearer_token() {
        let c = client("https://www.polaraccesslink.com");
        let token = SecretString::from("tok");
        let request = c
            .get(
                c.url(&["users", "activities"]).unwrap(),
                &token,
                &[("from", "2024-01-01"), ("to", "2024-01-28")],
            )
            .unwrap();
        assert_eq!(request.url().query(), Some("from=2024-01-01&to=2024-01-28"));
        let header = |name| request.headers().get(name).unwrap().to_str().unwrap();
        assert_eq!(header(reqwest::header::AUTHORIZATION), "Bearer tok");
        assert_eq!(header(ACCEPT), "application/json");
    }
}
