//! The rectification order of one failed item: 现场整改 with the measure taken, or 书面限期整改 with a
//! due date and a requirement, plus who leads the fix (the tier).
//!
//! The inspector edits a draft and saves it with one button, because `inspection_order` takes the
//! mode and the tier together and rejects an incomplete order.

use chrono::NaiveDate;
use foodpatrol_shared::rectification::{RectificationMode, RectificationOrder, Tier};
use yew::prelude::*;

use crate::i18n::{Label, use_locale};
use crate::web;

const TIERS: [Tier; 3] = [Tier::SelfFix, Tier::Guided, Tier::Supervised];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModeKind {
    OnSpot,
    Deadline,
}

/// Form contents before they are saved.
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    kind: Option<ModeKind>,
    measure: String,
    /// Due date in the date input's `YYYY-MM-DD` format.
    due: String,
    requirement: String,
    tier: Tier,
}

impl Draft {
    fn from_order(order: Option<&RectificationOrder>) -> Draft {
        let mut draft = Draft {
            kind: None,
            measure: String::new(),
            due: String::new(),
            requirement: String::new(),
            tier: order.map_or(Tier::SelfFix, |o| o.tier),
        };
        match order.map(|o| &o.mode) {
            Some(RectificationMode::OnSpot { measure }) => {
                draft.kind = Some(ModeKind::OnSpot);
                draft.measure = measure.clone();
            }
            Some(RectificationMode::Deadline { due, requirement }) => {
                draft.kind = Some(ModeKind::Deadline);
                draft.due = due.to_string();
                draft.requirement = requirement.clone();
            }
            None => {}
        }
        draft
    }

    /// Returns the order this draft describes, once it is complete.
    fn mode(&self) -> Option<RectificationMode> {
        match self.kind? {
            ModeKind::OnSpot if !self.measure.trim().is_empty() => Some(RectificationMode::OnSpot {
                measure: self.measure.trim().to_owned(),
            }),
            ModeKind::Deadline if !self.requirement.trim().is_empty() => {
                let due = self.due.parse::<NaiveDate>().ok()?;
                Some(RectificationMode::Deadline {
                    due,
                    requirement: self.requirement.trim().to_owned(),
                })
            }
            _ => None,
        }
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct RectificationFormProps {
    pub(crate) item_id: AttrValue,
    pub(crate) order: Option<RectificationOrder>,
    pub(crate) read_only: bool,
    pub(crate) busy: bool,
    pub(crate) on_save: Callback<(RectificationMode, Tier)>,
}

#[function_component(RectificationForm)]
pub(crate) fn rectification_form(props: &RectificationFormProps) -> Html {
    let locale = use_locale();
    let draft = use_state(|| Draft::from_order(props.order.as_ref()));
    {
        // A saved or synced order replaces the draft.
        let draft = draft.clone();
        use_effect_with(props.order.clone(), move |order| {
            draft.set(Draft::from_order(order.as_ref()));
        });
    }
    let id = &props.item_id;
    let disabled = props.read_only || props.busy;

    let edit = |change: fn(&mut Draft, String)| {
        let draft = draft.clone();
        Callback::from(move |event: Event| {
            let mut next = (*draft).clone();
            change(&mut next, web::event_value(&event));
            draft.set(next);
        })
    };
    let edit_input = |change: fn(&mut Draft, String)| {
        let draft = draft.clone();
        Callback::from(move |event: InputEvent| {
            let mut next = (*draft).clone();
            change(&mut next, web::event_value(&event));
            draft.set(next);
        })
    };
    let choose_kind = |kind: ModeKind| {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*draft).clone();
            next.kind = Some(kind);
            draft.set(next);
        })
    };
    let choose_tier = |tier: Tier| {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*draft).clone();
            next.tier = tier;
            draft.set(next);
        })
    };

    let mode = draft.mode();
    let saved = match (&mode, &props.order) {
        (Some(mode), Some(order)) => *mode == order.mode && draft.tier == order.tier,
        _ => false,
    };
    let onsave = {
        let on_save = props.on_save.clone();
        let mode = mode.clone();
        let tier = draft.tier;
        Callback::from(move |_: MouseEvent| {
            if let Some(mode) = mode.clone() {
                on_save.emit((mode, tier));
            }
        })
    };

    let kind_button = |kind: ModeKind, key: Label, test: &str| {
        let chosen = draft.kind == Some(kind);
        html! {
            <button type="button" class={classes!("choice", chosen.then_some("chosen"))}
                aria-pressed={chosen.to_string()} {disabled}
                data-testid={format!("item-{id}-order-{test}")} onclick={choose_kind(kind)}>
                { locale.t(key) }
            </button>
        }
    };
    let tier_buttons = TIERS.iter().map(|&tier| {
        let chosen = draft.tier == tier;
        html! {
            <button type="button" class={classes!("choice", chosen.then_some("chosen"))}
                aria-pressed={chosen.to_string()} {disabled}
                data-testid={format!("item-{id}-tier-{}", tier.as_str())} onclick={choose_tier(tier)}>
                { locale.tier(tier) }
            </button>
        }
    });

    html! {
        <fieldset class="rectification" data-testid={format!("item-{id}-rectification")}>
            <legend>{ locale.t(Label::Rectification) }</legend>
            <div class="choices">
                { kind_button(ModeKind::OnSpot, Label::OnSpot, "onspot") }
                { kind_button(ModeKind::Deadline, Label::Deadline, "deadline") }
            </div>
            if draft.kind == Some(ModeKind::OnSpot) {
                <label class="field">
                    <span>{ locale.t(Label::Measure) }</span>
                    <textarea rows="2" maxlength="500" value={draft.measure.clone()} {disabled}
                        placeholder={locale.t(Label::MeasurePlaceholder)}
                        data-testid={format!("item-{id}-measure")}
                        oninput={edit_input(|d, v| d.measure = v)} />
                </label>
            }
            if draft.kind == Some(ModeKind::Deadline) {
                <label class="field">
                    <span>{ locale.t(Label::DueDate) }</span>
                    <input type="date" min={web::today_iso()} value={draft.due.clone()} {disabled}
                        data-testid={format!("item-{id}-due")}
                        oninput={edit_input(|d, v| d.due = v)}
                        onchange={edit(|d, v| d.due = v)} />
                </label>
                <label class="field">
                    <span>{ locale.t(Label::Requirement) }</span>
                    <textarea rows="2" maxlength="500" value={draft.requirement.clone()} {disabled}
                        placeholder={locale.t(Label::RequirementPlaceholder)}
                        data-testid={format!("item-{id}-requirement")}
                        oninput={edit_input(|d, v| d.requirement = v)} />
                </label>
            }
            <div class="field">
                <span>{ locale.t(Label::TierHeading) }</span>
                <div class="choices choices-3 tiers">{ for tier_buttons }</div>
            </div>
            if !props.read_only {
                <div class="row-actions">
                    <button type="button" class={classes!("btn", "btn-primary", saved.then_some("saved"))}
                        disabled={disabled || mode.is_none() || saved}
                        data-testid={format!("item-{id}-order-save")} onclick={onsave}>
                        { if saved { locale.t(Label::OrderSaved) } else { locale.t(Label::SaveOrder) } }
                    </button>
                    if mode.is_none() && draft.kind.is_some() {
                        <span class="hint">{ locale.t(Label::OrderIncomplete) }</span>
                    }
                </div>
            }
        </fieldset>
    }
}
