//! Shared helpers for the examples (none yet).

#![forbid(unsafe_code)]
