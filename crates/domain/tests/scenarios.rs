//! Scenario tests: given these events, when this command, then these events or this
//! named error. Plus a property test: replaying any valid history gives the state
//! that applying it live gave.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{NaiveDate, TimeZone, Utc};
use plenum_domain::command::MAX_TELLERS;
use plenum_domain::rules::deputy_quota;
use plenum_domain::sealed;
use plenum_domain::*;
use proptest::prelude::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}
fn mid(s: &str) -> MemberId {
    MemberId::parse(s).unwrap()
}
fn gid(s: &str) -> GroupId {
    GroupId::parse(s).unwrap()
}
fn meet(s: &str) -> MeetingId {
    MeetingId::parse(s).unwrap()
}
const S: SessionKey = SessionKey { term: 15, number: 1 };

/// given `history`, when `command`.
fn when(history: &[Event], command: Command) -> Result<Vec<Event>, RuleError> {
    decide(&Assembly::replay(history), &command)
}

fn expect_rule(r: Result<Vec<Event>, RuleError>, rule: &str, source: Option<&str>) -> RuleError {
    let e = r.expect_err("the command should be rejected");
    assert_eq!(e.rule, rule, "{e}");
    assert_eq!(e.source, source, "{e}");
    e
}

fn draft(id: &str, group: &str) -> MemberDraft {
    MemberDraft {
        id: mid(id),
        term: 15,
        name: format!("代表{id}"),
        pinyin: String::new(),
        gender: Gender::Unspecified,
        birth_year: Some(1970),
        group: gid(group),
        ethnicity: "汉族".into(),
        occupation: String::new(),
        registered_on: date(2022, 1, 1),
    }
}

/// A small congress: a county-level congress of a town of 1,000 residents would have
/// 140 deputies at most; we use a city with a tiny population to exercise EL art. 12.
fn founded(population: u64) -> Vec<Event> {
    vec![
        Event::AssemblyFounded {
            name: "太原市人民代表大会".into(),
            name_en: "Taiyuan Municipal People's Congress".into(),
            kind: BodyKind::PeoplesCongress,
            level: Level::CityWithDistricts,
            population: Some(population),
            rules: AssemblyRules::for_kind(BodyKind::PeoplesCongress),
        },
        Event::TermBegan { term: 15, starts_on: date(2022, 1, 1) },
        Event::GroupFormed {
            group: gid("xiaodian"),
            kind: GroupKind::Delegation,
            name: "小店区代表团".into(),
            name_en: "Xiaodian".into(),
        },
        Event::SessionConvened {
            session: S,
            title: "第一次会议".into(),
            title_en: "First session".into(),
            opens_on: date(2022, 1, 5),
        },
    ]
}

fn with_members(n: usize) -> Vec<Event> {
    let mut h = founded(5_000_000);
    let drafts: Vec<_> = (1..=n).map(|i| draft(&format!("d-{i:04}"), "xiaodian")).collect();
    h.extend(when(&h, Command::RegisterMembers { members: drafts }).unwrap());
    h
}

fn schedule(h: &mut Vec<Event>, id: &str, kind: MeetingKind) {
    let evs = when(
        h,
        Command::ScheduleMeeting {
            meeting: meet(id),
            session: S,
            kind,
            group: None,
            title: id.into(),
            title_en: id.into(),
            starts_at: Utc.with_ymd_and_hms(2022, 1, 5, 1, 0, 0).unwrap(),
        },
    )
    .unwrap();
    h.extend(evs);
}

fn then(h: &mut Vec<Event>, c: Command) {
    let evs = when(h, c).unwrap();
    h.extend(evs);
}

/// Checks in `n` deputies at the preparatory meeting and adopts the agenda by a show
/// of hands, all in favour.
fn adopt_agenda_by_hands(h: &mut Vec<Event>, n: usize) {
    let members = (1..=n).map(|i| mid(&format!("d-{i:04}"))).collect();
    then(h, Command::CheckInMany { meeting: meet("prep"), members });
    then(
        h,
        Command::OpenPoll {
            tellers: Vec::new(),
            meeting: meet("prep"),
            subject: PollSubject::Agenda,
            title: "通过议程".into(),
            title_en: "Adopt the agenda".into(),
            rule: ResolutionRule::preset("cn-people-congress").unwrap(),
            mode: VoteMode::ShowOfHands,
            disclosure: Disclosure::Counts,
            at: Utc::now(),
            closes_at: None,
            public_key: None,
        },
    );
    let poll = Assembly::replay(h.iter()).polls.keys().last().copied().unwrap();
    then(
        h,
        Command::EnterTotals { poll, totals: Totals { yes: n as u32, no: 0, abstain: 0 }, by: "a".into() },
    );
    then(h, Command::ConfirmTotals { poll, by: "b".into() });
    then(h, Command::ClosePoll { poll, at: Utc::now(), decryption: None });
}

#[test]
fn a_command_before_the_assembly_is_founded_is_rejected() {
    expect_rule(
        when(&[], Command::BeginTerm { term: 1, starts_on: date(2022, 1, 1) }),
        "assembly.unknown",
        None,
    );
}

#[test]
fn founding_a_congress_needs_its_population_el_art_12() {
    let e = expect_rule(
        when(
            &[],
            Command::FoundAssembly {
                name: "x".into(),
                name_en: "x".into(),
                kind: BodyKind::PeoplesCongress,
                level: Level::CityWithDistricts,
                population: None,
                rules: None,
            },
        ),
        "assembly.population_required",
        Some("EL art. 12"),
    );
    assert_eq!(e.field, Some("population"));
}

#[test]
fn registering_more_deputies_than_el_art_12_allows_is_rejected() {
    // 100,000 residents: 240 + 4 = 244 deputies at most.
    let h = founded(100_000);
    assert_eq!(deputy_quota(Level::CityWithDistricts, 100_000), Some(244));
    let ok: Vec<_> = (1..=244).map(|i| draft(&format!("d-{i:04}"), "xiaodian")).collect();
    let events = when(&h, Command::RegisterMembers { members: ok.clone() }).unwrap();
    assert_eq!(events.len(), 244);
    let mut too_many = ok;
    too_many.push(draft("d-0245", "xiaodian"));
    let e = expect_rule(
        when(&h, Command::RegisterMembers { members: too_many }),
        "deputies.quota",
        Some("EL art. 12"),
    );
    assert!(e.message.contains("at most 244"), "{e}");
}

#[test]
fn a_member_in_an_unknown_group_or_with_a_taken_id_is_rejected_by_row() {
    let h = with_members(3);
    let e = expect_rule(
        when(
            &h,
            Command::RegisterMembers {
                members: vec![draft("d-0100", "xiaodian"), draft("d-0101", "nowhere")],
            },
        ),
        "group.unknown",
        None,
    );
    assert!(e.message.starts_with("member 2 (d-0101)"), "{e}");
    assert_eq!(e.field, Some("group"));
    expect_rule(
        when(&h, Command::RegisterMembers { members: vec![draft("d-0001", "xiaodian")] }),
        "member.exists",
        None,
    );
    expect_rule(
        when(
            &h,
            Command::RegisterMembers {
                members: vec![draft("d-0200", "xiaodian"), draft("d-0200", "xiaodian")],
            },
        ),
        "member.exists",
        None,
    );
}

#[test]
fn the_presidium_is_elected_by_the_preparatory_meeting_ol_art_17() {
    let mut h = with_members(10);
    schedule(&mut h, "plenary-1", MeetingKind::Plenary);
    schedule(&mut h, "prep", MeetingKind::Preparatory);
    // Not at a plenary.
    let e = expect_rule(
        when(&h, Command::ElectPresidium { meeting: meet("plenary-1"), members: vec![mid("d-0001")] }),
        "preparatory_meeting.only",
        Some("OL art. 17"),
    );
    assert_eq!(e.to_string(), "OL art. 17: the presidium is elected by the preparatory meeting");
    // Not before the preparatory meeting is opened.
    expect_rule(
        when(&h, Command::ElectPresidium { meeting: meet("prep"), members: vec![mid("d-0001")] }),
        "meeting.not_in_progress",
        None,
    );
    then(&mut h, Command::OpenMeeting { meeting: meet("prep") });
    let evs = when(
        &h,
        Command::ElectPresidium { meeting: meet("prep"), members: vec![mid("d-0001"), mid("d-0002")] },
    )
    .unwrap();
    assert_eq!(
        evs,
        vec![Event::PresidiumElected {
            session: S,
            meeting: meet("prep"),
            members: vec![mid("d-0001"), mid("d-0002")]
        }]
    );
    h.extend(evs);
    expect_rule(
        when(&h, Command::ElectPresidium { meeting: meet("prep"), members: vec![mid("d-0003")] }),
        "presidium.elected",
        Some("OL art. 17"),
    );
    // Nor can the presidium be made by assigning posts.
    expect_rule(
        when(&h, Command::AssignPost { post: Post::PresidiumMember, member: mid("d-0004") }),
        "post.elected_by_preparatory_meeting",
        Some("OL art. 17"),
    );
}

#[test]
fn a_second_preparatory_meeting_is_rejected() {
    let mut h = with_members(2);
    schedule(&mut h, "prep", MeetingKind::Preparatory);
    let e = when(
        &h,
        Command::ScheduleMeeting {
            meeting: meet("prep-2"),
            session: S,
            kind: MeetingKind::Preparatory,
            group: None,
            title: "again".into(),
            title_en: "again".into(),
            starts_at: Utc::now(),
        },
    );
    expect_rule(e, "preparatory_meeting.once", Some("OL art. 17"));
}

#[test]
fn agenda_adoption_and_items_follow_ol_art_17() {
    let mut h = with_members(5);
    schedule(&mut h, "prep", MeetingKind::Preparatory);
    schedule(&mut h, "plenary-1", MeetingKind::Plenary);
    then(
        &mut h,
        Command::ProposeAgendaItem {
            session: S,
            title: "政府工作报告".into(),
            title_en: "Work report".into(),
            kind: ItemKind::Report,
        },
    );
    then(
        &mut h,
        Command::ProposeAgendaItem {
            session: S,
            title: "预算报告".into(),
            title_en: "Budget".into(),
            kind: ItemKind::Report,
        },
    );
    // Items cannot move before adoption.
    expect_rule(
        when(&h, Command::MoveAgendaItem { session: S, item: 1, to: ItemState::InProgress }),
        "agenda.not_adopted",
        Some("OL art. 17"),
    );
    // A plenary cannot open before the preparatory meeting did its work.
    expect_rule(
        when(&h, Command::OpenMeeting { meeting: meet("plenary-1") }),
        "plenary.after_preparatory",
        Some("OL art. 17"),
    );
    then(&mut h, Command::OpenMeeting { meeting: meet("prep") });
    then(&mut h, Command::ElectPresidium { meeting: meet("prep"), members: vec![mid("d-0001")] });
    then(&mut h, Command::ElectSecretaryGeneral { meeting: meet("prep"), member: mid("d-0002") });
    adopt_agenda_by_hands(&mut h, 5);
    expect_rule(
        when(
            &h,
            Command::ProposeAgendaItem {
                session: S,
                title: "x".into(),
                title_en: "x".into(),
                kind: ItemKind::Other,
            },
        ),
        "agenda.adopted",
        Some("OL art. 17"),
    );
    then(&mut h, Command::AdjournMeeting { meeting: meet("prep") });
    then(&mut h, Command::OpenMeeting { meeting: meet("plenary-1") });
    then(&mut h, Command::MoveAgendaItem { session: S, item: 1, to: ItemState::InProgress });
    expect_rule(
        when(&h, Command::MoveAgendaItem { session: S, item: 2, to: ItemState::InProgress }),
        "agenda.one_at_a_time",
        None,
    );
    expect_rule(
        when(&h, Command::MoveAgendaItem { session: S, item: 2, to: ItemState::Done }),
        "agenda.transition",
        None,
    );
    expect_rule(when(&h, Command::CloseSession { session: S }), "session.agenda_open", None);
    then(&mut h, Command::MoveAgendaItem { session: S, item: 1, to: ItemState::Done });
    then(&mut h, Command::MoveAgendaItem { session: S, item: 2, to: ItemState::Deferred });
    then(&mut h, Command::CloseSession { session: S });
    let a = Assembly::replay(&h);
    let s = &a.sessions[&S];
    assert!(s.closed);
    assert_eq!(s.secretary_general, Some(mid("d-0002")));
    assert_eq!(
        s.agenda.iter().map(|i| i.state).collect::<Vec<_>>(),
        vec![ItemState::Done, ItemState::Deferred]
    );
}

#[test]
fn a_mandate_that_ended_cannot_be_restored_dl_art_62() {
    let mut h = with_members(3);
    then(
        &mut h,
        Command::ChangeMemberStatus {
            member: mid("d-0001"),
            status: MemberStatus::OnLeave,
            reason: "因病住院".into(),
            effective_on: date(2022, 1, 6),
        },
    );
    expect_rule(
        when(
            &h,
            Command::ChangeMemberStatus {
                member: mid("d-0002"),
                status: MemberStatus::OnLeave,
                reason: " ".into(),
                effective_on: date(2022, 1, 6),
            },
        ),
        "text.required",
        None,
    );
    then(
        &mut h,
        Command::ChangeMemberStatus {
            member: mid("d-0001"),
            status: MemberStatus::Active,
            reason: String::new(),
            effective_on: date(2022, 1, 8),
        },
    );
    then(
        &mut h,
        Command::ChangeMemberStatus {
            member: mid("d-0001"),
            status: MemberStatus::Resigned,
            reason: "辞职，经常委会接受".into(),
            effective_on: date(2022, 3, 1),
        },
    );
    let e = expect_rule(
        when(
            &h,
            Command::ChangeMemberStatus {
                member: mid("d-0001"),
                status: MemberStatus::Active,
                reason: String::new(),
                effective_on: date(2022, 4, 1),
            },
        ),
        "member.mandate_ended",
        Some("DL art. 62"),
    );
    assert_eq!(e.field, Some("status"));
    let a = Assembly::replay(&h);
    let m = &a.members[&mid("d-0001")];
    assert_eq!(m.history.len(), 4);
    assert_eq!(a.seated_members().count(), 2);
    // A former deputy cannot join the presidium either.
    schedule(&mut h, "prep", MeetingKind::Preparatory);
    then(&mut h, Command::OpenMeeting { meeting: meet("prep") });
    expect_rule(
        when(&h, Command::ElectPresidium { meeting: meet("prep"), members: vec![mid("d-0001")] }),
        "member.mandate_ended",
        Some("DL art. 62"),
    );
}

#[test]
fn a_congress_seats_delegations_not_sectors() {
    let h = founded(5_000_000);
    expect_rule(
        when(
            &h,
            Command::FormGroup {
                group: gid("econ"),
                kind: GroupKind::Sector,
                name: "经济界".into(),
                name_en: "Economy".into(),
            },
        ),
        "group.kind",
        None,
    );
}

