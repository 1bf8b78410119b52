//! The notebooks' experiments and charts, answered: the requests of `gradflow::protocol` for a
//! depth sweep, the activations side by side, training, the explorer's grid, the loss surface
//! and the curvature (of the engine's networks, and of a cell's own model: its task, its
//! directions, its loss), and the charts and pages drawn from their results. Each runs through
//! the engine's own modules, the same code as the command line's.

use gradflow::explore::ExplorerConfig;
use gradflow::hessian::HessianConfig;
use gradflow::landscape::LandscapeConfig;
use gradflow::protocol::{
    ActivationPairs, Drawing, ExplorerHtml, LossCurvature, MoveTo, SurfaceDirections, Task, Train,
};
use gradflow::results::Svg;
use gradflow::results::{Curvature, Explorer, GradientReport, Surface, Sweep, Training};
use gradflow::settings::TrainConfig;
use gradflow::sweep::SweepConfig;
use gradflow::wire::Id;
use tch::Tensor;

use crate::error::Result;
use crate::landscape::Directions;
use crate::store::{Serve, Store, Value};
use crate::{chart, explore, hessian, landscape, sweep, train};

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

impl Serve for Task {
    fn serve(self, store: &Store) -> Result<(Id, Id)> {
        let training = TrainConfig {
            layer_sizes: self.layer_sizes,
            samples: self.samples,
            seed: self.seed,
            ..TrainConfig::default()
        };
        let (inputs, targets) = train::regression_task(&training)?;
        let mut values = store.lock()?;
        Ok((
            values.insert_tensor(inputs, "none"),
            values.insert_tensor(targets, "none"),
        ))
    }
}

impl Serve for LandscapeConfig {
    fn serve(self, _: &Store) -> Result<Vec<Surface>> {
        landscape::run(&self)
    }
}

impl Serve for SurfaceDirections {
    fn serve(self, store: &Store) -> Result<Id> {
        gradflow::limits::check_directions(self.directions)?;
        let mut values = store.lock()?;
        let parameters = tensors(&values, &self.parameters)?;
        let directions = Directions::draw(parameters, self.directions, self.seed)?;
        Ok(values.insert(Value::Directions(directions)))
    }
}

impl Serve for MoveTo {
    fn serve(self, store: &Store) -> Result<()> {
        let values = store.lock()?;
        let directions = values.directions(self.directions)?;
        match self.point {
            Some((x, y)) => directions.move_to(x, y),
            None => directions.restore(),
        }
    }
}

impl Serve for HessianConfig {
    fn serve(self, _: &Store) -> Result<Vec<Curvature>> {
        hessian::run(&self)
    }
}

impl Serve for LossCurvature {
    fn serve(self, store: &Store) -> Result<Curvature> {
        let values = store.lock()?;
        let loss = values.tensor(self.loss)?.shallow_clone();
        let parameters = tensors(&values, &self.parameters)?;
        let mut curvature = hessian::curvature(&loss, &parameters, &self.config)?;
        curvature.shortcut = self.shortcut;
        Ok(curvature)
    }
}

/// The tensors `ids` name, as libtorch's.
fn tensors(values: &crate::store::Locked<'_>, ids: &[Id]) -> Result<Vec<Tensor>> {
    ids.iter()
        .map(|&id| Ok(values.tensor(id)?.shallow_clone()))
        .collect()
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
