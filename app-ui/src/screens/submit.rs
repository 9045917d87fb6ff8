//! 提交: the last check before sealing a record, a two-tap confirmation, and the sealed result.
//!
//! The submit button stays disabled while the device's preview lists problems; the shell checks
//! again on `inspection_submit` and rejects with `not_ready` if anything changed meanwhile.

use std::rc::Rc;

use foodpatrol_shared::ids::InspectionId;
use foodpatrol_shared::outcome::Evaluation;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::app::Screen;
use crate::components::outcome_badge::OutcomeBadge;
use crate::components::problem_list::ProblemList;
use crate::i18n::{Label, use_locale};
use crate::services::{self, InspectionView};

/// State of the submit screen.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct SubmitState {
    view: Option<Rc<InspectionView>>,
    /// The first tap happened; the confirm button is showing.
    confirming: bool,
    busy: bool,
    error: Option<String>,
    /// The outcome the device sealed, once submitted.
    sealed: Option<Evaluation>,
}

pub(crate) enum SubmitAction {
    Loaded(Box<InspectionView>),
    Confirm,
    Cancel,
    Submitting,
    Submitted(Evaluation),
    Failed(String),
}

impl Reducible for SubmitState {
    type Action = SubmitAction;

    fn reduce(self: Rc<Self>, action: SubmitAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            SubmitAction::Loaded(view) => {
                if view.inspection.submission.is_some() {
                    next.sealed = Some(view.preview.evaluation.clone());
                }
                next.view = Some(Rc::new(*view));
            }
            SubmitAction::Confirm => {
                next.confirming = true;
                next.error = None;
            }
            SubmitAction::Cancel => next.confirming = false,
            SubmitAction::Submitting => next.busy = true,
            SubmitAction::Submitted(evaluation) => {
                next.busy = false;
                next.confirming = false;
                next.sealed = Some(evaluation);
            }
            SubmitAction::Failed(message) => {
                next.busy = false;
                next.confirming = false;
                next.error = Some(message);
            }
        }
        Rc::new(next)
    }
}

fn load(id: InspectionId, dispatcher: UseReducerDispatcher<SubmitState>) {
    spawn_local(async move {
        match services::inspection_get(id).await {
            Ok(view) => dispatcher.dispatch(SubmitAction::Loaded(Box::new(view))),
            Err(error) => dispatcher.dispatch(SubmitAction::Failed(error.message)),
        }
    });
}

#[derive(Properties, PartialEq)]
pub(crate) struct SubmitScreenProps {
    pub(crate) id: InspectionId,
    pub(crate) on_navigate: Callback<Screen>,
}

