//! [`ClientOptions`]: everything about how requests travel, shared by every provider's builder.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use eip_core::{validate, Error, Result, Timeouts};
use reqwest::header::HeaderValue;
use url::Url;

/// The product token every request's `User-Agent` starts with.
pub const USER_AGENT: &str = concat!("multicloud-eip/", env!("CARGO_PKG_VERSION"));

/// The default cap on the size of one answer's body: 4 MiB. The largest page either cloud
/// documents (100 addresses) is well under 1 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Where the proxy comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ProxyChoice {
    /// `HTTPS_PROXY` / `https_proxy`, minus the hosts in `NO_PROXY` / `no_proxy`.
    FromEnvironment,
    /// This proxy, for every https request.
    Explicit(String),
    /// No proxy at all, whatever the environment says.
    Disabled,
}

/// How requests travel: timeouts, user agent, proxy, TLS roots, the response size cap, and
/// whether plain http is allowed beyond loopback.
///
/// Every provider builder holds one and hands it to [`crate::HttpClient::new`]; the defaults are
/// safe: redirects are never followed, a proxy is only ever used for `https` (so a plain-http
/// loopback endpoint such as an emulator never goes through one), a proxy URL carrying a user
/// name or password is refused, and answers are capped at [`DEFAULT_MAX_RESPONSE_BYTES`].
///
/// ```
/// use std::time::Duration;
/// use eip_http::ClientOptions;
///
/// let options = ClientOptions::new()
///     .with_connect_timeout(Duration::from_secs(2))
///     .with_user_agent_suffix("eipctl/0.1.0")
///     .with_proxy("http://proxy.internal:3128");
/// assert!(options.user_agent().starts_with("multicloud-eip/"));
/// assert!(options.user_agent().ends_with(" eipctl/0.1.0"));
/// ```
#[derive(Clone)]
pub struct ClientOptions {
    timeouts: Timeouts,
    user_agent_suffix: Option<String>,
    proxy: ProxyChoice,
    allow_http: bool,
    root_certificate_files: Vec<PathBuf>,
    root_certificates_pem: Vec<Vec<u8>>,
    max_response_bytes: usize,
    http_client: Option<reqwest::Client>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The proxy URL is shown without its path or query; it carries no credentials (refused).
        f.debug_struct("ClientOptions")
            .field("timeouts", &self.timeouts)
            .field("user_agent", &self.user_agent())
            .field("proxy", &self.proxy)
            .field("allow_http", &self.allow_http)
            .field("root_certificate_files", &self.root_certificate_files)
            .field("root_certificates_pem", &self.root_certificates_pem.len())
            .field("max_response_bytes", &self.max_response_bytes)
            .field("http_client_injected", &self.http_client.is_some())
            .finish()
    }
}

impl ClientOptions {
    /// The defaults: [`Timeouts::default`], the proxy from `HTTPS_PROXY` (https only), bundled
    /// TLS roots, a 4 MiB answer cap, plain http only to loopback hosts.
    pub fn new() -> Self {
        Self {
            timeouts: Timeouts::default(),
            user_agent_suffix: None,
            proxy: ProxyChoice::FromEnvironment,
            allow_http: false,
            root_certificate_files: Vec::new(),
            root_certificates_pem: Vec::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            http_client: None,
        }
    }

