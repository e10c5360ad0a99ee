//! Loading decoder files (decoding.md §5.1–§5.5).
//!
//! One pass per `<decoder>`: read the children in document order (R5.3),
//! validate in Wazuh's order (§5.4, V1–V9), compile, insert into the tree
//! (§5.5, V10). A fatal problem ends the current file (R5.1.5); we go on with
//! the next file so that every file's first error is reported. Diagnostic
//! codes are documented in `docs/codes/decoders.md`.

use super::json::{ArrayMode, JsonOptions, NullMode};
use super::{
    Decoder, DecoderFile, DecoderSet, Offset, OrderSlot, Plugin, TopNode, INTERNAL_DECODER_NAMES,
};
use crate::diagnostic::{Diagnostic, Span};
use crate::event::StaticField;
use crate::pattern::{Dialect, Pattern};
use crate::xml::Element;
use std::collections::BTreeSet;
use std::sync::Arc;

/// `decoder_order_size` (internal option, default 256; decoding.md §8).
pub(crate) const DECODER_ORDER_SIZE: usize = 256;
/// `OS_SIZE_1024`: concatenated element limit of `_loadmemory` (R5.3.3).
const LOADMEMORY_LIMIT: usize = 1024;

/// A fatal load problem: the diagnostic to report; the file stops here.
type Fatal = Box<Diagnostic>;

pub(crate) fn load(files: &[DecoderFile]) -> (DecoderSet, Vec<Diagnostic>) {
    let mut set = DecoderSet::default();
    let mut diags = Vec::new();
    let mut names: BTreeSet<String> = BTreeSet::new();

    for f in files {
        if f.roots.is_empty() {
            // R5.1.2a: empty file / no element is an error, except Wazuh's own
            // `etc/decoders/local_decoder.xml`.
            let base = f.file.rsplit('/').next().unwrap_or(&f.file);
            if base != "local_decoder.xml" {
                diags.push(
                    Diagnostic::error("D001", "decoder file has no element")
                        .with_span(Span::at(&f.file, "", 0, 0))
                        .with_wazuh(refusal(
                            &f.file,
                            &["(1231): Invalid NULL element in the configuration.".into()],
                        ))
                        .with_help("add at least one <decoder>, or remove the file"),
                );
            }
            continue;
        }
        for root in &f.roots {
            let mut ctx = Ctx {
                file: &f.file,
                diags: &mut diags,
            };
            match load_one(&mut ctx, root) {
                Ok(dec) => {
                    names.insert(dec.name.clone());
                    if let Err(d) = insert(&mut set, dec, &f.file) {
                        diags.push(*d);
                        break;
                    }
                }
                Err(d) => {
                    // addDecoder2list runs before the children are read, so a
                    // failed decoder's name is in the store too (irrelevant:
                    // Wazuh stops).
                    if let Some(n) = root.attributes.first() {
                        names.insert(n.value.clone());
                    }
                    diags.push(*d);
                    break;
                }
            }
        }
    }

    for n in INTERNAL_DECODER_NAMES {
        names.insert(n.to_string());
    }
    set.store = names.into_iter().collect();
    set_ids(&mut set, &mut diags, files);
    for top in set.pn.iter_mut().chain(set.nopn.iter_mut()) {
        top.needles = super::index::ChainNeedles::build(&top.children, &set.decoders).map(Arc::new);
        // Only for prematches that make the lower-cased copy anyway.
        top.prematch_key = set.decoders[top.decoder]
            .prematch
            .as_ref()
            .filter(|p| p.needs_lower())
            .map_or(crate::pattern::fold::NeedleKey::ANY, |p| p.needle_key());
    }
    set.pn_index = super::index::PnIndex::build(&set.pn, &set.decoders);
    set.load_id = super::index::ProgramCache::next_load_id();
    set.nopn_index = super::index::PrematchIndex::build(&set.nopn, &set.decoders);
    (set, diags)
}

struct Ctx<'a> {
    file: &'a Arc<str>,
    diags: &'a mut Vec<Diagnostic>,
}

/// The `wazuh` text of a fatal decoder error: Wazuh's messages in order, then
/// the critical line (observed, tables/decoders cases 92–106).
fn refusal(file: &str, errors: &[String]) -> String {
    let mut s = String::new();
    for e in errors {
        s.push_str("ERROR: ");
        s.push_str(e);
        s.push_str(" | ");
    }
    s.push_str(&format!(
        "CRITICAL: (1202): Configuration error at '{file}'. Wazuh refuses to start."
    ));
    s
}

