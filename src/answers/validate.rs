//! One validation function per kind of field. The answers-file loader and the
//! TUI's forms call the same functions, so a rule is written once. Each
//! returns the rule that was broken, in words a sysadmin can act on.

use std::net::IpAddr;

/// The longest password accepted: Keystone and MariaDB take much longer
/// ones, but nobody types more and a limit keeps config lines sane.
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Shortest password accepted for the accounts glance-wizard creates.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// A host name (RFC 1123) or an IPv4/IPv6 address.
pub fn host(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("must not be empty: give a host name or an IP address".into());
    }
    if value.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    let bare = value.trim_start_matches('[').trim_end_matches(']');
    if bare != value && bare.parse::<std::net::Ipv6Addr>().is_ok() {
        return Ok(());
    }
    if value.len() > 253 {
        return Err("a host name has at most 253 characters".into());
    }
    for label in value.trim_end_matches('.').split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(format!(
                "`{value}` is not a valid host name: each dot-separated label has 1 to 63 characters"
            ));
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!(
                "`{value}` is not a valid host name: only letters, digits, '-' and '.' are allowed"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "`{value}` is not a valid host name: a label cannot start or end with '-'"
            ));
        }
    }
    if value.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!("`{value}` is not a valid IPv4 address"));
    }
    Ok(())
}

/// The TCP ports a port field accepts (also the answers schema's bounds).
pub const PORTS: std::ops::RangeInclusive<i64> = 1..=65535;

/// A TCP port.
pub fn port(value: i64) -> Result<u16, String> {
    if PORTS.contains(&value) {
        Ok(value as u16)
    } else {
        Err(format!(
            "must be a port number from {} to {} (got {value})",
            PORTS.start(),
            PORTS.end()
        ))
    }
}

/// An http or https URL with a valid host.
/// Messages quote the URL with its password, if any, masked.
pub fn http_url(value: &str) -> Result<url::Url, String> {
    let shown = crate::mask::mask_url_password(value);
    let parsed = url::Url::parse(value).map_err(|e| {
        format!("`{shown}` is not a URL ({e}); write it like http://controller:9292")
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("`{shown}` must start with http:// or https://"));
    }
    match parsed.host_str() {
        Some(h) => host(h)?,
        None => return Err(format!("`{shown}` has no host")),
    }
    if value.contains(char::is_whitespace) || value.contains(['"', '\'']) {
        return Err(format!("`{shown}` must not contain spaces or quotes"));
    }
    Ok(parsed)
}

/// A Keystone region id: Keystone accepts up to 255 characters; we keep to
/// characters that need no quoting anywhere.
pub fn region(value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 255 {
        return Err("must have 1 to 255 characters".into());
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "`{value}` may contain only letters, digits, '-', '_' and '.'"
        ));
    }
    Ok(())
}

