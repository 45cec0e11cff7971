//! The run screen's model: the tasks' states fed by engine events (tasks
//! may run at the same time: their events interleave), and a bounded log
//! per task with scrolling and search.

use std::cell::Cell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::engine::Event;
use crate::i18n::Message;
use crate::plan::TaskId;
// The log moved to the tui's shared modules (the undo screen shows one
// too); its old path stays.
use crate::tui::log_buffer::LogBuf;

/// Puts a message into the screen's language (`Texts::msg`).
pub type Words<'a> = dyn Fn(&Message) -> String + 'a;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    Pending,
    Running,
    Done,
    Skipped,
    Failed,
    Retrying,
}

#[derive(Debug, Clone)]
pub struct TaskRow {
    pub id: TaskId,
    pub title: String,
    pub state: TaskState,
    pub started: Option<Instant>,
    /// Order of the last start among the tasks (higher: later).
    pub start_order: u64,
    pub duration: Option<Duration>,
    pub retry_until: Option<Instant>,
    pub attempt: u32,
}

impl TaskRow {
    fn new(id: TaskId, title: &str) -> TaskRow {
        TaskRow {
            id,
            title: title.to_string(),
            state: TaskState::Pending,
            started: None,
            start_order: 0,
            duration: None,
            retry_until: None,
            attempt: 1,
        }
    }

    pub fn is_running(&self) -> bool {
        matches!(self.state, TaskState::Running | TaskState::Retrying)
    }
}

/// Whether `line` contains `query` (already lower case), ignoring case;
/// without allocating for ASCII lines.
pub fn contains_ignoring_case(line: &str, query: &str) -> bool {
    if line.is_ascii() && query.is_ascii() {
        let (l, q) = (line.as_bytes(), query.as_bytes());
        return q.is_empty()
            || l.windows(q.len())
                .any(|w| w.iter().zip(q).all(|(a, b)| a.to_ascii_lowercase() == *b));
    }
    line.to_lowercase().contains(query)
}

#[derive(Debug, Clone, Default)]
pub struct Search {
    pub query: String,
    /// Typing the query (the input line is shown).
    pub editing: bool,
    /// The line of the current match, absolute.
    pub current: Option<usize>,
    pub not_found: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureChoice {
    Retry,
    Edit,
    Skip,
    Quit,
    /// Run again with every finished task probing its work (`apply
    /// --verify`): the way out when something a finished task set up was
    /// changed or removed outside the wizard.
    Recheck,
}

impl FailureChoice {
    pub const ALL: [FailureChoice; 5] = [
        FailureChoice::Retry,
        FailureChoice::Edit,
        FailureChoice::Skip,
        FailureChoice::Quit,
        FailureChoice::Recheck,
    ];
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub task: TaskId,
    pub error: Message,
    pub choice: usize,
}

#[derive(Debug, Clone, Default)]
pub struct RunView {
    pub tasks: Vec<TaskRow>,
    pub logs: Vec<LogBuf>,
    pub selected: usize,
    /// The selection follows the running task until the admin picks one.
    pub manual_selection: bool,
    /// First line shown (absolute); `None` follows the tail.
    pub top: Option<usize>,
    /// Rows of the log pane at the last draw, for paging.
    pub view_height: Cell<usize>,
    pub search: Option<Search>,
    pub log_path: Option<PathBuf>,
    pub started: Option<Instant>,
    pub finished_in: Option<Duration>,
    pub failure: Option<Failure>,
    /// Tasks no other task depends on: safe to skip after a failure.
    pub skippable: Vec<TaskId>,
    /// Starts seen, to order the tasks by their last start.
    starts_seen: u64,
}

impl RunView {
    /// Rows for a plan's tasks (id, title, ids it waits for).
    pub fn new(tasks: &[(TaskId, String, Vec<TaskId>)]) -> RunView {
        let skippable = tasks
            .iter()
            .filter(|(id, _, _)| !tasks.iter().any(|(_, _, after)| after.contains(id)))
            .map(|(id, _, _)| *id)
            .collect();
        RunView {
            tasks: tasks
                .iter()
                .map(|(id, title, _)| TaskRow::new(*id, title))
                .collect(),
            logs: vec![LogBuf::default(); tasks.len()],
            skippable,
            ..RunView::default()
        }
    }

