//! Demo data: the 1st session of the 15th Taiyuan Municipal People's Congress and
//! the 1st session of the 14th Taiyuan Municipal Committee of the CPPCC, January
//! 2022 (the "two sessions" of the press editorial in `fixtures/`), caught in
//! progress; and, to show the same engine serving any other assembly, the annual
//! general meeting of a city translators' association under Robert's Rules of Order.
//!
//! `plan()` returns every command, in order, for the three assemblies; replaying it
//! through `decide` and `apply` leaves the congress after its first plenary and the
//! delegations' deliberation of the government work report, the CPPCC after its
//! election and its closing plenary, whose political resolution was put to a secret
//! ballot counted by its tellers, and the association with a secret ballot on a
//! bylaws amendment open for the visitor to seal on the phone. All people are
//! synthetic: names are drawn
//! deterministically from common surnames and given-name characters, so the same
//! plan comes out on every call, but for the secret ballots' keys and encryption,
//! which are random (and made once per process).

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use fastrand::Rng;
use plenum_domain::sealed;
use plenum_domain::{
    AssemblyId, AssemblyRules, BodyKind, CandidateDraft, CheckInMethod, Choice, Command, Disclosure, Gender,
    GroupId, GroupKind, ItemKind, ItemState, Level, Margin, MeetingId, MeetingKind, MemberDraft, MemberId,
    MemberStatus, Nominator, OfficeKind, PaperEntry, PollSubject, Post, ProfileChanges, Quorum,
    ResolutionRule, RoundMode, SessionKey, Totals, VoteMode,
};
use plenum_tally::Ballot;
use std::collections::BTreeSet;

/// The 15th Taiyuan Municipal People's Congress.
pub const CONGRESS: &str = "taiyuan-rd-15";
/// The 14th Taiyuan Municipal Committee of the CPPCC.
pub const CPPCC: &str = "taiyuan-zx-14";
/// The general assembly of the Taiyuan Translators Association (Robert's Rules).
pub const ASSOCIATION: &str = "taiyuan-translators";
/// The association's sector of the demo member who has not voted yet: its first
/// member, who holds no post.
pub const ASSOCIATION_MEMBER_GROUP: &str = "firms";

/// The actor the demo's commands are recorded under.
const SECRETARIAT: &str = "secretariat";
/// The second person who confirms hand-counted totals.
const TELLER: &str = "teller";
/// Deputies' own votes, cast from their devices.
const DEPUTY_DEVICE: &str = "deputy-device";
/// The two tellers (计票人) who each enter every returned paper ballot.
const TELLER_1: &str = "teller-1";
const TELLER_2: &str = "teller-2";
/// The tellers' (监票人) own devices, where their keys are made and their shares of
/// a secret poll's decryption computed.
const TELLER_DEVICE: &str = "teller-device";
/// Residents of Taiyuan: 240 + 5,000,000 / 25,000 = 440 deputies (EL art. 12).
const POPULATION: u64 = 5_000_000;

/// One command of the demo, for one assembly.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoStep {
    pub assembly: AssemblyId,
    pub actor: &'static str,
    pub command: Command,
    /// The secret key of the secret poll this step opens, where the server holds it
    /// until the close (`App::open_poll`): stored before the step is recorded.
    pub poll_secret: Option<String>,
}

/// All demo commands, in order. Every call returns the same plan: it is built once
/// per process, as encrypting the secret ballots takes a while. Errors only if a
/// built-in id or date were malformed (a test proves they are not).
pub fn plan() -> Result<Vec<DemoStep>, String> {
    static PLAN: std::sync::OnceLock<Result<Vec<DemoStep>, String>> = std::sync::OnceLock::new();
    PLAN.get_or_init(build).clone()
}

fn build() -> Result<Vec<DemoStep>, String> {
    let mut steps = Vec::new();
    congress(&mut steps)?;
    cppcc(&mut steps)?;
    association(&mut steps)?;
    Ok(steps)
}

// ---------------------------------------------------------------------------
// Small helpers: ids and dates are constants we control, so a parse error is a
// programming error reported as a plain message.

type Res<T> = Result<T, String>;

fn assembly_id(s: &str) -> Res<AssemblyId> {
    AssemblyId::parse(s).map_err(|e| format!("{s}: {e}"))
}

fn group_id(s: &str) -> Res<GroupId> {
    GroupId::parse(s).map_err(|e| format!("{s}: {e}"))
}

fn member_id(s: &str) -> Res<MemberId> {
    MemberId::parse(s).map_err(|e| format!("{s}: {e}"))
}

fn meeting_id(s: &str) -> Res<MeetingId> {
    MeetingId::parse(s).map_err(|e| format!("{s}: {e}"))
}

fn day(y: i32, m: u32, d: u32) -> Res<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("no date {y}-{m}-{d}"))
}

/// A time given in Beijing time (UTC+8), stored in UTC.
fn beijing(y: i32, m: u32, d: u32, hour: u32, minute: u32) -> Res<DateTime<Utc>> {
    let cst = FixedOffset::east_opt(8 * 3600).ok_or("bad offset")?;
    cst.with_ymd_and_hms(y, m, d, hour, minute, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("no time {y}-{m}-{d} {hour}:{minute}"))
}

struct Steps<'a> {
    out: &'a mut Vec<DemoStep>,
    assembly: AssemblyId,
}

impl Steps<'_> {
    fn push(&mut self, command: Command) {
        self.push_as(SECRETARIAT, command);
    }

    fn push_as(&mut self, actor: &'static str, command: Command) {
        self.out.push(DemoStep { assembly: self.assembly.clone(), actor, command, poll_secret: None });
    }

    fn schedule(
        &mut self,
        meeting: &MeetingId,
        session: SessionKey,
        kind: MeetingKind,
        group: Option<GroupId>,
        title: (&str, &str),
        starts_at: DateTime<Utc>,
    ) {
        self.push(Command::ScheduleMeeting {
            meeting: meeting.clone(),
            session,
            kind,
            group,
            title: title.0.to_owned(),
            title_en: title.1.to_owned(),
            starts_at,
        });
    }

    fn propose(&mut self, session: SessionKey, items: &[(&str, &str, ItemKind)]) {
        for (title, title_en, kind) in items {
            self.push(Command::ProposeAgendaItem {
                session,
                title: (*title).to_owned(),
                title_en: (*title_en).to_owned(),
                kind: *kind,
            });
        }
    }

    fn move_item(&mut self, session: SessionKey, item: u32, to: ItemState) {
        self.push(Command::MoveAgendaItem { session, item, to });
    }

    fn status(&mut self, member: &MemberId, status: MemberStatus, reason: String, on: NaiveDate) {
        self.push(Command::ChangeMemberStatus { member: member.clone(), status, reason, effective_on: on });
    }
}

// ---------------------------------------------------------------------------
// Synthetic names. Each character carries its toneless pinyin (ü written "v").

#[rustfmt::skip]
const SURNAMES: &[(&str, &str)] = &[
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"),
    ("徐", "xu"), ("孙", "sun"), ("胡", "hu"), ("朱", "zhu"), ("高", "gao"),
    ("林", "lin"), ("何", "he"), ("郭", "guo"), ("马", "ma"), ("罗", "luo"),
    ("梁", "liang"), ("宋", "song"), ("郑", "zheng"), ("谢", "xie"), ("韩", "han"),
    ("唐", "tang"), ("冯", "feng"), ("于", "yu"), ("董", "dong"), ("萧", "xiao"),
    ("程", "cheng"), ("曹", "cao"), ("袁", "yuan"), ("邓", "deng"), ("许", "xu"),
    ("傅", "fu"), ("沈", "shen"), ("曾", "zeng"), ("彭", "peng"), ("吕", "lv"),
    ("苏", "su"), ("卢", "lu"), ("蒋", "jiang"), ("蔡", "cai"), ("贾", "jia"),
    ("丁", "ding"), ("魏", "wei"), ("薛", "xue"), ("叶", "ye"), ("阎", "yan"),
    ("余", "yu"), ("潘", "pan"), ("杜", "du"), ("戴", "dai"), ("夏", "xia"),
    ("钟", "zhong"), ("汪", "wang"), ("田", "tian"), ("任", "ren"), ("姜", "jiang"),
    ("范", "fan"), ("方", "fang"), ("石", "shi"), ("姚", "yao"), ("谭", "tan"),
    ("廖", "liao"), ("邹", "zou"), ("熊", "xiong"), ("金", "jin"), ("陆", "lu"),
    ("郝", "hao"), ("孔", "kong"), ("白", "bai"), ("崔", "cui"), ("康", "kang"),
    ("毛", "mao"), ("邱", "qiu"), ("秦", "qin"), ("江", "jiang"), ("史", "shi"),
    ("顾", "gu"), ("侯", "hou"), ("邵", "shao"), ("孟", "meng"), ("龙", "long"),
    ("万", "wan"), ("段", "duan"), ("雷", "lei"), ("钱", "qian"), ("汤", "tang"),
    ("尹", "yin"), ("黎", "li"), ("易", "yi"), ("常", "chang"), ("武", "wu"),
    ("乔", "qiao"), ("贺", "he"), ("赖", "lai"), ("龚", "gong"), ("文", "wen"),
];

#[rustfmt::skip]
const MALE_GIVEN: &[(&str, &str)] = &[
    ("建", "jian"), ("国", "guo"), ("军", "jun"), ("明", "ming"), ("伟", "wei"),
    ("强", "qiang"), ("志", "zhi"), ("刚", "gang"), ("勇", "yong"), ("斌", "bin"),
    ("杰", "jie"), ("涛", "tao"), ("波", "bo"), ("辉", "hui"), ("鹏", "peng"),
    ("峰", "feng"), ("宇", "yu"), ("东", "dong"), ("永", "yong"), ("利", "li"),
    ("俊", "jun"), ("磊", "lei"), ("超", "chao"), ("振", "zhen"), ("兴", "xing"),
    ("宏", "hong"), ("德", "de"), ("成", "cheng"), ("福", "fu"), ("荣", "rong"),
    ("光", "guang"), ("忠", "zhong"), ("亮", "liang"), ("庆", "qing"), ("卫", "wei"),
    ("保", "bao"), ("晋", "jin"), ("彦", "yan"), ("毅", "yi"), ("旭", "xu"),
    ("浩", "hao"), ("博", "bo"), ("山", "shan"), ("良", "liang"), ("虎", "hu"),
    ("鑫", "xin"), ("锋", "feng"), ("飞", "fei"), ("继", "ji"), ("胜", "sheng"),
];

#[rustfmt::skip]
const FEMALE_GIVEN: &[(&str, &str)] = &[
    ("丽", "li"), ("芳", "fang"), ("娟", "juan"), ("敏", "min"), ("静", "jing"),
    ("燕", "yan"), ("艳", "yan"), ("霞", "xia"), ("红", "hong"), ("玲", "ling"),
    ("梅", "mei"), ("莉", "li"), ("慧", "hui"), ("婷", "ting"), ("琳", "lin"),
    ("雪", "xue"), ("英", "ying"), ("秀", "xiu"), ("兰", "lan"), ("萍", "ping"),
    ("洁", "jie"), ("颖", "ying"), ("琴", "qin"), ("晶", "jing"), ("瑶", "yao"),
    ("倩", "qian"), ("璐", "lu"), ("悦", "yue"), ("凤", "feng"), ("桂", "gui"),
    ("淑", "shu"), ("娜", "na"), ("蓉", "rong"), ("珍", "zhen"), ("月", "yue"),
];

#[rustfmt::skip]
const NEUTRAL_GIVEN: &[(&str, &str)] = &[
    ("文", "wen"), ("华", "hua"), ("海", "hai"), ("林", "lin"), ("新", "xin"),
    ("晓", "xiao"), ("春", "chun"), ("平", "ping"), ("玉", "yu"), ("云", "yun"),
    ("佳", "jia"), ("欣", "xin"), ("金", "jin"), ("瑞", "rui"), ("雅", "ya"),
    ("安", "an"), ("宁", "ning"), ("丹", "dan"), ("立", "li"), ("清", "qing"),
];

