#![forbid(unsafe_code)]

use clap::Parser;
use std::path::PathBuf;

use glance_wizard::cli::{AnswersArgs, AnswersPrint, Cli, Command, ExportFormat, Format};
use glance_wizard::ops::headless::{self, LoadOptions, exit};

fn load_or_exit(options: &LoadOptions) -> headless::Loaded {
    headless::load(options).unwrap_or_else(|e| std::process::exit(load_failed(&e)))
}

/// `glance-wizard check`; its exit code. The notes are printed with the
/// report.
fn check(args: &AnswersArgs, format: Format, out: &mut dyn std::io::Write) -> i32 {
    match headless::load(&args.options(true)) {
        Ok(loaded) => headless::check(&loaded, format, out),
        // A script reading JSON gets a report with every exit 4.
        Err(headless::LoadError::Target(e)) if format == Format::Json => {
            headless::target_failed(&e, out)
        }
        Err(e) => load_failed(&e),
    }
}

/// Says why the answers could not be loaded; the exit code for it.
fn load_failed(e: &headless::LoadError) -> i32 {
    use glance_wizard::i18n::{Lang, Texts};
    let said = e.render(Texts::of(Lang::from_env()));
    eprint!("glance-wizard: {said}");
    if !said.ends_with('\n') {
        eprintln!();
    }
    e.exit_code()
}

fn main() {
    glance_wizard::tui::bench::mark_process_start();
    let cli = Cli::parse();
    let mut stdout = std::io::stdout();
    let code = match cli.command {
        None => interactive(glance_wizard::tui::Options {
            state_dir: cli.state_dir,
            lang: cli.lang,
            distro: cli.distro,
            release: cli.release,
        }),
        Some(Command::Answers(what)) => answers(&what),
        Some(Command::Check { args, format }) => check(&args, format, &mut stdout),
        Some(Command::Plan { args, format }) => {
            match headless::plan_preview(&args.options(true), &cli.state_dir) {
                Ok((report, notes)) => {
                    headless::plan(&report, &notes, format, &mut stdout);
                    exit::OK
                }
                Err(e) => load_failed(&e),
            }
        }
        Some(Command::Apply {
            args,
            skip_prechecks,
            jobs,
            verify,
        }) => {
            // apply prints the notes itself.
            let loaded = load_or_exit(&args.options(true));
            let run = headless::RunOptions {
                skip_prechecks,
                jobs: usize::from(jobs),
                verify,
            };
            headless::apply(&loaded, &cli.state_dir, &run, &mut stdout)
        }
        Some(Command::Export { format }) => export(format, &mut stdout),
        Some(Command::Undo {
            args,
            dry_run,
            purge_packages,
            replaced,
            yes,
            tasks,
        }) => {
            let loaded = load_with_notes(&args);
            let options = headless::UndoOptions {
                dry_run,
                undo: glance_wizard::undo::Options {
                    purge_packages,
                    only: tasks,
                    replaced,
                },
            };
            undo(&loaded, &cli.state_dir, &options, yes)
        }
        Some(Command::Doctor {
            format,
            config_dir,
            admin_openrc,
            write_answers,
        }) => doctor(format, config_dir, admin_openrc, write_answers),
        Some(Command::Bundle {
            output,
            answers,
            secrets,
        }) => bundle(output, answers, secrets, cli.state_dir),
        Some(Command::Status { format }) => {
            code_or_error(headless::status(&cli.state_dir, format, &mut stdout).map(|()| exit::OK))
        }
        Some(Command::BenchRunScreen { log_dir, command }) => {
            glance_wizard::tui::bench::bench_run_screen(command, log_dir, cli.lang)
        }
        Some(Command::Reset { task }) => {
            code_or_error(headless::reset(&cli.state_dir, task, &mut stdout))
        }
        Some(Command::Man { dir }) => code_or_error(
            match dir {
                Some(dir) => glance_wizard::cli::write_man_pages(&dir),
                None => glance_wizard::cli::write_man_page(&mut stdout),
            }
            .map(|()| exit::OK),
        ),
        Some(Command::Completions { shell }) => {
            glance_wizard::cli::write_completions(shell, &mut stdout);
            exit::OK
        }
    };
    std::process::exit(code);
}

/// No command: the wizard, when there is a terminal to draw on.
fn interactive(options: glance_wizard::tui::Options) -> i32 {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        glance_wizard::tui::run(options)
    } else {
        // Not a terminal (a pipe, a script): the wizard cannot draw.
        use clap::CommandFactory;
        // Help on a closed stdout cannot be shown anywhere else.
        let _ = Cli::command().print_help();
        exit::OK
    }
}

