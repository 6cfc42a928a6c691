//! The panic boundary every exported body runs in: a panic becomes `MDCA_STATUS_PANIC` with its message
//! in the last error, never an unwind across `extern "C"` (which would abort the caller's process).

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Once, OnceLock};

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

/// The id of the process that first called into the library. A child made by `fork()` inherits it, but
/// not the library's threads (the shared tokio runtime, the prefetch tasks): any call there would wait
/// forever on a thread that does not exist, so it is refused instead.
static FIRST_PID: OnceLock<u32> = OnceLock::new();

/// Whether this process is a `fork()` child of the process that started using the library.
pub(crate) fn in_forked_child() -> bool {
    let me = std::process::id();
    *FIRST_PID.get_or_init(|| me) != me
}

fn forked_child_error(function: &str) -> Error {
    Error::new(
        ErrorKind::ForkedChild,
        format!(
            "{function} was called in a child process created by fork() after the parent had used mdca: \
             the library's worker threads do not exist in the child"
        ),
    )
    .with_hint(
        "create clients only after fork(), or exec() in the child; in the child only the free \
         functions, mdca_string_free and the last-error functions may be called",
    )
}

/// Routes panics raised inside the boundary into the last error instead of stderr (a C program's stderr
/// is not ours to write to), and leaves every other panic to the previously installed hook.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            // try_with: a panic can be raised while this thread's locals are being destroyed (a
            // thread-exit destructor calling into the library); then nothing is printed either.
            match DEPTH.try_with(Cell::get) {
                Ok(0) => {
                    previous(info);
                    return;
                }
                Ok(_) => {}
                Err(_) => return,
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
            let _ = PANIC_REPORT.try_with(|r| *r.borrow_mut() = Some(report));
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
    run_checked(function, true, body)
}

/// As [`run`], for the functions that must work in a `fork()` child too: freeing (which then leaks
/// instead of touching the parent's threads), `mdca_string_free` and the last-error functions.
pub(crate) fn run_in_child_too(
    function: &'static str,
    body: impl FnOnce() -> Result<mdca_status>,
) -> mdca_status {
    run_checked(function, false, body)
}

fn run_checked(
    function: &'static str,
    refuse_in_child: bool,
    body: impl FnOnce() -> Result<mdca_status>,
) -> mdca_status {
    // Everything, the bookkeeping and the last-error write included, runs inside catch_unwind: a call made
    // from a thread-exit destructor finds its thread-locals gone, and a panic there must still become a
    // status, never an unwind across `extern "C"` (which aborts the host process).
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        install_hook();
        if refuse_in_child && in_forked_child() {
            return fail(forked_child_error(function));
        }
        let _ = DEPTH.try_with(|d| d.set(d.get() + 1));
        let outcome = panic::catch_unwind(AssertUnwindSafe(body));
        let _ = DEPTH.try_with(|d| d.set(d.get().saturating_sub(1)));
        match outcome {
            Ok(Ok(status)) => status,
            Ok(Err(error)) => fail(error),
            Err(_) => {
                let report = PANIC_REPORT
                    .try_with(|r| r.borrow_mut().take())
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| "unknown panic".to_string());
                fail(
                    Error::new(ErrorKind::Panic, format!("{function} panicked: {report}"))
                        .with_hint(
                        "this is a bug in mdca; please report it with this message. The handles \
                             you passed stay valid but the object may be unusable",
                    ),
                )
            }
        }
    }));
    // Only a panic of the last-error write itself (its thread-locals gone) reaches here: the status
    // still tells the caller what happened.
    outcome.unwrap_or(mdca_status::Panic)
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
