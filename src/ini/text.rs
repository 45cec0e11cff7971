//! Python's string rules that oslo.config's reading depends on (what `str.strip` strips), and
//! the split of a file into lines that keep their own terminators.

/// How one physical line ends. Kept per line so that rendering is byte-identical even for
/// files with mixed endings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Eol {
    /// Last line of a file without a final newline.
    None,
    Lf,
    CrLf,
    Cr,
}

impl Eol {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Eol::None => "",
            Eol::Lf => "\n",
            Eol::CrLf => "\r\n",
            Eol::Cr => "\r",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Line {
    /// The line without its terminator.
    pub(super) text: String,
    pub(super) eol: Eol,
}

/// Python's `str.isspace`, which `str.strip` uses: Rust's `char::is_whitespace` plus the
/// information separators U+001C..U+001F.
pub(super) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

pub(super) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

pub(super) fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(is_py_space)
}

pub(super) fn py_lstrip(s: &str) -> &str {
    s.trim_start_matches(is_py_space)
}

/// Splits `text` with Python's universal newlines (`\n`, `\r\n` and a lone `\r`).
pub(super) fn split_lines(text: &str) -> Vec<Line> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let eol = match bytes[i] {
            b'\n' => Some((Eol::Lf, 1)),
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => Some((Eol::CrLf, 2)),
            b'\r' => Some((Eol::Cr, 1)),
            _ => None,
        };
        match eol {
            Some((eol, len)) => {
                lines.push(Line {
                    text: text[start..i].to_owned(),
                    eol,
                });
                i += len;
                start = i;
            }
            None => i += 1,
        }
    }
    if start < bytes.len() {
        lines.push(Line {
            text: text[start..].to_owned(),
            eol: Eol::None,
        });
    }
    lines
}
