//! With `telemetry.otlp_endpoint` set, spans are exported over OTLP/HTTP (protobuf).
//! The "collector" is a tiny in-process HTTP server recording what it receives.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use service_kit::TelemetrySettings;

type Received = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

async fn collect(req: HttpRequest, body: web::Bytes, seen: web::Data<Received>) -> HttpResponse {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    seen.lock()
        .unwrap()
        .push((req.path().to_owned(), content_type, body.to_vec()));
    HttpResponse::Ok().finish()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_to_the_configured_otlp_endpoint() {
    let seen: Received = Arc::default();
    let data = web::Data::new(seen.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(collect))
    })
    .listen(listener)
    .unwrap()
    .workers(1)
    .disable_signals()
    .run();
    let handle = server.handle();
    tokio::spawn(server);

    let settings = TelemetrySettings {
        log_filter: "info".into(),
        json_logs: true,
        otlp_endpoint: Some(format!("http://127.0.0.1:{port}")),
    };
    let guard = service_kit::telemetry::init("otlp-test", &settings).unwrap();
    let traceparent = tracing::info_span!("exported_unit_of_work").in_scope(|| {
        tracing::info!("inside the span");
        service_kit::telemetry::current_trace_context().traceparent
    });
    assert!(
        traceparent.starts_with("00-"),
        "the current span has a W3C trace context: {traceparent}"
    );
    tokio::task::spawn_blocking(move || guard.force_flush())
        .await
        .unwrap();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some((path, content_type, body)) = seen.lock().unwrap().first().cloned() {
            assert_eq!(path, "/v1/traces");
            assert_eq!(content_type, "application/x-protobuf");
            let needle = b"exported_unit_of_work";
            assert!(
                body.windows(needle.len()).any(|w| w == needle),
                "span name in the export"
            );
            let trace_id = hex_to_bytes(&traceparent[3..35]);
            assert!(
                body.windows(16).any(|w| w == trace_id.as_slice()),
                "trace id in the export"
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no OTLP export arrived"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    handle.stop(false).await;
}

fn hex_to_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}
