//! Every recorded fixture in `test_data/fixtures` replays through the real binary: the requests
//! it sends and the document it prints match the recording.

use std::path::PathBuf;
use std::process::Command;

fn fixtures() -> Vec<PathBuf> {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data/fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("test_data/fixtures exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn every_fixture_replays_through_the_binary() {
    let paths = fixtures();
    assert!(
        paths.len() >= 7,
        "expected a fixture per reference example, found {paths:?}"
    );
    for path in paths {
        let output = Command::new(env!("CARGO_BIN_EXE_okta-it-admin"))
            .arg("replay")
            .arg(&path)
            .output()
            .expect("binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{} did not match:\n{stderr}",
            path.display()
        );
        let document: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");
        assert!(document.get("results").is_some(), "{}", path.display());
    }
}

/// Replays the get-user fixture with `from` replaced by `to`; returns (success, stderr).
fn replay_tampered(name: &str, from: &str, to: &str) -> (bool, String) {
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data/fixtures/get-user.json");
    let original = std::fs::read_to_string(fixture).expect("fixture readable");
    assert!(original.contains(from), "the fixture holds {from}");
    let path = std::env::temp_dir().join(format!("{name}-{}.json", std::process::id()));
    std::fs::write(&path, original.replacen(from, to, 1)).expect("temp file writable");

    let output = Command::new(env!("CARGO_BIN_EXE_okta-it-admin"))
        .arg("replay")
        .arg(&path)
        .output()
        .expect("binary runs");
    let _ = std::fs::remove_file(&path);
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn replay_fails_when_the_output_differs_from_the_recording() {
    let (success, stderr) =
        replay_tampered("tampered-output", "\"success\": true", "\"success\": false");
    assert!(!success);
    let expected = "the output differs from the recording at /results/0/Contents/success";
    assert!(stderr.contains(expected), "{stderr}");
}

#[test]
fn replay_fails_when_a_request_differs_from_the_recording() {
    let (success, stderr) = replay_tampered(
        "tampered-path",
        "\"path\": \"/api/v1/users/00utiigb9kCWr4rzE0h7\"",
        "\"path\": \"/api/v1/users/00uSOMEONEELSE\"",
    );
    assert!(!success);
    let expected =
        "request 1: path /api/v1/users/00utiigb9kCWr4rzE0h7, recorded /api/v1/users/00uSOMEONEELSE";
    assert!(stderr.contains(expected), "{stderr}");
}
