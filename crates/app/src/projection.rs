//! The read side: every assembly's state as of a journal position, kept in memory
//! and rebuilt at start from the latest snapshot plus the events after it.

use plenum_domain::{Assembly, AssemblyId, Event};
use plenum_journal::RecordedEvent;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
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

/// An event as its writer decided it, and the digest of its command's key: what
/// the projector would otherwise decode and hash again.
pub type Decoded = (Event, Option<KeyDigest>);

/// Number of shards of `Receipts`.
const SHARDS: usize = 256;

/// An idempotency key as the receipts hold it: the SHA-256 digest of the key. A
/// receipts map holds every command ever recorded, so its entries are kept small
/// and flat: a digest is 32 bytes in the table itself, where a key string was a
/// pointer to memory elsewhere, a cache miss at every lookup and an allocation at
/// every copy of a shard. Two keys share a digest only by a SHA-256 collision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyDigest([u8; 32]);

impl KeyDigest {
    pub fn of(key: &str) -> Self {
        use sha2::Digest;
        KeyDigest(sha2::Sha256::digest(key.as_bytes()).into())
    }
}

/// A byte string in the snapshot (CBOR), not an array of 32 numbers.
impl Serialize for KeyDigest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for KeyDigest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Bytes32;
        impl serde::de::Visitor<'_> for Bytes32 {
            type Value = KeyDigest;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a 32-byte key digest")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<KeyDigest, E> {
                v.try_into().map(KeyDigest).map_err(|_| E::invalid_length(v.len(), &self))
            }
        }
        d.deserialize_bytes(Bytes32)
    }
}

type Shard = HashMap<KeyDigest, Receipt, foldhash::fast::RandomState>;

/// Receipts by idempotency key, in shards that are shared (copy on write): a copy of
/// the projections (for a snapshot, or a writer starting) costs a reference count per
/// shard, and a later insert copies only its shard, instead of the whole map being
/// copied at once while the projector waits. The keys come from clients, so the
/// table's hash is seeded at random even though the digests are uniform.
#[derive(Debug, Clone)]
pub struct Receipts {
    hasher: foldhash::fast::RandomState,
    shards: Vec<Arc<Shard>>,
}

impl Default for Receipts {
    fn default() -> Self {
        let hasher = foldhash::fast::RandomState::default();
        let shards = (0..SHARDS).map(|_| Arc::new(Shard::with_hasher(hasher.clone()))).collect();
        Receipts { hasher, shards }
    }
}

impl Receipts {
    fn shard(&self, key: &KeyDigest) -> usize {
        // The high bits: the shard's own table uses the low ones.
        (self.hasher.hash_one(key) >> 56) as usize % SHARDS
    }

    pub fn get(&self, key: &str) -> Option<&Receipt> {
        self.get_digest(&KeyDigest::of(key))
    }

    pub fn get_digest(&self, key: &KeyDigest) -> Option<&Receipt> {
        self.shards[self.shard(key)].get(key)
    }

    pub fn insert(&mut self, key: KeyDigest, receipt: Receipt) {
        let i = self.shard(&key);
        Arc::make_mut(&mut self.shards[i]).insert(key, receipt);
    }

    /// Records an event of the command whose key has the digest `key`, at `position`,
    /// `version` (`record_in`).
    pub fn record_digest(&mut self, key: KeyDigest, position: u64, version: u64) {
        let i = self.shard(&key);
        record_in(Arc::make_mut(&mut self.shards[i]), key, position, version);
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(|s| s.is_empty())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&KeyDigest, &Receipt)> {
        self.shards.iter().flat_map(|s| s.iter())
    }
}

/// Records an event of the command `key` at `position`, `version` in a table: the
/// first event of a command starts its receipt, later ones extend it.
fn record_in(table: &mut Shard, key: KeyDigest, position: u64, version: u64) {
    table
        .entry(key)
        .and_modify(|r| {
            r.position = position;
            r.last_version = version;
        })
        .or_insert(Receipt { position, first_version: version, last_version: version, replayed: false });
}

/// Serialized as one map, as before the shards.
impl Serialize for Receipts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Receipts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let all = HashMap::<KeyDigest, Receipt>::deserialize(d)?;
        let mut r = Receipts::default();
        for (k, v) in all {
            r.insert(k, v);
        }
        Ok(r)
    }
}

