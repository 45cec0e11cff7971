//! The plan text of settings, against this machine's config files and the journal: what `plan`
//! prints and the wizard's review shows.

use std::path::Path;

use crate::answers::{AnswersError, CheckedAnswers, Secrets, Settings};
use crate::host::target::Profile;
use crate::ops::settings::{admin_credentials, needed_secrets};
use crate::plan::{PlanReport, Task, build_plan, plan_report};

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
    use crate::answers::Answers;
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
