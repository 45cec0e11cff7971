//! The wizard's state that the screens share, the messages, and which
//! screen a key goes to (each screen's keys are in its folder under
//! [`screens`](super::screens), with its own state). No I/O here: work that
//! touches the machine is asked for as a [`Request`] and done by the
//! [`runtime`](super::runtime), whose results come back as [`Msg`]s.

use crate::ops::exit;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use crossterm::event::{
    Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind,
};

use super::draft::{Draft, FormField, Problem};
use super::saved_answers::SavedAnswers;
use super::screens::doctor::DoctorView;
use super::screens::export::ExportView;
use super::screens::form::FormView;
use super::screens::prechecks::PrechecksView;
use super::screens::review::ReviewView;
use super::screens::run::RunScreen;
use super::screens::undo::{UndoMsg, UndoView};
use super::screens::welcome::WelcomeView;
use super::theme::Theme;
use crate::answers::FieldError;
use crate::answers::openrc::OpenrcError;
use crate::checks::precheck::{Check, Status};
use crate::engine::{Event, RunOutcome};
use crate::host::target::Profile;
use crate::i18n::Texts;
use crate::plan::TaskId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Screen {
    Welcome,
    Database,
    Identity,
    Image,
    Proxy,
    Prechecks,
    Review,
    Run,
    Done,
    /// `glance-wizard doctor`, reached from the welcome screen (not a step
    /// of the install).
    Doctor,
    /// `glance-wizard undo`, reached from the welcome screen when a journal
    /// records something.
    Undo,
    /// `glance-wizard export ansible`, reached from the Done screen.
    Export,
}

impl Screen {
    pub const ALL: [Screen; 9] = [
        Screen::Welcome,
        Screen::Database,
        Screen::Identity,
        Screen::Image,
        Screen::Proxy,
        Screen::Prechecks,
        Screen::Review,
        Screen::Run,
        Screen::Done,
    ];

    /// The i18n name: `screen.<name>`, `hints.<name>`, `help.<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Screen::Welcome => "welcome",
            Screen::Database => "database",
            Screen::Identity => "identity",
            Screen::Image => "image",
            Screen::Proxy => "proxy",
            Screen::Prechecks => "prechecks",
            Screen::Review => "review",
            Screen::Run => "run",
            Screen::Done => "done",
            Screen::Doctor => "doctor",
            Screen::Undo => "undo",
            Screen::Export => "export",
        }
    }

    /// The key of the screen's F1 help (the Export screen's words are in
    /// a table of their own).
    pub fn help_key(self) -> String {
        match self {
            Screen::Export => "export_screen.help".into(),
            s => format!("help.{}", s.name()),
        }
    }

    pub fn fields(self) -> &'static [FormField] {
        match self {
            Screen::Database => FormField::DATABASE,
            Screen::Identity => FormField::IDENTITY,
            Screen::Image => FormField::IMAGE,
            Screen::Proxy => FormField::PROXY,
            _ => &[],
        }
    }

    pub fn is_form(self) -> bool {
        !self.fields().is_empty()
    }

    pub(in crate::tui) fn next(self) -> Screen {
        let i = Screen::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Screen::ALL[(i + 1).min(Screen::ALL.len() - 1)]
    }

    pub(in crate::tui) fn previous(self) -> Screen {
        let i = Screen::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Screen::ALL[i.saturating_sub(1)]
    }

    /// The screen holding a field.
    pub fn of_field(f: FormField) -> Screen {
        [
            Screen::Database,
            Screen::Identity,
            Screen::Image,
            Screen::Proxy,
        ]
        .into_iter()
        .find(|s| s.fields().contains(&f))
        .unwrap_or(Screen::Database)
    }

    /// Where to fix what a failed task depends on.
    pub fn for_task(id: TaskId) -> Screen {
        match id {
            TaskId::SqlDatabase | TaskId::DbSync | TaskId::DbMetadefs | TaskId::ServiceRestart => {
                Screen::Database
            }
            TaskId::IdentityUser
            | TaskId::IdentityRole
            | TaskId::IdentityService
            | TaskId::IdentityEndpoints
            | TaskId::Config(_) => Screen::Identity,
            TaskId::PackagesInstall => Screen::Proxy,
            TaskId::VerifyImage => Screen::Image,
        }
    }
}

