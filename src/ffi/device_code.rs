//! Device code sign-in in two steps (docs/api.md §3.9): `mdca_client_device_code_begin` hands the
//! caller the prompt to show, `mdca_client_sign_in` waits until the user has signed in. No callback
//! crosses the boundary: the caller shows the prompt its own way (PowerShell's Write-Host, a GUI).

use std::os::raw::c_char;

use crate::ffi::boundary;
use crate::ffi::client::{client_arg, mdca_client};
use crate::ffi::status::mdca_status;
use crate::ffi::strings::{check_out, give_string};

/// Asks Entra ID for a device code for a client created with `{"auth": {"type": "device_code",
/// "tenant_id", "client_id", "authority_host"?}}` and returns what to show the user:
/// `{"message", "user_code", "verification_uri", "expires_in", "interval"}` (`message` is the sentence
/// to show; seconds for the last two). Then call `mdca_client_sign_in`. Calling this again drops the code
/// pending before.
///
/// On success `*out_json`/`*out_len` receive the prompt as UTF-8 JSON, owned by the caller and freed with
/// `mdca_string_free`; written only on success.
///
/// Returns `MDCA_STATUS_OK`; `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_UNSUPPORTED` (the client does not sign in with a device code),
/// `MDCA_STATUS_TOKEN_REQUEST_FAILED` (the identity endpoint refused: unknown client id or tenant…),
/// transport statuses, or `MDCA_STATUS_CANCELLED` (`mdca_client_cancel`).
///
/// Thread safety: callable from any thread; `mdca_client_cancel` from another thread stops it.
///
/// # Safety
///
/// `out_json` and `out_len` must be NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_device_code_begin(
    client: *const mdca_client,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_client_device_code_begin", || {
        let client = client_arg(client)?;
        check_out(out_json, "out_json")?;
        check_out(out_len, "out_len")?;
        let cancel = client.token();
        let prompt =
            crate::runtime::try_runtime()?.block_on(client.client.device_code_begin(&cancel))?;
        let json = serde_json::to_string(&prompt).map_err(|e| {
            crate::error::Error::internal(format!("cannot serialise the prompt: {e}"))
        })?;
        give_string(json, out_json, out_len)?;
        Ok(mdca_status::Ok)
    })
}

/// Signs in now: for a device code client, polls the code from `mdca_client_device_code_begin` until
/// the user has signed in on the verification page (honouring the server's interval and `slow_down`);
/// for app credentials and managed identities, fetches the first access token. Blocks until then.
///
/// Returns `MDCA_STATUS_OK`; `MDCA_STATUS_DEVICE_CODE_DECLINED` (the user said no),
/// `MDCA_STATUS_DEVICE_CODE_EXPIRED` (not signed in within the code's lifetime: begin again),
/// `MDCA_STATUS_SIGN_IN_REQUIRED` (no code pending: call `mdca_client_device_code_begin` first),
/// `MDCA_STATUS_TOKEN_REQUEST_FAILED` (e.g. the app does not allow public client flows; see the hint),
/// `MDCA_STATUS_CANCELLED` (`mdca_client_cancel` from another thread stops the polling),
/// `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`. Details in `mdca_last_error`.
///
/// Later requests refresh the access token with the refresh token (in memory only); when the
/// sign-in is revoked they fail with `MDCA_STATUS_SIGN_IN_REQUIRED`: begin and sign in again.
///
/// Thread safety: callable from any thread; other calls on the client wait for the sign-in.
///
/// # Safety
///
/// Any pointer value is accepted for `client` (it is never dereferenced).
#[no_mangle]
pub unsafe extern "C" fn mdca_client_sign_in(client: *const mdca_client) -> mdca_status {
    boundary::run("mdca_client_sign_in", || {
        let client = client_arg(client)?;
        // The sign-in sees the cancellation itself, so a cancelled sign-in forgets its code and a later
        // request does not silently poll it.
        let cancel = client.token();
        crate::runtime::try_runtime()?.block_on(client.client.sign_in(&cancel))?;
        Ok(mdca_status::Ok)
    })
}
