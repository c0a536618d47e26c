//! Time handling: UTC instants plus the local offset the provider reported.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// A local UTC offset in seconds, rendered as `+01:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ZoneOffset(i32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneOffsetError {
    #[error("offset of {0} seconds is outside ±18 hours")]
    OutOfRange(i64),
    #[error("`{0}` is not an offset like +01:00")]
    Malformed(String),
}

impl ZoneOffset {
    pub const UTC: ZoneOffset = ZoneOffset(0);
    const LIMIT: i64 = 18 * 3600;

    pub fn from_seconds(seconds: i64) -> Result<Self, ZoneOffsetError> {
        if seconds.abs() > Self::LIMIT {
            return Err(ZoneOffsetError::OutOfRange(seconds));
        }
        Ok(Self(seconds as i32))
    }

    pub fn seconds(self) -> i32 {
        self.0
    }

    /// The offset of a timestamp parsed with its local offset (RFC 3339).
    pub fn of(dt: &DateTime<FixedOffset>) -> Self {
        Self(dt.offset().local_minus_utc())
    }

    pub fn to_fixed(self) -> Option<FixedOffset> {
        FixedOffset::east_opt(self.0)
    }
}

impl fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { '-' } else { '+' };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
    }
}

impl FromStr for ZoneOffset {
    type Err = ZoneOffsetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = || ZoneOffsetError::Malformed(s.to_owned());
        if s == "Z" {
            return Ok(Self::UTC);
        }
        let (sign, rest) = match s.as_bytes().first() {
            Some(b'+') => (1, &s[1..]),
            Some(b'-') => (-1, &s[1..]),
            _ => return Err(malformed()),
        };
        let (h, m) = rest.split_once(':').ok_or_else(malformed)?;
        let h: i64 = h.parse().map_err(|_| malformed())?;
        let m: i64 = m.parse().map_err(|_| malformed())?;
        if m >= 60 {
            return Err(malformed());
        }
        Self::from_seconds(sign * (h * 3600 + m * 60))
    }
}

/// A half-open interval `[start, end)` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("window end {end} is not after its start {start}")]
pub struct EmptyWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl TimeWindow {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, EmptyWindow> {
        if end <= start {
            return Err(EmptyWindow { start, end });
        }
        Ok(Self { start, end })
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_render_and_parse() {
        for (secs, text) in [(3600, "+01:00"), (-16200, "-04:30"), (0, "+00:00")] {
            let z = ZoneOffset::from_seconds(secs).unwrap();
            assert_eq!(z.to_string(), text);
            assert_eq!(text.parse::<ZoneOffset>().unwrap(), z);
        }
    }

    #[test]
    fn offsets_outside_eighteen_hours_are_rejected() {
        assert!(ZoneOffset::from_seconds(19 * 3600).is_err());
        assert!("+01:75".parse::<ZoneOffset>().is_err());
        assert!("0100".parse::<ZoneOffset>().is_err());
    }

    #[test]
    fn empty_windows_are_rejected() {
        let t = Utc::now();
        assert!(TimeWindow::new(t, t).is_err());
    }
}