    fn index(&mut self, id: TaskId) -> usize {
        if let Some(i) = self.tasks.iter().position(|t| t.id == id) {
            return i;
        }
        // A task the view did not know (cannot happen with the same plan).
        self.tasks.push(TaskRow::new(id, id.as_str()));
        self.logs.push(LogBuf::default());
        self.tasks.len() - 1
    }

    fn select_auto(&mut self, i: usize) {
        if !self.manual_selection && self.selected != i {
            self.selected = i;
            self.top = None;
            if let Some(s) = &mut self.search {
                s.current = None;
            }
        }
    }

    /// The running task that started last: the one the log pane follows.
    pub fn latest_running(&self) -> Option<usize> {
        self.tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.is_running())
            .max_by_key(|(_, t)| t.start_order)
            .map(|(i, _)| i)
    }

    /// Tasks running now (a retry's wait included).
    pub fn running_count(&self) -> usize {
        self.tasks.iter().filter(|t| t.is_running()).count()
    }

    /// Follows again (the `f` key): the running task that started last, or
    /// else the failed one.
    pub fn follow(&mut self) {
        self.manual_selection = false;
        let target = self
            .latest_running()
            .or_else(|| self.tasks.iter().position(|t| t.state == TaskState::Failed));
        if let Some(i) = target {
            self.select_auto(i);
        }
        self.top = None;
    }

    /// The followed task ended: follow another one still running, if any.
    fn ended(&mut self, i: usize) {
        if !self.manual_selection
            && self.selected == i
            && let Some(next) = self.latest_running()
        {
            self.select_auto(next);
        }
    }

    /// Applies an engine event; `now` is the UI's clock.
    pub fn apply(&mut self, event: &Event, now: Instant, words: &Words) {
        match event {
            Event::RunStarted { log_path, .. } => {
                self.log_path = Some(log_path.clone());
                self.started = Some(now);
                self.finished_in = None;
                self.failure = None;
            }
            Event::TaskSkipped { id, reason, .. } => {
                let i = self.index(*id);
                self.tasks[i].state = TaskState::Skipped;
                let skipped = Message::new("run.log_skipped").msg("reason", reason.clone());
                self.logs[i].push(&words(&skipped));
            }
            Event::TaskStarted { id, .. } => self.task_started(*id, now),
            Event::Output { id, lines } => self.output(*id, lines, now),
            Event::Narration { id, sentence } => self.output(*id, &words(sentence), now),
            Event::TaskRetrying {
                id,
                attempt,
                wait,
                reason,
            } => self.task_retrying(*id, *attempt, *wait, reason, now, words),
            Event::TaskFinished { id, duration, .. } => {
                let i = self.task_ended(*id, TaskState::Done, *duration);
                self.ended(i);
            }
            Event::TaskFailed {
                id,
                duration,
                error,
            } => self.task_failed(*id, *duration, error, words),
            Event::RunFinished { duration, .. } => {
                self.finished_in = Some(*duration);
            }
        }
    }

    fn task_started(&mut self, id: TaskId, now: Instant) {
        let i = self.index(id);
        self.starts_seen += 1;
        let t = &mut self.tasks[i];
        t.state = TaskState::Running;
        t.started = Some(now);
        t.start_order = self.starts_seen;
        t.duration = None;
        t.retry_until = None;
        t.attempt = 1;
        self.select_auto(i);
    }

    /// A task's output; output after a retry's wait means it runs again.
    fn output(&mut self, id: TaskId, lines: &str, now: Instant) {
        let i = self.index(id);
        let t = &mut self.tasks[i];
        if t.state == TaskState::Retrying && t.retry_until.is_none_or(|u| now >= u) {
            t.state = TaskState::Running;
            t.retry_until = None;
        }
        self.logs[i].push(lines);
    }

    fn task_retrying(
        &mut self,
        id: TaskId,
        attempt: u32,
        wait: Duration,
        reason: &Message,
        now: Instant,
        words: &Words,
    ) {
        let i = self.index(id);
        let t = &mut self.tasks[i];
        t.state = TaskState::Retrying;
        t.retry_until = Some(now + wait);
        t.attempt = attempt + 1;
        self.logs[i].push(&words(
            &Message::new("run.log_retry")
                .arg("attempt", attempt)
                .msg("reason", reason.clone())
                .arg("seconds", wait.as_secs()),
        ));
    }

