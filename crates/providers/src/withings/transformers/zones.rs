//! IANA time zone names → UTC offsets at an instant, for the zones Withings users mostly live in.
//!
//! Withings reports `"timezone": "Europe/Paris"` next to epoch seconds. The workspace has no tz
//! database, so this table holds each zone's standard offset and its current daylight-saving
//! rule (EU, North America, south-east Australia, New Zealand, or none). Zones missing here
//! give `None`: the instant stays exact, only the local offset is unknown. `UTC`, `GMT`,
//! `Etc/GMT±N` and literal offsets (`+02:00`) are understood too.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc, Weekday};
use domain::ZoneOffset;

#[derive(Clone, Copy)]
enum Dst {
    None,
    /// Last Sunday of March to last Sunday of October, 01:00 UTC.
    Eu,
    /// Second Sunday of March to first Sunday of November, 02:00 local.
    NorthAmerica,
    /// First Sunday of October to first Sunday of April, 02:00 local standard time.
    Australia,
    /// Last Sunday of September to first Sunday of April, 02:00 local standard time.
    NewZealand,
}

const H: i32 = 3600;
const M: i32 = 60;

/// (name, standard offset in seconds, daylight-saving rule).
const ZONES: &[(&str, i32, Dst)] = &[
    ("Europe/London", 0, Dst::Eu),
    ("Europe/Dublin", 0, Dst::Eu),
    ("Europe/Lisbon", 0, Dst::Eu),
    ("Atlantic/Canary", 0, Dst::Eu),
    ("Atlantic/Madeira", 0, Dst::Eu),
    ("Atlantic/Faroe", 0, Dst::Eu),
    ("Atlantic/Reykjavik", 0, Dst::None),
    ("Europe/Paris", H, Dst::Eu),
    ("Europe/Berlin", H, Dst::Eu),
    ("Europe/Madrid", H, Dst::Eu),
    ("Europe/Rome", H, Dst::Eu),
    ("Europe/Amsterdam", H, Dst::Eu),
    ("Europe/Brussels", H, Dst::Eu),
    ("Europe/Luxembourg", H, Dst::Eu),
    ("Europe/Monaco", H, Dst::Eu),
    ("Europe/Vienna", H, Dst::Eu),
    ("Europe/Zurich", H, Dst::Eu),
    ("Europe/Stockholm", H, Dst::Eu),
    ("Europe/Oslo", H, Dst::Eu),
    ("Europe/Copenhagen", H, Dst::Eu),
    ("Europe/Warsaw", H, Dst::Eu),
    ("Europe/Prague", H, Dst::Eu),
    ("Europe/Bratislava", H, Dst::Eu),
    ("Europe/Budapest", H, Dst::Eu),
    ("Europe/Ljubljana", H, Dst::Eu),
    ("Europe/Zagreb", H, Dst::Eu),
    ("Europe/Belgrade", H, Dst::Eu),
    ("Europe/Sarajevo", H, Dst::Eu),
    ("Europe/Skopje", H, Dst::Eu),
    ("Europe/Podgorica", H, Dst::Eu),
    ("Europe/Tirane", H, Dst::Eu),
    ("Europe/Malta", H, Dst::Eu),
    ("Europe/Andorra", H, Dst::Eu),
    ("Europe/Gibraltar", H, Dst::Eu),
    ("Africa/Ceuta", H, Dst::Eu),
    ("Europe/Helsinki", 2 * H, Dst::Eu),
    ("Europe/Athens", 2 * H, Dst::Eu),
    ("Europe/Bucharest", 2 * H, Dst::Eu),
    ("Europe/Sofia", 2 * H, Dst::Eu),
    ("Europe/Riga", 2 * H, Dst::Eu),
    ("Europe/Tallinn", 2 * H, Dst::Eu),
    ("Europe/Vilnius", 2 * H, Dst::Eu),
    ("Europe/Kiev", 2 * H, Dst::Eu),
    ("Europe/Kyiv", 2 * H, Dst::Eu),
    ("Asia/Nicosia", 2 * H, Dst::Eu),
    ("Europe/Kaliningrad", 2 * H, Dst::None),
    ("Europe/Moscow", 3 * H, Dst::None),
    ("Europe/Minsk", 3 * H, Dst::None),
    ("Europe/Istanbul", 3 * H, Dst::None),
    ("Africa/Abidjan", 0, Dst::None),
    ("Africa/Accra", 0, Dst::None),
    ("Africa/Dakar", 0, Dst::None),
    ("Africa/Lagos", H, Dst::None),
    ("Africa/Algiers", H, Dst::None),
    ("Africa/Tunis", H, Dst::None),
    ("Africa/Johannesburg", 2 * H, Dst::None),
    ("Africa/Nairobi", 3 * H, Dst::None),
    ("Asia/Riyadh", 3 * H, Dst::None),
    ("Asia/Qatar", 3 * H, Dst::None),
    ("Asia/Baghdad", 3 * H, Dst::None),
    ("Asia/Tehran", 3 * H + 30 * M, Dst::None),
    ("Asia/Dubai", 4 * H, Dst::None),
    ("Asia/Kabul", 4 * H + 30 * M, Dst::None),
    ("Asia/Karachi", 5 * H, Dst::None),
    ("Asia/Tashkent", 5 * H, Dst::None),
    ("Asia/Kolkata", 5 * H + 30 * M, Dst::None),
    ("Asia/Calcutta", 5 * H + 30 * M, Dst::None),
    ("Asia/Colombo", 5 * H + 30 * M, Dst::None),
    ("Asia/Kathmandu", 5 * H + 45 * M, Dst::None),
    ("Asia/Dhaka", 6 * H, Dst::None),
    ("Asia/Yangon", 6 * H + 30 * M, Dst::None),
    ("Asia/Bangkok", 7 * H, Dst::None),
    ("Asia/Jakarta", 7 * H, Dst::None),
    ("Asia/Ho_Chi_Minh", 7 * H, Dst::None),
    ("Asia/Shanghai", 8 * H, Dst::None),
    ("Asia/Hong_Kong", 8 * H, Dst::None),
    ("Asia/Taipei", 8 * H, Dst::None),
    ("Asia/Singapore", 8 * H, Dst::None),
    ("Asia/Kuala_Lumpur", 8 * H, Dst::None),
    ("Asia/Manila", 8 * H, Dst::None),
    ("Australia/Perth", 8 * H, Dst::None),
    ("Asia/Tokyo", 9 * H, Dst::None),
    ("Asia/Seoul", 9 * H, Dst::None),
    ("Australia/Darwin", 9 * H + 30 * M, Dst::None),
    ("Australia/Adelaide", 9 * H + 30 * M, Dst::Australia),
    ("Australia/Brisbane", 10 * H, Dst::None),
    ("Australia/Sydney", 10 * H, Dst::Australia),
    ("Australia/Melbourne", 10 * H, Dst::Australia),
    ("Australia/Canberra", 10 * H, Dst::Australia),
    ("Australia/Hobart", 10 * H, Dst::Australia),
    ("Pacific/Guam", 10 * H, Dst::None),
    ("Pacific/Auckland", 12 * H, Dst::NewZealand),
    ("Pacific/Fiji", 12 * H, Dst::None),
    ("Pacific/Honolulu", -10 * H, Dst::None),
    ("US/Hawaii", -10 * H, Dst::None),
    ("America/Anchorage", -9 * H, Dst::NorthAmerica),
    ("US/Alaska", -9 * H, Dst::NorthAmerica),
    ("America/Los_Angeles", -8 * H, Dst::NorthAmerica),
    ("America/Vancouver", -8 * H, Dst::NorthAmerica),
    ("America/Tijuana", -8 * H, Dst::NorthAmerica),
    ("US/Pacific", -8 * H, Dst::NorthAmerica),
    ("America/Denver", -7 * H, Dst::NorthAmerica),
    ("America/Edmonton", -7 * H, Dst::NorthAmerica),
    ("America/Boise", -7 * H, Dst::NorthAmerica),
    ("US/Mountain", -7 * H, Dst::NorthAmerica),
    ("America/Phoenix", -7 * H, Dst::None),
    ("America/Chicago", -6 * H, Dst::NorthAmerica),
    ("America/Winnipeg", -6 * H, Dst::NorthAmerica),
    ("US/Central", -6 * H, Dst::NorthAmerica),
    ("America/Mexico_City", -6 * H, Dst::None),
    ("America/Guatemala", -6 * H, Dst::None),
    ("America/Costa_Rica", -6 * H, Dst::None),
    ("America/New_York", -5 * H, Dst::NorthAmerica),
    ("America/Toronto", -5 * H, Dst::NorthAmerica),
    ("America/Montreal", -5 * H, Dst::NorthAmerica),
    ("America/Detroit", -5 * H, Dst::NorthAmerica),
    ("America/Indiana/Indianapolis", -5 * H, Dst::NorthAmerica),
    ("America/Kentucky/Louisville", -5 * H, Dst::NorthAmerica),
    ("America/Nassau", -5 * H, Dst::NorthAmerica),
    ("US/Eastern", -5 * H, Dst::NorthAmerica),
    ("America/Bogota", -5 * H, Dst::None),
    ("America/Lima", -5 * H, Dst::None),
    ("America/Panama", -5 * H, Dst::None),
    ("America/Halifax", -4 * H, Dst::NorthAmerica),
    ("Atlantic/Bermuda", -4 * H, Dst::NorthAmerica),
    ("America/Caracas", -4 * H, Dst::None),
    ("America/La_Paz", -4 * H, Dst::None),
    ("America/Puerto_Rico", -4 * H, Dst::None),
    ("America/St_Johns", -3 * H - 30 * M, Dst::NorthAmerica),
    ("America/Sao_Paulo", -3 * H, Dst::None),
    ("America/Argentina/Buenos_Aires", -3 * H, Dst::None),
    ("America/Buenos_Aires", -3 * H, Dst::None),
    ("America/Montevideo", -3 * H, Dst::None),
    ("UTC", 0, Dst::None),
    ("Etc/UTC", 0, Dst::None),
    ("GMT", 0, Dst::None),
    ("Etc/GMT", 0, Dst::None),
];

