//! Building the client from the connection flags, or from an in-process simulator with `--simulate`.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use mdca::assertion::{AssertionAlgorithm, CertificateCredentials};
use mdca::client::Client;
use mdca::cloud::Cloud;
use mdca::config::{
    AppCredentials, ClientBuilder, ManagedIdentity, RateLimit, RetryPolicy, TokenEndpoint,
};
use mdca::error::{Error, Result};
use mdca_sim::{SimConfig, Simulator, ThrottleConfig};

use crate::args::{
    CertificateAlgorithm, CloudArg, ConnectionArgs, SimArgs, TokenEndpoint as TokenEndpointArg,
};

/// The simulated tenant's throttle with `--simulate`: the real limit's count in a compressed window,
/// so a demo pull shows pacing without taking minutes.
const SIM_THROTTLE: ThrottleConfig = ThrottleConfig {
    requests: 30,
    window: Duration::from_secs(1),
    retry_after_header: true,
};

/// The client and, with `--simulate`, the simulator it talks to (kept alive as long as the client).
pub struct Connection {
    pub client: Client,
    pub simulator: Option<Simulator>,
}

pub async fn connect(conn: &ConnectionArgs, sim: &SimArgs) -> Result<Connection> {
    if sim.simulate {
        return simulate(conn, sim).await;
    }
    let url = given(&conn.url).ok_or_else(|| {
        Error::invalid_config("no tenant URL").with_hint(
            "pass --url or set MDCA_URL to the portal URL shown in Settings → About (or try --simulate)",
        )
    })?;
    let mut builder = Client::builder(url);
    if let Some(token) = given(&conn.token) {
        builder = builder.legacy_token(token);
    }
    if let Some(token) = given(&conn.access_token) {
        builder = builder.bearer_token(token);
    }
    if conn.managed_identity.is_some() && given(&conn.client_secret).is_some() {
        return Err(Error::invalid_config(
            "--managed-identity and a client secret (--client-secret, MDCA_CLIENT_SECRET) were both given",
        )
        .with_hint("choose one way to sign in: unset MDCA_CLIENT_SECRET, or drop --managed-identity"));
    }
    if conn.device_code && conn.certificate.is_some() {
        return Err(Error::invalid_config(
            "--device-code and --certificate were both given",
        )
        .with_hint("choose one way to sign in: --certificate signs in as the app, --device-code as yourself"));
    }
    if conn.device_code {
        builder = builder.device_code(crate::device_code::options(conn)?);
    } else if let Some(credentials) = certificate_credentials(conn)? {
        builder = builder.certificate_credentials(credentials);
    } else if let Some(client_id) = &conn.managed_identity {
        // --managed-identity alone: the system-assigned identity.
        builder = builder.managed_identity(match client_id.trim() {
            "" => ManagedIdentity::system_assigned(),
            id => ManagedIdentity::user_assigned(id),
        });
    } else if let Some(credentials) = app_credentials(conn)? {
        builder = builder.app_credentials(credentials);
    }
    if given(&conn.token).is_none()
        && given(&conn.access_token).is_none()
        && conn.managed_identity.is_none()
        && !conn.device_code
        && conn.certificate.is_none()
        && !has_any_app_credential(conn)
    {
        return Err(Error::invalid_config("no credentials").with_hint(
            "pass --token-file FILE (or MDCA_TOKEN, a legacy API token), or --tenant-id, --client-id and \
             --client-secret-file or --certificate FILE (an app registration), or --managed-identity (in Azure), or \
             --device-code with \
             --tenant-id and --client-id (sign in as yourself), or --access-token-file",
        ));
    }
    let client = tune(builder, conn, None)?.build()?;
    Ok(Connection {
        client,
        simulator: None,
    })
}

/// Replaces the secrets given as files (`--token-file`, `--client-secret-file`, `--access-token-file`;
/// `-` for stdin) by their contents, which win over the flag and the variable. Nothing is read with
/// `--simulate`, which uses the simulator's own credentials. Errors name the file, never its content.
pub fn read_secret_files(conn: &mut ConnectionArgs, sim: &SimArgs) -> Result<()> {
    if sim.simulate {
        return Ok(());
    }
    let stdin_users = [
        &conn.token_file,
        &conn.client_secret_file,
        &conn.access_token_file,
        &conn.certificate_password_file,
    ]
    .iter()
    .filter(|f| f.as_deref() == Some(Path::new("-")))
    .count();
    if stdin_users > 1 {
        return Err(Error::invalid_argument(
            "only one of --token-file, --client-secret-file, --access-token-file and --certificate-password-file can read stdin (-)",
        ));
    }
    for (file, slot, flag) in [
        (&conn.token_file, &mut conn.token, "--token-file"),
        (
            &conn.client_secret_file,
            &mut conn.client_secret,
            "--client-secret-file",
        ),
        (
            &conn.access_token_file,
            &mut conn.access_token,
            "--access-token-file",
        ),
        (
            &conn.certificate_password_file,
            &mut conn.certificate_password,
            "--certificate-password-file",
        ),
    ] {
        if let Some(path) = file {
            *slot = Some(read_secret(path, flag)?);
        }
    }
    Ok(())
}