#[function_component(SubmitScreen)]
pub(crate) fn submit_screen(props: &SubmitScreenProps) -> Html {
    let locale = use_locale();
    let state = use_reducer(SubmitState::default);
    let id = props.id;
    {
        let dispatcher = state.dispatcher();
        use_effect_with(id, move |&id| load(id, dispatcher));
    }
    let go = |screen: Screen| {
        let on_navigate = props.on_navigate.clone();
        Callback::from(move |_: MouseEvent| on_navigate.emit(screen.clone()))
    };
    let on_first_tap = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(SubmitAction::Confirm))
    };
    let on_cancel = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(SubmitAction::Cancel))
    };
    let on_confirm = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            dispatcher.dispatch(SubmitAction::Submitting);
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                match services::submit(id).await {
                    Ok(evaluation) => dispatcher.dispatch(SubmitAction::Submitted(evaluation)),
                    Err(error) => {
                        dispatcher.dispatch(SubmitAction::Failed(error.message));
                        // The record may have changed on another device: show its current problems.
                        load(id, dispatcher);
                    }
                }
            });
        })
    };

    let back = html! {
        <button type="button" class="btn btn-ghost back" data-testid="submit-back"
            onclick={go(Screen::Signature(id))}>{ "← " }{ locale.t(Label::Back) }</button>
    };
    let error = state.error.as_ref().map(|error| {
        html! {
            <p class="error" role="alert" data-testid="submit-error">{ error }</p>
        }
    });
    let Some(view) = &state.view else {
        return html! {
            <section class="stack">
                { back }
                { for error }
                if state.error.is_none() {
                    <p class="loading">{ locale.t(Label::Loading) }</p>
                }
            </section>
        };
    };

    if let Some(evaluation) = &state.sealed {
        return html! {
            <section class="stack submit" data-testid="submit-done">
                <h1>{ locale.t(Label::Submitted) }</h1>
                <p class="muted">{ &view.shop.name }</p>
                <div class="card stack">
                    <div class="outcome-line">
                        <span>{ locale.t(Label::Outcome) }</span>
                        <OutcomeBadge outcome={evaluation.outcome} />
                    </div>
                    <p class="reason" data-testid="outcome-reason">{ evaluation.reason_zh() }</p>
                    <p><strong>{ locale.t(Label::Consequence) }{ locale.colon() }</strong>{ &evaluation.consequence_zh }</p>
                </div>
                <div class="banner banner-ok" data-testid="sealed-notice">{ locale.t(Label::Sealed) }</div>
                <div class="button-column">
                    <button type="button" class="btn btn-secondary btn-block" data-testid="view-record"
                        onclick={go(Screen::Inspection(id))}>{ locale.t(Label::ViewRecord) }</button>
                    <button type="button" class="btn btn-secondary btn-block" data-testid="go-sync"
                        onclick={go(Screen::Sync)}>{ locale.t(Label::GoSync) }</button>
                    <button type="button" class="btn btn-primary btn-block" data-testid="go-home"
                        onclick={go(Screen::Home)}>{ locale.t(Label::BackToTasks) }</button>
                </div>
            </section>
        };
    }

    let preview = &view.preview;
    let blocked = !preview.problems.is_empty();
    html! {
        <section class="stack submit">
            { back }
            <h1>{ locale.t(Label::SubmitTitle) }</h1>
            <p class="muted">{ &view.shop.name }</p>
            <div class="card stack">
                <div class="outcome-line">
                    <span>{ locale.t(Label::Outcome) }</span>
                    <OutcomeBadge outcome={preview.evaluation.outcome} />
                    <span class="muted">{ locale.answered(preview.answered, preview.total) }</span>
                </div>
                <p class="reason" data-testid="outcome-reason">{ &preview.reason_zh }</p>
                <p><strong>{ locale.t(Label::Consequence) }{ locale.colon() }</strong>{ &preview.evaluation.consequence_zh }</p>
            </div>
            if blocked {
                <div class="card card-warn stack">
                    <strong>{ locale.t(Label::ProblemsTitle) }</strong>
                    <ProblemList problems={preview.problems.clone()} />
                    <button type="button" class="btn btn-secondary" data-testid="back-to-checklist"
                        onclick={go(Screen::Inspection(id))}>{ locale.t(Label::Back) }</button>
                </div>
            }
            <p class="muted">{ locale.t(Label::SubmitIntro) }</p>
            { for error }
            if state.confirming {
                <div class="button-row">
                    <button type="button" class="btn btn-secondary" data-testid="submit-cancel"
                        disabled={state.busy} onclick={on_cancel}>{ locale.t(Label::Cancel) }</button>
                    <button type="button" class="btn btn-danger" data-testid="submit-confirm"
                        disabled={state.busy} onclick={on_confirm}>
                        { if state.busy { locale.t(Label::Saving) } else { locale.t(Label::ConfirmSubmit) } }
                    </button>
                </div>
            } else {
                <button type="button" class="btn btn-primary btn-block" data-testid="submit-button"
                    disabled={blocked} onclick={on_first_tap}>{ locale.t(Label::Submit) }</button>
            }
        </section>
    }
}
