//! The log path from a child's pipe: bytes read in large chunks become
//! blocks of whole lines, redacted once per block (no allocation per line),
//! and a bounded copy of the output for the runner to inspect.
//!
//! Secrets never contain a line break, so a block cut at a line end never
//! splits one: a secret spread over two reads is caught because the bytes
//! after the last line end wait for the next read. A line longer than
//! [`MAX_LINE`] is cut before it grows without bound, at a point no
//! occurrence of a secret crosses, keeping enough bytes for any secret that
//! may be completed by the next read (see [`LineCutter::take`]).

use std::borrow::Cow;

use crate::util::secret::Redactor;

/// Bytes asked for per read of a child's pipe (the pipe's own buffer).
pub const CHUNK: usize = 64 * 1024;
/// Bytes of whole lines gathered before a block goes out (when more are
/// already waiting: a slow child's lines go out as they come).
pub const BLOCK: usize = 256 * 1024;
/// A line longer than this (bytes, no line end yet) is cut.
pub const MAX_LINE: usize = 64 * 1024;
/// Bytes of a child's output kept for the runner (the last ones): the log
/// has all of it.
pub const CAPTURE: usize = 1024 * 1024;

/// Cuts a byte stream into blocks of whole lines.
#[derive(Debug)]
pub struct LineCutter {
    pending: Vec<u8>,
    max_line: usize,
}

impl Default for LineCutter {
    fn default() -> Self {
        LineCutter::new(MAX_LINE)
    }
}

impl LineCutter {
    pub fn new(max_line: usize) -> Self {
        LineCutter {
            pending: Vec::with_capacity(BLOCK + CHUNK),
            max_line: max_line.max(1),
        }
    }

    /// Bytes waiting (whole lines not yet taken and the partial last line).
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Appends what a read returned.
    pub fn extend(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
    }

    /// The whole lines waiting, as one redacted block (lines joined by
    /// `\n`, no final line end, `\r` before a line end dropped); `None`
    /// when no line is complete. A partial line longer than the limit is
    /// cut and goes out as a line of its own.
    pub fn take(&mut self, redactor: &Redactor) -> Option<String> {
        let end = match memchr_last(b'\n', &self.pending) {
            Some(last) => last + 1,
            None if self.pending.len() > self.max_line => self.forced_cut(redactor)?,
            None => return None,
        };
        Some(self.emit(end, redactor))
    }

    /// What is left at the end of the stream (a last line without a line
    /// end), redacted.
    pub fn finish(&mut self, redactor: &Redactor) -> Option<String> {
        if let Some(block) = self.take(redactor) {
            // `take` leaves at most a partial line: append it to this block.
            if self.pending.is_empty() {
                return Some(block);
            }
            let rest = self.emit(self.pending.len(), redactor);
            return Some(block + "\n" + &rest);
        }
        (!self.pending.is_empty()).then(|| self.emit(self.pending.len(), redactor))
    }

    /// Where to cut a partial line that is too long: at most `longest - 1`
    /// bytes before its end are kept (a secret that the next read completes
    /// starts there), and the cut moves back to the start of any occurrence
    /// it would split, and to a character boundary. `None` when no such
    /// point is left (the line is all secrets: wait for more).
    fn forced_cut(&self, redactor: &Redactor) -> Option<usize> {
        let keep = redactor.longest().saturating_sub(1);
        let mut cut = self.pending.len().saturating_sub(keep);
        let occurrences = redactor.occurrences(&self.pending);
        loop {
            let before = cut;
            if let Some(r) = occurrences.iter().find(|r| r.start < cut && cut < r.end) {
                cut = r.start;
            }
            while cut > 0 && cut < self.pending.len() && (self.pending[cut] & 0xC0) == 0x80 {
                cut -= 1;
            }
            if cut == before {
                break;
            }
        }
        (cut > 0).then_some(cut)
    }

    /// Takes `pending[..end]` out as a redacted block.
    fn emit(&mut self, end: usize, redactor: &Redactor) -> String {
        let block = block_text(&self.pending[..end], redactor).into_owned();
        self.pending.drain(..end);
        block
    }
}

/// `bytes` (whole lines, the last line end optional) as text: invalid UTF-8
/// replaced, terminal escape sequences and control characters other than
/// tab and line ends removed, the final line end and any `\r` before a line
/// end dropped, every secret masked.
pub fn block_text<'b>(bytes: &'b [u8], redactor: &Redactor) -> Cow<'b, str> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    // The fast check first (`from_utf8_lossy` is slower on valid text).
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    let text = strip_escapes(text);
    let text = if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        let mut out = String::with_capacity(text.len());
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(line.trim_end_matches('\r'));
        }
        Cow::Owned(out)
    } else {
        text
    };
    match redactor.redact_cow(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(redacted) => Cow::Owned(redacted),
    }
}

