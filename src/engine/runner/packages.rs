//! The package task: install Glance with the distro's package manager and
//! confirm it really is installed.

use super::{Network, Outputs, TaskContext, run_streamed};
use crate::engine::TaskError;
use crate::plan::commands;
use crate::target::PackageManager;

fn installed(
    ctx: &mut TaskContext<'_>,
    manager: PackageManager,
    package: &str,
) -> Result<bool, TaskError> {
    let result = run_streamed(
        ctx,
        &commands::package_query(manager, package),
        &[],
        Network::Direct,
    )?;
    Ok(match manager {
        PackageManager::Apt => {
            result.success()
                && result
                    .lines
                    .iter()
                    .any(|l| l.trim() == "install ok installed")
        }
        PackageManager::Yum | PackageManager::Dnf => result.success(),
    })
}

/// What went wrong, from the package manager's words.
fn classify(manager: PackageManager, output: &str, repository_hint: &str) -> TaskError {
    let has = |needle: &str| output.contains(needle);
    if has("Could not get lock")
        || has("is held by process")
        || has("Another app is currently holding the yum lock")
    {
        return TaskError::transient("another package manager holds the lock");
    }
    if has("407 Proxy Authentication Required") || has(" 407 ") {
        return TaskError::fatal(
            "the proxy asks for authentication (HTTP 407): set user:password in proxy.http_proxy / proxy.https_proxy",
        );
    }
    if has("Unable to locate package")
        || has("No match for argument")
        || has("No package ") && has("available")
    {
        return TaskError::fatal(format!(
            "the package is not in any enabled repository: enable {repository_hint}"
        ));
    }
    if has("Failed to fetch")
        || has("Temporary failure resolving")
        || has("Could not connect")
        || has("Hash Sum mismatch")
        || has("Errno 256")
        || has("Cannot find a valid baseurl")
        || has("Curl error")
    {
        return TaskError::transient(format!(
            "{} could not download from its mirror (see the log); retrying after cleaning its metadata",
            manager.name()
        ));
    }
    TaskError::fatal(format!("{} failed: see the log above", manager.name()))
}

pub fn run(
    manager: PackageManager,
    packages: &[String],
    ctx: &mut TaskContext<'_>,
) -> Result<Outputs, TaskError> {
    let mut missing = Vec::new();
    for package in packages {
        if !installed(ctx, manager, package)? {
            missing.push(package.clone());
        }
    }
    if missing.is_empty() {
        ctx.say(format!("{} already installed", packages.join(" ")));
        return Ok(Outputs::new());
    }
    let hint = ctx
        .profile
        .distro
        .repository
        .replace("{release}", &ctx.profile.release.name);
    let env = vec![("DEBIAN_FRONTEND".to_string(), "noninteractive".to_string())];
    // Refresh first, so a broken mirror shows before anything changes.
    let refresh = run_streamed(
        ctx,
        &commands::package_refresh(manager),
        &env,
        Network::ViaProxy,
    )?;
    let refresh_text = refresh.lines.join("\n");
    if !refresh.success() || refresh_text.contains("Failed to fetch") {
        return Err(classify(manager, &refresh_text, &hint));
    }
    let install = run_streamed(
        ctx,
        &commands::package_install(manager, packages),
        &env,
        Network::ViaProxy,
    )?;
    if !install.success() {
        return Err(classify(manager, &install.lines.join("\n"), &hint));
    }
    for package in packages {
        if !installed(ctx, manager, package)? {
            return Err(TaskError::fatal(format!(
                "{} exited 0 but {package} is not installed; enable {hint}",
                manager.name()
            )));
        }
    }
    ctx.say(format!("installed {}", packages.join(" ")));
    Ok(Outputs::new())
}
