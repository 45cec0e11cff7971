//! Format-preserving editor for oslo.config INI files (`glance-api.conf` and friends).
//!
//! The wizard edits files that people have already read, commented and diffed, so an edit must
//! touch only the lines it is about: [`IniDocument::parse`] keeps every byte (line endings,
//! a byte order mark, a missing final newline, odd lines) and [`IniDocument::render`] gives them
//! back unchanged until something is edited.
//!
//! Reading follows oslo.config's own parser (`oslo_config/iniparser.py` and
//! `cfg.ConfigParser`, checked against python3-oslo.config 9.0.0), not Python's
//! `configparser`, because that is what glance uses:
//!
//! * each line is first right-stripped (Python `str.rstrip`, so Unicode whitespace and the
//!   `\x1c`..`\x1f` separators count); an empty result is a blank line, which ends a value;
//! * a line starting with a space or a tab continues the previous value (even `  # text` or
//!   `  [x]`): the stripped pieces are joined with `\n`;
//! * `[name]` starts a section; `#` and `;` at column 0 start a comment;
//! * anything else is `key = value` or `key: value`, split at whichever of `=`/`:` comes
//!   first; key and value are stripped and one pair of matching surrounding quotes
//!   (`"…"` or `'…'`) is removed from the value (a lone `"` reads as the empty string);
//! * the last occurrence of a key wins;
//! * section names are compared lower-cased, except that only the exact spelling `DEFAULT`
//!   is the default section (`[Database]` is `[database]`, `[default]` is not `[DEFAULT]`);
//! * files are split into lines with Python's universal newlines: `\n`, `\r\n` and a lone
//!   `\r` all end a line.
//!
//! Lines that oslo.config would reject (it refuses the whole file) are kept verbatim, ignored
//! for reading, and reported by [`IniDocument::oslo_problems`].
//!
//! Values in the file are still subject to oslo.config's `$` substitution at access time; use
//! [`oslo_quote`] to turn a literal into the text to write and [`oslo_unescape`] for the
//! opposite direction.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod edit;
mod oslo_value;
mod read;
mod text;

#[cfg(test)]
mod oslo_tests;
#[cfg(test)]
mod tests;

use std::fmt;

pub use edit::IniError;
pub use oslo_value::{OsloValueError, oslo_quote, oslo_unescape};
pub use read::{Problem, ProblemKind};
use text::{Line, split_lines};

/// A parsed oslo.config file that remembers its exact text.
///
/// Parsing never fails; see the module documentation for the reading rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IniDocument {
    /// The file started with U+FEFF. Kept apart from the first line so that edits of that line
    /// cannot separate the mark from the start of the file.
    bom: bool,
    lines: Vec<Line>,
}

impl IniDocument {
    /// Parses any text. Nothing is lost: [`render`](Self::render) returns `text` until an edit.
    pub fn parse(text: &str) -> IniDocument {
        let (bom, rest) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        IniDocument {
            bom,
            lines: split_lines(rest),
        }
    }

    /// The file's text, byte for byte as parsed plus any edits.
    pub fn render(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for IniDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bom {
            f.write_str("\u{feff}")?;
        }
        for line in &self.lines {
            f.write_str(&line.text)?;
            f.write_str(line.eol.as_str())?;
        }
        Ok(())
    }
}
