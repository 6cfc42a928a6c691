//! The one error type of the library, with stable numeric codes shared by the C ABI, C# and PowerShell.
//!
//! Every error says what happened and why (`message`), what to do (`hint`), and carries what the server
//! told us (`http_status`, `detail`, `correlation_id`) so a support ticket can quote it (api.md §12).
//! Secrets never enter an error: messages are built from paths, statuses and server bodies only.

use std::fmt;

use serde_json::{json, Value};

/// What kind of failure an [`Error`] is. The numbers are part of the C ABI: never change or reuse one.
///
/// Ranges: 1–99 caller errors detected locally (no request sent), 100–199 authentication and
/// authorisation, 200–299 the server answered with an error, 300–399 transport, 400–499 flow control,
/// 900+ internal. 0 is success in the C ABI and is not a kind.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A bad argument value.
    InvalidArgument = 1,
    /// Bad client options (URL, http on a non-loopback host, missing credentials…).
    InvalidConfig = 2,
    /// Unknown filter field or operator, or a value of the wrong type.
    InvalidFilter = 3,
    /// Malformed JSON given by the caller.
    InvalidJson = 4,
    /// (C ABI) a string that is not UTF-8.
    InvalidUtf8 = 5,
    /// (C ABI) a null pointer.
    NullPointer = 6,
    /// (C ABI) a freed, double-freed or foreign handle.
    InvalidHandle = 7,
    /// An entity name that is not one of activities, alerts, files, entities, subnets.
    UnknownEntity = 8,
    /// An action not available for this entity.
    Unsupported = 9,
    /// (C ABI) a call made in a child process after `fork()`: the library's threads did not survive it.
    ForkedChild = 10,
    /// HTTP 401, after one token refresh and retry where a refresh is possible.
    Unauthorized = 100,
    /// HTTP 403: the role or permission lacks the action (api.md §3.4, §3.6).
    Forbidden = 101,
    /// The Files API refused a Bearer token (api.md §3.5, §12).
    FilesNeedLegacyToken = 102,
    /// The identity endpoint refused or failed the client-credentials request (api.md §3.2).
    TokenRequestFailed = 103,
    /// The user declined a device code sign-in (docs/api.md §3.9).
    DeviceCodeDeclined = 110,
    /// A device code expired before the user signed in (docs/api.md §3.9).
    DeviceCodeExpired = 111,
    /// A delegated sign-in is needed: none was done yet, or the refresh token was refused
    /// (`invalid_grant`: revoked, expired) and only a new sign-in helps (docs/api.md §3.9).
    SignInRequired = 112,
    /// HTTP 404.
    NotFound = 200,
    /// HTTP 400; the server's validation body is kept in `detail`.
    BadRequest = 201,
    /// HTTP 429 still after the retry budget.
    Throttled = 202,
    /// HTTP 5xx still after the retry budget.
    ServerError = 203,
    /// Any other non-2xx status.
    UnexpectedStatus = 204,
    /// A body that is not the JSON expected (HTML page, truncated) after the retry budget.
    InvalidResponse = 205,
    /// The request timed out.
    Timeout = 300,
    /// Connect, reset, DNS or proxy failure.
    Connection = 301,
    /// TLS handshake or certificate failure.
    Tls = 302,
    /// Cancelled by the caller.
    Cancelled = 400,
    /// A bug in mdca.
    Internal = 900,
    /// (C ABI) a panic caught at the boundary.
    Panic = 901,
}

impl ErrorKind {
    /// Every kind, in code order.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::InvalidArgument,
        ErrorKind::InvalidConfig,
        ErrorKind::InvalidFilter,
        ErrorKind::InvalidJson,
        ErrorKind::InvalidUtf8,
        ErrorKind::NullPointer,
        ErrorKind::InvalidHandle,
        ErrorKind::UnknownEntity,
        ErrorKind::Unsupported,
        ErrorKind::ForkedChild,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::FilesNeedLegacyToken,
        ErrorKind::TokenRequestFailed,
        ErrorKind::DeviceCodeDeclined,
        ErrorKind::DeviceCodeExpired,
        ErrorKind::SignInRequired,
        ErrorKind::NotFound,
        ErrorKind::BadRequest,
        ErrorKind::Throttled,
        ErrorKind::ServerError,
        ErrorKind::UnexpectedStatus,
        ErrorKind::InvalidResponse,
        ErrorKind::Timeout,
        ErrorKind::Connection,
        ErrorKind::Tls,
        ErrorKind::Cancelled,
        ErrorKind::Internal,
        ErrorKind::Panic,
    ];

    /// The stable numeric code (C ABI status).
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The kind with this code, if any.
    pub fn from_code(code: i32) -> Option<ErrorKind> {
        ErrorKind::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// The stable snake_case name (`files_need_legacy_token`), used in JSON and by the wrappers.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::InvalidFilter => "invalid_filter",
            ErrorKind::InvalidJson => "invalid_json",
            ErrorKind::InvalidUtf8 => "invalid_utf8",
            ErrorKind::NullPointer => "null_pointer",
            ErrorKind::InvalidHandle => "invalid_handle",
            ErrorKind::UnknownEntity => "unknown_entity",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::ForkedChild => "forked_child",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::FilesNeedLegacyToken => "files_need_legacy_token",
            ErrorKind::TokenRequestFailed => "token_request_failed",
            ErrorKind::DeviceCodeDeclined => "device_code_declined",
            ErrorKind::DeviceCodeExpired => "device_code_expired",
            ErrorKind::SignInRequired => "sign_in_required",
            ErrorKind::NotFound => "not_found",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Throttled => "throttled",
            ErrorKind::ServerError => "server_error",
            ErrorKind::UnexpectedStatus => "unexpected_status",
            ErrorKind::InvalidResponse => "invalid_response",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connection => "connection",
            ErrorKind::Tls => "tls",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Internal => "internal",
            ErrorKind::Panic => "panic",
        }
    }

    /// The kind with this snake_case name, if any.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.iter().copied().find(|k| k.name() == name)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An mdca error: a kind with a stable code, a message (what happened and why), what the server said,
