//! Developer tools for the run screen's benchmark (`scripts/bench-run-screen.sh`,
//! docs/performance.md): the hidden `glance-wizard bench-run-screen -- CMD...`
//! that streams one command's output through the real engine, runner, log
//! file and run screen, and per-frame timings written to the file named by
//! `GLANCE_WIZARD_FRAME_STATS` (by this and by the wizard itself).

use crate::i18n::Message;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::app::{App, Msg, Screen};
use super::draft::Draft;
use super::runtime::{ChannelSink, Runtime, drive};
use super::screens::run::view::RunView;
use super::theme::Theme;
use crate::answers::{Answers, SecretName, Secrets, Settings};
use crate::engine::outputs::{ServicesOutputs, TaskOutputs};
use crate::engine::runner::{self, Network, TaskContext};
use crate::engine::{Engine, Event, TaskError};
use crate::host::target::{InitSystem, Profile, profile_for};
use crate::i18n::{Lang, Texts};
use crate::plan::{Plan, Task, TaskId};

/// The environment variable naming the frame statistics file.
pub const FRAME_STATS_ENV: &str = "GLANCE_WIZARD_FRAME_STATS";
/// Wall-clock time (ns since the epoch) the benchmark script took just
/// before it exec'd the wizard: start-up is measured from there.
pub const T0_ENV: &str = "GLANCE_WIZARD_T0_NS";

static PROCESS_START: OnceLock<Instant> = OnceLock::new();

/// Called first thing in `main`: start-up is measured from here when the
/// caller gave no [`T0_ENV`].
pub fn mark_process_start() {
    PROCESS_START.get_or_init(Instant::now);
}

fn process_start() -> Instant {
    *PROCESS_START.get_or_init(Instant::now)
}

/// Draw times of every frame and when the engine's task started and ended,
/// as the UI loop saw them.
pub struct FrameStats {
    path: PathBuf,
    /// (start of the frame since process start, time to draw it).
    frames: Vec<(Duration, Duration)>,
    marks: Vec<(&'static str, Duration)>,
    first_frame_wall: Option<SystemTime>,
    frame_started: Option<Instant>,
    /// Output events, and when the last one came.
    outputs: usize,
    last_output: Duration,
}

impl FrameStats {
    pub fn from_env() -> Option<FrameStats> {
        let path = std::env::var_os(FRAME_STATS_ENV)?;
        Some(FrameStats {
            path: path.into(),
            frames: Vec::with_capacity(1 << 16),
            marks: Vec::new(),
            first_frame_wall: None,
            frame_started: None,
            outputs: 0,
            last_output: Duration::ZERO,
        })
    }

    /// Before a draw.
    pub fn frame_start(&mut self) {
        self.frame_started = Some(Instant::now());
    }

    /// After a draw.
    pub fn frame_end(&mut self) {
        let end = Instant::now();
        let start = self.frame_started.take().unwrap_or(end);
        if self.first_frame_wall.is_none() {
            self.first_frame_wall = Some(SystemTime::now());
        }
        self.frames.push((
            start.saturating_duration_since(process_start()),
            end - start,
        ));
    }

    /// A message the loop is about to handle: the task's start and end are
    /// noted (the streaming window).
    pub fn message(&mut self, msg: &Msg) {
        let mark = match msg {
            Msg::Engine(Event::Output { .. }) => {
                self.outputs += 1;
                self.last_output = process_start().elapsed();
                return;
            }
            Msg::Engine(Event::TaskStarted { .. }) => "task_started",
            Msg::Engine(Event::TaskFinished { .. }) => "task_finished",
            Msg::Engine(Event::TaskFailed { .. }) => "task_failed",
            Msg::EngineDone(_) => "engine_done",
            _ => return,
        };
        self.marks.push((mark, process_start().elapsed()));
    }

