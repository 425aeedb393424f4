//! What the collection in one account and region has found so far ([`Found`]): snapshots
//! stamped with the time they were read, and a [`Gap`] for every call that failed.

use std::error::Error;
use std::time::Instant;

use aidr_engine::inventory::{Gap, GapReason, Scope};
use aidr_engine::resource::ResourceSnapshot;
use aidr_engine::time::format_secs;
use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use serde_json::Value;

use super::gap::classify;

/// The run's clock: the caller's `now` at the start, advanced by the time elapsed since.
#[derive(Debug, Clone, Copy)]
pub(super) struct Clock {
    start: i64,
    started: Instant,
}

impl Clock {
    pub fn new(now: i64) -> Clock {
        Clock {
            start: now,
            started: Instant::now(),
        }
    }

    /// Unix seconds now.
    pub fn now(&self) -> i64 {
        let elapsed = i64::try_from(self.started.elapsed().as_secs()).unwrap_or(i64::MAX);
        self.start.saturating_add(elapsed)
    }
}

/// The snapshots and gaps of one account and region (`global` for IAM).
#[derive(Debug)]
pub(super) struct Found {
    pub scope: Scope,
    /// `aws`, `aws-cn`, `aws-us-gov`: for the ARNs the collector makes.
    pub partition: String,
    clock: Clock,
    pub resources: Vec<ResourceSnapshot>,
    pub gaps: Vec<Gap>,
}

impl Found {
    pub fn new(account: &str, region: &str, partition: &str, clock: Clock) -> Found {
        Found {
            scope: Scope {
                account: account.to_owned(),
                region: region.to_owned(),
            },
            partition: partition.to_owned(),
            clock,
            resources: Vec::new(),
            gaps: Vec::new(),
        }
    }

    /// Adds the snapshot of a resource read just now.
    pub fn add(&mut self, resource_type: &str, arn: &str, name: &str, configuration: Value) {
        self.resources.push(ResourceSnapshot {
            arn: arn.to_owned(),
            resource_type: resource_type.to_owned(),
            name: (!name.is_empty()).then(|| name.to_owned()),
            account: self.scope.account.clone(),
            region: self.scope.region.clone(),
            configuration,
            captured_at: Some(format_secs(self.clock.now())),
        });
    }

    /// Records that `operation` of `service` could not be made.
    pub fn gap(&mut self, service: &str, operation: &str, reason: GapReason, message: String) {
        self.gaps.push(Gap {
            account: self.scope.account.clone(),
            region: self.scope.region.clone(),
            service: service.to_owned(),
            operation: operation.to_owned(),
            reason,
            message,
        });
    }

    /// The answer of a call, or `None` with a gap recorded.
    pub fn answer<T, E>(
        &mut self,
        service: &str,
        operation: &str,
        result: Result<T, SdkError<E, Response>>,
    ) -> Option<T>
    where
        E: ProvideErrorMetadata + Error + 'static,
    {
        match result {
            Ok(answer) => Some(answer),
            Err(error) => {
                let (reason, message) = classify(&error);
                self.gap(service, operation, reason, message);
                None
            }
        }
    }

    /// Every item (or page) of a paginated listing, and whether the listing was complete: when
    /// a page fails, a gap is recorded and the items read before it are kept.
    pub async fn all<T, E>(
        &mut self,
        service: &str,
        operation: &str,
        mut pages: PaginationStream<Result<T, SdkError<E, Response>>>,
    ) -> (Vec<T>, bool)
    where
        E: ProvideErrorMetadata + Error + 'static,
    {
        let mut items = Vec::new();
        while let Some(item) = pages.next().await {
            match self.answer(service, operation, item) {
                Some(item) => items.push(item),
                None => return (items, false),
            }
        }
        (items, true)
    }

    /// [`Found::all`] without telling whether the listing was complete.
    pub async fn list<T, E>(
        &mut self,
        service: &str,
        operation: &str,
        pages: PaginationStream<Result<T, SdkError<E, Response>>>,
    ) -> Vec<T>
    where
        E: ProvideErrorMetadata + Error + 'static,
    {
        self.all(service, operation, pages).await.0
    }

    /// The snapshots of one type found so far.
    #[cfg(test)]
    pub fn of(&self, resource_type: &str) -> Vec<&ResourceSnapshot> {
        self.resources
            .iter()
            .filter(|r| r.resource_type == resource_type)
            .collect()
    }

    /// The ARN of a resource the collector names itself:
    /// `arn:<partition>:<service>:<region>:<account>:<resource>`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition, self.scope.region, self.scope.account
        )
    }
}
