//! Accounts, sessions and API tokens beside the journal, on both backends
//! (`sqlite::NAME` and `postgres::NAME`; PostgreSQL must be reachable, see
//! `plenum_testkit`). Plus the upgrade of a SQLite journal of schema version 1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use plenum_journal::{
    Account, AnyJournal, ApiToken, AppendRequest, AuthError, AuthStore, DatabaseUrl, Journal, NewAccount,
    NewEvent, SessionRecord, SqliteJournal,
};
use plenum_testkit::TestDb;

plenum_testkit::both_backends!(
    accounts_are_created_and_read,
    a_taken_username_creates_nothing,
    passwords_change,
    failed_logins_are_counted_and_reset,
    accounts_are_disabled,
    missing_accounts_are_not_found,
    sessions_live_until_they_expire_or_end,
    api_tokens_live_until_they_expire_or_are_revoked,
    debug_hides_secrets,
    the_journal_works_beside_the_accounts,
    secrets_are_kept_replaced_and_deleted,
    the_auth_epoch_moves_when_access_may_be_lost,
);

const NOW: i64 = 1_750_000_000_000_000;
const HOUR: i64 = 3_600_000_000;

async fn open(db: &TestDb) -> AnyJournal {
    AnyJournal::open(&DatabaseUrl::new(db.url.clone())).await.unwrap()
}

fn new_account(username: &str) -> NewAccount {
    NewAccount {
        username: username.to_owned(),
        display_name: format!("The {username}"),
        role: "member".to_owned(),
        assembly: Some("plenary".to_owned()),
        member: Some(format!("m-{username}")),
        password_hash: format!("$argon2id$v=19$secret-hash-of-{username}"),
        must_change_password: true,
    }
}

/// Creates one account and returns its id.
async fn create(j: &AnyJournal, username: &str) -> i64 {
    let ids = j.create_accounts(vec![new_account(username)]).await.unwrap();
    assert_eq!(ids.len(), 1);
    ids[0]
}

fn hash(tag: u8) -> Vec<u8> {
    vec![tag; 32]
}

fn session(tag: u8, account_id: i64, expires_at: i64) -> SessionRecord {
    SessionRecord {
        token_hash: hash(tag),
        account_id,
        csrf_token: format!("csrf-{tag}"),
        created_at: NOW - HOUR,
        expires_at,
    }
}

async fn accounts_are_created_and_read(db: TestDb) {
    let j = open(&db).await;
    assert!(j.accounts().await.unwrap().is_empty());
    assert_eq!(j.create_accounts(Vec::new()).await.unwrap(), Vec::<i64>::new());

    let before = chrono::Utc::now().timestamp_micros();
    let mut admin = new_account("admin");
    admin.role = "admin".to_owned();
    admin.assembly = None;
    admin.member = None;
    admin.must_change_password = false;
    let ids = j.create_accounts(vec![admin, new_account("alice"), new_account("bob")]).await.unwrap();
    assert_eq!(ids.len(), 3);
    assert!(ids[0] < ids[1] && ids[1] < ids[2], "ids in the given order: {ids:?}");

    let alice = j.account(ids[1]).await.unwrap().unwrap();
    assert_eq!(
        alice,
        Account {
            id: ids[1],
            username: "alice".to_owned(),
            display_name: "The alice".to_owned(),
            role: "member".to_owned(),
            assembly: Some("plenary".to_owned()),
            member: Some("m-alice".to_owned()),
            password_hash: "$argon2id$v=19$secret-hash-of-alice".to_owned(),
            must_change_password: true,
            failed_logins: 0,
            locked_until: None,
            disabled: false,
            created_at: alice.created_at,
        }
    );
    assert!(alice.created_at >= before && alice.created_at <= chrono::Utc::now().timestamp_micros());

    let admin = j.account_by_username("admin").await.unwrap().unwrap();
    assert_eq!(admin.id, ids[0]);
    assert_eq!((admin.role.as_str(), admin.assembly, admin.member), ("admin", None, None));
    assert!(!admin.must_change_password);

    // Usernames compare exactly as given: the web layer normalizes them.
    assert!(j.account_by_username("Alice").await.unwrap().is_none());
    let upper = create(&j, "Alice").await;
    assert_ne!(upper, ids[1]);
    assert_eq!(j.account_by_username("Alice").await.unwrap().unwrap().id, upper);
    assert_eq!(j.account_by_username("alice").await.unwrap().unwrap().id, ids[1]);

    assert!(j.account(ids[2] + 1000).await.unwrap().is_none());
    assert!(j.account_by_username("nobody").await.unwrap().is_none());

    let all = j.accounts().await.unwrap();
    let names: Vec<&str> = all.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(names, ["admin", "alice", "bob", "Alice"]);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "ordered by id");

    // A second instance on the same database sees them.
    let again = open(&db).await;
    assert_eq!(again.accounts().await.unwrap(), all);
}