/// The UTC offset of zone `name` at instant `at`, when the zone is known.
pub(crate) fn offset_at(name: &str, at: DateTime<Utc>) -> Option<ZoneOffset> {
    let name = name.trim();
    if let Some(&(_, standard, rule)) = ZONES.iter().find(|(n, _, _)| *n == name) {
        let dst = in_dst(rule, standard, at);
        return ZoneOffset::from_seconds(i64::from(standard + if dst { H } else { 0 })).ok();
    }
    // `Etc/GMT+5` is five hours *behind* UTC (POSIX sign).
    if let Some(hours) = name.strip_prefix("Etc/GMT") {
        let hours: i64 = hours.parse().ok()?;
        return ZoneOffset::from_seconds(-hours * 3600).ok();
    }
    name.parse().ok()
}

fn in_dst(rule: Dst, standard: i32, at: DateTime<Utc>) -> bool {
    let year = at.year();
    // A local standard-time wall clock on `date` as a UTC instant.
    let local = |date: Option<NaiveDate>, hour: i64| {
        date.map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
            .map(|t| t + TimeDelta::hours(hour) - TimeDelta::seconds(i64::from(standard)))
    };
    let utc = |date: Option<NaiveDate>, hour: i64| {
        date.map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc() + TimeDelta::hours(hour))
    };
    let between = |start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>| match (start, end) {
        (Some(start), Some(end)) => start <= at && at < end,
        _ => false,
    };
    match rule {
        Dst::None => false,
        Dst::Eu => between(utc(last_sunday(year, 3), 1), utc(last_sunday(year, 10), 1)),
        // Ends at 02:00 daylight time, which is 01:00 standard time.
        Dst::NorthAmerica => between(
            local(nth_sunday(year, 3, 2), 2),
            local(nth_sunday(year, 11, 1), 1),
        ),
        // Southern hemisphere: daylight time spans the new year.
        Dst::Australia => !between(
            local(nth_sunday(year, 4, 1), 2),
            local(nth_sunday(year, 10, 1), 2),
        ),
        Dst::NewZealand => !between(
            local(nth_sunday(year, 4, 1), 2),
            local(last_sunday(year, 9), 2),
        ),
    }
}

