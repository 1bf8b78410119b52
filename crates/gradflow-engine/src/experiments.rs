//! The notebooks' experiments and charts, answered: the requests of `gradflow::protocol` for a
//! depth sweep, the activations side by side, training, the explorer's grid, and the charts
//! and pages drawn from their results. Each runs through the engine's own modules, the same
//! code as the command line's.

use gradflow::explore::ExplorerConfig;
use gradflow::protocol::{ActivationPairs, Drawing, ExplorerHtml, Train};
use gradflow::results::Svg;
use gradflow::results::{Explorer, GradientReport, Sweep, Training};
use gradflow::sweep::SweepConfig;

use crate::error::Result;
use crate::store::{Serve, Store};
use crate::{chart, explore, sweep, train};

impl Serve for SweepConfig {
    fn serve(self, _: &Store) -> Result<Sweep> {
        sweep::run(&self)
    }
}

impl Serve for ActivationPairs {
    fn serve(self, _: &Store) -> Result<Vec<(GradientReport, GradientReport)>> {
        sweep::activation_pairs(&self.layer_sizes, self.seed)
    }
}

impl Serve for Train {
    fn serve(self, _: &Store) -> Result<Vec<Training>> {
        train::run_variants(&self.config, &self.variants)
    }
}

impl Serve for ExplorerConfig {
    fn serve(self, _: &Store) -> Result<Explorer> {
        explore::run(&self)
    }
}

impl Serve for Drawing {
    fn serve(self, _: &Store) -> Result<Svg> {
        chart::draw(&self)
    }
}

impl Serve for ExplorerHtml {
    fn serve(self, _: &Store) -> Result<String> {
        match self {
            ExplorerHtml::Cell(explorer) => chart::explorer_html(&explorer),
            ExplorerHtml::Page(explorer) => chart::explorer_page(&explorer),
        }
    }
}
