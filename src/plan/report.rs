//! The plan as data: what `plan` prints as text and as JSON
//! (`plan --format json`, docs/json.md). Both come from the one
//! [`PlanReport`], built by `render`, so they show the same lines, masked
//! the same way. Its words are [`Message`]s: the text is in the user's
//! language, the JSON in English (a message serialises as its English).

use std::fmt::Write;

use serde::Serialize;

use super::TaskId;
use crate::i18n::{Lang, Message, Texts};

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
    pub sources: Vec<Message>,
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
    pub title: Message,
    /// The tasks whose changes make this one run again.
    pub after: Vec<TaskId>,
    /// What it will do: probes, commands and statements as shown, secrets
    /// masked.
    pub steps: Vec<Message>,
    /// A config task's file and its planned change.
    pub config: Option<ConfigReport>,
    /// What the task will do with objects an earlier run of it created
    /// that the answers now place elsewhere (from the journal).
    pub earlier_runs: Vec<Message>,
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
    Error { error: Message },
}

impl ConfigChange {
    /// The lines the text plan shows for it, in English.
    pub fn lines(&self, file: &str) -> Vec<String> {
        self.messages(file).iter().map(Message::english).collect()
    }

    /// The lines the text plan shows for it.
    pub fn messages(&self, file: &str) -> Vec<Message> {
        match self {
            ConfigChange::Missing => vec![Message::new("plan.config_missing").arg("file", file)],
            ConfigChange::Unchanged => vec![Message::new("plan.config_unchanged")],
            ConfigChange::SecretOnly => vec![Message::new("plan.config_secret_only")],
            ConfigChange::Diff {
                diff,
                secret_changed,
            } => {
                let mut lines: Vec<Message> = diff
                    .lines()
                    .map(|l| Message::verbatim(format!("  {l}")))
                    .collect();
                if *secret_changed {
                    lines.push(Message::new("plan.config_and_secret"));
                }
                lines
            }
            ConfigChange::Error { error } => {
                vec![Message::new("plan.config_error").msg("error", error.clone())]
            }
        }
    }
}

impl PlanReport {
    /// The text `plan` prints, in English.
    pub fn text(&self) -> String {
        self.text_in(Texts::of(Lang::En))
    }

    /// The text `plan` prints, in the language of `t`.
    pub fn text_in(&self, t: &Texts) -> String {
        let mut out = String::new();
        if !self.passwords_not_set.is_empty() {
            let not_set = Message::new("plan.passwords_not_set")
                .arg("mask", crate::util::secret::NOT_SET)
                .arg("names", self.passwords_not_set.join(", "));
            let _ = writeln!(out, "{}\n", t.msg(&not_set));
        }
        if let Some(e) = &self.journal_error {
            let unread = Message::new("plan.journal_unread").arg("error", e);
            let _ = writeln!(out, "{}\n", t.msg(&unread));
        }
        let _ = writeln!(out, "{}", t.f("cli.target", &[("target", &self.target)]));
        for line in &self.sources {
            let _ = writeln!(out, "{}", t.msg(line));
        }
        let _ = writeln!(out);
        for (i, task) in self.tasks.iter().enumerate() {
            let _ = writeln!(out, "{}. {} [{}]", i + 1, t.msg(&task.title), task.id);
            let config = task.config.iter().flat_map(|c| c.change.messages(&c.file));
            for line in task.steps.iter().cloned().chain(config) {
                let _ = writeln!(out, "     {}", t.msg(&line));
            }
            for line in &task.earlier_runs {
                let earlier = Message::new("plan.earlier_run").msg("what", line.clone());
                let _ = writeln!(out, "     {}", t.msg(&earlier));
            }
            let _ = writeln!(out);
        }
        out
    }
}
