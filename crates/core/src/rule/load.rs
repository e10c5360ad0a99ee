//! Loading `<group><rule>` XML into the rule tree (rules.md §1.4-§4), with
//! Wazuh's validation order (rules.md §3.16) and its diagnostics as coded
//! [`Diagnostic`]s (codes documented in `docs/codes/rules.md`).

use super::ip::{parse_entry, IpEntry};
use super::lists::Lookup;
use super::model::*;
use super::time::{parse_time, parse_weekday};
use super::tree::RuleTree;
use crate::decoder::DecoderSet;
use crate::diagnostic::{Diagnostic, Span};
use crate::event::StaticField;
use crate::pattern::{Dialect, Pattern};
use crate::xml::Element;
use std::collections::HashMap;
use std::sync::Arc;

/// What loading needs besides the XML.
pub(crate) struct LoadCtx<'a> {
    pub decoders: &'a DecoderSet,
    /// Registered list paths (text path and `.cdb` path) -> list index.
    pub lists: &'a HashMap<String, usize>,
    pub tree: &'a mut RuleTree,
    pub diags: &'a mut Vec<Diagnostic>,
}

const DROP: &str = "Wazuh logs a warning and drops this rule";
const REFUSE: &str = "Wazuh refuses to load the rules (wazuh-analysisd does not start)";

fn fatal(code: &'static str, msg: String, span: &Span) -> Diagnostic {
    Diagnostic::error(code, msg)
        .with_span(span.clone())
        .with_wazuh(REFUSE)
}

fn skip(code: &'static str, msg: String, span: &Span) -> Diagnostic {
    Diagnostic::warning(code, msg)
        .with_span(span.clone())
        .with_wazuh(DROP)
}

fn warn(code: &'static str, msg: String, span: &Span) -> Diagnostic {
    Diagnostic::warning(code, msg)
        .with_span(span.clone())
        .with_wazuh("Wazuh logs a warning and keeps the rule")
}

/// Loads one rules file. `text_empty` is true when the file has size 0.
pub(crate) fn load_file(file: &Arc<str>, roots: &[Element], text_empty: bool, ctx: &mut LoadCtx) {
    if text_empty {
        return; // R1.4.1 (1): accepted, nothing loaded
    }
    let file_span = Span {
        file: file.clone(),
        line: 1,
        column: 1,
        start: 0,
        end: 0,
    };
    if roots.is_empty() {
        ctx.diags.push(
            fatal(
                "R001",
                format!("(1202) Configuration error at '{file}': the file has no element"),
                &file_span,
            )
            .with_help(
                "a rules file holds one or more <group name=\"...\"> elements with <rule> children",
            ),
        );
        return;
    }
    // R1.4.1 (3)-(5): every root is checked before any rule is loaded.
    let mut ok = true;
    for root in roots {
        if !root.is("group") {
            ctx.diags.push(
                fatal(
                    "R002",
                    format!(
                        "Invalid root element \"{}\". Only \"group\" is allowed",
                        root.name
                    ),
                    &root.span,
                )
                .with_help("wrap rules in <group name=\"...,\">"),
            );
            ok = false;
            continue;
        }
        if root.attributes.len() != 1 || !root.attributes[0].name.eq_ignore_ascii_case("name") {
            ctx.diags.push(
                fatal(
                    "R003",
                    "Invalid root element 'group'. Only the group name is allowed".into(),
                    &root.span,
                )
                .with_help("a <group> takes exactly one attribute, name"),
            );
            ok = false;
        }
        if root.children.is_empty() {
            ctx.diags.push(fatal(
                "R004",
                format!("Group '{}' without any rule.", root.name),
                &root.span,
            ));
            ok = false;
        }
        for child in &root.children {
            if !child.is("rule") {
                ctx.diags.push(
                    fatal(
                        "R005",
                        format!(
                            "Invalid configuration. '{}' is not a valid element.",
                            child.name
                        ),
                        &child.span,
                    )
                    .with_help(
                        "only <rule> elements may appear inside <group>; groups do not nest",
                    ),
                );
                ok = false;
            }
        }
    }
    if !ok {
        return;
    }
    for root in roots {
        let group_name = root.attributes[0].value.clone();
        for (j, rule_el) in root.children.iter().enumerate() {
            load_rule(file, &group_name, j, rule_el, ctx);
        }
    }
}

