//! Answers to forms from the command line: `--input`, `--input-file` and `--form`,
//! the choice lists forms need (commands and subscriptions), and the secrets a
//! process needs again after a restart.
//!
//! Every command that takes answers (`workflow run`, `process resume`, `product create
//! --form`) goes through [`collect`], so a value is typed and validated the same way
//! whichever way it arrives, and nothing is stored before the whole form is valid.

use clap::Args;
use serde_json::{Map, Value};

use super::Ctx;
use crate::definition::workflow as workflow_def;
use crate::engine::choices::Choices;
use crate::error::{Error, Kind, Result};
use crate::forms::{self, CollectError, FieldSpec, FormPage, Problem};

/// The answer flags, shared by every command that fills in a form.
#[derive(Debug, Clone, Default, Args)]
pub struct AnswerArgs {
    /// An answer, key=value (repeatable; typed by the form's field: 42, true, a,b for lists)
    #[arg(long = "input", value_name = "KEY=VALUE", value_parser = super::parse_key_value)]
    pub inputs: Vec<(String, String)>,
    /// Answers as a JSON or TOML object in a file, or - for stdin
    #[arg(long, value_name = "FILE")]
    pub input_file: Option<String>,
    /// Ask for missing answers interactively (only on a terminal)
    #[arg(long)]
    pub form: bool,
}

impl AnswerArgs {
    /// `--input-file`, then `--input` (flags win). Flag values stay text: the form's
    /// field types them.
    pub fn given(&self) -> Result<Map<String, Value>> {
        let mut answers = Map::new();
        if let Some(f) = &self.input_file {
            answers.extend(read_file(f)?);
        }
        let mut flags = Map::new();
        for (k, v) in &self.inputs {
            // The values are not echoed: the field may be a secret.
            if flags.insert(k.clone(), Value::String(v.clone())).is_some() {
                return Err(Error::usage(format!("`--input {k}` is given twice"))
                    .with_hint(format!(
                        "give each answer once; a list is one answer with its items separated by commas (`--input {k}=a,b`)"
                    )));
            }
        }
        answers.extend(flags);
        Ok(answers)
    }
}

/// What an answers file holds, said where one does not.
const ANSWERS_FILE: &str = "an answers file is one JSON object (`{\"node_name\": \"rtr2\", \"role\": \"core\"}`) or TOML (`node_name = \"rtr2\"`); `orch workflow form NAME` describes the fields";

/// The most an answers file (or stdin) may hold: as much as a step may add to the
/// state on its stdout.
pub const MAX_ANSWERS: u64 = 16 * 1024 * 1024;

/// An object of answers from a JSON or TOML file, or from stdin with `-`.
pub fn read_file(f: &str) -> Result<Map<String, Value>> {
    use std::io::Read;
    let mut text = String::new();
    if f == "-" {
        std::io::stdin()
            .take(MAX_ANSWERS + 1)
            .read_to_string(&mut text)
            .map_err(|e| Error::usage(format!("cannot read answers from stdin: {e}")))?;
    } else {
        std::fs::File::open(f)
            .and_then(|file| file.take(MAX_ANSWERS + 1).read_to_string(&mut text))
            .map_err(|e| {
                Error::usage(format!("cannot read {f}: {e}")).with_hint(
                    "--input-file takes a JSON or TOML file of answers, or `-` for stdin: `echo '{\"name\": \"value\"}' | orch … --input-file -`",
                )
            })?;
    }
    // Named as people say it: `-` is stdin.
    let from = if f == "-" { "stdin" } else { f };
    // A stream without end (`/dev/zero`, a pipe that never closes) is refused at the
    // limit instead of filling the memory.
    if text.len() as u64 > MAX_ANSWERS {
        return Err(Error::usage(format!(
            "{from} holds more than the {} MiB answers may have",
            MAX_ANSWERS / 1024 / 1024
        ))
        .with_hint("give the answers only; leave big data where a step can fetch it, and answer with its address"));
    }
    // A byte order mark (what some Windows editors and PowerShell's `Out-File` put
    // first) is no part of the answers: TOML skips it, and so does JSON here.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    // Empty would read as an empty TOML table: most likely a pipe whose writer failed.
    if text.trim().is_empty() {
        return Err(
            Error::usage(format!("{from} is empty; expected a JSON object"))
                .with_hint("give `{}` for no answers"),
        );
    }
    if text.trim_start().starts_with('{')
        && let Some(levels) = crate::depth::too_deep(text.as_bytes())
    {
        return Err(Error::usage(format!(
            "{from} nests {levels} levels of objects and arrays, past the {} a state may nest",
            crate::depth::MAX_DEPTH
        ))
        .with_hint("flatten the answers, or give a deep document as a JSON string"));
    }
    // JSON (a TOML file cannot start with `{`) whose whole number would be rounded.
    if text.trim_start().starts_with('{')
        && let Some(n) = crate::numbers::inexact_integer(text.as_bytes())
    {
        return Err(Error::usage(format!(
            "{from} holds the whole number {n}, which orch cannot keep exactly (JSON numbers are kept as 64-bit integers or floats)"
        ))
        .with_hint(format!("give it as a string (`\"{n}\"`)")));
    }
    let parsed = serde_json::from_str::<Value>(&text).or_else(|json_err| {
        toml::from_str::<toml::Value>(&text)
            .map(workflow_def::toml_to_json)
            .map_err(|toml_err| (json_err, toml_err))
    });
    match parsed {
        Ok(Value::Object(m)) => {
            if let Some(k) = repeated_key(&text) {
                // As `--input` given twice: the values are not echoed (a secret's would be).
                return Err(Error::usage(format!("{from} gives `{k}` twice"))
                    .with_hint("give each answer once; a list is one answer, a JSON array"));
            }
            Ok(m)
        }
        Ok(_) => Err(Error::usage(format!(
            "{from} must hold an object of answers ({{\"name\": value, …}})"
        ))
        .with_hint(ANSWERS_FILE)),
        Err((j, t)) => Err(Error::usage(format!(
            "{from} is neither JSON nor TOML\n  as JSON: {j}\n  as TOML: {}",
            t.to_string().trim()
        ))
        .with_hint(ANSWERS_FILE)),
    }
}

