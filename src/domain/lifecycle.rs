//! The subscription lifecycle and the product status, as closed sets.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a subscription is in its life: `initial` → `provisioning` → `active`
/// (→ `disabled`) → `terminated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    Initial,
    Provisioning,
    Active,
    Disabled,
    Terminated,
}

impl Lifecycle {
    pub const ALL: [Lifecycle; 5] = [
        Lifecycle::Initial,
        Lifecycle::Provisioning,
        Lifecycle::Active,
        Lifecycle::Disabled,
        Lifecycle::Terminated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Initial => "initial",
            Lifecycle::Provisioning => "provisioning",
            Lifecycle::Active => "active",
            Lifecycle::Disabled => "disabled",
            Lifecycle::Terminated => "terminated",
        }
    }

    /// Whether a field `required = from` must be set in this lifecycle state: in that
    /// state and the later ones (`initial` → `provisioning` → `active` → `disabled`).
    ///
    /// A terminated subscription keeps only what is required from `terminated` itself
    /// (it may have been terminated before it was ever complete), as in
    /// orchestrator-core, where terminated subscriptions use the inactive model.
    pub fn requires(self, from: Lifecycle) -> bool {
        if self == Lifecycle::Terminated {
            return from == Lifecycle::Terminated;
        }
        self >= from
    }

    /// Live subscriptions count for in-use checks.
    pub fn is_live(self) -> bool {
        self != Lifecycle::Terminated
    }
}

impl fmt::Display for Lifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lifecycle {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lifecycle::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "`{s}` is not a lifecycle state (expected one of initial, provisioning, active, disabled, terminated)"
                )
            })
    }
}

/// What makes a product take new subscriptions again, for the refusals of one that
/// takes none.
pub const REOPEN_HINT: &str = "a product takes new subscriptions while its status is `active` or `pre production`: change `status` in its product file, then `orch product load`";

/// Whether a product can be sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductStatus {
    #[serde(rename = "active")]
    Active,
    #[serde(rename = "pre production")]
    PreProduction,
    #[serde(rename = "phase out")]
    PhaseOut,
    #[serde(rename = "end of life")]
    EndOfLife,
}

impl ProductStatus {
    pub const ALL: [ProductStatus; 4] = [
        ProductStatus::Active,
        ProductStatus::PreProduction,
        ProductStatus::PhaseOut,
        ProductStatus::EndOfLife,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Active => "active",
            ProductStatus::PreProduction => "pre production",
            ProductStatus::PhaseOut => "phase out",
            ProductStatus::EndOfLife => "end of life",
        }
    }

    /// Whether a create workflow may make a new subscription of it: a product being
    /// phased out, or at its end of life, keeps the subscriptions it has and gets no
    /// new ones.
    pub fn takes_new_subscriptions(self) -> bool {
        matches!(self, ProductStatus::Active | ProductStatus::PreProduction)
    }
}

impl fmt::Display for ProductStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProductStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().replace(['_', '-'], " ").to_ascii_lowercase();
        ProductStatus::ALL
            .into_iter()
            .find(|p| p.as_str() == norm)
            .ok_or_else(|| {
                format!(
                    "`{s}` is not a product status (expected one of active, pre production, phase out, end of life)"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_follow_the_lifecycle() {
        assert!(Lifecycle::Active.requires(Lifecycle::Provisioning));
        assert!(!Lifecycle::Initial.requires(Lifecycle::Provisioning));
        assert!(Lifecycle::Disabled.requires(Lifecycle::Active));
        assert!(!Lifecycle::Terminated.requires(Lifecycle::Initial));
        // What is required from a late state is not required before it.
        assert!(!Lifecycle::Active.requires(Lifecycle::Disabled));
        assert!(Lifecycle::Disabled.requires(Lifecycle::Disabled));
        assert!(!Lifecycle::Active.requires(Lifecycle::Terminated));
        assert!(!Lifecycle::Disabled.requires(Lifecycle::Terminated));
        assert!(Lifecycle::Terminated.requires(Lifecycle::Terminated));
    }

    #[test]
    fn parses_names() {
        assert_eq!("Active".parse::<Lifecycle>(), Ok(Lifecycle::Active));
        assert!("gone".parse::<Lifecycle>().is_err());
        assert_eq!(
            "phase_out".parse::<ProductStatus>(),
            Ok(ProductStatus::PhaseOut)
        );
    }
}
