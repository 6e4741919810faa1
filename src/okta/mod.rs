//! Okta's Management API as this integration uses it.
//!
//! This module speaks HTTP and Okta JSON only: it knows nothing of XSOAR entries, context paths
//! or markdown.

pub mod client;
pub mod error;
pub mod expression;

pub use client::{Lifecycle, LogPage, OktaClient};
pub use error::{ApiError, OktaError};
