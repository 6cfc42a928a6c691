//! Ctrl+C: the first one cancels the work in progress (it stops within one request timeout and
//! exits 130); a second one exits at once.

use std::future::Future;

use mdca::error::{Error, Result};
use mdca::pager::CancelHandle;
use tokio::task::JoinHandle;

use crate::report;

/// Cancels the pull on Ctrl+C. Abort the returned task when the pull is over.
pub fn cancel_on_ctrl_c(cancel: CancelHandle) -> JoinHandle<()> {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.cancel();
            exit_on_second_ctrl_c().await;
        }
    })
}

/// Runs a single request-sized action; Ctrl+C abandons it (the request in flight is dropped).
pub async fn or_ctrl_c<T>(work: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(Error::cancelled()),
    }
}

async fn exit_on_second_ctrl_c() {
    if tokio::signal::ctrl_c().await.is_ok() {
        std::process::exit(i32::from(report::CANCELLED));
    }
}