/// `text` without terminal escape sequences (colours, cursor moves, window
/// titles: glance-manage and friends colour their lines when asked) or
/// other control characters, which would show as `[00m` in the log file
/// and could move the cursor of the screen the log pane is drawn on. Tabs
/// and line ends stay. Stripped before redaction, so that the redactor
/// sees the text as it is written.
fn strip_escapes(text: Cow<'_, str>) -> Cow<'_, str> {
    let control = |b: &u8| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || *b == 0x7f;
    if !text.as_bytes().iter().any(control) {
        return text;
    }
    Cow::Owned(anstream::adapter::strip_str(&text).to_string())
}

/// Where the whole lines within the last `keep` bytes of `text` start.
fn tail_start(text: &str, keep: usize) -> usize {
    let from = text.len().saturating_sub(keep);
    memchr::memchr(b'\n', &text.as_bytes()[from..]).map_or(text.len(), |i| from + i + 1)
}

fn memchr_last(needle: u8, haystack: &[u8]) -> Option<usize> {
    memchr::memrchr(needle, haystack)
}

/// The last [`CAPTURE`] bytes (or a little more) of a child's redacted
/// output, whole lines, for the runner to inspect; memory stays bounded
/// however much the child prints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Captured {
    text: String,
    /// At least one line was pushed (`text` may be one empty line).
    any: bool,
    /// Lines were dropped from the front.
    pub cut: bool,
}

impl Captured {
    /// Appends a block (lines joined by `\n`).
    pub fn push(&mut self, block: &str) {
        if self.any {
            self.text.push('\n');
        }
        self.any = true;
        if block.len() > CAPTURE {
            // Only its end can stay.
            self.text.clear();
            self.cut = true;
            self.text.push_str(&block[tail_start(block, CAPTURE)..]);
            return;
        }
        self.text.push_str(block);
        if self.text.len() > 2 * CAPTURE {
            let cut = tail_start(&self.text, CAPTURE);
            self.text.drain(..cut);
            self.cut = true;
        }
    }

