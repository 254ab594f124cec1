//! Placeholder until the forms module lands.
pub mod schema;
