//! The HTTP agent for fetches that go through the answers' proxy (the test
//! image download, the proxy screen's test, the prechecks): one place that
//! decides the route and never shows the proxy's password.

use std::time::Duration;

use crate::answers::ProxySettings;

/// An agent for `url`: through the answers' proxy unless no_proxy covers
/// the host, never through a proxy from the environment. Also the route in
/// words (`directly`, `through http://proxy:3128`), fit to show.
pub fn agent_for(
    proxy: &ProxySettings,
    url: &str,
    timeout: Duration,
) -> Result<(ureq::Agent, String), String> {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout));
    let (config, route) = match proxy.proxy_for(url) {
        None => (config.proxy(None), "directly".to_string()),
        Some(via) => {
            let shown = crate::mask::mask_url_password(via.expose()).into_owned();
            let parsed =
                ureq::Proxy::new(via.expose()).map_err(|e| format!("proxy {shown}: {e}"))?;
            (config.proxy(Some(parsed)), format!("through {shown}"))
        }
    };
    Ok((config.build().into(), route))
}
