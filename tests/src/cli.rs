//! The real `aidr` command line (built with `--features aws`: `cargo build -p aidr --features
//! aidr/aws`, as `scripts/test` does) run with the emulator's environment.

use std::process::{Command, Output};

use crate::runtime_api::function_binary;

/// Runs `aidr args` with the emulator's environment (without the `AIDR_*` settings the
/// command line reads) and `env` on top; calls are not retried (moto answers the calls it
/// lacks with HTTP 500).
pub fn aidr_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let out = Command::new(function_binary("aidr", "debug"))
        .args(args)
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AIDR_STATE_TABLE")
        .env_remove("AIDR_RESPONDER_ROLE_NAME")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !(out.status.code() == Some(2) && stderr.contains("--features aws")),
        "the aidr binary was built without AWS support: build it with `cargo build -p aidr --features aidr/aws` (scripts/test does)\n{stderr}"
    );
    out
}

/// [`aidr_with`] in the emulator's environment as it is.
pub fn aidr(args: &[&str]) -> Output {
    aidr_with(args, &[])
}

/// [`aidr_with`], which must exit 0; returns stdout and stderr.
pub fn aidr_ok_with(args: &[&str], env: &[(&str, &str)]) -> (String, String) {
    let out = aidr_with(args, env);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "aidr {args:?}:\n{stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// [`aidr`], which must exit 0; returns stdout and stderr.
pub fn aidr_ok(args: &[&str]) -> (String, String) {
    aidr_ok_with(args, &[])
}
