//! Answers and secrets in memory to settings: the admin credentials read first, then every
//! rule checked. The answers file's loader and the wizard's forms both end here.

use std::path::Path;

use crate::answers::{
    self, AdminCredentials, Answers, AnswersError, CheckedAnswers, SecretName, Secrets, Settings,
};
use crate::host::target::Profile;
use crate::util::secret::Secret;

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
