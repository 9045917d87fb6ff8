//! Evidence photos of one failed item: a camera button and thumbnails, each with a delete button.

use web_sys::File;
use yew::prelude::*;

use crate::i18n::{Label, use_locale};
use crate::services;
use crate::web;

#[derive(Properties, PartialEq)]
pub(crate) struct PhotoStripProps {
    pub(crate) item_id: AttrValue,
    /// Content addresses of the attached photos.
    pub(crate) photos: Vec<String>,
    pub(crate) read_only: bool,
    /// True while a photo is being stored.
    pub(crate) busy: bool,
    pub(crate) on_add: Callback<Vec<File>>,
    pub(crate) on_remove: Callback<String>,
}

#[function_component(PhotoStrip)]
pub(crate) fn photo_strip(props: &PhotoStripProps) -> Html {
    let locale = use_locale();
    let onchange = {
        let on_add = props.on_add.clone();
        Callback::from(move |event: Event| {
            let files = web::take_files(&event);
            if !files.is_empty() {
                on_add.emit(files);
            }
        })
    };
    let thumbs = props.photos.iter().map(|hash| {
        let onclick = {
            let on_remove = props.on_remove.clone();
            let hash = hash.clone();
            Callback::from(move |_: MouseEvent| on_remove.emit(hash.clone()))
        };
        let short = &hash[..hash.len().min(12)];
        html! {
            <figure class="thumb" key={hash.clone()}>
                <img src={services::photo_url("thumb", hash)} alt={short.to_owned()} loading="lazy"
                    data-testid={format!("item-{}-photo-{}", props.item_id, hash)} />
                if !props.read_only {
                    <button type="button" class="thumb-remove" {onclick}
                        aria-label={locale.t(Label::RemovePhoto)}
                        data-testid={format!("item-{}-photo-remove-{}", props.item_id, hash)}>
                        { "×" }
                    </button>
                }
            </figure>
        }
    });
    html! {
        <div class="photos">
            if !props.read_only {
                <label class={classes!("btn", "btn-secondary", "file-button", props.busy.then_some("busy"))}>
                    <span>{ if props.busy { locale.t(Label::Saving) } else { locale.t(Label::TakePhoto) } }</span>
                    <input type="file" accept="image/*" capture="environment" multiple=true
                        class="file-input" disabled={props.busy}
                        data-testid={format!("item-{}-photo-input", props.item_id)}
                        {onchange} />
                </label>
            }
            <div class="thumbs">{ for thumbs }</div>
            if props.photos.is_empty() && !props.read_only {
                <p class="hint hint-warn">{ locale.t(Label::PhotoRequired) }</p>
            }
        </div>
    }
}
