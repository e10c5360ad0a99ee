//! Rules (rules.md): the compiled [`Rule`], loading from XML with Wazuh's
//! diagnostics, the [`RuleTree`] with Wazuh's parent and sibling order, and
//! matching with the stateful searches.

pub mod eval;
pub mod ip;
pub mod lists;
pub(crate) mod load;
pub mod model;
pub mod time;
pub mod tree;

pub use model::Rule;
pub use tree::RuleTree;
