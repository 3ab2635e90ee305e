//! Results reports for polls (CSV and PDF, in Chinese or English) and the summary of
//! opinions from the deliberation of reports (CSV).
//!
//! Both formats are built from one `Report`: a header of key facts, the result with
//! its basis, notes, and tables. What a report may show depends on the poll:
//! - named polls: results per delegation (sector) and the roll call;
//! - secret polls: never any member's choice, only turnout, and a statement that only
//!   the sum was decrypted, with a proof recorded in the journal;
//! - show of hands and paper: the totals, who entered them and who confirmed them;
//! - open polls: a provisional report with turnout only (running counts only for a
//!   named poll whose disclosure is `counts`).
//!
//! Times are Beijing time (UTC+8). The PDF needs a CJK font from the system: see
//! `PDF_FONT_ENV` and `FONT_CANDIDATES`; no font is shipped with Plenum.

use chrono::{DateTime, FixedOffset, Utc};
use plenum_domain::{
    Assembly, BodyKind, Choice, Disclosure, GroupId, Member, MemberStatus, Poll, PollState, PollSubject,
    ResolutionRule, SessionKey, VoteMode,
};
use plenum_tally::{Base, Threshold, TieRule};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The language of a report's labels and texts. Names of people stay as recorded
/// (in English with their pinyin beside them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportLang {
    Zh,
    En,
}

/// Environment variable naming the CJK font file (.ttf, .otf or .ttc) for PDF reports.
pub const PDF_FONT_ENV: &str = "PLENUM_CJK_FONT";

/// Where PDF reports look for a CJK font when `PLENUM_CJK_FONT` is not set, in order
/// (Debian packages: fonts-noto-cjk, fonts-wqy-microhei, fonts-wqy-zenhei,
/// fonts-arphic-uming, fonts-arphic-ukai, fonts-arphic-gbsn00lp, fonts-droid-fallback).
pub const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
];

/// The report on one poll as CSV: UTF-8 with a byte order mark (so spreadsheet
/// programs read the Chinese right), a block of key,value lines, a blank line, then
/// the tables (per delegation, roll call), each after a line with its title.
pub fn poll_report_csv(a: &Assembly, poll: u32, lang: ReportLang) -> Result<String, String> {
    to_csv(&poll_report(a, poll, lang)?)
}

/// The report on one poll as an A4 PDF with the CJK font embedded as a subset.
/// Fails, naming `PLENUM_CJK_FONT` and the package to install, when no CJK font is
/// found, and when the font lacks a glyph for some character of the report.
pub fn poll_report_pdf(a: &Assembly, poll: u32, lang: ReportLang) -> Result<Vec<u8>, String> {
    let report = poll_report(a, poll, lang)?;
    let font = load_font()?;
    to_pdf(&report, &font)
}

/// The deliberation summary of a session as CSV (UTF-8 with BOM): per opinion the
/// agenda item, the delegation (sector), the deputy (member) and what they said,
/// by item, then delegation, then in the order voiced.
pub fn opinions_csv(a: &Assembly, session: SessionKey, lang: ReportLang) -> Result<String, String> {
    to_csv(&opinions_report(a, session, lang)?)
}

/// The same summary as an A4 PDF with the CJK font embedded as a subset; fails as
/// [`poll_report_pdf`] does when no font is found or a character lacks its glyph.
pub fn opinions_pdf(a: &Assembly, session: SessionKey, lang: ReportLang) -> Result<Vec<u8>, String> {
    let report = opinions_report(a, session, lang)?;
    let font = load_font()?;
    to_pdf(&report, &font)
}

fn opinions_report(a: &Assembly, session: SessionKey, lang: ReportLang) -> Result<Report, String> {
    let c = Ctx::new(a, lang);
    let s = a.sessions.get(&session).ok_or_else(|| format!("no session {session}"))?;
    let ranks = c.group_ranks();
    let mut opinions: Vec<_> = a.opinions.iter().filter(|o| o.session == session).collect();
    opinions.sort_by_key(|o| {
        let rank = a
            .members
            .get(&o.member)
            .map_or(usize::MAX, |m| ranks.get(&m.group).copied().unwrap_or(usize::MAX));
        (o.item, rank)
    });
    let item_title = |n: u32| {
        s.agenda
            .iter()
            .find(|i| i.number == n)
            .map_or_else(String::new, |i| c.pick(&i.title, &i.title_en).to_owned())
    };
    let rows = opinions
        .iter()
        .map(|o| {
            let m = a.members.get(&o.member);
            vec![
                o.item.to_string(),
                item_title(o.item),
                m.map_or_else(String::new, |m| c.group_name(&m.group)),
                m.map_or_else(|| o.member.to_string(), |m| c.member_name(m)),
                o.text.clone(),
            ]
        })
        .collect();
    let report = Report {
        lang,
        title: c.tr("审议意见汇总", "Summary of opinions from the deliberation").to_owned(),
        assembly: c.pick(&a.name, &a.name_en).to_owned(),
        session: c.pick(&s.title, &s.title_en).to_owned(),
        subject: c.pick(&s.title, &s.title_en).to_owned(),
        provisional: None,
        facts: vec![(c.tr("意见条数", "Opinions").to_owned(), opinions.len().to_string())],
        result: None,
        notes: Vec::new(),
        tables: vec![Table {
            title: c.tr("审议意见", "Opinions").to_owned(),
            columns: vec![
                Column::num(c.tr("项次", "Item no."), 0.6),
                Column::text(c.tr("议程项目", "Agenda item"), 2.0),
                Column::text(c.group_noun(), 1.6),
                Column::text(c.member_noun_title(), 1.4),
                Column::text(c.tr("意见", "Opinion"), 4.0),
            ],
            rows,
            total: None,
        }],
    };
    Ok(report)
}

// ---------------------------------------------------------------------------
// The report, independent of its format.

pub(crate) struct Report {
    pub(crate) lang: ReportLang,
    /// What kind of report: "表决结果报告".
    pub(crate) title: String,
    pub(crate) assembly: String,
    pub(crate) session: String,
    /// What the report is about, for the running header of later pages.
    pub(crate) subject: String,
    /// A banner for provisional reports.
    pub(crate) provisional: Option<String>,
    pub(crate) facts: Vec<(String, String)>,
    /// The outcome, shown in bold: (label, value), then the basis lines.
    pub(crate) result: Option<ResultLines>,
    pub(crate) notes: Vec<String>,
    pub(crate) tables: Vec<Table>,
}

pub(crate) struct ResultLines {
    pub(crate) label: String,
    pub(crate) verdict: String,
    pub(crate) basis: Vec<(String, String)>,
}

pub(crate) struct Table {
    pub(crate) title: String,
    pub(crate) columns: Vec<Column>,
    pub(crate) rows: Vec<Vec<String>>,
    pub(crate) total: Option<Vec<String>>,
}

pub(crate) struct Column {
    name: String,
    /// Relative width in the PDF.
    weight: f32,
    numeric: bool,
}

impl Column {
    pub(crate) fn text(name: &str, weight: f32) -> Self {
        Self { name: name.to_owned(), weight, numeric: false }
    }
    pub(crate) fn num(name: &str, weight: f32) -> Self {
        Self { name: name.to_owned(), weight, numeric: true }
    }
}

/// Wording in the report's language.
struct Ctx<'a> {
    a: &'a Assembly,
    lang: ReportLang,
}

impl<'a> Ctx<'a> {
    fn new(a: &'a Assembly, lang: ReportLang) -> Self {
        Self { a, lang }
    }

