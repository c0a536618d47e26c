//! Time helpers: Oura renders local date-times with their offset (`LocalizedDateTime`).

use chrono::{
    DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeDelta, Utc,
};
use serde::Serializer;

/// `date` at `minutes` after local midnight (may run past the day) in zone `tz`.
pub(crate) fn local(tz: FixedOffset, date: NaiveDate, minutes: i64) -> DateTime<FixedOffset> {
    let naive = date.and_time(NaiveTime::MIN) + TimeDelta::minutes(minutes);
    let utc = naive - TimeDelta::seconds(i64::from(tz.local_minus_utc()));
    DateTime::from_naive_utc_and_offset(utc, tz)
}

/// Unix seconds to a date-time in zone `tz`.
pub(crate) fn at(tz: FixedOffset, unix: i64) -> DateTime<FixedOffset> {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
}

/// `2024-01-14T22:45:00+01:00`
pub(crate) fn fmt_local(dt: &DateTime<FixedOffset>) -> String {
    dt.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// `2024-01-14T22:45:00.000+01:00`
pub(crate) fn fmt_local_millis(dt: &DateTime<FixedOffset>) -> String {
    dt.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

/// Unix seconds rendered in UTC as `2024-01-15T08:00:00+00:00`.
pub(crate) fn fmt_utc(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Now rendered in UTC as `2024-01-15T08:00:00+00:00`.
pub(crate) fn now_utc() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, false)
}

pub(crate) fn ser_local<S: Serializer>(
    dt: &DateTime<FixedOffset>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fmt_local(dt))
}

/// A `YYYY-MM-DD` date, or a date-time whose (local) date part is used.
pub(crate) fn parse_day(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    if let Ok(day) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Some(day);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(raw) {
        return Some(dt.date_naive());
    }
    parse_naive(raw).map(|dt| dt.date())
}

/// An RFC 3339 instant; a naive date-time or a bare date is taken as UTC.
pub(crate) fn parse_instant(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(raw) {
        return Some(dt.with_timezone(&Utc));
    }
    if let Some(dt) = parse_naive(raw) {
        return Some(dt.and_utc());
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .map(|day| day.and_time(NaiveTime::MIN).and_utc())
}

fn parse_naive(raw: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_render_with_their_offset() {
        let tz = FixedOffset::east_opt(3600).unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 1, 14).unwrap();
        let dt = local(tz, day, 22 * 60 + 45);
        assert_eq!(fmt_local(&dt), "2024-01-14T22:45:00+01:00");
        assert_eq!(fmt_local_millis(&dt), "2024-01-14T22:45:00.000+01:00");
        assert_eq!(fmt_utc(dt.timestamp()), "2024-01-14T21:45:00+00:00");
        let after_midnight = local(tz, day, 24 * 60 + 30);
        assert_eq!(fmt_local(&after_midnight), "2024-01-15T00:30:00+01:00");
    }

    #[test]
    fn date_parameters_accept_dates_and_date_times() {
        let day = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        assert_eq!(parse_day("2024-01-15"), Some(day));
        assert_eq!(parse_day("2024-01-15T23:30:00+05:00"), Some(day));
        assert_eq!(parse_day("2024-01-15T08:00:00"), Some(day));
        assert_eq!(parse_day("2024-13-01"), None);
        assert_eq!(parse_day("yesterday"), None);
    }
}
