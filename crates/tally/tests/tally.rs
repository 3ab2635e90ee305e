//! Counting as the statutes describe it: one scenario per branch of OL arts. 25–29
//! and EL art. 44, the other election methods, Scottish STV against published
//! counts, and properties that must hold for any ballots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use plenum_tally::*;
use proptest::prelude::*;

// ---------------------------------------------------------------- helpers

fn b(yes: &[&str], no: &[&str], abstain: &[&str], write_in: &[&str]) -> Ballot {
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect();
    Ballot { yes: v(yes), no: v(no), abstain: v(abstain), write_in: v(write_in), ranking: Vec::new() }
}

fn yes(names: &[&str]) -> Ballot {
    b(names, &[], &[], &[])
}

fn times(ballot: Ballot, n: usize) -> Vec<Ballot> {
    vec![ballot; n]
}

fn election(
    rules: Method,
    members: Option<u32>,
    seats: u32,
    candidates: &[&str],
    ballots: Vec<Ballot>,
) -> Election {
    Election {
        rules,
        members,
        seats,
        candidates: candidates.iter().map(|c| c.to_string()).collect(),
        ballots_issued: None,
        ballots,
        min_votes: None,
        max_votes: None,
        another_round_margin: None,
        lot_order: None,
    }
}

/// A People's Congress round with every ballot issued returned.
fn cn(members: u32, seats: u32, candidates: &[&str], ballots: Vec<Ballot>) -> Election {
    let mut e = election(Method::CnPeopleCongress, Some(members), seats, candidates, ballots);
    e.ballots_issued = Some(u32::try_from(e.ballots.len()).unwrap());
    e
}

fn yes_of(r: &ElectionResult, name: &str) -> u32 {
    r.counts.iter().find(|c| c.candidate == name).unwrap_or_else(|| panic!("no count for {name}")).yes
}

fn err(e: &Election) -> TallyError {
    count_election(e).unwrap_err()
}

fn rule(name: &str) -> ResolutionRule {
    ResolutionRule::preset(name).unwrap()
}

fn count(members: u32, present: u32, yes: u32, no: u32, abstain: u32) -> ResolutionCount {
    ResolutionCount { members, present, yes, no, abstain }
}

// ---------------------------------------------------------------- resolutions

#[test]
fn people_congress_resolution_needs_more_than_half_of_all_deputies() {
    let r = decide_resolution(&rule("cn-people-congress"), &count(440, 420, 402, 10, 8), None).unwrap();
    assert!(r.adopted);
    assert_eq!((r.required, r.base, r.tie), (221, 440, false));
    assert_eq!(r.basis, "adopted: 402 yes, needs more than half of all 440 deputies = 221 (OL art. 25)");

    // Exactly half of all deputies is not more than half.
    let r = decide_resolution(&rule("cn-people-congress"), &count(440, 420, 220, 0, 200), None).unwrap();
    assert!(!r.adopted);
    let r = decide_resolution(&rule("cn-people-congress"), &count(440, 420, 219, 100, 101), None).unwrap();
    assert!(!r.adopted);
    assert_eq!(r.basis, "rejected: 219 yes, needs more than half of all 440 deputies = 221 (OL art. 25)");
    let r = decide_resolution(&rule("cn-people-congress"), &count(440, 221, 221, 0, 0), None).unwrap();
    assert!(r.adopted, "221 of 440 passes even if nobody else came");
}

#[test]
fn deputies_on_leave_count_in_the_base_unless_the_caller_leaves_them_out() {
    // 440 deputies hold a mandate, 40 on leave, 400 present: 210 yes is a majority
    // of those present but not of all deputies.
    let r = decide_resolution(&rule("cn-people-congress"), &count(440, 400, 210, 150, 40), None).unwrap();
    assert!(!r.adopted);
    assert_eq!(r.required, 221);
    // The same vote where the caller's members exclude those on leave.
    let r = decide_resolution(&rule("cn-people-congress"), &count(400, 400, 210, 150, 40), None).unwrap();
    assert!(r.adopted);
}

#[test]
fn roberts_rules_ignore_abstentions() {
    let r = decide_resolution(&rule("roberts-rules"), &count(100, 80, 6, 5, 60), None).unwrap();
    assert!(r.adopted);
    assert_eq!((r.required, r.base), (6, 11));
    assert!(r.basis.contains("Robert's Rules of Order"), "{}", r.basis);
    // Abstentions as votes cast: 6 of 71 is not a majority.
    let votes_cast = ResolutionRule::custom(Base::VotesCast, Threshold::MoreThanHalf, TieRule::Fails);
    let r = decide_resolution(&votes_cast, &count(100, 80, 6, 5, 60), None).unwrap();
    assert!(!r.adopted);
    assert_eq!((r.required, r.base), (36, 71));
}

#[test]
fn two_thirds_and_three_fifths_are_exact() {
    let two_thirds = rule("roberts-rules-two-thirds");
    let r = decide_resolution(&two_thirds, &count(400, 350, 200, 100, 50), None).unwrap();
    assert!(r.adopted);
    assert_eq!((r.required, r.base), (200, 300));
    let r = decide_resolution(&two_thirds, &count(400, 350, 199, 101, 50), None).unwrap();
    assert!(!r.adopted);
    let three_fifths =
        ResolutionRule::custom(Base::MembersPresent, Threshold::AtLeastThreeFifths, TieRule::Fails);
    let r = decide_resolution(&three_fifths, &count(100, 50, 30, 0, 0), None).unwrap();
    assert!(r.adopted);
    assert_eq!((r.required, r.base), (30, 50));
    let r = decide_resolution(&three_fifths, &count(100, 51, 30, 0, 0), None).unwrap();
    assert!(!r.adopted);
    assert_eq!(r.required, 31);
    let more_than = ResolutionRule::custom(
        Base::AllMembers,
        Threshold::MoreThan { numerator: 3, denominator: 4 },
        TieRule::Fails,
    );
    let r = decide_resolution(&more_than, &count(100, 100, 75, 25, 0), None).unwrap();
    assert!(!r.adopted, "75 of 100 is not more than 3/4");
    assert_eq!(r.required, 76);
    assert!(r.basis.contains("more than 3/4 of all 100 members"), "{}", r.basis);
}

