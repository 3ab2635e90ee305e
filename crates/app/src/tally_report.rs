//! The tally report of an election (选举计票报告), as CSV or PDF, in Chinese or
//! English: the election (office, seats, method, margin, the official list), then
//! per round the ballots issued and returned, valid and invalid, each candidate's
//! yes, no and abstain votes, the rule applied with its basis lines, who is elected
//! and what the next round must be.
//!
//! Paper rounds note that every ballot was entered twice by two tellers; electronic
//! rounds that only the per-candidate sums were decrypted, with a proof recorded in
//! the journal, so no ballot and nobody's choice appears. An open round is reported
//! provisionally (turnout or entry progress only). Layout and font are
//! `reports`'s: see `reports::PDF_FONT_ENV`.

use crate::reports::{Column, Report, ReportLang, ResultLines, Table, load_font, to_csv, to_pdf};
use chrono::{DateTime, FixedOffset, Utc};
use plenum_domain::{
    Assembly, BodyKind, Election, ElectionMethod, ElectionStage, OfficeKind, Round, RoundKind, RoundMode,
    RoundResult, RoundState,
};

/// The tally report of election `election` as CSV (UTF-8 with a byte order mark).
pub fn election_report_csv(a: &Assembly, election: u32, lang: ReportLang) -> Result<String, String> {
    to_csv(&report(a, election, lang)?)
}

/// The tally report of election `election` as an A4 PDF with the CJK font embedded
/// as a subset. Fails, naming `PLENUM_CJK_FONT`, when no CJK font is found.
pub fn election_report_pdf(a: &Assembly, election: u32, lang: ReportLang) -> Result<Vec<u8>, String> {
    let r = report(a, election, lang)?;
    let font = load_font()?;
    to_pdf(&r, &font)
}

struct W<'a> {
    a: &'a Assembly,
    lang: ReportLang,
}

