"""Export Resemblyzer's GE2E speaker encoder to ONNX (voicecoach/models/ge2e_resemblyzer.onnx).

Run once, by hand, where PyTorch is installed (voicecoach itself never imports it):

    python -m venv /tmp/ge2e && /tmp/ge2e/bin/pip install resemblyzer==0.1.4 onnx onnxruntime
    /tmp/ge2e/bin/python scripts/export_ge2e.py voicecoach/models/ge2e_resemblyzer.onnx

The weights are those of the ``resemblyzer`` 0.1.4 wheel (Resemble AI, Apache-2.0; the
licence is voicecoach/models/LICENSE-resemblyzer). The graph is the encoder's forward pass:
3 LSTM layers (256) over 40 mel bands, the last layer's final hidden state through a linear
layer, ReLU and L2 normalisation. The script checks the ONNX outputs against PyTorch's.
"""

from __future__ import annotations

import sys

import numpy as np
import onnxruntime as ort
import torch
from resemblyzer import VoiceEncoder


class _Encoder(torch.nn.Module):
    def __init__(self, enc: VoiceEncoder) -> None:
        super().__init__()
        self.enc = enc

    def forward(self, mels: torch.Tensor) -> torch.Tensor:
        _, (hidden, _) = self.enc.lstm(mels)
        raw = self.enc.relu(self.enc.linear(hidden[-1]))
        return raw / torch.norm(raw, dim=1, keepdim=True)


def main(out: str) -> None:
    enc = VoiceEncoder("cpu", verbose=False).eval()
    model = _Encoder(enc).eval()
    torch.onnx.export(model, (torch.rand(3, 160, 40),), out, input_names=["mels"],
                      output_names=["embedding"],
                      dynamic_axes={"mels": {0: "batch", 1: "frames"}, "embedding": {0: "batch"}},
                      opset_version=17, dynamo=False)
    sess = ort.InferenceSession(out, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    for batch, frames in ((1, 160), (4, 160), (2, 57), (1, 400)):
        mels = rng.random((batch, frames, 40)).astype(np.float32)
        with torch.no_grad():
            ref = enc(torch.from_numpy(mels)).numpy()
        got = sess.run(None, {"mels": mels})[0]
        err = float(np.abs(ref - got).max())
        print(f"batch {batch}, {frames} frames: max |onnx - torch| = {err:.2e}")
        assert err < 1e-5


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "voicecoach/models/ge2e_resemblyzer.onnx")
