//! A deterministic generator of a realistic demo district, as plain data.
//!
//! The demo, the tests and the benchmarks need a district that looks like a real one: the right mix
//! of business types, real road names, well-formed licence numbers, and a market-supervision office
//! per street with its inspectors. They also need the same district on every run, so that reseeding
//! a database never duplicates a shop and a benchmark always measures the same data.
//! [`DistrictSpec::heping`] carries the published 2021 figures of 和平区, Tianjin, and
//! [`DistrictSpec::small`] scales them down for tests.
//!
//! The same spec gives the same [`District`] as long as `rand` stays on 0.8 and the word lists below
//! are unchanged. Shop ids are derived from licence numbers and user ids from usernames (UUIDv5), so
//! they are stable too. Names, addresses, licence numbers, people and phone numbers are invented from
//! word lists, so any match with a real business or person is chance.

use std::collections::HashSet;

use foodpatrol_shared::ids::{FOODPATROL_NAMESPACE, ShopId, UserId};
use foodpatrol_shared::shop::{BusinessType, Serves, Shop};
use rand::distributions::{Distribution, WeightedIndex};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// The six streets (街道) of 和平区, each with its own market-supervision office.
pub const STREETS: [&str; 6] = ["南市", "劝业场", "南营门", "小白楼", "五大道", "新兴"];

/// Administrative division code of 和平区: province 12 (Tianjin), city 01, county 01.
const AREA_CODE: &str = "120101";

/// Input of [`generate`]: the size and mix of the district.
#[derive(Debug, Clone)]
pub struct DistrictSpec {
    /// District name as used in addresses and school names, e.g. "和平区". Streets, roads and the
    /// licence area code are always 和平区's.
    pub name: String,
    /// Total number of food businesses.
    pub shops: usize,
    /// Businesses in retail and circulation (食品销售). The rest are catering and canteens.
    pub sales_shops: usize,
    pub school_canteens: usize,
    pub elderly_canteens: usize,
    /// Catering businesses with a floor area over 500 m².
    pub large_restaurants: usize,
    pub inspectors_per_office: usize,
    /// Seed of the random generator. Change it to get a different district of the same shape.
    pub seed: u64,
}

impl DistrictSpec {
    /// Returns the spec of 和平区 with its published 2021 figures and 8 inspectors per office.
    pub fn heping() -> Self {
        Self {
            name: "和平区".to_string(),
            shops: 7_889,
            sales_shops: 3_048,
            school_canteens: 55,
            elderly_canteens: 12,
            // Published as "40+", so 40 is the lower bound.
            large_restaurants: 40,
            inspectors_per_office: 8,
            seed: 2021,
        }
    }

    /// Returns the spec of a district of `shops` businesses with the mix of [`DistrictSpec::heping`]
    /// scaled down and 2 inspectors per office. From 10 shops up, the district has at least one school canteen,
    /// one elderly-care canteen and one large restaurant.
    pub fn small(shops: usize) -> Self {
        let heping = Self::heping();
        let scale = |count: usize| (count * shops + heping.shops / 2) / heping.shops;
        let at_least_one = |count: usize| if shops >= 10 { count.max(1) } else { count };
        Self {
            shops,
            sales_shops: scale(heping.sales_shops),
            school_canteens: at_least_one(scale(heping.school_canteens)),
            elderly_canteens: at_least_one(scale(heping.elderly_canteens)),
            large_restaurants: at_least_one(scale(heping.large_restaurants)),
            inspectors_per_office: 2,
            ..heping
        }
    }
}

/// A market-supervision office (市场监管所), one per street.
#[derive(Debug, Clone)]
pub struct Office {
    /// Office name, e.g. "南市市场监管所".
    pub name: String,
    /// The street (街道) the office supervises, one of [`STREETS`].
    pub street: String,
}

/// A user account to seed: an inspector or a supervisor.
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub id: UserId,
    pub username: String,
    /// Chinese name, unique within the district.
    pub display_name: String,
    /// Name of the user's [`Office`].
    pub office: String,
    /// Invented 11-digit mobile number.
    pub phone: String,
}

/// A generated district: its offices, food businesses and staff.
#[derive(Debug, Clone)]
pub struct District {
    pub name: String,
    /// One office per street, in the order of [`STREETS`].
    pub offices: Vec<Office>,
    /// Shops in the order their licences were issued.
    pub shops: Vec<Shop>,
    /// [`DistrictSpec::inspectors_per_office`] inspectors per office, grouped by office.
    pub inspectors: Vec<SeedUser>,
    /// One supervisor per office, in the order of [`STREETS`].
    pub supervisors: Vec<SeedUser>,
}

/// Generates the district described by `spec`. The same spec always gives the same district.
///
/// Shops and staff come from separate streams of the generator, so changing the number of
/// inspectors leaves the shops as they were.
///
/// # Panics
///
/// Panics if the counts in `spec` do not fit into `spec.shops`, if the district has more than
/// 10,000 staff, or if one licence category needs more than 900,000 serial numbers.
pub fn generate(spec: &DistrictSpec) -> District {
    let counts = kind_counts(spec);

    let mut shop_rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut staff_rng = ChaCha8Rng::seed_from_u64(spec.seed);
    staff_rng.set_stream(1);

    let offices = STREET_INFO
        .iter()
        .map(|street| Office {
            name: office_name(street.name),
            street: street.name.to_string(),
        })
        .collect();
    let shops = generate_shops(&spec.name, &counts, &mut shop_rng);
    let (inspectors, supervisors) = generate_staff(spec.inspectors_per_office, &mut staff_rng);

    District {
        name: spec.name.clone(),
        offices,
        shops,
        inspectors,
        supervisors,
    }
}

fn office_name(street: &str) -> String {
    format!("{street}市场监管所")
}

// ---------------------------------------------------------------------------------------------
// Streets and roads

struct StreetInfo {
    name: &'static str,
    /// Pinyin used in usernames, e.g. "nanshi01".
    pinyin: &'static str,
    /// Roads in the street's area. Long roads such as 南京路 cross several streets and appear under each.
    roads: &'static [&'static str],
    /// Relative share of the district's shops. The weights are an estimate that gives the commercial
    /// centres 劝业场 and 小白楼 more shops and the residential 五大道 fewer.
    weight: u32,
}

