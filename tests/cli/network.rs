//! Subscriptions end to end, through the repository's example network.

use super::Project;
use super::both;
use serde_json::Value;

fn id_of(v: &Value) -> String {
    v["subscription_id"]
        .as_str()
        .expect("subscription_id")
        .to_string()
}

/// Creates a node through the example's create_node and returns its subscription.
fn node(p: &Project, name: &str, role: &str) -> Value {
    let v = p.enrol(name, role);
    let id = v["subscription_id"]
        .as_str()
        .expect("a subscription")
        .to_string();
    p.ok_json(&["subscription", "show", &id])
}

fn the_readme_command_creates_an_active_node() {
    let p = Project::example();
    let (code, _, err) = p.run(super::CREATE_RTR1);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("loaded product Node"), "{err}");
    let list = p.ok_json(&["subscription", "list", "--product", "NODE"]);
    let subs = list.as_array().unwrap();
    assert_eq!(subs.len(), 1);
    let s = &subs[0];
    assert_eq!(s["status"], "active");
    assert_eq!(s["insync"], true);
    assert_eq!(s["product"]["tag"], "NODE");
    assert!(s["start_date"].is_string(), "{s}");
    assert!(s.get("node").is_none(), "a list has no block tree: {s}");
    let shown = p.ok_json(&["subscription", "show", &id_of(s)]);
    assert_eq!(shown["node"]["name"], "rtr1");
    assert_eq!(shown["node"]["loopback_ipv4"], "10.0.0.1");
    assert_eq!(shown["node"]["ports"].as_array().unwrap().len(), 4);
    for key in [
        "customer_id",
        "description",
        "end_date",
        "note",
        "in_use_by",
        "depends_on",
    ] {
        assert!(shown.get(key).is_some(), "missing {key}: {shown}");
    }
}

/// `workflow run create_circuit` between ports 1/1/c1 of `a` and 1/1/c2 of `b`.
pub fn circuit_args(a: &str, b: &str) -> Vec<String> {
    let mut args: Vec<String> = ["workflow", "run", "create_circuit"]
        .map(String::from)
        .to_vec();
    for answer in [
        format!("node_a={a}"),
        "port_a=1/1/c1".into(),
        format!("node_b={b}"),
        "port_b=1/1/c2".into(),
    ] {
        args.push("--input".into());
        args.push(answer);
    }
    args
}

/// Runs `create_circuit` between nodes `a` and `b`; the process (exit 0 expected).
fn circuit(p: &Project, a: &str, b: &str) -> serde_json::Value {
    p.ok_json(
        &circuit_args(a, b)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )
}

/// A workflow refused because a related subscription is out of sync says, in a hint
/// with commands to copy, how to see why and what brings it back in sync.
fn a_related_subscription_out_of_sync_is_named_with_commands_to_copy() {
    let p = Project::example();
    let a = id_of(&node(&p, "rtr1", "core"));
    let b = id_of(&node(&p, "rtr2", "edge"));
    let c = circuit(&p, &a, &b)["subscription_id"]
        .as_str()
        .unwrap()
        .to_string();
    p.sql(&format!(
        "UPDATE subscriptions SET insync = false WHERE subscription_id = '{c}'"
    ));
    let (code, out, err) = p.run(&["workflow", "run", "modify_node", "--subscription", &a]);
    assert_eq!(code, 7, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains(&format!("the related subscription {c} (")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "hint: see why with `orch subscription show {c}`; `orch subscription workflows {c}` lists what can run on it"
        )),
        "{err}"
    );
}

