//! The command line: its definition (`args`), one file per command saying what the command's
//! operation (`crate::ops`) did, and the progress printer. What runs and what changes is
//! decided below, in `ops`; here it is only said.

use std::io::Write;
use std::path::Path;

/// `writeln!` for the report on the command line: see [`report`].
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        $crate::cli::report($out, format_args!($($arg)*))
    };
}

mod answers;
mod apply;
pub mod args;
pub mod bundle;
pub mod check;
mod doctor;
mod export;
mod lock;
pub mod plan;
pub mod progress;
mod prompt;
mod reset;
pub mod status;
pub mod undo;

pub use args::*;

use crate::i18n::{Lang, Message, Texts};
use crate::ops::exit;
use crate::ops::load::{self, LoadError, LoadOptions, Loaded};

/// Writes one line of the report (stdout, or a test's buffer). A report
/// that cannot be written (stdout closed: `| head`, a terminal gone) must
/// not stop or change a run that is changing the system: the run's log file
/// keeps the whole story, so the line is dropped, here and nowhere else.
pub(crate) fn report(out: &mut dyn Write, line: std::fmt::Arguments<'_>) {
    // Ignored on purpose: see above.
    let _ = out.write_fmt(line).and_then(|()| out.write_all(b"\n"));
}

/// Runs a command (the wizard itself is the binary's, above this layer); its exit code.
pub fn run(command: Command, state_dir: &Path) -> i32 {
    let mut stdout = std::io::stdout();
    match command {
        Command::Answers(what) => answers::run(&what),
        Command::Doctor {
            format,
            config_dir,
            admin_openrc,
            write_answers,
        } => doctor::run(format, config_dir, admin_openrc, write_answers),
        Command::Bundle {
            output,
            answers,
            secrets,
        } => bundle::run(output, answers, secrets, state_dir),
        Command::Status { format } => {
            code_or_error(status::status(state_dir, format, &mut stdout).map(|()| exit::OK))
        }
        Command::Reset { task } => code_or_error(reset::run(state_dir, task, &mut stdout)),
        Command::Man { dir } => code_or_error(
            match dir {
                Some(dir) => write_man_pages(&dir),
                None => write_man_page(&mut stdout),
            }
            .map(|()| exit::OK),
        ),
        Command::Completions { shell } => {
            write_completions(shell, &mut stdout);
            exit::OK
        }
        // The binary runs the wizard's benchmark itself (the wizard is above this layer).
        Command::BenchRunScreen { .. } => exit::ERROR,
        on_answers => run_on_answers(on_answers, state_dir, &mut stdout),
    }
}

/// The commands that read an answers file.
fn run_on_answers(command: Command, state_dir: &Path, out: &mut dyn Write) -> i32 {
    match command {
        Command::Check { args, format } => check::run(&args, format, out),
        Command::Plan { args, format } => plan::run(&args, format, state_dir, out),
        Command::Apply {
            args,
            skip_prechecks,
            jobs,
            verify,
        } => {
            let run = crate::ops::apply::RunOptions {
                skip_prechecks,
                jobs: usize::from(jobs),
                verify,
            };
            apply::run(&args, &run, state_dir, out)
        }
        Command::Export { format } => export::run(format, out),
        Command::Undo {
            args,
            dry_run,
            purge_packages,
            replaced,
            yes,
            tasks,
        } => {
            let undo = crate::undo::Options {
                purge_packages,
                only: tasks,
                replaced,
            };
            undo::run(&args, state_dir, &undo::UndoOptions { dry_run, undo }, yes)
        }
        _ => unreachable!("run_on_answers gets the commands that read answers"),
    }
}

fn load_or_exit(options: &LoadOptions) -> Loaded {
    load::load(options).unwrap_or_else(|e| std::process::exit(load_failed(&e)))
}

/// Says why the answers could not be loaded; the exit code for it.
fn load_failed(e: &LoadError) -> i32 {
    let said = e.render(Texts::of(Lang::from_env()));
    eprint!("glance-wizard: {said}");
    if !said.ends_with('\n') {
        eprintln!();
    }
    e.exit_code()
}

/// Loads the answers (or exits saying why) and prints the notes made on
/// the way.
fn load_with_notes(args: &AnswersArgs) -> Loaded {
    let loaded = load_or_exit(&args.options());
    let t = Texts::of(Lang::from_env());
    for note in &loaded.notes {
        println!("{}", t.msg(note));
    }
    loaded
}

/// A command's exit code, or its error said (in the locale's language
/// when its words are a message) and [`exit::ERROR`].
fn code_or_error<E: Into<anyhow::Error>>(result: Result<i32, E>) -> i32 {
    result.unwrap_or_else(|e| {
        let said = Texts::of(Lang::from_env()).error(&e.into());
        eprintln!("glance-wizard: {said}");
        exit::ERROR
    })
}

/// The notes made while loading, in the locale's language: on `out` with
/// text, on stderr with JSON (stdout holds only the document).
pub(crate) fn say_notes(notes: &[Message], format: Format, out: &mut dyn Write) {
    let t = Texts::of(Lang::from_env());
    for note in notes {
        match format {
            Format::Text => say!(out, "{}", t.msg(note)),
            Format::Json => eprintln!("{}", t.msg(note)),
        }
    }
}

/// Pretty JSON of a report made of strings, lists and enums.
pub(crate) fn json<T: serde::Serialize>(report: &T) -> String {
    serde_json::to_string_pretty(report).expect("a report is plain data: it always serialises")
}

#[cfg(test)]
mod tests;
