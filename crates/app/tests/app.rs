//! The services end to end on a real journal, SQLite and PostgreSQL alike: commands
//! checked and recorded, group commit, idempotent retries, start-up from the journal
//! and from snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use plenum_app::{App, AppError};
use plenum_domain::*;
use plenum_journal::{AnyJournal, AuthStore, DatabaseUrl, Journal};
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
    senate_at(app, &aid(), n).await;
}

/// `senate`, as the assembly `id`.
async fn senate_at(app: &App, id: &AssemblyId, n: usize) {
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
        app.execute(id, "secretariat", c, None).await.unwrap();
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

/// The writers of several assemblies commit in turn, each batch at the journal's head:
/// whichever of them projects its own batch, and whichever hands it to the projector,
/// every command is answered once, and only once the read side shows it and everything
/// before it.
async fn commands_to_several_assemblies_at_once_read_their_own_writes(db: TestDb) {
    let app = open(&db).await;
    let ids: Vec<AssemblyId> =
        ["council", "senate-b", "senate-c"].into_iter().map(|s| AssemblyId::parse(s).unwrap()).collect();
    for id in &ids {
        senate_at(&app, id, 20).await;
    }
    let before = app.journal().head().await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..600u64 {
        let (app, id) = (app.clone(), ids[(t % 3) as usize].clone());
        let member = (t / 3 % 20 + 1) as usize;
        tasks.spawn(async move {
            let r = app.execute(&id, "clerk", phone(member, t), Some(format!("x-{t}"))).await.unwrap();
            // Answered once projected: the read side has reached the command.
            let (position, version) = (app.position(), app.read(&id, |a| a.version).unwrap());
            (r, position, version)
        });
    }
    let mut positions = BTreeSet::new();
    while let Some(done) = tasks.join_next().await {
        let (r, position, version) = done.unwrap();
        assert!(!r.replayed);
        assert!(position >= r.position, "answered at {} while the read side was at {position}", r.position);
        assert!(
            version >= r.last_version,
            "assembly at version {version}, the command at {}",
            r.last_version
        );
        positions.insert(r.position);
    }
    assert_eq!(positions.len(), 600);
    let head = app.journal().head().await.unwrap();
    assert_eq!(head, before + 600);
    // The read side is the journal's prefix: every assembly at its stream's version.
    assert_eq!(app.position(), head);
    for id in &ids {
        let stream = app.journal().read_stream(id.as_str(), 0).await.unwrap();
        assert_eq!(app.read(id, |a| a.version), stream.last().map(|e| e.version));
    }
    // Retries after the fact get the first receipts.
    let again = app.execute(&ids[1], "clerk", phone(1, 1), Some("x-1".into())).await.unwrap();
    assert!(again.replayed);
    assert!(positions.contains(&again.position));
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

/// Replaces the snapshot with one that cannot be decoded: the next start replays the
/// whole journal.
async fn spoil_snapshot(j: &AnyJournal) {
    j.save_snapshot(
        plenum_app::SNAPSHOT_NAME,
        plenum_journal::Snapshot { position: 3, data: b"garbage".to_vec() },
    )
    .await
    .unwrap();
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
    spoil_snapshot(&j).await;
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
    assert_eq!(
        kinds,
        ["AssemblyFounded", "TermBegan", "GroupFormed", "MemberRegistered", "MemberRegistered"]
    );
}

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
        Command::FormGroup {
            group: g.clone(),
            kind: GroupKind::Delegation,
            name: "东片".into(),
            name_en: "East".into(),
        },
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
        Command::ConveneSession {
            session: s,
            title: "第一次会议".into(),
            title_en: "First session".into(),
            opens_on: d(1, 5),
        },
        Command::ScheduleMeeting {
            meeting: meeting("prep"),
            session: s,
            kind: MeetingKind::Preparatory,
            group: None,
            title: "预备会议".into(),
            title_en: "Preparatory".into(),
            starts_at: at(5),
        },
        Command::ScheduleMeeting {
            meeting: meeting("plenary-1"),
            session: s,
            kind: MeetingKind::Plenary,
            group: None,
            title: "第一次全体会议".into(),
            title_en: "Plenary 1".into(),
            starts_at: at(6),
        },
        Command::ScheduleMeeting {
            meeting: meeting("east-1"),
            session: s,
            kind: MeetingKind::Delegation,
            group: Some(g.clone()),
            title: "东片会议".into(),
            title_en: "East".into(),
            starts_at: at(6),
        },
        Command::ProposeAgendaItem {
            session: s,
            title: "政府工作报告".into(),
            title_en: "Work report".into(),
            kind: ItemKind::Report,
        },
        Command::ProposeAgendaItem {
            session: s,
            title: "选举".into(),
            title_en: "Elections".into(),
            kind: ItemKind::Election,
        },
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
        Command::AmendMemberProfile {
            member: member(6),
            changes: ProfileChanges {
                phone: Some("0351-1234567".into()),
                biography: Some("简介".into()),
                occupation: None,
            },
        },
        Command::ChangeMemberStatus {
            member: member(7),
            status: MemberStatus::OnLeave,
            reason: "因病".into(),
            effective_on: d(1, 6),
        },
        Command::ChangeMemberStatus {
            member: member(8),
            status: MemberStatus::Resigned,
            reason: "辞职".into(),
            effective_on: d(1, 7),
        },
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
        .execute(
            &fixture_id(),
            "s",
            Command::BeginTerm { term: 1, starts_on: NaiveDate::from_ymd_opt(2022, 1, 1).unwrap() },
            Some("fixture-1".into()),
        )
        .await
        .unwrap();
    assert!(r.replayed);
}

// ---- votes: exactly once, and secret ----------------------------------------------

/// A senate of `n` members in plenary, all checked in, with the agenda adopted.
async fn senate_in_plenary(app: &App, n: usize) -> MeetingId {
    plenary_with_item(app, n, ("预算", "Budget", ItemKind::Resolution)).await
}

/// A senate of `n` members in session: a plenary in progress, all checked in, with one
/// agenda item (adopted) of the given title and kind.
async fn plenary_with_item(app: &App, n: usize, item: (&str, &str, ItemKind)) -> MeetingId {
    use chrono::TimeZone;
    senate(app, n).await;
    let plenary = MeetingId::parse("plenary-1").unwrap();
    let s = SessionKey::new(1, 1);
    let cmds = vec![
        Command::ConveneSession {
            session: s,
            title: "全会".into(),
            title_en: "Plenary session".into(),
            opens_on: date(),
        },
        Command::ScheduleMeeting {
            meeting: plenary.clone(),
            session: s,
            kind: MeetingKind::Plenary,
            group: None,
            title: "全体会议".into(),
            title_en: "Plenary".into(),
            starts_at: chrono::Utc.with_ymd_and_hms(2022, 1, 1, 1, 0, 0).unwrap(),
        },
        Command::ProposeAgendaItem {
            session: s,
            title: item.0.into(),
            title_en: item.1.into(),
            kind: item.2,
        },
        Command::OpenMeeting { meeting: plenary.clone() },
        Command::AdoptAgenda { meeting: plenary.clone() },
        Command::CheckInMany { meeting: plenary.clone(), members: (1..=n).map(m).collect() },
    ];
    for c in cmds {
        app.execute(&aid(), "secretariat", c, None).await.unwrap();
    }
    plenary
}

fn poll_request(meeting: &MeetingId, mode: VoteMode) -> plenum_app::polls::PollRequest {
    plenum_app::polls::PollRequest {
        custody: Default::default(),
        meeting: meeting.clone(),
        subject: PollSubject::Item(1),
        title: "预算决议".into(),
        title_en: "Budget resolution".into(),
        rule: ResolutionRule::preset("roberts-rules").unwrap(),
        mode,
        disclosure: Disclosure::Counts,
        duration: None,
    }
}

fn m(i: usize) -> MemberId {
    MemberId::parse(format!("m-{i:04}")).unwrap()
}

async fn ballots_are_counted_exactly_once_under_a_storm_and_a_racing_close(db: TestDb) {
    const N: usize = 500;
    let app = open(&db).await;
    let plenary = senate_in_plenary(&app, N).await;
    let (poll, _) =
        app.open_poll(&aid(), "secretariat", poll_request(&plenary, VoteMode::Named)).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 1..=N {
        let a = app.clone();
        tasks.spawn(async move {
            let choice = Choice::ALL[i % 3];
            let key = format!("ballot-{i}");
            let first = a.vote(&aid(), "deputy", poll, m(i), choice, Some(key.clone())).await;
            // A client that lost the answer retries with the same key...
            let retry = a.vote(&aid(), "deputy", poll, m(i), choice, Some(key)).await;
            // ...and a confused one tries to vote again differently.
            let second = a
                .vote(&aid(), "deputy", poll, m(i), Choice::ALL[(i + 1) % 3], Some(format!("again-{i}")))
                .await;
            (i, choice, first, retry, second)
        });
        if i == N / 2 {
            // The chair closes the poll in the middle of the storm.
            let app = app.clone();
            tasks.spawn(async move {
                let r = app.close_poll(&aid(), "chair", poll).await;
                (0, Choice::Yes, r, Err(AppError::Unavailable), Err(AppError::Unavailable))
            });
        }
    }
    let mut acked = std::collections::BTreeMap::new();
    let mut close_position = None;
    while let Some(r) = tasks.join_next().await {
        let (i, choice, first, retry, second) = r.unwrap();
        if i == 0 {
            close_position = Some(first.unwrap().position);
            continue;
        }
        match first {
            Ok(receipt) => {
                acked.insert(i, (choice, receipt.position));
                // The retry returns the same receipt.
                let retry = retry.unwrap();
                assert!(retry.replayed, "member {i}: a retry must be answered from the first receipt");
                assert_eq!(retry.position, receipt.position);
                // A different second ballot is refused by name.
                match second {
                    Err(AppError::Rule(e)) => {
                        assert!(matches!(e.rule, "poll.already_voted" | "poll.closed"), "{e}")
                    }
                    other => panic!("member {i}: a second ballot was accepted: {other:?}"),
                }
            }
            Err(AppError::Rule(e)) => assert_eq!(e.rule, "poll.closed", "member {i}: {e}"),
            Err(e) => panic!("member {i}: {e}"),
        }
    }
    let close_position = close_position.unwrap();
    // No acknowledged ballot was recorded after the close.
    assert!(acked.values().all(|(_, p)| *p < close_position));
    let result = app.read(&aid(), |a| a.polls[&poll].result.clone()).unwrap().unwrap();
    let count = |c: Choice| acked.values().filter(|(x, _)| *x == c).count() as u32;
    assert_eq!(
        (result.totals.yes, result.totals.no, result.totals.abstain),
        (count(Choice::Yes), count(Choice::No), count(Choice::Abstain)),
        "every acknowledged ballot counted exactly once"
    );
    // And the journal agrees: one VoteCast per acknowledged ballot.
    let events = app.journal().read_stream("council", 0).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.kind == "VoteCast").count(), acked.len());
}

