//! Timings for `make bench` (bench/bench.py runs this and the same work in PyTorch): one
//! gradient report for deep and wide networks, chart rendering, and a notebook's tensor
//! operations through the engine's server. One JSON object a line.

use std::time::Instant;

use gradflow_engine::sweep::square_sizes;
use gradflow_engine::{
    chart, explore, Network, ExplorerConfig, LayerGradient, NetworkConfig, Shortcut,
};

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
    Ok(())
}

/// A notebook's tensor operations, each a request to the engine (`gradflow serve`, started by
/// the first): the median of 2,000 round trips of one that reads (`size`) and of one that makes
/// a tensor, which dropping it frees (`relu`: two requests).
fn handle_round_trips() -> gradflow_engine::Result<()> {
    let x = gradflow::Tensor::f_from_slice2(&[[1., 0., -1.]])?;
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
