//! mdca — a client for the Microsoft Defender for Cloud Apps (MDCA, formerly MCAS) REST API.
//!
//! The library authenticates (legacy API token, application context, an Azure managed identity, a
//! user's device code sign-in, or a pre-acquired bearer token) in the commercial and US government clouds,
//! paces itself under the tenant's 30 requests/minute throttle, retries transient faults, streams
//! list results page by page with constant memory, and explains every error (HTTP status, the server's
//! `correlation_id`, and a hint for known causes such as the Files API refusing app-context tokens).
//!
//! See `docs/architecture.md` for the layout and the contracts between modules, and the
//! specification (`api.md §N` in comments) for the API facts each rule comes from.

pub mod actions;
pub mod assertion;
pub mod auth;
pub mod cancel;
pub mod client;
pub mod cloud;
pub mod config;
pub(crate) mod depth;
pub mod device_code;
pub mod discovery;
pub mod entity;
pub mod error;
pub mod ffi;
pub mod filter;
pub(crate) mod http;
pub(crate) mod limiter;
pub mod pager;
pub mod params;
pub(crate) mod pin;
pub mod records;
pub mod runtime;
pub mod secret;
pub(crate) mod stream;

pub use actions::{
    AlertSelection, CloseAlerts, CloseAs, CloseOutcome, EntityPk, RawRequest, SubnetSpec,
};
pub use assertion::{AssertionAlgorithm, CertificateCredentials, CertificateSource};
pub use cancel::CancelToken;
pub use client::Client;
pub use cloud::Cloud;
pub use config::{
    ApiBase, AppCredentials, AuthOptions, ClientBuilder, ClientOptions, ManagedIdentity, RateLimit,
    RetryPolicy, TokenEndpoint,
};
pub use device_code::{DeviceCode, DeviceCodePrompt};
pub use discovery::{Appliance, LogUpload, UploadOutcome};
pub use entity::{EntityKind, EntitySpec, FieldType};
pub use error::{Error, ErrorKind, Result};
pub use filter::{FilterBuilder, Op};
pub use http::HttpStats;
pub use pager::{
    CancelHandle, Checkpoint, Page, Pager, Progress, ProgressHandle, QueryRequest, SortDirection,
};
pub use records::Records;
pub use secret::Secret;
