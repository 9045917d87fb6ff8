//! Recomputes every shop's grade for a year and validates risk events before they are stored.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, Utc};
use foodpatrol_shared::ids::{FOODPATROL_NAMESPACE, ShopId, UserId};
use foodpatrol_shared::risk::{InspectionFacts, RiskEventFacts, RiskLevel, RiskTable};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::risk::records::{EventSource, GradeRecord, RiskEventRecord};
use crate::store::Store;

/// Maximum events in one `POST /v1/risk/events` request.
pub const MAX_EVENTS_PER_REQUEST: usize = 5_000;
/// Maximum characters of an event note.
pub const MAX_NOTE_CHARS: usize = 500;

/// Counts of the grades a grading run wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradingSummary {
    pub year: i32,
    pub table_id: String,
    pub table_version: u32,
    pub shops: usize,
    /// Shops graded on static factors alone (no inspection in the evidence year).
    pub new_shops: usize,
    /// Shops whose level was raised by events.
    pub raised: usize,
    pub per_level: BTreeMap<RiskLevel, usize>,
    /// Shops not graded because the table lacks their business type, with the reason.
    pub skipped: Vec<String>,
}

/// Returns the evidence year's first and last day for a plan year.
pub fn evidence_window(year: i32) -> (NaiveDate, NaiveDate) {
    let from = NaiveDate::from_ymd_opt(year - 1, 1, 1).expect("checked year");
    let to = NaiveDate::from_ymd_opt(year - 1, 12, 31).expect("checked year");
    (from, to)
}

/// Grades every shop for `year` from the evidence year and writes `risk_grades`.
pub async fn recompute(store: &dyn Store, table: &RiskTable, year: i32) -> Result<GradingSummary, AppError> {
    super::check_year(year)?;
    let (from, to) = evidence_window(year);
    let shops = store.all_shops().await?;
    let mut inspections: BTreeMap<ShopId, Vec<InspectionFacts>> = BTreeMap::new();
    for summary in store.inspection_summaries(from, to).await? {
        inspections
            .entry(summary.shop_id)
            .or_default()
            .push(InspectionFacts {
                id: summary.id,
                date: summary.report_date,
                outcome: summary.outcome,
                key_failed: summary.key_failed,
                general_failed: summary.general_failed,
            });
    }
    let mut events: BTreeMap<ShopId, Vec<RiskEventFacts>> = BTreeMap::new();
    for event in store.risk_events(from, to).await? {
        events.entry(event.shop_id).or_default().push(RiskEventFacts {
            code: event.event_code,
            date: event.occurred_on,
        });
    }

    let computed_at = Utc::now();
    let mut summary = GradingSummary {
        year,
        table_id: table.id.clone(),
        table_version: table.version,
        shops: 0,
        new_shops: 0,
        raised: 0,
        per_level: RiskLevel::ALL.iter().map(|l| (*l, 0)).collect(),
        skipped: Vec::new(),
    };
    let mut grades = Vec::with_capacity(shops.len());
    for shop in &shops {
        let history = inspections.get(&shop.id).map_or(&[][..], Vec::as_slice);
        let shop_events = events.get(&shop.id).map_or(&[][..], Vec::as_slice);
        let grade = match table.grade(shop, history, shop_events) {
            Ok(grade) => grade,
            Err(e) => {
                tracing::warn!(shop_id = %shop.id, error = %e, "shop not graded");
                summary.skipped.push(e.to_string());
                continue;
            }
        };
        summary.shops += 1;
        summary.new_shops += usize::from(grade.explanation.new_shop);
        summary.raised += usize::from(grade.raised_steps > 0);
        *summary.per_level.entry(grade.level).or_default() += 1;
        grades.push(GradeRecord {
            shop_id: shop.id,
            year,
            grade,
            computed_at,
        });
    }
    store.write_risk_grades(&grades).await?;
    tracing::info!(
        year,
        shops = summary.shops,
        skipped = summary.skipped.len(),
        "risk grades recomputed"
    );
    Ok(summary)
}

/// One event of `POST /v1/risk/events`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewRiskEvent {
    /// Client-chosen id so a retried request stores nothing twice; derived from the other fields when absent.
    #[serde(default)]
    pub id: Option<Uuid>,
    pub shop_id: String,
    pub event_code: String,
    /// `YYYY-MM-DD`.
    pub occurred_on: String,
    #[serde(default)]
    pub note: String,
    #[serde(default = "default_source")]
    pub source: EventSource,
}

