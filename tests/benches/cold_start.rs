//! Cold starts: every function's bootstrap started fresh under the local host's Runtime API,
//! its init (process start to its first `/next`, as Lambda counts init) and first invocation
//! (its `events/` fixture) timed, beside a bare `lambda_runtime` binary (`bench-hello`) built
//! in the same run and started the same way. Prints the binaries' sizes too. Run with
//! `make bench` (inside `coach-local test`, `COACH_BIN_DIR` naming the binaries;
//! `COLD_START_ONLY=a,b` limits it to those functions, `COLD_START_LABEL` names the build in
//! the BENCH line's name suffix).

use std::path::PathBuf;

use coach_tests::{fixture, host_url, root};
use serde_json::Value;

/// Cold starts per function (the median is shown).
const STARTS: usize = 9;
const HELLO: &str = "bench-hello";

struct Figures {
    init_ms: f64,
    first_invoke_ms: f64,
    ok: bool,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn cold_starts(client: &reqwest::Client, name: &str, payload: &Value) -> Figures {
    let (mut init, mut first, mut ok) = (Vec::new(), Vec::new(), true);
    // One untimed start first: the binary's pages come from disk once, as they would on a
    // warm Lambda host; the timed starts measure starting the process, not reading the file.
    for k in 0..=STARTS {
        let resp = client
            .post(format!("{}/_local/cold-start/{name}", host_url()))
            .json(payload)
            .send()
            .await
            .expect("host answers");
        let status = resp.status();
        let body: Value = resp.json().await.expect("JSON");
        assert!(status.is_success(), "{name}: {status} {body}");
        if k == 0 {
            continue;
        }
        init.push(body["init_ms"].as_f64().expect("init_ms"));
        first.push(body["first_invoke_ms"].as_f64().expect("first_invoke_ms"));
        ok &= body["ok"].as_bool().unwrap_or(false);
    }
    Figures {
        init_ms: median(init),
        first_invoke_ms: median(first),
        ok,
    }
}

/// Size of a binary in MB, as built and with its symbols stripped (`strip`, when installed).
fn sizes(path: &PathBuf) -> (f64, Option<f64>) {
    let mb = |p: &std::path::Path| std::fs::metadata(p).map_or(0.0, |m| m.len() as f64 / 1e6);
    let stripped = std::env::temp_dir().join(format!(
        "coach-stripped-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("bin")
    ));
    let ok = std::process::Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    let out = (mb(path), ok.then(|| mb(&stripped)));
    let _ = std::fs::remove_file(&stripped);
    out
}

#[tokio::main]
async fn main() {
    let bin_dir = PathBuf::from(
        std::env::var("COACH_BIN_DIR")
            .unwrap_or_else(|_| root().join("target/debug").display().to_string()),
    );
    let mut functions: Vec<String> = std::fs::read_dir(root().join("events"))
        .expect("events/")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_owned)
        })
        .collect();
    functions.sort();
    if let Ok(only) = std::env::var("COLD_START_ONLY") {
        let only: Vec<&str> = only.split(',').collect();
        functions.retain(|f| only.contains(&f.as_str()));
    }
    let label = std::env::var("COLD_START_LABEL").unwrap_or_default();
    let client = reqwest::Client::new();
    // Interleaved with the functions, so a slow moment of the machine hits both.
    let mut hello_init = Vec::new();
    let mut hello_first = Vec::new();
    let mut rows = Vec::new();
    for name in &functions {
        let h = cold_starts(&client, HELLO, &serde_json::json!({"hello": "world"})).await;
        hello_init.push(h.init_ms);
        hello_first.push(h.first_invoke_ms);
        rows.push((
            name.clone(),
            cold_starts(&client, name, &fixture(name)).await,
        ));
    }
    let hello = Figures {
        init_ms: median(hello_init),
        first_invoke_ms: median(hello_first),
        ok: true,
    };
    println!(
        "\ncold starts under the local Runtime API, median of {STARTS} per function ({})\n",
        bin_dir.display()
    );
    println!("| function | init | ÷ hello | first invoke | fixture answered | size | stripped |");
    println!("|---|---:|---:|---:|---|---:|---:|");
    let row = |name: &str, f: &Figures| {
        let (size, stripped) = sizes(&bin_dir.join(name));
        println!(
            "| {name} | {:.2} ms | {:.2} | {:.2} ms | {} | {size:.1} MB | {} |",
            f.init_ms,
            f.init_ms / hello.init_ms,
            f.first_invoke_ms,
            if f.ok { "ok" } else { "error" },
            stripped.map_or("–".into(), |s| format!("{s:.1} MB")),
        );
    };
    row(HELLO, &hello);
    let mut ratios = Vec::new();
    for (name, f) in &rows {
        row(name, f);
        ratios.push(f.init_ms / hello.init_ms);
    }
    let worst = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    println!(
        "\ninit ÷ hello: median {:.2}, worst {worst:.2} (the BENCH figure)",
        median(ratios.clone())
    );
    if label.is_empty() {
        println!("BENCH init_vs_hello {worst:.2} <=2");
    } else {
        println!("BENCH init_vs_hello_{label} {worst:.2} <=2");
    }
}
