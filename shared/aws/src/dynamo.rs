//! The engine's [`StateStore`] on one DynamoDB table.
//!
//! Key design: partition key `pk` (String), no sort key; every item carries `expires_at`
//! (Unix seconds, the table's TTL attribute). DynamoDB deletes expired items lazily, so every
//! read and condition also treats `expires_at <= now` as absent.
//! - markers and counters: `pk`, `v` (Number), `expires_at`; a counter added to once per token
//!   ([`StateStore::add_once`]) also `last_add` (String, the last token);
//! - deduplication windows: `pk`, `count`, `first_event`, `window_end`, `last_seen`, `expires_at`;
//! - sets: `pk`, `members` (String Set, grown with `ADD`), `expires_at`;
//! - documents ([`Records`]: action records, observed configurations): `pk`, `doc` (String,
//!   JSON), `expires_at`.
//!
//! Every write is a single conditional `PutItem` / `UpdateItem` (with `ADD` for counters), so
//! concurrent invocations never lose an update to a read-modify-write race. Errors say whether
//! a retry can help (`failure.rs`).

use aidr_engine::ports::{Item, Members, Records, StateError, StateStore, StoreFuture, Window};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use crate::failure::failure_kind;

/// A DynamoDB item.
type Attrs = std::collections::HashMap<String, AttributeValue>;

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

fn num(item: &Attrs, key: &str) -> Option<i64> {
    item.get(key)?.as_n().ok()?.parse().ok()
}

fn failed<E>(op: &str, e: SdkError<E, HttpResponse>) -> StateError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    StateError {
        kind: failure_kind(&e),
        message: format!("DynamoDB {op}: {}", DisplayErrorContext(e)),
    }
}

fn put_refused<R>(e: &SdkError<PutItemError, R>) -> bool {
    e.as_service_error()
        .is_some_and(PutItemError::is_conditional_check_failed_exception)
}

fn update_refused<R>(e: &SdkError<UpdateItemError, R>) -> bool {
    e.as_service_error()
        .is_some_and(UpdateItemError::is_conditional_check_failed_exception)
}

fn item_of(item: &Attrs, now: i64) -> Option<Item> {
    let item = Item {
        value: num(item, "v")?,
        expires_at: num(item, "expires_at")?,
    };
    (item.expires_at > now).then_some(item)
}

fn members_of(item: Option<&Attrs>, now: i64) -> Members {
    let Some(item) = item.filter(|i| num(i, "expires_at").is_some_and(|e| e > now)) else {
        return Members::default();
    };
    Members {
        members: item
            .get("members")
            .and_then(|m| m.as_ss().ok())
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
        expires_at: num(item, "expires_at").unwrap_or(0),
    }
}