#[test]
fn a_tie_fails_or_goes_to_the_chair() {
    let roberts = rule("roberts-rules");
    let tied = count(30, 25, 10, 10, 5);
    let r = decide_resolution(&roberts, &tied, None).unwrap();
    assert!(!r.adopted);
    assert!(r.tie);
    assert!(r.basis.contains("the chair must decide"), "{}", r.basis);
    let r = decide_resolution(&roberts, &tied, Some(true)).unwrap();
    assert!(r.adopted && r.tie);
    assert_eq!((r.required, r.base), (11, 21));
    assert!(r.basis.contains("casting vote yes"), "{}", r.basis);
    let r = decide_resolution(&roberts, &tied, Some(false)).unwrap();
    assert!(!r.adopted && r.tie);
    // Where ties fail, the chair's vote is not asked for.
    let fails =
        ResolutionRule::custom(Base::VotesCastExcludingAbstentions, Threshold::MoreThanHalf, TieRule::Fails);
    let r = decide_resolution(&fails, &tied, Some(true)).unwrap();
    assert!(!r.adopted && r.tie);
    assert!(r.basis.contains("a tie, 10 to 10, is not a majority"), "{}", r.basis);
    // The chair's vote only counts when there is a tie.
    let r = decide_resolution(&roberts, &count(30, 25, 9, 10, 5), Some(true)).unwrap();
    assert!(!r.adopted && !r.tie);
    // Under the People's Congress rule yes == no is no tie: the base is all deputies.
    let r =
        decide_resolution(&rule("cn-people-congress"), &count(440, 400, 200, 200, 0), Some(true)).unwrap();
    assert!(!r.adopted && !r.tie);
}

#[test]
fn no_votes_adopt_nothing() {
    let r = decide_resolution(&rule("roberts-rules"), &count(30, 25, 0, 0, 25), None).unwrap();
    assert!(!r.adopted && !r.tie);
    assert_eq!((r.required, r.base), (1, 0));
    // At least two thirds of zero votes would be zero: a resolution still needs a yes.
    let r = decide_resolution(&rule("roberts-rules-two-thirds"), &count(30, 0, 0, 0, 0), None).unwrap();
    assert!(!r.adopted);
    assert_eq!(r.required, 1);
    assert!(r.basis.contains("at least one yes vote"), "{}", r.basis);
    let votes_cast = ResolutionRule::custom(Base::VotesCast, Threshold::AtLeastTwoThirds, TieRule::Fails);
    assert!(!decide_resolution(&votes_cast, &count(30, 10, 0, 0, 0), None).unwrap().adopted);
}

#[test]
fn impossible_counts_name_the_field() {
    let cn = rule("cn-people-congress");
    let e = decide_resolution(&cn, &count(440, 441, 1, 0, 0), None).unwrap_err();
    assert_eq!(e.path, "present");
    let e = decide_resolution(&cn, &count(440, 420, 400, 20, 1), None).unwrap_err();
    assert_eq!(e.path, "present");
    assert!(e.message.contains("421 votes cast"), "{e}");
    let e = decide_resolution(&cn, &count(0, 0, 0, 0, 0), None).unwrap_err();
    assert_eq!(e.path, "members");
}

#[test]
fn resolution_json_in_and_out() {
    let input: TallyInput = serde_json::from_value(serde_json::json!({
        "kind": "resolution", "rules": "cn-people-congress",
        "members": 440, "present": 420, "yes": 402, "no": 10, "abstain": 8
    }))
    .unwrap();
    let out = serde_json::to_value(tally(&input).unwrap()).unwrap();
    assert_eq!(out["kind"], "resolution");
    assert_eq!(out["rules"], "cn-people-congress");
    assert_eq!(out["adopted"], true);
    assert_eq!(out["required"], 221);
    let custom: TallyInput = serde_json::from_value(serde_json::json!({
        "kind": "resolution",
        "rules": {"base": "members_present", "threshold": {"more_than": [1, 2]}, "ties": "chair_decides"},
        "members": 10, "present": 8, "yes": 5, "no": 3
    }))
    .unwrap();
    let out = serde_json::to_value(tally(&custom).unwrap()).unwrap();
    assert_eq!(out["adopted"], true);
    assert_eq!(out["rules"]["base"], "members_present");
    let unknown = serde_json::from_value::<TallyInput>(serde_json::json!({
        "kind": "resolution", "rules": "cn-people-congress",
        "members": 440, "present": 420, "yes": 402, "no": 10, "colour": 1
    }));
    assert!(unknown.unwrap_err().to_string().contains("unknown field `colour`"));
}

// ---------------------------------------------------------------- cn-people-congress elections

const ABC: [&str; 5] = ["A", "B", "C", "D", "E"];

#[test]
fn the_highest_above_half_of_all_deputies_are_elected() {
    // 11 deputies: more than half is 6 (OL art. 25). A, B, C pass; D has 5.
    let mut ballots = times(b(&["A", "B", "C"], &["D"], &["E"], &[]), 5);
    ballots.push(yes(&["A", "B", "D"]));
    ballots.extend(times(yes(&["A", "C"]), 2));
    ballots.push(b(&[], &["A", "B"], &[], &[]));
    let r = count_election(&cn(11, 3, &ABC, ballots)).unwrap();
    assert!(r.valid);
    assert_eq!(r.threshold, Some(6));
    assert_eq!(r.elected, ["A", "C", "B"]);
    assert_eq!(r.seats_unfilled, 0);
    assert_eq!(r.next_round, None);
    assert_eq!((yes_of(&r, "A"), yes_of(&r, "B"), yes_of(&r, "C"), yes_of(&r, "D")), (8, 6, 7, 1));
    let d = r.counts.iter().find(|c| c.candidate == "D").unwrap();
    assert_eq!((d.no, d.abstain), (5, 0));
    let e = r.counts.iter().find(|c| c.candidate == "E").unwrap();
    assert_eq!((e.yes, e.no, e.abstain), (0, 0, 5));
    assert_eq!((r.ballots_returned, r.ballots_valid, r.ballots_invalid), (9, 9, 0));
    assert!(
        r.basis
            .iter()
            .any(|l| l.contains("more than half of all 11 deputies = 6") && l.contains("OL art. 25"))
    );
}

#[test]
fn the_threshold_is_all_deputies_not_ballots() {
    // 100 deputies, only 40 vote, all for A: 40 < 51.
    let mut e = cn(100, 1, &["A", "B"], times(yes(&["A"]), 40));
    e.ballots_issued = Some(45);
    let r = count_election(&e).unwrap();
    assert_eq!(r.threshold, Some(51));
    assert!(r.elected.is_empty());
    assert_eq!(r.seats_unfilled, 1);
}

