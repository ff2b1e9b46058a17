//! Every store operation runs in a debug span named after it that records
//! its ids only; the body runs inside it (async-trait included), so a
//! database error is logged within the operation's span.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use shop_domain::account::AccountStore;
use shop_domain::ids::UserId;
use shop_sql::SqlStore;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

use crate::common::pool;

/// Every event of this workspace's crates as `message [span{fields}/...]`,
/// and every span of theirs as created (sea-orm's own are left out).
#[derive(Clone, Default)]
struct Recorder {
    events: Arc<Mutex<Vec<String>>>,
    spans: Arc<Mutex<Vec<String>>>,
}

struct Fields(String);

struct Visitor<'a>(&'a mut String);

impl Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        let _ = write!(self.0, "{}={value:?}", field.name());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_debug(field, &format_args!("{value}"));
    }
}

fn ours(target: &str) -> bool {
    target.starts_with("shop_")
}

impl<S> Layer<S> for Recorder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = String::new();
        attrs.record(&mut Visitor(&mut fields));
        let span = ctx.span(id).expect("a new span is registered");
        if !ours(span.metadata().target()) {
            return;
        }
        self.spans.lock().unwrap().push(format!(
            "{} {}::{}{{{fields}}}",
            span.metadata().level(),
            span.metadata().target(),
            span.name()
        ));
        span.extensions_mut().insert(Fields(fields));
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if !ours(event.metadata().target()) {
            return;
        }
        let mut message = String::new();
        event.record(&mut Visitor(&mut message));
        let scope: Vec<String> = ctx
            .event_scope(event)
            .into_iter()
            .flat_map(|scope| scope.from_root())
            .filter(|span| ours(span.metadata().target()))
            .map(|span| {
                let ext = span.extensions();
                let fields = ext.get::<Fields>().map_or("", |f| f.0.as_str());
                format!("{}{{{fields}}}", span.name())
            })
            .collect();
        self.events
            .lock()
            .unwrap()
            .push(format!("{message} [{}]", scope.join("/")));
    }
}

#[tokio::test]
async fn a_database_error_is_logged_inside_the_operations_span() {
    // No migrations: every statement fails (no such table).
    let store = SqlStore::connect("sqlite::memory:", &pool()).await.unwrap();
    let recorder = Recorder::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(recorder.clone()));

    store.get(&UserId::new("u-1")).await.unwrap_err();
    store
        .set_password_hash(&UserId::new("u-2"), "argon2-hash-never-logged", &[])
        .await
        .unwrap_err();

    let spans = recorder.spans.lock().unwrap().clone();
    assert_eq!(
        spans,
        [
            "DEBUG shop_sql::accounts::get{user_id=u-1}",
            "DEBUG shop_sql::accounts::set_password_hash{user_id=u-2}",
        ]
    );
    let events = recorder.events.lock().unwrap().clone();
    assert_eq!(events.len(), 2, "{events:#?}");
    assert!(
        events[0].starts_with("message=database error error=")
            && events[0].ends_with(" [get{user_id=u-1}]"),
        "{events:#?}"
    );
    assert!(
        events[1].ends_with(" [set_password_hash{user_id=u-2}]"),
        "{events:#?}"
    );
    assert!(
        !events
            .iter()
            .chain(&spans)
            .any(|e| e.contains("argon2-hash")),
        "{events:#?}"
    );
}
