//! Strava's per-application rate limits: an overall and a read ("non-upload") budget, each per
//! 15 minutes (windows start at :00, :15, :30, :45 UTC) and per UTC day, reported on every API
//! response as `X-RateLimit-Limit: 200,2000`, `X-RateLimit-Usage: 5,100` and the
//! `X-ReadRateLimit-*` pair. Requests over the limit still count.

use chrono::{DateTime, Utc};

use super::StravaConfig;

const QUARTER_SECS: i64 = 900;
const DAY_SECS: i64 = 86_400;

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Usage {
    quarter: i64,
    day: i64,
    overall_15: u32,
    overall_day: u32,
    read_15: u32,
    read_day: u32,
}

impl Usage {
    fn roll(&mut self, now: DateTime<Utc>) {
        let (quarter, day) = (
            now.timestamp().div_euclid(QUARTER_SECS),
            now.timestamp().div_euclid(DAY_SECS),
        );
        if day != self.day {
            *self = Usage {
                quarter,
                day,
                ..Usage::default()
            };
        } else if quarter != self.quarter {
            self.quarter = quarter;
            self.overall_15 = 0;
            self.read_15 = 0;
        }
    }

    /// Counts one request; `true` when it is over a limit.
    pub(crate) fn count(&mut self, now: DateTime<Utc>, read: bool, config: &StravaConfig) -> bool {
        self.roll(now);
        self.overall_15 += 1;
        self.overall_day += 1;
        if read {
            self.read_15 += 1;
            self.read_day += 1;
        }
        let overall =
            self.overall_15 > config.rate_limit_15min || self.overall_day > config.rate_limit_daily;
        let reads = read
            && (self.read_15 > config.read_rate_limit_15min
                || self.read_day > config.read_rate_limit_daily);
        overall || reads
    }

    /// Seconds until the 15-minute window resets.
    pub(crate) fn seconds_to_reset(now: DateTime<Utc>) -> i64 {
        QUARTER_SECS - now.timestamp().rem_euclid(QUARTER_SECS)
    }

    /// The four rate-limit headers.
    pub(crate) fn headers(&self, config: &StravaConfig) -> Vec<(&'static str, String)> {
        self.headers_with(config, self.read_15, self.read_day)
    }

    /// The headers of an injected 429: the read budget shown as used up (plus `Retry-After`
    /// when configured, which Strava does not send).
    pub(crate) fn exhausted_headers(
        &self,
        config: &StravaConfig,
        retry_after: u64,
    ) -> Vec<(&'static str, String)> {
        let read_15 = self.read_15.max(config.read_rate_limit_15min);
        let mut headers = self.headers_with(config, read_15, self.read_day.max(read_15));
        if config.send_retry_after {
            headers.push(("retry-after", retry_after.to_string()));
        }
        headers
    }

    fn headers_with(
        &self,
        config: &StravaConfig,
        read_15: u32,
        read_day: u32,
    ) -> Vec<(&'static str, String)> {
        vec![
            (
                "x-ratelimit-limit",
                format!("{},{}", config.rate_limit_15min, config.rate_limit_daily),
            ),
            (
                "x-ratelimit-usage",
                format!("{},{}", self.overall_15, self.overall_day),
            ),
            (
                "x-readratelimit-limit",
                format!(
                    "{},{}",
                    config.read_rate_limit_15min, config.read_rate_limit_daily
                ),
            ),
            ("x-readratelimit-usage", format!("{read_15},{read_day}")),
        ]
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_fifteen_minute_window_resets_on_the_quarter_hour_and_the_day_at_midnight() {
        let config = StravaConfig {
            read_rate_limit_15min: 2,
            ..StravaConfig::default()
        };
        let mut usage = Usage::default();
        let t = Utc.with_ymd_and_hms(2024, 1, 15, 10, 14, 0).unwrap();
        assert!(!usage.count(t, true, &config));
        assert!(!usage.count(t, true, &config));
        assert!(usage.count(t, true, &config), "third read is over 2/15 min");
        assert!(
            !usage.count(t, false, &config),
            "writes use the overall budget"
        );
        let next = Utc.with_ymd_and_hms(2024, 1, 15, 10, 15, 0).unwrap();
        assert!(!usage.count(next, true, &config));
        assert_eq!((usage.read_15, usage.read_day), (1, 4));
        assert_eq!((usage.overall_15, usage.overall_day), (1, 5));
        let tomorrow = Utc.with_ymd_and_hms(2024, 1, 16, 0, 0, 1).unwrap();
        usage.count(tomorrow, true, &config);
        assert_eq!((usage.read_15, usage.read_day), (1, 1));
        assert_eq!(Usage::seconds_to_reset(t), 60);
    }
}
