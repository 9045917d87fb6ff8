//! 今日任务: today's planned visits, unsubmitted records on this device, and the ways to start a
//! visit without a plan (search a shop, or scan the licence QR code).
//!
//! Everything here reads the device's local store, so the screen works offline. Starting a visit
//! always goes through the start sheet, which requires the second inspector.

use std::collections::BTreeMap;
use std::rc::Rc;

use foodpatrol_shared::ids::{InspectionId, ShopId, UserId};
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef};
use foodpatrol_shared::shop::Shop;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::app::Screen;
use crate::components::start_panel::StartPanel;
use crate::components::task_card::TaskCard;
use crate::i18n::{Label, use_locale};
use crate::services::{self, InspectionSummary, ServiceError, TaskView};
use crate::web;

/// At most this many unsubmitted records get their shop name looked up with `inspection_get`.
const NAME_LOOKUPS: usize = 20;

/// Contents of the start sheet.
#[derive(Debug, Clone, PartialEq)]
struct StartDraft {
    shop: Shop,
    kind: InspectionKind,
    partner: Option<UserId>,
    busy: bool,
    error: Option<String>,
}

/// State of the home screen.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct HomeState {
    /// `None` while loading.
    tasks: Option<Vec<TaskView>>,
    /// Unsubmitted records on this device, newest first.
    open_records: Vec<InspectionSummary>,
    shop_names: BTreeMap<ShopId, String>,
    colleagues: Vec<InspectorRef>,
    query: String,
    /// Results of the latest search; `None` when the box is empty.
    results: Option<Vec<Shop>>,
    /// Number of the latest search, so that results of an older, slower search are dropped.
    search_seq: u32,
    scanning: bool,
    /// The shell has the camera barcode scanner (phones and tablets); desktops scan a photo instead.
    camera_scanner: bool,
    start: Option<StartDraft>,
    error: Option<String>,
}

pub(crate) enum HomeAction {
    TasksLoaded(Vec<TaskView>),
    RecordsLoaded(Vec<InspectionSummary>),
    ShopName(ShopId, String),
    ColleaguesLoaded(Vec<InspectorRef>),
    Query(String),
    Results {
        seq: u32,
        shops: Vec<Shop>,
    },
    Scanning,
    CameraScanner(bool),
    /// Opens the start sheet; `partner` comes from the plan and is offered even if it is not in
    /// the colleague list yet.
    Select {
        shop: Shop,
        kind: InspectionKind,
        partner: Option<InspectorRef>,
    },
    Kind(InspectionKind),
    Partner(Option<UserId>),
    Starting,
    StartFailed(String),
    CancelStart,
    Failed(ServiceError),
}

impl Reducible for HomeState {
    type Action = HomeAction;

