//! What to call for each data type over a time range, one payload per page.

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use secrecy::SecretString;
use serde_json::Value;

use super::{Answer, WithingsClient};
use crate::FetchedPayload;
use crate::error::ProviderError;
use crate::withings::WithingsDataType;

/// Longest range of one `getintradayactivity` call (Withings answers at most a day).
const INTRADAY_CHUNK: TimeDelta = TimeDelta::hours(24);
/// Longest range of one sleep `get` call.
const SLEEP_DETAIL_CHUNK: TimeDelta = TimeDelta::days(7);

const ACTIVITY_FIELDS: &str = "steps,distance,elevation,soft,moderate,intense,active,calories,\
     totalcalories,hr_average,hr_min,hr_max,hr_zone_0,hr_zone_1,hr_zone_2,hr_zone_3";
const WORKOUT_FIELDS: &str = "calories,intensity,manual_distance,manual_calories,hr_average,\
     hr_min,hr_max,hr_zone_0,hr_zone_1,hr_zone_2,hr_zone_3,pause_duration,algo_pause_duration,\
     spo2_average,steps,distance,elevation,pool_laps,strokes,pool_length";
const INTRADAY_FIELDS: &str =
    "steps,elevation,calories,distance,stroke,pool_lap,duration,heart_rate,spo2_auto";
const SLEEP_SUMMARY_FIELDS: &str = "breathing_disturbances_intensity,deepsleepduration,\
     durationtosleep,durationtowakeup,hr_average,hr_max,hr_min,lightsleepduration,\
     nb_rem_episodes,night_events,out_of_bed_count,remsleepduration,rr_average,rr_max,rr_min,\
     sleep_efficiency,sleep_latency,sleep_score,snoring,snoringepisodecount,total_sleep_time,\
     total_timeinbed,wakeup_latency,wakeupcount,wakeupduration";
const SLEEP_DETAIL_FIELDS: &str = "hr,rr,snoring,sdnn_1,rmssd";

impl WithingsClient {
    /// Every page of every requested type in `[start, end)`. Date-parameterised actions are
    /// asked for the UTC dates widened by a day each side, so local dates are not missed.
    pub async fn fetch_range(
        &self,
        token: &SecretString,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        types: &[WithingsDataType],
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let mut payloads = Vec::new();
        for &data_type in types {
            match data_type {
                WithingsDataType::Measures => {
                    let params = [
                        ("action", "getmeas".to_owned()),
                        ("category", "1".to_owned()),
                        ("startdate", start.timestamp().to_string()),
                        ("enddate", end.timestamp().to_string()),
                    ];
                    let pages = self
                        .pages(token, &["measure"], &params, "withings_getmeas")
                        .await?;
                    payloads.extend(pages.into_iter().map(|a| payload(data_type, a)));
                }
                WithingsDataType::Activity | WithingsDataType::Workouts => {
                    let (action, fields, operation) = if data_type == WithingsDataType::Activity {
                        ("getactivity", ACTIVITY_FIELDS, "withings_getactivity")
                    } else {
                        ("getworkouts", WORKOUT_FIELDS, "withings_getworkouts")
                    };
                    let (first, last) = widened_dates(start, end);
                    let params = [
                        ("action", action.to_owned()),
                        ("startdateymd", ymd(first)),
                        ("enddateymd", ymd(last)),
                        ("data_fields", fields.to_owned()),
                    ];
                    let pages = self
                        .pages(token, &["v2", "measure"], &params, operation)
                        .await?;
                    payloads.extend(pages.into_iter().map(|a| payload(data_type, a)));
                }
                WithingsDataType::IntradayActivity => {
                    for (from, to) in chunks(start, end, INTRADAY_CHUNK) {
                        let params = [
                            ("action", "getintradayactivity".to_owned()),
                            ("startdate", from.to_string()),
                            ("enddate", to.to_string()),
                            ("data_fields", INTRADAY_FIELDS.to_owned()),
                        ];
                        let answer = self
                            .call(token, &["v2", "measure"], &params, "withings_getintraday")
                            .await?;
                        payloads.push(payload(data_type, answer));
                    }
                }
                WithingsDataType::Sleep => {
                    let (first, last) = widened_dates(start, end);
                    let params = [
                        ("action", "getsummary".to_owned()),
                        ("startdateymd", ymd(first)),
                        ("enddateymd", ymd(last)),
                        ("data_fields", SLEEP_SUMMARY_FIELDS.to_owned()),
                    ];
                    let pages = self
                        .pages(token, &["v2", "sleep"], &params, "withings_sleep_summary")
                        .await?;
                    for page in pages {
                        payloads.push(self.sleep_payload(token, page).await?);
                    }
                }
            }
        }
        Ok(payloads)
    }

