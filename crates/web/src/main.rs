//! rulelab-web: the playground. A thin Yew shell around rulelab-core: every
//! verdict comes from the same core API the CLI uses. This is the minimal
//! app of issue 2 (rules pane, events pane, results); the full playground
//! has its own issue.

use rulelab_core::render::logtest;
use rulelab_core::{defaults, predecode, Ruleset, Session, SessionOptions, Source, Sources};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// The final rule of one event: id, level, rendered description.
type RuleLine = (u32, u32, String);

/// One evaluated event: logtest text, final rule, whether it alerts.
type EventResult = (String, Option<RuleLine>, bool);

/// What one run produced: diagnostics and per-event results.
#[derive(Clone, PartialEq)]
struct RunResult {
    diagnostics: Vec<String>,
    events: Vec<EventResult>,
}

/// Loads the built-in decoders and templates plus `rules`, then evaluates
/// each line of `events` in one session.
fn run(rules: &str, events: &str) -> RunResult {
    let mut sources: Sources = defaults::falco_example();
    sources.rules = defaults::rule_sources();
    sources.rules.push(Source::new("rules.xml", rules));
    let loaded = Ruleset::load(&sources);
    let diagnostics = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    let Some(ruleset) = loaded.ruleset else {
        return RunResult {
            diagnostics,
            events: Vec::new(),
        };
    };
    let mut session = Session::new(&ruleset, SessionOptions::default());
    let mut out = Vec::new();
    for line in events.lines() {
        for event in predecode::frame_line(line) {
            let v = session.evaluate(event, "stdin");
            let rule = v
                .rule
                .as_ref()
                .map(|r| (r.id, r.level, r.description.clone()));
            out.push((logtest::render(&v), rule, v.alert));
        }
    }
    RunResult {
        diagnostics,
        events: out,
    }
}

#[function_component(App)]
fn app() -> Html {
    let rules = use_state(|| defaults::FALCO_RULES.to_string());
    let events = use_state(|| defaults::FALCO_EVENTS.to_string());
    let result = use_memo(((*rules).clone(), (*events).clone()), |(r, e)| run(r, e));

    let on_rules = {
        let rules = rules.clone();
        Callback::from(move |e: InputEvent| {
            let t: HtmlTextAreaElement = e.target_unchecked_into();
            rules.set(t.value());
        })
    };
    let on_events = {
        let events = events.clone();
        Callback::from(move |e: InputEvent| {
            let t: HtmlTextAreaElement = e.target_unchecked_into();
            events.set(t.value());
        })
    };

    html! {
        <main>
            <h1>{ "rulelab playground" }</h1>
            <p>{ "Wazuh 4.11.1 decoding and rule matching, in your browser. Nothing leaves this page." }</p>
            <section class="panes">
                <label>{ "Rules XML" }
                    <textarea id="rules" spellcheck="false" value={(*rules).clone()} oninput={on_rules} />
                </label>
                <label>{ "Events (one per line)" }
                    <textarea id="events" spellcheck="false" value={(*events).clone()} oninput={on_events} />
                </label>
            </section>
            <section id="diagnostics">
                { for result.diagnostics.iter().map(|d| html! { <pre class="diagnostic">{ d }</pre> }) }
            </section>
            <section id="results">
                { for result.events.iter().enumerate().map(|(i, (text, rule, alert))| html! {
                    <details class="event">
                        <summary>
                            { format!("#{} ", i + 1) }
                            { match rule {
                                Some((id, level, desc)) => html! {
                                    <>
                                        <span class={classes!("badge", format!("level-{level}"))}>{ format!("level {level}") }</span>
                                        { format!(" rule {id}: {desc}") }
                                        { if *alert { html! { <strong>{ " (alert)" }</strong> } } else { html! {} } }
                                    </>
                                },
                                None => html! { { "no rule matched" } },
                            } }
                        </summary>
                        <pre>{ text }</pre>
                    </details>
                }) }
            </section>
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
