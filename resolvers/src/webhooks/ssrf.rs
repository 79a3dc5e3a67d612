//! The SSRF guard for every URL a user gives Switchboard to call (webhook endpoints,
//! interactive callbacks): checked when registered and again at every delivery.
//!
//! Names are resolved once, every resolved address is checked, and the connection is
//! made only to a checked address (the guard is the HTTP client's resolver, so DNS
//! rebinding between check and connect is impossible). IP literals are checked before
//! any connection. Redirects are never followed. Anything not globally routable is
//! refused unless configuration allows it explicitly (tests allow loopback for their
//! receiver).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use futures::future::BoxFuture;

/// Whether an address is off-limits: anything that is not globally routable.
pub fn is_blocked(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return blocked_v4(v4);
            }
            let seg0 = v6.segments()[0];
            v6.is_unspecified()
                || v6.is_loopback()
                || (seg0 & 0xfe00) == 0xfc00 // fc00::/7 unique local
                || (seg0 & 0xffc0) == 0xfe80 // fe80::/10 link local
                || (seg0 & 0xff00) == 0xff00 // ff00::/8 multicast
                || v6.segments()[..6] == [0, 0, 0, 0, 0, 0] // ::/96 (IPv4-compatible)
                || seg0 == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || seg0 == 0x0064 && v6.segments()[1] == 0xff9b // NAT64
        }
    }
}

fn blocked_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0 // 0.0.0.0/8
        || a == 10 // 10/8
        || (a == 100 && (64..128).contains(&b)) // 100.64/10
        || a == 127 // 127/8
        || (a == 169 && b == 254) // 169.254/16
        || (a == 172 && (16..32).contains(&b)) // 172.16/12
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24
        || (a == 192 && b == 0 && c == 2) // TEST-NET-1
        || (a == 192 && b == 168) // 192.168/16
        || (a == 198 && (18..20).contains(&b)) // 198.18/15
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224 // 224/4 multicast, 240/4 reserved, broadcast
}

/// Looks up a host name. Injected so tests can map names to any address without DNS.
pub trait HostLookup: Send + Sync + 'static {
    /// The addresses of `host`.
    fn lookup(&self, host: &str) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>>;
}

/// A [`HostLookup`] to share, as configuration carries it (tests inject a stub resolver
/// into the server's guard this way).
#[derive(Clone)]
pub struct SharedLookup(pub Arc<dyn HostLookup>);

impl std::fmt::Debug for SharedLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedLookup(..)")
    }
}

/// The system resolver.
pub struct SystemLookup;

impl HostLookup for SystemLookup {
    fn lookup(&self, host: &str) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>> {
        let host = host.to_owned();
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .map(|a| a.ip())
                .collect())
        })
    }
}

/// The guard's settings.
#[derive(Clone)]
pub struct Guard {
    /// Addresses allowed even though blocked (empty by default; tests add loopback).
    pub allow: Arc<Vec<IpAddr>>,
    /// Allow every loopback address (tests only).
    pub allow_loopback: bool,
    /// Name resolution.
    pub lookup: Arc<dyn HostLookup>,
}

impl Default for Guard {
    fn default() -> Self {
        Guard {
            allow: Arc::new(Vec::new()),
            allow_loopback: false,
            lookup: Arc::new(SystemLookup),
        }
    }
}

/// Why a URL was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not an absolute http(s) URL.
    #[error("not an absolute http(s) URL")]
    BadUrl,
    /// Credentials in the URL (`http://user@host/`).
    #[error("URLs with credentials are not accepted")]
    Credentials,
    /// The host resolves to a private, loopback, link-local or otherwise internal address.
    #[error("the address {0} is not publicly routable")]
    Blocked(IpAddr),
    /// The name did not resolve.
    #[error("the host name does not resolve")]
    Unresolvable,
}

impl Guard {
    fn permitted(&self, ip: IpAddr) -> bool {
        !is_blocked(ip) || self.allow.contains(&ip) || (self.allow_loopback && ip.is_loopback())
    }