#[test]
fn profile_amendments_check_their_fields() {
    let h = with_members(1);
    let e = expect_rule(
        when(
            &h,
            Command::AmendMemberProfile {
                member: mid("d-0001"),
                changes: ProfileChanges { phone: Some("call me".into()), ..Default::default() },
            },
        ),
        "profile.phone",
        None,
    );
    assert_eq!(e.field, Some("phone"));
    expect_rule(
        when(&h, Command::AmendMemberProfile { member: mid("d-0001"), changes: ProfileChanges::default() }),
        "profile.no_change",
        None,
    );
    expect_rule(
        when(
            &h,
            Command::AmendMemberProfile {
                member: mid("d-9999"),
                changes: ProfileChanges { phone: Some("123".into()), ..Default::default() },
            },
        ),
        "member.unknown",
        None,
    );
}

#[test]
fn events_round_trip_through_their_stored_form() {
    let h = with_members(2);
    for e in &h {
        let (kind, payload) = e.to_payload().unwrap();
        assert_eq!(&Event::from_payload(kind, &payload).unwrap(), e);
        // The payload is exactly the tagged form's data, whatever its key order.
        let tagged = serde_json::to_value(e).unwrap();
        assert_eq!(tagged["type"], kind);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&payload).unwrap(), tagged["data"], "{kind}");
    }
}

// ---- property: replay equals live application -------------------------------

fn arb_command() -> impl Strategy<Value = Command> {
    let member = (1u32..8).prop_map(|i| mid(&format!("d-{i:04}")));
    let status = prop_oneof![
        Just(MemberStatus::Active),
        Just(MemberStatus::OnLeave),
        Just(MemberStatus::Resigned),
        Just(MemberStatus::Deceased)
    ];
    let state = prop_oneof![
        Just(ItemState::Pending),
        Just(ItemState::InProgress),
        Just(ItemState::Done),
        Just(ItemState::Deferred)
    ];
    let meeting = prop_oneof![Just(meet("prep")), Just(meet("plenary-1"))];
    prop_oneof![
        (1u32..8).prop_map(|i| Command::RegisterMembers {
            members: vec![draft(&format!("d-{i:04}"), "xiaodian")]
        }),
        (member.clone(), status, 0u32..40).prop_map(|(m, s, d)| Command::ChangeMemberStatus {
            member: m,
            status: s,
            reason: "理由".into(),
            effective_on: date(2022, 1, 1) + chrono::Days::new(u64::from(d)),
        }),
        (member.clone(), "[0-9]{3,8}").prop_map(|(m, p)| Command::AmendMemberProfile {
            member: m,
            changes: ProfileChanges { phone: Some(p), ..Default::default() }
        }),
        meeting.clone().prop_map(|m| Command::OpenMeeting { meeting: m }),
        meeting.clone().prop_map(|m| Command::AdjournMeeting { meeting: m }),
        proptest::collection::vec(member.clone(), 1..3)
            .prop_map(|ms| Command::ElectPresidium { meeting: meet("prep"), members: ms }),
        member.clone().prop_map(|m| Command::ElectSecretaryGeneral { meeting: meet("prep"), member: m }),
        Just(Command::ProposeAgendaItem {
            session: S,
            title: "议程".into(),
            title_en: "Item".into(),
            kind: ItemKind::Report
        }),
        Just(Command::AdoptAgenda { meeting: meet("prep") }),
        (1u32..4, state).prop_map(|(i, s)| Command::MoveAgendaItem { session: S, item: i, to: s }),
        member.clone().prop_map(|m| Command::AssignPost { post: Post::SecretariatStaff, member: m }),
        Just(Command::CloseSession { session: S }),
        (member.clone(), meeting.clone()).prop_map(|(m, mt)| Command::CheckIn {
            meeting: mt,
            member: m,
            method: CheckInMethod::Desk
        }),
        meeting.clone().prop_map(|mt| Command::OpenPoll {
            tellers: Vec::new(),
            meeting: mt,
            subject: PollSubject::Agenda,
            title: "表决".into(),
            title_en: "Vote".into(),
            rule: ResolutionRule::preset("cn-people-congress").unwrap(),
            mode: VoteMode::Named,
            disclosure: Disclosure::Counts,
            at: Utc.with_ymd_and_hms(2022, 1, 5, 1, 0, 0).unwrap(),
            closes_at: None,
            public_key: None,
        }),
        (1u32..3, member.clone(), 0usize..3).prop_map(|(p, m, c)| Command::CastVote {
            poll: p,
            member: m,
            choice: Choice::ALL[c],
            at: Utc.with_ymd_and_hms(2022, 1, 5, 1, 1, 0).unwrap(),
        }),
        (1u32..3).prop_map(|p| Command::ClosePoll {
            poll: p,
            at: Utc.with_ymd_and_hms(2022, 1, 5, 2, 0, 0).unwrap(),
            decryption: None
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever commands come, in whatever order, the state built live while deciding
    /// equals the state rebuilt by replaying the recorded events, and every recorded
    /// event survives its stored form.
    #[test]
    fn replaying_a_history_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..60)) {
        let mut history = founded(5_000_000);
        schedule(&mut history, "prep", MeetingKind::Preparatory);
        schedule(&mut history, "plenary-1", MeetingKind::Plenary);
        let mut live = Assembly::replay(&history);
        for c in &commands {
            if let Ok(events) = decide(&live, c) {
                for e in &events {
                    live.apply(e);
                    let (kind, payload) = e.to_payload().unwrap();
                    history.push(Event::from_payload(kind, &payload).unwrap());
                }
            }
        }
        let replayed = Assembly::replay(&history);
        prop_assert_eq!(&replayed, &live);
        prop_assert_eq!(replayed.version as usize, history.len());
    }
}

// ---- attendance and polls ---------------------------------------------------------

fn at(h: u32, m: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2022, 1, 11, h, m, 0).unwrap()
}

/// A congress of `n` deputies whose preparatory meeting is open with `present`
/// deputies checked in, and agenda items proposed.
fn preparatory(n: usize, present: usize) -> Vec<Event> {
    let mut h = with_members(n);
    schedule(&mut h, "prep", MeetingKind::Preparatory);
    schedule(&mut h, "plenary-1", MeetingKind::Plenary);
    then(
        &mut h,
        Command::ProposeAgendaItem {
            session: S,
            title: "政府工作报告".into(),
            title_en: "Work report".into(),
            kind: ItemKind::Report,
        },
    );
    then(
        &mut h,
        Command::ProposeAgendaItem {
            session: S,
            title: "决议".into(),
            title_en: "Resolutions".into(),
            kind: ItemKind::Resolution,
        },
    );
    then(&mut h, Command::OpenMeeting { meeting: meet("prep") });
    then(&mut h, Command::ElectPresidium { meeting: meet("prep"), members: vec![mid("d-0001")] });
    if present > 0 {
        let members = (1..=present).map(|i| mid(&format!("d-{i:04}"))).collect();
        then(&mut h, Command::CheckInMany { meeting: meet("prep"), members });
    }
    h
}

fn cn_rule() -> ResolutionRule {
    ResolutionRule::preset("cn-people-congress").unwrap()
}

fn open(
    subject: PollSubject,
    mode: VoteMode,
    public_key: Option<String>,
    closes_at: Option<chrono::DateTime<Utc>>,
) -> Command {
    Command::OpenPoll {
        tellers: Vec::new(),
        meeting: meet("prep"),
        subject,
        title: "表决".into(),
        title_en: "Vote".into(),
        rule: cn_rule(),
        mode,
        disclosure: Disclosure::Counts,
        at: at(9, 0),
        closes_at,
        public_key,
    }
}

#[test]
fn a_city_congress_adopts_its_agenda_by_vote_ol_art_17() {
    let h = preparatory(10, 10);
    expect_rule(
        when(&h, Command::AdoptAgenda { meeting: meet("prep") }),
        "agenda.by_vote",
        Some("OL art. 17"),
    );
}

#[test]
fn voting_needs_more_than_two_thirds_present_ol_art_14() {
    // 10 deputies: 6 present is not more than two thirds, 7 is.
    let h = preparatory(10, 6);
    let e = expect_rule(
        when(&h, open(PollSubject::Agenda, VoteMode::ShowOfHands, None, None)),
        "quorum",
        Some("OL art. 14"),
    );
    assert!(e.message.contains("6 are present"), "{e}");
    let mut h = h;
    then(
        &mut h,
        Command::CheckIn { meeting: meet("prep"), member: mid("d-0007"), method: CheckInMethod::SelfService },
    );
    assert!(when(&h, open(PollSubject::Agenda, VoteMode::ShowOfHands, None, None)).is_ok());
    // A deputy on leave for the meeting is no longer present.
    then(
        &mut h,
        Command::RecordLeave { meeting: meet("prep"), member: mid("d-0007"), reason: "因病".into() },
    );
    expect_rule(
        when(&h, open(PollSubject::Agenda, VoteMode::ShowOfHands, None, None)),
        "quorum",
        Some("OL art. 14"),
    );
}

#[test]
fn show_of_hands_totals_need_a_second_person() {
    let mut h = preparatory(10, 9);
    then(&mut h, open(PollSubject::Agenda, VoteMode::ShowOfHands, None, None));
    expect_rule(
        when(&h, Command::ClosePoll { poll: 1, at: at(9, 5), decryption: None }),
        "poll.totals_unconfirmed",
        None,
    );
    expect_rule(
        when(
            &h,
            Command::EnterTotals {
                poll: 1,
                totals: Totals { yes: 9, no: 1, abstain: 0 },
                by: "clerk-a".into(),
            },
        ),
        "poll.more_votes_than_present",
        None,
    );
    then(
        &mut h,
        Command::EnterTotals { poll: 1, totals: Totals { yes: 8, no: 0, abstain: 1 }, by: "clerk-a".into() },
    );
    expect_rule(
        when(&h, Command::ConfirmTotals { poll: 1, by: "clerk-a".into() }),
        "poll.second_person",
        None,
    );
    then(&mut h, Command::ConfirmTotals { poll: 1, by: "clerk-b".into() });
    let evs = when(&h, Command::ClosePoll { poll: 1, at: at(9, 5), decryption: None }).unwrap();
    let Event::PollClosed { result, .. } = &evs[0] else { panic!("{evs:?}") };
    assert!(result.adopted);
    assert_eq!(result.required, 6);
    assert!(result.basis.contains("OL art. 25"), "{}", result.basis);
    h.extend(evs);
    assert!(Assembly::replay(&h).sessions[&S].agenda_adopted);
}

#[test]
fn named_votes_are_counted_once_and_only_while_open() {
    let mut h = preparatory(10, 8);
    then(&mut h, open(PollSubject::Agenda, VoteMode::Named, None, Some(at(9, 10))));
    let vote = |m: &str, c: Choice, t| Command::CastVote { poll: 1, member: mid(m), choice: c, at: t };
    then(&mut h, vote("d-0001", Choice::Yes, at(9, 1)));
    expect_rule(when(&h, vote("d-0001", Choice::No, at(9, 2))), "poll.already_voted", None);
    // Not checked in.
    expect_rule(when(&h, vote("d-0009", Choice::Yes, at(9, 2))), "poll.not_present", None);
    // After the set closing time.
    expect_rule(when(&h, vote("d-0002", Choice::Yes, at(9, 11))), "poll.closed", None);
    for m in ["d-0002", "d-0003", "d-0004", "d-0005"] {
        then(&mut h, vote(m, Choice::Yes, at(9, 3)));
    }
    then(&mut h, vote("d-0006", Choice::No, at(9, 3)));
    then(&mut h, vote("d-0007", Choice::Abstain, at(9, 3)));
    // 5 yes of 10 deputies is exactly half: not more than half (OL art. 25).
    let evs = when(&h, Command::ClosePoll { poll: 1, at: at(9, 10), decryption: None }).unwrap();
    let Event::PollClosed { result, .. } = &evs[0] else { panic!("{evs:?}") };
    assert!(!result.adopted, "{}", result.basis);
    assert_eq!((result.totals.yes, result.totals.no, result.totals.abstain, result.not_voted), (5, 1, 1, 3));
    h.extend(evs);
    expect_rule(when(&h, vote("d-0008", Choice::Yes, at(9, 4))), "poll.closed", None);
    assert!(!Assembly::replay(&h).sessions[&S].agenda_adopted);
}

#[test]
fn a_secret_poll_keeps_no_choice_and_closes_only_with_a_true_decryption() {
    let mut h = preparatory(10, 9);
    expect_rule(when(&h, open(PollSubject::Agenda, VoteMode::Secret, None, None)), "poll.key_required", None);
    let (public, secret) = sealed::new_key().unwrap();
    then(&mut h, open(PollSubject::Agenda, VoteMode::Secret, Some(public.clone()), None));
    let choices = [
        Choice::Yes,
        Choice::Yes,
        Choice::Yes,
        Choice::Yes,
        Choice::Yes,
        Choice::Yes,
        Choice::No,
        Choice::Abstain,
    ];
    for (i, c) in choices.iter().enumerate() {
        let ballot = sealed::encrypt(&public, *c).unwrap();
        then(
            &mut h,
            Command::CastSealedBallot {
                poll: 1,
                member: mid(&format!("d-{:04}", i + 1)),
                ballot,
                at: at(9, 1),
            },
        );
    }
    expect_rule(
        when(&h, Command::CastVote { poll: 1, member: mid("d-0009"), choice: Choice::Yes, at: at(9, 1) }),
        "poll.mode",
        None,
    );
    // The state knows who voted, never what.
    let a = Assembly::replay(&h);
    assert_eq!(a.polls[&1].turnout(), 8);
    assert!(a.polls[&1].ballots.values().all(Option::is_none));
    expect_rule(
        when(&h, Command::ClosePoll { poll: 1, at: at(9, 5), decryption: None }),
        "poll.decryption_required",
        None,
    );
    let (totals, proof) = sealed::decrypt_sum(&public, &secret, &a.polls[&1].sealed).unwrap();
    assert_eq!(totals, Totals { yes: 6, no: 1, abstain: 1 });
    let lie = SealedTally { totals: Totals { yes: 7, no: 0, abstain: 1 }, proof: proof.clone() };
    expect_rule(
        when(&h, Command::ClosePoll { poll: 1, at: at(9, 5), decryption: Some(lie) }),
        "poll.decryption_invalid",
        None,
    );
    let evs = when(
        &h,
        Command::ClosePoll { poll: 1, at: at(9, 5), decryption: Some(SealedTally { totals, proof }) },
    )
    .unwrap();
    let Event::PollClosed { result, decryption, .. } = &evs[0] else { panic!("{evs:?}") };
    assert!(result.adopted);
    assert!(decryption.is_some());
}

#[test]
fn one_poll_at_a_time_and_items_only_after_adoption() {
    let mut h = preparatory(10, 9);
    expect_rule(
        when(&h, open(PollSubject::Item(1), VoteMode::Named, None, None)),
        "agenda.not_adopted",
        Some("OL art. 17"),
    );
    then(&mut h, open(PollSubject::Agenda, VoteMode::Named, None, None));
    expect_rule(when(&h, open(PollSubject::Agenda, VoteMode::Named, None, None)), "poll.one_at_a_time", None);
}

