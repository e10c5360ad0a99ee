//! PCRE2, the "pcre2" dialect (decoding.md §3, rules.md R3.0.1), in pure Rust.
//!
//! Wazuh calls `pcre2_compile(pattern, options = 0)` and `pcre2_match` on the
//! subject bytes. A C binding is not an option (the core must build for
//! `wasm32-unknown-unknown`), so this module **translates** the PCRE2 pattern
//! into the syntax of the `regex` crate (or of `fancy-regex` when the pattern
//! needs look-around, backreferences, atomic groups or possessive
//! quantifiers) with a small hand-written PCRE2 parser that makes every
//! PCRE2-specific rule explicit:
//!
//! * **Character universe.** PCRE2 without `(*UTF)` works on bytes (code
//!   points 0–255). Both engines work on `&str`, so a subject is mapped byte
//!   for byte to the chars U+0000–U+00FF ("Latin-1 view"; zero-copy when it
//!   is ASCII) and offsets are mapped back. This makes `.` one byte, `\p{L}`
//!   the Unicode property of the byte value (as PCRE2 does), and `\x{e9}` the
//!   byte 0xE9. With a leading `(*UTF)` the subject must be valid UTF-8
//!   (otherwise the match fails, R3.3.1) and is matched as characters.
//! * **Classes** are emitted explicitly with PCRE2's ASCII definitions:
//!   `\d` = `[0-9]`, `\w` = `[0-9A-Za-z_]`, `\s` = `[\t\n\x0B\x0C\r ]`,
//!   `\h`, `\v`, `\R`, POSIX `[:name:]` (rules.md R3.0.1). `(*UCP)` switches
//!   them to Unicode properties.
//! * **Anchors.** `$` and `\Z` (not multiline) match at the end or before a
//!   final LF: two variants are compiled — `\z` for subjects that do not end
//!   in LF, and a look-ahead `(?=\n?\z)` (fancy-regex) for those that do.
//!   `\b`/`\B` are ASCII word boundaries.
//! * **Case folding** under `(?i)` is ASCII-only without `(*UTF)` (PCRE2's
//!   default C-locale tables) and Unicode simple folding with it.
//! * **Captures** use PCRE2's global numbering, including branch-reset groups
//!   `(?|…)` (a map from the engine's groups to PCRE2 numbers), and R3.3.3:
//!   groups up to the highest participating one, non-participating ones empty.
//! * **End** = index of the last byte of the match (`ovector[1] - 1`, R3.3.2).
//! * A matching error (fancy-regex backtrack limit) counts as no match.
//!
//! Known differences from PCRE2 10.42 (documented, not emulated):
//! * Both engines are leftmost-first like PCRE2, but the `regex` crate never
//!   backtracks catastrophically, so PCRE2's *match limit* errors (e.g.
//!   `(?:^(a+)+$)|c` on 28 `a`s + `c`, tables/patterns cases 823/918) are
//!   not reproduced: rulelab finds the match.
//! * Unsupported constructs are reported as compile errors ("not supported by
//!   rulelab"): recursion and subroutine calls, conditionals, callouts,
//!   backtracking verbs other than the leading option verbs, `\K`, `\X`,
//!   `\C` under `(*UTF)`.
//! * `(?i)` on a class or backreference containing non-ASCII bytes without
//!   `(*UTF)` uses Unicode folding of the Latin-1 view; newline-convention
//!   verbs (`(*CR)`, `(*CRLF)`, …) are accepted and ignored (LF is used);
//!   `(?m)^` also matches after a final LF; look-behind is limited to what
//!   fancy-regex supports (it cannot be written through Wazuh's XML anyway,
//!   R3.2.3); case-insensitive backreferences compare exactly.

use super::osmatch::c_str;
use super::PatternError;
use regex_automata::meta;
use std::borrow::Cow;
use std::ops::Range;

/// Markers used in the intermediate translation (private-use chars never
/// produced otherwise: every literal is emitted escaped).
const EOL: char = '\u{E000}';
const WORDB: char = '\u{E001}';
const NWORDB: char = '\u{E002}';
const BREF_OPEN: char = '\u{E003}';
const BREF_CLOSE: char = '\u{E004}';

/// Backtracking budget of fancy-regex (a hostile pattern cannot hang).
const BACKTRACK_LIMIT: usize = 1_000_000;
/// PCRE2's limit on `{n,m}` values.
const MAX_REPEAT: u32 = 65535;

#[derive(Debug, Clone)]
enum Engine {
    Plain(Box<LazyPlain>),
    Fancy(Box<fancy_regex::Regex>),
}

/// A compiled PCRE2 pattern.
#[derive(Debug, Clone)]
pub struct Pcre2 {
    utf: bool,
    main: Engine,
    /// Used for subjects that end with LF when the pattern has a
    /// non-multiline `$`/`\Z` (R3.2.1).
    nl: Option<NlEngine>,
    /// Engine group index (1-based; index 0 unused) → PCRE2 group number.
    group_map: Vec<u32>,
    /// Number of PCRE2 groups.
    groups: u32,
}

/// A `regex`-compatible engine built on first use. Loading the stock
/// ruleset compiles hundreds of PCRE2 patterns and an event reaches few of
/// them, so the pattern is only parsed when it loads (syntax errors are
/// load errors as before) and its automata are built when a subject first
/// reaches it (issue 8, W3). A build that still fails then (the NFA size
/// limit) makes the pattern match nothing.
#[derive(Debug, Clone)]
struct LazyPlain {
    src: String,
    regex: std::sync::OnceLock<Option<meta::Regex>>,
}

impl LazyPlain {
    fn get(&self) -> Option<&meta::Regex> {
        self.regex
            .get_or_init(|| build_plain(&self.src).ok())
            .as_ref()
    }
}

fn syntax_config() -> regex_automata::util::syntax::Config {
    regex_automata::util::syntax::Config::new().utf8(true)
}

// The `regex` crate's configuration (leftmost-first, UTF-8, its size limits)
// without the fully compiled DFA: building one for each of the ruleset's
// small patterns was a third of the compile time (issue 8, W3); the lazy
// DFA serves the same searches.
fn build_plain(src: &str) -> Result<meta::Regex, String> {
    meta::Builder::new()
        .configure(
            meta::Config::new()
                .match_kind(regex_automata::MatchKind::LeftmostFirst)
                .utf8_empty(true)
                .nfa_size_limit(Some(10 * (1 << 20)))
                .hybrid_cache_capacity(2 * (1 << 20))
                .dfa(false),
        )
        .syntax(syntax_config())
        .build(src)
        .map_err(|e| e.to_string())
}

/// The variant for subjects that end with LF, built on first use: such
/// subjects are rare (lines arrive without their LF), and building a
/// look-ahead (fancy-regex) engine for every pattern with `$` was most of
/// the PCRE2 compile time (issue 8, W3). It differs from the main engine
/// only in the end anchor, which the main build has already checked; should
/// its build still fail, the main engine serves (and `$` then does not
/// match before a final LF).
#[derive(Debug, Clone)]
struct NlEngine {
    src: String,
    engine: std::sync::OnceLock<Option<Engine>>,
}

fn perr(message: impl Into<String>, offset: usize) -> PatternError {
    PatternError {
        message: message.into(),
        offset: Some(offset),
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    i: bool,
    m: bool,
    s: bool,
    x: bool,
    xx: bool,
    u_greedy: bool,
    n: bool,
}

struct Tr<'a> {
    p: &'a [u8],
    i: usize,
    out: String,
    utf: bool,
    ucp: bool,
    fancy: bool,
    has_eol: bool,
    /// PCRE2 number of each emitted capture group, in emission order.
    group_map: Vec<u32>,
    next_group: u32,
    max_group: u32,
    names: Vec<(Vec<u8>, u32)>,
    /// Named backreferences, resolved after parsing (marker `#index`).
    pending_names: Vec<Vec<u8>>,
    max_backref: u32,
}

