//! Typed identifiers. New records get UUIDv7 ids (time-ordered, created offline without coordination);
//! ids that two devices must agree on without talking (a task per failed item, the response and review
//! documents of a task) are UUIDv5 names derived from their parent, so concurrent creation never duplicates.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Namespace for every derived (UUIDv5) FoodPatrol id. Serialized into stored ids: do not change.
pub const FOODPATROL_NAMESPACE: Uuid = Uuid::from_u128(0x6f6f_6470_6174_726f_6c00_0000_0000_0001);

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Creates a new time-ordered (UUIDv7) id.
            pub fn new_v7() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A food business (食品经营者).
    ShopId
);
id_type!(
    /// A person with an account: inspector, supervisor, owner or admin.
    UserId
);
id_type!(
    /// One registration of a device by one user; its bytes are that device's automerge actor id.
    DeviceId
);
id_type!(
    /// One inspection visit (检查记录); also the id of its automerge document.
    InspectionId
);
id_type!(
    /// One rectification task (整改任务), derived from an inspection and a failed checklist item.
    TaskId
);
id_type!(
    /// Any automerge document.
    DocId
);

impl ShopId {
    /// Derives a shop's id from its licence number, so that re-importing the register never duplicates a shop.
    pub fn from_licence(licence_no: &str) -> Self {
        Self(Uuid::new_v5(
            &FOODPATROL_NAMESPACE,
            format!("shop:{licence_no}").as_bytes(),
        ))
    }
}

impl TaskId {
    /// Derives the task for one failed item of one inspection.
    pub fn for_item(inspection: InspectionId, item_id: &str) -> Self {
        Self(Uuid::new_v5(&inspection.0, format!("task:{item_id}").as_bytes()))
    }

    /// Returns the id of the owner's response document (整改回复) of this task.
    pub fn response_doc(&self) -> DocId {
        DocId(Uuid::new_v5(&self.0, b"response"))
    }

    /// Returns the id of the inspector's review document (整改复查) of this task.
    pub fn review_doc(&self) -> DocId {
        DocId(Uuid::new_v5(&self.0, b"review"))
    }
}

impl From<InspectionId> for DocId {
    fn from(id: InspectionId) -> Self {
        DocId(id.0)
    }
}

impl From<DocId> for InspectionId {
    fn from(id: DocId) -> Self {
        InspectionId(id.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable() {
        let shop = ShopId::from_licence("JY11201010000001");
        assert_eq!(shop, ShopId::from_licence("JY11201010000001"));
        assert_ne!(shop, ShopId::from_licence("JY11201010000002"));

        let inspection = InspectionId(Uuid::from_u128(7));
        let task = TaskId::for_item(inspection, "C04-01");
        assert_eq!(task, TaskId::for_item(inspection, "C04-01"));
        assert_ne!(task.response_doc(), task.review_doc());
    }
}