// NOTE: the road-to-street assignment is approximate. It follows which street a road mostly crosses.
#[rustfmt::skip]
const STREET_INFO: [StreetInfo; 6] = [
    StreetInfo {
        name: "南市",
        pinyin: "nanshi",
        roads: &["南门外大街", "荣吉大街", "荣业大街", "慎益大街", "清和大街", "建物大街", "南马路", "东马路"],
        weight: 16,
    },
    StreetInfo {
        name: "劝业场",
        pinyin: "quanyechang",
        roads: &[
            "和平路", "滨江道", "福安大街", "荣安大街", "哈密道", "辽宁路", "山东路", "长春道", "赤峰道",
            "多伦道", "锦州道",
        ],
        weight: 20,
    },
    StreetInfo {
        name: "南营门",
        pinyin: "nanyingmen",
        roads: &["西康路", "成都道", "贵州路", "昆明路", "云南路", "西安道", "南京路", "长沙路", "宁夏路"],
        weight: 16,
    },
    StreetInfo {
        name: "小白楼",
        pinyin: "xiaobailou",
        roads: &[
            "南京路", "曲阜道", "浙江路", "开封道", "大沽北路", "解放北路", "徐州道", "建设路", "泰安道",
            "台儿庄路",
        ],
        weight: 18,
    },
    StreetInfo {
        name: "五大道",
        pinyin: "wudadao",
        roads: &["马场道", "睦南道", "大理道", "常德道", "重庆道", "湖南路", "河北路", "桂林路", "新华路"],
        weight: 13,
    },
    StreetInfo {
        name: "新兴",
        pinyin: "xinxing",
        roads: &[
            "营口道", "山西路", "四川路", "湖北路", "贵州路", "长沙路", "岳阳道", "郑州道", "西宁道",
            "保定道",
        ],
        weight: 17,
    },
];

/// Returns an address such as "天津市和平区南京路 128 号".
fn street_address(rng: &mut ChaCha8Rng, district: &str, road: &str) -> String {
    let number = rng.gen_range(1..=280);
    format!("天津市{district}{road} {number} 号")
}

/// A food market (菜市场) whose stalls share the market's address.
struct Market {
    name: String,
    road: &'static str,
    number: u32,
    /// Number of the next stall to register.
    next_stall: u32,
}