/// Every string in the database: the journal's payloads, the snapshots (decoded),
/// and every other table.
async fn everything_stored(db: &TestDb, app: &App) -> Vec<String> {
    let mut out: Vec<String> =
        app.journal().read_all(0, 1_000_000).await.unwrap().into_iter().map(|e| e.payload).collect();
    app.snapshot().await.unwrap();
    let snap = app.journal().load_snapshot(plenum_app::SNAPSHOT_NAME).await.unwrap().unwrap();
    let value: ciborium::Value = ciborium::from_reader(&snap.data[..]).unwrap();
    // Debug, not JSON: the snapshot's maps have non-string keys.
    out.push(format!("{value:?}"));
    match db.sqlite_path() {
        Some(path) => {
            let c = rusqlite::Connection::open(path).unwrap();
            let mut tables = c.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").unwrap();
            let names: Vec<String> =
                tables.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
            for t in names {
                let mut q = c.prepare(&format!("SELECT * FROM {t}")).unwrap();
                let cols = q.column_count();
                let rows = q
                    .query_map([], |r| {
                        Ok((0..cols)
                            .map(|i| match r.get_ref(i).unwrap() {
                                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                                rusqlite::types::ValueRef::Blob(b) => String::from_utf8_lossy(b).into_owned(),
                                other => format!("{other:?}"),
                            })
                            .collect::<Vec<_>>()
                            .join("\u{1}"))
                    })
                    .unwrap();
                out.extend(rows.map(Result::unwrap));
            }
        }
        None => {
            let (client, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(conn);
            let tables = client
                .query(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()",
                    &[],
                )
                .await
                .unwrap();
            for t in tables {
                let name: String = t.get(0);
                for row in
                    client.query(&format!("SELECT row_to_json(x)::text FROM {name} x"), &[]).await.unwrap()
                {
                    out.push(row.get(0));
                }
            }
        }
    }
    out
}

async fn a_secret_ballot_is_never_stored_as_who_chose_what(db: TestDb) {
    let app = open(&db).await;
    let plenary = senate_in_plenary(&app, 12).await;
    let (poll, _) =
        app.open_poll(&aid(), "secretariat", poll_request(&plenary, VoteMode::Secret)).await.unwrap();
    let choices: Vec<Choice> = (1..=12).map(|i| if i % 4 == 0 { Choice::No } else { Choice::Yes }).collect();
    for (i, c) in choices.iter().enumerate() {
        app.vote(&aid(), "deputy", poll, m(i + 1), *c, None).await.unwrap();
    }
    // While open: only turnout, and the key exists outside the journal.
    let p = app.read(&aid(), |a| a.polls[&poll].clone()).unwrap();
    assert_eq!(p.turnout(), 12);
    assert!(p.ballots.values().all(Option::is_none));
    app.close_poll(&aid(), "chair", poll).await.unwrap();
    let result = app.read(&aid(), |a| a.polls[&poll].result.clone()).unwrap().unwrap();
    assert_eq!((result.totals.yes, result.totals.no), (9, 3));
    // Scan everything stored: no record holds a voter of the secret poll together
    // with a choice; the key is gone.
    let stored = everything_stored(&db, &app).await;
    // A choice appears as a value: `:"yes"` in JSON, `, Text("yes"))` in the decoded
    // snapshot (field names such as the totals' `yes` are keys, not choices).
    let choice_values = [
        ":\"yes\"",
        ":\"no\"",
        ":\"abstain\"",
        "\"choice\"",
        ", Text(\"yes\"))",
        ", Text(\"no\"))",
        ", Text(\"abstain\"))",
        "Text(\"choice\")",
    ];
    for (i, _) in choices.iter().enumerate() {
        let voter = format!("m-{:04}", i + 1);
        for record in stored.iter().filter(|r| r.contains(&voter)) {
            for w in choice_values {
                assert!(!record.contains(w), "a record links {voter} to a choice ({w}): {record:.300}");
            }
        }
    }
    let p = app.read(&aid(), |a| a.polls[&poll].clone()).unwrap();
    let snapshot_poll = serde_json::to_string(&p).unwrap();
    for w in ["\"yes\"", "\"no\"", "\"abstain\""] {
        assert!(!snapshot_poll.contains(&format!(":{w}")), "{snapshot_poll:.300}");
    }
    assert!(!stored.iter().any(|r| r.starts_with("poll-key/")), "the poll's key was not destroyed");
    // The scan does find such a link where one exists: a named vote.
    let (named, _) =
        app.open_poll(&aid(), "secretariat", poll_request(&plenary, VoteMode::Named)).await.unwrap();
    app.vote(&aid(), "deputy", named, m(1), Choice::Yes, None).await.unwrap();
    let stored = everything_stored(&db, &app).await;
    assert!(stored.iter().any(|r| r.contains("m-0001") && choice_values.iter().any(|w| r.contains(w))));
}

async fn a_timed_poll_closes_itself(db: TestDb) {
    let app = open(&db).await;
    let plenary = senate_in_plenary(&app, 5).await;
    let mut req = poll_request(&plenary, VoteMode::Named);
    req.duration = Some(chrono::Duration::milliseconds(400));
    let (poll, _) = app.open_poll(&aid(), "secretariat", req).await.unwrap();
    app.vote(&aid(), "deputy", poll, m(1), Choice::Yes, None).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let p = app.read(&aid(), |a| a.polls[&poll].clone()).unwrap();
    assert_eq!(p.state, PollState::Closed);
    assert_eq!(p.result.clone().unwrap().totals.yes, 1);
    let late = app.vote(&aid(), "deputy", poll, m(2), Choice::Yes, None).await;
    assert!(matches!(late, Err(AppError::Rule(ref e)) if e.rule == "poll.closed"), "{late:?}");
}

// ---- elections by secret ballot (issue #5) ----------------------------------------

/// A senate of `n` members in plenary, all checked in, with an election item in
/// progress and an election of 2 seats among 甲, 乙, 丙 with its candidates fixed
/// (counted as a People's Congress counts: more than half of all members).
async fn senate_election(app: &App, n: usize) -> MeetingId {
    let plenary = plenary_with_item(app, n, ("选举", "Elections", ItemKind::Election)).await;
    let s = SessionKey::new(1, 1);
    let cmds = vec![
        Command::MoveAgendaItem { session: s, item: 1, to: ItemState::InProgress },
        Command::CreateElection {
            session: s,
            item: 1,
            title: "选举常务委员".into(),
            title_en: "Elect the standing members".into(),
            office: OfficeKind::Custom { min_extra: 1, max_extra: 2 },
            seats: 2,
            method: Some(ElectionMethod::CnPeopleCongress),
            margin: None,
            by_election: false,
            nomination_group_size: Some(3),
            members_only: false,
        },
    ];
    for c in cmds {
        app.execute(&aid(), "secretariat", c, None).await.unwrap();
    }
    // Joint nominations of three members each; nobody nominates more than the seats.
    let draft =
        |n: &str| CandidateDraft { name: n.into(), biography: format!("{n}，教授。"), member: None };
    for (signers, names) in [([1, 2, 3], vec!["甲", "乙"]), ([4, 5, 6], vec!["丙"])] {
        let c = Command::NominateCandidates {
            election: 1,
            by: Nominator::Deputies { members: signers.iter().map(|i| m(*i)).collect() },
            candidates: names.into_iter().map(draft).collect(),
        };
        app.execute(&aid(), "secretariat", c, None).await.unwrap();
    }
    app.execute(&aid(), "secretariat", Command::FixCandidates { election: 1 }, None).await.unwrap();
    plenary
}

async fn an_electronic_secret_election_round_end_to_end(db: TestDb) {
    let app = open(&db).await;
    let plenary = senate_election(&app, 12).await;
    let req = plenum_app::elections::RoundRequest {
        election: 1,
        meeting: plenary,
        mode: RoundMode::Electronic,
        ballots_issued: None,
        custody: Default::default(),
    };
    let (round, _) = app.open_round(&aid(), "secretariat", req).await.unwrap();
    assert_eq!(round, 1);
    let (y, n, a) = (Choice::Yes, Choice::No, Choice::Abstain);
    // 甲 10, 乙 7, 丙 3 (threshold: 7 of 12).
    let marks: Vec<[Choice; 3]> = (1..=12)
        .map(|i| match i {
            1..=7 => [y, y, n],
            8..=10 => [y, n, y],
            11 => [n, n, a],
            _ => [a, a, a],
        })
        .collect();
    // A ballot choosing more people than seats is refused before encryption.
    let err = app.cast_election_ballot(&aid(), "deputy", 1, m(1), vec![y, y, y], None).await.unwrap_err();
    assert!(matches!(err, AppError::Rule(ref e) if e.rule == "election.too_many_chosen"), "{err}");
    for (i, mk) in marks.iter().enumerate() {
        app.cast_election_ballot(&aid(), "deputy", 1, m(i + 1), mk.to_vec(), Some(format!("e-{i}")))
            .await
            .unwrap();
    }
    let again = app.cast_election_ballot(&aid(), "deputy", 1, m(1), vec![n, n, n], None).await.unwrap_err();
    assert!(matches!(again, AppError::Rule(ref e) if e.rule == "election.already_voted"), "{again}");
    // While open: who voted, and ciphertexts; the key is outside the journal.
    let r = app.read(&aid(), |a| a.elections[&1].rounds[0].clone()).unwrap();
    assert_eq!((r.voted.len(), r.sealed.len()), (12, 12));
    let key = format!("election-key/{}", r.public_key.clone().unwrap());
    assert!(app.journal().secret(&key).await.unwrap().is_some());
    app.count_round(&aid(), "chair", 1, None).await.unwrap();
    let e = app.read(&aid(), |a| a.elections[&1].clone()).unwrap();
    let result = e.rounds[0].result.clone().unwrap();
    assert_eq!(result.counts.iter().map(|c| c.yes).collect::<Vec<_>>(), [10, 7, 3]);
    assert_eq!(result.elected, ["甲", "乙"]);
    assert_eq!(e.stage(), ElectionStage::Completed);
    assert!(e.rounds[0].decryption.is_some());
    // The key is destroyed; no stored record links a voter to a mark.
    assert!(app.journal().secret(&key).await.unwrap().is_none());
    let stored = everything_stored(&db, &app).await;
    assert!(!stored.iter().any(|r| r.starts_with("election-key/")), "the round's key was not destroyed");
    let events = app.journal().read_stream("council", 0).await.unwrap();
    let cast: Vec<_> = events.iter().filter(|e| e.kind == "ElectionBallotCast").collect();
    assert_eq!(cast.len(), 12);
    for e in cast {
        for w in ["甲", "乙", "丙", "\"yes\"", "\"no\"", "\"abstain\""] {
            assert!(!e.payload.contains(w), "a cast ballot holds {w}: {:.200}", e.payload);
        }
    }
    // The same state comes back from the journal alone.
    let expected = app.read(&aid(), |a| a.clone()).unwrap();
    drop(app);
    let app = open(&db).await;
    assert_eq!(app.read(&aid(), |a| a.clone()).unwrap(), expected);
}

async fn a_paper_election_round_is_entered_twice_and_a_mismatch_settled(db: TestDb) {
    let app = open(&db).await;
    let plenary = senate_election(&app, 12).await;
    let req = plenum_app::elections::RoundRequest {
        election: 1,
        meeting: plenary,
        mode: RoundMode::Paper,
        ballots_issued: Some(12),
        custody: Default::default(),
    };
    let (round, _) = app.open_round(&aid(), "secretariat", req).await.unwrap();
    let ballot = |yes: &[&str]| plenum_tally::Ballot {
        yes: yes.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let ballots: Vec<plenum_tally::Ballot> = (1..=12)
        .map(|i| match i {
            1..=8 => ballot(&["甲", "丙"]),
            9..=11 => ballot(&["乙", "丙"]),
            _ => plenum_tally::Ballot { write_in: vec!["王五".into()], ..Default::default() },
        })
        .collect();
    let enter = |no: u32, teller: &str, b: &plenum_tally::Ballot| Command::EnterPaperBallot {
        election: 1,
        round,
        ballot_no: no,
        teller: teller.into(),
        ballot: b.clone(),
    };
    for (i, b) in ballots.iter().enumerate() {
        app.execute(&aid(), "teller-1", enter(i as u32 + 1, "teller-1", b), None).await.unwrap();
    }
    // The second teller misreads ballot 5 and enters the rest as a bundle.
    app.execute(&aid(), "teller-2", enter(5, "teller-2", &ballot(&["乙", "丙"])), None).await.unwrap();
    let rest: Vec<PaperEntry> = ballots
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 4)
        .map(|(i, b)| PaperEntry { ballot_no: i as u32 + 1, ballot: b.clone() })
        .collect();
    let bundle = Command::EnterPaperBallots { election: 1, round, teller: "teller-2".into(), entries: rest };
    app.execute(&aid(), "teller-2", bundle, None).await.unwrap();
    let r = app.read(&aid(), |a| a.elections[&1].rounds[0].clone()).unwrap();
    assert_eq!(r.mismatches, [5]);
    assert_eq!(r.settled(), 11);
    let events = app.journal().read_stream("council", 0).await.unwrap();
    assert!(events.iter().any(|e| e.kind == "PaperBallotMismatch" && e.payload.contains("\"ballot_no\":5")));
    // Not countable until ballot 5 is settled; the same teller may not re-enter it.
    let err = app.count_round(&aid(), "chair", 1, Some(12)).await.unwrap_err();
    assert!(matches!(err, AppError::Rule(ref e) if e.rule == "election.ballots_unsettled"), "{err}");
    let err = app.execute(&aid(), "teller-2", enter(5, "teller-2", &ballots[4]), None).await.unwrap_err();
    assert!(matches!(err, AppError::Rule(ref e) if e.rule == "election.same_teller"), "{err}");
    app.execute(&aid(), "teller-3", enter(5, "teller-3", &ballots[4]), None).await.unwrap();
    app.count_round(&aid(), "chair", 1, Some(12)).await.unwrap();
    let e = app.read(&aid(), |a| a.elections[&1].clone()).unwrap();
    let result = e.rounds[0].result.clone().unwrap();
    // 甲 8, 乙 3, 丙 11, 王五 1 written in: 丙 and 甲 pass 7.
    assert_eq!(result.elected, ["丙", "甲"]);
    assert!(result.counts.iter().any(|c| c.candidate == "王五" && c.write_in && c.yes == 1));
    assert_eq!(e.stage(), ElectionStage::Completed);
}

/// Two services on one journal (as two processes on one database would be): each
/// projects what the other commits, in journal order, and a writer that finds the
/// journal moved on under it starts again from the journal.
async fn services_sharing_a_journal_follow_each_other(db: TestDb) {
    let a = open(&db).await;
    let b = open(&db).await;
    senate(&a, 5).await;
    // B learns of A's commits from the journal alone (no hand-off between them).
    let wait_for = |app: &App, n: usize| {
        let app = app.clone();
        async move {
            for _ in 0..100 {
                if app.read(&aid(), |x| x.seated_members().count()) == Some(n) {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("the other service's commits were not projected within 5 s");
        }
    };
    wait_for(&b, 5).await;
    // B's writer records a change on top; A projects it too.
    b.execute(&aid(), "secretariat", phone(1, 42), Some("from-b".into())).await.unwrap();
    for _ in 0..100 {
        let p = a.read(&aid(), |x| x.members[&MemberId::parse("m-0001").unwrap()].phone.clone()).flatten();
        if p.as_deref() == Some("42") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        a.read(&aid(), |x| x.members[&MemberId::parse("m-0001").unwrap()].phone.clone()).flatten().as_deref(),
        Some("42")
    );
    // Both projections end at the journal's head, equal.
    let head = a.journal().head().await.unwrap();
    for _ in 0..100 {
        if a.position() == head && b.position() == head {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!((a.position(), b.position()), (head, head));
    assert_eq!(a.read(&aid(), Clone::clone), b.read(&aid(), Clone::clone));
}

/// A writer whose state is stale (another service wrote to the assembly) has its
/// commit refused. Its callers are told, nothing of that batch is written, and the
/// commands it decided after the refused batch are decided again on the state as it
/// is: every command either took effect exactly as acknowledged or not at all.
async fn a_refused_commit_writes_nothing_and_later_commands_are_decided_again(db: TestDb) {
    let a = open(&db).await;
    let b = open(&db).await;
    senate(&a, 40).await;
    // A's writer now exists; B writes behind its back.
    for _ in 0..100 {
        if b.read(&aid(), |x| x.seated_members().count()) == Some(40) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    b.execute(&aid(), "secretariat", phone(40, 7), Some("from-b".into())).await.unwrap();
    // A storm on A: the first batch was decided on the stale state.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 1..=39usize {
        let a = a.clone();
        tasks.spawn(
            async move { (i, a.execute(&aid(), "secretariat", phone(i, 1000 + i as u64), None).await) },
        );
    }
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    while let Some(r) = tasks.join_next().await {
        let (i, r) = r.unwrap();
        match r {
            Ok(_) => acknowledged.push(i),
            Err(e) => {
                assert!(e.to_string().contains("try again"), "{e}");
                refused += 1;
            }
        }
    }
    assert!(refused >= 1, "the stale batch was committed");
    assert_eq!(acknowledged.len() + refused, 39);
    // What was acknowledged is recorded, what was refused is not; B's change stands.
    let head = a.journal().head().await.unwrap();
    for _ in 0..100 {
        if a.position() >= head {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let phones = a
        .read(&aid(), |x| {
            (1..=40usize)
                .map(|i| x.members[&MemberId::parse(format!("m-{i:04}")).unwrap()].phone.clone())
                .collect::<Vec<_>>()
        })
        .unwrap();
    for i in 1..=39usize {
        let expected = acknowledged.contains(&i).then(|| format!("{}", 1000 + i));
        assert_eq!(phones[i - 1], expected, "member {i}");
    }
    assert_eq!(phones[39].as_deref(), Some("7"));
    // A retry of a refused command now goes through.
    let retry = (1..=39usize).find(|i| !acknowledged.contains(i)).unwrap();
    a.execute(&aid(), "secretariat", phone(retry, 1), None).await.unwrap();
}

/// A ballot's receipt is kept with its poll's: a retry is answered from it, also
/// after a restart from a snapshot or from the journal alone, and the same key on
/// another poll casts a new ballot there.
async fn a_ballot_retry_is_answered_from_its_polls_receipts(db: TestDb) {
    let app = open(&db).await;
    let plenary = senate_in_plenary(&app, 6).await;
    let global_before = app.read_all(|p| p.assemblies[&aid()].receipts.len());
    let (first_poll, _) =
        app.open_poll(&aid(), "secretariat", poll_request(&plenary, VoteMode::Named)).await.unwrap();
    let mut receipts = Vec::new();
    for i in 1..=4 {
        let r =
            app.vote(&aid(), "deputy", first_poll, m(i), Choice::Yes, Some(format!("b-{i}"))).await.unwrap();
        assert!(!r.replayed);
        receipts.push(r);
    }
    let retry = app.vote(&aid(), "deputy", first_poll, m(2), Choice::Yes, Some("b-2".into())).await.unwrap();
    assert!(retry.replayed);
    assert_eq!(retry.position, receipts[1].position);
    // The ballots' keys are in the poll's table, not in the table of all commands.
    let (global, ballots) = app.read_all(|p| {
        let v = &p.assemblies[&aid()];
        (v.receipts.len(), v.ballots.len())
    });
    assert_eq!(ballots, 4);
    assert!(global <= global_before + 1, "{global} against {global_before}: the poll's opening at most");
    app.close_poll(&aid(), "chair", first_poll).await.unwrap();
    // A secret poll: the same key of member 2 is a new ballot there, and its retry
    // gets the first receipt.
    let (second_poll, _) =
        app.open_poll(&aid(), "secretariat", poll_request(&plenary, VoteMode::Secret)).await.unwrap();
    let secret = app.vote(&aid(), "deputy", second_poll, m(2), Choice::No, Some("b-2".into())).await.unwrap();
    assert!(!secret.replayed);
    assert!(secret.position > receipts[1].position);
    let again = app.vote(&aid(), "deputy", second_poll, m(2), Choice::No, Some("b-2".into())).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.position, secret.position);
    assert_eq!(app.read(&aid(), |a| a.polls[&second_poll].ballots.len()), Some(1));
    // A retry after a restart from a snapshot, and after one from the journal alone.
    app.snapshot().await.unwrap();
    drop(app);
    for from_snapshot in [true, false] {
        let j = AnyJournal::open(&DatabaseUrl::new(db.url.clone())).await.unwrap();
        if !from_snapshot {
            spoil_snapshot(&j).await;
        }
        let (app, report) = App::start(j).await.unwrap();
        assert_eq!(report.snapshot_position.is_some(), from_snapshot);
        let r = app.vote(&aid(), "deputy", first_poll, m(3), Choice::Yes, Some("b-3".into())).await.unwrap();
        assert!(r.replayed, "from a snapshot: {from_snapshot}");
        assert_eq!(r.position, receipts[2].position);
        let r = app.vote(&aid(), "deputy", second_poll, m(2), Choice::No, Some("b-2".into())).await.unwrap();
        assert!(r.replayed);
        assert_eq!(r.position, secret.position);
    }
}

plenum_testkit::both_backends!(
    services_sharing_a_journal_follow_each_other,
    a_refused_commit_writes_nothing_and_later_commands_are_decided_again,
    commands_are_checked_and_recorded,
    concurrent_commands_are_group_committed,
    commands_to_several_assemblies_at_once_read_their_own_writes,
    a_retried_command_returns_its_first_receipt,
    a_ballot_retry_is_answered_from_its_polls_receipts,
    start_up_rebuilds_from_snapshot_and_journal,
    the_live_stream_carries_committed_events_in_order,
    ballots_are_counted_exactly_once_under_a_storm_and_a_racing_close,
    a_secret_ballot_is_never_stored_as_who_chose_what,
    a_timed_poll_closes_itself,
    an_electronic_secret_election_round_end_to_end,
    a_paper_election_round_is_entered_twice_and_a_mismatch_settled,
);
