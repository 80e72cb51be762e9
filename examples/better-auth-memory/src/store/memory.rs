//! In memory, for prototyping: nothing is written anywhere, and everything is lost when the
//! process stops (it says so at start). Each owner's bookmarks are kept apart,
//! so an operation only ever looks inside the caller's own.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::RwLock;
use uuid::Uuid;

use super::{Page, StoreError};

use super::{Bookmark, BookmarkChanges};

#[derive(Default)]
struct Data {
    /// The last insertion number handed out; the cursor of paginated lists.
    last_seq: i64,
    /// Owner → their bookmarks by insertion number.
    owners: HashMap<String, BTreeMap<i64, Bookmark>>,
    /// Owner → id → insertion number.
    ids: HashMap<String, HashMap<Uuid, i64>>,
}

impl Data {
    fn find(&mut self, owner: &str, id: Uuid) -> Option<&mut Bookmark> {
        let seq = *self.ids.get(owner)?.get(&id)?;
        self.owners.get_mut(owner)?.get_mut(&seq)
    }
}

#[derive(Clone)]
pub struct Store {
    data: Arc<RwLock<Data>>,
}

impl Store {
    /// An empty store, and a warning that it will not outlive the process.
    pub fn open() -> Self {
        tracing::warn!(
            "STORAGE IS IN MEMORY: every bookmark is lost when this process \
             stops, and replicas do not share data. This project was generated with \
             `--storage memory` for prototyping; generate it with `--storage sqlite` or \
             `--storage postgres` to keep data"
        );
        Self {
            data: Arc::default(),
        }
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Up to `limit` bookmarks of `owner` after the cursor `after`, oldest
    /// first.
    pub async fn list(
        &self,
        owner: &str,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Page, StoreError> {
        let data = self.data.read().await;
        let Some(items) = data.owners.get(owner) else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let start = after.unwrap_or(0).saturating_add(1);
        let mut page: Vec<(i64, Bookmark)> = items
            .range(start..)
            .take(limit as usize + 1)
            .map(|(seq, item)| (*seq, item.clone()))
            .collect();
        let next = if page.len() > limit as usize {
            page.truncate(limit as usize);
            page.last().map(|(seq, _)| *seq)
        } else {
            None
        };
        Ok(Page {
            items: page.into_iter().map(|(_, item)| item).collect(),
            next,
        })
    }

    pub async fn create(
        &self,
        owner: &str,
        title: &str,
        description: Option<&str>,
        completed: bool,
    ) -> Result<Bookmark, StoreError> {
        let now = Utc::now();
        let item = Bookmark {
            id: Uuid::new_v4(),
            title: title.to_owned(),
            description: description.map(str::to_owned),
            completed,
            created_at: now,
            updated_at: now,
        };
        let mut data = self.data.write().await;
        data.last_seq += 1;
        let seq = data.last_seq;
        data.ids
            .entry(owner.to_owned())
            .or_default()
            .insert(item.id, seq);
        data.owners
            .entry(owner.to_owned())
            .or_default()
            .insert(seq, item.clone());
        Ok(item)
    }

    pub async fn get(&self, owner: &str, id: Uuid) -> Result<Option<Bookmark>, StoreError> {
        let data = self.data.read().await;
        let item = data
            .ids
            .get(owner)
            .and_then(|ids| ids.get(&id))
            .and_then(|seq| data.owners.get(owner)?.get(seq));
        Ok(item.cloned())
    }

    /// Applies `changes` under one write lock, so that concurrent changes to different fields
    /// are all kept.
    pub async fn update(
        &self,
        owner: &str,
        id: Uuid,
        changes: BookmarkChanges,
    ) -> Result<Option<Bookmark>, StoreError> {
        let mut data = self.data.write().await;
        let Some(item) = data.find(owner, id) else {
            return Ok(None);
        };
        if let Some(title) = changes.title {
            item.title = title;
        }
        if let Some(description) = changes.description {
            item.description = description;
        }
        if let Some(completed) = changes.completed {
            item.completed = completed;
        }
        item.updated_at = Utc::now();
        Ok(Some(item.clone()))
    }

    /// True when a bookmark of `owner` was deleted.
    pub async fn delete(&self, owner: &str, id: Uuid) -> Result<bool, StoreError> {
        let mut data = self.data.write().await;
        let Some(seq) = data.ids.get_mut(owner).and_then(|ids| ids.remove(&id)) else {
            return Ok(false);
        };
        Ok(data
            .owners
            .get_mut(owner)
            .and_then(|items| items.remove(&seq))
            .is_some())
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
