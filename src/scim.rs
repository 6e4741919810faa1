//! Placeholder: replaced by the SCIM module.
