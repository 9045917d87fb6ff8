//! A canvas the person in charge signs on with a finger, a stylus or a mouse (pointer events).
//!
//! The canvas backing store is sized to its CSS box times `devicePixelRatio`, so strokes stay sharp
//! on a phone, and it starts white so that the exported PNG has no transparent background.

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, PointerEvent};
use yew::prelude::*;

use crate::i18n::{Label, use_locale};

const INK: &str = "#111111";
const LINE_WIDTH: f64 = 2.5;

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}

/// Sizes the backing store to the element and paints it white.
fn reset(canvas: &HtmlCanvasElement) {
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).max(1.0);
    let (width, height) = (
        f64::from(canvas.client_width()),
        f64::from(canvas.client_height()),
    );
    canvas.set_width((width * ratio) as u32);
    canvas.set_height((height * ratio) as u32);
    let Some(ctx) = context(canvas) else {
        return;
    };
    let _ = ctx.scale(ratio, ratio);
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, width, height);
    ctx.set_stroke_style_str(INK);
    ctx.set_line_width(LINE_WIDTH);
    ctx.set_line_cap("round");
    ctx.set_line_join("round");
}

/// Returns the canvas content as PNG bytes.
pub(crate) fn export_png(canvas: &HtmlCanvasElement) -> Option<Vec<u8>> {
    let url = canvas.to_data_url_with_type("image/png").ok()?;
    let base64 = url.split_once(',')?.1;
    let binary = web_sys::window()?.atob(base64).ok()?;
    // `atob` returns one char per byte, each below U+0100.
    Some(binary.chars().map(|c| c as u32 as u8).collect())
}

#[derive(Properties, PartialEq)]
pub(crate) struct SignaturePadProps {
    /// The canvas, so that the screen can export it.
    pub(crate) canvas: NodeRef,
    pub(crate) disabled: bool,
    /// Called with true after the first stroke and with false after clearing.
    pub(crate) on_ink: Callback<bool>,
}

#[function_component(SignaturePad)]
pub(crate) fn signature_pad(props: &SignaturePadProps) -> Html {
    let locale = use_locale();
    // Pointer state changes on every move, so it lives outside the render state.
    let drawing = use_mut_ref(|| false);
    let inked = use_mut_ref(|| false);
    {
        let canvas = props.canvas.clone();
        use_effect_with((), move |_| {
            if let Some(canvas) = canvas.cast::<HtmlCanvasElement>() {
                reset(&canvas);
            }
        });
    }

    let onpointerdown = {
        let (canvas, drawing, inked) = (props.canvas.clone(), drawing.clone(), inked.clone());
        let (on_ink, disabled) = (props.on_ink.clone(), props.disabled);
        Callback::from(move |event: PointerEvent| {
            let Some(canvas) = canvas.cast::<HtmlCanvasElement>().filter(|_| !disabled) else {
                return;
            };
            event.prevent_default();
            let _ = canvas.set_pointer_capture(event.pointer_id());
            if let Some(ctx) = context(&canvas) {
                let (x, y) = (f64::from(event.offset_x()), f64::from(event.offset_y()));
                ctx.begin_path();
                ctx.move_to(x, y);
                // A dot for a tap without movement.
                ctx.line_to(x + 0.1, y + 0.1);
                ctx.stroke();
            }
            *drawing.borrow_mut() = true;
            if !std::mem::replace(&mut *inked.borrow_mut(), true) {
                on_ink.emit(true);
            }
        })
    };
    let onpointermove = {
        let (canvas, drawing) = (props.canvas.clone(), drawing.clone());
        Callback::from(move |event: PointerEvent| {
            if !*drawing.borrow() {
                return;
            }
            event.prevent_default();
            if let Some(ctx) = canvas.cast::<HtmlCanvasElement>().as_ref().and_then(context) {
                ctx.line_to(f64::from(event.offset_x()), f64::from(event.offset_y()));
                ctx.stroke();
            }
        })
    };
    let onpointerup = Callback::from(move |_: PointerEvent| *drawing.borrow_mut() = false);
    let onclear = {
        let (canvas, on_ink) = (props.canvas.clone(), props.on_ink.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(canvas) = canvas.cast::<HtmlCanvasElement>() {
                reset(&canvas);
            }
            *inked.borrow_mut() = false;
            on_ink.emit(false);
        })
    };

    html! {
        <div class="signature-pad">
            <canvas ref={props.canvas.clone()} class="signature-canvas" data-testid="signature-canvas"
                aria-label={locale.t(Label::SignHere)}
                onpointerdown={onpointerdown} onpointermove={onpointermove}
                onpointerup={onpointerup.clone()} onpointercancel={onpointerup} />
            <button type="button" class="btn btn-secondary" disabled={props.disabled}
                data-testid="signature-clear" onclick={onclear}>
                { locale.t(Label::ClearSignature) }
            </button>
        </div>
    }
}
