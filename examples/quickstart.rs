//! Placeholder: the real quickstart example replaces this file.

fn main() {}