fn hexc(c: u32) -> String {
    format!("\\x{{{c:X}}}")
}

impl<'a> Tr<'a> {
    fn peek(&self) -> Option<u8> {
        self.p.get(self.i).copied()
    }
    fn peek_at(&self, k: usize) -> Option<u8> {
        self.p.get(self.i + k).copied()
    }
    fn starts(&self, s: &str) -> bool {
        self.p
            .get(self.i..)
            .is_some_and(|r| r.starts_with(s.as_bytes()))
    }

    /// Reads one literal character of the pattern (a UTF-8 sequence in UTF
    /// mode, one byte otherwise).
    fn read_char(&mut self) -> u32 {
        let b = self.p.get(self.i).copied().unwrap_or(0);
        if self.utf && b >= 0x80 {
            let len = match b {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            };
            if let Some(seq) = self.p.get(self.i..self.i + len) {
                if let Some(ch) = std::str::from_utf8(seq).ok().and_then(|s| s.chars().next()) {
                    self.i += len;
                    return ch as u32;
                }
            }
        }
        self.i += 1;
        b as u32
    }

    fn max_char(&self) -> u32 {
        if self.utf {
            0x10FFFF
        } else {
            0xFF
        }
    }

    fn lit_str(&self, c: u32, f: Flags) -> String {
        let ch = char::from_u32(c).unwrap_or('\u{FFFD}');
        let folds = if self.utf {
            ch.is_alphabetic()
        } else {
            // Non-UTF: C-locale tables, ASCII only.
            ch.is_ascii_alphabetic()
        };
        let body = if ch.is_ascii_alphanumeric() {
            ch.to_string()
        } else {
            hexc(c)
        };
        if f.i && folds {
            format!("(?i:{body})")
        } else {
            body
        }
    }

    // ---- character-class pieces (as regex-crate class items) ----

