//! A task's failure: what happened, what fixes it, what kind it is, and
//! whose work it is about.

use crate::i18n::Message;
use crate::util::secret::Redactor;

/// What kind of trouble a task ran into, as far as the runner can tell.
/// Front ends route on it; the message says the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorKind {
    /// Anything not listed below.
    #[default]
    Other,
    /// The mirror or its metadata (HTTP 5xx/404, hash mismatch, a timeout
    /// mid-transfer): metadata cleaned, retried with back-off.
    Mirror,
    /// Another package manager holds the lock: waited for.
    LockHeld,
    /// The mirror (or the proxy) cannot be reached at all: name resolution
    /// or connection failure. Retried; then the answer is usually a proxy.
    Unreachable,
    /// The proxy wants credentials (HTTP 407).
    ProxyAuth,
    /// A TLS or CA problem (often a TLS-inspecting proxy whose CA is not
    /// installed).
    Tls,
    /// The package is in no enabled repository: a repository to enable.
    RepositoryMissing,
}

impl ErrorKind {
    /// The fix is in the `[proxy]` answers (or the network path they
    /// describe): the TUI sends the user to its proxy screen.
    pub fn needs_proxy_settings(self) -> bool {
        matches!(
            self,
            ErrorKind::Unreachable | ErrorKind::ProxyAuth | ErrorKind::Tls
        )
    }

    /// A short stable name, for logs and tests.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Other => "other",
            ErrorKind::Mirror => "mirror",
            ErrorKind::LockHeld => "lock-held",
            ErrorKind::Unreachable => "unreachable",
            ErrorKind::ProxyAuth => "proxy-auth",
            ErrorKind::Tls => "tls",
            ErrorKind::RepositoryMissing => "repository-missing",
        }
    }
}

/// What fixes a failure, which decides what the engine does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Can pass by itself (a mirror hiccup, a timeout, a service still
    /// starting, a held lock): retried with growing pauses.
    Retryable,
    /// Only the user can fix it (a proxy that refuses or does not resolve,
    /// a name that does not resolve, HTTP 407, a missing repository): one
    /// quick recheck at most, then the message that names the fix.
    NeedsUser,
    /// Neither time nor the answers are known to fix it: stop at once.
    Fatal,
}

impl ErrorClass {
    /// A short stable name, for logs and tests.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Retryable => "retryable",
            ErrorClass::NeedsUser => "needs-user",
            ErrorClass::Fatal => "fatal",
        }
    }
}

/// A task's failure, as the runner judges it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskError {
    /// What happened and what to do, in words the front end translates;
    /// English (`Message::english`) in the log and the journal.
    pub message: Message,
    /// What fixes it: time, the user, or nothing known.
    pub class: ErrorClass,
    /// What kind of failure; [`ErrorKind::Other`] unless the runner knows.
    pub kind: ErrorKind,
    /// Set when what failed is something a finished task set up: the
    /// engine checks that task again, repairs it, then retries this one.
    pub cause: Option<Cause>,
}

/// A failure whose fix is the work of another task, one the journal may
/// record as done: someone changed or removed it outside the wizard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The database refused the glance account (wrong password, no
    /// grants, no database): the database task's work.
    DbAccessDenied,
    /// Keystone refused the glance service user's password: the user
    /// task's work.
    ServiceUserRefused,
    /// An image endpoint is missing from the catalog: the endpoints task's.
    EndpointMissing,
    /// Glance refuses although its database account and its service user
    /// log in: glance-api runs with an older configuration (one a restart
    /// left out): the services task's.
    GlanceStale,
}

impl Cause {
    /// Whether a task of `kind` sets up what this cause is about.
    pub fn owned_by(self, kind: &crate::plan::TaskKind) -> bool {
        use crate::plan::TaskKind;
        matches!(
            (self, kind),
            (Cause::DbAccessDenied, TaskKind::Sql(_))
                | (Cause::ServiceUserRefused, TaskKind::IdentityUser(_))
                | (Cause::EndpointMissing, TaskKind::IdentityEndpoints(_))
                | (Cause::GlanceStale, TaskKind::Services(_))
        )
    }

    /// For messages: what went wrong.
    pub fn describe(self) -> Message {
        Message::new(match self {
            Cause::DbAccessDenied => "cause.db_access_denied",
            Cause::ServiceUserRefused => "cause.service_user_refused",
            Cause::EndpointMissing => "cause.endpoint_missing",
            Cause::GlanceStale => "cause.glance_stale",
        })
    }
}

impl TaskError {
    pub fn new(class: ErrorClass, message: Message) -> Self {
        TaskError {
            message,
            class,
            kind: ErrorKind::Other,
            cause: None,
        }
    }
    /// The next three take English whose words are not in assets/i18n
    /// yet: it reaches a Chinese screen as it is.
    pub fn fatal(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Fatal, Message::verbatim(message.into()))
    }
    pub fn transient(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Retryable, Message::verbatim(message.into()))
    }
    pub fn needs_user(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::NeedsUser, Message::verbatim(message.into()))
    }
    /// The message with every text parameter redacted (a server may
    /// quote a secret; the translations hold none).
    pub fn redacted(&self, redactor: &Redactor) -> Message {
        let mut message = self.message.clone();
        message.map_texts(&|text| redactor.redact(text));
        message
    }
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }
    /// Worth retrying after a pause.
    pub fn retryable(&self) -> bool {
        self.class == ErrorClass::Retryable
    }
    pub fn with_cause(mut self, cause: Cause) -> Self {
        self.cause = Some(cause);
        self
    }
}
