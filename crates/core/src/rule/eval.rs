//! Matching one decoded event against the rule tree (rules.md §5): the node
//! check, the children walk, and the stateful searches over earlier events.

use super::ip::list_contains;
use super::lists::CdbList;
use super::lists::Lookup;
use super::model::{CompiledRule, Cond, ListField, Matcher as Pat, Rule, SameKey};
use super::tree::{Prefilter, RuleTree, Search};
use crate::decoder::DecoderMatch;
use crate::event::{Event, StaticField};
use crate::trace::{Gate, GateReason, Tracer};
use std::cell::Cell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

/// The session clock at the time of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Now {
    /// Seconds (any epoch; only differences matter for timeframes).
    pub epoch_secs: i64,
    /// Local time of day in minutes, for `<time>`.
    pub minute_of_day: u16,
    /// Local weekday, 0 = Sunday, for `<weekday>`.
    pub weekday: u8,
}

/// An event kept for the stateful rules of later events.
#[derive(Debug)]
pub struct StoredEvent {
    pub time: i64,
    /// The level of the stateful rule that last counted it (rules.md §5.6.1).
    pub matched: Cell<u32>,
    pub event: Event,
    pub decoder_kind: String,
}

/// Capacity of the global previous-events list (`<memory_size>`, R5.4).
const GLOBAL_CAPACITY: usize = 8192;

/// The mutable part of a session (rules.md §5.5).
#[derive(Debug, Default)]
pub struct MatchState {
    pub lists: Vec<VecDeque<Rc<StoredEvent>>>,
    pub global: VecDeque<Rc<StoredEvent>>,
    pub firedtimes: Vec<u32>,
    pub ignore_since: Vec<Option<i64>>,
    /// First-time-seen lines of `if_fts` (the session's FTS store).
    pub fts: HashSet<String>,
    /// The latest FTS lines of `ids` decoders, for the similarity check.
    pub fts_recent: VecDeque<String>,
    pub diff: HashMap<(String, u32), String>,
    /// Per rule: how many events satisfied its conditions (coverage).
    pub hits: Vec<u32>,
}

impl MatchState {
    pub fn new(tree: &RuleTree) -> MatchState {
        MatchState {
            lists: vec![VecDeque::new(); tree.list_count],
            global: VecDeque::new(),
            firedtimes: vec![0; tree.rules.len()],
            ignore_since: vec![None; tree.rules.len()],
            fts: HashSet::new(),
            fts_recent: VecDeque::new(),
            diff: HashMap::new(),
            hits: vec![0; tree.rules.len()],
        }
    }
}

/// Longest FTS line (`snprintf` into `OS_FLSIZE` bytes).
const FTS_LINE_MAX: usize = 8191;
/// `analysisd.fts_list_size` (internal options default).
const FTS_LIST_SIZE: usize = 32;
/// `analysisd.fts_min_size_for_str` (internal options default).
const FTS_MIN_SIZE_FOR_STR: usize = 14;

/// The first-time-seen line of an event (Wazuh's `FTS`): the decoder name,
/// then id, dstuser, srcuser, srcip, dstip, data, system name and location,
/// each only when the decoder's `<fts>` selects it, separated by spaces.
fn fts_line(d: &DecoderMatch, ev: &Event) -> String {
    use crate::decoder::fts;
    let pick = |flag: u16, field: StaticField| {
        if d.fts & flag != 0 {
            ev.get_static(field).unwrap_or("")
        } else {
            ""
        }
    };
    let mut line = format!(
        "{} {} {} {} {} {} {} {} {}",
        d.name,
        pick(fts::ID, StaticField::Id),
        pick(fts::DSTUSER, StaticField::DstUser),
        pick(fts::SRCUSER, StaticField::SrcUser),
        pick(fts::SRCIP, StaticField::SrcIp),
        pick(fts::DSTIP, StaticField::DstIp),
        pick(fts::DATA, StaticField::Data),
        pick(fts::SYSTEMNAME, StaticField::SystemName),
        if d.fts & fts::LOCATION != 0 {
            ev.pre.location.as_str()
        } else {
            ""
        },
    );
    truncate_bytes(&mut line, FTS_LINE_MAX);
    line
}

