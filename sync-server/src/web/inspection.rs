//! The inspection detail page and the console's cookie-authenticated photo routes.

use std::collections::{HashMap, VecDeque};
use std::io::Cursor;
use std::sync::{Mutex, OnceLock};

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::DateTime;
use foodpatrol_shared::checklist::Answer;
use foodpatrol_shared::ids::InspectionId;
use foodpatrol_shared::inspection::{InspectionKind, Signature};
use foodpatrol_shared::outcome::{Outcome, Tally};
use foodpatrol_shared::rectification::{RectificationMode, ReviewDecision};
use image::{DynamicImage, ImageDecoder, ImageReader};
use maud::{Markup, html};

use super::session::ConsoleUser;
use super::{Lang, PageError, layout};
use crate::AppState;
use crate::error::AppError;
use crate::photos;
use crate::store::{AnswerRow, TaskRow};
use crate::supervision::InspectionDetail;

fn photo_links(hashes: &[String], lang: Lang) -> Markup {
    html! {
        @for hash in hashes {
            a href={ "/console/photos/" (hash) } target="_blank" {
                img.thumb src={ "/console/photos/" (hash) "/thumb" } alt=(lang.t("现场照片", "Evidence photo")) loading="lazy";
            }
        }
    }
}

fn outcome_text(code: Option<&str>, lang: Lang) -> String {
    match (code.and_then(Outcome::parse), lang) {
        (Some(outcome), Lang::Zh) => outcome.label_zh().to_owned(),
        (Some(outcome), Lang::En) => outcome.as_str().replace('_', " "),
        (None, _) => lang.t("未提交", "not submitted").to_owned(),
    }
}

fn local_time(ms: i64, state: &AppState) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&state.time_zone)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// Recomputes the reason of the outcome (which key items failed, the general pass rate, the rule)
/// from the stored marks and the versioned rules.
fn reason(state: &AppState, detail: &InspectionDetail) -> Option<String> {
    let template = state.rules.template(&detail.template).ok()?;
    let rule = state.rules.rule_for(template).ok()?;
    let marks: HashMap<&str, Answer> = detail
        .answers
        .iter()
        .filter_map(|a| Some((a.item_id.as_str(), Answer::parse(&a.answer)?)))
        .collect();
    let tally = Tally::count(template, |id| marks.get(id).copied());
    Some(rule.evaluate(&tally).reason_zh())
}

fn answer_rows(state: &AppState, detail: &InspectionDetail, lang: Lang) -> Markup {
    let by_item: HashMap<&str, &AnswerRow> = detail.answers.iter().map(|a| (a.item_id.as_str(), a)).collect();
    let template = state.rules.template(&detail.template).ok();
    let row = |item_id: &str, text: &str, key: bool, answer: Option<&AnswerRow>| {
        let failed = answer.is_some_and(|a| a.verdict == "failed");
        html! {
            tr.failed[failed] {
                td { (item_id) @if key { span.key { " *" } } }
                td { (text) }
                td { @match answer {
                    Some(a) => (Answer::parse(&a.answer).map_or(a.answer.as_str(), |x| match lang {
                        Lang::Zh => x.label_zh(),
                        Lang::En => x.as_str(),
                    })),
                    None => (lang.t("未检查", "not marked")),
                } }
                td { @if let Some(a) = answer { (a.remark) } }
                td { @if let Some(a) = answer { (photo_links(&a.photos, lang)) } }
            }
        }
    };
    html! {
        table data-testid="answers" {
            thead { tr {
                th { (lang.t("编号", "Item")) }
                th { (lang.t("检查内容", "Checklist item")) }
                th { (lang.t("结果", "Mark")) }
                th { (lang.t("备注", "Remark")) }
                th { (lang.t("照片", "Photos")) }
            } }
            tbody {
                @if let Some(template) = template {
                    @for (category, items) in template.categories() {
                        tr { th colspan="5" { (category) } }
                        @for item in items {
                            (row(&item.id, &item.text, item.key, by_item.get(item.id.as_str()).copied()))
                        }
                    }
                } @else {
                    @for answer in &detail.answers {
                        (row(&answer.item_id, "", answer.key, Some(answer)))
                    }
                }
            }
        }
    }
}

