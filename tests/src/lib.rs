//! The whole stack in one test process: a fresh database, a private RabbitMQ prefix, the Oura
//! emulator and the five services, each on its own port, talking real HTTP and AMQP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use base64::Engine;
use messaging::{CancellationToken, Topology};
use provider_emulator::{Emulator, EmulatorConfig, OuraConfig};
use rand::RngCore;
use reqwest::redirect::Policy;
use serde_json::Value;
use storage::queries::{accounts, users};
use storage::test_support::TestDatabase;

pub const WEBHOOK_VERIFICATION_TOKEN: &str = "e2e-verification-token";
pub const REDIRECT_URI: &str = "http://127.0.0.1/app/connected";
/// The secret token Garmin's portal callback URL carries (`?token=`).
pub const GARMIN_URL_TOKEN: &str = "garmin-url-token-0123456789abcdef";
pub const ADMIN_EMAIL: &str = "admin@e2e.example";
pub const ADMIN_PASSWORD: &str = "correct-horse-battery-staple";

pub struct Stack {
    pub db: TestDatabase,
    pub emulator: Emulator,
    pub http: reqwest::Client,
    pub api_key: String,
    pub tenant_id: uuid::Uuid,
    pub auth_url: String,
    pub webhook_url: String,
    pub query_url: String,
    pub poller_url: String,
    pub normalizer_url: String,
    pub webhook_settings: webhook_receiver::Settings,
    /// The token cipher the services use (to check what they stored).
    pub cipher: storage::TokenCipher,
    amqp: messaging::AmqpSettings,
    tokens: Vec<CancellationToken>,
    tasks: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn random_key() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    base64::engine::general_purpose::STANDARD.encode(key)
}

