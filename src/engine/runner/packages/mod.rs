//! The package task: install Glance with the distro's package manager and
//! confirm it really is installed.
//!
//! 1. Every package already installed (`dpkg-query` / `rpm -q`): done.
//! 2. With `[proxy] persist`, write the proxy into the package manager's
//!    configuration (original backed up).
//! 3. Refresh (`apt-get update` / `yum makecache`): a broken mirror shows
//!    here, before anything changes. apt exits 0 on most download failures,
//!    so its warnings count too.
//! 4. Install, then check each package again: exiting 0 is not enough.
//!
//! A failure is classified ([`classify`]) and answered: mirror trouble →
//! clean the metadata, then a retryable error (the engine waits with
//! growing pauses and runs the task again from 1); a held lock → retryable,
//! waited for; a connection that timed out → retryable; a refused
//! connection or a name that does not resolve (proxy or mirror), HTTP 407
//! and TLS → needs the user: one quick recheck, then the message saying
//! what to set in `[proxy]`; a package in no repository → stop, naming the
//! repository to enable. [`Diagnosis::class`] says which.

pub mod classify;
pub mod persist;

use super::clients::Packages;
use super::{ChildResult, Network, TaskContext, run_streamed};
use crate::answers::ProxySettings;
use crate::engine::outputs::{PackagesOutputs, TaskOutputs, WrittenFile};
use crate::engine::{ErrorClass, ErrorKind, TaskError};
use crate::host::target::PackageManager;
use crate::i18n::Message;
use crate::plan::{PackagesSpec, commands};

use classify::{Diagnosis, ProxyEndpoint};

/// The distro's package manager, run as a child with the task's log.
pub struct System;

/// apt's prompts would wait for a terminal the child does not have.
fn noninteractive() -> Vec<(String, String)> {
    vec![("DEBIAN_FRONTEND".to_string(), "noninteractive".to_string())]
}

impl Packages for System {
    fn installed(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &PackagesSpec,
        package: &str,
    ) -> Result<bool, TaskError> {
        let result = run_streamed(
            ctx,
            &commands::package_query(spec.manager, &spec.query_options, package),
            &[],
            Network::Direct,
        )?;
        Ok(match spec.manager {
            PackageManager::Apt => {
                result.success() && result.lines().any(|l| l.trim() == "install ok installed")
            }
            PackageManager::Yum | PackageManager::Dnf => result.success(),
        })
    }

    fn refresh(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &PackagesSpec,
    ) -> Result<ChildResult, TaskError> {
        run_streamed(
            ctx,
            &commands::package_refresh(spec.manager, &spec.manager_options),
            &noninteractive(),
            Network::ViaProxy,
        )
    }

    fn install(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &PackagesSpec,
    ) -> Result<ChildResult, TaskError> {
        run_streamed(
            ctx,
            &commands::package_install(spec.manager, &spec.manager_options, &spec.packages),
            &noninteractive(),
            Network::ViaProxy,
        )
    }

    fn remove(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &PackagesSpec,
        packages: &[String],
    ) -> Result<ChildResult, TaskError> {
        run_streamed(
            ctx,
            &commands::package_remove(spec.manager, &spec.manager_options, packages),
            &noninteractive(),
            Network::Direct,
        )
    }

    fn clean(&self, ctx: &mut TaskContext<'_>, spec: &PackagesSpec) -> bool {
        let mut all = true;
        for clean in commands::package_clean(spec.manager, &spec.manager_options) {
            let cleaned = run_streamed(ctx, &clean, &[], Network::Direct);
            all &= cleaned.is_ok_and(|r| r.success());
        }
        all
    }

    fn persist_proxy(
        &self,
        manager: PackageManager,
        proxy: &ProxySettings,
    ) -> Result<persist::Persisted, String> {
        persist::persist_proxy(manager, proxy, std::path::Path::new("/"))
    }
}

/// Where the package manager's sources are configured, for messages.
fn sources(manager: PackageManager) -> Message {
    match manager {
        PackageManager::Apt => Message::new("failure.apt_sources"),
        PackageManager::Yum | PackageManager::Dnf => Message::verbatim("/etc/yum.repos.d/"),
    }
}

