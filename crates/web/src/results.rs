//! The results pane: one card per evaluated event with the final rule,
//! level badge and description, and on demand the pre-decoding, decoded
//! fields, rule details, the alert JSON and the explain tree. A panel above
//! the cards answers "why not rule N?" for the selected event. All text is
//! rendered as text.

use crate::engine::{EventView, Replay, RunOutput};
use rulelab_core::explain::{Line, Mark};
use std::rc::Rc;
use yew::prelude::*;

/// CSS class of a level badge: grey (0), low, medium, high, critical.
pub fn level_class(level: u32) -> &'static str {
    match level {
        0 => "lvl-none",
        1..=3 => "lvl-low",
        4..=7 => "lvl-medium",
        8..=11 => "lvl-high",
        _ => "lvl-critical",
    }
}

fn row(key: &str, value: &str) -> Html {
    html! { <tr><th scope="row">{ key.to_string() }</th><td>{ value.to_string() }</td></tr> }
}

/// An explain tree (core's [`Line`]s): one row per line, indented by depth
/// and marked like the CLI's text (✓ pass, ✗ fail, … folded). In a line
/// about a rule, its `rule N` is a button asking "why not" that rule, when
/// `why_not` is given.
pub fn tree(lines: &[Line], why_not: Option<&Callback<u32>>) -> Html {
    let row = |l: &Line| {
        let (class, mark) = match l.mark {
            Mark::Info => ("info", ""),
            Mark::Pass => ("pass", "✓ "),
            Mark::Fail => ("fail", "✗ "),
            Mark::Folded => ("folded", "… "),
        };
        let style = format!("padding-left: {:.1}em", 1.3 + 1.2 * l.depth.min(40) as f64);
        let link = l.rule.zip(why_not).and_then(|(id, cb)| {
            let label = format!("rule {id}");
            let at = l.text.find(&label)?;
            Some((id, cb.clone(), label, at))
        });
        let text = match link {
            Some((id, cb, label, at)) => html! {
                <>
                    { l.text[..at].to_string() }
                    <button class="link" title={format!("why not rule {id} for this event?")}
                        onclick={Callback::from(move |_: MouseEvent| cb.emit(id))}>{ label.clone() }</button>
                    { l.text[at + label.len()..].to_string() }
                </>
            },
            None => html! { { l.text.clone() } },
        };
        html! {
            <li class={classes!(class, (l.depth == 0).then_some("head"))} {style}>
                <span class="mark" aria-hidden="true">{ mark }</span>{ text }
            </li>
        }
    };
    html! { <ul class="tree">{ for lines.iter().map(row) }</ul> }
}

#[derive(Properties, PartialEq)]
pub struct CardProps {
    pub index: usize,
    pub event: EventView,
    /// What the run evaluated, to explain this event on demand.
    pub replay: Rc<Replay>,
    /// Whether this is the selected event (the one "why not" asks about).
    pub selected: bool,
    pub on_select: Callback<usize>,
    /// Asks "why not rule N?" for this event.
    pub on_why_not: Callback<(usize, u32)>,
}

#[function_component(EventCard)]
pub fn event_card(p: &CardProps) -> Html {
    let explain_open = use_state(|| false);
    // Replayed only while open, and again after each run.
    let explained = use_memo(
        (p.replay.clone(), p.index, *explain_open),
        |(replay, index, open)| open.then(|| replay.tree(*index)),
    );
    let v = &p.event.verdict;
    let pre = &v.predecoded;
    let head = match &v.rule {
        Some(r) => html! {
            <>
                <span class={classes!("badge", level_class(r.level))} title="rule level">{ r.level }</span>
                <span class="rule-id">{ format!("rule {}", r.id) }</span>
                <span class="desc">{ r.description.clone() }</span>
                if v.alert { <span class="alert-flag" title="Wazuh would raise an alert">{ "alert" }</span> }
            </>
        },
        None => html! {
            <>
                <span class={classes!("badge", "lvl-none")}>{ "–" }</span>
                <span class="desc muted">{ if v.decoder.is_some() { "decoded, no rule matched" } else { "no decoder and no rule matched" } }</span>
            </>
        },
    };
    let decoder = match &v.decoder {
        Some(d) => html! {
            <table class="kv">
                { row("decoder", &d.top_name) }
                if let Some(parent) = &d.parent { { row("parent", parent) } }
                if d.name != d.top_name { { row("decoded_as name", &d.name) } }
                { for v.fields.iter().map(|(k, val)| row(k, val)) }
            </table>
        },
        None => html! { <p class="muted">{ "No decoder matched." }</p> },
    };
    let rule = v.rule.as_ref().map(|r| {
        html! {
            <table class="kv">
                { row("id", &r.id.to_string()) }
                { row("level", &r.level.to_string()) }
                { row("description", &r.description) }
                { row("groups", &r.groups.join(", ")) }
                if !r.mitre_ids.is_empty() { { row("mitre", &r.mitre_ids.join(", ")) } }
                { for r.compliance.iter().map(|(k, vals)| row(k, &vals.join(", "))) }
                { row("firedtimes", &r.firedtimes.to_string()) }
                if let Some(f) = r.frequency { { row("frequency", &f.to_string()) } }
                { row("alert", if v.alert { "yes" } else { "no" }) }
            </table>
        }
    });
    let index = p.index;
    let on_select = {
        let cb = p.on_select.clone();
        Callback::from(move |_: MouseEvent| cb.emit(index))
    };
    let on_explain = {
        let open = explain_open.clone();
        Callback::from(move |e: MouseEvent| {
            // The state drives the element's `open`, not the browser.
            e.prevent_default();
            open.set(!*open);
        })
    };
    let why_not = {
        let cb = p.on_why_not.clone();
        Callback::from(move |id: u32| cb.emit((index, id)))
    };
    let explain = match &*explained {
        None => html! {},
        Some(Some(lines)) => tree(lines, Some(&why_not)),
        Some(None) => {
            html! { <p class="muted">{ "Nothing to explain: the ruleset does not load." }</p> }
        }
    };
    html! {
        <article class={classes!("event", p.selected.then_some("selected"))} data-line={p.event.line.to_string()}
            aria-current={p.selected.then_some("true")} onclick={on_select}>
            <header>
                <span class="event-no" title={format!("events line {}", p.event.line)}>{ format!("#{}", p.index + 1) }</span>
                { head }
            </header>
            <details>
                <summary>{ "details" }</summary>
                <h4>{ "Phase 1: pre-decoding" }</h4>
                <table class="kv">
                    { row("full event", &pre.full_log) }
                    { row("timestamp", pre.timestamp.as_deref().unwrap_or("(none)")) }
                    { row("hostname", &pre.hostname) }
                    { row("program_name", pre.program_name.as_deref().unwrap_or("(none)")) }
                    { row("log", &pre.log) }
                    { row("location", &pre.location) }
                </table>
                <h4>{ "Phase 2: decoding" }</h4>
                { decoder }
                if let Some(rule) = rule {
                    <h4>{ "Phase 3: rule" }</h4>
                    { rule }
                }
                <details class="alert-json">
                    <summary>{ "alert JSON" }</summary>
                    <pre>{ p.event.alert_json.clone() }</pre>
                </details>
            </details>
            <details class="explain" open={*explain_open}>
                <summary onclick={on_explain} title="what the engine tried, and why each step passed or failed">{ "explain" }</summary>
                { explain }
            </details>
        </article>
    }
}