fn truncate_bytes(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

impl MatchState {
    /// Whether `line` is new to the FTS store, recording it. For `ids`
    /// decoders a line whose start repeats more than two of the recent lines
    /// is cut to its first 14 bytes first, so a burst of near-identical
    /// alerts counts as one (`FTS`, rules.md R3.13.2).
    fn first_time_seen(&mut self, mut line: String, ids: bool) -> bool {
        if self.fts.contains(&line) {
            return false;
        }
        if ids {
            let mut similar = 0;
            for prev in self.fts_recent.iter().rev() {
                let common = prev
                    .bytes()
                    .zip(line.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                if common > FTS_MIN_SIZE_FOR_STR {
                    similar += 1;
                    if similar > 2 {
                        truncate_bytes(&mut line, FTS_MIN_SIZE_FOR_STR);
                        break;
                    }
                }
            }
            self.fts_recent.push_back(line.clone());
            if self.fts_recent.len() > FTS_LIST_SIZE {
                self.fts_recent.pop_front();
            }
        }
        self.fts.insert(line)
    }
}

/// Per-event context while walking the tree.
pub struct EventCtx<'a> {
    pub event: &'a Event,
    pub decoder: Option<&'a DecoderMatch>,
    pub now: Now,
    /// The current event's `matched` mark, set by a successful search.
    pub matched: u32,
    pub previous_output: Vec<String>,
    /// The rule a forwarded OSSEC alert names, if it is in the tree.
    pub forwarded: Option<usize>,
}

/// What the matching pass found for one event.
pub struct RuleOutcome {
    pub rule: usize,
    pub firedtimes: u32,
    pub stored: bool,
    pub alert: bool,
    pub previous_output: Vec<String>,
}

/// The gate of a failed pattern condition.
fn pattern_gate(element: &str, c: &Cond, value: Option<&str>) -> Gate {
    let (pattern, dialect) = match &c.matcher {
        Pat::Pattern(p) => (p.source().to_string(), Some(p.dialect().name().to_string())),
        Pat::Exact(s) => (s.clone(), None),
    };
    Gate {
        element: element.to_string(),
        pattern: Some(pattern),
        dialect,
        value: value.map(str::to_string),
        reason: match value {
            None => GateReason::FieldAbsent,
            Some(_) if c.negate => GateReason::Negated,
            Some(_) => GateReason::NoMatch,
        },
    }
}

/// The gate of any other failed condition.
fn other_gate(element: &str, value: Option<&str>) -> Gate {
    Gate {
        element: element.to_string(),
        pattern: None,
        dialect: None,
        value: value.map(str::to_string),
        reason: GateReason::NotSatisfied,
    }
}

/// The gate of a stateful rule that has not seen enough earlier events.
fn stateful_gate(rule: &Rule, search: Search, seen: u32) -> Gate {
    let element = if rule.if_matched_sid.is_some() {
        "if_matched_sid"
    } else if rule.if_matched_regex.is_some() {
        "if_matched_regex"
    } else {
        "if_matched_group"
    };
    // The current event is one of the `frequency` events (rules.md §5.6.2).
    let needed = rule.frequency + 1;
    let value = if search == Search::Never {
        "the rule it follows is not loaded; it never matches".to_string()
    } else {
        format!(
            "{seen} earlier matching event(s) within {} s; frequency=\"{}\" needs {needed} earlier ones",
            rule.timeframe,
            rule.frequency_attr.unwrap_or(rule.frequency + 2)
        )
    };
    Gate {
        pattern: rule
            .if_matched_sid
            .map(|s| s.to_string())
            .or_else(|| rule.if_matched_group.clone())
            .or_else(|| {
                rule.if_matched_regex
                    .as_ref()
                    .map(|p| p.source().to_string())
            }),
        ..other_gate(element, Some(&value))
    }
}

pub(crate) struct Matcher<'r> {
    pub tree: &'r RuleTree,
    pub lists: &'r [CdbList],
    pub max_timeframe: i64,
}

