//! Query-string parsing shared by the read routes, with seed-002 semantics and clear 400s.
//!
//! Times: RFC 3339 (`2025-01-15T08:00:00Z`, `…+01:00`), a naive date-time (read as UTC), a date
//! (`2025-01-15`) or Unix seconds. A date as the *end* bound includes that whole day; any other
//! end bound is exclusive. (The peer silently adds a day to midnight end times; we don't.)

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeZone, Utc};
use service_kit::ApiError;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 100;

/// Raw `key=value` pairs, so repeated keys (`types=a&types=b`) survive.
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// The last value of `name` (as the peer does).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            ApiError::bad_request("missing_parameter", format!("Field required: {name}"))
        })
    }

    pub fn limit(&self) -> Result<usize, ApiError> {
        let Some(raw) = self.get("limit") else {
            return Ok(DEFAULT_LIMIT);
        };
        match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_request(
                "invalid_limit",
                format!("limit must be an integer from 1 to {MAX_LIMIT}"),
            )),
        }
    }

    /// `[start, end)` from two required parameters.
    pub fn range(
        &self,
        start_name: &str,
        end_name: &str,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
        let start = parse_bound(self.required(start_name)?, Bound::Start)?;
        let end = parse_bound(self.required(end_name)?, Bound::End)?;
        if end <= start {
            return Err(ApiError::bad_request(
                "invalid_range",
                format!("{end_name} must be after {start_name}"),
            ));
        }
        Ok((start, end))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Start,
    End,
}

fn invalid(raw: &str) -> ApiError {
    ApiError::bad_request(
        "invalid_datetime",
        format!("Invalid datetime format: '{raw}'. Expected ISO 8601 format or Unix timestamp."),
    )
}

pub fn parse_bound(raw: &str, bound: Bound) -> Result<DateTime<Utc>, ApiError> {
    let raw = raw.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(raw) {
        return Ok(dt.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(raw, format) {
            return Ok(Utc.from_utc_datetime(&naive));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let date = match bound {
            Bound::Start => date,
            Bound::End => date
                .checked_add_days(Days::new(1))
                .ok_or_else(|| invalid(raw))?,
        };
        let midnight = date.and_hms_opt(0, 0, 0).ok_or_else(|| invalid(raw))?;
        return Ok(Utc.from_utc_datetime(&midnight));
    }
    if let Ok(seconds) = raw.parse::<f64>()
        && seconds.is_finite()
    {
        let micros = (seconds * 1_000_000.0).round() as i64;
        return DateTime::from_timestamp_micros(micros).ok_or_else(|| invalid(raw));
    }
    Err(invalid(raw))
}

/// Opaque cursors: base64url of `v1|field|field…`.
pub fn encode_cursor(fields: &[String]) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1|{}", fields.join("|")))
}

pub fn decode_cursor(raw: &str, expected_fields: usize) -> Result<Vec<String>, ApiError> {
    let bad = || ApiError::bad_request("invalid_cursor", "Invalid cursor");
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let mut parts = text.split('|');
    if parts.next() != Some("v1") {
        return Err(bad());
    }
    let fields: Vec<String> = parts.map(str::to_owned).collect();
    if fields.len() != expected_fields {
        return Err(bad());
    }
    Ok(fields)
}

pub fn micros(t: DateTime<Utc>) -> String {
    t.timestamp_micros().to_string()
}

pub fn from_micros(raw: &str) -> Result<DateTime<Utc>, ApiError> {
    raw.parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(|| ApiError::bad_request("invalid_cursor", "Invalid cursor"))
}

/// RFC 3339 in UTC with a `Z`, as seed 002 shows.
pub fn render_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_end_bound_includes_the_whole_day() {
        let start = parse_bound("2025-01-15", Bound::Start).unwrap();
        let end = parse_bound("2025-01-15", Bound::End).unwrap();
        assert_eq!(render_time(start), "2025-01-15T00:00:00Z");
        assert_eq!(render_time(end), "2025-01-16T00:00:00Z");
    }

    #[test]
    fn timestamps_offsets_and_unix_seconds_parse() {
        assert_eq!(
            render_time(parse_bound("2025-01-15T08:00:00+01:00", Bound::Start).unwrap()),
            "2025-01-15T07:00:00Z"
        );
        assert_eq!(
            render_time(parse_bound("2025-01-15T00:00:00Z", Bound::End).unwrap()),
            "2025-01-15T00:00:00Z"
        );
        assert_eq!(
            render_time(parse_bound("1736899200", Bound::Start).unwrap()),
            "2025-01-15T00:00:00Z"
        );
        assert!(parse_bound("yesterday", Bound::Start).is_err());
        assert!(parse_bound("2025-13-01", Bound::Start).is_err());
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let c = encode_cursor(&["1".into(), "abc".into()]);
        assert_eq!(decode_cursor(&c, 2).unwrap(), vec!["1", "abc"]);
        assert!(decode_cursor(&c, 3).is_err());
        assert!(decode_cursor("!!!", 2).is_err());
    }

    #[test]
    fn limit_must_be_between_1_and_100() {
        let p = |v: &str| Params(vec![("limit".into(), v.into())]).limit();
        assert_eq!(p("100").unwrap(), 100);
        assert!(p("0").is_err());
        assert!(p("101").is_err());
        assert!(p("ten").is_err());
        assert_eq!(Params(vec![]).limit().unwrap(), DEFAULT_LIMIT);
    }
}
