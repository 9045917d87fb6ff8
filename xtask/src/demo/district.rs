//! Steps 1 and 2: seed 和平区 into the central database, start the server, and assign today's visits
//! to two inspectors of one office.

use std::path::Path;

use anyhow::{Context, Result};
use foodpatrol_server::district::{District, DistrictSpec, STREETS, SeedUser};
use foodpatrol_server::seed::{self, SeedSummary};
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef};
use foodpatrol_shared::protocol::Assignment;
use foodpatrol_shared::shop::{BusinessType, Shop};

use super::Demo;
use super::text::{self, Align, Table};

/// Owner accounts seeded per street: the first shops of each street get one.
const OWNERS_PER_STREET: usize = 3;

/// The two inspectors who visit together (执法人员须两人) and the street their office covers.
#[derive(Debug)]
pub(crate) struct Team {
    pub(crate) lead: SeedUser,
    pub(crate) partner: SeedUser,
    pub(crate) street: String,
}

/// Today's visits and who makes them.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) team: Team,
    /// A restaurant with an owner account, so that its owner can submit proof for a deadline task.
    pub(crate) restaurant: Shop,
    /// A restaurant that passes every item.
    pub(crate) second_restaurant: Shop,
    /// A food sales shop whose person in charge refuses to sign.
    pub(crate) sales_shop: Shop,
}

/// Step 1: opens the central database, seeds 和平区, prints it, and starts the server.
pub(crate) async fn open_and_seed(data_dir: &Path) -> Result<Demo> {
    text::section(1, "服务器与辖区", "Server and district");
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
    let server_dir = data_dir.join("server");
    let state = foodpatrol_server::open_embedded(&server_dir, foodpatrol_server::DEFAULT_TIME_ZONE)
        .with_context(|| format!("cannot open the central database in {}", server_dir.display()))?;
    let (district, summary) = seed::seed_district(&state, &DistrictSpec::heping(), OWNERS_PER_STREET)
        .await
        .context("seeding 和平区 into the central database failed")?;
    print_district(&district, &summary);

    let server = super::start_server(&state, data_dir).await?;
    text::field("服务器 Server", server.base_url());
    let today = state.today();
    Ok(Demo {
        data_dir: data_dir.to_owned(),
        today,
        district,
        http: reqwest::Client::new(),
        addr: server.addr,
        server: Some(server),
        state,
    })
}

fn print_district(district: &District, summary: &SeedSummary) {
    text::field(
        "辖区 District",
        format!(
            "{}：{} 个街道，{} 家食品经营者 shops",
            district.name,
            STREETS.len(),
            summary.shops
        ),
    );
    let mut streets = Table::new(&[
        ("街道 Street", Align::Left),
        ("监管所 Office", Align::Left),
        ("店铺 Shops", Align::Right),
    ]);
    for office in &district.offices {
        let shops = district
            .shops
            .iter()
            .filter(|s| s.street == office.street)
            .count();
        streets.row(vec![
            office.street.clone(),
            office.name.clone(),
            shops.to_string(),
        ]);
    }
    streets.print();
    println!();

    let mut types = Table::new(&[
        ("业态 Business type", Align::Left),
        ("代码 Code", Align::Left),
        ("店铺 Shops", Align::Right),
    ]);
    for business_type in BusinessType::ALL {
        let shops = district
            .shops
            .iter()
            .filter(|s| s.business_type == business_type.code())
            .count();
        types.row(vec![
            business_type.label_zh().to_owned(),
            business_type.code().to_owned(),
            shops.to_string(),
        ]);
    }
    types.print();
    println!();

    text::field(
        "账号 Accounts",
        format!(
            "检查人员 inspectors {}，科室负责人 supervisors {}，经营者 owners {}，管理员 admin 1",
            summary.inspectors, summary.supervisors, summary.owners
        ),
    );
    text::field("本次新建账号 New accounts this run", summary.new_accounts);
}