impl W<'_> {
    fn zh(&self) -> bool {
        self.lang == ReportLang::Zh
    }

    fn tr(&self, zh: &'static str, en: &'static str) -> &'static str {
        if self.zh() { zh } else { en }
    }

    fn pick<'s>(&self, zh: &'s str, en: &'s str) -> &'s str {
        if self.zh() || en.trim().is_empty() { zh } else { en }
    }

    fn time(&self, t: DateTime<Utc>) -> String {
        let bj = FixedOffset::east_opt(8 * 3600).map_or_else(|| t.fixed_offset(), |o| t.with_timezone(&o));
        if self.zh() {
            bj.format("%Y年%-m月%-d日 %H:%M（北京时间）").to_string()
        } else {
            bj.format("%Y-%m-%d %H:%M (Beijing time, UTC+8)").to_string()
        }
    }

    /// "代表" / "deputies".
    fn noun(&self) -> &'static str {
        match self.a.kind {
            Some(BodyKind::PeoplesCongress) | None => self.tr("代表", "deputies"),
            Some(BodyKind::CppccCommittee) => self.tr("委员", "members"),
            _ => self.tr("成员", "members"),
        }
    }

    fn list(&self, names: &[String]) -> String {
        if names.is_empty() {
            return self.tr("无", "none").to_owned();
        }
        names.join(self.tr("、", ", "))
    }

    fn office(&self, o: OfficeKind) -> String {
        match o {
            OfficeKind::Leader => self.tr("正职（一人）", "head of an organ (one person)").to_owned(),
            OfficeKind::Deputy => self.tr("副职", "deputy heads").to_owned(),
            OfficeKind::Member => self.tr("常务委员会委员", "members of the standing committee").to_owned(),
            OfficeKind::HigherLevelDeputies => {
                self.tr("上一级人民代表大会代表", "deputies to the congress of the level above").to_owned()
            }
            OfficeKind::Custom { .. } => self.tr("其他职务", "other office").to_owned(),
        }
    }

    fn method(&self, m: ElectionMethod) -> String {
        match m {
            ElectionMethod::CnPeopleCongress => self
                .tr(
                    "获得全体代表过半数的选票始得当选（OL art. 25、OL art. 29）",
                    "a candidate needs the votes of more than half of all deputies (OL art. 25, OL art. 29)",
                )
                .to_owned(),
            ElectionMethod::RobertsRules => self
                .tr(
                    "获得所投选票的过半数当选（罗伯特议事规则）",
                    "a majority of the ballots cast (Robert's Rules of Order)",
                )
                .to_owned(),
            ElectionMethod::BlockVote { min_votes, max_votes } => {
                if self.zh() {
                    format!("得票多者当选；每张选票选 {min_votes} 至 {max_votes} 人")
                } else {
                    format!("most votes win; a ballot marks {min_votes} to {max_votes} names")
                }
            }
            ElectionMethod::Approval => self.tr("得票多者当选（认可投票）", "most approvals win").to_owned(),
            ElectionMethod::Stv => self.tr("单记可转移投票制", "single transferable vote").to_owned(),
        }
    }

    fn margin(&self, e: &Election) -> String {
        let (lo, hi) = e.margin.candidates(e.seats);
        let (min, max) = (e.margin.min_extra, e.margin.max_extra);
        let by = if e.by_election {
            self.tr("；补选（OL art. 30）", "; a by-election (OL art. 30)")
        } else {
            ""
        };
        let src = match (e.by_election, e.office) {
            _ if self.a.kind != Some(BodyKind::PeoplesCongress) => "",
            (true, _) | (_, OfficeKind::Custom { .. }) => "",
            (_, OfficeKind::HigherLevelDeputies) => "EL art. 31",
            _ => "OL art. 27",
        };
        let by = match (src.is_empty(), self.zh()) {
            (true, _) => by.to_owned(),
            (false, true) => format!("（{src}）{by}"),
            (false, false) => format!(" ({src}){by}"),
        };
        match (self.zh(), min == max) {
            (true, true) => format!("候选人比应选名额多 {min} 人，即 {lo} 名候选人{by}"),
            (true, false) => format!("候选人比应选名额多 {min} 至 {max} 人，即 {lo} 至 {hi} 名候选人{by}"),
            (false, true) => format!("{min} more candidates than seats, so {lo} candidates{by}"),
            (false, false) => {
                format!("{min} to {max} more candidates than seats, so {lo} to {hi} candidates{by}")
            }
        }
    }

    fn stage(&self, s: ElectionStage) -> &'static str {
        match s {
            ElectionStage::Nominating => self.tr("提名中", "taking nominations"),
            ElectionStage::CandidatesFixed => self.tr("候选人名单已确定", "candidates fixed"),
            ElectionStage::Voting => self.tr("投票中", "voting"),
            ElectionStage::Counting => self.tr("监票人解密计票中", "counting: awaiting the tellers"),
            ElectionStage::NextRoundDue => self.tr("待进行下一轮投票", "next round due"),
            ElectionStage::Completed => self.tr("选举完成", "completed"),
        }
    }

    fn kind(&self, k: RoundKind) -> &'static str {
        match k {
            RoundKind::First => self.tr("第一次投票", "first ballot"),
            RoundKind::TieRunoff => self.tr(
                "就票数相等的候选人再次投票（OL art. 29 ¶1）",
                "fresh vote among the tied (OL art. 29 ¶1)",
            ),
            RoundKind::AnotherRound => self.tr("另行选举（OL art. 29 ¶2）", "another round (OL art. 29 ¶2)"),
            RoundKind::Revote => self.tr("重新投票（EL art. 44 ¶1）", "vote again (EL art. 44 ¶1)"),
        }
    }

    fn mode(&self, m: RoundMode) -> &'static str {
        match m {
            RoundMode::Paper => {
                self.tr("纸质选票，计票人双人录入", "paper ballots, each entered by two tellers")
            }
            RoundMode::Electronic => {
                self.tr("电子无记名投票（加密）", "electronic secret ballot (encrypted)")
            }
        }
    }

    /// The threshold in words: "more than half of all 438 deputies = 220".
    fn threshold(&self, r: &RoundResult) -> String {
        let noun = self.noun();
        match (r.method, r.threshold) {
            (plenum_tally::Method::CnPeopleCongress, Some(n)) => {
                if self.zh() {
                    format!(
                        "须获得全体{noun} {} 人的过半数选票，即至少 {n} 票（OL art. 25、OL art. 29 ¶1）",
                        r.members
                    )
                } else {
                    format!("more than half of all {} {noun} = {n} (OL art. 25, OL art. 29 ¶1)", r.members)
                }
            }
            (_, Some(n)) => {
                if self.zh() {
                    format!("须获得所投选票的过半数，即至少 {n} 票（罗伯特议事规则）")
                } else {
                    format!("a majority of the ballots cast = {n} (Robert's Rules of Order)")
                }
            }
            (_, None) => self.tr("得票多者当选", "most votes win").to_owned(),
        }
    }
}

