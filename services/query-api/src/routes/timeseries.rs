//! `GET /api/v1/users/{id}/timeseries?start_time&end_time&types=…` (types repeated, not
//! comma-separated; none means every type), samples in `[start_time, end_time)`.

use actix_web::{HttpResponse, web};
use domain::SeriesType;
use serde::Serialize;
use service_kit::ApiError;
use service_kit::auth::TenantAuth;
use storage::Database;
use storage::queries::reads::{self, RangeQuery, SampleKey};

use crate::params::{Params, decode_cursor, encode_cursor, from_micros, micros, render_time};
use crate::routes::{Pagination, Source, tenant_user, zone};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/v1/users/{user_id}/timeseries",
        web::get().to(timeseries),
    );
}

#[derive(Serialize)]
struct Sample {
    timestamp: String,
    zone_offset: Option<String>,
    #[serde(rename = "type")]
    series: &'static str,
    value: f64,
    unit: &'static str,
    source: Source,
    is_daily_total: Option<bool>,
}

#[derive(Serialize)]
struct Metadata {
    resolution: &'static str,
    sample_count: usize,
    start_time: String,
    end_time: String,
}

#[derive(Serialize)]
struct Response {
    data: Vec<Sample>,
    pagination: Pagination,
    metadata: Metadata,
}

fn parse_types(params: &Params) -> Result<Vec<i16>, ApiError> {
    params
        .all("types")
        .map(|code| {
            SeriesType::from_code(code)
                .map(SeriesType::id)
                .ok_or_else(|| {
                    let hint = if code.contains(',') {
                        " (repeat the parameter for several types: types=heart_rate&types=steps)"
                    } else {
                        ""
                    };
                    ApiError::bad_request(
                        "invalid_type",
                        format!("Unknown timeseries type '{code}'{hint}"),
                    )
                })
        })
        .collect()
}

fn parse_after(params: &Params) -> Result<Option<SampleKey>, ApiError> {
    let Some(raw) = params.get("cursor").filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let f = decode_cursor(raw, 3)?;
    let bad = || ApiError::bad_request("invalid_cursor", "Invalid cursor");
    Ok(Some(SampleKey {
        ts: from_micros(&f[0])?,
        series: f[1].parse().map_err(|_| bad())?,
        source_id: f[2].parse().map_err(|_| bad())?,
    }))
}

async fn timeseries(
    auth: TenantAuth,
    db: web::Data<Database>,
    path: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let params = Params(query.into_inner());
    let (start, end) = params.range("start_time", "end_time")?;
    let limit = params.limit()?;
    let types = parse_types(&params)?;
    if let Some(resolution) = params.get("resolution").filter(|r| *r != "raw") {
        return Err(ApiError::bad_request(
            "unsupported_resolution",
            format!("resolution '{resolution}' is not supported; only 'raw' is"),
        ));
    }
    let after = parse_after(&params)?;
    let user_id = tenant_user(&db, auth, &path).await?;
    let mut conn = db.conn().await?;
    let page = reads::samples_page(
        &mut conn,
        RangeQuery {
            user_id,
            start,
            end,
            limit,
        },
        &types,
        after,
    )
    .await?;
    let next = page
        .items
        .last()
        .filter(|_| page.has_more)
        .map(|r| encode_cursor(&[micros(r.ts), r.series.to_string(), r.source_id.to_string()]));
    let data: Vec<Sample> = page
        .items
        .into_iter()
        .filter_map(|r| {
            let series = SeriesType::from_id(r.series)?;
            Some(Sample {
                timestamp: render_time(r.ts),
                zone_offset: zone(r.zone_offset_seconds),
                series: series.code(),
                value: r.value,
                unit: series.unit(),
                source: Source::new(r.provider, r.device),
                is_daily_total: None,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(Response {
        metadata: Metadata {
            resolution: "raw",
            sample_count: data.len(),
            start_time: render_time(start),
            end_time: render_time(end),
        },
        data,
        pagination: Pagination::new(next),
    }))
}
