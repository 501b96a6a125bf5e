//! `rpod rmi` / `rpod image rm`: remove names and images, then the layers
//! no remaining image uses.

use anyhow::{bail, Result};

use super::image::open_store;
use super::Context;
use crate::base::digest::Digest;
use crate::container::{ops, ContainerStore};
use crate::error;
use crate::store::images::{Index, LookupError};
use crate::store::names;

/// podman's exit status when an image to remove is used by a container.
const EXIT_IMAGE_IN_USE: u8 = 2;

/// Remove one or more images from local storage
#[derive(Debug, clap::Args)]
pub struct RmiArgs {
    /// Remove all images
    #[arg(short, long)]
    pub all: bool,

    /// Remove an image even when it has several names and is given by id, and the
    /// containers that use it
    #[arg(short, long)]
    pub force: bool,

    /// Do not fail when an image does not exist
    #[arg(short, long)]
    pub ignore: bool,

    /// Images to remove (names, short names, ids or id prefixes)
    #[arg(value_name = "IMAGE")]
    pub images: Vec<String>,
}

/// What removing a set of images did, in podman's report order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Removal {
    pub untagged: Vec<String>,
    pub deleted: Vec<Digest>,
    /// Queries that named no image.
    pub missing: Vec<String>,
}

/// Works out, against `index`, what `rmi` does; refuses what podman refuses.
pub fn plan(index: &Index, queries: &[String], all: bool, force: bool) -> Result<Removal> {
    let mut r = Removal::default();
    if all {
        for img in &index.images {
            r.untagged.extend(img.names.iter().cloned());
            r.deleted.push(img.id.clone());
        }
        return Ok(r);
    }
    for q in queries {
        let img = match index.lookup(q) {
            Ok(img) => img,
            Err(LookupError::NotFound(_)) => {
                r.missing.push(q.clone());
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if r.deleted.contains(&img.id) {
            continue;
        }
        let by_name = img
            .names
            .iter()
            .filter_map(|n| names::matches(n, q).map(|m| (m, n)))
            .max_by_key(|(m, _)| *m)
            .map(|(_, n)| n.clone());
        let remaining: Vec<&String> = img
            .names
            .iter()
            .filter(|n| !r.untagged.contains(n))
            .collect();
        match by_name {
            // A name of an image that has others: only the name goes.
            Some(name) if remaining.len() > 1 => {
                if !r.untagged.contains(&name) {
                    r.untagged.push(name);
                }
            }
            Some(_) | None => {
                if by_name.is_none() && remaining.len() > 1 && !force {
                    bail!(
                        "unable to delete image {:?} by ID with more than one tag ([{}]): please force removal",
                        img.id.hex(),
                        remaining.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
                    );
                }
                r.untagged.extend(remaining.into_iter().cloned());
                r.deleted.push(img.id.clone());
            }
        }
    }
    Ok(r)
}

pub fn run(ctx: &Context, args: &RmiArgs) -> Result<u8> {
    if args.all && !args.images.is_empty() {
        bail!("when using the --all switch, you may not pass any images names or IDs");
    }
    if !args.all && args.images.is_empty() {
        bail!("image name or ID must be specified");
    }
    let store = open_store(ctx)?;
    let containers = ContainerStore::open(&ctx.paths)?;
    if args.force {
        // podman: --force also removes the containers using the images. They are
        // stopped before the image store is locked (no waiting under a lock).
        let index = store.read()?.index()?;
        let doomed = plan(&index, &args.images, args.all, args.force)?.deleted;
        for (image, ids) in containers.images_in_use()? {
            if doomed.iter().any(|d| d.hex() == image) {
                for id in ids {
                    if let Ok(c) = containers.get(&id) {
                        ops::remove(&containers, &c, true, 0)?;
                    }
                }
            }
        }
    }
    let mut in_use = None;
    let removal = {
        let mut w = store.write()?;
        let index = w.index()?;
        let mut removal = plan(&index, &args.images, args.all, args.force)?;
        // Read under the image store's lock (lock order: images, then containers): a
        // container being created now either is recorded already or finds its image gone.
        let used = containers.images_in_use()?;
        let busy: Vec<(Digest, String)> = removal
            .deleted
            .iter()
            .filter_map(|d| {
                used.get(d.hex())
                    .and_then(|c| c.first())
                    .map(|c| (d.clone(), c.clone()))
            })
            .collect();
        if let Some((_, container)) = busy.first() {
            let msg = format!(
                "image used by {container}: image is in use by a container: consider listing external containers and force-removing image"
            );
            if !args.all {
                return Err(error::exit_error(EXIT_IMAGE_IN_USE, msg));
            }
            // With --all the others still go.
            for (id, _) in &busy {
                removal.deleted.retain(|d| d != id);
                if let Some(img) = index.get(id) {
                    removal.untagged.retain(|n| !img.names.contains(n));
                }
            }
            in_use = Some(msg);
        }
        for img in &index.images {
            let names: Vec<String> = img
                .names
                .iter()
                .filter(|n| removal.untagged.contains(n))
                .cloned()
                .collect();
            if removal.deleted.contains(&img.id) {
                w.remove_image(&img.id)?;
            } else if !names.is_empty() {
                w.untag(&img.id, &names)?;
            }
        }
        if !removal.deleted.is_empty() {
            w.gc()?;
        }
        removal
        // The guard drops here: the lock goes, then the freed trees are deleted.
    };
    for n in &removal.untagged {
        println!("Untagged: {n}");
    }
    for d in &removal.deleted {
        println!("Deleted: {}", d.hex());
    }
    if let Some(msg) = in_use {
        return Err(error::exit_error(EXIT_IMAGE_IN_USE, msg));
    }
    if let (false, Some(first)) = (args.ignore, removal.missing.first()) {
        // podman: exit 1 when an image to remove does not exist.
        return Err(error::exit_error(1, format!("{first}: image not known")));
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::images::ImageRecord;

    fn img(seed: &str, names: &[&str]) -> ImageRecord {
        ImageRecord {
            id: Digest::of(seed.as_bytes()),
            names: names.iter().map(|s| s.to_string()).collect(),
            names_history: vec![],
            digests: vec![],
            manifest_media_type: String::new(),
            layers: vec![],
            size: 0,
            created: String::new(),
            added: String::new(),
        }
    }

    fn q(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn name_of_multi_named_image_only_untags() {
        let idx = Index {
            images: vec![img("a", &["localhost/x:1", "localhost/y:2"])],
        };
        let r = plan(&idx, &q(&["x:1"]), false, false).unwrap();
        assert_eq!(r.untagged, vec!["localhost/x:1"]);
        assert!(r.deleted.is_empty());
        // Both names given: the image goes.
        let r = plan(&idx, &q(&["x:1", "y:2"]), false, false).unwrap();
        assert_eq!(r.untagged, vec!["localhost/x:1", "localhost/y:2"]);
        assert_eq!(r.deleted, vec![idx.images[0].id.clone()]);
    }

    #[test]
    fn id_of_multi_named_image_needs_force() {
        let idx = Index {
            images: vec![img("a", &["localhost/x:1", "localhost/y:2"])],
        };
        let id = idx.images[0].id.hex()[..12].to_string();
        let err = plan(&idx, &q(&[&id]), false, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("please force removal"), "{err}");
        let r = plan(&idx, &q(&[&id]), false, true).unwrap();
        assert_eq!(r.deleted.len(), 1);
        assert_eq!(r.untagged.len(), 2);
    }

    #[test]
    fn missing_and_all() {
        let idx = Index {
            images: vec![img("a", &["localhost/x:1"]), img("b", &[])],
        };
        let r = plan(&idx, &q(&["nope", "x:1"]), false, false).unwrap();
        assert_eq!(r.missing, vec!["nope"]);
        assert_eq!(r.deleted, vec![idx.images[0].id.clone()]);
        let r = plan(&idx, &[], true, false).unwrap();
        assert_eq!(r.deleted.len(), 2);
        assert_eq!(r.untagged, vec!["localhost/x:1"]);
    }
}
