//! One checklist item: its text, the answer buttons and, when it failed, the remark, the photos and
//! the rectification order. Clashing marks from two devices are shown with both values.
//!
//! Rows are memoized by their props (Yew skips a component whose props are equal), so a tap
//! re-renders only the row it changed. The parent must therefore pass callbacks that stay the same
//! across renders and cheap, comparable values.

use std::rc::Rc;

use foodpatrol_shared::checklist::{Answer, ChecklistItem, ItemVerdict};
use foodpatrol_shared::inspection::{AnswerRecord, InspectorRef, ItemState};
use foodpatrol_shared::rectification::{RectificationMode, RectificationOrder, Tier};
use web_sys::File;
use yew::prelude::*;

use crate::components::answer_buttons::AnswerButtons;
use crate::components::photo_strip::PhotoStrip;
use crate::components::rectification_form::RectificationForm;
use crate::i18n::{Label, Locale, use_locale};
use crate::web;

#[derive(Properties, PartialEq)]
pub(crate) struct ItemRowProps {
    pub(crate) item: Rc<ChecklistItem>,
    pub(crate) state: Option<ItemState>,
    pub(crate) order: Option<RectificationOrder>,
    /// The visit's inspectors, to name who made each clashing mark.
    pub(crate) inspectors: Rc<Vec<InspectorRef>>,
    pub(crate) read_only: bool,
    /// True while a command for this item runs.
    pub(crate) busy: bool,
    /// The last failed command for this item, ready to show.
    pub(crate) error: Option<String>,
    pub(crate) on_answer: Callback<(String, Answer)>,
    pub(crate) on_remark: Callback<(String, String)>,
    pub(crate) on_photo_add: Callback<(String, Vec<File>)>,
    pub(crate) on_photo_remove: Callback<(String, String)>,
    pub(crate) on_order: Callback<(String, RectificationMode, Tier)>,
}

fn describe(locale: Locale, record: &AnswerRecord, inspectors: &[InspectorRef]) -> String {
    let who = inspectors
        .iter()
        .find(|i| i.user_id == record.by)
        .map_or_else(|| record.by.to_string()[..8].to_owned(), |i| i.name.clone());
    let (answer, time) = (locale.answer(record.answer), web::format_local_time(record.at_ms));
    match locale {
        Locale::Zh => format!("{answer}（{who}，{time}）"),
        Locale::En => format!("{answer} ({who}, {time})"),
    }
}

#[function_component(ItemRow)]
pub(crate) fn item_row(props: &ItemRowProps) -> Html {
    let locale = use_locale();
    let item = &props.item;
    let id: AttrValue = item.id.clone().into();
    let current = props.state.as_ref().map(|s| s.current.answer);
    let failed = current.is_some_and(|a| item.verdict(a) == ItemVerdict::Failed);
    let saved_remark = props
        .state
        .as_ref()
        .map(|s| s.current.remark.clone())
        .unwrap_or_default();

    let remark = use_state(|| saved_remark.clone());
    {
        let remark = remark.clone();
        use_effect_with(saved_remark.clone(), move |saved| remark.set(saved.clone()));
    }

    let on_answer = {
        let (callback, id) = (props.on_answer.clone(), item.id.clone());
        Callback::from(move |answer: Answer| callback.emit((id.clone(), answer)))
    };
    let on_remark_input = {
        let remark = remark.clone();
        Callback::from(move |event: InputEvent| remark.set(web::event_value(&event)))
    };
    let on_remark_change = {
        let (callback, id) = (props.on_remark.clone(), item.id.clone());
        let saved = saved_remark.clone();
        Callback::from(move |event: Event| {
            let value = web::event_value(&event);
            if value != saved {
                callback.emit((id.clone(), value));
            }
        })
    };
    let on_photo_add = {
        let (callback, id) = (props.on_photo_add.clone(), item.id.clone());
        Callback::from(move |files: Vec<File>| callback.emit((id.clone(), files)))
    };
    let on_photo_remove = {
        let (callback, id) = (props.on_photo_remove.clone(), item.id.clone());
        Callback::from(move |hash: String| callback.emit((id.clone(), hash)))
    };
    let on_order = {
        let (callback, id) = (props.on_order.clone(), item.id.clone());
        Callback::from(move |(mode, tier): (RectificationMode, Tier)| {
            callback.emit((id.clone(), mode, tier));
        })
    };

    let conflict = props.state.as_ref().filter(|s| !s.conflicts.is_empty()).map(|state| {
        let others = state
            .conflicts
            .iter()
            .map(|record| html! { <li>{ locale.t(Label::ConflictOther) }{ locale.colon() }{ describe(locale, record, &props.inspectors) }</li> });
        html! {
            <div class="conflict" role="alert" data-testid={format!("item-{id}-conflict")}>
                <strong>{ locale.t(Label::Conflict) }</strong>
                <ul>
                    <li>{ locale.t(Label::ConflictCurrent) }{ locale.colon() }{ describe(locale, &state.current, &props.inspectors) }</li>
                    { for others }
                </ul>
            </div>
        }
    });

    let state_class = match current.map(|a| item.verdict(a)) {
        None => "item-open",
        Some(ItemVerdict::Passed) => "item-pass",
        Some(ItemVerdict::Failed) => "item-fail",
        Some(ItemVerdict::NotApplicable) => "item-na",
    };
    html! {
        <li class={classes!("item", state_class)} data-testid={format!("item-{id}")} id={format!("item-{id}")}>
            <div class="item-head">
                <span class="item-id">{ &item.id }</span>
                if item.key {
                    <span class="key-mark" title={locale.t(Label::KeyItem)} data-testid={format!("item-{id}-key")}>
                        { "* " }{ locale.t(Label::KeyItem) }
                    </span>
                }
            </div>
            <p class="item-text">{ &item.text }</p>
            { for conflict }
            <AnswerButtons item_id={id.clone()} current={current} expected={item.expected}
                disabled={props.read_only} on_answer={on_answer} />
            if let Some(error) = &props.error {
                <p class="error" role="alert" data-testid={format!("item-{id}-error")}>{ error }</p>
            }
            if failed {
                <div class="failed-details">
                    <label class="field">
                        <span>{ locale.t(Label::Remark) }</span>
                        <textarea rows="2" maxlength="500" value={(*remark).clone()}
                            placeholder={locale.t(Label::RemarkPlaceholder)} disabled={props.read_only}
                            data-testid={format!("item-{id}-remark")}
                            oninput={on_remark_input} onchange={on_remark_change} />
                    </label>
                    <PhotoStrip item_id={id.clone()}
                        photos={props.state.as_ref().map(|s| s.current.photos.clone()).unwrap_or_default()}
                        read_only={props.read_only} busy={props.busy}
                        on_add={on_photo_add} on_remove={on_photo_remove} />
                    <RectificationForm item_id={id.clone()} order={props.order.clone()}
                        read_only={props.read_only} busy={props.busy} on_save={on_order} />
                </div>
            }
        </li>
    }
}
