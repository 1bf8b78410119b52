// Run by every gradflow kernel as it starts (scripts/kernel, with the patched evcxr), before it
// says it is ready: what each notebook's first cell imports, so that the notebook's own import
// builds nothing, and its analysis is ready for the first cell.
use gradflow::hessian::{self, HessianConfig};
use gradflow::landscape::LandscapeConfig;
use gradflow::nn::{self, Module};
use gradflow::{chart, manual_seed, repr, sweep, train, Activation, DeepNetwork, Device, ExplorerConfig, GradientReport, Kind, Reduction, Shortcut, Tensor};
// The engine started now, instead of in the first cell that computes: errors are left to that
// cell, which says what to do.
let _ = DeepNetwork::builder(&[1, 1]).build().and_then(|network| network.gradients(&[0.0]));
// evcxr allows `?` in cells once a cell has used it, after a build that fails without it.
Ok::<(), gradflow::Error>(())?;
