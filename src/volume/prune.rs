//! Removing volumes by name (`volume rm`) and removing every volume no container
//! uses (`volume prune`). A volume a container uses is refused under the volumes
//! lock, so one taken up since it was listed is never removed from under it.

use super::filter::{self, unused};
use super::{users, Volume, VolumeError, VolumeStore};
use crate::base::remove::TreeRemover;

/// Removes volume `name`; unless `force`, one a container uses is refused
/// ([`VolumeError::InUse`]).
pub fn remove(
    store: &VolumeStore,
    name: &str,
    force: bool,
    remover: &dyn TreeRemover,
) -> anyhow::Result<Volume> {
    store.remove(
        name,
        |v| if force { Ok(()) } else { unused(store, v) },
        remover,
    )
}

/// The names of the volumes passing `filters` that no container uses.
pub fn candidates(store: &VolumeStore, filters: &[String]) -> anyhow::Result<Vec<String>> {
    let used = users::containers_using(store);
    Ok(filter::select(store, filters)?
        .into_iter()
        .filter(|v| !used.contains_key(&v.name))
        .map(|v| v.name)
        .collect())
}

/// Removes the volumes `names` (see [`candidates`]), calling `removed` with each
/// one as it goes. A volume taken up or removed meanwhile is skipped; the other
/// failures are returned.
pub fn prune(
    store: &VolumeStore,
    names: &[String],
    remover: &dyn TreeRemover,
    mut removed: impl FnMut(&Volume),
) -> Vec<anyhow::Error> {
    let mut failures = Vec::new();
    for name in names {
        match remove(store, name, false, remover) {
            Ok(v) => removed(&v),
            Err(e) => match e.downcast_ref::<VolumeError>() {
                Some(VolumeError::InUse { .. } | VolumeError::NotFound(_)) => {}
                _ => failures.push(e),
            },
        }
    }
    failures
}
