//! The rule tree (rules.md §4): nodes pointing at rules, a rule may have
//! several nodes; siblings sorted by the scaled level K with level-0 rules
//! first; state wiring for the stateful rules (R4.8).

use super::model::Rule;
use crate::pattern::fold::{Filter, NeedleKey};
use crate::pattern::{Dialect, Pattern};
use std::collections::HashMap;

/// One node of the tree.
#[derive(Debug, Clone)]
pub struct Node {
    pub rule: usize,
    pub children: Vec<usize>,
}

/// The children of one node that an event decoded by a given decoder can
/// reach: a child with `<decoded_as>` another decoder fails its first
/// condition, so it is left out. Each list keeps the children's order.
/// The root rules have hundreds of children, most for one decoder each.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChildIndex {
    /// Decoder id → its children and those without `decoded_as`.
    by_decoder: HashMap<u32, Box<[usize]>>,
    /// The children without `decoded_as` (events of other decoders, or of
    /// none).
    open: Box<[usize]>,
}

impl ChildIndex {
    /// Fewer children than this are walked as they are.
    const MIN_CHILDREN: usize = 16;

    fn build(children: &[usize], nodes: &[Node], decoded_as: &[Option<u32>]) -> Option<ChildIndex> {
        if children.len() < Self::MIN_CHILDREN {
            return None;
        }
        let id = |c: usize| {
            nodes
                .get(c)
                .and_then(|n| decoded_as.get(n.rule))
                .copied()
                .flatten()
        };
        let mut ids: Vec<u32> = children.iter().filter_map(|&c| id(c)).collect();
        ids.sort_unstable();
        ids.dedup();
        let by_decoder = ids
            .iter()
            .map(|&d| {
                let list: Box<[usize]> = children
                    .iter()
                    .copied()
                    .filter(|&c| id(c).is_none_or(|x| x == d))
                    .collect();
                (d, list)
            })
            .collect();
        let open = children
            .iter()
            .copied()
            .filter(|&c| id(c).is_none())
            .collect();
        Some(ChildIndex { by_decoder, open })
    }

    /// The children an event of decoder `id` (None: no decoder) can reach,
    /// in order.
    pub fn candidates(&self, id: Option<u32>) -> &[usize] {
        id.and_then(|d| self.by_decoder.get(&d))
            .unwrap_or(&self.open)
    }
}

/// The first conditions of a rule (rules.md §3: `program_name` before
/// `match`), summed up in a few words kept apart from the rule records:
/// walking a node's children reads these instead of each child's rule,
/// whose fields and patterns lie in memory the event has not touched (the
/// stock tree has thousands). A gate that does not admit an event means the
/// rule's conditions fail, before any condition with an effect.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prefilter {
    /// The rule has `<program_name>`: an event without one fails it.
    needs_program: bool,
    /// Bits `b & 63` of the lower-cased bytes a program name may start with
    /// (`<program_name>` of `^x`/`^x$` literals only); all ones otherwise.
    program_first: u64,
    /// The same for the log and an OS_Match `<match>` of `^x`/`^x$`.
    log_first: u64,
    /// A literal the log must contain (`<match>` or `<regex>`, see
    /// [`crate::pattern::Pattern::needle_key`]), tested on the log's filter.
    log_needle: NeedleKey,
    /// The [`crate::event::Event::name_bit`] of the first `<field>` name:
    /// an event without such a dynamic field fails the rule.
    field: Option<u8>,
    /// Bits of the bytes the value of the first `<field>` may start with
    /// (every alternative `^literal…`, like `^account.\.*`); all ones
    /// otherwise. `field_slot` is that field's [`super::model::FieldCond`]
    /// slot.
    field_first: u64,
    field_slot: u32,
}

impl Default for Prefilter {
    fn default() -> Prefilter {
        Prefilter {
            needs_program: false,
            program_first: u64::MAX,
            log_first: u64::MAX,
            log_needle: NeedleKey::ANY,
            field: None,
            field_first: u64::MAX,
            field_slot: 0,
        }
    }
}

