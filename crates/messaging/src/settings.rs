use crate::MessagingError;
use lapin::{Connection, ConnectionProperties};
use serde::Deserialize;

/// How to reach RabbitMQ and how the topology behaves. Every service that shares a prefix must use
/// the same `delivery_limit`: queue arguments are fixed at declaration, and a mismatch makes the
/// broker refuse the declaration (406 PRECONDITION_FAILED).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AmqpSettings {
    /// `amqp://user:password@host:port/vhost` (vhost URL-encoded, `%2f` for `/`).
    pub url: String,
    /// Prefix of every exchange and queue name (`{prefix}.sync`, `{prefix}.sync_jobs`, ...).
    pub prefix: String,
    /// Unacknowledged deliveries the broker pushes to one consumer ahead of time.
    pub prefetch: u16,
    /// Deliveries of one message before it goes to the dead-letter queue.
    pub delivery_limit: u32,
}

impl Default for AmqpSettings {
    fn default() -> Self {
        Self {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
            prefix: "wearhouse".to_owned(),
            prefetch: 32,
            delivery_limit: 5,
        }
    }
}

/// Opens a connection whose `connection_name` (shown in the management UI) is `name`.
///
/// No automatic recovery: [`crate::Publisher`] and [`crate::run_consumer`] reconnect themselves.
pub async fn connect(settings: &AmqpSettings, name: &str) -> Result<Connection, MessagingError> {
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    Ok(Connection::connect(&settings.url, properties).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_a_local_broker() {
        let settings = AmqpSettings::default();
        assert_eq!(settings.url, "amqp://guest:guest@127.0.0.1:5672/%2f");
        assert_eq!(settings.prefix, "wearhouse");
        assert_eq!(settings.prefetch, 32);
        assert_eq!(settings.delivery_limit, 5);
    }
}