/// BatchGetItem takes at most this many keys a call.
const BATCH_GET: usize = 100;

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

    /// The item at `key` (consistent read), expired or not.
    async fn item(&self, key: &str) -> Result<Option<Attrs>, StateError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| failed("GetItem", e))?;
        Ok(out.item)
    }

    /// Grows the live item at `key` with `update` (made conditional on the item existing and
    /// `live` holding, `:now` bound to `now`, returning the whole new item), or, when there is
    /// none, puts `fresh` instead. A concurrent writer that wins either race makes it try again.
    /// Returns the item after the update, or `None` when `fresh` was written.
    async fn grow_or_start(
        &self,
        key: &str,
        live: &str,
        now: i64,
        update: impl Fn(UpdateItemFluentBuilder) -> UpdateItemFluentBuilder,
        fresh: impl Fn() -> Vec<(&'static str, AttributeValue)>,
    ) -> Result<Option<Attrs>, StateError> {
        for _ in 0..ATTEMPTS {
            let request = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(key))
                .condition_expression(format!("attribute_exists(pk) AND {live}"))
                .expression_attribute_values(":now", n(now))
                .return_values(ReturnValue::AllNew);
            match update(request).send().await {
                Ok(out) => return Ok(Some(out.attributes.unwrap_or_default())),
                Err(e) if update_refused(&e) => {
                    if self.put_fresh(key, fresh(), live, now).await? {
                        return Ok(None);
                    }
                }
                Err(e) => return Err(failed("UpdateItem", e)),
            }
        }
        Err(StateError::transient(format!("{key}: too much contention")))
    }

    /// Puts a fresh item unless a live one exists; true when written.
    async fn put_fresh(
        &self,
        key: &str,
        attrs: Vec<(&'static str, AttributeValue)>,
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

    /// [`StateStore::add_once`]: the counter keeps the token of its last add (`last_add`); an
    /// add whose token is the last one's adds nothing and reads the total instead.
    async fn add_once_for(
        &self,
        key: &str,
        delta: i64,
        token: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<i64, StateError> {
        for _ in 0..ATTEMPTS {
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(key))
                .update_expression("ADD v :d SET expires_at = :e, last_add = :t")
                .condition_expression(
                    "attribute_exists(pk) AND expires_at > :now AND (attribute_not_exists(last_add) OR last_add <> :t)",
                )
                .expression_attribute_values(":d", n(delta))
                .expression_attribute_values(":e", n(expires_at))
                .expression_attribute_values(":t", s(token))
                .expression_attribute_values(":now", n(now))
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            match result {
                Ok(out) => {
                    let item = out.attributes.unwrap_or_default();
                    return num(&item, "v")
                        .ok_or_else(|| StateError::transient("DynamoDB UpdateItem returned no counter"));
                }
                Err(e) if update_refused(&e) => {}
                Err(e) => return Err(failed("UpdateItem", e)),
            }
            // Refused: no live counter, or this token's add was made already.
            let item = self.item(key).await?;
            let live = item.as_ref().filter(|i| num(i, "expires_at").is_some_and(|e| e > now));
            if let Some(item) = live {
                if item
                    .get("last_add")
                    .and_then(|t| t.as_s().ok())
                    .is_some_and(|t| t == token)
                {
                    return num(item, "v")
                        .ok_or_else(|| StateError::transient(format!("{key}: the counter has no value")));
                }
                continue;
            }
            let fresh = vec![("v", n(delta)), ("expires_at", n(expires_at)), ("last_add", s(token))];
            if self.put_fresh(key, fresh, "expires_at > :now", now).await? {
                return Ok(delta);
            }
        }
        Err(StateError::transient(format!("{key}: too much contention")))
    }

    /// Several live items at once, with BatchGetItem (in chunks; keys left unprocessed are
    /// asked for again).
    async fn batch_get(&self, keys: &[String], now: i64) -> Result<Vec<Option<Item>>, StateError> {
        use aws_sdk_dynamodb::types::KeysAndAttributes;
        let mut found = std::collections::HashMap::new();
        for chunk in keys.chunks(BATCH_GET) {
            let mut unique: Vec<&String> = chunk.iter().collect();
            unique.sort();
            unique.dedup();
            let mut request = KeysAndAttributes::builder().consistent_read(true);
            for key in unique {
                request = request.keys(std::collections::HashMap::from([("pk".to_owned(), s(key))]));
            }
            let mut pending = Some(request.build().map_err(|e| StateError::permanent(e.to_string()))?);
            for _ in 0..5 {
                let Some(request) = pending.take() else { break };
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| failed("BatchGetItem", e))?;
                for item in out.responses().and_then(|r| r.get(&self.table)).into_iter().flatten() {
                    if let Some(key) = item.get("pk").and_then(|k| k.as_s().ok()) {
                        found.insert(key.clone(), item_of(item, now));
                    }
                }
                // Keys DynamoDB did not get to (throttling) are asked for again.
                pending = out.unprocessed_keys().and_then(|u| u.get(&self.table)).cloned();
            }
            if pending.is_some() {
                return Err(StateError::transient(
                    "DynamoDB BatchGetItem: keys left unprocessed after retries",
                ));
            }
        }
        Ok(keys.iter().map(|k| found.get(k).copied().flatten()).collect())
    }
}

impl Records for DynamoStore {
    async fn put_record(&self, key: &str, doc: &serde_json::Value, expires_at: i64) -> Result<(), StateError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(key))
            .item("doc", s(&doc.to_string()))
            .item("expires_at", n(expires_at))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failed("PutItem", e))
    }

    async fn get_record(&self, key: &str, now: i64) -> Result<Option<serde_json::Value>, StateError> {
        let Some(item) = self.item(key).await? else {
            return Ok(None);
        };
        if num(&item, "expires_at").is_none_or(|e| e <= now) {
            return Ok(None);
        }
        let Some(text) = item.get("doc").and_then(|d| d.as_s().ok()) else {
            return Err(StateError::permanent(format!("item {key} holds no document")));
        };
        serde_json::from_str(text)
            .map(Some)
            .map_err(|e| StateError::permanent(format!("item {key}: the document is not JSON ({e})")))
    }
}

impl StateStore for DynamoStore {
    fn insert_if_absent<'a>(&'a self, key: &'a str, value: i64, expires_at: i64, now: i64) -> StoreFuture<'a, bool> {
        Box::pin(self.put_fresh(
            key,
            vec![("v", n(value)), ("expires_at", n(expires_at))],
            "expires_at > :now",
            now,
        ))
    }

