//! How far a long call has got, told on standard error: a sweep, a training or an explorer grid
//! that will take more than about two seconds says when it starts, at each quarter and when it
//! is done, so that nobody reaches for the kernel's stop button (which loses every variable)
//! while it is working. Quick calls print nothing.
//!
//! Whole lines only: evcxr passes a cell's output to the page line by line, and a carriage
//! return without a newline never arrives. In the notebooks' server the lines go to the
//! notebook that asked ([`with_sink`]), which prints them in its cell.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where a call's progress lines go instead of standard error.
pub type Sink = Arc<dyn Fn(&str) + Send + Sync>;

thread_local! {
    static SINK: RefCell<Option<Sink>> = const { RefCell::new(None) };
}

/// Runs `call` with its progress lines (from any thread it starts) going to `sink`.
pub fn with_sink<T>(sink: Sink, call: impl FnOnce() -> T) -> T {
    SINK.with(|current| current.replace(Some(sink)));
    let result = call();
    SINK.with(|current| current.replace(None));
    result
}

/// Calls estimated to take longer than this tell their progress.
pub const REPORT_AFTER: Duration = Duration::from_secs(2);

/// About what one layer costs in each kind of call, from the command line's defaults on a busy
/// 2-core machine (`gradflow train` 1.3 s, `sweep` 2.4 s, `explore` 2.7 s on both cores, each
/// with its start); only the decision whether a call is long depends on them.
#[derive(Clone, Copy, Debug)]
pub enum Cost {
    /// One layer of one training step: forward, backward, its report and SGD's update.
    TrainingStep,
    /// One layer of a sweep's network on its batch, forward and backward.
    SweepLayer,
    /// One layer of an explorer network on its one input, forward and backward.
    ExplorerLayer,
    /// One layer of a loss surface's point: moving the weights, then a forward pass on the task.
    SurfaceLayer,
    /// One layer of a Hessian-vector product (or one row of the Hessian) on the task.
    ProductLayer,
}

impl Cost {
    fn per_layer(self) -> Duration {
        Duration::from_micros(match self {
            Cost::TrainingStep => 250,
            Cost::SweepLayer => 300,
            Cost::ExplorerLayer => 100,
            Cost::SurfaceLayer => 40,
            Cost::ProductLayer => 80,
        })
    }
}

/// The estimated time of `layers` layers' work of this `cost`, shared by `workers` cores.
pub fn estimate(layers: usize, cost: Cost, workers: usize) -> Duration {
    let layers = u32::try_from(layers / workers.max(1)).unwrap_or(u32::MAX);
    cost.per_layer().saturating_mul(layers)
}

/// The progress of one call through `total` units of work (networks, steps).
pub struct Progress {
    /// `None` for a quick call, which says nothing.
    told: Option<Told>,
    /// Where the lines go; standard error if `None`.
    sink: Option<Sink>,
    total: usize,
    done: AtomicUsize,
}

struct Told {
    unit: &'static str,
    started: Instant,
}

impl Progress {
    /// Starts a call of `total` `unit`s that should take about `estimated`; says so if that is
    /// longer than [`REPORT_AFTER`]. `what` names the call, e.g. "depth sweep of 448 networks".
    pub fn start(what: &str, total: usize, unit: &'static str, estimated: Duration) -> Progress {
        let mut progress = Progress {
            told: None,
            sink: SINK.with(|sink| sink.borrow().clone()),
            total,
            done: AtomicUsize::new(0),
        };
        if estimated > REPORT_AFTER {
            progress.say(&format!(
                "gradflow: {what}, about {} s; progress every quarter",
                estimated.as_secs().max(1)
            ));
            progress.told = Some(Told {
                unit,
                started: Instant::now(),
            });
        }
        progress
    }

    /// Tells one line.
    fn say(&self, line: &str) {
        match &self.sink {
            Some(sink) => sink(line),
            None => eprintln!("{line}"),
        }
    }

    /// Counts one more unit done, from any thread; tells each quarter as it is passed.
    pub fn advance(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let Some(told) = &self.told else { return };
        let quarter = |n: usize| n * 4 / self.total.max(1);
        if done < self.total && quarter(done) > quarter(done - 1) {
            self.say(&format!(
                "gradflow: {}% ({done} of {} {}, {:.1} s)",
                quarter(done) * 25,
                self.total,
                told.unit,
                told.started.elapsed().as_secs_f64()
            ));
        }
    }

    /// Tells that the call is done, if it told that it started.
    pub fn finish(&self) {
        if let Some(told) = &self.told {
            let seconds = told.started.elapsed().as_secs_f64();
            self.say(&format!("gradflow: done in {seconds:.1} s"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notebooks_calls_are_quick_and_ten_times_them_long() {
        // The default training (2 × 5 layers × 300 steps), sweep (2 widths × 2 variants × 8
        // networks × 150 layers) and explorer (33,792 layers on 2 cores).
        let defaults = [
            (2 * 5 * 300, Cost::TrainingStep, 1),
            (2 * 2 * 8 * 150, Cost::SweepLayer, 1),
            (33_792, Cost::ExplorerLayer, 2),
        ];
        for (layers, cost, workers) in defaults {
            assert!(estimate(layers, cost, workers) < REPORT_AFTER, "{cost:?}");
            assert!(
                estimate(10 * layers, cost, workers) > REPORT_AFTER,
                "{cost:?}"
            );
        }
        assert_eq!(
            estimate(usize::MAX, Cost::SweepLayer, 1),
            Duration::from_micros(300).saturating_mul(u32::MAX)
        );
    }
}
