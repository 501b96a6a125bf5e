//! The command-line frame as users meet it: podman's exit codes and one-line errors.

use crate::common::TestEnv;

#[test]
fn unknown_flag_is_125_with_one_error_line() {
    let env = TestEnv::new();
    let out = env.rpod(&["--bogus"]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("--bogus"), "{out}");
    assert!(out.stdout.is_empty(), "{out}");
}

#[test]
fn unknown_subcommand_is_125_with_one_error_line() {
    let env = TestEnv::new();
    let out = env.rpod(&["nosuchcmd"]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("nosuchcmd"), "{out}");
}

#[test]
fn bad_log_level_is_125_with_one_error_line() {
    let env = TestEnv::new();
    let out = env.rpod(&["--log-level", "loud", "version"]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("loud"), "{out}");
}

#[test]
fn short_version_flag_prints_name_and_version() {
    let env = TestEnv::new();
    let out = env.rpod(&["-v"]);
    out.assert_ok();
    assert_eq!(
        out.stdout.trim_end(),
        format!("rpod version {}", env!("CARGO_PKG_VERSION")),
        "{out}"
    );
    let version = out.stdout.trim_end().rsplit(' ').next().unwrap_or("");
    let parts: Vec<&str> = version.split('.').collect();
    assert!(
        parts.len() == 3 && parts.iter().all(|p| p.parse::<u32>().is_ok()),
        "not X.Y.Z: {out}"
    );
}

#[test]
fn version_json_has_version_field() {
    let env = TestEnv::new();
    let out = env.rpod(&["version", "--format", "json"]);
    out.assert_ok();
    let value: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e})\n{out}"));
    assert_eq!(
        value["Version"].as_str(),
        Some(env!("CARGO_PKG_VERSION")),
        "{out}"
    );
}

#[test]
fn version_runs_for_a_user_without_subordinate_ids() {
    let env = TestEnv::new();
    let out = env
        .cmd(&["version", "--format", "{{.Version}}"])
        .user(crate::common::NOSUB_USER)
        .run();
    out.assert_ok();
    assert_eq!(out.stdout.trim_end(), env!("CARGO_PKG_VERSION"), "{out}");
}
