"""Recurrent cells (vanilla tanh RNN, LSTM, GRU) with backpropagation through time.

The cells are general sequence layers: real-valued inputs ``x (T, B, D)`` (time-major) in,
hidden states ``hs (T, B, H)`` out. ``forward`` runs a whole window and stores what
``backward`` needs; ``backward`` takes ``dL/dhs`` (and optionally ``dL/d final state``),
fills ``grads`` and returns ``dL/dx`` and ``dL/d initial state``. ``forward(..., on_step=f)``
calls ``f(hs, t)`` once the first ``t`` steps of ``hs`` are final (the model starts the
output layer on them from another thread while the later steps run).

Whatever does not depend on the previous step is batched over time: the input projection
``x @ Wx^T`` of the whole window is one matmul forward and two backward (``dWx``, ``dx``), and
``dWh`` is one matmul over the stacked previous states. Only ``h @ Wh^T`` (forward) and
``dgates @ Wh`` (backward) remain per step; above a handful of rows they fill column-major
buffers (``kernels.gate_buffer``), i.e. BLAS computes ``Wh @ h^T`` and ``Wh^T @ dgates^T``,
the faster form for a few dozen rows against ``Wh``. Weights are stored as PyTorch stores them,
``(G*H, D)`` and ``(G*H, H)``: the weight gradients then come out of ``dG^T @ x``, a shape
OpenBLAS splits well over two threads (the transposed layout does not split well).

    x (T*B, D) @ Wx^T (D, G*H) + b  ->  gx (T, B, G*H)      one matmul
    for t:  gates = gx[t] + h @ Wh^T (H, G*H)  ->  h, state   per step

``step`` is one time step for inference (decoding): the same kernels, nothing stored. The
element-wise maths of a step is in ``textseq.lm.cell_kernels``; the products go through
``textseq.lm.kernels.matmul_t``, which takes a tiled kernel for a handful of rows and BLAS
for more.
"""

from __future__ import annotations

import numpy as np

from textseq.lm import cell_kernels, kernels

State = tuple[np.ndarray, ...]


def _uniform(rng, shape, scale, dtype):
    return rng.uniform(-scale, scale, shape).astype(dtype)


