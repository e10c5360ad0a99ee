//! The JSON_Decoder plugin (decoding.md §6): flattens one JSON object into
//! (key path, value text) pairs exactly as Wazuh 4.11.1 with cJSON does.
//!
//! API contract: [`decode`] returns the pairs in the order they are
//! assigned; mapping keys to static fields (R6.4) and the dynamic field limit
//! are the caller's job. Malformed input returns an empty list (the decoder
//! still counts as matched, R6.1.2).
//!
//! # Design: a hand-written cJSON-compatible parser
//!
//! The project prefers crates over hand-written code, and `serde_json` is a
//! dependency; it was considered (a `Deserialize` visitor keeping a `Vec` of
//! members handles duplicate keys, `StreamDeserializer` handles trailing
//! text). It was rejected because Wazuh's behaviour is cJSON's, and cJSON
//! accepts inputs that a strict parser rejects, each of which would make a
//! whole event lose its fields:
//!
//! * every byte ≤ 0x20 is whitespace (serde: only space, TAB, LF, CR), and a
//!   UTF-8 BOM is skipped;
//! * raw control bytes inside strings are kept (serde rejects them; they occur
//!   in real logs, e.g. raw TABs);
//! * numbers are whatever C `strtod` accepts from the first ≤ 63 bytes in
//!   `[0-9+-eE.]`: `01`, `1.`, `-.5` are numbers, and every number is a double;
//! * `\u` with non-hex digits decodes to U+0000 (which then ends the C string);
//! * nesting is limited to 1 000 levels (serde: 128 or unbounded).
//!
//! Reproducing all of that through serde would need its own tokenizer anyway,
//! so this module parses with a small state machine written from the spec and
//! cJSON's documented behaviour. It is **iterative** (an explicit stack of open
//! containers, no recursion), and the parsed tree is a flat arena of nodes
//! linked like cJSON's lists, so parsing, flattening, printing and dropping
//! never recurse: hostile input cannot overflow the stack, also on wasm.
//!
//! Numbers are parsed by Rust's `f64::from_str` (correctly rounded, as glibc's
//! `strtod`) on the prefix `strtod` would accept. C's `printf` conversions are
//! reproduced without libc: `%f` is Rust's exact fixed formatting with six
//! decimals (both round exact ties to even); `%1.15g` / `%1.17g` are derived
//! from Rust's exact `{:e}` output by the C99 `%g` rules ([`c_format_g`]).
//!
//! Texts are C strings in Wazuh: a key or value containing U+0000 ends there
//! (R6.2.1 via `strcpy`/`%s`); this module cuts them likewise.
//!
//! cJSON version: 4.11.1 vendors cJSON 1.7.12 while the reference outputs were
//! produced with 1.7.15 (decoding.md Q4). They differ, for this plugin, only in
//! the round-trip test of array numbers (R6.3.2): 1.7.12 keeps `%1.15g` when it
//! reads back exactly, 1.7.15 when it reads back within a relative
//! `DBL_EPSILON`. [`ROUND_TRIP_WITHIN_EPSILON`] selects; no reference case
//! distinguishes them, and the default follows Wazuh's own 1.7.12.

/// `json_null_field` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NullMode {
    #[default]
    String,
    Empty,
    Discard,
}

/// `json_array_structure` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArrayMode {
    #[default]
    Array,
    Csv,
}

/// Options of one JSON decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JsonOptions {
    pub null: NullMode,
    pub array: ArrayMode,
}

/// cJSON's nesting limit (`CJSON_NESTING_LIMIT`, decoding.md R6.1.3).
pub const NESTING_LIMIT: usize = 1000;

/// `OS_MAXSTR`: a CSV value must stay below it (decoding.md R6.3.3).
const OS_MAXSTR: usize = 65536;

/// false: cJSON 1.7.12 (exact round trip); true: cJSON 1.7.15 (epsilon).
pub const ROUND_TRIP_WITHIN_EPSILON: bool = false;

use crate::text::lossy;
use std::borrow::Cow;
use std::ops::Range;

/// Flattens the first JSON value of `input`.
pub fn decode(input: &str, options: &JsonOptions) -> Vec<(String, String)> {
    let mut out = Vec::new();
    decode_each(input, options, |k, v| {
        out.push((k.to_string(), v.to_string()));
    });
    out
}

/// [`decode`], handing each (key path, value text) pair to `field` in
/// order, without allocating per pair.
pub fn decode_each(input: &str, options: &JsonOptions, field: impl FnMut(&str, &str)) {
    // The log is a C string (decoding.md R4.2.2).
    let text = match memchr::memchr(0, input.as_bytes()) {
        Some(n) => input.get(..n).unwrap_or(input),
        None => input,
    };
    if let Some(tree) = Parser::new(text).parse() {
        flatten(&tree, options, field);
    }
}

const NONE: usize = usize::MAX;

