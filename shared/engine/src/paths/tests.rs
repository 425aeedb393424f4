use super::*;

fn load(name: &str) -> Inventory {
    let path = format!("{}/../../samples/paths/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn dump() {
    for f in ["notebook_to_admin", "llmjacking", "data_poisoning", "open_gateway"] {
        for suffix in ["", "-clean"] {
            let paths = find(&load(&format!("{f}{suffix}.json")), &Organization::default());
            println!("== {f}{suffix}");
            for p in &paths {
                println!("{}\n  {}\n  key {}", p.describe(), p.title, p.key);
                for s in &p.steps {
                    println!("    - {} [{}] {}: {}", s.label, s.resource_type, s.arn, s.evidence);
                }
            }
        }
    }
}
