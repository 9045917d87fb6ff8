//! The JavaScript side of the Tauri 2 global API: `window.__TAURI__.core.invoke` and
//! `window.__TAURI__.event.listen`.
//!
//! The global API exists only when the shell sets `app.withGlobalTauri: true`. In a plain browser
//! `window.__TAURI__` is undefined, and [`core_invoke`] returns `None` so that callers can show
//! "open this in the app" instead of throwing. Functions are looked up with `js_sys::Reflect` on
//! every call, never cached, so the UI needs no global state.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Reads `window.__TAURI__.<path>` as an object or function; `None` when any step is missing.
fn tauri_path(path: &[&str]) -> Option<JsValue> {
    let mut value: JsValue = web_sys::window()?.into();
    for key in std::iter::once(&"__TAURI__").chain(path) {
        value = Reflect::get(&value, &JsValue::from_str(key)).ok()?;
        if value.is_undefined() || value.is_null() {
            return None;
        }
    }
    Some(value)
}

/// Returns `(window.__TAURI__.core, invoke)` when the page runs inside the Tauri window.
fn core_invoke() -> Option<(JsValue, Function)> {
    let core = tauri_path(&["core"])?;
    let invoke = Reflect::get(&core, &JsValue::from_str("invoke"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    Some((core, invoke))
}

/// True when the page runs inside the FoodPatrol app window (the Tauri global API is present).
pub(crate) fn in_tauri() -> bool {
    core_invoke().is_some()
}

/// Reason an `invoke` returned no value.
#[derive(Debug)]
pub(crate) enum InvokeFailure {
    /// `window.__TAURI__.core.invoke` is missing: a plain browser, or `withGlobalTauri` is off.
    NotInApp,
    /// The promise was rejected; the value is what the command (or Tauri itself) rejected with.
    Rejected(JsValue),
}

/// Calls `invoke(cmd, args[, options])` and awaits the promise.
pub(crate) async fn invoke(
    cmd: &str,
    args: &JsValue,
    options: Option<&JsValue>,
) -> Result<JsValue, InvokeFailure> {
    let (core, invoke) = core_invoke().ok_or(InvokeFailure::NotInApp)?;
    let cmd = JsValue::from_str(cmd);
    let returned = match options {
        Some(options) => invoke.call3(&core, &cmd, args, options),
        None => invoke.call2(&core, &cmd, args),
    }
    .map_err(InvokeFailure::Rejected)?;
    let promise = returned.dyn_into::<Promise>().map_err(InvokeFailure::Rejected)?;
    JsFuture::from(promise).await.map_err(InvokeFailure::Rejected)
}

/// A subscription to a Tauri event; it unlistens when dropped.
///
/// `listen` resolves to the unlisten function asynchronously, so a subscription dropped before
/// that happens unlistens as soon as the function arrives. The handler closure is kept until
/// unlisten has run, because Tauri may call it until then.
pub(crate) struct EventSubscription {
    shared: Rc<Subscription>,
}

type Handler = Closure<dyn FnMut(JsValue)>;

struct Subscription {
    handler: RefCell<Option<Handler>>,
    unlisten: RefCell<Option<Function>>,
    dropped: Cell<bool>,
}

impl Subscription {
    fn unlisten_now(&self, function: &Function) {
        let _ = function.call0(&JsValue::NULL);
        self.handler.borrow_mut().take();
    }
}

impl std::fmt::Debug for EventSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSubscription")
            .field("dropped", &self.shared.dropped.get())
            .finish()
    }
}

/// Calls `window.__TAURI__.event.listen(name, handler)`; `handler` receives the event's `payload`.
/// Returns `None` outside the app.
pub(crate) fn listen(name: &str, mut handler: impl FnMut(JsValue) + 'static) -> Option<EventSubscription> {
    let event_api = tauri_path(&["event"])?;
    let listen = Reflect::get(&event_api, &JsValue::from_str("listen"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    let closure = Handler::new(move |event: JsValue| {
        let payload = Reflect::get(&event, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        handler(payload);
    });
    let promise = listen
        .call2(
            &event_api,
            &JsValue::from_str(name),
            closure.as_ref().unchecked_ref(),
        )
        .ok()?
        .dyn_into::<Promise>()
        .ok()?;

    let shared = Rc::new(Subscription {
        handler: RefCell::new(Some(closure)),
        unlisten: RefCell::new(None),
        dropped: Cell::new(false),
    });
    let pending = shared.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let resolved = JsFuture::from(promise).await;
        let Some(function) = resolved.ok().and_then(|f| f.dyn_into::<Function>().ok()) else {
            return;
        };
        if pending.dropped.get() {
            pending.unlisten_now(&function);
        } else {
            *pending.unlisten.borrow_mut() = Some(function);
        }
    });
    Some(EventSubscription { shared })
}

impl Drop for EventSubscription {
    fn drop(&mut self) {
        self.shared.dropped.set(true);
        let function = self.shared.unlisten.borrow_mut().take();
        if let Some(function) = function {
            self.shared.unlisten_now(&function);
        }
    }
}