/// A string of the input: borrowed when it has no escape (the common
/// case: no copy while parsing), decoded otherwise. Never contains NUL:
/// the input is cut at its first NUL, and a decoded `\u0000` ends the
/// string, as the C string it is in Wazuh (R6.2.1).
type Text<'a> = Cow<'a, str>;

#[derive(Debug, Clone, PartialEq)]
enum Kind<'a> {
    Null,
    False,
    True,
    Number(f64),
    Str(Text<'a>),
    Array,
    Object,
}

/// One cJSON item: its value, member name (objects only), first child and
/// next sibling.
#[derive(Debug, Clone)]
struct Node<'a> {
    kind: Kind<'a>,
    name: Text<'a>,
    child: usize,
    next: usize,
}

/// The parsed value: node 0 is the root.
struct Tree<'a> {
    nodes: Vec<Node<'a>>,
}

impl<'a> Tree<'a> {
    fn node(&self, i: usize) -> Option<&Node<'a>> {
        self.nodes.get(i)
    }
}

/// An open container while parsing.
struct Open {
    node: usize,
    last_child: usize,
    object: bool,
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    pos: usize,
    nodes: Vec<Node<'a>>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let s = text.as_bytes();
        Parser {
            text,
            s,
            pos: 0,
            // About one node per 32 bytes of JSON: one allocation, usually.
            nodes: Vec::with_capacity(s.len() / 32 + 4),
        }
    }

    /// The buffer is the text plus its NUL terminator (length `len + 1`).
    fn length(&self) -> usize {
        self.s.len() + 1
    }

    fn at(&self, i: usize) -> u8 {
        self.s.get(i).copied().unwrap_or(0)
    }

    fn can_access(&self) -> bool {
        self.pos < self.length()
    }

    fn cur(&self) -> u8 {
        self.at(self.pos)
    }

    /// decoding.md R6.1.2: every byte ≤ 0x20 (the terminator included) is
    /// skipped, stopping on the terminator.
    fn skip_ws(&mut self) {
        if !self.can_access() {
            return;
        }
        while self.can_access() && self.cur() <= 32 {
            self.pos += 1;
        }
        if self.pos == self.length() {
            self.pos -= 1;
        }
    }

    fn new_node(&mut self, kind: Kind<'a>) -> usize {
        self.nodes.push(Node {
            kind,
            name: Text::Borrowed(""),
            child: NONE,
            next: NONE,
        });
        self.nodes.len() - 1
    }

    fn parse(mut self) -> Option<Tree<'a>> {
        // UTF-8 BOM, then whitespace.
        if self.s.len() >= 4 && self.s.starts_with(b"\xEF\xBB\xBF") {
            self.pos = 3;
        }
        self.skip_ws();
        let mut stack: Vec<Open> = Vec::new();
        // Name of the member whose value is parsed next (objects only).
        let mut pending_name: Text<'a> = Text::Borrowed("");
        loop {
            // Parse one value; containers are opened and parsing continues
            // with their first element.
            let (node, opened) = self.parse_value(&mut stack)?;
            if let Some(n) = self.nodes.get_mut(node) {
                n.name = std::mem::take(&mut pending_name);
            }
            attach(&mut self.nodes, &mut stack, node, opened);
            if opened {
                // First element (or empty container).
                self.skip_ws();
                let close = if stack.last().is_some_and(|o| o.object) {
                    b'}'
                } else {
                    b']'
                };
                if self.can_access() && self.cur() == close {
                    self.pos += 1;
                    stack.pop();
                } else if !self.can_access() {
                    return None;
                } else {
                    if stack.last().is_some_and(|o| o.object) {
                        pending_name = self.parse_member_name()?;
                    }
                    continue;
                }
            }
            // A value is complete: continue with the enclosing containers.
            loop {
                let Some(top) = stack.last() else {
                    return Some(Tree { nodes: self.nodes });
                };
                let object = top.object;
                self.skip_ws();
                if self.can_access() && self.cur() == b',' {
                    self.pos += 1;
                    self.skip_ws();
                    if object {
                        pending_name = self.parse_member_name()?;
                    }
                    break;
                }
                let close = if object { b'}' } else { b']' };
                if !self.can_access() || self.cur() != close {
                    return None;
                }
                self.pos += 1;
                stack.pop();
            }
        }
    }

    /// `"name"`, whitespace, `:`, whitespace.
    fn parse_member_name(&mut self) -> Option<Text<'a>> {
        let name = self.parse_string()?;
        self.skip_ws();
        if !self.can_access() || self.cur() != b':' {
            return None;
        }
        self.pos += 1;
        self.skip_ws();
        Some(name)
    }

    /// Returns the new node and whether it is a container just opened.
    fn parse_value(&mut self, stack: &mut Vec<Open>) -> Option<(usize, bool)> {
        let rest = self.s.get(self.pos..).unwrap_or(&[]);
        if rest.starts_with(b"null") {
            self.pos += 4;
            return Some((self.new_node(Kind::Null), false));
        }
        if rest.starts_with(b"false") {
            self.pos += 5;
            return Some((self.new_node(Kind::False), false));
        }
        if rest.starts_with(b"true") {
            self.pos += 4;
            return Some((self.new_node(Kind::True), false));
        }
        let c = self.cur();
        if c == b'"' {
            let s = self.parse_string()?;
            return Some((self.new_node(Kind::Str(s)), false));
        }
        if c == b'-' || c.is_ascii_digit() {
            let d = self.parse_number()?;
            return Some((self.new_node(Kind::Number(d)), false));
        }
        if c == b'[' || c == b'{' {
            // decoding.md R6.1.3
            if stack.len() >= NESTING_LIMIT {
                return None;
            }
            self.pos += 1;
            let object = c == b'{';
            let node = self.new_node(if object { Kind::Object } else { Kind::Array });
            stack.push(Open {
                node,
                last_child: NONE,
                object,
            });
            return Some((node, true));
        }
        None
    }

    /// cJSON's string: raw bytes kept (control bytes too), the escapes
    /// `\b \f \n \r \t \" \\ \/ \uXXXX`; anything else fails.
    fn parse_string(&mut self) -> Option<Text<'a>> {
        if self.cur() != b'"' {
            return None;
        }
        let start = self.pos + 1;
        // Fast path: the closing quote comes before any backslash, so the
        // string is the input bytes between the quotes.
        let s: &'a [u8] = self.s;
        match memchr::memchr2(b'"', b'\\', s.get(start..).unwrap_or(&[])) {
            Some(k) if s[start + k] == b'"' => {
                self.pos = start + k + 1;
                // Between two ASCII bytes of a `str`: always a `str`.
                return Some(match self.text.get(start..start + k) {
                    Some(t) => Text::Borrowed(t),
                    None => Text::Owned(lossy(&s[start..start + k])),
                });
            }
            None => return None,
            Some(_) => {}
        }
        // The closing quote: the first `"` not escaped by a backslash.
        let mut end = start;
        loop {
            end += memchr::memchr2(b'"', b'\\', s.get(end..)?)?;
            if s[end] == b'"' {
                break;
            }
            if end + 1 >= self.length() {
                return None;
            }
            end += 2;
        }
        let mut out = Vec::with_capacity(end - start);
        let mut i = start;
        while i < end {
            // The bytes up to the next escape, at once.
            let Some(k) = memchr::memchr(b'\\', &s[i..end]) else {
                out.extend_from_slice(&s[i..end]);
                break;
            };
            out.extend_from_slice(&s[i..i + k]);
            i += k;
            let mut len = 2;
            match self.at(i + 1) {
                b'b' => out.push(0x08),
                b'f' => out.push(0x0C),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                e @ (b'"' | b'\\' | b'/') => out.push(e),
                b'u' => len = self.utf16_literal(i, end, &mut out)?,
                _ => return None,
            }
            i += len;
        }
        self.pos = end + 1;
        // The bytes between escapes come from the `str`, the escapes are
        // encoded chars: the conversion neither replaces nor copies.
        let mut text = crate::text::into_text(out);
        if let Some(n) = text.find('\0') {
            text.truncate(n);
        }
        Some(Text::Owned(text))
    }

    /// Four hex digits; cJSON yields 0 as soon as one is not a hex digit.
    fn hex4(&self, at: usize) -> u32 {
        let mut h = 0u32;
        for k in 0..4 {
            let v = match self.at(at + k) {
                c @ b'0'..=b'9' => c - b'0',
                c @ b'A'..=b'F' => c - b'A' + 10,
                c @ b'a'..=b'f' => c - b'a' + 10,
                _ => return 0,
            };
            h = (h << 4) | u32::from(v);
        }
        h
    }

    /// `\uXXXX` (or a surrogate pair) at `i`, before `end`; returns the
    /// number of input bytes used.
    fn utf16_literal(&self, i: usize, end: usize, out: &mut Vec<u8>) -> Option<usize> {
        if end - i < 6 {
            return None;
        }
        let first = self.hex4(i + 2);
        if (0xDC00..=0xDFFF).contains(&first) {
            return None;
        }
        let (cp, used) = if (0xD800..=0xDBFF).contains(&first) {
            let second_at = i + 6;
            if end - second_at < 6 || self.at(second_at) != b'\\' || self.at(second_at + 1) != b'u'
            {
                return None;
            }
            let second = self.hex4(second_at + 2);
            if !(0xDC00..=0xDFFF).contains(&second) {
                return None;
            }
            (0x10000 + (((first & 0x3FF) << 10) | (second & 0x3FF)), 12)
        } else {
            (first, 6)
        };
        let ch = char::from_u32(cp)?;
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        Some(used)
    }

    /// cJSON: copy at most 63 bytes of `[0-9+-eE.]`, then `strtod`.
    fn parse_number(&mut self) -> Option<f64> {
        let rest = self.s.get(self.pos..).unwrap_or(&[]);
        let n = rest
            .iter()
            .take(63)
            .take_while(|c| matches!(c, b'0'..=b'9' | b'+' | b'-' | b'e' | b'E' | b'.'))
            .count();
        let candidate = &rest[..n];
        let used = strtod_prefix(candidate);
        if used == 0 {
            return None;
        }
        let text = std::str::from_utf8(&candidate[..used]).ok()?;
        let d: f64 = text.parse().ok()?;
        self.pos += used;
        Some(d)
    }
}

