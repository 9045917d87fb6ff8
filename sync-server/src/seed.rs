//! Seeding: loads a generated district (offices, shops, accounts) into the central database.
//!
//! Seeding is idempotent: ids derive from licence numbers and usernames, rows are upserted, and
//! passwords are hashed only for accounts that do not exist yet, so a second run adds nothing.

use foodpatrol_shared::ids::UserId;
use foodpatrol_shared::role::Role;
use foodpatrol_shared::shop::Shop;

use crate::AppState;
use crate::district::{self, District, DistrictSpec, SeedUser};
use crate::store::{NewUser, OfficeRecord, StoreError, UserRecord};

/// Password of every seeded demo account. Demo data only: a real district imports its own accounts.
pub const DEMO_PASSWORD: &str = "FoodPatrol-2026";
/// Username of the seeded administrator.
pub const ADMIN_USERNAME: &str = "admin";

/// What a seed run created or found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub offices: usize,
    pub shops: usize,
    pub inspectors: usize,
    pub supervisors: usize,
    pub owners: usize,
    /// Accounts created by this run (0 on a re-run).
    pub new_accounts: usize,
}

/// Returns the owner account's username for a shop.
pub fn owner_username(shop: &Shop) -> String {
    format!("owner-{}", shop.licence_no)
}

fn user_id(username: &str) -> UserId {
    UserId(uuid::Uuid::new_v5(
        &foodpatrol_shared::ids::FOODPATROL_NAMESPACE,
        format!("user:{username}").as_bytes(),
    ))
}

async fn ensure_user(
    state: &AppState,
    record: UserRecord,
    phone: Option<String>,
) -> Result<bool, StoreError> {
    let exists = state.store.user_by_username(&record.username).await?.is_some();
    let password_hash = if exists {
        // Kept as stored: the upsert does not overwrite an existing password.
        String::new()
    } else {
        tokio::task::spawn_blocking(|| crate::auth::hash_password(DEMO_PASSWORD))
            .await
            .map_err(|e| StoreError::Backend(format!("password hashing failed: {e}")))?
    };
    state
        .store
        .upsert_user(NewUser {
            record,
            phone,
            password_hash,
        })
        .await?;
    Ok(!exists)
}

fn staff_record(user: &SeedUser, role: Role) -> UserRecord {
    UserRecord {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role,
        office: Some(user.office.clone()),
        shop_id: None,
    }
}

/// Generates the district of `spec` and loads it, with owner accounts for the first
/// `owners_per_street` shops of each street.
pub async fn seed_district(
    state: &AppState,
    spec: &DistrictSpec,
    owners_per_street: usize,
) -> Result<(District, SeedSummary), StoreError> {
    let district = district::generate(spec);
    let offices: Vec<OfficeRecord> = district
        .offices
        .iter()
        .map(|o| OfficeRecord {
            name: o.name.clone(),
            street: o.street.clone(),
        })
        .collect();
    state.store.upsert_offices(&offices).await?;
    for chunk in district.shops.chunks(2_000) {
        state.store.upsert_shops(chunk).await?;
    }

    let mut summary = SeedSummary {
        offices: offices.len(),
        shops: district.shops.len(),
        inspectors: district.inspectors.len(),
        supervisors: district.supervisors.len(),
        ..SeedSummary::default()
    };
    for inspector in &district.inspectors {
        summary.new_accounts += usize::from(
            ensure_user(
                state,
                staff_record(inspector, Role::Inspector),
                Some(inspector.phone.clone()),
            )
            .await?,
        );
    }
    for supervisor in &district.supervisors {
        summary.new_accounts += usize::from(
            ensure_user(
                state,
                staff_record(supervisor, Role::Supervisor),
                Some(supervisor.phone.clone()),
            )
            .await?,
        );
    }
    let admin = UserRecord {
        id: user_id(ADMIN_USERNAME),
        username: ADMIN_USERNAME.to_owned(),
        display_name: format!("{}管理员", district.name),
        role: Role::Admin,
        office: None,
        shop_id: None,
    };
    summary.new_accounts += usize::from(ensure_user(state, admin, None).await?);
    for street in district::STREETS {
        for shop in district
            .shops
            .iter()
            .filter(|s| s.street == street)
            .take(owners_per_street)
        {
            let username = owner_username(shop);
            let record = UserRecord {
                id: user_id(&username),
                username,
                display_name: format!("{}负责人", shop.name),
                role: Role::Owner,
                office: None,
                shop_id: Some(shop.id),
            };
            summary.new_accounts += usize::from(ensure_user(state, record, None).await?);
            summary.owners += 1;
        }
    }
    tracing::info!(
        shops = summary.shops,
        new_accounts = summary.new_accounts,
        "district seeded"
    );
    Ok((district, summary))
}
