//! Switchboard benchmark suite (see README.md).
