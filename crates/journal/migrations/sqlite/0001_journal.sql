-- The journal: one row per event, in commit order. Never updated, never deleted.
CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY,          -- global, gapless, from 1
    stream      TEXT    NOT NULL,             -- the assembly
    version     INTEGER NOT NULL,             -- within the stream, from 1
    type        TEXT    NOT NULL,
    payload     TEXT    NOT NULL,             -- JSON, exactly as hashed
    actor       TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,             -- microseconds since 1970-01-01 UTC
    command_id  TEXT,                         -- the client's idempotency key
    hash        BLOB    NOT NULL,             -- SHA-256 chained to the previous row
    UNIQUE (stream, version)
);

-- Serialized projections, so that start-up replays only what came after.
CREATE TABLE IF NOT EXISTS snapshots (
    name        TEXT    PRIMARY KEY,
    position    INTEGER NOT NULL,
    data        BLOB    NOT NULL,
    taken_at    INTEGER NOT NULL
);
