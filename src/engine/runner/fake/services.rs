//! The init system, `glance-manage` and health URL test double.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::super::clients::{SchemaStep, Services};
use super::super::{ChildResult, TaskContext};
use super::{FakeDatabase, child};
use crate::engine::TaskError;
use crate::plan::ServiceSpec;

/// Where the services test double fails when told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ServiceOp {
    ImageDir,
    Enable,
    Restart,
    Sync,
    Check,
    LoadMetadefs,
    Stop,
    Disable,
}

/// What `glance-manage db_load_metadefs` finds in its directory (the
/// package's JSON files) and loads into a database test double, as the real
/// one does: namespaces the database has are skipped, never merged.
pub(crate) struct MetadefFiles {
    pub database: Rc<FakeDatabase>,
    pub namespaces: u64,
    pub resource_types: u64,
}

/// A test double of the init system, `glance-manage` and glance-api's
/// health URL.
#[derive(Default)]
pub(crate) struct FakeServices {
    pub enabled: RefCell<BTreeSet<String>>,
    pub restarts: RefCell<Vec<String>>,
    pub syncs: Cell<u32>,
    /// glance-api answers (after a restart, or already).
    pub answering: Cell<bool>,
    /// glance-api never answers, even after a restart.
    pub never_answers: Cell<bool>,
    pub schema_at_head: Cell<bool>,
    /// Where `db_load_metadefs` loads (nothing when unset).
    pub metadef_files: Option<MetadefFiles>,
    /// The directories `db_load_metadefs` was given.
    pub metadef_loads: RefCell<Vec<String>>,
    errors: RefCell<HashMap<ServiceOp, TaskError>>,
    outputs: RefCell<HashMap<ServiceOp, (i32, String)>>,
}

impl FakeServices {
    pub fn loading_metadefs(files: MetadefFiles) -> Self {
        FakeServices {
            metadef_files: Some(files),
            ..FakeServices::default()
        }
    }

    pub fn child_fails(&self, op: ServiceOp, code: i32, output: &str) {
        self.outputs.borrow_mut().insert(op, (code, output.into()));
    }

    pub fn fail(&self, op: ServiceOp, error: TaskError) {
        self.errors.borrow_mut().insert(op, error);
    }

    fn step(&self, op: ServiceOp) -> Result<ChildResult, TaskError> {
        if let Some(e) = self.errors.borrow().get(&op) {
            return Err(e.clone());
        }
        Ok(match self.outputs.borrow().get(&op) {
            Some((code, output)) => child(*code, output),
            None => child(0, ""),
        })
    }
}

impl Services for FakeServices {
    fn make_image_dir(
        &self,
        _ctx: &mut TaskContext<'_>,
        _dir: &str,
    ) -> Result<ChildResult, TaskError> {
        self.step(ServiceOp::ImageDir)
    }

    fn enable(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError> {
        let result = self.step(ServiceOp::Enable)?;
        if result.success() {
            self.enabled.borrow_mut().insert(service.into());
        }
        Ok(result)
    }

    fn restart(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError> {
        let result = self.step(ServiceOp::Restart)?;
        if result.success() {
            self.restarts.borrow_mut().push(service.into());
            self.answering.set(!self.never_answers.get());
        }
        Ok(result)
    }

    fn stop(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &ServiceSpec,
        _service: &str,
    ) -> Result<ChildResult, TaskError> {
        let result = self.step(ServiceOp::Stop)?;
        if result.success() {
            self.answering.set(false);
        }
        Ok(result)
    }

    fn enabled_at_boot(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &ServiceSpec,
        service: &str,
    ) -> Result<bool, TaskError> {
        Ok(self.enabled.borrow().contains(service))
    }

    fn disable(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError> {
        let result = self.step(ServiceOp::Disable)?;
        if result.success() {
            self.enabled.borrow_mut().remove(service);
        }
        Ok(result)
    }

    fn glance_manage(
        &self,
        _ctx: &mut TaskContext<'_>,
        step: SchemaStep<'_>,
    ) -> Result<ChildResult, TaskError> {
        match step {
            SchemaStep::LoadMetadefs { dir } => {
                let result = self.step(ServiceOp::LoadMetadefs)?;
                self.metadef_loads.borrow_mut().push(dir.to_string());
                if let (true, Some(files)) = (result.success(), &self.metadef_files) {
                    let mut state = files.database.state.borrow_mut();
                    state.metadef_namespaces = state.metadef_namespaces.max(files.namespaces);
                    state.metadef_resource_types =
                        state.metadef_resource_types.max(files.resource_types);
                }
                Ok(result)
            }
            SchemaStep::Sync => {
                let result = self.step(ServiceOp::Sync)?;
                if result.success() {
                    self.syncs.set(self.syncs.get() + 1);
                    self.schema_at_head.set(true);
                }
                Ok(result)
            }
            SchemaStep::Check => {
                let told = self.errors.borrow().contains_key(&ServiceOp::Check)
                    || self.outputs.borrow().contains_key(&ServiceOp::Check);
                match (told, self.schema_at_head.get()) {
                    (true, _) => self.step(ServiceOp::Check),
                    (false, true) => Ok(child(0, "")),
                    (false, false) => Ok(child(3, "expand migrations needed")),
                }
            }
        }
    }

    fn wait_answering(
        &self,
        url: &str,
        _timeout: Duration,
        cancel: &AtomicBool,
    ) -> Result<u16, String> {
        if cancel.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(super::super::STOPPED.into());
        }
        self.answer(url).and_then(|status| match status {
            200 | 300 => Ok(status),
            other => Err(format!("HTTP {other}")),
        })
    }

    fn answer(&self, url: &str) -> Result<u16, String> {
        if self.answering.get() {
            Ok(300)
        } else {
            Err(format!("{url}: Connection refused"))
        }
    }

    fn log_tail(&self, _path: &str, _n: usize) -> String {
        "ERROR glance (test double) cannot bind".into()
    }
}
