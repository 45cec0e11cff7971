//! The proxy settings of an install: which URLs go through which proxy, and what a child's
//! environment says of it (the password put in only where it is used, never shown).

use crate::util::secret::Secret;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ProxySettings {
    /// The proxy URLs as the answers give them: perhaps a user name, never
    /// a password, so they may be shown as they are.
    pub http_proxy: String,
    pub https_proxy: String,
    /// The proxy user's password (`proxy_password` in the secrets file).
    pub password: Option<Secret>,
    /// User's entries plus the controller's names and addresses.
    pub no_proxy: Vec<String>,
    /// Write the proxy into the package manager's configuration too.
    pub persist: bool,
}

impl ProxySettings {
    pub fn is_set(&self) -> bool {
        !self.http_proxy.is_empty() || !self.https_proxy.is_empty()
    }

    /// The first proxy URL set (http before https), as shown.
    pub fn shown(&self) -> Option<&str> {
        [&self.http_proxy, &self.https_proxy]
            .into_iter()
            .find(|u| !u.is_empty())
            .map(String::as_str)
    }

    /// `url` (one of the proxy URLs) with the password put in, for a
    /// child's environment or an HTTP agent: never for showing.
    pub fn with_credentials(&self, url: &str) -> Secret {
        match (&self.password, url::Url::parse(url)) {
            (Some(password), Ok(mut parsed)) if !parsed.username().is_empty() => {
                // Encoded here: the url crate leaves `%` as it is.
                let encoded = crate::util::escape::percent_encode_userinfo(password.expose());
                match parsed.set_password(Some(&encoded)) {
                    Ok(()) => Secret::new(parsed.as_str().trim_end_matches('/')),
                    // A URL that names a user has a host, so it takes a
                    // password; one that did not would go as given.
                    Err(()) => Secret::new(url),
                }
            }
            _ => Secret::new(url),
        }
    }

    /// Environment for a child that should go through the proxy (package
    /// manager, downloads): lower and upper case, since libcurl honours only
    /// lower-case `http_proxy` and other tools only upper case.
    pub fn child_env(&self) -> Vec<(String, String)> {
        let mut env = Vec::new();
        for (name, value) in [
            ("http_proxy", self.http_proxy.as_str()),
            ("https_proxy", self.https_proxy.as_str()),
        ] {
            if !value.is_empty() {
                let value = self.with_credentials(value).expose().to_string();
                env.push((name.to_string(), value.clone()));
                env.push((name.to_uppercase(), value));
            }
        }
        if !self.no_proxy.is_empty() {
            let no_proxy = self.no_proxy.join(",");
            env.push(("no_proxy".into(), no_proxy.clone()));
            env.push(("NO_PROXY".into(), no_proxy));
        }
        env
    }

    /// The proxy for a URL (credentials included), unless its host is in
    /// no_proxy (matched the way curl does: `*`, the host itself, or a
    /// domain suffix with or without a leading dot; an entry with a port
    /// matches that port only).
    pub fn proxy_for(&self, url: &str) -> Option<Secret> {
        let parsed = url::Url::parse(url).ok()?;
        let proxy = match parsed.scheme() {
            "https" => &self.https_proxy,
            _ => &self.http_proxy,
        };
        if proxy.is_empty() || self.bypasses(&parsed) {
            return None;
        }
        Some(self.with_credentials(proxy))
    }

    /// `url`'s host (and port, where the entry names one) is in no_proxy.
    fn bypasses(&self, url: &url::Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let port = url.port_or_known_default();
        self.no_proxy.iter().any(|entry| {
            let entry = entry.to_ascii_lowercase();
            if entry == "*" {
                return true;
            }
            let (name, entry_port) = match entry.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') && p.chars().all(|c| c.is_ascii_digit()) => {
                    (h.to_string(), p.parse::<u16>().ok())
                }
                _ => (entry.clone(), None),
            };
            if entry_port.is_some() && entry_port != port {
                return false;
            }
            let name = name.trim_start_matches('[').trim_end_matches(']');
            let suffix = name.trim_start_matches('.');
            host == suffix || host.ends_with(&format!(".{suffix}"))
        })
    }
}
