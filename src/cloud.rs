//! Cloud presets: which Entra ID authority signs tokens for which MDCA API hosts (commercial, GCC,
//! GCC High, DoD), the check that a tenant URL belongs to the chosen cloud, and the token audience.
//! docs/api.md §3.7 says where the pairings come from.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use crate::error::{Error, Result};

/// The "Microsoft Cloud App Security" resource (audience) app id (api.md §3.2).
pub const MDCA_RESOURCE_APP_ID: &str = "05a65629-4c1b-48c1-a78b-804c4abdd4af";

/// A Microsoft cloud the tenant lives in. The default is [`Cloud::Commercial`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Cloud {
    /// Worldwide: authority `login.microsoftonline.com`, hosts `*.portal.cloudappsecurity.com`.
    #[default]
    Commercial,
    /// US Government Community Cloud: the commercial authority, hosts `*.portal.cloudappsecuritygov.com`.
    Gcc,
    /// GCC High: authority `login.microsoftonline.us`, hosts `*.portal.cloudappsecurity.us`.
    GccHigh,
    /// US Department of Defense: as GCC High (the host suffix is not confirmed by Microsoft's docs).
    Dod,
}

impl Cloud {
    pub const ALL: [Cloud; 4] = [Cloud::Commercial, Cloud::Gcc, Cloud::GccHigh, Cloud::Dod];

    /// `commercial`, `gcc`, `gcc-high` or `dod`, as in the options and `--cloud`.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Commercial => "commercial",
            Cloud::Gcc => "gcc",
            Cloud::GccHigh => "gcc-high",
            Cloud::Dod => "dod",
        }
    }

    /// The Entra ID authority that issues tokens in this cloud.
    pub fn authority_host(self) -> &'static str {
        match self {
            Cloud::Commercial | Cloud::Gcc => "https://login.microsoftonline.com",
            Cloud::GccHigh | Cloud::Dod => "https://login.microsoftonline.us",
        }
    }

    /// The suffix every MDCA API host of this cloud ends with.
    pub fn api_host_suffix(self) -> &'static str {
        match self {
            Cloud::Commercial => ".portal.cloudappsecurity.com",
            Cloud::Gcc => ".portal.cloudappsecuritygov.com",
            Cloud::GccHigh | Cloud::Dod => ".portal.cloudappsecurity.us",
        }
    }

    /// Whether `host` is one of this cloud's API hosts (`contoso.us3.portal.cloudappsecurity.com`, or the
    /// generic `portal.cloudappsecurity.com`).
    pub fn owns_host(self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let suffix = self.api_host_suffix();
        host.ends_with(suffix) || host == suffix[1..]
    }

    /// The cloud a known API host belongs to. GCC High and DoD share their hosts; GCC High is named
    /// (both use the same authority).
    pub fn of_host(host: &str) -> Option<Cloud> {
        [Cloud::Commercial, Cloud::Gcc, Cloud::GccHigh]
            .into_iter()
            .find(|c| c.owns_host(host))
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Cloud {
    type Err = Error;

    /// Accepts the names case-insensitively, with `-`, `_` or nothing between `gcc` and `high`, and
    /// PowerShell's `GccHigh`/`DoD` spellings.
    fn from_str(s: &str) -> Result<Cloud> {
        let key: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        match key.as_str() {
            "commercial" | "public" | "global" | "worldwide" => Ok(Cloud::Commercial),
            "gcc" => Ok(Cloud::Gcc),
            "gcchigh" => Ok(Cloud::GccHigh),
            "dod" => Ok(Cloud::Dod),
            _ => Err(Error::invalid_config(format!(
                "unknown cloud {:?}",
                s.chars().take(40).collect::<String>()
            ))
            .with_hint("choose one of commercial, gcc, gcc-high, dod")),
        }
    }
}

impl<'de> Deserialize<'de> for Cloud {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Cloud, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse()
            .map_err(|_| serde::de::Error::custom("cloud must be commercial, gcc, gcc-high or dod"))
    }
}

