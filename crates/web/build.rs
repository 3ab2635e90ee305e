//! Builds `plenum-seal-wasm`, the voter's side of a secret vote, to WebAssembly, so
//! the server can hand it to the browser (`/static/seal.wasm`) and a deputy's phone
//! seals the ballot itself.
//!
//! It runs a nested `cargo build --target wasm32-unknown-unknown` into a target
//! directory of its own beside the outer one, so it stays incremental. Where the
//! WebAssembly target is not installed (`rustup target add wasm32-unknown-unknown`),
//! the server is built without it and the pages seal on the server, as before; with
//! `PLENUM_REQUIRE_SEAL_WASM=1` (the test script sets it) that is an error instead.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";

fn main() -> Result<(), String> {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let out = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);
    let crates = manifest.parent().ok_or("the web crate has no parent directory")?;
    for watched in ["seal-wasm/src", "seal-wasm/Cargo.toml", "ballot/src", "ballot/Cargo.toml"] {
        println!("cargo:rerun-if-changed={}", crates.join(watched).display());
    }
    println!("cargo:rerun-if-changed={}", crates.join("../Cargo.lock").display());
    println!("cargo:rerun-if-env-changed=PLENUM_REQUIRE_SEAL_WASM");
    let required = env::var("PLENUM_REQUIRE_SEAL_WASM").is_ok_and(|v| v == "1");
    let wasm = out.join("seal.wasm");
    match build(crates, &out) {
        Ok(built) => fs::copy(&built, &wasm).map(|_| ()).map_err(|e| format!("{}: {e}", built.display())),
        Err(why) if !required => {
            println!("cargo:warning=built without the browser's ballot sealing: {why}");
            fs::write(&wasm, b"").map_err(|e| e.to_string())
        }
        Err(why) => Err(format!("the browser's ballot sealing (plenum-seal-wasm): {why}")),
    }
}

/// Whether the standard library for the WebAssembly target is installed.
fn target_installed() -> bool {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(o) = Command::new(rustc).args(["--print", "target-libdir", "--target", TARGET]).output() else {
        return false;
    };
    let dir = String::from_utf8_lossy(&o.stdout).trim().to_owned();
    o.status.success() && fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some())
}

/// The outer build's target directory: `OUT_DIR` is `<target>/<profile>/build/<pkg>/out`,
/// or has a target triple after `<target>`.
fn target_dir(out: &Path) -> PathBuf {
    if let Some(dir) = env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    out.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(|build| build.parent()?.parent())
        .map_or_else(|| out.to_path_buf(), Path::to_path_buf)
}

fn build(crates: &Path, out: &Path) -> Result<PathBuf, String> {
    if !target_installed() {
        return Err(format!("the {TARGET} target is not installed (rustup target add {TARGET})"));
    }
    let dir = target_dir(out).join("seal-wasm");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(crates.join("seal-wasm"))
        .args(["build", "--quiet", "-p", "plenum-seal-wasm", "--target", TARGET, "--profile", "seal-wasm"])
        .arg("--target-dir")
        .arg(&dir);
    // The outer build's flags and wrappers (clippy's, say) are not for this one.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_TARGET_DIR",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd.status().map_err(|e| format!("running cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build --target {TARGET} failed ({status})"));
    }
    Ok(dir.join(TARGET).join("seal-wasm").join("plenum_seal_wasm.wasm"))
}