    /// Sets the three timeouts (connect, one attempt, the whole operation).
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Sets the time to establish a connection.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = timeout;
        self
    }

    /// Sets the time one attempt (request and whole answer) may take.
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.attempt = timeout;
        self
    }

    /// Sets the time a whole operation (all attempts and backoffs) may take.
    pub fn with_operation_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.operation = timeout;
        self
    }

    /// Appends a product token (`eipctl/1.2.0`) to the `User-Agent`, so a tool built on the
    /// library is told apart in the cloud's logs. Checked in [`crate::HttpClient::new`].
    pub fn with_user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends every `https` request through this proxy (`http://host:port`), whatever the
    /// environment says. Plain-http requests never use a proxy. A proxy URL with a user name
    /// or password is refused in [`crate::HttpClient::new`]: credentials in a URL end up in
    /// logs and process listings.
    pub fn with_proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxyChoice::Explicit(url.into());
        self
    }

    /// Uses no proxy at all, ignoring `HTTPS_PROXY`.
    pub fn with_no_proxy(mut self) -> Self {
        self.proxy = ProxyChoice::Disabled;
        self
    }

    /// Allows plain `http` to hosts that are not loopback (`localhost`, `127.0.0.0/8`, `::1`,
    /// which are always allowed). Signatures, tokens and passwords then cross the network in
    /// clear; meant for test rigs only.
    pub fn with_allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Trusts the certificates of this PEM file (one or many) in addition to the bundled
    /// roots, e.g. a company's TLS-inspecting proxy. The system's roots can be added the same
    /// way: most systems keep them as one PEM bundle (`/etc/ssl/certs/ca-certificates.crt`).
    ///
    /// PEM files rather than `rustls-native-certs`: no extra dependency or reqwest feature
    /// (which every crate of a build would then share), the same behaviour on every platform,
    /// and the trust added is exactly the file the operator names. The file is read in
    /// [`crate::HttpClient::new`]; a missing or non-PEM file is [`Error::InvalidInput`].
    pub fn with_root_certificate_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.root_certificate_files.push(path.into());
        self
    }

    /// Trusts the certificates of this PEM text in addition to the bundled roots.
    pub fn with_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    /// Caps the size of one answer's body (at least 1 KiB). A bigger answer is an
    /// [`Error::InvalidResponse`], read no further than the cap.
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes.max(1024);
        self
    }

    /// Uses this `reqwest::Client` instead of building one (to share a connection pool, or for
    /// a transport this crate does not configure).
    ///
    /// Such a client **must** be built with `redirect(reqwest::redirect::Policy::none())` (a
    /// followed redirect re-sends the body and the auth headers to another host) and
    /// `no_proxy()` or an https-only proxy, and should set `connect_timeout`. What can be
    /// enforced per request still is: the `User-Agent`, the attempt timeout, the answer cap,
    /// sensitive headers, and any 3xx answer or redirected answer becomes
    /// [`Error::InvalidResponse`], never re-sent. The proxy and root certificate options
    /// cannot be applied to a client built elsewhere, so setting them as well is refused.
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// Whether plain http is allowed beyond loopback.
    pub fn allow_http(&self) -> bool {
        self.allow_http
    }

    /// The cap on one answer's body.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// The `User-Agent` sent: [`USER_AGENT`], then the suffix when one is set.
    pub fn user_agent(&self) -> String {
        match &self.user_agent_suffix {
            Some(suffix) => format!("{USER_AGENT} {suffix}"),
            None => USER_AGENT.to_owned(),
        }
    }

    /// Checks an endpoint given for `field`: http or https, a host, no user name or password,
    /// and plain http only to loopback unless [`ClientOptions::with_allow_http`].
    ///
    /// ```
    /// use eip_http::ClientOptions;
    /// let options = ClientOptions::new();
    /// let ok = url::Url::parse("http://127.0.0.1:8080/").unwrap();
    /// let clear = url::Url::parse("http://vpc.example.com/").unwrap();
    /// assert!(options.check_endpoint("endpoint", &ok).is_ok());
    /// assert!(options.check_endpoint("endpoint", &clear).is_err());
    /// ```
    pub fn check_endpoint(&self, field: &str, url: &Url) -> Result<()> {
        let host = url
            .host_str()
            .ok_or_else(|| Error::invalid_input(field, "the URL has no host"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid_input(
                field,
                "the URL must not carry a user name or password",
            ));
        }
        validate::endpoint_scheme(field, url.scheme(), host, self.allow_http)
    }

    pub(crate) fn user_agent_header(&self) -> Result<HeaderValue> {
        HeaderValue::from_str(&self.user_agent()).map_err(|_| {
            Error::invalid_input(
                "user_agent",
                "the suffix must be printable ASCII without line breaks",
            )
        })
    }

    /// The client to send with: the injected one, or one built from these options.
    pub(crate) fn reqwest_client(&self) -> Result<reqwest::Client> {
        if let Some(client) = &self.http_client {
            if self.proxy != ProxyChoice::FromEnvironment
                || !self.root_certificate_files.is_empty()
                || !self.root_certificates_pem.is_empty()
            {
                return Err(Error::invalid_input(
                    "http_client",
                    "a proxy or root certificates cannot be applied to an injected client; set them on that client",
                ));
            }
            return Ok(client.clone());
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(self.timeouts.connect)
            // A redirect would re-send the body (a password) and the auth headers elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            // reqwest's own environment proxy also covers plain http (`HTTP_PROXY`,
            // `ALL_PROXY`); it is switched off and the https-only proxy added below instead.
            .no_proxy();
        if let Some(proxy) = self.proxy()? {
            builder = builder.proxy(proxy);
        }
        for certificate in self.root_certificates()? {
            builder = builder.add_root_certificate(certificate);
        }
        builder.build().map_err(|e| Error::InvalidInput {
            field: "http_client".to_owned(),
            reason: format!("cannot build the HTTP client: {e}"),
        })
    }

    fn proxy(&self) -> Result<Option<reqwest::Proxy>> {
        let (field, url, no_proxy) = match &self.proxy {
            ProxyChoice::Disabled => return Ok(None),
            ProxyChoice::Explicit(url) => ("proxy", url.clone(), None),
            ProxyChoice::FromEnvironment => match https_proxy_from_env() {
                Some((name, url)) => (name, url, reqwest::NoProxy::from_env()),
                None => return Ok(None),
            },
        };
        let parsed =
            Url::parse(&url).map_err(|e| Error::invalid_input(field, format!("not a URL: {e}")))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::invalid_input(
                field,
                "a proxy URL must not carry a user name or password",
            ));
        }
        if parsed.host_str().is_none() {
            return Err(Error::invalid_input(field, "the proxy URL has no host"));
        }
        let proxy = reqwest::Proxy::https(parsed.as_str())
            .map_err(|e| Error::invalid_input(field, format!("not a usable proxy: {e}")))?;
        Ok(Some(proxy.no_proxy(no_proxy)))
    }

    fn root_certificates(&self) -> Result<Vec<reqwest::Certificate>> {
        let mut certificates = Vec::new();
        for path in &self.root_certificate_files {
            let pem = std::fs::read(path).map_err(|e| {
                Error::invalid_input(
                    "root_certificates",
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            certificates.extend(parse_pem(&pem, &path.display().to_string())?);
        }
        for pem in &self.root_certificates_pem {
            certificates.extend(parse_pem(pem, "the PEM text")?);
        }
        Ok(certificates)
    }
}

fn parse_pem(pem: &[u8], what: &str) -> Result<Vec<reqwest::Certificate>> {
    let certificates = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
        Error::invalid_input("root_certificates", format!("{what} is not PEM: {e}"))
    })?;
    if certificates.is_empty() {
        return Err(Error::invalid_input(
            "root_certificates",
            format!("{what} holds no certificate"),
        ));
    }
    Ok(certificates)
}

