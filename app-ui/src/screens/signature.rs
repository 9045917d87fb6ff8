//! 签字: the person in charge of the shop signs the record on the canvas, or refuses to sign and the
//! reason and a witness are recorded instead (拒签).
//!
//! The signature goes to `inspection_sign` as PNG bytes with the signer's name in a percent-encoded
//! header; a refusal goes to `inspection_refuse`. Either one replaces an earlier signature.

use std::rc::Rc;

use foodpatrol_shared::ids::InspectionId;
use foodpatrol_shared::inspection::Signature;
use web_sys::HtmlCanvasElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::app::Screen;
use crate::components::signature_pad::{SignaturePad, export_png};
use crate::i18n::{Label, use_locale};
use crate::services::{self, InspectionView, ServiceError};
use crate::web;

/// State of the signature screen.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct SignatureState {
    shop_name: Option<String>,
    sealed: bool,
    /// The record's signature as stored.
    signature: Option<Signature>,
    has_ink: bool,
    signer_name: String,
    refusing: bool,
    reason: String,
    witness: String,
    busy: bool,
    error: Option<String>,
}

pub(crate) enum SignatureAction {
    Loaded(Box<InspectionView>),
    Ink(bool),
    SignerName(String),
    ToggleRefusal,
    Reason(String),
    Witness(String),
    Saving,
    Saved(Signature),
    Failed(String),
}

impl Reducible for SignatureState {
    type Action = SignatureAction;

    fn reduce(self: Rc<Self>, action: SignatureAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            SignatureAction::Loaded(view) => {
                next.shop_name = Some(view.shop.name);
                next.sealed = view.inspection.submission.is_some();
                next.refusing = matches!(view.inspection.signature, Some(Signature::Refused { .. }));
                next.signature = view.inspection.signature;
            }
            SignatureAction::Ink(has_ink) => next.has_ink = has_ink,
            SignatureAction::SignerName(name) => next.signer_name = name,
            SignatureAction::ToggleRefusal => {
                next.refusing = !next.refusing;
                next.error = None;
            }
            SignatureAction::Reason(reason) => next.reason = reason,
            SignatureAction::Witness(witness) => next.witness = witness,
            SignatureAction::Saving => {
                next.busy = true;
                next.error = None;
            }
            SignatureAction::Saved(signature) => {
                next.busy = false;
                next.signature = Some(signature);
            }
            SignatureAction::Failed(message) => {
                next.busy = false;
                next.error = Some(message);
            }
        }
        Rc::new(next)
    }
}

fn report(dispatcher: &UseReducerDispatcher<SignatureState>, error: ServiceError) {
    dispatcher.dispatch(SignatureAction::Failed(error.message));
}

#[derive(Properties, PartialEq)]
pub(crate) struct SignatureScreenProps {
    pub(crate) id: InspectionId,
    pub(crate) on_navigate: Callback<Screen>,
}

