//! Pre-decoding (phase 1): syslog and other headers, host name, program name
//! (decoding.md §4).
//!
//! API contract:
//! - [`predecode`] turns a location and one event message into [`Predecoded`]
//!   exactly as `OS_CleanMSG` does (including the agent location form of
//!   R4.7.1 and the manager host name of R4.7.2).
//! - [`frame_line`] splits one input line into events as the standalone
//!   logtest does (R8.7.1 / R4.1.1: lines shorter than 2 bytes ignored, a NUL
//!   ends the event, lines longer than 65 527 bytes split).
//!
//! # Design
//!
//! Wazuh's header parser is a pointer walk over a C string that *writes
//! terminators into a working copy* of the message: the host name, the
//! program name and sometimes `log` itself end where a NUL was stored, and a
//! later read of a field stops at the first NUL after its start. Several
//! observable quirks (the AIX forms of R4.4.7, the `[ID …]` removal past the
//! end of R4.4.6, the ASL entries of R4.5.3) only make sense in that model,
//! so this module reproduces it directly instead of re-deriving every case:
//!
//! * [`Buf`] is the working copy as bytes plus its C terminator and the one
//!   spare byte the C allocation has after it (read as NUL). Every read goes
//!   through [`Buf::at`], which yields 0 past the end, so no input can make the
//!   code index out of bounds; "reading past the end" in C therefore becomes
//!   "reading an empty string", which is what the engine was observed to do.
//! * Fields are start offsets into the buffer; they are turned into text at
//!   the very end by reading up to the next NUL ([`Buf::cstr`]), exactly when
//!   the C code would print them.
//! * The header formats are recognised on a separate byte view ([`Probe`]),
//!   because of the umlaut repair (decoding.md §4.3): the position tests run
//!   on a copy shifted by one byte while the cuts apply to the unshifted text.
//!
//! Everything works on bytes (decoding.md 0.2). Results are `String`s: a cut
//! at a fixed byte position (e.g. the F3d timestamp of 31 bytes) can split a
//! multi-byte UTF-8 sequence; such fields are converted lossily (U+FFFD), the
//! only place where this module is not byte-exact.

use crate::event::Predecoded;

/// Largest number of bytes one `fgets` call of the standalone test mode
/// returns for a line (`OS_MAXSTR - 8 - 1`, decoding.md §8, R8.7.1).
pub const MAX_EVENT_BYTES: usize = 65_527;

/// Size limit of the unescaped location (`OS_SIZE_8192 + OS_SIZE_256 + 3`
/// bytes including the terminator, decoding.md §8).
pub const MAX_LOCATION_BYTES: usize = 8192 + 256 + 2;

/// Why `OS_CleanMSG` rejects an event (it is then dropped with a format
/// error and nothing is decoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredecodeError {
    /// Agent location form `[ID…` without a closing `]` (R4.7.1).
    AgentLocationWithoutBracket,
}

impl std::fmt::Display for PredecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PredecodeError::AgentLocationWithoutBracket => {
                f.write_str("format error: agent location without ']'")
            }
        }
    }
}

impl std::error::Error for PredecodeError {}

use crate::text::lossy;

/// Pre-decodes one message received at `location`.
///
/// For the one input `OS_CleanMSG` rejects (an agent location `[…` without
/// `]`, see [`try_predecode`]) this returns the event as if the location were
/// an ordinary one; callers that must drop such events use [`try_predecode`].
pub fn predecode(location: &str, message: &str, manager_name: &str) -> Predecoded {
    match try_predecode(location, message, manager_name) {
        Ok(p) => p,
        Err(_) => {
            let p = parse_message(message);
            p.finish_local(location_bytes(location), manager_name)
        }
    }
}

/// Pre-decodes one message, or says why Wazuh would drop it.
pub fn try_predecode(
    location: &str,
    message: &str,
    manager_name: &str,
) -> Result<Predecoded, PredecodeError> {
    let loc = location_bytes(location);
    let parsed = parse_message(message);
    if loc.first() == Some(&b'[') {
        parsed.finish_agent(loc)
    } else {
        Ok(parsed.finish_local(loc, manager_name))
    }
}

