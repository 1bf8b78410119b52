//! The loss's curvature, computed as PyHessian computes it: Hessian-vector products by
//! libtorch's double backward (the gradients made with `create_graph`, then differentiated
//! again along a vector), PyHessian's own vector arithmetic (`group_product`, `normalization`,
//! `orthnormal`) operation for operation, and for small networks the whole Hessian, row by
//! row as `torch.autograd.functional.hessian` builds it, with `torch.linalg.eigvalsh`'s
//! spectrum (in float64). What is measured is [`gradflow::hessian`]'s to say.
//!
//! ```
//! use gradflow::hessian::HessianConfig;
//! use gradflow_engine::hessian;
//!
//! let config = HessianConfig { at_steps: vec![0], ..HessianConfig::default() };
//! let measured = hessian::run(&config)?;
//! assert_eq!(measured.len(), 2);
//! // The seed's network has 52 parameters: its whole spectrum is computed.
//! assert_eq!(measured[0].eigenvalues.len(), 52);
//! # Ok::<(), gradflow_engine::Error>(())
//! ```

use gradflow::hessian::HessianConfig;
use gradflow::limits::MAX_SPECTRUM_PARAMETERS;
use gradflow::results::Curvature;
use gradflow::settings::Shortcut;
use tch::{Device, Kind, Tensor};

use crate::error::Result;
use crate::network::{with_seed, Network};
use crate::progress::{self, Cost, Progress};
use crate::train::{regression_task, sgd, task_loss};

/// Both variants, each trained from the config's seed on the task and measured at each of its
/// `at_steps` (before the step of that number updates the weights).
pub fn run(config: &HessianConfig) -> Result<Vec<Curvature>> {
    config.check()?;
    let training = config.training();
    let task = regression_task(&training)?;
    let last = *config.at_steps.last().unwrap_or(&0);
    let progress = start_progress(config);
    let mut measured = Vec::with_capacity(2 * config.at_steps.len());
    for shortcut in Shortcut::BOTH {
        let model = Network::new(&training.network(shortcut))?;
        let mut measure = |step: usize| -> Result<()> {
            if config.at_steps.contains(&step) {
                let loss = task_loss(&model, &task)?;
                let mut curvature = curvature(&loss, &model.parameters(), config)?;
                (curvature.shortcut, curvature.step) = (shortcut, step);
                measured.push(curvature);
                progress.advance();
            }
            Ok(())
        };
        sgd(&model, config.learning_rate, &task, last, |step, _| measure(step))?;
        measure(last)?;
    }
    progress.finish();
    Ok(measured)
}

/// Tells the progress of the measurements if they are long.
fn start_progress(config: &HessianConfig) -> Progress {
    let depth = config.layer_sizes.len() - 1;
    let measures = 2 * config.at_steps.len();
    let layers = (measures * config.products() + 2 * config.training().steps) * depth;
    let what = format!("the curvature of 2 × {depth} layers at {} steps", config.at_steps.len());
    let estimate = progress::estimate(layers, Cost::ProductLayer, 1);
    Progress::start(&what, measures, "measurements", estimate)
}

/// The curvature of `loss` with respect to `parameters`, as `config` measures it: the whole
/// spectrum where there are at most [`MAX_SPECTRUM_PARAMETERS`] parameters, power iteration,
/// Hutchinson's trace and the Lanczos density. The variant and step are left for the caller.
pub fn curvature(loss: &Tensor, parameters: &[Tensor], config: &HessianConfig) -> Result<Curvature> {
    if loss.numel() != 1 {
        return Err(gradflow::Error::invalid(
            "the loss's shape",
            format!("{:?}", loss.size()),
            "one number, such as mse_loss(.., Reduction::Mean) gives",
        )
        .into());
    }
    let hessian = Hessian::new(loss, parameters)?;
    let count: usize = parameters.iter().map(Tensor::numel).sum();
    let eigenvalues = match count <= MAX_SPECTRUM_PARAMETERS {
        true => eigenvalues_of(&hessian.matrix()?)?,
        false => Vec::new(),
    };
    let (top_eigenvalue, iterations) = hessian.top_eigenvalue(config)?;
    let (trace, trace_samples) = hessian.trace(config)?;
    let (nodes, weights) = hessian.density(config.lanczos_steps.min(count), config.seed)?;
    Ok(Curvature {
        shortcut: Shortcut::Off,
        step: 0,
        loss: loss.f_double_value(&[])? as f32,
        parameters: count,
        eigenvalues,
        top_eigenvalue,
        iterations,
        trace,
        trace_samples,
        nodes,
        weights,
    })
}

