//! The coverage registry: what each provider supplies, straight from the provider modules.
//! Served at `GET /api/v1/meta/coverage` and rendered into `docs/providers.md` (a test fails
//! when the file drifts; `make docs` rewrites it).

use domain::{Provider, SeriesType};
use serde::Serialize;

use crate::api::Delivery;
use crate::dispatch;

#[derive(Debug, Clone, Serialize)]
pub struct ProviderCoverage {
    pub provider: Provider,
    /// `push` (webhooks carry data), `notify` (webhooks say what to fetch) or `pull`.
    pub delivery: &'static str,
    /// The provider's own data type names we ingest.
    pub data_types: &'static [&'static str],
    pub max_backfill_days: u32,
    pub scopes: &'static [&'static str],
    pub timeseries: Vec<SeriesCoverage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeriesCoverage {
    #[serde(rename = "type")]
    pub code: &'static str,
    pub unit: &'static str,
}

fn delivery(d: Delivery) -> &'static str {
    match d {
        Delivery::Push => "push",
        Delivery::Notify => "notify",
        Delivery::Pull => "pull",
    }
}

/// Every supported provider's coverage, in `Provider::ALL` order.
pub fn registry() -> Vec<ProviderCoverage> {
    dispatch::supported()
        .into_iter()
        .filter_map(|p| {
            let caps = dispatch::capabilities(p)?;
            Some(ProviderCoverage {
                provider: p,
                delivery: delivery(caps.delivery),
                data_types: caps.data_types,
                max_backfill_days: caps.max_backfill_days,
                scopes: dispatch::default_scopes(p),
                timeseries: dispatch::series(p)
                    .iter()
                    .map(|s: &SeriesType| SeriesCoverage {
                        code: s.code(),
                        unit: s.unit(),
                    })
                    .collect(),
            })
        })
        .collect()
}

/// `docs/providers.md`.
pub fn render_markdown(registry: &[ProviderCoverage]) -> String {
    let mut out = String::from(
        "# Providers\n\n\
         Generated from the provider modules (`crates/providers/src/coverage.rs`); do not edit by \
         hand: run `make docs`. The same registry is served at `GET /api/v1/meta/coverage`.\n\n\
         | Provider | Delivery | Data types | Backfill (days) | Scopes |\n|---|---|---|---|---|\n",
    );
    for p in registry {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            p.provider,
            p.delivery,
            p.data_types.join(", "),
            p.max_backfill_days,
            p.scopes.join(" "),
        ));
    }
    out.push_str("\n## Time series by provider\n\n| Provider | Type | Unit |\n|---|---|---|\n");
    for p in registry {
        for s in &p.timeseries {
            out.push_str(&format!("| {} | {} | {} |\n", p.provider, s.code, s.unit));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/providers.md` is the rendering of the registry; `UPDATE_DOCS=1` rewrites it.
    #[test]
    fn provider_docs_match_the_registry() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/providers.md");
        let rendered = render_markdown(&registry());
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, &rendered).unwrap();
        }
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == rendered,
            "docs/providers.md is stale: run `make docs`"
        );
    }

    #[test]
    fn every_supported_provider_is_in_the_registry_with_data_types() {
        let registry = registry();
        assert_eq!(registry.len(), dispatch::supported().len());
        assert!(registry.iter().all(|p| !p.data_types.is_empty()));
    }
}
