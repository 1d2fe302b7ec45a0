//! A read cache that stays exact across processes.
//!
//! Entries are tagged with the store's change marker (see
//! [`super::Store::change_marker`]). A lookup with a marker other than the
//! one the entries were loaded under empties the cache first, so any commit,
//! by this process or another, invalidates every entry. Callers read the
//! marker before they load from the store: a commit that lands during the
//! load changes the marker, and the entry is dropped at the next lookup.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Mutex;

/// One reading of a store's change marker (see
/// [`super::Store::change_marker`]). It names the watcher that took the
/// reading, so two readings compare equal only when they come from the same
/// watcher and no commit happened between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChangeMarker {
    source: u64,
    version: u64,
}

impl ChangeMarker {
    /// Creates a reading of `version` by the watcher with the process-unique
    /// id `source`.
    pub fn new(source: u64, version: u64) -> Self {
        ChangeMarker { source, version }
    }

    /// Returns the id of the watcher that took the reading.
    pub fn source(&self) -> u64 {
        self.source
    }
}

/// Entries above this count empty the cache before the next insert, which
/// bounds memory without tracking use.
const DEFAULT_CAPACITY: usize = 50_000;

struct Entries<K, V> {
    marker: Option<ChangeMarker>,
    map: HashMap<K, V>,
}

/// Values keyed by `K`, valid while the store's change marker stays the same.
pub struct MarkedCache<K, V> {
    entries: Mutex<Entries<K, V>>,
    capacity: usize,
}

impl<K, V> Default for MarkedCache<K, V> {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl<K, V> std::fmt::Debug for MarkedCache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MarkedCache").finish_non_exhaustive()
    }
}

impl<K, V> MarkedCache<K, V> {
    pub fn with_capacity(capacity: usize) -> Self {
        MarkedCache {
            entries: Mutex::new(Entries {
                marker: None,
                map: HashMap::new(),
            }),
            capacity,
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> MarkedCache<K, V> {
    /// Returns the entry for `key` if it was loaded under `marker`.
    pub fn get(&self, marker: ChangeMarker, key: &K) -> Option<V> {
        let mut entries = self.lock();
        if entries.marker != Some(marker) {
            entries.map.clear();
            entries.marker = Some(marker);
            return None;
        }
        entries.map.get(key).cloned()
    }

    /// Stores a value loaded after `marker` was read. The value is dropped
    /// when the cache has moved on to another marker meanwhile.
    pub fn insert(&self, marker: ChangeMarker, key: K, value: V) {
        let mut entries = self.lock();
        if entries.marker.is_some_and(|current| current != marker) {
            return;
        }
        if entries.map.len() >= self.capacity {
            entries.map.clear();
        }
        entries.marker = Some(marker);
        entries.map.insert(key, value);
    }

    /// Returns the cached value for `key`, or loads and caches it. Without a
    /// marker the store cannot report changes, so the value is loaded and
    /// not cached.
    pub async fn get_or_load<E, F, Fut>(
        &self,
        marker: Option<ChangeMarker>,
        key: K,
        load: F,
    ) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let Some(marker) = marker else {
            return load().await;
        };
        if let Some(value) = self.get(marker, &key) {
            return Ok(value);
        }
        let value = load().await?;
        self.insert(marker, key, value.clone());
        Ok(value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<K, V>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::{ChangeMarker, MarkedCache};

    fn marker(version: u64) -> ChangeMarker {
        ChangeMarker::new(1, version)
    }

    #[test]
    fn entry_is_returned_under_the_same_marker() {
        let cache = MarkedCache::default();
        cache.insert(marker(7), "a", 1);
        assert_eq!(cache.get(marker(7), &"a"), Some(1));
    }

    #[test]
    fn new_marker_drops_every_entry() {
        let cache = MarkedCache::default();
        cache.insert(marker(7), "a", 1);
        assert_eq!(cache.get(marker(8), &"a"), None);
        assert_eq!(cache.get(marker(7), &"a"), None, "the old marker does not bring entries back");
    }

    #[test]
    fn stale_marker_value_is_dropped() {
        let cache = MarkedCache::default();
        assert_eq!(cache.get(marker(8), &"a"), None);
        cache.insert(marker(7), "a", 1);
        assert_eq!(cache.get(marker(8), &"a"), None);
    }

    #[test]
    fn marker_from_another_watcher_drops_every_entry() {
        let cache = MarkedCache::default();
        cache.insert(ChangeMarker::new(1, 7), "a", 1);
        assert_eq!(cache.get(ChangeMarker::new(2, 7), &"a"), None);
    }

    #[test]
    fn full_cache_is_emptied_before_an_insert() {
        let cache = MarkedCache::with_capacity(2);
        cache.insert(marker(1), "a", 1);
        cache.insert(marker(1), "b", 2);
        cache.insert(marker(1), "c", 3);
        assert_eq!(cache.get(marker(1), &"a"), None);
        assert_eq!(cache.get(marker(1), &"c"), Some(3));
    }

    #[tokio::test]
    async fn store_without_marker_loads_every_time() {
        let cache: MarkedCache<&str, i32> = MarkedCache::default();
        let mut loads = 0;
        for _ in 0..2 {
            let value = cache
                .get_or_load(None, "a", || {
                    loads += 1;
                    async { Ok::<_, ()>(5) }
                })
                .await;
            assert_eq!(value, Ok(5));
        }
        assert_eq!(loads, 2);
    }
}