fn is_numeric(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// `%Nd`-style read of the first `n` digits.
fn first_digits(s: &str, n: usize) -> u32 {
    s.bytes().take(n).fold(0u32, |acc, b| {
        acc.wrapping_mul(10).wrapping_add(u32::from(b - b'0'))
    })
}

/// A concatenated element being collected (rules.md R3.0.5).
#[derive(Default)]
struct Concat {
    text: String,
    dialect: Option<Dialect>,
    negate: bool,
    span: Option<Span>,
    over_limit: bool,
}

const CONCAT_LIMIT: usize = 2048;

fn concat_push(c: &mut Concat, el: &Element, what: &str, diags: &mut Vec<Diagnostic>) {
    // R3.0.6: the first piece must be < 2048 bytes; later neither the text
    // so far nor the new piece may exceed 2048 bytes.
    let too_big = if c.span.is_none() {
        el.content.len() >= CONCAT_LIMIT
    } else {
        c.text.len() > CONCAT_LIMIT || el.content.len() > CONCAT_LIMIT
    };
    if too_big && !c.over_limit {
        c.over_limit = true;
        diags.push(
            Diagnostic::error(
                "R050",
                format!("(1104) Maximum string size reached for: {what}"),
            )
            .with_span(el.content_span.clone())
            .with_wazuh("Wazuh drops this condition; wazuh-logtest refuses to run")
            .with_help("patterns of one element are limited to 2047 bytes"),
        );
    }
    c.text.push_str(&el.content);
    if c.span.is_none() {
        c.span = Some(el.content_span.clone());
    }
}

fn read_type_negate(c: &mut Concat, el: &Element, rule_id: u32, diags: &mut Vec<Diagnostic>) {
    c.dialect = None;
    c.negate = false;
    if let Some(t) = el.attr("type") {
        match Dialect::from_type_attr(&t.value) {
            Some(d) => c.dialect = Some(d),
            None => diags.push(
                warn(
                    "R041",
                    format!(
                        "(7600) Invalid value '{}' for attribute 'type' in rule {rule_id}.",
                        t.value
                    ),
                    &t.span,
                )
                .with_help("type is one of osmatch, osregex, pcre2; the element's default is used"),
            ),
        }
    }
    if let Some(n) = el.attr("negate") {
        match n.value.to_ascii_lowercase().as_str() {
            "yes" => c.negate = true,
            "no" => {}
            _ => diags.push(
                warn(
                    "R041",
                    format!(
                        "(7600) Invalid value '{}' for attribute 'negate' in rule {rule_id}.",
                        n.value
                    ),
                    &n.span,
                )
                .with_help("negate is yes or no; \"no\" is used"),
            ),
        }
    }
}

/// Element names compared case-sensitively (rules.md R3.1.1).
const CASE_SENSITIVE: [&str; 21] = [
    "same_id",
    "same_url",
    "same_data",
    "same_extra_data",
    "same_status",
    "same_system_name",
    "same_srcgeoip",
    "same_dstgeoip",
    "different_srcip",
    "not_same_source_ip",
    "different_protocol",
    "different_action",
    "different_id",
    "not_same_id",
    "different_url",
    "different_data",
    "different_extra_data",
    "different_status",
    "different_system_name",
    "different_srcgeoip",
    "different_dstgeoip",
];

fn same_key(name: &str) -> Option<(bool, SameKey)> {
    use StaticField as F;
    let s = |f| Some((true, SameKey::Static(f)));
    let d = |f| Some((false, SameKey::Static(f)));
    match name {
        "same_source_ip" | "same_srcip" => s(F::SrcIp),
        "same_id" => s(F::Id),
        "same_dstip" => s(F::DstIp),
        "same_src_port" | "same_srcport" => s(F::SrcPort),
        "same_dst_port" | "same_dstport" => s(F::DstPort),
        "same_protocol" => s(F::Protocol),
        "same_action" => s(F::Action),
        "same_url" => s(F::Url),
        "same_data" => s(F::Data),
        "same_extra_data" => s(F::ExtraData),
        "same_status" => s(F::Status),
        "same_system_name" => s(F::SystemName),
        "same_srcgeoip" => Some((true, SameKey::SrcGeoip)),
        "same_dstgeoip" => Some((true, SameKey::DstGeoip)),
        "same_location" => Some((true, SameKey::Location)),
        "same_srcuser" => s(F::SrcUser),
        "same_user" => s(F::DstUser),
        "different_srcip" | "not_same_source_ip" => d(F::SrcIp),
        "different_dstip" => d(F::DstIp),
        "different_src_port" | "different_srcport" => d(F::SrcPort),
        "different_dst_port" | "different_dstport" => d(F::DstPort),
        "different_protocol" => d(F::Protocol),
        "different_action" => d(F::Action),
        "different_id" | "not_same_id" => d(F::Id),
        "different_url" => d(F::Url),
        "different_data" => d(F::Data),
        "different_extra_data" => d(F::ExtraData),
        "different_status" => d(F::Status),
        "different_system_name" => d(F::SystemName),
        "different_srcgeoip" => Some((false, SameKey::SrcGeoip)),
        "different_dstgeoip" => Some((false, SameKey::DstGeoip)),
        "different_location" => Some((false, SameKey::Location)),
        "different_srcuser" => d(F::SrcUser),
        "different_user" | "not_same_user" => d(F::DstUser),
        _ => None,
    }
}

const STATIC_FIELD_NAMES: [&str; 17] = [
    "srcip",
    "dstip",
    "srcgeoip",
    "dstgeoip",
    "srcport",
    "dstport",
    "user",
    "srcuser",
    "dstuser",
    "url",
    "id",
    "data",
    "extra_data",
    "status",
    "protocol",
    "system_name",
    "action",
];

const CATEGORIES: [&str; 7] = [
    "firewall", "ids", "syslog", "web-log", "squid", "windows", "ossec",
];

#[derive(Default)]
struct Pending {
    match_: Concat,
    regex: Concat,
    id: Concat,
    srcport: Concat,
    dstport: Concat,
    status: Concat,
    hostname: Concat,
    data: Concat,
    extra_data: Concat,
    program_name: Concat,
    user: Concat,
    srcgeoip: Concat,
    dstgeoip: Concat,
    url: Concat,
    location: Concat,
    action: Concat,
    protocol: Concat,
    system_name: Concat,
    if_sid: Concat,
    if_group: Concat,
    if_level: Concat,
    if_matched_group: Concat,
    if_matched_regex: Concat,
    description: Concat,
    info: Concat,
    cve: Concat,
    srcip: Vec<IpEntry>,
    srcip_negate: bool,
    dstip: Vec<IpEntry>,
    dstip_negate: bool,
}

fn load_rule(file: &Arc<str>, group_name: &str, j: usize, el: &Element, ctx: &mut LoadCtx) {
    let diags = &mut *ctx.diags;
    if el.attributes.is_empty() {
        diags.push(fatal(
            "R006",
            format!("Invalid rule '{j}'. You must specify an ID and a level at least."),
            &el.span,
        ));
        return;
    }
    // rules.md §2: attributes.
    let mut id: Option<u32> = None;
    let mut level: Option<u32> = None;
    let mut maxsize = 0;
    let mut frequency = 0;
    let mut frequency_attr = None;
    let mut timeframe = 360;
    let mut ignore_time = 0;
    let mut accuracy = 1;
    let mut noalert = false;
    let mut overwrite = false;
    for a in &el.attributes {
        let v = a.value.as_str();
        let bad =
            |msg: String| fatal("R007", msg, &a.span).with_help("Invalid attribute for rule.");
        match a.name.to_ascii_lowercase().as_str() {
            "id" => {
                if !is_numeric(v) || v.len() > 6 {
                    diags.push(bad(format!(
                        "Invalid rule id: {v}. Must be integer (max 6 digits)"
                    )));
                    return;
                }
                if !v.is_empty() {
                    id = Some(first_digits(v, 6));
                }
            }
            "level" => {
                if is_numeric(v) {
                    let l = first_digits(v, 10);
                    if l > 16 || v.len() > 3 {
                        diags.push(bad(format!(
                            "Invalid level: {v}. Must be an integer between 0 and 16."
                        )));
                        return;
                    }
                    level = Some(l);
                }
                // R2 table: a non-numeric level is silently ignored.
            }
            "maxsize" => {
                if !is_numeric(v) {
                    diags.push(bad(format!("Invalid maxsize: {v}. Must be integer")));
                    return;
                }
                maxsize = first_digits(v, 4);
            }
            "frequency" => {
                if !is_numeric(v) {
                    diags.push(bad(format!("Invalid frequency: {v}. Must be integer")));
                    return;
                }
                let f = if v.len() > 5 {
                    u32::MAX
                } else {
                    first_digits(v, 5)
                };
                if !(2..=9999).contains(&f) {
                    diags.push(bad(format!(
                        "Invalid frequency: {v}. Must be higher than 1 and lower than 10000."
                    )));
                    return;
                }
                frequency = f - 2;
                frequency_attr = Some(f);
            }
            "timeframe" => {
                if !is_numeric(v) {
                    diags.push(bad(format!(
                        "Invalid timeframe: {v}. Must be integer (max 5 digits)"
                    )));
                    return;
                }
                timeframe = first_digits(v, 5);
            }
            "ignore" => {
                if !is_numeric(v) {
                    diags.push(bad(format!(
                        "Invalid ignore_time: {v}. Must be integer (max 6 digits)"
                    )));
                    return;
                }
                ignore_time = first_digits(v, 6);
            }
            "accuracy" => {
                if !is_numeric(v) {
                    diags.push(bad(format!("Invalid accuracy: {v}. Must be integer")));
                    return;
                }
                accuracy = first_digits(v, 4);
            }
            "noalert" => match v {
                "1" => noalert = true,
                "0" => {}
                _ => diags.push(
                    warn(
                        "R042",
                        "Invalid value for attribute 'noalert'".into(),
                        &a.span,
                    )
                    .with_help("noalert is 0 or 1"),
                ),
            },
            "overwrite" => match v {
                "yes" => overwrite = true,
                "no" => {}
                _ => {
                    diags.push(bad(format!(
                        "Invalid overwrite: {v}. Can only by 'yes' or 'no'."
                    )));
                    return;
                }
            },
            _ => {
                diags.push(bad(format!(
                    "Invalid attribute \"{}\". Only id, level, maxsize, accuracy, noalert, ignore, frequency and timeframe are allowed.",
                    a.name
                )));
                return;
            }
        }
    }
    let (Some(id), Some(level)) = (id, level) else {
        diags.push(
            fatal(
                "R008",
                format!("No rule id or level specified for rule '{j}'."),
                &el.span,
            )
            .with_help("level is an integer 0..16"),
        );
        return;
    };
    // R4.1.1: scaled sort level.
    let k = {
        let base = if level == 0 { 99 } else { level };
        if accuracy != 0 {
            base * 100
        } else {
            base
        }
    };
    // R4.7 / R4.6.1: duplicates, decided before children are read.
    let existing = ctx.tree.by_id.get(&id).copied();
    if existing.is_some() && !overwrite {
        let first = existing.map(|i| ctx.tree.rules[i].span.clone());
        let mut d = skip("R030", format!("(7612) Rule ID '{id}' is duplicated. Only the first occurrence will be considered."), &el.span)
            .with_help("use overwrite=\"yes\" to replace a rule, or pick a free id");
        if let Some(span) = first {
            d = d.with_related(span, "the first occurrence, which Wazuh keeps");
        }
        diags.push(d);
        return;
    }
    if overwrite && existing.is_none() {
        diags.push(warn(
            "R040",
            format!("(7613) Rule ID '{id}' does not exist but 'overwrite' is set to 'yes'. Still, the rule will be loaded."),
            &el.span,
        ));
    }
    if el.children.is_empty() {
        diags.push(fatal(
            "R009",
            format!("Rule '{id}' without any option. It may lead to false positives and some other problems for the system. Exiting."),
            &el.span,
        ));
        return;
    }

    let mut rule = Rule {
        id,
        level,
        k,
        maxsize,
        frequency,
        frequency_attr,
        timeframe,
        ignore_time,
        noalert,
        overwrite,
        category: "syslog".into(),
        decoded_as: None,
        program_name: None,
        id_cond: None,
        system_name: None,
        protocol: None,
        match_: None,
        regex: None,
        action: None,
        url: None,
        location: None,
        fields: Vec::new(),
        srcip: None,
        dstip: None,
        srcport: None,
        dstport: None,
        compiled_rule: None,
        user: None,
        srcgeoip: None,
        dstgeoip: None,
        time: None,
        weekday: None,
        data: None,
        extra_data: None,
        hostname: None,
        status: None,
        check_diff: false,
        if_fts: false,
        lists: Vec::new(),
        if_sid: None,
        if_level: None,
        if_group: None,
        if_matched_sid: None,
        if_matched_group: None,
        if_matched_group_pattern: None,
        if_matched_regex: None,
        context: false,
        global_frequency: false,
        same: Vec::new(),
        different: Vec::new(),
        same_fields: Vec::new(),
        different_fields: Vec::new(),
        description: String::new(),
        info: Vec::new(),
        info_text: String::new(),
        cve: String::new(),
        group: group_name.to_string(),
        options: RuleOptions::default(),
        mitre_ids: Vec::new(),
        mitre_tactics: Vec::new(),
        mitre_techniques: Vec::new(),
        file: file.clone(),
        span: el.span.clone(),
    };
    let mut p = Pending::default();
    let mut skipped = false;
    let mut uses_same_diff = false;
    let mut mitre_new_seen = false;

    for c in &el.children {
        let lname = c.name.to_ascii_lowercase();
        // R3.1.1: some names are case-sensitive.
        if CASE_SENSITIVE.contains(&lname.as_str()) && c.name != lname {
            diags.push(
                fatal(
                    "R010",
                    format!("Invalid option '{}' for rule '{id}'.", c.name),
                    &c.span,
                )
                .with_help(format!(
                    "this element name is case-sensitive: write <{lname}>"
                )),
            );
            return;
        }
        macro_rules! concat {
            ($field:ident, $what:expr) => {{
                read_type_negate(&mut p.$field, c, id, diags);
                concat_push(&mut p.$field, c, $what, diags);
            }};
        }
        match lname.as_str() {
            "match" => concat!(match_, "match"),
            "regex" => concat!(regex, "regex"),
            "id" => concat!(id, "id"),
            "srcport" => concat!(srcport, "srcport"),
            "dstport" => concat!(dstport, "dstport"),
            "status" => concat!(status, "status"),
            "hostname" => concat!(hostname, "hostname"),
            "data" => concat!(data, "data"),
            "extra_data" => concat!(extra_data, "extra_data"),
            "program_name" => concat!(program_name, "program_name"),
            "user" => concat!(user, "user"),
            "srcgeoip" => concat!(srcgeoip, "srcgeoip"),
            "dstgeoip" => concat!(dstgeoip, "dstgeoip"),
            "url" => concat!(url, "url"),
            "location" => concat!(location, "location"),
            "action" => concat!(action, "action"),
            "protocol" => concat!(protocol, "protocol"),
            "system_name" => concat!(system_name, "system_name"),
            "if_sid" => concat_push(&mut p.if_sid, c, "if_sid", diags),
            "if_group" => concat_push(&mut p.if_group, c, "if_group", diags),
            "if_level" => {
                concat_push(&mut p.if_level, c, "if_level", diags);
                // R3.7.2: must be numeric; parsing of the rule stops.
                if !is_numeric(&p.if_level.text) {
                    diags.push(skip(
                        "R031",
                        format!(
                            "(7609) Invalid 'if_level' value: '{}'. Rule '{id}' will be ignored.",
                            p.if_level.text
                        ),
                        &c.span,
                    ));
                    skipped = true;
                    break;
                }
            }
            "if_matched_sid" => {
                if !is_numeric(&c.content) || c.content.is_empty() {
                    diags.push(skip(
                        "R032",
                        format!("(7615) Invalid 'if_matched_sid' value: '{}'. Rule '{id}' will be ignored.", c.content),
                        &c.span,
                    ));
                    skipped = true;
                    break;
                }
                rule.if_matched_sid = Some(first_digits(&c.content, 10));
                rule.context = true;
            }
            "if_matched_group" => {
                concat_push(&mut p.if_matched_group, c, "if_matched_group", diags);
                rule.context = true;
            }
            "if_matched_regex" => {
                concat_push(&mut p.if_matched_regex, c, "if_matched_regex", diags);
                rule.context = true;
            }
            "decoded_as" => match ctx.decoders.id_of(&c.content) {
                Some(did) => rule.decoded_as = Some((c.content.clone(), did)),
                None => {
                    diags.push(
                        fatal("R011", format!("Invalid decoder name: '{}'.", c.content), &c.content_span)
                            .with_help("decoded_as names a decoder loaded before the rules (names are case-sensitive)"),
                    );
                    return;
                }
            },
            "category" => {
                if CATEGORIES.contains(&c.content.as_str()) {
                    rule.category = c.content.clone();
                } else {
                    diags.push(
                        fatal(
                            "R012",
                            format!("(1273) Invalid category '{}' chosen.", c.content),
                            &c.content_span,
                        )
                        .with_help(format!("category is one of {}", CATEGORIES.join(", "))),
                    );
                    return;
                }
            }
            "field" => {
                if c.attributes.is_empty() {
                    diags.push(
                        fatal(
                            "R016",
                            format!("Failure to read rule {id}. <field> has no attributes."),
                            &c.span,
                        )
                        .with_help("write <field name=\"...\">"),
                    );
                    return;
                }
                let Some(name) = c.attr("name") else {
                    diags.push(fatal(
                        "R016",
                        format!("Failure to read rule {id}. No such attribute 'name' for field."),
                        &c.span,
                    ));
                    return;
                };
                if STATIC_FIELD_NAMES
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(&name.value))
                {
                    diags.push(
                        fatal(
                            "R016",
                            format!(
                                "Failure to read rule {id}. Field '{}' is static.",
                                name.value
                            ),
                            &name.span,
                        )
                        .with_help(
                            "static fields have their own elements, e.g. <srcip>, <user>, <url>",
                        ),
                    );
                    return;
                }
                if rule.fields.len() >= 256 {
                    diags.push(fatal(
                        "R016",
                        format!("Rule {id} has exceeded the maximum number of allowed fields"),
                        &c.span,
                    ));
                    return;
                }
                let mut tmp = Concat::default();
                read_type_negate(&mut tmp, c, id, diags);
                let dialect = tmp.dialect.unwrap_or(Dialect::OsRegex);
                match Pattern::compile(dialect, &c.content) {
                    Ok(pat) => rule.fields.push(FieldCond {
                        name: name.value.clone(),
                        slot: 0,
                        cond: Cond {
                            matcher: Matcher::Pattern(pat),
                            negate: tmp.negate,
                            span: c.content_span.clone(),
                        },
                    }),
                    Err(e) => {
                        diags.push(pattern_error(
                            "R023",
                            &name.value,
                            id,
                            dialect,
                            &c.content,
                            &e,
                            &c.content_span,
                        ));
                        return;
                    }
                }
            }
            "srcip" | "dstip" => {
                let Some(entry) = parse_entry(&c.content) else {
                    diags.push(
                        fatal(
                            "R015",
                            format!("(1237) Invalid ip address: '{}'.", c.content),
                            &c.content_span,
                        )
                        .with_help("an IPv4 or IPv6 address, optionally /prefix, or any"),
                    );
                    return;
                };
                let mut tmp = Concat::default();
                read_type_negate(&mut tmp, c, id, diags);
                if lname == "srcip" {
                    p.srcip.push(entry);
                    p.srcip_negate = tmp.negate;
                } else {
                    p.dstip.push(entry);
                    p.dstip_negate = tmp.negate;
                }
            }
            "time" => match parse_time(&c.content) {
                Some(t) => rule.time = Some(t),
                None => {
                    diags.push(
                        fatal(
                            "R013",
                            format!(
                                "(1274) Invalid configuration. Element 'time': {}.",
                                c.content
                            ),
                            &c.content_span,
                        )
                        .with_help("write e.g. 6 pm - 8:30 am or 18:00-20:30"),
                    );
                    return;
                }
            },
            "weekday" => match parse_weekday(&c.content) {
                Some(w) => rule.weekday = Some(w),
                None => {
                    diags.push(
                        fatal(
                            "R014",
                            format!("(1241) Invalid day format: '{}'.", c.content),
                            &c.content_span,
                        )
                        .with_help("days such as monday,tue, weekdays or weekends"),
                    );
                    return;
                }
            },
            "list" => match load_list(c, id, ctx.lists, diags) {
                ListResult::Ok(l) => rule.lists.push(l),
                ListResult::Fatal => return,
                ListResult::Skip => {
                    skipped = true;
                    break;
                }
            },
            "compiled_rule" => {
                let cr = match c.content.as_str() {
                    "check_id_size" => CompiledRule::CheckIdSize,
                    "comp_srcuser_dstuser" => CompiledRule::CompSrcuserDstuser,
                    "comp_mswin_targetuser_calleruser_diff" => {
                        CompiledRule::CompMswinTargetuserCalleruserDiff
                    }
                    "is_simple_http_request" => CompiledRule::IsSimpleHttpRequest,
                    "is_valid_crawler" => CompiledRule::IsValidCrawler,
                    other => {
                        diags.push(fatal(
                            "R018",
                            format!("Compiled rule not found: '{other}'"),
                            &c.content_span,
                        ));
                        return;
                    }
                };
                rule.compiled_rule = Some(cr);
            }
            "description" => {
                // R3.10.2: only the first newline of each occurrence is a space.
                let mut piece = c.clone();
                piece.content = piece.content.replacen('\n', " ", 1);
                concat_push(&mut p.description, &piece, "description", diags);
            }
            "info" => {
                let mut kind = "Text";
                for a in &c.attributes {
                    if a.name.eq_ignore_ascii_case("type") {
                        kind = match a.value.as_str() {
                            "text" => "Text",
                            "link" => "Link",
                            "cve" => "CVE",
                            "osvdb" => "OSVDB",
                            other => {
                                diags.push(
                                    Diagnostic::error(
                                        "R051",
                                        format!("Invalid info type '{other}' in rule '{id}'"),
                                    )
                                    .with_span(a.span.clone())
                                    .with_wazuh("wazuh-logtest refuses to run with this ruleset")
                                    .with_help("type is text, link, cve or osvdb"),
                                );
                                "Text"
                            }
                        };
                    } else {
                        diags.push(
                            Diagnostic::error(
                                "R051",
                                format!("Invalid attribute '{}' for <info> in rule '{id}'", a.name),
                            )
                            .with_span(a.span.clone())
                            .with_wazuh("wazuh-logtest refuses to run with this ruleset"),
                        );
                    }
                }
                rule.info.push(Info {
                    kind,
                    text: c.content.clone(),
                });
                concat_push(&mut p.info, c, "info", diags);
            }
            "cve" => concat_push(&mut p.cve, c, "cve", diags),
            "group" => rule.group.push_str(&c.content), // R1.5.1: no separator
            "options" => {
                let o = &mut rule.options;
                match c.content.as_str() {
                    "alert_by_email" => o.alert_by_email = true,
                    "no_email_alert" => {
                        o.no_email_alert = true;
                        o.no_counter = false; // §3.12 quirk: the 12-bit mask
                    }
                    "log_alert" => o.log_alert = true,
                    "no_log" => {
                        o.no_log = true;
                        o.no_counter = false; // §3.12 quirk
                    }
                    "no_ar" => o.no_ar = true,
                    "no_full_log" => o.no_full_log = true,
                    "no_counter" => o.no_counter = true,
                    other => {
                        diags.push(
                            fatal("R019", format!("(1235) Invalid value for element 'options': {other}"), &c.content_span)
                                .with_help("one option per element: alert_by_email, no_email_alert, log_alert, no_log, no_ar, no_full_log, no_counter"),
                        );
                        return;
                    }
                }
            }
            "mitre" => {
                if !load_mitre(c, id, &mut rule, &mut mitre_new_seen, diags) {
                    // unknown child: an ERROR (R3.11.2), non-fatal for analysisd
                }
            }
            "ignore" | "check_if_ignored" => {
                if c.content.split(',').any(|t| t.is_empty()) {
                    diags.push(fatal(
                        "R020",
                        format!("Wrong {} option: '{}'", lname, c.content),
                        &c.content_span,
                    ));
                    return;
                }
            }
            "same_agent" | "not_same_agent" => diags.push(
                warn(
                    "R043",
                    format!(
                        "Detected a deprecated field option for rule, {} is not longer available.",
                        lname
                    ),
                    &c.span,
                )
                .with_help("remove it: it has no effect"),
            ),
            "same_field" => {
                rule.same_fields.push(c.content.clone());
                uses_same_diff = true;
            }
            "not_same_field" | "different_field" => {
                rule.different_fields.push(c.content.clone());
                uses_same_diff = true;
            }
            "global_frequency" => {
                rule.global_frequency = true;
                uses_same_diff = true;
            }
            "check_diff" => {
                rule.check_diff = true;
                rule.context = true;
            }
            "if_fts" => rule.if_fts = true,
            other => match same_key(other) {
                Some((same, key)) => {
                    if same {
                        rule.same.push(key);
                    } else {
                        rule.different.push(key);
                    }
                    uses_same_diff = true;
                }
                None => {
                    diags.push(
                        fatal(
                            "R010",
                            format!("Invalid option '{}' for rule '{id}'.", c.name),
                            &c.span,
                        )
                        .with_help(suggest_element(other)),
                    );
                    return;
                }
            },
        }
    }

    // §3.16 step 3: if_sid syntax (PCRE2 ^[\d, ]+$, a single trailing LF passes).
    if let Some(span) = &p.if_sid.span {
        let t = p.if_sid.text.strip_suffix('\n').unwrap_or(&p.if_sid.text);
        if t.is_empty()
            || !t
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b',' || b == b' ')
        {
            diags.push(
                skip(
                    "R034",
                    format!(
                        "(7618) Invalid 'if_sid' value: '{}'. Rule '{id}' will be ignored.",
                        p.if_sid.text
                    ),
                    span,
                )
                .with_help("if_sid is a list of rule ids separated by commas"),
            );
            return;
        }
    }
    if skipped {
        return;
    }
    if p.description.span.is_none() || p.description.over_limit {
        diags.push(
            fatal(
                "R021",
                format!("No such description at rule '{id}'."),
                &el.span,
            )
            .with_help("add <description>...</description>"),
        );
        return;
    }
    rule.description = std::mem::take(&mut p.description.text);
    rule.info_text = std::mem::take(&mut p.info.text);
    rule.cve = std::mem::take(&mut p.cve.text);
    // R3.7.4
    if (rule.frequency != 0 || uses_same_diff) && !rule.context {
        diags.push(
            fatal("R022", format!("Invalid use of frequency/context options. Missing if_matched on rule '{id}'."), &el.span)
                .with_help("frequency and same_*/different_* need if_matched_sid, if_matched_group or if_matched_regex"),
        );
        return;
    }
    let concat_text = |c: &Concat| {
        if c.span.is_some() && !c.over_limit {
            Some(c.text.clone())
        } else {
            None
        }
    };
    rule.if_sid = concat_text(&p.if_sid);
    rule.if_group = concat_text(&p.if_group);
    rule.if_level = concat_text(&p.if_level);
    rule.if_matched_group = concat_text(&p.if_matched_group);
    // R3.7.5: derived defaults (not for overwrite rules).
    if !overwrite {
        if rule.if_matched_group.is_some() && rule.if_sid.is_none() && rule.if_group.is_none() {
            rule.if_group = rule.if_matched_group.clone();
        }
        if let Some(sid) = rule.if_matched_sid {
            if rule.if_sid.is_none() && rule.if_group.is_none() {
                rule.if_sid = Some(sid.to_string());
            }
        }
    }
    // §3.16 step 8: compile in the fixed order; first failure is fatal.
    macro_rules! compile {
        ($pend:ident, $slot:ident, $default:expr, $tag:expr) => {{
            let c = &p.$pend;
            if let (Some(span), false) = (&c.span, c.over_limit) {
                let dialect = c.dialect.unwrap_or($default);
                match Pattern::compile(dialect, &c.text) {
                    Ok(pat) => {
                        rule.$slot = Some(Cond {
                            matcher: Matcher::Pattern(pat),
                            negate: c.negate,
                            span: span.clone(),
                        })
                    }
                    Err(e) => {
                        diags.push(pattern_error("R023", $tag, id, dialect, &c.text, &e, span));
                        return;
                    }
                }
            }
        }};
    }
    compile!(regex, regex, Dialect::OsRegex, "regex");
    compile!(match_, match_, Dialect::OsMatch, "match");
    compile!(id, id_cond, Dialect::OsMatch, "id");
    compile!(srcport, srcport, Dialect::OsMatch, "srcport");
    compile!(dstport, dstport, Dialect::OsMatch, "dstport");
    compile!(status, status, Dialect::OsMatch, "status");
    compile!(hostname, hostname, Dialect::OsMatch, "hostname");
    compile!(data, data, Dialect::OsMatch, "data");
    compile!(extra_data, extra_data, Dialect::OsMatch, "extra_data");
    compile!(program_name, program_name, Dialect::OsMatch, "program_name");
    compile!(user, user, Dialect::OsMatch, "user");
    compile!(srcgeoip, srcgeoip, Dialect::OsMatch, "srcgeoip");
    compile!(dstgeoip, dstgeoip, Dialect::OsMatch, "dstgeoip");
    compile!(url, url, Dialect::OsMatch, "url");
    compile!(location, location, Dialect::OsMatch, "location");
    {
        // action: exact string unless a type is given (R3.0.1).
        let c = &p.action;
        if let (Some(span), false) = (&c.span, c.over_limit) {
            match c.dialect {
                None => {
                    rule.action = Some(Cond {
                        matcher: Matcher::Exact(c.text.clone()),
                        negate: c.negate,
                        span: span.clone(),
                    })
                }
                Some(_) => compile!(action, action, Dialect::OsMatch, "action"),
            }
        }
    }
    for (pend, is_group) in [(&p.if_matched_group, true), (&p.if_matched_regex, false)] {
        if let (Some(span), false) = (&pend.span, pend.over_limit) {
            let dialect = if is_group {
                Dialect::OsMatch
            } else {
                Dialect::OsRegex
            };
            match Pattern::compile(dialect, &pend.text) {
                Ok(pat) => {
                    if is_group {
                        rule.if_matched_group_pattern = Some(pat);
                    } else {
                        rule.if_matched_regex = Some(pat);
                    }
                }
                Err(e) => {
                    diags.push(pattern_error(
                        "R024",
                        if is_group {
                            "if_matched_group"
                        } else {
                            "if_matched_regex"
                        },
                        id,
                        dialect,
                        &pend.text,
                        &e,
                        span,
                    ));
                    return;
                }
            }
        }
    }
    compile!(protocol, protocol, Dialect::OsMatch, "protocol");
    compile!(system_name, system_name, Dialect::OsMatch, "system_name");
    if !p.srcip.is_empty() {
        rule.srcip = Some(IpCond {
            entries: std::mem::take(&mut p.srcip),
            negate: p.srcip_negate,
        });
    }
    if !p.dstip.is_empty() {
        rule.dstip = Some(IpCond {
            entries: std::mem::take(&mut p.dstip),
            negate: p.dstip_negate,
        });
    }

    insert(rule, existing, ctx);
}

