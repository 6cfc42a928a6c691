//! Certificate credentials at the fake token endpoint (docs/api.md §3.8): client assertions
//! (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`) checked as Entra
//! checks them — the signature against a certificate registered for the app (ring, through
//! rustls-webpki), `alg` PS256 or RS256, `x5t#S256` / `x5t` naming a registered certificate, `aud`
//! the token endpoint that was called, `exp`/`nbf` against the identity clock, `iss` = `sub` = the
//! client id, and `jti` never seen before.
//!
//! Certificates are registered with `--client-certificate [CLIENT_ID=]FILE`, `POST /_sim/certificates`
//! or [`crate::Simulator::register_certificate`]. The identity clock can be skewed (`clock_skew_secs`)
//! to test expired assertions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use serde_json::{json, Value};

/// The only `client_assertion_type` Entra accepts.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How far in the future an assertion may expire; Entra refuses long-lived assertions.
const MAX_LIFETIME_SECS: i64 = 24 * 3600;
/// How far ahead of the identity clock `nbf` may be (clock skew Entra tolerates).
const NBF_LEEWAY_SECS: i64 = 300;

#[derive(Clone, Debug)]
struct Registered {
    der: Vec<u8>,
    /// base64url SHA-256 (`x5t#S256`).
    x5t_s256: String,
    /// base64url SHA-1 (`x5t`).
    x5t: String,
    /// SHA-1 in upper-case hex, as the portal shows it.
    thumbprint: String,
}

/// The certificates registered per app, the `jti`s seen, and the identity clock's skew.
#[derive(Debug, Default)]
pub(crate) struct Certificates {
    by_client: RwLock<HashMap<String, Vec<Registered>>>,
    /// `jti` → its assertion's `exp`; expired entries are dropped as new ones come.
    seen: Mutex<HashMap<String, i64>>,
    skew_secs: AtomicI64,
}