    fn cls_digit(&self) -> &'static str {
        if self.ucp {
            r"\p{Nd}"
        } else {
            "0-9"
        }
    }
    fn cls_word(&self) -> &'static str {
        if self.ucp {
            r"\p{L}\p{N}_"
        } else {
            "0-9A-Za-z_"
        }
    }
    fn cls_space(&self) -> &'static str {
        if self.ucp {
            r"\t-\r\x{20}\x{85}\x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}"
        } else {
            r"\t-\r\x{20}"
        }
    }
    fn cls_h(&self) -> &'static str {
        if self.utf {
            r"\t\x{20}\x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}"
        } else {
            r"\t\x{20}\x{A0}"
        }
    }
    fn cls_v(&self) -> &'static str {
        if self.utf {
            r"\n-\r\x{85}\x{2028}\x{2029}"
        } else {
            r"\n-\r\x{85}"
        }
    }

    /// For escape letters that denote a class: the class as a bracketed
    /// regex-crate expression.
    fn escape_class(&self, e: u8) -> Option<String> {
        let (neg, body) = match e {
            b'd' => (false, self.cls_digit()),
            b'D' => (true, self.cls_digit()),
            b'w' => (false, self.cls_word()),
            b'W' => (true, self.cls_word()),
            b's' => (false, self.cls_space()),
            b'S' => (true, self.cls_space()),
            b'h' => (false, self.cls_h()),
            b'H' => (true, self.cls_h()),
            b'v' => (false, self.cls_v()),
            b'V' => (true, self.cls_v()),
            _ => return None,
        };
        Some(format!("[{}{}]", if neg { "^" } else { "" }, body))
    }

    /// `\p{..}`/`\P{..}`/`\pL` after the letter; returns the regex item.
    fn property(&mut self, neg: bool, at: usize) -> Result<String, PatternError> {
        let (mut name, braced) = match self.peek() {
            Some(b'{') => {
                let close = self.p[self.i..]
                    .iter()
                    .position(|&b| b == b'}')
                    .ok_or_else(|| perr("malformed \\p or \\P sequence", at))?;
                let n = self.p[self.i + 1..self.i + close].to_vec();
                self.i += close + 1;
                (n, true)
            }
            Some(c) if c.is_ascii_alphabetic() => {
                self.i += 1;
                (vec![c], false)
            }
            _ => return Err(perr("malformed \\p or \\P sequence", at)),
        };
        let _ = braced;
        let mut neg = neg;
        if name.first() == Some(&b'^') {
            neg = !neg;
            name.remove(0);
        }
        let name = String::from_utf8_lossy(&name).into_owned();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'&')
        {
            return Err(perr("unknown property name after \\P or \\p", at));
        }
        let item = match name.as_str() {
            "Any" => r"\x{0}-\x{10FFFF}".to_string(),
            "L&" | "LC" => r"\p{Lu}\p{Ll}\p{Lt}".to_string(),
            "Xan" => r"\p{L}\p{N}".to_string(),
            "Xwd" => r"\p{L}\p{N}_".to_string(),
            "Xsp" | "Xps" => r"\t-\r\x{20}\p{Z}\x{85}".to_string(),
            _ => format!(r"\p{{{name}}}"),
        };
        // Validate the property with the regex crate (unknown → error, 865).
        if regex::Regex::new(&format!("[{item}]")).is_err() {
            return Err(perr("unknown property name after \\P or \\p", at));
        }
        Ok(format!("[{}{item}]", if neg { "^" } else { "" }))
    }

    /// Parses `\x..`, `\o{..}`, octal, `\c`, and the single-letter escapes
    /// that denote one character. `self.i` is just after the backslash.
    /// Returns None if the escape is not a character escape.
    fn char_escape(&mut self, at: usize, in_class: bool) -> Result<Option<u32>, PatternError> {
        let Some(e) = self.peek() else {
            return Err(perr("\\ at end of pattern", at));
        };
        let v = match e {
            b'a' => 7,
            b'e' => 0x1B,
            b'f' => 0x0C,
            b'n' => 0x0A,
            b'r' => 0x0D,
            b't' => 0x09,
            b'b' if in_class => 0x08,
            b'x' => {
                self.i += 1;
                if self.peek() == Some(b'{') {
                    let close = self.p[self.i..]
                        .iter()
                        .position(|&b| b == b'}')
                        .ok_or_else(|| perr("missing } after \\x{", at))?;
                    let digits = &self.p[self.i + 1..self.i + close];
                    let s = std::str::from_utf8(digits).unwrap_or("");
                    let v = u32::from_str_radix(s, 16)
                        .map_err(|_| perr("non-hex character in \\x{}", at))?;
                    self.i += close + 1;
                    if v > self.max_char() || (0xD800..=0xDFFF).contains(&v) && self.utf {
                        return Err(perr("character code point value in \\x{} is too large", at));
                    }
                    return Ok(Some(v));
                }
                let mut v = 0u32;
                for _ in 0..2 {
                    match self.peek().and_then(|b| (b as char).to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            self.i += 1;
                        }
                        None => break,
                    }
                }
                return Ok(Some(v));
            }
            b'o' => {
                self.i += 1;
                if self.peek() != Some(b'{') {
                    return Err(perr("missing opening brace after \\o", at));
                }
                let close = self.p[self.i..]
                    .iter()
                    .position(|&b| b == b'}')
                    .ok_or_else(|| perr("missing } after \\o{", at))?;
                let s = std::str::from_utf8(&self.p[self.i + 1..self.i + close]).unwrap_or("");
                let v = u32::from_str_radix(s, 8).map_err(|_| perr("bad \\o{}", at))?;
                self.i += close + 1;
                if v > self.max_char() {
                    return Err(perr("character code point value in \\o{} is too large", at));
                }
                return Ok(Some(v));
            }
            b'0' => {
                self.i += 1;
                let mut v = 0u32;
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + (d - b'0') as u32;
                            self.i += 1;
                        }
                        _ => break,
                    }
                }
                return Ok(Some(v));
            }
            b'1'..=b'9' if in_class => {
                // In a class, \1..\7.. are octal; \8 \9 are errors-ish: treat as literal digit.
                let mut v = 0u32;
                let mut n = 0;
                while n < 3 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + (d - b'0') as u32;
                            self.i += 1;
                            n += 1;
                        }
                        _ => break,
                    }
                }
                if n == 0 {
                    self.i += 1;
                    return Ok(Some(e as u32));
                }
                if v > self.max_char() {
                    return Err(perr("octal value is greater than \\377", at));
                }
                return Ok(Some(v));
            }
            b'c' => {
                self.i += 1;
                let Some(c) = self.peek() else {
                    return Err(perr("\\c at end of pattern", at));
                };
                if !(0x20..0x7F).contains(&c) {
                    return Err(perr(
                        "\\c must be followed by a printable ASCII character",
                        at,
                    ));
                }
                self.i += 1;
                return Ok(Some((c.to_ascii_uppercase() ^ 0x40) as u32));
            }
            c if !c.is_ascii_alphanumeric() => {
                // Any non-alphanumeric escaped is literal (`\<` → `<`, R3.2.3).
                return Ok(Some(self.read_char_escaped()));
            }
            _ => return Ok(None),
        };
        self.i += 1;
        Ok(Some(v))
    }

    fn read_char_escaped(&mut self) -> u32 {
        self.read_char()
    }

    // ---- main parser ----

    fn skip_x(&mut self, f: Flags) {
        if !f.x {
            return;
        }
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r') => self.i += 1,
                Some(b'#') => {
                    while let Some(c) = self.peek() {
                        self.i += 1;
                        if c == b'\n' {
                            break;
                        }
                    }
                }
                _ => break,
            }
        }
    }

    /// Parses a sequence of alternatives up to `)` (consumed by the caller)
    /// or the end. `reset`: Some(start number) inside a branch-reset group.
    fn parse_alts(
        &mut self,
        mut f: Flags,
        reset: Option<u32>,
        depth: usize,
    ) -> Result<(), PatternError> {
        if depth > 250 {
            return Err(perr("parentheses are too deeply nested", self.i));
        }
        let mut branch_max = self.next_group;
        // Start of the last quantifiable atom in `out`.
        let mut atom: Option<usize> = None;
        loop {
            self.skip_x(f);
            let at = self.i;
            let Some(c) = self.peek() else {
                break;
            };
            match c {
                b')' => break,
                b'|' => {
                    self.i += 1;
                    self.out.push('|');
                    atom = None;
                    if let Some(start) = reset {
                        branch_max = branch_max.max(self.next_group);
                        self.next_group = start;
                    }
                }
                b'(' => {
                    let start = self.out.len();
                    let quantifiable = self.group(&mut f, depth)?;
                    atom = if quantifiable { Some(start) } else { None };
                }
                b'[' => {
                    let start = self.out.len();
                    self.i += 1;
                    let cls = self.class(f, at)?;
                    self.out.push_str(&cls);
                    atom = Some(start);
                }
                b'\\' => {
                    let start = self.out.len();
                    self.i += 1;
                    atom = if self.escape(f, at)? {
                        Some(start)
                    } else {
                        None
                    };
                }
                b'^' => {
                    self.i += 1;
                    self.out.push_str(if f.m { "(?m:^)" } else { r"\A" });
                    atom = None;
                }
                b'$' => {
                    self.i += 1;
                    if f.m {
                        self.out.push_str("(?m:$)");
                    } else {
                        self.out.push(EOL);
                        self.has_eol = true;
                    }
                    atom = None;
                }
                b'.' => {
                    self.i += 1;
                    let start = self.out.len();
                    self.out.push_str(if f.s { r"(?s:.)" } else { r"[^\n]" });
                    atom = Some(start);
                }
                b'*' | b'+' | b'?' => {
                    let Some(a) = atom else {
                        return Err(perr("quantifier does not follow a repeatable item", at));
                    };
                    self.i += 1;
                    let q = match c {
                        b'*' => "*",
                        b'+' => "+",
                        _ => "?",
                    };
                    self.quantifier(q.to_string(), a, f)?;
                    atom = None;
                }
                b'{' => {
                    if let Some((q, len)) = self.brace_quant(at)? {
                        let Some(a) = atom else {
                            return Err(perr("quantifier does not follow a repeatable item", at));
                        };
                        self.i += len;
                        self.quantifier(q, a, f)?;
                        atom = None;
                    } else {
                        // Not a quantifier: literal `{` (PCRE2 10.42: `a{,3}`).
                        self.i += 1;
                        let start = self.out.len();
                        self.out.push_str(&hexc(b'{' as u32));
                        atom = Some(start);
                    }
                }
                _ => {
                    let start = self.out.len();
                    let ch = self.read_char();
                    let s = self.lit_str(ch, f);
                    self.out.push_str(&s);
                    atom = Some(start);
                }
            }
        }
        if reset.is_some() {
            self.next_group = branch_max.max(self.next_group);
        }
        Ok(())
    }

    /// `{n}`, `{n,}`, `{n,m}` at `self.i`; None when it is a literal brace.
    fn brace_quant(&self, at: usize) -> Result<Option<(String, usize)>, PatternError> {
        let rest = &self.p[self.i..];
        let Some(close) = rest.iter().position(|&b| b == b'}') else {
            return Ok(None);
        };
        let inner = &rest[1..close];
        let s = std::str::from_utf8(inner).unwrap_or("");
        let parts: Vec<&str> = s.splitn(2, ',').collect();
        let num = |t: &str| -> Option<u64> {
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                Some(t.parse::<u64>().unwrap_or(u64::MAX))
            } else {
                None
            }
        };
        let (lo, hi) = match parts.as_slice() {
            [a] => match num(a) {
                Some(n) => (n, Some(n)),
                None => return Ok(None),
            },
            [a, b] => match (num(a), b.is_empty()) {
                (Some(n), true) => (n, None),
                (Some(n), false) => match num(b) {
                    Some(m) => (n, Some(m)),
                    None => return Ok(None),
                },
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        if lo > MAX_REPEAT as u64 || hi.is_some_and(|h| h > MAX_REPEAT as u64) {
            return Err(perr("number too big in {} quantifier", at));
        }
        if hi.is_some_and(|h| h < lo) {
            return Err(perr("numbers out of order in {} quantifier", at));
        }
        let q = match (parts.len(), hi) {
            (1, _) => format!("{{{lo}}}"),
            (_, None) => format!("{{{lo},}}"),
            (_, Some(h)) => format!("{{{lo},{h}}}"),
        };
        Ok(Some((q, close + 1)))
    }

    fn quantifier(&mut self, q: String, atom: usize, f: Flags) -> Result<(), PatternError> {
        let mut lazy = f.u_greedy;
        let mut possessive = false;
        match self.peek() {
            Some(b'?') => {
                self.i += 1;
                lazy = !lazy;
            }
            Some(b'+') => {
                self.i += 1;
                possessive = true;
            }
            _ => {}
        }
        if possessive {
            // `X*+` ≡ `(?>X*)` (fancy-regex).
            self.out.insert_str(atom, "(?>(?:");
            self.out.push(')');
            self.out.push_str(&q);
            self.out.push(')');
            self.fancy = true;
        } else {
            // Wrap the atom so that a quantifier never applies to a part of it.
            self.out.insert_str(atom, "(?:");
            self.out.push(')');
            self.out.push_str(&q);
            if lazy {
                self.out.push('?');
            }
        }
        // A following quantifier is an error in PCRE2 (`a**`).
        self.skip_x(f);
        if matches!(self.peek(), Some(b'*' | b'+' | b'?')) {
            return Err(perr("quantifier does not follow a repeatable item", self.i));
        }
        Ok(())
    }

    fn read_name(&mut self, term: u8, at: usize) -> Result<Vec<u8>, PatternError> {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == term {
                let name = self.p[start..self.i].to_vec();
                self.i += 1;
                if name.is_empty()
                    || name[0].is_ascii_digit()
                    || !name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    return Err(perr("group name must start with a non-digit", at));
                }
                return Ok(name);
            }
            if !(c.is_ascii_alphanumeric() || c == b'_') {
                return Err(perr(
                    "syntax error in subpattern name (missing terminator?)",
                    at,
                ));
            }
            self.i += 1;
        }
        Err(perr(
            "syntax error in subpattern name (missing terminator?)",
            at,
        ))
    }

    fn open_capture(&mut self, name: Option<Vec<u8>>, at: usize) -> Result<(), PatternError> {
        self.next_group += 1;
        let n = self.next_group;
        self.max_group = self.max_group.max(n);
        if let Some(name) = name {
            match self.names.iter().find(|(k, _)| *k == name) {
                Some((_, m)) if *m != n => {
                    return Err(perr("two named subpatterns have the same name", at));
                }
                Some(_) => {}
                None => self.names.push((name, n)),
            }
        }
        self.group_map.push(n);
        self.out.push('(');
        Ok(())
    }

    fn backref_num(&mut self, n: u32) {
        self.max_backref = self.max_backref.max(n);
        self.out
            .push_str(&format!("(?:{BREF_OPEN}{n}{BREF_CLOSE})"));
        self.fancy = true;
    }

    fn backref_name(&mut self, name: Vec<u8>) {
        let idx = self.pending_names.len();
        self.out
            .push_str(&format!("(?:{BREF_OPEN}#{idx}{BREF_CLOSE})"));
        self.pending_names.push(name);
        self.fancy = true;
    }

    /// A group at `(`; returns whether the result is quantifiable.
    fn group(&mut self, f: &mut Flags, depth: usize) -> Result<bool, PatternError> {
        let at = self.i;
        self.i += 1;
        if self.peek() == Some(b'*') {
            let close = self.p[self.i..].iter().position(|&b| b == b')');
            return match close {
                None => Err(perr("(*VERB) not terminated", at)),
                Some(_) => Err(perr(
                    "backtracking control verbs are not supported by rulelab",
                    at,
                )),
            };
        }
        if self.peek() != Some(b'?') {
            if f.n {
                self.out.push_str("(?:");
            } else {
                self.open_capture(None, at)?;
            }
            return self.group_body(*f, None, depth).map(|_| true);
        }
        self.i += 1;
        let Some(k) = self.peek() else {
            return Err(perr("missing closing parenthesis", at));
        };
        match k {
            b'#' => {
                let Some(close) = self.p[self.i..].iter().position(|&b| b == b')') else {
                    return Err(perr("missing ) after (?# comment", at));
                };
                self.i += close + 1;
                Ok(false)
            }
            b':' => {
                self.i += 1;
                self.out.push_str("(?:");
                self.group_body(*f, None, depth).map(|_| true)
            }
            b'|' => {
                self.i += 1;
                self.out.push_str("(?:");
                let start = self.next_group;
                self.group_body(*f, Some(start), depth).map(|_| true)
            }
            b'>' => {
                self.i += 1;
                self.out.push_str("(?>");
                self.fancy = true;
                self.group_body(*f, None, depth).map(|_| true)
            }
            b'=' | b'!' => {
                self.i += 1;
                self.out.push_str(if k == b'=' { "(?=" } else { "(?!" });
                self.fancy = true;
                self.group_body(*f, None, depth).map(|_| true)
            }
            b'<' => {
                self.i += 1;
                match self.peek() {
                    Some(b'=') | Some(b'!') => {
                        let neg = self.peek() == Some(b'!');
                        self.i += 1;
                        self.out.push_str(if neg { "(?<!" } else { "(?<=" });
                        self.fancy = true;
                        self.group_body(*f, None, depth).map(|_| true)
                    }
                    _ => {
                        let name = self.read_name(b'>', at)?;
                        self.open_capture(Some(name), at)?;
                        self.group_body(*f, None, depth).map(|_| true)
                    }
                }
            }
            b'\'' => {
                self.i += 1;
                let name = self.read_name(b'\'', at)?;
                self.open_capture(Some(name), at)?;
                self.group_body(*f, None, depth).map(|_| true)
            }
            b'P' => {
                self.i += 1;
                match self.peek() {
                    Some(b'<') => {
                        self.i += 1;
                        let name = self.read_name(b'>', at)?;
                        self.open_capture(Some(name), at)?;
                        self.group_body(*f, None, depth).map(|_| true)
                    }
                    Some(b'=') => {
                        self.i += 1;
                        let name = self.read_name(b')', at)?;
                        self.backref_name(name);
                        Ok(true)
                    }
                    Some(b'>') => Err(perr("subroutine calls are not supported by rulelab", at)),
                    _ => Err(perr("unrecognized character after (?P", at)),
                }
            }
            b'R' | b'&' | b'+' | b'0'..=b'9' => Err(perr(
                "recursion and subroutine calls are not supported by rulelab",
                at,
            )),
            b'-' if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => Err(perr(
                "recursion and subroutine calls are not supported by rulelab",
                at,
            )),
            b'(' => Err(perr("conditional groups are not supported by rulelab", at)),
            b'C' => Err(perr("callouts are not supported by rulelab", at)),
            _ => {
                // Option setting: (?imnsxU-imnsxU) or (?^...) then `)` or `:`.
                let mut nf = *f;
                let mut neg = false;
                if self.peek() == Some(b'^') {
                    self.i += 1;
                    nf.i = false;
                    nf.m = false;
                    nf.s = false;
                    nf.x = false;
                    nf.xx = false;
                    nf.u_greedy = false;
                    nf.n = false;
                }
                loop {
                    let Some(c) = self.peek() else {
                        return Err(perr("missing closing parenthesis", at));
                    };
                    self.i += 1;
                    match c {
                        b'i' => nf.i = !neg,
                        b'm' => nf.m = !neg,
                        b's' => nf.s = !neg,
                        b'n' => nf.n = !neg,
                        b'U' => nf.u_greedy = !neg,
                        b'J' => {}
                        b'x' => {
                            if !neg && self.peek() == Some(b'x') {
                                self.i += 1;
                                nf.xx = true;
                            }
                            nf.x = !neg;
                            if neg {
                                nf.xx = false;
                            }
                        }
                        b'-' if !neg => neg = true,
                        b')' => {
                            *f = nf;
                            return Ok(false);
                        }
                        b':' => {
                            self.out.push_str("(?:");
                            return self.group_body(nf, None, depth).map(|_| true);
                        }
                        _ => return Err(perr("unrecognized character after (? or (?-", at)),
                    }
                }
            }
        }
    }

    fn group_body(
        &mut self,
        f: Flags,
        reset: Option<u32>,
        depth: usize,
    ) -> Result<(), PatternError> {
        let at = self.i;
        self.parse_alts(f, reset, depth + 1)?;
        if self.peek() != Some(b')') {
            return Err(perr("missing closing parenthesis", at));
        }
        self.i += 1;
        self.out.push(')');
        Ok(())
    }

    /// An escape outside a class (`self.i` after the backslash); returns
    /// whether the emitted item is quantifiable.
    fn escape(&mut self, f: Flags, at: usize) -> Result<bool, PatternError> {
        let Some(e) = self.peek() else {
            return Err(perr("\\ at end of pattern", at));
        };
        if let Some(cls) = self.escape_class(e) {
            self.i += 1;
            self.out.push_str(&cls);
            return Ok(true);
        }
        match e {
            b'b' | b'B' => {
                self.i += 1;
                self.out.push(if e == b'b' { WORDB } else { NWORDB });
                return Ok(false);
            }
            b'A' | b'G' => {
                self.i += 1;
                self.out.push_str(r"\A");
                return Ok(false);
            }
            b'z' => {
                self.i += 1;
                self.out.push_str(r"\z");
                return Ok(false);
            }
            b'Z' => {
                self.i += 1;
                self.out.push(EOL);
                self.has_eol = true;
                return Ok(false);
            }
            b'E' => {
                self.i += 1;
                return Ok(false);
            }
            b'Q' => {
                self.i += 1;
                let start = self.out.len();
                let mut any = false;
                while self.i < self.p.len() {
                    if self.starts("\\E") {
                        self.i += 2;
                        break;
                    }
                    let ch = self.read_char();
                    let s = self.lit_str(ch, f);
                    self.out.push_str(&s);
                    any = true;
                }
                // Only the last character would be quantifiable; wrap all
                // (a quantifier after \Q..\E is rare).
                let _ = start;
                return Ok(any);
            }
            b'N' => {
                self.i += 1;
                if self.peek() == Some(b'{') {
                    if !self.utf {
                        return Err(perr(
                            "\\N{U+dddd} is supported only in Unicode (UTF) mode",
                            at,
                        ));
                    }
                    // \N{U+hhhh}: one code point, by number (UTF mode only).
                    let rest = &self.p[self.i..];
                    let close = rest.iter().position(|&b| b == b'}');
                    let code = close.and_then(|c| {
                        let body = std::str::from_utf8(&rest[1..c]).ok()?;
                        let hex = body.strip_prefix("U+")?;
                        u32::from_str_radix(hex, 16).ok()
                    });
                    match (close, code) {
                        (Some(c), Some(v)) if char::from_u32(v).is_some() => {
                            self.i += c + 1;
                            let lit = self.lit_str(v, f);
                            self.out.push_str(&lit);
                            return Ok(true);
                        }
                        _ => return Err(perr("malformed \\N{U+hhhh} escape", at)),
                    }
                }
                self.out.push_str(r"[^\n]");
                return Ok(true);
            }
            b'R' => {
                self.i += 1;
                self.out.push_str(if self.utf {
                    r"(?:\r\n|[\n-\r\x{85}\x{2028}\x{2029}])"
                } else {
                    r"(?:\r\n|[\n-\r\x{85}])"
                });
                return Ok(true);
            }
            b'C' => {
                self.i += 1;
                if self.utf {
                    return Err(perr("\\C in UTF mode is not supported by rulelab", at));
                }
                self.out.push_str(r"(?s:.)");
                return Ok(true);
            }
            b'p' | b'P' => {
                self.i += 1;
                let item = self.property(e == b'P', at)?;
                let item = if f.i { format!("(?i:{item})") } else { item };
                self.out.push_str(&item);
                return Ok(true);
            }
            b'1'..=b'9' => {
                // Backreference (PCRE2: \1-\9 always; longer numbers too
                // when they are not octal; we treat all as references).
                let start = self.i;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let s = std::str::from_utf8(&self.p[start..self.i]).unwrap_or("0");
                let n: u32 = s.parse().unwrap_or(u32::MAX);
                if n > MAX_REPEAT {
                    return Err(perr("reference to non-existent subpattern", at));
                }
                self.backref_num(n);
                return Ok(true);
            }
            b'g' => {
                self.i += 1;
                let (body, _) = match self.peek() {
                    Some(b'{') => {
                        self.i += 1;
                        let start = self.i;
                        while self.peek().is_some_and(|c| c != b'}') {
                            self.i += 1;
                        }
                        if self.peek() != Some(b'}') {
                            return Err(perr("\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number", at));
                        }
                        let b = self.p[start..self.i].to_vec();
                        self.i += 1;
                        (b, true)
                    }
                    Some(b'<') | Some(b'\'') => {
                        return Err(perr("subroutine calls are not supported by rulelab", at));
                    }
                    Some(c) if c.is_ascii_digit() || c == b'-' || c == b'+' => {
                        let start = self.i;
                        self.i += 1;
                        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                            self.i += 1;
                        }
                        (self.p[start..self.i].to_vec(), false)
                    }
                    _ => {
                        return Err(perr("\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number", at));
                    }
                };
                let s = String::from_utf8_lossy(&body).into_owned();
                if let Some(rel) = s.strip_prefix('-') {
                    let r: u32 = rel.parse().map_err(|_| perr("invalid \\g reference", at))?;
                    if r == 0 || r > self.next_group {
                        return Err(perr("reference to non-existent subpattern", at));
                    }
                    self.backref_num(self.next_group + 1 - r);
                } else if s.starts_with('+') {
                    return Err(perr("subroutine calls are not supported by rulelab", at));
                } else if let Ok(n) = s.parse::<u32>() {
                    if n == 0 {
                        return Err(perr("a numbered reference must not be zero", at));
                    }
                    self.backref_num(n);
                } else {
                    self.backref_name(body);
                }
                return Ok(true);
            }
            b'k' => {
                self.i += 1;
                let term = match self.peek() {
                    Some(b'<') => b'>',
                    Some(b'\'') => b'\'',
                    Some(b'{') => b'}',
                    _ => {
                        return Err(perr(
                            "\\k is not followed by a braced, angle-bracketed, or quoted name",
                            at,
                        ))
                    }
                };
                self.i += 1;
                let name = self.read_name(term, at)?;
                self.backref_name(name);
                return Ok(true);
            }
            b'K' | b'X' => {
                return Err(perr(
                    format!("\\{} is not supported by rulelab", e as char),
                    at,
                ));
            }
            _ => {}
        }
        match self.char_escape(at, false)? {
            Some(c) => {
                let s = self.lit_str(c, f);
                self.out.push_str(&s);
                Ok(true)
            }
            None => Err(perr("unrecognized character follows \\", at)),
        }
    }

    /// A character class; `self.i` is after `[`.
    fn class(&mut self, f: Flags, at: usize) -> Result<String, PatternError> {
        let mut items = String::new();
        let mut neg = false;
        if self.peek() == Some(b'^') {
            neg = true;
            self.i += 1;
        }
        let mut first = true;
        // Pending single char that may start a range.
        loop {
            let Some(c) = self.peek() else {
                return Err(perr("missing terminating ] for character class", at));
            };
            if c == b']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            // POSIX class
            if c == b'[' && matches!(self.peek_at(1), Some(b':' | b'.' | b'=')) {
                let kind = self.peek_at(1).unwrap_or(b':');
                let rest = &self.p[self.i + 2..];
                if let Some(end) = rest.windows(2).position(|w| w[0] == kind && w[1] == b']') {
                    if kind != b':' {
                        return Err(perr("POSIX collating elements are not supported", self.i));
                    }
                    let mut name = &rest[..end];
                    let pneg = name.first() == Some(&b'^');
                    if pneg {
                        name = &name[1..];
                    }
                    let body = match name {
                        b"alpha" => "A-Za-z",
                        b"digit" => "0-9",
                        b"alnum" => "0-9A-Za-z",
                        b"upper" => "A-Z",
                        b"lower" => "a-z",
                        b"space" => r"\t-\r\x{20}",
                        b"blank" => r"\t\x{20}",
                        b"punct" => r"!-/:-@\[-`{-~",
                        b"print" => r"\x{20}-~",
                        b"graph" => r"!-~",
                        b"cntrl" => r"\x{0}-\x{1F}\x{7F}",
                        b"xdigit" => "0-9A-Fa-f",
                        b"word" => "0-9A-Za-z_",
                        b"ascii" => r"\x{0}-\x{7F}",
                        _ => return Err(perr("unknown POSIX class name", self.i)),
                    };
                    items.push_str(&format!("[{}{}]", if pneg { "^" } else { "" }, body));
                    self.i += 2 + end + 2;
                    self.class_no_range_after(at)?;
                    continue;
                }
            }
            let lo = if c == b'\\' {
                let eat = self.i;
                self.i += 1;
                let Some(e) = self.peek() else {
                    return Err(perr("\\ at end of pattern", eat));
                };
                if let Some(cls) = self.escape_class(e) {
                    self.i += 1;
                    items.push_str(&cls);
                    self.class_no_range_after(eat)?;
                    continue;
                }
                if e == b'p' || e == b'P' {
                    self.i += 1;
                    let item = self.property(e == b'P', eat)?;
                    items.push_str(&item);
                    self.class_no_range_after(eat)?;
                    continue;
                }
                if e == b'Q' {
                    self.i += 1;
                    while self.i < self.p.len() && !self.starts("\\E") {
                        let ch = self.read_char();
                        items.push_str(&hexc(ch));
                    }
                    if self.starts("\\E") {
                        self.i += 2;
                    }
                    continue;
                }
                if e == b'E' {
                    self.i += 1;
                    continue;
                }
                match self.char_escape(eat, true)? {
                    Some(v) => v,
                    None => {
                        return Err(perr("escape sequence is invalid in character class", eat));
                    }
                }
            } else {
                self.read_char()
            };
            // Range?
            if self.peek() == Some(b'-') && self.peek_at(1).is_some_and(|c| c != b']') {
                let dash = self.i;
                self.i += 1;
                let hi = if self.peek() == Some(b'\\') {
                    self.i += 1;
                    let e = self.peek().unwrap_or(0);
                    if self.escape_class(e).is_some() || e == b'p' || e == b'P' {
                        return Err(perr("invalid range in character class", dash));
                    }
                    match self.char_escape(dash, true)? {
                        Some(v) => v,
                        None => return Err(perr("invalid range in character class", dash)),
                    }
                } else if self.peek() == Some(b'[')
                    && matches!(self.peek_at(1), Some(b':' | b'.' | b'='))
                {
                    return Err(perr("invalid range in character class", dash));
                } else {
                    self.read_char()
                };
                if hi < lo {
                    return Err(perr("range out of order in character class", dash));
                }
                items.push_str(&format!("{}-{}", hexc(lo), hexc(hi)));
            } else {
                items.push_str(&hexc(lo));
            }
        }
        let cls = format!("[{}{}]", if neg { "^" } else { "" }, items);
        // decoding.md R3.2.1: non-UTF caseless is ASCII-only (approximated
        // for non-ASCII class members, see module docs).
        Ok(if f.i { format!("(?i:{cls})") } else { cls })
    }

    /// After a class-type item inside `[...]`, a `-` followed by anything but
    /// `]` is an error in PCRE2 10.42 (`[\d-z]`, case 826).
    fn class_no_range_after(&self, at: usize) -> Result<(), PatternError> {
        if self.peek() == Some(b'-') && self.peek_at(1).is_some_and(|c| c != b']') {
            return Err(perr("invalid range in character class", at));
        }
        Ok(())
    }
}

