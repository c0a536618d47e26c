//! normalizer: consumes raw provider payloads, maps them into the unified model (canonical
//! units) and upserts them together with the raw bytes in one transaction; the message is
//! acked only after that transaction committed.

pub mod cli;
pub mod handler;
pub mod settings;
pub mod startup;

pub use settings::Settings;
pub use startup::build;