#[derive(Properties, PartialEq)]
pub struct ResultsProps {
    pub output: Rc<RunOutput>,
    pub replay: Rc<Replay>,
    /// Milliseconds the ruleset load took (it is kept while only events change).
    pub load_ms: f64,
    /// Milliseconds the evaluation of the events took.
    pub run_ms: f64,
    /// The selected event (the first when out of range).
    pub selected: usize,
    pub on_select: Callback<usize>,
    /// The rule "why not" asks about, if any.
    pub why_not: Option<u32>,
    /// Asks "why not" a rule for an event (selecting it), or closes the panel.
    pub on_why_not: Callback<Option<(usize, u32)>>,
}

#[derive(Properties, PartialEq)]
struct WhyNotProps {
    replay: Rc<Replay>,
    /// The selected event, if there is one.
    event: Option<usize>,
    rule: u32,
    on_why_not: Callback<Option<(usize, u32)>>,
}

/// "Why not rule N?" for the selected event, with a close button.
#[function_component(WhyNotPanel)]
fn why_not_panel(p: &WhyNotProps) -> Html {
    let lines = use_memo(
        (p.replay.clone(), p.event, p.rule),
        |(replay, event, rule)| event.and_then(|i| replay.why_not(i, *rule)),
    );
    let close = {
        let cb = p.on_why_not.clone();
        Callback::from(move |_: MouseEvent| cb.emit(None))
    };
    let body = match (p.event, &*lines) {
        (None, _) => {
            html! { <p class="muted">{ "There is no event to ask about: add events below." }</p> }
        }
        (Some(_), None) => html! { <p class="muted">{ "The ruleset does not load." }</p> },
        (Some(i), Some(lines)) => {
            let cb = p.on_why_not.clone();
            tree(
                lines,
                Some(&Callback::from(move |id| cb.emit(Some((i, id))))),
            )
        }
    };
    let title = match p.event {
        Some(i) => format!("why not rule {}? event #{}", p.rule, i + 1),
        None => format!("why not rule {}?", p.rule),
    };
    html! {
        <section id="why-not" class="why-not" aria-label={format!("why not rule {}", p.rule)}>
            <header>
                <h3>{ title }</h3>
                <button class="small" aria-label="close" title="close" onclick={close}>{ "×" }</button>
            </header>
            { body }
        </section>
    }
}

#[function_component(Results)]
pub fn results(p: &ResultsProps) -> Html {
    let out = &p.output;
    let selected = if p.selected < out.events.len() {
        p.selected
    } else {
        0
    };
    let alerts = out.events.iter().filter(|e| e.verdict.alert).count();
    let summary = if out.loaded {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{} · {} · {} rules, {} decoders · load {:.0} ms, run {:.0} ms",
            plural(out.events.len(), "event", "events"),
            plural(alerts, "alert", "alerts"),
            out.rule_count,
            out.decoder_count,
            p.load_ms,
            p.run_ms
        )
    } else {
        "The ruleset does not load: fix the errors on the left (Wazuh would refuse it too)."
            .to_string()
    };
    html! {
        <section class="results" aria-label="results" aria-live="polite">
            <p id="summary" class="summary">{ summary }</p>
            if out.skipped > 0 {
                <p class="warning">{ format!("{} more events were not evaluated (at most {} per run).", out.skipped, crate::engine::MAX_EVENTS) }</p>
            }
            if let Some(rule) = p.why_not {
                <WhyNotPanel replay={p.replay.clone()} event={(!out.events.is_empty()).then_some(selected)}
                    {rule} on_why_not={p.on_why_not.clone()} />
            }
            { for out.events.iter().enumerate().map(|(i, e)| {
                let on_why_not = p.on_why_not.clone();
                html! { <EventCard key={i} index={i} event={e.clone()} replay={p.replay.clone()}
                    selected={i == selected} on_select={p.on_select.clone()}
                    on_why_not={Callback::from(move |x| on_why_not.emit(Some(x)))} /> }
            }) }
        </section>
    }
}
