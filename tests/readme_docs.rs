//! README.md's parameter and command reference is generated from `integration.yml`; this fails
//! when the two disagree, and says how to regenerate it.

use std::path::PathBuf;
use std::process::Command;

use okta_it_admin::docs;

fn readme_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md")
}

#[test]
fn readme_reference_is_generated_from_integration_yml() {
    let path = readme_path();
    if let Err(error) = docs::check_file(&path) {
        panic!(
            "{error:#}\nREADME.md's part between the markers is generated from integration.yml: \
             run `{}` and commit the result",
            docs::REGENERATE
        );
    }
}

#[test]
fn docs_subcommand_prints_and_checks_the_same_block() {
    let binary = env!("CARGO_BIN_EXE_okta-it-admin");
    let printed = Command::new(binary)
        .arg("docs")
        .output()
        .expect("okta-it-admin docs runs");
    assert!(printed.status.success(), "{printed:?}");
    let block = String::from_utf8(printed.stdout).expect("UTF-8");
    assert_eq!(block, docs::generate().expect("the block generates"));

    let checked = Command::new(binary)
        .args(["docs", "--check"])
        .arg(readme_path())
        .output()
        .expect("okta-it-admin docs --check runs");
    assert!(
        checked.status.success(),
        "docs --check failed: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[test]
fn docs_check_fails_on_a_stale_readme_and_write_repairs_it() {
    let binary = env!("CARGO_BIN_EXE_okta-it-admin");
    let readme = std::fs::read_to_string(readme_path()).expect("README.md");
    let block = docs::extract(&readme).expect("README.md has the generated block");
    let stale = readme.replacen(block, &block.replacen("| `url` |", "| `uri` |", 1), 1);
    assert_ne!(stale, readme);

    let dir = std::env::temp_dir().join(format!("okta-readme-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let copy = dir.join("README.md");
    std::fs::write(&copy, &stale).expect("write the stale copy");

    let checked = Command::new(binary)
        .args(["docs", "--check"])
        .arg(&copy)
        .output()
        .expect("docs --check runs");
    assert!(!checked.status.success(), "a stale README passed the check");
    let message = String::from_utf8_lossy(&checked.stderr);
    assert!(message.contains(docs::REGENERATE), "{message}");

    let written = Command::new(binary)
        .args(["docs", "--write"])
        .arg(&copy)
        .output()
        .expect("docs --write runs");
    assert!(written.status.success(), "{written:?}");
    assert_eq!(std::fs::read_to_string(&copy).expect("read back"), readme);
    std::fs::remove_dir_all(&dir).ok();
}
