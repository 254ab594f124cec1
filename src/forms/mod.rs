//! Forms: the field schema shared by `[[form]]` pages and `input` steps, its lint,
//! validation, prompting and JSON Schema export (DESIGN §7).
//!
//! There are three ways to answer a form (`--form` prompts, `--input key=value`,
//! `--input-file`) and one validation: [`collect()`] feeds every answer, whatever its
//! source, through [`value::coerce`] and [`value::validate`]. The outside world comes in
//! through two small traits, so this module stays free of processes, databases and
//! terminals: [`ChoiceSource`] (choice lists from commands and subscriptions, secrets
//! from the environment) and [`Prompter`] ([`DialoguerPrompter`] for people,
//! [`ScriptedPrompter`] for tests).
//!
//! Layout: `schema` (types), `lint` (static checks), `value` (typing and rules for one answer),
//! `choices` (choice lists, `exclude`, `choices_from` output), `collect` (the walk over
//! pages) with `ask` (one prompt per field type), `prompt` (the trait, the scripted
//! prompter), `terminal` (dialoguer), `json_schema`, `error`.

mod ask;
pub mod choices;
pub mod collect;
pub mod error;
pub mod json_schema;
pub mod lint;
pub mod prompt;
pub mod schema;
pub mod terminal;
pub mod value;

pub use choices::{ChoiceSet, parse_choices};
pub use collect::{
    ChoiceSource, Listed, collect, page_with_secrets_for_the_worker, secret_env_var, secret_names,
    with_secrets_for_the_worker, without_secrets,
};
pub use error::{CollectError, Problem};
pub use json_schema::to_json_schema;
pub use lint::{Lint, check, check_pages};
pub use prompt::{Prompter, Question, ScriptedPrompter, can_prompt};
pub use schema::{Choice, FieldSpec, FormPage, FormType};
pub use terminal::DialoguerPrompter;