fn suggest_element(name: &str) -> String {
    match name {
        "srcuser" | "dstuser" => {
            "there is no such rule element: use <user> (tests dstuser, else srcuser) or <field>"
                .into()
        }
        "frequency" | "timeframe" => format!("{name} is an attribute of <rule>, not an element"),
        _ => "see rules.md §3.1 for the elements a rule accepts".into(),
    }
}

fn pattern_error(
    code: &'static str,
    tag: &str,
    id: u32,
    dialect: Dialect,
    text: &str,
    e: &crate::pattern::PatternError,
    span: &Span,
) -> Diagnostic {
    let what = if code == "R024" {
        format!("(1450) Syntax error on regex: '{text}': {e}")
    } else {
        format!("(5107) Syntax error on tag '{tag}' in rule {id}: {e}")
    };
    let mut s = span.clone();
    if let Some(off) = e.offset {
        // Point inside the pattern when the content is on one line.
        if !text[..off.min(text.len())].contains('\n') {
            s.start += off;
            s.column += off as u32;
            s.end = s.start + 1;
        }
    }
    Diagnostic::error(code, what)
        .with_span(s)
        .with_wazuh(REFUSE)
        .with_help(format!("invalid {} pattern", dialect.name()))
}

enum ListResult {
    Ok(ListCond),
    Fatal,
    Skip,
}

