//! Postgres persistence for Wearhouse: schema, embedded migrations, the connection pool,
//! token encryption and the queries each service runs.

pub mod crypto;
pub mod db;
pub mod error;
pub mod queries;
pub mod schema;
pub mod test_support;

pub use crypto::TokenCipher;
pub use db::{Database, DbConn, MIGRATIONS};
pub use error::StorageError;
