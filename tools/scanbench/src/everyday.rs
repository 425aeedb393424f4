//! Everyday API calls no aidr rule consumes, the bulk of a real trail: templates for
//! [`crate::template::Template`] with the weights they are drawn with.

/// An assumed-role caller with its session context.
macro_rules! role {
    () => {
        r#""userIdentity":{"type":"AssumedRole","principalId":"{{roleid}}:{{session}}","arn":"arn:aws:sts::{{account}}:assumed-role/{{role}}/{{session}}","accountId":"{{account}}","accessKeyId":"{{tempkey}}","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"{{roleid}}","arn":"arn:aws:iam::{{account}}:role/{{role}}","accountId":"{{account}}","userName":"{{role}}"},"webIdFederationData":{},"attributes":{"creationDate":"{{since}}","mfaAuthenticated":"false"}}}"#
    };
}

/// An IAM user with a long-term key.
macro_rules! user {
    () => {
        r#""userIdentity":{"type":"IAMUser","principalId":"{{userid}}","arn":"arn:aws:iam::{{account}}:user/{{user}}","accountId":"{{account}}","accessKeyId":"{{userkey}}","userName":"{{user}}"}"#
    };
}

/// A service calling on its own behalf; `service_client!` with the same services gives its
/// `sourceIPAddress` and `userAgent` (the same pick text draws the same service).
macro_rules! service {
    ($services:literal) => {
        concat!(
            r#""userIdentity":{"type":"AWSService","invokedBy":"{{pick:"#,
            $services,
            r#"}}"}"#
        )
    };
}

/// The address and client of a `service!` caller.
macro_rules! service_client {
    ($services:literal) => {
        concat!(
            r#""sourceIPAddress":"{{pick:"#,
            $services,
            r#"}}","userAgent":"{{pick:"#,
            $services,
            r#"}}""#
        )
    };
}

/// The caller's address and client.
macro_rules! client {
    () => {
        r#""sourceIPAddress":"{{ip}}","userAgent":"{{agent}}""#
    };
}

/// `requestID`, `eventID`.
macro_rules! ids {
    () => {
        r#""requestID":"{{uuid#r}}","eventID":"{{uuid#e}}""#
    };
}

/// The fields of a management event.
macro_rules! management {
    ($read_only:literal) => {
        concat!(
            r#""readOnly":"#,
            $read_only,
            r#","eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{{account}}","eventCategory":"Management""#
        )
    };
}

macro_rules! tls {
    ($service:literal) => {
        concat!(
            r#""tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":""#,
            $service,
            r#".{{region}}.amazonaws.com"}"#
        )
    };
}

macro_rules! bucket {
    () => {
        "{{pick:acme-data-lake-prod|acme-ml-artifacts|acme-app-assets|acme-logs-archive|acme-etl-staging|acme-customer-uploads}}"
    };
}

macro_rules! function {
    () => {
        "{{pick:orders-api|thumbnail-resizer|ingest-firehose-transform|nightly-report|auth-token-refresh|search-indexer}}"
    };
}