/// A create workflow given up (aborted) leaves its subscription `initial` and out of
/// sync, and it still counts as a relation of the nodes it names (DESIGN §4): the
/// refusals say so and what ends it, a terminate workflow that takes initial
/// subscriptions out of sync, after which the nodes are free again.
fn an_aborted_creation_says_how_to_end_it_and_its_end_frees_the_nodes() {
    let p = Project::example();
    let a = id_of(&node(&p, "rtr1", "core"));
    let b = id_of(&node(&p, "rtr2", "edge"));
    let file = p.path().join("workflows/create_circuit.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let failing = text.replace(
        "run = \"workflows/scripts/netbox.sh reserve-ports\"",
        "run = \"exit 1\"",
    );
    assert_ne!(failing, text);
    p.write("workflows/create_circuit.toml", &failing);
    let args = circuit_args(&a, &b);
    let v = p.failed_json(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let c = v["subscription_id"].as_str().unwrap().to_string();
    let id = v["id"].as_str().unwrap().to_string();
    let usable = |sid: &str, name: &str| {
        let all = p.json(&["subscription", "workflows", sid]);
        let w = all
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name}: {all}"));
        (w["usable"].as_bool().unwrap(), w["reason"].to_string())
    };
    let (code, _, err) = p.run(&["workflow", "run", "modify_node", "--subscription", &a]);
    assert_eq!(code, 7, "{err}");
    assert!(
        !err.contains("never finished"),
        "the create can go on: {err}"
    );
    let (code, _, err) = p.run(&["process", "abort", &id]);
    assert_eq!(code, 0, "{err}");
    for args in [
        ["workflow", "run", "modify_node", "--subscription", &a],
        ["workflow", "run", "terminate_node", "--subscription", &b],
    ] {
        let (code, _, err) = p.run(&args);
        assert_eq!(code, 7, "{err}");
        assert!(
            err.contains(&format!(
                "hint: {c} was never finished: its create workflow was aborted"
            )),
            "{err}"
        );
        assert!(err.contains("usable_while_out_of_sync = true"), "{err}");
    }
    p.write(
        "workflows/forget_circuit.toml",
        "name = \"forget_circuit\"\ntarget = \"terminate\"\nproducts = [\"CIRCUIT\"]\nusable_when = [\"initial\"]\nusable_while_out_of_sync = true\n\n[[step]]\nname = \"Note\"\nbuiltin = \"noop\"\n",
    );
    let v = p.ok_json(&["workflow", "run", "forget_circuit", "--subscription", &c]);
    assert_eq!(v["status"], "completed", "{v}");
    let shown = p.json(&["subscription", "show", &c]);
    assert_eq!(shown["status"], "terminated", "{shown}");
    for (sid, name) in [
        (&a, "modify_node"),
        (&a, "terminate_node"),
        (&b, "terminate_node"),
    ] {
        let (ok, reason) = usable(sid, name);
        assert!(ok, "{name} on {sid}: {reason}");
    }
}

fn two_nodes_a_circuit_and_the_lifecycle_rules() {
    let p = Project::example();
    let a = id_of(&node(&p, "rtr1", "core"));
    let b = id_of(&node(&p, "rtr2", "edge"));

    // A = B is refused by the form, and nothing is stored.
    let before = p.ok_json(&["process", "list"]).as_array().unwrap().len();
    let (code, _, err) = p.run(
        &circuit_args(&a, &a)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("node_b (subscription)") && err.contains("exclude"),
        "{err}"
    );
    assert_eq!(
        p.ok_json(&["process", "list"]).as_array().unwrap().len(),
        before
    );

    let run = circuit(&p, &a, &b);
    assert_eq!(run["status"], "completed", "{run}");
    let c = run["subscription_id"].as_str().unwrap().to_string();
    let circuit = p.ok_json(&["subscription", "show", &c]);
    assert_eq!(circuit["status"], "active");
    assert_eq!(circuit["circuit"]["mode"], "maintenance");
    assert_eq!(circuit["depends_on"], serde_json::json!([a, b]));
    let node_a = p.ok_json(&["subscription", "show", &a]);
    assert_eq!(node_a["in_use_by"], serde_json::json!([c]));

    // Maintenance to normal traffic.
    let m = p.ok_json(&[
        "workflow",
        "run",
        "modify_circuit",
        "--subscription",
        &c,
        "--input",
        "mode=normal",
    ]);
    assert_eq!(m["status"], "completed", "{m}");
    let circuit = p.ok_json(&["subscription", "show", &c]);
    assert_eq!(circuit["circuit"]["mode"], "normal");
    assert_eq!(circuit["insync"], true);

    // A node in use cannot be terminated.
    let usable = p.ok_json(&["subscription", "workflows", &a]);
    let term = usable
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "terminate_node")
        .unwrap();
    assert_eq!(term["usable"], false);
    assert!(
        term["reason"].as_str().unwrap().contains("in use by"),
        "{term}"
    );
    let (code, _, err) = p.run(&["workflow", "run", "terminate_node", "--subscription", &a]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains(&format!("in use by {c}")), "{err}");

    // Terminate the circuit, then the node terminates.
    let t = p.ok_json(&["workflow", "run", "terminate_circuit", "--subscription", &c]);
    assert_eq!(t["status"], "completed", "{t}");
    let t = p.ok_json(&["workflow", "run", "terminate_node", "--subscription", &a]);
    assert_eq!(t["status"], "completed", "{t}");
    let node_a = p.ok_json(&["subscription", "show", &a]);
    assert_eq!(node_a["status"], "terminated");
    assert!(node_a["end_date"].is_string(), "{node_a}");
    let terminated = p.ok_json(&["subscription", "list", "--status", "terminated"]);
    assert_eq!(terminated.as_array().unwrap().len(), 2);
    // Filters by subscription take a unique prefix like every id argument, and an
    // unknown id is not found (exit 6) rather than an empty answer.
    let of_circuit = p.ok_json(&["process", "list", "--subscription", &c]);
    let by_prefix = p.ok_json(&["process", "list", "--subscription", &c[..c.len() - 4]]);
    assert_eq!(of_circuit, by_prefix);
    assert!(!of_circuit.as_array().unwrap().is_empty());
    assert_eq!(p.run(&["process", "list", "--subscription", "nosuch"]).0, 6);
    assert_eq!(p.run(&["events", "--subscription", "nosuch"]).0, 6);

    // Events tell the story in the same transactions.
    let kinds = p.sql_column(&format!(
        "SELECT kind FROM events WHERE subscription_id = '{a}' ORDER BY seq"
    ));
    assert_eq!(
        kinds.first().map(String::as_str),
        Some("subscription.created")
    );
    assert!(kinds.iter().any(|k| k == "subscription.status_changed"));
    assert!(kinds.iter().any(|k| k == "subscription.insync_changed"));
}

