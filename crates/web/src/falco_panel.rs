//! The Falco panel (issue 7): a form that edits the Falco mapping, the
//! files the core's mapping compiler writes from it, and the verdicts of the
//! Falco example events against those files. "Use these rules" puts the
//! generated rules (and the syslog decoder) into the workspace's panes.
//!
//! The engine work stays in rulelab-core: this module only turns the form
//! into a [`Mapping`], then calls `compile`, `check`, `Ruleset::load` and a
//! `Session`, as `rulelab falco init` does.

use crate::browser;
use crate::results::level_class;
use crate::state::Workspace;
use rulelab_core::defaults;
use rulelab_core::falco::check::{check, check_overrides, expected, CheckRow, OverrideRow};
use rulelab_core::falco::compile::{compile, FileKind, GeneratedFile};
use rulelab_core::falco::mapping::{default_path, Mapping, Override, Transport};
use rulelab_core::falco::Priority;
use rulelab_core::{lint, Diagnostic, Ruleset, Session, SessionOptions, Sources};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// One override row of the form, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OverrideForm {
    pub rule: String,
    pub level: String,
}

/// The mapping form, as typed (numbers are text until [`Form::to_mapping`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub base_id: String,
    /// Comma-separated group names.
    pub groups: String,
    /// One level per priority, in [`Priority::ALL`] order; empty = no rule.
    pub levels: Vec<(Priority, String)>,
    pub description: String,
    pub field: String,
    pub value: String,
    pub transport: Transport,
    pub path: String,
    pub no_full_log: bool,
    pub overrides: Vec<OverrideForm>,
}

impl Default for Form {
    /// The Falco integration ([`Mapping::default`]).
    fn default() -> Self {
        Form::from_mapping(&Mapping::default())
    }
}

/// A problem with the form: a parse error or one of
/// [`Mapping::validate`]'s, with its F code (docs/codes/falco.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
}

impl Form {
    pub fn from_mapping(m: &Mapping) -> Form {
        Form {
            base_id: m.base_id.to_string(),
            groups: m.groups.join(", "),
            levels: Priority::ALL
                .iter()
                .map(|&p| (p, m.level(p).map(|l| l.to_string()).unwrap_or_default()))
                .collect(),
            description: m.description.clone(),
            field: m.field.clone(),
            value: m.value.clone(),
            transport: m.transport,
            path: m.path.clone(),
            no_full_log: m.no_full_log,
            overrides: m
                .overrides
                .iter()
                .map(|o| OverrideForm {
                    rule: o.rule.clone(),
                    level: o.level.to_string(),
                })
                .collect(),
        }
    }

    /// Sets the level text of a priority.
    pub fn set_level(&mut self, p: Priority, text: String) {
        match self.levels.iter_mut().find(|(q, _)| *q == p) {
            Some(slot) => slot.1 = text,
            None => self.levels.push((p, text)),
        }
    }

    /// The level text of a priority.
    pub fn level(&self, p: Priority) -> &str {
        self.levels
            .iter()
            .find(|(q, _)| *q == p)
            .map_or("", |(_, l)| l.as_str())
    }

    /// Switches the transport; a path still at the old transport's usual
    /// place moves to the new one's (as a mapping file does).
    pub fn set_transport(&mut self, t: Transport) {
        if self.path == default_path(self.transport) {
            self.path = default_path(t).to_string();
        }
        self.transport = t;
    }

