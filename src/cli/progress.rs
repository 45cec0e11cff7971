//! The engine's events as progress lines, in a language: what `apply` prints while it runs.

use std::io::Write;
use std::time::Duration;

use crate::engine::{Event, EventSink};
use crate::i18n::{Lang, Message, Texts};
use crate::plan::{Plan, TaskId};

/// The engine's events as lines, in a language: `apply`'s progress. The
/// task titles come from the plan (the events carry the English ones), so
/// they are in the printer's language too.
pub struct LinePrinter<W: Write> {
    pub out: W,
    total: usize,
    /// Reused for blocks of output.
    buf: Vec<u8>,
    texts: &'static Texts,
    titles: std::collections::HashMap<TaskId, Message>,
}

impl<W: Write> LinePrinter<W> {
    /// In English, with the events' titles.
    pub fn new(out: W) -> Self {
        LinePrinter {
            out,
            total: 0,
            buf: Vec::new(),
            texts: Texts::of(Lang::En),
            titles: std::collections::HashMap::new(),
        }
    }

    /// In `texts`' language, the titles those of `plan`'s tasks.
    pub fn localized(out: W, plan: &Plan, texts: &'static Texts) -> Self {
        LinePrinter {
            titles: plan
                .tasks
                .iter()
                .map(|task| (task.id, task.title.clone()))
                .collect(),
            texts,
            ..LinePrinter::new(out)
        }
    }

    /// A block of lines, each under the task's id.
    fn output(&mut self, id: TaskId, lines: &str) {
        self.buf.clear();
        for line in lines.split('\n') {
            self.buf.extend_from_slice(b"    ");
            self.buf.extend_from_slice(id.as_str().as_bytes());
            self.buf.extend_from_slice(b" | ");
            self.buf.extend_from_slice(line.as_bytes());
            self.buf.push(b'\n');
        }
        // Ignored on purpose, as in `report`: the engine's log file has
        // every event; a closed stdout must not stop the run.
        let _ = self
            .out
            .write_all(&self.buf)
            .and_then(|()| self.out.flush());
    }

    fn title(&self, id: TaskId, english: &str) -> String {
        self.titles
            .get(&id)
            .map_or_else(|| english.to_string(), |title| self.texts.msg(title))
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

impl<W: Write> EventSink for LinePrinter<W> {
    fn emit(&mut self, event: Event) {
        // Each line is one message, filled in one pass: a server's words in
        // a reason never have a placeholder filled in them.
        let line = match &event {
            Event::RunStarted { total, log_path } => {
                self.total = *total;
                Message::new("apply_line.running")
                    .arg("total", total)
                    .arg("path", log_path.display())
            }
            Event::TaskSkipped { id, title, reason } => Message::new("apply_line.skip")
                .arg("id", id)
                .arg("title", self.title(*id, title))
                .msg("reason", reason.clone()),
            Event::TaskStarted {
                id,
                title,
                index,
                total,
            } => Message::new("apply_line.started")
                .arg("index", index)
                .arg("total", total)
                .arg("id", id)
                .arg("title", self.title(*id, title)),
            Event::Output { id, lines } => return self.output(*id, lines),
            Event::Narration { id, sentence } => {
                let text = self.texts.msg(sentence);
                return self.output(*id, &text);
            }
            Event::TaskRetrying {
                id,
                attempt,
                wait,
                reason,
            } => Message::new("apply_line.retry")
                .arg("id", id)
                .arg("attempt", attempt)
                .msg("reason", reason.clone())
                .arg("wait", wait.as_secs()),
            Event::TaskFinished { id, duration, .. } => Message::new("apply_line.done")
                .arg("id", id)
                .arg("time", seconds(*duration)),
            Event::TaskFailed {
                id,
                duration,
                error,
            } => Message::new("apply_line.failed")
                .arg("id", id)
                .arg("time", seconds(*duration))
                .msg("error", error.clone()),
            Event::RunFinished { ok, duration } => Message::new(if *ok {
                "apply_line.finished"
            } else {
                "apply_line.stopped"
            })
            .arg("time", seconds(*duration)),
        };
        // Ignored on purpose, as above.
        let _ = writeln!(self.out, "{}", self.texts.msg(&line)).and_then(|()| self.out.flush());
    }
}
