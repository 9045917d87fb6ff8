//! `?demo`: an in-page stand-in for the shell, to look at every screen in a plain browser.
//!
//! Active only when the page is opened with `?demo` and `window.__TAURI__` is absent, so it can
//! never serve a command inside the app. It serves the commands of `docs/APP-COMMANDS.md` from
//! sample data: three shops, two colleagues, and a record in progress against the built-in catering
//! checklist (`RuleBook::builtin()`), scored with the shared crate's rules as the device does.
//! Nothing is stored; a reload starts over.

use std::cell::RefCell;
use std::collections::BTreeMap;

use foodpatrol_shared::checklist::{Answer, ChecklistTemplate, ItemVerdict};
use foodpatrol_shared::ids::{DeviceId, InspectionId, ShopId, UserId};
use foodpatrol_shared::inspection::{
    AnswerRecord, Inspection, InspectionKind, InspectorRef, ItemState, Signature, Submission,
};
use foodpatrol_shared::rectification::{RectificationMode, RectificationOrder, Tier};
use foodpatrol_shared::role::Role;
use foodpatrol_shared::rules::RuleBook;
use foodpatrol_shared::shop::{Serves, Shop};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::services::{
    IdentityView, InspectionSummary, InspectionView, PhotoSummary, Preview, ServiceError, SyncReport,
    SyncStatus, SyncStatusView, TaskView, in_tauri,
};
use crate::web;

/// True when the demo serves the commands: `?demo` in the address and no Tauri global API.
pub(crate) fn active() -> bool {
    let search = web::location_search();
    let requested = search
        .trim_start_matches('?')
        .split('&')
        .any(|pair| pair.split('=').next() == Some("demo"));
    requested && !in_tauri()
}

/// Returns a grey placeholder thumbnail (an SVG data URL), since a browser has no `photo://` scheme.
pub(crate) fn photo_url(hash: &str) -> String {
    let label: String = hash.chars().skip(hash.len().saturating_sub(6)).collect();
    format!(
        "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='96' height='96'>\
         <rect width='96' height='96' fill='%23cfd8dc'/><text x='48' y='54' font-size='14' \
         text-anchor='middle' fill='%23455a64'>{label}</text></svg>"
    )
}

