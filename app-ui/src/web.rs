//! Small wrappers over browser APIs the screens share: files, local storage, the clock, events.
//!
//! They keep `web_sys` plumbing and its `Result<_, JsValue>` out of the components. Every helper
//! degrades quietly (returns `None` or a default) where a browser lacks the API, because the UI
//! must still render in a plain browser for previews.

use js_sys::{Date, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Event, EventTarget, File};

/// Reads the whole content of a picked file (a photo from the camera or the gallery).
pub(crate) async fn read_file(file: &File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Returns the files picked in a file input and clears the input, so picking the same file again
/// fires `change` again.
pub(crate) fn take_files(event: &Event) -> Vec<File> {
    let Some(input) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return Vec::new();
    };
    let mut files = Vec::new();
    if let Some(list) = input.files() {
        for index in 0..list.length() {
            if let Some(file) = list.get(index) {
                files.push(file);
            }
        }
    }
    input.set_value("");
    files
}

/// Returns the current value of the input, textarea or select that fired `event`.
pub(crate) fn event_value(event: &Event) -> String {
    let Some(target) = event.target() else {
        return String::new();
    };
    if let Some(input) = target.dyn_ref::<web_sys::HtmlInputElement>() {
        return input.value();
    }
    if let Some(area) = target.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        return area.value();
    }
    if let Some(select) = target.dyn_ref::<web_sys::HtmlSelectElement>() {
        return select.value();
    }
    String::new()
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub(crate) fn storage_get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

pub(crate) fn storage_set(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        // A full or disabled storage only loses a preference, so the error is ignored.
        let _ = storage.set_item(key, value);
    }
}

/// True unless the browser reports that it has no network (`navigator.onLine`).
pub(crate) fn navigator_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

pub(crate) fn user_agent() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default()
}

/// Returns the page's query string (`?demo`), or an empty string.
pub(crate) fn location_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

pub(crate) fn inner_width() -> f64 {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|v| v.as_f64())
        .unwrap_or(360.0)
}

/// Milliseconds since the Unix epoch, from the browser clock.
pub(crate) fn now_ms() -> i64 {
    Date::now() as i64
}

fn local_date(ms: i64) -> Date {
    Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64))
}

/// Formats an epoch time as local `YYYY-MM-DD HH:MM` (the device's time zone).
pub(crate) fn format_local_datetime(ms: i64) -> String {
    let d = local_date(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// Formats an epoch time as local `HH:MM`.
pub(crate) fn format_local_time(ms: i64) -> String {
    let d = local_date(ms);
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}

/// Returns today's local date as `YYYY-MM-DD`, the format of `<input type="date">`.
pub(crate) fn today_iso() -> String {
    let d = local_date(now_ms());
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

/// Scrolls the element with the given `data-testid` to the middle of the view, if it is rendered.
pub(crate) fn scroll_to_test_id(test_id: &str) {
    scroll_test_id_to(test_id, web_sys::ScrollLogicalPosition::Center);
}

/// Scrolls the element with the given `data-testid` to the top of the view (below sticky bars).
pub(crate) fn scroll_to_test_id_top(test_id: &str) {
    scroll_test_id_to(test_id, web_sys::ScrollLogicalPosition::Start);
}

fn scroll_test_id_to(test_id: &str, block: web_sys::ScrollLogicalPosition) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(Some(element)) = document.query_selector(&format!("[data-testid=\"{test_id}\"]")) {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_behavior(web_sys::ScrollBehavior::Smooth);
        options.set_block(block);
        element.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

pub(crate) fn scroll_to_top() {
    if let Some(window) = web_sys::window() {
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// A DOM event listener that is removed when this value is dropped.
pub(crate) struct EventListener {
    target: EventTarget,
    name: &'static str,
    callback: Closure<dyn FnMut(Event)>,
}

impl std::fmt::Debug for EventListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventListener").field("name", &self.name).finish()
    }
}

impl EventListener {
    /// Listens for `name` on the window; `None` outside a browser window.
    pub(crate) fn on_window(name: &'static str, handler: impl FnMut(Event) + 'static) -> Option<Self> {
        let target: EventTarget = web_sys::window()?.into();
        let callback = Closure::<dyn FnMut(Event)>::new(handler);
        target
            .add_event_listener_with_callback(name, callback.as_ref().unchecked_ref())
            .ok()?;
        Some(EventListener {
            target,
            name,
            callback,
        })
    }
}

impl Drop for EventListener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.name, self.callback.as_ref().unchecked_ref());
    }
}