/// Links a new node under the innermost open container (before the node
/// itself is pushed when `opened`).
fn attach(nodes: &mut [Node], stack: &mut [Open], node: usize, opened: bool) {
    // When a container was just opened it is the last stack entry; its parent
    // is the one below.
    let parent_idx = if opened {
        stack.len().checked_sub(2)
    } else {
        stack.len().checked_sub(1)
    };
    let Some(parent) = parent_idx.and_then(|p| stack.get_mut(p)) else {
        return;
    };
    if parent.last_child == NONE {
        if let Some(p) = nodes.get_mut(parent.node) {
            p.child = node;
        }
    } else if let Some(prev) = nodes.get_mut(parent.last_child) {
        prev.next = node;
    }
    parent.last_child = node;
}

/// The length of the longest prefix C `strtod` converts (decimal forms only:
/// the input holds no letters but `e`/`E`); 0 when none.
fn strtod_prefix(s: &[u8]) -> usize {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = 0;
    if matches!(at(0), b'+' | b'-') {
        i = 1;
    }
    let int_start = i;
    while at(i).is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if at(i) == b'.' {
        let frac_start = i + 1;
        let mut j = frac_start;
        while at(j).is_ascii_digit() {
            j += 1;
        }
        digits += j - frac_start;
        if digits > 0 {
            i = j;
        }
    }
    if digits == 0 {
        return 0;
    }
    if matches!(at(i), b'e' | b'E') {
        let mut j = i + 1;
        if matches!(at(j), b'+' | b'-') {
            j += 1;
        }
        let exp_start = j;
        while at(j).is_ascii_digit() {
            j += 1;
        }
        if j > exp_start {
            i = j;
        }
    }
    i
}

