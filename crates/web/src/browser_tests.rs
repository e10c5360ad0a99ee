//! Tests that run in a real browser (headless Chromium, through
//! wasm-bindgen-test-runner and ChromeDriver): the engine compiled to wasm,
//! share links, and the rendered page.
//!
//! Run with `scripts/test-web.sh` (sets the runner and ChromeDriver).

use crate::engine;
use crate::state::{self, Workspace};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn engine_in_wasm_matches_the_cli_on_the_falco_example() {
    let out = engine::run(&Workspace::default_example());
    assert!(out.loaded);
    let warning = &out.events[1].verdict;
    let rule = warning.rule.as_ref().expect("a rule");
    assert_eq!((rule.id, rule.level), (100603, 8));
    assert!(warning.alert);
}

#[wasm_bindgen_test]
fn the_wasm_bench_counts_the_alerts_of_the_falco_example() {
    let ws = Workspace::default_example();
    let expected = engine::run(&ws)
        .events
        .iter()
        .filter(|e| e.verdict.alert)
        .count();
    let events: Vec<&str> = ws.events.lines().collect();
    let sources = serde_json::to_string(&rulelab_core::defaults::falco_example()).unwrap();
    let out = crate::bench::rulelab_bench(&sources, &events.join("\n"), &ws.location).unwrap();
    let out: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(out["events"], events.len());
    assert_eq!(out["alerts"], expected);
    assert!(expected > 0);
    assert!(crate::bench::rulelab_bench("not json", "", "stdin").is_err());
}

