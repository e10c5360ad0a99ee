//! The results pane: one card per evaluated event with the final rule,
//! level badge and description, and on demand the pre-decoding, decoded
//! fields, rule details and the alert JSON. All text is rendered as text.

use crate::engine::{EventView, RunOutput};
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

#[derive(Properties, PartialEq)]
pub struct CardProps {
    pub index: usize,
    pub event: EventView,
}

#[function_component(EventCard)]
pub fn event_card(p: &CardProps) -> Html {
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
    html! {
        <article class="event" data-line={p.event.line.to_string()}>
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
        </article>
    }
}

#[derive(Properties, PartialEq)]
pub struct ResultsProps {
    pub output: std::rc::Rc<RunOutput>,
    /// Milliseconds the ruleset load took (it is kept while only events change).
    pub load_ms: f64,
    /// Milliseconds the evaluation of the events took.
    pub run_ms: f64,
}

#[function_component(Results)]
pub fn results(p: &ResultsProps) -> Html {
    let out = &p.output;
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
            { for out.events.iter().enumerate().map(|(i, e)| html! { <EventCard key={i} index={i} event={e.clone()} /> }) }
        </section>
    }
}