    fn reduce(self: Rc<Self>, action: HomeAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            HomeAction::TasksLoaded(tasks) => {
                for task in &tasks {
                    next.shop_names.insert(task.shop.id, task.shop.name.clone());
                }
                next.tasks = Some(tasks);
            }
            HomeAction::RecordsLoaded(records) => {
                next.open_records = records.into_iter().filter(|r| !r.submitted).collect();
            }
            HomeAction::ShopName(id, name) => {
                next.shop_names.insert(id, name);
            }
            HomeAction::ColleaguesLoaded(mut colleagues) => {
                // Keep a planned partner added by `Select` before the list arrived.
                for known in &next.colleagues {
                    if !colleagues.iter().any(|c| c.user_id == known.user_id) {
                        colleagues.push(known.clone());
                    }
                }
                next.colleagues = colleagues;
            }
            HomeAction::Query(query) => {
                next.search_seq += 1;
                if query.trim().is_empty() {
                    next.results = None;
                }
                next.query = query;
            }
            HomeAction::Results { seq, shops } => {
                if seq == next.search_seq && !next.query.trim().is_empty() {
                    next.results = Some(shops);
                }
            }
            HomeAction::Scanning => {
                next.scanning = true;
                next.error = None;
            }
            HomeAction::CameraScanner(available) => next.camera_scanner = available,
            HomeAction::Select { shop, kind, partner } => {
                next.scanning = false;
                if let Some(partner) = &partner
                    && !next.colleagues.iter().any(|c| c.user_id == partner.user_id)
                {
                    next.colleagues.push(partner.clone());
                }
                next.start = Some(StartDraft {
                    shop,
                    kind,
                    partner: partner.map(|p| p.user_id),
                    busy: false,
                    error: None,
                });
            }
            HomeAction::Kind(kind) => {
                if let Some(start) = &mut next.start {
                    start.kind = kind;
                }
            }
            HomeAction::Partner(partner) => {
                if let Some(start) = &mut next.start {
                    start.partner = partner;
                }
            }
            HomeAction::Starting => {
                if let Some(start) = &mut next.start {
                    start.busy = true;
                    start.error = None;
                }
            }
            HomeAction::StartFailed(message) => {
                if let Some(start) = &mut next.start {
                    start.busy = false;
                    start.error = Some(message);
                }
            }
            HomeAction::CancelStart => next.start = None,
            HomeAction::Failed(error) => {
                next.scanning = false;
                next.error = Some(error.message);
                if next.tasks.is_none() {
                    next.tasks = Some(Vec::new());
                }
            }
        }
        Rc::new(next)
    }
}

fn load(dispatcher: UseReducerDispatcher<HomeState>) {
    spawn_local(async move {
        match services::tasks_today().await {
            Ok(tasks) => dispatcher.dispatch(HomeAction::TasksLoaded(tasks)),
            Err(error) => dispatcher.dispatch(HomeAction::Failed(error)),
        }
        if let Ok(colleagues) = services::colleagues_list().await {
            dispatcher.dispatch(HomeAction::ColleaguesLoaded(colleagues));
        }
        let Ok(records) = services::inspections_list().await else {
            return;
        };
        let open: Vec<InspectionId> = records.iter().filter(|r| !r.submitted).map(|r| r.id).collect();
        dispatcher.dispatch(HomeAction::RecordsLoaded(records));
        // Records started from a search or a QR scan have no task that names their shop.
        for id in open.into_iter().take(NAME_LOOKUPS) {
            if let Ok(view) = services::inspection_get(id).await {
                dispatcher.dispatch(HomeAction::ShopName(view.shop.id, view.shop.name));
            }
        }
    });
}

#[derive(Properties, PartialEq)]
pub(crate) struct HomeScreenProps {
    pub(crate) me: UserId,
    /// Time of the last successful sync; the lists reload whenever it changes, so tasks downloaded
    /// by a sync that finishes after the screen opened (such as the one after sign-in) appear.
    pub(crate) synced_at: Option<i64>,
    pub(crate) on_navigate: Callback<Screen>,
}

