//! `coach-sim --population FILE [--users N] [--days D] [--seeds K] [--policies …] [--json OUT] [--plots DIR]`
//!
//! Runs every (policy, seed), prints the table of figures with 95 % intervals over seeds, and
//! the speed in simulated user-days per second.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use coach_sim::population::Population;
use coach_sim::report::Report;
use coach_sim::world::Policy;
use coach_sim::{plots, run, run_steps, RunConfig};
use coaching::app::generation::Generator;
use indicatif::{ProgressBar, ProgressStyle};

/// The engine allocates small strings and vectors on every plan; glibc's allocator serialises
/// the two simulation threads on its arena lock, mimalloc does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "coach-sim",
    about = "Does the coaching work? A simulated population under each policy."
)]
struct Args {
    /// The population file (SIMULATION.md, version 1).
    #[arg(long)]
    population: PathBuf,
    /// Users (default: the file's).
    #[arg(long)]
    users: Option<usize>,
    /// Days (default: the file's).
    #[arg(long)]
    days: Option<usize>,
    /// Seeds: the file's seed and the K − 1 after it.
    #[arg(long, default_value_t = 5)]
    seeds: usize,
    /// Policies to run, comma-separated (none, fixed, rules, learned).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "none,fixed,rules,learned"
    )]
    policies: Vec<String>,
    /// Write the figures as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Draw the charts into this folder.
    #[arg(long)]
    plots: Option<PathBuf>,
    /// Also print where each policy's pushes went (by message type, asleep, over tolerance).
    #[arg(long)]
    breakdown: bool,
}

fn main() -> ExitCode {
    match main_inner() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("coach-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main_inner() -> Result<(), String> {
    let args = Args::parse();
    let mut policies = Vec::new();
    for name in &args.policies {
        let p = Policy::from_name(name.trim()).ok_or_else(|| {
            format!("unknown policy {name:?}: expected none, fixed, rules or learned")
        })?;
        if !policies.contains(&p) {
            policies.push(p);
        }
    }
    if args.seeds == 0 {
        return Err("--seeds must be at least 1".into());
    }
    let text = std::fs::read_to_string(&args.population)
        .map_err(|e| format!("{}: {e}", args.population.display()))?;
    let pop = Population::parse(&text)?;
    let stem = args
        .population
        .file_stem()
        .map_or("population".into(), |s| s.to_string_lossy().into_owned());
    let name = pop.display_name(&stem);
    let cfg = RunConfig {
        users: args.users.unwrap_or(pop.users),
        days: args.days.unwrap_or(pop.days as usize),
        start: pop.start,
    };
    if cfg.users == 0 || cfg.days == 0 {
        return Err("users and days must be at least 1".into());
    }
    let generator = Generator::default();
    let total = run_steps(&cfg) * (policies.len() * args.seeds) as u64;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} days {msg}")
            .map_err(|e| e.to_string())?
            .progress_chars("=> "),
    );
    let began = Instant::now();
    let mut runs = Vec::new();
    for k in 0..args.seeds {
        let seed = pop.seed.wrapping_add(k as u64);
        for p in &policies {
            bar.set_message(format!("{} seed {seed}", p.name()));
            runs.push(run(&pop, &cfg, *p, seed, &generator, &|| bar.inc(1)));
        }
    }
    bar.finish_and_clear();
    let elapsed = began.elapsed().as_secs_f64();
    let report = Report::new(&name, cfg.users, cfg.days, &runs);
    print!("{}", report.table());
    if args.breakdown {
        print!("{}", coach_sim::report::breakdown(&runs));
    }
    if !policies.contains(&Policy::None) {
        println!("(no `none` run: lift is reported as 0)");
    }
    println!(
        "learned = rules + send-or-not and send slot from each user's rewards (engine::value), \
         the template bandit, timing priors and calibrated streak risk of the daily fit \
         (engine::bandit, engine::learned, engine::risk)"
    );
    let user_days = (cfg.users * cfg.days * runs.len()) as f64;
    println!(
        "simulated {user_days:.0} user-days in {elapsed:.1} s: {:.0} user-days/s on {} threads",
        user_days / elapsed.max(1e-9),
        rayon::current_num_threads()
    );
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(path, json + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    if let Some(dir) = &args.plots {
        plots::draw(dir, &runs)?;
        println!("wrote the charts into {}", dir.display());
    }
    Ok(())
}