    /// The validated mapping (override ids assigned), or every problem:
    /// the parse errors and [`Mapping::validate`]'s.
    pub fn to_mapping(&self) -> Result<Mapping, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut m = Mapping::default();
        match self.base_id.trim().parse::<u32>() {
            Ok(id) => m.base_id = id,
            Err(_) => problems.push(Problem {
                code: "F002",
                message: format!(
                    "base rule id {:?} is not a number; custom rules use 100000-120000",
                    self.base_id
                ),
            }),
        }
        m.groups = self
            .groups
            .split(',')
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_string)
            .collect();
        for p in Priority::ALL {
            let text = self.level(p).trim();
            let level = if text.is_empty() || text == "none" {
                None
            } else {
                match text.parse::<u32>() {
                    Ok(l) => Some(l),
                    Err(_) => {
                        problems.push(Problem {
                            code: "F001",
                            message: format!(
                                "level of {} is {text:?}; write a number 0-16, or nothing for no rule",
                                p.as_str()
                            ),
                        });
                        None
                    }
                }
            };
            m.set_level(p, level);
        }
        m.description = self.description.clone();
        m.field = self.field.trim().to_string();
        m.value = self.value.clone();
        m.transport = self.transport;
        m.path = self.path.trim().to_string();
        m.no_full_log = self.no_full_log;
        m.overrides.clear();
        for o in &self.overrides {
            let (rule, level) = (o.rule.trim(), o.level.trim());
            if rule.is_empty() && level.is_empty() {
                // A row just added: not an override yet.
                continue;
            }
            match level.parse::<u32>() {
                Ok(level) => m.overrides.push(Override {
                    rule: rule.to_string(),
                    level,
                    id: None,
                    description: None,
                    tags: Vec::new(),
                }),
                Err(_) => problems.push(Problem {
                    code: "F001",
                    message: format!(
                        "override of {rule:?}: the level {level:?} is not a number 0-16"
                    ),
                }),
            }
        }
        if let Err(errors) = m.validate() {
            problems.extend(errors.into_iter().map(|e| Problem {
                code: e.code,
                message: e.message,
            }));
        }
        if problems.is_empty() {
            Ok(m)
        } else {
            Err(problems)
        }
    }
}

/// The syslog header Falco's `syslog_output` lines have once written to
/// the syslog file (program name `falco`).
pub const SYSLOG_HEADER: &str = "Mar  1 09:00:00 node1 falco: ";

/// The Falco example events as the agent reads them over a transport:
/// JSON lines, or the same JSON behind a syslog header.
pub fn example_events(t: Transport) -> Vec<String> {
    defaults::FALCO_EVENTS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match t {
            Transport::Json => l.to_string(),
            Transport::Syslog => format!("{SYSLOG_HEADER}{l}"),
        })
        .collect()
}

/// The generated files as a ruleset (as `rulelab falco init` checks them).
pub fn generated_sources(files: &[GeneratedFile]) -> Sources {
    rulelab_core::falco::compile::sources(files)
}

/// The verdict of one example event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// Falco's `priority` and `rule` fields of the event.
    pub priority: String,
    pub falco_rule: String,
    pub rule: Option<u32>,
    pub level: Option<u32>,
    pub alert: bool,
}

/// The example events over `t`, in one session at `location`.
pub fn event_verdicts(ruleset: &Ruleset, t: Transport, location: &str) -> Vec<EventRow> {
    let mut session = Session::new(ruleset, SessionOptions::default());
    let json_lines = defaults::FALCO_EVENTS
        .lines()
        .filter(|l| !l.trim().is_empty());
    json_lines
        .zip(example_events(t))
        .map(|(json, line)| {
            let doc: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
            let text = |k: &str| {
                doc.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            let v = session.evaluate(&line, location);
            EventRow {
                priority: text("priority"),
                falco_rule: text("rule"),
                rule: v.rule.as_ref().map(|r| r.id),
                level: v.rule.as_ref().map(|r| r.level),
                alert: v.alert,
            }
        })
        .collect()
}

/// Everything the panel shows for one state of the form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Output {
    /// Parse and validation problems (then nothing else is computed).
    pub problems: Vec<Problem>,
    pub mapping: Option<Mapping>,
    pub files: Vec<GeneratedFile>,
    /// Load errors and lint findings on the generated files (none
    /// expected: they would be a rulelab bug).
    pub diagnostics: Vec<Diagnostic>,
    pub events: Vec<EventRow>,
    /// One synthetic alert per priority (`rulelab falco check`).
    pub checks: Vec<CheckRow>,
    /// One synthetic alert per override and priority.
    pub overrides: Vec<OverrideRow>,
}

