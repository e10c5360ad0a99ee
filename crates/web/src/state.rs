//! The playground's state: every pane and option, as one serialisable
//! value. It round-trips through a share link (JSON, deflate, URL-safe
//! base64 in the URL fragment, so no server sees it) and localStorage.

use base64::Engine as _;
use rulelab_core::classify::SourceKind;
use rulelab_core::defaults::{self, Example};
use serde::{Deserialize, Serialize};

/// Kind of an uploaded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Decoders,
    Rules,
    List,
}

impl From<SourceKind> for FileKind {
    fn from(k: SourceKind) -> Self {
        match k {
            SourceKind::Decoders => FileKind::Decoders,
            SourceKind::Rules => FileKind::Rules,
            SourceKind::List => FileKind::List,
        }
    }
}

/// An uploaded ruleset file, loaded next to the panes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFile {
    /// Rules and decoders: the path as uploaded; lists: the path rules
    /// name it by (`etc/lists/...`).
    pub path: String,
    pub kind: FileKind,
    pub text: String,
}

/// Everything on the page that a share link reproduces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    /// The example it started from.
    pub example: String,
    pub rules: String,
    pub decoders: String,
    /// The list pane: the path rules use (`etc/lists/NAME`) and its text.
    pub list_name: String,
    pub list: String,
    pub events: String,
    /// The events' location (`wazuh-logtest -l`).
    pub location: String,
    /// Load rulelab's built-in `json` decoder and category templates.
    pub builtin: bool,
    #[serde(default)]
    pub files: Vec<UserFile>,
}

/// Default name of the list pane.
pub const DEFAULT_LIST_NAME: &str = "etc/lists/custom";

impl Workspace {
    pub fn from_example(ex: &Example) -> Workspace {
        let (list_name, list) = ex
            .lists
            .first()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .unwrap_or_else(|| (DEFAULT_LIST_NAME.to_string(), String::new()));
        Workspace {
            example: ex.id.to_string(),
            rules: ex.rules.to_string(),
            decoders: ex.decoders.to_string(),
            list_name,
            list,
            events: ex.events.to_string(),
            location: ex.location.to_string(),
            builtin: true,
            files: Vec::new(),
        }
    }

    /// The default page: the first example (Falco).
    pub fn default_example() -> Workspace {
        Workspace::from_example(&defaults::EXAMPLES[0])
    }
}

/// Prefix of the state in the URL fragment (`#s=...`); the version lets a
/// later format coexist.
const FRAGMENT_PREFIX: &str = "s1=";
/// Decompressed state larger than this is refused (a hostile link).
const MAX_STATE_BYTES: usize = 64 * 1024 * 1024;
/// Links longer than this leave the uploaded files out.
pub const MAX_LINK_CHARS: usize = 200_000;

/// A share fragment (without `#`) and whether uploaded files had to be left out.
pub fn to_fragment(ws: &Workspace) -> (String, bool) {
    let encode = |ws: &Workspace| {
        let json = serde_json::to_vec(ws).unwrap_or_default();
        let packed = miniz_oxide::deflate::compress_to_vec(&json, 9);
        format!(
            "{FRAGMENT_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed)
        )
    };
    let full = encode(ws);
    if full.len() <= MAX_LINK_CHARS || ws.files.is_empty() {
        return (full, false);
    }
    let mut slim = ws.clone();
    slim.files.clear();
    (encode(&slim), true)
}

/// Reads a share fragment (with or without the leading `#`).
pub fn from_fragment(fragment: &str) -> Result<Workspace, String> {
    let data = fragment
        .trim_start_matches('#')
        .strip_prefix(FRAGMENT_PREFIX)
        .ok_or("not a rulelab share link")?;
    let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(data.trim_end_matches('='))
        .map_err(|e| format!("share link is damaged (base64: {e})"))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_STATE_BYTES)
        .map_err(|_| "share link is damaged (compressed data)".to_string())?;
    serde_json::from_slice(&json).map_err(|e| format!("share link is damaged (state: {e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragment_round_trip() {
        let mut ws = Workspace::from_example(defaults::example("json-app").unwrap());
        ws.files.push(UserFile {
            path: "etc/rules/local_rules.xml".into(),
            kind: FileKind::Rules,
            text: "<group name=\"x\">ü</group>".into(),
        });
        let (frag, omitted) = to_fragment(&ws);
        assert!(!omitted);
        assert!(frag.starts_with("s1="));
        assert!(frag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=".contains(&b)));
        assert_eq!(from_fragment(&format!("#{frag}")).unwrap(), ws);
    }

    #[test]
    fn huge_uploads_are_left_out_of_links() {
        let mut ws = Workspace::default_example();
        // Incompressible text.
        let mut x: u64 = 1;
        let text: String = (0..400_000)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                char::from(b'a' + (x >> 59) as u8 % 26)
            })
            .collect();
        ws.files.push(UserFile {
            path: "big.xml".into(),
            kind: FileKind::Rules,
            text,
        });
        let (frag, omitted) = to_fragment(&ws);
        assert!(omitted);
        let back = from_fragment(&frag).unwrap();
        assert!(back.files.is_empty());
        assert_eq!(back.rules, ws.rules);
    }

    #[test]
    fn damaged_links_are_errors() {
        assert!(from_fragment("#nothing").is_err());
        assert!(from_fragment("#s1=!!!").is_err());
        assert!(from_fragment("#s1=AAAA").is_err());
        let (frag, _) = to_fragment(&Workspace::default_example());
        assert!(from_fragment(&frag[..frag.len() / 2]).is_err());
    }
}
