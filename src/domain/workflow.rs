//! Workflows as data: the target, the header options and the user's steps.
//!
//! A process stores this structure (as canonical JSON, with its hash) when it starts,
//! so it can always be retried with the exact definition it began with.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::lifecycle::Lifecycle;
use crate::forms::schema::{FieldSpec, FormPage};

/// What a workflow does to a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Create,
    Modify,
    Terminate,
    Validate,
    System,
}

impl Target {
    pub const ALL: [Target; 5] = [
        Target::Create,
        Target::Modify,
        Target::Terminate,
        Target::Validate,
        Target::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Create => "create",
            Target::Modify => "modify",
            Target::Terminate => "terminate",
            Target::Validate => "validate",
            Target::System => "system",
        }
    }

    /// Whether a run needs an existing subscription (`--subscription`).
    pub fn needs_subscription(self) -> bool {
        matches!(self, Target::Modify | Target::Terminate | Target::Validate)
    }

    pub fn default_usable_when(self) -> Vec<Lifecycle> {
        match self {
            Target::Modify | Target::Validate => vec![Lifecycle::Active],
            Target::Terminate => vec![Lifecycle::Active, Lifecycle::Provisioning],
            Target::Create | Target::System => Vec::new(),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                let near = crate::suggest::did_you_mean(s, Target::ALL.map(Target::as_str))
                    .map(|d| format!("; {d}"))
                    .unwrap_or_default();
                format!(
                    "`{s}` is not a target (expected create, modify, terminate, validate or system){near}"
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowDef {
    pub name: String,
    pub target: Target,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub products: Vec<String>,
    /// create: the lifecycle at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Lifecycle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usable_when: Option<Vec<Lifecycle>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by_in_use: Option<bool>,
    #[serde(default)]
    pub usable_while_out_of_sync: bool,
    #[serde(default)]
    pub form: Vec<FormPage>,
    pub steps: Vec<StepDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleDef>,
    /// Locks held from `Start` to `Done` (templates over the state, rendered at Start).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<String>,
}

impl WorkflowDef {
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn hash(&self) -> String {
        super::product::hash_text(&self.canonical_json())
    }

    pub fn usable_when(&self) -> Vec<Lifecycle> {
        self.usable_when
            .clone()
            .unwrap_or_else(|| self.target.default_usable_when())
    }

    pub fn blocked_by_in_use(&self) -> bool {
        self.blocked_by_in_use
            .unwrap_or(self.target == Target::Terminate)
    }

    /// The lifecycle a create workflow ends in.
    pub fn end_status(&self) -> Lifecycle {
        self.status.unwrap_or(Lifecycle::Active)
    }

    pub fn step(&self, name: &str) -> Option<&StepDef> {
        self.steps.iter().find(|s| s.name == name)
    }

    /// Every step at any depth: the top-level ones and those inside branches.
    pub fn all_steps(&self) -> Vec<&StepDef> {
        every_step(&self.steps)
    }

    /// Whether any of its steps runs a child workflow: only then can a process of it
    /// have children.
    pub fn starts_children(&self) -> bool {
        self.all_steps()
            .iter()
            .any(|s| matches!(s.kind, StepKind::Workflow { .. }))
    }

    /// The step at a path (`Configure both ends / B side / Check B`, `Push every device
    /// [3] / Push`), with the branch it runs in (None: a top-level step).
    pub fn locate(&self, path: &str) -> Option<(&StepDef, Option<String>)> {
        super::path::locate(&self.steps, None, path)
    }
}

/// Every step of `steps` at any depth, each before those inside its branches.
pub fn every_step(steps: &[StepDef]) -> Vec<&StepDef> {
    let mut out = Vec::new();
    for s in steps {
        out.push(s);
        out.extend(s.inner_steps());
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepDef {
    pub name: String,
    #[serde(flatten)]
    pub kind: StepKind,
    /// An expression; when false the step is logged as skipped.
    #[serde(rename = "if", default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_duration"
    )]
    pub timeout: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryPolicy>,
    /// Locks held while this step runs (templates over the state, rendered when taken).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StepKind {
    Run {
        run: String,
    },
    Input {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        #[serde(default)]
        fields: Vec<FieldSpec>,
    },
    Builtin {
        builtin: String,
        #[serde(default)]
        with: serde_json::Map<String, serde_json::Value>,
    },
    /// Static branches that run concurrently (DESIGN §13).
    Parallel {
        parallel: Vec<BranchDef>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_parallel: Option<usize>,
        #[serde(default, skip_serializing_if = "is_false")]
        fail_fast: bool,
    },
    /// One branch per item of a list.
    Foreach {
        /// An expression giving the list.
        foreach: String,
        /// The state key each branch sees its item under (and `<as>_index`).
        #[serde(rename = "as")]
        item: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_parallel: Option<usize>,
        /// Where the branches' net changes go, as a list; None merges them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        collect: Option<String>,
        #[serde(default, skip_serializing_if = "is_false")]
        fail_fast: bool,
        /// Each branch's steps (a `workflow` step per item is one such step).
        steps: Vec<StepDef>,
    },
    /// A child process of another workflow.
    Workflow {
        workflow: String,
        /// A template giving the child's subscription id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subscription: Option<String>,
        /// The child's form answers; strings are templates over the branch's state.
        #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
        input: serde_json::Map<String, serde_json::Value>,
    },
    /// Waits for an external system's answer (DESIGN §14), after running `run` (if
    /// any) with the token that answers it.
    Callback {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        run: Option<String>,
        callback: CallbackSpec,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// How many branches of a group run at once unless `max_parallel` says otherwise.
pub const DEFAULT_MAX_PARALLEL: usize = 16;

/// The key a `foreach` branch sees its item under when `as` is not given.
pub const DEFAULT_ITEM: &str = "item";

/// One static branch of a `parallel` step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BranchDef {
    pub name: String,
    pub steps: Vec<StepDef>,
}

impl StepKind {
    pub fn label(&self) -> String {
        match self {
            StepKind::Run { run } => format!("run {run}"),
            StepKind::Input { .. } => "input".to_string(),
            StepKind::Builtin { builtin, .. } => format!("builtin {builtin}"),
            StepKind::Parallel { parallel, .. } => {
                let names: Vec<&str> = parallel.iter().map(|b| b.name.as_str()).collect();
                format!("parallel: {}", names.join(", "))
            }
            StepKind::Foreach {
                foreach,
                item,
                max_parallel,
                collect,
                steps,
                ..
            } => {
                let mut d = format!(
                    "foreach {item} in {foreach} ({} at once)",
                    max_parallel.unwrap_or(DEFAULT_MAX_PARALLEL)
                );
                match steps.as_slice() {
                    [
                        StepDef {
                            kind: StepKind::Workflow { workflow, .. },
                            ..
                        },
                    ] => d.push_str(&format!(": workflow {workflow}")),
                    [_] => d.push_str(": 1 step"),
                    _ => d.push_str(&format!(": {} steps", steps.len())),
                }
                if let Some(c) = collect {
                    d.push_str(&format!(", collected in {c}"));
                }
                d
            }
            StepKind::Workflow { workflow, .. } => format!("workflow {workflow}"),
            StepKind::Callback { run, callback } => {
                let mut l = match run {
                    Some(run) => format!("run {run}, then wait for a callback"),
                    None => "wait for a callback".to_string(),
                };
                if let Some(t) = callback.timeout {
                    l.push_str(&format!(" (at most {})", format_exact(t)));
                }
                l
            }
        }
    }

    /// Whether the step runs branches (a fork and a join).
    pub fn is_group(&self) -> bool {
        matches!(self, StepKind::Parallel { .. } | StepKind::Foreach { .. })
    }

    /// Stop starting steps in the other branches once one fails.
    pub fn fail_fast(&self) -> bool {
        match self {
            StepKind::Parallel { fail_fast, .. } | StepKind::Foreach { fail_fast, .. } => {
                *fail_fast
            }
            _ => false,
        }
    }

    pub fn max_parallel(&self) -> usize {
        match self {
            StepKind::Parallel { max_parallel, .. } | StepKind::Foreach { max_parallel, .. } => {
                max_parallel.unwrap_or(DEFAULT_MAX_PARALLEL).max(1)
            }
            _ => 1,
        }
    }
}

impl StepDef {
    /// Every step inside this one's branches, at any depth (not this step itself).
    pub fn inner_steps(&self) -> Vec<&StepDef> {
        let mut out = Vec::new();
        let lists: Vec<&[StepDef]> = match &self.kind {
            StepKind::Parallel { parallel, .. } => {
                parallel.iter().map(|b| b.steps.as_slice()).collect()
            }
            StepKind::Foreach { steps, .. } => vec![steps.as_slice()],
            _ => Vec::new(),
        };
        for list in lists {
            for s in list {
                out.push(s);
                out.extend(s.inner_steps());
            }
        }
        out
    }
}

/// How a `callback` step waits: for how long, where its answer goes, what it must be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallbackSpec {
    /// Unanswered after this long (from the start of the step), the step fails.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_duration"
    )]
    pub timeout: Option<Duration>,
    /// The state key the answer is stored under (default: the step's name in snake case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// An expression over `value` (the answer) and `state`; false refuses the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate: Option<String>,
    /// What a refused answer is told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl CallbackSpec {
    /// The state key the answer of step `step` goes to.
    pub fn result_key(&self, step: &str) -> String {
        self.result.clone().unwrap_or_else(|| snake_case(step))
    }
}

/// `Wait for the provisioning system` → `wait_for_the_provisioning_system`: letters and
/// digits kept (lower case), every other run of characters one underscore.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("callback");
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    #[serde(with = "duration_secs")]
    pub delay: Duration,
    /// Multiplies the delay after each attempt (1 keeps it constant).
    #[serde(default = "one")]
    pub backoff: f64,
}

