//! `rpod wait`: block until containers stop; print their exit codes.

use anyhow::Result;

use super::container::{each, open};
use super::Context;
use crate::container::ops;

/// Block on one or more containers
///
/// Waits until each container is no longer running and prints its exit code.
#[derive(Debug, clap::Args)]
pub struct WaitArgs {
    /// Containers to wait for (names or IDs)
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

pub fn run(ctx: &Context, args: &WaitArgs) -> Result<u8> {
    let store = open(ctx)?;
    each(&args.containers, |q| {
        let record = store.lookup(q)?;
        let code = ops::wait(&store, &record.id)?;
        println!("{code}");
        Ok(())
    })
}
