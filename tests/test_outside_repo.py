"""The notebooks as a Colab user meets them: each one runs from a copy outside the repository, with no offline photos
and no Hub, and every fallback says so. It runs every notebook again (minutes), so it is opt-in:
`CAT_INPAINT_OUTSIDE=1 pytest tests/test_outside_repo.py`; `.ci/run` runs it."""
import json, os, shutil, subprocess, sys
from pathlib import Path
import pytest

NBS = Path(__file__).parents[1]/"nbs"
RUN = r'''
import json, sys
from execnb.nbio import read_nb
from execnb.shell import CaptureShell
nb = read_nb(sys.argv[1])
def skip(c):  # what nbdev_test skips: markdown, `eval: false` and `slow` cells
    return c.cell_type != "code" or any(l.strip().replace(" ", "") in ("#|eval:false", "#|slow") for l in c.source.splitlines())
sh = CaptureShell(sys.argv[1]); sh.run_cell("import matplotlib; matplotlib.use('Agg')")
try: sh.run_all(nb, exc_stop=True, preproc=skip); ok = True
except Exception as e: ok = False; print(sh.prettytb(fname=sys.argv[1]), file=sys.stderr)
text = [o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream"]
print(json.dumps({"ok": ok, "text": "".join(t if isinstance(t, str) else "".join(t) for t in text)}))
'''
def needs_photos(nb:Path) -> bool:
    "Whether a cell that runs (not `eval: false`, not `slow`) asks for real photos."
    cells = ["".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code"]
    return any("photo_source()" in c and "#| slow" not in c and "#| eval: false" not in c for c in cells)

@pytest.mark.skipif(not os.environ.get("CAT_INPAINT_OUTSIDE"), reason="minutes long: set CAT_INPAINT_OUTSIDE=1 (.ci/run does)")
@pytest.mark.parametrize("name", sorted(p.name for p in NBS.glob("*.ipynb")))
def test_notebook_outside_the_repository(name, tmp_path):
    copy = tmp_path/"nbs"; shutil.copytree(NBS, copy)  # the notebooks alone: no settings.ini, no ../shared beside them
    env = {k: v for k, v in os.environ.items() if k != "CAT_INPAINT_DATA"} | {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "MPLBACKEND": "Agg"}
    r = subprocess.run([sys.executable, "-c", RUN, name], cwd=copy, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0 and r.stdout.strip(), r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["ok"], f"{name} failed outside the repository:\n{r.stderr[-3000:]}"
    if needs_photos(NBS/name): assert "photos: no offline copy" in out["text"] and "toy photos stand in" in out["text"]
