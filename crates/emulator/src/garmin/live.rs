//! Summaries created "now" by the control API, as if the user had just synced.

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use serde_json::Value;

use super::GarminConfig;
use super::data::{Generated, Record, User};
use super::kind::Kind;
use super::{gen_activity, gen_day, gen_misc, gen_sleep};

/// Creates the summaries a sync at `now` would bring for `kind` (activities come with their
/// details), stores them on `user` and returns them, grouped by type.
pub(crate) fn create(
    user: &mut User,
    kind: Kind,
    now: DateTime<Utc>,
    tz: FixedOffset,
    config: &GarminConfig,
) -> Result<Vec<(Kind, Vec<Record>)>, String> {
    let at = now.timestamp();
    let offset = i64::from(tz.local_minus_utc());
    let tag = user.tag();
    let generated: Vec<Generated> = match kind {
        Kind::Sleeps | Kind::Hrv | Kind::PulseOx | Kind::SkinTemp => {
            let minutes = 390 + i64::from(user.rng.u16(0..90));
            let night = gen_sleep::ending_at(&mut user.rng, tz, at, minutes);
            let item = if kind == Kind::Sleeps {
                gen_sleep::sleep(&mut user.rng, &night, &user.profile, &tag)
            } else {
                gen_sleep::overnight(&mut user.rng, kind, &night, &user.profile, &tag)
            };
            if kind == Kind::Sleeps {
                user.nights.push(night);
            }
            vec![item]
        }
        Kind::Activities | Kind::ActivityDetails => {
            let workout = gen_activity::ending_at(&mut user.rng, tz, at, user.next_activity_id);
            user.next_activity_id += 1;
            let items = gen_activity::summaries(&mut user.rng, &workout, &user.profile);
            user.workouts.push(workout);
            items
        }
        Kind::ManuallyUpdatedActivities => vec![manual_update(user, tz, at)?],
        Kind::Dailies | Kind::StressDetails | Kind::Epochs | Kind::Respiration => {
            day_summaries(user, kind, now, tz, config)
        }
        Kind::BodyComps => vec![gen_misc::body_comp(
            &mut user.rng,
            at,
            offset,
            &user.profile,
            &tag,
        )],
        Kind::BloodPressures => vec![gen_misc::blood_pressure(
            &mut user.rng,
            at,
            offset,
            &user.profile,
            &tag,
        )],
        Kind::HealthSnapshot => vec![gen_misc::snapshot(
            &mut user.rng,
            at - 120,
            offset,
            &user.profile,
            &tag,
        )],
        Kind::UserMetrics => {
            let today = now.with_timezone(&tz).date_naive();
            vec![gen_misc::user_metrics(
                &mut user.rng,
                tz,
                today,
                &user.profile,
                &tag,
            )]
        }
        Kind::MoveIq | Kind::Mct => {
            return Err(format!("the emulator does not generate {}", kind.key()));
        }
    };
    let mut grouped: Vec<(Kind, Vec<Record>)> = Vec::new();
    for g in generated {
        let record = Record {
            kind: g.kind,
            summary_id: g.summary_id,
            start: g.start,
            uploaded: at,
            json: g.json.to_string(),
        };
        user.upsert(record.clone());
        match grouped.iter_mut().find(|(k, _)| *k == record.kind) {
            Some((_, list)) => list.push(record),
            None => grouped.push((record.kind, vec![record])),
        }
    }
    Ok(grouped)
}

/// Today's day summaries up to `now`: the daily or stress summary so far, or the last complete
/// 15-minute epochs / respiration (yesterday's last ones just after midnight).
fn day_summaries(
    user: &mut User,
    kind: Kind,
    now: DateTime<Utc>,
    tz: FixedOffset,
    config: &GarminConfig,
) -> Vec<Generated> {
    let today = now.with_timezone(&tz).date_naive();
    let tag = user.tag();
    let mut generate = |day, until| {
        let timeline = gen_day::Timeline::new(&mut user.rng, tz, day, &user.nights, &user.workouts);
        gen_day::summaries(&mut user.rng, &timeline, &user.profile, &tag, config, until)
            .into_iter()
            .filter(|g| g.kind == kind)
            .collect::<Vec<_>>()
    };
    let mut items = generate(today, Some(now.timestamp()));
    if items.is_empty() {
        items = generate(today - TimeDelta::days(1), None);
    }
    if matches!(kind, Kind::Epochs | Kind::Respiration) {
        let last = items.iter().map(|g| g.start).max().unwrap_or(0);
        items.retain(|g| g.start == last);
    }
    items
}

/// The latest activity edited on Garmin Connect: renamed and a minute longer.
fn manual_update(user: &mut User, tz: FixedOffset, at: i64) -> Result<Generated, String> {
    if !user.records.iter().any(|r| r.kind == Kind::Activities) {
        let workout = gen_activity::ending_at(&mut user.rng, tz, at - 3600, user.next_activity_id);
        user.next_activity_id += 1;
        for g in gen_activity::summaries(&mut user.rng, &workout, &user.profile) {
            user.upsert(Record {
                kind: g.kind,
                summary_id: g.summary_id,
                start: g.start,
                uploaded: at,
                json: g.json.to_string(),
            });
        }
        user.workouts.push(workout);
    }
    let latest = user
        .records
        .iter()
        .filter(|r| r.kind == Kind::Activities)
        .max_by_key(|r| r.start)
        .ok_or("no activity to update")?;
    let mut json: Value = serde_json::from_str(&latest.json).map_err(|e| e.to_string())?;
    if let Some(map) = json.as_object_mut() {
        let name = map
            .get("activityName")
            .and_then(Value::as_str)
            .unwrap_or("Activity")
            .to_owned();
        map.insert(
            "activityName".into(),
            Value::from(format!("{name} (edited)")),
        );
        let duration = map
            .get("durationInSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        map.insert("durationInSeconds".into(), Value::from(duration + 60));
        map.insert("manual".into(), Value::from(true));
    }
    Ok(Generated {
        kind: Kind::ManuallyUpdatedActivities,
        summary_id: latest.summary_id.clone(),
        start: latest.start,
        end: at,
        json,
    })
}
