//! The status every fallible C function returns: 0 for success, otherwise the library's error code.

use crate::error::ErrorKind;

/// The result of a call. `MDCA_STATUS_OK` (0) is success; `MDCA_STATUS_DONE` (401) means "no more
/// pages" and is not an error; every other value is an error whose full detail (message, HTTP status,
/// server detail, correlation id, hint) is available right after the call, on the same thread, from
/// `mdca_last_error`.
///
/// The numbers equal the library's error codes and are grouped in ranges: 1–99 caller errors detected
/// locally (nothing was sent), 100–199 authentication and authorisation, 200–299 the server answered with
/// an error, 300–399 transport, 400–499 flow control, 900+ internal. Numbers are never changed or reused;
/// new ones may be added, so treat unknown values by their range.
#[allow(non_camel_case_types)]
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum mdca_status {
    /// Success.
    Ok = 0,
    /// A bad argument value (for example a request JSON of the wrong shape, or a query already in use
    /// by another thread).
    InvalidArgument = 1,
    /// Bad client options (URL, http on a non-loopback host, missing credentials…).
    InvalidConfig = 2,
    /// Unknown filter field or operator, or a value of the wrong type.
    InvalidFilter = 3,
    /// Malformed JSON given by the caller.
    InvalidJson = 4,
    /// A string argument that is not UTF-8.
    InvalidUtf8 = 5,
    /// A NULL pointer where a pointer is required.
    NullPointer = 6,
    /// A freed, double-freed, wrong-type or foreign handle, or a string not returned by this library
    /// (or already freed) passed to `mdca_string_free`.
    InvalidHandle = 7,
    /// An entity name that is not one of activities, alerts, files, entities, subnets.
    UnknownEntity = 8,
    /// An action not available for this entity.
    Unsupported = 9,
    /// A call in a child process after `fork()` (only freeing, `mdca_string_free` and the last-error
    /// functions work there): create clients after the fork, or `exec` first.
    ForkedChild = 10,
    /// HTTP 401, after one token refresh and retry where a refresh is possible.
    Unauthorized = 100,
    /// HTTP 403: the role or permission lacks the action.
    Forbidden = 101,
    /// The Files API refused a Bearer (application) token: use a legacy API token for files.
    FilesNeedLegacyToken = 102,
    /// The identity endpoint refused or failed the client-credentials request.
    TokenRequestFailed = 103,
    /// The user declined a device code sign-in.
    DeviceCodeDeclined = 110,
    /// A device code expired before the user signed in.
    DeviceCodeExpired = 111,
    /// A device code sign-in is needed: none was done yet, or the refresh token was refused (revoked,
    /// expired); sign in again.
    SignInRequired = 112,
    /// HTTP 404.
    NotFound = 200,
    /// HTTP 400; the server's validation body is in the last error's `detail`.
    BadRequest = 201,
    /// HTTP 429 still after the retry budget.
    Throttled = 202,
    /// HTTP 5xx still after the retry budget.
    ServerError = 203,
    /// Any other non-2xx HTTP status.
    UnexpectedStatus = 204,
    /// A response body that is not the JSON expected, after the retry budget.
    InvalidResponse = 205,
    /// The request timed out.
    Timeout = 300,
    /// Connect, reset, DNS or proxy failure.
    Connection = 301,
    /// TLS handshake or certificate failure.
    Tls = 302,
    /// Cancelled by `mdca_query_cancel` or `mdca_query_free`.
    Cancelled = 400,
    /// `mdca_query_next_page` only: the query has no more pages. Not an error.
    Done = 401,
    /// A bug in mdca.
    Internal = 900,
    /// A panic inside mdca was caught at the C boundary (a bug in mdca); the process is unharmed.
    Panic = 901,
}

impl mdca_status {
    /// The status for an error kind. Exhaustive on purpose: a new `ErrorKind` must get its status here.
    pub fn from_kind(kind: ErrorKind) -> mdca_status {
        match kind {
            ErrorKind::InvalidArgument => mdca_status::InvalidArgument,
            ErrorKind::InvalidConfig => mdca_status::InvalidConfig,
            ErrorKind::InvalidFilter => mdca_status::InvalidFilter,
            ErrorKind::InvalidJson => mdca_status::InvalidJson,
            ErrorKind::InvalidUtf8 => mdca_status::InvalidUtf8,
            ErrorKind::NullPointer => mdca_status::NullPointer,
            ErrorKind::InvalidHandle => mdca_status::InvalidHandle,
            ErrorKind::UnknownEntity => mdca_status::UnknownEntity,
            ErrorKind::Unsupported => mdca_status::Unsupported,
            ErrorKind::ForkedChild => mdca_status::ForkedChild,
            ErrorKind::Unauthorized => mdca_status::Unauthorized,
            ErrorKind::Forbidden => mdca_status::Forbidden,
            ErrorKind::FilesNeedLegacyToken => mdca_status::FilesNeedLegacyToken,
            ErrorKind::TokenRequestFailed => mdca_status::TokenRequestFailed,
            ErrorKind::DeviceCodeDeclined => mdca_status::DeviceCodeDeclined,
            ErrorKind::DeviceCodeExpired => mdca_status::DeviceCodeExpired,
            ErrorKind::SignInRequired => mdca_status::SignInRequired,
            ErrorKind::NotFound => mdca_status::NotFound,
            ErrorKind::BadRequest => mdca_status::BadRequest,
            ErrorKind::Throttled => mdca_status::Throttled,
            ErrorKind::ServerError => mdca_status::ServerError,
            ErrorKind::UnexpectedStatus => mdca_status::UnexpectedStatus,
            ErrorKind::InvalidResponse => mdca_status::InvalidResponse,
            ErrorKind::Timeout => mdca_status::Timeout,
            ErrorKind::Connection => mdca_status::Connection,
            ErrorKind::Tls => mdca_status::Tls,
            ErrorKind::Cancelled => mdca_status::Cancelled,
            ErrorKind::Internal => mdca_status::Internal,
            ErrorKind::Panic => mdca_status::Panic,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_kind_maps_to_the_status_with_the_same_number() {
        for &kind in ErrorKind::ALL {
            assert_eq!(mdca_status::from_kind(kind) as i32, kind.code(), "{kind}");
        }
    }

    #[test]
    fn ok_is_zero_and_done_is_not_an_error_code() {
        assert_eq!(mdca_status::Ok as i32, 0);
        assert_eq!(mdca_status::Done as i32, 401);
        assert_eq!(ErrorKind::from_code(0), None);
        assert_eq!(ErrorKind::from_code(401), None);
    }
}