/// What the journal says about an earlier run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResumeInfo {
    pub done: usize,
    /// Tasks in the plan of the saved answers, when they could be planned.
    pub total: Option<usize>,
    /// The task that was running or failed last.
    pub stopped_at: Option<TaskId>,
    /// Answers of that run saved in the state directory.
    pub has_session: bool,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WelcomeChoice {
    Resume,
    EditSaved,
    Fresh,
    /// Inspect the Glance on this machine.
    Doctor,
    /// Take back what the journal records the wizard created.
    Undo,
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    ParseOpenrc(String),
    ProxyTest(String),
    Prechecks,
    Review,
    Save(PathBuf),
    /// Start (or restart) the engine, leaving out the tasks named;
    /// `verify`: finished tasks probe their work again.
    StartRun {
        skip: Vec<TaskId>,
        verify: bool,
    },
    /// Load the saved session's answers into the forms.
    LoadSession,
    /// Compute the controller's no_proxy entries (a DNS lookup).
    NoProxyDefault,
    /// Run the doctor.
    Doctor,
    /// Read the answers of the Glance the doctor examined
    /// ([`crate::checks::doctor::adopt`]) to fill the forms with.
    Adopt,
    /// Work out what undo would take back (`undo --dry-run`).
    UndoPreview(crate::undo::Options),
    /// Take back the steps shown, confirmed.
    Undo {
        options: crate::undo::Options,
        shown: Vec<crate::undo::Step>,
    },
    /// Read the journal again (after an undo) for the welcome screen.
    ReadJournal,
    /// Write the Ansible project of the answers: the inventory file, the
    /// output directory.
    Export {
        inventory: PathBuf,
        output: PathBuf,
    },
    Cancel,
}

/// What the runtime sends back, and the terminal's input.
#[derive(Debug)]
pub enum Msg {
    Input(TermEvent),
    Engine(Event),
    EngineDone(Result<RunOutcome, String>),
    Openrc(String, Result<Vec<(String, String)>, OpenrcError>),
    ProxyTest(Result<crate::i18n::Message, crate::i18n::Message>),
    Prechecks(Result<Vec<Check>, Vec<FieldError>>),
    Review(Result<Vec<String>, Vec<FieldError>>),
    Saved(Result<(PathBuf, PathBuf), String>),
    RunRefused(String),
    Doctor(crate::checks::doctor::Report),
    /// The answers of the Glance on this machine, or why there are none.
    Adopted(Result<Box<crate::checks::doctor::adopt::Adopted>, crate::i18n::Message>),
    Undo(UndoMsg),
    /// The Export screen's project written (its words), or why not.
    Exported(Result<crate::i18n::Message, super::screens::export::Refusal>),
    /// SIGTERM, SIGHUP or SIGINT from outside.
    Signal,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Pending<T> {
    Idle,
    Busy,
    Ready(T),
}

/// Nothing asked yet.
impl<T> Default for Pending<T> {
    fn default() -> Self {
        Pending::Idle
    }
}

/// One line of the prechecks screen.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRow {
    /// i18n key of the check's name, or the field's label key.
    pub name_key: String,
    pub status: Status,
    pub detail: crate::i18n::Message,
    /// The form field that fixes it.
    pub field: Option<FormField>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The test image checked, when the run got that far.
    Verified(Option<crate::engine::outputs::ImageOutputs>),
    Failed {
        task: TaskId,
        error: crate::i18n::Message,
    },
    Cancelled,
    Error(String),
}