/// Leading option verbs such as `(*UTF)`; returns (utf, ucp, bytes consumed).
fn leading_verbs(p: &[u8]) -> Result<(bool, bool, usize), PatternError> {
    let mut i = 0;
    let mut utf = false;
    let mut ucp = false;
    while p.get(i..i + 2) == Some(b"(*") {
        let Some(close) = p[i..].iter().position(|&b| b == b')') else {
            return Err(perr("(*VERB) not terminated", i));
        };
        let name = &p[i + 2..i + close];
        match name {
            b"UTF" | b"UTF8" => utf = true,
            b"UCP" => ucp = true,
            b"CR" | b"LF" | b"CRLF" | b"ANYCRLF" | b"ANY" | b"NUL" | b"BSR_ANYCRLF"
            | b"BSR_UNICODE" | b"NO_AUTO_POSSESS" | b"NO_DOTSTAR_ANCHOR" | b"NO_JIT"
            | b"NO_START_OPT" | b"NOTEMPTY" | b"NOTEMPTY_ATSTART" => {}
            n if n.starts_with(b"LIMIT_MATCH=")
                || n.starts_with(b"LIMIT_DEPTH=")
                || n.starts_with(b"LIMIT_HEAP=")
                || n.starts_with(b"LIMIT_RECURSION=") => {}
            _ => break, // a backtracking verb: handled (rejected) by the parser
        }
        i += close + 1;
    }
    Ok((utf, ucp, i))
}

