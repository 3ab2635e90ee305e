//! Tellers (监票人, EL art. 43) over HTTP: the presidium names a session's tellers,
//! each registers the key made on their own device, a secret poll is encrypted to
//! their joint key, and after its close each teller sends a share of decrypting the
//! sum, computed from the poll's public count input; the last share gives the result,
//! which anyone can check. Also the refusals, and the demo's CPPCC poll counted so.
//! Uses the suite's server and clients (`super::Server`, `Browser`).

use super::plenary::{add_logins, member_of, name_of, present_not_voted};
use super::{Browser, CONGRESS, CPPCC, Reply, Server};
use plenum_domain::sealed;
use plenum_domain::{AssemblyId, MemberId, Totals};
use plenum_journal::{AuthStore, Journal};
use plenum_testkit::TestDb;
use plenum_web::demo::DEMO_PASSWORD;
use plenum_web::i18n::Lang;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const PLENARY: &str = "rd15-1-plenary-2";
const POLLS: &str = "/api/v1/assemblies/taiyuan-rd-15/polls";
const TELLERS_PAGE: &str = "/assemblies/taiyuan-rd-15/sessions/15-1/tellers";
const TELLERS_API: &str = "/api/v1/assemblies/taiyuan-rd-15/sessions/15-1/tellers";

// ---- the authorization matrix's requests for these routes ----------------------------------

/// The POST routes of tellers, for `call` in the matrix.
const POSTS: &[&str] = &[
    "/assemblies/{id}/sessions/{session}/tellers",
    "/assemblies/{id}/sessions/{session}/tellers/key",
    "/assemblies/{id}/polls/{poll}/shares",
    "/api/v1/assemblies/{id}/sessions/{session}/tellers",
    "/api/v1/assemblies/{id}/sessions/{session}/tellers/key",
    "/api/v1/assemblies/{id}/polls/{poll}/shares",
    "/assemblies/{id}/polls/{poll}/void",
    "/api/v1/assemblies/{id}/polls/{poll}/void",
];

pub(super) fn handles(method: &str, pattern: &str) -> bool {
    method == "POST" && POSTS.contains(&pattern)
}

/// A plausible request for one of `POSTS` at `path` (the pattern filled in). The
/// tellers named are the demo's presidium member and deputy, in the congress's
/// session 15-1, so that their keys register; no poll is opened, so nothing blocks
/// the matrix's other requests.
pub(super) async fn matrix_request(b: &mut Browser<'_>, pattern: &str, path: &str) -> Reply {
    let tail = pattern.rsplit('/').next().unwrap_or("");
    let api = pattern.starts_with("/api/");
    let key = || sealed::new_key().unwrap().0;
    match (api, tail) {
        (false, "tellers") => {
            let members =
                format!("{}\n{}", member_of(b.s, "presidium").await, member_of(b.s, "deputy").await);
            b.post_form(path, &[("members", &members)]).await
        }
        (false, "key") => b.post_form(path, &[("key", &key())]).await,
        // Poll 3 is open, not counting: refused by the rules, after the guard.
        (false, "void") => b.post_form(path, &[("reason", "matrix")]).await,
        (true, "void") => b.post_json(path, &json!({"reason": "matrix"})).await,
        (false, _) => b.post_form(path, &[("share", "matrix")]).await,
        (true, "tellers") => {
            let members = [member_of(b.s, "presidium").await, member_of(b.s, "deputy").await];
            b.post_json(path, &json!({"members": [members[0].as_str(), members[1].as_str()]})).await
        }
        (true, "key") => b.post_json(path, &json!({"key": key()})).await,
        (true, _) => b.post_json(path, &json!({"share": "matrix"})).await,
    }
}

// ---- helpers ------------------------------------------------------------------------------

fn congress() -> AssemblyId {
    AssemblyId::parse(CONGRESS).unwrap()
}

/// The rule a refusal names, with its status.
pub(super) fn refusal(r: &Reply) -> (StatusCode, String) {
    let v: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    (r.status, v["rule"].as_str().unwrap_or("").to_owned())
}

/// The `PollClosed` event of a poll in the journal: its payload.
async fn poll_closed_event(s: &Server, assembly: &str, poll: u32) -> Value {
    let events = s.app.journal().read_all(0, 1_000_000).await.unwrap();
    events
        .iter()
        .filter(|e| e.stream == assembly && e.kind == "PollClosed")
        .map(|e| serde_json::from_str::<Value>(&e.payload).unwrap())
        .find(|v| v["poll"].as_u64() == Some(u64::from(poll)))
        .unwrap_or_else(|| panic!("no PollClosed for poll {poll} of {assembly}"))
}