#[test]
fn a_ballot_choosing_more_people_than_seats_is_void() {
    // EL art. 44 ¶2: 3 seats; yes + written-in people count as chosen.
    let mut ballots = times(yes(&["A", "B", "C"]), 6);
    ballots.push(b(&["A", "B", "C", "D"], &[], &[], &[]));
    ballots.push(b(&["A", "B", "C"], &[], &[], &["X"]));
    ballots.push(b(&["D"], &["A", "B", "C"], &[], &["X", "Y"])); // exactly 3 chosen: valid
    let r = count_election(&cn(11, 3, &ABC, ballots)).unwrap();
    assert!(r.valid);
    assert_eq!((r.ballots_returned, r.ballots_valid, r.ballots_invalid), (9, 7, 2));
    assert_eq!(r.invalid_ballots.iter().map(|i| i.ballot).collect::<Vec<_>>(), [6, 7]);
    assert!(r.invalid_ballots[0].reason.contains("chooses 4 people for 3 seats"), "{:?}", r.invalid_ballots);
    assert!(r.invalid_ballots[0].reason.contains("EL art. 44 ¶2"));
    // Nothing on a void ballot counts, not even its no votes.
    assert_eq!((yes_of(&r, "A"), yes_of(&r, "D"), yes_of(&r, "X"), yes_of(&r, "Y")), (6, 1, 1, 1));
    assert_eq!(r.counts.iter().find(|c| c.candidate == "A").unwrap().no, 1);
    assert_eq!(r.elected, ["A", "B", "C"]);
}

#[test]
fn more_ballots_returned_than_issued_void_the_round() {
    let mut e = cn(11, 1, &["A", "B"], times(yes(&["A"]), 9));
    e.ballots_issued = Some(8);
    let r = count_election(&e).unwrap();
    assert!(!r.valid);
    let reason = r.reason.as_deref().unwrap();
    assert!(
        reason.contains("9 ballots returned, more than the 8 issued") && reason.contains("EL art. 44 ¶1"),
        "{reason}"
    );
    assert!(r.elected.is_empty() && r.counts.is_empty());
    assert_eq!(r.seats_unfilled, 1);
    let next = r.next_round.unwrap();
    assert_eq!(
        (next.kind, next.candidates, next.seats),
        (NextRoundKind::Revote, vec!["A".into(), "B".into()], 1)
    );
    // As many returned as issued is fine (EL art. 44 ¶1: 等于或者少于投票人数的有效).
    e.ballots_issued = Some(9);
    let r = count_election(&e).unwrap();
    assert!(r.valid);
    assert_eq!(r.elected, ["A"]);
}

#[test]
fn a_tie_for_the_last_seat_goes_to_a_fresh_vote_among_the_tied() {
    // OL art. 29 ¶1. 11 deputies (6 needed), 2 seats.
    let mut ballots = times(yes(&["A", "B"]), 3);
    ballots.extend(times(yes(&["A", "C"]), 3));
    ballots.extend(times(yes(&["B", "C"]), 2));
    ballots.extend(times(yes(&["B", "D"]), 2));
    ballots.extend(times(yes(&["A", "C"]), 1));
    let r = count_election(&cn(11, 2, &["A", "B", "C", "D"], ballots)).unwrap();
    assert_eq!((yes_of(&r, "A"), yes_of(&r, "B"), yes_of(&r, "C")), (7, 7, 6));
    // A and B tie at the top for both seats: no runoff, input order orders them.
    assert_eq!(r.elected, ["A", "B"]);
    assert_eq!(r.next_round, None);

    let mut ballots = times(yes(&["A", "B"]), 4);
    ballots.extend(times(yes(&["A", "C"]), 4));
    ballots.extend(times(yes(&["B", "C"]), 3));
    // A 8, B 7, C 7: one seat left, B and C tie for it.
    let r = count_election(&cn(11, 2, &["A", "B", "C"], ballots)).unwrap();
    assert_eq!(r.elected, ["A"]);
    assert_eq!(r.seats_unfilled, 1);
    let next = r.next_round.unwrap();
    assert_eq!(next.kind, NextRoundKind::TieRunoff);
    assert_eq!(next.candidates, ["B", "C"]);
    assert_eq!(next.seats, 1);
    assert!(next.basis.contains("OL art. 29 ¶1"), "{}", next.basis);
}

#[test]
fn a_tie_for_two_last_seats_leaves_both_open() {
    // 3 seats: A 9; B, C, D 7 each: two seats for three tied candidates.
    let mut ballots = times(yes(&["A", "B", "C"]), 3);
    ballots.extend(times(yes(&["A", "C", "D"]), 3));
    ballots.extend(times(yes(&["A", "B", "D"]), 3));
    ballots.push(yes(&["B"]));
    ballots.push(yes(&["D", "C"]));
    let r = count_election(&cn(11, 3, &["A", "B", "C", "D"], ballots)).unwrap();
    assert_eq!((yes_of(&r, "A"), yes_of(&r, "B"), yes_of(&r, "C"), yes_of(&r, "D")), (9, 7, 7, 7));
    assert_eq!(r.elected, ["A"]);
    let next = r.next_round.unwrap();
    assert_eq!((next.kind, next.seats), (NextRoundKind::TieRunoff, 2));
    assert_eq!(next.candidates, ["B", "C", "D"]);
}

#[test]
fn fewer_elected_than_seats_go_to_another_round_with_a_margin() {
    // OL art. 29 ¶2–3: 11 deputies, 3 seats; only A passes. Remaining 2 seats +
    // default margin ceil(2/10) = 1: the 3 best-placed unelected candidates.
    let mut ballots = times(yes(&["A", "B", "C"]), 5);
    ballots.extend(times(yes(&["A", "D"]), 2));
    ballots.extend(times(yes(&["E"]), 1));
    ballots.extend(times(b(&[], &["A"], &[], &[]), 3));
    let candidates = ["A", "B", "C", "D", "E", "F"];
    let r = count_election(&cn(11, 3, &candidates, ballots.clone())).unwrap();
    assert_eq!(r.elected, ["A"]);
    assert_eq!(r.seats_unfilled, 2);
    let next = r.next_round.clone().unwrap();
    assert_eq!(next.kind, NextRoundKind::AnotherRound);
    assert_eq!(next.seats, 2);
    assert_eq!(next.candidates, ["B", "C", "D"], "B 5, C 5, D 2 (E 1 is out)");
    assert!(next.basis.contains("OL art. 29 ¶2") && next.basis.contains("OL art. 27 ¶1"), "{}", next.basis);

    // The session's election method fixes a margin of 2.
    let mut e = cn(11, 3, &candidates, ballots.clone());
    e.another_round_margin = Some(2);
    let next = count_election(&e).unwrap().next_round.unwrap();
    assert_eq!(next.candidates, ["B", "C", "D", "E"]);
    assert!(next.basis.contains("another_round_margin"), "{}", next.basis);

    // One seat left: two candidates (OL art. 27 ¶1 "多一人", EL art. 45 ¶4).
    let mut ballots = times(yes(&["A", "B"]), 5);
    ballots.extend(times(yes(&["A", "D"]), 2));
    ballots.extend(times(yes(&["E"]), 1));
    ballots.extend(times(b(&[], &["A"], &[], &[]), 3));
    let r = count_election(&cn(11, 2, &candidates, ballots)).unwrap();
    assert_eq!(r.elected, ["A"]);
    assert_eq!(r.next_round.unwrap().candidates, ["B", "D"]);
}

