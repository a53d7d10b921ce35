"The inference path stays light, and the shipped model gives the same pixels it gave before the library was split."
import subprocess, sys, textwrap
from pathlib import Path
import torch
from safetensors.torch import load_file

HEAVY = ("datasets", "pyarrow", "pandas", "matplotlib", "torchvision.models", "cat_inpaint.training", "cat_inpaint.data")

def test_applications_import_light():
    """Removing an object needs no data pipeline, training loop or plotting library: none of them is imported. The
    evaluation, which needs the data, still never imports the training loop (nanoGPT's sample.py / train.py split)."""
    code = textwrap.dedent(f"""
        import sys
        import cat_inpaint.inference, cat_inpaint.pretrained
        print(",".join(m for m in {HEAVY!r} if m in sys.modules))
        import cat_inpaint.evaluation
        print("cat_inpaint.training" in sys.modules)
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    heavy, training = p.stdout.split("\n")[:2]
    assert heavy == "", f"imported by cat_inpaint.inference: {heavy}"
    assert training == "False", "cat_inpaint.evaluation imports the training loop"

def test_shipped_model_pixels_unchanged():
    """`tests/data/shipped-fixed-batch.safetensors` holds two photos, their masks and the shipped 64-px model's fills as
    the library computed them before it was split into modules (commit 7a68633), when it was the default. Loading
    through the stored architecture must give the same pixels."""
    from cat_inpaint.inference import Inpainter
    from cat_inpaint.masks import mask_images
    gold = load_file(Path(__file__).parent / "data" / "shipped-fixed-batch.safetensors")
    out = Inpainter.from_pretrained("cats64", device="cpu").inpaint_batch(mask_images(gold["photos"], gold["masks"]), gold["masks"])
    torch.testing.assert_close(out, gold["filled"], rtol=0, atol=1e-6)  # exact on the machine that wrote it; 1e-6 for other CPUs' kernels

def test_shipped_files_record_their_architecture():
    from safetensors import safe_open
    from cat_inpaint.pretrained import SHIPPED
    import json
    for name, resolution in (("default", 128), ("cats64", 64)):
        with safe_open(str(SHIPPED[name]), "pt") as f: meta = f.metadata()
        unet = {"kind": "unet", "prefill": "biharmonic"}
        arch = json.loads(meta["arch"])
        assert arch == unet if name == "cats64" else (arch["kind"], arch["sigma"], arch["mirror"]) == ("two_band", 1.25, True) and arch["low"] == arch["high"] == unet
        assert "recipe" not in meta and json.loads(meta["card"])["resolution"] == resolution, name