/// The proxy the package manager was given, shown without its password.
fn proxy_shown(ctx: &TaskContext<'_>) -> Option<String> {
    ctx.reach.proxy.shown().map(str::to_string)
}

/// The error for a diagnosis: what happened (the package manager's own
/// words as `evidence`), and exactly what to do. Its class is the
/// diagnosis's.
pub fn error_for(
    diagnosis: &Diagnosis,
    manager: PackageManager,
    proxy: Option<&str>,
    repository: &Message,
    fallback: &str,
) -> TaskError {
    let said = |key| {
        Message::new(key)
            .arg("manager", manager.name())
            .arg("evidence", diagnosis.evidence())
    };
    let message = match diagnosis {
        Diagnosis::Mirror { .. } => said("failure.mirror").msg("sources", sources(manager)),
        Diagnosis::Locked { .. } => said("failure.locked"),
        Diagnosis::Unreachable { proxy: true, .. } => {
            said("failure.proxy_unreachable").arg("proxy", proxy.unwrap_or("?"))
        }
        Diagnosis::Unreachable { .. } => match proxy {
            None => said("failure.mirror_unreachable"),
            Some(p) => said("failure.mirror_unreachable_through").arg("proxy", p),
        },
        Diagnosis::ProxyAuth { .. } => match proxy {
            Some(p) => said("failure.proxy_auth").arg("proxy", p),
            None => said("failure.proxy_auth_unknown"),
        },
        Diagnosis::Tls { .. } => said("failure.tls").msg(
            "install_ca",
            Message::new(match manager {
                PackageManager::Apt => "failure.install_ca_apt",
                PackageManager::Yum | PackageManager::Dnf => "failure.install_ca_rpm",
            }),
        ),
        Diagnosis::NotFound { packages, .. } => match packages.is_empty() {
            true => said("failure.not_found"),
            false => said("failure.not_found_named").arg("packages", packages.join(", ")),
        }
        .msg("repository", repository.clone()),
        Diagnosis::Unknown => said("failure.unknown").arg("output", fallback),
    };
    TaskError::new(diagnosis.class(), message).with_kind(diagnosis.kind())
}

/// Classifies a failed step, cleans the metadata on mirror trouble, and
/// returns the error.
fn fail(
    ctx: &mut TaskContext<'_>,
    spec: &PackagesSpec,
    pm: &dyn Packages,
    output: &str,
    fallback: &str,
) -> TaskError {
    let manager = spec.manager;
    let endpoint = ctx.reach.proxy.shown().and_then(ProxyEndpoint::from_url);
    let diagnosis = classify::classify(output, endpoint.as_ref());
    let next = match diagnosis.kind() {
        ErrorKind::Mirror => "narration.next_clean",
        ErrorKind::LockHeld => "narration.next_lock",
        ErrorKind::Unreachable if diagnosis.class() == ErrorClass::Retryable => {
            "narration.next_timed_out"
        }
        ErrorKind::Unreachable => "narration.next_unreachable",
        ErrorKind::ProxyAuth | ErrorKind::Tls => "narration.next_proxy",
        ErrorKind::RepositoryMissing => "narration.next_repository",
        ErrorKind::Other => "narration.next_stop",
    };
    ctx.tell(
        Message::new("narration.diagnosis")
            .arg("kind", diagnosis.kind().name())
            .msg("next", Message::new(next)),
    );
    if diagnosis.kind() == ErrorKind::Mirror && !pm.clean(ctx, spec) {
        ctx.tell(Message::new("narration.clean_failed"));
    }
    let proxy = proxy_shown(ctx);
    error_for(
        &diagnosis,
        manager,
        proxy.as_deref(),
        &spec.repository,
        fallback,
    )
}

/// The package task's probe: each package is still installed (one query
/// of the package database each).
pub fn probe(
    spec: &PackagesSpec,
    ctx: &mut TaskContext<'_>,
    pm: &dyn Packages,
) -> Result<Message, Message> {
    for package in &spec.packages {
        if !pm.installed(ctx, spec, package).map_err(|e| e.message)? {
            return Err(Message::new("recheck.not_installed").arg("package", package));
        }
    }
    Ok(Message::new("run_skip.packages").arg("packages", spec.packages.join(" ")))
}

