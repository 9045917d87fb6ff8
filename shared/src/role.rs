//! Account roles. Each automerge document kind has exactly one writer role (see [`crate::crdt::DocKind`]).

use serde::{Deserialize, Serialize};

/// What an account may do. Serialized in tokens' rows and in the API: do not rename variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 监管人员/协管员: scores shops, orders and verifies rectification.
    Inspector,
    /// 科室/街道负责人: reads reports, plans and assigns.
    Supervisor,
    /// 食品经营者: sees its own shop's tasks, uploads proof.
    Owner,
    /// Creates accounts and imports registers.
    Admin,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Inspector => "inspector",
            Role::Supervisor => "supervisor",
            Role::Owner => "owner",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "inspector" => Some(Role::Inspector),
            "supervisor" => Some(Role::Supervisor),
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Returns the Chinese label shown on screens.
    pub fn label_zh(&self) -> &'static str {
        match self {
            Role::Inspector => "检查人员",
            Role::Supervisor => "监管负责人",
            Role::Owner => "经营者",
            Role::Admin => "管理员",
        }
    }
}
