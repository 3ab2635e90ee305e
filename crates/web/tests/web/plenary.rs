//! Plenary sessions over HTTP: check-in, votes from a phone, totals by hand, the
//! privacy of secret polls (answers and live stream), the projector, opinions.
//! Uses the suite's server and clients (`super::Server`, `Browser`, `Live`).

use super::{Browser, CONGRESS, Live, Reply, Server};
use plenum_domain::{
    AssemblyId, BodyKind, Choice, Command, Gender, GroupId, GroupKind, ItemKind, Level, MeetingId,
    MeetingKind, MemberDraft, MemberId, PollState, SessionKey,
};
use plenum_journal::{AuthStore, Journal, NewAccount};
use plenum_testkit::TestDb;
use plenum_web::demo::DEMO_PASSWORD;
use plenum_web::i18n::Lang;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const PLENARY: &str = "rd15-1-plenary-2";
const MEETING: &str = "/assemblies/taiyuan-rd-15/meetings/rd15-1-plenary-2";
const API_MEETING: &str = "/api/v1/assemblies/taiyuan-rd-15/meetings/rd15-1-plenary-2";
const POLLS: &str = "/api/v1/assemblies/taiyuan-rd-15/polls";

// ---- the authorization matrix's requests for these routes ----------------------------------

/// The POST routes of plenary sessions, for `call` in the matrix.
const POSTS: &[&str] = &[
    "/assemblies/{id}/meetings/{meeting}/check-in",
    "/assemblies/{id}/meetings/{meeting}/check-in/bulk",
    "/assemblies/{id}/meetings/{meeting}/hall-code",
    "/assemblies/{id}/meetings/{meeting}/leave",
    "/assemblies/{id}/meetings/{meeting}/opinions",
    "/assemblies/{id}/meetings/{meeting}/polls",
    "/assemblies/{id}/polls/{poll}/vote",
    "/assemblies/{id}/polls/{poll}/totals",
    "/assemblies/{id}/polls/{poll}/confirm",
    "/assemblies/{id}/polls/{poll}/close",
    "/api/v1/assemblies/{id}/meetings/{meeting}/check-in",
    "/api/v1/assemblies/{id}/meetings/{meeting}/check-in/bulk",
    "/api/v1/assemblies/{id}/meetings/{meeting}/hall-code",
    "/api/v1/assemblies/{id}/meetings/{meeting}/leave",
    "/api/v1/assemblies/{id}/meetings/{meeting}/opinions",
    "/api/v1/assemblies/{id}/polls",
    "/api/v1/assemblies/{id}/polls/{poll}/vote",
    "/api/v1/assemblies/{id}/polls/{poll}/totals",
    "/api/v1/assemblies/{id}/polls/{poll}/confirm",
    "/api/v1/assemblies/{id}/polls/{poll}/close",
];

pub(super) fn handles(method: &str, pattern: &str) -> bool {
    method == "POST" && POSTS.contains(&pattern)
}

/// A plausible request for one of `POSTS` at `path` (the pattern filled in).
pub(super) async fn matrix_request(b: &mut Browser<'_>, pattern: &str, path: &str) -> Reply {
    let tail = pattern.rsplit('/').next().unwrap_or("");
    let api = pattern.starts_with("/api/");
    let bulk = pattern.ends_with("/check-in/bulk");
    match (api, tail) {
        (false, "check-in") => b.post_form(path, &[]).await,
        (false, "hall-code") => b.post_form(path, &[("required", "1")]).await,
        (false, "bulk") if bulk => b.post_form(path, &[("group", "xiaodian")]).await,
        (false, "leave") => b.post_form(path, &[("member", "d-0002"), ("reason", "因公出差")]).await,
        (false, "opinions") => b.post_form(path, &[("item", "1"), ("text", "matrix")]).await,
        (false, "polls") => {
            b.post_form(path, &[("subject", "3"), ("rule", "cn-people-congress"), ("mode", "named")]).await
        }
        (false, "vote") => b.post_form(path, &[("choice", "yes")]).await,
        (false, "totals") => b.post_form(path, &[("yes", "1"), ("no", "0"), ("abstain", "0")]).await,
        (false, _) => b.post_form(path, &[]).await,
        (true, "check-in") => b.post_json(path, &json!({})).await,
        (true, "hall-code") => b.post_json(path, &json!({"required": true})).await,
        (true, "bulk") => b.post_json(path, &json!({"group": "xiaodian"})).await,
        (true, "leave") => b.post_json(path, &json!({"member": "d-0003", "reason": "因公出差"})).await,
        (true, "opinions") => b.post_json(path, &json!({"item": 1, "text": "matrix"})).await,
        (true, "polls") => {
            let req = json!({"meeting": PLENARY, "subject": "item", "item": 3, "rule": "cn-people-congress", "mode": "named"});
            b.post_json(path, &req).await
        }
        (true, "vote") => b.post_json(path, &json!({"choice": "yes"})).await,
        (true, "totals") => b.post_json(path, &json!({"yes": 1, "no": 0, "abstain": 0})).await,
        (true, _) => b.post_json(path, &json!({})).await,
    }
}

// ---- helpers ------------------------------------------------------------------------------

/// The value of the first hidden field `name` in a page.
fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("no field {name} in {html}")) + marker.len();
    html[at..].split('"').next().unwrap().to_owned()
}

fn congress() -> AssemblyId {
    AssemblyId::parse(CONGRESS).unwrap()
}

/// The member a login stands for.
pub(super) async fn member_of(s: &Server, username: &str) -> MemberId {
    let acc = s.app.journal().account_by_username(username).await.unwrap().unwrap();
    MemberId::parse(acc.member.unwrap()).unwrap()
}

/// Gives `members` deputy logins named `username-N`.
pub(super) async fn add_logins(s: &Server, username: &str, members: &[MemberId]) -> Vec<String> {
    let hash = plenum_web::auth::hash_password(DEMO_PASSWORD, true).unwrap();
    let names: Vec<String> = (0..members.len()).map(|i| format!("{username}-{i}")).collect();
    let accounts = members
        .iter()
        .zip(&names)
        .map(|(m, u)| NewAccount {
            username: u.clone(),
            display_name: u.clone(),
            role: "deputy".into(),
            assembly: Some(CONGRESS.into()),
            member: Some(m.to_string()),
            password_hash: hash.clone(),
            must_change_password: false,
        })
        .collect();
    s.app.journal().create_accounts(accounts).await.unwrap();
    names
}

/// Members present at the plenary who have not voted in `poll`, the demo logins left out.
pub(super) async fn present_not_voted(s: &Server, poll: u32, n: usize) -> Vec<MemberId> {
    let skip = [member_of(s, "deputy").await, member_of(s, "presidium").await];
    s.app
        .read(&congress(), |a| {
            let m = &a.meetings[&MeetingId::parse(PLENARY).unwrap()];
            m.attendance
                .present
                .keys()
                .filter(|id| !skip.contains(id))
                .filter(|id| a.polls.get(&poll).is_none_or(|p| !p.ballots.contains_key(*id)))
                .take(n)
                .cloned()
                .collect()
        })
        .unwrap()
}

pub(super) fn name_of(s: &Server, id: &MemberId) -> String {
    s.app.read(&congress(), |a| a.members[id].name.clone()).unwrap()
}

async fn close(s: &Server, poll: u32) -> Value {
    let mut pres = s.api(&s.token("presidium", DEMO_PASSWORD).await);
    let r = pres.post_json(&format!("{POLLS}/{poll}/close"), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "close {poll}: {}", r.body);
    r.json()
}

async fn open(s: &Server, body: Value) -> u32 {
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let r = sec.post_json(POLLS, &body).await;
    assert_eq!(r.status, StatusCode::OK, "open: {}", r.body);
    r.json()["poll"].as_u64().unwrap() as u32
}

// ---- 1. check-in and votes ------------------------------------------------------------------

/// The code the hall's screen shows now at the demo's plenary, as the secretariat reads it.
async fn hall_code_now(s: &Server) -> String {
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let v = sec.get(&format!("{API_MEETING}/hall-code")).await.json();
    assert_eq!(v["required"], true, "{v}");
    let left = v["changes_in_seconds"].as_i64().unwrap();
    assert!((1..=60).contains(&left), "{v}");
    let code = v["code"].as_str().unwrap().to_owned();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    code
}

