//! `AuthStore` on the SQLite journal: writes go through the journal's writer
//! connection, reads through its reader, both on the blocking pool.

use crate::auth::{ACCOUNT_COLUMNS, SESSION_COLUMNS, TOKEN_COLUMNS, count, found};
use crate::{Account, ApiToken, AuthError, AuthStore, NewAccount, SessionRecord, SqliteJournal, now_micros};
use rusqlite::{Connection, OptionalExtension, ffi, params};
use std::sync::{Arc, Mutex};

/// Runs `f` with the connection on the blocking pool.
async fn run<T: Send + 'static>(
    conn: &Arc<Mutex<Connection>>,
    f: impl FnOnce(&mut Connection) -> Result<T, AuthError> + Send + 'static,
) -> Result<T, AuthError> {
    SqliteJournal::blocking(conn, move |c| Ok(f(c))).await?
}

/// The extended result code of a failed statement, if it failed in SQLite.
fn extended_code(e: &rusqlite::Error) -> Option<i32> {
    e.sqlite_error().map(|e| e.extended_code)
}

/// Maps a violated foreign key (an account that does not exist) to `NotFound`.
fn account_must_exist(e: rusqlite::Error) -> AuthError {
    if extended_code(&e) == Some(ffi::SQLITE_CONSTRAINT_FOREIGNKEY) { AuthError::NotFound } else { e.into() }
}

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: r.get(3)?,
        assembly: r.get(4)?,
        member: r.get(5)?,
        password_hash: r.get(6)?,
        must_change_password: r.get(7)?,
        failed_logins: count(r.get(8)?),
        locked_until: r.get(9)?,
        disabled: r.get(10)?,
        created_at: r.get(11)?,
    })
}

fn session_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        token_hash: r.get(0)?,
        account_id: r.get(1)?,
        csrf_token: r.get(2)?,
        created_at: r.get(3)?,
        expires_at: r.get(4)?,
    })
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        token_hash: r.get(0)?,
        account_id: r.get(1)?,
        label: r.get(2)?,
        created_at: r.get(3)?,
        expires_at: r.get(4)?,
    })
}

impl SqliteJournal {
    /// Runs one statement that updates one account; `NotFound` if there is none.
    async fn update_account(
        &self,
        sql: &'static str,
        params: impl rusqlite::Params + Send + 'static,
    ) -> Result<(), AuthError> {
        run(&self.writer, move |c| found(c.prepare_cached(sql)?.execute(params)? as u64)).await
    }

    /// Runs one statement that deletes rows; returns how many.
    async fn delete(
        &self,
        sql: &'static str,
        params: impl rusqlite::Params + Send + 'static,
    ) -> Result<u64, AuthError> {
        run(&self.writer, move |c| Ok(c.prepare_cached(sql)?.execute(params)? as u64)).await
    }
}