struct Store {
    book: RuleBook,
    me: InspectorRef,
    colleagues: Vec<InspectorRef>,
    shops: Vec<Shop>,
    /// Shop, due date and kind of each planned visit.
    plan: Vec<(ShopId, &'static str, InspectionKind)>,
    records: BTreeMap<InspectionId, Inspection>,
    photo_count: u32,
    pending_docs: usize,
    last_success_ms: i64,
}

thread_local! {
    static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
}

fn user(id: &str, name: &str) -> InspectorRef {
    InspectorRef {
        user_id: id.parse().expect("demo user ids are valid UUIDs"),
        name: name.to_owned(),
    }
}

fn shop(licence: &str, name: &str, address: &str, business_type: &str) -> Shop {
    Shop {
        id: ShopId::from_licence(licence),
        licence_no: licence.to_owned(),
        name: name.to_owned(),
        address: address.to_owned(),
        street: "示范街道".to_owned(),
        business_type: business_type.to_owned(),
        area_m2: Some(120),
        meals_per_day: None,
        serves: Serves::General,
    }
}

fn record(answer: Answer, by: UserId, at_ms: i64) -> AnswerRecord {
    AnswerRecord {
        answer,
        remark: String::new(),
        photos: Vec::new(),
        by,
        at_ms,
    }
}

impl Store {
    fn new() -> Store {
        let book = RuleBook::builtin();
        let me = user("0190a000-0000-7000-8000-000000000001", "张明");
        let partner = user("0190a000-0000-7000-8000-000000000002", "李华");
        let colleagues = vec![
            partner.clone(),
            user("0190a000-0000-7000-8000-000000000003", "王芳"),
        ];
        let shops = vec![
            shop(
                "JY14401020000001",
                "老街牛肉面馆",
                "示范区幸福路 18 号一楼临街铺面",
                "catering",
            ),
            shop(
                "JY14401020000002",
                "阳光小学食堂",
                "示范区学府路 2 号阳光小学校内",
                "school_canteen",
            ),
            shop("JY14401020000003", "好邻居便利店", "示范区长青路 66 号", "retail"),
        ];
        let plan = vec![
            (shops[0].id, "2026-05-20", InspectionKind::Daily),
            (shops[1].id, "2026-05-20", InspectionKind::Daily),
            (shops[2].id, "2026-05-21", InspectionKind::Flight),
        ];

        // A visit in progress: a third of the checklist marked, one failure, one clash.
        let template = book
            .latest_template_for("catering")
            .expect("the built-in book has a catering checklist")
            .clone();
        let started = web::now_ms() - 25 * 60 * 1000;
        let mut inspection = Inspection {
            id: "0190a000-0000-7000-8000-0000000000a1"
                .parse()
                .expect("valid UUID"),
            shop_id: shops[0].id,
            template: template.reference(),
            kind: InspectionKind::Daily,
            inspectors: vec![me.clone(), partner.clone()],
            started_at_ms: started,
            device_utc_offset_min: 480,
            answers: BTreeMap::new(),
            rectifications: BTreeMap::new(),
            signature: None,
            submission: None,
        };
        for (index, item) in template.items.iter().take(18).enumerate() {
            let at = started + index as i64 * 60_000;
            inspection.answers.insert(
                item.id.clone(),
                ItemState {
                    current: record(item.expected, me.user_id, at),
                    conflicts: vec![],
                },
            );
        }
        let failed = &template.items[5];
        let mut failing = record(Answer::No, me.user_id, started + 300_000);
        failing.remark = "健康证过期 2 人（王某、赵某），未在岗前更换".to_owned();
        failing.photos = vec!["3f9a1c0e5b7d".to_owned()];
        inspection.answers.insert(
            failed.id.clone(),
            ItemState {
                current: failing,
                conflicts: vec![],
            },
        );
        inspection.rectifications.insert(
            failed.id.clone(),
            RectificationOrder {
                mode: RectificationMode::Deadline {
                    due: "2026-06-05".parse().expect("valid date"),
                    requirement: "补办健康证并上传照片".to_owned(),
                },
                tier: Tier::SelfFix,
                ordered_by: me.user_id,
                ordered_at_ms: started + 320_000,
            },
        );
        let clashed = &template.items[9];
        inspection.answers.insert(
            clashed.id.clone(),
            ItemState {
                current: record(Answer::Yes, me.user_id, started + 540_000),
                conflicts: vec![record(Answer::No, partner.user_id, started + 560_000)],
            },
        );

        let mut records = BTreeMap::new();
        records.insert(inspection.id, inspection);
        Store {
            book,
            me,
            colleagues,
            shops,
            plan,
            records,
            photo_count: 0,
            pending_docs: 1,
            last_success_ms: started - 3_600_000,
        }
    }

    fn template(&self, inspection: &Inspection) -> Result<ChecklistTemplate, ServiceError> {
        self.book
            .template(&inspection.template)
            .cloned()
            .map_err(|e| ServiceError::new("rules", e.to_string()))
    }

    fn record(&mut self, id: InspectionId) -> Result<&mut Inspection, ServiceError> {
        let inspection = self
            .records
            .get_mut(&id)
            .ok_or_else(|| ServiceError::new("not_found", format!("没有找到记录 {id}")))?;
        if inspection.submission.is_some() {
            return Err(ServiceError::new("sealed", "该记录已提交，不能再修改"));
        }
        Ok(inspection)
    }