    /// Check an address.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Refused> {
        if self.permitted(ip) {
            Ok(())
        } else {
            Err(Refused::Blocked(ip))
        }
    }

    /// Check a URL's shape and host: IP literals now, names by resolving them. Returns
    /// the checked addresses.
    pub async fn check_url(&self, url: &str) -> Result<Vec<SocketAddr>, Refused> {
        let parsed = reqwest::Url::parse(url).map_err(|_| Refused::BadUrl)?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Refused::BadUrl);
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Refused::Credentials);
        }
        let port = parsed.port_or_known_default().ok_or(Refused::BadUrl)?;
        let ips = match parsed.host().ok_or(Refused::BadUrl)? {
            url::Host::Ipv4(v4) => vec![IpAddr::V4(v4)],
            url::Host::Ipv6(v6) => vec![IpAddr::V6(v6)],
            url::Host::Domain(name) => self.resolve(name).await?,
        };
        ips.iter().try_for_each(|ip| self.check_ip(*ip))?;
        Ok(ips
            .into_iter()
            .map(|ip| SocketAddr::new(ip, port))
            .collect())
    }

    /// Resolve a name and check every address (refusing all if any is blocked).
    pub async fn resolve(&self, name: &str) -> Result<Vec<IpAddr>, Refused> {
        let ips = self
            .lookup
            .lookup(name)
            .await
            .map_err(|_| Refused::Unresolvable)?;
        if ips.is_empty() {
            return Err(Refused::Unresolvable);
        }
        ips.iter().try_for_each(|ip| self.check_ip(*ip))?;
        Ok(ips)
    }
}

/// The guard as the HTTP client's resolver: the client connects only to checked addresses.
pub(crate) struct GuardedResolver(pub Guard);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.0.clone();
        Box::pin(async move {
            let ips = guard
                .resolve(name.as_str())
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            let addrs: reqwest::dns::Addrs =
                Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// An HTTP client that connects only where the guard allows and never follows redirects.
pub fn client(guard: Guard, timeout: std::time::Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver(guard)))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(std::time::Duration::from_secs(5))
        .user_agent("Switchboard-Webhooks/1")
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct StubLookup(HashMap<&'static str, Vec<IpAddr>>, Arc<AtomicUsize>);

    impl HostLookup for StubLookup {
        fn lookup(&self, host: &str) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>> {
            self.1.fetch_add(1, Ordering::SeqCst);
            let found = self.0.get(host).cloned();
            Box::pin(async move { found.ok_or_else(|| std::io::Error::other("nxdomain")) })
        }
    }

    fn guard(lookups: Arc<AtomicUsize>) -> Guard {
        let ip = |s: &str| {
            s.parse::<IpAddr>()
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
        };
        let names = HashMap::from([
            ("internal.test", vec![ip("10.1.2.3")]),
            ("mixed.test", vec![ip("93.184.216.34"), ip("192.168.1.1")]),
            ("metadata.test", vec![ip("169.254.169.254")]),
            ("v6local.test", vec![ip("fd00::1")]),
            ("public.test", vec![ip("93.184.216.34")]),
        ]);
        Guard {
            lookup: Arc::new(StubLookup(names, lookups)),
            ..Guard::default()
        }
    }

    #[tokio::test]
    async fn internal_targets_are_refused() {
        let g = guard(Arc::new(AtomicUsize::new(0)));
        let refused = [
            "http://127.0.0.1/",
            "http://localhost./",
            "http://0.0.0.0/",
            "http://10.0.0.1/",
            "http://10.255.255.255:8080/x",
            "http://100.64.0.1/",
            "http://127.1.2.3/",
            "http://169.254.169.254/latest/meta-data/",
            "http://172.16.0.1/",
            "http://172.31.255.255/",
            "http://192.0.0.1/",
            "http://192.168.0.1/",
            "http://198.18.0.1/",
            "http://224.0.0.1/",
            "http://240.0.0.1/",
            "http://255.255.255.255/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://0x7f.1/",
            "http://127.000.000.001/",
            "http://[::1]/",
            "http://[::]/",
            "http://[fc00::1]/",
            "http://[fd12:3456::1]/",
            "http://[fe80::1]/",
            "http://[ff02::1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://good@10.0.0.1/",
            "http://user:pass@public.test/",
            "http://internal.test/",
            "http://mixed.test/",
            "http://metadata.test/",
            "http://v6local.test/",
            "https://internal.test:8443/hook",
            "ftp://public.test/",
            "file:///etc/passwd",
            "gopher://127.0.0.1/",
            "http:///nohost",
            "not a url",
            "http://nxdomain.test/",
        ];
        assert!(refused.len() >= 40);
        for url in refused {
            assert!(g.check_url(url).await.is_err(), "{url} should be refused");
        }
        assert!(g.check_url("https://public.test/hook").await.is_ok());
        assert!(g.check_url("http://93.184.216.34/").await.is_ok());
    }

    #[tokio::test]
    async fn loopback_is_allowed_only_when_configured() {
        let mut g = guard(Arc::new(AtomicUsize::new(0)));
        assert!(g.check_url("http://127.0.0.1:9/").await.is_err());
        g.allow_loopback = true;
        assert!(g.check_url("http://127.0.0.1:9/").await.is_ok());
        assert!(g.check_url("http://10.0.0.1/").await.is_err());
    }
}