/// Returns two markets per street, indexed like [`STREET_INFO`].
fn markets_per_street(rng: &mut ChaCha8Rng) -> Vec<Vec<Market>> {
    STREET_INFO
        .iter()
        .map(|street| {
            ["菜市场", "农贸市场"]
                .into_iter()
                .map(|kind| Market {
                    name: format!("{}{kind}", street.name),
                    road: pick(rng, street.roads),
                    number: rng.gen_range(1..=280),
                    next_stall: 1,
                })
                .collect()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Mix of business types

/// Kind of shop the generator builds. Each kind maps to one business type, and catering comes in two
/// kinds: ordinary and large restaurants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Restaurant,
    /// A restaurant of more than 500 m².
    LargeRestaurant,
    SchoolCanteen,
    ElderlyCanteen,
    GroupMeal,
    CentralKitchen,
    Retail,
    Supermarket,
    Wholesale,
    MarketStall,
    OnlineSales,
}

impl Kind {
    fn business_type(self) -> BusinessType {
        match self {
            Kind::Restaurant | Kind::LargeRestaurant => BusinessType::Catering,
            Kind::SchoolCanteen => BusinessType::SchoolCanteen,
            Kind::ElderlyCanteen => BusinessType::ElderlyCanteen,
            Kind::GroupMeal => BusinessType::GroupMeal,
            Kind::CentralKitchen => BusinessType::CentralKitchen,
            Kind::Retail => BusinessType::Retail,
            Kind::Supermarket => BusinessType::Supermarket,
            Kind::Wholesale => BusinessType::Wholesale,
            Kind::MarketStall => BusinessType::FarmMarketStall,
            Kind::OnlineSales => BusinessType::OnlineSales,
        }
    }

    /// Returns the first digit of the licence number: 1 for food sales (食品销售经营者),
    /// 2 for catering (餐饮服务经营者), 3 for canteens (单位食堂).
    fn licence_category(self) -> u8 {
        match self.business_type() {
            business_type if business_type.is_sales() => 1,
            BusinessType::SchoolCanteen | BusinessType::ElderlyCanteen | BusinessType::GroupMeal => 3,
            _ => 2,
        }
    }
}

/// Splits `spec.shops` into counts per kind.
///
/// The split is an estimate. Sales shops are 70% retail, 12% market stalls, 8% supermarkets,
/// 5% wholesale and 5% online sellers. Of the other shops, 1% are work and hospital canteens and
/// 0.1% central kitchens, and everything that is not a school or elderly-care canteen is a restaurant.
fn kind_counts(spec: &DistrictSpec) -> Vec<(Kind, usize)> {
    let sales = spec.sales_shops;
    let canteens = spec.school_canteens + spec.elderly_canteens;
    assert!(
        sales + canteens <= spec.shops,
        "invalid district spec {}: {sales} sales shops and {canteens} school and elderly canteens \
         exceed the {} shops. Lower those counts or raise `shops`.",
        spec.name,
        spec.shops,
    );

    let supermarkets = sales * 8 / 100;
    let wholesale = sales * 5 / 100;
    let market_stalls = sales * 12 / 100;
    let online_sales = sales * 5 / 100;
    let retail = sales - supermarkets - wholesale - market_stalls - online_sales;

    let catering = spec.shops - sales;
    let restaurant_places = catering - canteens;
    assert!(
        spec.large_restaurants <= restaurant_places,
        "invalid district spec {}: {} large restaurants exceed the {restaurant_places} shops left \
         for restaurants. Lower `large_restaurants` or raise `shops`.",
        spec.name,
        spec.large_restaurants,
    );
    let group_meals = (catering / 100).min(restaurant_places - spec.large_restaurants);
    let central_kitchens = (catering / 1000).min(restaurant_places - spec.large_restaurants - group_meals);
    let restaurants = restaurant_places - spec.large_restaurants - group_meals - central_kitchens;

    vec![
        (Kind::Restaurant, restaurants),
        (Kind::LargeRestaurant, spec.large_restaurants),
        (Kind::SchoolCanteen, spec.school_canteens),
        (Kind::ElderlyCanteen, spec.elderly_canteens),
        (Kind::GroupMeal, group_meals),
        (Kind::CentralKitchen, central_kitchens),
        (Kind::Retail, retail),
        (Kind::Supermarket, supermarkets),
        (Kind::Wholesale, wholesale),
        (Kind::MarketStall, market_stalls),
        (Kind::OnlineSales, online_sales),
    ]
}

// ---------------------------------------------------------------------------------------------
// Shops

/// Generates the shops in licence order: kinds are shuffled, then each gets a street, a name and
/// the next serial number of its licence category.
fn generate_shops(district: &str, counts: &[(Kind, usize)], rng: &mut ChaCha8Rng) -> Vec<Shop> {
    let mut plan: Vec<Kind> = counts
        .iter()
        .flat_map(|&(kind, count)| std::iter::repeat_n(kind, count))
        .collect();
    plan.shuffle(rng);

    let mut serials = [1, 2, 3].map(|category| {
        let count = plan
            .iter()
            .filter(|kind| kind.licence_category() == category)
            .count();
        SerialCounter::new(rng, count)
    });
    let mut markets = markets_per_street(rng);
    let street_weights = WeightedIndex::new(STREET_INFO.iter().map(|street| street.weight))
        .expect("street weights are positive");
    let mut taken_names = HashSet::new();

    let mut shops = Vec::with_capacity(plan.len());
    for kind in plan {
        let street_index = street_weights.sample(rng);
        let street = &STREET_INFO[street_index];
        let draft = match kind {
            Kind::Restaurant => draft_restaurant(rng, district, street),
            Kind::LargeRestaurant => draft_large_restaurant(rng, district, street),
            Kind::SchoolCanteen => draft_school_canteen(rng, district, street),
            Kind::ElderlyCanteen => draft_elderly_canteen(rng, district, street),
            Kind::GroupMeal => draft_group_meal(rng, district, street),
            Kind::CentralKitchen => draft_central_kitchen(rng, district, street),
            Kind::Retail => draft_retail(rng, district, street),
            Kind::Supermarket => draft_supermarket(rng, district, street),
            Kind::Wholesale => draft_wholesale(rng, district, street),
            Kind::MarketStall => draft_market_stall(rng, district, &mut markets[street_index]),
            Kind::OnlineSales => draft_online_sales(rng, district, street),
        };

        let name = claim_name(&mut taken_names, &draft);
        let category = kind.licence_category();
        let serial = serials[usize::from(category - 1)].issue(rng);
        let licence_no = licence_number(category, serial);
        shops.push(Shop {
            id: ShopId::from_licence(&licence_no),
            licence_no,
            name,
            address: draft.address,
            street: street.name.to_string(),
            business_type: kind.business_type().code().to_string(),
            area_m2: draft.area_m2,
            meals_per_day: draft.meals_per_day,
            serves: draft.serves,
        });
    }
    shops
}

/// A shop before its name is made unique and its licence number issued.
#[derive(Clone)]
struct Draft {
    /// Name without a branch, e.g. "福顺面馆" or "天津市和平区昆明路小学".
    stem: String,
    /// Text after the branch, e.g. "食堂" in "天津市和平区昆明路小学（西康路校区）食堂".
    tail: &'static str,
    /// Word for a branch, e.g. "店" for shops, "校区" for schools, "分公司" for companies.
    branch_unit: &'static str,
    /// Road that names the branch when the plain name is taken.
    road: &'static str,
    address: String,
    area_m2: Option<u32>,
    meals_per_day: Option<u32>,
    serves: Serves,
}

/// Claims a name that no other shop has. When the plain name is taken, it inserts a branch between
/// stem and tail, such as "（南京路店）" and then "（南京路二店）", as chains and schools do. A name
/// that already contains the road numbers its branches instead: "西康路面馆（二店）".
fn claim_name(taken_names: &mut HashSet<String>, draft: &Draft) -> String {
    let Draft {
        stem,
        tail,
        branch_unit,
        road,
        ..
    } = draft;
    let plain = format!("{stem}{tail}");
    if taken_names.insert(plain.clone()) {
        return plain;
    }

    let branch_road = if stem.contains(road) { "" } else { road };
    let mut ordinal = if branch_road.is_empty() { 2 } else { 1 };
    loop {
        let ordinal_text = if ordinal == 1 {
            String::new()
        } else {
            chinese_number(ordinal)
        };
        let name = format!("{stem}（{branch_road}{ordinal_text}{branch_unit}）{tail}");
        if taken_names.insert(name.clone()) {
            return name;
        }
        ordinal += 1;
    }
}

/// Returns `n` in Chinese numerals for 0 to 99 ("二", "十一", "四十五"), and in digits above.
fn chinese_number(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let digit = |d: u32| DIGITS[d as usize];
    match n {
        0..=9 => digit(n).to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { digit(n - 10) }),
        20..=99 => format!(
            "{}十{}",
            digit(n / 10),
            if n.is_multiple_of(10) { "" } else { digit(n % 10) }
        ),
        _ => n.to_string(),
    }
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    *items.choose(rng).expect("word lists are not empty")
}

/// Returns a value in `min..=max` skewed towards `min`, as business sizes are.
fn skewed_low(rng: &mut ChaCha8Rng, min: u32, max: u32) -> u32 {
    let first = rng.gen_range(min..=max);
    let second = rng.gen_range(min..=max);
    first.min(second)
}

/// Builds the draft of a shop on `road` with a plain name, a street address and no meal count.
fn plain_draft(
    rng: &mut ChaCha8Rng,
    district: &str,
    road: &'static str,
    stem: String,
    area_m2: Option<u32>,
) -> Draft {
    Draft {
        stem,
        tail: "",
        branch_unit: "店",
        road,
        address: street_address(rng, district, road),
        area_m2,
        meals_per_day: None,
        serves: Serves::General,
    }
}

/// Builds the draft of a canteen "{stem}食堂" on `road`, with its meals per day and the people it serves.
fn canteen_draft(
    rng: &mut ChaCha8Rng,
    district: &str,
    road: &'static str,
    stem: String,
    branch_unit: &'static str,
    meals_per_day: u32,
    serves: Serves,
) -> Draft {
    // Kitchen and dining room together take roughly 0.4 to 0.8 m² per daily meal.
    let area = (meals_per_day * rng.gen_range(40..=80) / 100).max(40);
    Draft {
        stem,
        tail: "食堂",
        branch_unit,
        road,
        address: street_address(rng, district, road),
        area_m2: Some(area),
        meals_per_day: Some(meals_per_day),
        serves,
    }
}

// ---------------------------------------------------------------------------------------------
// Word lists for names

/// Brand words for shop names, e.g. "福顺" in "福顺面馆".
#[rustfmt::skip]
const BRAND_WORDS: &[&str] = &[
    "津味", "福顺", "鸿运", "聚福", "德盛", "同和", "瑞祥", "永安", "隆昌", "和顺", "兴旺", "金鼎", "玉华",
    "宏达", "百味", "鲜味", "老街", "老城", "海河", "津门", "北洋", "万福", "吉祥", "好运", "喜乐", "家和",
    "顺兴", "三合", "四季", "五福", "六合", "八方", "九州", "春华", "秋实", "东来", "悦来", "客来", "满堂",
    "天和", "地道", "稻香", "麦香", "荷香", "桂香", "云来", "如意", "富贵", "长兴", "广和", "庆丰", "益民",
    "惠康", "鼎盛", "祥云", "福临", "德馨", "恒泰", "利民", "金泰", "老字号", "一品", "味之源", "金桂",
    "福源", "鑫源", "乐家", "安平", "德顺", "宝丰", "兴隆", "裕丰", "同福", "万和", "吉庆", "瑞丰", "恒丰",
    "丰泽", "盛源", "福星", "新顺", "明月", "清风", "嘉禾", "金穗", "红星", "华美", "美佳", "佳味", "品味",
    "好味", "百姓", "邻里", "街坊", "小巷", "胡同", "老地方", "乡味", "渔家", "田园", "山水", "锦绣", "天福",
    "泰和", "康泰", "永福", "大丰", "富源", "宏福", "润丰", "双喜", "福满", "顺意", "金福", "瑞和", "聚源",
    "源丰", "合兴", "广源", "福运", "荣华", "春和", "祥瑞",
];

/// Family names, also used in shop names such as "王记包子铺".
#[rustfmt::skip]
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "胡", "朱", "郭", "何", "罗",
    "高", "林", "郑", "梁", "谢", "宋", "唐", "韩", "曹", "许", "邓", "冯", "于", "董", "袁", "田", "潘", "杜",
    "魏", "蒋", "姜", "崔",
];