/// The first key a JSON object of answers gives more than once: a parsed object keeps
/// only the last, which would drop an answer silently. TOML refuses a repeat itself.
fn repeated_key(json: &str) -> Option<String> {
    struct Keys(Option<String>);
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> std::result::Result<Keys, A::Error> {
                    let mut seen = std::collections::HashSet::new();
                    let mut repeated = None;
                    while let Some(k) = map.next_key::<String>()? {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        if repeated.is_none() && !seen.insert(k.clone()) {
                            repeated = Some(k);
                        }
                    }
                    Ok(Keys(repeated))
                }
            }
            d.deserialize_map(Visit)
        }
    }
    serde_json::from_str::<Keys>(json).ok()?.0
}

pub use crate::forms::value::loose;

/// Collects and validates a form's answers: prompts with `--form` on a terminal,
/// otherwise reports every missing or invalid answer at once (exit 2).
pub fn collect(
    ctx: &mut Ctx,
    pages: &[FormPage],
    given: &Map<String, Value>,
    state: &Value,
    form: bool,
) -> Result<Map<String, Value>> {
    // `--form` without a terminal asks nothing, as orch never waits for input it cannot
    // ask for; what the answers lack is then listed, as without `--form`, after the
    // reason nothing was asked. Answers that are all there go on.
    let no_terminal = form && !forms::can_prompt();
    let form = form && !no_terminal;
    let colors = ctx.printer.color;
    let root = ctx.project.root.clone();
    ctx.store()?;
    let (store, runtime) = ctx.opened()?;
    let source = Choices {
        root: &root,
        store,
        runtime: crate::engine::choices::Runtime::Command(runtime),
    };
    let mut terminal = forms::DialoguerPrompter::new(colors);
    // Held while the prompts run: the SIGINT handler before them comes back after.
    let _absorbing = form.then(SigintAbsorbed::install);
    let prompter: Option<&mut dyn forms::Prompter> = if form { Some(&mut terminal) } else { None };
    forms::collect(pages, given, state, &source, prompter)
        .map_err(collect_error)
        .map_err(|mut e| {
            if no_terminal && e.kind == Kind::Usage {
                e.message = format!(
                    "--form needs a terminal on stdin and stderr, so nothing was asked; {}",
                    e.message
                );
            }
            e
        })
}

/// `--form` without a terminal is a usage error: orch never waits for input it
/// cannot ask for.
pub fn need_terminal(instead: &str) -> Result<()> {
    if forms::can_prompt() {
        Ok(())
    } else {
        Err(Error::usage("--form needs a terminal on stdin and stderr").with_hint(instead))
    }
}