fn report(a: &Assembly, number: u32, lang: ReportLang) -> Result<Report, String> {
    let w = W { a, lang };
    let e = a.elections.get(&number).ok_or_else(|| format!("no election {number}"))?;
    let session = a.sessions.get(&e.session);
    let item = session
        .and_then(|s| s.agenda.iter().find(|i| i.number == e.item))
        .map(|i| w.pick(&i.title, &i.title_en).to_owned())
        .unwrap_or_default();
    let title = w.pick(&e.title, &e.title_en).to_owned();
    let mut facts: Vec<(String, String)> = Vec::new();
    let mut fact = |k: &str, v: String| facts.push((k.to_owned(), v));
    fact(
        w.tr("选举事项", "Election"),
        if w.zh() { format!("第{number}号：{title}") } else { format!("No. {number}: {title}") },
    );
    fact(
        w.tr("议程项目", "Agenda item"),
        if w.zh() { format!("第{}项：{item}", e.item) } else { format!("Item {}: {item}", e.item) },
    );
    fact(w.tr("职务类别", "Office"), w.office(e.office));
    fact(w.tr("应选名额", "Seats"), e.seats.to_string());
    fact(w.tr("当选规则", "Rule"), w.method(e.method));
    fact(w.tr("差额", "Margin"), w.margin(e));
    let nominees: Vec<String> = e.nominees().map(|c| c.name.clone()).collect();
    let nominated = if w.zh() {
        format!("{} 人（另有 {} 人撤回）", nominees.len(), e.candidates.len() - nominees.len())
    } else {
        format!("{} ({} withdrawn)", nominees.len(), e.candidates.len() - nominees.len())
    };
    fact(w.tr("被提名人", "Nominees"), nominated);
    if let Some(f) = &e.fixed {
        let names = e.fixed_names();
        let kind = if f.equal {
            w.tr("等额选举", "equal-number election")
        } else {
            w.tr("差额选举", "competitive election")
        };
        fact(
            w.tr("正式候选人", "Official candidates"),
            format!("{}（{kind}）：{}", names.len(), w.list(&names)),
        );
        fact(w.tr("确定候选人的依据", "Basis of the list"), f.basis.clone());
    }
    if let Some(p) = &e.preliminary {
        let line = |list: &[plenum_domain::PreliminaryCount]| {
            list.iter()
                .map(|c| {
                    let name =
                        e.candidate(c.candidate).map_or_else(|| c.candidate.to_string(), |x| x.name.clone());
                    format!("{name} {}", c.votes)
                })
                .collect::<Vec<_>>()
                .join(w.tr("、", ", "))
        };
        fact(w.tr("预选得票", "Preliminary vote"), line(&p.counts));
        if !p.runoff.is_empty() {
            fact(w.tr("预选再次投票", "Preliminary run-off"), line(&p.runoff));
        }
    }
    fact(w.tr("选举状态", "Stage"), w.stage(e.stage()).to_owned());
    fact(w.tr("投票轮次", "Rounds"), e.rounds.len().to_string());

    let elected: Vec<String> = e.elected.iter().map(|x| x.name.clone()).collect();
    let verdict = if w.zh() {
        format!("当选 {} 人（应选 {} 人）", elected.len(), e.seats)
    } else {
        format!("{} elected of {} seats", elected.len(), e.seats)
    };
    let result =
        Some(ResultLines { label: w.tr("选举结果", "Result").to_owned(), verdict, basis: Vec::new() });

    let mut notes = Vec::new();
    let mut tables = Vec::new();
    if !e.elected.is_empty() {
        tables.push(Table {
            title: w
                .tr("当选人名单（按当选先后和得票多少）", "Elected, in order of election and votes")
                .to_owned(),
            columns: vec![
                Column::num(w.tr("序号", "No."), 0.6),
                Column::text(w.tr("当选人", "Elected"), 2.4),
                Column::num(w.tr("轮次", "Round"), 0.8),
                Column::num(w.tr("赞成票", "Yes votes"), 1.0),
            ],
            rows: e
                .elected
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    vec![(i + 1).to_string(), x.name.clone(), x.round.to_string(), x.yes.to_string()]
                })
                .collect(),
            total: None,
        });
    }
    let mut provisional = None;
    for r in &e.rounds {
        if matches!(r.state, RoundState::Open | RoundState::Counting) {
            provisional = Some(
                w.tr(
                    "临时报告：本轮投票尚未计票，结果以计票后的报告为准",
                    "PROVISIONAL: the open round is not yet counted; the result is not final",
                )
                .to_owned(),
            );
        }
        tables.push(round_table(&w, r));
        if let Some(res) = &r.result {
            tables.push(counts_table(&w, r, res));
        }
    }
    if e.rounds.iter().any(|r| r.mode == RoundMode::Paper) {
        notes.push(
            w.tr(
                "纸质选票：每张收回的选票按编号由两名计票人分别录入，两次录入一致方予确认；不一致的选票由第三名计票人重新录入。计票只依据已确认的选票。",
                "Paper ballots: every returned ballot was entered by number by two tellers, and settled only when the two entries agree; a ballot whose entries disagree is entered again by a third teller. The count uses settled ballots only.",
            )
            .to_owned(),
        );
    }
    if e.rounds.iter().any(|r| r.mode == RoundMode::Electronic) {
        notes.push(
            w.tr(
                "电子无记名投票：每位代表对每名候选人的选择在投出时即已加密，日志只记录谁投了票和加密的选票；计票时只对每名候选人的得票之和解密，解密结果附有可供任何人核验的证明（Chaum–Pedersen），已记入会议日志，计票后密钥即销毁。本报告不含任何人的选择。",
                "Electronic secret ballot: each choice was encrypted when cast; the journal records who voted and the encrypted ballots only. The count decrypted only each candidate's sums, with a proof of correct decryption (Chaum–Pedersen) that anyone can check, recorded in the journal; the key was destroyed after the count. This report holds no one's choice.",
            )
            .to_owned(),
        );
    }
    let names = |r: &plenum_domain::election::Round| -> Vec<String> {
        r.tellers.iter().map(|t| a.members.get(t).map_or_else(|| t.to_string(), |m| m.name.clone())).collect()
    };
    for r in e.rounds.iter().filter(|r| !r.tellers.is_empty()) {
        notes.push(match lang {
            ReportLang::Zh => format!(
                "第{}轮：密钥由监票人（《选举法》第四十三条）{}共同保管，系统从未持有；该轮的“计票后密钥即销毁”不适用：得票之和由每位监票人在自己的设备上计算的解密份额得出。",
                r.number,
                names(r).join("、")
            ),
            ReportLang::En => format!(
                "Round {}: the key was held jointly by the tellers (EL art. 43) {}, never by the server; the sums were decrypted from the shares each teller computed on their own device (so no key was there to destroy).",
                r.number,
                names(r).join(", ")
            ),
        });
    }
    let report_title = w.tr("选举计票报告", "Election tally report").to_owned();
    Ok(Report {
        lang,
        title: if provisional.is_some() {
            w.tr("选举计票报告（临时）", "Election tally report (provisional)").to_owned()
        } else {
            report_title
        },
        assembly: w.pick(&a.name, &a.name_en).to_owned(),
        session: session.map_or_else(String::new, |s| w.pick(&s.title, &s.title_en).to_owned()),
        subject: if w.zh() { format!("第{number}号：{title}") } else { format!("No. {number}: {title}") },
        provisional,
        facts,
        result,
        notes,
        tables,
    })
}

