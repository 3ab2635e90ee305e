//! The hash chain: each event's SHA-256 covers every stored field and the previous
//! event's hash. Fields are length-prefixed so no two events encode alike.

use crate::RecordedEvent;
use sha2::{Digest, Sha256};

/// The "previous hash" of the first event.
pub const GENESIS: [u8; 32] = [0; 32];

fn put(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

pub fn event_hash(prev: &[u8; 32], e: &RecordedEvent) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"plenum-journal-v1");
    h.update(prev);
    h.update(e.position.to_be_bytes());
    put(&mut h, e.stream.as_bytes());
    h.update(e.version.to_be_bytes());
    put(&mut h, e.kind.as_bytes());
    put(&mut h, e.payload.as_bytes());
    put(&mut h, e.actor.as_bytes());
    h.update(e.recorded_at.to_be_bytes());
    match &e.command_id {
        Some(c) => {
            h.update([1]);
            put(&mut h, c.as_bytes());
        }
        None => h.update([0]),
    }
    h.finalize().into()
}