fn load_list(
    c: &Element,
    id: u32,
    lists: &HashMap<String, usize>,
    diags: &mut Vec<Diagnostic>,
) -> ListResult {
    if c.attributes.is_empty() {
        diags.push(fatal(
            "R017",
            "List must have a correctly formatted field attribute".into(),
            &c.span,
        ));
        return ListResult::Fatal;
    }
    let mut field = None;
    let mut lookup = Lookup::MatchKey;
    let mut check_value = None;
    for a in &c.attributes {
        match a.name.to_ascii_lowercase().as_str() {
            "field" => field = Some(a),
            "lookup" => match Lookup::parse(&a.value) {
                Some(l) => lookup = l,
                None => {
                    diags.push(fatal("R017", format!("List match lookup=\"{}\" is not valid.", a.value), &a.span).with_help("lookup is match_key, not_match_key, match_key_value, address_match_key, not_address_match_key or address_match_key_value"));
                    return ListResult::Fatal;
                }
            },
            "check_value" => match Pattern::compile(Dialect::OsMatch, &a.value) {
                Ok(p) => check_value = Some(p),
                Err(e) => {
                    diags.push(fatal(
                        "R017",
                        format!("(1450) Syntax error on regex: '{}': {e}", a.value),
                        &a.span,
                    ));
                    return ListResult::Fatal;
                }
            },
            _ => {
                diags.push(fatal(
                    "R017",
                    format!("List field=\"{}\" is not valid.", a.value),
                    &a.span,
                ));
                return ListResult::Fatal;
            }
        }
    }
    let Some(field) = field else {
        diags.push(fatal(
            "R017",
            "List requires the field=\"\" attribute".into(),
            &c.span,
        ));
        return ListResult::Fatal;
    };
    let fname = field.value.to_ascii_lowercase();
    let lf = match fname.as_str() {
        "user" => ListField::User,
        "hostname" => ListField::Hostname,
        "program_name" => ListField::ProgramName,
        other => match StaticField::ALL.iter().find(|f| {
            f.name() == other && *f != &StaticField::SrcUser && *f != &StaticField::DstUser
        }) {
            Some(f) => ListField::Static(*f),
            None => {
                let t = field.value.trim_start_matches(' ');
                ListField::Dynamic(t.split(' ').next().unwrap_or("").to_string())
            }
        },
    };
    match lists.get(&c.content) {
        Some(&list) => ListResult::Ok(ListCond {
            field: lf,
            lookup,
            check_value,
            list,
        }),
        None => {
            diags.push(
                skip(
                    "R033",
                    format!(
                        "(7616) List '{}' could not be loaded. Rule '{id}' will be ignored.",
                        c.content
                    ),
                    &c.content_span,
                )
                .with_help(
                    "register the list (--lists) under this exact path, e.g. etc/lists/NAME",
                ),
            );
            ListResult::Skip
        }
    }
}

