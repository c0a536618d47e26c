//! The auth extractors inside a real actix app: SDK tokens open only their own user's SDK
//! routes; developer tokens are not SDK tokens; API keys are not bearer tokens.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::{App, HttpResponse, test, web};
use secrecy::SecretString;
use service_kit::auth::{DeveloperAuth, JwtKeys, SdkAuth};
use uuid::Uuid;

async fn sdk_route(auth: SdkAuth) -> HttpResponse {
    HttpResponse::Ok().body(auth.user_id.to_string())
}

async fn developer_route(auth: DeveloperAuth) -> HttpResponse {
    HttpResponse::Ok().body(auth.developer_id.to_string())
}

fn keys() -> JwtKeys {
    JwtKeys::new(
        &SecretString::from("an-e2e-jwt-secret-of-at-least-32-bytes"),
        60,
    )
    .unwrap()
}

#[actix_web::test]
async fn an_sdk_token_opens_its_own_users_sdk_route_only() {
    let keys = keys();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(keys.clone()))
            .route(
                "/api/v1/sdk/users/{user_id}/sync",
                web::post().to(sdk_route),
            )
            .route("/api/v1/auth/me", web::get().to(developer_route)),
    )
    .await;
    let (user, other, tenant) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let sdk = format!("Bearer {}", keys.sdk_token(user, tenant, "app_1").unwrap());
    let status = |req: test::TestRequest| {
        let app = &app;
        async move {
            test::call_service(app, req.to_request())
                .await
                .status()
                .as_u16()
        }
    };
    let own = test::TestRequest::post()
        .uri(&format!("/api/v1/sdk/users/{user}/sync"))
        .insert_header(("Authorization", sdk.as_str()));
    assert_eq!(status(own).await, 200);
    let others = test::TestRequest::post()
        .uri(&format!("/api/v1/sdk/users/{other}/sync"))
        .insert_header(("Authorization", sdk.as_str()));
    assert_eq!(status(others).await, 403);
    let portal = test::TestRequest::get()
        .uri("/api/v1/auth/me")
        .insert_header(("Authorization", sdk.as_str()));
    assert_eq!(status(portal).await, 401);
    let dev = format!(
        "Bearer {}",
        keys.developer_token(Uuid::new_v4(), tenant).unwrap()
    );
    let as_sdk = test::TestRequest::post()
        .uri(&format!("/api/v1/sdk/users/{user}/sync"))
        .insert_header(("Authorization", dev.as_str()));
    assert_eq!(status(as_sdk).await, 401);
    let key = test::TestRequest::post()
        .uri(&format!("/api/v1/sdk/users/{user}/sync"))
        .insert_header(("Authorization", "Bearer sk-0123"));
    assert_eq!(status(key).await, 401);
    let none = test::TestRequest::post().uri(&format!("/api/v1/sdk/users/{user}/sync"));
    assert_eq!(status(none).await, 401);
}