/// Characters of given names. A given name has one or two of them.
#[rustfmt::skip]
const GIVEN_NAME_CHARS: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞",
    "平", "刚", "华", "建", "国", "文", "玉", "红", "晨", "宇", "浩", "欣", "悦", "佳", "琳", "婷", "晓", "雪",
    "鹏", "辉", "宁", "凯", "瑶", "颖", "楠", "博", "思", "雨", "嘉", "俊", "瑞", "海",
];

/// Pattern of a restaurant name.
#[derive(Clone, Copy)]
enum NameStyle {
    /// "福顺面馆", "王记面馆", "老王家面馆" or "西康路面馆".
    Traditional,
    /// Only "福顺咖啡": cafés, drink shops and foreign cuisines are rarely named after a family or a road.
    BrandOnly,
}

/// Restaurant name endings with the usual floor area (m², min and max) of that kind of place.
#[rustfmt::skip]
const RESTAURANT_KINDS: &[(&str, u32, u32, NameStyle)] = &[
    ("包子铺", 15, 60, NameStyle::Traditional),
    ("饺子馆", 30, 150, NameStyle::Traditional),
    ("面馆", 20, 100, NameStyle::Traditional),
    ("牛肉面馆", 20, 100, NameStyle::Traditional),
    ("馄饨馆", 15, 60, NameStyle::Traditional),
    ("早点铺", 12, 50, NameStyle::Traditional),
    ("煎饼果子", 8, 25, NameStyle::Traditional),
    ("嘎巴菜", 15, 50, NameStyle::Traditional),
    ("锅贴铺", 15, 60, NameStyle::Traditional),
    ("烧饼铺", 10, 40, NameStyle::Traditional),
    ("炸糕铺", 10, 40, NameStyle::Traditional),
    ("粥铺", 20, 80, NameStyle::Traditional),
    ("羊汤馆", 20, 80, NameStyle::Traditional),
    ("卤煮", 15, 60, NameStyle::Traditional),
    ("砂锅", 20, 90, NameStyle::Traditional),
    ("煲仔饭", 20, 80, NameStyle::Traditional),
    ("炒饭", 15, 60, NameStyle::Traditional),
    ("米线", 20, 80, NameStyle::Traditional),
    ("麻辣烫", 20, 90, NameStyle::Traditional),
    ("快餐店", 30, 150, NameStyle::Traditional),
    ("小吃店", 15, 60, NameStyle::Traditional),
    ("黄焖鸡米饭", 20, 70, NameStyle::BrandOnly),
    ("炸鸡店", 20, 70, NameStyle::BrandOnly),
    ("餐馆", 40, 200, NameStyle::Traditional),
    ("饭馆", 40, 200, NameStyle::Traditional),
    ("家常菜馆", 50, 250, NameStyle::Traditional),
    ("私房菜", 60, 300, NameStyle::Traditional),
    ("川菜馆", 60, 300, NameStyle::Traditional),
    ("湘菜馆", 60, 300, NameStyle::Traditional),
    ("鲁菜馆", 60, 300, NameStyle::Traditional),
    ("东北菜馆", 60, 300, NameStyle::Traditional),
    ("粤菜馆", 60, 300, NameStyle::BrandOnly),
    ("清真餐厅", 40, 200, NameStyle::BrandOnly),
    ("酸菜鱼", 60, 250, NameStyle::BrandOnly),
    ("海鲜馆", 80, 400, NameStyle::Traditional),
    ("小龙虾", 40, 200, NameStyle::Traditional),
    ("火锅", 80, 450, NameStyle::Traditional),
    ("涮肉馆", 60, 300, NameStyle::Traditional),
    ("串串香", 40, 200, NameStyle::Traditional),
    ("烧烤", 40, 250, NameStyle::Traditional),
    ("烤肉店", 60, 300, NameStyle::Traditional),
    ("烤鸭店", 100, 450, NameStyle::Traditional),
    ("自助餐厅", 150, 480, NameStyle::BrandOnly),
    ("西餐厅", 60, 300, NameStyle::BrandOnly),
    ("披萨", 30, 150, NameStyle::BrandOnly),
    ("日料", 40, 200, NameStyle::BrandOnly),
    ("寿司", 20, 100, NameStyle::BrandOnly),
    ("韩式料理", 40, 200, NameStyle::BrandOnly),
    ("咖啡", 20, 120, NameStyle::BrandOnly),
    ("奶茶", 10, 40, NameStyle::BrandOnly),
    ("甜品店", 15, 60, NameStyle::BrandOnly),
    ("烘焙坊", 20, 80, NameStyle::BrandOnly),
    ("茶饮", 10, 40, NameStyle::BrandOnly),
];

/// Endings of large restaurant names.
const LARGE_RESTAURANT_KINDS: &[&str] = &["大酒楼", "饭庄", "海鲜酒家", "大饭店", "宴会中心", "酒楼"];

/// Retail shop name endings with the usual floor area (m², min and max).
#[rustfmt::skip]
const RETAIL_KINDS: &[(&str, u32, u32)] = &[
    ("便利店", 15, 80),
    ("超市", 40, 180),
    ("粮油店", 15, 60),
    ("粮店", 15, 50),
    ("副食店", 15, 60),
    ("烟酒副食", 15, 60),
    ("水产店", 10, 50),
    ("鲜肉店", 10, 40),
    ("水果店", 15, 60),
    ("蔬菜店", 15, 50),
    ("豆制品店", 10, 30),
    ("食杂店", 10, 40),
    ("烟酒店", 15, 50),
    ("酒行", 20, 100),
    ("熟食店", 10, 40),
    ("茶叶店", 15, 60),
    ("糕点店", 15, 60),
    ("干果店", 10, 40),
    ("零食店", 20, 80),
    ("调料店", 10, 30),
    ("乳品店", 10, 30),
    ("进口食品店", 20, 100),
    ("母婴店", 30, 120),
    ("保健食品店", 15, 60),
];

/// Supermarket chains. There are few, so most stores get a branch such as "（滨江道店）".
#[rustfmt::skip]
const SUPERMARKET_BRANDS: &[&str] =
    &["津鑫", "惠民", "家家乐", "百汇", "万隆", "鑫海", "祥和", "乐万家", "金百合", "华联达"];

