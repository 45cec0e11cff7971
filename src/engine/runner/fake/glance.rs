//! The test double of Glance's image API.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::Path;

use super::super::TaskContext;
use super::super::clients::{Glance, Image, ImageApi};
use crate::engine::TaskError;
use crate::plan::VerifySpec;

/// Where the Glance test double fails when told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum GlanceOp {
    Connect,
    Named,
    Create,
    Upload,
    Get,
    Delete,
}

/// A test double of Glance's image API: its images and the bytes uploaded.
#[derive(Default)]
pub(crate) struct FakeGlance {
    pub images: RefCell<Vec<Image>>,
    errors: RefCell<HashMap<GlanceOp, TaskError>>,
    once: RefCell<HashMap<GlanceOp, TaskError>>,
    /// Glance answered 401 or 5xx (set with an injected error).
    pub refused: Cell<bool>,
    /// Glance hashes with this algorithm (sha512 unless set).
    pub hash_algo: RefCell<Option<String>>,
    next_id: Cell<u32>,
}

impl FakeGlance {
    /// `op` fails with `error`; `refused` marks it as Glance's 401 or 5xx.
    pub fn fail(&self, op: GlanceOp, error: TaskError, refused: bool) {
        self.errors.borrow_mut().insert(op, error);
        self.refused.set(refused);
    }

    /// `op` fails once with `error`, then works.
    pub fn fail_once(&self, op: GlanceOp, error: TaskError) {
        self.once.borrow_mut().insert(op, error);
    }

    fn failure(&self, op: GlanceOp) -> Result<(), TaskError> {
        if let Some(e) = self.once.borrow_mut().remove(&op) {
            return Err(e);
        }
        self.errors.borrow().get(&op).cloned().map_or(Ok(()), Err)
    }
}

impl Glance for FakeGlance {
    fn connect(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &VerifySpec,
    ) -> Result<Box<dyn ImageApi + '_>, TaskError> {
        self.failure(GlanceOp::Connect)?;
        Ok(Box::new(self))
    }

    fn connect_cached(
        &self,
        _ctx: &TaskContext<'_>,
        _spec: &VerifySpec,
    ) -> Result<Box<dyn ImageApi + '_>, TaskError> {
        self.failure(GlanceOp::Connect)?;
        Ok(Box::new(self))
    }
}

impl ImageApi for &FakeGlance {
    fn url(&self, path: &str) -> String {
        format!("http://controller:9292/v2/{path}")
    }

    fn named(&self, name: &str) -> Result<Vec<Image>, TaskError> {
        self.failure(GlanceOp::Named)?;
        let images = self.images.borrow();
        Ok(images.iter().filter(|i| i.name == name).cloned().collect())
    }

    fn get(&self, id: &str) -> Result<Image, TaskError> {
        self.failure(GlanceOp::Get)?;
        let images = self.images.borrow();
        let found = images.iter().find(|i| i.id == id).cloned();
        found.ok_or_else(|| TaskError::fatal(format!("GET images/{id}: HTTP 404")))
    }

    fn list(&self) -> Result<Vec<Image>, TaskError> {
        Ok(self.images.borrow().clone())
    }

    fn create(&self, spec: &VerifySpec) -> Result<String, TaskError> {
        self.failure(GlanceOp::Create)?;
        self.next_id.set(self.next_id.get() + 1);
        let id = format!("img-{}", self.next_id.get());
        self.images.borrow_mut().push(Image {
            id: id.clone(),
            name: spec.name.clone(),
            status: "queued".into(),
            ours: true,
            ..Image::default()
        });
        Ok(id)
    }

    fn upload(&self, id: &str, file: &Path) -> Result<(), TaskError> {
        self.failure(GlanceOp::Upload)?;
        let hash = super::super::verify::sha512_file(file)
            .map_err(|e| TaskError::fatal(format!("(test double) {e}")))?;
        let algo = self.hash_algo.borrow().clone().unwrap_or("sha512".into());
        let mut images = self.images.borrow_mut();
        let image = images.iter_mut().find(|i| i.id == id);
        let image = image.ok_or_else(|| TaskError::fatal("(test double) no such image"))?;
        image.status = "active".into();
        image.hash_algo = algo;
        image.hash_value = hash;
        Ok(())
    }

    fn delete(&self, id: &str) -> Result<(), TaskError> {
        self.failure(GlanceOp::Delete)?;
        self.images.borrow_mut().retain(|i| i.id != id);
        Ok(())
    }

    fn refused(&self) -> bool {
        self.refused.get()
    }
}
