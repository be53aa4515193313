//! A hash index from lead ids to dense numbers, built for the event loops of batch
//! scoring and of the live engine.
//!
//! Every event looks its lead up here, a million leads do not fit in the cache, and
//! with a general-purpose map each lookup costs several cache misses: the control
//! bytes, the bucket, then the key's own heap allocation to compare it. Here an entry
//! is 32 bytes holding the id itself when it has at most 20 bytes (numeric CRM ids,
//! 18-character Salesforce ids, `L0001234`; longer ones such as UUIDs are kept in an
//! overflow area), so a lookup usually reads one cache line. Open addressing with
//! linear probing, at most half full.

use std::hash::BuildHasher;

const INLINE: usize = 20;

#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Entry {
    /// High bits of the id's hash, never 0; 0 marks an empty entry.
    tag: u32,
    value: u32,
    len: u32,
    /// The id when it fits; otherwise its offset in `IdIndex::long` (8 bytes, LE).
    key: [u8; INLINE],
}

/// Ids → values (dense numbers below `u32::MAX`).
#[derive(Clone)]
pub struct IdIndex {
    entries: Vec<Entry>,
    len: usize,
    /// Ids longer than `INLINE`, end to end.
    long: Vec<u8>,
    hasher: foldhash::fast::RandomState,
}

/// An [`IdIndex`]'s hash function, apart from the index.
#[derive(Clone)]
pub struct IdHasher(foldhash::fast::RandomState);

impl IdHasher {
    /// The hash [`IdIndex::hash`] gives `id`.
    pub fn hash(&self, id: &str) -> u64 {
        self.0.hash_one(id.as_bytes())
    }
}

impl std::fmt::Debug for IdIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdIndex").field("len", &self.len).finish()
    }
}

impl Default for IdIndex {
    /// An empty index (grown by [`IdIndex::reserve`] or as ids arrive).
    fn default() -> Self {
        IdIndex {
            entries: vec![Entry::default(); 16],
            len: 0,
            long: Vec::new(),
            hasher: foldhash::fast::RandomState::default(),
        }
    }
}

