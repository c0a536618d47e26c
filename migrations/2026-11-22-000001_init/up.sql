-- Wearhouse initial schema.
-- Every fact table carries user_id first in its keys: reads are always "one user, one time range".

CREATE TABLE tenants (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Developer accounts (people who log in to manage a tenant).
CREATE TABLE developers (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email text NOT NULL UNIQUE,
    password_hash text NOT NULL, -- argon2id PHC string
    first_name text,
    last_name text,
    is_admin boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- API keys: only a SHA-256 of the key is stored; the key itself is shown once.
CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name text NOT NULL,
    key_hash bytea NOT NULL UNIQUE,
    key_prefix text NOT NULL,
    created_by uuid REFERENCES developers (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);

-- End users of a tenant's app.
CREATE TABLE users (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email text,
    first_name text,
    last_name text,
    external_user_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, external_user_id)
);
CREATE INDEX users_tenant_created_idx ON users (tenant_id, created_at);

-- In-flight OAuth authorisations. Only a hash of `state` is stored; single use, short-lived.
CREATE TABLE oauth_states (
    state_hash bytea PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider text NOT NULL,
    redirect_uri text,
    pkce_verifier_enc bytea,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at);

-- One user's link to one provider account. Tokens are AES-256-GCM ciphertexts.
CREATE TABLE connections (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider text NOT NULL,
    provider_user_id text,
    provider_username text,
    scope text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'expired')),
    access_token_enc bytea,
    refresh_token_enc bytea,
    token_expires_at timestamptz,
    last_synced_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, provider)
);
CREATE INDEX connections_provider_account_idx ON connections (provider, provider_user_id)
    WHERE provider_user_id IS NOT NULL;

-- Every provider payload the normalizer consumed, byte for byte, for audit and replay.
CREATE TABLE raw_payloads (
    id uuid PRIMARY KEY,
    provider text NOT NULL,
    kind text NOT NULL,
    origin text NOT NULL,
    tenant_id uuid,
    user_id uuid,
    connection_id uuid,
    received_at timestamptz NOT NULL,
    content_type text NOT NULL,
    body bytea NOT NULL,
    body_sha256 bytea NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX raw_payloads_user_received_idx ON raw_payloads (user_id, received_at);

-- Provenance: which provider / device a record came from.
CREATE TABLE data_sources (
    id serial PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider text NOT NULL,
    device text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, provider, device)
);

CREATE TABLE workouts (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    data_source_id integer NOT NULL REFERENCES data_sources (id) ON DELETE CASCADE,
    external_id text NOT NULL,
    workout_type text NOT NULL,
    name text,
    start_time timestamptz NOT NULL,
    end_time timestamptz NOT NULL,
    zone_offset_seconds integer,
    duration_seconds bigint NOT NULL,
    calories_kcal double precision,
    distance_meters double precision,
    avg_heart_rate_bpm double precision,
    max_heart_rate_bpm double precision,
    elevation_gain_meters double precision,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (data_source_id, external_id)
);
CREATE INDEX workouts_user_start_idx ON workouts (user_id, start_time, id);

CREATE TABLE sleep_sessions (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    data_source_id integer NOT NULL REFERENCES data_sources (id) ON DELETE CASCADE,
    external_id text NOT NULL,
    start_time timestamptz NOT NULL,
    end_time timestamptz NOT NULL,
    zone_offset_seconds integer,
    is_nap boolean NOT NULL,
    duration_seconds bigint NOT NULL,
    sleep_duration_seconds bigint,
    efficiency_percent double precision,
    awake_seconds bigint,
    light_seconds bigint,
    deep_seconds bigint,
    rem_seconds bigint,
    avg_heart_rate_bpm double precision,
    lowest_heart_rate_bpm double precision,
    avg_hrv_rmssd_ms double precision,
    avg_respiratory_rate double precision,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (data_source_id, external_id)
);
CREATE INDEX sleep_sessions_user_start_idx ON sleep_sessions (user_id, start_time, id);

CREATE TABLE sleep_stage_intervals (
    sleep_id uuid NOT NULL REFERENCES sleep_sessions (id) ON DELETE CASCADE,
    start_time timestamptz NOT NULL,
    end_time timestamptz NOT NULL,
    stage smallint NOT NULL,
    PRIMARY KEY (sleep_id, start_time)
);

-- Time series: billions of rows. Narrow, keyed for "one user, some types, a time range"
-- reads and for bulk upserts; no surrogate id, no foreign keys on the hot path
-- (user deletion removes samples explicitly).
CREATE TABLE samples (
    user_id uuid NOT NULL,
    series smallint NOT NULL,
    ts timestamptz NOT NULL,
    source_id integer NOT NULL,
    value double precision NOT NULL,
    zone_offset_seconds integer,
    PRIMARY KEY (user_id, series, ts, source_id)
);

CREATE TABLE daily_activity (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    data_source_id integer NOT NULL REFERENCES data_sources (id) ON DELETE CASCADE,
    date date NOT NULL,
    external_id text,
    zone_offset_seconds integer,
    steps bigint,
    active_calories_kcal double precision,
    total_calories_kcal double precision,
    distance_meters double precision,
    active_seconds bigint,
    sedentary_seconds bigint,
    low_activity_seconds bigint,
    medium_activity_seconds bigint,
    high_activity_seconds bigint,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, data_source_id, date)
);
