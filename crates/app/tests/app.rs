//! The services end to end on a real journal, SQLite and PostgreSQL alike: commands
//! checked and recorded, group commit, idempotent retries, start-up from the journal
//! and from snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use plenum_app::{App, AppError};
use plenum_domain::*;
use plenum_journal::{AnyJournal, DatabaseUrl, Journal};
use plenum_testkit::TestDb;
use std::collections::BTreeSet;

fn aid() -> AssemblyId {
    AssemblyId::parse("council").unwrap()
}

async fn open(db: &TestDb) -> App {
    let j = AnyJournal::open(&DatabaseUrl::new(db.url.clone())).await.unwrap();
    App::start(j).await.unwrap().0
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 1, 1).unwrap()
}

/// A university senate of `n` members: another kind of assembly on the same engine.
async fn senate(app: &App, n: usize) {
    let cmds = vec![
        Command::FoundAssembly {
            name: "大学评议会".into(),
            name_en: "University senate".into(),
            kind: BodyKind::Other,
            level: Level::None,
            population: None,
            rules: None,
        },
        Command::BeginTerm { term: 1, starts_on: date() },
        Command::FormGroup {
            group: GroupId::parse("faculty").unwrap(),
            kind: GroupKind::Sector,
            name: "教师".into(),
            name_en: "Faculty".into(),
        },
        Command::RegisterMembers {
            members: (1..=n)
                .map(|i| MemberDraft {
                    id: MemberId::parse(format!("m-{i:04}")).unwrap(),
                    term: 1,
                    name: format!("成员{i}"),
                    pinyin: String::new(),
                    gender: Gender::Unspecified,
                    birth_year: None,
                    group: GroupId::parse("faculty").unwrap(),
                    ethnicity: String::new(),
                    occupation: String::new(),
                    registered_on: date(),
                })
                .collect(),
        },
    ];
    for c in cmds {
        app.execute(&aid(), "secretariat", c, None).await.unwrap();
    }
}

fn phone(i: usize, n: u64) -> Command {
    Command::AmendMemberProfile {
        member: MemberId::parse(format!("m-{i:04}")).unwrap(),
        changes: ProfileChanges { phone: Some(format!("{n}")), ..Default::default() },
    }
}

async fn commands_are_checked_and_recorded(db: TestDb) {
    let app = open(&db).await;
    senate(&app, 5).await;
    assert_eq!(app.read(&aid(), |a| a.seated_members().count()), Some(5));
    let head = app.journal().head().await.unwrap();
    // A rejected command names its rule and writes nothing.
    let err = app.execute(&aid(), "secretariat", phone(99, 1), None).await.unwrap_err();
    match err {
        AppError::Rule(e) => assert_eq!(e.rule, "member.unknown"),
        other => panic!("expected a rule error, got {other}"),
    }
    assert_eq!(app.journal().head().await.unwrap(), head);
    // Events carry the actor and the command.
    let r = app.execute(&aid(), "clerk-7", phone(1, 555), Some("k-1".into())).await.unwrap();
    let evs = app.journal().read_stream("council", r.first_version - 1).await.unwrap();
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].actor, "clerk-7");
    assert_eq!(evs[0].kind, "MemberProfileAmended");
    assert_eq!(evs[0].command_id.as_deref(), Some("k-1"));
    let m = app.read(&aid(), |a| a.members[&MemberId::parse("m-0001").unwrap()].phone.clone());
    assert_eq!(m, Some(Some("555".into())));
}

async fn concurrent_commands_are_group_committed(db: TestDb) {
    let app = open(&db).await;
    senate(&app, 50).await;
    let before = app.journal().head().await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..400u64 {
        let app = app.clone();
        tasks.spawn(async move {
            app.submit(&aid(), "bench", phone((t % 50 + 1) as usize, t), Some(format!("c-{t}"))).await
        });
    }
    let mut positions = BTreeSet::new();
    while let Some(r) = tasks.join_next().await {
        positions.insert(r.unwrap().unwrap().position);
    }
    // Every command acknowledged exactly once, at its own position.
    assert_eq!(positions.len(), 400);
    let events = app.journal().read_all(before, 1000).await.unwrap();
    assert_eq!(events.len(), 400);
    assert_eq!(events.iter().map(|e| e.position).collect::<BTreeSet<_>>(), positions);
    // Group commit: one transaction stamps its events with one time, so fewer
    // distinct times than events means several commands shared a transaction.
    let stamps: BTreeSet<i64> = events.iter().map(|e| e.recorded_at).collect();
    assert!(stamps.len() < events.len(), "{} transactions for {} events", stamps.len(), events.len());
    assert!(app.journal().verify().await.unwrap().first_bad.is_none());
}

