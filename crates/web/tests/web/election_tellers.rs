//! Election rounds whose key the session's tellers hold (监票人, EL art. 43), over
//! HTTP on the demo congress: an electronic round encrypted to the tellers' joint
//! key, its count closing it to ballots, each teller's share of decrypting the
//! per-candidate sums computed from the round's public count input and sent on the
//! page or through the API, the last share counting the round (which anyone can
//! check); the refusals; and a round its tellers cannot decrypt, declared void by
//! the chair and held again. Uses the suite's server and clients.

use super::elections::congress_ready;
use super::plenary::{add_logins, member_of, name_of, present_not_voted};
use super::tellers::{refusal, totals_of};
use super::{Browser, CONGRESS, Reply, Server};
use plenum_domain::{MemberId, Totals, sealed};
use plenum_journal::AuthStore;
use plenum_testkit::TestDb;
use plenum_web::demo::DEMO_PASSWORD;
use plenum_web::i18n::Lang;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const PLENARY: &str = "rd15-1-plenary-2";
const API: &str = "/api/v1/assemblies/taiyuan-rd-15/elections";
const PAGES: &str = "/assemblies/taiyuan-rd-15/elections";
const TELLERS_API: &str = "/api/v1/assemblies/taiyuan-rd-15/sessions/15-1/tellers";
const TELLERS_PAGE: &str = "/assemblies/taiyuan-rd-15/sessions/15-1/tellers";

// ---- the authorization matrix's requests for these routes ----------------------------------

/// The POST routes of teller rounds, for `call` in the matrix.
const POSTS: &[&str] = &[
    "/assemblies/{id}/elections/{election}/rounds/{round}/shares",
    "/assemblies/{id}/elections/{election}/rounds/{round}/void",
    "/api/v1/assemblies/{id}/elections/{election}/rounds/{round}/shares",
    "/api/v1/assemblies/{id}/elections/{election}/rounds/{round}/void",
];

pub(super) fn handles(method: &str, pattern: &str) -> bool {
    method == "POST" && POSTS.contains(&pattern)
}

/// A plausible request for one of `POSTS` at `path` (the pattern filled in). The
/// demo's election 1 is counted on paper: the rules refuse, after the guard.
pub(super) async fn matrix_request(b: &mut Browser<'_>, pattern: &str, path: &str) -> Reply {
    let api = pattern.starts_with("/api/");
    match (api, pattern.ends_with("/void")) {
        (false, true) => b.post_form(path, &[("reason", "matrix")]).await,
        (false, false) => b.post_form(path, &[("share", "matrix")]).await,
        (true, true) => b.post_json(path, &json!({"reason": "matrix"})).await,
        (true, false) => b.post_json(path, &json!({"share": "matrix"})).await,
    }
}

// ---- helpers ------------------------------------------------------------------------------

/// Names the tellers of session 15-1 (the presidium, through the API) and registers
/// a fresh key for each (`logins`: each teller's login, in order); gives the keys
/// (public, secret), in order.
async fn tellers_with_keys(s: &Server, tellers: &[MemberId], logins: &[String]) -> Vec<(String, String)> {
    let mut chair = s.api(&s.token("presidium", DEMO_PASSWORD).await);
    let ids: Vec<&str> = tellers.iter().map(MemberId::as_str).collect();
    let r = chair.post_json(TELLERS_API, &json!({"members": ids})).await;
    assert_eq!(r.status, StatusCode::OK, "appoint: {}", r.body);
    let mut keys = Vec::new();
    for login in logins {
        let key = sealed::new_key().unwrap();
        let mut t = s.api(&s.token(login, DEMO_PASSWORD).await);
        let r = t.post_json(&format!("{TELLERS_API}/key"), &json!({"key": key.0})).await;
        assert_eq!(r.status, StatusCode::OK, "{login}'s key: {}", r.body);
        keys.push(key);
    }
    keys
}

