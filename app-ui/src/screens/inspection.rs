//! 检查: the checklist of one record, by category, with the live outcome preview.
//!
//! The record is loaded once with `inspection_get`. After that every tap calls its command and
//! applies the same change to the local copy (as the device core's document functions do), so the
//! screen never reloads the 54-item record on a tap. `inspection_answer` and `inspection_order`
//! return the device's new [`Preview`]; after a remark or photo change the list of problems is
//! recomputed locally with the shared crate's `Inspection::submit_problems`, the code the device
//! runs. A submitted record is shown read-only.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use foodpatrol_shared::checklist::{Answer, ChecklistItem, ChecklistTemplate};
use foodpatrol_shared::ids::{InspectionId, UserId};
use foodpatrol_shared::inspection::{AnswerRecord, Inspection, InspectorRef, ItemState};
use foodpatrol_shared::rectification::{RectificationMode, RectificationOrder, Tier};
use foodpatrol_shared::shop::Shop;
use web_sys::File;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::app::Screen;
use crate::components::add_inspector::AddInspector;
use crate::components::category_section::{CategorySection, ItemCallbacks};
use crate::components::preview_bar::PreviewBar;
use crate::i18n::{Label, use_locale};
use crate::services::{self, InspectionView, Preview, ServiceError};
use crate::web;

type Category = (AttrValue, Rc<Vec<Rc<ChecklistItem>>>);

/// A loaded record, split into shareable parts so that props compare cheaply.
#[derive(Debug, Clone, PartialEq)]
struct Loaded {
    inspection: Rc<Inspection>,
    template: Rc<ChecklistTemplate>,
    categories: Rc<Vec<Category>>,
    shop: Rc<Shop>,
    preview: Rc<Preview>,
    inspectors: Rc<Vec<InspectorRef>>,
}

impl Loaded {
    fn new(view: InspectionView) -> Self {
        let categories = view
            .template
            .categories()
            .into_iter()
            .map(|(name, items)| {
                let items: Vec<Rc<ChecklistItem>> = items.into_iter().map(|i| Rc::new(i.clone())).collect();
                (AttrValue::from(name.to_owned()), Rc::new(items))
            })
            .collect();
        Loaded {
            inspectors: Rc::new(view.inspection.inspectors.clone()),
            inspection: Rc::new(view.inspection),
            template: Rc::new(view.template),
            categories: Rc::new(categories),
            shop: Rc::new(view.shop),
            preview: Rc::new(view.preview),
        }
    }

    /// Applies a change to the local copy of the record.
    fn edit(&mut self, change: impl FnOnce(&mut Inspection)) {
        change(Rc::make_mut(&mut self.inspection));
    }

    /// Recomputes what blocks submission after a change the device returned no preview for.
    fn refresh_problems(&mut self) {
        let problems = self.inspection.submit_problems(&self.template);
        Rc::make_mut(&mut self.preview).problems = problems;
    }

    fn read_only(&self) -> bool {
        self.inspection.submission.is_some()
    }
}

/// State of the inspection screen.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct InspectionState {
    loaded: Option<Loaded>,
    load_error: Option<ServiceError>,
    /// Names of collapsed categories.
    collapsed: BTreeSet<String>,
    /// Items with a command in flight.
    busy: Rc<BTreeSet<String>>,
    /// Last error per item.
    errors: Rc<BTreeMap<String, String>>,
    /// Error of a record-wide action (adding an inspector).
    notice: Option<String>,
}

pub(crate) enum InspectionAction {
    Loaded(Box<InspectionView>),
    LoadFailed(ServiceError),
    Toggle(String),
    Busy(String),
    ItemFailed {
        item: String,
        error: ServiceError,
    },
    Answered {
        item: String,
        answer: Answer,
        by: UserId,
        preview: Preview,
    },
    RemarkSaved {
        item: String,
        remark: String,
        by: UserId,
    },
    PhotoAdded {
        item: String,
        hash: String,
    },
    PhotoRemoved {
        item: String,
        hash: String,
    },
    Ordered {
        item: String,
        order: RectificationOrder,
        preview: Preview,
    },
    InspectorAdded(InspectorRef),
    Failed(ServiceError),
}

impl Reducible for InspectionState {
    type Action = InspectionAction;

