//! The playground page: toolbar, source panes (rules, decoders, list,
//! uploaded files), events pane, results. Edits re-run the engine after a
//! short pause; Ctrl/Cmd+Enter runs at once. A click on a rule in the rules
//! pane asks "why not this rule?" for the selected event.

use crate::browser;
use crate::editor::{self, Editor, Jump};
use crate::engine::{self, DECODERS_FILE, RULES_FILE};
use crate::falco_panel::{self, FalcoPanel};
use crate::results::Results;
use crate::state::{self, FileKind, UserFile, Workspace};
use gloo_timers::callback::Timeout;
use rulelab_core::classify;
use rulelab_core::defaults::{self, EXAMPLES};
use rulelab_core::Severity;
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// localStorage key of the last workspace.
const STORAGE_KEY: &str = "rulelab-playground";
const THEME_KEY: &str = "rulelab-theme";
/// Pause after the last keystroke before a run.
const DEBOUNCE_MS: u32 = 250;

/// An `Rc` compared by identity (a memo dependency on a memoised value).
#[derive(Clone)]
struct SameRc<T>(Rc<T>);

impl<T> PartialEq for SameRc<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Rules,
    Decoders,
    List,
    Files,
}

/// The workspace to start with: a share link, else the last session, else
/// the default example. A damaged link is reported, not fatal.
fn initial() -> (Workspace, Option<String>) {
    let frag = browser::fragment();
    if !frag.is_empty() {
        browser::clear_fragment();
        match state::from_fragment(&frag) {
            Ok(ws) => return (ws, Some("Loaded from the share link.".into())),
            Err(e) => return (Workspace::default_example(), Some(e)),
        }
    }
    let stored =
        browser::storage_get(STORAGE_KEY).and_then(|s| serde_json::from_str::<Workspace>(&s).ok());
    (stored.unwrap_or_else(Workspace::default_example), None)
}