fn round_title(w: &W<'_>, r: &Round, what: &str) -> String {
    if w.zh() {
        format!("第 {} 轮投票：{what}", r.number)
    } else {
        format!("Round {}: {what}", r.number)
    }
}

/// A round's facts, the rule it applied with the basis lines, the elected and what
/// comes next.
fn round_table(w: &W<'_>, r: &Round) -> Table {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row = |k: &str, v: String| rows.push(vec![k.to_owned(), v]);
    row(w.tr("轮次性质", "Kind"), w.kind(r.kind).to_owned());
    row(w.tr("投票方式", "Mode"), w.mode(r.mode).to_owned());
    let sep = w.tr("：", ": ");
    row(w.tr("本轮候选人", "Candidates"), format!("{}{sep}{}", r.candidates.len(), w.list(&r.candidates)));
    row(w.tr("本轮应选名额", "Seats"), r.seats.to_string());
    row(w.tr("全体人数", "All members"), r.electorate.to_string());
    row(w.tr("出席人数（开始投票时）", "Present at the opening"), r.present.to_string());
    row(w.tr("开始投票", "Opened"), w.time(r.opened_at));
    if let Some(at) = r.counted_at {
        row(w.tr("计票完成", "Counted"), w.time(at));
    }
    match (&r.result, r.mode) {
        (Some(res), _) => {
            if let Some(i) = res.ballots_issued.or(r.ballots_issued) {
                let label = match r.mode {
                    RoundMode::Paper => w.tr("发出选票", "Ballots issued"),
                    RoundMode::Electronic => w.tr("可投票人数（出席）", "Could vote (present)"),
                };
                row(label, i.to_string());
            }
            row(w.tr("收回选票", "Ballots returned"), res.ballots_returned.to_string());
            row(w.tr("有效票", "Valid ballots"), res.ballots_valid.to_string());
            row(w.tr("无效票", "Invalid ballots"), res.ballots_invalid.to_string());
            for v in &res.void_ballots {
                let k = if w.zh() {
                    format!("无效票第 {} 号", v.ballot_no)
                } else {
                    format!("Invalid ballot no. {}", v.ballot_no)
                };
                rows.push(vec![k, v.reason.clone()]);
            }
            if !res.valid {
                rows.push(vec![
                    w.tr("本轮无效", "Round void").to_owned(),
                    res.reason.clone().unwrap_or_default(),
                ]);
            }
            rows.push(vec![w.tr("当选票数", "Votes needed").to_owned(), w.threshold(res)]);
            rows.push(vec![w.tr("当选", "Elected").to_owned(), w.list(&res.elected)]);
            rows.push(vec![w.tr("未选出名额", "Seats unfilled").to_owned(), res.seats_unfilled.to_string()]);
            if let Some(n) = &res.next_round {
                let v = if w.zh() {
                    format!("{}：应选 {} 名，候选人 {}", w.kind(n.kind), n.seats, w.list(&n.candidates))
                } else {
                    format!("{}: {} seat(s), candidates {}", w.kind(n.kind), n.seats, w.list(&n.candidates))
                };
                rows.push(vec![w.tr("下一轮", "Next round").to_owned(), v]);
            }
            for b in &res.basis {
                rows.push(vec![w.tr("计票依据", "Basis").to_owned(), b.clone()]);
            }
            if r.decryption.is_some() {
                rows.push(vec![
                    w.tr("解密证明", "Decryption proof").to_owned(),
                    w.tr(
                        "只解密了每名候选人的得票之和，证明已记入日志",
                        "only the per-candidate sums were decrypted; the proof is in the journal",
                    )
                    .to_owned(),
                ]);
            }
        }
        (None, RoundMode::Electronic) => {
            row(w.tr("已投票人数", "Voted (turnout)"), r.voted.len().to_string());
        }
        (None, RoundMode::Paper) => {
            if let Some(i) = r.ballots_issued {
                row(w.tr("发出选票", "Ballots issued"), i.to_string());
            }
            row(w.tr("已确认选票", "Ballots settled"), r.settled().to_string());
            let open: Vec<String> = r
                .paper
                .iter()
                .filter(|(_, s)| s.mismatch && s.settled.is_none())
                .map(|(n, _)| n.to_string())
                .collect();
            if !open.is_empty() {
                row(
                    w.tr("两次录入不一致、待重新录入", "Entries disagree, to be entered again"),
                    open.join(", "),
                );
            }
        }
    }
    Table {
        title: round_title(w, r, w.tr("计票情况", "the count")),
        columns: vec![Column::text(w.tr("项目", "Item"), 1.6), Column::text(w.tr("内容", "Value"), 4.4)],
        rows,
        total: None,
    }
}