impl IdIndex {
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// How many entries the table has room for (at most half of them are used).
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.entries.len()
    }

    /// Makes room for `more` ids without growing.
    pub fn reserve(&mut self, more: usize) {
        let needed = ((self.len + more) * 2).next_power_of_two();
        if needed > self.entries.len() {
            self.grow_to(needed);
        }
    }

    pub fn get(&self, id: &str) -> Option<u32> {
        if self.len == 0 {
            return None; // no need to hash
        }
        self.get_hashed(id, self.hash(id))
    }

    /// The hash of an id, for [`IdIndex::prefetch`] and [`IdIndex::get_hashed`].
    pub fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id.as_bytes())
    }

    /// What [`IdIndex::hash`] hashes ids with, for threads that hash ids for this index
    /// while it is changed elsewhere (its hashes do not change as it grows).
    pub fn hasher(&self) -> IdHasher {
        IdHasher(self.hasher.clone())
    }

    /// Starts loading the entry where a lookup of the id with this hash begins.
    pub fn prefetch(&self, hash: u64) {
        crate::prefetch::prefetch(&self.entries[hash as usize & (self.entries.len() - 1)]);
    }

    /// [`IdIndex::get`] for an id whose hash is known.
    pub fn get_hashed(&self, id: &str, hash: u64) -> Option<u32> {
        let tag = tag_of(hash);
        let mask = self.entries.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let entry = &self.entries[at];
            if entry.tag == 0 {
                return None;
            }
            if entry.tag == tag && crate::bytes::same(self.key(entry), id.as_bytes()) {
                return Some(entry.value);
            }
            at = (at + 1) & mask;
        }
    }

    /// The value of `id`, inserting `value` first if `id` is new. The flag says whether
    /// it was inserted.
    pub fn get_or_insert(&mut self, id: &str, value: u32) -> (u32, bool) {
        self.get_or_insert_hashed(id, self.hash(id), value)
    }

    /// [`IdIndex::get_or_insert`] for an id whose hash is known.
    pub fn get_or_insert_hashed(&mut self, id: &str, hash: u64, value: u32) -> (u32, bool) {
        if let Some(existing) = self.get_hashed(id, hash) {
            return (existing, false);
        }
        if (self.len + 1) * 2 > self.entries.len() {
            self.grow();
        }
        let entry = self.entry_for(id.as_bytes(), value);
        self.place(entry, hash);
        self.len += 1;
        (value, true)
    }

    fn entry_for(&mut self, id: &[u8], value: u32) -> Entry {
        let mut key = [0u8; INLINE];
        if id.len() <= INLINE {
            key[..id.len()].copy_from_slice(id);
        } else {
            key[..8].copy_from_slice(&(self.long.len() as u64).to_le_bytes());
            self.long.extend_from_slice(id);
        }
        Entry {
            tag: 0,
            value,
            len: id.len() as u32,
            key,
        }
    }

    /// Puts an entry for a new id in the first free place of its probe sequence.
    fn place(&mut self, mut entry: Entry, hash: u64) {
        entry.tag = tag_of(hash);
        let mask = self.entries.len() - 1;
        let mut at = hash as usize & mask;
        while self.entries[at].tag != 0 {
            at = (at + 1) & mask;
        }
        self.entries[at] = entry;
    }

    fn key<'a>(&'a self, entry: &'a Entry) -> &'a [u8] {
        let len = entry.len as usize;
        if len <= INLINE {
            &entry.key[..len]
        } else {
            let mut offset = [0u8; 8];
            offset.copy_from_slice(&entry.key[..8]);
            let start = u64::from_le_bytes(offset) as usize;
            &self.long[start..start + len]
        }
    }

    fn grow(&mut self) {
        self.grow_to(self.entries.len() * 2);
    }

    /// Moves the entries to a table of `size` entries (a power of two).
    fn grow_to(&mut self, size: usize) {
        let bigger = vec![Entry::default(); size];
        let old = std::mem::replace(&mut self.entries, bigger);
        for entry in old.into_iter().filter(|e| e.tag != 0) {
            let hash = self.hasher.hash_one(self.key(&entry));
            self.place(entry, hash);
        }
    }
}

fn tag_of(hash: u64) -> u32 {
    (hash >> 32) as u32 | 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[test]
    fn short_and_long_ids_round_trip_through_growth() {
        let mut index = IdIndex::default();
        let ids: Vec<String> = (0..5000)
            .map(|i| match i % 3 {
                0 => format!("L{i:07}"),
                1 => format!("0f8fad5b-d9cb-469f-a165-70867728950e-{i}"),
                _ => "x".repeat(i % 40),
            })
            .collect();
        let mut expected = HashMap::new();
        for id in &ids {
            let next = expected.len() as u32;
            let (value, inserted) = index.get_or_insert(id, next);
            assert_eq!(inserted, !expected.contains_key(id));
            assert_eq!(value, *expected.entry(id.clone()).or_insert(next));
        }
        assert_eq!(index.len(), expected.len());
        for (id, value) in &expected {
            assert_eq!(index.get(id), Some(*value));
        }
        assert_eq!(index.get("L9999999"), None);
        assert_eq!(index.get(&"y".repeat(33)), None);
    }

    proptest! {
        #[test]
        fn behaves_like_a_hash_map(ops in proptest::collection::vec(("[a-c]{0,3}|[a-z0-9]{18,24}", any::<bool>()), 0..300)) {
            let mut index = IdIndex::default();
            let mut model: HashMap<String, u32> = HashMap::new();
            for (id, insert) in ops {
                if insert {
                    let next = model.len() as u32;
                    let expected = *model.entry(id.clone()).or_insert(next);
                    prop_assert_eq!(index.get_or_insert(&id, next).0, expected);
                } else {
                    prop_assert_eq!(index.get(&id), model.get(&id).copied());
                }
            }
        }
    }
}
