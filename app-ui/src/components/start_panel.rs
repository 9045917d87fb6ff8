//! The sheet that starts a visit: the shop, the inspection type (日常/飞行/体系) and the second
//! inspector, who is required because a visit needs two law-enforcement officers.

use foodpatrol_shared::ids::UserId;
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef};
use foodpatrol_shared::shop::Shop;
use yew::prelude::*;

use crate::i18n::{Label, use_locale};
use crate::web;

const KINDS: [InspectionKind; 3] = [
    InspectionKind::Daily,
    InspectionKind::Flight,
    InspectionKind::System,
];

#[derive(Properties, PartialEq)]
pub(crate) struct StartPanelProps {
    pub(crate) shop: Shop,
    pub(crate) kind: InspectionKind,
    pub(crate) partner: Option<UserId>,
    /// Colleagues who can be the second inspector (the signed-in inspector excluded).
    pub(crate) colleagues: Vec<InspectorRef>,
    pub(crate) busy: bool,
    pub(crate) error: Option<String>,
    pub(crate) on_choose_kind: Callback<InspectionKind>,
    pub(crate) on_choose_partner: Callback<Option<UserId>>,
    pub(crate) on_start: Callback<()>,
    pub(crate) on_cancel: Callback<()>,
}

#[function_component(StartPanel)]
pub(crate) fn start_panel(props: &StartPanelProps) -> Html {
    let locale = use_locale();
    let kinds = KINDS.iter().map(|&kind| {
        let chosen = props.kind == kind;
        let onclick = {
            let on_choose_kind = props.on_choose_kind.clone();
            Callback::from(move |_: MouseEvent| on_choose_kind.emit(kind))
        };
        html! {
            <button type="button" class={classes!("choice", chosen.then_some("chosen"))}
                aria-pressed={chosen.to_string()} data-testid={format!("kind-{}", kind.as_str())} {onclick}>
                { locale.kind(kind) }
            </button>
        }
    });
    let onchange = {
        let on_choose_partner = props.on_choose_partner.clone();
        Callback::from(move |event: Event| {
            on_choose_partner.emit(web::event_value(&event).parse::<UserId>().ok());
        })
    };
    let onstart = {
        let on_start = props.on_start.clone();
        Callback::from(move |_: MouseEvent| on_start.emit(()))
    };
    let oncancel = {
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |_: MouseEvent| on_cancel.emit(()))
    };
    let shop = &props.shop;
    html! {
        <div class="sheet-backdrop">
            <section class="sheet stack" role="dialog" aria-modal="true" aria-labelledby="start-title"
                data-testid="start-panel">
                <h2 id="start-title">{ locale.t(Label::StartTitle) }</h2>
                <div>
                    <strong data-testid="start-shop">{ &shop.name }</strong>
                    <p class="muted">{ &shop.address }</p>
                    <p class="muted small">{ locale.t(Label::Licence) }{ locale.colon() }{ &shop.licence_no }
                        { " · " }{ locale.business_type(&shop.business_type) }</p>
                </div>
                <div class="field">
                    <span>{ locale.t(Label::InspectionKind) }</span>
                    <div class="choices choices-3">{ for kinds }</div>
                </div>
                <label class="field">
                    <span>{ locale.t(Label::Partner) }</span>
                    <select data-testid="partner-select" {onchange} required=true>
                        <option value="" selected={props.partner.is_none()}>{ locale.t(Label::PartnerChoose) }</option>
                        { for props.colleagues.iter().map(|c| html! {
                            <option value={c.user_id.to_string()} selected={props.partner == Some(c.user_id)}>
                                { &c.name }
                            </option>
                        }) }
                    </select>
                </label>
                if props.colleagues.is_empty() {
                    <p class="hint hint-warn">{ locale.t(Label::NoColleagues) }</p>
                } else if props.partner.is_none() {
                    <p class="hint">{ locale.t(Label::PartnerRequired) }</p>
                }
                if let Some(error) = &props.error {
                    <p class="error" role="alert" data-testid="start-error">{ error }</p>
                }
                <div class="button-row">
                    <button type="button" class="btn btn-secondary" data-testid="start-cancel" onclick={oncancel}>
                        { locale.t(Label::Cancel) }
                    </button>
                    <button type="button" class="btn btn-primary" data-testid="start-inspection"
                        disabled={props.partner.is_none() || props.busy} onclick={onstart}>
                        { locale.t(Label::StartInspection) }
                    </button>
                </div>
            </section>
        </div>
    }
}