/// Each person's yes, no and abstain votes, listed candidates first.
fn counts_table(w: &W<'_>, r: &Round, res: &RoundResult) -> Table {
    let rows = res
        .counts
        .iter()
        .map(|c| {
            let name = if c.write_in {
                format!("{}{}", c.candidate, w.tr("（另选他人）", " (written in)"))
            } else {
                c.candidate.clone()
            };
            let place = res.elected.iter().position(|x| *x == c.candidate);
            vec![
                name,
                c.yes.to_string(),
                c.no.to_string(),
                c.abstain.to_string(),
                place.map_or_else(String::new, |_| w.tr("当选", "elected").to_owned()),
            ]
        })
        .collect();
    Table {
        title: round_title(w, r, w.tr("各候选人得票", "votes per candidate")),
        columns: vec![
            Column::text(w.tr("候选人", "Candidate"), 2.4),
            Column::num(w.tr("赞成", "Yes"), 1.0),
            Column::num(w.tr("反对", "No"), 1.0),
            Column::num(w.tr("弃权", "Abstain"), 1.0),
            Column::text(w.tr("结果", "Result"), 1.0),
        ],
        rows,
        total: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;
    use plenum_domain::{AssemblyId, decide};
    use std::sync::OnceLock;

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

    #[test]
    fn a_round_the_tellers_held_names_them_and_no_destroyed_key() {
        let id = AssemblyId::parse(demo::CPPCC).unwrap();
        let mut a = Assembly::default();
        for step in demo::plan().unwrap().into_iter().filter(|s| s.assembly == id) {
            for e in decide(&a, &step.command).unwrap() {
                a.apply(&e);
            }
        }
        let r = &a.elections[&1].rounds[0];
        let names: Vec<&str> = r.tellers.iter().map(|t| a.members[t].name.as_str()).collect();
        assert_eq!(names.len(), 3);
        let zh = election_report_csv(&a, 1, ReportLang::Zh).unwrap();
        assert!(
            zh.contains(&format!("第1轮：密钥由监票人（《选举法》第四十三条）{}", names.join("、"))),
            "{zh}"
        );
        let en = election_report_csv(&a, 1, ReportLang::En).unwrap();
        assert!(en.contains("never by the server") && en.contains(names[0]), "{en}");
    }

    #[test]
    fn csv_has_every_round_count_and_the_rule() {
        let a = congress();
        let csv = election_report_csv(a, 2, ReportLang::Zh).unwrap();
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("选举计票报告"), "{csv}");
        assert!(csv.contains("须获得全体代表 438 人的过半数选票，即至少 220 票"), "{csv}");
        assert!(csv.contains("第 1 轮投票：各候选人得票") && csv.contains("第 2 轮投票：各候选人得票"));
        assert!(csv.contains("另行选举（OL art. 29 ¶2）"), "{csv}");
        for x in &a.elections[&2].elected {
            assert!(csv.contains(&x.name));
        }
        let r1 = a.elections[&2].rounds[0].result.as_ref().unwrap();
        assert!(csv.contains(&format!("无效票,{}", r1.ballots_invalid)), "{csv}");
        let en = election_report_csv(a, 1, ReportLang::En).unwrap();
        assert!(en.contains("more than half of all 438 deputies = 220 (OL art. 25, OL art. 29 ¶1)"), "{en}");
        assert!(en.contains("Ballots issued,428") && en.contains("Ballots returned,428"), "{en}");
        assert!(election_report_csv(a, 9, ReportLang::Zh).is_err());
    }

    #[test]
    fn pdf_reads_back_with_pdftotext() {
        let a = congress();
        let pdf = election_report_pdf(a, 2, ReportLang::Zh).unwrap_or_else(|e| panic!("{e}"));
        assert!(pdf.starts_with(b"%PDF"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("election-2.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext runs: install poppler-utils");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("计票"), "{text}");
        for c in a.elections[&2].nominees() {
            assert!(text.contains(&c.name), "{} not in the PDF", c.name);
        }
        let en = election_report_pdf(a, 1, ReportLang::En).unwrap();
        assert!(en.starts_with(b"%PDF"));
    }
}