/// (name, relative weight, template).
pub const EVERYDAY: &[(&str, u32, &str)] = &[
    (
        "ec2 Describe*",
        12,
        concat!(
            r#"{"eventVersion":"1.09","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"ec2.amazonaws.com","eventName":"{{pick:DescribeVolumes|DescribeSubnets|DescribeVpcs|DescribeSecurityGroups|DescribeNetworkInterfaces|DescribeSnapshots|DescribeTags|DescribeRouteTables|DescribeAddresses|DescribeLaunchTemplates}}","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"filterSet":{"items":[{"name":"vpc-id","valueSet":{"items":[{"value":"vpc-0{{hex:16}}"}]}},{"name":"tag:team","valueSet":{"items":[{"value":"{{pick:platform|data|payments|search|ml}}"}]}}]},"maxResults":1000},"responseElements":null,"#,
            ids!(),
            ",",
            management!("true"),
            ",",
            tls!("ec2"),
            "}"
        ),
    ),
    (
        "ec2 DescribeInstances",
        7,
        concat!(
            r#"{"eventVersion":"1.09","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"instancesSet":{"items":[{"instanceId":"i-0{{hex:16}}"},{"instanceId":"i-0{{hex:16#2}}"}]},"filterSet":{"items":[{"name":"instance-state-name","valueSet":{"items":[{"value":"running"},{"value":"pending"}]}}]},"includeAllInstances":false},"responseElements":null,"#,
            ids!(),
            ",",
            management!("true"),
            ",",
            tls!("ec2"),
            "}"
        ),
    ),
    (
        "sts AssumeRole",
        12,
        concat!(
            r#"{"eventVersion":"1.08","#,
            service!("lambda.amazonaws.com|ecs-tasks.amazonaws.com|glue.amazonaws.com|ec2.amazonaws.com"),
            r#","eventTime":"{{time}}","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"{{region}}","#,
            service_client!("lambda.amazonaws.com|ecs-tasks.amazonaws.com|glue.amazonaws.com|ec2.amazonaws.com"),
            r#","requestParameters":{"roleArn":"arn:aws:iam::{{account}}:role/{{role}}","roleSessionName":"{{session}}","durationSeconds":3600},"responseElements":{"credentials":{"accessKeyId":"{{tempkey}}","sessionToken":"IQoJb3JpZ2luX2VjE{{b64:360}}","expiration":"Oct 1, 2026, 1:00:00 PM"},"assumedRoleUser":{"assumedRoleId":"{{roleid}}:{{session}}","arn":"arn:aws:sts::{{account}}:assumed-role/{{role}}/{{session}}"}},"#,
            ids!(),
            r#","readOnly":true,"resources":[{"accountId":"{{account}}","type":"AWS::IAM::Role","ARN":"arn:aws:iam::{{account}}:role/{{role}}"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{{account}}","sharedEventID":"{{uuid#s}}","eventCategory":"Management"}"#
        ),
    ),
    (
        "sts AssumeRoleWithWebIdentity",
        3,
        concat!(
            r#"{"eventVersion":"1.08","userIdentity":{"type":"WebIdentityUser","principalId":"arn:aws:iam::{{account}}:oidc-provider/oidc.eks.{{region}}.amazonaws.com/id/{{upper:32}}:sts.amazonaws.com:system:serviceaccount:{{pick:payments|search|ingest}}:{{pick:api|worker|indexer}}","userName":"system:serviceaccount:{{pick:payments|search|ingest}}:{{pick:api|worker|indexer}}","identityProvider":"arn:aws:iam::{{account}}:oidc-provider/oidc.eks.{{region}}.amazonaws.com/id/{{upper:32}}"},"eventTime":"{{time}}","eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWithWebIdentity","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"roleArn":"arn:aws:iam::{{account}}:role/{{role}}","roleSessionName":"botocore-session-{{num:2000000000}}"},"responseElements":{"credentials":{"accessKeyId":"{{tempkey}}","sessionToken":"IQoJb3JpZ2luX2VjE{{b64:200}}","expiration":"Oct 1, 2026, 1:00:00 PM"},"subjectFromWebIdentityToken":"system:serviceaccount:{{pick:payments|search|ingest}}:{{pick:api|worker|indexer}}","assumedRoleUser":{"assumedRoleId":"{{roleid}}:botocore-session-{{num:2000000000}}","arn":"arn:aws:sts::{{account}}:assumed-role/{{role}}/botocore-session-{{num:2000000000}}"},"provider":"arn:aws:iam::{{account}}:oidc-provider/oidc.eks.{{region}}.amazonaws.com/id/{{upper:32}}","audience":"sts.amazonaws.com"},"additionalEventData":{"identityProviderConnectionVerificationMethod":"IAMTrustStore"},"#,
            ids!(),
            r#","readOnly":true,"resources":[{"accountId":"{{account}}","type":"AWS::IAM::Role","ARN":"arn:aws:iam::{{account}}:role/{{role}}"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{{account}}","eventCategory":"Management","#,
            tls!("sts"),
            "}"
        ),
    ),
    (
        "sts GetCallerIdentity",
        2,
        concat!(
            r#"{"eventVersion":"1.08","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":null,"responseElements":null,"#,
            ids!(),
            ",",
            management!("true"),
            ",",
            tls!("sts"),
            "}"
        ),
    ),
    (
        "kms Decrypt",
        9,
        concat!(
            r#"{"eventVersion":"1.09","#,
            service!("secretsmanager.amazonaws.com|ssm.amazonaws.com|s3.amazonaws.com|rds.amazonaws.com"),
            r#","eventTime":"{{time}}","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"{{region}}","#,
            service_client!("secretsmanager.amazonaws.com|ssm.amazonaws.com|s3.amazonaws.com|rds.amazonaws.com"),
            r#","requestParameters":{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"SecretARN":"arn:aws:secretsmanager:{{region}}:{{account}}:secret:{{pick:prod/orders/db|prod/search/api-key|staging/payments/stripe}}-{{hex:6}}","SecretVersionId":"{{uuid#v}}"}},"responseElements":null,"#,
            ids!(),
            r#","readOnly":true,"resources":[{"accountId":"{{account}}","type":"AWS::KMS::Key","ARN":"arn:aws:kms:{{region}}:{{account}}:key/{{uuid#k}}"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{{account}}","sharedEventID":"{{uuid#s}}","eventCategory":"Management"}"#
        ),
    ),
    (
        "kms GenerateDataKey",
        4,
        concat!(
            r#"{"eventVersion":"1.09","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"kms.amazonaws.com","eventName":"GenerateDataKey","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"keyId":"arn:aws:kms:{{region}}:{{account}}:alias/{{pick:app-data|backups|logs|ml-artifacts}}","keySpec":"AES_256","encryptionContext":{"aws:s3:arn":"arn:aws:s3:::"#,
            bucket!(),
            r#"/{{key}}"}},"responseElements":null,"#,
            ids!(),
            r#","readOnly":true,"resources":[{"accountId":"{{account}}","type":"AWS::KMS::Key","ARN":"arn:aws:kms:{{region}}:{{account}}:key/{{uuid#k}}"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{{account}}","eventCategory":"Management","#,
            tls!("kms"),
            "}"
        ),
    ),
    (
        "s3 GetObject",
        14,
        concat!(
            r#"{"eventVersion":"1.10","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"bucketName":""#,
            bucket!(),
            r#"","Host":""#,
            bucket!(),
            r#".s3.{{region}}.amazonaws.com","key":"{{key}}"},"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"{{b64:76}}","bytesTransferredOut":{{num:50000000}}},"requestID":"{{upper:16}}","eventID":"{{uuid#e}}","readOnly":true,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::"#,
            bucket!(),
            r#"/{{key}}"},{"accountId":"{{account}}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::"#,
            bucket!(),
            r#""}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"{{account}}","eventCategory":"Data","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":""#,
            bucket!(),
            r#".s3.{{region}}.amazonaws.com"}}"#
        ),
    ),
    (
        "s3 PutObject",
        5,
        concat!(
            r#"{"eventVersion":"1.10","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"s3.amazonaws.com","eventName":"PutObject","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"bucketName":""#,
            bucket!(),
            r#"","Host":""#,
            bucket!(),
            r#".s3.{{region}}.amazonaws.com","key":"{{key}}","x-amz-server-side-encryption":"aws:kms"},"responseElements":{"x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:{{region}}:{{account}}:key/{{uuid#k}}","x-amz-server-side-encryption":"aws:kms","x-amz-version-id":"{{b64:32}}"},"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":{{num:20000000}},"SSEApplied":"SSE_KMS","AuthenticationMethod":"AuthHeader","x-amz-id-2":"{{b64:76}}","bytesTransferredOut":0},"requestID":"{{upper:16}}","eventID":"{{uuid#e}}","readOnly":false,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::"#,
            bucket!(),
            r#"/{{key}}"},{"accountId":"{{account}}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::"#,
            bucket!(),
            r#""}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"{{account}}","eventCategory":"Data","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":""#,
            bucket!(),
            r#".s3.{{region}}.amazonaws.com"}}"#
        ),
    ),
    (
        "s3 ListObjects",
        3,
        concat!(
            r#"{"eventVersion":"1.10","#,
            user!(),
            r#","eventTime":"{{time}}","eventSource":"s3.amazonaws.com","eventName":"ListObjects","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"list-type":"2","bucketName":""#,
            bucket!(),
            r#"","encoding-type":"url","max-keys":"1000","prefix":"raw/events/","delimiter":"/","Host":""#,
            bucket!(),
            r#".s3.{{region}}.amazonaws.com"},"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"{{b64:76}}","bytesTransferredOut":{{num:400000}}},"requestID":"{{upper:16}}","eventID":"{{uuid#e}}","readOnly":true,"resources":[{"accountId":"{{account}}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::"#,
            bucket!(),
            r#""}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"{{account}}","eventCategory":"Data"}"#
        ),
    ),
    (
        "logs CreateLogStream",
        3,
        concat!(
            r#"{"eventVersion":"1.08","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"logs.amazonaws.com","eventName":"CreateLogStream","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"logGroupName":"/aws/lambda/"#,
            function!(),
            r#"","logStreamName":"2026/10/01/[$LATEST]{{hex:32}}"},"responseElements":null,"#,
            ids!(),
            ",",
            management!("false"),
            ",",
            tls!("logs"),
            "}"
        ),
    ),
    (
        "logs reads",
        2,
        concat!(
            r#"{"eventVersion":"1.08","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"logs.amazonaws.com","eventName":"{{pick:DescribeLogGroups|DescribeLogStreams|FilterLogEvents|GetLogEvents|StartQuery}}","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"logGroupName":"/aws/lambda/"#,
            function!(),
            r#"","startTime":{{num:1000000}},"endTime":1790812905000,"filterPattern":"ERROR","interleaved":true,"limit":10000},"responseElements":null,"#,
            ids!(),
            ",",
            management!("true"),
            ",",
            tls!("logs"),
            "}"
        ),
    ),
    (
        "lambda Invoke",
        6,
        concat!(
            r#"{"eventVersion":"1.08","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"lambda.amazonaws.com","eventName":"Invoke","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"functionName":"arn:aws:lambda:{{region}}:{{account}}:function:"#,
            function!(),
            r#"","invocationType":"{{pick:RequestResponse|Event}}","logType":"None","qualifier":"$LATEST"},"responseElements":null,"additionalEventData":{"functionVersion":"arn:aws:lambda:{{region}}:{{account}}:function:"#,
            function!(),
            r#":$LATEST"},"#,
            ids!(),
            r#","readOnly":false,"resources":[{"accountId":"{{account}}","type":"AWS::Lambda::Function","ARN":"arn:aws:lambda:{{region}}:{{account}}:function:"#,
            function!(),
            r#""}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"{{account}}","eventCategory":"Data","#,
            tls!("lambda"),
            "}"
        ),
    ),
    (
        "dynamodb items",
        8,
        concat!(
            r#"{"eventVersion":"1.08","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"dynamodb.amazonaws.com","eventName":"{{pick:GetItem|PutItem|Query|UpdateItem|DeleteItem}}","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"tableName":"{{pick:orders|sessions|user-profiles|inventory|idempotency-keys}}","key":{"pk":"ORDER#{{num:99999999}}","sk":"v{{num:20}}"},"consistentRead":false,"returnConsumedCapacity":"TOTAL"},"responseElements":null,"#,
            ids!(),
            r#","readOnly":false,"resources":[{"accountId":"{{account}}","type":"AWS::DynamoDB::Table","ARN":"arn:aws:dynamodb:{{region}}:{{account}}:table/{{pick:orders|sessions|user-profiles|inventory|idempotency-keys}}"}],"eventType":"AwsApiCall","apiVersion":"2012-08-10","managementEvent":false,"recipientAccountId":"{{account}}","eventCategory":"Data","#,
            tls!("dynamodb"),
            "}"
        ),
    ),
    (
        "cloudwatch reads",
        4,
        concat!(
            r#"{"eventVersion":"1.08","#,
            user!(),
            r#","eventTime":"{{time}}","eventSource":"monitoring.amazonaws.com","eventName":"{{pick:GetMetricData|DescribeAlarms|ListMetrics|GetMetricStatistics}}","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"metricDataQueries":[{"id":"m{{num:100}}","metricStat":{"metric":{"namespace":"AWS/{{pick:EC2|Lambda|RDS|ApplicationELB}}","metricName":"{{pick:CPUUtilization|Invocations|Errors|Duration|RequestCount}}","dimensions":[{"name":"FunctionName","value":"{{pick:orders-api|thumbnail-resizer|nightly-report}}"}]},"period":60,"stat":"Average"},"returnData":true}],"startTime":"{{since}}","endTime":"{{time}}"},"responseElements":null,"#,
            ids!(),
            ",",
            management!("true"),
            ",",
            tls!("monitoring"),
            "}"
        ),
    ),
    (
        "ssm GetParameter",
        3,
        concat!(
            r#"{"eventVersion":"1.08","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"ssm.amazonaws.com","eventName":"{{pick:GetParameter|GetParameters|GetParametersByPath}}","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"name":"/{{pick:prod|staging}}/{{pick:orders|search|payments}}/{{pick:db_url|api_key|feature_flags|queue_url}}","withDecryption":true},"responseElements":null,"#,
            ids!(),
            r#","readOnly":true,"resources":[{"accountId":"{{account}}","ARN":"arn:aws:ssm:{{region}}:{{account}}:parameter/{{pick:prod|staging}}/{{pick:orders|search|payments}}/{{pick:db_url|api_key|feature_flags|queue_url}}"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{{account}}","eventCategory":"Management","#,
            tls!("ssm"),
            "}"
        ),
    ),
    (
        "secretsmanager GetSecretValue",
        3,
        concat!(
            r#"{"eventVersion":"1.08","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"secretId":"arn:aws:secretsmanager:{{region}}:{{account}}:secret:{{pick:prod/orders/db|prod/search/api-key|staging/payments/stripe}}-{{hex:6}}"},"responseElements":null,"#,
            ids!(),
            ",",
            management!("true"),
            ",",
            tls!("secretsmanager"),
            "}"
        ),
    ),
    (
        "ecr pulls",
        2,
        concat!(
            r#"{"eventVersion":"1.08","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"ecr.amazonaws.com","eventName":"{{pick:GetAuthorizationToken|BatchGetImage|GetDownloadUrlForLayer|BatchCheckLayerAvailability}}","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"registryId":"{{account}}","repositoryName":"{{pick:orders-api|search-indexer|web-frontend}}","imageIds":[{"imageTag":"{{hex:7}}"}],"acceptedMediaTypes":["application/vnd.docker.distribution.manifest.v2+json","application/vnd.oci.image.manifest.v1+json"]},"responseElements":null,"#,
            ids!(),
            r#","readOnly":true,"resources":[{"accountId":"{{account}}","ARN":"arn:aws:ecr:{{region}}:{{account}}:repository/{{pick:orders-api|search-indexer|web-frontend}}"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{{account}}","eventCategory":"Management","#,
            tls!("api.ecr"),
            "}"
        ),
    ),
    (
        "sqs messages",
        3,
        concat!(
            r#"{"eventVersion":"1.09","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"sqs.amazonaws.com","eventName":"{{pick:ReceiveMessage|DeleteMessage|SendMessage|ChangeMessageVisibility}}","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"queueUrl":"https://sqs.{{region}}.amazonaws.com/{{account}}/{{pick:orders-events|email-outbox|thumbnail-jobs}}","maxNumberOfMessages":10,"waitTimeSeconds":20,"visibilityTimeout":30},"responseElements":null,"#,
            ids!(),
            r#","readOnly":false,"resources":[{"accountId":"{{account}}","type":"AWS::SQS::Queue","ARN":"arn:aws:sqs:{{region}}:{{account}}:{{pick:orders-events|email-outbox|thumbnail-jobs}}"}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"{{account}}","eventCategory":"Data","#,
            tls!("sqs"),
            "}"
        ),
    ),
    (
        "elasticloadbalancing DescribeTargetHealth",
        2,
        concat!(
            r#"{"eventVersion":"1.08","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"elasticloadbalancing.amazonaws.com","eventName":"DescribeTargetHealth","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"targetGroupArn":"arn:aws:elasticloadbalancing:{{region}}:{{account}}:targetgroup/{{pick:orders-api-tg|web-tg|search-tg}}/{{hex:16}}"},"responseElements":null,"#,
            ids!(),
            ",",
            management!("true"),
            ",",
            tls!("elasticloadbalancing"),
            "}"
        ),
    ),
    (
        "autoscaling DescribeAutoScalingGroups",
        1,
        concat!(
            r#"{"eventVersion":"1.08","#,
            service!("autoscaling.amazonaws.com|eks.amazonaws.com"),
            r#","eventTime":"{{time}}","eventSource":"autoscaling.amazonaws.com","eventName":"DescribeAutoScalingGroups","awsRegion":"{{region}}","#,
            service_client!("autoscaling.amazonaws.com|eks.amazonaws.com"),
            r#","requestParameters":{"autoScalingGroupNames":["eks-{{pick:general|gpu|spot}}-{{uuid#g}}"],"maxRecords":100},"responseElements":null,"#,
            ids!(),
            ",",
            management!("true"),
            "}"
        ),
    ),
    (
        "ec2 CreateNetworkInterface",
        1,
        concat!(
            r#"{"eventVersion":"1.09","#,
            role!(),
            r#","eventTime":"{{time}}","eventSource":"ec2.amazonaws.com","eventName":"CreateNetworkInterface","awsRegion":"{{region}}","#,
            client!(),
            r#","requestParameters":{"subnetId":"subnet-0{{hex:16}}","description":"AWS Lambda VPC ENI-"#,
            function!(),
            r#"-{{uuid#n}}","groupSet":{"items":[{"groupId":"sg-0{{hex:16}}"}]},"privateIpAddressesSet":{}},"responseElements":{"requestId":"{{uuid#r}}","networkInterface":{"networkInterfaceId":"eni-0{{hex:16#e}}","subnetId":"subnet-0{{hex:16}}","vpcId":"vpc-0{{hex:16#v}}","availabilityZone":"{{region}}a","description":"AWS Lambda VPC ENI","ownerId":"{{account}}","requesterManaged":false,"status":"pending","privateIpAddress":"10.{{num:256}}.{{num:256#b}}.{{num:256#c}}","sourceDestCheck":true,"interfaceType":"lambda"}},"#,
            ids!(),
            ",",
            management!("false"),
            ",",
            tls!("ec2"),
            "}"
        ),
    ),
];
