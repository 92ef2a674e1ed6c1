"""Legacy encodings benchmark: each shipped document written in TCVN3, VNI-Windows, VIQR and
windows-1258 (``corpus.legacy.encode``; windows-1258 and TCVN3 also by glibc ``iconv``, an
independent writer), then read back by the .txt loader's detection. Printed: the encoding detected,
whether the text came back exactly (TCVN3: capitals with a tone mark in lower case, as its basic
font has none), the UTF-8 originals' false detections, and MB/s of detection + conversion.

    python eval/bench_legacy.py
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import legacy  # noqa: E402
from core.settings import PROJECT_ROOT  # noqa: E402

DOCUMENTS = sorted(p for p in (PROJECT_ROOT / "corpus" / "documents").iterdir() if p.suffix in (".txt", ".md"))
TONES = set("\u0300\u0301\u0303\u0309\u0323")


def lower_toned_capitals(text: str) -> str:
    return "".join(ch.lower() if ch.isupper() and TONES & set(unicodedata.normalize("NFD", ch)) else ch for ch in text)


def iconv(text: str, charset: str) -> bytes | None:
    done = subprocess.run(["iconv", "-f", "UTF-8", "-t", charset], input=text.encode(), capture_output=True)
    return done.stdout if done.returncode == 0 else None


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " ")).parse_args()  # --help, nothing else
    writers = [(e, "ours") for e in legacy.ENCODINGS] + [("cp1258", "iconv"), ("tcvn3", "iconv")]
    print("| document | " + " | ".join(f"{e} ({w})" for e, w in writers) + " | UTF-8 original |")
    print("|---|" + "---|" * (len(writers) + 1))
    exact = total = false = 0
    size = seconds = 0.0
    for path in DOCUMENTS:
        original = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
        cells = []
        for encoding, writer in writers:
            expected = lower_toned_capitals(original) if encoding == "tcvn3" else original
            if writer == "ours":
                data = legacy.encode(original, encoding)
            else:  # TCVN 5712 has no typographic quotes or dashes
                if encoding == "tcvn3":
                    expected = expected.translate(str.maketrans({"“": '"', "”": '"', "…": "...", "–": "-"}))
                data = iconv(expected, "TCVN5712-1" if encoding == "tcvn3" else "CP1258")
            started = time.perf_counter()
            found = legacy.decode_bytes(data)
            seconds += time.perf_counter() - started
            size += len(data)
            ok = found is not None and found.encoding == encoding and found.text == expected
            exact += ok
            total += 1
            cells.append(("✅ " if ok else "❌ ") + (found.encoding if found else "none"))
        found = legacy.decode_bytes(original.encode("utf-8"))
        repaired = legacy.repair_text(original)
        wrong = found.encoding != "utf-8" or found.text != original or repaired.encoding != "utf-8"
        false += wrong
        cells.append("❌ false detection" if wrong else "✅ utf-8")
        print(f"| {path.stem} | " + " | ".join(cells) + " |")
    print()
    print(f"exact round trips: {exact}/{total}; false detections on the UTF-8 originals: {false}/{len(DOCUMENTS)}; "
          f"detection + conversion {size / 1e6 / seconds:.1f} MB/s")


if __name__ == "__main__":
    main()
