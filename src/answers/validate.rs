//! The password rules. Passwords are not parsed into types of their own:
//! they stay [`Secret`](crate::util::secret::Secret)s, and these functions say
//! which rule one breaks. Every other kind of value is parsed by its type in
//! [`super::types`]. The answers-file loader and the TUI's forms call the
//! same functions, so a rule is written once.

use crate::i18n::Message;
use crate::util::secret::MIN_MASKED_CHARS;

/// The longest password accepted: Keystone and MariaDB take much longer
/// ones, but nobody types more and a limit keeps config lines sane.
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Shortest password accepted for the accounts glance-wizard creates.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// The rule a password breaks. No message says how long the password is
/// or which character is wrong: each would tell a reader of the screen part
/// of the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("{}", self.msg().english())]
    Empty,
    #[error("{}", self.msg().english())]
    TooShortToMask,
    #[error("{}", self.msg().english())]
    TooLong,
    #[error("{}", self.msg().english())]
    Control,
    #[error("{}", self.msg().english())]
    TooShort,
    #[error("{}", self.msg().english())]
    NotAscii,
    /// The release's title.
    #[error("{}", self.msg().english())]
    NeedsUrlEncoding(String),
}

impl PasswordError {
    /// The rule in any language (its words: `rule.password.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Empty => Message::new("rule.password.empty"),
            Self::TooShortToMask => {
                Message::new("rule.password.too_short_to_mask").arg("min", MIN_MASKED_CHARS)
            }
            Self::TooLong => Message::new("rule.password.too_long").arg("max", MAX_PASSWORD_CHARS),
            Self::Control => Message::new("rule.password.control"),
            Self::TooShort => {
                Message::new("rule.password.too_short").arg("min", MIN_PASSWORD_CHARS)
            }
            Self::NotAscii => Message::new("rule.password.not_ascii"),
            Self::NeedsUrlEncoding(value) => {
                Message::new("rule.password.needs_url_encoding").arg("value", value)
            }
        }
    }
}

/// A password for an account. Any printable character works (each is
/// escaped for the place it lands); control characters cannot be written to
/// an oslo.config file or typed at a prompt reliably, so they are refused.
pub fn password(value: &str) -> Result<(), PasswordError> {
    let chars = value.chars().count();
    if chars == 0 {
        return Err(PasswordError::Empty);
    }
    if chars < MIN_MASKED_CHARS {
        return Err(PasswordError::TooShortToMask);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong);
    }
    if value.chars().any(char::is_control) {
        return Err(PasswordError::Control);
    }
    Ok(())
}

/// A password for an account glance-wizard creates: also a minimum length.
pub fn new_password(value: &str) -> Result<(), PasswordError> {
    password(value)?;
    if value.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    Ok(())
}

/// The glance database password: Glance connects through PyMySQL, which
/// sends the password encoded as Latin-1 (`password.encode("latin1")` in
/// PyMySQL 1.0), so a character outside ASCII either cannot be sent at all
/// (`UnicodeEncodeError` at db_sync, seen on Debian bookworm) or is sent as
/// other bytes than the server hashed.
pub fn db_password(value: &str) -> Result<(), PasswordError> {
    new_password(value)?;
    if !value.is_ascii() {
        return Err(PasswordError::NotAscii);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A password not set stands in for a secret (`Secret::not_set`) and can never be typed.
    #[test]
    fn input_refuses_the_stand_in_of_a_password_not_set() {
        let stand_in = crate::util::secret::Secret::not_set();
        assert!(password(stand_in.expose()).is_err());
    }

    #[test]
    fn passwords() {
        assert!(password("it's a \"$ecret\" \\ @/%#;: 中文").is_ok());
        assert_eq!(password("two\nlines"), Err(PasswordError::Control));
        assert!(PasswordError::Control.to_string().contains("newline"));
        assert_eq!(new_password("short"), Err(PasswordError::TooShort));
        assert!(PasswordError::TooShort.to_string().contains("at least 8"));
    }

    /// A rule's message is shown on screen next to the masked field: it
    /// must not tell how long the password is, nor quote a character of it.
    #[test]
    fn password_rules_tell_neither_length_nor_character() {
        let long = "y".repeat(MAX_PASSWORD_CHARS + 7);
        for (error, leaked) in [
            (new_password("abcd").unwrap_err(), "4"),
            (password(&long).unwrap_err(), "263"),
            (db_password("密码abc12345").unwrap_err(), "密"),
            (password("ab\u{7}cd").unwrap_err(), "0007"),
            (password("ab").unwrap_err(), "2)"),
        ] {
            let message = error.to_string();
            assert!(!message.contains(leaked), "{message}");
        }
    }
}
