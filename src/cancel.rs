//! Cooperative cancellation: one token shared between the caller (any thread) and the async work.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

/// A cancellation flag. Clone it freely: all clones share one state. `cancel()` may be called from any
/// thread (PowerShell's Ctrl+C handler, a C caller); every wait and in-flight request that observes the
/// token ends promptly with [`ErrorKind::Cancelled`](crate::error::ErrorKind::Cancelled).
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    cancelled: AtomicBool,
    notify: Notify,
}

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Requests cancellation. Idempotent.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Completes once the token is cancelled (immediately if it already is).
    pub async fn cancelled(&self) {
        loop {
            let notified = self.inner.notify.notified();
            tokio::pin!(notified);
            // Register before checking the flag so a cancel() between the check and the await is not lost.
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }

    /// `Err(Cancelled)` if the token is cancelled, for checks between steps.
    pub fn check(&self) -> crate::error::Result<()> {
        if self.is_cancelled() {
            Err(crate::error::Error::cancelled())
        } else {
            Ok(())
        }
    }

    /// Runs `fut` unless the token is cancelled first.
    pub async fn run<F: std::future::Future>(&self, fut: F) -> crate::error::Result<F::Output> {
        tokio::select! {
            biased;
            _ = self.cancelled() => Err(crate::error::Error::cancelled()),
            out = fut => Ok(out),
        }
    }

    /// Sleeps for `d` unless cancelled first.
    pub async fn sleep(&self, d: std::time::Duration) -> crate::error::Result<()> {
        self.run(tokio::time::sleep(d)).await
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn cancel_from_another_thread_wakes_a_waiter() {
        let t = CancelToken::new();
        let t2 = t.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            t2.cancel();
        });
        let r =
            tokio::time::timeout(Duration::from_secs(5), t.sleep(Duration::from_secs(60))).await;
        assert_eq!(
            r.unwrap().unwrap_err().kind(),
            crate::error::ErrorKind::Cancelled
        );
    }

    #[tokio::test]
    async fn an_already_cancelled_token_completes_at_once() {
        let t = CancelToken::new();
        t.cancel();
        t.cancelled().await;
        assert!(t.check().is_err());
    }
}
