"The wheel builds, carries the shipped model, and its installed package imports and trains outside the repository."
import subprocess, sys, textwrap, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    d = tmp_path_factory.mktemp("wheel")
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(d), str(ROOT)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    return next(d.glob("cat_inpaint-*.whl"))

def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for mod in ("core", "data", "masks", "fills", "metrics", "generator", "discriminator", "pretrained", "losses", "recipes",
                "checkpoint", "training", "evaluation", "experiments", "inference", "bench", "_modidx"):
        assert f"cat_inpaint/{mod}.py" in names
    assert "cat_inpaint/weights/default.safetensors" in names and "cat_inpaint/weights/default.json" in names
    eps = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(eps).decode()
    for script in ("cat_inpaint_train", "cat_inpaint_eval", "cat_inpaint_remove", "cat_inpaint_bench"): assert script in text

def test_installed_package_trains_outside_repo(wheel, tmp_path):
    target = tmp_path / "site"
    p = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    code = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(target)!r})
        import torch, cat_inpaint
        from pathlib import Path
        assert Path(cat_inpaint.__file__).is_relative_to({str(target)!r}), cat_inpaint.__file__
        from cat_inpaint.data import write_toy_photos, cached_split
        from cat_inpaint.recipes import get_recipe
        from cat_inpaint.training import fit
        from cat_inpaint.inference import Inpainter
        imgs = cached_split(str(write_toy_photos(Path('toy.parquet'), n_cats=40)), 'train', 64)
        res = fit(get_recipe('default', batch_size=8), imgs, max_steps=1, progress=False)
        assert res.history['steps'] == 1
        inp = Inpainter.from_pretrained(device='cpu')
        x = torch.rand(2, 3, 64, 64); m = torch.zeros(2, 1, 64, 64); m[..., 20:40, 20:40] = 1
        out = inp.inpaint_batch(x * (1 - m), m)
        assert torch.equal(out * (1 - m), x * (1 - m))
        print('ok', inp.g.recipe_name)
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.strip().endswith("ok default")
