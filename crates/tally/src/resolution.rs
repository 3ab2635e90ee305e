//! Whether a resolution (or any yes/no question) is adopted, from the counts of a
//! vote and the assembly's rule. Used by `plenum tally` and by live polls.
//!
//! All arithmetic is on integers: "more than half of 440" is 221 yes votes, "at
//! least two thirds of 300" is 200, "more than p/q of b" is the smallest y with
//! y·q > p·b. A resolution is never adopted without at least one yes vote.

use crate::TallyError;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Statute and manual citations used in `basis` texts.
pub mod source {
    /// Organic Law of Local People's Congresses and Governments (2022), art. 25:
    /// 地方各级人民代表大会进行选举和通过决议，以全体代表的过半数通过。
    pub const OL_25: &str = "OL art. 25";
    /// Robert's Rules of Order Newly Revised. Paragraph numbers are left out on
    /// purpose: they differ between editions and were not checked here.
    pub const RONR_MAJORITY: &str = "Robert's Rules of Order: majority vote";
    pub const RONR_TWO_THIRDS: &str = "Robert's Rules of Order: two-thirds vote";
    pub const RONR_CHAIR: &str = "Robert's Rules of Order: the chair may vote to break a tie";
}

/// What the threshold is a fraction of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// All members holding a mandate (People's Congress: 全体代表, OL art. 25).
    AllMembers,
    /// The members present (checked in) when the vote is taken.
    MembersPresent,
    /// Yes + no + abstain: an abstention works like a no.
    VotesCast,
    /// Yes + no: abstentions do not count (Robert's Rules).
    VotesCastExcludingAbstentions,
}

/// How much of the base must vote yes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "ThresholdRepr", into = "ThresholdRepr")]
pub enum Threshold {
    MoreThanHalf,
    AtLeastTwoThirds,
    AtLeastThreeFifths,
    /// More than `numerator / denominator` of the base (0 ≤ numerator < denominator).
    MoreThan {
        numerator: u32,
        denominator: u32,
    },
}

/// The JSON form: `"more_than_half"`, ..., or `{"more_than": [p, q]}`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ThresholdRepr {
    MoreThanHalf,
    AtLeastTwoThirds,
    AtLeastThreeFifths,
    MoreThan(u32, u32),
}

impl TryFrom<ThresholdRepr> for Threshold {
    type Error = String;
    fn try_from(r: ThresholdRepr) -> Result<Self, String> {
        let t = match r {
            ThresholdRepr::MoreThanHalf => Threshold::MoreThanHalf,
            ThresholdRepr::AtLeastTwoThirds => Threshold::AtLeastTwoThirds,
            ThresholdRepr::AtLeastThreeFifths => Threshold::AtLeastThreeFifths,
            ThresholdRepr::MoreThan(numerator, denominator) => Threshold::MoreThan { numerator, denominator },
        };
        t.check()?;
        Ok(t)
    }
}

impl From<Threshold> for ThresholdRepr {
    fn from(t: Threshold) -> Self {
        match t {
            Threshold::MoreThanHalf => ThresholdRepr::MoreThanHalf,
            Threshold::AtLeastTwoThirds => ThresholdRepr::AtLeastTwoThirds,
            Threshold::AtLeastThreeFifths => ThresholdRepr::AtLeastThreeFifths,
            Threshold::MoreThan { numerator, denominator } => ThresholdRepr::MoreThan(numerator, denominator),
        }
    }
}

impl Threshold {
    fn check(self) -> Result<(), String> {
        match self {
            Threshold::MoreThan { numerator, denominator }
                if denominator == 0 || numerator >= denominator =>
            {
                Err(format!(
                    "more_than [{numerator}, {denominator}] is not a fraction below one: \
                     need 0 <= numerator < denominator"
                ))
            }
            _ => Ok(()),
        }
    }

    /// The smallest number of yes votes that meets the threshold for `base`
    /// (before the one-yes-vote minimum).
    pub fn required(self, base: u64) -> u64 {
        match self {
            Threshold::MoreThanHalf => base / 2 + 1,
            Threshold::AtLeastTwoThirds => (2 * base).div_ceil(3),
            Threshold::AtLeastThreeFifths => (3 * base).div_ceil(5),
            Threshold::MoreThan { numerator, denominator } => {
                u64::from(numerator) * base / u64::from(denominator).max(1) + 1
            }
        }
    }

