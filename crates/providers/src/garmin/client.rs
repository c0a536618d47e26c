//! Garmin REST client: user endpoints, the summary (pull) endpoints in 24-hour upload-time
//! chunks, ping callback downloads and backfill requests. Every body is returned untouched.

use domain::{Provider, TimeWindow};
use reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::IgnoredAny;
use url::Url;

use super::GarminDataType;
use crate::FetchedPayload;
use crate::error::ProviderError;
use crate::http::{HttpSender, read_body};

/// The summary endpoints accept at most this much upload time per request.
const PULL_CHUNK_SECS: i64 = 86_400;
/// Garmin's answer when the user has not granted the summary type's permission.
const PRECONDITION_FAILED: u16 = 412;

mod backfill;

pub use backfill::{BackfillOutcome, BackfillReport, BackfillRequest, request_backfill};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserId {
    user_id: String,
}

/// `user/permissions`: a bare array, or (as Open Wearables reads it) `{"permissions": [..]}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Permissions {
    List(Vec<String>),
    Object { permissions: Vec<String> },
}

#[derive(Debug, Clone)]
pub struct GarminClient {
    api_base_url: Url,
    sender: HttpSender,
}

impl GarminClient {
    /// `api_base_url` is `https://apis.garmin.com` or an emulator's base (a path prefix is kept).
    pub fn new(api_base_url: Url, sender: HttpSender) -> Self {
        Self {
            api_base_url,
            sender,
        }
    }

    /// `GET /wellness-api/rest/user/id` → the Garmin user id (stable across re-registrations).
    pub async fn user_id(&self, token: &SecretString) -> Result<String, ProviderError> {
        let request = self.request(reqwest::Method::GET, &["user", "id"], token, &[])?;
        let id: UserId = self
            .sender
            .send_json(Provider::Garmin, "garmin_user_id", request)
            .await?;
        Ok(id.user_id)
    }

    /// `GET /wellness-api/rest/user/permissions`.
    pub async fn permissions(&self, token: &SecretString) -> Result<Vec<String>, ProviderError> {
        let request = self.request(reqwest::Method::GET, &["user", "permissions"], token, &[])?;
        let permissions: Permissions = self
            .sender
            .send_json(Provider::Garmin, "garmin_user_permissions", request)
            .await?;
        Ok(match permissions {
            Permissions::List(list) | Permissions::Object { permissions: list } => list,
        })
    }