/// The whole spectrum of the Hessian of `loss` with respect to `parameters`, ascending.
pub fn spectrum(loss: &Tensor, parameters: &[Tensor]) -> Result<Vec<f32>> {
    eigenvalues_of(&Hessian::new(loss, parameters)?.matrix()?)
}

/// A Hessian's eigenvalues, ascending: `torch.linalg.eigvalsh` in float64, rounded to float32.
/// In float32 it can fail to converge on the Hessian of a ReLU network with many dead units
/// (rows of zeros), as PyTorch's does.
fn eigenvalues_of(matrix: &Tensor) -> Result<Vec<f32>> {
    let eigenvalues = matrix.f_to_kind(Kind::Double)?.f_linalg_eigvalsh("L")?;
    Ok(Vec::try_from(eigenvalues.f_to_kind(Kind::Float)?)?)
}

/// Power iteration's top eigenvalue of the Hessian of `loss`, and the iterations it ran.
pub fn top_eigenvalue(loss: &Tensor, parameters: &[Tensor], config: &HessianConfig) -> Result<(f64, usize)> {
    Hessian::new(loss, parameters)?.top_eigenvalue(config)
}

/// A vector in parameter space: one tensor per parameter (PyHessian's lists).
type Vector = Vec<Tensor>;

/// The loss's gradients with their graph, ready to be differentiated again.
struct Hessian<'a> {
    parameters: &'a [Tensor],
    /// `torch.autograd.grad(loss, params, create_graph=True)`.
    gradients: Vec<Tensor>,
    /// The gradients that depend on the parameters, flattened into one, and which they are.
    joined: Option<(Tensor, Vec<usize>)>,
}

