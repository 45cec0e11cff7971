#![forbid(unsafe_code)]

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use glance_wizard::engine::DEFAULT_STATE_DIR;
use glance_wizard::headless::{self, LoadOptions, exit};
use glance_wizard::ui::i18n::Lang;

fn parse_lang(value: &str) -> Result<Lang, String> {
    Lang::parse(value).ok_or_else(|| format!("`{value}`: use en or zh-CN"))
}

/// Installs and configures the OpenStack Image service (Glance) on a
/// controller node, step by step, resumable.
#[derive(Parser, Debug)]
#[command(version, about, propagate_version = true)]
struct Cli {
    /// Where the journal, lock and logs live.
    #[arg(long, global = true, default_value = DEFAULT_STATE_DIR)]
    state_dir: PathBuf,
    /// Language of the interactive wizard: en or zh-CN (default: from
    /// LC_ALL, LC_MESSAGES or LANG).
    #[arg(long, value_parser = parse_lang)]
    lang: Option<Lang>,
    /// Distro family for the interactive wizard (default: detected).
    #[arg(long)]
    distro: Option<String>,
    /// Glance release for the interactive wizard (default: detected).
    #[arg(long)]
    release: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Args, Debug)]
struct AnswersArgs {
    /// The answers file (see `glance-wizard answers --template`).
    #[arg(long, short = 'a')]
    answers: PathBuf,
    /// The secrets file (default: [secrets] file in the answers).
    #[arg(long)]
    secrets: Option<PathBuf>,
    /// Distro family to plan for (debian, ubuntu, rdo) instead of detecting it.
    #[arg(long)]
    distro: Option<String>,
    /// Glance release to plan for (zed, 2026.1, ...) instead of detecting it.
    #[arg(long)]
    release: Option<String>,
    /// Fill blank glance passwords with strong random values and save them
    /// to the secrets file.
    #[arg(long)]
    generate_passwords: bool,
}

