//! Records to test with: the CloudTrail records of the committed samples (the `detail` of
//! each EventBridge event in `events/`, the `Records` of each sequence in `samples/stateful/`),
//! mutated: another principal, account or region, other parameter values, unknown fields
//! added, fields removed.

use std::path::Path;
use std::sync::LazyLock;

use aidr_testkit::samples::repo_root;
use proptest::prelude::*;
use serde_json::Value;

/// Every sample record, in file order.
pub static RECORDS: LazyLock<Vec<Value>> = LazyLock::new(|| SAMPLES.iter().flatten().cloned().collect());

/// The records of each sample file, in file order.
pub static SAMPLES: LazyLock<Vec<Vec<Value>>> = LazyLock::new(|| {
    let root = repo_root();
    let mut files = Vec::new();
    for folder in ["events", "samples/stateful"] {
        collect(&root.join(folder), &mut files);
    }
    files.sort();
    let mut records = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        match (value.get("detail"), value.get("Records")) {
            (Some(detail), _) => records.push(vec![detail.clone()]),
            (_, Some(Value::Array(items))) => records.push(items.clone()),
            _ => panic!("{}: neither an EventBridge event nor a log file", file.display()),
        }
    }
    assert!(records.len() > 150, "samples not found under {}", root.display());
    records
});

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Top-level keys that make an object something other than a record (a log file, an
/// EventBridge event, a Config snapshot or item, an inventory): never added to a record.
pub const NOT_RECORD_KEYS: [&str; 6] = [
    "Records",
    "detail-type",
    "configurationItems",
    "resourceType",
    "collected_at",
    "detail",
];

/// One change to a record.
#[derive(Debug, Clone)]
pub enum Edit {
    /// `userIdentity` replaced by a principal of kind `kind` (see [`principal`]).
    Principal {
        kind: usize,
        account: String,
        name: String,
    },
    /// `recipientAccountId`, and the caller's account when `caller`, set to `account`.
    Account {
        account: String,
        caller: bool,
    },
    Region(String),
    /// The `pick`-th value (modulo their number) under `requestParameters` and
    /// `responseElements` replaced by `value`.
    Parameter {
        pick: usize,
        value: Value,
    },
    /// `key: value` added to the `pick`-th object of the record.
    Extra {
        pick: usize,
        key: String,
        value: Value,
    },
    /// The `pick`-th field of any object of the record removed.
    Remove {
        pick: usize,
    },
    /// The `pick`-th parameter value replaced by arrays nested `depth` deep (near the
    /// reader's and the parser's limits).
    Deep {
        pick: usize,
        depth: usize,
    },
}

/// A sample record with up to four edits.
pub fn record() -> impl Strategy<Value = Value> {
    edited((0..RECORDS.len()).collect(), edit())
}

/// A sample record that carries an IAM policy document (a `Statement`), with up to four
/// edits that leave its parameters alone.
pub fn policy_record() -> impl Strategy<Value = Value> {
    let carrying: Vec<usize> = (0..RECORDS.len())
        .filter(|&i| RECORDS[i]["requestParameters"].to_string().contains("Statement"))
        .collect();
    assert!(carrying.len() >= 20, "sample records with policies: {}", carrying.len());
    let edit = prop_oneof![
        (0..PRINCIPAL_KINDS, account(), "[A-Za-z][A-Za-z0-9_-]{0,11}")
            .prop_map(|(kind, account, name)| { Edit::Principal { kind, account, name } }),
        (account(), any::<bool>()).prop_map(|(account, caller)| Edit::Account { account, caller }),
        region().prop_map(Edit::Region),
    ];
    edited(carrying, edit)
}

/// The records of a sample sequence (a stateful detection's sample), each with up to two
/// edits that leave who called what, when and where alone (unknown fields added).
pub fn sequence() -> impl Strategy<Value = Vec<Value>> {
    let sequences: Vec<usize> = (0..SAMPLES.len()).filter(|&i| SAMPLES[i].len() > 1).collect();
    let extra =
        (any::<usize>(), unknown_key(), parameter()).prop_map(|(pick, key, value)| Edit::Extra { pick, key, value });
    (
        prop::sample::select(sequences),
        prop::collection::vec(prop::collection::vec(extra, 0..2), 128),
    )
        .prop_map(|(i, edits)| {
            let mut records = SAMPLES[i].clone();
            for (record, edits) in records.iter_mut().zip(&edits) {
                edits.iter().for_each(|edit| apply(record, edit));
            }
            records
        })
}

/// One of the records at `indexes`, with up to four edits drawn from `edit`.
fn edited(indexes: Vec<usize>, edit: impl Strategy<Value = Edit>) -> impl Strategy<Value = Value> {
    (prop::sample::select(indexes), prop::collection::vec(edit, 0..4)).prop_map(|(i, edits)| {
        let mut record = RECORDS[i].clone();
        for edit in &edits {
            apply(&mut record, edit);
        }
        record
    })
}

/// An account id: the samples' own, the partner, an outsider, or any.
pub fn account() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("111122223333".to_owned()),
        Just("222233334444".to_owned()),
        Just("444455556666".to_owned()),
        "[0-9]{12}",
    ]
}