    /// Writes the file: `key value` lines, times in microseconds since the
    /// process started; one `frame START DRAW` line per frame.
    pub fn write(&self) {
        let mut text = String::new();
        let us = |d: Duration| d.as_micros();
        if let Some((start, _)) = self.frames.first() {
            text.push_str(&format!("first_frame_since_main_us {}\n", us(*start)));
        }
        if let (Some(t0), Some(wall)) = (
            std::env::var(T0_ENV)
                .ok()
                .and_then(|v| v.trim().parse::<u128>().ok()),
            self.first_frame_wall,
        ) {
            let first = wall
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos();
            text.push_str(&format!(
                "first_frame_since_t0_us {}\n",
                first.saturating_sub(t0) / 1000
            ));
        }
        text.push_str(&format!(
            "output_events {}\nlast_output {}\n",
            self.outputs,
            us(self.last_output)
        ));
        for (mark, at) in &self.marks {
            text.push_str(&format!("{mark} {}\n", us(*at)));
        }
        for (start, draw) in &self.frames {
            text.push_str(&format!("frame {} {}\n", us(*start), us(*draw)));
        }
        let written =
            std::fs::File::create(&self.path).and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = written {
            eprintln!("glance-wizard: {}: {e}", self.path.display());
        }
    }
}

/// Settings for the benchmark's engine: the defaults with generated
/// passwords, so the redactor has as many secrets to look for as in a real
/// run. Nothing here reaches a database or Keystone.
fn bench_settings(profile: &Profile) -> Settings {
    let answers = Answers::from_toml("[keystone]\nos_auth_url = \"http://controller:5000/v3\"\n")
        .expect("built-in answers");
    let mut secrets = Secrets::default();
    // The admin's passwords are not generatable (they exist already on a
    // real controller): random ones stand in for them here.
    for name in [SecretName::OsPassword, SecretName::DbAdminPassword] {
        secrets.set(name, crate::answers::generate_password());
    }
    secrets.generate_missing(&[
        SecretName::GlanceDbPassword,
        SecretName::GlanceServicePassword,
    ]);
    let admin = answers
        .manual_admin_credentials(&secrets)
        .expect("built-in admin credentials");
    answers
        .resolve(profile, &secrets, admin)
        .expect("built-in answers resolve")
}

/// `log_dir`, or a temporary directory (removed when the second value is
/// dropped).
fn bench_state_dir(
    log_dir: Option<PathBuf>,
) -> std::io::Result<(PathBuf, Option<tempfile::TempDir>)> {
    match log_dir {
        Some(dir) => Ok((dir, None)),
        None => {
            let dir = tempfile::Builder::new()
                .prefix("glance-wizard-bench.")
                .tempdir()?;
            Ok((dir.path().to_path_buf(), Some(dir)))
        }
    }
}

/// `glance-wizard bench-run-screen -- CMD...`: the run screen with a
/// one-task plan whose task runs CMD through the runner's streaming (as
/// apt-get runs), the engine writing its log to a temporary state
/// directory (`log_dir`, kept; or a temporary one, removed at exit).
/// Exits when the task ends: 0 when CMD succeeded.
pub fn bench_run_screen(argv: Vec<String>, log_dir: Option<PathBuf>, lang: Option<Lang>) -> i32 {
    let lang = lang.unwrap_or_else(Lang::from_env);
    let profile = profile_for("debian", "zed", InitSystem::SysV).expect("built-in profile");
    let (state_dir, temporary) = match bench_state_dir(log_dir) {
        Ok(dirs) => dirs,
        Err(e) => {
            eprintln!("glance-wizard: cannot create a state directory: {e}");
            return crate::ops::exit::ERROR;
        }
    };
    // The run screen shows plan tasks; the command runs as the last one.
    let id = crate::plan::TaskId::VerifyImage;
    let title =
        Message::new("task.run_command").arg("command", crate::plan::commands::display(&argv));
    let app = bench_app(lang, &profile, &state_dir, id, &title);
    let settings = bench_settings(&profile);
    let plan = bench_plan(&profile, &settings, id, title);
    let start = move |runtime: &mut Runtime, _: &mut App| {
        spawn_bench_engine(runtime, plan, settings, state_dir, argv);
    };
    let (_, code) = drive(app, start);
    drop(temporary);
    code
}

/// The app on the run screen with the one task, quitting when it ends.
fn bench_app(lang: Lang, profile: &Profile, state_dir: &Path, id: TaskId, title: &Message) -> App {
    let mut app = App::new(
        Texts::of(lang),
        Theme::from_env(),
        Ok(profile.clone()),
        state_dir.to_path_buf(),
        Draft::from_answers(&Answers::default(), &Secrets::default()),
        Instant::now(),
    );
    app.run.view = RunView::new(&[(id, app.texts.msg(title), vec![])]);
    app.screen = Screen::Run;
    app.run.engine_running = true;
    app.exit_on_finish = true;
    app
}

/// The one-task plan: the task's kind is a real one's, but the bench's
/// runner takes its place.
fn bench_plan(profile: &Profile, settings: &Settings, id: TaskId, title: Message) -> Plan {
    Plan {
        profile: profile.clone(),
        tasks: vec![Task {
            id,
            title,
            // Not run: the bench's runner below takes its place.
            kind: crate::plan::build_plan(settings, profile).tasks[0]
                .kind
                .clone(),
            after: vec![],
        }],
    }
}

/// The engine on its thread, as the runtime starts it, with a task runner
/// that runs `argv` streamed instead of the plan's task.
fn spawn_bench_engine(
    runtime: &mut Runtime,
    plan: Plan,
    settings: Settings,
    state_dir: PathBuf,
    argv: Vec<String>,
) {
    runtime.cancel = Arc::new(AtomicBool::new(false));
    let cancel = Arc::clone(&runtime.cancel);
    let tx = runtime.tx.clone();
    let engine_thread = std::thread::Builder::new().name("engine".into());
    runtime.engine = Some(
        engine_thread
            .spawn(move || {
                let run_command = move |_: &Task, ctx: &mut TaskContext<'_>| {
                    let result = runner::run_streamed(ctx, &argv, &[], Network::Direct)?;
                    if result.success() {
                        // What a command leaves is nothing the engine follows.
                        Ok(TaskOutputs::Services(ServicesOutputs {
                            restarted: vec![],
                            answering_before: None,
                            enabled_before: None,
                        }))
                    } else {
                        Err(TaskError::fatal(format!(
                            "{} exited with {:?}",
                            argv[0], result.code
                        )))
                    }
                };
                let mut engine = Engine::new(&plan, &settings, &state_dir);
                engine.cancel = cancel;
                engine.task_runner = &run_command;
                let mut sink = ChannelSink(tx.clone());
                let result = engine.run(&mut sink).map_err(|e| format!("{e:#}"));
                // Fails only when the UI loop has ended: nobody to tell.
                let _ = tx.send(Msg::EngineDone(result));
            })
            .expect("a thread starts"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bench's settings resolve (they did not once the admin's password
    /// had to be set: `bench-run-screen` panicked at start).
    #[test]
    fn the_bench_settings_resolve() {
        let profile = profile_for("debian", "zed", InitSystem::SysV).unwrap();
        let settings = bench_settings(&profile);
        assert_eq!(
            settings.keystone.auth_url.to_string(),
            "http://controller:5000"
        );
    }
}