async fn a_taken_username_creates_nothing(db: TestDb) {
    let j = open(&db).await;
    let alice = create(&j, "alice").await;

    // Taken by an existing account: the accounts before it in the batch are undone.
    let err = j
        .create_accounts(vec![new_account("bob"), new_account("alice"), new_account("carol")])
        .await
        .unwrap_err();
    assert_eq!(err, AuthError::UsernameTaken("alice".to_owned()));
    assert!(err.to_string().contains("alice"), "{err}");

    // Given twice in one batch.
    let err = j
        .create_accounts(vec![new_account("dave"), new_account("erin"), new_account("dave")])
        .await
        .unwrap_err();
    assert_eq!(err, AuthError::UsernameTaken("dave".to_owned()));
    assert!(err.to_string().contains("dave"), "{err}");

    let names: Vec<String> = j.accounts().await.unwrap().into_iter().map(|a| a.username).collect();
    assert_eq!(names, ["alice"]);
    for name in ["bob", "carol", "dave", "erin"] {
        assert!(j.account_by_username(name).await.unwrap().is_none(), "{name} was created");
    }

    // The store is still usable after the rolled-back transaction.
    let ids = j.create_accounts(vec![new_account("bob"), new_account("carol")]).await.unwrap();
    assert!(ids.iter().all(|id| *id > alice));
    assert_eq!(j.accounts().await.unwrap().len(), 3);
}

async fn passwords_change(db: TestDb) {
    let j = open(&db).await;
    let alice = create(&j, "alice").await;
    let bob = create(&j, "bob").await;

    j.set_password(alice, "new-hash", false).await.unwrap();
    let a = j.account(alice).await.unwrap().unwrap();
    assert_eq!((a.password_hash.as_str(), a.must_change_password), ("new-hash", false));

    // An administrator's reset makes the user choose a new one.
    j.set_password(alice, "reset-hash", true).await.unwrap();
    let a = j.account(alice).await.unwrap().unwrap();
    assert_eq!((a.password_hash.as_str(), a.must_change_password), ("reset-hash", true));

    let b = j.account(bob).await.unwrap().unwrap();
    assert_eq!(b.password_hash, "$argon2id$v=19$secret-hash-of-bob", "other accounts untouched");
}

async fn failed_logins_are_counted_and_reset(db: TestDb) {
    let j = open(&db).await;
    let alice = create(&j, "alice").await;
    let bob = create(&j, "bob").await;

    assert_eq!(j.record_failed_login(alice, None).await.unwrap(), 1);
    assert_eq!(j.record_failed_login(alice, None).await.unwrap(), 2);
    let until = NOW + HOUR;
    assert_eq!(j.record_failed_login(alice, Some(until)).await.unwrap(), 3);
    let a = j.account(alice).await.unwrap().unwrap();
    assert_eq!((a.failed_logins, a.locked_until), (3, Some(until)));
    assert!(a.is_locked(NOW));
    assert!(!a.is_locked(until));

    // The given lock replaces the previous one.
    assert_eq!(j.record_failed_login(alice, Some(until + HOUR)).await.unwrap(), 4);
    assert_eq!(j.account(alice).await.unwrap().unwrap().locked_until, Some(until + HOUR));

    let b = j.account(bob).await.unwrap().unwrap();
    assert_eq!((b.failed_logins, b.locked_until), (0, None), "other accounts untouched");

    j.record_successful_login(alice).await.unwrap();
    let a = j.account(alice).await.unwrap().unwrap();
    assert_eq!((a.failed_logins, a.locked_until), (0, None));
    assert!(!a.is_locked(NOW));
    assert_eq!(j.record_failed_login(alice, None).await.unwrap(), 1, "counting starts over");
}