/// The packages of `spec` not installed now.
fn missing(
    spec: &PackagesSpec,
    ctx: &mut TaskContext<'_>,
    pm: &dyn Packages,
) -> Result<Vec<String>, TaskError> {
    let mut missing = Vec::new();
    for package in &spec.packages {
        if !pm.installed(ctx, spec, package)? {
            missing.push(package.clone());
        }
    }
    Ok(missing)
}

pub fn run(
    spec: &PackagesSpec,
    ctx: &mut TaskContext<'_>,
    pm: &dyn Packages,
) -> Result<TaskOutputs, TaskError> {
    let missing_before = missing(spec, ctx, pm)?;
    let mut outputs = installed_by_earlier_run(spec, &missing_before, ctx.previous_outputs);
    if missing_before.is_empty() {
        ctx.tell(
            Message::new("narration.already_installed").arg("packages", spec.packages.join(" ")),
        );
        return Ok(TaskOutputs::Packages(outputs));
    }
    if let Some(proxy) = &spec.persist_proxy
        && let Some(written) = persist_proxy(spec.manager, proxy, ctx, pm)?
    {
        outputs.proxy_config = Some(written);
    }
    // Refresh first, so a broken mirror shows before anything changes.
    let refresh = pm.refresh(ctx, spec)?;
    if !refresh.success() || classify::refresh_had_trouble(refresh.text()) {
        return Err(fail(ctx, spec, pm, refresh.text(), &refresh.tail(3)));
    }
    let install = pm.install(ctx, spec)?;
    if !install.success() {
        return Err(fail(ctx, spec, pm, install.text(), &install.tail(3)));
    }
    confirm_installed(spec, ctx, pm, &install)?;
    ctx.tell(Message::new("narration.installed").arg("packages", spec.packages.join(" ")));
    Ok(TaskOutputs::Packages(outputs))
}

/// Which packages this task installs (missing now, or installed by an
/// earlier run of it) and which it found installed.
fn installed_by_earlier_run(
    spec: &PackagesSpec,
    missing: &[String],
    previous: Option<&TaskOutputs>,
) -> PackagesOutputs {
    let (earlier, proxy_config) = match previous {
        Some(TaskOutputs::Packages(p)) => (p.installed.as_slice(), p.proxy_config.clone()),
        _ => (&[][..], None),
    };
    let (installed, found) = spec
        .packages
        .iter()
        .cloned()
        .partition(|p| missing.contains(p) || earlier.contains(p));
    PackagesOutputs {
        installed,
        found,
        proxy_config,
    }
}

/// Writes the proxy into the package manager's configuration: the file
/// written, or `None` when it said exactly this already (then it is no
/// file of the wizard's, unless an earlier run's record says so, and undo
/// leaves it: it may be the admin's whole yum.conf).
fn persist_proxy(
    manager: PackageManager,
    proxy: &ProxySettings,
    ctx: &mut TaskContext<'_>,
    pm: &dyn Packages,
) -> Result<Option<WrittenFile>, TaskError> {
    let written = pm.persist_proxy(manager, proxy).map_err(|e| {
        let message = Message::new("failure.proxy_unwritable")
            .arg("path", commands::proxy_config_path(manager))
            .arg("error", e);
        TaskError::new(ErrorClass::Fatal, message)
    })?;
    ctx.tell(written.describe());
    Ok(written.changed.then(|| WrittenFile {
        path: written.path.display().to_string(),
        backup: written.backup.map(|b| b.display().to_string()),
        sha256: Some(written.sha256),
    }))
}

