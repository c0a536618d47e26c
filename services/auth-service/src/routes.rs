//! auth-service routes.

pub mod applications;
pub mod connections;
pub mod developer;
pub mod integrations;
pub mod oauth;
pub mod users;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    developer::configure(cfg);
    applications::configure(cfg);
    integrations::configure(cfg);
    users::configure(cfg);
    connections::configure(cfg);
    oauth::configure(cfg);
}
