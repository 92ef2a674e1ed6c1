"""Relations between stored documents, and which of them are in force.

Found in the text: the "Căn cứ" references (:attr:`Metadata.references`) that name a document
present in the corpus (``cites`` / ``cited_by``); clauses of the document itself that replace,
repeal or amend another ("Quyết định này … thay thế Quyết định số 12/QĐ-UBND", "Bãi bỏ Quyết
định số …", "sửa đổi, bổ sung một số điều của Quyết định số …"). Found in the metadata: a newer
annual plan of the same issuer and kind ("Kế hoạch công tác CCHC năm 2025" after "… năm 2022")
succeeds the older one. Set by an admin: ``replaced_by`` and ``in_force`` overrides win over both.

Pure functions over metadata and cleaned text; recomputed for the whole corpus at every index
build, so a document added later resolves the references of those stored before it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from corpus.model import Metadata
from corpus.text import fold, match_form
from corpus.vocab import ABBREVIATIONS, REF_KINDS, folded
from corpus.vocab import DOC_NUMBER_FORM as NUMBER
from corpus.vocab import OWN_DOCUMENT as _OWN
from corpus.vocab import REFERENCE_LINE as _REFERENCE_LINE
from corpus.vocab import RELATION_VERB as _VERB

# how a relation was found (stable codes, shown in the API)
CITES, REPLACES, REPEALS, AMENDS, ANNUAL, ADMIN = "can_cu", "thay_the", "bai_bo", "sua_doi", "ke_hoach_nam_sau", "quan_tri"

_NAMED = re.compile(rf"(?P<kind>{REF_KINDS})\s+(?:số\s*:?\s*)?(?P<number>{NUMBER})")
_SENTENCE_END = re.compile(r"[;\n]|\.(?:\s|$)")
_ARTICLE_START = re.compile(r"^\s*(?:Điều\s+\d+\.\s*|\d+\.\s*|[-–]\s*)?$")
_SHORT = {key: folded(ABBREVIATIONS[key]) for key in ("cchc", "tthc", "kh")}  # "cai cach hanh chinh"


@dataclass(frozen=True)
class Claim:
    """A relation the document states about another, by number: it replaces, repeals or amends it."""

    how: str  # REPLACES, REPEALS or AMENDS
    number: str
    text: str  # the clause as written


@dataclass(frozen=True)
class Link:
    """One relation to another stored document."""

    doc_id: str
    how: str  # CITES, REPLACES, REPEALS, AMENDS, ANNUAL or ADMIN
    note: str  # why, in Vietnamese: the clause, or "kế hoạch năm 2025 cùng cơ quan ban hành"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Relations:
    """A document's relations to the others, and whether it is in force."""

    cites: list[Link] = field(default_factory=list)
    cited_by: list[Link] = field(default_factory=list)
    replaces: list[Link] = field(default_factory=list)  # replaced or repealed by this document
    replaced_by: list[Link] = field(default_factory=list)
    amends: list[Link] = field(default_factory=list)
    amended_by: list[Link] = field(default_factory=list)
    in_force: bool = True
    set_by_admin: bool = False  # in_force or replaced_by was set by an admin


def number_key(number: str) -> str:
    """The form numbers are compared in: "1601 /QĐ-UBND-HC" → "1601/QD-UBND-HC".

    Example:
        >>> number_key("1601 /QĐ-UBND-HC") == number_key("1601/qđ-ubnd-hc")
        True
    """
    return re.sub(r"\s+", "", fold(number)).upper()


