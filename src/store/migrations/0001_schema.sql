-- 0001_schema.sql - the whole data model of API.md (1.10, 1.16, 3.x, 4.6).
-- Portable SQL (SQLite and PostgreSQL): ids are TEXT (UUIDs, lower-case),
-- timestamps BIGINT microseconds since the epoch (UTC), booleans INTEGER 0/1.
-- Secrets are stored only as hashes or AES-256-GCM ciphertext (4.6).

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- bumped by every write that must evict other nodes'/processes' caches
INSERT INTO meta (key, value) VALUES ('cache_epoch', '0');

CREATE TABLE tenants (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  status     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- One per human, global across tenants (1.10).
CREATE TABLE identities (
  id                    TEXT PRIMARY KEY,
  email                 TEXT,                 -- as typed (trimmed)
  email_norm            TEXT UNIQUE,          -- Unicode lower-case, for case-insensitive uniqueness
  email_verified        INTEGER NOT NULL DEFAULT 0,
  first_name            TEXT,
  last_name             TEXT,
  country_code          TEXT,                 -- with leading '+'
  mobile                TEXT,
  password_hash         TEXT,                 -- Argon2id PHC string, NULL = no password
  force_password_change INTEGER NOT NULL DEFAULT 0,
  status                TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  failed_attempts       INTEGER NOT NULL DEFAULT 0,
  locked_until          BIGINT,
  mfa_enabled           INTEGER NOT NULL DEFAULT 0,
  mfa_secret            TEXT,                 -- AES-256-GCM sealed base32 secret
  mfa_pending_secret    TEXT,                 -- enrolment not yet verified
  mfa_last_step         BIGINT,               -- last accepted TOTP time step (replay guard)
  created_at            BIGINT NOT NULL,
  updated_at            BIGINT NOT NULL,
  UNIQUE (country_code, mobile)
);

-- A per-tenant presence of an identity: a "user" on the wire (1.10, 1.11).
CREATE TABLE memberships (
  id                 TEXT PRIMARY KEY,
  tenant_id          TEXT NOT NULL REFERENCES tenants(id),
  identity_id        TEXT NOT NULL REFERENCES identities(id),
  username           TEXT,
  status             TEXT NOT NULL CHECK (status IN ('active', 'invited', 'archived')),
  access_valid_until BIGINT,
  -- for an invited membership: the handles the admin typed that belong to the identity
  shown_email        TEXT,
  shown_mobile       TEXT,
  shown_country_code TEXT,
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL,
  UNIQUE (tenant_id, identity_id),
  UNIQUE (tenant_id, username)
);
CREATE INDEX memberships_identity ON memberships (identity_id);

CREATE TABLE roles (
  id             TEXT PRIMARY KEY,
  tenant_id      TEXT NOT NULL REFERENCES tenants(id),
  name           TEXT NOT NULL,
  uid            TEXT NOT NULL,
  parent_role_id TEXT REFERENCES roles(id) ON DELETE SET NULL,
  created_at     BIGINT NOT NULL,
  UNIQUE (tenant_id, uid)
);
CREATE INDEX roles_parent ON roles (parent_role_id);

CREATE TABLE tenant_groups (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  name        TEXT NOT NULL,
  uid         TEXT NOT NULL,
  description TEXT,
  created_at  BIGINT NOT NULL,
  UNIQUE (tenant_id, uid)
);

-- Permission documents, stored with principals by internal id (3.14).
CREATE TABLE permissions (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  name        TEXT NOT NULL,
  description TEXT,
  document    TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  UNIQUE (tenant_id, name)
);

CREATE TABLE user_roles (
  membership_id TEXT NOT NULL REFERENCES memberships(id) ON DELETE CASCADE,
  role_id       TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (membership_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles (role_id);

CREATE TABLE group_members (
  group_id      TEXT NOT NULL REFERENCES tenant_groups(id) ON DELETE CASCADE,
  membership_id TEXT NOT NULL REFERENCES memberships(id) ON DELETE CASCADE,
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (group_id, membership_id)
);
CREATE INDEX group_members_membership ON group_members (membership_id);

CREATE TABLE group_roles (
  group_id   TEXT NOT NULL REFERENCES tenant_groups(id) ON DELETE CASCADE,
  role_id    TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (group_id, role_id)
);
CREATE INDEX group_roles_role ON group_roles (role_id);

CREATE TABLE role_permissions (
  role_id       TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
  permission_id TEXT NOT NULL REFERENCES permissions(id) ON DELETE CASCADE,
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (role_id, permission_id)
);
CREATE INDEX role_permissions_permission ON role_permissions (permission_id);

-- Sessions (4.4). The token itself is never stored: token_hash = hex SHA-256.
CREATE TABLE sessions (
  id            TEXT PRIMARY KEY,
  token_hash    TEXT NOT NULL UNIQUE,
  tenant_id     TEXT NOT NULL REFERENCES tenants(id),
  membership_id TEXT NOT NULL REFERENCES memberships(id),
  identity_id   TEXT NOT NULL REFERENCES identities(id),
  auth_method   INTEGER NOT NULL,            -- login method 1-6 (1.12)
  confined      INTEGER NOT NULL DEFAULT 0,  -- tenant provider / tenant delivery: cannot leave
  created_at    BIGINT NOT NULL,
  last_used_at  BIGINT NOT NULL,
  revoked_at    BIGINT
);
CREATE INDEX sessions_membership ON sessions (membership_id);
CREATE INDEX sessions_identity ON sessions (identity_id);

-- Short-lived single-purpose tokens (1.8): identity, mfa, change, reset, invite.
CREATE TABLE tokens (
  token_hash    TEXT PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('identity', 'mfa', 'change', 'reset', 'invite')),
  identity_id   TEXT NOT NULL REFERENCES identities(id),
  tenant_id     TEXT REFERENCES tenants(id),
  membership_id TEXT REFERENCES memberships(id),
  auth_method   INTEGER,
  confined      INTEGER NOT NULL DEFAULT 0,
  attempts      INTEGER NOT NULL DEFAULT 0,  -- wrong codes on an MFA token
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL
);
CREATE INDEX tokens_identity ON tokens (identity_id, kind);

-- OAuth authorization requests in flight (3.5); PKCE verifier and nonce stay server side.
CREATE TABLE oauth_states (
  state_hash    TEXT PRIMARY KEY,
  tenant_id     TEXT NOT NULL REFERENCES tenants(id),
  provider      TEXT NOT NULL,
  trust         TEXT NOT NULL CHECK (trust IN ('global', 'tenant')),
  redirect_uri  TEXT NOT NULL,
  nonce         TEXT NOT NULL,
  pkce_verifier TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL
);

-- Links between an identity and an account at a provider, keyed by (issuer, subject);
-- tenant_id is set only for links made through a tenant provider.
CREATE TABLE oauth_links (
  id          TEXT PRIMARY KEY,
  identity_id TEXT NOT NULL REFERENCES identities(id),
  tenant_id   TEXT REFERENCES tenants(id),
  provider    TEXT NOT NULL,
  issuer      TEXT NOT NULL,
  subject     TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX oauth_links_key ON oauth_links (COALESCE(tenant_id, ''), issuer, subject);

-- One-time sign-in codes (3.4): keyed hash only.
CREATE TABLE otp_codes (
  id            TEXT PRIMARY KEY,
  tenant_id     TEXT NOT NULL REFERENCES tenants(id),
  channel       TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'whatsapp')),
  identifier    TEXT NOT NULL,     -- lower-cased email or E.164 number
  bare_mobile   TEXT,              -- digits without country code (sms/whatsapp)
  membership_id TEXT NOT NULL REFERENCES memberships(id),
  code_hash     TEXT NOT NULL,
  tenant_delivery INTEGER NOT NULL DEFAULT 0, -- delivered through the tenant's own provider
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL
);
CREATE INDEX otp_codes_lookup ON otp_codes (tenant_id, channel, identifier);

CREATE TABLE otp_attempts (
  tenant_id  TEXT NOT NULL,
  channel    TEXT NOT NULL,
  identifier TEXT NOT NULL,
  count      INTEGER NOT NULL,
  first_at   BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, channel, identifier)
);

CREATE TABLE mfa_backup_codes (
  identity_id TEXT NOT NULL REFERENCES identities(id),
  code_hash   TEXT NOT NULL,
  used_at     BIGINT,
  PRIMARY KEY (identity_id, code_hash)
);

-- Per-tenant KV store (3.16); secret groups hold AES-256-GCM ciphertext.
CREATE TABLE kv_store (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  group_key  TEXT NOT NULL,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  encrypted  INTEGER NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, group_key, key)
);

-- Package registry (3.15), per tenant.
CREATE TABLE package_tables (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  package_id TEXT NOT NULL,
  table_name TEXT NOT NULL,
  PRIMARY KEY (tenant_id, package_id, table_name)
);
CREATE TABLE package_actions (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  package_id TEXT NOT NULL,
  action     TEXT NOT NULL,
  PRIMARY KEY (tenant_id, package_id, action)
);

-- Who did what: security-relevant events (never secrets).
CREATE TABLE audit_log (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT,
  identity_id TEXT,
  event       TEXT NOT NULL,
  detail      TEXT,
  created_at  BIGINT NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, created_at);