#[function_component(HomeScreen)]
pub(crate) fn home_screen(props: &HomeScreenProps) -> Html {
    let locale = use_locale();
    let state = use_reducer(HomeState::default);
    {
        let dispatcher = state.dispatcher();
        use_effect_with(props.synced_at, move |_| load(dispatcher));
    }
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            spawn_local(async move {
                let available = services::app_info().await.is_some_and(|info| info.camera_scanner);
                dispatcher.dispatch(HomeAction::CameraScanner(available));
            });
        });
    }
    let me = props.me;

    let on_open_task = {
        let (dispatcher, on_navigate) = (state.dispatcher(), props.on_navigate.clone());
        Callback::from(move |task: TaskView| match task.inspection_id {
            Some(id) => on_navigate.emit(Screen::Inspection(id)),
            None => {
                let partner = task.inspectors.iter().find(|i| i.user_id != me).cloned();
                dispatcher.dispatch(HomeAction::Select {
                    shop: task.shop,
                    kind: task.kind,
                    partner,
                });
            }
        })
    };
    let select_shop = |shop: Shop| {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            dispatcher.dispatch(HomeAction::Select {
                shop: shop.clone(),
                kind: InspectionKind::Daily,
                partner: None,
            });
        })
    };
    let on_query = {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            let query = web::event_value(&event);
            let seq = state.search_seq + 1;
            state.dispatch(HomeAction::Query(query.clone()));
            if query.trim().is_empty() {
                return;
            }
            let dispatcher = state.dispatcher();
            spawn_local(async move {
                match services::shops_search(query.trim()).await {
                    Ok(shops) => dispatcher.dispatch(HomeAction::Results { seq, shops }),
                    Err(error) => dispatcher.dispatch(HomeAction::Failed(error)),
                }
            });
        })
    };
    let on_scan = {
        let dispatcher = state.dispatcher();
        Callback::from(move |event: Event| {
            let Some(file) = web::take_files(&event).into_iter().next() else {
                return;
            };
            dispatcher.dispatch(HomeAction::Scanning);
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let found = match web::read_file(&file).await {
                    Ok(bytes) => services::shop_from_qr(&bytes).await,
                    Err(detail) => Err(ServiceError::new(
                        "bad_file",
                        format!("无法读取所拍照片（{detail}），请重新拍摄"),
                    )),
                };
                match found {
                    Ok(shop) => dispatcher.dispatch(HomeAction::Select {
                        shop,
                        kind: InspectionKind::Daily,
                        partner: None,
                    }),
                    Err(error) => dispatcher.dispatch(HomeAction::Failed(error)),
                }
            });
        })
    };

    let on_camera_scan = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            dispatcher.dispatch(HomeAction::Scanning);
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let found = match services::scan_qr_code().await {
                    Ok(text) => services::shop_from_code(&text).await,
                    Err(error) => Err(error),
                };
                match found {
                    Ok(shop) => dispatcher.dispatch(HomeAction::Select {
                        shop,
                        kind: InspectionKind::Daily,
                        partner: None,
                    }),
                    Err(error) => dispatcher.dispatch(HomeAction::Failed(error)),
                }
            });
        })
    };

    let start_panel = state.start.as_ref().map(|start| {
        let dispatcher = state.dispatcher();
        let on_choose_kind = {
            let dispatcher = dispatcher.clone();
            Callback::from(move |kind| dispatcher.dispatch(HomeAction::Kind(kind)))
        };
        let on_choose_partner = {
            let dispatcher = dispatcher.clone();
            Callback::from(move |partner| dispatcher.dispatch(HomeAction::Partner(partner)))
        };
        let on_cancel = {
            let dispatcher = dispatcher.clone();
            Callback::from(move |()| dispatcher.dispatch(HomeAction::CancelStart))
        };
        let on_start = {
            let draft = start.clone();
            let on_navigate = props.on_navigate.clone();
            Callback::from(move |()| {
                let Some(partner) = draft.partner else {
                    return;
                };
                dispatcher.dispatch(HomeAction::Starting);
                let (dispatcher, on_navigate) = (dispatcher.clone(), on_navigate.clone());
                let (shop_id, kind) = (draft.shop.id, draft.kind);
                spawn_local(async move {
                    match services::inspection_start(shop_id, kind, Some(partner)).await {
                        Ok(id) => on_navigate.emit(Screen::Inspection(id)),
                        Err(error) => dispatcher.dispatch(HomeAction::StartFailed(error.message)),
                    }
                });
            })
        };
        let colleagues: Vec<InspectorRef> = state
            .colleagues
            .iter()
            .filter(|c| c.user_id != me)
            .cloned()
            .collect();
        html! {
            <StartPanel shop={start.shop.clone()} kind={start.kind} partner={start.partner}
                colleagues={colleagues} busy={start.busy} error={start.error.clone()}
                {on_choose_kind} {on_choose_partner} {on_start} {on_cancel} />
        }
    });

    let tasks = match &state.tasks {
        None => html! { <p class="loading">{ locale.t(Label::Loading) }</p> },
        Some(tasks) if tasks.is_empty() => html! {
            <p class="muted card" data-testid="tasks-empty">{ locale.t(Label::NoTasks) }</p>
        },
        Some(tasks) => html! {
            <ul class="task-list" data-testid="task-list">
                { for tasks.iter().map(|task| html! {
                    <TaskCard key={task.assignment_id.clone()} task={task.clone()} on_open={on_open_task.clone()} />
                }) }
            </ul>
        },
    };

    let records = state.open_records.iter().map(|record| {
        let onclick = {
            let (on_navigate, id) = (props.on_navigate.clone(), record.id);
            Callback::from(move |_: MouseEvent| on_navigate.emit(Screen::Inspection(id)))
        };
        let name = state
            .shop_names
            .get(&record.shop_id)
            .cloned()
            .unwrap_or_else(|| record.shop_id.to_string()[..8].to_owned());
        html! {
            <li key={record.id.to_string()} class="record-line">
                <span class="record-text">
                    <strong>{ name }</strong>
                    <span class="muted small">{ locale.started_at(&web::format_local_datetime(record.started_at_ms)) }</span>
                </span>
                <button type="button" class="btn btn-secondary" data-testid={format!("resume-{}", record.id)} {onclick}>
                    { locale.t(Label::Resume) }
                </button>
            </li>
        }
    });

    let results = state.results.as_ref().map(|shops| {
        if shops.is_empty() {
            return html! { <p class="muted" data-testid="search-empty">{ locale.t(Label::NoShopsFound) }</p> };
        }
        html! {
            <ul class="result-list" data-testid="search-results">
                { for shops.iter().map(|shop| html! {
                    <li key={shop.id.to_string()}>
                        <button type="button" class="card result" data-testid={format!("shop-{}", shop.id)}
                            onclick={select_shop(shop.clone())}>
                            <strong>{ &shop.name }</strong>
                            <span class="muted">{ &shop.address }</span>
                            <span class="muted small">{ &shop.licence_no }{ " · " }{ locale.business_type(&shop.business_type) }</span>
                        </button>
                    </li>
                }) }
            </ul>
        }
    });

    html! {
        <section class="stack home">
            if let Some(error) = &state.error {
                <p class="error" role="alert" data-testid="home-error">{ error }</p>
            }
            <div class="home-grid">
                <div class="stack">
                    <h1>{ locale.t(Label::TodayTasks) }</h1>
                    { tasks }
                    if !state.open_records.is_empty() {
                        <h2>{ locale.t(Label::LocalRecords) }</h2>
                        <ul class="record-list" data-testid="open-records">{ for records }</ul>
                    }
                </div>
                <div class="stack">
                    <h2>{ locale.t(Label::PickShop) }</h2>
                    if state.camera_scanner {
                        <button type="button" class={classes!("btn", "btn-primary", "btn-block", state.scanning.then_some("busy"))}
                            disabled={state.scanning} data-testid="scan-qr-camera" onclick={on_camera_scan}>
                            { if state.scanning { locale.t(Label::Recognizing) } else { locale.t(Label::ScanQr) } }
                        </button>
                    } else {
                        <label class={classes!("btn", "btn-primary", "btn-block", "file-button", state.scanning.then_some("busy"))}>
                            <span>{ if state.scanning { locale.t(Label::Recognizing) } else { locale.t(Label::ScanQr) } }</span>
                            <input type="file" accept="image/*" capture="environment" class="file-input"
                                disabled={state.scanning} data-testid="scan-qr-input" onchange={on_scan} />
                        </label>
                    }
                    <p class="hint">{ locale.t(Label::ScanQrHint) }</p>
                    <input type="search" class="search" value={state.query.clone()}
                        placeholder={locale.t(Label::SearchPlaceholder)} aria-label={locale.t(Label::SearchPlaceholder)}
                        data-testid="shop-search" oninput={on_query} />
                    { for results }
                </div>
            </div>
            { for start_panel }
        </section>
    }
}