/// A refusal: status, `error`, AADSTS code and message (rendered by `idp::aad_error`).
pub(crate) type Refusal = (u16, &'static str, u32, String);

fn invalid_client(code: u32, message: String) -> Refusal {
    (400, "invalid_client", code, message)
}

/// A certificate given as PEM text or as DER bytes (raw or base64).
pub(crate) fn certificate_der(input: &[u8]) -> Result<Vec<u8>, String> {
    if input.windows(11).any(|w| w == b"-----BEGIN ") {
        return match CertificateDer::pem_slice_iter(input).next() {
            Some(Ok(c)) => Ok(c.as_ref().to_vec()),
            _ => Err("no PEM certificate (-----BEGIN CERTIFICATE-----) found".into()),
        };
    }
    let der = if input.first() == Some(&0x30) {
        input.to_vec()
    } else {
        let text: String = String::from_utf8_lossy(input)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        STANDARD
            .decode(text.trim_end_matches('='))
            .or_else(|_| {
                base64::engine::general_purpose::STANDARD_NO_PAD.decode(text.trim_end_matches('='))
            })
            .map_err(|_| "not PEM, DER or base64 DER".to_string())?
    };
    webpki::EndEntityCert::try_from(&CertificateDer::from(der.as_slice()))
        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
    Ok(der)
}

impl Certificates {
    /// Registers a certificate (PEM or DER) for an app; returns its SHA-1 thumbprint (hex).
    pub(crate) fn register(&self, client_id: &str, certificate: &[u8]) -> Result<String, String> {
        let der = certificate_der(certificate)?;
        let sha256 = ring::digest::digest(&ring::digest::SHA256, &der);
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
        let reg = Registered {
            x5t_s256: URL_SAFE_NO_PAD.encode(sha256.as_ref()),
            x5t: URL_SAFE_NO_PAD.encode(sha1.as_ref()),
            thumbprint: sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect(),
            der,
        };
        let thumbprint = reg.thumbprint.clone();
        let mut all = self.by_client.write().unwrap_or_else(|e| e.into_inner());
        let list = all.entry(client_id.to_ascii_lowercase()).or_default();
        if !list.iter().any(|r| r.thumbprint == thumbprint) {
            list.push(reg);
        }
        Ok(thumbprint)
    }

    /// Moves the identity clock (what `exp`/`nbf` are checked against) by `secs`.
    pub(crate) fn set_clock_skew(&self, secs: i64) {
        self.skew_secs.store(secs, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Value {
        let all = self.by_client.read().unwrap_or_else(|e| e.into_inner());
        let apps: Vec<Value> = all
            .iter()
            .map(|(id, list)| {
                json!({
                    "client_id": id,
                    "thumbprints": list.iter().map(|r| r.thumbprint.clone()).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({"apps": apps, "clock_skew_secs": self.skew_secs.load(Ordering::Relaxed)})
    }

    fn now(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs() as i64;
        wall + self.skew_secs.load(Ordering::Relaxed)
    }

    /// Checks a client assertion sent by `client_id` to `token_url`.
    pub(crate) fn verify(
        &self,
        client_id: &str,
        token_url: &str,
        assertion_type: &str,
        assertion: Option<&str>,
    ) -> Result<(), Refusal> {
        if assertion_type != JWT_BEARER {
            return Err((
                400,
                "invalid_request",
                50_027,
                format!(
                    "Invalid client_assertion_type '{assertion_type}'; expected '{JWT_BEARER}'."
                ),
            ));
        }
        let Some(assertion) = assertion else {
            return Err((
                400,
                "invalid_request",
                900_144,
                "The request body must contain the following parameter: 'client_assertion'.".into(),
            ));
        };
        let malformed = || invalid_client(50_027, "JWT token is invalid or malformed.".into());
        let mut parts = assertion.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        let decode = |p: &str| -> Option<Value> {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
        };
        let (Some(header), Some(claims), Ok(signature)) =
            (decode(h), decode(c), URL_SAFE_NO_PAD.decode(s))
        else {
            return Err(malformed());
        };
        let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
        let verifier = match alg {
            "PS256" => webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
            "RS256" => webpki::ring::RSA_PKCS1_2048_8192_SHA256,
            other => {
                return Err(invalid_client(
                    50_027,
                    format!("Invalid JWT token. '{other}' is not a supported signature algorithm (PS256, RS256)."),
                ))
            }
        };
        let claim = |k: &str| claims.get(k).and_then(Value::as_str);
        if claim("iss") != Some(client_id) || claim("sub") != Some(client_id) {
            return Err(invalid_client(
                700_021,
                "Client assertion application identifier doesn't match 'client_id' parameter."
                    .into(),
            ));
        }
        // The key: x5t#S256 or x5t must name a certificate registered for this app.
        let sent_s256 = header.get("x5t#S256").and_then(Value::as_str);
        let sent_sha1 = header.get("x5t").and_then(Value::as_str);
        let sent_hex = sent_sha1
            .and_then(|t| URL_SAFE_NO_PAD.decode(t).ok())
            .map(|b| b.iter().map(|x| format!("{x:02X}")).collect::<String>())
            .or_else(|| sent_s256.map(|t| format!("x5t#S256 {t}")))
            .unwrap_or_else(|| "(none)".into());
        let registered = {
            let all = self.by_client.read().unwrap_or_else(|e| e.into_inner());
            all.get(&client_id.to_ascii_lowercase()).and_then(|list| {
                list.iter()
                    .find(|r| {
                        sent_s256 == Some(r.x5t_s256.as_str()) || sent_sha1 == Some(r.x5t.as_str())
                    })
                    .cloned()
            })
        };
        let Some(cert) = registered else {
            return Err(invalid_client(
                700_027,
                format!(
                    "The certificate with identifier used to sign the client assertion is not \
                     registered on application. [Reason - The key was not found., Thumbprint of \
                     key used by client: '{sent_hex}', Please visit the Azure Portal, Graph \
                     Explorer or directly use MS Graph to see configured keys for app Id \
                     '{client_id}'.]"
                ),
            ));
        };
        let signed = &assertion[..h.len() + 1 + c.len()];
        let der = CertificateDer::from(cert.der.as_slice());
        let ok = webpki::EndEntityCert::try_from(&der)
            .map(|ee| {
                ee.verify_signature(verifier, signed.as_bytes(), &signature)
                    .is_ok()
            })
            .unwrap_or(false);
        if !ok {
            return Err(invalid_client(
                700_027,
                format!(
                    "Client assertion failed signature validation. [Reason - The provided \
                     signature value did not match the expected signature value., Thumbprint of \
                     key used by client: '{}']",
                    cert.thumbprint
                ),
            ));
        }
        if claim("aud") != Some(token_url) {
            return Err(invalid_client(
                700_023,
                format!(
                    "Client assertion audience claim does not match Realm issuer. The audience \
                     must be the token endpoint '{token_url}'."
                ),
            ));
        }
        let now = self.now();
        let num = |k: &str| claims.get(k).and_then(Value::as_i64);
        let Some(exp) = num("exp") else {
            return Err(malformed());
        };
        let nbf = num("nbf").unwrap_or(now);
        if exp <= now || nbf > now + NBF_LEEWAY_SECS || exp > now + MAX_LIFETIME_SECS {
            return Err(invalid_client(
                700_024,
                format!(
                    "Client assertion is not within its valid time range. Current time: {now}, \
                     assertion valid from {nbf}, expiry time of assertion {exp}."
                ),
            ));
        }
        let Some(jti) = claim("jti").filter(|j| !j.is_empty()) else {
            return Err(malformed());
        };
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, e| *e > now);
        if seen.insert(jti.to_string(), exp).is_some() {
            return Err(invalid_client(
                50_013,
                "Assertion is invalid: the assertion (jti) has already been used.".into(),
            ));
        }
        Ok(())
    }
}
