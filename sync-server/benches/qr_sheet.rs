//! Measures printing one street's QR sheet at district scale: signing every code, encoding the QR
//! symbols, and drawing the A4 PDF. It prints a Markdown table. Run it with
//! `cargo bench -p foodpatrol-server --bench qr_sheet [-- SHOPS]`.

use std::time::Instant;

use chrono::NaiveDate;
use foodpatrol_server::print::{SheetEntry, street_sheet};
use foodpatrol_server::qr::{QrMatrix, shop_link, sign_code};
use foodpatrol_server::store::QrKey;
use foodpatrol_shared::ids::ShopId;
use foodpatrol_shared::shop::{Serves, Shop};

/// Shops of an average street of 和平区: 7,889 registered food businesses over 6 streets.
const DEFAULT_SHOPS: usize = 1_315;

fn main() {
    let shops: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(DEFAULT_SHOPS);
    let key = QrKey {
        key_id: 1,
        secret: [42; 32],
    };
    let base = "https://foodpatrol.example.cn";

    let started = Instant::now();
    let entries: Vec<SheetEntry> = (0..shops)
        .map(|n| {
            let licence_no = format!("JY1120101{n:07}");
            let shop = Shop {
                id: ShopId::from_licence(&licence_no),
                name: format!("测试街第{n}号便民餐馆（分店）"),
                address: format!("天津市和平区测试路 {n} 号"),
                street: "南市".to_owned(),
                business_type: "catering".to_owned(),
                area_m2: Some(60),
                meals_per_day: None,
                serves: Serves::General,
                licence_no,
            };
            let link = shop_link(base, &sign_code(&key, shop.id, 1));
            SheetEntry { shop, link }
        })
        .collect();
    let signing = started.elapsed();

    let started = Instant::now();
    let modules: usize = entries.iter().map(|e| QrMatrix::encode(&e.link).width).sum();
    let encoding = started.elapsed();

    let started = Instant::now();
    let pdf = street_sheet("南市", &entries, NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
    let drawing = started.elapsed();

    println!("| measure | value |");
    println!("|---|---|");
    println!("| shops (codes) | {shops} |");
    println!("| pages | {} |", shops.div_ceil(12));
    println!(
        "| symbol width (modules, mean) | {:.1} |",
        modules as f64 / shops as f64
    );
    println!("| signing all codes | {:.1} ms |", signing.as_secs_f64() * 1e3);
    println!(
        "| encoding all QR symbols alone | {:.1} ms |",
        encoding.as_secs_f64() * 1e3
    );
    println!(
        "| drawing the PDF (encodes again) | {:.1} ms |",
        drawing.as_secs_f64() * 1e3
    );
    println!(
        "| PDF size | {:.2} MB ({:.1} KB per code) |",
        pdf.len() as f64 / 1e6,
        pdf.len() as f64 / 1e3 / shops as f64
    );
}