fn fatal(
    ctx: &Ctx,
    code: &'static str,
    message: impl Into<String>,
    span: &Span,
    wazuh: &[String],
) -> Fatal {
    Box::new(
        Diagnostic::error(code, message)
            .with_span(span.clone())
            .with_wazuh(refusal(ctx.file, wazuh)),
    )
}

fn dec_regex_error(name: &str) -> String {
    format!("(2107): Decoder configuration error: '{name}'.")
}

/// R5.3.4: only the first occurrence of `<regex>`/`<prematch>` may carry
/// an offset; Wazuh refuses the decoder otherwise.
fn duplicated_offset(ctx: &Ctx, element: &str, name: &str, el: &Element) -> Fatal {
    fatal(
        ctx,
        "D008",
        format!("only the first <{element}> of decoder '{name}' may have an offset"),
        &el.span,
        &[
            format!("(2109): Duplicated offsets for same regex: '{name}'."),
            dec_regex_error(name),
        ],
    )
}

/// `_loadmemory` (R5.3.2/R5.3.3): concatenation with the 1 024-byte limit. On
/// overflow the accumulated text is dropped (the element becomes absent) and a
/// later piece starts afresh, as in C.
fn load_memory(ctx: &mut Ctx, acc: &mut Option<String>, piece: &str, el: &Element) {
    let over = match acc {
        None => piece.len() >= LOADMEMORY_LIMIT,
        Some(a) => a.len() + piece.len() + 1 > LOADMEMORY_LIMIT,
    };
    if over {
        ctx.diags.push(
            Diagnostic::error(
                "D002",
                format!(
                    "<{}> is longer than 1023 bytes (after concatenation); Wazuh drops it",
                    el.name
                ),
            )
            .with_span(el.content_span.clone())
            .with_wazuh(format!(
                "ERROR: (1104): Maximum string size reached for: {piece}. The element is treated \
                 as absent; analysisd keeps running but wazuh-logtest refuses every session."
            )),
        );
        *acc = None;
        return;
    }
    match acc {
        None => *acc = Some(piece.to_string()),
        Some(a) => a.push_str(piece),
    }
}

/// `w_get_attr_offset`: attribute `offset` (exact name), value case-insensitive.
/// `Err(())` = unknown value.
fn offset_attr(el: &Element) -> Result<Offset, ()> {
    match el.attr("offset") {
        None => Ok(Offset::None),
        Some(a) => match a.value.to_ascii_lowercase().as_str() {
            "after_parent" => Ok(Offset::AfterParent),
            "after_prematch" => Ok(Offset::AfterPrematch),
            "after_regex" => Ok(Offset::AfterRegex),
            _ => Err(()),
        },
    }
}

/// `w_get_attr_regex_type` + the allowed set of §3.1. Without the attribute
/// the default applies (R3.1.2: also when an earlier occurrence had one).
fn type_attr(
    ctx: &mut Ctx,
    el: &Element,
    dec_name: &str,
    default: Dialect,
    allowed: &[Dialect],
) -> Dialect {
    let Some(a) = el.attr("type") else {
        return default;
    };
    match Dialect::from_type_attr(&a.value) {
        Some(d) if allowed.contains(&d) => d,
        _ => {
            ctx.diags.push(
                Diagnostic::warning(
                    "D003",
                    format!(
                        "type=\"{}\" is not allowed on <{}>; {} is used",
                        a.value,
                        el.name,
                        default.name()
                    ),
                )
                .with_span(a.span.clone())
                .with_wazuh(format!(
                    "WARNING: (7601): Invalid value for attribute 'type' in '{}' option \
                     (decoder `{}`). Default value will be used.",
                    wazuh_elem(el),
                    dec_name
                )),
            );
            default
        }
    }
}

/// The element name Wazuh prints in 7601 (its own constant, lower case).
fn wazuh_elem(el: &Element) -> String {
    el.name.to_ascii_lowercase()
}

