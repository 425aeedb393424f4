//! The invocation's deadline, kept by the playbooks' calls: [`Deadlined`] wraps the
//! [`CloudActions`] port so a call that has not answered when the time for calls runs out
//! fails as a failure that may pass. The run then keeps its record, gives its claim back and
//! the invocation reports failure for a retry, before Lambda stops it half done.

use aidr_engine::ports::{ActionError, ApiKey, Before, CloudActions, Scope};
use aidr_engine::response::{Call, Target};
use tokio::time::Instant;

/// `actions`, each call given up at `until`.
#[derive(Debug)]
pub struct Deadlined<'a, A> {
    pub actions: &'a A,
    /// When calls are given up: the invocation's deadline less the time kept to record.
    pub until: Instant,
}

impl<A> Deadlined<'_, A> {
    /// `call`'s answer, or a transient error naming `what` when it comes after `until`.
    async fn within<T>(
        &self,
        what: impl FnOnce() -> String,
        call: impl Future<Output = Result<T, ActionError>>,
    ) -> Result<T, ActionError> {
        match tokio::time::timeout_at(self.until, call).await {
            Ok(result) => result,
            Err(_) => Err(ActionError::transient(format!(
                "{}: no answer before the invocation's time for calls ran out",
                what()
            ))),
        }
    }
}

impl<A: CloudActions> CloudActions for Deadlined<'_, A> {
    async fn inspect(&self, scope: &Scope, call: &Call) -> Result<Before, ActionError> {
        self.within(|| call.api(), self.actions.inspect(scope, call)).await
    }

    async fn apply(&self, scope: &Scope, call: &Call) -> Result<Before, ActionError> {
        self.within(|| call.api(), self.actions.apply(scope, call)).await
    }

    async fn tags(&self, scope: &Scope, target: &Target) -> Result<Vec<(String, String)>, ActionError> {
        self.within(
            || format!("the tags of {}", target.describe()),
            self.actions.tags(scope, target),
        )
        .await
    }

    async fn api_keys(&self, scope: &Scope, user_name: &str) -> Result<Vec<ApiKey>, ActionError> {
        self.within(
            || format!("the Bedrock API keys of {user_name}"),
            self.actions.api_keys(scope, user_name),
        )
        .await
    }
}
