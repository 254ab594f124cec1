//! `orch product create --form`: the product's header, then its root block's fields one
//! at a time until an empty name.
//!
//! The pages are built in code from the same field schema as workflow forms, and asked
//! through [`answers::collect`], so they get the same prompts, validation, re-asking,
//! Ctrl-C handling and refusal without a terminal. Flags given next to `--form` are
//! answers that are not asked again; `--field` flags are kept and the form adds to them.

use serde_json::{Map, Value, json};

use super::{CreateArgs, NewField, NewKind, NewProduct, root_block};
use crate::cli::{Ctx, answers};
use crate::domain::lifecycle::{Lifecycle, ProductStatus};
use crate::domain::product::FieldKind;
use crate::error::Result;
use crate::forms::{Choice, FieldSpec, FormPage, FormType};

pub(super) fn ask(ctx: &mut Ctx, args: &CreateArgs) -> Result<NewProduct> {
    answers::need_terminal(
        "in scripts, give the product with flags: `orch product create --name N --type T --tag TAG --field NAME:TYPE …`",
    )?;
    // Offered to `validate`, so a taken name is refused before the fields are asked.
    let taken: Vec<String> = if args.force {
        Vec::new()
    } else {
        ctx.db(async |s| s.products().await)?
            .into_iter()
            .map(|p| p.def.name)
            .collect()
    };
    let given: Map<String, Value> = [
        ("name", &args.name),
        ("type", &args.product_type),
        ("tag", &args.tag),
        ("description", &args.description),
        ("status", &args.status),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k.to_string(), Value::String(v.clone()?))))
    .collect();
    let header = ask_page(ctx, header_page(), &given, json!({ "products": taken }))?;
    let answer = |k: &str| text_answer(&header, k).unwrap_or_default();

    let mut fields = args
        .fields
        .iter()
        .map(|s| NewField::parse(s))
        .collect::<Result<Vec<_>>>()?;
    let block = root_block(args, &answer("name"));
    while let Some(field) = ask_field(ctx, &block, &fields)? {
        fields.push(field);
    }
    let mut new = NewProduct::new(args, answer("name"), answer("type"), answer("tag"), fields);
    new.description = answer("description");
    new.status = answer("status");
    Ok(new)
}

fn header_page() -> FormPage {
    let mut name = text("name", "Product name", "unique, e.g. Node");
    name.validate = Some("value not in state.products".into());
    name.message =
        Some("a product named `{{ value }}` exists already (--force replaces it)".into());
    let mut description = text("description", "Description", "what the product is");
    description.required = false;
    let statuses = ProductStatus::ALL.iter().map(|s| s.as_str());
    FormPage {
        title: "New product".into(),
        description: None,
        fields: vec![
            name,
            text("type", "Product type", "the kind of product, e.g. Node"),
            text(
                "tag",
                "Tag",
                "workflows attach to products by tag, e.g. NODE",
            ),
            description,
            choice("status", "Status", statuses, Some("active")),
        ],
    }
}

/// One field of the root block, or `None` when its name is left empty.
fn ask_field(ctx: &mut Ctx, block: &str, fields: &[NewField]) -> Result<Option<NewField>> {
    let mut name = text(
        "name",
        "Field name",
        "letters, digits and _; leave empty to finish",
    );
    name.required = false;
    name.pattern = Some("[A-Za-z_][A-Za-z0-9_]*".into());
    name.validate = Some("value not in state.fields".into());
    name.message = Some("the block has a field `{{ value }}` already".into());
    let page = FormPage {
        title: format!("Field {} of {block}", fields.len() + 1),
        description: None,
        fields: vec![name],
    };
    let taken: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let answers = ask_page(ctx, page, &Map::new(), json!({ "fields": taken }))?;
    let Some(name) = text_answer(&answers, "name") else {
        return Ok(None);
    };

    let types = FieldKind::SCALAR_TYPES.iter().copied();
    let mut list = FieldSpec::new("list", FormType::Bool);
    list.label = Some("A list of values".into());
    list.default = Some(Value::Bool(false));
    let lifecycles = Lifecycle::ALL.iter().map(|l| l.as_str());
    let mut required = choice(
        "required",
        "Required from lifecycle state",
        lifecycles,
        None,
    );
    required.required = false;
    required.help = Some("(none): never required".into());
    let page = FormPage {
        title: format!("Field `{name}`"),
        description: None,
        fields: vec![
            choice("type", "Type", types, Some("string")),
            list,
            required,
        ],
    };
    let answers = ask_page(ctx, page, &Map::new(), Value::Null)?;
    let ty = text_answer(&answers, "type").unwrap_or_default();

    let kind = match ty.as_str() {
        "enum" => {
            let mut values = text("values", "Values", "separated by commas");
            values.pattern = Some(".*[^,\\s].*".into());
            let page = one_field(format!("Values of `{name}`"), values);
            let answers = ask_page(ctx, page, &Map::new(), Value::Null)?;
            let values = text_answer(&answers, "values").unwrap_or_default();
            NewKind::Enum(
                values
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect(),
            )
        }
        "subscription" => {
            let mut tag = text(
                "product_tag",
                "Product tag",
                "only subscriptions of products with this tag; empty: any product",
            );
            tag.required = false;
            let page = one_field(format!("Subscriptions `{name}` may refer to"), tag);
            let answers = ask_page(ctx, page, &Map::new(), Value::Null)?;
            NewKind::Subscription(text_answer(&answers, "product_tag"))
        }
        _ => NewKind::Plain(ty),
    };
    Ok(Some(NewField {
        name,
        kind,
        list: answers.get("list") == Some(&Value::Bool(true)),
        required: text_answer(&answers, "required"),
    }))
}

fn ask_page(
    ctx: &mut Ctx,
    page: FormPage,
    given: &Map<String, Value>,
    state: Value,
) -> Result<Map<String, Value>> {
    answers::collect(ctx, std::slice::from_ref(&page), given, &state, true)
}

fn one_field(title: String, field: FieldSpec) -> FormPage {
    FormPage {
        title,
        description: None,
        fields: vec![field],
    }
}

fn text(name: &str, label: &str, help: &str) -> FieldSpec {
    let mut f = FieldSpec::new(name, FormType::Text);
    f.label = Some(label.into());
    f.help = Some(help.into());
    f
}

fn choice<'a>(
    name: &str,
    label: &str,
    values: impl Iterator<Item = &'a str>,
    default: Option<&str>,
) -> FieldSpec {
    let mut f = FieldSpec::new(name, FormType::Choice);
    f.label = Some(label.into());
    f.choices = Some(values.map(|v| Choice::new(v, None)).collect());
    f.default = default.map(Value::from);
    f
}

/// A non-empty text answer.
fn text_answer(answers: &Map<String, Value>, key: &str) -> Option<String> {
    answers
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