impl Matcher<'_> {
    /// rules.md §5.2 + §5.4 for one event.
    pub fn run<T: Tracer>(
        &self,
        state: &mut MatchState,
        ctx: &mut EventCtx,
        tracer: &mut T,
    ) -> Option<RuleOutcome> {
        // Borrowed from the decoder match, not from `ctx`; copied only when
        // an event is stored.
        let decoder = ctx.decoder;
        let kind = decoder.map_or("syslog", |d| d.kind.as_str());
        let mut found = None;
        if kind == crate::decoder::OSSEC_ALERT_KIND {
            // Events of the OSSECAlert plugin take the rule their alert
            // names, without the tree walk; none when it is unknown
            // (rules.md R5.2.2, the standalone test mode of §8.7).
            found = ctx.forwarded;
        } else {
            for &n in &self.tree.top {
                let r = &self.tree.rules[self.tree.nodes[n].rule];
                if r.category != kind {
                    continue;
                }
                if let Some(rule) = self.check_node(n, state, ctx, 0, tracer) {
                    found = Some(rule);
                    break;
                }
            }
        }
        let rule_idx = found?;
        let rule = &self.tree.rules[rule_idx];
        let firedtimes = state.firedtimes[rule_idx];
        let mut out = RuleOutcome {
            rule: rule_idx,
            firedtimes,
            stored: false,
            alert: false,
            previous_output: std::mem::take(&mut ctx.previous_output),
        };
        // R5.4 step 2: level 0 stops here.
        if rule.level == 0 {
            return Some(out);
        }
        // Step 3: the ignore attribute.
        if rule.ignore_time > 0 {
            match state.ignore_since[rule_idx] {
                None => state.ignore_since[rule_idx] = Some(ctx.now.epoch_secs),
                Some(t) if ctx.now.epoch_secs - t < i64::from(rule.ignore_time) => {
                    return Some(out)
                }
                Some(_) => state.ignore_since[rule_idx] = None,
            }
        }
        // Step 5: store.
        self.store(rule_idx, kind, state, ctx);
        out.stored = true;
        // Step 6 / R8.7.5.
        out.alert = rule.level >= 3 && !rule.options.no_log;
        Some(out)
    }

    /// Step 5 of rules.md R5.4: keeps the event in the lists later events
    /// search. Only lists some stateful rule reads are kept: with no
    /// reader, storing changes nothing any later event can observe.
    fn store(&self, rule_idx: usize, kind: &str, state: &mut MatchState, ctx: &EventCtx) {
        let feeds_lists =
            self.tree.prev_list[rule_idx].is_some() || !self.tree.feeds[rule_idx].is_empty();
        if !feeds_lists && !self.tree.uses_global {
            return;
        }
        let stored = Rc::new(StoredEvent {
            time: ctx.now.epoch_secs,
            matched: Cell::new(ctx.matched),
            event: ctx.event.clone(),
            decoder_kind: kind.to_string(),
        });
        // A list keeps what its readers' longest timeframe can still count:
        // their search stops at the first older event (rules.md §5.6), so
        // dropping those changes no result.
        let now = ctx.now.epoch_secs;
        let push = |list: &mut VecDeque<Rc<StoredEvent>>, l: usize| {
            let keep = self
                .tree
                .list_timeframe
                .get(l)
                .copied()
                .unwrap_or(self.max_timeframe);
            while list.front().is_some_and(|e| e.time < now - keep) {
                list.pop_front();
            }
            list.push_back(stored.clone());
        };
        if let Some(l) = self.tree.prev_list[rule_idx] {
            push(&mut state.lists[l], l);
        } else {
            for &l in &self.tree.feeds[rule_idx] {
                push(&mut state.lists[l], l);
            }
        }
        if self.tree.uses_global {
            state.global.push_back(stored.clone());
            if state.global.len() > GLOBAL_CAPACITY {
                state.global.pop_front();
            }
        }
    }

    /// rules.md §5.3.
    fn check_node<T: Tracer>(
        &self,
        node: usize,
        state: &mut MatchState,
        ctx: &mut EventCtx,
        depth: usize,
        tracer: &mut T,
    ) -> Option<usize> {
        let ri = self.tree.nodes[node].rule;
        let rule = &self.tree.rules[ri];
        if tracer.enabled() {
            tracer.tried(rule.id, depth);
        }
        if !self.conditions(ri, rule, state, ctx, tracer) {
            return None;
        }
        if tracer.enabled() {
            tracer.matched(rule.id);
        }
        state.hits[ri] = state.hits[ri].saturating_add(1);
        let decoder = ctx.decoder.map(|d| d.id);
        // Only the children this event's decoder can reach (rule/tree.rs
        // ChildIndex), unless the trace must show them all.
        let children = match self.tree.child_index.get(node) {
            Some(Some(ix)) if !tracer.enabled() => ix.candidates(decoder),
            _ => &self.tree.nodes[node].children[..],
        };
        // The first byte is the C string's (a leading NUL and an empty text
        // both give the bit of NUL), so no cut at the NUL is needed.
        let ev = &ctx.event.pre;
        let program = ev
            .program_name
            .as_deref()
            .map(|p| Prefilter::bit(p.as_bytes()));
        let log = Prefilter::bit(ev.log.as_bytes());
        for &child in children {
            // The trace must show every child tried.
            if !tracer.enabled() && self.skips(child, ctx.event, decoder, program, log) {
                continue;
            }
            if let Some(r) = self.check_node(child, state, ctx, depth + 1, tracer) {
                return Some(r);
            }
        }
        if rule.noalert {
            return None;
        }
        state.firedtimes[ri] += 1;
        Some(ri)
    }

    /// Whether the child at node `child` fails a first condition on this
    /// event, known without reading its rule record: its prefilter
    /// (rule/tree.rs `Prefilter`; `program` and `log` are the event's
    /// [`Prefilter::bit`]s) or its `decoded_as` (`decoder`: the event's).
    #[inline]
    fn skips(
        &self,
        child: usize,
        event: &Event,
        decoder: Option<u32>,
        program: Option<u64>,
        log: u64,
    ) -> bool {
        let rule = || self.tree.nodes[child].rule;
        if let Some(p) = self.tree.prefilters.get(child) {
            if !p.admits(program, log)
                || !p.admits_event(|| event.lower_log().filter(), || event.name_bits())
            {
                return true;
            }
            if let Some(slot) = p.value_slot() {
                let name = || {
                    let r = &self.tree.rules[rule()];
                    r.fields.first().map_or("", |f| f.name.as_str())
                };
                if !p.admits_value(event.get_dynamic_slot(slot, name)) {
                    return true;
                }
            }
        }
        matches!(self.tree.decoded_as.get(rule()), Some(Some(id)) if decoder != Some(*id))
    }

    fn conditions<T: Tracer>(
        &self,
        ri: usize,
        rule: &Rule,
        state: &mut MatchState,
        ctx: &mut EventCtx,
        tracer: &mut T,
    ) -> bool {
        // Reports the failing gate (built only when tracing) and fails.
        macro_rules! fail {
            ($gate:expr) => {{
                if tracer.enabled() {
                    tracer.failed(rule.id, $gate);
                }
                return false;
            }};
        }
        let ev = ctx.event;
        let st = |f| ev.get_static(f);
        if let Some((name, id)) = &rule.decoded_as {
            if ctx.decoder.map(|d| d.id) != Some(*id) {
                fail!(Gate {
                    pattern: Some(name.clone()),
                    ..other_gate("decoded_as", ctx.decoder.map(|d| d.name.as_str()))
                });
            }
        }
        let needs_lower = |c: &Option<Cond>| {
            c.as_ref()
                .is_some_and(|c| matches!(&c.matcher, Pat::Pattern(p) if p.needs_lower()))
        };
        let log_lower =
            (needs_lower(&rule.match_) || needs_lower(&rule.regex)).then(|| ev.lower_log().at(0));
        // Each value is read only when the rule has the condition (most
        // rules have one or two): rules.md §3 order.
        macro_rules! check {
            ($element:expr, $cond:expr, $value:expr, $lower:expr) => {
                if let Some(c) = $cond {
                    let value = $value;
                    if !c.test_lower(value, $lower) {
                        fail!(pattern_gate($element, c, value));
                    }
                }
            };
        }
        check!(
            "program_name",
            &rule.program_name,
            ev.pre.program_name.as_deref(),
            None
        );
        check!("id", &rule.id_cond, st(StaticField::Id), None);
        check!(
            "system_name",
            &rule.system_name,
            st(StaticField::SystemName),
            None
        );
        check!("protocol", &rule.protocol, st(StaticField::Protocol), None);
        check!("match", &rule.match_, Some(ev.pre.log.as_str()), log_lower);
        check!("regex", &rule.regex, Some(ev.pre.log.as_str()), log_lower);
        check!("action", &rule.action, st(StaticField::Action), None);
        check!("url", &rule.url, st(StaticField::Url), None);
        check!(
            "location",
            &rule.location,
            Some(ev.pre.location.as_str()),
            None
        );
        for f in &rule.fields {
            let value = ev.get_dynamic_slot(f.slot, || &f.name);
            if !f.cond.test(value) {
                fail!(pattern_gate(
                    &format!("field name=\"{}\"", f.name),
                    &f.cond,
                    value
                ));
            }
        }
        // P group.
        for (cond, field) in [
            (&rule.srcip, StaticField::SrcIp),
            (&rule.dstip, StaticField::DstIp),
        ] {
            if let Some(c) = cond {
                match st(field) {
                    None => fail!(Gate {
                        reason: GateReason::FieldAbsent,
                        ..other_gate(field.name(), None)
                    }),
                    Some(v) => {
                        if list_contains(&c.entries, v) == c.negate {
                            fail!(other_gate(field.name(), Some(v)));
                        }
                    }
                }
            }
        }
        for (cond, field) in [
            (&rule.srcport, StaticField::SrcPort),
            (&rule.dstport, StaticField::DstPort),
        ] {
            if let Some(c) = cond {
                if !c.test(st(field)) {
                    fail!(pattern_gate(field.name(), c, st(field)));
                }
            }
        }
        // X group.
        if let Some(cr) = rule.compiled_rule {
            if !compiled_rule(cr, ev) {
                fail!(other_gate("compiled_rule", None));
            }
        }
        if let Some(c) = &rule.user {
            let user = st(StaticField::DstUser).or(st(StaticField::SrcUser));
            if !c.test(user) {
                fail!(pattern_gate("user", c, user));
            }
        }
        // GeoIP fields only exist in GeoIP builds (rules.md §3.1).
        if rule.srcgeoip.is_some() || rule.dstgeoip.is_some() {
            fail!(Gate {
                reason: GateReason::FieldAbsent,
                ..other_gate("srcgeoip/dstgeoip", None)
            });
        }
        if rule.maxsize > 0 && ev.pre.log.len() < rule.maxsize as usize {
            fail!(other_gate("maxsize", None));
        }
        if let Some(t) = &rule.time {
            if !t.matches(ctx.now.minute_of_day) {
                fail!(other_gate("time", None));
            }
        }
        if let Some(w) = rule.weekday {
            if w & (1 << (ctx.now.weekday % 7)) == 0 {
                fail!(other_gate("weekday", None));
            }
        }
        for (element, cond, value) in [
            ("data", &rule.data, st(StaticField::Data)),
            ("extra_data", &rule.extra_data, st(StaticField::ExtraData)),
            ("hostname", &rule.hostname, Some(ev.pre.hostname.as_str())),
            ("status", &rule.status, st(StaticField::Status)),
        ] {
            if let Some(c) = cond {
                if !c.test(value) {
                    fail!(pattern_gate(element, c, value));
                }
            }
        }
        if rule.check_diff {
            // R3.13.1: the first event stores and does not match; later
            // events match only when log differs.
            let key = (ev.pre.hostname.clone(), rule.id);
            let changed = match state.diff.get(&key) {
                None => false,
                Some(prev) => *prev != ev.pre.log,
            };
            state.diff.insert(key, ev.pre.log.clone());
            if !changed {
                fail!(other_gate("check_diff", None));
            }
        }
        if rule.if_fts {
            // rules.md R3.13.2: only decoders with `<fts>` take part.
            let Some(d) = ctx.decoder.filter(|d| d.fts != 0) else {
                fail!(other_gate("if_fts", None));
            };
            if !state.first_time_seen(fts_line(d, ev), d.kind == "ids") {
                fail!(other_gate("if_fts", None));
            }
        }
        for l in &rule.lists {
            if !self.list_check(l, ev) {
                fail!(other_gate("list", None));
            }
        }
        if rule.context && !rule.check_diff {
            if let Err(seen) = self.stateful(ri, rule, state, ctx) {
                fail!(stateful_gate(rule, self.tree.search[ri], seen));
            }
        }
        true
    }

    fn list_check(&self, l: &super::model::ListCond, ev: &Event) -> bool {
        let value = match &l.field {
            ListField::Static(f) => ev.get_static(*f),
            ListField::User => ev
                .get_static(StaticField::SrcUser)
                .or(ev.get_static(StaticField::DstUser)),
            ListField::Hostname => Some(ev.pre.hostname.as_str()),
            ListField::ProgramName => ev.pre.program_name.as_deref(),
            ListField::Dynamic(n) => ev.get_dynamic(n),
        };
        let Some(value) = value else { return false };
        let Some(list) = self.lists.get(l.list) else {
            return false;
        };
        let check = |v: &str| {
            l.check_value
                .as_ref()
                .is_some_and(|p| p.is_match(v.as_bytes()))
        };
        match l.lookup {
            Lookup::MatchKey => list.get(value).is_some(),
            Lookup::NotMatchKey => list.get(value).is_none(),
            Lookup::MatchKeyValue => list.get(value).is_some_and(check),
            Lookup::AddressMatchKey => list.find_address(value).is_some(),
            Lookup::NotAddressMatchKey => list.find_address(value).is_none(),
            // R7.3.3: inverted in the reference; reproduced as-is.
            Lookup::AddressMatchKeyValue => match list.find_address(value) {
                None => true,
                Some(v) => !check(v),
            },
        }
    }

    /// rules.md §5.6. On failure, how many earlier events counted.
    fn stateful(
        &self,
        ri: usize,
        rule: &Rule,
        state: &mut MatchState,
        ctx: &mut EventCtx,
    ) -> Result<(), u32> {
        let list: &VecDeque<Rc<StoredEvent>> = match self.tree.search[ri] {
            Search::None => return Ok(()),
            Search::Never => return Err(0),
            Search::List(l) => &state.lists[l],
            Search::Global => &state.global,
        };
        let global = self.tree.search[ri] == Search::Global;
        let kind = ctx.decoder.map_or("syslog", |d| d.kind.as_str());
        let need = rule.frequency;
        let mut count = 0u32;
        let mut first: Option<Rc<StoredEvent>> = None;
        for e in list.iter().rev() {
            if ctx.now.epoch_secs - e.time > i64::from(rule.timeframe) {
                return Err(count);
            }
            if !rule.global_frequency && e.event.pre.agent_id != ctx.event.pre.agent_id {
                continue;
            }
            if global {
                if e.decoder_kind != kind {
                    continue;
                }
                if let Some(p) = &rule.if_matched_regex {
                    if !p.is_match(e.event.pre.log.as_bytes()) {
                        continue;
                    }
                }
            }
            if !same_different(rule, &e.event, ctx.event) {
                continue;
            }
            if e.matched.get() >= rule.level {
                return Err(count);
            }
            if ctx.previous_output.len() < 11 {
                ctx.previous_output.push(e.event.pre.full_log.clone());
            }
            if count < need {
                count += 1;
                if first.is_none() {
                    first = Some(e.clone());
                }
                continue;
            }
            ctx.matched = rule.level;
            if let Some(f) = first {
                f.matched.set(rule.level);
            }
            return Ok(());
        }
        Err(count)
    }
}

