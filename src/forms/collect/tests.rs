use std::cell::RefCell;
use std::collections::HashMap;
use std::io;

use serde_json::{Map, Value, json};

use super::*;
use crate::forms::prompt::{
    BoolCheck, PickCheck, PicksCheck, Question, ScriptedPrompter, TextCheck,
};

/// A source with fixed answers that records the `choices_from` calls.
#[derive(Default)]
struct Fake {
    env: HashMap<String, String>,
    planned: Vec<Choice>,
    nodes: Vec<Choice>,
    broken: bool,
    calls: RefCell<Vec<(String, Map<String, Value>)>>,
}

impl ChoiceSource for Fake {
    fn choices_from(
        &self,
        _: &FieldSpec,
        command: &str,
        answers: &Map<String, Value>,
    ) -> Result<Listed, String> {
        self.calls
            .borrow_mut()
            .push((command.to_string(), answers.clone()));
        if self.broken {
            return Err("exit status 1: netbox is down".into());
        }
        Ok(self.planned.clone().into())
    }
    fn subscriptions(&self, _: &FieldSpec) -> Result<Vec<Choice>, String> {
        Ok(self.nodes.clone())
    }
    fn env_var(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }
}

fn fake() -> Fake {
    Fake {
        planned: ["r1", "r2"].map(|s| Choice::new(s, None)).to_vec(),
        nodes: vec![
            Choice::new("id-a", Some("Node A".into())),
            Choice::new("id-b", Some("Node B".into())),
            Choice::new("id-c", Some("Node C".into())),
        ],
        ..Fake::default()
    }
}

fn pages(src: &str) -> Vec<FormPage> {
    let t: toml::Table = toml::from_str(src).unwrap();
    t["form"].clone().try_into().unwrap()
}