/// The receipts of ballots, a table per poll. A retry of a ballot is looked up in
/// its own poll's table, which holds one entry per member who voted and stays in the
/// cache while the poll is open, instead of in the table of every command ever
/// recorded, which grows with every ballot of every poll and costs cache misses at
/// every lookup. Copy on write per poll, as `Receipts` is per shard.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BallotReceipts {
    polls: BTreeMap<u32, Arc<Shard>>,
}

impl BallotReceipts {
    pub fn get_digest(&self, poll: u32, key: &KeyDigest) -> Option<&Receipt> {
        self.polls.get(&poll)?.get(key)
    }

    pub fn insert(&mut self, poll: u32, key: KeyDigest, receipt: Receipt) {
        Arc::make_mut(self.polls.entry(poll).or_default()).insert(key, receipt);
    }

    /// Like `Receipts::record_digest`, in the poll's table.
    pub fn record_digest(&mut self, poll: u32, key: KeyDigest, position: u64, version: u64) {
        record_in(Arc::make_mut(self.polls.entry(poll).or_default()), key, position, version);
    }

    pub fn len(&self) -> usize {
        self.polls.values().map(|s| s.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.polls.values().all(|s| s.is_empty())
    }

    fn get_any(&self, key: &KeyDigest) -> Option<&Receipt> {
        self.polls.values().find_map(|s| s.get(key))
    }
}

/// The poll a ballot command votes in: its receipt is kept in that poll's table
/// (`BallotReceipts`).
pub fn ballot_poll_of_command(command: &plenum_domain::Command) -> Option<u32> {
    use plenum_domain::Command;
    match command {
        Command::CastVote { poll, .. } | Command::CastSealedBallot { poll, .. } => Some(*poll),
        _ => None,
    }
}

/// The poll a ballot event was cast in (the events of `ballot_poll_of_command`).
pub fn ballot_poll_of_event(event: &Event) -> Option<u32> {
    match event {
        Event::VoteCast { poll, .. } | Event::SealedBallotCast { poll, .. } => Some(*poll),
        _ => None,
    }
}

/// One assembly as the read side holds it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AssemblyView {
    /// Shared with readers: a page takes a reference-counted copy and renders from
    /// it without holding the lock; the projector copies on write.
    pub state: Arc<Assembly>,
    /// Idempotency keys of recorded commands, but ballots.
    pub receipts: Receipts,
    /// Idempotency keys of recorded ballots, by poll.
    pub ballots: BallotReceipts,
    /// Position of the last event of this assembly.
    pub last_position: u64,
}

impl AssemblyView {
    /// The receipt of the command whose key has the digest `key`: a ballot's (`poll`
    /// names its poll, `ballot_poll_of_command`) in its poll's table, any other
    /// command's in the shared one.
    pub fn receipt(&self, poll: Option<u32>, key: &KeyDigest) -> Option<&Receipt> {
        match poll {
            Some(poll) => self.ballots.get_digest(poll, key),
            None => self.receipts.get_digest(key),
        }
    }

    /// Keeps a command's receipt, in the table `receipt` looks in.
    pub fn insert_receipt(&mut self, poll: Option<u32>, key: KeyDigest, receipt: Receipt) {
        match poll {
            Some(poll) => self.ballots.insert(poll, key, receipt),
            None => self.receipts.insert(key, receipt),
        }
    }

    /// Records an event of a command in its receipt (`Receipts::record_digest`), in
    /// the table `receipt` looks in.
    pub fn record_receipt(&mut self, poll: Option<u32>, key: KeyDigest, position: u64, version: u64) {
        match poll {
            Some(poll) => self.ballots.record_digest(poll, key, position, version),
            None => self.receipts.record_digest(key, position, version),
        }
    }