fn region() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("us-east-1".to_owned()),
        Just("eu-west-3".to_owned()),
        Just("ap-southeast-2".to_owned()),
        "[a-z]{2}-[a-z]{4,9}-[1-9]",
    ]
}

/// A value a parameter may take: text of several shapes, or another JSON type.
fn parameter() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        Just("*".to_owned()),
        Just(String::new()),
        "arn:aws:[a-z]{2,9}:us-east-1:[0-9]{12}:[a-z-]{1,12}/[A-Za-z0-9*]{1,8}",
        "[A-Za-z0-9 ._:/*-]{1,16}",
        "\\PC{0,12}",
    ];
    prop_oneof![
        4 => text.prop_map(Value::String),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i32>().prop_map(Value::from),
        1 => Just(Value::Null),
        1 => Just(serde_json::json!({"nested": ["a", 1]})),
    ]
}

/// The name of a field no record has (most likely), never one of [`NOT_RECORD_KEYS`].
fn unknown_key() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_-]{0,10}".prop_filter("a record stays a record", |k: &String| {
        !NOT_RECORD_KEYS.contains(&k.as_str())
    })
}

fn edit() -> impl Strategy<Value = Edit> {
    let name = "[A-Za-z][A-Za-z0-9+=,.@_-]{0,11}";
    prop_oneof![
        (0..PRINCIPAL_KINDS, account(), name).prop_map(|(kind, account, name)| Edit::Principal { kind, account, name }),
        (account(), any::<bool>()).prop_map(|(account, caller)| Edit::Account { account, caller }),
        region().prop_map(Edit::Region),
        (any::<usize>(), parameter()).prop_map(|(pick, value)| Edit::Parameter { pick, value }),
        (any::<usize>(), unknown_key(), parameter()).prop_map(|(pick, key, value)| Edit::Extra { pick, key, value }),
        any::<usize>().prop_map(|pick| Edit::Remove { pick }),
        (any::<usize>(), 110..135usize).prop_map(|(pick, depth)| Edit::Deep { pick, depth }),
    ]
}

const PRINCIPAL_KINDS: usize = 5;