async fn a_retried_command_returns_its_first_receipt(db: TestDb) {
    let app = open(&db).await;
    senate(&app, 3).await;
    let first = app.execute(&aid(), "s", phone(1, 1), Some("same-key".into())).await.unwrap();
    assert!(!first.replayed);
    let again = app.execute(&aid(), "s", phone(1, 1), Some("same-key".into())).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.position, first.position);
    // Concurrent duplicates inside one batch are answered once too.
    let id = aid();
    let (a, b) = tokio::join!(
        app.submit(&id, "s", phone(2, 2), Some("dup".into())),
        app.submit(&id, "s", phone(2, 2), Some("dup".into()))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.position, b.position);
    let events = app.journal().read_stream("council", 0).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.command_id.as_deref() == Some("dup")).count(), 1);
    // The receipts survive a restart.
    drop(app);
    let app = open(&db).await;
    let after = app.execute(&aid(), "s", phone(1, 1), Some("same-key".into())).await.unwrap();
    assert!(after.replayed);
    assert_eq!(after.position, first.position);
}

async fn start_up_rebuilds_from_snapshot_and_journal(db: TestDb) {
    let app = open(&db).await;
    senate(&app, 20).await;
    for i in 0..30 {
        app.execute(&aid(), "s", phone(i % 20 + 1, i as u64), None).await.unwrap();
    }
    let snap_at = app.snapshot().await.unwrap();
    for i in 0..7 {
        app.execute(&aid(), "s", phone(i + 1, 1000 + i as u64), None).await.unwrap();
    }
    let expected = app.read(&aid(), |a| a.clone()).unwrap();
    drop(app);
    let j = AnyJournal::open(&DatabaseUrl::new(db.url.clone())).await.unwrap();
    let (app, report) = App::start(j).await.unwrap();
    assert_eq!(report.snapshot_position, Some(snap_at));
    assert_eq!(report.replayed_events, 7);
    assert_eq!(app.read(&aid(), |a| a.clone()).unwrap(), expected);
    // And without the snapshot, the full replay gives the same state.
    let j = AnyJournal::open(&DatabaseUrl::new(db.url.clone())).await.unwrap();
    j.save_snapshot(plenum_app::SNAPSHOT_NAME, plenum_journal::Snapshot { position: 3, data: b"garbage".to_vec() })
        .await
        .unwrap();
    let (app, report) = App::start(j).await.unwrap();
    assert_eq!(report.snapshot_position, None);
    assert_eq!(app.read(&aid(), |a| a.clone()).unwrap(), expected);
}

async fn the_live_stream_carries_committed_events_in_order(db: TestDb) {
    let app = open(&db).await;
    let mut live = app.live();
    senate(&app, 2).await;
    let mut kinds = Vec::new();
    let mut last = 0;
    while let Ok(Ok(c)) = tokio::time::timeout(std::time::Duration::from_millis(500), live.recv()).await {
        assert!(c.position > last);
        last = c.position;
        kinds.push(c.kind.clone());
        if kinds.len() == 5 {
            break;
        }
    }
    assert_eq!(kinds, ["AssemblyFounded", "TermBegan", "GroupFormed", "MemberRegistered", "MemberRegistered"]);
}

plenum_testkit::both_backends!(
    commands_are_checked_and_recorded,
    concurrent_commands_are_group_committed,
    a_retried_command_returns_its_first_receipt,
    start_up_rebuilds_from_snapshot_and_journal,
    the_live_stream_carries_committed_events_in_order,
);

// ---- compatibility with old journals -----------------------------------------------

/// A journal written by Plenum 0.1 (schema 1 events, SQLite schema 2), committed as a
/// fixture. Every later version must still verify it and rebuild the same state.
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/journal-v1.db");

fn member(i: u32) -> MemberId {
    MemberId::parse(format!("d-{i:04}")).unwrap()
}

