//! Secrets: a wrapper that never prints its value, and a redactor that scrubs
//! every known secret (in every encoding it may appear in) from text that is
//! about to reach a log, the journal or the screen.

use std::fmt;

/// The mask printed in place of a secret everywhere.
pub const MASK: &str = "********";

/// A secret string. `Debug` and `Display` print [`MASK`]; the value is only
/// reachable through [`Secret::expose`], so a stray `{:?}` cannot leak it.
#[derive(Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The clear value. Call sites are few and easy to audit with grep.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// Replaces every registered secret, and the forms it takes once escaped for
/// SQL, a database URL or oslo.config, with [`MASK`].
#[derive(Clone, Default, Debug)]
pub struct Redactor {
    /// Longest first, so that a secret containing another is masked whole.
    needles: Vec<String>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a secret and its escaped variants. Very short values are
    /// skipped: masking every "a" in a log would make it unreadable and
    /// protects nothing (validation refuses such passwords anyway).
    pub fn add(&mut self, secret: &Secret) {
        let value = secret.expose();
        if value.chars().count() < 3 {
            return;
        }
        let encoded = crate::escape::percent_encode_userinfo(value);
        let mut variants = vec![
            value.to_string(),
            crate::escape::sql_string_body(value, false),
            crate::escape::sql_string_body(value, true),
            crate::escape::shell_single_quote(value),
        ];
        // As written to an oslo.config file, alone or inside the DB URL.
        variants.extend(crate::ini::oslo_quote(value).ok());
        variants.extend(crate::ini::oslo_quote(&encoded).ok());
        variants.push(encoded);
        for variant in variants {
            if !self.needles.contains(&variant) {
                self.needles.push(variant);
            }
        }
        self.needles
            .sort_by_key(|needle| std::cmp::Reverse(needle.len()));
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), MASK);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_mask() {
        let secret = Secret::new("hunter2!");
        assert_eq!(format!("{secret:?} {secret}"), "******** ********");
    }

    #[test]
    fn redacts_escaped_forms() {
        let mut redactor = Redactor::new();
        redactor.add(&Secret::new("p@ss$word'"));
        let line =
            "url=mysql+pymysql://glance:p%40ss$$word%27@h/glance sql='p@ss$word''' raw p@ss$word'";
        let redacted = redactor.redact(line);
        assert!(!redacted.contains("ss$"), "{redacted}");
        assert!(!redacted.contains("p%40"), "{redacted}");
    }
}
