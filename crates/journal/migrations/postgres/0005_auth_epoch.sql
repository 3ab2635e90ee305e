-- A counter that moves whenever a credential may have lost access: an account's
-- role, password, assembly, member or disabled flag changed, or a session or API
-- token was deleted or changed. A server caches resolved credentials and reads this
-- one row every second: a change made by another process (another server on the
-- same database) empties its cache. Creating a session or token does not move it.
CREATE TABLE IF NOT EXISTS auth_epoch (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    epoch  BIGINT  NOT NULL
);
INSERT INTO auth_epoch (id, epoch) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;

CREATE OR REPLACE FUNCTION plenum_bump_auth_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

-- Row triggers: a statement that changes nothing (ending a session that is gone)
-- moves nothing.
CREATE OR REPLACE TRIGGER accounts_update_epoch AFTER UPDATE ON accounts FOR EACH ROW
WHEN (OLD.username IS DISTINCT FROM NEW.username
    OR OLD.display_name IS DISTINCT FROM NEW.display_name
    OR OLD.role IS DISTINCT FROM NEW.role
    OR OLD.assembly IS DISTINCT FROM NEW.assembly
    OR OLD.member IS DISTINCT FROM NEW.member
    OR OLD.password_hash IS DISTINCT FROM NEW.password_hash
    OR OLD.must_change_password IS DISTINCT FROM NEW.must_change_password
    OR OLD.disabled IS DISTINCT FROM NEW.disabled)
EXECUTE FUNCTION plenum_bump_auth_epoch();
CREATE OR REPLACE TRIGGER accounts_delete_epoch AFTER DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION plenum_bump_auth_epoch();
CREATE OR REPLACE TRIGGER sessions_epoch AFTER UPDATE OR DELETE ON sessions
FOR EACH ROW EXECUTE FUNCTION plenum_bump_auth_epoch();
CREATE OR REPLACE TRIGGER api_tokens_epoch AFTER UPDATE OR DELETE ON api_tokens
FOR EACH ROW EXECUTE FUNCTION plenum_bump_auth_epoch();
