//! The event: what pre-decoding and decoding produce and what rules test.
//!
//! Static fields (decoding.md §7) have a fixed slot each; dynamic fields are
//! an ordered list with case-insensitive lookup, first hit wins (rules.md §3.5).
//! `assignments` keeps every field assignment in order, which is what the
//! standalone logtest prints in phase 2 (rules.md §8.7.4).

use serde::{Deserialize, Serialize};

/// The static fields of a Wazuh event (decoding.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaticField {
    SrcIp,
    DstIp,
    SrcPort,
    DstPort,
    Protocol,
    Action,
    SrcUser,
    DstUser,
    Id,
    Status,
    Url,
    Data,
    ExtraData,
    SystemName,
}

impl StaticField {
    pub const ALL: [StaticField; 14] = [
        StaticField::SrcIp,
        StaticField::DstIp,
        StaticField::SrcPort,
        StaticField::DstPort,
        StaticField::Protocol,
        StaticField::Action,
        StaticField::SrcUser,
        StaticField::DstUser,
        StaticField::Id,
        StaticField::Status,
        StaticField::Url,
        StaticField::Data,
        StaticField::ExtraData,
        StaticField::SystemName,
    ];

    /// Canonical name, as printed and as used in `$(field)` (rules.md §6 R6.2).
    pub fn name(self) -> &'static str {
        match self {
            StaticField::SrcIp => "srcip",
            StaticField::DstIp => "dstip",
            StaticField::SrcPort => "srcport",
            StaticField::DstPort => "dstport",
            StaticField::Protocol => "protocol",
            StaticField::Action => "action",
            StaticField::SrcUser => "srcuser",
            StaticField::DstUser => "dstuser",
            StaticField::Id => "id",
            StaticField::Status => "status",
            StaticField::Url => "url",
            StaticField::Data => "data",
            StaticField::ExtraData => "extra_data",
            StaticField::SystemName => "system_name",
        }
    }

    /// A decoder `<order>` name (decoding.md §7): `user` is an alias of dstuser.
    /// Exact, case-sensitive.
    pub fn from_order_name(name: &str) -> Option<StaticField> {
        match name {
            "user" => Some(StaticField::DstUser),
            _ => Self::ALL.iter().copied().find(|f| f.name() == name),
        }
    }

    /// A JSON plugin key path (decoding.md R6.4.1): `systemname` is system_name,
    /// `user` and `system_name` are dynamic. Exact, case-sensitive.
    pub fn from_json_key(key: &str) -> Option<StaticField> {
        match key {
            "systemname" => Some(StaticField::SystemName),
            "system_name" => None,
            _ => Self::ALL.iter().copied().find(|f| f.name() == key),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Phase 1: what pre-decoding extracted (decoding.md §4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Predecoded {
    /// The message after the `1:location:` envelope, unchanged.
    pub full_log: String,
    /// The message without the recognised header; decoders and `match`/`regex` read it.
    pub log: String,
    pub timestamp: Option<String>,
    /// The event host name: header host name, else the manager's name (R4.7.2).
    pub hostname: String,
    /// Absent, or present and possibly empty (R4.4.5).
    pub program_name: Option<String>,
    pub location: String,
    pub agent_id: String,
}

/// Field assignments in order, their names and values kept in one text
/// buffer: decoding an event allocates a few growing buffers instead of two
/// strings per field (issue 8, W1).
///
/// Every assignment is kept, also those the standalone logtest does not
/// print in phase 2 (plugins other than JSON, the accumulator): they are
/// marked unprinted, and [`Fields::iter`] shows the printed ones.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    text: String,
    entries: Vec<FieldEntry>,
}

/// One assignment: `text[name..value]` is the name, `text[value..end]` the
/// value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FieldEntry {
    name: usize,
    value: usize,
    end: usize,
    printed: bool,
}

impl Fields {
    /// Appends an assignment; returns its position.
    fn push(&mut self, name: &str, value: &str, printed: bool) -> usize {
        let start = self.text.len();
        self.text.push_str(name);
        let value_at = self.text.len();
        self.text.push_str(value);
        self.entries.push(FieldEntry {
            name: start,
            value: value_at,
            end: self.text.len(),
            printed,
        });
        self.entries.len() - 1
    }

    fn entry(&self, e: &FieldEntry) -> (&str, &str) {
        (
            self.text.get(e.name..e.value).unwrap_or(""),
            self.text.get(e.value..e.end).unwrap_or(""),
        )
    }

    /// The assignment at position `i` (printed or not).
    fn get(&self, i: usize) -> Option<(&str, &str)> {
        self.entries.get(i).map(|e| self.entry(e))
    }

    /// The printed assignments in order: `(name, value)`.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .filter(|e| e.printed)
            .map(|e| self.entry(e))
    }

    /// How many assignments are printed.
    pub fn len(&self) -> usize {
        self.entries.iter().filter(|e| e.printed).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The printed assignments as owned pairs.
    pub fn to_vec(&self) -> Vec<(String, String)> {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

impl PartialEq for Fields {
    /// Equal when the printed assignments are.
    fn eq(&self, other: &Fields) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Fields {}

impl<'a> IntoIterator for &'a Fields {
    type Item = (&'a str, &'a str);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a str)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl<S: AsRef<str>, T: AsRef<str>> FromIterator<(S, T)> for Fields {
    fn from_iter<I: IntoIterator<Item = (S, T)>>(iter: I) -> Fields {
        let mut f = Fields::default();
        for (k, v) in iter {
            f.push(k.as_ref(), v.as_ref(), true);
        }
        f
    }
}

/// Serialized as the printed `[name, value]` pairs.
impl Serialize for Fields {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Fields, D::Error> {
        let pairs = Vec::<(String, String)>::deserialize(deserializer)?;
        Ok(pairs.into_iter().collect())
    }
}

/// A decoded event: phase 1 plus what decoders set.
///
/// Not serialized: its parts point into each other (positions, caches);
/// what leaves the engine is the [`crate::session::Verdict`] (predecoded
/// strings and [`Fields`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    pub pre: Predecoded,
    /// Per static field, the position of its last assignment in `fields`.
    statics: [Option<u32>; 14],
    /// Dynamic fields in the order they were set (duplicates kept), as
    /// positions in `fields` (a field is stored once).
    dynamic: Vec<u32>,
    /// Every assignment in order, static fields under their canonical name
    /// (the printed ones are what phase 2 shows).
    fields: Fields,
    /// The rule id named by a forwarded OSSEC alert (the OSSECAlert plugin,
    /// decoding.md §6.7); the rule engine then reports that rule.
    pub forwarded_rule: Option<String>,
    /// What a plugin changed besides fields (decoding.md §6.7).
    pub(crate) plugin: PluginEffect,
    /// Lookup table of the dynamic field names, built on the first lookup
    /// of an event with many (JSON events have dozens; rules look up a few
    /// names each); cleared when a dynamic field is added.
    names: Cache<NameIndex>,
    /// `pre.log` (cut at its NUL) lower-cased with its needle filter, made
    /// on first use and shared by decoders and rules. Only decoding
    /// replaces `pre.log` (a forwarded alert), and it drops this then.
    pub(crate) lower: Cache<crate::pattern::fold::LowerCopy>,
    /// [`Event::name_bits`], kept up to date as dynamic fields are added.
    name_set: [u64; 4],
    /// Lookups answered by the linear search: the name table is built
    /// only for events looked up often (building it costs about as much as
    /// a few linear searches).
    lookups: Counter,
    /// Answers of earlier lookups by rule-field slot (see
    /// [`Event::get_dynamic_slot`]).
    memo: Transient<FieldMemo>,
}

/// A direct-mapped memo of dynamic-field lookups by slot: entry =
/// `(slot + 1) << 32 | (position in Event::dynamic + 1, or 0 = absent)`.
/// The children of one rule mostly test the same field (51 GitHub
/// categories all read `github.action`), so the walk asks for one name
/// many times per event.
#[derive(Debug, Default)]
struct FieldMemo {
    used: std::cell::Cell<bool>,
    cells: [std::cell::Cell<u64>; 32],
}

/// Per-event working state that is not part of the event's value: equal
/// to any other, cloned as new.
#[derive(Debug, Default)]
pub(crate) struct Transient<T: Default>(pub T);

impl<T: Default> Clone for Transient<T> {
    fn clone(&self) -> Transient<T> {
        Transient::default()
    }
}

impl<T: Default> PartialEq for Transient<T> {
    fn eq(&self, _: &Transient<T>) -> bool {
        true
    }
}

impl<T: Default> Eq for Transient<T> {}

/// A value made on first use (see [`Transient`]).
pub(crate) type Cache<T> = Transient<std::cell::OnceCell<T>>;

/// A per-event counter (see [`Transient`]).
type Counter = Transient<std::cell::Cell<u8>>;

/// Open-addressing table of the dynamic fields by ASCII-lower-cased name:
/// slot → position in `Event::dynamic` + 1 (0 = empty). Only the first
/// field of each name is entered, as the linear search finds it first.
#[derive(Debug, Default)]
struct NameIndex {
    slots: Vec<u32>,
}

/// FNV-1a over the ASCII-lower-cased bytes.
fn name_hash(name: &str) -> u32 {
    name.bytes().fold(0x811c_9dc5, |h, b| {
        (h ^ u32::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0193)
    })
}

/// Dynamic fields above this count are looked up through a [`NameIndex`]
/// once an event had [`LINEAR_LOOKUPS`] lookups.
const INDEX_FROM: usize = 40;
const LINEAR_LOOKUPS: u8 = 4;

/// Changes a plugin decoder makes besides fields: a decoder type
/// (SonicWall, OSSECAlert) and, for forwarded OSSEC alerts, a new location,
/// host name and log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PluginEffect {
    pub kind: Option<&'static str>,
    pub location: Option<String>,
    pub log: Option<String>,
}

impl Event {
    pub fn new(pre: Predecoded) -> Event {
        Event {
            pre,
            ..Event::default()
        }
    }

    pub fn get_static(&self, field: StaticField) -> Option<&str> {
        let i = self.statics[field.index()]?;
        self.fields.get(i as usize).map(|(_, v)| v)
    }

    /// Sets a static field; the last assignment wins (decoding.md R7.2).
    pub fn set_static(&mut self, field: StaticField, value: &str) {
        self.set_static_as(field, field.name(), value);
    }

    /// Sets a static field and records it under another printed name (the
    /// JSON key `systemname` prints as `systemname`, R8.7.4).
    pub fn set_static_as(&mut self, field: StaticField, printed: &str, value: &str) {
        let i = self.fields.push(printed, value, true);
        self.statics[field.index()] = Some(i as u32);
    }

    /// Sets a static field without a printed assignment: plugins other than
    /// JSON and the accumulator assign fields that phase 2 does not show.
    pub fn set_static_silent(&mut self, field: StaticField, value: &str) {
        let i = self.fields.push(field.name(), value, false);
        self.statics[field.index()] = Some(i as u32);
    }

    /// Appends a dynamic field.
    pub fn push_dynamic(&mut self, name: &str, value: &str) {
        let i = self.fields.push(name, value, true);
        self.dynamic.push(i as u32);
        let b = Event::name_bit(name);
        self.name_set[usize::from(b >> 6)] |= 1 << (b & 63);
        if self.names.0.get().is_some() {
            self.names = Cache::default();
        }
        if self.memo.0.used.get() {
            self.memo = Transient::default();
        }
    }

    /// The name and value of dynamic field number `k`.
    fn dynamic_at(&self, k: usize) -> Option<(&str, &str)> {
        let i = *self.dynamic.get(k)?;
        self.fields.get(i as usize)
    }

    /// Counts a linear lookup; true once there were enough that the name
    /// table pays for itself (it costs about a few linear searches).
    fn looked_up_often(&self) -> bool {
        let n = self.lookups.0.get();
        self.lookups.0.set(n.saturating_add(1));
        n >= LINEAR_LOOKUPS
    }

    fn build_names(&self) -> NameIndex {
        let cap = (self.dynamic.len() * 2).next_power_of_two();
        let mask = cap - 1;
        let mut slots = vec![0u32; cap];
        for k in 0..self.dynamic.len() {
            let Some((name, _)) = self.dynamic_at(k) else {
                continue;
            };
            let mut at = name_hash(name) as usize & mask;
            loop {
                match slots[at] {
                    0 => {
                        slots[at] = k as u32 + 1;
                        break;
                    }
                    taken => {
                        let seen = self.dynamic_at(taken as usize - 1).map(|(n, _)| n);
                        if seen.is_some_and(|n| n.eq_ignore_ascii_case(name)) {
                            break; // the first field of this name stays
                        }
                        at = (at + 1) & mask;
                    }
                }
            }
        }
        NameIndex { slots }
    }

    /// The dynamic fields in the order they were set.
    pub fn dynamic(&self) -> impl Iterator<Item = (&str, &str)> {
        self.dynamic
            .iter()
            .filter_map(|&i| self.fields.get(i as usize))
    }

    /// First dynamic field whose name equals `name` ASCII-case-insensitively
    /// (rules.md §3.5 R3.5.3).
    pub fn get_dynamic(&self, name: &str) -> Option<&str> {
        let k = self.find_dynamic(name)?;
        self.dynamic_at(k).map(|(_, v)| v)
    }

    /// [`Event::get_dynamic`] of the name `name()` returns, which the caller
    /// numbered `slot` (equal names, ignoring ASCII case, share a slot; see
    /// `RuleTree::index`): a name asked for again is answered from a memo,
    /// and `name` is only called on a miss.
    pub(crate) fn get_dynamic_slot<'n>(
        &self,
        slot: u32,
        name: impl FnOnce() -> &'n str,
    ) -> Option<&str> {
        let tag = (u64::from(slot) + 1) << 32;
        let cell = &self.memo.0.cells[slot as usize % 32];
        let seen = cell.get();
        let k = if seen & !0xffff_ffff == tag {
            (seen & 0xffff_ffff).checked_sub(1)? as usize
        } else {
            let k = self.find_dynamic(name());
            cell.set(tag | k.map_or(0, |k| k as u64 + 1));
            self.memo.0.used.set(true);
            k?
        };
        self.dynamic_at(k).map(|(_, v)| v)
    }

    /// The position in `dynamic` of the first field named `name`.
    fn find_dynamic(&self, name: &str) -> Option<usize> {
        if self.dynamic.len() > INDEX_FROM
            && (self.names.0.get().is_some() || self.looked_up_often())
        {
            let index = self.names.0.get_or_init(|| self.build_names());
            let mask = index.slots.len() - 1;
            let mut at = name_hash(name) as usize & mask;
            loop {
                match index.slots[at] {
                    0 => return None,
                    k => {
                        let (n, _) = self.dynamic_at(k as usize - 1)?;
                        if n.eq_ignore_ascii_case(name) {
                            return Some(k as usize - 1);
                        }
                        at = (at + 1) & mask;
                    }
                }
            }
        }
        // Names of another length are skipped without slicing the text.
        self.dynamic.iter().position(|&i| {
            self.fields.entries.get(i as usize).is_some_and(|e| {
                e.value - e.name == name.len() && self.fields.entry(e).0.eq_ignore_ascii_case(name)
            })
        })
    }

    /// Number of dynamic fields (limit `decoder_order_size`, decoding.md §8).
    pub fn dynamic_len(&self) -> usize {
        self.dynamic.len()
    }

    /// Room for `fields` more assignments of `bytes` bytes in all (a
    /// decoder about to assign many fields, e.g. JSON).
    pub fn reserve(&mut self, bytes: usize, fields: usize) {
        self.fields.text.reserve(bytes);
        self.fields.entries.reserve(fields);
        self.dynamic.reserve(fields);
    }

    /// One of 256 bits for a field name (ASCII case-insensitive), from its
    /// length and its first and last bytes: constant time per field.
    pub(crate) fn name_bit(name: &str) -> u8 {
        let b = name.as_bytes();
        let first = b.first().map_or(0, u8::to_ascii_lowercase);
        let last = b.last().map_or(0, u8::to_ascii_lowercase);
        (b.len() as u8)
            .wrapping_mul(31)
            .wrapping_add(first.wrapping_mul(7))
            .wrapping_add(last)
    }

    /// The [`Event::name_bit`]s of the dynamic field names: a name whose
    /// bit is not set is not among them.
    pub(crate) fn name_bits(&self) -> &[u64; 4] {
        &self.name_set
    }

    /// `pre.log` lower-cased for the patterns' literal searches (see
    /// `lower`).
    pub(crate) fn lower_log(&self) -> &crate::pattern::fold::LowerCopy {
        self.lower.0.get_or_init(|| {
            crate::pattern::fold::LowerCopy::new(crate::text::c_str(self.pre.log.as_bytes()))
        })
    }

    /// The assignments in order (the printed ones are what phase 2 shows).
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// Takes the assignments out (the event keeps its other parts).
    pub fn take_fields(&mut self) -> Fields {
        std::mem::take(&mut self.fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_is_dstuser_in_order_but_dynamic_in_json() {
        assert_eq!(
            StaticField::from_order_name("user"),
            Some(StaticField::DstUser)
        );
        assert_eq!(StaticField::from_json_key("user"), None);
        assert_eq!(
            StaticField::from_json_key("systemname"),
            Some(StaticField::SystemName)
        );
        assert_eq!(StaticField::from_json_key("system_name"), None);
        assert_eq!(
            StaticField::from_order_name("system_name"),
            Some(StaticField::SystemName)
        );
    }

    #[test]
    fn dynamic_lookup_is_case_insensitive_first_wins() {
        let mut e = Event::default();
        e.push_dynamic("Tag", "a");
        e.push_dynamic("tag", "b");
        assert_eq!(e.get_dynamic("TAG"), Some("a"));
        assert_eq!(e.fields().len(), 2);
    }

    /// With many dynamic fields the table gives what the linear search
    /// gives: first of a name wins, case-insensitively, and absent names
    /// are absent, also after more fields are added.
    #[test]
    fn indexed_lookup_equals_the_linear_search() {
        let mut e = Event::default();
        let names = [
            "a", "B", "a.b", "A", "c", "data.x", "DATA.X", "k1", "k2", "k3",
        ];
        let mut next = crate::pattern::xorshift(7);
        for round in 0..6 {
            for i in 0..8 {
                let name = names[(next() % names.len() as u64) as usize];
                e.push_dynamic(name, &format!("{round}-{i}"));
            }
            for probe in names.iter().chain(&["zz", "", "a.B"]) {
                let linear = e
                    .dynamic()
                    .find(|(k, _)| k.eq_ignore_ascii_case(probe))
                    .map(|(_, v)| v);
                assert_eq!(
                    e.get_dynamic(probe),
                    linear,
                    "{probe} after {}",
                    e.dynamic_len()
                );
            }
        }
        assert!(e.dynamic_len() > INDEX_FROM);
    }

    /// The slot memo answers what the plain lookup answers: repeated and
    /// absent names, slots sharing a memo cell (1 and 33), and names that
    /// appear after they were looked up.
    #[test]
    fn slot_lookups_equal_plain_lookups() {
        let mut e = Event::default();
        let names = ["a", "B", "a.b", "c", "zz", "k1"];
        // Slot per name as the rule tree numbers them: case-insensitive.
        let slot = |n: &str| {
            [1u32, 33, 2, 65, 3, 97][names
                .iter()
                .position(|x| x.eq_ignore_ascii_case(n))
                .unwrap_or(0)]
        };
        let mut next = crate::pattern::xorshift(11);
        for round in 0..12 {
            for probe in names.iter().chain(&["A", "b"]) {
                for _ in 0..2 {
                    assert_eq!(
                        e.get_dynamic_slot(slot(probe), || probe),
                        e.get_dynamic(probe),
                        "{probe} in round {round}"
                    );
                }
            }
            let name = names[(next() % names.len() as u64) as usize];
            e.push_dynamic(name, &format!("{round}"));
        }
    }

    #[test]
    fn fields_keep_order_and_hide_silent_assignments() {
        let mut e = Event::default();
        e.set_static(StaticField::SrcIp, "1.2.3.4");
        e.set_static_silent(StaticField::Action, "pass");
        e.push_dynamic("k", "a\u{fffd}b");
        e.set_static_as(StaticField::SystemName, "systemname", "h");
        assert_eq!(e.get_static(StaticField::Action), Some("pass"));
        assert_eq!(e.get_static(StaticField::SrcIp), Some("1.2.3.4"));
        assert_eq!(e.get_dynamic("K"), Some("a\u{fffd}b"));
        assert_eq!(
            e.fields().to_vec(),
            [
                ("srcip".to_string(), "1.2.3.4".to_string()),
                ("k".to_string(), "a\u{fffd}b".to_string()),
                ("systemname".to_string(), "h".to_string())
            ]
        );
        // The last assignment wins.
        e.set_static(StaticField::SrcIp, "5.6.7.8");
        assert_eq!(e.get_static(StaticField::SrcIp), Some("5.6.7.8"));
        let json = serde_json::to_string(e.fields()).unwrap();
        assert_eq!(
            json,
            "[[\"srcip\",\"1.2.3.4\"],[\"k\",\"a\u{fffd}b\"],[\"systemname\",\"h\"],[\"srcip\",\"5.6.7.8\"]]"
        );
        let back: Fields = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, e.fields());
    }
}