    /// `DELETE /wellness-api/rest/user/registration`; a registration already gone (404) is fine.
    pub async fn deregister(&self, token: &SecretString) -> Result<(), ProviderError> {
        let request = self.request(
            reqwest::Method::DELETE,
            &["user", "registration"],
            token,
            &[],
        )?;
        match self
            .sender
            .send(Provider::Garmin, "garmin_deregister", request)
            .await
        {
            Ok(_) | Err(ProviderError::Status { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every summary uploaded in `window`, per type in 24-hour chunks, one payload per non-empty
    /// chunk. A type the user did not grant (412) yields nothing.
    pub async fn fetch_window(
        &self,
        token: &SecretString,
        window: TimeWindow,
        data_types: &[GarminDataType],
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let mut pages = Vec::new();
        'types: for &data_type in data_types {
            let mut start = window.start.timestamp();
            let end = window.end.timestamp();
            while start < end {
                let chunk_end = (start + PULL_CHUNK_SECS).min(end);
                let query = [
                    ("uploadStartTimeInSeconds", start.to_string()),
                    ("uploadEndTimeInSeconds", chunk_end.to_string()),
                ];
                let request =
                    self.request(reqwest::Method::GET, &[data_type.path()], token, &query)?;
                match self.pull(data_type, request).await {
                    Ok(Some(page)) => pages.push(page),
                    Ok(None) => {}
                    Err(ProviderError::Status { status, .. }) if status == PRECONDITION_FAILED => {
                        continue 'types;
                    }
                    Err(e) => return Err(e),
                }
                start = chunk_end;
            }
        }
        Ok(pages)
    }

    /// Downloads a ping's `callbackURL`, which must point into our configured API base.
    pub async fn fetch_callback(
        &self,
        token: &SecretString,
        data_type: GarminDataType,
        callback_url: &str,
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let url = Url::parse(callback_url)
            .map_err(|e| ProviderError::InvalidResponse(format!("garmin callbackURL: {e}")))?;
        if !self.is_ours(&url) {
            return Err(ProviderError::InvalidResponse(
                "garmin callbackURL points outside the configured API base".into(),
            ));
        }
        let request = self
            .sender
            .client()
            .get(url)
            .bearer_auth(token.expose_secret())
            .build()
            .map_err(|e| ProviderError::InvalidResponse(format!("request: {}", e.without_url())))?;
        Ok(self.pull(data_type, request).await?.into_iter().collect())
    }

    /// Sends a summary request; `None` for an empty list.
    async fn pull(
        &self,
        data_type: GarminDataType,
        request: reqwest::Request,
    ) -> Result<Option<FetchedPayload>, ProviderError> {
        let response = self
            .sender
            .send(Provider::Garmin, operation(data_type), request)
            .await?;
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_owned();
        let body = read_body(response).await?;
        let items: Vec<IgnoredAny> = serde_json::from_slice(&body).map_err(|e| {
            ProviderError::InvalidResponse(format!(
                "garmin {data_type}: expected a JSON array: {e}"
            ))
        })?;
        Ok((!items.is_empty()).then(|| FetchedPayload {
            kind: data_type.as_str().to_owned(),
            content_type,
            body,
        }))
    }

    /// Same scheme, host and port as the API base, and a path under it.
    fn is_ours(&self, url: &Url) -> bool {
        let base = &self.api_base_url;
        let base_path = base.path().trim_end_matches('/');
        url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default()
            && url.username().is_empty()
            && url
                .path()
                .strip_prefix(base_path)
                .is_some_and(|rest| rest.starts_with('/'))
    }

    /// `{base}/wellness-api/rest/{segments..}` with a Bearer token.
    fn request(
        &self,
        method: reqwest::Method,
        segments: &[&str],
        token: &SecretString,
        query: &[(&str, String)],
    ) -> Result<reqwest::Request, ProviderError> {
        let mut url = self.api_base_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                ProviderError::InvalidResponse("garmin api base url cannot be a base".into())
            })?
            .pop_if_empty()
            .extend(["wellness-api", "rest"])
            .extend(segments);
        let mut builder = self
            .sender
            .client()
            .request(method, url)
            .bearer_auth(token.expose_secret());
        if !query.is_empty() {
            builder = builder.query(query);
        }
        builder
            .build()
            .map_err(|e| ProviderError::InvalidResponse(format!("request: {}", e.without_url())))
    }
}

fn operation(data_type: GarminDataType) -> &'static str {
    match data_type {
        GarminDataType::Activities => "garmin_pull_activities",
        GarminDataType::ManuallyUpdatedActivities => "garmin_pull_manually_updated_activities",
        GarminDataType::ActivityDetails => "garmin_pull_activity_details",
        GarminDataType::Dailies => "garmin_pull_dailies",
        GarminDataType::Epochs => "garmin_pull_epochs",
        GarminDataType::Sleeps => "garmin_pull_sleeps",
        GarminDataType::BodyComps => "garmin_pull_body_comps",
        GarminDataType::StressDetails => "garmin_pull_stress_details",
        GarminDataType::UserMetrics => "garmin_pull_user_metrics",
        GarminDataType::PulseOx => "garmin_pull_pulse_ox",
        GarminDataType::Respiration => "garmin_pull_respiration",
        GarminDataType::Hrv => "garmin_pull_hrv",
        GarminDataType::BloodPressures => "garmin_pull_blood_pressures",
        GarminDataType::SkinTemp => "garmin_pull_skin_temp",
        GarminDataType::HealthSnapshot => "garmin_pull_health_snapshot",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpSenderConfig;

    fn client(base: &str) -> GarminClient {
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        GarminClient::new(Url::parse(base).unwrap(), sender)
    }

    #[test]
    fn summary_urls_keep_the_base_path_and_use_rest_path_names() {
        let c = client("http://127.0.0.1:9000/garmin");
        let token = SecretString::from("tok");
        let query = [("uploadStartTimeInSeconds", "1".to_owned())];
        let request = c
            .request(reqwest::Method::GET, &["pulseOx"], &token, &query)
            .unwrap();
        assert_eq!(
            request.url().as_str(),
            "http://127.0.0.1:9000/garmin/wellness-api/rest/pulseOx?uploadStartTimeInSeconds=1"
        );
        let auth = request
            .headers()
            .get(reqwest::header::AUTHORIZATION)
            .unwrap();
        assert_eq!(auth.to_str().unwrap(), "Bearer tok");
        let c = client("https://apis.garmin.com");
        let request = c
            .request(
                reqwest::Method::DELETE,
                &["user", "registration"],
                &token,
                &[],
            )
            .unwrap();
        assert_eq!(
            request.url().as_str(),
            "https://apis.garmin.com/wellness-api/rest/user/registration"
        );
    }

    #[test]
    fn only_callback_urls_under_the_api_base_are_followed() {
        let c = client("https://apis.garmin.com");
        let ours = |u: &str| c.is_ours(&Url::parse(u).unwrap());
        assert!(ours(
            "https://apis.garmin.com/wellness-api/rest/epochs?uploadStartTimeInSeconds=1&token=x"
        ));
        assert!(!ours(
            "https://apis.garmin.com.evil.example/wellness-api/rest/epochs"
        ));
        assert!(!ours("http://apis.garmin.com/wellness-api/rest/epochs"));
        assert!(!ours(
            "https://apis.garmin.com:8443/wellness-api/rest/epochs"
        ));
        assert!(!ours(
            "https://user@apis.garmin.com/wellness-api/rest/epochs"
        ));
        let c = client("http://127.0.0.1:9000/garmin");
        assert!(
            c.is_ours(&Url::parse("http://127.0.0.1:9000/garmin/wellness-api/rest/x").unwrap())
        );
        assert!(!c.is_ours(&Url::parse("http://127.0.0.1:9000/garminx/wellness-api").unwrap()));
        assert!(!c.is_ours(&Url::parse("http://127.0.0.1:9001/garmin/wellness-api").unwrap()));
    }
}
