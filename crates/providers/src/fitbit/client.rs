//! Fitbit REST client: builds requests (Bearer, metric units), walks date ranges within the
//! per-request limits and the activity log's `pagination.next`, and returns each response's bytes
//! untouched with its payload kind.

mod plan;

use chrono::NaiveDate;
use domain::{Provider, TimeWindow, ZoneOffset};
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::{FitbitDataType, FitbitKind};
use crate::FetchedPayload;
use crate::error::ProviderError;
use crate::http::{HttpSender, read_body};

pub(crate) use plan::ymd;

/// Most exercise logs per list page.
const LOG_PAGE_LIMIT: &str = "100";
/// Safety stop against a provider that keeps handing out next links.
const MAX_PAGES: usize = 1_000;
/// Anything but `en_US` / `en_GB` selects the metric system (km, kg, °C).
const UNIT_SYSTEM: &str = "metric";

/// `GET /1/user/-/profile.json` → `user` (the fields we use).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub encoded_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// The wearer's current UTC offset, milliseconds.
    #[serde(default, rename = "offsetFromUTCMillis")]
    pub offset_from_utc_millis: Option<i64>,
    #[serde(default)]
    pub timezone: Option<String>,
}

#[derive(Deserialize)]
struct ProfileEnvelope {
    user: Profile,
}

/// What paging needs from an exercise log page.
#[derive(Deserialize)]
struct LogPageHead {
    #[serde(default)]
    activities: Vec<LogHead>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogHead {
    #[serde(default)]
    start_time: Option<String>,
}

#[derive(Deserialize)]
struct Pagination {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FitbitClient {
    api_base_url: Url,
    sender: HttpSender,
}

impl FitbitClient {
    /// `api_base_url` is `https://api.fitbit.com` or an emulator's base (a path prefix is kept).
    pub fn new(api_base_url: Url, sender: HttpSender) -> Self {
        Self {
            api_base_url,
            sender,
        }
    }

    pub async fn profile(&self, token: &SecretString) -> Result<Profile, ProviderError> {
        let url = self.url(&["1", "user", "-", "profile.json"])?;
        let request = self.get(url, token, &[])?;
        let envelope: ProfileEnvelope = self
            .sender
            .send_json(Provider::Fitbit, "fitbit_profile", request)
            .await?;
        Ok(envelope.user)
    }