/// Where tokens come from for one client: the authority and the audience, once the cloud is settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudSettings {
    /// The cloud given or inferred from the host (commercial when neither says).
    pub cloud: Cloud,
    /// Whether the cloud was inferred from the API host rather than given.
    pub inferred: bool,
    /// The authority: the explicit `authority_host`, else the cloud's.
    pub authority_host: String,
    /// The resource (audience) tokens are requested for: the app id, or the scope override without
    /// `/.default`.
    pub resource: String,
}

impl CloudSettings {
    /// The v2 client-credentials scope: `<resource>/.default`.
    pub fn default_scope(&self) -> String {
        format!("{}/.default", self.resource)
    }
}

/// The resource a scope override names: `api://x/.default` and `api://x` both give `api://x`.
pub fn resource_of_scope(scope: &str) -> &str {
    let s = scope.trim();
    s.strip_suffix("/.default").unwrap_or(s)
}

/// Settles the cloud of a tenant whose API host is `host`, and checks that they belong together.
///
/// - An explicit `cloud` must own the host, unless `allow_any_host`, an explicit `authority_host`, or a
///   loopback host (the simulator) lets it through.
/// - Without `cloud`, a known host picks its cloud (a GCC host gets GCC's authority); an unknown host is
///   refused unless one of the same overrides lets it through (then commercial is assumed).
pub fn resolve(
    host: &str,
    loopback: bool,
    cloud: Option<Cloud>,
    authority_host: Option<&str>,
    allow_any_host: bool,
    scope: Option<&str>,
) -> Result<CloudSettings> {
    let overridden = loopback || allow_any_host || authority_host.is_some();
    let owner = Cloud::of_host(host);
    let (settled, inferred) = match (cloud, owner) {
        (Some(c), _) if c.owns_host(host) || overridden => (c, false),
        (Some(c), Some(other)) => {
            return Err(Error::invalid_config(format!(
                "the API host {host} belongs to the {} cloud (hosts ending in {}), not to the {c} cloud that was chosen (hosts ending in {})",
                cloud_label(other),
                other.api_host_suffix(),
                c.api_host_suffix()
            ))
            .with_hint(format!(
                "choose cloud {} (--cloud {}), or check the URL on the portal's About page",
                other.name(),
                other.name()
            )));
        }
        (Some(c), None) => {
            return Err(Error::invalid_config(format!(
                "the API host {host} is not a {c} cloud host (those end in {})",
                c.api_host_suffix()
            ))
            .with_hint(
                "check the URL on the portal's About page; for a host mdca does not know (a proxy, a new region), set allow_any_host (--allow-any-host) or give authority_host explicitly",
            ));
        }
        (None, Some(owner)) => (owner, true),
        (None, None) if overridden => (Cloud::Commercial, false),
        (None, None) => {
            return Err(Error::invalid_config(format!(
                "the API host {host} is not a known Defender for Cloud Apps host (hosts end in .portal.cloudappsecurity.com, .portal.cloudappsecuritygov.com for GCC, or .portal.cloudappsecurity.us for GCC High and DoD)"
            ))
            .with_hint(
                "check the URL on the portal's About page; for a host mdca does not know (a proxy, a new region), choose the cloud (--cloud) and set allow_any_host (--allow-any-host), or give authority_host explicitly",
            ));
        }
    };
    let resource = match scope.map(resource_of_scope).filter(|s| !s.is_empty()) {
        Some(r) => r.to_string(),
        None => MDCA_RESOURCE_APP_ID.to_string(),
    };
    Ok(CloudSettings {
        cloud: settled,
        inferred,
        authority_host: authority_host
            .map(str::to_string)
            .unwrap_or_else(|| settled.authority_host().to_string()),
        resource,
    })
}