fn same_value(key: SameKey, ev: &Event) -> Option<&str> {
    match key {
        SameKey::Static(f) => ev.get_static(f),
        SameKey::Location => Some(ev.pre.location.as_str()),
        SameKey::SrcGeoip | SameKey::DstGeoip => None,
    }
}

/// rules.md §5.6.3: whether stored event `e` passes the filters against `c`.
fn same_different(rule: &Rule, e: &Event, c: &Event) -> bool {
    for &k in &rule.same {
        match (same_value(k, e), same_value(k, c)) {
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
    for &k in &rule.different {
        if let (Some(a), Some(b)) = (same_value(k, e), same_value(k, c)) {
            if a == b {
                return false;
            }
        }
    }
    if !rule.same_fields.is_empty() {
        if e.dynamic_len() == 0 || c.dynamic_len() == 0 {
            return false;
        }
        for n in &rule.same_fields {
            match (e.get_dynamic(n), c.get_dynamic(n)) {
                (Some(a), Some(b)) if a == b => {}
                _ => return false,
            }
        }
    }
    if !rule.different_fields.is_empty() {
        if e.dynamic_len() == 0 && c.dynamic_len() == 0 {
            return false;
        }
        for n in &rule.different_fields {
            if let (Some(a), Some(b)) = (e.get_dynamic(n), c.get_dynamic(n)) {
                if a == b {
                    return false;
                }
            }
        }
    }
    true
}

/// rules.md §3.14.
fn compiled_rule(cr: CompiledRule, ev: &Event) -> bool {
    match cr {
        CompiledRule::CheckIdSize => ev
            .get_static(StaticField::Id)
            .is_some_and(|v| v.len() >= 10),
        CompiledRule::CompSrcuserDstuser => match (
            ev.get_static(StaticField::SrcUser),
            ev.get_static(StaticField::DstUser),
        ) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        },
        CompiledRule::IsSimpleHttpRequest => ev
            .get_static(StaticField::Url)
            .is_some_and(|u| u == "/" || !u.contains('?')),
        CompiledRule::IsValidCrawler => {
            const PREFIXES: [&str; 8] = [
                "66.249.", "72.14.", "209.85.", "65.55.", "207.46.", "74.6.", "72.30.", "67.195.",
            ];
            PREFIXES.iter().any(|p| ev.pre.log.starts_with(p))
        }
        CompiledRule::CompMswinTargetuserCalleruserDiff => {
            let find = |key: &str| {
                ev.pre.log.find(key).map(|i| {
                    let rest = ev.pre.log[i + key.len()..].trim_start_matches([' ', '\t']);
                    rest.split([' ', '\t']).next().unwrap_or("").to_string()
                })
            };
            match (find("Target Account Name:"), find("Caller User Name:")) {
                (Some(a), Some(b)) => a != b,
                _ => false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_store_records_each_line_once() {
        let mut st = MatchState::default();
        assert!(st.first_time_seen("sshd  bob".into(), false));
        assert!(!st.first_time_seen("sshd  bob".into(), false));
        assert!(st.first_time_seen("sshd  eve".into(), false));
        assert!(
            st.fts_recent.is_empty(),
            "only ids decoders keep recent lines"
        );
    }

    #[test]
    fn ids_lines_that_repeat_a_burst_are_cut_to_14_bytes() {
        let mut st = MatchState::default();
        // Three earlier lines share more than 14 leading bytes with the next.
        for i in 0..3 {
            assert!(st.first_time_seen(format!("snort 1:2001219:20 alert {i}"), true));
        }
        // The fourth is cut to "snort 1:200121", new once...
        assert!(st.first_time_seen("snort 1:2001219:20 alert 9".into(), true));
        assert!(st.fts.contains("snort 1:200121"));
        // ...and any later line of the burst is then not first-time-seen.
        assert!(!st.first_time_seen("snort 1:2001219:20 alert 10".into(), true));
        // A different signature is unaffected.
        assert!(st.first_time_seen("snort 1:9999999:1 other".into(), true));
        assert!(st.fts_recent.len() <= FTS_LIST_SIZE);
    }
}
