//! `list.json` paging: exactly one of `afterDate` (with `sort=asc`) or `beforeDate` (with
//! `sort=desc`), `limit` ≤ 100, `offset`, and absolute `pagination.next` / `previous` links.

use actix_web::HttpRequest;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{Value, json};

use super::super::oauth::params;
use super::super::{Refusal, validation_error};

const MAX_LIMIT: usize = 100;

fn invalid(field: &str, message: impl Into<String>) -> Refusal {
    Box::new(validation_error(field, message))
}

/// `yyyy-MM-dd` (midnight) or `yyyy-MM-ddTHH:mm:ss[.SSS]`, local.
pub(crate) fn date_param(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN))
        })
}

/// One page of `items` (local start, JSON) under `key`, with `pagination`.
pub(super) fn page(
    req: &HttpRequest,
    path: &str,
    key: &str,
    mut items: Vec<(NaiveDateTime, Value)>,
) -> Result<Value, Refusal> {
    let query = params(req.query_string().as_bytes());
    let get = |k: &str| query.get(k).map(String::as_str);
    let (bound_name, bound, ascending) = match (get("afterDate"), get("beforeDate")) {
        (Some(after), None) => ("afterDate", after, true),
        (None, Some(before)) => ("beforeDate", before, false),
        _ => {
            return Err(invalid(
                "beforeDate",
                "Exactly one of beforeDate or afterDate should be specified",
            ));
        }
    };
    let Some(at) = date_param(bound) else {
        return Err(invalid(bound_name, format!("Invalid date:{bound}")));
    };
    let sort = if ascending { "asc" } else { "desc" };
    if get("sort") != Some(sort) {
        return Err(invalid(
            "sort",
            format!("sort must be '{sort}' with {bound_name}"),
        ));
    }
    let limit = match get("limit").map(str::parse::<usize>) {
        Some(Ok(limit)) if (1..=MAX_LIMIT).contains(&limit) => limit,
        _ => return Err(invalid("limit", "limit must be between 1 and 100")),
    };
    let Ok(offset) = get("offset").unwrap_or("0").parse::<usize>() else {
        return Err(invalid("offset", "offset must be a non-negative integer"));
    };
    items.retain(|(t, _)| if ascending { *t >= at } else { *t < at });
    items.sort_by_key(|(t, _)| *t);
    if !ascending {
        items.reverse();
    }
    let total = items.len();
    let entries: Vec<Value> = items
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(_, v)| v)
        .collect();
    let link = |offset: usize| {
        let info = req.connection_info();
        let query = serde_urlencoded::to_string([
            (bound_name, bound),
            ("sort", sort),
            ("limit", &limit.to_string()),
            ("offset", &offset.to_string()),
        ])
        .unwrap_or_default();
        format!(
            "{}://{}/fitbit/{path}.json?{query}",
            info.scheme(),
            info.host()
        )
    };
    let next = if offset + limit < total {
        link(offset + limit)
    } else {
        String::new()
    };
    let previous = if offset > 0 {
        link(offset.saturating_sub(limit))
    } else {
        String::new()
    };
    Ok(json!({
        key: entries,
        "pagination": {
            bound_name: bound,
            "limit": limit,
            "next": next,
            "offset": offset,
            "previous": previous,
            "sort": sort,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_parameters_accept_dates_and_local_date_times() {
        let day = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        assert_eq!(date_param("2024-01-15"), Some(day.and_time(NaiveTime::MIN)));
        assert_eq!(date_param("2024-01-15T07:30:00"), day.and_hms_opt(7, 30, 0));
        assert_eq!(
            date_param("2024-01-15T07:30:00.000"),
            day.and_hms_opt(7, 30, 0)
        );
        assert_eq!(date_param("15/01/2024"), None);
    }
}
