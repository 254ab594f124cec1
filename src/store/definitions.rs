//! The workflow definitions processes run, kept parsed in memory once read.
//!
//! A stored definition is named by the hash of its content and never changes, so a
//! copy read once is good for as long as the store is open: no invalidation is ever
//! needed. Every process view, drive and retry reads its definition; keeping them
//! parsed saves a query and a JSON parse each time. The cache is bounded: when it is
//! full it starts again empty (definitions are few; a project has tens, not
//! thousands).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::domain::workflow::WorkflowDef;

/// The most definitions kept.
const CAPACITY: usize = 512;

#[derive(Default)]
pub struct Definitions(Mutex<HashMap<String, Arc<WorkflowDef>>>);

impl Definitions {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<WorkflowDef>>> {
        // A panic while the map was held leaves at worst a missing entry.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, hash: &str) -> Option<Arc<WorkflowDef>> {
        self.map().get(hash).cloned()
    }

    pub fn put(&self, hash: &str, def: Arc<WorkflowDef>) {
        let mut map = self.map();
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(hash.to_string(), def);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str) -> Arc<WorkflowDef> {
        let text = format!("name = \"{name}\"\ntarget = \"system\"\nsteps = []\n");
        Arc::new(toml::from_str(&text).expect("a workflow"))
    }

    #[test]
    fn a_definition_is_found_by_its_hash_and_the_cache_stays_bounded() {
        let cache = Definitions::default();
        assert!(cache.get("a").is_none());
        cache.put("a", def("one"));
        assert_eq!(
            cache.get("a").map(|d| d.name.clone()).as_deref(),
            Some("one")
        );
        for i in 0..CAPACITY + 10 {
            cache.put(&format!("h{i}"), def("many"));
        }
        assert!(cache.map().len() <= CAPACITY);
        assert!(cache.get(&format!("h{}", CAPACITY + 9)).is_some());
    }
}
