//! Oura REST client: builds requests, follows `next_token`, and returns each page's bytes untouched.

use chrono::{DateTime, Days, SecondsFormat, Utc};
use domain::{Provider, TimeWindow};
use reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::OuraDataType;
use crate::FetchedPayload;
use crate::error::ProviderError;
use crate::http::{HttpSender, read_body};

/// Oura accepts at most this much time per heart-rate request.
const HEARTRATE_CHUNK: chrono::Duration = chrono::Duration::days(30);
/// Safety stop against a provider that keeps handing out next tokens.
const MAX_PAGES: usize = 1_000;

/// `GET /v2/usercollection/personal_info`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PersonalInfo {
    /// The Oura user id, as in webhook `user_id`.
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub age: Option<i64>,
    /// Kilograms.
    #[serde(default)]
    pub weight: Option<f64>,
    /// Meters (not centimeters).
    #[serde(default)]
    pub height: Option<f64>,
    #[serde(default)]
    pub biological_sex: Option<String>,
}

/// Only what pagination needs from a page.
#[derive(Deserialize)]
struct PageHead {
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Debug, Clone)]
pub struct OuraClient {
    api_base_url: Url,
    sender: HttpSender,
}

impl OuraClient {
    /// `api_base_url` is `https://api.ouraring.com` or an emulator's base (a path prefix is kept).
    pub fn new(api_base_url: Url, sender: HttpSender) -> Self {
        Self {
            api_base_url,
            sender,
        }
    }

    pub async fn personal_info(&self, token: &SecretString) -> Result<PersonalInfo, ProviderError> {
        let url = self.url(&["personal_info"])?;
        let request = self.get(url, token, &[])?;
        self.sender
            .send_json(Provider::Oura, "oura_personal_info", request)
            .await
    }

    /// Every page of every requested type overlapping `window`, one payload per page.
    /// Documents are asked for by local date, widened by a day each side; heart rate by
    /// datetime, in chunks of at most 30 days.
    pub async fn fetch_window(
        &self,
        token: &SecretString,
        window: TimeWindow,
        data_types: &[OuraDataType],
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let mut pages = Vec::new();
        for &data_type in data_types {
            if data_type.is_time_series() {
                let mut start = window.start;
                while start < window.end {
                    let end = (start + HEARTRATE_CHUNK).min(window.end);
                    let query = [
                        ("start_datetime", rfc3339(start)),
                        ("end_datetime", rfc3339(end)),
                    ];
                    self.collect_pages(token, data_type, &query, &mut pages)
                        .await?;
                    start = end;
                }
            } else {
                let (start_date, end_date) = widened_dates(window);
                let query = [("start_date", start_date), ("end_date", end_date)];
                self.collect_pages(token, data_type, &query, &mut pages)
                    .await?;
            }
        }
        Ok(pages)
    }

    /// `GET /v2/usercollection/{type}/{id}` (the target of a webhook notification).
    pub async fn fetch_document(
        &self,
        token: &SecretString,
        data_type: OuraDataType,
        document_id: &str,
    ) -> Result<FetchedPayload, ProviderError> {
        if data_type.is_time_series() {
            return Err(ProviderError::InvalidResponse(format!(
                "oura {data_type} has no single-document endpoint"
            )));
        }
        let url = self.url(&[data_type.as_str(), document_id])?;
        let request = self.get(url, token, &[])?;
        let response = self
            .sender
            .send(Provider::Oura, "oura_fetch_document", request)
            .await?;
        payload(data_type, response).await
    }

