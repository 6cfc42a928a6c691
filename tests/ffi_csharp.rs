//! Runs the C# binding's tests (`tests/csharp/MdcaTests.cs` with `powershell/Mdca/Mdca.Interop.cs`)
//! against the simulator, on Mono and on CoreCLR 8, through the cdylib this crate builds.
//!
//! Tools: `mcs` and `mono` (Debian `mono-mcs`, `mono-runtime`) and a `dotnet` host with
//! Microsoft.NETCore.App 8.x (`MDCA_DOTNET`, else `dotnet` on PATH); `scripts/install-csharp-tools.sh`
//! installs them. When a tool is missing the tests say so and pass, unless `MDCA_REQUIRE_CSHARP=1` (set in
//! CI), which makes a missing tool a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use mdca_sim::{FaultKind, FaultSpec, SimConfig, Simulator, INVESTIGATION_READ};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn required() -> bool {
    std::env::var("MDCA_REQUIRE_CSHARP").is_ok_and(|v| v == "1")
}

/// The path of `tool` if it runs, else `None` (or a panic when the C# tests are required).
fn tool(name: &str, candidates: &[String], version_arg: &str) -> Option<String> {
    for candidate in candidates {
        let ok = Command::new(candidate)
            .arg(version_arg)
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(candidate.clone());
        }
    }
    let message = format!(
        "{name} not found (tried {candidates:?}); run scripts/install-csharp-tools.sh and set MDCA_DOTNET"
    );
    assert!(!required(), "MDCA_REQUIRE_CSHARP=1 but {message}");
    eprintln!("SKIPPED: {message}");
    None
}

/// The cdylib built for this test run: `<target>/<profile>/libmdca.so` beside `deps/`.
fn native_library() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let name = format!(
        "{}mdca{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let path = profile_dir.join(&name);
    assert!(
        path.is_file(),
        "the cdylib {} was not built",
        path.display()
    );
    path
}

fn rid() -> String {
    let os = match std::env::consts::OS {
        "windows" => "win",
        "macos" => "osx",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "x86" => "x86",
        other => other,
    };
    format!("{os}-{arch}")
}

fn work_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mdca-csharp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create work dir");
    dir
}