/// Goods of market stalls, as in "张记蔬菜".
#[rustfmt::skip]
const STALL_GOODS: &[&str] = &["蔬菜", "水果", "鲜肉", "禽蛋", "水产", "豆制品", "调料", "干货", "熟食", "主食"];

/// Words in kindergarten names.
#[rustfmt::skip]
const KINDERGARTEN_WORDS: &[&str] =
    &["阳光", "七色光", "小天使", "星星", "蓝天", "春芽", "童心", "彩虹", "向日葵", "育才", "启明", "小白鸽"];

/// Words in care-home names.
#[rustfmt::skip]
const CARE_HOME_WORDS: &[&str] = &[
    "康乐", "福寿", "颐和", "松鹤", "安康", "康宁", "长寿", "夕阳红", "乐龄", "福泽", "怡康", "瑞康", "慈恩",
    "百福", "祥和",
];

/// Lines of business in company names, as in "天津福顺科技有限公司".
#[rustfmt::skip]
const INDUSTRIES: &[&str] =
    &["科技", "商贸", "置业", "物业管理", "建筑工程", "文化传媒", "信息技术", "保险代理", "投资", "国际贸易"];

// ---------------------------------------------------------------------------------------------
// Drafts per kind

fn draft_restaurant(rng: &mut ChaCha8Rng, district: &str, street: &StreetInfo) -> Draft {
    let road = pick(rng, street.roads);
    let (ending, min_area, max_area, style) = pick(rng, RESTAURANT_KINDS);
    let brand = pick(rng, BRAND_WORDS);
    let surname = pick(rng, SURNAMES);
    let stem = match (style, rng.gen_range(0..100)) {
        (NameStyle::BrandOnly, _) | (NameStyle::Traditional, 0..45) => format!("{brand}{ending}"),
        (NameStyle::Traditional, 45..65) => format!("{surname}记{ending}"),
        (NameStyle::Traditional, 65..80) => format!("老{surname}家{ending}"),
        (NameStyle::Traditional, _) => format!("{road}{ending}"),
    };
    let area = skewed_low(rng, min_area, max_area);
    plain_draft(rng, district, road, stem, Some(area))
}

fn draft_large_restaurant(rng: &mut ChaCha8Rng, district: &str, street: &StreetInfo) -> Draft {
    let road = pick(rng, street.roads);
    let stem = format!("{}{}", pick(rng, BRAND_WORDS), pick(rng, LARGE_RESTAURANT_KINDS));
    let area = skewed_low(rng, 501, 3000);
    plain_draft(rng, district, road, stem, Some(area))
}

/// Draws a kindergarten (100–400 meals a day), a primary school or a middle school (300–1500 each).
fn draft_school_canteen(rng: &mut ChaCha8Rng, district: &str, street: &StreetInfo) -> Draft {
    let road = pick(rng, street.roads);
    let (stem, meals) = match rng.gen_range(0..10) {
        0..3 => {
            let name = format!("天津市{district}{}幼儿园", pick(rng, KINDERGARTEN_WORDS));
            (name, rng.gen_range(100..=400))
        }
        // A primary school is named after the road it is on.
        3..7 => (format!("天津市{district}{road}小学"), rng.gen_range(300..=1500)),
        _ => {
            let name = format!("天津市第{}中学", chinese_number(rng.gen_range(1..=99)));
            (name, rng.gen_range(300..=1500))
        }
    };
    canteen_draft(rng, district, road, stem, "校区", meals, Serves::Students)
}

fn draft_elderly_canteen(rng: &mut ChaCha8Rng, district: &str, street: &StreetInfo) -> Draft {
    let road = pick(rng, street.roads);
    let stem = match rng.gen_range(0..10) {
        0..6 => format!("{}养老院", pick(rng, CARE_HOME_WORDS)),
        6..8 => format!("{}颐养院", pick(rng, CARE_HOME_WORDS)),
        _ => format!("{district}{road}老年日间照料中心"),
    };
    let meals = rng.gen_range(30..=300);
    canteen_draft(rng, district, road, stem, "分院", meals, Serves::Elderly)
}

/// Draws a hospital canteen serving patients, or a company or office-building canteen serving workers.
fn draft_group_meal(rng: &mut ChaCha8Rng, district: &str, street: &StreetInfo) -> Draft {
    let road = pick(rng, street.roads);
    let brand = pick(rng, BRAND_WORDS);
    let (stem, meals, serves) = match rng.gen_range(0..10) {
        0..2 => (
            format!("{brand}医院营养"),
            rng.gen_range(200..=1500),
            Serves::Patients,
        ),
        2..7 => {
            let name = format!("天津{brand}{}有限公司职工", pick(rng, INDUSTRIES));
            (name, rng.gen_range(50..=600), Serves::Workers)
        }
        _ => (
            format!("{brand}大厦员工"),
            rng.gen_range(100..=800),
            Serves::Workers,
        ),
    };
    canteen_draft(rng, district, road, stem, "分部", meals, serves)
}

fn draft_central_kitchen(rng: &mut ChaCha8Rng, district: &str, street: &StreetInfo) -> Draft {
    let road = pick(rng, street.roads);
    let stem = format!("天津{}餐饮管理有限公司", pick(rng, BRAND_WORDS));
    let area = skewed_low(rng, 300, 2000);
    let mut draft = plain_draft(rng, district, road, stem, Some(area));
    draft.tail = "中央厨房";
    draft.branch_unit = "分公司";
    draft.meals_per_day = Some(rng.gen_range(1000..=6000));
    draft
}

fn draft_retail(rng: &mut ChaCha8Rng, district: &str, street: &StreetInfo) -> Draft {
    let road = pick(rng, street.roads);
    let (ending, min_area, max_area) = pick(rng, RETAIL_KINDS);
    let stem = match rng.gen_range(0..100) {
        0..55 => format!("{}{ending}", pick(rng, BRAND_WORDS)),
        55..80 => format!("{}记{ending}", pick(rng, SURNAMES)),
        _ => format!("{road}{ending}"),
    };
    let area = skewed_low(rng, min_area, max_area);
    plain_draft(rng, district, road, stem, Some(area))
}

fn draft_supermarket(rng: &mut ChaCha8Rng, district: &str, street: &StreetInfo) -> Draft {
    let road = pick(rng, street.roads);
    let stem = format!("{}超市", pick(rng, SUPERMARKET_BRANDS));
    let area = skewed_low(rng, 200, 3000);
    plain_draft(rng, district, road, stem, Some(area))
}

