//! WHOOP REST client (base `https://api.prod.whoop.com/developer`): builds requests, follows
//! `nextToken`, and returns each page's bytes untouched.

use chrono::{DateTime, SecondsFormat, Utc};
use domain::{Provider, TimeWindow};
use reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::WhoopDataType;
use crate::FetchedPayload;
use crate::error::ProviderError;
use crate::http::{HttpSender, read_body};

/// WHOOP's largest page (`limit` maximum).
pub const MAX_PAGE_SIZE: u32 = 25;
/// Safety stop against a provider that keeps handing out next tokens.
const MAX_PAGES: usize = 1_000;

/// `GET /v2/user/profile/basic`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BasicProfile {
    /// The WHOOP user id (an int64), as in webhook `user_id`.
    pub user_id: i64,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

/// Only what pagination needs from a page.
#[derive(Deserialize)]
struct PageHead {
    #[serde(default)]
    records: Vec<serde_json::Value>,
    #[serde(default)]
    next_token: Option<String>,
}

/// Only what resolving a recovery through its sleep needs.
#[derive(Deserialize)]
struct SleepHead {
    cycle_id: i64,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
}

#[derive(Debug, Clone)]
pub struct WhoopClient {
    api_base_url: Url,
    sender: HttpSender,
}

impl WhoopClient {
    /// `api_base_url` is `https://api.prod.whoop.com/developer` or an emulator's base.
    pub fn new(api_base_url: Url, sender: HttpSender) -> Self {
        Self {
            api_base_url,
            sender,
        }
    }

    pub async fn profile(&self, token: &SecretString) -> Result<BasicProfile, ProviderError> {
        let request = self.get(&["v2", "user", "profile", "basic"], token, &[])?;
        self.sender
            .send_json(Provider::Whoop, "whoop_profile", request)
            .await
    }

    /// Every page of every requested type overlapping `window` (WHOOP filters by overlap:
    /// `start` inclusive, `end` exclusive), 25 records a page; body measurement is one document.
    pub async fn fetch_window(
        &self,
        token: &SecretString,
        window: TimeWindow,
        data_types: &[WhoopDataType],
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let mut pages = Vec::new();
        for &data_type in data_types {
            if data_type.is_collection() {
                self.collect_pages(token, data_type, window, &mut pages)
                    .await?;
            } else {
                let request = self.get(data_type.path(), token, &[])?;
                let response = self
                    .sender
                    .send(Provider::Whoop, operation(data_type), request)
                    .await?;
                pages.push(payload(data_type, response).await?);
            }
        }
        Ok(pages)
    }

    /// `GET /v2/activity/sleep/{id}`.
    pub async fn sleep(
        &self,
        token: &SecretString,
        sleep_id: &str,
    ) -> Result<FetchedPayload, ProviderError> {
        self.document(
            token,
            WhoopDataType::Sleep,
            &["v2", "activity", "sleep", sleep_id],
        )
        .await
    }

    /// `GET /v2/activity/workout/{id}`.
    pub async fn workout(
        &self,
        token: &SecretString,
        workout_id: &str,
    ) -> Result<FetchedPayload, ProviderError> {
        let path = ["v2", "activity", "workout", workout_id];
        self.document(token, WhoopDataType::Workout, &path).await
    }

    /// `GET /v2/cycle/{cycleId}/recovery`.
    pub async fn recovery_for_cycle(
        &self,
        token: &SecretString,
        cycle_id: &str,
    ) -> Result<FetchedPayload, ProviderError> {
        let path = ["v2", "cycle", cycle_id, "recovery"];
        self.document(token, WhoopDataType::Recovery, &path).await
    }

    /// The recovery a webhook names: by cycle id (an integer) or through the sleep (a UUID).
    pub async fn recovery_for_webhook_id(
        &self,
        token: &SecretString,
        id: &str,
    ) -> Result<FetchedPayload, ProviderError> {
        if id.parse::<i64>().is_ok() {
            return self.recovery_for_cycle(token, id).await;
        }
        let sleep = self.sleep(token, id).await?;
        let head = sleep_head(&sleep)?;
        self.recovery_for_cycle(token, &head.cycle_id.to_string())
            .await
    }

