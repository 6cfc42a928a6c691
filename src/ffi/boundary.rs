//! The panic boundary every exported body runs in: a panic becomes `MDCA_STATUS_PANIC` with its message
//! in the last error, never an unwind across `extern "C"` (which would abort the caller's process).

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use crate::error::{Error, ErrorKind, Result};
use crate::ffi::error::set_last_error;
use crate::ffi::status::mdca_status;

thread_local! {
    /// How many exported calls this thread is inside (a C callback could in principle re-enter).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// The message and location of the last panic on this thread inside the boundary, from the hook.
    static PANIC_REPORT: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Routes panics raised inside the boundary into the last error instead of stderr (a C program's stderr
/// is not ours to write to), and leaves every other panic to the previously installed hook.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if DEPTH.with(Cell::get) == 0 {
                previous(info);
                return;
            }
            let payload = info.payload();
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic with a non-string payload".to_string());
            let report = match info.location() {
                Some(loc) => format!("{what} (at {}:{})", loc.file(), loc.line()),
                None => what,
            };
            PANIC_REPORT.with(|r| *r.borrow_mut() = Some(report));
        }));
    });
}

/// Runs an exported function's body. `Ok(status)` is returned as is (`OK`, or `DONE` for the end of a
/// query); an error is recorded as the thread's last error and its status returned; a panic becomes
/// `MDCA_STATUS_PANIC`.
pub(crate) fn run(
    function: &'static str,
    body: impl FnOnce() -> Result<mdca_status>,
) -> mdca_status {
    install_hook();
    DEPTH.with(|d| d.set(d.get() + 1));
    let outcome = panic::catch_unwind(AssertUnwindSafe(body));
    DEPTH.with(|d| d.set(d.get() - 1));
    match outcome {
        Ok(Ok(status)) => status,
        Ok(Err(error)) => fail(error),
        Err(_) => {
            let report = PANIC_REPORT
                .with(|r| r.borrow_mut().take())
                .unwrap_or_else(|| "unknown panic".to_string());
            fail(
                Error::new(ErrorKind::Panic, format!("{function} panicked: {report}")).with_hint(
                    "this is a bug in mdca; please report it with this message. The handles you \
                     passed stay valid but the object may be unusable",
                ),
            )
        }
    }
}

fn fail(error: Error) -> mdca_status {
    let status = mdca_status::from_kind(error.kind());
    set_last_error(&error);
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::error::last_error_json;

    #[test]
    fn a_panic_inside_the_boundary_becomes_the_panic_status_with_its_message() {
        let status = run("mdca_test_function", || panic!("deliberate test panic"));
        assert_eq!(status, mdca_status::Panic);
        let json: serde_json::Value = serde_json::from_str(&last_error_json().unwrap()).unwrap();
        assert_eq!(json["code"], 901);
        let message = json["message"].as_str().unwrap();
        assert!(message.contains("mdca_test_function"), "{message}");
        assert!(message.contains("deliberate test panic"), "{message}");
    }

    #[test]
    fn an_error_is_recorded_and_returned_as_its_status() {
        let status = run("mdca_test_function", || {
            Err(Error::new(ErrorKind::NotFound, "no such thing"))
        });
        assert_eq!(status, mdca_status::NotFound);
        assert!(last_error_json().unwrap().contains("no such thing"));
    }

    #[test]
    fn the_boundary_is_left_after_a_panic() {
        let _ = run("mdca_test_function", || panic!("first"));
        assert_eq!(DEPTH.with(Cell::get), 0);
    }
}
