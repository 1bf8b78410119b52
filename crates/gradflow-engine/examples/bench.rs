//! Timings for `make bench` (bench/bench.py runs this and the same work in PyTorch): one
//! gradient report for deep and wide networks, chart rendering, a notebook's tensor
//! operations through the engine's server, the frees of 100,000 tensors' handles, and the loss
//! surface and curvature (as bench/curvature_pytorch.py times them in PyTorch). One JSON object
//! a line; `--frees-only` prints the frees' alone, `--curvature-only` the surface's and the
//! curvature's alone.

use std::time::Instant;

use gradflow::explore::ExplorerConfig;
use gradflow::hessian::HessianConfig;
use gradflow::landscape::LandscapeConfig;
use gradflow::network::NetworkConfig;
use gradflow::results::LayerGradient;
use gradflow::settings::Shortcut;
use gradflow::sweep::square_sizes;
use gradflow_engine::network::Network;
use gradflow::train::TrainConfig;
use gradflow_engine::train::{regression_task, task_loss};
use gradflow_engine::{chart, explore, hessian, landscape};

const REPEATS: usize = 5;

/// The median of `REPEATS` timings of `work`, after one run to warm up.
fn median_seconds(
    mut work: impl FnMut() -> gradflow_engine::Result<()>,
) -> gradflow_engine::Result<f64> {
    work()?;
    let mut seconds = Vec::with_capacity(REPEATS);
    for _ in 0..REPEATS {
        let start = Instant::now();
        work()?;
        seconds.push(start.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    Ok(seconds[REPEATS / 2])
}

fn main() -> gradflow_engine::Result<()> {
    if std::env::args().any(|arg| arg == "--frees-only") {
        return handle_frees();
    }
    if std::env::args().any(|arg| arg == "--curvature-only") {
        return curvature();
    }
    // The explorer's whole grid, built once as a notebook cell builds it, and its page.
    let start = Instant::now();
    let explorer = explore::run(&ExplorerConfig::default())?;
    let seconds = start.elapsed().as_secs_f64();
    let bytes = chart::explorer_html(&explorer)?.len();
    let networks = explorer.reports().len();
    println!(r#"{{"kind":"explorer","networks":{networks},"seconds":{seconds},"bytes":{bytes}}}"#);
    if std::env::args().any(|arg| arg == "--explorer-only") {
        return Ok(());
    }
    handle_round_trips()?;
    handle_frees()?;
    for depth in [8, 64, 512] {
        for width in [3, 64, 1024] {
            for batch in [1, 64] {
                for shortcut in Shortcut::BOTH {
                    let on = shortcut == Shortcut::On;
                    let key = format!(
                        r#""depth":{depth},"width":{width},"batch":{batch},"shortcut":{on}"#
                    );
                    let settings =
                        NetworkConfig::new(&square_sizes(width, depth)).shortcut(shortcut);
                    let model = match Network::new(&settings) {
                        Ok(model) => model,
                        Err(error) => {
                            println!(r#"{{"kind":"compute",{key},"refused":"{error}"}}"#);
                            continue;
                        }
                    };
                    let inputs = vec![0.5f32; width as usize * batch];
                    let seconds =
                        median_seconds(|| model.batch_gradients(&inputs, batch).map(drop))?;
                    println!(r#"{{"kind":"compute",{key},"seconds":{seconds}}}"#);
                }
            }
        }
    }
    // Charts of reports whose every layer has a bar: deep networks' own gradients overflow or
    // vanish to zero, and a zero or infinity draws no bar.
    let template = Network::new(&NetworkConfig::new(&[3, 3]))?.gradients(&[1.0, 0.0, -1.0])?;
    for layers in [5, 64, 512] {
        let mut report = template.clone();
        report.layers = (0..layers)
            .map(|i| LayerGradient {
                name: format!("layers.{i}.0.weight"),
                weight_mean: 10f32.powi(-((i % 8) as i32)),
                ..template.layers[0].clone()
            })
            .collect();
        let seconds = median_seconds(|| chart::layer_chart(&report).map(drop))?;
        let bytes = chart::layer_chart(&report)?.as_str().len();
        println!(r#"{{"kind":"chart","layers":{layers},"seconds":{seconds},"bytes":{bytes}}}"#);
    }
    curvature()
}

/// The work bench/curvature_pytorch.py times in PyTorch, figure for figure: both variants' 41 × 41
/// surfaces of the seed's network and of 16 layers of 32 (networks built, directions drawn, every
/// loss); the seed's network's whole spectrum from its loss (forward, the Hessian, `eigvalsh`);
/// 20 power iterations (tolerance 0) on 32 layers of 64 from its loss.
fn curvature() -> gradflow_engine::Result<()> {
    let figure = |name: &str, seconds: f64| {
        println!(r#"{{"kind":"curvature","name":"{name}","seconds":{seconds}}}"#);
    };
    let seed_network = [3i64, 3, 3, 3, 3, 1];
    let deep = [[32i64; 16].as_slice(), &[1]].concat();
    for (name, sizes) in [("landscape_seed_41x41", &seed_network[..]), ("landscape_32x16_41x41", &deep)] {
        let config = LandscapeConfig::new(sizes);
        figure(name, median_seconds(|| landscape::run(&config).map(drop))?);
    }
    let model_and_task = |sizes: &[i64]| -> gradflow_engine::Result<_> {
        let training = TrainConfig::new(sizes);
        let task = regression_task(&training)?;
        Ok((Network::new(&training.network(Shortcut::Off))?, task))
    };
    let (model, task) = model_and_task(&seed_network)?;
    figure("spectrum_seed", median_seconds(|| {
        let loss = task_loss(&model, &task)?;
        hessian::spectrum(&loss, &model.parameters()).map(drop)
    })?);
    let wide = [[64i64; 32].as_slice(), &[1]].concat();
    let (model, task) = model_and_task(&wide)?;
    let config = HessianConfig { iterations: 20, tolerance: 0.0, ..HessianConfig::new(&wide) };
    figure("power20_64x32", median_seconds(|| {
        let loss = task_loss(&model, &task)?;
        let (_, iterations) = hessian::top_eigenvalue(&loss, &model.parameters(), &config)?;
        assert_eq!(iterations, 20, "tolerance 0 never stops early");
        Ok(())
    })?);
    Ok(())
}

/// A notebook's tensor operations, each a request to the engine (`gradflow serve`, started by
/// the first): the median of 2,000 round trips of one that reads (`size`) and of one that makes
/// a tensor, which dropping it frees (`relu`: two requests).
fn handle_round_trips() -> gradflow_engine::Result<()> {
    let x = gradflow::Tensor::f_from_slice2(&[[1f32, 0., -1.]])?;
    type Operation<'a> = (&'a str, Box<dyn Fn() -> gradflow::Result<()> + 'a>);
    let operations: [Operation; 2] = [
        ("size", Box::new(|| x.f_size().map(drop))),
        ("relu and drop", Box::new(|| x.f_relu().map(drop))),
    ];
    for (name, operation) in operations {
        let mut seconds = Vec::with_capacity(2000);
        for _ in 0..2000 {
            let start = Instant::now();
            operation()?;
            seconds.push(start.elapsed().as_secs_f64());
        }
        seconds.sort_by(f64::total_cmp);
        let (median, p90) = (seconds[1000], seconds[1800]);
        println!(r#"{{"kind":"handle","operation":"{name}","median":{median},"p90":{p90}}}"#);
    }
    Ok(())
}

/// What 100,000 tensors' frees cost: each dropped handle has the engine free its value. Each
/// tensor is a relu of a one-value tensor (one request); the loops are timed up to the answer to
/// one more request (`size`), which every free came before, so that frees the client sends later
/// than the drop are counted too. Made and dropped one by one, as a cell's loop does; then made
/// and kept in a `Vec`, and the `Vec` dropped, each timed alone, which sets the frees apart from
/// the making. With the engine's resident memory (`VmRSS`) before and after each.
fn handle_frees() -> gradflow_engine::Result<()> {
    const TENSORS: usize = 100_000;
    let report = |way: &str, seconds: f64, before: &str, after: &str| {
        let per_tensor = seconds / TENSORS as f64;
        println!(
            r#"{{"kind":"frees","way":"{way}","tensors":{TENSORS},"seconds":{seconds},"per_tensor":{per_tensor},"resident_before":{before},"resident_after":{after}}}"#
        );
    };
    let x = gradflow::Tensor::f_from_slice(&[1.0f32])?;
    // The engine started, and its allocator warmed up as tests/test_kernel.py warms it.
    for _ in 0..1000 {
        drop(x.f_relu()?);
    }
    x.f_size()?;
    let engine = engine_pid();

    let before = resident_bytes(engine);
    let start = Instant::now();
    for _ in 0..TENSORS {
        drop(x.f_relu()?);
    }
    x.f_size()?;
    let seconds = start.elapsed().as_secs_f64();
    let after = resident_bytes(engine);
    report("one by one", seconds, &before, &after);

    let before = after;
    let start = Instant::now();
    let kept = (0..TENSORS)
        .map(|_| x.f_relu())
        .collect::<gradflow::Result<Vec<_>>>()?;
    let seconds = start.elapsed().as_secs_f64();
    let after = resident_bytes(engine);
    report("made and kept", seconds, &before, &after);

    let before = after;
    let start = Instant::now();
    drop(kept);
    x.f_size()?;
    let seconds = start.elapsed().as_secs_f64();
    let after = resident_bytes(engine);
    report("kept, then dropped", seconds, &before, &after);
    Ok(())
}

/// The process id of this process's engine: its child `gradflow serve <socket>`, if one is
/// found in /proc.
fn engine_pid() -> Option<u32> {
    let parent = std::process::id().to_string();
    let processes = std::fs::read_dir("/proc").ok()?;
    processes.flatten().find_map(|process| {
        let pid = process.file_name().to_str()?.parse().ok()?;
        let status = std::fs::read_to_string(process.path().join("status")).ok()?;
        let command = std::fs::read(process.path().join("cmdline")).ok()?;
        let serves = command.split(|&byte| byte == 0).nth(1) == Some(b"serve".as_slice());
        (serves && status_field(&status, "PPid:") == Some(parent.as_str())).then_some(pid)
    })
}

/// The resident memory of process `pid` (`VmRSS` in /proc/<pid>/status) in bytes, as JSON:
/// `null` where it is not read.
fn resident_bytes(pid: Option<u32>) -> String {
    let status = pid.and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok());
    let kib = status
        .as_deref()
        .and_then(|status| status_field(status, "VmRSS:")?.parse::<u64>().ok());
    kib.map_or_else(|| "null".to_owned(), |kib| (kib * 1024).to_string())
}

/// The first word after `name` on its line of a /proc/<pid>/status text.
fn status_field<'a>(status: &'a str, name: &str) -> Option<&'a str> {
    let line = status.lines().find_map(|line| line.strip_prefix(name))?;
    line.split_whitespace().next()
}