fn draft_wholesale(rng: &mut ChaCha8Rng, district: &str, street: &StreetInfo) -> Draft {
    let road = pick(rng, street.roads);
    let brand = pick(rng, BRAND_WORDS);
    let (stem, branch_unit) = match rng.gen_range(0..5) {
        0 => (format!("天津市{district}{brand}食品批发部"), "分部"),
        1 => (format!("{brand}粮油批发部"), "分部"),
        2 => (format!("{brand}酒水批发部"), "分部"),
        3 => (format!("天津{brand}商贸有限公司"), "分公司"),
        _ => (format!("天津{brand}食品有限公司"), "分公司"),
    };
    let area = skewed_low(rng, 40, 400);
    let mut draft = plain_draft(rng, district, road, stem, Some(area));
    draft.branch_unit = branch_unit;
    draft
}

/// Registers the next stall of one of the street's markets, e.g. "张记蔬菜（南市菜市场12号摊位）".
fn draft_market_stall(rng: &mut ChaCha8Rng, district: &str, markets: &mut [Market]) -> Draft {
    let market = markets.choose_mut(rng).expect("every street has markets");
    let stall = market.next_stall;
    market.next_stall += 1;

    let stem = format!(
        "{}记{}（{}{stall}号摊位）",
        pick(rng, SURNAMES),
        pick(rng, STALL_GOODS),
        market.name
    );
    Draft {
        stem,
        tail: "",
        branch_unit: "店",
        road: market.road,
        address: format!(
            "天津市{district}{} {} 号{} {stall} 号摊位",
            market.road, market.number, market.name
        ),
        area_m2: Some(rng.gen_range(4..=15)),
        meals_per_day: None,
        serves: Serves::General,
    }
}

/// Draws an online seller registered at an office address. It has no shop floor, so it has no area.
fn draft_online_sales(rng: &mut ChaCha8Rng, district: &str, street: &StreetInfo) -> Draft {
    let road = pick(rng, street.roads);
    let brand = pick(rng, BRAND_WORDS);
    let (stem, branch_unit) = match rng.gen_range(0..5) {
        0 => (format!("天津{brand}电子商务有限公司"), "分公司"),
        1 => (format!("天津{brand}网络科技有限公司"), "分公司"),
        2 => (format!("天津{brand}供应链管理有限公司"), "分公司"),
        3 => (format!("{brand}食品网店"), "店"),
        _ => (format!("{brand}特产网店"), "店"),
    };
    let mut draft = plain_draft(rng, district, road, stem, None);
    draft.branch_unit = branch_unit;
    let floor = rng.gen_range(2..=25);
    let room = rng.gen_range(1..=20);
    draft.address = format!("{} {floor}{room:02} 室", draft.address);
    draft
}

// ---------------------------------------------------------------------------------------------
// Licence numbers

/// Hands out increasing 6-digit serial numbers with random gaps, so that a category's licences do
/// not read as a plain 1, 2, 3… sequence.
struct SerialCounter {
    next: u32,
    max_step: u32,
}

impl SerialCounter {
    /// Creates a counter for `count` licences whose serials all fit into 6 digits.
    fn new(rng: &mut ChaCha8Rng, count: usize) -> Self {
        assert!(
            count <= 900_000,
            "{count} licences of one category exceed the 900,000 that 6-digit serials allow. Lower `shops`."
        );
        let count = u32::try_from(count.max(1)).expect("count is at most 900,000");
        let start = rng.gen_range(1..=1000);
        // The last serial is at most start + (count - 1) * max_step <= 999,999.
        let max_step = ((999_999 - 1000) / count).clamp(1, 9);
        Self {
            next: start,
            max_step,
        }
    }

    fn issue(&mut self, rng: &mut ChaCha8Rng) -> u32 {
        let serial = self.next;
        self.next += rng.gen_range(1..=self.max_step);
        serial
    }
}

/// Formats a 食品经营许可证 number: "JY", the category digit, the area code 120101, a 6-digit
/// serial and a check digit, e.g. "JY21201010006558" (serial 000655, check digit 8).
///
/// NOTE: the check digit is a Luhn digit over the 13 digits before it, so tests can validate it.
/// It is not claimed to match the licensing authority's own check-digit rule.
fn licence_number(category: u8, serial: u32) -> String {
    let digits = format!("{category}{AREA_CODE}{serial:06}");
    format!("JY{digits}{}", luhn_check_digit(&digits))
}

fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .map(|c| c.to_digit(10).expect("licence digits are ASCII digits"))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                (d * 2) / 10 + (d * 2) % 10
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

// ---------------------------------------------------------------------------------------------
// Staff

fn user_id(username: &str) -> UserId {
    UserId(Uuid::new_v5(
        &FOODPATROL_NAMESPACE,
        format!("user:{username}").as_bytes(),
    ))
}

/// Generates the inspectors ("nanshi01", …) and the supervisor ("nanshi-lead") of every office.
fn generate_staff(inspectors_per_office: usize, rng: &mut ChaCha8Rng) -> (Vec<SeedUser>, Vec<SeedUser>) {
    let staff = (inspectors_per_office + 1) * STREET_INFO.len();
    assert!(
        staff <= 10_000,
        "invalid inspectors_per_office {inspectors_per_office}: {staff} staff exceed the maximum of 10,000"
    );

    let mut taken_names = HashSet::new();
    let mut taken_phones = HashSet::new();
    let mut new_user = |rng: &mut ChaCha8Rng, username: String, office: &str| SeedUser {
        id: user_id(&username),
        username,
        display_name: unique_person_name(rng, &mut taken_names),
        office: office.to_string(),
        phone: unique_phone(rng, &mut taken_phones),
    };

    let mut inspectors = Vec::with_capacity(inspectors_per_office * STREET_INFO.len());
    let mut supervisors = Vec::with_capacity(STREET_INFO.len());
    for street in &STREET_INFO {
        let office = office_name(street.name);
        for number in 1..=inspectors_per_office {
            inspectors.push(new_user(rng, format!("{}{number:02}", street.pinyin), &office));
        }
        supervisors.push(new_user(rng, format!("{}-lead", street.pinyin), &office));
    }
    (inspectors, supervisors)
}

/// Draws a family name and a one- or two-character given name until one is free.
/// There are about 100,000 such names, so the draw ends quickly for 10,000 people or fewer.
fn unique_person_name(rng: &mut ChaCha8Rng, taken_names: &mut HashSet<String>) -> String {
    loop {
        let mut name = pick(rng, SURNAMES).to_string();
        name.push_str(pick(rng, GIVEN_NAME_CHARS));
        if rng.gen_bool(0.65) {
            name.push_str(pick(rng, GIVEN_NAME_CHARS));
        }
        if taken_names.insert(name.clone()) {
            return name;
        }
    }
}

