//! The journal: one JSON file in the state directory recording each task's
//! status, the fingerprint of the inputs it ran with, timings and the ids it
//! created. It is rewritten atomically after every change, so a `kill -9`
//! leaves either the old or the new version, never half of one.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::i18n::{Message, MessageError};
use crate::plan::{FingerprintKey, Plan, TaskId};

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
    /// What the task created or found (user id, endpoint ids, ...); none
    /// until it finished once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<crate::engine::outputs::TaskOutputs>,
    pub error: Option<String>,
    /// Carried over from a journal of an older format, whose fingerprints
    /// cannot be compared with this version's: the task counts as done only
    /// once it has been checked again (its recheck probes and repairs).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unverified: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub format: u32,
    /// Format 1 only: the salt its fingerprints hashed secrets with, kept
    /// until [`Journal::rekey`] turns them into keyed ones (format 2, whose
    /// key is in [`KEY_FILE`], not here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// The target the tasks ran for.
    pub target: String,
    pub tasks: BTreeMap<TaskId, TaskRecord>,
}

pub const JOURNAL_FILE: &str = "journal.json";
/// The journal format this version writes: fingerprints of whole task
/// specs, secrets keyed with the key in [`KEY_FILE`]. It reads formats 1
/// (salted fingerprints, the salt in the journal) and 2 (keyed fingerprints
/// of hand-kept input lists) too, and carries their checkpoints over as
/// unverified ([`Journal::carry_over`]).
pub const FORMAT: u32 = 3;
const KEYED_FORMAT: u32 = 2;
const SALTED_FORMAT: u32 = 1;
/// The fingerprint key ([`FingerprintKey`]), in the state directory beside
/// the journal, mode 0600; made once.
pub const KEY_FILE: &str = "fingerprint.key";

/// Formats 1 and 2 recorded outputs as untyped `name: value` pairs: they
/// are dropped (their tasks are checked again anyway, see
/// [`Journal::carry_over`], and record their outputs anew).
fn forget_untyped_outputs(journal: &mut serde_json::Value) {
    let older = journal
        .get("format")
        .and_then(serde_json::Value::as_u64)
        .is_some_and(|f| f < u64::from(FORMAT));
    let tasks = journal
        .get_mut("tasks")
        .and_then(serde_json::Value::as_object_mut);
    if let (true, Some(tasks)) = (older, tasks) {
        for record in tasks.values_mut() {
            if let Some(record) = record.as_object_mut() {
                record.remove("outputs");
            }
        }
    }
}

impl Journal {
    pub fn new(target: &str) -> Journal {
        Journal {
            format: FORMAT,
            salt: None,
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
            let said = Message::new("journal.damaged")
                .arg("path", path.display())
                .arg("why", why);
            anyhow::Error::from(MessageError(said))
        };
        let text = match crate::util::fs::read_regular(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(damaged("not UTF-8".into()));
            }
            Err(e) => {
                let said = Message::new("journal.unreadable")
                    .arg("path", path.display())
                    .arg("error", e);
                return Err(MessageError(said).into());
            }
        };
        let mut value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
        forget_untyped_outputs(&mut value);
        let journal: Journal = serde_json::from_value(value).map_err(|e| damaged(e.to_string()))?;
        match (journal.format, &journal.salt) {
            (FORMAT | KEYED_FORMAT, None) => {}
            (SALTED_FORMAT, Some(salt))
                if salt.len() == 32 && salt.chars().all(|c| c.is_ascii_hexdigit()) => {}
            (SALTED_FORMAT, _) => return Err(damaged("its salt is not 32 hex digits".into())),
            (format, Some(_)) if format != SALTED_FORMAT => {
                return Err(damaged(format!("a salt in format {format}")));
            }
            (other, _) => {
                return Err(damaged(format!(
                    "format {other} where this glance-wizard writes format {FORMAT}"
                )));
            }
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

    /// Writes the journal atomically, mode 0600 ([`crate::util::fs`]).
    pub fn save(&self, state_dir: &Path) -> anyhow::Result<()> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        crate::util::fs::write_atomically(&Self::path(state_dir), text.as_bytes(), 0o600, None)?;
        Ok(())
    }

    /// Carries a journal of an older format over: its fingerprints were
    /// computed another way and cannot be compared, so each task it records
    /// as done takes its fingerprint in this plan (`fingerprints`, in plan
    /// order) and is marked unverified: the next run checks it again (probe
    /// and repair, as `--verify` does) instead of trusting or redoing it.
    /// Saved in this format next time.
    pub fn carry_over(&mut self, plan: &Plan, fingerprints: &[String]) {
        if self.format == FORMAT {
            return;
        }
        self.salt = None;
        for (task, new) in plan.tasks.iter().zip(fingerprints) {
            if let Some(record) = self.tasks.get_mut(&task.id)
                && record.status == TaskStatus::Done
            {
                record.fingerprint = new.clone();
                record.unverified = true;
            }
        }
        self.format = FORMAT;
    }

