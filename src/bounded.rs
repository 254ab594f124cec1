//! A map of a bounded number of entries that starts again empty when it is full.
//!
//! orch keeps a few things in memory that are cheap to read again and few in the
//! usual case: parsed workflow definitions, rendered views of processes at rest. Such
//! a cache needs a bound, so that a long-running server cannot grow without end, but
//! not an eviction order: forgetting everything once in a while costs one read per
//! entry, and there is no bookkeeping on the path that hits.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

pub struct Bounded<V> {
    map: Mutex<HashMap<String, V>>,
    capacity: usize,
}

impl<V: Clone> Bounded<V> {
    pub fn new(capacity: usize) -> Self {
        Bounded {
            map: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn map(&self) -> MutexGuard<'_, HashMap<String, V>> {
        // A panic while the map was held leaves at worst a missing entry.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, key: &str) -> Option<V> {
        self.map().get(key).cloned()
    }

    pub fn put(&self, key: &str, value: V) {
        let mut map = self.map();
        if map.len() >= self.capacity && !map.contains_key(key) {
            map.clear();
        }
        map.insert(key.to_string(), value);
    }

    pub fn remove(&self, key: &str) {
        self.map().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_found_by_its_key_and_the_map_stays_bounded() {
        let map = Bounded::new(8);
        assert_eq!(map.get("a"), None);
        map.put("a", 1);
        assert_eq!(map.get("a"), Some(1));
        map.put("a", 2);
        assert_eq!((map.get("a"), map.map().len()), (Some(2), 1));
        for i in 0..20 {
            map.put(&format!("k{i}"), i);
            assert!(map.map().len() <= 8);
        }
        assert_eq!(map.get("k19"), Some(19));
        map.remove("k19");
        assert_eq!(map.get("k19"), None);
    }
}
