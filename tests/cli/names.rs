//! Forms and names as a new operator meets them: untitled pages, what a missing or
//! wrong answer could have been, subscriptions picked by a prefix of their id, names
//! that are nearly right, and the example network started over.

use super::Project;
use super::both;
use serde_json::Value;

fn ok(p: &Project, args: &[&str]) -> String {
    let (code, out, err) = p.run(args);
    assert_eq!(code, 0, "orch {args:?}: {err}");
    out
}

/// Runs orch expecting `code`; returns stderr.
fn fails(p: &Project, code: i32, args: &[&str]) -> String {
    let (got, _, err) = p.run(args);
    assert_eq!(got, code, "orch {args:?}: {err}");
    err
}

fn node(p: &Project, name: &str) -> String {
    let v = p.enrol(name, "edge");
    v["subscription_id"].as_str().expect("an id").to_string()
}

fn a_form_page_needs_no_title() {
    let p = Project::new();
    p.write(
        "workflows/untitled.toml",
        r#"
name = "untitled"
target = "system"

[[form]]
fields = [{ name = "color", type = "choice", choices = ["red", "blue"] }]

[[step]]
name = "Nothing"
builtin = "noop"
"#,
    );
    ok(&p, &["workflow", "check"]);
    let schema = p.ok_json(&["workflow", "form", "untitled"]);
    assert_eq!(
        schema["x-pages"],
        serde_json::json!([{"fields": ["color"], "layout": ["color"]}])
    );
    let err = fails(&p, 2, &["workflow", "run", "untitled"]);
    assert!(
        err.contains("color (choice): missing, required; pick one of red, blue"),
        "a missing choice lists the choices: {err}"
    );
    ok(
        &p,
        &["workflow", "run", "untitled", "--input", "color=blue"],
    );
}

fn a_missing_or_impossible_choice_says_what_could_be_picked() {
    let p = Project::example();
    let err = fails(&p, 2, &["workflow", "run", "create_node"]);
    assert!(
        err.contains("node_name (choice): missing, required; pick one of:")
            && err.contains("rtr1  rtr1 (site ams)")
            && err.contains("rtr4  rtr4 (site ut)"),
        "{err}"
    );
    for name in ["rtr1", "rtr2", "rtr3", "rtr4"] {
        node(&p, name);
    }
    let err = fails(&p, 2, &["workflow", "run", "create_node"]);
    assert!(
        err.contains("there is nothing to choose from")
            && err.contains("returned an empty list")
            && err.contains("every router is enrolled"),
        "says why nothing can be chosen: {err}"
    );
}

fn a_subscription_answer_takes_a_unique_prefix_and_lists_candidates() {
    let p = Project::example();
    let a = node(&p, "rtr1");
    let b = node(&p, "rtr2");
    let c = node(&p, "rtr3");
    let common = |x: &str, y: &str| x.chars().zip(y.chars()).take_while(|(x, y)| x == y).count();
    let circuit = |node_a: &str, node_b: &str| {
        p.run(&[
            "-o",
            "json",
            "workflow",
            "run",
            "create_circuit",
            "--input",
            &format!("node_a={node_a}"),
            "--input",
            "port_a=1/1/c1",
            "--input",
            &format!("node_b={node_b}"),
            "--input",
            "port_b=1/1/c2",
        ])
    };
    // Ambiguous (B and C start alike; A is excluded): the candidates are listed with
    // their descriptions.
    let shared = common(&b, &c);
    if shared >= 4 {
        let (code, _, err) = circuit(&a, &b[..shared]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("is the start of several ids"), "{err}");
        assert!(err.contains(&format!("{b}  Node rtr2")), "{err}");
        assert!(err.contains(&format!("{c}  Node rtr3")), "{err}");
    }
    let (code, _, err) = circuit(&a, "not-an-id");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("{b}  Node rtr2 (edge, ams) (Node, active)")),
        "candidates with their descriptions, not bare ids: {err}"
    );
    assert!(
        !err.contains(&format!("{a}  Node rtr1")),
        "the A side is excluded: {err}"
    );

    // Unique prefixes pick the subscriptions.
    let unique = |x: &str| {
        let longest = [&a, &b, &c]
            .iter()
            .filter(|y| **y != x)
            .map(|y| common(x, y))
            .max()
            .unwrap_or(0);
        x[..longest + 1].to_string()
    };
    let (code, out, err) = circuit(&unique(&a), &unique(&b));
    assert_eq!(code, 0, "{err}");
    let process: Value = serde_json::from_str(&out).unwrap();
    let id = process["subscription_id"].as_str().unwrap();
    let shown = p.ok_json(&["subscription", "show", id]);
    assert_eq!(
        shown["description"], "Circuit rtr1 1/1/c1 - rtr2 1/1/c2 (2001:db8:100:1::/64)",
        "a circuit's description names its routers"
    );
    assert_eq!(shown["depends_on"].as_array().unwrap().len(), 2);

    let tree = ok(&p, &["subscription", "show", id, "--tree"]);
    assert!(
        tree.contains(&format!("node: {a} \"Node rtr1 (edge, ams)\"")),
        "each referenced subscription with its description:\n{tree}"
    );
}