impl AuthStore for SqliteJournal {
    async fn create_accounts(&self, accounts: Vec<NewAccount>) -> Result<Vec<i64>, AuthError> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        run(&self.writer, move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let now = now_micros();
            let mut ids = Vec::with_capacity(accounts.len());
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO accounts (username, display_name, role, assembly, member, password_hash,
                                           must_change_password, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                )?;
                for a in accounts {
                    let inserted = insert.query_row(
                        params![
                            a.username,
                            a.display_name,
                            a.role,
                            a.assembly,
                            a.member,
                            a.password_hash,
                            a.must_change_password,
                            now
                        ],
                        |r| r.get::<_, i64>(0),
                    );
                    match inserted {
                        Ok(id) => ids.push(id),
                        // The only unique column besides the generated id is the username.
                        Err(e) if extended_code(&e) == Some(ffi::SQLITE_CONSTRAINT_UNIQUE) => {
                            return Err(AuthError::UsernameTaken(a.username));
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            // Dropping the transaction on an error above rolls every insert back.
            tx.commit()?;
            Ok(ids)
        })
        .await
    }

    async fn account(&self, id: i64) -> Result<Option<Account>, AuthError> {
        run(&self.reader, move |c| {
            let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1");
            Ok(c.prepare_cached(&sql)?.query_row([id], account_row).optional()?)
        })
        .await
    }

    async fn account_by_username(&self, username: &str) -> Result<Option<Account>, AuthError> {
        let username = username.to_owned();
        run(&self.reader, move |c| {
            let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = ?1");
            Ok(c.prepare_cached(&sql)?.query_row([username], account_row).optional()?)
        })
        .await
    }

    async fn accounts(&self) -> Result<Vec<Account>, AuthError> {
        run(&self.reader, |c| {
            let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY id");
            let mut q = c.prepare_cached(&sql)?;
            let rows = q.query_map([], account_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn set_password(&self, id: i64, password_hash: &str, must_change: bool) -> Result<(), AuthError> {
        self.update_account(
            "UPDATE accounts SET password_hash = ?2, must_change_password = ?3 WHERE id = ?1",
            (id, password_hash.to_owned(), must_change),
        )
        .await
    }

    async fn set_disabled(&self, id: i64, disabled: bool) -> Result<(), AuthError> {
        self.update_account("UPDATE accounts SET disabled = ?2 WHERE id = ?1", (id, disabled)).await
    }

    async fn record_failed_login(&self, id: i64, locked_until: Option<i64>) -> Result<u32, AuthError> {
        run(&self.writer, move |c| {
            let n: Option<i64> = c
                .prepare_cached(
                    "UPDATE accounts SET failed_logins = failed_logins + 1, locked_until = ?2
                     WHERE id = ?1 RETURNING failed_logins",
                )?
                .query_row(params![id, locked_until], |r| r.get(0))
                .optional()?;
            n.map(count).ok_or(AuthError::NotFound)
        })
        .await
    }

    async fn record_successful_login(&self, id: i64) -> Result<(), AuthError> {
        self.update_account("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = ?1", (id,))
            .await
    }

    async fn create_session(&self, s: SessionRecord) -> Result<(), AuthError> {
        run(&self.writer, move |c| {
            c.prepare_cached(
                "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![s.token_hash, s.account_id, s.csrf_token, s.created_at, s.expires_at])
            .map_err(account_must_exist)?;
            Ok(())
        })
        .await
    }

    async fn session(&self, token_hash: &[u8], now: i64) -> Result<Option<SessionRecord>, AuthError> {
        let token_hash = token_hash.to_vec();
        run(&self.reader, move |c| {
            let sql =
                format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = ?1 AND expires_at > ?2");
            Ok(c.prepare_cached(&sql)?.query_row(params![token_hash, now], session_row).optional()?)
        })
        .await
    }

    async fn delete_session(&self, token_hash: &[u8]) -> Result<(), AuthError> {
        self.delete("DELETE FROM sessions WHERE token_hash = ?1", (token_hash.to_vec(),)).await?;
        Ok(())
    }

    async fn delete_sessions_of(&self, account_id: i64) -> Result<u64, AuthError> {
        self.delete("DELETE FROM sessions WHERE account_id = ?1", (account_id,)).await
    }

    async fn purge_expired_sessions(&self, now: i64) -> Result<u64, AuthError> {
        self.delete("DELETE FROM sessions WHERE expires_at <= ?1", (now,)).await
    }

    async fn create_api_token(&self, t: ApiToken) -> Result<(), AuthError> {
        run(&self.writer, move |c| {
            c.prepare_cached(
                "INSERT INTO api_tokens (token_hash, account_id, label, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![t.token_hash, t.account_id, t.label, t.created_at, t.expires_at])
            .map_err(account_must_exist)?;
            Ok(())
        })
        .await
    }

    async fn api_token(&self, token_hash: &[u8], now: i64) -> Result<Option<ApiToken>, AuthError> {
        let token_hash = token_hash.to_vec();
        run(&self.reader, move |c| {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens
                 WHERE token_hash = ?1 AND (expires_at IS NULL OR expires_at > ?2)"
            );
            Ok(c.prepare_cached(&sql)?.query_row(params![token_hash, now], token_row).optional()?)
        })
        .await
    }

    async fn delete_api_token(&self, token_hash: &[u8]) -> Result<(), AuthError> {
        self.delete("DELETE FROM api_tokens WHERE token_hash = ?1", (token_hash.to_vec(),)).await?;
        Ok(())
    }

    async fn auth_epoch(&self) -> Result<i64, AuthError> {
        run(&self.reader, |c| {
            Ok(c.prepare_cached("SELECT epoch FROM auth_epoch WHERE id = 1")?.query_row([], |r| r.get(0))?)
        })
        .await
    }

    async fn put_secret(&self, name: &str, value: &[u8]) -> Result<(), AuthError> {
        let (name, value) = (name.to_owned(), value.to_vec());
        run(&self.writer, move |c| {
            c.prepare_cached(
                "INSERT INTO secrets (name, value, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at",
            )?
            .execute(params![name, value, crate::now_micros()])?;
            Ok(())
        })
        .await
    }

    async fn secret(&self, name: &str) -> Result<Option<Vec<u8>>, AuthError> {
        let name = name.to_owned();
        run(&self.reader, move |c| {
            Ok(c.prepare_cached("SELECT value FROM secrets WHERE name = ?1")?
                .query_row([name], |r| r.get(0))
                .optional()?)
        })
        .await
    }

    async fn delete_secret(&self, name: &str) -> Result<(), AuthError> {
        self.delete("DELETE FROM secrets WHERE name = ?1", (name.to_owned(),)).await?;
        Ok(())
    }
}
