//! The `plenum` command as a user runs it: demo, import, journal verify and stats, teller keys and shares,
//! configuration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn plenum(dir: &Path, db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plenum"))
        .current_dir(dir)
        .env("PLENUM_DATABASE", db)
        .env_remove("PLENUM_CONFIG")
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn demo_db(dir: &Path) -> String {
    let db = format!("sqlite:{}", dir.join("demo.db").display());
    let o = plenum(dir, &db, &["demo", "--no-serve"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    db
}

fn head(dir: &Path, db: &str) -> u64 {
    let o = plenum(dir, db, &["journal", "stats", "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["head"].as_u64().unwrap()
}

#[test]
fn demo_is_created_once_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let first = head(dir.path(), &db);
    assert!(first > 1000, "the demo holds {first} events");
    // A second run finds the demo and writes nothing.
    let o = plenum(dir.path(), &db, &["demo", "--no-serve"]);
    assert!(o.status.success());
    assert_eq!(head(dir.path(), &db), first);
    let o = plenum(dir.path(), &db, &["journal", "verify"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains(&format!("ok, {first} events")), "{}", text(&o.stdout));
    let o = plenum(dir.path(), &db, &["journal", "stats"]);
    let out = text(&o.stdout);
    assert!(out.contains("taiyuan-rd-15") && out.contains("MemberRegistered"), "{out}");
}

#[test]
fn verify_names_the_first_tampered_position() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let file = dir.path().join("demo.db");
    {
        let c = rusqlite::Connection::open(&file).unwrap();
        c.execute("UPDATE events SET payload = payload || ' ' WHERE position = 2", []).unwrap();
    }
    let o = plenum(dir.path(), &db, &["journal", "verify"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("FAILED at position 2"), "{}", text(&o.stderr));

    // Removing an event is found too.
    let c = rusqlite::Connection::open(&file).unwrap();
    c.execute("UPDATE events SET payload = rtrim(payload) WHERE position = 2", []).unwrap();
    c.execute("DELETE FROM events WHERE position = 500", []).unwrap();
    drop(c);
    let o = plenum(dir.path(), &db, &["journal", "verify"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("FAILED at position 500"), "{}", text(&o.stderr));
}

#[test]
fn verify_refuses_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = plenum(dir.path(), "sqlite:nothing-here.db", &["journal", "verify"]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("no journal at"), "{}", text(&o.stderr));
    assert!(!dir.path().join("nothing-here.db").exists());
}

#[test]
fn members_import_all_or_nothing_with_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let before = head(dir.path(), &db);
    // Two deputies fit the quota of 440 (438 are seated); a bad row stops all.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "姓名,性别,代表团\n张新一,男,小店区代表团\n李新二,女,不存在的代表团\n").unwrap();
    let o =
        plenum(dir.path(), &db, &["import", "members", bad.to_str().unwrap(), "--assembly", "taiyuan-rd-15"]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("line 3") && err.contains("\"group\""), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(head(dir.path(), &db), before);

    // GBK-encoded file, Chinese headers: imported.
    let good = dir.path().join("good.csv");
    let (bytes, _, _) =
        encoding_rs_gbk("姓名,性别,代表团,职业\n张新一,男,小店区代表团,教师\n李新二,女,迎泽区代表团,医生\n");
    std::fs::write(&good, bytes).unwrap();
    let o = plenum(
        dir.path(),
        &db,
        &["import", "members", good.to_str().unwrap(), "--assembly", "taiyuan-rd-15", "--date", "2022-02-01"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("imported 2 members"), "{}", text(&o.stdout));
    assert_eq!(head(dir.path(), &db), before + 2);

    // One more would break EL art. 12's quota of 440.
    let more = dir.path().join("more.csv");
    std::fs::write(&more, "姓名,代表团\n王新三,小店区代表团\n").unwrap();
    let o = plenum(
        dir.path(),
        &db,
        &["import", "members", more.to_str().unwrap(), "--assembly", "taiyuan-rd-15"],
    );
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("EL art. 12"), "{}", text(&o.stderr));
    assert_eq!(head(dir.path(), &db), before + 2);
}

/// GBK bytes for a string, from a table written out by hand, so that the test does
/// not lean on the encoder of the code it tests.
fn encoding_rs_gbk(s: &str) -> (Vec<u8>, (), ()) {
    let mut out = Vec::new();
    for ch in s.chars() {
        if ch.is_ascii() {
            out.push(ch as u8);
        } else {
            let (b1, b2) = gbk_of(ch);
            out.push(b1);
            out.push(b2);
        }
    }
    (out, (), ())
}

fn gbk_of(ch: char) -> (u8, u8) {
    // The few characters of the test file, from the GB2312 table.
    match ch {
        '姓' => (0xD0, 0xD5),
        '名' => (0xC3, 0xFB),
        '性' => (0xD0, 0xD4),
        '别' => (0xB1, 0xF0),
        '代' => (0xB4, 0xFA),
        '表' => (0xB1, 0xED),
        '团' => (0xCD, 0xC5),
        '职' => (0xD6, 0xB0),
        '业' => (0xD2, 0xB5),
        '张' => (0xD5, 0xC5),
        '新' => (0xD0, 0xC2),
        '一' => (0xD2, 0xBB),
        '男' => (0xC4, 0xD0),
        '小' => (0xD0, 0xA1),
        '店' => (0xB5, 0xEA),
        '区' => (0xC7, 0xF8),
        '教' => (0xBD, 0xCC),
        '师' => (0xCA, 0xA6),
        '李' => (0xC0, 0xEE),
        '二' => (0xB6, 0xFE),
        '女' => (0xC5, 0xAE),
        '迎' => (0xD3, 0xAD),
        '泽' => (0xD4, 0xF3),
        '医' => (0xD2, 0xBD),
        '生' => (0xC9, 0xFA),
        other => panic!("add {other} to the test's GBK table"),
    }
}

#[test]
fn configuration_file_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plenum.toml"), "databse = \"sqlite:x.db\"\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_plenum"))
        .current_dir(dir.path())
        .env_remove("PLENUM_DATABASE")
        .args(["journal", "stats"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("databse"), "{}", text(&o.stderr));
}

#[tokio::test]
async fn a_database_password_never_reaches_the_logs() {
    let db = plenum_testkit::TestDb::postgres().await;
    let url = db.url.replacen("postgres://postgres@", "postgres://postgres:Secret-Pw-42@", 1);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("m.csv");
    std::fs::write(&csv, "name,group\nA,g\n").unwrap();
    // The import fails (the journal is empty), but only after opening the journal
    // and logging where it is.
    let o = Command::new(env!("CARGO_BIN_EXE_plenum"))
        .current_dir(dir.path())
        .env("PLENUM_DATABASE", &url)
        .env("PLENUM_LOG", "debug")
        .args(["import", "members", csv.to_str().unwrap()])
        .output()
        .unwrap();
    let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(all.contains("postgres://postgres:***@"), "{all}");
    assert!(!all.contains("Secret-Pw-42"), "{all}");
}

// ---- the server killed during a vote storm -------------------------------------------

struct Server {
    child: std::process::Child,
    base: String,
}

/// Starts `plenum serve` on a free port and waits until it answers.
// The child is waited for by `Server`'s `Drop`, which clippy cannot see.
#[allow(clippy::zombie_processes)]
async fn serve(dir: &Path, db: &str) -> Server {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_plenum"))
        .current_dir(dir)
        .env("PLENUM_DATABASE", db)
        .env("PLENUM_LOG", "warn")
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().trim_end_matches('/').to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return Server { child, base };
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server at {base} did not come up");
}

async fn token(client: &reqwest::Client, base: &str, username: &str, password: &str) -> String {
    let r: serde_json::Value = client
        .post(format!("{base}/api/v1/tokens"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().unwrap_or_else(|| panic!("no token for {username}: {r}")).to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_ballot_survives_a_kill_during_a_vote_storm() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let client = reqwest::Client::new();
    let mut server = serve(dir.path(), &db).await;
    // Logins for every deputy: the secretariat issues them in bulk.
    let staff = token(&client, &server.base, "secretariat", "plenum-demo").await;
    let issued: Vec<serde_json::Value> = client
        .post(format!("{}/api/v1/accounts/bulk", server.base))
        .bearer_auth(&staff)
        .json(&serde_json::json!({"assembly": "taiyuan-rd-15"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(issued.len() > 400, "{} logins issued", issued.len());
    let mut tokens = Vec::new();
    for chunk in issued.chunks(32) {
        let logins = chunk.iter().map(|l| {
            let (client, base) = (client.clone(), server.base.clone());
            let (u, p) =
                (l["username"].as_str().unwrap().to_owned(), l["password"].as_str().unwrap().to_owned());
            async move { (u.clone(), token(&client, &base, &u, &p).await) }
        });
        tokens.extend(futures_util::future::join_all(logins).await);
    }

    // The storm on the open poll 3; the server is killed after a random number of acks.
    let kill_after = fastrand::usize(20..150);
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let url = format!("{}/api/v1/assemblies/taiyuan-rd-15/polls/3/vote", server.base);
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (user, tok)) in tokens.iter().enumerate() {
        let (client, url, tok, user, acked) =
            (client.clone(), url.clone(), tok.clone(), user.clone(), acked.clone());
        tasks.spawn(async move {
            let choice = ["yes", "no", "abstain"][i % 3];
            let key = format!("storm-{i}");
            let r = client
                .post(&url)
                .bearer_auth(&tok)
                .json(&serde_json::json!({"choice": choice, "command_id": key}))
                .send()
                .await;
            if let Ok(r) = r {
                if r.status() == 200 {
                    if let Ok(v) = r.json::<serde_json::Value>().await {
                        let position = v["position"].as_u64().unwrap();
                        acked.lock().unwrap().push((user, tok, choice, key, position));
                    }
                }
            }
        });
    }
    loop {
        let n = acked.lock().unwrap().len();
        if n >= kill_after || tasks.is_empty() {
            break;
        }
        tokio::select! {
            _ = tasks.join_next() => {}
            _ = tokio::time::sleep(std::time::Duration::from_millis(2)) => {}
        }
    }
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    while tasks.join_next().await.is_some() {}
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= kill_after.min(tokens.len()) / 2, "only {} acks", acked.len());
    eprintln!(
        "killed after {} acknowledged ballots (aimed at {kill_after}) of {} voters",
        acked.len(),
        tokens.len()
    );

    // After a restart every acknowledged ballot is there, once, as cast.
    let server = serve(dir.path(), &db).await;
    let file = dir.path().join("demo.db");
    let events: Vec<(u64, String, String)> = {
        let c = rusqlite::Connection::open(&file).unwrap();
        let mut q = c.prepare("SELECT position, type, payload FROM events WHERE type = 'VoteCast'").unwrap();
        q.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let by_position: std::collections::HashMap<u64, serde_json::Value> =
        events.iter().map(|(p, _, payload)| (*p, serde_json::from_str(payload).unwrap())).collect();
    for (user, _, choice, _, position) in &acked {
        let e = by_position
            .get(position)
            .unwrap_or_else(|| panic!("{user}'s acknowledged ballot at {position} is lost"));
        assert_eq!(e["poll"], 3);
        assert_eq!(e["choice"], *choice);
        let member = user.rsplit('.').next().unwrap();
        assert_eq!(e["member"], member);
    }
    let in_poll_3 = events.iter().filter(|(_, _, p)| p.contains("\"poll\":3")).count();
    let poll: serde_json::Value = client
        .get(format!("{}/api/v1/assemblies/taiyuan-rd-15/polls/3", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let counted = poll.to_string();
    assert!(
        counted.contains(&format!("\"turnout\":{in_poll_3}")),
        "turnout differs from the journal's {in_poll_3}: {counted:.400}"
    );
    // A retry of an acknowledged ballot gets its first receipt back.
    let (_, tok, choice, key, position) = &acked[0];
    let r: serde_json::Value = client
        .post(format!("{}/api/v1/assemblies/taiyuan-rd-15/polls/3/vote", server.base))
        .bearer_auth(tok)
        .json(&serde_json::json!({"choice": choice, "command_id": key}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["replayed"], true, "{r}");
    assert_eq!(r["position"].as_u64(), Some(*position));
    let o = plenum(dir.path(), &db, &["journal", "verify"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    drop(server);
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- tellers: keys and shares made offline ---------------------------------------------

fn teller(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plenum"))
        .current_dir(dir)
        .env_remove("PLENUM_CONFIG")
        .env_remove("PLENUM_DATABASE")
        .arg("teller")
        .args(args)
        .output()
        .unwrap()
}

/// Makes a teller key with the CLI; gives its public key.
fn teller_key(dir: &Path, file: &str) -> String {
    let o = teller(dir, &["keygen", "--out", file]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert_eq!(out.lines().count(), 1, "{out}");
    out.trim().to_owned()
}

fn key_file(dir: &Path, file: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap()
}

/// Writes a count input as the server serves it.
fn count_input(dir: &Path, public_key: &str, ballots: &[String]) -> std::path::PathBuf {
    let input = plenum_app::polls::CountInput {
        assembly: "taiyuan-rd-15".into(),
        poll: 3,
        title: "关于预算的决议".into(),
        public_key: public_key.to_owned(),
        tellers: vec!["m0001".into(), "m0002".into()],
        ballots: ballots.to_vec(),
        shares: Default::default(),
    };
    let file = dir.join(format!("count-{}.json", fastrand::u32(..)));
    std::fs::write(&file, serde_json::to_string(&input).unwrap()).unwrap();
    file
}

fn share(dir: &Path, key: &str, input: &Path) -> Output {
    teller(dir, &["share", "--key", key, "--input", input.to_str().unwrap()])
}

/// The command refused with `expected` in its message and printed nothing to paste.
fn refused(o: &Output, expected: &str) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stdout: {} stderr: {err}", text(&o.stdout));
    assert!(err.contains(expected), "expected {expected:?} in: {err}");
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
}

#[test]
fn teller_keygen_writes_a_private_file_and_never_overwrites_it() {
    use plenum_domain::sealed;
    let dir = tempfile::tempdir().unwrap();
    // No settings are read: a broken settings file stops every other command.
    std::fs::write(dir.path().join("plenum.toml"), "databse = 1\n").unwrap();
    let o = teller(dir.path(), &["keygen", "--out", "a.key"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let public = text(&o.stdout).trim().to_owned();
    let file = key_file(dir.path(), "a.key");
    assert_eq!(file.as_object().unwrap().len(), 3, "{file}");
    assert_eq!(file["format"], "plenum-teller-key/1");
    assert_eq!(file["public"], public.as_str());
    sealed::check_key(&public).unwrap();
    let secret = file["secret"].as_str().unwrap();
    assert!(!secret.is_empty());
    // The secret is in the file only.
    assert!(!text(&o.stdout).contains(secret) && !text(&o.stderr).contains(secret));
    let note = text(&o.stderr);
    assert!(note.contains("tellers page") && note.contains("offline") && note.contains("lost"), "{note}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("a.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }

    // A second keygen to the same file is refused and leaves the key as it was.
    let before = std::fs::read(dir.path().join("a.key")).unwrap();
    let o = teller(dir.path(), &["keygen", "--out", "a.key"]);
    refused(&o, "already exists");
    assert_eq!(std::fs::read(dir.path().join("a.key")).unwrap(), before);

    // Each key is new.
    assert_ne!(teller_key(dir.path(), "b.key"), public);
}

#[test]
fn tellers_shares_made_offline_decrypt_the_sum() {
    use plenum_domain::{Choice, sealed};
    let dir = tempfile::tempdir().unwrap();
    let keys = [teller_key(dir.path(), "a.key"), teller_key(dir.path(), "b.key")];
    let poll_key = sealed::joint_key(&keys).unwrap();
    let votes = [Choice::Yes, Choice::No, Choice::Yes, Choice::Abstain, Choice::Yes, Choice::No];
    let ballots: Vec<String> = votes.iter().map(|c| sealed::encrypt(&poll_key, *c).unwrap()).collect();
    let input = count_input(dir.path(), &poll_key, &ballots);

    // Before the vote each teller checks that their key is one of the poll's.
    for (place, file) in ["a.key", "b.key"].into_iter().enumerate() {
        let o = teller(dir.path(), &["check", "--key", file, "--input", input.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert_eq!(text(&o.stdout).trim(), format!("key holder {} of 2", place + 1));
    }
    teller_key(dir.path(), "stranger.key");
    let o = teller(dir.path(), &["check", "--key", "stranger.key", "--input", input.to_str().unwrap()]);
    refused(&o, "not among the 2 key holders");

    let mut shares = Vec::new();
    for (place, file) in ["a.key", "b.key"].into_iter().enumerate() {
        let o = share(dir.path(), file, &input);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let out = text(&o.stdout);
        assert_eq!(out.lines().count(), 1, "{out}");
        let s = out.trim().to_owned();
        assert_eq!(sealed::verify_share(&poll_key, &ballots, &s).unwrap(), place);
        let note = text(&o.stderr);
        assert_eq!(note.trim().lines().count(), 1, "{note}");
        assert!(note.contains("poll 3") && note.contains("关于预算的决议"), "{note}");
        assert!(note.contains("6 ballots checked"), "{note}");
        assert!(note.contains("paste the line on stdout into the poll's page"), "{note}");
        shares.push(s);
    }
    let (totals, _proof) = sealed::combine(&poll_key, &ballots, &shares).unwrap();
    assert_eq!((totals.yes, totals.no, totals.abstain), (3, 2, 1));
    // One teller's share alone decrypts nothing.
    assert!(sealed::combine(&poll_key, &ballots, &shares[..1]).is_err());

    // Anyone checks the count from the published input with both shares in.
    let mut published: plenum_app::polls::CountInput =
        serde_json::from_str(&std::fs::read_to_string(&input).unwrap()).unwrap();
    published.shares.insert("m0001".into(), shares[0].clone());
    let write = |i: &plenum_app::polls::CountInput| {
        let file = dir.path().join(format!("published-{}.json", fastrand::u32(..)));
        std::fs::write(&file, serde_json::to_string(i).unwrap()).unwrap();
        file
    };
    let verify = |file: &Path| teller(dir.path(), &["verify", "--input", file.to_str().unwrap()]);
    refused(&verify(&write(&published)), "1 of 2 tellers' shares are in");
    // A share swapped for the other teller's, or for one of other ballots, fails.
    published.shares.insert("m0002".into(), shares[0].clone());
    refused(&verify(&write(&published)), "do not check");
    published.shares.insert("m0002".into(), shares[1].clone());
    let o = verify(&write(&published));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let got: serde_json::Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    assert_eq!(
        (got["yes"].as_u64(), got["no"].as_u64(), got["abstain"].as_u64()),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(got["ballots"].as_u64(), Some(6));
    let mut fewer = published.clone();
    fewer.ballots.pop();
    refused(&verify(&write(&fewer)), "do not check");
}

#[test]
fn teller_share_refuses_a_foreign_key_and_bad_ballots() {
    use plenum_domain::{Choice, sealed};
    let dir = tempfile::tempdir().unwrap();
    let keys = [teller_key(dir.path(), "a.key"), teller_key(dir.path(), "b.key")];
    let poll_key = sealed::joint_key(&keys).unwrap();
    let ballots: Vec<String> = [Choice::Yes, Choice::No, Choice::Abstain]
        .iter()
        .map(|c| sealed::encrypt(&poll_key, *c).unwrap())
        .collect();
    // The input is good: it is what makes each refusal below.
    assert!(share(dir.path(), "a.key", &count_input(dir.path(), &poll_key, &ballots)).status.success());

    // A key the poll was not encrypted to: the operator may have swapped the keys.
    teller_key(dir.path(), "c.key");
    let o = share(dir.path(), "c.key", &count_input(dir.path(), &poll_key, &ballots));
    refused(&o, "not among the 2 key holders");
    assert!(text(&o.stderr).contains("replaced"), "{}", text(&o.stderr));

    // A tampered ballot, named by its number: one hex digit changed, or a ballot of
    // another poll put in its place.
    let mut tampered = ballots.clone();
    let b = &tampered[1];
    let at = b.len() / 2;
    let digit = if &b[at..=at] == "0" { "1" } else { "0" };
    tampered[1] = format!("{}{digit}{}", &b[..at], &b[at + 1..]);
    refused(&share(dir.path(), "a.key", &count_input(dir.path(), &poll_key, &tampered)), "ballot 2 ");
    let (other, _) = sealed::new_key().unwrap();
    let mut foreign = ballots.clone();
    foreign[2] = sealed::encrypt(&other, Choice::Yes).unwrap();
    refused(&share(dir.path(), "a.key", &count_input(dir.path(), &poll_key, &foreign)), "ballot 3 ");

    // A ballot counted twice.
    let mut copied = ballots.clone();
    copied.push(ballots[0].clone());
    refused(
        &share(dir.path(), "b.key", &count_input(dir.path(), &poll_key, &copied)),
        "ballot 4 is a copy of ballot 1",
    );

    // Malformed key files: not JSON, another format, a broken public key, and one
    // teller's public key with another's secret.
    let input = count_input(dir.path(), &poll_key, &ballots);
    std::fs::write(dir.path().join("x.key"), "not json").unwrap();
    refused(&share(dir.path(), "x.key", &input), "x.key is malformed");
    let (a, b) = (key_file(dir.path(), "a.key"), key_file(dir.path(), "b.key"));
    let bad = [
        serde_json::json!({"format": "plenum-teller-key/2", "public": a["public"], "secret": a["secret"]}),
        serde_json::json!({"format": "plenum-teller-key/1", "public": "00ff", "secret": a["secret"]}),
        serde_json::json!({"format": "plenum-teller-key/1", "public": a["public"], "secret": b["secret"]}),
    ];
    for (i, k) in bad.iter().enumerate() {
        let name = format!("bad{i}.key");
        std::fs::write(dir.path().join(&name), k.to_string()).unwrap();
        refused(&share(dir.path(), &name, &input), &format!("{name} is malformed"));
    }
}

// ---- tellers of an electronic secret election round -------------------------------------

const CANDIDATES: [&str; 3] = ["甲", "乙", "丙"];

/// One voter's marks per ballot, encrypted to round 1 of election 2: one sub-ballot per
/// candidate, in list order.
fn round_ballots(public_key: &str, marks: &[[plenum_domain::Choice; 3]]) -> Vec<Vec<String>> {
    marks.iter().map(|m| plenum_domain::sealed::encrypt_marks(public_key, 2, 1, m).unwrap()).collect()
}

fn round_count(public_key: &str, ballots: &[Vec<String>]) -> plenum_app::elections::RoundCountInput {
    plenum_app::elections::RoundCountInput {
        assembly: "taiyuan-rd-15".into(),
        election: 2,
        round: 1,
        title: "选举副市长".into(),
        public_key: public_key.to_owned(),
        tellers: vec!["m0001".into(), "m0002".into()],
        candidates: CANDIDATES.iter().map(|c| c.to_string()).collect(),
        ballots: ballots.to_vec(),
        slates: Vec::new(),
        yes_marks: None,
        shares: Default::default(),
    }
}

/// Writes a round's count input as the server serves it.
fn write_round(dir: &Path, input: &plenum_app::elections::RoundCountInput) -> std::path::PathBuf {
    let file = dir.join(format!("round-{}.json", fastrand::u32(..)));
    std::fs::write(&file, serde_json::to_string(input).unwrap()).unwrap();
    file
}

fn round_input(dir: &Path, public_key: &str, ballots: &[Vec<String>]) -> std::path::PathBuf {
    write_round(dir, &round_count(public_key, ballots))
}

#[test]
fn tellers_shares_made_offline_decrypt_a_rounds_sums_per_candidate() {
    use Choice::{Abstain as A, No as N, Yes as Y};
    use plenum_domain::{Choice, Totals, sealed};
    let dir = tempfile::tempdir().unwrap();
    let keys = [teller_key(dir.path(), "a.key"), teller_key(dir.path(), "b.key")];
    let round_key = sealed::joint_key(&keys).unwrap();
    let marks = [[Y, N, A], [Y, Y, N], [N, Y, A], [Y, A, N], [A, Y, Y]];
    let ballots = round_ballots(&round_key, &marks);
    let input = round_input(dir.path(), &round_key, &ballots);
    let expected = [
        Totals { yes: 3, no: 1, abstain: 1 },
        Totals { yes: 3, no: 1, abstain: 1 },
        Totals { yes: 1, no: 2, abstain: 2 },
    ];

    // Before the vote each teller checks that their key is one of the round's.
    for (place, file) in ["a.key", "b.key"].into_iter().enumerate() {
        let o = teller(dir.path(), &["check", "--key", file, "--input", input.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert_eq!(text(&o.stdout).trim(), format!("key holder {} of 2", place + 1));
        let note = text(&o.stderr);
        assert!(note.contains("election 2 round 1") && note.contains("选举副市长"), "{note}");
    }
    teller_key(dir.path(), "stranger.key");
    let o = teller(dir.path(), &["check", "--key", "stranger.key", "--input", input.to_str().unwrap()]);
    refused(&o, "not among the 2 key holders of election 2 round 1");

    let mut shares = Vec::new();
    for (place, file) in ["a.key", "b.key"].into_iter().enumerate() {
        let o = share(dir.path(), file, &input);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let out = text(&o.stdout);
        assert_eq!(out.lines().count(), 1, "{out}");
        let s = out.trim().to_owned();
        assert_eq!(sealed::verify_round_share(&round_key, 2, 1, 3, &ballots, &s).unwrap(), place);
        // A share of the round is bound to it: not another round's.
        assert!(sealed::verify_round_share(&round_key, 2, 2, 3, &ballots, &s).is_err());
        let note = text(&o.stderr);
        assert_eq!(note.trim().lines().count(), 1, "{note}");
        assert!(note.contains("election 2 round 1") && note.contains("选举副市长"), "{note}");
        assert!(note.contains("5 ballots of 3 candidates checked"), "{note}");
        assert!(
            note.contains(&format!("key holder {} of 2 (teller m000{})", place + 1, place + 1)),
            "{note}"
        );
        assert!(note.contains("paste the line on stdout into the election's page"), "{note}");
        shares.push(s);
    }
    let (totals, proof) = sealed::combine_round(&round_key, 2, 1, 3, &ballots, &shares).unwrap();
    assert_eq!(totals, expected);
    sealed::verify_round(&round_key, 2, 1, 3, &ballots, &totals, &proof).unwrap();
    // One teller's share alone decrypts nothing.
    assert!(sealed::combine_round(&round_key, 2, 1, 3, &ballots, &shares[..1]).is_err());

    // Anyone checks the count from the published input with both shares in.
    let mut published = round_count(&round_key, &ballots);
    published.shares.insert("m0002".into(), shares[1].clone());
    let verify = |file: &Path| teller(dir.path(), &["verify", "--input", file.to_str().unwrap()]);
    refused(&verify(&write_round(dir.path(), &published)), "1 of 2 tellers' shares are in");
    refused(&verify(&write_round(dir.path(), &published)), "waiting for m0001");
    // A share swapped for the other teller's fails.
    published.shares.insert("m0001".into(), shares[1].clone());
    refused(&verify(&write_round(dir.path(), &published)), "do not check");
    published.shares.insert("m0001".into(), shares[0].clone());
    let o = verify(&write_round(dir.path(), &published));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let got: serde_json::Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    let per_candidate: Vec<serde_json::Value> = CANDIDATES
        .iter()
        .zip(&expected)
        .map(|(name, t)| serde_json::json!({"name": name, "yes": t.yes, "no": t.no, "abstain": t.abstain}))
        .collect();
    assert_eq!(
        got,
        serde_json::json!({
            "assembly": "taiyuan-rd-15",
            "election": 2,
            "round": 1,
            "ballots": 5,
            "candidates": per_candidate,
        })
    );
    let note = text(&o.stderr);
    assert!(note.contains("election 2 round 1: 5 ballots and 2 tellers' shares checked"), "{note}");
    // The same shares do not decrypt fewer ballots, or the ballots of another round.
    let mut fewer = published.clone();
    fewer.ballots.pop();
    refused(&verify(&write_round(dir.path(), &fewer)), "do not check");
    let mut other_round = published.clone();
    other_round.round = 2;
    refused(
        &verify(&write_round(dir.path(), &other_round)),
        "ballot 1 does not check against the round's key",
    );
    // The input on stdin works as well.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_plenum"))
        .current_dir(dir.path())
        .env_remove("PLENUM_CONFIG")
        .env_remove("PLENUM_DATABASE")
        .args(["teller", "verify", "--input", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(serde_json::to_string(&published).unwrap().as_bytes()).unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(serde_json::from_str::<serde_json::Value>(&text(&o.stdout)).unwrap(), got);
}

#[test]
fn teller_share_of_a_round_refuses_a_foreign_key_and_bad_ballots() {
    use Choice::{Abstain as A, No as N, Yes as Y};
    use plenum_domain::{Choice, sealed};
    let dir = tempfile::tempdir().unwrap();
    let keys = [teller_key(dir.path(), "a.key"), teller_key(dir.path(), "b.key")];
    let round_key = sealed::joint_key(&keys).unwrap();
    let ballots = round_ballots(&round_key, &[[Y, N, A], [N, Y, Y], [A, A, N]]);
    // The input is good: it is what makes each refusal below.
    assert!(share(dir.path(), "a.key", &round_input(dir.path(), &round_key, &ballots)).status.success());

    // A key the round was not encrypted to: the operator may have swapped the keys.
    teller_key(dir.path(), "c.key");
    let o = share(dir.path(), "c.key", &round_input(dir.path(), &round_key, &ballots));
    refused(&o, "not among the 2 key holders of election 2 round 1");
    assert!(text(&o.stderr).contains("replaced"), "{}", text(&o.stderr));

    // A tampered sub-ballot, named by ballot and candidate: one hex digit changed.
    let mut tampered = ballots.clone();
    let b = &tampered[1][2];
    let at = b.len() / 2;
    let digit = if &b[at..=at] == "0" { "1" } else { "0" };
    tampered[1][2] = format!("{}{digit}{}", &b[..at], &b[at + 1..]);
    let o = share(dir.path(), "a.key", &round_input(dir.path(), &round_key, &tampered));
    refused(&o, "ballot 2 does not check against the round's key: candidate 3");
    // Sub-ballots moved to another candidate, or taken from another round or key.
    let mut swapped = ballots.clone();
    swapped[2].swap(0, 1);
    refused(
        &share(dir.path(), "a.key", &round_input(dir.path(), &round_key, &swapped)),
        "ballot 3 does not check against the round's key: candidate 1",
    );
    let mut other_round = ballots.clone();
    other_round[0] = sealed::encrypt_marks(&round_key, 2, 2, &[Y, N, N]).unwrap();
    refused(
        &share(dir.path(), "b.key", &round_input(dir.path(), &round_key, &other_round)),
        "ballot 1 does not check against the round's key",
    );
    let (other, _) = sealed::new_key().unwrap();
    let mut foreign = ballots.clone();
    foreign[2] = sealed::encrypt_marks(&other, 2, 1, &[Y, N, N]).unwrap();
    refused(
        &share(dir.path(), "b.key", &round_input(dir.path(), &round_key, &foreign)),
        "ballot 3 does not check against the round's key",
    );

    // With each ballot's proof of its yes marks: one over the round's bound is refused,
    // as is a proof moved to another ballot.
    let (fine, fine_proof) = sealed::seal_marks(&round_key, 2, 1, &[Y, N, N], (0, 1)).unwrap();
    let (over, over_proof) = sealed::seal_marks(&round_key, 2, 1, &[Y, Y, N], (0, 2)).unwrap();
    let mut proven = round_count(&round_key, &[fine.clone(), over]);
    proven.slates = vec![Some(fine_proof.clone()), Some(over_proof)];
    proven.yes_marks = Some((0, 1));
    refused(
        &share(dir.path(), "a.key", &write_round(dir.path(), &proven)),
        "ballot 2 does not check against the round's key: count proof",
    );
    let (other_fine, other_proof) = sealed::seal_marks(&round_key, 2, 1, &[N, Y, N], (0, 1)).unwrap();
    proven.ballots = vec![fine, other_fine];
    proven.slates = vec![Some(fine_proof.clone()), Some(fine_proof.clone())];
    refused(
        &share(dir.path(), "a.key", &write_round(dir.path(), &proven)),
        "ballot 2 does not check against the round's key: count proof",
    );
    proven.slates = vec![Some(fine_proof), Some(other_proof)];
    let o = share(dir.path(), "a.key", &write_round(dir.path(), &proven));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // A ballot counted twice, whole or one candidate's sub-ballot of it.
    let mut copied = ballots.clone();
    copied.push(ballots[0].clone());
    refused(
        &share(dir.path(), "b.key", &round_input(dir.path(), &round_key, &copied)),
        "ballot 4 is a copy of ballot 1",
    );
    let mut partly = ballots.clone();
    let mut fresh = sealed::encrypt_marks(&round_key, 2, 1, &[N, N, Y]).unwrap();
    fresh[2] = ballots[1][2].clone();
    partly.push(fresh);
    refused(
        &share(dir.path(), "a.key", &round_input(dir.path(), &round_key, &partly)),
        "ballot 4's sub-ballot for candidate 3 (丙) is a copy of ballot 2's",
    );

    // A ballot with too few or too many sub-ballots for the candidates.
    let mut short = ballots.clone();
    short[1].pop();
    refused(
        &share(dir.path(), "a.key", &round_input(dir.path(), &round_key, &short)),
        "ballot 2 has 2 sub-ballots for 3 candidates",
    );
    let mut long = ballots.clone();
    long[0].push(ballots[0][0].clone());
    refused(
        &share(dir.path(), "a.key", &round_input(dir.path(), &round_key, &long)),
        "ballot 1 has 4 sub-ballots for 3 candidates",
    );
    // No candidates: nothing to share.
    let mut none = round_count(&round_key, &[]);
    none.candidates.clear();
    refused(&share(dir.path(), "a.key", &write_round(dir.path(), &none)), "names no candidates");

    // `verify` checks the ballots as `share` does, even with true shares of them.
    let secrets: Vec<String> = ["a.key", "b.key"]
        .iter()
        .map(|f| key_file(dir.path(), f)["secret"].as_str().unwrap().to_owned())
        .collect();
    let mut published = round_count(&round_key, &copied);
    for (teller, secret) in ["m0001", "m0002"].into_iter().zip(&secrets) {
        let s = sealed::round_share(&round_key, secret, 2, 1, 3, &copied).unwrap();
        published.shares.insert(teller.into(), s);
    }
    let o = teller(dir.path(), &["verify", "--input", write_round(dir.path(), &published).to_str().unwrap()]);
    refused(&o, "ballot 4 is a copy of ballot 1");
}