impl Prefilter {
    fn of(rule: &super::Rule) -> Prefilter {
        Prefilter {
            needs_program: rule.program_name.is_some(),
            program_first: first_bytes(rule.program_name.as_ref()),
            // Both conditions must hold, so both first-byte sets.
            log_first: first_bytes(rule.match_.as_ref()) & first_bytes(rule.regex.as_ref()),
            log_needle: [rule.match_.as_ref(), rule.regex.as_ref()]
                .into_iter()
                .flatten()
                .filter(|c| !c.negate)
                .filter_map(|c| match &c.matcher {
                    super::model::Matcher::Pattern(p) => Some(p.needle_key()),
                    super::model::Matcher::Exact(_) => None,
                })
                .find(|k| *k != NeedleKey::ANY)
                .unwrap_or(NeedleKey::ANY),
            field: rule
                .fields
                .first()
                .map(|f| crate::event::Event::name_bit(&f.name)),
            field_first: rule
                .fields
                .first()
                .map_or(u64::MAX, |f| first_bytes(Some(&f.cond))),
            field_slot: rule.fields.first().map_or(0, |f| f.slot),
        }
    }

    /// The first `<field>`'s slot when its value's first byte can reject
    /// the rule (see [`Prefilter::admits_value`]).
    #[inline]
    pub fn value_slot(&self) -> Option<u32> {
        (self.field_first != u64::MAX).then_some(self.field_slot)
    }

    /// False when the first `<field>` fails on this value (its
    /// [`Prefilter::bit`]); an absent field fails too (rules.md R3.5.3).
    #[inline]
    pub fn admits_value(&self, value: Option<&str>) -> bool {
        value.is_some_and(|v| self.field_first & Prefilter::bit(v.as_bytes()) != 0)
    }

    /// False when the event lacks the rule's log literal (`lower`: the
    /// event's lower-cased log, made only when the rule has one) or a
    /// dynamic field of its first `<field>` name (`names`:
    /// [`crate::event::Event::name_bits`], likewise).
    #[inline]
    pub fn admits_event<'e>(
        &self,
        lower: impl FnOnce() -> &'e Filter,
        names: impl FnOnce() -> &'e [u64; 4],
    ) -> bool {
        (self.log_needle == NeedleKey::ANY || self.log_needle.may_occur(lower()))
            && self
                .field
                .is_none_or(|b| names()[usize::from(b >> 6)] & (1 << (b & 63)) != 0)
    }

    /// The bit of a text's first byte (of NUL for an empty one).
    pub fn bit(text: &[u8]) -> u64 {
        1 << (text.first().map_or(0, |b| b.to_ascii_lowercase()) & 63)
    }

    /// False when the rule's conditions fail on an event with this program
    /// name (`program`: its [`Prefilter::bit`], None when absent) and log bit.
    #[inline]
    pub fn admits(&self, program: Option<u64>, log: u64) -> bool {
        match program {
            None if self.needs_program => false,
            None => self.log_first & log != 0,
            Some(p) => self.program_first & p != 0 && self.log_first & log != 0,
        }
    }
}

/// [`Prefilter`] bits of the first bytes an OS_Match condition of anchored
/// literals admits; all ones for anything else.
fn first_bytes(cond: Option<&super::model::Cond>) -> u64 {
    let Some(c) = cond.filter(|c| !c.negate) else {
        return u64::MAX;
    };
    let super::model::Matcher::Pattern(p) = &c.matcher else {
        return u64::MAX;
    };
    // Folded into the 64 bits of `Prefilter::bit`.
    match p.first_bytes() {
        Some(set) => (0..=255u8)
            .filter(|&c| set[usize::from(c >> 6)] >> (c & 63) & 1 != 0)
            .fold(0, |bits, c| bits | Prefilter::bit(&[c])),
        None => u64::MAX,
    }
}

/// The parts of a rule's verdicts that depend on the rule alone.
#[derive(Debug)]
pub(crate) struct Shown {
    pub groups: std::sync::Arc<[String]>,
    pub compliance: std::sync::Arc<[(String, Vec<String>)]>,
    pub info: std::sync::Arc<[(String, String)]>,
}

impl Shown {
    fn of(r: &Rule) -> Shown {
        Shown {
            groups: r.groups().into(),
            compliance: r
                .compliance()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            info: r
                .info
                .iter()
                .map(|i| (i.kind.to_string(), i.text.clone()))
                .collect(),
        }
    }
}

/// Where a stateful rule searches for earlier events (rules.md R4.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search {
    /// Not stateful.
    None,
    /// A previous-matches or group list (index into the session's lists).
    List(usize),
    /// The session's global event list (`if_matched_regex`, R5.6.4).
    Global,
    /// Stateful but its target is missing: never matches (R4.8.1).
    Never,
}

