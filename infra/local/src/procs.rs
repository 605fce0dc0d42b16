//! Child processes of the local stack: they die with the host, write where they are told,
//! and are waited for until their port answers.

use std::fs::OpenOptions;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio::process::Command;

/// Sends the child's stdout and stderr to `log_file` (appending), or inherits the host's.
pub fn route_output(cmd: &mut Command, log_file: Option<&Path>) -> Result<(), String> {
    if let Some(path) = log_file {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let open = || {
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("{}: {e}", path.display()))
        };
        cmd.stdout(Stdio::from(open()?))
            .stderr(Stdio::from(open()?));
    }
    Ok(())
}

/// Makes the kernel send SIGTERM to the child when the host process dies, however it dies,
/// and kills it when its handle is dropped: no orphaned Java or Python servers.
pub fn die_with_parent(cmd: &mut Command) {
    cmd.kill_on_drop(true);
    // SAFETY: prctl is async-signal-safe and touches only the calling (child) process.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// A port on 127.0.0.1 free at the time of asking.
pub fn free_port() -> std::io::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// Waits until something accepts connections on `port`, or `timeout` passes.
pub async fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Whether `program` can be run (found on PATH or at the path given).
pub fn available(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}
