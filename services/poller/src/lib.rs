//! poller: consumes sync jobs (backfill, schedule, manual) and notify-only webhooks, fetches
//! from the provider with the connection's token (refreshing it when needed), and publishes
//! every page it fetched, untouched, for the normalizer.

pub mod cli;
pub mod fetch;
pub mod handlers;
pub mod settings;
pub mod startup;
pub mod tokens;

pub use settings::Settings;
pub use startup::build;
