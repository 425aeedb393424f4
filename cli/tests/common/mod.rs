//! What the CLI's integration tests share: the repository root, running the `aidr` binary,
//! scratch folders, the stack templates read as YAML ([`cfn`]) and the IAM actions granted on
//! `"*"` ([`unscoped`]). Each test binary uses a part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository root (the binary runs there, so sample paths are relative to it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `aidr` with `args` from the repository root.
pub fn aidr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aidr"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

/// Standard error, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh, empty folder for one test of one test binary.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aidr-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub mod cfn;
pub mod unscoped;