/// The history in the fixture: one small congress through a whole session, every
/// kind of event at least once.
fn fixture_commands() -> Vec<Command> {
    use chrono::TimeZone;
    let s = SessionKey::new(1, 1);
    let d = |m, day| NaiveDate::from_ymd_opt(2022, m, day).unwrap();
    let at = |day| chrono::Utc.with_ymd_and_hms(2022, 1, day, 1, 0, 0).unwrap();
    let g = GroupId::parse("east").unwrap();
    let meeting = |s: &str| MeetingId::parse(s).unwrap();
    vec![
        Command::FoundAssembly {
            name: "某镇人民代表大会".into(),
            name_en: "Township People's Congress".into(),
            kind: BodyKind::PeoplesCongress,
            level: Level::Township,
            population: Some(30_000),
            rules: None,
        },
        Command::BeginTerm { term: 1, starts_on: d(1, 1) },
        Command::FormGroup { group: g.clone(), kind: GroupKind::Delegation, name: "东片".into(), name_en: "East".into() },
        Command::RegisterMembers {
            members: (1..=12)
                .map(|i| MemberDraft {
                    id: member(i),
                    term: 1,
                    name: format!("代表{i}"),
                    pinyin: format!("dai biao {i}"),
                    gender: if i % 3 == 0 { Gender::Female } else { Gender::Male },
                    birth_year: Some(1960 + i as u16),
                    group: g.clone(),
                    ethnicity: "汉族".into(),
                    occupation: "农民".into(),
                    registered_on: d(1, 1),
                })
                .collect(),
        },
        Command::ConveneSession { session: s, title: "第一次会议".into(), title_en: "First session".into(), opens_on: d(1, 5) },
        Command::ScheduleMeeting { meeting: meeting("prep"), session: s, kind: MeetingKind::Preparatory, group: None, title: "预备会议".into(), title_en: "Preparatory".into(), starts_at: at(5) },
        Command::ScheduleMeeting { meeting: meeting("plenary-1"), session: s, kind: MeetingKind::Plenary, group: None, title: "第一次全体会议".into(), title_en: "Plenary 1".into(), starts_at: at(6) },
        Command::ScheduleMeeting { meeting: meeting("east-1"), session: s, kind: MeetingKind::Delegation, group: Some(g.clone()), title: "东片会议".into(), title_en: "East".into(), starts_at: at(6) },
        Command::ProposeAgendaItem { session: s, title: "政府工作报告".into(), title_en: "Work report".into(), kind: ItemKind::Report },
        Command::ProposeAgendaItem { session: s, title: "选举".into(), title_en: "Elections".into(), kind: ItemKind::Election },
        Command::OpenMeeting { meeting: meeting("prep") },
        Command::ElectPresidium { meeting: meeting("prep"), members: vec![member(1), member(2), member(3)] },
        Command::ElectSecretaryGeneral { meeting: meeting("prep"), member: member(4) },
        Command::AdoptAgenda { meeting: meeting("prep") },
        Command::AdjournMeeting { meeting: meeting("prep") },
        Command::OpenMeeting { meeting: meeting("plenary-1") },
        Command::MoveAgendaItem { session: s, item: 1, to: ItemState::InProgress },
        Command::MoveAgendaItem { session: s, item: 1, to: ItemState::Done },
        Command::MoveAgendaItem { session: s, item: 2, to: ItemState::Deferred },
        Command::AssignPost { post: Post::SecretariatStaff, member: member(5) },
        Command::VacatePost { post: Post::SecretariatStaff, member: member(5) },
        Command::AmendMemberProfile { member: member(6), changes: ProfileChanges { phone: Some("0351-1234567".into()), biography: Some("简介".into()), occupation: None } },
        Command::ChangeMemberStatus { member: member(7), status: MemberStatus::OnLeave, reason: "因病".into(), effective_on: d(1, 6) },
        Command::ChangeMemberStatus { member: member(8), status: MemberStatus::Resigned, reason: "辞职".into(), effective_on: d(1, 7) },
        Command::AdjournMeeting { meeting: meeting("plenary-1") },
        Command::CloseSession { session: s },
    ]
}

fn fixture_id() -> AssemblyId {
    AssemblyId::parse("town-1").unwrap()
}

/// Writes the fixture anew: `PLENUM_WRITE_FIXTURE=1 cargo nextest run -p plenum-app fixture`.
/// Only when the event schema deliberately gains a new version; old fixtures stay.
#[tokio::test]
async fn fixture_journal_still_loads() {
    if std::env::var_os("PLENUM_WRITE_FIXTURE").is_some() {
        let _ = std::fs::remove_file(FIXTURE);
        let j = AnyJournal::open(&DatabaseUrl::new(format!("sqlite:{FIXTURE}"))).await.unwrap();
        let (app, _) = App::start(j).await.unwrap();
        for (n, c) in fixture_commands().into_iter().enumerate() {
            app.execute(&fixture_id(), "secretariat", c, Some(format!("fixture-{n}"))).await.unwrap();
        }
        drop(app);
    }
    // Work on a copy: opening may migrate the file.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("journal.db");
    std::fs::copy(FIXTURE, &copy).unwrap();
    let j = AnyJournal::open(&DatabaseUrl::new(format!("sqlite:{}", copy.display()))).await.unwrap();
    let v = j.verify().await.unwrap();
    assert_eq!(v.first_bad, None, "{v:?}");
    assert_eq!(v.events, 37);
    let (app, report) = App::start(j).await.unwrap();
    assert_eq!(report.replayed_events, 37);
    // The state rebuilt from the old events equals the state today's rules build
    // from the same commands.
    let mut expected = Assembly::default();
    for c in fixture_commands() {
        for e in decide(&expected, &c).unwrap() {
            expected.apply(&e);
        }
    }
    let got = app.read(&fixture_id(), |a| a.clone()).unwrap();
    assert_eq!(got, expected);
    assert!(got.sessions[&SessionKey::new(1, 1)].closed);
    assert_eq!(got.seated_members().count(), 11);
    // Receipts of the old commands still answer retries.
    let r = app
        .execute(&fixture_id(), "s", Command::BeginTerm { term: 1, starts_on: NaiveDate::from_ymd_opt(2022, 1, 1).unwrap() }, Some("fixture-1".into()))
        .await
        .unwrap();
    assert!(r.replayed);
}