/// The secret in `path` (or stdin for `-`), surrounding whitespace and the final newline removed.
fn read_secret(path: &Path, flag: &str) -> Result<String> {
    let mut text = String::new();
    let read = if path == Path::new("-") {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text).map(|_| ()))
    };
    let source = if path == Path::new("-") {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    };
    read.map_err(|e| Error::invalid_config(format!("{flag}: cannot read {source}: {e}")))?;
    let secret = text.trim();
    if secret.is_empty() {
        return Err(Error::invalid_config(format!("{flag}: {source} is empty")));
    }
    if secret.lines().count() > 1 {
        return Err(Error::invalid_config(format!(
            "{flag}: {source} holds several lines; it should hold the secret alone"
        )));
    }
    Ok(secret.to_owned())
}

/// A flag or variable counts only when it has a value: `MDCA_TOKEN=` (set but empty, common in CI
/// templates) is the same as unset.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn has_any_app_credential(conn: &ConnectionArgs) -> bool {
    given(&conn.tenant_id).is_some()
        || given(&conn.client_id).is_some()
        || given(&conn.client_secret).is_some()
}

/// App credentials need all three parts; naming the missing ones beats a 401 from the identity endpoint.
fn app_credentials(conn: &ConnectionArgs) -> Result<Option<AppCredentials>> {
    if !has_any_app_credential(conn) {
        return Ok(None);
    }
    let parts = [
        ("--tenant-id (MDCA_TENANT_ID)", given(&conn.tenant_id)),
        ("--client-id (MDCA_CLIENT_ID)", given(&conn.client_id)),
        (
            "--client-secret (MDCA_CLIENT_SECRET)",
            given(&conn.client_secret),
        ),
    ];
    let [(_, Some(tenant)), (_, Some(client)), (_, Some(secret))] = parts else {
        let missing: Vec<&str> = parts
            .iter()
            .filter_map(|(name, value)| value.is_none().then_some(*name))
            .collect();
        return Err(Error::invalid_config(format!(
            "incomplete app credentials: missing {}",
            missing.join(", ")
        )));
    };
    let mut credentials = AppCredentials::new(tenant, client, secret);
    if let Some(host) = given(&conn.authority_host) {
        credentials = credentials.authority_host(host);
    }
    if let Some(endpoint) = conn.token_endpoint {
        credentials = credentials.token_endpoint(match endpoint {
            TokenEndpointArg::V2 => TokenEndpoint::V2,
            TokenEndpointArg::V1 => TokenEndpoint::V1,
        });
    }
    Ok(Some(credentials))
}

/// `--certificate` with `--tenant-id` and `--client-id` (docs/cli.md "Connecting"): the app signs in
/// with the certificate instead of a secret.
fn certificate_credentials(conn: &ConnectionArgs) -> Result<Option<CertificateCredentials>> {
    let Some(path) = conn
        .certificate
        .as_ref()
        .filter(|p| !p.as_os_str().is_empty())
    else {
        return Ok(None);
    };
    let clash = if conn.managed_identity.is_some() {
        Some("--managed-identity")
    } else if given(&conn.client_secret).is_some() {
        Some("a client secret (--client-secret, MDCA_CLIENT_SECRET)")
    } else {
        None
    };
    if let Some(other) = clash {
        return Err(
            Error::invalid_config(format!("--certificate and {other} were both given")).with_hint(
                "choose one way to sign in: a certificate or a client secret or a managed identity",
            ),
        );
    }
    let (Some(tenant), Some(client)) = (given(&conn.tenant_id), given(&conn.client_id)) else {
        return Err(Error::invalid_config(
            "--certificate needs --tenant-id (MDCA_TENANT_ID) and --client-id (MDCA_CLIENT_ID)",
        )
        .with_hint(
            "give the app registration's Directory (tenant) ID and Application (client) ID",
        ));
    };
    let mut credentials = CertificateCredentials::from_file(tenant, client, path);
    if let Some(key) = &conn.certificate_key {
        credentials = credentials.private_key_file(key);
    }
    if let Some(password) = given(&conn.certificate_password) {
        credentials = credentials.password(password);
    }
    if let Some(alg) = conn.certificate_algorithm {
        credentials = credentials.algorithm(match alg {
            CertificateAlgorithm::Ps256 => AssertionAlgorithm::Ps256,
            CertificateAlgorithm::Rs256 => AssertionAlgorithm::Rs256,
        });
    }
    if let Some(host) = given(&conn.authority_host) {
        credentials = credentials.authority_host(host);
    }
    if let Some(endpoint) = conn.token_endpoint {
        credentials = credentials.token_endpoint(match endpoint {
            TokenEndpointArg::V2 => TokenEndpoint::V2,
            TokenEndpointArg::V1 => TokenEndpoint::V1,
        });
    }
    Ok(Some(credentials))
}

