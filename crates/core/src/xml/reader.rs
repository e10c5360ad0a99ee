//! The byte scanner: a model of os_xml's `_ReadElem` / `_getattributes` /
//! `_oscomment` (rules.md §1.2), written from its observable behaviour.
//!
//! os_xml recurses once per nested element; here an explicit stack of
//! [`Frame`]s plays that role (no deep native recursion, depth limit checked
//! like os_xml's `recursion_level`). Each frame is in one of four states:
//! outside an element (only the root frame), reading the element name,
//! reading content, reading the closing name. Every byte of one frame's
//! current buffer is counted for the 20480-byte limit (R1.2.9).

use super::{cstr, lossy, Ctx, Kind, RawNode, XML_MAXSIZE, XML_MAX_DEPTH};
use crate::diagnostic::Diagnostic;

/// C `isspace` in the "C" locale, which os_xml uses for name and attribute
/// separators.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loc {
    Outside,
    Name,
    Content,
    Close,
}

struct Frame {
    /// Level given to elements read by this frame (os_xml's `parent`).
    level: u32,
    /// os_xml's `recursion_level` (root frame = 1).
    depth: u32,
    loc: Loc,
    /// Bytes in the current buffer (name, content or closing name).
    count: usize,
    /// Backslash parity: `false` after an odd run of `\` (R1.2.2).
    even: bool,
    /// Where the current buffer started (for spans).
    buf_start: usize,
    elem: Vec<u8>,
    cont: Vec<u8>,
    close: Vec<u8>,
    /// Node index of the element being read.
    cur: usize,
    tag_start: usize,
    /// Where the content after the last child started.
    cont_start: usize,
    /// Where the content ended (the `<` of `</`).
    cont_end: usize,
}

impl Frame {
    fn new(level: u32, depth: u32, loc: Loc, tag_start: usize) -> Frame {
        Frame {
            level,
            depth,
            loc,
            count: 0,
            even: true,
            buf_start: tag_start + 1,
            elem: Vec::new(),
            cont: Vec::new(),
            close: Vec::new(),
            cur: 0,
            tag_start,
            cont_start: 0,
            cont_end: 0,
        }
    }
}

/// First end of a comment whose body starts at `from`: the earliest `!>` or
/// `-->` (R1.2.3). Returns the offset just after it.
fn comment_end(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'!' if b.get(i + 1) == Some(&b'>') => return Some(i + 2),
            b'-' if b.get(i + 1) == Some(&b'-') && b.get(i + 2) == Some(&b'>') => {
                return Some(i + 3)
            }
            _ => i += 1,
        }
    }
    None
}

const HELP_OVERFLOW: &str =
    "Wazuh limits element names, contents and attribute values to 20479 bytes; shorten it";

