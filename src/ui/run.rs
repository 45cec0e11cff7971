//! The run screen's model: the tasks' states fed by engine events, and a
//! bounded log per task with scrolling and search.

use std::cell::Cell;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::engine::Event;

/// Lines kept per task; older ones are dropped (the log file has them all).
pub const MAX_LINES_PER_TASK: usize = 2000;
/// Characters kept per line.
pub const MAX_LINE_CHARS: usize = 400;

/// Translates a key with arguments (`Texts::f`).
pub type Words<'a> = dyn Fn(&str, &[(&str, &dyn std::fmt::Display)]) -> String + 'a;

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
    pub id: String,
    pub title: String,
    pub state: TaskState,
    pub started: Option<Instant>,
    pub duration: Option<Duration>,
    pub retry_until: Option<Instant>,
    pub attempt: u32,
}

/// One task's recent lines. `dropped` counts lines pushed out of the front,
/// so absolute line numbers stay stable while the buffer scrolls.
#[derive(Debug, Clone, Default)]
pub struct LogBuf {
    pub lines: VecDeque<String>,
    pub dropped: usize,
}

impl LogBuf {
    pub fn push(&mut self, line: &str) {
        let line: String = if line.chars().count() > MAX_LINE_CHARS {
            let mut l: String = line.chars().take(MAX_LINE_CHARS).collect();
            l.push('…');
            l
        } else {
            line.to_string()
        };
        // Tabs and control characters would break the layout.
        let line = line
            .replace('\t', "    ")
            .replace(|c: char| c.is_control(), "");
        self.lines.push_back(line);
        while self.lines.len() > MAX_LINES_PER_TASK {
            self.lines.pop_front();
            self.dropped += 1;
        }
    }

    /// Absolute number of the line after the last.
    pub fn end(&self) -> usize {
        self.dropped + self.lines.len()
    }

    pub fn get(&self, absolute: usize) -> Option<&String> {
        absolute
            .checked_sub(self.dropped)
            .and_then(|i| self.lines.get(i))
    }
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
}

impl FailureChoice {
    pub const ALL: [FailureChoice; 4] = [
        FailureChoice::Retry,
        FailureChoice::Edit,
        FailureChoice::Skip,
        FailureChoice::Quit,
    ];
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub task: String,
    pub error: String,
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
    pub skippable: Vec<String>,
}

impl RunView {
    /// Rows for a plan's tasks (id, title, ids it waits for).
    pub fn new(tasks: &[(String, String, Vec<String>)]) -> RunView {
        let skippable = tasks
            .iter()
            .filter(|(id, _, _)| !tasks.iter().any(|(_, _, after)| after.contains(id)))
            .map(|(id, _, _)| id.clone())
            .collect();
        RunView {
            tasks: tasks
                .iter()
                .map(|(id, title, _)| TaskRow {
                    id: id.clone(),
                    title: title.clone(),
                    state: TaskState::Pending,
                    started: None,
                    duration: None,
                    retry_until: None,
                    attempt: 1,
                })
                .collect(),
            logs: vec![LogBuf::default(); tasks.len()],
            skippable,
            ..RunView::default()
        }
    }

    fn index(&mut self, id: &str) -> usize {
        if let Some(i) = self.tasks.iter().position(|t| t.id == id) {
            return i;
        }
        // A task the view did not know (cannot happen with the same plan).
        self.tasks.push(TaskRow {
            id: id.to_string(),
            title: id.to_string(),
            state: TaskState::Pending,
            started: None,
            duration: None,
            retry_until: None,
            attempt: 1,
        });
        self.logs.push(LogBuf::default());
        self.tasks.len() - 1
    }

