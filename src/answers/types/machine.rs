//! Values for the target machine itself: absolute paths and package-manager
//! options.

use crate::i18n::Message;

/// Why a text is not an [`AbsolutePath`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("{}", self.msg().english())]
    Relative(String),
    #[error("{}", self.msg().english())]
    Control,
}

impl PathError {
    /// The rule in any language (its words: `rule.path.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Relative(value) => Message::new("rule.path.relative").arg("value", value),
            Self::Control => Message::new("rule.path.control"),
        }
    }
}

fn check_absolute_path(value: &str) -> Result<(), PathError> {
    if !value.starts_with('/') {
        return Err(PathError::Relative(value.into()));
    }
    if value.chars().any(char::is_control) {
        return Err(PathError::Control);
    }
    Ok(())
}

text_type!(
    /// An absolute path with no control characters.
    AbsolutePath,
    PathError,
    check_absolute_path
);

impl AsRef<std::path::Path> for AbsolutePath {
    fn as_ref(&self) -> &std::path::Path {
        self.0.as_ref()
    }
}

impl AsRef<std::ffi::OsStr> for AbsolutePath {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_ref()
    }
}

/// Why a text is not a [`CommandOption`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandOptionError {
    #[error("{}", self.msg().english())]
    Empty,
    /// Quoted escaped, so that the message stays on one line.
    #[error("{}", self.msg().english())]
    Control(String),
}

impl CommandOptionError {
    /// The rule in any language (its words: `rule.command_option.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Empty => Message::new("rule.command_option.empty"),
            Self::Control(value) => Message::new("rule.command_option.control").arg("value", value),
        }
    }
}

/// Passed as is (no shell), so anything printable goes, but not an empty
/// string or a control character (a newline would split the plan's display
/// and the log).
fn check_command_option(value: &str) -> Result<(), CommandOptionError> {
    if value.is_empty() {
        return Err(CommandOptionError::Empty);
    }
    if value.chars().any(char::is_control) {
        return Err(CommandOptionError::Control(
            value.escape_default().to_string(),
        ));
    }
    Ok(())
}

text_type!(
    /// One extra command-line argument for the package manager.
    CommandOption,
    CommandOptionError,
    check_command_option
);
