//! The shapes of the API as OpenAPI schemas. The bodies themselves are built by
//! `crate::shapes` (one serialisation for `-o json` and the API); these types only
//! describe them, and the API tests check every answer against them (and schemathesis
//! does, property by property), so the description cannot drift from the bodies.
//!
//! An `Option` is nullable; one the body always holds (as `null` when empty) is also
//! `required`, so a client generator makes it a field rather than an optional one.
//! Those the body leaves out when empty stay optional.

#![allow(dead_code)]

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Every error: what kind, what went wrong, hints, and each field at fault.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `invalid`, `unauthorized`, `forbidden`, `not_found`, `conflict`, `too_large`,
    /// `failure`, `internal`, …
    pub kind: String,
    pub message: String,
    pub hints: Vec<String>,
    /// Every field or request parameter at fault when the input was invalid (422 for
    /// a form or a body, 400 for the query or a header).
    pub fields: Vec<FieldProblem>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    /// The field's type (`choice`, `ipv4`, …), `unknown` for a key that names no field,
    /// or where a parameter of the request at fault is: `query` or `header`.
    #[serde(rename = "type")]
    pub field_type: String,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`; `degraded` (with status 503) when the server's worker has stopped.
    pub status: String,
    pub version: String,
    /// This server's own worker: `running`, `none` (`--no-worker`) or `stopped`.
    pub worker: String,
    /// Why the worker stopped, when it has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_error: Option<String>,
    /// How many workers run on the database, this server's own included, as `orch
    /// worker list` tells them (0: what is started here waits for one); null when the
    /// database did not say within half a second.
    #[schema(required = true)]
    pub workers: Option<u64>,
    /// `running`, `paused` (`orch engine pause`: no step starts), or `unknown` when
    /// the database did not say within half a second.
    pub engine: String,
}