#[wasm_bindgen_test]
fn share_fragment_round_trips_in_the_browser() {
    let ws = Workspace::from_example(rulelab_core::defaults::example("sshd").unwrap());
    let (frag, _) = state::to_fragment(&ws);
    assert_eq!(state::from_fragment(&frag).unwrap(), ws);
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Renders the app into a fresh element and waits for Yew to draw.
async fn render_app() -> web_sys::Element {
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<crate::app::App>::with_root(root.clone()).render();
    TimeoutFuture::new(50).await;
    root
}

async fn settle() {
    // Longer than the debounce.
    TimeoutFuture::new(400).await;
}

fn set_textarea(root: &web_sys::Element, id: &str, text: &str) {
    let area: web_sys::HtmlTextAreaElement = root
        .query_selector(&format!("#{id}"))
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    area.set_value(text);
    let ev = web_sys::InputEvent::new("input").unwrap();
    area.dispatch_event(&ev).unwrap();
}

#[wasm_bindgen_test]
async fn page_shows_verdicts_and_updates_as_you_type() {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    let root = render_app().await;
    let cards = root.query_selector_all("article.event").unwrap();
    assert_eq!(cards.length(), 12, "one card per Falco example event");
    let second = root
        .query_selector("article.event:nth-of-type(2) header")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(second.contains("rule 100603"), "{second}");

    // A new rule and event; markup in them stays text.
    set_textarea(
        &root,
        "rules",
        r#"<group name="t,"><rule id="100900" level="7"><decoded_as>json</decoded_as><field name="k">^v$</field><description>x is $(x)</description></rule></group>"#,
    );
    set_textarea(
        &root,
        "events",
        r#"{"k":"v","x":"<img src=x onerror=alert(1)>"}"#,
    );
    settle().await;
    let cards = root.query_selector_all("article.event").unwrap();
    assert_eq!(cards.length(), 1);
    let head = root
        .query_selector("article.event header")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(
        head.contains("rule 100900") && head.contains("x is <img src=x onerror=alert(1)>"),
        "{head}"
    );
    assert!(root.query_selector("article.event img").unwrap().is_none());

    // A broken rule file: a diagnostic, and the page keeps working.
    set_textarea(
        &root,
        "rules",
        "<group name=\"t,\"><rule id=\"100900\" level=\"7\">",
    );
    settle().await;
    let diags = root.query_selector(".diagnostics").unwrap().unwrap();
    assert!(diags.text_content().unwrap().contains("rules.xml:"));
    assert_eq!(
        root.query_selector_all("article.event").unwrap().length(),
        0
    );
}

fn text_of(root: &web_sys::Element, selector: &str) -> Option<String> {
    root.query_selector(selector).ok()??.text_content()
}

fn click(root: &web_sys::Element, selector: &str) {
    let el: web_sys::HtmlElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .dyn_into()
        .unwrap();
    el.click();
}

#[wasm_bindgen_test]
async fn explain_tree_and_why_not_a_clicked_rule() {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    let root = render_app().await;
    assert!(root.query_selector(".tree").unwrap().is_none());

    // The explain view of the first event: the tree, with marks.
    click(
        &root,
        "article.event:nth-of-type(1) details.explain > summary",
    );
    TimeoutFuture::new(50).await;
    let tree = text_of(&root, "article.event:nth-of-type(1) .explain .tree").expect("a tree");
    assert!(tree.contains("✓ rule 100600 (level 0): matched"), "{tree}");
    assert!(
        tree.contains("✗ rule 100605 (level 12): field name=\"priority\""),
        "{tree}"
    );
    assert!(tree.contains("✓ verdict: rule 100602 level 6"), "{tree}");
    let first = root.query_selector("article.event").unwrap().unwrap();
    assert!(first.class_list().contains("selected"));

    // A click in the rules pane on rule 100605: why not, for event 1.
    let area: web_sys::HtmlTextAreaElement = root
        .query_selector("#rules")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    let at = area.value().find("<rule id=\"100605\"").unwrap() as u32 + 3;
    area.set_selection_range(at, at).unwrap();
    area.click();
    TimeoutFuture::new(50).await;
    let why = text_of(&root, "#why-not").expect("the why-not panel");
    assert!(why.contains("why not rule 100605? event #1"), "{why}");
    assert!(why.contains("rule 100602 (level 6) fired instead"), "{why}");
    assert!(why.contains("its own condition failed"), "{why}");

    // Selecting another event asks again for it.
    click(&root, "article.event:nth-of-type(2) header");
    TimeoutFuture::new(50).await;
    let why = text_of(&root, "#why-not").unwrap();
    assert!(
        why.contains("event #2") && why.contains("rule 100603 (level 8) fired instead"),
        "{why}"
    );
    // A rule line of the tree asks about that rule and that tree's event.
    click(
        &root,
        "article.event:nth-of-type(1) .tree li.fail button.link",
    );
    TimeoutFuture::new(50).await;
    let why = text_of(&root, "#why-not").unwrap();
    assert!(why.contains("why not rule 100607? event #1"), "{why}");

    click(&root, "#why-not header button");
    TimeoutFuture::new(50).await;
    assert!(root.query_selector("#why-not").unwrap().is_none());
}

fn set_input(root: &web_sys::Element, selector: &str, text: &str) {
    let input: web_sys::HtmlInputElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .dyn_into()
        .unwrap();
    input.set_value(text);
    let ev = web_sys::InputEvent::new("input").unwrap();
    input.dispatch_event(&ev).unwrap();
}

#[wasm_bindgen_test]
async fn falco_panel_edits_the_mapping_and_uses_the_rules() {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    let root = render_app().await;
    assert!(root.query_selector("#falco").unwrap().is_none());
    click(&root, "#falco-open");
    TimeoutFuture::new(50).await;
    let rules_file = r#"#falco section[data-file="falco_rules.xml"] pre"#;
    let rules = text_of(&root, rules_file).expect("the generated rules");
    assert!(
        rules.contains(r#"<rule id="100607" level="16">"#),
        "{rules}"
    );
    assert!(!rules.contains(r#"<rule id="100608""#), "{rules}");
    let debug_row = r#"#falco-events tr[data-priority="Debug"]"#;
    let debug = text_of(&root, debug_row).unwrap();
    assert!(debug.contains("100600") && debug.ends_with("no"), "{debug}");
    let warning = text_of(&root, r#"#falco-events tr[data-priority="Warning"]"#).unwrap();
    assert!(
        warning.contains("100603") && warning.contains('8'),
        "{warning}"
    );

    // Debug gets a rule at level 3: the files and verdicts follow.
    set_input(&root, "#falco-level-Debug", "3");
    TimeoutFuture::new(50).await;
    let rules = text_of(&root, rules_file).unwrap();
    assert!(rules.contains(r#"<rule id="100608" level="3">"#), "{rules}");
    let debug = text_of(&root, debug_row).unwrap();
    assert!(
        debug.contains("100608") && debug.ends_with("yes"),
        "{debug}"
    );
    let check = text_of(&root, r#"#falco-check tr[data-priority="Debug"]"#).unwrap();
    assert!(check.contains("100608") && check.contains('✓'), "{check}");

    // Not a number: a problem with its code; the panel keeps working.
    set_input(&root, "#falco-level-Debug", "three");
    TimeoutFuture::new(50).await;
    let problems = text_of(&root, "#falco-problems").expect("problems");
    assert!(
        problems.contains("error[F001]") && problems.contains("Debug"),
        "{problems}"
    );
    assert!(text_of(&root, rules_file).is_none());
    let use_button = root.query_selector("#falco-use").unwrap().unwrap();
    assert!(use_button.has_attribute("disabled"));
    set_input(&root, "#falco-level-Debug", "3");
    TimeoutFuture::new(50).await;
    assert!(root.query_selector("#falco-problems").unwrap().is_none());

    // Closed and opened again: the form is kept.
    click(&root, "#falco-close");
    TimeoutFuture::new(50).await;
    assert!(root.query_selector("#falco").unwrap().is_none());
    click(&root, "#falco-open");
    TimeoutFuture::new(50).await;
    assert!(text_of(&root, rules_file)
        .unwrap()
        .contains(r#"<rule id="100608" level="3">"#));

    // Use these rules: the panes and the main results.
    click(&root, "#falco-use");
    TimeoutFuture::new(50).await;
    assert!(root.query_selector("#falco").unwrap().is_none());
    let area: web_sys::HtmlTextAreaElement = root
        .query_selector("#rules")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(area.value().contains(r#"<rule id="100608" level="3">"#));
    let debug_card = text_of(&root, "article.event:nth-of-type(8) header").unwrap();
    assert!(debug_card.contains("rule 100608"), "{debug_card}");
    let warning_card = text_of(&root, "article.event:nth-of-type(2) header").unwrap();
    assert!(warning_card.contains("rule 100603"), "{warning_card}");
}
