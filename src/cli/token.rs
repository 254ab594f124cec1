//! `orch token create|list|revoke`: the tokens of `orch serve`'s API and dashboard
//! (DESIGN §15). A token is printed once, when it is made; only its hash is stored.

use clap::{Args, Subcommand};
use serde_json::json;

use super::Ctx;
use crate::error::{Error, Result};
use crate::serve::secret;
use crate::store::tokens::{NewToken, Role};
use crate::ui::table;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token and print it (once: only its hash is stored)
    #[command(after_help = "Examples:
  orch token create noc --role read        the dashboard on the NOC's wall screen
  orch token create portal --role operate  a system that starts workflows")]
    Create(CreateArgs),
    /// List the tokens (names, roles, when made and revoked; never the tokens)
    List,
    /// Revoke a token: requests carrying it are refused from now on
    Revoke {
        /// The token's name
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// A name for the token (who or what uses it)
    pub name: String,
    /// What it may do: `read` only reads; `operate` also starts and acts on processes
    #[arg(long, value_parser = ["read", "operate"])]
    pub role: String,
}

pub fn run(ctx: &mut Ctx, cmd: TokenCommand) -> Result<()> {
    match cmd {
        TokenCommand::Create(a) => create(ctx, a),
        TokenCommand::List => list(ctx),
        TokenCommand::Revoke { name } => revoke(ctx, &name),
    }
}

fn create(ctx: &mut Ctx, a: CreateArgs) -> Result<()> {
    let name = a.name.trim();
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(
            Error::usage("a token needs a name without control characters")
                .with_hint("name who or what uses it, e.g. `orch token create ci --role operate`"),
        );
    }
    let role: Role = a.role.parse().map_err(Error::usage)?;
    let token = secret::new_token()
        .map_err(|e| Error::failure(format!("cannot read random bytes for a token: {e}")))?;
    let hash = secret::token_hash(&token);
    let user = ctx.user().to_string();
    let new = NewToken {
        name,
        role,
        hash: &hash,
        created_by: &user,
    };
    if !ctx.db(async |s| s.create_token(&new).await)? {
        return Err(
            Error::conflict(format!("a token named `{name}` exists already")).with_hint(format!(
                "`orch token revoke {name}` first, or pick another name"
            )),
        );
    }
    if ctx.printer.is_json() {
        return ctx
            .printer
            .json(&json!({"name": name, "role": role, "token": token}));
    }
    ctx.printer.out(&format!("{token}\n"))?;
    ctx.printer.hint(&format!(
        "this is the only time the token is shown; send it as `Authorization: Bearer {}…`, or paste it into the dashboard's login",
        &token[..secret::PREFIX.len() + 4]
    ));
    Ok(())
}

fn list(ctx: &mut Ctx) -> Result<()> {
    let tokens = ctx.db(async |s| s.tokens().await)?;
    if ctx.printer.is_json() {
        return ctx.printer.json(&tokens);
    }
    if tokens.is_empty() {
        ctx.printer.nothing(
            "no tokens yet",
            Some("`orch token create NAME --role read|operate` makes one"),
        );
        return Ok(());
    }
    let mut t = table::new(
        &["NAME", "ROLE", "CREATED", "BY", "REVOKED"],
        ctx.printer.stdout_tty,
    );
    for tok in &tokens {
        t.add_row(vec![
            tok.name.clone(),
            tok.role.to_string(),
            table::time(&tok.created_at, ctx.printer.stdout_tty),
            tok.created_by.clone(),
            tok.revoked_at.as_deref().map_or_else(
                || "-".to_string(),
                |r| table::time(r, ctx.printer.stdout_tty),
            ),
        ]);
    }
    ctx.printer.out(&table::render(&t))
}

fn revoke(ctx: &mut Ctx, name: &str) -> Result<()> {
    if !ctx.db(async |s| s.revoke_token(name).await)? {
        return Err(Error::not_found(format!("no live token named `{name}`"))
            .with_hint("`orch token list` shows the tokens"));
    }
    if ctx.printer.is_json() {
        return ctx.printer.json(&json!({"name": name, "revoked": true}));
    }
    ctx.printer.status(&format!(
        "token `{name}` revoked: a running `orch serve` refuses it from now on"
    ));
    Ok(())
}
