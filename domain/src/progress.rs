//! How far a campaign's journeys have got, as its workflow sees them.
//!
//! The store counts the rows (`journeys_open_idx`), an activity hands the count to the campaign
//! workflow, and the workflow keeps it in its state and status: one type all the way, here
//! because workflow code cannot depend on the store.

use serde::{Deserialize, Serialize};

/// The journeys of a campaign that are not final, by stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenJourneys {
    /// Released (contact id at most the last one released) and still sending Message 1, less
    /// those whose Message 1 waits for quiet hours to end (R21): the campaign's window.
    pub sending_message_1: u64,
    /// Past Message 1 and not final: waiting for an interaction, or sending Message 2.
    pub waiting: u64,
    /// Every journey not final, released or not.
    pub open: u64,
}
