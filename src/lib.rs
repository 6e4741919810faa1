//! Okta IT Admin: an XSOAR-style integration that manages the identity lifecycle of Okta users
//! and turns Okta System Log events into incidents.

pub mod markdown;
pub mod scim;
pub mod sim;