#[test]
fn the_default_margin_is_the_smallest_the_organic_law_allows() {
    assert_eq!(default_another_round_margin(1), 1);
    assert_eq!(default_another_round_margin(3), 1);
    assert_eq!(default_another_round_margin(10), 1);
    assert_eq!(default_another_round_margin(11), 2);
    assert_eq!(default_another_round_margin(25), 3);
}

#[test]
fn another_round_lists_ties_at_the_cut_and_notes_too_few_candidates() {
    // 1 seat; nobody passes; B and C tie for the second place on the list.
    let mut ballots = times(yes(&["A"]), 4);
    ballots.extend(times(yes(&["B"]), 3));
    ballots.extend(times(yes(&["C"]), 3));
    let r = count_election(&cn(21, 1, &["A", "B", "C"], ballots)).unwrap();
    let next = r.next_round.unwrap();
    assert_eq!(next.candidates, ["A", "B", "C"]);
    assert!(next.basis.contains("1 more tie with 3 yes votes"), "{}", next.basis);

    // Equal-number election (等额): 2 candidates for 2 seats, B fails. The list for
    // another round has only B: new nominations may complete it.
    let mut ballots = times(yes(&["A", "B"]), 3);
    ballots.extend(times(yes(&["A"]), 3));
    let r = count_election(&cn(11, 2, &["A", "B"], ballots)).unwrap();
    assert_eq!(r.elected, ["A"]);
    let next = r.next_round.unwrap();
    assert_eq!(next.candidates, ["B"]);
    assert!(next.basis.contains("only 1 unelected candidates") && next.basis.contains("new nominations"));
}

#[test]
fn equal_number_election_elects_everyone_who_passes() {
    let mut ballots = times(yes(&["A", "B", "C"]), 8);
    ballots.extend(times(b(&[], &["A", "B", "C"], &[], &[]), 3));
    let r = count_election(&cn(11, 3, &["A", "B", "C"], ballots)).unwrap();
    assert_eq!(r.elected, ["A", "B", "C"]);
    assert_eq!(r.next_round, None);
}

#[test]
fn a_written_in_person_can_win() {
    // OL art. 28: 另选其他任何代表. X is on no list but gets 7 of 11.
    let mut ballots = times(b(&["A"], &["B"], &[], &["X"]), 7);
    ballots.extend(times(yes(&["A", "B"]), 4));
    ballots.push(b(&[], &[], &[], &["Y"]));
    let r = count_election(&cn(12, 2, &["A", "B"], ballots)).unwrap();
    assert_eq!(r.threshold, Some(7));
    assert_eq!(r.elected, ["A", "X"]);
    let x = r.counts.iter().find(|c| c.candidate == "X").unwrap();
    assert!(x.write_in);
    assert_eq!(x.yes, 7);
    // Listed candidates first, then written-in people by name.
    assert_eq!(r.counts.iter().map(|c| c.candidate.as_str()).collect::<Vec<_>>(), ["A", "B", "X", "Y"]);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["counts"][2]["write_in"], true);
    assert!(json["counts"][0].get("write_in").is_none());
}

#[test]
fn more_pass_than_seats_the_highest_win() {
    // OL art. 29 ¶1: 获得过半数选票的候选人人数超过应选名额时，以得票多的当选.
    // 11 deputies (6 needed), 2 seats: A 9, B 7, C 6 all pass; C is third.
    let mut ballots = times(yes(&["A", "B"]), 5);
    ballots.extend(times(yes(&["A", "C"]), 4));
    ballots.extend(times(yes(&["B", "C"]), 2));
    let r = count_election(&cn(11, 2, &["A", "B", "C"], ballots)).unwrap();
    assert_eq!((yes_of(&r, "A"), yes_of(&r, "B"), yes_of(&r, "C")), (9, 7, 6));
    assert_eq!(r.elected, ["A", "B"]);
    assert_eq!(r.next_round, None);
    assert!(
        r.basis.iter().any(|l| l.contains("3 candidates passed for 2 seats") && l.contains("OL art. 29 ¶1"))
    );
}

#[test]
fn input_errors_carry_the_json_path() {
    let ok = || cn(11, 2, &["A", "B", "C"], vec![yes(&["A"]), b(&["B"], &["C"], &[], &[])]);

    let mut e = ok();
    e.ballots[1].no = vec!["Z".into()];
    let x = err(&e);
    assert_eq!(x.path, "ballots[1].no[0]");
    assert_eq!(
        x.to_string(),
        "ballots[1].no[0]: unknown candidate \"Z\" (a person not on the list is entered under write_in)"
    );

    let mut e = ok();
    e.candidates.push("B".into());
    let x = err(&e);
    assert_eq!(x.path, "candidates[3]");
    assert!(x.message.contains("listed twice"));

    let mut e = ok();
    e.ballots[0].abstain = vec!["A".into()];
    assert_eq!(err(&e).path, "ballots[0].abstain[0]");

    let mut e = ok();
    e.ballots[1].write_in = vec!["C".into()];
    let x = err(&e);
    assert_eq!(x.path, "ballots[1].write_in[0]");
    assert!(x.message.contains("listed candidate"));

    let mut e = ok();
    e.ballots[1].write_in = vec!["X".into(), "X".into()];
    assert_eq!(err(&e).path, "ballots[1].write_in[1]");

    let mut e = ok();
    e.members = None;
    let x = err(&e);
    assert_eq!((x.path.as_str(), x.statute), ("members", Some("OL art. 25")));

    let mut e = ok();
    e.ballots_issued = None;
    assert_eq!(err(&e).statute, Some("EL art. 44 ¶1"));

    let mut e = ok();
    e.ballots_issued = Some(12);
    assert_eq!(err(&e).path, "ballots_issued");

    let mut e = ok();
    e.ballots[0].ranking = vec!["A".into()];
    assert_eq!(err(&e).path, "ballots[0].ranking");

    let mut e = ok();
    e.lot_order = Some(vec![]);
    assert_eq!(err(&e).path, "lot_order");

    let mut e = ok();
    e.seats = 0;
    assert_eq!(err(&e).path, "seats");
}