fn map(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

const ROUTER: &str = r#"
[[form]]
title = "Router"
description = "Enrol a router"
fields = [
  { name = "node_name", type = "choice", choices_from = "scripts/netbox.sh planned-nodes" },
  { name = "role", type = "choice", choices = ["core", "edge"], default = "edge" },
]
[[form]]
title = "Addressing"
fields = [
  { name = "intro", type = "display", template = "Addresses for {{ answers.node_name }} ({{ state.site }})" },
  { name = "loopback", type = "ipv4" },
  { name = "vlan", type = "int", min = 1, max = 4094, required = false },
]
"#;

fn problems(e: CollectError) -> Vec<String> {
    match e {
        CollectError::Invalid(ps) => ps.iter().map(ToString::to_string).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn without_a_prompter_every_problem_is_listed() {
    let given = map(json!({"role": "x", "loopback": "300.1.1.1"}));
    let err = collect(&pages(ROUTER), &given, &json!({}), &fake(), None).unwrap_err();
    assert_eq!(
        problems(err),
        [
            "node_name (choice): missing, required; pick one of r1, r2",
            "role (choice): `x` is not one of core, edge",
            "loopback (ipv4): expected an IPv4 address like 192.0.2.1, got `300.1.1.1`",
        ]
    );
}

#[test]
fn given_values_are_typed_defaults_applied_and_optional_fields_left_out() {
    let source = fake();
    let given = map(json!({"node_name": "r2", "loopback": "192.0.2.1"}));
    let answers = collect(&pages(ROUTER), &given, &json!({}), &source, None).unwrap();
    assert_eq!(
        Value::Object(answers),
        json!({"node_name": "r2", "role": "edge", "loopback": "192.0.2.1"})
    );

    let given = map(json!({"node_name": "r1", "loopback": "192.0.2.1", "vlan": "12"}));
    let answers = collect(&pages(ROUTER), &given, &json!({}), &source, None).unwrap();
    assert_eq!(
        answers["vlan"],
        json!(12),
        "--input strings are typed by the field"
    );
    let given = map(json!({"node_name": "r1", "loopback": "192.0.2.1", "vlan": "5000"}));
    let err = collect(&pages(ROUTER), &given, &json!({}), &source, None).unwrap_err();
    assert_eq!(
        problems(err),
        ["vlan (int): must be at most 4094, got 5000"]
    );
}

#[test]
fn prompts_only_for_what_was_not_given_and_re_asks_rejected_values() {
    let given = map(json!({"node_name": "r1"}));
    let mut p = ScriptedPrompter::new(["", "300.1.1.1", "192.0.2.1", "0", ""]);
    let answers = collect(
        &pages(ROUTER),
        &given,
        &json!({"site": "ams"}),
        &fake(),
        Some(&mut p),
    )
    .unwrap();
    assert_eq!(
        Value::Object(answers),
        json!({"node_name": "r1", "role": "edge", "loopback": "192.0.2.1"})
    );
    assert_eq!(p.asked, ["role", "loopback", "vlan"], "node_name was given");
    assert_eq!(
        p.rejections,
        [
            "loopback: expected an IPv4 address like 192.0.2.1, got `300.1.1.1`",
            "vlan: must be at least 1, got 0"
        ]
    );
    assert_eq!(
        p.shown,
        [
            "Router",
            "Enrol a router",
            "Addressing",
            "Addresses for r1 (ams)"
        ]
    );
    assert_eq!(p.left(), 0);
}

#[test]
fn pages_with_nothing_to_ask_are_not_shown() {
    let given = map(json!({"loopback": "192.0.2.1", "vlan": 3}));
    let mut p = ScriptedPrompter::new(["r2", "core"]);
    collect(&pages(ROUTER), &given, &json!({}), &fake(), Some(&mut p)).unwrap();
    assert_eq!(p.shown, ["Router", "Enrol a router"]);
}

#[test]
fn a_wrong_given_value_is_asked_again_when_prompting() {
    let given = map(json!({"node_name": "r9", "loopback": "192.0.2.1", "vlan": 3}));
    let mut p = ScriptedPrompter::new(["r2", ""]);
    let answers = collect(&pages(ROUTER), &given, &json!({}), &fake(), Some(&mut p)).unwrap();
    assert_eq!(answers["node_name"], "r2");
    assert_eq!(p.rejections, ["node_name: `r9` is not one of r1, r2"]);
}

#[test]
fn unknown_keys_are_errors_but_other_pages_fields_are_not() {
    let given = map(
        json!({"node_name": "r1", "loopback": "192.0.2.1", "rol": "core", "intro": "x", "zzz": 1}),
    );
    let err = collect(&pages(ROUTER), &given, &json!({}), &fake(), None).unwrap_err();
    assert_eq!(
        problems(err),
        [
            "rol (unknown): no such field in this form; did you mean `role`?",
            "intro (display): a display field only shows text; it takes no value",
            "zzz (unknown): no such field in this form (its fields: node_name, role, loopback, vlan)",
        ]
    );
}

#[test]
fn choices_from_sees_the_answers_so_far_and_its_failure_is_reported() {
    let src = r#"
[[form]]
title = "t"
fields = [
  { name = "site", type = "text" },
  { name = "node_name", type = "choice", choices_from = "list-nodes" },
]
"#;
    let source = fake();
    let given = map(json!({"site": "ams", "node_name": "r1"}));
    collect(&pages(src), &given, &json!({}), &source, None).unwrap();
    assert_eq!(
        source.calls.borrow()[0],
        ("list-nodes".to_string(), map(json!({"site": "ams"})))
    );

    let broken = Fake {
        broken: true,
        ..fake()
    };
    let err = collect(&pages(src), &given, &json!({}), &broken, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot list the choices of `node_name`: exit status 1: netbox is down"
    );

    // A missing value is reported with what it could have been.
    let source = fake();
    let only_site = map(json!({"site": "ams"}));
    let err = collect(&pages(src), &only_site, &json!({}), &source, None).unwrap_err();
    assert_eq!(
        problems(err),
        ["node_name (choice): missing, required; pick one of r1, r2"]
    );
    let err = collect(&pages(src), &only_site, &json!({}), &broken, None).unwrap_err();
    assert_eq!(
        problems(err),
        [
            "node_name (choice): missing, required (its choices cannot be listed: exit status 1: netbox is down)"
        ]
    );
}

#[test]
fn nothing_to_pick_says_where_the_choices_came_from() {
    let src = r#"
[[form]]
fields = [
  { name = "node_name", type = "choice", choices_from = "list-nodes" },
  { name = "node", type = "subscription", product_tag = "NODE", status = ["active", "provisioning"] },
]
"#;
    let empty = Fake::default();
    let err = collect(&pages(src), &Map::new(), &json!({}), &empty, None).unwrap_err();
    assert_eq!(
        problems(err),
        [
            "node_name (choice): missing, required; there is nothing to choose from: `list-nodes` returned an empty list",
            "node (subscription): missing, required; there is nothing to choose from: no subscription of product tag NODE is active or provisioning",
        ]
    );
}

#[test]
fn a_subscription_is_picked_by_a_unique_prefix_of_its_id() {
    let src = r#"
[[form]]
fields = [{ name = "node", type = "subscription", product_tag = "NODE" }]
"#;
    let source = Fake {
        nodes: vec![
            Choice::new("0192-aaaa-1", Some("Node A".into())),
            Choice::new("0192-aaaa-2", Some("Node B".into())),
            Choice::new("0192-bbbb-3", Some("Node C".into())),
        ],
        ..Fake::default()
    };
    let got = collect(
        &pages(src),
        &map(json!({"node": "0192-b"})),
        &json!({}),
        &source,
        None,
    );
    assert_eq!(got.unwrap()["node"], "0192-bbbb-3");
    let err = collect(
        &pages(src),
        &map(json!({"node": "0192-a"})),
        &json!({}),
        &source,
        None,
    )
    .unwrap_err();
    assert_eq!(
        problems(err),
        [
            "node (subscription): `0192-a` is the start of several ids; give more of it:\n      0192-aaaa-1  Node A\n      0192-aaaa-2  Node B"
        ]
    );
    let err = collect(
        &pages(src),
        &map(json!({"node": "nope"})),
        &json!({}),
        &source,
        None,
    )
    .unwrap_err();
    assert!(
        problems(err)[0].contains("0192-bbbb-3  Node C"),
        "candidates with their descriptions"
    );
}

const CIRCUIT: &str = r#"
[[form]]
title = "Circuit"
fields = [
  { name = "a_side", type = "subscription", product_tag = "NODE" },
  { name = "b_side", type = "subscription", product_tag = "NODE", exclude = "value == answers.a_side" },
]
"#;

#[test]
fn exclude_keeps_a_and_b_apart() {
    let given = map(json!({"a_side": "id-a", "b_side": "id-a"}));
    let err = collect(&pages(CIRCUIT), &given, &json!({}), &fake(), None).unwrap_err();
    assert_eq!(
        problems(err),
        [
            "b_side (subscription): `id-a` cannot be picked here (excluded by this field's `exclude`)"
        ]
    );

    let mut p = ScriptedPrompter::new(["Node A", "Node A", "Node C"]);
    let answers = collect(
        &pages(CIRCUIT),
        &Map::new(),
        &json!({}),
        &fake(),
        Some(&mut p),
    )
    .unwrap();
    assert_eq!(
        Value::Object(answers),
        json!({"a_side": "id-a", "b_side": "id-c"})
    );
    assert!(
        p.rejections[0].starts_with("b_side: `Node A` is not in the menu (Node B, Node C)"),
        "{:?}",
        p.rejections
    );
}

#[test]
fn nothing_left_to_pick_is_a_problem_even_when_prompting() {
    let source = Fake {
        nodes: vec![Choice::new("id-a", None)],
        ..fake()
    };
    let mut p = ScriptedPrompter::new(["id-a"]);
    let err = collect(
        &pages(CIRCUIT),
        &Map::new(),
        &json!({}),
        &source,
        Some(&mut p),
    )
    .unwrap_err();
    assert_eq!(
        problems(err),
        [
            "b_side (subscription): there is nothing to choose from: all 1 choices are excluded by this field's `exclude`"
        ]
    );
}

const SECRET: &str = r#"
[[form]]
title = "Access"
fields = [
  { name = "api_token", type = "secret", min = 8 },
  { name = "user", type = "text" },
]
"#;

#[test]
fn secrets_come_from_the_environment_and_stay_out_of_messages() {
    let pages = pages(SECRET);
    assert_eq!(secret_names(&pages), ["api_token"]);
    assert_eq!(secret_env_var("api-token"), "ORCH_SECRET_API_TOKEN");

    let mut source = fake();
    source
        .env
        .insert("ORCH_SECRET_API_TOKEN".into(), "s3cret-value".into());
    let given = map(json!({"user": "ops"}));
    let answers = collect(&pages, &given, &json!({}), &source, None).unwrap();
    assert_eq!(answers["api_token"], "s3cret-value");
    assert_eq!(
        Value::Object(without_secrets(&pages, &answers)),
        json!({"user": "ops"})
    );

    // Prompting: the environment still wins, so the secret is not asked.
    let mut p = ScriptedPrompter::new(Vec::<String>::new());
    collect(&pages, &given, &json!({}), &source, Some(&mut p)).unwrap();
    assert!(p.asked.is_empty());

    source
        .env
        .insert("ORCH_SECRET_API_TOKEN".into(), "short".into());
    let err = collect(&pages, &given, &json!({}), &source, None).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(
            "api_token (secret): from ORCH_SECRET_API_TOKEN: must be at least 8 characters long"
        ),
        "{msg}"
    );
    assert!(!msg.contains("short"), "{msg}");

    let mut p = ScriptedPrompter::new(["", "longenough"]);
    let answers = collect(&pages, &given, &json!({}), &fake(), Some(&mut p)).unwrap();
    assert_eq!(answers["api_token"], "longenough");
    assert_eq!(p.rejections, ["api_token: a value is required"]);
}

#[test]
fn validate_with_message_in_both_modes() {
    let src = r#"
[[form]]
title = "t"
fields = [
  { name = "asn", type = "int", validate = "value >= 64512", message = "use a private ASN, not {{ value }}" },
  { name = "ok", type = "accept", label = "The config is applied" },
]
"#;
    let err = collect(
        &pages(src),
        &map(json!({"asn": 100})),
        &json!({}),
        &fake(),
        None,
    )
    .unwrap_err();
    assert_eq!(
        problems(err),
        [
            "asn (int): use a private ASN, not 100",
            "ok (accept): missing; it must be accepted (yes)"
        ]
    );
    let mut p = ScriptedPrompter::new(["100", "64512", "no", "yes"]);
    let answers = collect(&pages(src), &Map::new(), &json!({}), &fake(), Some(&mut p)).unwrap();
    assert_eq!(Value::Object(answers), json!({"asn": 64512, "ok": true}));
    assert_eq!(
        p.rejections,
        [
            "asn: use a private ASN, not 100",
            "ok: must be accepted (yes) to go on"
        ]
    );
}

#[test]
fn multi_choice_and_optional_choice_prompts() {
    let src = r#"
[[form]]
title = "t"
fields = [
  { name = "ports", type = "multi_choice", choices = ["1/1", "1/2", "1/3"], max = 2, default = ["1/1"] },
  { name = "color", type = "choice", choices = ["red"], required = false },
  { name = "note", type = "long_text", required = false },
]
"#;
    let mut p = ScriptedPrompter::new(["1/1, 1/2, 1/3", "", "(none)", ""]);
    let answers = collect(&pages(src), &Map::new(), &json!({}), &fake(), Some(&mut p)).unwrap();
    assert_eq!(Value::Object(answers), json!({"ports": ["1/1"]}));
    assert_eq!(p.rejections, ["ports: pick at most 2, got 3"]);

    let given = map(json!({"ports": "1/3,1/2"}));
    let answers = collect(&pages(src), &given, &json!({}), &fake(), None).unwrap();
    assert_eq!(Value::Object(answers), json!({"ports": ["1/3", "1/2"]}));
}

#[test]
fn an_invalid_default_is_reported_without_a_prompter() {
    let src = r#"
[[form]]
title = "t"
fields = [{ name = "a_side", type = "subscription", default = "id-gone" }]
"#;
    let err = collect(&pages(src), &Map::new(), &json!({}), &fake(), None).unwrap_err();
    assert_eq!(
        problems(err),
        [
            "a_side (subscription): the default is invalid: `id-gone` is not one of the live (not terminated) subscriptions:\n      id-a  Node A\n      id-b  Node B\n      id-c  Node C"
        ]
    );
}

/// Two subscriptions with one description look alike in a menu: each such line also
/// shows its id, so the one picked is the one meant; a line with a label of its own
/// stays as it is.
#[test]
fn a_menu_tells_apart_choices_with_one_label() {
    let source = Fake {
        nodes: vec![
            Choice::new("id-a", Some("Edge router (Node, active)".into())),
            Choice::new("id-b", Some("Edge router (Node, active)".into())),
            Choice::new("id-c", Some("Core router (Node, active)".into())),
        ],
        ..fake()
    };
    let src = r#"
[[form]]
fields = [{ name = "peer", type = "subscription" }]
"#;
    let mut p = ScriptedPrompter::new([
        "Edge router (Node, active)",
        "Edge router (Node, active) · id-b",
    ]);
    let answers = collect(&pages(src), &Map::new(), &json!({}), &source, Some(&mut p)).unwrap();
    assert_eq!(Value::Object(answers), json!({"peer": "id-b"}));
    assert_eq!(
        p.rejections,
        [
            "peer: `Edge router (Node, active)` is not in the menu (Edge router (Node, active) · id-a, Edge router (Node, active) · id-b, Core router (Node, active))"
        ]
    );
}

/// A subscription refused says why: the start of an id that `exclude` took away is
/// excluded (as the whole id is), and an id that is not listed is not one of the
/// subscriptions the field's filters take, which the refusal names.
#[test]
fn a_refused_subscription_says_which_rule_refused_it() {
    let source = Fake {
        nodes: vec![
            Choice::new("0193aaaa-0001", Some("Node A".into())),
            Choice::new("0193bbbb-0002", Some("Node B".into())),
        ],
        ..fake()
    };
    let given = map(json!({"a_side": "0193aaaa-0001", "b_side": "0193aaaa"}));
    let err = collect(&pages(CIRCUIT), &given, &json!({}), &source, None).unwrap_err();
    assert_eq!(
        problems(err),
        [
            "b_side (subscription): `0193aaaa` cannot be picked here (excluded by this field's `exclude`)"
        ]
    );

    let src = r#"
[[form]]
fields = [{ name = "peer", type = "subscription", product_tag = "NODE", status = ["active", "disabled"] }]
"#;
    let given = map(json!({"peer": "0193cccc"}));
    let err = collect(&pages(src), &given, &json!({}), &source, None).unwrap_err();
    assert_eq!(
        problems(err),
        [
            "peer (subscription): `0193cccc` is not one of the active or disabled subscriptions of product tag NODE:\n      0193aaaa-0001  Node A\n      0193bbbb-0002  Node B"
        ]
    );
}

/// A person who presses Ctrl-C at the first prompt.
struct CtrlC;

fn interrupted<T>() -> io::Result<T> {
    Err(io::Error::new(
        io::ErrorKind::Interrupted,
        "read interrupted",
    ))
}

impl Prompter for CtrlC {
    fn page(&mut self, _: &str, _: Option<&str>) -> io::Result<()> {
        Ok(())
    }
    fn show(&mut self, _: &str) -> io::Result<()> {
        Ok(())
    }
    fn warn(&mut self, _: &str) -> io::Result<()> {
        Ok(())
    }
    fn text(&mut self, _: &Question, _: Option<&str>, _: TextCheck) -> io::Result<String> {
        interrupted()
    }
    fn long_text(&mut self, _: &Question, _: Option<&str>, _: TextCheck) -> io::Result<String> {
        interrupted()
    }
    fn secret(&mut self, _: &Question, _: TextCheck) -> io::Result<String> {
        interrupted()
    }
    fn confirm(&mut self, _: &Question, _: bool, _: BoolCheck) -> io::Result<bool> {
        interrupted()
    }
    fn select(
        &mut self,
        _: &Question,
        _: &[String],
        _: Option<usize>,
        _: PickCheck,
    ) -> io::Result<usize> {
        interrupted()
    }
    fn multi_select(
        &mut self,
        _: &Question,
        _: &[String],
        _: &[bool],
        _: PicksCheck,
    ) -> io::Result<Vec<usize>> {
        interrupted()
    }
}

#[test]
fn ctrl_c_at_a_prompt_is_interrupted() {
    let err = collect(
        &pages(ROUTER),
        &Map::new(),
        &json!({}),
        &fake(),
        Some(&mut CtrlC),
    )
    .unwrap_err();
    assert!(matches!(err, CollectError::Interrupted), "{err:?}");
    let mut p = ScriptedPrompter::new(Vec::<String>::new());
    let err = collect(
        &pages(ROUTER),
        &Map::new(),
        &json!({}),
        &fake(),
        Some(&mut p),
    )
    .unwrap_err();
    assert!(matches!(err, CollectError::Io(_)), "{err:?}");
}