/// Step 2: picks the team and shops and stores today's visits (upserted with fixed ids).
pub(crate) async fn assign_visits(demo: &Demo) -> Result<Plan> {
    text::section(2, "派发今日检查任务", "Assign today's visits");
    let plan = pick_plan(&demo.district)?;
    let team = &plan.team;
    let inspectors = vec![inspector_ref(&team.lead), inspector_ref(&team.partner)];
    let shops = [&plan.restaurant, &plan.second_restaurant, &plan.sales_shop];
    let assignments: Vec<Assignment> = shops
        .iter()
        .map(|shop| Assignment {
            // The same shop and lead inspector give the same id, so a re-run updates the visit.
            id: uuid::Uuid::new_v5(&shop.id.as_uuid(), team.lead.username.as_bytes()),
            shop_id: shop.id,
            inspectors: inspectors.clone(),
            kind: InspectionKind::Daily,
            due: demo.today,
            note: "日常监督检查".to_owned(),
        })
        .collect();
    demo.state
        .store
        .upsert_assignments(&assignments)
        .await
        .context("storing today's visits in the central database failed")?;

    text::field(
        "检查组 Team",
        format!(
            "{}（{}）与 {}（{}），{}，负责{}街道",
            team.lead.display_name,
            team.lead.username,
            team.partner.display_name,
            team.partner.username,
            team.lead.office,
            team.street
        ),
    );
    text::field("到期 Due", demo.today);
    print_visits(&plan);
    Ok(plan)
}

fn print_visits(plan: &Plan) {
    let mut table = Table::new(&[
        ("店铺 Shop", Align::Left),
        ("业态 Type", Align::Left),
        ("许可证 Licence", Align::Left),
        ("经营者账号 Owner account", Align::Left),
    ]);
    for shop in [&plan.restaurant, &plan.second_restaurant, &plan.sales_shop] {
        let owner = if shop.id == plan.restaurant.id {
            seed::owner_username(shop)
        } else {
            "—".to_owned()
        };
        table.row(vec![
            shop.name.clone(),
            business_label(shop).to_owned(),
            shop.licence_no.clone(),
            owner,
        ]);
    }
    table.print();
}

/// Returns the Chinese label of a shop's business type, or its code if the code is unknown.
pub(crate) fn business_label(shop: &Shop) -> &str {
    BusinessType::parse(&shop.business_type).map_or(shop.business_type.as_str(), |b| b.label_zh())
}

fn inspector_ref(user: &SeedUser) -> InspectorRef {
    InspectorRef {
        user_id: user.id,
        name: user.display_name.clone(),
    }
}

/// Picks the first inspector, a colleague from the same office, and shops of the office's street
/// (any street when the office's has none of a kind).
fn pick_plan(district: &District) -> Result<Plan> {
    let lead = district
        .inspectors
        .first()
        .context("the district has no inspectors")?
        .clone();
    let partner = district
        .inspectors
        .iter()
        .find(|i| i.office == lead.office && i.id != lead.id)
        .with_context(|| format!("{} has only one inspector; two must visit together", lead.office))?
        .clone();
    let street = district
        .offices
        .iter()
        .find(|o| o.name == lead.office)
        .with_context(|| format!("office {} is not in the district", lead.office))?
        .street
        .clone();

    let is_restaurant = |shop: &Shop| shop.business_type == BusinessType::Catering.code();
    let owned = owned_shops(district);
    let restaurant = prefer_street(owned.into_iter(), &street, is_restaurant)
        .context("no restaurant in the district has an owner account")?;
    let second_restaurant = prefer_street(district.shops.iter(), &street, |s| {
        is_restaurant(s) && s.id != restaurant.id
    })
    .context("the district has only one restaurant")?;
    let is_sales = |shop: &Shop| BusinessType::parse(&shop.business_type).is_some_and(|b| b.is_sales());
    let sales_shop = prefer_street(district.shops.iter(), &street, is_sales)
        .context("the district has no food sales shop")?;
    Ok(Plan {
        team: Team {
            lead,
            partner,
            street,
        },
        restaurant,
        second_restaurant,
        sales_shop,
    })
}

/// Returns the shops with an owner account: the first [`OWNERS_PER_STREET`] of each street, as seeded.
fn owned_shops(district: &District) -> Vec<&Shop> {
    STREETS
        .iter()
        .flat_map(|street| {
            district
                .shops
                .iter()
                .filter(move |s| s.street == *street)
                .take(OWNERS_PER_STREET)
        })
        .collect()
}

/// Returns the first shop that matches, from `street` if it has one, else from any street.
fn prefer_street<'a>(
    shops: impl Iterator<Item = &'a Shop> + Clone,
    street: &str,
    matches: impl Fn(&Shop) -> bool,
) -> Option<Shop> {
    shops
        .clone()
        .find(|s| s.street == street && matches(s))
        .or_else(|| shops.into_iter().find(|s| matches(s)))
        .cloned()
}