def find_claims(text: str) -> list[Claim]:
    """The replace, repeal and amend clauses a document states about itself.

    Only clauses whose sentence speaks of this document ("Quyết định này … thay thế …") or that
    open an article or item ("Điều 3. Bãi bỏ …"): a plan's task "tham mưu sửa đổi Quyết định số …"
    is work to do, not a relation. "Căn cứ" lines and passive phrases ("được sửa đổi, bổ sung bởi …",
    about two other documents) are left out.

    Example:
        >>> [(c.how, c.number) for c in find_claims("Điều 3. Quyết định này có hiệu lực kể từ ngày ký và thay thế "
        ...                                          "Quyết định số 12/QĐ-UBND ngày 5/1/2020 của UBND tỉnh.")]
        [('thay_the', '12/QĐ-UBND')]
    """
    claims: list[Claim] = []
    for line in text.split("\n"):
        if _REFERENCE_LINE.match(line):
            continue
        for verb in _VERB.finditer(line):
            before = line[:verb.start()]
            sentence_start = max(before.rfind(". "), before.rfind(";")) + 1
            head = before[sentence_start:]
            if re.search(r"\b(?:được|bị|đã)\s*$", head) or not (_OWN.search(head) or _ARTICLE_START.match(head)):
                continue
            rest = line[verb.end():]
            end = _SENTENCE_END.search(rest)
            clause = rest[:end.start()] if end else rest
            if re.search(r"\bbởi\b", clause[:20]):
                continue
            how = {"t": REPLACES, "b": REPEALS}.get(fold(verb.group("verb"))[0].lower(), AMENDS)
            for named in _NAMED.finditer(clause):
                number = re.sub(r"\s+", "", named.group("number"))
                claims.append(Claim(how, number, " ".join((verb.group("verb") + clause).split())[:300]))
    return claims


def annual_plan(meta: Metadata) -> tuple[str, int] | None:
    """(series, year) of a one-year plan: the issuer and the title without its year and wording that
    varies ("ban hành", "công tác", CCHC spelled out); None for anything else (a "giai đoạn" plan,
    a scheme).

    Example:
        >>> m = Metadata("Quyết định", None, "UBND tỉnh Quảng Nam", "Quảng Nam", "2021-12", "tháng 12/2021",
        ...              "Ban hành kế hoạch công tác cải cách hành chính năm 2022", None, attachments=["Kế hoạch"])
        >>> annual_plan(m)
        ('ubnd tinh quang nam|ke hoach cai cach hanh chinh nam', 2022)
    """
    if "Kế hoạch" not in [meta.doc_type, *meta.attachments]:
        return None
    title = fold(match_form(meta.title))
    years = re.findall(r"\bnam ((?:19|20)\d{2})\b", title)
    if len(years) != 1 or len(set(re.findall(r"\b(?:19|20)\d{2}\b", title))) != 1 or "giai doan" in title:
        return None
    words = re.sub(r"[^a-z0-9 ]+", " ", title).split()
    words = [w for word in words for w in _SHORT.get(word, word).split()]
    series = " ".join(words)
    for noise in ("ban hanh ", "cong tac ", "nha nuoc ", "thuc hien "):
        series = series.replace(noise, "")
    series = re.sub(r"\b(?:cua )?(?:tinh|thanh pho)\b.*?(?=\bnam\b)", "", series)
    series = re.sub(r"\b(?:cua )?(?:tinh|thanh pho)\b[a-z ]*$", "", series.replace(years[0], ""))
    series = re.sub(r"\s+", " ", series).strip()
    issuer = fold(match_form(meta.issuer or meta.province or ""))
    return f"{issuer}|{series}", int(years[0])


class _Numbers:
    """Stored documents by number, for resolving the numbers the texts name."""

    def __init__(self, docs: dict[str, Metadata]) -> None:
        self.exact: dict[str, list[str]] = {}
        self.by_head: dict[str, list[str]] = {}
        for doc_id, meta in docs.items():
            if meta.number:
                key = number_key(meta.number)
                self.exact.setdefault(key, []).append(doc_id)
                self.by_head.setdefault(self._head(key), []).append(doc_id)
        self.docs = docs

    @staticmethod
    def _head(key: str) -> str:
        # "1601/QD-UBND-HC" → "1601/QD": the number and the kind of document, without the issuer's code
        return re.sub(r"^(\d+)[/-](?:\d{4}/)?([A-Z]+).*$", r"\1/\2", key)

    def find(self, number: str, date: str | None = None) -> str | None:
        key = number_key(number)
        found = self.exact.get(key) or []
        if not found:
            # "1601/QĐ-UBND" for a document numbered "1601/QĐ-UBND-HC": the same only when the date agrees
            found = [d for d in self.by_head.get(self._head(key), []) if date and _same_day(date, self.docs[d].date)]
        return found[0] if len(found) == 1 else None


