//! `--device-code`: a user signs in with a device code (docs/api.md §3.9). The prompt goes to stderr,
//! so standard output stays the records; the sign-in happens at the first request and Ctrl+C stops it.

use mdca::device_code::DeviceCode;
use mdca::error::{Error, Result};

use crate::args::ConnectionArgs;

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The device code options from `--tenant-id`, `--client-id` and `--authority-host`.
pub fn options(conn: &ConnectionArgs) -> Result<DeviceCode> {
    if conn.managed_identity.is_some() || given(&conn.client_secret).is_some() {
        return Err(Error::invalid_config(
            "--device-code was given with --managed-identity or a client secret (--client-secret, MDCA_CLIENT_SECRET)",
        )
        .with_hint("choose one way to sign in: a device code signs in as yourself and needs no secret"));
    }
    let (Some(tenant), Some(client)) = (given(&conn.tenant_id), given(&conn.client_id)) else {
        return Err(Error::invalid_config(
            "--device-code needs --tenant-id (MDCA_TENANT_ID) and --client-id (MDCA_CLIENT_ID)",
        )
        .with_hint("register an app in Entra ID with Authentication > Allow public client flows = Yes and Microsoft Cloud App Security delegated permissions, then give its Directory (tenant) ID and Application (client) ID"));
    };
    let mut options =
        DeviceCode::new(tenant, client).on_prompt(|p| eprintln!("mdca: {}", p.message));
    if let Some(host) = given(&conn.authority_host) {
        options = options.authority_host(host);
    }
    Ok(options)
}