/// Draws an 11-digit mobile number starting with 13, 15 or 18 until one is free.
fn unique_phone(rng: &mut ChaCha8Rng, taken_phones: &mut HashSet<String>) -> String {
    loop {
        let prefix = pick(rng, &["13", "15", "18"]);
        let phone = format!("{prefix}{:09}", rng.gen_range(0..1_000_000_000u32));
        if taken_phones.insert(phone.clone()) {
            return phone;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::hash::{DefaultHasher, Hash, Hasher};
    use std::sync::OnceLock;

    use super::*;

    /// 和平区, generated once for all tests.
    fn heping() -> &'static District {
        static DISTRICT: OnceLock<District> = OnceLock::new();
        DISTRICT.get_or_init(|| generate(&DistrictSpec::heping()))
    }

    fn count_type(district: &District, business_type: BusinessType) -> usize {
        district
            .shops
            .iter()
            .filter(|shop| shop.business_type == business_type.code())
            .count()
    }

    /// Hashes the Debug output, which prints every field of the district.
    fn digest(district: &District) -> u64 {
        let mut hasher = DefaultHasher::new();
        format!("{district:?}").hash(&mut hasher);
        hasher.finish()
    }

    #[test]
    fn heping_matches_published_counts() {
        let district = heping();
        assert_eq!(district.name, "和平区");
        assert_eq!(district.shops.len(), 7_889);

        let sales = district
            .shops
            .iter()
            .filter(|shop| BusinessType::parse(&shop.business_type).unwrap().is_sales())
            .count();
        assert_eq!(sales, 3_048);
        assert_eq!(count_type(district, BusinessType::SchoolCanteen), 55);
        assert_eq!(count_type(district, BusinessType::ElderlyCanteen), 12);

        assert_eq!(district.offices.len(), 6);
        assert_eq!(district.inspectors.len(), 48);
        assert_eq!(district.supervisors.len(), 6);
    }

    #[test]
    fn heping_has_realistic_mix() {
        let district = heping();
        let retail = count_type(district, BusinessType::Retail);
        let other_sales: usize = [
            BusinessType::Supermarket,
            BusinessType::Wholesale,
            BusinessType::FarmMarketStall,
            BusinessType::OnlineSales,
        ]
        .into_iter()
        .map(|business_type| {
            let count = count_type(district, business_type);
            assert!(count > 0, "no {} shops", business_type.code());
            count
        })
        .sum();
        assert!(
            retail > other_sales,
            "retail {retail} is not the majority of sales (others {other_sales})"
        );

        let group_meals = count_type(district, BusinessType::GroupMeal);
        let central_kitchens = count_type(district, BusinessType::CentralKitchen);
        let catering = count_type(district, BusinessType::Catering);
        assert!(group_meals > 0);
        assert!(central_kitchens > 0);
        assert!(group_meals + central_kitchens < catering / 10);
    }

    #[test]
    fn large_restaurants_exceed_500_m2() {
        let district = heping();
        let restaurant_areas: Vec<u32> = district
            .shops
            .iter()
            .filter(|shop| shop.business_type == BusinessType::Catering.code())
            .map(|shop| shop.area_m2.expect("restaurants have an area"))
            .collect();

        let large = restaurant_areas.iter().filter(|&&area| area > 500).count();
        assert_eq!(large, 40);

        let small = restaurant_areas
            .iter()
            .filter(|&&area| (20..=150).contains(&area))
            .count();
        assert!(
            small * 10 >= restaurant_areas.len() * 6,
            "only {small} of {} restaurants have 20–150 m²",
            restaurant_areas.len()
        );
    }

    #[test]
    fn canteens_have_meals_and_serve_their_people() {
        for shop in &heping().shops {
            let business_type = BusinessType::parse(&shop.business_type).unwrap();
            let meals = shop.meals_per_day;
            match business_type {
                BusinessType::SchoolCanteen => {
                    assert!(
                        matches!(meals, Some(100..=1500)),
                        "{}: {meals:?} meals",
                        shop.name
                    );
                    assert_eq!(shop.serves, Serves::Students, "{}", shop.name);
                    assert!(shop.name.ends_with("食堂"), "{}", shop.name);
                }
                BusinessType::ElderlyCanteen => {
                    assert!(matches!(meals, Some(30..=300)), "{}: {meals:?} meals", shop.name);
                    assert_eq!(shop.serves, Serves::Elderly, "{}", shop.name);
                    assert!(shop.name.ends_with("食堂"), "{}", shop.name);
                }
                BusinessType::GroupMeal => {
                    assert!(meals.is_some(), "{}", shop.name);
                    assert!(
                        matches!(shop.serves, Serves::Workers | Serves::Patients),
                        "{}",
                        shop.name
                    );
                }
                BusinessType::CentralKitchen => assert!(meals.is_some(), "{}", shop.name),
                _ => {
                    assert_eq!(meals, None, "{}", shop.name);
                    assert_eq!(shop.serves, Serves::General, "{}", shop.name);
                }
            }
        }
    }

    #[test]
    fn licence_numbers_are_unique_and_well_formed() {
        let district = heping();
        let mut licences = HashSet::new();
        let mut ids = HashSet::new();
        for shop in &district.shops {
            assert!(
                licences.insert(shop.licence_no.as_str()),
                "duplicate licence {}",
                shop.licence_no
            );
            assert!(ids.insert(shop.id), "duplicate shop id {}", shop.id);
            assert_eq!(shop.id, ShopId::from_licence(&shop.licence_no));

            let digits = shop
                .licence_no
                .strip_prefix("JY")
                .expect("licence starts with JY");
            assert_eq!(digits.len(), 14, "{}", shop.licence_no);
            assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{}", shop.licence_no);
            assert_eq!(&digits[1..7], AREA_CODE, "{}", shop.licence_no);
            let check = digits[13..].parse::<u32>().unwrap();
            assert_eq!(check, luhn_check_digit(&digits[..13]), "{}", shop.licence_no);

            let business_type = BusinessType::parse(&shop.business_type).unwrap();
            let expected_category = match business_type {
                _ if business_type.is_sales() => "1",
                BusinessType::SchoolCanteen | BusinessType::ElderlyCanteen | BusinessType::GroupMeal => "3",
                _ => "2",
            };
            assert_eq!(&digits[..1], expected_category, "{}", shop.licence_no);
        }
    }

    #[test]
    fn licence_number_format() {
        assert_eq!(licence_number(2, 655), "JY21201010006558");
        assert_eq!(licence_number(1, 999_999).len(), 16);
    }

    #[test]
    fn luhn_check_digit_known_value() {
        // The usual Luhn example: 7992739871 has check digit 3.
        assert_eq!(luhn_check_digit("7992739871"), 3);
    }

    #[test]
    fn shop_names_are_unique() {
        let mut names = HashSet::new();
        for shop in &heping().shops {
            assert!(!shop.name.is_empty());
            assert!(
                names.insert(shop.name.as_str()),
                "duplicate shop name {}",
                shop.name
            );
        }
    }

    #[test]
    fn shops_spread_over_streets() {
        let district = heping();
        let mut per_street: HashMap<&str, usize> = HashMap::new();
        for shop in &district.shops {
            assert!(
                STREETS.contains(&shop.street.as_str()),
                "unknown street {}",
                shop.street
            );
            assert!(shop.address.starts_with("天津市和平区"), "{}", shop.address);
            assert!(shop.address.contains(" 号"), "{}", shop.address);
            *per_street.entry(shop.street.as_str()).or_default() += 1;
        }
        for street in STREETS {
            let share = per_street[street] * 100 / district.shops.len();
            assert!((8..=28).contains(&share), "{street} has {share}% of the shops");
        }
    }

    #[test]
    fn business_type_codes_parse() {
        for shop in &heping().shops {
            assert!(
                BusinessType::parse(&shop.business_type).is_some(),
                "{}",
                shop.business_type
            );
        }
    }

    #[test]
    fn street_info_matches_streets() {
        let names: Vec<&str> = STREET_INFO.iter().map(|street| street.name).collect();
        assert_eq!(names, STREETS);
    }

    #[test]
    fn offices_one_per_street() {
        let district = heping();
        for (office, street) in district.offices.iter().zip(STREETS) {
            assert_eq!(office.street, street);
            assert_eq!(office.name, format!("{street}市场监管所"));
        }
        assert_eq!(district.offices[0].name, "南市市场监管所");
    }

    #[test]
    fn staff_are_unique_and_well_formed() {
        let district = heping();
        let office_names: Vec<&str> = district
            .offices
            .iter()
            .map(|office| office.name.as_str())
            .collect();
        let mut usernames = HashSet::new();
        let mut display_names = HashSet::new();
        let mut phones = HashSet::new();
        let mut ids = HashSet::new();
        for user in district.inspectors.iter().chain(&district.supervisors) {
            assert!(
                usernames.insert(user.username.as_str()),
                "duplicate username {}",
                user.username
            );
            assert!(
                display_names.insert(user.display_name.as_str()),
                "duplicate name {}",
                user.display_name
            );
            assert!(
                phones.insert(user.phone.as_str()),
                "duplicate phone {}",
                user.phone
            );
            assert!(ids.insert(user.id));
            assert_eq!(user.id, user_id(&user.username));
            assert!(
                office_names.contains(&user.office.as_str()),
                "unknown office {}",
                user.office
            );

            assert_eq!(user.phone.len(), 11, "{}", user.phone);
            assert!(user.phone.bytes().all(|b| b.is_ascii_digit()), "{}", user.phone);
            assert!(["13", "15", "18"].contains(&&user.phone[..2]), "{}", user.phone);
            let name_chars = user.display_name.chars().count();
            assert!((2..=3).contains(&name_chars), "{}", user.display_name);
        }

        assert_eq!(district.inspectors[0].username, "nanshi01");
        assert_eq!(district.inspectors[0].office, "南市市场监管所");
        assert_eq!(district.inspectors[7].username, "nanshi08");
        assert_eq!(district.inspectors[8].username, "quanyechang01");
        assert_eq!(district.supervisors[0].username, "nanshi-lead");
        assert_eq!(district.supervisors[5].username, "xinxing-lead");
        assert_eq!(district.supervisors[5].office, "新兴市场监管所");
    }

    #[test]
    fn user_ids_use_username_namespace() {
        let expected = UserId(Uuid::new_v5(&FOODPATROL_NAMESPACE, b"user:nanshi01"));
        assert_eq!(heping().inspectors[0].id, expected);
    }

    #[test]
    fn generate_is_deterministic() {
        let spec = DistrictSpec::heping();
        assert_eq!(digest(&generate(&spec)), digest(heping()));

        let other_seed = DistrictSpec { seed: 2022, ..spec };
        assert_ne!(digest(&generate(&other_seed)), digest(heping()));
    }

    #[test]
    fn staff_count_leaves_shops_unchanged() {
        let spec = DistrictSpec::small(300);
        let more_staff = DistrictSpec {
            inspectors_per_office: 5,
            ..spec.clone()
        };
        let first = generate(&spec);
        let second = generate(&more_staff);
        assert_eq!(first.shops, second.shops);
        assert_eq!(second.inspectors.len(), 30);
    }

    #[test]
    fn small_district_is_proportional() {
        let spec = DistrictSpec::small(200);
        assert_eq!(spec.shops, 200);
        assert_eq!(spec.sales_shops, 77);
        assert_eq!(spec.school_canteens, 1);
        assert_eq!(spec.elderly_canteens, 1);
        assert_eq!(spec.large_restaurants, 1);

        let district = generate(&spec);
        assert_eq!(district.shops.len(), 200);
        assert_eq!(count_type(&district, BusinessType::SchoolCanteen), 1);
        assert_eq!(count_type(&district, BusinessType::ElderlyCanteen), 1);
        assert_eq!(district.inspectors.len(), 12);
        assert_eq!(district.supervisors.len(), 6);
    }

    #[test]
    fn tiny_districts_generate() {
        for shops in 0..12 {
            let district = generate(&DistrictSpec::small(shops));
            assert_eq!(district.shops.len(), shops);
        }
    }

    #[test]
    #[should_panic(expected = "invalid district spec")]
    fn overfull_spec_panics() {
        let spec = DistrictSpec {
            shops: 10,
            sales_shops: 8,
            school_canteens: 3,
            ..DistrictSpec::small(10)
        };
        generate(&spec);
    }

    #[test]
    fn branch_names_for_clashes() {
        let mut taken = HashSet::new();
        let draft = Draft {
            stem: "福顺面馆".to_string(),
            tail: "",
            branch_unit: "店",
            road: "南京路",
            address: String::new(),
            area_m2: None,
            meals_per_day: None,
            serves: Serves::General,
        };
        assert_eq!(claim_name(&mut taken, &draft), "福顺面馆");
        assert_eq!(claim_name(&mut taken, &draft), "福顺面馆（南京路店）");
        assert_eq!(claim_name(&mut taken, &draft), "福顺面馆（南京路二店）");

        let road_named = Draft {
            stem: "西康路面馆".to_string(),
            road: "西康路",
            ..draft.clone()
        };
        assert_eq!(claim_name(&mut taken, &road_named), "西康路面馆");
        assert_eq!(claim_name(&mut taken, &road_named), "西康路面馆（二店）");
        assert_eq!(claim_name(&mut taken, &road_named), "西康路面馆（三店）");

        let school = Draft {
            stem: "天津市和平区昆明路小学".to_string(),
            tail: "食堂",
            branch_unit: "校区",
            ..draft
        };
        assert_eq!(claim_name(&mut taken, &school), "天津市和平区昆明路小学食堂");
        assert_eq!(
            claim_name(&mut taken, &school),
            "天津市和平区昆明路小学（南京路校区）食堂"
        );
    }

    #[test]
    fn chinese_numbers() {
        let cases = [
            (2, "二"),
            (10, "十"),
            (11, "十一"),
            (20, "二十"),
            (45, "四十五"),
            (100, "100"),
        ];
        for (n, expected) in cases {
            assert_eq!(chinese_number(n), expected, "{n}");
        }
    }
}
