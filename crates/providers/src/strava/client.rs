//! Strava REST client: builds requests, pages `GET /athlete/activities`, fetches activities and
//! their streams, and returns every response's bytes untouched.

use chrono::{DateTime, Utc};
use domain::{Provider, TimeWindow};
use reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::StravaDataType;
use crate::FetchedPayload;
use crate::error::ProviderError;
use crate::http::{HttpSender, read_body};

/// Strava's maximum page size for `GET /athlete/activities`.
pub const PER_PAGE: usize = 200;
/// Safety stop against a server that never returns an empty page.
const MAX_PAGES: usize = 1_000;
/// Every stream type Strava offers; the transformer reads a subset, the archive keeps all.
pub const STREAM_KEYS: &str = "time,distance,latlng,altitude,velocity_smooth,heartrate,cadence,watts,temp,moving,grade_smooth";

/// `GET /athlete`: what the account lookup needs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Athlete {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub username: Option<String>,
}

/// What fetching an activity's streams needs from the activity itself.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct ActivityHead {
    #[serde(deserialize_with = "id_string")]
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) start_date: Option<String>,
    #[serde(default)]
    pub(crate) utc_offset: Option<f64>,
    #[serde(default)]
    pub(crate) manual: Option<bool>,
}

/// Ids are JSON numbers (sometimes above 2^53 in other APIs, so kept as text).
fn id_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) => Ok(s),
        other => Err(serde::de::Error::custom(format!(
            "id is not a number: {other}"
        ))),
    }
}

#[derive(Debug, Clone)]
pub struct StravaClient {
    api_base_url: Url,
    sender: HttpSender,
}

impl StravaClient {
    /// `api_base_url` is `https://www.strava.com/api/v3` or an emulator's equivalent.
    pub fn new(api_base_url: Url, sender: HttpSender) -> Self {
        Self {
            api_base_url,
            sender,
        }
    }

    /// `GET /athlete`, parsed.
    pub async fn athlete(&self, token: &SecretString) -> Result<Athlete, ProviderError> {
        let request = self.get(self.url(&["athlete"])?, token, &[])?;
        self.sender
            .send_json(Provider::Strava, "strava_athlete", request)
            .await
    }

    /// `GET /athlete`, untouched (kind `athlete`).
    pub async fn athlete_payload(
        &self,
        token: &SecretString,
    ) -> Result<FetchedPayload, ProviderError> {
        let request = self.get(self.url(&["athlete"])?, token, &[])?;
        let response = self
            .sender
            .send(Provider::Strava, "strava_athlete", request)
            .await?;
        payload(StravaDataType::Athlete, response).await
    }

    /// Every page of activities that started in `window` (kind `activity`), and the activities.
    pub(crate) async fn activity_pages(
        &self,
        token: &SecretString,
        window: TimeWindow,
    ) -> Result<(Vec<FetchedPayload>, Vec<ActivityHead>), ProviderError> {
        let url = self.url(&["athlete", "activities"])?;
        let (after, before) = bounds(window);
        let (after, before, per_page) =
            (after.to_string(), before.to_string(), PER_PAGE.to_string());
        let mut pages = Vec::new();
        let mut heads: Vec<ActivityHead> = Vec::new();
        for page_number in 1..=MAX_PAGES {
            let page_number = page_number.to_string();
            let query = [
                ("after", after.as_str()),
                ("before", before.as_str()),
                ("page", page_number.as_str()),
                ("per_page", per_page.as_str()),
            ];
            let request = self.get(url.clone(), token, &query)?;
            let response = self
                .sender
                .send(Provider::Strava, "strava_list_activities", request)
                .await?;
            let page = payload(StravaDataType::Activity, response).await?;
            let items: Vec<ActivityHead> = serde_json::from_slice(&page.body).map_err(|e| {
                ProviderError::InvalidResponse(format!("strava activities page: {e}"))
            })?;
            if items.is_empty() {
                return Ok((pages, heads));
            }
            pages.push(page);
            for item in items {
                // A page can repeat an item when an upload shifts the list between requests.
                if !heads.iter().any(|h| h.id == item.id) {
                    heads.push(item);
                }
            }
        }
        Err(ProviderError::InvalidResponse(format!(
            "strava activities: more than {MAX_PAGES} pages"
        )))
    }

    /// `GET /activities/{id}` (kind `activity`), and what its streams need.
    pub(crate) async fn activity(
        &self,
        token: &SecretString,
        id: &str,
    ) -> Result<(FetchedPayload, ActivityHead), ProviderError> {
        let request = self.get(self.url(&["activities", id])?, token, &[])?;
        let response = self
            .sender
            .send(Provider::Strava, "strava_get_activity", request)
            .await?;
        let page = payload(StravaDataType::Activity, response).await?;
        let head: ActivityHead = serde_json::from_slice(&page.body)
            .map_err(|e| ProviderError::InvalidResponse(format!("strava activity: {e}")))?;
        Ok((page, head))
    }