    fn tr(&self, zh: &'static str, en: &'static str) -> &'static str {
        match self.lang {
            ReportLang::Zh => zh,
            ReportLang::En => en,
        }
    }

    /// The recorded text in the report's language; Chinese where no English was given.
    fn pick<'s>(&self, zh: &'s str, en: &'s str) -> &'s str {
        match self.lang {
            ReportLang::En if !en.trim().is_empty() => en,
            _ => zh,
        }
    }

    fn congress(&self) -> bool {
        matches!(self.a.kind, Some(BodyKind::PeoplesCongress) | None)
    }

    /// "代表" / "deputies" as used in "all deputies".
    fn member_noun(&self) -> &'static str {
        match self.a.kind {
            Some(BodyKind::PeoplesCongress) | None => self.tr("代表", "deputies"),
            Some(BodyKind::StandingCommittee) => self.tr("组成人员", "members"),
            Some(BodyKind::CppccCommittee) => self.tr("委员", "members"),
            Some(BodyKind::Other) => self.tr("成员", "members"),
        }
    }

    /// The column title for a member.
    fn member_noun_title(&self) -> &'static str {
        match self.a.kind {
            Some(BodyKind::PeoplesCongress) | None => self.tr("代表", "Deputy"),
            Some(BodyKind::StandingCommittee) => self.tr("组成人员", "Member"),
            Some(BodyKind::CppccCommittee) => self.tr("委员", "Member"),
            Some(BodyKind::Other) => self.tr("成员", "Member"),
        }
    }

    fn group_noun(&self) -> &'static str {
        if self.a.kind == Some(BodyKind::CppccCommittee) {
            self.tr("界别", "Sector")
        } else {
            self.tr("代表团", "Delegation")
        }
    }

    fn group_name(&self, g: &GroupId) -> String {
        self.a.groups.get(g).map_or_else(|| g.to_string(), |g| self.pick(&g.name, &g.name_en).to_owned())
    }

    /// The name as recorded; in English with the pinyin: "王建国 (Wang Jianguo)".
    fn member_name(&self, m: &Member) -> String {
        match self.lang {
            ReportLang::Zh => m.name.clone(),
            ReportLang::En if m.pinyin.trim().is_empty() => m.name.clone(),
            ReportLang::En => format!("{} ({})", m.name, pinyin_name(&m.pinyin)),
        }
    }

    fn time(&self, t: DateTime<Utc>) -> String {
        let bj = FixedOffset::east_opt(8 * 3600).map_or_else(|| t.fixed_offset(), |o| t.with_timezone(&o));
        match self.lang {
            ReportLang::Zh => bj.format("%Y年%-m月%-d日 %H:%M:%S（北京时间）").to_string(),
            ReportLang::En => bj.format("%Y-%m-%d %H:%M:%S (Beijing time, UTC+8)").to_string(),
        }
    }

    fn choice(&self, c: Option<Choice>) -> &'static str {
        match c {
            Some(Choice::Yes) => self.tr("赞成", "yes"),
            Some(Choice::No) => self.tr("反对", "no"),
            Some(Choice::Abstain) => self.tr("弃权", "abstain"),
            None => self.tr("未投票", "not voted"),
        }
    }

    /// Groups in the order they were formed, as far as members tell: by their first member.
    fn group_ranks(&self) -> BTreeMap<GroupId, usize> {
        let mut first: BTreeMap<&GroupId, &plenum_domain::MemberId> = BTreeMap::new();
        for m in self.a.members.values() {
            first.entry(&m.group).and_modify(|f| *f = (*f).min(&m.id)).or_insert(&m.id);
        }
        let mut groups: Vec<&GroupId> = self.a.groups.keys().collect();
        groups.sort_by_key(|g| (!first.contains_key(g), first.get(g).copied(), *g));
        groups.into_iter().enumerate().map(|(i, g)| (g.clone(), i)).collect()
    }

    fn mode(&self, m: VoteMode) -> &'static str {
        match m {
            VoteMode::Named => self.tr("电子表决，记名", "Electronic, named (roll call)"),
            VoteMode::Secret => {
                self.tr("电子表决，无记名（加密选票）", "Electronic, secret (encrypted ballots)")
            }
            VoteMode::ShowOfHands => self.tr("举手表决", "Show of hands"),
            VoteMode::Paper => {
                self.tr("书面投票（纸质选票，计票人计票）", "Paper ballots counted by tellers")
            }
        }
    }

    fn base_words(&self, base: Base) -> String {
        let n = self.member_noun();
        match (self.lang, base) {
            (ReportLang::Zh, Base::AllMembers) => format!("全体{n}"),
            (ReportLang::Zh, Base::MembersPresent) => format!("出席{n}"),
            (ReportLang::Zh, Base::VotesCast) => "投票总数（含弃权票）".to_owned(),
            (ReportLang::Zh, Base::VotesCastExcludingAbstentions) => {
                "赞成票与反对票之和（不计弃权票）".to_owned()
            }
            (ReportLang::En, Base::AllMembers) => format!("all {n}"),
            (ReportLang::En, Base::MembersPresent) => format!("the {n} present"),
            (ReportLang::En, Base::VotesCast) => "the votes cast (abstentions included)".to_owned(),
            (ReportLang::En, Base::VotesCastExcludingAbstentions) => {
                "the votes cast for and against (abstentions not counted)".to_owned()
            }
        }
    }

    fn threshold_words(&self, t: Threshold) -> String {
        match (self.lang, t) {
            (ReportLang::Zh, Threshold::MoreThanHalf) => "过半数".to_owned(),
            (ReportLang::Zh, Threshold::AtLeastTwoThirds) => "三分之二以上（含本数）".to_owned(),
            (ReportLang::Zh, Threshold::AtLeastThreeFifths) => "五分之三以上（含本数）".to_owned(),
            (ReportLang::Zh, Threshold::MoreThan { numerator, denominator }) => {
                format!("超过{denominator}分之{numerator}")
            }
            (ReportLang::En, Threshold::MoreThanHalf) => "more than half".to_owned(),
            (ReportLang::En, Threshold::AtLeastTwoThirds) => "at least two thirds".to_owned(),
            (ReportLang::En, Threshold::AtLeastThreeFifths) => "at least three fifths".to_owned(),
            (ReportLang::En, Threshold::MoreThan { numerator, denominator }) => {
                format!("more than {numerator}/{denominator}")
            }
        }
    }

    /// The preset this rule is, unchanged.
    fn preset<'r>(&self, rule: &'r ResolutionRule) -> Option<&'r str> {
        (ResolutionRule::preset(&rule.name).as_ref() == Some(rule)).then_some(rule.name.as_str())
    }

    fn citation(&self, rule: &ResolutionRule) -> Option<&'static str> {
        match self.preset(rule)? {
            "cn-people-congress" => {
                Some(self.tr("《地方各级人民代表大会和地方各级人民政府组织法》第二十五条", "OL art. 25"))
            }
            "roberts-rules" | "roberts-rules-two-thirds" => {
                Some(self.tr("《罗伯特议事规则》", "Robert's Rules of Order"))
            }
            _ => None,
        }
    }

    /// The rule in words: preset name, base and threshold, ties, source.
    fn rule(&self, rule: &ResolutionRule) -> String {
        let name = match self.preset(rule) {
            Some("cn-people-congress") => {
                self.tr("cn-people-congress（人民代表大会）", "cn-people-congress (People's Congress)")
            }
            Some("roberts-rules") => {
                self.tr("roberts-rules（罗伯特议事规则，过半数）", "roberts-rules (Robert's Rules, majority)")
            }
            Some("roberts-rules-two-thirds") => self.tr(
                "roberts-rules-two-thirds（罗伯特议事规则，三分之二）",
                "roberts-rules-two-thirds (Robert's Rules, two thirds)",
            ),
            _ => self.tr("自定义规则", "custom rule"),
        };
        let base = self.base_words(rule.base);
        let threshold = self.threshold_words(rule.threshold);
        let compares = rule.base == Base::VotesCastExcludingAbstentions;
        let ties = match (self.lang, rule.ties, compares) {
            (ReportLang::Zh, TieRule::ChairDecides, _) => "；赞成票与反对票相等时，由会议主持人投决定票",
            (ReportLang::Zh, TieRule::Fails, true) => "；赞成票与反对票相等时不通过",
            (ReportLang::En, TieRule::ChairDecides, _) => "; a tie may be broken by the chair's casting vote",
            (ReportLang::En, TieRule::Fails, true) => "; a tie is lost",
            (_, TieRule::Fails, false) => "",
        };
        let cite = self.citation(rule);
        match self.lang {
            ReportLang::Zh => {
                let cite = cite.map(|c| format!("（{c}）")).unwrap_or_default();
                format!("{name}：须经{base}的{threshold}赞成{ties}{cite}")
            }
            ReportLang::En => {
                let cite = cite.map(|c| format!(" ({c})")).unwrap_or_default();
                format!("{name}: {threshold} of {base} must vote yes{ties}{cite}")
            }
        }
    }

    /// The basis of a closed poll's result in Chinese, from the recorded numbers.
    fn basis_zh(&self, p: &Poll, r: &plenum_domain::PollResult) -> String {
        let t = &r.totals;
        let n = self.member_noun();
        let of = match p.rule.base {
            Base::AllMembers => format!("全体{n}{}名", p.electorate),
            Base::MembersPresent => format!("出席{n}"),
            Base::VotesCast => format!("投票总数{}票", t.cast()),
            Base::VotesCastExcludingAbstentions => format!("赞成票与反对票之和{}票", t.yes + t.no),
        };
        let threshold = self.threshold_words(p.rule.threshold);
        let cite = self.citation(&p.rule).map(|c| format!("（{c}）")).unwrap_or_default();
        if r.tie && !r.adopted {
            let chair = if p.rule.ties == TieRule::ChairDecides {
                "，须由会议主持人投决定票，否则不通过"
            } else {
                "，不构成多数"
            };
            return format!("未通过：赞成票与反对票相等（各{}票）{chair}{cite}", t.yes);
        }
        let verdict = if r.adopted { "通过" } else { "未通过" };
        let reach = if r.adopted { "达到" } else { "未达到" };
        format!("{verdict}：赞成{}票，{reach}{of}的{threshold}所需的{}票{cite}", t.yes, r.required)
    }
}

/// "wang jian guo" → "Wang Jianguo"; "lv" → "Lü".
fn pinyin_name(pinyin: &str) -> String {
    fn cap(s: &str) -> String {
        let mut c = s.chars();
        c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
    }
    let syllables: Vec<String> = pinyin.split_whitespace().map(|s| s.replace('v', "ü")).collect();
    match syllables.split_first() {
        Some((surname, given)) if !given.is_empty() => format!("{} {}", cap(surname), cap(&given.concat())),
        Some((surname, _)) => cap(surname),
        None => String::new(),
    }
}

