//! The dashboard (DESIGN §15): server-rendered pages for operators, one module per
//! page group, templates embedded in the binary, readable without JavaScript; a small
//! vendored script makes them live.

use std::sync::Arc;

use super::App;
use crate::error::{Error, Result};

pub struct Templates {
    env: minijinja::Environment<'static>,
}

impl Templates {
    pub fn new() -> Result<Templates> {
        let env = minijinja::Environment::new();
        Ok(Templates { env })
    }

    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String> {
        let t = self
            .env
            .get_template(name)
            .map_err(|e| Error::internal(format!("template {name}: {e}")))?;
        t.render(ctx)
            .map_err(|e| Error::internal(format!("template {name}: {e}")))
    }
}

pub fn router(app: Arc<App>) -> axum::Router {
    axum::Router::new().with_state(app)
}