    /// The fingerprint key of `state_dir`, made (random, mode 0600) the
    /// first time. A key file that is a link is refused; one others can
    /// read is closed to 0600.
    pub fn key(state_dir: &Path) -> anyhow::Result<FingerprintKey> {
        let path = state_dir.join(KEY_FILE);
        let fresh = FingerprintKey::random();
        crate::util::fs::create_atomically(&path, fresh.to_hex().as_bytes(), 0o600)?;
        let (mut file, meta) = crate::util::fs::open_regular(&path)?;
        if meta.mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        FingerprintKey::from_hex(text.trim()).ok_or_else(|| {
            anyhow::anyhow!(
                "the fingerprint key {} is damaged (not 64 hex digits); remove it and \
                 `glance-wizard reset`: the next apply then runs every task (each task \
                 checks what exists before it creates anything)",
                path.display()
            )
        })
    }

    pub fn is_done_with(&self, id: TaskId, fingerprint: &str) -> bool {
        self.tasks
            .get(&id)
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
            TaskId::SqlDatabase,
            TaskRecord {
                status: TaskStatus::Done,
                fingerprint: "ab".repeat(32),
                started_at: "2026-11-26T00:00:00Z".into(),
                finished_at: Some("2026-11-26T00:00:01Z".into()),
                duration_ms: Some(1000),
                attempts: 1,
                outputs: None,
                error: None,
                unverified: false,
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
            text.replace("\"format\": 3", "\"format\": 4"),
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

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn the_journal_and_its_key_are_private_and_links_are_not_followed() {
        use std::os::unix::fs::symlink;
        let (dir, _) = saved();
        assert_eq!(mode(&Journal::path(dir.path())), 0o600);
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        symlink(&victim, dir.path().join(".journal.json.tmp")).unwrap();
        let journal = Journal::load(dir.path()).unwrap().unwrap();
        journal.save(dir.path()).unwrap();
        std::fs::remove_file(Journal::path(dir.path())).unwrap();
        symlink(&victim, Journal::path(dir.path())).unwrap();
        assert!(journal.save(dir.path()).is_err());
        assert!(Journal::load(dir.path()).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");

        let key = Journal::key(dir.path()).unwrap();
        assert_eq!(mode(&dir.path().join(KEY_FILE)), 0o600);
        assert_eq!(Journal::key(dir.path()).unwrap(), key, "made once");
        let other = tempfile::tempdir().unwrap();
        symlink(&victim, other.path().join(KEY_FILE)).unwrap();
        assert!(Journal::key(other.path()).is_err());
    }

    /// A journal of an older format (1: salted, 2: keyed fingerprints of
    /// hand-kept input lists): its done tasks are kept, marked unverified
    /// (checked again by the next run), the salt is gone once it is saved,
    /// and its untyped outputs are dropped (the recheck records them anew).
    #[test]
    fn an_older_journal_is_carried_over_unverified() {
        let (settings, profile) = crate::engine::runner::tests::settings();
        let plan = crate::plan::build_plan(&settings, &profile);
        for (format, salt) in [(1, Some("00112233445566778899aabbccddeeff")), (2, None)] {
            let dir = tempfile::tempdir().unwrap();
            let mut old = Journal::new("t");
            for task in &plan.tasks[1..] {
                old.tasks.insert(task.id, done(&"ab".repeat(32)));
            }
            let mut text = serde_json::to_value(&old).unwrap();
            for record in text["tasks"].as_object_mut().unwrap().values_mut() {
                record["outputs"] = serde_json::json!({"user_id": "4f1c", "changed": "true"});
            }
            text["format"] = format.into();
            if let Some(salt) = salt {
                text["salt"] = salt.into();
            }
            std::fs::write(Journal::path(dir.path()), text.to_string()).unwrap();

            let mut journal = Journal::load(dir.path()).unwrap().unwrap();
            let key = Journal::key(dir.path()).unwrap();
            let fingerprints = plan.fingerprints(&key);
            journal.carry_over(&plan, &fingerprints);
            for (task, fp) in plan.tasks.iter().zip(&fingerprints).skip(1) {
                let record = &journal.tasks[&task.id];
                assert!(journal.is_done_with(task.id, fp), "{}", task.id);
                assert!(record.unverified, "{}", task.id);
                assert_eq!(record.outputs, None);
            }
            assert!(!journal.tasks.contains_key(&plan.tasks[0].id));
            journal.save(dir.path()).unwrap();
            let saved = std::fs::read_to_string(Journal::path(dir.path())).unwrap();
            assert!(
                !saved.contains("salt") && saved.contains("\"format\": 3"),
                "{saved}"
            );
            assert_eq!(Journal::load(dir.path()).unwrap().unwrap(), journal);
        }
    }

    fn done(fingerprint: &str) -> TaskRecord {
        TaskRecord {
            status: TaskStatus::Done,
            fingerprint: fingerprint.to_string(),
            started_at: "2026-11-26T00:00:00Z".into(),
            finished_at: None,
            duration_ms: None,
            attempts: 1,
            outputs: None,
            error: None,
            unverified: false,
        }
    }
}
