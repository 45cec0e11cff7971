//! What a runner works with besides its spec, and what it says as it works.

use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{TaskOutputs, clients};
use crate::answers::{AdminCredentials, ProxySettings, Settings};
use crate::engine::TaskError;
use crate::i18n::Message;
use crate::util::secret::Redactor;

/// Who does the work and by which route: the Keystone admin the identity
/// and verify tasks act as, and the proxy of package managers and
/// downloads. Not part of any task's spec: they change how a task reaches
/// the world, not what it leaves behind, so a change to them reruns nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Reach {
    pub admin: AdminCredentials,
    pub proxy: ProxySettings,
    /// The catalog the probes at the start of a run read, fetched once for
    /// all of them: each `GET /v3/auth/catalog` has Keystone validate the
    /// run's new admin token again (about 0.27 s of its CPU on the lab).
    /// Only probes read it, and they all run before any task can change
    /// the catalog.
    pub probe_catalog: OnceLock<Result<Vec<clients::CatalogService>, TaskError>>,
}

impl Reach {
    pub fn of(settings: &Settings) -> Reach {
        Reach {
            admin: settings.keystone.admin.clone(),
            proxy: settings.proxy.clone(),
            probe_catalog: OnceLock::new(),
        }
    }
}

/// What a runner gets besides its spec: the [`Reach`], a place to narrate,
/// and what the task recorded last time (so a rerun can find what it
/// created).
pub struct TaskContext<'a> {
    pub reach: &'a Reach,
    pub state_dir: &'a Path,
    pub redactor: &'a Redactor,
    pub cancel: &'a AtomicBool,
    pub previous_outputs: Option<&'a TaskOutputs>,
    pub lock: Option<&'a crate::engine::lock::RunLock>,
    /// The task is done with the same inputs and runs only because
    /// `apply --verify` asked: check, and redo only what the check finds
    /// wrong (no restart of a Glance that answers).
    pub recheck: bool,
    /// Where the task's words go, already redacted: call
    /// [`TaskContext::trace`] or [`TaskContext::tell`], which redact.
    pub log: &'a mut dyn FnMut(Said<'_>),
}

/// What a runner says as it works.
#[derive(Debug, Clone, PartialEq)]
pub enum Said<'a> {
    /// What it does or reads, the same in every language: a command line,
    /// an SQL statement, an HTTP request, a config setting, a listing, a
    /// child's output. One line, or several joined by `\n`.
    Trace(&'a str),
    /// A sentence for the person watching, put into their language by the
    /// front end (English in the log).
    Sentence(Message),
}

impl Said<'_> {
    /// As the log has it.
    pub fn english(&self) -> String {
        match self {
            Said::Trace(lines) => lines.to_string(),
            Said::Sentence(sentence) => sentence.english(),
        }
    }
}

impl TaskContext<'_> {
    /// Shows what is done or read (see [`is_trace`]): one line, or several
    /// joined by `\n`. Secrets are masked. A sentence goes through
    /// [`TaskContext::tell`] instead, so that it reaches a Chinese screen in
    /// Chinese.
    pub fn trace(&mut self, line: impl AsRef<str>) {
        let redacted = self.redactor.redact_cow(line.as_ref());
        debug_assert!(
            redacted.split('\n').all(is_trace),
            "a sentence said as a trace: {redacted:?} (use TaskContext::tell)"
        );
        (self.log)(Said::Trace(&redacted));
    }

    /// Says a sentence, in the front end's language. Secrets in its
    /// parameters are masked.
    pub fn tell(&mut self, mut sentence: Message) {
        sentence.map_texts(&|text| self.redactor.redact(text));
        (self.log)(Said::Sentence(sentence));
    }

    /// Passes on text the caller has redacted with [`TaskContext::redactor`]
    /// (a block of a child's output: redacted once, not twice).
    pub fn trace_redacted(&mut self, block: &str) {
        (self.log)(Said::Trace(block));
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
}

/// Is this line a trace of what a runner does or reads, with no sentence
/// of ours in it? A command line (`$ `), an SQL statement (`SQL> `), a line
/// fed to the openstack client (`openstack> `), an HTTP request, a config
/// setting (`[section] key = value`) or an indented listing row.
pub fn is_trace(line: &str) -> bool {
    const STARTS: [&str; 10] = [
        "$ ",
        "SQL> ",
        "openstack> ",
        "GET ",
        "PUT ",
        "POST ",
        "PATCH ",
        "DELETE ",
        "[",
        "  ",
    ];
    STARTS.iter().any(|start| line.starts_with(start))
}