/// `HTTPS_PROXY`, else `https_proxy`, when set and not empty, with the variable's name.
fn https_proxy_from_env() -> Option<(&'static str, String)> {
    ["HTTPS_PROXY", "https_proxy"].into_iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (name, v.trim().to_owned()))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn field_of(result: Result<reqwest::Client>) -> String {
        match result {
            Err(Error::InvalidInput { field, .. }) => field,
            Err(other) => panic!("expected invalid input, got {other}"),
            Ok(_) => panic!("expected invalid input, got a client"),
        }
    }

    #[test]
    fn a_proxy_with_credentials_is_refused() {
        let options = ClientOptions::new().with_proxy("http://user:pw@proxy.internal:3128");
        assert_eq!(field_of(options.reqwest_client()), "proxy");
        let options = ClientOptions::new().with_proxy("http://user@proxy.internal:3128");
        assert_eq!(field_of(options.reqwest_client()), "proxy");
        assert!(ClientOptions::new()
            .with_proxy("http://proxy.internal:3128")
            .reqwest_client()
            .is_ok());
    }

    #[test]
    fn an_injected_client_refuses_options_it_cannot_honour() {
        let options = ClientOptions::new()
            .with_http_client(reqwest::Client::new())
            .with_proxy("http://proxy.internal:3128");
        assert_eq!(field_of(options.reqwest_client()), "http_client");
        let options = ClientOptions::new()
            .with_http_client(reqwest::Client::new())
            .with_root_certificates_pem("x");
        assert_eq!(field_of(options.reqwest_client()), "http_client");
    }

    #[test]
    fn root_certificates_must_be_pem() {
        let options = ClientOptions::new().with_root_certificates_pem("not a certificate");
        assert_eq!(field_of(options.reqwest_client()), "root_certificates");
        let options =
            ClientOptions::new().with_root_certificate_file("/nonexistent/eip-http/ca.pem");
        assert_eq!(field_of(options.reqwest_client()), "root_certificates");
    }

    #[test]
    fn endpoints_follow_the_loopback_rule_and_carry_no_credentials() {
        let options = ClientOptions::new();
        let check =
            |o: &ClientOptions, u: &str| o.check_endpoint("endpoint", &Url::parse(u).unwrap());
        assert!(check(&options, "https://vpc.example.com/").is_ok());
        assert!(check(&options, "http://localhost:1/").is_ok());
        assert!(check(&options, "http://[::1]:1/").is_ok());
        assert!(check(&options, "http://10.0.0.1/").is_err());
        assert!(check(&options.clone().with_allow_http(true), "http://10.0.0.1/").is_ok());
        assert!(check(&options, "https://u:p@vpc.example.com/").is_err());
        assert!(check(&options, "ftp://vpc.example.com/").is_err());
    }

    #[test]
    fn a_user_agent_suffix_must_be_a_header_value() {
        assert!(ClientOptions::new()
            .with_user_agent_suffix("tool/1\r\nX-Evil: 1")
            .user_agent_header()
            .is_err());
        assert_eq!(
            ClientOptions::new()
                .with_user_agent_suffix("tool/1")
                .user_agent_header()
                .unwrap(),
            format!("{USER_AGENT} tool/1").as_str()
        );
        assert_eq!(
            ClientOptions::new()
                .with_max_response_bytes(1)
                .max_response_bytes(),
            1024
        );
    }
}
