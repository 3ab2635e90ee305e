//! `plenum tally` as a user runs it: a JSON file in, the result out, and every
//! input error named by its JSON path with exit code 2.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn tally_file(dir: &Path, input: &str) -> Output {
    let file = dir.join("input.json");
    std::fs::write(&file, input).unwrap();
    Command::new(env!("CARGO_BIN_EXE_plenum"))
        .current_dir(dir)
        .env_remove("PLENUM_CONFIG")
        .args(["tally", file.to_str().unwrap()])
        .output()
        .unwrap()
}

fn tally(input: &Value) -> Output {
    let dir = tempfile::tempdir().unwrap();
    tally_file(dir.path(), &input.to_string())
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn ok(o: &Output) -> Value {
    assert!(o.status.success(), "exit {:?}: {}", o.status.code(), text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The command failed with exit code 2 and `expected` in its message.
fn fails(o: &Output, expected: &str) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stdout: {} stderr: {err}", text(&o.stdout));
    assert!(err.contains(expected), "expected {expected:?} in: {err}");
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
}

fn election() -> Value {
    json!({
        "kind": "election", "rules": "cn-people-congress", "members": 11, "seats": 2,
        "candidates": ["王明", "李华", "张伟"], "ballots_issued": 11,
        "ballots": [
            {"yes": ["王明", "李华"]}, {"yes": ["王明", "李华"]}, {"yes": ["王明", "李华"]},
            {"yes": ["王明", "李华"]}, {"yes": ["王明"], "no": ["李华"], "write_in": ["赵六"]},
            {"yes": ["王明", "张伟"]}, {"yes": ["王明", "张伟"]}, {"yes": ["李华", "张伟"]},
            {"yes": ["李华", "张伟"], "abstain": ["王明"]}, {"yes": ["李华", "张伟", "王明"]},
            {}
        ]
    })
}

#[test]
fn an_election_is_counted() {
    let out = ok(&tally(&election()));
    assert_eq!(out["kind"], "election");
    assert_eq!(out["valid"], true);
    assert_eq!(out["threshold"], 6);
    assert_eq!(out["elected"], json!(["王明", "李华"]));
    assert_eq!(out["seats_unfilled"], 0);
    assert_eq!(out["next_round"], Value::Null);
    assert_eq!(out["ballots_returned"], 11);
    assert_eq!(out["ballots_invalid"], 1);
    assert_eq!(out["invalid_ballots"][0]["ballot"], 9);
    let counts = out["counts"].as_array().unwrap();
    assert_eq!(counts.len(), 4);
    assert_eq!(counts[3], json!({"candidate": "赵六", "write_in": true, "yes": 1, "no": 0, "abstain": 0}));
}

#[test]
fn a_resolution_is_decided_and_stdin_works() {
    let input = json!({"kind": "resolution", "rules": "cn-people-congress",
                       "members": 440, "present": 420, "yes": 402, "no": 10, "abstain": 8});
    let mut child = Command::new(env!("CARGO_BIN_EXE_plenum"))
        .current_dir(tempfile::tempdir().unwrap().path())
        .env_remove("PLENUM_CONFIG")
        .args(["tally", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = ok(&child.wait_with_output().unwrap());
    assert_eq!(out["adopted"], true);
    assert_eq!(out["required"], 221);
    assert_eq!(out["base"], 440);
    assert_eq!(out["basis"], "adopted: 402 yes, needs more than half of all 440 deputies = 221 (OL art. 25)");

    let custom = json!({"kind": "resolution",
                        "rules": {"base": "votes_cast_excluding_abstentions", "threshold": {"more_than": [2, 3]}},
                        "members": 30, "present": 30, "yes": 20, "no": 10});
    let out = ok(&tally(&custom));
    assert_eq!(out["adopted"], false, "20 of 30 is not more than 2/3");
    assert_eq!(out["required"], 21);
}

#[test]
fn a_void_round_is_a_result_not_an_error() {
    let mut input = election();
    input["ballots_issued"] = json!(10);
    let out = ok(&tally(&input));
    assert_eq!(out["valid"], false);
    assert!(out["reason"].as_str().unwrap().contains("EL art. 44 ¶1"));
    assert_eq!(out["next_round"]["kind"], "revote");
}

#[test]
fn an_unknown_candidate_is_named_by_its_path() {
    let mut input = election();
    input["ballots"][3]["yes"][1] = json!("Z");
    fails(&tally(&input), r#"ballots[3].yes[1]: unknown candidate "Z""#);
}

#[test]
fn an_unknown_field_is_named_by_its_path() {
    let mut input = election();
    input["ballots"][2]["maybe"] = json!(["王明"]);
    fails(&tally(&input), "ballots[2].maybe: unknown field `maybe`, expected one of `yes`");
    let mut input = election();
    input["seat"] = json!(2);
    fails(&tally(&input), "seat: unknown field `seat`");
    let input = json!({"kind": "resolution", "rules": {"base": "all_members", "threshold": "more_than_half", "tie": "fails"},
                       "members": 3, "present": 3, "yes": 2, "no": 1});
    fails(&tally(&input), "rules.tie: unknown field `tie`");
}

#[test]
fn a_candidate_listed_twice_is_refused() {
    let mut input = election();
    input["candidates"] = json!(["王明", "李华", "王明"]);
    fails(&tally(&input), r#"candidates[2]: candidate "王明" is listed twice"#);
}

#[test]
fn a_negative_count_is_refused() {
    let mut input = election();
    input["members"] = json!(-440);
    fails(&tally(&input), "members: invalid value: integer `-440`");
    let input = json!({"kind": "resolution", "rules": "roberts-rules", "members": 30, "present": 30, "yes": 20, "no": -1});
    fails(&tally(&input), "no: invalid value: integer `-1`");
}

#[test]
fn an_unknown_preset_or_method_is_refused() {
    let input = json!({"kind": "resolution", "rules": "simple-majority", "members": 3, "present": 3, "yes": 2, "no": 1});
    fails(&tally(&input), r#"rules: unknown preset "simple-majority""#);
    let mut input = election();
    input["rules"] = json!("d-hondt");
    fails(&tally(&input), "rules: unknown variant `d-hondt`");
    let input = json!({"kind": "resolution", "rules": {"base": "all_members", "threshold": {"more_than": [3, 2]}},
                       "members": 3, "present": 3, "yes": 2, "no": 1});
    fails(&tally(&input), "rules.threshold: more_than [3, 2]");
    fails(&tally(&json!({"kind": "referendum"})), r#"kind: unknown kind "referendum""#);
    fails(&tally(&json!({"rules": "stv"})), "kind: missing");
}

#[test]
fn malformed_json_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fails(&tally_file(dir.path(), "{\"kind\": \"election\",\n \"seats\": 2,,}"), "malformed JSON: ");
    fails(&tally_file(dir.path(), "{\"kind\": \"election\",\n \"seats\": 2,,}"), "line 2 column");
    let o = Command::new(env!("CARGO_BIN_EXE_plenum"))
        .current_dir(dir.path())
        .env_remove("PLENUM_CONFIG")
        .args(["tally", "no-such-file.json"])
        .output()
        .unwrap();
    fails(&o, "no-such-file.json");
}

#[test]
fn impossible_resolution_counts_are_refused() {
    let input = json!({"kind": "resolution", "rules": "cn-people-congress",
                       "members": 440, "present": 420, "yes": 402, "no": 10, "abstain": 9});
    fails(&tally(&input), "present: 420 members present, fewer than the 421 votes cast");
}
