"""The seed notebook's code, generalised: the PyTorch reference that gradflow is tested against.

Reads one JSON experiment per line on standard input, for example
    {"layer_sizes": [3, 3, 3, 3, 3, 1], "shortcut": true, "activation": "relu",
     "seed": 123, "input": [1.0, 0.0, -1.0], "runs": 1}
and prints, for each, the model as PyTorch prints it, then the seed's print_gradients lines,
then a line "---".

A line with "kind": "train" trains instead, as the crate's train module documents it, with
torch.optim.SGD, and prints each step's loss and each layer's mean |weight gradient|, for example
    {"kind": "train", "layer_sizes": [3, 3, 1], "shortcut": true, "activation": "relu",
     "seed": 123, "steps": 300, "learning_rate": 0.1, "samples": 256}
A line with "kind": "sweep" prints one point of a depth sweep (the first layer's mean |weight
gradient| averaged over "networks" consecutive seeds, each on a batch of "batch" inputs):
    {"kind": "sweep", "width": 3, "depth": 8, "shortcut": false, "activation": "relu",
     "seed": 123, "networks": 8, "batch": 64}

A line with "kind": "custom" builds a model as notebook 02's architecture cell writes it, with
one of its edited forward rules ("seed", "every_second": a shortcut every second layer, "scaled":
the shortcut adds half the layer's output, "no_last_activation"), after torch.manual_seed(seed),
and prints the seed's print_gradients lines "runs" times:
    {"kind": "custom", "rule": "scaled", "layer_sizes": [3, 3, 3, 1], "shortcut": true,
     "activation": "tanh", "seed": 123, "input": [1.0, 0.0, -1.0], "runs": 1}
A line with "kind": "surface" prints each tensor operation of the notebooks' crate once.

A line with "kind": "landscape" prints the loss around the trained network along filter-normalised
random directions (Li et al. 2018), for shortcut false then true: a line "surface <shortcut>",
then one line of losses per row (one row for a line, "points" rows for a plane):
    {"kind": "landscape", "layer_sizes": [3, 3, 3, 3, 3, 1], "activation": "relu", "seed": 123,
     "samples": 256, "learning_rate": 0.1, "steps": 0, "directions": 2, "points": 41, "span": 1.0}
A line with "kind": "curvature" measures the Hessian of the training loss as PyHessian does (Yao
et al. 2020) before each step of "at_steps", for both variants unless "shortcut" names one: the
lines "curvature <shortcut> <step> <loss>", "eigenvalues ..." (the whole spectrum, for at most
1024 parameters), "power <top eigenvalue> <iterations>", "trace <trace> <samples>", and the
stochastic Lanczos quadrature's "nodes ..." and "weights ...":
    {"kind": "curvature", "layer_sizes": [3, 3, 3, 3, 3, 1], "activation": "relu", "seed": 123,
     "samples": 256, "learning_rate": 0.1, "at_steps": [0, 25], "iterations": 100,
     "tolerance": 0.001, "lanczos_steps": 30, "trace_samples": 100, "shortcut": null}

An optional "mutation" makes a deliberately wrong reference, to show that the tests catch such
a bug: "drop_shortcut" ignores use_shortcut, "init_bound" draws the weights from
U(-sqrt(6/fan_in), sqrt(6/fan_in)) (kaiming_uniform_ with a=0) instead of PyTorch's default,
and in training "unfused_update" updates with p - lr * grad (two roundings) instead of SGD's step.
In a landscape, "no_filter_norm" leaves the directions unnormalised and "bias_directions" keeps
the biases' directions random instead of zero; in curvature, "no_reorthogonalisation" runs Lanczos
without orthogonalising each new vector against the earlier ones.
"""

import math

import json
import sys

import numpy as np
import torch
import torch.nn as nn


class GELU(nn.Module):
    """The book's GELU: the tanh approximation, written out."""

    def forward(self, x):
        return 0.5 * x * (1 + torch.tanh(
            torch.sqrt(torch.tensor(2.0 / torch.pi)) *
            (x + 0.044715 * torch.pow(x, 3))
        ))