#[test]
fn opinions_are_voiced_in_ones_own_delegation_meeting_on_reports() {
    let mut h = preparatory(10, 9);
    then(
        &mut h,
        Command::FormGroup {
            group: gid("yingze"),
            kind: GroupKind::Delegation,
            name: "迎泽区".into(),
            name_en: "Yingze".into(),
        },
    );
    let evs = when(
        &h,
        Command::ScheduleMeeting {
            meeting: meet("del-xiaodian"),
            session: S,
            kind: MeetingKind::Delegation,
            group: Some(gid("xiaodian")),
            title: "小店区代表团会议".into(),
            title_en: "Xiaodian".into(),
            starts_at: at(15, 0),
        },
    )
    .unwrap();
    h.extend(evs);
    then(&mut h, Command::OpenMeeting { meeting: meet("del-xiaodian") });
    let opinion = |m: &str, item, meeting: &str| Command::RecordOpinion {
        meeting: meet(meeting),
        item,
        member: mid(m),
        text: "建议加大老旧小区改造力度。".into(),
    };
    expect_rule(when(&h, opinion("d-0001", 1, "prep")), "opinion.delegation_meeting", None);
    expect_rule(when(&h, opinion("d-0001", 2, "del-xiaodian")), "opinion.reports_only", None);
    then(&mut h, opinion("d-0001", 1, "del-xiaodian"));
    let a = Assembly::replay(&h);
    assert_eq!(a.opinions.len(), 1);
    assert_eq!(a.opinions[0].session, S);
}

// ---- tellers (监票人, EL art. 43) and secret polls whose key they hold ------------

fn d(i: usize) -> MemberId {
    mid(&format!("d-{i:04}"))
}

fn appoint(members: &[usize]) -> Command {
    Command::AppointTellers { session: S, members: members.iter().map(|i| d(*i)).collect() }
}

fn register(member: usize, key: &str) -> Command {
    Command::RegisterTellerKey { session: S, member: d(member), key: key.into() }
}

/// Keys made on `n` tellers' own devices: (public, secret).
fn teller_keys(n: usize) -> Vec<(String, String)> {
    (0..n).map(|_| sealed::new_key().unwrap()).collect()
}

fn joint(keys: &[(String, String)]) -> String {
    sealed::joint_key(&keys.iter().map(|k| k.0.clone()).collect::<Vec<_>>()).unwrap()
}

/// A secret poll on the agenda whose key the tellers `tellers` hold.
fn open_by_tellers(public_key: &str, tellers: &[usize]) -> Command {
    let mut c = open(PollSubject::Agenda, VoteMode::Secret, Some(public_key.into()), None);
    if let Command::OpenPoll { tellers: t, .. } = &mut c {
        *t = tellers.iter().map(|i| d(*i)).collect();
    }
    c
}

/// `preparatory(10, 9)` with d-0001, d-0002, … appointed tellers, one per key in
/// `keys`, each key registered by its teller.
fn with_tellers(keys: &[(String, String)]) -> Vec<Event> {
    let mut h = preparatory(10, 9);
    then(&mut h, appoint(&(1..=keys.len()).collect::<Vec<_>>()));
    for (i, (public, _)) in keys.iter().enumerate() {
        then(&mut h, register(i + 1, public));
    }
    h
}

fn sealed_ballot(public_key: &str, member: usize, choice: Choice) -> Command {
    Command::CastSealedBallot {
        poll: 1,
        member: d(member),
        ballot: sealed::encrypt(public_key, choice).unwrap(),
        at: at(9, 1),
    }
}

/// Three tellers hold the key of poll 1 on the agenda; d-0001, d-0002, … cast
/// `choices`, and the poll is closed at 9:05: it waits for the tellers' shares.
fn counting(choices: &[Choice]) -> (Vec<Event>, Vec<(String, String)>, String) {
    let keys = teller_keys(3);
    let public = joint(&keys);
    let mut h = with_tellers(&keys);
    then(&mut h, open_by_tellers(&public, &[1, 2, 3]));
    for (i, c) in choices.iter().enumerate() {
        then(&mut h, sealed_ballot(&public, i + 1, *c));
    }
    then(&mut h, Command::ClosePoll { poll: 1, at: at(9, 5), decryption: None });
    (h, keys, public)
}

/// Teller `teller`'s share (made with `keys[key]`'s secret) of poll 1's sum.
fn share_of(h: &[Event], public: &str, secret: &str, teller: usize) -> Command {
    let a = Assembly::replay(h);
    let share = sealed::share(public, secret, &a.polls[&1].sealed).unwrap();
    Command::SubmitTellerShare { poll: 1, member: d(teller), share }
}

#[test]
fn at_least_one_teller_is_appointed_el_art_43() {
    let h = preparatory(10, 9);
    let e = expect_rule(when(&h, appoint(&[])), "tellers.empty", Some("EL art. 43"));
    assert_eq!(e.field, Some("members"));
}

#[test]
fn a_teller_is_named_only_once() {
    let h = preparatory(10, 9);
    expect_rule(when(&h, appoint(&[1, 2, 1])), "tellers.duplicate", None);
    assert!(Assembly::replay(&h).sessions[&S].tellers.is_empty());
}

#[test]
fn a_teller_is_a_deputy_whose_mandate_has_not_ended_dl_art_62() {
    let mut h = preparatory(10, 9);
    let e = expect_rule(
        when(&h, Command::AppointTellers { session: S, members: vec![d(1), mid("d-0099")] }),
        "member.unknown",
        None,
    );
    assert_eq!(e.field, Some("members"));
    then(
        &mut h,
        Command::ChangeMemberStatus {
            member: d(3),
            status: MemberStatus::Resigned,
            reason: "辞职，经常委会接受".into(),
            effective_on: date(2022, 1, 10),
        },
    );
    let e = expect_rule(when(&h, appoint(&[1, 2, 3])), "member.mandate_ended", Some("DL art. 62"));
    assert_eq!(e.field, Some("members"));
    // A deputy on leave still holds the mandate.
    then(
        &mut h,
        Command::ChangeMemberStatus {
            member: d(4),
            status: MemberStatus::OnLeave,
            reason: "因病".into(),
            effective_on: date(2022, 1, 10),
        },
    );
    assert!(when(&h, appoint(&[1, 2, 4])).is_ok());
}

#[test]
fn at_most_max_tellers_are_appointed() {
    let mut h = with_members(MAX_TELLERS + 1);
    schedule(&mut h, "prep", MeetingKind::Preparatory);
    let all: Vec<usize> = (1..=MAX_TELLERS + 1).collect();
    let e = expect_rule(when(&h, appoint(&all)), "tellers.too_many", None);
    assert!(e.message.contains(&MAX_TELLERS.to_string()), "{e}");
    then(&mut h, appoint(&all[..MAX_TELLERS]));
    assert_eq!(Assembly::replay(&h).sessions[&S].tellers.len(), MAX_TELLERS);
}

#[test]
fn reappointing_tellers_keeps_the_keys_of_those_who_stay_el_art_43() {
    let keys = teller_keys(3);
    let mut h = with_tellers(&keys);
    then(&mut h, appoint(&[2, 4, 1]));
    let a = Assembly::replay(&h);
    let tellers: Vec<(MemberId, Option<String>)> =
        a.sessions[&S].tellers.iter().map(|t| (t.member.clone(), t.key.clone())).collect();
    assert_eq!(tellers, vec![(d(2), Some(keys[1].0.clone())), (d(4), None), (d(1), Some(keys[0].0.clone()))]);
    // Teller 3 is no teller any more, and gets no key back when named again.
    expect_rule(when(&h, register(3, &keys[2].0)), "teller.not_appointed", Some("EL art. 43"));
    then(&mut h, appoint(&[3, 2]));
    let a = Assembly::replay(&h);
    let tellers: Vec<(MemberId, Option<String>)> =
        a.sessions[&S].tellers.iter().map(|t| (t.member.clone(), t.key.clone())).collect();
    assert_eq!(tellers, vec![(d(3), None), (d(2), Some(keys[1].0.clone()))]);
}

#[test]
fn only_a_teller_registers_a_key_el_art_43() {
    let keys = teller_keys(1);
    let mut h = preparatory(10, 9);
    // No tellers yet.
    expect_rule(when(&h, register(1, &keys[0].0)), "teller.not_appointed", Some("EL art. 43"));
    then(&mut h, appoint(&[1, 2]));
    let e = expect_rule(when(&h, register(3, &keys[0].0)), "teller.not_appointed", Some("EL art. 43"));
    assert_eq!(e.field, Some("member"));
    then(&mut h, register(1, &keys[0].0));
    let a = Assembly::replay(&h);
    assert_eq!(a.sessions[&S].tellers[0].key.as_deref(), Some(keys[0].0.as_str()));
    assert_eq!(a.sessions[&S].tellers[1].key, None);
}

#[test]
fn a_malformed_teller_key_is_refused() {
    let keys = teller_keys(2);
    let mut h = preparatory(10, 9);
    then(&mut h, appoint(&[1]));
    let two = format!("{};{}", keys[0].0, keys[1].0);
    let truncated = &keys[0].0[..keys[0].0.len() - 2];
    for bad in ["", "not a key", &keys[0].0.to_uppercase(), truncated, &two, &"a".repeat(2_000)] {
        let e = expect_rule(when(&h, register(1, bad)), "teller.key_invalid", None);
        assert_eq!(e.field, Some("key"), "{bad}");
    }
    assert_eq!(Assembly::replay(&h).sessions[&S].tellers[0].key, None);
}

#[test]
fn a_teller_key_whose_proof_does_not_verify_is_refused() {
    let (public, _) = sealed::new_key().unwrap();
    let mut h = preparatory(10, 9);
    then(&mut h, appoint(&[1]));
    // The key is the point (64 hex digits), then the proof that its holder knows the
    // secret; change one digit of the proof.
    let mut forged = public.clone().into_bytes();
    forged[64] = if forged[64] == b'0' { b'1' } else { b'0' };
    let forged = String::from_utf8(forged).unwrap();
    let e = expect_rule(when(&h, register(1, &forged)), "teller.key_invalid", None);
    assert!(e.message.contains("proof does not verify"), "{e}");
    then(&mut h, register(1, &public));
}

#[test]
fn a_teller_cannot_register_another_tellers_key() {
    let keys = teller_keys(2);
    let mut h = preparatory(10, 9);
    then(&mut h, appoint(&[1, 2]));
    then(&mut h, register(1, &keys[0].0));
    let e = expect_rule(when(&h, register(2, &keys[0].0)), "teller.key_duplicate", None);
    assert_eq!(e.field, Some("key"));
    // A teller may register a new key of their own, once no other teller has it.
    then(&mut h, register(1, &keys[1].0));
    then(&mut h, register(2, &keys[0].0));
    let a = Assembly::replay(&h);
    assert_eq!(a.sessions[&S].tellers[1].key.as_deref(), Some(keys[0].0.as_str()));
}

#[test]
fn only_a_secret_poll_has_its_key_held_by_tellers() {
    let keys = teller_keys(2);
    let h = with_tellers(&keys);
    for mode in [VoteMode::Named, VoteMode::ShowOfHands] {
        let mut c = open(PollSubject::Agenda, mode, None, None);
        if let Command::OpenPoll { tellers, .. } = &mut c {
            *tellers = vec![d(1), d(2)];
        }
        let e = expect_rule(when(&h, c), "poll.tellers_secret_only", None);
        assert_eq!(e.field, Some("tellers"));
    }
}

#[test]
fn a_poll_held_by_tellers_waits_for_every_tellers_key_el_art_43() {
    let keys = teller_keys(3);
    let mut h = preparatory(10, 9);
    then(&mut h, appoint(&[1, 2, 3]));
    then(&mut h, register(1, &keys[0].0));
    then(&mut h, register(3, &keys[2].0));
    let public = sealed::joint_key(&[keys[0].0.clone(), keys[2].0.clone()]).unwrap();
    let e = expect_rule(
        when(&h, open_by_tellers(&public, &[1, 2, 3])),
        "poll.teller_key_missing",
        Some("EL art. 43"),
    );
    assert!(e.message.contains("d-0002"), "{e}");
    then(&mut h, register(2, &keys[1].0));
    then(&mut h, open_by_tellers(&joint(&keys), &[1, 2, 3]));
    let a = Assembly::replay(&h);
    assert_eq!(a.polls[&1].tellers, vec![d(1), d(2), d(3)]);
    assert_eq!(a.polls[&1].public_key.as_deref(), Some(joint(&keys).as_str()));
}

#[test]
fn a_poll_held_by_tellers_is_encrypted_to_their_joint_key() {
    let keys = teller_keys(3);
    let h = with_tellers(&keys);
    let (other, _) = sealed::new_key().unwrap();
    // Another key, the tellers' keys in another order, or only some of them.
    let reordered = joint(&[keys[1].clone(), keys[0].clone(), keys[2].clone()]);
    let some = joint(&keys[..2]);
    for public in [other, reordered, some, keys[0].0.clone()] {
        let e = expect_rule(when(&h, open_by_tellers(&public, &[1, 2, 3])), "poll.key_mismatch", None);
        assert_eq!(e.field, Some("public_key"));
    }
    assert!(when(&h, open_by_tellers(&joint(&keys), &[1, 2, 3])).is_ok());
}

#[test]
fn a_poll_is_held_by_the_sessions_tellers_in_their_order_el_art_43() {
    let keys = teller_keys(3);
    let h = with_tellers(&keys);
    let public = joint(&keys);
    for tellers in [&[3, 2, 1][..], &[1, 2], &[1, 2, 3, 4], &[1, 2, 4]] {
        let e = expect_rule(
            when(&h, open_by_tellers(&public, tellers)),
            "poll.tellers_mismatch",
            Some("EL art. 43"),
        );
        assert_eq!(e.field, Some("tellers"), "{tellers:?}");
    }
    // A session without tellers has no poll held by tellers.
    let h = preparatory(10, 9);
    expect_rule(when(&h, open_by_tellers(&public, &[1, 2, 3])), "poll.tellers_mismatch", Some("EL art. 43"));
}

