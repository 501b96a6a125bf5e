//! Parallel pulls of one image and of several, with removals racing them.

use std::time::Duration;

use crate::common::image;

use super::*;

#[test]
fn parallel_pulls_of_one_image_share_its_layers() {
    let env = TestEnv::new();
    let reference = image("multilayer:latest");
    let outs: Vec<Output> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    env.cmd(&["pull", "-q", &reference])
                        .timeout(PULL_SECS)
                        .run()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in &outs {
        out.assert_ok();
    }
    let ids: BTreeSet<&str> = outs.iter().map(|o| o.stdout.trim()).collect();
    assert_eq!(ids.len(), 1, "one image");
    assert_eq!(assert_store_consistent(&env).len(), 1);
    assert_eq!(dir_names(&storage(&env).join("layers")).len(), 3);
    assert_multilayer_tree(&env, &reference);
}

#[test]
fn parallel_pulls_with_racing_rmi_keep_the_store_consistent() {
    let env = TestEnv::new();
    let refs = [
        image("busybox:latest"),
        image("multilayer:latest"),
        image("multiarch:latest"),
        image("busybox:zstd"),
    ];
    for round in 0..2 {
        let (pulls, rmis) = std::thread::scope(|s| {
            let pulls: Vec<_> = refs
                .iter()
                .map(|r| {
                    let env = &env;
                    s.spawn(move || env.cmd(&["pull", "-q", r]).timeout(PULL_SECS).run())
                })
                .collect();
            // Also the same image four times at once.
            let same: Vec<_> = (0..4)
                .map(|_| {
                    let env = &env;
                    let r = &refs[1];
                    s.spawn(move || env.cmd(&["pull", "-q", r]).timeout(PULL_SECS).run())
                })
                .collect();
            let rmi = s.spawn(|| {
                let mut outs = Vec::new();
                for i in 0..6 {
                    std::thread::sleep(Duration::from_millis(150));
                    let args: &[&str] = if i % 2 == 0 {
                        &["rmi", "-a", "-f"]
                    } else {
                        &["rmi", "-f", "-i", "multilayer", "busybox"]
                    };
                    outs.push(env.cmd(args).timeout(PULL_SECS).run());
                }
                outs
            });
            let pulls: Vec<Output> = pulls
                .into_iter()
                .chain(same)
                .map(|h| h.join().unwrap())
                .collect();
            (pulls, rmi.join().unwrap())
        });
        for out in &pulls {
            out.assert_ok();
        }
        for out in &rmis {
            out.assert_ok();
        }
        // Whatever survived is whole.
        let ids = assert_store_consistent(&env);
        for id in &ids {
            env.rpod(&["image", "inspect", id]).assert_ok();
        }
        let out = env.rpod(&["rmi", "-a", "-f"]);
        out.assert_ok();
        assert_eq!(
            assert_store_consistent(&env),
            BTreeSet::new(),
            "round {round}"
        );
        assert_eq!(
            dir_names(&storage(&env).join("layers")),
            BTreeSet::new(),
            "round {round}: orphan layer dirs"
        );
    }
}