    /// A sleep and the cycles around it: a new sleep ends one cycle and starts the next, and
    /// cycles have no webhook of their own.
    pub async fn sleep_with_cycles(
        &self,
        token: &SecretString,
        sleep_id: &str,
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let sleep = self.sleep(token, sleep_id).await?;
        let head = sleep_head(&sleep)?;
        let parse = |t: Option<&str>| {
            t.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        let mut pages = vec![sleep];
        if let (Some(start), Some(end)) = (parse(head.start.as_deref()), parse(head.end.as_deref()))
        {
            let start = start - chrono::Duration::hours(1);
            let end = end + chrono::Duration::minutes(1);
            if let Ok(window) = TimeWindow::new(start, end) {
                self.collect_pages(token, WhoopDataType::Cycle, window, &mut pages)
                    .await?;
            }
        }
        Ok(pages)
    }

    /// `DELETE /v2/user/access`: revokes our access; WHOOP stops sending this user's webhooks.
    pub async fn revoke_access(&self, token: &SecretString) -> Result<(), ProviderError> {
        let url = self.url(&["v2", "user", "access"])?;
        let request = self
            .sender
            .client()
            .delete(url)
            .bearer_auth(token.expose_secret())
            .build()
            .map_err(|e| ProviderError::InvalidResponse(format!("request: {}", e.without_url())))?;
        self.sender
            .send(Provider::Whoop, "whoop_revoke_access", request)
            .await
            .map(|_| ())
    }

    async fn document(
        &self,
        token: &SecretString,
        data_type: WhoopDataType,
        path: &[&str],
    ) -> Result<FetchedPayload, ProviderError> {
        let request = self.get(path, token, &[])?;
        let response = self
            .sender
            .send(Provider::Whoop, "whoop_fetch_document", request)
            .await?;
        payload(data_type, response).await
    }

    async fn collect_pages(
        &self,
        token: &SecretString,
        data_type: WhoopDataType,
        window: TimeWindow,
        pages: &mut Vec<FetchedPayload>,
    ) -> Result<(), ProviderError> {
        let (start, end) = (timestamp(window.start), timestamp(window.end));
        let limit = MAX_PAGE_SIZE.to_string();
        let mut next_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![("start", start.as_str()), ("end", end.as_str())];
            query.push(("limit", limit.as_str()));
            if let Some(next) = &next_token {
                query.push(("nextToken", next));
            }
            let request = self.get(data_type.path(), token, &query)?;
            let response = self
                .sender
                .send(Provider::Whoop, operation(data_type), request)
                .await?;
            let page = payload(data_type, response).await?;
            let head: PageHead = serde_json::from_slice(&page.body).map_err(|e| {
                ProviderError::InvalidResponse(format!("whoop {data_type} page: {e}"))
            })?;
            let empty = head.records.is_empty();
            pages.push(page);
            match head.next_token.filter(|t| !t.is_empty()) {
                Some(_) if empty => return Ok(()),
                Some(next) if next_token.as_deref() == Some(next.as_str()) => {
                    return Err(ProviderError::InvalidResponse(format!(
                        "whoop {data_type}: next_token repeated"
                    )));
                }
                Some(next) => next_token = Some(next),
                None => return Ok(()),
            }
        }
        Err(ProviderError::InvalidResponse(format!(
            "whoop {data_type}: more than {MAX_PAGES} pages"
        )))
    }

    /// `{base}/{segments..}`, each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Result<Url, ProviderError> {
        let mut url = self.api_base_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                ProviderError::InvalidResponse("whoop api base url cannot be a base".into())
            })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    fn get(
        &self,
        segments: &[&str],
        token: &SecretString,
        query: &[(&str, &str)],
    ) -> Result<reqwest::Request, ProviderError> {
        let mut builder = self
            .sender
            .client()
            .get(self.url(segments)?)
            .bearer_auth(token.expose_secret());
        if !query.is_empty() {
            builder = builder.query(query);
        }
        builder
            .build()
            .map_err(|e| ProviderError::InvalidResponse(format!("request: {}", e.without_url())))
    }
}

fn sleep_head(sleep: &FetchedPayload) -> Result<SleepHead, ProviderError> {
    serde_json::from_slice(&sleep.body)
        .map_err(|e| ProviderError::InvalidResponse(format!("whoop sleep: {e}")))
}

fn operation(data_type: WhoopDataType) -> &'static str {
    match data_type {
        WhoopDataType::Cycle => "whoop_list_cycle",
        WhoopDataType::Sleep => "whoop_list_sleep",
        WhoopDataType::Recovery => "whoop_list_recovery",
        WhoopDataType::Workout => "whoop_list_workout",
        WhoopDataType::BodyMeasurement => "whoop_body_measurement",
    }
}

async fn payload(
    data_type: WhoopDataType,
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

/// `2024-01-15T08:00:00.000Z`, the form of WHOOP's own timestamps.
fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::HttpSenderConfig;

    fn client(base: &str) -> WhoopClient {
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        WhoopClient::new(Url::parse(base).unwrap(), sender)
    }

    #[test]
    fn urls_keep_the_developer_prefix_and_encode_ids() {
        let c = client("https://api.prod.whoop.com/developer");
        let url = c.url(WhoopDataType::Sleep.path()).unwrap();
        assert_eq!(
            url.as_str(),
            "https://api.prod.whoop.com/developer/v2/activity/sleep"
        );
        let c = client("http://127.0.0.1:9000/whoop/developer/");
        let url = c.url(&["v2", "activity", "workout", "a/b c"]).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9000/whoop/developer/v2/activity/workout/a%2Fb%20c"
        );
    }

    #[test]
    fn requests_carry_the_bearer_token_and_the_whoop_query() {
        let c = client("https://api.prod.whoop.com/developer");
        let token = SecretString::from("tok");
        let request = c
            .get(
                WhoopDataType::Cycle.path(),
                &token,
                &[("start", "a"), ("limit", "25"), ("nextToken", "n")],
            )
            .unwrap();
        assert_eq!(request.url().query(), Some("start=a&limit=25&nextToken=n"));
        let auth = request.headers().get(reqwest::header::AUTHORIZATION);
        assert_eq!(auth.unwrap().to_str().unwrap(), "Bearer tok");
    }

    #[test]
    fn the_basic_profile_carries_the_integer_user_id() {
        let body = include_bytes!("fixtures/profile_basic.json");
        let profile: BasicProfile = serde_json::from_slice(body).unwrap();
        assert_eq!(profile.user_id, 10129);
        assert_eq!(profile.email.as_deref(), Some("jsmith123@whoop.com"));
    }

    #[test]
    fn timestamps_are_utc_with_milliseconds() {
        let t = Utc.with_ymd_and_hms(2024, 1, 15, 8, 0, 0).unwrap();
        assert_eq!(timestamp(t), "2024-01-15T08:00:00.000Z");
    }
}
