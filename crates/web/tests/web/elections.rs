//! Elections over HTTP: the public record of the demo's elections, a whole small
//! electronic election through the API and the phone ballot (with its secrecy in
//! every answer and in the live stream), and paper ballots entered twice by tellers
//! with a mismatch settled by a third. Uses the suite's server and clients.

use super::{Browser, CONGRESS, Live, Reply, Server};
use plenum_domain::{
    AssemblyId, BodyKind, Command, Gender, GroupId, GroupKind, ItemKind, Level, MeetingId, MeetingKind,
    MemberDraft, MemberId, SessionKey,
};
use plenum_journal::{AuthStore, Journal, NewAccount};
use plenum_testkit::TestDb;
use plenum_web::demo::DEMO_PASSWORD;
use plenum_web::i18n::Lang;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const PLENARY: &str = "rd15-1-plenary-2";
const API: &str = "/api/v1/assemblies/taiyuan-rd-15/elections";
const PAGES: &str = "/assemblies/taiyuan-rd-15/elections";
const SENATE: &str = "test-senate";

// ---- the authorization matrix's requests for these routes ----------------------------------

/// The POST routes of elections, for `call` in the matrix.
const POSTS: &[&str] = &[
    "/assemblies/{id}/elections",
    "/assemblies/{id}/elections/{election}/nominations",
    "/assemblies/{id}/elections/{election}/withdraw",
    "/assemblies/{id}/elections/{election}/fix",
    "/assemblies/{id}/elections/{election}/preliminary",
    "/assemblies/{id}/elections/{election}/rounds",
    "/assemblies/{id}/elections/{election}/count",
    "/assemblies/{id}/elections/{election}/paper",
    "/assemblies/{id}/elections/{election}/ballot",
    "/api/v1/assemblies/{id}/elections",
    "/api/v1/assemblies/{id}/elections/{election}/nominations",
    "/api/v1/assemblies/{id}/elections/{election}/withdraw",
    "/api/v1/assemblies/{id}/elections/{election}/fix",
    "/api/v1/assemblies/{id}/elections/{election}/preliminary",
    "/api/v1/assemblies/{id}/elections/{election}/rounds",
    "/api/v1/assemblies/{id}/elections/{election}/paper",
    "/api/v1/assemblies/{id}/elections/{election}/ballot",
    "/api/v1/assemblies/{id}/elections/{election}/count",
];

pub(super) fn handles(method: &str, pattern: &str) -> bool {
    method == "POST" && POSTS.contains(&pattern)
}

