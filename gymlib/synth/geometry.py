"""Vector helpers on ``(T, 3)`` arrays for the kinematic skeleton, and two-link IK.

World frame (metres): axis 0 = the subject's anterior direction when standing ("a"), axis 1 =
up ("u"), axis 2 = lateral ("l", the subject's left when standing). Angles in a sagittal plane
are measured from "up" towards "a". Several helpers replace numpy's general functions that cost
several times more on a last axis of length 3.
"""

from __future__ import annotations

import math

import numpy as np


def sag(theta_deg: np.ndarray | float, length: float | np.ndarray) -> np.ndarray:
    """Vector of ``length`` in the sagittal plane at ``theta`` from up towards anterior, (T, 3)."""
    th = np.radians(np.atleast_1d(theta_deg))
    out = np.zeros((th.size, 3))
    out[:, 0] = np.sin(th) * length
    out[:, 1] = np.cos(th) * length
    return out


def vec(a: float, u: float, l: float) -> np.ndarray:  # noqa: E741
    return np.array([a, u, l], dtype=float)


def unit_floats(x: float, y: float, z: float) -> tuple[float, float, float]:
    """A 3-vector of plain floats scaled to length 1 (as :func:`normalize`)."""
    n = max(math.sqrt(x * x + y * y + z * z), 1e-9)
    return x / n, y / n, z / n


def mean_of_points(p: np.ndarray) -> np.ndarray:
    """``(T, K, 3)`` -> the mean point of each frame ``(T, 3)``; a matrix product, because
    numpy's ``mean(axis=1)`` over a short middle axis is ten times slower."""
    t, k, _ = p.shape
    return (p.reshape(t, 3 * k) @ np.tile(np.eye(3), (k, 1))) / k


def norm(v: np.ndarray) -> np.ndarray:
    """Lengths ``(...)`` of vectors ``(..., 3)`` (``einsum``: twice as fast as ``linalg.norm``)."""
    return np.sqrt(np.einsum("...i,...i->...", v, v))


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dot products ``(...)`` of vectors ``(..., 3)``."""
    return np.einsum("...i,...i->...", a, b)


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross products of ``(T, 3)`` vectors (``np.cross`` costs four times as much)."""
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    out[..., 0] = a1 * b2 - a2 * b1
    out[..., 1] = a2 * b0 - a0 * b2
    out[..., 2] = a0 * b1 - a1 * b0
    return out


def rows(v: np.ndarray, n: int) -> np.ndarray:
    """``(3,)`` repeated as ``n`` rows ``(n, 3)``, a writable array (``np.tile``, faster)."""
    out = np.empty((n, 3))
    out[:] = v
    return out


def normalize(v: np.ndarray) -> np.ndarray:
    """Vectors ``(..., 3)`` scaled to length 1."""
    return v / np.maximum(norm(v), 1e-9)[..., None]


def two_link_ik(
    root: np.ndarray, target: np.ndarray, l1: float, l2: float, hint: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Middle joint of a two-segment chain from ``root`` towards ``target``, bending to ``hint``.

    All arrays ``(T, 3)`` (``hint`` may be ``(3,)``). An unreachable target is pulled in along the
    root-target line. Returns ``(middle, end)``.
    """
    d_vec = target - root
    d = norm(d_vec)[:, None]
    u = d_vec / np.maximum(d, 1e-9)
    d = np.clip(d, abs(l1 - l2) + 1e-4, (l1 + l2) * 0.9999)
    end = root + u * d
    a = (l1**2 - l2**2 + d**2) / (2 * d)
    h = np.sqrt(np.maximum(l1**2 - a**2, 0.0))
    hint = np.broadcast_to(hint, root.shape)
    perp = hint - dot(hint, u)[:, None] * u
    perp = normalize(perp)
    return root + a * u + h * perp, end
