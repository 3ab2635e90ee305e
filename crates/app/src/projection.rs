//! The read side: every assembly's state as of a journal position, kept in memory
//! and rebuilt at start from the latest snapshot plus the events after it.

use plenum_domain::{Assembly, AssemblyId, Event};
use plenum_journal::RecordedEvent;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// What a command left in the journal; returned again for a retried command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Position of the command's last event.
    pub position: u64,
    pub first_version: u64,
    pub last_version: u64,
    /// True when this receipt answers a retry of a command already recorded.
    #[serde(skip)]
    pub replayed: bool,
}

/// One assembly as the read side holds it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AssemblyView {
    /// Shared with readers: a page takes a reference-counted copy and renders from
    /// it without holding the lock; the projector copies on write.
    pub state: Arc<Assembly>,
    /// Idempotency keys of recorded commands.
    pub receipts: HashMap<String, Receipt>,
    /// Position of the last event of this assembly.
    pub last_position: u64,
}

/// All assemblies, consistent as of `position`: every event up to it is applied,
/// none after it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Projections {
    pub position: u64,
    pub assemblies: BTreeMap<AssemblyId, AssemblyView>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("event {position} in stream {stream} cannot be read: {reason}")]
    Decode { position: u64, stream: String, reason: String },
    #[error("event {position} is out of order: the projection is at {at}")]
    Gap { position: u64, at: u64 },
}

impl Projections {
    /// Applies one recorded event; events must come in position order.
    pub fn apply(&mut self, rec: &RecordedEvent) -> Result<Option<(AssemblyId, Event)>, ProjectionError> {
        self.apply_decoded(rec, None)
    }

    /// Like `apply`, with the event already decoded from `rec` (by the writer that
    /// recorded it), which saves decoding its payload again.
    pub fn apply_decoded(
        &mut self,
        rec: &RecordedEvent,
        decoded: Option<Event>,
    ) -> Result<Option<(AssemblyId, Event)>, ProjectionError> {
        if rec.position <= self.position {
            return Ok(None);
        }
        if rec.position != self.position + 1 {
            return Err(ProjectionError::Gap { position: rec.position, at: self.position });
        }
        let decode_err = |reason: String| ProjectionError::Decode {
            position: rec.position,
            stream: rec.stream.clone(),
            reason,
        };
        let id = AssemblyId::parse(rec.stream.clone()).map_err(|e| decode_err(e.to_string()))?;
        let event = match decoded {
            Some(e) => e,
            None => Event::from_payload(&rec.kind, &rec.payload).map_err(|e| decode_err(e.to_string()))?,
        };
        let view = self.assemblies.entry(id.clone()).or_default();
        Arc::make_mut(&mut view.state).apply(&event);
        view.last_position = rec.position;
        if let Some(key) = &rec.command_id {
            view.receipts
                .entry(key.clone())
                .and_modify(|r| {
                    r.position = rec.position;
                    r.last_version = rec.version;
                })
                .or_insert(Receipt {
                    position: rec.position,
                    first_version: rec.version,
                    last_version: rec.version,
                    replayed: false,
                });
        }
        self.position = rec.position;
        Ok(Some((id, event)))
    }
}

/// Format tag of snapshots; bump it when `Projections` changes shape, and old
/// snapshots are ignored (the journal is replayed instead).
pub const SNAPSHOT_FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct SnapshotData {
    format: u32,
    /// Hash of the event at `projections.position`, so a snapshot never applies to
    /// a journal it was not taken from.
    head_hash: String,
    projections: Projections,
}

#[derive(Serialize)]
struct SnapshotOut<'a> {
    format: u32,
    head_hash: String,
    projections: &'a Projections,
}

pub fn encode_snapshot(p: &Projections, head_hash: &[u8; 32]) -> Result<Vec<u8>, String> {
    let data = SnapshotOut { format: SNAPSHOT_FORMAT, head_hash: hex::encode(head_hash), projections: p };
    let mut out = Vec::new();
    ciborium::into_writer(&data, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Decodes a snapshot; `None` if it is of another format or another journal.
pub fn decode_snapshot(bytes: &[u8], hash_at: impl FnOnce(u64) -> Option<[u8; 32]>) -> Option<Projections> {
    let data: SnapshotData = ciborium::from_reader(bytes).ok()?;
    if data.format != SNAPSHOT_FORMAT {
        return None;
    }
    let expected = hash_at(data.projections.position)?;
    (hex::encode(expected) == data.head_hash).then_some(data.projections)
}