async fn accounts_are_disabled(db: TestDb) {
    let j = open(&db).await;
    let alice = create(&j, "alice").await;
    j.set_disabled(alice, true).await.unwrap();
    assert!(j.account(alice).await.unwrap().unwrap().disabled);
    j.set_disabled(alice, false).await.unwrap();
    assert!(!j.account(alice).await.unwrap().unwrap().disabled);
}

async fn missing_accounts_are_not_found(db: TestDb) {
    let j = open(&db).await;
    let alice = create(&j, "alice").await;
    let ghost = alice + 1000;
    assert_eq!(j.set_password(ghost, "h", false).await, Err(AuthError::NotFound));
    assert_eq!(j.set_disabled(ghost, true).await, Err(AuthError::NotFound));
    assert_eq!(j.record_failed_login(ghost, None).await, Err(AuthError::NotFound));
    assert_eq!(j.record_successful_login(ghost).await, Err(AuthError::NotFound));
    assert_eq!(j.create_session(session(1, ghost, NOW + HOUR)).await, Err(AuthError::NotFound));
    let token = ApiToken {
        token_hash: hash(2),
        account_id: ghost,
        label: "ci".to_owned(),
        created_at: NOW,
        expires_at: None,
    };
    assert_eq!(j.create_api_token(token).await, Err(AuthError::NotFound));
    assert!(j.session(&hash(1), NOW).await.unwrap().is_none());
    assert!(j.api_token(&hash(2), NOW).await.unwrap().is_none());
}

async fn sessions_live_until_they_expire_or_end(db: TestDb) {
    let j = open(&db).await;
    let alice = create(&j, "alice").await;
    let bob = create(&j, "bob").await;

    let s1 = session(1, alice, NOW + HOUR);
    j.create_session(s1.clone()).await.unwrap();
    j.create_session(session(2, alice, NOW + 2 * HOUR)).await.unwrap();
    j.create_session(session(3, bob, NOW + HOUR)).await.unwrap();
    j.create_session(session(4, bob, NOW - 1)).await.unwrap();

    // Read back exactly; valid while now < expires_at.
    assert_eq!(j.session(&hash(1), NOW).await.unwrap(), Some(s1.clone()));
    assert_eq!(j.session(&hash(1), NOW + HOUR - 1).await.unwrap(), Some(s1.clone()));
    assert_eq!(j.session(&hash(1), NOW + HOUR).await.unwrap(), None);
    assert_eq!(j.session(&hash(4), NOW).await.unwrap(), None);
    assert_eq!(j.session(&hash(9), NOW).await.unwrap(), None);

    // A token hash is unique.
    assert!(matches!(j.create_session(session(1, bob, NOW + HOUR)).await, Err(AuthError::Storage(_))));

    // Purging removes only the expired ones.
    assert_eq!(j.purge_expired_sessions(NOW).await.unwrap(), 1);
    assert_eq!(j.purge_expired_sessions(NOW).await.unwrap(), 0);
    assert!(j.session(&hash(3), NOW).await.unwrap().is_some());

    // Logging out, twice.
    j.delete_session(&hash(1)).await.unwrap();
    j.delete_session(&hash(1)).await.unwrap();
    assert_eq!(j.session(&hash(1), NOW).await.unwrap(), None);
    assert!(j.session(&hash(2), NOW).await.unwrap().is_some());

    // Ending all sessions of one account leaves the others.
    j.create_session(session(5, alice, NOW + HOUR)).await.unwrap();
    assert_eq!(j.delete_sessions_of(alice).await.unwrap(), 2);
    assert_eq!(j.delete_sessions_of(alice).await.unwrap(), 0);
    assert_eq!(j.session(&hash(2), NOW).await.unwrap(), None);
    assert_eq!(j.session(&hash(5), NOW).await.unwrap(), None);
    assert_eq!(j.session(&hash(3), NOW).await.unwrap().map(|s| s.account_id), Some(bob));

    assert_eq!(j.purge_expired_sessions(NOW + 10 * HOUR).await.unwrap(), 1);
    assert_eq!(j.session(&hash(3), NOW).await.unwrap(), None);
}