fn one() -> f64 {
    1.0
}

impl RetryPolicy {
    /// The wait before `attempt`, at most [`MAX_DURATION`]: a backoff that grows past
    /// what a time can hold would otherwise make the attempt due at once instead of
    /// never.
    pub fn delay_before(&self, attempt: u32) -> Duration {
        let factor = self.backoff.max(1.0).powi(attempt.saturating_sub(2) as i32);
        self.delay.mul_f64(factor.min(1e6)).min(MAX_DURATION)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_duration"
    )]
    pub every: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// Parses `500ms`, `30s`, `2m`, `1h`, `1d`, `1h30m`, or a bare number of seconds.
/// The longest duration orch takes (a timeout, a retention, an interval): a hundred
/// years. Longer ones would overflow the clock arithmetic they are used in.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 86400);

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration".into());
    }
    let too_long = || {
        format!(
            "`{text}` is longer than orch takes (at most {}d, a hundred years)",
            MAX_DURATION.as_secs() / 86400
        )
    };
    if let Ok(secs) = t.parse::<f64>() {
        return if secs >= 0.0 && secs.is_finite() {
            Duration::try_from_secs_f64(secs)
                .ok()
                .filter(|d| *d <= MAX_DURATION)
                .ok_or_else(too_long)
        } else {
            Err(format!("`{text}` is not a duration"))
        };
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("`{text}` lacks a unit (ms, s, m, h, d)"))?;
        let (num, tail) = rest.split_at(num_end);
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_end);
        let n: f64 = num
            .parse()
            .map_err(|_| format!("`{text}` is not a duration like 30s, 2m or 1h"))?;
        let secs = match unit.trim() {
            "ms" => n / 1000.0,
            "s" | "sec" | "secs" => n,
            "m" | "min" | "mins" => n * 60.0,
            "h" => n * 3600.0,
            "d" => n * 86400.0,
            other => {
                return Err(format!(
                    "unknown unit `{other}` in `{text}` (use ms, s, m, h or d)"
                ));
            }
        };
        total = Duration::try_from_secs_f64(secs)
            .ok()
            .and_then(|d| total.checked_add(d))
            .filter(|d| *d <= MAX_DURATION)
            .ok_or_else(too_long)?;
        rest = next;
    }
    Ok(total)
}

