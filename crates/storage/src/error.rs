use thiserror::Error;

#[derive(Debug, Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("could not get a database connection: {0}")]
    Pool(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("encryption error: {0}")]
    Crypto(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl StorageError {
    /// A unique-key violation (e.g. a duplicate external_user_id).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StorageError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}
