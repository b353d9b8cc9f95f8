"""A tiny synthetic "timbre" dataset: which waveform is playing?

Provided code (not graded). ``make_timbre_dataset(n_per_class, seed)`` synthesises
short notes of four waveforms -- sine, square, sawtooth, triangle -- at random
pitches and loudness, with a little white noise, and turns each note into a vector of
spectral features. Your two-layer net (``train.py``) learns to tell them apart.

Why the spectrum shows the timbre
---------------------------------
Two notes of the same pitch and loudness can still sound different: that is
timbre. A periodic waveform of fundamental frequency f0 is a sum of harmonics
(sines at f0, 2 f0, 3 f0, ...); the waveform's shape decides their amplitudes:

============  ===================================================
waveform      harmonic k has amplitude
============  ===================================================
sine          1 for k = 1, nothing else (a pure tone)
square        1/k for odd k only (hollow, "clarinet-like")
sawtooth      1/k for every k (bright, "brassy")
triangle      1/k^2 for odd k only (soft, close to a sine)
============  ===================================================

So the *pattern* of peaks in the magnitude spectrum (how many, how fast they
decay, whether the even ones are missing) identifies the waveform, whatever the
pitch. The notes are synthesised by adding exactly these harmonics up to the
Nyquist frequency (so there is no aliasing).

The features
------------
For each note (``SAMPLE_RATE`` = 8000 Hz, ``N_SAMPLES`` = 1024 samples, 0.128 s):

1. a Hann window, then the magnitude of the FFT (zero-padded to 4096 points);
2. the power is pooled (averaged) into ``N_BANDS`` = 48 bands equally spaced on
   a log-frequency axis from 60 Hz to 4 kHz (like the ear, and like a mel
   spectrogram: a pitch change becomes a shift along the bands);
3. log10 of the band power, minus its maximum over the bands (so the loudness
   drops out), clipped at -8 (80 dB below the peak; the noise floor), then
   scaled to [-1, 1]: ``feature = 1 + 2 * clip(log10(P / max P), -8, 0) / 8``.

Only NumPy is used.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CLASS_NAMES",
    "N_BANDS",
    "N_SAMPLES",
    "SAMPLE_RATE",
    "band_features",
    "make_timbre_dataset",
    "synthesize_note",
]

#: label -> waveform name
CLASS_NAMES: tuple[str, ...] = ("sine", "square", "sawtooth", "triangle")

SAMPLE_RATE = 8000  # Hz
N_SAMPLES = 1024  # samples per note (0.128 s)
N_FFT = 4096  # zero-padded FFT length (finer frequency grid for the low bands)
N_BANDS = 48  # number of log-spaced frequency bands (the feature dimension D)
F_MIN, F_MAX = 60.0, 4000.0  # Hz, range of the bands
PITCH_MIN, PITCH_MAX = 110.0, 880.0  # Hz, A2 to A5
FLOOR = -8.0  # log10 power floor relative to the peak (-80 dB)


def _harmonic_amplitudes(label: int, n_harmonics: int) -> np.ndarray:
    """Amplitudes of harmonics 1..n_harmonics of the waveform ``label``."""
    k = np.arange(1, n_harmonics + 1, dtype=np.float64)
    odd = (k % 2) == 1
    name = CLASS_NAMES[label]
    if name == "sine":
        return (k == 1).astype(np.float64)
    if name == "square":
        return np.where(odd, 1.0 / k, 0.0)
    if name == "sawtooth":
        return 1.0 / k
    if name == "triangle":
        # alternating signs (-1)^((k-1)/2) on the odd harmonics
        sign = np.where(((k - 1) // 2) % 2 == 0, 1.0, -1.0)
        return np.where(odd, sign / k**2, 0.0)
    raise ValueError(f"unknown class {label}")


def synthesize_note(
    label: int,
    pitch: float,
    loudness: float,
    noise: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """One note: a band-limited waveform with an attack/decay envelope, plus noise.

    Args:
        label: the waveform, an index into :data:`CLASS_NAMES`.
        pitch: fundamental frequency f0 in Hz.
        loudness: peak amplitude (0..1).
        noise: standard deviation of the white noise, relative to ``loudness``.
        rng: the random generator (for the phase, the envelope and the noise).

    Returns:
        (N_SAMPLES,) float64 signal.
    """
    t = np.arange(N_SAMPLES) / SAMPLE_RATE
    n_harmonics = int((SAMPLE_RATE / 2) // pitch)  # every harmonic below Nyquist
    amps = _harmonic_amplitudes(label, n_harmonics)
    k = np.arange(1, n_harmonics + 1)
    phase = rng.uniform(0.0, 2.0 * np.pi)  # where in its cycle the note starts
    wave = amps @ np.sin(np.outer(k, 2.0 * np.pi * pitch * t + phase))
    wave /= np.max(np.abs(wave))
    attack = rng.uniform(0.002, 0.02)  # seconds
    decay = rng.uniform(0.1, 0.5)  # seconds (time constant)
    envelope = np.minimum(t / attack, 1.0) * np.exp(-t / decay)
    signal = loudness * envelope * wave
    return signal + loudness * noise * rng.standard_normal(N_SAMPLES)


def _band_matrix() -> np.ndarray:
    """(N_FFT // 2 + 1, N_BANDS) averaging matrix of FFT bins into log-spaced bands."""
    freqs = np.fft.rfftfreq(N_FFT, d=1.0 / SAMPLE_RATE)
    edges = np.geomspace(F_MIN, F_MAX, N_BANDS + 1)
    member = (freqs[:, None] >= edges[None, :-1]) & (freqs[:, None] < edges[None, 1:])
    return member / member.sum(axis=0, keepdims=True)


_BANDS = _band_matrix()
_WINDOW = np.hanning(N_SAMPLES)


def band_features(signals: np.ndarray) -> np.ndarray:
    """Spectral features of notes: (N, N_SAMPLES) signals -> (N, N_BANDS) in [-1, 1].

    See the module docstring: windowed FFT power, pooled into log-spaced bands,
    log10 relative to the loudest band, clipped at -8 and scaled to [-1, 1].
    """
    spectrum = np.abs(np.fft.rfft(signals * _WINDOW, n=N_FFT, axis=1)) ** 2
    power = spectrum @ _BANDS + 1e-30
    log_power = np.log10(power)
    rel = np.clip(log_power - log_power.max(axis=1, keepdims=True), FLOOR, 0.0)
    return 1.0 + 2.0 * rel / -FLOOR


def make_timbre_dataset(n_per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthesise a shuffled dataset of notes of the four waveforms and their features.

    Every note has a random pitch (log-uniform from 110 Hz to 880 Hz, three
    octaves), loudness (0.1 to 1), attack/decay envelope, starting phase and
    noise level (white noise 50 to 30 dB below the note). The examples are
    shuffled, and the same ``seed`` always gives the same dataset.

    Args:
        n_per_class: notes per waveform (N = 4 * n_per_class).
        seed: seed of the random generator.

    Returns:
        (X, labels): X (N, 48) float64 features in [-1, 1] (see the module
        docstring); labels (N,) int64 in {0, 1, 2, 3}, indices into CLASS_NAMES.
    """
    if n_per_class < 1:
        raise ValueError("n_per_class must be >= 1")
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(CLASS_NAMES), dtype=np.int64), n_per_class)
    rng.shuffle(labels)
    n = labels.shape[0]
    pitches = np.exp(rng.uniform(np.log(PITCH_MIN), np.log(PITCH_MAX), n))
    loudness = rng.uniform(0.1, 1.0, n)
    noise = 10.0 ** (-rng.uniform(30.0, 50.0, n) / 20.0)
    signals = np.stack(
        [
            synthesize_note(int(lab), pitch, amp, nz, rng)
            for lab, pitch, amp, nz in zip(labels, pitches, loudness, noise)
        ]
    )
    return band_features(signals).astype(np.float64), labels


if __name__ == "__main__":
    X, y = make_timbre_dataset(5, seed=0)
    print(f"X {X.shape} {X.dtype}, labels {y.shape} {y.dtype}: {np.bincount(y)} per class")
    for name, row in zip((CLASS_NAMES[i] for i in y[:4]), X[:4]):
        print(f"{name:>9}: " + " ".join(f"{v:+.1f}" for v in row[::4]))
