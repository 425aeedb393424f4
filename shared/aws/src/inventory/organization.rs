//! The accounts of the caller's organization (`organizations:ListAccounts`), for `aidr
//! inventory --organization`. Only the organization's management account or a delegated
//! administrator may list them; the inventory function never does (it is given its accounts),
//! so its action is kept apart from the collector's [`super::PERMISSIONS`].

use aws_config::SdkConfig;
use aws_sdk_organizations::error::{DisplayErrorContext, SdkError};
use aws_sdk_organizations::operation::list_accounts::ListAccountsError;
use aws_sdk_organizations::types::{Account, AccountState, AccountStatus};
use aws_smithy_runtime_api::http::Response as HttpResponse;

/// The IAM action of [`organization_accounts`]: not in the collector's permissions.
pub const ORGANIZATION_PERMISSIONS: &[&str] = &["organizations:ListAccounts"];

/// The ids of the organization's active accounts, in the order Organizations lists them
/// (every page).
///
/// # Errors
/// A message saying why they cannot be listed: the caller is neither the management account
/// nor a delegated administrator, its account is in no organization, or the call failed.
pub async fn organization_accounts(config: &SdkConfig) -> Result<Vec<String>, String> {
    active_accounts(&aws_sdk_organizations::Client::new(config)).await
}

async fn active_accounts(client: &aws_sdk_organizations::Client) -> Result<Vec<String>, String> {
    let mut pages = client.list_accounts().into_paginator().send();
    let mut accounts = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(refused)?;
        accounts.extend(
            page.accounts()
                .iter()
                .filter(|a| is_active(a))
                .filter_map(|a| a.id.clone()),
        );
    }
    if accounts.is_empty() {
        return Err("organizations:ListAccounts returned no active account".into());
    }
    Ok(accounts)
}

/// Active by its `State`, or by the older `Status` when it has no state.
fn is_active(account: &Account) -> bool {
    match (account.state(), account.status()) {
        (Some(state), _) => *state == AccountState::Active,
        (None, status) => status == Some(&AccountStatus::Active),
    }
}

/// What a failed `ListAccounts` means for the person running it.
fn refused(error: SdkError<ListAccountsError, HttpResponse>) -> String {
    let kind = match error.as_service_error() {
        Some(ListAccountsError::AccessDeniedException(_)) => Refusal::NotManagement,
        Some(ListAccountsError::AwsOrganizationsNotInUseException(_)) => Refusal::NoOrganization,
        _ => Refusal::Other,
    };
    let detail = DisplayErrorContext(error);
    match kind {
        Refusal::NotManagement => format!(
            "organizations:ListAccounts was refused: the organization's accounts can be listed only with credentials of its management account or of a delegated administrator (with organizations:ListAccounts allowed); pass --account instead to name accounts ({detail})"
        ),
        Refusal::NoOrganization => format!(
            "organizations:ListAccounts: your credentials' account is not in an organization; pass --account instead to name accounts ({detail})"
        ),
        Refusal::Other => format!("organizations:ListAccounts failed: {detail}"),
    }
}

enum Refusal {
    NotManagement,
    NoOrganization,
    Other,
}

#[cfg(test)]
mod tests {
    use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
    use aws_sdk_organizations::types::error::{AccessDeniedException, AwsOrganizationsNotInUseException};
    use aws_smithy_mocks::mock;

    use super::*;

    fn account(id: &str, state: Option<AccountState>, status: Option<AccountStatus>) -> Account {
        Account::builder().id(id).set_state(state).set_status(status).build()
    }

    /// The active accounts listed by a client answered by `rules`.
    async fn listed(rules: &[&aws_smithy_mocks::Rule]) -> Result<Vec<String>, String> {
        active_accounts(&crate::mock::mock_client!(aws_sdk_organizations, rules.iter().copied())).await
    }

    #[tokio::test]
    async fn active_accounts_of_every_page() {
        let first = mock!(aws_sdk_organizations::Client::list_accounts)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| {
                ListAccountsOutput::builder()
                    .accounts(account("111122223333", Some(AccountState::Active), None))
                    .accounts(account("222233334444", Some(AccountState::Suspended), None))
                    .next_token("more")
                    .build()
            });
        let second = mock!(aws_sdk_organizations::Client::list_accounts)
            .match_requests(|r| r.next_token() == Some("more"))
            .then_output(|| {
                ListAccountsOutput::builder()
                    .accounts(account("333344445555", None, Some(AccountStatus::Active)))
                    .accounts(account(
                        "444455556666",
                        Some(AccountState::Closed),
                        Some(AccountStatus::Active),
                    ))
                    .build()
            });
        assert_eq!(
            listed(&[&first, &second]).await.unwrap(),
            ["111122223333", "333344445555"]
        );
    }

    /// The message of a listing refused with `error`.
    async fn refusal(error: fn() -> ListAccountsError) -> String {
        let rule = mock!(aws_sdk_organizations::Client::list_accounts).then_error(error);
        listed(&[&rule]).await.unwrap_err()
    }

    #[tokio::test]
    async fn a_member_account_is_told_who_may_list() {
        let error = refusal(|| {
            let message = "You don't have permissions to access this resource.";
            ListAccountsError::AccessDeniedException(AccessDeniedException::builder().message(message).build())
        })
        .await;
        assert!(
            error.contains("management account") && error.contains("delegated administrator"),
            "{error}"
        );
        assert!(error.contains("You don't have permissions"), "{error}");
        let error = refusal(|| {
            let alone = AwsOrganizationsNotInUseException::builder()
                .message("not in use")
                .build();
            ListAccountsError::AwsOrganizationsNotInUseException(alone)
        })
        .await;
        assert!(error.contains("not in an organization"), "{error}");
    }
}
