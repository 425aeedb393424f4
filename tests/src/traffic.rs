//! LLMjacking evaluation: a deterministic generator of CloudTrail traffic (a month of benign
//! Bedrock use by applications, developers and legacy IAM users, with six attack scenarios
//! injected) and the evaluator that scores `aidr scan` findings against those scenarios
//! (detection, latency, benign false-positive rate).
//!
//! CLIs: `examples/llmjacking_traffic.rs` (generate) and `examples/llmjacking_report.rs`
//! (evaluate); `scripts/evaluate-llmjacking` runs both around `aidr scan`.
//!
//! The same seed gives byte-identical output: one seeded PRNG (SplitMix64) with an independent
//! stream per actor, ordered maps only, and event ids from a counter through a bijection (unique
//! by construction).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------------------------

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64: small, fast, the same sequence on every platform.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for one part of the world (`label`, `n`), so that changing one
    /// actor does not shift the traffic of the others.
    pub fn derive(seed: u64, label: &str, n: u64) -> Rng {
        let mut h = 0xcbf2_9ce4_8422_2325u64; // FNV-1a
        for b in label.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(mix64(seed ^ mix64(h ^ mix64(n.wrapping_add(GOLDEN)))))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix64(self.0)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, n) (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in [lo, hi], both included.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as u64) as i64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Poisson-distributed count with mean `lambda` (normal approximation above 40).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda > 40.0 {
            return (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u64;
        }
        let limit = (-lambda).exp();
        let (mut k, mut p) = (0, 1.0);
        loop {
            p *= self.unit();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// The first item with probability `p_first`, otherwise any of the others.
    fn pick_weighted<T: Copy>(&mut self, items: &[T], p_first: f64) -> T {
        if items.len() == 1 || self.chance(p_first) {
            items[0]
        } else {
            items[1 + self.below(items.len() as u64 - 1) as usize]
        }
    }

    fn token(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| char::from(self.pick(alphabet))).collect()
    }

    fn hex(&mut self, n: usize) -> String {
        self.token(b"0123456789abcdef", n)
    }

    fn uuid(&mut self) -> String {
        uuid_string(self.next_u64(), self.next_u64())
    }
}

/// A version-4 UUID from 128 bits (version and variant bits overwritten).
fn uuid_string(hi: u64, lo: u64) -> String {
    let hi = (hi & !0xF000) | 0x4000;
    let lo = (lo & !(0b11 << 62)) | (0b10 << 62);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

/// Event ids: the low 62 random bits of the UUID are a bijection of a counter, so ids are
/// unique by construction; the high bits come from the PRNG.
struct EventIds {
    next: u64,
    salt: u64,
    rng: Rng,
}

const MASK62: u64 = (1 << 62) - 1;

/// A bijection on 62-bit integers (xorshifts and odd multiplications modulo 2^62).
fn mix62(mut x: u64) -> u64 {
    x &= MASK62;
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9) & MASK62;
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB) & MASK62;
    x ^ (x >> 29)
}

impl EventIds {
    fn new(seed: u64) -> EventIds {
        EventIds {
            next: 0,
            salt: mix64(seed) & MASK62,
            rng: Rng::derive(seed, "event-ids", 0),
        }
    }

