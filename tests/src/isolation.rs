//! Which tests may share the machine. Every test lives in one binary, which runs two of them at
//! a time on two cores; the chaos test crashes and restarts a whole engine of its own and judges
//! timings under the load it makes, so it runs alone, as it did when it had a binary of its own,
//! and the tests beside it keep the timings they were written for.

use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

static MACHINE: RwLock<()> = RwLock::const_new(());

/// Held by every engine of a test that may run beside others ([`crate::TestEnv`]).
pub async fn shared() -> RwLockReadGuard<'static, ()> {
    MACHINE.read().await
}

/// Held by the chaos rig: waits for the running tests and keeps the next ones waiting.
pub async fn alone() -> RwLockWriteGuard<'static, ()> {
    MACHINE.write().await
}