def _same_day(written: str, iso: str | None) -> bool:
    parts = re.findall(r"\d+", written)
    if not iso or len(parts) != 3:
        return False
    return f"{int(parts[2]):04d}-{int(parts[1]):02d}-{int(parts[0]):02d}" == iso


def resolve(docs: dict[str, Metadata], texts: dict[str, str], overrides: dict[str, dict] | None = None) -> dict[str, Relations]:
    """Every document's relations to the others in ``docs``.

    Args:
        docs: metadata of every stored document (admin overrides of number and date already applied).
        texts: their cleaned texts (for the replace, repeal and amend clauses).
        overrides: admin corrections by document id; ``replaced_by`` (a list of ids) replaces what was
            found, ``in_force`` (True/False) decides validity.
    """
    overrides = overrides or {}
    out = {doc_id: Relations() for doc_id in docs}
    numbers = _Numbers(docs)

    def link(source: str, target: str, how: str, forward: str, backward: str, note: str, back_note: str) -> None:
        if source == target or any(x.doc_id == target for x in getattr(out[source], forward)):
            return
        getattr(out[source], forward).append(Link(target, how, note))
        getattr(out[target], backward).append(Link(source, how, back_note))

    for doc_id, meta in docs.items():
        for ref in meta.references:
            target = numbers.find(ref.number, ref.date) if ref.number else None
            if target:
                link(doc_id, target, CITES, "cites", "cited_by", f"Căn cứ {ref.title}", f"được {doc_id} nêu tại phần căn cứ")
        for claim in find_claims(texts.get(doc_id, "")):
            target = numbers.find(claim.number)
            if not target:
                continue
            if claim.how == AMENDS:
                link(doc_id, target, AMENDS, "amends", "amended_by", claim.text, claim.text)
            else:
                link(doc_id, target, claim.how, "replaces", "replaced_by", claim.text, claim.text)

    series: dict[str, list[tuple[int, str]]] = {}
    for doc_id, meta in docs.items():
        plan = annual_plan(meta)
        if plan:
            series.setdefault(plan[0], []).append((plan[1], doc_id))
    for plans in series.values():
        plans.sort()
        for (year, older), (newer_year, newer) in zip(plans, plans[1:]):
            if newer_year > year:
                link(newer, older, ANNUAL, "replaces", "replaced_by",
                     f"kế hoạch năm {year} trước, cùng cơ quan ban hành",
                     f"kế hoạch năm {newer_year} cùng cơ quan ban hành thay cho kế hoạch năm {year}")

    for doc_id, override in overrides.items():
        if doc_id not in out or "replaced_by" not in override:
            continue
        # the admin's list wins: what the text suggested is dropped, in both directions
        for old in out[doc_id].replaced_by:
            out[old.doc_id].replaces = [x for x in out[old.doc_id].replaces if x.doc_id != doc_id]
        out[doc_id].replaced_by = []
        out[doc_id].set_by_admin = True
        for target in override["replaced_by"] or []:
            if target in out:
                link(target, doc_id, ADMIN, "replaces", "replaced_by", "quản trị viên xác định", "quản trị viên xác định")
    for doc_id, rel in out.items():
        rel.in_force = not rel.replaced_by
        if "in_force" in overrides.get(doc_id, {}) and overrides[doc_id]["in_force"] is not None:
            rel.in_force = bool(overrides[doc_id]["in_force"])
            rel.set_by_admin = True
    return out
