//! One category (检查内容) of the checklist: a collapsible header with its progress n/m and its items.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use foodpatrol_shared::checklist::{Answer, ChecklistItem};
use foodpatrol_shared::inspection::{Inspection, InspectorRef};
use foodpatrol_shared::rectification::{RectificationMode, Tier};
use web_sys::File;
use yew::prelude::*;

use crate::components::item_row::ItemRow;

/// The callbacks every item row of a record shares; created once per screen so rows stay memoized.
#[derive(Clone, PartialEq)]
pub(crate) struct ItemCallbacks {
    pub(crate) on_answer: Callback<(String, Answer)>,
    pub(crate) on_remark: Callback<(String, String)>,
    pub(crate) on_photo_add: Callback<(String, Vec<File>)>,
    pub(crate) on_photo_remove: Callback<(String, String)>,
    pub(crate) on_order: Callback<(String, RectificationMode, Tier)>,
}

#[derive(Properties, PartialEq)]
pub(crate) struct CategorySectionProps {
    /// Position in the checklist, for the test id.
    pub(crate) index: usize,
    pub(crate) name: AttrValue,
    pub(crate) items: Rc<Vec<Rc<ChecklistItem>>>,
    pub(crate) inspection: Rc<Inspection>,
    pub(crate) inspectors: Rc<Vec<InspectorRef>>,
    pub(crate) open: bool,
    pub(crate) read_only: bool,
    pub(crate) busy: Rc<BTreeSet<String>>,
    pub(crate) errors: Rc<BTreeMap<String, String>>,
    pub(crate) on_toggle: Callback<String>,
    pub(crate) callbacks: ItemCallbacks,
}

#[function_component(CategorySection)]
pub(crate) fn category_section(props: &CategorySectionProps) -> Html {
    let answered = props
        .items
        .iter()
        .filter(|item| props.inspection.answers.contains_key(&item.id))
        .count();
    let total = props.items.len();
    let onclick = {
        let (on_toggle, name) = (props.on_toggle.clone(), props.name.to_string());
        Callback::from(move |_: MouseEvent| on_toggle.emit(name.clone()))
    };
    let index = props.index;
    let complete = answered == total;
    let rows = props.items.iter().map(|item| {
        let callbacks = &props.callbacks;
        html! {
            <ItemRow key={item.id.clone()}
                item={item.clone()}
                state={props.inspection.answers.get(&item.id).cloned()}
                order={props.inspection.rectifications.get(&item.id).cloned()}
                inspectors={props.inspectors.clone()}
                read_only={props.read_only}
                busy={props.busy.contains(&item.id)}
                error={props.errors.get(&item.id).cloned()}
                on_answer={callbacks.on_answer.clone()}
                on_remark={callbacks.on_remark.clone()}
                on_photo_add={callbacks.on_photo_add.clone()}
                on_photo_remove={callbacks.on_photo_remove.clone()}
                on_order={callbacks.on_order.clone()} />
        }
    });
    html! {
        <section class="category" data-testid={format!("category-{index}")}>
            <button type="button" class="category-head" aria-expanded={props.open.to_string()}
                data-testid={format!("category-{index}-toggle")} {onclick}>
                <span class="category-chevron" aria-hidden="true">{ if props.open { "▾" } else { "▸" } }</span>
                <span class="category-name">{ &props.name }</span>
                <span class={classes!("category-progress", complete.then_some("complete"))}
                    data-testid={format!("category-{index}-progress")}>
                    { format!("{answered}/{total}") }
                </span>
            </button>
            if props.open {
                <ul class="items">{ for rows }</ul>
            }
        </section>
    }
}