    fn phrase(self) -> String {
        match self {
            Threshold::MoreThanHalf => "more than half".into(),
            Threshold::AtLeastTwoThirds => "at least two thirds".into(),
            Threshold::AtLeastThreeFifths => "at least three fifths".into(),
            Threshold::MoreThan { numerator, denominator } => format!("more than {numerator}/{denominator}"),
        }
    }
}

/// What happens when yes equals no under a base that compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TieRule {
    /// A tie is not a majority: the resolution is lost.
    #[default]
    Fails,
    /// The chair may give a casting vote (Robert's Rules); without it the
    /// resolution is lost.
    ChairDecides,
}

/// An assembly's rule for adopting a resolution. `name` is the preset's name or
/// `"custom"`.
///
/// In JSON a rule is either a preset name (`"cn-people-congress"`) or an object
/// `{"base": ..., "threshold": ..., "ties": ...}` (`ties` defaults to `"fails"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResolutionRule {
    pub base: Base,
    pub threshold: Threshold,
    pub ties: TieRule,
    pub name: String,
}

/// The preset names `ResolutionRule::preset` knows.
pub const RESOLUTION_PRESETS: [&str; 3] = ["cn-people-congress", "roberts-rules", "roberts-rules-two-thirds"];

impl ResolutionRule {
    /// A named preset:
    /// - `cn-people-congress`: more than half of all members (OL art. 25); a tie fails;
    /// - `roberts-rules`: more than half of the votes cast excluding abstentions;
    ///   the chair may break a tie;
    /// - `roberts-rules-two-thirds`: at least two thirds of the votes cast excluding
    ///   abstentions.
    pub fn preset(name: &str) -> Option<Self> {
        let (base, threshold, ties) = match name {
            "cn-people-congress" => (Base::AllMembers, Threshold::MoreThanHalf, TieRule::Fails),
            "roberts-rules" => {
                (Base::VotesCastExcludingAbstentions, Threshold::MoreThanHalf, TieRule::ChairDecides)
            }
            "roberts-rules-two-thirds" => {
                (Base::VotesCastExcludingAbstentions, Threshold::AtLeastTwoThirds, TieRule::ChairDecides)
            }
            _ => return None,
        };
        Some(Self { base, threshold, ties, name: name.to_owned() })
    }

    /// A rule that is not a preset.
    pub fn custom(base: Base, threshold: Threshold, ties: TieRule) -> Self {
        Self { base, threshold, ties, name: "custom".to_owned() }
    }

    /// The preset this rule is, unchanged; `None` for custom or edited rules.
    fn as_preset(&self) -> Option<&'static str> {
        RESOLUTION_PRESETS.into_iter().find(|p| Self::preset(p).as_ref() == Some(self))
    }

    fn citation(&self) -> Option<&'static str> {
        match self.as_preset()? {
            "cn-people-congress" => Some(source::OL_25),
            "roberts-rules" => Some(source::RONR_MAJORITY),
            _ => Some(source::RONR_TWO_THIRDS),
        }
    }

    fn noun(&self) -> &'static str {
        if self.as_preset() == Some("cn-people-congress") { "deputies" } else { "members" }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomRule {
    base: Base,
    threshold: Threshold,
    #[serde(default)]
    ties: TieRule,
}

#[derive(Serialize)]
struct CustomRuleOut {
    base: Base,
    threshold: Threshold,
    ties: TieRule,
}

impl Serialize for ResolutionRule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.as_preset() {
            Some(name) => s.serialize_str(name),
            None => {
                CustomRuleOut { base: self.base, threshold: self.threshold, ties: self.ties }.serialize(s)
            }
        }
    }
}

