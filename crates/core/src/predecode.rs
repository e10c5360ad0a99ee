//! Pre-decoding (phase 1): syslog and other headers, host name, program name
//! (decoding.md §4).
//!
//! OWNER: predecode helper. API contract:
//! - [`predecode`] turns a location and one event message into [`Predecoded`]
//!   exactly as `OS_CleanMSG` does (including the agent location form of
//!   R4.7.1 and the manager host name of R4.7.2).
//! - [`frame_line`] splits one input line into events as the standalone
//!   logtest does (R8.7.1 / R4.1.1: lines shorter than 2 bytes ignored, a NUL
//!   ends the event, lines longer than 65 527 bytes split).

use crate::event::Predecoded;

/// Pre-decodes one message received at `location`.
pub fn predecode(location: &str, message: &str, manager_name: &str) -> Predecoded {
    Predecoded {
        full_log: message.to_string(),
        log: message.to_string(),
        timestamp: None,
        hostname: manager_name.to_string(),
        program_name: None,
        location: location.to_string(),
        agent_id: "000".to_string(),
    }
}

/// The events one input line produces in the standalone logtest.
pub fn frame_line(line: &str) -> Vec<&str> {
    if line.len() < 2 {
        Vec::new()
    } else {
        vec![line]
    }
}
