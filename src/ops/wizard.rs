//! The core both faces call: answers and secrets in memory to settings,
//! the plan text, and the exit code of an outcome. The command line
//! (`headless`) and the interactive wizard (`ui`) present; this decides.

use std::path::Path;

use crate::answers::{
    self, AdminCredentials, Answers, AnswersError, CheckedAnswers, SecretName, Secrets, Settings,
};
use crate::host::target::Profile;
use crate::plan::{PlanReport, Task, build_plan, plan_report};
use crate::util::secret::Secret;

/// Exit codes, distinct per way of failing.
pub mod exit {
    use crate::engine::RunOutcome;

    pub const OK: i32 = 0;
    pub const ERROR: i32 = 1;
    pub const INVALID_ANSWERS: i32 = 3;
    pub const PRECHECK_FAILED: i32 = 4;
    pub const TASK_FAILED: i32 = 5;
    pub const VERIFY_FAILED: i32 = 6;
    pub const LOCKED: i32 = 7;
    /// `doctor` found something that breaks Glance.
    pub const DOCTOR_FOUND: i32 = 8;
    /// The user stopped the run, or did not confirm an undo (a wrong host
    /// name typed, or no terminal to confirm on and no `--yes`).
    pub const CANCELLED: i32 = 130;

    /// The code for a run's outcome: the one mapping for the command line
    /// and the interactive wizard.
    pub fn for_outcome(outcome: &RunOutcome) -> i32 {
        match outcome {
            RunOutcome::Verified { .. } => OK,
            RunOutcome::Failed { task, .. } => for_failed_task(*task),
            RunOutcome::Cancelled => CANCELLED,
        }
    }

    /// The code for an undo's outcome: a step that failed or was refused
    /// is a failed task, as in apply.
    pub fn for_undo(outcome: &crate::undo::Outcome) -> i32 {
        match outcome {
            crate::undo::Outcome::Done { .. } => OK,
            crate::undo::Outcome::Failed { .. } => TASK_FAILED,
        }
    }

    /// A failed verification is told apart from a failed installation step.
    pub fn for_failed_task(task: crate::plan::TaskId) -> i32 {
        if task == crate::plan::TaskId::VerifyImage {
            VERIFY_FAILED
        } else {
            TASK_FAILED
        }
    }
}

/// The Keystone admin credentials the answers point to: the admin-openrc
/// (read by bash), or the os_* fields with `os_password` from the secrets.
pub fn admin_credentials(
    answers: &Answers,
    secrets: &Secrets,
) -> Result<AdminCredentials, AnswersError> {
    if answers.keystone.admin_openrc.is_empty() {
        Ok(answers
            .manual_admin_credentials(secrets)
            .unwrap_or(AdminCredentials {
                vars: Default::default(),
                password: Secret::default(),
                origin: crate::i18n::Message::verbatim("nowhere"),
            }))
    } else {
        answers::openrc::load(Path::new(&answers.keystone.admin_openrc))
            .map_err(|rule| AnswersError::single("keystone.admin_openrc", rule))
    }
}

/// Validated settings from answers and secrets held in memory (the answers
/// file's loader and the TUI's forms both end here).
pub fn settings_from(
    answers: &Answers,
    secrets: &Secrets,
    profile: &Profile,
) -> Result<Settings, AnswersError> {
    checked_settings(answers.checked()?, secrets, profile)
}

/// The settings of answers whose fields were already checked: the admin
/// credentials are read first, then the secrets checked.
pub(crate) fn checked_settings(
    answers: CheckedAnswers<'_>,
    secrets: &Secrets,
    profile: &Profile,
) -> Result<Settings, AnswersError> {
    let admin = admin_credentials(answers.answers(), secrets)?;
    answers.resolve(profile, secrets, admin)
}

/// The secrets these answers need.
pub fn needed_secrets(answers: &Answers) -> Vec<SecretName> {
    let mut needed = vec![
        SecretName::GlanceDbPassword,
        SecretName::GlanceServicePassword,
    ];
    if answers.database.admin_access == answers::AdminAccess::Tcp {
        needed.push(SecretName::DbAdminPassword);
    }
    if answers.keystone.admin_openrc.is_empty() {
        needed.push(SecretName::OsPassword);
    }
    if answers.proxy.names_a_user() {
        needed.push(SecretName::ProxyPassword);
    }
    needed
}

