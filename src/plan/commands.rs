//! The command lines tasks run, built in one place so that `plan` shows
//! exactly what the runners execute. None of them carries a secret: the
//! admin password travels in the child's environment, the glance user's
//! password through Keystone's API.

use crate::host::target::{InitSystem, PackageManager};

/// `openstack` arguments; the runner adds `-f json` where it parses output.
pub fn user_create(domain: &str, user: &str) -> Vec<String> {
    args(&["user", "create", "--domain", domain, "--or-show", user])
}

pub fn role_add(project: &str, user: &str, role: &str) -> Vec<String> {
    args(&["role", "add", "--project", project, "--user", user, role])
}

pub fn service_create(name: &str, description: &str, service_type: &str) -> Vec<String> {
    args(&[
        "service",
        "create",
        "--name",
        name,
        "--description",
        description,
        service_type,
    ])
}

pub fn endpoint_create(
    region: &str,
    service_type: &str,
    interface: &str,
    url: &str,
) -> Vec<String> {
    args(&[
        "endpoint",
        "create",
        "--region",
        region,
        service_type,
        interface,
        url,
    ])
}

pub fn endpoint_set_url(id: &str, url: &str) -> Vec<String> {
    args(&["endpoint", "set", "--url", url, id])
}

/// Marks the images glance-wizard uploads, so a rerun after a kill can tell
/// its own half-uploaded image from one the admin made.
/// A property of the image: key and value.
pub const IMAGE_MARK: (&str, &str) = ("glance_wizard", "test-image");

/// The package manager's program, then the admin's extra options
/// (`[packages] manager_options`), then `rest`.
fn package_manager(manager: PackageManager, options: &[String], rest: &[&str]) -> Vec<String> {
    let program = match manager {
        PackageManager::Apt => "apt-get",
        PackageManager::Yum => "yum",
        PackageManager::Dnf => "dnf",
    };
    let mut cmd = vec![program.to_string()];
    cmd.extend(options.iter().cloned());
    cmd.extend(rest.iter().map(|s| s.to_string()));
    cmd
}

/// `glance-manage db_load_metadefs DIR` (the path shell-quoted inside the
/// `su -c` string).
pub fn metadefs_load(dir: &str) -> Vec<String> {
    glance_manage(&format!("db_load_metadefs {}", display(&[dir.to_string()])))
}

/// Refreshes the package lists before an install, so a broken mirror shows
/// up before anything changes.
pub fn package_refresh(manager: PackageManager, options: &[String]) -> Vec<String> {
    match manager {
        PackageManager::Apt => package_manager(manager, options, &["update"]),
        PackageManager::Yum | PackageManager::Dnf => {
            package_manager(manager, options, &["makecache"])
        }
    }
}

pub fn package_install(
    manager: PackageManager,
    options: &[String],
    packages: &[String],
) -> Vec<String> {
    let mut cmd = match manager {
        PackageManager::Apt => package_manager(
            manager,
            options,
            &[
                "install",
                "-y",
                "-o",
                "Dpkg::Options::=--force-confdef",
                "-o",
                "Dpkg::Options::=--force-confold",
            ],
        ),
        PackageManager::Yum | PackageManager::Dnf => {
            package_manager(manager, options, &["install", "-y"])
        }
    };
    cmd.extend(packages.iter().cloned());
    cmd
}

/// Throws away downloaded metadata and packages, the cure for a mirror that
/// served a broken or stale index: `apt-get clean` (the next `apt-get
/// update` fetches the lists afresh; `clean` also empties
/// `lists/partial`), `yum|dnf clean metadata` then `clean all`.
pub fn package_clean(manager: PackageManager, options: &[String]) -> Vec<Vec<String>> {
    match manager {
        PackageManager::Apt => vec![package_manager(manager, options, &["clean"])],
        PackageManager::Yum | PackageManager::Dnf => vec![
            package_manager(manager, options, &["clean", "metadata"]),
            package_manager(manager, options, &["clean", "all"]),
        ],
    }
}

/// Where `[proxy] persist = true` writes the proxy for the package manager.
pub fn proxy_config_path(manager: PackageManager) -> &'static str {
    match manager {
        PackageManager::Apt => "/etc/apt/apt.conf.d/95glance-wizard-proxy",
        PackageManager::Yum => "/etc/yum.conf",
        PackageManager::Dnf => "/etc/dnf/dnf.conf",
    }
}

