"""Recurrent cells (vanilla tanh RNN, LSTM, GRU) with backpropagation through time.

The cells are general sequence layers: real-valued inputs ``x (T, B, D)`` (time-major) in,
hidden states ``hs (T, B, H)`` out. ``forward`` runs a whole window and stores what
``backward`` needs; ``backward`` takes ``dL/dhs`` (and optionally ``dL/d final state``),
fills ``grads`` and returns ``dL/dx`` and ``dL/d initial state``.

Whatever does not depend on the previous step is batched over time: the input projection
``x @ Wx`` of the whole window is one matmul forward and two backward (``dWx``, ``dx``), and
``dWh`` is one matmul over the stacked previous states. Only ``h @ Wh`` (forward) and
``dgates @ Wh^T`` (backward) remain per step.

    x (T*B, D) @ Wx (D, G*H) + b  ->  gx (T, B, G*H)      one matmul
    for t:  gates = gx[t] + h @ Wh (H, G*H)  ->  h, state   per step
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

State = tuple[np.ndarray, ...]


def _uniform(rng, shape, scale, dtype):
    return rng.uniform(-scale, scale, shape).astype(dtype)


class Cell:
    """Shared parts: parameters ``Wx (D, G*H)``, ``Wh (H, G*H)``, ``b (G*H,)`` initialised
    uniformly in ``+-1/sqrt(H)`` (as PyTorch does), gradients of the same shapes."""

    gates = 1
    n_states = 1
    kind = "?"

    def __init__(
        self, input_size: int, hidden_size: int, rng: np.random.Generator, dtype=np.float32
    ):
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        gh = self.gates * self.hidden_size
        s = 1.0 / np.sqrt(hidden_size)
        self.params = {
            "Wx": _uniform(rng, (input_size, gh), s, dtype),
            "Wh": _uniform(rng, (hidden_size, gh), s, dtype),
            "b": _uniform(rng, (gh,), s, dtype),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._cache: dict | None = None

    @property
    def dtype(self):
        return self.params["Wx"].dtype

    def initial_state(self, batch_size: int) -> State:
        z = np.zeros((batch_size, self.hidden_size), dtype=self.dtype)
        return tuple(z.copy() for _ in range(self.n_states))

    def _input_projection(self, x: np.ndarray) -> np.ndarray:
        T, B, D = x.shape
        gx = np.matmul(x.reshape(T * B, D), self.params["Wx"])
        gx += self.params["b"]
        return gx.reshape(T, B, -1)

    def _param_grads(self, x: np.ndarray, hprev: np.ndarray, dgx: np.ndarray, dgh=None):
        """Batched-over-time gradients of ``Wx``, ``Wh``, ``b`` and of the input ``x``."""
        T, B, D = x.shape
        G = dgx.reshape(T * B, -1)
        Gh = G if dgh is None else dgh.reshape(T * B, -1)
        np.matmul(x.reshape(T * B, D).T, G, out=self.grads["Wx"])
        np.matmul(hprev.reshape(T * B, -1).T, Gh, out=self.grads["Wh"])
        np.sum(G, axis=0, out=self.grads["b"])
        return np.matmul(G, self.params["Wx"].T).reshape(T, B, D)

    def step(self, x: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """One step for inference: ``x (B, D)`` -> ``h (B, H)`` and the new state."""
        hs, new = self.forward(x[None], state, store=False)
        return hs[0], new


class RNNCell(Cell):
    """Vanilla RNN: ``h' = tanh(x Wx + h Wh + b)``."""

    gates = 1
    n_states = 1
    kind = "rnn"

    def forward(self, x, state, store=True):
        T, B, _ = x.shape
        Wh = self.params["Wh"]
        hs = np.empty((T + 1, B, self.hidden_size), dtype=self.dtype)
        hs[0] = state[0]
        a = self._input_projection(x)
        for t in range(T):
            at = a[t]
            at += hs[t] @ Wh
            np.tanh(at, out=hs[t + 1])
        if store:
            self._cache = {"x": x, "hs": hs}
        return hs[1:], (hs[T].copy(),)

    def backward(self, dhs, dstate=None):
        x, hs = self._cache["x"], self._cache["hs"]
        T = x.shape[0]
        WhT = self.params["Wh"].T
        da = np.empty_like(dhs)
        dh = np.zeros_like(hs[0]) if dstate is None else dstate[0].copy()
        for t in range(T - 1, -1, -1):
            dh += dhs[t]
            h = hs[t + 1]
            np.multiply(dh, 1.0 - h * h, out=da[t])
            dh = da[t] @ WhT
        dx = self._param_grads(x, hs[:-1], da)
        return dx, (dh,)