/// Rules, nodes and state wiring.
#[derive(Debug, Clone, Default)]
pub struct RuleTree {
    pub rules: Vec<Rule>,
    pub nodes: Vec<Node>,
    pub top: Vec<usize>,
    /// Rule index by id, for rules in the tree.
    pub by_id: HashMap<u32, usize>,
    /// Per rule: its own previous-matches list, if some rule uses it.
    pub prev_list: Vec<Option<usize>>,
    /// Per rule: the if_matched_group lists it feeds (one entry per node, R4.8.2).
    pub feeds: Vec<Vec<usize>>,
    /// Per rule: where its stateful search looks.
    pub search: Vec<Search>,
    /// Number of event lists the session must keep.
    pub list_count: usize,
    /// Whether some rule searches the global event list (`if_matched_regex`);
    /// without one, the session does not keep it.
    pub uses_global: bool,
    /// Per rule: the decoder id its `decoded_as` requires, kept apart from
    /// the (large) rule records so the children walk can skip rules for
    /// other decoders without touching them. Filled by [`RuleTree::index`].
    pub(crate) decoded_as: Vec<Option<u32>>,
    /// Per event list: the longest timeframe of the rules searching it.
    pub(crate) list_timeframe: Vec<i64>,
    /// Per node with many children: which of them each decoder's events
    /// can reach (see [`ChildIndex`]). Filled by [`RuleTree::index`].
    pub(crate) child_index: Vec<Option<Box<ChildIndex>>>,
    /// Per node: what its rule needs of an event, checked before the rule
    /// itself is read (see [`Prefilter`]). Filled by [`RuleTree::index`].
    pub(crate) prefilters: Vec<Prefilter>,
    /// Per rule: the parts of its verdicts that depend on the rule alone,
    /// made on its first verdict (see [`RuleTree::shown`]).
    shown: Vec<std::sync::OnceLock<std::sync::Arc<Shown>>>,
    /// Per node: its parent node (None at the top level).
    parent: Vec<Option<usize>>,
    /// The nodes of each rule id, in creation order (for `if_sid`).
    nodes_of_id: HashMap<u32, Vec<usize>>,
    /// Load time only (`if_group` attachment): per rule, the index of its
    /// group string among the distinct ones, so that a pattern is tested
    /// once per distinct string (rules of one `<group>` share it) instead
    /// of once per node. Cleared by [`RuleTree::index`].
    group_class: Vec<u32>,
    group_class_of: HashMap<String, u32>,
    /// The distinct group strings lower-cased, each followed by a NUL (no
    /// XML text holds one, so no needle spans two), and where each starts:
    /// one substring search over this text serves all of them.
    group_text: Vec<u8>,
    group_start: Vec<usize>,
}

impl RuleTree {
    /// Builds the matching indexes once the tree is complete.
    pub(crate) fn index(&mut self) {
        self.group_class = Vec::new();
        self.group_class_of = HashMap::new();
        self.group_text = Vec::new();
        self.group_start = Vec::new();
        let mut slots: HashMap<String, u32> = HashMap::new();
        for f in self.rules.iter_mut().flat_map(|r| r.fields.iter_mut()) {
            let next = slots.len() as u32;
            f.slot = *slots.entry(f.name.to_ascii_lowercase()).or_insert(next);
        }
        self.decoded_as = self
            .rules
            .iter()
            .map(|r| r.decoded_as.as_ref().map(|(_, id)| *id))
            .collect();
        self.child_index = self
            .nodes
            .iter()
            .map(|n| ChildIndex::build(&n.children, &self.nodes, &self.decoded_as).map(Box::new))
            .collect();
        self.prefilters = self
            .nodes
            .iter()
            .map(|n| {
                self.rules
                    .get(n.rule)
                    .map(Prefilter::of)
                    .unwrap_or_default()
            })
            .collect();
        self.shown = (0..self.rules.len())
            .map(|_| std::sync::OnceLock::new())
            .collect();
        self.list_timeframe = vec![0; self.list_count];
        for (r, search) in self.rules.iter().zip(&self.search) {
            if let Search::List(l) = *search {
                if let Some(t) = self.list_timeframe.get_mut(l) {
                    *t = (*t).max(i64::from(r.timeframe));
                }
            }
        }
    }

