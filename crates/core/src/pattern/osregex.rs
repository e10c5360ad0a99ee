//! OS_Regex, the "osregex" dialect (decoding.md §2).
//!
//! Design: a literal port of the normative scanner of decoding.md §2.3, over
//! `&[u8]`. Each alternative is compiled into the *flat cell layout* of §2.2
//! (`ESC`, class code, optional quantifier cell, `MARK` for both `(` and `)`,
//! literals, implicit `END` past the end), because the matcher's behaviour is
//! defined in terms of "the cell 2/3 after the current class" (R2.2.2). The
//! scanner keeps the 4-slot backtrack stack, the restart rule, lazy-in-middle /
//! greedy-at-end quantifiers and the irregular `last` end position exactly as
//! specified; it is deliberately *not* a translation to the `regex` crate
//! (§2.9: that mapping disagrees on 13 stock patterns and on end positions).
//!
//! Cost: the non-capturing path allocates nothing; the capturing path
//! allocates one position table per alternative tried. Termination: every
//! step either consumes a byte or moves `p` forward; backtrack pops and
//! restarts always advance `i` past the saved position. A generous step guard
//! additionally turns any unexpected non-termination into "no match".
//!
//! The subject is a C string for this engine: it ends at its first NUL (§0.2).

use super::fold::{Lowered, Needle};
use super::osmatch::c_str;
use super::PatternError;
use std::ops::Range;

/// Maximum pattern length (`OS_PATTERN_MAXSIZE`, R2.1.1).
pub const MAX_PATTERN: usize = 20480;

/// The 15 escape classes (R2.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Digit,    // \d
    Word,     // \w
    Space,    // \s
    Punct,    // \p
    LParen,   // \(
    RParen,   // \)
    Backsl,   // \\
    NotDigit, // \D
    NotWord,  // \W
    NotSpace, // \S
    Any,      // \.
    Tab,      // \t
    Dollar,   // \$
    Pipe,     // backslash-pipe
    Lt,       // \<
}

impl Class {
    fn from_letter(b: u8) -> Option<Class> {
        Some(match b {
            b'd' => Class::Digit,
            b'w' => Class::Word,
            b's' => Class::Space,
            b'p' => Class::Punct,
            b'(' => Class::LParen,
            b')' => Class::RParen,
            b'\\' => Class::Backsl,
            b'D' => Class::NotDigit,
            b'W' => Class::NotWord,
            b'S' => Class::NotSpace,
            b'.' => Class::Any,
            b't' => Class::Tab,
            b'$' => Class::Dollar,
            b'|' => Class::Pipe,
            b'<' => Class::Lt,
            _ => return None,
        })
    }

    const ALL: [Class; 15] = [
        Class::Digit,
        Class::Word,
        Class::Space,
        Class::Punct,
        Class::LParen,
        Class::RParen,
        Class::Backsl,
        Class::NotDigit,
        Class::NotWord,
        Class::NotSpace,
        Class::Any,
        Class::Tab,
        Class::Dollar,
        Class::Pipe,
        Class::Lt,
    ];

    /// Whether `c` is in the class: one bit of [`CLASS_TABLE`] (the
    /// scanner asks this for nearly every byte it reads).
    #[inline]
    fn matches(self, c: u8) -> bool {
        CLASS_TABLE[self as usize][usize::from(c >> 6)] >> (c & 63) & 1 != 0
    }

    /// The class as decoding.md R2.1.2 defines it (the table is built
    /// from this).
    const fn by_rule(self, c: u8) -> bool {
        // decoding.md R2.1.2 table; classes ignore case folding.
        let word = c.is_ascii_alphanumeric() || c == b'-' || c == b'@' || c == b'_';
        match self {
            Class::Digit => c.is_ascii_digit(),
            Class::Word => word,
            Class::Space => c == b' ',
            Class::Punct => matches!(
                c,
                b'!' | b'"'
                    | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b'-'
                    | b'.'
                    | b':'
                    | b';'
                    | b'<'
                    | b'='
                    | b'>'
                    | b'?'
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b'|'
            ),
            Class::LParen => c == b'(',
            Class::RParen => c == b')',
            Class::Backsl => c == b'\\',
            Class::NotDigit => c != 0 && !c.is_ascii_digit(),
            Class::NotWord => c != 0 && !word,
            Class::NotSpace => c != 0 && c != b' ',
            Class::Any => c != 0,
            Class::Tab => c == b'\t',
            Class::Dollar => c == b'$',
            Class::Pipe => c == b'|',
            Class::Lt => c == b'<',
        }
    }
}

/// Per class (in declaration order), its 256 bytes as bits.
static CLASS_TABLE: [[u64; 4]; 15] = {
    let mut t = [[0u64; 4]; 15];
    let mut k = 0;
    while k < 15 {
        let mut c: usize = 0;
        while c < 256 {
            if Class::ALL[k].by_rule(c as u8) {
                t[k][c >> 6] |= 1 << (c & 63);
            }
            c += 1;
        }
        k += 1;
    }
    t
};

/// One cell of the flat layout (R2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    End,
    Esc,
    Code(Class),
    Mark,
    Lit(u8),
}

impl Cell {
    /// `lit(x)` of §2.3: the byte used to compare a cell with (folded) input.
    /// A literal >= 0x80 equals nothing (R2.1.9); MARK compares as `(`; END and
    /// the other cells equal nothing (END would be byte 0, never in input).
    #[inline]
    fn lit(self) -> Option<u8> {
        match self {
            Cell::Lit(b) if b < 0x80 => Some(b),
            Cell::Mark => Some(b'('),
            _ => None,
        }
    }
    #[inline]
    fn is_quant(self) -> bool {
        matches!(self, Cell::Lit(b'+') | Cell::Lit(b'*'))
    }
}

#[derive(Debug, Clone)]
struct Alt {
    cells: Vec<Cell>,
    begin: bool,
    end: bool,
    /// The longest run of literal cells: a necessary condition of a match
    /// (see [`Alt::screen`]).
    required: Needle,
    /// Every run of literal cells, in pattern order, when there are two or
    /// more: they must occur in this order without overlapping.
    runs: Vec<Needle>,
    /// The leading literal run of a `^` alternative: the subject must start
    /// with it.
    prefix: Vec<u8>,
    /// For an unanchored alternative that starts with `k` class tokens
    /// without quantifier and then a literal run: `(k, run)`. An attempt
    /// starting at `j` can only get past that run when the run occurs at
    /// `j + k`, so [`run`] skips to such positions (see there).
    lead: Option<(usize, Needle)>,
    /// The lead's run is the required literal: where [`Alt::screen`] found
    /// it is where the first lead skip lands.
    lead_is_required: bool,
    /// When the first token can fail at once (an unquantified or `+`
    /// class, or a literal): the bytes it accepts. A fresh attempt at any
    /// other byte fails on it, so a `^` alternative needs the subject to
    /// start with one of them ([`Alt::screen`]), and [`run`] jumps the
    /// attempts of an unanchored one without a lead to the next such byte.
    first: Option<ByteSet>,
    /// Per quantified class token (its cell index): the bytes that, once
    /// the quantifier is running, the class consumes while the look-ahead
    /// at the next token fails. The scanner's only step on such a byte is
    /// `last = i, i + 1`, so [`run`] takes a run of them at once.
    consume: Vec<(usize, ByteSet)>,
}