class LSTMCell(Cell):
    """LSTM with gates in the order input, forget, output (sigmoid) then candidate (tanh);
    the forget-gate bias starts at 1 so that early on the cell keeps its memory."""

    gates = 4
    n_states = 2
    kind = "lstm"

    def __init__(self, input_size, hidden_size, rng, dtype=np.float32, forget_bias=1.0):
        super().__init__(input_size, hidden_size, rng, dtype)
        H = self.hidden_size
        self.params["b"][H : 2 * H] = forget_bias

    def forward(self, x, state, store=True):
        T, B, _ = x.shape
        H = self.hidden_size
        Wh = self.params["Wh"]
        h0, c0 = state
        acts = self._input_projection(x)  # becomes the gate activations, in place
        hs = np.empty((T + 1, B, H), dtype=self.dtype)
        cs = np.empty((T + 1, B, H), dtype=self.dtype)
        tcs = np.empty((T, B, H), dtype=self.dtype)
        hs[0], cs[0] = h0, c0
        for t in range(T):
            g = acts[t]
            g += hs[t] @ Wh
            expit(g[:, : 3 * H], out=g[:, : 3 * H])
            np.tanh(g[:, 3 * H :], out=g[:, 3 * H :])
            i, f, o, gg = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
            c = cs[t + 1]
            np.multiply(f, cs[t], out=c)
            c += i * gg
            np.tanh(c, out=tcs[t])
            np.multiply(o, tcs[t], out=hs[t + 1])
        if store:
            self._cache = {"x": x, "hs": hs, "cs": cs, "tcs": tcs, "acts": acts}
        return hs[1:], (hs[T].copy(), cs[T].copy())

    def backward(self, dhs, dstate=None):
        ca = self._cache
        x, hs, cs, tcs, acts = ca["x"], ca["hs"], ca["cs"], ca["tcs"], ca["acts"]
        T = x.shape[0]
        H = self.hidden_size
        WhT = self.params["Wh"].T
        dg = np.empty_like(acts)
        if dstate is None:
            dh, dc = np.zeros_like(hs[0]), np.zeros_like(cs[0])
        else:
            dh, dc = dstate[0].copy(), dstate[1].copy()
        for t in range(T - 1, -1, -1):
            a = acts[t]
            i, f, o, gg = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            d = dg[t]
            di, df, do, dgg = d[:, :H], d[:, H : 2 * H], d[:, 2 * H : 3 * H], d[:, 3 * H :]
            tc = tcs[t]
            dh += dhs[t]
            np.multiply(dh, tc, out=do)  # dL/do
            # dc += dh * o * (1 - tc^2)
            tmp = tc * tc
            np.subtract(1.0, tmp, out=tmp)
            tmp *= o
            tmp *= dh
            dc += tmp
            np.multiply(dc, gg, out=di)
            np.multiply(dc, cs[t], out=df)
            np.multiply(dc, i, out=dgg)
            dc *= f
            # through the nonlinearities: sigmoid' = s(1-s), tanh' = 1 - t^2
            s3 = a[:, : 3 * H]
            tmp3 = 1.0 - s3
            tmp3 *= s3
            d[:, : 3 * H] *= tmp3
            tmp = gg * gg
            np.subtract(1.0, tmp, out=tmp)
            dgg *= tmp
            dh = d @ WhT
        dx = self._param_grads(x, hs[:-1], dg)
        return dx, (dh, dc)