#[test]
fn a_poll_held_by_tellers_is_counted_from_every_tellers_verified_share_el_art_43() {
    let choices = [
        Choice::Yes,
        Choice::No,
        Choice::Yes,
        Choice::Yes,
        Choice::Abstain,
        Choice::Yes,
        Choice::Yes,
        Choice::Yes,
    ];
    let (mut h, keys, public) = counting(&choices);
    let a = Assembly::replay(&h);
    assert_eq!(a.polls[&1].state, PollState::Counting);
    assert_eq!(a.polls[&1].result, None);
    assert_eq!(a.polls[&1].sealed.len(), choices.len());
    assert!(a.polls[&1].ballots.values().all(Option::is_none));
    assert!(a.open_poll().is_none());
    // No more ballots, and no second close.
    expect_rule(when(&h, sealed_ballot(&public, 9, Choice::No)), "poll.closed", None);
    expect_rule(
        when(&h, Command::ClosePoll { poll: 1, at: at(9, 6), decryption: None }),
        "poll.closed",
        None,
    );

    // A member who is not a teller, even with a teller's true share.
    let e =
        expect_rule(when(&h, share_of(&h, &public, &keys[0].1, 4)), "poll.not_teller", Some("EL art. 43"));
    assert_eq!(e.field, Some("member"));
    // Teller 2's share, sent as teller 1's.
    let e = expect_rule(when(&h, share_of(&h, &public, &keys[1].1, 1)), "poll.share_invalid", None);
    assert_eq!(e.field, Some("share"));
    // Garbage, an empty share, and a share of another poll's sum.
    let garbage = |share: &str| Command::SubmitTellerShare { poll: 1, member: d(1), share: share.into() };
    let (other, other_secret) = sealed::new_key().unwrap();
    let elsewhere =
        sealed::share(&other, &other_secret, &[sealed::encrypt(&other, Choice::Yes).unwrap()]).unwrap();
    for bad in ["not a share", "", "  ", "00,00,00", &"ab".repeat(3_000), &elsewhere] {
        expect_rule(when(&h, garbage(bad)), "poll.share_invalid", None);
    }
    // A true share of only some of the ballots.
    let partial = sealed::share(&public, &keys[0].1, &a.polls[&1].sealed[..7]).unwrap();
    expect_rule(when(&h, garbage(&partial)), "poll.share_invalid", None);

    // Tellers 1 and 2: still counting, no result.
    for teller in [1, 2] {
        let evs = when(&h, share_of(&h, &public, &keys[teller - 1].1, teller)).unwrap();
        assert!(matches!(evs.as_slice(), [Event::TellerShareSubmitted { .. }]), "{evs:?}");
        h.extend(evs);
        let a = Assembly::replay(&h);
        assert_eq!(a.polls[&1].state, PollState::Counting);
        assert_eq!(a.polls[&1].result, None);
        assert_eq!(a.polls[&1].shares.len(), teller);
    }
    let e = expect_rule(when(&h, share_of(&h, &public, &keys[0].1, 1)), "poll.share_sent", None);
    assert_eq!(e.field, Some("member"));
    // The tellers cannot be replaced while the poll waits for them.
    expect_rule(when(&h, appoint(&[1, 2, 4])), "tellers.poll_pending", None);

    // The last share closes the poll with the sum of the ballots.
    let evs = when(&h, share_of(&h, &public, &keys[2].1, 3)).unwrap();
    let [Event::TellerShareSubmitted { member, share, .. }, Event::PollClosed { result, decryption, .. }] =
        evs.as_slice()
    else {
        panic!("{evs:?}")
    };
    assert_eq!(member, &d(3));
    assert_eq!(result.totals, Totals { yes: 6, no: 1, abstain: 1 });
    assert_eq!(result.not_voted, 2);
    assert_eq!(result.closed_at, at(9, 5));
    // 6 of 10 deputies is more than half of all deputies (OL art. 25).
    assert!(result.adopted, "{}", result.basis);
    assert_eq!(result.required, 6);
    assert!(result.basis.contains("OL art. 25"), "{}", result.basis);
    // The proof is the shares in the tellers' order, and anyone can check it.
    let proof = decryption.clone().unwrap();
    let a = Assembly::replay(&h);
    let shares: Vec<&str> = proof.split(';').collect();
    assert_eq!(shares.len(), 3);
    assert_eq!(shares[0], a.polls[&1].shares[&d(1)]);
    assert_eq!(shares[1], a.polls[&1].shares[&d(2)]);
    assert_eq!(shares[2], share.as_str());
    sealed::verify_sum(&public, &a.polls[&1].sealed, &result.totals, &proof).unwrap();
    let lie = Totals { yes: 7, no: 0, abstain: 1 };
    assert!(sealed::verify_sum(&public, &a.polls[&1].sealed, &lie, &proof).is_err());
    h.extend(evs.clone());

    let a = Assembly::replay(&h);
    assert_eq!(a.polls[&1].state, PollState::Closed);
    assert_eq!(a.polls[&1].result.as_ref(), Some(result));
    assert!(a.sessions[&S].agenda_adopted);
    expect_rule(when(&h, share_of(&h, &public, &keys[2].1, 3)), "poll.not_counting", None);
    // Once counted, the tellers may be replaced.
    then(&mut h, appoint(&[1, 2, 4]));
    // Every event of the count survives its stored form.
    for e in &h {
        let (kind, payload) = e.to_payload().unwrap();
        assert_eq!(&Event::from_payload(kind, &payload).unwrap(), e, "{kind}");
    }
}

#[test]
fn a_poll_held_by_tellers_follows_the_rule_when_not_adopted_ol_art_25() {
    // 5 yes of 10 deputies is not more than half of all deputies.
    let choices =
        [Choice::Yes, Choice::Yes, Choice::No, Choice::Yes, Choice::Abstain, Choice::Yes, Choice::Yes];
    let (mut h, keys, public) = counting(&choices);
    for teller in [3, 1, 2] {
        let share = share_of(&h, &public, &keys[teller - 1].1, teller);
        then(&mut h, share);
    }
    let a = Assembly::replay(&h);
    let result = a.polls[&1].result.clone().unwrap();
    assert_eq!(result.totals, Totals { yes: 5, no: 1, abstain: 1 });
    assert_eq!(result.not_voted, 3);
    assert!(!result.adopted, "{}", result.basis);
    assert_eq!(result.required, 6);
    assert!(!a.sessions[&S].agenda_adopted);
}

#[test]
fn a_poll_held_by_tellers_with_no_ballots_counts_zero() {
    let (mut h, keys, public) = counting(&[]);
    for teller in [1, 2, 3] {
        let share = share_of(&h, &public, &keys[teller - 1].1, teller);
        then(&mut h, share);
    }
    let a = Assembly::replay(&h);
    assert_eq!(a.polls[&1].state, PollState::Closed);
    let result = a.polls[&1].result.clone().unwrap();
    assert_eq!(result.totals, Totals { yes: 0, no: 0, abstain: 0 });
    assert_eq!(result.not_voted, 10);
    assert!(!result.adopted);
}

#[test]
fn tellers_cannot_be_replaced_while_their_poll_is_open() {
    let keys = teller_keys(2);
    let mut h = with_tellers(&keys);
    then(&mut h, open_by_tellers(&joint(&keys), &[1, 2]));
    let e = expect_rule(when(&h, appoint(&[1, 3])), "tellers.poll_pending", None);
    assert!(e.message.contains("poll 1"), "{e}");
}

#[test]
fn a_sealed_ballot_must_prove_itself_and_be_cast_once() {
    let keys = teller_keys(2);
    let public = joint(&keys);
    let mut h = with_tellers(&keys);
    then(&mut h, open_by_tellers(&public, &[1, 2]));
    let cast = |member: usize, ballot: String| Command::CastSealedBallot {
        poll: 1,
        member: d(member),
        ballot,
        at: at(9, 1),
    };
    // Garbage, and a ballot encrypted to another poll's key: neither proves itself.
    expect_rule(when(&h, cast(1, "00ff".into())), "ballot.invalid", None);
    let (other, _) = sealed::new_key().unwrap();
    expect_rule(when(&h, cast(1, sealed::encrypt(&other, Choice::Yes).unwrap())), "ballot.invalid", None);
    // A copy of another member's ballot would count that choice twice.
    let first = sealed::encrypt(&public, Choice::No).unwrap();
    then(&mut h, cast(1, first.clone()));
    expect_rule(when(&h, cast(2, first)), "ballot.copy", None);
    // A fresh ballot of the same choice is fine.
    then(&mut h, cast(2, sealed::encrypt(&public, Choice::No).unwrap()));
    assert_eq!(Assembly::replay(&h).polls[&1].sealed.len(), 2);
}

#[test]
fn a_subject_being_counted_takes_no_second_poll() {
    let (h, _, _) = counting(&[Choice::Yes]);
    let again = open(PollSubject::Agenda, VoteMode::Named, None, None);
    expect_rule(when(&h, again), "poll.subject_counting", None);
}

#[test]
fn a_teller_whose_mandate_ended_cannot_hold_a_poll_key_dl_art_62() {
    let keys = teller_keys(2);
    let mut h = with_tellers(&keys);
    then(
        &mut h,
        Command::ChangeMemberStatus {
            member: d(2),
            status: plenum_domain::MemberStatus::Resigned,
            reason: "辞职".into(),
            effective_on: chrono::NaiveDate::from_ymd_opt(2022, 1, 10).unwrap(),
        },
    );
    expect_rule(
        when(&h, open_by_tellers(&joint(&keys), &[1, 2])),
        "member.mandate_ended",
        Some("DL art. 62"),
    );
}

#[test]
fn a_poll_held_by_tellers_takes_no_decryption_from_the_server_el_art_43() {
    let (h, keys, public) = counting(&[Choice::Yes, Choice::No]);
    // While open, a decryption given at the close is refused, even a true one.
    let mut open_h = h.clone();
    open_h.pop();
    let a = Assembly::replay(&open_h);
    assert_eq!(a.polls[&1].state, PollState::Open);
    let shares: Vec<String> =
        keys.iter().map(|(_, secret)| sealed::share(&public, secret, &a.polls[&1].sealed).unwrap()).collect();
    let (totals, proof) = sealed::combine(&public, &a.polls[&1].sealed, &shares).unwrap();
    assert_eq!(totals, Totals { yes: 1, no: 1, abstain: 0 });
    let e = expect_rule(
        when(
            &open_h,
            Command::ClosePoll { poll: 1, at: at(9, 5), decryption: Some(SealedTally { totals, proof }) },
        ),
        "poll.tellers_decrypt",
        Some("EL art. 43"),
    );
    assert_eq!(e.field, Some("decryption"));
    // The close without it starts the count.
    let evs = when(&open_h, Command::ClosePoll { poll: 1, at: at(9, 5), decryption: None }).unwrap();
    assert!(matches!(evs.as_slice(), [Event::PollCountStarted { poll: 1, present: 9, .. }]), "{evs:?}");
    assert_eq!(Assembly::replay(&h).polls[&1].state, PollState::Counting);
}

#[test]
fn a_teller_share_is_taken_only_while_the_poll_is_counting() {
    let keys = teller_keys(2);
    let public = joint(&keys);
    let mut h = with_tellers(&keys);
    expect_rule(
        when(&h, Command::SubmitTellerShare { poll: 1, member: d(1), share: "x".into() }),
        "poll.unknown",
        None,
    );
    then(&mut h, open_by_tellers(&public, &[1, 2]));
    then(&mut h, sealed_ballot(&public, 5, Choice::Yes));
    let e = expect_rule(when(&h, share_of(&h, &public, &keys[0].1, 1)), "poll.not_counting", None);
    assert_eq!(e.field, Some("poll"));
}

#[test]
fn a_server_held_secret_poll_closes_at_once_even_when_the_session_has_tellers() {
    let keys = teller_keys(2);
    let mut h = with_tellers(&keys);
    let (public, secret) = sealed::new_key().unwrap();
    then(&mut h, open(PollSubject::Agenda, VoteMode::Secret, Some(public.clone()), None));
    let choices =
        [Choice::Yes, Choice::Yes, Choice::Abstain, Choice::Yes, Choice::Yes, Choice::Yes, Choice::Yes];
    for (i, c) in choices.iter().enumerate() {
        then(&mut h, sealed_ballot(&public, i + 1, *c));
    }
    let a = Assembly::replay(&h);
    assert!(a.polls[&1].tellers.is_empty());
    expect_rule(
        when(&h, Command::ClosePoll { poll: 1, at: at(9, 5), decryption: None }),
        "poll.decryption_required",
        None,
    );
    let (totals, proof) = sealed::decrypt_sum(&public, &secret, &a.polls[&1].sealed).unwrap();
    let evs = when(
        &h,
        Command::ClosePoll { poll: 1, at: at(9, 5), decryption: Some(SealedTally { totals, proof }) },
    )
    .unwrap();
    let [Event::PollClosed { result, decryption, .. }] = evs.as_slice() else { panic!("{evs:?}") };
    assert_eq!(result.totals, Totals { yes: 6, no: 0, abstain: 1 });
    assert!(result.adopted, "{}", result.basis);
    sealed::verify_sum(&public, &a.polls[&1].sealed, &result.totals, decryption.as_deref().unwrap()).unwrap();
    h.extend(evs.clone());
    let a = Assembly::replay(&h);
    assert_eq!(a.polls[&1].state, PollState::Closed);
    assert!(a.polls[&1].shares.is_empty());
    expect_rule(when(&h, share_of(&h, &public, &secret, 1)), "poll.not_counting", None);
}

// ==== elections (issue #5): nominations, margins, rounds, paper and electronic ====
//
// One scenario per branch, each with the statute the rule comes from (OL arts.
// 25–30, EL arts. 30–31, 44); the counting itself is `plenum_tally`'s.

mod elections {
    use super::*;
    use plenum_domain::election::{PaperSlot, check_marks};
    use plenum_tally::Ballot;

    const PLENARY: &str = "plenary-1";
    /// The election item of the session's agenda.
    const ITEM: u32 = 2;

