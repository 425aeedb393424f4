//! What the detector loads at cold start besides its settings: the user rules
//! (`AIDR_RULES`), joined to the built-in catalog, and the allowlist (`AIDR_ALLOWLIST`), from
//! the function's file system or S3. Both load whole or the function does not start: the error
//! names the file (a path or an `s3://` URL), the line and the reason. Never half a catalog.

use aidr_aws::s3::S3Objects;
use aidr_engine::Registry;
use aidr_engine::alerting::{Allowlist, Day};
use aidr_engine::user_rules::{self, SourceFile};

use crate::config::{Location, RULE_FILE_SUFFIXES, UserFiles};

/// The detections and the allowlist the detector runs with.
pub struct Catalog {
    /// The built-in catalog with the user rules in it.
    pub registry: Registry,
    /// How many user rules were loaded (0 without `AIDR_RULES`).
    pub user_rules: usize,
    /// The allowlist (empty without `AIDR_ALLOWLIST`).
    pub allowlist: Allowlist,
}

/// Why the catalog could not be loaded: the variable, then the file, line and reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The rule files could not be read, or there are none.
    #[error("AIDR_RULES: {0}")]
    ReadRules(String),
    /// A rule file is not a valid rule file, or a rule does not compile (the message starts
    /// with the file and line).
    #[error("AIDR_RULES: {0}")]
    Rules(String),
    /// The allowlist could not be read.
    #[error("AIDR_ALLOWLIST: {0}")]
    ReadAllowlist(String),
    /// The allowlist is not a valid allowlist (the message starts with the file and line).
    #[error("AIDR_ALLOWLIST: {0}")]
    Allowlist(String),
}

impl Catalog {
    /// The built-in catalog alone, with an empty allowlist.
    pub fn builtin() -> Catalog {
        Catalog {
            registry: Registry::builtin(),
            user_rules: 0,
            allowlist: Allowlist::default(),
        }
    }

    /// Reads the user's files where `files` says, through `objects` for those in S3, and
    /// builds the catalog; logs what was loaded from where, and the allowlist's entries that
    /// expired before `now` (Unix seconds) or name no rule of the catalog.
    ///
    /// # Errors
    /// The first [`CatalogError`]: a location that cannot be read (missing, access denied,
    /// too large, not UTF-8), a rule location without rule files, a rule file or an allowlist
    /// that does not load (with its file and line), or rules the registry refuses.
    pub async fn load(files: &UserFiles, objects: &S3Objects, now: i64) -> Result<Catalog, CatalogError> {
        let mut catalog = Catalog::builtin();
        if let Some(location) = &files.rules {
            let sources = read_rules(location, objects).await?;
            let rules = user_rules::load(&sources).map_err(|e| CatalogError::Rules(e.to_string()))?;
            catalog.user_rules = rules.len();
            catalog.registry =
                Registry::with_user_rules(rules).map_err(|e| CatalogError::Rules(format!("{location}: {e}")))?;
            tracing::info!(
                user_rules = catalog.user_rules,
                files = sources.len(),
                from = %location,
                "user rules loaded"
            );
        }
        if let Some(location) = &files.allowlist {
            let text = read_object(location, objects)
                .await
                .map_err(CatalogError::ReadAllowlist)?;
            let allowlist =
                Allowlist::parse(&text, &location.to_string()).map_err(|e| CatalogError::Allowlist(e.to_string()))?;
            tracing::info!(entries = allowlist.entries().len(), from = %location, "allowlist loaded");
            for entry in allowlist.expired(Day::of_unix_secs(now)) {
                tracing::warn!(from = %location, "allowlist {entry} has expired: it silences nothing");
            }
            for entry in allowlist.unknown_rules(&catalog.registry) {
                tracing::warn!(from = %location, "allowlist {entry} names no rule of the catalog");
            }
            catalog.allowlist = allowlist;
        }
        Ok(catalog)
    }
}

/// The rule files at `location`: a local file, or every rule file of a local folder, or of an
/// S3 prefix; an S3 object.
async fn read_rules(location: &Location, objects: &S3Objects) -> Result<Vec<SourceFile>, CatalogError> {
    let sources = match location {
        Location::S3(url) if location.is_s3_prefix() => objects
            .read_texts(&url.bucket, &url.key, RULE_FILE_SUFFIXES)
            .await
            .map_err(|e| CatalogError::ReadRules(e.to_string()))?
            .into_iter()
            .map(|object| SourceFile {
                origin: format!("s3://{}/{}", url.bucket, object.key),
                text: object.text,
            })
            .collect(),
        Location::S3(_) => vec![SourceFile {
            origin: location.to_string(),
            text: read_object(location, objects).await.map_err(CatalogError::ReadRules)?,
        }],
        // At cold start nothing else runs: the runtime's thread may block on the files.
        Location::Local(path) => {
            user_rules::read_dir(path).map_err(|e| CatalogError::ReadRules(format!("{location}: {e}")))?
        }
    };
    if sources.is_empty() {
        return Err(CatalogError::ReadRules(format!(
            "{location} holds no rule file (ending in {})",
            RULE_FILE_SUFFIXES.join(" or ")
        )));
    }
    Ok(sources)
}

