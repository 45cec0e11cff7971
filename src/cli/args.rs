//! The command line's definition (clap). It lives in the library so that the
//! binary, the man page and the shell completions (`glance-wizard man`,
//! `glance-wizard completions SHELL`, installed by the packages) and the
//! tests all read the same one.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

use crate::engine::DEFAULT_STATE_DIR;
use crate::i18n::Lang;
use crate::ops::load::LoadOptions;

/// The program's name: the binary, the man page and the completions.
pub const BIN_NAME: &str = "glance-wizard";

fn parse_lang(value: &str) -> Result<Lang, String> {
    Lang::parse(value).ok_or_else(|| format!("`{value}`: use en or zh-CN"))
}

/// Installs and configures the OpenStack Image service (Glance) on a
/// controller node, step by step, resumable.
#[derive(Parser, Debug)]
#[command(name = BIN_NAME, version, about, propagate_version = true)]
pub struct Cli {
    /// Where the journal, lock and logs live.
    #[arg(long, global = true, default_value = DEFAULT_STATE_DIR)]
    pub state_dir: PathBuf,
    /// Language of the interactive wizard: en or zh-CN (default: from
    /// LC_ALL, LC_MESSAGES or LANG).
    #[arg(long, value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// Distro family for the interactive wizard (default: detected).
    #[arg(long)]
    pub distro: Option<String>,
    /// Glance release for the interactive wizard (default: detected).
    #[arg(long)]
    pub release: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(clap::Args, Debug)]
pub struct AnswersArgs {
    /// The answers file (see `glance-wizard answers --template`).
    #[arg(long, short = 'a')]
    pub answers: PathBuf,
    /// The secrets file (default: [secrets] file in the answers).
    #[arg(long)]
    pub secrets: Option<PathBuf>,
    /// Distro family to plan for (debian, ubuntu, rdo) instead of detecting it.
    #[arg(long)]
    pub distro: Option<String>,
    /// Glance release to plan for (zed, 2026.1, ...) instead of detecting it.
    #[arg(long)]
    pub release: Option<String>,
    /// Fill blank glance passwords with strong random values and save them
    /// to the secrets file.
    #[arg(long)]
    pub generate_passwords: bool,
}

impl AnswersArgs {
    /// How to load these answers; a missing secret is asked for on the terminal.
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            answers: self.answers.clone(),
            secrets: self.secrets.clone(),
            distro: self.distro.clone(),
            release: self.release.clone(),
            generate_passwords: self.generate_passwords,
            ask_secret: Some(super::prompt::ask_secret),
        }
    }
}

/// What `glance-wizard answers` prints.
#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
pub struct AnswersPrint {
    /// Print a commented answers file.
    #[arg(long)]
    pub template: bool,
    /// Print the JSON Schema of the answers file (for editors: taplo, Even
    /// Better TOML; the packages install it as
    /// /usr/share/glance-wizard/answers.schema.json).
    #[arg(long)]
    pub schema: bool,
}

/// How a report is printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print a commented answers file or its JSON Schema.
    Answers(AnswersPrint),
    /// Validate the answers and run the prechecks.
    Check {
        #[command(flatten)]
        args: AnswersArgs,
        /// text, or json for scripts (fields: docs/json.md).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the tasks, commands, statements and config diffs (passwords
    /// not set yet show as <not set>).
    Plan {
        #[command(flatten)]
        args: AnswersArgs,
        /// text, or json for scripts (fields: docs/json.md).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run the plan, resuming after the last finished task.
    Apply {
        #[command(flatten)]
        args: AnswersArgs,
        /// Do not run the prechecks first.
        #[arg(long)]
        skip_prechecks: bool,
        /// Tasks run at once at most; 1 runs them one after the other in
        /// plan order.
        #[arg(long, default_value_t = crate::engine::DEFAULT_JOBS as u16, value_parser = clap::value_parser!(u16).range(1..=16))]
        jobs: u16,
        /// Check every task again, even those the journal records as done
        /// with the same inputs (each probes and repairs what it set up).
        #[arg(long)]
        verify: bool,
    },
    /// Write the plan for another engine: `export ansible` writes an
    /// Ansible project for one or more controllers behind a VIP.
    Export {
        #[command(subcommand)]
        format: ExportFormat,
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
        /// Also write answers that describe this Glance, as its config
        /// files have it (passwords in a 0600 secrets file beside them), for
        /// `apply --answers FILE` to adopt it: what is right stays, what was
        /// found is repaired.
        #[arg(long, value_name = "FILE")]
        write_answers: Option<PathBuf>,
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
    /// Take back what apply created, in reverse order: only what the
    /// journal records that glance-wizard created (the test image, the
    /// services it started, config files from their backups, the persisted
    /// proxy, endpoints, service, role assignment, user, database accounts
    /// and database); what it found stays. Shows what it will do and asks
    /// for the controller's host name first. Resumable: a killed undo
    /// finishes when run again.
    Undo {
        #[command(flatten)]
        args: AnswersArgs,
        /// Print what would be taken back; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also remove the packages glance-wizard installed (those absent
        /// before; apt purges them).
        #[arg(long)]
        purge_packages: bool,
        /// Only what earlier runs created under answers changed since and
        /// that holds data (a database, a test image): apply keeps it
        /// until you confirm this; `plan` lists it.
        #[arg(long)]
        replaced: bool,
        /// Do not ask for the host name (needed without a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Only these tasks (`glance-wizard status` lists them), e.g.
        /// verify.image; default: every task the journal records.
        tasks: Vec<crate::plan::TaskId>,
    },
    /// Show the journal: each task that ran, in plan order, with what it
    /// created or found.
    Status {
        /// text, or json for scripts and monitoring (fields: docs/json.md).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Forget checkpoints (all, or one task's).
    Reset {
        /// A task id (`glance-wizard status` lists them), e.g. verify.image.
        task: Option<crate::plan::TaskId>,
    },
    /// Print the manual page (roff): `glance-wizard man | man -l -`.
    Man {
        /// Write glance-wizard.1 and a page per subcommand
        /// (glance-wizard-check.1, ...) into DIR instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Print a shell completion script for SHELL.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
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

/// What `glance-wizard export` writes.
#[derive(Subcommand, Debug)]
pub enum ExportFormat {
    /// An Ansible project: site.yml, group_vars, inventory, a secrets file
    /// to encrypt with ansible-vault, an HAProxy snippet, a README.
    Ansible {
        #[command(flatten)]
        args: AnswersArgs,
        /// The controllers (TOML, see docs/ansible.md).
        #[arg(long)]
        inventory: PathBuf,
        /// The directory to write the project into.
        #[arg(long, short = 'o')]
        output: PathBuf,
    },
}

/// The command as the man pages show it: without clap's `help`
/// subcommand, which has no page.
fn man_command() -> clap::Command {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    command
}

/// Writes the manual page, section 1, in roff.
pub fn write_man_page(out: &mut dyn Write) -> io::Result<()> {
    clap_mangen::Man::new(man_command()).render(out)
}

/// Writes glance-wizard.1 and one page per visible subcommand into `dir`
/// (the main page's SUBCOMMANDS section refers to them).
pub fn write_man_pages(dir: &std::path::Path) -> io::Result<()> {
    clap_mangen::generate_to(man_command(), dir)
}

/// Writes the completion script for `shell`.
pub fn write_completions(shell: Shell, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut Cli::command(), BIN_NAME, out);
}
