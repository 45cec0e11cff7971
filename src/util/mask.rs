//! Masking secrets that glance-wizard did not put there: passwords found in
//! config files by their key's name, and the password part of URLs. The
//! [`crate::util::secret::Redactor`] masks secrets it knows by value; these rules
//! mask what is a secret by its place, whatever its value.

use std::borrow::Cow;

use crate::util::secret::{MASK, Secret};

/// Keys whose value is a secret, whatever the section: the names Glance,
/// keystonemiddleware, oslo.messaging and oslo.db use for passwords, keys,
/// tokens and URLs that carry a password.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.trim().to_ascii_lowercase();
    key.contains("password")
        || key.contains("secret")
        || key.contains("token")
        || key.ends_with("_key")
        || is_url_key(&key)
}

/// Keys whose value is itself a credential (not an option about one, such
/// as `token_cache_time` or `service_token_roles`): their values are
/// masked wherever else they show.
fn holds_credential(key: &str) -> bool {
    let key = key.trim().to_ascii_lowercase();
    key.contains("password")
        || key.contains("secret")
        || key.ends_with("token")
        || key.ends_with("_key")
        || is_url_key(&key)
}

/// Secret keys whose value is a URL: only its password is masked, so the
/// host and database stay readable.
fn is_url_key(key: &str) -> bool {
    matches!(key, "connection" | "slave_connection" | "transport_url")
}

/// Where the password of `url`'s userinfo (`scheme://user:PASSWORD@host`)
/// is, as a byte range. The userinfo ends at the *last* `@` before the
/// path, so an unescaped `@` in a hand-written password is covered too.
pub fn url_password_span(url: &str) -> Option<std::ops::Range<usize>> {
    let rest_start = url.find("://")? + 3;
    let rest = &url[rest_start..];
    let at = rest.rfind('@')?;
    let colon = rest[..at].find(':')?;
    Some(rest_start + colon + 1..rest_start + at)
}

/// `url` with the password of its userinfo replaced by [`MASK`].
pub fn mask_url_password(url: &str) -> Cow<'_, str> {
    match url_password_span(url) {
        Some(span) => Cow::Owned(format!("{}{MASK}{}", &url[..span.start], &url[span.end..])),
        None => Cow::Borrowed(url),
    }
}

/// The password of a URL's userinfo, percent-decoded, if it has one.
pub fn url_password(url: &str) -> Option<String> {
    let span = url_password_span(url)?;
    Some(
        percent_encoding::percent_decode_str(&url[span])
            .decode_utf8_lossy()
            .into_owned(),
    )
    .filter(|p| !p.is_empty())
}

/// A `key = value` line of an INI file, commented out (`#key = value`,
/// `; key = value`) or not.
struct KeyLine<'t> {
    key: &'t str,
    /// Byte offset of the value in the line.
    value_at: usize,
    value: &'t str,
}

fn key_line(line: &str) -> Option<KeyLine<'_>> {
    let body = line
        .trim_start()
        .trim_start_matches(['#', ';'])
        .trim_start();
    let (key, _) = body.split_once(['=', ':'])?;
    let key = key.trim();
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    let sep = line.len() - body.len() + body.find(['=', ':'])?;
    let after = &line[sep + 1..];
    let value = after.trim();
    let value_at = sep + 1 + (after.len() - after.trim_start().len());
    Some(KeyLine {
        key,
        value_at,
        value,
    })
}

/// A value worth hiding: not empty and not a sample file's placeholder.
fn is_real_value(value: &str) -> bool {
    !value.is_empty() && value != "<None>"
}

/// `line` with the value of a secret key masked (commented lines too).
pub fn mask_ini_line(line: &str) -> Cow<'_, str> {
    let Some(kl) = key_line(line).filter(|kl| is_secret_key(kl.key) && is_real_value(kl.value))
    else {
        return Cow::Borrowed(line);
    };
    let end = kl.value_at + kl.value.len();
    let masked = if kl.value.contains("://") {
        mask_url_password(kl.value)
    } else {
        Cow::Borrowed(MASK)
    };
    Cow::Owned(format!("{}{masked}{}", &line[..kl.value_at], &line[end..]))
}

/// An INI text with every secret key's value masked, line by line.
pub fn mask_ini_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, eol) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        out.push_str(&mask_ini_line(body));
        out.push_str(eol);
    }
    out
}

/// The secrets an INI text holds under secret keys (commented lines too:
/// an old password is still a password), as oslo.config would read them
/// (`$$` is `$`) and, for URLs, the percent-decoded password. For a
/// redactor, so that the same values are masked wherever else they show.
pub fn ini_secret_values(text: &str) -> Vec<Secret> {
    let mut found = Vec::new();
    for line in text.lines() {
        let Some(kl) =
            key_line(line).filter(|kl| holds_credential(kl.key) && is_real_value(kl.value))
        else {
            continue;
        };
        let value = crate::ini::oslo_unescape(kl.value).unwrap_or_else(|| kl.value.to_string());
        if value.contains("://") {
            found.extend(url_password(&value).map(Secret::new));
        } else {
            found.push(Secret::new(value));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_password_is_masked_up_to_the_last_at() {
        assert_eq!(
            mask_url_password("mysql+pymysql://glance:p%40ss@controller/glance"),
            "mysql+pymysql://glance:********@controller/glance"
        );
        assert_eq!(
            mask_url_password("rabbit://openstack:p@ss@controller:5672/"),
            "rabbit://openstack:********@controller:5672/"
        );
        assert_eq!(mask_url_password("http://proxy:3128"), "http://proxy:3128");
        assert_eq!(
            mask_url_password("http://gw@proxy:3128"),
            "http://gw@proxy:3128"
        );
        assert_eq!(
            url_password("http://gw:p%40ss%24@proxy:3128").as_deref(),
            Some("p@ss$")
        );
        assert_eq!(url_password("http://gw@proxy:3128"), None);
    }

    #[test]
    fn secret_keys_by_name() {
        for key in [
            "password",
            "admin_password",
            "memcache_secret_key",
            "connection",
            "slave_connection",
            "transport_url",
            "Password",
            "admin_token",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in ["username", "auth_url", "memcached_servers", "flavor"] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn ini_lines_masked_commented_or_not() {
        let text = "[keystone_authtoken]\npassword = old$$pw\n#admin_password = hunter22\n# memcache_secret_key = k3y!\nusername = glance\n[database]\n#connection = <None>\nconnection = mysql+pymysql://glance:db%40pw@controller/glance\n";
        let masked = mask_ini_text(text);
        assert_eq!(
            masked,
            "[keystone_authtoken]\npassword = ********\n#admin_password = ********\n# memcache_secret_key = ********\nusername = glance\n[database]\n#connection = <None>\nconnection = mysql+pymysql://glance:********@controller/glance\n"
        );
        let values: Vec<String> = ini_secret_values(text)
            .iter()
            .map(|s| s.expose().to_string())
            .collect();
        assert_eq!(values, ["old$pw", "hunter22", "k3y!", "db@pw"]);
    }
}