    /// A task finished or failed (`state`): its row shows how long it took.
    fn task_ended(&mut self, id: TaskId, state: TaskState, duration: Duration) -> usize {
        let i = self.index(id);
        let t = &mut self.tasks[i];
        t.state = state;
        t.duration = Some(duration);
        t.retry_until = None;
        i
    }

    /// A task failed: its error goes to its log and the view selects it, for
    /// the failure's choices.
    fn task_failed(&mut self, id: TaskId, duration: Duration, error: &Message, words: &Words) {
        let i = self.task_ended(id, TaskState::Failed, duration);
        for line in words(error).lines() {
            let said = Message::new("run.log_error").arg("error", line);
            self.logs[i].push(&words(&said));
        }
        self.failure = Some(Failure {
            task: id,
            error: error.clone(),
            choice: 0,
        });
        self.manual_selection = false;
        self.select_auto(i);
    }

    /// Done and skipped tasks, out of all.
    pub fn progress(&self) -> (usize, usize) {
        let done = self
            .tasks
            .iter()
            .filter(|t| matches!(t.state, TaskState::Done | TaskState::Skipped))
            .count();
        (done, self.tasks.len())
    }

    pub fn selected_log(&self) -> Option<&LogBuf> {
        self.logs.get(self.selected)
    }

    /// The first line to show for a pane of `height` rows.
    pub fn first_line(&self, height: usize) -> usize {
        let Some(log) = self.selected_log() else {
            return 0;
        };
        let tail = log.end().saturating_sub(height).max(log.dropped);
        match self.top {
            None => tail,
            Some(top) => top.clamp(log.dropped, tail),
        }
    }

    /// Scrolls the log by `delta` lines (negative: up). Reaching the tail
    /// follows it again.
    pub fn scroll(&mut self, delta: isize) {
        let height = self.view_height.get().max(1);
        let current = self.first_line(height);
        let Some(log) = self.selected_log() else {
            return;
        };
        let tail = log.end().saturating_sub(height).max(log.dropped);
        let next = (current as isize + delta).max(log.dropped as isize) as usize;
        self.top = if next >= tail { None } else { Some(next) };
    }

    pub fn page(&mut self, down: bool) {
        let page = self.view_height.get().saturating_sub(1).max(1) as isize;
        self.scroll(if down { page } else { -page });
    }

    pub fn home(&mut self) {
        if let Some(log) = self.selected_log() {
            self.top = Some(log.dropped);
        }
    }

    pub fn end(&mut self) {
        self.top = None;
    }

    pub fn select(&mut self, i: usize) {
        if i < self.tasks.len() && i != self.selected {
            self.selected = i;
            self.top = None;
            self.manual_selection = true;
            if let Some(s) = &mut self.search {
                s.current = None;
            }
        }
    }

    /// Finds the query from the current match (or the view) towards older
    /// lines (`backwards`) or newer ones, wrapping around.
    pub fn find(&mut self, backwards: bool) {
        let height = self.view_height.get().max(1);
        let first = self.first_line(height);
        let Some(search) = self.search.clone() else {
            return;
        };
        let Some(log) = self.logs.get(self.selected) else {
            return;
        };
        let query = search.query.to_lowercase();
        if query.is_empty() {
            return;
        }
        let start = search.current.unwrap_or(if backwards {
            first + height
        } else {
            first.saturating_sub(1)
        });
        let (lo, hi) = (log.dropped, log.end());
        let n = hi - lo;
        let matches = |i: usize| {
            log.get(i)
                .is_some_and(|l| contains_ignoring_case(l, &query))
        };
        let mut found = None;
        for step in 1..=n {
            let i = if backwards {
                lo + (start.saturating_sub(lo) + n * 2 - step) % n.max(1)
            } else {
                lo + (start.saturating_sub(lo) + step) % n.max(1)
            };
            if matches(i) {
                found = Some(i);
                break;
            }
        }
        let search = self.search.as_mut().expect("checked above");
        search.not_found = found.is_none();
        search.current = found;
        if let Some(i) = found {
            // Show the match a third of the way down the pane.
            let top = i.saturating_sub(height / 3);
            let tail = hi.saturating_sub(height).max(lo);
            self.top = if top >= tail { None } else { Some(top) };
        }
    }

    /// The first running task, in plan order.
    pub fn running(&self) -> Option<&TaskRow> {
        self.tasks.iter().find(|t| t.is_running())
    }
}

#[cfg(test)]
mod tests;