    /// What every verdict of rule `rule` shows of it (groups, compliance,
    /// info), made once: verdicts share it instead of parsing the group
    /// string and copying the strings per event.
    pub(crate) fn shown(&self, rule: usize) -> std::sync::Arc<Shown> {
        let make = || std::sync::Arc::new(Shown::of(&self.rules[rule]));
        match self.shown.get(rule) {
            Some(cell) => cell.get_or_init(make).clone(),
            None => make(),
        }
    }

    pub fn contains(&self, id: u32) -> bool {
        self.by_id.contains_key(&id)
    }

    /// Room for `rules` more rules.
    pub(crate) fn reserve(&mut self, rules: usize) {
        self.rules.reserve(rules);
        self.group_class.reserve(rules);
        self.prev_list.reserve(rules);
        self.feeds.reserve(rules);
        self.search.reserve(rules);
    }

    /// Adds a rule object (not yet in the tree); returns its index.
    pub(crate) fn push_rule(&mut self, rule: Rule) -> usize {
        let class = self.group_class_of_text(&rule.group);
        self.group_class.push(class);
        self.rules.push(rule);
        self.prev_list.push(None);
        self.feeds.push(Vec::new());
        self.search.push(Search::None);
        self.rules.len() - 1
    }

    /// Replaces the rule object at `idx` (overwrite, R4.6).
    pub(crate) fn replace_rule(&mut self, idx: usize, rule: Rule) {
        let class = self.group_class_of_text(&rule.group);
        if let Some(c) = self.group_class.get_mut(idx) {
            *c = class;
        }
        self.rules[idx] = rule;
    }

    fn group_class_of_text(&mut self, group: &str) -> u32 {
        if let Some(&c) = self.group_class_of.get(group) {
            return c;
        }
        let c = self.group_start.len() as u32;
        self.group_start.push(self.group_text.len());
        self.group_text
            .extend(group.bytes().map(|b| b.to_ascii_lowercase()));
        self.group_text.push(0);
        self.group_class_of.insert(group.to_string(), c);
        c
    }

    fn new_node(&mut self, rule: usize, parent: Option<usize>) -> usize {
        self.nodes.push(Node {
            rule,
            children: Vec::new(),
        });
        self.parent.push(parent);
        let n = self.nodes.len() - 1;
        self.nodes_of_id
            .entry(self.rules[rule].id)
            .or_default()
            .push(n);
        n
    }

    /// rules.md R4.4.1: insert before the first node whose current K is
    /// strictly smaller; else append.
    fn insert_sorted(&mut self, parent: Option<usize>, rule: usize) -> usize {
        let node = self.new_node(rule, parent);
        let k = self.rules[rule].k;
        let list = match parent {
            Some(p) => &self.nodes[p].children,
            None => &self.top,
        };
        let pos = list
            .iter()
            .position(|&n| self.rules[self.nodes[n].rule].k < k)
            .unwrap_or(list.len());
        match parent {
            Some(p) => self.nodes[p].children.insert(pos, node),
            None => self.top.insert(pos, node),
        }
        self.by_id.entry(self.rules[rule].id).or_insert(rule);
        node
    }

    /// A template rule (id < 10) goes to the top level (R4.2.1).
    pub(crate) fn add_top(&mut self, rule: usize) {
        self.insert_sorted(None, rule);
    }

    /// R4.3.1/R4.3.5: attaches `rule` under every occurrence of `parent_id`.
    /// Returns whether it was attached at least once.
    pub(crate) fn attach_under_id(&mut self, rule: usize, parent_id: u32) -> bool {
        #[cfg(test)]
        let targets = if tests::SLOW_FIND.with(|s| s.get()) {
            let mut t = Vec::new();
            let top = self.top.clone();
            self.find_id(&top, parent_id, &mut t);
            t
        } else {
            self.nodes_found_by_id(parent_id)
        };
        #[cfg(not(test))]
        let targets = self.nodes_found_by_id(parent_id);
        for &t in &targets {
            self.insert_sorted(Some(t), rule);
        }
        !targets.is_empty()
    }

