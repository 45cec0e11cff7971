#![forbid(unsafe_code)]

use clap::{CommandFactory, Parser};

use glance_wizard::cli::{Cli, Command};
use glance_wizard::ops::exit;

fn main() {
    glance_wizard::tui::bench::mark_process_start();
    let cli = Cli::parse();
    let code = match cli.command {
        None => interactive(glance_wizard::tui::Options {
            state_dir: cli.state_dir,
            lang: cli.lang,
            distro: cli.distro,
            release: cli.release,
        }),
        Some(Command::BenchRunScreen { log_dir, command }) => {
            glance_wizard::tui::bench::bench_run_screen(command, log_dir, cli.lang)
        }
        Some(command) => glance_wizard::cli::run(command, &cli.state_dir),
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
        // Help on a closed stdout cannot be shown anywhere else.
        let _ = Cli::command().print_help();
        exit::OK
    }
}