/// cJSON's `valueint`: saturated at the `int` range (decoding.md R6.3.1).
fn value_int(d: f64) -> i32 {
    if d >= f64::from(i32::MAX) {
        i32::MAX
    } else if d <= f64::from(i32::MIN) {
        i32::MIN
    } else {
        // In range (NaN cannot come out of the parser): truncation as C's cast.
        d as i32
    }
}

/// Size of the buffer the plugin prints numbers into (`char value_char[64]`
/// with `snprintf`): longer texts are cut to 63 bytes (tables/decoders case
/// 60: `1e300` gives the first 63 digits, not the 301-digit text of R6.3).
const NUMBER_BUFFER: usize = 64;

/// The untruncated `%i` / `%f` text of a number (decoding.md §6.3): `%i` of
/// the saturated int when it equals the double, else `%f`.
fn number_text_full(d: f64) -> String {
    let mut t = String::new();
    number_text_full_into(d, &mut t);
    t
}

/// [`number_text_full`] appended to `out` (without allocating for
/// integral values).
fn number_text_full_into(d: f64, out: &mut String) {
    use std::fmt::Write;
    let i = value_int(d);
    if f64::from(i) == d {
        // Writing to a String cannot fail.
        let _ = write!(out, "{i}");
    } else {
        c_format_f_into(d, out);
    }
}

/// decoding.md §6.3 as the plugin produces it, including the 63-byte cut of
/// its print buffer.
pub fn number_text(d: f64) -> String {
    let mut t = String::new();
    number_text_into(d, &mut t);
    t
}

/// [`number_text`] appended to `out`.
fn number_text_into(d: f64, out: &mut String) {
    let start = out.len();
    number_text_full_into(d, out);
    // ASCII only (digits, sign, point, `inf`), so any cut is a char boundary.
    out.truncate(start + (out.len() - start).min(NUMBER_BUFFER - 1));
}

/// An integral value below 2^126 is exact as an integer: `%f` prints it
/// and six zeros, without the (slow) exact float formatting. Timestamps in
/// nanoseconds take this path.
fn integral(d: f64) -> Option<i128> {
    (d.fract() == 0.0 && d != 0.0 && d.abs() < 1e38).then_some(d as i128)
}

/// C `printf("%f", d)`: exact, six decimals.
pub fn c_format_f(d: f64) -> String {
    let mut t = String::new();
    c_format_f_into(d, &mut t);
    t
}

