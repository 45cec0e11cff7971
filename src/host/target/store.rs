//! The image stores (glance_store backends) glance-wizard can configure: a fact of each release
//! (its guide enables some) as much as an answer, so it lives with the target.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::i18n::Message;

/// Why a text is not a [`Store`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.msg().english())]
pub struct StoreError(String);

impl StoreError {
    pub fn msg(&self) -> Message {
        Message::new("rule.store").arg("value", &self.0)
    }
}

/// A glance_store backend glance-wizard can configure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Store {
    File,
    Http,
}

/// The stores, as the answers name them (also the answers schema's list).
pub const STORES: [&str; 2] = [Store::File.as_str(), Store::Http.as_str()];

impl Store {
    pub const fn as_str(self) -> &'static str {
        match self {
            Store::File => "file",
            Store::Http => "http",
        }
    }
}

/// Order and hash are the name's, as `Borrow<str>` requires.
impl std::hash::Hash for Store {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Store {
    fn partial_cmp(&self, other: &Store) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Store {
    fn cmp(&self, other: &Store) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// A list of stores joins like a list of names (`stores = file,http`).
impl std::borrow::Borrow<str> for Store {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl FromStr for Store {
    type Err = StoreError;
    fn from_str(value: &str) -> Result<Store, StoreError> {
        match value {
            "file" => Ok(Store::File),
            "http" => Ok(Store::Http),
            _ => Err(StoreError(value.into())),
        }
    }
}

impl TryFrom<String> for Store {
    type Error = StoreError;
    fn try_from(value: String) -> Result<Store, StoreError> {
        value.parse()
    }
}

impl From<Store> for String {
    fn from(store: Store) -> String {
        store.as_str().into()
    }
}

impl From<&Store> for String {
    fn from(store: &Store) -> String {
        store.as_str().into()
    }
}

impl PartialEq<&str> for Store {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
