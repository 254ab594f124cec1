//! The state of each schedule: when it last ran, what runs next, who claimed it.

#[derive(Debug, Clone, Default)]
pub struct ScheduleRow {
    pub workflow: String,
    pub last_run_at: Option<String>,
    pub next_run_at: Option<String>,
    pub last_process: Option<String>,
    pub claimed_by: Option<String>,
}

/// A claimed run: what the schedule row says after it.
pub struct Claimed<'a> {
    pub workflow: &'a str,
    /// `last_run_at` as this caller read it; the claim fails if it changed since.
    pub seen_last_run_at: Option<&'a str>,
    pub last_run_at: &'a str,
    pub next_run_at: Option<&'a str>,
    pub process_id: &'a str,
    pub claimed_by: &'a str,
}