fn build(src: &str, fancy: bool) -> Result<Engine, String> {
    if fancy {
        fancy_regex::RegexBuilder::new(src)
            .backtrack_limit(BACKTRACK_LIMIT)
            .build()
            .map(|r| Engine::Fancy(Box::new(r)))
            .map_err(|e| e.to_string())
    } else {
        // The syntax is checked now (the abstract syntax only: translating
        // it is half the cost, and what only that step rejects cannot come
        // out of the PCRE2 translation above).
        regex_syntax::ast::parse::Parser::new()
            .parse(src)
            .map_err(|e| e.to_string())?;
        Ok(Engine::Plain(Box::new(LazyPlain {
            src: src.to_string(),
            regex: std::sync::OnceLock::new(),
        })))
    }
}

const WORD_CLASS_ASCII: &str = "[0-9A-Za-z_]";

fn finish(out: &str, eol: &str, fancy: bool) -> String {
    let (wb, nwb) = if fancy {
        (
            format!("(?:(?<={w})(?!{w})|(?<!{w})(?={w}))", w = WORD_CLASS_ASCII),
            format!("(?:(?<={w})(?={w})|(?<!{w})(?!{w}))", w = WORD_CLASS_ASCII),
        )
    } else {
        (r"(?-u:\b)".to_string(), r"(?-u:\B)".to_string())
    };
    let mut s = String::with_capacity(out.len() + 16);
    for ch in out.chars() {
        match ch {
            EOL => s.push_str(eol),
            WORDB => s.push_str(&wb),
            NWORDB => s.push_str(&nwb),
            c => s.push(c),
        }
    }
    s
}

