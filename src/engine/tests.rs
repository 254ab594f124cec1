//! Engine tests without the CLI: a real store (a SQLite file, and the same tests on
//! PostgreSQL), real `sh` steps, the runner driven directly.

use serde_json::{Value, json};
use tokio::sync::watch;

use super::runner::{Engine, Final, Quiet};
use crate::definition::Source;
use crate::domain::workflow::WorkflowDef;
use crate::store::Lock;
use crate::store::processes::{NewProcess, ProcessRow, StepRow};
use crate::store::products::ProductChange;
use crate::store::subscriptions::Subscription;
use crate::testing::{TestStore, both};

pub(super) struct Bench {
    pub(super) dir: tempfile::TempDir,
    pub(super) t: TestStore,
}

impl Bench {
    pub(super) fn new() -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let t = TestStore::new(dir.path());
        Bench { dir, t }
    }

    pub(super) fn workflow(text: &str) -> WorkflowDef {
        crate::definition::workflow::parse(&Source::new("w.toml", text.to_string()))
            .unwrap_or_else(|d| panic!("{d:?}"))
    }

    fn product(&mut self, text: &str) {
        let def = crate::definition::product::parse(&Source::new("p.toml", text.to_string()))
            .unwrap_or_else(|d| panic!("{d:?}"));
        self.t
            .run(self.t.store.apply_products(&[ProductChange::Put {
                def: &def,
                source: None,
            }]))
            .unwrap();
    }

    /// Creates a process; on a subscription it takes the lock as `workflow run` does.
    pub(super) fn start(
        &mut self,
        def: &WorkflowDef,
        subscription: Option<&str>,
        state: Value,
    ) -> String {
        let id = crate::clock::new_id();
        let new = NewProcess {
            process_id: &id,
            def,
            source: None,
            subscription_id: subscription,
            customer_id: Some("acme"),
            created_by: "test",
            state: &state,
            owner: Some(super::owner::me()),
            lease: std::time::Duration::from_secs(15),
            parent: None,
        };
        let lock = subscription.map(|_| def);
        let taken = self.t.run(self.t.store.create_process(&new, lock)).unwrap();
        assert!(matches!(taken, Lock::Taken), "{taken:?}");
        id
    }

    pub(super) fn process(&self, id: &str) -> ProcessRow {
        self.t.run(self.t.store.process(id)).unwrap().unwrap()
    }

    pub(super) fn steps(&self, id: &str) -> Vec<StepRow> {
        self.t.run(self.t.store.steps(id)).unwrap()
    }

    fn subscription(&self, id: &str) -> Subscription {
        self.t.run(self.t.store.subscription(id)).unwrap().unwrap()
    }

    /// Drives the process, claiming it first when it rests (as `process retry` does).
    pub(super) fn drive(&mut self, id: &str, def: &WorkflowDef) -> Final {
        use crate::domain::process::ProcessStatus as S;
        if self.process(id).owner.is_none() {
            let resting = [S::Failed, S::Waiting, S::Suspended, S::Created];
            let lease = std::time::Duration::from_secs(15);
            let claim = self
                .t
                .run(super::owner::claim(&self.t.store, id, &resting, lease));
            assert!(
                matches!(claim, Ok(super::owner::Claim::Claimed(_))),
                "not claimed"
            );
        }
        let mut quiet = Quiet;
        let (_tx, rx) = watch::channel(false);
        let engine = self.engine(&mut quiet, rx);
        self.t
            .run(engine.drive(id, def, Default::default()))
            .unwrap()
    }

    /// An engine on this bench's store, cancelled when `cancel` turns true.
    pub(super) fn engine<'a>(
        &'a self,
        observer: &'a mut dyn super::runner::Observer,
        cancel: watch::Receiver<bool>,
    ) -> Engine<'a> {
        let (_, drain) = watch::channel(false);
        Engine {
            store: &self.t.store,
            root: self.dir.path().to_path_buf(),
            db: crate::engine::runner::StepDb::of(&self.t.store),
            user: "test".into(),
            default_timeout: None,
            grace: std::time::Duration::from_secs(1),
            observer: super::runner::Watch::new(observer),
            cancel,
            drain,
            lease: std::time::Duration::from_secs(15),
            lease_clock: None,
            aborts: Default::default(),
            secrets: Default::default(),
            children: super::runner::Children::Drive,
            callback_url: None,
        }
    }
}

const NODE: &str = r#"
name = "Node"
type = "Node"
tag = "NODE"
status = "active"
root = { key = "node", block = "NodeBlock" }
[blocks.NodeBlock]
fields.name = { type = "string", required = "provisioning" }
fields.loopback = { type = "ipv4", required = "active" }
"#;

fn a_task_runs_its_steps_and_folds_their_patches() {
    let mut b = Bench::new();
    let def = Bench::workflow(
        r#"
name = "t"
target = "system"
[[step]]
name = "one"
run = "cat >/dev/null; echo '{\"a\": 1, \"keep\": true}'"
[[step]]
name = "two"
run = "echo '{\"a\": null, \"b\": 2}'"
"#,
    );
    let id = b.start(&def, None, json!({"given": "x"}));
    assert_eq!(b.drive(&id, &def), Final::Completed);
    let p = b.process(&id);
    assert_eq!(p.status, crate::domain::process::ProcessStatus::Completed);
    assert_eq!(p.state, json!({"given": "x", "keep": true, "b": 2}));
    let steps = b.steps(&id);
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Start", "one", "two", "Done"]);
}