// ---------------------------------------------------------------- other methods

#[test]
fn roberts_rules_need_a_majority_of_ballots_cast_and_drop_nobody() {
    // 9 ballots: 1 blank (ignored), 1 illegal (3 names for 2 seats: counted in the
    // base, credited to no one): base 8, majority 5.
    let mut ballots = times(yes(&["A", "B"]), 4);
    ballots.push(yes(&["A", "C"]));
    ballots.push(yes(&["C"]));
    ballots.push(yes(&["D", "C"]));
    ballots.push(yes(&["A", "B", "C"]));
    ballots.push(Ballot::default());
    let r = count_election(&election(Method::RobertsRules, None, 2, &["A", "B", "C", "D"], ballots)).unwrap();
    assert_eq!(r.threshold, Some(5));
    assert_eq!((r.ballots_valid, r.ballots_invalid), (8, 1));
    assert_eq!(r.elected, ["A"]);
    let next = r.next_round.unwrap();
    assert_eq!(next.kind, NextRoundKind::AnotherRound);
    assert_eq!(next.seats, 1);
    assert_eq!(next.candidates, ["B", "C", "D"], "every candidate not elected, best first");
    assert!(next.basis.contains("no candidate is dropped"));
}

#[test]
fn roberts_rules_tie_for_the_last_seat_is_balloted_again() {
    // 9 ballots, majority 5: A 8, B 5, C 5 all have it, B and C tie for the last seat.
    let mut ballots = times(yes(&["A", "B"]), 4);
    ballots.extend(times(yes(&["A", "C"]), 4));
    ballots.push(yes(&["B", "C"]));
    let r = count_election(&election(Method::RobertsRules, None, 2, &["A", "B", "C"], ballots)).unwrap();
    assert_eq!(r.elected, ["A"]);
    let next = r.next_round.unwrap();
    assert_eq!((next.kind, next.seats), (NextRoundKind::AnotherRound, 1));
    assert_eq!(next.candidates, ["B", "C"]);
    assert!(next.basis.contains("B, C tie for the last seat"), "{}", next.basis);
}

#[test]
fn block_vote_counts_ballots_within_min_and_max() {
    let mut e = election(
        Method::BlockVote,
        Some(20),
        2,
        &["P1", "P2", "P3", "P4"],
        vec![
            yes(&["P1", "P2"]),
            yes(&["P1", "P3"]),
            yes(&["P1"]),                  // fewer than min: invalid
            yes(&["P2", "P3", "P4"]),      // more than max: invalid
            b(&["P3"], &[], &[], &["P9"]), // two marks, one written in
        ],
    );
    e.min_votes = Some(2);
    e.max_votes = Some(2);
    let r = count_election(&e).unwrap();
    assert_eq!(r.ballots_invalid, 2);
    assert!(r.invalid_ballots[0].reason.contains("fewer than min_votes = 2"));
    assert!(r.invalid_ballots[1].reason.contains("more than max_votes = 2"));
    // P1 2, P3 2, P2 1, P9 1.
    assert_eq!(r.elected, ["P1", "P3"]);
    assert_eq!(yes_of(&r, "P9"), 1);
    assert_eq!(r.threshold, None);

    // Tie at the last seat: runoff.
    let mut e = election(
        Method::BlockVote,
        None,
        2,
        &["P1", "P2", "P3"],
        vec![yes(&["P1", "P2"]), yes(&["P1", "P3"])],
    );
    e.max_votes = Some(2);
    let r = count_election(&e).unwrap();
    assert_eq!(r.elected, ["P1"]);
    let next = r.next_round.unwrap();
    assert_eq!(
        (next.kind, next.candidates, next.seats),
        (NextRoundKind::TieRunoff, vec!["P2".into(), "P3".into()], 1)
    );

    let mut e = election(Method::BlockVote, None, 2, &["P1"], vec![]);
    e.min_votes = Some(3);
    e.max_votes = Some(2);
    assert_eq!(err(&e).path, "min_votes");
}

#[test]
fn approval_elects_the_most_approved() {
    let ballots = vec![yes(&["A", "B", "C"]), yes(&["B", "C"]), yes(&["B"]), yes(&["A", "B", "C", "D"])];
    let r = count_election(&election(Method::Approval, None, 2, &["A", "B", "C", "D"], ballots)).unwrap();
    assert_eq!(r.elected, ["B", "C"]);
    assert_eq!(r.ballots_invalid, 0);
    // Nobody approved: the seat stays open.
    let r = count_election(&election(Method::Approval, None, 1, &["A"], vec![Ballot::default()])).unwrap();
    assert!(r.elected.is_empty());
    assert_eq!(r.seats_unfilled, 1);
}

// ---------------------------------------------------------------- STV (Scottish rules)

/// Read a ballot file in the BLT format used by OpenSTV, eSTV and Droop: a line
/// "candidates seats", ballot lines "weight c1 c2 ... 0", a line "0", the quoted
/// candidate names, the title.
fn blt(text: &str) -> Election {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let head: Vec<usize> = lines.next().unwrap().split_whitespace().map(|x| x.parse().unwrap()).collect();
    let (n, seats) = (head[0], head[1]);
    let mut rankings = Vec::new();
    for line in lines.by_ref() {
        let nums: Vec<usize> = line.split_whitespace().map(|x| x.parse().unwrap()).collect();
        if nums == [0] {
            break;
        }
        let prefs: Vec<usize> = nums[1..].iter().copied().take_while(|&c| c != 0).collect();
        rankings.push((nums[0], prefs));
    }
    let names: Vec<String> = lines.take(n).map(|l| l.trim().trim_matches('"').to_string()).collect();
    let mut ballots = Vec::new();
    for (weight, prefs) in rankings {
        let ranking: Vec<String> = prefs.iter().map(|&c| names[c - 1].clone()).collect();
        for _ in 0..weight {
            ballots.push(Ballot { ranking: ranking.clone(), ..Ballot::default() });
        }
    }
    let mut e = election(Method::Stv, None, u32::try_from(seats).unwrap(), &[], ballots);
    e.candidates = names;
    e
}

