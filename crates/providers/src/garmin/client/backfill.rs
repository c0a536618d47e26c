//! Backfill: asks Garmin to re-send history through the webhooks (202, asynchronous), in
//! windows of at most [`MAX_BACKFILL_DAYS`].

use chrono::{DateTime, Utc};
use domain::{Provider, TimeWindow};
use secrecy::SecretString;

use super::{GarminClient, PRECONDITION_FAILED};
use crate::api::ApiContext;
use crate::error::ProviderError;
use crate::garmin::{GarminDataType, MAX_BACKFILL_DAYS};

/// What one backfill request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackfillOutcome {
    /// 202: Garmin will push the window's data later.
    Accepted,
    /// 409: this window was requested before; Garmin will not send it again.
    AlreadyRequested,
    /// 412: the user did not grant this summary type.
    NotPermitted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillRequest {
    pub data_type: GarminDataType,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub outcome: BackfillOutcome,
}

/// The backfill requests sent for one window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackfillReport {
    pub requests: Vec<BackfillRequest>,
    /// 403: the user did not grant `HISTORICAL_DATA_EXPORT`; nothing more was requested.
    pub historical_data_denied: bool,
}

/// Asks Garmin to re-send `window` for `data_types` (all backfillable types when empty), in
/// requests of at most [`MAX_BACKFILL_DAYS`]. The data arrives later through the webhooks.
pub async fn request_backfill(
    api: ApiContext<'_>,
    token: &SecretString,
    window: TimeWindow,
    data_types: &[String],
) -> Result<BackfillReport, ProviderError> {
    let types = crate::garmin::api::selected(data_types);
    GarminClient::new(api.api_base_url.clone(), api.sender.clone())
        .backfill(token, window, &types)
        .await
}

impl GarminClient {
    /// One backfill request per type and chunk of at most [`MAX_BACKFILL_DAYS`].
    pub async fn backfill(
        &self,
        token: &SecretString,
        window: TimeWindow,
        data_types: &[GarminDataType],
    ) -> Result<BackfillReport, ProviderError> {
        let chunk = chrono::Duration::days(i64::from(MAX_BACKFILL_DAYS));
        let mut report = BackfillReport::default();
        'types: for &data_type in data_types.iter().filter(|t| t.has_backfill()) {
            let mut start = window.start;
            while start < window.end {
                let end = (start + chunk).min(window.end);
                let query = [
                    ("summaryStartTimeInSeconds", start.timestamp().to_string()),
                    ("summaryEndTimeInSeconds", end.timestamp().to_string()),
                ];
                let request = self.request(
                    reqwest::Method::GET,
                    &["backfill", data_type.path()],
                    token,
                    &query,
                )?;
                let outcome = match self
                    .sender
                    .send(Provider::Garmin, "garmin_backfill", request)
                    .await
                {
                    Ok(_) => BackfillOutcome::Accepted,
                    Err(ProviderError::Status { status: 409, .. }) => {
                        BackfillOutcome::AlreadyRequested
                    }
                    Err(ProviderError::Status { status: 403, .. }) => {
                        report.historical_data_denied = true;
                        return Ok(report);
                    }
                    Err(ProviderError::Status { status, .. }) if status == PRECONDITION_FAILED => {
                        BackfillOutcome::NotPermitted
                    }
                    Err(e) => return Err(e),
                };
                report.requests.push(BackfillRequest {
                    data_type,
                    start,
                    end,
                    outcome,
                });
                if outcome == BackfillOutcome::NotPermitted {
                    continue 'types;
                }
                start = end;
            }
        }
        Ok(report)
    }
}