/// A `run` step's timeout (a step's `timeout`, orch.toml's `step_timeout`): a
/// duration longer than zero, since a zero one would stop every step that takes any
/// time at all, at once.
pub fn parse_step_timeout(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        d if d.is_zero() => Err(format!(
            "a step timeout must be longer than 0s, not `{text}` (leave it out for none)"
        )),
        d => Ok(d),
    }
}

/// A duration in orch's messages, in the units a user writes in a file, at most two
/// of them: `250ms`, `2s`, `15.3s` (tenths under a minute), `1m`, `1m30s`, `2h05m`
/// → `2h5m`, `3d4h`. A configured one (a `--grace` of 30s) reads as it was written.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if ms < 59_950 {
        let tenths = (ms + 50) / 100;
        return match tenths % 10 {
            0 => format!("{}s", tenths / 10),
            t => format!("{}.{t}s", tenths / 10),
        };
    }
    // Whole seconds from here: the largest unit and the next, the rest cut off.
    const UNITS: [(&str, u128); 4] = [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)];
    let s = (ms + 500) / 1000;
    let first = UNITS.iter().position(|&(_, size)| s >= size).unwrap_or(3);
    let (unit, size) = UNITS[first];
    let mut out = format!("{}{unit}", s / size);
    if let Some(&(next, small)) = UNITS.get(first + 1)
        && (s % size) / small > 0
    {
        out.push_str(&format!("{}{next}", (s % size) / small));
    }
    out
}

