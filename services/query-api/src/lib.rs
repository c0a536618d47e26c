//! query-api: the read side of seed 002 — sleep and workout events and time series for one
//! user, keyset-paginated, tenant-scoped by API key.

pub mod cli;
pub mod params;
pub mod routes;
pub mod settings;
pub mod startup;

pub use settings::Settings;
pub use startup::build;