#[derive(Serialize, ToSchema)]
pub struct Product {
    pub product_id: String,
    pub name: String,
    pub tag: String,
    #[serde(rename = "type")]
    pub product_type: String,
    pub description: String,
    pub status: String,
    pub root: Value,
    pub fixed_inputs: Value,
    /// How many subscriptions it has.
    pub subscriptions: i64,
    #[schema(required = true)]
    pub source: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Its product blocks (one product only).
    pub blocks: Option<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkflowSummary {
    pub name: String,
    /// `create`, `modify`, `terminate`, `validate` or `system`.
    pub target: String,
    pub description: String,
    pub products: Vec<String>,
    /// How many steps the file defines.
    pub steps: i64,
    /// The file it comes from, or `built-in`.
    pub source: String,
}

#[derive(Serialize, ToSchema)]
pub struct PlannedStep {
    pub name: String,
    pub added_by_target: bool,
    pub does: String,
}

#[derive(Serialize, ToSchema)]
pub struct WorkflowDetail {
    pub name: String,
    pub target: String,
    pub description: String,
    pub products: Vec<String>,
    pub source: String,
    pub hash: String,
    /// Every step a run goes through, those the target adds included.
    pub steps: Vec<PlannedStep>,
    /// The parsed definition.
    pub definition: Value,
}

#[derive(Serialize, ToSchema)]
pub struct ProductRef {
    pub name: String,
    pub tag: String,
    #[serde(rename = "type")]
    pub product_type: String,
}

/// A subscription; one read also holds its block tree under its product's root key
/// (`node`, `circuit`, …) and the processes that touched it.
#[derive(Serialize, ToSchema)]
pub struct Subscription {
    pub subscription_id: String,
    pub product: ProductRef,
    pub customer_id: String,
    pub description: String,
    /// `initial`, `provisioning`, `active`, `disabled` or `terminated`.
    pub status: String,
    pub insync: bool,
    #[schema(required = true)]
    pub start_date: Option<String>,
    #[schema(required = true)]
    pub end_date: Option<String>,
    #[schema(required = true)]
    pub note: Option<String>,
    pub in_use_by: Vec<String>,
    pub depends_on: Vec<String>,
    pub processes: Option<Vec<Touch>>,
}

#[derive(Serialize, ToSchema)]
pub struct Touch {
    pub id: String,
    pub workflow: String,
    pub status: String,
    pub started_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct UsableWorkflow {
    pub name: String,
    pub target: String,
    pub usable: bool,
    /// Why it cannot run now.
    #[schema(required = true)]
    pub reason: Option<String>,
    pub description: String,
}

#[derive(Serialize, ToSchema)]
pub struct Step {
    pub name: String,
    /// `success`, `skipped`, `suspend`, `awaiting_callback`, `waiting`, `failed`,
    /// `abort` or `complete`.
    pub status: String,
    pub attempt: i64,
    pub started_at: String,
    pub finished_at: String,
    #[schema(required = true)]
    pub error: Option<String>,
    /// The end of what it printed on stderr.
    #[schema(required = true)]
    pub output: Option<String>,
    pub created_by: String,
    /// Where it runs: its name, or inside a branch its path (`Push every device [3] /
    /// Push`, DESIGN §13).
    pub path: String,
    /// The branch it ran in; none for a top-level step.
    #[schema(required = true)]
    pub branch: Option<String>,
}

/// What a suspended process waits for.
#[derive(Serialize, ToSchema)]
pub struct PendingInput {
    pub step: String,
    #[schema(required = true)]
    pub message: Option<String>,
    /// The fields to answer, as the workflow file gives them.
    pub fields: Vec<Value>,
}

/// A process of a list: without its state and steps.
#[derive(Serialize, ToSchema)]
pub struct ProcessSummary {
    pub id: String,
    pub workflow: String,
    pub target: String,
    /// `created`, `running`, `suspended`, `awaiting_callback`, `waiting`, `failed`,
    /// `aborted` or `completed`.
    pub status: String,
    #[schema(required = true)]
    pub subscription_id: Option<String>,
    #[schema(required = true)]
    pub customer_id: Option<String>,
    pub is_task: bool,
    pub created_by: String,
    pub started_at: String,
    pub last_modified_at: String,
    #[schema(required = true)]
    pub failed_reason: Option<String>,
    #[schema(required = true)]
    pub last_step: Option<String>,
    pub definition_hash: String,
    #[schema(required = true)]
    pub owner: Option<String>,
    #[schema(required = true)]
    pub lease_until: Option<String>,
    #[schema(required = true)]
    pub run_after: Option<String>,
    /// The process whose `workflow` step started it, and that step's path.
    #[schema(required = true)]
    pub parent_id: Option<String>,
    pub parent_step: Option<String>,
    /// Its row says running, but the orch that ran it is gone.
    pub stale: bool,
    /// An abort asked for while a live orch runs it, not carried out yet (that orch
    /// aborts it at its next lease renewal, or before its next step); null: none.
    #[schema(required = true)]
    pub abort_requested: Option<AbortRequested>,
}

/// Who asked to abort a running process, and when.
#[derive(Serialize, ToSchema)]
pub struct AbortRequested {
    pub by: String,
    pub at: String,
}

/// One process: its state, its step log and what it waits for.
#[derive(Serialize, ToSchema)]
pub struct Process {
    #[serde(flatten)]
    pub process: ProcessSummary,
    pub state: Value,
    pub steps: Vec<Step>,
    pub pending: Option<PendingInput>,
    /// Every input step it waits at, when a branch's step is among them.
    pub pending_steps: Option<Vec<PendingInput>>,
    /// Its `parallel` and `foreach` steps, each with its branches and their status.
    pub groups: Option<Vec<Value>>,
    /// The child processes its `workflow` steps started, oldest first.
    pub children: Option<Vec<ProcessSummary>>,
    /// The callback step it awaits, when it is `awaiting_callback`.
    pub callback: Option<CallbackWait>,
    /// The lock it queues for, when it is `waiting` for one.
    pub lock: Option<LockWait>,
}

/// A callback step a process awaits.
#[derive(Serialize, ToSchema)]
pub struct CallbackWait {
    pub step: String,
    #[schema(required = true)]
    pub since: Option<String>,
    /// Its deadline; null: it waits until answered or aborted.
    #[schema(required = true)]
    pub until: Option<String>,
    /// The deadline passed and the step was not failed yet.
    pub timed_out: bool,
    /// An answer came in that the process has not taken yet.
    pub answered: bool,
}

/// A lock a process queues for.
#[derive(Serialize, ToSchema)]
pub struct LockWait {
    pub name: String,
    /// The process holding it, if any.
    #[schema(required = true)]
    pub held_by: Option<String>,
    #[schema(required = true)]
    pub held_since: Option<String>,
    /// Its place in the queue, from 1.
    pub position: i64,
    /// The lock freed for it: it runs when a worker picks it up.
    pub woken: bool,
    /// Why the holder keeps the lock until someone acts on it: `failed`, `suspended`
    /// (awaiting input) or `stale` (its orch is gone); null when the lock frees by
    /// itself.
    #[schema(required = true)]
    pub holder_at_rest: Option<String>,
}

/// A lock held or queued for (`orch locks -o json`).
#[derive(Serialize, ToSchema)]
pub struct Lock {
    pub name: String,
    /// The process holding it; null when it is free for the first in line.
    #[schema(required = true)]
    pub process_id: Option<String>,
    #[schema(required = true)]
    pub workflow: Option<String>,
    /// The step it is held for; null for a workflow's lock (held for the whole run).
    #[schema(required = true)]
    pub step: Option<String>,
    #[schema(required = true)]
    pub since: Option<String>,
    /// The processes queued for it, in the order they get it.
    pub waiters: Vec<LockWaiter>,
    /// The holder's orch is gone: it keeps the lock until it is taken over.
    pub holder_stale: bool,
    /// The holder's status (a process status); null when the lock is free.
    #[schema(required = true)]
    pub holder_status: Option<String>,
}

/// A worker that runs processes from the queue, or ran them within the last hour
/// (`orch worker list -o json`).
#[derive(Serialize, ToSchema)]
pub struct Worker {
    /// Its name, `host/pid/start`, which the processes it runs carry as their owner.
    pub worker_id: String,
    pub host: String,
    pub pid: i64,
    /// How many processes it runs at once (`--concurrency`).
    pub concurrency: i64,
    pub started_at: String,
    pub heartbeat_at: String,
    /// Until when its lease holds, by the database's clock: past it, another worker
    /// takes its processes over.
    pub lease_until: String,
    /// When it stopped cleanly; null while it runs (or if it died).
    #[schema(required = true)]
    pub stopped_at: Option<String>,
    /// When it was asked to stop (it claims nothing more since); null otherwise.
    #[schema(required = true)]
    pub stopping_at: Option<String>,
    /// When the grace of its steps in flight runs out, once it was asked to stop.
    #[schema(required = true)]
    pub grace_until: Option<String>,
    /// The processes it runs now.
    pub processes: Vec<String>,
    pub state: WorkerStateName,
}

/// How a worker stands: `stopping` once asked to stop (its steps in flight finishing,
/// nothing more claimed); `dead` once its pid is gone (on this host) or its lease ran
/// out (elsewhere).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkerStateName {
    Running,
    Stopping,
    Dead,
    Stopped,
}

/// The engine switch (`orch engine status -o json`).
#[derive(Serialize, ToSchema)]
pub struct Engine {
    pub status: EngineStatusName,
    /// While it pauses, the steps still running (a branch in flight of a group each);
    /// running, the processes running now in a live orch.
    pub running: i64,
    /// Since when it is paused; null while it runs.
    #[schema(required = true)]
    pub paused_at: Option<String>,
    /// Who paused it; null while it runs.
    #[schema(required = true)]
    pub paused_by: Option<String>,
}

/// `running`; `pausing` (paused, steps still running); `paused` (no step runs).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EngineStatusName {
    Running,
    Pausing,
    Paused,
}

