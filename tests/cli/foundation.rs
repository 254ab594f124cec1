//! Products, the database and the command-line conventions.

use super::both;
use super::{Project, Store, repo_root};

fn with_example_products() -> Project {
    let p = Project::new();
    for f in ["node.toml", "circuit.toml"] {
        let text = std::fs::read_to_string(repo_root().join("products").join(f)).unwrap();
        p.write(&format!("products/{f}"), &text);
    }
    p
}

fn product_load_is_idempotent_and_lists_as_json() {
    let p = with_example_products();
    let (code, _, err) = p.run(&["product", "load"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("+ Node (NODE): new product"), "{err}");
    assert!(err.contains("applied: 2 added"), "{err}");
    let (code, _, err) = p.run(&["product", "load"]);
    assert_eq!(code, 0);
    assert!(err.contains("no changes: 2 products up to date"), "{err}");
    let list = p.json(&["product", "list"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Circuit", "Node"]);
    assert_eq!(list[1]["tag"], "NODE");
}

#[test]
fn database_is_private() {
    let p = with_example_products();
    p.run(&["product", "load"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(p.db()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

fn broken(replace: &str, with: &str, expect_path: &str, expect_pos: &str) {
    let p = with_example_products();
    let path = p.path().join("products/node.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(replace), "fixture lacks {replace}");
    std::fs::write(&path, text.replacen(replace, with, 1)).unwrap();
    let (code, _, err) = p.run(&["product", "load"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("products/node.toml:{expect_pos}")),
        "{err}"
    );
    assert!(err.contains(expect_path), "{err}");
    // Nothing was stored: not even a database was created, so a reader says there is none.
    assert!(!p.has_database());
    let (code, out, err) = p.run(&["-o", "json", "product", "list"]);
    assert_eq!(code, 6, "{err}");
    assert!(out.is_empty(), "{out}");
}

fn a_typo_in_a_key_is_placed() {
    broken(
        "tag = \"NODE\"",
        "tga = \"NODE\"",
        "unknown field `tga`",
        "4:1",
    );
}

fn a_wrong_field_type_is_placed() {
    broken(
        "fields.site = { type = \"string\" }",
        "fields.site = { type = \"strng\" }",
        "blocks.NodeBlock.fields.site.type",
        "17:",
    );
}

fn bounds_no_value_fits_are_refused() {
    broken(
        "fields.netbox_id = { type = \"int\", required = \"initial\" }",
        "fields.netbox_id = { type = \"int\", required = \"initial\", min = 4094, max = 2 }",
        "min 4094 is larger than max 2, so no value fits",
        "16:",
    );
    broken(
        "fields.site = { type = \"string\" }",
        "fields.site = { type = \"float\", min = 10.5, max = 1.5 }",
        "min 10.5 is larger than max 1.5",
        "17:",
    );
}

fn a_block_cycle_is_refused() {
    broken(
        "fields.netbox_id = { type = \"int\" }\n",
        "fields.netbox_id = { type = \"int\" }\nfields.node = { block = \"NodeBlock\" }\n",
        "cycle",
        "",
    );
}

fn an_unknown_block_is_refused() {
    broken(
        "block = \"PortBlock\"",
        "block = \"PortBlok\"",
        "blocks.NodeBlock.fields.ports.block",
        "20:",
    );
}

fn a_newer_database_is_refused_and_left_alone() {
    let p = Project::new();
    let (code, _, _) = p.run(&["db", "migrate"]);
    assert_eq!(code, 0);
    p.sql("INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '', '0')");
    if p.store() == Store::Sqlite {
        p.sql("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    let before = p.fingerprint();
    let (code, _, err) = p.run(&["process", "list"]);
    assert_eq!(code, 1);
    assert!(err.contains("newer than this orch knows"), "{err}");
    // `db status` only reads: it says what it can, and that orch leaves it alone.
    let (code, out, err) = p.run(&["-o", "json", "db", "status"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (&v["schema_version"], &v["newer"]),
        (&999.into(), &true.into()),
        "{v}"
    );
    assert!(
        err.contains("does not use a database a newer orch wrote"),
        "{err}"
    );
    assert_eq!(p.fingerprint(), before);
}

/// An ORCH_SYNC orch does not know is refused before the database is opened, saying
/// the values it takes and what each costs.
#[test]
fn an_unknown_orch_sync_says_what_it_takes() {
    let p = Project::new();
    let out = p
        .command()
        .args(["db", "status"])
        .env("ORCH_SYNC", "off")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error: ORCH_SYNC is `off`, expected `full` or `normal`"),
        "{err}"
    );
    assert!(err.contains("hint: unset ORCH_SYNC for `full`"), "{err}");
}

/// An empty ORCH_DB, ORCH_DIR or ORCH_USER reads as unset, not as a flag without its
/// value: the project's own database is used.
#[test]
fn empty_environment_settings_read_as_unset() {
    let p = Project::new();
    assert_eq!(p.run(&["db", "migrate"]).0, 0);
    let out = p
        .command()
        .args(["-o", "json", "db", "status"])
        .env("ORCH_DB", "")
        .env("ORCH_DIR", "")
        .env("ORCH_USER", "")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v.to_string().contains("orch.db"),
        "the project's own database: {v}"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let p = Project::new();
    std::fs::write(
        p.db(),
        "this is not sqlite, just text that happens to be long enough to hold a header\n".repeat(3),
    )
    .unwrap();
    let before = std::fs::read(p.db()).unwrap();
    let (code, _, err) = p.run(&["product", "list"]);
    assert_eq!(code, 1);
    // Said as what it most likely is, another file named by mistake, not a damaged
    // database.
    assert!(
        err.contains("is not a SQLite database: it does not start with SQLite's header"),
        "{err}"
    );
    assert!(err.contains("hint: point --db"), "{err}");
    assert_eq!(std::fs::read(p.db()).unwrap(), before);
    // A folder where the file belongs is said as such, with the file to name instead.
    let folder = p.path().join("data");
    std::fs::create_dir(&folder).unwrap();
    let (code, _, err) = p.run(&["--db", "data", "product", "list"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is a folder, not a database file") && err.contains("data/orch.db"),
        "{err}"
    );
}

fn product_create_from_flags_saves_a_loadable_file() {
    let p = Project::new();
    let (code, _, err) = p.run(&[
        "product",
        "create",
        "--name",
        "Port",
        "--type",
        "Port",
        "--tag",
        "PORT",
        "--fixed-input",
        "speed=10G",
        "--field",
        "name:string:initial",
        "--field",
        "mode:enum(tagged|untagged)",
        "--save",
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(p.path().join("products/port.toml")).unwrap();
    assert!(
        text.contains("values = [\"tagged\", \"untagged\"]"),
        "{text}"
    );
    let (code, _, err) = p.run(&["product", "load"]);
    assert_eq!(code, 0);
    assert!(err.contains("no changes"), "{err}");
    let show = p.json(&["product", "show", "Port"]);
    assert_eq!(show["fixed_inputs"]["speed"], "10G");
    let (code, _, _) = p.run(&["product", "show", "Nope"]);
    assert_eq!(code, 6);

    // A fixed input given twice is said in the flags' words, not as the file's.
    let (code, _, err) = p.run(&[
        "product",
        "create",
        "--name",
        "Lag",
        "--type",
        "Lag",
        "--tag",
        "LAG",
        "--fixed-input",
        "speed=10G",
        "--fixed-input",
        "speed=100G",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: --fixed-input `speed` is given twice") && !err.contains("TOML"),
        "{err}"
    );

    // A reference to a tag no product has is said, as `product load` says it of a file;
    // one to a product stored, or to the product itself, is not.
    let (code, _, err) = p.run(&[
        "product",
        "create",
        "--name",
        "Lag",
        "--type",
        "Lag",
        "--tag",
        "LAG",
        "--field",
        "member:subscription(PROT)[]",
        "--field",
        "port:subscription(PORT)",
        "--field",
        "parent:subscription(LAG)",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: blocks.LagBlock.fields.member: no product has the tag `PROT` (known: LAG, PORT)"),
        "{err}"
    );
    assert_eq!(err.matches("no product has the tag").count(), 1, "{err}");
}

#[test]
fn completions_match_the_cli() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let file = repo_root().join("completions").join(match shell {
            "bash" => "orch.bash",
            "zsh" => "_orch",
            "fish" => "orch.fish",
            "elvish" => "orch.elv",
            _ => "_orch.ps1",
        });
        let p = Project::new();
        let (code, out, _) = p.run(&["completions", shell]);
        assert_eq!(code, 0);
        let committed = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            committed == out,
            "{} is out of date; regenerate with: cargo run -- completions {shell} > {}",
            file.display(),
            file.display()
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let p = Project::new();
    let (code, _, _) = p.run(&["product", "frobnicate"]);
    assert_eq!(code, 2);
    let (code, _, err) = p.run(&["product", "create", "--name", "X"]);
    assert_eq!(code, 2);
    assert!(err.contains("missing --type, --tag"), "{err}");
    // Flags that make a bad product are said as flags, not as a file never written.
    let base = [
        "product", "create", "--name", "X", "--type", "X", "--tag", "X",
    ];
    let (code, _, err) = p.run(&[&base[..], &["--field", "a:nosuch"]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the product as given is invalid"), "{err}");
    assert!(!err.contains(".toml"), "{err}");
    let (code, _, err) = p.run(&[&base[..], &["--field", "a:int", "--field", "a:string"]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--field `a` is given twice"), "{err}");
    // A lease the heartbeat cannot keep is refused before anything starts.
    let (code, _, err) = p.run(&["worker", "--once", "--lease", "1s"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--lease must be at least 2s, not 1s"), "{err}");
}

/// `product load` refuses a change for what it would break, not for what was broken
/// before it: a create workflow that failed before filling in a required field leaves
/// a subscription short of it, and later changes of its product still load.
fn a_change_is_refused_only_for_what_it_breaks() {
    let p = Project::new();
    let product = |description: &str, extra: &str| {
        format!(
            "name = \"V\"\ntype = \"V\"\ntag = \"V\"\ndescription = \"{description}\"\nroot = {{ key = \"v\", block = \"VB\" }}\n[blocks.VB]\nfields.name = {{ type = \"string\", required = \"initial\" }}\n{extra}"
        )
    };
    p.write("products/v.toml", &product("one", ""));
    p.write(
        "workflows/c.toml",
        "name = \"create_v\"\ntarget = \"create\"\nproducts = [\"V\"]\n[[step]]\nname = \"Boom\"\nbuiltin = \"fail\"\nwith = { message = \"boom\" }\n",
    );
    assert_eq!(p.run(&["product", "load"]).0, 0);
    assert_eq!(p.run(&["workflow", "run", "create_v"]).0, 3);
    p.write("products/v.toml", &product("two", ""));
    let (code, _, err) = p.run(&["product", "load"]);
    assert_eq!(code, 0, "{err}");
    p.write(
        "products/v.toml",
        &product(
            "two",
            "fields.site = { type = \"string\", required = \"initial\" }\n",
        ),
    );
    let (code, _, err) = p.run(&["product", "load"]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("v.site") && !err.contains("v.name"), "{err}");
}

/// A new tag breaks the subscriptions that use the product's subscriptions through a
/// field of the old tag: refused without --force, each user named; the same change
/// made in both files at once is not.
fn a_new_tag_is_refused_for_the_subscriptions_that_use_it() {
    let p = Project::example();
    for name in ["rtr1", "rtr2"] {
        let (code, _, err) = p.run(&[
            "workflow",
            "run",
            "create_node",
            "--input",
            &format!("node_name={name}"),
            "--input",
            "role=core",
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let nodes = p.ok_json(&["subscription", "list", "--product", "Node"]);
    let id = |i: usize| nodes[i]["subscription_id"].as_str().unwrap().to_string();
    let circuit = p.ok_json(&[
        "workflow",
        "run",
        "create_circuit",
        "--input",
        &format!("node_a={}", id(0)),
        "--input",
        &format!("node_b={}", id(1)),
        "--input",
        "port_a=1/1/c1",
        "--input",
        "port_b=1/1/c2",
    ]);
    let circuit = circuit["subscription_id"].as_str().unwrap().to_string();
    let node = std::fs::read_to_string(p.path().join("products/node.toml")).unwrap();
    p.write(
        "products/node.toml",
        &node.replace("tag = \"NODE\"", "tag = \"ROUTER\""),
    );
    let (code, out, err) = p.run(&["product", "load"]);
    assert_eq!(code, 7, "{out}{err}");
    let out = format!("{out}{err}");
    assert!(
        out.contains(&format!(
            "invalidates subscription {circuit} (which uses it)"
        )),
        "{out}"
    );
    assert!(out.contains("is a ROUTER product, expected NODE"), "{out}");
    let c = std::fs::read_to_string(p.path().join("products/circuit.toml")).unwrap();
    p.write(
        "products/circuit.toml",
        &c.replace("product_tag = \"NODE\"", "product_tag = \"ROUTER\""),
    );
    let (code, out, err) = p.run(&["product", "load"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// A reference's `status` constraint is checked when the reference is made: the
/// subscription it points at may move on later (disabled) without making every later
/// save of the user fail, its termination included. A new reference to it is still
/// refused. And an owned list with a `min` and no `required` does not stop the empty
/// subscription a create makes before its steps fill it in.
fn a_held_reference_and_an_empty_new_list_do_not_block_their_subscription() {
    let p = Project::new();
    p.write(
        "products/node.toml",
        "name = \"Node\"\ntype = \"Node\"\ntag = \"NODE\"\nroot = { key = \"node\", block = \"N\" }\n[blocks.N]\nfields.name = { type = \"string\" }\n",
    );
    p.write(
        "products/svc.toml",
        "name = \"Svc\"\ntype = \"Svc\"\ntag = \"SVC\"\nroot = { key = \"svc\", block = \"S\" }\n[blocks.S]\nfields.node = { type = \"subscription\", product_tag = \"NODE\", status = [\"active\"] }\nfields.items = { block = \"I\", min = 1, max = 4 }\n[blocks.I]\nfields.name = { type = \"string\" }\n",
    );
    let noop = "[[step]]\nname = \"Nothing\"\nbuiltin = \"noop\"\n";
    p.write(
        "workflows/create_node.toml",
        &format!("name = \"create_node\"\ntarget = \"create\"\nproducts = [\"NODE\"]\n{noop}"),
    );
    p.write(
        "workflows/create_svc.toml",
        "name = \"create_svc\"\ntarget = \"create\"\nproducts = [\"SVC\"]\n[[form]]\nfields = [ { name = \"node\", type = \"subscription\", product_tag = \"NODE\" } ]\n[[step]]\nname = \"Fill in\"\nbuiltin = \"set\"\nwith = { values = { subscription = { svc = { node = \"{{ state.node }}\", items = [ { name = \"a\" } ] } } } }\n",
    );
    p.write(
        "workflows/disable_node.toml",
        "name = \"disable_node\"\ntarget = \"modify\"\nproducts = [\"NODE\"]\n[[step]]\nname = \"Disable\"\nbuiltin = \"set_status\"\nwith = { status = \"disabled\" }\n",
    );
    p.write(
        "workflows/terminate_svc.toml",
        &format!("name = \"terminate_svc\"\ntarget = \"terminate\"\nproducts = [\"SVC\"]\n{noop}"),
    );
    assert_eq!(p.run(&["product", "load"]).0, 0);
    let node = p.ok_json(&["workflow", "run", "create_node"])["subscription_id"]
        .as_str()
        .unwrap()
        .to_string();
    let svc = p.ok_json(&[
        "workflow",
        "run",
        "create_svc",
        "--input",
        &format!("node={node}"),
    ]);
    assert_eq!(svc["status"], "completed", "{svc}");
    let svc = svc["subscription_id"].as_str().unwrap().to_string();
    assert_eq!(
        p.ok_json(&["workflow", "run", "disable_node", "--subscription", &node])["status"],
        "completed"
    );
    // A new reference to the disabled node is refused...
    let v = p.failed_json(&[
        "workflow",
        "run",
        "create_svc",
        "--input",
        &format!("node={node}"),
    ]);
    assert!(
        v["failed_reason"]
            .as_str()
            .unwrap()
            .contains("is disabled, expected active"),
        "{v}"
    );
    // ...the one held already does not stop the user's termination.
    let v = p.ok_json(&["workflow", "run", "terminate_svc", "--subscription", &svc]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(
        p.ok_json(&["subscription", "show", &svc])["status"],
        "terminated"
    );
}

/// `product create --force` over a product with subscriptions is a load of one
/// product: its plan is shown and what it breaks is said, not passed over.
fn product_create_over_a_product_in_use_says_what_it_breaks() {
    let p = Project::example();
    let (code, _, err) = p.run(super::CREATE_RTR1);
    assert_eq!(code, 0, "{err}");
    // Node replaced by one of these fields, with --force (and these flags after).
    let replace = |fields: &[&str], more: &[&str]| {
        let mut args = vec![
            "product",
            "create",
            "--name",
            "Node",
            "--type",
            "Node",
            "--tag",
            "NODE",
            "--root-key",
            "node",
            "--force",
        ];
        for f in fields {
            args.extend(["--field", f]);
        }
        args.extend(more);
        p.run(&args)
    };
    let (code, _, err) = replace(&["name:int"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("~ Node (NODE): changed, touches 1 subscription\n"),
        "{err}"
    );
    // Each field changed or removed says how many of them set it.
    assert!(
        err.contains("NodeBlock.role removed (set in 1 of them)"),
        "{err}"
    );
    assert!(err.contains("warning: replacing it invalidates"), "{err}");
    assert!(err.contains("replaced product Node (NODE)"), "{err}");
    let (code, out, err) = replace(&["name:int", "site:string:initial"], &["-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["invalidates"].as_array().is_some_and(|a| !a.is_empty()),
        "{v}"
    );
}

/// `product load --force` over a change that breaks subscriptions: the values of a
/// removed field are dropped from every subscription that set it, and the one that
/// still does not match (an enum value no longer allowed) is marked out of sync, in
/// the load's transaction, with its events; modify workflows then refuse it.
fn a_forced_load_drops_removed_fields_and_marks_what_still_breaks() {
    let p = Project::example();
    let core = p.enrol("rtr1", "core")["subscription_id"]
        .as_str()
        .unwrap()
        .to_string();
    let edge = p.enrol("rtr2", "edge")["subscription_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        p.ok_json(&["subscription", "show", &core])["node"]["site"],
        "ams"
    );
    let node = std::fs::read_to_string(p.path().join("products/node.toml")).unwrap();
    p.write(
        "products/node.toml",
        &node
            .replace("values = [\"core\", \"edge\"]", "values = [\"core\"]")
            .replace("fields.site = { type = \"string\" }\n", ""),
    );
    // Refused without --force, nothing changed.
    assert_eq!(p.run(&["product", "load"]).0, 7);
    assert_eq!(p.ok_json(&["subscription", "show", &edge])["insync"], true);

    let (code, out, err) = p.run(&["-o", "json", "product", "load", "--force"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["out_of_sync"], serde_json::json!([edge]), "{v}");
    let dropped: Vec<&str> = v["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["subscription_id"].as_str().unwrap())
        .collect();
    assert_eq!(dropped.len(), 2, "{v}");
    assert!(
        v["dropped"][0]["paths"] == serde_json::json!(["node.site"]),
        "{v}"
    );

    let c = p.ok_json(&["subscription", "show", &core]);
    assert_eq!(
        (c["insync"].clone(), c["node"].get("site")),
        (serde_json::json!(true), None),
        "{c}"
    );
    let e = p.ok_json(&["subscription", "show", &edge]);
    assert_eq!(e["insync"], false, "{e}");
    assert_eq!(
        e["node"]["role"], "edge",
        "the value stays, for a person to fix"
    );
    let kinds = p.sql_column(&format!(
        "SELECT kind FROM events WHERE subscription_id = '{edge}' ORDER BY seq DESC LIMIT 2"
    ));
    assert!(
        kinds.contains(&"subscription.insync_changed".to_string()),
        "{kinds:?}"
    );
    let listed = p.ok_json(&["subscription", "list", "--insync", "false"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    let usable = p.ok_json(&["subscription", "workflows", &edge]);
    let modify = usable
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "modify_node")
        .unwrap();
    assert_eq!(modify["usable"], false, "{modify}");
    assert!(
        modify["reason"].as_str().unwrap().contains("out of sync"),
        "{modify}"
    );
}

/// A product of one string field, a create workflow that sets a note and a
/// description holding escape sequences, and a modify workflow whose step clears them.
fn project_with_a_note() -> Project {
    let p = Project::new();
    p.write(
        "products/svc.toml",
        "name = \"Svc\"\ntype = \"Svc\"\ntag = \"SVC\"\nroot = { key = \"svc\", block = \"SvcBlock\" }\n[blocks.SvcBlock]\nfields.label = { type = \"string\" }\n",
    );
    p.write(
        "workflows/create_svc.toml",
        r#"name = "create_svc"
target = "create"
products = ["SVC"]
[[step]]
name = "Describe"
run = "printf '{\"subscription\": {\"note\": \"temporary\", \"description\": \"x\\\\u001b]0;pwned\\\\u0007y\", \"svc\": {\"label\": \"x\"}}}'"
"#,
    );
    p.write(
        "workflows/clear_svc.toml",
        r#"name = "clear_svc"
target = "modify"
products = ["SVC"]
[[step]]
name = "Clear"
run = "echo '{\"subscription\": {\"note\": null, \"description\": null, \"svc\": {\"label\": null}}}'"
"#,
    );
    assert_eq!(p.run(&["product", "load"]).0, 0);
    p
}

/// A step's `null` deletes, for the subscription's own keys too: its note and its
/// description are cleared, as a field of its blocks is. What a step wrote is shown
/// by `show`, never obeyed by the terminal.
fn a_step_clears_a_note_and_a_description_and_show_prints_them_harmlessly() {
    let p = project_with_a_note();
    let made = p.ok_json(&["workflow", "run", "create_svc", "--customer", "c1"]);
    let id = made["subscription_id"].as_str().unwrap().to_string();
    let before = p.ok_json(&["subscription", "show", &id]);
    assert_eq!(before["note"], "temporary", "{before}");
    assert_eq!(before["description"], "x\u{1b}]0;pwned\u{7}y", "{before}");
    let (code, shown, err) = p.run(&["subscription", "show", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
        "{shown:?}"
    );
    assert!(shown.contains("x^[]0;pwned^Gy"), "{shown}");

    let cleared = p.ok_json(&["workflow", "run", "clear_svc", "--subscription", &id]);
    assert_eq!(cleared["status"], "completed", "{cleared}");
    let after = p.ok_json(&["subscription", "show", &id]);
    assert_eq!(after["note"], serde_json::Value::Null, "{after}");
    assert_eq!(after["description"], "", "{after}");
    assert_eq!(after["svc"], serde_json::json!({}), "{after}");
}

both!(
    a_step_clears_a_note_and_a_description_and_show_prints_them_harmlessly,
    a_forced_load_drops_removed_fields_and_marks_what_still_breaks,
    product_create_over_a_product_in_use_says_what_it_breaks,
    a_held_reference_and_an_empty_new_list_do_not_block_their_subscription,
    a_new_tag_is_refused_for_the_subscriptions_that_use_it,
    a_change_is_refused_only_for_what_it_breaks,
    product_load_is_idempotent_and_lists_as_json,
    a_typo_in_a_key_is_placed,
    a_wrong_field_type_is_placed,
    bounds_no_value_fits_are_refused,
    a_block_cycle_is_refused,
    an_unknown_block_is_refused,
    a_newer_database_is_refused_and_left_alone,
    product_create_from_flags_saves_a_loadable_file,
);

/// A misspelt target is said once, with the target it was probably meant to be, and
/// no check is made against a guessed target (a task's rules for a modify workflow).
#[test]
fn a_misspelt_target_is_said_once_with_a_suggestion() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"modfy\"\nproducts = [\"X\"]\n[schedule]\nevery = \"1h\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("workflows/w.toml:2:1: target: `modfy` is not a target")
            && err.contains("did you mean `modify`?"),
        "{err}"
    );
    assert!(!err.contains("a task"), "{err}");
    assert!(!err.contains("only tasks"), "{err}");
    assert!(err.contains("1 problem in the definition files"), "{err}");
}

/// An address of another database is refused as such, not taken for a file name.
#[test]
fn an_address_of_another_database_is_refused() {
    let p = Project::new();
    for args in [&["process", "list"][..], &["db", "migrate"][..]] {
        let mut all = vec!["--db", "mysql://x@y/z"];
        all.extend_from_slice(args);
        let (code, _, err) = p.run(&all);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("`mysql://` is not a database orch can use"),
            "{err}"
        );
    }
    assert!(!p.path().join("mysql:").exists());
}

/// `other.db` in the project, a SQLite database made by `sql`.
fn another_programs_database(p: &Project, sql: &str) -> std::path::PathBuf {
    let other = p.path().join("other.db");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.execute_batch(sql).unwrap();
    other
}

/// The tables of the SQLite database at `path`, by name.
fn tables_of(path: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut q = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    q.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// A SQLite database of another program with a table of one of orch's names cannot
/// take orch's tables: `db migrate` says which table is in the way and what to do (not
/// the whole migration it failed in), and leaves the file as it was, without even
/// refinery's history table.
#[test]
fn migrating_into_another_programs_database_names_the_table_in_the_way() {
    let p = Project::new();
    let other = another_programs_database(
        &p,
        "CREATE TABLE processes (id INTEGER); INSERT INTO processes VALUES (7)",
    );
    let (code, _, err) = p.run(&["--db", "other.db", "db", "migrate"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("table processes already exists"), "{err}");
    assert!(
        err.contains("hint: the file holds tables of another program"),
        "{err}"
    );
    assert!(!err.contains("CREATE TABLE"), "{err}");
    assert_eq!(tables_of(&other), ["processes"]);
    let conn = rusqlite::Connection::open(&other).unwrap();
    let kept: i64 = conn
        .query_row("SELECT id FROM processes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 7);
}

/// A SQLite database of another program is left as it is by a command that only
/// reads (exit 6, as for no database); `db migrate` adds orch's tables when asked.
#[test]
fn a_command_that_reads_leaves_another_programs_database_alone() {
    let p = Project::new();
    let other = another_programs_database(&p, "CREATE TABLE customers (id INTEGER)");
    let tables = || tables_of(&other);
    let (code, _, err) = p.run(&["--db", "other.db", "process", "list"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("holds no orch database"), "{err}");
    assert!(err.contains("orch db migrate"), "{err}");
    assert_eq!(tables(), ["customers"]);
    let (code, _, err) = p.run(&["--db", "other.db", "db", "migrate"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = p.run(&["--db", "other.db", "process", "list"]);
    assert_eq!(code, 0, "{err}");
}

/// Errors of usage that had no hint say how to do it instead, as every error does: an
/// empty consumer or token name, a backup onto the database itself, an `init` where no
/// folder can be made.
#[test]
fn small_usage_errors_hint_at_what_to_do() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    assert_eq!(p.ok_json(&["workflow", "run", "t"])["status"], "completed");
    p.write("a-file", "");
    for (args, said, hint) in [
        (
            vec!["events", "--consumer", " "],
            "--consumer needs a name",
            "hint: name the reader, e.g. --consumer billing",
        ),
        (
            vec!["token", "create", " ", "--role", "read"],
            "a token needs a name",
            "hint: name who or what uses it",
        ),
        (
            vec!["db", "backup", "orch.db"],
            "is the database itself",
            "hint: name a new file",
        ),
        (
            vec!["init", "a-file/sub"],
            "cannot create",
            "hint: check that the folder above it exists and is writable",
        ),
    ] {
        let (code, out, err) = p.run(&args);
        assert_ne!(code, 0, "{args:?}: {err}");
        assert!(out.is_empty(), "{out}");
        assert!(err.contains(said), "{args:?}: {err}");
        assert!(err.contains(hint), "{args:?}: {err}");
    }
}

/// `orch init FILE` is bad usage, said as `--dir FILE` says it: not a failure to
/// create `FILE/products` with a hint about the folder above it.
#[test]
fn init_on_a_file_says_it_takes_a_folder() {
    let p = Project::new();
    p.write("notes.txt", "");
    let (code, out, err) = p.run(&["init", "notes.txt"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("notes.txt is a file, not a folder"), "{err}");
    assert!(err.contains("hint: `orch init DIR`"), "{err}");
    assert!(!p.path().join("notes.txt/products").exists());
}

/// `orch init DIR` makes a project in DIR: the orch.toml of the project around the
/// current folder is not read (a broken one does not stop it), and `--dir DIR init`
/// (or ORCH_DIR) is the same command, for a folder that does not exist yet too.
#[test]
fn init_elsewhere_reads_no_orch_toml_here_and_dir_names_the_new_project() {
    let p = Project::on(Store::Sqlite).unwrap();
    p.write("orch.toml", "db = 5\n");
    let (code, _, err) = p.run(&["db", "status"]);
    assert_eq!(code, 2, "{err}");

    let (code, _, err) = p.run(&["init", "new"]);
    assert_eq!(code, 0, "{err}");
    assert!(p.path().join("new/orch.toml").is_file(), "{err}");
    assert!(p.path().join("new/orch.db").is_file(), "{err}");

    let (code, _, err) = p.run(&["--dir", "by-flag/sub", "init"]);
    assert_eq!(code, 0, "{err}");
    assert!(p.path().join("by-flag/sub/orch.db").is_file(), "{err}");
    let out = p
        .command()
        .env("ORCH_DIR", p.path().join("by-env"))
        .args(["-o", "json", "init"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["root"], p.path().join("by-env").to_str().unwrap(), "{v}");
    assert!(p.path().join("by-env/products").is_dir());

    // Without a folder, init still reads the project it is in.
    let (code, _, err) = p.run(&["init"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("orch.toml:1:6: db"), "{err}");
}