fn collect_error(e: CollectError) -> Error {
    // A Ctrl-C while a choice list loaded stopped the list: the form was interrupted.
    if forms::terminal::was_interrupted() && matches!(e, CollectError::Choices { .. }) {
        return collect_error(CollectError::Interrupted);
    }
    match e {
        CollectError::Invalid(ref problems) => {
            let secrets: Vec<String> = problems
                .iter()
                .filter(|p| p.field_type == "secret")
                .map(|p| forms::secret_env_var(&p.field))
                .collect();
            let mut err = Error::usage(e.to_string())
                .with_fields(problems.iter().map(Problem::to_field_error).collect())
                .with_hint(
                    "give the answers with --input NAME=VALUE or --input-file FILE, or answer them with --form on a terminal",
                );
            if !secrets.is_empty() {
                err = err.with_hint(format!(
                    "a secret can also come from the environment, out of the shell's history: {}",
                    secrets.join(", ")
                ));
            }
            err
        }
        CollectError::Interrupted => Error::new(
            Kind::Interrupted,
            "interrupted at a prompt; nothing of the form was stored",
        ),
        CollectError::Io(_) => Error::failure(e.to_string()),
        CollectError::Choices { ref field, .. } => {
            let hint = format!("check the `choices_from` command of field `{field}`");
            Error::new(Kind::Upstream, e.to_string()).with_hint(hint)
        }
        CollectError::Definition(_) => {
            Error::usage(e.to_string()).with_hint("`orch workflow check` lints the workflow files")
        }
    }
}

/// At a prompt, Ctrl-C must come back as an interrupted answer (the terminal library
/// sees the key and raises SIGINT); without a handler the default action would kill
/// orch with the cursor still hidden. The handler only records the signal, so a
/// Ctrl-C outside a key read ends the form at the next prompt.
///
/// The handler it replaces (the runtime's, once a step ran, which stops a running
/// step on Ctrl-C) is put back when this is dropped: left in place, a Ctrl-C during
/// the steps after an input step was only noted, and the step ran on.
struct SigintAbsorbed(libc::sigaction);

impl SigintAbsorbed {
    fn install() -> SigintAbsorbed {
        extern "C" fn note(_: libc::c_int) {
            forms::terminal::note_interrupt();
        }
        // SAFETY: installs a handler that does one atomic store, which is
        // async-signal-safe; both structs are fully initialised before use.
        unsafe {
            let mut absorb: libc::sigaction = std::mem::zeroed();
            absorb.sa_sigaction = note as *const () as libc::sighandler_t;
            libc::sigemptyset(&mut absorb.sa_mask);
            let mut before: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGINT, &absorb, &mut before);
            SigintAbsorbed(before)
        }
    }
}

impl Drop for SigintAbsorbed {
    fn drop(&mut self) {
        // SAFETY: puts back the action `sigaction` returned, flags and all.
        unsafe {
            libc::sigaction(libc::SIGINT, &self.0, std::ptr::null_mut());
        }
    }
}

/// Splits answers into what may be stored and the secrets, which never are.
pub fn split_secrets(
    pages: &[FormPage],
    answers: Map<String, Value>,
) -> (Map<String, Value>, Map<String, Value>) {
    let names = forms::secret_names(pages);
    answers.into_iter().partition(|(k, _)| !names.contains(k))
}

/// Asks again for secrets a process was given before (they were never stored):
/// from `ORCH_SECRET_<NAME>`, or a prompt with `--form`.
pub fn secrets_again(
    ctx: &mut Ctx,
    fields: Vec<FieldSpec>,
    given: Option<&Map<String, Value>>,
    form: bool,
) -> Result<Map<String, Value>> {
    if fields.is_empty() {
        return Ok(Map::new());
    }
    let page = FormPage {
        title: "Secrets needed again (they are never stored)".into(),
        description: None,
        fields,
    };
    let none = Map::new();
    let answers = given.unwrap_or(&none);
    collect(ctx, std::slice::from_ref(&page), answers, &Value::Null, form).map_err(|mut e| {
        if e.kind == Kind::Usage {
            let vars: Vec<String> = page
                .fields
                .iter()
                .map(|f| forms::secret_env_var(&f.name))
                .collect();
            // Only where the command takes answers may they be given with it.
            let with = if given.is_some() {
                ", give them with --input NAME=VALUE"
            } else {
                ""
            };
            e.hints = vec![format!(
                "secrets are never stored: set {} where orch runs{with}, or pass --form on a terminal",
                vars.join(", ")
            )];
        }
        e
    })
}
