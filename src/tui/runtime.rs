//! The runtime: the terminal set up and put back, the engine's thread and
//! the background work the app asks for ([`Request`]), and the loop that
//! waits on input, engine events and a tick, and draws.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::answers::{Answers, SecretName, Secrets, TargetAnswers};
use crate::engine::{self, Engine, EventSink, Journal, TaskStatus, lock::RunLock};
use crate::host::target::{self, Profile};
use crate::plan::build_plan;
use crate::util::secret::MASK;

use super::app::{App, Msg, Outcome, Request, ResumeInfo};
use super::draft::{Draft, FormField};
use super::screens::run::view::RunView;
use super::screens::{export, undo};
use super::session::{load_session, session_answers_path};
use super::theme::Theme;
use super::{bench, render};
use crate::i18n;
use crate::i18n::{Lang, Texts};

/// Reads an openrc in the background: the variables the form shows, the
/// password masked.
fn parse_openrc(path: String, tx: mpsc::SyncSender<Msg>) {
    std::thread::spawn(move || {
        let result = crate::answers::openrc::load(Path::new(&path)).map(|c| {
            let mut vars: Vec<(String, String)> = c.vars.into_iter().collect();
            vars.retain(|(k, _)| {
                matches!(
                    k.as_str(),
                    "OS_AUTH_URL" | "OS_USERNAME" | "OS_PROJECT_NAME"
                )
            });
            vars.push(("OS_PASSWORD".into(), MASK.into()));
            vars
        });
        // The front end is gone when the send fails: nobody to tell.
        let _ = tx.send(Msg::Openrc(path, result));
    });
}

/// The prechecks, or the review's plan text (`review`), worked out in the
/// background from the form's answers.
fn check_in_background(app: &App, tx: mpsc::SyncSender<Msg>, review: bool) {
    let answers = app.draft.answers();
    let secrets = app.draft.secrets();
    let profile = app.profile.clone();
    let state_dir = app.state_dir.clone();
    let texts = app.texts;
    std::thread::spawn(move || {
        let Ok(profile) = profile else { return };
        let settings =
            crate::ops::settings::settings_from(&answers, &secrets, &profile).map_err(|e| e.0);
        let msg = if review {
            Msg::Review(settings.map(|s| {
                crate::ops::preview::settings_plan_text(&s, &profile, &state_dir, texts)
                    .lines()
                    .map(str::to_string)
                    .collect()
            }))
        } else {
            Msg::Prechecks(settings.map(|s| crate::checks::precheck::run_all(&s, &profile)))
        };
        // The front end is gone when the send fails: nobody to tell.
        let _ = tx.send(msg);
    });
}

/// What `glance-wizard` with no subcommand was given.
#[derive(Debug, Clone)]
pub struct Options {
    pub state_dir: PathBuf,
    pub lang: Option<Lang>,
    pub distro: Option<String>,
    pub release: Option<String>,
}

/// Redraw when nothing happens (elapsed times, spinners): while a task runs,
/// and otherwise.
const TICK_RUNNING: Duration = Duration::from_millis(100);
const TICK: Duration = Duration::from_millis(250);
/// At most one frame per this while messages stream in; input draws at once.
const FRAME: Duration = Duration::from_millis(16);
/// Longest the loop takes messages before it draws again: a flood of output
/// cannot starve the screen.
const DRAIN_BUDGET: Duration = Duration::from_millis(8);
/// Messages waiting for the loop; a sender waits when it is full (the
/// engine then waits, and with it the child on its pipe): memory stays
/// bounded whatever a task prints.
const CHANNEL_CAPACITY: usize = 16;

/// The engine's events, sent to the UI loop.
pub(super) struct ChannelSink(pub(super) SyncSender<Msg>);

impl EventSink for ChannelSink {
    fn emit(&mut self, event: engine::Event) {
        // Fails only when the UI loop has ended (the wizard is quitting and
        // cancelled the run): nobody is left to show the event to, and the
        // engine's log file has it.
        let _ = self.0.send(Msg::Engine(event));
    }
}

/// The defaults of a fresh start: the install guide's, with the admin-openrc
/// the guide writes.
fn default_answers(target: TargetAnswers) -> Answers {
    let mut a = Answers::default();
    a.keystone.admin_openrc = "/root/admin-openrc".into();
    a.target = target;
    a
}

