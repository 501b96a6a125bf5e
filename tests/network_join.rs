//! `--network container:NAME`: a second container in the network of a running one.

use crate::common::{image, Output, TestEnv};

/// `rpod run --rm -q --network container:NAME EXTRA… IMG true`.
fn run_in_network_of(env: &TestEnv, name: &str, extra: &[&str], img: &str) -> Output {
    let network = format!("container:{name}");
    let mut args = vec!["run", "--rm", "-q", "--network", &network];
    args.extend_from_slice(extra);
    args.extend([img, "true"]);
    env.rpod(&args)
}

#[test]
fn container_network_is_shared_with_a_running_container() {
    let env = TestEnv::new();
    let img = image("busybox");
    let out = env.rpod(&[
        "run",
        "-d",
        "-q",
        "--name",
        "web",
        &img,
        "sh",
        "-c",
        "echo shared-net > /tmp/index.html; exec httpd -f -p 8080 -h /tmp",
    ]);
    out.assert_ok();
    // The second container reaches the first one's server on its own loopback,
    // and sees the same device and address.
    let out = env
        .cmd(&[
            "run",
            "--rm",
            "--network",
            "container:web",
            &img,
            "sh",
            "-c",
            "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://127.0.0.1:8080/ && break; sleep 0.2; done; \
             ip -4 -o addr show tap0",
        ])
        .timeout(30)
        .run();
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(lines[0], "shared-net", "{out}");
    assert!(lines[1].contains("10.0.2.100/24"), "{out}");
    env.rpod(&["rm", "-f", "-t", "0", "web"]).assert_ok();
}

#[test]
fn container_network_of_a_missing_or_stopped_container_is_125() {
    let env = TestEnv::new();
    let img = image("busybox");
    let out = run_in_network_of(&env, "nope", &[], &img);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("nope"), "{out}");
    env.rpod(&["create", "-q", "--name", "idle", &img, "true"])
        .assert_ok();
    let out = run_in_network_of(&env, "idle", &[], &img);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("not running"), "{out}");
    // Ports belong to the container that owns the network: as podman, a warning
    // that they are discarded, then the same error.
    let out = run_in_network_of(&env, "idle", &["-p", "8080:80"], &img);
    out.assert_code(125);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains("Port mappings have been discarded"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("Error: ") && lines[1].contains("not running"),
        "{out}"
    );
}
