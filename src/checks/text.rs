//! The prechecks as lines of text in a language: what `check` and `apply` print and the
//! support bundle keeps.

use crate::checks::precheck::Check;
use crate::i18n::Texts;

/// One line a check: its status word, its name padded to a column (by
/// terminal cells, for Chinese), what it found.
pub fn check_lines(checks: &[Check], t: &Texts) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    checks
        .iter()
        .map(|c| {
            let name = t.t(&format!("check.{}", c.id()));
            let pad = " ".repeat(16usize.saturating_sub(name.width()));
            let status = t.t(&format!("status.{}", c.status.id()));
            format!("  [{status}] {name}{pad} {}", t.msg(&c.detail))
        })
        .collect()
}