#[function_component(SignatureScreen)]
pub(crate) fn signature_screen(props: &SignatureScreenProps) -> Html {
    let locale = use_locale();
    let state = use_reducer(SignatureState::default);
    let canvas = use_node_ref();
    let id = props.id;
    {
        let dispatcher = state.dispatcher();
        use_effect_with(id, move |&id| {
            spawn_local(async move {
                match services::inspection_get(id).await {
                    Ok(view) => dispatcher.dispatch(SignatureAction::Loaded(Box::new(view))),
                    Err(error) => report(&dispatcher, error),
                }
            });
        });
    }

    let text = |action: fn(String) -> SignatureAction| {
        let dispatcher = state.dispatcher();
        Callback::from(move |event: InputEvent| dispatcher.dispatch(action(web::event_value(&event))))
    };
    let on_ink = {
        let dispatcher = state.dispatcher();
        Callback::from(move |ink: bool| dispatcher.dispatch(SignatureAction::Ink(ink)))
    };
    let on_toggle = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(SignatureAction::ToggleRefusal))
    };
    let on_sign = {
        let (state, canvas) = (state.clone(), canvas.clone());
        Callback::from(move |_: MouseEvent| {
            let dispatcher = state.dispatcher();
            if !state.has_ink {
                dispatcher.dispatch(SignatureAction::Failed(locale.t(Label::NeedInk).to_owned()));
                return;
            }
            let name = state.signer_name.trim().to_owned();
            if name.is_empty() {
                dispatcher.dispatch(SignatureAction::Failed(
                    locale.t(Label::NeedSignerName).to_owned(),
                ));
                return;
            }
            let Some(png) = canvas.cast::<HtmlCanvasElement>().as_ref().and_then(export_png) else {
                dispatcher.dispatch(SignatureAction::Failed(locale.t(Label::NeedInk).to_owned()));
                return;
            };
            dispatcher.dispatch(SignatureAction::Saving);
            spawn_local(async move {
                match services::sign(id, &name, &png).await {
                    Ok(photo) => dispatcher.dispatch(SignatureAction::Saved(Signature::Signed {
                        signer_name: name,
                        image: photo.hash,
                        at_ms: web::now_ms(),
                    })),
                    Err(error) => report(&dispatcher, error),
                }
            });
        })
    };
    let on_refuse = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let dispatcher = state.dispatcher();
            let (reason, witness) = (state.reason.trim().to_owned(), state.witness.trim().to_owned());
            if reason.is_empty() || witness.is_empty() {
                dispatcher.dispatch(SignatureAction::Failed(
                    locale.t(Label::NeedRefusalFields).to_owned(),
                ));
                return;
            }
            dispatcher.dispatch(SignatureAction::Saving);
            spawn_local(async move {
                match services::refuse(id, &reason, &witness).await {
                    Ok(()) => dispatcher.dispatch(SignatureAction::Saved(Signature::Refused {
                        reason,
                        witness,
                        at_ms: web::now_ms(),
                    })),
                    Err(error) => report(&dispatcher, error),
                }
            });
        })
    };
    let go = |screen: Screen| {
        let on_navigate = props.on_navigate.clone();
        Callback::from(move |_: MouseEvent| on_navigate.emit(screen.clone()))
    };

    let disabled = state.sealed || state.busy;
    let status = state.signature.as_ref().map(|signature| match signature {
        Signature::Signed {
            signer_name, image, ..
        } => html! {
            <div class="banner banner-ok signature-status" data-testid="signature-status" data-kind="signed">
                <span>{ locale.t(Label::Signed) }{ locale.colon() }{ signer_name }</span>
                <img class="signature-thumb" src={services::photo_url("thumb", image)} alt={signer_name.clone()} />
            </div>
        },
        Signature::Refused { reason, witness, .. } => html! {
            <div class="banner banner-warn signature-status" data-testid="signature-status" data-kind="refused">
                { locale.t(Label::Refused) }{ locale.colon() }{ reason }{ locale.separator() }{ locale.t(Label::Witness) }{ locale.colon() }{ witness }
            </div>
        },
    });

    html! {
        <section class="stack signature">
            <button type="button" class="btn btn-ghost back" data-testid="signature-back"
                onclick={go(Screen::Inspection(id))}>{ "← " }{ locale.t(Label::Back) }</button>
            <h1>{ locale.t(Label::SignatureTitle) }</h1>
            if let Some(name) = &state.shop_name {
                <p class="muted">{ name }</p>
            }
            { for status }
            if state.sealed {
                <div class="banner banner-ok" data-testid="sealed-notice">{ locale.t(Label::Sealed) }</div>
            } else if state.refusing {
                <div class="card stack">
                    <label class="field">
                        <span>{ locale.t(Label::RefuseReason) }</span>
                        <textarea rows="2" maxlength="500" value={state.reason.clone()} disabled={disabled}
                            data-testid="refuse-reason" oninput={text(SignatureAction::Reason)} />
                    </label>
                    <label class="field">
                        <span>{ locale.t(Label::Witness) }</span>
                        <input type="text" value={state.witness.clone()} disabled={disabled}
                            data-testid="refuse-witness" oninput={text(SignatureAction::Witness)} />
                    </label>
                    <button type="button" class="btn btn-primary btn-block" disabled={disabled}
                        data-testid="refuse-save" onclick={on_refuse}>{ locale.t(Label::SaveRefusal) }</button>
                </div>
            } else {
                <div class="card stack">
                    <p>{ locale.t(Label::SignHere) }</p>
                    <SignaturePad canvas={canvas.clone()} disabled={disabled} on_ink={on_ink} />
                    <label class="field">
                        <span>{ locale.t(Label::SignerName) }</span>
                        <input type="text" value={state.signer_name.clone()} disabled={disabled}
                            autocomplete="off" data-testid="signer-name" oninput={text(SignatureAction::SignerName)} />
                    </label>
                    <button type="button" class="btn btn-primary btn-block" disabled={disabled}
                        data-testid="signature-save" onclick={on_sign}>
                        { if state.busy { locale.t(Label::Saving) } else { locale.t(Label::SaveSignature) } }
                    </button>
                </div>
            }
            if let Some(error) = &state.error {
                <p class="error" role="alert" data-testid="signature-error">{ error }</p>
            }
            if !state.sealed {
                <button type="button" class="btn btn-ghost btn-block" data-testid="refuse-toggle" onclick={on_toggle}>
                    { if state.refusing { locale.t(Label::SignToggle) } else { locale.t(Label::RefuseToggle) } }
                </button>
            }
            <div class="screen-actions">
                <button type="button" class="btn btn-primary btn-block" data-testid="go-submit"
                    disabled={state.signature.is_none()} onclick={go(Screen::Submit(id))}>
                    { locale.t(Label::GoSubmit) }
                </button>
            </div>
        </section>
    }
}
