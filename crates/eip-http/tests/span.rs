//! The request id of an answer lands in the retry loop's `eip.attempt` span, where logs and
//! traces of one attempt find it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use common::{Reply, Server};
use eip_core::retry::{self, Call, DefaultClassifier, RetryPolicy};
use eip_core::ProviderKind;
use eip_http::{ClientOptions, HttpClient, Request};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// Collects `(span name, request_id)` for every `request_id` recorded into a span.
#[derive(Clone, Default)]
struct RequestIds(Arc<Mutex<Vec<(String, String)>>>);

struct Found(Option<String>);

impl Visit for Found {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "request_id" {
            self.0 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "request_id" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

impl<S> Layer<S> for RequestIds
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(&self, _: &Attributes<'_>, _: &Id, _: Context<'_, S>) {}

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let mut found = Found(None);
        values.record(&mut found);
        if let (Some(request_id), Some(span)) = (found.0, ctx.span(id)) {
            self.0
                .lock()
                .unwrap()
                .push((span.name().to_owned(), request_id));
        }
    }
}

#[tokio::test]
async fn the_request_id_is_recorded_into_the_attempt_span() {
    let ids = RequestIds::default();
    let subscriber = tracing_subscriber::registry().with(ids.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Server::start(|_| Reply::status(200, &["X-Request-Id: req-77"], "{}")).await;
    let options = ClientOptions::new().with_no_proxy();
    let http = HttpClient::new(&options)
        .unwrap()
        .with_request_id_headers(&["x-request-id"]);
    let call = Call::read(ProviderKind::new("test"), "Describe");
    let response = retry::run(
        &call,
        &RetryPolicy::never(),
        &options.timeouts(),
        &DefaultClassifier,
        |_| http.send(Request::get("Describe", server.url("/"))),
    )
    .await
    .unwrap();
    assert_eq!(response.request_id(), Some("req-77"));
    assert_eq!(
        ids.0.lock().unwrap().as_slice(),
        [("eip.attempt".to_owned(), "req-77".to_owned())]
    );
}