/// 256 bits, one per byte value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    const ALL: ByteSet = ByteSet([u64::MAX; 4]);

    #[inline]
    fn has(&self, c: u8) -> bool {
        self.0[usize::from(c >> 6)] >> (c & 63) & 1 != 0
    }
    fn and_not(self, o: ByteSet) -> ByteSet {
        ByteSet(std::array::from_fn(|k| self.0[k] & !o.0[k]))
    }
    /// The first position from `i` on whose byte is not in the set.
    #[inline]
    fn span_from(&self, s: &[u8], i: usize) -> usize {
        s.get(i..)
            .and_then(|t| t.iter().position(|&c| !self.has(c)))
            .map_or(s.len(), |k| i + k)
    }
}

/// The bytes the token at `q` accepts as the scanner compares one byte
/// with it: a class by its table, a literal (or a mark, `(`) by the
/// folded byte, END every byte (the look-ahead's view), other cells none.
fn token_set(cells: &[Cell], q: usize) -> ByteSet {
    match cells.get(q).copied().unwrap_or(Cell::End) {
        Cell::End => ByteSet::ALL,
        Cell::Esc => match cells.get(q + 1) {
            Some(Cell::Code(cl)) => ByteSet(CLASS_TABLE[*cl as usize]),
            _ => ByteSet([0; 4]),
        },
        other => ByteSet(other.lit().map_or([0; 4], super::fold::folded_to)),
    }
}

/// [`Alt::first`]: the first token must be a class without `*` or a
/// literal (a mark or `*` class never fails at once, END matches). Such a
/// token also fails on an empty subject: the end-of-input step (decoding.md
/// §2.3 F) only passes marks and `*` classes.
fn first_of(cells: &[Cell]) -> Option<ByteSet> {
    match cells.first()? {
        Cell::Esc if cells.get(2) != Some(&Cell::Lit(b'*')) => Some(token_set(cells, 0)),
        Cell::Lit(_) => Some(token_set(cells, 0)),
        _ => None,
    }
}

/// [`Alt::consume`]: for each class token with `+`/`*` at `p`, the bytes
/// the class takes while the look-ahead (the next token, past one mark)
/// rejects them.
fn consume_of(cells: &[Cell]) -> Vec<(usize, ByteSet)> {
    let mut out = Vec::new();
    let mut p = 0;
    while p < cells.len() {
        match (cells[p], cells.get(p + 1), cells.get(p + 2)) {
            (Cell::Esc, Some(Cell::Code(_)), q2) => {
                if q2.is_some_and(|c| c.is_quant()) {
                    let mut q = p + 3;
                    if cells.get(q) == Some(&Cell::Mark) {
                        q += 1;
                    }
                    let set = token_set(cells, p).and_not(token_set(cells, q));
                    if set != ByteSet([0; 4]) {
                        out.push((p, set));
                    }
                    p += 3;
                } else {
                    p += 2;
                }
            }
            _ => p += 1,
        }
    }
    out.shrink_to_fit();
    out
}

/// `(k, run)` of [`Alt::lead`]: `k` unquantified class tokens (ESC, code,
/// and no `+`/`*` after them, the scanner's own test) followed by a
/// non-empty run of literals below 0x80.
fn lead_of(cells: &[Cell]) -> Option<(usize, Vec<u8>)> {
    let mut k = 0;
    let mut p = 0;
    while cells.get(p) == Some(&Cell::Esc) {
        if !matches!(cells.get(p + 1), Some(Cell::Code(_)))
            || cells.get(p + 2).is_some_and(|c| c.is_quant())
        {
            return None;
        }
        k += 1;
        p += 2;
    }
    let run: Vec<u8> = cells[p.min(cells.len())..]
        .iter()
        .map_while(|c| match c {
            Cell::Lit(b) if *b < 0x80 => Some(*b),
            _ => None,
        })
        .collect();
    (!run.is_empty()).then_some((k, run))
}

/// The literal runs of an alternative, for its prefilter.
///
/// Why a run is necessary: a literal cell is only passed by consuming one
/// equal byte (§2.3 C, or the look-ahead of a quantified class), and
/// nothing else consumes input while `p` is inside a run, so the final,
/// successful pass through a run reads it contiguously. End of input (§2.3
/// F) only skips class tokens. The early success of §2.8 row 7 can leave
/// one cell unread: the last one, right after an unquantified class
/// (`\w+\d\dx` matches `a1b`), so a final literal there is not required.
/// Literals >= 0x80 equal nothing (R2.1.9) and break runs, as do marks and
/// classes.
///
/// Order: the last pass through each literal cell of the successful attempt
/// happens at increasing subject positions (a hand-over only returns to a
/// class after the runs before it were passed, and moves forward from the
/// position saved then), so the runs occur in pattern order without
/// overlapping.
fn literal_runs(cells: &[Cell]) -> (Vec<u8>, Vec<u8>, Vec<Vec<u8>>) {
    let cells = match cells {
        [.., Cell::Code(_), Cell::Lit(_)] => &cells[..cells.len() - 1],
        _ => cells,
    };
    let mut runs: Vec<Vec<u8>> = Vec::new();
    let mut best: Vec<u8> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut prefix: Option<Vec<u8>> = None;
    let mut k = 0;
    while k <= cells.len() {
        match cells.get(k) {
            Some(Cell::Lit(b)) if *b < 0x80 => cur.push(*b),
            other => {
                if prefix.is_none() {
                    prefix = Some(cur.clone());
                }
                if !cur.is_empty() {
                    runs.push(cur.clone());
                }
                if cur.len() > best.len() {
                    best = std::mem::take(&mut cur);
                }
                cur.clear();
                // A class token is ESC + code (+ quantifier literal).
                if matches!(other, Some(Cell::Esc)) {
                    k += 2;
                    if cells.get(k).is_some_and(|c| c.is_quant()) {
                        k += 1;
                    }
                    continue;
                }
            }
        }
        k += 1;
    }
    (best, prefix.unwrap_or_default(), runs)
}

