//! Strava's JSON representations: athletes (summary and detailed) and activities (summary in
//! lists, detailed by id), with Strava's time formats: `start_date` in UTC with `Z`,
//! `start_date_local` as local wall time with a (misleading) `Z`, `utc_offset` in seconds.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::data::{Activity, User};

/// Unix seconds as `2024-01-15T07:00:00Z`.
pub(crate) fn fmt_utc(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Local wall time with a literal `Z`, as Strava renders `start_date_local`.
fn fmt_local(unix: i64, offset: i32) -> String {
    fmt_utc(unix + i64::from(offset))
}

/// `(GMT+01:00) Europe/Paris`.
pub(crate) fn timezone(offset: i32) -> String {
    let name = match offset {
        0 => "Europe/London".to_owned(),
        3600 => "Europe/Paris".to_owned(),
        7200 => "Europe/Athens".to_owned(),
        19_800 => "Asia/Kolkata".to_owned(),
        32_400 => "Asia/Tokyo".to_owned(),
        -18_000 => "America/New_York".to_owned(),
        -25_200 => "America/Denver".to_owned(),
        -28_800 => "America/Los_Angeles".to_owned(),
        // POSIX-style names invert the sign.
        other if other % 3600 == 0 => format!("Etc/GMT{:+}", -other / 3600),
        _ => "Etc/UTC".to_owned(),
    };
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    format!(
        "(GMT{sign}{:02}:{:02}) {name}",
        abs / 3600,
        (abs % 3600) / 60
    )
}

/// The athlete as in the token response (`resource_state` 2).
pub(crate) fn athlete_summary(user: &User) -> Value {
    let a = &user.athlete;
    let (city, state, country, _) = a.city;
    json!({
        "id": a.id,
        "username": a.username,
        "resource_state": 2,
        "firstname": a.firstname,
        "lastname": a.lastname,
        "bio": "",
        "city": city,
        "state": state,
        "country": country,
        "sex": a.sex,
        "premium": true,
        "summit": true,
        "created_at": fmt_utc(a.created_at),
        "updated_at": fmt_utc(a.updated_at),
        "badge_type_id": 1,
        "weight": user.physio.weight,
        "profile_medium": format!("https://dgalywyr863hv.cloudfront.net/pictures/athletes/{}/medium.jpg", a.id),
        "profile": format!("https://dgalywyr863hv.cloudfront.net/pictures/athletes/{}/large.jpg", a.id),
        "friend": null,
        "follower": null,
    })
}

/// `GET /athlete`: detailed with `profile:read_all`, otherwise the summary without the weight.
pub(crate) fn athlete(user: &User, profile_read_all: bool) -> Value {
    let mut value = athlete_summary(user);
    let Some(object) = value.as_object_mut() else {
        return value;
    };
    if !profile_read_all {
        object.insert("weight".into(), Value::Null);
        return value;
    }
    object.insert("resource_state".into(), json!(3));
    object.insert("follower_count".into(), json!(5));
    object.insert("friend_count".into(), json!(5));
    object.insert("measurement_preference".into(), json!("meters"));
    object.insert("ftp".into(), json!(user.physio.ftp));
    object.insert("clubs".into(), json!([]));
    object.insert("bikes".into(), json!([]));
    object.insert("shoes".into(), json!([]));
    value
}

fn insert(map: &mut Map<String, Value>, key: &str, value: Value) {
    map.insert(key.to_owned(), value);
}

/// SummaryActivity (`resource_state` 2), as listed by `GET /athlete/activities`.
pub(crate) fn activity_summary(a: &Activity, athlete_id: u64) -> Value {
    let spec = &a.spec;
    let outdoor = spec.outdoor && !spec.manual;
    let latlng = |v: Option<(f64, f64)>| v.map_or(json!([]), |(x, y)| json!([x, y]));
    let mut m = Map::new();
    insert(&mut m, "resource_state", json!(2));
    insert(
        &mut m,
        "athlete",
        json!({"id": athlete_id, "resource_state": 1}),
    );
    insert(&mut m, "name", json!(a.name));
    insert(&mut m, "distance", json!(a.distance));
    insert(&mut m, "moving_time", json!(a.moving));
    insert(&mut m, "elapsed_time", json!(a.elapsed));
    insert(&mut m, "total_elevation_gain", json!(a.elevation_gain));
    insert(&mut m, "type", json!(spec.sport.legacy_type()));
    insert(&mut m, "sport_type", json!(spec.sport.sport_type()));
    insert(&mut m, "workout_type", Value::Null);
    insert(&mut m, "id", json!(a.id));
    insert(&mut m, "start_date", json!(fmt_utc(spec.start)));
    insert(
        &mut m,
        "start_date_local",
        json!(fmt_local(spec.start, a.utc_offset)),
    );
    insert(&mut m, "timezone", json!(timezone(a.utc_offset)));
    insert(&mut m, "utc_offset", json!(f64::from(a.utc_offset)));
    for (key, value) in [
        ("achievement_count", 0),
        ("kudos_count", 3),
        ("comment_count", 0),
    ] {
        insert(&mut m, key, json!(value));
    }
    insert(&mut m, "athlete_count", json!(1));
    insert(&mut m, "photo_count", json!(0));
    insert(
        &mut m,
        "map",
        json!({"id": format!("a{}", a.id), "summary_polyline": "", "resource_state": 2}),
    );
    insert(
        &mut m,
        "trainer",
        json!(spec.sport.sport_type() == "VirtualRide"),
    );
    insert(&mut m, "commute", json!(false));
    insert(&mut m, "manual", json!(spec.manual));
    insert(&mut m, "private", json!(a.private));
    insert(
        &mut m,
        "visibility",
        json!(if a.private { "only_me" } else { "everyone" }),
    );
    insert(&mut m, "flagged", json!(false));
    insert(&mut m, "gear_id", Value::Null);
    insert(
        &mut m,
        "start_latlng",
        latlng(outdoor.then_some(spec.origin)),
    );
    insert(&mut m, "end_latlng", latlng(outdoor.then_some(spec.origin)));
    insert(&mut m, "average_speed", json!(a.avg_speed));
    insert(&mut m, "max_speed", json!(a.max_speed));
    if let Some(cadence) = a.avg_cadence {
        insert(&mut m, "average_cadence", json!(cadence));
    }
    if let Some((avg, max, weighted, kj)) = a.power {
        insert(&mut m, "average_watts", json!(avg));
        insert(&mut m, "max_watts", json!(max));
        insert(&mut m, "weighted_average_watts", json!(weighted));
        insert(&mut m, "kilojoules", json!(kj));
        insert(&mut m, "device_watts", json!(true));
    }
    insert(&mut m, "has_heartrate", json!(a.heart_rate.is_some()));
    if let Some((avg, max)) = a.heart_rate {
        insert(&mut m, "average_heartrate", json!(avg));
        insert(&mut m, "max_heartrate", json!(max));
    }
    insert(&mut m, "heartrate_opt_out", json!(false));
    insert(
        &mut m,
        "display_hide_heartrate_option",
        json!(a.heart_rate.is_some()),
    );
    if let Some((low, high)) = a.elev {
        insert(&mut m, "elev_high", json!(high));
        insert(&mut m, "elev_low", json!(low));
    }
    insert(&mut m, "upload_id", json!(a.upload_id));
    insert(
        &mut m,
        "upload_id_str",
        json!(a.upload_id.map(|u| u.to_string())),
    );
    insert(
        &mut m,
        "external_id",
        json!(a.upload_id.map(|u| format!("{u}.fit"))),
    );
    insert(&mut m, "from_accepted_tag", json!(false));
    insert(&mut m, "pr_count", json!(0));
    insert(&mut m, "total_photo_count", json!(0));
    insert(&mut m, "has_kudoed", json!(false));
    Value::Object(m)
}

/// DetailedActivity (`resource_state` 3), as `GET /activities/{id}` returns it.
pub(crate) fn activity_detailed(a: &Activity, athlete_id: u64) -> Value {
    let mut value = activity_summary(a, athlete_id);
    let Some(m) = value.as_object_mut() else {
        return value;
    };
    insert(m, "resource_state", json!(3));
    insert(m, "description", json!(""));
    insert(m, "calories", json!(a.calories));
    insert(m, "device_name", json!(a.device));
    insert(m, "segment_efforts", json!([]));
    insert(
        m,
        "laps",
        json!([{
            "id": a.id * 10 + 1,
            "resource_state": 2,
            "name": "Lap 1",
            "activity": {"id": a.id, "resource_state": 1},
            "athlete": {"id": athlete_id, "resource_state": 1},
            "elapsed_time": a.elapsed,
            "moving_time": a.moving,
            "start_date": fmt_utc(a.spec.start),
            "start_date_local": fmt_local(a.spec.start, a.utc_offset),
            "distance": a.distance,
            "total_elevation_gain": a.elevation_gain,
            "average_speed": a.avg_speed,
            "max_speed": a.max_speed,
            "lap_index": 1,
            "split": 1,
        }]),
    );
    insert(m, "photos", json!({"primary": null, "count": 0}));
    insert(m, "embed_token", json!(format!("{:040x}", a.id)));
    insert(m, "available_zones", json!(["heartrate"]));
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_carry_a_fake_z_and_timezones_name_the_offset() {
        assert_eq!(fmt_utc(1_705_302_000), "2024-01-15T07:00:00Z");
        assert_eq!(fmt_local(1_705_302_000, 3600), "2024-01-15T08:00:00Z");
        assert_eq!(timezone(3600), "(GMT+01:00) Europe/Paris");
        assert_eq!(timezone(-18_000), "(GMT-05:00) America/New_York");
        assert_eq!(timezone(19_800), "(GMT+05:30) Asia/Kolkata");
        assert_eq!(timezone(-10_800), "(GMT-03:00) Etc/GMT+3");
    }
}
