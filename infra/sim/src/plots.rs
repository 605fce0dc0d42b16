//! PNG charts of a run (plotters): cumulative active days per user by day, action rate by
//! week and the share opted out by week, one line per policy, averaged over seeds.
//!
//! Text needs a TrueType font: the first of [`FONT_PATHS`] that exists (Debian's
//! `fonts-dejavu-core`), or the file named by `COACH_SIM_FONT`.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use crate::world::Policy;
use crate::RunResult;

/// Where a font is looked for.
pub const FONT_PATHS: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

fn load_font() -> Result<(), String> {
    let env = std::env::var("COACH_SIM_FONT").ok();
    let path = env
        .iter()
        .map(String::as_str)
        .chain(FONT_PATHS)
        .find(|p| Path::new(p).exists())
        .ok_or("no TrueType font found: install fonts-dejavu-core or set COACH_SIM_FONT")?;
    let bytes = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
    register_font(
        "sans-serif",
        FontStyle::Normal,
        Box::leak(bytes.into_boxed_slice()),
    )
    .map_err(|_| format!("{path} is not a usable font"))
}

fn colour(p: Policy) -> RGBColor {
    match p {
        Policy::None => RGBColor(120, 120, 120),
        Policy::Fixed => RGBColor(230, 140, 20),
        Policy::Rules => RGBColor(40, 100, 200),
        Policy::Learned => RGBColor(30, 160, 80),
    }
}

type Series = Vec<(Policy, Vec<(f64, f64)>)>;

fn chart(path: &Path, title: &str, x: &str, y: &str, series: &Series) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let (xmax, ymin, ymax) = series
        .iter()
        .flat_map(|s| s.1.iter())
        .fold((1.0f64, 0.0f64, 0.0f64), |(a, lo, hi), (x, y)| {
            (a.max(*x), lo.min(*y), hi.max(*y))
        });
    let ymax = if ymax > 0.0 { ymax * 1.08 } else { 1.0 };
    let ymin = ymin * 1.08;
    let root = BitMapBackend::new(path, (1000, 620)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut c = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 26))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..xmax, ymin..ymax)
        .map_err(|e| err(&e))?;
    c.configure_mesh()
        .x_desc(x)
        .y_desc(y)
        .label_style(("sans-serif", 16))
        .draw()
        .map_err(|e| err(&e))?;
    for (p, points) in series {
        let style = ShapeStyle::from(colour(*p)).stroke_width(3);
        c.draw_series(LineSeries::new(points.iter().copied(), style))
            .map_err(|e| err(&e))?
            .label(p.name())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 18))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}

fn by_policy(runs: &[RunResult]) -> Vec<(Policy, Vec<&RunResult>)> {
    let mut out: Vec<(Policy, Vec<&RunResult>)> = Vec::new();
    for r in runs {
        match out.iter_mut().find(|(p, _)| *p == r.policy) {
            Some((_, v)) => v.push(r),
            None => out.push((r.policy, vec![r])),
        }
    }
    out.sort_by_key(|(p, _)| *p);
    out
}

/// Writes `cumulative_active_days.png`, `action_rate_by_week.png` and `optouts_by_week.png`
/// into `dir`.
pub fn draw(dir: &Path, runs: &[RunResult]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    load_font()?;
    let groups = by_policy(runs);
    let mean = |xs: Vec<f64>| xs.iter().sum::<f64>() / xs.len().max(1) as f64;

    // Extra active days per user over `none` (plain cumulative active days without a `none` run).
    let cumulative_of = |rs: &Vec<&RunResult>, d: usize| {
        mean(
            rs.iter()
                .map(|r| r.active_by_day[..=d].iter().sum::<u64>() as f64 / r.users.max(1) as f64)
                .collect(),
        )
    };
    let baseline = groups.iter().find(|(p, _)| *p == Policy::None);
    let cumulative: Series = groups
        .iter()
        .map(|(p, rs)| {
            let days = rs.first().map_or(0, |r| r.days);
            let points = (0..days)
                .map(|d| {
                    let base = baseline.map_or(0.0, |(_, b)| cumulative_of(b, d));
                    ((d + 1) as f64, cumulative_of(rs, d) - base)
                })
                .collect();
            (*p, points)
        })
        .collect();
    let (title, y) = if baseline.is_some() {
        (
            "Extra active days per user over no pushes (cumulative)",
            "active days per user − none's",
        )
    } else {
        ("Cumulative active days per user", "active days per user")
    };
    chart(
        &dir.join("cumulative_active_days.png"),
        title,
        "day of the run",
        y,
        &cumulative,
    )?;

    let weeks = |rs: &Vec<&RunResult>| rs.first().map_or(0, |r| r.delivered_by_week.len());
    let action: Series = groups
        .iter()
        .filter(|(p, _)| *p != Policy::None)
        .map(|(p, rs)| {
            let points = (0..weeks(rs))
                .map(|w| {
                    let acts: u64 = rs.iter().map(|r| r.acts_by_week[w]).sum();
                    let sent: u64 = rs.iter().map(|r| r.delivered_by_week[w]).sum();
                    let rate = if sent == 0 {
                        0.0
                    } else {
                        acts as f64 / sent as f64
                    };
                    ((w + 1) as f64, rate)
                })
                .collect();
            (*p, points)
        })
        .collect();
    chart(
        &dir.join("action_rate_by_week.png"),
        "Action rate by week (acted on / delivered)",
        "week of the run",
        "action rate",
        &action,
    )?;

    let optouts: Series = groups
        .iter()
        .map(|(p, rs)| {
            let points = (0..weeks(rs))
                .map(|w| {
                    let per_seed = rs
                        .iter()
                        .map(|r| {
                            r.optouts_by_week[..=w].iter().sum::<u64>() as f64
                                / r.users.max(1) as f64
                        })
                        .collect();
                    ((w + 1) as f64, mean(per_seed))
                })
                .collect();
            (*p, points)
        })
        .collect();
    chart(
        &dir.join("optouts_by_week.png"),
        "Share of users opted out, by week",
        "week of the run",
        "opted out (share of users)",
        &optouts,
    )
}