impl<'de> Deserialize<'de> for ResolutionRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RuleVisitor;
        impl<'de> Visitor<'de> for RuleVisitor {
            type Value = ResolutionRule;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(
                    f,
                    "a preset name ({}) or an object {{\"base\", \"threshold\", \"ties\"}}",
                    RESOLUTION_PRESETS.map(|p| format!("\"{p}\"")).join(", ")
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ResolutionRule, E> {
                ResolutionRule::preset(v).ok_or_else(|| {
                    E::custom(format!(
                        "unknown preset \"{v}\"; known: {}, or a custom rule object",
                        RESOLUTION_PRESETS.join(", ")
                    ))
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ResolutionRule, A::Error> {
                let c = CustomRule::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ResolutionRule::custom(c.base, c.threshold, c.ties))
            }
        }
        d.deserialize_any(RuleVisitor)
    }
}

/// The counts of one vote. `members` is all members holding a mandate: members on
/// leave are included unless the caller leaves them out (the People's Congress
/// base, 全体代表, includes them). `present` is the members checked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct ResolutionCount {
    pub members: u32,
    pub present: u32,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
}

impl ResolutionCount {
    /// yes + no + abstain <= present <= members, and at least one member.
    pub fn validate(&self) -> Result<(), TallyError> {
        if self.members == 0 {
            return Err(TallyError::new("members", "an assembly has at least one member"));
        }
        if self.present > self.members {
            return Err(TallyError::new(
                "present",
                format!(
                    "{} members present, but the assembly has only {} members",
                    self.present, self.members
                ),
            ));
        }
        let cast = self.cast();
        if cast > u64::from(self.present) {
            return Err(TallyError::new(
                "present",
                format!(
                    "{} members present, fewer than the {cast} votes cast (yes {} + no {} + abstain {})",
                    self.present, self.yes, self.no, self.abstain
                ),
            ));
        }
        Ok(())
    }

    fn cast(&self) -> u64 {
        u64::from(self.yes) + u64::from(self.no) + u64::from(self.abstain)
    }
}

/// Whether the resolution passed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResolutionResult {
    pub adopted: bool,
    /// The minimum number of yes votes to pass (with the chair's casting vote
    /// counted, when one decided).
    pub required: u32,
    /// The number the threshold is a fraction of.
    pub base: u32,
    /// yes == no (and at least one each) under `VotesCastExcludingAbstentions`,
    /// the one base that compares yes with no.
    pub tie: bool,
    pub basis: String,
}

/// Decide a resolution. `chair_vote` is the chair's casting vote, used only when the
/// rule lets the chair decide and the count is a tie that would otherwise fail;
/// with `None` then, the result says the chair must decide (not adopted).
pub fn decide_resolution(
    rule: &ResolutionRule,
    count: &ResolutionCount,
    chair_vote: Option<bool>,
) -> Result<ResolutionResult, TallyError> {
    rule.threshold.check().map_err(|m| TallyError::new("rules.threshold", m))?;
    count.validate()?;
    let (yes, no, abstain) = (u64::from(count.yes), u64::from(count.no), u64::from(count.abstain));
    let base = match rule.base {
        Base::AllMembers => u64::from(count.members),
        Base::MembersPresent => u64::from(count.present),
        Base::VotesCast => yes + no + abstain,
        Base::VotesCastExcludingAbstentions => yes + no,
    };
    let tie = rule.base == Base::VotesCastExcludingAbstentions && yes == no && yes > 0;
    let cite = rule.citation().map(|c| format!(" ({c})")).unwrap_or_default();
    let needs = |base: u64| -> (u64, String) {
        let raw = rule.threshold.required(base);
        let required = raw.max(1);
        let minimum = if raw == 0 { " (a resolution needs at least one yes vote)" } else { "" };
        let of = base_phrase(rule, base);
        (required, format!("needs {} of {of} = {required}{minimum}{cite}", rule.threshold.phrase()))
    };
    let (required, needs_text) = needs(base);
    let adopted = yes >= required;
    if tie && !adopted && rule.ties == TieRule::ChairDecides {
        let chair = source::RONR_CHAIR;
        return Ok(match chair_vote {
            None => ResolutionResult {
                adopted: false,
                required: clamp(required),
                base: clamp(base),
                tie: true,
                basis: format!(
                    "tie: {yes} yes, {no} no; the chair must decide with a casting vote, \
                     otherwise the resolution is lost ({chair})"
                ),
            },
            Some(chair_yes) => {
                let yes_after = yes + u64::from(chair_yes);
                let (required, needs_text) = needs(base + 1);
                let adopted = yes_after >= required;
                let verdict = if adopted { "adopted" } else { "rejected" };
                let vote = if chair_yes { "yes" } else { "no" };
                ResolutionResult {
                    adopted,
                    required: clamp(required),
                    base: clamp(base + 1),
                    tie: true,
                    basis: format!(
                        "{verdict}: tie {yes} to {no} decided by the chair's casting vote {vote} ({chair}); \
                         {yes_after} yes, {needs_text}"
                    ),
                }
            }
        });
    }
    let verdict = if adopted { "adopted" } else { "rejected" };
    let tie_note = if tie { format!(" (a tie, {yes} to {no}, is not a majority)") } else { String::new() };
    Ok(ResolutionResult {
        adopted,
        required: clamp(required),
        base: clamp(base),
        tie,
        basis: format!("{verdict}: {yes} yes{tie_note}, {needs_text}"),
    })
}

