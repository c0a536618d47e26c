//! WHOOP v2 records exactly as the API renders them (UTC times with milliseconds, a separate
//! `timezone_offset`, durations in milliseconds, energy in kilojoules), plus the generators of
//! sleeps and recoveries.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};
use fastrand::Rng;
use serde::{Serialize, Serializer};

use super::data::Physio;

/// `2024-01-15T06:51:00.000Z`
pub(crate) fn fmt_ts(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub(crate) fn ser_ts<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fmt_ts(t))
}

fn ser_opt_ts<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&fmt_ts(t)),
        None => s.serialize_none(),
    }
}

/// `-04:00`, `+05:30`, or `Z` for UTC (WHOOP's Time Zone Designator).
pub(crate) fn tzd(tz: FixedOffset) -> String {
    let secs = tz.local_minus_utc();
    if secs == 0 {
        return "Z".to_owned();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
}

/// `date` at `minutes` after local midnight (may run past the day) in zone `tz`, as UTC.
pub(crate) fn local(tz: FixedOffset, date: NaiveDate, minutes: i64) -> DateTime<Utc> {
    let naive = date.and_time(NaiveTime::MIN) + TimeDelta::minutes(minutes);
    (naive - TimeDelta::seconds(i64::from(tz.local_minus_utc()))).and_utc()
}

/// Rounds to `digits` decimals.
pub(crate) fn round(value: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (value * f).round() / f
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct CycleScore {
    pub(crate) strain: f64,
    pub(crate) kilojoule: f64,
    pub(crate) average_heart_rate: i64,
    pub(crate) max_heart_rate: i64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Cycle {
    pub(crate) id: i64,
    pub(crate) user_id: i64,
    #[serde(serialize_with = "ser_ts")]
    pub(crate) created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_ts")]
    pub(crate) updated_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_ts")]
    pub(crate) start: DateTime<Utc>,
    /// `None` for the current cycle (omitted from the JSON).
    #[serde(serialize_with = "ser_opt_ts", skip_serializing_if = "Option::is_none")]
    pub(crate) end: Option<DateTime<Utc>>,
    pub(crate) timezone_offset: String,
    pub(crate) score_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) score: Option<CycleScore>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct StageSummary {
    pub(crate) total_in_bed_time_milli: i64,
    pub(crate) total_awake_time_milli: i64,
    pub(crate) total_no_data_time_milli: i64,
    pub(crate) total_light_sleep_time_milli: i64,
    pub(crate) total_slow_wave_sleep_time_milli: i64,
    pub(crate) total_rem_sleep_time_milli: i64,
    pub(crate) sleep_cycle_count: i64,
    pub(crate) disturbance_count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SleepNeeded {
    pub(crate) baseline_milli: i64,
    pub(crate) need_from_sleep_debt_milli: i64,
    pub(crate) need_from_recent_strain_milli: i64,
    pub(crate) need_from_recent_nap_milli: i64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SleepScore {
    pub(crate) stage_summary: StageSummary,
    pub(crate) sleep_needed: SleepNeeded,
    pub(crate) respiratory_rate: f64,
    pub(crate) sleep_performance_percentage: f64,
    pub(crate) sleep_consistency_percentage: f64,
    pub(crate) sleep_efficiency_percentage: f64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Sleep {
    pub(crate) id: String,
    pub(crate) cycle_id: i64,
    pub(crate) user_id: i64,
    #[serde(serialize_with = "ser_ts")]
    pub(crate) created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_ts")]
    pub(crate) updated_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_ts")]
    pub(crate) start: DateTime<Utc>,
    #[serde(serialize_with = "ser_ts")]
    pub(crate) end: DateTime<Utc>,
    pub(crate) timezone_offset: String,
    pub(crate) nap: bool,
    pub(crate) score_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) score: Option<SleepScore>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct RecoveryScore {
    pub(crate) user_calibrating: bool,
    pub(crate) recovery_score: f64,
    pub(crate) resting_heart_rate: f64,
    pub(crate) hrv_rmssd_milli: f64,
    pub(crate) spo2_percentage: f64,
    pub(crate) skin_temp_celsius: f64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Recovery {
    pub(crate) cycle_id: i64,
    pub(crate) sleep_id: String,
    pub(crate) user_id: i64,
    #[serde(serialize_with = "ser_ts")]
    pub(crate) created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_ts")]
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) score_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) score: Option<RecoveryScore>,
}

/// What a sleep is generated from.
pub(crate) struct SleepSpec<'a> {
    pub(crate) id: String,
    pub(crate) cycle_id: i64,
    pub(crate) user_id: i64,
    pub(crate) start: DateTime<Utc>,
    pub(crate) minutes: i64,
    pub(crate) tz: FixedOffset,
    pub(crate) nap: bool,
    pub(crate) physio: &'a Physio,
}

/// A scored sleep whose stage totals add up to its time in bed.
pub(crate) fn sleep(rng: &mut Rng, spec: SleepSpec<'_>) -> Sleep {
    let end = spec.start + TimeDelta::minutes(spec.minutes);
    let in_bed = spec.minutes * 60_000;
    let share = |rng: &mut Rng, low: f64, high: f64| {
        ((in_bed as f64) * (low + rng.f64() * (high - low)) / 1000.0).round() as i64 * 1000
    };
    let awake = share(rng, 0.04, 0.12);
    let (deep, rem) = if spec.nap {
        (share(rng, 0.0, 0.15), share(rng, 0.0, 0.1))
    } else {
        (share(rng, 0.17, 0.24), share(rng, 0.19, 0.25))
    };
    let light = in_bed - awake - deep - rem;
    let asleep = light + deep + rem;
    let baseline = rng.i64(7 * 3_600_000..8 * 3_600_000 + 1_800_000);
    let debt = rng.i64(0..5_400_000);
    let strain = rng.i64(0..1_800_000);
    let need = baseline + debt + strain;
    let score = SleepScore {
        stage_summary: StageSummary {
            total_in_bed_time_milli: in_bed,
            total_awake_time_milli: awake,
            total_no_data_time_milli: 0,
            total_light_sleep_time_milli: light,
            total_slow_wave_sleep_time_milli: deep,
            total_rem_sleep_time_milli: rem,
            sleep_cycle_count: if spec.nap { 0 } else { rng.i64(3..=6) },
            disturbance_count: rng.i64(if spec.nap { 0..=2 } else { 3..=15 }),
        },
        sleep_needed: SleepNeeded {
            baseline_milli: baseline,
            need_from_sleep_debt_milli: debt,
            need_from_recent_strain_milli: strain,
            need_from_recent_nap_milli: 0,
        },
        respiratory_rate: round(spec.physio.breath + rng.f64() - 0.5, 2),
        sleep_performance_percentage: round((100.0 * asleep as f64 / need as f64).min(100.0), 1),
        sleep_consistency_percentage: round(60.0 + rng.f64() * 35.0, 1),
        sleep_efficiency_percentage: round(100.0 * asleep as f64 / in_bed as f64, 4),
    };
    let created_at = end + TimeDelta::seconds(rng.i64(120..900));
    Sleep {
        id: spec.id,
        cycle_id: spec.cycle_id,
        user_id: spec.user_id,
        created_at,
        updated_at: created_at + TimeDelta::seconds(rng.i64(0..600)),
        start: spec.start,
        end,
        timezone_offset: tzd(spec.tz),
        nap: spec.nap,
        score_state: "SCORED",
        score: Some(score),
    }
}

impl Sleep {
    /// Time asleep, milliseconds (zero when unscored).
    pub(crate) fn asleep_milli(&self) -> i64 {
        self.score.as_ref().map_or(0, |s| {
            let st = &s.stage_summary;
            st.total_light_sleep_time_milli
                + st.total_slow_wave_sleep_time_milli
                + st.total_rem_sleep_time_milli
        })
    }
}

/// The recovery scored after a (main) sleep; one in twenty nights is unscorable.
pub(crate) fn recovery(rng: &mut Rng, sleep: &Sleep, physio: &Physio) -> Recovery {
    let created_at = sleep.end + TimeDelta::seconds(rng.i64(180..1200));
    let score = (rng.u8(0..20) != 0).then(|| {
        let rhr = physio.resting_hr + rng.f64() * 6.0 - 3.0;
        let hrv = (physio.hrv + rng.f64() * 20.0 - 10.0).max(12.0);
        let sleep_bonus = (sleep.asleep_milli() as f64 / 3_600_000.0 - 7.0) * 4.0;
        let raw = 55.0 + (hrv - physio.hrv) * 1.6 - (rhr - physio.resting_hr) * 2.5 + sleep_bonus;
        RecoveryScore {
            user_calibrating: false,
            recovery_score: round((raw + rng.f64() * 10.0 - 5.0).clamp(1.0, 99.0), 0),
            resting_heart_rate: round(rhr, 0),
            hrv_rmssd_milli: round(hrv, 6),
            spo2_percentage: round(physio.spo2 + rng.f64() * 1.5 - 0.75, 4),
            skin_temp_celsius: round(physio.skin_temp + rng.f64() * 0.6 - 0.3, 2),
        }
    });
    Recovery {
        cycle_id: sleep.cycle_id,
        sleep_id: sleep.id.clone(),
        user_id: sleep.user_id,
        created_at,
        updated_at: created_at,
        score_state: if score.is_some() {
            "SCORED"
        } else {
            "UNSCORABLE"
        },
        score,
    }
}

impl Recovery {
    /// A new score for the same recovery (WHOOP re-scores after more data syncs).
    pub(crate) fn rescore(&mut self, rng: &mut Rng, physio: &Physio, now: DateTime<Utc>) {
        let hrv = (physio.hrv + rng.f64() * 20.0 - 10.0).max(12.0);
        let rhr = physio.resting_hr + rng.f64() * 6.0 - 3.0;
        self.score = Some(RecoveryScore {
            user_calibrating: false,
            recovery_score: round((55.0 + (hrv - physio.hrv) * 1.6).clamp(1.0, 99.0), 0),
            resting_heart_rate: round(rhr, 0),
            hrv_rmssd_milli: round(hrv, 6),
            spo2_percentage: round(physio.spo2, 4),
            skin_temp_celsius: round(physio.skin_temp, 2),
        });
        self.score_state = "SCORED";
        self.updated_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_render_as_time_zone_designators() {
        assert_eq!(tzd(FixedOffset::east_opt(-4 * 3600).unwrap()), "-04:00");
        assert_eq!(tzd(FixedOffset::east_opt(19_800).unwrap()), "+05:30");
        assert_eq!(tzd(FixedOffset::east_opt(0).unwrap()), "Z");
        let t = DateTime::from_timestamp_millis(1_748_241_241_007).unwrap();
        assert_eq!(fmt_ts(&t), "2025-05-26T06:34:01.007Z");
    }
}