/// What the journal says about an earlier run, and the plan size of the
/// saved answers.
pub fn resume_info(state_dir: &Path, profile: Option<&Profile>) -> Option<ResumeInfo> {
    let journal = match Journal::load(state_dir) {
        Ok(Some(j)) => j,
        Ok(None) => return None,
        Err(e) => {
            return Some(ResumeInfo {
                error: Some(format!("{e:#}")),
                ..ResumeInfo::default()
            });
        }
    };
    let done = journal
        .tasks
        .values()
        .filter(|r| r.status == TaskStatus::Done)
        .count();
    let stopped_at = journal
        .tasks
        .iter()
        .filter(|(_, r)| r.status != TaskStatus::Done)
        .max_by(|a, b| a.1.started_at.cmp(&b.1.started_at))
        .map(|(id, _)| *id);
    let session = load_session(state_dir);
    let total = match (&session, profile) {
        (Some((answers, secrets)), Some(profile)) => {
            crate::ops::settings::settings_from(answers, secrets, profile)
                .ok()
                .map(|s| build_plan(&s, profile).tasks.len())
        }
        _ => None,
    };
    Some(ResumeInfo {
        done,
        total,
        stopped_at,
        has_session: session.is_some(),
        error: None,
    })
}

/// The package mirror the proxy test fetches from: the first http(s) URI
/// in the apt sources.
fn mirror_url() -> String {
    let mut files = vec![PathBuf::from("/etc/apt/sources.list")];
    if let Ok(dir) = std::fs::read_dir("/etc/apt/sources.list.d") {
        let mut more: Vec<PathBuf> = dir.flatten().map(|e| e.path()).collect();
        more.sort();
        files.extend(more);
    }
    for file in files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            if let Some(uri) = line
                .split_whitespace()
                .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            {
                let mut uri = uri.to_string();
                if !uri.ends_with('/') {
                    uri.push('/');
                }
                return uri;
            }
        }
    }
    String::new()
}

/// The proxy test: the proxy the form describes now, resolved as apply
/// will, fetching `url` in the background.
fn proxy_test_in_background(app: &App, tx: SyncSender<Msg>, url: String) {
    let password = app.draft.secrets().get(SecretName::ProxyPassword).cloned();
    let proxy = app.draft.answers().proxy(password);
    let texts = app.texts;
    std::thread::spawn(move || {
        let result = proxy
            .map_err(|problems| {
                let said = problems.render(texts);
                i18n::Message::new("precheck.bad_proxy").arg("error", said)
            })
            .and_then(|proxy| crate::checks::precheck::proxy_fetch(&proxy, &url));
        // The front end is gone when the send fails: nobody to tell.
        let _ = tx.send(Msg::ProxyTest(result));
    });
}

/// The save dialog's answers (and secrets beside them) written to `path`.
fn save_answers(app: &mut App, path: &Path) {
    let result = app
        .draft
        .answers()
        .save(path, &app.draft.secrets())
        .map(|secrets| (path.to_path_buf(), secrets))
        .map_err(|e| format!("{}: {e}", path.display()));
    app.handle(Msg::Saved(result));
}

/// The doctor run on this machine in the background.
fn doctor_in_background(tx: SyncSender<Msg>) {
    std::thread::spawn(move || {
        let options = crate::checks::doctor::Options::detected();
        let _ = tx.send(Msg::Doctor(crate::checks::doctor::run(&options)));
    });
}

/// The answers of the Glance the doctor examined, read in the background.
fn adopt_in_background(tx: SyncSender<Msg>) {
    std::thread::spawn(move || {
        let options = crate::checks::doctor::Options::detected();
        let adopted = crate::checks::doctor::adopt(&options).map(Box::new);
        let _ = tx.send(Msg::Adopted(adopted));
    });
}

/// What undo would take back, worked out in the background.
fn undo_preview_in_background(app: &App, tx: SyncSender<Msg>, options: crate::undo::Options) {
    let (state_dir, profile) = (app.state_dir.clone(), app.profile.clone());
    std::thread::spawn(move || {
        let preview = match profile {
            Ok(profile) => undo::preview(&state_dir, &profile, &options),
            Err(e) => Err(undo::Refusal::Failed(i18n::Message::verbatim(e))),
        };
        // The front end is gone when the send fails: nobody to tell.
        let _ = tx.send(Msg::Undo(undo::UndoMsg::Preview(preview)));
    });
}

