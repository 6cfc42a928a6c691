//! Connections that a handler can abort with a real TCP reset (the `reset` fault, api.md §14
//! rule 29): a client must see "connection reset by peer", not a polite close or an error page.
//!
//! Each accepted socket gets a kill switch; the handler reaches it through `ConnectInfo`. Once the
//! switch is set, the next read or write on the socket sets `SO_LINGER` to zero and fails, so
//! hyper drops the connection and the kernel answers with RST instead of FIN.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The simulator's listener: a TCP listener whose connections carry a kill switch.
pub(crate) struct SimListener(pub(crate) TcpListener);

impl Listener for SimListener {
    type Io = ConnIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (ConnIo, SocketAddr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    let io = ConnIo {
                        stream,
                        kill: Arc::new(AtomicBool::new(false)),
                    };
                    return (io, addr);
                }
                Err(e) => {
                    // Typically EMFILE under a flood: back off instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// One accepted connection.
pub(crate) struct ConnIo {
    stream: TcpStream,
    kill: Arc<AtomicBool>,
}

impl ConnIo {
    fn killed(&self) -> Option<io::Error> {
        if !self.kill.load(Ordering::Acquire) {
            return None;
        }
        // A zero linger never blocks on close (the reason tokio deprecates `set_linger` is
        // the blocking non-zero case); it turns the close into an RST.
        #[allow(deprecated)]
        let _ = self.stream.set_linger(Some(Duration::ZERO));
        Some(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "connection reset by the simulator's reset fault",
        ))
    }
}

impl Drop for ConnIo {
    fn drop(&mut self) {
        // hyper may drop the connection without another read or write (e.g. when the response
        // body fails): the reset must still turn the close into an RST.
        let _ = self.killed();
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(e) = this.killed() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(e) = this.killed() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(e) = this.killed() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(e) = this.killed() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(e) = this.killed() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}

/// The handler's grip on its connection, available as `ConnectInfo<ConnHandle>`.
#[derive(Clone, Debug)]
pub(crate) struct ConnHandle {
    kill: Arc<AtomicBool>,
}

impl ConnHandle {
    /// Makes the connection end with a TCP reset as soon as hyper touches it again.
    pub(crate) fn reset(&self) {
        self.kill.store(true, Ordering::Release);
    }
}

impl Connected<IncomingStream<'_, SimListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Self {
        ConnHandle {
            kill: stream.io().kill.clone(),
        }
    }
}