    /// The nodes Wazuh's search for `id` finds (R4.3.1): a depth-first walk
    /// in which the first node with that id in a sibling list ends the walk
    /// of that list (neither its children nor its later siblings are seen).
    ///
    /// Instead of walking the tree, each node of the id is checked from its
    /// side: it is found unless an ancestor has the id, or a node with the
    /// id comes before it (or before one of its ancestors) in the same
    /// sibling list. Only nodes of the id can block, and there are few.
    fn nodes_found_by_id(&self, id: u32) -> Vec<usize> {
        let Some(candidates) = self.nodes_of_id.get(&id) else {
            return Vec::new();
        };
        let list_of = |n: usize| match self.parent[n] {
            Some(p) => &self.nodes[p].children,
            None => &self.top,
        };
        let blocked = |x: usize| {
            candidates.iter().any(|&m| {
                m != x && self.parent[m] == self.parent[x] && {
                    let list = list_of(x);
                    let pos = |n: usize| list.iter().position(|&c| c == n);
                    matches!((pos(m), pos(x)), (Some(a), Some(b)) if a < b)
                }
            })
        };
        candidates
            .iter()
            .copied()
            .filter(|&n| {
                if blocked(n) {
                    return false;
                }
                let mut x = n;
                while let Some(p) = self.parent[x] {
                    if self.rules[self.nodes[p].rule].id == id || blocked(p) {
                        return false;
                    }
                    x = p;
                }
                true
            })
            .collect()
    }

    #[cfg(test)]
    fn find_id(&self, list: &[usize], id: u32, out: &mut Vec<usize>) {
        for &n in list {
            if self.rules[self.nodes[n].rule].id == id {
                // The first hit in a sibling list ends the walk of that list.
                out.push(n);
                return;
            }
            self.find_id(&self.nodes[n].children, id, out);
        }
    }

    /// R4.3.2: under every node with K >= 100*level, except the rule's own.
    pub(crate) fn attach_by_level(&mut self, rule: usize, level: u32) -> bool {
        let min = level.saturating_mul(100);
        // Every node ever created is in the tree (nodes are never removed).
        let targets: Vec<usize> = (0..self.nodes.len())
            .filter(|&n| {
                let r = self.nodes[n].rule;
                r != rule && self.rules[r].k >= min
            })
            .collect();
        for &t in &targets {
            self.insert_sorted(Some(t), rule);
        }
        !targets.is_empty()
    }

    /// R4.3.3: under every node whose group string word-matches `group`.
    pub(crate) fn attach_by_group(&mut self, rule: usize, group: &str) -> bool {
        // The pattern is folded once and tested once per distinct group
        // string (the stock ruleset has 129 if_group rules and 6,700 nodes).
        let pattern = WordPattern::new(group);
        let matching = pattern.classes(&self.group_text, &self.group_start);
        if !matching.contains(&true) {
            return false;
        }
        // The walk of `walk()`, keeping only the matching nodes.
        let mut targets: Vec<usize> = Vec::new();
        let mut stack: Vec<usize> = self.top.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            let r = self.nodes[n].rule;
            // push_rule interned every rule's group string.
            let hit = r != rule
                && self
                    .group_class
                    .get(r)
                    .is_some_and(|&c| matching[c as usize]);
            if hit {
                targets.push(n);
            }
            stack.extend(self.nodes[n].children.iter().rev().copied());
        }
        for &t in &targets {
            self.insert_sorted(Some(t), rule);
        }
        !targets.is_empty()
    }

    /// R4.3.4: under the first top-level node of the same category.
    pub(crate) fn attach_by_category(&mut self, rule: usize) -> bool {
        let cat = self.rules[rule].category.clone();
        let target = self
            .top
            .iter()
            .copied()
            .find(|&n| self.rules[self.nodes[n].rule].category == cat);
        match target {
            Some(t) => {
                self.insert_sorted(Some(t), rule);
                true
            }
            None => false,
        }
    }

    /// Every node reachable from the top, depth first in order.
    pub fn walk(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack: Vec<usize> = self.top.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.nodes[n].children.iter().rev().copied());
        }
        out
    }

    /// Wires the state of a freshly inserted, non-overwrite rule (R4.8).
    pub(crate) fn wire_state(&mut self, rule: usize) {
        let (ims, img, context, check_diff) = {
            let r = &self.rules[rule];
            (
                r.if_matched_sid,
                r.if_matched_group.clone(),
                r.context,
                r.check_diff,
            )
        };
        if let Some(sid) = ims {
            // R4.8.1: search S's previous-matches list.
            match self.by_id.get(&sid).copied() {
                Some(target) => {
                    let list = match self.prev_list[target] {
                        Some(l) => l,
                        None => {
                            let l = self.list_count;
                            self.list_count += 1;
                            self.prev_list[target] = Some(l);
                            l
                        }
                    };
                    self.search[rule] = Search::List(list);
                }
                None => self.search[rule] = Search::Never,
            }
        } else if let Some(group) = img {
            // R4.8.2: a list of its own, fed by every rule now in the tree
            // whose group matches (once per node).
            let list = self.list_count;
            self.list_count += 1;
            self.search[rule] = Search::List(list);
            let matcher = Pattern::compile(Dialect::OsMatch, &group).ok();
            if let Some(m) = matcher {
                for n in self.walk() {
                    let r = self.nodes[n].rule;
                    if m.is_match(self.rules[r].group.as_bytes()) {
                        self.feeds[r].push(list);
                    }
                }
            }
        } else if context {
            // R4.8.3: check_diff clears the context.
            if check_diff {
                self.rules[rule].context = false;
            } else {
                self.search[rule] = Search::Global;
                self.uses_global = true;
            }
        }
    }
}

