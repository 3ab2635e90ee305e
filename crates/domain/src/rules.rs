//! The vocabulary of assemblies and the statute rules that do not belong to one
//! command: deputy quotas, quorum, and the error that names a broken rule.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A command broke a rule. `rule` is a stable code, `source` the statute article
/// (e.g. "OL art. 17"), `field` the input field at fault, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleError {
    pub rule: &'static str,
    pub source: Option<&'static str>,
    pub field: Option<&'static str>,
    pub message: String,
}

impl RuleError {
    /// A rule with a statute source.
    pub fn statute(rule: &'static str, source: &'static str, message: impl Into<String>) -> Self {
        Self { rule, source: Some(source), field: None, message: message.into() }
    }

    /// A rule of Plenum's own model, with no statute behind it.
    pub fn model(rule: &'static str, message: impl Into<String>) -> Self {
        Self { rule, source: None, field: None, message: message.into() }
    }

    pub fn field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source {
            Some(src) => write!(f, "{src}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for RuleError {}

/// Statute abbreviations used in `RuleError::source`.
pub mod source {
    /// Organic Law of Local People's Congresses and Governments (2022).
    pub const OL_14: &str = "OL art. 14";
    pub const OL_17: &str = "OL art. 17";
    /// Electoral Law (2020).
    pub const EL_12: &str = "EL art. 12";
    /// Tellers (监票人) chosen by the deputies check the count.
    pub const EL_43: &str = "EL art. 43";
    /// Deputies Law (2025).
    pub const DL_62: &str = "DL art. 62";
}

/// What kind of body an assembly is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// 人民代表大会
    PeoplesCongress,
    /// 人大常务委员会
    StandingCommittee,
    /// 政协委员会
    CppccCommittee,
    /// A party convention, a university senate, an association...
    Other,
}

/// Administrative level of a People's Congress; it fixes the deputy quota (EL art. 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    National,
    Provincial,
    /// 设区的市、自治州
    CityWithDistricts,
    /// 不设区的市、市辖区、县
    County,
    /// 乡、民族乡、镇
    Township,
    /// Not a state body.
    None,
}

/// The largest number of deputies a People's Congress may have (EL art. 12), or
/// `None` where the statute sets no formula for this level.
pub fn deputy_quota(level: Level, population: u64) -> Option<u64> {
    let (base, per, cap, cap_above) = match level {
        Level::Provincial => (350, 150_000, Some(1000), 0),
        Level::CityWithDistricts => (240, 25_000, Some(650), 10_000_000),
        Level::County => (140, 5_000, Some(450), 1_550_000),
        Level::Township => (45, 1_500, Some(160), 0),
        Level::National | Level::None => return None,
    };
    let total = base + population / per;
    Some(match cap {
        Some(cap) if population > cap_above => total.min(cap),
        _ => total,
    })
}

/// When a meeting may be held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Quorum {
    /// More than two thirds of all members (OL art. 14 for People's Congresses).
    MoreThanTwoThirds,
    /// A majority of all members.
    Majority,
    /// At least this many members present.
    Fixed(u32),
    /// No quorum.
    None,
}

impl Quorum {
    /// Whether `present` out of `members` satisfies the quorum.
    pub fn is_met(self, present: u32, members: u32) -> bool {
        let (p, m) = (u64::from(present), u64::from(members));
        match self {
            Quorum::MoreThanTwoThirds => 3 * p > 2 * m,
            Quorum::Majority => 2 * p > m,
            Quorum::Fixed(n) => present >= n,
            Quorum::None => true,
        }
    }
}

/// The settings that differ between assemblies; People's Congress defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssemblyRules {
    pub quorum: Quorum,
}

impl AssemblyRules {
    pub fn for_kind(kind: BodyKind) -> Self {
        match kind {
            BodyKind::PeoplesCongress | BodyKind::StandingCommittee => {
                Self { quorum: Quorum::MoreThanTwoThirds }
            }
            BodyKind::CppccCommittee | BodyKind::Other => Self { quorum: Quorum::Majority },
        }
    }
}

/// Delegation (代表团) in a congress, or sector (界别) in the CPPCC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    Delegation,
    Sector,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
    Unspecified,
}

/// A member's standing. Resigned, recalled and deceased end the mandate for good
/// (DL art. 62).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Active,
    OnLeave,
    Resigned,
    Recalled,
    Deceased,
}

impl MemberStatus {
    pub fn is_terminal(self) -> bool {
        matches!(self, MemberStatus::Resigned | MemberStatus::Recalled | MemberStatus::Deceased)
    }

    /// Counts towards "all members" (the base of OL arts. 14 and 25).
    pub fn holds_mandate(self) -> bool {
        !self.is_terminal()
    }
}

/// Posts held during a session or a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Post {
    /// 主席团成员, elected by the preparatory meeting (OL art. 17).
    PresidiumMember,
    /// 秘书长, elected by the preparatory meeting (OL art. 17).
    SecretaryGeneral,
    /// 主席 / 主任 of the body.
    Chair,
    /// 副主席 / 副主任.
    ViceChair,
    /// 大会秘书处工作人员.
    SecretariatStaff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// 预备会议
    Preparatory,
    /// 全体会议
    Plenary,
    /// 代表团全体会议 / 小组会议
    Delegation,
    /// 主席团会议
    Presidium,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingState {
    Scheduled,
    InProgress,
    Adjourned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A report to be deliberated and adopted (e.g. 政府工作报告).
    Report,
    Election,
    Resolution,
    Other,
}

/// State of an agenda item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    Pending,
    InProgress,
    Done,
    Deferred,
}

impl ItemState {
    /// The moves the chair may make: pending → in progress → done; pending or in
    /// progress → deferred; deferred → pending.
    pub fn can_move_to(self, to: ItemState) -> bool {
        use ItemState::*;
        matches!(
            (self, to),
            (Pending, InProgress)
                | (InProgress, Done)
                | (Pending, Deferred)
                | (InProgress, Deferred)
                | (Deferred, Pending)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn el_art_12_quota_for_a_city_of_five_million_is_440() {
        assert_eq!(deputy_quota(Level::CityWithDistricts, 5_000_000), Some(440));
        // The cap of 650 applies only above ten million residents.
        assert_eq!(deputy_quota(Level::CityWithDistricts, 10_000_000), Some(640));
        assert_eq!(deputy_quota(Level::CityWithDistricts, 12_000_000), Some(650));
        assert_eq!(deputy_quota(Level::County, 2_000_000), Some(450));
        assert_eq!(deputy_quota(Level::Township, 10_000), Some(51));
        assert_eq!(deputy_quota(Level::None, 10_000), None);
    }

    #[test]
    fn quorum_more_than_two_thirds_is_strict() {
        let q = Quorum::MoreThanTwoThirds;
        assert!(!q.is_met(2, 3));
        assert!(q.is_met(294, 440));
        assert!(!q.is_met(293, 440));
        assert!(Quorum::Majority.is_met(221, 440));
        assert!(!Quorum::Majority.is_met(220, 440));
        assert!(Quorum::Fixed(10).is_met(10, 100));
        assert!(Quorum::None.is_met(0, 100));
    }

    #[test]
    fn agenda_moves() {
        assert!(ItemState::Pending.can_move_to(ItemState::InProgress));
        assert!(!ItemState::Done.can_move_to(ItemState::Pending));
        assert!(!ItemState::Pending.can_move_to(ItemState::Done));
    }
}
