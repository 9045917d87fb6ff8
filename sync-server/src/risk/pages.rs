//! `/console/draws`: the list of recorded draws as a plain server-rendered page in Chinese.

use axum::extract::State;
use axum::response::Html;

use crate::AppState;
use crate::error::AppError;

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

// NOTE: the page has no sign-in check; it shows only what a draw publishes (title, seed, digests,
// counts). Wire it behind the console session and layout once those exist.
pub(super) async fn draws_page(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let draws = state.store.draws().await?;
    let mut rows = String::new();
    for d in &draws {
        let verification = super::draws::verify(d);
        let status = if verification.verification.matches {
            "<span data-testid=\"draw-verified\">一致</span>"
        } else {
            "<strong data-testid=\"draw-mismatch\">不一致</strong>"
        };
        rows.push_str(&format!(
            "<tr data-testid=\"draw-row\" data-draw-id=\"{id}\"><td>{created}</td><td>{year}</td><td>{title}</td>\
             <td><code>{seed}</code></td><td>{picks}</td><td>{due}</td><td><code>{digest}</code></td><td>{status}</td>\
             <td><a href=\"/v1/draws/{id}/verify\">复核 JSON</a></td></tr>\n",
            id = d.id,
            created = d.created_at.with_timezone(&state.time_zone).format("%Y-%m-%d %H:%M"),
            year = d.year,
            title = escape(&d.title),
            seed = escape(&d.seed),
            picks = d.result.picks.len(),
            due = d.due,
            digest = &d.result.input_digest[..16],
        ));
    }
    if draws.is_empty() {
        rows.push_str("<tr><td colspan=\"9\">暂无抽取记录 (no draws yet)</td></tr>\n");
    }
    Ok(Html(format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>双随机抽取记录 Draws</title>\
         <style>body{{font-family:sans-serif;margin:1.5rem}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}}code{{font-size:.85em}}</style>\
         </head><body><h1>双随机抽取记录</h1>\
         <p>每次抽取公开随机种子和输入摘要（SHA-256），任何人可按算法 foodpatrol-draw-v1 复核。\
         Every draw publishes its seed and input digest so anyone can re-run it.</p>\
         <table data-testid=\"draws\"><thead><tr><th>时间</th><th>年度</th><th>抽查事项</th><th>随机种子</th>\
         <th>抽中户数</th><th>完成期限</th><th>输入摘要</th><th>复核</th><th></th></tr></thead>\
         <tbody>\n{rows}</tbody></table></body></html>\n"
    )))
}
