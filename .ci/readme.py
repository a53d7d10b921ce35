"""README.md from nbs/index.ipynb: what `nbdev_readme` makes with Quarto (which cannot be installed here), with every
link absolute, so that README reads right on GitHub and PyPI as well as on the site.

Run from the repository root after editing nbs/index.ipynb: `python .ci/readme.py`. `tests/test_docs.py` fails when
README.md is not what this makes."""
import base64, configparser, json, re, sys
from pathlib import Path

def settings(root:Path) -> dict:
    c = configparser.ConfigParser(); c.read(root / "settings.ini"); return dict(c["DEFAULT"])

def directives(src:str) -> dict:
    "A cell's `#| key: value` lines, as a dict (a bare `#| hide` maps to '')."
    out = {}
    for l in src.splitlines():
        if m := re.match(r"#\|\s*([\w-]+)\s*:?\s*(.*)", l): out[m.group(1)] = m.group(2).strip()
    return out

SKIP = {"hide", "export", "exporti", "exports", "default_exp"} # cells a reader never sees

def absolute(text:str, site:str, raw:str) -> str:
    "Relative links to the site's pages point at the site; relative images at the repository's files."
    text = re.sub(r"\]\((?!https?://|#|mailto:)([\w./-]+\.html(?:#[\w-]*)?)\)", lambda m: f"]({site}/{m.group(1)})", text)
    return re.sub(r"!\[([^\]]*)\]\((?!https?://)([\w./-]+)\)", lambda m: f"![{m.group(1)}]({raw}/{m.group(2)})", text)

def render(root:Path=Path(".")) -> tuple:
    "README.md's text, and the figures it shows as `{relative path: PNG bytes}`."
    s = settings(root)
    site = f"{s['doc_host']}{s['doc_baseurl']}"
    raw = f"https://raw.githubusercontent.com/{s['user']}/{s['repo']}/{s['branch']}"
    nb = json.loads((root / "nbs" / "index.ipynb").read_text())
    parts, figures = [], {}
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            parts.append(absolute(src, site, raw + "/nbs")); continue
        d = directives(src)
        if SKIP & d.keys(): continue
        code = "\n".join(l for l in src.splitlines() if not l.startswith("#|")).strip()
        if code and d.get("echo", "true").lower() != "false": parts.append(f"```python\n{code}\n```")
        for o in cell.get("outputs", []):
            if "image/png" in o.get("data", {}):
                name = f"images/index-figure-{len(figures) + 1}.png"
                figures[name] = base64.b64decode("".join(o["data"]["image/png"]))
                parts.append(f"![]({raw}/{name})")
            elif "text/markdown" in o.get("data", {}): parts.append(absolute("".join(o["data"]["text/markdown"]).strip(), site, raw + "/nbs"))
    return "\n\n".join(p for p in parts if p) + "\n", figures

def main(root:Path=Path(".")) -> int:
    text, figures = render(root)
    (root / "README.md").write_text(text)
    for name, data in figures.items(): (root / name).parent.mkdir(exist_ok=True); (root / name).write_bytes(data)
    print(f"wrote README.md and {len(figures)} figure(s)", file=sys.stderr)
    return 0

if __name__ == "__main__": sys.exit(main())
