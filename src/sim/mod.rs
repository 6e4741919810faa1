//! Placeholder: replaced by the Okta stand-in.
