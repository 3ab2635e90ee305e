//! The code shown in the hall for members' own check-in (会场签到码).
//!
//! A meeting may require it (`Command::RequireHallCode`): a member then checks in on
//! their phone only with the six digits the hall's screen shows, so that a phone away
//! from the hall cannot count towards the quorum (OL art. 14). The code changes every
//! minute. It is an HMAC-SHA256 of the meeting and the minute under a random key of the
//! meeting's, kept in the secrets table beside the journal (never in it), so every
//! server on the same database shows and accepts the same code. The code of the minute
//! before is still accepted, for a member who typed it as it changed.

use crate::Web;
use crate::error::Failure;
use axum::http::StatusCode;
use hmac::{Hmac, Mac};
use plenum_domain::{AssemblyId, CheckInMethod, MeetingId, MemberId};
use plenum_journal::AuthStore;
use sha2::Sha256;
use std::collections::HashMap;

/// How long one code is shown, in seconds.
pub(crate) const WINDOW_SECS: i64 = 60;

/// Digits in a code.
const DIGITS: usize = 6;

/// Wrong codes a member may enter for a meeting in one minute, and in all. Six digits
/// and two codes valid at a time would otherwise fall to a script in minutes; with
/// these limits a member guessing from afar has at most one chance in 25,000
/// (20 guesses at 2 in 1,000,000), and a member who mistypes can try again at once.
pub(crate) const WRONG_PER_MINUTE: u32 = 5;
pub(crate) const WRONG_PER_MEETING: u32 = 20;

/// Why a member may not try another code.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Held {
    /// Until the next minute.
    ThisMinute,
    /// For the rest of the meeting: the desk checks them in.
    ThisMeeting,
}

/// Wrong codes entered, by member and meeting: (this minute, its count, the count in
/// all). Kept in the server's memory: a deployment of several servers allows this many
/// per server, and a restart forgets them.
#[derive(Default)]
pub(crate) struct Attempts(std::sync::Mutex<HashMap<(String, String), (i64, u32, u32)>>);

impl Attempts {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), (i64, u32, u32)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes one try for the member, or refuses it when the limits are reached. The try
    /// is counted here, before its code is checked, in one step with the check of the
    /// limits: tries sent all at once cannot all pass the check before any is counted.
    fn take(&self, who: &(String, String), minute: i64) -> Result<(), Held> {
        let mut map = self.map();
        let e = map.entry(who.clone()).or_insert((minute, 0, 0));
        if e.2 >= WRONG_PER_MEETING {
            return Err(Held::ThisMeeting);
        }
        if e.0 != minute {
            (e.0, e.1) = (minute, 0);
        }
        if e.1 >= WRONG_PER_MINUTE {
            return Err(Held::ThisMinute);
        }
        e.1 += 1;
        e.2 += 1;
        Ok(())
    }

    /// Gives back a try whose code was right: only wrong codes count.
    fn give_back(&self, who: &(String, String), minute: i64) {
        if let Some(e) = self.map().get_mut(who) {
            if e.0 == minute {
                e.1 = e.1.saturating_sub(1);
            }
            e.2 = e.2.saturating_sub(1);
        }
    }
}

/// The code of one minute (`window`: seconds since 1970 over `WINDOW_SECS`).
pub(crate) fn code_at(key: &[u8], meeting: &str, window: i64) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        // HMAC takes a key of any length; this cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(meeting.as_bytes());
    mac.update(&[0]);
    mac.update(&window.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let mut n = [0u8; 8];
    n.copy_from_slice(&digest[..8]);
    format!("{:0width$}", u64::from_be_bytes(n) % 10u64.pow(DIGITS as u32), width = DIGITS)
}

/// The minute a time falls in.
pub(crate) fn window(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(WINDOW_SECS)
}