/// The plan of answers whose passwords may not exist yet (`plan` before
/// the secrets file is written): each missing one shows as
/// [`crate::util::secret::NOT_SET`], and the report names them. The settings
/// made for it hold stand-ins ([`Secret::not_set`]), so they never leave
/// this function: nothing runs, is saved or is fingerprinted with them.
/// `check` and `apply` still refuse missing passwords ([`checked_settings`]).
pub fn plan_preview(
    answers: CheckedAnswers<'_>,
    secrets: &Secrets,
    profile: &Profile,
    state_dir: &Path,
) -> Result<PlanReport, AnswersError> {
    let missing: Vec<String> = needed_secrets(answers.answers())
        .into_iter()
        .filter(|name| secrets.get(*name).is_none())
        .map(|name| format!("secrets.{}", name.key()))
        .collect();
    let admin = admin_credentials(answers.answers(), secrets)?;
    let settings = answers.resolve_with_stand_ins(profile, secrets, admin)?;
    Ok(PlanReport {
        passwords_not_set: missing,
        ..settings_plan_report(&settings, profile, state_dir)
    })
}

fn read_config(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The plan text for settings ([`settings_plan_report`]) in the language
/// of `t`.
pub fn settings_plan_text(
    settings: &Settings,
    profile: &Profile,
    state_dir: &Path,
    t: &crate::i18n::Texts,
) -> String {
    settings_plan_report(settings, profile, state_dir).text_in(t)
}

/// The plan for settings, against the config files on this machine and
/// the journal in `state_dir` (what earlier runs created that these
/// answers place elsewhere: [`crate::engine::outputs::LeftBehind`]).
pub fn settings_plan_report(
    settings: &Settings,
    profile: &Profile,
    state_dir: &Path,
) -> PlanReport {
    let plan = build_plan(settings, profile);
    let (journal, unread) = match crate::engine::Journal::load(state_dir) {
        Ok(journal) => (journal, None),
        Err(e) => (None, Some(e)),
    };
    let earlier = |task: &Task| -> Vec<crate::i18n::Message> {
        let outputs = journal
            .as_ref()
            .and_then(|j| j.tasks.get(&task.id)?.outputs.as_ref());
        outputs.map_or_else(Vec::new, |o| {
            o.left_behind(&task.kind)
                .iter()
                .map(crate::engine::outputs::LeftBehind::msg)
                .collect()
        })
    };
    PlanReport {
        journal_error: unread.map(|e| format!("{e:#}")),
        ..plan_report(&plan, settings, &read_config, &earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::target::{InitSystem, profile_for};
    use crate::plan::render_plan;

    /// The config diff of a plan without passwords shows `<not set>` where
    /// they go, not the mask (which would pass for a value), and never the
    /// stand-in's own value.
    #[test]
    fn the_config_diff_shows_passwords_not_set() {
        let answers =
            Answers::from_toml("[keystone]\nos_auth_url = \"http://controller:5000/v3\"\n")
                .unwrap();
        let profile = profile_for("debian", "zed", InitSystem::SysV).unwrap();
        let secrets = Secrets::default();
        let admin = admin_credentials(&answers, &secrets).unwrap();
        let checked = answers.checked().unwrap();
        let settings = checked
            .resolve_with_stand_ins(&profile, &secrets, admin)
            .unwrap();
        let packaged = include_str!("../../tests/fixtures/debian-zed/glance-api.conf");
        let read = |path: &str| {
            path.ends_with("glance-api.conf")
                .then(|| packaged.to_string())
        };
        let text = render_plan(&build_plan(&settings, &profile), &settings, &read);
        for shown in [
            "+connection = mysql+pymysql://glance:<not set>@controller/glance",
            "+password = <not set>",
        ] {
            assert!(text.contains(shown), "no {shown:?} in:\n{text}");
        }
        assert!(!text.contains('\0'), "{text}");
    }
}