#[function_component(App)]
pub fn app() -> Html {
    let boot = use_memo((), |_| initial());
    // The source of truth for edits: several edits between two renders
    // (fast typing, scripted input) each see the previous one.
    let current = use_mut_ref(|| boot.0.clone());
    // What is rendered; set from `current` after each edit.
    let ws = use_state(|| boot.0.clone());
    let committed = use_state(|| boot.0.clone());
    let notice = use_state(|| boot.1.clone());
    let tab = use_state(|| Tab::Rules);
    let jump = use_state(|| None::<(Tab, Jump)>);
    let share = use_state(|| None::<(String, bool)>);
    let timer = use_mut_ref(|| None::<Timeout>);
    // The event "why not" asks about, and the rule it asks about.
    let selected = use_state(|| 0usize);
    let why_not = use_state(|| None::<u32>);
    let readers = use_mut_ref(Vec::<gloo_file::callbacks::FileReader>::new);
    // The Falco panel: whether it is open, and its form (kept while closed).
    let falco_open = use_state(|| false);
    let falco_form = use_mut_ref(falco_panel::Form::default);
    let dark = use_state(|| match browser::storage_get(THEME_KEY).as_deref() {
        Some("dark") => true,
        Some("light") => false,
        _ => browser::prefers_dark(),
    });
    {
        let dark = *dark;
        use_effect_with(dark, move |d| {
            browser::set_theme(Some(if *d { "dark" } else { "light" }));
        });
    }
    // The ruleset is loaded again only when its sources change.
    let loaded = use_memo(engine::sources(&committed), |s| {
        engine::load(s, browser::now_ms)
    });
    let output = use_memo(((*committed).clone(), SameRc(loaded)), |(ws, loaded)| {
        let start = browser::now_ms();
        let out = engine::evaluate(&loaded.0, ws);
        let replay = Rc::new(engine::Replay::new(loaded.0.clone(), ws.clone()));
        (
            Rc::new(out),
            loaded.0.millis,
            browser::now_ms() - start,
            replay,
        )
    });
    {
        // Persist what was run.
        use_effect_with((*committed).clone(), |ws| {
            if let Ok(json) = serde_json::to_string(ws) {
                browser::storage_set(STORAGE_KEY, &json);
            }
        });
    }

    // Commit now (Ctrl/Cmd+Enter, example switch) or after a pause.
    let commit_now = {
        let (committed, timer) = (committed.clone(), timer.clone());
        Callback::from(move |next: Workspace| {
            timer.borrow_mut().take();
            committed.set(next);
        })
    };
    let edit = {
        let (ws, current, committed, timer, share) = (
            ws.clone(),
            current.clone(),
            committed.clone(),
            timer.clone(),
            share.clone(),
        );
        Rc::new(move |f: &dyn Fn(&mut Workspace)| {
            let next = {
                let mut cur = current.borrow_mut();
                f(&mut cur);
                cur.clone()
            };
            ws.set(next.clone());
            // A shown share link is stale now; so is the fragment, which
            // would otherwise win over the newer state on reload.
            if share.is_some() {
                share.set(None);
                browser::clear_fragment();
            }
            let committed = committed.clone();
            *timer.borrow_mut() = Some(Timeout::new(DEBOUNCE_MS, move || committed.set(next)));
        })
    };
    let replace_all = {
        let (ws, current, commit_now, share) = (
            ws.clone(),
            current.clone(),
            commit_now.clone(),
            share.clone(),
        );
        Callback::from(move |next: Workspace| {
            *current.borrow_mut() = next.clone();
            ws.set(next.clone());
            if share.is_some() {
                share.set(None);
                browser::clear_fragment();
            }
            commit_now.emit(next);
        })
    };

    let on_key = {
        let (current, commit_now) = (current.clone(), commit_now.clone());
        Callback::from(move |e: KeyboardEvent| {
            if (e.ctrl_key() || e.meta_key()) && e.key() == "Enter" {
                e.prevent_default();
                commit_now.emit(current.borrow().clone());
            }
        })
    };
    let text_edit = |f: fn(&mut Workspace, String)| {
        let edit = edit.clone();
        Callback::from(move |v: String| edit(&|w: &mut Workspace| f(w, v.clone())))
    };
    let on_rules = text_edit(|w, v| w.rules = v);
    let on_rules_click = {
        let why_not = why_not.clone();
        Callback::from(move |(text, caret): (String, u32)| {
            if let Some(id) = editor::rule_at(&text, editor::byte_offset(&text, caret)) {
                why_not.set(Some(id));
            }
        })
    };
    let on_select = {
        let selected = selected.clone();
        Callback::from(move |i: usize| {
            if *selected != i {
                selected.set(i);
            }
        })
    };
    let on_why_not = {
        let (selected, why_not) = (selected.clone(), why_not.clone());
        Callback::from(move |ask: Option<(usize, u32)>| match ask {
            Some((i, id)) => {
                selected.set(i);
                why_not.set(Some(id));
            }
            None => why_not.set(None),
        })
    };
    let on_decoders = text_edit(|w, v| w.decoders = v);
    let on_list = text_edit(|w, v| w.list = v);
    let on_events = text_edit(|w, v| w.events = v);
    let input_edit = |f: fn(&mut Workspace, String)| {
        let edit = edit.clone();
        Callback::from(move |e: InputEvent| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            edit(&|w: &mut Workspace| f(w, v.clone()))
        })
    };
    let on_list_name = input_edit(|w, v| w.list_name = v);
    let on_location = input_edit(|w, v| w.location = v);
    let on_builtin = {
        let edit = edit.clone();
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            edit(&|w: &mut Workspace| w.builtin = on)
        })
    };
    let on_example = {
        let replace_all = replace_all.clone();
        Callback::from(move |e: Event| {
            let id = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(ex) = defaults::example(&id) {
                replace_all.emit(Workspace::from_example(ex));
            }
        })
    };
    let on_reset = {
        let (replace_all, current) = (replace_all.clone(), current.clone());
        Callback::from(move |_: MouseEvent| {
            let id = current.borrow().example.clone();
            let ex = defaults::example(&id).unwrap_or(&EXAMPLES[0]);
            replace_all.emit(Workspace::from_example(ex));
        })
    };
    let on_share = {
        let (current, share) = (current.clone(), share.clone());
        Callback::from(move |_: MouseEvent| {
            let (frag, omitted) = state::to_fragment(&current.borrow());
            let link = browser::set_fragment(&frag);
            share.set(Some((link, omitted)));
        })
    };
    let on_theme = {
        let dark = dark.clone();
        Callback::from(move |_: MouseEvent| {
            let next = !*dark;
            browser::storage_set(THEME_KEY, if next { "dark" } else { "light" });
            dark.set(next);
        })
    };
    let on_upload = {
        let (current, replace_all, readers, notice, tab) = (
            current.clone(),
            replace_all.clone(),
            readers.clone(),
            notice.clone(),
            tab.clone(),
        );
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(list) = input.files() else { return };
            let files: Vec<web_sys::File> =
                (0..list.length()).filter_map(|i| list.get(i)).collect();
            input.set_value("");
            if files.is_empty() {
                return;
            }
            let pending = Rc::new(RefCell::new((files.len(), Vec::<(String, String)>::new())));
            let mut rs = readers.borrow_mut();
            rs.clear();
            for f in files {
                // `webkitRelativePath` (folder uploads) is not in web-sys.
                let rel = js_sys::Reflect::get(&f, &"webkitRelativePath".into())
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default();
                let path = if rel.is_empty() { f.name() } else { rel };
                let pending = pending.clone();
                let (current, replace_all, notice, tab) = (
                    current.clone(),
                    replace_all.clone(),
                    notice.clone(),
                    tab.clone(),
                );
                let file = gloo_file::File::from(f);
                rs.push(gloo_file::callbacks::read_as_text(&file, move |res| {
                    let mut p = pending.borrow_mut();
                    p.0 -= 1;
                    if let Ok(text) = res {
                        p.1.push((path, text));
                    }
                    if p.0 > 0 {
                        return;
                    }
                    let mut next = current.borrow().clone();
                    let (mut added, mut ignored) = (0, 0);
                    for (path, text) in p.1.drain(..) {
                        let Some(kind) = classify::classify(&path, &text) else {
                            ignored += 1;
                            continue;
                        };
                        let path = if kind == classify::SourceKind::List {
                            classify::list_name(&path)
                        } else {
                            path
                        };
                        next.files.retain(|f| f.path != path);
                        next.files.push(UserFile {
                            path,
                            kind: kind.into(),
                            text,
                        });
                        added += 1;
                    }
                    next.files.sort_by(|a, b| a.path.cmp(&b.path));
                    // A whole ruleset brings its own json decoder and templates.
                    if next
                        .files
                        .iter()
                        .any(|f| f.path.ends_with("0010-rules_config.xml"))
                    {
                        next.builtin = false;
                    }
                    notice.set(Some(format!(
                        "Added {added} file(s){}.",
                        if ignored > 0 {
                            format!("; {ignored} were not ruleset files")
                        } else {
                            String::new()
                        }
                    )));
                    tab.set(Tab::Files);
                    replace_all.emit(next);
                }));
            }
        })
    };
    let remove_file = {
        let edit = edit.clone();
        Callback::from(move |path: String| {
            edit(&|w: &mut Workspace| w.files.retain(|f| f.path != path))
        })
    };
    let clear_files = {
        let edit = edit.clone();
        Callback::from(move |_: MouseEvent| edit(&|w: &mut Workspace| w.files.clear()))
    };
    let download = |name: &'static str, pick: fn(&Workspace) -> String| {
        let current = current.clone();
        Callback::from(move |_: MouseEvent| browser::download(name, &pick(&current.borrow())))
    };

    let on_falco_open = {
        let falco_open = falco_open.clone();
        Callback::from(move |_: MouseEvent| falco_open.set(true))
    };
    let falco = if *falco_open {
        let on_change = {
            let falco_form = falco_form.clone();
            Callback::from(move |f: falco_panel::Form| *falco_form.borrow_mut() = f)
        };
        let on_close = {
            let falco_open = falco_open.clone();
            Callback::from(move |()| falco_open.set(false))
        };
        let on_use = {
            let (current, replace_all, notice, tab, falco_open, why_not) = (
                current.clone(),
                replace_all.clone(),
                notice.clone(),
                tab.clone(),
                falco_open.clone(),
                why_not.clone(),
            );
            Callback::from(move |out: Rc<falco_panel::Output>| {
                let mut next = current.borrow().clone();
                if !falco_panel::apply_to_workspace(&mut next, &out) {
                    return;
                }
                let transport = out
                    .mapping
                    .as_ref()
                    .map_or("json", |m| m.transport.as_str());
                notice.set(Some(format!(
                    "The generated Falco rules{} and the example events ({transport} transport) are in the panes.",
                    if next.decoders.is_empty() { "" } else { " and decoders" }
                )));
                why_not.set(None);
                tab.set(Tab::Rules);
                falco_open.set(false);
                replace_all.emit(next);
            })
        };
        html! { <FalcoPanel initial={falco_form.borrow().clone()} {on_change} {on_use} {on_close} /> }
    } else {
        html! {}
    };

    let tab_button = |t: Tab, label: String| {
        let tab_state = tab.clone();
        let selected = *tab == t;
        html! {
            <button role="tab" aria-selected={selected.to_string()} class={classes!("tab", selected.then_some("active"))}
                onclick={Callback::from(move |_| tab_state.set(t))}>{ label }</button>
        }
    };
    let jump_for = |t: Tab| jump.as_ref().filter(|(jt, _)| *jt == t).map(|(_, j)| *j);

    let diagnostics = {
        let (jump, tab) = (jump.clone(), tab.clone());
        let diags = &output.0.diagnostics;
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let warnings = diags.len() - errors;
        html! {
            if !diags.is_empty() {
            <details class="diagnostics-box" open={errors > 0}>
            <summary>{ format!("{errors} error(s), {warnings} warning(s) from loading and linting") }</summary>
            <ul class="diagnostics" aria-label="load diagnostics">
                { for output.0.diagnostics.iter().map(|d| {
                    let sev = match d.severity { Severity::Error => "error", Severity::Warning => "warning", Severity::Info => "info" };
                    let target = d.span.as_ref().and_then(|s| match &*s.file {
                        RULES_FILE => Some((Tab::Rules, s.line, s.column)),
                        DECODERS_FILE => Some((Tab::Decoders, s.line, s.column)),
                        _ => None,
                    });
                    let text = d.to_string();
                    let help = d.help.clone().map(|h| format!("help: {h}"));
                    match target {
                        Some((t, line, column)) => {
                            let (jump, tab) = (jump.clone(), tab.clone());
                            let seq = jump.as_ref().map_or(0, |(_, j)| j.seq) + 1;
                            html! { <li class={sev}><button class="link" onclick={Callback::from(move |_| { tab.set(t); jump.set(Some((t, Jump { line, column, seq }))); })}>{ text }</button>
                                if let Some(h) = help { <div class="help">{ h }</div> }</li> }
                        }
                        None => html! { <li class={sev}>{ text } if let Some(h) = help { <div class="help">{ h }</div> }</li> },
                    }
                }) }
            </ul>
            </details>
            }
        }
    };

    let pane = match *tab {
        Tab::Rules => html! {
            <Editor id="rules" label="Rules XML" value={ws.rules.clone()} oninput={on_rules} jump={jump_for(Tab::Rules)}
                onclick={on_rules_click} />
        },
        Tab::Decoders => html! {
            <Editor id="decoders" label="Decoders XML (added to the built-in ones)" value={ws.decoders.clone()}
                oninput={on_decoders} jump={jump_for(Tab::Decoders)}
                placeholder="<decoder name=&quot;my-app&quot;>…</decoder> (optional)" />
        },
        Tab::List => html! {
            <div class="list-pane">
                <label class="inline">{ "List path " }
                    <input id="list-name" value={ws.list_name.clone()} oninput={on_list_name} spellcheck="false" />
                </label>
                <Editor id="list" label="CDB list (key:value per line)" value={ws.list.clone()} oninput={on_list}
                    placeholder="alice:finance (optional; rules use it with <list field=... lookup=...>PATH</list>)" />
            </div>
        },
        Tab::Files => html! {
            <div class="files">
                if ws.files.is_empty() {
                    <p class="muted">{ "No uploaded files. Upload rule, decoder and list files (several at once), or a whole folder such as /var/ossec/etc or a Wazuh ruleset." }</p>
                } else {
                    <p>{ format!("{} uploaded file(s), loaded with the panes (0215-policy_rules.xml is skipped, as in Wazuh's default configuration).", ws.files.len()) }
                        <button class="small" onclick={clear_files}>{ "remove all" }</button></p>
                    <ul class="file-list">
                        { for ws.files.iter().map(|f| {
                            let kind = match f.kind { FileKind::Decoders => "decoders", FileKind::Rules => "rules", FileKind::List => "list" };
                            let path = f.path.clone();
                            let remove = remove_file.clone();
                            html! { <li><span class="kind">{ kind }</span>{ f.path.clone() }
                                <button class="small" aria-label={format!("remove {}", f.path)} onclick={Callback::from(move |_| remove.emit(path.clone()))}>{ "×" }</button></li> }
                        }) }
                    </ul>
                }
            </div>
        },
    };

    html! {
        <div class="app" onkeydown={on_key}>
            <header class="toolbar">
                <h1>{ "rulelab" }<span class="sub">{ " playground · Wazuh 4.11.1" }</span></h1>
                <label class="inline">{ "Example " }
                    <select id="example" onchange={on_example}>
                        { for EXAMPLES.iter().map(|e| html! { <option value={e.id} selected={ws.example == e.id}>{ e.title }</option> }) }
                    </select>
                </label>
                <button onclick={on_reset} title="Restore the selected example">{ "Reset to example" }</button>
                <label class="button" title="Upload rule, decoder and list files">{ "Upload files" }
                    <input id="upload" type="file" multiple=true class="visually-hidden" onchange={on_upload.clone()} />
                </label>
                <label class="button" title="Upload a whole folder (e.g. a Wazuh ruleset)">{ "Upload folder" }
                    <input id="upload-folder" type="file" webkitdirectory=true class="visually-hidden" onchange={on_upload} />
                </label>
                <button id="falco-open" onclick={on_falco_open} title="Edit the Falco mapping and see the files it generates">{ "Falco mapping" }</button>
                <button id="share" onclick={on_share}>{ "Share" }</button>
                <button id="theme" onclick={on_theme} aria-label="toggle dark mode">{ if *dark { "☀ light" } else { "☾ dark" } }</button>
            </header>
            if let Some(msg) = &*notice {
                <p class="notice" role="status">{ msg.clone() }</p>
            }
            if let Some((link, omitted)) = &*share {
                <div class="share" role="status">
                    <label>{ "Share link " }<input id="share-link" readonly=true value={link.clone()} /></label>
                    <p class="muted">{ "The link carries everything on this page, including the events you pasted; nothing is sent to a server." }
                        if *omitted { { " Uploaded files are too large for a link and are left out." } }</p>
                </div>
            }
            <main class="grid">
                <section class="sources" aria-label="sources">
                    <div class="tabs" role="tablist">
                        { tab_button(Tab::Rules, "Rules".into()) }
                        { tab_button(Tab::Decoders, "Decoders".into()) }
                        { tab_button(Tab::List, "List".into()) }
                        { tab_button(Tab::Files, format!("Files ({})", ws.files.len())) }
                        <span class="spacer" />
                        <button class="small" title="Download rules.xml" onclick={download("rules.xml", |w| w.rules.clone())}>{ "↓ rules" }</button>
                        <button class="small" title="Download decoders.xml" onclick={download("decoders.xml", |w| w.decoders.clone())}>{ "↓ decoders" }</button>
                        <button class="small" title="Download the list" onclick={download("list", |w| w.list.clone())}>{ "↓ list" }</button>
                    </div>
                    { pane }
                    { diagnostics }
                    <div class="options">
                        <label class="inline">{ "Location " }
                            <input id="location" value={ws.location.clone()} oninput={on_location} spellcheck="false" />
                        </label>
                        <label class="inline"><input id="builtin" type="checkbox" checked={ws.builtin} onchange={on_builtin} />
                            { " built-in json decoder and category templates" }</label>
                    </div>
                    <div class="events-head">
                        <h2>{ "Events" }<span class="muted">{ " one log per line, JSON or syslog; one session, in order" }</span></h2>
                        <button class="small" title="Download events.log" onclick={download("events.log", |w| w.events.clone())}>{ "↓ events" }</button>
                    </div>
                    <Editor id="events" label="Events" value={ws.events.clone()} oninput={on_events} />
                    <p class="muted hint">{ "Results update as you type; Ctrl/Cmd+Enter runs now. Click a rule in the rules pane to ask why it did not fire for the selected event." }</p>
                </section>
                <Results output={output.0.clone()} replay={output.3.clone()} load_ms={output.1} run_ms={output.2}
                    selected={*selected} {on_select} why_not={*why_not} {on_why_not} />
            </main>
            { falco }
        </div>
    }
}
