"""Print docs/models.md from the neuron models' and surrogates' docstrings (their single source).

    python tools/model_docs.py > docs/models.md

One section per model: its stem, the class's parameters and defaults (from the dataclass
fields, as ``refsnn info`` lists them), and its kind's equations, sources and choices.
spec_tests/test_generated_docs.py checks that the committed file matches this output.
"""

from __future__ import annotations

import dataclasses
import inspect
import re

from refsnn.neurons import NEURONS, BinaryNeuron, WrappedNeuron, dynamics
from refsnn.surrogates import SURROGATES

HEADER = """# Neuron models: equations, parameters, sources

Every neuron runs the same three steps per time step (docs/semantics.md): the **charge** shared
by all models, then the **fire** and **reset** of its spike kind (`refsnn/neurons/kinds/`).

Each equation is written once in the code: the charge in `refsnn/neurons/dynamics.py`; a model's
fire, reset and their derivatives, with its sources and the choices made where they are silent,
in its kind's module docstring (`refsnn/neurons/kinds/<kind>.py`); its parameters and defaults
in its class (`refsnn/neurons/<stem>.py`). The reference code is the specification: this page is
generated from those docstrings, and where any text disagrees with the code, the text is wrong.

This file is generated: `python tools/model_docs.py > docs/models.md`.

`O` is the emitted spike value, `g(u) = scale g0(u; alpha)` the surrogate (the neuron's
`surrogate`, see [Surrogates](#surrogates)) and `phi` its primitive.
"""


def markdown(doc: str) -> str:
    """A docstring as Markdown: ``code`` and Sphinx roles become `code`; indented blocks (the
    equations) stay as they are, which Markdown shows as code."""
    lines = []
    for line in inspect.cleandoc(doc).splitlines():
        if not line.startswith("    "):
            line = re.sub(r":(?:class|mod|func|meth|data):`~?([^`]+)`", r"`\1`", line)
            line = line.replace("``", "`")
        lines.append(line)
    return "\n".join(lines)


def module_path(obj: object) -> str:
    """The source file of a module or class, relative to the repository (installed or not)."""
    module = obj.__name__ if inspect.ismodule(obj) else obj.__module__
    return module.replace(".", "/") + ".py"


def signature(model: type) -> str:
    """``Model(field=default, ...)``; a required field by its name alone."""
    parts = []
    for field in dataclasses.fields(model):
        if field.default is not dataclasses.MISSING:
            parts.append(f"{field.name}={field.default!r}")
        elif field.default_factory is not dataclasses.MISSING:
            parts.append(f"{field.name}={field.default_factory()!r}")
        else:
            parts.append(field.name)
    return f"`{model.__name__}({', '.join(parts)})`"


def constructors(model: type) -> list[str]:
    """The model's own classmethods (e.g. ``PLIF.from_tau``), each with its docstring."""
    items = []
    for name, method in vars(model).items():
        if isinstance(method, classmethod):
            parameters = inspect.signature(getattr(model, name)).parameters.values()
            arguments = ", ".join(str(p.replace(annotation=p.empty)) for p in parameters)
            text = markdown(method.__func__.__doc__).replace("\n", "\n  ")
            items.append(f"- `{model.__name__}.{name}({arguments})`: {text}")
    return items


def model_section(name: str, model: type, level: str) -> str:
    lines = [f"{level} {name}", "",
             f"Class `{module_path(model)}`, kind `{module_path(model.kind)}`.", "",
             markdown(model.__doc__), "", f"Defaults: {signature(model)}."]
    extra = constructors(model)
    if extra:
        lines += ["", "Constructors:", "", *extra]
    return "\n".join(lines)


def kind_section(model: type) -> str:
    return (f"### Equations, sources and choices (`{module_path(model.kind)}`)\n\n"
            f"{markdown(model.kind.__doc__)}")


def binary_section() -> str:
    parts = ["## IF, LIF, PLIF: the binary spike",
             f"### Equations and source (`{module_path(BinaryNeuron.kind)}`)",
             markdown(BinaryNeuron.kind.__doc__),
             f"### Parameters of every binary neuron (`{module_path(BinaryNeuron)}`)",
             markdown(BinaryNeuron.__doc__)]
    parts += [model_section(name, model, "###") for name, model in NEURONS.items()
              if issubclass(model, BinaryNeuron)]
    return "\n\n".join(parts)


def index() -> str:
    """One row per model: where its class and its kind live."""
    lines = ["| model | class | spike kind |", "|---|---|---|"]
    lines += [f"| [{name}](#{name.lower()}) | `{module_path(model)}` | "
              f"`{module_path(model.kind)}` |" for name, model in NEURONS.items()]
    return "\n".join(lines)


def wrapped_sections() -> list[str]:
    sections = [f"## Neurons that wrap a binary one (`{module_path(WrappedNeuron)}`)\n\n"
                f"{markdown(WrappedNeuron.__doc__)}"]
    for name, model in NEURONS.items():
        if issubclass(model, WrappedNeuron):
            sections.append(f"{model_section(name, model, '##')}\n\n{kind_section(model)}")
    return sections


def surrogates_section() -> str:
    lines = ["## Surrogates", "", "Class `refsnn/surrogates.py` (`g = scale g0(x; alpha)`, "
             "`phi = 1/2 + scale (Phi0 - 1/2)`; the peers' names for them: docs/surrogates.md).",
             ""]
    for cls in SURROGATES:
        aliases = ", ".join(f"`{a}`" for a in cls.aliases) or "none"
        lines.append(f"- `{cls.__name__}` (`{cls.name}`; aliases {aliases}; default alpha "
                     f"{cls.alpha}): {markdown(cls.__doc__).replace(chr(10), chr(10) + '  ')}")
    return "\n".join(lines)


def page() -> str:
    charge = f"## The charge (`{module_path(dynamics)}`)\n\n{markdown(dynamics.__doc__)}"
    sections = [HEADER.rstrip("\n"), index(), charge, binary_section(), *wrapped_sections(),
                surrogates_section()]
    return "\n\n".join(sections) + "\n"


if __name__ == "__main__":
    print(page(), end="")
