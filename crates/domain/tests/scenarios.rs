//! Scenario tests: given these events, when this command, then these events or this
//! named error. Plus a property test: replaying any valid history gives the state
//! that applying it live gave.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{NaiveDate, TimeZone, Utc};
use plenum_domain::rules::deputy_quota;
use plenum_domain::*;
use plenum_domain::sealed;
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
    then(h, Command::EnterTotals { poll, totals: Totals { yes: n as u32, no: 0, abstain: 0 }, by: "a".into() });
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
        (member.clone(), meeting.clone()).prop_map(|(m, mt)| Command::CheckIn { meeting: mt, member: m, method: CheckInMethod::Desk }),
        meeting.clone().prop_map(|mt| Command::OpenPoll {
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
        (1u32..3).prop_map(|p| Command::ClosePoll { poll: p, at: Utc.with_ymd_and_hms(2022, 1, 5, 2, 0, 0).unwrap(), decryption: None }),
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
    then(&mut h, Command::ProposeAgendaItem { session: S, title: "政府工作报告".into(), title_en: "Work report".into(), kind: ItemKind::Report });
    then(&mut h, Command::ProposeAgendaItem { session: S, title: "决议".into(), title_en: "Resolutions".into(), kind: ItemKind::Resolution });
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

fn open(subject: PollSubject, mode: VoteMode, public_key: Option<String>, closes_at: Option<chrono::DateTime<Utc>>) -> Command {
    Command::OpenPoll {
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
    expect_rule(when(&h, Command::AdoptAgenda { meeting: meet("prep") }), "agenda.by_vote", Some("OL art. 17"));
}

#[test]
fn voting_needs_more_than_two_thirds_present_ol_art_14() {
    // 10 deputies: 6 present is not more than two thirds, 7 is.
    let h = preparatory(10, 6);
    let e = expect_rule(when(&h, open(PollSubject::Agenda, VoteMode::ShowOfHands, None, None)), "quorum", Some("OL art. 14"));
    assert!(e.message.contains("6 are present"), "{e}");
    let mut h = h;
    then(&mut h, Command::CheckIn { meeting: meet("prep"), member: mid("d-0007"), method: CheckInMethod::SelfService });
    assert!(when(&h, open(PollSubject::Agenda, VoteMode::ShowOfHands, None, None)).is_ok());
    // A deputy on leave for the meeting is no longer present.
    then(&mut h, Command::RecordLeave { meeting: meet("prep"), member: mid("d-0007"), reason: "因病".into() });
    expect_rule(when(&h, open(PollSubject::Agenda, VoteMode::ShowOfHands, None, None)), "quorum", Some("OL art. 14"));
}

#[test]
fn show_of_hands_totals_need_a_second_person() {
    let mut h = preparatory(10, 9);
    then(&mut h, open(PollSubject::Agenda, VoteMode::ShowOfHands, None, None));
    expect_rule(when(&h, Command::ClosePoll { poll: 1, at: at(9, 5), decryption: None }), "poll.totals_unconfirmed", None);
    expect_rule(
        when(&h, Command::EnterTotals { poll: 1, totals: Totals { yes: 9, no: 1, abstain: 0 }, by: "clerk-a".into() }),
        "poll.more_votes_than_present",
        None,
    );
    then(&mut h, Command::EnterTotals { poll: 1, totals: Totals { yes: 8, no: 0, abstain: 1 }, by: "clerk-a".into() });
    expect_rule(when(&h, Command::ConfirmTotals { poll: 1, by: "clerk-a".into() }), "poll.second_person", None);
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
    let choices = [Choice::Yes, Choice::Yes, Choice::Yes, Choice::Yes, Choice::Yes, Choice::Yes, Choice::No, Choice::Abstain];
    for (i, c) in choices.iter().enumerate() {
        let ballot = sealed::encrypt(&public, *c).unwrap();
        then(&mut h, Command::CastSealedBallot { poll: 1, member: mid(&format!("d-{:04}", i + 1)), ballot, at: at(9, 1) });
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
    expect_rule(when(&h, Command::ClosePoll { poll: 1, at: at(9, 5), decryption: None }), "poll.decryption_required", None);
    let (totals, proof) = sealed::decrypt_sum(&public, &secret, &a.polls[&1].sealed).unwrap();
    assert_eq!(totals, Totals { yes: 6, no: 1, abstain: 1 });
    let lie = SealedTally { totals: Totals { yes: 7, no: 0, abstain: 1 }, proof: proof.clone() };
    expect_rule(when(&h, Command::ClosePoll { poll: 1, at: at(9, 5), decryption: Some(lie) }), "poll.decryption_invalid", None);
    let evs = when(&h, Command::ClosePoll { poll: 1, at: at(9, 5), decryption: Some(SealedTally { totals, proof }) }).unwrap();
    let Event::PollClosed { result, decryption, .. } = &evs[0] else { panic!("{evs:?}") };
    assert!(result.adopted);
    assert!(decryption.is_some());
}

#[test]
fn one_poll_at_a_time_and_items_only_after_adoption() {
    let mut h = preparatory(10, 9);
    expect_rule(when(&h, open(PollSubject::Item(1), VoteMode::Named, None, None)), "agenda.not_adopted", Some("OL art. 17"));
    then(&mut h, open(PollSubject::Agenda, VoteMode::Named, None, None));
    expect_rule(when(&h, open(PollSubject::Agenda, VoteMode::Named, None, None)), "poll.one_at_a_time", None);
}

#[test]
fn opinions_are_voiced_in_ones_own_delegation_meeting_on_reports() {
    let mut h = preparatory(10, 9);
    then(&mut h, Command::FormGroup { group: gid("yingze"), kind: GroupKind::Delegation, name: "迎泽区".into(), name_en: "Yingze".into() });
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
