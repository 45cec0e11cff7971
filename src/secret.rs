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
///
/// One pass over the text finds every occurrence of every form, overlapping
/// ones included (an automaton over all of them); each run of overlapping
/// occurrences becomes one [`MASK`], so no byte of any occurrence survives.
/// Forms never contain a line break (secrets with control characters are
/// refused), so text may be redacted a line or a block of lines at a time.
#[derive(Clone, Default, Debug)]
pub struct Redactor {
    needles: Vec<String>,
    /// Built from `needles` when first needed (after the last
    /// [`Redactor::add`]). `any` only tells whether a form occurs (a SIMD
    /// search at gigabytes per second: the usual answer is no); `all` then
    /// finds every occurrence, overlapping ones included.
    any: std::sync::OnceLock<aho_corasick::AhoCorasick>,
    all: std::sync::OnceLock<aho_corasick::AhoCorasick>,
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
        self.any = Default::default();
        self.all = Default::default();
    }

    /// Every form registered (each secret as is and escaped).
    pub fn forms(&self) -> &[String] {
        &self.needles
    }

    /// The longest form of any secret, in bytes (0 without secrets): a
    /// stream cut anywhere but a line end must keep this many bytes minus
    /// one for the next piece (see `engine::runner::stream`).
    pub fn longest(&self) -> usize {
        self.needles.iter().map(String::len).max().unwrap_or(0)
    }

    /// Where forms of secrets occur in `bytes`, as merged `start..end`
    /// ranges (overlapping occurrences make one range), in order.
    pub fn occurrences(&self, bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
        if self.needles.is_empty() {
            return Vec::new();
        }
        const BUILT: &str = "a few short patterns build";
        let any = self.any.get_or_init(|| {
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(&self.needles)
                .expect(BUILT)
        });
        if !any.is_match(bytes) {
            return Vec::new();
        }
        let all = self
            .all
            .get_or_init(|| aho_corasick::AhoCorasick::new(&self.needles).expect(BUILT));
        let mut ranges: Vec<std::ops::Range<usize>> = all
            .find_overlapping_iter(bytes)
            .map(|m| m.start()..m.end())
            .collect();
        if ranges.len() > 1 {
            ranges.sort_by_key(|r| r.start);
            let mut merged: Vec<std::ops::Range<usize>> = Vec::with_capacity(ranges.len());
            for r in ranges {
                match merged.last_mut() {
                    Some(last) if r.start < last.end => last.end = last.end.max(r.end),
                    _ => merged.push(r),
                }
            }
            ranges = merged;
        }
        ranges
    }

    /// `text` with every form of every secret masked; borrowed when there
    /// is nothing to mask (the common case: no allocation).
    pub fn redact_cow<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        let ranges = self.occurrences(text.as_bytes());
        if ranges.is_empty() {
            return std::borrow::Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for r in ranges {
            // Needles are whole strings: ranges fall on char boundaries.
            out.push_str(&text[at..r.start]);
            out.push_str(MASK);
            at = r.end;
        }
        out.push_str(&text[at..]);
        std::borrow::Cow::Owned(out)
    }

    pub fn redact(&self, text: &str) -> String {
        self.redact_cow(text).into_owned()
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

    /// Two secrets that overlap in the text: neither leaves a fragment.
    #[test]
    fn overlapping_secrets_are_masked_whole() {
        let mut redactor = Redactor::new();
        redactor.add(&Secret::new("abcxy"));
        redactor.add(&Secret::new("xyz123"));
        assert_eq!(redactor.redact("[abcxyz123]"), "[********]");
        assert_eq!(redactor.redact("abcxy xyz123"), "******** ********");
        assert_eq!(redactor.redact("nothing here"), "nothing here");
        assert!(matches!(
            redactor.redact_cow("nothing here"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(Redactor::new().redact("abcxy"), "abcxy");
    }
}
