//! The `Client` façade: one value holding the HTTP core (credentials, token cache, pacing, retries), cheap to
//! clone and share between threads. List queries are in [`crate::pager`], actions in [`crate::actions`].

use std::sync::Arc;

use crate::config::{ApiBase, ClientBuilder, ClientOptions};
use crate::entity::EntityKind;
use crate::error::Result;
use crate::http::HttpCore;
use crate::pager::{Pager, QueryRequest};

/// A client for one tenant. Clones share everything (connections, tokens, the throttle budget).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: HttpCore,
    prefetch: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Only the URL: credentials stay out of Debug output.
        f.debug_struct("Client")
            .field("api_base", &self.api_base().as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a [`ClientBuilder`] for the portal URL (scheme, `/api` suffix and fragments are optional).
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(url)
    }

    /// A client from options (e.g. [`ClientOptions::from_json`]). Validates them and builds the HTTP
    /// client; sends nothing.
    pub fn from_options(options: ClientOptions) -> Result<Client> {
        options.validate()?;
        let http = HttpCore::new(&options)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                prefetch: options.prefetch,
            }),
        })
    }

    /// The normalised API base URL (ends in `/api/` or `/cas/api/`).
    pub fn api_base(&self) -> &ApiBase {
        self.inner.http.api_base()
    }

    /// How this client authenticates: legacy token, app credentials or a bearer token.
    pub fn auth_mode(&self) -> crate::auth::AuthMode {
        self.inner.http.auth_mode()
    }

    /// Whether a legacy API token is configured (alone, or beside app/bearer credentials, where it
    /// serves the Files API).
    pub fn has_legacy_token(&self) -> bool {
        self.inner.http.has_legacy_token()
    }

    /// Signs in now instead of at the first request: fetches an access token (app credentials, managed
    /// identity) or completes a device code sign-in — polling the code from
    /// [`Client::device_code_begin`], or asking for one and showing it through the builder's prompt
    /// callback (docs/api.md §3.9). Returns once signed in; `cancel` stops the polling.
    pub async fn sign_in(&self, cancel: &crate::CancelToken) -> Result<()> {
        self.inner.http.sign_in(cancel).await
    }

    /// Asks Entra ID for a device code and returns what to show the user; then call
    /// [`Client::sign_in`], which waits until the user has signed in. Starting again drops the code
    /// pending before. `Unsupported` unless the client signs in with a device code.
    pub async fn device_code_begin(
        &self,
        cancel: &crate::CancelToken,
    ) -> Result<crate::device_code::DeviceCodePrompt> {
        self.inner.http.device_code_begin(cancel).await
    }

    /// This client's traffic so far: requests, retries, 429s, token requests, time spent pacing.
    pub fn stats(&self) -> crate::http::HttpStats {
        self.inner.http.stats()
    }

    /// Starts a list query. The request is checked against the entity table here (page size, sort field,
    /// filter shape, scan rules) and nothing is sent until [`Pager::next_page`].
    pub fn query(&self, kind: EntityKind, request: QueryRequest) -> Result<Pager> {
        Pager::new(self.clone(), kind, request, self.inner.prefetch)
    }

    pub(crate) fn http(&self) -> &HttpCore {
        &self.inner.http
    }
}