/// `OS_StrBreak(',', text, decoder_order_size)`: `\,` keeps a literal comma
/// (the backslash is dropped), at most `size` pieces (R5.3.5).
pub(crate) fn str_break(text: &str, size: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut prev: Option<u8> = None;
    for &b in text.as_bytes() {
        if b == b',' && out.len() + 1 < size {
            if prev == Some(b'\\') {
                cur.pop();
                cur.push(b',');
                prev = Some(b',');
                continue;
            }
            out.push(String::from_utf8_lossy(&cur).into_owned());
            cur.clear();
            prev = Some(b);
            continue;
        }
        cur.push(b);
        prev = Some(b);
    }
    if out.len() < size {
        out.push(String::from_utf8_lossy(&cur).into_owned());
    }
    out
}

/// Leading spaces skipped, cut at the first space (R5.3.5).
fn order_word(piece: &str) -> &str {
    let w = piece.trim_start_matches(' ');
    match w.find(' ') {
        Some(i) => &w[..i],
        None => w,
    }
}

fn load_one(ctx: &mut Ctx, root: &Element) -> Result<Decoder, Fatal> {
    // R5.1.3: every root element is <decoder> (case-insensitive).
    if !root.is("decoder") {
        return Err(fatal(
            ctx,
            "D004",
            format!(
                "<{}> is not allowed here: decoder files hold only <decoder> elements",
                root.name
            ),
            &root.span,
            &[format!(
                "(1230): Invalid element in the configuration: '{}'.",
                root.name
            )],
        ));
    }
    // R5.2.1/R5.2.2: first attribute `name`, optional second `status`, no third.
    let attrs = &root.attributes;
    let bad_attrs = match attrs.first() {
        None => true,
        Some(a) => {
            !a.name.eq_ignore_ascii_case("name")
                || (attrs.len() >= 2 && !attrs[1].name.eq_ignore_ascii_case("status"))
                || attrs.len() >= 3
        }
    };
    if bad_attrs {
        return Err(fatal(
            ctx,
            "D005",
            "<decoder> must have `name` as first attribute and at most `status` after it",
            &root.span,
            &[format!(
                "(1230): Invalid element in the configuration: '{}'.",
                root.name
            )],
        ));
    }
    let name = attrs[0].value.clone();
    if root.children.is_empty() {
        return Err(fatal(
            ctx,
            "D006",
            format!("decoder '{name}' has no child element"),
            &root.span,
            &["(1231): Invalid NULL element in the configuration.".into()],
        ));
    }

    let mut parent: Option<String> = None;
    let mut prematch_str: Option<String> = None;
    let mut regex_str: Option<String> = None;
    let mut pname_str: Option<String> = None;
    // Where each pattern's (first) text starts, to point inside it.
    let (mut prematch_at, mut regex_at, mut pname_at): (Option<Span>, Option<Span>, Option<Span>) =
        (None, None, None);
    let mut ftscomment: Option<String> = None;
    let mut regex_type = Dialect::OsRegex;
    let mut prematch_type = Dialect::OsRegex;
    let mut pname_type = Dialect::OsMatch;
    let mut regex_offset = Offset::None;
    let mut prematch_offset = Offset::None;
    let mut plugin: Option<Plugin> = None;
    let mut plugin_offset = Offset::None;
    let mut kind: &'static str = "syslog";
    let mut use_own_name = false;
    let mut accumulate = false;
    let mut order: Option<Vec<OrderSlot>> = None;
    let mut fts: Vec<String> = Vec::new();
    let mut fts_set = false;
    let mut json = JsonOptions::default();
    let mut order_span: Option<Span> = None;

    let regex_dialects = [Dialect::OsRegex, Dialect::Pcre2];
    let pname_dialects = [Dialect::OsMatch, Dialect::OsRegex, Dialect::Pcre2];

    for el in &root.children {
        let content = el.content.as_str();
        if el.is("parent") {
            load_memory(ctx, &mut parent, content, el);
        } else if el.is("regex") {
            let off = match offset_attr(el) {
                Ok(o) => o,
                Err(()) => {
                    let v = el
                        .attr("offset")
                        .map(|a| a.value.clone())
                        .unwrap_or_default();
                    ctx.diags.push(
                        Diagnostic::warning(
                            "D007",
                            format!("unknown regex offset \"{v}\"; no offset is used"),
                        )
                        .with_span(el.span.clone())
                        .with_help("use after_parent, after_prematch or after_regex")
                        .with_wazuh(format!(
                            "WARNING: (7601): Invalid value for attribute 'offset' in 'regex' \
                             option (decoder `{name}`). Default value will be used."
                        )),
                    );
                    Offset::None
                }
            };
            // R5.3.4: only the first occurrence may carry an offset.
            if regex_str.is_some() && off != Offset::None {
                return Err(duplicated_offset(ctx, "regex", &name, el));
            }
            if off != Offset::None {
                regex_offset = off;
            }
            regex_type = type_attr(ctx, el, &name, Dialect::OsRegex, &regex_dialects);
            regex_at.get_or_insert_with(|| el.content_span.clone());
            load_memory(ctx, &mut regex_str, content, el);
        } else if el.is("prematch") {
            let off = match offset_attr(el) {
                Ok(o) => o,
                Err(()) => {
                    let v = el
                        .attr("offset")
                        .map(|a| a.value.clone())
                        .unwrap_or_default();
                    // R5.3.4: logged at ERROR level (non-fatal) — wazuh-logtest
                    // then refuses its sessions (R5.1.5).
                    ctx.diags.push(
                        Diagnostic::error(
                            "D009",
                            format!("unknown prematch offset \"{v}\"; no offset is used"),
                        )
                        .with_span(el.span.clone())
                        .with_help("the only valid prematch offset is after_parent")
                        .with_wazuh(format!(
                            "ERROR: (7601): Invalid value for attribute 'offset' in 'prematch' \
                             option (decoder `{name}`). Default value will be used. \
                             analysisd keeps running; wazuh-logtest refuses every session."
                        )),
                    );
                    Offset::None
                }
            };
            if prematch_str.is_some() && off != Offset::None {
                return Err(duplicated_offset(ctx, "prematch", &name, el));
            }
            if off != Offset::None {
                prematch_offset = off;
            }
            prematch_type = type_attr(ctx, el, &name, Dialect::OsRegex, &regex_dialects);
            prematch_at.get_or_insert_with(|| el.content_span.clone());
            load_memory(ctx, &mut prematch_str, content, el);
        } else if el.is("program_name") {
            pname_type = type_attr(ctx, el, &name, Dialect::OsMatch, &pname_dialects);
            pname_at.get_or_insert_with(|| el.content_span.clone());
            load_memory(ctx, &mut pname_str, content, el);
        } else if el.is("ftscomment") {
            load_memory(ctx, &mut ftscomment, content, el);
        } else if el.is("use_own_name") {
            // Exactly "true"; anything else silently leaves it off (R5.3.1).
            if content == "true" {
                use_own_name = true;
            } else {
                ctx.diags.push(
                    Diagnostic::new(
                        "D010",
                        crate::diagnostic::Severity::Info,
                        format!("use_own_name \"{content}\" is not \"true\"; the option stays off"),
                    )
                    .with_span(el.content_span.clone())
                    .with_wazuh("Wazuh silently ignores any value other than `true`."),
                );
            }
        } else if el.is("plugin_decoder") {
            // An unknown name after a valid one keeps the earlier plugin and
            // is not an error (the C test is "no plugin set yet").
            if let Some(p) = Plugin::from_name(content) {
                plugin = Some(p);
            }
            if plugin.is_none() {
                return Err(fatal(
                    ctx,
                    "D011",
                    format!("unknown plugin decoder '{content}'"),
                    &el.content_span,
                    &[format!(
                        "(2110): Invalid decoder argument for {}: '{}'.",
                        el.name, content
                    )],
                ));
            }
            plugin_offset = match offset_attr(el) {
                Ok(o) => o,
                Err(()) => {
                    return Err(fatal(
                        ctx,
                        "D012",
                        "invalid plugin_decoder offset (after_parent or after_prematch)",
                        &el.span,
                        &[dec_regex_error(&name)],
                    ))
                }
            };
        } else if el.is("json_null_field") {
            let v = content.to_ascii_lowercase();
            json.null = match v.as_str() {
                "discard" => NullMode::Discard,
                "string" => NullMode::String,
                "empty" => {
                    ctx.diags.push(
                        Diagnostic::warning(
                            "D013",
                            "json_null_field `empty` is deprecated; `string` is used",
                        )
                        .with_span(el.content_span.clone())
                        .with_wazuh(format!(
                            "WARNING: (7603): Deprecated value '{content}' in 'json_null_field' \
                             option (decoder `{name}`). Default value will be used."
                        )),
                    );
                    NullMode::String
                }
                _ => {
                    ctx.diags
                        .push(json_invalid(el, content, "json_null_field", &name));
                    NullMode::String
                }
            };
        } else if el.is("json_array_structure") {
            json.array = match content.to_ascii_lowercase().as_str() {
                "csv" => ArrayMode::Csv,
                "array" => ArrayMode::Array,
                _ => {
                    ctx.diags
                        .push(json_invalid(el, content, "json_array_structure", &name));
                    ArrayMode::Array
                }
            };
        } else if el.name == "type" {
            // `type` is the only element name compared case-sensitively (R5.3.1).
            kind = match content {
                "firewall" => "firewall",
                "ids" => "ids",
                "web-log" => "web-log",
                "syslog" => "syslog",
                "squid" => "squid",
                "windows" => "windows",
                "host-information" => "host-information",
                "ossec" => "ossec",
                _ => {
                    return Err(fatal(
                        ctx,
                        "D014",
                        format!("invalid decoder type '{content}'"),
                        &el.content_span,
                        &[format!("Invalid decoder type '{content}'.")],
                    ))
                }
            };
        } else if el.is("order") {
            let commas = content.bytes().filter(|&b| b == b',').count();
            if commas >= DECODER_ORDER_SIZE {
                return Err(fatal(
                    ctx,
                    "D015",
                    format!("<order> has {} names; the limit is 256", commas + 1),
                    &el.content_span,
                    &["Order has too many fields.".into()],
                ));
            }
            let mut slots = Vec::new();
            for piece in str_break(content, DECODER_ORDER_SIZE) {
                let word = order_word(&piece);
                if word.is_empty() {
                    return Err(fatal(
                        ctx,
                        "D016",
                        format!("empty field name in the order of decoder '{name}'"),
                        &el.content_span,
                        &[format!(
                            "decode-xml: Wrong field '{piece}' in the order of decoder '{name}'"
                        )],
                    ));
                }
                // R5.8.2: static names exact; `user` = dstuser; else dynamic.
                slots.push(match StaticField::from_order_name(word) {
                    Some(f) => OrderSlot::Static(f),
                    None => OrderSlot::Dynamic(word.into()),
                });
            }
            order = Some(slots);
            order_span = Some(el.content_span.clone());
        } else if el.is("accumulate") {
            accumulate = true;
        } else if el.is("fts") {
            for piece in str_break(content, DECODER_ORDER_SIZE) {
                let word = order_word(&piece);
                let wrong =
                    || format!("decode-xml: Wrong field '{piece}' in the fts decoder '{name}'");
                if word.is_empty() {
                    return Err(fatal(
                        ctx,
                        "D017",
                        format!("empty field name in the fts of decoder '{name}'"),
                        &el.content_span,
                        &[wrong()],
                    ));
                }
                const FTS_STATIC: [&str; 11] = [
                    "dstuser",
                    "user",
                    "srcuser",
                    "srcip",
                    "dstip",
                    "id",
                    "location",
                    "data",
                    "extra_data",
                    "system_name",
                    "name",
                ];
                if FTS_STATIC.contains(&word) {
                    fts_set = true;
                    fts.push(word.to_string());
                } else if let Some(slots) = &order {
                    // R5.3.6; C walks the dynamic names of the order only up
                    // to the first static slot (a NULL in its array).
                    let found = slots
                        .iter()
                        .map_while(|s| match s {
                            OrderSlot::Dynamic(n) => Some(n),
                            OrderSlot::Static(_) => None,
                        })
                        .any(|n| n.eq_ignore_ascii_case(word));
                    if !found {
                        return Err(fatal(
                            ctx,
                            "D017",
                            format!(
                                "fts name '{word}' is neither a static field nor a dynamic \
                                 name of the preceding <order>"
                            ),
                            &el.content_span,
                            &[wrong()],
                        ));
                    }
                    fts_set = true;
                    fts.push(word.to_string());
                }
                // No order yet: a dynamic name is silently ignored (R5.3.6).
            }
        } else {
            return Err(fatal(
                ctx,
                "D018",
                format!("<{}> is not a decoder option", el.name),
                &el.span,
                &[format!(
                    "Invalid element '{}' for decoder '{}'",
                    el.name, root.name
                )],
            ));
        }
    }

    let span = &root.span;
    // V1
    if prematch_str.is_none() && parent.is_none() && pname_str.is_none() {
        return Err(fatal(
            ctx,
            "D019",
            format!("top-level decoder '{name}' needs a <prematch> or a <program_name>"),
            span,
            &[
                format!("(2108): No 'prematch' found in decoder: '{name}'."),
                dec_regex_error(&name),
            ],
        ));
    }
    // V2
    if (regex_str.is_none() && (fts_set || order.is_some()))
        || (regex_str.is_some() && order.is_none())
    {
        let why = if regex_str.is_some() {
            "<regex> needs an <order>"
        } else if order.is_some() {
            "<order> without <regex>"
        } else {
            "<fts> without <regex>"
        };
        return Err(fatal(
            ctx,
            "D020",
            format!("decoder '{name}': {why}"),
            order_span.as_ref().unwrap_or(span),
            &[dec_regex_error(&name)],
        ));
    }
    let bad_offset = |ctx: &Ctx, what: &str, msg: String| {
        fatal(
            ctx,
            "D021",
            msg,
            span,
            &[
                format!("(2120): Invalid offset value: '{what}'"),
                dec_regex_error(&name),
            ],
        )
    };
    // V3
    if regex_offset == Offset::AfterParent && parent.is_none() {
        return Err(bad_offset(
            ctx,
            "after_parent",
            format!("regex offset after_parent on top-level decoder '{name}'"),
        ));
    }
    // V4: without a parent, after_prematch silently becomes after_parent.
    if regex_offset == Offset::AfterPrematch {
        if parent.is_none() {
            regex_offset = Offset::AfterParent;
        } else if prematch_str.is_none() {
            return Err(bad_offset(
                ctx,
                "after_prematch",
                format!("regex offset after_prematch but decoder '{name}' has no <prematch>"),
            ));
        }
    }
    // V5
    if regex_offset == Offset::AfterRegex && (parent.is_none() || regex_str.is_none()) {
        return Err(bad_offset(
            ctx,
            "after_regex",
            format!("regex offset after_regex needs a parent (decoder '{name}')"),
        ));
    }
    // V6
    match prematch_offset {
        Offset::None => {}
        Offset::AfterParent => {
            if parent.is_none() {
                return Err(bad_offset(
                    ctx,
                    "after_parent",
                    format!("prematch offset after_parent on top-level decoder '{name}'"),
                ));
            }
        }
        _ => {
            return Err(fatal(
                ctx,
                "D021",
                format!("decoder '{name}': a prematch offset can only be after_parent"),
                span,
                &[dec_regex_error(&name)],
            ))
        }
    }
    // V7
    if plugin_offset == Offset::AfterParent && parent.is_none() {
        return Err(bad_offset(
            ctx,
            "after_parent",
            format!("plugin_decoder offset after_parent on top-level decoder '{name}'"),
        ));
    }
    if plugin_offset == Offset::AfterPrematch && prematch_str.is_none() {
        return Err(bad_offset(
            ctx,
            "after_prematch",
            format!("plugin_decoder offset after_prematch but decoder '{name}' has no <prematch>"),
        ));
    }
    // V8: compile prematch, program_name, regex (in this order).
    let compile = |ctx: &Ctx, dialect: Dialect, text: &Option<String>, at: &Option<Span>| match text
    {
        None => Ok(None),
        Some(t) => Pattern::compile(dialect, t).map(Some).map_err(|e| {
            // Point at the byte inside the pattern when it is on the
            // element's first line; else at the decoder.
            let inside = match (at, e.offset) {
                (Some(a), Some(o)) if !t[..o.min(t.len())].contains('\n') => Span {
                    column: a.column + o as u32,
                    start: a.start + o,
                    end: a.start + o + 1,
                    ..a.clone()
                },
                _ => span.clone(),
            };
            fatal(
                ctx,
                "D022",
                format!("syntax error in {} pattern '{t}': {e}", dialect.name()),
                &inside,
                &[
                    format!("(1452): Syntax error on regex: '{t}'"),
                    dec_regex_error(&name),
                ],
            )
        }),
    };
    let prematch = compile(ctx, prematch_type, &prematch_str, &prematch_at)?;
    let program_name = compile(ctx, pname_type, &pname_str, &pname_at)?;
    let regex = compile(ctx, regex_type, &regex_str, &regex_at)?;
    // V9
    if plugin.is_some() && (regex.is_some() || order.is_some()) {
        return Err(fatal(
            ctx,
            "D023",
            format!("decoder '{name}' has a plugin_decoder and a regex/order"),
            span,
            &[format!(
                "(2111): Additional data to plugin decoder: '{name}'."
            )],
        ));
    }

    Ok(Decoder {
        name,
        parent,
        program_name,
        prematch,
        prematch_offset,
        regex,
        regex_offset,
        order: order.unwrap_or_default(),
        plugin,
        plugin_offset,
        kind,
        use_own_name,
        accumulate,
        fts: if fts_set {
            fts.iter().fold(0, |bits, n| bits | super::fts::flag(n))
        } else {
            0
        },
        ftscomment,
        json,
        get_next: false,
        id: 0,
        display_name: None,
        span: root.span.clone(),
    })
}