/// A `userIdentity` of kind `kind`: an IAM user, a role session, the root user, an AWS
/// service, or an Identity Center user's role session.
fn principal(kind: usize, account: &str, name: &str) -> Value {
    use serde_json::json;
    match kind {
        0 => {
            json!({"type": "IAMUser", "principalId": "AIDA3EXAMPLEUSERID99", "arn": format!("arn:aws:iam::{account}:user/{name}"),
            "accountId": account, "accessKeyId": "AKIA3EXAMPLEKEY99999", "userName": name})
        }
        1 => json!({"type": "AssumedRole", "principalId": format!("AROA3EXAMPLEROLEID99:{name}"),
            "arn": format!("arn:aws:sts::{account}:assumed-role/{name}/session"), "accountId": account,
            "accessKeyId": "ASIA3EXAMPLETEMP9999",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROA3EXAMPLEROLEID99",
                "arn": format!("arn:aws:iam::{account}:role/{name}"), "accountId": account, "userName": name},
                "attributes": {"creationDate": "2026-03-02T10:00:00Z", "mfaAuthenticated": "false"}}}),
        2 => json!({"type": "Root", "principalId": account, "arn": format!("arn:aws:iam::{account}:root"),
            "accountId": account, "accessKeyId": "ASIA3EXAMPLEROOT9999"}),
        3 => json!({"type": "AWSService", "invokedBy": "sagemaker.amazonaws.com"}),
        _ => json!({"type": "AssumedRole", "principalId": format!("AROA3EXAMPLESSOID999:{name}@example.com"),
            "arn": format!("arn:aws:sts::{account}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/{name}@example.com"),
            "accountId": account, "accessKeyId": "ASIA3EXAMPLESSO99999",
            "sessionContext": {"sessionIssuer": {"type": "Role",
                "arn": format!("arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"),
                "accountId": account, "userName": "AWSReservedSSO_Admin_0123456789abcdef"}}}),
    }
}

/// Applies `edit` to `record` (an object).
pub fn apply(record: &mut Value, edit: &Edit) {
    let Some(fields) = record.as_object_mut() else {
        return;
    };
    match edit {
        Edit::Principal { kind, account, name } => {
            fields.insert("userIdentity".into(), principal(*kind, account, name));
        }
        Edit::Account { account, caller } => {
            fields.insert("recipientAccountId".into(), Value::String(account.clone()));
            if *caller && let Some(Value::Object(identity)) = fields.get_mut("userIdentity") {
                identity.insert("accountId".into(), Value::String(account.clone()));
            }
        }
        Edit::Region(region) => {
            fields.insert("awsRegion".into(), Value::String(region.clone()));
        }
        Edit::Deep { pick, depth } => {
            let mut value = Value::Array(Vec::new());
            for _ in 1..*depth {
                value = Value::Array(vec![value]);
            }
            apply(record, &Edit::Parameter { pick: *pick, value });
        }
        Edit::Parameter { pick, value } => {
            let slots: Vec<String> = pointers(record, is_leaf)
                .into_iter()
                .filter(|at| at.starts_with("/requestParameters") || at.starts_with("/responseElements"))
                .collect();
            if !slots.is_empty()
                && let Some(slot) = record.pointer_mut(&slots[pick % slots.len()])
            {
                *slot = value.clone();
            }
        }
        Edit::Extra { pick, key, value } => {
            let objects = pointers(record, Value::is_object);
            if let Some(Value::Object(target)) = record.pointer_mut(&objects[pick % objects.len()]) {
                target.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        Edit::Remove { pick } => {
            let fields: Vec<(String, String)> = pointers(record, Value::is_object)
                .into_iter()
                .flat_map(|at| {
                    let keys: Vec<String> = match record.pointer(&at) {
                        Some(Value::Object(map)) => map.keys().cloned().collect(),
                        _ => Vec::new(),
                    };
                    keys.into_iter().map(move |k| (at.clone(), k))
                })
                .collect();
            if fields.is_empty() {
                return;
            }
            let (at, key) = &fields[pick % fields.len()];
            if let Some(Value::Object(map)) = record.pointer_mut(at) {
                map.remove(key);
            }
        }
    }
}

/// A scalar, or an empty object or array.
fn is_leaf(v: &Value) -> bool {
    match v {
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => true,
    }
}

/// JSON pointers to every value in `v` (`v` itself is `""`) that is `wanted`, outer first.
fn pointers(v: &Value, wanted: fn(&Value) -> bool) -> Vec<String> {
    fn walk(v: &Value, at: &str, wanted: fn(&Value) -> bool, out: &mut Vec<String>) {
        if wanted(v) {
            out.push(at.to_owned());
        }
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    let k = k.replace('~', "~0").replace('/', "~1");
                    walk(v, &format!("{at}/{k}"), wanted, out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{at}/{i}"), wanted, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, "", wanted, &mut out);
    out
}