/// Compiles the form's mapping and evaluates the example events and the
/// per-priority check against the generated files.
pub fn build(form: &Form) -> Output {
    let m = match form.to_mapping() {
        Ok(m) => m,
        Err(problems) => {
            return Output {
                problems,
                ..Output::default()
            }
        }
    };
    let files = compile(&m);
    let sources = generated_sources(&files);
    let loaded = Ruleset::load(&sources);
    let generated = |name: &str| files.iter().any(|f| f.name == name);
    let diagnostics =
        lint::lint_loaded(&sources, &loaded, &generated, &lint::LintOptions::default());
    let mut out = Output {
        diagnostics,
        ..Output::default()
    };
    if let Some(ruleset) = &loaded.ruleset {
        out.events = event_verdicts(ruleset, m.transport, &m.path);
        out.checks = check(ruleset, &m.field, &m.value, &[m.transport]);
        out.overrides = check_overrides(ruleset, &m.field, &m.value, &[m.transport]);
    }
    out.files = files;
    out.mapping = Some(m);
    out
}

/// Puts the generated rules and decoders, and the example events over the
/// mapping's transport, into the workspace's panes. Uploaded files stay;
/// without them the built-in json decoder is switched on (the json
/// transport's rules rely on it).
pub fn apply_to_workspace(ws: &mut Workspace, out: &Output) -> bool {
    let Some(m) = &out.mapping else {
        return false;
    };
    let text = |kind: FileKind| {
        out.files
            .iter()
            .find(|f| f.kind == kind)
            .map(|f| f.text.clone())
            .unwrap_or_default()
    };
    ws.example = "falco".to_string();
    ws.rules = text(FileKind::Rules);
    ws.decoders = text(FileKind::Decoders);
    let mut events = example_events(m.transport).join("\n");
    events.push('\n');
    ws.events = events;
    ws.location = m.path.clone();
    if ws.files.is_empty() {
        ws.builtin = true;
    }
    true
}

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// The form to start from (the panel reports each edit in `on_change`).
    pub initial: Form,
    pub on_change: Callback<Form>,
    /// "Use these rules": the output to put into the panes.
    pub on_use: Callback<Rc<Output>>,
    pub on_close: Callback<()>,
}

fn text_input(id: &str, value: &str, oninput: Callback<InputEvent>) -> Html {
    html! { <input id={id.to_string()} type="text" value={value.to_string()} {oninput} spellcheck="false" autocomplete="off" /> }
}

fn badge(level: Option<u32>) -> Html {
    match level {
        Some(l) => html! { <span class={classes!("badge", level_class(l))}>{ l }</span> },
        None => html! { <span class={classes!("badge", "lvl-none")}>{ "–" }</span> },
    }
}

fn rule_cell(rule: Option<u32>) -> Html {
    match rule {
        Some(id) => html! { <td class="mono">{ id }</td> },
        None => html! { <td class="muted">{ "no rule" }</td> },
    }
}

/// Where a generated file goes.
fn destination(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Rules => "Wazuh manager: /var/ossec/etc/rules/",
        FileKind::Decoders => "Wazuh manager: /var/ossec/etc/decoders/",
        FileKind::Agent => "Wazuh agent: into /var/ossec/etc/ossec.conf",
        FileKind::Falco => "Falco: /etc/falco/config.d/",
    }
}

/// Applies an edit to the form.
type Edit = Rc<dyn Fn(&dyn Fn(&mut Form))>;

