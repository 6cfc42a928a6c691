//! Certificate credentials (docs/api.md §3.8): an Entra app signs in with a certificate instead of a
//! client secret. Each token request carries a fresh client assertion (RFC 7523 `private_key_jwt`), a
//! JWT signed with the certificate's RSA key: PS256 with the `x5t#S256` thumbprint by default, RS256
//! with the SHA-1 `x5t` as an option.
//!
//! The key comes from a PEM file (certificate and PKCS#8 or PKCS#1 key, one file or two), a PFX /
//! PKCS#12 file or bytes with a password, or DER bytes. It is parsed once, when the client is built,
//! so a wrong password or a key that does not belong to the certificate is an `invalid_config` error
//! before any request. Signing, hashing and certificate parsing are ring's and rustls-webpki's; the
//! PFX container is p12-keystore's.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256, RSA_PSS_SHA256};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::config::TokenEndpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// How long a client assertion is valid (`exp - iat`). Entra wants a short lifetime; a fresh
/// assertion is made for every token request, so this only needs to cover one round trip.
pub const ASSERTION_LIFETIME_SECS: u64 = 600;

/// `client_assertion_type` of a JWT client assertion (RFC 7523, section 2.2).
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The signature algorithm of the client assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum AssertionAlgorithm {
    /// RSASSA-PSS with SHA-256, header `x5t#S256` (SHA-256 thumbprint). Entra's recommended form.
    #[default]
    #[serde(rename = "PS256", alias = "ps256")]
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, header `x5t` (SHA-1 thumbprint), for older tooling.
    #[serde(rename = "RS256", alias = "rs256")]
    Rs256,
}

impl AssertionAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            AssertionAlgorithm::Ps256 => "PS256",
            AssertionAlgorithm::Rs256 => "RS256",
        }
    }
}

/// Where the certificate and its private key come from.
#[derive(Clone)]
pub enum CertificateSource {
    /// A file: PEM (certificate and key; the key may be in `private_key_path` instead), PFX / PKCS#12
    /// (with `password`), or a DER certificate with its key in `private_key_path`.
    File {
        path: PathBuf,
        private_key_path: Option<PathBuf>,
        password: Option<Secret>,
    },
    /// PFX / PKCS#12 bytes in memory (what .NET's `X509Certificate2.Export(Pkcs12)` gives).
    Pkcs12 {
        bytes: Zeroizing<Vec<u8>>,
        password: Option<Secret>,
    },
    /// A DER certificate and its DER private key (PKCS#8 or PKCS#1).
    Der {
        certificate: Vec<u8>,
        private_key: Zeroizing<Vec<u8>>,
    },
}

impl fmt::Debug for CertificateSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Paths are not secret; key bytes and passwords never appear.
        match self {
            CertificateSource::File {
                path,
                private_key_path,
                password,
            } => f
                .debug_struct("File")
                .field("path", path)
                .field("private_key_path", private_key_path)
                .field("password", password)
                .finish(),
            CertificateSource::Pkcs12 { bytes, password } => f
                .debug_struct("Pkcs12")
                .field("bytes", &format_args!("<{} bytes>", bytes.len()))
                .field("password", password)
                .finish(),
            CertificateSource::Der { certificate, .. } => f
                .debug_struct("Der")
                .field(
                    "certificate",
                    &format_args!("<{} bytes>", certificate.len()),
                )
                .field("private_key", &"<redacted>")
                .finish(),
        }
    }
}

/// Application-context credentials with a certificate (docs/api.md §3.8).
#[derive(Debug, Clone)]
pub struct CertificateCredentials {
    pub tenant_id: String,
    pub client_id: String,
    pub source: CertificateSource,
    pub algorithm: AssertionAlgorithm,
    /// Defaults to the cloud's authority, as for [`crate::AppCredentials::authority_host`].
    pub authority_host: Option<String>,
    pub token_endpoint: TokenEndpoint,
}

