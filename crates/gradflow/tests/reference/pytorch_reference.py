"""The seed notebook's code, generalised: the PyTorch reference that gradflow is tested against.

Reads one JSON experiment per line on standard input, for example
    {"layer_sizes": [3, 3, 3, 3, 3, 1], "shortcut": true, "activation": "relu",
     "seed": 123, "input": [1.0, 0.0, -1.0], "runs": 1}
and prints, for each, the model as PyTorch prints it, then the seed's print_gradients lines,
then a line "---".

An optional "mutation" makes a deliberately wrong reference, to show that the tests catch such
a bug: "drop_shortcut" ignores use_shortcut, "init_bound" draws the weights from
U(-sqrt(6/fan_in), sqrt(6/fan_in)) (kaiming_uniform_ with a=0) instead of PyTorch's default.
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


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
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