    fn select_auto(&mut self, i: usize) {
        if !self.manual_selection && self.selected != i {
            self.selected = i;
            self.top = None;
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
                let i = self.index(id);
                self.tasks[i].state = TaskState::Skipped;
                self.logs[i].push(&words("run.log_skipped", &[("reason", reason)]));
            }
            Event::TaskStarted { id, .. } => {
                let i = self.index(id);
                let t = &mut self.tasks[i];
                t.state = TaskState::Running;
                t.started = Some(now);
                t.duration = None;
                t.retry_until = None;
                t.attempt = 1;
                self.select_auto(i);
            }
            Event::Output { id, line } => {
                let i = self.index(id);
                let t = &mut self.tasks[i];
                if t.state == TaskState::Retrying && t.retry_until.is_none_or(|u| now >= u) {
                    t.state = TaskState::Running;
                    t.retry_until = None;
                }
                self.logs[i].push(line);
            }
            Event::TaskRetrying {
                id,
                attempt,
                wait,
                reason,
            } => {
                let i = self.index(id);
                let t = &mut self.tasks[i];
                t.state = TaskState::Retrying;
                t.retry_until = Some(now + *wait);
                t.attempt = attempt + 1;
                self.logs[i].push(&words(
                    "run.log_retry",
                    &[
                        ("attempt", attempt),
                        ("reason", reason),
                        ("seconds", &wait.as_secs()),
                    ],
                ));
            }
            Event::TaskFinished { id, duration, .. } => {
                let i = self.index(id);
                let t = &mut self.tasks[i];
                t.state = TaskState::Done;
                t.duration = Some(*duration);
                t.retry_until = None;
            }
            Event::TaskFailed {
                id,
                duration,
                error,
            } => {
                let i = self.index(id);
                let t = &mut self.tasks[i];
                t.state = TaskState::Failed;
                t.duration = Some(*duration);
                t.retry_until = None;
                for line in error.lines() {
                    self.logs[i].push(&words("run.log_error", &[("error", &line)]));
                }
                self.failure = Some(Failure {
                    task: id.clone(),
                    error: error.clone(),
                    choice: 0,
                });
                self.manual_selection = false;
                self.select_auto(i);
            }
            Event::RunFinished { duration, .. } => {
                self.finished_in = Some(*duration);
            }
        }
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
                .is_some_and(|l| l.to_lowercase().contains(&query))
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

    pub fn running(&self) -> Option<&TaskRow> {
        self.tasks
            .iter()
            .find(|t| matches!(t.state, TaskState::Running | TaskState::Retrying))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(key: &str, _: &[(&str, &dyn std::fmt::Display)]) -> String {
        key.to_string()
    }

    fn view() -> RunView {
        RunView::new(&[
            ("a".into(), "A".into(), vec![]),
            ("b".into(), "B".into(), vec!["a".into()]),
        ])
    }

    #[test]
    fn memory_is_bounded_and_numbers_stay_stable() {
        let mut v = view();
        let now = Instant::now();
        for i in 0..MAX_LINES_PER_TASK + 10 {
            v.apply(
                &Event::Output {
                    id: "a".into(),
                    line: format!("line {i} {}", "x".repeat(1000)),
                },
                now,
                &words,
            );
        }
        let log = &v.logs[0];
        assert_eq!(log.lines.len(), MAX_LINES_PER_TASK);
        assert_eq!(log.dropped, 10);
        assert!(log.get(10).unwrap().starts_with("line 10 "));
        assert!(
            log.lines
                .iter()
                .all(|l| l.chars().count() <= MAX_LINE_CHARS + 1)
        );
    }

    #[test]
    fn scrolling_leaves_and_rejoins_the_tail() {
        let mut v = view();
        v.view_height.set(5);
        let now = Instant::now();
        for i in 0..20 {
            v.apply(
                &Event::Output {
                    id: "a".into(),
                    line: format!("l{i}"),
                },
                now,
                &words,
            );
        }
        assert_eq!(v.first_line(5), 15);
        v.page(false);
        assert_eq!(v.first_line(5), 11);
        // New lines do not move a scrolled view.
        v.apply(
            &Event::Output {
                id: "a".into(),
                line: "new".into(),
            },
            now,
            &words,
        );
        assert_eq!(v.first_line(5), 11);
        v.home();
        assert_eq!(v.first_line(5), 0);
        v.page(true);
        v.page(true);
        v.page(true);
        v.page(true);
        v.page(true);
        assert_eq!(v.top, None, "back at the tail: following again");
    }

    #[test]
    fn search_finds_older_lines_first_and_wraps() {
        let mut v = view();
        v.view_height.set(3);
        let now = Instant::now();
        for line in ["apt-get update", "Err: 1", "ok", "ok", "Err: 2", "ok", "ok"] {
            v.apply(
                &Event::Output {
                    id: "a".into(),
                    line: line.into(),
                },
                now,
                &words,
            );
        }
        v.search = Some(Search {
            query: "err".into(),
            ..Search::default()
        });
        v.find(true);
        assert_eq!(v.search.as_ref().unwrap().current, Some(4));
        v.find(true);
        assert_eq!(v.search.as_ref().unwrap().current, Some(1));
        v.find(true);
        assert_eq!(v.search.as_ref().unwrap().current, Some(4), "wrapped");
        v.search.as_mut().unwrap().query = "nothing".into();
        v.find(true);
        assert!(v.search.as_ref().unwrap().not_found);
    }

    #[test]
    fn only_tasks_nothing_depends_on_are_skippable() {
        assert_eq!(view().skippable, ["b"]);
    }
}