pub(super) fn totals_of(result: &Value) -> Totals {
    let n = |k: &str| result[k].as_u64().unwrap_or_else(|| panic!("no {k} in {result}")) as u32;
    Totals { yes: n("yes"), no: n("no"), abstain: n("abstain") }
}

// ---- 1. the whole flow on the congress ---------------------------------------------------------

async fn tellers_count_a_secret_poll(db: TestDb) {
    let s = Server::start(db).await;
    // One poll at a time: the demo's open poll first.
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let r = sec.post_json(&format!("{POLLS}/3/close"), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "close 3: {}", r.body);

    // Three tellers: the demo's presidium member (also a deputy) and two deputies
    // given logins; five other deputies present at the plenary will vote.
    let present = present_not_voted(&s, 99, 7).await;
    assert_eq!(present.len(), 7);
    let (others, voters) = present.split_at(2);
    let teller_logins = add_logins(&s, "teller", others).await;
    let tellers: Vec<MemberId> =
        [member_of(&s, "presidium").await, others[0].clone(), others[1].clone()].into();
    let names: Vec<String> = tellers.iter().map(|t| name_of(&s, t)).collect();

    // Nobody named yet: the page says so, and a poll cannot be given to the tellers.
    let page = s.browser().get(TELLERS_PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(Lang::Zh.t("tellers.none")), "{}", page.body);
    let secret_by_tellers = json!({"meeting": PLENARY, "subject": "item", "item": 3, "rule": "cn-people-congress", "mode": "secret", "custody": "tellers"});
    let r = sec.post_json(POLLS, &secret_by_tellers).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "poll.no_tellers".into()), "{}", r.body);
    assert_eq!(r.json()["field"], "custody");

    // The presidium names them on the page, by member id, one form.
    let mut pres = s.logged_in("presidium").await;
    let page = pres.get(TELLERS_PAGE).await;
    assert!(page.body.contains(&format!("action=\"{TELLERS_PAGE}\"")), "the chair's form: {}", page.body);
    assert!(!page.body.contains(&format!("action=\"{TELLERS_PAGE}/key\"")), "not a teller yet");
    let list = format!("{}, {}\n{}", tellers[0], tellers[1], tellers[2]);
    let r = pres.post_form(TELLERS_PAGE, &[("members", &list)]).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/assemblies/taiyuan-rd-15/sessions/15-1/tellers?done=appointed"),
        "{}",
        r.body
    );
    let page = pres.get(r.location()).await;
    assert!(page.body.contains(Lang::Zh.t("tellers.done.appointed")), "{}", page.body);
    for (t, name) in tellers.iter().zip(&names) {
        assert!(page.body.contains(&format!("{name} <small>({t})</small>")), "{name}: {}", page.body);
    }
    assert_eq!(page.body.matches(Lang::Zh.t("tellers.no_key")).count(), 3, "{}", page.body);
    // The presidium member is a teller now: the key form is there for them.
    assert!(page.body.contains(&format!("action=\"{TELLERS_PAGE}/key\"")), "{}", page.body);
    let listed = s.browser().get(TELLERS_API).await.json();
    let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|t| t["member"].as_str().unwrap()).collect();
    assert_eq!(ids, tellers.iter().map(MemberId::as_str).collect::<Vec<_>>(), "in the order named");
    assert!(listed.as_array().unwrap().iter().all(|t| t["key"].is_null() && t["fingerprint"].is_null()));

    // Each teller makes a key on their own device and registers its public part: the
    // first on the page, the second through the API.
    let keys: Vec<(String, String)> = (0..3).map(|_| sealed::new_key().unwrap()).collect();
    let r = pres.post_form(&format!("{TELLERS_PAGE}/key"), &[("key", &keys[0].0)]).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/assemblies/taiyuan-rd-15/sessions/15-1/tellers?done=key"),
        "{}",
        r.body
    );
    let page = pres.get(r.location()).await;
    assert!(page.body.contains(Lang::Zh.t("tellers.done.key")), "{}", page.body);
    assert!(page.body.contains(&format!("<code>{}…</code>", &keys[0].0[..16])), "{}", page.body);
    let mut t1 = s.api(&s.token(&teller_logins[0], DEMO_PASSWORD).await);
    let r = t1.post_json(&format!("{TELLERS_API}/key"), &json!({"key": keys[1].0})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Another teller's key is not theirs to register.
    let mut t2 = s.api(&s.token(&teller_logins[1], DEMO_PASSWORD).await);
    let r = t2.post_json(&format!("{TELLERS_API}/key"), &json!({"key": keys[0].0})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "teller.key_duplicate".into()), "{}", r.body);

    // With the third key missing, the poll cannot be put in the tellers' hands: the
    // rule says whose key is missing.
    let r = sec.post_json(POLLS, &secret_by_tellers).await;
    assert_eq!(
        refusal(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, "poll.teller_key_missing".into()),
        "{}",
        r.body
    );
    let e = r.json();
    assert_eq!((e["code"].as_str(), e["source"].as_str()), (Some("rule_violation"), Some("EL art. 43")));
    let message = e["message"].as_str().unwrap();
    assert!(message.contains(tellers[2].as_str()) && message.contains(&names[2]), "{message}");
    let mut desk = s.logged_in("secretariat").await;
    let meeting_page = format!("/assemblies/taiyuan-rd-15/meetings/{PLENARY}");
    let html = desk.get(&meeting_page).await.body;
    assert!(
        html.contains("<select id=\"custody\" name=\"custody\"")
            && html.contains("<option value=\"tellers\">")
            && html.contains(&format!("href=\"{TELLERS_PAGE}\"")),
        "the custody choice on the meeting page: {html}"
    );
    let open_form =
        [("subject", "3"), ("rule", "cn-people-congress"), ("mode", "secret"), ("custody", "tellers")];
    let r = desk.post_form(&format!("{meeting_page}/polls"), &open_form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // The page says it in Chinese, with the statute; the API's message names the teller.
    assert!(
        r.body.contains(Lang::Zh.t("plenary.err.poll.teller_key_missing")) && r.body.contains("EL art. 43"),
        "{}",
        r.body
    );
    assert!(s.browser().get(POLLS).await.json().as_array().unwrap().len() == 3, "nothing opened");

    // The third registers (on the page); then the poll opens, from the meeting page.
    let mut t2_page = s.logged_in(&teller_logins[1]).await;
    let r = t2_page.post_form(&format!("{TELLERS_PAGE}/key"), &[("key", &keys[2].0)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let listed = s.browser().get(TELLERS_API).await.json();
    for (t, (public, _)) in listed.as_array().unwrap().iter().zip(&keys) {
        assert_eq!(
            (t["key"].as_str(), t["fingerprint"].as_str()),
            (Some(public.as_str()), Some(&public[..16]))
        );
    }
    let r = desk.post_form(&format!("{meeting_page}/polls"), &open_form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let poll: u32 = r
        .location()
        .strip_prefix("/assemblies/taiyuan-rd-15/polls/")
        .and_then(|l| l.strip_suffix("?done=opened"))
        .unwrap_or_else(|| panic!("{}", r.location()))
        .parse()
        .unwrap();
    let api = format!("{POLLS}/{poll}");
    let page_path = format!("/assemblies/taiyuan-rd-15/polls/{poll}");
    let v = s.browser().get(&api).await.json();
    assert_eq!(
        (v["mode"].as_str(), v["state"].as_str(), v["custody"].as_str()),
        (Some("secret"), Some("open"), Some("tellers"))
    );
    let shown: Vec<(&str, bool)> = v["tellers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["member"].as_str().unwrap(), t["sent"].as_bool().unwrap()))
        .collect();
    assert_eq!(shown, tellers.iter().map(|t| (t.as_str(), false)).collect::<Vec<_>>());
    // The poll's key is the tellers' joint key: the server holds no secret of it.
    let input = s.browser().get(&format!("{api}/count-input")).await.json();
    let joint = sealed::joint_key(&keys.iter().map(|k| k.0.clone()).collect::<Vec<_>>()).unwrap();
    assert_eq!(input["public_key"].as_str(), Some(joint.as_str()));
    assert_eq!(s.app.journal().secret(&format!("poll-key/{joint}")).await.unwrap(), None);
    for (public, _) in &keys {
        assert_eq!(s.app.journal().secret(&format!("poll-key/{public}")).await.unwrap(), None);
    }

    // Some deputies vote.
    let voter_logins = add_logins(&s, "voter", voters).await;
    let choices = ["yes", "yes", "no", "abstain", "yes"];
    for (login, choice) in voter_logins.iter().zip(choices) {
        let mut d = s.api(&s.token(login, DEMO_PASSWORD).await);
        let r = d.post_json(&format!("{api}/vote"), &json!({"choice": choice})).await;
        assert_eq!(r.status, StatusCode::OK, "{login}: {}", r.body);
    }
    assert_eq!(s.browser().get(&api).await.json()["turnout"], 5);

    // The poll's page names the tellers who hold its key.
    let html = s.browser().get(&page_path).await.body;
    assert!(html.contains("id=\"tellers\"") && html.contains(Lang::Zh.t("tellers.poll.title")), "{html}");
    assert!(html.contains(Lang::Zh.t("tellers.poll.help")), "{html}");
    // Beside each name, the fingerprint of the key the poll was encrypted to: theirs.
    for (n, (public, _)) in names.iter().zip(&keys) {
        assert!(html.contains(&format!("<li>{n} <code>{}…</code></li>", &public[..16])), "{n}: {html}");
    }
    assert!(html.contains("plenum teller check"), "{html}");

    // The close leaves it counting: no more ballots, no result yet.
    let mut chair = s.api(&s.token("presidium", DEMO_PASSWORD).await);
    let r = chair.post_json(&format!("{api}/close"), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "close: {}", r.body);
    let closed = r.json();
    assert_eq!((closed["state"].as_str(), &closed["result"]), (Some("counting"), &Value::Null));
    assert_eq!(s.browser().get(&api).await.json()["state"], "counting");
    let late = present_not_voted(&s, poll, 10).await;
    let late = late.iter().find(|m| !tellers.contains(m) && !voters.contains(m)).unwrap().clone();
    let late_login = add_logins(&s, "late", &[late]).await.remove(0);
    let mut l = s.api(&s.token(&late_login, DEMO_PASSWORD).await);
    let r = l.post_json(&format!("{api}/vote"), &json!({"choice": "yes"})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "poll.closed".into()), "{}", r.body);
    let counting = Lang::Zh.t("plenary.poll.counting");
    let projector = s.browser().get("/assemblies/taiyuan-rd-15/projector").await.body;
    assert!(projector.contains(counting), "the projector shows the count under way: {projector}");
    let html = s.browser().get(&page_path).await.body;
    assert!(html.contains(counting) && html.contains(Lang::Zh.t("tellers.poll.counting")), "{html}");
    assert!(html.contains(&format!("href=\"{page_path}/count-input.json\"")), "{html}");
    assert!(!html.contains(&format!("action=\"{page_path}/shares\"")), "the public sends no share");
    // While the count is pending, the tellers stay as they are.
    let r = chair.post_json(TELLERS_API, &json!({"members": [tellers[0].as_str()]})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "tellers.poll_pending".into()), "{}", r.body);

    // The count input: the key, the tellers, every ballot and nobody beside one (and
    // the shares sent so far: none yet).
    let input = s.browser().get(&format!("{api}/count-input")).await;
    assert_eq!(input.status, StatusCode::OK, "{}", input.body);
    let v = input.json();
    let fields: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        BTreeSet::from(["assembly", "poll", "title", "public_key", "tellers", "ballots", "shares"])
    );
    assert_eq!(v["shares"], json!({}));
    assert_eq!((v["assembly"].as_str(), v["poll"].as_u64()), (Some(CONGRESS), Some(u64::from(poll))));
    assert_eq!(v["tellers"], json!(tellers.iter().map(MemberId::as_str).collect::<Vec<_>>()));
    let ballots: Vec<String> =
        v["ballots"].as_array().unwrap().iter().map(|b| b.as_str().unwrap().to_owned()).collect();
    assert_eq!(ballots.len(), choices.len(), "exactly the ballots cast");
    assert_eq!(ballots.iter().collect::<BTreeSet<_>>().len(), ballots.len());
    for voter in voters {
        assert!(!input.body.contains(voter.as_str()), "the count input names a voter: {}", input.body);
        assert!(!input.body.contains(&name_of(&s, voter)), "{}", input.body);
    }
    let public = v["public_key"].as_str().unwrap().to_owned();
    assert_eq!(public, joint);
    // The same as a file to take to the teller's device.
    let file = s.browser().get(&format!("{page_path}/count-input.json")).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert!(file.content_type().starts_with("application/json"), "{}", file.content_type());
    let disposition = file.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains("attachment")
            && disposition.contains(&format!("count-input-{CONGRESS}-{poll}.json")),
        "{disposition}"
    );
    assert_eq!(file.json(), v);

    // The first teller computes the share from the file and sends it on the page.
    let html = pres.get(&page_path).await.body;
    assert!(html.contains(&format!("action=\"{page_path}/shares\"")), "the teller's share form: {html}");
    let downloaded = pres.get(&format!("{page_path}/count-input.json")).await.json();
    let ballots_0: Vec<String> =
        downloaded["ballots"].as_array().unwrap().iter().map(|b| b.as_str().unwrap().to_owned()).collect();
    // The teller's dashboard says a share is due, and where.
    let home = pres.get("/").await.body;
    assert!(
        home.contains(Lang::Zh.t("tellers.your_share_due"))
            && home.contains(&format!("href=\"{page_path}#tellers\"")),
        "{home}"
    );
    let share_0 = sealed::share(&public, &keys[0].1, &ballots_0).unwrap();
    let r = pres.post_form(&format!("{page_path}/shares"), &[("share", &share_0)]).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, format!("{page_path}?done=share#tellers").as_str()),
        "{}",
        r.body
    );
    let html = pres.get(&format!("{page_path}?done=share")).await.body;
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
    assert!(!html.contains(&format!("action=\"{page_path}/shares\"")), "the share is in: no form again");
    let home = pres.get("/").await.body;
    assert!(!home.contains(Lang::Zh.t("tellers.your_share_due")), "the share is in: {home}");
    assert!(home.contains(Lang::Zh.t("plenary.poll.counting")), "still counting, for all to see: {home}");
    // The second sends theirs through the API.
    let share_1 = sealed::share(&public, &keys[1].1, &ballots).unwrap();
    let r = t1.post_json(&format!("{api}/shares"), &json!({"share": share_1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["replayed"], false);

    // Refusals: a deputy who is no teller; a teller's second share; a share made with
    // another teller's key.
    let share_2 = sealed::share(&public, &keys[2].1, &ballots).unwrap();
    let mut dep = s.api(&s.token("deputy", DEMO_PASSWORD).await);
    let r = dep.post_json(&format!("{api}/shares"), &json!({"share": share_2})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "poll.not_teller".into()), "{}", r.body);
    assert_eq!(r.json()["code"], "rule_violation");
    let r = chair.post_json(&format!("{api}/shares"), &json!({"share": share_0})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "poll.share_sent".into()), "{}", r.body);
    let r = t2.post_json(&format!("{api}/shares"), &json!({"share": share_1})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "poll.share_invalid".into()), "{}", r.body);
    let r = t2.post_json(&format!("{api}/shares"), &json!({"share": "not a share"})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "poll.share_invalid".into()), "{}", r.body);
    let v = s.browser().get(&api).await.json();
    assert_eq!((v["state"].as_str(), &v["result"]), (Some("counting"), &Value::Null));
    let sent: Vec<bool> =
        v["tellers"].as_array().unwrap().iter().map(|t| t["sent"].as_bool().unwrap()).collect();
    assert_eq!(sent, [true, true, false]);
    let html = s.browser().get(&page_path).await.body;
    assert!(html.contains(&format!("{} 2 / 3", Lang::Zh.t("tellers.poll.progress"))), "{html}");
    let input = s.browser().get(&format!("{api}/count-input")).await.json();
    assert_eq!(
        input["shares"],
        json!({tellers[0].as_str(): share_0, tellers[1].as_str(): share_1}),
        "the shares sent so far"
    );

    // The last share gives the result: the choices cast, exactly.
    let r = t2.post_json(&format!("{api}/shares"), &json!({"share": share_2})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = s.browser().get(&api).await.json();
    assert_eq!(v["state"], "closed", "{v}");
    let totals = totals_of(&v["result"]);
    assert_eq!(totals, Totals { yes: 3, no: 1, abstain: 1 });
    assert_eq!(v["turnout"], 5);
    assert!(v["tellers"].as_array().unwrap().iter().all(|t| t["sent"] == true), "{v}");
    let r = chair.post_json(&format!("{api}/shares"), &json!({"share": share_0})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "poll.not_counting".into()), "{}", r.body);

    // Anyone can check the count from the count input alone: the proof is the
    // tellers' shares in key order, as the journal's PollClosed event records it.
    let after = s.browser().get(&format!("{api}/count-input")).await.json();
    assert_eq!(after["ballots"], json!(ballots));
    let proof = tellers
        .iter()
        .map(|t| after["shares"][t.as_str()].as_str().unwrap_or_else(|| panic!("no share of {t}: {after}")))
        .collect::<Vec<_>>()
        .join(";");
    assert_eq!(proof, [share_0.as_str(), share_1.as_str(), share_2.as_str()].join(";"));
    let event = poll_closed_event(&s, CONGRESS, poll).await;
    assert_eq!(event["decryption"].as_str(), Some(proof.as_str()), "the journal's proof");
    sealed::verify_sum(&public, &ballots, &totals, &proof).unwrap();
    let wrong = Totals { yes: totals.yes + 1, ..totals };
    assert!(sealed::verify_sum(&public, &ballots, &wrong, &proof).is_err());
    let state_proof = s
        .app
        .read(&congress(), |a| {
            let p = &a.polls[&poll];
            p.tellers.iter().map(|t| p.shares[t].clone()).collect::<Vec<_>>().join(";")
        })
        .unwrap();
    assert_eq!(state_proof, proof);
    let html = s.browser().get(&page_path).await.body;
    assert!(html.contains(Lang::Zh.t("plenary.result.rejected")), "{html}");
    assert!(voters.iter().all(|m| !html.contains(m.as_str())));
}