const MINORITIES: &[&str] = &["回族", "满族", "蒙古族"];

/// Draws unique names for one assembly.
struct Names {
    rng: Rng,
    used: BTreeSet<String>,
}

impl Names {
    fn new(seed: u64) -> Self {
        Self { rng: Rng::with_seed(seed), used: BTreeSet::new() }
    }

    fn pick<'a>(&mut self, list: &'a [(&'a str, &'a str)]) -> (&'a str, &'a str) {
        list.get(self.rng.usize(..list.len())).copied().unwrap_or(("明", "ming"))
    }

    fn given(&mut self, female: bool) -> (&'static str, &'static str) {
        if self.rng.u8(..100) < 25 {
            self.pick(NEUTRAL_GIVEN)
        } else if female {
            self.pick(FEMALE_GIVEN)
        } else {
            self.pick(MALE_GIVEN)
        }
    }

    /// A name not yet used in this assembly, with its pinyin.
    fn draw(&mut self, female: bool) -> Res<(String, String)> {
        for _ in 0..10_000 {
            // Skewed towards the front of the list: the commoner surnames.
            let n = SURNAMES.len();
            let i = self.rng.usize(..n).min(self.rng.usize(..n));
            let (sur, sur_py) = SURNAMES.get(i).copied().unwrap_or(("王", "wang"));
            let mut name = sur.to_owned();
            let mut pinyin = sur_py.to_owned();
            let (g1, p1) = self.given(female);
            name.push_str(g1);
            pinyin.push(' ');
            pinyin.push_str(p1);
            if self.rng.u8(..100) < 75 {
                let (g2, p2) = self.given(female);
                if g2 == g1 {
                    continue;
                }
                name.push_str(g2);
                pinyin.push(' ');
                pinyin.push_str(p2);
            }
            if self.used.insert(name.clone()) {
                return Ok((name, pinyin));
            }
        }
        Err("ran out of unique names".to_owned())
    }
}

/// How one group's members are drawn.
struct Cohort<'a> {
    group: &'a str,
    count: usize,
    /// `{p}` stands for the place (district, county) of the group.
    occupations: &'a [&'a str],
    place: &'a str,
    female_percent: u8,
    born: (u16, u16),
    minorities_only: bool,
}

fn draw_members(
    names: &mut Names,
    cohort: &Cohort<'_>,
    prefix: &str,
    first_number: usize,
    term: u32,
    registered_on: NaiveDate,
) -> Res<Vec<MemberDraft>> {
    let group = group_id(cohort.group)?;
    let mut out = Vec::with_capacity(cohort.count);
    for k in 0..cohort.count {
        let female = names.rng.u8(..100) < cohort.female_percent;
        let (name, pinyin) = names.draw(female)?;
        let rng = &mut names.rng;
        let birth_year = rng.u16(cohort.born.0..=cohort.born.1);
        let ethnicity = if cohort.minorities_only || rng.u8(..100) < 4 {
            MINORITIES.get(rng.usize(..MINORITIES.len())).copied().unwrap_or("回族")
        } else {
            "汉族"
        };
        let occupation = cohort
            .occupations
            .get(rng.usize(..cohort.occupations.len().max(1)))
            .copied()
            .unwrap_or("{p}干部")
            .replace("{p}", cohort.place);
        out.push(MemberDraft {
            id: member_id(&format!("{prefix}-{:04}", first_number + k))?,
            term,
            name,
            pinyin,
            gender: if female { Gender::Female } else { Gender::Male },
            birth_year: Some(birth_year),
            group: group.clone(),
            ethnicity: ethnicity.to_owned(),
            occupation,
            registered_on,
        });
    }
    Ok(out)
}

/// What a sector's members are like.
struct Traits {
    female_percent: u8,
    born: (u16, u16),
    minorities_only: bool,
}

/// Forms the sector groups of a table (id, name, English name, members,
/// occupations) and draws their members, numbered `{prefix}-0001` on in the given
/// term; they are registered by the caller.
fn form_sectors(
    s: &mut Steps<'_>,
    names: &mut Names,
    sectors: &[(&str, &str, &str, usize, &[&str])],
    (prefix, term, registered_on): (&str, u32, NaiveDate),
    traits: impl Fn(&str) -> Traits,
) -> Res<Vec<(GroupId, Vec<MemberDraft>)>> {
    let mut groups = Vec::with_capacity(sectors.len());
    let mut next = 1;
    for &(id, name, name_en, count, occupations) in sectors {
        let group = group_id(id)?;
        s.push(Command::FormGroup {
            group: group.clone(),
            kind: GroupKind::Sector,
            name: name.to_owned(),
            name_en: name_en.to_owned(),
        });
        let Traits { female_percent, born, minorities_only } = traits(id);
        let cohort =
            Cohort {
                group: id, count, occupations, place: "太原市", female_percent, born, minorities_only
            };
        groups.push((group, draw_members(names, &cohort, prefix, next, term, registered_on)?));
        next += count;
    }
    Ok(groups)
}

/// Picks `k` of `candidates` deterministically.
fn choose(rng: &mut Rng, candidates: &[MemberId], k: usize) -> Vec<MemberId> {
    let mut all = candidates.to_vec();
    rng.shuffle(&mut all);
    all.truncate(k);
    all
}

fn nth<'a>(groups: &'a [(GroupId, Vec<MemberDraft>)], group: &str, index: usize) -> Res<&'a MemberDraft> {
    groups
        .iter()
        .find(|(g, _)| g.as_str() == group)
        .and_then(|(_, ms)| ms.get(index))
        .ok_or_else(|| format!("no member {index} in {group}"))
}

/// Sets the occupation of the `index`th member of `group`; returns the member's id.
fn set_job(
    groups: &mut [(GroupId, Vec<MemberDraft>)],
    group: &str,
    index: usize,
    job: &str,
) -> Res<MemberId> {
    let m = groups
        .iter_mut()
        .find(|(g, _)| g.as_str() == group)
        .and_then(|(_, ms)| ms.get_mut(index))
        .ok_or_else(|| format!("no member {index} in {group}"))?;
    m.occupation = job.to_owned();
    Ok(m.id.clone())
}

fn biography(m: &MemberDraft, body: &str, group_name: &str) -> String {
    let sex = match m.gender {
        Gender::Female => "女",
        _ => "男",
    };
    let born = m.birth_year.map(|y| format!("{y}年生，")).unwrap_or_default();
    format!(
        "{}，{sex}，{}，{born}山西太原人，大学学历。现任{}。2021年12月当选为{body}，在{group_name}参加活动。（演示数据，人物系虚构。）",
        m.name, m.ethnicity, m.occupation
    )
}

// ---------------------------------------------------------------------------
// The People's Congress.

#[derive(Clone, Copy, PartialEq)]
enum Area {
    District,
    County,
    Garrison,
}

/// Delegations: id, place, English place, deputies. Seats follow the 2020 census
/// populations of the districts and counties, with the counties weighted up.
const DELEGATIONS: &[(&str, &str, &str, usize, Area)] = &[
    ("xiaodian", "小店区", "Xiaodian District", 92, Area::District),
    ("yingze", "迎泽区", "Yingze District", 56, Area::District),
    ("xinghualing", "杏花岭区", "Xinghualing District", 58, Area::District),
    ("jiancaoping", "尖草坪区", "Jiancaoping District", 53, Area::District),
    ("wanbailin", "万柏林区", "Wanbailin District", 64, Area::District),
    ("jinyuan", "晋源区", "Jinyuan District", 24, Area::District),
    ("gujiao", "古交市", "Gujiao City", 22, Area::County),
    ("qingxu", "清徐县", "Qingxu County", 26, Area::County),
    ("yangqu", "阳曲县", "Yangqu County", 16, Area::County),
    ("loufan", "娄烦县", "Loufan County", 14, Area::County),
    ("garrison", "驻并部队", "PLA garrison", 15, Area::Garrison),
];

const DISTRICT_JOBS: &[&str] = &[
    "太原市{p}某街道党工委书记",
    "太原市{p}某社区党委书记、居委会主任",
    "太原市{p}人民政府机关干部",
    "山西某煤业集团工人",
    "某钢铁集团高级技师",
    "太原理工大学教授",
    "山西大学副教授",
    "社区卫生服务中心医生",
    "某三甲医院主任医师",
    "民营企业董事长",
    "某科技有限公司总经理",
    "小学教师",
    "某中学校长",
    "某律师事务所主任律师",
    "某国有企业党委书记",
    "某建筑公司项目经理",
    "某物业服务公司项目经理",
    "快递公司快递员",
    "公交公司驾驶员",
    "个体工商户",
];

const COUNTY_JOBS: &[&str] = &[
    "{p}某镇党委书记",
    "{p}某乡党委书记",
    "{p}某村党支部书记、村委会主任",
    "{p}人民政府机关干部",
    "{p}人民医院医生",
    "农民",
    "农民",
    "种植专业合作社理事长",
    "养殖专业户",
    "乡村医生",
    "农村小学教师",
    "{p}某农业科技公司总经理",
    "山西某煤业集团工人",
    "民营企业董事长",
];

const GARRISON_JOBS: &[&str] = &[
    "驻并某部政治委员",
    "驻并某部参谋长",
    "驻并某部团长",
    "驻并某部营长",
    "驻并某部士官",
    "驻并某部军医",
    "驻并某部高级工程师",
    "武警太原支队某中队指导员",
];

