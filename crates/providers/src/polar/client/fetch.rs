//! Window and notification fetches: which AccessLink endpoints serve each data type.

use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use domain::{TimeWindow, ZoneOffset};
use secrecy::SecretString;
use serde::Deserialize;

use super::{MAX_RANGE_DAYS, PolarClient, ymd};
use crate::FetchedPayload;
use crate::error::ProviderError;
use crate::polar::offsets::Offsets;
use crate::polar::{PolarDataType, PolarKind};

/// Up to this many nights are fetched one by one (`sleep/{date}`); more use the 28-day list.
const SLEEP_DATES_ONE_BY_ONE: usize = 3;

impl PolarClient {
    /// Every payload of the requested types for the local dates overlapping `window` (widened by
    /// a day each side, as local dates may differ from UTC ones). Exercises come from Polar's
    /// fixed 30-day list, sleep from its 28-day list (or per date), physical info as one document.
    pub async fn fetch_window(
        &self,
        token: &SecretString,
        window: TimeWindow,
        data_types: &[PolarDataType],
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let (first, last) = widened_dates(window);
        let needs_offsets = data_types.iter().any(|t| {
            t.uses_local_clock()
                || matches!(t, PolarDataType::Sleep | PolarDataType::NightlyRecharge)
        });
        let offsets = if needs_offsets {
            self.offsets(token).await?
        } else {
            Offsets::default()
        };
        let mut pages = Vec::new();
        let mut push = |page: Option<FetchedPayload>| pages.extend(page);
        let bare = |t| PolarKind::new(t, None);
        for &data_type in data_types {
            match data_type {
                PolarDataType::Exercise => {
                    let query = exercise_query();
                    push(
                        self.fetch(token, &["exercises"], &query, bare(data_type))
                            .await?,
                    );
                }
                PolarDataType::Sleep => {
                    let nights = offsets.nights(first, last);
                    if nights.len() > SLEEP_DATES_ONE_BY_ONE {
                        push(
                            self.fetch(token, &["users", "sleep"], &[], bare(data_type))
                                .await?,
                        );
                    } else {
                        for (date, _) in nights {
                            let path = ["users", "sleep", &ymd(date)];
                            push(self.fetch(token, &path, &[], bare(data_type)).await?);
                        }
                    }
                }
                PolarDataType::NightlyRecharge => {
                    for (date, offset) in offsets.nights(first, last) {
                        push(self.nightly_recharge(token, date, Some(offset)).await?);
                    }
                }
                PolarDataType::Activity
                | PolarDataType::BodyTemperature
                | PolarDataType::Spo2
                | PolarDataType::ContinuousHeartRate
                | PolarDataType::SkinTemperature => {
                    // Fixed-offset types need no offset: one run per 28 days.
                    let source = if data_type.uses_local_clock() {
                        &offsets
                    } else {
                        &Offsets::default()
                    };
                    for run in source.runs(first, last, MAX_RANGE_DAYS) {
                        let query = [("from", ymd(run.first)), ("to", ymd(run.last))];
                        let kind = PolarKind::new(data_type, run.offset);
                        let path = range_path(data_type);
                        push(self.fetch(token, path, &query, kind).await?);
                    }
                }
                PolarDataType::PhysicalInfo => {
                    let path = ["users", "physical-info"];
                    push(self.fetch(token, &path, &[], bare(data_type)).await?);
                }
            }
        }
        Ok(pages)
    }

