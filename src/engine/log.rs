//! The run's log file: each event as lines of text with the time.

use std::io::Write;
use std::time::SystemTime;

use super::event::{Event, EventSink};
use crate::plan::TaskId;

/// The sink plus the log file: every event goes to both. An event is one
/// write to the log (a block of a million lines is a few large writes), made
/// before the event goes on, so a `kill -9` loses nothing already reported.
pub(super) struct Reporter<'s> {
    sink: &'s mut dyn EventSink,
    log: std::fs::File,
    /// Reused for each event's log text.
    buf: Vec<u8>,
}

impl<'s> Reporter<'s> {
    pub(super) fn new(sink: &'s mut dyn EventSink, log: std::fs::File) -> Self {
        Reporter {
            sink,
            log,
            buf: Vec::new(),
        }
    }

    pub(super) fn emit(&mut self, event: Event) {
        self.buf.clear();
        write_log(&mut self.buf, &timestamp(), &event);
        let _ = self.log.write_all(&self.buf);
        self.sink.emit(event);
    }
}

pub(super) fn timestamp() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Appends an event's log text to `out`: [`log_line`] with the time before
/// each line (one line per line of output, each with the task's id),
/// without allocating per line.
pub fn write_log(out: &mut Vec<u8>, timestamp: &str, event: &Event) {
    match event {
        Event::Output { id, lines } => write_block(out, timestamp, *id, lines),
        // A sentence may hold a multi-line error: each line with its task.
        Event::Narration { id, sentence } => write_block(out, timestamp, *id, &sentence.english()),
        other => {
            out.extend_from_slice(timestamp.as_bytes());
            out.push(b' ');
            out.extend_from_slice(log_line(other).as_bytes());
            out.push(b'\n');
        }
    }
}

/// Lines joined by `\n`, each with the time and the task's id.
fn write_block(out: &mut Vec<u8>, timestamp: &str, id: TaskId, lines: &str) {
    let mut prefix = Vec::with_capacity(timestamp.len() + id.as_str().len() + 3);
    prefix.extend_from_slice(timestamp.as_bytes());
    prefix.extend_from_slice(b" [");
    prefix.extend_from_slice(id.as_str().as_bytes());
    prefix.extend_from_slice(b"] ");
    let bytes = lines.as_bytes();
    out.reserve(bytes.len() + 1 + bytes.len() / 8 * prefix.len());
    out.extend_from_slice(&prefix);
    // Lines are short: a plain scan beats a SIMD search per line.
    let mut start = 0;
    for (end, byte) in bytes.iter().enumerate() {
        if *byte == b'\n' {
            out.extend_from_slice(&bytes[start..=end]);
            out.extend_from_slice(&prefix);
            start = end + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'\n');
}

/// What the log says of an event (without the time): one line, or one per
/// line of an output block.
pub fn log_line(event: &Event) -> String {
    match event {
        Event::RunStarted { total, log_path } => {
            format!("run started: {total} tasks, log {}", log_path.display())
        }
        Event::TaskSkipped { id, reason, .. } => format!("[{id}] skipped: {reason}"),
        Event::Narration { id, sentence } => sentence
            .english()
            .split('\n')
            .map(|line| format!("[{id}] {line}"))
            .collect::<Vec<_>>()
            .join("\n"),
        Event::TaskStarted {
            id,
            title,
            index,
            total,
        } => format!("[{id}] started ({index}/{total}): {title}"),
        Event::Output { id, lines } => lines
            .split('\n')
            .map(|line| format!("[{id}] {line}"))
            .collect::<Vec<_>>()
            .join("\n"),
        Event::TaskRetrying {
            id,
            attempt,
            wait,
            reason,
        } => format!(
            "[{id}] attempt {attempt} failed: {reason}; retrying in {}s",
            wait.as_secs()
        ),
        Event::TaskFinished { id, duration, .. } => {
            format!("[{id}] done in {:.1}s", duration.as_secs_f64())
        }
        Event::TaskFailed {
            id,
            duration,
            error,
        } => format!(
            "[{id}] FAILED after {:.1}s: {error}",
            duration.as_secs_f64()
        ),
        Event::RunFinished { ok, duration } => format!(
            "run {} in {:.1}s",
            if *ok { "succeeded" } else { "stopped" },
            duration.as_secs_f64()
        ),
    }
}
