//! The DynamoDB state store passes the same conformance suite as the in-memory store, against
//! moto's DynamoDB.

use aidr_aws::DynamoStore;
use aidr_e2e::{Stack, emulator};
use aidr_testkit::conformance::conformance;

#[tokio::test]
async fn dynamo_store_conforms() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config.clone(), false).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), &stack.table);
    conformance(&store, "conformance/").await;
    let items = stack.items().await;
    assert!(
        !items.is_empty() && items.iter().all(|i| i.contains_key("expires_at")),
        "every item carries its TTL"
    );
}