    fn preview(&self, id: InspectionId) -> Result<Preview, ServiceError> {
        let inspection = &self.records[&id];
        let template = self.template(inspection)?;
        let evaluation = inspection
            .evaluate(&self.book)
            .map_err(|e| ServiceError::new("rules", e.to_string()))?;
        Ok(Preview {
            reason_zh: evaluation.reason_zh(),
            hazards: inspection.hazards(&template),
            problems: inspection.submit_problems(&template),
            answered: template
                .items
                .iter()
                .filter(|i| inspection.answers.contains_key(&i.id))
                .count(),
            total: template.items.len(),
            evaluation,
        })
    }

    fn shop(&self, id: ShopId) -> Result<Shop, ServiceError> {
        self.shops
            .iter()
            .find(|s| s.id == id)
            .cloned()
            .ok_or_else(|| ServiceError::new("not_found", format!("没有找到店铺 {id}")))
    }

    fn tasks(&self) -> Vec<TaskView> {
        self.plan
            .iter()
            .map(|(shop_id, due, kind)| {
                let latest = self
                    .records
                    .values()
                    .filter(|r| r.shop_id == *shop_id)
                    .max_by_key(|r| r.started_at_ms);
                TaskView {
                    assignment_id: format!("plan-{shop_id}"),
                    shop: self.shop(*shop_id).expect("planned shops exist"),
                    due: (*due).to_owned(),
                    kind: *kind,
                    inspectors: vec![self.me.clone(), self.colleagues[0].clone()],
                    inspection_id: latest.map(|r| r.id),
                    submitted: latest.is_some_and(|r| r.submission.is_some()),
                }
            })
            .collect()
    }

    fn add_photo(&mut self) -> PhotoSummary {
        self.photo_count += 1;
        PhotoSummary {
            hash: format!("{:064x}", DEMO_HASH_BASE + u64::from(self.photo_count)),
            width: 1600,
            height: 1200,
        }
    }