    /// A summary page plus the stage segments (`get`, ≤ 7 days a call) of the nights it holds.
    async fn sleep_payload(
        &self,
        token: &SecretString,
        summary: Answer,
    ) -> Result<FetchedPayload, ProviderError> {
        let mut details = Vec::new();
        if let Some((first, last)) = sleep_span(summary.envelope.body.as_ref()) {
            for (from, to) in epoch_chunks(first, last, SLEEP_DETAIL_CHUNK.num_seconds()) {
                let params = [
                    ("action", "get".to_owned()),
                    ("startdate", from.to_string()),
                    ("enddate", to.to_string()),
                    ("data_fields", SLEEP_DETAIL_FIELDS.to_owned()),
                ];
                let answer = self
                    .call(token, &["v2", "sleep"], &params, "withings_sleep_get")
                    .await?;
                details.push(answer.bytes);
            }
        }
        Ok(FetchedPayload {
            kind: WithingsDataType::Sleep.as_str().to_owned(),
            content_type: "application/json".to_owned(),
            body: sleep_envelope(&summary.bytes, &details),
        })
    }
}

fn payload(data_type: WithingsDataType, answer: Answer) -> FetchedPayload {
    FetchedPayload {
        kind: data_type.as_str().to_owned(),
        content_type: answer.content_type,
        body: answer.bytes,
    }
}

/// `{"summary":<summary bytes>,"details":[<get bytes>,..]}`: each answer embedded verbatim.
pub(crate) fn sleep_envelope(summary: &[u8], details: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(summary.len() + details.iter().map(Vec::len).sum::<usize>());
    out.extend_from_slice(br#"{"summary":"#);
    out.extend_from_slice(summary);
    out.extend_from_slice(br#","details":["#);
    for (i, detail) in details.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(detail);
    }
    out.extend_from_slice(b"]}");
    out
}

/// The earliest `startdate` and latest `enddate` of a summary page's nights.
fn sleep_span(body: Option<&Value>) -> Option<(i64, i64)> {
    let series = body?.get("series")?.as_array()?;
    let starts = series.iter().filter_map(|s| s.get("startdate")?.as_i64());
    let ends = series.iter().filter_map(|s| s.get("enddate")?.as_i64());
    let (first, last) = (starts.min()?, ends.max()?);
    (first < last).then_some((first, last))
}

/// `[start, end)` cut into epoch-second pieces of at most `chunk`.
fn chunks(start: DateTime<Utc>, end: DateTime<Utc>, chunk: TimeDelta) -> Vec<(i64, i64)> {
    epoch_chunks(start.timestamp(), end.timestamp(), chunk.num_seconds())
}

fn epoch_chunks(start: i64, end: i64, chunk: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut from = start;
    while from < end {
        let to = (from + chunk.max(1)).min(end);
        out.push((from, to));
        from = to;
    }
    out
}

/// The UTC dates of `[start, end)` widened by one day each side.
fn widened_dates(start: DateTime<Utc>, end: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    let first = start.date_naive();
    let last = end.date_naive();
    (
        first.checked_sub_days(Days::new(1)).unwrap_or(first),
        last.checked_add_days(Days::new(1)).unwrap_or(last),
    )
}

fn ymd(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn ranges_are_cut_into_chunks_that_cover_them_exactly() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let end = start + TimeDelta::hours(50);
        let pieces = chunks(start, end, INTRADAY_CHUNK);
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces[0].0, start.timestamp());
        assert_eq!(pieces[2].1, end.timestamp());
        assert!(pieces.windows(2).all(|w| w[0].1 == w[1].0));
        assert!(pieces.iter().all(|(a, b)| b - a <= 86_400));
        assert!(epoch_chunks(10, 10, 5).is_empty());
    }

    #[test]
    fn dates_are_widened_by_a_day() {
        let start = Utc.with_ymd_and_hms(2024, 3, 1, 23, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2024, 3, 5, 1, 0, 0).unwrap();
        let (first, last) = widened_dates(start, end);
        assert_eq!(ymd(first), "2024-02-29");
        assert_eq!(ymd(last), "2024-03-06");
    }

    #[test]
    fn the_sleep_envelope_embeds_each_answer_verbatim() {
        let summary = br#"{"status":0,"body":{"series":[]}}"#;
        let details = vec![
            b"{\"status\":0}\n".to_vec(),
            br#"{"status":0,"body":{}}"#.to_vec(),
        ];
        let bytes = sleep_envelope(summary, &details);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains(std::str::from_utf8(summary).unwrap()));
        assert!(text.contains("{\"status\":0}\n"));
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["details"].as_array().unwrap().len(), 2);
        let empty: Value = serde_json::from_slice(&sleep_envelope(summary, &[])).unwrap();
        assert_eq!(empty["details"], serde_json::json!([]));
    }

    #[test]
    fn the_sleep_span_covers_every_night_of_the_page() {
        let body = serde_json::json!({"series": [
            {"startdate": 100, "enddate": 400},
            {"startdate": 50, "enddate": 300},
        ]});
        assert_eq!(sleep_span(Some(&body)), Some((50, 400)));
        assert_eq!(sleep_span(Some(&serde_json::json!({"series": []}))), None);
        assert_eq!(sleep_span(None), None);
    }
}
