"""Part 7 mistakes: gradient checking."""

from __future__ import annotations

from autograder.mistakes.model import mistake

MISTAKES = [
    mistake(
        "numerical_gradient_forward_difference",
        "numerical_gradient",
        "numerical_gradient uses the forward difference (f(x + h) - f(x)) / h; use the "
        "central difference (f(x + h) - f(x - h)) / (2 h).",
        """
        def numerical_gradient(f, x, h=1e-5):
            xp = np.array(x, dtype=np.float64)
            grad = np.zeros_like(xp)
            f0 = float(f(xp.copy()))
            for i in np.ndindex(xp.shape):
                old = xp[i]
                xp[i] = old + h
                grad[i] = (float(f(xp)) - f0) / h
                xp[i] = old
            return grad
        """,
    ),
    mistake(
        "numerical_gradient_no_restore",
        "numerical_gradient",
        "numerical_gradient perturbs x in place and never restores the entry, so later "
        "entries are evaluated at a shifted point (and x is modified).",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(np.shape(x))
            for i in np.ndindex(grad.shape):
                x[i] += h
                f_plus = float(f(x))
                x[i] -= 2 * h
                f_minus = float(f(x))
                grad[i] = (f_plus - f_minus) / (2.0 * h)
            return grad
        """,
    ),
    mistake(
        "numerical_gradient_h_not_doubled",
        "numerical_gradient",
        "numerical_gradient divides the central difference by h; the two points are "
        "2 h apart: divide by 2 h.",
        """
        def numerical_gradient(f, x, h=1e-5):
            xp = np.array(x, dtype=np.float64)
            grad = np.zeros_like(xp)
            for i in np.ndindex(xp.shape):
                old = xp[i]
                xp[i] = old + h
                f_plus = float(f(xp))
                xp[i] = old - h
                f_minus = float(f(xp))
                xp[i] = old
                grad[i] = (f_plus - f_minus) / h
            return grad
        """,
    ),
    mistake(
        "numerical_gradient_reshape_view",
        "numerical_gradient",
        "numerical_gradient perturbs x.reshape(-1), which is a view of x only when x is "
        "C-contiguous: for a Fortran-ordered, transposed or strided x it is a COPY, so f "
        "never sees the perturbation and the gradient is 0. Perturb x[i] itself (i from "
        "np.ndindex(x.shape)), or a copy of x that you pass to f.",
        """
        def numerical_gradient(f, x, h=1e-5):
            flat = x.reshape(-1)
            grad = np.zeros(flat.size)
            for i in range(flat.size):
                old = flat[i]
                flat[i] = old + h
                f_plus = float(f(x))
                flat[i] = old - h
                f_minus = float(f(x))
                flat[i] = old
                grad[i] = (f_plus - f_minus) / (2.0 * h)
            return grad.reshape(x.shape)
        """,
    ),
    mistake(
        "numerical_gradient_restores_by_arithmetic",
        "numerical_gradient",
        "numerical_gradient puts x[i] back by arithmetic (x[i] += h, x[i] -= 2 * h, "
        "x[i] += h): in floating point that does not always give the old value, so x is "
        "left changed by rounding errors. Store the old value and put it back "
        "(old = x[i]; ...; x[i] = old).",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(np.shape(x))
            for i in np.ndindex(grad.shape):
                x[i] += h
                f_plus = float(f(x))
                x[i] -= 2 * h
                f_minus = float(f(x))
                x[i] += h
                grad[i] = (f_plus - f_minus) / (2.0 * h)
            return grad
        """,
        diagnosable=False,  # the gradient is right: only x changes (by rounding)
    ),
    mistake(
        "relative_error_no_floor",
        "relative_error",
        "relative_error divides by abs(a) + abs(b) without the 1e-8 floor, so entries "
        "where both are 0 give 0/0 = nan.",
        """
        def relative_error(a, b):
            a = np.asarray(a, dtype=np.float64)
            b = np.asarray(b, dtype=np.float64)
            return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))
        """,
    ),
    mistake(
        "relative_error_mean",
        "relative_error",
        "relative_error averages the entrywise errors; it is the MAXIMUM (the worst entry).",
        """
        def relative_error(a, b):
            a = np.asarray(a, dtype=np.float64)
            b = np.asarray(b, dtype=np.float64)
            return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
        """,
    ),
    mistake(
        "relative_error_abs_of_sum",
        "relative_error",
        "relative_error divides by abs(a + b); the denominator is abs(a) + abs(b) (with "
        "the 1e-8 floor), otherwise opposite signs cancel.",
        """
        def relative_error(a, b):
            a = np.asarray(a, dtype=np.float64)
            b = np.asarray(b, dtype=np.float64)
            return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b))))
        """,
    ),
]