impl<'a> Hessian<'a> {
    fn new(loss: &Tensor, parameters: &'a [Tensor]) -> Result<Hessian<'a>> {
        let gradients = Tensor::f_run_backward(&[loss], parameters, true, true)?;
        let gradients = defined_or_zeros(gradients, parameters)?;
        let parts: Vec<usize> = (0..gradients.len())
            .filter(|&k| gradients[k].requires_grad())
            .collect();
        let joined = match parts.is_empty() {
            true => None,
            false => Some((flat_join(parts.iter().map(|&k| &gradients[k]))?, parts)),
        };
        Ok(Hessian {
            parameters,
            gradients,
            joined,
        })
    }

    /// `torch.autograd.grad(grads, params, grad_outputs=v, retain_graph=True)`: the gradients
    /// joined into one, times `v` joined alike, is the root whose own gradient is one, so that
    /// each part of `v` itself flows into its gradient's graph, as `grad_outputs` makes it (one
    /// product and one join instead of one per parameter: PyTorch's cost).
    fn product(&self, v: &[Tensor]) -> Result<Vector> {
        let Some((joined, parts)) = &self.joined else {
            return zeros_like(self.parameters);
        };
        let root = joined.f_mul(&flat_join(parts.iter().map(|&k| &v[k]))?)?;
        let hv = Tensor::f_run_backward(&[root], self.parameters, true, false)?;
        defined_or_zeros(hv, self.parameters)
    }

    /// The whole Hessian, `n × n`: row `(k, j)` is the gradient of element `j` of parameter
    /// `k`'s gradient, as `torch.autograd.functional.hessian`'s outer loop computes it.
    fn matrix(&self) -> Result<Tensor> {
        let mut rows = Vec::new();
        for gradient in &self.gradients {
            let flat = gradient.f_reshape([-1])?;
            for j in 0..flat.size()[0] {
                let element = flat.f_select(0, j)?;
                let pieces = match element.requires_grad() {
                    true => defined_or_zeros(
                        Tensor::f_run_backward(&[&element], self.parameters, true, false)?,
                        self.parameters,
                    )?,
                    false => zeros_like(self.parameters)?,
                };
                let flat_pieces = (pieces.iter())
                    .map(|piece| piece.f_reshape([-1]))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                rows.push(Tensor::f_cat(&flat_pieces, 0)?);
            }
        }
        Ok(Tensor::f_stack(&rows, 0)?)
    }

    /// PyHessian's `eigenvalues(maxIter, tol, top_n=1)`: power iteration from a `torch.randn`
    /// vector drawn after `torch.manual_seed(seed + 3)`. Returns the eigenvalue and the
    /// iterations run; where the change falls under the tolerance, the previous estimate, as
    /// PyHessian returns it.
    fn top_eigenvalue(&self, config: &HessianConfig) -> Result<(f64, usize)> {
        let v = with_seed(Some(config.seed.wrapping_add(3)), || self.randn())?;
        let mut v = normalization(&v)?;
        let mut eigenvalue: Option<f64> = None;
        for i in 0..config.iterations {
            v = normalization(&v)?;
            let hv = self.product(&v)?;
            let estimate = group_product(&hv, &v)?.f_double_value(&[])?;
            v = normalization(&hv)?;
            match eigenvalue {
                Some(previous)
                    if (previous - estimate).abs() / (previous.abs() + 1e-6) < config.tolerance =>
                {
                    return Ok((previous, i + 1));
                }
                _ => eigenvalue = Some(estimate),
            }
        }
        Ok((eigenvalue.unwrap_or(f64::NAN), config.iterations))
    }

    /// PyHessian's `trace(maxIter, tol)`: Hutchinson's estimate, the mean of `vᵀHv` over
    /// Rademacher vectors drawn after `torch.manual_seed(seed + 5)`, stopped where the mean
    /// changes by less than the tolerance. Returns the mean (NumPy's) and the samples taken.
    fn trace(&self, config: &HessianConfig) -> Result<(f64, usize)> {
        with_seed(Some(config.seed.wrapping_add(5)), || {
            let mut samples = Vec::new();
            let mut trace = 0.0;
            for _ in 0..config.trace_samples {
                let v = self.rademacher()?;
                let hv = self.product(&v)?;
                samples.push(group_product(&hv, &v)?.f_double_value(&[])?);
                let mean = numpy_mean(&samples);
                if (mean - trace).abs() / (trace.abs() + 1e-6) < config.tolerance {
                    break;
                }
                trace = mean;
            }
            Ok((numpy_mean(&samples), samples.len()))
        })
    }

    /// PyHessian's `density(iter=steps, n_v=1)`: `steps` Lanczos steps with full
    /// reorthogonalisation from a Rademacher vector drawn after `torch.manual_seed(seed + 4)`,
    /// then the tridiagonal matrix's eigenvalues (the nodes) and the squares of its
    /// eigenvectors' first components (the weights), by `torch.linalg.eigh`: PyHessian's
    /// `torch.eig` is gone from PyTorch 2, and the matrix is symmetric.
    fn density(&self, steps: usize, seed: i64) -> Result<(Vec<f32>, Vec<f32>)> {
        let (alphas, betas) = with_seed(Some(seed.wrapping_add(4)), || self.lanczos(steps))?;
        let m = alphas.len();
        let mut t = vec![0f32; m * m];
        for (i, &alpha) in alphas.iter().enumerate() {
            t[i * m + i] = alpha as f32;
            if let Some(&beta) = betas.get(i) {
                t[(i + 1) * m + i] = beta as f32;
                t[i * m + i + 1] = beta as f32;
            }
        }
        let t = Tensor::f_from_slice(&t)?.f_view([m as i64, m as i64])?;
        let (nodes, vectors) = t.f_linalg_eigh("L")?;
        let weights = vectors.f_select(0, 0)?.f_pow_tensor_scalar(2)?;
        Ok((Vec::try_from(nodes)?, Vec::try_from(weights)?))
    }

    /// The Lanczos iteration's `alpha`s and `beta`s, as PyHessian's `density` computes them.
    fn lanczos(&self, steps: usize) -> Result<(Vec<f64>, Vec<f64>)> {
        let v = normalization(&self.rademacher()?)?;
        let mut basis = vec![v];
        let (mut alphas, mut betas) = (Vec::new(), Vec::new());
        let mut w: Vector = Vec::new();
        for i in 0..steps {
            if i > 0 {
                let beta = group_product(&w, &w)?.f_sqrt()?;
                betas.push(beta.f_double_value(&[])?);
                if *betas.last().unwrap_or(&0.0) == 0.0 {
                    // A breakdown: PyHessian restarts from a random vector.
                    w = self.randn()?;
                }
                let v = orthnormal(&mut w, &basis)?;
                basis.push(v);
                let mut w_prime = self.product(&basis[basis.len() - 1])?;
                let alpha = group_product(&w_prime, &basis[basis.len() - 1])?;
                alphas.push(alpha.f_double_value(&[])?);
                group_add(&mut w_prime, &basis[basis.len() - 1], &alpha.f_neg()?)?;
                group_add(&mut w_prime, &basis[basis.len() - 2], &beta.f_neg()?)?;
                w = w_prime;
            } else {
                let mut w_prime = self.product(&basis[0])?;
                let alpha = group_product(&w_prime, &basis[0])?;
                alphas.push(alpha.f_double_value(&[])?);
                group_add(&mut w_prime, &basis[0], &alpha.f_neg()?)?;
                w = w_prime;
            }
        }
        Ok((alphas, betas))
    }

    /// `[torch.randn(p.size()) for p in params]`.
    fn randn(&self) -> Result<Vector> {
        (self.parameters.iter())
            .map(|p| Ok(Tensor::f_randn(p.size(), (Kind::Float, Device::Cpu))?))
            .collect()
    }

    /// `[torch.randint_like(p, high=2) for p in params]`, each 0 made −1.
    fn rademacher(&self) -> Result<Vector> {
        (self.parameters.iter())
            .map(|p| {
                let mut v = tch::no_grad(|| p.f_randint_like(2))?;
                let zeros = v.f_eq(0)?;
                let _ = v.f_masked_fill_(&zeros, -1)?;
                Ok(v)
            })
            .collect()
    }
}

/// PyHessian's `group_product`: `sum([torch.sum(x * y) for x, y in zip(xs, ys)])`, Python's
/// `sum` starting from 0.
fn group_product(xs: &[Tensor], ys: &[Tensor]) -> Result<Tensor> {
    let mut total: Option<Tensor> = None;
    for (x, y) in xs.iter().zip(ys) {
        let term = x.f_mul(y)?.f_sum(None::<Kind>)?;
        total = Some(match total {
            None => term.f_add_scalar(0)?,
            Some(total) => total.f_add(&term)?,
        });
    }
    Ok(total.unwrap_or(Tensor::f_zeros([], (Kind::Float, Device::Cpu))?))
}

/// PyHessian's `group_add`: `params[i].data.add_(update[i] * alpha)`, in place.
fn group_add(params: &mut [Tensor], update: &[Tensor], alpha: &Tensor) -> Result<()> {
    for (p, u) in params.iter_mut().zip(update) {
        let _ = p.f_add_(&u.f_mul(alpha)?)?;
    }
    Ok(())
}

/// PyHessian's `normalization`: `v / (‖v‖ + 1e-6)`, the norm taken as a Python float.
fn normalization(v: &[Tensor]) -> Result<Vector> {
    let norm = group_product(v, v)?
        .f_pow_tensor_scalar(0.5)?
        .f_double_value(&[])?;
    v.iter().map(|vi| Ok(vi.f_div_scalar(norm + 1e-6)?)).collect()
}

/// PyHessian's `orthnormal`: `w` made orthogonal to each vector of `basis` in turn, in place,
/// then normalised.
fn orthnormal(w: &mut [Tensor], basis: &[Vector]) -> Result<Vector> {
    for v in basis {
        let alpha = group_product(w, v)?.f_neg()?;
        group_add(w, v, &alpha)?;
    }
    normalization(w)
}

/// Gradients as `torch.autograd.grad(..., allow_unused=True)` gives them, a parameter the
/// output does not depend on getting zeros (as `autograd.functional` fills them in).
fn defined_or_zeros(gradients: Vec<Tensor>, parameters: &[Tensor]) -> Result<Vector> {
    (gradients.into_iter().zip(parameters))
        .map(|(g, p)| match g.defined() {
            true => Ok(g),
            false => Ok(p.f_zeros_like()?),
        })
        .collect()
}

/// The tensors flattened and joined end to end into one.
fn flat_join<'t>(parts: impl Iterator<Item = &'t Tensor>) -> Result<Tensor> {
    let flat = parts
        .map(|part| part.f_reshape([-1]))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Tensor::f_cat(&flat, 0)?)
}

