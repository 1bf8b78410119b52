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

An optional "mutation" makes a deliberately wrong reference, to show that the tests catch such
a bug: "drop_shortcut" ignores use_shortcut, "init_bound" draws the weights from
U(-sqrt(6/fan_in), sqrt(6/fan_in)) (kaiming_uniform_ with a=0) instead of PyTorch's default,
and in training "unfused_update" updates with p - lr * grad (two roundings) instead of SGD's step.
"""

import math

import json
import sys

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


def train(spec):
    """torch.optim.SGD on the regression task; one line per step: the step, its loss, and each
    layer's mean |weight gradient| before the update."""
    sizes = spec["layer_sizes"]
    torch.manual_seed(spec["seed"] + 1)
    x = torch.empty(spec["samples"], sizes[0]).uniform_(-1, 1)
    y = x.square().mean(dim=1, keepdim=True).expand(-1, sizes[-1])
    torch.manual_seed(spec["seed"])
    model = ExampleDeepNeuralNetwork(sizes, spec["shortcut"], ACTIVATIONS[spec["activation"]])
    optimizer = torch.optim.SGD(model.parameters(), lr=spec["learning_rate"])
    for step in range(spec["steps"]):
        optimizer.zero_grad()
        loss = nn.MSELoss()(model(x), y)
        loss.backward()
        means = [repr(p.grad.abs().mean().item()) for name, p in model.named_parameters() if "weight" in name]
        print(step, repr(loss.item()), *means)
        if spec.get("mutation") == "unfused_update":
            with torch.no_grad():
                for p in model.parameters():
                    p.sub_(spec["learning_rate"] * p.grad)
        else:
            optimizer.step()


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


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        kind = spec.get("kind", "gradients")
        if kind != "gradients":
            {"train": train, "sweep": sweep_point, "custom": custom, "surface": surface}[kind](spec)
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