/// Timeouts, proxy, pacing, retries and prefetch from the flags; `default_rate` is the pacing to use
/// when `--rate-limit` is not given (the simulator's compressed window).
fn tune(
    mut builder: ClientBuilder,
    conn: &ConnectionArgs,
    default_rate: Option<RateLimit>,
) -> Result<ClientBuilder> {
    if let Some(secs) = conn.timeout {
        if secs == 0 {
            return Err(Error::invalid_argument(
                "--timeout must be at least 1 second",
            ));
        }
        builder = builder.timeout(Duration::from_secs(secs));
    }
    if let Some(proxy) = given(&conn.proxy) {
        builder = builder.proxy(proxy);
    }
    let rate = conn
        .rate_limit
        .map(|r| {
            if r.requests == 0 {
                RateLimit::disabled()
            } else {
                RateLimit {
                    requests: r.requests,
                    per: Duration::from_secs(r.per_secs),
                }
            }
        })
        .or(default_rate);
    if let Some(rate) = rate {
        builder = builder.rate_limit(rate);
    }
    if let Some(max_retries) = conn.max_retries {
        builder = builder.retry(if max_retries == 0 {
            // "No retries" means none: not even the time budget of list pages.
            RetryPolicy::none()
        } else {
            RetryPolicy {
                max_retries,
                ..RetryPolicy::default()
            }
        });
    }
    if let Some(secs) = conn.retry_budget {
        let budget = Duration::try_from_secs_f64(secs).map_err(|_| {
            Error::invalid_argument("--retry-budget must be a non-negative number of seconds")
        })?;
        builder = builder.transient_budget(budget);
    }
    if conn.no_prefetch {
        builder = builder.prefetch(false);
    }
    if let Some(cloud) = conn.cloud {
        builder = builder.cloud(match cloud {
            CloudArg::Commercial => Cloud::Commercial,
            CloudArg::Gcc => Cloud::Gcc,
            CloudArg::GccHigh => Cloud::GccHigh,
            CloudArg::Dod => Cloud::Dod,
        });
    }
    if conn.allow_any_host {
        builder = builder.allow_any_host(true);
    }
    if let Some(scope) = given(&conn.scope) {
        builder = builder.scope(scope);
    }
    Ok(builder)
}

async fn simulate(conn: &ConnectionArgs, sim: &SimArgs) -> Result<Connection> {
    // The default binds an ephemeral loopback port.
    let mut config = SimConfig {
        throttle: SIM_THROTTLE,
        ..SimConfig::default()
    };
    if let Some(n) = sim.sim_activities {
        config.data.activities = n;
    }
    if let Some(n) = sim.sim_files {
        config.data.files = n;
    }
    if let Some(seed) = sim.sim_seed {
        config.data.seed = seed;
    }
    let simulator = mdca_sim::start(config)
        .await
        .map_err(|e| Error::internal(format!("the simulator did not start: {e}")))?;
    let mut builder = Client::builder(simulator.url()).legacy_token(simulator.admin_token());
    let mode = if sim.simulate_app {
        let (client_id, client_secret) = simulator.app_credentials();
        builder = builder.app_credentials(
            AppCredentials::new(simulator.entra_tenant_id(), client_id, client_secret)
                .authority_host(simulator.authority_host()),
        );
        "app credentials, legacy token for files"
    } else {
        "admin legacy token"
    };
    let pacing = RateLimit {
        requests: SIM_THROTTLE.requests,
        per: SIM_THROTTLE.window,
    };
    let client = tune(builder, conn, Some(pacing))?.build()?;
    eprintln!(
        "mdca: SIMULATED tenant at {} ({mode}; throttle {} requests per {} s); no real tenant is contacted",
        simulator.url(),
        SIM_THROTTLE.requests,
        SIM_THROTTLE.window.as_secs()
    );
    Ok(Connection {
        client,
        simulator: Some(simulator),
    })
}
