//! A monospace text editor with line numbers: a `<textarea>` and a gutter
//! that scrolls with it. A `jump` request moves the caret to a line and
//! column (from a diagnostic) and scrolls there.

use web_sys::{HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Where to put the caret: 1-based line and byte column, plus a sequence
/// number so that the same place can be requested twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jump {
    pub line: u32,
    pub column: u32,
    pub seq: u32,
}

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub oninput: Callback<String>,
    #[prop_or_default]
    pub jump: Option<Jump>,
    #[prop_or_default]
    pub placeholder: AttrValue,
}

/// UTF-16 offset (what the DOM's selection uses) of a 1-based line and byte
/// column in `text`.
pub fn utf16_offset(text: &str, line: u32, column: u32) -> u32 {
    let mut offset = 0u32;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line as usize {
            let mut byte = (column.saturating_sub(1) as usize).min(l.len());
            while !l.is_char_boundary(byte) {
                byte -= 1;
            }
            return offset + l[..byte].encode_utf16().count() as u32;
        }
        offset += l.encode_utf16().count() as u32 + 1;
    }
    offset.saturating_sub(1)
}

/// Approximate pixel height of one line (the CSS sets line-height: 1.45em
/// on a 13px font).
const LINE_PX: f64 = 13.0 * 1.45;

#[function_component(Editor)]
pub fn editor(p: &EditorProps) -> Html {
    let area = use_node_ref();
    let gutter = use_node_ref();
    let lines = p.value.split('\n').count().max(1);
    let numbers: String = (1..=lines).map(|n| format!("{n}\n")).collect();

    let onscroll = {
        let (area, gutter) = (area.clone(), gutter.clone());
        Callback::from(move |_: Event| {
            if let (Some(a), Some(g)) = (
                area.cast::<HtmlTextAreaElement>(),
                gutter.cast::<HtmlElement>(),
            ) {
                g.set_scroll_top(a.scroll_top());
            }
        })
    };
    let oninput = {
        let cb = p.oninput.clone();
        Callback::from(move |e: InputEvent| {
            let t: HtmlTextAreaElement = e.target_unchecked_into();
            cb.emit(t.value());
        })
    };
    {
        let area = area.clone();
        let value = p.value.clone();
        use_effect_with(p.jump, move |jump| {
            if let (Some(j), Some(a)) = (jump, area.cast::<HtmlTextAreaElement>()) {
                let at = utf16_offset(&value, j.line, j.column);
                let _ = a.focus();
                let _ = a.set_selection_range(at, at);
                a.set_scroll_top(((j.line.saturating_sub(3)) as f64 * LINE_PX) as i32);
            }
        });
    }

    html! {
        <div class="editor">
            <label class="visually-hidden" for={p.id.clone()}>{ p.label.clone() }</label>
            <pre class="gutter" aria-hidden="true" ref={gutter}>{ numbers }</pre>
            <textarea id={p.id.clone()} ref={area} spellcheck="false" autocomplete="off"
                wrap="off" value={p.value.clone()} placeholder={p.placeholder.clone()}
                aria-label={p.label.clone()} {oninput} {onscroll} />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_utf16_units() {
        let t = "ab\nçd€x\n\nlast";
        assert_eq!(utf16_offset(t, 1, 1), 0);
        assert_eq!(utf16_offset(t, 2, 1), 3);
        // Column 4 is the byte after `ç` (2 bytes) and `d`: 2 UTF-16 units in.
        assert_eq!(utf16_offset(t, 2, 4), 5);
        // Inside the 3-byte `€`: back to its start.
        assert_eq!(utf16_offset(t, 2, 5), 5);
        assert_eq!(utf16_offset(t, 4, 3), 11);
        // Past the end: the end.
        assert_eq!(utf16_offset(t, 9, 1), 13);
    }
}
