"""Typed records shared by every stage: a document, its metadata, and its citable units."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Reference:
    """A document cited in a "Căn cứ" line: ``Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ``."""

    kind: str  # Luật, Nghị quyết, Quyết định, Kế hoạch, Tờ trình, ...
    number: str | None  # "76/NQ-CP"; None when the line names a law without a number
    date: str | None  # "15/7/2021" as written, or None
    issuer: str | None  # "Chính phủ", "Tỉnh ủy Quảng Nam", ...
    title: str  # the whole reference as written, cleaned


READ = "read"
GUESSED = "guessed"
CORRECTED = "corrected"
SOURCED_FIELDS = ("doc_type", "title", "number", "date", "issuer", "province", "signer")


@dataclass
class Metadata:
    """What a document says about itself, plus what its sidecar adds.

    ``sources`` tells, for each of :data:`SOURCED_FIELDS` that has a value, where it came from:

    - ``"read"``: stated by the document itself where such a field is stated — the header block
      (agency line, "Số:", place-and-date line, kind word in capitals, trích yếu), the signature
      block for the signer, an attachment line "(Kèm theo Quyết định số …)";
    - ``"guessed"``: inferred — from the body text (a province named most often), a portal
      metadata box, a sidecar, the file name, or a default such as the kind "Văn bản";
    - ``"corrected"``: set by an admin (PATCH …/metadata, the console).

    A field without a value has no entry. Metadata stored before sources existed has none at
    all: treat every field as guessed. Only a ``read`` or ``corrected`` field may be trusted to
    refuse a question (:meth:`is_read`); a guessed one is a hint for ranking and display.

    Example:
        >>> m = Metadata("Kế hoạch", None, None, "Phú Yên", None, None, "Kế hoạch CCHC", None,
        ...              sources={"doc_type": "read", "province": "guessed"})
        >>> m.is_read("doc_type"), m.is_read("province"), m.is_read("title")
        (True, False, False)
    """

    doc_type: str  # Quyết định, Kế hoạch, Đề án, ...
    number: str | None  # None means the number is blank in the text: unknown, never invented
    issuer: str | None
    province: str | None
    date: str | None  # ISO "2021-10-21" when whole, else partial as "2022-05" or "2022"
    date_text: str | None  # as a civil servant writes it: "21/10/2021", "tháng 5/2022"
    title: str  # trích yếu
    signer: str | None
    references: list[Reference] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)  # "Đề án", "Kế hoạch" carried by a Quyết định
    ocr_pages: int = 0  # pages recognised by OCR (a scan, a photo)
    ocr_units: list[str] = field(default_factory=list)  # ids of the units whose text was recognised by OCR
    encoding: str = ""  # the legacy encoding the text was converted from (tcvn3, vni, viqr, cp1258), if any
    sources: dict[str, str] = field(default_factory=dict)  # field -> "read" | "guessed" | "corrected"

    def is_read(self, name: str) -> bool:
        """Does field ``name`` hold a value the document states (or an admin set), not a guess?"""
        return bool(getattr(self, name, None)) and self.sources.get(name) in (READ, CORRECTED)

    @property
    def number_display(self) -> str:
        """The number, or a plain statement that it is unknown."""
        return self.number or "chưa rõ số hiệu"

    @property
    def year(self) -> int | None:
        """Year of issue, if known."""
        return int(self.date[:4]) if self.date else None

    def citation_name(self) -> str:
        """How a civil servant names the document.

        "Quyết định số 2370/QĐ-UBND ngày 19/8/2021 của UBND tỉnh Quảng Nam"; a scheme attached to a
        decision: "Đề án kèm theo Quyết định số 1601/QĐ-UBND-HC ..."; without a number, the title
        names it: "Quyết định ban hành Kế hoạch ... (tháng 12/2021) của UBND tỉnh Quảng Nam".
        """
        issuer = f" của {self.issuer}" if self.issuer else ""
        if self.number:
            when = ""
            if self.date_text:
                when = (" ngày " if self.date_text[0].isdigit() else " ") + self.date_text
            carrier = "/QĐ" in self.number and self.doc_type != "Quyết định"
            head = f"{self.doc_type} kèm theo Quyết định" if carrier else self.doc_type
            return f"{head} số {self.number}{when}{issuer}"
        title = self.title[:1].lower() + self.title[1:] if self.title else ""
        when = f" ({self.date_text})" if self.date_text else ""
        return f"{self.doc_type} {title}{when}{issuer}".replace("  ", " ")


@dataclass
class Segment:
    """One citable unit of a document.

    ``text`` is the cleaned text shown and quoted; ``context`` is the heading text that a small
    bullet needs to be understood (searched, not quoted). ``start``/``end`` are character offsets
    in the document's cleaned text.
    """

    id: str
    doc_id: str
    ordinal: int
    kind: str  # article, clause, point, section, bullet, paragraph, table_row, target
    label: str  # "Điều 1, mục I.1", "Phụ lục I, nhiệm vụ 3.31"
    breadcrumb: list[str]
    text: str
    start: int
    end: int
    context: str = ""
    parent_label: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Document:
    """A loaded, cleaned and segmented document, ready to store."""

    id: str
    path: str
    content_hash: str
    raw_text: str  # the original text as loaded (for display)
    text: str  # cleaned text, offsets of segments refer to it
    metadata: Metadata
    segments: list[Segment]