fn cloud_label(c: Cloud) -> &'static str {
    match c {
        Cloud::GccHigh | Cloud::Dod => "gcc-high (or dod)",
        other => other.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn settle(host: &str, cloud: Option<Cloud>) -> Result<CloudSettings> {
        resolve(host, false, cloud, None, false, None)
    }

    #[test]
    fn each_cloud_pairs_its_hosts_with_its_authority() {
        for (cloud, host, authority) in [
            (
                Cloud::Commercial,
                "contoso.us3.portal.cloudappsecurity.com",
                "https://login.microsoftonline.com",
            ),
            (
                Cloud::Gcc,
                "contoso.us1.portal.cloudappsecuritygov.com",
                "https://login.microsoftonline.com",
            ),
            (
                Cloud::GccHigh,
                "contoso.us1.portal.cloudappsecurity.us",
                "https://login.microsoftonline.us",
            ),
            (
                Cloud::Dod,
                "contoso.portal.cloudappsecurity.us",
                "https://login.microsoftonline.us",
            ),
        ] {
            let s = settle(host, Some(cloud)).unwrap();
            assert_eq!((s.cloud, s.authority_host.as_str()), (cloud, authority));
            assert!(!s.inferred);
            for other in Cloud::ALL {
                let same_hosts = other.api_host_suffix() == cloud.api_host_suffix();
                assert_eq!(
                    settle(host, Some(other)).is_ok(),
                    same_hosts,
                    "{host} with {other}"
                );
            }
        }
    }

    #[test]
    fn a_known_host_picks_its_cloud_when_none_is_given() {
        let gcc = settle("contoso.us1.portal.cloudappsecuritygov.com", None).unwrap();
        assert_eq!(gcc.cloud, Cloud::Gcc);
        assert!(gcc.inferred);
        let high = settle("contoso.us1.portal.cloudappsecurity.us", None).unwrap();
        assert_eq!(high.authority_host, "https://login.microsoftonline.us");
        let generic = settle("portal.cloudappsecurity.com", None).unwrap();
        assert_eq!(generic.cloud, Cloud::Commercial);
        assert_eq!(generic.resource, MDCA_RESOURCE_APP_ID);
    }

    #[test]
    fn a_host_of_another_cloud_is_refused_naming_both_and_the_fix() {
        let e = settle(
            "contoso.us1.portal.cloudappsecuritygov.com",
            Some(Cloud::Commercial),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(e.message().contains("belongs to the gcc cloud"), "{e}");
        assert!(e.message().contains("not to the commercial cloud"), "{e}");
        assert!(e.hint().unwrap().contains("--cloud gcc"), "{e:?}");
    }

    #[test]
    fn unknown_hosts_need_an_explicit_override() {
        let e = settle("mdca.proxy.contoso.net", None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(e.hint().unwrap().contains("allow_any_host"));
        let e = settle("mdca.proxy.contoso.net", Some(Cloud::GccHigh)).unwrap_err();
        assert!(e.message().contains("not a gcc-high cloud host"), "{e}");
        let any = resolve(
            "mdca.proxy.contoso.net",
            false,
            Some(Cloud::GccHigh),
            None,
            true,
            None,
        )
        .unwrap();
        assert_eq!(any.authority_host, "https://login.microsoftonline.us");
        let explicit = resolve(
            "mdca.proxy.contoso.net",
            false,
            None,
            Some("https://login.example.net"),
            false,
            None,
        )
        .unwrap();
        assert_eq!(explicit.authority_host, "https://login.example.net");
        assert!(resolve("127.0.0.1", true, Some(Cloud::Dod), None, false, None).is_ok());
    }

    #[test]
    fn the_scope_override_names_the_audience() {
        for scope in ["api://mdca-proxy/.default", "api://mdca-proxy"] {
            let s = resolve(
                "x.portal.cloudappsecurity.com",
                false,
                None,
                None,
                false,
                Some(scope),
            )
            .unwrap();
            assert_eq!(s.resource, "api://mdca-proxy");
            assert_eq!(s.default_scope(), "api://mdca-proxy/.default");
        }
    }

    #[test]
    fn cloud_names_parse_in_every_spelling() {
        for (text, want) in [
            ("commercial", Cloud::Commercial),
            ("GCC", Cloud::Gcc),
            ("gcc-high", Cloud::GccHigh),
            ("GccHigh", Cloud::GccHigh),
            ("gcc_high", Cloud::GccHigh),
            ("DoD", Cloud::Dod),
        ] {
            assert_eq!(text.parse::<Cloud>().unwrap(), want, "{text}");
        }
        assert!("mooncake".parse::<Cloud>().is_err());
    }
}