impl Alt {
    fn new(cells: Vec<Cell>, begin: bool, end: bool) -> Alt {
        let (required, prefix, runs) = literal_runs(&cells);
        let lead = if begin {
            None
        } else {
            lead_of(&cells).map(|(k, run)| (k, Needle::new(run)))
        };
        let first = if lead.is_some() {
            None
        } else {
            first_of(&cells)
        };
        let consume = consume_of(&cells);
        let lead_is_required = lead
            .as_ref()
            .is_some_and(|(_, run)| run.bytes() == required.as_slice());
        let runs = if runs.len() >= 2 {
            runs.into_iter().map(Needle::new).collect()
        } else {
            Vec::new()
        };
        Alt {
            cells,
            begin,
            end,
            runs,
            required: Needle::new(required),
            prefix: if begin { prefix } else { Vec::new() },
            lead,
            lead_is_required,
            first,
            consume,
        }
    }

    /// A cheap necessary condition on `s` (already cut at its NUL): None
    /// means the alternative cannot match. Else where the required literal
    /// was found, when it was searched for (the scanner's first lead skip
    /// need not search again, see [`run`]).
    #[inline]
    fn screen(&self, s: &[u8], lower: Option<Lowered>) -> Option<Option<usize>> {
        // The only attempt of a `^` alternative fails on a first byte its
        // first token rejects (and on an empty subject, see `first_of`).
        if let (true, Some(first)) = (self.begin, &self.first) {
            if !s.first().is_some_and(|&c| first.has(c)) {
                return None;
            }
        }
        if !self.prefix.is_empty() {
            if !(s.len() >= self.prefix.len()
                && s.iter()
                    .zip(&self.prefix)
                    .all(|(h, n)| h.to_ascii_lowercase() == *n)
                && (self.required.len() <= self.prefix.len() || self.required.found_in(s, lower)))
            {
                return None;
            }
            return self.runs_in_order(s, lower).then_some(None);
        }
        let at = self.required.find(s, lower)?;
        self.runs_in_order(s, lower).then_some(Some(at))
    }

    /// Whether every literal run occurs after the previous one.
    fn runs_in_order(&self, s: &[u8], lower: Option<Lowered>) -> bool {
        let mut from = 0;
        for run in &self.runs {
            let hay = s.get(from..).unwrap_or(&[]);
            let low = lower.map(|l| l.from(from));
            match run.find(hay, low) {
                Some(at) => from += at + run.len(),
                None => return false,
            }
        }
        true
    }

    #[inline]
    fn cell(&self, k: usize) -> Cell {
        self.cells.get(k).copied().unwrap_or(Cell::End)
    }
    #[inline]
    fn code(&self, k: usize) -> Option<Class> {
        match self.cell(k) {
            Cell::Code(c) => Some(c),
            _ => None,
        }
    }
    #[inline]
    fn class_matches(&self, k: usize, c: u8) -> bool {
        self.code(k + 1).is_some_and(|cl| cl.matches(c))
    }
}

/// A compiled OS_Regex pattern.
#[derive(Debug, Clone)]
pub struct OsRegex {
    alts: Vec<Alt>,
    /// The pattern has at least one unescaped `)` (R2.2.3, capturing mode).
    has_groups: bool,
}

fn err(message: &str, offset: usize) -> PatternError {
    PatternError {
        message: message.to_string(),
        offset: Some(offset),
    }
}

/// Outcome of one alternative: `last` (may be -1) and the mark positions.
type AltResult = Option<isize>;

impl OsRegex {
    pub fn compile(pattern: &str) -> Result<OsRegex, PatternError> {
        let b = pattern.as_bytes();
        if b.len() > MAX_PATTERN {
            // R2.1.1, error 3
            return Err(err(
                "OS_Regex pattern too long (error 3, OS_REGEX_MAXSIZE)",
                MAX_PATTERN,
            ));
        }
        // Tokenise into alternatives of cells; `plain_dollar_last` tracks
        // whether the last cell came from an unescaped `$` (R2.1.6).
        let mut alts = Vec::new();
        let mut cells: Vec<Cell> = Vec::new();
        let mut last_plain_dollar = false;
        let mut in_group = false;
        let mut has_groups = false;
        let mut i = 0;
        let finish = |cells: &mut Vec<Cell>, last_plain_dollar: bool, alts: &mut Vec<Alt>| {
            let mut cs = std::mem::take(cells);
            let mut begin = false;
            let mut end = false;
            // R2.1.6: first byte `^` (a literal cell) → begin-anchored.
            if cs.first() == Some(&Cell::Lit(b'^')) {
                cs.remove(0);
                begin = true;
            }
            if last_plain_dollar && cs.last() == Some(&Cell::Lit(b'$')) {
                cs.pop();
                end = true;
            }
            alts.push(Alt::new(cs, begin, end));
        };
        while i < b.len() {
            let c = b[i];
            // Whether the byte before this one was an unescaped `$`: a `|`
            // ends an alternative, which may be end-anchored too (R2.1.6).
            let prev_plain_dollar = std::mem::take(&mut last_plain_dollar);
            match c {
                b'\\' => {
                    // R2.1.2: exactly one of the 15 letters must follow.
                    let Some(cl) = b.get(i + 1).and_then(|&l| Class::from_letter(l)) else {
                        return Err(err(
                            "invalid escape in OS_Regex pattern (error 6, OS_REGEX_BADREGEX)",
                            i,
                        ));
                    };
                    cells.push(Cell::Esc);
                    cells.push(Cell::Code(cl));
                    i += 2;
                    continue;
                }
                b'(' => {
                    if in_group {
                        // R2.1.4
                        return Err(err(
                            "nested group in OS_Regex pattern (error 7, OS_REGEX_BADPARENTHESIS)",
                            i,
                        ));
                    }
                    in_group = true;
                    cells.push(Cell::Mark);
                }
                b')' => {
                    if !in_group {
                        return Err(err(
                            "unbalanced ')' in OS_Regex pattern (error 7, OS_REGEX_BADPARENTHESIS)",
                            i,
                        ));
                    }
                    in_group = false;
                    has_groups = true;
                    cells.push(Cell::Mark);
                }
                b'|' => {
                    if in_group {
                        // R2.1.5
                        return Err(err(
                            "'|' inside a group in OS_Regex pattern (error 7, OS_REGEX_BADPARENTHESIS)",
                            i,
                        ));
                    }
                    finish(&mut cells, prev_plain_dollar, &mut alts);
                }
                _ => {
                    // R2.1.7: literals are lower-cased.
                    cells.push(Cell::Lit(c.to_ascii_lowercase()));
                    last_plain_dollar = c == b'$';
                }
            }
            i += 1;
        }
        if in_group {
            return Err(err(
                "unclosed group in OS_Regex pattern (error 7, OS_REGEX_BADPARENTHESIS)",
                b.len(),
            ));
        }
        finish(&mut cells, last_plain_dollar, &mut alts);
        Ok(OsRegex { alts, has_groups })
    }