// ---- 2. refusals ---------------------------------------------------------------------------------

async fn teller_refusals(db: TestDb) {
    let s = Server::start(db).await;
    let presidium = member_of(&s, "presidium").await;
    let mut chair = s.api(&s.token("presidium", DEMO_PASSWORD).await);
    let mut dep = s.api(&s.token("deputy", DEMO_PASSWORD).await);
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);

    // Names that are not members, or not member ids at all.
    let r = chair.post_json(TELLERS_API, &json!({"members": [presidium.as_str(), "d-9999"]})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "member.unknown".into()), "{}", r.body);
    assert_eq!(r.json()["field"], "members", "{}", r.body);
    assert!(r.json()["message"].as_str().unwrap().contains("d-9999"), "{}", r.body);
    let r = chair.post_json(TELLERS_API, &json!({"members": ["not a member!"]})).await;
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("members")),
        "{}",
        r.body
    );
    let r = chair.post_json(TELLERS_API, &json!({"members": []})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "tellers.empty".into()), "{}", r.body);
    let r = chair.post_json(TELLERS_API, &json!({"members": [presidium.as_str(), presidium.as_str()]})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "tellers.duplicate".into()), "{}", r.body);
    let mut pres = s.logged_in("presidium").await;
    let r = pres.post_form(TELLERS_PAGE, &[("members", "d-9999")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(Lang::Zh.t("plenary.err.member.unknown")), "{}", r.body);
    let r = chair
        .post_json("/api/v1/assemblies/taiyuan-rd-15/sessions/15-9/tellers", &json!({"members": []}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(s.browser().get(TELLERS_API).await.json(), json!([]), "nothing named");

    // A deputy may not name them, on the page or through the API.
    let r = dep.post_json(TELLERS_API, &json!({"members": [presidium.as_str()]})).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let mut dep_page = s.logged_in("deputy").await;
    let r = dep_page.post_form(TELLERS_PAGE, &[("members", presidium.as_str())]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(!dep_page.get(TELLERS_PAGE).await.body.contains(&format!("action=\"{TELLERS_PAGE}\"")));

    // The presidium member is named; the deputy is not a teller.
    let r = chair.post_json(TELLERS_API, &json!({"members": [presidium.as_str()]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (public, _) = sealed::new_key().unwrap();
    let r = dep.post_json(&format!("{TELLERS_API}/key"), &json!({"key": public})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "teller.not_appointed".into()), "{}", r.body);
    assert_eq!(r.json()["source"], "EL art. 43");
    let r = dep_page.post_form(&format!("{TELLERS_PAGE}/key"), &[("key", &public)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // A key that is not one: garbage, two keys, a key in capitals.
    for bad in ["garbage", &format!("{public};{public}"), &public.to_uppercase(), &public[..public.len() - 2]]
    {
        let r = chair.post_json(&format!("{TELLERS_API}/key"), &json!({"key": bad})).await;
        assert_eq!(
            refusal(&r),
            (StatusCode::UNPROCESSABLE_ENTITY, "teller.key_invalid".into()),
            "{bad}: {}",
            r.body
        );
        assert_eq!(r.json()["field"], "key");
    }
    let r = pres.post_form(&format!("{TELLERS_PAGE}/key"), &[("key", "garbage")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(s.browser().get(TELLERS_API).await.json()[0]["key"].is_null(), "no key registered");
    // Staff stand for no member: they hold no key.
    let r = sec.post_json(&format!("{TELLERS_API}/key"), &json!({"key": public})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // Custody: only for secret polls, and only `server` or `tellers`.
    let r = sec.post_json(&format!("{POLLS}/3/close"), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let open = |mode: &str, custody: &str| json!({"meeting": PLENARY, "subject": "item", "item": 3, "rule": "cn-people-congress", "mode": mode, "custody": custody});
    let r = sec.post_json(POLLS, &open("named", "tellers")).await;
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("custody")),
        "{}",
        r.body
    );
    let r = sec.post_json(POLLS, &open("secret", "nobody")).await;
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("custody")),
        "{}",
        r.body
    );
    let r = sec.post_json(POLLS, &open("secret", "tellers")).await;
    assert_eq!(
        refusal(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, "poll.teller_key_missing".into()),
        "{}",
        r.body
    );
    assert_eq!(s.browser().get(POLLS).await.json().as_array().unwrap().len(), 3, "nothing opened");
    // No count input for a poll whose key the server holds (or none at all).
    assert_eq!(s.browser().get(&format!("{POLLS}/3/count-input")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        s.browser().get("/assemblies/taiyuan-rd-15/polls/3/count-input.json").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(s.browser().get(&format!("{POLLS}/99/count-input")).await.status, StatusCode::NOT_FOUND);
    // Nor a share for it.
    let r = chair.post_json(&format!("{POLLS}/3/shares"), &json!({"share": "x"})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "poll.not_counting".into()), "{}", r.body);

    // Anonymous: 401 on every API post; the pages send to the login.
    let mut anon = s.browser();
    for (path, body) in [
        (TELLERS_API.to_owned(), json!({"members": [presidium.as_str()]})),
        (format!("{TELLERS_API}/key"), json!({"key": public})),
        (format!("{POLLS}/3/shares"), json!({"share": "x"})),
    ] {
        let r = anon.post_json(&path, &body).await;
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthorized")),
            "{path}"
        );
    }
    anon.refresh_csrf().await;
    let r = anon.post_form(TELLERS_PAGE, &[("members", presidium.as_str())]).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, format!("/login?next={TELLERS_PAGE}").as_str())
    );
    assert_eq!(
        s.browser().get(TELLERS_API).await.json()[0]["member"],
        presidium.as_str(),
        "the refusals changed nothing"
    );
}

// ---- 3. the demo's CPPCC poll -------------------------------------------------------------------

async fn demo_cppcc_poll_counted_by_tellers(db: TestDb) {
    let s = Server::start(db).await;
    let v = s.browser().get("/api/v1/assemblies/taiyuan-zx-14/polls/1").await.json();
    assert_eq!(
        (v["mode"].as_str(), v["state"].as_str(), v["custody"].as_str()),
        (Some("secret"), Some("closed"), Some("tellers")),
        "{v}"
    );
    let tellers = v["tellers"].as_array().unwrap();
    assert_eq!(tellers.len(), 3, "{v}");
    assert!(tellers.iter().all(|t| t["sent"] == true && !t["name"].as_str().unwrap().is_empty()), "{v}");
    let r = &v["result"];
    assert_eq!(r["adopted"], true, "{v}");
    let totals = totals_of(r);
    assert_eq!(u64::from(totals.cast()), v["turnout"].as_u64().unwrap());
    assert!(totals.cast() > 0);

    // The committee's chair was elected in a round its tellers counted too.
    let e = s.browser().get("/api/v1/assemblies/taiyuan-zx-14/elections/1").await.json();
    let round = &e["rounds"][0];
    assert_eq!(
        (round["mode"].as_str(), round["state"].as_str(), round["custody"].as_str()),
        (Some("electronic"), Some("counted"), Some("tellers")),
        "{e}"
    );
    assert!(round["tellers"].as_array().unwrap().iter().all(|t| t["sent"] == true), "{e}");
    assert_eq!(e["elected"].as_array().map(Vec::len), Some(1), "{e}");

    // The session's tellers, with their keys' fingerprints, on the API and the page.
    let listed = s.browser().get("/api/v1/assemblies/taiyuan-zx-14/sessions/14-1/tellers").await.json();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 3);
    let ids: Vec<&str> = listed.iter().map(|t| t["member"].as_str().unwrap()).collect();
    assert_eq!(ids, tellers.iter().map(|t| t["member"].as_str().unwrap()).collect::<Vec<_>>());
    let page = s.browser().get("/assemblies/taiyuan-zx-14/sessions/14-1/tellers").await;
    assert_eq!(page.status, StatusCode::OK);
    let mut prints = BTreeSet::new();
    for t in listed {
        let (key, print) = (t["key"].as_str().unwrap(), t["fingerprint"].as_str().unwrap());
        assert_eq!(print, &key[..16]);
        prints.insert(print);
        let name = t["name"].as_str().unwrap();
        assert!(page.body.contains(&format!("{name} <small>({})</small>", t["member"].as_str().unwrap())));
        assert!(page.body.contains(&format!("<code>{print}…</code>")), "{print}: {}", page.body);
    }
    assert_eq!(prints.len(), 3, "three different keys");
    assert!(!page.body.contains(Lang::Zh.t("tellers.no_key")), "{}", page.body);
    // The poll shows, beside each teller, the key it was encrypted to: the session's.
    let poll_page = s.browser().get("/assemblies/taiyuan-zx-14/polls/1").await.body;
    for (t, l) in tellers.iter().zip(listed) {
        assert_eq!(t["fingerprint"], l["fingerprint"], "{t} {l}");
        assert!(
            poll_page.contains(&format!("<code>{}…</code>", t["fingerprint"].as_str().unwrap())),
            "{poll_page}"
        );
    }
    // And how anyone can check it.
    assert!(poll_page.contains("plenum teller verify"), "{poll_page}");

    // Its count checks out against its public count input, and so does the journal's
    // proof.
    let input = s.browser().get("/api/v1/assemblies/taiyuan-zx-14/polls/1/count-input").await.json();
    let ballots: Vec<String> =
        input["ballots"].as_array().unwrap().iter().map(|b| b.as_str().unwrap().to_owned()).collect();
    assert_eq!(ballots.len() as u32, totals.cast());
    let keys: Vec<String> = listed.iter().map(|t| t["key"].as_str().unwrap().to_owned()).collect();
    assert_eq!(input["public_key"].as_str(), Some(sealed::joint_key(&keys).unwrap().as_str()));
    let proof = ids
        .iter()
        .map(|t| input["shares"][*t].as_str().unwrap_or_else(|| panic!("no share of {t}: {input}")))
        .collect::<Vec<_>>()
        .join(";");
    sealed::verify_sum(input["public_key"].as_str().unwrap(), &ballots, &totals, &proof).unwrap();
    assert_eq!(poll_closed_event(&s, CPPCC, 1).await["decryption"].as_str(), Some(proof.as_str()));
    let html = s.browser().get("/assemblies/taiyuan-zx-14/polls/1").await.body;
    assert!(html.contains("id=\"tellers\"") && html.contains(Lang::Zh.t("plenary.result.adopted")), "{html}");
}

// ---- 4. a count its tellers cannot complete ------------------------------------------------

async fn a_count_the_tellers_cannot_complete_is_declared_void(db: TestDb) {
    let s = Server::start(db).await;
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let r = sec.post_json(&format!("{POLLS}/3/close"), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "close 3: {}", r.body);
    // One teller, the presidium member, whose key is then "lost".
    let teller = member_of(&s, "presidium").await;
    let mut pres = s.api(&s.token("presidium", DEMO_PASSWORD).await);
    let r = pres.post_json(TELLERS_API, &json!({"members": [teller.as_str()]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r =
        pres.post_json(&format!("{TELLERS_API}/key"), &json!({"key": sealed::new_key().unwrap().0})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let by_tellers = json!({"meeting": PLENARY, "subject": "item", "item": 3, "rule": "cn-people-congress", "mode": "secret", "custody": "tellers"});
    let r = sec.post_json(POLLS, &by_tellers).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let poll = r.json()["poll"].as_u64().unwrap();
    // Not counting yet: nothing to declare void.
    let r = pres.post_json(&format!("{POLLS}/{poll}/void"), &json!({"reason": "钥匙遗失"})).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "poll.not_counting".into()), "{}", r.body);
    let r = sec.post_json(&format!("{POLLS}/{poll}/close"), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // While it is counting, the subject takes no second poll.
    let r = sec.post_json(POLLS, &by_tellers).await;
    assert_eq!(refusal(&r), (StatusCode::UNPROCESSABLE_ENTITY, "poll.subject_counting".into()), "{}", r.body);
    // The chair declares it void from the poll's page, with a reason.
    let mut chair = s.logged_in("presidium").await;
    let page_path = format!("/assemblies/taiyuan-rd-15/polls/{poll}");
    let html = chair.get(&page_path).await.body;
    assert!(html.contains(&format!("action=\"{page_path}/void\"")), "the chair's void form: {html}");
    let r = chair.post_form(&format!("{page_path}/void"), &[("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required: {}", r.body);
    let r = chair.post_form(&format!("{page_path}/void"), &[("reason", "监票人密钥遗失")]).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, format!("{page_path}?done=void").as_str()),
        "{}",
        r.body
    );
    let html = chair.get(r.location()).await.body;
    assert!(html.contains(Lang::Zh.t("plenary.done.void")) && html.contains("监票人密钥遗失"), "{html}");
    let v = s.browser().get(&format!("{POLLS}/{poll}")).await.json();
    assert_eq!((v["state"].as_str(), v["void_reason"].as_str()), (Some("void"), Some("监票人密钥遗失")));
    assert!(v["result"].is_null(), "never counted: {v}");
    // The subject can now be put to a new vote, and the tellers changed.
    let r = sec.post_json(POLLS, &json!({"meeting": PLENARY, "subject": "item", "item": 3, "rule": "cn-people-congress", "mode": "named"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = pres.post_json(TELLERS_API, &json!({"members": [teller.as_str()]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

plenum_testkit::both_backends!(
    tellers_count_a_secret_poll,
    teller_refusals,
    demo_cppcc_poll_counted_by_tellers,
    a_count_the_tellers_cannot_complete_is_declared_void
);