fn poll_report(a: &Assembly, number: u32, lang: ReportLang) -> Result<Report, String> {
    let c = Ctx::new(a, lang);
    let p = a.polls.get(&number).ok_or_else(|| format!("no poll {number}"))?;
    let meeting = a.meetings.get(&p.meeting);
    let session = meeting.and_then(|m| a.sessions.get(&m.session));
    // Provisional until the result: while open, and while the tellers decrypt.
    let open = matches!(p.state, PollState::Open | PollState::Counting);
    let noun = c.member_noun();
    let mut facts: Vec<(String, String)> = Vec::new();
    let mut fact = |k: String, v: String| facts.push((k, v));

    fact(
        c.tr("会议", "Meeting").to_owned(),
        meeting.map_or_else(|| p.meeting.to_string(), |m| c.pick(&m.title, &m.title_en).to_owned()),
    );
    fact(
        c.tr("表决事项", "Poll").to_owned(),
        match lang {
            ReportLang::Zh => format!("第{number}号：{}", p.title),
            ReportLang::En => format!("No. {number}: {}", c.pick(&p.title, &p.title_en)),
        },
    );
    let item = match &p.subject {
        PollSubject::Agenda => c.tr("通过本次会议议程", "Adoption of the session's agenda").to_owned(),
        PollSubject::Item(n) => {
            let title = session
                .and_then(|s| s.agenda.iter().find(|i| i.number == *n))
                .map(|i| c.pick(&i.title, &i.title_en).to_owned())
                .unwrap_or_default();
            match lang {
                ReportLang::Zh => format!("第{n}项：{title}"),
                ReportLang::En => format!("Item {n}: {title}"),
            }
        }
    };
    fact(c.tr("议程项目", "Agenda item").to_owned(), item);
    fact(c.tr("表决规则", "Rule").to_owned(), c.rule(&p.rule));
    fact(c.tr("表决方式", "Voting mode").to_owned(), c.mode(p.mode).to_owned());
    if p.mode == VoteMode::Secret {
        let holders = if p.tellers.is_empty() {
            c.tr("系统（解密总数后销毁）", "the server (destroyed once the sum was decrypted)").to_owned()
        } else {
            let names: Vec<&str> =
                p.tellers.iter().map(|t| a.members.get(t).map_or(t.as_str(), |m| m.name.as_str())).collect();
            match lang {
                ReportLang::Zh => format!("监票人（《选举法》第四十三条）：{}", names.join("、")),
                ReportLang::En => format!("the tellers (EL art. 43): {}", names.join(", ")),
            }
        };
        fact(c.tr("密钥保管", "Key held by").to_owned(), holders);
    }
    if open {
        let d = match p.disclosure {
            Disclosure::Counts => c.tr("实时公布票数", "running counts shown"),
            Disclosure::TurnoutOnly => c.tr("仅公布投票人数", "turnout only"),
        };
        fact(c.tr("表决期间公布", "Shown while open").to_owned(), d.to_owned());
    }
    fact(c.tr("开始时间", "Opened").to_owned(), c.time(p.opened_at));
    let closed = match (&p.result, p.closes_at) {
        (Some(r), _) => c.time(r.closed_at),
        (None, _) if p.state == PollState::Void => {
            let reason = p.void_reason.clone().unwrap_or_default();
            match lang {
                ReportLang::Zh => format!("未能计票，已宣布作废：{reason}"),
                ReportLang::En => format!("not counted, declared void: {reason}"),
            }
        }
        (None, _) if p.state == PollState::Counting => {
            let since = p.counting_since.map(|(at, _)| c.time(at)).unwrap_or_default();
            let (sent, all) = (p.shares.len(), p.tellers.len());
            match lang {
                ReportLang::Zh => format!("{since}停止投票，等待监票人解密（已提交 {sent}/{all}）"),
                ReportLang::En => {
                    format!("closed to ballots at {since}; awaiting the tellers' shares ({sent} of {all} in)")
                }
            }
        }
        (None, Some(at)) => match lang {
            ReportLang::Zh => format!("尚未结束（定于{}截止）", c.time(at)),
            ReportLang::En => format!("still open (closes at {})", c.time(at)),
        },
        (None, None) => c.tr("尚未结束", "still open").to_owned(),
    };
    fact(c.tr("结束时间", "Closed").to_owned(), closed);
    fact(
        match lang {
            ReportLang::Zh => format!("全体{noun}人数"),
            ReportLang::En => format!("Electorate (all {noun} holding a mandate)"),
        },
        p.electorate.to_string(),
    );
    fact(c.tr("出席人数（开始表决时）", "Present (when the poll opened)").to_owned(), p.present.to_string());

    let hand = matches!(p.mode, VoteMode::ShowOfHands | VoteMode::Paper);
    let mut notes = Vec::new();
    let mut result = None;
    let mut tables = Vec::new();
    let counts = |facts: &mut Vec<(String, String)>, yes: u32, no: u32, abstain: u32| {
        facts.push((c.tr("赞成", "Yes").to_owned(), yes.to_string()));
        facts.push((c.tr("反对", "No").to_owned(), no.to_string()));
        facts.push((c.tr("弃权", "Abstain").to_owned(), abstain.to_string()));
    };
    match (&p.result, open) {
        (Some(r), false) => {
            let t = &r.totals;
            if p.mode == VoteMode::Secret {
                facts.push((c.tr("已投票人数", "Voted (turnout)").to_owned(), p.turnout().to_string()));
            }
            counts(&mut facts, t.yes, t.no, t.abstain);
            facts.push((c.tr("投票合计", "Votes cast").to_owned(), t.cast().to_string()));
            facts.push((
                c.tr("未投票（含缺席）", "Not voted (absent included)").to_owned(),
                r.not_voted.to_string(),
            ));
            facts.push((c.tr("通过所需赞成票", "Yes votes required").to_owned(), r.required.to_string()));
            let mut basis = Vec::new();
            match lang {
                ReportLang::Zh => {
                    basis.push(("依据".to_owned(), c.basis_zh(p, r)));
                    basis.push(("日志记录的依据".to_owned(), r.basis.clone()));
                }
                ReportLang::En => basis.push(("Basis".to_owned(), r.basis.clone())),
            }
            result = Some(ResultLines {
                label: c.tr("表决结果", "Result").to_owned(),
                verdict: if r.adopted { c.tr("通过", "adopted") } else { c.tr("未通过", "rejected") }
                    .to_owned(),
                basis,
            });
        }
        _ => {
            if p.mode.is_electronic() {
                let turnout = p.turnout() as u32;
                facts.push((c.tr("已投票人数", "Voted (turnout)").to_owned(), turnout.to_string()));
                facts.push((
                    c.tr("尚未投票", "Not yet voted").to_owned(),
                    p.electorate.saturating_sub(turnout).to_string(),
                ));
                if p.mode == VoteMode::Named && p.disclosure == Disclosure::Counts {
                    let t = p.named_totals();
                    counts(&mut facts, t.yes, t.no, t.abstain);
                }
            }
        }
    }
    if hand {
        let entered = p
            .entered
            .as_ref()
            .map_or_else(|| c.tr("尚未录入", "not yet entered").to_owned(), |e| e.1.clone());
        let confirmed =
            p.confirmed_by.clone().unwrap_or_else(|| c.tr("尚未确认", "not yet confirmed").to_owned());
        facts.push((c.tr("票数录入人", "Totals entered by").to_owned(), entered));
        facts.push((c.tr("核对确认人", "Totals confirmed by").to_owned(), confirmed));
    }

    let provisional = open.then(|| {
        c.tr(
            "临时报告：表决尚未结束，结果以表决结束后的报告为准",
            "PROVISIONAL: the poll is still open; the result is not final",
        )
        .to_owned()
    });
    match p.mode {
        VoteMode::Named if !open => notes.push(match lang {
            ReportLang::Zh => format!("记名表决：每位{noun}的表决意向见下方名单，已记入会议日志。"),
            ReportLang::En => format!("Named vote: each of the {noun}' votes is listed below and recorded in the journal."),
        }),
        VoteMode::Secret => notes.push(
            c.tr(
                "无记名投票：每张选票在投出时即已加密，日志只记录谁投了票和加密的选票；表决结束时只对全部选票之和解密，解密结果附有可供任何人核验的证明（Chaum–Pedersen），已记入会议日志。本报告不含任何人的表决意向。",
                "Secret ballot: each ballot was encrypted when cast; the journal records who voted and the encrypted ballots only. At the close only the sum of all ballots was decrypted, with a proof of correct decryption (Chaum–Pedersen) that anyone can check, recorded in the journal. This report holds no one's choice.",
            )
            .to_owned(),
        ),
        VoteMode::ShowOfHands | VoteMode::Paper => {
            let by = p.entered.as_ref().map(|e| e.1.as_str());
            notes.push(match (lang, by, p.confirmed_by.as_deref()) {
                (ReportLang::Zh, Some(e), Some(k)) => {
                    format!("人工计票，无个人表决记录：票数由 {e} 录入，经 {k} 核对确认。")
                }
                (ReportLang::Zh, _, _) => "人工计票，无个人表决记录：票数须由一人录入、另一人核对确认。".to_owned(),
                (ReportLang::En, Some(e), Some(k)) => {
                    format!("Counted by hand, no individual votes recorded: totals entered by {e}, confirmed by {k}.")
                }
                (ReportLang::En, _, _) => {
                    "Counted by hand, no individual votes recorded: one person enters the totals, a second confirms them."
                        .to_owned()
                }
            })
        }
        VoteMode::Named => {}
    }
    if open {
        notes.push(match (p.mode, p.disclosure) {
            (VoteMode::Named, Disclosure::Counts) => c
                .tr("表决尚未结束：仅列出投票人数和实时票数，个人表决意向在表决结束后公布。", "The poll is still open: only turnout and the running counts are shown; individual votes are published at the close.")
                .to_owned(),
            _ if p.mode.is_electronic() => c
                .tr("表决尚未结束：仅列出投票人数。", "The poll is still open: only the turnout is shown.")
                .to_owned(),
            _ => c.tr("表决尚未结束：票数在核对确认并结束表决后公布。", "The poll is still open: the totals are published once confirmed and the poll is closed.").to_owned(),
        });
    }

    if !open && matches!(p.mode, VoteMode::Named | VoteMode::Secret) {
        let ranks = c.group_ranks();
        let mut roll: Vec<&Member> = a
            .members
            .values()
            .filter(|m| m.status.holds_mandate() || p.ballots.contains_key(&m.id))
            .collect();
        roll.sort_by_key(|m| (ranks.get(&m.group).copied().unwrap_or(usize::MAX), &m.id));
        if roll.len() != p.electorate as usize {
            notes.push(match lang {
                ReportLang::Zh => format!(
                    "下列名单按目前持有资格的{noun}及投票者列出（{}名），与表决开始时的全体{noun}人数（{}名）不同。",
                    roll.len(),
                    p.electorate
                ),
                ReportLang::En => format!(
                    "The lists below hold the {noun} with a mandate now and everyone who voted ({}), not the {} of the electorate when the poll opened.",
                    roll.len(),
                    p.electorate
                ),
            });
        }
        tables.push(group_table(&c, p, &roll, &ranks));
        if p.mode == VoteMode::Named {
            tables.push(roll_call(&c, p, &roll));
        }
    }

    let title = match (open, lang) {
        (true, ReportLang::Zh) => "表决情况（临时报告）".to_owned(),
        (true, ReportLang::En) => "Poll report (provisional)".to_owned(),
        (false, ReportLang::Zh) => "表决结果报告".to_owned(),
        (false, ReportLang::En) => "Poll results report".to_owned(),
    };
    Ok(Report {
        lang,
        title,
        assembly: c.pick(&a.name, &a.name_en).to_owned(),
        session: session.map_or_else(String::new, |s| c.pick(&s.title, &s.title_en).to_owned()),
        subject: match lang {
            ReportLang::Zh => format!("第{number}号：{}", p.title),
            ReportLang::En => format!("No. {number}: {}", c.pick(&p.title, &p.title_en)),
        },
        provisional,
        facts,
        result,
        notes,
        tables,
    })
}

/// Per delegation: members, then yes/no/abstain/not voted (named) or voted/not voted
/// (secret), with a total row.
fn group_table(c: &Ctx<'_>, p: &Poll, roll: &[&Member], ranks: &BTreeMap<GroupId, usize>) -> Table {
    let named = p.mode == VoteMode::Named;
    // members, yes, no, abstain, voted
    let mut by_group: BTreeMap<(usize, &GroupId), [u32; 5]> = BTreeMap::new();
    for m in roll {
        let rank = ranks.get(&m.group).copied().unwrap_or(usize::MAX);
        let row = by_group.entry((rank, &m.group)).or_default();
        row[0] += 1;
        match p.ballots.get(&m.id) {
            Some(Some(choice)) if named => row[1 + choice.index()] += 1,
            Some(_) => row[4] += 1,
            None => {}
        }
    }
    let mut sum = [0u32; 5];
    let mut rows = Vec::new();
    for ((_, g), n) in &by_group {
        for (s, v) in sum.iter_mut().zip(n) {
            *s += v;
        }
        rows.push(group_row(c.group_name(g), n, named));
    }
    let total = group_row(c.tr("合计", "Total").to_owned(), &sum, named);
    let mut columns = vec![
        Column::text(c.group_noun(), 3.2),
        Column::num(if c.congress() { c.tr("代表数", "Deputies") } else { c.tr("人数", "Members") }, 1.0),
    ];
    if named {
        columns.push(Column::num(c.tr("赞成", "Yes"), 1.0));
        columns.push(Column::num(c.tr("反对", "No"), 1.0));
        columns.push(Column::num(c.tr("弃权", "Abstain"), 1.0));
    } else {
        columns.push(Column::num(c.tr("已投票", "Voted"), 1.0));
    }
    columns.push(Column::num(c.tr("未投票", "Not voted"), 1.1));
    let title = match (named, c.lang) {
        (true, ReportLang::Zh) => format!("各{}表决情况", c.group_noun()),
        (false, ReportLang::Zh) => format!("各{}投票人数", c.group_noun()),
        (true, ReportLang::En) => format!("Results by {}", c.group_noun().to_lowercase()),
        (false, ReportLang::En) => format!("Turnout by {}", c.group_noun().to_lowercase()),
    };
    Table { title, columns, rows, total: Some(total) }
}

