//! The JSON_Decoder plugin (decoding.md §6): flattens one JSON object into
//! (key path, value text) pairs exactly as Wazuh 4.11.1 with cJSON does.
//!
//! OWNER: json helper. API contract: [`decode`] returns the pairs in the
//! order they are assigned; mapping keys to static fields (R6.4) and the
//! dynamic field limit are the caller's job. Malformed input returns an
//! empty list (the decoder still counts as matched, R6.1.2).

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

/// Flattens the first JSON value of `input`.
pub fn decode(input: &str, options: &JsonOptions) -> Vec<(String, String)> {
    let _ = (input, options);
    Vec::new()
}
