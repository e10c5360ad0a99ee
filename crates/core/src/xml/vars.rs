//! `<var>` definitions and `$NAME` substitution (rules.md §1.3), modelled on
//! os_xml's `OS_ApplyVariables`, which runs over the flat node list in
//! document order.

use super::{cstr, lossy, Ctx, Kind, RawNode, XML_VARIABLE_MAXSIZE};
use crate::diagnostic::Diagnostic;

/// Bytes that end a variable name after `$` (R1.3.3).
fn ends_name(b: u8) -> bool {
    matches!(b, b'$' | b'.' | b'|' | b',' | b' ')
}

enum SubstError {
    Unknown(Vec<u8>),
    TooLong(usize),
}

/// Substitutes the variables into `orig` (R1.3.2-R1.3.6).
///
/// Wazuh keeps a write offset into the new string that advances with every
/// byte it walks over, except over a `$(...)` placeholder, which it skips
/// without advancing the offset. A later `$VAR` therefore splices its value
/// that many bytes too early, overwriting text: the R1.3.6 quirk, reproduced
/// here (`a $(srcip) b $V c` -> `a $(sVARVAL c`).
fn substitute(orig: &[u8], vars: &[(Vec<u8>, Vec<u8>)]) -> Result<Vec<u8>, SubstError> {
    let mut cur = orig.to_vec();
    let mut init = 0usize; // write offset in `cur`
    let mut p = 0usize; // read offset in `orig`
    while p < orig.len() {
        if orig[p] != b'$' {
            p += 1;
            init += 1;
            continue;
        }
        p += 1;
        let start = p;
        while p < orig.len() && !ends_name(orig[p]) {
            if p - start >= XML_VARIABLE_MAXSIZE - 1 {
                return Err(SubstError::TooLong(p - start));
            }
            p += 1;
        }
        let name = &orig[start..p];
        // The first definition of a name wins (R1.3.3: case-insensitive).
        if let Some((_, value)) = vars.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            let keep = init.min(cur.len());
            let mut next = Vec::with_capacity(keep + value.len() + orig.len() - p);
            next.extend_from_slice(&cur[..keep]);
            next.extend_from_slice(value);
            init = next.len();
            next.extend_from_slice(&orig[p..]);
            cur = next;
        } else if name.first() == Some(&b'(') {
            // `$(field)` placeholders are left alone (R1.3.4), and the write
            // offset is not advanced over them (R1.3.6).
        } else if !name.is_empty() {
            return Err(SubstError::Unknown(name.to_vec()));
        } else {
            // A lone `$` (before a terminator or at the end) stays.
            init += 1;
        }
    }
    Ok(cur)
}

/// Defines the variables and substitutes them into later contents and
/// attribute values, in place.
pub(crate) fn apply(ctx: &Ctx, nodes: &mut [RawNode]) -> Result<(), Diagnostic> {
    const HELP_DEF: &str = "define a variable as <var name=\"NAME\">value</var>";
    let mut vars: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for i in 0..nodes.len() {
        if nodes[i].kind == Kind::Var {
            // os_xml looks at the *first attribute node after* the var
            // element at its level or deeper, which may belong to a later
            // element when the var has none (R1.3.1).
            let level = nodes[i].level;
            let mut name = None;
            for node in nodes[i + 1..].iter().take_while(|n| n.level >= level) {
                if node.kind != Kind::Attr {
                    continue;
                }
                if !node.name.eq_ignore_ascii_case(b"name") {
                    return Err(ctx.var_error(
                        "X010",
                        format!(
                            "`{}` is not allowed on <var>: its only attribute is `name`",
                            lossy(&node.name)
                        ),
                        HELP_DEF,
                        b"XMLERR: Only \"name\" is allowed as an attribute for a variable.",
                        node.span,
                    ));
                }
                let n = node.content.clone().unwrap_or_default();
                if n.len() >= XML_VARIABLE_MAXSIZE {
                    return Err(ctx.var_error(
                        "X010",
                        format!(
                            "variable name is {} bytes long; Wazuh allows at most {}",
                            n.len(),
                            XML_VARIABLE_MAXSIZE - 1
                        ),
                        HELP_DEF,
                        b"XMLERR: Invalid variable name size.",
                        node.span,
                    ));
                }
                name = Some(n);
                break;
            }
            match (name, nodes[i].content.clone()) {
                (Some(n), Some(v)) => vars.push((n, v)),
                _ => {
                    return Err(ctx.var_error(
                        "X010",
                        "<var> has no `name` attribute".into(),
                        HELP_DEF,
                        b"XMLERR: No value set for variable.",
                        nodes[i].span,
                    ));
                }
            }
            continue;
        }
        if vars.is_empty() {
            continue;
        }
        let Some(orig) = nodes[i].content.as_deref() else {
            continue;
        };
        if orig.len() <= 2 {
            continue;
        }
        match substitute(orig, &vars) {
            Ok(new) => nodes[i].content = Some(cstr(&new).to_vec()),
            Err(e) => {
                let n = &nodes[i];
                let what = if n.kind == Kind::Attr {
                    format!("value of attribute `{}`", lossy(&n.name))
                } else {
                    format!("content of <{}>", lossy(&n.name))
                };
                let span = reference_span(ctx, n, &e);
                return Err(match e {
                    SubstError::Unknown(name) => {
                        let shown = &name[..name.len().min(95)];
                        let mut err = b"XMLERR: Unknown variable: '".to_vec();
                        err.extend_from_slice(shown);
                        err.extend_from_slice(b"'.");
                        ctx.var_error(
                            "X011",
                            format!("unknown variable `${}` in the {what}", lossy(&name)),
                            "in a file that defines variables every `$` followed by a name is \
                             a variable reference; define it earlier in this file, or break \
                             the name (e.g. `\\$` does not help: the name ends only at \
                             `$ . | ,` or a space)",
                            &err,
                            span,
                        )
                    }
                    SubstError::TooLong(n) => ctx.var_error(
                        "X012",
                        format!("variable reference in the {what} is longer than 255 bytes"),
                        "a `$` starts a variable reference that ends at `$ . | ,` or a space",
                        format!("XMLERR: Invalid variable name size: '{n}'.").as_bytes(),
                        span,
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Narrows the span to the `$NAME` reference when it can be found in the
/// source; otherwise the whole content or attribute.
fn reference_span(ctx: &Ctx, n: &RawNode, e: &SubstError) -> (usize, usize) {
    let (start, end) = n.content_span;
    let src = ctx.text.as_bytes();
    let (Some(slice), SubstError::Unknown(name)) = (src.get(start..end), e) else {
        return if n.kind == Kind::Attr {
            n.span
        } else {
            (start, end)
        };
    };
    let mut needle = vec![b'$'];
    needle.extend_from_slice(name);
    match slice
        .windows(needle.len())
        .position(|w| w == needle.as_slice())
    {
        Some(off) => (start + off, start + off + needle.len()),
        None if n.kind == Kind::Attr => n.span,
        None => (start, end),
    }
}