fn list_filters_and_search() {
    let p = Project::example();
    let a = id_of(&node(&p, "rtr1", "core"));
    node(&p, "rtr3", "edge");
    let core = p.ok_json(&["subscription", "list", "--where", "node.role=core"]);
    assert_eq!(core.as_array().unwrap().len(), 1);
    assert_eq!(id_of(&core[0]), a);
    // A path under no product's root key matches nothing, and says why.
    let nothing_where = |path: &str| {
        let (code, out, err) = p.run(&["-o", "json", "subscription", "list", "--where", path]);
        assert_eq!((code, out.trim()), (0, "[]"), "{err}");
        err
    };
    let err = nothing_where("nod.role=core");
    assert!(
        err.contains("--where nod.role: no product's subscriptions have `nod`")
            && err.contains("root keys: node)"),
        "{err}"
    );
    // A path as `subscription show` prints it, list indexes and all, names that item;
    // without them, any item.
    let shown = p.run(&["subscription", "show", &a]).1;
    assert!(shown.contains("node.ports[0].name = 1/1/c1"), "{shown}");
    let first = p.ok_json(&[
        "subscription",
        "list",
        "--where",
        "node.ports[0].name=1/1/c1",
    ]);
    assert_eq!(first.as_array().unwrap().len(), 2, "{first}");
    let last = p.ok_json(&[
        "subscription",
        "list",
        "--where",
        "node.ports[3].name=1/1/c1",
    ]);
    assert_eq!(last.as_array().unwrap().len(), 0, "{last}");
    let any = p.ok_json(&["subscription", "list", "--where", "node.ports.name=1/1/c4"]);
    assert_eq!(any.as_array().unwrap().len(), 2, "{any}");
    let paged = p.ok_json(&[
        "subscription",
        "list",
        "--where",
        "node.ports[0].name=1/1/c1",
        "--where",
        "node.role=core",
        "--limit",
        "1",
    ]);
    assert_eq!(paged.as_array().map(|a| a.len()), Some(1), "{paged}");
    assert_eq!(id_of(&paged[0]), a);
    // A field no product has is said, not left to look like an empty result.
    let err = nothing_where("node.nosuch=1");
    assert!(
        err.contains("no product has a field at `node.nosuch`"),
        "{err}"
    );
    // So is a value the field's type cannot hold: a word for an int, a value an enum
    // does not list. One the type reads that no subscription holds warns of nothing.
    let err = nothing_where("node.netbox_id=abc");
    assert!(
        err.contains("warning: --where node.netbox_id: `abc` is not a whole number (an int field), so nothing can match"),
        "{err}"
    );
    assert!(
        err.contains("hint: write the value as the field's type reads it"),
        "{err}"
    );
    let err = nothing_where("node.role=spine");
    assert!(
        err.contains("--where node.role: `spine` is not one of core, edge (an enum field)"),
        "{err}"
    );
    let err = nothing_where("node.netbox_id=424242");
    assert!(!err.contains("warning"), "{err}");
    let found = p.ok_json(&["subscription", "list", "--search", "rtr3"]);
    assert_eq!(found.as_array().unwrap().len(), 1);
    let by_ip = p.ok_json(&["subscription", "list", "--search", "10.0.0.1"]);
    assert_eq!(id_of(&by_ip[0]), a);
    let paged = p.ok_json(&["subscription", "list", "--limit", "1", "--offset", "1"]);
    assert_eq!(paged.as_array().unwrap().len(), 1);
    let none = p.ok_json(&["subscription", "list", "--search", "\"(unbalanced"]);
    assert_eq!(none.as_array().unwrap().len(), 0);
    let (code, out, _) = p.run(&["subscription", "show", &a, "--tree"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("node (NodeBlock)") && out.contains("ports (PortBlock × 4)"),
        "{out}"
    );
    let (code, _, err) = p.run(&["subscription", "show", "0000aaaa-no-such"]);
    assert_eq!(code, 6, "{err}");
}

/// `process list --status` takes several statuses (repeated or comma-separated), as
/// `subscription list --status` does; each process listed once, newest first.
fn process_list_takes_several_statuses() {
    let p = Project::new();
    let run = |body: &str, code: i32| {
        p.task(&format!("[[step]]\nname = \"A\"\nrun = \"{body}\"\n"));
        p.json_exiting(&["workflow", "run", "t"], code)["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let done = run("true", 0);
    let failed = run("exit 1", 3);
    let waiting = run("exit 75", 5);
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["process", "list"];
        all.extend_from_slice(args);
        p.ok_json(&all)
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v["id"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(
        ids(&["--status", "failed,waiting"]),
        [waiting.clone(), failed.clone()]
    );
    assert_eq!(
        ids(&["--status", "completed", "--status", "failed"]),
        [failed.clone(), done]
    );
    assert_eq!(ids(&["--status", "waiting"]), [waiting]);
    let (code, _, err) = p.run(&["process", "list", "--status", "failed,nosuch"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nosuch"), "{err}");
}

/// A modify workflow whose step writes the given patch into the node.
fn patcher(p: &Project, script_body: &str) {
    p.script("workflows/scripts/patch.sh", script_body);
    p.write(
        "workflows/patch_node.toml",
        r#"name = "patch_node"
target = "modify"
products = ["NODE"]

[[step]]
name = "Patch"
run = "workflows/scripts/patch.sh"
"#,
    );
}

fn a_wrong_type_fails_the_step_with_the_path_and_stores_nothing() {
    let p = Project::example();
    let a = id_of(&node(&p, "rtr1", "core"));
    patcher(
        &p,
        r#"cat >/dev/null; echo '{"subscription": {"node": {"loopback_ipv4": "not-an-ip", "site": "ut"}}}'"#,
    );
    let v = p.failed_json(&["workflow", "run", "patch_node", "--subscription", &a]);
    let reason = v["failed_reason"].as_str().unwrap();
    assert!(
        reason.contains("subscription.node.loopback_ipv4"),
        "{reason}"
    );
    let stored = p.ok_json(&["subscription", "show", &a]);
    assert_eq!(stored["node"]["loopback_ipv4"], "10.0.0.1");
    assert_eq!(
        stored["node"]["site"], "ams",
        "nothing of the bad patch is stored"
    );
    assert_eq!(
        stored["insync"], false,
        "the failed process keeps it locked"
    );

    patcher(
        &p,
        r#"cat >/dev/null; echo '{"subscription": {"node": {"loopback_ipv4": "10.9.9.9", "site": "ut"}}}'"#,
    );
    let id = v["id"].as_str().unwrap();
    let (code, _, err) = p.run(&["process", "retry", id]);
    assert_eq!(code, 0, "{err}");
    let stored = p.ok_json(&["subscription", "show", &a]);
    assert_eq!(stored["node"]["loopback_ipv4"], "10.9.9.9");
    assert_eq!(stored["insync"], true);
    let steps = p.ok_json(&["process", "show", id])["steps"].clone();
    let patch: Vec<&Value> = steps
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "Patch")
        .collect();
    assert_eq!(patch.len(), 2, "the failed attempt stays in the log");
    assert_eq!(patch[0]["status"], "failed");
}

fn one_subscription_one_process_at_a_time() {
    let p = Project::example();
    let a = id_of(&node(&p, "rtr1", "core"));
    patcher(&p, "cat >/dev/null; sleep 1");
    let spawn = || {
        p.orch()
            .args(["workflow", "run", "patch_node", "--subscription", &a])
            .output()
            .unwrap()
    };
    let (x, y) = std::thread::scope(|s| {
        let x = s.spawn(spawn);
        let y = s.spawn(spawn);
        (x.join().unwrap(), y.join().unwrap())
    });
    let mut codes = vec![x.status.code().unwrap(), y.status.code().unwrap()];
    codes.sort();
    assert_eq!(codes, vec![0, 7], "{x:?} {y:?}");
    let loser = if x.status.code() == Some(7) { &x } else { &y };
    let err = String::from_utf8_lossy(&loser.stderr);
    assert!(
        err.contains("locked by process") || err.contains("out of sync"),
        "{err}"
    );

    // A process that is not finished holds the subscription, even when idle.
    patcher(&p, "cat >/dev/null; exit 1");
    let (code, _, _) = p.run(&["workflow", "run", "patch_node", "--subscription", &a]);
    assert_eq!(code, 3);
    let (code, _, err) = p.run(&["workflow", "run", "validate_node", "--subscription", &a]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("locked by process"), "{err}");

    // Aborting releases it but leaves it out of sync; a validation brings it back.
    let failed = p.ok_json(&["process", "list", "--status", "failed"]);
    let id = failed[0]["id"].as_str().unwrap().to_string();
    let (code, _, err) = p.run(&["process", "abort", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("stays out of sync"), "{err}");
    let (code, _, err) = p.run(&[
        "workflow",
        "run",
        "modify_node",
        "--subscription",
        &a,
        "--input",
        "role=edge",
    ]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("out of sync"), "{err}");
    assert!(
        err.contains(&format!("orch subscription workflows {a}")),
        "the hint names the subscription: {err}"
    );
    let v = p.ok_json(&["workflow", "run", "validate_node", "--subscription", &a]);
    assert_eq!(v["status"], "completed", "{v}");
    // A process on a subscription is for that subscription's customer.
    let customer = p.ok_json(&["subscription", "show", &a])["customer_id"].clone();
    assert!(customer.is_string(), "{customer}");
    assert_eq!(v["customer_id"], customer, "{v}");
    let v = p.ok_json(&[
        "workflow",
        "run",
        "modify_node",
        "--subscription",
        &a,
        "--input",
        "role=edge",
    ]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(
        p.ok_json(&["subscription", "show", &a])["node"]["role"],
        "edge"
    );
}

fn the_validate_all_task_validates_every_node() {
    let p = Project::example();
    node(&p, "rtr1", "core");
    node(&p, "rtr2", "edge");
    let v = p.ok_json(&["workflow", "run", "validate_all"]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["state"]["nodes"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["state"]["report"], "validated 2 nodes");
    // One validate_node child process per node, each a branch of the foreach.
    let runs = p.ok_json(&["process", "list", "--workflow", "validate_node"]);
    assert_eq!(runs.as_array().unwrap().len(), 2);
    let id = v["id"].as_str().unwrap();
    let children = p.ok_json(&["process", "list", "--parent", id]);
    let children = children.as_array().unwrap();
    assert_eq!(children.len(), 2);
    for c in children {
        assert_eq!(c["parent_id"], id, "{c}");
        assert_eq!(c["status"], "completed", "{c}");
    }
    let paths: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["path"].as_str())
        .collect();
    assert!(
        paths.contains(&"Validate every node [0] / validate_node"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"Validate every node [1] / validate_node"),
        "{paths:?}"
    );
}

fn the_validate_subscriptions_task_runs_every_usable_validation() {
    let p = Project::example();
    let a = id_of(&node(&p, "rtr1", "core"));
    node(&p, "rtr2", "edge");
    // A failed modify holds rtr1: it is skipped with the reason, not forced.
    patcher(&p, "cat >/dev/null; exit 1");
    let (code, _, _) = p.run(&["workflow", "run", "patch_node", "--subscription", &a]);
    assert_eq!(code, 3);
    let v = p.ok_json(&["task", "run", "validate_subscriptions"]);
    assert_eq!(v["status"], "completed", "{v}");
    let report = &v["state"];
    assert_eq!(report["validated"], 1, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    let skipped = report["skipped"].as_array().unwrap();
    assert_eq!(
        skipped.len(),
        0,
        "an out-of-sync subscription is not even a candidate: {report}"
    );
    let runs = p.ok_json(&["process", "list", "--workflow", "validate_node"]);
    assert_eq!(runs.as_array().unwrap().len(), 1);
    let (code, out, _) = p.run(&["task", "list"]);
    assert_eq!(code, 0);
    assert!(out.contains("validate_subscriptions"), "{out}");
}

fn two_circuits_created_at_once_get_different_subnets() {
    let p = Project::example();
    let a = id_of(&node(&p, "rtr1", "core"));
    let b = id_of(&node(&p, "rtr2", "edge"));
    // Two circuits between the same routers on other ports, started together; the IPAM
    // is slow between finding the next free subnet and reserving it.
    let spawn = |port_a: &str, port_b: &str| {
        let mut args = circuit_args(&a, &b);
        for arg in args.iter_mut() {
            if arg == "port_a=1/1/c1" {
                *arg = format!("port_a={port_a}");
            } else if arg == "port_b=1/1/c2" {
                *arg = format!("port_b={port_b}");
            }
        }
        p.command()
            .args(["-o", "json"])
            .args(&args)
            .env("NETBOX_LATENCY", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let runs = [spawn("1/1/c1", "1/1/c1"), spawn("1/1/c2", "1/1/c2")];
    let mut waited = 0;
    for r in runs {
        let out = r.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => {}
            // The other held the pool's lock: this one waits for it (exit 5) and is
            // woken when it frees.
            Some(5) => {
                assert!(
                    err.contains("waiting for lock `ipam:circuit-subnets`"),
                    "{err}"
                );
                waited += 1;
            }
            other => panic!("exit {other:?}: {err}"),
        }
    }
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let circuits = p.ok_json(&["subscription", "list", "--product", "CIRCUIT"]);
    let subnets: Vec<String> = circuits
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let shown = p.ok_json(&["subscription", "show", &id_of(c)]);
            assert_eq!(shown["status"], "active", "{shown}");
            shown["circuit"]["subnet"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(subnets.len(), 2, "{circuits}");
    assert_ne!(subnets[0], subnets[1], "two circuits got the same subnet");
    assert_eq!(waited, 1, "the runs did not meet at the lock");
}

/// A terminate workflow that says `blocked_by_in_use = false` is usable on a node a
/// circuit uses, and terminates it: the operator chose so (DESIGN §4).
fn a_terminate_workflow_not_blocked_by_use_terminates_a_node_in_use() {
    let p = Project::example();
    let a = id_of(&node(&p, "rtr1", "core"));
    let b = id_of(&node(&p, "rtr2", "edge"));
    let run = circuit(&p, &a, &b);
    assert_eq!(run["status"], "completed", "{run}");
    let text = std::fs::read_to_string(p.path().join("workflows/terminate_node.toml")).unwrap();
    p.write(
        "workflows/force_terminate_node.toml",
        &text.replacen(
            "name = \"terminate_node\"",
            "name = \"force_terminate_node\"\nblocked_by_in_use = false",
            1,
        ),
    );
    let usable = p.ok_json(&["subscription", "workflows", &a]);
    let force = usable
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "force_terminate_node")
        .unwrap();
    assert_eq!(force["usable"], true, "{force}");
    let t = p.ok_json(&[
        "workflow",
        "run",
        "force_terminate_node",
        "--subscription",
        &a,
    ]);
    assert_eq!(t["status"], "completed", "{t}");
    assert_eq!(
        p.ok_json(&["subscription", "show", &a])["status"],
        "terminated"
    );
}

both!(
    process_list_takes_several_statuses,
    a_related_subscription_out_of_sync_is_named_with_commands_to_copy,
    an_aborted_creation_says_how_to_end_it_and_its_end_frees_the_nodes,
    a_terminate_workflow_not_blocked_by_use_terminates_a_node_in_use,
    the_readme_command_creates_an_active_node,
    two_nodes_a_circuit_and_the_lifecycle_rules,
    list_filters_and_search,
    a_wrong_type_fails_the_step_with_the_path_and_stores_nothing,
    one_subscription_one_process_at_a_time,
    the_validate_all_task_validates_every_node,
    the_validate_subscriptions_task_runs_every_usable_validation,
    two_circuits_created_at_once_get_different_subnets,
);
