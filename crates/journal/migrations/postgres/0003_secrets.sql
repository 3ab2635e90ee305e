-- Short-lived secrets kept outside the journal, e.g. the decryption key of a secret
-- poll, deleted once its sum is decrypted.
CREATE TABLE IF NOT EXISTS secrets (
    name        TEXT    PRIMARY KEY,
    value       BYTEA   NOT NULL,
    created_at  BIGINT  NOT NULL
);
