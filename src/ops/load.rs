//! Reading what a command needs: the answers file, the secrets (generated, saved or asked for
//! as the options say), the admin credentials and the target, every rule checked.

use std::path::{Path, PathBuf};

use crate::answers::{Answers, AnswersError, SecretName, Secrets, Settings};
use crate::host::target::{self, Profile};
use crate::i18n::{Message, Texts};
use crate::ops::exit;
use crate::ops::settings::{checked_settings, needed_secrets};
use crate::util::secret::Secret;

/// How to read the answers: shared by every subcommand that needs them.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub answers: PathBuf,
    pub secrets: Option<PathBuf>,
    pub distro: Option<String>,
    pub release: Option<String>,
    pub generate_passwords: bool,
    /// Asks for a missing secret (the command line asks on the terminal); `None` when it
    /// cannot or the user gave none.
    pub ask_secret: Option<fn(SecretName) -> Option<Secret>>,
}

/// Why loading failed, mapped to an exit code by the caller.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Answers(#[from] AnswersError),
    #[error("target: {0}")]
    Target(#[from] target::TargetError),
}

impl LoadError {
    /// In a language.
    pub fn render(&self, t: &Texts) -> String {
        match self {
            LoadError::Answers(e) => e.render(t),
            LoadError::Target(e) => {
                t.msg(&Message::new("target_error.prefix").msg("error", e.msg()))
            }
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            LoadError::Answers(_) => exit::INVALID_ANSWERS,
            LoadError::Target(_) => exit::PRECHECK_FAILED,
        }
    }
}

pub struct Loaded {
    pub answers: Answers,
    pub settings: Settings,
    pub profile: Profile,
    /// Notes for the user (generated passwords and where they went).
    pub notes: Vec<Message>,
}

/// Reads answers, secrets and admin credentials, detects the target and
/// validates everything.
pub fn load(options: &LoadOptions) -> Result<Loaded, LoadError> {
    let (answers, profile) = answers_and_target(options)?;
    let checked = answers.checked()?;
    let (secrets, notes) = load_secrets(options, &answers)?;
    let settings = checked_settings(checked, &secrets, &profile)?;
    Ok(Loaded {
        answers,
        settings,
        profile,
        notes,
    })
}

/// `glance-wizard plan`: the plan, and notes for the user. Missing
/// passwords show as `<not set>` ([`crate::ops::preview::plan_preview`]);
/// everything else is checked as [`load`] checks it.
pub fn plan_preview(
    options: &LoadOptions,
    state_dir: &Path,
) -> Result<(crate::plan::PlanReport, Vec<Message>), LoadError> {
    let (answers, profile) = answers_and_target(options)?;
    let checked = answers.checked()?;
    let (secrets, notes) = load_secrets(options, &answers)?;
    let report = crate::ops::preview::plan_preview(checked, &secrets, &profile, state_dir)?;
    Ok((report, notes))
}

/// The answers file, and the target detected (or named by the options or
/// the answers).
fn answers_and_target(options: &LoadOptions) -> Result<(Answers, Profile), LoadError> {
    let answers = Answers::load(&options.answers)?;
    let distro = options
        .distro
        .clone()
        .unwrap_or_else(|| answers.target.distro.clone());
    let release = options
        .release
        .clone()
        .unwrap_or_else(|| answers.target.release.clone());
    let profile = target::detect(&distro, &release)?;
    Ok((answers, profile))
}

/// The secrets file, with the missing passwords generated (and saved) or
/// asked for as the options say; the notes say what was generated.
fn load_secrets(
    options: &LoadOptions,
    answers: &Answers,
) -> Result<(Secrets, Vec<Message>), LoadError> {
    let secrets_path = options
        .secrets
        .clone()
        .unwrap_or_else(|| answers.secrets_path(&options.answers));
    let mut secrets = Secrets::load(&secrets_path)?;
    let mut notes = Vec::new();
    let needed = needed_secrets(answers);
    if options.generate_passwords {
        let filled = secrets.generate_missing(&needed);
        if !filled.is_empty() {
            secrets.save(&secrets_path).map_err(|e| {
                let rule = crate::answers::Rule::Unwritable {
                    path: secrets_path.display().to_string(),
                    error: e.to_string(),
                };
                AnswersError::single("secrets.file", rule)
            })?;
            let names: Vec<&str> = filled.iter().map(|n| n.key()).collect();
            notes.push(
                Message::new("apply_end.generated")
                    .arg("names", names.join(", "))
                    .arg("path", secrets_path.display()),
            );
        }
    }
    if let Some(ask) = options.ask_secret {
        for name in &needed {
            if secrets.get(*name).is_none()
                && let Some(value) = ask(*name)
            {
                secrets.set(*name, value);
            }
        }
    }
    Ok((secrets, notes))
}
