"""Which .doc reader: antiword, catdoc and LibreOffice headless on the shipped documents saved as
Word 97–2003 files. Each document's cleaned text becomes a .docx (python-docx: one paragraph a line,
tab-separated appendix rows as a real Word table), LibreOffice saves it as .doc, and each reader
turns the .doc back into text. Printed per reader: character error rate against the text
(whitespace collapsed), the share of table rows that come back as one tab-separated line (what
``corpus.tables`` reads), and seconds per file. Needs the three tools (LibreOffice only here).

    python eval/bench_doc_readers.py
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.clean import clean_text  # noqa: E402
from corpus.load import load_file  # noqa: E402
from core.settings import PROJECT_ROOT  # noqa: E402
from eval.bench_ocr import errors, flat  # noqa: E402

DOCUMENTS = sorted(p for p in (PROJECT_ROOT / "corpus" / "documents").iterdir() if p.suffix in (".txt", ".md"))
READERS = {
    "antiword": lambda path: ["antiword", "-w", "0", "-m", "UTF-8.txt", str(path)],
    "catdoc": lambda path: ["catdoc", "-w", "-d", "utf-8", str(path)],
    "libreoffice": None,
}


def to_docx(text: str, path: Path) -> list[list[str]]:
    import docx

    document = docx.Document()
    rows: list[list[str]] = []
    block: list[list[str]] = []

    def flush() -> None:
        if block:
            width = max(len(r) for r in block)
            table = document.add_table(rows=len(block), cols=width)
            for row, cells in zip(table.rows, block):
                for cell, value in zip(row.cells, cells):
                    cell.text = value
            rows.extend(block)
            block.clear()

    for line in text.split("\n"):
        if "\t" in line:
            block.append([" ".join(c.split()) for c in line.split("\t")])
        else:
            flush()
            document.add_paragraph(line)
    flush()
    document.save(path)
    return rows


def read(reader: str, path: Path, out: Path) -> str:
    if reader == "libreoffice":
        subprocess.run(["soffice", "--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(out), str(path)],
                       check=True, capture_output=True)
        return (out / (path.stem + ".txt")).read_text(encoding="utf-8")
    return subprocess.run(READERS[reader](path), check=True, capture_output=True).stdout.decode("utf-8", "replace")


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " ")).parse_args()  # --help, nothing else
    missing = [tool for tool in ("antiword", "catdoc", "soffice") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"needs {', '.join(missing)} (apt-get install antiword catdoc libreoffice-writer-nogui)")
    totals = {r: {"edits": 0, "chars": 0, "rows": 0, "rows_kept": 0, "seconds": 0.0, "files": 0} for r in READERS}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for source in DOCUMENTS:
            loaded = load_file(source, max_bytes=10**8)
            text = clean_text(loaded.text, fmt=loaded.fmt).text
            rows = to_docx(text, tmp / f"{source.stem}.docx")
            subprocess.run(["soffice", "--headless", "--convert-to", "doc", "--outdir", str(tmp),
                            str(tmp / f"{source.stem}.docx")], check=True, capture_output=True)
            doc = tmp / f"{source.stem}.doc"
            for reader in READERS:
                started = time.perf_counter()
                got = read(reader, doc, tmp / reader)
                t = totals[reader]
                t["seconds"] += time.perf_counter() - started
                t["files"] += 1
                counts = errors(flat(got), flat(text))
                t["edits"] += counts["edits"]
                t["chars"] += counts["chars"]
                lines = {"\t".join(c.strip() for c in line.split("\t") if c.strip()) for line in got.split("\n")}
                t["rows"] += len(rows)
                t["rows_kept"] += sum(1 for r in rows if "\t".join(c for c in r if c) in lines)
            print(f"{source.stem}: {len(rows)} table rows", flush=True)
    print()
    print("| reader | CER | table rows as one tab-separated line | seconds per file |")
    print("|---|---|---|---|")
    for reader, t in totals.items():
        kept = t["rows_kept"] / t["rows"] if t["rows"] else 1.0
        print(f"| {reader} | {t['edits'] / t['chars']:.3%} | {kept:.0%} | {t['seconds'] / t['files']:.2f} |")


if __name__ == "__main__":
    main()
