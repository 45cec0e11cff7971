//! The journal: one JSON file in the state directory recording each task's
//! status, the fingerprint of the inputs it ran with, timings and the ids it
//! created. It is rewritten atomically after every change, so a `kill -9`
//! leaves either the old or the new version, never half of one.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    /// Started and not finished: the run was killed or crashed.
    Running,
    Done,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub status: TaskStatus,
    pub fingerprint: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub duration_ms: Option<u64>,
    pub attempts: u32,
    /// Ids of what the task created or found (user id, endpoint ids, ...).
    #[serde(default)]
    pub outputs: BTreeMap<String, String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub format: u32,
    /// Random per journal: secrets enter fingerprints as salted hashes.
    pub salt: String,
    /// The target the tasks ran for.
    pub target: String,
    pub tasks: BTreeMap<String, TaskRecord>,
}

pub const JOURNAL_FILE: &str = "journal.json";

impl Journal {
    pub fn new(target: &str) -> Journal {
        use rand::Rng;
        let salt: [u8; 16] = rand::rng().random();
        Journal {
            format: 1,
            salt: crate::plan::hex(&salt),
            target: target.to_string(),
            tasks: BTreeMap::new(),
        }
    }

    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(JOURNAL_FILE)
    }

    /// Loads the journal, or `None` when there is none yet.
    pub fn load(state_dir: &Path) -> anyhow::Result<Option<Journal>> {
        let path = Self::path(state_dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "the journal {} is damaged ({e}); `glance-wizard reset` starts over",
                    path.display()
                )
            })?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    /// Writes the journal atomically (temp file, fsync, rename, fsync dir).
    pub fn save(&self, state_dir: &Path) -> anyhow::Result<()> {
        let path = Self::path(state_dir);
        let tmp = state_dir.join(".journal.json.tmp");
        let text = serde_json::to_string_pretty(self)?;
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        if let Ok(dir) = std::fs::File::open(state_dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    pub fn is_done_with(&self, id: &str, fingerprint: &str) -> bool {
        self.tasks
            .get(id)
            .is_some_and(|r| r.status == TaskStatus::Done && r.fingerprint == fingerprint)
    }
}