fn congress(out: &mut Vec<DemoStep>) -> Res<()> {
    let mut s = Steps { out, assembly: assembly_id(CONGRESS)? };
    let session = SessionKey::new(15, 1);
    let registered_on = day(2021, 12, 30)?;

    s.push(Command::FoundAssembly {
        name: "太原市第十五届人民代表大会".to_owned(),
        name_en: "15th Taiyuan Municipal People's Congress".to_owned(),
        kind: BodyKind::PeoplesCongress,
        level: Level::CityWithDistricts,
        population: Some(POPULATION),
        rules: None,
    });
    s.push(Command::BeginTerm { term: 15, starts_on: day(2022, 1, 11)? });
    s.push(Command::ConveneSession {
        session,
        title: "太原市第十五届人民代表大会第一次会议".to_owned(),
        title_en: "1st Session of the 15th Taiyuan Municipal People's Congress".to_owned(),
        opens_on: day(2022, 1, 11)?,
    });

    // Delegations and their deputies.
    let mut names = Names::new(0x7479_7264_3135); // "tyrd15"
    let mut groups: Vec<(GroupId, Vec<MemberDraft>)> = Vec::new();
    let mut next = 1;
    for &(id, place, place_en, seats, area) in DELEGATIONS {
        let group = group_id(id)?;
        s.push(Command::FormGroup {
            group: group.clone(),
            kind: GroupKind::Delegation,
            name: format!("{place}代表团"),
            name_en: format!("{place_en} delegation"),
        });
        let (occupations, female_percent, born) = match area {
            Area::District => (DISTRICT_JOBS, 30, (1955, 1990)),
            Area::County => (COUNTY_JOBS, 28, (1955, 1990)),
            Area::Garrison => (GARRISON_JOBS, 10, (1965, 1990)),
        };
        let cohort = Cohort {
            group: id,
            count: seats,
            occupations,
            place,
            female_percent,
            born,
            minorities_only: false,
        };
        let members = draw_members(&mut names, &cohort, "d", next, 15, registered_on)?;
        next += seats;
        groups.push((group, members));
    }
    // The session's officers come from the municipal congress's own staff.
    let secretary_general = set_job(&mut groups, "yingze", 0, "太原市人大常委会机关干部")?;
    let mayor = set_job(&mut groups, "yingze", 1, "太原市人民政府副市长、代理市长")?;
    let staff = [
        set_job(&mut groups, "yingze", 2, "太原市人大常委会办公室干部")?,
        set_job(&mut groups, "xinghualing", 4, "太原市人大常委会办公室干部")?,
        set_job(&mut groups, "jinyuan", 1, "晋源区人大常委会办公室干部")?,
    ];
    for (_, members) in &groups {
        s.push(Command::RegisterMembers { members: members.clone() });
    }

    // Member history before the session: a death and a resignation.
    let deceased = nth(&groups, "yangqu", 3)?;
    s.status(&deceased.id, MemberStatus::Deceased, "因病医治无效逝世".to_owned(), day(2022, 1, 4)?);
    let resigned = nth(&groups, "wanbailin", 9)?;
    s.status(
        &resigned.id,
        MemberStatus::Resigned,
        "因工作调动离开本市，本人书面提出辞去太原市第十五届人民代表大会代表职务，经万柏林区人大常委会会议接受".to_owned(),
        day(2022, 1, 6)?,
    );

    // Profiles completed by the secretariat.
    let first = nth(&groups, "xiaodian", 0)?;
    s.push(Command::AmendMemberProfile {
        member: first.id.clone(),
        changes: ProfileChanges {
            occupation: None,
            phone: Some("+86 138 0000 0001".to_owned()),
            biography: Some(biography(first, "太原市第十五届人民代表大会代表", "小店区代表团")),
        },
    });
    let moved = nth(&groups, "loufan", 0)?;
    let moved_job = "娄烦县某镇人民政府镇长".to_owned();
    let moved_bio = biography(
        &MemberDraft { occupation: moved_job.clone(), ..moved.clone() },
        "太原市第十五届人民代表大会代表",
        "娄烦县代表团",
    );
    s.push(Command::AmendMemberProfile {
        member: moved.id.clone(),
        changes: ProfileChanges {
            occupation: Some(moved_job),
            phone: Some("+86 139 0000 0002".to_owned()),
            biography: Some(moved_bio),
        },
    });

    // Meetings of the session.
    let prep = meeting_id("rd15-1-prep")?;
    let presidium_1 = meeting_id("rd15-1-presidium-1")?;
    let plenaries = [
        ("rd15-1-plenary-1", "第一次全体会议", "First plenary meeting", beijing(2022, 1, 11, 9, 0)?),
        ("rd15-1-plenary-2", "第二次全体会议", "Second plenary meeting", beijing(2022, 1, 12, 15, 0)?),
        ("rd15-1-plenary-3", "第三次全体会议", "Third plenary meeting", beijing(2022, 1, 13, 9, 0)?),
        (
            "rd15-1-plenary-4",
            "第四次全体会议（闭幕会）",
            "Fourth plenary meeting (closing)",
            beijing(2022, 1, 14, 9, 0)?,
        ),
    ];
    s.schedule(
        &prep,
        session,
        MeetingKind::Preparatory,
        None,
        ("预备会议", "Preparatory meeting"),
        beijing(2022, 1, 10, 16, 0)?,
    );
    s.schedule(
        &presidium_1,
        session,
        MeetingKind::Presidium,
        None,
        ("主席团第一次会议", "First meeting of the presidium"),
        beijing(2022, 1, 10, 17, 0)?,
    );
    let mut plenary_ids = Vec::new();
    for (id, title, title_en, at) in plenaries {
        let id = meeting_id(id)?;
        s.schedule(&id, session, MeetingKind::Plenary, None, (title, title_en), at);
        plenary_ids.push(id);
    }
    let mut delegation_meetings = Vec::new();
    for &(id, place, place_en, _, _) in DELEGATIONS {
        let meeting = meeting_id(&format!("rd15-1-del-{id}"))?;
        s.schedule(
            &meeting,
            session,
            MeetingKind::Delegation,
            Some(group_id(id)?),
            (
                &format!("{place}代表团全体会议：审议政府工作报告"),
                &format!("{place_en} delegation: deliberation of the government work report"),
            ),
            beijing(2022, 1, 11, 15, 0)?,
        );
        delegation_meetings.push(meeting);
    }

    // Who holds what: the absent and departed are left out of the presidium.
    let leave_ill = nth(&groups, "xiaodian", 19)?.id.clone();
    let leave_abroad = nth(&groups, "jiancaoping", 6)?.id.clone();
    let (deceased, resigned) = (deceased.clone(), resigned.clone());
    let mut excluded: BTreeSet<MemberId> = staff.iter().cloned().collect();
    excluded.insert(secretary_general.clone());
    excluded.extend([deceased.id.clone(), resigned.id.clone(), leave_ill.clone(), leave_abroad.clone()]);
    let mut pick = Rng::with_seed(151);
    let mut presidium = Vec::new();
    for (_, members) in &groups {
        let eligible: Vec<MemberId> =
            members.iter().map(|m| m.id.clone()).filter(|id| !excluded.contains(id)).collect();
        presidium.extend(choose(&mut pick, &eligible, members.len().div_ceil(9)));
    }
    presidium.sort();

    // The preparatory meeting: presidium, secretary-general, agenda.
    s.push(Command::OpenMeeting { meeting: prep.clone() });
    s.push(Command::ElectPresidium { meeting: prep.clone(), members: presidium });
    s.push(Command::ElectSecretaryGeneral { meeting: prep.clone(), member: secretary_general });
    s.propose(
        session,
        &[
            ("听取和审议政府工作报告", "Hear and deliberate the government work report", ItemKind::Report),
            (
                "审查和批准国民经济和社会发展计划执行情况与新一年计划的报告",
                "Examine and approve the report on the implementation of the plan for economic and social development and on the plan for the new year",
                ItemKind::Report,
            ),
            (
                "审查和批准财政预算执行情况与新一年预算的报告",
                "Examine and approve the report on the execution of the budget and on the budget for the new year",
                ItemKind::Report,
            ),
            (
                "听取和审议市人大常委会工作报告",
                "Hear and deliberate the work report of the standing committee of the municipal people's congress",
                ItemKind::Report,
            ),
            (
                "听取和审议市中级人民法院工作报告",
                "Hear and deliberate the work report of the municipal intermediate people's court",
                ItemKind::Report,
            ),
            (
                "听取和审议市人民检察院工作报告",
                "Hear and deliberate the work report of the municipal people's procuratorate",
                ItemKind::Report,
            ),
            (
                "选举市第十五届人大常委会组成人员，市长、副市长，市监察委员会主任，市中级人民法院院长，市人民检察院检察长",
                "Elect the members of the standing committee, the mayor and vice-mayors, the director of the supervisory commission, the president of the intermediate court and the chief procurator",
                ItemKind::Election,
            ),
            ("通过各项决议", "Adopt the resolutions", ItemKind::Resolution),
        ],
    );
    // Everyone seated comes, but for those on leave and a few absent; the agenda is
    // adopted by a show of hands (OL art. 17), counted and confirmed by two people.
    let leave_ill = nth(&groups, "xiaodian", 19)?.id.clone();
    let leave_abroad = nth(&groups, "jiancaoping", 6)?.id.clone();
    let departed = [deceased.id.clone(), resigned.id.clone()];
    let seated: Vec<MemberId> = groups
        .iter()
        .flat_map(|(_, ms)| ms.iter().map(|m| m.id.clone()))
        .filter(|id| !departed.contains(id))
        .collect();
    let mut absent_pick = Rng::with_seed(2022);
    let absent_prep: BTreeSet<MemberId> = choose(&mut absent_pick, &seated, 9)
        .into_iter()
        .chain([leave_ill.clone(), leave_abroad.clone()])
        .collect();
    let at_prep: Vec<MemberId> = seated.iter().filter(|id| !absent_prep.contains(*id)).cloned().collect();
    s.push(Command::CheckInMany { meeting: prep.clone(), members: at_prep.clone() });
    let cn = ResolutionRule::preset("cn-people-congress").ok_or("no cn-people-congress preset")?;
    s.push(Command::OpenPoll {
        tellers: Vec::new(),
        meeting: prep.clone(),
        subject: PollSubject::Agenda,
        title: "表决通过大会议程".to_owned(),
        title_en: "Vote on the agenda of the session".to_owned(),
        rule: cn.clone(),
        mode: VoteMode::ShowOfHands,
        disclosure: Disclosure::Counts,
        at: beijing(2022, 1, 10, 16, 40)?,
        closes_at: None,
        public_key: None,
    });
    let present_prep = at_prep.len() as u32;
    s.push(Command::EnterTotals {
        poll: 1,
        totals: Totals { yes: present_prep - 3, no: 0, abstain: 3 },
        by: "secretariat".to_owned(),
    });
    s.push_as(TELLER, Command::ConfirmTotals { poll: 1, by: TELLER.to_owned() });
    s.push(Command::ClosePoll { poll: 1, at: beijing(2022, 1, 10, 16, 45)?, decryption: None });
    s.push(Command::AdjournMeeting { meeting: prep });

    // The presidium meets and sets up the secretariat.
    s.push(Command::OpenMeeting { meeting: presidium_1.clone() });
    s.push(Command::AdjournMeeting { meeting: presidium_1 });
    for member in &staff {
        s.push(Command::AssignPost { post: Post::SecretariatStaff, member: member.clone() });
    }

    // Leave requested for the session.
    let opening_day = day(2022, 1, 11)?;
    s.status(&leave_ill, MemberStatus::OnLeave, "请假：因病住院".to_owned(), opening_day);
    s.status(&leave_abroad, MemberStatus::OnLeave, "请假：因公出国".to_owned(), opening_day);
    let on_leave = [leave_ill.clone(), leave_abroad.clone()];
    let attending: Vec<MemberId> = seated.iter().filter(|id| !on_leave.contains(id)).cloned().collect();

    // First plenary: the government work report is presented.
    let plenary_1 = plenary_ids.first().cloned().ok_or("no first plenary")?;
    s.push(Command::OpenMeeting { meeting: plenary_1.clone() });
    let absent_1: BTreeSet<MemberId> = choose(&mut absent_pick, &attending, 6).into_iter().collect();
    s.push(Command::CheckInMany {
        meeting: plenary_1.clone(),
        members: attending.iter().filter(|id| !absent_1.contains(*id)).cloned().collect(),
    });
    s.move_item(session, 1, ItemState::InProgress);
    s.push(Command::AdjournMeeting { meeting: plenary_1 });

    // The delegations deliberate it; deputies' opinions are recorded by name.
    let mut say = Rng::with_seed(1511);
    for ((group, members), meeting) in groups.iter().zip(&delegation_meetings) {
        s.push(Command::OpenMeeting { meeting: meeting.clone() });
        let here: Vec<MemberId> =
            members.iter().map(|m| m.id.clone()).filter(|id| attending.contains(id)).collect();
        s.push(Command::CheckInMany { meeting: meeting.clone(), members: here.clone() });
        let speakers = choose(&mut say, &here, 3.min(here.len()));
        for speaker in speakers {
            let text = OPINIONS[say.usize(..OPINIONS.len())];
            let text = text.replace(
                "{place}",
                DELEGATIONS.iter().find(|d| d.0 == group.as_str()).map_or("本区", |d| d.1),
            );
            s.push(Command::RecordOpinion { meeting: meeting.clone(), item: 1, member: speaker, text });
        }
    }
    for meeting in delegation_meetings {
        s.push(Command::AdjournMeeting { meeting });
    }
    s.move_item(session, 1, ItemState::Done);

    // The presidium's and the deputies' nominations for the elections of item 7.
    let elections = nominate(&mut s, session, &groups, &attending, &mayor)?;

    // Second plenary: the resolution on the work report by named electronic vote,
    // then the plan report, whose vote is open for the visitor to try.
    let plenary_2 = plenary_ids.get(1).cloned().ok_or("no second plenary")?;
    s.push(Command::OpenMeeting { meeting: plenary_2.clone() });
    // From this plenary on, deputies check themselves in with the code on the hall's
    // screen; the secretariat checks in the rest at the desk.
    s.push(Command::RequireHallCode { meeting: plenary_2.clone(), required: true });
    let absent_2: BTreeSet<MemberId> = choose(&mut absent_pick, &attending, 8).into_iter().collect();
    let at_2: Vec<MemberId> = attending.iter().filter(|id| !absent_2.contains(*id)).cloned().collect();
    // Most deputies check themselves in on their phones with the code on the hall's
    // screen; the secretariat checks in the rest, whose phones are off, at the desk.
    let mut phones = Rng::with_seed(1112);
    let (at_desk, by_phone): (Vec<MemberId>, Vec<MemberId>) =
        at_2.iter().cloned().partition(|_| phones.u32(..100) < 12);
    for id in by_phone {
        s.push(Command::CheckIn { meeting: plenary_2.clone(), member: id, method: CheckInMethod::HallCode });
    }
    s.push(Command::CheckInMany { meeting: plenary_2.clone(), members: at_desk });
    s.push(Command::OpenPoll {
        tellers: Vec::new(),
        meeting: plenary_2.clone(),
        subject: PollSubject::Item(1),
        title: "关于政府工作报告的决议（草案）".to_owned(),
        title_en: "Draft resolution on the government work report".to_owned(),
        rule: cn.clone(),
        mode: VoteMode::Named,
        disclosure: Disclosure::Counts,
        at: beijing(2022, 1, 12, 15, 30)?,
        closes_at: None,
        public_key: None,
    });
    let mut hands = Rng::with_seed(402);
    for id in &at_2 {
        let roll = hands.u32(..1000);
        let choice = match roll {
            0..=11 => continue, // present, did not vote
            12..=19 => Choice::No,
            20..=39 => Choice::Abstain,
            _ => Choice::Yes,
        };
        s.push_as(
            DEPUTY_DEVICE,
            Command::CastVote { poll: 2, member: id.clone(), choice, at: beijing(2022, 1, 12, 15, 31)? },
        );
    }
    s.push(Command::ClosePoll { poll: 2, at: beijing(2022, 1, 12, 15, 35)?, decryption: None });
    // The mayor and the members of the standing committee are elected by paper
    // ballot; the other elections of item 7 follow at the third plenary.
    s.move_item(session, 7, ItemState::InProgress);
    vote(&mut s, &plenary_2, at_2.len() as u32, &elections)?;
    s.move_item(session, 7, ItemState::Deferred);
    s.move_item(session, 7, ItemState::Pending);
    s.move_item(session, 2, ItemState::InProgress);
    s.push(Command::OpenPoll {
        tellers: Vec::new(),
        meeting: plenary_2.clone(),
        subject: PollSubject::Item(2),
        title: "关于国民经济和社会发展计划的决议（草案）".to_owned(),
        title_en: "Draft resolution on the plan for economic and social development".to_owned(),
        rule: cn,
        mode: VoteMode::Named,
        disclosure: Disclosure::Counts,
        at: beijing(2022, 1, 12, 16, 50)?,
        closes_at: None,
        public_key: None,
    });
    // Some have voted already; the demo deputy (the first seated Xiaodian deputy
    // without a post) has not.
    for id in at_2.iter().skip(120).step_by(3) {
        s.push_as(
            DEPUTY_DEVICE,
            Command::CastVote {
                poll: 3,
                member: id.clone(),
                choice: if hands.u32(..100) < 96 { Choice::Yes } else { Choice::Abstain },
                at: beijing(2022, 1, 12, 16, 51)?,
            },
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The congress's elections (选举): the mayor, and the members of the standing
// committee, by paper ballot, each ballot entered twice by two tellers.

/// Seats on the standing committee elected in the demo, and the candidates: the
/// election method fixes four more (OL art. 27: 3.5 to 7 more for 35 seats).
const SC_SEATS: u32 = 35;
const SC_CANDIDATES: usize = 39;
/// Places on the standing committee list (0-based) that fall short of more than half
/// of all deputies in the first round, with their yes votes: the first three go to
/// another round for the two seats left (OL art. 29).
const SC_SHORT: &[(usize, u32)] = &[(13, 213), (36, 208), (29, 196), (6, 171), (38, 150), (21, 122)];
/// The another round's yes votes for those three.
const SC_ROUND_2: &[(usize, u32, u32)] = &[(13, 254, 110), (36, 296, 80), (29, 160, 190)];

/// What the nominations produced: the candidates' names, in list order.
struct ElectionsPlan {
    mayor: String,
    members: Vec<String>,
}

fn place_of(group: &GroupId) -> &'static str {
    DELEGATIONS.iter().find(|d| d.0 == group.as_str()).map_or("太原市", |d| d.1)
}

fn candidate(m: &MemberDraft) -> CandidateDraft {
    let delegation = format!("{}代表团", place_of(&m.group));
    CandidateDraft {
        name: m.name.clone(),
        biography: biography(m, "太原市第十五届人民代表大会代表", &delegation),
        member: Some(m.id.clone()),
    }
}

fn nominate(
    s: &mut Steps<'_>,
    session: SessionKey,
    groups: &[(GroupId, Vec<MemberDraft>)],
    attending: &[MemberId],
    mayor: &MemberId,
) -> Res<ElectionsPlan> {
    let all: Vec<&MemberDraft> = groups.iter().flat_map(|(_, ms)| ms.iter()).collect();
    let draft =
        |id: &MemberId| all.iter().copied().find(|m| &m.id == id).ok_or_else(|| format!("no deputy {id}"));
    let election = |title: &str, title_en: &str, office, seats, margin| Command::CreateElection {
        session,
        item: 7,
        title: title.to_owned(),
        title_en: title_en.to_owned(),
        office,
        seats,
        method: None,
        margin,
        by_election: false,
        nomination_group_size: None,
        members_only: false,
    };
    // The mayor: one nominee, so an equal-number election (OL art. 27).
    s.push(election("选举太原市人民政府市长", "Election of the mayor", OfficeKind::Leader, 1, None));
    let m = draft(mayor)?;
    let born = m.birth_year.map(|y| format!("{y}年生，")).unwrap_or_default();
    let bio = format!(
        "{}，{}，{}，{born}山西太原人，研究生学历，经济学博士。曾任太原市发展和改革委员会主任、太原市人民政府副市长。现任{}。2021年12月当选为太原市第十五届人民代表大会代表。（演示数据，人物系虚构。）",
        m.name,
        if m.gender == Gender::Female { "女" } else { "男" },
        m.ethnicity,
        m.occupation
    );
    s.push(Command::NominateCandidates {
        election: 1,
        by: Nominator::Presidium,
        candidates: vec![CandidateDraft { name: m.name.clone(), biography: bio, member: Some(m.id.clone()) }],
    });
    s.push(Command::FixCandidates { election: 1 });

    // Members of the standing committee: 35 nominated by the presidium, 4 by 24
    // deputies of the Xinghualing delegation jointly (OL art. 26).
    s.push(election(
        "选举太原市第十五届人民代表大会常务委员会委员",
        "Election of the members of the standing committee",
        OfficeKind::Member,
        SC_SEATS,
        Some(Margin { min_extra: 4, max_extra: 4 }),
    ));
    let eligible: Vec<MemberId> = attending.iter().filter(|id| *id != mayor).cloned().collect();
    let mut pick = Rng::with_seed(1517);
    let chosen = choose(&mut pick, &eligible, SC_CANDIDATES);
    let (by_presidium, jointly) = chosen.split_at(SC_SEATS as usize);
    let (mut by_presidium, mut jointly) = (by_presidium.to_vec(), jointly.to_vec());
    by_presidium.sort();
    jointly.sort();
    let drafts = |ids: &[MemberId]| -> Res<Vec<CandidateDraft>> {
        ids.iter().map(|id| draft(id).map(candidate)).collect()
    };
    s.push(Command::NominateCandidates {
        election: 2,
        by: Nominator::Presidium,
        candidates: drafts(&by_presidium)?,
    });
    let signers: Vec<MemberId> = groups
        .iter()
        .find(|(g, _)| g.as_str() == "xinghualing")
        .map(|(_, ms)| ms.iter().map(|m| m.id.clone()).filter(|id| attending.contains(id)).take(24).collect())
        .unwrap_or_default();
    s.push(Command::NominateCandidates {
        election: 2,
        by: Nominator::Deputies { members: signers },
        candidates: drafts(&jointly)?,
    });
    s.push(Command::FixCandidates { election: 2 });
    let members = by_presidium
        .iter()
        .chain(&jointly)
        .map(|id| draft(id).map(|m| m.name.clone()))
        .collect::<Res<_>>()?;
    Ok(ElectionsPlan { mayor: m.name.clone(), members })
}

/// Paper ballots that give each candidate exactly `counts[i]` = (yes, no, abstain)
/// over `valid` ballots, with no ballot holding more yes marks than the total over
/// the ballots rounded up (each candidate's marks fill consecutive ballots around
/// the circle), then `extra` ballots, all shuffled.
fn paper_ballots(
    rng: &mut Rng,
    names: &[String],
    counts: &[(u32, u32, u32)],
    valid: usize,
    extra: Vec<Ballot>,
) -> Vec<Ballot> {
    let mut ballots = vec![Ballot::default(); valid];
    let mut start = 0;
    for (name, &(yes, no, abstain)) in names.iter().zip(counts) {
        let marks = std::iter::repeat_n(0, yes as usize)
            .chain(std::iter::repeat_n(1, no as usize))
            .chain(std::iter::repeat_n(2, abstain as usize));
        for (k, mark) in marks.enumerate() {
            if let Some(b) = ballots.get_mut((start + k) % valid.max(1)) {
                match mark {
                    0 => b.yes.push(name.clone()),
                    1 => b.no.push(name.clone()),
                    _ => b.abstain.push(name.clone()),
                }
            }
        }
        start = (start + yes as usize) % valid.max(1);
    }
    ballots.extend(extra);
    rng.shuffle(&mut ballots);
    ballots
}

/// Opens a paper round, has both tellers enter every ballot (in bundles of 50, the
/// second teller from the other end of the pile), and counts it.
fn paper_round(
    s: &mut Steps<'_>,
    meeting: &MeetingId,
    election: u32,
    round: u32,
    ballots: &[Ballot],
    times: (DateTime<Utc>, DateTime<Utc>),
) {
    let issued = ballots.len() as u32;
    s.push(Command::OpenRound {
        tellers: Vec::new(),
        election,
        meeting: meeting.clone(),
        mode: RoundMode::Paper,
        ballots_issued: Some(issued),
        public_key: None,
        at: times.0,
    });
    let entries: Vec<PaperEntry> = ballots
        .iter()
        .enumerate()
        .map(|(i, b)| PaperEntry { ballot_no: i as u32 + 1, ballot: b.clone() })
        .collect();
    for bundle in entries.chunks(50) {
        s.push_as(
            TELLER_1,
            Command::EnterPaperBallots {
                election,
                round,
                teller: TELLER_1.to_owned(),
                entries: bundle.to_vec(),
            },
        );
    }
    for bundle in entries.rchunks(50) {
        s.push_as(
            TELLER_2,
            Command::EnterPaperBallots {
                election,
                round,
                teller: TELLER_2.to_owned(),
                entries: bundle.to_vec(),
            },
        );
    }
    s.push(Command::CountRound {
        election,
        round,
        ballots_returned: Some(issued),
        decryption: None,
        lot_order: None,
        at: times.1,
    });
}

fn vote(s: &mut Steps<'_>, meeting: &MeetingId, present: u32, plan: &ElectionsPlan) -> Res<()> {
    let mut rng = Rng::with_seed(1512);
    let n = present as usize;
    // The mayor: every ballot issued comes back; two are left blank.
    let (no, abstain, blank) = (9, 5, 2);
    let yes = present.checked_sub(no + abstain + blank).ok_or("too few deputies present")?;
    let ballots = paper_ballots(
        &mut rng,
        std::slice::from_ref(&plan.mayor),
        &[(yes, no, abstain)],
        n - blank as usize,
        vec![Ballot::default(); blank as usize],
    );
    paper_round(s, meeting, 1, 1, &ballots, (beijing(2022, 1, 12, 15, 38)?, beijing(2022, 1, 12, 15, 52)?));

    // The standing committee, first round: two ballots choose more people than seats
    // (void, EL art. 44 ¶2), one is blank; 33 pass, 6 fall short.
    let void = Ballot { yes: plan.members.clone(), ..Ballot::default() };
    let extra = vec![void.clone(), void, Ballot::default()];
    let valid = n - extra.len();
    let counts: Vec<(u32, u32, u32)> = (0..plan.members.len())
        .map(|i| {
            let (yes, no) = match SC_SHORT.iter().find(|(k, _)| *k == i) {
                Some(&(_, yes)) => (yes, 120 + rng.u32(..60)),
                None => (318 + rng.u32(..72), 3 + rng.u32(..25)),
            };
            (yes, no, valid as u32 - yes - no)
        })
        .collect();
    let ballots = paper_ballots(&mut rng, &plan.members, &counts, valid, extra);
    paper_round(s, meeting, 2, 1, &ballots, (beijing(2022, 1, 12, 15, 55)?, beijing(2022, 1, 12, 16, 25)?));

    // Another round (另行选举) for the 2 seats left, among the 3 best placed.
    let names: Vec<String> = SC_ROUND_2
        .iter()
        .map(|(k, _, _)| plan.members.get(*k).cloned().ok_or_else(|| format!("no candidate {k}")))
        .collect::<Res<_>>()?;
    let counts: Vec<(u32, u32, u32)> =
        SC_ROUND_2.iter().map(|&(_, yes, no)| (yes, no, (n - 1) as u32 - yes - no)).collect();
    let ballots = paper_ballots(&mut rng, &names, &counts, n - 1, vec![Ballot::default()]);
    paper_round(s, meeting, 2, 2, &ballots, (beijing(2022, 1, 12, 16, 28)?, beijing(2022, 1, 12, 16, 45)?));
    Ok(())
}

/// Opinions voiced in the deliberation of the government work report (synthetic).
const OPINIONS: &[&str] = &[
    "报告实事求是、重点突出，我完全赞成。建议进一步加大老旧小区改造力度，把好事办实。",
    "建议在太忻一体化经济区建设中，加强{place}与周边县区的交通衔接。",
    "报告提出的民生实事很实在，建议明确每项任务的责任单位和完成时限，接受代表监督。",
    "希望加大对中小微企业的纾困支持，落实减税降费政策，稳住就业基本盘。",
    "建议加强汾河流域生态保护，持续改善空气质量，让群众看到更多蓝天。",
    "报告对教育、医疗资源均衡布局讲得很清楚，建议在{place}新建一所公办幼儿园。",
    "建议把农村人居环境整治和乡村振兴结合起来，{place}的农村道路亟需改造。",
    "疫情防控和经济发展要统筹兼顾，建议进一步优化营商环境，提高办事效率。",
    "建议加快推进城市更新，解决停车难问题，{place}几个老旧小区群众反映强烈。",
    "赞成报告。建议加大科技创新投入，支持高校和企业共建研发平台。",
];

// ---------------------------------------------------------------------------
// The CPPCC committee.

/// Sectors (界别): id, name, English name, members, occupations.
#[rustfmt::skip]
const SECTORS: &[(&str, &str, &str, usize, &[&str])] = &[
    ("cpc", "中国共产党", "Communist Party of China", 60, &[
        "某区政协机关干部", "市直某局局长", "某街道党工委书记", "某国有企业党委书记", "某高校党委副书记",
    ]),
    ("rckmt", "中国国民党革命委员会", "Revolutionary Committee of the Chinese Kuomintang", 10, &[
        "某律师事务所律师", "某高校副教授", "某医院副主任医师", "某文化公司总经理",
    ]),
    ("cdl", "中国民主同盟", "China Democratic League", 18, &[
        "太原理工大学教授", "山西大学副教授", "某中学校长", "某医院主任医师",
    ]),
    ("cndca", "中国民主建国会", "China National Democratic Construction Association", 18, &[
        "民营企业董事长", "某商贸有限公司总经理", "某会计师事务所所长", "某银行支行行长",
    ]),
    ("capd", "中国民主促进会", "China Association for Promoting Democracy", 16, &[
        "小学教师", "某中学高级教师", "某出版社编辑", "某书画院画家",
    ]),
    ("cpwdp", "中国农工民主党", "Chinese Peasants' and Workers' Democratic Party", 14, &[
        "某三甲医院主任医师", "社区卫生服务中心医生", "某药业公司研发总监", "某中医院副院长",
    ]),
    ("jiusan", "九三学社", "Jiusan Society", 14, &[
        "某研究所研究员", "太原理工大学教授", "中北大学副教授", "某科技公司总工程师",
    ]),
    ("nonparty", "无党派人士", "Non-party personages", 14, &[
        "某律师事务所主任", "某科技公司创始人", "某医院副院长", "某高校教授",
    ]),
    ("cyl", "中国共产主义青年团", "Communist Youth League of China", 10, &[
        "某高校团委书记", "某青年志愿者协会秘书长", "某区团委书记", "某青年创业公司总经理",
    ]),
    ("trade-unions", "总工会", "Federation of Trade Unions", 14, &[
        "山西某煤业集团工人", "某钢铁集团高级技师", "公交公司驾驶员", "某企业工会主席",
    ]),
    ("women", "妇女联合会", "Women's Federation", 12, &[
        "某区妇联主席", "某社区居委会主任", "某家政服务公司总经理", "某服装公司设计师",
    ]),
    ("commerce", "工商业联合会", "Federation of Industry and Commerce", 34, &[
        "民营企业董事长", "某房地产开发公司总经理", "某食品有限公司董事长", "某物流公司总经理", "某商会会长",
    ]),
    ("science", "科学技术界", "Science and technology", 24, &[
        "某研究所研究员", "某科技公司总工程师", "太原理工大学教授", "某高新技术企业技术总监",
    ]),
    ("culture", "文化艺术界", "Culture and arts", 24, &[
        "某晋剧院演员", "某书法家协会副主席", "某文化传媒公司总经理", "作家", "某博物馆研究馆员",
    ]),
    ("education", "教育界", "Education", 28, &[
        "小学教师", "某中学校长", "某职业技术学院院长", "某幼儿园园长", "太原理工大学教授",
    ]),
    ("press", "新闻出版界", "Press and publishing", 12, &[
        "某报社记者", "某广播电视台主持人", "某出版社副总编辑", "某新闻网站总编辑",
    ]),
    ("economy", "经济界", "Economy", 44, &[
        "某国有企业总经理", "某银行分行行长", "某煤业集团副总经理", "某证券营业部总经理", "某开发区管委会干部",
    ]),
    ("agriculture", "农业界", "Agriculture", 18, &[
        "某农业合作社理事长", "农民", "某农业科技公司总经理", "某农业技术推广站站长",
    ]),
    ("welfare", "社会福利和社会保障界", "Social welfare and social security", 14, &[
        "某养老院院长", "某社会工作服务中心主任", "某残疾人康复中心主任", "某慈善基金会秘书长",
    ]),
    ("health", "医药卫生界", "Medicine and health", 30, &[
        "某三甲医院主任医师", "社区卫生服务中心医生", "某中医院院长", "某医院护士长", "某疾病预防控制中心主任",
    ]),
    ("ethnic", "少数民族界", "Ethnic minorities", 10, &[
        "某清真食品公司总经理", "某民族中学校长", "某社区居委会主任", "某餐饮公司总经理",
    ]),
    ("religion", "宗教界", "Religion", 12, &[
        "某佛教协会副会长", "某伊斯兰教协会副会长", "某基督教两会副主席", "某天主教爱国会副主任", "某道教协会副会长",
    ]),
];

fn cppcc(out: &mut Vec<DemoStep>) -> Res<()> {
    let mut s = Steps { out, assembly: assembly_id(CPPCC)? };
    let session = SessionKey::new(14, 1);
    let registered_on = day(2021, 12, 28)?;

    s.push(Command::FoundAssembly {
        name: "政协第十四届太原市委员会".to_owned(),
        name_en: "14th Taiyuan Municipal Committee of the CPPCC".to_owned(),
        kind: BodyKind::CppccCommittee,
        level: Level::None,
        population: None,
        rules: None,
    });
    s.push(Command::BeginTerm { term: 14, starts_on: day(2022, 1, 10)? });
    s.push(Command::ConveneSession {
        session,
        title: "政协第十四届太原市委员会第一次会议".to_owned(),
        title_en: "1st Session of the 14th Taiyuan Municipal Committee of the CPPCC".to_owned(),
        opens_on: day(2022, 1, 10)?,
    });

    let mut names = Names::new(0x7479_7a78_3134); // "tyzx14"
    let groups = form_sectors(&mut s, &mut names, SECTORS, ("c", 14, registered_on), |id| Traits {
        female_percent: match id {
            "women" => 85,
            _ => 32,
        },
        born: match id {
            "cyl" => (1980, 1990),
            _ => (1955, 1988),
        },
        minorities_only: id == "ethnic",
    })?;
    for (_, members) in &groups {
        s.push(Command::RegisterMembers { members: members.clone() });
    }

    let prep = meeting_id("zx14-1-prep")?;
    let plenary_1 = meeting_id("zx14-1-plenary-1")?;
    let plenary_2 = meeting_id("zx14-1-plenary-2")?;
    let plenary_3 = meeting_id("zx14-1-plenary-3")?;
    s.schedule(
        &prep,
        session,
        MeetingKind::Preparatory,
        None,
        ("预备会议", "Preparatory meeting"),
        beijing(2022, 1, 9, 16, 0)?,
    );
    s.schedule(
        &plenary_1,
        session,
        MeetingKind::Plenary,
        None,
        ("第一次全体会议（开幕会）", "First plenary meeting (opening)"),
        beijing(2022, 1, 10, 9, 0)?,
    );
    s.schedule(
        &plenary_2,
        session,
        MeetingKind::Plenary,
        None,
        ("第二次全体会议", "Second plenary meeting"),
        beijing(2022, 1, 12, 15, 0)?,
    );
    s.schedule(
        &plenary_3,
        session,
        MeetingKind::Plenary,
        None,
        ("第三次全体会议（闭幕会）", "Third plenary meeting (closing)"),
        beijing(2022, 1, 13, 15, 0)?,
    );

    // Leadership: chair and vice-chairs, elected at the second plenary.
    let chair = nth(&groups, "cpc", 0)?.id.clone();
    let vice_chairs = [
        nth(&groups, "cpc", 1)?.id.clone(),
        nth(&groups, "cpc", 2)?.id.clone(),
        nth(&groups, "cdl", 0)?.id.clone(),
        nth(&groups, "cndca", 0)?.id.clone(),
        nth(&groups, "jiusan", 0)?.id.clone(),
        nth(&groups, "nonparty", 0)?.id.clone(),
    ];
    let mut pick = Rng::with_seed(141);
    let mut presidium = vec![chair.clone()];
    presidium.extend(vice_chairs.iter().cloned());
    for (_, members) in &groups {
        let eligible: Vec<MemberId> =
            members.iter().map(|m| m.id.clone()).filter(|id| !presidium.contains(id)).collect();
        presidium.extend(choose(&mut pick, &eligible, members.len().div_ceil(20)));
    }
    presidium.sort();
    let secretary_general = nth(&groups, "cpc", 3)?.id.clone();

    s.push(Command::OpenMeeting { meeting: prep.clone() });
    s.push(Command::ElectPresidium { meeting: prep.clone(), members: presidium });
    s.push(Command::ElectSecretaryGeneral { meeting: prep.clone(), member: secretary_general });
    // The tellers, chosen at the preparatory meeting; each makes a key on their own
    // device and registers its public part.
    let mut tellers = Vec::new();
    for (group, index) in [("cdl", 4), ("jiusan", 3), ("nonparty", 5)] {
        let member = nth(&groups, group, index)?.id.clone();
        let (public, secret) = sealed::new_key()?;
        tellers.push((member, public, secret));
    }
    s.push(Command::AppointTellers { session, members: tellers.iter().map(|t| t.0.clone()).collect() });
    for (member, public, _) in &tellers {
        s.push_as(
            TELLER_DEVICE,
            Command::RegisterTellerKey { session, member: member.clone(), key: public.clone() },
        );
    }
    s.propose(
        session,
        &[
            (
                "听取和审议政协第十三届太原市委员会常务委员会工作报告",
                "Hear and deliberate the work report of the standing committee of the 13th Taiyuan Municipal Committee of the CPPCC",
                ItemKind::Report,
            ),
            (
                "听取和审议政协第十三届太原市委员会常务委员会关于提案工作情况的报告",
                "Hear and deliberate the report of the standing committee of the 13th committee on the handling of proposals",
                ItemKind::Report,
            ),
            (
                "列席太原市第十五届人民代表大会第一次会议，听取并讨论政府工作报告和其他有关报告",
                "Attend the 1st Session of the 15th Taiyuan Municipal People's Congress and discuss the government work report and the other reports",
                ItemKind::Other,
            ),
            (
                "选举政协第十四届太原市委员会主席、副主席、秘书长和常务委员",
                "Elect the chair, vice-chairs, secretary-general and standing committee members of the 14th Taiyuan Municipal Committee of the CPPCC",
                ItemKind::Election,
            ),
            (
                "通过政治决议和有关报告的决议",
                "Adopt the political resolution and the resolutions on the reports",
                ItemKind::Resolution,
            ),
        ],
    );
    s.push(Command::AdoptAgenda { meeting: prep.clone() });
    s.push(Command::AdjournMeeting { meeting: prep });

    // Opening plenary: both reports; the members then sit in on the congress.
    s.push(Command::OpenMeeting { meeting: plenary_1.clone() });
    for item in 1..=2 {
        s.move_item(session, item, ItemState::InProgress);
        s.move_item(session, item, ItemState::Done);
    }
    s.move_item(session, 3, ItemState::InProgress);
    s.push(Command::AdjournMeeting { meeting: plenary_1 });
    s.move_item(session, 3, ItemState::Done);

    // Second plenary: the election. The chair is elected by an electronic secret
    // ballot whose key the three tellers hold (an equal-number election: one seat,
    // one nominee); each teller decrypts their share of the sum on their own device.
    s.push(Command::OpenMeeting { meeting: plenary_2.clone() });
    s.move_item(session, 4, ItemState::InProgress);
    let all: Vec<MemberId> = groups.iter().flat_map(|(_, ms)| ms.iter().map(|m| m.id.clone())).collect();
    let mut absent_pick = Rng::with_seed(1412);
    let absent_2: BTreeSet<MemberId> = choose(&mut absent_pick, &all, 12).into_iter().collect();
    let present_2: Vec<MemberId> = all.iter().filter(|id| !absent_2.contains(*id)).cloned().collect();
    s.push(Command::CheckInMany { meeting: plenary_2.clone(), members: present_2.clone() });
    s.push(Command::CreateElection {
        session,
        item: 4,
        title: "选举政协第十四届太原市委员会主席".to_owned(),
        title_en: "Election of the chair of the 14th Committee".to_owned(),
        office: OfficeKind::Custom { min_extra: 0, max_extra: 0 },
        seats: 1,
        method: None,
        margin: None,
        by_election: false,
        nomination_group_size: None,
        members_only: false,
    });
    let c = groups.iter().flat_map(|(_, ms)| ms.iter()).find(|m| m.id == chair).ok_or("no chair")?;
    s.push(Command::NominateCandidates {
        election: 1,
        by: Nominator::Presidium,
        candidates: vec![CandidateDraft {
            name: c.name.clone(),
            biography: format!("{}，{}。（演示数据，人物系虚构。）", c.name, c.occupation),
            member: Some(chair.clone()),
        }],
    });
    s.push(Command::FixCandidates { election: 1 });
    let round_key = sealed::joint_key(&tellers.iter().map(|t| t.1.clone()).collect::<Vec<_>>())?;
    s.push(Command::OpenRound {
        election: 1,
        meeting: plenary_2.clone(),
        mode: RoundMode::Electronic,
        ballots_issued: None,
        public_key: Some(round_key.clone()),
        tellers: tellers.iter().map(|t| t.0.clone()).collect(),
        at: beijing(2022, 1, 12, 15, 20)?,
    });
    let mut marks = Rng::with_seed(1415);
    let mut round_ballots = Vec::new();
    for id in &present_2 {
        let mark = match marks.u32(..1000) {
            0..=4 => continue, // present, did not vote
            5..=9 => Choice::No,
            10..=19 => Choice::Abstain,
            _ => Choice::Yes,
        };
        // Sealed on the member's device, with the proof of at most one yes mark for
        // the one seat.
        let (ballot, slate) = sealed::seal_marks(&round_key, 1, 1, &[mark], (0, 1))?;
        round_ballots.push(ballot.clone());
        s.push_as(
            DEPUTY_DEVICE,
            Command::CastElectionBallot {
                election: 1,
                round: 1,
                member: id.clone(),
                ballots: ballot,
                slate: Some(slate),
                at: beijing(2022, 1, 12, 15, 22)?,
            },
        );
    }
    s.push(Command::CountRound {
        election: 1,
        round: 1,
        ballots_returned: None,
        decryption: None,
        lot_order: None,
        at: beijing(2022, 1, 12, 15, 30)?,
    });
    for (member, _, secret) in &tellers {
        let share = sealed::round_share(&round_key, secret, 1, 1, 1, &round_ballots)?;
        s.push_as(
            TELLER_DEVICE,
            Command::SubmitRoundShare { election: 1, round: 1, member: member.clone(), share },
        );
    }
    s.push(Command::AssignPost { post: Post::Chair, member: chair });
    for member in vice_chairs {
        s.push(Command::AssignPost { post: Post::ViceChair, member });
    }
    s.move_item(session, 4, ItemState::Done);
    s.push(Command::AdjournMeeting { meeting: plenary_2 });

    // Closing plenary: the political resolution by secret ballot, its key held by the
    // three tellers named at the preparatory meeting; each computes a share of
    // decrypting the sum on their own device after the close.
    s.push(Command::OpenMeeting { meeting: plenary_3.clone() });
    let all: Vec<MemberId> = groups.iter().flat_map(|(_, ms)| ms.iter().map(|m| m.id.clone())).collect();
    let mut absent_pick = Rng::with_seed(1413);
    let absent: BTreeSet<MemberId> = choose(&mut absent_pick, &all, 17).into_iter().collect();
    let present: Vec<MemberId> = all.iter().filter(|id| !absent.contains(*id)).cloned().collect();
    s.push(Command::CheckInMany { meeting: plenary_3.clone(), members: present.clone() });
    s.move_item(session, 5, ItemState::InProgress);
    let public_key = sealed::joint_key(&tellers.iter().map(|t| t.1.clone()).collect::<Vec<_>>())?;
    s.push(Command::OpenPoll {
        meeting: plenary_3.clone(),
        subject: PollSubject::Item(5),
        title: "政协第十四届太原市委员会第一次会议政治决议（草案）".to_owned(),
        title_en: "Draft political resolution of the 1st Session of the 14th Committee".to_owned(),
        rule: ResolutionRule::custom(
            plenum_tally::Base::AllMembers,
            plenum_tally::Threshold::MoreThanHalf,
            plenum_tally::TieRule::Fails,
        ),
        mode: VoteMode::Secret,
        disclosure: Disclosure::TurnoutOnly,
        at: beijing(2022, 1, 13, 15, 40)?,
        closes_at: None,
        public_key: Some(public_key.clone()),
        tellers: tellers.iter().map(|t| t.0.clone()).collect(),
    });
    let mut hands = Rng::with_seed(1414);
    let mut ballots = Vec::new();
    for id in &present {
        let choice = match hands.u32(..1000) {
            0..=5 => continue, // present, did not vote
            6..=13 => Choice::No,
            14..=30 => Choice::Abstain,
            _ => Choice::Yes,
        };
        let ballot = sealed::encrypt(&public_key, choice)?;
        ballots.push(ballot.clone());
        s.push_as(
            DEPUTY_DEVICE,
            Command::CastSealedBallot {
                poll: 1,
                member: id.clone(),
                ballot,
                at: beijing(2022, 1, 13, 15, 42)?,
            },
        );
    }
    s.push(Command::ClosePoll { poll: 1, at: beijing(2022, 1, 13, 15, 50)?, decryption: None });
    for (member, _, secret) in &tellers {
        let share = sealed::share(&public_key, secret, &ballots)?;
        s.push_as(TELLER_DEVICE, Command::SubmitTellerShare { poll: 1, member: member.clone(), share });
    }
    s.move_item(session, 5, ItemState::Done);
    s.push(Command::AdjournMeeting { meeting: plenary_3 });
    Ok(())
}

// ---------------------------------------------------------------------------
// Any other assembly: a city translators' association, whose bylaws adopt Robert's
// Rules of Order and fix the quorum of its general assembly at 40 members.

/// Sectors: id, name, English name, members, occupations.
const TRANSLATOR_SECTORS: &[(&str, &str, &str, usize, &[&str])] = &[
    (
        "univ",
        "高校与科研机构",
        "Universities and research",
        46,
        &[
            "山西大学外国语学院副教授",
            "山西大学外国语学院讲师",
            "太原理工大学外国语学院教授",
            "山西财经大学外国语学院副教授",
            "中北大学人文社会科学学院讲师",
            "山西省社会科学院副研究员",
        ],
    ),
    (
        "firms",
        "翻译企业与自由译者",
        "Translation firms and freelancers",
        38,
        &[
            "自由译者（英语）",
            "自由译者（日语）",
            "自由译者（俄语）",
            "会议口译员（英语）",
            "太原某翻译有限公司总经理",
            "某翻译公司项目经理",
            "某本地化公司本地化工程师",
        ],
    ),
    (
        "public",
        "机关与企事业单位",
        "Public bodies and enterprises",
        30,
        &[
            "太原市人民政府外事办公室翻译",
            "某能源集团国际合作部翻译",
            "某钢铁集团外事翻译",
            "太原海关关员",
            "山西博物院讲解员（英语）",
        ],
    ),
    (
        "media",
        "出版与媒体",
        "Publishing and media",
        18,
        &["某出版社编辑", "某出版社版权经理", "山西日报社编辑", "太原广播电视台记者"],
    ),
];

/// The association's annual general meeting, caught while the members vote by
/// secret ballot on a bylaws amendment, which needs two thirds of the votes cast
/// (abstentions not counted). Of the ballots cast so far exactly two thirds say yes:
/// the visitor's ballot decides it.
fn association(out: &mut Vec<DemoStep>) -> Res<()> {
    let mut s = Steps { out, assembly: assembly_id(ASSOCIATION)? };
    let session = SessionKey::new(5, 1);
    let registered_on = day(2021, 12, 1)?;

    s.push(Command::FoundAssembly {
        name: "太原市翻译工作者协会会员大会".to_owned(),
        name_en: "General Assembly of the Taiyuan Translators Association".to_owned(),
        kind: BodyKind::Other,
        level: Level::None,
        population: None,
        rules: Some(AssemblyRules { quorum: Quorum::Fixed(40) }),
    });
    s.push(Command::BeginTerm { term: 5, starts_on: registered_on });
    s.push(Command::ConveneSession {
        session,
        title: "太原市翻译工作者协会2022年会员大会".to_owned(),
        title_en: "Taiyuan Translators Association, Annual General Meeting 2022".to_owned(),
        opens_on: day(2022, 1, 9)?,
    });

    let mut names = Names::new(0x7479_6679_3035); // "tyfy05"
    let mut groups = form_sectors(&mut s, &mut names, TRANSLATOR_SECTORS, ("t", 5, registered_on), |_| {
        Traits { female_percent: 62, born: (1962, 1990), minorities_only: false }
    })?;
    // The president (会长) chairs, a vice-president beside.
    let president = set_job(&mut groups, "univ", 0, "山西大学外国语学院教授、协会会长")?;
    for (_, members) in &groups {
        s.push(Command::RegisterMembers { members: members.clone() });
    }
    s.push(Command::AssignPost { post: Post::Chair, member: president.clone() });
    let vice = nth(&groups, "public", 0)?.id.clone();
    s.push(Command::AssignPost { post: Post::ViceChair, member: vice });

    let agm = meeting_id("tr5-1-agm")?;
    s.schedule(
        &agm,
        session,
        MeetingKind::Plenary,
        None,
        ("会员大会全体会议", "General meeting of the members"),
        beijing(2022, 1, 9, 14, 30)?,
    );
    s.propose(
        session,
        &[
            (
                "审议理事会2021年度工作报告",
                "Consider the board's report on its work in 2021",
                ItemKind::Report,
            ),
            ("审议2021年度财务报告", "Consider the financial report for 2021", ItemKind::Report),
            (
                "章程修正案：年度会费由200元调整为150元",
                "Amendment of the bylaws: annual dues lowered from 200 to 150 yuan",
                ItemKind::Resolution,
            ),
        ],
    );

    // 103 of the 132 members come: more than the 40 the bylaws require. The agenda
    // is adopted by general consent, as Robert's Rules allow where no one objects.
    s.push(Command::OpenMeeting { meeting: agm.clone() });
    let all: Vec<MemberId> = groups.iter().flat_map(|(_, ms)| ms.iter().map(|m| m.id.clone())).collect();
    let visitor = groups
        .iter()
        .find(|(g, _)| g.as_str() == ASSOCIATION_MEMBER_GROUP)
        .and_then(|(_, ms)| ms.first())
        .map(|m| m.id.clone())
        .ok_or("no member in the visitor's sector")?;
    let mut absent_pick = Rng::with_seed(2201);
    let others: Vec<MemberId> = all.iter().filter(|id| **id != visitor).cloned().collect();
    let absent: BTreeSet<MemberId> = choose(&mut absent_pick, &others, 29).into_iter().collect();
    let present: Vec<MemberId> = all.iter().filter(|id| !absent.contains(*id)).cloned().collect();
    s.push(Command::CheckInMany { meeting: agm.clone(), members: present.clone() });
    s.push(Command::AdoptAgenda { meeting: agm.clone() });
    let majority = ResolutionRule::preset("roberts-rules").ok_or("no roberts-rules preset")?;
    let two_thirds =
        ResolutionRule::preset("roberts-rules-two-thirds").ok_or("no roberts-rules-two-thirds preset")?;

    // The board's report: a named electronic vote, a majority of the votes cast.
    s.move_item(session, 1, ItemState::InProgress);
    s.push(Command::OpenPoll {
        tellers: Vec::new(),
        meeting: agm.clone(),
        subject: PollSubject::Item(1),
        title: "关于理事会2021年度工作报告的决议".to_owned(),
        title_en: "Resolution on the board's report for 2021".to_owned(),
        rule: majority.clone(),
        mode: VoteMode::Named,
        disclosure: Disclosure::Counts,
        at: beijing(2022, 1, 9, 15, 10)?,
        closes_at: None,
        public_key: None,
    });
    let mut hands = Rng::with_seed(2202);
    for id in &present {
        let choice = match hands.u32(..100) {
            0..=1 => continue, // present, did not vote
            2..=3 => Choice::No,
            4..=8 => Choice::Abstain,
            _ => Choice::Yes,
        };
        s.push_as(
            DEPUTY_DEVICE,
            Command::CastVote { poll: 1, member: id.clone(), choice, at: beijing(2022, 1, 9, 15, 11)? },
        );
    }
    s.push(Command::ClosePoll { poll: 1, at: beijing(2022, 1, 9, 15, 14)?, decryption: None });
    s.move_item(session, 1, ItemState::Done);

    // The financial report: a show of hands, counted and confirmed by two people.
    s.move_item(session, 2, ItemState::InProgress);
    s.push(Command::OpenPoll {
        tellers: Vec::new(),
        meeting: agm.clone(),
        subject: PollSubject::Item(2),
        title: "关于2021年度财务报告的决议".to_owned(),
        title_en: "Resolution on the financial report for 2021".to_owned(),
        rule: majority,
        mode: VoteMode::ShowOfHands,
        disclosure: Disclosure::Counts,
        at: beijing(2022, 1, 9, 15, 40)?,
        closes_at: None,
        public_key: None,
    });
    let hands_up = u32::try_from(present.len()).map_err(|e| e.to_string())?;
    s.push(Command::EnterTotals {
        poll: 2,
        totals: Totals { yes: hands_up - 9, no: 2, abstain: 7 },
        by: "secretariat".to_owned(),
    });
    s.push_as(TELLER, Command::ConfirmTotals { poll: 2, by: TELLER.to_owned() });
    s.push(Command::ClosePoll { poll: 2, at: beijing(2022, 1, 9, 15, 43)?, decryption: None });
    s.move_item(session, 2, ItemState::Done);

    // The bylaws amendment: a ballot vote (secret), at least two thirds of the votes
    // cast. The server holds the key until the close.
    s.move_item(session, 3, ItemState::InProgress);
    let (public_key, secret) = sealed::new_key()?;
    s.push(Command::OpenPoll {
        tellers: Vec::new(),
        meeting: agm,
        subject: PollSubject::Item(3),
        title: "章程修正案：年度会费由200元调整为150元".to_owned(),
        title_en: "Amendment of the bylaws: annual dues lowered from 200 to 150 yuan".to_owned(),
        rule: two_thirds,
        mode: VoteMode::Secret,
        disclosure: Disclosure::TurnoutOnly,
        at: beijing(2022, 1, 9, 16, 5)?,
        closes_at: None,
        public_key: Some(public_key.clone()),
    });
    if let Some(step) = s.out.last_mut() {
        step.poll_secret = Some(secret);
    }
    // 84 have voted: 54 yes, 27 no, 3 abstain, exactly two thirds of the 81 yes or no.
    let mut order = Rng::with_seed(2203);
    let mut voters = others.iter().filter(|id| !absent.contains(*id)).cloned().collect::<Vec<_>>();
    order.shuffle(&mut voters);
    for (k, id) in voters.iter().take(84).enumerate() {
        let choice = match k % 28 {
            0..=17 => Choice::Yes,
            18..=26 => Choice::No,
            _ => Choice::Abstain,
        };
        s.push_as(
            DEPUTY_DEVICE,
            Command::CastSealedBallot {
                poll: 3,
                member: id.clone(),
                ballot: sealed::encrypt(&public_key, choice)?,
                at: beijing(2022, 1, 9, 16, 6)?,
            },
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use plenum_domain::rules::deputy_quota;
    use plenum_domain::{Assembly, decide};
    use std::collections::BTreeMap;

    fn replay() -> BTreeMap<AssemblyId, Assembly> {
        let mut assemblies: BTreeMap<AssemblyId, Assembly> = BTreeMap::new();
        for (i, step) in plan().unwrap().iter().enumerate() {
            assert!(
                [SECRETARIAT, TELLER, DEPUTY_DEVICE, TELLER_1, TELLER_2, TELLER_DEVICE].contains(&step.actor),
                "{}",
                step.actor
            );
            let a = assemblies.entry(step.assembly.clone()).or_default();
            let events = decide(a, &step.command)
                .unwrap_or_else(|e| panic!("step {i} ({}): {e} [{}]", step.assembly, e.rule));
            for e in &events {
                a.apply(e);
            }
        }
        assemblies
    }

    fn get<'a>(all: &'a BTreeMap<AssemblyId, Assembly>, id: &str) -> &'a Assembly {
        &all[&AssemblyId::parse(id).unwrap()]
    }

    #[test]
    fn the_whole_plan_passes_the_rules() {
        let all = replay();
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn the_association_votes_by_secret_ballot_under_roberts_rules() {
        let all = replay();
        let tr = get(&all, ASSOCIATION);
        assert_eq!(tr.kind, Some(BodyKind::Other));
        assert_eq!(tr.rules.as_ref().map(|r| r.quorum), Some(Quorum::Fixed(40)));
        assert_eq!(tr.members.len(), 132);
        let chair = tr.holders_of(Post::Chair).next().unwrap().member.clone();
        assert!(tr.members[&chair].occupation.ends_with("协会会长"), "{}", tr.members[&chair].occupation);
        let done: Vec<bool> =
            tr.polls.values().map(|p| p.result.as_ref().is_some_and(|r| r.adopted)).collect();
        assert_eq!(done, vec![true, true, false], "the first two adopted, the third open");
        let p = &tr.polls[&3];
        assert_eq!((p.mode, p.state), (VoteMode::Secret, plenum_domain::PollState::Open));
        assert_eq!(p.rule, ResolutionRule::preset("roberts-rules-two-thirds").unwrap());
        assert!(p.tellers.is_empty(), "the server holds this poll's key");
        assert_eq!(p.sealed.len(), 84);
        // The demo member is present and has not voted.
        let visitor = tr
            .seated_members()
            .find(|m| {
                m.group.as_str() == ASSOCIATION_MEMBER_GROUP && !tr.posts.iter().any(|x| x.member == m.id)
            })
            .unwrap();
        let meeting = &tr.meetings[&p.meeting];
        assert!(meeting.attendance.present.contains_key(&visitor.id));
        assert!(!p.ballots.contains_key(&visitor.id), "the demo member has voted already");
        // The step that opens it carries the key the server holds: it decrypts the
        // ballots cast so far to exactly two thirds yes of the yes and no votes.
        let step = plan()
            .unwrap()
            .into_iter()
            .find(|s| s.assembly.as_str() == ASSOCIATION && s.poll_secret.is_some())
            .unwrap();
        let (totals, _) = plenum_domain::sealed::decrypt_sum(
            p.public_key.as_deref().unwrap(),
            step.poll_secret.as_deref().unwrap(),
            &p.sealed,
        )
        .unwrap();
        assert_eq!(totals, Totals { yes: 54, no: 27, abstain: 3 });
    }

    #[test]
    fn the_congress_has_its_quota_in_eleven_delegations() {
        let all = replay();
        let rd = get(&all, CONGRESS);
        let quota = deputy_quota(Level::CityWithDistricts, POPULATION).unwrap();
        assert_eq!(quota, 440);
        assert_eq!(rd.members.len() as u64, quota);
        assert_eq!(rd.groups.len(), 11);
        for g in rd.groups.values() {
            assert_eq!(g.kind, GroupKind::Delegation);
            assert!(rd.members_of(&g.id).count() > 0, "{} is empty", g.id);
        }
        let xiaodian = rd.members_of(&GroupId::parse("xiaodian").unwrap()).count();
        let garrison = rd.members_of(&GroupId::parse("garrison").unwrap()).count();
        assert!(xiaodian > 80 && garrison < 20);
        assert_eq!(rd.members.keys().next().unwrap().as_str(), "d-0001");
        assert_eq!(rd.members.keys().last().unwrap().as_str(), "d-0440");
        let women = rd.members.values().filter(|m| m.gender == Gender::Female).count();
        assert!((100..=160).contains(&women), "{women} women");
    }

    #[test]
    fn the_congress_session_is_in_progress() {
        let all = replay();
        let rd = get(&all, CONGRESS);
        let s = &rd.sessions[&SessionKey::new(15, 1)];
        assert!(s.agenda_adopted && !s.closed);
        assert!((45..=60).contains(&s.presidium.len()), "{}", s.presidium.len());
        let delegations: BTreeSet<_> = s.presidium.iter().map(|id| &rd.members[id].group).collect();
        assert_eq!(delegations.len(), 11);
        assert!(s.secretary_general.is_some());
        let states: Vec<_> = s.agenda.iter().map(|i| i.state).collect();
        assert_eq!(states.len(), 8);
        assert_eq!(states[0], ItemState::Done);
        assert_eq!(states[1], ItemState::InProgress);
        assert!(states[2..].iter().all(|st| *st == ItemState::Pending));
        assert_eq!(rd.holders_of(Post::SecretariatStaff).count(), 3);
        assert_eq!(rd.holders_of(Post::Chair).count(), 0);
        let status = |st| rd.members.values().filter(|m| m.status == st).count();
        assert_eq!(status(MemberStatus::OnLeave), 2);
        assert_eq!(status(MemberStatus::Resigned), 1);
        assert_eq!(status(MemberStatus::Deceased), 1);
        assert_eq!(rd.seated_members().count(), 438);
        assert!(rd.members.values().any(|m| m.biography.is_some() && m.phone.is_some()));
        let meetings_of = |k| rd.meetings.values().filter(|m| m.kind == k).count();
        assert_eq!(meetings_of(MeetingKind::Preparatory), 1);
        assert_eq!(meetings_of(MeetingKind::Plenary), 4);
        assert_eq!(meetings_of(MeetingKind::Presidium), 1);
        assert_eq!(meetings_of(MeetingKind::Delegation), 11);
        // The agenda by show of hands, the work report by named vote, the plan open.
        let polls: Vec<_> = rd.polls.values().collect();
        assert_eq!(polls.len(), 3);
        assert_eq!(polls[0].mode, VoteMode::ShowOfHands);
        assert_eq!(polls[0].confirmed_by.as_deref(), Some(TELLER));
        let report = polls[1].result.as_ref().unwrap();
        assert!(report.adopted && report.totals.yes > 220, "{}", report.basis);
        assert!(report.basis.contains("OL art. 25"), "{}", report.basis);
        assert_eq!(polls[2].state, plenum_domain::PollState::Open);
        assert!(polls[2].turnout() > 50);
        // The demo deputy login (first active Xiaodian deputy without a post) can vote.
        let deputy = rd
            .seated_members()
            .find(|m| {
                m.status == MemberStatus::Active
                    && !rd.posts.iter().any(|p| p.member == m.id)
                    && m.group.as_str() == "xiaodian"
            })
            .unwrap();
        assert!(!polls[2].ballots.contains_key(&deputy.id));
        assert!(rd.meetings[&polls[2].meeting].attendance.present.contains_key(&deputy.id));
        // At this plenary deputies check themselves in with the hall's code; most did.
        let plenary = &rd.meetings[&polls[2].meeting];
        assert!(plenary.hall_code);
        let by = |method| plenary.attendance.present.values().filter(|m| **m == method).count();
        let (code, desk) = (by(CheckInMethod::HallCode), by(CheckInMethod::Bulk));
        assert_eq!(code + desk, plenary.attendance.present.len());
        assert!(code > 4 * desk && desk > 20, "{code} by the code, {desk} at the desk");
        assert_eq!(by(CheckInMethod::SelfService), 0, "no self check-in without the code");
        // Opinions from every delegation's deliberation.
        let groups: BTreeSet<_> = rd.opinions.iter().map(|o| &rd.members[&o.member].group).collect();
        assert_eq!(groups.len(), 11);
    }

    #[test]
    fn the_congress_elected_its_mayor_and_standing_committee_on_paper() {
        use plenum_domain::{ElectionStage, RoundKind};
        let all = replay();
        let rd = get(&all, CONGRESS);
        assert_eq!(rd.elections.len(), 2);
        // The mayor: one nominee, an equal-number election, elected in one round.
        let mayor = &rd.elections[&1];
        assert_eq!(mayor.stage(), ElectionStage::Completed);
        assert!(mayor.fixed.as_ref().unwrap().equal);
        assert_eq!(mayor.rounds.len(), 1);
        let r = mayor.rounds[0].result.as_ref().unwrap();
        assert_eq!((r.counts[0].yes, r.counts[0].no, r.counts[0].abstain), (412, 9, 5));
        assert_eq!(r.threshold, Some(220));
        assert_eq!(mayor.elected.len(), 1);
        assert_eq!(mayor.elected[0].yes, 412);
        assert!(mayor.elected[0].member.is_some());
        // Every ballot entered twice, by two tellers, and settled.
        let issued = mayor.rounds[0].ballots_issued.unwrap() as usize;
        assert_eq!(mayor.rounds[0].settled(), issued);
        for slot in mayor.rounds[0].paper.values() {
            let tellers: Vec<&str> = slot.entries.iter().map(|(t, _)| t.as_str()).collect();
            assert_eq!(tellers.len(), 2);
            assert!(tellers.contains(&TELLER_1) && tellers.contains(&TELLER_2));
        }
        // The standing committee: 39 candidates for 35 seats (two joint nominations
        // being one of them), 33 elected in the first round, 2 in another round.
        let sc = &rd.elections[&2];
        assert_eq!(sc.stage(), ElectionStage::Completed);
        assert_eq!(sc.fixed.as_ref().unwrap().candidates.len(), 39);
        assert_eq!(sc.nominations.len(), 2);
        assert!(sc.members_only);
        assert_eq!(sc.rounds.len(), 2);
        let r1 = sc.rounds[0].result.as_ref().unwrap();
        assert_eq!(r1.elected.len(), 33);
        assert_eq!(r1.ballots_invalid, 2);
        let next = r1.next_round.as_ref().unwrap();
        assert_eq!((next.kind, next.seats, next.candidates.len()), (RoundKind::AnotherRound, 2, 3));
        assert_eq!(sc.rounds[1].kind, RoundKind::AnotherRound);
        assert_eq!(sc.rounds[1].result.as_ref().unwrap().elected.len(), 2);
        assert_eq!(sc.elected.len(), 35);
        assert!(sc.elected.iter().all(|e| e.member.is_some() && e.yes >= 220));
        // The election item waits for the other elections at the third plenary.
        let s = &rd.sessions[&SessionKey::new(15, 1)];
        assert_eq!(s.agenda[6].state, ItemState::Pending);
    }

    #[test]
    fn the_demo_stays_small_enough_to_seed_at_start() {
        let mut assemblies: BTreeMap<AssemblyId, Assembly> = BTreeMap::new();
        let mut events = 0;
        for step in plan().unwrap() {
            let a = assemblies.entry(step.assembly.clone()).or_default();
            for e in decide(a, &step.command).unwrap() {
                a.apply(&e);
                events += 1;
            }
        }
        assert!(events < 6000, "{events} events");
    }

    #[test]
    fn the_cppcc_has_about_450_members_in_sectors_and_its_leaders() {
        let all = replay();
        let zx = get(&all, CPPCC);
        assert_eq!(zx.members.len(), 450);
        assert!((18..=25).contains(&zx.groups.len()));
        for g in zx.groups.values() {
            assert_eq!(g.kind, GroupKind::Sector);
            assert!(zx.members_of(&g.id).count() > 0);
        }
        assert_eq!(zx.members.keys().next().unwrap().as_str(), "c-0001");
        assert_eq!(zx.holders_of(Post::Chair).count(), 1);
        assert!(zx.holders_of(Post::ViceChair).count() >= 3);
        let s = &zx.sessions[&SessionKey::new(14, 1)];
        assert!(s.agenda_adopted && !s.presidium.is_empty());
        // The resolutions were adopted at the closing plenary.
        assert!(s.agenda.iter().all(|i| i.state == ItemState::Done));
        let ethnic = GroupId::parse("ethnic").unwrap();
        assert!(zx.members_of(&ethnic).all(|m| m.ethnicity != "汉族"));
    }

    #[test]
    fn names_are_unique_and_pinyin_is_plain() {
        let all = replay();
        for a in all.values() {
            let names: BTreeSet<_> = a.members.values().map(|m| &m.name).collect();
            assert_eq!(names.len(), a.members.len(), "duplicate names in {}", a.name);
            for m in a.members.values() {
                assert!(!m.pinyin.is_empty(), "{}", m.name);
                assert!(
                    m.pinyin.bytes().all(|b| b.is_ascii_lowercase() || b == b' '),
                    "{}: {}",
                    m.name,
                    m.pinyin
                );
                // One syllable per character.
                assert_eq!(m.pinyin.split(' ').count(), m.name.chars().count(), "{}", m.name);
                let year = m.birth_year.unwrap();
                assert!((1955..=1990).contains(&year));
                assert!(!m.occupation.is_empty() && !m.occupation.contains("{p}"));
            }
        }
    }

    #[test]
    fn every_character_has_one_reading() {
        let mut seen = BTreeMap::new();
        for (ch, py) in SURNAMES.iter().chain(MALE_GIVEN).chain(FEMALE_GIVEN).chain(NEUTRAL_GIVEN) {
            assert_eq!(ch.chars().count(), 1);
            if let Some(old) = seen.insert(*ch, *py) {
                assert_eq!(old, *py, "{ch}");
            }
        }
    }

    /// The plan with the secret ballots' random parts blanked out.
    fn without_randomness(steps: Vec<DemoStep>) -> Vec<DemoStep> {
        steps
            .into_iter()
            .map(|mut s| {
                s.poll_secret = s.poll_secret.map(|_| String::new());
                match &mut s.command {
                    Command::OpenPoll { public_key: Some(k), .. } => k.clear(),
                    Command::CastSealedBallot { ballot, .. } => ballot.clear(),
                    Command::RegisterTellerKey { key, .. } => key.clear(),
                    Command::SubmitTellerShare { share, .. } => share.clear(),
                    Command::OpenRound { public_key: Some(k), .. } => k.clear(),
                    Command::CastElectionBallot { ballots, slate, .. } => {
                        ballots.clear();
                        *slate = None;
                    }
                    Command::SubmitRoundShare { share, .. } => share.clear(),
                    _ => {}
                }
                s
            })
            .collect()
    }

    #[test]
    fn the_plan_is_deterministic_but_for_encryption() {
        let (a, b) = (build().unwrap(), build().unwrap());
        assert!(a != b, "two builds encrypt with fresh randomness");
        assert!(without_randomness(a) == without_randomness(b));
        assert!(plan().unwrap() == plan().unwrap());
    }

    #[test]
    fn the_cppcc_chair_was_elected_in_a_round_counted_by_its_tellers() {
        let all = replay();
        let zx = get(&all, CPPCC);
        let e = &zx.elections[&1];
        let r = &e.rounds[0];
        assert_eq!(r.mode, RoundMode::Electronic);
        assert_eq!((r.tellers.len(), r.shares.len()), (3, 3));
        assert_eq!(r.state, plenum_domain::RoundState::Counted);
        let chair = zx.holders_of(Post::Chair).next().unwrap().member.clone();
        assert_eq!(e.elected.iter().map(|x| x.member.clone()).collect::<Vec<_>>(), vec![Some(chair)]);
        let res = r.result.as_ref().unwrap();
        assert_eq!(res.ballots_valid as usize, r.sealed.len());
        // The proof is the tellers' shares, in their order.
        let shares: Vec<String> = r.tellers.iter().map(|t| r.shares[t].clone()).collect();
        let totals: Vec<Totals> =
            res.counts.iter().map(|c| Totals { yes: c.yes, no: c.no, abstain: c.abstain }).collect();
        plenum_domain::sealed::verify_round(
            r.public_key.as_deref().unwrap(),
            1,
            1,
            1,
            &r.sealed,
            &totals,
            &shares.join(";"),
        )
        .unwrap();
    }

    #[test]
    fn the_cppcc_resolution_was_counted_by_its_tellers() {
        let all = replay();
        let zx = get(&all, CPPCC);
        let s = &zx.sessions[&SessionKey::new(14, 1)];
        assert_eq!(s.tellers.len(), 3);
        assert!(s.tellers.iter().all(|t| t.key.is_some()));
        let p = &zx.polls[&1];
        assert_eq!(p.mode, VoteMode::Secret);
        assert_eq!(p.tellers.len(), 3);
        assert_eq!(p.shares.len(), 3);
        assert_eq!(p.state, plenum_domain::PollState::Closed);
        let r = p.result.as_ref().unwrap();
        assert_eq!(r.totals.cast() as usize, p.sealed.len());
        assert!(r.adopted, "{}", r.basis);
        // Anyone can check the count against the journal's ciphertexts: the proof is
        // the tellers' shares in the key's order.
        let shares: Vec<String> = p.tellers.iter().map(|t| p.shares[t].clone()).collect();
        plenum_domain::sealed::verify_sum(
            p.public_key.as_deref().unwrap(),
            &p.sealed,
            &r.totals,
            &shares.join(";"),
        )
        .unwrap();
    }

    #[test]
    fn meetings_start_in_january_2022() {
        for step in plan().unwrap() {
            if let Command::ScheduleMeeting { starts_at, .. } = step.command {
                let local = starts_at.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap());
                assert_eq!(local.format("%Y-%m").to_string(), "2022-01");
            }
        }
    }
}
