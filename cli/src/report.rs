//! How a failure leaves the process: the exit code for each error kind and the line on stderr.

use mdca::error::{Error, ErrorKind};

use crate::args::ErrorFormat;

/// Exit codes, grouped like the library's error code ranges (documented in `--help` and docs/cli.md).
pub const OK: u8 = 0;
pub const INTERNAL: u8 = 1;
pub const USAGE: u8 = 2;
pub const AUTH: u8 = 3;
pub const NOT_FOUND: u8 = 4;
pub const SERVER: u8 = 5;
pub const TRANSPORT: u8 = 6;
pub const CANCELLED: u8 = 130;

pub fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::NotFound => NOT_FOUND,
        ErrorKind::Cancelled => CANCELLED,
        _ => match kind.code() {
            1..=99 => USAGE,
            100..=199 => AUTH,
            200..=299 => SERVER,
            300..=399 => TRANSPORT,
            _ => INTERNAL,
        },
    }
}

/// Prints the error on stderr: `mdca: error: <message (HTTP status, correlation id). Hint: …>` or the
/// library's JSON form on one line.
pub fn print_error(err: &Error, format: ErrorFormat) {
    match format {
        ErrorFormat::Text => eprintln!("mdca: error: {err}"),
        ErrorFormat::Json => eprintln!("{}", err.to_json()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_error_code_ranges() {
        assert_eq!(exit_code(ErrorKind::InvalidFilter), USAGE);
        assert_eq!(exit_code(ErrorKind::InvalidConfig), USAGE);
        assert_eq!(exit_code(ErrorKind::FilesNeedLegacyToken), AUTH);
        assert_eq!(exit_code(ErrorKind::Unauthorized), AUTH);
        assert_eq!(exit_code(ErrorKind::NotFound), NOT_FOUND);
        assert_eq!(exit_code(ErrorKind::Throttled), SERVER);
        assert_eq!(exit_code(ErrorKind::BadRequest), SERVER);
        assert_eq!(exit_code(ErrorKind::Timeout), TRANSPORT);
        assert_eq!(exit_code(ErrorKind::Cancelled), CANCELLED);
        assert_eq!(exit_code(ErrorKind::Internal), INTERNAL);
        for kind in ErrorKind::ALL {
            assert_ne!(exit_code(*kind), OK, "{kind:?} must not look like success");
        }
    }
}
