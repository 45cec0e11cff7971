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
/// The journal format this version reads and writes.
pub const FORMAT: u32 = 1;

impl Journal {
    pub fn new(target: &str) -> Journal {
        use rand::Rng;
        let salt: [u8; 16] = rand::rng().random();
        Journal {
            format: FORMAT,
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
        let damaged = |why: String| {
            anyhow::anyhow!(
                "the journal {} is damaged ({why}), so no checkpoint in it can be trusted; \
                 `glance-wizard reset` moves it aside and the next apply runs every task \
                 (each task checks what exists before it creates anything)",
                path.display()
            )
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(damaged("not UTF-8".into()));
            }
            Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        };
        let journal: Journal = serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
        if journal.format != FORMAT {
            return Err(damaged(format!(
                "format {} where this glance-wizard writes format {FORMAT}",
                journal.format
            )));
        }
        if journal.salt.len() != 32 || !journal.salt.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(damaged("its salt is not 32 hex digits".into()));
        }
        Ok(Some(journal))
    }

    /// Moves a damaged journal aside (kept for a post-mortem); returns
    /// where it went.
    pub fn move_aside(state_dir: &Path) -> std::io::Result<PathBuf> {
        let path = Self::path(state_dir);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let aside = state_dir.join(format!("{JOURNAL_FILE}.damaged-{stamp}"));
        std::fs::rename(&path, &aside)?;
        Ok(aside)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn saved() -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::new("test target");
        journal.tasks.insert(
            "sql.database".into(),
            TaskRecord {
                status: TaskStatus::Done,
                fingerprint: "ab".repeat(32),
                started_at: "2026-11-26T00:00:00Z".into(),
                finished_at: Some("2026-11-26T00:00:01Z".into()),
                duration_ms: Some(1000),
                attempts: 1,
                outputs: BTreeMap::new(),
                error: None,
            },
        );
        journal.save(dir.path()).unwrap();
        let text = std::fs::read_to_string(Journal::path(dir.path())).unwrap();
        (dir, text)
    }

    #[test]
    fn every_truncation_is_detected() {
        let (dir, text) = saved();
        assert!(Journal::load(dir.path()).unwrap().is_some());
        // Cutting the file anywhere but after the closing brace is damage.
        let end = text.trim_end().len();
        for cut in 0..end {
            if !text.is_char_boundary(cut) {
                continue;
            }
            std::fs::write(Journal::path(dir.path()), &text[..cut]).unwrap();
            let err = Journal::load(dir.path()).expect_err(&format!("cut at {cut}"));
            assert!(err.to_string().contains("damaged"), "{err}");
        }
    }

    #[test]
    fn garbage_and_other_formats_are_not_trusted() {
        let (dir, text) = saved();
        for bad in [
            text.replace("\"format\": 1", "\"format\": 2"),
            text.replace("\"status\": \"done\"", "\"status\": \"finished\""),
            "\u{0}\u{0}\u{0}".to_string(),
            "[]".to_string(),
        ] {
            std::fs::write(Journal::path(dir.path()), &bad).unwrap();
            assert!(Journal::load(dir.path()).is_err(), "{bad}");
        }
        std::fs::write(Journal::path(dir.path()), [0xff, 0xfe, 0x00]).unwrap();
        assert!(
            Journal::load(dir.path())
                .unwrap_err()
                .to_string()
                .contains("damaged")
        );
    }

    #[test]
    fn move_aside_keeps_the_damaged_file() {
        let (dir, _) = saved();
        std::fs::write(Journal::path(dir.path()), "{").unwrap();
        let aside = Journal::move_aside(dir.path()).unwrap();
        assert_eq!(std::fs::read_to_string(aside).unwrap(), "{");
        assert!(Journal::load(dir.path()).unwrap().is_none());
    }
}
