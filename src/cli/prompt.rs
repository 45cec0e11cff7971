//! Asking for a missing secret on the terminal, hidden, in the locale's language.

use std::io::IsTerminal;

use crate::answers::SecretName;
use crate::i18n::{Lang, Texts};
use crate::util::secret::Secret;

/// The secret typed (twice for one the wizard could generate); `None` without a terminal, or
/// when the two differ (said on stderr).
pub fn ask_secret(name: SecretName) -> Option<Secret> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    let t = Texts::of(Lang::from_env());
    let first = rpassword::prompt_password(t.msg(&name.prompt())).ok()?;
    if name.is_generatable() {
        let again = rpassword::prompt_password(t.t("prompt.again")).ok()?;
        if again != first {
            eprintln!("{}", t.t("prompt.differ"));
            return None;
        }
    }
    Some(Secret::new(first))
}