impl Pcre2 {
    pub fn compile(pattern: &str) -> Result<Pcre2, PatternError> {
        let p = pattern.as_bytes();
        // Wazuh passes a C string: the pattern ends at a NUL.
        let p = c_str(p);
        let (utf, ucp, skip) = leading_verbs(p)?;
        if utf && std::str::from_utf8(p).is_err() {
            return Err(perr("UTF-8 error in pattern", 0));
        }
        let mut tr = Tr {
            p,
            i: skip,
            out: String::new(),
            utf,
            ucp,
            fancy: false,
            has_eol: false,
            group_map: vec![0],
            next_group: 0,
            max_group: 0,
            names: Vec::new(),
            pending_names: Vec::new(),
            max_backref: 0,
        };
        tr.parse_alts(Flags::default(), None, 0)?;
        if tr.i < p.len() {
            // A `)` without its `(`.
            return Err(perr("unmatched closing parenthesis", tr.i));
        }
        if tr.max_backref > tr.max_group {
            return Err(perr("reference to non-existent subpattern", 0));
        }
        // Resolve backreference markers to engine group indexes.
        let mut out = String::with_capacity(tr.out.len());
        {
            let names = &tr.names;
            let pending = &tr.pending_names;
            let map = &tr.group_map;
            let mut chars = tr.out.chars();
            while let Some(ch) = chars.next() {
                if ch != BREF_OPEN {
                    out.push(ch);
                    continue;
                }
                let mut num = String::new();
                for c in chars.by_ref() {
                    if c == BREF_CLOSE {
                        break;
                    }
                    num.push(c);
                }
                let pcre_n: u32 = if let Some(k) = num.strip_prefix('#') {
                    let name = k
                        .parse::<usize>()
                        .ok()
                        .and_then(|k| pending.get(k))
                        .cloned()
                        .unwrap_or_default();
                    match names.iter().find(|(k, _)| *k == name) {
                        Some((_, n)) => *n,
                        None => {
                            return Err(perr("reference to non-existent subpattern", 0));
                        }
                    }
                } else {
                    num.parse().unwrap_or(0)
                };
                let idx = map.iter().position(|&g| g == pcre_n).unwrap_or(0);
                if idx == 0 {
                    return Err(perr("reference to non-existent subpattern", 0));
                }
                out.push_str(&format!("\\{idx}"));
            }
        }
        let main_src = finish(&out, r"\z", tr.fancy);
        let main = build(&main_src, tr.fancy).map_err(|e| perr(e, 0))?;
        let nl = tr.has_eol.then(|| NlEngine {
            src: finish(&out, r"(?=\n?\z)", true),
            engine: std::sync::OnceLock::new(),
        });
        Ok(Pcre2 {
            utf,
            main,
            nl,
            group_map: tr.group_map,
            groups: tr.max_group,
        })
    }

