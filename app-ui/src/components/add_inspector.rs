//! Adds the second inspector to a record that has only one (a visit started without a partner).

use foodpatrol_shared::ids::UserId;
use foodpatrol_shared::inspection::InspectorRef;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::i18n::{Label, use_locale};
use crate::services;
use crate::web;

#[derive(Properties, PartialEq)]
pub(crate) struct AddInspectorProps {
    /// Inspectors already on the record; they are not offered again.
    pub(crate) present: Vec<UserId>,
    pub(crate) on_add: Callback<InspectorRef>,
}

#[function_component(AddInspector)]
pub(crate) fn add_inspector(props: &AddInspectorProps) -> Html {
    let locale = use_locale();
    let colleagues = use_state(Vec::<InspectorRef>::new);
    let chosen = use_state(String::new);
    {
        let colleagues = colleagues.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(list) = services::colleagues_list().await {
                    colleagues.set(list);
                }
            });
        });
    }
    let options: Vec<&InspectorRef> = colleagues
        .iter()
        .filter(|c| !props.present.contains(&c.user_id))
        .collect();
    let onchange = {
        let chosen = chosen.clone();
        Callback::from(move |event: Event| chosen.set(web::event_value(&event)))
    };
    let selected = options
        .iter()
        .find(|c| c.user_id.to_string() == *chosen)
        .map(|c| (*c).clone());
    let onclick = {
        let (on_add, selected) = (props.on_add.clone(), selected.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(colleague) = selected.clone() {
                on_add.emit(colleague);
            }
        })
    };
    html! {
        <div class="card card-warn" data-testid="add-inspector">
            <p>{ locale.t(Label::PartnerRequired) }</p>
            if options.is_empty() {
                <p class="hint">{ locale.t(Label::NoColleagues) }</p>
            } else {
                <label class="field">
                    <span>{ locale.t(Label::Partner) }</span>
                    <select data-testid="add-inspector-select" {onchange}>
                        <option value="" selected={chosen.is_empty()}>{ locale.t(Label::PartnerChoose) }</option>
                        { for options.iter().map(|c| html! {
                            <option value={c.user_id.to_string()} selected={c.user_id.to_string() == *chosen}>
                                { &c.name }
                            </option>
                        }) }
                    </select>
                </label>
                <button type="button" class="btn btn-primary" disabled={selected.is_none()}
                    data-testid="add-inspector-save" {onclick}>
                    { locale.t(Label::AddInspector) }
                </button>
            }
        </div>
    }
}