/// A plausible request for one of `POSTS` at `path` (the pattern filled in).
pub(super) async fn matrix_request(b: &mut Browser<'_>, pattern: &str, path: &str) -> Reply {
    let tail = pattern.rsplit('/').next().unwrap_or("");
    let api = pattern.starts_with("/api/");
    match (api, tail) {
        (false, "elections") => {
            let form = [
                ("item", "15-1:7"),
                ("title", "选举副市长"),
                ("title_en", "Vice-mayors"),
                ("office", "deputy"),
                ("seats", "2"),
            ];
            b.post_form(path, &form).await
        }
        (false, "nominations") => {
            b.post_form(path, &[("by", "presidium"), ("name1", "候选人"), ("biography1", "简历。")]).await
        }
        (false, "withdraw") => b.post_form(path, &[("candidate", "1"), ("reason", "matrix")]).await,
        (false, "preliminary") => b.post_form(path, &[("v1", "10")]).await,
        (false, "rounds") => {
            b.post_form(path, &[("meeting", PLENARY), ("mode", "paper"), ("ballots_issued", "3")]).await
        }
        (false, "count") => b.post_form(path, &[("ballots_returned", "3")]).await,
        (false, "paper") => b.post_form(path, &[("ballot_no", "1"), ("c0", "yes")]).await,
        (false, "ballot") => b.post_form(path, &[("c0", "yes")]).await,
        (false, _) => b.post_form(path, &[]).await,
        (true, "elections") => {
            let req =
                json!({"session": "15-1", "item": 7, "title": "选举副市长", "office": "deputy", "seats": 2});
            b.post_json(path, &req).await
        }
        (true, "nominations") => {
            let req = json!({"by": "presidium", "candidates": [{"name": "候选人", "biography": "简历。"}]});
            b.post_json(path, &req).await
        }
        (true, "withdraw") => b.post_json(path, &json!({"candidate": 1, "reason": "matrix"})).await,
        (true, "preliminary") => b.post_json(path, &json!({"counts": [{"candidate": 1, "votes": 10}]})).await,
        (true, "rounds") => {
            b.post_json(path, &json!({"meeting": PLENARY, "mode": "paper", "ballots_issued": 3})).await
        }
        (true, "paper") => b.post_json(path, &json!({"ballot_no": 1, "yes": ["x"]})).await,
        (true, "ballot") => b.post_json(path, &json!({"marks": ["yes"]})).await,
        (true, "count") => b.post_json(path, &json!({"ballots_returned": 3})).await,
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

fn senate() -> AssemblyId {
    AssemblyId::parse(SENATE).unwrap()
}

fn sm(i: usize) -> MemberId {
    MemberId::parse(format!("m-{i:04}")).unwrap()
}

/// Accounts `username`s with `role`, standing for `members` of `assembly` (if any).
async fn add_accounts(s: &Server, role: &str, assembly: Option<&str>, people: &[(String, Option<MemberId>)]) {
    let hash = plenum_web::auth::hash_password(DEMO_PASSWORD, true).unwrap();
    let accounts = people
        .iter()
        .map(|(u, m)| NewAccount {
            username: u.clone(),
            display_name: u.clone(),
            role: role.into(),
            assembly: assembly.map(str::to_owned),
            member: m.as_ref().map(ToString::to_string),
            password_hash: hash.clone(),
            must_change_password: false,
        })
        .collect();
    s.app.journal().create_accounts(accounts).await.unwrap();
}

/// The demo congress ready for a new election round at the second plenary: poll 3
/// closed, item 2 done, the election item 7 taken up again.
pub(super) async fn congress_ready(s: &Server) {
    let mut pres = s.api(&s.token("presidium", DEMO_PASSWORD).await);
    let r = pres.post_json("/api/v1/assemblies/taiyuan-rd-15/polls/3/close", &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "close poll 3: {}", r.body);
    let agenda = "/api/v1/assemblies/taiyuan-rd-15/sessions/15-1/agenda";
    for (item, to) in [(2, "done"), (7, "in_progress")] {
        let r = pres.post_json(&format!("{agenda}/{item}"), &json!({"to": to})).await;
        assert_eq!(r.status, StatusCode::OK, "move {item}: {}", r.body);
    }
}

/// A small congress of `n` members in plenary: the presidium elected and the agenda
/// adopted by the preparatory meeting, the election item in progress, members
/// `1..=present` checked in; logins `senator-i` for everyone.
async fn senate_in_plenary(s: &Server, n: usize, present: usize) -> Vec<String> {
    let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    let session = SessionKey::new(1, 1);
    let plenary = MeetingId::parse("plenary-1").unwrap();
    let prep = MeetingId::parse("prep-1").unwrap();
    let group = GroupId::parse("all").unwrap();
    const NUMERALS: [&str; 12] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"];
    let members: Vec<MemberDraft> = (1..=n)
        .map(|i| MemberDraft {
            id: sm(i),
            term: 1,
            name: format!("议员{}", NUMERALS[i - 1]),
            pinyin: String::new(),
            gender: Gender::Unspecified,
            birth_year: None,
            group: group.clone(),
            ethnicity: String::new(),
            occupation: String::new(),
            registered_on: day,
        })
        .collect();
    let steps = vec![
        Command::FoundAssembly {
            name: "测试人民代表大会".into(),
            name_en: "Test congress".into(),
            kind: BodyKind::PeoplesCongress,
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
            kind: GroupKind::Delegation,
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
        Command::ScheduleMeeting {
            meeting: plenary.clone(),
            session,
            kind: MeetingKind::Plenary,
            group: None,
            title: "全体会议".into(),
            title_en: "Plenary".into(),
            starts_at: chrono::Utc::now(),
        },
        Command::ProposeAgendaItem {
            session,
            title: "选举".into(),
            title_en: "Elections".into(),
            kind: ItemKind::Election,
        },
        Command::OpenMeeting { meeting: prep.clone() },
        Command::ElectPresidium { meeting: prep.clone(), members: vec![sm(n)] },
        Command::AdoptAgenda { meeting: prep.clone() },
        Command::AdjournMeeting { meeting: prep },
        Command::OpenMeeting { meeting: plenary.clone() },
        Command::CheckInMany { meeting: plenary.clone(), members: (1..=present).map(sm).collect() },
        Command::MoveAgendaItem { session, item: 1, to: plenum_domain::ItemState::InProgress },
    ];
    for cmd in steps {
        s.app.execute(&senate(), "test", cmd, None).await.unwrap();
    }
    let people: Vec<(String, Option<MemberId>)> =
        (1..=n).map(|i| (format!("senator-{i}"), Some(sm(i)))).collect();
    add_accounts(s, "deputy", Some(SENATE), &people).await;
    people.into_iter().map(|(u, _)| u).collect()
}

/// The next live event of `kind`.
async fn next_of(live: &mut Live, kind: &str) -> super::Sse {
    loop {
        let ev = live.next(Duration::from_secs(3)).await.unwrap_or_else(|| panic!("no {kind} within 3 s"));
        if ev.event == kind {
            return ev;
        }
    }
}

// ---- 1. the demo's elections are public ------------------------------------------------------

fn plenary_choice(mark: &str) -> plenum_domain::Choice {
    match mark {
        "yes" => plenum_domain::Choice::Yes,
        "no" => plenum_domain::Choice::No,
        _ => plenum_domain::Choice::Abstain,
    }
}

async fn demo_elections_are_public(db: TestDb) {
    let s = Server::start(db).await;
    let (mayor, elected, nominees, electorate) = s
        .app
        .read(&congress(), |a| {
            let e2 = &a.elections[&2];
            (
                a.elections[&1].elected[0].name.clone(),
                e2.elected.iter().map(|x| x.name.clone()).collect::<Vec<_>>(),
                e2.nominees().map(|c| c.name.clone()).collect::<Vec<_>>(),
                e2.rounds[0].electorate,
            )
        })
        .unwrap();
    let needed = electorate / 2 + 1;

    // The page, in Chinese by default: candidates, nominators, rounds, the rule, the elected.
    let page = s.browser().get(&format!("{PAGES}/2")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = &page.body;
    for name in elected.iter().chain(&nominees) {
        assert!(html.contains(name.as_str()), "{name} missing");
    }
    for text in [
        format!(
            "须获得全体代表 {electorate} 人的过半数选票，即至少 {needed} 票（OL art. 25、OL art. 29 ¶1）"
        ),
        "另行选举（OL art. 29 ¶2）".to_owned(),
        "主席团提名".to_owned(),
        "代表 24 人联合提名".to_owned(),
        "候选人应比应选名额多 4 人，即 39 名候选人（OL art. 27）".to_owned(),
        "纸质选票（计票人双人录入）".to_owned(),
        Lang::Zh.t("election.stage.completed").to_owned(),
        format!("href=\"{PAGES}/2/report.pdf\""),
    ] {
        assert!(html.contains(&text), "page lacks {text}");
    }
    assert!(!html.contains("action=\"/assemblies/taiyuan-rd-15/elections/2/"), "no forms for the public");
    // In English.
    let mut en = s.browser();
    en.lang = Some("en");
    let html = en.get(&format!("{PAGES}/2")).await.body;
    for text in [
        format!("more than half of all {electorate} deputies = {needed} (OL art. 25, OL art. 29 ¶1)"),
        "Another round (OL art. 29 ¶2)".to_owned(),
        "Nominated jointly by 24 deputies".to_owned(),
        "2 seat(s) unfilled: another round".to_owned(),
    ] {
        assert!(html.contains(&text), "English page lacks {text}");
    }
    // The list, the assembly page and the public portal (home) link the results.
    let list = s.browser().get(PAGES).await.body;
    assert!(list.contains("选举太原市人民政府市长") && list.contains(&mayor));
    assert!(s.browser().get("/assemblies/taiyuan-rd-15").await.body.contains(&format!("href=\"{PAGES}\"")));
    let home = s.browser().get("/").await.body;
    assert!(
        home.contains(&format!("href=\"{PAGES}/1\"")) && home.contains(&format!("href=\"{PAGES}/2\"")),
        "{home}"
    );
    assert!(home.contains(&mayor) && elected.iter().all(|n| home.contains(n.as_str())));

    // The API.
    let all = s.browser().get(API).await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(
        (all[0]["stage"].as_str(), all[0]["elected"][0].as_str()),
        (Some("completed"), Some(mayor.as_str()))
    );
    let v = s.browser().get(&format!("{API}/2")).await.json();
    assert_eq!(v["rounds"].as_array().unwrap().len(), 2);
    let r1 = &v["rounds"][0]["result"];
    assert_eq!(r1["threshold"], needed);
    assert_eq!(r1["ballots_invalid"], 2);
    assert_eq!(r1["void_ballots"].as_array().unwrap().len(), 2);
    assert_eq!(r1["next_round"]["kind"], "another_round");
    assert_eq!(r1["next_round"]["seats"], 2);
    assert_eq!(v["rounds"][1]["kind"], "another_round");
    assert_eq!(v["nominations"][1]["signers"].as_array().unwrap().len(), 24);
    assert!(v["candidates"].as_array().unwrap().iter().all(|c| !c["biography"].as_str().unwrap().is_empty()));
    assert_eq!(v["elected"].as_array().unwrap().len(), 35);
    assert!(v["me"].is_null());
    assert_eq!(s.browser().get(&format!("{API}/9")).await.status, StatusCode::NOT_FOUND);

    // The tally report: PDF (pdftotext reads the names and 计票) and CSV.
    let pdf = s.http.get(s.url(&format!("{PAGES}/2/report.pdf"))).send().await.unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let path = std::env::temp_dir().join(format!("plenum-election-{}.pdf", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let out = std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&path).arg("-").output();
    let _ = std::fs::remove_file(&path);
    let out = out.expect("pdftotext runs: install poppler-utils");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("计票"), "{text}");
    for name in &nominees {
        assert!(text.contains(name.as_str()), "{name} not in the PDF");
    }
    let csv = s.browser().get(&format!("{PAGES}/1/report.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type().starts_with("text/csv") && csv.body.starts_with('\u{feff}'));
    assert!(csv.body.contains(&mayor) && csv.body.contains("选举计票报告"));
    // Nothing counted yet: no report.
    let cmd = Command::CreateElection {
        session: SessionKey::new(15, 1),
        item: 7,
        title: "选举太原市监察委员会主任".into(),
        title_en: "Election of the director of the supervisory commission".into(),
        office: plenum_domain::OfficeKind::Leader,
        seats: 1,
        method: None,
        margin: None,
        by_election: false,
        nomination_group_size: None,
        members_only: false,
    };
    s.app.execute(&congress(), "test", cmd, None).await.unwrap();
    assert_eq!(s.browser().get(&format!("{PAGES}/3/report.pdf")).await.status, StatusCode::NOT_FOUND);
    let html = s.browser().get(&format!("{PAGES}/3")).await.body;
    assert!(
        html.contains(Lang::Zh.t("election.stage.nominating")) && html.contains("只提名一人时可以等额选举")
    );
}

// ---- 2. a small electronic election, end to end ---------------------------------------------

async fn electronic_election_over_the_api(db: TestDb) {
    let s = Server::start(db).await;
    // 12 deputies, 9 present: 8 vote, the 9th does not; 10 to 12 only sign nominations.
    let logins = senate_in_plenary(&s, 12, 9).await;
    let api = "/api/v1/assemblies/test-senate/elections";
    let pages = "/assemblies/test-senate/elections";
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let mut voter: Vec<Browser<'_>> = Vec::new();
    for l in &logins {
        voter.push(s.api(&s.token(l, DEMO_PASSWORD).await));
    }

    // Set up: create, nominate jointly (by ids and by names), withdraw one, fix.
    let create = json!({"session": "1-1", "item": 1, "title": "选举常务委员", "title_en": "Election of the standing members",
        "office": "custom", "custom_min_extra": 1, "custom_max_extra": 2, "seats": 2, "method": "cn-people-congress",
        "nomination_group_size": 2});
    let r = voter[0].post_json(api, &create).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a member does not run elections");
    let r = sec.post_json(api, &create).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["election"], 1);
    let e = format!("{api}/1");
    let nom = |signers: Value, names: &[&str]| {
        let candidates: Vec<Value> =
            names.iter().map(|n| json!({"name": n, "biography": format!("{n}，教授。")})).collect();
        json!({"by": "deputies", "signers": signers, "candidates": candidates})
    };
    let r =
        sec.post_json(&format!("{e}/nominations"), &nom(json!(["m-0010", "议员十一"]), &["甲", "乙"])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = sec.post_json(&format!("{e}/nominations"), &nom(json!(["m-0012"]), &["丁"])).await;
    assert_eq!(
        (r.status, r.json()["rule"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("election.nomination_group_too_small"))
    );
    let r = sec.post_json(&format!("{e}/nominations"), &nom(json!(["m-0012", "无此人"]), &["丁"])).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::BAD_REQUEST, Some("signers")));
    let r =
        sec.post_json(&format!("{e}/nominations"), &nom(json!(["m-0012", "m-0009"]), &["丙", "丁"])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = sec
        .post_json(&format!("{e}/withdraw"), &json!({"candidate": 4, "reason": "本人申请不再作为候选人"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = sec.post_json(&format!("{e}/fix"), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = s.browser().get(&e).await.json();
    assert_eq!(v["fixed"]["candidates"], json!(["甲", "乙", "丙"]));
    assert_eq!(v["candidates"][3]["withdrawn"], "本人申请不再作为候选人");
    assert_eq!(
        (v["candidates"][0]["nominated_by"].as_str(), v["candidates"][0]["signers"].as_u64()),
        (Some("deputies"), Some(2))
    );
    assert_eq!(v["nominations"][0]["signers"], json!(["m-0010", "m-0011"]));
    let page = s.browser().get(&format!("{pages}/1")).await.body;
    assert!(page.contains("本人申请不再作为候选人") && page.contains("代表 2 人联合提名"), "{page}");

    // Open an electronic round; the stream is watched from before.
    let mut live = Live::connect(s.http.get(s.url("/assemblies/test-senate/live"))).await;
    let r =
        sec.post_json(&format!("{e}/rounds"), &json!({"meeting": "plenary-1", "mode": "electronic"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["round"], 1);
    let from = next_of(&mut live, "RoundOpened").await.id.unwrap() - 1;

    // More yes marks than seats: refused before anything is encrypted or written.
    let head = s.app.journal().head().await.unwrap();
    let ballot = format!("{e}/ballot");
    let r = voter[0].post_json(&ballot, &json!({"marks": ["yes", "yes", "yes"]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        (r.json()["rule"].as_str(), r.json()["source"].as_str()),
        (Some("election.too_many_chosen"), Some("EL art. 44 ¶2"))
    );
    let r = voter[0].post_json(&ballot, &json!({"marks": ["yes", "no"]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a mark for every candidate: {}", r.body);
    assert_eq!(s.app.journal().head().await.unwrap(), head, "nothing written");
    // 甲 8, 乙 7, 丙 1 (threshold: more than half of all 12 = 7).
    let marks = [
        ["yes", "yes", "no"],
        ["yes", "yes", "no"],
        ["yes", "yes", "abstain"],
        ["yes", "yes", "no"],
        ["yes", "yes", "abstain"],
        ["yes", "yes", "no"],
        ["yes", "yes", "no"],
        ["yes", "no", "yes"],
    ];
    let r = voter[0].post_json(&ballot, &json!({"marks": marks[0], "command_id": "b-1", "round": 1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let first = r.json();
    let again = voter[0].post_json(&ballot, &json!({"marks": marks[0], "command_id": "b-1"})).await.json();
    assert_eq!((again["replayed"].as_bool(), &again["position"]), (Some(true), &first["position"]));
    let r = voter[0].post_json(&ballot, &json!({"marks": ["no", "no", "no"], "command_id": "b-2"})).await;
    assert_eq!(
        (r.status, r.json()["rule"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("election.already_voted"))
    );
    assert_eq!(
        next_of(&mut live, "ElectionBallotCast").await.data["data"],
        json!({"type": "ElectionBallotCast", "data": {"election": 1, "round": 1, "turnout": 1}})
    );

    // The second votes on the phone page: the form, a refusal in Chinese, then the ballot.
    let mut phone = s.logged_in(&logins[1]).await;
    let home = phone.get("/").await.body;
    assert!(home.contains(&format!("href=\"{pages}/1/ballot\"")), "the dashboard offers the ballot: {home}");
    let form = phone.get(&format!("{pages}/1/ballot")).await;
    assert_eq!(form.status, StatusCode::OK);
    for i in 0..3 {
        assert!(form.body.contains(&format!("name=\"c{i}\" value=\"yes\" required")), "{}", form.body);
    }
    assert!(form.body.contains("应选 2 名：赞成的候选人不得多于 2 名"));
    let key = field(&form.body, "command_id");
    let url = format!("{pages}/1/ballot");
    let r = phone
        .post_form(&url, &[("command_id", &key), ("round", "1"), ("c0", "yes"), ("c1", "yes"), ("c2", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("您赞成了 3 名候选人，多于应选名额 2 名") && r.body.contains("EL art. 44 ¶2"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"yes\" required checked"), "the marks are kept");
    let r = phone
        .post_form(&url, &[("command_id", &key), ("round", "1"), ("c0", "yes"), ("c1", "yes"), ("c2", "no")])
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, format!("{url}?done=cast#ballot").as_str()),
        "{}",
        r.body
    );
    let head = s.app.journal().head().await.unwrap();
    let r = phone
        .post_form(&url, &[("command_id", &key), ("round", "1"), ("c0", "yes"), ("c1", "yes"), ("c2", "no")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "a double tap answers with the first receipt");
    assert_eq!(s.app.journal().head().await.unwrap(), head);
    let done = phone.get(&format!("{url}?done=cast")).await.body;
    assert!(done.contains(Lang::Zh.t("election.done.cast")) && !done.contains("name=\"c0\""), "{done}");
    let mut en = s.logged_in(&logins[1]).await;
    en.lang = Some("en");
    let r = en.post_form(&url, &[("round", "1"), ("c0", "no"), ("c1", "no"), ("c2", "no")]).await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("has already voted in round 1"),
        "{}",
        r.body
    );
    assert_eq!(next_of(&mut live, "ElectionBallotCast").await.data["data"]["data"]["turnout"], 2);

    // Two more seal their ballots on their own devices, with the round's key and its
    // bound on yes marks: the server receives no marks at all. What does not check
    // out is refused by name, and nothing of it is written.
    let round = s.browser().get(&e).await.json()["rounds"][0].clone();
    let public = round["public_key"].as_str().unwrap().to_owned();
    assert_eq!(round["yes_marks"], json!([0, 2]));
    assert!(
        form.body.contains(&format!("data-seal-key=\"{public}\""))
            && form.body.contains("data-yes-max=\"2\"")
    );
    assert!(form.body.contains("<script src=\"/static/seal.js\" defer></script>"), "{}", form.body);
    let choices = |m: &[&str]| m.iter().map(|x| plenary_choice(x)).collect::<Vec<_>>();
    let device =
        |m: &[&str], bounds| plenum_domain::sealed::seal_marks(&public, 1, 1, &choices(m), bounds).unwrap();
    let head = s.app.journal().head().await.unwrap();
    let (over, over_proof) = device(&["yes", "yes", "yes"], (0, 3));
    let r = voter[2].post_json(&ballot, &json!({"sealed": over, "slate": over_proof})).await;
    assert_eq!(
        (r.status, r.json()["rule"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("ballot.invalid"))
    );
    assert!(r.json()["message"].as_str().unwrap().contains("count proof"), "{}", r.body);
    let (fine, fine_proof) = device(&marks[2], (0, 2));
    let r = voter[2].post_json(&ballot, &json!({"sealed": fine[..2], "slate": fine_proof})).await;
    assert_eq!(
        (r.status, r.json()["rule"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("ballot.malformed"))
    );
    let r = voter[2].post_json(&ballot, &json!({"sealed": fine})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::BAD_REQUEST, Some("slate")));
    let r =
        voter[2].post_json(&ballot, &json!({"sealed": fine, "slate": fine_proof, "marks": marks[2]})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::BAD_REQUEST, Some("sealed")));
    assert_eq!(s.app.journal().head().await.unwrap(), head, "nothing refused was written");
    let r = voter[2].post_json(&ballot, &json!({"sealed": fine, "slate": fine_proof})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Its fingerprint, as the device computes it, is on the round's public list.
    let mut parts: Vec<&str> = fine.iter().map(String::as_str).collect();
    parts.push(&fine_proof);
    let list = s.browser().get(&format!("{pages}/1/rounds/1/fingerprints.txt")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body.lines().count(), 3, "{}", list.body);
    assert!(list.body.lines().any(|l| l == plenum_domain::sealed::fingerprint(&parts)), "{}", list.body);
    let page = s.browser().get(&format!("{pages}/1")).await.body;
    assert!(
        page.contains("href=\"1/rounds/1/fingerprints.txt\""),
        "the election's page links the list: {page}"
    );
    let r = voter[9].post_json(&ballot, &json!({"sealed": fine, "slate": fine_proof})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "absent, and a copy: {}", r.body);
    // The fourth from the page's form, as the browser's script sends it.
    let mut fourth = s.logged_in(&logins[3]).await;
    let page = fourth.get(&url).await;
    let (sealed, slate) = device(&marks[3], (0, 2));
    let r = fourth
        .post_form(
            &url,
            &[
                ("command_id", &field(&page.body, "command_id")),
                ("round", "1"),
                ("sealed", &sealed.join(",")),
                ("slate", &slate),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, format!("{url}?done=sealed-on-device#ballot").as_str()),
        "{}",
        r.body
    );
    let done = fourth.get(&format!("{url}?done=sealed-on-device")).await.body;
    assert!(done.contains(Lang::Zh.t("election.done.sealed_on_device")), "{done}");

    // The rest on the API; the absent member and the staff cannot vote.
    for (i, m) in marks.iter().enumerate().skip(4) {
        let r = voter[i].post_json(&ballot, &json!({"marks": m})).await;
        assert_eq!(r.status, StatusCode::OK, "voter {i}: {}", r.body);
    }
    let r = voter[9].post_json(&ballot, &json!({"marks": ["no", "no", "no"]})).await;
    assert_eq!(
        (r.status, r.json()["rule"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("election.not_present"))
    );
    assert_eq!(
        sec.post_json(&ballot, &json!({"marks": ["no", "no", "no"]})).await.status,
        StatusCode::FORBIDDEN
    );
    let mine = voter[0].get(&e).await.json();
    assert_eq!(
        mine["me"],
        json!({"member": "m-0001", "round": 1, "present": true, "hall_code": false, "voted": true, "can_vote": false})
    );
    let open = s.browser().get(&e).await.json();
    assert_eq!((open["stage"].as_str(), open["rounds"][0]["turnout"].as_u64()), (Some("voting"), Some(8)));
    assert!(open["rounds"][0]["result"].is_null());
    let pj = s.browser().get("/assemblies/test-senate/projector?partial=1").await.body;
    assert!(pj.contains("<dd>8<small> / 9</small></dd>") && pj.contains("选举常务委员"), "{pj}");

    // The count: only the sums, with a proof; 甲 and 乙 elected.
    let r = voter[0].post_json(&format!("{e}/count"), &json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = sec.post_json(&format!("{e}/count"), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    let res = &v["rounds"][0]["result"];
    let yes: Vec<u64> =
        res["counts"].as_array().unwrap().iter().map(|c| c["yes"].as_u64().unwrap()).collect();
    assert_eq!(yes, [8, 7, 1]);
    assert_eq!((res["threshold"].as_u64(), res["ballots_returned"].as_u64()), (Some(7), Some(8)));
    assert_eq!(res["elected"], json!(["甲", "乙"]));
    assert_eq!((v["stage"].as_str(), v["rounds"][0]["sums_only"].as_bool()), (Some("completed"), Some(true)));
    // A ballot for the closed round is refused, on the API and the page.
    let r = voter[8].post_json(&ballot, &json!({"marks": ["no", "no", "no"], "round": 1})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["message"].as_str().unwrap().contains("round is over"));
    let mut late = s.logged_in(&logins[8]).await;
    let r = late.post_form(&url, &[("round", "1"), ("c0", "no"), ("c1", "no"), ("c2", "no")]).await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY
            && r.body.contains(Lang::Zh.t("election.err.round_counted")),
        "{}",
        r.body
    );
    let page = s.browser().get(&format!("{pages}/1")).await.body;
    assert!(
        page.contains(Lang::Zh.t("election.sums_only"))
            && page.contains("须获得全体代表 12 人的过半数选票，即至少 7 票"),
        "{page}"
    );
    let part = s.browser().get(&format!("{pages}/1?partial=rounds")).await.body;
    assert!(!part.contains("<html") && part.contains(Lang::Zh.t("election.counts")), "a fragment: {part}");
    let pj = s.browser().get("/assemblies/test-senate/projector?partial=1").await.body;
    assert!(pj.contains("甲") && pj.contains("乙") && pj.contains(Lang::Zh.t("election.elected")), "{pj}");

    // Who chose what is in no answer: no voter, no ciphertext, anywhere.
    let (voters, names, sealed) = s
        .app
        .read(&senate(), |a| {
            let r = &a.elections[&1].rounds[0];
            let ids: Vec<String> = r.voted.iter().map(ToString::to_string).collect();
            let names: Vec<String> = r.voted.iter().map(|m| a.members[m].name.clone()).collect();
            (ids, names, r.sealed.iter().flatten().map(|c| c[..40].to_owned()).collect::<Vec<_>>())
        })
        .unwrap();
    assert_eq!(voters.len(), 8);
    let mut staff = s.logged_in("secretariat").await;
    let answers = [
        ("public API", s.browser().get(&e).await.body),
        ("staff API", sec.get(&e).await.body),
        ("list", s.browser().get(api).await.body),
        ("public page", s.browser().get(&format!("{pages}/1")).await.body),
        ("staff page", staff.get(&format!("{pages}/1")).await.body),
        ("projector", s.browser().get("/assemblies/test-senate/projector").await.body),
        ("report", s.browser().get(&format!("{pages}/1/report.csv")).await.body),
        ("receipt", first.to_string()),
    ];
    for (who, body) in &answers {
        for x in voters.iter().chain(&names).chain(&sealed) {
            assert!(!body.contains(x.as_str()), "{who} tells {x}: {body:.300}");
        }
    }
    let mine = voter[2].get(&e).await.body;
    assert!(!mine.contains("\"choice\"") && voters.iter().filter(|v| mine.contains(v.as_str())).count() == 1);
    // The stream, replayed from before the round opened: turnout only.
    let mut replay = Live::connect(
        s.http.get(s.url("/assemblies/test-senate/live")).header("Last-Event-ID", from.to_string()),
    )
    .await;
    let mut turnouts = Vec::new();
    while let Some(ev) = replay.next(Duration::from_millis(500)).await {
        let text = ev.data.to_string();
        if ev.event == "ElectionBallotCast" {
            assert_eq!(ev.data["data"]["data"].as_object().unwrap().len(), 3, "{text}");
            turnouts.push(ev.data["data"]["data"]["turnout"].as_u64().unwrap());
        }
        for x in voters.iter().chain(&sealed) {
            assert!(!text.contains(x.as_str()), "the stream tells {x}: {text:.300}");
        }
    }
    assert_eq!(turnouts, [1, 2, 3, 4, 5, 6, 7, 8]);
}

// ---- 3. paper ballots, entered twice -------------------------------------------------------------

async fn paper_ballots_entered_twice(db: TestDb) {
    let s = Server::start(db).await;
    congress_ready(&s).await;
    add_accounts(&s, "secretariat", None, &[("teller-b".to_owned(), None)]).await;
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    // Vice-mayors: 2 seats, 3 to 5 candidates (1 to 3 more, OL art. 27); 6 nominated.
    let r = sec.post_json(API, &json!({"session": "15-1", "item": 7, "title": "选举太原市人民政府副市长", "title_en": "Election of the vice-mayors", "office": "deputy", "seats": 2})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let n = r.json()["election"].as_u64().unwrap();
    let e = format!("{API}/{n}");
    let page = format!("{PAGES}/{n}");
    let group = |skip: usize| -> Vec<String> {
        s.app
            .read(&congress(), |a| a.seated_members().skip(skip).take(20).map(|m| m.id.to_string()).collect())
            .unwrap()
    };
    let signers = group(100);
    let cand = |name: &str| json!({"name": name, "biography": format!("{name}，某局局长。")});
    let r = sec
        .post_json(
            &format!("{e}/nominations"),
            &json!({"by": "presidium", "candidates": [cand("张一"), cand("李二")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = sec
        .post_json(
            &format!("{e}/nominations"),
            &json!({"by": "deputies", "signers": &signers[..19], "candidates": [cand("王三")]}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["source"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("OL art. 26")),
        "twenty deputies at city level"
    );
    let r = sec
        .post_json(
            &format!("{e}/nominations"),
            &json!({"by": "deputies", "signers": signers, "candidates": [cand("王三")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for (skip, names) in [(120, vec![cand("赵四"), cand("钱五")]), (140, vec![cand("孙六")])] {
        let body = json!({"by": "deputies", "signers": group(skip), "candidates": names});
        let r = sec.post_json(&format!("{e}/nominations"), &body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    // Six nominees, more than the margin allows: the preliminary vote, on the page.
    let mut a = s.logged_in("secretariat").await;
    let r = a.post_form(&format!("{page}/fix"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("须进行预选并录入预选结果（OL art. 27）"), "{}", r.body);
    assert!(r.body.contains(&format!("action=\"{page}/preliminary\"")) && r.body.contains("name=\"v6\""));
    let votes = [("v1", "300"), ("v2", "290"), ("v3", "280"), ("v4", "270"), ("v5", "260"), ("v6", "100")];
    let r = a.post_form(&format!("{page}/preliminary"), &votes).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, format!("{page}?done=preliminary").as_str()),
        "{}",
        r.body
    );
    let v = s.browser().get(&e).await.json();
    assert_eq!(v["fixed"]["candidates"], json!(["张一", "李二", "王三", "赵四", "钱五"]));
    let rows = v["preliminary"].as_array().unwrap();
    assert_eq!((rows[5]["name"].as_str(), rows[5]["listed"].as_bool()), (Some("孙六"), Some(false)));
    assert!(s.browser().get(&page).await.body.contains(Lang::Zh.t("election.preliminary")));

    // The secretariat opens a paper round on the page.
    let r = a
        .post_form(
            &format!("{page}/rounds"),
            &[("meeting", PLENARY), ("mode", "paper"), ("ballots_issued", "3")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let html = a.get(&page).await.body;
    assert!(
        html.contains(&format!("href=\"{page}/paper\"")) && html.contains("name=\"ballots_returned\""),
        "{html}"
    );

    // Teller A, on the page: three ballots.
    let form = a.get(&format!("{page}/paper")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("name=\"ballot_no\"") && form.body.contains("name=\"c2\" value=\"\" checked"),
        "{}",
        form.body
    );
    let entry = format!("{page}/paper");
    let ballots: [&[(&str, &str)]; 3] = [
        &[("ballot_no", "1"), ("c0", "yes"), ("c1", "yes"), ("c2", "no")],
        &[("ballot_no", "2"), ("c0", "yes"), ("c1", "no"), ("c2", "abstain")],
        &[("ballot_no", "3"), ("write_in", "赵六")],
    ];
    for (i, fields) in ballots.iter().enumerate() {
        let mut f = fields.to_vec();
        f.push(("round", "1"));
        let r = a.post_form(&entry, &f).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "ballot {}: {}", i + 1, r.body);
        assert_eq!(r.location(), format!("{entry}?done=entered&no={}#entry", i + 1));
    }
    let done = a.get(&format!("{entry}?done=entered&no=3")).await.body;
    assert!(done.contains("第 3 张选票已录入，待另一名计票人录入"), "{done}");
    // The same teller cannot enter a ballot twice: the rule, in words, the entry kept.
    let r = a.post_form(&entry, &[("round", "1"), ("ballot_no", "1"), ("c0", "no")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("您已录入过第 1 张选票：同一张选票须由另一名计票人录入"), "{}", r.body);
    assert!(
        r.body.contains("value=\"1\" class=\"ballot-no\"")
            && r.body.contains("name=\"c0\" value=\"no\" checked")
    );
    let r = sec.post_json(&format!("{e}/paper"), &json!({"ballot_no": 2, "yes": ["张一"]})).await;
    assert_eq!(
        (r.status, r.json()["rule"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("election.same_teller"))
    );

    // Teller B, on the API: the same ballots, names in another order; ballot 2 differs.
    let mut b = s.api(&s.token("teller-b", DEMO_PASSWORD).await);
    let bundle = json!({"round": 1, "entries": [
        {"ballot_no": 1, "yes": ["李二", "张一"], "no": ["王三"]},
        {"ballot_no": 2, "yes": ["张一", "李二"], "abstain": ["王三"]},
        {"ballot_no": 3, "write_in": ["赵六"]},
    ]});
    let r = b.post_json(&format!("{e}/paper"), &bundle).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let states: Vec<Value> =
        r.json()["ballots"].as_array().unwrap().iter().map(|x| x["state"].clone()).collect();
    assert_eq!(states, ["settled", "mismatch", "settled"]);
    let v = s.browser().get(&e).await.json();
    let p = &v["rounds"][0]["paper"];
    assert_eq!((p["settled"].as_u64(), p["mismatched"].clone()), (Some(2), json!([2])));
    let progress = a.get(&entry).await.body;
    assert!(
        progress.contains(Lang::Zh.t("election.paper.mismatched")) && progress.contains("<strong>2</strong>"),
        "{progress}"
    );
    // Nobody reads another teller's entry: the page holds no marks of ballot 2.
    assert!(!s.browser().get(&page).await.body.contains("赵六"), "entries are not shown before the count");
    // The count waits for ballot 2.
    let r = a.post_form(&format!("{page}/count"), &[("ballots_returned", "3")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("尚有选票未经两名计票人录入一致"), "{}", r.body);
    let check = a.get(&format!("{entry}?returned=3")).await.body;
    assert!(check.contains(&format!("{}：2", Lang::Zh.t("election.paper.missing"))), "{check}");

    // A third teller agrees with A: settled; then the count.
    let mut c = s.logged_in("admin").await;
    let r = c
        .post_form(
            &entry,
            &[("round", "1"), ("ballot_no", "2"), ("c0", "yes"), ("c1", "no"), ("c2", "abstain")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(c.get(r.location()).await.body.contains("第 2 张选票已录入，与另一名计票人的录入一致，已确认"));
    let r = a.post_form(&format!("{page}/count"), &[("ballots_returned", "3")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v = s.browser().get(&e).await.json();
    let res = &v["rounds"][0]["result"];
    assert_eq!(
        (res["ballots_issued"].as_u64(), res["ballots_returned"].as_u64(), res["ballots_valid"].as_u64()),
        (Some(3), Some(3), Some(3))
    );
    let row = |name: &str| {
        res["counts"].as_array().unwrap().iter().find(|c| c["candidate"] == name).unwrap().clone()
    };
    assert_eq!(
        (row("张一")["yes"].as_u64(), row("李二")["yes"].as_u64(), row("李二")["no"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!((row("赵六")["write_in"].as_bool(), row("赵六")["yes"].as_u64()), (Some(true), Some(1)));
    // Far from more than half of all deputies: nobody elected, another round is due.
    assert_eq!(res["elected"], json!([]));
    assert_eq!(
        (v["stage"].as_str(), v["next_round"]["kind"].as_str()),
        (Some("next_round_due"), Some("another_round"))
    );
    let html = s.browser().get(&page).await.body;
    assert!(html.contains("另行选举（OL art. 29 ¶2）") && html.contains("赵六"), "{html}");
    // After the count, no more entries.
    let r =
        b.post_json(&format!("{e}/paper"), &json!({"round": 1, "ballot_no": 3, "write_in": ["赵六"]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = c.post_form(&entry, &[("round", "1"), ("ballot_no", "3")]).await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY
            && r.body.contains(Lang::Zh.t("election.err.round_counted")),
        "{}",
        r.body
    );
}

plenum_testkit::both_backends!(
    demo_elections_are_public,
    electronic_election_over_the_api,
    paper_ballots_entered_twice
);
