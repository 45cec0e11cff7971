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

use std::borrow::Cow;
use std::fmt;

/// How one physical line ends. Kept per line so that rendering is byte-identical even for
/// files with mixed endings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Eol {
    /// Last line of a file without a final newline.
    None,
    Lf,
    CrLf,
    Cr,
}

impl Eol {
    fn as_str(self) -> &'static str {
        match self {
            Eol::None => "",
            Eol::Lf => "\n",
            Eol::CrLf => "\r\n",
            Eol::Cr => "\r",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Line {
    /// The line without its terminator.
    text: String,
    eol: Eol,
}

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

/// Why oslo.config would refuse to load a file, for one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file starts with a UTF-8 byte order mark: oslo.config reads it as part of the first
    /// line, which then is neither a section header nor an assignment.
    ByteOrderMark,
    /// An indented line that follows no assignment (it follows a blank line, a comment or a
    /// section header).
    UnexpectedContinuation,
    /// A line starting with `[` that does not end with `]`.
    MissingSectionEnd,
    /// `[]`.
    EmptySectionName,
    /// A line that is neither blank, comment, header nor contains `=` or `:`.
    MissingSeparator,
    /// An assignment with nothing before the `=`/`:`.
    EmptyKey,
    /// An assignment before the first section header.
    EntryBeforeSection,
}

/// A line that oslo.config would reject. oslo.config stops at the first one and refuses the
/// whole file, so any problem means the service will not start with this file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number, as oslo.config and editors count.
    pub line: usize,
    /// What is wrong with it.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ProblemKind::ByteOrderMark => "the file starts with a byte order mark (U+FEFF)",
            ProblemKind::UnexpectedContinuation => "unexpected continuation line",
            ProblemKind::MissingSectionEnd => "invalid section (must end with ])",
            ProblemKind::EmptySectionName => "empty section name",
            ProblemKind::MissingSeparator => "no ':' or '=' found in assignment",
            ProblemKind::EmptyKey => "key cannot be empty",
            ProblemKind::EntryBeforeSection => "section must be started before assignment",
        };
        write!(f, "line {}: {}", self.line, what)
    }
}

/// An edit that would produce a file oslo.config reads differently from what was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IniError {
    /// The section name cannot be written as a header that reads back as the same name.
    InvalidSection {
        /// The name as given.
        name: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// The key cannot be written as an assignment that reads back as the same key.
    InvalidKey {
        /// The key as given.
        key: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// The raw value contains `\r` or `\n`, which would end the line.
    LineBreakInValue,
}

impl fmt::Display for IniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IniError::InvalidSection { name, reason } => {
                write!(f, "invalid section name {name:?}: {reason}")
            }
            IniError::InvalidKey { key, reason } => {
                write!(f, "invalid option name {key:?}: {reason}")
            }
            IniError::LineBreakInValue => {
                write!(
                    f,
                    "a raw value cannot contain a line break: it would end the line"
                )
            }
        }
    }
}

impl std::error::Error for IniError {}

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

/// Python's `str.isspace`, which `str.strip` uses: Rust's `char::is_whitespace` plus the
/// information separators U+001C..U+001F.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(is_py_space)
}

fn py_lstrip(s: &str) -> &str {
    s.trim_start_matches(is_py_space)
}

/// oslo.config's group-name normalisation (`cfg._normalize_group_name`).
fn normalize(section: &str) -> Cow<'_, str> {
    if section == "DEFAULT" {
        Cow::Borrowed(section)
    } else {
        Cow::Owned(section.to_lowercase())
    }
}

/// The value oslo.config reads from the text after the separator of a one-line assignment.
fn read_value(after_separator: &str) -> &str {
    let v = py_strip(after_separator);
    let quoted =
        (v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''));
    if !quoted {
        v
    } else if v.len() == 1 {
        // Python's `'"'[1:-1]` is the empty string.
        ""
    } else {
        &v[1..v.len() - 1]
    }
}

fn split_lines(text: &str) -> Vec<Line> {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Blank,
    Comment,
    Header,
    Entry,
    Continuation,
    Invalid(ProblemKind),
}

#[derive(Debug)]
struct Block {
    name: String,
    /// Line index of the header.
    header: usize,
    /// Line index one past the block (next header or end of file).
    end: usize,
}

#[derive(Debug)]
struct Entry {
    /// Index into `Analysis::blocks`; `None` before the first header.
    block: Option<usize>,
    key: String,
    /// Line index of the `key = value` line.
    first: usize,
    /// One past the last continuation line.
    end: usize,
    /// Byte index of the separator in the first line.
    sep: usize,
    value: String,
}

/// The oslo.config reading of the current lines. Recomputed after each edit: it takes well
/// under a millisecond for the 6850-line Debian file, and a cache could go stale.
#[derive(Debug)]
struct Analysis {
    kinds: Vec<Kind>,
    blocks: Vec<Block>,
    entries: Vec<Entry>,
}

impl Analysis {
    fn matching_blocks(&self, section: &str) -> Vec<usize> {
        let want = normalize(section);
        (0..self.blocks.len())
            .filter(|&b| normalize(&self.blocks[b].name) == want)
            .collect()
    }

    fn entries_in<'a>(&'a self, blocks: &'a [usize]) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.block.is_some_and(|b| blocks.contains(&b)))
    }
}

/// Whether `text` is a commented-out template for `key`, as oslo-config-generator writes them
/// (`#connection = <None>`); `# key = x` and `;key: x` count too, for hand-edited files.
fn is_template_for(text: &str, key: &str) -> bool {
    let Some(rest) = text.strip_prefix(['#', ';']) else {
        return false;
    };
    let rest = rest
        .trim_start_matches(['#', ';'])
        .trim_start_matches([' ', '\t']);
    rest.strip_prefix(key)
        .map(|r| r.trim_start_matches([' ', '\t']))
        .is_some_and(|r| r.starts_with(['=', ':']))
}

