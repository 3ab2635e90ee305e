//! The facts an assembly's journal records. Events are never changed once
//! written: a new shape gets a new variant (or a `#[serde(default)]` field) and the
//! old one keeps loading; the journal fixture test guards this.

use crate::ids::{GroupId, MeetingId, MemberId, SessionKey};
use crate::rules::{
    AssemblyRules, BodyKind, Gender, GroupKind, ItemKind, ItemState, Level, MeetingKind, MemberStatus, Post,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    AssemblyFounded {
        name: String,
        name_en: String,
        kind: BodyKind,
        level: Level,
        population: Option<u64>,
        rules: AssemblyRules,
    },
    TermBegan {
        term: u32,
        starts_on: NaiveDate,
    },
    SessionConvened {
        session: SessionKey,
        title: String,
        title_en: String,
        opens_on: NaiveDate,
    },
    SessionClosed {
        session: SessionKey,
    },
    GroupFormed {
        group: GroupId,
        kind: GroupKind,
        name: String,
        name_en: String,
    },
    MemberRegistered {
        member: MemberId,
        term: u32,
        name: String,
        #[serde(default)]
        pinyin: String,
        gender: Gender,
        birth_year: Option<u16>,
        group: GroupId,
        #[serde(default)]
        ethnicity: String,
        #[serde(default)]
        occupation: String,
        registered_on: NaiveDate,
    },
    MemberProfileAmended {
        member: MemberId,
        #[serde(default)]
        occupation: Option<String>,
        #[serde(default)]
        phone: Option<String>,
        #[serde(default)]
        biography: Option<String>,
    },
    MemberStatusChanged {
        member: MemberId,
        status: MemberStatus,
        reason: String,
        effective_on: NaiveDate,
    },
    MeetingScheduled {
        meeting: MeetingId,
        session: SessionKey,
        kind: MeetingKind,
        #[serde(default)]
        group: Option<GroupId>,
        title: String,
        title_en: String,
        starts_at: DateTime<Utc>,
    },
    MeetingOpened {
        meeting: MeetingId,
    },
    MeetingAdjourned {
        meeting: MeetingId,
    },
    PresidiumElected {
        session: SessionKey,
        meeting: MeetingId,
        members: Vec<MemberId>,
    },
    SecretaryGeneralElected {
        session: SessionKey,
        meeting: MeetingId,
        member: MemberId,
    },
    PostAssigned {
        post: Post,
        member: MemberId,
    },
    PostVacated {
        post: Post,
        member: MemberId,
    },
    AgendaItemProposed {
        session: SessionKey,
        item: u32,
        title: String,
        title_en: String,
        kind: ItemKind,
    },
    AgendaAdopted {
        session: SessionKey,
        meeting: MeetingId,
    },
    AgendaItemMoved {
        session: SessionKey,
        item: u32,
        state: ItemState,
    },
}

impl Event {
    /// The event's type name, as stored in the journal's `type` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::AssemblyFounded { .. } => "AssemblyFounded",
            Event::TermBegan { .. } => "TermBegan",
            Event::SessionConvened { .. } => "SessionConvened",
            Event::SessionClosed { .. } => "SessionClosed",
            Event::GroupFormed { .. } => "GroupFormed",
            Event::MemberRegistered { .. } => "MemberRegistered",
            Event::MemberProfileAmended { .. } => "MemberProfileAmended",
            Event::MemberStatusChanged { .. } => "MemberStatusChanged",
            Event::MeetingScheduled { .. } => "MeetingScheduled",
            Event::MeetingOpened { .. } => "MeetingOpened",
            Event::MeetingAdjourned { .. } => "MeetingAdjourned",
            Event::PresidiumElected { .. } => "PresidiumElected",
            Event::SecretaryGeneralElected { .. } => "SecretaryGeneralElected",
            Event::PostAssigned { .. } => "PostAssigned",
            Event::PostVacated { .. } => "PostVacated",
            Event::AgendaItemProposed { .. } => "AgendaItemProposed",
            Event::AgendaAdopted { .. } => "AgendaAdopted",
            Event::AgendaItemMoved { .. } => "AgendaItemMoved",
        }
    }

    /// The payload stored beside the type: the event's data as JSON.
    pub fn to_payload(&self) -> Result<(&'static str, String), serde_json::Error> {
        let value = serde_json::to_value(self)?;
        let data = value.get("data").unwrap_or(&serde_json::Value::Null);
        Ok((self.kind(), serde_json::to_string(data)?))
    }

    /// Rebuilds an event from its stored type and payload.
    pub fn from_payload(kind: &str, payload: &str) -> Result<Self, serde_json::Error> {
        // One parse: splice the stored parts back into the tagged form.
        let mut s = String::with_capacity(payload.len() + kind.len() + 20);
        s.push_str("{\"type\":");
        s.push_str(&serde_json::to_string(kind)?);
        s.push_str(",\"data\":");
        s.push_str(payload);
        s.push('}');
        serde_json::from_str(&s)
    }
}
