//! The data endpoints: path parsing with Fitbit's range limits, then the JSON.

use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde_json::{Value, json};

use super::super::render::{self, Units, ymd};
use super::super::state::State;
use super::super::{Fitbit, Refusal, validation_error};
use super::{Caller, not_found, paging};

/// Nightly endpoints: (path name, JSON key, scope).
const NIGHTLY: [(&str, &str, &str); 5] = [
    ("hrv", "hrv", "heartrate"),
    ("spo2", "", "oxygen_saturation"),
    ("br", "br", "respiratory_rate"),
    ("temp_skin", "tempSkin", "temperature"),
    ("cardioscore", "cardioScore", "cardio_fitness"),
];

pub(super) enum Endpoint {
    Profile,
    Summary(NaiveDate),
    ActivityList,
    HeartDay {
        date: NaiveDate,
        step: Option<(u32, bool)>,
    },
    HeartRange(NaiveDate, NaiveDate),
    Sleep {
        start: NaiveDate,
        end: NaiveDate,
        single: bool,
    },
    SleepList,
    Nightly {
        name: &'static str,
        start: NaiveDate,
        end: NaiveDate,
        single: bool,
    },
    Body {
        fat: bool,
        start: NaiveDate,
        end: NaiveDate,
    },
}

fn refuse(response: HttpResponse) -> Refusal {
    Box::new(response)
}

fn day(field: &str, text: &str) -> Result<NaiveDate, Refusal> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Box::new(validation_error(field, format!("Invalid date:{text}"))))
}

/// `[start, end]` of at most `max_days` days.
fn range(start: &str, end: &str, max_days: i64) -> Result<(NaiveDate, NaiveDate), Refusal> {
    let (start, end) = (day("startDate", start)?, day("endDate", end)?);
    if end < start {
        return Err(refuse(validation_error(
            "endDate",
            "The end date must be after the start date",
        )));
    }
    if (end - start).num_days() + 1 > max_days {
        return Err(refuse(validation_error(
            "endDate",
            format!("The date range must not exceed {max_days} days"),
        )));
    }
    Ok((start, end))
}

impl Endpoint {
    pub(super) fn parse(version: &str, segments: &[&str]) -> Result<Endpoint, Refusal> {
        use Endpoint::*;
        let nightly = |name: &'static str, rest: &[&str]| -> Result<Endpoint, Refusal> {
            match rest {
                ["date", d] => {
                    let d = day("date", d)?;
                    Ok(Nightly {
                        name,
                        start: d,
                        end: d,
                        single: true,
                    })
                }
                ["date", s, e] => {
                    let (start, end) = range(s, e, 30)?;
                    Ok(Nightly {
                        name,
                        start,
                        end,
                        single: false,
                    })
                }
                _ => Err(refuse(not_found("unknown resource"))),
            }
        };
        match (version, segments) {
            ("1", ["profile"]) => Ok(Profile),
            ("1", ["activities", "date", d]) => Ok(Summary(day("date", d)?)),
            ("1", ["activities", "list"]) => Ok(ActivityList),
            ("1", ["activities", "heart", "date", d, "1d"]) => Ok(HeartDay {
                date: day("date", d)?,
                step: None,
            }),
            ("1", ["activities", "heart", "date", d, "1d", detail]) => {
                let step = match *detail {
                    "1sec" => (1, true),
                    "1min" => (1, false),
                    "5min" => (5, false),
                    "15min" => (15, false),
                    other => {
                        return Err(refuse(validation_error(
                            "detail-level",
                            format!("Invalid detail level: {other}"),
                        )));
                    }
                };
                Ok(HeartDay {
                    date: day("date", d)?,
                    step: Some(step),
                })
            }
            ("1", ["activities", "heart", "date", s, e]) => {
                let (start, end) = range(s, e, 366)?;
                Ok(HeartRange(start, end))
            }
            ("1.2", ["sleep", "date", d]) => {
                let d = day("date", d)?;
                Ok(Sleep {
                    start: d,
                    end: d,
                    single: true,
                })
            }
            ("1.2", ["sleep", "date", s, e]) => {
                let (start, end) = range(s, e, 100)?;
                Ok(Sleep {
                    start,
                    end,
                    single: false,
                })
            }
            ("1.2", ["sleep", "list"]) => Ok(SleepList),
            ("1", ["hrv", rest @ ..]) => nightly("hrv", rest),
            ("1", ["spo2", rest @ ..]) => nightly("spo2", rest),
            ("1", ["br", rest @ ..]) => nightly("br", rest),
            ("1", ["temp", "skin", rest @ ..]) => nightly("temp_skin", rest),
            ("1", ["cardioscore", rest @ ..]) => nightly("cardioscore", rest),
            ("1", ["body", "log", kind @ ("weight" | "fat"), "date", rest @ ..]) => {
                let fat = *kind == "fat";
                match rest {
                    [d] => {
                        let d = day("date", d)?;
                        Ok(Body {
                            fat,
                            start: d,
                            end: d,
                        })
                    }
                    [s, e] => {
                        let (start, end) = range(s, e, 31)?;
                        Ok(Body { fat, start, end })
                    }
                    _ => Err(refuse(not_found("unknown resource"))),
                }
            }
            _ => Err(refuse(not_found("unknown resource"))),
        }
    }

    pub(super) fn scope(&self) -> Option<&'static str> {
        Some(match self {
            Endpoint::Profile => "profile",
            Endpoint::Summary(_) | Endpoint::ActivityList => "activity",
            Endpoint::HeartDay { .. } | Endpoint::HeartRange(..) => "heartrate",
            Endpoint::Sleep { .. } | Endpoint::SleepList => "sleep",
            Endpoint::Nightly { name, .. } => NIGHTLY
                .iter()
                .find(|n| n.0 == *name)
                .map_or("heartrate", |n| n.2),
            Endpoint::Body { .. } => "weight",
        })
    }
}

