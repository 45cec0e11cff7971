//! Names: SQL identifiers, Keystone names, region names.

use crate::i18n::Message;

/// Why a text is not a name ([`SqlIdentifier`], [`KeystoneName`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("{}", self.msg().english())]
    Length,
    #[error("{}", self.msg().english())]
    Characters(String),
}

impl NameError {
    /// The rule in any language (its words: `rule.name.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Length => Message::new("rule.name.length"),
            Self::Characters(value) => Message::new("rule.name.characters").arg("value", value),
        }
    }
}

/// The one rule for plain names: short enough for MySQL (64) and made of
/// characters that need no quoting in SQL, a shell or a config file.
fn check_name(value: &str) -> Result<(), NameError> {
    if value.is_empty() || value.len() > 64 {
        return Err(NameError::Length);
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
    {
        return Err(NameError::Characters(value.into()));
    }
    Ok(())
}

text_type!(
    /// A MySQL/MariaDB database or account name: letters, digits, '_' and
    /// '-', 1 to 64 characters (MySQL's limit for database names).
    SqlIdentifier,
    NameError,
    check_name
);

text_type!(
    /// A Keystone user or project name glance-wizard creates or looks up:
    /// the same characters as [`SqlIdentifier`] (Keystone takes more, but
    /// these need no quoting on the command line nor in a config file).
    KeystoneName,
    NameError,
    check_name
);

/// Why a text is not a [`RegionName`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("{}", self.msg().english())]
    Length,
    #[error("{}", self.msg().english())]
    Characters(String),
}

impl RegionError {
    /// The rule in any language (its words: `rule.region.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Length => Message::new("rule.region.length"),
            Self::Characters(value) => Message::new("rule.region.characters").arg("value", value),
        }
    }
}

fn check_region(value: &str) -> Result<(), RegionError> {
    if value.is_empty() || value.len() > 255 {
        return Err(RegionError::Length);
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(RegionError::Characters(value.into()));
    }
    Ok(())
}

text_type!(
    /// A Keystone region id: Keystone accepts up to 255 characters; we
    /// keep to characters that need no quoting anywhere.
    RegionName,
    RegionError,
    check_region
);