    /// Runs the alternatives in pattern order (R2.4.1). Returns `last` and,
    /// when `want_captures`, the captures of the winning alternative.
    pub fn exec(&self, subject: &[u8], want_captures: bool) -> Option<(isize, Vec<Range<usize>>)> {
        self.exec_lower(subject, None, want_captures)
    }

    /// [`OsRegex::exec`] with, optionally, `subject` lower-cased (same
    /// length) for the literal prefilters.
    pub(crate) fn exec_lower(
        &self,
        subject: &[u8],
        lower: Option<Lowered>,
        want_captures: bool,
    ) -> Option<(isize, Vec<Range<usize>>)> {
        self.exec_with::<true>(subject, lower, want_captures, |_| false)
    }

    /// [`OsRegex::exec_lower`], skipping the alternatives for which
    /// `absent(index)` says their required literal is not in the subject
    /// (known from a search over a larger text, see `decoder/index.rs`).
    pub(crate) fn exec_lower_known(
        &self,
        subject: &[u8],
        lower: Option<Lowered>,
        want_captures: bool,
        absent: impl Fn(usize) -> bool,
    ) -> Option<(isize, Vec<Range<usize>>)> {
        self.exec_with::<true>(subject, lower, want_captures, absent)
    }

    /// Whether a lower-cased copy of the subject is worth making for it:
    /// unanchored alternatives search the whole subject, and so do `^`
    /// alternatives with literal runs after their prefix. Runs of one
    /// byte (`^{\s*"`, the JSON prematch) are found as fast by folding.
    pub(crate) fn needs_lower(&self) -> bool {
        self.alts.iter().any(|a| {
            !a.begin
                || (a.required.len() > a.prefix.len() && a.required.len() > 1)
                || a.runs.iter().any(|r| r.len() > 1)
        })
    }

    /// The required literal of a pattern of one alternative (see
    /// [`Alt::screen`]): the subject must contain it.
    pub(crate) fn single_needle(&self) -> Option<&Needle> {
        match &self.alts[..] {
            [a] if a.required.len() > 0 => Some(&a.required),
            _ => None,
        }
    }

    /// Per alternative, its required literal run (lower-case; the longest
    /// literal run, see [`Alt::screen`]), None when it has none.
    pub(crate) fn required_literals(&self) -> Vec<Option<&[u8]>> {
        self.alts
            .iter()
            .map(|a| Some(a.required.bytes()).filter(|b| !b.is_empty()))
            .collect()
    }

    /// [`OsRegex::exec_lower`]; `FAST` = false runs the plain scanner on
    /// every alternative, without prefilters or skipped attempts (the
    /// reference of the tests).
    fn exec_with<const FAST: bool>(
        &self,
        subject: &[u8],
        lower: Option<Lowered>,
        want_captures: bool,
        absent: impl Fn(usize) -> bool,
    ) -> Option<(isize, Vec<Range<usize>>)> {
        let s = c_str(subject);
        let lower = lower.and_then(|l| l.cut(s.len()));
        let capturing = want_captures && self.has_groups;
        for (k, alt) in self.alts.iter().enumerate() {
            let hint = if FAST {
                if absent(k) {
                    continue;
                }
                match alt.screen(s, lower) {
                    Some(hint) => hint,
                    None => continue,
                }
            } else {
                None
            };
            if capturing {
                // Mark positions: on the stack for patterns of usual size.
                let mut stack = [None; 48];
                let mut heap;
                let pos: &mut [Option<usize>] = match stack.get_mut(..alt.cells.len()) {
                    Some(p) => p,
                    None => {
                        heap = vec![None; alt.cells.len()];
                        &mut heap
                    }
                };
                if let Some(last) = run::<FAST>(alt, s, lower, Some(&mut *pos), hint) {
                    // R2.4.2: pairs of marks, stop at the first incomplete pair.
                    let mut caps = Vec::new();
                    let mut marks = alt
                        .cells
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| **c == Cell::Mark)
                        .map(|(k, _)| pos.get(k).copied().flatten());
                    while let (Some(Some(a)), Some(Some(z))) = (marks.next(), marks.next()) {
                        if z < a || z > s.len() {
                            return None; // R2.4.3: undefined in C; no match
                        }
                        caps.push(a..z);
                    }
                    return Some((last, caps));
                }
            } else if let Some(last) = run::<FAST>(alt, s, lower, None, hint) {
                return Some((last, Vec::new()));
            }
        }
        None
    }

    /// When every alternative is `^`-anchored with a first token that
    /// fails at once (see [`Alt::first`]): the bytes a matching subject
    /// can start with, as 256 bits (an empty subject never matches).
    pub(crate) fn first_bytes(&self) -> Option<[u64; 4]> {
        self.alts.iter().try_fold([0u64; 4], |acc, a| {
            let f = a.first.filter(|_| a.begin)?;
            Some(std::array::from_fn(|k| acc[k] | f.0[k]))
        })
    }

    pub fn is_match(&self, subject: &[u8]) -> bool {
        self.is_match_lower(subject, None)
    }

    /// [`OsRegex::is_match`] with, optionally, `subject` lower-cased.
    pub(crate) fn is_match_lower(&self, subject: &[u8], lower: Option<Lowered>) -> bool {
        let s = c_str(subject);
        let lower = lower.and_then(|l| l.cut(s.len()));
        self.alts.iter().any(|alt| {
            alt.screen(s, lower)
                .is_some_and(|hint| run::<true>(alt, s, lower, None, hint).is_some())
        })
    }
}

