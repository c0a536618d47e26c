//! auth-service: creates end users, runs the OAuth connect flow with providers, stores
//! connections (tokens encrypted) and queues the 30-day backfill of each new connection.

pub mod accounts;
pub mod cli;
pub mod passwords;
pub mod routes;
pub mod seed;
pub mod settings;
pub mod startup;
pub mod sync;

pub use settings::Settings;
pub use startup::build;
