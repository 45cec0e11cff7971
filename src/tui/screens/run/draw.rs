//! Drawing the run screen: progress, the task list, the selected task's
//! log, and after a failure its panel with the choices.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Gauge, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::view::{Failure, FailureChoice, Search, TaskRow, TaskState};
use crate::tui::app::{App, Outcome};
use crate::tui::log_buffer::LogBuf;
use crate::tui::widgets::{
    clear_popup, cut, error_lines, error_panel, fit, highlight, notice_line, seconds, wrap,
};

/// A running task's spinner, one frame per 100 ms of its run.
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

fn task_glyph(state: TaskState) -> &'static str {
    match state {
        TaskState::Pending => "·",
        TaskState::Running => "▶",
        TaskState::Done => "✓",
        TaskState::Skipped => "↷",
        TaskState::Failed => "✗",
        TaskState::Retrying => "↻",
    }
}

/// The run screen: progress, tasks and log; after a failure its panel, or the
/// error that stopped the run.
pub(in crate::tui) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let failed = app.run.failure_shown();
    let error = app.run.ended_in_error();
    // A failure: its error (the remedy is in it: as many lines as leave
    // the task list and log RUN_MIDDLE_MIN rows), the choices, the recheck
    // choice and the resume note.
    let bottom = if let (true, Some(failure)) = (failed, &app.run.view.failure) {
        failure_error_rows(app, failure, area) + 5
    } else if error {
        6
    } else {
        0
    };
    let [gauge_area, middle, bottom_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(bottom),
    ])
    .areas(area);
    draw_run_gauge(app, frame, gauge_area);
    let [tasks_area, log_area] =
        Layout::horizontal([Constraint::Length(32), Constraint::Fill(1)]).areas(middle);
    draw_task_list(app, frame, tasks_area);
    draw_task_log(app, frame, log_area);
    if failed && let Some(failure) = &app.run.view.failure {
        draw_failure(app, failure, frame, bottom_area);
    } else if let Some(Outcome::Error(e)) = &app.run.outcome {
        draw_run_error(app, e, frame, bottom_area);
    }
    if app.quitting {
        draw_stopping(app, frame, area);
    }
}

/// The progress bar: tasks done out of all, those running, time so far.
fn draw_run_gauge(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let th = &app.theme;
    let run = &app.run.view;
    let (done, total) = run.progress();
    let elapsed = run
        .finished_in
        .or_else(|| run.started.map(|s| app.now.saturating_duration_since(s)))
        .unwrap_or_default();
    let running = run.running_count();
    let label = t.f(
        if running > 0 {
            "run.progress_running"
        } else {
            "run.progress"
        },
        &[
            ("done", &done),
            ("total", &total),
            ("running", &running),
            ("elapsed", &seconds(elapsed)),
        ],
    );
    let ratio = if total == 0 {
        0.0
    } else {
        done as f64 / total as f64
    };
    frame.render_widget(
        Gauge::default()
            .gauge_style(if th.color { th.ok() } else { th.selected() })
            .ratio(ratio)
            .label(label),
        area,
    );
}