fn group_row(name: String, n: &[u32; 5], named: bool) -> Vec<String> {
    let [members, yes, no, abstain, voted] = *n;
    if named {
        let not_voted = members - yes - no - abstain;
        vec![
            name,
            members.to_string(),
            yes.to_string(),
            no.to_string(),
            abstain.to_string(),
            not_voted.to_string(),
        ]
    } else {
        vec![name, members.to_string(), voted.to_string(), (members - voted).to_string()]
    }
}

/// Each member of a named poll: name, delegation, vote, attendance at the meeting.
fn roll_call(c: &Ctx<'_>, p: &Poll, roll: &[&Member]) -> Table {
    let attendance = c.a.meetings.get(&p.meeting).map(|m| &m.attendance);
    let rows = roll
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let present = attendance.is_some_and(|at| at.present.contains_key(&m.id));
            let excused = attendance.is_some_and(|at| at.excused.contains_key(&m.id));
            let here = if present {
                c.tr("出席", "present")
            } else if excused || m.status == MemberStatus::OnLeave {
                c.tr("请假", "on leave")
            } else {
                c.tr("缺席", "absent")
            };
            vec![
                (i + 1).to_string(),
                c.member_name(m),
                c.group_name(&m.group),
                c.choice(p.ballots.get(&m.id).copied().flatten()).to_owned(),
                here.to_owned(),
            ]
        })
        .collect();
    let en = c.lang == ReportLang::En;
    Table {
        title: c.tr("记名表决名单", "Roll call").to_owned(),
        columns: vec![
            Column::text(c.tr("序号", "No."), 0.6),
            Column::text(
                if c.congress() { c.tr("代表", "Deputy") } else { c.member_noun_title() },
                if en { 2.6 } else { 1.6 },
            ),
            Column::text(c.group_noun(), if en { 2.8 } else { 2.2 }),
            Column::text(c.tr("表决意向", "Vote"), 1.2),
            Column::text(c.tr("出席情况", "Attendance"), 1.2),
        ],
        rows,
        total: None,
    }
}

// ---------------------------------------------------------------------------
// CSV.

/// Keeps a spreadsheet from taking free text for a formula.
fn cell(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

pub(crate) fn to_csv(r: &Report) -> Result<String, String> {
    let err = |e: csv::Error| format!("writing the CSV: {e}");
    let mut out: Vec<u8> = "\u{feff}".as_bytes().to_vec();
    let block = |out: &mut Vec<u8>, rows: &mut dyn Iterator<Item = Vec<String>>| -> Result<(), String> {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        for row in rows {
            w.write_record(row.iter().map(|s| cell(s).into_owned())).map_err(err)?;
        }
        out.extend(w.into_inner().map_err(|e| format!("writing the CSV: {e}"))?);
        Ok(())
    };
    let mut head: Vec<Vec<String>> = Vec::new();
    let l = |zh: &str, en: &str, lang_en: bool| if lang_en { en.to_owned() } else { zh.to_owned() };
    let en = r.lang == ReportLang::En;
    head.push(vec![l("报告", "Report", en), r.title.clone()]);
    if let Some(p) = &r.provisional {
        head.push(vec![l("状态", "Status", en), p.clone()]);
    }
    head.push(vec![l("机关", "Assembly", en), r.assembly.clone()]);
    head.push(vec![l("会次", "Session", en), r.session.clone()]);
    head.extend(r.facts.iter().map(|(k, v)| vec![k.clone(), v.clone()]));
    if let Some(res) = &r.result {
        head.push(vec![res.label.clone(), res.verdict.clone()]);
        head.extend(res.basis.iter().map(|(k, v)| vec![k.clone(), v.clone()]));
    }
    head.extend(r.notes.iter().map(|n| vec![l("说明", "Note", en), n.clone()]));
    block(&mut out, &mut head.into_iter())?;
    for t in &r.tables {
        out.extend(b"\r\n");
        let rows = std::iter::once(vec![t.title.clone()])
            .chain(std::iter::once(t.columns.iter().map(|c| c.name.clone()).collect()))
            .chain(t.rows.iter().cloned())
            .chain(t.total.iter().cloned());
        block(&mut out, &mut rows.into_iter())?;
    }
    String::from_utf8(out).map_err(|e| format!("the CSV is not UTF-8: {e}"))
}

// ---------------------------------------------------------------------------
// The CJK font.

/// A font file read into memory and the face of it to use.
#[derive(Clone)]
pub(crate) struct CjkFont {
    path: PathBuf,
    index: u32,
    data: Arc<Vec<u8>>,
}

/// Characters every usable face must have.
const PROBE: &str = "人民代表大会表决赞成反对弃权";

static FONT_CACHE: Mutex<Option<CjkFont>> = Mutex::new(None);

/// The font named by `PLENUM_CJK_FONT`, or else the first of `FONT_CANDIDATES` found.
pub(crate) fn load_font() -> Result<CjkFont, String> {
    match std::env::var_os(PDF_FONT_ENV).filter(|v| !v.is_empty()) {
        Some(path) => load_font_from(&[PathBuf::from(path)], true),
        None => load_font_from(&FONT_CANDIDATES.iter().map(PathBuf::from).collect::<Vec<_>>(), false),
    }
}

fn load_font_from(candidates: &[PathBuf], configured: bool) -> Result<CjkFont, String> {
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        let looked = candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
        return Err(if configured {
            format!(
                "{PDF_FONT_ENV} names {looked}, which is not a file; set it to a CJK font (.ttf, .otf or .ttc)"
            )
        } else {
            format!(
                "no CJK font found for the PDF report (looked at {looked}): install the Debian package \
                 fonts-noto-cjk (or fonts-wqy-microhei), or set {PDF_FONT_ENV} to a font file with Chinese glyphs"
            )
        });
    };
    let mut cache = FONT_CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(f) = cache.as_ref().filter(|f| &f.path == path) {
        return Ok(f.clone());
    }
    let data = std::fs::read(path).map_err(|e| format!("reading the CJK font {}: {e}", path.display()))?;
    let index = pick_face(&data).map_err(|e| {
        format!(
            "the font {} is not usable for Chinese reports: {e}; set {PDF_FONT_ENV} to another font, \
             or install fonts-noto-cjk",
            path.display()
        )
    })?;
    let font = CjkFont { path: path.clone(), index, data: Arc::new(data) };
    *cache = Some(font.clone());
    Ok(font)
}

/// The face to use: in a collection the Simplified Chinese one (family "… SC", or
/// "… CN"/"GB"), else the first that is not monospaced; it must map `PROBE`.
fn pick_face(data: &[u8]) -> Result<u32, String> {
    use skrifa::MetadataProvider;
    use skrifa::raw::FileRef;
    use skrifa::string::StringId;
    let file = FileRef::new(data).map_err(|e| format!("not a font: {e}"))?;
    let mut best: Option<(u8, u32)> = None;
    for (i, face) in file.fonts().enumerate() {
        let Ok(face) = face else { continue };
        let charmap = face.charmap();
        if !PROBE.chars().all(|ch| charmap.map(ch).is_some()) {
            continue;
        }
        let family = face
            .localized_strings(StringId::FAMILY_NAME)
            .english_or_first()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let words: Vec<&str> = family.split_whitespace().collect();
        let score = if words.contains(&"SC") {
            3
        } else if words.iter().any(|w| *w == "CN" || *w == "GB") {
            2
        } else if !family.contains("Mono") {
            1
        } else {
            0
        };
        let i = u32::try_from(i).map_err(|_| "too many faces".to_owned())?;
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, i));
        }
    }
    best.map(|(_, i)| i).ok_or_else(|| format!("no face has glyphs for {PROBE}"))
}

// ---------------------------------------------------------------------------
// PDF: the report is laid out into pages of simple drawing operations, then drawn
// with krilla, which embeds the used glyphs of the font as a subset with a
// ToUnicode map (so the text can be searched and copied).

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 50.0;
const RIGHT: f32 = PAGE_W - 50.0;
const TOP: f32 = 58.0;
const BOTTOM: f32 = PAGE_H - 62.0;
const LINE: f32 = 1.35;
const PAD: f32 = 2.2;

#[derive(Clone, Copy)]
struct Style {
    size: f32,
    bold: bool,
    /// RGB.
    color: (u8, u8, u8),
}

const BLACK: (u8, u8, u8) = (0, 0, 0);
const GRAY: (u8, u8, u8) = (90, 90, 90);
const RED: (u8, u8, u8) = (170, 0, 0);

impl Style {
    fn new(size: f32) -> Self {
        Self { size, bold: false, color: BLACK }
    }
    fn bold(self) -> Self {
        Self { bold: true, ..self }
    }
    fn color(self, color: (u8, u8, u8)) -> Self {
        Self { color, ..self }
    }
}

enum Op {
    /// Text with its baseline starting at (x, y), y from the top.
    Text {
        x: f32,
        y: f32,
        style: Style,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        gray: u8,
    },
    Shade {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: u8,
    },
}

/// Character-to-glyph mapping and advances of the chosen face.
struct Metrics<'f> {
    charmap: skrifa::charmap::Charmap<'f>,
    glyphs: skrifa::metrics::GlyphMetrics<'f>,
    upem: f32,
    ascent: f32,
    missing: RefCell<BTreeSet<char>>,
}

