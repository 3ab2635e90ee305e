//! The `plenum` command as a user runs it: demo, import, journal verify and stats,
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
    let o = plenum(dir.path(), &db, &["import", "members", bad.to_str().unwrap(), "--assembly", "taiyuan-rd-15"]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("line 3") && err.contains("\"group\""), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(head(dir.path(), &db), before);

    // GBK-encoded file, Chinese headers: imported.
    let good = dir.path().join("good.csv");
    let (bytes, _, _) = encoding_rs_gbk("姓名,性别,代表团,职业\n张新一,男,小店区代表团,教师\n李新二,女,迎泽区代表团,医生\n");
    std::fs::write(&good, bytes).unwrap();
    let o = plenum(dir.path(), &db, &["import", "members", good.to_str().unwrap(), "--assembly", "taiyuan-rd-15", "--date", "2022-02-01"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("imported 2 members"), "{}", text(&o.stdout));
    assert_eq!(head(dir.path(), &db), before + 2);

    // One more would break EL art. 12's quota of 440.
    let more = dir.path().join("more.csv");
    std::fs::write(&more, "姓名,代表团\n王新三,小店区代表团\n").unwrap();
    let o = plenum(dir.path(), &db, &["import", "members", more.to_str().unwrap(), "--assembly", "taiyuan-rd-15"]);
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