/// [`c_format_f`] appended to `out`.
fn c_format_f_into(d: f64, out: &mut String) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = if d.is_nan() {
        out.write_str(if d.is_sign_negative() { "-nan" } else { "nan" })
    } else if let Some(n) = integral(d) {
        write!(out, "{n}.000000")
    } else {
        // Rust prints infinities as `inf`/`-inf` like C, and the exact
        // decimal expansion rounded half-to-even like glibc.
        write!(out, "{d:.6}")
    };
}

/// C `printf("%1.<p>g", d)` for `p ≥ 1` (C99 7.21.6.1: style `e` if the
/// exponent X < −4 or X ≥ p, else style `f` with precision p − 1 − X;
/// trailing zeros and a trailing point removed).
pub fn c_format_g(d: f64, p: usize) -> String {
    if d.is_nan() {
        return if d.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if d.is_infinite() {
        return if d < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    let p = p.max(1);
    let e_form = format!("{:.*e}", p - 1, d);
    let (mantissa, exp) = match e_form.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i64>().unwrap_or(0)),
        None => (e_form.clone(), 0),
    };
    if exp < -4 || exp >= p as i64 {
        let m = strip_fraction_zeros(&mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.unsigned_abs())
    } else {
        let decimals = (p as i64 - 1 - exp).max(0) as usize;
        strip_fraction_zeros(&format!("{d:.decimals$}"))
    }
}

fn strip_fraction_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// cJSON's `print_number`: `null` for non-finite values, `%1.15g` when it
/// reads back as the same double, else `%1.17g` (decoding.md R6.3.2).
fn cjson_number(d: f64) -> String {
    if !d.is_finite() {
        return "null".to_string();
    }
    let short = c_format_g(d, 15);
    let back: f64 = short.parse().unwrap_or(f64::NAN);
    let same = if ROUND_TRIP_WITHIN_EPSILON {
        let max = back.abs().max(d.abs());
        (back - d).abs() <= max * f64::EPSILON
    } else {
        back == d
    };
    if same {
        short
    } else {
        c_format_g(d, 17)
    }
}

/// cJSON's `print_string_ptr`.
fn cjson_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 32 => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn print_scalar(kind: &Kind<'_>, out: &mut String) {
    match kind {
        Kind::Null => out.push_str("null"),
        Kind::False => out.push_str("false"),
        Kind::True => out.push_str("true"),
        Kind::Number(d) => out.push_str(&cjson_number(*d)),
        Kind::Str(s) => cjson_string(s, out),
        Kind::Array => out.push('['),
        Kind::Object => out.push_str("{\n"),
    }
}

/// `cJSON_Print` (formatted) of node `root`, iteratively (R6.3.2): arrays
/// inline with `", "`, objects on several lines indented with TABs.
fn print_formatted(tree: &Tree<'_>, root: usize, out: &mut String) {
    // Open containers: (node, next child to print).
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let Some(r) = tree.node(root) else {
        return;
    };
    print_scalar(&r.kind, out);
    if matches!(r.kind, Kind::Array | Kind::Object) {
        stack.push((root, r.child));
    }
    while let Some(&(container, child)) = stack.last() {
        let depth = stack.len();
        let is_object = matches!(tree.node(container).map(|n| &n.kind), Some(Kind::Object));
        let Some(c) = tree.node(child) else {
            // Close the container.
            if is_object {
                out.extend(std::iter::repeat_n('\t', depth - 1));
                out.push('}');
            } else {
                out.push(']');
            }
            stack.pop();
            after_value(tree, &stack, container, out);
            continue;
        };
        if let Some(top) = stack.last_mut() {
            top.1 = c.next;
        }
        if is_object {
            out.extend(std::iter::repeat_n('\t', depth));
            cjson_string(&c.name, out);
            out.push_str(":\t");
        }
        print_scalar(&c.kind, out);
        if matches!(c.kind, Kind::Array | Kind::Object) {
            stack.push((child, c.child));
        } else {
            after_value(tree, &stack, child, out);
        }
    }
}

/// The separator after a printed element of the innermost open container.
fn after_value(tree: &Tree<'_>, stack: &[(usize, usize)], node: usize, out: &mut String) {
    let Some(&(parent, _)) = stack.last() else {
        return;
    };
    let has_next = tree.node(node).is_some_and(|n| n.next != NONE);
    if matches!(tree.node(parent).map(|n| &n.kind), Some(Kind::Object)) {
        if has_next {
            out.push(',');
        }
        out.push('\n');
    } else if has_next {
        out.push_str(", ");
    }
}