impl CertificateCredentials {
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        source: CertificateSource,
    ) -> CertificateCredentials {
        CertificateCredentials {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            source,
            algorithm: AssertionAlgorithm::default(),
            authority_host: None,
            token_endpoint: TokenEndpoint::V2,
        }
    }

    /// A PEM or PFX file (`password` for a PFX).
    pub fn from_file(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> CertificateCredentials {
        CertificateCredentials::new(
            tenant_id,
            client_id,
            CertificateSource::File {
                path: path.into(),
                private_key_path: None,
                password: None,
            },
        )
    }

    /// The PEM private key is in its own file.
    pub fn private_key_file(mut self, key: impl Into<PathBuf>) -> CertificateCredentials {
        if let CertificateSource::File {
            private_key_path, ..
        } = &mut self.source
        {
            *private_key_path = Some(key.into());
        }
        self
    }

    /// The PFX password (files and PKCS#12 bytes).
    pub fn password(mut self, secret: impl Into<Secret>) -> CertificateCredentials {
        match &mut self.source {
            CertificateSource::File { password, .. }
            | CertificateSource::Pkcs12 { password, .. } => *password = Some(secret.into()),
            CertificateSource::Der { .. } => {}
        }
        self
    }

    pub fn algorithm(mut self, algorithm: AssertionAlgorithm) -> CertificateCredentials {
        self.algorithm = algorithm;
        self
    }

    pub fn authority_host(mut self, host: impl Into<String>) -> CertificateCredentials {
        self.authority_host = Some(host.into());
        self
    }

    pub fn token_endpoint(mut self, endpoint: TokenEndpoint) -> CertificateCredentials {
        self.token_endpoint = endpoint;
        self
    }
}

/// A certificate with its RSA key, ready to sign assertions.
///
/// ring keeps the key's parameters inside [`RsaKeyPair`] and does not wipe them on drop (its API has no
/// way to); every intermediate copy of the key (file contents, DER) is held in [`Zeroizing`] buffers and
/// wiped (docs/api.md §3.8).
pub(crate) struct SigningCertificate {
    key: RsaKeyPair,
    algorithm: AssertionAlgorithm,
    /// base64url SHA-256 of the certificate's DER (`x5t#S256`).
    x5t_s256: String,
    /// base64url SHA-1 of the certificate's DER (`x5t`).
    x5t: String,
    /// The SHA-1 thumbprint in hex, as the Entra portal lists it under Certificates & secrets.
    pub(crate) thumbprint: String,
}

fn config_error(message: impl Into<String>, hint: &str) -> Error {
    Error::invalid_config(message).with_hint(hint)
}

fn read_file(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    std::fs::read(path).map(Zeroizing::new).map_err(|e| {
        config_error(
            format!("cannot read the {what} {}: {e}", path.display()),
            "give the path of a PEM or PFX file this process can read",
        )
    })
}

fn is_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// The first certificate of a PEM text.
fn pem_certificate(bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
    match CertificateDer::pem_slice_iter(bytes).next() {
        Some(Ok(c)) => Ok(c.as_ref().to_vec()),
        Some(Err(e)) => Err(config_error(
            format!(
                "the certificate in {} is not valid PEM: {e}",
                path.display()
            ),
            "export the certificate again as PEM (-----BEGIN CERTIFICATE-----)",
        )),
        None => Err(config_error(
            format!(
                "{} contains no certificate (-----BEGIN CERTIFICATE-----)",
                path.display()
            ),
            "give the PEM file with the certificate, or the certificate and its key in one file",
        )),
    }
}

/// The private key of a PEM text.
fn pem_key(bytes: &[u8], path: &Path) -> Result<Zeroizing<PrivateKeyDer<'static>>> {
    if bytes.windows(21).any(|w| w == b"ENCRYPTED PRIVATE KEY")
        || bytes.windows(14).any(|w| w == b"Proc-Type: 4,E")
    {
        return Err(config_error(
            format!("the private key in {} is encrypted", path.display()),
            "mdca reads encrypted keys only from PFX files: export a PFX with a password (openssl pkcs12 -export), or decrypt the PEM key (openssl pkey)",
        ));
    }
    match PrivateKeyDer::from_pem_slice(bytes) {
        Ok(k) => Ok(Zeroizing::new(k)),
        Err(rustls_pki_types::pem::Error::NoItemsFound) => Err(config_error(
            format!("{} contains no private key", path.display()),
            "give the key too: in the same PEM file, with the private key option (--certificate-key), or use a PFX file",
        )),
        Err(e) => Err(config_error(
            format!("the private key in {} is not valid PEM: {e}", path.display()),
            "export the key again as PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)",
        )),
    }
}