    /// The subject as the engines see it, and whether it is a Latin-1 view
    /// (offsets must then be mapped back).
    fn view<'s>(&self, s: &'s [u8]) -> Option<(Cow<'s, str>, bool)> {
        if self.utf {
            // R3.3.1: invalid UTF-8 under (*UTF) is a matching error.
            return std::str::from_utf8(s)
                .ok()
                .map(|t| (Cow::Borrowed(t), false));
        }
        if s.is_ascii() {
            return std::str::from_utf8(s)
                .ok()
                .map(|t| (Cow::Borrowed(t), false));
        }
        Some((Cow::Owned(s.iter().map(|&b| char::from(b)).collect()), true))
    }

    fn engine(&self, s: &[u8]) -> &Engine {
        match &self.nl {
            Some(nl) if s.last() == Some(&b'\n') => nl
                .engine
                .get_or_init(|| build(&nl.src, true).ok())
                .as_ref()
                .unwrap_or(&self.main),
            _ => &self.main,
        }
    }

    pub fn is_match(&self, subject: &[u8]) -> bool {
        let s = c_str(subject);
        let Some((text, _)) = self.view(s) else {
            return false;
        };
        match self.engine(s) {
            Engine::Plain(r) => r.get().is_some_and(|r| r.is_match(text.as_ref())),
            Engine::Fancy(r) => r.is_match(&text).unwrap_or(false),
        }
    }

    /// End index (R3.3.2) and, if asked, the captures (R3.3.3).
    pub fn exec(&self, subject: &[u8], want: bool) -> Option<(isize, Vec<Range<usize>>)> {
        let s = c_str(subject);
        let (text, latin) = self.view(s)?;
        let back = |o: usize| -> usize {
            if latin {
                text.get(..o).map_or(o, |t| t.chars().count())
            } else {
                o
            }
        };
        let engine = self.engine(s);
        if !want || self.groups == 0 {
            let m = match engine {
                Engine::Plain(r) => r.get()?.find(text.as_ref()).map(|m| m.end()),
                Engine::Fancy(r) => r.find(&text).ok().flatten().map(|m| m.end()),
            }?;
            return Some((back(m) as isize - 1, Vec::new()));
        }
        // Engine groups → (start, end) in the view.
        let locs: Vec<Option<(usize, usize)>> = match engine {
            Engine::Plain(r) => {
                let r = r.get()?;
                let mut c = r.create_captures();
                r.captures(text.as_ref(), &mut c);
                if !c.is_match() {
                    return None;
                }
                (0..c.group_len())
                    .map(|k| c.get_group(k).map(|m| (m.start, m.end)))
                    .collect()
            }
            Engine::Fancy(r) => {
                let c = r.captures(&text).ok().flatten()?;
                (0..c.len())
                    .map(|k| c.get(k).map(|m| (m.start(), m.end())))
                    .collect()
            }
        };
        let end = locs.first().copied().flatten()?.1;
        // PCRE2 numbering (branch reset: several engine groups per number).
        let mut by_num: Vec<Option<Range<usize>>> = vec![None; self.groups as usize + 1];
        for (k, loc) in locs.iter().enumerate().skip(1) {
            if let (Some((a, z)), Some(&g)) = (loc, self.group_map.get(k)) {
                if let Some(slot) = by_num.get_mut(g as usize) {
                    if slot.is_none() {
                        *slot = Some(back(*a)..back(*z));
                    }
                }
            }
        }
        // R3.3.3: up to the highest participating group; others empty.
        let highest = by_num.iter().rposition(|x| x.is_some()).unwrap_or(0);
        let caps = by_num
            .into_iter()
            .take(highest + 1)
            .skip(1)
            .map(|r| r.unwrap_or(0..0))
            .collect();
        Some((back(end) as isize - 1, caps))
    }
}

#[cfg(test)]
mod tests {

    /// The load-time check parses the translated pattern's abstract syntax
    /// only; every pattern it accepts must also translate and build (else
    /// it would silently match nothing when first used). Random PCRE2
    /// patterns over a hostile alphabet.
    #[test]
    fn accepted_patterns_build_on_first_use() {
        let alphabet: &[&str] = &[
            "a",
            "Z",
            "0",
            " ",
            "\\",
            "(",
            ")",
            "|",
            "^",
            "$",
            "*",
            "+",
            "?",
            ".",
            "[",
            "]",
            "{",
            "}",
            "-",
            ",",
            ":",
            "d",
            "w",
            "s",
            "b",
            "B",
            "x",
            "p",
            "P",
            "{L}",
            "{Greek}",
            "{Zz}",
            "Q",
            "E",
            "(?i)",
            "(?:",
            "(?<n>",
            "(?|",
            "\\1",
            "\\x{e9}",
            "\\xff",
            "é",
            "[:alpha:]",
            "^]",
            "z-a",
            "(*UTF)",
            "(*UCP)",
            "\\h",
            "\\R",
            "\\z",
            "\\Z",
            "\\A",
        ];
        let mut next = super::super::xorshift(0x2545_F491_4F6C_DD1D);
        let (mut accepted, mut plain) = (0, 0);
        for _ in 0..20_000 {
            let n = (next() % 10) as usize;
            let pat: String = (0..n)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let Ok(p) = Pcre2::compile(&pat) else {
                continue;
            };
            accepted += 1;
            if let Engine::Plain(lazy) = &p.main {
                plain += 1;
                assert!(
                    regex_automata::util::syntax::parse_with(&lazy.src, &syntax_config()).is_ok(),
                    "{pat:?} → {:?} does not translate",
                    lazy.src
                );
                assert!(
                    lazy.get().is_some(),
                    "{pat:?} → {:?} does not build",
                    lazy.src
                );
            }
        }
        assert!(
            accepted > 1000 && plain > 1000,
            "{accepted} accepted, {plain} plain"
        );
    }
    use super::*;

