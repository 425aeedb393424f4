//! The checkov findings the stack templates skip (`Metadata: checkov: skip:`): each names a
//! check and says why next to the resource it skips, and the static-checks table of
//! `infra/README.md` explains each check skipped. `scripts/test` runs checkov itself.

mod common;

use std::collections::BTreeSet;

use common::cfn::{Template, items, render};

#[test]
fn every_skipped_check_is_justified_in_the_template_and_the_readme() {
    let readme = std::fs::read_to_string(common::root().join("infra/README.md")).unwrap();
    let mut skipped = BTreeSet::new();
    for path in ["infra/template.yaml", "infra/member.yaml"] {
        let template = Template::load(path);
        for resource in template.resources() {
            let Some(skips) = resource.body.get("Metadata").and_then(|m| m.get("checkov")) else {
                continue;
            };
            let list = skips.get("skip").map(items).unwrap_or_default();
            assert!(
                !list.is_empty(),
                "{path}: {}: checkov metadata without skips",
                resource.id
            );
            for skip in list {
                let id = skip.get("id").map(render).unwrap_or_default();
                let comment = skip.get("comment").map(render).unwrap_or_default();
                assert!(id.starts_with("CKV_"), "{path}: {}: skip of {id:?}", resource.id);
                assert!(
                    comment.split_whitespace().count() >= 5,
                    "{path}: {}: skipping {id} needs its reason in the comment",
                    resource.id
                );
                skipped.insert(id);
            }
        }
    }
    assert!(!skipped.is_empty(), "no skips read");
    // The checks the README's table explains: the ids in the first cell of its rows.
    let explained: BTreeSet<String> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `CKV_"))
        .flat_map(|row| {
            let cell = row.split(" | ").next().unwrap_or("");
            format!("`CKV_{cell}")
                .split('`')
                .filter(|s| s.starts_with("CKV_"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        skipped, explained,
        "checks skipped in the templates vs explained in infra/README.md"
    );
}