/// Compiles the interop source and the tests with mcs (`langversion` None = mcs's default).
fn compile(mcs: &str, dir: &Path, langversion: Option<&str>) -> PathBuf {
    let exe = dir.join("MdcaTests.exe");
    let mut command = Command::new(mcs);
    if let Some(version) = langversion {
        command.arg(format!("-langversion:{version}"));
    }
    let output = command
        .arg("-warnaserror+")
        .arg(format!("-out:{}", exe.display()))
        .arg(Path::new(ROOT).join("powershell/Mdca/Mdca.Interop.cs"))
        .arg(Path::new(ROOT).join("tests/csharp/MdcaTests.cs"))
        .output()
        .expect("run mcs");
    assert!(
        output.status.success(),
        "mcs failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    exe
}

/// The simulators and the environment the C# tests read.
struct Sims {
    main: Simulator,
    slow: Simulator,
    cfg: SimConfig,
}

fn start_sims() -> Sims {
    let cfg = SimConfig::for_tests();
    let main = mdca_sim::start_blocking(cfg.clone()).expect("start the simulator");
    // Every API request stalls: pages stay in flight long enough to cancel or dispose them.
    let mut slow_cfg = SimConfig::for_tests();
    slow_cfg.faults = vec![FaultSpec::new(
        FaultKind::Stall(std::time::Duration::from_secs(30)),
        1_000,
    )];
    let slow = mdca_sim::start_blocking(slow_cfg).expect("start the slow simulator");
    Sims { main, slow, cfg }
}

fn sim_env(command: &mut Command, sims: &Sims) {
    let (client_id, client_secret) = sims.main.app_credentials();
    let data = &sims.cfg.data;
    let counts = format!(
        "activities={},alerts={},files={},entities={},subnets={}",
        data.activities, data.alerts, data.files, data.entities, data.subnets
    );
    command
        .env("MDCA_SIM_URL", sims.main.url())
        .env("MDCA_SIM_TOKEN", sims.main.admin_token())
        .env("MDCA_SIM_TENANT_ID", sims.main.entra_tenant_id())
        .env("MDCA_SIM_CLIENT_ID", client_id)
        .env("MDCA_SIM_CLIENT_SECRET", client_secret)
        .env("MDCA_SIM_AUTHORITY", sims.main.authority_host())
        .env(
            "MDCA_SIM_BEARER",
            sims.main.bearer_token(0, &[INVESTIGATION_READ]),
        )
        .env("MDCA_SIM_COUNTS", counts)
        .env("MDCA_SLOW_URL", sims.slow.url())
        .env("MDCA_SLOW_TOKEN", sims.slow.admin_token())
        .env_remove("MDCA_NATIVE_LIBRARY");
}

fn run(mut command: Command, runtime: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("run the C# tests on {runtime}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "C# tests failed on {runtime} (exit {:?})",
        output.status.code()
    );
    assert!(
        stdout.contains("tests passed"),
        "C# test summary missing on {runtime}"
    );
}

#[test]
fn csharp_binding_passes_its_tests_on_mono() {
    let (Some(mcs), Some(mono)) = (
        tool("mcs", &["mcs".to_string()], "--version"),
        tool("mono", &["mono".to_string()], "--version"),
    ) else {
        return;
    };
    let dir = work_dir("mono");
    // C# 5: what Windows PowerShell 5.1's Add-Type compiles.
    let exe = compile(&mcs, &dir, Some("5"));
    let library = native_library();
    let sims = start_sims();
    let mut command = Command::new(mono);
    command.arg("--debug").arg(&exe);
    sim_env(&mut command, &sims);
    // Mono has no DllImport resolver hook: it finds the library through the loader's search path.
    command.env("LD_LIBRARY_PATH", library.parent().unwrap());
    command.env("DYLD_LIBRARY_PATH", library.parent().unwrap());
    run(command, "Mono");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn csharp_binding_passes_its_tests_on_coreclr_with_the_module_layout() {
    let dotnet_candidates: Vec<String> = std::env::var("MDCA_DOTNET")
        .ok()
        .into_iter()
        .chain(["dotnet".to_string()])
        .collect();
    let (Some(mcs), Some(dotnet)) = (
        tool("mcs", &["mcs".to_string()], "--version"),
        tool("dotnet", &dotnet_candidates, "--list-runtimes"),
    ) else {
        return;
    };
    let dir = work_dir("coreclr");
    let exe = compile(&mcs, &dir, None);
    // The layout the module ships: runtimes/<rid>/native/<library> beside the assembly, found by the
    // DllImport resolver without any search path.
    let library = native_library();
    let native_dir = dir.join("runtimes").join(rid()).join("native");
    std::fs::create_dir_all(&native_dir).unwrap();
    let shipped = native_dir.join(library.file_name().unwrap());
    std::fs::copy(&library, &shipped).unwrap();
    let runtimeconfig = dir.join("MdcaTests.runtimeconfig.json");
    std::fs::write(
        &runtimeconfig,
        r#"{"runtimeOptions":{"tfm":"net8.0","framework":{"name":"Microsoft.NETCore.App","version":"8.0.4"},"rollForward":"LatestMinor"}}"#,
    )
    .unwrap();
    let sims = start_sims();
    let mut command = Command::new(dotnet);
    command
        .arg("exec")
        .arg("--runtimeconfig")
        .arg(&runtimeconfig)
        .arg(&exe);
    sim_env(&mut command, &sims);
    command
        .env("MDCA_EXPECT_NATIVE_PATH", &shipped)
        .env_remove("LD_LIBRARY_PATH");
    run(command, "CoreCLR");
    let _ = std::fs::remove_dir_all(&dir);
}