impl Stack {
    pub async fn start() -> Stack {
        service_kit::install_crypto_provider();
        let db = TestDatabase::create().await.unwrap();
        let seed = rand::rng().next_u64();
        let emulator = Emulator::start(
            EmulatorConfig {
                seed,
                oura: OuraConfig {
                    webhook_retry_base_ms: 50,
                    ..OuraConfig::default()
                },
                ..EmulatorConfig::default()
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let oura = OuraConfig::default();
        let prefix = format!("e2e-{}", uuid::Uuid::new_v4().simple());
        let (auth_port, webhook_port) = (free_port(), free_port());
        let auth_url = format!("http://127.0.0.1:{auth_port}");
        let webhook_url = format!("http://127.0.0.1:{webhook_port}");
        let encryption_key = random_key();
        let cipher = storage::TokenCipher::new(1, &[(1, encryption_key.clone().into())]).unwrap();
        let common = vec![
            ("http.port", "0".to_owned()),
            ("http.workers", "1".to_owned()),
            ("http.shutdown_timeout_secs", "2".to_owned()),
            ("database.url", db.url().to_owned()),
            ("database.max_connections", "4".to_owned()),
            ("amqp.prefix", prefix.clone()),
            ("telemetry.json_logs", "false".to_owned()),
            ("telemetry.log_filter", "warn".to_owned()),
            ("security.encryption_key", encryption_key.clone()),
            ("security.jwt_secret", random_key()),
            ("accounts.purge_interval_secs", "1".to_owned()),
            ("providers.oura.client_id", oura.client_id.clone()),
            ("providers.oura.client_secret", oura.client_secret.clone()),
            (
                "providers.oura.authorize_url",
                emulator.oura_authorize_url(),
            ),
            ("providers.oura.token_url", emulator.oura_token_url()),
            ("providers.oura.api_base_url", emulator.oura_api_base()),
            (
                "providers.oura.webhook_verification_token",
                WEBHOOK_VERIFICATION_TOKEN.to_owned(),
            ),
            ("providers.garmin.client_id", "wearhouse-local".to_owned()),
            (
                "providers.garmin.client_secret",
                "wearhouse-local-secret".to_owned(),
            ),
            (
                "providers.garmin.authorize_url",
                format!("{}/garmin/oauth2Confirm", emulator.base_url()),
            ),
            (
                "providers.garmin.token_url",
                format!(
                    "{}/garmin/di-oauth2-service/oauth/token",
                    emulator.base_url()
                ),
            ),
            (
                "providers.garmin.api_base_url",
                format!("{}/garmin", emulator.base_url()),
            ),
            (
                "providers.garmin.webhook_secrets",
                format!("[\"wearhouse-local:{GARMIN_URL_TOKEN}\"]"),
            ),
            ("providers.whoop.client_id", "wearhouse-local".to_owned()),
            (
                "providers.whoop.client_secret",
                "wearhouse-local-secret".to_owned(),
            ),
            (
                "providers.whoop.authorize_url",
                format!("{}/whoop/oauth/oauth2/auth", emulator.base_url()),
            ),
            (
                "providers.whoop.token_url",
                format!("{}/whoop/oauth/oauth2/token", emulator.base_url()),
            ),
            (
                "providers.whoop.api_base_url",
                format!("{}/whoop/developer", emulator.base_url()),
            ),
            ("bootstrap.admin_email", ADMIN_EMAIL.to_owned()),
            ("bootstrap.admin_password", ADMIN_PASSWORD.to_owned()),
            ("oauth.public_base_url", auth_url.clone()),
            ("oauth.redirect_allowlist", format!("[\"{REDIRECT_URI}\"]")),
            ("poller.public_base_url", auth_url.clone()),
            ("webhooks.public_base_url", webhook_url.clone()),
        ];
        let with = |extra: &[(&'static str, String)]| {
            let mut all = common.clone();
            all.extend_from_slice(extra);
            all
        };
        let mut tokens = Vec::new();
        let mut tasks = Vec::new();

        let auth = auth_service::build(
            auth_service::Settings::load_with(&with(&[("http.port", auth_port.to_string())]))
                .unwrap(),
        )
        .await
        .unwrap();
        let webhook_settings = webhook_receiver::Settings::load_with(&with(&[(
            "http.port",
            webhook_port.to_string(),
        )]))
        .unwrap();
        let webhook = webhook_receiver::build(webhook_settings.clone())
            .await
            .unwrap();
        let poller = poller::build(poller::Settings::load_with(&common).unwrap())
            .await
            .unwrap();
        let normalizer = normalizer::build(normalizer::Settings::load_with(&common).unwrap())
            .await
            .unwrap();
        let query = query_api::build(query_api::Settings::load_with(&common).unwrap())
            .await
            .unwrap();
        let poller_url = format!("http://127.0.0.1:{}", poller.port());
        let normalizer_url = format!("http://127.0.0.1:{}", normalizer.port());
        let query_url = format!("http://127.0.0.1:{}", query.port());
        macro_rules! run {
            ($app:expr) => {{
                tokens.push($app.shutdown_token());
                tasks.push(tokio::spawn($app.run_until_stopped()));
            }};
        }
        run!(auth);
        run!(webhook);
        run!(poller);
        run!(normalizer);
        run!(query);

        let mut conn = db.db.conn().await.unwrap();
        // The bootstrap admin's tenant (created by auth-service at start-up).
        let tenant_id = accounts::find_developer_by_email(&mut conn, ADMIN_EMAIL)
            .await
            .unwrap()
            .expect("bootstrap admin")
            .tenant_id;
        let api_key = format!("sk-{}", uuid::Uuid::new_v4().simple());
        accounts::create_api_key(&mut conn, tenant_id, "e2e", &api_key, None)
            .await
            .unwrap();
        drop(conn);

        let stack = Stack {
            db,
            emulator,
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            api_key,
            tenant_id,
            auth_url,
            webhook_url,
            query_url,
            poller_url,
            normalizer_url,
            webhook_settings,
            cipher,
            amqp: messaging::AmqpSettings {
                prefix,
                ..Default::default()
            },
            tokens,
            tasks,
        };
        for url in [
            &stack.auth_url,
            &stack.webhook_url,
            &stack.poller_url,
            &stack.normalizer_url,
            &stack.query_url,
        ] {
            stack.wait_ready(url).await;
        }
        stack
    }

    async fn wait_ready(&self, base: &str) {
        for _ in 0..200 {
            if let Ok(r) = self.http.get(format!("{base}/health/ready")).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{base} never became ready");
    }

    /// A user of this stack's tenant, created through the API.
    pub async fn create_user(&self, external_id: &str) -> String {
        let resp = self
            .http
            .post(format!("{}/api/v1/users", self.auth_url))
            .header("X-Open-Wearables-API-Key", &self.api_key)
            .json(&serde_json::json!({"email": "e2e@example.com", "external_user_id": external_id}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        resp.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Connects `user_id` to the emulated Oura the way a browser would; returns the final
    /// redirect the user lands on.
    pub async fn connect_oura(&self, user_id: &str) -> reqwest::Url {
        self.connect("oura", user_id).await
    }

    /// Connects `user_id` to the emulated `provider` the way a browser would (the emulator
    /// auto-approves); asserts success and returns the URL the user lands on.
    pub async fn connect(&self, provider: &str, user_id: &str) -> reqwest::Url {
        let resp: Value = self
            .get_json(&format!(
                "{}/api/v1/oauth/{provider}/authorize?user_id={user_id}&redirect_uri={REDIRECT_URI}",
                self.auth_url
            ))
            .await;
        let authorization_url = resp["authorization_url"].as_str().unwrap();
        let consent = self.http.get(authorization_url).send().await.unwrap();
        assert_eq!(consent.status(), 302, "emulator consent should redirect");
        let callback = consent.headers()["location"].to_str().unwrap().to_owned();
        assert!(callback.starts_with(&self.auth_url), "callback {callback}");
        let done = self.http.get(&callback).send().await.unwrap();
        assert_eq!(done.status(), 303);
        let landed: reqwest::Url = done.headers()["location"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            landed
                .query_pairs()
                .any(|(k, v)| k == "status" && v == "success"),
            "connecting {provider} failed: {landed}"
        );
        landed
    }

    pub async fn get_json(&self, url: &str) -> Value {
        let resp = self
            .http
            .get(url)
            .header("X-Open-Wearables-API-Key", &self.api_key)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        assert!(status.is_success(), "GET {url} → {status}: {body}");
        body
    }

    /// Polls `check` until it returns `Some`, up to `secs` seconds.
    pub async fn eventually<T, F, Fut>(&self, what: &str, secs: u64, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(v) = check().await {
                return v;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A developer JWT from `POST /api/v1/auth/login`.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let resp = self
            .http
            .post(format!("{}/api/v1/auth/login", self.auth_url))
            .form(&[("username", email), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "login as {email}");
        resp.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A second tenant with its own API key: `(tenant_id, api_key)`.
    pub async fn other_tenant(&self) -> (uuid::Uuid, String) {
        let mut conn = self.db.db.conn().await.unwrap();
        let tenant = accounts::create_tenant(&mut conn, "other").await.unwrap();
        let key = format!("sk-{}", uuid::Uuid::new_v4().simple());
        accounts::create_api_key(&mut conn, tenant, "other", &key, None)
            .await
            .unwrap();
        (tenant, key)
    }

    /// Makes every pending OAuth state expired.
    pub async fn expire_oauth_states(&self) {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use storage::schema::oauth_states::dsl;
        let mut conn = self.db.db.conn().await.unwrap();
        diesel::update(dsl::oauth_states)
            .set(dsl::expires_at.eq(chrono::Utc::now() - chrono::Duration::seconds(1)))
            .execute(&mut conn)
            .await
            .unwrap();
    }

    pub async fn connection(&self, id: uuid::Uuid) -> storage::queries::connections::Connection {
        let mut conn = self.db.db.conn().await.unwrap();
        storage::queries::connections::find(&mut conn, id)
            .await
            .unwrap()
            .unwrap()
    }

    pub async fn connection_tokens_wiped(&self, id: &uuid::Uuid) -> bool {
        let c = self.connection(*id).await;
        c.access_token_enc.is_none() && c.refresh_token_enc.is_none()
    }

    pub async fn connection_history(
        &self,
        id: &uuid::Uuid,
    ) -> Vec<(
        Option<String>,
        String,
        String,
        chrono::DateTime<chrono::Utc>,
    )> {
        let mut conn = self.db.db.conn().await.unwrap();
        storage::queries::connections::status_history(&mut conn, *id)
            .await
            .unwrap()
    }

    /// Connects `user_id` to Oura and returns the provider tokens Wearhouse received, decrypted.
    pub async fn emulator_tokens_for_new_connection(&self, user_id: &str) -> Vec<String> {
        use secrecy::ExposeSecret;
        self.connect_oura(user_id).await;
        let mut conn = self.db.db.conn().await.unwrap();
        let list =
            storage::queries::connections::list_for_user(&mut conn, user_id.parse().unwrap())
                .await
                .unwrap();
        let tokens = list[0].tokens(&self.cipher).unwrap();
        [tokens.access_token, tokens.refresh_token]
            .into_iter()
            .flatten()
            .map(|t| t.expose_secret().to_owned())
            .collect()
    }

    /// `pg_dump` of this stack's database, with bytea values also searchable as text.
    pub async fn pg_dump(&self) -> String {
        let url = self.db.url().to_owned();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new("pg_dump")
                .arg("--data-only")
                .arg(url)
                .output()
        })
        .await
        .unwrap()
        .expect("pg_dump runs");
        assert!(
            out.status.success(),
            "pg_dump: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        // bytea columns are dumped as \x<hex>: decode them so plaintext in bytes would show.
        let mut decoded = String::new();
        for chunk in text.split("\\x").skip(1) {
            let hex: String = chunk
                .chars()
                .take_while(|c| c.is_ascii_hexdigit())
                .collect();
            if let Ok(bytes) = hex::decode(&hex) {
                decoded.push_str(&String::from_utf8_lossy(&bytes));
                decoded.push('\n');
            }
        }
        text + &decoded
    }

    /// A developer of a second tenant, logged in: their JWT.
    pub async fn developer_of_other_tenant(&self) -> String {
        let email = format!("other-{}@e2e.example", uuid::Uuid::new_v4().simple());
        let mut conn = self.db.db.conn().await.unwrap();
        let tenant = accounts::create_tenant(&mut conn, "other").await.unwrap();
        let hash = auth_service::passwords::hash(ADMIN_PASSWORD).unwrap();
        accounts::create_developer(&mut conn, tenant, &email, &hash, true)
            .await
            .unwrap();
        drop(conn);
        self.login(&email, ADMIN_PASSWORD).await
    }

    /// Whether the users table still has the row (deleted or not).
    pub async fn user_row_exists(&self, id: uuid::Uuid) -> bool {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = self.db.db.conn().await.unwrap();
        let n: i64 = storage::schema::users::table
            .find(id)
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        n == 1
    }

    /// Rows in the raw payload archive (one per payload the normalizer committed).
    pub async fn archived_payloads(&self) -> i64 {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = self.db.db.conn().await.unwrap();
        storage::schema::raw_payloads::table
            .count()
            .get_result(&mut conn)
            .await
            .unwrap()
    }

    pub async fn user_in_tenant(&self, user_id: uuid::Uuid) -> bool {
        let mut conn = self.db.db.conn().await.unwrap();
        users::find(&mut conn, self.tenant_id, user_id)
            .await
            .unwrap()
            .is_some()
    }

    /// Stops every service gracefully and removes this stack's queues.
    pub async fn stop(self) {
        for t in &self.tokens {
            t.cancel();
        }
        for task in self.tasks {
            task.await.unwrap().unwrap();
        }
        if let Ok(conn) = messaging::connect(&self.amqp, "e2e-cleanup").await
            && let Ok(channel) = conn.create_channel().await
        {
            let _ = Topology::new(&self.amqp.prefix, self.amqp.delivery_limit)
                .delete_all(&channel)
                .await;
        }
        self.emulator.stop().await;
    }
}
