//! How the engine takes a network fault ([`NetFault`], which says what happened and what fixes
//! it): how it is retried and where front ends send the user.

use crate::engine::{ErrorClass, ErrorKind, TaskError};
use crate::host::http::{NetFault, Route};
use crate::i18n::Message;

impl NetFault {
    /// What fixes it. Only what can pass by itself is retryable: a timeout,
    /// a broken transfer, a 5xx, 408 or 429, a proxy that could not reach
    /// the host this time. A refused connection, a name that does not
    /// resolve, a 407, a 404 stay until the user changes something.
    pub fn class(self) -> ErrorClass {
        match self {
            NetFault::TimedOut | NetFault::BrokenOff | NetFault::ProxyFailed => {
                ErrorClass::Retryable
            }
            NetFault::Status(s) if s >= 500 || s == 408 || s == 429 => ErrorClass::Retryable,
            NetFault::Invalid => ErrorClass::Fatal,
            NetFault::ProxyRefused
            | NetFault::ProxyUnresolvable
            | NetFault::ProxyAuth
            | NetFault::Unresolvable
            | NetFault::Refused
            | NetFault::Tls
            | NetFault::Status(_) => ErrorClass::NeedsUser,
        }
    }

    /// The kind front ends route on: the proxy's faults (and a name that
    /// does not resolve, which a proxy often fixes) send the user to the
    /// proxy settings.
    pub fn kind(self) -> ErrorKind {
        match self {
            NetFault::ProxyRefused | NetFault::ProxyUnresolvable | NetFault::Unresolvable => {
                ErrorKind::Unreachable
            }
            NetFault::ProxyAuth => ErrorKind::ProxyAuth,
            NetFault::Tls => ErrorKind::Tls,
            _ => ErrorKind::Other,
        }
    }

    /// The task error: `what` failed (`detail` from the HTTP library), and
    /// what fixes it, classed and kinded.
    pub fn task_error(
        self,
        what: Message,
        detail: &str,
        url: &str,
        route: &Route,
        field: &str,
    ) -> TaskError {
        let message = Message::new("failure.net")
            .msg("what", what)
            .arg("detail", detail)
            .msg("advice", self.advice_msg(url, route, field));
        TaskError::new(self.class(), message).with_kind(self.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    fn via() -> Route {
        Route::through("http://127.0.0.1:9")
    }

    fn io_error(kind: io::ErrorKind) -> ureq::Error {
        ureq::Error::Io(io::Error::from(kind))
    }

    #[test]
    fn faults_are_classed_by_what_fixes_them() {
        let direct = Route::direct();
        let cases: &[(ureq::Error, &Route, NetFault, ErrorClass)] = &[
            (
                io_error(io::ErrorKind::ConnectionRefused),
                &via(),
                NetFault::ProxyRefused,
                ErrorClass::NeedsUser,
            ),
            (
                io_error(io::ErrorKind::ConnectionRefused),
                &direct,
                NetFault::Refused,
                ErrorClass::NeedsUser,
            ),
            (
                ureq::Error::HostNotFound,
                &via(),
                NetFault::ProxyUnresolvable,
                ErrorClass::NeedsUser,
            ),
            (
                ureq::Error::HostNotFound,
                &direct,
                NetFault::Unresolvable,
                ErrorClass::NeedsUser,
            ),
            (
                ureq::Error::ConnectProxyFailed(
                    "proxy server responded 407/Proxy Authentication Required".into(),
                ),
                &via(),
                NetFault::ProxyAuth,
                ErrorClass::NeedsUser,
            ),
            (
                ureq::Error::ConnectProxyFailed("proxy server responded 502/Bad Gateway".into()),
                &via(),
                NetFault::ProxyFailed,
                ErrorClass::Retryable,
            ),
            (
                ureq::Error::Timeout(ureq::Timeout::Connect),
                &direct,
                NetFault::TimedOut,
                ErrorClass::Retryable,
            ),
            (
                io_error(io::ErrorKind::TimedOut),
                &direct,
                NetFault::TimedOut,
                ErrorClass::Retryable,
            ),
            (
                io_error(io::ErrorKind::ConnectionReset),
                &direct,
                NetFault::BrokenOff,
                ErrorClass::Retryable,
            ),
            (
                ureq::Error::StatusCode(503),
                &direct,
                NetFault::Status(503),
                ErrorClass::Retryable,
            ),
            (
                ureq::Error::StatusCode(407),
                &via(),
                NetFault::ProxyAuth,
                ErrorClass::NeedsUser,
            ),
            (
                ureq::Error::BadUri("x".into()),
                &direct,
                NetFault::Invalid,
                ErrorClass::Fatal,
            ),
        ];
        for (error, route, fault, class) in cases {
            let found = NetFault::of(error, route);
            assert_eq!(found, *fault, "{error}");
            assert_eq!(found.class(), *class, "{error}");
        }
    }

    #[test]
    fn statuses() {
        assert_eq!(NetFault::of_status(200), None);
        assert_eq!(NetFault::of_status(302), None);
        assert_eq!(NetFault::of_status(407), Some(NetFault::ProxyAuth));
        for (status, class) in [
            (500, ErrorClass::Retryable),
            (502, ErrorClass::Retryable),
            (503, ErrorClass::Retryable),
            (429, ErrorClass::Retryable),
            (408, ErrorClass::Retryable),
            (404, ErrorClass::NeedsUser),
            (403, ErrorClass::NeedsUser),
        ] {
            assert_eq!(
                NetFault::of_status(status).unwrap().class(),
                class,
                "{status}"
            );
        }
    }
}