impl<'f> Metrics<'f> {
    fn new(font: &'f CjkFont) -> Result<Self, String> {
        use skrifa::MetadataProvider;
        use skrifa::instance::{LocationRef, Size};
        let face = skrifa::FontRef::from_index(&font.data, font.index)
            .map_err(|e| format!("reading the font: {e}"))?;
        let m = face.metrics(Size::unscaled(), LocationRef::default());
        let upem = f32::from(m.units_per_em.max(1));
        Ok(Self {
            charmap: face.charmap(),
            glyphs: face.glyph_metrics(Size::unscaled(), LocationRef::default()),
            upem,
            ascent: (m.ascent / upem).clamp(0.6, 1.1),
            missing: RefCell::new(BTreeSet::new()),
        })
    }

    /// Glyph id and advance (in em) of a character; records a missing one.
    fn glyph(&self, ch: char) -> (u32, f32) {
        if ignorable(ch) {
            return (0, 0.0);
        }
        match self.charmap.map(ch) {
            Some(g) => (g.to_u32(), self.glyphs.advance_width(g).unwrap_or(self.upem / 2.0) / self.upem),
            None => {
                if !ch.is_control() {
                    self.missing.borrow_mut().insert(ch);
                }
                (0, 0.5)
            }
        }
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|ch| self.glyph(ch).1).sum::<f32>() * size
    }

    fn shape(&self, text: &str) -> Vec<krilla::text::KrillaGlyph> {
        text.char_indices()
            .filter(|(_, ch)| !ignorable(*ch))
            .map(|(i, ch)| {
                let (g, advance) = self.glyph(ch);
                krilla::text::KrillaGlyph::new(
                    krilla::text::GlyphId::new(g),
                    advance,
                    0.0,
                    0.0,
                    0.0,
                    i..i + ch.len_utf8(),
                    None,
                )
            })
            .collect()
    }

    /// Breaks text into lines no wider than `width`: between CJK characters, at
    /// spaces, and inside a word only when it alone is too wide. Closing punctuation
    /// stays with what it closes.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut out = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            let mut w = 0.0;
            for seg in segments(para) {
                let sw = self.width(&seg, size);
                let blank = seg.trim().is_empty();
                if w + sw <= width {
                    if !(line.is_empty() && blank) {
                        line.push_str(&seg);
                        w += sw;
                    }
                    continue;
                }
                if !line.is_empty() {
                    out.push(line.trim_end().to_owned());
                    line.clear();
                    w = 0.0;
                }
                if blank {
                    continue;
                }
                if sw <= width {
                    line = seg;
                    w = sw;
                } else {
                    for ch in seg.chars() {
                        let cw = self.glyph(ch).1 * size;
                        if w + cw > width && !line.is_empty() {
                            out.push(std::mem::take(&mut line));
                            w = 0.0;
                        }
                        line.push(ch);
                        w += cw;
                    }
                }
            }
            out.push(line.trim_end().to_owned());
        }
        out
    }
}

/// Invisible characters that are left out rather than drawn: zero-width spaces and
/// joiners, direction marks, variation selectors.
fn ignorable(ch: char) -> bool {
    matches!(ch, '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}')
}

fn is_cjk(ch: char) -> bool {
    ch >= '\u{2e80}'
}

fn is_closing(ch: char) -> bool {
    "，。、；：）」』！？》〉】”’,.;:)!?%".contains(ch)
}