/// rules.md R3.11.2. Returns false when an unknown child was met.
fn load_mitre(
    c: &Element,
    id: u32,
    rule: &mut Rule,
    new_seen: &mut bool,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    if c.children.is_empty() {
        diags.push(warn(
            "R047",
            format!("Empty Mitre information for rule '{id}'"),
            &c.span,
        ));
        return true;
    }
    let mut old_ids = Vec::new();
    let mut tactics = Vec::new();
    let mut techniques = Vec::new();
    for m in &c.children {
        let n = m.name.to_ascii_lowercase();
        match n.as_str() {
            "id" | "tacticid" | "techniqueid" if m.content.is_empty() => {
                diags.push(warn(
                    "R047",
                    format!("No Mitre Technique ID found for rule '{id}'"),
                    &m.span,
                ));
                return true;
            }
            "id" => old_ids.push(m.content.clone()),
            "tacticid" => tactics.push(m.content.clone()),
            "techniqueid" => techniques.push(m.content.clone()),
            _ => {
                diags.push(
                    Diagnostic::error("R052", format!("Invalid option '{}' for rule '{id}'", m.name))
                        .with_span(m.span.clone())
                        .with_wazuh("wazuh-logtest refuses to run with this ruleset")
                        .with_help("a <mitre> block holds <id> elements, or one <tacticID> and one <techniqueID>"),
                );
                return false;
            }
        }
    }
    let is_new = !tactics.is_empty() || !techniques.is_empty();
    if is_new && !old_ids.is_empty() {
        diags.push(warn(
            "R047",
            format!("Mitre old and new formats mixed in one block of rule '{id}'"),
            &c.span,
        ));
        return true;
    }
    if is_new {
        if tactics.len() != 1 || techniques.len() != 1 {
            diags.push(warn(
                "R047",
                format!("Mitre techniqueID/tacticID should be defined once in rule '{id}'"),
                &c.span,
            ));
            return true;
        }
        if !*new_seen && !rule.mitre_ids.is_empty() {
            diags.push(warn(
                "R047",
                format!("Mitre new format after old format in rule '{id}'"),
                &c.span,
            ));
            rule.mitre_ids.clear();
        }
        *new_seen = true;
        let pair = (tactics.remove(0), techniques.remove(0));
        if !rule
            .mitre_tactics
            .iter()
            .zip(&rule.mitre_techniques)
            .any(|(t, q)| *t == pair.0 && *q == pair.1)
        {
            rule.mitre_tactics.push(pair.0);
            rule.mitre_techniques.push(pair.1);
        }
    } else {
        if *new_seen {
            diags.push(warn(
                "R047",
                format!("Mitre old format after new format in rule '{id}'"),
                &c.span,
            ));
            return true;
        }
        for i in old_ids {
            if !rule.mitre_ids.contains(&i) {
                rule.mitre_ids.push(i);
            }
        }
    }
    true
}