/// A process queued for a lock.
#[derive(Serialize, ToSchema)]
pub struct LockWaiter {
    pub process_id: String,
    pub workflow: String,
    pub since: String,
    /// When the lock freed for it (it is due); null while it still waits.
    #[schema(required = true)]
    pub woken_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Event {
    pub seq: i64,
    pub at: String,
    pub kind: String,
    #[schema(required = true)]
    pub process_id: Option<String>,
    #[schema(required = true)]
    pub subscription_id: Option<String>,
    pub product_id: Option<String>,
    pub data: Value,
}

/// The errors any route may answer with, all with the same body.
#[derive(utoipa::IntoResponses)]
pub enum Errors {
    /// Bad input (a query parameter, a body that is no JSON object).
    #[response(status = 400)]
    BadRequest(#[to_schema] ErrorBody),
    /// No token, or a wrong or revoked one.
    #[response(status = 401)]
    Unauthorized(#[to_schema] ErrorBody),
    /// The token's role may not do this (a `read` token on a state-changing route).
    #[response(status = 403)]
    Forbidden(#[to_schema] ErrorBody),
    /// What the path names does not exist.
    #[response(status = 404)]
    NotFound(#[to_schema] ErrorBody),
    /// The path exists, but not with this method (the `Allow` header lists its methods).
    #[response(status = 405)]
    MethodNotAllowed(#[to_schema] ErrorBody),
    /// The request took longer than the server allows (30 s), most often a body sent
    /// slowly or shorter than its `Content-Length`.
    #[response(status = 408)]
    Timeout(#[to_schema] ErrorBody),
    /// Locked, not usable, the engine paused, or the wrong status for this.
    #[response(status = 409)]
    Conflict(#[to_schema] ErrorBody),
    /// The body is larger than the server takes (1 MiB).
    #[response(status = 413)]
    TooLarge(#[to_schema] ErrorBody),
    /// The path and query are longer than the server takes (8 KiB).
    #[response(status = 414)]
    UriTooLong(#[to_schema] ErrorBody),
    /// More headers than the server takes (100).
    #[response(status = 431)]
    HeadersTooLarge(#[to_schema] ErrorBody),
    /// A body sent with a `Content-Type` other than `application/json`.
    #[response(status = 415)]
    UnsupportedMediaType(#[to_schema] ErrorBody),
    /// The answers are missing or invalid: `fields` lists every problem.
    #[response(status = 422)]
    Invalid(#[to_schema] ErrorBody),
    /// The store failed, or a bug in orch (said as such).
    #[response(status = 500)]
    Failure(#[to_schema] ErrorBody),
    /// A program of the project that orch ran to answer failed (a `choices_from`
    /// command), named in the message with its stderr.
    #[response(status = 502)]
    Upstream(#[to_schema] ErrorBody),
    /// Try again in a moment (`Retry-After`): the database is busy or out of reach, or
    /// the server is stopping.
    #[response(status = 503)]
    Unavailable(#[to_schema] ErrorBody),
}

/// The errors a callback route may answer with: those of [`Errors`] but 401 and 403,
/// as the token in the path is the route's credential (a wrong one is 404).
#[derive(utoipa::IntoResponses)]
pub enum CallbackErrors {
    /// Bad input (a query parameter, a body that is no JSON object).
    #[response(status = 400)]
    BadRequest(#[to_schema] ErrorBody),
    /// No step waits for this token: it is wrong, spent or timed out.
    #[response(status = 404)]
    NotFound(#[to_schema] ErrorBody),
    /// The path exists, but not with this method (the `Allow` header lists its methods).
    #[response(status = 405)]
    MethodNotAllowed(#[to_schema] ErrorBody),
    /// The request took longer than the server allows (30 s), most often a body sent
    /// slowly or shorter than its `Content-Length`.
    #[response(status = 408)]
    Timeout(#[to_schema] ErrorBody),
    /// The body is larger than the server takes (1 MiB).
    #[response(status = 413)]
    TooLarge(#[to_schema] ErrorBody),
    /// The path and query are longer than the server takes (8 KiB).
    #[response(status = 414)]
    UriTooLong(#[to_schema] ErrorBody),
    /// More headers than the server takes (100).
    #[response(status = 431)]
    HeadersTooLarge(#[to_schema] ErrorBody),
    /// A body sent with a `Content-Type` other than `application/json`.
    #[response(status = 415)]
    UnsupportedMediaType(#[to_schema] ErrorBody),
    /// The answer does not pass the step's `validate` (the token stays good).
    #[response(status = 422)]
    Invalid(#[to_schema] ErrorBody),
    /// The store failed, or a bug in orch (said as such).
    #[response(status = 500)]
    Failure(#[to_schema] ErrorBody),
    /// Try again in a moment (`Retry-After`): the database is busy or out of reach, or
    /// the server is stopping.
    #[response(status = 503)]
    Unavailable(#[to_schema] ErrorBody),
}

/// A process status, as a filter.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProcessStatusParam {
    Created,
    Running,
    Suspended,
    AwaitingCallback,
    Waiting,
    Failed,
    Aborted,
    Completed,
}

/// A lifecycle state, as a filter.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleParam {
    Initial,
    Provisioning,
    Active,
    Disabled,
    Terminated,
}