/// `undo`: confirmed by `--yes`, or by the host name typed on the
/// terminal.
fn undo(
    loaded: &headless::Loaded,
    state_dir: &std::path::Path,
    options: &headless::UndoOptions,
    yes: bool,
) -> i32 {
    use std::io::{BufRead, IsTerminal, Write};
    let mut ask = |prompt: &str| {
        print!("{prompt}");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).ok()?;
        Some(line)
    };
    let confirm = if yes {
        headless::Confirm::Given
    } else if std::io::stdin().is_terminal() {
        headless::Confirm::Ask(&mut ask)
    } else {
        headless::Confirm::NoTerminal
    };
    headless::undo(loaded, state_dir, options, confirm, &mut std::io::stdout())
}

/// `answers --template` or `answers --schema` (clap requires one of them).
fn answers(what: &AnswersPrint) -> i32 {
    if what.schema {
        println!("{}", glance_wizard::answers::schema_json());
    } else {
        print!("{}", glance_wizard::answers::TEMPLATE);
    }
    exit::OK
}

fn doctor(
    format: Format,
    config_dir: PathBuf,
    admin_openrc: Option<PathBuf>,
    write_answers: Option<PathBuf>,
) -> i32 {
    let mut options = glance_wizard::checks::doctor::Options::detected();
    options.config_dir = config_dir;
    if admin_openrc.is_some() {
        options.admin_openrc = admin_openrc;
    }
    use glance_wizard::i18n::{Lang, Texts};
    let report = glance_wizard::checks::doctor::run(&options);
    // Text in the locale's language; JSON in English (docs/json.md).
    match format {
        Format::Text => print!(
            "{}",
            glance_wizard::checks::doctor::render_text(&report, Texts::of(Lang::from_env()))
        ),
        Format::Json => print!("{}", glance_wizard::checks::doctor::render_json(&report)),
    }
    if let Some(path) = write_answers {
        // Standard error: standard output stays the report (JSON parses).
        // In the locale's language, whatever the report's format.
        let t = Texts::of(Lang::from_env());
        match glance_wizard::checks::doctor::write_answers(&options, &path) {
            Ok(lines) => lines.iter().for_each(|line| eprintln!("{}", t.msg(line))),
            Err(e) => {
                eprintln!("{}", t.msg(&e));
                return exit::ERROR;
            }
        }
    }
    if report.healthy {
        exit::OK
    } else {
        exit::DOCTOR_FOUND
    }
}

fn bundle(
    output: PathBuf,
    answers: Option<PathBuf>,
    secrets: Option<PathBuf>,
    state_dir: PathBuf,
) -> i32 {
    let options = glance_wizard::ops::bundle::Options {
        output: output.clone(),
        state_dir,
        answers: answers.map(|answers| LoadOptions {
            answers,
            secrets,
            distro: None,
            release: None,
            generate_passwords: false,
            prompt: false,
        }),
        doctor: glance_wizard::checks::doctor::Options::detected(),
    };
    code_or_error(
        glance_wizard::ops::bundle::build(&options)
            .map(|manifest| {
                let texts = glance_wizard::i18n::Texts::of(glance_wizard::i18n::Lang::from_env());
                headless::bundle_written(&manifest, &output, texts, &mut std::io::stdout());
                exit::OK
            })
            .map_err(anyhow::Error::msg),
    )
}

/// `glance-wizard export FORMAT`; its exit code.
fn export(format: ExportFormat, out: &mut dyn std::io::Write) -> i32 {
    match format {
        ExportFormat::Ansible {
            args,
            inventory,
            output,
        } => {
            let loaded = load_with_notes(&args);
            headless::export_ansible(&loaded, &inventory, &output, out)
        }
    }
}

/// Loads the answers (or exits saying why) and prints the notes made on
/// the way.
fn load_with_notes(args: &AnswersArgs) -> headless::Loaded {
    let loaded = load_or_exit(&args.options(true));
    let t = glance_wizard::i18n::Texts::of(glance_wizard::i18n::Lang::from_env());
    for note in &loaded.notes {
        println!("{}", t.msg(note));
    }
    loaded
}

/// A command's exit code, or its error said (in the locale's language
/// when its words are a message) and [`exit::ERROR`].
fn code_or_error<E: Into<anyhow::Error>>(result: Result<i32, E>) -> i32 {
    use glance_wizard::i18n::{Lang, Texts};
    result.unwrap_or_else(|e| {
        let said = Texts::of(Lang::from_env()).error(&e.into());
        eprintln!("glance-wizard: {said}");
        exit::ERROR
    })
}