    /// `GET /activities/{id}/streams` wrapped with the activity's start (kind
    /// `activity_streams`). `None` for manual activities, activities without a start, and when
    /// Strava has no streams (404).
    pub(crate) async fn streams(
        &self,
        token: &SecretString,
        activity: &ActivityHead,
    ) -> Result<Option<FetchedPayload>, ProviderError> {
        if activity.manual == Some(true) || activity.start_date.is_none() {
            return Ok(None);
        }
        let url = self.url(&["activities", &activity.id, "streams"])?;
        let query = [("keys", STREAM_KEYS), ("key_by_type", "true")];
        let request = self.get(url, token, &query)?;
        let response = match self
            .sender
            .send(Provider::Strava, "strava_get_streams", request)
            .await
        {
            Ok(response) => response,
            Err(ProviderError::Status { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let content_type = content_type(&response);
        let streams = read_body(response).await?;
        let body = envelope(activity, &streams)?;
        Ok(Some(FetchedPayload {
            kind: StravaDataType::ActivityStreams.as_str().to_owned(),
            content_type,
            body,
        }))
    }

    /// `{base}/{segments..}`, each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Result<Url, ProviderError> {
        let mut url = self.api_base_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                ProviderError::InvalidResponse("strava api base url cannot be a base".into())
            })?
            .pop_if_empty()
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

/// `after`/`before` (epoch seconds, both exclusive at Strava) for the half-open `window`.
fn bounds(window: TimeWindow) -> (i64, i64) {
    let ceil = |t: DateTime<Utc>| t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0);
    (ceil(window.start) - 1, ceil(window.end))
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned()
}

async fn payload(
    data_type: StravaDataType,
    response: reqwest::Response,
) -> Result<FetchedPayload, ProviderError> {
    let content_type = content_type(&response);
    let body = read_body(response).await?;
    Ok(FetchedPayload {
        kind: data_type.as_str().to_owned(),
        content_type,
        body,
    })
}

/// `{"activity_id":..,"start_date":"..","utc_offset":..,"streams":<streams bytes verbatim>}`.
pub(crate) fn envelope(activity: &ActivityHead, streams: &[u8]) -> Result<Vec<u8>, ProviderError> {
    serde_json::from_slice::<serde::de::IgnoredAny>(streams)
        .map_err(|e| ProviderError::InvalidResponse(format!("strava streams: {e}")))?;
    let text = |e: serde_json::Error| ProviderError::InvalidResponse(format!("envelope: {e}"));
    let id = serde_json::to_string(&activity.id).map_err(text)?;
    let start = serde_json::to_string(&activity.start_date).map_err(text)?;
    let offset = serde_json::to_string(&activity.utc_offset).map_err(text)?;
    let mut body = Vec::with_capacity(streams.len() + 128);
    body.extend_from_slice(b"{\"activity_id\":");
    body.extend_from_slice(id.as_bytes());
    body.extend_from_slice(b",\"start_date\":");
    body.extend_from_slice(start.as_bytes());
    body.extend_from_slice(b",\"utc_offset\":");
    body.extend_from_slice(offset.as_bytes());
    body.extend_from_slice(b",\"streams\":");
    body.extend_from_slice(streams);
    body.push(b'}');
    Ok(body)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::HttpSenderConfig;

    fn client(base: &str) -> StravaClient {
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        StravaClient::new(Url::parse(base).unwrap(), sender)
    }

    #[test]
    fn urls_keep_the_base_path() {
        let c = client("https://www.strava.com/api/v3");
        assert_eq!(
            c.url(&["athlete", "activities"]).unwrap().as_str(),
            "https://www.strava.com/api/v3/athlete/activities"
        );
        let c = client("http://127.0.0.1:9000/strava/api/v3/");
        assert_eq!(
            c.url(&["activities", "12", "streams"]).unwrap().as_str(),
            "http://127.0.0.1:9000/strava/api/v3/activities/12/streams"
        );
    }

    #[test]
    fn window_bounds_are_exclusive_epoch_seconds() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2024, 1, 31, 0, 0, 0).unwrap();
        let (after, before) = bounds(TimeWindow::new(start, end).unwrap());
        assert_eq!(after, start.timestamp() - 1);
        assert_eq!(before, end.timestamp());
        let start = start + chrono::Duration::milliseconds(500);
        let end = end + chrono::Duration::milliseconds(500);
        let (after, before) = bounds(TimeWindow::new(start, end).unwrap());
        assert_eq!(after, start.timestamp());
        assert_eq!(before, end.timestamp() + 1);
    }

    #[test]
    fn the_envelope_embeds_the_streams_bytes_verbatim() {
        let head = ActivityHead {
            id: "154504250376823".into(),
            start_date: Some("2024-01-15T07:00:00Z".into()),
            utc_offset: Some(3600.0),
            manual: None,
        };
        let streams = br#"{"time": {"data":[0, 1]}}"#;
        let body = envelope(&head, streams).unwrap();
        let text = String::from_utf8(body).unwrap();
        assert_eq!(
            text,
            r#"{"activity_id":"154504250376823","start_date":"2024-01-15T07:00:00Z","utc_offset":3600.0,"streams":{"time": {"data":[0, 1]}}}"#
        );
        assert!(envelope(&head, b"<html>").is_err());
    }

    #[test]
    fn requests_carry_the_bearer_token() {
        let c = client("https://www.strava.com/api/v3");
        let token = SecretString::from("tok");
        let request = c
            .get(c.url(&["athlete"]).unwrap(), &token, &[("page", "1")])
            .unwrap();
        assert_eq!(request.url().query(), Some("page=1"));
        let auth = request
            .headers()
            .get(reqwest::header::AUTHORIZATION)
            .unwrap();
        assert_eq!(auth.to_str().unwrap(), "Bearer tok");
    }
}
