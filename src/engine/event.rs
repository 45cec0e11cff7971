//! What the engine reports while it runs, and how a run ended.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::ErrorKind;
use super::outputs;
use crate::i18n::Message;
use crate::plan::TaskId;

/// What the engine reports. Small and cloneable, so it can cross a channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    RunStarted {
        total: usize,
        log_path: PathBuf,
    },
    /// `reason` is a message the front end puts into its language.
    TaskSkipped {
        id: TaskId,
        title: String,
        reason: Message,
    },
    TaskStarted {
        id: TaskId,
        title: String,
        index: usize,
        total: usize,
    },
    /// Lines of a child's output or of the runner's own narration, already
    /// redacted: one line, or a block of lines joined by `\n` (a child's
    /// output comes in blocks, as it was read), never ending in `\n`.
    Output {
        id: TaskId,
        lines: String,
    },
    /// A sentence of the runner's or the engine's about a task, already
    /// redacted: the front end puts it into its language (English in the
    /// log).
    Narration {
        id: TaskId,
        sentence: Message,
    },
    /// `reason`, like a failure's `error`, is a message the front end
    /// puts into its language (English in the log).
    TaskRetrying {
        id: TaskId,
        attempt: u32,
        wait: Duration,
        reason: Message,
    },
    TaskFinished {
        id: TaskId,
        duration: Duration,
        outputs: outputs::TaskOutputs,
    },
    TaskFailed {
        id: TaskId,
        duration: Duration,
        error: Message,
    },
    RunFinished {
        ok: bool,
        duration: Duration,
    },
}

/// Where events go.
pub trait EventSink {
    fn emit(&mut self, event: Event);
}

impl EventSink for std::sync::mpsc::Sender<Event> {
    fn emit(&mut self, event: Event) {
        let _ = self.send(event);
    }
}

impl<F: FnMut(Event)> EventSink for F {
    fn emit(&mut self, event: Event) {
        self(event)
    }
}

/// The test image a verified run's outputs name.
pub fn verified_image(
    outputs: &BTreeMap<TaskId, outputs::TaskOutputs>,
) -> Option<&outputs::ImageOutputs> {
    outputs.values().find_map(outputs::TaskOutputs::image)
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    /// Every task done, verification included: what each left, by task id.
    Verified {
        outputs: BTreeMap<TaskId, outputs::TaskOutputs>,
    },
    Failed {
        task: TaskId,
        error: Message,
        /// What kind of failure, for the front end to route on (the TUI
        /// opens the proxy screen when [`ErrorKind::needs_proxy_settings`]).
        kind: ErrorKind,
    },
    Cancelled,
}