/// decoding.md R6.3.3: the CSV text of an array, None when empty or too long.
///
/// Follows the plugin's bookkeeping: `n` advances by the *untruncated* length
/// of a number text (the `snprintf` return value) while only 63 bytes were
/// written, so after a cut number the C string ends there (the bytes between
/// are unwritten heap memory, modelled as NUL) and the inflated `n` still
/// counts against the 65 536-byte limit.
fn csv(tree: &Tree<'_>, array: &Node<'_>) -> Option<String> {
    let mut text = String::new();
    // Logical write offset `n` of the C code; `visible` = false once a NUL
    // has ended the C string.
    let mut n = 0usize;
    let mut visible = true;
    let mut el = array.child;
    while let Some(e) = tree.node(el) {
        let (piece, len) = match &e.kind {
            Kind::Str(s) => (Cow::Borrowed(&**s), s.len()),
            Kind::Number(d) => {
                let full = number_text_full(*d);
                let l = full.len();
                (Cow::Owned(number_text(*d)), l)
            }
            Kind::Null => (Cow::Borrowed("null"), 4),
            Kind::True => (Cow::Borrowed("true"), 4),
            Kind::False => (Cow::Borrowed("false"), 5),
            Kind::Array | Kind::Object => {
                el = e.next;
                continue;
            }
        };
        if n + len >= OS_MAXSTR {
            return None;
        }
        if visible {
            text.push_str(&piece);
            if piece.len() < len {
                visible = false;
            }
        }
        n += len;
        if n + 1 >= OS_MAXSTR {
            return None;
        }
        if e.next != NONE {
            if visible {
                text.push(',');
            }
            n += 1;
        }
        el = e.next;
    }
    if text.is_empty() {
        None
    } else {
        Some(text)
    }
}

