"Two CPU processes (gloo, launched by torchrun) train to the same weights as one process on the combined batch."
import socket, subprocess, sys
import pytest, torch
from conftest import run, BIN
from cat_inpaint.training import load_checkpoint

def free_port():
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

@pytest.mark.parametrize("recipe", ["default"])  # BatchNorm recipes need SyncBatchNorm, which PyTorch runs only on GPUs
def test_two_processes_match_one(toy, tmp_path, recipe):
    args = ["--data", toy, "--recipe", recipe, "--max-steps", 3, "--batch-size", 8, "--cache-dir", "", "--device", "cpu"]
    one = run("cat_inpaint_train", *args, "--out", tmp_path / "one")
    assert one.returncode == 0, one.stderr
    two = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(free_port()),
                          "--no-python", str(BIN / "cat_inpaint_train"), *map(str, args), "--out", str(tmp_path / "two")],
                         capture_output=True, text=True, timeout=600, env={"OMP_NUM_THREADS": "1", **__import__("os").environ})
    assert two.returncode == 0, two.stderr[-3000:]
    a, b = load_checkpoint(tmp_path / "one" / "checkpoint.pt"), load_checkpoint(tmp_path / "two" / "checkpoint.pt")
    assert b["step"] == 3
    for part in ("g", "d"):
        for k in a[part]:
            if a[part][k].is_floating_point(): torch.testing.assert_close(b[part][k], a[part][k], atol=2e-5, rtol=1e-4, msg=f"{part}.{k}")
            else: assert torch.equal(a[part][k], b[part][k]), k