    fn reduce(self: Rc<Self>, action: InspectionAction) -> Rc<Self> {
        let mut next = (*self).clone();
        let now = web::now_ms();
        let finished_item = match &action {
            InspectionAction::ItemFailed { item, .. }
            | InspectionAction::Answered { item, .. }
            | InspectionAction::RemarkSaved { item, .. }
            | InspectionAction::PhotoAdded { item, .. }
            | InspectionAction::PhotoRemoved { item, .. }
            | InspectionAction::Ordered { item, .. } => Some(item.clone()),
            _ => None,
        };
        if let Some(item) = &finished_item {
            Rc::make_mut(&mut next.busy).remove(item);
            Rc::make_mut(&mut next.errors).remove(item);
        }
        match action {
            InspectionAction::Loaded(view) => {
                next.loaded = Some(Loaded::new(*view));
                next.load_error = None;
            }
            InspectionAction::LoadFailed(error) => next.load_error = Some(error),
            InspectionAction::Toggle(name) => {
                if !next.collapsed.remove(&name) {
                    next.collapsed.insert(name);
                }
            }
            InspectionAction::Busy(item) => {
                Rc::make_mut(&mut next.busy).insert(item);
            }
            InspectionAction::ItemFailed { item, error } => {
                Rc::make_mut(&mut next.errors).insert(item, error.message);
            }
            InspectionAction::Failed(error) => next.notice = Some(error.message),
            InspectionAction::Answered {
                item,
                answer,
                by,
                preview,
            } => {
                if let Some(loaded) = &mut next.loaded {
                    loaded.edit(|inspection| apply_answer(inspection, &item, answer, by, now));
                    loaded.preview = Rc::new(preview);
                }
            }
            InspectionAction::RemarkSaved { item, remark, by } => {
                if let Some(loaded) = &mut next.loaded {
                    loaded.edit(|inspection| {
                        if let Some(state) = inspection.answers.get_mut(&item) {
                            state.current.remark = remark;
                            state.current.by = by;
                            state.current.at_ms = now;
                        }
                    });
                    loaded.refresh_problems();
                }
            }
            InspectionAction::PhotoAdded { item, hash } => {
                if let Some(loaded) = &mut next.loaded {
                    loaded.edit(|inspection| {
                        if let Some(state) = inspection.answers.get_mut(&item)
                            && !state.current.photos.contains(&hash)
                        {
                            state.current.photos.push(hash);
                        }
                    });
                    loaded.refresh_problems();
                }
            }
            InspectionAction::PhotoRemoved { item, hash } => {
                if let Some(loaded) = &mut next.loaded {
                    loaded.edit(|inspection| {
                        if let Some(state) = inspection.answers.get_mut(&item) {
                            state.current.photos.retain(|h| *h != hash);
                        }
                    });
                    loaded.refresh_problems();
                }
            }
            InspectionAction::Ordered { item, order, preview } => {
                if let Some(loaded) = &mut next.loaded {
                    loaded.edit(|inspection| {
                        inspection.rectifications.insert(item, order);
                    });
                    loaded.preview = Rc::new(preview);
                }
            }
            InspectionAction::InspectorAdded(inspector) => {
                next.notice = None;
                if let Some(loaded) = &mut next.loaded {
                    loaded.edit(|inspection| {
                        if !inspection
                            .inspectors
                            .iter()
                            .any(|i| i.user_id == inspector.user_id)
                        {
                            inspection.inspectors.push(inspector);
                        }
                    });
                    loaded.inspectors = Rc::new(loaded.inspection.inspectors.clone());
                    loaded.refresh_problems();
                }
            }
        }
        Rc::new(next)
    }
}

/// Applies a mark as the device core does. A plain re-mark keeps the remark and photos. A mark on
/// an item with clashing marks replaces them all, keeping every photo and the current remark.
fn apply_answer(inspection: &mut Inspection, item: &str, answer: Answer, by: UserId, at_ms: i64) {
    let record = match inspection.answers.get(item) {
        Some(state) => {
            let mut photos = state.current.photos.clone();
            for conflict in &state.conflicts {
                for hash in &conflict.photos {
                    if !photos.contains(hash) {
                        photos.push(hash.clone());
                    }
                }
            }
            AnswerRecord {
                answer,
                remark: state.current.remark.clone(),
                photos,
                by,
                at_ms,
            }
        }
        None => AnswerRecord {
            answer,
            remark: String::new(),
            photos: Vec::new(),
            by,
            at_ms,
        },
    };
    inspection.answers.insert(
        item.to_owned(),
        ItemState {
            current: record,
            conflicts: Vec::new(),
        },
    );
}