class Cell:
    """Shared parts: parameters ``Wx (G*H, D)``, ``Wh (G*H, H)``, ``b (G*H,)`` initialised
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
            # drawn as (D, G*H) and stored transposed: the same draws as the first layout
            "Wx": np.ascontiguousarray(_uniform(rng, (input_size, gh), s, dtype).T),
            "Wh": np.ascontiguousarray(_uniform(rng, (hidden_size, gh), s, dtype).T),
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
        gx = kernels.matmul_t(x.reshape(T * B, D), self.params["Wx"], bias=self.params["b"])
        return gx.reshape(T, B, -1)

    def _param_grads(self, x: np.ndarray, hprev: np.ndarray, dgx: np.ndarray, dgh=None):
        """Batched-over-time gradients of ``Wx``, ``Wh``, ``b`` and of the input ``x``."""
        T, B, D = x.shape
        G = dgx.reshape(T * B, -1)
        Gh = G if dgh is None else dgh.reshape(T * B, -1)
        np.matmul(G.T, x.reshape(T * B, D), out=self.grads["Wx"])
        np.matmul(Gh.T, hprev.reshape(T * B, -1), out=self.grads["Wh"])
        np.sum(G, axis=0, out=self.grads["b"])
        return np.matmul(G, self.params["Wx"]).reshape(T, B, D)

    def step(self, x: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """One step for inference: ``x (B, D)`` -> ``h (B, H)`` and the new state (new
        arrays, ``h`` being the state's ``h``; ``x`` and ``state`` are not modified).

        The kernels of ``forward`` without storing anything for ``backward`` (a one-step
        ``forward`` gives the same bits): a handful of rows (decoding, beams) run in the
        tiled product, larger batches in BLAS (see ``kernels.matmul_t``)."""
        raise NotImplementedError

    def _step_gates(self, x: np.ndarray, h: np.ndarray, bh=None):
        """``x Wx^T + b`` and ``h Wh^T (+ bh)`` of one step (new ``(B, G*H)`` arrays)."""
        p = self.params
        gx = kernels.matmul_t(x, p["Wx"], bias=p["b"])
        gh = kernels.gate_buffer(h.shape[0], p["Wh"].shape[0], self.dtype)
        kernels.matmul_t(h, p["Wh"], gh, bias=bh)
        return gx, gh

    def _dh_start(self, batch: int, dstate) -> np.ndarray:
        """``dL/dh`` entering the backward loop (zero, or ``dstate[0]``), in the layout of
        ``kernels.gate_buffer``: each step's ``dgates @ Wh`` overwrites it through
        ``kernels.matmul_into``."""
        dh = kernels.gate_buffer(batch, self.hidden_size, self.dtype)
        dh[...] = 0 if dstate is None else dstate[0]
        return dh

    def _prev(self, state: State, i: int = 0) -> np.ndarray:
        return np.ascontiguousarray(state[i], dtype=self.dtype)


class RNNCell(Cell):
    """Vanilla RNN: ``h' = tanh(x Wx + h Wh + b)``."""

    gates = 1
    n_states = 1
    kind = "rnn"

    def forward(self, x, state, store=True, on_step=None):
        T, B, _ = x.shape
        Wh, exact = self.params["Wh"], self.dtype == np.float64
        hs = np.empty((T + 1, B, self.hidden_size), dtype=self.dtype)
        hs[0] = state[0]
        a = self._input_projection(x)
        gh = kernels.gate_buffer(B, self.hidden_size, self.dtype)
        for t in range(T):
            kernels.matmul_t(hs[t], Wh, gh)
            cell_kernels.rnn_fwd_step(a[t], gh, hs[t + 1], exact)
            if on_step is not None:
                on_step(hs[1:], t + 1)
        if store:
            self._cache = {"x": x, "hs": hs}
        return hs[1:], (hs[T].copy(),)

    def step(self, x, state):
        gx, gh = self._step_gates(x, self._prev(state))
        h = np.empty((x.shape[0], self.hidden_size), dtype=self.dtype)
        cell_kernels.rnn_fwd_step(gx, gh, h, self.dtype == np.float64)
        return h, (h,)

    def backward(self, dhs, dstate=None):
        x, hs = self._cache["x"], self._cache["hs"]
        dhs = np.ascontiguousarray(dhs, dtype=self.dtype)
        Wh = self.params["Wh"]
        da = np.empty_like(dhs)
        dh = self._dh_start(x.shape[1], dstate)
        for t in range(x.shape[0] - 1, -1, -1):
            cell_kernels.rnn_bwd_step(dh, dhs[t], hs[t + 1], da[t])
            kernels.matmul_into(da[t], Wh, dh)
        dx = self._param_grads(x, hs[:-1], da)
        return dx, (np.ascontiguousarray(dh),)


class LSTMCell(Cell):
    """LSTM with gates in the order input, forget, output (sigmoid) then candidate (tanh);
    the forget-gate bias starts at 1 so that early on the cell keeps its memory::

        i, f, o = s(.), g = tanh(.)    c' = f * c + i * g    h' = o * tanh(c')
    """

    gates = 4
    n_states = 2
    kind = "lstm"

    def __init__(self, input_size, hidden_size, rng, dtype=np.float32, forget_bias=1.0):
        super().__init__(input_size, hidden_size, rng, dtype)
        H = self.hidden_size
        self.params["b"][H : 2 * H] = forget_bias

    def forward(self, x, state, store=True, on_step=None):
        T, B, _ = x.shape
        H = self.hidden_size
        Wh, exact = self.params["Wh"], self.dtype == np.float64
        acts = self._input_projection(x)  # becomes the gate activations, in place
        hs = np.empty((T + 1, B, H), dtype=self.dtype)
        cs = np.empty((T + 1, B, H), dtype=self.dtype)
        tcs = np.empty((T, B, H), dtype=self.dtype)
        hs[0], cs[0] = state
        gh = kernels.gate_buffer(B, 4 * H, self.dtype)
        for t in range(T):
            kernels.matmul_t(hs[t], Wh, gh)
            cell_kernels.lstm_fwd_step(acts[t], gh, cs[t], cs[t + 1], tcs[t], hs[t + 1], exact)
            if on_step is not None:
                on_step(hs[1:], t + 1)
        if store:
            self._cache = {"x": x, "hs": hs, "cs": cs, "tcs": tcs, "acts": acts}
        return hs[1:], (hs[T].copy(), cs[T].copy())

    def step(self, x, state):
        acts, gh = self._step_gates(x, self._prev(state))  # acts: activations, in place
        shape = (x.shape[0], self.hidden_size)
        h, c, tc = (np.empty(shape, dtype=self.dtype) for _ in range(3))  # tc: scratch
        c_prev = self._prev(state, 1)
        cell_kernels.lstm_fwd_step(acts, gh, c_prev, c, tc, h, self.dtype == np.float64)
        return h, (h, c)

    def backward(self, dhs, dstate=None):
        ca = self._cache
        x, hs, cs, tcs, acts = ca["x"], ca["hs"], ca["cs"], ca["tcs"], ca["acts"]
        dhs = np.ascontiguousarray(dhs, dtype=self.dtype)
        Wh = self.params["Wh"]
        dg = np.empty_like(acts)
        dh = self._dh_start(x.shape[1], dstate)
        dc = np.zeros_like(cs[0]) if dstate is None else np.array(dstate[1], dtype=self.dtype)
        for t in range(x.shape[0] - 1, -1, -1):
            cell_kernels.lstm_bwd_step(acts[t], tcs[t], cs[t], dh, dhs[t], dc, dg[t])
            kernels.matmul_into(dg[t], Wh, dh)
        dx = self._param_grads(x, hs[:-1], dg)
        return dx, (np.ascontiguousarray(dh), dc)


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

    def forward(self, x, state, store=True, on_step=None):
        T, B, _ = x.shape
        H = self.hidden_size
        Wh, bh, exact = self.params["Wh"], self.params["bh"], self.dtype == np.float64
        gx = self._input_projection(x)  # r, z parts become activations in place
        hs = np.empty((T + 1, B, H), dtype=self.dtype)
        ns = np.empty((T, B, H), dtype=self.dtype)
        hn = np.empty((T, B, H), dtype=self.dtype)  # h Un + bh_n, needed for dr
        hs[0] = state[0]
        gh = kernels.gate_buffer(B, 3 * H, self.dtype)
        for t in range(T):
            kernels.matmul_t(hs[t], Wh, gh, bias=bh)
            cell_kernels.gru_fwd_step(gx[t], gh, hs[t], ns[t], hn[t], hs[t + 1], exact)
            if on_step is not None:
                on_step(hs[1:], t + 1)
        if store:
            self._cache = {"x": x, "hs": hs, "ns": ns, "hn": hn, "gx": gx}
        return hs[1:], (hs[T].copy(),)

    def step(self, x, state):
        h_prev = self._prev(state)
        gx, gh = self._step_gates(x, h_prev, self.params["bh"])
        shape = (x.shape[0], self.hidden_size)
        n, hn, h = (np.empty(shape, dtype=self.dtype) for _ in range(3))
        cell_kernels.gru_fwd_step(gx, gh, h_prev, n, hn, h, self.dtype == np.float64)
        return h, (h,)

    def backward(self, dhs, dstate=None):
        ca = self._cache
        x, hs, ns, hn, gx = ca["x"], ca["hs"], ca["ns"], ca["hn"], ca["gx"]
        dhs = np.ascontiguousarray(dhs, dtype=self.dtype)
        T = x.shape[0]
        Wh = self.params["Wh"]
        dgx = np.empty_like(gx)
        dgh = np.empty_like(gx)
        dh = self._dh_start(x.shape[1], dstate)
        direct = np.empty_like(dh)
        for t in range(T - 1, -1, -1):
            cell_kernels.gru_bwd_step(
                gx[t], ns[t], hn[t], hs[t], dh, dhs[t], dgx[t], dgh[t], direct
            )
            kernels.matmul_into(dgh[t], Wh, dh)
            dh += direct
        dx = self._param_grads(x, hs[:-1], dgx, dgh)
        np.sum(dgh.reshape(T * x.shape[1], -1), axis=0, out=self.grads["bh"])
        return dx, (np.ascontiguousarray(dh),)


CELLS = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}


def make_cell(kind: str, input_size: int, hidden_size: int, rng, dtype=np.float32) -> Cell:
    """Build a cell by name: ``"rnn"``, ``"lstm"`` or ``"gru"``."""
    try:
        cls = CELLS[kind]
    except KeyError:
        raise ValueError(f"unknown cell {kind!r}; choose one of {', '.join(CELLS)}") from None
    return cls(input_size, hidden_size, rng, dtype)
