//! Which requests cover a range of local days, within Fitbit's per-request limits. Pure.

use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::{TimeWindow, ZoneOffset};

use crate::fitbit::FitbitDataType;

/// One GET: path segments under the API base (the last one ends in `.json`), and the day it
/// covers when the response does not say (the daily summary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Planned {
    pub(crate) segments: Vec<String>,
    pub(crate) date: Option<NaiveDate>,
}

/// The first and last local day `window` touches. With the wearer's offset these are exact;
/// without it the UTC days are widened by one day each side.
pub(crate) fn local_days(window: TimeWindow, offset: Option<ZoneOffset>) -> (NaiveDate, NaiveDate) {
    let last_instant = window.end - chrono::Duration::seconds(1);
    let last_instant = last_instant.max(window.start);
    match offset.and_then(ZoneOffset::to_fixed) {
        Some(tz) => (
            window.start.with_timezone(&tz).date_naive(),
            last_instant.with_timezone(&tz).date_naive(),
        ),
        None => (
            widen(window.start, |d| d.checked_sub_days(Days::new(1))),
            widen(last_instant, |d| d.checked_add_days(Days::new(1))),
        ),
    }
}

fn widen(t: DateTime<Utc>, step: impl Fn(NaiveDate) -> Option<NaiveDate>) -> NaiveDate {
    let day = t.date_naive();
    step(day).unwrap_or(day)
}

/// `yyyy-MM-dd`.
pub(crate) fn ymd(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The requests for `data_type` over local days `[first, last]` (not the activity log list,
/// which pages by itself).
pub(crate) fn plan(data_type: FitbitDataType, first: NaiveDate, last: NaiveDate) -> Vec<Planned> {
    match data_type {
        FitbitDataType::ActivityLog => Vec::new(),
        FitbitDataType::ActivitySummary => days(first, last)
            .map(|day| Planned {
                segments: path(
                    &["1", "user", "-", "activities", "date"],
                    [format!("{}.json", ymd(day))],
                ),
                date: Some(day),
            })
            .collect(),
        FitbitDataType::Heart => days(first, last)
            .map(|day| Planned {
                segments: path(
                    &["1", "user", "-", "activities", "heart", "date"],
                    [ymd(day), "1d".to_owned(), "1min.json".to_owned()],
                ),
                date: Some(day),
            })
            .collect(),
        // A night belongs to the day it ends on: the day after the window counts too.
        FitbitDataType::Sleep => {
            let last = last.checked_add_days(Days::new(1)).unwrap_or(last);
            plan_ranged(first, last, 100, &["1.2", "user", "-", "sleep", "date"])
        }
        FitbitDataType::Hrv => plan_ranged(first, last, 30, &["1", "user", "-", "hrv", "date"]),
        FitbitDataType::Spo2 => plan_ranged(first, last, 30, &["1", "user", "-", "spo2", "date"]),
        FitbitDataType::Br => plan_ranged(first, last, 30, &["1", "user", "-", "br", "date"]),
        FitbitDataType::TempSkin => {
            plan_ranged(first, last, 30, &["1", "user", "-", "temp", "skin", "date"])
        }
        FitbitDataType::Cardioscore => {
            plan_ranged(first, last, 30, &["1", "user", "-", "cardioscore", "date"])
        }
        FitbitDataType::Weight => plan_ranged(
            first,
            last,
            31,
            &["1", "user", "-", "body", "log", "weight", "date"],
        ),
        FitbitDataType::Fat => plan_ranged(
            first,
            last,
            31,
            &["1", "user", "-", "body", "log", "fat", "date"],
        ),
    }
}

fn plan_ranged(first: NaiveDate, last: NaiveDate, max_days: u64, prefix: &[&str]) -> Vec<Planned> {
    chunks(first, last, max_days)
        .into_iter()
        .map(|(start, end)| Planned {
            segments: path(prefix, [ymd(start), format!("{}.json", ymd(end))]),
            date: None,
        })
        .collect()
}

fn path<const N: usize>(prefix: &[&str], tail: [String; N]) -> Vec<String> {
    prefix.iter().map(|s| (*s).to_owned()).chain(tail).collect()
}

fn days(first: NaiveDate, last: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    first.iter_days().take_while(move |d| *d <= last)
}

/// `[first, last]` cut into inclusive ranges of at most `max_days` days.
pub(crate) fn chunks(
    first: NaiveDate,
    last: NaiveDate,
    max_days: u64,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = first;
    while start <= last {
        let end = start
            .checked_add_days(Days::new(max_days.saturating_sub(1)))
            .unwrap_or(last)
            .min(last);
        out.push((start, end));
        match end.checked_add_days(Days::new(1)) {
            Some(next) => start = next,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, d).unwrap()
    }

    #[test]
    fn local_days_follow_the_offset_or_widen_without_one() {
        let window = TimeWindow::new(
            Utc.with_ymd_and_hms(2024, 1, 10, 3, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).unwrap(),
        )
        .unwrap();
        let minus_five = ZoneOffset::from_seconds(-5 * 3600).unwrap();
        assert_eq!(local_days(window, Some(minus_five)), (day(9), day(14)));
        let plus_one = ZoneOffset::from_seconds(3600).unwrap();
        assert_eq!(local_days(window, Some(plus_one)), (day(10), day(15)));
        assert_eq!(local_days(window, None), (day(9), day(15)));
    }

    #[test]
    fn ranges_are_cut_at_the_provider_limits() {
        assert_eq!(
            chunks(day(1), day(31), 30),
            vec![(day(1), day(30)), (day(31), day(31))]
        );
        assert_eq!(chunks(day(5), day(5), 30), vec![(day(5), day(5))]);
        assert!(chunks(day(6), day(5), 30).is_empty());
        let hrv = plan(FitbitDataType::Hrv, day(1), day(31));
        assert_eq!(hrv.len(), 2);
        assert_eq!(
            hrv[0].segments.join("/"),
            "1/user/-/hrv/date/2024-01-01/2024-01-30.json"
        );
        let weight = plan(FitbitDataType::Weight, day(1), day(31));
        assert_eq!(weight.len(), 1);
        assert_eq!(
            weight[0].segments.join("/"),
            "1/user/-/body/log/weight/date/2024-01-01/2024-01-31.json"
        );
    }

    #[test]
    fn daily_endpoints_are_one_request_per_day_and_sleep_includes_the_next_morning() {
        let summary = plan(FitbitDataType::ActivitySummary, day(1), day(3));
        assert_eq!(summary.len(), 3);
        assert_eq!(
            summary[2].segments.join("/"),
            "1/user/-/activities/date/2024-01-03.json"
        );
        assert_eq!(summary[2].date, Some(day(3)));
        let heart = plan(FitbitDataType::Heart, day(1), day(1));
        assert_eq!(
            heart[0].segments.join("/"),
            "1/user/-/activities/heart/date/2024-01-01/1d/1min.json"
        );
        let sleep = plan(FitbitDataType::Sleep, day(1), day(3));
        assert_eq!(
            sleep[0].segments.join("/"),
            "1.2/user/-/sleep/date/2024-01-01/2024-01-04.json"
        );
        assert!(plan(FitbitDataType::ActivityLog, day(1), day(3)).is_empty());
        assert_eq!(
            plan(FitbitDataType::TempSkin, day(1), day(2))[0]
                .segments
                .join("/"),
            "1/user/-/temp/skin/date/2024-01-01/2024-01-02.json"
        );
    }
}