/// OS_WordMatch (rules.md R4.3.3): case-insensitive substring, `|`
/// alternatives, `^` prefix, an empty alternative matches everything.
pub fn word_match(pattern: &str, text: &str) -> bool {
    WordPattern::new(pattern).matches(text)
}

/// A word-match pattern with its alternatives folded to lower case once.
struct WordPattern {
    /// (anchored at the start, lower-case literal)
    alts: Vec<(bool, Vec<u8>)>,
}

impl WordPattern {
    fn new(pattern: &str) -> WordPattern {
        let alts = pattern
            .split('|')
            .map(|alt| match alt.strip_prefix('^') {
                Some(p) => (true, p.to_ascii_lowercase().into_bytes()),
                None => (false, alt.to_ascii_lowercase().into_bytes()),
            })
            .collect();
        WordPattern { alts }
    }

    /// Which of the NUL-terminated lower-case strings of `text` (starting at
    /// `starts`) the pattern matches: one `memmem` pass per alternative.
    fn classes(&self, text: &[u8], starts: &[usize]) -> Vec<bool> {
        let mut out = vec![false; starts.len()];
        for (anchored, lit) in &self.alts {
            if *anchored {
                for (k, &at) in starts.iter().enumerate() {
                    out[k] |= text[at..].starts_with(lit);
                }
            } else if lit.is_empty() {
                out.iter_mut().for_each(|m| *m = true);
            } else {
                for at in memchr::memmem::find_iter(text, lit) {
                    // The string holding position `at`.
                    let k = starts.partition_point(|&s| s <= at) - 1;
                    out[k] = true;
                }
            }
        }
        out
    }

