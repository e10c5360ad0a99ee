//! `rulelab falco init` and `rulelab falco check`.

use crate::load;
use crate::{FalcoCheckArgs, FalcoInitArgs, FalcoTransportArg};
use rulelab_core::falco::check::{check, check_overrides, expected, CheckRow, OverrideRow};
use rulelab_core::falco::compile::{compile, sources, FileKind};
use rulelab_core::falco::mapping::{LevelSpec, Mapping, MappingFile, Override};
use rulelab_core::falco::{Priority, Transport};
use rulelab_core::{lint, Ruleset};
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

/// The mapping the arguments describe: defaults, then `--from`, then flags.
pub fn mapping(args: &FalcoInitArgs) -> Result<Mapping, String> {
    let mut m = Mapping::default();
    let show = |errs: Vec<rulelab_core::falco::mapping::MappingError>| {
        errs.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    if let Some(path) = &args.from {
        let text = load::read_text(path)?;
        let file: MappingFile = toml::from_str(&text)
            .map_err(|e| format!("{}: error[F004]: {}", path.display(), e.message()))?;
        m.apply(file)
            .map_err(|e| format!("{}: {}", path.display(), show(e)))?;
    }
    let mut f = MappingFile {
        base_id: args.base_id,
        groups: (!args.group.is_empty()).then(|| args.group.clone()),
        description: args.description.clone(),
        field: args.field.clone(),
        value: args.value.clone(),
        transport: args
            .transport
            .map(|t| t.as_transport().as_str().to_string()),
        path: args.path.clone(),
        no_full_log: args.full_log.then_some(false),
        ..MappingFile::default()
    };
    if !args.level.is_empty() {
        let mut levels = std::collections::BTreeMap::new();
        for l in &args.level {
            let (p, v) = l.split_once('=').ok_or_else(|| {
                format!("--level {l:?}: write PRIORITY=LEVEL, e.g. Debug=3 or Debug=none")
            })?;
            let spec = match v.trim().parse::<u32>() {
                Ok(n) => LevelSpec::Level(n),
                Err(_) => LevelSpec::Named(v.trim().to_string()),
            };
            levels.insert(p.trim().to_string(), spec);
        }
        f.levels = Some(levels);
    }
    if !args.r#override.is_empty() {
        let mut overrides = m.overrides.clone();
        for o in &args.r#override {
            let (rule, level) = o.rsplit_once('=').ok_or_else(|| {
                format!("--override {o:?}: write \"FALCO RULE=LEVEL\", e.g. \"Terminal shell in container=10\"")
            })?;
            let level = level
                .trim()
                .parse::<u32>()
                .map_err(|_| format!("--override {o:?}: the level must be a number 0-16"))?;
            overrides.push(Override {
                rule: rule.trim().to_string(),
                level,
                id: None,
                description: None,
                tags: Vec::new(),
            });
        }
        f.overrides = Some(overrides);
    }
    m.apply(f).map_err(show)?;
    m.validate().map_err(show)?;
    Ok(m)
}

