/// Everything that can go wrong talking to RabbitMQ or decoding a queue message.
#[derive(Debug, thiserror::Error)]
pub enum MessagingError {
    /// Connecting, a channel operation or the connection itself failed.
    #[error("AMQP error: {0}")]
    Amqp(#[from] lapin::Error),
    /// The broker negatively acknowledged a published message: it was not persisted.
    #[error(
        "broker nacked the message published to exchange {exchange:?} with routing key {routing_key:?}"
    )]
    Nacked {
        /// The exchange published to.
        exchange: String,
        /// The routing key used.
        routing_key: String,
    },
    /// A mandatory message matched no queue and was returned by the broker.
    #[error(
        "unroutable message to exchange {exchange:?} with routing key {routing_key:?}: {reply_code} {reply_text}"
    )]
    Unroutable {
        /// The exchange published to.
        exchange: String,
        /// The routing key used.
        routing_key: String,
        /// AMQP reply code (312 NO_ROUTE).
        reply_code: u16,
        /// The broker's explanation.
        reply_text: String,
    },
    /// The broker did not confirm a publish in time; the message may or may not be stored.
    #[error("no publisher confirm within {0:?}")]
    ConfirmTimeout(std::time::Duration),
    /// The channel was not in confirm mode (a bug: every publisher channel is).
    #[error("publisher confirms were not enabled on the channel")]
    ConfirmsNotEnabled,
    /// A name, routing key or property exceeds AMQP's 255-byte short-string limit.
    #[error("{what} is longer than 255 bytes")]
    TooLong {
        /// Which value was too long.
        what: &'static str,
    },
    /// The consumer was configured in a way that cannot work (for example zero concurrency).
    #[error("invalid consumer options: {0}")]
    InvalidOptions(String),
    /// A message body is not valid protobuf for the expected type.
    #[error("cannot decode protobuf message: {0}")]
    Decode(#[from] prost::DecodeError),
}
