//! Prometheus metrics: a registry per process, HTTP request metrics, and a place for each
//! service to register its own.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};
use tracing::Instrument;

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
}

impl Metrics {
    pub fn new(service: &str) -> Result<Self, prometheus::Error> {
        let labels = [("service".to_owned(), service.to_owned())]
            .into_iter()
            .collect();
        let registry = Registry::new_custom(Some("wearhouse".into()), Some(labels))?;
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency"),
            &["method", "route"],
        )?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        Ok(Self {
            registry,
            http_requests,
            http_duration,
        })
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Registers and returns a counter family owned by the calling service.
    pub fn counter(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> Result<IntCounterVec, prometheus::Error> {
        let c = IntCounterVec::new(Opts::new(name, help), labels)?;
        self.registry.register(Box::new(c.clone()))?;
        Ok(c)
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        if TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .is_err()
        {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// Middleware (`wrap(from_fn(track_http))`) counting requests by route pattern, never raw path.
pub async fn track_http(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().to_string();
    let started = Instant::now();
    let span = tracing::info_span!("http_request", http.method = %method, http.route = %route);
    let traceparent = header(&req, "traceparent");
    let tracestate = header(&req, "tracestate");
    crate::telemetry::continue_trace(&span, traceparent.as_deref(), tracestate.as_deref());
    let res = next.call(req).instrument(span.clone()).await?;
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "request"
        );
    });
    if let Some(m) = metrics {
        m.http_requests
            .with_label_values(&[method.as_str(), route.as_str(), res.status().as_str()])
            .inc();
        m.http_duration
            .with_label_values(&[method.as_str(), route.as_str()])
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(res)
}

fn header(req: &ServiceRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub async fn metrics_endpoint(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render())
}