/// The text of the one file or object at `location`.
async fn read_object(location: &Location, objects: &S3Objects) -> Result<String, String> {
    match location {
        Location::S3(url) => objects
            .read_text(&url.bucket, &url.key)
            .await
            .map_err(|e| e.to_string()),
        Location::Local(path) => std::fs::read_to_string(path).map_err(|e| format!("{location}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    /// A folder of its own under the system's temporary folder, removed when dropped.
    struct Folder(PathBuf);

    impl Folder {
        fn new(name: &str) -> Folder {
            let path = std::env::temp_dir().join(format!("aidr-catalog-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            Folder(path)
        }

        fn write(&self, name: &str, text: &str) -> PathBuf {
            let path = self.0.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            path
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// S3 is never reached by these tests: every location is local.
    fn no_s3() -> S3Objects {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        S3Objects::new(&config)
    }

    fn local(path: &Path) -> Option<Location> {
        Some(Location::Local(path.to_path_buf()))
    }

    const NOW: i64 = 1_790_000_000; // 2026-09-21

    fn rule(id: &str) -> String {
        format!(
            "id: {id}\ntitle: Endpoint created\nseverity: medium\narea: model\ndescription: An endpoint was created.\n\
             events:\n  - source: sagemaker.amazonaws.com\n    names: [CreateEndpoint]\n"
        )
    }

    #[tokio::test]
    async fn rules_of_a_folder_join_the_builtin_catalog_and_the_allowlist_is_read() {
        let folder = Folder::new("folder");
        folder.write("rules/endpoints.yaml", &rule("acme.endpoint_created"));
        folder.write("rules/team/more.yml", &rule("acme.other_endpoint_created"));
        folder.write("rules/README.md", "not a rule");
        let allowlist = folder.write(
            "allowlist.yaml",
            "suppressions:\n  - rule: acme.endpoint_created\n    expires: 2099-12-31\n    reason: expected\n",
        );
        let files = UserFiles {
            rules: local(&folder.0.join("rules")),
            allowlist: local(&allowlist),
        };
        let catalog = Catalog::load(&files, &no_s3(), NOW).await.unwrap();
        assert_eq!(catalog.user_rules, 2);
        let builtin = Registry::builtin().detections().len();
        assert_eq!(catalog.registry.detections().len(), builtin + 2);
        assert!(catalog.registry.get("acme.other_endpoint_created").is_some());
        assert_eq!(catalog.allowlist.entries().len(), 1);
        assert_eq!(catalog.allowlist.origin(), allowlist.display().to_string());

        // One file works the same.
        let files = UserFiles {
            rules: local(&folder.0.join("rules/endpoints.yaml")),
            allowlist: None,
        };
        let catalog = Catalog::load(&files, &no_s3(), NOW).await.unwrap();
        assert_eq!((catalog.user_rules, catalog.allowlist.is_empty()), (1, true));
    }

    #[tokio::test]
    async fn nothing_to_load_is_the_builtin_catalog() {
        let catalog = Catalog::load(&UserFiles::default(), &no_s3(), NOW).await.unwrap();
        assert_eq!(catalog.user_rules, 0);
        assert_eq!(
            catalog.registry.detections().len(),
            Registry::builtin().detections().len()
        );
    }

    #[tokio::test]
    async fn errors_name_the_variable_the_file_and_the_line() {
        let folder = Folder::new("errors");
        let error =
            |files: UserFiles| async move { Catalog::load(&files, &no_s3(), NOW).await.err().unwrap().to_string() };

        let missing = folder.0.join("missing");
        let e = error(UserFiles {
            rules: local(&missing),
            allowlist: None,
        })
        .await;
        assert!(e.starts_with(&format!("AIDR_RULES: {}: ", missing.display())), "{e}");

        let empty = folder.0.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let e = error(UserFiles {
            rules: local(&empty),
            allowlist: None,
        })
        .await;
        assert_eq!(
            e,
            format!(
                "AIDR_RULES: {} holds no rule file (ending in .yaml or .yml)",
                empty.display()
            )
        );

        // A good file and a broken one: nothing loads, and the broken one is named.
        folder.write("rules/a.yaml", &rule("acme.endpoint_created"));
        let broken = folder.write(
            "rules/b.yaml",
            &rule("acme.broken").replace("severity: medium", "severity: urgent"),
        );
        let e = error(UserFiles {
            rules: local(&folder.0.join("rules")),
            allowlist: None,
        })
        .await;
        assert!(e.starts_with(&format!("AIDR_RULES: {}:3:", broken.display())), "{e}");

        // A built-in id's namespace.
        let builtin = folder.write("builtin.yaml", &rule("bedrock.guardrail_deleted"));
        let e = error(UserFiles {
            rules: local(&builtin),
            allowlist: None,
        })
        .await;
        assert!(
            e.starts_with(&format!("AIDR_RULES: {}:1:", builtin.display())) && e.contains("built-in"),
            "{e}"
        );

        let allowlist = folder.write(
            "allowlist.yaml",
            "suppressions:\n  - rule: acme.x\n    expires: someday\n    reason: r\n",
        );
        let e = error(UserFiles {
            rules: None,
            allowlist: local(&allowlist),
        })
        .await;
        assert!(
            e.starts_with(&format!("AIDR_ALLOWLIST: {}:3:", allowlist.display())),
            "{e}"
        );
        let e = error(UserFiles {
            rules: None,
            allowlist: local(&missing),
        })
        .await;
        assert!(
            e.starts_with(&format!("AIDR_ALLOWLIST: {}: ", missing.display())),
            "{e}"
        );
    }
}
