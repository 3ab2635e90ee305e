-- Accounts, login sessions and API tokens of the web app. Ordinary mutable tables
-- beside the journal: accounts are not acts of the assembly, so not events.
-- Times are microseconds since 1970-01-01 UTC. Tokens are stored as their SHA-256.

CREATE TABLE IF NOT EXISTS accounts (
    id                   BIGSERIAL PRIMARY KEY,
    username             TEXT    NOT NULL UNIQUE,    -- compared as given (case-sensitive)
    display_name         TEXT    NOT NULL,
    role                 TEXT    NOT NULL,
    assembly             TEXT,
    member               TEXT,
    password_hash        TEXT    NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         BIGINT,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           BIGINT  NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (
    token_hash  BYTEA   PRIMARY KEY,
    account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_account_id ON sessions (account_id);
CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at);

CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash  BYTEA   PRIMARY KEY,
    account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    label       TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT                               -- NULL: never expires
);
CREATE INDEX IF NOT EXISTS api_tokens_account_id ON api_tokens (account_id);