/// Words, spaces and single CJK characters; closing punctuation joins what precedes it.
fn segments(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    for ch in text.chars() {
        let ch = if ch.is_control() { ' ' } else { ch };
        if is_closing(ch) {
            if !word.is_empty() {
                word.push(ch);
            } else if let Some(last) = out.last_mut().filter(|l| !l.trim().is_empty()) {
                last.push(ch);
            } else {
                out.push(ch.to_string());
            }
        } else if ch == ' ' || is_cjk(ch) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            out.push(ch.to_string());
        } else {
            word.push(ch);
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

struct Layout<'m, 'f> {
    m: &'m Metrics<'f>,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: f32,
    running: String,
}

impl<'m, 'f> Layout<'m, 'f> {
    fn new(m: &'m Metrics<'f>, running: String) -> Self {
        Self { m, pages: Vec::new(), ops: Vec::new(), y: TOP, running }
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
        self.y = TOP;
        let style = Style::new(8.0).color(GRAY);
        let running = self.m.wrap(&self.running, 8.0, RIGHT - LEFT).into_iter().next().unwrap_or_default();
        self.ops.push(Op::Text { x: LEFT, y: 36.0, style, text: running });
        self.ops.push(Op::Line { x1: LEFT, y1: 41.0, x2: RIGHT, y2: 41.0, width: 0.5, gray: 150 });
    }

    fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    fn line_height(size: f32) -> f32 {
        size * LINE
    }

    /// The baseline of a line of `size` whose box starts at `top`.
    fn baseline(&self, top: f32, size: f32) -> f32 {
        top + (Self::line_height(size) - size) / 2.0 + size * self.m.ascent
    }

    fn text(&mut self, x: f32, top: f32, style: Style, text: String) {
        let y = self.baseline(top, style.size);
        self.ops.push(Op::Text { x, y, style, text });
    }

    fn paragraph(&mut self, text: &str, style: Style, x: f32, width: f32, centered: bool) {
        let lh = Self::line_height(style.size);
        for line in self.m.wrap(text, style.size, width) {
            self.ensure(lh);
            let dx = if centered { (width - self.m.width(&line, style.size)).max(0.0) / 2.0 } else { 0.0 };
            self.text(x + dx, self.y, style, line);
            self.y += lh;
        }
    }

    fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// The key facts: label and value, the value wrapped.
    fn facts(&mut self, facts: &[(String, String)], label_w: f32) {
        let style = Style::new(9.5);
        let lh = Self::line_height(style.size);
        self.ops.push(Op::Line { x1: LEFT, y1: self.y, x2: RIGHT, y2: self.y, width: 0.8, gray: 0 });
        for (k, v) in facts {
            let keys = self.m.wrap(k, style.size, label_w - 2.0 * PAD);
            let vals = self.m.wrap(v, style.size, RIGHT - LEFT - label_w - 2.0 * PAD);
            let h = keys.len().max(vals.len()) as f32 * lh + 2.0 * PAD;
            self.ensure(h);
            let top = self.y;
            self.ops.push(Op::Shade { x: LEFT, y: top, w: label_w, h, gray: 238 });
            for (i, line) in keys.into_iter().enumerate() {
                self.text(LEFT + PAD, top + PAD + i as f32 * lh, style.color(GRAY), line);
            }
            for (i, line) in vals.into_iter().enumerate() {
                self.text(LEFT + label_w + PAD, top + PAD + i as f32 * lh, style, line);
            }
            self.y += h;
            self.ops.push(Op::Line { x1: LEFT, y1: self.y, x2: RIGHT, y2: self.y, width: 0.3, gray: 170 });
        }
    }

    fn table(&mut self, t: &Table, size: f32, continued: &str) {
        let total_weight: f32 = t.columns.iter().map(|c| c.weight).sum::<f32>().max(0.1);
        let widths: Vec<f32> = t.columns.iter().map(|c| c.weight / total_weight * (RIGHT - LEFT)).collect();
        let title = Style::new(11.0).bold();
        let lh = Self::line_height(size);
        // The title, the header and a first row stay together.
        self.ensure(Self::line_height(title.size) + 4.0 * lh + 6.0 * PAD);
        self.paragraph(&t.title, title, LEFT, RIGHT - LEFT, false);
        self.gap(2.0);
        let header: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        self.row(&header, t, &widths, Style::new(size).bold(), Some(225));
        for r in &t.rows {
            let h = self.row_height(r, &widths, size);
            if self.y + h > BOTTOM {
                self.new_page();
                self.paragraph(
                    &format!("{}{continued}", t.title),
                    Style::new(9.0).color(GRAY),
                    LEFT,
                    RIGHT - LEFT,
                    false,
                );
                self.row(&header, t, &widths, Style::new(size).bold(), Some(225));
            }
            self.row(r, t, &widths, Style::new(size), None);
        }
        if let Some(total) = &t.total {
            self.ensure(self.row_height(total, &widths, size));
            self.ops.push(Op::Line { x1: LEFT, y1: self.y, x2: RIGHT, y2: self.y, width: 0.8, gray: 0 });
            self.row(total, t, &widths, Style::new(size).bold(), Some(245));
        }
    }

    fn cell_lines(&self, text: &str, width: f32, size: f32) -> Vec<String> {
        self.m.wrap(text, size, width - 2.0 * PAD)
    }

    fn row_height(&self, cells: &[String], widths: &[f32], size: f32) -> f32 {
        let lines =
            cells.iter().zip(widths).map(|(c, w)| self.cell_lines(c, *w, size).len()).max().unwrap_or(1);
        lines as f32 * Self::line_height(size) + 2.0 * PAD
    }

    fn row(&mut self, cells: &[String], t: &Table, widths: &[f32], style: Style, shade: Option<u8>) {
        let h = self.row_height(cells, widths, style.size);
        let top = self.y;
        if let Some(gray) = shade {
            self.ops.push(Op::Shade { x: LEFT, y: top, w: RIGHT - LEFT, h, gray });
        }
        let mut x = LEFT;
        for ((text, w), col) in cells.iter().zip(widths).zip(&t.columns) {
            for (i, line) in self.cell_lines(text, *w, style.size).into_iter().enumerate() {
                let dx = if col.numeric {
                    (w - 2.0 * PAD - self.m.width(&line, style.size)).max(0.0)
                } else {
                    0.0
                };
                self.text(x + PAD + dx, top + PAD + i as f32 * Self::line_height(style.size), style, line);
            }
            x += w;
        }
        self.y += h;
        self.ops.push(Op::Line { x1: LEFT, y1: self.y, x2: RIGHT, y2: self.y, width: 0.3, gray: 170 });
    }

    fn finish(mut self, footer: impl Fn(usize, usize) -> String) -> Vec<Vec<Op>> {
        self.pages.push(std::mem::take(&mut self.ops));
        let n = self.pages.len();
        for (i, page) in self.pages.iter_mut().enumerate() {
            let text = footer(i + 1, n);
            let style = Style::new(8.0).color(GRAY);
            let x = (PAGE_W - self.m.width(&text, style.size)) / 2.0;
            page.push(Op::Line {
                x1: LEFT,
                y1: PAGE_H - 44.0,
                x2: RIGHT,
                y2: PAGE_H - 44.0,
                width: 0.5,
                gray: 150,
            });
            page.push(Op::Text { x, y: PAGE_H - 30.0, style, text });
        }
        self.pages
    }
}

fn lay_out(r: &Report, m: &Metrics<'_>) -> Vec<Vec<Op>> {
    let en = r.lang == ReportLang::En;
    let running = [r.assembly.as_str(), r.title.as_str(), r.subject.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    let mut l = Layout::new(m, running);
    let width = RIGHT - LEFT;
    l.paragraph(&r.assembly, Style::new(16.0).bold(), LEFT, width, true);
    if !r.session.is_empty() {
        l.paragraph(&r.session, Style::new(12.0), LEFT, width, true);
    }
    l.gap(4.0);
    l.paragraph(&r.title, Style::new(14.0).bold(), LEFT, width, true);
    if let Some(p) = &r.provisional {
        l.gap(2.0);
        l.paragraph(p, Style::new(11.0).bold().color(RED), LEFT, width, true);
    }
    l.gap(10.0);
    l.facts(&r.facts, if en { 165.0 } else { 120.0 });
    if let Some(res) = &r.result {
        l.gap(10.0);
        let sep = if en { ": " } else { "：" };
        l.paragraph(
            &format!("{}{sep}{}", res.label, res.verdict),
            Style::new(13.0).bold(),
            LEFT,
            width,
            false,
        );
        l.gap(2.0);
        for (k, v) in &res.basis {
            l.paragraph(&format!("{k}{sep}{v}"), Style::new(10.0), LEFT, width, false);
            l.gap(2.0);
        }
    }
    if !r.notes.is_empty() {
        l.gap(6.0);
        for n in &r.notes {
            l.paragraph(n, Style::new(9.5), LEFT, width, false);
            l.gap(3.0);
        }
    }
    let continued = if en { " (continued)" } else { "（续）" };
    for t in &r.tables {
        l.gap(12.0);
        let size = if t.rows.len() > 40 { 8.5 } else { 9.0 };
        l.table(t, size, continued);
    }
    l.finish(|i, n| if en { format!("Page {i} of {n}") } else { format!("第 {i} 页，共 {n} 页") })
}

pub(crate) fn to_pdf(r: &Report, font: &CjkFont) -> Result<Vec<u8>, String> {
    use krilla::color::rgb;
    use krilla::geom::{PathBuilder, Point, Rect};
    use krilla::num::NormalizedF32;
    use krilla::page::PageSettings;
    use krilla::paint::{Fill, Stroke};

    let m = Metrics::new(font)?;
    let pages = lay_out(r, &m);
    let missing = m.missing.borrow();
    if !missing.is_empty() {
        let chars: String = missing.iter().collect();
        return Err(format!(
            "the font {} has no glyph for {chars:?}; set {PDF_FONT_ENV} to a font that has them \
             (fonts-noto-cjk covers the most)",
            font.path.display()
        ));
    }
    let kfont = krilla::text::Font::new(krilla::Data::from(font.data.clone()), font.index)
        .ok_or_else(|| format!("krilla cannot read the font {}", font.path.display()))?;
    let mut doc = krilla::Document::new();
    let lang = if r.lang == ReportLang::En { "en" } else { "zh-CN" };
    doc.set_metadata(
        krilla::metadata::Metadata::new()
            .title(format!("{} — {}", r.assembly, r.title))
            .language(lang.to_owned())
            .creator("Plenum".to_owned()),
    );
    let paint = |c: (u8, u8, u8)| -> krilla::paint::Paint { rgb::Color::new(c.0, c.1, c.2).into() };
    let gray = |g: u8| paint((g, g, g));
    for ops in pages {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("bad page size")?;
        let mut page = doc.start_page_with(settings);
        let mut s = page.surface();
        for op in ops {
            match op {
                Op::Text { x, y, style, text } => {
                    s.set_fill(Some(Fill {
                        paint: paint(style.color),
                        opacity: NormalizedF32::ONE,
                        rule: Default::default(),
                    }));
                    // Bold from the regular face: the outline stroked as well as filled.
                    s.set_stroke(style.bold.then(|| Stroke {
                        paint: paint(style.color),
                        width: style.size * 0.035,
                        ..Default::default()
                    }));
                    let glyphs = m.shape(&text);
                    s.draw_glyphs(Point::from_xy(x, y), &glyphs, kfont.clone(), &text, style.size, false);
                }
                Op::Line { x1, y1, x2, y2, width, gray: g } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(x1, y1);
                    pb.line_to(x2, y2);
                    if let Some(path) = pb.finish() {
                        s.set_fill(None);
                        s.set_stroke(Some(Stroke { paint: gray(g), width, ..Default::default() }));
                        s.draw_path(&path);
                    }
                }
                Op::Shade { x, y, w, h, gray: g } => {
                    let mut pb = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                        pb.push_rect(rect);
                    }
                    if let Some(path) = pb.finish() {
                        s.set_stroke(None);
                        s.set_fill(Some(Fill {
                            paint: gray(g),
                            opacity: NormalizedF32::ONE,
                            rule: Default::default(),
                        }));
                        s.draw_path(&path);
                    }
                }
            }
        }
        s.finish();
        page.finish();
    }
    doc.finish().map_err(|e| format!("writing the PDF: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;
    use chrono::TimeZone;
    use plenum_domain::{AssemblyId, Command, MemberId, SealedTally, decide, sealed};
    use std::collections::BTreeMap;
    use std::io::Read;
    use std::sync::OnceLock;

    /// The demo congress, replayed through `decide` and `apply`.
    fn congress() -> &'static Assembly {
        static DEMO: OnceLock<Assembly> = OnceLock::new();
        DEMO.get_or_init(|| {
            let id = AssemblyId::parse(demo::CONGRESS).unwrap();
            let mut a = Assembly::default();
            for (i, step) in demo::plan().unwrap().into_iter().enumerate().filter(|(_, s)| s.assembly == id) {
                for e in decide(&a, &step.command).unwrap_or_else(|e| panic!("step {i}: {e}")) {
                    a.apply(&e);
                }
            }
            a
        })
    }

    fn run(a: &mut Assembly, c: Command) {
        for e in decide(a, &c).unwrap_or_else(|e| panic!("{e}")) {
            a.apply(&e);
        }
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .with_ymd_and_hms(2022, 1, 12, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// The congress with poll 3 closed and a secret poll 4 held: 60 sealed ballots.
    fn with_secret_poll() -> Assembly {
        let mut a = congress().clone();
        run(&mut a, Command::ClosePoll { poll: 3, at: at(16, 10), decryption: None });
        let meeting = a.polls[&3].meeting.clone();
        let (public, secret) = sealed::new_key().unwrap();
        run(
            &mut a,
            Command::OpenPoll {
                tellers: Vec::new(),
                meeting: meeting.clone(),
                subject: PollSubject::Item(3),
                title: "关于财政预算的决议（草案）".to_owned(),
                title_en: "Draft resolution on the budget".to_owned(),
                rule: ResolutionRule::preset("cn-people-congress").unwrap(),
                mode: VoteMode::Secret,
                disclosure: Disclosure::TurnoutOnly,
                at: at(16, 20),
                closes_at: None,
                public_key: Some(public.clone()),
            },
        );
        let voters: Vec<MemberId> =
            a.meetings[&meeting].attendance.present.keys().take(60).cloned().collect();
        for (i, id) in voters.iter().enumerate() {
            let choice = [Choice::Yes, Choice::Yes, Choice::No, Choice::Abstain][i % 4];
            let ballot = sealed::encrypt(&public, choice).unwrap();
            run(&mut a, Command::CastSealedBallot { poll: 4, member: id.clone(), ballot, at: at(16, 21) });
        }
        let (totals, proof) = sealed::decrypt_sum(&public, &secret, &a.polls[&4].sealed).unwrap();
        run(
            &mut a,
            Command::ClosePoll { poll: 4, at: at(16, 25), decryption: Some(SealedTally { totals, proof }) },
        );
        a
    }

    /// The CSV's blocks (split at blank lines), each as rows of fields.
    fn blocks(csv_text: &str) -> Vec<Vec<Vec<String>>> {
        let body = csv_text.strip_prefix('\u{feff}').expect("a byte order mark");
        body.split("\r\n\r\n")
            .map(|block| {
                csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(block.as_bytes())
                    .records()
                    .map(|r| r.unwrap().iter().map(str::to_owned).collect())
                    .collect()
            })
            .collect()
    }

    fn header(b: &[Vec<Vec<String>>]) -> BTreeMap<String, String> {
        b[0].iter().map(|r| (r[0].clone(), r.get(1).cloned().unwrap_or_default())).collect()
    }

    fn num(h: &BTreeMap<String, String>, k: &str) -> u32 {
        h.get(k).unwrap_or_else(|| panic!("no {k} in {h:?}")).parse().unwrap()
    }

    #[test]
    fn named_poll_csv_has_the_counts_the_delegations_and_everyone_once() {
        let a = congress();
        let p = &a.polls[&2];
        let r = p.result.as_ref().unwrap();
        let text = poll_report_csv(a, 2, ReportLang::Zh).unwrap();
        assert!(text.contains("\r\n"));
        let b = blocks(&text);
        assert_eq!(b.len(), 3, "header, delegations, roll call");
        let h = header(&b);
        assert_eq!(h["机关"], "太原市第十五届人民代表大会");
        assert_eq!(h["会次"], "太原市第十五届人民代表大会第一次会议");
        assert_eq!(h["会议"], "第二次全体会议");
        assert!(h["表决事项"].contains("关于政府工作报告的决议（草案）"));
        assert_eq!(h["议程项目"], "第1项：听取和审议政府工作报告");
        assert!(h["表决规则"].contains("全体代表的过半数赞成"), "{}", h["表决规则"]);
        assert_eq!(h["表决方式"], "电子表决，记名");
        assert_eq!(h["开始时间"], "2022年1月12日 15:30:00（北京时间）");
        assert_eq!(h["结束时间"], "2022年1月12日 15:35:00（北京时间）");
        assert_eq!(num(&h, "全体代表人数"), 438);
        assert_eq!(num(&h, "出席人数（开始表决时）"), p.present);
        assert_eq!(num(&h, "赞成"), r.totals.yes);
        assert_eq!(num(&h, "反对"), r.totals.no);
        assert_eq!(num(&h, "弃权"), r.totals.abstain);
        assert_eq!(num(&h, "未投票（含缺席）"), r.not_voted);
        assert_eq!(num(&h, "通过所需赞成票"), 220);
        assert_eq!(h["表决结果"], "通过");
        assert!(
            h["依据"]
                .starts_with(&format!("通过：赞成{}票，达到全体代表438名的过半数所需的220票", r.totals.yes))
        );
        assert_eq!(h["日志记录的依据"], r.basis);

        // Per delegation: the sums are the totals.
        let groups = &b[1];
        assert_eq!(groups[0], ["各代表团表决情况"]);
        assert_eq!(groups[1], ["代表团", "代表数", "赞成", "反对", "弃权", "未投票"]);
        let rows = &groups[2..groups.len() - 1];
        assert_eq!(rows.len(), 11);
        assert_eq!(rows[0][0], "小店区代表团", "delegations in the order formed");
        let col = |i: usize| rows.iter().map(|r| r[i].parse::<u32>().unwrap()).sum::<u32>();
        assert_eq!(col(1), 438);
        assert_eq!(
            (col(2), col(3), col(4), col(5)),
            (r.totals.yes, r.totals.no, r.totals.abstain, r.not_voted)
        );
        let total = groups.last().unwrap();
        assert_eq!(total[0], "合计");
        assert_eq!(total[2].parse::<u32>().unwrap(), r.totals.yes);
        for row in rows {
            let n: Vec<u32> = row[1..].iter().map(|x| x.parse().unwrap()).collect();
            assert_eq!(n[0], n[1] + n[2] + n[3] + n[4], "{row:?}");
        }

        // The roll call: every seated deputy once, with the vote recorded.
        let roll = &b[2];
        assert_eq!(roll[0], ["记名表决名单"]);
        assert_eq!(roll[1], ["序号", "代表", "代表团", "表决意向", "出席情况"]);
        let names: Vec<&str> = roll[2..].iter().map(|r| r[1].as_str()).collect();
        assert_eq!(names.len(), 438);
        let unique: BTreeSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), 438, "each deputy once");
        for m in a.seated_members() {
            let row =
                roll[2..].iter().find(|r| r[1] == m.name).unwrap_or_else(|| panic!("{} missing", m.name));
            let expected = match p.ballots.get(&m.id).copied().flatten() {
                Some(Choice::Yes) => "赞成",
                Some(Choice::No) => "反对",
                Some(Choice::Abstain) => "弃权",
                None => "未投票",
            };
            assert_eq!(row[3], expected, "{}", m.name);
        }
        assert!(
            a.members
                .values()
                .filter(|m| !m.status.holds_mandate())
                .all(|m| !unique.contains(m.name.as_str()))
        );
        let count = |v: &str| roll[2..].iter().filter(|r| r[3] == v).count() as u32;
        assert_eq!(
            (count("赞成"), count("反对"), count("弃权")),
            (r.totals.yes, r.totals.no, r.totals.abstain)
        );
        assert_eq!(count("未投票"), r.not_voted);
        assert!(roll[2..].iter().any(|r| r[4] == "请假"), "deputies on leave are marked");
    }

    #[test]
    fn english_csv_uses_english_titles_and_the_recorded_basis() {
        let a = congress();
        let r = a.polls[&2].result.as_ref().unwrap();
        let b = blocks(&poll_report_csv(a, 2, ReportLang::En).unwrap());
        let h = header(&b);
        assert_eq!(h["Assembly"], "15th Taiyuan Municipal People's Congress");
        assert_eq!(h["Poll"], "No. 2: Draft resolution on the government work report");
        assert_eq!(h["Opened"], "2022-01-12 15:30:00 (Beijing time, UTC+8)");
        assert_eq!(h["Result"], "adopted");
        assert_eq!(h["Basis"], r.basis);
        assert!(
            h["Basis"].contains("more than half of all 438 deputies = 220 (OL art. 25)"),
            "{}",
            h["Basis"]
        );
        assert!(
            h["Rule"].starts_with("cn-people-congress (People's Congress): more than half of all deputies")
        );
        assert_eq!(num(&h, "Electorate (all deputies holding a mandate)"), 438);
        let roll = &b[2];
        assert_eq!(roll[1], ["No.", "Deputy", "Delegation", "Vote", "Attendance"]);
        let m = a.seated_members().next().unwrap();
        let row = roll[2..].iter().find(|r| r[1].starts_with(&m.name)).unwrap();
        assert_eq!(row[1], format!("{} ({})", m.name, pinyin_name(&m.pinyin)));
        assert_eq!(row[2], "Xiaodian District delegation");
    }

    #[test]
    fn show_of_hands_csv_names_who_entered_and_confirmed() {
        let a = congress();
        let p = &a.polls[&1];
        let r = p.result.as_ref().unwrap();
        let b = blocks(&poll_report_csv(a, 1, ReportLang::Zh).unwrap());
        assert_eq!(b.len(), 1, "no per-member tables for a show of hands");
        let h = header(&b);
        assert_eq!(h["表决方式"], "举手表决");
        assert_eq!(h["议程项目"], "通过本次会议议程");
        assert_eq!(h["会议"], "预备会议");
        assert_eq!(num(&h, "赞成"), r.totals.yes);
        assert_eq!(num(&h, "弃权"), 3);
        assert_eq!(h["票数录入人"], "secretariat");
        assert_eq!(h["核对确认人"], "teller");
        assert_eq!(h["表决结果"], "通过");
        assert!(h["说明"].contains("票数由 secretariat 录入，经 teller 核对确认"), "{}", h["说明"]);
    }

    #[test]
    fn open_poll_csv_is_provisional_with_turnout_and_running_counts() {
        let a = congress();
        let p = &a.polls[&3];
        assert_eq!(p.state, PollState::Open);
        let b = blocks(&poll_report_csv(a, 3, ReportLang::Zh).unwrap());
        assert_eq!(b.len(), 1, "no roll call while open");
        let h = header(&b);
        assert_eq!(h["报告"], "表决情况（临时报告）");
        assert!(h["状态"].starts_with("临时报告"));
        assert_eq!(h["结束时间"], "尚未结束");
        assert_eq!(num(&h, "已投票人数"), p.turnout() as u32);
        assert_eq!(num(&h, "尚未投票"), p.electorate - p.turnout() as u32);
        let t = p.named_totals();
        assert_eq!((num(&h, "赞成"), num(&h, "反对"), num(&h, "弃权")), (t.yes, t.no, t.abstain));
        assert!(!h.contains_key("表决结果"));

        // Turnout only when the disclosure is turnout only.
        let mut a = a.clone();
        std::sync::Arc::make_mut(std::sync::Arc::make_mut(&mut a.polls).get_mut(&3).unwrap()).disclosure =
            Disclosure::TurnoutOnly;
        let h = header(&blocks(&poll_report_csv(&a, 3, ReportLang::En).unwrap()));
        assert_eq!(num(&h, "Voted (turnout)"), p.turnout() as u32);
        assert!(!h.contains_key("Yes") && !h.contains_key("No") && !h.contains_key("Abstain"));
        assert!(h["Status"].starts_with("PROVISIONAL"));
    }

    #[test]
    fn secret_poll_csv_shows_turnout_and_the_sum_but_nobody_s_choice() {
        let a = with_secret_poll();
        let p = &a.polls[&4];
        let r = p.result.as_ref().unwrap();
        assert_eq!(r.totals.cast(), 60);
        let text = poll_report_csv(&a, 4, ReportLang::Zh).unwrap();
        let b = blocks(&text);
        assert_eq!(b.len(), 2, "header and turnout by delegation, no roll call");
        let h = header(&b);
        assert_eq!(num(&h, "已投票人数"), 60);
        assert_eq!((num(&h, "赞成"), num(&h, "反对"), num(&h, "弃权")), (30, 15, 15));
        assert!(h["说明"].contains("只对全部选票之和解密") && h["说明"].contains("已记入会议日志"));
        assert_eq!(b[1][1], ["代表团", "代表数", "已投票", "未投票"]);
        let voted: u32 = b[1][2..b[1].len() - 1].iter().map(|r| r[2].parse::<u32>().unwrap()).sum();
        assert_eq!(voted, 60);
        // No member's name appears, so no name beside a choice either.
        for m in a.members.values() {
            assert!(!text.contains(&m.name), "{} appears in a secret poll's report", m.name);
        }
        let en = poll_report_csv(&a, 4, ReportLang::En).unwrap();
        assert!(en.contains("only the sum of all ballots was decrypted"));
        for m in a.members.values() {
            assert!(!en.contains(&m.name) && !en.contains(m.id.as_str()));
        }
    }

    #[test]
    fn opinions_csv_lists_item_delegation_deputy_and_text() {
        let a = congress();
        let b = blocks(&opinions_csv(a, SessionKey::new(15, 1), ReportLang::Zh).unwrap());
        let h = header(&b);
        assert_eq!(num(&h, "意见条数") as usize, a.opinions.len());
        let t = &b[1];
        assert_eq!(t[1], ["项次", "议程项目", "代表团", "代表", "意见"]);
        assert_eq!(t.len() - 2, a.opinions.len());
        for o in a.opinions.iter() {
            let m = &a.members[&o.member];
            assert!(
                t[2..].iter().any(|r| r[0] == "1"
                    && r[1] == "听取和审议政府工作报告"
                    && r[3] == m.name
                    && r[4] == o.text
                    && r[2] == a.groups[&m.group].name),
                "{}",
                m.name
            );
        }
        assert!(opinions_csv(a, SessionKey::new(15, 9), ReportLang::Zh).is_err());
        assert!(poll_report_csv(a, 99, ReportLang::Zh).is_err());
    }

    #[test]
    fn spreadsheet_formulas_are_defused() {
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(cell("王建国"), "王建国");
        assert_eq!(pinyin_name("lv jian guo"), "Lü Jianguo");
        assert_eq!(pinyin_name("wang li"), "Wang Li");
    }

    #[test]
    fn a_missing_font_is_a_clear_error() {
        let e = load_font_from(&[PathBuf::from("/nonexistent/font.ttc")], false).err().unwrap();
        assert!(e.contains(PDF_FONT_ENV) && e.contains("fonts-noto-cjk"), "{e}");
        let e = load_font_from(&[PathBuf::from("/nonexistent/font.ttc")], true).err().unwrap();
        assert!(e.contains(PDF_FONT_ENV), "{e}");
        // A file that is no font.
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.ttf");
        std::fs::write(&bad, b"not a font").unwrap();
        let e = load_font_from(&[bad], true).err().unwrap();
        assert!(e.contains("not usable") && e.contains(PDF_FONT_ENV), "{e}");
    }

    // --- PDF checks: a small reader for what krilla writes. ---

    /// Every stream of the PDF, inflated where it is compressed.
    fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(i) = find(&pdf[at..], b"stream") {
            let start = at + i + b"stream".len();
            if pdf[..at + i].ends_with(b"end") {
                at = start;
                continue;
            }
            let start = start + if pdf[start..].starts_with(b"\r\n") { 2 } else { 1 };
            let Some(len) = find(&pdf[start..], b"endstream") else { break };
            let raw = &pdf[start..start + len];
            let mut inflated = Vec::new();
            match flate2::read::ZlibDecoder::new(raw).read_to_end(&mut inflated) {
                Ok(_) => out.push(inflated),
                Err(_) => out.push(raw.to_vec()),
            }
            at = start + len + b"endstream".len();
        }
        out
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    /// The ToUnicode maps: CID → text.
    fn to_unicode(streams: &[Vec<u8>]) -> BTreeMap<u16, String> {
        let mut map = BTreeMap::new();
        for s in streams.iter().filter(|s| find(s, b"begincmap").is_some()) {
            let text = String::from_utf8_lossy(s);
            for line in text.lines().filter(|l| l.starts_with('<')) {
                let parts: Vec<&str> = line.split(['<', '>', ' ']).filter(|p| !p.is_empty()).collect();
                if parts.len() != 2 {
                    continue;
                }
                let cid = u16::from_str_radix(parts[0], 16).unwrap();
                let units: Vec<u16> = (0..parts[1].len() / 4)
                    .map(|k| u16::from_str_radix(&parts[1][4 * k..4 * k + 4], 16).unwrap())
                    .collect();
                map.insert(cid, String::from_utf16(&units).unwrap());
            }
        }
        map
    }

    /// The text the content streams show, through the ToUnicode map: strings of one
    /// TJ array run together, separate text operations are split by a newline.
    fn pdf_text(pdf: &[u8]) -> String {
        let all = streams(pdf);
        let cmap = to_unicode(&all);
        let mut out = String::new();
        for s in all.iter().filter(|s| find(s, b"TJ").is_some() || find(s, b"Tj").is_some()) {
            let mut bytes = Vec::new();
            let mut i = 0;
            let flush = |bytes: &mut Vec<u8>, out: &mut String| {
                for pair in bytes.chunks(2) {
                    if let [hi, lo] = pair {
                        out.push_str(
                            cmap.get(&u16::from_be_bytes([*hi, *lo])).map_or("\u{fffd}", |t| t.as_str()),
                        );
                    }
                }
                bytes.clear();
            };
            while i < s.len() {
                match s[i] {
                    b'(' => {
                        let mut depth = 1;
                        i += 1;
                        while i < s.len() && depth > 0 {
                            match s[i] {
                                b'\\' => {
                                    i += 1;
                                    match s[i] {
                                        b'n' => bytes.push(b'\n'),
                                        b'r' => bytes.push(b'\r'),
                                        b't' => bytes.push(b'\t'),
                                        b'b' => bytes.push(8),
                                        b'f' => bytes.push(12),
                                        d @ b'0'..=b'7' => {
                                            let mut v = u32::from(d - b'0');
                                            for _ in 0..2 {
                                                if matches!(s.get(i + 1), Some(b'0'..=b'7')) {
                                                    i += 1;
                                                    v = v * 8 + u32::from(s[i] - b'0');
                                                }
                                            }
                                            bytes.push(v as u8);
                                        }
                                        c => bytes.push(c),
                                    }
                                }
                                b'(' => {
                                    depth += 1;
                                    bytes.push(b'(');
                                }
                                b')' => {
                                    depth -= 1;
                                    if depth > 0 {
                                        bytes.push(b')');
                                    }
                                }
                                c => bytes.push(c),
                            }
                            i += 1;
                        }
                    }
                    b'<' if s.get(i + 1) != Some(&b'<') => {
                        let end = i + find(&s[i..], b">").unwrap();
                        let hex = String::from_utf8_lossy(&s[i + 1..end]).replace(char::is_whitespace, "");
                        bytes.extend(
                            (0..hex.len() / 2)
                                .map(|k| u8::from_str_radix(&hex[2 * k..2 * k + 2], 16).unwrap()),
                        );
                        i = end + 1;
                    }
                    b'T' if matches!(s.get(i + 1), Some(b'J' | b'j')) => {
                        flush(&mut bytes, &mut out);
                        out.push('\n');
                        i += 2;
                    }
                    _ => i += 1,
                }
            }
        }
        out
    }

    fn font_or_skip() -> bool {
        // The test machines install fonts-noto-cjk; say so plainly where it is missing.
        match load_font() {
            Ok(_) => true,
            Err(e) => panic!("{e}"),
        }
    }

    fn save(name: &str, pdf: &[u8]) {
        if let Some(dir) = std::env::var_os("PLENUM_REPORT_OUT") {
            std::fs::write(PathBuf::from(dir).join(name), pdf).unwrap();
        }
    }

    #[test]
    fn named_poll_pdf_embeds_a_font_subset_and_shows_the_chinese_text() {
        assert!(font_or_skip());
        let a = congress();
        let pdf = poll_report_pdf(a, 2, ReportLang::Zh).unwrap();
        save("poll-2-zh.pdf", &pdf);
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() < 2_000_000, "{} bytes", pdf.len());
        // The font is embedded, as a subset (its name has a six-letter tag).
        let raw =
            String::from_utf8_lossy(&pdf).replace("/BaseFont /", "/BaseFont/").replace("/Type /", "/Type/");
        let base = raw.split("/BaseFont/").nth(1).unwrap();
        let tag = &base[..7];
        assert!(tag[..6].bytes().all(|b| b.is_ascii_uppercase()) && tag.ends_with('+'), "{tag}");
        assert!(raw.contains("/FontFile3") || raw.contains("/FontFile2"), "the font is embedded");
        assert!(raw.contains("/ToUnicode"));
        let pages = raw.matches("/Type/Page").count() - raw.matches("/Type/Pages").count();
        assert!(pages >= 5, "{pages} pages for 438 names");

        let text = pdf_text(&pdf);
        for s in [
            "太原市第十五届人民代表大会",
            "太原市第十五届人民代表大会第一次会议",
            "表决结果报告",
            "关于政府工作报告的决议（草案）",
            "表决结果：通过",
            "各代表团表决情况",
            "记名表决名单",
            "小店区代表团",
            "2022年1月12日 15:30:00（北京时间）",
        ] {
            assert!(text.contains(s), "{s} not in the PDF text");
        }
        assert!(text.contains(&format!("第 1 页，共 {pages} 页")));
        assert!(text.contains(&format!("第 {pages} 页，共 {pages} 页")));
        for m in a.seated_members() {
            assert!(text.lines().any(|l| l == m.name), "{} not in the roll call", m.name);
        }
        assert!(!text.contains('\u{fffd}'), "every glyph maps back to text");
    }

    #[test]
    fn english_open_and_hand_count_pdfs_render() {
        assert!(font_or_skip());
        let a = congress();
        let en = poll_report_pdf(a, 2, ReportLang::En).unwrap();
        save("poll-2-en.pdf", &en);
        let text = pdf_text(&en);
        assert!(text.contains("Poll results report") && text.contains("Result: adopted"));
        assert!(text.contains("Xiaodian District delegation"));
        let open = poll_report_pdf(a, 3, ReportLang::Zh).unwrap();
        save("poll-3-zh.pdf", &open);
        let text = pdf_text(&open);
        assert!(text.contains("临时报告：表决尚未结束"));
        assert!(!text.contains("记名表决名单"));
        let hands = poll_report_pdf(a, 1, ReportLang::Zh).unwrap();
        save("poll-1-zh.pdf", &hands);
        let text = pdf_text(&hands);
        assert!(text.contains("举手表决") && text.contains("teller"));
    }

    #[test]
    fn a_character_the_font_lacks_is_an_error_not_a_blank() {
        assert!(font_or_skip());
        let mut a = congress().clone();
        std::sync::Arc::make_mut(std::sync::Arc::make_mut(&mut a.polls).get_mut(&1).unwrap()).title =
            "表决通过大会议程 \u{1f5f3}\u{fe0f}".to_owned();
        let e = poll_report_pdf(&a, 1, ReportLang::Zh).unwrap_err();
        assert!(e.contains(PDF_FONT_ENV) && e.contains('\u{1f5f3}'), "{e}");
    }

    /// A real PDF reader gets the same text out (scripts/test installs poppler-utils).
    #[test]
    fn pdftotext_reads_the_report() {
        assert!(font_or_skip());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("poll-2.pdf");
        std::fs::write(&path, poll_report_pdf(congress(), 2, ReportLang::Zh).unwrap()).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext runs: install poppler-utils (scripts/test does)");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        for s in
            ["太原市第十五届人民代表大会", "表决结果：通过", "记名表决名单", "小店区代表团", "第 1 页，共"]
        {
            assert!(text.contains(s), "{s} not in pdftotext's output");
        }
        for m in congress().seated_members() {
            assert!(text.contains(&m.name), "{}", m.name);
        }
    }

    #[test]
    fn opinions_pdf_holds_every_opinion_with_its_deputy_and_delegation() {
        assert!(font_or_skip());
        let a = congress();
        let pdf = opinions_pdf(a, SessionKey::new(15, 1), ReportLang::Zh).unwrap();
        save("opinions-15-1-zh.pdf", &pdf);
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdf_text(&pdf);
        for s in
            ["太原市第十五届人民代表大会", "审议意见汇总", "太原市第十五届人民代表大会第一次会议", "意见条数"]
        {
            assert!(text.contains(s), "{s} not in the PDF text");
        }
        assert!(!a.opinions.is_empty());
        // Long opinions wrap within their cell: compare the text without line breaks.
        let flat: String = text.lines().collect();
        for o in a.opinions.iter() {
            let m = &a.members[&o.member];
            assert!(text.lines().any(|l| l == m.name), "{} not in the PDF", m.name);
            assert!(flat.contains(&a.groups[&m.group].name));
            assert!(flat.contains(&o.text), "{} not in the PDF", o.text);
        }
        assert!(!text.contains('\u{fffd}'), "every glyph maps back to text");
        assert!(opinions_pdf(a, SessionKey::new(15, 9), ReportLang::Zh).is_err());
    }

    #[test]
    fn secret_poll_pdf_holds_no_member() {
        assert!(font_or_skip());
        let a = with_secret_poll();
        let pdf = poll_report_pdf(&a, 4, ReportLang::Zh).unwrap();
        save("poll-4-zh.pdf", &pdf);
        let text = pdf_text(&pdf);
        assert!(text.contains("各代表团投票人数") && text.contains("Chaum–Pedersen"));
        for m in a.members.values() {
            assert!(!text.contains(&m.name), "{} in a secret poll's PDF", m.name);
        }
    }
}
