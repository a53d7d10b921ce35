"The wheel builds, carries the shipped model, and its installed package imports and trains outside the repository."
import configparser, subprocess, sys, textwrap, zipfile
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
    "Every module, model file, model card and saved result of the source tree is in the wheel, and every console script of settings.ini."
    names = set(zipfile.ZipFile(wheel).namelist())
    pkg = ROOT / "cat_inpaint"
    wanted = [p for p in pkg.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".safetensors", ".json", ".jsonl")]
    assert len(wanted) > 30
    missing = [str(p.relative_to(ROOT)) for p in wanted if str(p.relative_to(ROOT)) not in names]
    assert not missing, missing
    eps = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    cfg = configparser.ConfigParser(delimiters=["="]); cfg.read(ROOT / "settings.ini")
    for line in cfg["DEFAULT"]["console_scripts"].split(): assert line.split("=")[0] in eps, line

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
        from cat_inpaint.recipes import get_recipe, RunOptions
        from cat_inpaint.training import fit
        from cat_inpaint import Inpainter
        imgs = cached_split(str(write_toy_photos(Path('toy.parquet'), n_cats=40)), 'train', 64)
        res = fit(get_recipe('default', batch_size=8), imgs, options=RunOptions(max_steps=1, progress=False))
        assert res.history['steps'] == 1
        inp = Inpainter.from_pretrained(device='cpu')
        s = inp.size; x = torch.rand(2, 3, s, s); m = torch.zeros(2, 1, s, s); m[..., 20:40, 20:40] = 1
        out = inp.inpaint_batch(x * (1 - m), m)
        assert torch.equal(out * (1 - m), x * (1 - m))
        from cat_inpaint.core import saved_result
        assert saved_result('test-eval-128.json')['size'] == 128  # the measurements the docs quote ship too
        print('ok', inp.g.info.name, inp.g.info.resolution == inp.g.card['resolution'] == inp.size)
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.strip().endswith("ok default True")  # the shipped default, with its resolution

OPTIONAL = ("datasets", "torchmetrics", "piq", "torch_fidelity", "matplotlib", "ipywidgets", "ipycanvas", "anywidget", "voila", "nbdev")

def test_light_install(wheel, tmp_path):
    """`pip install cat-inpaint` asks for removal's needs only, the extras for the rest; and a photo is removed, by the
    console script's code, in a process where every optional package is missing (imports of them fail)."""
    import email
    meta = email.message_from_bytes(zipfile.ZipFile(wheel).read(next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith("METADATA"))))
    reqs = meta.get_all("Requires-Dist")
    base = {r.split(";")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower() for r in reqs if "extra ==" not in r}
    assert not base & {n.replace("_", "-") for n in OPTIONAL}, base
    assert {"train", "eval", "app", "dev", "all"} <= set(meta.get_all("Provides-Extra")), meta.get_all("Provides-Extra")
    from PIL import Image
    from skimage import data
    Image.fromarray(data.chelsea()).save(tmp_path / "cat.jpg", quality=90)
    code = textwrap.dedent(f"""
        import sys
        for m in {OPTIONAL!r}: sys.modules[m] = None  # as if not installed
        from cat_inpaint.cli import remove_cli
        remove_cli([{str(tmp_path / 'cat.jpg')!r}, "--box", "100,100,160,160", "--out", {str(tmp_path / 'out.jpg')!r}, "--device", "cpu"])
        from cat_inpaint.cli import train_cli
        train_cli(["--data", "x.parquet", "--out", {str(tmp_path / 'run')!r}])
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert (tmp_path / "out.jpg").is_file() and p.stdout.startswith("wrote"), p.stderr[-2000:]
    assert p.returncode == 2 and p.stderr.strip().splitlines()[-1].endswith('pip install "cat-inpaint[train]"'), p.stderr[-500:]  # one line naming the extra

PACKAGE = Path(__file__).parents[1] / "cat_inpaint"

def test_package_lines():
    """Every line of the package is at most 120 characters, and at most 20 statements in all are joined with `;`.
    Exempt: what nbdev writes itself, `_modidx.py` and the first line of each module's `__all__`."""
    import tokenize
    long, joined = [], 0
    for py in sorted(PACKAGE.glob("*.py")):
        if py.name == "_modidx.py": continue
        for i, line in enumerate(py.read_text(encoding="utf-8").splitlines(), 1):
            # nbdev wraps `__all__` at 120 and then prefixes its first line with `__all__ = `: up to 130, not ours to set
            limit = 130 if line.startswith("__all__ = [") else 120
            if len(line) > limit: long.append(f"{py.name}:{i} ({len(line)})")
        with open(py, "rb") as f: joined += sum(t.type == tokenize.OP and t.string == ";" for t in tokenize.tokenize(f.readline))
    assert not long, f"{len(long)} lines over 120 characters: {', '.join(long[:10])}"
    assert joined <= 20, f"{joined} statements joined with ';' (at most 20)"