impl AnswersArgs {
    fn options(&self, prompt: bool) -> LoadOptions {
        LoadOptions {
            answers: self.answers.clone(),
            secrets: self.secrets.clone(),
            distro: self.distro.clone(),
            release: self.release.clone(),
            generate_passwords: self.generate_passwords,
            prompt,
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print a commented answers file.
    Answers {
        #[arg(long)]
        template: bool,
    },
    /// Validate the answers and run the prechecks.
    Check(AnswersArgs),
    /// Print the tasks, commands, statements and config diffs.
    Plan(AnswersArgs),
    /// Run the plan, resuming after the last finished task.
    Apply {
        #[command(flatten)]
        args: AnswersArgs,
        /// Do not run the prechecks first.
        #[arg(long)]
        skip_prechecks: bool,
        /// Tasks run at once at most; 1 runs them one after the other in
        /// plan order.
        #[arg(long, default_value_t = glance_wizard::engine::DEFAULT_JOBS as u16, value_parser = clap::value_parser!(u16).range(1..=16))]
        jobs: u16,
        /// Check every task again, even those the journal records as done
        /// with the same inputs (each probes and repairs what it set up).
        #[arg(long)]
        verify: bool,
    },
    /// Inspect the Glance on this machine (installed by the wizard or by
    /// hand): every link from its config files to the running service.
    /// Exit 0 when healthy, 8 when something was found.
    Doctor {
        /// text, or json for scripts.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Glance's config directory.
        #[arg(long, default_value = "/etc/glance")]
        config_dir: PathBuf,
        /// Admin credentials used to list Keystone's services and endpoints
        /// (default: /root/admin-openrc when it exists; else the service
        /// user's token).
        #[arg(long)]
        admin_openrc: Option<PathBuf>,
    },
    /// Write a support bundle: answers (no secrets), journal, logs, Glance's
    /// config and log tails, package versions, prechecks, doctor, service
    /// status; every secret masked.
    Bundle {
        /// The .tar.gz to write (mode 0600).
        #[arg(long, short = 'o')]
        output: PathBuf,
        /// The answers file, to include it and run the prechecks.
        #[arg(long, short = 'a')]
        answers: Option<PathBuf>,
        /// The secrets file (default: [secrets] file in the answers): read
        /// to mask its values, never included.
        #[arg(long)]
        secrets: Option<PathBuf>,
    },
    /// Show the journal.
    Status,
    /// Forget checkpoints (all, or one task's).
    Reset { task: Option<String> },
    /// Developer tool: the run screen streaming COMMAND's output through
    /// the engine, runner and log (scripts/bench-run-screen.sh).
    #[command(hide = true)]
    BenchRunScreen {
        /// A new directory for the engine's journal and log (default: a
        /// temporary one, removed at exit).
        #[arg(long)]
        log_dir: Option<PathBuf>,
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
}

fn load_or_exit(options: &LoadOptions) -> headless::Loaded {
    match headless::load(options) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprint!("glance-wizard: {e}");
            if !e.to_string().ends_with('\n') {
                eprintln!();
            }
            std::process::exit(e.exit_code());
        }
    }
}

fn main() {
    glance_wizard::ui::bench::mark_process_start();
    let cli = Cli::parse();
    let mut stdout = std::io::stdout();
    let code = match cli.command {
        None => interactive(glance_wizard::ui::Options {
            state_dir: cli.state_dir,
            lang: cli.lang,
            distro: cli.distro,
            release: cli.release,
        }),
        Some(Command::Answers { template }) => answers(template),
        Some(Command::Check(args)) => check(&args),
        Some(Command::Plan(args)) => {
            let loaded = load_with_notes(&args);
            print!("{}", headless::plan_text(&loaded));
            exit::OK
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
        Some(Command::Doctor {
            format,
            config_dir,
            admin_openrc,
        }) => doctor(format, config_dir, admin_openrc),
        Some(Command::Bundle {
            output,
            answers,
            secrets,
        }) => bundle(output, answers, secrets, cli.state_dir),
        Some(Command::Status) => {
            code_or_error(headless::status(&cli.state_dir, &mut stdout).map(|()| exit::OK))
        }
        Some(Command::BenchRunScreen { log_dir, command }) => {
            glance_wizard::ui::bench::bench_run_screen(command, log_dir, cli.lang)
        }
        Some(Command::Reset { task }) => code_or_error(headless::reset(
            &cli.state_dir,
            task.as_deref(),
            &mut stdout,
        )),
    };
    std::process::exit(code);
}

/// No command: the wizard, when there is a terminal to draw on.
fn interactive(options: glance_wizard::ui::Options) -> i32 {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        glance_wizard::ui::run(options)
    } else {
        // Not a terminal (a pipe, a script): the wizard cannot draw.
        use clap::CommandFactory;
        let _ = Cli::command().print_help();
        exit::OK
    }
}

fn answers(template: bool) -> i32 {
    if template {
        print!("{}", glance_wizard::answers::TEMPLATE);
        exit::OK
    } else {
        eprintln!("glance-wizard answers: use --template to print a commented answers file");
        2
    }
}

fn check(args: &AnswersArgs) -> i32 {
    let loaded = load_with_notes(args);
    println!("Answers: valid.");
    println!("Target: {}", loaded.profile.summary());
    println!("Prechecks:");
    if headless::print_prechecks(&loaded, &mut std::io::stdout()) {
        exit::OK
    } else {
        exit::PRECHECK_FAILED
    }
}

fn doctor(format: Format, config_dir: PathBuf, admin_openrc: Option<PathBuf>) -> i32 {
    let mut options = glance_wizard::doctor::Options::detected();
    options.config_dir = config_dir;
    if admin_openrc.is_some() {
        options.admin_openrc = admin_openrc;
    }
    let report = glance_wizard::doctor::run(&options);
    match format {
        Format::Text => print!("{}", glance_wizard::doctor::render_text(&report)),
        Format::Json => print!("{}", glance_wizard::doctor::render_json(&report)),
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
    let options = glance_wizard::bundle::Options {
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
        doctor: glance_wizard::doctor::Options::detected(),
    };
    code_or_error(glance_wizard::bundle::build(&options).map(|manifest| {
        println!(
            "Wrote {} ({} files):",
            output.display(),
            manifest.files.len() + 1
        );
        for f in &manifest.files {
            println!("  {:<40} {}", f.path, f.description);
        }
        for m in &manifest.missing {
            println!("  not included: {m}");
        }
        exit::OK
    }))
}

/// Loads the answers (or exits saying why) and prints the notes made on
/// the way.
fn load_with_notes(args: &AnswersArgs) -> headless::Loaded {
    let loaded = load_or_exit(&args.options(true));
    for note in &loaded.notes {
        println!("{note}");
    }
    loaded
}

/// A command's exit code, or its error said and [`exit::ERROR`].
fn code_or_error<E: std::fmt::Display>(result: Result<i32, E>) -> i32 {
    result.unwrap_or_else(|e| {
        eprintln!("glance-wizard: {e:#}");
        exit::ERROR
    })
}
