//! A task's recent output, bounded in memory whatever the task prints: the
//! run screen keeps one per task, the undo screen one for the undo.

use std::collections::VecDeque;

/// Lines kept per task; older ones are dropped (the log file has them all).
pub const MAX_LINES_PER_TASK: usize = 5000;

/// Bytes of text kept per task (at most twice that in memory).
pub const MAX_BYTES_PER_TASK: usize = 256 * 1024;

/// Characters kept per line.
pub const MAX_LINE_CHARS: usize = 400;

/// One task's recent lines: a ring of bytes with line offsets. The text of
/// the lines kept sits back to back in one buffer, each line followed by
/// `\n`, so a line costs no allocation, and memory is bounded whatever the
/// task prints: at most [`MAX_LINES_PER_TASK`] lines and about twice
/// [`MAX_BYTES_PER_TASK`] bytes. `dropped` counts lines pushed out of the
/// front, so absolute line numbers stay stable while the buffer scrolls.
#[derive(Debug, Clone, Default)]
pub struct LogBuf {
    /// `text[head..]` holds the kept lines; bytes before `head` are dead
    /// and are dropped once there are more of them than live ones.
    text: Vec<u8>,
    /// Start of each kept line, counted in bytes ever written (`base` is the
    /// count at `text[0]`).
    starts: VecDeque<usize>,
    base: usize,
    pub dropped: usize,
}

impl LogBuf {
    /// Appends one line, or a block of lines joined by `\n`. Lines of the
    /// block that could not stay (more than [`MAX_LINES_PER_TASK`] come
    /// after them) are only counted; printable ASCII lines (the usual) are
    /// copied in one piece: a block of a million lines costs a count of its
    /// line ends and one copy of its last lines.
    pub fn push(&mut self, lines: &str) {
        let bytes = lines.as_bytes();
        let mut from = 0;
        if bytes.len() > MAX_LINES_PER_TASK
            && let Some(cut) = memchr::memrchr_iter(b'\n', bytes).nth(MAX_LINES_PER_TASK - 1)
        {
            from = cut + 1;
            let skipped = count_line_ends(&bytes[..from]);
            self.dropped += skipped + self.starts.len();
            self.base += self.text.len();
            self.text.clear();
            self.starts.clear();
        }
        let kept = &lines[from..];
        if !self.push_plain(kept.as_bytes()) {
            for line in kept.split('\n') {
                self.push_sanitized(line);
            }
        }
        while self.starts.len() > MAX_LINES_PER_TASK
            || (self.starts.len() > 1
                && self.base + self.text.len() - self.starts[0] > MAX_BYTES_PER_TASK)
        {
            self.starts.pop_front();
            self.dropped += 1;
        }
        let head = self.starts[0] - self.base;
        if head > MAX_BYTES_PER_TASK {
            self.text.drain(..head);
            self.base += head;
        }
    }

    /// Lines of printable ASCII, none longer than [`MAX_LINE_CHARS`]: one
    /// copy. False (nothing pushed) for anything else.
    fn push_plain(&mut self, bytes: &[u8]) -> bool {
        let at = self.base + self.text.len();
        let starts_before = self.starts.len();
        let mut line_start = 0;
        let mut plain = true;
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'\n' {
                if i - line_start > MAX_LINE_CHARS {
                    plain = false;
                    break;
                }
                self.starts.push_back(at + line_start);
                line_start = i + 1;
            } else if !(0x20..0x7f).contains(b) {
                plain = false;
                break;
            }
        }
        if !plain || bytes.len() - line_start > MAX_LINE_CHARS {
            self.starts.truncate(starts_before);
            return false;
        }
        self.starts.push_back(at + line_start);
        self.text.extend_from_slice(bytes);
        self.text.push(b'\n');
        true
    }

    /// One line, tabs expanded, control characters dropped (they would
    /// break the layout), cut after [`MAX_LINE_CHARS`] characters.
    fn push_sanitized(&mut self, line: &str) {
        self.starts.push_back(self.base + self.text.len());
        let mut utf8 = [0; 4];
        for (n, c) in line.chars().enumerate() {
            if n == MAX_LINE_CHARS {
                self.text.extend_from_slice("…".as_bytes());
                break;
            }
            if c == '\t' {
                self.text.extend_from_slice(b"    ");
            } else if !c.is_control() {
                self.text
                    .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
        self.text.push(b'\n');
    }

    /// Lines kept.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Absolute number of the line after the last.
    pub fn end(&self) -> usize {
        self.dropped + self.starts.len()
    }

    pub fn get(&self, absolute: usize) -> Option<&str> {
        let i = absolute.checked_sub(self.dropped)?;
        let start = *self.starts.get(i)? - self.base;
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.text.len(), |next| next - self.base);
        // Only whole characters are ever written; each line ends in `\n`.
        std::str::from_utf8(&self.text[start..end - 1]).ok()
    }

    /// Bytes held (live and dead), for the memory bound's test.
    pub fn bytes_held(&self) -> usize {
        self.text.len()
    }
}

/// Line ends in `bytes`: counted 255 bytes at a time into a byte, which
/// the compiler turns into vector instructions (gigabytes per second).
fn count_line_ends(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| chunk.iter().fold(0u8, |n, b| n + u8::from(*b == b'\n')) as usize)
        .sum()
}