fn clamp(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn base_phrase(rule: &ResolutionRule, base: u64) -> String {
    let noun = rule.noun();
    match rule.base {
        Base::AllMembers => format!("all {base} {noun}"),
        Base::MembersPresent => format!("the {base} {noun} present"),
        Base::VotesCast => format!("the {base} votes cast (abstentions included)"),
        Base::VotesCastExcludingAbstentions => format!("the {base} votes cast (yes + no)"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn required_is_exact() {
        assert_eq!(Threshold::MoreThanHalf.required(440), 221);
        assert_eq!(Threshold::MoreThanHalf.required(441), 221);
        assert_eq!(Threshold::AtLeastTwoThirds.required(300), 200);
        assert_eq!(Threshold::AtLeastTwoThirds.required(301), 201);
        assert_eq!(Threshold::AtLeastThreeFifths.required(100), 60);
        assert_eq!(Threshold::AtLeastThreeFifths.required(101), 61);
        // more than 2/3 of 300: y*3 > 600 -> 201
        assert_eq!(Threshold::MoreThan { numerator: 2, denominator: 3 }.required(300), 201);
        assert_eq!(Threshold::MoreThan { numerator: 3, denominator: 4 }.required(10), 8);
        assert_eq!(Threshold::AtLeastTwoThirds.required(0), 0);
    }

    #[test]
    fn rule_json_round_trips() {
        for p in RESOLUTION_PRESETS {
            let r = ResolutionRule::preset(p).unwrap();
            let j = serde_json::to_value(&r).unwrap();
            assert_eq!(j, serde_json::json!(p));
            assert_eq!(serde_json::from_value::<ResolutionRule>(j).unwrap(), r);
        }
        let c = ResolutionRule::custom(
            Base::MembersPresent,
            Threshold::MoreThan { numerator: 3, denominator: 4 },
            TieRule::ChairDecides,
        );
        let j = serde_json::to_value(&c).unwrap();
        assert_eq!(
            j,
            serde_json::json!({"base": "members_present", "threshold": {"more_than": [3, 4]}, "ties": "chair_decides"})
        );
        assert_eq!(serde_json::from_value::<ResolutionRule>(j).unwrap(), c);
        // An edited preset is custom.
        let mut edited = ResolutionRule::preset("cn-people-congress").unwrap();
        edited.base = Base::MembersPresent;
        assert!(serde_json::to_value(&edited).unwrap().is_object());
    }

    #[test]
    fn bad_fraction_is_refused() {
        let e = serde_json::from_value::<ResolutionRule>(
            serde_json::json!({"base": "votes_cast", "threshold": {"more_than": [3, 3]}}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("numerator < denominator"), "{e}");
        let rule = ResolutionRule::custom(
            Base::VotesCast,
            Threshold::MoreThan { numerator: 1, denominator: 0 },
            TieRule::Fails,
        );
        let count = ResolutionCount { members: 3, present: 3, yes: 3, no: 0, abstain: 0 };
        assert_eq!(decide_resolution(&rule, &count, None).unwrap_err().path, "rules.threshold");
    }
}
