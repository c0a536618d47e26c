-- Accounts, applications, SDK tokens, integrations and the connection lifecycle.

-- Users are hidden at once on delete and purged in the background.
ALTER TABLE users ADD COLUMN deleted_at timestamptz;
CREATE INDEX users_deleted_idx ON users (deleted_at) WHERE deleted_at IS NOT NULL;

-- SDK applications: the secret is stored as an argon2id hash only.
CREATE TABLE applications (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    app_id text NOT NULL UNIQUE,
    name text NOT NULL,
    secret_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Refresh tokens (SDK and developer), stored as SHA-256; rotation marks the old one used.
CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('sdk', 'developer')),
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    developer_id uuid REFERENCES developers (id) ON DELETE CASCADE,
    app_id text,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A tenant's OAuth app at a provider. The client secret is AES-256-GCM ciphertext.
CREATE TABLE integrations (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    provider text NOT NULL,
    client_id text NOT NULL,
    client_secret_enc bytea NOT NULL,
    scopes text[] NOT NULL DEFAULT '{}',
    redirect_allowlist text[] NOT NULL DEFAULT '{}',
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, provider)
);

ALTER TABLE oauth_states ADD COLUMN integration_id uuid REFERENCES integrations (id) ON DELETE CASCADE;
ALTER TABLE connections ADD COLUMN integration_id uuid REFERENCES integrations (id) ON DELETE SET NULL;
ALTER TABLE connections ADD COLUMN status_reason text;
ALTER TABLE connections ADD COLUMN status_changed_at timestamptz NOT NULL DEFAULT now();

-- Every status transition of a connection, with its reason.
CREATE TABLE connection_events (
    id bigserial PRIMARY KEY,
    connection_id uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    from_status text,
    to_status text NOT NULL,
    reason text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connection_events_connection_idx ON connection_events (connection_id, at);

-- Invitations of developers into a tenant. Only a hash of the token is stored.
CREATE TABLE developer_invitations (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email text NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    invited_by uuid REFERENCES developers (id) ON DELETE SET NULL,
    expires_at timestamptz NOT NULL,
    accepted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