fn der_key(bytes: &[u8]) -> Result<Zeroizing<PrivateKeyDer<'static>>> {
    PrivateKeyDer::try_from(bytes)
        .map(|k| Zeroizing::new(k.clone_key()))
        .map_err(|_| {
            config_error(
                "the private key is not a DER PKCS#8 or PKCS#1 key",
                "give the key as DER PKCS#8 (openssl pkey -outform DER) or PKCS#1",
            )
        })
}

/// Certificate and key from PKCS#12 bytes.
fn pkcs12(
    bytes: &[u8],
    password: Option<&Secret>,
    what: &str,
) -> Result<(Vec<Vec<u8>>, Zeroizing<PrivateKeyDer<'static>>)> {
    let password = password.map(|p| p.expose()).unwrap_or("");
    let store = p12_keystore::KeyStore::from_pkcs12(bytes, password).map_err(|e| match e {
        p12_keystore::error::Error::MacError(_) => config_error(
            format!("cannot open {what}: the password is wrong (the PFX integrity check failed)"),
            "give the password the PFX was exported with (--certificate-password-file, MDCA_CERTIFICATE_PASSWORD, or the password option)",
        ),
        other => config_error(
            format!("{what} is not a PFX / PKCS#12 file mdca can read ({other})"),
            "export the certificate with its private key as PFX (AES-256 or 3DES), or as PEM",
        ),
    })?;
    let Some((_, chain)) = store.private_key_chain() else {
        return Err(config_error(
            format!("{what} holds no private key"),
            "export the certificate *with* its private key (Windows: Export-PfxCertificate; openssl pkcs12 -export -inkey …)",
        ));
    };
    let certs = chain.chain().iter().map(|c| c.as_der().to_vec()).collect();
    // p12-keystore keeps the decrypted PKCS#8 key in a plain Vec inside the KeyStore (dropped, not
    // wiped, when it goes out of scope here; docs/api.md §3.8).
    let key = der_key(chain.key())?;
    Ok((certs, key))
}

fn key_pair(key: &PrivateKeyDer<'_>) -> Result<RsaKeyPair> {
    let hint = "Entra certificate credentials need an RSA key of 2048 bits or more";
    match key {
        PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
        PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
        PrivateKeyDer::Sec1(_) => {
            return Err(config_error("the private key is an EC key", hint));
        }
        _ => return Err(config_error("the private key is of an unknown kind", hint)),
    }
    .map_err(|e| {
        config_error(
            format!("the private key is not an RSA key ring can sign with ({e})"),
            hint,
        )
    })
}

/// Whether `key` signs what the certificate's public key verifies.
fn belongs_to(key: &RsaKeyPair, cert: &[u8]) -> Result<bool> {
    let der = CertificateDer::from(cert);
    let ee = webpki::EndEntityCert::try_from(&der).map_err(|e| {
        config_error(
            format!("the certificate is not a valid X.509 certificate ({e})"),
            "give the certificate you uploaded to the app registration (PEM, DER or PFX)",
        )
    })?;
    let probe = b"mdca: does this key belong to this certificate?";
    let mut sig = vec![0u8; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        probe,
        &mut sig,
    )
    .map_err(|_| Error::internal("signing a probe with the certificate's key failed"))?;
    Ok(ee
        .verify_signature(webpki::ring::RSA_PKCS1_2048_8192_SHA256, probe, &sig)
        .is_ok())
}

