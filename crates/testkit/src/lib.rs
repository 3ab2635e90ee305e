//! Test support shared by the integration suites: every test gets its own database,
//! a fresh SQLite file or a fresh PostgreSQL schema, so tests run in parallel.
//! PostgreSQL is never optional: if it cannot be reached the test fails.
#![allow(clippy::panic)]

use tempfile::TempDir;

/// The backends every storage suite runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database for one test; dropping it removes the SQLite file (PostgreSQL schemas
/// are named `t_<random>` and left for inspection; `DROP SCHEMA` them at will).
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<TempDir>,
}

/// The server the PostgreSQL half of the suites uses.
pub fn postgres_server() -> String {
    std::env::var("PLENUM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite(),
            Backend::Postgres => Self::postgres().await,
        }
    }

    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let url = format!("sqlite:{}", dir.path().join("journal.db").display());
        Self { url, backend: Backend::Sqlite, _dir: Some(dir) }
    }

    pub async fn postgres() -> Self {
        let server = postgres_server();
        let (client, connection) =
            tokio_postgres::connect(&server, tokio_postgres::NoTls).await.unwrap_or_else(|e| {
                panic!("PostgreSQL is required for this test and is not reachable at {server}: {e}")
            });
        tokio::spawn(connection);
        let schema = format!("t_{:016x}", fastrand::u64(..));
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap_or_else(|e| panic!("creating schema {schema}: {e}"));
        let sep = if server.contains('?') { '&' } else { '?' };
        Self {
            url: format!("{server}{sep}options=-csearch_path%3D{schema}"),
            backend: Backend::Postgres,
            _dir: None,
        }
    }

    /// The SQLite file path, for tests that open it directly.
    pub fn sqlite_path(&self) -> Option<&str> {
        self.url.strip_prefix("sqlite:")
    }
}

/// Declares `sqlite_NAME` and `postgres_NAME` tokio tests that call `NAME(TestDb)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::TestDb::new($crate::Backend::Sqlite).await).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::TestDb::new($crate::Backend::Postgres).await).await
                }
            )*
        }
    };
}
