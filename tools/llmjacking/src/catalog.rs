//! What the simulated world is made of: accounts, regions, Bedrock models and the user agents
//! of applications, developers, legacy users and attackers.

pub const ACCOUNT_A: &str = "111122223333";
pub const ACCOUNT_B: &str = "444455556666";

pub(crate) const USE1: &str = "us-east-1";
pub(crate) const USW2: &str = "us-west-2";
pub(crate) const EUW1: &str = "eu-west-1";
pub(crate) const EUC1: &str = "eu-central-1";

pub(crate) const CLAUDE_35_SONNET: &str = "anthropic.claude-3-5-sonnet-20240620-v1:0";
pub(crate) const CLAUDE_35_SONNET_V2: &str = "anthropic.claude-3-5-sonnet-20241022-v2:0";
pub(crate) const CLAUDE_37: &str = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
pub(crate) const CLAUDE_HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
pub(crate) const CLAUDE_35_HAIKU: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";
pub(crate) const CLAUDE_OPUS: &str = "anthropic.claude-3-opus-20240229-v1:0";
pub(crate) const CLAUDE_SONNET_4: &str = "us.anthropic.claude-sonnet-4-20250514-v1:0";
pub(crate) const TITAN_EMBED: &str = "amazon.titan-embed-text-v2:0";
pub(crate) const NOVA_LITE: &str = "amazon.nova-lite-v1:0";
pub(crate) const NOVA_PRO: &str = "amazon.nova-pro-v1:0";
pub(crate) const NOVA_MICRO: &str = "amazon.nova-micro-v1:0";
pub(crate) const LLAMA_70B: &str = "meta.llama3-1-70b-instruct-v1:0";
pub(crate) const LLAMA_11B: &str = "meta.llama3-2-11b-instruct-v1:0";
pub(crate) const MISTRAL_LARGE: &str = "mistral.mistral-large-2407-v1:0";
pub(crate) const COHERE_EMBED: &str = "cohere.embed-english-v3";
pub(crate) const COHERE_R_PLUS: &str = "cohere.command-r-plus-v1:0";
pub(crate) const DEEPSEEK_R1: &str = "us.deepseek.r1-v1:0";

/// Models developers pick from.
pub(crate) const DEV_MODELS: &[&str] = &[
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

pub(crate) const UA_BOTO3_APP: &str = "Boto3/1.35.40 md/Botocore#1.35.40 ua/2.0 os/linux#5.10.227-219.884.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.40";
pub(crate) const UA_JS_APP: &str = "aws-sdk-js/3.687.0 ua/2.1 os/linux#5.10.227-239.884.amzn2.x86_64 lang/js md/nodejs#20.18.0 api/bedrock-runtime#3.687.0 m/E";
pub(crate) const UA_JAVA_APP: &str = "aws-sdk-java/2.29.6 Linux/5.10.227-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy";
pub(crate) const UA_GO_APP: &str =
    "aws-sdk-go-v2/1.32.4 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/bedrockruntime#1.22.0 m/E";
pub(crate) const DEV_UAS: &[&str] = &[
    "Boto3/1.35.54 md/Botocore#1.35.54 ua/2.0 os/macos#23.6.0 md/arch#arm64 lang/python#3.11.10 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.54",
    "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.8.0-1017-aws md/arch#x86_64 lang/python#3.12.5 md/pyimpl#CPython exec-env#AmazonSageMakerNotebook cfg/retry-mode#legacy Botocore/1.35.36",
    "aws-cli/2.18.14 md/awscrt#0.22.0 ua/2.0 os/macos#24.0.0 md/arch#arm64 lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#bedrock-runtime.converse",
    "Boto3/1.35.54 md/Botocore#1.35.54 ua/2.0 os/windows#10 md/arch#amd64 lang/python#3.12.4 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.54 langchain-aws/0.2.6",
];
pub(crate) const UA_LEGACY_BATCH: &str = "Boto3/1.26.137 Python/3.8.10 Linux/5.4.0-1103-aws Botocore/1.29.137";
pub(crate) const UA_LEGACY_CI: &str = "aws-cli/2.13.25 Python/3.11.5 Linux/5.15.0-1047-azure exe/x86_64.ubuntu.22 prompt/off command/bedrock-runtime.converse";
pub(crate) const UA_LEGACY_REPORT: &str = "aws-sdk-java/1.12.560 Linux/4.14.355-275.582.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/11.0.21+9-LTS java/11.0.21 vendor/Amazon.com_Inc.";
pub(crate) const UA_ATTACK_PY: &str = "Boto3/1.34.162 md/Botocore#1.34.162 ua/2.0 os/linux#5.15.0-113-generic md/arch#x86_64 lang/python#3.10.12 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.162";
pub(crate) const UA_ATTACK_JS: &str =
    "aws-sdk-js/3.575.0 ua/2.1 os/linux#6.5.0-1020-aws lang/js md/nodejs#20.12.2 api/bedrock-runtime#3.575.0 m/E";
pub(crate) const UA_ATTACK_CLI: &str = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-aws exe/x86_64.ubuntu.22 prompt/off command/bedrock.list-foundation-models";