fn stage_votes(r: &ElectionResult, stage: usize) -> Vec<&str> {
    r.stages[stage].votes.iter().map(|v| v.votes.as_str()).collect()
}

/// Glasgow City Council, 2007 local elections, Calton ward (3 seats), the full
/// ballot data as published by the council, taken from the Droop project's test
/// data: github.com/jklundell/droop, `test/blt/scotland/Calton-2007.blt`. The
/// expected figures are Droop's Scottish STV count of that data, 5 decimal places
/// (`test/ref/report/scotland/Calton-2007-scotland-fixed-p5-d5.txt`), which the
/// Droop project checked against the council's published result.
#[test]
fn stv_matches_the_published_glasgow_calton_2007_count() {
    let e = blt(include_str!("data/glasgow-2007-calton.blt"));
    assert_eq!(e.ballots.len(), 5199);
    let r = count_election(&e).unwrap();
    assert_eq!(r.threshold, Some(1300), "floor(5199 / 4) + 1");
    assert_eq!(r.elected, ["George Redmond", "Alison E Thewliss", "Ruth Simpson"]);
    assert_eq!(r.seats_unfilled, 0);
    assert_eq!(r.next_round, None);
    // Order: Barton, Duke - Wardrop, Fullerton, Gillespie, Graham, Houston, Murray,
    // Redmond, Simpson, Thewliss. (votes..., non-transferable, loss) per stage.
    let expected: [([&str; 10], &str, &str); 10] = [
        (
            [
                "128.00000",
                "219.00000",
                "302.00000",
                "245.00000",
                "231.00000",
                "195.00000",
                "126.00000",
                "1982.00000",
                "628.00000",
                "1143.00000",
            ],
            "0.00000",
            "0.00000",
        ),
        (
            [
                "130.40863",
                "224.84953",
                "325.39812",
                "250.84953",
                "245.79587",
                "217.36585",
                "134.94634",
                "1300.00000",
                "1035.05847",
                "1175.68855",
            ],
            "158.62549",
            "0.01362",
        ),
        (
            [
                "0.00000",
                "235.19362",
                "349.74221",
                "257.84953",
                "252.79587",
                "220.36585",
                "140.29043",
                "1300.00000",
                "1050.74665",
                "1196.68855",
            ],
            "195.31367",
            "0.01362",
        ),
        (
            [
                "0.00000",
                "251.22589",
                "373.77448",
                "260.53771",
                "257.82814",
                "225.70994",
                "0.00000",
                "1300.00000",
                "1072.12301",
                "1221.72082",
            ],
            "236.06639",
            "0.01362",
        ),
        (
            [
                "0.00000",
                "264.91407",
                "382.49493",
                "348.69906",
                "265.20450",
                "0.00000",
                "0.00000",
                "1300.00000",
                "1086.94027",
                "1231.40900",
            ],
            "319.32455",
            "0.01362",
        ),
        (
            [
                "0.00000",
                "0.00000",
                "420.83902",
                "371.04315",
                "329.26904",
                "0.00000",
                "0.00000",
                "1300.00000",
                "1115.34890",
                "1282.75309",
            ],
            "379.73318",
            "0.01362",
        ),
        (
            [
                "0.00000",
                "0.00000",
                "446.24765",
                "409.10769",
                "0.00000",
                "0.00000",
                "0.00000",
                "1300.00000",
                "1189.88661",
                "1360.12945",
            ],
            "493.61498",
            "0.01362",
        ),
        (
            [
                "0.00000",
                "0.00000",
                "461.35742",
                "412.58571",
                "0.00000",
                "0.00000",
                "0.00000",
                "1300.00000",
                "1199.81406",
                "1300.00000",
            ],
            "525.21759",
            "0.02522",
        ),
        (
            [
                "0.00000",
                "0.00000",
                "485.84120",
                "0.00000",
                "0.00000",
                "0.00000",
                "0.00000",
                "1300.00000",
                "1271.90931",
                "1300.00000",
            ],
            "841.22427",
            "0.02522",
        ),
        (
            [
                "0.00000",
                "0.00000",
                "0.00000",
                "0.00000",
                "0.00000",
                "0.00000",
                "0.00000",
                "1300.00000",
                "1393.86735",
                "1300.00000",
            ],
            "1205.10743",
            "0.02522",
        ),
    ];
    assert_eq!(
        r.stages.len(),
        expected.len(),
        "{:#?}",
        r.stages.iter().map(|s| &s.action).collect::<Vec<_>>()
    );
    for (i, (votes, nt, loss)) in expected.iter().enumerate() {
        assert_eq!(stage_votes(&r, i), votes, "stage {}: {}", i + 1, r.stages[i].action);
        assert_eq!(
            (r.stages[i].non_transferable.as_str(), r.stages[i].loss.as_str()),
            (*nt, *loss),
            "stage {}",
            i + 1
        );
    }
    let actions: Vec<&str> = r.stages.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(actions[1], "surplus of George Redmond (682.00000) transferred");
    assert_eq!(actions[2], "Gary Barton excluded (130.40863)");
    assert_eq!(actions[7], "surplus of Alison E Thewliss (60.12945) transferred");
    assert_eq!(r.stages[6].elected, ["Alison E Thewliss"]);
    assert_eq!(yes_of(&r, "George Redmond"), 1982, "counts hold first preferences");
}

/// Droop's `test/blt/42.blt` ("Pollux and Helen should tie") and its Scottish
/// count `test/ref/report/42-scotland-fixed-p5-d5.txt`, github.com/jklundell/droop:
/// quota 3; Castor's surplus of 1 moves at 0.25 per paper; Pollux is excluded and
/// his papers are non-transferable; Helen fills the last vacancy (rule 52).
#[test]
fn stv_matches_droop_42() {
    let r =
        count_election(&blt("3 2\n4 1 2 0\n2 3 0\n0\n\"Castor\"\n\"Pollux\"\n\"Helen\"\n\"42\"\n")).unwrap();
    assert_eq!(r.threshold, Some(3));
    assert_eq!(r.elected, ["Castor", "Helen"]);
    assert_eq!(stage_votes(&r, 1), ["3.00000", "1.00000", "2.00000"]);
    assert_eq!(stage_votes(&r, 2), ["3.00000", "0.00000", "2.00000"]);
    assert_eq!(r.stages[2].non_transferable, "1.00000");
    assert!(r.basis.iter().any(|l| l.contains("Helen continuing for 1 vacancies") && l.contains("r. 52")));
}

