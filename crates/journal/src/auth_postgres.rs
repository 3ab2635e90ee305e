//! `AuthStore` on the PostgreSQL journal: single statements go through the shared
//! reader connection (each its own transaction), account creation takes the writer
//! for one transaction.

use crate::auth::{ACCOUNT_COLUMNS, SESSION_COLUMNS, TOKEN_COLUMNS, count, found};
use crate::{Account, ApiToken, AuthError, AuthStore, NewAccount, PgJournal, SessionRecord, now_micros};
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

fn is(e: &tokio_postgres::Error, state: &SqlState) -> bool {
    e.code() == Some(state)
}

/// Maps a violated foreign key (an account that does not exist) to `NotFound`.
fn account_must_exist(e: tokio_postgres::Error) -> AuthError {
    if is(&e, &SqlState::FOREIGN_KEY_VIOLATION) { AuthError::NotFound } else { e.into() }
}

fn account_row(r: &Row) -> Result<Account, AuthError> {
    Ok(Account {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        display_name: r.try_get(2)?,
        role: r.try_get(3)?,
        assembly: r.try_get(4)?,
        member: r.try_get(5)?,
        password_hash: r.try_get(6)?,
        must_change_password: r.try_get(7)?,
        failed_logins: count(r.try_get::<_, i32>(8)?.into()),
        locked_until: r.try_get(9)?,
        disabled: r.try_get(10)?,
        created_at: r.try_get(11)?,
    })
}

fn session_row(r: &Row) -> Result<SessionRecord, AuthError> {
    Ok(SessionRecord {
        token_hash: r.try_get(0)?,
        account_id: r.try_get(1)?,
        csrf_token: r.try_get(2)?,
        created_at: r.try_get(3)?,
        expires_at: r.try_get(4)?,
    })
}

fn token_row(r: &Row) -> Result<ApiToken, AuthError> {
    Ok(ApiToken {
        token_hash: r.try_get(0)?,
        account_id: r.try_get(1)?,
        label: r.try_get(2)?,
        created_at: r.try_get(3)?,
        expires_at: r.try_get(4)?,
    })
}

impl AuthStore for PgJournal {
    async fn create_accounts(&self, accounts: Vec<NewAccount>) -> Result<Vec<i64>, AuthError> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        let mut client = self.writer.lock().await;
        let tx = client.transaction().await?;
        let insert = tx
            .prepare(
                "INSERT INTO accounts (username, display_name, role, assembly, member, password_hash,
                                       must_change_password, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .await?;
        let now = now_micros();
        let mut ids = Vec::with_capacity(accounts.len());
        for a in accounts {
            let inserted = tx
                .query_one(
                    &insert,
                    &[
                        &a.username,
                        &a.display_name,
                        &a.role,
                        &a.assembly,
                        &a.member,
                        &a.password_hash,
                        &a.must_change_password,
                        &now,
                    ],
                )
                .await;
            match inserted {
                Ok(r) => ids.push(r.try_get(0)?),
                // The only unique column besides the generated id is the username.
                Err(e) if is(&e, &SqlState::UNIQUE_VIOLATION) => {
                    return Err(AuthError::UsernameTaken(a.username));
                }
                Err(e) => return Err(e.into()),
            }
        }
        // Dropping the transaction on an error above rolls every insert back.
        tx.commit().await?;
        Ok(ids)
    }

