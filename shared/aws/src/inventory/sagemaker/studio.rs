//! SageMaker Studio: domains and their user profiles.

use aidr_engine::inventory::types;
use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::types::UserSettings;

use super::{SERVICE, arn_or};
use crate::inventory::found::Found;
use crate::inventory::json::Obj;

pub(super) async fn collect(found: &mut Found, sagemaker: &Client) {
    domains(found, sagemaker).await;
    user_profiles(found, sagemaker).await;
}

/// `{"ExecutionRole": …}`, the one user setting the inventory keeps.
fn settings(s: &UserSettings) -> Obj {
    Obj::new().put("ExecutionRole", s.execution_role.as_ref())
}

async fn domains(found: &mut Found, client: &Client) {
    let pages = client.list_domains().into_paginator().items().send();
    let listed = found.list(SERVICE, "ListDomains", pages).await;
    for id in listed.into_iter().filter_map(|d| d.domain_id) {
        let answer = client.describe_domain().domain_id(&id).send().await;
        let Some(d) = found.answer(SERVICE, "DescribeDomain", answer) else {
            continue;
        };
        let configuration = Obj::new()
            .put("DomainId", d.domain_id.as_ref())
            .put("DomainArn", d.domain_arn.as_ref())
            .put("DomainName", d.domain_name.as_ref())
            .put("Status", d.status.as_ref().map(|s| s.as_str()))
            .put("AuthMode", d.auth_mode.as_ref().map(|a| a.as_str()))
            .put(
                "AppNetworkAccessType",
                d.app_network_access_type.as_ref().map(|a| a.as_str()),
            )
            .put("KmsKeyId", d.kms_key_id.as_ref())
            .put("VpcId", d.vpc_id.as_ref())
            .put("SubnetIds", d.subnet_ids.as_ref())
            .put("DefaultUserSettings", d.default_user_settings.as_ref().map(settings))
            .put("CreationTime", d.creation_time.as_ref())
            .build();
        let arn = arn_or(found, d.domain_arn.as_deref(), "domain", &id);
        let name = d.domain_name.as_deref().unwrap_or(&id);
        found.add(types::SAGEMAKER_DOMAIN, &arn, name, configuration);
    }
}

async fn user_profiles(found: &mut Found, client: &Client) {
    let pages = client.list_user_profiles().into_paginator().items().send();
    let listed = found.list(SERVICE, "ListUserProfiles", pages).await;
    for (domain, name) in listed
        .into_iter()
        .filter_map(|p| Some((p.domain_id?, p.user_profile_name?)))
    {
        let answer = client
            .describe_user_profile()
            .domain_id(&domain)
            .user_profile_name(&name)
            .send()
            .await;
        let Some(p) = found.answer(SERVICE, "DescribeUserProfile", answer) else {
            continue;
        };
        let configuration = Obj::new()
            .put("DomainId", &domain)
            .put("UserProfileName", &name)
            .put("UserProfileArn", p.user_profile_arn.as_ref())
            .put("Status", p.status.as_ref().map(|s| s.as_str()))
            .put("UserSettings", p.user_settings.as_ref().map(settings))
            .put("CreationTime", p.creation_time.as_ref())
            .build();
        let arn = arn_or(
            found,
            p.user_profile_arn.as_deref(),
            "user-profile",
            &format!("{domain}/{name}"),
        );
        found.add(types::SAGEMAKER_USER_PROFILE, &arn, &name, configuration);
    }
}