/// A meeting that requires the hall's code takes members' own check-in only with the
/// code of this minute (or the last); the desk is not affected; the secretariat turns
/// it on and off, and sees the code on the meeting's page and on a screen of its own.
async fn hall_code_for_self_check_in(db: TestDb) {
    let s = Server::start(db).await;
    let me = member_of(&s, "deputy").await;
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let mut dep = s.api(&s.token("deputy", DEMO_PASSWORD).await);
    let r = sec
        .post_json(&format!("{API_MEETING}/leave"), &json!({"member": me.as_str(), "reason": "迟到"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let in_ = format!("{API_MEETING}/check-in");
    // The meetings' list says which take the code: the open plenary, not the first.
    let list = s.browser().get("/api/v1/assemblies/taiyuan-rd-15/meetings").await.json();
    let takes =
        |id: &str| list.as_array().unwrap().iter().find(|m| m["id"] == id).unwrap()["hall_code"].clone();
    assert_eq!((takes(PLENARY), takes("rd15-1-plenary-1")), (json!(true), json!(false)), "{list}");

    // Without a code, with a malformed one, with a wrong one: refused, naming the field.
    let r = dep.post_json(&in_, &json!({})).await;
    assert_eq!(
        (r.status, r.json()["rule"].as_str(), r.json()["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("attendance.hall_code"), Some("hall_code")),
        "{}",
        r.body
    );
    let code = hall_code_now(&s).await;
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 500_000) % 1_000_000);
    for bad in ["12345", "abcdef", wrong.as_str()] {
        let r = dep.post_json(&in_, &json!({"hall_code": bad})).await;
        assert_eq!(
            (r.status, r.json()["rule"].as_str(), r.json()["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("attendance.hall_code_wrong"), Some("hall_code")),
            "{bad}: {}",
            r.body
        );
    }
    // The staff's console may not claim a check-in with the code on a member's behalf.
    let cmd = json!({"command": {"command": "check_in", "meeting": PLENARY, "member": me.as_str(), "method": "hall_code"}});
    let r = sec.post_json("/api/v1/assemblies/taiyuan-rd-15/commands", &cmd).await;
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("command")),
        "{}",
        r.body
    );
    // The page the hall's QR code opens: the code filled in (digits and spaces only);
    // a visitor logs in first and comes back to it.
    let scan = format!("{MEETING}/check-in?hall_code=482%20913");
    let r = s.browser().get(&scan).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.location().starts_with("/login?next=") && r.location().contains("hall_code"),
        "{}",
        r.location()
    );
    let mut phone = s.logged_in("deputy").await;
    let page = phone.get(&scan).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"482 913\""), "{}", page.body);
    assert!(page.body.contains(&format!("action=\"{MEETING}/check-in\"")), "{}", page.body);
    let page = phone.get(&format!("{MEETING}/check-in?hall_code=%22%3E%3Cb%3E1")).await;
    assert!(page.body.contains("value=\"1\""), "{}", page.body);
    let page = s.logged_in("secretariat").await.get(&scan).await;
    assert!(page.body.contains(Lang::Zh.t("plenary.check_in.not_expected")), "{}", page.body);
    // In Chinese on the pages.
    // On the pages a refusal about the code goes back to the check-in page, which says
    // why beside the field; without a code, likewise.
    for (given, rule) in [(wrong.as_str(), "hall_code_wrong"), ("", "hall_code")] {
        let r = phone.post_form(&format!("{MEETING}/check-in"), &[("hall_code", given)]).await;
        let back = format!("{MEETING}/check-in?retry={rule}");
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, back.as_str()), "{}", r.body);
        let page = phone.get(&back).await;
        let said = Lang::Zh.t(&format!("plenary.err.attendance.{rule}"));
        assert!(page.body.contains(said) && page.body.contains("name=\"hall_code\""), "{}", page.body);
    }
    // Other refusals still get the error page: not this member's to check in.
    let r = phone.post_form(&format!("{MEETING}/check-in"), &[("member", "d-0002")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let page = phone.get(MEETING).await;
    assert!(page.body.contains("name=\"hall_code\""), "{}", page.body);
    assert!(page.body.contains("autocomplete=\"one-time-code\""), "{}", page.body);
    // With the code shown now, spaced as on the screen: checked in, by the hall's code.
    let methods = |att: &Value| att["check_in_methods"]["hall_code"].as_u64().unwrap();
    let before = methods(&sec.get(&format!("{API_MEETING}/attendance")).await.json());
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let r = dep.post_json(&in_, &json!({"hall_code": spaced})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let pos = r.json()["position"].as_u64().unwrap();
    let ev = &s.app.journal().read_all(pos - 1, 1).await.unwrap()[0];
    assert_eq!(ev.kind, "MemberCheckedIn");
    assert!(ev.payload.contains("\"hall_code\"") && ev.payload.contains(me.as_str()), "{}", ev.payload);
    let page = phone.get(&scan).await;
    assert!(
        page.body.contains(Lang::Zh.t("plenary.checked_in")) && !page.body.contains("name=\"hall_code\"")
    );
    // The secretariat sees how those present were checked in; the public does not.
    let att = sec.get(&format!("{API_MEETING}/attendance")).await.json();
    let m = &att["check_in_methods"];
    let sum: u64 = ["hall_code", "self_service", "desk", "bulk"].iter().map(|k| m[k].as_u64().unwrap()).sum();
    assert_eq!((methods(&att), sum), (before + 1, att["present"].as_u64().unwrap()), "{att}");
    assert!(before > 300, "most of the demo's deputies checked in with the code: {att}");
    assert!(s.browser().get(&format!("{API_MEETING}/attendance")).await.json()["check_in_methods"].is_null());

    // The secretariat's view: the code on the meeting's page and on the hall's screen,
    // which reloads itself when the code changes.
    let mut desk = s.logged_in("secretariat").await;
    for path in [MEETING.to_owned(), format!("{MEETING}/hall-code")] {
        let before = hall_code_now(&s).await;
        let page = desk.get(&path).await;
        let after = hall_code_now(&s).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let shown = shown_code(&page.body).replace(' ', "");
        // The minute may turn while the page is made.
        assert!(shown == before || shown == after, "{path}: {shown} is neither {before} nor {after}");
    }
    let screen = desk.get(&format!("{MEETING}/hall-code")).await;
    assert!(screen.body.contains("http-equiv=\"refresh\""), "{}", screen.body);
    // With the check-in link as a QR code (decoded in the browser test).
    assert!(screen.body.contains("<figure class=\"hall-qr\"><svg"), "{}", screen.body);
    // Its count of those checked in follows the live stream.
    let present = sec.get(&format!("{API_MEETING}/attendance")).await.json()["present"].as_u64().unwrap();
    let count = desk.get(&format!("{MEETING}/hall-code?partial=count")).await.body;
    assert_eq!(count, format!("<p>已签到 {present} 人，应到 438 人</p>"));
    assert!(screen.body.contains(
        "data-partial=\"/assemblies/taiyuan-rd-15/meetings/rd15-1-plenary-2/hall-code?partial=count\""
    ));
    // Nobody else sees it.
    assert_eq!(dep.get(&format!("{API_MEETING}/hall-code")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.browser().get(&format!("{MEETING}/hall-code")).await.status, StatusCode::SEE_OTHER);

    // Guessing is cut short: after five wrong codes in a minute even the right one is
    // refused until the next minute (started early in a minute, so that it does not
    // turn during the tries).
    let two = present_not_voted(&s, 3, 2).await;
    let guesser = two[0].clone();
    let logins = add_logins(&s, "guess", &two).await;
    for m in &two {
        let r = sec
            .post_json(&format!("{API_MEETING}/leave"), &json!({"member": m.as_str(), "reason": "迟到"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let mut guess = s.api(&s.token(&logins[0], DEMO_PASSWORD).await);
    let left =
        sec.get(&format!("{API_MEETING}/hall-code")).await.json()["changes_in_seconds"].as_u64().unwrap();
    if left < 15 {
        tokio::time::sleep(std::time::Duration::from_secs(left + 1)).await;
    }
    let code = hall_code_now(&s).await;
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 500_000) % 1_000_000);
    for i in 0..5 {
        let r = guess.post_json(&in_, &json!({"hall_code": wrong})).await;
        assert_eq!(r.json()["rule"], "attendance.hall_code_wrong", "try {i}: {}", r.body);
    }
    let r = guess.post_json(&in_, &json!({"hall_code": code})).await;
    assert_eq!(
        (r.status, r.json()["rule"].as_str(), r.json()["field"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("attendance.hall_code_attempts"), Some("hall_code")),
        "{}",
        r.body
    );
    // Another member's tries, sent all at once, are counted as they come: no more than five are checked
    // (ten, if the minute turns among them).
    let token = s.token(&logins[1], DEMO_PASSWORD).await;
    let mut phones: Vec<_> = (0..30).map(|_| s.api(&token)).collect();
    let body = json!({"hall_code": wrong});
    let answers = futures_util::future::join_all(phones.iter_mut().map(|p| p.post_json(&in_, &body))).await;
    let checked = answers.iter().filter(|r| r.json()["rule"] == "attendance.hall_code_wrong").count();
    let held = answers.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(checked + held, 30, "{:?}", answers.iter().map(|r| &r.body).collect::<Vec<_>>());
    assert!((1..=10).contains(&checked), "{checked} of 30 tries sent at once were checked");

    // The desk checks members in without a code.
    let other = guesser;
    let r = sec
        .post_json(&format!("{API_MEETING}/leave"), &json!({"member": other.as_str(), "reason": "迟到"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = sec.post_json(&in_, &json!({"member": other.as_str()})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Turned off: a plain self check-in again; turning it off twice is refused.
    let r = sec
        .post_json(&format!("{API_MEETING}/leave"), &json!({"member": me.as_str(), "reason": "离会"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = sec.post_json(&format!("{API_MEETING}/hall-code"), &json!({"required": false})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = sec.post_json(&format!("{API_MEETING}/hall-code"), &json!({"required": false})).await;
    assert_eq!(r.json()["rule"], "attendance.hall_code_unchanged", "{}", r.body);
    let v = sec.get(&format!("{API_MEETING}/hall-code")).await.json();
    assert_eq!((v["required"].as_bool(), v["code"].is_null()), (Some(false), true), "{v}");
    let r = dep.post_json(&in_, &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let pos = r.json()["position"].as_u64().unwrap();
    let ev = &s.app.journal().read_all(pos - 1, 1).await.unwrap()[0];
    assert!(ev.payload.contains("self_service"), "{}", ev.payload);
    // And on again through the page's form.
    let page = desk.get(MEETING).await;
    let r = desk
        .post_form(
            &format!("{MEETING}/hall-code"),
            &[("required", "1"), ("command_id", &field(&page.body, "command_id"))],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, format!("{MEETING}?done=hall_code_on").as_str())
    );
    assert_eq!(sec.get(&format!("{API_MEETING}/hall-code")).await.json()["required"], true);
}

/// The hall code a page shows.
fn shown_code(body: &str) -> String {
    let at = body.find("data-hall-code").unwrap_or_else(|| panic!("no hall code shown: {body}"));
    let rest = &body[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    rest[start..start + end].trim().to_owned()
}

async fn check_in_and_vote(db: TestDb) {
    let s = Server::start(db).await;
    let me = member_of(&s, "deputy").await;
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let mut dep = s.api(&s.token("deputy", DEMO_PASSWORD).await);

    // Attendance, with the quorum of OL art. 14.
    let att = s.browser().get(&format!("{API_MEETING}/attendance")).await.json();
    let (present, members) = (att["present"].as_u64().unwrap(), att["members"].as_u64().unwrap());
    assert!(att["quorum"]["met"].as_bool().unwrap());
    assert_eq!(att["quorum"]["source"], "OL art. 14");
    assert_eq!(
        att["quorum"]["text"],
        format!("{present} present: more than two thirds of all {members} deputies (OL art. 14)")
    );
    assert!(att["absent_members"].is_null(), "names are for the secretariat");
    let sums: u64 = att["groups"].as_array().unwrap().iter().map(|g| g["present"].as_u64().unwrap()).sum();
    assert_eq!(sums, present);
    let page = s.browser().get(MEETING).await;
    assert!(
        page.body.contains(&format!("出席 {present} 人，超过全体代表 {members} 人的三分之二（OL art. 14）")),
        "{}",
        page.body
    );

    // Leave recorded by the secretariat; the deputy checks in again on the phone.
    let r = sec
        .post_json(&format!("{API_MEETING}/leave"), &json!({"member": me.as_str(), "reason": "临时请假"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let att = sec.get(&format!("{API_MEETING}/attendance")).await.json();
    assert!(
        att["excused_members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == me.as_str() && x["reason"] == "临时请假")
    );
    let r = dep.post_json(&format!("{POLLS}/3/vote"), &json!({"choice": "yes"})).await;
    assert_eq!(
        (r.status, r.json()["rule"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("poll.not_present"))
    );
    // A deputy may not check in someone else.
    let r = dep.post_json(&format!("{API_MEETING}/check-in"), &json!({"member": "d-0002"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // The demo's plenary takes self check-in with the code on the hall's screen.
    let r = dep.post_json(&format!("{API_MEETING}/check-in"), &json!({"command_id": "in-0"})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("hall_code")));
    let code = hall_code_now(&s).await;
    let r = dep
        .post_json(&format!("{API_MEETING}/check-in"), &json!({"command_id": "in-1", "hall_code": code}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let pos = r.json()["position"].as_u64().unwrap();
    let ev = &s.app.journal().read_all(pos - 1, 1).await.unwrap()[0];
    assert_eq!(ev.kind, "MemberCheckedIn");
    assert!(ev.payload.contains("hall_code") && ev.payload.contains(me.as_str()), "{}", ev.payload);
    let again = dep
        .post_json(&format!("{API_MEETING}/check-in"), &json!({"command_id": "in-1", "hall_code": code}))
        .await
        .json();
    assert_eq!((again["replayed"].as_bool(), again["position"].as_u64()), (Some(true), Some(pos)));
    let r = dep.post_json(&format!("{API_MEETING}/check-in"), &json!({"hall_code": code})).await;
    assert_eq!(r.json()["rule"], "attendance.already");

    // The vote: a double submit answers with the first receipt, a second ballot is refused.
    let r = dep.post_json(&format!("{POLLS}/3/vote"), &json!({"choice": "yes", "command_id": "v-1"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let first = r.json();
    assert_eq!(first["replayed"], false);
    let again = dep
        .post_json(&format!("{POLLS}/3/vote"), &json!({"choice": "yes", "command_id": "v-1"}))
        .await
        .json();
    assert_eq!((again["replayed"].as_bool(), &again["position"]), (Some(true), &first["position"]));
    let r = dep.post_json(&format!("{POLLS}/3/vote"), &json!({"choice": "no", "command_id": "v-2"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (r.json()["code"].as_str(), r.json()["rule"].as_str()),
        (Some("rule_violation"), Some("poll.already_voted"))
    );
    let r = dep.post_json(&format!("{POLLS}/3/vote"), &json!({"choice": "maybe"})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::BAD_REQUEST, Some("choice")));
    // API ballots are served in front of the router (the ballot fast path), with the
    // router's answers: an unknown token, a malformed body, another content type.
    let r = s.api("no-such-token").post_json(&format!("{POLLS}/3/vote"), &json!({"choice": "yes"})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let r = dep.post_raw(&format!("{POLLS}/3/vote"), "application/json", "{\"choice\":").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("JSON"), "{}", r.body);
    let huge = format!("{{\"choice\":\"yes\",\"command_id\":\"{}\"}}", "x".repeat(20_000));
    let r = dep.post_raw(&format!("{POLLS}/3/vote"), "application/json", &huge).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")));
    let r = dep.post_raw(&format!("{POLLS}/3/vote"), "text/plain", "{\"choice\":\"no\"}").await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.body);
    let view = dep.get(&format!("{POLLS}/3")).await.json();
    assert_eq!((view["me"]["voted"].as_bool(), view["me"]["choice"].as_str()), (Some(true), Some("yes")));
    // Only members vote; a staff login has nobody to vote for.
    let r = sec.post_json(&format!("{POLLS}/3/vote"), &json!({"choice": "yes"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The same on the pages, on a phone: the check-in button, then the big buttons.
    let who = present_not_voted(&s, 3, 1).await;
    let login = add_logins(&s, "phone", &who).await.remove(0);
    let r = sec
        .post_json(&format!("{API_MEETING}/leave"), &json!({"member": who[0].as_str(), "reason": "迟到"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut phone = s.logged_in(&login).await;
    let home = phone.get("/").await;
    assert!(
        home.body.contains(&format!("action=\"{MEETING}/check-in\"")),
        "dashboard check-in: {}",
        home.body
    );
    let page = phone.get("/assemblies/taiyuan-rd-15/polls/3").await;
    assert!(page.body.contains(Lang::Zh.t("plenary.not_checked_in")), "{}", page.body);
    assert!(page.body.contains("name=\"hall_code\""), "the form asks for the hall's code: {}", page.body);
    let r = phone
        .post_form(
            &format!("{MEETING}/check-in"),
            &[
                ("command_id", &field(&page.body, "command_id")),
                ("hall_code", &hall_code_now(&s).await),
                ("back", "/assemblies/taiyuan-rd-15/polls/3#vote"),
            ],
        )
        .await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/assemblies/taiyuan-rd-15/polls/3#vote"));
    let page = phone.get("/assemblies/taiyuan-rd-15/polls/3").await;
    assert!(page.body.contains("class=\"choice yes\""), "{}", page.body);
    let key = field(&page.body, "command_id");
    let vote = "/assemblies/taiyuan-rd-15/polls/3/vote";
    let r = phone.post_form(vote, &[("command_id", &key), ("choice", "no")]).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/assemblies/taiyuan-rd-15/polls/3#vote"),
        "{}",
        r.body
    );
    let head = s.app.journal().head().await.unwrap();
    let page = phone.get("/assemblies/taiyuan-rd-15/polls/3").await;
    assert!(page.body.contains("您的投票已记录"), "{}", page.body);
    assert!(page.body.contains(&format!(
        "{}: <strong>{}</strong>",
        Lang::Zh.t("plenary.you_chose"),
        Lang::Zh.t("plenary.choice.no")
    )));
    // The same form again (a double tap): the same receipt, nothing new written.
    let r = phone.post_form(vote, &[("command_id", &key), ("choice", "no")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(s.app.journal().head().await.unwrap(), head);
    // A second, different ballot: the rule's error, in Chinese.
    let r = phone.post_form(vote, &[("command_id", "another"), ("choice", "yes")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(Lang::Zh.t("plenary.err.poll.already_voted")), "{}", r.body);
    let mut en = s.logged_in(&login).await;
    en.lang = Some("en");
    assert!(en.get("/assemblies/taiyuan-rd-15/polls/3").await.body.contains("Your vote is recorded"));
    let r = en.post_form(vote, &[("choice", "yes")]).await;
    assert!(r.body.contains("has already voted in poll 3"), "{}", r.body);

    // After the close, no ballot is taken.
    let late = present_not_voted(&s, 3, 1).await;
    let late_login = add_logins(&s, "late", &late).await.remove(0);
    let mut late_api = s.api(&s.token(&late_login, DEMO_PASSWORD).await);
    let mut late_page = s.logged_in(&late_login).await;
    let page = late_page.get("/assemblies/taiyuan-rd-15/polls/3").await;
    let key = field(&page.body, "command_id");
    let closed = close(&s, 3).await;
    assert_eq!(closed["state"], "closed");
    let r = late_api.post_json(&format!("{POLLS}/3/vote"), &json!({"choice": "yes"})).await;
    assert_eq!(
        (r.status, r.json()["rule"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("poll.closed"))
    );
    let r = late_page.post_form(vote, &[("command_id", &key), ("choice", "yes")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(Lang::Zh.t("plenary.err.poll.closed")), "{}", r.body);
    let page = late_page.get("/assemblies/taiyuan-rd-15/polls/3").await;
    assert!(
        page.body.contains(Lang::Zh.t("plenary.poll_over")) && !page.body.contains("class=\"choice yes\"")
    );
}

// ---- 2. show of hands ---------------------------------------------------------------------------

async fn show_of_hands_needs_a_second_person(db: TestDb) {
    let s = Server::start(db).await;
    close(&s, 3).await;
    let poll = open(&s, json!({"meeting": PLENARY, "subject": "item", "item": 3, "rule": "cn-people-congress", "mode": "show_of_hands"})).await;
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let mut admin = s.api(&s.token("admin", DEMO_PASSWORD).await);
    let url = format!("{POLLS}/{poll}");
    // No electronic ballots in a show of hands.
    let mut dep = s.api(&s.token("deputy", DEMO_PASSWORD).await);
    let r = dep.post_json(&format!("{url}/vote"), &json!({"choice": "yes"})).await;
    assert_eq!(r.json()["rule"], "poll.mode");
    let r = sec.post_json(&format!("{url}/close"), &json!({})).await;
    assert_eq!(r.json()["rule"], "poll.totals_unconfirmed");
    let r = sec.post_json(&format!("{url}/totals"), &json!({"yes": 900, "no": 0, "abstain": 0})).await;
    assert_eq!(r.json()["rule"], "poll.more_votes_than_present");
    let r = sec.post_json(&format!("{url}/totals"), &json!({"yes": 400, "no": 12, "abstain": 9})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The one who entered them cannot confirm them.
    let r = sec.post_json(&format!("{url}/confirm"), &json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (r.json()["rule"].as_str(), r.json()["field"].as_str()),
        (Some("poll.second_person"), Some("by"))
    );
    let view = s.browser().get(&url).await.json();
    assert_eq!(view["entered"]["entered_by"], "account:secretariat");
    assert!(view["entered"]["confirmed_by"].is_null());
    let r = admin.post_json(&format!("{url}/close"), &json!({})).await;
    assert_eq!(r.json()["rule"], "poll.totals_unconfirmed");
    // A second person, on the page.
    let mut pres = s.logged_in("presidium").await;
    let page = pres.get(&format!("/assemblies/taiyuan-rd-15/polls/{poll}")).await;
    assert!(
        page.body.contains(&format!("action=\"/assemblies/taiyuan-rd-15/polls/{poll}/confirm\"")),
        "{}",
        page.body
    );
    let r = pres.post_form(&format!("/assemblies/taiyuan-rd-15/polls/{poll}/confirm"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = pres.post_form(&format!("/assemblies/taiyuan-rd-15/polls/{poll}/close"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let view = s.browser().get(&url).await.json();
    assert_eq!(view["entered"]["confirmed_by"], "account:presidium");
    let result = &view["result"];
    assert_eq!((result["adopted"].as_bool(), result["yes"].as_u64()), (Some(true), Some(400)));
    let electorate = view["electorate"].as_u64().unwrap();
    assert_eq!(
        result["basis"],
        format!(
            "adopted: 400 yes, needs more than half of all {electorate} deputies = {} (OL art. 25)",
            electorate / 2 + 1
        )
    );
    let page = s.browser().get(&format!("/assemblies/taiyuan-rd-15/polls/{poll}")).await;
    assert!(
        page.body.contains(&format!(
            "通过：赞成 400 票；须获全体代表 {electorate} 人过半数赞成，即至少 {} 票（OL art. 25）",
            electorate / 2 + 1
        )),
        "{}",
        page.body
    );
}

// ---- 3. named polls: by delegation, and who has not voted ------------------------------------------

async fn named_poll_by_delegation(db: TestDb) {
    let s = Server::start(db).await;
    let v = s.browser().get(&format!("{POLLS}/2")).await.json();
    assert_eq!((v["mode"].as_str(), v["state"].as_str()), (Some("named"), Some("closed")));
    let r = &v["result"];
    let groups = v["delegations"].as_array().unwrap();
    let sum = |k: &str| groups.iter().map(|g| g[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(
        (sum("yes"), sum("no"), sum("abstain")),
        (r["yes"].as_u64().unwrap(), r["no"].as_u64().unwrap(), r["abstain"].as_u64().unwrap())
    );
    assert_eq!(sum("not_voted"), r["not_voted"].as_u64().unwrap());
    let missing = v["not_voted"].as_array().unwrap();
    assert_eq!(missing.len() as u64, r["not_voted"].as_u64().unwrap());
    assert!(missing.iter().all(|m| m["name"].as_str().is_some_and(|n| !n.is_empty())));
    assert!(missing.iter().all(|m| m.get("choice").is_none()));
    let page = s.browser().get("/assemblies/taiyuan-rd-15/polls/2").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(Lang::Zh.t("plenary.not_voted_names")));
    assert!(page.body.contains(missing[0]["name"].as_str().unwrap()));
    assert!(page.body.contains(groups[0]["name"].as_str().unwrap()));
    // Its reports, linked from the page.
    assert!(page.body.contains("href=\"/assemblies/taiyuan-rd-15/polls/2/report.csv\""));
    let csv = s.browser().get("/assemblies/taiyuan-rd-15/polls/2/report.csv").await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert!(csv.content_type().starts_with("text/csv") && csv.body.starts_with('\u{feff}'));
    let pdf = s.http.get(s.url("/assemblies/taiyuan-rd-15/polls/2/report.pdf")).send().await.unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    assert_eq!(
        s.browser().get("/assemblies/taiyuan-rd-15/polls/99/report.csv").await.status,
        StatusCode::NOT_FOUND
    );
    // The open poll 3 shows its running counts (disclosure: counts) and who is missing.
    let open = s.browser().get(&format!("{POLLS}/3")).await.json();
    assert_eq!(open["state"], "open");
    let c = &open["counts"];
    assert_eq!(
        c["yes"].as_u64().unwrap() + c["no"].as_u64().unwrap() + c["abstain"].as_u64().unwrap(),
        open["turnout"].as_u64().unwrap()
    );
    assert!(!open["not_voted"].as_array().unwrap().is_empty());
    // The list of polls.
    let list = s.browser().get(POLLS).await.json();
    assert_eq!(
        list.as_array().unwrap().iter().map(|p| p["number"].as_u64().unwrap()).collect::<Vec<_>>(),
        [3, 2, 1]
    );
    assert_eq!(list[1]["adopted"], true);
    let page = s.browser().get("/assemblies/taiyuan-rd-15/polls").await;
    assert!(page.body.contains("关于政府工作报告的决议（草案）"));
}

// ---- 4. secret polls and the live stream ----------------------------------------------------------

/// The next live event of `kind`.
async fn next_of(live: &mut Live, kind: &str) -> super::Sse {
    loop {
        let ev = live.next(Duration::from_secs(2)).await.unwrap_or_else(|| panic!("no {kind} within 2 s"));
        if ev.event == kind {
            return ev;
        }
    }
}

async fn secret_poll_privacy(db: TestDb) {
    let s = Server::start(db).await;
    close(&s, 3).await;
    let voters = present_not_voted(&s, 99, 2).await;
    let logins = add_logins(&s, "secret", &voters).await;
    let mut live = Live::open(&s, None).await;
    let poll = open(&s, json!({"meeting": PLENARY, "subject": "item", "item": 3, "rule": "cn-people-congress", "mode": "secret", "disclosure": "counts"})).await;
    let opened = next_of(&mut live, "PollOpened").await;
    let from = opened.id.unwrap() - 1;
    let url = format!("{POLLS}/{poll}");
    let v = s.browser().get(&url).await.json();
    assert_eq!((v["mode"].as_str(), v["disclosure"].as_str()), (Some("secret"), Some("turnout_only")));

    // One votes on the API, one on the page.
    let mut a = s.api(&s.token(&logins[0], DEMO_PASSWORD).await);
    let r = a.post_json(&format!("{url}/vote"), &json!({"choice": "no", "command_id": "s-1"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ballot = next_of(&mut live, "SealedBallotCast").await;
    assert_eq!(
        ballot.data["data"],
        json!({"type": "SealedBallotCast", "data": {"poll": poll, "turnout": 1}})
    );
    let mut b = s.logged_in(&logins[1]).await;
    let page = b.get(&format!("/assemblies/taiyuan-rd-15/polls/{poll}")).await;
    assert!(page.body.contains(Lang::Zh.t("plenary.secret_note")));
    let r = b
        .post_form(
            &format!("/assemblies/taiyuan-rd-15/polls/{poll}/vote"),
            &[("command_id", &field(&page.body, "command_id")), ("choice", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ballot = next_of(&mut live, "SealedBallotCast").await;
    assert_eq!(ballot.data["data"]["data"], json!({"poll": poll, "turnout": 2}));

    // Nobody's choice anywhere: not in the answers, not on the pages, not in the stream.
    let ids: Vec<String> = voters.iter().map(ToString::to_string).collect();
    let names: Vec<String> = voters.iter().map(|m| name_of(&s, m)).collect();
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let mine = a.get(&url).await.json();
    assert_eq!((mine["me"]["voted"].as_bool(), &mine["me"]["choice"]), (Some(true), &Value::Null));
    for (who, body) in [
        ("public API", s.browser().get(&url).await.body),
        ("staff API", sec.get(&url).await.body),
        ("list", s.browser().get(POLLS).await.body),
        ("public page", s.browser().get(&format!("/assemblies/taiyuan-rd-15/polls/{poll}")).await.body),
        (
            "staff page",
            s.logged_in("secretariat")
                .await
                .get(&format!("/assemblies/taiyuan-rd-15/polls/{poll}"))
                .await
                .body,
        ),
        ("projector", s.browser().get("/assemblies/taiyuan-rd-15/projector").await.body),
        ("report", s.browser().get(&format!("/assemblies/taiyuan-rd-15/polls/{poll}/report.csv")).await.body),
    ] {
        for x in ids.iter().chain(&names) {
            assert!(!body.contains(x.as_str()), "{who} names a voter ({x}): {body}");
        }
        if who.contains("API") {
            let v: Value = serde_json::from_str(&body).unwrap();
            assert!(
                v["counts"].is_null() && v["delegations"].is_null() && v["not_voted"].is_null(),
                "{who}: {v}"
            );
            assert_eq!(v["turnout"], 2);
        }
    }
    // The stream replayed from before the poll opened tells the same, counting exactly.
    let mut replay = Live::open(&s, Some(from)).await;
    let mut turnouts = Vec::new();
    while let Some(ev) = replay.next(Duration::from_millis(500)).await {
        let text = ev.data.to_string();
        assert!(ids.iter().all(|x| !text.contains(x.as_str())), "{text}");
        if ev.event == "SealedBallotCast" {
            assert_eq!(ev.data["data"]["data"].as_object().unwrap().len(), 2, "{text}");
            turnouts.push(ev.data["data"]["data"]["turnout"].as_u64().unwrap());
        }
    }
    assert_eq!(turnouts, [1, 2]);

    // At the close: the sum, decrypted, and still nobody's choice.
    let closed = close(&s, poll).await;
    let r = &closed["result"];
    assert_eq!((r["yes"].as_u64(), r["no"].as_u64(), r["abstain"].as_u64()), (Some(1), Some(1), Some(0)));
    assert_eq!(r["adopted"], false);
    assert!(closed["delegations"].is_null() && closed["not_voted"].is_null());
    let page = s.browser().get(&format!("/assemblies/taiyuan-rd-15/polls/{poll}")).await.body;
    assert!(page.contains(Lang::Zh.t("plenary.result.rejected")));
    assert!(ids.iter().chain(&names).all(|x| !page.contains(x.as_str())));

    // Named votes: the voter shows in the stream only with running counts.
    let who = present_not_voted(&s, 99, 4).await;
    let named = add_logins(&s, "named", &who[2..]).await;
    let hidden = open(&s, json!({"meeting": PLENARY, "subject": "item", "item": 3, "rule": "roberts-rules", "mode": "named", "disclosure": "turnout_only"})).await;
    let mut v = s.api(&s.token(&named[0], DEMO_PASSWORD).await);
    let r = v.post_json(&format!("{POLLS}/{hidden}/vote"), &json!({"choice": "abstain"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ev = next_of(&mut live, "VoteCast").await;
    assert_eq!(ev.data["data"]["data"], json!({"poll": hidden, "turnout": 1}));
    let view = s.browser().get(&format!("{POLLS}/{hidden}")).await.json();
    assert!(view["counts"].is_null() && view["delegations"].is_null(), "turnout only while open: {view}");
    close(&s, hidden).await;
    let shown = open(
        &s,
        json!({"meeting": PLENARY, "subject": "item", "item": 3, "rule": "roberts-rules", "mode": "named"}),
    )
    .await;
    let mut v = s.api(&s.token(&named[1], DEMO_PASSWORD).await);
    let r = v.post_json(&format!("{POLLS}/{shown}/vote"), &json!({"choice": "yes"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ev = next_of(&mut live, "VoteCast").await;
    assert_eq!(ev.data["data"]["data"]["member"], who[3].as_str());
    assert_eq!(ev.data["data"]["data"]["choice"], "yes");
}

/// A ballot sealed on the voter's own device: the browser (`seal.js` with
/// `seal.wasm`) or any client that seals with the poll's public key. The server gets
/// and keeps only the sealed ballot, checks its proofs, refuses a copy, and counts it.
async fn ballots_sealed_on_the_device(db: TestDb) {
    let s = Server::start(db).await;
    close(&s, 3).await;
    let voters = present_not_voted(&s, 99, 3).await;
    let logins = add_logins(&s, "device", &voters).await;
    let poll = open(&s, json!({"meeting": PLENARY, "subject": "item", "item": 3, "rule": "cn-people-congress", "mode": "secret"})).await;
    let url = format!("{POLLS}/{poll}");
    let public = s.browser().get(&url).await.json()["public_key"].as_str().unwrap().to_owned();
    let seal = |c: Choice| plenum_domain::sealed::encrypt(&public, c).unwrap();

    // The page hands the browser the key and the script that seals with it.
    let page_url = format!("/assemblies/taiyuan-rd-15/polls/{poll}");
    let mut b = s.logged_in(&logins[1]).await;
    let page = b.get(&page_url).await;
    assert!(page.body.contains(&format!("data-seal-key=\"{public}\"")), "{}", page.body);
    assert!(page.body.contains(Lang::Zh.t("plenary.sealed_here_note")));
    assert!(page.body.contains("<script src=\"/static/seal.js\" defer></script>"));
    let wasm = s.browser().get("/static/seal.wasm").await;
    assert_eq!((wasm.status, wasm.content_type()), (StatusCode::OK, "application/wasm"));
    assert!(wasm.body.starts_with("\0asm"), "not a WebAssembly module");
    assert_eq!(s.browser().get("/static/seal.js").await.status, StatusCode::OK);

    // On the API, and from the page's form: the sealed ballot, never the choice.
    let mut a = s.api(&s.token(&logins[0], DEMO_PASSWORD).await);
    let first = seal(Choice::Yes);
    let r = a.post_json(&format!("{url}/vote"), &json!({"sealed": first, "command_id": "dev-1"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second = seal(Choice::No);
    let r = b
        .post_form(
            &format!("{page_url}/vote"),
            &[("command_id", &field(&page.body, "command_id")), ("sealed", &second)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().ends_with("?done=sealed-on-device#vote"), "{}", r.location());
    let after = b.get(r.location().split('#').next().unwrap()).await;
    assert!(after.body.contains(Lang::Zh.t("plenary.done.sealed_on_device")));
    assert!(!after.body.contains("data-seal-key"), "a member who voted gets no vote form");
    // The fingerprints of the ballots cast, sorted, for a voter to find the one their
    // device showed; nothing names a voter.
    let list_url = format!("{page_url}/fingerprints.txt");
    assert!(after.body.contains(&format!("class=\"fingerprint\" hidden data-fingerprints=\"{list_url}\"")));
    let list = s.browser().get(&list_url).await;
    assert_eq!((list.status, list.content_type()), (StatusCode::OK, "text/plain; charset=utf-8"));
    let mut want =
        vec![plenum_domain::sealed::fingerprint(&[&first]), plenum_domain::sealed::fingerprint(&[&second])];
    want.sort();
    assert_eq!(list.body.lines().collect::<Vec<_>>(), want);
    assert!(want.iter().all(|f| f.len() == 19 && f.matches('-').count() == 3), "{want:?}");

    // What the rules refuse, by name.
    let mut c = s.api(&s.token(&logins[2], DEMO_PASSWORD).await);
    let vote = format!("{url}/vote");
    let r = c.post_json(&vote, &json!({"sealed": first})).await;
    assert_eq!(
        (r.status, r.json()["rule"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("ballot.copy"))
    );
    let other =
        plenum_domain::sealed::encrypt(&plenum_domain::sealed::new_key().unwrap().0, Choice::Yes).unwrap();
    for bad in [other.as_str(), "00ff", "not hex"] {
        let r = c.post_json(&vote, &json!({"sealed": bad})).await;
        assert_eq!(
            (r.status, r.json()["rule"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("ballot.invalid")),
            "{bad}: {}",
            r.body
        );
    }
    let r = c.post_json(&vote, &json!({"sealed": seal(Choice::Yes), "choice": "yes"})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::BAD_REQUEST, Some("sealed")));
    let r = c.post_json(&vote, &json!({})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("choice")));
    assert_eq!(s.browser().get(&url).await.json()["turnout"], 2, "nothing refused was recorded");

    // The count is the sum of what the devices sealed; the journal holds no choice.
    let closed = close(&s, poll).await;
    let r = &closed["result"];
    assert_eq!((r["yes"].as_u64(), r["no"].as_u64(), r["abstain"].as_u64()), (Some(1), Some(1), Some(0)));

    // A named poll takes no sealed ballot.
    let named = open(
        &s,
        json!({"meeting": PLENARY, "subject": "item", "item": 3, "rule": "roberts-rules", "mode": "named"}),
    )
    .await;
    let page = b.get(&format!("/assemblies/taiyuan-rd-15/polls/{named}")).await;
    assert!(!page.body.contains("data-seal-key"));
    let list = s.browser().get(&format!("/assemblies/taiyuan-rd-15/polls/{named}/fingerprints.txt")).await;
    assert_eq!(list.status, StatusCode::NOT_FOUND, "a named poll has no sealed ballots");
    let r = c.post_json(&format!("{POLLS}/{named}/vote"), &json!({"sealed": seal(Choice::Yes)})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["rule"].as_str().unwrap().starts_with("poll."), "{}", r.body);
}

/// The demo's association (Robert's Rules) has a secret ballot open for the visitor:
/// its `member` login seals a ballot on the device, and the secretariat's close
/// decrypts the sum with the key the demo gave the server. Two thirds of the votes
/// cast are needed, abstentions not counted: the ballots before the visitor's are
/// exactly two thirds yes, so a no defeats the amendment.
async fn the_demo_association_votes_by_two_thirds(db: TestDb) {
    let s = Server::start(db).await;
    let url = "/api/v1/assemblies/taiyuan-translators/polls/3";
    let poll = s.browser().get(url).await.json();
    assert_eq!((poll["state"].as_str(), poll["mode"].as_str()), (Some("open"), Some("secret")), "{poll}");
    assert_eq!(poll["turnout"], 84);
    let public = poll["public_key"].as_str().unwrap().to_owned();
    let assemblies = s.browser().get("/").await;
    assert!(assemblies.body.contains("/assemblies/taiyuan-translators"), "{}", assemblies.body);

    // The member's phone gets the key and the sealing script; the server gets only
    // the sealed ballot.
    let mut b = s.logged_in("member").await;
    // An association's member is titled a member, not a deputy as in the congress.
    let title = |lang: Lang, key: &str| format!("</strong> · {}</span>", lang.t(key));
    assert!(b.get("/").await.body.contains(&title(Lang::Zh, "role.member")));
    assert!(s.logged_in("deputy").await.get("/").await.body.contains(&title(Lang::Zh, "role.deputy")));
    let page = b.get("/assemblies/taiyuan-translators/polls/3").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("data-seal-key=\"{public}\"")), "{}", page.body);
    let mut m = s.api(&s.token("member", DEMO_PASSWORD).await);
    let sealed = plenum_domain::sealed::encrypt(&public, Choice::No).unwrap();
    let r = m.post_json(&format!("{url}/vote"), &json!({"sealed": sealed})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(s.browser().get(url).await.json()["turnout"], 85);

    // The presidium login belongs to the congress; the secretariat closes it.
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let r = sec.post_json(&format!("{url}/close"), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "close: {}", r.body);
    let res = &r.json()["result"];
    assert_eq!(
        (res["yes"].as_u64(), res["no"].as_u64(), res["abstain"].as_u64()),
        (Some(54), Some(28), Some(3))
    );
    assert_eq!(res["adopted"], false, "54 of 82 is less than two thirds: {res}");
}

// ---- 5. the projector ---------------------------------------------------------------------------

async fn projector_shows_the_open_poll(db: TestDb) {
    let s = Server::start(db).await;
    let att = s.browser().get(&format!("{API_MEETING}/attendance")).await.json();
    let poll = s.browser().get(&format!("{POLLS}/3")).await.json();
    let mut public = s.browser();
    let page = public.get("/assemblies/taiyuan-rd-15/projector").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("class=\"projector\"") && page.body.contains("data-assembly=\"taiyuan-rd-15\"")
    );
    assert!(page.body.contains("第二次全体会议"), "{}", page.body);
    assert!(att["quorum"]["met"].as_bool().unwrap() && page.body.contains("超过全体代表"));
    assert!(page.body.contains(poll["title"].as_str().unwrap()));
    assert!(page.body.contains("data-events=\"") && page.body.contains("VoteCast SealedBallotCast"));
    let turnout = poll["turnout"].as_u64().unwrap();
    assert!(page.body.contains(&format!("<dd>{turnout}<small>")), "{}", page.body);
    // A new ballot shows at once in the fragment the page refreshes, and on the stream.
    let mut live = Live::open(&s, None).await;
    let mut dep = s.api(&s.token("deputy", DEMO_PASSWORD).await);
    let r = dep.post_json(&format!("{POLLS}/3/vote"), &json!({"choice": "yes"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(next_of(&mut live, "VoteCast").await.event, "VoteCast");
    let part = public.get("/assemblies/taiyuan-rd-15/projector?partial=1").await;
    assert!(!part.body.contains("<html"), "a fragment");
    assert!(part.body.contains(&format!("<dd>{}<small>", turnout + 1)), "{}", part.body);
    // At the close: the result with its basis.
    close(&s, 3).await;
    let mut en = s.browser();
    en.lang = Some("en");
    let part = en.get("/assemblies/taiyuan-rd-15/projector?partial=1").await;
    assert!(
        part.body.contains("Not adopted")
            && part.body.contains("rejected: ")
            && part.body.contains("needs more than half of all"),
        "{}",
        part.body
    );
}

// ---- 6. opinions ---------------------------------------------------------------------------

async fn opinions_and_csv(db: TestDb) {
    let s = Server::start(db).await;
    let me = member_of(&s, "deputy").await;
    let group = s.app.read(&congress(), |a| a.members[&me].group.clone()).unwrap();
    let other = s
        .app
        .read(&congress(), |a| {
            a.members_of(&group).find(|m| m.id != me && m.status.holds_mandate()).unwrap().id.clone()
        })
        .unwrap();
    // A second deliberation of the delegation, held now.
    let meeting = MeetingId::parse("rd15-1-del-extra").unwrap();
    for cmd in [
        Command::ScheduleMeeting {
            meeting: meeting.clone(),
            session: SessionKey::new(15, 1),
            kind: MeetingKind::Delegation,
            group: Some(group.clone()),
            title: "代表团全体会议：审议计划报告".into(),
            title_en: "Delegation meeting: the plan report".into(),
            starts_at: chrono::Utc::now(),
        },
        Command::OpenMeeting { meeting: meeting.clone() },
    ] {
        s.app.execute(&congress(), "test", cmd, None).await.unwrap();
    }
    let api = format!("/api/v1/assemblies/taiyuan-rd-15/meetings/{meeting}");
    let page = format!("/assemblies/taiyuan-rd-15/meetings/{meeting}");
    let mut dep = s.api(&s.token("deputy", DEMO_PASSWORD).await);
    assert_eq!(dep.post_json(&format!("{api}/check-in"), &json!({})).await.status, StatusCode::OK);
    // The deputy speaks for themself; not for a colleague; and only on reports.
    let r = dep
        .post_json(
            &format!("{api}/opinions"),
            &json!({"item": 2, "text": "建议把\"民生实事\"逐项公开, 接受监督。"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = dep
        .post_json(&format!("{api}/opinions"), &json!({"item": 2, "text": "x", "member": other.as_str()}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = dep.post_json(&format!("{api}/opinions"), &json!({"item": 7, "text": "x"})).await;
    assert_eq!(r.json()["rule"], "opinion.reports_only");
    // The secretariat records a colleague's words on the page.
    let mut sec = s.logged_in("secretariat").await;
    let html = sec.get(&page).await.body;
    assert!(html.contains("id=\"op-member\""), "{html}");
    let r = sec
        .post_form(
            &format!("{page}/opinions"),
            &[
                ("member", other.as_str()),
                ("item", "2"),
                ("text", "赞成报告。"),
                ("command_id", &field(&html, "command_id")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let here = s.browser().get(&format!("{api}/opinions")).await.json();
    let here = here.as_array().unwrap();
    assert_eq!(here.len(), 2);
    assert_eq!(
        (here[0]["member"].as_str(), here[1]["member"].as_str()),
        (Some(me.as_str()), Some(other.as_str()))
    );
    assert!(s.browser().get(&page).await.body.contains("赞成报告。"));

    // The session's summary, by item and delegation; printable; CSV for the secretariat.
    let all = s.browser().get("/api/v1/assemblies/taiyuan-rd-15/sessions/15-1/opinions").await.json();
    let all = all.as_array().unwrap();
    assert!(all.len() > 20);
    let items: Vec<u64> = all.iter().map(|o| o["item"].as_u64().unwrap()).collect();
    assert!(items.windows(2).all(|w| w[0] <= w[1]), "ordered by item");
    let only = s
        .browser()
        .get(&format!("/api/v1/assemblies/taiyuan-rd-15/sessions/15-1/opinions?item=2&group={group}"))
        .await
        .json();
    assert_eq!(only.as_array().unwrap().len(), 2);
    let summary = s.browser().get("/assemblies/taiyuan-rd-15/sessions/15-1/opinions").await.body;
    let name = name_of(&s, &me);
    assert!(summary.contains(&name) && summary.contains("接受监督"), "{summary}");
    let print = s.browser().get("/assemblies/taiyuan-rd-15/sessions/15-1/opinions?print=1").await;
    assert!(
        print.status == StatusCode::OK
            && print.body.contains("class=\"print\"")
            && print.body.contains(&name)
    );
    let csv = sec.get("/assemblies/taiyuan-rd-15/sessions/15-1/opinions.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type().starts_with("text/csv"), "{}", csv.content_type());
    assert!(csv.headers["content-disposition"].to_str().unwrap().contains("opinions-taiyuan-rd-15-15-1.csv"));
    assert!(csv.body.starts_with('\u{feff}'), "UTF-8 with a BOM");
    assert!(
        csv.body.contains(&name) && csv.body.contains("\"建议把\"\"民生实事\"\"逐项公开, 接受监督。\""),
        "{}",
        csv.body
    );
    let texts = all.iter().map(|o| o["text"].as_str().unwrap()).filter(|t| !t.contains('"'));
    assert!(texts.clone().count() == all.len() - 1 && texts.into_iter().all(|t| csv.body.contains(t)));
    // The same summary as a PDF, linked for the staff beside the CSV.
    let page = sec.get("/assemblies/taiyuan-rd-15/sessions/15-1/opinions").await.body;
    assert!(page.contains("href=\"/assemblies/taiyuan-rd-15/sessions/15-1/opinions.pdf\""), "{page}");
    let pdf = sec.get("/assemblies/taiyuan-rd-15/sessions/15-1/opinions.pdf").await;
    assert_eq!((pdf.status, pdf.content_type()), (StatusCode::OK, "application/pdf"));
    assert!(pdf.body.starts_with("%PDF"));
    assert!(pdf.headers["content-disposition"].to_str().unwrap().contains("opinions-taiyuan-rd-15-15-1.pdf"));
    assert_eq!(
        sec.get("/assemblies/taiyuan-rd-15/sessions/15-9/opinions.pdf").await.status,
        StatusCode::NOT_FOUND
    );
    let mut deputy = s.logged_in("deputy").await;
    assert!(
        !deputy.get("/assemblies/taiyuan-rd-15/sessions/15-1/opinions").await.body.contains("opinions.pdf")
    );
    for export in ["csv", "pdf"] {
        assert_eq!(
            deputy.get(&format!("/assemblies/taiyuan-rd-15/sessions/15-1/opinions.{export}")).await.status,
            StatusCode::FORBIDDEN,
            "{export}"
        );
    }
}

// ---- 7. the agenda adopted by the preparatory meeting --------------------------------------------

async fn agenda_adopted_by_a_poll(db: TestDb) {
    let s = Server::start(db).await;
    let club = AssemblyId::parse("test-club").unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    let session = SessionKey::new(1, 1);
    let prep = MeetingId::parse("club-prep").unwrap();
    let group = GroupId::parse("all").unwrap();
    let members: Vec<MemberDraft> = (1..=5)
        .map(|i| MemberDraft {
            id: MemberId::parse(format!("m-{i}")).unwrap(),
            term: 1,
            name: format!("成员{i}"),
            pinyin: String::new(),
            gender: Gender::Unspecified,
            birth_year: None,
            group: group.clone(),
            ethnicity: String::new(),
            occupation: String::new(),
            registered_on: day,
        })
        .collect();
    let ids: Vec<MemberId> = members.iter().map(|m| m.id.clone()).collect();
    let steps = vec![
        Command::FoundAssembly {
            name: "测试协会".into(),
            name_en: "Test club".into(),
            kind: BodyKind::Other,
            level: Level::None,
            population: None,
            rules: None,
        },
        Command::BeginTerm { term: 1, starts_on: day },
        Command::ConveneSession {
            session,
            title: "第一次会议".into(),
            title_en: "First session".into(),
            opens_on: day,
        },
        Command::FormGroup {
            group: group.clone(),
            kind: GroupKind::Sector,
            name: "全体".into(),
            name_en: "All".into(),
        },
        Command::RegisterMembers { members },
        Command::ScheduleMeeting {
            meeting: prep.clone(),
            session,
            kind: MeetingKind::Preparatory,
            group: None,
            title: "预备会议".into(),
            title_en: "Preparatory meeting".into(),
            starts_at: chrono::Utc::now(),
        },
        Command::OpenMeeting { meeting: prep.clone() },
        Command::ProposeAgendaItem {
            session,
            title: "年度报告".into(),
            title_en: "Annual report".into(),
            kind: ItemKind::Report,
        },
        Command::CheckInMany { meeting: prep.clone(), members: ids[..4].to_vec() },
    ];
    for cmd in steps {
        s.app.execute(&club, "test", cmd, None).await.unwrap();
    }
    let page = format!("/assemblies/test-club/meetings/{prep}");
    let mut sec = s.logged_in("secretariat").await;
    let html = sec.get(&page).await.body;
    assert!(
        html.contains(Lang::Zh.t("plenary.open.agenda_heading"))
            && html.contains("<option value=\"agenda\" selected>"),
        "{html}"
    );
    assert!(html.contains("出席 4 人，超过全体成员 5 人的半数"), "{html}");
    let r = sec
        .post_form(
            &format!("{page}/polls"),
            &[
                ("subject", "agenda"),
                ("title", ""),
                ("title_en", ""),
                ("rule", "roberts-rules"),
                ("mode", "show_of_hands"),
                ("disclosure", "counts"),
                ("duration_minutes", ""),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/assemblies/test-club/polls/1?done=opened"),
        "{}",
        r.body
    );
    let poll = s.browser().get("/api/v1/assemblies/test-club/polls/1").await.json();
    assert_eq!(
        (poll["subject"].as_str(), poll["title"].as_str(), poll["rule"].as_str()),
        (Some("agenda"), Some("表决通过大会议程"), Some("roberts-rules"))
    );
    let r = sec
        .post_form("/assemblies/test-club/polls/1/totals", &[("yes", "3"), ("no", "1"), ("abstain", "0")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = sec.post_form("/assemblies/test-club/polls/1/confirm", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(Lang::Zh.t("plenary.err.poll.second_person")), "{}", r.body);
    let mut admin = s.logged_in("admin").await;
    assert_eq!(
        admin.post_form("/assemblies/test-club/polls/1/confirm", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        admin.post_form("/assemblies/test-club/polls/1/close", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let agenda = s.browser().get("/api/v1/assemblies/test-club/sessions/1-1/agenda").await.json();
    assert_eq!(agenda["adopted"], true);
    assert_eq!(s.app.read(&club, |a| a.polls[&1].state).unwrap(), PollState::Closed);
    let html = s.browser().get("/assemblies/test-club/polls/1").await.body;
    assert!(
        html.contains(
            "通过：赞成 3 票；须获赞成与反对票合计 4 票过半数赞成，即至少 3 票（罗伯特议事规则：过半数表决）"
        ),
        "{html}"
    );
}

plenum_testkit::both_backends!(
    check_in_and_vote,
    hall_code_for_self_check_in,
    show_of_hands_needs_a_second_person,
    named_poll_by_delegation,
    secret_poll_privacy,
    ballots_sealed_on_the_device,
    the_demo_association_votes_by_two_thirds,
    projector_shows_the_open_poll,
    opinions_and_csv,
    agenda_adopted_by_a_poll,
    ballots_race_the_close_over_http,
);

// ---- 7. many phones at once ------------------------------------------------------------------

/// Hundreds of deputies cast at once over HTTP (through the ballot fast path), each
/// retries its ballot and tries a second one, while the chair closes the poll. Every
/// acknowledged ballot is counted exactly once, a retry gets the first receipt, and
/// nothing is counted after the close.
async fn ballots_race_the_close_over_http(db: TestDb) {
    const N: usize = 300;
    let s = Server::start(db).await;
    // One poll at a time: the demo's open poll first.
    close(&s, 3).await;
    let poll = open(&s, json!({"meeting": PLENARY, "subject": "item", "item": 3, "rule": "cn-people-congress", "mode": "named"})).await;
    let members = present_not_voted(&s, poll, N).await;
    assert_eq!(members.len(), N, "the demo plenary has {N} members present");
    // Tokens minted directly: N logins through argon2 would only slow the test.
    let names = add_logins(&s, "race", &members).await;
    let mut tokens = Vec::with_capacity(N);
    for name in &names {
        let acc = s.app.journal().account_by_username(name).await.unwrap().unwrap();
        let raw = format!("race-token-{}", acc.id);
        let token = plenum_journal::ApiToken {
            token_hash: plenum_web::auth::token_hash(&raw).to_vec(),
            account_id: acc.id,
            label: "race".into(),
            created_at: 0,
            expires_at: None,
        };
        s.app.journal().create_api_token(token).await.unwrap();
        tokens.push(raw);
    }
    let vote = format!("{POLLS}/{poll}/vote");
    let choices = ["yes", "no", "abstain"];
    let cast = |i: usize| {
        let (vote, token) = (vote.clone(), tokens[i].clone());
        let s = &s;
        async move {
            let mut b = s.api(&token);
            // Spread the ballots over the close.
            tokio::time::sleep(Duration::from_millis((i % 100) as u64)).await;
            let choice = choices[i % 3];
            let key = format!("race-{i}");
            let first = b.post_json(&vote, &json!({"choice": choice, "command_id": key})).await;
            if first.status != StatusCode::OK {
                // Refused only because the poll had closed.
                assert_eq!(first.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", first.body);
                assert_eq!(first.json()["rule"], "poll.closed", "{}", first.body);
                return None;
            }
            let receipt = first.json();
            assert_eq!(receipt["replayed"], false);
            // The retry after a lost answer: the first receipt, even after the close.
            let again = b.post_json(&vote, &json!({"choice": choice, "command_id": key})).await;
            assert_eq!(again.status, StatusCode::OK, "{}", again.body);
            assert_eq!(
                (again.json()["replayed"].as_bool(), &again.json()["position"]),
                (Some(true), &receipt["position"])
            );
            // A second, different ballot: refused, whether or not the poll is still open.
            let other = b
                .post_json(&vote, &json!({"choice": choices[(i + 1) % 3], "command_id": format!("{key}-b")}))
                .await;
            assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", other.body);
            let rule = other.json()["rule"].as_str().map(str::to_owned);
            assert!(matches!(rule.as_deref(), Some("poll.already_voted" | "poll.closed")), "{}", other.body);
            Some((choice, receipt["position"].as_u64().unwrap()))
        }
    };
    // The chair's token beforehand, so that the close lands in the middle of the ballots.
    let mut chair = s.api(&s.token("presidium", DEMO_PASSWORD).await);
    let closer = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let r = chair.post_json(&format!("{POLLS}/{poll}/close"), &json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "close: {}", r.body);
        r.json()
    };
    let (results, closed) = tokio::join!(futures_util::future::join_all((0..N).map(cast)), closer);

    let acked: Vec<(&str, u64)> = results.into_iter().flatten().collect();
    let r = &closed["result"];
    let count = |c: &str| acked.iter().filter(|(x, _)| *x == c).count() as u64;
    assert_eq!(
        (r["yes"].as_u64(), r["no"].as_u64(), r["abstain"].as_u64()),
        (Some(count("yes")), Some(count("no")), Some(count("abstain"))),
        "the result counts exactly the acknowledged ballots ({} of {N})",
        acked.len()
    );
    // Every acknowledged ballot stands in the journal before the close, once.
    let events = s.app.journal().read_all(0, 1_000_000).await.unwrap();
    let of_poll = |e: &&plenum_journal::RecordedEvent| {
        serde_json::from_str::<Value>(&e.payload).unwrap()["poll"].as_u64() == Some(u64::from(poll))
    };
    let closed_at = events
        .iter()
        .filter(of_poll)
        .find(|e| e.kind == "PollClosed")
        .map(|e| e.position)
        .expect("the close is in the journal");
    let positions: std::collections::BTreeSet<u64> = acked.iter().map(|(_, p)| *p).collect();
    assert_eq!(positions.len(), acked.len(), "one position per acknowledged ballot");
    assert!(positions.iter().all(|p| *p < closed_at), "a ballot acknowledged after the close");
    let cast_events = events.iter().filter(|e| e.kind == "VoteCast").filter(of_poll).count();
    assert_eq!(cast_events, acked.len(), "no ballot recorded that was not acknowledged, none twice");
}