/// Reads the whole text into os_xml's flat node list.
pub(crate) fn read(ctx: &Ctx) -> Result<Vec<RawNode>, Diagnostic> {
    let b = ctx.text.as_bytes();
    let mut pos = 0usize;
    let mut nodes: Vec<RawNode> = Vec::new();
    let mut stack: Vec<Frame> = vec![Frame::new(0, 1, Loc::Outside, 0)];
    // Frames of finished elements, reused with their buffers' capacity: a
    // ruleset has tens of thousands of elements.
    let mut spare: Vec<Frame> = Vec::new();

    loop {
        let nframes = stack.len();
        let Some(f) = stack.last_mut() else {
            break;
        };
        // Fast path over a run of plain bytes in content or at the root: only
        // `<` and `\` change the state, so the bytes before the next one are
        // appended (content) or skipped (root) at once, with the same effect
        // as the byte loop below: each adds to the count and resets the
        // backslash parity. Bounded by the size limit, so the loop below
        // still reports an overflow at its exact byte.
        if matches!(f.loc, Loc::Content | Loc::Outside) {
            let rest = b.get(pos..).unwrap_or(&[]);
            let mut run = memchr::memchr2(b'<', b'\\', rest).unwrap_or(rest.len());
            if f.loc == Loc::Content {
                run = run.min(XML_MAXSIZE.saturating_sub(f.count));
                f.cont.extend_from_slice(&rest[..run]);
                f.count += run;
            }
            if run > 0 {
                f.even = true;
                pos += run;
                continue;
            }
        }
        let Some(&c) = b.get(pos) else {
            if nframes == 1 && f.loc == Loc::Outside {
                break;
            }
            return Err(eof_error(ctx, &nodes, f));
        };
        pos += 1;

        // Backslash parity (R1.2.2): each `\` flips it, any byte but `<`
        // resets it; a `<` keeps it (so `\<!--c--><` is still escaped).
        if c == b'\\' {
            f.even = !f.even;
        } else if c != b'<' && !f.even {
            f.even = true;
        }

        if f.count >= XML_MAXSIZE {
            let what = match f.loc {
                Loc::Name => "element name",
                Loc::Close => "closing tag name",
                _ => "element content",
            };
            return Err(ctx.read_error(
                "X008",
                format!(
                    "{what} is longer than Wazuh's limit of {} bytes",
                    XML_MAXSIZE - 1
                ),
                HELP_OVERFLOW,
                b"XMLERR: String overflow.",
                pos,
                (f.buf_start, pos - 1),
            ));
        }

        // `<!` opens a comment in every state, escaped or not (R1.2.3).
        if c == b'<' && b.get(pos) == Some(&b'!') {
            match comment_end(b, pos + 1) {
                Some(end) => {
                    pos = end;
                    continue;
                }
                None => {
                    return Err(ctx.read_error(
                        "X004",
                        "comment is never closed".into(),
                        "a comment starts at `<!` and ends at the first `-->` or `!>`; \
                         `<!DOCTYPE`, `<![CDATA[` and `\\<!` in a regex start one too",
                        b"XMLERR: Comment not closed.",
                        b.len(),
                        (pos - 1, pos + 1),
                    ));
                }
            }
        }

        match f.loc {
            Loc::Outside => {
                // Text at the root is ignored (R1.2.10), so is an escaped `<`.
                if c == b'<' {
                    if !f.even {
                        f.even = true;
                        continue;
                    }
                    if b.get(pos) == Some(&b'/') {
                        let end = b[pos..]
                            .iter()
                            .position(|&x| x == b'>' || x == b'\n')
                            .map_or(b.len(), |n| pos + n + usize::from(b[pos + n] == b'>'));
                        return Err(ctx.read_error(
                            "X003",
                            "closing tag without an open element".into(),
                            "remove this closing tag or add the matching start tag",
                            b"XMLERR: Element not opened.",
                            pos + 1,
                            (pos - 1, end),
                        ));
                    }
                    f.loc = Loc::Name;
                    f.tag_start = pos - 1;
                    f.buf_start = pos;
                    f.count = 0;
                    f.elem.clear();
                }
            }
            Loc::Name if c == b'>' || is_c_space(c) => {
                let mut name = std::mem::take(&mut f.elem);
                let self_closing = name.last() == Some(&b'/');
                if self_closing {
                    name.pop();
                }
                // The C string: up to a NUL (no copy).
                if let Some(n) = memchr::memchr(0, &name) {
                    name.truncate(n);
                }
                let is_var = name.eq_ignore_ascii_case(b"var");
                let idx = nodes.len();
                nodes.push(RawNode {
                    kind: if is_var { Kind::Var } else { Kind::Elem },
                    level: f.level,
                    name,
                    content: None,
                    span: (f.tag_start, pos),
                    content_span: (pos, pos),
                });
                f.cur = idx;
                let mut slash = false;
                if is_c_space(c) {
                    slash = read_attributes(ctx, b, &mut pos, f.level, idx, &mut nodes)?;
                    nodes[idx].span.1 = pos;
                }
                if self_closing || slash {
                    // `<x/>`: content "" (R1.2.8). After `<x />` or
                    // `<x a="1"/>` os_xml stops at the `/`; the `>` that
                    // follows is read as text of the enclosing element.
                    nodes[idx].content = Some(Vec::new());
                    nodes[idx].content_span = (pos, pos);
                    finish_element(&mut stack, &mut spare, pos);
                } else {
                    f.loc = Loc::Content;
                    f.count = 0;
                    f.cont.clear();
                    f.buf_start = pos;
                    f.cont_start = pos;
                }
            }
            Loc::Content if c == b'<' && f.even => {
                if b.get(pos) == Some(&b'/') {
                    pos += 1;
                    f.loc = Loc::Close;
                    f.cont_end = pos - 2;
                    f.count = 0;
                    f.close.clear();
                    f.buf_start = pos;
                } else {
                    let depth = f.depth + 1;
                    if depth > XML_MAX_DEPTH {
                        return Err(ctx.read_error(
                            "X009",
                            format!("elements are nested more than {XML_MAX_DEPTH} levels deep"),
                            "Wazuh's reader stops at 1024 nested elements; flatten the file",
                            b"XMLERR: Max recursion level reached",
                            pos - 1,
                            (pos - 1, pos),
                        ));
                    }
                    let level = f.level + 1;
                    let frame = match spare.pop() {
                        Some(mut f) => {
                            f.elem.clear();
                            f.cont.clear();
                            f.close.clear();
                            let (elem, cont, close) = (
                                std::mem::take(&mut f.elem),
                                std::mem::take(&mut f.cont),
                                std::mem::take(&mut f.close),
                            );
                            Frame {
                                elem,
                                cont,
                                close,
                                ..Frame::new(level, depth, Loc::Name, pos - 1)
                            }
                        }
                        None => Frame::new(level, depth, Loc::Name, pos - 1),
                    };
                    stack.push(frame);
                }
            }
            Loc::Close if c == b'>' => {
                if cstr(&f.close) != nodes[f.cur].name.as_slice() {
                    let name = lossy(&nodes[f.cur].name);
                    let prolog = name.starts_with('?');
                    let mut err = b"XMLERR: Element '".to_vec();
                    err.extend_from_slice(&nodes[f.cur].name);
                    err.extend_from_slice(b"' not closed.");
                    return Err(ctx.read_error(
                        if prolog { "X007" } else { "X002" },
                        format!(
                            "closing tag `</{}>` does not match `<{name}>`",
                            lossy(&f.close)
                        ),
                        "a closing tag must repeat the element name exactly: same case, \
                         no spaces (R1.2.8)",
                        &err,
                        pos,
                        (f.cont_end, pos),
                    ));
                }
                let content = cstr(&f.cont).to_vec();
                let cur = f.cur;
                nodes[cur].content = Some(content);
                nodes[cur].content_span = (f.cont_start, f.cont_end);
                finish_element(&mut stack, &mut spare, pos);
            }
            Loc::Name | Loc::Content | Loc::Close => {
                let buf = match f.loc {
                    Loc::Name => &mut f.elem,
                    Loc::Content => &mut f.cont,
                    _ => &mut f.close,
                };
                buf.push(c);
                f.count += 1;
                if c == b'<' {
                    f.even = true;
                }
            }
        }
    }
    Ok(nodes)
}