/// The runtime: the engine's thread and its cancel flag.
pub(super) struct Runtime {
    pub(super) tx: SyncSender<Msg>,
    pub(super) cancel: Arc<AtomicBool>,
    pub(super) engine: Option<std::thread::JoinHandle<()>>,
}

impl Runtime {
    fn perform(&mut self, app: &mut App, request: Request) {
        let tx = self.tx.clone();
        match request {
            Request::ParseOpenrc(path) => parse_openrc(path, tx),
            Request::NoProxyDefault => {
                let controller = app.draft.raw(FormField::ControllerHost).to_string();
                app.draft.no_proxy_default =
                    crate::answers::controller_no_proxy(&controller).join(",");
            }
            Request::ProxyTest(url) => proxy_test_in_background(app, tx, url),
            Request::Prechecks => check_in_background(app, tx, false),
            Request::Review => check_in_background(app, tx, true),
            Request::Save(path) => save_answers(app, &path),
            Request::LoadSession => {
                if let Some((answers, secrets)) = load_session(&app.state_dir) {
                    app.draft = Draft::from_answers(&answers, &secrets);
                    app.draft.proxy_test_default = mirror_url();
                }
            }
            Request::Doctor => doctor_in_background(tx),
            Request::Adopt => adopt_in_background(tx),
            Request::UndoPreview(options) => undo_preview_in_background(app, tx, options),
            Request::Undo { options, shown } => self.start_undo(app, options, shown),
            Request::ReadJournal => app.resume = resume_info(&app.state_dir, app.profile()),
            // A few files written: at once, as the save dialog's file is.
            Request::Export { inventory, output } => export::perform(app, &inventory, &output),
            Request::Cancel => self.cancel.store(true, Ordering::SeqCst),
            Request::StartRun { skip, verify } => self.start_run(app, skip, verify),
        }
    }

    /// The undo on the engine's thread (one at a time, joined on quitting
    /// as the engine is), with a fresh cancel flag.
    fn start_undo(
        &mut self,
        app: &mut App,
        options: crate::undo::Options,
        shown: Vec<crate::undo::Step>,
    ) {
        self.reap();
        let (state_dir, profile) = (app.state_dir.clone(), app.profile.clone());
        self.cancel = Arc::new(AtomicBool::new(false));
        let cancel = Arc::clone(&self.cancel);
        let tx = self.tx.clone();
        self.engine = Some(std::thread::spawn(move || {
            let result = match profile {
                Ok(profile) => undo::run(&state_dir, &profile, &options, &shown, &cancel, &tx),
                Err(e) => Err(undo::Refusal::Failed(i18n::Message::verbatim(e))),
            };
            // Fails only when the UI loop has ended (quitting): the journal
            // and the undo's log file keep its result.
            let _ = tx.send(Msg::Undo(undo::UndoMsg::Done(result)));
        }));
    }

    /// Joins the previous run's thread (install or undo). Its result came
    /// as a message (Msg::EngineDone, UndoMsg::Done); a panic in it was
    /// shown by the panic hook. Joining only reaps the thread.
    fn reap(&mut self) {
        if let Some(handle) = self.engine.take() {
            let _ = handle.join();
        }
    }

    fn start_run(&mut self, app: &mut App, skip: Vec<crate::plan::TaskId>, verify: bool) {
        self.reap();
        let refuse = |app: &mut App, why: String| app.handle(Msg::RunRefused(why));
        let Ok(profile) = app.profile.clone() else {
            return refuse(app, app.texts.t("run.no_target"));
        };
        let answers = app.draft.answers();
        let secrets = app.draft.secrets();
        let settings = match crate::ops::settings::settings_from(&answers, &secrets, &profile) {
            Ok(s) => s,
            Err(e) => return refuse(app, e.render(app.texts)),
        };
        let state_dir = app.state_dir.clone();
        if let Err(e) = engine::ensure_state_dir(&state_dir) {
            return refuse(app, format!("{}: {e:#}", state_dir.display()));
        }
        if let Err(e) = answers.save(&session_answers_path(&state_dir), &secrets) {
            let why = app.texts.f("run.answers_unsaved", &[("error", &e)]);
            return refuse(app, why);
        }
        let mut plan = build_plan(&settings, &profile);
        plan.tasks.retain(|t| !skip.contains(&t.id));
        let rows: Vec<_> = plan
            .tasks
            .iter()
            .map(|t| (t.id, app.texts.msg(&t.title), t.after.clone()))
            .collect();
        app.run.view = RunView::new(&rows);
        self.cancel = Arc::new(AtomicBool::new(false));
        let cancel = Arc::clone(&self.cancel);
        let tx = self.tx.clone();
        let texts = app.texts;
        self.engine = Some(std::thread::spawn(move || {
            let result = (|| {
                let lock = RunLock::acquire(&state_dir, engine::lock::ORPHAN_WAIT)
                    .map_err(|e| texts.error(&e))?;
                let mut engine = Engine::new(&plan, &settings, &state_dir);
                engine.cancel = cancel;
                engine.lock = Some(&lock);
                engine.verify = verify;
                let mut sink = ChannelSink(tx.clone());
                engine.run(&mut sink).map_err(|e| texts.error(&e))
            })();
            // Fails only when the UI loop has ended (quitting): the run's
            // journal and log file keep its result.
            let _ = tx.send(Msg::EngineDone(result));
        }));
    }
}