    async fn account(&self, id: i64) -> Result<Option<Account>, AuthError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
        self.reader.query_opt(&sql, &[&id]).await?.as_ref().map(account_row).transpose()
    }

    async fn account_by_username(&self, username: &str) -> Result<Option<Account>, AuthError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = $1");
        self.reader.query_opt(&sql, &[&username]).await?.as_ref().map(account_row).transpose()
    }

    async fn accounts(&self) -> Result<Vec<Account>, AuthError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY id");
        self.reader.query(&sql, &[]).await?.iter().map(account_row).collect()
    }

    async fn set_password(&self, id: i64, password_hash: &str, must_change: bool) -> Result<(), AuthError> {
        found(
            self.reader
                .execute(
                    "UPDATE accounts SET password_hash = $2, must_change_password = $3 WHERE id = $1",
                    &[&id, &password_hash, &must_change],
                )
                .await?,
        )
    }

    async fn set_disabled(&self, id: i64, disabled: bool) -> Result<(), AuthError> {
        found(
            self.reader.execute("UPDATE accounts SET disabled = $2 WHERE id = $1", &[&id, &disabled]).await?,
        )
    }

    async fn record_failed_login(&self, id: i64, locked_until: Option<i64>) -> Result<u32, AuthError> {
        let r = self
            .reader
            .query_opt(
                "UPDATE accounts SET failed_logins = failed_logins + 1, locked_until = $2
                 WHERE id = $1 RETURNING failed_logins",
                &[&id, &locked_until],
            )
            .await?
            .ok_or(AuthError::NotFound)?;
        Ok(count(r.try_get::<_, i32>(0)?.into()))
    }

    async fn record_successful_login(&self, id: i64) -> Result<(), AuthError> {
        found(
            self.reader
                .execute("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1", &[&id])
                .await?,
        )
    }

    async fn create_session(&self, s: SessionRecord) -> Result<(), AuthError> {
        self.reader
            .execute(
                "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&s.token_hash, &s.account_id, &s.csrf_token, &s.created_at, &s.expires_at],
            )
            .await
            .map_err(account_must_exist)?;
        Ok(())
    }

    async fn session(&self, token_hash: &[u8], now: i64) -> Result<Option<SessionRecord>, AuthError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1 AND expires_at > $2");
        self.reader.query_opt(&sql, &[&token_hash, &now]).await?.as_ref().map(session_row).transpose()
    }

    async fn delete_session(&self, token_hash: &[u8]) -> Result<(), AuthError> {
        self.reader.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash]).await?;
        Ok(())
    }

    async fn delete_sessions_of(&self, account_id: i64) -> Result<u64, AuthError> {
        Ok(self.reader.execute("DELETE FROM sessions WHERE account_id = $1", &[&account_id]).await?)
    }

    async fn purge_expired_sessions(&self, now: i64) -> Result<u64, AuthError> {
        Ok(self.reader.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now]).await?)
    }

    async fn create_api_token(&self, t: ApiToken) -> Result<(), AuthError> {
        self.reader
            .execute(
                "INSERT INTO api_tokens (token_hash, account_id, label, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&t.token_hash, &t.account_id, &t.label, &t.created_at, &t.expires_at],
            )
            .await
            .map_err(account_must_exist)?;
        Ok(())
    }

    async fn api_token(&self, token_hash: &[u8], now: i64) -> Result<Option<ApiToken>, AuthError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens
             WHERE token_hash = $1 AND (expires_at IS NULL OR expires_at > $2)"
        );
        self.reader.query_opt(&sql, &[&token_hash, &now]).await?.as_ref().map(token_row).transpose()
    }

    async fn delete_api_token(&self, token_hash: &[u8]) -> Result<(), AuthError> {
        self.reader.execute("DELETE FROM api_tokens WHERE token_hash = $1", &[&token_hash]).await?;
        Ok(())
    }

    async fn auth_epoch(&self) -> Result<i64, AuthError> {
        Ok(self.reader.query_one("SELECT epoch FROM auth_epoch WHERE id = 1", &[]).await?.try_get(0)?)
    }

    async fn put_secret(&self, name: &str, value: &[u8]) -> Result<(), AuthError> {
        self.reader
            .execute(
                "INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at",
                &[&name, &value, &crate::now_micros()],
            )
            .await?;
        Ok(())
    }

    async fn secret(&self, name: &str) -> Result<Option<Vec<u8>>, AuthError> {
        let row = self.reader.query_opt("SELECT value FROM secrets WHERE name = $1", &[&name]).await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    async fn delete_secret(&self, name: &str) -> Result<(), AuthError> {
        self.reader.execute("DELETE FROM secrets WHERE name = $1", &[&name]).await?;
        Ok(())
    }
}