fn json_invalid(el: &Element, content: &str, opt: &str, name: &str) -> Diagnostic {
    Diagnostic::warning(
        "D024",
        format!("invalid {opt} value '{content}'; the default is used"),
    )
    .with_span(el.content_span.clone())
    .with_wazuh(format!(
        "WARNING: (7602): Invalid value '{content}' in '{opt}' option (decoder `{name}`). \
         Default value will be used."
    ))
}

/// `OS_AddOSDecoder` (R5.5.1–R5.5.6).
fn insert(set: &mut DecoderSet, dec: Decoder, file: &Arc<str>) -> Result<(), Fatal> {
    let idx = set.decoders.len();
    let Some(parent) = dec.parent.clone() else {
        let has_pn = dec.program_name.is_some();
        set.decoders.push(dec);
        let node = TopNode {
            decoder: idx,
            children: Vec::new(),
            needles: None,
            prematch_key: crate::pattern::fold::NeedleKey::ANY,
        };
        if has_pn {
            set.pn.push(node);
        } else {
            set.nopn.push(node);
        }
        return Ok(());
    };
    set.decoders.push(dec);
    let mut added = false;
    // PN list first, then NOPN; every same-named top-level decoder gets it.
    for list in 0..2 {
        let len = if list == 0 {
            set.pn.len()
        } else {
            set.nopn.len()
        };
        for t in 0..len {
            let top = if list == 0 { &set.pn[t] } else { &set.nopn[t] };
            if set.decoders[top.decoder].name != parent {
                continue;
            }
            let children = top.children.clone();
            add_child(set, &children, idx, file)?;
            let top = if list == 0 {
                &mut set.pn[t]
            } else {
                &mut set.nopn[t]
            };
            top.children.push(idx);
            added = true;
        }
    }
    if added {
        return Ok(());
    }
    let dec = &set.decoders[idx];
    Err(Box::new(
        Diagnostic::error(
            "D025",
            format!(
                "parent decoder '{parent}' of '{}' is not defined (before this point)",
                dec.name
            ),
        )
        .with_span(dec.span.clone())
        .with_help("a parent must be a top-level decoder loaded earlier (R5.1.4)")
        .with_wazuh(refusal(
            file,
            &[
                format!("(2101): Parent decoder name invalid: '{parent}'."),
                "(2106): Error adding decoder plugin.".into(),
            ],
        )),
    ))
}

