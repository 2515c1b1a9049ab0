//! The per-recipient report of `bench-api`'s 100,000-contact campaign, downloaded through the
//! API: its time, and how far the process's resident memory rose while the API streamed it.
//! The API runs in this process, so a report held in memory would show as a rise the size of the
//! file; streamed a page at a time, the rise stays near one page whatever the campaign's size.

use campaign_tests::api::TestApi;
use std::time::Instant;

/// A line of `/proc/self/status` (`VmRSS`, `VmHWM`), in KiB.
fn status_kib(field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches(" kB").parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no {field} in /proc/self/status"))
}

/// Downloads the campaign's report, reading it chunk by chunk, and prints its figures.
pub async fn measure(api: &TestApi, campaign_id: i64) -> anyhow::Result<()> {
    // Resets the peak (VmHWM) to the current resident size (Linux's clear_refs, value 5).
    std::fs::write("/proc/self/clear_refs", "5")?;
    let before = status_kib("VmRSS")?;
    let started = Instant::now();
    let mut response = api
        .get(&format!("/campaigns/{campaign_id}/report.csv"))
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "report answered {}",
        response.status()
    );
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = response.chunk().await? {
        bytes += chunk.len();
        lines += chunk.iter().filter(|&&byte| byte == b'\n').count();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let peak = status_kib("VmHWM")?;
    println!(
        "GET /campaigns/{{id}}/report.csv: {} lines, {:.1} MB in {elapsed:.2} s ({:.0} lines/s); \
         resident memory {:.1} MiB before, peak {:.1} MiB during (+{:.1} MiB)",
        lines.saturating_sub(1),
        bytes as f64 / 1e6,
        lines as f64 / elapsed,
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
        peak.saturating_sub(before) as f64 / 1024.0,
    );
    Ok(())
}
