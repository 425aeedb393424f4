//! Injected AWS faults: the fault proxy (`aidr_e2e::faults`) between the real SDK clients and
//! moto, first on its own, then under the real detector binary.

use aidr_e2e::faults::{Fault, FaultProxy, Rule, Times};
use aidr_e2e::{Stack, emulator};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;

/// A DynamoDB and an SNS client pointed at `proxy`, one attempt a call (set on the clients:
/// the environment's `AWS_ENDPOINT_URL` would win over the shared configuration's).
fn through(config: &aws_config::SdkConfig, proxy: &FaultProxy) -> (aws_sdk_dynamodb::Client, aws_sdk_sns::Client) {
    let retry = aws_config::retry::RetryConfig::standard().with_max_attempts(1);
    let ddb = aws_sdk_dynamodb::config::Builder::from(config)
        .endpoint_url(proxy.endpoint())
        .retry_config(retry.clone())
        .build();
    let sns = aws_sdk_sns::config::Builder::from(config)
        .endpoint_url(proxy.endpoint())
        .retry_config(retry)
        .build();
    (
        aws_sdk_dynamodb::Client::from_conf(ddb),
        aws_sdk_sns::Client::from_conf(sns),
    )
}

#[tokio::test]
async fn the_proxy_answers_faults_as_the_services_do_and_forwards_the_rest() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config.clone(), true).await;
    let proxy = FaultProxy::to_emulator();
    let (ddb, sns) = through(&config, &proxy);
    let put = |pk: &str| {
        ddb.put_item()
            .table_name(&stack.table)
            .item("pk", AttributeValue::S(pk.into()))
            .send()
    };
    proxy.inject(
        Rule::new("dynamodb", "PutItem", Fault::Throttling)
            .body_contains("event#")
            .times(Times::Once),
    );
    proxy.inject(Rule::new("dynamodb", "PutItem", Fault::ThroughputExceeded).times(Times::Once));
    let exceeded = put("dedupe#a").await.unwrap_err();
    assert_eq!(exceeded.code(), Some("ProvisionedThroughputExceededException"));
    let throttled = put("event#a").await.unwrap_err();
    assert_eq!(throttled.code(), Some("ThrottlingException"));
    put("event#a").await.unwrap();
    put("dedupe#a").await.unwrap();

    // The answer lost after the write: the item is there all the same.
    proxy.inject(Rule::new("dynamodb", "PutItem", Fault::ForwardThenFail(500)).times(Times::Once));
    let lost = put("event#lost").await.unwrap_err();
    assert_eq!(lost.code(), Some("InternalServerError"));
    let pks: Vec<String> = stack
        .items()
        .await
        .iter()
        .map(|i| i["pk"].as_s().unwrap().clone())
        .collect();
    assert!(pks.contains(&"event#lost".to_owned()), "{pks:?}");

    // A dropped connection is not an answer at all.
    proxy.inject(Rule::new("dynamodb", "PutItem", Fault::Drop).times(Times::Once));
    let dropped = put("event#dropped").await.unwrap_err();
    assert!(dropped.raw_response().is_none(), "{dropped:?}");

    // The query protocol's throttling (SNS).
    proxy.inject(Rule::new("sns", "Publish", Fault::Throttling).times(Times::Once));
    let publish = || sns.publish().topic_arn(&stack.topic_arn).message("m").send();
    assert_eq!(publish().await.unwrap_err().code(), Some("Throttling"));
    proxy.inject(Rule::new("sns", "Publish", Fault::Status(503)).times(Times::Once));
    let unavailable = publish().await.unwrap_err();
    assert_eq!(unavailable.raw_response().map(|r| r.status().as_u16()), Some(503));
    publish().await.unwrap();

    let faults: Vec<(String, Option<String>)> = proxy.calls().into_iter().map(|c| (c.operation, c.fault)).collect();
    let expected: Vec<(&str, Option<&str>)> = vec![
        ("PutItem", Some("throughput")),
        ("PutItem", Some("throttling")),
        ("PutItem", None),
        ("PutItem", None),
        ("PutItem", Some("forward-then-500")),
        ("PutItem", Some("drop")),
        ("Publish", Some("throttling")),
        ("Publish", Some("status-503")),
        ("Publish", None),
    ];
    let expected: Vec<(String, Option<String>)> = expected
        .into_iter()
        .map(|(o, f)| (o.to_owned(), f.map(str::to_owned)))
        .collect();
    assert_eq!(faults, expected);
}