/// A create workflow for NODE whose one step sets the node block to `node` (JSON).
fn create_node(node: &str) -> WorkflowDef {
    let patch = serde_json::to_string(
        &json!({ "subscription": { "node": serde_json::from_str::<Value>(node).unwrap() } }),
    )
    .unwrap();
    let run = serde_json::to_string(&format!("echo '{patch}'")).unwrap();
    Bench::workflow(&format!(
        "name = \"create_node\"\ntarget = \"create\"\nproducts = [\"NODE\"]\n[[step]]\nname = \"model\"\nrun = {run}\n"
    ))
}

fn a_create_workflow_builds_a_valid_subscription_or_fails_with_the_path() {
    let mut b = Bench::new();
    b.product(NODE);
    let def = create_node(r#"{"name": "rtr1"}"#);
    // No loopback: the subscription cannot become active.
    let id = b.start(&def, None, json!({}));
    assert_eq!(b.drive(&id, &def), Final::Failed);
    let p = b.process(&id);
    let reason = p.failed_reason.unwrap_or_default();
    assert!(reason.contains("subscription.node.loopback"), "{reason}");
    let sub = b.subscription(&p.subscription_id.unwrap());
    assert_eq!(sub.status.as_str(), "initial");
    assert!(!sub.insync);

    let fixed = create_node(r#"{"name": "rtr1", "loopback": "10.0.0.1"}"#);
    let id = b.start(&fixed, None, json!({}));
    assert_eq!(b.drive(&id, &fixed), Final::Completed);
    let p = b.process(&id);
    let sub = b.subscription(&p.subscription_id.unwrap());
    assert_eq!(sub.status.as_str(), "active");
    assert!(sub.insync);
    assert_eq!(sub.customer_id, "acme");
    assert_eq!(sub.tree, json!({"name": "rtr1", "loopback": "10.0.0.1"}));
    assert!(sub.start_date.is_some());
}

fn a_step_cannot_change_what_orch_manages() {
    let mut b = Bench::new();
    b.product(NODE);
    let create = create_node(r#"{"name": "r", "loopback": "10.0.0.2"}"#);
    let id = b.start(&create, None, json!({}));
    assert_eq!(b.drive(&id, &create), Final::Completed);
    let sub = b.process(&id).subscription_id.unwrap();
    let modify = Bench::workflow(
        r#"
name = "m"
target = "modify"
products = ["NODE"]
[[step]]
name = "sneaky"
run = "echo '{\"subscription\": {\"customer_id\": \"other\", \"insync\": true}}'"
"#,
    );
    let id = b.start(&modify, Some(&sub), json!({}));
    assert_eq!(b.drive(&id, &modify), Final::Failed);
    let reason = b.process(&id).failed_reason.unwrap();
    assert!(
        reason.contains("subscription.customer_id: set by orch"),
        "{reason}"
    );
    assert!(reason.contains("subscription.insync"), "{reason}");
    let after = b.subscription(&sub);
    assert_eq!(after.customer_id, "acme");
    assert!(!after.insync, "still locked by the failed process");
}

/// The shell of a `run` step is started while the step before it runs; the step's
/// command still starts only after that step is committed, sees its own environment
/// (here the subscription the step before created) and the state after it, and a
/// step that is skipped or never reached never runs.
fn steps_started_ahead_run_only_in_their_turn() {
    let mut b = Bench::new();
    b.product(NODE);
    let def = Bench::workflow(
        r#"
name = "create_node"
target = "create"
products = ["NODE"]
[[step]]
name = "env"
run = """
test -n "$ORCH_SUBSCRIPTION_ID" || exit 9
echo '{"subscription": {"node": {"name": "r1"}}, "skip_next": true}'
"""
[[step]]
name = "skipped"
if = "not state.skip_next"
run = "touch skipped.ran"
[[step]]
name = "reads"
run = "cat > state.json; echo '{\"subscription\": {\"node\": {\"loopback\": \"10.0.0.1\"}}}'"
[[step]]
name = "fails"
run = "exit 3"
[[step]]
name = "never"
run = "touch never.ran"
"#,
    );
    let id = b.start(&def, None, json!({}));
    assert_eq!(b.drive(&id, &def), Final::Failed);
    let log: Vec<_> = b
        .steps(&id)
        .into_iter()
        .map(|s| (s.name, s.status, s.error))
        .collect();
    let dir = b.dir.path();
    assert!(!dir.join("skipped.ran").exists(), "a skipped step ran");
    assert!(
        !dir.join("never.ran").exists(),
        "a step after the failure ran"
    );
    let seen = std::fs::read_to_string(dir.join("state.json")).unwrap_or_default();
    let seen: Value = serde_json::from_str(&seen).unwrap_or_else(|e| panic!("{e}: {log:?}"));
    assert_eq!(seen["subscription"]["node"]["name"], "r1", "{seen}");
    let p = b.process(&id);
    assert_eq!(p.last_step.as_deref(), Some("fails"));
    // Give killed shells a moment, then make sure none is left waiting at its gate.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let ps = std::process::Command::new("ps")
        .args(["-eo", "args"])
        .output()
        .unwrap();
    let leftovers = String::from_utf8_lossy(&ps.stdout)
        .lines()
        .filter(|l| l.contains("_orch_go") && l.contains("never.ran"))
        .count();
    assert_eq!(leftovers, 0, "a shell started ahead outlived its process");
}

both!(
    a_task_runs_its_steps_and_folds_their_patches,
    a_create_workflow_builds_a_valid_subscription_or_fails_with_the_path,
    a_step_cannot_change_what_orch_manages,
    steps_started_ahead_run_only_in_their_turn,
);
