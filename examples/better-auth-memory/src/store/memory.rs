//! In memory, for prototyping: nothing is written anywhere, and everything is lost when the
//! process stops (it says so at start). Each owner's items are kept apart, so an operation only
//! ever looks inside the caller's own.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::sync::RwLock;
use uuid::Uuid;

use super::Bookmark;
use super::{Cursor, Page, SortKey, StoreError};

/// Every resource's items, under one lock: a change that spans resources (deleting a
/// bookmark and what nests under it) is seen whole or not at all.
#[derive(Default)]
pub(super) struct Tables {
    /// The last insertion number handed out; the cursor of paginated lists.
    pub last_seq: i64,
    pub bookmarks: Table<Bookmark>,
}

impl Tables {
    /// The next insertion number.
    pub fn next_seq(&mut self) -> i64 {
        self.last_seq += 1;
        self.last_seq
    }
}

/// The items of one resource: owner → insertion number → item, and owner → id → insertion
/// number.
pub(super) struct Table<T> {
    owners: HashMap<String, BTreeMap<i64, T>>,
    ids: HashMap<String, HashMap<Uuid, i64>>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self {
            owners: HashMap::new(),
            ids: HashMap::new(),
        }
    }
}

impl<T: Clone> Table<T> {
    pub fn insert(&mut self, owner: &str, id: Uuid, seq: i64, item: T) {
        self.ids
            .entry(owner.to_owned())
            .or_default()
            .insert(id, seq);
        self.owners
            .entry(owner.to_owned())
            .or_default()
            .insert(seq, item);
    }

    pub fn get(&self, owner: &str, id: Uuid) -> Option<&T> {
        let seq = self.ids.get(owner)?.get(&id)?;
        self.owners.get(owner)?.get(seq)
    }

    pub fn get_mut(&mut self, owner: &str, id: Uuid) -> Option<&mut T> {
        let seq = self.ids.get(owner)?.get(&id)?;
        self.owners.get_mut(owner)?.get_mut(seq)
    }

    pub fn remove(&mut self, owner: &str, id: Uuid) -> Option<T> {
        let seq = self.ids.get_mut(owner)?.remove(&id)?;
        self.owners.get_mut(owner)?.remove(&seq)
    }

    /// Up to `limit` items of `owner` that `keep` keeps, after `after`, by insertion or by
    /// `key` (nulls last, ties by insertion).
    pub fn page<K: Fn(&T) -> Option<SortKey>>(
        &self,
        owner: &str,
        keep: impl Fn(&T) -> bool,
        key: Option<(K, bool)>,
        after: Option<&Cursor>,
        limit: u32,
    ) -> Page<T> {
        let Some(items) = self.owners.get(owner) else {
            return Page {
                items: Vec::new(),
                next: None,
            };
        };
        let limit = limit as usize;
        let Some((key, descending)) = key else {
            let start = after.map_or(0, |cursor| cursor.seq).saturating_add(1);
            let mut page: Vec<(i64, &T)> = items
                .range(start..)
                .map(|(seq, item)| (*seq, item))
                .filter(|(_, item)| keep(item))
                .take(limit + 1)
                .collect();
            let next = (page.len() > limit).then(|| {
                page.truncate(limit);
                Cursor {
                    seq: page.last().map_or(0, |(seq, _)| *seq),
                    key: None,
                }
            });
            return Page {
                items: page.into_iter().map(|(_, item)| item.clone()).collect(),
                next,
            };
        };
        let order = |a: &(Option<SortKey>, i64), b: &(Option<SortKey>, i64)| {
            let by_key = match (&a.0, &b.0) {
                (Some(x), Some(y)) if descending => y.cmp(x),
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            by_key.then(a.1.cmp(&b.1))
        };
        let start = after.map(|cursor| (cursor.key.flatten(), cursor.seq));
        let mut page: Vec<((Option<SortKey>, i64), &T)> = items
            .iter()
            .filter(|(_, item)| keep(item))
            .map(|(seq, item)| ((key(item), *seq), item))
            .filter(|(position, _)| {
                start
                    .as_ref()
                    .is_none_or(|start| order(position, start) == Ordering::Greater)
            })
            .collect();
        page.sort_by(|a, b| order(&a.0, &b.0));
        let next = (page.len() > limit).then(|| {
            page.truncate(limit);
            let ((key, seq), _) = page.last().expect("a full page is not empty");
            Cursor {
                seq: *seq,
                key: Some(*key),
            }
        });
        Page {
            items: page.into_iter().map(|(_, item)| item.clone()).collect(),
            next,
        }
    }
}

#[derive(Clone)]
pub struct Store {
    tables: Arc<RwLock<Tables>>,
}

impl Store {
    /// An empty store, and a warning that it will not outlive the process.
    pub fn open() -> Self {
        tracing::warn!(
            "STORAGE IS IN MEMORY: everything is lost when this process stops, and replicas do \
             not share data. This project was generated with `--storage memory` for \
             prototyping; generate it with `--storage sqlite` or `--storage postgres` to keep \
             data"
        );
        Self {
            tables: Arc::default(),
        }
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    pub(super) async fn read(&self) -> tokio::sync::RwLockReadGuard<'_, Tables> {
        self.tables.read().await
    }

    pub(super) async fn write(&self) -> tokio::sync::RwLockWriteGuard<'_, Tables> {
        self.tables.write().await
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Mutex;

    use super::*;

    /// A log sink the test can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn opening_warns_that_data_is_lost() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, Store::open);
        let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(logs.contains("WARN"), "{logs}");
        assert!(logs.contains("STORAGE IS IN MEMORY"), "{logs}");
        assert!(logs.contains("lost when this process stops"), "{logs}");
    }
}
