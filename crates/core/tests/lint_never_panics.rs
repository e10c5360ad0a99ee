//! Property test: linting never panics, whatever the rule and decoder files
//! contain (random text, and random sequences of XML-ish tokens that reach
//! deeper into the loader and the checks).

use proptest::prelude::*;
use rulelab_core::lint::{lint, LintOptions};
use rulelab_core::{defaults, Source, Sources};

const TOKENS: &[&str] = &[
    "<group name=\"g,\">",
    "</group>",
    "<rule id=\"100001\" level=\"3\">",
    "<rule id=\"100002\" level=\"0\" frequency=\"3\" timeframe=\"9\">",
    "<rule id=\"1\" level=\"20\" noalert=\"1\">",
    "</rule>",
    "<match>",
    "</match>",
    "<regex>",
    "</regex>",
    "<if_sid>",
    "</if_sid>",
    "<if_matched_sid>",
    "</if_matched_sid>",
    "<if_group>",
    "</if_group>",
    "<decoded_as>",
    "</decoded_as>",
    "<description>",
    "</description>",
    "<field name=\"priority\">",
    "<field name=\"output_fields.wazuh_integration\">",
    "</field>",
    "<list field=\"user\" lookup=\"match_key\">etc/lists/x</list>",
    "<same_source_ip />",
    "<options>no_log</options>",
    "<decoder name=\"d\">",
    "<decoder name=\"e\">",
    "</decoder>",
    "<parent>d</parent>",
    "<prematch>",
    "</prematch>",
    "<program_name>",
    "</program_name>",
    "<order>",
    "</order>",
    "<plugin_decoder>JSON_Decoder</plugin_decoder>",
    "<var name=\"V\">",
    "</var>",
    "$V",
    "$(srcip)",
    "$(x)",
    "100001",
    "json",
    "d",
    "Info",
    "^Critical$",
    "falco",
    "a|",
    "|",
    "||",
    "^",
    "$",
    "\\",
    "\\d+",
    "(\\S+)",
    "(",
    ")",
    "(?<=x)",
    "[",
    "<!--",
    "-->",
    "\"",
    "'",
    "<",
    ">",
    "/>",
    "&",
    "\n",
    " ",
    "\t",
    "é",
    "\u{0}",
    ",",
    "srcip, user",
];

fn sources(rules: String, decoders: String) -> Sources {
    let mut s = Sources {
        decoders: defaults::decoder_sources(),
        rules: defaults::rule_sources(),
        lists: vec![Source::new("etc/lists/x", "a:b\n")],
    };
    s.rules.push(Source::new("local_rules.xml", rules));
    s.decoders.push(Source::new("local_decoder.xml", decoders));
    s
}

fn tokens() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn lint_never_panics_on_token_soup(rules in tokens(), decoders in tokens()) {
        let s = sources(rules, decoders);
        let _ = lint(&s, &|f| f.starts_with("local_"), &LintOptions::default());
    }

    #[test]
    fn lint_never_panics_on_random_text(rules in ".{0,400}", decoders in ".{0,200}") {
        let s = sources(rules, decoders);
        let _ = lint(&s, &|_| true, &LintOptions::default());
    }
}