/// decoding.md §6.2/§6.3: walks the members depth-first in document order.
fn flatten(tree: &Tree<'_>, options: &JsonOptions, mut field: impl FnMut(&str, &str)) {
    let Some(root) = tree.node(0) else {
        return;
    };
    // R6.1.4: only an object at top level produces fields.
    if root.kind != Kind::Object {
        return;
    }
    // The key paths of the objects entered, one after the other in
    // `prefixes`; a stack entry names its prefix by range.
    let mut prefixes = String::with_capacity(64);
    // (next member to visit, key prefix of that object's members).
    let mut stack: Vec<(usize, Option<Range<usize>>)> = vec![(root.child, None)];
    // Reused for every key and for printed values.
    let mut key = String::with_capacity(64);
    let mut text = String::with_capacity(64);
    while let Some((member, prefix)) = stack.pop() {
        let Some(m) = tree.node(member) else {
            continue;
        };
        // Come back to the next sibling after this member.
        stack.push((m.next, prefix.clone()));
        key.clear();
        if let Some(p) = prefix.and_then(|p| prefixes.get(p)) {
            key.push_str(p);
            key.push('.');
        }
        key.push_str(&m.name);
        text.clear();
        let value: &str = match &m.kind {
            Kind::Str(s) => s,
            Kind::Number(d) => {
                number_text_into(*d, &mut text);
                &text
            }
            Kind::True => "true",
            Kind::False => "false",
            Kind::Null => match options.null {
                NullMode::Discard => continue,
                NullMode::String | NullMode::Empty => "null",
            },
            Kind::Array => match options.array {
                ArrayMode::Csv => match csv(tree, m) {
                    Some(v) => {
                        text = v;
                        &text
                    }
                    None => continue,
                },
                ArrayMode::Array => {
                    print_formatted(tree, member, &mut text);
                    &text
                }
            },
            Kind::Object => {
                let at = prefixes.len();
                prefixes.push_str(&key);
                stack.push((m.child, Some(at..prefixes.len())));
                continue;
            }
        };
        field(&key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(input: &str) -> Vec<(String, String)> {
        decode(input, &JsonOptions::default())
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    proptest::proptest! {
        /// Strings with escapes (no NUL, no surrogates) decode as any JSON
        /// parser reads them: serde_json is the reference.
        #[test]
        fn escaped_strings_read_as_json_does(parts in proptest::collection::vec(proptest::sample::select(vec![
            "a", "é", " x/y ", "\\n", "\\t", "\\\"", "\\\\", "\\/", "\\b\\f\\r",
            "\\u0041", "\\u00e9", "\\ud83d\\ude00",
        ]), 0..12)) {
            let raw = parts.concat();
            let input = format!("{{\"k\":\"{raw}\",\"n\":1}}");
            let want: serde_json::Value = serde_json::from_str(&input).unwrap();
            let got = d(&input);
            proptest::prop_assert_eq!(got.first().map(|(k, v)| (k.as_str(), v.as_str())), Some(("k", want["k"].as_str().unwrap())));
            proptest::prop_assert_eq!(got.len(), 2);
        }
    }

    fn one(input: &str) -> String {
        let r = d(input);
        assert_eq!(r.len(), 1, "{input}: {r:?}");
        r[0].1.clone()
    }

    #[test]
    fn input_rules_6_1() {
        // R6.1.2: leading whitespace, trailing text, malformed.
        assert_eq!(d(" \t\r\n\x01{\"a\":1}"), pairs(&[("a", "1")]));
        assert_eq!(d("{\"a\":1} trailing garbage"), pairs(&[("a", "1")]));
        assert!(d("{\"a\":1").is_empty());
        assert!(d("").is_empty());
        assert!(d("{\"a\":1,}").is_empty());
        // R6.1.3: 1000 levels parse, 1001 and 1002 fail.
        let nest = |n: usize| format!("{{\"k\":{}1{}}}", "[".repeat(n - 1), "]".repeat(n - 1));
        assert_eq!(d(&nest(1000)).len(), 1);
        assert!(d(&nest(1001)).is_empty());
        assert!(d(&nest(1002)).is_empty());
        // Hostile depth never overflows the stack.
        assert!(d(&"[".repeat(1_000_000)).is_empty());
        assert!(d(&"{\"a\":".repeat(200_000)).is_empty());
        // R6.1.4
        for top in ["[1,2]", "\"s\"", "1", "true", "null"] {
            assert!(d(top).is_empty(), "{top}");
        }
    }

    #[test]
    fn flattening_6_2() {
        assert_eq!(d(r#"{"a":{"b":{"c":1}}}"#), pairs(&[("a.b.c", "1")]));
        assert_eq!(d(r#"{"":1}"#), pairs(&[("", "1")]));
        assert_eq!(d(r#"{"a":{"":1}}"#), pairs(&[("a.", "1")]));
        assert_eq!(d(r#"{"a.b":1}"#), d(r#"{"a":{"b":1}}"#));
        assert!(d(r#"{"o":{}}"#).is_empty());
        assert_eq!(d(r#"{"d":1,"d":2}"#), pairs(&[("d", "1"), ("d", "2")]));
        assert_eq!(
            d(r#"{"x":{"y":1,"z":{"w":2}},"v":3}"#),
            pairs(&[("x.y", "1"), ("x.z.w", "2"), ("v", "3")])
        );
    }

    #[test]
    fn integral_fast_path_prints_like_exact_formatting() {
        for d in [
            1772101233904412876.0f64,
            -4e18,
            3e9,
            -2147483649.0,
            9.99e37,
            2f64.powi(100),
            -(2f64.powi(125)),
        ] {
            let slow = format!("{d:.6}");
            assert_eq!(c_format_f(d), slow, "{d}");
        }
        assert_eq!(c_format_f(1e39), format!("{:.6}", 1e39));
        assert_eq!(c_format_f(0.5), "0.500000");
    }

    #[test]
    fn values_6_3() {
        assert_eq!(one(r#"{"s":"a\u00e9\ud83d\ude00"}"#), "aé😀");
        assert_eq!(one(r#"{"t":true}"#), "true");
        assert_eq!(one(r#"{"f":false}"#), "false");
        assert_eq!(one(r#"{"n":null}"#), "null");
        let empty = JsonOptions {
            null: NullMode::Empty,
            ..Default::default()
        };
        assert_eq!(decode(r#"{"n":null}"#, &empty), pairs(&[("n", "null")]));
        let discard = JsonOptions {
            null: NullMode::Discard,
            ..Default::default()
        };
        assert!(decode(r#"{"n":null}"#, &discard).is_empty());
        for (num, text) in [
            ("1", "1"),
            ("-7", "-7"),
            ("1e2", "100"),
            ("1.0", "1"),
            ("-0.0", "0"),
            ("1.5", "1.500000"),
            ("0.1", "0.100000"),
            ("-1e-7", "-0.000000"),
            ("3000000000", "3000000000.000000"),
            ("2147483647", "2147483647"),
            ("2147483648", "2147483648.000000"),
            ("-2147483648", "-2147483648"),
        ] {
            assert_eq!(one(&format!("{{\"x\":{num}}}")), text, "{num}");
        }
        // R6.3 says a 301-digit text; the plugin's 64-byte buffer keeps 63
        // (tables/decoders case 60).
        assert_eq!(
            one(r#"{"x":1e300}"#),
            "100000000000000005250476025520442024870446858110815915491585411"
        );
        assert_eq!(c_format_f(1e300).len(), 301 + 7);
    }

    #[test]
    fn formatted_arrays_6_3_2() {
        assert_eq!(
            one(r#"{"a":[1,"x",null,{"k":2},[3]]}"#),
            "[1, \"x\", null, {\n\t\t\"k\":\t2\n\t}, [3]]"
        );
        assert_eq!(one(r#"{"a":[]}"#), "[]");
        assert_eq!(one(r#"{"srcip":["1.1.1.1"]}"#), r#"["1.1.1.1"]"#);
        assert_eq!(one(r#"{"a":[1.5,1e20,0.1]}"#), "[1.5, 1e+20, 0.1]");
        assert_eq!(
            one(r#"{"a":[1, "two", null, true, 1.5]}"#),
            r#"[1, "two", null, true, 1.5]"#
        );
        assert_eq!(
            one(r#"{"a":[0.3333333333333333]}"#),
            "[0.33333333333333331]"
        );
        assert_eq!(one(r#"{"a":[1e400,-0.0,1e-5]}"#), "[null, -0, 1e-05]");
        assert_eq!(
            one(r#"{"a":["q\"\\\n\u0001é"]}"#),
            "[\"q\\\"\\\\\\n\\u0001é\"]"
        );
        assert_eq!(one(r#"{"a":[{}]}"#), "[{\n\t}]");
        assert_eq!(
            one(r#"{"a":[{"b":{"c":[1]}}]}"#),
            "[{\n\t\t\"b\":\t{\n\t\t\t\"c\":\t[1]\n\t\t}\n\t}]"
        );
    }

    #[test]
    fn csv_6_3_3() {
        let o = JsonOptions {
            array: ArrayMode::Csv,
            null: NullMode::Discard,
        };
        assert_eq!(
            decode(r#"{"a":[1,"x",null,true,false,{"k":2},[3],2.5]}"#, &o),
            pairs(&[("a", "1,x,null,true,false,2.500000")])
        );
        assert_eq!(decode(r#"{"a":[1,{}]}"#, &o), pairs(&[("a", "1,")]));
        assert!(decode(r#"{"a":[]}"#, &o).is_empty());
        assert!(decode(r#"{"a":[{}]}"#, &o).is_empty());
        let long = format!("{{\"a\":[\"{}\"]}}", "x".repeat(OS_MAXSTR));
        assert!(decode(&long, &o).is_empty());
        // A cut number ends the C string (see `csv`).
        assert_eq!(
            decode(r#"{"a":["x",1e300,"y"]}"#, &o),
            pairs(&[(
                "a",
                "x,100000000000000005250476025520442024870446858110815915491585411"
            )])
        );
    }

    #[test]
    fn cjson_leniency() {
        assert_eq!(one("{\"a\":01}"), "1");
        assert_eq!(one("{\"a\":1.}"), "1");
        assert_eq!(one("{\"a\":-.5}"), "-0.500000");
        assert!(d("{\"a\":1e}").is_empty());
        assert!(d("{\"a\":+1}").is_empty());
        assert!(d("{\"a\":-}").is_empty());
        assert_eq!(one("{\"a\":\"raw\ttab\"}"), "raw\ttab");
        assert_eq!(one("\u{feff}{\"a\":1}"), "1");
        assert_eq!(one(r#"{"a":"x\u00zzy"}"#), "x");
        assert_eq!(one(r#"{"a":"x\u0000y"}"#), "x");
        assert!(d(r#"{"a":"\ud800"}"#).is_empty());
        assert!(d(r#"{"a":"\udc00"}"#).is_empty());
        assert!(d(r#"{"a":"\x"}"#).is_empty());
        assert!(d("{\"a\":nullx}").is_empty());
        assert_eq!(one("{\"a\":null}x"), "null");
        assert_eq!(one("{\"a\":1}\0{\"b\":2}"), "1");
    }

    #[test]
    fn printf_formats() {
        assert_eq!(c_format_g(100.0, 15), "100");
        assert_eq!(c_format_g(1e15, 15), "1e+15");
        assert_eq!(c_format_g(123456789012345.0, 15), "123456789012345");
        assert_eq!(c_format_g(0.0001, 15), "0.0001");
        assert_eq!(c_format_g(0.00001, 15), "1e-05");
        assert_eq!(c_format_g(0.1, 17), "0.10000000000000001");
        assert_eq!(c_format_g(0.0, 15), "0");
        assert_eq!(c_format_g(-0.0, 15), "-0");
        assert_eq!(c_format_g(1e-300, 15), "1e-300");
        assert_eq!(c_format_g(999999999999999.9, 15), "1e+15");
        assert_eq!(c_format_g(999999999999999.9, 17), "999999999999999.88");
        assert_eq!(c_format_f(0.5), "0.500000");
        assert_eq!(c_format_f(f64::INFINITY), "inf");
        assert_eq!(c_format_f(-f64::INFINITY), "-inf");
        assert_eq!(number_text(f64::INFINITY), "inf");
    }

    /// No panic on arbitrary short inputs (deterministic pseudo-random).
    #[test]
    fn no_panic_fuzz() {
        let alphabet: Vec<char> = "{}[]\":,.-+eE0123456789 \t\nnulltruefalse\\u00dDé\u{1}x"
            .chars()
            .collect();
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let csv = JsonOptions {
            null: NullMode::Discard,
            array: ArrayMode::Csv,
        };
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let len = (seed >> 58) as usize;
            let mut s = String::from("{\"");
            for _ in 0..len {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                s.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            let _ = decode(&s, &JsonOptions::default());
            let _ = decode(&s[1..], &csv);
        }
    }
}
