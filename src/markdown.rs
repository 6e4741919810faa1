//! Placeholder: replaced by the markdown module.