/// `_OS_AddOSDecoder` for a child list: sibling groups (R5.5.4–R5.5.6).
fn add_child(
    set: &mut DecoderSet,
    children: &[usize],
    idx: usize,
    file: &Arc<str>,
) -> Result<(), Fatal> {
    let fail = |set: &DecoderSet, code: &'static str, msg: String, first: String| {
        let d = &set.decoders[idx];
        Box::new(
            Diagnostic::error(code, msg)
                .with_span(d.span.clone())
                .with_wazuh(refusal(
                    file,
                    &[
                        first,
                        "(2105): Error loading decoder options.".into(),
                        "(2106): Error adding decoder plugin.".into(),
                    ],
                )),
        )
    };
    let (name, has_prematch, has_fts, has_regex_or_plugin, regex_offset) = {
        let d = &set.decoders[idx];
        (
            d.name.clone(),
            d.prematch.is_some(),
            d.fts != 0,
            d.regex.is_some() || d.plugin.is_some(),
            d.regex_offset,
        )
    };
    let mut rm_f = false;
    for &c in children {
        if set.decoders[c].name != name {
            continue;
        }
        let sib = &set.decoders[c];
        if (sib.prematch.is_some() || sib.regex.is_some()) && regex_offset != Offset::None {
            rm_f = true;
        }
        if has_prematch {
            return Err(fail(
                set,
                "D026",
                format!("'{name}' repeats a sibling decoder name but has a <prematch>; only the first member of a group may"),
                format!("(2102): Duplicated decoder with prematch: '{name}'."),
            ));
        }
        if has_fts {
            return Err(fail(
                set,
                "D027",
                format!("'{name}' repeats a sibling decoder name but has <fts>"),
                format!("(2103): Duplicated decoder with fts set: '{name}'."),
            ));
        }
        if (sib.regex.is_some() || sib.plugin.is_some()) && has_regex_or_plugin {
            set.decoders[c].get_next = true;
        } else {
            return Err(fail(
                set,
                "D028",
                format!("'{name}' repeats a sibling decoder name; both need a <regex> or plugin"),
                format!("(2104): Invalid duplicated decoder: '{name}'."),
            ));
        }
    }
    if !rm_f && regex_offset == Offset::AfterRegex {
        return Err(fail(
            set,
            "D029",
            format!(
                "regex offset after_regex on '{name}', which has no earlier same-named sibling \
                 with a prematch or regex"
            ),
            format!("(2120): Invalid offset value: '{name}'"),
        ));
    }
    Ok(())
}