/// Tree insertion (§3.16 step 9-10, rules.md §4).
fn insert(rule: Rule, existing: Option<usize>, ctx: &mut LoadCtx) {
    let id = rule.id;
    let span = rule.span.clone();
    let tree = &mut *ctx.tree;
    let diags = &mut *ctx.diags;
    if id < 10 {
        // R4.2: templates go to the top, if_* ignored, before overwrite logic.
        let idx = tree.push_rule(rule);
        tree.add_top(idx);
        return;
    }
    if let (true, Some(orig)) = (rule.overwrite, existing) {
        overwrite_rule(tree, orig, rule, diags);
        return;
    }
    let idx = tree.push_rule(rule);
    let r = &tree.rules[idx];
    let (if_sid, if_level, if_group, ims) = (
        r.if_sid.clone(),
        r.if_level.clone(),
        r.if_group.clone(),
        r.if_matched_sid,
    );
    let attached = if let Some(sids) = if_sid {
        attach_if_sid(tree, idx, &sids, ims.is_some(), &span, diags)
    } else if let Some(level) = if_level {
        let n = first_digits(&level, 10);
        if n == 0 {
            diags.push(skip(
                "R031",
                format!("(7609) Invalid 'if_level' value: '{level}'. Rule '{id}' will be ignored."),
                &span,
            ));
            false
        } else if tree.attach_by_level(idx, n) {
            true
        } else {
            diags.push(skip("R037", format!("(7608) Level ID '{}' was not found. Invalid 'if_level'. Rule '{id}' will be ignored.", n * 100), &span));
            false
        }
    } else if let Some(group) = if_group {
        if tree.attach_by_group(idx, &group) {
            true
        } else {
            diags.push(
                skip("R038", format!("(7610) Group '{group}' was not found. Invalid 'if_group'. Rule '{id}' will be ignored."), &span)
                    .with_help("if_group only sees groups of rules loaded before this one"),
            );
            false
        }
    } else if tree.attach_by_category(idx) {
        true
    } else {
        diags.push(skip(
            "R039",
            format!(
                "(7611) Category was not found. Invalid 'category'. Rule '{id}' will be ignored."
            ),
            &span,
        ));
        false
    };
    if attached {
        tree.wire_state(idx);
    }
}