    fn is(p: &str, s: &[u8]) -> bool {
        Pcre2::compile(p).unwrap().is_match(s)
    }
    fn caps(p: &str, s: &str) -> Option<Vec<String>> {
        Pcre2::compile(p)
            .unwrap()
            .exec(s.as_bytes(), true)
            .map(|(_, c)| {
                c.into_iter()
                    .map(|r| String::from_utf8_lossy(&s.as_bytes()[r]).into_owned())
                    .collect()
            })
    }
    fn end(p: &str, s: &str) -> Option<isize> {
        Pcre2::compile(p)
            .unwrap()
            .exec(s.as_bytes(), false)
            .map(|(e, _)| e)
    }

    // decoding.md R3.3.2
    #[test]
    fn end_is_last_byte() {
        assert_eq!(end("abc", "xabcx"), Some(3));
        assert_eq!(end("x*", "abc"), Some(-1));
        assert_eq!(end("^", "abc"), Some(-1));
        assert_eq!(end("b*$", "ab"), Some(1));
    }
    // R3.3.3
    #[test]
    fn captures_non_participating() {
        assert_eq!(caps("(a)|(b)", "b").unwrap(), ["", "b"]);
        assert_eq!(caps("(a)(b)?(c)", "ac").unwrap(), ["a", "", "c"]);
        assert_eq!(caps("(a)(b)?", "a").unwrap(), ["a"]);
        assert_eq!(caps("(\\d+)?x", "x").unwrap(), Vec::<String>::new());
        assert_eq!(caps("^()", "abc").unwrap(), [""]);
        assert_eq!(caps("(?|(a)|(b))", "b").unwrap(), ["b"]);
    }
    #[test]
    fn captures_misc() {
        assert_eq!(caps("^(.*?)x", "axbx").unwrap(), ["a"]);
        assert_eq!(caps("^(.*)x", "axbx").unwrap(), ["axb"]);
        assert_eq!(caps("(?'n'x)(y)", "xy").unwrap(), ["x", "y"]);
        assert_eq!(caps("(?i)(ABC)", "abc").unwrap(), ["abc"]);
        assert_eq!(caps("(?:a)(b)", "ab").unwrap(), ["b"]);
    }
    // rules.md R3.0.1: byte semantics
    #[test]
    fn byte_semantics() {
        assert!(!is("^.$", "é".as_bytes()));
        assert!(is("^..$", "é".as_bytes()));
        assert!(is("(*UTF)^.$", "é".as_bytes()));
        assert!(is("^\\s$", b"\t"));
        assert!(is("^\\s$", b"\x0b"));
        assert!(is("^\\s$", b"\r"));
        assert!(is("^\\w$", b"_"));
        assert!(!is("^\\w$", b"-"));
        assert!(!is("^\\w+$", "héllo".as_bytes()));
        assert!(is("\\x{e9}", b"\xe9"));
        assert!(!is("\\x{e9}", "é".as_bytes()));
        let caps = Pcre2::compile("(.)")
            .unwrap()
            .exec("é".as_bytes(), true)
            .unwrap()
            .1;
        assert_eq!(caps, vec![0..1]);
    }
    #[test]
    fn case_folding() {
        assert!(!is("abc", b"ABC"));
        assert!(is("(?i)abc", b"ABC"));
        assert!(!is("(?i)É", "é".as_bytes()));
        assert!(is("(*UTF)(?i)é", "É".as_bytes()));
        assert!(!is("(?i:A)b", b"aB"));
        assert!(is("(?i:A)b", b"ab"));
    }
    #[test]
    fn dollar_before_final_newline() {
        assert!(is("abc$", b"abc\n"));
        assert!(!is("abc$", b"abc\n\n"));
        assert!(is("abc\\Z", b"abc\n"));
        assert!(!is("abc\\z", b"abc\n"));
        assert_eq!(end("c$", "abc\n"), Some(2));
    }
    #[test]
    fn lookaround_and_backrefs() {
        assert!(is("foo(?=bar)", b"foobar"));
        assert!(!is("foo(?!bar)", b"foobar"));
        assert!(is("(a)\\1", b"aa"));
        assert!(!is("(a)\\1", b"ab"));
        assert!(is("(?'x'a)\\k'x'", b"aa"));
        assert!(!is("a*+a", b"aaa"));
        assert!(!is("(?>a+)a", b"aaa"));
        assert!(is("a++b", b"aab"));
    }
    #[test]
    fn xml_escaped_lt() {
        assert!(is("\\<", b"a<b"));
        assert!(is("\\>", b"a>b"));
        assert!(Pcre2::compile("(?\\<=a)b").is_err());
        assert!(Pcre2::compile("(?\\<n>a)").is_err());
    }
    #[test]
    fn braces() {
        assert!(is("a{,3}", b"a{,3}"));
        assert!(!is("^a{,3}$", b"aa"));
        assert!(is("^a{2,3}$", b"aaa"));
        assert!(!is("^a{2,3}$", b"aaaa"));
        assert!(Pcre2::compile("a{2,1}").is_err());
        assert!(Pcre2::compile("a{99999999}").is_err());
    }
    #[test]
    fn compile_errors() {
        for p in [
            "(",
            ")",
            "[a-",
            "*a",
            "a**",
            "(?P=x)",
            "\\k",
            "(?z)",
            "[z-a]",
            "(a)\\2",
            "\\c",
            "\\x{110000}",
            "\\p{Foo}",
            "[[:foo:]]",
            "(*UTF",
            "\\g",
            "[\\d-z]+",
            "\\N{U+41}",
            "\\x{100}",
        ] {
            assert!(Pcre2::compile(p).is_err(), "{p}");
        }
    }
    #[test]
    fn misc_syntax() {
        assert!(is("(?x) a b c ", b"abc"));
        assert!(is("(?s)a.b", b"a\nb"));
        assert!(!is("a.b", b"a\nb"));
        assert!(is("\\Qa.b\\E", b"a.b"));
        assert!(!is("\\Qa.b\\E", b"axb"));
        assert!(is("\\bfoo\\b", b"a foo b"));
        assert!(!is("\\bfoo\\b", b"afoob"));
        assert!(is("(?#comment)abc", b"abc"));
        assert!(is("^[[:digit:]]+$", b"123"));
        assert!(is("\\p{L}", "é".as_bytes()));
        assert!(!is("^\\p{Lu}+$", "É".as_bytes()));
        assert!(is("(*UTF)^\\p{Lu}$", "É".as_bytes()));
        assert!(!is("(*UTF)x", b"x\xff"));
        assert!(is("x", b"x\xff"));
        assert!(is("\\h", b"a\tb"));
        assert!(!is("\\R", b"ab"));
        assert!(is("^\\C$", b"a"));
        assert!(is("", b""));
        assert!(is("|", b""));
        assert!(is("\\Z", b""));
        assert!(is("(*CR)a$", b"a"));
    }
}
