//! FoodPatrol inspector UI. The full screens come with the Tauri shell; this entry point renders the
//! title so that the wasm build and the template data are checked in CI.

use foodpatrol_shared::rules::RuleBook;
use yew::prelude::*;

#[function_component(App)]
fn app() -> Html {
    let book = RuleBook::builtin();
    let templates: Vec<Html> = book
        .templates()
        .map(|t| html! { <li>{ format!("{}（{} 项，重点项 {} 项）", t.title, t.items.len(), t.key_item_count()) }</li> })
        .collect();
    html! {
        <main>
            <h1>{ "食安巡查 FoodPatrol" }</h1>
            <ul>{ for templates }</ul>
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
