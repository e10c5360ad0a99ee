//! A monospace text editor with line numbers: a `<textarea>` and a gutter
//! that scrolls with it. A `jump` request moves the caret to a line and
//! column (from a diagnostic) and scrolls there; `onclick` reports where a
//! click put the caret, and [`rule_at`] reads which rule is there.

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
    /// A click in the text: the text and the caret's UTF-16 offset.
    #[prop_or_default]
    pub onclick: Option<Callback<(String, u32)>>,
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

/// Byte offset in `text` of a UTF-16 offset (a DOM caret position); inside
/// a character (or past the end) it is that character's start (the end).
pub fn byte_offset(text: &str, utf16: u32) -> usize {
    let mut units = 0u32;
    for (i, c) in text.char_indices() {
        units += c.len_utf16() as u32;
        if units > utf16 {
            return i;
        }
    }
    text.len()
}

/// Whether `at` is inside an XML comment of `text`.
fn in_comment(text: &str, at: usize) -> bool {
    text[..at]
        .rfind("<!--")
        .is_some_and(|open| !text[open + 4..at].contains("-->"))
}

/// The id of the `<rule>` element around byte `at` of a rules file: the
/// nearest `<rule` start tag at or before `at` (not in a comment), unless
/// its `</rule>` ends before `at`. A caret inside `<rule` itself counts.
pub fn rule_at(text: &str, at: usize) -> Option<u32> {
    const TAG: &str = "<rule";
    let at = at.min(text.len());
    // Let a caret inside the tag name find it too.
    let mut end = (at + TAG.len()).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut search = &text[..end];
    let start = loop {
        let s = search.rfind(TAG)?;
        let next = text[s + TAG.len()..].chars().next();
        let is_tag = matches!(next, Some(c) if c.is_whitespace() || c == '>' || c == '/');
        if is_tag && !in_comment(text, s) {
            break s;
        }
        search = &text[..s];
    };
    let tag_end = text[start..]
        .find('>')
        .map_or(text.len(), |e| start + e + 1);
    if !text[start..tag_end].ends_with("/>") {
        if let Some(close) = text[tag_end..].find("</rule>") {
            if tag_end + close + "</rule>".len() < at {
                return None;
            }
        }
    } else if tag_end < at {
        return None;
    }
    attribute(&text[start + TAG.len()..tag_end], "id")?
        .trim()
        .parse()
        .ok()
}

/// The value of attribute `name` in the inside of a start tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    while let Some(i) = rest.find(name) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + name.len()..].trim_start();
        rest = &rest[i + name.len()..];
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let Some(value) = after.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value = &value[1..];
        return value.find(quote).map(|e| &value[..e]);
    }
    None
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
    let onclick = p.onclick.clone().map(|cb| {
        Callback::from(move |e: MouseEvent| {
            let t: HtmlTextAreaElement = e.target_unchecked_into();
            if let Ok(Some(at)) = t.selection_start() {
                cb.emit((t.value(), at));
            }
        })
    });
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
                aria-label={p.label.clone()} {oninput} {onscroll} {onclick} />
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

    #[test]
    fn byte_offsets_from_utf16() {
        let t = "ab\nçd€x😀y";
        assert_eq!(byte_offset(t, 0), 0);
        assert_eq!(byte_offset(t, 3), 3);
        // After `ç` (1 unit, 2 bytes) and `d`.
        assert_eq!(byte_offset(t, 5), 6);
        // `😀` is 2 units and 4 bytes: its middle is its start.
        assert_eq!(byte_offset(t, 7), 10);
        assert_eq!(byte_offset(t, 8), 10);
        assert_eq!(byte_offset(t, 9), 14);
        assert_eq!(byte_offset(t, 10), 15);
        assert_eq!(byte_offset(t, 99), t.len());
        for u in 0..20 {
            assert!(t.is_char_boundary(byte_offset(t, u)));
        }
    }

    const RULES: &str = r#"<group name="x,">
  <!-- <rule id="1"> is commented out -->
  <rule id="100600" level="0">
    <decoded_as>json</decoded_as>
  </rule>

  <rule level='3' id = '100601'
        frequency="2">
    <if_sid>100600</if_sid>
    <rule_id>ignored</rule_id>
  </rule>
  <rule id="100602" level="1" />
  <rule id="bad" level="1"></rule>
  <rules_extra id="5"/>
</group>"#;

    fn at(needle: &str) -> usize {
        RULES.find(needle).unwrap()
    }

    #[test]
    fn the_rule_at_the_caret() {
        // Before any rule, and in a comment.
        assert_eq!(rule_at(RULES, 0), None);
        assert_eq!(rule_at(RULES, at("<rule id=\"1\"") + 3), None);
        // On the start tag, inside its name, at its very start.
        assert_eq!(rule_at(RULES, at("<rule id=\"100600")), Some(100600));
        assert_eq!(rule_at(RULES, at("<rule id=\"100600") + 2), Some(100600));
        assert_eq!(rule_at(RULES, at("level=\"0\"")), Some(100600));
        // Inside the body and on (and just after) the end tag.
        assert_eq!(rule_at(RULES, at("json")), Some(100600));
        let close = at("</rule>");
        assert_eq!(rule_at(RULES, close + 3), Some(100600));
        assert_eq!(rule_at(RULES, close + 7), Some(100600));
        // Between rules.
        assert_eq!(rule_at(RULES, close + 9), None);
        // Single quotes, spaces around `=`, id after another attribute,
        // a start tag over two lines, a `<rule_id>` child.
        assert_eq!(rule_at(RULES, at("frequency")), Some(100601));
        assert_eq!(rule_at(RULES, at("ignored")), Some(100601));
        // A self-closing rule; then past it.
        assert_eq!(rule_at(RULES, at("<rule id=\"100602") + 8), Some(100602));
        assert_eq!(rule_at(RULES, at("<rule id=\"bad") - 1), None);
        // A bad id; `<rules_extra` is no rule.
        assert_eq!(rule_at(RULES, at("<rule id=\"bad") + 8), None);
        assert_eq!(rule_at(RULES, at("<rules_extra") + 3), None);
        // Past the end, and odd input, do not panic.
        assert_eq!(rule_at(RULES, usize::MAX), None);
        assert_eq!(rule_at("<rule", 5), None);
        assert_eq!(rule_at("<rule id=\"7", 3), None);
        assert_eq!(rule_at("<rule id=\"7\"", 3), Some(7));
        assert_eq!(rule_at("é<rule id=\"7\">ü", 2), Some(7));
        assert_eq!(rule_at("é<rule id=\"7\">ü", 1), None);
        assert_eq!(rule_at("<rule id=\"7\">ü", 16), Some(7));
        assert_eq!(rule_at("<!--", 2), None);
    }
}
