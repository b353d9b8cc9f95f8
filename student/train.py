"""Compare the optimizers on the timbre dataset, with YOUR hw.py.

Provided code (not graded). Once Parts 1-6 of hw.py work, run::

    python train.py                      # all five optimizers, saves optimizers.png
    python train.py --optimizers adam    # only Adam
    python train.py --epochs 10 --no-plot

For every optimizer it trains your two-layer net (``hw.train_two_layer_net``)
on notes synthesised by ``timbre.make_timbre_dataset``, measures the accuracy
on held-out notes (a separate set the net never trained on, with ``hw.predict``)
and the time taken, and draws the training-loss curves of all optimizers in one
figure, ``optimizers.png`` (needs matplotlib: ``pip install matplotlib``).

Each optimizer gets its own learning rate: the same lr is far too small for
plain gradient descent and far too large for RMSprop and Adam, whose steps have
a size of about lr whatever the scale of the gradient.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from timbre import CLASS_NAMES, make_timbre_dataset

#: optimizer -> learning rate that works well on this dataset
LEARNING_RATES: dict[str, float] = {
    "gd": 0.5,
    "momentum": 0.05,
    "adagrad": 0.05,
    "rmsprop": 0.002,
    "adam": 0.005,
}

NOT_IMPLEMENTED_HELP = (
    "{error}\n"
    "train.py needs Parts 1-6 of hw.py (train_two_layer_net, predict and the functions "
    "they use). Run `pytest` to see what is still missing."
)


def load_data(
    n_train_per_class: int = 400, n_test_per_class: int = 100, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training and held-out notes: two independently synthesised datasets.

    Returns:
        (X_train, y_train, X_test, y_test).
    """
    X_train, y_train = make_timbre_dataset(n_train_per_class, seed=seed)
    X_test, y_test = make_timbre_dataset(n_test_per_class, seed=seed + 1000)
    return X_train, y_train, X_test, y_test


def train_and_evaluate(
    hw: Any,
    optimizer: str,
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    *,
    lr: float | None = None,
    n_hidden: int = 64,
    epochs: int = 30,
    batch_size: int = 32,
    seed: int = 0,
) -> dict[str, Any]:
    """Train with one optimizer (using ``hw``) and measure held-out accuracy and time.

    Returns:
        dict with ``losses`` (list of batch losses), ``accuracy`` (held-out, 0..1),
        ``train_accuracy``, ``seconds`` and ``lr``.
    """
    X_train, y_train, X_test, y_test = data
    lr = LEARNING_RATES[optimizer] if lr is None else lr
    start = time.perf_counter()
    params, losses = hw.train_two_layer_net(
        X_train,
        y_train,
        n_hidden,
        optimizer=optimizer,
        lr=lr,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
    )
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(np.asarray(hw.predict(params, X_test)) == y_test))
    train_accuracy = float(np.mean(np.asarray(hw.predict(params, X_train)) == y_train))
    return {
        "losses": [float(v) for v in losses],
        "accuracy": accuracy,
        "train_accuracy": train_accuracy,
        "seconds": seconds,
        "lr": lr,
    }


def plot_losses(results: dict[str, dict[str, Any]], steps_per_epoch: int, path: Path) -> bool:
    """Draw the loss curves of all optimizers into ``path``; False if matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed, so no plot: `pip install matplotlib` to get one.")
        return False
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, res in results.items():
        losses = np.asarray(res["losses"])
        epochs = np.arange(1, losses.size + 1) / steps_per_epoch
        # the raw batch losses are noisy: draw them faintly, and a moving average on top
        (line,) = ax.plot(epochs, losses, alpha=0.2, linewidth=0.8)
        width = max(1, steps_per_epoch // 2)
        smooth = np.convolve(losses, np.ones(width) / width, mode="valid")
        ax.plot(
            epochs[width - 1 :],
            smooth,
            color=line.get_color(),
            label=f"{name} (lr={res['lr']:g}): {res['accuracy']:.1%} held-out",
        )
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (softmax cross entropy, per batch)")
    ax.set_title("Comparison of optimizers: two-layer net on the timbre dataset")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"saved the loss curves to {path}")
    return True


def _raising_function(exc: BaseException) -> str:
    """Name of the function where ``exc`` was raised (the innermost frame)."""
    tb = exc.__traceback__
    name = "a function of hw.py"
    while tb is not None:
        name = tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    return name


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--optimizers",
        nargs="+",
        default=list(LEARNING_RATES),
        choices=list(LEARNING_RATES),
        help="which optimizers to compare (default: all)",
    )
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=64, help="hidden units H")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("optimizers.png"))
    parser.add_argument("--no-plot", action="store_true", help="do not draw optimizers.png")
    args = parser.parse_args(argv)

    try:
        import hw
    except Exception as exc:  # a syntax error in hw.py, ...
        print(f"hw.py could not be imported: {type(exc).__name__}: {exc}")
        return 1

    data = load_data(seed=args.seed)
    n_train, n_test = data[0].shape[0], data[2].shape[0]
    print(
        f"timbre dataset: {n_train} training notes, {n_test} held-out notes, "
        f"{data[0].shape[1]} features, classes {', '.join(CLASS_NAMES)}"
    )
    print(f"two-layer net, H={args.hidden}, {args.epochs} epochs, batch size {args.batch_size}\n")
    header = ("optimizer", "lr", "final loss", "train acc", "held-out acc", "time")
    print("{:<10} {:>7} {:>11} {:>10} {:>13} {:>7}".format(*header))
    results: dict[str, dict[str, Any]] = {}
    for name in args.optimizers:
        try:
            res = train_and_evaluate(
                hw,
                name,
                data,
                n_hidden=args.hidden,
                epochs=args.epochs,
                batch_size=args.batch_size,
                seed=args.seed,
            )
        except NotImplementedError as exc:
            print(
                NOT_IMPLEMENTED_HELP.format(
                    error=f"{_raising_function(exc)}() is not implemented yet"
                )
            )
            return 1
        results[name] = res
        final = float(np.mean(res["losses"][-10:])) if res["losses"] else float("nan")
        print(
            f"{name:<10} {res['lr']:>7g} {final:>11.4f} {res['train_accuracy']:>10.1%} "
            f"{res['accuracy']:>13.1%} {res['seconds']:>6.2f}s",
            flush=True,
        )
    if not args.no_plot:
        steps = -(-n_train // args.batch_size)
        plot_losses(results, steps, args.out)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