/// A duration as a user writes it in a file: `1d`, `1h30m`, `90s` → `1m30s`, `500ms`.
pub fn format_exact(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let mut s = d.as_secs();
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if s >= size {
            out.push_str(&format!("{}{unit}", s / size));
            s %= size;
        }
    }
    if out.is_empty() { "0s".into() } else { out }
}

mod duration_secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom)
    }
}

mod opt_duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_f64(d.as_secs_f64()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let secs = Option::<f64>::deserialize(d)?;
        secs.map(|s| Duration::try_from_secs_f64(s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert!(parse_duration("2 weeks").is_err());
        assert!(parse_duration("s").is_err());
        // Too long for the clock arithmetic it feeds: refused, never a panic.
        for huge in [
            "99999999999999999999d",
            "1e300",
            "36501d",
            "100000000d",
            "3153600001",
        ] {
            let e = parse_duration(huge).unwrap_err();
            assert!(e.contains("longer than orch takes"), "{huge}: {e}");
        }
        assert_eq!(
            parse_duration("36500d").unwrap(),
            Duration::from_secs(36500 * 86400)
        );
    }

    #[test]
    fn durations_in_messages_read_alike() {
        let said = |ms: u64| format_duration(Duration::from_millis(ms));
        assert_eq!(said(250), "250ms");
        assert_eq!(said(2_000), "2s");
        assert_eq!(said(15_300), "15.3s");
        assert_eq!(said(59_960), "1m");
        assert_eq!(said(60_000), "1m");
        assert_eq!(said(90_000), "1m30s");
        assert_eq!(said(3_600_000), "1h");
        assert_eq!(said(3_630_000), "1h");
        assert_eq!(said(7_500_000), "2h5m");
        assert_eq!(said(3 * 86_400_000 + 4 * 3_600_000 + 5_000), "3d4h");
    }

    #[test]
    fn exact_durations_read_as_written() {
        assert_eq!(format_exact(Duration::from_secs(7200)), "2h");
        assert_eq!(format_exact(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_exact(Duration::from_secs(45)), "45s");
        assert_eq!(format_exact(Duration::from_millis(500)), "500ms");
        assert_eq!(format_exact(Duration::from_millis(1500)), "1500ms");
        assert_eq!(format_exact(Duration::from_secs(86_400 + 60)), "1d1m");
    }

    #[test]
    fn snake_case_names() {
        assert_eq!(
            snake_case("Wait for the provisioning system"),
            "wait_for_the_provisioning_system"
        );
        assert_eq!(snake_case("  Job #2 (async) "), "job_2_async");
        assert_eq!(snake_case("???"), "callback");
    }

    #[test]
    fn backoff_grows() {
        let p = RetryPolicy {
            attempts: 4,
            delay: Duration::from_secs(1),
            backoff: 2.0,
        };
        assert_eq!(p.delay_before(2), Duration::from_secs(1));
        assert_eq!(p.delay_before(4), Duration::from_secs(4));
        let long = RetryPolicy {
            delay: MAX_DURATION,
            backoff: 100.0,
            ..p
        };
        assert_eq!(long.delay_before(5), MAX_DURATION);
    }
}