class GRUCell(Cell):
    """GRU in PyTorch's form (reset applied to ``h Whn + bhn``), gates reset, update, new::

    r = s(xWr + hUr + b_r + bh_r)    z = s(xWz + hUz + b_z + bh_z)
    n = tanh(xWn + b_n + r * (hUn + bh_n))    h' = (1 - z) * n + z * h
    """

    gates = 3
    n_states = 1
    kind = "gru"

    def __init__(self, input_size, hidden_size, rng, dtype=np.float32):
        super().__init__(input_size, hidden_size, rng, dtype)
        s = 1.0 / np.sqrt(hidden_size)
        self.params["bh"] = _uniform(rng, (3 * self.hidden_size,), s, dtype)
        self.grads["bh"] = np.zeros_like(self.params["bh"])

    def forward(self, x, state, store=True):
        T, B, _ = x.shape
        H = self.hidden_size
        Wh, bh = self.params["Wh"], self.params["bh"]
        gx = self._input_projection(x)  # r, z parts become activations in place
        hs = np.empty((T + 1, B, H), dtype=self.dtype)
        ns = np.empty((T, B, H), dtype=self.dtype)
        hn = np.empty((T, B, H), dtype=self.dtype)  # h Un + bh_n, needed for dr
        hs[0] = state[0]
        for t in range(T):
            g = gx[t]
            gh = hs[t] @ Wh
            gh += bh
            rz = g[:, : 2 * H]
            rz += gh[:, : 2 * H]
            expit(rz, out=rz)
            r, z = g[:, :H], g[:, H : 2 * H]
            hn[t] = gh[:, 2 * H :]
            n = ns[t]
            np.multiply(r, hn[t], out=n)
            n += g[:, 2 * H :]
            np.tanh(n, out=n)
            # h' = n + z * (h - n)
            hnew = hs[t + 1]
            np.subtract(hs[t], n, out=hnew)
            hnew *= z
            hnew += n
        if store:
            self._cache = {"x": x, "hs": hs, "ns": ns, "hn": hn, "gx": gx}
        return hs[1:], (hs[T].copy(),)

    def backward(self, dhs, dstate=None):
        ca = self._cache
        x, hs, ns, hn, gx = ca["x"], ca["hs"], ca["ns"], ca["hn"], ca["gx"]
        T = x.shape[0]
        H = self.hidden_size
        WhT = self.params["Wh"].T
        dgx = np.empty_like(gx)
        dgh = np.empty_like(gx)
        dh = np.zeros_like(hs[0]) if dstate is None else dstate[0].copy()
        for t in range(T - 1, -1, -1):
            r, z = gx[t][:, :H], gx[t][:, H : 2 * H]
            n, h = ns[t], hs[t]
            dh += dhs[t]
            dx_t, dh_t = dgx[t], dgh[t]
            dar, daz, dan = dx_t[:, :H], dx_t[:, H : 2 * H], dx_t[:, 2 * H :]
            # dn pre-activation = dh * (1 - z) * (1 - n^2)
            np.subtract(1.0, z, out=dan)
            dan *= dh
            tmp = n * n
            np.subtract(1.0, tmp, out=tmp)
            dan *= tmp
            # dz pre-activation = dh * (h - n) * z (1 - z)
            np.subtract(h, n, out=daz)
            daz *= dh
            tmp = 1.0 - z
            tmp *= z
            daz *= tmp
            # dr pre-activation = dan * hn * r (1 - r)
            np.multiply(dan, hn[t], out=dar)
            tmp = 1.0 - r
            tmp *= r
            dar *= tmp
            dh_t[:, : 2 * H] = dx_t[:, : 2 * H]
            np.multiply(dan, r, out=dh_t[:, 2 * H :])
            dh *= z
            dh += dh_t @ WhT
        dx = self._param_grads(x, hs[:-1], dgx, dgh)
        np.sum(dgh.reshape(T * x.shape[1], -1), axis=0, out=self.grads["bh"])
        return dx, (dh,)


CELLS = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}


def make_cell(kind: str, input_size: int, hidden_size: int, rng, dtype=np.float32) -> Cell:
    """Build a cell by name: ``"rnn"``, ``"lstm"`` or ``"gru"``."""
    try:
        cls = CELLS[kind]
    except KeyError:
        raise ValueError(f"unknown cell {kind!r}; choose one of {', '.join(CELLS)}") from None
    return cls(input_size, hidden_size, rng, dtype)
