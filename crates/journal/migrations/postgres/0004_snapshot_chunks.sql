-- A snapshot written in pieces, each in its own short transaction, so that appends
-- never wait behind a whole snapshot's WAL. The `snapshots` row of a snapshot in
-- pieces has empty `data`, and is switched to the new position only once every
-- piece is in.
CREATE TABLE IF NOT EXISTS snapshot_chunks (
    name        TEXT    NOT NULL,
    position    BIGINT  NOT NULL,
    seq         BIGINT  NOT NULL,
    data        BYTEA   NOT NULL,
    PRIMARY KEY (name, position, seq)
);