pub fn init(args: &FalcoInitArgs) -> Result<ExitCode, String> {
    let m = mapping(args)?;
    let files = compile(&m);

    // Prove it: the files load, lint clean, and every priority reaches
    // the rule and level the mapping says.
    let sources = sources(&files);
    let generated = |name: &str| files.iter().any(|f| f.name == name);
    let findings = lint::lint(&sources, &generated, &lint::LintOptions::default());
    let loaded = Ruleset::load(&sources);
    let Some(ruleset) = loaded.ruleset else {
        return Err("internal error: the generated files do not load".into());
    };
    let rows = check(&ruleset, &m.field, &m.value, &[m.transport]);
    let mismatches: Vec<String> = rows
        .iter()
        .filter(|r| {
            let (id, level) = expected(&m, r.priority);
            (r.rule, r.level) != (Some(id), Some(level))
        })
        .map(|r| r.priority.as_str().to_string())
        .collect();
    let overrides = check_overrides(&ruleset, &m.field, &m.value, &[m.transport]);
    let mut mismatches = mismatches;
    for o in &m.overrides {
        let ok = overrides.iter().any(|r| {
            r.falco_rule == o.rule && r.all_priorities && r.rule == o.id && r.level == Some(o.level)
        });
        if !ok {
            mismatches.push(o.rule.clone());
        }
    }
    if !findings.is_empty() || !mismatches.is_empty() {
        let mut why = String::new();
        for d in &findings {
            let _ = write!(why, "\n  {d}");
        }
        for p in &mismatches {
            let _ = write!(why, "\n  {p} does not reach the rule the mapping gives it");
        }
        return Err(format!(
            "the generated files do not work as the mapping says:{why}\n(please report this: it is a rulelab bug)"
        ));
    }

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let io = |e: std::io::Error| e.to_string();
    if args.stdout {
        for f in &files {
            writeln!(out, "==> {} <==", f.name).map_err(io)?;
            out.write_all(f.text.as_bytes()).map_err(io)?;
            writeln!(out).map_err(io)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("{}: cannot create: {e}", args.out.display()))?;
    let targets: Vec<_> = files.iter().map(|f| args.out.join(&f.name)).collect();
    if !args.force {
        if let Some(p) = targets.iter().find(|p| p.exists()) {
            return Err(format!("{} exists; pass --force to overwrite", p.display()));
        }
    }
    for (f, p) in files.iter().zip(&targets) {
        std::fs::write(p, &f.text).map_err(|e| format!("{}: cannot write: {e}", p.display()))?;
        let where_ = match f.kind {
            FileKind::Rules => "Wazuh manager: /var/ossec/etc/rules/",
            FileKind::Decoders => "Wazuh manager: /var/ossec/etc/decoders/",
            FileKind::Agent => "Wazuh agent: into /var/ossec/etc/ossec.conf",
            FileKind::Falco => "Falco: /etc/falco/config.d/",
        };
        writeln!(out, "wrote {:<40} -> {where_}", p.display()).map_err(io)?;
    }
    writeln!(
        out,
        "verified: the files load, lint clean, and each priority reaches its rule ({} transport):",
        m.transport.as_str()
    )
    .map_err(io)?;
    out.write_all(table(&rows, &[m.transport]).as_bytes())
        .map_err(io)?;
    if !overrides.is_empty() {
        out.write_all(override_table(&overrides, &[m.transport]).as_bytes())
            .map_err(io)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn cell(r: &CheckRow) -> String {
    match (r.rule, r.level) {
        (Some(id), Some(level)) => format!(
            "rule {id} level {level}{}",
            if r.alert { " alert" } else { " no alert" }
        ),
        _ => "no rule: no alert".to_string(),
    }
}

/// The priority × transport table.
fn table(rows: &[CheckRow], transports: &[Transport]) -> String {
    let mut s = String::new();
    let _ = write!(s, "{:<15}", "priority");
    for t in transports {
        let _ = write!(s, "{:<32}", t.as_str());
    }
    s = s.trim_end().to_string();
    s.push('\n');
    for p in Priority::ALL {
        let mut line = format!("{:<15}", p.as_str());
        for &t in transports {
            if let Some(r) = rows.iter().find(|r| r.priority == p && r.transport == t) {
                let _ = write!(line, "{:<32}", cell(r));
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

/// The Falco rule × transport table of the overrides.
fn override_table(rows: &[OverrideRow], transports: &[Transport]) -> String {
    let mut s = String::new();
    let names: Vec<&str> = rows.iter().fold(Vec::new(), |mut v, r| {
        if !v.contains(&r.falco_rule.as_str()) {
            v.push(r.falco_rule.as_str());
        }
        v
    });
    for name in names {
        let mut line = format!("  {name:?}:");
        for &t in transports {
            if let Some(r) = rows
                .iter()
                .find(|r| r.falco_rule == name && r.transport == t)
            {
                let what = match (r.all_priorities, r.rule, r.level) {
                    (true, Some(id), Some(level)) => format!("rule {id} level {level}"),
                    (true, _, _) => "no rule".to_string(),
                    (false, _, _) => "depends on the priority".to_string(),
                };
                let _ = write!(line, " {} {what};", t.as_str());
            }
        }
        s.push_str(line.trim_end_matches(';'));
        s.push('\n');
    }
    s
}

pub fn check_cmd(args: &FalcoCheckArgs) -> Result<ExitCode, String> {
    let mut sources = if args.paths.is_empty() || load::has_ruleset(&args.ruleset) {
        load::sources(&args.ruleset)?
    } else if args.ruleset.no_builtin {
        rulelab_core::Sources::default()
    } else {
        // The paths on the built-in decoders and templates, without the
        // embedded example's own Falco rules.
        rulelab_core::Sources {
            decoders: rulelab_core::defaults::decoder_sources(),
            rules: rulelab_core::defaults::rule_sources(),
            lists: Vec::new(),
        }
    };
    for p in &args.paths {
        crate::lint_cmd::add_path(p, &mut sources)?;
    }
    let loaded = Ruleset::load(&sources);
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for d in &loaded.diagnostics {
        let _ = crate::output::print_diagnostic(d, &sources, &mut err);
    }
    let Some(ruleset) = loaded.ruleset else {
        let _ = writeln!(
            err,
            "error: the ruleset does not load; Wazuh would refuse it too"
        );
        return Ok(ExitCode::from(2));
    };
    let transports: Vec<Transport> = match args.transport {
        None => vec![Transport::Json, Transport::Syslog],
        Some(t) => vec![t.as_transport()],
    };
    let rows = check(&ruleset, &args.field, &args.value, &transports);
    let overrides = check_overrides(&ruleset, &args.field, &args.value, &transports);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let io = |e: std::io::Error| e.to_string();
    if args.json {
        let doc = serde_json::json!({
            "field": args.field,
            "value": args.value,
            "rows": rows,
            "overrides": overrides,
        });
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )
        .map_err(io)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "Falco alerts marked output_fields.{} = {:?}, one per priority:",
        args.field, args.value
    )
    .map_err(io)?;
    out.write_all(table(&rows, &transports).as_bytes())
        .map_err(io)?;
    if !overrides.is_empty() {
        writeln!(out, "Falco rules with their own Wazuh rule (any priority):").map_err(io)?;
        out.write_all(override_table(&overrides, &transports).as_bytes())
            .map_err(io)?;
    }
    for &t in &transports {
        let silent: Vec<&str> = rows
            .iter()
            .filter(|r| r.transport == t && !r.alert)
            .map(|r| r.priority.as_str())
            .collect();
        if silent.is_empty() {
            writeln!(out, "{}: every priority alerts", t.as_str()).map_err(io)?;
        } else {
            writeln!(out, "{}: no alert for {}", t.as_str(), silent.join(", ")).map_err(io)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

impl FalcoTransportArg {
    pub fn as_transport(self) -> Transport {
        match self {
            FalcoTransportArg::Json => Transport::Json,
            FalcoTransportArg::Syslog => Transport::Syslog,
        }
    }
}
