-- A counter that moves whenever a credential may have lost access: an account's
-- role, password, assembly, member or disabled flag changed, or a session or API
-- token was deleted or changed. A server caches resolved credentials and reads this
-- one row every second: a change made by another process (another server on the
-- same database) empties its cache. Creating a session or token does not move it.
CREATE TABLE IF NOT EXISTS auth_epoch (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    epoch  INTEGER NOT NULL
);
INSERT OR IGNORE INTO auth_epoch (id, epoch) VALUES (1, 0);

CREATE TRIGGER IF NOT EXISTS accounts_update_epoch
AFTER UPDATE ON accounts
WHEN OLD.username IS NOT NEW.username
    OR OLD.display_name IS NOT NEW.display_name
    OR OLD.role IS NOT NEW.role
    OR OLD.assembly IS NOT NEW.assembly
    OR OLD.member IS NOT NEW.member
    OR OLD.password_hash IS NOT NEW.password_hash
    OR OLD.must_change_password IS NOT NEW.must_change_password
    OR OLD.disabled IS NOT NEW.disabled
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS accounts_delete_epoch AFTER DELETE ON accounts
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS sessions_update_epoch AFTER UPDATE ON sessions
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS sessions_delete_epoch AFTER DELETE ON sessions
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS api_tokens_update_epoch AFTER UPDATE ON api_tokens
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS api_tokens_delete_epoch AFTER DELETE ON api_tokens
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1;
END;
