//! The domain: products, lifecycles and subscriptions as plain data, with no I/O.
//!
//! Definitions are parsed into these types (see `definition`), stored as JSON by the
//! store and checked here; nothing in this module knows about files, SQL or terminals.

pub mod lifecycle;
pub mod path;
pub mod process;
pub mod product;
pub mod subscription;
pub mod usability;
pub mod workflow;