/// and a hint (what to do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    http_status: Option<u16>,
    detail: Option<String>,
    correlation_id: Option<String>,
    hint: Option<String>,
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error of `kind` with a message saying what happened and why.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            http_status: None,
            detail: None,
            correlation_id: None,
            hint: None,
        }
    }

    /// Adds what the caller should do about it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// Adds the HTTP status the server answered.
    pub fn with_http_status(mut self, status: u16) -> Error {
        self.http_status = Some(status);
        self
    }

    /// Adds the server's `detail` (or a compact form of its error body).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Error {
        self.detail = Some(detail.into());
        self
    }

    /// Adds the server's `correlation_id`.
    pub fn with_correlation_id(mut self, id: impl Into<String>) -> Error {
        self.correlation_id = Some(id.into());
        self
    }

    /// Replaces the message, keeping everything else (used to add context such as the attempt count).
    pub fn with_message(mut self, message: impl Into<String>) -> Error {
        self.message = message.into();
        self
    }

    /// A local caller error: a bad argument value.
    pub fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// Bad client options.
    pub fn invalid_config(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidConfig, message)
    }

    /// The caller cancelled the operation.
    pub fn cancelled() -> Error {
        Error::new(
            ErrorKind::Cancelled,
            "the operation was cancelled by the caller",
        )
    }

    /// A bug in mdca.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, message)
            .with_hint("this is a bug in mdca; please report it with the message above")
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable numeric code of the kind.
    pub fn code(&self) -> i32 {
        self.kind.code()
    }

    /// What happened and why.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// The server's `detail`, or a compact form of its error body (never an HTML page).
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The server's `correlation_id`, to quote to Microsoft support.
    pub fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// `{"code","kind","message","http_status","detail","correlation_id","hint"}` — the shape the C ABI,
    /// C# and PowerShell read.
    pub fn to_json(&self) -> Value {
        json!({
            "code": self.code(),
            "kind": self.kind.name(),
            "message": self.message,
            "http_status": self.http_status,
            "detail": self.detail,
            "correlation_id": self.correlation_id,
            "hint": self.hint,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match (self.http_status, &self.correlation_id) {
            (Some(s), Some(c)) => write!(f, " (HTTP {s}, correlation id {c})")?,
            (Some(s), None) => write!(f, " (HTTP {s})")?,
            (None, Some(c)) => write!(f, " (correlation id {c})")?,
            (None, None) => {}
        }
        if let Some(h) = &self.hint {
            write!(f, ". Hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for &k in ErrorKind::ALL {
            assert!(seen.insert(k.code()), "duplicate code {}", k.code());
            assert_eq!(ErrorKind::from_code(k.code()), Some(k));
            assert_eq!(ErrorKind::from_name(k.name()), Some(k));
        }
        assert_eq!(ErrorKind::from_code(0), None);
    }

    #[test]
    fn codes_match_the_documented_table() {
        assert_eq!(ErrorKind::InvalidConfig.code(), 2);
        assert_eq!(ErrorKind::FilesNeedLegacyToken.code(), 102);
        assert_eq!(ErrorKind::TokenRequestFailed.code(), 103);
        assert_eq!(ErrorKind::InvalidResponse.code(), 205);
        assert_eq!(ErrorKind::Tls.code(), 302);
        assert_eq!(ErrorKind::Cancelled.code(), 400);
        assert_eq!(ErrorKind::Panic.code(), 901);
    }

    #[test]
    fn display_puts_status_and_correlation_id_before_the_hint() {
        let e = Error::new(ErrorKind::Forbidden, "GET v1/alerts/ was refused")
            .with_http_status(403)
            .with_correlation_id("abc")
            .with_hint("grant Investigation.read");
        assert_eq!(
            e.to_string(),
            "GET v1/alerts/ was refused (HTTP 403, correlation id abc). Hint: grant Investigation.read"
        );
        let j = e.to_json();
        assert_eq!(j["code"], 101);
        assert_eq!(j["kind"], "forbidden");
        assert_eq!(j["http_status"], 403);
        assert!(j["detail"].is_null());
    }
}