/// An element just ended at `pos`: a child frame returns to its parent
/// (whose content restarts after the child, R1.2.6); the root frame goes
/// back to reading root-level text.
fn finish_element(stack: &mut Vec<Frame>, spare: &mut Vec<Frame>, pos: usize) {
    if stack.len() > 1 {
        if let Some(f) = stack.pop() {
            spare.push(f);
        }
        if let Some(p) = stack.last_mut() {
            p.count = 0;
            p.cont.clear();
            p.buf_start = pos;
            p.cont_start = pos;
        }
    } else if let Some(f) = stack.last_mut() {
        f.loc = Loc::Outside;
        f.count = 0;
    }
}

/// End of file inside an element: points at the innermost open one.
fn eof_error(ctx: &Ctx, nodes: &[RawNode], f: &Frame) -> Diagnostic {
    let b = ctx.text.as_bytes();
    let (name, span) = match f.loc {
        Loc::Name | Loc::Outside => (cstr(&f.elem).to_vec(), (f.tag_start, b.len())),
        Loc::Content | Loc::Close => (nodes[f.cur].name.clone(), nodes[f.cur].span),
    };
    let name = lossy(&name);
    let prolog = name.starts_with('?');
    ctx.read_error(
        if prolog { "X007" } else { "X001" },
        if prolog {
            format!("`<{name}` (an XML declaration) is read by Wazuh as an element that is never closed")
        } else {
            format!("element `<{name}>` is never closed")
        },
        if prolog {
            "remove the `<?xml ...?>` line: Wazuh's reader does not support it (R1.2.4)"
        } else {
            "add the closing tag; note that `\\<` (odd number of backslashes) is text, \
             so `abc\\</x>` does not close `x`"
        },
        b"XMLERR: End of file and some elements were not closed.",
        b.len(),
        span,
    )
}