    async fn collect_pages(
        &self,
        token: &SecretString,
        data_type: OuraDataType,
        query: &[(&str, String)],
        pages: &mut Vec<FetchedPayload>,
    ) -> Result<(), ProviderError> {
        let url = self.url(&[data_type.as_str()])?;
        let mut next_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut params: Vec<(&str, &str)> =
                query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            if let Some(next) = &next_token {
                params.push(("next_token", next));
            }
            let request = self.get(url.clone(), token, &params)?;
            let response = self
                .sender
                .send(Provider::Oura, operation(data_type), request)
                .await?;
            let page = payload(data_type, response).await?;
            let head: PageHead = serde_json::from_slice(&page.body).map_err(|e| {
                ProviderError::InvalidResponse(format!("oura {data_type} page: {e}"))
            })?;
            pages.push(page);
            match head.next_token.filter(|t| !t.is_empty()) {
                Some(next) if next_token.as_deref() == Some(next.as_str()) => {
                    return Err(ProviderError::InvalidResponse(format!(
                        "oura {data_type}: next_token repeated"
                    )));
                }
                Some(next) => next_token = Some(next),
                None => return Ok(()),
            }
        }
        Err(ProviderError::InvalidResponse(format!(
            "oura {data_type}: more than {MAX_PAGES} pages"
        )))
    }

    /// `{base}/v2/usercollection/{segments..}`, each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Result<Url, ProviderError> {
        let mut url = self.api_base_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                ProviderError::InvalidResponse("oura api base url cannot be a base".into())
            })?
            .pop_if_empty()
            .extend(["v2", "usercollection"])
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
            .bearer_auth(token.expose_secret());
        if !query.is_empty() {
            builder = builder.query(query);
        }
        builder
            .build()
            .map_err(|e| ProviderError::InvalidResponse(format!("request: {}", e.without_url())))
    }
}

fn operation(data_type: OuraDataType) -> &'static str {
    match data_type {
        OuraDataType::Sleep => "oura_list_sleep",
        OuraDataType::Heartrate => "oura_list_heartrate",
        OuraDataType::Workout => "oura_list_workout",
        OuraDataType::DailyActivity => "oura_list_daily_activity",
    }
}

async fn payload(
    data_type: OuraDataType,
    response: reqwest::Response,
) -> Result<FetchedPayload, ProviderError> {
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let body = read_body(response).await?;
    Ok(FetchedPayload {
        kind: data_type.as_str().to_owned(),
        content_type,
        body,
    })
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The window's UTC dates widened by one day each side, so that documents whose local `day`
/// differs from the UTC date are not missed.
fn widened_dates(window: TimeWindow) -> (String, String) {
    let start = window.start.date_naive();
    let end = window.end.date_naive();
    let start = start.checked_sub_days(Days::new(1)).unwrap_or(start);
    let end = end.checked_add_days(Days::new(1)).unwrap_or(end);
    (
        start.format("%Y-%m-%d").to_string(),
        end.format("%Y-%m-%d").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::HttpSenderConfig;

    fn client(base: &str) -> OuraClient {
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        OuraClient::new(Url::parse(base).unwrap(), sender)
    }

    #[test]
    fn urls_keep_the_base_path_and_encode_ids() {
        let c = client("http://127.0.0.1:9000/oura");
        let url = c.url(&["sleep", "a/b c"]).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9000/oura/v2/usercollection/sleep/a%2Fb%20c"
        );
        let c = client("https://api.ouraring.com");
        let url = c.url(&["personal_info"]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://api.ouraring.com/v2/usercollection/personal_info"
        );
        let c = client("http://127.0.0.1:9000/oura/");
        let url = c.url(&["heartrate"]).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9000/oura/v2/usercollection/heartrate"
        );
    }

    #[test]
    fn document_dates_are_widened_by_a_day() {
        let window = TimeWindow::new(
            Utc.with_ymd_and_hms(2024, 1, 10, 23, 30, 0).unwrap(),
            Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).unwrap(),
        )
        .unwrap();
        assert_eq!(
            widened_dates(window),
            ("2024-01-09".into(), "2024-01-16".into())
        );
    }

    #[test]
    fn requests_carry_the_bearer_token_and_query() {
        let c = client("https://api.ouraring.com");
        let token = SecretString::from("tok");
        let request = c
            .get(
                c.url(&["sleep"]).unwrap(),
                &token,
                &[("start_date", "2024-01-01")],
            )
            .unwrap();
        assert_eq!(request.url().query(), Some("start_date=2024-01-01"));
        let auth = request
            .headers()
            .get(reqwest::header::AUTHORIZATION)
            .unwrap();
        assert_eq!(auth.to_str().unwrap(), "Bearer tok");
    }
}