    fn handle(&mut self, cmd: &str, args: &Value, body: Option<&[u8]>) -> Result<Value, ServiceError> {
        let arg = |name: &str| args.get(name).cloned().unwrap_or(Value::Null);
        let header = |name: &str| {
            args.get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        match cmd {
            "app_info" => {
                Ok(json!({ "version": "demo", "default_server_url": "https://demo.invalid", "data_dir": "" }))
            }
            "session_get" | "session_sign_in" => to_value(IdentityView {
                server_url: "https://demo.invalid".to_owned(),
                device_id: DeviceId::new_v7(),
                user_id: self.me.user_id,
                display_name: self.me.name.clone(),
                role: Role::Inspector,
                time_zone: "Asia/Shanghai".to_owned(),
                signed_in: true,
            }),
            "tasks_today" => to_value(self.tasks()),
            "shops_search" => {
                let query: String = parse(arg("query"))?;
                let found: Vec<&Shop> = self
                    .shops
                    .iter()
                    .filter(|s| {
                        s.name.contains(&query) || s.address.contains(&query) || s.licence_no.contains(&query)
                    })
                    .collect();
                to_value(found)
            }
            "shop_from_qr" | "shop_from_code" => to_value(self.shops[1].clone()),
            "colleagues_list" => to_value(&self.colleagues),
            "inspections_list" => {
                let list: Vec<InspectionSummary> = self
                    .records
                    .values()
                    .map(|r| InspectionSummary {
                        id: r.id,
                        shop_id: r.shop_id,
                        started_at_ms: r.started_at_ms,
                        submitted: r.submission.is_some(),
                        outcome: r
                            .submission
                            .as_ref()
                            .map(|s| s.device_outcome.as_str().to_owned()),
                    })
                    .collect();
                to_value(list)
            }
            "inspection_start" => {
                let shop = self.shop(parse(arg("shopId"))?)?;
                let kind: InspectionKind = parse(arg("kind"))?;
                let partner: Option<UserId> = parse(arg("partnerId"))?;
                let template = self
                    .book
                    .latest_template_for(&shop.business_type)
                    .ok_or_else(|| ServiceError::new("rules", "没有适用于该业态的检查表"))?;
                let mut inspectors = vec![self.me.clone()];
                inspectors.extend(
                    self.colleagues
                        .iter()
                        .filter(|c| Some(c.user_id) == partner)
                        .cloned(),
                );
                let inspection = Inspection {
                    id: InspectionId::new_v7(),
                    shop_id: shop.id,
                    template: template.reference(),
                    kind,
                    inspectors,
                    started_at_ms: web::now_ms(),
                    device_utc_offset_min: 480,
                    answers: BTreeMap::new(),
                    rectifications: BTreeMap::new(),
                    signature: None,
                    submission: None,
                };
                let id = inspection.id;
                self.records.insert(id, inspection);
                self.pending_docs += 1;
                to_value(id)
            }
            "inspection_get" => {
                let id: InspectionId = parse(arg("id"))?;
                let inspection = self.record_view(id)?;
                let template = self.template(&inspection)?;
                to_value(InspectionView {
                    shop: self.shop(inspection.shop_id)?,
                    preview: self.preview(id)?,
                    template,
                    inspection,
                })
            }
            "inspection_answer" => {
                let id: InspectionId = parse(arg("id"))?;
                let item: String = parse(arg("itemId"))?;
                let answer: Answer = parse(arg("answer"))?;
                let by = self.me.user_id;
                let inspection = self.record(id)?;
                let state = inspection.answers.entry(item).or_insert_with(|| ItemState {
                    current: record(answer, by, 0),
                    conflicts: vec![],
                });
                state.current.answer = answer;
                state.current.at_ms = web::now_ms();
                state.conflicts.clear();
                to_value(self.preview(id)?)
            }
            "inspection_remark" => {
                let id: InspectionId = parse(arg("id"))?;
                let item: String = parse(arg("itemId"))?;
                let remark: String = parse(arg("remark"))?;
                if let Some(state) = self.record(id)?.answers.get_mut(&item) {
                    state.current.remark = remark;
                }
                Ok(Value::Null)
            }
            "inspection_photo_add" => {
                let id: InspectionId = parse(Value::String(header("x-inspection-id")))?;
                let item = header("x-item-id");
                if body.is_none_or(<[u8]>::is_empty) {
                    return Err(ServiceError::new("photo_invalid", "照片为空，请重新拍摄"));
                }
                let photo = self.add_photo();
                if let Some(state) = self.record(id)?.answers.get_mut(&item) {
                    state.current.photos.push(photo.hash.clone());
                }
                to_value(photo)
            }
            "inspection_photo_remove" => {
                let id: InspectionId = parse(arg("id"))?;
                let item: String = parse(arg("itemId"))?;
                let hash: String = parse(arg("hash"))?;
                if let Some(state) = self.record(id)?.answers.get_mut(&item) {
                    state.current.photos.retain(|h| *h != hash);
                }
                Ok(Value::Null)
            }
            "inspection_add_inspector" => {
                let id: InspectionId = parse(arg("id"))?;
                let user_id: UserId = parse(arg("userId"))?;
                let colleague = self.colleagues.iter().find(|c| c.user_id == user_id).cloned();
                let inspection = self.record(id)?;
                if let Some(colleague) = colleague {
                    inspection.inspectors.push(colleague);
                }
                Ok(Value::Null)
            }
            "inspection_order" => {
                let id: InspectionId = parse(arg("id"))?;
                let item: String = parse(arg("itemId"))?;
                let mode: RectificationMode = parse(arg("mode"))?;
                let tier: Tier = parse(arg("tier"))?;
                let by = self.me.user_id;
                let inspection = self.record_view(id)?;
                let template = self.template(&inspection)?;
                let failed = template.item(&item).zip(inspection.answer(&item));
                if !failed.is_some_and(|(i, a)| i.verdict(a) == ItemVerdict::Failed) {
                    return Err(ServiceError::new(
                        "invalid",
                        format!("输入无效：{item} 未判为不符合，无需整改"),
                    ));
                }
                self.record(id)?.rectifications.insert(
                    item,
                    RectificationOrder {
                        mode,
                        tier,
                        ordered_by: by,
                        ordered_at_ms: web::now_ms(),
                    },
                );
                to_value(self.preview(id)?)
            }
            "inspection_sign" => {
                let id: InspectionId = parse(Value::String(header("x-inspection-id")))?;
                let name = js_sys::decode_uri_component(&header("x-signer-name"))
                    .map(String::from)
                    .unwrap_or_default();
                let photo = self.add_photo();
                self.record(id)?.signature = Some(Signature::Signed {
                    signer_name: name,
                    image: photo.hash.clone(),
                    at_ms: web::now_ms(),
                });
                to_value(photo)
            }
            "inspection_refuse" => {
                let id: InspectionId = parse(arg("id"))?;
                let reason: String = parse(arg("reason"))?;
                let witness: String = parse(arg("witness"))?;
                self.record(id)?.signature = Some(Signature::Refused {
                    reason,
                    witness,
                    at_ms: web::now_ms(),
                });
                Ok(Value::Null)
            }
            "inspection_submit" => {
                let id: InspectionId = parse(arg("id"))?;
                let preview = self.preview(id)?;
                if !preview.problems.is_empty() {
                    let text: Vec<String> = preview.problems.iter().map(|p| p.message_zh()).collect();
                    return Err(ServiceError::new(
                        "not_ready",
                        format!("记录还不能提交：{}", text.join("；")),
                    ));
                }
                let by = self.me.user_id;
                self.record(id)?.submission = Some(Submission {
                    by,
                    at_ms: web::now_ms(),
                    device_outcome: preview.evaluation.outcome,
                    sealed_heads: vec![],
                });
                to_value(preview.evaluation)
            }
            "sync_now" => {
                if !web::navigator_online() {
                    return Err(ServiceError::new(
                        "offline",
                        "网络不可用，记录已保存在本机，联网后会自动同步",
                    ));
                }
                let report = SyncReport {
                    pushed_docs: self.pending_docs,
                    photos_uploaded: self.photo_count as usize,
                    ..SyncReport::default()
                };
                self.pending_docs = 0;
                self.photo_count = 0;
                self.last_success_ms = web::now_ms();
                to_value(report)
            }
            "sync_status" => to_value(SyncStatusView {
                status: SyncStatus {
                    pending_docs: self.pending_docs,
                    pending_photos: self.photo_count as usize,
                    rejected: vec![],
                    last_attempt_ms: Some(self.last_success_ms),
                    last_success_ms: Some(self.last_success_ms),
                    last_error: None,
                    skew_ms: Some(0),
                    skew_flagged: false,
                    cursor: 0,
                },
                syncing: false,
                online: web::navigator_online(),
            }),
            _ => Err(ServiceError::new(
                "shell",
                format!("App 内部错误：Command {cmd} not found"),
            )),
        }
    }

    fn record_view(&self, id: InspectionId) -> Result<Inspection, ServiceError> {
        self.records
            .get(&id)
            .cloned()
            .ok_or_else(|| ServiceError::new("not_found", format!("没有找到记录 {id}")))
    }
}

/// Base of the fake photo hashes, so that they look like the device's hex content addresses.
const DEMO_HASH_BASE: u64 = 0xde30_0000;

fn parse<T: DeserializeOwned>(value: Value) -> Result<T, ServiceError> {
    serde_json::from_value(value).map_err(|e| ServiceError::new("bad_argument", format!("参数无效：{e}")))
}

fn to_value(value: impl serde::Serialize) -> Result<Value, ServiceError> {
    serde_json::to_value(value).map_err(|e| ServiceError::new("bad_response", e.to_string()))
}

/// Answers one command like the shell would.
pub(crate) fn invoke(cmd: &str, args: &Value, body: Option<&[u8]>) -> Result<Value, ServiceError> {
    STORE.with(|store| {
        let mut store = store.borrow_mut();
        store.get_or_insert_with(Store::new).handle(cmd, args, body)
    })
}
