"""The docs' sources agree: one Quarto configuration, and README.md as `.ci/readme.py` makes it from nbs/index.ipynb."""
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def test_one_quarto_config():
    "nbdev and Quarto read nbs/_quarto.yml; the design card's top-level _quarto.yml is the same file (a link to it)."
    top, nbs = ROOT / "_quarto.yml", ROOT / "nbs" / "_quarto.yml"
    assert top.is_file() and nbs.exists(), "both _quarto.yml and nbs/_quarto.yml must exist"
    assert nbs.read_text() == top.read_text(), "nbs/_quarto.yml differs from _quarto.yml: make it a link again (ln -sf ../_quarto.yml nbs/_quarto.yml)"
    assert "project:" in top.read_text() and "website:" in top.read_text()

def test_readme_is_index():
    "README.md and its figure are what .ci/readme.py makes from nbs/index.ipynb, with absolute links only."
    render = runpy.run_path(str(ROOT / ".ci" / "readme.py"))["render"]
    text, figures = render(ROOT)
    assert (ROOT / "README.md").read_text() == text, "README.md is out of step with nbs/index.ipynb: run python .ci/readme.py"
    for name, data in figures.items(): assert (ROOT / name).read_bytes() == data, f"{name} is out of step: run python .ci/readme.py"
    import re
    relative = [l for l in re.findall(r"\]\(([^)]+)\)", text) if not l.startswith(("http://", "https://", "#"))]
    assert relative == [], relative

def test_show_doc_renderer():
    "settings.ini names the renderer that writes signatures as the code does, and nbdev's show_doc picks it up."
    import configparser, importlib
    c = configparser.ConfigParser(); c.read(ROOT / "settings.ini")
    mod, name = c["DEFAULT"]["renderer"].rsplit(".", 1)
    assert (mod, name) == ("cat_inpaint.showdoc", "DocRenderer") and hasattr(importlib.import_module(mod), name)