/// The `n`th (1-based) Sunday of a month.
fn nth_sunday(year: i32, month: u32, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, n)
}

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    nth_sunday(year, month, 5).or_else(|| nth_sunday(year, month, 4))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn offset(name: &str, y: i32, mo: u32, d: u32, h: u32) -> Option<String> {
        let at = Utc.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap();
        offset_at(name, at).map(|o| o.to_string())
    }

    #[test]
    fn european_zones_switch_on_the_last_sundays_at_one_utc() {
        assert_eq!(
            offset("Europe/Paris", 2024, 1, 15, 12).as_deref(),
            Some("+01:00")
        );
        assert_eq!(
            offset("Europe/Paris", 2024, 7, 15, 12).as_deref(),
            Some("+02:00")
        );
        // 2024-03-31 is the last Sunday of March.
        assert_eq!(
            offset("Europe/Paris", 2024, 3, 31, 0).as_deref(),
            Some("+01:00")
        );
        assert_eq!(
            offset("Europe/Paris", 2024, 3, 31, 1).as_deref(),
            Some("+02:00")
        );
        // 2024-10-27 is the last Sunday of October.
        assert_eq!(
            offset("Europe/London", 2024, 10, 27, 0).as_deref(),
            Some("+01:00")
        );
        assert_eq!(
            offset("Europe/London", 2024, 10, 27, 1).as_deref(),
            Some("+00:00")
        );
    }

    #[test]
    fn north_american_zones_switch_at_two_local() {
        // 2024-03-10 02:00 EST = 07:00 UTC; 2024-11-03 02:00 EDT = 06:00 UTC.
        assert_eq!(
            offset("America/New_York", 2024, 3, 10, 6).as_deref(),
            Some("-05:00")
        );
        assert_eq!(
            offset("America/New_York", 2024, 3, 10, 7).as_deref(),
            Some("-04:00")
        );
        assert_eq!(
            offset("America/New_York", 2024, 11, 3, 5).as_deref(),
            Some("-04:00")
        );
        assert_eq!(
            offset("America/New_York", 2024, 11, 3, 6).as_deref(),
            Some("-05:00")
        );
        assert_eq!(
            offset("America/Phoenix", 2024, 7, 1, 12).as_deref(),
            Some("-07:00")
        );
    }

    #[test]
    fn southern_zones_keep_daylight_time_over_the_new_year() {
        assert_eq!(
            offset("Australia/Sydney", 2024, 1, 15, 0).as_deref(),
            Some("+11:00")
        );
        assert_eq!(
            offset("Australia/Sydney", 2024, 7, 15, 0).as_deref(),
            Some("+10:00")
        );
        assert_eq!(
            offset("Pacific/Auckland", 2024, 12, 1, 0).as_deref(),
            Some("+13:00")
        );
        assert_eq!(
            offset("Pacific/Auckland", 2024, 6, 1, 0).as_deref(),
            Some("+12:00")
        );
        assert_eq!(
            offset("Australia/Adelaide", 2024, 1, 1, 0).as_deref(),
            Some("+10:30")
        );
    }

    #[test]
    fn fixed_and_literal_zones_and_unknown_names() {
        assert_eq!(
            offset("Asia/Kolkata", 2024, 1, 1, 0).as_deref(),
            Some("+05:30")
        );
        assert_eq!(
            offset("America/Sao_Paulo", 2024, 1, 1, 0).as_deref(),
            Some("-03:00")
        );
        assert_eq!(
            offset("Etc/GMT+5", 2024, 1, 1, 0).as_deref(),
            Some("-05:00")
        );
        assert_eq!(
            offset("Etc/GMT-3", 2024, 1, 1, 0).as_deref(),
            Some("+03:00")
        );
        assert_eq!(offset("+02:00", 2024, 1, 1, 0).as_deref(), Some("+02:00"));
        assert_eq!(offset("UTC", 2024, 1, 1, 0).as_deref(), Some("+00:00"));
        assert_eq!(offset("Mars/Olympus_Mons", 2024, 1, 1, 0), None);
        assert_eq!(offset("", 2024, 1, 1, 0), None);
    }
}
