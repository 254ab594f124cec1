//! Snapshots of what scripts and people read: every `-o json` shape of DESIGN §9 and the
//! main human outputs, through the real binary, so the contract cannot drift unseen.
//!
//! Ids, times, durations, hashes and the project's path change from run to run; insta
//! filters replace them. The user is pinned (`ORCH_USER`), colour is off (`NO_COLOR`)
//! and stdout is a pipe, so tables are plain columns whatever the terminal.
//! `INSTA_UPDATE=always cargo test --test cli snapshots` rewrites the files in
//! `tests/cli/snapshots/` after an intended change; review the diff.

use super::Project;
use super::both;

/// Runs `body` with the filters every snapshot here needs.
fn filtered(p: &Project, body: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    let dir = p.path().display().to_string();
    settings.add_filter(&regex::escape(&dir), "[DIR]");
    settings.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[ID]",
    );
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
        "[TIME]",
    );
    settings.add_filter(r"\b[0-9a-f]{64}\b", "[HASH]");
    settings.add_filter(r#""duration_ms": ?\d+"#, r#""duration_ms": "[MS]""#);
    // The orch that claimed a process: host/pid/start.
    settings.add_filter(r#""by": ?"[^"/]+/\d+/\d+""#, r#""by": "[OWNER]""#);
    // A duration in a table keeps the column after it where it was.
    settings.add_filter(r"\b\d+(\.\d+)?(ms|s)\b( {2,})", "[DUR]  ");
    settings.add_filter(r"\b\d+(\.\d+)?(ms|s)\b", "[DUR]");
    settings.bind(body);
}

/// stdout of orch, expecting `code`.
fn data(p: &Project, code: i32, args: &[&str]) -> String {
    let (got, out, err) = p.run(args);
    assert_eq!(got, code, "orch {args:?}: {err}");
    out
}

/// A text field of the JSON object a command printed.
fn field(printed: &str, key: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_str(printed).unwrap_or_else(|e| panic!("not JSON ({e}): {printed}"));
    v[key].as_str().expect(key).to_string()
}

/// A project with the example network, one node, and a task that failed; returns the
/// node's subscription id and the failed process's id.
fn history() -> (Project, String, String) {
    let p = Project::example();
    p.write(
        "workflows/flaky.toml",
        r#"
name = "flaky"
target = "system"
description = "Fails until the file `fixed` exists"

[[step]]
name = "Try"
run = "test -f fixed || { echo 'netbox API: 503' >&2; exit 1; }"
"#,
    );
    p.write(
        "workflows/approve.toml",
        r#"
name = "approve"
target = "system"
description = "Waits for a person"

[[step]]
name = "Ask"
input.message = "Go ahead?"
input.fields = [{ name = "ok", type = "accept", label = "Go ahead" }]
"#,
    );
    let node = p.enrol("rtr1", "core")["subscription_id"]
        .as_str()
        .expect("a node")
        .to_string();
    let failed = data(&p, 3, &["-o", "json", "workflow", "run", "flaky"]);
    let flaky = field(&failed, "id");
    (p, node, flaky)
}

fn json_shapes() {
    let (p, node, flaky) = history();
    filtered(&p, || {
        // The process object is the last (and only) thing run, retry and resume print.
        let run = [
            "-o",
            "json",
            "workflow",
            "run",
            "create_node",
            "--input",
            "node_name=rtr2",
        ];
        insta::assert_snapshot!("workflow_run", data(&p, 0, &run));
        let show = ["-o", "json", "process", "show", &flaky];
        insta::assert_snapshot!("process_show", data(&p, 0, &show));
        p.write("fixed", "");
        let retry = ["-o", "json", "process", "retry", &flaky];
        insta::assert_snapshot!("process_retry", data(&p, 0, &retry));
        let suspended = data(&p, 4, &["-o", "json", "workflow", "run", "approve"]);
        let id = field(&suspended, "id");
        let resume = ["-o", "json", "process", "resume", &id, "--input", "ok=true"];
        insta::assert_snapshot!("process_resume", data(&p, 0, &resume));

        for (name, args) in [
            ("process_list", &["process", "list"][..]),
            ("subscription_show", &["subscription", "show", &node]),
            ("subscription_list", &["subscription", "list"]),
            (
                "subscription_workflows",
                &["subscription", "workflows", &node],
            ),
            ("product_list", &["product", "list"]),
            ("product_show", &["product", "show", "Node"]),
            ("workflow_list", &["workflow", "list"]),
        ] {
            let mut all = vec!["-o", "json"];
            all.extend_from_slice(args);
            insta::assert_snapshot!(name, data(&p, 0, &all));
        }
        let events = ["-o", "jsonl", "events", "--process", &flaky];
        insta::assert_snapshot!("events_jsonl", data(&p, 0, &events));

        // `product load`: a plan that would break the node is refused (7), and printed.
        let node_file = "products/node.toml";
        let text = std::fs::read_to_string(p.path().join(node_file)).unwrap();
        let stricter = text.replace(
            "fields.site = { type = \"string\" }",
            "fields.site = { type = \"string\" }\nfields.rack = { type = \"int\", required = \"active\" }",
        );
        assert_ne!(stricter, text, "the example's node has a `site` field");
        p.write(node_file, &stricter);
        let load = ["-o", "json", "product", "load"];
        insta::assert_snapshot!("product_load_refused", data(&p, 7, &load));
        p.write(node_file, &text);
        // `workflow check`: the problems and the warnings, each placed in its file.
        p.write(
            "workflows/broken.toml",
            "name = \"broken\"\ntarget = \"modify\"\nproducts = [\"NOPE\"]\n[[step]]\nname = \"A\"\nbuiltin = \"noop\"\nwith = { x = 1 }\n",
        );
        let check = ["-o", "json", "workflow", "check"];
        insta::assert_snapshot!("workflow_check", data(&p, 2, &check));
    });
}

fn human_outputs() {
    let (p, _, flaky) = history();
    filtered(&p, || {
        let show = data(&p, 0, &["process", "show", &flaky]);
        insta::assert_snapshot!("process_show_human", show);

        let (code, _, err) = p.run(&["workflow", "run", "create_nod"]);
        assert_eq!(code, 6);
        insta::assert_snapshot!("error_with_hints", err);

        let (code, _, err) = p.run(&["workflow", "run", "create_node"]);
        assert_eq!(code, 2);
        insta::assert_snapshot!("error_missing_answers", err);

        let review = ["node_name=rtr3", "review_config=true"];
        let args = [
            "workflow",
            "run",
            "create_node",
            "--input",
            review[0],
            "--input",
            review[1],
        ];
        let (code, out, err) = p.run(&args);
        assert_eq!(code, 4, "{err}");
        assert!(out.is_empty(), "{out}");
        insta::assert_snapshot!("run_step_lines", err);
    });
}

both!(json_shapes, human_outputs,);