fn days(start: NaiveDate, end: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    start.iter_days().take_while(move |d| *d <= end)
}

pub(super) fn respond(
    req: &HttpRequest,
    fitbit: &Fitbit,
    st: &State,
    caller: &Caller,
    endpoint: Endpoint,
) -> HttpResponse {
    let Some(user) = st.users.get(caller.user) else {
        return not_found("unknown user");
    };
    let units = Units::of(req);
    let now = fitbit.now_local();
    let body: Value = match endpoint {
        Endpoint::Profile => render::profile(user, fitbit.tz, units),
        Endpoint::Summary(date) => render::summary(user, date, now, units),
        Endpoint::ActivityList => {
            let items: Vec<_> = user
                .activities
                .iter()
                .map(|a| (a.start, render::activity_log(a, fitbit.tz, units)))
                .collect();
            match paging::page(req, "1/user/-/activities/list", "activities", items) {
                Ok(page) => page,
                Err(response) => return *response,
            }
        }
        Endpoint::HeartDay { date, step } => {
            let (entry, minutes) = match user.day(date) {
                Some(d) => {
                    let minutes = render::day_minutes(user, d, now);
                    (render::heart_day(user, d, &minutes), minutes)
                }
                None => (
                    json!({"dateTime": ymd(date), "value": {"customHeartRateZones": [], "heartRateZones": []}}),
                    Vec::new(),
                ),
            };
            let mut body = json!({"activities-heart": [entry]});
            if let Some((step, seconds)) = step {
                body["activities-heart-intraday"] = render::heart_intraday(&minutes, step, seconds);
            }
            body
        }
        Endpoint::HeartRange(start, end) => {
            let entries: Vec<Value> = days(start, end)
                .filter_map(|date| user.day(date))
                .map(|d| render::heart_day(user, d, &render::day_minutes(user, d, now)))
                .collect();
            json!({"activities-heart": entries})
        }
        Endpoint::Sleep { start, end, single } => {
            let mut logs: Vec<_> = user
                .sleeps
                .iter()
                .filter(|s| (start..=end).contains(&s.date_of_sleep))
                .collect();
            logs.sort_by_key(|s| std::cmp::Reverse(s.start));
            let mut body =
                json!({"sleep": logs.iter().map(|s| render::sleep_log(s)).collect::<Vec<_>>()});
            if single {
                let asleep: i64 = logs.iter().map(|s| s.minutes_asleep()).sum();
                let in_bed: i64 = logs.iter().map(|s| s.duration_secs() / 60).sum();
                let stage = |names: &[&str]| -> i64 {
                    logs.iter()
                        .filter(|s| !s.classic)
                        .map(|s| s.minutes(names))
                        .sum()
                };
                body["summary"] = json!({
                    "stages": {"deep": stage(&["deep"]), "light": stage(&["light"]), "rem": stage(&["rem"]), "wake": stage(&["wake"])},
                    "totalMinutesAsleep": asleep, "totalSleepRecords": logs.len(), "totalTimeInBed": in_bed,
                });
            }
            body
        }
        Endpoint::SleepList => {
            let items: Vec<_> = user
                .sleeps
                .iter()
                .map(|s| (s.start, render::sleep_log(s)))
                .collect();
            match paging::page(req, "1.2/user/-/sleep/list", "sleep", items) {
                Ok(page) => page,
                Err(response) => return *response,
            }
        }
        Endpoint::Nightly {
            name,
            start,
            end,
            single,
        } => {
            let entries: Vec<Value> = days(start, end)
                .filter_map(|date| user.day(date))
                .filter_map(|d| render::night_entry(name, d, units))
                .collect();
            let key = NIGHTLY.iter().find(|n| n.0 == name).map_or("", |n| n.1);
            match (key, single) {
                ("", true) => entries.into_iter().next().unwrap_or_else(|| json!({})),
                ("", false) => Value::Array(entries),
                (key, _) => json!({ key: entries }),
            }
        }
        Endpoint::Body { fat, start, end } => {
            let logs = user.body.iter().filter(|b| (start..=end).contains(&b.date));
            if fat {
                json!({"fat": logs.filter_map(render::fat_log).collect::<Vec<_>>()})
            } else {
                json!({"weight": logs.map(|b| render::weight_log(b, units)).collect::<Vec<_>>()})
            }
        }
    };
    caller.ok().json(body)
}
