"""The seed notebook's code, generalised: the PyTorch reference that gradflow is tested against.

Reads one JSON experiment per line on standard input, for example
    {"layer_sizes": [3, 3, 3, 3, 3, 1], "shortcut": true, "activation": "relu",
     "seed": 123, "input": [1.0, 0.0, -1.0], "runs": 1}
and prints, for each, the model as PyTorch prints it, then the seed's print_gradients lines,
then a line "---".
"""

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


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        torch.manual_seed(spec["seed"])
        model = ExampleDeepNeuralNetwork(
            spec["layer_sizes"], spec["shortcut"], ACTIVATIONS[spec["activation"]])
        print(model)
        print_gradients(model, torch.tensor([spec["input"]]), spec.get("runs", 1))
        print("---", flush=True)


if __name__ == "__main__":
    main()
