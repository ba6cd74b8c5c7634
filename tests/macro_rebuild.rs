//! Editing a spec changes what `include_source!` expands to, without `cargo clean`: a scratch
//! crate using the macro is built, its spec edited, and built again.

use std::path::{Path, PathBuf};
use std::process::Command;

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn spec(base_url: &str) -> String {
    format!(
        r#"{{
  "name": "probe",
  "client": {{ "base_url": "{base_url}" }},
  "resources": ["items"]
}}
"#
    )
}

/// Builds and runs the probe; returns what it printed.
fn run(dir: &Path, target: &Path) -> String {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["run", "--quiet", "--offline"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "probe build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn editing_the_spec_rebuilds_the_expansion() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The probe's own target dir, kept between runs so only the probe itself recompiles.
    let target = root.join("target").join("tests").join("restsource-rebuild");
    let dir = std::env::temp_dir().join(format!("restsource-rebuild-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).expect("temp dir");
    write(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"restsource-rebuild-probe\"\nversion = \"0.0.0\"\n\
             edition = \"2021\"\npublish = false\n\n[dependencies]\n\
             restsource = {{ path = {:?} }}\n\n[workspace]\n",
            root.display().to_string()
        ),
    );
    // The workspace's lock file pins the same dependency versions, offline.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy lock file");
    write(
        &dir.join("src/main.rs"),
        "restsource::include_source!(\"spec.json\");\n\n\
         fn main() {\n    println!(\"{}\", probe::SOURCE.base_url);\n}\n",
    );

    write(&dir.join("spec.json"), &spec("https://one.example.com"));
    assert_eq!(run(&dir, &target), "https://one.example.com");

    write(&dir.join("spec.json"), &spec("https://two.example.com"));
    assert_eq!(run(&dir, &target), "https://two.example.com");

    let _ = std::fs::remove_dir_all(&dir);
}