impl SigningCertificate {
    /// Reads and checks the certificate and key.
    pub(crate) fn load(
        source: &CertificateSource,
        algorithm: AssertionAlgorithm,
    ) -> Result<SigningCertificate> {
        let (certs, key) = match source {
            CertificateSource::File {
                path,
                private_key_path,
                password,
            } => {
                let bytes = read_file(path, "certificate file")?;
                let key_bytes = match private_key_path {
                    Some(k) => Some((read_file(k, "private key file")?, k.as_path())),
                    None => None,
                };
                if is_pem(&bytes) {
                    let cert = pem_certificate(&bytes, path)?;
                    let key = match &key_bytes {
                        Some((k, p)) if is_pem(k) => pem_key(k, p)?,
                        Some((k, _)) => der_key(k)?,
                        None => pem_key(&bytes, path)?,
                    };
                    (vec![cert], key)
                } else if let Some((k, p)) = &key_bytes {
                    // A DER certificate (.cer / .der) with its key beside it.
                    let key = if is_pem(k) {
                        pem_key(k, p)?
                    } else {
                        der_key(k)?
                    };
                    (vec![bytes.to_vec()], key)
                } else {
                    pkcs12(
                        &bytes,
                        password.as_ref(),
                        &format!("the certificate file {}", path.display()),
                    )?
                }
            }
            CertificateSource::Pkcs12 { bytes, password } => {
                pkcs12(bytes, password.as_ref(), "the PKCS#12 certificate")?
            }
            CertificateSource::Der {
                certificate,
                private_key,
            } => (vec![certificate.clone()], der_key(private_key)?),
        };
        let key = key_pair(&key)?;
        // A PFX may carry the chain: the certificate is the one whose public key is this key's.
        let mut cert = None;
        for c in &certs {
            if belongs_to(&key, c)? {
                cert = Some(c);
                break;
            }
        }
        let Some(cert) = cert else {
            return Err(config_error(
                "the private key does not belong to the certificate",
                "give the key that was generated with this certificate (check the files are a pair: openssl x509 -noout -pubkey vs openssl pkey -pubout)",
            ));
        };
        let sha256 = ring::digest::digest(&ring::digest::SHA256, cert);
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, cert);
        Ok(SigningCertificate {
            key,
            algorithm,
            x5t_s256: URL_SAFE_NO_PAD.encode(sha256.as_ref()),
            x5t: URL_SAFE_NO_PAD.encode(sha1.as_ref()),
            thumbprint: sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect(),
        })
    }

    /// A fresh client assertion for `client_id` with audience `aud` (the token endpoint URL), valid
    /// from `now` for [`ASSERTION_LIFETIME_SECS`].
    pub(crate) fn assertion(
        &self,
        client_id: &str,
        aud: &str,
        now: SystemTime,
    ) -> Result<Zeroizing<String>> {
        let header = match self.algorithm {
            AssertionAlgorithm::Ps256 => {
                serde_json::json!({"alg": "PS256", "typ": "JWT", "x5t#S256": self.x5t_s256})
            }
            AssertionAlgorithm::Rs256 => {
                serde_json::json!({"alg": "RS256", "typ": "JWT", "x5t": self.x5t})
            }
        };
        let iat = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let jti: [u8; 16] = rand::random();
        let claims = serde_json::json!({
            "aud": aud,
            "iss": client_id,
            "sub": client_id,
            "jti": jti.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "nbf": iat,
            "iat": iat,
            "exp": iat + ASSERTION_LIFETIME_SECS,
        });
        let mut jwt = Zeroizing::new(String::with_capacity(1024));
        jwt.push_str(&URL_SAFE_NO_PAD.encode(header.to_string()));
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
        let alg: &'static dyn ring::signature::RsaEncoding = match self.algorithm {
            AssertionAlgorithm::Ps256 => &RSA_PSS_SHA256,
            AssertionAlgorithm::Rs256 => &RSA_PKCS1_SHA256,
        };
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                alg,
                &ring::rand::SystemRandom::new(),
                jwt.as_bytes(),
                &mut sig,
            )
            .map_err(|_| Error::internal("signing the client assertion failed"))?;
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(&sig));
        Ok(jwt)
    }

    /// The hint for an identity endpoint refusal of a certificate sign-in (docs/api.md §3.8).
    pub(crate) fn hint(
        &self,
        codes: &[i64],
        code: &str,
        description: &str,
        tenant: &str,
    ) -> String {
        let has = |c: i64| codes.contains(&c);
        let which = format!(
            "mdca signed with the certificate whose thumbprint is {} ({} with {})",
            self.thumbprint,
            self.algorithm.name(),
            match self.algorithm {
                AssertionAlgorithm::Ps256 => "x5t#S256",
                AssertionAlgorithm::Rs256 => "x5t",
            }
        );
        if has(700_027)
            && description
                .to_ascii_lowercase()
                .contains("signature validation")
        {
            return format!("{which}, but the signature does not verify against the certificate Entra has with that thumbprint: the private key is not this certificate's; give the key that belongs to the uploaded certificate");
        }
        if has(700_027) {
            return format!("{which}, and the app registration has no such certificate: upload this certificate's public part (.cer/.pem) under App registrations > Certificates & secrets > Certificates, or give the certificate that is uploaded there");
        }
        if has(700_024) {
            return "the assertion was outside its valid time range at the identity endpoint: check this machine's clock (it must be within a few minutes of real time; enable time synchronisation)".into();
        }
        if has(700_023) || has(50_013) && description.to_ascii_lowercase().contains("audience") {
            return "the assertion's audience is not this tenant's token endpoint: check the tenant id, the cloud (cloud / authority_host) and the token endpoint version".into();
        }
        if has(50_013) {
            return "the identity endpoint refused the assertion (e.g. a replayed jti): retry; if it persists, check this machine's clock".into();
        }
        if has(700_021) {
            return "the assertion's issuer/subject is not the client id: check the client id (Application (client) ID)".into();
        }
        if has(700_016) || code == "unauthorized_client" {
            return format!("check the client id (Application (client) ID) and that the app is registered in tenant {tenant}");
        }
        if has(90_002) || has(900_023) || code == "invalid_tenant" {
            return "check the tenant id (Directory (tenant) ID or a verified domain of the tenant)".into();
        }
        if has(65_001) || has(500_011) || code == "invalid_scope" || code == "invalid_resource" {
            return "add Microsoft Cloud App Security application permissions (e.g. Investigation.Read) to the app and grant admin consent".into();
        }
        format!("{which}: check the tenant id, the client id, that this certificate is uploaded to the app registration and that admin consent was granted for the Microsoft Cloud App Security permissions")
    }
}

