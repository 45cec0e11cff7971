//! The wizard's session: the answers of its run, saved in the state
//! directory so that a run killed half-way can be resumed with them.

use std::path::{Path, PathBuf};

use crate::answers::{Answers, Secrets};

/// Where the wizard keeps the answers of its run, so that a run killed
/// half-way can be resumed with the same answers (secrets beside it, 0600).
pub fn session_answers_path(state_dir: &Path) -> PathBuf {
    state_dir.join("wizard-answers.toml")
}

/// The answers and secrets of the session, when both can be read.
pub fn load_session(state_dir: &Path) -> Option<(Answers, Secrets)> {
    let path = session_answers_path(state_dir);
    let answers = Answers::load(&path).ok()?;
    let secrets = Secrets::load(&answers.secrets_path(&path)).ok()?;
    Some((answers, secrets))
}
