//! The real worker, built inside the test package so tests can start and SIGKILL it as a
//! separate process.

fn main() -> anyhow::Result<()> {
    campaign_worker::main()
}
