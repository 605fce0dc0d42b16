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
    /// `ok`, or the error type the first invocation answered with.
    answer: String,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One fresh start of `name`: its init, and its first invocation's time and answer (`ok` or
/// the error type) when a payload is given.
async fn start(
    client: &reqwest::Client,
    name: &str,
    payload: Option<&Value>,
) -> (f64, Option<(f64, String)>) {
    let query = if payload.is_none() {
        "?init_only=1"
    } else {
        ""
    };
    let resp = client
        .post(format!("{}/_local/cold-start/{name}{query}", host_url()))
        .json(payload.unwrap_or(&Value::Null))
        .send()
        .await
        .expect("host answers");
    let status = resp.status();
    let body: Value = resp.json().await.expect("JSON");
    assert!(status.is_success(), "{name}: {status} {body}");
    let init = body["init_ms"].as_f64().expect("init_ms");
    let answer = match (body["ok"].as_bool(), body["error_type"].as_str()) {
        (Some(true), _) => "ok".to_owned(),
        (_, Some(kind)) => format!("error: {kind}"),
        _ => "error".to_owned(),
    };
    let first = body["first_invoke_ms"].as_f64().map(|ms| (ms, answer));
    (init, first)
}

/// `name`'s init beside the hello binary's, started in turns ([`STARTS`] pairs, after one
/// untimed start of each: the binaries' pages come from disk once, as on a warm Lambda host,
/// so the timed starts measure starting the process, not reading the file). Only started: no
/// invocation's work loads the machine. Returns the medians of `name`'s init, of the hello
/// binary's, and of the pairs' ratios (a slow moment of the machine hits both of a pair).
async fn inits(client: &reqwest::Client, name: &str) -> (f64, f64, f64) {
    start(client, HELLO, None).await;
    start(client, name, None).await;
    let (mut own, mut hello, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..STARTS {
        let h = start(client, HELLO, None).await.0;
        let f = start(client, name, None).await.0;
        own.push(f);
        hello.push(h);
        ratio.push(f / h);
    }
    (median(own), median(hello), median(ratio))
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
    // Inits first, each function's in turns with the hello binary's; then one first
    // invocation each with its fixture (whose work, a generation run say, goes on in the
    // background after it answers). Before anything, the stack settles: the hello binary is
    // started until its init is steady (DynamoDB Local's JIT works hard in its first seconds).
    let mut last = f64::MAX;
    for _ in 0..20 {
        let mut v = Vec::new();
        for _ in 0..STARTS {
            v.push(start(&client, HELLO, None).await.0);
        }
        let m = median(v);
        if (m - last).abs() <= 0.05 * m {
            break;
        }
        last = m;
    }
    let mut hello_inits = Vec::new();
    let mut rows = Vec::new();
    for name in &functions {
        let (own, hello, ratio) = inits(&client, name).await;
        hello_inits.push(hello);
        rows.push((name.clone(), own, ratio));
    }
    let hello_first = start(&client, HELLO, Some(&serde_json::json!({"hello": "world"})))
        .await
        .1
        .unwrap_or((0.0, "no answer".to_owned()));
    let mut rows_out = Vec::new();
    for (name, init_ms, ratio) in rows {
        let (first_invoke_ms, answer) = start(&client, &name, Some(&fixture(&name)))
            .await
            .1
            .unwrap_or((0.0, "no answer".to_owned()));
        rows_out.push((
            name,
            Figures {
                init_ms,
                first_invoke_ms,
                answer,
            },
            ratio,
        ));
    }
    let rows = rows_out;
    let hello = Figures {
        init_ms: median(hello_inits),
        first_invoke_ms: hello_first.0,
        answer: hello_first.1,
    };
    println!(
        "\ncold starts under the local Runtime API ({}): init is the median of {STARTS} starts \
         after one untimed, each in turn with the hello binary's; first invoke is one start \
         with the function's fixture\n",
        bin_dir.display()
    );
    println!(
        "| function | init | ÷ hello (median of the pairs) | first invoke | fixture answered | size | stripped |"
    );
    println!("|---|---:|---:|---:|---|---:|---:|");
    let row = |name: &str, f: &Figures, ratio: f64| {
        let (size, stripped) = sizes(&bin_dir.join(name));
        println!(
            "| {name} | {:.2} ms | {ratio:.2} | {:.2} ms | {} | {size:.1} MB | {} |",
            f.init_ms,
            f.first_invoke_ms,
            f.answer,
            stripped.map_or("–".into(), |s| format!("{s:.1} MB")),
        );
    };
    row(HELLO, &hello, 1.0);
    let mut ratios = Vec::new();
    for (name, f, ratio) in &rows {
        row(name, f, *ratio);
        ratios.push(*ratio);
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