    fn t(h: u32, m: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2022, 1, 12, h, m, 0).unwrap()
    }

    fn d(i: usize) -> MemberId {
        mid(&format!("d-{i:04}"))
    }

    /// A city congress of `n` deputies at its first plenary with `present` checked in
    /// and the election item (2) in progress.
    fn congress(n: usize, present: usize) -> Vec<Event> {
        let mut h = with_members(n);
        schedule(&mut h, "prep", MeetingKind::Preparatory);
        schedule(&mut h, PLENARY, MeetingKind::Plenary);
        for (title, kind) in [("政府工作报告", ItemKind::Report), ("选举", ItemKind::Election)] {
            then(
                &mut h,
                Command::ProposeAgendaItem { session: S, title: title.into(), title_en: title.into(), kind },
            );
        }
        then(&mut h, Command::OpenMeeting { meeting: meet("prep") });
        then(&mut h, Command::ElectPresidium { meeting: meet("prep"), members: vec![d(1), d(2), d(3)] });
        adopt_agenda_by_hands(&mut h, n);
        then(&mut h, Command::AdjournMeeting { meeting: meet("prep") });
        then(&mut h, Command::OpenMeeting { meeting: meet(PLENARY) });
        then(
            &mut h,
            Command::CheckInMany { meeting: meet(PLENARY), members: (1..=present).map(d).collect() },
        );
        then(&mut h, Command::MoveAgendaItem { session: S, item: ITEM, to: ItemState::InProgress });
        h
    }

    fn create(office: OfficeKind, seats: u32) -> Command {
        Command::CreateElection {
            session: S,
            item: ITEM,
            title: "选举".into(),
            title_en: "Election".into(),
            office,
            seats,
            method: None,
            margin: None,
            by_election: false,
            nomination_group_size: None,
            members_only: false,
        }
    }

    fn cand(name: &str) -> CandidateDraft {
        CandidateDraft {
            name: name.into(),
            biography: format!("{name}，男，1970年生，大学学历。"),
            member: None,
        }
    }

    fn by_presidium(names: &[&str]) -> Command {
        Command::NominateCandidates {
            election: 1,
            by: Nominator::Presidium,
            candidates: names.iter().map(|n| cand(n)).collect(),
        }
    }

    fn jointly(signers: impl IntoIterator<Item = usize>, names: &[&str]) -> Command {
        Command::NominateCandidates {
            election: 1,
            by: Nominator::Deputies { members: signers.into_iter().map(d).collect() },
            candidates: names.iter().map(|n| cand(n)).collect(),
        }
    }

    /// An election of `office` for `seats`, nominated by the presidium (up to the
    /// seats) and by 20 deputies jointly (the rest), and fixed.
    fn fixed(n: usize, office: OfficeKind, seats: u32, names: &[&str]) -> Vec<Event> {
        let mut h = congress(n, n);
        then(&mut h, create(office, seats));
        let (first, rest) = names.split_at(names.len().min(seats as usize));
        then(&mut h, by_presidium(first));
        if !rest.is_empty() {
            then(&mut h, jointly(1..=20, rest));
        }
        then(&mut h, Command::FixCandidates { election: 1 });
        h
    }

    fn open_paper(issued: u32) -> Command {
        Command::OpenRound {
            tellers: Vec::new(),
            election: 1,
            meeting: meet(PLENARY),
            mode: RoundMode::Paper,
            ballots_issued: Some(issued),
            public_key: None,
            at: t(9, 0),
        }
    }

    fn ballot(yes: &[&str], no: &[&str], write_in: &[&str]) -> Ballot {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect();
        Ballot { yes: v(yes), no: v(no), abstain: Vec::new(), write_in: v(write_in), ranking: Vec::new() }
    }

    /// `k` copies of each ballot, in order.
    fn many(spec: &[(usize, Ballot)]) -> Vec<Ballot> {
        spec.iter().flat_map(|(k, b)| std::iter::repeat_n(b.clone(), *k)).collect()
    }

    /// Both tellers enter every ballot, numbered from 1.
    fn enter_twice(h: &mut Vec<Event>, round: u32, ballots: &[Ballot]) {
        let entries: Vec<PaperEntry> = ballots
            .iter()
            .enumerate()
            .map(|(i, b)| PaperEntry { ballot_no: i as u32 + 1, ballot: b.clone() })
            .collect();
        for teller in ["teller-1", "teller-2"] {
            then(
                h,
                Command::EnterPaperBallots {
                    election: 1,
                    round,
                    teller: teller.into(),
                    entries: entries.clone(),
                },
            );
        }
    }

    fn count(round: u32, returned: u32) -> Command {
        Command::CountRound {
            election: 1,
            round,
            ballots_returned: Some(returned),
            decryption: None,
            lot_order: None,
            at: t(10, 0),
        }
    }

    fn counted(events: &[Event]) -> &RoundResult {
        match events.last() {
            Some(Event::RoundCounted { result, .. }) => result,
            other => panic!("not counted: {other:?}"),
        }
    }

    fn election(h: &[Event]) -> Election {
        Assembly::replay(h).elections[&1].as_ref().clone()
    }

    #[test]
    fn a_joint_nomination_needs_20_deputies_in_writing_at_city_level_ol_art_26() {
        let mut h = congress(30, 30);
        // The statute fixes the group at 20 for a city with districts.
        let mut c = create(OfficeKind::Deputy, 2);
        if let Command::CreateElection { nomination_group_size, .. } = &mut c {
            *nomination_group_size = Some(10);
        }
        expect_rule(when(&h, c), "election.nomination_group_size", Some("OL art. 26"));
        then(&mut h, create(OfficeKind::Deputy, 2));
        assert_eq!(election(&h).nomination_group_size, 20);
        let e = expect_rule(
            when(&h, jointly(1..=19, &["甲"])),
            "election.nomination_group_too_small",
            Some("OL art. 26"),
        );
        assert!(e.message.contains("19 signed"), "{e}");
        // A signer twice, or a former deputy, does not count.
        let mut twice: Vec<usize> = (1..=19).collect();
        twice.push(1);
        expect_rule(when(&h, jointly(twice, &["甲"])), "election.signer_twice", None);
        then(&mut h, jointly(1..=20, &["甲"]));
        let el = election(&h);
        assert_eq!(el.candidates[0].name, "甲");
        assert!(matches!(&el.nominations[0].by, Nominator::Deputies { members } if members.len() == 20));
        // The nominators introduce the candidate (OL art. 26 ¶4).
        let mut no_bio = cand("乙");
        no_bio.biography = " ".into();
        let c =
            Command::NominateCandidates { election: 1, by: Nominator::Presidium, candidates: vec![no_bio] };
        expect_rule(when(&h, c), "election.biography_required", Some("OL art. 26"));
        // The same person cannot stand twice.
        expect_rule(when(&h, by_presidium(&["甲"])), "election.candidate_twice", None);
    }

    #[test]
    fn no_nominator_may_nominate_more_candidates_than_seats_ol_art_26() {
        let mut h = congress(30, 30);
        then(&mut h, create(OfficeKind::Deputy, 3));
        expect_rule(
            when(&h, by_presidium(&["甲", "乙", "丙", "丁"])),
            "election.nominator_over_seats",
            Some("OL art. 26"),
        );
        // The presidium is one nominator over all its nominations.
        then(&mut h, by_presidium(&["甲", "乙"]));
        then(&mut h, by_presidium(&["丙"]));
        expect_rule(when(&h, by_presidium(&["丁"])), "election.nominator_over_seats", Some("OL art. 26"));
        // A deputy counts every candidate of every joint nomination they signed:
        // d-0011..d-0020 signed for 2 and would add 2 more, 4 > 3 seats.
        then(&mut h, jointly(1..=20, &["戊", "己"]));
        let e = expect_rule(
            when(&h, jointly(11..=30, &["庚", "辛"])),
            "election.nominator_over_seats",
            Some("OL art. 26"),
        );
        assert!(e.message.contains("d-0011"), "{e}");
        then(&mut h, jointly(11..=30, &["庚"]));
        // A withdrawn candidacy no longer counts.
        let geng = election(&h).candidate_named("庚").unwrap().number;
        then(&mut h, Command::WithdrawCandidate { election: 1, candidate: geng, reason: "本人要求".into() });
        then(&mut h, jointly(11..=30, &["辛"]));
        let el = election(&h);
        assert_eq!(el.nominees().count(), 6);
        assert_eq!(el.candidates.iter().filter(|c| c.withdrawn.is_some()).count(), 1);
    }

    /// A nomination of deputies `ids` as candidates.
    fn deputies(by: Nominator, ids: impl IntoIterator<Item = usize>) -> Command {
        let candidates = ids
            .into_iter()
            .map(|i| CandidateDraft { member: Some(d(i)), ..cand(&format!("代表{}", d(i))) })
            .collect();
        Command::NominateCandidates { election: 1, by, candidates }
    }

    fn signers(r: std::ops::RangeInclusive<usize>) -> Nominator {
        Nominator::Deputies { members: r.map(d).collect() }
    }

    #[test]
    fn the_margin_decides_whether_the_list_is_fixed_ol_art_27() {
        // Standing committee members, 10 seats: one tenth to one fifth more, 11 or 12.
        let mut h = congress(30, 30);
        then(&mut h, create(OfficeKind::Member, 10));
        // They are elected from among the deputies (OL art. 47).
        expect_rule(when(&h, by_presidium(&["甲"])), "election.members_only", Some("OL art. 47"));
        then(&mut h, deputies(Nominator::Presidium, 1..=10));
        // Equal numbers: too few.
        let e = expect_rule(
            when(&h, Command::FixCandidates { election: 1 }),
            "election.too_few_candidates",
            Some("OL art. 27"),
        );
        assert!(e.message.contains("at least 11"), "{e}");
        then(&mut h, deputies(signers(1..=20), 11..=12));
        let within = when(&h, Command::FixCandidates { election: 1 }).unwrap();
        assert!(
            matches!(&within[0], Event::CandidatesFixed { candidates, equal: false, .. } if candidates.len() == 12)
        );
        // One more is too many: a preliminary vote is needed.
        then(&mut h, deputies(signers(11..=30), 13..=13));
        expect_rule(
            when(&h, Command::FixCandidates { election: 1 }),
            "election.preliminary_vote_needed",
            Some("OL art. 27"),
        );
        // The election method may narrow the margin, not widen it.
        let mut c = create(OfficeKind::Member, 10);
        if let Command::CreateElection { margin, .. } = &mut c {
            *margin = Some(Margin { min_extra: 1, max_extra: 3 });
        }
        expect_rule(when(&h, c), "election.margin_outside_statute", Some("OL art. 27"));
    }

    #[test]
    fn an_equal_number_election_only_for_a_head_with_one_nominee_ol_art_27() {
        // A mayor with one nominee: equal number.
        let h = fixed(30, OfficeKind::Leader, 1, &["市长候选人"]);
        let el = election(&h);
        assert!(el.fixed.as_ref().unwrap().equal);
        assert!(el.fixed.as_ref().unwrap().basis.contains("OL art. 27"));
        // A head is one seat.
        let h0 = congress(30, 30);
        expect_rule(when(&h0, create(OfficeKind::Leader, 2)), "election.leader_one_seat", Some("OL art. 27"));
        // Vice-mayors, 2 seats, 2 nominees: equal numbers are not allowed.
        let mut h = congress(30, 30);
        then(&mut h, create(OfficeKind::Deputy, 2));
        then(&mut h, by_presidium(&["甲", "乙"]));
        expect_rule(
            when(&h, Command::FixCandidates { election: 1 }),
            "election.too_few_candidates",
            Some("OL art. 27"),
        );
        // Unless it is a by-election (OL art. 30).
        let mut h = congress(30, 30);
        let mut c = create(OfficeKind::Deputy, 2);
        if let Command::CreateElection { by_election, .. } = &mut c {
            *by_election = true;
        }
        then(&mut h, c);
        then(&mut h, by_presidium(&["甲", "乙"]));
        then(&mut h, Command::FixCandidates { election: 1 });
        assert!(election(&h).fixed.unwrap().equal);
        // A head with three nominees: one more than seats at most, so a preliminary vote.
        let mut h = congress(40, 40);
        then(&mut h, create(OfficeKind::Leader, 1));
        then(&mut h, by_presidium(&["甲"]));
        then(&mut h, jointly(1..=20, &["乙"]));
        then(&mut h, jointly(21..=40, &["丙"]));
        expect_rule(
            when(&h, Command::FixCandidates { election: 1 }),
            "election.preliminary_vote_needed",
            Some("OL art. 27"),
        );
    }

    #[test]
    fn a_preliminary_vote_ranks_too_many_nominees_ol_art_27() {
        // Vice-mayors, 1 seat: 2 to 4 candidates; 5 nominees (a deputy signs for one
        // candidate at most: four groups of 20).
        let mut h = congress(80, 80);
        then(&mut h, create(OfficeKind::Deputy, 1));
        then(&mut h, by_presidium(&["甲"]));
        then(&mut h, jointly(1..=20, &["乙"]));
        then(&mut h, jointly(21..=40, &["丙"]));
        then(&mut h, jointly(41..=60, &["丁"]));
        then(&mut h, jointly(61..=80, &["戊"]));
        let pc = |v: &[u32]| -> Vec<PreliminaryCount> {
            v.iter()
                .enumerate()
                .map(|(i, votes)| PreliminaryCount { candidate: i as u32 + 1, votes: *votes })
                .collect()
        };
        // Every nominee needs a count.
        expect_rule(
            when(
                &h,
                Command::RecordPreliminaryVote { election: 1, counts: pc(&[20, 18, 15, 9]), runoff: vec![] },
            ),
            "election.preliminary_counts",
            None,
        );
        // A tie at the cut (4th place): a run-off among the tied is asked for.
        let tie =
            Command::RecordPreliminaryVote { election: 1, counts: pc(&[20, 18, 9, 15, 9]), runoff: vec![] };
        let e = expect_rule(when(&h, tie), "election.preliminary_tie", None);
        assert!(e.message.contains("丙") && e.message.contains("戊"), "{e}");
        let runoff =
            vec![PreliminaryCount { candidate: 3, votes: 12 }, PreliminaryCount { candidate: 5, votes: 17 }];
        let evs =
            when(&h, Command::RecordPreliminaryVote { election: 1, counts: pc(&[20, 18, 9, 15, 9]), runoff })
                .unwrap();
        assert!(
            matches!(&evs[1], Event::CandidatesFixed { candidates, .. } if candidates == &vec![1, 2, 4, 5])
        );
        // Without a tie: the top four, in nomination order.
        let evs = when(
            &h,
            Command::RecordPreliminaryVote { election: 1, counts: pc(&[20, 3, 9, 15, 11]), runoff: vec![] },
        )
        .unwrap();
        h.extend(evs);
        let el = election(&h);
        assert_eq!(el.fixed_names(), ["甲", "丙", "丁", "戊"]);
        assert!(el.fixed.unwrap().basis.contains("OL art. 27"));
        expect_rule(when(&h, by_presidium(&["己"])), "election.candidates_fixed", None);
    }

    #[test]
    fn a_round_opens_at_a_plenary_on_the_item_in_progress_with_a_quorum() {
        let mut h = fixed(30, OfficeKind::Leader, 1, &["甲", "乙"]);
        expect_rule(when(&h, open_paper(31)), "election.issued", None);
        expect_rule(
            when(
                &h,
                Command::OpenRound {
                    tellers: Vec::new(),
                    election: 1,
                    meeting: meet(PLENARY),
                    mode: RoundMode::Paper,
                    ballots_issued: None,
                    public_key: None,
                    at: t(9, 0),
                },
            ),
            "election.issued_required",
            None,
        );
        then(&mut h, Command::MoveAgendaItem { session: S, item: ITEM, to: ItemState::Deferred });
        expect_rule(when(&h, open_paper(30)), "election.item_not_in_progress", None);
        // Quorum: more than two thirds of all deputies present (OL art. 14).
        let mut h = congress(30, 20);
        then(&mut h, create(OfficeKind::Leader, 1));
        then(&mut h, by_presidium(&["甲"]));
        then(&mut h, Command::FixCandidates { election: 1 });
        expect_rule(when(&h, open_paper(20)), "quorum", Some("OL art. 14"));
        then(&mut h, Command::CheckIn { meeting: meet(PLENARY), member: d(21), method: CheckInMethod::Desk });
        then(&mut h, open_paper(21));
        // One vote at a time.
        expect_rule(when(&h, open_paper(21)), "election.round_open", None);
        let poll = Command::OpenPoll {
            tellers: Vec::new(),
            meeting: meet(PLENARY),
            subject: PollSubject::Item(1),
            title: "x".into(),
            title_en: "x".into(),
            rule: cn_rule(),
            mode: VoteMode::Named,
            disclosure: Disclosure::Counts,
            at: t(9, 1),
            closes_at: None,
            public_key: None,
        };
        expect_rule(when(&h, poll), "vote.one_at_a_time", None);
    }

    #[test]
    fn a_meeting_may_take_self_check_in_only_with_the_hall_code() {
        let mut h = congress(30, 20);
        let check_in = |i, method| Command::CheckIn { meeting: meet(PLENARY), member: d(i), method };
        let require = |required| Command::RequireHallCode { meeting: meet(PLENARY), required };
        // Not required: a member checks in on the phone.
        then(&mut h, check_in(21, CheckInMethod::SelfService));
        expect_rule(when(&h, require(false)), "attendance.hall_code_unchanged", None);
        then(&mut h, require(true));
        assert!(Assembly::replay(&h).meetings[&meet(PLENARY)].hall_code);
        expect_rule(when(&h, require(true)), "attendance.hall_code_unchanged", None);
        // Required: a plain self check-in is refused, naming the field; with the code,
        // or at the desk, or in bulk, it is taken.
        let e = expect_rule(when(&h, check_in(22, CheckInMethod::SelfService)), "attendance.hall_code", None);
        assert_eq!(e.field, Some("hall_code"));
        then(&mut h, check_in(22, CheckInMethod::HallCode));
        then(&mut h, check_in(23, CheckInMethod::Desk));
        then(&mut h, Command::CheckInMany { meeting: meet(PLENARY), members: vec![d(24)] });
        let a = Assembly::replay(&h);
        let present = &a.meetings[&meet(PLENARY)].attendance.present;
        assert_eq!(present[&d(22)], CheckInMethod::HallCode);
        assert_eq!(present[&d(21)], CheckInMethod::SelfService, "who checked in before keeps their method");
        // Turned off again: a plain self check-in is taken.
        then(&mut h, require(false));
        then(&mut h, check_in(25, CheckInMethod::SelfService));
        // Not on a meeting that is over.
        then(&mut h, Command::AdjournMeeting { meeting: meet(PLENARY) });
        expect_rule(when(&h, require(true)), "meeting.adjourned", None);
    }

    #[test]
    fn paper_ballots_are_entered_twice_and_a_mismatch_is_entered_again() {
        let mut h = fixed(30, OfficeKind::Deputy, 1, &["甲", "乙"]);
        then(&mut h, open_paper(3));
        let yes_a = ballot(&["甲"], &["乙"], &[]);
        let entry = |no, b: &Ballot, teller: &str| Command::EnterPaperBallot {
            election: 1,
            round: 1,
            ballot_no: no,
            teller: teller.into(),
            ballot: b.clone(),
        };
        then(&mut h, entry(1, &yes_a, "teller-1"));
        // The same teller cannot enter it again.
        expect_rule(when(&h, entry(1, &yes_a, "teller-1")), "election.same_teller", None);
        // Not a ballot number issued; not a candidate.
        expect_rule(when(&h, entry(4, &yes_a, "teller-2")), "election.ballot_number", None);
        let e = expect_rule(
            when(&h, entry(2, &ballot(&["丙"], &[], &[]), "teller-2")),
            "election.ballot_entry",
            None,
        );
        assert!(e.message.contains("丙"), "{e}");
        // The second teller reads ballot 1 otherwise: flagged, naming the ballot.
        let evs = when(&h, entry(1, &ballot(&["乙"], &["甲"], &[]), "teller-2")).unwrap();
        assert!(
            matches!(&evs[1], Event::PaperBallotMismatch { ballot_no: 1, tellers, .. } if tellers == &vec!["teller-1".to_owned(), "teller-2".to_owned()])
        );
        h.extend(evs);
        let slot: PaperSlot = election(&h).rounds[0].paper[&1].clone();
        assert!(slot.mismatch && slot.settled.is_none());
        // Ballots 2 and 3 agree at once (names in any order).
        then(&mut h, entry(2, &ballot(&["甲"], &["乙"], &[]), "teller-1"));
        then(
            &mut h,
            entry(
                2,
                &Ballot { no: vec!["乙".into()], yes: vec!["甲".into()], ..Ballot::default() },
                "teller-2",
            ),
        );
        then(&mut h, entry(3, &ballot(&[], &["甲", "乙"], &[]), "teller-1"));
        then(&mut h, entry(3, &ballot(&[], &["乙", "甲"], &[]), "teller-2"));
        let e = expect_rule(when(&h, count(1, 3)), "election.ballots_unsettled", None);
        assert!(e.message.ends_with(": 1"), "{e}");
        // A third teller's entry agreeing with the first settles it.
        then(&mut h, entry(1, &yes_a, "teller-3"));
        expect_rule(when(&h, entry(1, &yes_a, "teller-4")), "election.ballot_settled", None);
        // Entries beyond the ballots returned are an error; 3 returned count.
        expect_rule(when(&h, count(1, 2)), "election.entries_beyond_returned", None);
        let evs = when(&h, count(1, 3)).unwrap();
        let r = counted(&evs);
        assert_eq!((r.counts[0].yes, r.counts[0].no, r.counts[1].no), (2, 1, 3));
        assert_eq!(r.threshold, Some(16));
        // 2 yes of 30 deputies: nobody elected, another round follows.
        assert!(r.elected.is_empty());
        assert_eq!(r.next_round.as_ref().unwrap().kind, RoundKind::AnotherRound);
    }

    #[test]
    fn more_ballots_returned_than_issued_void_the_round_el_art_44() {
        let mut h = fixed(30, OfficeKind::Leader, 1, &["甲"]);
        then(&mut h, open_paper(28));
        // No entries are needed: the tally voids the round.
        let evs = when(&h, count(1, 29)).unwrap();
        let r = counted(&evs);
        assert!(!r.valid);
        assert!(r.reason.as_ref().unwrap().contains("EL art. 44"), "{:?}", r.reason);
        assert_eq!(r.next_round.as_ref().unwrap().kind, RoundKind::Revote);
        h.extend(evs);
        assert_eq!(election(&h).stage(), ElectionStage::NextRoundDue);
        then(&mut h, open_paper(28));
        let round = &election(&h).rounds[1];
        assert_eq!(
            (round.kind, round.candidates.clone(), round.seats),
            (RoundKind::Revote, vec!["甲".to_owned()], 1)
        );
        enter_twice(&mut h, 2, &many(&[(25, ballot(&["甲"], &[], &[])), (3, ballot(&[], &["甲"], &[]))]));
        then(&mut h, count(2, 28));
        let el = election(&h);
        assert_eq!(el.stage(), ElectionStage::Completed);
        assert_eq!(el.elected[0].name, "甲");
        assert_eq!((el.elected[0].yes, el.elected[0].round, el.elected[0].candidate), (25, 2, Some(1)));
    }

    #[test]
    fn a_ballot_choosing_more_people_than_seats_is_void_el_art_44() {
        let mut h = fixed(30, OfficeKind::Deputy, 1, &["甲", "乙"]);
        then(&mut h, open_paper(30));
        let ballots = many(&[
            (17, ballot(&["甲"], &[], &[])),
            (2, ballot(&["甲", "乙"], &[], &[])),
            (11, ballot(&["乙"], &[], &[])),
        ]);
        enter_twice(&mut h, 1, &ballots);
        let evs = when(&h, count(1, 30)).unwrap();
        let r = counted(&evs);
        assert_eq!(r.ballots_invalid, 2);
        assert_eq!(r.void_ballots.iter().map(|v| v.ballot_no).collect::<Vec<_>>(), [18, 19]);
        assert!(r.void_ballots[0].reason.contains("EL art. 44"), "{}", r.void_ballots[0].reason);
        assert_eq!(r.elected, ["甲"]);
    }

    #[test]
    fn a_tie_at_the_last_seat_goes_to_a_fresh_vote_among_the_tied_ol_art_29() {
        let mut h = fixed(30, OfficeKind::Deputy, 2, &["甲", "乙", "丙"]);
        then(&mut h, open_paper(30));
        // 甲 20, 乙 17, 丙 17: 甲 elected, 乙 and 丙 tie for the last seat.
        let ballots = many(&[
            (10, ballot(&["甲", "乙"], &["丙"], &[])),
            (10, ballot(&["甲", "丙"], &["乙"], &[])),
            (7, ballot(&["乙", "丙"], &["甲"], &[])),
            (3, ballot(&[], &[], &[])),
        ]);
        enter_twice(&mut h, 1, &ballots);
        let evs = when(&h, count(1, 30)).unwrap();
        let r = counted(&evs);
        assert_eq!(r.elected, ["甲"]);
        let next = r.next_round.as_ref().unwrap();
        assert_eq!(
            (next.kind, next.candidates.clone(), next.seats),
            (RoundKind::TieRunoff, vec!["乙".to_owned(), "丙".to_owned()], 1)
        );
        assert!(next.basis.contains("OL art. 29"), "{}", next.basis);
        h.extend(evs);
        then(&mut h, open_paper(30));
        let round = &election(&h).rounds[1];
        assert_eq!((round.kind, round.seats, round.candidates.len()), (RoundKind::TieRunoff, 1, 2));
        enter_twice(
            &mut h,
            2,
            &many(&[(17, ballot(&["丙"], &["乙"], &[])), (13, ballot(&["乙"], &["丙"], &[]))]),
        );
        then(&mut h, count(2, 30));
        let el = election(&h);
        assert_eq!(el.elected.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["甲", "丙"]);
        assert_eq!(el.stage(), ElectionStage::Completed);
        expect_rule(when(&h, open_paper(30)), "election.completed", None);
    }

    #[test]
    fn fewer_elected_than_seats_go_to_another_round_ol_art_29() {
        let mut h = fixed(30, OfficeKind::Deputy, 2, &["甲", "乙", "丙", "丁"]);
        then(&mut h, open_paper(30));
        // Only 甲 passes 16 (more than half of all 30 deputies).
        let ballots = many(&[
            (10, ballot(&["甲", "乙"], &[], &[])),
            (9, ballot(&["甲", "丙"], &[], &[])),
            (5, ballot(&["丁"], &[], &[])),
            (6, ballot(&[], &[], &[])),
        ]);
        enter_twice(&mut h, 1, &ballots);
        let evs = when(&h, count(1, 30)).unwrap();
        let r = counted(&evs);
        assert_eq!(r.elected, ["甲"]);
        let next = r.next_round.as_ref().unwrap();
        // One seat left, one more candidate: the two best-placed unelected.
        assert_eq!(
            (next.kind, next.candidates.clone(), next.seats),
            (RoundKind::AnotherRound, vec!["乙".to_owned(), "丙".to_owned()], 1)
        );
        h.extend(evs);
        then(&mut h, open_paper(29));
        enter_twice(&mut h, 2, &many(&[(16, ballot(&["丙"], &[], &[])), (13, ballot(&["乙"], &[], &[]))]));
        then(&mut h, count(2, 29));
        let el = election(&h);
        assert_eq!(
            el.elected.iter().map(|e| (e.name.as_str(), e.round)).collect::<Vec<_>>(),
            [("甲", 1), ("丙", 2)]
        );
        assert_eq!(el.rounds[1].kind, RoundKind::AnotherRound);
    }

    #[test]
    fn another_round_takes_the_margin_for_the_seats_left_el_art_31() {
        // Deputies to the provincial congress, 10 seats: a fifth to a half more
        // (EL art. 31 ¶2), joint nominations by 10 deputies (EL art. 30 ¶2).
        let names: Vec<String> = (1..=12).map(|i| format!("候选人{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut h = congress(30, 30);
        then(&mut h, create(OfficeKind::HigherLevelDeputies, 10));
        assert_eq!(election(&h).nomination_group_size, 10);
        expect_rule(
            when(&h, jointly(1..=9, &refs[..1])),
            "election.nomination_group_too_small",
            Some("EL art. 30"),
        );
        then(&mut h, by_presidium(&refs[..10]));
        expect_rule(
            when(&h, Command::FixCandidates { election: 1 }),
            "election.too_few_candidates",
            Some("EL art. 31"),
        );
        then(&mut h, jointly(1..=10, &refs[10..]));
        then(&mut h, Command::FixCandidates { election: 1 });
        then(&mut h, open_paper(30));
        // Nine pass; one seat is left: a fifth of one rounds up to one more candidate,
        // not the two that ten seats would take.
        enter_twice(
            &mut h,
            1,
            &many(&[
                (16, ballot(&refs[..9], &[], &[])),
                (10, ballot(&refs[9..], &[], &[])),
                (4, ballot(&refs[9..11], &[], &[])),
            ]),
        );
        let evs = when(&h, count(1, 30)).unwrap();
        let r = counted(&evs);
        assert_eq!(r.elected.len(), 9);
        let next = r.next_round.as_ref().unwrap();
        assert_eq!(
            (next.seats, next.candidates.clone()),
            (1, vec![names[9].clone(), names[10].clone()]),
            "{}",
            next.basis
        );
    }

    #[test]
    fn a_written_in_person_can_win_on_paper_ol_art_28() {
        let mut h = fixed(30, OfficeKind::Deputy, 1, &["甲", "乙"]);
        then(&mut h, open_paper(30));
        let ballots = many(&[
            (17, ballot(&[], &["甲", "乙"], &["王五"])),
            (8, ballot(&["甲"], &["乙"], &[])),
            (5, ballot(&["乙"], &["甲"], &[])),
        ]);
        enter_twice(&mut h, 1, &ballots);
        then(&mut h, count(1, 30));
        let el = election(&h);
        assert_eq!(el.elected.len(), 1);
        assert_eq!(
            (el.elected[0].name.as_str(), el.elected[0].yes, el.elected[0].candidate),
            ("王五", 17, None)
        );
        let r = el.rounds[0].result.as_ref().unwrap();
        assert!(r.counts.iter().any(|c| c.candidate == "王五" && c.write_in));
    }

    #[test]
    fn an_electronic_secret_round_keeps_no_choice_and_counts_only_verified_sums() {
        let mut h = fixed(30, OfficeKind::Deputy, 1, &["甲", "乙"]);
        let open = |key: Option<String>| Command::OpenRound {
            tellers: Vec::new(),
            election: 1,
            meeting: meet(PLENARY),
            mode: RoundMode::Electronic,
            ballots_issued: None,
            public_key: key,
            at: t(9, 0),
        };
        expect_rule(when(&h, open(None)), "election.key_required", None);
        let (public, secret) = sealed::new_key().unwrap();
        then(&mut h, open(Some(public.clone())));
        let a = Assembly::replay(&h);
        // The server refuses marks that would make a void ballot (EL art. 44 ¶2).
        expect_rule(
            check_marks(&a, 1, &[Choice::Yes, Choice::Yes]).map(|_| vec![]),
            "election.too_many_chosen",
            Some("EL art. 44 ¶2"),
        );
        expect_rule(check_marks(&a, 1, &[Choice::Yes]).map(|_| vec![]), "election.marks", None);
        // 20 for 甲, 8 for 乙, 1 against both, 1 abstains on both.
        let mut marks = vec![[Choice::Yes, Choice::No]; 20];
        marks.extend(vec![[Choice::No, Choice::Yes]; 8]);
        marks.push([Choice::No, Choice::No]);
        marks.push([Choice::Abstain, Choice::Abstain]);
        for (i, m) in marks.iter().enumerate() {
            check_marks(&a, 1, m).unwrap();
            let ballots = sealed::encrypt_marks(&public, 1, 1, m).unwrap();
            then(
                &mut h,
                Command::CastElectionBallot {
                    election: 1,
                    round: 1,
                    member: d(i + 1),
                    ballots,
                    slate: None,
                    at: t(9, 1),
                },
            );
        }
        let again = sealed::encrypt_marks(&public, 1, 1, &marks[0]).unwrap();
        expect_rule(
            when(
                &h,
                Command::CastElectionBallot {
                    election: 1,
                    round: 1,
                    member: d(1),
                    ballots: again,
                    slate: None,
                    at: t(9, 2),
                },
            ),
            "election.already_voted",
            None,
        );
        // Paper entries do not go into an electronic round.
        expect_rule(
            when(
                &h,
                Command::EnterPaperBallot {
                    election: 1,
                    round: 1,
                    ballot_no: 1,
                    teller: "x".into(),
                    ballot: Ballot::default(),
                },
            ),
            "election.round_mode",
            None,
        );
        // The state and the journal know who voted, never what.
        let round = election(&h).rounds[0].clone();
        assert_eq!(round.voted.len(), 30);
        assert_eq!(round.sealed.len(), 30);
        for e in h.iter().filter(|e| e.kind() == "ElectionBallotCast") {
            let (_, payload) = e.to_payload().unwrap();
            for w in ["甲", "乙", "\"yes\"", "\"no\"", "\"abstain\""] {
                assert!(!payload.contains(w), "{w} in {payload:.200}");
            }
        }
        let state = serde_json::to_string(&round).unwrap();
        assert!(!state.contains("\"yes\":[") && !state.contains(":\"yes\""), "{state:.300}");
        let cmd = |d: Option<RoundDecryption>| Command::CountRound {
            election: 1,
            round: 1,
            ballots_returned: None,
            decryption: d,
            lot_order: None,
            at: t(9, 30),
        };
        expect_rule(when(&h, cmd(None)), "election.decryption_required", None);
        let (totals, proof) = sealed::decrypt_round(&public, &secret, 1, 1, 2, &round.sealed).unwrap();
        assert_eq!(totals[0], Totals { yes: 20, no: 9, abstain: 1 });
        let mut lie = totals.clone();
        lie.swap(0, 1);
        expect_rule(
            when(&h, cmd(Some(RoundDecryption { totals: lie, proof: proof.clone() }))),
            "election.decryption_invalid",
            None,
        );
        let evs = when(&h, cmd(Some(RoundDecryption { totals, proof }))).unwrap();
        let Event::RoundCounted { result, elected, decryption, .. } = &evs[0] else { panic!("{evs:?}") };
        assert!(decryption.is_some());
        assert_eq!(result.ballots_returned, 30);
        assert_eq!((result.counts[0].yes, result.counts[1].yes), (20, 8));
        assert_eq!(elected[0].name, "甲");
        h.extend(evs);
        assert_eq!(election(&h).stage(), ElectionStage::Completed);
    }

    // ---- electronic rounds whose key the session's tellers hold (EL art. 43) ---------

    /// `fixed(30, Deputy, seats, names)`, and d-0001, d-0002, … appointed tellers, one
    /// per key in `keys`, each key registered by its teller.
    fn fixed_with_tellers(keys: &[(String, String)], seats: u32, names: &[&str]) -> Vec<Event> {
        let mut h = fixed(30, OfficeKind::Deputy, seats, names);
        then(&mut h, appoint(&(1..=keys.len()).collect::<Vec<_>>()));
        for (i, (public, _)) in keys.iter().enumerate() {
            then(&mut h, register(i + 1, public));
        }
        h
    }

    /// An electronic round of election 1 encrypted to `public_key`, held by `tellers`.
    fn open_by_tellers(public_key: &str, tellers: &[usize]) -> Command {
        Command::OpenRound {
            election: 1,
            meeting: meet(PLENARY),
            mode: RoundMode::Electronic,
            ballots_issued: None,
            public_key: Some(public_key.to_owned()),
            tellers: tellers.iter().map(|i| d(*i)).collect(),
            at: t(9, 0),
        }
    }

    fn cast_marks(public_key: &str, round: u32, member: usize, marks: &[Choice]) -> Command {
        Command::CastElectionBallot {
            election: 1,
            round,
            member: d(member),
            ballots: sealed::encrypt_marks(public_key, 1, round, marks).unwrap(),
            slate: None,
            at: t(9, 1),
        }
    }

    /// The close of a round held by tellers, at 9:30: no decryption, no count given.
    fn close(round: u32) -> Command {
        Command::CountRound {
            election: 1,
            round,
            ballots_returned: None,
            decryption: None,
            lot_order: None,
            at: t(9, 30),
        }
    }

    /// Teller `teller`'s share, made with `secret`, of round `round`'s sums.
    fn round_share_of(h: &[Event], public_key: &str, secret: &str, round: u32, teller: usize) -> Command {
        let r = election(h).rounds[round as usize - 1].clone();
        let share = sealed::round_share(public_key, secret, 1, round, r.candidates.len(), &r.sealed).unwrap();
        Command::SubmitRoundShare { election: 1, round, member: d(teller), share }
    }

    #[test]
    fn a_round_held_by_tellers_is_held_by_the_sessions_tellers_in_their_order_el_art_43() {
        let keys = teller_keys(3);
        let public = joint(&keys);
        let h = fixed_with_tellers(&keys, 1, &["甲", "乙"]);
        for tellers in [&[3, 2, 1][..], &[1, 2], &[1, 2, 3, 4], &[1, 2, 4]] {
            let e = expect_rule(
                when(&h, open_by_tellers(&public, tellers)),
                "election.tellers_mismatch",
                Some("EL art. 43"),
            );
            assert_eq!(e.field, Some("tellers"), "{tellers:?}");
        }
        // A session without tellers has no round held by tellers.
        let bare = fixed(30, OfficeKind::Deputy, 1, &["甲", "乙"]);
        expect_rule(
            when(&bare, open_by_tellers(&public, &[1, 2, 3])),
            "election.tellers_mismatch",
            Some("EL art. 43"),
        );
        // Tellers, but no key at all: not their joint key.
        let mut c = open_by_tellers(&public, &[1, 2, 3]);
        if let Command::OpenRound { public_key, .. } = &mut c {
            *public_key = None;
        }
        expect_rule(when(&h, c), "election.key_mismatch", None);
        let evs = when(&h, open_by_tellers(&public, &[1, 2, 3])).unwrap();
        let [Event::RoundOpened { round: 1, tellers, public_key, kind: RoundKind::First, .. }] =
            evs.as_slice()
        else {
            panic!("{evs:?}")
        };
        assert_eq!(tellers, &vec![d(1), d(2), d(3)]);
        assert_eq!(public_key.as_deref(), Some(public.as_str()));
        let mut h = h;
        h.extend(evs);
        let r = election(&h).rounds[0].clone();
        assert_eq!((r.state, r.tellers.len(), r.shares.len()), (RoundState::Open, 3, 0));
    }

    #[test]
    fn a_round_held_by_tellers_waits_for_every_tellers_key_el_art_43() {
        let keys = teller_keys(3);
        let mut h = fixed(30, OfficeKind::Deputy, 1, &["甲", "乙"]);
        then(&mut h, appoint(&[1, 2, 3]));
        then(&mut h, register(1, &keys[0].0));
        then(&mut h, register(3, &keys[2].0));
        let some = sealed::joint_key(&[keys[0].0.clone(), keys[2].0.clone()]).unwrap();
        for public in [some, joint(&keys)] {
            let e = expect_rule(
                when(&h, open_by_tellers(&public, &[1, 2, 3])),
                "election.teller_key_missing",
                Some("EL art. 43"),
            );
            assert!(e.message.contains("d-0002"), "{e}");
            assert_eq!(e.field, Some("tellers"));
        }
        then(&mut h, register(2, &keys[1].0));
        then(&mut h, open_by_tellers(&joint(&keys), &[1, 2, 3]));
        assert_eq!(election(&h).rounds[0].tellers, vec![d(1), d(2), d(3)]);
    }

    #[test]
    fn a_round_held_by_tellers_is_encrypted_to_their_joint_key() {
        let keys = teller_keys(3);
        let h = fixed_with_tellers(&keys, 1, &["甲", "乙"]);
        let (other, _) = sealed::new_key().unwrap();
        // Another key, the tellers' keys in another order, only some of them, one of
        // them, or garbage.
        let reordered = joint(&[keys[1].clone(), keys[0].clone(), keys[2].clone()]);
        let some = joint(&keys[..2]);
        for public in [other, reordered, some, keys[0].0.clone(), "not a key".into()] {
            let e =
                expect_rule(when(&h, open_by_tellers(&public, &[1, 2, 3])), "election.key_mismatch", None);
            assert_eq!(e.field, Some("public_key"));
        }
        assert!(when(&h, open_by_tellers(&joint(&keys), &[1, 2, 3])).is_ok());
    }

    #[test]
    fn a_round_is_not_held_by_tellers_whose_keys_do_not_combine() {
        // Registration refuses a key another teller holds; a journal holding one
        // anyway (written before that rule, or by hand) still opens no round on it.
        let keys = teller_keys(2);
        let mut h = fixed(30, OfficeKind::Deputy, 1, &["甲", "乙"]);
        then(&mut h, appoint(&[1, 2]));
        for member in [1, 2] {
            h.push(Event::TellerKeyRegistered { session: S, member: d(member), key: keys[0].0.clone() });
        }
        let public = format!("{0};{0}", keys[0].0);
        let e = expect_rule(when(&h, open_by_tellers(&public, &[1, 2])), "election.key_invalid", None);
        assert_eq!(e.field, Some("tellers"));
    }

    #[test]
    fn a_teller_whose_mandate_ended_cannot_hold_a_round_key_dl_art_62() {
        let keys = teller_keys(2);
        let mut h = fixed_with_tellers(&keys, 1, &["甲", "乙"]);
        then(
            &mut h,
            Command::ChangeMemberStatus {
                member: d(2),
                status: MemberStatus::Resigned,
                reason: "辞职".into(),
                effective_on: date(2022, 1, 10),
            },
        );
        expect_rule(
            when(&h, open_by_tellers(&joint(&keys), &[1, 2])),
            "member.mandate_ended",
            Some("DL art. 62"),
        );
    }

    #[test]
    fn a_paper_round_has_no_key_and_no_tellers() {
        let keys = teller_keys(2);
        let h = fixed_with_tellers(&keys, 1, &["甲", "乙"]);
        let paper = |public_key: Option<String>, tellers: Vec<MemberId>| Command::OpenRound {
            election: 1,
            meeting: meet(PLENARY),
            mode: RoundMode::Paper,
            ballots_issued: Some(30),
            public_key,
            tellers,
            at: t(9, 0),
        };
        for (key, tellers) in [(Some(joint(&keys)), vec![d(1), d(2)]), (None, vec![d(1), d(2)])] {
            let e = expect_rule(when(&h, paper(key, tellers)), "election.key_unexpected", None);
            assert_eq!(e.field, Some("public_key"));
        }
        // The paper tellers who enter the ballots are named with each entry.
        let evs = when(&h, paper(None, Vec::new())).unwrap();
        assert!(matches!(evs.as_slice(), [Event::RoundOpened { mode: RoundMode::Paper, .. }]), "{evs:?}");
    }

    #[test]
    fn an_electronic_ballot_is_cast_once_and_never_copied() {
        let keys = teller_keys(2);
        let public = joint(&keys);
        let mut h = fixed_with_tellers(&keys, 1, &["甲", "乙"]);
        then(&mut h, open_by_tellers(&public, &[1, 2]));
        let mine = sealed::encrypt_marks(&public, 1, 1, &[Choice::Yes, Choice::No]).unwrap();
        let cast = |member: usize, ballots: Vec<String>| Command::CastElectionBallot {
            election: 1,
            round: 1,
            member: d(member),
            ballots,
            slate: None,
            at: t(9, 1),
        };
        then(&mut h, cast(5, mine.clone()));
        // Another member casting a copy would count those marks twice.
        let e = expect_rule(when(&h, cast(6, mine.clone())), "ballot.copy", None);
        assert_eq!(e.field, Some("ballots"));
        // Fresh ballots of the same marks are fine.
        then(&mut h, cast(6, sealed::encrypt_marks(&public, 1, 1, &[Choice::Yes, Choice::No]).unwrap()));
        assert_eq!(election(&h).rounds[0].sealed.len(), 2);
    }

    #[test]
    fn a_round_held_by_tellers_is_counted_from_every_tellers_verified_share_el_art_43() {
        use Choice::{Abstain as A, No as N, Yes as Y};
        let keys = teller_keys(3);
        let public = joint(&keys);
        let mut h = fixed_with_tellers(&keys, 2, &["甲", "乙", "丙"]);
        then(&mut h, open_by_tellers(&public, &[1, 2, 3]));
        // 甲: 17 yes, 2 no, 1 abstains; 乙: 19 yes, 1 no; 丙: 3 yes, 17 no.
        let mut marks = vec![[Y, Y, N]; 17];
        marks.extend([[N, Y, Y], [N, Y, Y], [A, N, Y]]);
        for (i, m) in marks.iter().enumerate() {
            then(&mut h, cast_marks(&public, 1, i + 1, m));
        }

        // While open: no share, no void, and no decryption from the server even a true one.
        expect_rule(when(&h, round_share_of(&h, &public, &keys[0].1, 1, 1)), "election.not_counting", None);
        let void = |reason: &str| Command::VoidRoundCount {
            election: 1,
            round: 1,
            reason: reason.into(),
            at: t(10, 0),
        };
        let e = expect_rule(when(&h, void("密钥丢失")), "election.not_counting", None);
        assert_eq!(e.field, Some("round"));
        let sealed_now = election(&h).rounds[0].sealed.clone();
        let shares: Vec<String> = keys
            .iter()
            .map(|(_, secret)| sealed::round_share(&public, secret, 1, 1, 3, &sealed_now).unwrap())
            .collect();
        let (totals, proof) = sealed::combine_round(&public, 1, 1, 3, &sealed_now, &shares).unwrap();
        let mut given = close(1);
        if let Command::CountRound { decryption, .. } = &mut given {
            *decryption = Some(RoundDecryption { totals: totals.clone(), proof });
        }
        let e = expect_rule(when(&h, given), "election.tellers_decrypt", Some("EL art. 43"));
        assert_eq!(e.field, Some("decryption"));
        let mut returned = close(1);
        if let Command::CountRound { ballots_returned, .. } = &mut returned {
            *ballots_returned = Some(20);
        }
        expect_rule(when(&h, returned), "election.returned_unexpected", None);

        // The close starts the count: no more ballots, no second close, no other round.
        let evs = when(&h, close(1)).unwrap();
        assert!(
            matches!(
                evs.as_slice(),
                [Event::RoundCountStarted { election: 1, round: 1, lot_order: None, .. }]
            ),
            "{evs:?}"
        );
        h.extend(evs);
        let el = election(&h);
        assert_eq!(el.rounds[0].state, RoundState::Counting);
        assert_eq!(el.stage(), ElectionStage::Counting);
        assert!(el.open_round().is_none());
        assert_eq!(el.rounds[0].result, None);
        assert!(el.elected.is_empty());
        expect_rule(when(&h, cast_marks(&public, 1, 21, &[Y, N, N])), "election.round_counted", None);
        expect_rule(when(&h, close(1)), "election.round_counted", None);
        expect_rule(when(&h, open_by_tellers(&public, &[1, 2, 3])), "election.round_counting", None);
        // Nor can its tellers be replaced until it is counted.
        expect_rule(when(&h, super::appoint(&[1, 2, 4])), "tellers.poll_pending", None);

        // A member who is not a teller, even with a teller's true share.
        let e = expect_rule(
            when(&h, round_share_of(&h, &public, &keys[0].1, 1, 4)),
            "election.not_teller",
            Some("EL art. 43"),
        );
        assert_eq!(e.field, Some("member"));
        // Teller 2's share, sent as teller 1's.
        let e = expect_rule(
            when(&h, round_share_of(&h, &public, &keys[1].1, 1, 1)),
            "election.share_invalid",
            None,
        );
        assert_eq!(e.field, Some("share"));
        // Garbage, an empty share, a share of another round's sums or of only some of
        // the ballots, a share for too few candidates, and one of a poll's sum.
        let garbage =
            |share: String| Command::SubmitRoundShare { election: 1, round: 1, member: d(1), share };
        let other_round = sealed::round_share(&public, &keys[0].1, 1, 2, 3, &sealed_now).unwrap();
        let some = sealed::round_share(&public, &keys[0].1, 1, 1, 3, &sealed_now[..19]).unwrap();
        let two: Vec<Vec<String>> = sealed_now.iter().map(|b| b[..2].to_vec()).collect();
        let too_few = sealed::round_share(&public, &keys[0].1, 1, 1, 2, &two).unwrap();
        let poll = sealed::share(&public, &keys[0].1, &[sealed::encrypt(&public, Y).unwrap()]).unwrap();
        for bad in [
            "not a share".to_owned(),
            String::new(),
            "  ".into(),
            "ab".repeat(600_000),
            other_round,
            some,
            too_few,
            poll,
        ] {
            let e = expect_rule(when(&h, garbage(bad.clone())), "election.share_invalid", None);
            assert_eq!(e.field, Some("share"), "{bad:.80}");
        }

        // Tellers 1 and 2: still counting, no result.
        for teller in [1, 2] {
            let evs = when(&h, round_share_of(&h, &public, &keys[teller - 1].1, 1, teller)).unwrap();
            assert!(matches!(evs.as_slice(), [Event::RoundShareSubmitted { round: 1, .. }]), "{evs:?}");
            h.extend(evs);
            let el = election(&h);
            assert_eq!(el.rounds[0].state, RoundState::Counting);
            assert_eq!(el.rounds[0].result, None);
            assert_eq!(el.rounds[0].shares.len(), teller);
        }
        let e =
            expect_rule(when(&h, round_share_of(&h, &public, &keys[0].1, 1, 1)), "election.share_sent", None);
        assert_eq!(e.field, Some("member"));

        // The last share counts the round from the decrypted sums.
        let evs = when(&h, round_share_of(&h, &public, &keys[2].1, 1, 3)).unwrap();
        let [
            Event::RoundShareSubmitted { member, share, .. },
            Event::RoundCounted { round: 1, result, elected, decryption, counted_at, .. },
        ] = evs.as_slice()
        else {
            panic!("{evs:?}")
        };
        assert_eq!(member, &d(3));
        assert_eq!(*counted_at, t(9, 30));
        let got: Vec<(&str, u32, u32, u32)> =
            result.counts.iter().map(|c| (c.candidate.as_str(), c.yes, c.no, c.abstain)).collect();
        assert_eq!(got, [("甲", 17, 2, 1), ("乙", 19, 1, 0), ("丙", 3, 17, 0)]);
        assert_eq!(result.ballots_returned, 20);
        assert_eq!(result.elected, ["乙", "甲"]);
        assert_eq!(elected.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["乙", "甲"]);
        assert_eq!(totals[2], Totals { yes: 3, no: 17, abstain: 0 });
        // The proof is the shares in the tellers' order, and anyone can check it.
        let proof = decryption.clone().unwrap();
        let round = election(&h).rounds[0].clone();
        let parts: Vec<&str> = proof.split(';').collect();
        assert_eq!(parts, [round.shares[&d(1)].as_str(), round.shares[&d(2)].as_str(), share.as_str()]);
        sealed::verify_round(&public, 1, 1, 3, &round.sealed, &totals, &proof).unwrap();
        let mut lie = totals.clone();
        lie.swap(0, 1);
        assert!(sealed::verify_round(&public, 1, 1, 3, &round.sealed, &lie, &proof).is_err());
        h.extend(evs.clone());

        let el = election(&h);
        assert_eq!(el.rounds[0].state, RoundState::Counted);
        assert_eq!(el.rounds[0].decryption.as_deref(), Some(proof.as_str()));
        assert_eq!(el.stage(), ElectionStage::Completed);
        expect_rule(when(&h, round_share_of(&h, &public, &keys[2].1, 1, 3)), "election.not_counting", None);
        expect_rule(when(&h, void("太晚")), "election.not_counting", None);
        // Every event of the count survives its stored form.
        for e in &h {
            let (kind, payload) = e.to_payload().unwrap();
            assert_eq!(&Event::from_payload(kind, &payload).unwrap(), e, "{kind}");
        }
    }

    #[test]
    fn a_round_its_tellers_cannot_decrypt_is_void_and_held_again_as_it_was() {
        let keys = teller_keys(2);
        let public = joint(&keys);
        let mut h = fixed_with_tellers(&keys, 2, &["甲", "乙", "丙", "丁"]);
        // Round 1 on paper elects 甲 only; round 2 is another round between 乙 and 丙.
        then(&mut h, open_paper(30));
        let ballots = many(&[
            (10, ballot(&["甲", "乙"], &[], &[])),
            (9, ballot(&["甲", "丙"], &[], &[])),
            (5, ballot(&["丁"], &[], &[])),
            (6, ballot(&[], &[], &[])),
        ]);
        enter_twice(&mut h, 1, &ballots);
        then(&mut h, count(1, 30));
        then(&mut h, open_by_tellers(&public, &[1, 2]));
        let opened = election(&h).rounds[1].clone();
        assert_eq!(
            (opened.kind, opened.candidates.clone(), opened.seats),
            (RoundKind::AnotherRound, vec!["乙".to_owned(), "丙".to_owned()], 1)
        );
        for member in 1..=10 {
            then(&mut h, cast_marks(&public, 2, member, &[Choice::Yes, Choice::No]));
        }
        then(&mut h, close(2));
        let share = round_share_of(&h, &public, &keys[0].1, 2, 1);
        then(&mut h, share);
        // Teller 2 lost their key: the chair declares the round void, with a reason.
        let void = |reason: &str| Command::VoidRoundCount {
            election: 1,
            round: 2,
            reason: reason.into(),
            at: t(10, 0),
        };
        let e = expect_rule(when(&h, void("  ")), "text.required", None);
        assert_eq!(e.field, Some("reason"));
        expect_rule(
            when(&h, Command::VoidRoundCount { election: 1, round: 3, reason: "x".into(), at: t(10, 0) }),
            "election.round_unknown",
            None,
        );
        expect_rule(
            when(&h, Command::VoidRoundCount { election: 1, round: 1, reason: "x".into(), at: t(10, 0) }),
            "election.not_counting",
            None,
        );
        let evs = when(&h, void(" 监票人密钥丢失 ")).unwrap();
        assert!(matches!(evs.as_slice(), [Event::RoundVoided { round: 2, .. }]), "{evs:?}");
        h.extend(evs);
        let el = election(&h);
        assert_eq!(el.rounds[1].state, RoundState::Void);
        assert_eq!(el.rounds[1].void_reason.as_deref(), Some("监票人密钥丢失"));
        assert_eq!(el.rounds[1].result, None);
        assert_eq!(el.elected.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["甲"]);
        expect_rule(when(&h, void("再次")), "election.not_counting", None);
        expect_rule(when(&h, round_share_of(&h, &public, &keys[1].1, 2, 2)), "election.not_counting", None);
        expect_rule(
            when(&h, cast_marks(&public, 2, 11, &[Choice::Yes, Choice::No])),
            "election.round_counted",
            None,
        );

        // The same round is held again: same kind, candidates and seats, as round 3.
        then(&mut h, open_by_tellers(&public, &[1, 2]));
        let again = election(&h).rounds[2].clone();
        assert_eq!(again.number, 3);
        assert_eq!(again.state, RoundState::Open);
        assert_eq!(
            (again.kind, again.candidates.clone(), again.seats),
            (opened.kind, opened.candidates.clone(), opened.seats)
        );
        assert!(again.sealed.is_empty() && again.voted.is_empty() && again.shares.is_empty());
        // Who voted in the void round votes again; its ballots stay out of the count.
        for member in 1..=16 {
            then(&mut h, cast_marks(&public, 3, member, &[Choice::No, Choice::Yes]));
        }
        for member in 17..=29 {
            then(&mut h, cast_marks(&public, 3, member, &[Choice::Yes, Choice::No]));
        }
        then(&mut h, close(3));
        for teller in [2, 1] {
            let share = round_share_of(&h, &public, &keys[teller - 1].1, 3, teller);
            then(&mut h, share);
        }
        let el = election(&h);
        let r = el.rounds[2].result.as_ref().unwrap();
        let got: Vec<(&str, u32, u32, u32)> =
            r.counts.iter().map(|c| (c.candidate.as_str(), c.yes, c.no, c.abstain)).collect();
        assert_eq!(got, [("乙", 13, 16, 0), ("丙", 16, 13, 0)]);
        assert_eq!(
            el.elected.iter().map(|e| (e.name.as_str(), e.round)).collect::<Vec<_>>(),
            [("甲", 1), ("丙", 3)]
        );
        assert_eq!(el.stage(), ElectionStage::Completed);
        let totals: Vec<Totals> =
            r.counts.iter().map(|c| Totals { yes: c.yes, no: c.no, abstain: c.abstain }).collect();
        sealed::verify_round(
            &public,
            1,
            3,
            2,
            &el.rounds[2].sealed,
            &totals,
            el.rounds[2].decryption.as_deref().unwrap(),
        )
        .unwrap();
        assert_eq!(el.rounds[1].state, RoundState::Void);
        for e in &h {
            let (kind, payload) = e.to_payload().unwrap();
            assert_eq!(&Event::from_payload(kind, &payload).unwrap(), e, "{kind}");
        }
    }

    #[test]
    fn a_server_held_round_is_counted_at_once_even_when_the_session_has_tellers() {
        let keys = teller_keys(2);
        let mut h = fixed_with_tellers(&keys, 1, &["甲", "乙"]);
        let (public, secret) = sealed::new_key().unwrap();
        then(
            &mut h,
            Command::OpenRound {
                election: 1,
                meeting: meet(PLENARY),
                mode: RoundMode::Electronic,
                ballots_issued: None,
                public_key: Some(public.clone()),
                tellers: Vec::new(),
                at: t(9, 0),
            },
        );
        for member in 1..=20 {
            then(&mut h, cast_marks(&public, 1, member, &[Choice::Yes, Choice::No]));
        }
        assert!(election(&h).rounds[0].tellers.is_empty());
        expect_rule(when(&h, close(1)), "election.decryption_required", None);
        let sealed_now = election(&h).rounds[0].sealed.clone();
        let (totals, proof) = sealed::decrypt_round(&public, &secret, 1, 1, 2, &sealed_now).unwrap();
        let mut c = close(1);
        if let Command::CountRound { decryption, .. } = &mut c {
            *decryption = Some(RoundDecryption { totals, proof });
        }
        let evs = when(&h, c).unwrap();
        assert!(matches!(evs.as_slice(), [Event::RoundCounted { round: 1, .. }]), "{evs:?}");
        h.extend(evs);
        assert_eq!(election(&h).rounds[0].state, RoundState::Counted);
        expect_rule(when(&h, round_share_of(&h, &public, &secret, 1, 1)), "election.not_counting", None);
    }

    #[test]
    fn a_congress_elects_by_more_than_half_of_all_deputies_only_ol_art_25() {
        let h = congress(30, 30);
        let mut c = create(OfficeKind::Deputy, 1);
        if let Command::CreateElection { method, .. } = &mut c {
            *method = Some(ElectionMethod::RobertsRules);
        }
        expect_rule(when(&h, c), "election.method", Some("OL art. 25"));
    }

    #[test]
    fn election_events_round_trip_through_their_stored_form() {
        let mut h = fixed(30, OfficeKind::Deputy, 1, &["甲", "乙"]);
        then(&mut h, open_paper(30));
        enter_twice(
            &mut h,
            1,
            &many(&[(20, ballot(&["甲"], &["乙"], &[])), (10, ballot(&["乙"], &[], &["赵六"]))]),
        );
        then(&mut h, count(1, 30));
        for e in &h {
            let (kind, payload) = e.to_payload().unwrap();
            assert_eq!(&Event::from_payload(kind, &payload).unwrap(), e, "{kind}");
        }
    }

    // ---- property: an election's history replays to the live state ------------------

    fn arb_election_command() -> impl Strategy<Value = Command> {
        let names = ["甲", "乙", "丙", "丁"];
        // Few distinct ballots, so that two tellers often agree and rounds get counted.
        let paper = prop_oneof![
            Just(ballot(&["甲"], &[], &[])),
            Just(ballot(&["乙"], &["甲"], &[])),
            Just(ballot(&[], &[], &["王五"])),
            Just(Ballot::default()),
        ];
        prop_oneof![
            1 => (0usize..4, 1usize..3).prop_map(move |(i, k)| by_presidium(&names[i..(i + k).min(4)])),
            1 => (0usize..4, 1usize..10).prop_map(move |(i, s)| jointly(s..s + 20, &names[i..i + 1])),
            1 => (1u32..5).prop_map(|c| Command::WithdrawCandidate {
                election: 1,
                candidate: c,
                reason: "理由".into()
            }),
            2 => Just(Command::FixCandidates { election: 1 }),
            2 => (1u32..4).prop_map(open_paper),
            12 => (1u32..4, 1u32..4, 0usize..3, paper).prop_map(|(round, no, teller, ballot)| {
                Command::EnterPaperBallot {
                    election: 1,
                    round,
                    ballot_no: no,
                    teller: format!("teller-{teller}"),
                    ballot,
                }
            }),
            3 => (1u32..4, 1u32..5).prop_map(|(round, returned)| count(round, returned)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn replaying_an_election_history_gives_the_live_state(commands in proptest::collection::vec(arb_election_command(), 0..60)) {
            // Two nominees, enough to fix the list; the commands may add, withdraw, fix.
            let mut history = congress(30, 30);
            then(&mut history, create(OfficeKind::Deputy, 1));
            then(&mut history, by_presidium(&["甲"]));
            then(&mut history, jointly(1..=20, &["乙"]));
            let mut live = Assembly::replay(&history);
            for c in &commands {
                if let Ok(events) = decide(&live, c) {
                    for e in &events {
                        live.apply(e);
                        let (kind, payload) = e.to_payload().unwrap();
                        history.push(Event::from_payload(kind, &payload).unwrap());
                    }
                }
            }
            let replayed = Assembly::replay(&history);
            prop_assert_eq!(&replayed, &live);
        }
    }
}
