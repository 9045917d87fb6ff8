//! Food businesses (食品经营者) as registered with the district.

use serde::{Deserialize, Serialize};

use crate::ids::ShopId;

/// Business type (业态) codes. Checklists and risk tables refer to these codes, so they are strings
/// in data files; this enum names the ones the built-in data uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusinessType {
    /// 餐馆 / 小吃 / 饮品店 (restaurants, snack bars, drink shops)
    Catering,
    /// 学校食堂 (school and kindergarten canteens)
    SchoolCanteen,
    /// 养老机构食堂 (elderly-care canteens)
    ElderlyCanteen,
    /// 单位食堂 / 集体用餐配送 (work canteens, group-meal caterers)
    GroupMeal,
    /// 中央厨房 (central kitchens)
    CentralKitchen,
    /// 食品销售：便利店、食杂店 (convenience and grocery stores)
    Retail,
    /// 超市 (supermarkets)
    Supermarket,
    /// 批发 (wholesale)
    Wholesale,
    /// 农贸市场摊位 (market stalls)
    FarmMarketStall,
    /// 网络食品销售 (online sales)
    OnlineSales,
}

impl BusinessType {
    pub const ALL: [BusinessType; 10] = [
        BusinessType::Catering,
        BusinessType::SchoolCanteen,
        BusinessType::ElderlyCanteen,
        BusinessType::GroupMeal,
        BusinessType::CentralKitchen,
        BusinessType::Retail,
        BusinessType::Supermarket,
        BusinessType::Wholesale,
        BusinessType::FarmMarketStall,
        BusinessType::OnlineSales,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            BusinessType::Catering => "catering",
            BusinessType::SchoolCanteen => "school_canteen",
            BusinessType::ElderlyCanteen => "elderly_canteen",
            BusinessType::GroupMeal => "group_meal",
            BusinessType::CentralKitchen => "central_kitchen",
            BusinessType::Retail => "retail",
            BusinessType::Supermarket => "supermarket",
            BusinessType::Wholesale => "wholesale",
            BusinessType::FarmMarketStall => "farm_market_stall",
            BusinessType::OnlineSales => "online_sales",
        }
    }

    pub fn parse(code: &str) -> Option<BusinessType> {
        BusinessType::ALL.into_iter().find(|b| b.code() == code)
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            BusinessType::Catering => "餐饮服务",
            BusinessType::SchoolCanteen => "学校食堂",
            BusinessType::ElderlyCanteen => "养老机构食堂",
            BusinessType::GroupMeal => "单位食堂/集体用餐",
            BusinessType::CentralKitchen => "中央厨房",
            BusinessType::Retail => "食品销售（便利店/食杂店）",
            BusinessType::Supermarket => "超市",
            BusinessType::Wholesale => "食品批发",
            BusinessType::FarmMarketStall => "农贸市场摊位",
            BusinessType::OnlineSales => "网络食品销售",
        }
    }

    /// True for the circulation (流通/销售) side, false for catering (餐饮).
    pub fn is_sales(&self) -> bool {
        matches!(
            self,
            BusinessType::Retail
                | BusinessType::Supermarket
                | BusinessType::Wholesale
                | BusinessType::FarmMarketStall
                | BusinessType::OnlineSales
        )
    }
}

/// Who the business mainly serves; students, patients and the elderly raise the static risk score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Serves {
    General,
    Students,
    Patients,
    Elderly,
    Workers,
}

impl Serves {
    pub fn code(&self) -> &'static str {
        match self {
            Serves::General => "general",
            Serves::Students => "students",
            Serves::Patients => "patients",
            Serves::Elderly => "elderly",
            Serves::Workers => "workers",
        }
    }

    pub fn parse(code: &str) -> Option<Serves> {
        [
            Serves::General,
            Serves::Students,
            Serves::Patients,
            Serves::Elderly,
            Serves::Workers,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// A registered food business.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shop {
    pub id: ShopId,
    /// 食品经营许可证编号 (JY...) or 备案编号.
    pub licence_no: String,
    pub name: String,
    pub address: String,
    /// 街道 the shop is in.
    pub street: String,
    /// Business type code, see [`BusinessType`].
    pub business_type: String,
    /// Business floor area in m².
    pub area_m2: Option<u32>,
    /// Meals served per sitting, for canteens.
    pub meals_per_day: Option<u32>,
    pub serves: Serves,
}