/// The matching algorithm of decoding.md §2.3 for one alternative. `pos` is
/// `Some` in capturing mode; `lower` is `s` lower-cased, when the caller has
/// it. Returns `last` on success (NONE → failure).
///
/// Skipping attempts (issue 8): with a [`Alt::lead`] `(k, run)`, a fresh
/// attempt (p = 0, no pending hand-over, m false) at `j` first passes `k`
/// class tokens that consume one byte each and then compares the run at
/// `j + k`. Where the run is not there the attempt fails before any mark,
/// quantifier or early success (§2.8 row 7 needs m, which only quantified
/// classes set), and leaves the state as it found it except `last` = NONE
/// and `i` = `j + 1` (the restart). So jumping to the next `j` whose
/// `j + k` holds the run, with `last` = NONE when it moved, is the same
/// run; when no such `j` is left, every remaining attempt fails and the
/// end-of-input step (F) fails too, with `p` at an unquantified class
/// token or a literal. A proptest compares with the scanner without the
/// skip (`SKIP` = false turns it off).
fn run<const SKIP: bool>(
    alt: &Alt,
    s: &[u8],
    lower: Option<Lowered>,
    mut pos: Option<&mut [Option<usize>]>,
    found: Option<usize>,
) -> AltResult {
    // Where the lead's run first occurs in `s`, when [`Alt::screen`] found
    // it: the first lead skip (from `k`) lands there when it is not before `k`.
    let mut found = found.filter(|_| alt.lead_is_required);
    let n = s.len();
    let mut p: usize = 0;
    let mut i: usize = 0;
    let mut last: Option<isize> = Some(0);
    let mut m = false;
    let mut restart: Option<usize> = None;
    let mut slots: [Option<(usize, usize)>; 4] = [None; 4];
    let record = |pos: &mut Option<&mut [Option<usize>]>, k: usize, v: usize| {
        if let Some(t) = pos.as_deref_mut() {
            if let Some(e) = t.get_mut(k) {
                *e = Some(v);
            }
        }
    };
    // Safety net only (see module docs); never reached on real inputs.
    let mut budget: u64 = (n as u64 + 1)
        .saturating_mul(alt.cells.len() as u64 + 1)
        .saturating_mul(64)
        .saturating_add(1 << 20);

    'outer: while i < n {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            return None;
        }
        if let (true, Some((k, lead))) = (SKIP, &alt.lead) {
            if p == 0 && !m && slots.iter().all(Option::is_none) {
                let from = (i + k).min(n);
                let low = lower.filter(|l| l.text.len() == n).map(|l| l.from(from));
                let at = match found.take() {
                    Some(p) if i == 0 && p >= from => Some(p - from),
                    _ => lead.find(&s[from..], low),
                };
                match at {
                    Some(at) if at > 0 => {
                        i += at;
                        last = None;
                    }
                    Some(_) => {}
                    None => return None,
                }
            }
        }
        // A fresh attempt at a byte its first token rejects fails there
        // and moves on one byte with `last` = NONE (see [`Alt::first`]);
        // `restart` must be unset, else the failure would go back to it.
        if let (true, false, Some(first)) = (SKIP, alt.begin, &alt.first) {
            if p == 0 && !m && restart.is_none() && slots.iter().all(Option::is_none) {
                let j = s[i..]
                    .iter()
                    .position(|&c| first.has(c))
                    .map_or(n, |k| i + k);
                if j > i {
                    budget = budget.saturating_sub((j - i) as u64);
                    last = None;
                    i = j;
                    continue 'outer;
                }
            }
        }
        let c = s[i];
        let fc = c.to_ascii_lowercase();
        // A. End / mark.
        let mut to_d = false;
        match alt.cell(p) {
            Cell::End => {
                if !alt.end {
                    return last;
                }
                to_d = true;
            }
            Cell::Mark => {
                record(&mut pos, p, i);
                p += 1;
                if alt.cell(p) == Cell::End && !alt.end {
                    return last;
                }
            }
            _ => {}
        }
        if !to_d {
            if alt.cell(p) == Cell::Esc {
                // B. Class token at p.
                let q2 = alt.cell(p + 2);
                if alt.class_matches(p, c) {
                    // B1.
                    if !q2.is_quant() {
                        p += 2;
                        restart.get_or_insert(i);
                        last = Some(i as isize);
                        i += 1;
                        continue 'outer;
                    }
                    if q2 == Cell::Lit(b'*') {
                        m = true;
                    }
                    // Bytes the class takes while the look-ahead fails:
                    // each is one `last = i, i + 1` step (Alt::consume).
                    if SKIP && m {
                        if let Some((_, set)) = alt.consume.iter().find(|(at, _)| *at == p) {
                            let j = set.span_from(s, i);
                            if j > i {
                                budget = budget.saturating_sub((j - i) as u64);
                                last = Some(j as isize - 1);
                                i = j;
                                continue 'outer;
                            }
                        }
                    }
                    if m {
                        // Look ahead at the single next token (R2.6.5).
                        let mut q = p + 3;
                        if alt.cell(q) == Cell::Mark {
                            q += 1;
                        }
                        let k: Option<usize> = match alt.cell(q) {
                            Cell::End => Some(1),
                            Cell::Esc => {
                                if alt.class_matches(q, c) {
                                    Some(if alt.cell(q + 2).is_quant() { 0 } else { 2 })
                                } else {
                                    None
                                }
                            }
                            other => {
                                if other.lit() == Some(fc) {
                                    m = false;
                                    Some(1)
                                } else {
                                    None
                                }
                            }
                        };
                        if let Some(k) = k {
                            if alt.cell(q - 1) == Cell::Mark {
                                let v = if m && k == 1 { i + 1 } else { i };
                                record(&mut pos, q - 1, v);
                            }
                            if alt.cell(q) == Cell::End {
                                // `last` not updated, `p` stays (§2.3 B1).
                                i += 1;
                                continue 'outer;
                            }
                            // R2.6.4: a fifth pending hand-over is not recorded.
                            if let Some(slot) = slots.iter_mut().find(|s| s.is_none()) {
                                *slot = Some((p, i));
                            }
                            p = q + k;
                        }
                    } else {
                        // `+` consuming its first byte.
                        if alt.cell(p + 3) == Cell::Mark {
                            let v = if i + 1 == n { i + 1 } else { i };
                            record(&mut pos, p + 3, v);
                        }
                        m = true;
                    }
                    last = Some(i as isize);
                    i += 1;
                    continue 'outer;
                }
                // B2. The class does not match c.
                if (q2 == Cell::End || alt.cell(p + 3) == Cell::End) && m && last.is_some() {
                    // decoding.md §2.8 row 7: succeeds although tokens remain.
                    last = Some(i as isize);
                    if !alt.end {
                        return last;
                    }
                } else if q2 == Cell::Lit(b'+') && m {
                    p += 3;
                    m = false;
                    continue 'outer;
                } else if q2 == Cell::Lit(b'*') {
                    p += 3;
                    last = Some(i as isize - 1);
                    m = false;
                    continue 'outer;
                }
                m = false;
            } else if alt.cell(p) != Cell::End && alt.cell(p).lit() == Some(fc) {
                // C. Literal.
                p += 1;
                restart.get_or_insert(i);
                last = Some(i as isize);
                i += 1;
                continue 'outer;
            }
        }
        // D. Mismatch.
        if let Some(slot) = slots.iter_mut().rev().find(|s| s.is_some()) {
            if let Some((sp, si)) = slot.take() {
                p = sp;
                i = si + 1;
                continue 'outer;
            }
        }
        if alt.begin {
            return None;
        }
        if let Some(r) = restart.take() {
            i = r;
        }
        p = 0;
        last = None;
        i += 1;
    }

    // E. (capturing mode only)
    if pos.is_some() {
        while !matches!(alt.cell(p), Cell::Mark | Cell::End) {
            if alt.cell(p) == Cell::Esc && alt.cell(p + 2) == Cell::Lit(b'*') {
                p += 3;
            } else {
                break;
            }
        }
        if alt.cell(p) == Cell::Mark {
            record(&mut pos, p, n);
        }
    }
    // F. End of input; increments of p persist (§2.3 F).
    let eop = |p: &mut usize| {
        if alt.cell(*p) == Cell::Mark {
            *p += 1;
        }
        alt.cell(*p) == Cell::End
    };
    if eop(&mut p) {
        return last;
    }
    if alt.cell(p) == Cell::Esc && m {
        p += 2;
        if alt.cell(p).is_quant() {
            p += 1;
            if eop(&mut p) {
                return last;
            }
            if alt.cell(p) == Cell::Esc {
                p += 2;
                if alt.cell(p) == Cell::Lit(b'*') {
                    p += 1;
                    if eop(&mut p) {
                        return last;
                    }
                }
            }
        }
    }
    if alt.cell(p) == Cell::Esc {
        p += 2;
        if alt.cell(p) == Cell::Lit(b'*') {
            p += 1;
            if eop(&mut p) {
                return last;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str) -> OsRegex {
        OsRegex::compile(p).unwrap()
    }
    fn is(p: &str, s: &str) -> bool {
        re(p).is_match(s.as_bytes())
    }
    fn end(p: &str, s: &str) -> Option<isize> {
        re(p).exec(s.as_bytes(), false).map(|(l, _)| l)
    }
    fn end_cap(p: &str, s: &str) -> Option<isize> {
        re(p).exec(s.as_bytes(), true).map(|(l, _)| l)
    }
    fn caps(p: &str, s: &str) -> Option<Vec<String>> {
        re(p).exec(s.as_bytes(), true).map(|(_, c)| {
            c.into_iter()
                .map(|r| String::from_utf8_lossy(&s.as_bytes()[r]).into_owned())
                .collect()
        })
    }
    fn compile_err(p: &str) -> Option<usize> {
        OsRegex::compile(p).err().and_then(|e| e.offset)
    }

    // --- §2.1 lexical rules and errors ---
    #[test]
    fn bad_escapes_are_errors() {
        for p in [
            "\\n", "\\r", "\\b", "\\x41", "\\^", "\\[", "\\{", "\\-", "\\/", "\\\"", "\\*", "\\+",
            "\\?", "\\A", "\\Z", "a\\",
        ] {
            assert!(OsRegex::compile(p).is_err(), "{p}");
        }
        assert_eq!(compile_err("ab\\n"), Some(2));
    }
    #[test]
    fn parenthesis_errors() {
        assert!(OsRegex::compile("((a))").is_err());
        assert!(OsRegex::compile("(a").is_err());
        assert!(OsRegex::compile("a)").is_err());
        assert!(OsRegex::compile(")(").is_err());
        assert!(OsRegex::compile("(a|b)").is_err()); // §2.8 row 11
        assert!(OsRegex::compile("()").is_ok());
        assert_eq!(compile_err("(a|b)"), Some(2));
    }
    #[test]
    fn every_alternative_can_be_end_anchored() {
        // R2.1.6: `$` before `|` anchors that alternative, like the last one.
        assert!(re("^abc$|^x$").is_match(b"abc"));
        assert!(!re("^abc$|^x$").is_match(b"abcd"));
        assert!(!re("abc$|^x$").is_match(b"abc$"));
        assert!(re("a\\$|b").is_match(b"a$"));
        assert!(!re("a\\$|b").is_match(b"a"));
    }
    #[test]
    fn too_long() {
        assert!(OsRegex::compile(&"a".repeat(MAX_PATTERN)).is_ok());
        assert!(OsRegex::compile(&"a".repeat(MAX_PATTERN + 1)).is_err());
    }
    fn class_set(p: &str) -> Vec<u8> {
        let r = re(&format!("^{p}$"));
        (1..=255u8).filter(|&b| r.is_match(&[b])).collect()
    }
    #[test]
    fn class_table_equals_the_rules() {
        for (k, class) in Class::ALL.iter().enumerate() {
            assert_eq!(*class as usize, k);
            for c in 0..=255u8 {
                assert_eq!(class.matches(c), class.by_rule(c), "{class:?} {c}");
            }
        }
    }

    #[test]
    fn class_d() {
        assert_eq!(class_set("\\d"), b"0123456789".to_vec());
    }
    #[test]
    fn class_w() {
        let mut w: Vec<u8> =
            b"-0123456789@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".to_vec();
        w.sort();
        assert_eq!(class_set("\\w"), w);
    }
    #[test]
    fn class_s() {
        assert_eq!(class_set("\\s"), b" ".to_vec());
    }
    #[test]
    fn class_p() {
        let mut p = b"!\"#$%&'()*+,-.:;<=>?[]{}|".to_vec();
        p.sort();
        assert_eq!(p.len(), 25);
        assert_eq!(class_set("\\p"), p);
    }
    #[test]
    fn class_negated() {
        assert_eq!(class_set("\\W").len(), 255 - 65);
        assert!(class_set("\\W").contains(&0xe9));
        assert_eq!(class_set("\\D").len(), 255 - 10);
        assert_eq!(class_set("\\S").len(), 254);
        assert!(class_set("\\S").contains(&b'\t'));
        assert_eq!(class_set("\\.").len(), 255);
    }
    #[test]
    fn class_literal_escapes() {
        assert_eq!(class_set("\\t"), vec![b'\t']);
        assert_eq!(class_set("\\("), vec![b'(']);
        assert_eq!(class_set("\\)"), vec![b')']);
        assert_eq!(class_set("\\\\"), vec![b'\\']);
        assert_eq!(class_set("\\$"), vec![b'$']);
        assert_eq!(class_set("\\|"), vec![b'|']);
        assert_eq!(class_set("\\<"), vec![b'<']);
    }
    #[test]
    fn quantifier_only_after_class() {
        assert!(is("ab+", "xab+"));
        assert!(!is("ab+", "abbb"));
        assert!(is("x*", "x*"));
        assert!(!is("x*", "xx"));
        assert!(is("^\\d++$", "12+"));
    }
    #[test]
    fn anchors() {
        assert!(is("a^b", "a^b"));
        assert!(is("a$b", "xa$b"));
        assert!(is("^$", ""));
        assert!(!is("^$", "x"));
        assert!(is("a\\$", "a$"));
        assert!(!is("a\\$", "a")); // case 446
        assert!(is("x\\\\$", "x\\")); // `\\` then anchor
    }
    #[test]
    fn high_literal_never_matches() {
        // R2.1.9
        assert!(!is("é", "é"));
        assert!(!is("^é$", "é"));
        assert!(!is("日本", "日本"));
        assert!(is("^\\W\\W$", "é"));
    }

    // --- §2.5 end positions ---
    #[test]
    fn end_literal() {
        assert_eq!(end("^abc", "abcdef"), Some(2));
    }
    #[test]
    fn end_literal_space() {
        assert_eq!(end("^abc ", "abc def"), Some(3));
        assert_eq!(end("^\\S+ ", "abc def"), Some(3));
    }
    #[test]
    fn end_quantified_stops_before_end() {
        assert_eq!(end("^\\w+", "abc def"), Some(3));
    }
    #[test]
    fn end_quantified_to_end_of_input() {
        assert_eq!(end("^\\w+", "abc"), Some(0));
    }
    #[test]
    fn end_group() {
        assert_eq!(end_cap("^(\\w+)", "abc def"), Some(0));
        assert_eq!(end_cap("^(\\w+) (\\d+)", "abc 123 x"), Some(4));
    }
    #[test]
    fn end_spaces() {
        assert_eq!(end("^\\w+\\s+", "abc   def"), Some(6));
        assert_eq!(end("^\\w+\\s*", "abc"), Some(2));
    }
    #[test]
    fn end_minus_one() {
        assert_eq!(end("\\d*", "abc"), Some(-1));
    }
    #[test]
    fn end_dot_plus() {
        assert_eq!(end("^\\.+ from", "x from y from z"), Some(5));
    }

    // --- §2.3 F observed cases ---
    #[test]
    fn step_f_cases() {
        assert!(!is("\\w+\\d", "abc"));
        assert!(!is("\\w+\\d", "1"));
        assert!(!is("\\d+\\d", "1"));
        assert!(!is("\\w+\\w", "a"));
        assert!(!is("^\\.\\.\\.$", "ab"));
        assert!(!is("^\\d+\\d\\d$", "12"));
        assert!(is("\\w+\\d\\w*", "abc"));
        assert!(!is("\\w+\\d\\w+", "abc"));
        assert!(!is("^x\\d\\w*", "x"));
    }

    // --- §2.7 ---
    #[test]
    fn cap_slash() {
        assert_eq!(caps("(\\S+)/(\\S+)", "a/b/c").unwrap(), ["a", "b/c"]);
    }
    #[test]
    fn cap_user_from() {
        assert_eq!(
            caps("user (\\S+) from (\\S+)", "user bob from 1.2.3.4 port 22").unwrap(),
            ["bob", "1.2.3.4"]
        );
    }
    #[test]
    fn cap_action() {
        assert_eq!(
            caps("action:\"(\\.*)\";", "action:\"Drop\"; flags:\"4\"; x").unwrap(),
            ["Drop"]
        );
    }
    #[test]
    fn cap_numbering_per_alternative() {
        assert_eq!(caps("x=(\\d+)|y=(\\w+)", "y=abc").unwrap(), ["abc"]);
    }
    /// More cells than the stack buffer of mark positions holds.
    #[test]
    fn cap_long_pattern() {
        let p = "(\\w+) ".repeat(12);
        assert!(re(&p).alts[0].cells.len() > 48);
        let words: Vec<String> = (0..12).map(|k| format!("w{k}")).collect();
        assert_eq!(caps(&p, &(words.join(" ") + " ")), Some(words));
    }

    #[test]
    fn cap_fortigate() {
        assert_eq!(
            caps(
                "type=\"(\\.*)\"|type=(\\.*)\\s|type=(\\.*)$",
                "tz=ART type=attack subtype=\"ips\" spp=4"
            )
            .unwrap(),
            ["ips"]
        );
    }

    // --- §2.8 differences from PCRE ---
    #[test]
    fn row1_dot_literal() {
        assert!(!is("a.c", "abc"));
        assert!(is("a.c", "a.c"));
    }
    #[test]
    fn row2_space_only() {
        assert!(!is("a\\sb", "a\tb"));
        assert!(is("a\\sb", "a b"));
    }
    #[test]
    fn row3_word_class() {
        assert!(is("^\\w+$", "foo-bar@x_y"));
    }
    #[test]
    fn row4_literal_plus() {
        assert!(!is("ab+", "abbb"));
        assert!(is("ab+", "xab+"));
    }
    #[test]
    fn row5_lazy() {
        assert_eq!(caps("(\\S+)/(\\S+)", "a/b/c").unwrap(), ["a", "b/c"]);
    }
    #[test]
    fn row6_adjacent_groups() {
        assert_eq!(caps("(\\d+)(\\w+)", "12ab"), None);
    }
    #[test]
    fn row7_end_of_pattern() {
        assert!(is("\\w+\\d\\dx", "a1b"));
    }
    #[test]
    fn row8_final_plus_matches_nothing() {
        assert_eq!(caps("(\\.*)\\S+", " ").unwrap(), [" "]);
    }
    #[test]
    fn row9_lost_lookahead() {
        assert!(!is("\\.+b ", "abb "));
    }
    #[test]
    fn row10_empty_group() {
        assert!(is("a()b", "a(b"));
        assert!(!is("a()b", "ab"));
    }
    #[test]
    fn row12_lazy_capture() {
        assert_eq!(caps("\\d+(\\w+)", "12ab").unwrap(), ["2ab"]);
    }
    #[test]
    fn row13_compile_errors() {
        assert!(OsRegex::compile("((a))").is_err());
        assert!(OsRegex::compile("\\n").is_err());
        assert!(OsRegex::compile("a\\").is_err());
    }
    #[test]
    fn row14_case_insensitive() {
        assert!(is("ABC", "xabcx"));
        assert!(is("abc", "xABCx"));
    }
    #[test]
    fn row15_empty() {
        assert!(is("", ""));
        assert!(is("", "anything"));
    }
    #[test]
    fn row16_star_lookahead() {
        assert!(!is("^\\s*(\\S+)\\s*:", "ab: x"));
        assert_eq!(caps("^\\s*(\\S+)\\s*:", "ab: x"), None);
    }
    #[test]
    fn row17_four_slots() {
        assert_eq!(
            caps("(\\w+): (\\.+): (\\.+)", "Auth: FAILED :: User: x").unwrap(),
            ["Auth", "FAILED :: User", "x"]
        );
    }
    #[test]
    fn row11_alternatives_in_order() {
        assert_eq!(end("b|a", "ab"), Some(1));
        assert!(is("x|", ""));
        assert!(is("x|", "zzz"));
    }

    // --- tables/patterns decoder captures ---
    #[test]
    fn decoder_captures() {
        assert_eq!(caps("(\\w+) (\\w+)", "abc def").unwrap(), ["abc", "def"]);
        assert_eq!(caps("^(\\S+) (\\S+)$", "a b c"), None);
        assert_eq!(caps("(\\w+)\\d", "abc1").unwrap(), ["abc"]);
        assert_eq!(caps("^(\\.+) (\\.+)$", "a b c").unwrap(), ["a", "b c"]);
        assert_eq!(caps("^(\\.*)x(\\.*)$", "axbxc").unwrap(), ["a", "bxc"]);
        assert_eq!(caps("(a)|(b)", "b").unwrap(), ["b"]);
        assert_eq!(caps("(\\w*)", "abc").unwrap(), ["abc"]);
        assert_eq!(caps("(\\w*)", "").unwrap(), Vec::<String>::new());
    }
    #[test]
    fn nul_ends_subject() {
        assert!(!is("b", "a\0b"));
    }

    /// The prefilter only skips alternatives that cannot match: every
    /// result equals the unfiltered scanner's.
    mod prefilter {
        use super::super::*;
        use crate::pattern::fold::LowerCopy;
        use proptest::prelude::*;

        fn unfiltered(r: &OsRegex, s: &[u8]) -> Option<isize> {
            r.exec_with::<false>(s, None, false, |_| false).map(|m| m.0)
        }

        fn token() -> impl Strategy<Value = &'static str> {
            prop_oneof![
                Just("a"),
                Just("b"),
                Just("A"),
                Just(" "),
                Just("^"),
                Just("$"),
                Just("|"),
                Just("\\w+"),
                Just("\\w*"),
                Just("\\d+"),
                Just("\\s"),
                Just("\\S+"),
                Just("\\.*"),
                Just("\\p"),
                Just("("),
                Just(")"),
                Just(":"),
                Just("é"),
                // Unquantified classes and literal quantifier bytes: the
                // leads that let the scanner skip attempts.
                Just("\\d"),
                Just("\\w"),
                Just("+"),
                Just("ab"),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3000))]
            #[test]
            fn same_results_with_and_without_it(
                pattern in proptest::collection::vec(token(), 0..8),
                subject in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'B'), Just(b'1'), Just(b' '), Just(b':'), Just(b'('), Just(0xc3u8), Just(0u8)], 0..24),
            ) {
                let Ok(r) = OsRegex::compile(&pattern.concat()) else { return Ok(()) };
                prop_assert_eq!(r.is_match(&subject), unfiltered(&r, &subject).is_some());
                prop_assert_eq!(r.exec(&subject, false).map(|m| m.0), unfiltered(&r, &subject));
                // With the subject lower-cased once (the per-event copy).
                let copy = LowerCopy::new(&subject);
                let lower = copy.at(0);
                prop_assert_eq!(r.is_match_lower(&subject, Some(lower)), unfiltered(&r, &subject).is_some());
                prop_assert_eq!(r.exec_lower(&subject, Some(lower), false).map(|m| m.0), unfiltered(&r, &subject));
                // Captures too (marks are recorded while scanning).
                let reference = r.exec_with::<false>(&subject, None, true, |_| false);
                prop_assert_eq!(r.exec(&subject, true), reference.clone());
                prop_assert_eq!(r.exec_lower(&subject, Some(lower), true), reference);
            }
        }

        /// Patterns of the stock decoders whose attempts are skipped, on
        /// subjects where the skip jumps: same end and captures.
        #[test]
        fn skipped_attempts_change_nothing() {
            let cases = [
                (
                    r"\pMachineName\p(\.+)\p/MachineName\p",
                    "<x><MachineName>WAW-1</MachineName><y>",
                ),
                (
                    r#"imei="(\.*)"|imei=(\.*)\s|imei=(\.*)$"#,
                    r#"a="1" imei="35" b=2"#,
                ),
                (r#"imei="(\.*)"|imei=(\.*)\s|imei=(\.*)$"#, "a=1 imei=35"),
                (r"\d\dab(\w+)", "1ab 12ab 123abc"),
                (r"\s+ab", "  ab"),
                (r"\dab", "xxab 9ab"),
                (r"\dab", "xxab 9a"),
                // First-token skips and quantified runs taken at once.
                (r"\d+.\d+.\d+.\d+", "from host-a at 10.0.0.1 port 22"),
                (r"(\w+)=(\S+) ", "a b=c d=e,f g"),
                (r"\S+ \S+ (\d+) ", "GET /a?b=1 200 0 64 12.5"),
                (
                    r"user (\S+) from (\.+) port",
                    "user ROOT from 1.2.3.4 port 9",
                ),
                (r"\w+@\w+", "--- mail to x@y"),
                (r"\.*xyz", "abcxyq xyz"),
            ];
            for (pattern, subject) in cases {
                let r = OsRegex::compile(pattern).unwrap();
                let copy = LowerCopy::new(subject.as_bytes());
                for captures in [false, true] {
                    let reference =
                        r.exec_with::<false>(subject.as_bytes(), None, captures, |_| false);
                    assert_eq!(
                        r.exec(subject.as_bytes(), captures),
                        reference,
                        "{pattern} {subject}"
                    );
                    assert_eq!(
                        r.exec_lower(subject.as_bytes(), Some(copy.at(0)), captures),
                        reference,
                        "{pattern} {subject}"
                    );
                }
            }
            assert_eq!(
                OsRegex::compile(r"\pMachineName\p(\.+)\p/MachineName\p")
                    .unwrap()
                    .alts[0]
                    .lead
                    .as_ref()
                    .map(|(k, run)| (*k, run.bytes().to_vec())),
                Some((1, b"machinename".to_vec()))
            );
            assert!(OsRegex::compile(r"\d+ab").unwrap().alts[0].lead.is_none());
            assert!(OsRegex::compile(r"^ab").unwrap().alts[0].lead.is_none());
        }

        #[test]
        fn runs_and_prefixes() {
            let r = OsRegex::compile("^Failed \\w+ for (\\S+) from|sshd\\d+x: abc").unwrap();
            assert_eq!(
                (r.alts[0].prefix.as_slice(), r.alts[0].required.bytes()),
                (&b"failed "[..], &b"failed "[..])
            );
            assert_eq!(
                (r.alts[1].prefix.as_slice(), r.alts[1].required.bytes()),
                (&b""[..], &b"x: abc"[..])
            );
            assert!(r.is_match(b"FAILED password for root from"));
            assert!(!r.is_match(b"Accepted password for root from"));
        }
    }
}