/// Zeros shaped as each parameter.
fn zeros_like(parameters: &[Tensor]) -> Result<Vector> {
    parameters.iter().map(|p| Ok(p.f_zeros_like()?)).collect()
}

/// `np.mean` of float64 values: NumPy's pairwise sum (blocks of eight accumulators), divided
/// by the count, so that the trace's last digit is PyHessian's.
fn numpy_mean(values: &[f64]) -> f64 {
    pairwise_sum(values) / values.len() as f64
}

/// NumPy's `pairwise_sum_DOUBLE`.
fn pairwise_sum(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        return a.iter().fold(0.0, |sum, &x| sum + x);
    }
    if n <= BLOCK {
        let mut r = [0f64; 8];
        r.copy_from_slice(&a[..8]);
        let whole = n - n % 8;
        for chunk in a[8..whole].chunks_exact(8) {
            for (acc, &x) in r.iter_mut().zip(chunk) {
                *acc += x;
            }
        }
        let mut sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[whole..] {
            sum += x;
        }
        return sum;
    }
    let mut half = n / 2;
    half -= half % 8;
    pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
}

#[cfg(test)]
mod tests {
    use super::{curvature, numpy_mean};
    use gradflow::hessian::HessianConfig;
    use tch::Tensor;

    #[test]
    fn a_loss_of_more_than_one_number_is_refused() {
        let weight = Tensor::from_slice(&[1f32, 2.0]).set_requires_grad(true);
        let losses = &weight * &weight;
        let refused = curvature(&losses, &[weight], &HessianConfig::default()).map(|_| ());
        match refused.map_err(gradflow::Error::from) {
            Err(gradflow::Error::Invalid { what, value, .. }) => {
                assert_eq!((what.as_str(), value.as_str()), ("the loss's shape", "[2]"));
            }
            other => panic!("refused with the loss's shape: {other:?}"),
        }
    }

    #[test]
    fn the_mean_is_numpys_to_the_last_digit() {
        // (k % 7 - 2) / k for k = 1..=n, and `np.mean` of them: a plain sum (n < 8), blocks of
        // eight (n <= 128) and halves, where a running sum would differ in the last digit.
        let values = |n: i32| -> Vec<f64> {
            (1..=n).map(|k| f64::from(k % 7 - 2) / f64::from(k)).collect()
        };
        assert_eq!(numpy_mean(&values(7)), 0.11632653061224488);
        assert_eq!(numpy_mean(&values(100)), 0.03222609322033263);
        assert_eq!(numpy_mean(&values(300)), 0.014503342467886074);
        let running: f64 = values(100).iter().sum::<f64>() / 100.0;
        assert_ne!(running, 0.03222609322033263, "a running sum differs here");
    }
}