/// `SetDecodeXML`/`os_setdecoderids` (R5.5.7, R5.5.8): ids and renaming, NOPN
/// list first. An empty list makes the C function stop with an error, leaving
/// the other list (when it comes after) without ids.
fn set_ids(set: &mut DecoderSet, diags: &mut Vec<Diagnostic>, files: &[DecoderFile]) {
    for list in 0..2 {
        let empty = if list == 0 {
            set.nopn.is_empty()
        } else {
            set.pn.is_empty()
        };
        if empty {
            if !set.decoders.is_empty() {
                let which = if list == 0 {
                    "without <program_name>"
                } else {
                    "with <program_name>"
                };
                let mut d = Diagnostic::warning(
                    "D030",
                    format!("no top-level decoder {which}: Wazuh fails to assign decoder ids"),
                )
                .with_wazuh(
                    "ERROR: (2106): Error adding decoder plugin. analysisd keeps running, but \
                     decoders of the lists not processed get id 0 (`decoded_as` never matches \
                     them) and wazuh-logtest refuses its sessions.",
                );
                if let Some(f) = files.last() {
                    d = d.with_span(Span::at(&f.file, "", 0, 0));
                }
                diags.push(d);
            }
            return;
        }
        let tops = if list == 0 {
            set.nopn.clone()
        } else {
            set.pn.clone()
        };
        for top in tops {
            let pid = rank(&set.store, &set.decoders[top.decoder].name);
            set.decoders[top.decoder].id = pid;
            let pname = set.decoders[top.decoder].name.clone();
            for c in top.children {
                let d = &mut set.decoders[c];
                if d.use_own_name {
                    d.id = rank(&set.store, &d.name);
                } else {
                    d.id = pid;
                    d.display_name = Some(pname.clone());
                }
            }
        }
    }
}

fn rank(store: &[String], name: &str) -> u32 {
    store
        .binary_search_by(|n| n.as_bytes().cmp(name.as_bytes()))
        .map(|i| i as u32 + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn str_break_escapes_and_limits() {
        assert_eq!(str_break("a,b", 256), vec!["a", "b"]);
        assert_eq!(str_break("a\\,b,c", 256), vec!["a,b", "c"]);
        assert_eq!(str_break("", 256), vec![""]);
        assert_eq!(str_break("a,", 256), vec!["a", ""]);
        assert_eq!(str_break("a,b,c", 2), vec!["a", "b,c"]);
    }

    #[test]
    fn order_words() {
        assert_eq!(order_word(" spaced name "), "spaced");
        assert_eq!(order_word("  "), "");
        assert_eq!(order_word("\tx"), "\tx");
    }
}