/// `{"type":"certificate", …}` in the options JSON (docs/api.md §3.8, docs/c-api.md): exactly one of
/// `certificate_path`, `pkcs12_base64` and `certificate_der_base64`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCertificate {
    tenant_id: String,
    client_id: String,
    #[serde(default)]
    certificate_path: Option<String>,
    #[serde(default)]
    private_key_path: Option<String>,
    #[serde(default)]
    pkcs12_base64: Option<Secret>,
    #[serde(default)]
    certificate_der_base64: Option<String>,
    #[serde(default)]
    private_key_der_base64: Option<Secret>,
    #[serde(default)]
    password: Option<Secret>,
    #[serde(default)]
    algorithm: Option<AssertionAlgorithm>,
    #[serde(default)]
    authority_host: Option<String>,
    #[serde(default)]
    token_endpoint: Option<TokenEndpoint>,
    #[serde(default)]
    legacy_token: Option<Secret>,
}

impl RawCertificate {
    pub(crate) fn into_auth(self) -> Result<crate::config::AuthOptions> {
        let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        let path = given(&self.certificate_path);
        let p12 = self.pkcs12_base64.as_ref().is_some_and(|s| !s.is_empty());
        let der = given(&self.certificate_der_base64);
        if usize::from(path) + usize::from(p12) + usize::from(der) != 1 {
            return Err(config_error(
                "certificate credentials need exactly one of certificate_path, pkcs12_base64 and certificate_der_base64",
                "give certificate_path (a PEM or PFX file), pkcs12_base64 (PFX bytes) or certificate_der_base64 with private_key_der_base64",
            ));
        }
        let source = if path {
            CertificateSource::File {
                path: PathBuf::from(self.certificate_path.unwrap_or_default().trim()),
                private_key_path: self
                    .private_key_path
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| PathBuf::from(p.trim())),
                password: self.password,
            }
        } else if p12 {
            let text = self.pkcs12_base64.unwrap_or_else(|| Secret::new(""));
            CertificateSource::Pkcs12 {
                bytes: Zeroizing::new(decode_base64("pkcs12_base64", text.expose())?),
                password: self.password,
            }
        } else {
            let Some(key) = self.private_key_der_base64.filter(|k| !k.is_empty()) else {
                return Err(config_error(
                    "certificate_der_base64 needs private_key_der_base64 beside it",
                    "give the private key as base64 of its DER (PKCS#8 or PKCS#1), or give the PFX as pkcs12_base64",
                ));
            };
            CertificateSource::Der {
                certificate: decode_base64(
                    "certificate_der_base64",
                    &self.certificate_der_base64.unwrap_or_default(),
                )?,
                private_key: Zeroizing::new(decode_base64("private_key_der_base64", key.expose())?),
            }
        };
        Ok(crate::config::AuthOptions::Certificate {
            credentials: CertificateCredentials {
                tenant_id: self.tenant_id,
                client_id: self.client_id,
                source,
                algorithm: self.algorithm.unwrap_or_default(),
                authority_host: self.authority_host,
                token_endpoint: self.token_endpoint.unwrap_or_default(),
            },
            legacy_token: self.legacy_token,
        })
    }
}