async fn api_tokens_live_until_they_expire_or_are_revoked(db: TestDb) {
    let j = open(&db).await;
    let alice = create(&j, "alice").await;
    let forever = ApiToken {
        token_hash: hash(1),
        account_id: alice,
        label: "ci".to_owned(),
        created_at: NOW,
        expires_at: None,
    };
    let daily = ApiToken {
        token_hash: hash(2),
        account_id: alice,
        label: "export".to_owned(),
        created_at: NOW,
        expires_at: Some(NOW + 24 * HOUR),
    };
    j.create_api_token(forever.clone()).await.unwrap();
    j.create_api_token(daily.clone()).await.unwrap();

    assert_eq!(j.api_token(&hash(1), NOW).await.unwrap(), Some(forever.clone()));
    assert_eq!(j.api_token(&hash(1), i64::MAX).await.unwrap(), Some(forever.clone()));
    assert_eq!(j.api_token(&hash(2), NOW).await.unwrap(), Some(daily.clone()));
    assert_eq!(j.api_token(&hash(2), NOW + 24 * HOUR).await.unwrap(), None);
    assert_eq!(j.api_token(&hash(3), NOW).await.unwrap(), None);

    // Tokens are not sessions.
    assert_eq!(j.session(&hash(1), NOW).await.unwrap(), None);
    assert_eq!(j.delete_sessions_of(alice).await.unwrap(), 0);

    j.delete_api_token(&hash(1)).await.unwrap();
    j.delete_api_token(&hash(1)).await.unwrap();
    assert_eq!(j.api_token(&hash(1), NOW).await.unwrap(), None);
    assert_eq!(j.api_token(&hash(2), NOW).await.unwrap(), Some(daily));
}

async fn debug_hides_secrets(db: TestDb) {
    let j = open(&db).await;
    let alice = create(&j, "alice").await;
    let a = j.account(alice).await.unwrap().unwrap();
    let shown = format!("{a:?}");
    assert!(!shown.contains("secret-hash-of-alice"), "{shown}");
    assert!(!shown.contains("argon2"), "{shown}");
    assert!(shown.contains("***") && shown.contains("alice"), "{shown}");
    let shown = format!("{:#?}", new_account("bob"));
    assert!(!shown.contains("secret-hash-of-bob"), "{shown}");

    let s = session(7, alice, NOW + HOUR);
    j.create_session(s.clone()).await.unwrap();
    let shown = format!("{:?}", j.session(&hash(7), NOW).await.unwrap().unwrap());
    assert!(!shown.contains("csrf-7"), "{shown}");
}

async fn the_journal_works_beside_the_accounts(db: TestDb) {
    let j = open(&db).await;
    let event = |n: u32| NewEvent {
        kind: "Noted".to_owned(),
        payload: format!("{{\"n\":{n}}}"),
        actor: "admin".to_owned(),
        command_id: None,
    };
    j.append(AppendRequest { stream: "a".to_owned(), expected_version: 0, events: vec![event(1)] })
        .await
        .unwrap();
    create(&j, "alice").await;
    assert!(j.create_accounts(vec![new_account("alice")]).await.is_err());
    j.append(AppendRequest { stream: "a".to_owned(), expected_version: 1, events: vec![event(2)] })
        .await
        .unwrap();
    assert_eq!(j.head().await.unwrap(), 2);
    let v = j.verify().await.unwrap();
    assert_eq!((v.events, v.first_bad), (2, None));
    let stats = j.stats().await.unwrap();
    assert_eq!(stats.events, 2);
}

// ---------------------------------------------------------------------------
// SQLite schema upgrade.
// ---------------------------------------------------------------------------

fn user_version(c: &rusqlite::Connection) -> i64 {
    c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
}

fn has_table(c: &rusqlite::Connection, name: &str) -> bool {
    c.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap()
        == 1
}