/// A plain name (database, user, project): letters, digits, '_' and '-'.
pub fn identifier(value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 64 {
        return Err("must have 1 to 64 characters".into());
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
    {
        return Err(format!(
            "`{value}` may contain only letters, digits, '_' and '-'"
        ));
    }
    Ok(())
}

/// An absolute path with no control characters.
pub fn absolute_path(value: &str) -> Result<(), String> {
    if !value.starts_with('/') {
        return Err(format!("`{value}` must be an absolute path (start with /)"));
    }
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(())
}

/// `host:port` of a memcached server.
pub fn memcached_server(value: &str) -> Result<(), String> {
    let Some((h, p)) = value.rsplit_once(':') else {
        return Err(format!(
            "`{value}` must be host:port, e.g. controller:11211"
        ));
    };
    host(h)?;
    let p: i64 = p
        .parse()
        .map_err(|_| format!("`{value}`: `{p}` is not a port number"))?;
    port(p).map(|_| ())
}

/// A password for an account. Any printable character works (each is
/// escaped for the place it lands); control characters cannot be written to
/// an oslo.config file or typed at a prompt reliably, so they are refused.
pub fn password(value: &str) -> Result<(), String> {
    // No message says how long the password is or which character is
    // wrong: each would tell a reader of the screen part of the secret.
    let chars = value.chars().count();
    if chars == 0 {
        return Err("must not be empty".into());
    }
    if chars < crate::secret::MIN_MASKED_CHARS {
        return Err(format!(
            "must have at least {} characters: a shorter one could not be told apart from other text, so it could not be hidden in logs and on screen",
            crate::secret::MIN_MASKED_CHARS
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("must have at most {MAX_PASSWORD_CHARS} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(
            "contains a control character (a newline, a tab...), which cannot be stored in glance-api.conf nor hidden in logs; use printable characters only"
                .into(),
        );
    }
    Ok(())
}

/// A password for an account glance-wizard creates: also a minimum length.
pub fn new_password(value: &str) -> Result<(), String> {
    password(value)?;
    if value.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "must have at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    Ok(())
}

/// The glance database password: Glance connects through PyMySQL, which
/// sends the password encoded as Latin-1 (`password.encode("latin1")` in
/// PyMySQL 1.0), so a character outside ASCII either cannot be sent at all
/// (`UnicodeEncodeError` at db_sync, seen on Debian bookworm) or is sent as
/// other bytes than the server hashed.
pub fn db_password(value: &str) -> Result<(), String> {
    new_password(value)?;
    if !value.is_ascii() {
        return Err(
            "contains a character outside ASCII: Glance's MySQL driver (PyMySQL) sends the password as Latin-1, so only ASCII characters work in the database password"
                .into(),
        );
    }
    Ok(())
}

/// A proxy URL: http(s)://[user:pass@]host:port, no quotes (shells and
/// /etc/environment keep them literally), port required.
pub fn proxy_url(value: &str) -> Result<(), String> {
    if value.contains(['"', '\'']) {
        return Err("must not contain quotes".into());
    }
    let parsed = http_url(value)?;
    if parsed.password().is_some() {
        return Err(format!(
            "`{}` carries a password, and the answers file is no place for one: write the URL with the user only (http://USER@HOST:PORT) and put the password in the secrets file as proxy_password (mode 0600)",
            crate::mask::mask_url_password(value)
        ));
    }
    if parsed.port().is_none()
        && !value
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(format!(
            "`{}` needs an explicit port, e.g. http://proxy:3128",
            crate::mask::mask_url_password(value)
        ));
    }
    Ok(())
}

/// One `no_proxy` entry: a host, domain suffix or IP; CIDR ranges are not
/// understood by every client (libcurl before 7.86, Python's urllib), so
/// they are refused.
pub fn no_proxy_entry(value: &str) -> Result<(), String> {
    if value.contains('/') {
        return Err(format!(
            "`{value}`: CIDR ranges are not understood by every client; list the addresses or host names"
        ));
    }
    if value.contains(['"', '\'']) || value.contains(char::is_whitespace) {
        return Err(format!("`{value}` must not contain quotes or spaces"));
    }
    if value == "*" {
        return Ok(());
    }
    let bare = value.trim_start_matches('.');
    let bare = bare.rsplit_once(':').map_or(bare, |(h, p)| {
        if p.chars().all(|c| c.is_ascii_digit()) && !h.contains(':') {
            h
        } else {
            bare
        }
    });
    host(bare)
}

/// One extra command-line argument for the package manager: passed as is
/// (no shell), so anything printable goes, but not an empty string or a
/// control character (a newline would split the plan's display and the log).
pub fn command_option(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("must not be empty: remove the entry instead".into());
    }
    if value.chars().any(char::is_control) {
        return Err(format!(
            "`{}` contains a control character",
            value.escape_default()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in [
            "controller",
            "ctl-1.example.org",
            "10.0.0.11",
            "::1",
            "[fe80::1]",
        ] {
            assert!(host(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a_b", "a..b", "300.1.1.1", "con troller"] {
            assert!(host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert!(password("it's a \"$ecret\" \\ @/%#;: 中文").is_ok());
        assert!(password("two\nlines").unwrap_err().contains("newline"));
        assert!(new_password("short").unwrap_err().contains("at least 8"));
    }

    /// A rule's message is shown on screen next to the masked field: it
    /// must not tell how long the password is, nor quote a character of it.
    #[test]
    fn password_rules_tell_neither_length_nor_character() {
        let long = "y".repeat(MAX_PASSWORD_CHARS + 7);
        for (message, leaked) in [
            (new_password("abcd").unwrap_err(), "4"),
            (password(&long).unwrap_err(), "263"),
            (db_password("密码abc12345").unwrap_err(), "密"),
            (password("ab\u{7}cd").unwrap_err(), "0007"),
            (password("ab").unwrap_err(), "2)"),
        ] {
            assert!(!message.contains(leaked), "{message}");
        }
    }

    #[test]
    fn proxy_password_belongs_in_the_secrets_file() {
        let message = proxy_url("http://gw:s3cr%40t@proxy:3128").unwrap_err();
        assert!(message.contains("proxy_password"), "{message}");
        assert!(!message.contains("s3cr"), "{message}");
        assert!(proxy_url("http://gw@proxy:3128").is_ok());
        let message = proxy_url("http://gw:s3cr%40t@proxy").unwrap_err();
        assert!(!message.contains("s3cr"), "{message}");
    }

    #[test]
    fn proxies() {
        assert!(proxy_url("http://proxy:3128").is_ok());
        assert!(proxy_url("\"http://proxy:3128\"").is_err());
        assert!(no_proxy_entry("10.0.0.0/8").unwrap_err().contains("CIDR"));
        assert!(no_proxy_entry(".example.org").is_ok());
    }
}