fn validate_section(name: &str) -> Result<(), IniError> {
    let bad = |reason| {
        Err(IniError::InvalidSection {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.chars().any(char::is_control) {
        return bad("it contains a control character");
    }
    if py_strip(name) != name {
        return bad("it starts or ends with whitespace");
    }
    Ok(())
}

fn validate_key(key: &str) -> Result<(), IniError> {
    let bad = |reason| {
        Err(IniError::InvalidKey {
            key: key.to_owned(),
            reason,
        })
    };
    if key.is_empty() {
        return bad("it is empty");
    }
    if key.contains(['=', ':']) {
        return bad("oslo.config splits a line at the first '=' or ':'");
    }
    if key.chars().any(char::is_control) {
        return bad("it contains a control character");
    }
    if py_strip(key) != key {
        return bad("it starts or ends with whitespace");
    }
    if key.starts_with(['#', ';', '[']) {
        return bad("the line would be read as a comment or a section header");
    }
    Ok(())
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

    fn analyze(&self) -> Analysis {
        let mut kinds = Vec::with_capacity(self.lines.len());
        let mut blocks: Vec<Block> = Vec::new();
        let mut entries: Vec<Entry> = Vec::new();
        // The entry that an indented line would continue (oslo's `key` variable).
        let mut open: Option<usize> = None;
        for (i, line) in self.lines.iter().enumerate() {
            let t = py_rstrip(&line.text);
            if t.is_empty() {
                open = None;
                kinds.push(Kind::Blank);
                continue;
            }
            if t.starts_with([' ', '\t']) {
                match open {
                    Some(e) => {
                        let entry = &mut entries[e];
                        entry.end = i + 1;
                        entry.value.push('\n');
                        entry.value.push_str(py_lstrip(t));
                        kinds.push(Kind::Continuation);
                    }
                    None => kinds.push(Kind::Invalid(ProblemKind::UnexpectedContinuation)),
                }
                continue;
            }
            open = None;
            let kind = if t.starts_with('[') {
                if !t.ends_with(']') {
                    Kind::Invalid(ProblemKind::MissingSectionEnd)
                } else if t.len() <= 2 {
                    Kind::Invalid(ProblemKind::EmptySectionName)
                } else {
                    if let Some(prev) = blocks.last_mut() {
                        prev.end = i;
                    }
                    blocks.push(Block {
                        name: t[1..t.len() - 1].to_owned(),
                        header: i,
                        end: self.lines.len(),
                    });
                    Kind::Header
                }
            } else if t.starts_with(['#', ';']) {
                Kind::Comment
            } else {
                match t.find(['=', ':']) {
                    None => Kind::Invalid(ProblemKind::MissingSeparator),
                    Some(sep) => {
                        let key = py_strip(&t[..sep]);
                        if key.is_empty() {
                            Kind::Invalid(ProblemKind::EmptyKey)
                        } else {
                            open = Some(entries.len());
                            entries.push(Entry {
                                block: blocks.len().checked_sub(1),
                                key: key.to_owned(),
                                first: i,
                                end: i + 1,
                                sep,
                                value: read_value(&t[sep + 1..]).to_owned(),
                            });
                            Kind::Entry
                        }
                    }
                }
            };
            kinds.push(kind);
        }
        Analysis {
            kinds,
            blocks,
            entries,
        }
    }

    /// The value oslo.config reads for `key` in `section` (last occurrence wins; continuation
    /// lines joined with `\n`), before `$` substitution (see [`oslo_unescape`]).
    pub fn get(&self, section: &str, key: &str) -> Option<String> {
        self.get_all(section, key).pop()
    }

    /// Every value of `key` in `section`, in file order, as a `MultiStrOpt` would see them.
    pub fn get_all(&self, section: &str, key: &str) -> Vec<String> {
        let a = self.analyze();
        let blocks = a.matching_blocks(section);
        a.entries_in(&blocks)
            .filter(|e| e.key == key)
            .map(|e| e.value.clone())
            .collect()
    }

    /// Whether a header for `section` exists (compared as oslo.config compares groups).
    pub fn has_section(&self, section: &str) -> bool {
        !self.analyze().matching_blocks(section).is_empty()
    }

    /// Section names in file order, one per oslo.config group (the first spelling wins when a
    /// group has several headers).
    pub fn sections(&self) -> Vec<String> {
        let a = self.analyze();
        let mut seen: Vec<Cow<'_, str>> = Vec::new();
        let mut out = Vec::new();
        for b in &a.blocks {
            let n = normalize(&b.name);
            if !seen.contains(&n) {
                seen.push(n);
                out.push(b.name.clone());
            }
        }
        out
    }

    /// Keys set (not commented out) in `section`, in order of first appearance.
    pub fn keys(&self, section: &str) -> Vec<String> {
        let a = self.analyze();
        let blocks = a.matching_blocks(section);
        let mut out: Vec<String> = Vec::new();
        for e in a.entries_in(&blocks) {
            if !out.contains(&e.key) {
                out.push(e.key.clone());
            }
        }
        out
    }

    /// Lines that would make oslo.config refuse the file, in file order. Empty for a file that
    /// oslo.config loads.
    pub fn oslo_problems(&self) -> Vec<Problem> {
        let a = self.analyze();
        let mut out = Vec::new();
        if self.bom {
            out.push(Problem {
                line: 1,
                kind: ProblemKind::ByteOrderMark,
            });
        }
        let orphans: Vec<usize> = a
            .entries
            .iter()
            .filter(|e| e.block.is_none())
            .map(|e| e.first)
            .collect();
        for (i, k) in a.kinds.iter().enumerate() {
            let kind = match k {
                Kind::Invalid(p) => *p,
                Kind::Entry if orphans.contains(&i) => ProblemKind::EntryBeforeSection,
                _ => continue,
            };
            out.push(Problem { line: i + 1, kind });
        }
        out
    }

    /// Sets `key` in `section` to `raw_value`, which is written as is (less surrounding
    /// whitespace, which oslo.config ignores): pass a literal through [`oslo_quote`] first.
    ///
    /// * If the key is set in the section, the value part of its line is replaced (the key's
    ///   spelling, the separator and the spacing around it stay) and its continuation lines are
    ///   dropped. With several occurrences, the first one in the last header of that section
    ///   that has the key is edited and every other occurrence is commented out with `#`, so
    ///   that exactly one assignment is left and nothing is deleted.
    /// * Otherwise `key = raw_value` goes right after the last commented-out template line
    ///   for the key (`#key = …`, Debian's files have one per option below its help text) in
    ///   the section, or, when there is none, after the last non-blank line of the section's
    ///   last header.
    /// * Without a header for the section, a blank line, `[section]` and the assignment are
    ///   appended.
    ///
    /// New lines use the file's most common line ending; a file without a final newline keeps
    /// having none.
    pub fn set(&mut self, section: &str, key: &str, raw_value: &str) -> Result<(), IniError> {
        validate_section(section)?;
        validate_key(key)?;
        if raw_value.contains(['\n', '\r']) {
            return Err(IniError::LineBreakInValue);
        }
        // oslo.config strips whitespace around a value, so writing it would change nothing but
        // make the edit depend on what was there (and break idempotence).
        let raw_value = py_strip(raw_value);
        let a = self.analyze();
        let blocks = a.matching_blocks(section);
        let occurrences: Vec<&Entry> = a.entries_in(&blocks).filter(|e| e.key == key).collect();

        if let Some(last) = occurrences.last() {
            let target_block = last.block;
            let target = occurrences
                .iter()
                .position(|e| e.block == target_block)
                .expect("the last occurrence is in its own block");
            // Bottom-up, so that dropping continuation lines does not shift the lines still to
            // be edited.
            for (n, e) in occurrences.iter().enumerate().rev() {
                if n == target {
                    self.replace_value(e, raw_value);
                } else {
                    self.comment_out_lines(e.first, e.end);
                }
            }
            return Ok(());
        }

        let new_line = if raw_value.is_empty() {
            format!("{key} =")
        } else {
            format!("{key} = {raw_value}")
        };
        let Some(&last_block) = blocks.last() else {
            self.append_section(section, new_line);
            return Ok(());
        };
        let template = blocks
            .iter()
            .flat_map(|&b| a.blocks[b].header + 1..a.blocks[b].end)
            .rev()
            .find(|&i| a.kinds[i] == Kind::Comment && is_template_for(&self.lines[i].text, key));
        let at = match template {
            // An indented line right after a comment is already an oslo.config error; our new
            // line would adopt it as a continuation, so go before the template instead.
            Some(t)
                if a.kinds.get(t + 1)
                    == Some(&Kind::Invalid(ProblemKind::UnexpectedContinuation)) =>
            {
                t
            }
            Some(t) => t + 1,
            None => {
                let b = &a.blocks[last_block];
                (b.header..b.end)
                    .rev()
                    .find(|&i| a.kinds[i] != Kind::Blank)
                    .unwrap_or(b.header)
                    + 1
            }
        };
        self.insert_line(at, new_line);
        Ok(())
    }

    /// Comments out (prefix `#`) every assignment in `section` whose key is not in `keep`,
    /// continuation lines included, and returns the keys commented out, in order of first
    /// appearance. This is the install guide's "comment out or remove any other options in
    /// the `[keystone_authtoken]` section", done without losing anything.
    pub fn comment_out_except(&mut self, section: &str, keep: &[&str]) -> Vec<String> {
        let a = self.analyze();
        let blocks = a.matching_blocks(section);
        let mut names: Vec<String> = Vec::new();
        for e in a
            .entries_in(&blocks)
            .filter(|e| !keep.contains(&e.key.as_str()))
        {
            self.comment_out_lines(e.first, e.end);
            if !names.contains(&e.key) {
                names.push(e.key.clone());
            }
        }
        names
    }

    /// Comments out every assignment of `key` in `section`; returns how many there were.
    pub fn comment_out(&mut self, section: &str, key: &str) -> usize {
        let a = self.analyze();
        let blocks = a.matching_blocks(section);
        let mut n = 0;
        for e in a.entries_in(&blocks).filter(|e| e.key == key) {
            self.comment_out_lines(e.first, e.end);
            n += 1;
        }
        n
    }

    fn replace_value(&mut self, e: &Entry, raw_value: &str) {
        let text = &self.lines[e.first].text;
        let after = &text[e.sep + 1..];
        let gap = after.len() - py_lstrip(after).len();
        let mut new = if raw_value.is_empty() {
            text[..=e.sep].to_owned()
        } else if gap == after.len() {
            // The old value was empty (`key =`): add a space if the key side had one.
            let mut s = text[..=e.sep].to_owned();
            if text[..e.sep].ends_with(is_py_space) {
                s.push(' ');
            }
            s
        } else {
            // Keep the spacing after the separator (alignment some people use).
            text[..e.sep + 1 + gap].to_owned()
        };
        new.push_str(raw_value);
        // Keep the terminator of the region's last line: it may be the file's missing one.
        let eol = self.lines[e.end - 1].eol;
        self.lines.drain(e.first + 1..e.end);
        self.lines[e.first] = Line { text: new, eol };
    }

    fn comment_out_lines(&mut self, from: usize, to: usize) {
        for line in &mut self.lines[from..to] {
            line.text.insert(0, '#');
        }
    }

    /// The most common line ending, `\n` for a file without any.
    fn eol_style(&self) -> Eol {
        let count = |eol| self.lines.iter().filter(|l| l.eol == eol).count();
        let (lf, crlf, cr) = (count(Eol::Lf), count(Eol::CrLf), count(Eol::Cr));
        if crlf > lf && crlf >= cr {
            Eol::CrLf
        } else if cr > lf && cr > crlf {
            Eol::Cr
        } else {
            Eol::Lf
        }
    }

    fn insert_line(&mut self, at: usize, text: String) {
        let style = self.eol_style();
        let eol = match at.checked_sub(1).map(|p| &mut self.lines[p]) {
            // Inserting after an unterminated last line: it gets the terminator and the new
            // last line inherits "no final newline".
            Some(prev) if prev.eol == Eol::None => {
                prev.eol = style;
                Eol::None
            }
            _ => style,
        };
        self.lines.insert(at, Line { text, eol });
    }

    fn append_section(&mut self, section: &str, entry_line: String) {
        if self
            .lines
            .last()
            .is_some_and(|l| !py_rstrip(&l.text).is_empty())
        {
            self.insert_line(self.lines.len(), String::new());
        }
        self.insert_line(self.lines.len(), format!("[{section}]"));
        self.insert_line(self.lines.len(), entry_line);
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

/// What oslo.config returns for an option whose file value (as [`IniDocument::get`] gives it)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn doc(text: &str) -> IniDocument {
        IniDocument::parse(text)
    }

    const FIXTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/debian-zed/glance-api.conf"
    );

    fn fixture() -> String {
        std::fs::read_to_string(FIXTURE).expect("Debian glance-api.conf fixture")
    }

    // ---- round trip ------------------------------------------------------------------

    #[test]
    fn renders_odd_input_unchanged() {
        for text in [
            "",
            "\n",
            "\r",
            "\r\n",
            "\u{feff}",
            "\u{feff}[DEFAULT]\r\nk = v",
            "[s]\nk = v",
            "[s]\r\nk = v\r\n\r\n",
            "[s]\rk = v\r",
            "a\r\r\nb\n\rc",
            "\t[s]\t\n  k\t=\tv \t\n",
            "no section here\n= \n[]\n[x\n",
            "中文 = 密码\n",
        ] {
            assert_eq!(doc(text).render(), text, "{text:?}");
            assert_eq!(doc(text).to_string(), text);
        }
    }

    // ---- reading -----------------------------------------------------------------------

    #[test]
    fn reads_like_oslo_config() {
        let d = doc(concat!(
            "[DEFAULT]\n",
            "a = 1\n",
            "b: two words \n",
            "c = x = y\n",
            "d : e = f\n",
            "e = \"  quoted  \"\n",
            "f = 'x\n",
            "g = \"\n",
            "h = a # not a comment\n",
            "i = #x\n",
            "a = 3\n",
            "#j = commented\n",
            ";k = commented\n",
            "m = first\n",
            "  second\n",
            "\t# third\n",
            "\n",
            "n = \u{3000}wide\u{3000}\n",
            "o =\n",
        ));
        let g = |k| d.get("DEFAULT", k);
        assert_eq!(g("a").as_deref(), Some("3"));
        assert_eq!(g("b").as_deref(), Some("two words"));
        assert_eq!(g("c").as_deref(), Some("x = y"));
        assert_eq!(g("d").as_deref(), Some("e = f"));
        assert_eq!(g("e").as_deref(), Some("  quoted  "));
        assert_eq!(g("f").as_deref(), Some("'x"));
        assert_eq!(g("g").as_deref(), Some(""));
        assert_eq!(g("h").as_deref(), Some("a # not a comment"));
        assert_eq!(g("i").as_deref(), Some("#x"));
        assert_eq!(g("j"), None);
        assert_eq!(g("k"), None);
        assert_eq!(g("m").as_deref(), Some("first\nsecond\n# third"));
        assert_eq!(g("n").as_deref(), Some("wide"));
        assert_eq!(g("o").as_deref(), Some(""));
        assert_eq!(d.get_all("DEFAULT", "a"), vec!["1", "3"]);
        assert_eq!(
            d.keys("DEFAULT"),
            vec!["a", "b", "c", "d", "e", "f", "g", "h", "i", "m", "n", "o"]
        );
        assert!(d.oslo_problems().is_empty());
    }

    #[test]
    fn section_names_are_compared_like_oslo_groups() {
        let d = doc(
            "[Database]\nconnection = a\n[default]\nx = 1\n[DEFAULT]\ny = 2\n[ s ]\nz = 3\n[database]\nconnection = b\n",
        );
        assert_eq!(d.get("database", "connection").as_deref(), Some("b"));
        assert_eq!(d.get("DATABASE", "connection").as_deref(), Some("b"));
        assert_eq!(d.get_all("database", "connection"), vec!["a", "b"]);
        assert_eq!(d.get("DEFAULT", "x"), None);
        assert_eq!(d.get("default", "x").as_deref(), Some("1"));
        assert_eq!(d.get("DEFAULT", "y").as_deref(), Some("2"));
        assert_eq!(d.get("s", "z"), None);
        assert_eq!(d.get(" s ", "z").as_deref(), Some("3"));
        assert_eq!(d.sections(), vec!["Database", "default", "DEFAULT", " s "]);
        assert!(d.has_section("DataBase"));
        assert!(!d.has_section("keystone_authtoken"));
    }

    #[test]
    fn line_endings_of_every_kind_split_lines() {
        let d = doc("[s]\rk = a\r\nj = b\nl = c");
        assert_eq!(d.get("s", "k").as_deref(), Some("a"));
        assert_eq!(d.get("s", "j").as_deref(), Some("b"));
        assert_eq!(d.get("s", "l").as_deref(), Some("c"));
    }

    #[test]
    fn reports_what_oslo_config_rejects() {
        let kinds = |t: &str| {
            doc(t)
                .oslo_problems()
                .into_iter()
                .map(|p| (p.line, p.kind))
                .collect::<Vec<_>>()
        };
        use ProblemKind::*;
        assert_eq!(kinds("\u{feff}[s]\n"), vec![(1, ByteOrderMark)]);
        assert_eq!(kinds("k = v\n[s]\n"), vec![(1, EntryBeforeSection)]);
        assert_eq!(kinds("[s]\n# c\n  x\n"), vec![(3, UnexpectedContinuation)]);
        assert_eq!(
            kinds("[s]\nk = v\n\n  x\n"),
            vec![(4, UnexpectedContinuation)]
        );
        assert_eq!(kinds("[s]\n k = v\n"), vec![(2, UnexpectedContinuation)]);
        assert_eq!(
            kinds("[s]x\n[]\n[s]\nnothing\n= v\n"),
            vec![
                (1, MissingSectionEnd),
                (2, EmptySectionName),
                (4, MissingSeparator),
                (5, EmptyKey)
            ]
        );
        assert_eq!(kinds("[s] \t\nk = v\n"), vec![]);
        let p = doc("[s]\nnothing\n").oslo_problems();
        assert_eq!(
            p[0].to_string(),
            "line 2: no ':' or '=' found in assignment"
        );
    }

    // ---- editing -----------------------------------------------------------------------

    #[test]
    fn set_replaces_value_keeping_key_spelling() {
        let mut d = doc("[s]\n\u{3000}conn :sqlite:// \n");
        d.set("s", "conn", "mysql+pymysql://g:p@h/g").unwrap();
        assert_eq!(d.render(), "[s]\n\u{3000}conn :mysql+pymysql://g:p@h/g\n");
        let mut d = doc("[s]\nk =\nj=\n");
        d.set("s", "k", "v").unwrap();
        d.set("s", "j", "w").unwrap();
        assert_eq!(d.render(), "[s]\nk = v\nj=w\n");
        d.set("s", "k", "").unwrap();
        assert_eq!(d.render(), "[s]\nk =\nj=w\n");
    }

    #[test]
    fn set_drops_surrounding_whitespace_of_raw_value() {
        // Found by proptest: a raw value starting with whitespace used to be absorbed into the
        // "spacing after =" on the next set, so setting it twice gave two different files.
        let mut d = doc("");
        d.set("s", "k", "\u{b}\u{a1} ").unwrap();
        assert_eq!(d.render(), "[s]\nk = \u{a1}\n");
        d.set("s", "k", "\u{b}\u{a1} ").unwrap();
        assert_eq!(d.render(), "[s]\nk = \u{a1}\n");
        let mut d = doc("[s]\nk =   aligned\n");
        d.set("s", "k", " x").unwrap();
        assert_eq!(d.render(), "[s]\nk =   x\n");
    }

    #[test]
    fn set_drops_continuation_lines_and_keeps_missing_final_newline() {
        let mut d = doc("[s]\r\nk = a\r\n  b\r\n\tc");
        d.set("s", "k", "z").unwrap();
        assert_eq!(d.render(), "[s]\r\nk = z");
    }

    #[test]
    fn set_comments_out_other_occurrences() {
        let mut d = doc("[s]\nk = 1\nx = 0\nk = 2\n  more\n[t]\nk = t\n[S]\nk = 3\nk = 4\n");
        d.set("s", "k", "new").unwrap();
        assert_eq!(
            d.render(),
            "[s]\n#k = 1\nx = 0\n#k = 2\n#  more\n[t]\nk = t\n[S]\nk = new\n#k = 4\n"
        );
        assert_eq!(d.get("s", "k").as_deref(), Some("new"));
        assert_eq!(d.get("t", "k").as_deref(), Some("t"));
        assert!(d.oslo_problems().is_empty());
    }

    #[test]
    fn set_inserts_after_the_template_line() {
        let text = "[database]\n\n# help\n#connection = <None>\n\n# more help\n#slave_connection = <None>\n\n[x]\n";
        let mut d = doc(text);
        d.set("database", "connection", "sqlite://").unwrap();
        assert_eq!(
            d.render(),
            "[database]\n\n# help\n#connection = <None>\nconnection = sqlite://\n\n# more help\n#slave_connection = <None>\n\n[x]\n"
        );
        // A hand-made template with a space after '#' counts too, a mere mention does not.
        let mut d = doc("[a]\n# key = x\n# the key is\nz = 1\n\n");
        d.set("a", "key", "v").unwrap();
        assert_eq!(
            d.render(),
            "[a]\n# key = x\nkey = v\n# the key is\nz = 1\n\n"
        );
    }

    #[test]
    fn set_inserts_after_last_non_blank_line_of_last_header() {
        let mut d = doc("[s]\na = 1\n\n[t]\n[s]\nb = 2\n  cont\n\n\n[u]\n");
        d.set("s", "c", "3").unwrap();
        assert_eq!(
            d.render(),
            "[s]\na = 1\n\n[t]\n[s]\nb = 2\n  cont\nc = 3\n\n\n[u]\n"
        );
        let mut d = doc("[s]");
        d.set("s", "c", "3").unwrap();
        assert_eq!(d.render(), "[s]\nc = 3");
        let mut d = doc("[s]\r\n[t]\r\n");
        d.set("s", "c", "3").unwrap();
        assert_eq!(d.render(), "[s]\r\nc = 3\r\n[t]\r\n");
    }

    #[test]
    fn set_avoids_adopting_an_orphan_continuation() {
        let mut d = doc("[s]\n#k = x\n  orphan\n");
        d.set("s", "k", "v").unwrap();
        assert_eq!(d.render(), "[s]\nk = v\n#k = x\n  orphan\n");
        assert_eq!(d.get("s", "k").as_deref(), Some("v"));
    }

    #[test]
    fn set_appends_a_missing_section() {
        let mut d = doc("[DEFAULT]\r\nx = 1\r\n");
        d.set("paste_deploy", "flavor", "keystone").unwrap();
        assert_eq!(
            d.render(),
            "[DEFAULT]\r\nx = 1\r\n\r\n[paste_deploy]\r\nflavor = keystone\r\n"
        );
        let mut d = doc("");
        d.set("s", "k", "v").unwrap();
        assert_eq!(d.render(), "[s]\nk = v\n");
        let mut d = doc("[a]\nx = 1");
        d.set("b", "k", "v").unwrap();
        assert_eq!(d.render(), "[a]\nx = 1\n\n[b]\nk = v");
        let mut d = doc("[a]\n\n");
        d.set("b", "k", "").unwrap();
        assert_eq!(d.render(), "[a]\n\n[b]\nk =\n");
    }

    #[test]
    fn set_refuses_what_cannot_be_written() {
        let mut d = doc("[s]\n");
        assert!(matches!(
            d.set("s", "a=b", "v"),
            Err(IniError::InvalidKey { .. })
        ));
        assert!(matches!(
            d.set("s", "a:b", "v"),
            Err(IniError::InvalidKey { .. })
        ));
        assert!(matches!(
            d.set("s", " a", "v"),
            Err(IniError::InvalidKey { .. })
        ));
        assert!(matches!(
            d.set("s", "#a", "v"),
            Err(IniError::InvalidKey { .. })
        ));
        assert!(matches!(
            d.set("s", "", "v"),
            Err(IniError::InvalidKey { .. })
        ));
        assert!(matches!(
            d.set("", "a", "v"),
            Err(IniError::InvalidSection { .. })
        ));
        assert!(matches!(
            d.set("s\n", "a", "v"),
            Err(IniError::InvalidSection { .. })
        ));
        assert!(matches!(
            d.set("s ", "a", "v"),
            Err(IniError::InvalidSection { .. })
        ));
        assert_eq!(d.set("s", "a", "v\nx = y"), Err(IniError::LineBreakInValue));
        assert_eq!(d.set("s", "a", "v\r"), Err(IniError::LineBreakInValue));
        assert_eq!(d.render(), "[s]\n");
    }

    #[test]
    fn comment_out_except_keeps_the_listed_options() {
        let mut d = doc(
            "[keystone_authtoken]\nauth_uri = x\nauth_url = y\nregion_name = r\n  more\nauth_uri = z\n#password =\n[t]\nq = 1\n",
        );
        let gone = d.comment_out_except("keystone_authtoken", &["auth_url", "password"]);
        assert_eq!(gone, vec!["auth_uri", "region_name"]);
        assert_eq!(
            d.render(),
            "[keystone_authtoken]\n#auth_uri = x\nauth_url = y\n#region_name = r\n#  more\n#auth_uri = z\n#password =\n[t]\nq = 1\n"
        );
        assert!(d.comment_out_except("nope", &[]).is_empty());
        assert_eq!(d.comment_out("t", "q"), 1);
        assert_eq!(d.keys("t"), Vec::<String>::new());
    }

    // ---- quoting -----------------------------------------------------------------------

    #[test]
    fn oslo_quote_rules() {
        let q = |v: &str| oslo_quote(v).unwrap();
        assert_eq!(q("plain"), "plain");
        assert_eq!(q(""), "");
        assert_eq!(q("a$b"), "a$$b");
        assert_eq!(q("${x}"), "$${x}");
        assert_eq!(q("$$"), "$$$$");
        assert_eq!(q("a\\$b"), "a\\\\$b");
        assert_eq!(q("\\$$"), "\\\\$$$");
        assert_eq!(q(" a"), "\" a\"");
        assert_eq!(q("a\t"), "\"a\t\"");
        assert_eq!(q("\u{3000}"), "\"\u{3000}\"");
        assert_eq!(q("\"x\""), "\"\"x\"\"");
        assert_eq!(q("'x'"), "\"'x'\"");
        assert_eq!(q("\""), "\"\"\"");
        assert_eq!(q("'"), "\"'\"");
        assert_eq!(q("\"abc"), "\"abc");
        assert_eq!(q("'a\""), "'a\"");
        assert_eq!(q("#x;y=z:[w]"), "#x;y=z:[w]");
        assert_eq!(
            oslo_quote("a\nb"),
            Err(OsloValueError::LineBreak { position: 1 })
        );
        assert_eq!(
            oslo_quote("ab\r"),
            Err(OsloValueError::LineBreak { position: 2 })
        );
        assert_eq!(
            oslo_quote("密\u{0}"),
            Err(OsloValueError::ControlCharacter {
                ch: '\0',
                position: 1
            })
        );
        assert_eq!(
            oslo_quote("\u{85}"),
            Err(OsloValueError::ControlCharacter {
                ch: '\u{85}',
                position: 0
            })
        );
        assert!(
            oslo_quote("\u{1f}")
                .unwrap_err()
                .to_string()
                .contains("U+001F")
        );
    }

    #[test]
    fn oslo_unescape_rules() {
        assert_eq!(oslo_unescape("a$$b").as_deref(), Some("a$b"));
        assert_eq!(oslo_unescape("a\\$b").as_deref(), Some("a$b"));
        assert_eq!(oslo_unescape("a\\\\$b").as_deref(), Some("a\\$b"));
        assert_eq!(oslo_unescape("a$").as_deref(), Some("a$"));
        assert_eq!(oslo_unescape("a$@").as_deref(), Some("a$@"));
        assert_eq!(oslo_unescape("$x"), None);
        assert_eq!(oslo_unescape("${a.b}"), None);
        assert_eq!(oslo_unescape("$\u{17f}"), None);
    }

    // ---- the Debian file ---------------------------------------------------------------

    fn texts(d: &IniDocument) -> Vec<String> {
        d.render().split('\n').map(str::to_owned).collect()
    }

    #[test]
    fn fixture_round_trips_and_reads() {
        let text = fixture();
        let d = doc(&text);
        assert_eq!(d.render(), text);
        assert!(d.oslo_problems().is_empty());
        assert_eq!(d.sections().len(), 34);
        assert_eq!(d.get("database", "connection"), None);
        assert_eq!(
            d.get("keystone_authtoken", "auth_url").as_deref(),
            Some("http://localhost:5000")
        );
        assert_eq!(
            d.get("oslo_concurrency", "lock_path").as_deref(),
            Some("/var/lock/glance")
        );
    }

    #[test]
    fn fixture_database_connection_edit_inserts_one_line() {
        let before = doc(&fixture());
        let mut d = before.clone();
        let url = oslo_quote("mysql+pymysql://glance:p%40$s@controller/glance").unwrap();
        d.set("database", "connection", &url).unwrap();
        let (old, new) = (texts(&before), texts(&d));
        let t = old
            .iter()
            .position(|l| l == "#connection = <None>")
            .unwrap();
        assert_eq!(new.len(), old.len() + 1);
        assert_eq!(new[..=t], old[..=t]);
        assert_eq!(new[t + 1], format!("connection = {url}"));
        assert_eq!(new[t + 2..], old[t + 1..]);
        assert_eq!(
            d.get("database", "connection").as_deref(),
            Some(url.as_str())
        );
        // Second time: replaced in place, nothing else moves.
        let mut again = d.clone();
        again.set("database", "connection", "sqlite://").unwrap();
        let again = texts(&again);
        assert_eq!(again.len(), new.len());
        let changed: Vec<usize> = (0..new.len()).filter(|&i| new[i] != again[i]).collect();
        assert_eq!(changed, vec![t + 1]);
    }

    #[test]
    fn fixture_keystone_authtoken_as_the_guide_wants() {
        let mut d = doc(&fixture());
        let keep = [
            "www_authenticate_uri",
            "auth_url",
            "memcached_servers",
            "auth_type",
            "project_domain_name",
            "user_domain_name",
            "project_name",
            "username",
            "password",
        ];
        assert_eq!(
            d.comment_out_except("keystone_authtoken", &keep),
            vec!["region_name"]
        );
        d.set(
            "keystone_authtoken",
            "password",
            &oslo_quote("GLANCE_PASS").unwrap(),
        )
        .unwrap();
        d.set(
            "keystone_authtoken",
            "memcached_servers",
            "controller:11211",
        )
        .unwrap();
        let lines = texts(&d);
        let p = lines.iter().position(|l| l == "#password =").unwrap();
        assert_eq!(lines[p + 1], "password = GLANCE_PASS");
        let m = lines
            .iter()
            .position(|l| l == "#memcached_servers = <None>")
            .unwrap();
        assert_eq!(lines[m + 1], "memcached_servers = controller:11211");
        assert!(lines.contains(&"#region_name = regionOne".to_owned()));
        assert!(d.oslo_problems().is_empty());
    }

    // ---- property tests ----------------------------------------------------------------

    /// Line texts chosen to hit every branch of the oslo parser and the editor.
    const FRAGMENTS: &[&str] = &[
        "[DEFAULT]",
        "[s]",
        "[S]",
        "[t]",
        "[default]",
        "[ s ]",
        "[s] \t",
        "[]",
        "[s",
        "[s]x",
        "",
        " ",
        "\t",
        "\u{3000}",
        "#",
        "# help text",
        ";c",
        "#k = <None>",
        "# k: tmpl",
        "#k",
        "k = v",
        "k=v",
        "k : v",
        "k: v=w",
        "k =",
        "K = upper",
        " k = cont",
        "\tcont",
        "  # indented",
        "= v",
        "novalue",
        "j = \"q\"",
        "j = 'q",
        "k = \"\"",
        "k = '",
        "k = a # b",
        "\u{3000}k = wide",
        "k = x\u{3000}",
        "\u{c}k = ff",
        "k = \"  sp  \"",
        "m = $$x",
        "m = ${t.k}",
        "[glance.store]",
        "k\t=\tv\t",
        "\u{feff}k = bom",
    ];
    const EOLS: &[&str] = &["\n", "\n", "\n", "\r\n", "\r"];
    const KEYS: &[&str] = &["k", "j", "K", "m", "new_key"];
    const SECTIONS: &[&str] = &["s", "S", "t", "DEFAULT", "default", "new"];

    fn ini_line() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
            2 => (prop::sample::select(KEYS), prop::sample::select(&[" = ", "=", ": ", " :"][..]), "[^\r\n]{0,12}")
                .prop_map(|(k, s, v)| format!("{k}{s}{v}")),
            1 => "[^\r\n]{0,16}",
        ]
    }

    fn ini_text() -> impl Strategy<Value = String> {
        (
            any::<bool>(),
            prop::collection::vec((ini_line(), prop::sample::select(EOLS)), 0..30),
            any::<bool>(),
        )
            .prop_map(|(bom, lines, final_eol)| {
                let mut s = if bom {
                    "\u{feff}".to_owned()
                } else {
                    String::new()
                };
                let n = lines.len();
                for (i, (line, eol)) in lines.into_iter().enumerate() {
                    s.push_str(&line);
                    if i + 1 < n || final_eol {
                        s.push_str(eol);
                    }
                }
                s
            })
    }

    /// Lines of `d` (text only) belonging to assignments of `key` in `section`.
    fn key_region(d: &IniDocument, section: &str, key: &str) -> Vec<usize> {
        let a = d.analyze();
        let blocks = a.matching_blocks(section);
        a.entries_in(&blocks)
            .filter(|e| e.key == key)
            .flat_map(|e| e.first..e.end)
            .collect()
    }

    /// Checks property (b): `set` changed nothing but the key's own lines.
    fn check_set(
        before: &IniDocument,
        section: &str,
        key: &str,
        raw: &str,
    ) -> Result<(), TestCaseError> {
        let mut after = before.clone();
        after.set(section, key, raw).unwrap();
        let got = after.get(section, key);
        prop_assert_eq!(got.as_deref(), Some(read_value(raw)));
        let region = key_region(before, section, key);
        let old: Vec<&str> = before.lines.iter().map(|l| l.text.as_str()).collect();
        let outside: Vec<&str> = (0..old.len())
            .filter(|i| !region.contains(i))
            .map(|i| old[i])
            .collect();
        let commented: Vec<String> = region.iter().map(|&i| format!("#{}", old[i])).collect();
        let had_section = before.has_section(section);
        let live = key_region(&after, section, key);
        prop_assert_eq!(live.len(), 1, "exactly one assignment line left");
        let new: Vec<&str> = after
            .lines
            .iter()
            .enumerate()
            .filter(|(i, l)| {
                !live.contains(i)
                    && !commented.contains(&l.text)
                    && !(!had_section && (l.text == format!("[{section}]") || l.text.is_empty()))
            })
            .map(|(_, l)| l.text.as_str())
            .collect();
        let outside_filtered: Vec<&str> = outside
            .iter()
            .copied()
            .filter(|t| {
                !commented.iter().any(|c| c == t)
                    && !(!had_section && (*t == format!("[{section}]") || t.is_empty()))
            })
            .collect();
        prop_assert_eq!(new, outside_filtered);
        // Final newline or not, as before (an empty file has no style to keep).
        let text = before.render();
        if !before.lines.is_empty() {
            prop_assert_eq!(
                after.render().ends_with(['\n', '\r']),
                text.ends_with(['\n', '\r'])
            );
        }
        prop_assert_eq!(after.bom, before.bom);
        Ok(())
    }

    proptest! {
        #[test]
        fn round_trip_arbitrary(text in any::<String>()) {
            prop_assert_eq!(IniDocument::parse(&text).render(), text);
        }

        #[test]
        fn round_trip_ini_like(text in ini_text()) {
            let d = IniDocument::parse(&text);
            prop_assert_eq!(d.render(), text);
            // Reading never panics on anything.
            for s in d.sections() {
                for k in d.keys(&s) {
                    prop_assert!(d.get(&s, &k).is_some());
                }
            }
        }

        #[test]
        fn set_changes_only_the_key(
            text in ini_text(),
            section in prop::sample::select(SECTIONS),
            key in prop::sample::select(KEYS),
            raw in "[^\r\n]{0,12}",
        ) {
            check_set(&IniDocument::parse(&text), section, key, &raw)?;
        }

        #[test]
        fn set_is_idempotent(
            text in ini_text(),
            section in prop::sample::select(SECTIONS),
            key in prop::sample::select(KEYS),
            raw in "[^\r\n]{0,12}",
        ) {
            let mut once = IniDocument::parse(&text);
            once.set(section, key, &raw).unwrap();
            let mut twice = once.clone();
            twice.set(section, key, &raw).unwrap();
            prop_assert_eq!(once.render(), twice.render());
        }

        #[test]
        fn quoted_values_read_back(value in any::<String>(), text in ini_text()) {
            let has_control = value.chars().any(|c| c.is_control() && c != '\t');
            match oslo_quote(&value) {
                Err(_) => prop_assert!(has_control),
                Ok(q) => {
                    prop_assert!(!has_control);
                    let mut d = IniDocument::parse(&text);
                    d.set("s", "k", &q).unwrap();
                    let got = d.get("s", "k").unwrap();
                    prop_assert_eq!(oslo_unescape(&got), Some(value));
                }
            }
        }

        #[test]
        fn comment_out_except_leaves_only_kept_keys(text in ini_text(), keep in prop::sample::subsequence(KEYS, 0..3)) {
            let mut d = IniDocument::parse(&text);
            let before: Vec<String> = d.keys("s");
            let gone = d.comment_out_except("s", &keep);
            let after = d.keys("s");
            prop_assert!(after.iter().all(|k| keep.contains(&k.as_str())));
            prop_assert_eq!(before.iter().filter(|k| !keep.contains(&k.as_str())).cloned().collect::<Vec<_>>(), gone);
            for k in &after {
                prop_assert_eq!(IniDocument::parse(&text).get("s", k), d.get("s", k));
            }
        }
    }

    fn fixture_doc() -> &'static IniDocument {
        static DOC: std::sync::OnceLock<IniDocument> = std::sync::OnceLock::new();
        DOC.get_or_init(|| IniDocument::parse(&fixture()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn fixture_edits_change_only_the_key(
            pick in 0usize..1000,
            key in prop::sample::select(&["connection", "password", "auth_url", "flavor", "debug", "new_opt"][..]),
            raw in "[^\r\n]{0,20}",
        ) {
            let d = fixture_doc();
            let sections = d.sections();
            let section = sections[pick % sections.len()].clone();
            check_set(d, &section, key, &raw)?;
        }
    }

    // ---- against the real oslo.config --------------------------------------------------

    /// A Python with oslo_config importable: `$GW_PYTHON`, else `python3`, else the system one
    /// (a pyenv `python3` first on PATH does not see Debian's python3-oslo.config).
    fn oslo_python() -> Option<String> {
        let candidates: Vec<String> = match std::env::var("GW_PYTHON") {
            Ok(p) => vec![p],
            Err(_) => vec!["python3".into(), "/usr/bin/python3".into()],
        };
        let found = candidates.into_iter().find(|p| {
            std::process::Command::new(p)
                .args(["-c", "import oslo_config"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
        if found.is_none() {
            let msg =
                "oslo_config is not importable (install python3-oslo.config or set GW_PYTHON)";
            assert!(
                std::env::var("GW_LAB").as_deref() != Ok("1"),
                "GW_LAB=1 but {msg}"
            );
            eprintln!("SKIPPED: {msg}");
        }
        found
    }

    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            let p = std::env::temp_dir().join(format!("gw-ini-{tag}-{}", std::process::id()));
            if let Err(e) = std::fs::remove_dir_all(&p)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                panic!("cannot empty {}: {e}", p.display());
            }
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            // Best-effort cleanup; `new` empties the directory before use.
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn unhex(h: &str) -> String {
        let bytes: Vec<u8> = (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect();
        String::from_utf8(bytes).unwrap()
    }

    /// Runs `script` with the files' directory and count; returns stdout lines.
    fn run_python(python: &str, script: &str, dir: &std::path::Path, n: usize) -> Vec<String> {
        let out = std::process::Command::new(python)
            .arg("-c")
            .arg(script)
            .arg(dir)
            .arg(n.to_string())
            // Decode files as UTF-8 whatever the test machine's locale; services get the same
            // under the C locale (PEP 538/540).
            .env("PYTHONUTF8", "1")
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "python failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Reads option `k` of group `s` (or the given group/option) from each `case<i>.conf`
    /// through `ConfigOpts`, substitution included, exactly as glance reads its options.
    const READ_OPTION_PY: &str = r#"
import sys, os
from oslo_config import cfg
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    p = os.path.join(d, 'case%d.conf' % i)
    group, name = open(p + '.opt').read().split()
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt(name), group=group)
    try:
        conf(args=[], default_config_files=[p], default_config_dirs=[], use_env=False)
        print(i, 'V', conf[group][name].encode('utf-8').hex())
    except Exception as e:
        print(i, 'ERR', type(e).__name__, str(e).encode('utf-8').hex())
"#;

    fn read_options(
        python: &str,
        tag: &str,
        cases: &[(String, &str, &str)],
    ) -> Vec<Result<String, String>> {
        let dir = TempDir::new(tag);
        for (i, (text, group, name)) in cases.iter().enumerate() {
            let p = dir.0.join(format!("case{i}.conf"));
            std::fs::write(&p, text).unwrap();
            std::fs::write(
                dir.0.join(format!("case{i}.conf.opt")),
                format!("{group} {name}"),
            )
            .unwrap();
        }
        let lines = run_python(python, READ_OPTION_PY, &dir.0, cases.len());
        assert_eq!(lines.len(), cases.len());
        lines
            .iter()
            .map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                if f[1] == "V" {
                    Ok(unhex(f[2]))
                } else {
                    Err(format!("{}: {}", f[2], unhex(f[3])))
                }
            })
            .collect()
    }

    /// Values chosen to break naive quoting; each goes through `oslo_quote`, into a file, and
    /// must come back from oslo.config unchanged.
    const HOSTILE: &[&str] = &[
        "\"quoted\"",
        "'single'",
        "\"",
        "'",
        "\"\"",
        "''",
        "\"abc",
        "abc\"",
        "'abc",
        "'a\"",
        "\"a'",
        "a\"b'c",
        "back\\slash",
        "\\",
        "ends\\",
        "\\$",
        "a\\$b",
        "\\\\$",
        "\\$$",
        "$",
        "a$",
        "$x",
        "${x}",
        "${s.k}",
        "$$",
        "$$$",
        "p@ss/w:rd%40",
        "#hash",
        ";semi",
        "a # b",
        "a ; b",
        "key:val",
        "a=b",
        "=",
        ":",
        "[x]",
        "[s]",
        " lead",
        "trail ",
        "  both  ",
        " ",
        "\tt",
        "t\t",
        "in\tside",
        "中文密码",
        "ü",
        "Grüße$",
        "\u{3000}wide\u{3000}",
        "\u{a0}nbsp",
        "\u{feff}bom",
        "%(x)s",
        "%s%%",
        "&<>|`!*?~^",
        "mysql+pymysql://glance:p%40ss%2Fw%3Ard@controller/glance",
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$!@#%^&*()_+-=[]{}|;':\",./<>?",
        "",
        "$ſ",
        "$K",
        "x\u{2028}y",
    ];

    #[test]
    fn real_oslo_config_reads_quoted_values_back() {
        let Some(python) = oslo_python() else { return };
        let cases: Vec<(String, &str, &str)> = HOSTILE
            .iter()
            .map(|v| (format!("[s]\nk = {}\n", oslo_quote(v).unwrap()), "s", "k"))
            .collect();
        let results = read_options(&python, "quote", &cases);
        let mut failures = Vec::new();
        for (v, r) in HOSTILE.iter().zip(&results) {
            if r.as_deref() != Ok(*v) {
                failures.push(format!("{v:?} -> {:?} -> {r:?}", oslo_quote(v).unwrap()));
            }
        }
        assert!(
            failures.is_empty(),
            "oslo.config read back differently:\n{}",
            failures.join("\n")
        );
        eprintln!(
            "{} hostile values verified against oslo.config",
            HOSTILE.len()
        );
    }

    #[test]
    fn real_oslo_config_reads_the_edited_fixture() {
        let Some(python) = oslo_python() else { return };
        let mut cases = Vec::new();
        let mut expected = Vec::new();
        for (i, v) in HOSTILE.iter().enumerate() {
            let mut d = fixture_doc().clone();
            let (group, name) = [
                ("database", "connection"),
                ("keystone_authtoken", "password"),
                ("glance_store", "default_store"),
            ][i % 3];
            d.set(group, name, &oslo_quote(v).unwrap()).unwrap();
            // Set twice more to exercise replacement, not only insertion.
            d.set(group, name, "placeholder").unwrap();
            d.set(group, name, &oslo_quote(v).unwrap()).unwrap();
            cases.push((d.render(), group, name));
            expected.push(*v);
        }
        let results = read_options(&python, "fixture", &cases);
        for (v, r) in expected.iter().zip(&results) {
            assert_eq!(r.as_deref(), Ok(*v));
        }
    }

    #[test]
    fn real_oslo_config_reads_edits_of_generated_docs() {
        let Some(python) = oslo_python() else { return };
        let mut cases = Vec::new();
        let mut expected = Vec::new();
        for (i, text) in generated_docs(300).iter().enumerate() {
            let mut d = IniDocument::parse(text);
            if !d.oslo_problems().is_empty() {
                continue;
            }
            let v = HOSTILE[i % HOSTILE.len()];
            let (group, name) = [("s", "k"), ("t", "j"), ("new", "k"), ("DEFAULT", "K")][i % 4];
            d.set(group, name, &oslo_quote(v).unwrap()).unwrap();
            assert!(d.oslo_problems().is_empty(), "{text:?} -> {:?}", d.render());
            cases.push((d.render(), group, name));
            expected.push((text.clone(), v));
        }
        let results = read_options(&python, "edits", &cases);
        for ((text, v), r) in expected.iter().zip(&results) {
            assert_eq!(r.as_deref(), Ok(*v), "edited {text:?}");
        }
        eprintln!("{} edited documents read back by oslo.config", cases.len());
    }

    /// Parses each `doc<i>.conf` with oslo.config's own `ConfigParser` and prints every
    /// (normalized group, key, values) or ERR.
    const PARSE_PY: &str = r#"
import sys, os
from oslo_config import cfg
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    p = os.path.join(d, 'doc%d.conf' % i)
    sections, normalized = {}, {}
    parser = cfg.ConfigParser(p, sections)
    parser._add_normalized(normalized)
    try:
        parser.parse()
    except Exception as e:
        print(i, 'ERR')
        continue
    print(i, 'OK')
    for s, kv in normalized.items():
        print(i, 'S', s.encode('utf-8').hex())
        for k, vals in kv.items():
            print(i, 'V', s.encode('utf-8').hex(), k.encode('utf-8').hex(), *[v.encode('utf-8').hex() for v in vals])
"#;

    /// A deterministic generator (xorshift) of INI-like documents for the differential test,
    /// so that it needs no proptest runner and fails reproducibly.
    fn generated_docs(n: usize) -> Vec<String> {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |m: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % m as u64) as usize
        };
        let alphabet: Vec<char> = " \t\"'#;=:[]$\\ab中\u{3000}\u{c}\u{1c}".chars().collect();
        (0..n)
            .map(|_| {
                let mut s = String::new();
                if next(20) == 0 {
                    s.push('\u{feff}');
                }
                // Most documents start with a header so that they have a chance to be valid.
                if next(5) != 0 {
                    s.push_str("[s]\n");
                }
                for _ in 0..next(12) {
                    match next(10) {
                        0..=5 => {
                            // Mostly valid lines so that many documents parse.
                            let pool = [
                                "[DEFAULT]",
                                "[s]",
                                "[S]",
                                "[t]",
                                "[default]",
                                "",
                                "#k = c",
                                "k = v",
                                "k: v",
                                "j = \"q\"",
                                "k = '",
                                "\tcont",
                                "m = $$",
                                "K = x",
                            ];
                            s.push_str(pool[next(pool.len())]);
                        }
                        6..=8 => {
                            s.push_str(["k", "j", "K"][next(3)]);
                            s.push_str([" = ", "=", ": "][next(3)]);
                            for _ in 0..next(8) {
                                s.push(alphabet[next(alphabet.len())]);
                            }
                        }
                        _ => s.push_str(FRAGMENTS[next(FRAGMENTS.len())]),
                    }
                    s.push_str(EOLS[next(EOLS.len())]);
                }
                s
            })
            .collect()
    }

    #[test]
    fn real_oslo_config_parses_like_us() {
        let Some(python) = oslo_python() else { return };
        let docs = generated_docs(400);
        let dir = TempDir::new("parse");
        for (i, text) in docs.iter().enumerate() {
            std::fs::write(dir.0.join(format!("doc{i}.conf")), text).unwrap();
        }
        let lines = run_python(&python, PARSE_PY, &dir.0, docs.len());
        let mut ok = vec![false; docs.len()];
        let mut sections: Vec<Vec<String>> = vec![Vec::new(); docs.len()];
        let mut values: Vec<Vec<(String, String, Vec<String>)>> = vec![Vec::new(); docs.len()];
        for l in &lines {
            let f: Vec<&str> = l.split(' ').collect();
            let i: usize = f[0].parse().unwrap();
            match f[1] {
                "OK" => ok[i] = true,
                "ERR" => {}
                "S" => sections[i].push(unhex(f[2])),
                _ => values[i].push((
                    unhex(f[2]),
                    unhex(f[3]),
                    f[4..].iter().map(|h| unhex(h)).collect(),
                )),
            }
        }
        let valid = ok.iter().filter(|&&o| o).count();
        assert!(
            valid > docs.len() / 4,
            "too few valid documents ({valid}) for a useful comparison"
        );
        for (i, text) in docs.iter().enumerate() {
            let d = IniDocument::parse(text);
            let problems = d.oslo_problems();
            assert_eq!(
                problems.is_empty(),
                ok[i],
                "doc {i} {text:?}: oslo ok={} ours {problems:?}",
                ok[i]
            );
            if !ok[i] {
                continue;
            }
            let mut ours: Vec<String> = d
                .sections()
                .iter()
                .map(|s| normalize(s).into_owned())
                .collect();
            ours.sort();
            sections[i].sort();
            assert_eq!(ours, sections[i], "doc {i} {text:?}");
            for (s, k, vals) in &values[i] {
                assert_eq!(&d.get_all(s, k), vals, "doc {i} {text:?} [{s}] {k}");
            }
            for s in &sections[i] {
                let n = values[i].iter().filter(|(vs, _, _)| vs == s).count();
                assert_eq!(d.keys(s).len(), n, "doc {i} {text:?} [{s}]");
            }
        }
        eprintln!(
            "{} documents compared with oslo.config's parser ({valid} valid)",
            docs.len()
        );
    }
}