/// Confirms a package is installed: a package manager may exit 0 without
/// installing anything (Red Hat bugzilla 965567). `options` are the
/// admin's `[packages] query_options`.
pub fn package_query(manager: PackageManager, options: &[String], package: &str) -> Vec<String> {
    let mut cmd = match manager {
        PackageManager::Apt => args(&["dpkg-query"]),
        PackageManager::Yum | PackageManager::Dnf => args(&["rpm"]),
    };
    cmd.extend(options.iter().cloned());
    match manager {
        PackageManager::Apt => cmd.extend(args(&["-W", "-f=${Status}\\n", package])),
        PackageManager::Yum | PackageManager::Dnf => cmd.extend(args(&["-q", package])),
    }
    cmd
}

/// `glance-manage` as the glance user; `subcommand` is its shell words
/// (quoted where they need it: see [`metadefs_load`]).
pub fn glance_manage(subcommand: &str) -> Vec<String> {
    args(&[
        "su",
        "-s",
        "/bin/sh",
        "-c",
        &format!("glance-manage {subcommand}"),
        "glance",
    ])
}

/// Creates the image directory for the file store, owned by glance (a
/// data_dir other than the package's does not exist yet).
pub fn image_dir(data_dir: &str) -> Vec<String> {
    args(&[
        "install", "-d", "-o", "glance", "-g", "glance", "-m", "0750", data_dir,
    ])
}

/// Enables a service at boot. On sysv-init Debian, `defaults` creates the
/// runlevel links when a package left none and `enable` undoes an earlier
/// `disable`.
pub fn service_enable(
    init: InitSystem,
    manager: PackageManager,
    service: &str,
) -> Vec<Vec<String>> {
    match (init, manager) {
        (InitSystem::Systemd, _) => vec![args(&["systemctl", "enable", service])],
        (InitSystem::SysV, PackageManager::Apt) => vec![
            args(&["update-rc.d", service, "defaults"]),
            args(&["update-rc.d", service, "enable"]),
        ],
        (InitSystem::SysV, _) => vec![args(&["chkconfig", service, "on"])],
    }
}

/// How to tell whether a service starts at boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootQuery {
    /// A command that exits 0 when it does (`systemctl is-enabled`,
    /// `chkconfig NAME`).
    Command(Vec<String>),
    /// Debian's SysV init has no such command: a start link
    /// `/etc/rc[2-5].d/S??NAME` (what `update-rc.d NAME defaults` makes).
    RcStartLinks,
}

pub fn service_boot_query(init: InitSystem, manager: PackageManager, service: &str) -> BootQuery {
    match (init, manager) {
        (InitSystem::Systemd, _) => {
            BootQuery::Command(args(&["systemctl", "is-enabled", "--quiet", service]))
        }
        (InitSystem::SysV, PackageManager::Apt) => BootQuery::RcStartLinks,
        (InitSystem::SysV, _) => BootQuery::Command(args(&["chkconfig", service])),
    }
}

/// Disables a service at boot (undo of [`service_enable`]).
pub fn service_disable(
    init: InitSystem,
    manager: PackageManager,
    service: &str,
) -> Vec<Vec<String>> {
    match (init, manager) {
        (InitSystem::Systemd, _) => vec![args(&["systemctl", "disable", service])],
        (InitSystem::SysV, PackageManager::Apt) => {
            vec![args(&["update-rc.d", service, "disable"])]
        }
        (InitSystem::SysV, _) => vec![args(&["chkconfig", service, "off"])],
    }
}

pub fn service_stop(init: InitSystem, service: &str) -> Vec<String> {
    match init {
        InitSystem::Systemd => args(&["systemctl", "stop", service]),
        InitSystem::SysV => args(&["service", service, "stop"]),
    }
}

/// Removes packages (undo of [`package_install`]): apt purges, so that
/// what the packages put in /etc goes as it was absent before.
pub fn package_remove(
    manager: PackageManager,
    options: &[String],
    packages: &[String],
) -> Vec<String> {
    let mut cmd = match manager {
        PackageManager::Apt => package_manager(manager, options, &["purge", "-y"]),
        PackageManager::Yum | PackageManager::Dnf => {
            package_manager(manager, options, &["remove", "-y"])
        }
    };
    cmd.extend(packages.iter().cloned());
    cmd
}

pub fn service_restart(init: InitSystem, service: &str) -> Vec<String> {
    match init {
        InitSystem::Systemd => args(&["systemctl", "restart", service]),
        InitSystem::SysV => args(&["service", service, "restart"]),
    }
}

fn args(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// A command line as a shell would show it, quoting where needed.
pub fn display(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c))
            {
                a.clone()
            } else {
                crate::util::escape::shell_single_quote(a)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
