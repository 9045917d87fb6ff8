//! 同步: what waits to upload, the progress of a running sync, the last success and the last error.
//!
//! The sync status and the `sync-progress` events are app-wide, because the header and the bottom
//! bar show them too, so they come in as props. This screen owns only its "立即同步" request.

use std::rc::Rc;

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::offline_indicator::OfflineIndicator;
use crate::components::progress_bar::ProgressBar;
use crate::i18n::{Label, Locale, use_locale};
use crate::services::{self, ServiceError, SyncPhase, SyncProgress, SyncReport, SyncStatusView};
use crate::web;

/// State of the sync screen's own request.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct SyncScreenState {
    busy: bool,
    report: Option<SyncReport>,
    error: Option<ServiceError>,
}

pub(crate) enum SyncScreenAction {
    Started,
    Finished(Result<SyncReport, ServiceError>),
}

impl Reducible for SyncScreenState {
    type Action = SyncScreenAction;

    fn reduce(self: Rc<Self>, action: SyncScreenAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            SyncScreenAction::Started => {
                next.busy = true;
                next.error = None;
            }
            SyncScreenAction::Finished(result) => {
                next.busy = false;
                match result {
                    Ok(report) => {
                        next.report = Some(report);
                        next.error = None;
                    }
                    Err(error) => next.error = Some(error),
                }
            }
        }
        Rc::new(next)
    }
}

fn phase_label(locale: Locale, phase: SyncPhase) -> &'static str {
    locale.t(match phase {
        SyncPhase::Documents => Label::PhaseDocuments,
        SyncPhase::Photos => Label::PhasePhotos,
        SyncPhase::Done => Label::PhaseDone,
        SyncPhase::Error => Label::PhaseError,
    })
}

#[derive(Properties, PartialEq)]
pub(crate) struct SyncScreenProps {
    pub(crate) status: Option<SyncStatusView>,
    pub(crate) progress: Option<SyncProgress>,
    pub(crate) online: bool,
    /// Called after a sync this screen started: `None` on success, the error code otherwise.
    pub(crate) on_synced: Callback<Option<String>>,
    pub(crate) on_refresh: Callback<()>,
}

#[function_component(SyncScreen)]
pub(crate) fn sync_screen(props: &SyncScreenProps) -> Html {
    let locale = use_locale();
    let state = use_reducer(SyncScreenState::default);
    {
        let on_refresh = props.on_refresh.clone();
        use_effect_with((), move |_| on_refresh.emit(()));
    }
    let on_sync = {
        let (dispatcher, on_synced) = (state.dispatcher(), props.on_synced.clone());
        Callback::from(move |_: MouseEvent| {
            dispatcher.dispatch(SyncScreenAction::Started);
            let (dispatcher, on_synced) = (dispatcher.clone(), on_synced.clone());
            spawn_local(async move {
                let result = services::sync_now().await;
                on_synced.emit(result.as_ref().err().map(|e| e.code.clone()));
                dispatcher.dispatch(SyncScreenAction::Finished(result));
            });
        })
    };

    let status = props.status.as_ref().map(|s| &s.status);
    let syncing = state.busy || props.status.as_ref().is_some_and(|s| s.syncing);
    let count = |value: Option<usize>| value.map_or_else(|| "–".to_owned(), |v| v.to_string());
    let last_success = status
        .and_then(|s| s.last_success_ms)
        .map_or_else(|| locale.t(Label::Never).to_owned(), web::format_local_datetime);
    let last_error = state
        .error
        .as_ref()
        .map(|e| e.message.clone())
        .or_else(|| status.and_then(|s| s.last_error.clone()));

    let progress = props.progress.as_ref().map(|progress| {
        let running = matches!(progress.phase, SyncPhase::Documents | SyncPhase::Photos);
        html! {
            <div class="stack-tight" data-testid="sync-progress-box" data-phase={format!("{:?}", progress.phase).to_lowercase()}>
                <div class="row-between">
                    <span>{ phase_label(locale, progress.phase) }</span>
                    if running {
                        <span class="muted">{ locale.progress_count(progress.done, progress.total) }</span>
                    }
                </div>
                <ProgressBar done={if running { progress.done } else { progress.total }} total={progress.total.max(1)}
                    label={phase_label(locale, progress.phase)} test_id={AttrValue::from("sync-progress")} />
                if let Some(message) = progress.message.as_ref().filter(|_| progress.phase == SyncPhase::Error) {
                    <p class="error">{ message }</p>
                }
            </div>
        }
    });
    let rejected = status.filter(|s| !s.rejected.is_empty()).map(|s| {
        html! {
            <div class="card card-warn stack-tight" data-testid="sync-rejected">
                <strong>{ locale.t(Label::RejectedDocs) }</strong>
                <ul>
                    { for s.rejected.iter().map(|r| html! {
                        <li>{ &r.message }{ " (" }{ &r.code }{ ")" }</li>
                    }) }
                </ul>
            </div>
        }
    });
    let skew = status.filter(|s| s.skew_flagged).and_then(|s| s.skew_ms).map(
        |skew| html! { <p class="banner banner-warn" data-testid="sync-skew">{ locale.skew(skew) }</p> },
    );

    html! {
        <section class="stack sync">
            <div class="row-between">
                <h1>{ locale.t(Label::SyncTitle) }</h1>
                <OfflineIndicator online={props.online} />
            </div>
            <div class="stat-grid">
                <div class="card stat">
                    <span class="stat-value" data-testid="sync-pending-docs">{ count(status.map(|s| s.pending_docs)) }</span>
                    <span class="stat-label">{ locale.t(Label::PendingDocs) }</span>
                </div>
                <div class="card stat">
                    <span class="stat-value" data-testid="sync-pending-photos">{ count(status.map(|s| s.pending_photos)) }</span>
                    <span class="stat-label">{ locale.t(Label::PendingPhotos) }</span>
                </div>
            </div>
            { for progress }
            <dl class="card facts">
                <dt>{ locale.t(Label::LastSuccess) }</dt>
                <dd data-testid="sync-last-success">{ last_success }</dd>
                if let Some(error) = &last_error {
                    <dt>{ locale.t(Label::LastError) }</dt>
                    <dd class="error" data-testid="sync-last-error">{ error }</dd>
                }
            </dl>
            { for skew }
            { for rejected }
            if let Some(report) = &state.report {
                <p class="banner banner-ok" data-testid="sync-report">
                    { locale.sync_report(report.pushed_docs, report.photos_uploaded) }
                </p>
            }
            <button type="button" class="btn btn-primary btn-block" data-testid="sync-now"
                disabled={syncing} onclick={on_sync}>
                { if syncing { locale.t(Label::Syncing) } else { locale.t(Label::SyncNow) } }
            </button>
            <p class="muted small">{ locale.t(Label::AutoSyncNote) }</p>
        </section>
    }
}
