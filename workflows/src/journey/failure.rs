//! How a journey reads a failed activity: which failure type it carries and the reason to
//! record, from the innermost failure of the chain Temporal wraps it in.

use temporalio_common::protos::temporal::api::failure::v1::failure::FailureInfo;
use temporalio_sdk::ActivityExecutionError;

/// Whether an application failure of type `failure_type` is in the chain of `err`.
pub(super) fn failure_type_is(err: &ActivityExecutionError, failure_type: &str) -> bool {
    let mut failure = err.failure();
    while let Some(current) = failure {
        if let Some(FailureInfo::ApplicationFailureInfo(info)) = &current.failure_info
            && info.r#type == failure_type
        {
            return true;
        }
        failure = current.cause.as_deref();
    }
    false
}

/// The innermost failure message: the activity's own reason rather than Temporal's wrapper
/// ("Activity task failed").
pub(super) fn failure_reason(err: &ActivityExecutionError) -> String {
    let mut reason = err.to_string();
    let mut failure = err.failure();
    while let Some(current) = failure {
        if !current.message.is_empty() {
            reason = current.message.clone();
        }
        failure = current.cause.as_deref();
    }
    reason
}
