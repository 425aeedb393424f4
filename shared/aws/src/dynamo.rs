//! The engine's [`StateStore`] on one DynamoDB table.
//!
//! Key design: partition key `pk` (String), no sort key; every item carries `expires_at`
//! (Unix seconds, the table's TTL attribute). DynamoDB deletes expired items lazily, so every
//! read and condition also treats `expires_at <= now` as absent.
//! - markers and counters: `pk`, `v` (Number), `expires_at`;
//! - deduplication windows: `pk`, `count`, `first_event`, `window_end`, `last_seen`, `expires_at`.
//!
//! Every write is a single conditional `PutItem` / `UpdateItem` (with `ADD` for counters), so
//! concurrent invocations never lose an update to a read-modify-write race.

use aidr_engine::state::{Item, StateError, StateStore, Window};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

/// A [`StateStore`] on the DynamoDB table `table`.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn num(item: &std::collections::HashMap<String, AttributeValue>, key: &str) -> Option<i64> {
    item.get(key)?.as_n().ok()?.parse().ok()
}

fn failed<E: std::error::Error + 'static, R: std::fmt::Debug>(op: &str, e: SdkError<E, R>) -> StateError {
    StateError(format!("DynamoDB {op}: {}", DisplayErrorContext(e)))
}

fn put_refused<R>(e: &SdkError<PutItemError, R>) -> bool {
    e.as_service_error()
        .is_some_and(PutItemError::is_conditional_check_failed_exception)
}

fn update_refused<R>(e: &SdkError<UpdateItemError, R>) -> bool {
    e.as_service_error()
        .is_some_and(UpdateItemError::is_conditional_check_failed_exception)
}

/// Conditional writes raced by a concurrent writer are tried this many times.
const ATTEMPTS: usize = 3;

impl DynamoStore {
    /// A store on `table` through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> DynamoStore {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Puts a fresh item unless a live one exists; true when written.
    async fn put_fresh(
        &self,
        key: &str,
        attrs: Vec<(&str, AttributeValue)>,
        live_condition: &str,
        now: i64,
    ) -> Result<bool, StateError> {
        let mut put = self.client.put_item().table_name(&self.table).item("pk", s(key));
        for (name, value) in attrs {
            put = put.item(name, value);
        }
        let result = put
            .condition_expression(format!("attribute_not_exists(pk) OR NOT ({live_condition})"))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if put_refused(&e) => Ok(false),
            Err(e) => Err(failed("PutItem", e)),
        }
    }
}

impl StateStore for DynamoStore {
    async fn insert_if_absent(&self, key: &str, value: i64, expires_at: i64, now: i64) -> Result<bool, StateError> {
        self.put_fresh(
            key,
            vec![("v", n(value)), ("expires_at", n(expires_at))],
            "expires_at > :now",
            now,
        )
        .await
    }

    async fn add(&self, key: &str, delta: i64, expires_at: i64, now: i64) -> Result<i64, StateError> {
        for _ in 0..ATTEMPTS {
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(key))
                .update_expression("ADD v :d SET expires_at = :e")
                .condition_expression("attribute_exists(pk) AND expires_at > :now")
                .expression_attribute_values(":d", n(delta))
                .expression_attribute_values(":e", n(expires_at))
                .expression_attribute_values(":now", n(now))
                .return_values(ReturnValue::UpdatedNew)
                .send()
                .await;
            match result {
                Ok(out) => {
                    return out
                        .attributes()
                        .and_then(|a| num(a, "v"))
                        .ok_or_else(|| StateError("DynamoDB UpdateItem returned no counter".into()));
                }
                Err(e) if update_refused(&e) => {
                    // Absent or expired: start the counter, unless a concurrent call just did.
                    let attrs = vec![("v", n(delta)), ("expires_at", n(expires_at))];
                    if self.put_fresh(key, attrs, "expires_at > :now", now).await? {
                        return Ok(delta);
                    }
                }
                Err(e) => return Err(failed("UpdateItem", e)),
            }
        }
        Err(StateError(format!("counter {key}: too much contention")))
    }

    async fn get(&self, key: &str, now: i64) -> Result<Option<Item>, StateError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| failed("GetItem", e))?;
        Ok(out.item().and_then(|item| {
            let item = Item {
                value: num(item, "v")?,
                expires_at: num(item, "expires_at")?,
            };
            (item.expires_at > now).then_some(item)
        }))
    }

    async fn set(&self, key: &str, value: i64, expires_at: i64) -> Result<(), StateError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(key))
            .item("v", n(value))
            .item("expires_at", n(expires_at))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failed("PutItem", e))
    }

    async fn remove(&self, key: &str) -> Result<(), StateError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(key))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failed("DeleteItem", e))
    }

    async fn count_in_window(
        &self,
        key: &str,
        event_id: &str,
        at: i64,
        window_end: i64,
        expires_at: i64,
    ) -> Result<Window, StateError> {
        for _ in 0..ATTEMPTS {
            // Count in the open window.
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(key))
                .update_expression("ADD #c :one SET last_seen = :at, expires_at = :exp")
                .condition_expression("attribute_exists(pk) AND window_end > :at")
                .expression_attribute_names("#c", "count")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":at", n(at))
                .expression_attribute_values(":exp", n(expires_at))
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            match result {
                Ok(out) => {
                    let a = out
                        .attributes()
                        .ok_or_else(|| StateError("UpdateItem returned no window".into()))?;
                    let opened_by = a
                        .get("first_event")
                        .and_then(|v| v.as_s().ok())
                        .cloned()
                        .unwrap_or_default();
                    return Ok(Window {
                        count: num(a, "count").unwrap_or(1),
                        opened_by,
                        window_end: num(a, "window_end").unwrap_or(window_end),
                    });
                }
                Err(e) if update_refused(&e) => {
                    // No window, or it ended: open one, unless a concurrent call just did.
                    let attrs = vec![
                        ("count", n(1)),
                        ("first_event", s(event_id)),
                        ("window_end", n(window_end)),
                        ("last_seen", n(at)),
                        ("expires_at", n(expires_at)),
                    ];
                    if self.put_fresh(key, attrs, "window_end > :now", at).await? {
                        return Ok(Window {
                            count: 1,
                            opened_by: event_id.to_owned(),
                            window_end,
                        });
                    }
                }
                Err(e) => return Err(failed("UpdateItem", e)),
            }
        }
        Err(StateError(format!("window {key}: too much contention")))
    }
}