/// An election of two vice-mayors with three candidates, fixed: the presidium names
/// two, twenty deputies jointly a third (OL art. 26). Gives its number.
async fn vice_mayors(s: &Server) -> u64 {
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let r = sec.post_json(API, &json!({"session": "15-1", "item": 7, "title": "选举太原市人民政府副市长", "title_en": "Election of the vice-mayors", "office": "deputy", "seats": 2})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let n = r.json()["election"].as_u64().unwrap();
    let e = format!("{API}/{n}");
    let signers: Vec<String> = s
        .app
        .read(&s.congress(), |a| a.seated_members().skip(100).take(20).map(|m| m.id.to_string()).collect())
        .unwrap();
    let cand = |name: &str| json!({"name": name, "biography": format!("{name}，某局局长。")});
    for body in [
        json!({"by": "presidium", "candidates": [cand("张一"), cand("李二")]}),
        json!({"by": "deputies", "signers": signers, "candidates": [cand("王三")]}),
    ] {
        let r = sec.post_json(&format!("{e}/nominations"), &body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = sec.post_json(&format!("{e}/fix"), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    n
}

/// The ballots of a count input, as `sealed` takes them.
fn ballots_of(input: &Value) -> Vec<Vec<String>> {
    input["ballots"]
        .as_array()
        .unwrap_or_else(|| panic!("no ballots in {input}"))
        .iter()
        .map(|b| b.as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect())
        .collect()
}

// ---- 1. the whole flow ----------------------------------------------------------------------

async fn tellers_count_an_election_round(db: TestDb) {
    let s = Server::start(db).await;
    congress_ready(&s).await;

    // Three tellers: the demo's presidium member and two deputies given logins; five
    // other deputies present at the plenary vote, a sixth comes too late.
    let present = present_not_voted(&s, 99, 8).await;
    assert_eq!(present.len(), 8);
    let (others, rest) = present.split_at(2);
    let (voters, late) = rest.split_at(5);
    let mut logins = vec!["presidium".to_owned()];
    logins.extend(add_logins(&s, "teller", others).await);
    let tellers: Vec<MemberId> =
        [member_of(&s, "presidium").await, others[0].clone(), others[1].clone()].into();
    let names: Vec<String> = tellers.iter().map(|t| name_of(&s, t)).collect();
    let keys = tellers_with_keys(&s, &tellers, &logins).await;
    let n = vice_mayors(&s).await;
    let e = format!("{API}/{n}");
    let page = format!("{PAGES}/{n}");
    let round_page = format!("{page}/rounds/1");
    let round_api = format!("{e}/rounds/1");
    let file = format!("count-input-{CONGRESS}-election-{n}-round-1.json");

    // The open-round form offers the tellers' custody, labelled, with its hint.
    let mut desk = s.logged_in("secretariat").await;
    let html = desk.get(&page).await.body;
    assert!(
        html.contains("<label for=\"custody\">")
            && html.contains("<select id=\"custody\" name=\"custody\"")
            && html.contains("<option value=\"tellers\">")
            && html.contains(Lang::Zh.t("election.custody_hint"))
            && html.contains(&format!("href=\"{TELLERS_PAGE}\"")),
        "the custody choice on the election page: {html}"
    );
    // A paper round's key cannot be the tellers': there is none.
    let r = desk
        .post_form(
            &format!("{page}/rounds"),
            &[("meeting", PLENARY), ("mode", "paper"), ("ballots_issued", "3"), ("custody", "tellers")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // The secretariat opens an electronic round in the tellers' keeping, on the page.
    let r = desk
        .post_form(
            &format!("{page}/rounds"),
            &[("meeting", PLENARY), ("mode", "electronic"), ("custody", "tellers")],
        )
        .await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, format!("{page}?done=opened").as_str()));

    // The round is encrypted to the tellers' joint key: the server holds no secret of it.
    let v = s.browser().get(&e).await.json();
    let r0 = &v["rounds"][0];
    assert_eq!(
        (r0["state"].as_str(), r0["mode"].as_str(), r0["custody"].as_str(), v["stage"].as_str()),
        (Some("open"), Some("electronic"), Some("tellers"), Some("voting")),
        "{v}"
    );
    let shown: Vec<(&str, &str, &str, bool)> = r0["tellers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["member"].as_str().unwrap(),
                t["name"].as_str().unwrap(),
                t["fingerprint"].as_str().unwrap(),
                t["sent"].as_bool().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(&str, &str, &str, bool)> = tellers
        .iter()
        .zip(&names)
        .zip(&keys)
        .map(|((t, name), (public, _))| (t.as_str(), name.as_str(), &public[..16], false))
        .collect();
    assert_eq!(shown, expected);
    let input = s.browser().get(&format!("{round_api}/count-input")).await.json();
    let joint = sealed::joint_key(&keys.iter().map(|k| k.0.clone()).collect::<Vec<_>>()).unwrap();
    assert_eq!(input["public_key"].as_str(), Some(joint.as_str()));
    assert_eq!(input["candidates"], json!(["张一", "李二", "王三"]));
    for public in keys.iter().map(|k| &k.0).chain([&joint]) {
        assert_eq!(s.app.journal().secret(&format!("election-key/{public}")).await.unwrap(), None);
    }
    // The page names the tellers beside the fingerprint of the key each holds for it.
    let html = s.browser().get(&page).await.body;
    assert!(
        html.contains("id=\"tellers-1\"") && html.contains(Lang::Zh.t("election.tellers.help")),
        "{html}"
    );
    for (name, (public, _)) in names.iter().zip(&keys) {
        assert!(html.contains(&format!("<li>{name} <code>{}…</code></li>", &public[..16])), "{name}: {html}");
    }
    assert!(html.contains(&format!("plenum teller check --key teller.key --input {file}")), "{html}");

    // Five deputies vote: 张一 3 yes, 1 no, 1 abstain; 李二 2/2/1; 王三 1/3/1.
    let marks = [
        ["yes", "yes", "no"],
        ["yes", "no", "abstain"],
        ["no", "yes", "yes"],
        ["yes", "abstain", "no"],
        ["abstain", "no", "no"],
    ];
    let voter_logins = add_logins(&s, "voter", voters).await;
    for (login, m) in voter_logins.iter().zip(&marks) {
        let mut d = s.api(&s.token(login, DEMO_PASSWORD).await);
        let r = d.post_json(&format!("{e}/ballot"), &json!({"marks": m})).await;
        assert_eq!(r.status, StatusCode::OK, "{login}: {}", r.body);
    }

    // The count closes the round to ballots; the result waits for the tellers.
    let html = desk.get(&page).await.body;
    assert!(html.contains(Lang::Zh.t("election.count_tellers_hint")), "{html}");
    let r = desk.post_form(&format!("{page}/count"), &[]).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, format!("{page}?done=counting#tellers-1").as_str()),
        "{}",
        r.body
    );
    let html = desk.get(r.location()).await.body;
    assert!(html.contains(Lang::Zh.t("election.done.counting")), "{html}");
    let v = s.browser().get(&e).await.json();
    let r0 = &v["rounds"][0];
    assert_eq!(
        (v["stage"].as_str(), r0["state"].as_str(), r0["state_text"].as_str(), &r0["result"]),
        (Some("counting"), Some("counting"), Some(Lang::En.t("election.round.counting")), &Value::Null),
        "{v}"
    );
    assert_eq!(r0["turnout"], 5);
    let late_login = add_logins(&s, "late", late).await.remove(0);
    let mut l = s.api(&s.token(&late_login, DEMO_PASSWORD).await);
    let r = l.post_json(&format!("{e}/ballot"), &json!({"marks": ["yes", "no", "no"]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a ballot after the count: {}", r.body);
    assert_eq!(s.browser().get(&e).await.json()["rounds"][0]["turnout"], 5);
    let r = desk.post_form(&format!("{page}/count"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "counted twice: {}", r.body);

    // The count input: the key, the tellers, the candidates, every ballot, and nobody
    // beside one.
    let got = s.browser().get(&format!("{round_api}/count-input")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let input = got.json();
    let fields: BTreeSet<&str> = input.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        BTreeSet::from([
            "assembly",
            "election",
            "round",
            "title",
            "public_key",
            "tellers",
            "candidates",
            "ballots",
            "slates",
            "yes_marks",
            "shares"
        ])
    );
    assert_eq!(
        (input["assembly"].as_str(), input["election"].as_u64(), input["round"].as_u64()),
        (Some(CONGRESS), Some(n), Some(1))
    );
    assert_eq!(input["tellers"], json!(tellers.iter().map(MemberId::as_str).collect::<Vec<_>>()));
    assert_eq!(input["shares"], json!({}));
    let ballots = ballots_of(&input);
    assert_eq!(ballots.len(), marks.len(), "exactly the ballots cast");
    assert!(ballots.iter().all(|b| b.len() == 3), "one sub-ballot per candidate");
    // Each with its proof of the number of yes marks, which a teller checks.
    let bounds: (u32, u32) = serde_json::from_value(input["yes_marks"].clone()).unwrap();
    let slates = input["slates"].as_array().unwrap();
    assert_eq!(slates.len(), ballots.len());
    for (b, slate) in ballots.iter().zip(slates) {
        let public = input["public_key"].as_str().unwrap();
        sealed::verify_slate(public, n as u32, 1, b, slate.as_str().unwrap(), bounds).unwrap();
    }
    for voter in voters {
        assert!(!got.body.contains(voter.as_str()), "the count input names a voter: {}", got.body);
        assert!(!got.body.contains(&name_of(&s, voter)), "{}", got.body);
    }
    // The same as a file to take to the teller's device.
    let f = s.browser().get(&format!("{round_page}/count-input.json")).await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.body);
    assert!(f.content_type().starts_with("application/json"), "{}", f.content_type());
    let disposition = f.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains("attachment") && disposition.contains(&file), "{disposition}");
    assert_eq!(f.json(), input);
    // A round whose key the server held (the demo's, on paper), or none: no count input.
    for path in [
        format!("{API}/1/rounds/1/count-input"),
        format!("{e}/rounds/9/count-input"),
        format!("{PAGES}/1/rounds/1/count-input.json"),
    ] {
        assert_eq!(s.browser().get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }

    // The public sees the tellers waiting, the download, and no form.
    let html = s.browser().get(&page).await.body;
    assert!(html.contains(Lang::Zh.t("election.tellers.counting")), "{html}");
    assert!(html.contains(&format!("{} 0 / 3", Lang::Zh.t("tellers.poll.progress"))), "{html}");
    assert!(html.contains(&format!("href=\"{round_page}/count-input.json\"")), "{html}");
    assert!(!html.contains(&format!("action=\"{round_page}/shares\"")), "the public sends no share");
    assert!(!html.contains(&format!("action=\"{round_page}/void\"")), "nor declares it void");
    let dep_html = s.logged_in("deputy").await.get(&page).await.body;
    assert!(!dep_html.contains(&format!("action=\"{round_page}/shares\"")), "a deputy is no teller here");
    assert!(
        desk.get(&page).await.body.contains(&format!("action=\"{round_page}/void\"")),
        "the chair's form"
    );

    // The first teller computes the share from the file and sends it on the page.
    let mut pres = s.logged_in("presidium").await;
    let html = pres.get(&page).await.body;
    assert!(
        html.contains(&format!("action=\"{round_page}/shares\""))
            && html.contains("<label for=\"share-1\">")
            && html.contains("name=\"share\"")
            && html.contains(&format!("plenum teller share --key teller.key --input {file}")),
        "the teller's share form: {html}"
    );
    let downloaded = pres.get(&format!("{round_page}/count-input.json")).await.json();
    let en = n as u32;
    let share = |i: usize, ballots: &[Vec<String>]| {
        sealed::round_share(&joint, &keys[i].1, en, 1, 3, ballots).unwrap()
    };
    let share_0 = share(0, &ballots_of(&downloaded));
    let r = pres.post_form(&format!("{round_page}/shares"), &[("share", &share_0)]).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, format!("{page}?done=share#tellers-1").as_str()),
        "{}",
        r.body
    );
    let html = pres.get(r.location()).await.body;
    assert!(html.contains(Lang::Zh.t("plenary.done.share")), "{html}");
    let print = |i: usize| format!("<code>{}…</code>", &keys[i].0[..16]);
    assert!(
        html.contains(&format!("<li>{} {}: {}</li>", names[0], print(0), Lang::Zh.t("tellers.sent"))),
        "{html}"
    );
    assert!(
        html.contains(&format!("<li>{} {}: {}</li>", names[1], print(1), Lang::Zh.t("tellers.waiting"))),
        "{html}"
    );
    assert!(!html.contains(&format!("action=\"{round_page}/shares\"")), "the share is in: no form again");

    // Refusals: a deputy who is no teller; a teller's second share; a share made with
    // another teller's key; garbage; the staff, who stand for no member.
    let share_1 = share(1, &ballots);
    let share_2 = share(2, &ballots);
    let mut dep = s.api(&s.token("deputy", DEMO_PASSWORD).await);
    let r = dep.post_json(&format!("{round_api}/shares"), &json!({"share": share_2})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "election.not_teller".into()), "{}", r.body);
    assert_eq!(r.json()["source"], "EL art. 43");
    let mut chair = s.api(&s.token("presidium", DEMO_PASSWORD).await);
    let r = chair.post_json(&format!("{round_api}/shares"), &json!({"share": share_0})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "election.share_sent".into()), "{}", r.body);
    let mut t1 = s.api(&s.token(&logins[1], DEMO_PASSWORD).await);
    let mut t2 = s.api(&s.token(&logins[2], DEMO_PASSWORD).await);
    let r = t2.post_json(&format!("{round_api}/shares"), &json!({"share": share_1})).await;
    assert_eq!(
        refusal(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, "election.share_invalid".into()),
        "{}",
        r.body
    );
    let r = t2.post_json(&format!("{round_api}/shares"), &json!({"share": "not a share"})).await;
    assert_eq!(
        refusal(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, "election.share_invalid".into()),
        "{}",
        r.body
    );
    assert_eq!(r.json()["field"], "share");
    // A share of another round's sums (the same key, round 2) does not check out either.
    let other = sealed::round_share(&joint, &keys[2].1, en, 2, 3, &ballots).unwrap();
    let r = t2.post_json(&format!("{round_api}/shares"), &json!({"share": other})).await;
    assert_eq!(
        refusal(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, "election.share_invalid".into()),
        "{}",
        r.body
    );
    let mut t2_page = s.logged_in(&logins[2]).await;
    let r = t2_page.post_form(&format!("{round_page}/shares"), &[("share", "garbage")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(Lang::Zh.t("election.err.election.share_invalid")), "{}", r.body);
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let r = sec.post_json(&format!("{round_api}/shares"), &json!({"share": share_2})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = s.browser().post_json(&format!("{round_api}/shares"), &json!({"share": share_2})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);

    // The second sends theirs through the API: still counting, two shares in.
    let r = t1.post_json(&format!("{round_api}/shares"), &json!({"share": share_1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = s.browser().get(&e).await.json();
    let r0 = &v["rounds"][0];
    assert_eq!((r0["state"].as_str(), &r0["result"]), (Some("counting"), &Value::Null));
    let sent: Vec<bool> =
        r0["tellers"].as_array().unwrap().iter().map(|t| t["sent"].as_bool().unwrap()).collect();
    assert_eq!(sent, [true, true, false]);
    let input = s.browser().get(&format!("{round_api}/count-input")).await.json();
    assert_eq!(
        input["shares"],
        json!({tellers[0].as_str(): share_0, tellers[1].as_str(): share_1}),
        "the shares sent so far"
    );

    // The last share counts the round: the marks cast, exactly, per candidate.
    let r = t2.post_json(&format!("{round_api}/shares"), &json!({"share": share_2})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = s.browser().get(&e).await.json();
    let r0 = &v["rounds"][0];
    assert_eq!((r0["state"].as_str(), r0["sums_only"].as_bool()), (Some("counted"), Some(true)), "{v}");
    let res = &r0["result"];
    let counts: Vec<(&str, Totals)> = res["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["candidate"].as_str().unwrap(), totals_of(c)))
        .collect();
    assert_eq!(
        counts,
        [
            ("张一", Totals { yes: 3, no: 1, abstain: 1 }),
            ("李二", Totals { yes: 2, no: 2, abstain: 1 }),
            ("王三", Totals { yes: 1, no: 3, abstain: 1 }),
        ]
    );
    assert_eq!(res["ballots_returned"], 5);
    // Far from more than half of all deputies: nobody elected, another round is due.
    assert_eq!(res["elected"], json!([]));
    assert_eq!(v["stage"], "next_round_due");
    assert!(r0["tellers"].as_array().unwrap().iter().all(|t| t["sent"] == true), "{v}");
    let r = chair.post_json(&format!("{round_api}/shares"), &json!({"share": share_0})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "election.not_counting".into()), "{}", r.body);

    // Anyone can check the count from the count input alone: the proof is the
    // tellers' shares in key order.
    let after = s.browser().get(&format!("{round_api}/count-input")).await.json();
    assert_eq!(ballots_of(&after), ballots);
    let proof = tellers
        .iter()
        .map(|t| after["shares"][t.as_str()].as_str().unwrap_or_else(|| panic!("no share of {t}: {after}")))
        .collect::<Vec<_>>()
        .join(";");
    assert_eq!(proof, [share_0.as_str(), share_1.as_str(), share_2.as_str()].join(";"));
    let totals: Vec<Totals> = counts.iter().map(|(_, t)| *t).collect();
    sealed::verify_round(&joint, en, 1, 3, &ballots, &totals, &proof).unwrap();
    let mut wrong = totals.clone();
    wrong[1].yes += 1;
    assert!(sealed::verify_round(&joint, en, 1, 3, &ballots, &wrong, &proof).is_err());
    let html = s.browser().get(&page).await.body;
    assert!(html.contains(&format!("plenum teller verify --input {file}")), "{html}");
    assert!(voters.iter().all(|m| !html.contains(m.as_str())));
}

// ---- 2. a round its tellers cannot decrypt ------------------------------------------------

async fn a_round_its_tellers_cannot_decrypt_is_held_again(db: TestDb) {
    let s = Server::start(db).await;
    congress_ready(&s).await;
    let n = vice_mayors(&s).await;
    let e = format!("{API}/{n}");
    let page = format!("{PAGES}/{n}");
    let round_api = format!("{e}/rounds/1");
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let mut chair = s.api(&s.token("presidium", DEMO_PASSWORD).await);
    let by_tellers = json!({"meeting": PLENARY, "mode": "electronic", "custody": "tellers"});

    // No tellers yet: the round cannot be put in their hands.
    let r = sec.post_json(&format!("{e}/rounds"), &by_tellers).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "poll.no_tellers".into()), "{}", r.body);
    assert_eq!(r.json()["field"], "custody");
    let r = sec
        .post_json(
            &format!("{e}/rounds"),
            &json!({"meeting": PLENARY, "mode": "electronic", "custody": "nobody"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("custody")),
        "{}",
        r.body
    );
    // One teller, the presidium member, named but without a key: refused, in words.
    let teller = member_of(&s, "presidium").await;
    let r = chair.post_json(TELLERS_API, &json!({"members": [teller.as_str()]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The rule names the teller whose key is missing (EL art. 43).
    let r = sec.post_json(&format!("{e}/rounds"), &by_tellers).await;
    assert_eq!(
        refusal(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, "election.teller_key_missing".to_owned()),
        "{}",
        r.body
    );
    assert!(r.json()["message"].as_str().unwrap_or("").contains(teller.as_str()), "{}", r.body);
    let mut desk = s.logged_in("secretariat").await;
    let r = desk
        .post_form(
            &format!("{page}/rounds"),
            &[("meeting", PLENARY), ("mode", "electronic"), ("custody", "tellers")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(Lang::Zh.t("election.err.election.teller_key_missing")),
        "the refusal in Chinese: {}",
        r.body
    );
    assert!(s.browser().get(&e).await.json()["rounds"].as_array().unwrap().is_empty(), "nothing opened");

    // With the key registered, the round opens (through the API); the key is then "lost".
    let (public, _) = sealed::new_key().unwrap();
    let r = chair.post_json(&format!("{TELLERS_API}/key"), &json!({"key": public})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = sec.post_json(&format!("{e}/rounds"), &by_tellers).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["round"], 1);
    let voter = present_not_voted(&s, 99, 1).await;
    let login = add_logins(&s, "voter", &voter).await.remove(0);
    let mut d = s.api(&s.token(&login, DEMO_PASSWORD).await);
    let r = d.post_json(&format!("{e}/ballot"), &json!({"marks": ["yes", "no", "abstain"]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Not counting yet: nothing to declare void.
    let r = chair.post_json(&format!("{round_api}/void"), &json!({"reason": "密钥遗失"})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "election.not_counting".into()), "{}", r.body);
    let r = sec.post_json(&format!("{e}/count"), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["rounds"][0]["state"], "counting");
    // While it is counting, no other round opens.
    let r = sec.post_json(&format!("{e}/rounds"), &json!({"meeting": PLENARY, "mode": "electronic"})).await;
    assert_eq!(
        refusal(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, "election.round_counting".into()),
        "{}",
        r.body
    );
    let html = desk.get(&page).await.body;
    assert!(!html.contains(&format!("action=\"{page}/rounds\"")), "no round opens while counting: {html}");

    // A deputy may not declare it void; the chair must give a reason.
    let mut dep = s.api(&s.token("deputy", DEMO_PASSWORD).await);
    let r = dep.post_json(&format!("{round_api}/void"), &json!({"reason": "x"})).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{}",
        r.body
    );
    let mut dep_page = s.logged_in("deputy").await;
    let r = dep_page.post_form(&format!("{page}/rounds/1/void"), &[("reason", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let mut pres = s.logged_in("presidium").await;
    let html = pres.get(&page).await.body;
    assert!(html.contains(&format!("action=\"{page}/rounds/1/void\"")), "the chair's void form: {html}");
    assert!(html.contains(Lang::Zh.t("election.tellers.void_hint")), "{html}");
    let r = pres.post_form(&format!("{page}/rounds/1/void"), &[("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required: {}", r.body);
    assert_eq!(s.browser().get(&e).await.json()["rounds"][0]["state"], "counting");
    // The chair declares it void on the page.
    let r = pres.post_form(&format!("{page}/rounds/1/void"), &[("reason", "监票人密钥遗失")]).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, format!("{page}?done=void#tellers-1").as_str()),
        "{}",
        r.body
    );
    let html = pres.get(r.location()).await.body;
    assert!(
        html.contains(Lang::Zh.t("election.done.void"))
            && html.contains(Lang::Zh.t("election.void_again"))
            && html.contains(&format!("{}：监票人密钥遗失", Lang::Zh.t("election.round.void"))),
        "{html}"
    );
    let v = s.browser().get(&e).await.json();
    let r0 = &v["rounds"][0];
    assert_eq!(
        (r0["state"].as_str(), r0["void_reason"].as_str(), &r0["result"]),
        (Some("void"), Some("监票人密钥遗失"), &Value::Null),
        "never counted: {v}"
    );
    assert_eq!(v["stage"], "next_round_due");
    assert!(v["elected"].as_array().unwrap().is_empty());
    let r = chair.post_json(&format!("{round_api}/void"), &json!({"reason": "again"})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "election.not_counting".into()), "{}", r.body);
    let r = chair.post_json(&format!("{round_api}/shares"), &json!({"share": "x"})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "election.not_counting".into()), "{}", r.body);

    // The same round is held again: the form is back, and the round opens with the
    // same kind, candidates and seats (the server's key this time).
    let html = desk.get(&page).await.body;
    assert!(html.contains(&format!("action=\"{page}/rounds\"")), "the open-round form is back: {html}");
    let r = sec.post_json(&format!("{e}/rounds"), &json!({"meeting": PLENARY, "mode": "electronic"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["round"], 2);
    let v = s.browser().get(&e).await.json();
    let (r0, r1) = (&v["rounds"][0], &v["rounds"][1]);
    assert_eq!(
        (r1["kind"].as_str(), &r1["candidates"], &r1["seats"], r1["state"].as_str(), r1["custody"].as_str()),
        (r0["kind"].as_str(), &r0["candidates"], &r0["seats"], Some("open"), Some("server")),
        "{v}"
    );
    assert_eq!(r1["candidates"], json!(["张一", "李二", "王三"]));
    assert!(r1["tellers"].as_array().unwrap().is_empty());
    // The voter of the void round votes again.
    let r = d.post_json(&format!("{e}/ballot"), &json!({"marks": ["yes", "no", "abstain"]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

plenum_testkit::both_backends!(
    tellers_count_an_election_round,
    a_round_its_tellers_cannot_decrypt_is_held_again
);
