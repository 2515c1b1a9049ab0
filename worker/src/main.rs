//! `campaign-worker`: see the library docs. Configured by environment variables; stops
//! gracefully on Ctrl-C or SIGTERM.

fn main() -> anyhow::Result<()> {
    campaign_worker::main()
}