/// R4.3.1: ids separated by `,` and spaces; a trailing separator reads an
/// extra id 0, which attaches by category.
fn attach_if_sid(
    tree: &mut RuleTree,
    idx: usize,
    sids: &str,
    has_ims: bool,
    span: &Span,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let id = tree.rules[idx].id;
    let mut ids: Vec<u32> = Vec::new();
    let mut cur: Option<u32> = None;
    let mut bad = false;
    for b in sids.bytes() {
        match b {
            b'0'..=b'9' => {
                cur = Some(
                    cur.unwrap_or(0)
                        .wrapping_mul(10)
                        .wrapping_add(u32::from(b - b'0')),
                )
            }
            b',' | b' ' => {
                if let Some(v) = cur.take() {
                    ids.push(v);
                }
            }
            _ => {
                bad = true;
                break;
            }
        }
    }
    if let Some(v) = cur.take() {
        ids.push(v);
    } else if !bad && (sids.ends_with(',') || sids.ends_with(' ')) {
        ids.push(0);
    }
    let mut attached = false;
    for sid in ids {
        if sid == 0 {
            attached |= tree.attach_by_category(idx);
            continue;
        }
        if tree.attach_under_id(idx, sid) {
            attached = true;
        } else if has_ims {
            // rules.md §10.3 S7: Wazuh's text has no space after the period.
            diags.push(skip("R036", format!("(7620) Signature ID '{sid}' was not found. Invalid 'if_matched_sid'.Rule '{id}' will be ignored."), span));
            return false;
        } else {
            diags.push(
                warn("R044", format!("(7617) Signature ID '{sid}' was not found and will be ignored in the 'if_sid' option of rule '{id}'."), span)
                    .with_help("if_sid only sees rules loaded before this one"),
            );
        }
    }
    if bad {
        diags.push(warn(
            "R045",
            format!("(7607) Invalid 'if_sid' value for rule '{id}'."),
            span,
        ));
    }
    if !attached {
        diags.push(skip(
            "R035",
            format!("(7619) Empty 'if_sid' value. Rule '{id}' will be ignored."),
            span,
        ));
    }
    attached
}

