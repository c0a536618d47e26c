//! webhook-receiver: the only service providers call. Verifies each webhook (fail closed),
//! answers subscription challenges, and publishes the untouched bytes to RabbitMQ; the 2xx goes
//! back to the provider only after the broker confirmed the message.

pub mod cli;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod subscriptions;

pub use settings::Settings;
pub use startup::build;
