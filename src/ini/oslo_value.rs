//! oslo.config's rules for values: what to write so that a literal reads back unchanged
//! ([`oslo_quote`]) and what a written value reads as ([`oslo_unescape`]).

use std::fmt;

use super::text::is_py_space;

/// A value that no single line of an oslo.config file can carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OsloValueError {
    /// `\n` or `\r` at this character index. oslo.config reads files line by line with
    /// universal newlines: the text after the break would become a new assignment, or, when
    /// indented, a continuation joined with `\n` (never `\r`).
    LineBreak {
        /// Character (not byte) index in the value.
        position: usize,
    },
    /// A control character (Unicode category Cc, other than tab) at this character index.
    /// Several of them (`\x0b`, `\x0c`, `\x1c`..`\x1f`, `\x85`) are whitespace to Python and
    /// silently vanish at the ends of a value; none belongs in a password or URL, and refusing
    /// them all keeps the rule simple to state.
    ControlCharacter {
        /// The refused character.
        ch: char,
        /// Character (not byte) index in the value.
        position: usize,
    },
}

impl fmt::Display for OsloValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OsloValueError::LineBreak { position } => write!(
                f,
                "line break at character {position}: an oslo.config value must fit on one line"
            ),
            OsloValueError::ControlCharacter { ch, position } => write!(
                f,
                "control character U+{:04X} at character {position}: oslo.config values may \
                 not contain control characters other than tab",
                u32::from(*ch)
            ),
        }
    }
}

impl std::error::Error for OsloValueError {}

/// Returns the text to write after `key = ` so that oslo.config hands the program exactly
/// `value`.
///
/// The rules, in the order they are applied:
///
/// 1. **Refuse `\n`, `\r` and other control characters** (tab is allowed). Files are read line
///    by line, so a line break cannot be inside a value; the other control characters are
///    partly Python whitespace (lost at the ends of a value) and never legitimate here.
/// 2. **`$` becomes `$$`.** oslo.config runs every string value through
///    `string.Template.safe_substitute` when the option is read: `$name` and `${group.name}`
///    are replaced by other options' values (an unknown name fails with `NoSuchOptError`),
///    and `$$` is the escape for one `$`.
/// 3. **A `$` that follows a backslash in `value` is written `\$` instead** (so `\$` in the
///    value becomes `\\$`). Before substituting, oslo.config replaces every `\$` in the text
///    with `$$`, so `\$$` would read back as `$$`… and `\\$` is the only way to make it
///    produce a backslash followed by a dollar: the first backslash stays, `\$` turns into
///    the `$$` escape.
/// 4. **Wrap the result in double quotes when it starts or ends with whitespace, or when it
///    starts and ends with the same quote character** (including a lone `"` or `'`). The
///    parser strips whitespace (Python's idea of it, which includes U+3000 and the like) from
///    both ends of the value, and then removes one pair of surrounding quotes when the first
///    and last characters are the same `"` or `'`. Nothing else is special: no escapes
///    inside quotes, so wrapping in `"` removes exactly the quotes we added. A value like
///    `"abc` or `'a"` is left alone because the parser leaves it alone.
///
/// Not special, so not quoted: `#` and `;` (comments only start at column 0, `key = #x`
/// reads `#x`), `=` and `:` (the line is split at the first one, which is the one after the
/// key), `[`, `]`, `%`, `@`, `/`, backslashes not before `$`, and non-ASCII text (read as
/// UTF-8: Python 3.7+ uses UTF-8 under the C locale that services get).
///
/// URL syntax is a separate layer: percent-encode the password in a database URL first, then
/// quote the whole URL with this function.
pub fn oslo_quote(value: &str) -> Result<String, OsloValueError> {
    for (position, ch) in value.chars().enumerate() {
        if ch == '\n' || ch == '\r' {
            return Err(OsloValueError::LineBreak { position });
        }
        if ch.is_control() && ch != '\t' {
            return Err(OsloValueError::ControlCharacter { ch, position });
        }
    }
    let mut out = String::with_capacity(value.len() + 2);
    let mut prev = None;
    for ch in value.chars() {
        match (ch, prev) {
            ('$', Some('\\')) => out.push_str("\\$"),
            ('$', _) => out.push_str("$$"),
            _ => out.push(ch),
        }
        prev = Some(ch);
    }
    let first = out.chars().next();
    let last = out.chars().next_back();
    let needs_quotes = match (first, last) {
        (Some(f), Some(l)) => {
            is_py_space(f) || is_py_space(l) || (f == l && (f == '"' || f == '\''))
        }
        _ => false,
    };
    if needs_quotes {
        out.insert(0, '"');
        out.push('"');
    }
    Ok(out)
}

/// What oslo.config returns for an option whose file value (as [`IniDocument::get`](super::IniDocument::get) gives it)
/// is `file_value`, when that involves no substitution: `\$` and `$$` become `$`, a `$` that
/// starts no placeholder stays. `None` when the value refers to another option (`$name`,
/// `${…}`) or might, as with a `$` before a non-ASCII letter, which Python's case-insensitive
/// placeholder pattern can match.
pub fn oslo_unescape(file_value: &str) -> Option<String> {
    let text = file_value.replace("\\$", "$$");
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('$') => {
                chars.next();
                out.push('$');
            }
            Some(&n) if n == '_' || n == '{' || n.is_ascii_alphabetic() || !n.is_ascii() => {
                return None;
            }
            _ => out.push('$'),
        }
    }
    Some(out)
}