fn load(id: InspectionId, dispatcher: UseReducerDispatcher<InspectionState>) {
    spawn_local(async move {
        match services::inspection_get(id).await {
            Ok(view) => dispatcher.dispatch(InspectionAction::Loaded(Box::new(view))),
            Err(error) => dispatcher.dispatch(InspectionAction::LoadFailed(error)),
        }
    });
}

/// Builds the row callbacks once per record, so memoized rows keep equal props.
#[hook]
fn use_item_callbacks(
    id: InspectionId,
    me: UserId,
    dispatcher: UseReducerDispatcher<InspectionState>,
) -> ItemCallbacks {
    let failed = |item: String, error: ServiceError| InspectionAction::ItemFailed { item, error };

    let on_answer = {
        let dispatcher = dispatcher.clone();
        use_callback((id, me), move |(item, answer): (String, Answer), &(id, me)| {
            let dispatcher = dispatcher.clone();
            dispatcher.dispatch(InspectionAction::Busy(item.clone()));
            spawn_local(async move {
                let action = match services::answer(id, &item, answer).await {
                    Ok(preview) => InspectionAction::Answered {
                        item,
                        answer,
                        by: me,
                        preview,
                    },
                    Err(error) => failed(item, error),
                };
                dispatcher.dispatch(action);
            });
        })
    };
    let on_remark = {
        let dispatcher = dispatcher.clone();
        use_callback((id, me), move |(item, remark): (String, String), &(id, me)| {
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let action = match services::remark(id, &item, &remark).await {
                    Ok(()) => InspectionAction::RemarkSaved { item, remark, by: me },
                    Err(error) => failed(item, error),
                };
                dispatcher.dispatch(action);
            });
        })
    };
    let on_photo_add = {
        let dispatcher = dispatcher.clone();
        use_callback(id, move |(item, files): (String, Vec<File>), &id| {
            let dispatcher = dispatcher.clone();
            dispatcher.dispatch(InspectionAction::Busy(item.clone()));
            spawn_local(async move {
                for file in files {
                    let stored = match web::read_file(&file).await {
                        Ok(bytes) => services::photo_add(id, &item, &bytes).await,
                        Err(detail) => Err(ServiceError::new(
                            "bad_file",
                            format!("无法读取所选照片（{detail}），请重新拍摄"),
                        )),
                    };
                    match stored {
                        Ok(photo) => dispatcher.dispatch(InspectionAction::PhotoAdded {
                            item: item.clone(),
                            hash: photo.hash,
                        }),
                        Err(error) => {
                            dispatcher.dispatch(failed(item, error));
                            return;
                        }
                    }
                }
            });
        })
    };
    let on_photo_remove = {
        let dispatcher = dispatcher.clone();
        use_callback(id, move |(item, hash): (String, String), &id| {
            let dispatcher = dispatcher.clone();
            dispatcher.dispatch(InspectionAction::Busy(item.clone()));
            spawn_local(async move {
                let action = match services::photo_remove(id, &item, &hash).await {
                    Ok(()) => InspectionAction::PhotoRemoved { item, hash },
                    Err(error) => failed(item, error),
                };
                dispatcher.dispatch(action);
            });
        })
    };
    let on_order = {
        use_callback(
            (id, me),
            move |(item, mode, tier): (String, RectificationMode, Tier), &(id, me)| {
                let dispatcher = dispatcher.clone();
                dispatcher.dispatch(InspectionAction::Busy(item.clone()));
                spawn_local(async move {
                    let action = match services::order(id, &item, &mode, tier).await {
                        Ok(preview) => InspectionAction::Ordered {
                            item,
                            order: RectificationOrder {
                                mode,
                                tier,
                                ordered_by: me,
                                ordered_at_ms: web::now_ms(),
                            },
                            preview,
                        },
                        Err(error) => failed(item, error),
                    };
                    dispatcher.dispatch(action);
                });
            },
        )
    };
    ItemCallbacks {
        on_answer,
        on_remark,
        on_photo_add,
        on_photo_remove,
        on_order,
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct InspectionScreenProps {
    pub(crate) id: InspectionId,
    /// The signed-in inspector, recorded as the author of local changes.
    pub(crate) me: UserId,
    pub(crate) on_navigate: Callback<Screen>,
}

#[function_component(InspectionScreen)]
pub(crate) fn inspection_screen(props: &InspectionScreenProps) -> Html {
    let locale = use_locale();
    let state = use_reducer(InspectionState::default);
    let dispatcher = state.dispatcher();
    let id = props.id;
    {
        let dispatcher = dispatcher.clone();
        use_effect_with(id, move |&id| load(id, dispatcher));
    }
    let callbacks = use_item_callbacks(id, props.me, dispatcher.clone());
    let on_toggle = {
        let dispatcher = dispatcher.clone();
        use_callback((), move |name: String, _| {
            dispatcher.dispatch(InspectionAction::Toggle(name));
        })
    };
    let on_add_inspector = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |inspector: InspectorRef| {
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                match services::add_inspector(id, inspector.user_id).await {
                    Ok(()) => dispatcher.dispatch(InspectionAction::InspectorAdded(inspector)),
                    Err(error) => dispatcher.dispatch(InspectionAction::Failed(error)),
                }
            });
        })
    };
    let go = |screen: Screen| {
        let on_navigate = props.on_navigate.clone();
        Callback::from(move |_: MouseEvent| on_navigate.emit(screen.clone()))
    };

    let Some(loaded) = &state.loaded else {
        let retry = Callback::from(move |_: MouseEvent| load(id, dispatcher.clone()));
        return html! {
            <section class="stack">
                <button type="button" class="btn btn-ghost back" data-testid="inspection-back"
                    onclick={go(Screen::Home)}>{ "← " }{ locale.t(Label::BackToTasks) }</button>
                if let Some(error) = &state.load_error {
                    <p class="error" role="alert" data-testid="inspection-error">{ &error.message }</p>
                    <button type="button" class="btn btn-secondary" onclick={retry}>{ locale.t(Label::Retry) }</button>
                } else {
                    <p class="loading">{ locale.t(Label::Loading) }</p>
                }
            </section>
        };
    };

    let inspection = &loaded.inspection;
    let read_only = loaded.read_only();
    let distinct: BTreeSet<UserId> = inspection.inspectors.iter().map(|i| i.user_id).collect();
    let names: Vec<&str> = inspection.inspectors.iter().map(|i| i.name.as_str()).collect();
    let sections = loaded.categories.iter().enumerate().map(|(index, (name, items))| {
        html! {
            <CategorySection key={name.to_string()} index={index} name={name.clone()} items={items.clone()}
                inspection={loaded.inspection.clone()} inspectors={loaded.inspectors.clone()}
                open={!state.collapsed.contains(name.as_str())} read_only={read_only}
                busy={state.busy.clone()} errors={state.errors.clone()}
                on_toggle={on_toggle.clone()} callbacks={callbacks.clone()} />
        }
    });

    html! {
        <section class="stack inspection" data-testid="inspection-screen" data-read-only={read_only.to_string()}>
            <button type="button" class="btn btn-ghost back" data-testid="inspection-back"
                onclick={go(Screen::Home)}>{ "← " }{ locale.t(Label::BackToTasks) }</button>
            <header class="record-head">
                <h1 data-testid="inspection-shop">{ &loaded.shop.name }</h1>
                <p class="muted">{ &loaded.shop.address }</p>
                <p class="muted">
                    <span class="chip">{ locale.kind(inspection.kind) }</span>
                    { " " }{ &loaded.template.title }
                </p>
                <p class="muted" data-testid="inspection-inspectors">
                    { locale.t(Label::Inspectors) }{ locale.colon() }{ names.join(locale.list_separator()) }
                </p>
            </header>
            if read_only {
                <div class="banner banner-ok" data-testid="sealed-notice">{ locale.t(Label::Sealed) }</div>
            }
            if !read_only && distinct.len() < 2 {
                <AddInspector present={distinct.iter().copied().collect::<Vec<_>>()} on_add={on_add_inspector} />
            }
            if let Some(notice) = &state.notice {
                <p class="error" role="alert" data-testid="inspection-error">{ notice }</p>
            }
            <PreviewBar preview={loaded.preview.clone()} />
            <div class="categories">{ for sections }</div>
            <div class="screen-actions">
                if read_only {
                    <button type="button" class="btn btn-secondary btn-block" data-testid="go-sync"
                        onclick={go(Screen::Sync)}>{ locale.t(Label::GoSync) }</button>
                } else {
                    <button type="button" class="btn btn-primary btn-block" data-testid="go-signature"
                        onclick={go(Screen::Signature(id))}>{ locale.t(Label::GoSignature) }</button>
                }
            </div>
        </section>
    }
}
