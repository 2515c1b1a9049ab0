//! `bench-api`: see `campaign_benches::api` (the code lives in the library so that it is compiled
//! once, not again in this binary).

fn main() -> anyhow::Result<()> {
    campaign_benches::api::main()
}