/// Droop's `test/blt/scotland/weak-surplus.blt` with its reference count
/// (`test/ref/report/scotland/weak-surplus-scotland-fixed-p5-d5.txt`): E and F tie
/// at every stage, so a lot decides who is excluded (rule 51(2)(b)); Droop drew E.
/// A, B, C, D are elected either way.
#[test]
fn stv_asks_for_a_lot_when_the_rules_do() {
    let text = "6 4\n10 1 3 0\n8 2 0\n6 3 0\n5 4 0\n3 5 4 0\n3 6 4 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"D\"\n\"E\"\n\"F\"\n\"t\"\n";
    let r = count_election(&blt(text)).unwrap();
    assert_eq!(r.threshold, Some(8));
    assert_eq!(r.elected, ["A", "B", "C"]);
    assert_eq!(r.seats_unfilled, 1);
    let next = r.next_round.unwrap();
    assert_eq!(
        (next.kind, next.candidates, next.seats),
        (NextRoundKind::DrawLots, vec!["E".into(), "F".into()], 1)
    );
    assert!(next.basis.contains("r. 51(2)(b)"));

    for drawn in [["E", "F"], ["F", "E"]] {
        let mut e = blt(text);
        e.lot_order = Some(drawn.iter().map(|s| s.to_string()).collect());
        let r = count_election(&e).unwrap();
        assert_eq!(r.elected, ["A", "B", "C", "D"]);
        assert_eq!(r.stages.last().unwrap().action, format!("{} excluded (3.00000)", drawn[0]));
        let last = stage_votes(&r, r.stages.len() - 1);
        assert_eq!(last[3], "8.00000");
    }
}

#[test]
fn stv_ties_look_back_to_the_last_stage_that_differed() {
    // 1 seat, quota floor(10/2)+1 = 6. Stage 1: A 4, B 3, C 2, D 1. D is excluded,
    // his paper goes to C: B 3, C 3. At stage 1 C had fewer, so C is excluded
    // (rule 51(2)(a)), not B.
    let text = "4 1\n4 1 0\n3 2 0\n2 3 2 0\n1 4 3 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"D\"\n\"t\"\n";
    let r = count_election(&blt(text)).unwrap();
    assert_eq!(r.threshold, Some(6));
    assert_eq!(stage_votes(&r, 1), ["4.00000", "3.00000", "3.00000", "0.00000"]);
    assert_eq!(r.stages[2].action, "C excluded (3.00000)");
    assert!(r.basis.iter().any(|l| l.contains("r. 51(2)(a)")), "{:#?}", r.basis);
    assert_eq!(r.elected, ["B"]);

    // Transfer values are rounded down to 5 places: A's surplus of 1 over 7 papers
    // moves at 0.14285 each, 0.99995 in all; 0.00005 is lost.
    let text = "4 2\n7 1 2 0\n2 2 4 0\n3 3 4 0\n3 4 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"D\"\n\"t\"\n";
    let r = count_election(&blt(text)).unwrap();
    assert_eq!(r.threshold, Some(6));
    assert_eq!(stage_votes(&r, 1), ["6.00000", "2.99995", "3.00000", "3.00000"]);
    assert_eq!(r.stages[1].loss, "0.00005");
    assert_eq!(r.stages[2].action, "B excluded (2.99995)");
    assert_eq!(r.elected, ["A", "D"]);

    let exact = "4 2\n6 1 0\n2 1 2 0\n3 2 0\n5 3 0\n5 4 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"D\"\n\"t\"\n";
    // quota floor(21/3)+1 = 8: A 8 exactly, no surplus. C and D tie at 5 at
    // stage 1 and the only earlier stage: lot.
    let r = count_election(&blt(exact)).unwrap();
    assert_eq!(r.elected, ["A"]);
    assert_eq!(r.next_round.unwrap().kind, NextRoundKind::DrawLots, "B 3 is excluded first, then C/D tie");
}

#[test]
fn stv_input_rules() {
    let mut e = blt("2 1\n1 1 2 0\n0\n\"A\"\n\"B\"\n\"t\"\n");
    e.ballots.push(Ballot::default());
    let r = count_election(&e).unwrap();
    assert_eq!((r.ballots_valid, r.ballots_invalid), (1, 1));
    assert!(r.invalid_ballots[0].reason.contains("no first preference"));
    assert_eq!(r.elected, ["A"]);

    let mut bad = e.clone();
    bad.ballots[0].ranking.push("Z".into());
    assert_eq!(err(&bad).path, "ballots[0].ranking[2]");
    let mut bad = e.clone();
    bad.ballots[0].ranking.push("A".into());
    assert!(err(&bad).message.contains("ranked more than once"));
    let mut bad = e.clone();
    bad.ballots[1].yes = vec!["A".into()];
    assert_eq!(err(&bad).path, "ballots[1].yes");
    let mut bad = e.clone();
    bad.lot_order = Some(vec!["Q".into()]);
    assert_eq!(err(&bad).path, "lot_order[0]");
    let mut bad = e.clone();
    bad.ballots_issued = Some(1);
    let r = count_election(&bad).unwrap();
    assert!(!r.valid, "more returned than issued voids any method");
}

// ---------------------------------------------------------------- JSON input

#[test]
fn election_json_in_and_out() {
    let input: TallyInput = serde_json::from_value(serde_json::json!({
        "kind": "election", "rules": "cn-people-congress", "members": 11, "seats": 1,
        "candidates": ["A", "B"], "ballots_issued": 7,
        "ballots": [{"yes": ["A"]}, {"yes": ["A"]}, {"yes": ["A"]}, {"yes": ["A"]}, {"yes": ["A"]},
                    {"yes": ["A"], "no": ["B"]}, {"abstain": ["A"], "write_in": ["X"]}]
    }))
    .unwrap();
    let out = serde_json::to_value(tally(&input).unwrap()).unwrap();
    assert_eq!(out["kind"], "election");
    assert_eq!(out["rules"], "cn-people-congress");
    assert_eq!(out["valid"], true);
    assert_eq!(out["reason"], serde_json::Value::Null);
    assert_eq!(out["elected"], serde_json::json!(["A"]));
    assert_eq!(out["next_round"], serde_json::Value::Null);
    assert_eq!(out["ballots_returned"], 7);
    assert!(out.get("stages").is_none());
}

