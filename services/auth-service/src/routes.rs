//! auth-service routes.

pub mod connections;
pub mod oauth;
pub mod users;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    users::configure(cfg);
    connections::configure(cfg);
    oauth::configure(cfg);
}
