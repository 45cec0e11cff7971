//! Escaping of values for each place a value lands: SQL string literals,
//! the SQLAlchemy database URL, oslo.config values and shell-quoted text.
//! Each rule is written once here and used by the plan, the runners and the
//! redactor.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Characters that must be percent-encoded in the password part of a
/// SQLAlchemy URL. SQLAlchemy splits the URL with a regex on `:`, `@`, `/`
/// and `?`, then percent-decodes the password; `%` itself, `#`, `[`, `]` and
/// space must be encoded too. `+` is encoded because some decoders turn it
/// into a space.
const USERINFO: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'\'')
    .add(b'+')
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Percent-encodes a user name or password for the userinfo part of a URL.
pub fn percent_encode_userinfo(value: &str) -> String {
    utf8_percent_encode(value, USERINFO).to_string()
}

/// Percent-encodes every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`),
/// as Python's `urllib.parse.quote(value, safe="")` does.
pub fn percent_encode_all(value: &str) -> String {
    const UNRESERVED_KEPT: &AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(value, UNRESERVED_KEPT).to_string()
}

/// True when the value changes under [`percent_encode_userinfo`]. Pike and
/// Queens' `glance-manage db_sync` crashes on a `%` in the URL (launchpad
/// 1695299), so those releases refuse such passwords.
pub fn needs_url_encoding(value: &str) -> bool {
    percent_encode_userinfo(value) != value
}

/// The body of a single-quoted SQL string literal (without the quotes).
/// With `NO_BACKSLASH_ESCAPES` in `sql_mode`, a backslash is literal and
/// only the quote needs doubling; otherwise backslashes are escaped too.
pub fn sql_string_body(value: &str, no_backslash_escapes: bool) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for ch in value.chars() {
        match ch {
            '\'' => out.push_str("''"),
            '\\' if !no_backslash_escapes => out.push_str("\\\\"),
            '\0' if !no_backslash_escapes => out.push_str("\\0"),
            _ => out.push(ch),
        }
    }
    out
}

/// A complete SQL string literal.
pub fn sql_string_literal(value: &str, no_backslash_escapes: bool) -> String {
    format!("'{}'", sql_string_body(value, no_backslash_escapes))
}

/// Quotes a value for a POSIX shell (used when writing openrc-style files).
pub fn shell_single_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// Host part of a URL: IPv6 literals need brackets.
pub fn url_host(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// `mysql+pymysql://user:password@host[:port]/database` with the password
/// percent-encoded. The oslo.config quoting (`$$` and friends) is applied by
/// the config writer (`ini::oslo_quote`), since this URL is also shown and
/// tested on its own.
pub fn database_url(user: &str, password: &str, host: &str, port: u16, database: &str) -> String {
    let host = url_host(host);
    let port = if port == 3306 {
        String::new()
    } else {
        format!(":{port}")
    };
    format!(
        "mysql+pymysql://{}:{}@{host}{port}/{database}",
        percent_encode_userinfo(user),
        percent_encode_userinfo(password)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_encodes_reserved_characters() {
        let url = database_url("glance", "a@b/c:d%e#f g?", "controller", 3306, "glance");
        assert_eq!(
            url,
            "mysql+pymysql://glance:a%40b%2Fc%3Ad%25e%23f%20g%3F@controller/glance"
        );
    }

    #[test]
    fn database_url_keeps_port_and_brackets_ipv6() {
        assert_eq!(
            database_url("glance", "pw", "::1", 3307, "glance"),
            "mysql+pymysql://glance:pw@[::1]:3307/glance"
        );
    }

    #[test]
    fn sql_literal_respects_sql_mode() {
        assert_eq!(sql_string_literal(r"it's\", false), r"'it''s\\'");
        assert_eq!(sql_string_literal(r"it's\", true), r"'it''s\'");
    }

    #[test]
    fn shell_quote_handles_single_quote() {
        assert_eq!(shell_single_quote("a'b"), r"'a'\''b'");
    }
}
