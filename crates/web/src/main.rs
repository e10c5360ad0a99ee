//! rulelab-web: the playground. A thin Yew shell around rulelab-core: every
//! verdict comes from the same core API the CLI uses, and everything runs in
//! the browser (no server, no request after the page has loaded).
//!
//! * [`state`]: the whole page as one value; share links and localStorage.
//! * [`engine`]: the single call into the core (load, then one session).
//! * [`app`], [`editor`], [`results`]: Yew function components.
//! * [`falco_panel`]: the Falco mapping panel (form, generated files, verdicts).
//! * [`browser`]: the few DOM APIs used, each failing softly.
//! * [`bench`]: the wasm bench (W4), exported to page JS as `rulelabBench`.

mod app;
mod bench;
mod browser;
mod editor;
mod engine;
mod falco_panel;
mod results;
mod state;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;

/// Talc instead of the default dlmalloc: an evaluation makes many small
/// allocations, and Talc serves them faster with less code (issue 8, W4).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    yew::Renderer::<app::App>::new().render();
}