ACTIVATIONS = {"relu": nn.ReLU, "gelu": GELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
# A model of a cell's own uses PyTorch's modules, GELU's tanh approximation among them.
OWN_ACTIVATIONS = {"relu": nn.ReLU, "gelu_tanh": lambda: nn.GELU(approximate="tanh"),
                   "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


class ExampleDeepNeuralNetwork(nn.Module):
    def __init__(self, layer_sizes, use_shortcut, activation=nn.ReLU):
        super().__init__()
        self.use_shortcut = use_shortcut
        # The seed writes out five layers; this builds one per pair of sizes.
        self.layers = nn.ModuleList([
            nn.Sequential(nn.Linear(layer_sizes[i], layer_sizes[i + 1]), activation())
            for i in range(len(layer_sizes) - 1)
        ])

    def forward(self, x):
        for layer in self.layers:
            layer_output = layer(x)
            if self.use_shortcut and x.shape == layer_output.shape:
                x = x + layer_output
            else:
                x = layer_output
        return x


def print_gradients(model, x, runs=1):
    for _ in range(runs):
        output = model(x)
        # The seed's target is torch.tensor([[0.]]); zeros_like gives the same loss for any
        # output width without a broadcasting warning.
        target = torch.zeros_like(output)
        loss = nn.MSELoss()(output, target)
        loss.backward()

    for name, param in model.named_parameters():
        if 'weight' in name:
            print(f"{name} has gradient mean of {param.grad.abs().mean().item()}")


def reinit_with_wrong_bound(model, seed):
    """Draws the weights again in PyTorch's order, from the He bound instead of PyTorch's."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for layer in model.layers:
            linear = layer[0]
            nn.init.kaiming_uniform_(linear.weight, a=0)
            bound = 1 / math.sqrt(linear.in_features)
            nn.init.uniform_(linear.bias, -bound, bound)


def draw_task(spec):
    """Notebook 02's regression task: inputs from U(-1, 1), the target their mean square."""
    sizes = spec["layer_sizes"]
    torch.manual_seed(spec["seed"] + 1)
    x = torch.empty(spec["samples"], sizes[0]).uniform_(-1, 1)
    y = x.square().mean(dim=1, keepdim=True).expand(-1, sizes[-1])
    return x, y


def new_network(spec, shortcut):
    """The seed's network for the task, drawn after torch.manual_seed(seed)."""
    torch.manual_seed(spec["seed"])
    return ExampleDeepNeuralNetwork(spec["layer_sizes"], shortcut, ACTIVATIONS[spec["activation"]])


def sgd_steps(model, optimizer, x, y, steps, learning_rate, mutation=None):
    """Runs `steps` SGD steps, yielding each step and its loss after the backward pass, before
    the update (the model's gradients are then that step's)."""
    for step in range(steps):
        optimizer.zero_grad()
        loss = nn.MSELoss()(model(x), y)
        loss.backward()
        yield step, loss
        if mutation == "unfused_update":
            with torch.no_grad():
                for p in model.parameters():
                    p.sub_(learning_rate * p.grad)
        else:
            optimizer.step()


def train_for(model, optimizer, x, y, steps, learning_rate):
    """`steps` SGD steps, silently."""
    for _ in sgd_steps(model, optimizer, x, y, steps, learning_rate):
        pass


def variants(spec):
    """The shortcut settings to measure: both, false first, unless the spec names one."""
    shortcut = spec.get("shortcut")
    return [False, True] if shortcut is None else [shortcut]


def train(spec):
    """torch.optim.SGD on the regression task; one line per step: the step, its loss, and each
    layer's mean |weight gradient| before the update."""
    x, y = draw_task(spec)
    model = new_network(spec, spec["shortcut"])
    optimizer = torch.optim.SGD(model.parameters(), lr=spec["learning_rate"])
    for step, loss in sgd_steps(model, optimizer, x, y, spec["steps"], spec["learning_rate"],
                                spec.get("mutation")):
        means = [repr(p.grad.abs().mean().item()) for name, p in model.named_parameters() if "weight" in name]
        print(step, repr(loss.item()), *means)


def sweep_point(spec):
    """One point of a depth sweep: width, depth, shortcut and the averaged first-layer gradient."""
    sizes = [spec["width"]] * spec["depth"] + [1]
    total = 0.0
    for offset in range(spec["networks"]):
        seed = spec["seed"] + offset
        torch.manual_seed(seed)
        model = ExampleDeepNeuralNetwork(sizes, spec["shortcut"], ACTIVATIONS[spec["activation"]])
        torch.manual_seed(seed)
        x = torch.empty(spec["batch"], spec["width"]).uniform_(-1, 1)
        output = model(x)
        nn.MSELoss()(output, torch.zeros_like(output)).backward()
        total += model.layers[0][0].weight.grad.abs().mean().item()
    mean = torch.tensor(total / spec["networks"], dtype=torch.float32).item()
    print(spec["width"], spec["depth"], str(spec["shortcut"]).lower(), repr(mean))


class OwnNetwork(nn.Module):
    """Notebook 02's architecture cell, with one of its edited forward rules."""

    def __init__(self, layer_sizes, use_shortcut, activation, rule):
        super().__init__()
        self.use_shortcut = use_shortcut
        self.rule = rule
        last = len(layer_sizes) - 2
        self.layers = nn.ModuleList([
            nn.Sequential(nn.Linear(layer_sizes[i], layer_sizes[i + 1]),
                          *([] if rule == "no_last_activation" and i == last else [activation()]),
                          *([nn.LayerNorm(layer_sizes[i + 1])] if rule == "layer_norm" else []))
            for i in range(len(layer_sizes) - 1)
        ])

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            layer_output = layer(x)
            shortcut = self.use_shortcut and x.shape == layer_output.shape
            if shortcut and (self.rule != "every_second" or i % 2 == 1):
                if self.rule == "scaled":
                    x = x + 0.5 * layer_output
                else:
                    x = x + layer_output
            else:
                x = layer_output
        return x


def custom(spec):
    torch.manual_seed(spec["seed"])
    model = OwnNetwork(spec["layer_sizes"], spec["shortcut"], OWN_ACTIVATIONS[spec["activation"]],
                       spec["rule"])
    x = torch.tensor([spec["input"]])
    for _ in range(spec["runs"]):
        output = model(x)
        loss = nn.MSELoss()(output, torch.zeros_like(output))
        loss.backward()
        for name, param in model.named_parameters():
            if 'weight' in name:
                print(f"{name} has gradient mean of {param.grad.abs().mean().item()}")


def surface(spec):
    """Each operation of the notebooks' tensors once, printed (tests/it/pytorch_tensors.rs)."""
    import torch.nn.functional as F
    x = torch.tensor([[1., 0., -1.]])
    print(x)
    torch.manual_seed(7)
    layer = nn.Linear(3, 2)
    y = layer(x)
    print(y)
    print(y + y)
    print(y * 0.5)
    print(y.relu())
    print(y.tanh())
    print(y.sigmoid())
    print(F.gelu(y))
    print(F.gelu(y, approximate="tanh"))
    loss = F.mse_loss(y, torch.tensor([[0., 0.]]))
    print(loss)
    loss.backward()
    grad = layer.weight.grad
    print(grad)
    print(grad.abs())
    print(grad.abs().mean())
    print(grad.abs().sum())
    print(grad.abs().max())
    print(grad.abs().mean(dtype=torch.float64))
    print(grad.abs().mean().item())
    print(grad[0, 1].item())
    print(list(y.shape))
    for name, parameter in layer.named_parameters():
        print(name)
        print(parameter)
    layer.weight.grad.zero_()
    print(layer.weight.grad)
    wide = nn.Linear(40, 30)
    print(wide.weight)
    print(torch.tensor([1e-5, 2.0, 3000.0]))
    print(torch.tensor([[1., 0., -1.]], dtype=torch.float64))
    # What a student's own activation and layer need.
    print(y - y.relu())
    print(y * y)
    print(y / (y + 2))
    print(-y)
    print(y + 1)
    print(y - 1)
    print(1 - y)
    print(2 / y)
    print(y / 4)
    print(y.abs().pow(y))
    print(y ** 3)
    print(y.exp())
    print(y.abs().sqrt())
    print(y.t())
    print(y.matmul(y.t()))
    print(y.t().matmul(y))
    print(y.matmul(torch.tensor([1., 2.])))
    print(torch.zeros(2, 3))
    print(torch.ones(2, 3, dtype=torch.float64))
    torch.manual_seed(11)
    print(torch.randn(2, 3))
    nn.Linear(3, 2)
    print(torch.randn(2, dtype=torch.float64))
    norm = nn.LayerNorm(2)
    print(norm.weight)
    print(norm.bias)
    print(norm(y))
    print(F.layer_norm(y, [2]))
    # The book's GELU, op by op, and a SiLU.
    print(0.5 * y * (1 + torch.tanh(torch.sqrt(torch.tensor(2.0 / torch.pi)) * (y + 0.044715 * torch.pow(y, 3)))))
    print(y * y.sigmoid())


# The loss landscape (Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets").

def random_directions(weights, count, mutation=None):
    """`count` random directions, one tensor per parameter, each weight row scaled to the norm of
    that output neuron's weights (filter normalisation); biases do not move (ignore='biasbn')."""
    directions = []
    for _ in range(count):
        d = [torch.randn(w.size()) for w in weights]
        for di, w in zip(d, weights):
            if di.dim() <= 1:
                if mutation != "bias_directions":
                    di.fill_(0)
            elif mutation != "no_filter_norm":
                for row_d, row_w in zip(di, w):
                    scale = torch.linalg.vector_norm(row_w) / (torch.linalg.vector_norm(row_d) + 1e-10)
                    row_d.mul_(scale)
        directions.append(d)
    return directions


def loss_surface(model, x, y, spec):
    """The loss at each point of a line or a plane through the model's parameters, in rows (row =
    the second direction's coordinate); the parameters are put back afterwards."""
    directions, points, span = spec["directions"], spec["points"], spec["span"]
    params = list(model.parameters())
    weights = [p.detach().clone() for p in params]
    torch.manual_seed(spec["seed"] + 2)
    dirs = random_directions(weights, directions, spec.get("mutation"))
    coords = [-span + 2 * span * i / (points - 1) for i in range(points)]
    rows = []
    # a and b are the coordinates along the first and second direction (x and y are the task's).
    with torch.no_grad():
        for b in (coords if directions == 2 else [0.0]):
            row = []
            for a in coords:
                for k, p in enumerate(params):
                    change = dirs[0][k] * a if directions == 1 else dirs[0][k] * a + dirs[1][k] * b
                    p.copy_(weights[k] + change)
                row.append(nn.MSELoss()(model(x), y).item())
            rows.append(row)
        for p, w in zip(params, weights):
            p.copy_(w)
    return coords, rows


def landscape(spec):
    """Each variant's surface, from its own network trained `steps` steps first."""
    x, y = draw_task(spec)
    for shortcut in (False, True):
        model = new_network(spec, shortcut)
        optimizer = torch.optim.SGD(model.parameters(), lr=spec["learning_rate"])
        train_for(model, optimizer, x, y, spec["steps"], spec["learning_rate"])
        _, rows = loss_surface(model, x, y, spec)
        print("surface", str(shortcut).lower())
        for row in rows:
            print(*map(repr, row))


# The Hessian's curvature (Yao et al. 2020, "PyHessian: Neural Networks Through the Lens of the
# Hessian"). PyHessian works on lists of tensors, one per parameter, with four small helpers
# (pyhessian/utils.py); these are written here with the same operations in the same order, which
# the last digits depend on (Python's sum starting from 0, the norm taken as a Python float).

def group_product(xs, ys):
    """The inner product of two vectors: the sum of each part's sum of products."""
    return sum([torch.sum(x * y) for x, y in zip(xs, ys)])


def group_add(params, update, alpha=1):
    """params += update * alpha, part by part, in place."""
    for p, u in zip(params, update):
        p.data.add_(u * alpha)
    return params


def normalization(v):
    """v / (|v| + 1e-6), the norm taken as a Python float."""
    norm = (group_product(v, v) ** 0.5).cpu().item()
    return [vi / (norm + 1e-6) for vi in v]


def orthnormal(w, v_list):
    """w made orthogonal to each vector of v_list in turn, in place, then normalised."""
    for v in v_list:
        w = group_add(w, v, alpha=-group_product(w, v))
    return normalization(w)


# Above this many parameters the whole spectrum is left out: the Hessian has n * n entries and
# takes n backward passes.
MAX_SPECTRUM_PARAMETERS = 1024


def full_spectrum(model, x, y):
    """The Hessian's eigenvalues, ascending: torch.autograd.functional.hessian of the loss as a
    function of the parameters, its blocks put together into one n x n matrix."""
    names = [name for name, _ in model.named_parameters()]
    inputs = tuple(p.detach() for p in model.parameters())

    def loss_of(*ps):
        return nn.MSELoss()(torch.func.functional_call(model, dict(zip(names, ps)), (x,)), y)

    blocks = torch.autograd.functional.hessian(loss_of, inputs)
    sizes = [p.numel() for p in inputs]
    rows = [torch.cat([blocks[i][j].reshape(sizes[i], sizes[j]) for j in range(len(sizes))], dim=1)
            for i in range(len(sizes))]
    # In float64: float32's eigvalsh can fail to converge on the Hessian of a ReLU network with
    # many dead units (rows of zeros); the eigenvalues are then rounded to float32.
    return torch.linalg.eigvalsh(torch.cat(rows).double()).float()


def power_iteration(hvp, params, spec):
    """PyHessian's eigenvalues(maxIter, tol, top_n=1): the top eigenvalue and the iterations run."""
    torch.manual_seed(spec["seed"] + 3)
    v = [torch.randn(p.size()) for p in params]
    v = normalization(v)
    eigenvalue = None
    for i in range(spec["iterations"]):
        v = orthnormal(v, [])
        Hv = hvp(v)
        tmp = group_product(Hv, v).cpu().item()
        v = normalization(Hv)
        if eigenvalue is None:
            eigenvalue = tmp
        elif abs(eigenvalue - tmp) / (abs(eigenvalue) + 1e-6) < spec["tolerance"]:
            break
        else:
            eigenvalue = tmp
    return eigenvalue, i + 1


def rademacher(params):
    """A random vector of +1 and -1, one tensor per parameter, as PyHessian draws it."""
    v = [torch.randint_like(p, high=2) for p in params]
    for v_i in v:
        v_i[v_i == 0] = -1
    return v


def hutchinson_trace(hvp, params, spec):
    """PyHessian's trace(maxIter, tol): the mean of v'Hv over Rademacher vectors, and their count.
    The stopping test divides by abs(trace), as PyHessian's master does: its 0.1 release divides
    by trace, so a negative running trace stops it at once."""
    torch.manual_seed(spec["seed"] + 5)
    trace_vhv = []
    trace = 0.
    for i in range(spec["trace_samples"]):
        v = rademacher(params)
        Hv = hvp(v)
        trace_vhv.append(group_product(Hv, v).cpu().item())
        if abs(np.mean(trace_vhv) - trace) / (abs(trace) + 1e-6) < spec["tolerance"]:
            break
        else:
            trace = np.mean(trace_vhv)
    return float(np.mean(trace_vhv)), len(trace_vhv)


def lanczos(hvp, params, spec):
    """PyHessian's density(iter=m, n_v=1): stochastic Lanczos quadrature's nodes and weights, with
    torch.linalg.eigh for the torch.eig that torch 2 removed."""
    m = min(spec["lanczos_steps"], sum(p.numel() for p in params))
    if spec.get("mutation") == "no_reorthogonalisation":
        def orthnormal_to(w, v_list):
            return normalization(w)
    else:
        orthnormal_to = orthnormal
    torch.manual_seed(spec["seed"] + 4)
    v = normalization(rademacher(params))
    v_list = [v]
    alpha_list = []
    beta_list = []
    for i in range(m):
        if i == 0:
            w_prime = hvp(v)
            alpha = group_product(w_prime, v)
            alpha_list.append(alpha.cpu().item())
            w = group_add(w_prime, v, alpha=-alpha)
        else:
            beta = torch.sqrt(group_product(w, w))
            beta_list.append(beta.cpu().item())
            if beta_list[-1] != 0.:
                v = orthnormal_to(w, v_list)
                v_list.append(v)
            else:
                # An invariant subspace is exhausted: PyHessian starts again from a random vector.
                w = [torch.randn(p.size()) for p in params]
                v = orthnormal_to(w, v_list)
                v_list.append(v)
            w_prime = hvp(v)
            alpha = group_product(w_prime, v)
            alpha_list.append(alpha.cpu().item())
            w_tmp = group_add(w_prime, v, alpha=-alpha)
            w = group_add(w_tmp, v_list[-2], alpha=-beta)
    T = torch.zeros(m, m)
    for i in range(len(alpha_list)):
        T[i, i] = alpha_list[i]
        if i < len(alpha_list) - 1:
            T[i + 1, i] = beta_list[i]
            T[i, i + 1] = beta_list[i]
    eigenvalues, eigenvectors = torch.linalg.eigh(T)
    return eigenvalues, eigenvectors[0, :] ** 2


def print_curvature(model, x, y, spec, shortcut, step):
    """One measurement's lines: the loss, the spectrum if small enough, power, trace, SLQ."""
    params = list(model.parameters())
    loss = nn.MSELoss()(model(x), y)
    grads = torch.autograd.grad(loss, params, create_graph=True)

    def hvp(v):
        # PyHessian's hessian_vector_product.
        return torch.autograd.grad(grads, params, grad_outputs=v, retain_graph=True)

    print("curvature", str(shortcut).lower(), step, repr(loss.item()))
    if sum(p.numel() for p in params) <= MAX_SPECTRUM_PARAMETERS:
        print("eigenvalues", *map(repr, full_spectrum(model, x, y).tolist()))
    print("power", *map(repr, power_iteration(hvp, params, spec)))
    print("trace", *map(repr, hutchinson_trace(hvp, params, spec)))
    nodes, weights = lanczos(hvp, params, spec)
    print("nodes", *map(repr, nodes.tolist()))
    print("weights", *map(repr, weights.tolist()))


def curvature(spec):
    """Each variant's network, trained and measured before each step of `at_steps`."""
    x, y = draw_task(spec)
    for shortcut in variants(spec):
        model = new_network(spec, shortcut)
        optimizer = torch.optim.SGD(model.parameters(), lr=spec["learning_rate"])
        trained = 0
        for step in spec["at_steps"]:
            train_for(model, optimizer, x, y, step - trained, spec["learning_rate"])
            trained = step
            print_curvature(model, x, y, spec, shortcut, step)


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        kind = spec.get("kind", "gradients")
        if kind != "gradients":
            {"train": train, "sweep": sweep_point, "custom": custom, "surface": surface,
             "landscape": landscape, "curvature": curvature}[kind](spec)
            print("---", flush=True)
            continue
        mutation = spec.get("mutation")
        torch.manual_seed(spec["seed"])
        model = ExampleDeepNeuralNetwork(
            spec["layer_sizes"], spec["shortcut"] and mutation != "drop_shortcut",
            ACTIVATIONS[spec["activation"]])
        if mutation == "init_bound":
            reinit_with_wrong_bound(model, spec["seed"])
        print(model)
        print_gradients(model, torch.tensor([spec["input"]]), spec.get("runs", 1))
        print("---", flush=True)


if __name__ == "__main__":
    main()