fn a_name_that_is_nearly_right_gets_a_suggestion() {
    let p = Project::example();
    let err = fails(&p, 6, &["workflow", "run", "create_nod"]);
    assert!(err.contains("hint: did you mean `create_node`?"), "{err}");
    let err = fails(&p, 6, &["workflow", "show", "create"]);
    assert!(
        err.contains("did you mean `create_node` or `create_circuit`?"),
        "{err}"
    );
    let err = fails(&p, 6, &["task", "run", "validate_al"]);
    assert!(err.contains("did you mean `validate_all`?"), "{err}");
    let err = fails(&p, 6, &["task", "run", "resume_wait"]);
    assert!(err.contains("did you mean `resume_waiting`?"), "{err}");

    let id = node(&p, "rtr1");
    let err = fails(&p, 6, &["product", "show", "Nod"]);
    assert!(err.contains("did you mean `Node`?"), "{err}");
    let (_, out, err) = p.run(&["subscription", "list", "--product", "Nodes"]);
    assert!(out.lines().count() <= 1, "{out}");
    assert!(err.contains("did you mean `Node`?"), "{err}");

    let processes = p.ok_json(&["process", "list"]);
    let pid = processes[0]["id"].as_str().unwrap().to_string();
    let err = fails(&p, 6, &["process", "show", &pid, "--step", "Render confg"]);
    assert!(err.contains("did you mean `Render config`?"), "{err}");
    let err = fails(&p, 6, &["process", "show", &pid, "--step", "Nope"]);
    assert!(
        !err.contains("did you mean"),
        "`Done` is another word: {err}"
    );
    let (code, _, err) = p.run(&["process", "list", "--workflow", "create_ndoe"]);
    assert_eq!(code, 0);
    assert!(err.contains("did you mean `create_node`?"), "{err}");
    // A name near none is said to name no workflow too, as `subscription list
    // --product` says of a product.
    let (code, out, err) = p.run(&["process", "list", "--workflow", "zzzz", "-o", "json"]);
    assert_eq!((code, out.trim()), (0, "[]"), "{err}");
    assert!(
        err.contains("no workflow is named `zzzz`; `orch workflow list` shows the workflows"),
        "{err}"
    );

    let err = fails(
        &p,
        2,
        &[
            "workflow",
            "run",
            "modify_node",
            "--subscription",
            &id,
            "--input",
            "rol=core",
        ],
    );
    assert!(err.contains("did you mean `role`?"), "{err}");
}

#[test]
fn the_example_network_starts_over_with_reset() {
    let p = Project::example();
    node(&p, "rtr1");
    assert!(p.path().join("orch.db.netbox.json").exists());
    let reset = std::process::Command::new("workflows/scripts/netbox.sh")
        .arg("reset")
        .current_dir(p.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("netbox.sh runs");
    let said = String::from_utf8_lossy(&reset.stderr);
    assert!(reset.status.success(), "{said}");
    assert!(said.contains("removed orch.db"), "{said}");
    assert!(!p.path().join("orch.db").exists());
    assert!(!p.path().join("orch.db.netbox.json").exists());
    // rtr1 is planned again, and orch knows no subscription.
    node(&p, "rtr1");
    assert_eq!(
        p.ok_json(&["subscription", "list"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let readme = std::fs::read_to_string(super::repo_root().join("README.md")).unwrap();
    assert!(
        readme.contains("workflows/scripts/netbox.sh reset"),
        "README says how"
    );
}

both!(
    a_form_page_needs_no_title,
    a_missing_or_impossible_choice_says_what_could_be_picked,
    a_subscription_answer_takes_a_unique_prefix_and_lists_candidates,
    a_name_that_is_nearly_right_gets_a_suggestion,
);
