"""Check the docs as a reader meets them: run after `.ci/proc_docs.py` (nbdev's preprocessing into `_proc/`).

Fails, listing every case, on:
- a stream or text output that is a pipe table (it shows as raw text: display it as Markdown instead);
- an absolute path of the machine that ran a notebook (a temporary or home folder, the checkout);
- a saved error (a traceback), a progress bar, a network error, or a text output of more than 60 lines (a dump, not something to read);
- a code cell that makes a figure but has no saved image, or one that saves an image of the evaluation photos
  (`shared/data/photos_hd` are for evaluation only and never redistributed: their crops show only when a notebook
  runs beside them);
- an image (saved output or file under nbs/) over the size limit;
- a symbol documented twice on one page;
- a `show_doc` signature with a markdown link, an inferred `NoneType`, or a class shown as `def`;
- a link whose target is not what its word names (`remove`/`train` to the command line from another page), or a
  dead anchor (a private name, or a symbol its page does not document);
- words of process in rendered prose ("the issue", "this session", "CI machine", "from here", ...);
- an entry that reads "Call self as a function." (a public callable without its own docstring);
- `nan` in a rendered table;
- a page whose first cell after its title is an import or a test;
- a visible code line wider than the column, or a table whose unbreakable words are wider than it.
Run from the repository root: `python .ci/check_docs.py`."""
import base64, json, os, re, sys, tempfile
from pathlib import Path

LIMIT = 300_000 # bytes per image
TABLE = re.compile(r"^\|.*\|\s*$\n^\|[-:| ]+\|\s*$", re.M) # a header row and its rule
NOISE = re.compile(r"\d+%\|[^\n]*\||Generating \w+ split|urlopen error|Name or service not known") # progress bars, network errors
FIGURE = re.compile(r"\bplt\.(subplots|figure|imshow)\(|\.imshow\(|\b(show_rows|compare_grid|criteria_grid|show_removal|show_crops|show_masks)\(")

PROCESS = re.compile(r"\bthe issue\b|\bissue's\b|\bthis session\b|\bwork session\b|\bCI machine\b|\bfrom here\b|"
                     r"\bthe (?:90|60)-minute budget\b", re.I) # talk of how the project was made, not of the library
LINK = re.compile(r"\[`([^`]+)`\]\((?:https://[^)]*/)?([\w.-]+\.html)#([^)]*)\)") # nbdev's links from backticked names
CODE_COLUMN = 100 # characters of code the page's column shows without sideways scrolling
TABLE_COLUMN = 110 # characters of unbreakable table text the column holds
HIDDEN = {"hide", "export", "exporti", "default_exp"}
SHARED_PHOTOS = re.compile(r"\bhd_dir\b|find_photos\(") # a cell that reads the evaluation photos

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

def directives(src:str) -> set: return {re.split(r"[:\s]", l[3:].strip())[0] for l in src.splitlines() if l.startswith("#| ")}

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
        if SHARED_PHOTOS.search(src):
            if shown: problems.append(f"{where}: a saved image of the evaluation photos (never redistributed: clear it)")
        elif FIGURE.search(src) and evaluated(src) and not {"export", "exports", "hide"} & directives(src) and not shown and "plt.close" not in src:
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

def documented(proc:Path) -> set:
    "Anchors of the symbols `show_doc` documents on one processed page."
    out = set()
    for c in json.loads(proc.read_text())["cells"]:
        for o in c.get("outputs", []):
            md = "".join(o.get("data", {}).get("text/markdown", ""))
            if md.startswith("---") and (m := re.search(r"^#+ (.+)$", md, re.M)): out.add(m.group(1).strip().lower())
    return out

def visible(c) -> bool:
    "Whether a processed cell shows on its page."
    if c["cell_type"] == "markdown": return True
    src = "".join(c["source"])
    return not HIDDEN & directives(src) and not re.search(r"^#\|\s*include:\s*false", src, re.M)