/// Decodes base64 (standard alphabet, padding optional, whitespace ignored) from the options JSON.
pub(crate) fn decode_base64(field: &str, text: &str) -> Result<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(compact.trim_end_matches('='))
        .or_else(|_| {
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(compact.trim_end_matches('='))
        })
        .map_err(|_| {
            Error::new(
                ErrorKind::InvalidConfig,
                format!("{field} is not valid base64"),
            )
            .with_hint(format!("give {field} as standard base64 of the DER bytes"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/certs")
            .join(name)
    }

    #[test]
    fn a_pem_pkcs1_and_a_pfx_of_one_certificate_give_the_same_thumbprints() {
        let pem = SigningCertificate::load(
            &CertificateSource::File {
                path: fixture("test-client.pem"),
                private_key_path: None,
                password: None,
            },
            AssertionAlgorithm::Ps256,
        )
        .unwrap();
        let pkcs1 = SigningCertificate::load(
            &CertificateSource::File {
                path: fixture("test-client.crt.pem"),
                private_key_path: Some(fixture("test-client.rsa.pem")),
                password: None,
            },
            AssertionAlgorithm::Ps256,
        )
        .unwrap();
        let password = std::fs::read_to_string(fixture("test-pfx-password.txt")).unwrap();
        let pfx = SigningCertificate::load(
            &CertificateSource::File {
                path: fixture("test-client-legacy.pfx"),
                private_key_path: None,
                password: Some(Secret::new(password.trim())),
            },
            AssertionAlgorithm::Ps256,
        )
        .unwrap();
        assert_eq!(pem.x5t_s256, pkcs1.x5t_s256);
        assert_eq!(pem.x5t_s256, pfx.x5t_s256);
        assert_eq!(pem.thumbprint.len(), 40);
        assert_eq!(
            URL_SAFE_NO_PAD.decode(&pem.x5t).unwrap().len(),
            20,
            "x5t is the SHA-1 thumbprint"
        );
    }

    #[test]
    fn a_key_of_another_certificate_is_refused_when_loading() {
        let e = SigningCertificate::load(
            &CertificateSource::File {
                path: fixture("test-client.crt.pem"),
                private_key_path: Some(fixture("test-other.key.pem")),
                password: None,
            },
            AssertionAlgorithm::Ps256,
        )
        .err()
        .unwrap();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(e.to_string().contains("does not belong"), "{e}");
    }

    #[test]
    fn the_assertion_has_the_documented_header_and_claims() {
        let cert = SigningCertificate::load(
            &CertificateSource::File {
                path: fixture("test-client.pem"),
                private_key_path: None,
                password: None,
            },
            AssertionAlgorithm::Rs256,
        )
        .unwrap();
        let now = UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let a = cert
            .assertion("cid", "https://login.example/t/oauth2/v2.0/token", now)
            .unwrap();
        let b = cert
            .assertion("cid", "https://login.example/t/oauth2/v2.0/token", now)
            .unwrap();
        let part = |jwt: &str, i: usize| -> serde_json::Value {
            serde_json::from_slice(
                &URL_SAFE_NO_PAD
                    .decode(jwt.split('.').nth(i).unwrap())
                    .unwrap(),
            )
            .unwrap()
        };
        let h = part(&a, 0);
        assert_eq!(h["alg"], "RS256");
        assert_eq!(h["x5t"], cert.x5t.as_str());
        assert!(h.get("x5t#S256").is_none());
        let c = part(&a, 1);
        assert_eq!(c["iss"], "cid");
        assert_eq!(c["sub"], "cid");
        assert_eq!(c["iat"], 1_800_000_000u64);
        assert_eq!(c["exp"], 1_800_000_000u64 + ASSERTION_LIFETIME_SECS);
        assert_ne!(
            c["jti"],
            part(&b, 1)["jti"],
            "every assertion has its own jti"
        );
    }
}
