//! The JSON documents `plenum tally` reads and writes: `{"kind": "election", ...}`
//! or `{"kind": "resolution", ...}`, and the result with the same `kind`.

use crate::{
    Election, ElectionResult, ResolutionCount, ResolutionResult, ResolutionRule, TallyError, count_election,
    decide_resolution,
};
use serde::{Deserialize, Serialize};

/// A resolution vote as counted. `rules` is a preset name or a custom rule object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolutionInput {
    pub rules: ResolutionRule,
    /// All members holding a mandate (members on leave included unless left out).
    pub members: u32,
    pub present: u32,
    pub yes: u32,
    pub no: u32,
    #[serde(default)]
    pub abstain: u32,
    /// The chair's casting vote on a tie, where the rule lets the chair decide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chair_vote: Option<bool>,
}

impl ResolutionInput {
    pub fn count(&self) -> ResolutionCount {
        ResolutionCount {
            members: self.members,
            present: self.present,
            yes: self.yes,
            no: self.no,
            abstain: self.abstain,
        }
    }
}

/// Anything `plenum tally` counts. Deserializing this enum directly gives errors
/// without a JSON path; the command line strips `kind` and deserializes the
/// variant's type with `serde_path_to_error` instead.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TallyInput {
    Election(Election),
    Resolution(ResolutionInput),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ResolutionOutput {
    pub rules: ResolutionRule,
    #[serde(flatten)]
    pub result: ResolutionResult,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TallyOutput {
    Election(ElectionResult),
    Resolution(ResolutionOutput),
}

/// Count whatever the input is.
pub fn tally(input: &TallyInput) -> Result<TallyOutput, TallyError> {
    Ok(match input {
        TallyInput::Election(e) => TallyOutput::Election(count_election(e)?),
        TallyInput::Resolution(r) => TallyOutput::Resolution(ResolutionOutput {
            rules: r.rules.clone(),
            result: decide_resolution(&r.rules, &r.count(), r.chair_vote)?,
        }),
    })
}
