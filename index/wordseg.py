"""Vietnamese word segmentation: pyvi's CRF model run with python-crfsuite alone.

``pyvi.ViTokenizer`` unpickles its model as a ``sklearn_crfsuite.CRF`` on import, which imports
scikit-learn, SciPy and pandas: 180 MB of each API worker's memory for a 0.8 MB model. Here the same
pickle is read with stand-ins for those two classes (only the model file's bytes are kept), the bytes
are opened by ``pycrfsuite.Tagger`` (what ``sklearn_crfsuite`` runs underneath), and pyvi's syllable
splitting, features and joining rules are pyvi's own (pyvi 0.1.1, MIT licence), so the words are the
same (tested on every shipped unit against ``pyvi.ViTokenizer``).

Example:
    >>> segment("Cải cách hành chính ở cấp xã")
    'Cải_cách hành_chính ở cấp xã'
"""

from __future__ import annotations

import importlib.util
import pickle
import re
import string
import unicodedata
from functools import lru_cache
from pathlib import Path


class _Stub:
    """Stands for ``sklearn_crfsuite``'s CRF and FileResource while the pickle is read: keeps their state."""

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if module.startswith("sklearn_crfsuite"):
            return _Stub
        return super().find_class(module, name)


def _models() -> Path:
    spec = importlib.util.find_spec("pyvi")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pyvi is not installed (its model files are read from its package)")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


_SYLLABLE = re.compile("(" + "|".join([
    r"[A-ZĐ]+\.", r"Tp\.", r"Mr\.", r"Mrs\.", r"Ms\.", r"Dr\.", r"ThS\.",  # abbreviations
    "==>", "->", r"\.\.\.", ">>", "\n",  # specials
    r"\w+://[^\s]+", r"([a-zA-Z0-9_.+-]+@([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)",  # web, e-mail
    r"\d+([\.,_]\d+)+", r"[^\w\s]", r"\w+",  # digits, non-word, word
]) + ")", re.UNICODE)


class Segmenter:
    """pyvi's word segmentation: syllables labelled B_W/I_W by its CRF, I_W joined to the word before by "_"."""

    def __init__(self, models: Path | None = None) -> None:
        import pycrfsuite

        models = models or _models()
        self.bi_grams: set[str] = set()
        self.tri_grams: set[str] = set()
        for token in (models / "words.txt").read_text(encoding="utf-8").split("\n"):
            parts = token.split(" ")
            if len(parts) == 2:
                self.bi_grams.add(token)
            elif len(parts) == 3:
                self.tri_grams.add(token)
        with (models / "pyvi3.pkl").open("rb") as handle:
            crf = _ModelUnpickler(handle).load()
        # the tagger reads the model where it lies: the bytes must live as long as it does
        self._model = crf.modelfile.__dict__["__FILE_RESOURCE_DATA__"]
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open_inmemory(self._model)

    def features(self, sent: list[str], i: int) -> dict:
        word = sent[i]
        features = {"bias": 1.0, "word.lower()": word.lower(), "word.isupper()": word.isupper(),
                    "word.istitle()": word.istitle(), "word.isdigit()": word.isdigit()}
        if i > 0:
            word1 = sent[i - 1]
            features.update({"-1:word.lower()": word1.lower(), "-1:word.istitle()": word1.istitle(),
                             "-1:word.isupper()": word1.isupper(),
                             "-1:word.bi_gram()": " ".join([word1, word]).lower() in self.bi_grams})
            if i > 1:
                features["-2:word.tri_gram()"] = " ".join([sent[i - 2], word1, word]).lower() in self.tri_grams
        if i < len(sent) - 1:
            word1 = sent[i + 1]
            features.update({"+1:word.lower()": word1.lower(), "+1:word.istitle()": word1.istitle(),
                             "+1:word.isupper()": word1.isupper(),
                             "+1:word.bi_gram()": " ".join([word, word1]).lower() in self.bi_grams})
            if i < len(sent) - 2:
                features["+2:word.tri_gram()"] = " ".join([word, word1, sent[i + 2]]).lower() in self.tri_grams
        return features

    def tokenize(self, text: str) -> str:
        """``text`` with the syllables of each word joined by "_" (pyvi's ``ViTokenizer.tokenize``)."""
        syllables = [m[0] for m in _SYLLABLE.findall(unicodedata.normalize("NFC", text))]
        if not syllables:
            return text
        labels = self.tagger.tag([self.features(syllables, i) for i in range(len(syllables))])
        out = syllables[0]
        for i in range(1, len(labels)):
            now, before = syllables[i], syllables[i - 1]
            if labels[i] == "I_W" and now not in string.punctuation and before not in string.punctuation \
                    and not now[0].isdigit() and not before[0].isdigit() \
                    and not (now[0].istitle() and not before[0].istitle()):
                out += "_" + now
            else:
                out += " " + now
        return out


@lru_cache(maxsize=1)
def segmenter() -> Segmenter:
    """The one segmenter of the process (its model read on first use)."""
    return Segmenter()


def segment(text: str) -> str:
    return segmenter().tokenize(text)
