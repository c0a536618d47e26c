use crate::{
    AmqpSettings, MessagingError, Stream, Topology, connect, proto,
    topology::{long_string, short},
};
use lapin::{
    BasicProperties, Channel, Confirmation, Connection,
    options::{BasicPublishOptions, ConfirmSelectOptions},
    types::FieldTable,
};
use std::{
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

/// How long a publish waits for the broker's confirm before giving up (the message may still
/// have been stored, so callers retry and consumers deduplicate).
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(30);

/// Publishes with publisher confirms: `publish` returns `Ok` only once the broker acknowledged the
/// message as routed and persisted. Cheap to clone (one shared confirm-mode channel); when the
/// channel or connection dies, the next publish reconnects and redeclares the topology.
#[derive(Clone)]
pub struct Publisher {
    inner: Arc<Inner>,
}

struct Inner {
    settings: AmqpSettings,
    name: String,
    topology: Topology,
    live: Mutex<Option<Live>>,
    reconnect: tokio::sync::Mutex<()>,
}

struct Live {
    connection: Arc<Connection>,
    channel: Channel,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("name", &self.inner.name)
            .field("prefix", &self.inner.topology.prefix())
            .field("connected", &self.is_connected())
            .finish()
    }
}

impl Publisher {
    /// Connects (connection name `name`), declares the topology and enables publisher confirms.
    pub async fn connect(settings: &AmqpSettings, name: &str) -> Result<Publisher, MessagingError> {
        let publisher = Self::lazy(settings, name);
        publisher.channel().await?;
        Ok(publisher)
    }

    /// A publisher that connects on first use.
    pub(crate) fn lazy(settings: &AmqpSettings, name: &str) -> Publisher {
        Publisher {
            inner: Arc::new(Inner {
                settings: settings.clone(),
                name: name.to_owned(),
                topology: Topology::new(&settings.prefix, settings.delivery_limit),
                live: Mutex::new(None),
                reconnect: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Publishes `message` to the stream's exchange and waits for the broker's confirm.
    ///
    /// The message is persistent, `content_type` is `application/x-protobuf`, `type` is the proto
    /// name (`wearhouse.v1.SyncJob`), and `trace` becomes the `traceparent`/`tracestate` headers.
    /// An unroutable message (no queue bound) is [`MessagingError::Unroutable`]; a broker nack is
    /// [`MessagingError::Nacked`].
    pub async fn publish<M: prost::Message + prost::Name>(
        &self,
        stream: Stream,
        routing_key: &str,
        message_id: &str,
        message: &M,
        trace: Option<&proto::TraceContext>,
    ) -> Result<(), MessagingError> {
        let mut properties = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/x-protobuf".into())
            .with_message_id(short(message_id, "message id")?)
            .with_timestamp(u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0))
            .with_type(short(M::full_name(), "message type")?);
        if let Some(trace) = trace {
            let mut headers = FieldTable::default();
            for (key, value) in [
                ("traceparent", &trace.traceparent),
                ("tracestate", &trace.tracestate),
            ] {
                if !value.is_empty() {
                    headers.insert(key.into(), long_string(value));
                }
            }
            properties = properties.with_headers(headers);
        }
        let exchange = self.inner.topology.exchange(stream);
        self.publish_raw(&exchange, routing_key, &message.encode_to_vec(), properties)
            .await
    }

    /// Publishes bytes with the given properties (mandatory, confirmed).
    pub(crate) async fn publish_raw(
        &self,
        exchange: &str,
        routing_key: &str,
        body: &[u8],
        properties: BasicProperties,
    ) -> Result<(), MessagingError> {
        let exchange_name = short(exchange, "exchange name")?;
        let key = short(routing_key, "routing key")?;
        let channel = self.channel().await?;
        let options = BasicPublishOptions {
            mandatory: true,
            ..BasicPublishOptions::default()
        };
        let confirm = channel
            .basic_publish(exchange_name, key, options, body, properties)
            .await?;
        let confirmation = tokio::time::timeout(CONFIRM_TIMEOUT, confirm)
            .await
            .map_err(|_| MessagingError::ConfirmTimeout(CONFIRM_TIMEOUT))??;
        match confirmation {
            Confirmation::Ack(None) => Ok(()),
            Confirmation::Ack(Some(returned)) => Err(MessagingError::Unroutable {
                exchange: exchange.to_owned(),
                routing_key: routing_key.to_owned(),
                reply_code: returned.reply_code,
                reply_text: returned.reply_text.to_string(),
            }),
            Confirmation::Nack(_) => Err(MessagingError::Nacked {
                exchange: exchange.to_owned(),
                routing_key: routing_key.to_owned(),
            }),
            Confirmation::NotRequested => Err(MessagingError::ConfirmsNotEnabled),
        }
    }

    /// Whether the publisher currently holds an open channel (for `/health/ready`). A publisher
    /// whose channel died reports `false` until the next publish reconnects it.
    pub fn is_connected(&self) -> bool {
        self.live_channel().is_some()
    }

    /// The topology this publisher declared.
    pub fn topology(&self) -> &Topology {
        &self.inner.topology
    }

    /// Closes the channel and connection (in-flight publishes fail). The next publish reconnects.
    pub async fn close(&self) {
        let live = self.take_live();
        if let Some(live) = live {
            let _ = live.channel.close(200, "OK".into()).await;
            let _ = live.connection.close(200, "OK".into()).await;
        }
    }

    fn live_channel(&self) -> Option<Channel> {
        let live = self
            .inner
            .live
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        live.as_ref()
            .filter(|l| l.connection.status().connected() && l.channel.status().connected())
            .map(|l| l.channel.clone())
    }

    fn take_live(&self) -> Option<Live> {
        self.inner
            .live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// The open confirm channel, reopening it (and the connection, if that died too) when needed.
    async fn channel(&self) -> Result<Channel, MessagingError> {
        if let Some(channel) = self.live_channel() {
            return Ok(channel);
        }
        let _reconnecting = self.inner.reconnect.lock().await;
        if let Some(channel) = self.live_channel() {
            return Ok(channel);
        }
        let connection = match self.take_live() {
            Some(old) if old.connection.status().connected() => old.connection,
            _ => {
                tracing::info!(name = %self.inner.name, "connecting publisher to RabbitMQ");
                Arc::new(connect(&self.inner.settings, &self.inner.name).await?)
            }
        };
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        self.inner.topology.declare(&channel).await?;
        *self
            .inner
            .live
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Live {
            connection,
            channel: channel.clone(),
        });
        Ok(channel)
    }
}