// ---------------------------------------------------------------- benchmark workload

#[test]
fn benchmark_workload_counts_sensibly() {
    // The release-mode measurement runs `examples/count_bench.rs` at 3,000 ballots x
    // 190 candidates x 175 seats; here a tenth of it checks the workload itself.
    let e = workload::cn_congress(300, 19, 17, 7);
    let r = count_election(&e).unwrap();
    assert!(r.valid);
    assert_eq!(r.ballots_returned, 300);
    assert!(r.ballots_invalid < 20, "{}", r.ballots_invalid);
    assert!(r.elected.len() <= 17);
    assert_eq!(r.elected.len() as u32 + r.seats_unfilled, 17);
    assert!(r.counts.iter().any(|c| c.write_in));
}

// ---------------------------------------------------------------- properties

fn marks_strategy(
    max_candidates: usize,
) -> impl Strategy<Value = (u32, usize, Vec<(Vec<u8>, Option<u8>)>, i8, u8)> {
    (1u32..5, 1usize..=max_candidates).prop_flat_map(|(seats, n)| {
        let ballot = (proptest::collection::vec(0u8..4, n), proptest::option::weighted(0.2, 0u8..3));
        (Just(seats), Just(n), proptest::collection::vec(ballot, 0..30), -1i8..3, 0u8..4)
    })
}

fn build(method: Method, seats: u32, n: usize, raw: &[(Vec<u8>, Option<u8>)], issued_delta: i8) -> Election {
    let names: Vec<String> = (0..n).map(|i| format!("C{i}")).collect();
    let ballots: Vec<Ballot> = raw
        .iter()
        .map(|(marks, w)| {
            let mut bal = Ballot::default();
            for (i, m) in marks.iter().enumerate() {
                match m {
                    1 => bal.yes.push(names[i].clone()),
                    2 => bal.no.push(names[i].clone()),
                    3 => bal.abstain.push(names[i].clone()),
                    _ => {}
                }
            }
            if let Some(w) = w {
                bal.write_in.push(format!("W{w}"));
            }
            bal
        })
        .collect();
    let returned = ballots.len() as i64;
    let issued = u32::try_from((returned + i64::from(issued_delta)).max(0)).unwrap();
    let mut e = Election {
        rules: method,
        members: Some(issued.max(1) + 3),
        seats,
        candidates: names,
        ballots_issued: Some(issued),
        ballots,
        min_votes: None,
        max_votes: None,
        another_round_margin: None,
        lot_order: None,
    };
    if method == Method::BlockVote {
        e.max_votes = Some(seats + 1);
    }
    e
}

/// Everything but the ballot numbers of invalid ballots, which move with the order.
fn order_free(mut r: ElectionResult) -> ElectionResult {
    r.invalid_ballots.iter_mut().for_each(|i| i.ballot = 0);
    r.invalid_ballots.sort_by(|a, b| a.reason.cmp(&b.reason));
    r
}

proptest! {
    #[test]
    fn marked_ballots_count_the_same_in_any_order(
        (seats, n, raw, delta, m) in marks_strategy(7),
        seed in any::<u64>(),
    ) {
        let method = [Method::CnPeopleCongress, Method::RobertsRules, Method::BlockVote, Method::Approval][m as usize];
        let e = build(method, seats, n, &raw, delta);
        let r = count_election(&e).unwrap();
        prop_assert!(r.elected.len() <= seats as usize);
        prop_assert_eq!(r.elected.len() as u32 + r.seats_unfilled, seats);
        prop_assert_eq!(r.ballots_valid + r.ballots_invalid, if r.valid { r.ballots_returned } else { 0 });
        if let Some(next) = &r.next_round {
            prop_assert!(next.seats <= seats && next.seats > 0);
        }
        // Reverse and rotate the ballots by a seed-chosen amount.
        let mut shuffled = e.clone();
        shuffled.ballots.reverse();
        if !shuffled.ballots.is_empty() {
            let k = (seed as usize) % shuffled.ballots.len();
            shuffled.ballots.rotate_left(k);
        }
        let s = count_election(&shuffled).unwrap();
        prop_assert_eq!(order_free(r), order_free(s));
    }

    #[test]
    fn stv_counts_the_same_in_any_order(
        (seats, n, rankings) in (1u32..4, 1usize..7).prop_flat_map(|(s, n)| {
            let ranking = proptest::sample::subsequence((0..n).collect::<Vec<_>>(), 0..=n).prop_shuffle();
            (Just(s), Just(n), proptest::collection::vec(ranking, 0..40))
        }),
        permutation in proptest::collection::vec(any::<u32>(), 40),
    ) {
        let names: Vec<String> = (0..n).map(|i| format!("C{i}")).collect();
        let ballots: Vec<Ballot> = rankings
            .iter()
            .map(|r| Ballot { ranking: r.iter().map(|&c| names[c].clone()).collect(), ..Ballot::default() })
            .collect();
        let mut e = election(Method::Stv, None, seats, &[], ballots);
        e.candidates = names;
        let r = count_election(&e).unwrap();
        prop_assert!(r.elected.len() <= seats as usize);
        prop_assert_eq!(r.elected.len() as u32 + r.seats_unfilled, seats);
        if r.next_round.is_none() {
            prop_assert_eq!(r.elected.len(), (seats as usize).min(n));
        }
        // Every stage accounts for every vote: candidates + non-transferable + loss.
        let valid = i64::from(r.ballots_valid) * 100_000;
        for stage in &r.stages {
            let units = |s: &str| -> i64 { s.replace('.', "").parse().unwrap() };
            let total: i64 = stage.votes.iter().map(|v| units(&v.votes)).sum::<i64>()
                + units(&stage.non_transferable) + units(&stage.loss);
            prop_assert_eq!(total, valid, "stage {}", stage.stage);
        }
        let mut shuffled = e.clone();
        let mut keyed: Vec<(u32, Ballot)> =
            shuffled.ballots.drain(..).enumerate().map(|(i, b)| (permutation[i % 40].wrapping_add(i as u32), b)).collect();
        keyed.sort_by_key(|(k, _)| *k);
        shuffled.ballots = keyed.into_iter().map(|(_, b)| b).collect();
        prop_assert_eq!(order_free(r), order_free(count_election(&shuffled).unwrap()));
    }
}