    /// The wearer's current UTC offset; `None` when the profile is not shared (403) or odd.
    pub async fn utc_offset(
        &self,
        token: &SecretString,
    ) -> Result<Option<ZoneOffset>, ProviderError> {
        match self.profile(token).await {
            Ok(profile) => Ok(profile
                .offset_from_utc_millis
                .and_then(|ms| ZoneOffset::from_seconds(ms / 1000).ok())),
            Err(ProviderError::Status { status: 403, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every payload of `types` overlapping `window`.
    pub async fn fetch_window(
        &self,
        token: &SecretString,
        window: TimeWindow,
        types: &[FitbitDataType],
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let offset = self.offset_if_needed(token, types).await?;
        let (first, last) = plan::local_days(window, offset);
        self.fetch_days(token, types, first, last, offset).await
    }

    /// Every payload of `types` about local days `[first, last]`.
    pub async fn fetch_days(
        &self,
        token: &SecretString,
        types: &[FitbitDataType],
        first: NaiveDate,
        last: NaiveDate,
        offset: Option<ZoneOffset>,
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let mut pages = Vec::new();
        for &data_type in types {
            if data_type == FitbitDataType::ActivityLog {
                self.activity_logs(token, first, last, &mut pages).await?;
                continue;
            }
            for planned in plan::plan(data_type, first, last) {
                let segments: Vec<&str> = planned.segments.iter().map(String::as_str).collect();
                let url = self.url(&segments)?;
                let kind = FitbitKind::new(data_type, planned.date, offset);
                let request = self.get(url, token, &[])?;
                let response = self
                    .sender
                    .send(Provider::Fitbit, operation(data_type), request)
                    .await?;
                pages.push(payload(kind, response).await?);
            }
        }
        Ok(pages)
    }

    /// The profile's offset when any of `types` has local-clock times.
    pub(crate) async fn offset_if_needed(
        &self,
        token: &SecretString,
        types: &[FitbitDataType],
    ) -> Result<Option<ZoneOffset>, ProviderError> {
        if types.iter().any(|t| t.is_local_clock()) {
            self.utc_offset(token).await
        } else {
            Ok(None)
        }
    }

    /// `activities/list.json?afterDate=<first>T00:00:00&sort=asc&limit=100&offset=0`, then each
    /// `pagination.next`, until a page reaches past `last` or there is no next page.
    async fn activity_logs(
        &self,
        token: &SecretString,
        first: NaiveDate,
        last: NaiveDate,
        pages: &mut Vec<FetchedPayload>,
    ) -> Result<(), ProviderError> {
        let after = format!("{}T00:00:00", ymd(first));
        let query = [
            ("afterDate", after.as_str()),
            ("sort", "asc"),
            ("limit", LOG_PAGE_LIMIT),
            ("offset", "0"),
        ];
        let mut request = self.get(
            self.url(&["1", "user", "-", "activities", "list.json"])?,
            token,
            &query,
        )?;
        let kind = FitbitKind::new(FitbitDataType::ActivityLog, None, None);
        let mut seen_next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let response = self
                .sender
                .send(Provider::Fitbit, "fitbit_list_activity_log", request)
                .await?;
            let page = payload(kind, response).await?;
            let head: LogPageHead = serde_json::from_slice(&page.body).map_err(|e| {
                ProviderError::InvalidResponse(format!("fitbit activity log page: {e}"))
            })?;
            pages.push(page);
            let past_window = head
                .activities
                .last()
                .and_then(|a| a.start_time.as_deref())
                .and_then(|t| t.get(..10))
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .is_some_and(|d| d > last);
            let next = head
                .pagination
                .and_then(|p| p.next)
                .filter(|n| !n.trim().is_empty());
            let Some(next) = next.filter(|_| !past_window && !head.activities.is_empty()) else {
                return Ok(());
            };
            if seen_next.as_deref() == Some(next.as_str()) {
                return Err(ProviderError::InvalidResponse(
                    "fitbit activity log: pagination.next repeated".into(),
                ));
            }
            request = self.get(self.next_url(&next)?, token, &[])?;
            seen_next = Some(next);
        }
        Err(ProviderError::InvalidResponse(format!(
            "fitbit activity log: more than {MAX_PAGES} pages"
        )))
    }

    /// A `pagination.next` link, accepted only on our API host and base path (the Bearer token
    /// goes with it).
    fn next_url(&self, next: &str) -> Result<Url, ProviderError> {
        let url = Url::parse(next)
            .map_err(|e| ProviderError::InvalidResponse(format!("pagination.next: {e}")))?;
        let base = &self.api_base_url;
        let same_origin = url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default()
            && url.path().starts_with(base.path().trim_end_matches('/'));
        if !same_origin {
            return Err(ProviderError::InvalidResponse(
                "pagination.next points outside the Fitbit API".into(),
            ));
        }
        Ok(url)
    }

    /// `{base}/{segments..}`, each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Result<Url, ProviderError> {
        let mut url = self.api_base_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                ProviderError::InvalidResponse("fitbit api base url cannot be a base".into())
            })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    pub(crate) fn get(
        &self,
        url: Url,
        token: &SecretString,
        query: &[(&str, &str)],
    ) -> Result<reqwest::Request, ProviderError> {
        self.request(reqwest::Method::GET, url, token, query)
    }

    pub(crate) fn request(
        &self,
        method: reqwest::Method,
        url: Url,
        token: &SecretString,
        query: &[(&str, &str)],
    ) -> Result<reqwest::Request, ProviderError> {
        let mut builder = self
            .sender
            .client()
            .request(method, url)
            .bearer_auth(token.expose_secret())
            .header(ACCEPT_LANGUAGE, UNIT_SYSTEM);
        if !query.is_empty() {
            builder = builder.query(query);
        }
        builder
            .build()
            .map_err(|e| ProviderError::InvalidResponse(format!("request: {}", e.without_url())))
    }

    pub(crate) fn base_url(&self, segments: &[&str]) -> Result<Url, ProviderError> {
        self.url(segments)
    }

    pub(crate) fn sender(&self) -> &HttpSender {
        &self.sender
    }
}

fn operation(data_type: FitbitDataType) -> &'static str {
    match data_type {
        FitbitDataType::ActivityLog => "fitbit_list_activity_log",
        FitbitDataType::ActivitySummary => "fitbit_activity_summary",
        FitbitDataType::Heart => "fitbit_heart",
        FitbitDataType::Sleep => "fitbit_sleep",
        FitbitDataType::Hrv => "fitbit_hrv",
        FitbitDataType::Spo2 => "fitbit_spo2",
        FitbitDataType::Br => "fitbit_br",
        FitbitDataType::TempSkin => "fitbit_temp_skin",
        FitbitDataType::Weight => "fitbit_weight",
        FitbitDataType::Fat => "fitbit_fat",
        FitbitDataType::Cardioscore => "fitbit_cardioscore",
    }
}

async fn payload(
    kind: FitbitKind,
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
        kind: kind.to_string(),
        content_type,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpSenderConfig;

    fn client(base: &str) -> FitbitClient {
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        FitbitClient::new(Url::parse(base).unwrap(), sender)
    }

    #[test]
    fn the_profile_fixture_gives_the_id_and_offset() {
        let envelope: ProfileEnvelope =
            serde_json::from_slice(include_bytes!("fixtures/profile.json")).unwrap();
        assert_eq!(envelope.user.encoded_id, "26FWFL");
        assert_eq!(envelope.user.offset_from_utc_millis, Some(-18_000_000));
        assert_eq!(envelope.user.timezone.as_deref(), Some("America/New_York"));
    }

    #[test]
    fn urls_keep_the_base_path() {
        let c = client("http://127.0.0.1:9000/fitbit");
        assert_eq!(
            c.url(&["1.2", "user", "-", "sleep", "date", "2024-01-01.json"])
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9000/fitbit/1.2/user/-/sleep/date/2024-01-01.json"
        );
        let c = client("https://api.fitbit.com");
        assert_eq!(
            c.url(&["1", "user", "-", "profile.json"]).unwrap().as_str(),
            "https://api.fitbit.com/1/user/-/profile.json"
        );
    }

    #[test]
    fn requests_carry_the_bearer_token_and_ask_for_metric_units() {
        let c = client("https://api.fitbit.com");
        let request = c
            .get(
                c.url(&["1", "user", "-", "activities", "list.json"])
                    .unwrap(),
                &SecretString::from("tok"),
                &[("sort", "asc")],
            )
            .unwrap();
        assert_eq!(request.url().query(), Some("sort=asc"));
        assert_eq!(request.headers()["authorization"], "Bearer tok");
        assert_eq!(request.headers()["accept-language"], "metric");
    }

    #[test]
    fn next_links_are_followed_only_on_the_api_host() {
        let c = client("http://127.0.0.1:9000/fitbit");
        assert!(
            c.next_url("http://127.0.0.1:9000/fitbit/1/user/-/activities/list.json?offset=100")
                .is_ok()
        );
        for bad in [
            "http://evil.example/fitbit/1/user/-/activities/list.json",
            "http://127.0.0.1:9001/fitbit/1/user/-/activities/list.json",
            "https://127.0.0.1:9000/fitbit/1/user/-/activities/list.json",
            "http://127.0.0.1:9000/other/1/user/-/activities/list.json",
            "not a url",
        ] {
            assert!(c.next_url(bad).is_err(), "{bad}");
        }
    }
}
