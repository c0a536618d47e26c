//! Token refresh against the Oura emulator (single-use, rotating refresh tokens) and a real
//! PostgreSQL: concurrent refreshes of one connection spend the refresh token once; a refused
//! refresh moves the connection to `expired`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use base64::Engine;
use chrono::{Duration, Utc};
use poller::fetch::SyncError;
use poller::startup::State;
use provider_emulator::{Emulator, EmulatorConfig};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use storage::queries::{accounts, connections, users};
use storage::test_support::TestDatabase;

impl Fixture {
    /// Stops the emulator and removes this test's queues and exchanges.
    async fn finish(self) {
        let amqp = &self.state.settings.common.amqp;
        self.state.publisher.close().await;
        if let Ok(conn) = messaging::connect(amqp, "tokens-cleanup").await
            && let Ok(channel) = conn.create_channel().await
        {
            let _ = messaging::Topology::new(&amqp.prefix, amqp.delivery_limit)
                .delete_all(&channel)
                .await;
        }
        self.emulator.stop().await;
    }
}

struct Fixture {
    state: Arc<State>,
    connection: uuid::Uuid,
    _db: TestDatabase,
    emulator: Emulator,
}

async fn fixture() -> Fixture {
    service_kit::install_crypto_provider();
    let db = TestDatabase::create().await.unwrap();
    let emulator = Emulator::start(
        EmulatorConfig {
            seed: rand::rng().next_u64(),
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let settings = poller::Settings::load_with(&[
        ("database.url", db.url().to_owned()),
        (
            "amqp.prefix",
            format!("tokens-{}", uuid::Uuid::new_v4().simple()),
        ),
        (
            "security.encryption_key",
            base64::engine::general_purpose::STANDARD.encode(key),
        ),
        ("providers.oura.client_id", "wearhouse-local".to_owned()),
        (
            "providers.oura.client_secret",
            "wearhouse-local-secret".to_owned(),
        ),
        (
            "providers.oura.authorize_url",
            emulator.oura_authorize_url(),
        ),
        ("providers.oura.token_url", emulator.oura_token_url()),
        ("providers.oura.api_base_url", emulator.oura_api_base()),
    ])
    .unwrap();
    let cipher = settings.common.security.cipher().unwrap();
    let publisher = messaging::Publisher::connect(&settings.common.amqp, "tokens-test")
        .await
        .unwrap();
    let sender = providers::HttpSender::new(providers::HttpSenderConfig::default()).unwrap();

    // Authorize like a browser: consent, then the code exchange.
    let cfg = settings.common.provider(domain::Provider::Oura).unwrap();
    let endpoints = cfg.endpoints(domain::Provider::Oura).unwrap();
    let credentials = cfg.credentials(
        domain::Provider::Oura,
        "http://127.0.0.1/cb".parse().unwrap(),
    );
    let ctx = providers::OAuthContext {
        endpoints: &endpoints,
        credentials: &credentials,
        sender: &sender,
    };
    let url = providers::authorize_url(domain::Provider::Oura, ctx, "s")
        .unwrap()
        .url;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = http.get(url).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let code = reqwest::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let authorized = providers::connect(domain::Provider::Oura, ctx, &code, None, Utc::now())
        .await
        .unwrap();

    let mut conn = db.db.conn().await.unwrap();
    let tenant = accounts::create_tenant(&mut conn, "t").await.unwrap();
    let user = users::create(&mut conn, tenant, users::NewUser::default())
        .await
        .unwrap();
    let connection = connections::upsert_authorized(
        &mut conn,
        &cipher,
        connections::NewConnection {
            integration_id: None,
            tenant_id: tenant,
            user_id: user.id,
            provider: "oura",
            provider_user_id: Some(&authorized.account.id),
            provider_username: None,
            scope: None,
            access_token: &authorized.tokens.access_token,
            refresh_token: authorized.tokens.refresh_token.as_ref(),
            // Expired: the next use must refresh.
            token_expires_at: Some(Utc::now() - Duration::minutes(1)),
        },
    )
    .await
    .unwrap();
    let metrics = service_kit::metrics::Metrics::new("t").unwrap();
    let unknown_accounts = metrics.counter("u", "u", &["provider"]).unwrap();
    let state = Arc::new(State {
        settings,
        db: db.db.clone(),
        cipher,
        publisher,
        sender,
        unknown_accounts,
    });
    Fixture {
        state,
        connection: connection.id,
        _db: db,
        emulator,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_of_one_connection_spend_the_refresh_token_once() {
    let f = fixture().await;
    let row = connections::find(&mut f.state.db.conn().await.unwrap(), f.connection)
        .await
        .unwrap()
        .unwrap();
    let old_refresh = row.tokens(&f.state.cipher).unwrap().refresh_token.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (state, row) = (f.state.clone(), row.clone());
        tasks.push(tokio::spawn(async move {
            poller::tokens::access_token(&state, &row).await
        }));
    }
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(
            t.await
                .unwrap()
                .expect("every caller gets a token")
                .expose_secret()
                .to_owned(),
        );
    }
    assert!(
        tokens.windows(2).all(|w| w[0] == w[1]),
        "one refresh, one new token for all"
    );
    let after = connections::find(&mut f.state.db.conn().await.unwrap(), f.connection)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, "active");
    let new_refresh = after
        .tokens(&f.state.cipher)
        .unwrap()
        .refresh_token
        .unwrap();
    assert_ne!(
        new_refresh.expose_secret(),
        old_refresh.expose_secret(),
        "the rotated refresh token was stored"
    );
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_moves_the_connection_to_expired_with_a_reason() {
    let f = fixture().await;
    let mut conn = f.state.db.conn().await.unwrap();
    let row = connections::find(&mut conn, f.connection)
        .await
        .unwrap()
        .unwrap();
    // The user's refresh token was revoked at the provider.
    connections::update_tokens(
        &mut conn,
        &f.state.cipher,
        row.id,
        &SecretString::from("stale-access"),
        Some(&SecretString::from("revoked-refresh-token")),
        Some(Utc::now() - Duration::minutes(1)),
    )
    .await
    .unwrap();
    let row = connections::find(&mut conn, f.connection)
        .await
        .unwrap()
        .unwrap();
    let result = poller::tokens::access_token(&f.state, &row).await;
    assert!(matches!(result, Err(SyncError::NeedsReauth)), "{result:?}");
    let after = connections::find(&mut conn, f.connection)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, "expired");
    let history = connections::status_history(&mut conn, f.connection)
        .await
        .unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.0.as_deref(), last.1.as_str()),
        (Some("active"), "expired")
    );
    assert!(last.2.contains("refresh"), "{}", last.2);
    f.finish().await;
}