def table_width(md:str) -> int:
    "Characters the widest row of unbreakable words needs, summed over a pipe table's columns, with padding."
    md = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", md)  # a link shows its text only
    rows = [[cell.strip() for cell in l.strip().strip("|").split("|")] for l in md.splitlines() if l.strip().startswith("|")]
    rows = [r for r in rows if not all(set(x) <= set("-: ") for x in r)]
    if not rows: return 0
    cols = max(len(r) for r in rows)
    return sum(max((max((len(w) for w in r[j].split()), default=0) for r in rows if j < len(r)), default=0) + 3 for j in range(cols))

def reader_problems(proc:Path, anchors:dict) -> list:
    "What a reader of one processed page meets: wrong or dead links, process talk, placeholders, nan, a weak start, overflow."
    problems, page, nb = [], proc.name, json.loads(proc.read_text())
    cells = [c for c in nb["cells"] if visible(c)]
    for i, c in enumerate(cells):
        src = "".join(c["source"])
        texts = [src] if c["cell_type"] == "markdown" else []
        texts += ["".join(o.get("data", {}).get("text/markdown", "")) for o in c.get("outputs", [])]
        for text in texts:
            for word, target, anchor in LINK.findall(text):
                if target == "cli.html" and word in ("remove", "train", "evaluate") and page != "18_cli.ipynb":
                    problems.append(f"{page}: `{word}` links to the command line ({target}#{anchor})")
                if anchor.startswith("_") or (target in anchors and anchor.lower() not in anchors[target]):
                    problems.append(f"{page}: a dead anchor {target}#{anchor} (from `{word}`)")
            prose = re.sub(r"```.*?```", "", text, flags=re.S) if not text.startswith("---") else ""
            if m := PROCESS.search(prose): problems.append(f"{page}: process talk in the prose: {m.group(0)!r}")
            if "Call self as a function." in text: problems.append(f"{page}: an entry reads 'Call self as a function.'")
            for table in re.findall(r"(?:^\|.*\|[ \t]*\n?)+", text, re.M):
                if re.search(r"\|\s*nan\s*\|", table): problems.append(f"{page}: nan in a table")
                if (w := table_width(table)) > TABLE_COLUMN: problems.append(f"{page}: a table {w} characters wide")
        if c["cell_type"] == "code" and not re.search(r"^#\|\s*echo:\s*false", src, re.M):
            for line in src.splitlines():
                if len(line) > CODE_COLUMN and not line.startswith("#|"):
                    problems.append(f"{page}: a code line of {len(line)} characters: {line[:50]!r}...")
    opening = lambda c: c["cell_type"] == "raw" or (c["cell_type"] == "markdown" and re.match(r"<!--|\[!\[Open In Colab", "".join(c["source"])))
    first = next((c for c in cells if not opening(c)), None)
    if first is not None and first["cell_type"] == "code":
        lines = [l for l in "".join(first["source"]).splitlines() if l.strip() and not l.startswith("#")]
        if lines and all(re.match(r"(import|from)\s", l) for l in lines): problems.append(f"{page}: the page opens with an import cell")
        elif lines and re.match(r"test_\w+\(", lines[0]): problems.append(f"{page}: the page opens with a test")
    return problems

def main(nbs:Path=Path("nbs"), procd:Path=Path("_proc")) -> int:
    paths, problems = machine_paths(), []
    for nb in sorted(nbs.glob("*.ipynb")): problems += check_notebook(nb, procd / nb.name, paths)
    procs = sorted(p for p in procd.glob("*.ipynb") if (nbs / p.name).exists())  # not a page removed since
    anchors = {re.sub(r"^\d+[a-z]?_", "", p.stem) + ".html": documented(p) for p in procs}
    for p in procs: problems += reader_problems(p, anchors)
    problems += [f"{p}: {p.stat().st_size / 1e3:.0f} KB (limit {LIMIT / 1e3:.0f} KB)" for p in nbs.rglob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif") and p.stat().st_size > LIMIT]
    for p in problems: print(p, file=sys.stderr)
    print(f"docs check: {len(problems)} problem(s) in {len(list(nbs.glob('*.ipynb')))} notebooks", file=sys.stderr)
    return 1 if problems else 0

if __name__ == "__main__": sys.exit(main())