#[function_component(FalcoPanel)]
pub fn falco_panel(p: &PanelProps) -> Html {
    // The source of truth for edits (several between two renders each see
    // the previous one), and what is rendered.
    let current = use_mut_ref(|| p.initial.clone());
    let form = use_state(|| p.initial.clone());
    let out = use_memo((*form).clone(), |f| Rc::new(build(f)));
    // Focus moves into the dialog when it opens, so Escape reaches it.
    let dialog = use_node_ref();
    {
        let dialog = dialog.clone();
        use_effect_with((), move |_| {
            if let Some(el) = dialog.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    }

    let edit: Edit = {
        let (current, form, on_change) = (current.clone(), form.clone(), p.on_change.clone());
        Rc::new(move |f: &dyn Fn(&mut Form)| {
            let next = {
                let mut cur = current.borrow_mut();
                f(&mut cur);
                cur.clone()
            };
            form.set(next.clone());
            on_change.emit(next);
        })
    };
    let input = |f: fn(&mut Form, String)| {
        let edit = edit.clone();
        Callback::from(move |e: InputEvent| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            edit(&|form: &mut Form| f(form, v.clone()))
        })
    };
    let on_level = |p: Priority| {
        let edit = edit.clone();
        Callback::from(move |e: InputEvent| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            edit(&|form: &mut Form| form.set_level(p, v.clone()))
        })
    };
    let on_transport = {
        let edit = edit.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(t) = Transport::parse(&v) {
                edit(&|form: &mut Form| form.set_transport(t))
            }
        })
    };
    let on_full_log = {
        let edit = edit.clone();
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            edit(&|form: &mut Form| form.no_full_log = on)
        })
    };
    let on_override = |i: usize, level: bool| {
        let edit = edit.clone();
        Callback::from(move |e: InputEvent| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            edit(&|form: &mut Form| {
                if let Some(o) = form.overrides.get_mut(i) {
                    if level {
                        o.level = v.clone();
                    } else {
                        o.rule = v.clone();
                    }
                }
            })
        })
    };
    let remove_override = |i: usize| {
        let edit = edit.clone();
        Callback::from(move |_: MouseEvent| {
            edit(&|form: &mut Form| {
                if i < form.overrides.len() {
                    form.overrides.remove(i);
                }
            })
        })
    };
    let add_override = {
        let edit = edit.clone();
        Callback::from(move |_: MouseEvent| {
            edit(&|form: &mut Form| form.overrides.push(OverrideForm::default()))
        })
    };
    let reset = {
        let edit = edit.clone();
        Callback::from(move |_: MouseEvent| edit(&|form: &mut Form| *form = Form::default()))
    };
    let on_use = {
        let (cb, out) = (p.on_use.clone(), out.clone());
        Callback::from(move |_: MouseEvent| cb.emit((*out).clone()))
    };
    let close = {
        let cb = p.on_close.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let on_key = {
        let cb = p.on_close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                e.stop_propagation();
                cb.emit(());
            }
        })
    };
    let f = &*form;

    let levels = html! {
        <fieldset class="falco-levels">
            <legend>{ "Level per Falco priority (0-16; empty = no rule, no alert)" }</legend>
            { for Priority::ALL.iter().map(|&pr| html! {
                <label>
                    <span>{ pr.as_str() }</span>
                    <input id={format!("falco-level-{}", pr.as_str())} type="text" inputmode="numeric" size="3"
                        value={f.level(pr).to_string()} oninput={on_level(pr)} autocomplete="off" />
                </label>
            }) }
        </fieldset>
    };
    let overrides = html! {
        <fieldset class="falco-overrides">
            <legend>{ "Overrides: a Falco rule with its own level" }</legend>
            { for f.overrides.iter().enumerate().map(|(i, o)| html! {
                <div class="falco-override">
                    <input class="falco-override-rule" type="text" placeholder="Falco rule name, e.g. Terminal shell in container"
                        aria-label={format!("override {} Falco rule", i + 1)}
                        value={o.rule.clone()} oninput={on_override(i, false)} spellcheck="false" autocomplete="off" />
                    <input class="falco-override-level" type="text" inputmode="numeric" size="3" placeholder="level"
                        aria-label={format!("override {} level", i + 1)}
                        value={o.level.clone()} oninput={on_override(i, true)} autocomplete="off" />
                    <button type="button" class="small" aria-label={format!("remove override {}", i + 1)}
                        onclick={remove_override(i)}>{ "×" }</button>
                </div>
            }) }
            <button type="button" id="falco-add-override" class="small" onclick={add_override}>{ "+ override" }</button>
        </fieldset>
    };
    let form_html = html! {
        <div class="falco-form" aria-label="Falco mapping">
            <label>{ "Base rule id" }{ text_input("falco-base-id", &f.base_id, input(|f, v| f.base_id = v)) }</label>
            <label>{ "Groups (comma-separated)" }{ text_input("falco-groups", &f.groups, input(|f, v| f.groups = v)) }</label>
            { levels }
            <label>{ "Description" }{ text_input("falco-description", &f.description, input(|f, v| f.description = v)) }</label>
            <div class="falco-pair">
                <label title="the append_output extra field under output_fields, and its value">{ "Marker field" }{ text_input("falco-field", &f.field, input(|f, v| f.field = v)) }</label>
                <label>{ "value" }{ text_input("falco-value", &f.value, input(|f, v| f.value = v)) }</label>
            </div>
            <label>{ "Transport" }
                <select id="falco-transport" onchange={on_transport}>
                    <option value="json" selected={f.transport == Transport::Json}>{ "json (Falco file_output)" }</option>
                    <option value="syslog" selected={f.transport == Transport::Syslog}>{ "syslog (Falco syslog_output)" }</option>
                </select>
            </label>
            <label>{ "Agent path" }{ text_input("falco-path", &f.path, input(|f, v| f.path = v)) }</label>
            <label class="inline"><input id="falco-no-full-log" type="checkbox" checked={f.no_full_log} onchange={on_full_log} />
                { " no_full_log on every rule" }</label>
            { overrides }
            <button type="button" class="small" onclick={reset}>{ "reset to the integration's mapping" }</button>
        </div>
    };

    let problems = html! {
        if !out.problems.is_empty() {
            <ul id="falco-problems" class="diagnostics falco-problems" aria-label="mapping problems">
                { for out.problems.iter().map(|e| html! {
                    <li class="error">{ format!("error[{}]: {}", e.code, e.message) }</li>
                }) }
            </ul>
        }
    };
    let diagnostics = html! {
        if !out.diagnostics.is_empty() {
            <ul class="diagnostics" aria-label="diagnostics of the generated files">
                { for out.diagnostics.iter().map(|d| html! { <li class="warning">{ d.to_string() }</li> }) }
            </ul>
        }
    };
    let files = html! {
        <div class="falco-files">
            { for out.files.iter().map(|file| {
                let (name, text) = (file.name.clone(), file.text.clone());
                let download = Callback::from(move |_: MouseEvent| browser::download(&name, &text));
                html! {
                    <section class="falco-file" data-file={file.name.clone()}>
                        <header>
                            <span class="mono">{ file.name.clone() }</span>
                            <span class="muted">{ destination(file.kind) }</span>
                            <button class="small" title={format!("Download {}", file.name)} onclick={download}>{ "↓" }</button>
                        </header>
                        <pre>{ file.text.clone() }</pre>
                    </section>
                }
            }) }
        </div>
    };
    let verdicts = out.mapping.as_ref().map(|m| {
        html! {
            <div class="falco-verdicts">
                <h3>{ format!("Falco example events ({} transport)", m.transport.as_str()) }</h3>
                <table id="falco-events" class="falco-table">
                    <thead><tr><th>{ "#" }</th><th>{ "priority" }</th><th>{ "Falco rule" }</th><th>{ "→ rule" }</th><th>{ "level" }</th><th>{ "alert" }</th></tr></thead>
                    <tbody>
                        { for out.events.iter().enumerate().map(|(i, e)| html! {
                            <tr data-priority={e.priority.clone()}>
                                <td class="muted">{ i + 1 }</td>
                                <td>{ e.priority.clone() }</td>
                                <td>{ e.falco_rule.clone() }</td>
                                { rule_cell(e.rule) }
                                <td>{ badge(e.level) }</td>
                                <td>{ if e.alert { "yes" } else { "no" } }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                <h3>{ "Each priority (one synthetic alert each, as rulelab falco check)" }</h3>
                <table id="falco-check" class="falco-table">
                    <thead><tr><th>{ "priority" }</th><th>{ "→ rule" }</th><th>{ "level" }</th><th>{ "alert" }</th><th>{ "as mapped" }</th></tr></thead>
                    <tbody>
                        { for out.checks.iter().map(|r| {
                            let (id, level) = expected(m, r.priority);
                            let ok = r.rule == Some(id) && r.level == Some(level);
                            html! {
                                <tr data-priority={r.priority.as_str()}>
                                    <td>{ r.priority.as_str() }</td>
                                    { rule_cell(r.rule) }
                                    <td>{ badge(r.level) }</td>
                                    <td>{ if r.alert { "yes" } else { "no" } }</td>
                                    <td class={if ok { "pass" } else { "fail" }}>{ if ok { "✓".to_string() } else { format!("✗ expected {id} level {level}") } }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                if !out.overrides.is_empty() {
                    <h3>{ "Overrides (every priority)" }</h3>
                    <table id="falco-override-check" class="falco-table">
                        <thead><tr><th>{ "Falco rule" }</th><th>{ "→ rule" }</th><th>{ "level" }</th><th>{ "every priority" }</th></tr></thead>
                        <tbody>
                            { for out.overrides.iter().map(|r| html! {
                                <tr>
                                    <td>{ r.falco_rule.clone() }</td>
                                    { rule_cell(r.rule) }
                                    <td>{ badge(r.level) }</td>
                                    <td class={if r.all_priorities { "pass" } else { "fail" }}>{ if r.all_priorities { "✓" } else { "✗ differs by priority" } }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                }
            </div>
        }
    });

    html! {
        <div class="falco-backdrop">
            <section id="falco" ref={dialog} tabindex="-1" class="falco-panel" role="dialog" aria-modal="true" aria-label="Falco mapping" onkeydown={on_key}>
                <header class="falco-head">
                    <h2>{ "Falco mapping" }<span class="muted">{ " edit the integration; the files and verdicts follow" }</span></h2>
                    <button id="falco-use" disabled={out.mapping.is_none()} onclick={on_use}
                        title="Put the generated rules (and decoders) and the example events into the panes">{ "Use these rules" }</button>
                    <button id="falco-close" class="small" aria-label="close" title="close (Esc)" onclick={close}>{ "×" }</button>
                </header>
                <div class="falco-body">
                    { form_html }
                    <div class="falco-out">
                        { problems }
                        { diagnostics }
                        { files }
                    </div>
                    { verdicts.unwrap_or_default() }
                </div>
            </section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(rows: &[EventRow]) -> Vec<Option<u32>> {
        rows.iter().map(|r| r.rule).collect()
    }

    #[test]
    fn the_default_form_is_the_integration() {
        let m = Form::default().to_mapping().unwrap();
        assert_eq!(m, Mapping::default());
        let mut f = Form::default();
        f.set_level(Priority::Debug, " 3 ".into());
        f.groups = "falco, , syscall".into();
        f.overrides.push(OverrideForm::default());
        f.overrides.push(OverrideForm {
            rule: "Terminal shell in container".into(),
            level: "10".into(),
        });
        let m = f.to_mapping().unwrap();
        assert_eq!(m.level(Priority::Debug), Some(3));
        assert_eq!(m.groups, ["falco", "syscall"]);
        assert_eq!(m.overrides.len(), 1);
        assert_eq!(m.overrides[0].id, Some(100610));
    }

    #[test]
    fn bad_input_is_problems_with_codes() {
        let mut f = Form {
            base_id: "10x".into(),
            description: "a <b>".into(),
            ..Form::default()
        };
        f.set_level(Priority::Warning, "high".into());
        f.set_level(Priority::Alert, "17".into());
        f.overrides.push(OverrideForm {
            rule: "x".into(),
            level: "".into(),
        });
        let codes: Vec<&str> = f.to_mapping().unwrap_err().iter().map(|p| p.code).collect();
        assert_eq!(codes, ["F002", "F001", "F001", "F001", "F003"]);
        let out = build(&f);
        assert!(out.mapping.is_none() && out.files.is_empty() && out.events.is_empty());
        assert_eq!(out.problems.len(), 5);
    }

    #[test]
    fn transport_moves_a_default_path_only() {
        let mut f = Form::default();
        f.set_transport(Transport::Syslog);
        assert_eq!(f.path, "/var/log/syslog");
        f.path = "/var/log/messages".into();
        f.set_transport(Transport::Json);
        assert_eq!(f.path, "/var/log/messages");
    }

    /// The embedded example rules' verdicts on the example events.
    fn example_ids() -> Vec<Option<u32>> {
        let rs = Ruleset::load(&defaults::falco_example())
            .ruleset
            .expect("loads");
        event_verdicts(&rs, Transport::Json, "/var/log/falco/events.json")
            .iter()
            .map(|r| r.rule)
            .collect()
    }

    #[test]
    fn the_default_mapping_gives_the_example_rules_verdicts() {
        let out = build(&Form::default());
        assert!(out.problems.is_empty());
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let names: Vec<&str> = out.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["falco_rules.xml", "ossec_localfile.xml", "falco_wazuh.yaml"]
        );
        assert!(out.files[0]
            .text
            .contains("<rule id=\"100607\" level=\"16\">"));
        assert_eq!(out.events.len(), 12);
        assert_eq!(ids(&out.events), example_ids());
        let warning = &out.events[1];
        assert_eq!(
            (warning.priority.as_str(), warning.rule, warning.level),
            ("Warning", Some(100603), Some(8))
        );
        assert!(warning.alert);
        // The last event has no marker: no rule.
        assert_eq!(out.events[11].rule, None);
        // Every priority reaches its rule.
        let m = out.mapping.as_ref().unwrap();
        assert_eq!(out.checks.len(), 8);
        for r in &out.checks {
            let (id, level) = expected(m, r.priority);
            assert_eq!((r.rule, r.level), (Some(id), Some(level)));
        }
    }

    #[test]
    fn syslog_gives_the_same_rules_on_syslog_lines() {
        let mut f = Form::default();
        f.set_transport(Transport::Syslog);
        let out = build(&f);
        assert!(out.problems.is_empty());
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert!(out.files.iter().any(|f| f.name == "falco_decoders.xml"));
        assert_eq!(ids(&out.events), example_ids());
        assert!(example_events(Transport::Syslog)
            .iter()
            .all(|l| l.starts_with("Mar  1 09:00:00 node1 falco: {")));
        assert!(out.checks.iter().all(|r| r.transport == Transport::Syslog));
    }

    #[test]
    fn levels_and_overrides_change_the_verdicts() {
        let mut f = Form::default();
        f.set_level(Priority::Debug, "3".into());
        f.overrides.push(OverrideForm {
            rule: "Terminal shell in container".into(),
            level: "10".into(),
        });
        let out = build(&f);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let debug = out.events.iter().find(|e| e.priority == "Debug").unwrap();
        assert_eq!(
            (debug.rule, debug.level, debug.alert),
            (Some(100608), Some(3), true)
        );
        assert_eq!(
            (out.events[0].rule, out.events[0].level),
            (Some(100610), Some(10))
        );
        assert_eq!(out.overrides.len(), 1);
        assert!(out.overrides[0].all_priorities);
        assert_eq!(out.overrides[0].rule, Some(100610));
    }

    #[test]
    fn using_the_rules_fills_the_panes() {
        let mut f = Form::default();
        f.set_transport(Transport::Syslog);
        let out = build(&f);
        let mut ws = Workspace::from_example(defaults::example("sshd").unwrap());
        assert!(apply_to_workspace(&mut ws, &out));
        assert!(ws.rules.contains("<decoded_as>falco-syslog</decoded_as>"));
        assert!(ws.decoders.contains("<decoder name=\"falco-syslog\">"));
        assert_eq!(ws.location, "/var/log/syslog");
        let run = crate::engine::run(&ws);
        assert!(run.loaded);
        let got: Vec<Option<u32>> = run
            .events
            .iter()
            .map(|e| e.verdict.rule.as_ref().map(|r| r.id))
            .collect();
        assert_eq!(got, ids(&out.events));
        // Nothing to use while the form has problems.
        let bad = Form {
            base_id: "x".into(),
            ..Form::default()
        };
        assert!(!apply_to_workspace(&mut ws, &build(&bad)));
    }
}