fn default_source() -> EventSource {
    EventSource::Manual
}

/// `POST /v1/risk/events` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RiskEventsRequest {
    pub events: Vec<NewRiskEvent>,
}

/// `POST /v1/risk/events` response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RiskEventsResponse {
    pub received: usize,
    /// Events new to the server; a retry reports 0.
    pub stored: usize,
    pub ids: Vec<Uuid>,
}

fn invalid(index: usize, message: String) -> AppError {
    AppError::Unprocessable {
        code: "invalid_risk_event",
        message: format!(
            "第 {} 条事件：{message}；未保存任何事件 (nothing stored)",
            index + 1
        ),
    }
}

/// Validates every event, then stores them all or none.
pub async fn record_events(
    store: &dyn Store,
    table: &RiskTable,
    entered_by: UserId,
    today: NaiveDate,
    request: RiskEventsRequest,
) -> Result<RiskEventsResponse, AppError> {
    if request.events.is_empty() || request.events.len() > MAX_EVENTS_PER_REQUEST {
        return Err(AppError::Unprocessable {
            code: "invalid_risk_event",
            message: format!(
                "一次须提交 1–{MAX_EVENTS_PER_REQUEST} 条事件，收到 {} 条 (send 1-{MAX_EVENTS_PER_REQUEST} events per request)",
                request.events.len()
            ),
        });
    }
    let mut shop_ids = Vec::new();
    for (index, event) in request.events.iter().enumerate() {
        let shop: ShopId = event.shop_id.trim().parse().map_err(|_| {
            invalid(
                index,
                format!("shop_id {:?} 不是有效的 UUID (not a UUID)", event.shop_id),
            )
        })?;
        shop_ids.push(shop);
    }
    let unique: BTreeSet<ShopId> = shop_ids.iter().copied().collect();
    let unique: Vec<ShopId> = unique.into_iter().collect();
    let known: BTreeSet<ShopId> = store
        .shops_by_ids(&unique)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();

    let mut records = Vec::with_capacity(request.events.len());
    for (index, (event, shop_id)) in request.events.into_iter().zip(shop_ids).enumerate() {
        if !known.contains(&shop_id) {
            return Err(invalid(
                index,
                format!("经营者 {shop_id} 不在辖区名录中 (shop not found; import the register first)"),
            ));
        }
        if table.raise_rule(&event.event_code).is_none() {
            let codes: Vec<&str> = table.raise_events.iter().map(|r| r.code.as_str()).collect();
            return Err(invalid(
                index,
                format!(
                    "事件代码 {:?} 不在风险分级表 {} 中，可用：{} (unknown event_code)",
                    event.event_code,
                    table.id,
                    codes.join(", ")
                ),
            ));
        }
        let occurred_on: NaiveDate = event.occurred_on.trim().parse().map_err(|_| {
            invalid(
                index,
                format!(
                    "日期 {:?} 无效，格式为 YYYY-MM-DD (invalid occurred_on)",
                    event.occurred_on
                ),
            )
        })?;
        if occurred_on > today {
            return Err(invalid(
                index,
                format!("日期 {occurred_on} 晚于今天 {today} (occurred_on is in the future)"),
            ));
        }
        if event.note.chars().count() > MAX_NOTE_CHARS {
            return Err(invalid(
                index,
                format!("备注超过 {MAX_NOTE_CHARS} 字 (note too long)"),
            ));
        }
        let id = event.id.unwrap_or_else(|| {
            Uuid::new_v5(
                &FOODPATROL_NAMESPACE,
                format!("risk-event:{shop_id}:{}:{occurred_on}", event.event_code).as_bytes(),
            )
        });
        records.push(RiskEventRecord {
            id,
            shop_id,
            event_code: event.event_code,
            occurred_on,
            source: event.source,
            note: event.note,
            entered_by,
        });
    }
    let stored = store.insert_risk_events(&records).await?;
    tracing::info!(received = records.len(), stored, "risk events recorded");
    Ok(RiskEventsResponse {
        received: records.len(),
        stored,
        ids: records.iter().map(|r| r.id).collect(),
    })
}