    /// The output kept, lines joined by `\n`.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.text
            .split('\n')
            .take(if self.any { usize::MAX } else { 0 })
    }

    /// The last `n` lines, joined by `\n`.
    pub fn tail(&self, n: usize) -> &str {
        if n == 0 {
            return "";
        }
        let mut start = self.text.len();
        for _ in 0..n {
            match self.text[..start].rfind('\n') {
                Some(i) => start = i,
                None => return &self.text,
            }
        }
        &self.text[start + 1..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::secret::{MASK, Secret};
    use proptest::prelude::*;

    fn redactor() -> Redactor {
        static R: std::sync::OnceLock<Redactor> = std::sync::OnceLock::new();
        R.get_or_init(|| {
            let r = Redactor::new();
            r.add(&Secret::new("p@ss'w0rd$x"));
            r.add(&Secret::new("Zz9-secret"));
            r
        })
        .clone()
    }

    /// Feeds `reads` to a cutter as a runner does (a block taken after each
    /// read) and returns everything it let out, lines joined by `\n`.
    fn run(reads: &[&[u8]], max_line: usize, redactor: &Redactor) -> String {
        let mut cutter = LineCutter::new(max_line);
        let mut out: Vec<String> = Vec::new();
        for read in reads {
            cutter.extend(read);
            out.extend(cutter.take(redactor));
        }
        out.extend(cutter.finish(redactor));
        out.join("\n")
    }

    /// The first form of a secret found in `text`.
    fn leaks(text: &str, r: &Redactor) -> Option<String> {
        r.forms()
            .iter()
            .find(|form| text.contains(form.as_str()))
            .cloned()
    }

    #[test]
    fn blocks_are_whole_lines() {
        let r = Redactor::new();
        let mut cutter = LineCutter::default();
        cutter.extend(b"one\r\ntw");
        assert_eq!(cutter.take(&r).as_deref(), Some("one"));
        assert_eq!(cutter.take(&r), None);
        cutter.extend(b"o\nthree\n\nfour");
        assert_eq!(cutter.take(&r).as_deref(), Some("two\nthree\n"));
        assert_eq!(cutter.finish(&r).as_deref(), Some("four"));
        assert_eq!(cutter.finish(&r), None);
        // Invalid UTF-8 is replaced, not dropped.
        cutter.extend(b"caf\xe9\n");
        assert_eq!(cutter.take(&r).as_deref(), Some("caf\u{fffd}"));
    }

    /// CSI (colours, cursor moves), OSC (a window title, ended by BEL or
    /// ST) and other escape sequences go; text, tabs, line ends and
    /// invalid UTF-8 (replaced) stay; a secret that colour codes surround
    /// is still masked.
    #[test]
    fn escape_sequences_are_stripped() {
        let r = redactor();
        let cases: [(&[u8], &str); 6] = [
            (b"\x1b[01;32mok\x1b[00m\tdone", "ok\tdone"),
            (b"\x1b[2K\x1b[1Gline\r\n\x1b[0mnext\n", "line\nnext"),
            (b"\x1b]0;title\x07a\x1b]8;;http://x\x1b\\b", "ab"),
            (b"\x1b(Bplain\x1b=\x1b>", "plain"),
            (b"caf\xe9 \x1b[1mbold\x1b[m", "caf\u{fffd} bold"),
            (b"pw \x1b[33mZz9-secret\x1b[0m!", "pw ********!"),
        ];
        for (bytes, want) in cases {
            assert_eq!(block_text(bytes, &r), want, "{bytes:?}");
        }
        // Plain text is not copied.
        assert!(matches!(block_text(b"plain\ttext", &r), Cow::Borrowed(_)));
    }

    /// The secret cut at every byte boundary between two reads, in a short
    /// line and in one long enough to be cut: never out unmasked, and with
    /// lines of the usual length the text is as if redacted whole.
    #[test]
    fn a_secret_cut_between_two_reads_never_leaks() {
        let r = redactor();
        for line in [
            "user glance password p@ss'w0rd$x end".to_string(),
            format!("{}p@ss'w0rd$x{}", "a".repeat(70), "b".repeat(70)),
        ] {
            let text = format!("before\n{line}\nafter Zz9-secret\n");
            for cut in 0..=text.len() {
                let (a, b) = text.as_bytes().split_at(cut);
                for max_line in [16, 64, MAX_LINE] {
                    let out = run(&[a, b], max_line, &r);
                    assert_eq!(leaks(&out, &r), None, "cut {cut}, max {max_line}: {out}");
                    if max_line == MAX_LINE {
                        assert_eq!(out, r.redact(text.trim_end()), "cut {cut}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_long_line_is_cut_but_not_inside_a_secret() {
        let r = redactor();
        // 20 bytes of room: the secret straddles where a plain cut would be.
        let text = format!("{}p@ss'w0rd$x{}\n", "a".repeat(15), "b".repeat(30));
        let out = run(&[text.as_bytes()], 20, &r);
        assert_eq!(leaks(&out, &r), None, "{out}");
        assert!(out.contains(MASK), "{out}");
        assert_eq!(out.replace('\n', ""), r.redact(text.trim_end()));
    }

    #[test]
    fn the_capture_keeps_the_end_in_bounded_memory() {
        let mut c = Captured::default();
        assert_eq!(c.lines().count(), 0);
        c.push("");
        assert_eq!(c.lines().collect::<Vec<_>>(), [""]);
        let mut c = Captured::default();
        let line = "x".repeat(99);
        for i in 0..50_000 {
            c.push(&format!("{i} {line}"));
        }
        assert!(c.cut);
        assert!(c.text().len() <= 2 * CAPTURE + 200, "{}", c.text().len());
        assert!(c.text().starts_with(|ch: char| ch.is_ascii_digit()));
        assert_eq!(c.tail(1), format!("49999 {line}"));
        assert_eq!(c.tail(2).lines().count(), 2);
        let mut big = Captured::default();
        big.push(
            &(0..100_000)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        );
        assert!(big.text().len() <= CAPTURE);
        assert_eq!(big.tail(1), "99999");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Text with secrets (and their escaped forms) anywhere, read in
        /// pieces cut anywhere, lines of any length against any limit:
        /// nothing of a secret comes out.
        #[test]
        fn no_secret_leaks_whatever_the_reads(
            parts in proptest::collection::vec(
                prop_oneof![
                    "[a-z%'$@ \\n\\r]{0,12}",
                    proptest::sample::select(redactor().forms().to_vec()),
                    Just("\n".to_string()),
                ],
                0..40,
            ),
            cuts in proptest::collection::vec(0usize..400, 0..8),
            max_line in 1usize..64,
        ) {
            let r = redactor();
            let text = parts.concat();
            let bytes = text.as_bytes();
            let mut points: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            points.push(0);
            points.push(bytes.len());
            points.sort_unstable();
            let reads: Vec<&[u8]> = points.windows(2).map(|w| &bytes[w[0]..w[1]]).collect();
            let out = run(&reads, max_line, &r);
            prop_assert_eq!(leaks(&out, &r), None, "{:?} -> {:?}", text, out);
            let whole = run(&reads, usize::MAX, &r);
            prop_assert_eq!(leaks(&whole, &r), None);
        }
    }
}