    /// Whether a command with the idempotency key `key` is recorded, ballot or not.
    pub fn has_receipt(&self, key: &str) -> bool {
        let d = KeyDigest::of(key);
        self.receipts.get_digest(&d).is_some() || self.ballots.get_any(&d).is_some()
    }
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
    /// recorded it), which saves decoding its payload again, and the digest of its
    /// command's key, which saves hashing the key again.
    pub fn apply_decoded(
        &mut self,
        rec: &RecordedEvent,
        decoded: Option<Decoded>,
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
        let (event, digest) = match decoded {
            Some((e, d)) => (e, d),
            None => {
                (Event::from_payload(&rec.kind, &rec.payload).map_err(|e| decode_err(e.to_string()))?, None)
            }
        };
        // An assembly seen before is found by its name; only a new one is parsed.
        let id = match self.assemblies.get_key_value(rec.stream.as_str()) {
            Some((id, _)) => id.clone(),
            None => AssemblyId::parse(rec.stream.clone()).map_err(|e| decode_err(e.to_string()))?,
        };
        let view = self.assemblies.entry(id.clone()).or_default();
        Arc::make_mut(&mut view.state).apply(&event);
        view.last_position = rec.position;
        if let Some(key) = &rec.command_id {
            let d = digest.unwrap_or_else(|| KeyDigest::of(key));
            view.record_receipt(ballot_poll_of_event(&event), d, rec.position, rec.version);
        }
        self.position = rec.position;
        Ok(Some((id, event)))
    }
}

/// Format tag of snapshots; bump it when `Projections` changes shape, and old
/// snapshots are ignored (the journal is replayed instead). 2: receipts by key digest.
/// 3: ballots' receipts by poll.
pub const SNAPSHOT_FORMAT: u32 = 3;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_record_extend_and_copy_on_write() {
        let mut r = Receipts::default();
        assert!(r.is_empty());
        // A command of two events: the first starts its receipt, the second extends it.
        r.record_digest(KeyDigest::of("cmd-1"), 10, 4);
        r.record_digest(KeyDigest::of("cmd-1"), 11, 5);
        assert_eq!(
            r.get("cmd-1"),
            Some(&Receipt { position: 11, first_version: 4, last_version: 5, replayed: false })
        );
        for i in 0..1000 {
            r.insert(
                KeyDigest::of(&format!("key-{i}")),
                Receipt { position: i, first_version: i, last_version: i, replayed: false },
            );
        }
        assert_eq!(r.len(), 1001);
        // A copy is independent of what is recorded after it.
        let copy = r.clone();
        r.insert(
            KeyDigest::of("later"),
            Receipt { position: 5000, first_version: 1, last_version: 1, replayed: false },
        );
        r.record_digest(KeyDigest::of("key-7"), 6000, 8);
        assert!(r.get("later").is_some() && copy.get("later").is_none());
        assert_eq!(copy.get("key-7").map(|x| x.position), Some(7));
        assert_eq!(r.get("key-7").map(|x| x.position), Some(6000));
        // The keys spread over the shards.
        assert!(r.shards.iter().filter(|s| !s.is_empty()).count() > SHARDS / 2);
    }

    #[test]
    fn receipts_serialize_as_one_map() {
        let mut r = Receipts::default();
        for i in 0..300 {
            r.insert(
                KeyDigest::of(&format!("k{i}")),
                Receipt { position: i, first_version: 1, last_version: 2, replayed: false },
            );
        }
        let mut bytes = Vec::new();
        ciborium::into_writer(&r, &mut bytes).unwrap();
        // One map, keyed by 32-byte strings (not arrays of numbers).
        let plain: ciborium::Value = ciborium::from_reader(&bytes[..]).unwrap();
        let entries = plain.as_map().expect("a map");
        assert_eq!(entries.len(), 300);
        assert!(entries.iter().all(|(k, _)| k.as_bytes().is_some_and(|b| b.len() == 32)));
        let k42 = ciborium::Value::Bytes(KeyDigest::of("k42").0.to_vec());
        let (_, r42) = entries.iter().find(|(k, _)| *k == k42).expect("k42");
        let r42: Receipt = r42.deserialized().unwrap();
        assert_eq!(r42.position, 42);
        let back: Receipts = ciborium::from_reader(&bytes[..]).unwrap();
        assert_eq!(back.len(), 300);
        assert_eq!(back.get("k299").map(|x| x.position), Some(299));
        assert_eq!(back.get("k300"), None);
    }
}