impl Outcome {
    /// The same code `apply` gives for the same outcome.
    pub fn exit_code(&self) -> i32 {
        match self {
            Outcome::Verified(_) => exit::OK,
            Outcome::Failed { task, .. } => exit::for_failed_task(*task),
            Outcome::Cancelled => exit::CANCELLED,
            Outcome::Error(_) => exit::ERROR,
        }
    }
}

pub struct App {
    pub texts: &'static Texts,
    pub theme: Theme,
    pub screen: Screen,
    pub profile: Result<Profile, String>,
    pub state_dir: PathBuf,
    pub resume: Option<ResumeInfo>,
    pub welcome: WelcomeView,
    pub draft: Draft,
    pub form: FormView,
    pub prechecks: PrechecksView,
    pub review: ReviewView,
    pub doctor: DoctorView,
    pub undo: UndoView,
    /// The Export screen, once opened (what was typed is kept when it is
    /// left and opened again).
    pub export: Option<ExportView>,
    /// Where the answers were saved from the review screen: the done and
    /// export screens read it too.
    pub saved: SavedAnswers,
    /// The run screen: the install as it runs, and how it ended.
    pub run: RunScreen,
    pub help: bool,
    pub confirm_quit: bool,
    /// Quit once the engine has stopped.
    pub quitting: bool,
    /// Quit as soon as the run ends, whatever its outcome (the run-screen
    /// benchmark).
    pub exit_on_finish: bool,
    pub notice: Option<String>,
    pub now: Instant,
    pub exit: Option<i32>,
    requests: Vec<Request>,
}

pub(in crate::tui) fn is_ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

impl App {
    pub fn new(
        texts: &'static Texts,
        theme: Theme,
        profile: Result<Profile, String>,
        state_dir: PathBuf,
        draft: Draft,
        now: Instant,
    ) -> App {
        App {
            texts,
            theme,
            screen: Screen::Welcome,
            profile,
            state_dir,
            resume: None,
            welcome: WelcomeView::default(),
            draft,
            form: FormView::default(),
            prechecks: PrechecksView::default(),
            review: ReviewView::default(),
            doctor: DoctorView::default(),
            undo: UndoView::default(),
            export: None,
            saved: SavedAnswers::default(),
            run: RunScreen::default(),
            help: false,
            confirm_quit: false,
            quitting: false,
            exit_on_finish: false,
            notice: None,
            now,
            exit: None,
            requests: Vec::new(),
        }
    }

