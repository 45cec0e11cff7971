//! The package manager test double.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};

use super::super::clients::Packages;
use super::super::packages::persist::Persisted;
use super::super::{ChildResult, TaskContext};
use super::child;
use crate::answers::ProxySettings;
use crate::engine::TaskError;
use crate::host::target::PackageManager;
use crate::plan::PackagesSpec;

/// Where the package manager test double fails when told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PackageOp {
    Query,
    Refresh,
    Install,
    Remove,
}

/// A test double of the package manager: its installed packages, and what
/// each step prints and exits with when told to fail.
#[derive(Default)]
pub(crate) struct FakePackages {
    pub installed: RefCell<BTreeSet<String>>,
    /// Steps that start no child (an error of the runner's own).
    errors: RefCell<HashMap<PackageOp, TaskError>>,
    /// Steps whose child fails: (exit code, output).
    outputs: RefCell<HashMap<PackageOp, (i32, String)>>,
    /// The install exits 0 without installing (yum's "Nothing to do").
    pub install_does_nothing: Cell<bool>,
    pub installs: Cell<u32>,
    pub cleans: Cell<u32>,
    /// Where `persist_proxy` writes (a temporary root).
    pub root: Option<tempfile::TempDir>,
}

impl FakePackages {
    pub fn with(installed: &[&str]) -> Self {
        let packages = FakePackages::default();
        packages
            .installed
            .borrow_mut()
            .extend(installed.iter().map(|p| p.to_string()));
        packages
    }

    /// One whose `persist_proxy` writes under a temporary root.
    pub fn rooted() -> Self {
        FakePackages {
            root: Some(tempfile::tempdir().expect("a temporary root")),
            ..FakePackages::default()
        }
    }

    /// The step's child exits `code` after printing `output`.
    pub fn child_fails(&self, op: PackageOp, code: i32, output: &str) {
        self.outputs.borrow_mut().insert(op, (code, output.into()));
    }

    pub fn fail(&self, op: PackageOp, error: TaskError) {
        self.errors.borrow_mut().insert(op, error);
    }

    fn step(&self, op: PackageOp) -> Result<ChildResult, TaskError> {
        if let Some(e) = self.errors.borrow().get(&op) {
            return Err(e.clone());
        }
        Ok(match self.outputs.borrow().get(&op) {
            Some((code, output)) => child(*code, output),
            None => child(0, ""),
        })
    }
}

impl Packages for FakePackages {
    fn installed(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &PackagesSpec,
        package: &str,
    ) -> Result<bool, TaskError> {
        self.step(PackageOp::Query)?;
        Ok(self.installed.borrow().contains(package))
    }

    fn refresh(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &PackagesSpec,
    ) -> Result<ChildResult, TaskError> {
        self.step(PackageOp::Refresh)
    }

    fn install(
        &self,
        _ctx: &mut TaskContext<'_>,
        spec: &PackagesSpec,
    ) -> Result<ChildResult, TaskError> {
        let result = self.step(PackageOp::Install)?;
        if result.success() && !self.install_does_nothing.get() {
            self.installs.set(self.installs.get() + 1);
            let mut installed = self.installed.borrow_mut();
            installed.extend(spec.packages.iter().cloned());
        }
        Ok(result)
    }

    fn remove(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &PackagesSpec,
        packages: &[String],
    ) -> Result<ChildResult, TaskError> {
        let result = self.step(PackageOp::Remove)?;
        if result.success() {
            let mut installed = self.installed.borrow_mut();
            installed.retain(|p| !packages.contains(p));
        }
        Ok(result)
    }

    fn clean(&self, _ctx: &mut TaskContext<'_>, _spec: &PackagesSpec) -> bool {
        self.cleans.set(self.cleans.get() + 1);
        true
    }

    fn persist_proxy(
        &self,
        manager: PackageManager,
        proxy: &ProxySettings,
    ) -> Result<Persisted, String> {
        let root = self
            .root
            .as_ref()
            .ok_or("(test double) no root to write in")?;
        super::super::packages::persist::persist_proxy(manager, proxy, root.path())
    }
}
