//! The wearer's UTC offset per date, learnt from `GET /v3/users/sleep/available` (each night's
//! start time carries its offset). Used to label device-local clock payloads.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate};
use domain::ZoneOffset;
use serde::Deserialize;

use crate::error::ProviderError;

#[derive(Deserialize)]
struct Available {
    #[serde(default)]
    available: Vec<AvailableNight>,
}

#[derive(Deserialize)]
struct AvailableNight {
    date: String,
    #[serde(default)]
    start_time: Option<String>,
}

/// Known offsets by local date (the date a night ends on).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Offsets(BTreeMap<NaiveDate, ZoneOffset>);

/// A run of consecutive dates `[first, last]` that share one offset (or share not knowing it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateRun {
    pub(crate) first: NaiveDate,
    pub(crate) last: NaiveDate,
    pub(crate) offset: Option<ZoneOffset>,
}

impl Offsets {
    /// Parses a `sleep/available` body; nights without a parsable start time are skipped.
    pub(crate) fn from_available(body: &[u8]) -> Result<Self, ProviderError> {
        let parsed: Available = serde_json::from_slice(body)
            .map_err(|e| ProviderError::InvalidResponse(format!("polar sleep/available: {e}")))?;
        let mut map = BTreeMap::new();
        for night in parsed.available {
            let Ok(date) = NaiveDate::parse_from_str(&night.date, "%Y-%m-%d") else {
                continue;
            };
            let Some(start) = night.start_time.as_deref() else {
                continue;
            };
            if let Ok(start) = DateTime::parse_from_rfc3339(start) {
                map.insert(date, ZoneOffset::of(&start));
            }
        }
        Ok(Self(map))
    }

    /// Dates with a known night, in `[first, last]`, with that night's offset.
    pub(crate) fn nights(&self, first: NaiveDate, last: NaiveDate) -> Vec<(NaiveDate, ZoneOffset)> {
        if first > last {
            return Vec::new();
        }
        self.0
            .range(first..=last)
            .map(|(date, offset)| (*date, *offset))
            .collect()
    }

    /// The offset on `date`: that night's, else the nearest known night's (earlier on a tie).
    pub(crate) fn at(&self, date: NaiveDate) -> Option<ZoneOffset> {
        let before = self.0.range(..=date).next_back();
        let after = self.0.range(date..).next();
        match (before, after) {
            (Some((b, ob)), Some((a, oa))) => {
                if (date - *b) <= (*a - date) {
                    Some(*ob)
                } else {
                    Some(*oa)
                }
            }
            (Some((_, o)), None) | (None, Some((_, o))) => Some(*o),
            (None, None) => None,
        }
    }

    /// `[first, last]` split into runs of equal offset, each at most `max_days` dates long.
    pub(crate) fn runs(&self, first: NaiveDate, last: NaiveDate, max_days: u64) -> Vec<DateRun> {
        let mut runs: Vec<DateRun> = Vec::new();
        let mut date = first;
        while date <= last {
            let offset = self.at(date);
            match runs.last_mut() {
                Some(run)
                    if run.offset == offset && (date - run.first).num_days() < max_days as i64 =>
                {
                    run.last = date;
                }
                _ => runs.push(DateRun {
                    first: date,
                    last: date,
                    offset,
                }),
            }
            let Some(next) = date.checked_add_days(Days::new(1)) else {
                break;
            };
            date = next;
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 3, d).unwrap()
    }

    fn hours(h: i64) -> Option<ZoneOffset> {
        Some(ZoneOffset::from_seconds(h * 3600).unwrap())
    }

    const AVAILABLE: &[u8] = br#"{"available":[
        {"date":"2024-03-05","start_time":"2024-03-04T23:10:00+01:00","end_time":"2024-03-05T07:00:00+01:00"},
        {"date":"2024-03-06","start_time":"2024-03-05T23:00:00+01:00","end_time":"2024-03-06T07:00:00+01:00"},
        {"date":"2024-03-10","start_time":"2024-03-09T23:00:00+02:00","end_time":"2024-03-10T07:00:00+02:00"},
        {"date":"garbage","start_time":"2024-03-09T23:00:00+02:00"},
        {"date":"2024-03-11"}
    ]}"#;

    #[test]
    fn offsets_come_from_each_nights_start_time() {
        let offsets = Offsets::from_available(AVAILABLE).unwrap();
        assert_eq!(
            offsets.nights(day(1), day(31)),
            vec![
                (day(5), hours(1).unwrap()),
                (day(6), hours(1).unwrap()),
                (day(10), hours(2).unwrap())
            ]
        );
        assert_eq!(offsets.at(day(1)), hours(1));
        assert_eq!(
            offsets.at(day(8)),
            hours(1),
            "tie goes to the earlier night"
        );
        assert_eq!(offsets.at(day(9)), hours(2));
        assert_eq!(offsets.at(day(20)), hours(2));
        assert_eq!(Offsets::default().at(day(1)), None);
        assert!(Offsets::from_available(b"\"nope\"").is_err());
    }

    #[test]
    fn runs_split_at_offset_changes_and_at_the_size_limit() {
        let offsets = Offsets::from_available(AVAILABLE).unwrap();
        let runs = offsets.runs(day(1), day(20), 5);
        let spans: Vec<_> = runs.iter().map(|r| (r.first, r.last, r.offset)).collect();
        assert_eq!(
            spans,
            vec![
                (day(1), day(5), hours(1)),
                (day(6), day(8), hours(1)),
                (day(9), day(13), hours(2)),
                (day(14), day(18), hours(2)),
                (day(19), day(20), hours(2)),
            ]
        );
        let unknown = Offsets::default().runs(day(1), day(3), 28);
        assert_eq!(unknown.len(), 1);
        assert_eq!(unknown[0].offset, None);
        assert!(Offsets::default().runs(day(3), day(1), 28).is_empty());
    }
}