/// Puts the terminal back: raw mode off, main screen, mouse released.
/// Best effort, each step on its own: it also runs from the panic hook and
/// after a failed set-up, where a step may fail because it was never done,
/// and nothing better can be done with the terminal than try the next.
fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Builds the app for a terminal session: target detection, journal,
/// defaults.
pub fn build_app(options: &Options, lang: Lang, theme: Theme) -> App {
    let target = TargetAnswers {
        distro: options.distro.clone().unwrap_or_else(|| "auto".into()),
        release: options.release.clone().unwrap_or_else(|| "auto".into()),
    };
    let profile =
        target::detect(&target.distro, &target.release).map_err(|e| Texts::of(lang).msg(&e.msg()));
    let mut draft = Draft::from_answers(&default_answers(target), &Secrets::default());
    draft.proxy_test_default = mirror_url();
    let mut app = App::new(
        Texts::of(lang),
        theme,
        profile,
        options.state_dir.clone(),
        draft,
        Instant::now(),
    );
    app.resume = resume_info(&options.state_dir, app.profile());
    if let Ok(cwd) = std::env::current_dir() {
        app.saved.default_path = cwd.join("glance-wizard-answers.toml");
    }
    app
}

/// Runs the wizard in this terminal. Returns the exit code.
pub fn run(options: Options) -> i32 {
    let lang = options.lang.unwrap_or_else(Lang::from_env);
    let app = build_app(&options, lang, Theme::from_env());
    let (app, code) = drive(app, |_, _| {});
    let t = app.texts;
    let mut out = std::io::stdout();
    // The last line after the screen is gone; a closed stdout cannot be
    // told anything, and the exit code says the outcome anyway.
    let _ = match &app.run.outcome {
        Some(Outcome::Verified(image)) => writeln!(
            out,
            "{}",
            t.f(
                "exit.verified",
                &[("id", &image.as_ref().map_or("-", |i| i.id.as_str()))]
            )
        ),
        Some(Outcome::Failed { task, .. }) => {
            writeln!(out, "{}", t.f("exit.failed", &[("task", task)]))
        }
        Some(Outcome::Cancelled) => writeln!(out, "{}", t.t("exit.stopped")),
        Some(Outcome::Error(e)) => writeln!(out, "{e}"),
        None => Ok(()),
    };
    code
}

/// Sets up the terminal, the input and signal threads and the runtime,
/// lets `start` begin (the bench starts its engine there), runs the loop
/// and puts the terminal back. Returns the app and the exit code.
pub(super) fn drive(mut app: App, start: impl FnOnce(&mut Runtime, &mut App)) -> (App, i32) {
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous_hook(info);
    }));
    let mut terminal = match set_up_terminal() {
        Ok(t) => t,
        Err(e) => {
            restore_terminal();
            eprintln!("glance-wizard: cannot set up the terminal: {e}");
            return (app, crate::ops::exit::ERROR);
        }
    };
    let (tx, rx) = mpsc::sync_channel::<Msg>(CHANNEL_CAPACITY);
    spawn_input_threads(&tx);
    let mut runtime = Runtime {
        tx,
        cancel: Arc::new(AtomicBool::new(false)),
        engine: None,
    };
    start(&mut runtime, &mut app);
    let mut stats = bench::FrameStats::from_env();
    let code = event_loop(&mut app, &mut terminal, &rx, &mut runtime, stats.as_mut());
    // An engine blocked on a full channel gets an error instead, and stops.
    drop(rx);
    if let Some(handle) = runtime.engine.take() {
        runtime.cancel.store(true, Ordering::SeqCst);
        // Waits for the cancelled run to stop; its result is in the journal
        // and a panic in it was shown by the panic hook.
        let _ = handle.join();
    }
    restore_terminal();
    if let Some(stats) = stats {
        stats.write();
    }
    (app, code)
}