/// Whether `given` is the code of this minute or of the one before. Spaces are
/// ignored (a code is read off a screen as "482 913").
pub(crate) fn accepts(key: &[u8], meeting: &str, given: &str, unix_secs: i64) -> bool {
    let given: String = given.chars().filter(|c| !c.is_whitespace()).collect();
    if given.len() != DIGITS || !given.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let now = window(unix_secs);
    // Both are compared, so the time taken does not tell which minute matched.
    let this = constant_eq(code_at(key, meeting, now).as_bytes(), given.as_bytes());
    let before = constant_eq(code_at(key, meeting, now - 1).as_bytes(), given.as_bytes());
    this | before
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The name of a meeting's key in the secrets table.
fn key_name(assembly: &AssemblyId, meeting: &MeetingId) -> String {
    format!("hall-code/{assembly}/{meeting}")
}

/// The meeting's key; made and stored first when `create` and there is none yet.
pub(crate) async fn key(
    web: &Web,
    assembly: &AssemblyId,
    meeting: &MeetingId,
    create: bool,
) -> Result<Option<Vec<u8>>, Failure> {
    let name = key_name(assembly, meeting);
    let journal = web.app.journal();
    if let Some(k) = journal.secret(&name).await? {
        return Ok(Some(k));
    }
    if !create {
        return Ok(None);
    }
    let mut k = vec![0u8; 32];
    getrandom::fill(&mut k)
        .map_err(|e| Failure::internal(format!("no randomness for the hall code: {e}")))?;
    journal.put_secret(&name, &k).await?;
    // Two made at once (two screens, two servers): the last one stored is the key, and
    // both callers read it back, so they show the same code.
    Ok(journal.secret(&name).await?.or(Some(k)))
}

/// The meeting's code now, and the seconds until it changes (its key made first, if
/// there is none yet).
pub(crate) async fn current(
    web: &Web,
    assembly: &AssemblyId,
    meeting: &MeetingId,
) -> Result<(String, i64), Failure> {
    let key = key(web, assembly, meeting, true)
        .await?
        .ok_or_else(|| Failure::internal("the hall code's key was not stored"))?;
    Ok(shown(&key, meeting, chrono::Utc::now().timestamp()))
}

/// The code to show at a time, and the seconds until it changes.
pub(crate) fn shown(key: &[u8], meeting: &MeetingId, unix_secs: i64) -> (String, i64) {
    let code = code_at(key, meeting.as_str(), window(unix_secs));
    (code, WINDOW_SECS - unix_secs.rem_euclid(WINDOW_SECS))
}

/// The check-in link a phone's camera opens from the hall's screen, with this minute's
/// code in it (扫码签到): `https://HOST/assemblies/{id}/meetings/{m}/check-in?hall_code=…`.
/// The host is the one the screen itself was asked for, so the link reaches the same
/// server the hall sees.
pub(crate) fn check_in_link(
    secure: bool,
    host: &str,
    assembly: &AssemblyId,
    meeting: &MeetingId,
    code: &str,
) -> String {
    let scheme = if secure { "https" } else { "http" };
    format!("{scheme}://{host}/assemblies/{assembly}/meetings/{meeting}/check-in?hall_code={code}")
}

/// A QR code of `text` as inline SVG, black on white.
pub(crate) fn qr_svg(text: &str) -> Result<String, Failure> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| Failure::internal(format!("the check-in link does not fit a QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // Inline in HTML: without the XML declaration.
    Ok(match svg.find("<svg") {
        Some(at) => svg[at..].to_owned(),
        None => svg,
    })
}

/// "482 913": easier to read off a screen.
pub(crate) fn spaced(code: &str) -> String {
    let (a, b) = code.split_at(code.len() / 2);
    format!("{a} {b}")
}

/// How a check-in is recorded: at the desk; or by the member themself, with the hall's
/// code when the meeting requires one (the code is checked here, the requirement by the
/// rules, which refuse a plain self check-in at such a meeting).
pub(crate) async fn check_in_method(
    web: &Web,
    assembly: &AssemblyId,
    meeting: &MeetingId,
    member: &MemberId,
    desk: bool,
    code: Option<&str>,
) -> Result<CheckInMethod, Failure> {
    if desk {
        return Ok(CheckInMethod::Desk);
    }
    let required =
        web.app.read(assembly, |a| a.meetings.get(meeting).is_some_and(|m| m.hall_code)).unwrap_or(false);
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let (true, Some(code)) = (required, code) else {
        return Ok(CheckInMethod::SelfService);
    };
    let now = chrono::Utc::now().timestamp();
    let who = (format!("{assembly}/{member}"), meeting.to_string());
    if let Err(held) = web.hall_attempts.take(&who, window(now)) {
        let (rule, message) = match held {
            Held::ThisMinute => (
                "attendance.hall_code_attempts",
                format!(
                    "{WRONG_PER_MINUTE} wrong hall codes this minute: wait for the next code on the hall's screen, or check in at the desk"
                ),
            ),
            Held::ThisMeeting => (
                "attendance.hall_code_locked",
                format!("{WRONG_PER_MEETING} wrong hall codes for this meeting: check in at the desk"),
            ),
        };
        return Err(Failure::new(StatusCode::TOO_MANY_REQUESTS, "rule_violation", message)
            .with_rule(rule)
            .field("hall_code"));
    }
    let ok = match key(web, assembly, meeting, false).await {
        Ok(Some(k)) => accepts(&k, meeting.as_str(), code, now),
        Ok(None) => false,
        Err(e) => {
            web.hall_attempts.give_back(&who, window(now));
            return Err(e);
        }
    };
    if ok {
        web.hall_attempts.give_back(&who, window(now));
    } else {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rule_violation",
            "the hall code is wrong or has expired: enter the code the hall's screen shows now",
        )
        .with_rule("attendance.hall_code_wrong")
        .field("hall_code"));
    }
    Ok(CheckInMethod::HallCode)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a key of the meeting's, 32 bytes";

    #[test]
    fn a_code_is_six_digits_and_changes_with_the_minute_and_the_meeting() {
        let a = code_at(KEY, "m-1", 100);
        assert_eq!(a.len(), 6);
        assert!(a.bytes().all(|b| b.is_ascii_digit()), "{a}");
        assert_eq!(a, code_at(KEY, "m-1", 100), "the same minute gives the same code");
        // Over many minutes and meetings the codes differ (a fixed code would repeat).
        let minutes: std::collections::BTreeSet<_> = (0..50).map(|w| code_at(KEY, "m-1", w)).collect();
        assert!(minutes.len() >= 49, "{minutes:?}");
        let meetings: std::collections::BTreeSet<_> =
            (0..50).map(|i| code_at(KEY, &format!("m-{i}"), 100)).collect();
        assert!(meetings.len() >= 49);
        assert_ne!(code_at(b"another key", "m-1", 100), a);
    }

    #[test]
    fn this_minutes_code_and_the_last_are_accepted_not_older_ones() {
        let t = 1_700_000_000 + 17;
        let now = code_at(KEY, "m-1", window(t));
        let before = code_at(KEY, "m-1", window(t) - 1);
        let older = code_at(KEY, "m-1", window(t) - 2);
        assert!(accepts(KEY, "m-1", &now, t));
        assert!(accepts(KEY, "m-1", &spaced(&now), t), "spaces are ignored");
        assert!(accepts(KEY, "m-1", &before, t));
        assert!(!accepts(KEY, "m-1", &older, t) || older == now || older == before);
        assert!(!accepts(KEY, "m-2", &now, t) || code_at(KEY, "m-2", window(t)) == now);
        assert!(!accepts(KEY, "m-1", "12345", t));
        assert!(!accepts(KEY, "m-1", "abcdef", t));
        assert!(!accepts(KEY, "m-1", "", t));
    }

    #[test]
    fn wrong_codes_are_limited_per_member_and_meeting_and_minute() {
        let attempts = Attempts::default();
        let who = |m: &str, mt: &str| (m.to_owned(), mt.to_owned());
        let d1 = who("a/d-1", "m-1");
        // Five tries a minute, counted as they are taken (as if sent all at once).
        for _ in 0..WRONG_PER_MINUTE {
            assert_eq!(attempts.take(&d1, 7), Ok(()));
        }
        assert_eq!(attempts.take(&d1, 7), Err(Held::ThisMinute));
        assert_eq!(attempts.take(&who("a/d-2", "m-1"), 7), Ok(()), "another member");
        assert_eq!(attempts.take(&who("a/d-1", "m-2"), 7), Ok(()), "another meeting");
        // A right code gives its try back.
        attempts.give_back(&d1, 7);
        assert_eq!(attempts.take(&d1, 7), Ok(()), "a try given back can be taken again");
        assert_eq!(attempts.take(&d1, 7), Err(Held::ThisMinute));
        // The next minute starts afresh; up to the meeting's limit, then not even in a
        // new minute.
        let mut taken = WRONG_PER_MINUTE;
        let mut minute = 8;
        while taken < WRONG_PER_MEETING {
            match attempts.take(&d1, minute) {
                Ok(()) => taken += 1,
                Err(Held::ThisMinute) => minute += 1,
                Err(Held::ThisMeeting) => panic!("held for the meeting after {taken} tries"),
            }
        }
        assert_eq!(attempts.take(&d1, minute + 1), Err(Held::ThisMeeting));
        assert_eq!(attempts.take(&who("a/d-1", "m-2"), minute + 1), Ok(()));
    }

    #[test]
    fn the_check_in_link_carries_the_code_and_fits_a_qr_code() {
        let (a, m) =
            (AssemblyId::parse("taiyuan-rd-15").unwrap(), MeetingId::parse("rd15-1-plenary-2").unwrap());
        let link = check_in_link(false, "127.0.0.1:8080", &a, &m, "482913");
        assert_eq!(
            link,
            "http://127.0.0.1:8080/assemblies/taiyuan-rd-15/meetings/rd15-1-plenary-2/check-in?hall_code=482913"
        );
        assert!(check_in_link(true, "plenum.example", &a, &m, "1").starts_with("https://plenum.example/"));
        let svg = qr_svg(&link).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("#000000"), "{svg}");
    }

    #[test]
    fn the_code_shown_says_how_long_it_lasts() {
        let (code, left) = shown(KEY, &MeetingId::parse("m-1").unwrap(), 120 + 45);
        assert_eq!((code, left), (code_at(KEY, "m-1", 2), 15));
        assert_eq!(spaced("482913"), "482 913");
    }
}