/// An install that exited 0 is checked package by package: yum may say
/// "No package X available. Nothing to do" and exit 0.
fn confirm_installed(
    spec: &PackagesSpec,
    ctx: &mut TaskContext<'_>,
    pm: &dyn Packages,
    install: &ChildResult,
) -> Result<(), TaskError> {
    let absent = missing(spec, ctx, pm)?;
    if absent.is_empty() {
        return Ok(());
    }
    let diagnosis = classify::classify(install.text(), None);
    if matches!(diagnosis, Diagnosis::NotFound { .. }) {
        return Err(fail(ctx, spec, pm, install.text(), ""));
    }
    let key = match absent.len() {
        1 => "failure.not_installed_one",
        _ => "failure.not_installed",
    };
    let message = Message::new(key)
        .arg("manager", spec.manager.name())
        .arg("packages", absent.join(", "))
        .arg(
            "query",
            match spec.manager {
                PackageManager::Apt => "dpkg-query",
                PackageManager::Yum | PackageManager::Dnf => "rpm -q",
            },
        )
        .arg("output", install.tail(2).replace('\n', " / "));
    Err(TaskError::new(ErrorClass::Fatal, message))
}

/// The package runner against a package-manager test double (no yum or
/// dnf runs here; apt's real outputs are tests/e2e_packages.rs's).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::runner::fake::{FakePackages, PackageOp, in_ctx};

    fn spec() -> PackagesSpec {
        PackagesSpec {
            manager: PackageManager::Apt,
            packages: vec!["glance".into(), "python3-glance".into()],
            manager_options: vec![],
            query_options: vec![],
            persist_proxy: None,
            repository: crate::i18n::Message::verbatim("the Debian main archive"),
        }
    }

    fn run_on(pm: &FakePackages, previous: Option<&TaskOutputs>) -> Result<TaskOutputs, TaskError> {
        in_ctx(previous, false, |ctx| run(&spec(), ctx, pm)).0
    }

    fn outputs(installed: &[&str], found: &[&str]) -> TaskOutputs {
        TaskOutputs::Packages(PackagesOutputs {
            installed: installed.iter().map(|p| p.to_string()).collect(),
            found: found.iter().map(|p| p.to_string()).collect(),
            proxy_config: None,
        })
    }

    #[test]
    fn missing_packages_are_installed_then_found() {
        let pm = FakePackages::with(&["python3-glance"]);
        let probed = in_ctx(None, false, |ctx| probe(&spec(), ctx, &pm)).0;
        assert_eq!(
            probed.map_err(|m| m.english()),
            Err("glance is no longer installed".into())
        );
        let first = run_on(&pm, None).unwrap();
        assert_eq!(first, outputs(&["glance"], &["python3-glance"]));
        assert_eq!(pm.installs.get(), 1);
        // Rerun: nothing installed again; what the first run installed
        // stays recorded as installed by it.
        assert_eq!(run_on(&pm, Some(&first)).unwrap(), first);
        assert_eq!(
            run_on(&pm, None).unwrap(),
            outputs(&[], &["glance", "python3-glance"])
        );
        assert_eq!(pm.installs.get(), 1);
        let probed = in_ctx(None, false, |ctx| probe(&spec(), ctx, &pm)).0;
        assert_eq!(
            probed.map(|m| m.english()),
            Ok("glance python3-glance installed".into())
        );
    }

    /// Each failure is classed by the diagnosis of the child's output.
    #[test]
    fn failures_are_classed_by_their_output() {
        let cases = [
            (
                PackageOp::Refresh,
                "E: Failed to fetch http://127.0.0.1:18081/./Packages  Hash Sum mismatch",
                ErrorClass::Retryable,
                ErrorKind::Mirror,
            ),
            (
                PackageOp::Install,
                "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)",
                ErrorClass::Retryable,
                ErrorKind::LockHeld,
            ),
            (
                PackageOp::Refresh,
                "E: Failed to fetch http://127.0.0.1:18081/./Packages  407  Proxy Authentication Required [IP: 127.0.0.1 18888]",
                ErrorClass::NeedsUser,
                ErrorKind::ProxyAuth,
            ),
            (
                PackageOp::Install,
                "E: Unable to locate package glance",
                ErrorClass::NeedsUser,
                ErrorKind::RepositoryMissing,
            ),
            (
                PackageOp::Install,
                "E: Sub-process /usr/bin/dpkg returned an error code (1)",
                ErrorClass::Fatal,
                ErrorKind::Other,
            ),
        ];
        for (op, output, class, kind) in cases {
            let pm = FakePackages::default();
            pm.child_fails(op, 100, output);
            let error = run_on(&pm, None).unwrap_err();
            assert_eq!(
                (error.class, error.kind),
                (class, kind),
                "{output}: {error:?}"
            );
            assert_eq!(
                pm.cleans.get(),
                u32::from(kind == ErrorKind::Mirror),
                "{output}"
            );
            assert!(pm.installed.borrow().is_empty());
        }
    }

    /// apt exits 0 on most download failures: its warnings count.
    #[test]
    fn a_refresh_that_exits_0_with_warnings_fails() {
        let pm = FakePackages::default();
        pm.child_fails(
            PackageOp::Refresh,
            0,
            "W: Failed to fetch http://x/./InRelease  Could not resolve 'x'\nW: Some index files failed to download. They have been ignored, or old ones used instead.",
        );
        let error = run_on(&pm, None).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Unreachable, "{error:?}");
        assert_eq!(pm.installs.get(), 0);
    }

    /// An install that exits 0 is checked package by package.
    #[test]
    fn an_install_that_installs_nothing_fails() {
        let pm = FakePackages::default();
        pm.install_does_nothing.set(true);
        let error = run_on(&pm, None).unwrap_err();
        assert_eq!(error.class, ErrorClass::Fatal);
        assert!(
            error
                .message
                .english()
                .contains("exited 0 but glance, python3-glance are not installed"),
            "{}",
            error.message.english()
        );
    }

    /// An error of the runner's own (the child cannot start, the user
    /// stopped it) passes unchanged.
    #[test]
    fn a_child_that_cannot_start_keeps_its_error() {
        let pm = FakePackages::default();
        let stopped = TaskError::fatal(crate::engine::runner::STOPPED);
        pm.fail(PackageOp::Query, stopped.clone());
        assert_eq!(run_on(&pm, None).unwrap_err(), stopped);
        let probed = in_ctx(None, false, |ctx| probe(&spec(), ctx, &pm)).0;
        assert_eq!(
            probed.map_err(|m| m.english()),
            Err(crate::engine::runner::STOPPED.to_string())
        );
    }

    /// `[proxy] persist`: the proxy file is written (in the double's root)
    /// and recorded with the packages.
    #[test]
    fn a_persisted_proxy_is_recorded() {
        let pm = FakePackages::rooted();
        let mut spec = spec();
        spec.persist_proxy = Some(ProxySettings {
            http_proxy: "http://proxy:3128".into(),
            https_proxy: "http://proxy:3128".into(),
            ..ProxySettings::default()
        });
        let (result, _) = in_ctx(None, false, |ctx| run(&spec, ctx, &pm));
        let TaskOutputs::Packages(outputs) = result.unwrap() else {
            panic!("not packages");
        };
        let written = outputs.proxy_config.unwrap();
        let root = pm.root.as_ref().unwrap().path();
        let expected = root.join("etc/apt/apt.conf.d/95glance-wizard-proxy");
        assert_eq!(written.path, expected.display().to_string());
        let text = std::fs::read_to_string(&expected).unwrap();
        assert!(
            text.contains("Acquire::http::Proxy \"http://proxy:3128\";"),
            "{text}"
        );
        // A run that finds the file as it would write it (the admin's own,
        // or this run's after its record was lost) records nothing: undo
        // must not delete a file it cannot tell it made.
        pm.installed.borrow_mut().clear();
        let (again, _) = in_ctx(None, false, |ctx| run(&spec, ctx, &pm));
        let TaskOutputs::Packages(again) = again.unwrap() else {
            panic!("not packages");
        };
        assert_eq!(again.proxy_config, None);
        // With the earlier run's record, the file stays the wizard's.
        pm.installed.borrow_mut().clear();
        let recorded = TaskOutputs::Packages(outputs_with(Some(written.clone())));
        let (kept, _) = in_ctx(Some(&recorded), false, |ctx| run(&spec, ctx, &pm));
        let TaskOutputs::Packages(kept) = kept.unwrap() else {
            panic!("not packages");
        };
        assert_eq!(kept.proxy_config, Some(written));
    }

    fn outputs_with(proxy_config: Option<WrittenFile>) -> PackagesOutputs {
        PackagesOutputs {
            installed: vec![],
            found: vec![],
            proxy_config,
        }
    }
}