/// The task list, scrolled so that the selected task shows.
fn draw_task_list(app: &App, frame: &mut Frame, area: Rect) {
    let run = &app.run.view;
    let block = Block::bordered().title(Span::styled(
        format!(" {} ", app.texts.t("run.tasks")),
        app.theme.title(),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // "▶ id ⠹ 12.3s": glyph, id, spinner (running tasks), time.
    let id_width = (inner.width as usize).saturating_sub(11);
    let rows: Vec<Line> = run
        .tasks
        .iter()
        .enumerate()
        .map(|(i, task)| task_line(app, task, i == run.selected, id_width))
        .collect();
    let visible = inner.height as usize;
    let skip = run.selected.saturating_sub(visible.saturating_sub(1));
    frame.render_widget(
        Paragraph::new(rows.into_iter().skip(skip).collect::<Vec<_>>()),
        inner,
    );
}

/// One task's row: glyph, id and time, styled by its state.
fn task_line(app: &App, task: &TaskRow, selected: bool, id_width: usize) -> Line<'static> {
    let th = &app.theme;
    let mut state = task.state;
    if state == TaskState::Retrying && task.retry_until.is_some_and(|u| app.now >= u) {
        state = TaskState::Running;
    }
    let style = match state {
        TaskState::Done => th.ok(),
        TaskState::Failed => th.error(),
        TaskState::Retrying => th.warn(),
        TaskState::Running => th.accent(),
        TaskState::Skipped | TaskState::Pending => th.dim(),
    };
    let time = cut(&task_time(app, task, state), 8);
    let text = format!(
        "{} {} {}{time}",
        task_glyph(state),
        fit(task.id.as_str(), id_width),
        " ".repeat(8usize.saturating_sub(time.width()))
    );
    Line::styled(
        text,
        if selected {
            style.patch(th.selected())
        } else {
            style
        },
    )
}

/// A task's time column: a spinner and the time so far while it runs, the
/// wait before a retry, its duration once ended.
fn task_time(app: &App, task: &TaskRow, state: TaskState) -> String {
    let t = app.texts;
    match state {
        TaskState::Running => task
            .started
            .map(|s| {
                let running = app.now.saturating_duration_since(s);
                let frame = (running.as_millis() / 100) as usize % SPINNER.len();
                format!("{} {}", SPINNER[frame], cut(&seconds(running), 6))
            })
            .unwrap_or_default(),
        TaskState::Retrying => task
            .retry_until
            .map(|u| {
                let left = u.saturating_duration_since(app.now);
                t.f("run.retry_in", &[("seconds", &left.as_secs_f64().ceil())])
            })
            .unwrap_or_default(),
        TaskState::Done | TaskState::Failed => task.duration.map(seconds).unwrap_or_default(),
        TaskState::Skipped => t.t("run.skipped_short"),
        TaskState::Pending => String::new(),
    }
}

/// The selected task's log, titled with its id (as in the list) and title,
/// and the search line under it while searching.
fn draw_task_log(app: &App, frame: &mut Frame, area: Rect) {
    let th = &app.theme;
    let run = &app.run.view;
    let title = run.tasks.get(run.selected).map_or(String::new(), |task| {
        format!(" {} · {} ", task.id, task.title)
    });
    let log = run.selected_log();
    let searching = run.search.as_ref();
    let block = Block::bordered()
        .title(Span::styled(
            cut(&title, area.width.saturating_sub(4) as usize),
            th.title(),
        ))
        .title_bottom(Span::styled(log_position(app, log), th.dim()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let search_rows = usize::from(searching.is_some());
    let height = (inner.height as usize).saturating_sub(search_rows);
    run.view_height.set(height);
    let width = inner.width as usize;
    let mut lines = log.map_or_else(Vec::new, |log| log_lines(app, log, height, width));
    while lines.len() < height {
        lines.push(Line::raw(""));
    }
    if let Some(s) = searching {
        lines.push(search_line(app, s, width));
        if s.editing {
            frame.set_cursor_position(Position::new(
                inner.x + (1 + s.query.width()).min(width.saturating_sub(1)) as u16,
                inner.y + height as u16,
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The log pane's bottom title: following the end, or where the view is.
/// Reads the pane's height of the last draw, as scrolling does.
fn log_position(app: &App, log: Option<&LogBuf>) -> String {
    let t = app.texts;
    let run = &app.run.view;
    let end = log.map_or(0, |l| l.end());
    if run.top.is_none() {
        format!(" {} ", t.f("run.following", &[("lines", &end)]))
    } else {
        let first = run.first_line(run.view_height.get()) + 1;
        format!(
            " {} ",
            t.f("run.scrolled", &[("line", &first), ("lines", &end)])
        )
    }
}

/// The log lines in view, the search's matches highlighted (the current
/// one as selected).
fn log_lines(app: &App, log: &LogBuf, height: usize, width: usize) -> Vec<Line<'static>> {
    let th = &app.theme;
    let run = &app.run.view;
    let searching = run.search.as_ref();
    let first = run.first_line(height);
    let query = searching
        .map(|s| s.query.to_lowercase())
        .filter(|q| !q.is_empty());
    let mut lines = Vec::new();
    for n in first..(first + height).min(log.end()) {
        let Some(line) = log.get(n) else { continue };
        let shown = cut(line, width);
        let is_current = searching.and_then(|s| s.current) == Some(n);
        match &query {
            Some(q) if shown.to_lowercase().contains(q.as_str()) => {
                lines.push(highlight(
                    &shown,
                    q,
                    if is_current {
                        th.selected()
                    } else {
                        th.highlight()
                    },
                ));
            }
            _ => lines.push(Line::raw(shown)),
        }
    }
    lines
}

/// The line under the log while searching: the query being typed, or the
/// search's state.
fn search_line(app: &App, s: &Search, width: usize) -> Line<'static> {
    let t = app.texts;
    let th = &app.theme;
    let text = if s.editing {
        format!("/{}", s.query)
    } else if s.not_found {
        t.f("run.not_found", &[("query", &s.query)])
    } else {
        t.f("run.search_active", &[("query", &s.query)])
    };
    Line::styled(
        cut(&text, width),
        if s.not_found { th.warn() } else { th.accent() },
    )
}

/// Rows the task list and the log keep when a failure's panel grows.
const RUN_MIDDLE_MIN: u16 = 10;

/// Rows of the failed task's error in its panel: all of it wrapped, but at
/// least two and no more than leave the task list and log
/// [`RUN_MIDDLE_MIN`] rows of `area` (the run screen's body).
fn failure_error_rows(app: &App, failure: &Failure, area: Rect) -> u16 {
    let width = area.width.saturating_sub(2) as usize;
    let wrapped = wrap(&app.texts.msg(&failure.error), width).len() as u16;
    let room = area.height.saturating_sub(1 + 5 + RUN_MIDDLE_MIN);
    wrapped.min(room).max(2)
}

/// The failed task's panel: its error (as many lines as the panel has),
/// the choices and the resume note (or the notice).
fn draw_failure(app: &App, failure: &Failure, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let title = t.f("run.failed_title", &[("task", &failure.task)]);
    let inner = error_panel(app, frame, area, &title);
    let w = inner.width as usize;
    let rows = usize::from(inner.height.saturating_sub(3));
    let mut lines = error_lines(app, &t.msg(&failure.error), w, rows);
    while lines.len() < rows {
        lines.push(Line::raw(""));
    }
    let (choices, recheck) = failure_choices(app, failure, w);
    lines.push(choices);
    lines.extend(recheck);
    if let Some(n) = notice_line(app) {
        lines.push(n);
    } else {
        lines.push(Line::styled(
            cut(&t.t("run.resume_note"), w),
            app.theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The choices after a failure: one line of keys, and the recheck on a line
/// of its own (it is long, and rarer).
fn failure_choices(
    app: &App,
    failure: &Failure,
    w: usize,
) -> (Line<'static>, Option<Line<'static>>) {
    let t = app.texts;
    let th = &app.theme;
    let mut spans = Vec::new();
    let mut recheck = None;
    for (i, c) in FailureChoice::ALL.iter().enumerate() {
        let mut style = if i == failure.choice {
            th.selected()
        } else {
            th.normal()
        };
        let (key, text) = match c {
            FailureChoice::Recheck => {
                let text = format!("[v] {}", t.t("run.choice_recheck"));
                recheck = Some(Line::styled(cut(&text, w), style));
                continue;
            }
            FailureChoice::Retry => ("r", t.t("run.choice_retry")),
            FailureChoice::Edit => {
                let screen = app.run.edit_screen(failure.task).name();
                let short = t.t(&format!("screen.{screen}.short"));
                ("e", t.f("run.choice_edit", &[("screen", &short)]))
            }
            FailureChoice::Skip if app.run.can_skip() => ("s", t.t("run.choice_skip")),
            FailureChoice::Skip => ("s", t.t("run.choice_skip_unsafe")),
            FailureChoice::Quit => ("q", t.t("run.choice_quit")),
        };
        if *c == FailureChoice::Skip && !app.run.can_skip() {
            style = style.patch(th.dim());
        }
        spans.push(Span::styled(format!("[{key}] {text}"), style));
        spans.push(Span::raw("  "));
    }
    (Line::from(spans), recheck)
}

/// The install could not start (or the engine ended in an error of its
/// own, not a task's): the error and the way back.
fn draw_run_error(app: &App, error: &str, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let inner = error_panel(app, frame, area, &t.t("run.error_title"));
    let mut lines = error_lines(app, error, inner.width as usize, 3);
    lines.push(Line::styled(t.t("run.error_back"), app.theme.dim()));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A box in the middle of the screen while quitting stops the running
/// command.
fn draw_stopping(app: &App, frame: &mut Frame, area: Rect) {
    let text = app.texts.t("run.stopping");
    let w = (text.width() as u16 + 4).min(area.width);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + area.height / 2,
        w,
        3,
    );
    clear_popup(frame, r);
    frame.render_widget(
        Paragraph::new(Line::styled(text, app.theme.warn())).block(Block::bordered()),
        r,
    );
}

/// The key hints under the screen (an i18n key).
pub(in crate::tui) fn hints(app: &App) -> &'static str {
    if app.run.view.search.as_ref().is_some_and(|s| s.editing) {
        "hints.search"
    } else if app.run.failure_shown() {
        "hints.run_failed"
    } else {
        "hints.run"
    }
}