fn task_rows(state: &AppState, tasks: &[TaskRow], lang: Lang) -> Markup {
    html! {
        table data-testid="inspection-tasks" {
            thead { tr {
                th { (lang.t("问题", "Hazard")) }
                th { (lang.t("整改要求", "Order")) }
                th { (lang.t("状态", "State")) }
                th { (lang.t("整改材料与复查", "Proof and reviews")) }
            } }
            tbody {
                @for task in tasks {
                    tr data-task-id=(task.id) {
                        td { (task.item_id) " " (task.item_text) }
                        td { @match &task.mode {
                            RectificationMode::OnSpot { measure } => { (lang.t("现场整改：", "On the spot: ")) (measure) }
                            RectificationMode::Deadline { due, requirement } => {
                                (lang.t("限期至 ", "Due ")) (due) "：" (requirement)
                            }
                        } " (" (match lang { Lang::Zh => task.tier.label_zh(), Lang::En => task.tier.as_str() }) ")" }
                        td { (match lang { Lang::Zh => task.state.label_zh(), Lang::En => task.state.as_str() }) }
                        td {
                            @for (n, round) in task.rounds.iter().enumerate() {
                                div {
                                    (lang.t("第", "Round ")) (n + 1) (lang.t(" 次提交 ", " ")) (local_time(round.at_ms, state)) "：" (round.note)
                                    (photo_links(&round.photos, lang))
                                }
                            }
                            @for review in &task.reviews {
                                div {
                                    (match review.decision {
                                        ReviewDecision::Verified => lang.t("复查通过", "Verified"),
                                        ReviewDecision::Returned => lang.t("退回", "Returned"),
                                    })
                                    " " (local_time(review.at_ms, state)) "：" (review.remark)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /console/inspections/{id}`: one inspection with its marks, photos, signature and tasks.
pub async fn detail(
    State(state): State<AppState>,
    lang: Lang,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let inspection_id: InspectionId = id.parse().map_err(|_| {
        PageError::new(
            AppError::bad_request(
                "invalid_inspection_id",
                match lang {
                    Lang::Zh => format!("检查记录编号 {id:?} 无效，应为 UUID。"),
                    Lang::En => format!("invalid inspection id {id:?}; expected a UUID"),
                },
            ),
            lang,
        )
    })?;
    let detail = state
        .store
        .inspection_detail(inspection_id)
        .await
        .map_err(|e| PageError::new(e, lang))?
        .ok_or_else(|| {
            PageError::new(
                AppError::NotFound {
                    message: match lang {
                        Lang::Zh => format!("检查记录 {id} 不存在或尚未同步。"),
                        Lang::En => format!("inspection {id} not found or not synced yet"),
                    },
                },
                lang,
            )
        })?;
    let kind = InspectionKind::parse(&detail.kind).map_or(detail.kind.clone(), |k| k.label_zh().to_owned());
    let content = html! {
        p {
            a data-testid="record-pdf" href={ "/console/inspections/" (detail.id) "/record.pdf" } {
                (lang.t("下载结果记录表（PDF）", "Download the result record (PDF)"))
            }
        }
        table data-testid="inspection-summary" {
            tbody {
                tr { th { (lang.t("经营者", "Shop")) } td { (detail.shop.name) } }
                tr { th { (lang.t("许可证号", "Licence")) } td { (detail.shop.licence_no) } }
                tr { th { (lang.t("地址", "Address")) } td { (detail.shop.street) " · " (detail.shop.address) } }
                tr { th { (lang.t("检查类型", "Kind")) } td { (kind) } }
                tr { th { (lang.t("检查时间", "Recorded at")) }
                     td { (local_time(detail.recorded_at.timestamp_millis(), &state)) " (" (lang.t("报告日期 ", "report date ")) (detail.report_date) ")"
                          @if detail.skew_flagged {
                              " " span.badge { (lang.t("设备时钟偏差 ", "device clock skew ")) (detail.skew_ms / 1000) " s" }
                          } } }
                tr { th { (lang.t("检查人员", "Inspectors")) }
                     td data-testid="inspectors" { @for (i, inspector) in detail.inspectors.iter().enumerate() {
                         @if i > 0 { "、" } (inspector.name) " (" (inspector.office) ")"
                     } } }
                tr { th { (lang.t("检查结论", "Outcome")) }
                     td data-testid="outcome" {
                         strong { (outcome_text(detail.outcome.as_deref(), lang)) }
                         @if detail.outcome_disagrees {
                             " " span.badge { (lang.t("设备结论为", "device said ")) (outcome_text(detail.device_outcome.as_deref(), lang)) }
                         }
                     } }
                tr { th { (lang.t("判定理由", "Reason")) }
                     td data-testid="reason" { (reason(&state, &detail).unwrap_or_default())
                         @if let Some((rule, version)) = &detail.rule { " (" (rule) " v" (version) ")" } } }
                tr { th { (lang.t("经营者签字", "Signature")) }
                     td data-testid="signature" { @match &detail.signature {
                         Some(Signature::Signed { signer_name, image, .. }) => {
                             (signer_name) br;
                             img.signature src={ "/console/photos/" (image) } alt=(lang.t("签名", "Signature"));
                         }
                         Some(Signature::Refused { reason, witness, .. }) => {
                             (lang.t("拒绝签字。理由：", "Refused to sign. Reason: ")) (reason)
                             (lang.t("；见证人：", "; witness: ")) (witness)
                         }
                         None => (lang.t("尚未签字", "not signed yet")),
                     } } }
            }
        }
        h2 { (lang.t("检查项", "Checklist")) }
        (answer_rows(&state, &detail, lang))
        h2 { (lang.t("整改任务", "Rectification tasks")) }
        @if detail.tasks.is_empty() {
            p { (lang.t("没有整改任务。", "No rectification tasks.")) }
        } @else {
            (task_rows(&state, &detail.tasks, lang))
        }
    };
    let title = format!("{} · {}", lang.t("检查记录", "Inspection"), detail.shop.name);
    Ok(layout(lang, &title, &user, content))
}

async fn photo_bytes(state: &AppState, hash: &str, lang: Lang) -> Result<(String, Vec<u8>), PageError> {
    let hash = photos::parse_hash(hash).map_err(|e| PageError::new(e, lang))?;
    let not_found = || {
        PageError::new(
            AppError::NotFound {
                message: match lang {
                    Lang::Zh => format!("照片 {hash} 不存在或尚未上传完成。"),
                    Lang::En => format!("photo {hash} not found or not completely uploaded"),
                },
            },
            lang,
        )
    };
    let record = state
        .store
        .photo(hash)
        .await
        .map_err(|e| PageError::new(e, lang))?
        .ok_or_else(not_found)?;
    let bytes = state
        .blobs
        .read(hash)
        .await
        .map_err(|e| PageError::new(AppError::Internal(format!("photo read failed: {e}")), lang))?
        .ok_or_else(not_found)?;
    Ok((record.media_type, bytes))
}

fn image_response(media_type: &str, bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(media_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    // Photos are content-addressed, so a hash always names the same bytes.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    response
}

/// `GET /console/photos/{hash}`: a photo at full size, for a signed-in supervisor.
pub async fn photo(
    State(state): State<AppState>,
    lang: Lang,
    _user: ConsoleUser,
    Path(hash): Path<String>,
) -> Result<Response, PageError> {
    let (media_type, bytes) = photo_bytes(&state, &hash, lang).await?;
    Ok(image_response(&media_type, bytes))
}

/// Maximum width and height of a thumbnail, in pixels.
pub const THUMBNAIL_SIZE: u32 = 240;
/// Thumbnails kept in memory; at about 10 KB each the cache stays near 5 MB.
const THUMBNAIL_CACHE_ENTRIES: usize = 512;

/// Recently made thumbnails by photo hash, oldest first out. Shared by every server in the
/// process, which is safe because a hash always names the same photo.
#[derive(Default)]
struct ThumbnailCache {
    order: VecDeque<String>,
    images: HashMap<String, Vec<u8>>,
}

fn thumbnail_cache() -> &'static Mutex<ThumbnailCache> {
    static CACHE: OnceLock<Mutex<ThumbnailCache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(ThumbnailCache::default()))
}

/// Makes a JPEG thumbnail, turned upright by the photo's EXIF orientation.
pub fn make_thumbnail(bytes: &[u8]) -> image::ImageResult<Vec<u8>> {
    let mut decoder = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()?
        .into_decoder()?;
    let orientation = decoder.orientation()?;
    let mut image = DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);
    let thumbnail = image.thumbnail(THUMBNAIL_SIZE, THUMBNAIL_SIZE).to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&thumbnail)?;
    Ok(out)
}

/// `GET /console/photos/{hash}/thumb`: a JPEG thumbnail of at most 240 × 240 pixels.
pub async fn thumbnail(
    State(state): State<AppState>,
    lang: Lang,
    _user: ConsoleUser,
    Path(hash): Path<String>,
) -> Result<Response, PageError> {
    let cached = thumbnail_cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .images
        .get(&hash)
        .cloned();
    if let Some(jpeg) = cached {
        return Ok(image_response("image/jpeg", jpeg));
    }
    let (_, bytes) = photo_bytes(&state, &hash, lang).await?;
    let jpeg = tokio::task::spawn_blocking(move || make_thumbnail(&bytes))
        .await
        .map_err(|e| PageError::new(AppError::Internal(format!("thumbnail task failed: {e}")), lang))?
        .map_err(|e| {
            PageError::new(
                AppError::Unprocessable {
                    code: "undecodable_photo",
                    message: match lang {
                        Lang::Zh => format!("照片 {hash} 无法解码，不能生成缩略图：{e}"),
                        Lang::En => format!("photo {hash} cannot be decoded for a thumbnail: {e}"),
                    },
                },
                lang,
            )
        })?;
    let mut cache = thumbnail_cache().lock().unwrap_or_else(|p| p.into_inner());
    if cache.images.insert(hash.clone(), jpeg.clone()).is_none() {
        cache.order.push_back(hash);
        while cache.order.len() > THUMBNAIL_CACHE_ENTRIES {
            if let Some(oldest) = cache.order.pop_front() {
                cache.images.remove(&oldest);
            }
        }
    }
    Ok(image_response("image/jpeg", jpeg))
}