    /// What a notification about `object_id` (exercise id, or a `YYYY-MM-DD` date) points at.
    /// A new night also brings its Nightly Recharge, which has no webhook event of its own.
    pub async fn fetch_notified(
        &self,
        token: &SecretString,
        data_type: PolarDataType,
        object_id: &str,
    ) -> Result<Vec<FetchedPayload>, ProviderError> {
        let bare = PolarKind::new(data_type, None);
        if data_type == PolarDataType::Exercise {
            let page = self
                .fetch(token, &["exercises", object_id], &exercise_query(), bare)
                .await?;
            return Ok(page.into_iter().collect());
        }
        if data_type == PolarDataType::PhysicalInfo {
            let page = self
                .fetch(token, &["users", "physical-info"], &[], bare)
                .await?;
            return Ok(page.into_iter().collect());
        }
        let date = NaiveDate::parse_from_str(object_id, "%Y-%m-%d").map_err(|_| {
            ProviderError::InvalidResponse(format!(
                "polar {data_type}: `{object_id}` is not a date"
            ))
        })?;
        let day = ymd(date);
        let mut pages = Vec::new();
        match data_type {
            PolarDataType::Sleep => {
                let Some(sleep) = self
                    .fetch(token, &["users", "sleep", &day], &[], bare)
                    .await?
                else {
                    return Ok(pages);
                };
                let offset = sleep_offset(&sleep.body);
                pages.push(sleep);
                pages.extend(self.nightly_recharge(token, date, offset).await?);
            }
            PolarDataType::NightlyRecharge => {
                let offset = self.offsets(token).await?.at(date);
                pages.extend(self.nightly_recharge(token, date, offset).await?);
            }
            PolarDataType::Activity => {
                let path = ["users", "activities", &day];
                pages.extend(self.fetch(token, &path, &[], bare).await?);
            }
            PolarDataType::ContinuousHeartRate => {
                let kind = PolarKind::new(data_type, self.offsets(token).await?.at(date));
                let path = ["users", "continuous-heart-rate", &day];
                pages.extend(self.fetch(token, &path, &[], kind).await?);
            }
            PolarDataType::BodyTemperature
            | PolarDataType::SkinTemperature
            | PolarDataType::Spo2 => {
                let offset = if data_type.uses_local_clock() {
                    self.offsets(token).await?.at(date)
                } else {
                    None
                };
                let query = [("from", day.clone()), ("to", day)];
                let kind = PolarKind::new(data_type, offset);
                pages.extend(
                    self.fetch(token, range_path(data_type), &query, kind)
                        .await?,
                );
            }
            PolarDataType::Exercise | PolarDataType::PhysicalInfo => {}
        }
        Ok(pages)
    }

    async fn nightly_recharge(
        &self,
        token: &SecretString,
        date: NaiveDate,
        offset: Option<ZoneOffset>,
    ) -> Result<Option<FetchedPayload>, ProviderError> {
        let kind = PolarKind::new(PolarDataType::NightlyRecharge, offset);
        self.fetch(token, &["users", "nightly-recharge", &ymd(date)], &[], kind)
            .await
    }
}

/// Exercises with their samples (heart rate), without zones and route.
fn exercise_query() -> [(&'static str, String); 3] {
    [
        ("samples", "true".to_owned()),
        ("zones", "false".to_owned()),
        ("route", "false".to_owned()),
    ]
}

/// The `from`/`to` endpoint of a date-ranged type.
fn range_path(data_type: PolarDataType) -> &'static [&'static str] {
    match data_type {
        PolarDataType::Activity => &["users", "activities"],
        PolarDataType::ContinuousHeartRate => &["users", "continuous-heart-rate"],
        PolarDataType::BodyTemperature => &["users", "biosensing", "bodytemperature"],
        PolarDataType::SkinTemperature => &["users", "biosensing", "skintemperature"],
        PolarDataType::Spo2 => &["users", "biosensing", "spo2"],
        _ => &[],
    }
}

/// The offset of a sleep document's `sleep_start_time`, if it has one.
fn sleep_offset(body: &[u8]) -> Option<ZoneOffset> {
    #[derive(Deserialize)]
    struct Head {
        sleep_start_time: Option<String>,
    }
    let head: Head = serde_json::from_slice(body).ok()?;
    let start: DateTime<FixedOffset> =
        DateTime::parse_from_rfc3339(&head.sleep_start_time?).ok()?;
    Some(ZoneOffset::of(&start))
}

/// The window's UTC dates widened by one day each side.
fn widened_dates(window: TimeWindow) -> (NaiveDate, NaiveDate) {
    let start = window.start.date_naive();
    let end = window.end.date_naive();
    (
        start.checked_sub_days(Days::new(1)).unwrap_or(start),
        end.checked_add_days(Days::new(1)).unwrap_or(end),
    )
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn windows_are_widened_by_a_day_each_side() {
        let window = TimeWindow::new(
            Utc.with_ymd_and_hms(2024, 1, 10, 23, 30, 0).unwrap(),
            Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).unwrap(),
        )
        .unwrap();
        let (first, last) = widened_dates(window);
        assert_eq!(ymd(first), "2024-01-09");
        assert_eq!(ymd(last), "2024-01-16");
    }

    #[test]
    fn a_sleep_documents_offset_comes_from_its_start_time() {
        let body = br#"{"date":"2024-01-15","sleep_start_time":"2024-01-14T23:00:00+02:00"}"#;
        assert_eq!(sleep_offset(body).map(|o| o.seconds()), Some(7200));
        assert_eq!(sleep_offset(br#"{"date":"2024-01-15"}"#), None);
        assert_eq!(sleep_offset(b"[]"), None);
    }
}
