//! Editing a document: setting a key and commenting assignments out, touching no other line.

use std::fmt;

use super::IniDocument;
use super::read::{Analysis, Entry, Kind, ProblemKind};
use super::text::{Eol, Line, is_py_space, py_lstrip, py_rstrip, py_strip};

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
    /// Sets `key` in `section` to `raw_value`, which is written as is (less surrounding
    /// whitespace, which oslo.config ignores): pass a literal through [`oslo_quote`](super::oslo_quote) first.
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

        if !occurrences.is_empty() {
            self.keep_one_occurrence(&occurrences, raw_value);
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
        let at = self.new_assignment_position(&a, &blocks, last_block, key);
        self.insert_line(at, new_line);
        Ok(())
    }

    /// Gives the first occurrence in the last block that has the key `raw_value` and comments
    /// out every other occurrence, so that exactly one assignment is left.
    fn keep_one_occurrence(&mut self, occurrences: &[&Entry], raw_value: &str) {
        let Some(last) = occurrences.last() else {
            return;
        };
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
    }

    /// The line index where a new assignment of `key` goes in the section made of `blocks`:
    /// right after the last template line for the key, else after the last non-blank line of
    /// the section's last header (`last_block`).
    fn new_assignment_position(
        &self,
        a: &Analysis,
        blocks: &[usize],
        last_block: usize,
        key: &str,
    ) -> usize {
        let template = blocks
            .iter()
            .flat_map(|&b| a.blocks[b].header + 1..a.blocks[b].end)
            .rev()
            .find(|&i| a.kinds[i] == Kind::Comment && is_template_for(&self.lines[i].text, key));
        match template {
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
        }
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
