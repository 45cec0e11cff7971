//! Reading a document the way oslo.config does: which line is what, the sections and their
//! assignments, the values, and the lines oslo.config would refuse.

use std::borrow::Cow;
use std::fmt;

use super::IniDocument;
use super::text::{py_lstrip, py_rstrip, py_strip};

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

/// oslo.config's group-name normalisation (`cfg._normalize_group_name`).
pub(super) fn normalize(section: &str) -> Cow<'_, str> {
    if section == "DEFAULT" {
        Cow::Borrowed(section)
    } else {
        Cow::Owned(section.to_lowercase())
    }
}

/// The value oslo.config reads from the text after the separator of a one-line assignment.
pub(super) fn read_value(after_separator: &str) -> &str {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Blank,
    Comment,
    Header,
    Entry,
    Continuation,
    Invalid(ProblemKind),
}

#[derive(Debug)]
pub(super) struct Block {
    pub(super) name: String,
    /// Line index of the header.
    pub(super) header: usize,
    /// Line index one past the block (next header or end of file).
    pub(super) end: usize,
}

#[derive(Debug)]
pub(super) struct Entry {
    /// Index into `Analysis::blocks`; `None` before the first header.
    pub(super) block: Option<usize>,
    pub(super) key: String,
    /// Line index of the `key = value` line.
    pub(super) first: usize,
    /// One past the last continuation line.
    pub(super) end: usize,
    /// Byte index of the separator in the first line.
    pub(super) sep: usize,
    pub(super) value: String,
}

/// The oslo.config reading of the current lines. Recomputed after each edit: it takes well
/// under a millisecond for the 6850-line Debian file, and a cache could go stale.
#[derive(Debug)]
pub(super) struct Analysis {
    pub(super) kinds: Vec<Kind>,
    pub(super) blocks: Vec<Block>,
    pub(super) entries: Vec<Entry>,
}

impl Analysis {
    pub(super) fn matching_blocks(&self, section: &str) -> Vec<usize> {
        let want = normalize(section);
        (0..self.blocks.len())
            .filter(|&b| normalize(&self.blocks[b].name) == want)
            .collect()
    }

    pub(super) fn entries_in<'a>(
        &'a self,
        blocks: &'a [usize],
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.block.is_some_and(|b| blocks.contains(&b)))
    }
}

impl IniDocument {
    pub(super) fn analyze(&self) -> Analysis {
        let mut reader = Reader::new(self.lines.len());
        for (i, line) in self.lines.iter().enumerate() {
            let kind = reader.read_line(i, py_rstrip(&line.text));
            reader.analysis.kinds.push(kind);
        }
        reader.analysis
    }

    /// The value oslo.config reads for `key` in `section` (last occurrence wins; continuation
    /// lines joined with `\n`), before `$` substitution (see [`oslo_unescape`](super::oslo_unescape)).
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
}

/// oslo.config's parser as a state machine over right-stripped lines: what it has read so far
/// and the entry that an indented line would continue.
struct Reader {
    analysis: Analysis,
    /// The entry that an indented line would continue (oslo's `key` variable).
    open: Option<usize>,
    /// Number of lines in the document: where the last section ends.
    line_count: usize,
}

impl Reader {
    fn new(line_count: usize) -> Reader {
        Reader {
            analysis: Analysis {
                kinds: Vec::with_capacity(line_count),
                blocks: Vec::new(),
                entries: Vec::new(),
            },
            open: None,
            line_count,
        }
    }

    /// Reads line `i`, already right-stripped as `t`, and says what it is.
    fn read_line(&mut self, i: usize, t: &str) -> Kind {
        if t.is_empty() {
            self.open = None;
            return Kind::Blank;
        }
        if t.starts_with([' ', '\t']) {
            return self.continuation(i, t);
        }
        self.open = None;
        if t.starts_with('[') {
            self.header(i, t)
        } else if t.starts_with(['#', ';']) {
            Kind::Comment
        } else {
            self.assignment(i, t)
        }
    }

    /// An indented line: the next piece of the open entry's value, or an error without one.
    fn continuation(&mut self, i: usize, t: &str) -> Kind {
        match self.open {
            Some(e) => {
                let entry = &mut self.analysis.entries[e];
                entry.end = i + 1;
                entry.value.push('\n');
                entry.value.push_str(py_lstrip(t));
                Kind::Continuation
            }
            None => Kind::Invalid(ProblemKind::UnexpectedContinuation),
        }
    }

    /// A line starting with `[`: a section header, which ends the previous section.
    fn header(&mut self, i: usize, t: &str) -> Kind {
        if !t.ends_with(']') {
            return Kind::Invalid(ProblemKind::MissingSectionEnd);
        }
        if t.len() <= 2 {
            return Kind::Invalid(ProblemKind::EmptySectionName);
        }
        let blocks = &mut self.analysis.blocks;
        if let Some(prev) = blocks.last_mut() {
            prev.end = i;
        }
        blocks.push(Block {
            name: t[1..t.len() - 1].to_owned(),
            header: i,
            end: self.line_count,
        });
        Kind::Header
    }

    /// Any other line: `key = value` or `key: value`, split at the first separator.
    fn assignment(&mut self, i: usize, t: &str) -> Kind {
        let Some(sep) = t.find(['=', ':']) else {
            return Kind::Invalid(ProblemKind::MissingSeparator);
        };
        let key = py_strip(&t[..sep]);
        if key.is_empty() {
            return Kind::Invalid(ProblemKind::EmptyKey);
        }
        let entries = &mut self.analysis.entries;
        self.open = Some(entries.len());
        entries.push(Entry {
            block: self.analysis.blocks.len().checked_sub(1),
            key: key.to_owned(),
            first: i,
            end: i + 1,
            sep,
            value: read_value(&t[sep + 1..]).to_owned(),
        });
        Kind::Entry
    }
}