#[tokio::test]
async fn sqlite_journal_of_schema_version_1_is_upgraded() {
    let db = TestDb::sqlite();
    let path = db.sqlite_path().unwrap().to_owned();
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(include_str!("../migrations/sqlite/0001_journal.sql")).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        assert!(!has_table(&c, "accounts"));
    }

    let j = SqliteJournal::open(&path).unwrap();
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        assert_eq!(user_version(&c), 5);
        for table in [
            "events",
            "snapshots",
            "snapshot_chunks",
            "accounts",
            "sessions",
            "api_tokens",
            "secrets",
            "auth_epoch",
        ] {
            assert!(has_table(&c, table), "{table} is missing");
        }
    }
    let id = j.create_accounts(vec![new_account("alice")]).await.unwrap()[0];
    assert_eq!(j.account(id).await.unwrap().unwrap().username, "alice");
    assert_eq!(j.head().await.unwrap(), 0);
    // A snapshot written whole, as before snapshots were written in pieces, still loads.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO snapshots (name, position, data, taken_at) VALUES ('projections', 7, X'0102FF', 1)",
            [],
        )
        .unwrap();
    assert_eq!(
        j.load_snapshot("projections").await.unwrap(),
        Some(plenum_journal::Snapshot { position: 7, data: vec![1, 2, 255] })
    );
    drop(j);

    // Opening again is harmless and keeps what is there.
    let j = SqliteJournal::open(&path).unwrap();
    assert_eq!(j.accounts().await.unwrap().len(), 1);
    drop(j);

    // A schema newer than this build is refused, and left as it is.
    rusqlite::Connection::open(&path).unwrap().pragma_update(None, "user_version", 6).unwrap();
    assert!(SqliteJournal::open(&path).is_err());
    assert_eq!(user_version(&rusqlite::Connection::open(&path).unwrap()), 6);
}

async fn secrets_are_kept_replaced_and_deleted(db: TestDb) {
    let j = open(&db).await;
    assert_eq!(j.secret("poll-key/a/1").await.unwrap(), None);
    j.put_secret("poll-key/a/1", b"first").await.unwrap();
    j.put_secret("poll-key/a/2", b"other").await.unwrap();
    assert_eq!(j.secret("poll-key/a/1").await.unwrap().as_deref(), Some(&b"first"[..]));
    j.put_secret("poll-key/a/1", b"second").await.unwrap();
    assert_eq!(j.secret("poll-key/a/1").await.unwrap().as_deref(), Some(&b"second"[..]));
    j.delete_secret("poll-key/a/1").await.unwrap();
    j.delete_secret("poll-key/a/1").await.unwrap();
    assert_eq!(j.secret("poll-key/a/1").await.unwrap(), None);
    assert_eq!(j.secret("poll-key/a/2").await.unwrap().as_deref(), Some(&b"other"[..]));
    // Secrets never enter the journal.
    assert_eq!(j.head().await.unwrap(), 0);
}

/// What moves the epoch that credential caches watch, and what does not.
async fn the_auth_epoch_moves_when_access_may_be_lost(db: TestDb) {
    let j = open(&db).await;
    let mut last = j.auth_epoch().await.unwrap();
    // Each step: whether it may take access away, so the epoch must move.
    let mut step = async |j: &AnyJournal, moves: bool, what: &str| {
        let now = j.auth_epoch().await.unwrap();
        if moves {
            assert!(now > last, "{what} must move the epoch ({last} -> {now})");
        } else {
            assert_eq!(now, last, "{what} must not move the epoch");
        }
        last = now;
    };
    let alice = create(&j, "alice").await;
    step(&j, false, "creating an account").await;
    j.create_session(session(1, alice, NOW + HOUR)).await.unwrap();
    j.create_session(session(2, alice, NOW + HOUR)).await.unwrap();
    let token = ApiToken {
        token_hash: hash(9),
        account_id: alice,
        label: "ci".to_owned(),
        created_at: NOW,
        expires_at: None,
    };
    j.create_api_token(token).await.unwrap();
    step(&j, false, "creating sessions and a token").await;
    j.record_failed_login(alice, Some(NOW + HOUR)).await.unwrap();
    j.record_successful_login(alice).await.unwrap();
    step(&j, false, "counting logins").await;
    j.delete_session(&hash(1)).await.unwrap();
    step(&j, true, "ending a session").await;
    j.delete_session(&hash(1)).await.unwrap();
    step(&j, false, "ending a session that is gone").await;
    j.delete_api_token(&hash(9)).await.unwrap();
    step(&j, true, "revoking a token").await;
    j.set_password(alice, "$argon2id$new", false).await.unwrap();
    step(&j, true, "changing a password").await;
    j.set_disabled(alice, true).await.unwrap();
    step(&j, true, "disabling an account").await;
    assert_eq!(j.delete_sessions_of(alice).await.unwrap(), 1);
    step(&j, true, "ending an account's sessions").await;
    // Another connection to the same database sees the same counter.
    let other = open(&db).await;
    assert_eq!(other.auth_epoch().await.unwrap(), last);
}
