"""Check the docs as a reader meets them: run after `.ci/proc_docs.py` (nbdev's preprocessing into `_proc/`).

Fails, listing every case, on:
- a stream or text output that is a pipe table (it shows as raw text: display it as Markdown instead);
- an absolute path of the machine that ran a notebook (a temporary or home folder, the checkout);
- a saved error (a traceback), a progress bar, a network error, or a text output of more than 60 lines (a dump, not something to read);
- a code cell that makes a figure but has no saved image;
- an image (saved output or file under nbs/) over the size limit;
- a symbol documented twice on one page;
- a `show_doc` signature with a markdown link, an inferred `NoneType`, or a class shown as `def`.
Run from the repository root: `python .ci/check_docs.py`."""
import base64, json, os, re, sys, tempfile
from pathlib import Path

LIMIT = 300_000 # bytes per image
TABLE = re.compile(r"^\|.*\|\s*$\n^\|[-:| ]+\|\s*$", re.M) # a header row and its rule
NOISE = re.compile(r"\d+%\|[^\n]*\||Generating \w+ split|urlopen error|Name or service not known") # progress bars, network errors
FIGURE = re.compile(r"\bplt\.(subplots|figure|imshow)\(|\.imshow\(|\b(show_rows|compare_grid|criteria_grid|show_removal|show_crops|show_masks)\(")

def machine_paths() -> list:
    "Absolute paths that must never reach a page: this checkout, the home and temporary folders."
    here = str(Path.cwd().resolve())
    return sorted({here, str(Path(here).parent), str(Path.home()), tempfile.gettempdir(), "/tmp/", "/home/", "/Users/", "/root/", "site-packages"} - {"/"}, key=len, reverse=True)

def outputs_text(cell) -> list:
    "Every text an output of `cell` shows: streams, plain text, markdown, errors."
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream": out.append(("stream", "".join(o["text"])))
        for kind in ("text/plain", "text/markdown", "text/html"):
            if kind in o.get("data", {}): out.append((kind, "".join(o["data"][kind])))
        if o.get("output_type") == "error": out.append(("error", o.get("ename", "") + ": " + o.get("evalue", "")))
    return out

def images(cell) -> list:
    "Sizes in bytes of the images `cell` saved."
    return [len(base64.b64decode("".join(o["data"][k]) if isinstance(o["data"][k], list) else o["data"][k]))
            for o in cell.get("outputs", []) for k in ("image/png", "image/jpeg") if k in o.get("data", {})]

def directives(src:str) -> set: return {l[3:].strip().split(":")[0] for l in src.splitlines() if l.startswith("#| ")}

def evaluated(src:str) -> bool:
    "Whether nbdev_test and the docs run this cell."
    return not re.search(r"^#\|\s*eval:\s*false", src, re.M | re.I) and not re.search(r"^#\|\s*slow\b", src, re.M)

def check_notebook(path:Path, proc:Path|None, paths:list) -> list:
    "The problems of one notebook (source in nbs/, processed copy in _proc/)."
    problems, nb = [], json.loads(path.read_text())
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] != "code": continue
        src = "".join(c["source"]); where = f"{path.name} cell {i}"
        for kind, text in outputs_text(c):
            if kind in ("stream", "text/plain") and TABLE.search(text): problems.append(f"{where}: a pipe table printed as text (display it as Markdown)")
            if kind == "error" or "Traceback (most recent call last)" in text: problems.append(f"{where}: a saved error output (run the notebook again)")
            if NOISE.search(text): problems.append(f"{where}: a progress bar or network error in an output: {NOISE.search(text).group(0)!r}")
            if kind != "text/html" and text.count("\n") > 60: problems.append(f"{where}: a text output of {text.count(chr(10))} lines")
            for p in paths:
                if p in text: problems.append(f"{where}: the machine path {p!r} in an output"); break
        shown = images(c)
        if FIGURE.search(src) and evaluated(src) and not {"export", "exports", "hide"} & directives(src) and not shown and "plt.close" not in src:
            problems.append(f"{where}: makes a figure but has no saved image")
        problems += [f"{where}: an image of {n / 1e3:.0f} KB (limit {LIMIT / 1e3:.0f} KB)" for n in shown if n > LIMIT]
    if proc is not None and proc.exists():
        seen = {}
        for c in json.loads(proc.read_text())["cells"]:
            for o in c.get("outputs", []):
                md = "".join(o.get("data", {}).get("text/markdown", ""))
                if not md.startswith("---"): continue  # show_doc's entries start with a rule
                name = re.search(r"^#+ (.+)$", md, re.M)
                if name: seen[name.group(1)] = seen.get(name.group(1), 0) + 1
                for block in re.findall(r"```python\n(.*?)```", md, re.S):
                    if "](" in block: problems.append(f"{proc.name}: a markdown link in the signature of {name and name.group(1)}")
                    if "NoneType" in block: problems.append(f"{proc.name}: NoneType in the signature of {name and name.group(1)}")
                    for p in paths:
                        if p in block: problems.append(f"{proc.name}: the machine path {p!r} in the signature of {name and name.group(1)}")
        problems += [f"{proc.name}: {n} documented {k} times" for n, k in seen.items() if k > 1]
    return problems

def main(nbs:Path=Path("nbs"), procd:Path=Path("_proc")) -> int:
    paths, problems = machine_paths(), []
    for nb in sorted(nbs.glob("*.ipynb")): problems += check_notebook(nb, procd / nb.name, paths)
    problems += [f"{p}: {p.stat().st_size / 1e3:.0f} KB (limit {LIMIT / 1e3:.0f} KB)" for p in nbs.rglob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif") and p.stat().st_size > LIMIT]
    for p in problems: print(p, file=sys.stderr)
    print(f"docs check: {len(problems)} problem(s) in {len(list(nbs.glob('*.ipynb')))} notebooks", file=sys.stderr)
    return 1 if problems else 0

if __name__ == "__main__": sys.exit(main())
