//! The workflow engine: plans, runs and records steps.
//!
//! `plan` says which steps a workflow has, `runner` drives a process through them,
//! `command` runs the `run` steps' programs (`ahead` starts their shells before their
//! turn), `builtins` the built-in steps, `merge` applies step output to the state,
//! `owner` tells who runs a process.

pub mod ahead;
pub mod answer;
pub mod builtins;
pub mod choices;
pub mod command;
pub mod lease;
pub mod lifeline;
pub mod merge;
pub mod owner;
pub mod plan;
pub mod runner;
pub mod secrets;
pub mod start;
pub mod subscription;
#[cfg(test)]
mod tests;
pub mod token;