    fn compare_and_set<'a>(
        &'a self,
        key: &'a str,
        expected: i64,
        value: i64,
        expires_at: i64,
        now: i64,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", s(key))
                .item("v", n(value))
                .item("expires_at", n(expires_at))
                .condition_expression("v = :expected AND expires_at > :now")
                .expression_attribute_values(":expected", n(expected))
                .expression_attribute_values(":now", n(now))
                .send()
                .await;
            match result {
                Ok(_) => Ok(true),
                Err(e) if put_refused(&e) => Ok(false),
                Err(e) => Err(failed("PutItem", e)),
            }
        })
    }

    fn add<'a>(&'a self, key: &'a str, delta: i64, expires_at: i64, now: i64) -> StoreFuture<'a, i64> {
        Box::pin(async move {
            let grown = self
                .grow_or_start(
                    key,
                    "expires_at > :now",
                    now,
                    |u| {
                        u.update_expression("ADD v :d SET expires_at = :e")
                            .expression_attribute_values(":d", n(delta))
                            .expression_attribute_values(":e", n(expires_at))
                    },
                    || vec![("v", n(delta)), ("expires_at", n(expires_at))],
                )
                .await?;
            match grown {
                Some(item) => {
                    num(&item, "v").ok_or_else(|| StateError::transient("DynamoDB UpdateItem returned no counter"))
                }
                None => Ok(delta),
            }
        })
    }

    fn add_once<'a>(
        &'a self,
        key: &'a str,
        delta: i64,
        token: &'a str,
        expires_at: i64,
        now: i64,
    ) -> StoreFuture<'a, i64> {
        Box::pin(self.add_once_for(key, delta, token, expires_at, now))
    }

    fn get<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, Option<Item>> {
        Box::pin(async move { Ok(self.item(key).await?.and_then(|item| item_of(&item, now))) })
    }

    fn get_many<'a>(&'a self, keys: &'a [String], now: i64) -> StoreFuture<'a, Vec<Option<Item>>> {
        Box::pin(self.batch_get(keys, now))
    }

    fn append<'a>(
        &'a self,
        key: &'a str,
        members: &'a [String],
        expires_at: i64,
        now: i64,
    ) -> StoreFuture<'a, Members> {
        Box::pin(async move {
            let grown = self
                .grow_or_start(
                    key,
                    "expires_at > :now",
                    now,
                    |u| match members {
                        [] => u.update_expression("SET expires_at = expires_at"),
                        _ => u
                            .update_expression("ADD members :m")
                            .expression_attribute_values(":m", AttributeValue::Ss(members.to_vec())),
                    },
                    || {
                        let mut attrs = vec![("expires_at", n(expires_at))];
                        if !members.is_empty() {
                            attrs.push(("members", AttributeValue::Ss(members.to_vec())));
                        }
                        attrs
                    },
                )
                .await?;
            let Some(item) = grown else {
                return Ok(Members {
                    members: members.iter().cloned().collect(),
                    expires_at,
                });
            };
            let mut set = members_of(Some(&item), now);
            if set.expires_at < expires_at {
                // The expiry only moves forward.
                let result = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .key("pk", s(key))
                    .update_expression("SET expires_at = :e")
                    .condition_expression("expires_at < :e")
                    .expression_attribute_values(":e", n(expires_at))
                    .send()
                    .await;
                match result {
                    Ok(_) => {}
                    Err(e) if update_refused(&e) => {} // a concurrent call moved it further
                    Err(e) => return Err(failed("UpdateItem", e)),
                }
                set.expires_at = expires_at;
            }
            Ok(set)
        })
    }

    fn members<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, Members> {
        Box::pin(async move { Ok(members_of(self.item(key).await?.as_ref(), now)) })
    }

    fn set<'a>(&'a self, key: &'a str, value: i64, expires_at: i64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
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
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(key))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| failed("DeleteItem", e))
        })
    }

    fn count_in_window<'a>(
        &'a self,
        key: &'a str,
        event_id: &'a str,
        at: i64,
        window_end: i64,
        expires_at: i64,
    ) -> StoreFuture<'a, Window> {
        Box::pin(async move {
            // Count in the open window, or open one.
            let grown = self
                .grow_or_start(
                    key,
                    "window_end > :now",
                    at,
                    |u| {
                        u.update_expression("ADD #c :one SET last_seen = :now, expires_at = :exp")
                            .expression_attribute_names("#c", "count")
                            .expression_attribute_values(":one", n(1))
                            .expression_attribute_values(":exp", n(expires_at))
                    },
                    || {
                        vec![
                            ("count", n(1)),
                            ("first_event", s(event_id)),
                            ("window_end", n(window_end)),
                            ("last_seen", n(at)),
                            ("expires_at", n(expires_at)),
                        ]
                    },
                )
                .await?;
            Ok(match grown {
                Some(item) => Window {
                    count: num(&item, "count").unwrap_or(1),
                    opened_by: item
                        .get("first_event")
                        .and_then(|v| v.as_s().ok())
                        .cloned()
                        .unwrap_or_default(),
                    window_end: num(&item, "window_end").unwrap_or(window_end),
                },
                None => Window {
                    count: 1,
                    opened_by: event_id.to_owned(),
                    window_end,
                },
            })
        })
    }
}