    fn next_id(&mut self) -> String {
        let unique = mix62(self.next ^ self.salt);
        self.next += 1;
        uuid_string(self.rng.next_u64(), unique)
    }
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

/// `YYYY-MM-DDTHH:MM:SSZ`, as CloudTrail writes `eventTime`.
pub fn format_time(t: i64) -> String {
    aidr_engine::time::format_secs(t)
}

/// Appends `format_time(t)` to `out`.
fn push_time(out: &mut String, t: i64) {
    out.push_str(&format_time(t));
}

/// Seconds since the epoch of a CloudTrail time (`2026-03-01T10:00:00Z`, fraction allowed).
pub fn parse_time(s: &str) -> Option<i64> {
    aidr_engine::time::parse_millis(s).map(|ms| ms.div_euclid(1000))
}

/// 2026-03-01T00:00:00Z, the first second of the generated traffic.
pub fn start_time() -> i64 {
    aidr_engine::time::days_from_civil(2026, 3, 1) * 86_400
}

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

// ---------------------------------------------------------------------------------------------
// The world: accounts, regions, models, identities
// ---------------------------------------------------------------------------------------------

pub const ACCOUNT_A: &str = "111122223333";
pub const ACCOUNT_B: &str = "444455556666";

const USE1: &str = "us-east-1";
const USW2: &str = "us-west-2";
const EUW1: &str = "eu-west-1";
const EUC1: &str = "eu-central-1";

const CLAUDE_35_SONNET: &str = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const CLAUDE_35_SONNET_V2: &str = "anthropic.claude-3-5-sonnet-20241022-v2:0";
const CLAUDE_37: &str = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
const CLAUDE_HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const CLAUDE_35_HAIKU: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";
const CLAUDE_OPUS: &str = "anthropic.claude-3-opus-20240229-v1:0";
const CLAUDE_SONNET_4: &str = "us.anthropic.claude-sonnet-4-20250514-v1:0";
const TITAN_EMBED: &str = "amazon.titan-embed-text-v2:0";
const NOVA_LITE: &str = "amazon.nova-lite-v1:0";
const NOVA_PRO: &str = "amazon.nova-pro-v1:0";
const NOVA_MICRO: &str = "amazon.nova-micro-v1:0";
const LLAMA_70B: &str = "meta.llama3-1-70b-instruct-v1:0";
const LLAMA_11B: &str = "meta.llama3-2-11b-instruct-v1:0";
const MISTRAL_LARGE: &str = "mistral.mistral-large-2407-v1:0";
const COHERE_EMBED: &str = "cohere.embed-english-v3";
const COHERE_R_PLUS: &str = "cohere.command-r-plus-v1:0";
const DEEPSEEK_R1: &str = "us.deepseek.r1-v1:0";

/// Models developers pick from.
const DEV_MODELS: &[&str] = &[
    CLAUDE_35_SONNET_V2,
    CLAUDE_HAIKU,
    CLAUDE_37,
    CLAUDE_35_HAIKU,
    NOVA_PRO,
    NOVA_LITE,
    NOVA_MICRO,
    LLAMA_70B,
    LLAMA_11B,
    MISTRAL_LARGE,
    TITAN_EMBED,
    COHERE_R_PLUS,
    DEEPSEEK_R1,
    CLAUDE_SONNET_4,
];

const UA_BOTO3_APP: &str = "Boto3/1.35.40 md/Botocore#1.35.40 ua/2.0 os/linux#5.10.227-219.884.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.40";
const UA_JS_APP: &str = "aws-sdk-js/3.687.0 ua/2.1 os/linux#5.10.227-239.884.amzn2.x86_64 lang/js md/nodejs#20.18.0 api/bedrock-runtime#3.687.0 m/E";
const UA_JAVA_APP: &str = "aws-sdk-java/2.29.6 Linux/5.10.227-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy";
const UA_GO_APP: &str =
    "aws-sdk-go-v2/1.32.4 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/bedrockruntime#1.22.0 m/E";
const DEV_UAS: &[&str] = &[
    "Boto3/1.35.54 md/Botocore#1.35.54 ua/2.0 os/macos#23.6.0 md/arch#arm64 lang/python#3.11.10 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.54",
    "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.8.0-1017-aws md/arch#x86_64 lang/python#3.12.5 md/pyimpl#CPython exec-env#AmazonSageMakerNotebook cfg/retry-mode#legacy Botocore/1.35.36",
    "aws-cli/2.18.14 md/awscrt#0.22.0 ua/2.0 os/macos#24.0.0 md/arch#arm64 lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#bedrock-runtime.converse",
    "Boto3/1.35.54 md/Botocore#1.35.54 ua/2.0 os/windows#10 md/arch#amd64 lang/python#3.12.4 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.54 langchain-aws/0.2.6",
];
const UA_LEGACY_BATCH: &str = "Boto3/1.26.137 Python/3.8.10 Linux/5.4.0-1103-aws Botocore/1.29.137";
const UA_LEGACY_CI: &str = "aws-cli/2.13.25 Python/3.11.5 Linux/5.15.0-1047-azure exe/x86_64.ubuntu.22 prompt/off command/bedrock-runtime.converse";
const UA_LEGACY_REPORT: &str = "aws-sdk-java/1.12.560 Linux/4.14.355-275.582.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/11.0.21+9-LTS java/11.0.21 vendor/Amazon.com_Inc.";
const UA_ATTACK_PY: &str = "Boto3/1.34.162 md/Botocore#1.34.162 ua/2.0 os/linux#5.15.0-113-generic md/arch#x86_64 lang/python#3.10.12 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.162";
const UA_ATTACK_JS: &str =
    "aws-sdk-js/3.575.0 ua/2.1 os/linux#6.5.0-1020-aws lang/js md/nodejs#20.12.2 api/bedrock-runtime#3.575.0 m/E";
const UA_ATTACK_CLI: &str = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-aws exe/x86_64.ubuntu.22 prompt/off command/bedrock.list-foundation-models";

const KEY_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// One caller as CloudTrail shows it: a user with a key, or a role session.
#[derive(Debug)]
pub struct Ident {
    pub account: &'static str,
    /// `userIdentity.arn` (the session ARN for assumed roles).
    pub arn: String,
    pub key: String,
    /// Index of the logical principal (application role, developer, IAM user).
    owner: usize,
    /// `userIdentity`, rendered once.
    json: String,
}

fn access_key(rng: &mut Rng, prefix: &str) -> String {
    format!("{prefix}{}", rng.token(KEY_CHARS, 16))
}

/// A stable IAM unique id (`AIDA…`, `AROA…`) for a name.
fn unique_id(seed: u64, prefix: &str, name: &str) -> String {
    format!("{prefix}{}", Rng::derive(seed, name, 0).token(ID_CHARS, 17))
}

fn iam_user(account: &'static str, name: &str, principal_id: &str, key: String, owner: usize) -> Ident {
    let arn = format!("arn:aws:iam::{account}:user/{name}");
    let json = format!(
        r#"{{"type":"IAMUser","principalId":"{principal_id}","arn":"{arn}","accountId":"{account}","accessKeyId":"{key}","userName":"{name}"}}"#
    );
    Ident {
        account,
        arn,
        key,
        owner,
        json,
    }
}

/// A role and its path: `("service-role/", "orders-summarizer")`.
struct Role {
    account: &'static str,
    path: String,
    name: String,
    id: String,
}

impl Role {
    fn session(&self, session: &str, key: String, created: i64, mfa: bool, owner: usize) -> Ident {
        let (account, name) = (self.account, &self.name);
        let arn = format!("arn:aws:sts::{account}:assumed-role/{name}/{session}");
        let mut json = String::with_capacity(600);
        let _ = write!(
            json,
            r#"{{"type":"AssumedRole","principalId":"{id}:{session}","arn":"{arn}","accountId":"{account}","accessKeyId":"{key}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"{id}","arn":"arn:aws:iam::{account}:role/{path}{name}","accountId":"{account}","userName":"{name}"}},"webIdFederationData":{{}},"attributes":{{"creationDate":""#,
            id = self.id,
            path = self.path,
        );
        push_time(&mut json, created);
        let _ = write!(json, r#"","mfaAuthenticated":"{mfa}"}}}}}}"#);
        Ident {
            account,
            arn,
            key,
            owner,
            json,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// A malformed request body.
    Validation,
    /// No IAM permission.
    Denied,
    /// The model is not enabled in the account.
    NotEnabled,
    Throttled,
}

/// One API call, before it gets its ids and is rendered.
#[derive(Debug, Clone)]
struct Ev {
    time: i64,
    who: Rc<Ident>,
    region: &'static str,
    name: &'static str,
    /// The model id, or for ListFoundationModels the provider filter.
    arg: Option<&'static str>,
    failure: Option<Failure>,
    ip: [u8; 4],
    ua: &'static str,
    /// Index into the scenario list for attacker events.
    scenario: Option<usize>,
}

const INVOKE: &str = "InvokeModel";
const INVOKE_STREAM: &str = "InvokeModelWithResponseStream";
const CONVERSE: &str = "Converse";
const CONVERSE_STREAM: &str = "ConverseStream";
const LIST_MODELS: &str = "ListFoundationModels";
const AVAILABILITY: &str = "GetFoundationModelAvailability";
const GET_LOGGING: &str = "GetModelInvocationLoggingConfiguration";
const DELETE_LOGGING: &str = "DeleteModelInvocationLoggingConfiguration";
const USE_CASE: &str = "PutUseCaseForModelAccess";
const OFFERS: &str = "ListFoundationModelAgreementOffers";
const AGREEMENT: &str = "CreateFoundationModelAgreement";
const ENTITLEMENT: &str = "PutFoundationModelEntitlement";

fn is_runtime(name: &str) -> bool {
    matches!(name, INVOKE | INVOKE_STREAM | CONVERSE | CONVERSE_STREAM)
}

fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Ev {
    /// Appends the CloudTrail record (one line of JSON) to `out`.
    fn render(&self, event_id: &str, request_id: &str, out: &mut String) {
        let [a, b, c, d] = self.ip;
        out.push_str(r#"{"eventVersion":"1.09","userIdentity":"#);
        out.push_str(&self.who.json);
        out.push_str(r#","eventTime":""#);
        push_time(out, self.time);
        let _ = write!(
            out,
            r#"","eventSource":"bedrock.amazonaws.com","eventName":"{}","awsRegion":"{}","sourceIPAddress":"{a}.{b}.{c}.{d}","userAgent":"#,
            self.name, self.region
        );
        push_json_str(out, self.ua);
        if let Some(failure) = self.failure {
            let (code, message) = self.error(failure);
            let _ = write!(out, r#","errorCode":"{code}","errorMessage":"#);
            push_json_str(out, &message);
        }
        out.push_str(r#","requestParameters":"#);
        let arg = self.arg.unwrap_or("");
        match self.name {
            USE_CASE => out.push_str(r#"{"formData":"HIDDEN_DUE_TO_SECURITY_REASONS"}"#),
            AGREEMENT => {
                let _ = write!(
                    out,
                    r#"{{"modelId":"{arg}","offerToken":"HIDDEN_DUE_TO_SECURITY_REASONS"}}"#
                );
            }
            LIST_MODELS if self.arg.is_some() => {
                let _ = write!(out, r#"{{"byProvider":"{arg}"}}"#);
            }
            LIST_MODELS | GET_LOGGING | DELETE_LOGGING => out.push_str("null"),
            _ => {
                let _ = write!(out, r#"{{"modelId":"{arg}"}}"#);
            }
        }
        out.push_str(r#","responseElements":"#);
        match (self.name, self.failure) {
            (AGREEMENT, None) => {
                let _ = write!(out, r#"{{"modelId":"{arg}"}}"#);
            }
            (ENTITLEMENT, None) => out.push_str(r#"{"status":"SUCCESS"}"#),
            _ => out.push_str("null"),
        }
        let read_only = !matches!(self.name, USE_CASE | AGREEMENT | ENTITLEMENT | DELETE_LOGGING);
        let host = if is_runtime(self.name) {
            "bedrock-runtime"
        } else {
            "bedrock"
        };
        let _ = write!(
            out,
            r#","requestID":"{request_id}","eventID":"{event_id}","readOnly":{read_only},"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{}","eventCategory":"Management","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"{host}.{}.amazonaws.com"}}}}"#,
            self.who.account, self.region
        );
    }

    fn error(&self, failure: Failure) -> (&'static str, String) {
        let model = self.arg.unwrap_or("");
        let action = if is_runtime(self.name) {
            if matches!(self.name, INVOKE_STREAM | CONVERSE_STREAM) {
                "InvokeModelWithResponseStream"
            } else {
                "InvokeModel"
            }
        } else {
            self.name
        };
        match failure {
            Failure::Validation => (
                "ValidationException",
                if matches!(self.name, CONVERSE | CONVERSE_STREAM) {
                    "A conversation must start with a user message. Try again with a conversation that starts with a user message.".into()
                } else {
                    "Malformed input request: #: required key [messages] not found, please reformat your input and try again.".into()
                },
            ),
            Failure::Denied => {
                let resource = if is_runtime(self.name) || (self.arg.is_some() && self.name != LIST_MODELS) {
                    format!(
                        " on resource: arn:aws:bedrock:{}::foundation-model/{model}",
                        self.region
                    )
                } else {
                    String::new()
                };
                (
                    "AccessDeniedException",
                    format!(
                        "User: {} is not authorized to perform: bedrock:{action}{resource} because no identity-based policy allows the bedrock:{action} action",
                        self.who.arn
                    ),
                )
            }
            Failure::NotEnabled => (
                "AccessDeniedException",
                "You don't have access to the model with the specified model ID.".into(),
            ),
            Failure::Throttled => (
                "ThrottlingException",
                "Too many requests, please wait before trying again.".into(),
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Benign actors
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Runtime {
    /// Lambda: the session is named after the function, the key rotates.
    Lambda,
    /// ECS task: a new task id (session name) and key at each redeploy.
    Ecs,
    /// EC2 instance profile: the instance id is the session name.
    Ec2,
}

/// A steady application: one role, 1-2 models, a diurnal rate.
struct AppSpec {
    name: &'static str,
    account: &'static str,
    region: &'static str,
    subnet: [u8; 2],
    models: &'static [&'static str],
    apis: &'static [&'static str],
    /// Calls per hour at the peak hour and at the opposite hour (weekdays).
    peak: f64,
    trough: f64,
    peak_hour: f64,
    /// Rate factor on Saturdays and Sundays.
    weekend: f64,
    runtime: Runtime,
    ua: &'static str,
}

#[rustfmt::skip]
const APPS: &[AppSpec] = &[
    AppSpec { name: "orders-summarizer", account: ACCOUNT_A, region: USE1, subnet: [10, 12], models: &[CLAUDE_HAIKU], apis: &[CONVERSE], peak: 160.0, trough: 25.0, peak_hour: 15.0, weekend: 0.7, runtime: Runtime::Ecs, ua: UA_BOTO3_APP },
    AppSpec { name: "support-chat", account: ACCOUNT_A, region: USE1, subnet: [10, 14], models: &[CLAUDE_35_SONNET_V2, CLAUDE_HAIKU], apis: &[CONVERSE_STREAM, CONVERSE_STREAM, CONVERSE], peak: 600.0, trough: 60.0, peak_hour: 16.0, weekend: 0.5, runtime: Runtime::Lambda, ua: UA_JS_APP },
    AppSpec { name: "doc-embedder", account: ACCOUNT_A, region: USE1, subnet: [10, 21], models: &[TITAN_EMBED], apis: &[INVOKE], peak: 450.0, trough: 120.0, peak_hour: 3.0, weekend: 1.0, runtime: Runtime::Ec2, ua: UA_BOTO3_APP },
    AppSpec { name: "search-rag", account: ACCOUNT_A, region: USE1, subnet: [10, 31], models: &[COHERE_EMBED, CLAUDE_37], apis: &[INVOKE, INVOKE, CONVERSE], peak: 300.0, trough: 40.0, peak_hour: 14.0, weekend: 0.6, runtime: Runtime::Ecs, ua: UA_JAVA_APP },
    AppSpec { name: "fraud-explainer", account: ACCOUNT_A, region: USE1, subnet: [10, 41], models: &[NOVA_PRO], apis: &[INVOKE], peak: 120.0, trough: 20.0, peak_hour: 13.0, weekend: 0.4, runtime: Runtime::Lambda, ua: UA_GO_APP },
    AppSpec { name: "translation-svc", account: ACCOUNT_A, region: EUW1, subnet: [10, 51], models: &[NOVA_LITE, CLAUDE_HAIKU], apis: &[CONVERSE], peak: 250.0, trough: 50.0, peak_hour: 9.0, weekend: 0.6, runtime: Runtime::Lambda, ua: UA_BOTO3_APP },
    AppSpec { name: "code-review-bot", account: ACCOUNT_A, region: USE1, subnet: [10, 61], models: &[CLAUDE_35_SONNET_V2], apis: &[INVOKE], peak: 100.0, trough: 20.0, peak_hour: 15.0, weekend: 0.25, runtime: Runtime::Ecs, ua: UA_JS_APP },
    AppSpec { name: "ticket-triage", account: ACCOUNT_A, region: USE1, subnet: [10, 71], models: &[CLAUDE_HAIKU], apis: &[CONVERSE], peak: 200.0, trough: 30.0, peak_hour: 15.0, weekend: 0.5, runtime: Runtime::Lambda, ua: UA_BOTO3_APP },
    AppSpec { name: "catalog-enricher", account: ACCOUNT_B, region: USE1, subnet: [10, 112], models: &[NOVA_LITE, TITAN_EMBED], apis: &[INVOKE], peak: 350.0, trough: 80.0, peak_hour: 11.0, weekend: 0.8, runtime: Runtime::Ec2, ua: UA_JAVA_APP },
    AppSpec { name: "chat-assistant", account: ACCOUNT_B, region: USE1, subnet: [10, 114], models: &[CLAUDE_37], apis: &[CONVERSE_STREAM], peak: 500.0, trough: 50.0, peak_hour: 17.0, weekend: 0.6, runtime: Runtime::Ecs, ua: UA_JS_APP },
    AppSpec { name: "call-summaries", account: ACCOUNT_B, region: USW2, subnet: [10, 121], models: &[LLAMA_70B], apis: &[INVOKE, INVOKE_STREAM], peak: 150.0, trough: 20.0, peak_hour: 19.0, weekend: 0.3, runtime: Runtime::Lambda, ua: UA_BOTO3_APP },
    // The application launched mid-month (day 15), ramping up over five days.
    AppSpec { name: "support-copilot", account: ACCOUNT_A, region: USE1, subnet: [10, 81], models: &[CLAUDE_35_SONNET_V2], apis: &[CONVERSE], peak: 250.0, trough: 30.0, peak_hour: 15.0, weekend: 0.5, runtime: Runtime::Lambda, ua: UA_JS_APP },
];

/// `search-rag` moves from us-east-1 to us-west-2: us-west-2 serves from day 19 14:00,
/// us-east-1 stops at day 20 14:00 (a day of overlap, traffic split).
const MIGRATING_APP: usize = 3;
const MIGRATION_START: i64 = 19 * DAY + 14 * HOUR;
const MIGRATION_END: i64 = 20 * DAY + 14 * HOUR;
/// `support-copilot` launches on day 15 at 10:00 and ramps up over five days.
const NEW_APP: usize = 11;
const NEW_APP_LAUNCH: i64 = 15 * DAY + 10 * HOUR;
const NEW_APP_RAMP_DAYS: f64 = 5.0;
/// The volume spike hits `orders-summarizer` on day 18, 10:00-11:00.
const SPIKE_APP: usize = 0;
const SPIKE_HOUR: i64 = 18 * 24 + 10;
/// Attacker calls in the spike hour, as a multiple of the app's usual rate at that hour.
const SPIKE_FACTOR: f64 = 15.0;

fn weekend(t: i64) -> bool {
    // 1970-01-01 was a Thursday (4 in a week counted from Sunday = 0).
    matches!((t.div_euclid(DAY) + 4).rem_euclid(7), 0 | 6)
}

/// Diurnal shape in [0, 1]: 1 at the peak hour, 0 twelve hours away.
fn diurnal(hour_of_day: f64, peak_hour: f64) -> f64 {
    let phase = std::f64::consts::TAU * (hour_of_day - peak_hour) / 24.0;
    ((1.0 + phase.cos()) / 2.0).powf(1.5)
}

/// The usual calls per hour of application `app` in hour `h` (hours since the start): diurnal
/// shape, weekend factor, launch ramp; before noise.
fn usual_rate(app: usize, h: i64) -> f64 {
    let spec = &APPS[app];
    let t = h * HOUR;
    let hour_of_day = (h % 24) as f64 + 0.5;
    let mut rate = spec.trough + (spec.peak - spec.trough) * diurnal(hour_of_day, spec.peak_hour);
    if weekend(start_time() + t) {
        rate *= spec.weekend;
    }
    if app == NEW_APP {
        if t < NEW_APP_LAUNCH {
            return 0.0;
        }
        let days_live = (t - NEW_APP_LAUNCH) as f64 / DAY as f64;
        rate *= (0.1 + 0.9 * days_live / NEW_APP_RAMP_DAYS).min(1.0);
    }
    rate
}

/// A regional deployment of an app, with its current session.
struct Deployment {
    region: &'static str,
    subnet: [u8; 3],
    /// Active in [from, to) seconds since the start.
    from: i64,
    to: i64,
    session: Option<(Rc<Ident>, i64, Vec<[u8; 4]>)>,
}

struct App {
    index: usize,
    role: Role,
    owner: usize,
    deployments: Vec<Deployment>,
    rng: Rng,
    day_noise: f64,
}

/// A developer on an SSO permission set: working hours, bursts, an occasional new model.
struct Dev {
    name: String,
    role: Rc<Role>,
    owner: usize,
    start_hour: f64,
    ip: [u8; 4],
    region: &'static str,
    models: Vec<&'static str>,
    apis: [&'static str; 2],
    ua: &'static str,
    rng: Rng,
}

/// A legacy IAM user with a long-term key.
struct Legacy {
    who: Rc<Ident>,
    kind: LegacyKind,
    ips: Vec<[u8; 4]>,
    rng: Rng,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LegacyKind {
    /// Nightly embedding batch, 01:00-04:00 UTC.
    Batch,
    /// CI test runs on weekdays, 09:00-19:00 UTC.
    Ci,
    /// Hourly report export, around the clock.
    Report,
}

const DEV_NAMES: &[&str] = &[
    "alice", "bruno", "chen", "dmitri", "elena", "farid", "grace", "hiro", "ines", "jamal", "kasia", "liam", "maya",
    "nikhil", "olga", "pedro", "quinn", "rosa", "sven", "tara", "umar", "vera", "wei", "ximena", "yusuf", "zoe",
    "amara", "ben", "carla", "diego", "emma", "felix", "gita", "hana", "ivan", "julia", "kofi", "lena", "mateo",
    "nora", "oscar", "priya", "rafael", "sara", "tomas", "uma", "viktor", "yara",
];
/// Developers in the second account (the rest are in the first).
const DEVS_IN_B: usize = 8;
/// The developer whose SSO session is stolen in `logging_deleted_before_use`.
const STOLEN_DEV: usize = 3;

struct World {
    seed: u64,
    apps: Vec<App>,
    devs: Vec<Dev>,
    legacy: Vec<Legacy>,
    /// Logical principals (application roles, developers, IAM users), for counting.
    principals: Vec<String>,
}

fn app_role(seed: u64, spec: &AppSpec) -> Role {
    let path = if spec.runtime == Runtime::Lambda {
        "service-role/"
    } else {
        ""
    };
    Role {
        account: spec.account,
        path: path.into(),
        name: format!("{}-role", spec.name),
        id: unique_id(seed, "AROA", spec.name),
    }
}

impl World {
    fn new(seed: u64) -> World {
        let mut principals = Vec::new();
        let mut owner = |arn: String| {
            principals.push(arn);
            principals.len() - 1
        };
        let apps = APPS
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let role = app_role(seed, spec);
                let owner = owner(format!("arn:aws:iam::{}:role/{}{}", spec.account, role.path, role.name));
                let host = |n: u8| [spec.subnet[0], spec.subnet[1], n];
                let deployments = match i {
                    MIGRATING_APP => vec![
                        Deployment {
                            region: USE1,
                            subnet: host(4),
                            from: 0,
                            to: MIGRATION_END,
                            session: None,
                        },
                        Deployment {
                            region: USW2,
                            subnet: [10, 131, 4],
                            from: MIGRATION_START,
                            to: i64::MAX,
                            session: None,
                        },
                    ],
                    NEW_APP => vec![Deployment {
                        region: spec.region,
                        subnet: host(8),
                        from: NEW_APP_LAUNCH,
                        to: i64::MAX,
                        session: None,
                    }],
                    _ => vec![Deployment {
                        region: spec.region,
                        subnet: host(2),
                        from: 0,
                        to: i64::MAX,
                        session: None,
                    }],
                };
                App {
                    index: i,
                    role,
                    owner,
                    deployments,
                    rng: Rng::derive(seed, spec.name, 1),
                    day_noise: 1.0,
                }
            })
            .collect();

        let sso = |account: &'static str, set: &str, suffix: &str| {
            Rc::new(Role {
                account,
                path: "aws-reserved/sso.amazonaws.com/".into(),
                name: format!("AWSReservedSSO_{set}_{suffix}"),
                id: unique_id(seed, "AROA", &format!("{account}{set}")),
            })
        };
        let sets = [
            sso(ACCOUNT_A, "MLDeveloper", "4f1c2a9b8e7d6c5a"),
            sso(ACCOUNT_A, "DataScientist", "9a8b7c6d5e4f3a2b"),
            sso(ACCOUNT_B, "MLDeveloper", "1b2c3d4e5f6a7b8c"),
        ];
        let devs = DEV_NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut rng = Rng::derive(seed, name, 2);
                let in_b = i >= DEV_NAMES.len() - DEVS_IN_B;
                let role = if in_b { sets[2].clone() } else { sets[i % 2].clone() };
                let account = role.account;
                let email = format!("{name}@example.com");
                let owner = owner(format!("arn:aws:sts::{account}:assumed-role/{}/{email}", role.name));
                // Three offices: US east (198.51.100.10-119), Europe (192.0.2.x), US west
                // (198.51.100.130-250); working hours in UTC.
                let (start_hour, ip) = match i % 3 {
                    0 => (13.0, [198, 51, 100, rng.between(10, 119) as u8]),
                    1 => (7.0, [192, 0, 2, rng.between(10, 250) as u8]),
                    _ => (16.0, [198, 51, 100, rng.between(130, 250) as u8]),
                };
                let region = if rng.chance(0.15) { USW2 } else { USE1 };
                let mut models = Vec::new();
                let n_models = rng.between(1, 3);
                while models.len() < n_models as usize {
                    let m = rng.pick(DEV_MODELS);
                    if !models.contains(&m) {
                        models.push(m);
                    }
                }
                let apis = match rng.below(3) {
                    0 => [CONVERSE, CONVERSE_STREAM],
                    1 => [INVOKE, CONVERSE],
                    _ => [CONVERSE, INVOKE_STREAM],
                };
                Dev {
                    name: email,
                    role,
                    owner,
                    start_hour: start_hour + rng.normal() * 0.7,
                    ip,
                    region,
                    models,
                    apis,
                    ua: rng.pick(DEV_UAS),
                    rng,
                }
            })
            .collect();

        let legacy = [
            (ACCOUNT_A, "etl-batch", LegacyKind::Batch, vec![[203, 0, 113, 10]]),
            (
                ACCOUNT_A,
                "ci-bedrock-tests",
                LegacyKind::Ci,
                (50..54).map(|n| [203, 0, 113, n]).collect(),
            ),
            (
                ACCOUNT_B,
                "reporting-export",
                LegacyKind::Report,
                vec![[203, 0, 113, 77]],
            ),
        ]
        .into_iter()
        .map(|(account, name, kind, ips)| {
            let o = owner(format!("arn:aws:iam::{account}:user/{name}"));
            let mut rng = Rng::derive(seed, name, 3);
            let key = access_key(&mut rng, "AKIA");
            let who = Rc::new(iam_user(account, name, &unique_id(seed, "AIDA", name), key, o));
            Legacy { who, kind, ips, rng }
        })
        .collect();

        World {
            seed,
            apps,
            devs,
            legacy,
            principals,
        }
    }

    /// An owner index for attacker-only identities (never counted as benign).
    fn attacker_owner(&mut self, arn: &str) -> usize {
        self.principals.push(arn.to_owned());
        self.principals.len() - 1
    }
}

fn app_events(app: &mut App, h: i64, spike: Option<(usize, u64)>, seed: u64, out: &mut Vec<Ev>) {
    let spec = &APPS[app.index];
    let t0 = h * HOUR;
    let rng = &mut app.rng;
    if h % 24 == 0 {
        app.day_noise = (0.08 * rng.normal()).exp();
    }
    let rate = usual_rate(app.index, h) * app.day_noise * (0.12 * rng.normal()).exp();
    let active: Vec<usize> = (0..app.deployments.len())
        .filter(|&i| app.deployments[i].from <= t0 && t0 < app.deployments[i].to)
        .collect();
    if active.is_empty() || rate <= 0.0 {
        return;
    }
    for (n, &i) in active.iter().enumerate() {
        let dep = &mut app.deployments[i];
        let at = |rng: &mut Rng| start_time() + t0 + rng.below(HOUR as u64) as i64;
        // Credentials rotate about daily; a new session lists the models at start-up.
        if dep.session.as_ref().is_none_or(|s| s.1 <= t0) {
            let key = access_key(rng, "ASIA");
            let session = match spec.runtime {
                Runtime::Lambda => spec.name.to_owned(),
                Runtime::Ecs => rng.hex(32),
                Runtime::Ec2 => format!("i-0{}", rng.hex(16)),
            };
            let created = start_time() + t0 - rng.between(5, 600);
            let who = Rc::new(app.role.session(&session, key, created, false, app.owner));
            let hosts = (0..rng.between(1, 3)).map(|_| {
                let [a, b, c] = dep.subnet;
                [a, b, c + rng.below(4) as u8, rng.between(10, 250) as u8]
            });
            let hosts: Vec<[u8; 4]> = hosts.collect();
            let until = t0 + rng.between(20, 28) * HOUR;
            if rng.chance(0.7) {
                out.push(Ev {
                    time: start_time() + t0 + rng.below(120) as i64,
                    who: who.clone(),
                    region: dep.region,
                    name: LIST_MODELS,
                    arg: None,
                    failure: None,
                    ip: hosts[0],
                    ua: spec.ua,
                    scenario: None,
                });
            }
            dep.session = Some((who, until, hosts));
        }
        let (who, _, hosts) = dep.session.as_ref().expect("session set above");
        let event = |rng: &mut Rng, failure: Option<Failure>, scenario: Option<usize>, usual_only: bool| Ev {
            time: at(rng),
            who: who.clone(),
            region: dep.region,
            name: if usual_only { spec.apis[0] } else { rng.pick(spec.apis) },
            arg: Some(if usual_only {
                spec.models[0]
            } else {
                rng.pick_weighted(spec.models, 0.8)
            }),
            failure,
            ip: rng.pick(hosts),
            ua: spec.ua,
            scenario,
        };
        let count = rng.poisson(rate / active.len() as f64);
        for _ in 0..count {
            out.push(event(rng, None, None, false));
        }
        if rng.chance(0.25) {
            out.push(event(rng, Some(Failure::Validation), None, false));
        }
        if rate > 400.0 && rng.chance(0.05) {
            for _ in 0..rng.between(2, 6) {
                out.push(event(rng, Some(Failure::Throttled), None, false));
            }
        }
        if let (Some((scenario, calls)), 0) = (spike, n) {
            // The attacker calls come from the same workload (same session, hosts, model),
            // drawn from a separate stream so the benign traffic stays as without the spike.
            let mut spike_rng = Rng::derive(seed, "volume-spike", h as u64);
            for _ in 0..calls {
                out.push(event(&mut spike_rng, None, Some(scenario), true));
            }
        }
    }
}

fn dev_events(dev: &mut Dev, day: i64, out: &mut Vec<Ev>) {
    let rng = &mut dev.rng;
    let day_start = start_time() + day * DAY;
    let is_weekend = weekend(day_start);
    if (is_weekend && !rng.chance(0.05)) || (!is_weekend && rng.chance(0.08)) {
        return;
    }
    // SSO sign-in in the morning; some sign in again after lunch (a new key).
    let login = day_start + ((dev.start_hour + 0.4 * rng.normal()) * HOUR as f64) as i64;
    let relogin = rng.chance(0.3).then(|| login + rng.between(4 * HOUR, 5 * HOUR));
    let key1 = access_key(rng, "ASIA");
    let key2 = access_key(rng, "ASIA");
    let s1 = Rc::new(dev.role.session(&dev.name, key1, login - 20, true, dev.owner));
    let s2 = relogin.map(|t| Rc::new(dev.role.session(&dev.name, key2, t - 20, true, dev.owner)));
    let who_at = |t: i64| match (&s2, relogin) {
        (Some(s), Some(r)) if t >= r => s.clone(),
        _ => s1.clone(),
    };
    let ip = if rng.chance(0.1) {
        [dev.ip[0], dev.ip[1], dev.ip[2], dev.ip[3] ^ 1]
    } else {
        dev.ip
    };
    let ev =
        |time: i64, name: &'static str, arg: Option<&'static str>, region: &'static str, failure: Option<Failure>| Ev {
            time,
            who: who_at(time),
            region,
            name,
            arg,
            failure,
            ip,
            ua: dev.ua,
            scenario: None,
        };
    let bursts = rng.between(1, 4);
    let mut starts: Vec<i64> = (0..bursts)
        .map(|_| login + 120 + rng.below(8 * HOUR as u64) as i64)
        .collect();
    starts.sort_unstable();
    if rng.chance(0.04) {
        let provider = rng.pick(&[None, Some("anthropic"), Some("amazon"), Some("meta")]);
        out.push(ev(
            starts[0] - rng.between(30, 300),
            LIST_MODELS,
            provider,
            dev.region,
            None,
        ));
    }
    for start in starts {
        let mut t = start;
        let mut model = rng.pick_weighted(&dev.models, 0.6);
        let mut region = dev.region;
        // Now and then (about once or twice a month) a model the developer never used.
        if rng.chance(0.025) {
            let fresh: Vec<&'static str> = DEV_MODELS.iter().copied().filter(|m| !dev.models.contains(m)).collect();
            if !fresh.is_empty() {
                let new_model = rng.pick(&fresh);
                let new_region = if rng.chance(0.25) { USW2 } else { dev.region };
                if rng.chance(0.5) {
                    out.push(ev(t, AVAILABILITY, Some(new_model), new_region, None));
                    t += rng.between(20, 90);
                }
                if rng.chance(0.2) {
                    // Not enabled here: a few denied tries, then back to a usual model.
                    for _ in 0..rng.between(1, 3) {
                        out.push(ev(
                            t,
                            dev.apis[0],
                            Some(new_model),
                            new_region,
                            Some(Failure::NotEnabled),
                        ));
                        t += rng.between(5, 40);
                    }
                } else {
                    dev.models.push(new_model);
                    model = new_model;
                    region = new_region;
                }
            }
        }
        for _ in 0..rng.between(10, 80) {
            let failure = rng.chance(0.006).then_some(Failure::Validation);
            let api = rng.pick(&dev.apis);
            out.push(ev(t, api, Some(model), region, failure));
            t += rng.between(3, 30);
        }
    }
}

fn legacy_events(user: &mut Legacy, day: i64, out: &mut Vec<Ev>) {
    let rng = &mut user.rng;
    let day_start = start_time() + day * DAY;
    let ev = |rng: &mut Rng, time: i64, name: &'static str, model: &'static str, ip: [u8; 4], ua: &'static str| {
        Ev {
            time,
            who: user.who.clone(),
            region: USE1,
            name,
            arg: Some(model),
            failure: None,
            ip,
            ua,
            scenario: None,
        }
        .with_failure(rng.chance(0.003).then_some(Failure::Validation))
    };
    match user.kind {
        LegacyKind::Batch => {
            for hour in 1..4 {
                for _ in 0..rng.poisson(100.0) {
                    let t = day_start + hour * HOUR + rng.below(HOUR as u64) as i64;
                    out.push(ev(rng, t, INVOKE, TITAN_EMBED, user.ips[0], UA_LEGACY_BATCH));
                }
            }
        }
        LegacyKind::Ci => {
            if weekend(day_start) {
                return;
            }
            for hour in 9..19 {
                if rng.chance(0.7) {
                    let mut t = day_start + hour * HOUR + rng.below(50 * 60) as i64;
                    let ip = rng.pick(&user.ips);
                    for _ in 0..rng.between(4, 10) {
                        out.push(ev(rng, t, CONVERSE, CLAUDE_HAIKU, ip, UA_LEGACY_CI));
                        t += rng.between(2, 15);
                    }
                }
            }
        }
        LegacyKind::Report => {
            for hour in 0..24 {
                let mut t = day_start + hour * HOUR + 300 + rng.below(120) as i64;
                for _ in 0..rng.between(3, 6) {
                    out.push(ev(rng, t, INVOKE, NOVA_LITE, user.ips[0], UA_LEGACY_REPORT));
                    t += rng.between(5, 40);
                }
            }
        }
    }
}

impl Ev {
    fn with_failure(mut self, failure: Option<Failure>) -> Ev {
        self.failure = failure;
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Attack scenarios
// ---------------------------------------------------------------------------------------------

/// The attack scenarios: name, day (0 = 2026-03-01), second of the day of the first event,
/// description. `volume_spike` is generated with its application (see [`SPIKE_HOUR`]).
pub const SCENARIOS: &[(&str, i64, i64, &str)] = &[
    (
        "enablement_chain",
        9,
        14 * HOUR + 7 * 60 + 12,
        "the nightly batch user's long-term key, from a Tor exit, enables a model (use case, agreement offers, agreement, entitlement, availability polls) and invokes it",
    ),
    (
        "recon_then_use_long_term_key",
        11,
        3 * HOUR + 41 * 60 + 5,
        "a never-seen IAM user key lists models and reads the logging configuration, then invokes within five minutes",
    ),
    (
        "probing_burst",
        14,
        21 * HOUR + 16 * 60 + 40,
        "a leaked key without Bedrock rights probes: ListFoundationModels denied, then 20 failed InvokeModel calls (AccessDenied, ValidationException) in five minutes",
    ),
    (
        "volume_spike",
        18,
        10 * HOUR,
        "orders-summarizer's own credentials make 15x its usual hourly calls on its usual model for one hour",
    ),
    (
        "cross_region_fan_out",
        22,
        6 * HOUR + 22 * 60 + 30,
        "the CI user's long-term key invokes in four regions within half an hour, from a new IP, outside CI hours",
    ),
    (
        "logging_deleted_before_use",
        26,
        HOUR + 33 * 60 + 50,
        "a stolen developer SSO session reads then deletes the model invocation logging configuration, then invokes in bulk at night",
    ),
];

const SC_ENABLEMENT: usize = 0;
const SC_RECON: usize = 1;
const SC_PROBING: usize = 2;
const SC_SPIKE: usize = 3;
const SC_FAN_OUT: usize = 4;
const SC_LOGGING: usize = 5;

/// The number of attacker calls in the spike hour.
fn spike_calls() -> u64 {
    (SPIKE_FACTOR * usual_rate(SPIKE_APP, SPIKE_HOUR)).round() as u64
}

/// Attacker events of every scenario but `volume_spike` that start before `end` (seconds
/// since the start).
fn attack_events(world: &mut World, end: i64) -> Vec<Ev> {
    let seed = world.seed;
    let mut out = Vec::new();
    let begins = |i: usize| start_time() + SCENARIOS[i].1 * DAY + SCENARIOS[i].2;
    let in_range = |i: usize| SCENARIOS[i].1 * DAY + SCENARIOS[i].2 < end;
    let mut rng = Rng::derive(seed, "attacks", 0);

    if in_range(SC_ENABLEMENT) {
        let who = world.legacy[0].who.clone(); // etl-batch
        let t0 = begins(SC_ENABLEMENT);
        let ip = [185, 220, 101, 34];
        let ev = |t: i64, name: &'static str, arg: Option<&'static str>| Ev {
            time: t0 + t,
            who: who.clone(),
            region: USE1,
            name,
            arg,
            failure: None,
            ip,
            ua: UA_ATTACK_PY,
            scenario: Some(SC_ENABLEMENT),
        };
        let model = CLAUDE_35_SONNET;
        out.push(ev(0, USE_CASE, None));
        out.push(ev(55, OFFERS, Some(model)));
        out.push(ev(130, AGREEMENT, Some(model)));
        out.push(ev(185, ENTITLEMENT, Some(model)));
        for t in [240, 330, 420, 500] {
            out.push(ev(t, AVAILABILITY, Some(model)));
        }
        let mut t = 540;
        for _ in 0..48 {
            out.push(ev(t, INVOKE, Some(model)));
            t += rng.between(5, 22);
        }
    }

    if in_range(SC_RECON) {
        let name = "bedrock-metrics";
        let owner = world.attacker_owner(&format!("arn:aws:iam::{ACCOUNT_A}:user/{name}"));
        let key = access_key(&mut rng, "AKIA");
        let who = Rc::new(iam_user(ACCOUNT_A, name, &unique_id(seed, "AIDA", name), key, owner));
        let t0 = begins(SC_RECON);
        let ip = [45, 148, 10, 81];
        let ev = |t: i64, name: &'static str, arg: Option<&'static str>, ua: &'static str| Ev {
            time: t0 + t,
            who: who.clone(),
            region: USE1,
            name,
            arg,
            failure: None,
            ip,
            ua,
            scenario: Some(SC_RECON),
        };
        out.push(ev(0, LIST_MODELS, None, UA_ATTACK_CLI));
        out.push(ev(25, GET_LOGGING, None, UA_ATTACK_CLI));
        let mut t = 100;
        for i in 0..30 {
            let api = if i % 3 == 0 { CONVERSE } else { INVOKE };
            out.push(ev(t, api, Some(CLAUDE_35_SONNET_V2), UA_ATTACK_JS));
            t += rng.between(4, 7);
        }
    }

    if in_range(SC_PROBING) {
        let name = "marketing-uploader";
        let owner = world.attacker_owner(&format!("arn:aws:iam::{ACCOUNT_B}:user/{name}"));
        let key = access_key(&mut rng, "AKIA");
        let who = Rc::new(iam_user(ACCOUNT_B, name, &unique_id(seed, "AIDA", name), key, owner));
        let t0 = begins(SC_PROBING);
        let ip = [103, 251, 167, 20];
        let ev = |t: i64, name: &'static str, arg: Option<&'static str>, failure: Failure| Ev {
            time: t0 + t,
            who: who.clone(),
            region: USE1,
            name,
            arg,
            failure: Some(failure),
            ip,
            ua: UA_ATTACK_PY,
            scenario: Some(SC_PROBING),
        };
        for t in [0, 20, 45] {
            out.push(ev(t, LIST_MODELS, None, Failure::Denied));
        }
        let models = [
            CLAUDE_OPUS,
            CLAUDE_35_SONNET,
            CLAUDE_35_SONNET_V2,
            CLAUDE_HAIKU,
            LLAMA_70B,
            MISTRAL_LARGE,
        ];
        let mut t = 60;
        for i in 0..20 {
            let failure = if i % 10 < 7 {
                Failure::Denied
            } else {
                Failure::Validation
            };
            out.push(ev(t, INVOKE, Some(models[i % models.len()]), failure));
            t += rng.between(8, 13);
        }
    }

    if in_range(SC_FAN_OUT) {
        let who = world.legacy[1].who.clone(); // ci-bedrock-tests
        let t0 = begins(SC_FAN_OUT);
        for (slot, region) in [USE1, USW2, EUW1, EUC1].into_iter().enumerate() {
            let mut t = t0 + [0, 6 * 60, 13 * 60, 21 * 60][slot];
            for _ in 0..12 {
                out.push(Ev {
                    time: t,
                    who: who.clone(),
                    region,
                    name: CONVERSE,
                    arg: Some(CLAUDE_35_SONNET),
                    failure: None,
                    ip: [193, 32, 162, 15 + (slot as u8 % 2)],
                    ua: UA_ATTACK_JS,
                    scenario: Some(SC_FAN_OUT),
                });
                t += rng.between(8, 20);
            }
        }
    }

    if in_range(SC_LOGGING) {
        let dev = &world.devs[STOLEN_DEV];
        let t0 = begins(SC_LOGGING);
        let key = access_key(&mut rng, "ASIA");
        let who = Rc::new(dev.role.session(&dev.name, key, t0 - 140, true, dev.owner));
        let ip = [5, 188, 206, 14];
        let ev = |t: i64, name: &'static str, arg: Option<&'static str>| Ev {
            time: t0 + t,
            who: who.clone(),
            region: USE1,
            name,
            arg,
            failure: None,
            ip,
            ua: UA_ATTACK_PY,
            scenario: Some(SC_LOGGING),
        };
        out.push(ev(0, GET_LOGGING, None));
        out.push(ev(40, DELETE_LOGGING, None));
        let mut t = 120;
        for i in 0..200 {
            let (api, model) = if i % 4 == 0 {
                (INVOKE, CLAUDE_35_SONNET_V2)
            } else {
                (CONVERSE, CLAUDE_37)
            };
            out.push(ev(t, api, Some(model)));
            t += rng.between(6, 18);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    pub out: PathBuf,
    pub days: u32,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Default)]
pub struct Summary {
    pub records: u64,
    pub files: u64,
    /// Compressed bytes written.
    pub bytes: u64,
    pub benign_principals: usize,
    pub scenarios: Vec<Injected>,
}

impl Injected {
    /// The number of attacker events.
    pub fn event_count(&self) -> usize {
        self.events.len()
    }
}

/// One injected scenario, as written to `scenarios.json`.
#[derive(Debug, Default, Clone)]
pub struct Injected {
    pub name: String,
    pub description: String,
    pub account: String,
    pub access_key_id: String,
    pub principal_arn: String,
    pub source_ips: BTreeSet<String>,
    pub regions: BTreeSet<String>,
    pub first: i64,
    pub last: i64,
    /// (time, write order, event id), sorted at the end.
    events: Vec<(i64, u64, String)>,
}

struct Writer {
    out: PathBuf,
    seed: u64,
    ids: EventIds,
    request_ids: Rng,
    summary: Summary,
    benign_owners: HashSet<usize>,
    buf: String,
}

impl Writer {
    /// Writes one day's events: one gzip log file per account, region and hour.
    fn write(&mut self, events: Vec<Ev>) -> std::io::Result<()> {
        let mut files: BTreeMap<(&'static str, &'static str, i64), Vec<Ev>> = BTreeMap::new();
        for e in events {
            files
                .entry((e.who.account, e.region, e.time.div_euclid(HOUR)))
                .or_default()
                .push(e);
        }
        for ((account, region, hour), mut records) in files {
            records.sort_by_key(|e| e.time); // stable: ties keep generation order
            self.write_file(account, region, hour, &records)?;
        }
        Ok(())
    }

    fn write_file(&mut self, account: &str, region: &str, hour: i64, records: &[Ev]) -> std::io::Result<()> {
        let (y, m, d) = aidr_engine::time::civil_from_days((hour * HOUR).div_euclid(DAY));
        let hh = hour.rem_euclid(24);
        let dir = self
            .out
            .join(format!("AWSLogs/{account}/CloudTrail/{region}/{y:04}/{m:02}/{d:02}"));
        std::fs::create_dir_all(&dir)?;
        let token = Rng::derive(self.seed, &format!("{account}/{region}"), hour as u64)
            .token(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 16);
        let path = dir.join(format!(
            "{account}_CloudTrail_{region}_{y:04}{m:02}{d:02}T{hh:02}00Z_{token}.json.gz"
        ));

        self.buf.clear();
        self.buf.push_str("{\"Records\":[");
        for (i, e) in records.iter().enumerate() {
            if i > 0 {
                self.buf.push(',');
            }
            let event_id = self.ids.next_id();
            let request_id = self.request_ids.uuid();
            e.render(&event_id, &request_id, &mut self.buf);
            match e.scenario {
                Some(s) => {
                    let found = &mut self.summary.scenarios[s];
                    found.account = account.to_owned();
                    found.access_key_id = e.who.key.clone();
                    found.principal_arn = e.who.arn.clone();
                    let [a, b, c, d] = e.ip;
                    found.source_ips.insert(format!("{a}.{b}.{c}.{d}"));
                    found.regions.insert(region.to_owned());
                    let order = found.events.len() as u64;
                    found.events.push((e.time, order, event_id));
                }
                None => {
                    self.benign_owners.insert(e.who.owner);
                }
            }
        }
        self.buf.push_str("]}");

        let file = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(&path)?);
        let mut gz = GzEncoder::new(file, Compression::fast());
        gz.write_all(self.buf.as_bytes())?;
        let file = gz.finish()?;
        let bytes = file.into_inner().map_err(|e| e.into_error())?.metadata()?.len();
        self.summary.records += records.len() as u64;
        self.summary.files += 1;
        self.summary.bytes += bytes;
        Ok(())
    }
}

/// Generates the traffic into `config.out` (`AWSLogs/…` and `scenarios.json`). Refuses to
/// write over an existing `AWSLogs` folder.
pub fn generate(config: &Config) -> std::io::Result<Summary> {
    let logs = config.out.join("AWSLogs");
    if logs.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} exists: remove it first (the data set is written fresh)",
                logs.display()
            ),
        ));
    }
    std::fs::create_dir_all(&config.out)?;
    let days = i64::from(config.days);
    let end = days * DAY;
    let mut world = World::new(config.seed);
    let mut pending = attack_events(&mut world, end);
    let spike = (SPIKE_HOUR * HOUR < end).then(|| (SC_SPIKE, spike_calls()));

    let mut writer = Writer {
        out: config.out.clone(),
        seed: config.seed,
        ids: EventIds::new(config.seed),
        request_ids: Rng::derive(config.seed, "request-ids", 0),
        summary: Summary::default(),
        benign_owners: HashSet::new(),
        buf: String::with_capacity(4 << 20),
    };
    writer.summary.scenarios = SCENARIOS
        .iter()
        .map(|(name, _, _, description)| Injected {
            name: (*name).into(),
            description: (*description).into(),
            ..Injected::default()
        })
        .collect();

    for day in 0..days {
        for app in &mut world.apps {
            for h in day * 24..(day + 1) * 24 {
                let spike = spike.filter(|_| app.index == SPIKE_APP && h == SPIKE_HOUR);
                app_events(app, h, spike, config.seed, &mut pending);
            }
        }
        for dev in &mut world.devs {
            dev_events(dev, day, &mut pending);
        }
        for user in &mut world.legacy {
            legacy_events(user, day, &mut pending);
        }
        let day_end = start_time() + (day + 1) * DAY;
        let (now, later): (Vec<Ev>, Vec<Ev>) = pending.into_iter().partition(|e| e.time < day_end);
        pending = later;
        writer.write(now)?;
    }

    let mut summary = writer.summary;
    summary.benign_principals = writer.benign_owners.len();
    summary.scenarios.retain(|s| !s.events.is_empty());
    for s in &mut summary.scenarios {
        s.events.sort();
        s.first = s.events.first().map_or(0, |e| e.0);
        s.last = s.events.last().map_or(0, |e| e.0);
    }
    let accounts: BTreeSet<&str> = APPS.iter().map(|a| a.account).collect();
    let manifest = json!({
        "start": format_time(start_time()),
        "end": format_time(start_time() + end),
        "days": config.days,
        "seed": config.seed,
        "accounts": accounts,
        "benign_principals": summary.benign_principals,
        "records": summary.records,
        "files": summary.files,
        "scenarios": summary.scenarios.iter().map(|s| json!({
            "name": s.name,
            "description": s.description,
            "account": s.account,
            "access_key_id": s.access_key_id,
            "principal_arn": s.principal_arn,
            "source_ips": s.source_ips,
            "regions": s.regions,
            "first_event_time": format_time(s.first),
            "last_event_time": format_time(s.last),
            "event_count": s.events.len(),
            "event_ids": s.events.iter().map(|e| e.2.as_str()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&manifest).map_err(std::io::Error::other)? + "\n";
    std::fs::write(config.out.join("scenarios.json"), text)?;
    Ok(summary)
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

pub use aidr_engine::Severity;

fn parse_severity(s: &str) -> Option<Severity> {
    s.parse().ok()
}

/// Findings at or above this severity count as detections (and as false positives when they
/// match no scenario).
pub const ALERT: Severity = Severity::Medium;
/// Target: every scenario detected within this many minutes of its first attacker event.
pub const TARGET_LATENCY_MIN: f64 = 15.0;
/// Target: at most this many benign medium+ findings per 100 principal-days.
pub const TARGET_BENIGN_PER_100: f64 = 1.0;
/// A finding matched only by the attacker's key or principal ARN (not by an event id) counts
/// for a scenario when its `event_time` lies within this many seconds of the attack (from
/// first event minus slack to last event plus slack). Some scenarios share an identity with
/// benign traffic (the volume spike uses an application's own session, the stolen developer
/// session keeps the developer's ARN); findings on that identity days away are not about the
/// attack.
pub const IDENTITY_SLACK_SECS: i64 = 3600;

/// One scenario from `scenarios.json`.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    pub name: String,
    pub access_key_id: Option<String>,
    pub principal_arn: Option<String>,
    pub first: i64,
    pub last: i64,
    pub event_ids: HashSet<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Scenarios {
    pub days: f64,
    pub benign_principals: u64,
    pub scenarios: Vec<Scenario>,
}

/// The parts of a finding the evaluation reads.
#[derive(Debug, Clone)]
pub struct FindingRow {
    pub rule_id: String,
    pub severity: Severity,
    pub event_time: Option<i64>,
    pub event_ids: Vec<String>,
    pub access_key_id: Option<String>,
    pub arn: Option<String>,
    /// A short name for listings (principal name, else ARN, else key).
    pub who: String,
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Reads `scenarios.json`.
pub fn parse_scenarios(text: &str) -> Result<Scenarios, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("scenarios: not JSON: {e}"))?;
    let days = v["days"]
        .as_f64()
        .filter(|d| *d > 0.0)
        .ok_or("scenarios: `days` must be a positive number")?;
    let benign_principals = v["benign_principals"]
        .as_u64()
        .filter(|n| *n > 0)
        .ok_or("scenarios: `benign_principals` must be a positive integer")?;
    let list = v["scenarios"]
        .as_array()
        .ok_or("scenarios: `scenarios` must be an array")?;
    let scenarios = list
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let name = opt_str(&s["name"]).ok_or(format!("scenarios[{i}]: `name` missing"))?;
            let time = |field: &str| {
                s[field]
                    .as_str()
                    .and_then(parse_time)
                    .ok_or(format!("scenario {name}: `{field}` missing or not a time"))
            };
            let first = time("first_event_time")?;
            let last = time("last_event_time").unwrap_or(first);
            let ids = s["event_ids"]
                .as_array()
                .ok_or(format!("scenario {name}: `event_ids` must be an array"))?;
            let event_ids = ids
                .iter()
                .map(|id| {
                    id.as_str()
                        .map(str::to_owned)
                        .ok_or(format!("scenario {name}: an event id is not a string"))
                })
                .collect::<Result<HashSet<_>, _>>()?;
            Ok(Scenario {
                access_key_id: opt_str(&s["access_key_id"]),
                principal_arn: opt_str(&s["principal_arn"]),
                name,
                first,
                last,
                event_ids,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Scenarios {
        days,
        benign_principals,
        scenarios,
    })
}

/// Reads `aidr scan --format ndjson` output: one finding a line (blank lines ignored).
pub fn parse_findings(text: &str) -> Result<Vec<FindingRow>, String> {
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            continue;
        }
        let bad = |what: &str| format!("findings line {n}: {what}");
        let v: Value = serde_json::from_str(line).map_err(|e| bad(&format!("not JSON: {e}")))?;
        if !v.is_object() {
            return Err(bad("not a JSON object"));
        }
        let rule_id = opt_str(&v["rule_id"]).ok_or_else(|| bad("`rule_id` missing"))?;
        let severity = v["severity"]
            .as_str()
            .and_then(parse_severity)
            .ok_or_else(|| bad("`severity` missing or not info|low|medium|high|critical"))?;
        let event_time = match &v["event_time"] {
            Value::Null => None,
            Value::String(s) => Some(parse_time(s).ok_or_else(|| bad(&format!("`event_time` {s:?} is not a time")))?),
            _ => return Err(bad("`event_time` is not a string")),
        };
        let event_ids = match &v["event_ids"] {
            Value::Null => Vec::new(),
            Value::Array(ids) => ids.iter().filter_map(|id| id.as_str().map(str::to_owned)).collect(),
            _ => return Err(bad("`event_ids` is not an array")),
        };
        let p = &v["principal"];
        let (access_key_id, arn) = (opt_str(&p["access_key_id"]), opt_str(&p["arn"]));
        let who = opt_str(&p["name"])
            .or_else(|| arn.clone())
            .or_else(|| access_key_id.clone())
            .unwrap_or_else(|| "unknown principal".into());
        rows.push(FindingRow {
            rule_id,
            severity,
            event_time,
            event_ids,
            access_key_id,
            arn,
            who,
        });
    }
    Ok(rows)
}

/// Whether `finding` is about scenario `s`: it names one of the attacker's events, or it is on
/// the attacker's key or principal ARN within [`IDENTITY_SLACK_SECS`] of the attack.
pub fn matches(s: &Scenario, finding: &FindingRow) -> bool {
    if finding.event_ids.iter().any(|id| s.event_ids.contains(id)) {
        return true;
    }
    let same_key = s.access_key_id.is_some() && finding.access_key_id == s.access_key_id;
    let same_arn = s.principal_arn.is_some() && finding.arn == s.principal_arn;
    (same_key || same_arn)
        && finding
            .event_time
            .is_some_and(|t| t >= s.first - IDENTITY_SLACK_SECS && t <= s.last + IDENTITY_SLACK_SECS)
}

/// How one scenario fared.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioResult {
    pub name: String,
    /// A matching finding at or above [`ALERT`].
    pub detected: bool,
    /// Minutes from the first attacker event to the earliest matching medium+ finding's
    /// `event_time` (0 when that finding is on the same identity slightly before the attack).
    pub latency_min: Option<f64>,
    /// Matching findings by rule: (rule id, max severity, count), highest severity first.
    pub rules: Vec<(String, Severity, usize)>,
}

impl ScenarioResult {
    pub fn on_target(&self) -> bool {
        self.detected && self.latency_min.is_some_and(|m| m <= TARGET_LATENCY_MIN)
    }
}

/// Benign medium+ findings of one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct BenignGroup {
    pub rule_id: String,
    pub count: usize,
    pub max_severity: Severity,
    /// Findings per principal.
    pub principals: BTreeMap<String, usize>,
}

#[derive(Debug, Clone)]
pub struct Evaluation {
    pub scenarios: Vec<ScenarioResult>,
    pub findings: usize,
    /// Findings per severity, indexed like [`Severity::ALL`].
    pub by_severity: [usize; 5],
    pub benign: Vec<BenignGroup>,
    pub benign_total: usize,
    pub benign_principals: u64,
    pub days: f64,
}

/// Scores `findings` against `scenarios`.
pub fn evaluate(scenarios: &Scenarios, findings: &[FindingRow]) -> Evaluation {
    let mut by_severity = [0; 5];
    for f in findings {
        by_severity[f.severity as usize] += 1;
    }
    let mut matched = vec![false; findings.len()];
    let results = scenarios
        .scenarios
        .iter()
        .map(|s| {
            let mut rules: BTreeMap<&str, (Severity, usize)> = BTreeMap::new();
            let mut earliest: Option<i64> = None;
            let mut detected = false;
            for (i, f) in findings.iter().enumerate() {
                if !matches(s, f) {
                    continue;
                }
                matched[i] = true;
                let entry = rules.entry(f.rule_id.as_str()).or_insert((f.severity, 0));
                entry.0 = entry.0.max(f.severity);
                entry.1 += 1;
                if f.severity >= ALERT {
                    detected = true;
                    if let Some(t) = f.event_time {
                        earliest = Some(earliest.map_or(t, |e| e.min(t)));
                    }
                }
            }
            let mut rules: Vec<(String, Severity, usize)> =
                rules.into_iter().map(|(r, (sev, n))| (r.to_owned(), sev, n)).collect();
            rules.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            ScenarioResult {
                name: s.name.clone(),
                detected,
                latency_min: earliest.map(|t| (t - s.first).max(0) as f64 / 60.0),
                rules,
            }
        })
        .collect();

    let mut groups: BTreeMap<&str, BenignGroup> = BTreeMap::new();
    let mut benign_total = 0;
    for (f, _) in findings
        .iter()
        .zip(&matched)
        .filter(|(f, m)| !**m && f.severity >= ALERT)
    {
        benign_total += 1;
        let g = groups.entry(f.rule_id.as_str()).or_insert_with(|| BenignGroup {
            rule_id: f.rule_id.clone(),
            count: 0,
            max_severity: f.severity,
            principals: BTreeMap::new(),
        });
        g.count += 1;
        g.max_severity = g.max_severity.max(f.severity);
        *g.principals.entry(f.who.clone()).or_default() += 1;
    }
    let mut benign: Vec<BenignGroup> = groups.into_values().collect();
    benign.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.rule_id.cmp(&b.rule_id)));

    Evaluation {
        scenarios: results,
        findings: findings.len(),
        by_severity,
        benign,
        benign_total,
        benign_principals: scenarios.benign_principals,
        days: scenarios.days,
    }
}

impl Evaluation {
    pub fn principal_days(&self) -> f64 {
        self.benign_principals as f64 * self.days
    }

    /// Benign medium+ findings per 100 principal-days.
    pub fn benign_rate(&self) -> f64 {
        self.benign_total as f64 * 100.0 / self.principal_days()
    }

    pub fn scenarios_pass(&self) -> bool {
        self.scenarios.iter().all(ScenarioResult::on_target)
    }

    pub fn benign_pass(&self) -> bool {
        self.benign_rate() <= TARGET_BENIGN_PER_100
    }

    pub fn passed(&self) -> bool {
        self.scenarios_pass() && self.benign_pass()
    }

    /// The report, in Markdown.
    pub fn markdown(&self) -> String {
        let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
        let mut out = String::new();
        out.push_str("| scenario | detected | first finding after (min) | rules (max severity) |\n");
        out.push_str("|---|---|---|---|\n");
        for s in &self.scenarios {
            let latency = match s.latency_min {
                Some(m) => format!("{m:.1}"),
                None => "-".into(),
            };
            let rules = if s.rules.is_empty() {
                "-".to_owned()
            } else {
                s.rules
                    .iter()
                    .map(|(r, sev, n)| format!("{r} ({sev}, {n})", sev = sev.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let detected = if s.detected { "yes" } else { "no" };
            let _ = writeln!(out, "| {} | {detected} | {latency} | {rules} |", s.name);
        }
        let counts: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .map(|s| format!("{} {}", s.as_str(), self.by_severity[*s as usize]))
            .collect();
        let _ = writeln!(out, "\nFindings read: {} ({}).", self.findings, counts.join(", "));
        let _ = writeln!(
            out,
            "Benign medium+ findings: {} over {} principals x {} days = {} principal-days: {:.2} per 100 principal-days.",
            self.benign_total,
            self.benign_principals,
            self.days,
            self.principal_days(),
            self.benign_rate()
        );
        let on_target = self.scenarios.iter().filter(|s| s.on_target()).count();
        let missed: Vec<String> = self
            .scenarios
            .iter()
            .filter(|s| !s.on_target())
            .map(|s| match s.latency_min {
                _ if !s.detected => format!("{} (not detected)", s.name),
                Some(m) => format!("{} ({m:.1} min)", s.name),
                None => format!("{} (no event_time)", s.name),
            })
            .collect();
        let _ = writeln!(out, "\nTargets:");
        let _ = writeln!(
            out,
            "- every scenario detected (medium+) within {TARGET_LATENCY_MIN} min: {} ({on_target} of {}{})",
            verdict(self.scenarios_pass()),
            self.scenarios.len(),
            if missed.is_empty() {
                String::new()
            } else {
                format!("; missed: {}", missed.join(", "))
            }
        );
        let _ = writeln!(
            out,
            "- at most {TARGET_BENIGN_PER_100} benign medium+ finding per 100 principal-days: {} ({:.2})",
            verdict(self.benign_pass()),
            self.benign_rate()
        );
        let _ = writeln!(out, "\nResult: {}", verdict(self.passed()));
        if !self.benign.is_empty() {
            out.push_str("\nBenign medium+ findings by rule:\n\n");
            out.push_str("| rule | findings | max severity | principals | top principals |\n");
            out.push_str("|---|---|---|---|---|\n");
            for g in &self.benign {
                let mut top: Vec<(&String, &usize)> = g.principals.iter().collect();
                top.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
                let top: Vec<String> = top.iter().take(3).map(|(p, n)| format!("{p} ({n})")).collect();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    g.rule_id,
                    g.count,
                    g.max_severity.as_str(),
                    g.principals.len(),
                    top.join(", ")
                );
            }
        }
        out
    }
}

/// Reads both files and evaluates; `Err` for unreadable or malformed input.
pub fn evaluate_files(scenarios: &Path, findings: &Path) -> Result<Evaluation, String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let scenarios = parse_scenarios(&read(scenarios)?)?;
    let findings = parse_findings(&read(findings)?)?;
    Ok(evaluate(&scenarios, &findings))
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> i64 {
        parse_time(s).unwrap()
    }

    #[test]
    fn time_round_trips_and_parses_variants() {
        assert_eq!(format_time(start_time()), "2026-03-01T00:00:00Z");
        for s in ["1970-01-01T00:00:00Z", "2024-02-29T23:59:59Z", "2026-12-31T12:34:56Z"] {
            assert_eq!(format_time(t(s)), s);
        }
        assert_eq!(t("2026-03-01T10:00:00.123Z"), t("2026-03-01T10:00:00Z"));
        for bad in [
            "",
            "2026-03-01",
            "2026-03-01T10:00:00",
            "2026-13-01T00:00:00Z",
            "2026-03-01T10:00:00Zx",
            "x026-03-01T10:00:00Z",
        ] {
            assert_eq!(parse_time(bad), None, "{bad:?}");
        }
        assert!(weekend(t("2026-03-01T12:00:00Z")), "2026-03-01 is a Sunday");
        assert!(!weekend(t("2026-03-02T12:00:00Z")));
        assert!(weekend(t("2026-03-07T12:00:00Z")));
    }

    #[test]
    fn rng_is_deterministic_and_ids_unique() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        let mut ids = EventIds::new(7);
        let set: HashSet<String> = (0..100_000).map(|_| ids.next_id()).collect();
        assert_eq!(set.len(), 100_000);
        let id = ids.next_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        let mut r = Rng::new(1);
        let mean = (0..2000).map(|_| r.poisson(5.0)).sum::<u64>() as f64 / 2000.0;
        assert!((mean - 5.0).abs() < 0.3, "{mean}");
        assert!(access_key(&mut r, "AKIA").len() == 20);
    }

    fn record(e: &Ev) -> Value {
        let mut s = String::new();
        e.render(
            "11111111-1111-4111-8111-111111111111",
            "22222222-2222-4222-8222-222222222222",
            &mut s,
        );
        serde_json::from_str(&s).unwrap()
    }

    #[test]
    fn records_follow_the_cloudtrail_format() {
        let mut world = World::new(7);
        let events = attack_events(&mut world, 30 * DAY);
        let denied = events
            .iter()
            .find(|e| e.scenario == Some(SC_PROBING) && e.name == INVOKE)
            .unwrap();
        let r = record(denied);
        assert_eq!(r["eventSource"], "bedrock.amazonaws.com");
        assert_eq!(r["eventType"], "AwsApiCall");
        assert_eq!(r["userIdentity"]["type"], "IAMUser");
        assert!(r["userIdentity"]["accessKeyId"].as_str().unwrap().starts_with("AKIA"));
        assert_eq!(r["errorCode"], "AccessDeniedException");
        assert_eq!(r["responseElements"], Value::Null);
        assert_eq!(r["readOnly"], true);
        assert!(r["requestParameters"]["modelId"].is_string());
        assert_eq!(parse_time(r["eventTime"].as_str().unwrap()), Some(denied.time));

        let stolen = events.iter().find(|e| e.name == DELETE_LOGGING).unwrap();
        let r = record(stolen);
        assert_eq!(r["userIdentity"]["type"], "AssumedRole");
        assert_eq!(r["readOnly"], false);
        assert_eq!(r["requestParameters"], Value::Null);
        let issuer = &r["userIdentity"]["sessionContext"]["sessionIssuer"];
        assert!(
            issuer["arn"]
                .as_str()
                .unwrap()
                .contains(":role/aws-reserved/sso.amazonaws.com/")
        );
        assert!(
            parse_time(
                r["userIdentity"]["sessionContext"]["attributes"]["creationDate"]
                    .as_str()
                    .unwrap()
            )
            .is_some()
        );
        let agreement = events.iter().find(|e| e.name == AGREEMENT).unwrap();
        assert_eq!(record(agreement)["responseElements"]["modelId"], CLAUDE_35_SONNET);
    }

    fn scenario_events(events: &[Ev], s: usize) -> Vec<&Ev> {
        let mut v: Vec<&Ev> = events.iter().filter(|e| e.scenario == Some(s)).collect();
        v.sort_by_key(|e| e.time);
        v
    }

    #[test]
    fn scenarios_have_the_promised_shape() {
        let mut world = World::new(7);
        let events = attack_events(&mut world, 30 * DAY);
        for (i, (name, day, ..)) in SCENARIOS.iter().enumerate() {
            assert!(*day > 8, "{name} is inside the learning period");
            if i != SC_SPIKE {
                let evs = scenario_events(&events, i);
                assert!(!evs.is_empty(), "{name}");
                let key = &evs[0].who.key;
                assert!(evs.iter().all(|e| &e.who.key == key), "{name}: one key");
            }
        }
        let days: BTreeSet<i64> = SCENARIOS.iter().map(|s| s.1).collect();
        assert_eq!(days.len(), SCENARIOS.len(), "different days");

        let chain = scenario_events(&events, SC_ENABLEMENT);
        let names: Vec<&str> = chain.iter().map(|e| e.name).collect();
        let first = |n: &str| names.iter().position(|x| *x == n).unwrap();
        assert!(first(USE_CASE) < first(OFFERS) && first(OFFERS) < first(AGREEMENT));
        assert!(first(AGREEMENT) < first(ENTITLEMENT) && first(ENTITLEMENT) < first(AVAILABILITY));
        assert!(first(AVAILABILITY) < first(INVOKE));
        assert!(names.iter().filter(|n| **n == AVAILABILITY).count() >= 3);
        assert!(names.iter().filter(|n| **n == INVOKE).count() >= 24);
        assert!(chain.last().unwrap().time - chain[0].time <= 20 * 60 + 59);
        assert!(chain.iter().all(|e| e.who.key.starts_with("AKIA") && e.ip[0] == 185));

        let recon = scenario_events(&events, SC_RECON);
        assert_eq!((recon[0].name, recon[1].name), (LIST_MODELS, GET_LOGGING));
        assert!(recon.iter().any(|e| e.name == CONVERSE) && recon.iter().any(|e| e.name == INVOKE));
        assert!(recon.last().unwrap().time - recon[0].time <= 300);
        assert!(recon[0].who.key.starts_with("AKIA"));

        let probing = scenario_events(&events, SC_PROBING);
        let failed_invokes: Vec<&&Ev> = probing
            .iter()
            .filter(|e| e.name == INVOKE && e.failure.is_some())
            .collect();
        assert!(failed_invokes.len() >= 15);
        assert!(failed_invokes.last().unwrap().time - failed_invokes[0].time <= 300);
        assert!(
            probing
                .iter()
                .filter(|e| e.name == LIST_MODELS && e.failure == Some(Failure::Denied))
                .count()
                >= 2
        );
        assert!(probing.last().unwrap().time - probing[0].time <= 300);

        let fan = scenario_events(&events, SC_FAN_OUT);
        let regions: BTreeSet<&str> = fan.iter().map(|e| e.region).collect();
        assert_eq!(regions.len(), 4);
        assert!(fan.last().unwrap().time - fan[0].time <= 30 * 60);

        let logging = scenario_events(&events, SC_LOGGING);
        assert_eq!((logging[0].name, logging[1].name), (GET_LOGGING, DELETE_LOGGING));
        assert!(logging[2..].iter().all(|e| is_runtime(e.name)) && logging.len() > 100);
        assert_eq!(
            logging[0].who.arn,
            format!(
                "arn:aws:sts::{ACCOUNT_A}:assumed-role/AWSReservedSSO_DataScientist_9a8b7c6d5e4f3a2b/dmitri@example.com"
            )
        );

        // Nothing past the end of a shorter data set.
        let mut world = World::new(7);
        assert!(
            attack_events(&mut world, 10 * DAY)
                .iter()
                .all(|e| e.time < start_time() + 10 * DAY)
        );
    }

    #[test]
    fn volume_spike_is_10_to_20_times_the_usual_rate() {
        let usual = usual_rate(SPIKE_APP, SPIKE_HOUR);
        let calls = spike_calls() as f64;
        assert!(calls >= 1000.0, "{calls}");
        assert!((10.0..=20.0).contains(&((calls + usual) / usual)), "{calls} vs {usual}");
        const { assert!(SPIKE_HOUR / 24 >= 10) };
        // The usual rate is the same at that hour on other weekdays (history exists).
        assert!((usual_rate(SPIKE_APP, SPIKE_HOUR - 24) - usual).abs() < 1e-9);
        for (app, spec) in APPS.iter().enumerate() {
            for h in 20 * 24..21 * 24 {
                let r = usual_rate(app, h);
                assert!((5.0..=600.0).contains(&r), "{} at {h}: {r}", spec.name);
            }
        }
        assert_eq!(usual_rate(NEW_APP, NEW_APP_LAUNCH / HOUR - 1), 0.0);
    }

    #[test]
    fn app_traffic_spike_and_rotation() {
        let mut world = World::new(7);
        let mut out = Vec::new();
        let app = &mut world.apps[SPIKE_APP];
        for h in SPIKE_HOUR - 48..=SPIKE_HOUR {
            let spike = (h == SPIKE_HOUR).then_some((SC_SPIKE, 1200));
            app_events(app, h, spike, 7, &mut out);
        }
        let spike: Vec<&Ev> = out.iter().filter(|e| e.scenario == Some(SC_SPIKE)).collect();
        assert_eq!(spike.len(), 1200);
        let hour_start = start_time() + SPIKE_HOUR * HOUR;
        assert!(spike.iter().all(|e| e.time >= hour_start && e.time < hour_start + HOUR));
        assert!(spike.iter().all(|e| e.arg == Some(CLAUDE_HAIKU) && e.name == CONVERSE));
        let benign_then: Vec<&Ev> = out
            .iter()
            .filter(|e| e.scenario.is_none() && e.time >= hour_start)
            .collect();
        assert!(
            benign_then.iter().any(|e| e.who.key == spike[0].who.key),
            "same session as the app"
        );
        let keys: BTreeSet<&str> = out.iter().map(|e| e.who.key.as_str()).collect();
        assert!((2..=4).contains(&keys.len()), "keys rotate about daily: {}", keys.len());
        assert!(out.iter().all(|e| e.ip[0] == 10 && e.who.key.starts_with("ASIA")));
    }

    // --- evaluation ---

    fn scenario(name: &str, key: &str, arn: &str, first: &str, last: &str, ids: &[&str]) -> Scenario {
        Scenario {
            name: name.into(),
            access_key_id: Some(key.into()),
            principal_arn: Some(arn.into()),
            first: t(first),
            last: t(last),
            event_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn finding(
        rule: &str,
        sev: Severity,
        time: Option<&str>,
        ids: &[&str],
        key: Option<&str>,
        arn: Option<&str>,
    ) -> FindingRow {
        FindingRow {
            rule_id: rule.into(),
            severity: sev,
            event_time: time.map(t),
            event_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            access_key_id: key.map(Into::into),
            arn: arn.map(Into::into),
            who: arn.or(key).unwrap_or("someone").into(),
        }
    }

    #[test]
    fn matching_by_event_id_key_or_arn_within_the_window() {
        let s = scenario(
            "x",
            "AKIAATTACK",
            "arn:aws:iam::1:user/a",
            "2026-03-10T14:00:00Z",
            "2026-03-10T14:20:00Z",
            &["e1", "e2"],
        );
        let m = |f: FindingRow| matches(&s, &f);
        use Severity::*;
        // Event ids match at any time, even without a time or a principal.
        assert!(m(finding("r", High, None, &["zz", "e2"], None, None)));
        assert!(m(finding(
            "r",
            High,
            Some("2026-03-20T00:00:00Z"),
            &["e1"],
            Some("ASIAOTHER"),
            None
        )));
        // Key or ARN: within an hour of the attack only.
        assert!(m(finding(
            "r",
            High,
            Some("2026-03-10T14:05:00Z"),
            &[],
            Some("AKIAATTACK"),
            None
        )));
        assert!(m(finding(
            "r",
            High,
            Some("2026-03-10T13:00:00Z"),
            &[],
            None,
            Some("arn:aws:iam::1:user/a")
        )));
        assert!(m(finding(
            "r",
            High,
            Some("2026-03-10T15:20:00Z"),
            &[],
            Some("AKIAATTACK"),
            None
        )));
        assert!(!m(finding(
            "r",
            High,
            Some("2026-03-10T15:20:01Z"),
            &[],
            Some("AKIAATTACK"),
            None
        )));
        assert!(!m(finding(
            "r",
            High,
            Some("2026-03-10T12:59:59Z"),
            &[],
            Some("AKIAATTACK"),
            None
        )));
        assert!(!m(finding("r", High, None, &[], Some("AKIAATTACK"), None)));
        // Nothing in common.
        assert!(!m(finding(
            "r",
            High,
            Some("2026-03-10T14:05:00Z"),
            &["e3"],
            Some("AKIAOTHER"),
            Some("arn:aws:iam::1:user/b")
        )));
        // A scenario without key or ARN matches by event id only.
        let bare = Scenario {
            access_key_id: None,
            principal_arn: None,
            ..s.clone()
        };
        assert!(!matches(
            &bare,
            &finding("r", High, Some("2026-03-10T14:05:00Z"), &[], None, None)
        ));
    }

    #[test]
    fn detection_latency_rules_and_benign_rate() {
        use Severity::*;
        let scenarios = Scenarios {
            days: 30.0,
            benign_principals: 10,
            scenarios: vec![
                scenario(
                    "caught",
                    "AKIA1",
                    "arn:a",
                    "2026-03-10T14:00:00Z",
                    "2026-03-10T14:20:00Z",
                    &["a1", "a2"],
                ),
                scenario(
                    "slow",
                    "AKIA2",
                    "arn:b",
                    "2026-03-12T03:00:00Z",
                    "2026-03-12T03:30:00Z",
                    &["b1"],
                ),
                scenario(
                    "low_only",
                    "AKIA3",
                    "arn:c",
                    "2026-03-15T21:00:00Z",
                    "2026-03-15T21:05:00Z",
                    &["c1"],
                ),
                scenario(
                    "before",
                    "ASIA4",
                    "arn:d",
                    "2026-03-19T10:00:00Z",
                    "2026-03-19T11:00:00Z",
                    &["d1"],
                ),
            ],
        };
        let findings = vec![
            finding("seq", High, Some("2026-03-10T14:09:30Z"), &["a2"], Some("AKIA1"), None),
            finding(
                "single",
                Medium,
                Some("2026-03-10T14:03:00Z"),
                &["a1"],
                Some("AKIA1"),
                None,
            ),
            finding("noise", Low, Some("2026-03-10T14:01:00Z"), &[], Some("AKIA1"), None),
            finding("late", Critical, Some("2026-03-12T03:20:00Z"), &["b1"], None, None),
            finding("noise", Low, Some("2026-03-15T21:01:00Z"), &["c1"], None, None),
            // On the shared identity shortly before the attack: counts, latency 0.
            finding("volume", Medium, Some("2026-03-19T09:50:00Z"), &[], Some("ASIA4"), None),
            // Benign: medium+ matching nothing (3), and low ones (not counted).
            finding(
                "fp",
                Medium,
                Some("2026-03-05T10:00:00Z"),
                &["x"],
                Some("ASIAX"),
                Some("arn:app"),
            ),
            finding(
                "fp",
                High,
                Some("2026-03-06T10:00:00Z"),
                &["y"],
                Some("ASIAY"),
                Some("arn:app"),
            ),
            finding("fp2", Medium, None, &[], None, Some("arn:dev")),
            finding("noise", Low, Some("2026-03-06T10:00:00Z"), &["z"], Some("ASIAZ"), None),
            // The attacker key a day later: benign as far as the scenario goes.
            finding("fp2", Medium, Some("2026-03-11T14:30:00Z"), &[], Some("AKIA1"), None),
        ];
        let ev = evaluate(&scenarios, &findings);
        let by_name = |n: &str| ev.scenarios.iter().find(|s| s.name == n).unwrap();

        let caught = by_name("caught");
        assert!(caught.detected && caught.on_target());
        assert_eq!(caught.latency_min, Some(3.0));
        assert_eq!(
            caught.rules,
            vec![
                ("seq".into(), High, 1),
                ("single".into(), Medium, 1),
                ("noise".into(), Low, 1)
            ]
        );
        let slow = by_name("slow");
        assert!(slow.detected && !slow.on_target());
        assert_eq!(slow.latency_min, Some(20.0));
        let low = by_name("low_only");
        assert!(!low.detected && low.latency_min.is_none());
        assert_eq!(low.rules, vec![("noise".into(), Low, 1)]);
        assert_eq!(by_name("before").latency_min, Some(0.0));

        assert_eq!(ev.findings, 11);
        assert_eq!(ev.by_severity, [0, 3, 5, 2, 1]);
        assert_eq!(ev.benign_total, 4);
        assert_eq!(ev.principal_days(), 300.0);
        assert!((ev.benign_rate() - 4.0 * 100.0 / 300.0).abs() < 1e-12);
        assert!(!ev.benign_pass() && !ev.scenarios_pass() && !ev.passed());
        assert_eq!(ev.benign[0].rule_id, "fp");
        assert_eq!(ev.benign[0].count, 2);
        assert_eq!(ev.benign[0].max_severity, High);
        assert_eq!(ev.benign[0].principals.get("arn:app"), Some(&2));
        assert_eq!((ev.benign[1].rule_id.as_str(), ev.benign[1].count), ("fp2", 2));

        let md = ev.markdown();
        assert!(md.contains("| scenario | detected | first finding after (min) | rules (max severity) |"));
        assert!(md.contains("| caught | yes | 3.0 | seq (high, 1), single (medium, 1), noise (low, 1) |"));
        assert!(md.contains("| low_only | no | - | noise (low, 1) |"));
        assert!(md.contains("4 over 10 principals x 30 days = 300 principal-days: 1.33 per 100"));
        assert!(md.contains("FAIL (2 of 4; missed: slow (20.0 min), low_only (not detected))"));
        assert!(md.contains("Result: FAIL"));
    }

    #[test]
    fn exactly_on_target_passes() {
        use Severity::*;
        let scenarios = Scenarios {
            days: 10.0,
            benign_principals: 10,
            scenarios: vec![scenario(
                "s",
                "AKIA1",
                "arn:a",
                "2026-03-10T14:00:00Z",
                "2026-03-10T14:20:00Z",
                &["a1"],
            )],
        };
        let findings = vec![
            finding("r", Medium, Some("2026-03-10T14:15:00Z"), &["a1"], None, None),
            finding("fp", Medium, Some("2026-03-01T00:00:00Z"), &[], None, None),
        ];
        let ev = evaluate(&scenarios, &findings);
        assert_eq!(ev.scenarios[0].latency_min, Some(15.0));
        assert_eq!(ev.benign_rate(), 1.0);
        assert!(ev.passed());
        assert!(ev.markdown().contains("Result: PASS"));
    }

    #[test]
    fn input_parsing_and_errors() {
        let scen = r#"{"start":"2026-03-01T00:00:00Z","days":30,"benign_principals":63,"scenarios":[
            {"name":"a","account":"1","access_key_id":"AKIA1","principal_arn":"arn:x","source_ips":[],
             "first_event_time":"2026-03-10T14:07:12Z","last_event_time":"2026-03-10T14:27:00Z","event_ids":["e1","e2"]}]}"#;
        let s = parse_scenarios(scen).unwrap();
        assert_eq!((s.days, s.benign_principals, s.scenarios.len()), (30.0, 63, 1));
        assert_eq!(s.scenarios[0].first, t("2026-03-10T14:07:12Z"));
        assert!(s.scenarios[0].event_ids.contains("e2"));
        assert!(parse_scenarios("{}").is_err());
        assert!(parse_scenarios(r#"{"days":30,"benign_principals":0,"scenarios":[]}"#).is_err());
        assert!(
            parse_scenarios(r#"{"days":30,"benign_principals":5,"scenarios":[{"name":"a","event_ids":[]}]}"#).is_err()
        );

        let text = concat!(
            r#"{"rule_id":"r1","severity":"high","event_time":"2026-03-10T14:07:12Z","event_ids":["e1"],"account":"1","principal":{"arn":"arn:x","access_key_id":"AKIA1","name":"x"}}"#,
            "\n\n",
            r#"{"rule_id":"r2","severity":"low","event_time":null,"event_ids":[],"principal":{"arn":null,"access_key_id":null,"name":"unknown principal"}}"#,
            "\n"
        );
        let f = parse_findings(text).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].access_key_id.as_deref(), Some("AKIA1"));
        assert_eq!(f[1].event_time, None);
        assert_eq!(f[1].arn, None);
        assert_eq!(parse_findings("").unwrap().len(), 0);
        let err = parse_findings("{\"rule_id\":\"r\",\"severity\":\"huge\"}\n").unwrap_err();
        assert!(err.contains("line 1") && err.contains("severity"), "{err}");
        assert!(parse_findings("\nnot json\n").unwrap_err().contains("line 2"));
        assert!(parse_findings("[1]").is_err());
        assert!(parse_findings(r#"{"rule_id":"r","severity":"low","event_time":"yesterday"}"#).is_err());
    }
}
