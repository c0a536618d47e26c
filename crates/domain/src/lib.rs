//! The pure data model shared by every Wearhouse service.
//!
//! Nothing in here does I/O: no database, broker or HTTP types. Provider transformers map
//! wire payloads into these types; storage persists them; query-api renders them.

pub mod ids;
pub mod provider;
pub mod records;
pub mod series;
pub mod time;

pub use ids::{ConnectionId, TenantId, UserId};
pub use provider::Provider;
pub use records::{
    DailyActivity, NormalizedBatch, Sample, SleepSession, SleepStage, StageInterval, Workout,
};
pub use series::SeriesType;
pub use time::{TimeWindow, ZoneOffset};