/// The events one input line produces in the standalone logtest.
///
/// The test mode reads stdin with `fgets` into a buffer that holds
/// [`MAX_EVENT_BYTES`] bytes of the line, so a longer line arrives as several
/// chunks; every chunk ends at its first NUL (C string) and is ignored when
/// shorter than 2 bytes (decoding.md R4.1.1, rules.md R8.7.1, predecode cases
/// 135, 136, 142, 144). A remainder of 0 or 1 byte is thus no event.
///
/// `line` is the line without its LF. Deviation: a chunk boundary that would
/// split a UTF-8 sequence is moved back to the start of that sequence (the
/// result is `&str`); Wazuh splits at the exact byte.
pub fn frame_line(line: &str) -> Vec<&str> {
    let mut events = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let mut cut = rest.len().min(MAX_EVENT_BYTES);
        while cut > 0 && !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if cut == 0 {
            // Cannot happen for valid UTF-8 (a sequence is at most 4 bytes),
            // kept so that the loop always advances.
            cut = rest.len();
        }
        let (chunk, tail) = rest.split_at(cut);
        rest = tail;
        let chunk = match chunk.find('\0') {
            Some(nul) => &chunk[..nul],
            None => chunk,
        };
        if chunk.len() >= 2 {
            events.push(chunk);
        }
    }
    events
}

/// The location after the envelope round trip of R4.1.3/R4.2.1: escaping
/// `|`/`:` and unescaping again is the identity, but the C string ends at a
/// NUL and the unescape buffer truncates (decoding.md §8).
fn location_bytes(location: &str) -> &[u8] {
    let b = location.as_bytes();
    let b = crate::text::c_str(b);
    &b[..b.len().min(MAX_LOCATION_BYTES)]
}

/// The working copy of the message: the message bytes, its terminator and
/// one spare byte (decoding.md R4.4.6: reads just past the end see NUL).
struct Buf {
    bytes: Vec<u8>,
}

impl Buf {
    fn new(message: &[u8]) -> Buf {
        let mut bytes = Vec::with_capacity(message.len() + 2);
        bytes.extend_from_slice(message);
        bytes.push(0);
        bytes.push(0);
        Buf { bytes }
    }

    /// The byte at `i`, NUL past the end.
    fn at(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    /// Stores a terminator at `i` (ignored past the end).
    fn terminate(&mut self, i: usize) {
        if let Some(b) = self.bytes.get_mut(i) {
            *b = 0;
        }
    }

    /// The C string starting at `i`.
    fn cstr(&self, i: usize) -> &[u8] {
        crate::text::c_str(self.bytes.get(i..).unwrap_or(&[]))
    }

    /// `strchr` from `i`: the position of `c` before the next NUL.
    fn find(&self, i: usize, c: u8) -> Option<usize> {
        self.cstr(i).iter().position(|&b| b == c).map(|n| i + n)
    }

    fn starts_with(&self, i: usize, prefix: &[u8]) -> bool {
        self.cstr(i).starts_with(prefix)
    }

    fn text(&self, i: usize) -> String {
        lossy(self.cstr(i))
    }
}

/// The bytes the header formats are tested on (decoding.md §4.3): the
/// message, or after the umlaut repair `"Ma"` followed by the message from
/// byte 3 on. Reads past the end give NUL.
struct Probe<'a> {
    head: &'a [u8],
    tail: &'a [u8],
}

impl Probe<'_> {
    fn at(&self, i: usize) -> u8 {
        if i < self.head.len() {
            self.head[i]
        } else {
            self.tail.get(i - self.head.len()).copied().unwrap_or(0)
        }
    }

    fn digit(&self, i: usize) -> bool {
        self.at(i).is_ascii_digit()
    }

    /// Whether every listed position holds its byte (the fixed-position
    /// tests of decoding.md §4.3).
    fn has(&self, bytes: &[(usize, u8)]) -> bool {
        bytes.iter().all(|&(i, b)| self.at(i) == b)
    }
}