    fn matches(&self, text: &str) -> bool {
        let text = text.as_bytes();
        self.alts.iter().any(|(anchored, lit)| {
            if *anchored {
                text.len() >= lit.len() && text[..lit.len()].eq_ignore_ascii_case(lit)
            } else {
                crate::pattern::fold::contains_folded(text, lit)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    thread_local! {
        /// Makes `attach_under_id` use the reference walk.
        pub(super) static SLOW_FIND: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// The tree as (depth, rule id) in walk order.
    fn shape(t: &RuleTree) -> Vec<(usize, u32)> {
        fn go(t: &RuleTree, list: &[usize], d: usize, out: &mut Vec<(usize, u32)>) {
            for &n in list {
                out.push((d, t.rules[t.nodes[n].rule].id));
                go(t, &t.nodes[n].children, d + 1, out);
            }
        }
        let mut out = Vec::new();
        go(t, &t.top, 0, &mut out);
        out
    }

    /// Rules of a base rule (`base`: its conditions) and 40 children, each
    /// with the conditions `child` writes, over the built-in decoders and
    /// rules plus `decoders`.
    fn ruleset_of_forty_children(
        decoders: Option<String>,
        base: &str,
        mut child: impl FnMut() -> String,
    ) -> crate::session::Ruleset {
        use crate::session::{Ruleset, Source, Sources};
        let mut rules = format!(
            "<group name=\"t,\">\n<rule id=\"100000\" level=\"0\">{base}<description>base</description></rule>\n"
        );
        for i in 1..=40 {
            rules.push_str(&format!(
                "<rule id=\"{}\" level=\"3\"><if_sid>100000</if_sid>{}<description>d</description></rule>\n",
                100_000 + i,
                child()
            ));
        }
        rules.push_str("</group>\n");
        let mut sources = Sources {
            decoders: crate::defaults::decoder_sources(),
            rules: crate::defaults::rule_sources(),
            lists: vec![],
        };
        sources
            .decoders
            .extend(decoders.map(|d| Source::new("d.xml", d)));
        sources.rules.push(Source::new("r.xml", rules));
        let loaded = Ruleset::load(&sources);
        match loaded.ruleset {
            Some(r) => r,
            None => panic!("does not load: {:?}", loaded.diagnostics),
        }
    }

    /// Evaluates `lines` with the indexed and prefiltered walk (evaluate)
    /// and with the full walk (explain, which skips nothing): the same
    /// rule each time. Returns the rules found.
    fn walks_agree(
        ruleset: &crate::session::Ruleset,
        lines: &[String],
    ) -> std::collections::HashSet<Option<u32>> {
        use crate::session::{Session, SessionOptions};
        let mut fast = Session::new(ruleset, SessionOptions::default());
        let mut full = Session::new(ruleset, SessionOptions::default());
        let mut seen = std::collections::HashSet::new();
        for line in lines {
            let got = fast.evaluate(line, "stdin").rule.map(|r| r.id);
            let want = full.explain(line, "stdin").verdict.rule.map(|r| r.id);
            assert_eq!(got, want, "{line}");
            seen.insert(got);
        }
        seen
    }

    /// A root with many children for three decoders and none, program
    /// names and anchored matches: the indexed and prefiltered walk
    /// (evaluate) finds the rule the full walk (explain) finds.
    #[test]
    fn child_index_finds_what_the_full_walk_finds() {
        let decoders = ["a", "b", "c"]
            .map(|d| format!("<decoder name=\"{d}\"><program_name>^{d}$</program_name></decoder>"))
            .join("\n");
        let mut next = crate::pattern::xorshift(99);
        let ruleset = ruleset_of_forty_children(Some(decoders), "<if_sid>1</if_sid>", || {
            let mut c = String::new();
            match next() % 4 {
                0 => {}
                k => c.push_str(&format!(
                    "<decoded_as>{}</decoded_as>",
                    ["a", "b", "c"][k as usize - 1]
                )),
            }
            match next() % 4 {
                0 => c.push_str("<program_name>^a|^B$</program_name>"),
                1 => c.push_str("<program_name>c</program_name>"),
                _ => {}
            }
            match next() % 3 {
                0 => c.push_str(&format!("<match>^w{}.|^x</match>", next() % 30)),
                _ => c.push_str(&format!("<match>w{}.</match>", next() % 30)),
            }
            c
        });
        let t = ruleset.tree();
        assert!(
            t.child_index.iter().any(Option::is_some),
            "a node is indexed"
        );
        let lines: Vec<String> = (0..400)
            .map(|_| {
                let prog = ["a: ", "b: ", "B: ", "c: ", "d: ", "", "x: "][(next() % 7) as usize];
                format!(
                    "Dec 10 01:02:03 host {prog}w{}. w{}. w{}.",
                    next() % 30,
                    next() % 30,
                    next() % 30
                )
            })
            .collect();
        let seen = walks_agree(&ruleset, &lines);
        assert!(seen.len() > 10, "the events reach many rules: {seen:?}");
    }

    /// JSON events and children with `<field>`, `<match>` and `<regex>`
    /// literals: the prefiltered walk finds what the full walk finds.
    #[test]
    fn prefilters_on_fields_and_literals_change_nothing() {
        let mut next = crate::pattern::xorshift(2024);
        let ruleset = ruleset_of_forty_children(None, "<decoded_as>json</decoded_as>", || {
            let mut c = String::new();
            match next() % 4 {
                0 => c.push_str(&format!("<match>v{}</match>", next() % 6)),
                1 => c.push_str(&format!("<regex>\\w+v{}</regex>", next() % 6)),
                2 => c.push_str(&format!("<match>v{}|zz</match>", next() % 6)),
                3 => c.push_str("<regex>^{\"k|^{\"a</regex>"),
                _ => {}
            }
            for _ in 0..(1 + next() % 2) {
                let name = ["k0", "K1", "k2", "a.b", "k4"][(next() % 5) as usize];
                let negate = if next().is_multiple_of(5) {
                    " negate=\"yes\""
                } else {
                    ""
                };
                // Anchored values (first-byte prefilter) and others.
                let value = match next() % 5 {
                    0 => format!("^xv{}", next() % 6),
                    1 => format!("^V{}|^xv\\d", next() % 6),
                    2 => "^X\\.*".to_string(),
                    3 => format!("^xv{}$", next() % 6),
                    _ => "v".to_string(),
                };
                let kind = ["", " type=\"osmatch\"", " type=\"pcre2\""][(next() % 3) as usize];
                c.push_str(&format!(
                    "<field name=\"{name}\"{negate}{kind}>{value}</field>"
                ));
            }
            c
        });
        let lines: Vec<String> = (0..500)
            .map(|_| {
                let mut members = Vec::new();
                for _ in 0..(next() % 5) {
                    let key = ["k0", "k1", "K2", "k3", "k4"][(next() % 5) as usize];
                    let value = ["xv", "XV", "v", ""][(next() % 4) as usize];
                    members.push(format!("\"{key}\":\"{value}{}\"", next() % 6));
                }
                if next().is_multiple_of(3) {
                    members.push(format!("\"a\":{{\"b\":\"v{}\"}}", next() % 6));
                }
                format!("{{{}}}", members.join(","))
            })
            .collect();
        let prefilters = &ruleset.tree().prefilters;
        assert!(prefilters.iter().any(|p| p.value_slot().is_some()));
        assert!(prefilters.iter().any(|p| p.log_first != u64::MAX));
        let seen = walks_agree(&ruleset, &lines);
        assert!(seen.len() > 10, "the events reach many rules: {seen:?}");
    }

    fn load(xml: &str, slow: bool) -> Vec<(usize, u32)> {
        SLOW_FIND.with(|s| s.set(slow));
        let sources = crate::session::Sources {
            decoders: crate::defaults::decoder_sources(),
            rules: vec![
                crate::session::Source::new("0010-t.xml", crate::defaults::RULES_CONFIG),
                crate::session::Source::new("r.xml", xml),
            ],
            lists: vec![],
        };
        let r = crate::session::Ruleset::load(&sources);
        SLOW_FIND.with(|s| s.set(false));
        shape(r.ruleset.expect("loads").tree())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// The indexed search builds the same tree as Wazuh's walk, with
        /// rules under several parents (so ids repeat) and levels that
        /// reorder siblings.
        #[test]
        fn indexed_if_sid_search_builds_the_walks_tree(
            parents in proptest::collection::vec((proptest::collection::vec(0usize..40, 0..4), 0u32..4), 1..40)
        ) {
            let mut xml = String::from("<group name=\"t,\">\n");
            for (i, (ps, level)) in parents.iter().enumerate() {
                let id = 100_000 + i;
                let sids: Vec<String> = ps.iter().filter(|&&p| p < i).map(|p| (100_000 + p).to_string()).collect();
                xml.push_str(&format!("<rule id=\"{id}\" level=\"{level}\">"));
                if sids.is_empty() {
                    xml.push_str("<match>x</match>");
                } else {
                    xml.push_str(&format!("<if_sid>{}</if_sid>", sids.join(", ")));
                }
                xml.push_str("<description>d</description></rule>\n");
            }
            xml.push_str("</group>\n");
            prop_assert_eq!(load(&xml, false), load(&xml, true));
        }
    }

    proptest! {
        /// One pass over the concatenated group strings answers as testing
        /// each string.
        #[test]
        fn classes_agree_with_matches(
            pattern in "[abAB,|^]{0,6}",
            groups in proptest::collection::vec("[abAB,]{0,6}", 1..6),
        ) {
            let p = WordPattern::new(&pattern);
            let mut text = Vec::new();
            let mut starts = Vec::new();
            for g in &groups {
                starts.push(text.len());
                text.extend(g.bytes().map(|b| b.to_ascii_lowercase()));
                text.push(0);
            }
            let expected: Vec<bool> = groups.iter().map(|g| p.matches(g)).collect();
            prop_assert_eq!(p.classes(&text, &starts), expected);
        }
    }

    #[test]
    fn word_match_is_substring() {
        assert!(word_match(
            "authentication_failed",
            "syslog,sshd,authentication_failed,"
        ));
        assert!(word_match("SSHD", "syslog,sshd,"));
        assert!(word_match("x|sshd", "syslog,sshd,"));
        assert!(word_match("^sys", "syslog,"));
        assert!(!word_match("^log", "syslog,"));
        assert!(word_match("a|", "zzz"));
        assert!(word_match("^SYS", "SysLog,"));
        assert!(word_match("nope|^", "x"));
        assert!(!word_match("^syslogx", "syslog"));
        assert!(!word_match("sshd", "ssh,d"));
    }
}