/// Raw mode, the alternate screen and the mouse, and a terminal on stdout.
fn set_up_terminal() -> std::io::Result<Terminal<CrosstermBackend<std::io::Stdout>>> {
    enable_raw_mode()?;
    execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    Terminal::new(CrosstermBackend::new(std::io::stdout()))
}

/// The threads that send the terminal's input and the signals from outside
/// (SIGTERM, SIGHUP, SIGINT) to the loop; each ends when the loop has.
fn spawn_input_threads(tx: &SyncSender<Msg>) {
    let input_tx = tx.clone();
    std::thread::spawn(move || {
        while let Ok(event) = crossterm::event::read() {
            if input_tx.send(Msg::Input(event)).is_err() {
                break;
            }
        }
    });
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ]) {
        let signal_tx = tx.clone();
        std::thread::spawn(move || {
            for _ in signals.forever() {
                if signal_tx.send(Msg::Signal).is_err() {
                    break;
                }
            }
        });
    }
}

/// Waits on messages (input, engine events, results) and draws: at most
/// once per [`FRAME`] while messages stream in, at once after input, every
/// tick otherwise. Every message waiting is handled before a frame (within
/// [`DRAIN_BUDGET`]), so a task printing a million lines costs a few
/// hundred frames, not a million.
fn event_loop(
    app: &mut App,
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    rx: &Receiver<Msg>,
    runtime: &mut Runtime,
    mut stats: Option<&mut bench::FrameStats>,
) -> i32 {
    // Something changed since the last frame; input came (draw now).
    let mut dirty = true;
    let mut urgent = true;
    let mut last_frame = Instant::now();
    loop {
        let now = Instant::now();
        if dirty && (urgent || now >= last_frame + FRAME) {
            app.now = now;
            last_frame = now;
            if let Err(e) = draw_frame(app, terminal, stats.as_deref_mut()) {
                restore_terminal();
                eprintln!("glance-wizard: cannot draw: {e}");
                return crate::ops::exit::ERROR;
            }
            dirty = false;
            urgent = false;
        }
        if let Some(code) = app.exit {
            return code;
        }
        let wake = next_wake(app, dirty, last_frame);
        let mut take = |app: &mut App, msg: Msg| {
            if let Some(stats) = stats.as_deref_mut() {
                stats.message(&msg);
            }
            urgent |= matches!(msg, Msg::Input(_) | Msg::Signal);
            app.now = Instant::now();
            app.handle(msg);
        };
        match rx.recv_timeout(wake.saturating_duration_since(Instant::now())) {
            Ok(msg) => {
                take(app, msg);
                let budget = Instant::now() + DRAIN_BUDGET;
                while Instant::now() < budget {
                    match rx.try_recv() {
                        Ok(msg) => take(app, msg),
                        Err(_) => break,
                    }
                }
            }
            // A frame is due, or a tick.
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return crate::ops::exit::ERROR,
        }
        dirty = true;
        for request in app.take_requests() {
            runtime.perform(app, request);
        }
    }
}

/// One frame drawn, timed for the frame statistics when they are kept.
fn draw_frame(
    app: &App,
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    mut stats: Option<&mut bench::FrameStats>,
) -> std::io::Result<()> {
    if let Some(stats) = stats.as_deref_mut() {
        stats.frame_start();
    }
    let drawn = terminal.draw(|frame| render::draw(app, frame));
    if let Some(stats) = stats {
        stats.frame_end();
    }
    drawn.map(|_| ())
}

/// When the loop draws next if no message comes: the frame due after
/// messages, else the tick (shorter while a task runs).
fn next_wake(app: &App, dirty: bool, last_frame: Instant) -> Instant {
    if dirty {
        last_frame + FRAME
    } else if app.engine_running() {
        last_frame + TICK_RUNNING
    } else {
        last_frame + TICK
    }
}
