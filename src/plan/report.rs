//! The plan as data: what `plan` prints as text and as JSON
//! (`plan --format json`, docs/json.md). Both come from the one
//! [`PlanReport`], built by `render`, so they show the same lines, masked
//! the same way.

use std::fmt::Write;

use serde::Serialize;

use super::TaskId;

/// The whole plan as it is shown. Field names are stable (docs/json.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanReport {
    /// The target, as `check` prints it.
    pub target: String,
    /// The distro family (`debian`, `ubuntu`, `rdo`).
    pub distro: String,
    /// The Glance release (`zed`, `2025.1`, ...).
    pub release: String,
    /// Where each fact comes from: the install guide, the test image, the
    /// API server, the package source, unverified facts, the Keystone admin.
    pub sources: Vec<String>,
    /// The secrets not set yet (`secrets.glance_db_password`, ...): each
    /// shows as `<not set>` where it goes.
    pub passwords_not_set: Vec<String>,
    /// Why the journal could not be read (then no task shows what earlier
    /// runs created); `None` when it was read or does not exist.
    pub journal_error: Option<String>,
    pub tasks: Vec<TaskReport>,
}

/// One task, in plan order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskReport {
    pub id: TaskId,
    pub title: String,
    /// The tasks whose changes make this one run again.
    pub after: Vec<TaskId>,
    /// What it will do: probes, commands and statements as shown, secrets
    /// masked.
    pub steps: Vec<String>,
    /// A config task's file and its planned change.
    pub config: Option<ConfigReport>,
    /// What the task will do with objects an earlier run of it created
    /// that the answers now place elsewhere (from the journal).
    pub earlier_runs: Vec<String>,
}

/// The planned change to one config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigReport {
    pub file: String,
    #[serde(flatten)]
    pub change: ConfigChange,
}

/// How a config file will change, every secret masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ConfigChange {
    /// The file does not exist yet (the package installs it).
    Missing,
    /// The file already has these values (compared with the real ones).
    Unchanged,
    /// Only a secret changes: not shown.
    SecretOnly,
    /// A unified diff of the masked texts; `secret_changed`: a secret
    /// changes too, which the diff cannot show.
    Diff { diff: String, secret_changed: bool },
    /// The change cannot be previewed.
    Error { error: String },
}

impl ConfigChange {
    /// The lines the text plan shows for it.
    pub fn lines(&self, file: &str) -> Vec<String> {
        match self {
            ConfigChange::Missing => vec![format!(
                "{file} does not exist yet (the package installs it); the diff is shown once it does"
            )],
            ConfigChange::Unchanged => vec!["no change: the file already has these values".into()],
            ConfigChange::SecretOnly => vec!["secret changed (hidden)".into()],
            ConfigChange::Diff {
                diff,
                secret_changed,
            } => {
                let mut lines: Vec<String> = diff.lines().map(|l| format!("  {l}")).collect();
                if *secret_changed {
                    lines.push("and a secret changed (hidden)".into());
                }
                lines
            }
            ConfigChange::Error { error } => vec![format!("cannot preview: {error}")],
        }
    }
}

impl PlanReport {
    /// The text `plan` prints.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if !self.passwords_not_set.is_empty() {
            let _ = writeln!(
                out,
                "Passwords not set yet, shown as {}: {}. `check` and `apply` need them.\n",
                crate::secret::NOT_SET,
                self.passwords_not_set.join(", ")
            );
        }
        if let Some(e) = &self.journal_error {
            let _ = writeln!(
                out,
                "The journal cannot be read, so this plan cannot say what earlier runs created: {e}\n"
            );
        }
        let _ = writeln!(out, "Target: {}", self.target);
        for line in &self.sources {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out);
        for (i, task) in self.tasks.iter().enumerate() {
            let _ = writeln!(out, "{}. {} [{}]", i + 1, task.title, task.id);
            let config = task.config.iter().flat_map(|c| c.change.lines(&c.file));
            for text in task.steps.iter().cloned().chain(config) {
                let _ = writeln!(out, "     {text}");
            }
            for text in &task.earlier_runs {
                let _ = writeln!(out, "     earlier run: {text}");
            }
            let _ = writeln!(out);
        }
        out
    }
}