/// Outcome of one attribute-list scan: `true` when it stopped at a `/`.
type Slash = bool;

/// Reads the attributes after an element name (os_xml `_getattributes`,
/// R1.2.7). `pos` is just after the whitespace that ended the name; on
/// success it is just after the `>` or `/` that ended the tag.
fn read_attributes(
    ctx: &Ctx,
    b: &[u8],
    pos: &mut usize,
    level: u32,
    elem: usize,
    nodes: &mut Vec<RawNode>,
) -> Result<Slash, Diagnostic> {
    let elem_name = lossy(&nodes[elem].name);
    let prolog = elem_name.starts_with('?');
    let syntax = |msg: String, err: Vec<u8>, consumed: usize, span: (usize, usize)| {
        ctx.read_error(
            "X005",
            msg,
            "write attributes as name=\"value\" or name='value': no space before `=`, \
             no `>` inside the value, a space, `>` or `/` after the closing quote",
            &err,
            consumed,
            span,
        )
    };
    let msg = |parts: &[&[u8]]| parts.concat();

    // Each pass of this loop is one os_xml `_getattributes` call: one
    // attribute, then recursion after whitespace.
    loop {
        let mut in_value = false;
        let mut count = 0usize;
        let mut attr: Vec<u8> = Vec::new();
        let mut value: Vec<u8> = Vec::new();
        let mut quote = 0u8;
        let mut attr_start = *pos;
        loop {
            let Some(&c) = b.get(*pos) else {
                return Err(syntax(
                    "end of file inside the attributes of a start tag".into(),
                    b"XMLERR: End of file while reading an attribute.".to_vec(),
                    b.len(),
                    (attr_start, b.len()),
                ));
            };
            *pos += 1;
            if count >= XML_MAXSIZE {
                let shown: &[u8] = if in_value { &attr } else { &attr[..count - 1] };
                let shown = &cstr(shown)[..cstr(shown).len().min(20)];
                return Err(ctx.read_error(
                    "X008",
                    format!(
                        "attribute {} is longer than Wazuh's limit of {} bytes",
                        if in_value { "value" } else { "name" },
                        XML_MAXSIZE - 1
                    ),
                    HELP_OVERFLOW,
                    &msg(&[b"XMLERR: Overflow attempt at attribute '", shown, b"'."]),
                    *pos,
                    (attr_start, *pos - 1),
                ));
            }
            if c == b'>' || (!in_value && c == b'/') {
                let a = cstr(&attr);
                if in_value {
                    return Err(syntax(
                        format!("`>` inside the value of attribute `{}`", lossy(a)),
                        msg(&[b"XMLERR: Attribute '", a, b"' not closed."]),
                        *pos,
                        (attr_start, *pos),
                    ));
                } else if count > 0 {
                    return Err(syntax(
                        format!("attribute `{}` has no value", lossy(a)),
                        msg(&[b"XMLERR: Attribute '", a, b"' has no value."]),
                        *pos,
                        (attr_start, *pos - 1),
                    ));
                }
                return Ok(c == b'/');
            } else if !in_value && c == b'=' {
                if count == 0 {
                    attr_start = *pos - 1;
                }
                let a = cstr(&attr);
                // Duplicates: compared case-sensitively with the attributes
                // already read for this element.
                if nodes[elem + 1..].iter().any(|n| n.name.as_slice() == a) {
                    return Err(ctx.read_error(
                        "X006",
                        format!("attribute `{}` is given twice", lossy(a)),
                        "remove one of the two attributes",
                        &msg(&[b"XMLERR: Attribute '", a, b"' already defined."]),
                        *pos,
                        (attr_start, *pos),
                    ));
                }
                // After `=`: optional whitespace, then a quote.
                let mut q = b.get(*pos).copied();
                if q.is_some() {
                    *pos += 1;
                }
                if q.is_some_and(is_c_space) {
                    q = None;
                    while let Some(&x) = b.get(*pos) {
                        *pos += 1;
                        if !is_c_space(x) {
                            q = Some(x);
                            break;
                        }
                    }
                }
                match q {
                    Some(x @ (b'"' | b'\'')) => quote = x,
                    _ => {
                        return Err(syntax(
                            format!("value of attribute `{}` is not quoted", lossy(a)),
                            msg(&[b"XMLERR: Attribute '", a, b"' not followed by a \" or '."]),
                            *pos,
                            (attr_start, *pos),
                        ));
                    }
                }
                in_value = true;
                count = 0;
            } else if !in_value && is_c_space(c) {
                if count > 0 {
                    let a = cstr(&attr);
                    return Err(syntax(
                        format!(
                            "attribute `{}` has no value (Wazuh allows no space before `=`)",
                            lossy(a)
                        ),
                        msg(&[b"XMLERR: Attribute '", a, b"' has no value."]),
                        *pos,
                        (attr_start, *pos - 1),
                    ));
                }
            } else if in_value && c == quote {
                nodes.push(RawNode {
                    kind: Kind::Attr,
                    level,
                    name: cstr(&attr).to_vec(),
                    content: Some(cstr(&value).to_vec()),
                    span: (attr_start, *pos),
                    content_span: (*pos - 1 - value.len(), *pos - 1),
                });
                let next = b.get(*pos).copied();
                if next.is_some() {
                    *pos += 1;
                }
                match next {
                    Some(x) if is_c_space(x) => break,
                    Some(b'>') => return Ok(false),
                    Some(b'/') => return Ok(true),
                    _ => {
                        let a = cstr(&attr);
                        let err = msg(&[
                            b"XMLERR: Bad attribute closing for '",
                            a,
                            b"'='",
                            cstr(&value),
                            b"'.",
                        ]);
                        if prolog {
                            return Err(ctx.read_error(
                                "X007",
                                format!(
                                    "`<{elem_name}` is an XML declaration, which Wazuh's reader \
                                     does not support"
                                ),
                                "remove the `<?xml ...?>` line (R1.2.4)",
                                &err,
                                *pos,
                                (nodes[elem].span.0, *pos),
                            ));
                        }
                        return Err(syntax(
                            format!(
                                "attribute `{}` must be followed by a space, `>` or `/`",
                                lossy(a)
                            ),
                            err,
                            *pos,
                            (attr_start, *pos),
                        ));
                    }
                }
            } else if !in_value {
                if count == 0 {
                    attr_start = *pos - 1;
                }
                attr.push(c);
                count += 1;
            } else {
                value.push(c);
                count += 1;
            }
        }
    }
}