/// R4.6: copy the new definition into the existing rule.
fn overwrite_rule(tree: &mut RuleTree, orig: usize, new: Rule, diags: &mut Vec<Diagnostic>) {
    let old = &tree.rules[orig];
    let id = old.id;
    for (name, a, b) in [
        ("if_sid", &old.if_sid, &new.if_sid),
        ("if_group", &old.if_group, &new.if_group),
        ("if_level", &old.if_level, &new.if_level),
        (
            "if_matched_group",
            &old.if_matched_group,
            &new.if_matched_group,
        ),
    ] {
        if b.is_some() && a != b {
            diags.push(warn("R046", format!("(7605) It is not possible to overwrite '{name}' value in rule '{id}'. The original value is retained."), &new.span));
        }
    }
    if new.if_matched_sid.is_some() && old.if_matched_sid != new.if_matched_sid {
        diags.push(warn("R046", format!("(7605) It is not possible to overwrite 'if_matched_sid' value in rule '{id}'. The original value is retained."), &new.span));
    }
    let kept = (
        old.if_sid.clone(),
        old.if_group.clone(),
        old.if_level.clone(),
        old.if_matched_sid,
        old.if_matched_group.clone(),
        old.if_matched_group_pattern.clone(),
        old.srcgeoip.clone(),
        old.dstgeoip.clone(),
    );
    let mut r = new;
    r.id = id;
    r.if_sid = kept.0;
    r.if_group = kept.1;
    r.if_level = kept.2;
    r.if_matched_sid = kept.3;
    r.if_matched_group = kept.4;
    r.if_matched_group_pattern = kept.5;
    r.srcgeoip = kept.6;
    r.dstgeoip = kept.7;
    tree.replace_rule(orig, r);
    // State wiring is kept (R4.6.4): a rule without wiring stays stateless
    // (R4.6.5), and context-less overwrites stop searching.
    if !tree.rules[orig].context {
        tree.search[orig] = super::tree::Search::None;
    } else if tree.search[orig] == super::tree::Search::None {
        // Context added by an overwrite gets no wiring: the stateful check is skipped.
        tree.rules[orig].context = false;
    }
}