/// decoding.md R4.4.2: `A–Z a–z 0–9 - . _ / @ ( )` (`hostname_map`).
fn is_host_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'/' | b'@' | b'(' | b')')
}

/// The header formats of decoding.md §4.3 that are followed by the host and
/// program name parser.
enum Header {
    /// F1–F5: `log` starts at the offset; timestamp = bytes before it minus one.
    Syslog(usize),
    /// X, SN, SU, AP, SQ: `log` start, timestamp start, timestamp end.
    TimestampOnly(usize, usize, usize),
    /// ASL (R4.5.3).
    Asl,
    None,
}

/// decoding.md §4.3, in table order.
fn recognise(p: &Probe<'_>, len: usize) -> Header {
    let at = |i: usize| p.at(i);
    // F1 `Dec 29 10:00:01 `
    if len >= 17 && p.has(&[(3, b' '), (6, b' '), (9, b':'), (12, b':'), (15, b' ')]) {
        return Header::Syslog(16);
    }
    // F2 `2015-04-16 21:51:02,805 `
    if len >= 24
        && p.has(&[
            (4, b'-'),
            (7, b'-'),
            (10, b' '),
            (13, b':'),
            (16, b':'),
            (19, b','),
        ])
    {
        return Header::Syslog(24);
    }
    // F3 family: one test (decoding.md §4.3 notes): F3d is unconditional
    // once byte 19 is '.'.
    if len >= 33 && p.has(&[(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')]) {
        if at(22) == b':' && at(25) == b' ' {
            return Header::Syslog(26);
        }
        if at(19) == b'.' {
            if at(26) == b':' {
                return Header::Syslog(30);
            }
            if at(29) == b':' {
                return Header::Syslog(33);
            }
            return Header::Syslog(32);
        }
    }
    // F4 `2015 Dec 29 10:00:01 `
    if len >= 21
        && p.digit(0)
        && p.has(&[
            (4, b' '),
            (8, b' '),
            (11, b' '),
            (14, b':'),
            (17, b':'),
            (20, b' '),
        ])
    {
        return Header::Syslog(21);
    }
    // F5 `2021-04-21 10:16:09.404756-0700 `
    if len >= 33
        && p.digit(0)
        && p.has(&[
            (4, b'-'),
            (7, b'-'),
            (10, b' '),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
        ])
        && (at(26) == b'-' || at(26) == b'+')
        && at(31) == b' '
    {
        return Header::Syslog(32);
    }
    // X (xferlog): timestamp bytes 0–23.
    if len >= 28
        && p.has(&[
            (3, b' '),
            (7, b' '),
            (10, b' '),
            (13, b':'),
            (16, b':'),
            (19, b' '),
            (24, b' '),
            (26, b' '),
        ])
    {
        return Header::TimestampOnly(25, 0, 24);
    }
    // SN (snort): timestamp bytes 0–20.
    if len >= 24
        && p.has(&[
            (2, b'/'),
            (5, b'-'),
            (8, b':'),
            (11, b':'),
            (14, b'.'),
            (21, b' '),
        ])
    {
        return Header::TimestampOnly(23, 0, 21);
    }
    // SU (suricata): timestamp bytes 0–25.
    if len >= 26
        && p.has(&[
            (2, b'/'),
            (5, b'/'),
            (10, b'-'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
            (26, b' '),
        ])
    {
        return Header::TimestampOnly(28, 0, 26);
    }
    // AP (apache): timestamp bytes 1–24.
    if len >= 27
        && p.has(&[
            (0, b'['),
            (4, b' '),
            (8, b' '),
            (11, b' '),
            (14, b':'),
            (17, b':'),
            (20, b' '),
            (25, b']'),
        ])
    {
        return Header::TimestampOnly(27, 1, 25);
    }
    // ASL.
    if len >= 26
        && p.has(&[
            (0, b'['),
            (1, b'T'),
            (5, b' '),
            (10, b'.'),
            (13, b'.'),
            (16, b' '),
            (19, b':'),
        ])
    {
        return Header::Asl;
    }
    // SQ (squid): `log` starts after 14 bytes and all following spaces.
    if len >= 32
        && at(0) == b'1'
        && p.digit(1)
        && p.digit(2)
        && p.digit(3)
        && at(10) == b'.'
        && p.digit(13)
        && at(14) == b' '
        && (at(21) == b' ' || at(22) == b' ')
    {
        return Header::TimestampOnly(usize::MAX, 0, 0);
    }
    Header::None
}

/// The result of parsing the message, before the location is applied.
struct Parsed {
    full_log: String,
    buf: Buf,
    log: usize,
    timestamp: Option<usize>,
    hostname: Option<usize>,
    program_name: Option<usize>,
}

impl Parsed {
    fn finish_local(self, location: &[u8], manager_name: &str) -> Predecoded {
        // decoding.md R4.7.2
        let hostname = match self.hostname {
            Some(h) => self.buf.text(h),
            None => manager_name.to_string(),
        };
        self.build(lossy(location), hostname, "000".to_string())
    }

    fn finish_agent(self, location: &[u8]) -> Result<Predecoded, PredecodeError> {
        // decoding.md R4.7.1: `[ID] (NAME) IP->PATH`; the header host name is
        // discarded.
        let rest = location.get(1..).unwrap_or(&[]);
        let close = rest
            .iter()
            .position(|&c| c == b']')
            .ok_or(PredecodeError::AgentLocationWithoutBracket)?;
        let agent_id = String::from_utf8_lossy(&rest[..close]).into_owned();
        // The location starts two bytes after the `]` (empty if nothing follows).
        let loc = rest.get(close + 2..).unwrap_or(&[]);
        let hostname = match loc.split_first() {
            Some((b'(', name)) => match name.iter().position(|&c| c == b')') {
                Some(end) => String::from_utf8_lossy(&name[..end]).into_owned(),
                None => String::new(),
            },
            _ => String::new(),
        };
        Ok(self.build(
            String::from_utf8_lossy(loc).into_owned(),
            hostname,
            agent_id,
        ))
    }

    fn build(self, location: String, hostname: String, agent_id: String) -> Predecoded {
        Predecoded {
            full_log: self.full_log,
            log: self.buf.text(self.log),
            timestamp: self.timestamp.map(|t| self.buf.text(t)),
            hostname,
            program_name: self.program_name.map(|p| self.buf.text(p)),
            location,
            agent_id,
        }
    }
}

/// `OS_CleanMSG` on the message part (decoding.md §4.2–§4.6).
fn parse_message(message: &str) -> Parsed {
    // decoding.md R4.2.2: the message is a C string (a NUL is a char
    // boundary, so the text up to it is still UTF-8: no validation).
    let message = match memchr::memchr(0, message.as_bytes()) {
        Some(n) => message.get(..n).unwrap_or(message),
        None => message,
    };
    let full_log = message.to_string();
    let message = message.as_bytes();
    let len = message.len();
    let mut out = Parsed {
        full_log,
        buf: Buf::new(message),
        log: 0,
        timestamp: None,
        hostname: None,
        program_name: None,
    };

    // decoding.md §4.3 "Umlaut repair": `?ä…` is probed as `Ma…`.
    let probe = if len >= 2 && message.get(1) == Some(&0xC3) && message.get(2) == Some(&0xA4) {
        Probe {
            head: b"Ma",
            tail: message.get(3..).unwrap_or(&[]),
        }
    } else {
        Probe {
            head: &[],
            tail: message,
        }
    };

    match recognise(&probe, len) {
        Header::Syslog(start) => {
            out.timestamp = Some(0);
            out.buf.terminate(start - 1);
            syslog_host_and_program(&mut out, start);
        }
        Header::TimestampOnly(start, ts_start, ts_end) => {
            let start = if start == usize::MAX {
                // SQ: skip 14 bytes, then every space; the byte before `log`
                // ends the timestamp.
                let mut s = 14;
                while out.buf.at(s) == b' ' {
                    s += 1;
                }
                out.buf.terminate(s - 1);
                s
            } else {
                out.buf.terminate(ts_end);
                start
            };
            out.log = start;
            out.timestamp = Some(ts_start);
        }
        Header::Asl => asl(&mut out),
        Header::None => {}
    }
    out
}

/// decoding.md §4.4 (R4.4.1–R4.4.8) after an F1–F5 header.
fn syslog_host_and_program(out: &mut Parsed, start: usize) {
    let buf = &mut out.buf;
    let mut log = start;
    // R4.4.1: at most one extra space.
    if buf.at(log) == b' ' {
        log += 1;
    }
    out.log = log;
    let host = log;
    let mut i = host;
    while is_host_byte(buf.at(i)) {
        i += 1;
    }

    // `pieces` of the C code: where `log` continues when a program name was
    // accepted; None when `log` stays where it is.
    let next: Option<usize>;
    if buf.at(i) == b':' && buf.at(i + 1) == b' ' {
        // R4.4.3 Solaris form: the run is the program name (maybe empty).
        out.program_name = Some(host);
        buf.terminate(i);
        next = Some(i + 2);
    } else if buf.at(i) != b' ' {
        // R4.4.4: no host name, no program name.
        next = None;
    } else {
        // R4.4.5
        out.hostname = Some(host);
        buf.terminate(i);
        let cand = i + 1;
        out.log = cand;
        out.program_name = Some(cand);
        let mut j = cand;
        while is_host_byte(buf.at(j)) {
            j += 1;
        }
        if buf.at(j) == b':' {
            buf.terminate(j);
            j += 1;
            if buf.at(j) == b' ' {
                j += 1;
            }
            next = Some(j);
        } else if buf.at(j) == b'[' && buf.at(j + 1).is_ascii_digit() {
            let bracket = j;
            j += 2;
            while buf.at(j).is_ascii_digit() {
                j += 1;
            }
            if buf.at(j) == b']' && buf.at(j + 1) == b':' {
                buf.terminate(bracket);
                j += 2;
                if buf.at(j) == b' ' {
                    j += 1;
                }
                next = Some(j);
            } else if buf.at(j) == b']' && buf.at(j + 1) == b' ' {
                buf.terminate(bracket);
                next = Some(j + 2);
            } else {
                // Rejected: the candidate stays unmodified (`sshd[12a]: x`).
                out.program_name = None;
                next = None;
            }
        } else if buf.at(j) == b'|' && buf.at(j + 1).is_ascii_lowercase() {
            next = aix(buf, &mut out.program_name, j);
        } else {
            out.program_name = None;
            next = None;
        }
    }

    if let Some(p) = next {
        out.log = p;
        // R4.4.6 `[ID …]` removal: `log` starts two bytes after the `]`,
        // whatever they are (past the end reads as empty, case 25).
        if buf.starts_with(p, b"[ID ") {
            if let Some(close) = buf.find(p + 4, b']') {
                out.log = close + 2;
            }
        }
    }
}

/// decoding.md R4.4.7, AIX form; `j` is at the `|`. Returns where `log`
/// continues, or None when it stays at the candidate.
fn aix(buf: &mut Buf, program_name: &mut Option<usize>, j: usize) -> Option<usize> {
    let mut j = j + 2;
    while buf.at(j).is_ascii_alphanumeric() {
        j += 1;
    }
    if buf.at(j) != b':' {
        *program_name = None;
        return None;
    }
    j += 1;
    while buf.at(j).is_ascii_alphanumeric() {
        j += 1;
    }
    if buf.at(j) != b' ' {
        *program_name = None;
        return None;
    }
    j += 1;
    *program_name = Some(j);
    while is_host_byte(buf.at(j)) {
        j += 1;
    }
    if buf.at(j) == b':' && buf.at(j + 1) == b' ' {
        buf.terminate(j);
        Some(j + 2)
    } else if buf.at(j) == b'[' && buf.at(j + 1).is_ascii_digit() {
        // The `[` is terminated even when the rest does not fit: the program
        // name is kept and `log` (at the candidate) is cut there.
        buf.terminate(j);
        j += 2;
        while buf.at(j).is_ascii_digit() {
            j += 1;
        }
        if buf.at(j) == b']' && buf.at(j + 1) == b':' && buf.at(j + 2) == b' ' {
            Some(j + 3)
        } else {
            None
        }
    } else {
        // Nothing is terminated: the program name runs to the end of the
        // line and `log` starts at this byte.
        Some(j)
    }
}

/// decoding.md R4.5.3, the Apple System Log form.
fn asl(out: &mut Parsed) {
    let buf = &mut out.buf;
    out.log = 25;
    let mut done_message = false;
    let mut cur = buf.find(25, b'[');
    while let Some(open) = cur {
        let mut i = open + 1;
        if out.program_name.is_none() && buf.starts_with(i, b"Sender ") {
            i += 7;
            out.program_name = Some(i);
            match buf.find(i, b']') {
                Some(close) => {
                    buf.terminate(close);
                    i = close + 1;
                }
                None => {
                    out.program_name = None;
                    break;
                }
            }
        } else if !done_message && buf.starts_with(i, b"Message ") {
            i += 8;
            done_message = true;
            out.log = i;
            match buf.find(i, b']') {
                Some(close) => {
                    buf.terminate(close);
                    i = close + 1;
                }
                None => break,
            }
        } else if buf.starts_with(i, b"Host ") {
            i += 5;
            out.hostname = Some(i);
            match buf.find(i, b']') {
                Some(close) => buf.terminate(close),
                None => out.hostname = None,
            }
            break;
        }
        cur = buf.find(i, b'[');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pd(msg: &str) -> (Option<String>, String, Option<String>, String) {
        let p = predecode("stdin", msg, "MGR");
        assert_eq!(p.full_log, msg.split('\0').next().unwrap_or(""));
        (p.timestamp, p.hostname, p.program_name, p.log)
    }

    fn check(msg: &str, ts: Option<&str>, host: &str, prog: Option<&str>, log: &str) {
        let got = pd(msg);
        assert_eq!(
            got,
            (
                ts.map(str::to_string),
                host.to_string(),
                prog.map(str::to_string),
                log.to_string()
            ),
            "message {msg:?}"
        );
    }

    const T: Option<&str> = Some("Dec 29 10:00:01");

    // decoding.md §4.9, every row.
    #[test]
    fn worked_examples_4_9() {
        check(
            r#"Feb 28 13:14:04 ip-10-0-3-249 falco: {"rule":"x"}"#,
            Some("Feb 28 13:14:04"),
            "ip-10-0-3-249",
            Some("falco"),
            r#"{"rule":"x"}"#,
        );
        check(r#"{"rule":"x"}"#, None, "MGR", None, r#"{"rule":"x"}"#);
        check(
            "Dec 29 10:00:01 host sshd[1234]: Accepted password",
            T,
            "host",
            Some("sshd"),
            "Accepted password",
        );
        check(
            "Dec 29 10:00:01 host sshd[1234] Accepted password",
            T,
            "host",
            Some("sshd"),
            "Accepted password",
        );
        check(
            "Dec 29 10:00:01 host sshd:Accepted",
            T,
            "host",
            Some("sshd"),
            "Accepted",
        );
        check("Dec 29 10:00:01 sshd: msg", T, "MGR", Some("sshd"), "msg");
        check("Dec 29 10:00:01 : x", T, "MGR", Some(""), "x");
        check(
            "Dec 29 10:00:01 [host] prog: x",
            T,
            "MGR",
            None,
            "[host] prog: x",
        );
        check("Dec 29 10:00:01 host prog[1]:", T, "host", Some("prog"), "");
        check(
            "2015 Dec 29 10:00:01 host prog: x",
            Some("2015 Dec 29 10:00:01"),
            "host",
            Some("prog"),
            "x",
        );
        check(
            "2007-06-14T15:48:55-04:00 host prog: x",
            Some("2007-06-14T15:48:55-04:00"),
            "host",
            Some("prog"),
            "x",
        );
        check(
            "2023-01-01T00:00:00Z host prog: msg",
            None,
            "MGR",
            None,
            "2023-01-01T00:00:00Z host prog: msg",
        );
        check(
            "abc de fg:hi:jk host prog: x",
            Some("abc de fg:hi:jk"),
            "host",
            Some("prog"),
            "x",
        );
        check(
            "01/28-09:13:16.240702  [**] [1:2:3] x",
            Some("01/28-09:13:16.240702"),
            "MGR",
            None,
            "[**] [1:2:3] x",
        );
        check(
            "Mon Apr 17 18:27:14 2006 1 64.160.42.130 x",
            Some("Mon Apr 17 18:27:14 2006"),
            "MGR",
            None,
            "1 64.160.42.130 x",
        );
    }

    // Examples given in the text of §4.3–§4.5.
    #[test]
    fn text_examples() {
        check(
            "2023-01-01T00:00:00.000Z host prog: msg",
            Some("2023-01-01T00:00:00.000Z host p"),
            "MGR",
            Some("og"),
            "msg",
        );
        check(
            "1140804070.368  11623 10.0.0.1 TCP_MISS/200 1234 GET",
            Some("1140804070.368 "),
            "MGR",
            None,
            "11623 10.0.0.1 TCP_MISS/200 1234 GET",
        );
        check(
            "Mär 02 17:30:52 host prog: msg",
            Some("Mär 02 17:30:5"),
            "host",
            Some("prog"),
            "msg",
        );
        check(
            "Dec 29 10:00:01  host prog: x",
            T,
            "host",
            Some("prog"),
            "x",
        );
        check(
            "Dec 29 10:00:01   host prog: x",
            T,
            "",
            None,
            "host prog: x",
        );
        check(r#"Dec 29 10:00:01 {"a":1}"#, T, "MGR", None, r#"{"a":1}"#);
        check("Dec 29 10:00:01 host", T, "MGR", None, "host");
        check(
            "Dec 29 10:00:01 host prog:msg",
            T,
            "host",
            Some("prog"),
            "msg",
        );
        check(
            "Dec 29 10:00:01 host prog:  msg",
            T,
            "host",
            Some("prog"),
            " msg",
        );
        check(
            "Dec 29 10:00:01 host sshd[12a]: x",
            T,
            "host",
            None,
            "sshd[12a]: x",
        );
        check(
            "Dec  9 10:00:01 host some text here",
            Some("Dec  9 10:00:01"),
            "host",
            None,
            "some text here",
        );
        check("Dec 29 10:00:01 host  prog: x", T, "host", None, " prog: x");
        check("Dec 29 10:00:01 host : x", T, "host", Some(""), "x");
        check("Dec 29 10:00:01 host [1]: x", T, "host", Some(""), "x");
        check(
            "Dec 29 10:00:01 host kernel: [ID 702911 auth.notice] msg",
            T,
            "host",
            Some("kernel"),
            "msg",
        );
        check(
            "Dec 29 10:00:01 host prog: [ID 1 a.b]",
            T,
            "host",
            Some("prog"),
            "",
        );
        check(
            "Dec 29 10:00:01 host su|auth:info sshd[1]: msg",
            T,
            "host",
            Some("sshd"),
            "msg",
        );
        check(
            "Dec 29 10:00:01 host auth|security:info sshd:Failed x",
            T,
            "host",
            Some("sshd:Failed x"),
            ":Failed x",
        );
        check(
            "Dec 29 10:00:01 host auth|security:info sshd[1]:x",
            T,
            "host",
            Some("sshd"),
            "auth|security:info sshd",
        );
        check(
            "[Fri Dec 13 06:59:54 2013] [error] [client 1.2.3.4] PHP Notice:",
            Some("Fri Dec 13 06:59:54 2013"),
            "MGR",
            None,
            "[error] [client 1.2.3.4] PHP Notice:",
        );
        check(
            "[Time 2006.12.28 15:53:55 UTC] [Facility auth] [Sender sshd] [Message m] [Host H]",
            None,
            "H",
            Some("sshd"),
            "m",
        );
        check(
            "Dec 29 10:00:01 host prog: a\0b",
            T,
            "host",
            Some("prog"),
            "a",
        );
    }

    #[test]
    fn agent_location() {
        let p = predecode(
            "[001] (web1) 10.0.0.1->/var/log/syslog",
            "Dec 29 10:00:01 host p: x",
            "MGR",
        );
        assert_eq!(p.agent_id, "001");
        assert_eq!(p.location, "(web1) 10.0.0.1->/var/log/syslog");
        assert_eq!(p.hostname, "web1");
        assert_eq!(p.program_name.as_deref(), Some("p"));
        let p = predecode("[002]", "x y", "MGR");
        assert_eq!(
            (
                p.agent_id.as_str(),
                p.location.as_str(),
                p.hostname.as_str()
            ),
            ("002", "", "")
        );
        let p = predecode("[003] (noclose", "x y", "MGR");
        assert_eq!((p.location.as_str(), p.hostname.as_str()), ("(noclose", ""));
        let p = predecode("[004] host->x", "x y", "MGR");
        assert_eq!(p.hostname, "");
        assert!(try_predecode("[005", "x y", "MGR").is_err());
        let p = predecode("/var/log/x", "x y", "MGR");
        assert_eq!((p.agent_id.as_str(), p.hostname.as_str()), ("000", "MGR"));
    }

    #[test]
    fn framing() {
        assert!(frame_line("").is_empty());
        assert!(frame_line("a").is_empty());
        assert_eq!(frame_line("ab"), vec!["ab"]);
        assert_eq!(frame_line("ab\0cd"), vec!["ab"]);
        assert!(frame_line("a\0cd").is_empty());
        let long = "a".repeat(MAX_EVENT_BYTES + 1);
        assert_eq!(frame_line(&long).len(), 1);
        let long = "a".repeat(MAX_EVENT_BYTES + 2);
        let ev = frame_line(&long);
        assert_eq!(
            (ev.len(), ev[0].len(), ev[1].len()),
            (2, MAX_EVENT_BYTES, 2)
        );
    }

    #[test]
    fn no_panic_on_odd_inputs() {
        for msg in [
            "",
            "ä",
            "Mä",
            "xä",
            "Mär",
            "[ID ",
            "Dec 29 10:00:01 h p: [ID ]",
            "Dec 29 10:00:01 h a|b:",
            "Dec 29 10:00:01 h a|b:c d[1",
            "[Time 2006.12.28 15:53:55 UTC] [Sender x",
            "[Time 2006.12.28 15:53:55 UTC] [Message x",
            "[Time 2006.12.28 15:53:55 UTC] [Host x",
            "2024-01-01T10:00:00.123Zé host prög: msg",
            "1140804070.368                   ",
        ] {
            let _ = predecode("stdin", msg, "MGR");
            let _ = predecode("[", msg, "MGR");
        }
    }

    /// No panic on arbitrary header-like inputs (deterministic pseudo-random).
    #[test]
    fn no_panic_fuzz() {
        let alphabet: Vec<char> = "Dec 10 01:02:02 2015-04-16T21:51:02.805+00:00 h p[1]|a:b [ID ] [Time Sender Message Host ]\u{e4}\u{c3}é\0"
            .chars()
            .collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let len = (seed >> 58) as usize;
            let prefixes = [
                "",
                "Dec 10 01:02:02 ",
                "Dec 10 01:02:02 host ",
                "2015-04-16T21:51:02.805+00:00 ",
                "[Time 2006.12.28 15:53:55 UTC] ",
                "M\u{e4}r 02 17:30:52 ",
                "1140804070.368  11623 ",
                "01/28-09:13:16.240702  ",
            ];
            let mut s = String::from(prefixes[(seed >> 40) as usize % prefixes.len()]);
            for _ in 0..len {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                s.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            let _ = predecode("stdin", &s, "MGR");
            let _ = predecode(&s, &s, "MGR");
            let _ = frame_line(&s);
        }
    }
}
