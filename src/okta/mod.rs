//! Okta's Management API as this integration uses it.
//!
//! This module speaks HTTP and Okta JSON only: it knows nothing of XSOAR entries, context paths
//! or markdown.

pub mod client;
pub mod error;
pub mod expression;
pub mod retry;

pub use client::{Lifecycle, LogPage, OktaClient, Sleeper};
pub use error::{ApiError, OktaError, RetryNote};
pub use retry::RetryPolicy;
