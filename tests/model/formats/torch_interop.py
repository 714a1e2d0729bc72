"""Cross-checks with Python's own torch (run by python_interop_test.cpp).

  torch_interop.py load CKPT OUT_DIR     torch.load CKPT, save each tensor as OUT_DIR/<key>.npy,
                                          and load it strictly into a module of the same layout
  torch_interop.py write OUT_DIR          write zip and legacy checkpoints + expected .npy files
  torch_interop.py adam CKPT OUT_DIR      load an Adam state into torch.optim.Adam, dump its moments
"""
import os
import sys

import numpy as np
import torch


def npy_name(key):
    return key.replace("/", "_") + ".npy"


def dump(state, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for key, value in state.items():
        if value.dtype == torch.bfloat16:
            value = value.float()
        np.save(os.path.join(out_dir, npy_name(key)), value.contiguous().numpy())


def load(path, out_dir):
    state = torch.load(path, map_location="cpu")
    assert isinstance(state, dict), type(state)
    dump(state, out_dir)
    # A module with exactly these parameter names must accept the file strictly.
    if "linear.weight" in state:
        module = torch.nn.Module()
        module.linear = torch.nn.Linear(state["linear.weight"].shape[1], state["linear.weight"].shape[0])
        module.load_state_dict({k: v for k, v in state.items() if k.startswith("linear.")}, strict=True)
    print("\n".join(f"{k}\t{list(v.shape)}\t{v.dtype}" for k, v in state.items()))


def write(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    base = torch.randn(4, 6)
    state = {
        "base": base,
        "transposed": base.t(),
        "row": base[2],
        "half": torch.randn(5).half(),
        "bfloat": torch.randn(3).bfloat16(),
        "double": torch.randn(2, 2, dtype=torch.float64),
        "long": torch.arange(7),
        "int": torch.arange(3, dtype=torch.int32),
        "mask": torch.tensor([True, False, True]),
        "bytes": torch.arange(4, dtype=torch.uint8),
        "scalar": torch.tensor(3.5),
    }
    torch.save(state, os.path.join(out_dir, "python_zip.pt"))
    torch.save(state, os.path.join(out_dir, "python_legacy.pt"), _use_new_zipfile_serialization=False)
    dump(state, os.path.join(out_dir, "expected"))


def adam(path, out_dir):
    saved = torch.load(path, map_location="cpu")
    shapes = [saved["state"][i]["exp_avg"].shape for i in sorted(saved["state"])]
    params = [torch.nn.Parameter(torch.zeros(s)) for s in shapes]
    optimizer = torch.optim.Adam(params, lr=1.0)
    optimizer.load_state_dict(saved)
    group = optimizer.param_groups[0]
    assert group["lr"] == saved["param_groups"][0]["lr"], group
    assert tuple(group["betas"]) == (0.9, 0.999), group["betas"]
    os.makedirs(out_dir, exist_ok=True)
    for i, p in enumerate(params):
        state = optimizer.state[p]
        np.save(os.path.join(out_dir, f"exp_avg_{i}.npy"), state["exp_avg"].numpy())
        np.save(os.path.join(out_dir, f"exp_avg_sq_{i}.npy"), state["exp_avg_sq"].numpy())
        print(i, float(state["step"]))


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "adam":
        adam(sys.argv[2], sys.argv[3])
    else:
        write(sys.argv[2])
