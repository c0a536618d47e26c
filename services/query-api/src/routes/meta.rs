//! `GET /api/v1/meta/coverage`: what each provider supplies (no authentication, like the peer).

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/meta/coverage", web::get().to(coverage));
}

async fn coverage() -> HttpResponse {
    let registry = providers::coverage::registry();
    let mut by_series: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for p in &registry {
        for s in &p.timeseries {
            by_series
                .entry((s.code, s.unit))
                .or_default()
                .push(p.provider.to_string());
        }
    }
    let timeseries: Vec<_> = by_series
        .into_iter()
        .map(
            |((code, unit), providers)| json!({"type": code, "unit": unit, "providers": providers}),
        )
        .collect();
    HttpResponse::Ok().json(json!({"providers": registry, "timeseries": timeseries}))
}