    pub fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
    }

    pub(in crate::tui) fn request(&mut self, r: Request) {
        self.requests.push(r);
    }

    pub fn profile(&self) -> Option<&Profile> {
        self.profile.as_ref().ok()
    }

    /// The profile to validate against: the detected one, or a stand-in
    /// when detection failed (the welcome screen says so).
    pub fn problems(&self) -> BTreeMap<FormField, Problem> {
        match &self.profile {
            Ok(p) => self.draft.problems(p),
            Err(_) => {
                let p = crate::host::target::profile_for(
                    "debian",
                    "zed",
                    crate::host::target::InitSystem::detect(),
                )
                .expect("built-in profile");
                self.draft.problems(&p)
            }
        }
    }

    /// Visible fields of the current form.
    pub fn visible_fields(&self) -> Vec<FormField> {
        self.screen
            .fields()
            .iter()
            .copied()
            .filter(|f| self.draft.visible(*f))
            .collect()
    }

    pub fn focused(&self) -> Option<FormField> {
        let fields = self.visible_fields();
        let i = self.form.focus.get(&self.screen).copied().unwrap_or(0);
        fields.get(i.min(fields.len().saturating_sub(1))).copied()
    }

    pub(in crate::tui) fn set_focus(&mut self, i: usize) {
        let before = self.focused();
        self.form.focus.insert(self.screen, i);
        let after = self.focused();
        if before == Some(FormField::Openrc) && after != Some(FormField::Openrc) {
            self.parse_openrc();
        }
        if let Some(f) = after {
            self.form.cursor = self
                .draft
                .value(f, self.profile.as_ref().ok())
                .chars()
                .count();
        }
    }

    pub(in crate::tui) fn focus_field(&mut self, f: FormField) {
        self.go(Screen::of_field(f));
        if let Some(i) = self.visible_fields().iter().position(|x| *x == f) {
            self.set_focus(i);
        }
    }

    pub(in crate::tui) fn parse_openrc(&mut self) {
        if self.draft.choice(FormField::AdminMode) != "openrc" {
            return;
        }
        let path = self.draft.raw(FormField::Openrc).trim().to_string();
        if self.form.openrc_parsed_for.as_deref() == Some(path.as_str()) {
            return;
        }
        self.form.openrc_parsed_for = Some(path.clone());
        if path.is_empty() {
            self.form.openrc = Pending::Idle;
            return;
        }
        self.form.openrc = Pending::Busy;
        self.request(Request::ParseOpenrc(path));
    }

    /// Shows a screen, starting what it needs.
    pub fn go(&mut self, screen: Screen) {
        self.screen = screen;
        self.help = false;
        self.notice = None;
        match screen {
            Screen::Identity => self.parse_openrc(),
            Screen::Proxy if self.draft.no_proxy_default.is_empty() => {
                self.request(Request::NoProxyDefault);
            }
            Screen::Doctor => {
                self.doctor.report = Pending::Busy;
                self.doctor.scroll = 0;
                self.request(Request::Doctor);
            }
            Screen::Undo => {
                self.undo.restart();
                self.request(Request::UndoPreview(self.undo.options()));
            }
            Screen::Export if self.export.is_none() => {
                self.export = Some(ExportView::new(&self.saved.dir()));
            }
            Screen::Prechecks => {
                self.prechecks.rows = Pending::Busy;
                self.prechecks.selected = 0;
                self.request(Request::Prechecks);
            }
            Screen::Review => {
                self.review.plan = Pending::Busy;
                self.review.scroll = 0;
                self.review.save_input = None;
                self.request(Request::Review);
            }
            _ => {}
        }
        if screen.is_form() {
            let i = self.form.focus.get(&screen).copied().unwrap_or(0);
            self.set_focus(i);
        }
    }

    pub fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Input(TermEvent::Key(key)) if key.kind != KeyEventKind::Release => self.key(key),
            Msg::Input(TermEvent::Mouse(m)) => match m.kind {
                MouseEventKind::ScrollUp => self.wheel(-3),
                MouseEventKind::ScrollDown => self.wheel(3),
                _ => {}
            },
            Msg::Input(_) => {}
            Msg::Engine(event) => {
                let texts = self.texts;
                let words = |m: &crate::i18n::Message| texts.msg(m);
                self.run.view.apply(&event, self.now, &words);
            }
            Msg::EngineDone(result) => self.engine_done(result),
            Msg::Openrc(path, result) => self.openrc_read(&path, result),
            Msg::ProxyTest(result) => self.form.proxy_test = Pending::Ready(result),
            Msg::Doctor(report) => self.doctor.report = Pending::Ready(report),
            Msg::Adopted(result) => self.adopted(result),
            Msg::Undo(msg) => self.undo_msg(msg),
            Msg::Exported(result) => {
                if let Some(view) = &mut self.export {
                    view.result = Some(result);
                }
            }
            Msg::Prechecks(result) => self.prechecks_done(result),
            Msg::Review(result) => {
                self.review.plan = Pending::Ready(result.map_err(|e| self.error_rows(e)));
            }
            Msg::Saved(result) => {
                self.saved.result = Some(result);
                self.review.save_input = None;
            }
            Msg::RunRefused(why) => self.run.refused(why),
            Msg::Signal => self.quit_now(),
        }
    }

    /// Answers problems (from resolving them) as failing rows.
    pub(in crate::tui) fn error_rows(&self, errors: Vec<FieldError>) -> Vec<CheckRow> {
        errors
            .into_iter()
            .map(|FieldError { field: path, rule }| {
                let field = super::draft::field_of(&path, &self.draft);
                CheckRow {
                    name_key: field.map_or("check.answers".to_string(), |f| {
                        format!("field.{}.label", f.name())
                    }),
                    status: Status::Fail,
                    detail: rule.msg(),
                    field,
                }
            })
            .collect()
    }

    fn engine_done(&mut self, result: Result<RunOutcome, String>) {
        let outcome = self.run.finish(result);
        if self.quitting || self.exit_on_finish {
            self.exit = Some(outcome.exit_code());
        } else if matches!(outcome, Outcome::Verified(_)) {
            self.screen = Screen::Done;
        }
    }

    /// Starts the install from the review screen (or a retry).
    pub(in crate::tui) fn start_run(&mut self) {
        self.start_run_checking(false);
    }

    /// Starts the install; `verify`: finished tasks check their work again.
    pub(in crate::tui) fn start_run_checking(&mut self, verify: bool) {
        let skip = self.run.start();
        self.screen = Screen::Run;
        self.request(Request::StartRun { skip, verify });
    }

    /// An engine runs, the install's or the undo's: quitting asks first,
    /// then cancels it.
    pub fn engine_running(&self) -> bool {
        self.run.engine_running || self.undo.is_running()
    }

    /// Stops the engine or the undo (if one runs) and quits once it has.
    pub(in crate::tui) fn quit_now(&mut self) {
        self.confirm_quit = false;
        if self.engine_running() {
            self.quitting = true;
            self.request(Request::Cancel);
        } else {
            self.exit = Some(self.exit_code());
        }
    }

    /// The exit code now: the install's outcome, else the undo's (as
    /// `apply`'s and `undo`'s).
    pub fn exit_code(&self) -> i32 {
        self.run
            .outcome
            .as_ref()
            .map(Outcome::exit_code)
            .or_else(|| self.undo.exit_code())
            .unwrap_or(exit::OK)
    }

    /// `q`: asks first while a task runs.
    pub(in crate::tui) fn quit(&mut self) {
        if self.engine_running() {
            self.confirm_quit = true;
        } else {
            self.quit_now();
        }
    }

    fn wheel(&mut self, delta: isize) {
        match self.screen {
            Screen::Run => self.run.view.scroll(delta),
            Screen::Review => {
                self.review.scroll = (self.review.scroll as isize + delta).max(0) as usize;
            }
            Screen::Undo => {
                let code = if delta < 0 {
                    KeyCode::Up
                } else {
                    KeyCode::Down
                };
                for _ in 0..delta.unsigned_abs() {
                    self.undo.key(KeyEvent::new(code, KeyModifiers::NONE));
                }
            }
            _ => {}
        }
    }

    pub fn key(&mut self, key: KeyEvent) {
        if is_ctrl(&key, 'c') {
            self.quit_now();
            return;
        }
        if is_ctrl(&key, 'q') {
            self.quit();
            return;
        }
        if self.confirm_quit {
            match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => self.quit_now(),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => self.confirm_quit = false,
                _ => {}
            }
            return;
        }
        if self.quitting {
            return;
        }
        if key.code == KeyCode::F(1) {
            self.help = !self.help;
            return;
        }
        if self.help {
            if key.code == KeyCode::Esc || key.code == KeyCode::Char('q') {
                self.help = false;
            }
            return;
        }
        match self.screen {
            Screen::Welcome => self.key_welcome(key),
            Screen::Database | Screen::Identity | Screen::Image | Screen::Proxy => {
                self.key_form(key)
            }
            Screen::Prechecks => self.key_prechecks(key),
            Screen::Review => self.key_review(key),
            Screen::Run => self.key_run(key),
            Screen::Doctor => self.key_doctor(key),
            Screen::Undo => self.key_undo(key),
            Screen::Export => self.key_export(key),
            Screen::Done => self.key_done(key),
        }
    }
}
