"""The Vietnamese administrative vocabulary every stage shares: stop words and fillers, kinds of
document and their abbreviations, agencies, dates and periods, quantities, provinces and their aliases.

One place to add a word: a new kind of document goes in :data:`DOC_KINDS` (and in the subsets that
should see it), a new agency name in :data:`DEPARTMENTS` or :data:`AGENCY_HEADS`, a new spelling of a
province in :data:`PLACE_ALIASES`. Stages that need a narrower list take a named subset of these
tables (each subset says who reads it), so a change to one stage's list is a visible choice.

Folded forms (``fold(match_form(x))``: lowercase, no diacritics, đ → d) are what questions are
matched on, so a question typed without diacritics finds the same words. No I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.text import fold, match_form

__all__ = [
    "AGENCY_HEADS", "AGENCY_MENTION", "AGENCY_NAME", "AGENCY_OR_ROLE", "AGENCY_LINE_START", "DATE_MENTION",
    "DATE_SPANS", "DEPARTMENTS", "DETAILS", "DOC_KINDS", "DOC_NUMBER", "DOC_NUMBER_MENTION", "DocKind", "FACT_KINDS",
    "FAQ_FILLER", "FOLLOWUP_FILLER", "HEADER_KINDS", "MEASURES", "MONEY", "NOT_AMOUNT_BEFORE", "NUMBERED_ITEM", "NUMBER_MENTION",
    "PART_KIND_PATTERN", "PERCENT", "PERIOD_AT_END", "PLACES", "PLACE_ALIASES", "PROVINCES", "QUANTITY",
    "QUANTITY_AFTER", "QUANTITY_BEFORE", "COUNT", "REFERENCE_KINDS", "REF_KINDS", "STOP_WORDS", "FACT_STOP_WORDS",
    "TARGET", "TIME_MENTION", "TOPIC_STOP_WORDS", "TYPE_ABBREVIATIONS", "TYPE_WORDS", "YEAR", "folded", "kind_forms",
    "places_in", "resolve_place", "ACHIEVED", "ASKS_ABOUT_DOCUMENT", "ASKS_AMOUNT", "ASKS_CONTACT", "ASKS_ISSUANCE",
    "ASKS_NAME", "ASKS_QUANTITY", "ASKS_RATE", "ASKS_RESULT", "DATE_LINE", "ISSUE_YEAR", "NUMBER_WITH_YEAR",
    "NUMBER_YEAR_ASKED", "PERIOD_ASKED", "PERSON_NAMED", "YEAR_RANGE", "ABBREVIATIONS", "ANSWER_SPANS", "AnswerSpan",
    "ASKS_COUNT", "ASKS_DATE", "ASKS_DOC_NUMBER", "ASKS_RECIPIENT", "LEAD_AFTER", "LEAD_BEFORE", "QUESTION_KINDS",
    "RECIPIENT_BEFORE", "AT_LEAST", "AT_MOST", "CITIES", "DEPARTMENT_ABBREVIATIONS", "NEGATION", "QUESTION_WORDS",
    "YES_NO_QUESTION", "ATTACHED_TO", "DOC_NUMBER_FORM", "ISSUE_DATE_FULL", "ISSUE_DATE_MONTH", "ISSUE_DATE_YEAR",
    "NATIONAL_MOTTO", "OWN_DOCUMENT", "REFERENCE_DATE", "REFERENCE_ISSUER", "REFERENCE_LINE", "RELATION_VERB", "SIGNER_TITLE",
]


def folded(text: str) -> str:
    """The matching form without diacritics: ``folded("Quyết định")`` is ``"quyet dinh"``."""
    return fold(match_form(text))


# --- stop words and fillers (folded) ----------------------------------------------------------------

# glue that says nothing about what a sentence is about (quote scoring in hoidap.compose)
# what a question asserts or asks about, less its frame: the yes/no particles, question words and the words that
# name a document ("có … không", "bao nhiêu", "kế hoạch của tỉnh … năm …"); folded, and as typed with diacritics
# ("cần" is a particle, "cán" (bộ) is not) (hoidap.shape)
CLAIM_FILLERS = frozenset("co khong chua da dang se can phai duoc nen hay dung la a nhi vay ha nhe nha khi van ban ke hoach "
                          "de an quyet dinh cua trong theo ve cho cac nhung va voi tai tinh nam thi o "
                          "bao nhieu gi nao ai dau muc".split())
CLAIM_FILLERS_TONED = frozenset("có không chưa đã đang sẽ cần phải được nên hay đúng là à nhỉ vậy hả nhé nha khi văn bản "
                                "kế hoạch đề án quyết định của trong theo về cho các những và với tại tỉnh năm thì ở a ạ "
                                "bao nhiêu gì nào ai đâu mức".split())
STOP_WORDS = frozenset("cua va la cac co nhung duoc trong cho voi ve theo tai nao gi khong thi sao nhu the hay bao"
                       .split())
# the same words with their tones: "thẻ", "thể" and "thế" fold alike, only "thế" is glue (hoidap.quotes)
STOP_WORDS_TONED = frozenset("của và là các có những được trong cho với về theo tại nào gì không thì sao như thế hay bao"
                             .split())
# --- list questions (hoidap.lists) ---
# "những nhiệm vụ nào", "các đề án gì", "có trách nhiệm gì": the list asked and the noun it lists (folded)
LIST_PHRASE = re.compile(r"\b(?:(?:nhung|cac)((?: \w+){1,4}?) (?:nao|gi)|gom (?:nhung|co) (?:gi|nao|noi dung nao)|"
                         r"(?:bao gom|gom) nhung (\w+(?: \w+)?)(?: nao| gi)?|liet ke|"
                         r"co ((?:nhiem vu|trach nhiem|nhung viec|cong viec|noi dung|quyen han)(?: \w+)?) gi)\b")
# nouns whose list is one table cell or one fact, not units: "những cơ quan nào phối hợp", "các năm nào"
NOT_LISTS = re.compile(r"^\s*(?:co quan|don vi|so|ai|ca nhan|to chuc|nam|thang|quy|ngay|thoi gian|thoi han)\b")
# what an agency is given to do: a list of these of one agency is under its heading and in the rows it leads
LIST_DUTIES = re.compile(r"^(?:nhiem vu|trach nhiem|viec|cong viec|hoat dong|phan viec|quyen han|nhung viec)\b")
# words of a list question that say it is one, not what it is about
LIST_WORDS = frozenset("nhung cac gom bao liet ke nao gi co duoc giao nhiem vu trach".split())
LIST_GLUE = STOP_WORDS | frozenset("la o dau ai may nhieu ra dat de".split())  # "đặt ra", "đề ra"
# the same, as typed with diacritics: a question typed with them is compared with them ("trọng tâm" is not "trong")
LIST_GLUE_TONED = STOP_WORDS_TONED | frozenset("ở đâu ai mấy nhiều ra đặt đề gồm liệt kê giao nhiệm vụ trách".split())

# ... and the question words of a fact question (hoidap.facts: which words of the question a fact's clause shares)
FACT_STOP_WORDS = STOP_WORDS | frozenset("nhieu may ai dau khi gio phai muc lau mot lan".split())
# question words and glue that say nothing about the topic (index.answerability coverage, index.abstain)
TOPIC_STOP_WORDS = frozenset(
    "la gi nao bao nhieu khi nao the nao co khong cua va cac nhung duoc trong cho voi ve theo tai thi sao "
    "nhu hay o dau ai may muc phai lam viec hien nay lay tu den ra vay chua roi nhe a oi ha gom nen can "
    "se bi do kia day luc".split())
# words that carry no content in a question: politeness, pronouns, question frames (hoidap.faq paraphrases)
FAQ_FILLER = frozenset("""
a ah ạ oi xin cho toi minh em anh chi ban hoi hay giup voi nhe nha vay the thi la gi nhu nao duoc biet muon
can_hoi cua cac nhung mot se da dang ve tai o trong theo va hoac rang thuc_ra vui long
""".split())
# what a bare follow-up says besides its entity: "còn … thì sao?", "vậy với … ra sao" (hoidap.followup);
# it includes the words of the kinds of document a follow-up names ("đề án", "QĐ", "tờ trình")
FOLLOWUP_FILLER = frozenset({"con", "the", "vay", "ve", "thi", "sao", "ra", "nhu", "nao", "nua", "voi", "o", "cua",
                             "tinh", "nam", "de", "an", "quyet", "dinh", "qd", "ke", "hoach", "kh", "to", "trinh",
                             "so", "va"})


# --- kinds of document ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DocKind:
    """A kind of document as written in its heading ("Quyết định") and the abbreviations officers
    type for it ("QĐ"), as written; :attr:`forms` gives them folded."""

    name: str
    abbreviations: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        """The folded name, then the folded abbreviations: ``("quyet dinh", "qd")``."""
        return (folded(self.name), *(folded(a) for a in self.abbreviations))


DOC_KINDS: dict[str, DocKind] = {kind.name: kind for kind in [
    DocKind("Quyết định", ("QĐ",)), DocKind("Kế hoạch", ("KH",)), DocKind("Đề án", ("ĐA",)),
    DocKind("Nghị quyết", ("NQ",)), DocKind("Chỉ thị", ("CT",)), DocKind("Thông báo", ("TB",)),
    DocKind("Công văn", ("CV",)), DocKind("Quy định", ()), DocKind("Quy chế", ()), DocKind("Chương trình", ("CTr",)),
    DocKind("Hướng dẫn", ("HD",)), DocKind("Báo cáo", ("BC",)), DocKind("Tờ trình", ("TTr",)), DocKind("Luật", ()),
    DocKind("Bộ luật", ()), DocKind("Nghị định", ("NĐ",)), DocKind("Thông tư", ("TT",)), DocKind("Sổ tay", ()),
    DocKind("Kết luận", ("KL",)), DocKind("Công điện", ("CĐ",)), DocKind("Văn bản", ("VB",)),
]}


def kind_forms(names: tuple[str, ...] | list[str], abbreviations: tuple[str, ...] = ()) -> list[str]:
    """The folded forms of the kinds ``names``, each followed by those of its abbreviations that are
    in ``abbreviations`` (as written in :data:`DOC_KINDS`).

    Example:
        >>> kind_forms(("Quyết định", "Đề án"), abbreviations=("QĐ",))
        ['quyet dinh', 'qd', 'de an']
    """
    out = []
    for name in names:
        kind = DOC_KINDS[name]
        out.append(folded(kind.name))
        out += [folded(a) for a in kind.abbreviations if a in abbreviations]
    return out


# the heading line that names a document's kind ("QUYẾT ĐỊNH"), in the order corpus.metadata tries them
HEADER_KINDS: list[str] = ["Quyết định", "Kế hoạch", "Đề án", "Nghị quyết", "Chỉ thị", "Thông báo", "Công văn",
                           "Quy định", "Quy chế", "Chương trình", "Hướng dẫn", "Báo cáo", "Tờ trình", "Luật",
                           "Nghị định", "Thông tư", "Sổ tay", "Công điện", "Kết luận", "Bộ luật"]
# the kinds a "Căn cứ" line cites (corpus.metadata references, corpus.relations), as a regex alternation
REFERENCE_KINDS: tuple[str, ...] = ("Luật", "Bộ luật", "Nghị quyết", "Nghị định", "Quyết định", "Thông tư", "Chỉ thị",
                                    "Kế hoạch", "Kết luận", "Chương trình", "Tờ trình", "Công văn", "Hướng dẫn", "Đề án")
REF_KINDS = "|".join(REFERENCE_KINDS)
# the kinds a "… số mấy?" question asks the number of (hoidap.facts), folded
FACT_KINDS: tuple[str, ...] = tuple(kind_forms(("Tờ trình", "Quyết định", "Kế hoạch", "Công văn", "Nghị quyết",
                                                "Thông báo", "Kết luận", "Quy định", "Chỉ thị", "Đề án", "Văn bản")))
# a document named with its kind and number in a question: "đề án 1601", "QĐ số 905" (hoidap.parts)
PART_KIND_PATTERN = "(?:" + "|".join(kind_forms(
    ("Đề án", "Quyết định", "Kế hoạch", "Tờ trình", "Nghị quyết", "Công văn", "Chỉ thị"),
    abbreviations=("QĐ", "KH", "TTr", "NQ"))) + ")"
# … and its number, in a folded question: group 1 the number ("de an 1601", "qd so 905" → "1601", "905")
NAMED_DOC_NUMBER = re.compile(rf"\b{PART_KIND_PATTERN}\s+(?:so\s+)?(\d{{2,5}})\b")
# kinds of document a question dates by year ("Kế hoạch CCHC năm 2024"), folded → name (index.answerability)
TYPE_WORDS: dict[str, str] = {folded(n): n for n in ("Kế hoạch", "Đề án", "Quyết định", "Chương trình")}
TYPE_ABBREVIATIONS: dict[str, str] = {folded(a): n for n in ("Kế hoạch", "Quyết định") for a in DOC_KINDS[n].abbreviations}


# --- abbreviations -----------------------------------------------------------------------------------

# what officers abbreviate, spelled out the same way in questions and documents (index.tokenize; index.restore
# and eval.styles read them too); keys lower case as written
ABBREVIATIONS: dict[str, str] = {
    "cchc": "cải cách hành chính",
    "tthc": "thủ tục hành chính",
    "ubnd": "ủy ban nhân dân",
    "hđnd": "hội đồng nhân dân",
    "cbccvc": "cán bộ công chức viên chức",
    "cbcc": "cán bộ công chức",
    "ccvc": "công chức viên chức",
    "dvc": "dịch vụ công",
    "dvctt": "dịch vụ công trực tuyến",
    "cđs": "chuyển đổi số",
    "cntt": "công nghệ thông tin",
    "đtbd": "đào tạo bồi dưỡng",
    "snv": "sở nội vụ",
    "bnv": "bộ nội vụ",
    "qđ": "quyết định",
    "kh": "kế hoạch",
    "nq": "nghị quyết",
    "nđ": "nghị định",
    "ttr": "tờ trình",
    "ttg": "thủ tướng chính phủ",
    "par index": "chỉ số cải cách hành chính",
    "par-index": "chỉ số cải cách hành chính",
    "sipas": "chỉ số hài lòng của người dân tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước",
    "papi": "chỉ số hiệu quả quản trị và hành chính công cấp tỉnh",
    "pci": "chỉ số năng lực cạnh tranh cấp tỉnh",
    "dti": "chỉ số chuyển đổi số",
    "ddci": "chỉ số năng lực cạnh tranh cấp sở ban ngành",
    "egi": "chỉ số ứng dụng công nghệ thông tin",
    "ict-index": "chỉ số sẵn sàng cho phát triển và ứng dụng công nghệ thông tin",
    "tttt": "thông tin và truyền thông",
    "sở tttt": "sở thông tin và truyền thông",
    "tnmt": "tài nguyên và môi trường",
    "khđt": "kế hoạch và đầu tư",
    "lđtbxh": "lao động thương binh và xã hội",
    "vpubnd": "văn phòng ủy ban nhân dân",
    "csdl": "cơ sở dữ liệu",
    "ioc": "trung tâm điều hành đô thị thông minh",
    "ppp": "đối tác công tư",
}


# --- how a document writes about itself and others (corpus.metadata, corpus.relations) ----------------------

# the national motto above a header ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc")
NATIONAL_MOTTO = re.compile(r"CỘNG H(?:ÒA|OÀ) XÃ HỘI CHỦ NGHĨA|Độc lập\s*[-–]\s*Tự do", re.I)
# a document number as a header or a "Căn cứ" line writes it ("1601/QĐ-UBND-HC"), a pattern to put inside others
DOC_NUMBER_FORM = r"\d{1,5}\s*[/-]\s*(?:\d{4}/)?[A-ZĐ][\wĐđ&]*(?:[-/][\wĐđ&]+)*"
# a line that only names a document by kind and number, then its year, date or subject ("Quyết định 3303/QĐ-BTP năm
# 2025 công bố …", "Quyết định 76/2025/QĐ-UBND bãi bỏ …"), no sentence,
# as a portal heads its footer (corpus.boilerplate)
DOCUMENT_NAME_LINE = re.compile(rf"^(?:{'|'.join(HEADER_KINDS)})\s+(?:số\s+)?{DOC_NUMBER_FORM}\s+(?:năm\b|ngày\b|[a-zđà-ỹ])[^.]*$")
# "(Ban hành kèm theo Quyết định số …)": the document an annex or a rule belongs to
ATTACHED_TO = re.compile(r"\((?:Ban hành )?[Kk]èm theo (Quyết định|Nghị quyết|Kế hoạch)\s+số\s*:?\s*([^()]*?)\s*(?:ngày|$)([^()]*)\)?", re.S)
# the header's date line: a full date, a month and year, a year (the day and month left blank)
ISSUE_DATE_FULL = re.compile(r"ngày\s*(\d{1,2})\s*(?:tháng\s*|/\s*)(\d{1,2})\s*(?:năm\s*|/\s*)(\d{4})")
ISSUE_DATE_MONTH = re.compile(r"ngày\s*(?:tháng\s*)?(?:/\s*)?(\d{1,2})\s*(?:năm\s*|/\s*)(\d{4})")
ISSUE_DATE_YEAR = re.compile(r"ngày\s+tháng\s+năm\s+(\d{4})")
# the date and the issuer of a document a "Căn cứ" line cites
REFERENCE_DATE = re.compile(r"ngày\s+(\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4})")
REFERENCE_ISSUER = re.compile(r"\bcủa\s+((?:Ban Thường vụ |Ban Chấp hành Trung ương |BCH Trung ương |Bộ trưởng |Thủ tướng )?"
                              r"(?:Chính phủ|Quốc hội|Bộ Chính trị|Tỉnh ủy(?: [A-ZĐ][\wà-ỹ]+(?: [A-ZĐ][\wà-ỹ]+)?)?|Ủy ban nhân dân tỉnh|"
                              r"UBND tỉnh|Hội đồng nhân dân tỉnh|HĐND tỉnh|Bộ [A-ZĐ][\wà-ỹ]+(?: [\wà-ỹ]+){0,3}|Đảng|Trung ương Đảng))")
# the title above a signature ("KT. CHỦ TỊCH", "GIÁM ĐỐC")
SIGNER_TITLE = re.compile(r"^[A-ZĐÀ-Ỹ. ]*(?:CHỦ TỊCH|GIÁM ĐỐC|BỘ TRƯỞNG|TRƯỞNG BAN)$")
# a document's own clause that replaces, repeals or amends another, and the lines that cite rather than state
RELATION_VERB = re.compile(r"(?P<verb>thay thế|bãi bỏ|sửa đổi,? bổ sung)", re.I)
REFERENCE_LINE = re.compile(r"^\s*(?:Căn cứ|Theo đề nghị|Xét đề nghị)", re.I)
OWN_DOCUMENT = re.compile(r"\b(?:Quyết định|Kế hoạch|Nghị quyết|Chỉ thị|Văn bản|Quy định|Quy chế|Chương trình|Đề án|Thông tư|"
                          r"Nghị định) này\b", re.I)


# --- agencies -----------------------------------------------------------------------------------------

# the words an agency's name starts with
AGENCY_HEADS: tuple[str, ...] = ("Sở", "Ủy ban", "UBND", "Văn phòng", "Trường", "Ban", "Bộ", "Phòng", "Trung tâm",
                                 "Công an", "Chủ tịch", "Giám đốc")
# a piece that names an agency (hoidap.compose: quotes for "cơ quan nào")
AGENCY_MENTION = re.compile(r"\b(" + "|".join((*AGENCY_HEADS[:2], "Uỷ ban", *AGENCY_HEADS[2:])) + r")\b")
# a unit that names an agency or a role in a task (index.answerability: is the kind asked for met)
AGENCY_OR_ROLE = re.compile(r"\b(" + "|".join((*AGENCY_HEADS, "[Cc]ơ quan", "[Đđ]ơn vị", "[Cc]ác sở", "[Cc]hủ trì"))
                            + r")\b")
# a table cell that starts with an agency (corpus.tables: the "Cơ quan chủ trì" column)
AGENCY_LINE_START = re.compile(
    r"^(?:Sở|Các\s+[Ss]ở|Các\s+cơ\s+quan|Các\s+đơn\s+vị|UBND|Ủy\s+ban|Uỷ\s+ban|Văn\s+phòng|Trường|Ban\s|"
    r"Trung\s+tâm|Công\s+an|Bộ\s|Phòng|Đài|Báo\s)"
)
# the provincial departments ("Sở …"), longest first so the longest name wins
DEPARTMENTS: list[str] = sorted(
    ["Nội vụ", "Tài chính", "Tư pháp", "Kế hoạch và Đầu tư", "Thông tin và Truyền thông", "Y tế",
     "Tài nguyên và Môi trường", "Giáo dục và Đào tạo", "Văn hóa, Thể thao và Du lịch",
     "Văn hoá, Thể thao và Du lịch", "Văn hóa và Thể thao", "Văn hoá và Thể thao", "Xây dựng",
     "Công Thương", "Công thương", "Nông nghiệp và Phát triển nông thôn", "Nông nghiệp và Môi trường",
     "Lao động - Thương binh và Xã hội", "Lao động, Thương binh và Xã hội", "Giao thông vận tải",
     "Giao thông Vận tải", "Khoa học và Công nghệ", "Ngoại vụ", "Du lịch", "Dân tộc và Tôn giáo",
     "TTTT", "TT&TT", "TN&MT", "TNMT", "KH&ĐT", "KHĐT", "GD&ĐT", "GDĐT", "LĐTBXH", "VHTTDL", "NN&PTNT"],
    key=len, reverse=True)
# a department's abbreviated name → its name (hoidap.quiz.generate: a task that names its lead department)
DEPARTMENT_ABBREVIATIONS = {"TN&MT": "Tài nguyên và Môi trường", "TNMT": "Tài nguyên và Môi trường",
                            "TT&TT": "Thông tin và Truyền thông", "TTTT": "Thông tin và Truyền thông",
                            "KH&ĐT": "Kế hoạch và Đầu tư", "KHĐT": "Kế hoạch và Đầu tư", "GD&ĐT": "Giáo dục và Đào tạo",
                            "VHTTDL": "Văn hóa, Thể thao và Du lịch", "LĐTBXH": "Lao động - Thương binh và Xã hội"}
_UB = r"(?:Ủy|Uỷ) ban nhân dân|UBND"
# an agency's full name as a fact ("Sở Nội vụ", "UBND cấp huyện", "UBND Tỉnh (qua Sở Nội vụ)") (hoidap.facts)
AGENCY_NAME = re.compile(
    r"(?:Sở (?:" + "|".join(map(re.escape, DEPARTMENTS)) + r")"
    rf"|Văn phòng (?:{_UB})(?: [Tt]ỉnh)?|Văn phòng Đoàn ĐBQH và HĐND tỉnh"
    rf"|Chủ tịch (?:{_UB})(?: [Tt]ỉnh)?"
    rf"|(?:{_UB}) (?:[Tt]ỉnh|cấp huyện|cấp xã|các huyện(?:,? thị xã,? thành phố)?|huyện, thị xã, thành phố)"
    r"|Thanh tra tỉnh|Công an tỉnh|Trường Chính trị(?: tỉnh)?|Ban Dân tộc(?: tỉnh)?|Ban Thường vụ Tỉnh ủy|Tỉnh ủy"
    r"|Bộ (?:Nội vụ|Tài chính|Tư pháp|Thông tin và Truyền thông|Kế hoạch và Đầu tư)"
    r"|Trung tâm Phục vụ hành chính công(?: tỉnh)?|Đài Phát thanh và Truyền hình(?: tỉnh)?"
    r"|[Cc]ơ quan tài chính(?: cùng cấp)?"
    r"|Sở [A-ZĐ][^\W\d_]*(?: [a-zà-ỹđ]+)?)"  # a department the list does not name: "Sở Ngoại vụ"
    r"(?: \(qua [^()]{3,60}\))?")  # "UBND Tỉnh (qua Sở Nội vụ)": the way it goes is part of the answer


# --- dates and periods ------------------------------------------------------------------------------------

YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_DATE_HEAD = r"\d{1,2}/\d{1,2}/\d{4}|\d{1,2}/\d{4}|[Qq]uý\s+[IV]+|[Nn]ăm\s+\d{4}|\d{4}\s*[-–]\s*\d{4}|"
_DATE_TAIL = r"|[Tt]hường xuyên|trước ngày|tháng\s+\d{1,2}"
# a piece that states a time (hoidap.compose: quotes for "khi nào")
DATE_MENTION = re.compile(r"\b(" + _DATE_HEAD + r"[Hh][àằ]ng năm" + _DATE_TAIL + ")")
# a unit that states a time, a bare year included (index.answerability: is the kind asked for met)
TIME_MENTION = re.compile(r"\b(" + _DATE_HEAD + r"[Hh][àằ]ng (năm|quý|tháng)" + _DATE_TAIL + r"|(?:19|20)\d{2})")
# the dates a fact can be, by sort, most precise first (hoidap.facts)
DATE_SPANS: list[tuple[str, re.Pattern]] = [(name, re.compile(pattern)) for name, pattern in [
    ("day", r"(?:[Tt]rước|[Ss]au|[Đđ]ến|[Tt]ừ)\s+ngày\s+\d{1,2}/\d{1,2}(?:/\d{2,4})?"),
    ("day", r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"),
    ("day", r"(?<![\d/])\d{1,2}/\d{1,2}/\d{4}"),
    ("month", r"tháng\s+\d{1,2}(?:\s+năm\s+\d{4}|/\d{4})"),
    ("quarter", r"[Qq]uý\s+[IV]+(?:\s*,\s*[IV]+)*(?:\s*/\s*\d{4}|\s+năm\s+\d{4})?"),
    ("range", r"[Tt]ừ năm \d{4} đến (?:hết )?năm \d{4}"),
    ("range", r"(?:[Tt]ừ\s+)?(?:năm\s+)?\d{4}\s*[-–]\s*\d{4}(?:,\s*(?:định hướng|tầm nhìn) đến năm \d{4})?"),
    ("from", r"[Tt]ừ năm \d{4}(?: trở đi)?"),
    ("year", r"[Nn]ăm\s+\d{4}"),
    ("frequency", (r"(?:[Đđ]ịnh kỳ\s+)?[HhĐđ][àằ]ng\s+(?:năm|quý|tháng|tuần)|\d+\s+tháng\s?/\s?\d+\s+lần|"
                   r"\d+\s+tháng\s+(?:một|1|01)\s+lần|[Tt]hường xuyên|[Đđ]ịnh kỳ \d+ tháng")),
    ("year", r"(?<![\d/.,-])(?:19|20)\d{2}(?![\d/%])"),
]]
# a table cell that ends with a period or a deadline (corpus.tables: the "Thời gian" column)
PERIOD_AT_END = re.compile(
    r"(?:(?:Từ\s+)?[Nn]ăm\s+\d{4}(?:\s*[-–]\s*\d{4})?|\d{4}\s*[-–]\s*\d{4}|\b20\d{2}\b|Quý\s+[IV]+(?:[,\s]+[IV]+)*(?:/\d{4})?"
    r"|H[àằ]ng\s+năm|Thường\s+xuyên)[.;]?\s*$"
)
# a target to reach rather than a result reached ("phấn đấu", "ít nhất", "đến năm"), folded
TARGET = re.compile(r"\b(phan dau|muc tieu|chi tieu|tro len|it nhat|toi thieu|den nam|dat \d)")
# a period a title names: "2022 - 2025" (index.answerability: a year inside it is in the title)
YEAR_RANGE = re.compile(r"((?:19|20)\d{2})\s*[-–]\s*((?:19|20)\d{2})")
# a header's place-and-date line, where it was signed: "Tam Kỳ, ngày 5 tháng 3 năm 2024" (index.answerability)
DATE_LINE = re.compile(r"(?:[^\W\d_][\w.]*\s+){0,4}[^\W\d_][\w.]*\s*,\s*ngày\s*\d{0,2}\s*tháng\s*\d{0,2}\s*năm\s*"
                       r"(?:19|20)\d{2}|ngày\s*\d{1,2}\s*(?:tháng\s*\d{1,2}\s*năm\s*|/\s*\d{1,2}\s*/\s*)(?:19|20)\d{2}",
                       re.I)
# the year of issue in a header's date line (one of its two groups) (index.answerability)
ISSUE_YEAR = re.compile(r"ngày\s*\d{0,2}\s*tháng\s*\d{0,2}\s*năm\s*((?:19|20)\d{2})|"
                        r"ngày\s*\d{1,2}\s*/\s*\d{1,2}\s*/\s*((?:19|20)\d{2})", re.I)
# a document number with its year: "45/2025/QĐ-UBND" (index.answerability: its year is not what it is about)
NUMBER_WITH_YEAR = re.compile(r"\d{1,5}\s*/\s*(?:19|20)\d{2}\s*/\s*[\wĐđ.&-]+")
# a period and a document number's year as a folded question writes them (index.answerability: not single years)
PERIOD_ASKED = re.compile(r"\b(?:19|20)\d{2}\s*[-–]\s*(?:19|20)\d{2}\b|"
                          r"\b(?:tu\s+)?(?:nam\s+)?(?:19|20)\d{2}\s+(?:den|toi)\s+(?:nam\s+)?(?:19|20)\d{2}\b")
NUMBER_YEAR_ASKED = re.compile(r"\d{1,5}\s*/\s*(?:19|20)\d{2}\s*/")


# --- quantities and numbers -------------------------------------------------------------------------------

PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s?%")
# any number (hoidap.compose: quotes for "bao nhiêu")
NUMBER_MENTION = re.compile(PERCENT.pattern + r"|\b\d+\b")
# a count, amount or share that is not a year, a date or a document number (index.answerability)
QUANTITY = re.compile(PERCENT.pattern + r"|(?<![\d/.\-])\b(?!(?:19|20)\d{2}\b)\d{1,4}(?:[.,]\d{3})*\b(?![/\-]|[.,]\d)"
                      r"(?!\s*[.)]\s)")
MONEY = re.compile(r"\d{1,3}(?:[.,]\d{3})*(?:[.,]\d+)?\s(?:triệu |tỷ |nghìn |ngàn )?đồng")
COUNT = re.compile(r"(?<![\w/.,])(?:\d{1,3}(?:\.\d{3})+|\d{1,6})(?![\w/%]|[.,]\d|\s?%)")  # "3.321 xã" too
# the two-word units a count is of ("10 lượt người", "4 hội nghị")
MEASURES = frozenset({"nhiệm vụ", "hội nghị", "lượt người", "văn bản", "thủ tục", "hồ sơ", "cán bộ", "công chức",
                      "đơn vị", "cơ quan", "học viên", "người dân", "khóa học", "tài liệu", "chỉ số", "lớp học", "đề án",
                      "mô hình"})
# the words that bound a quantity and belong to it: "ít nhất 10", "80% trở lên"
QUANTITY_BEFORE = re.compile(r"(?:^|(?<=\s))(?:[Tt]rên|[Dd]ưới|[Íí]t nhất|[Tt]ối thiểu|[Tt]ối đa|[Kk]hông quá|"
                             r"[Kk]hông dưới|[Hh]ơn|[Kk]hoảng|[Tt]ừ|[Nn]hóm|[Gg]ần)\s+$")
QUANTITY_AFTER = re.compile(r"^\s+(?:trở lên|trở xuống)")
# the bound before a figure: at least or at most that much (hoidap.quiz.generate: which distractors are false)
AT_LEAST = re.compile(r"(?:[Tt]rên|[Hh]ơn|[Tt]ối thiểu|[Íí]t nhất|[Kk]hông dưới|[Tt]ừ)\s*$")
AT_MOST = re.compile(r"(?:[Dd]ưới|[Kk]hông quá|[Tt]ối đa)\s*$")
# a number that names a level, an article or a task, not an amount: "mức độ 3", "Điều 5", "Quyết định 1601"
NOT_AMOUNT_BEFORE = re.compile(r"(?:[Mm]ức(?: độ)?|[Đđ]iều|[Kk]hoản|(?<![Dd]anh )[Mm]ục|[Ss]ố|[Đđ]iểm|[Pp]hụ lục|"
                               r"[Nn]hiệm vụ(?: cụ thể)?|[Đđ]ề án|[Qq]uyết định|[Kk]ế hoạch)\s+$")
# a numbered element of a document named with its number, folded: "nhiệm vụ 3.7", "Điều 10", "mục II.2",
# "khoản 2", "kết quả 1.4", "phụ lục III", "STT 12" (index.items: a number the document does not have)
NUMBERED_ITEM = re.compile(r"\b(?:nhiem vu(?: cu the)?|tieu muc|muc|dieu|khoan|diem|ket qua|phu luc|chuong|stt|"
                           r"so thu tu)\s+((?:\d{1,3}|[ivxl]{1,6})(?:\.\d{1,3})*)(?![\w/.])")
# a document number as a unit writes it: "1601/QĐ-UBND", "937/TTr-SNV", "15/2023/NĐ-CP" (hoidap.facts)
DOC_NUMBER = re.compile(r"\d{1,5}\s?[/-]\s?(?:\d{4}\s?/\s?)?[A-ZĐ][\wĐđ&]*(?:\s?[-/]\s?[A-ZĐ][\wĐđ&]*)*")
# a document number as a question writes it: "1999/TTr-SNV", "1601/qđ" (its number is group 1)
DOC_NUMBER_MENTION = re.compile(r"\b(\d{2,5})\s*/\s*[a-zđ]", re.I)
# details the plans never state unless a unit says them: (what the folded question asks, what a unit states)
DETAILS = {
    "person": (re.compile(r"\b(la ai|ten (la )?gi|ho ten|ong nao|ba nao|ten cua|ai dung dau|"
                          r"(chu tich|giam doc|bi thu|truong phong)( \w+){0,6} (hien nay|nhiem ky nay)|"
                          # "ai là giám đốc Sở Nội vụ": who holds a post (a name), not which agency leads a task
                          r"ai (la|dang la|hien la|giu chuc|dang giu chuc) (ong |ba )?(pho )?"
                          r"(chu tich|giam doc|bi thu|truong phong|truong ban|chanh van phong|bo truong|thu truong))\b"),
               re.compile(r"\b(Ông|Bà|Đồng chí|đồng chí)\s+[A-ZĐ][a-zà-ỹđ]+(?: [A-ZĐ][a-zà-ỹđ]+){1,3}")),
    "contact": (re.compile(r"\b(so dien thoai|dien thoai|hotline|email|thu dien tu|dia chi lien he|lien he)\b"),
                re.compile(r"\b0\d{2,3}[ .]?\d{3}[ .]?\d{3,4}\b|@|\bhttps?://")),
    "money": (re.compile(r"\b(bao nhieu tien|bao nhieu (trieu|ty|dong|nghin)|chi bao nhieu|tong kinh phi|"
                         # "mức chi là bao nhiêu" asks a sum; "định mức chi, thanh quyết toán" asks how money is managed
                         r"(?<!dinh )muc chi( \w+){0,6} (bao nhieu|la gi|cu the)|"
                         r"kinh phi (la )?bao nhieu|du toan bao nhieu|"
                         # "tổng vốn đầu tư các công trình … là bao nhiêu": the sum the question ends asking for
                         r"(tong )?(von|kinh phi|chi phi|so tien|ngan sach)( \S+){0,10} (la )?bao nhieu( (tien|ty|trieu|dong))?"
                         r"(?=\W*$))\b"),
              re.compile(r"\d[\d.,]*\s*(đồng|triệu|tỷ|nghìn|VNĐ)", re.I)),
}


# --- what a question asks (folded) -------------------------------------------------------------------------

# a question asking for a count, an amount or a share (index.answerability, index.abstain)
ASKS_QUANTITY = re.compile(r"\b(bao nhieu|ty le|so luong|phan tram|may (lop|doan|nguoi|lan|thang|ngay|nhiem vu|ty|"
                           r"trieu))\b|%")
# a question asking for a result actually reached, not a target (index.answerability)
ASKS_RESULT = re.compile(r"\b(thuc te|da dat|dat duoc|ket qua (dat|khao sat|danh gia)|thuc hien duoc|"
                         r"da (co|duoc|lam|thuc hien|hoan thanh|to chuc|boi duong|cap)|tinh hinh thuc hien|"
                         r"hien (co|nay co)|xep thu may|dung thu may|co bao nhieu (hoc vien|nguoi|ho so|can bo)|"
                         r"da \w+( \w+){0,6} chua|xong chua|den nay|luot tai|phat hien bao nhieu|co vao top)\b")
# a unit stating a result reached (folded)
ACHIEVED = re.compile(r"\b(da dat|dat duoc|ket qua dat duoc|da thuc hien duoc|da hoan thanh)\b")
# what a question asks about a detail, beside DETAILS' first pattern (index.answerability.vetoes):
# a contact only when it asks what it is, a sum only when an amount is asked, not a rate; a name only of a person
ASKS_CONTACT = re.compile(r"\b(so dien thoai|hotline|duong day nong)\b|"
                          r"\b(dien thoai|email|thu dien tu|dia chi lien he|lien he)"
                          r"( \w+){0,3} (la gi|la bao nhieu|la so nao|gi|nao|o dau|bao nhieu|the nao)\b")
ASKS_AMOUNT = re.compile(r"\b(bao nhieu|la bao nhieu|may trieu|may ty|tong kinh phi|du toan)\b")
PERSON_NAMED = re.compile(r"\b(ai|ong|ba|nguoi|chu tich|giam doc|bi thu|truong|pho|can bo|lanh dao|dong chi)\b")
ASKS_RATE = re.compile(r"\b(phan tram|ty le|bao nhieu lan|may lan)\b|%")
ASKS_NAME = re.compile(r"\bten (la )?gi\b")
# a question about a document itself: its number, date, issuer, signer, addressees or subject
# (index.answerability: its title and header units answer it)
ASKS_ABOUT_DOCUMENT = re.compile(
    r"\b(so hieu|ky hieu|so may|so bao nhieu|so van ban|ngay ban hanh|ban hanh (ngay|khi|luc|nam|thang|vao)|"
    r"ngay ky|ky (ngay|khi|luc|vao|thang)|ai ky|nguoi ky|do ai|ai ban hanh|(co quan|don vi|cap) nao ban hanh|"
    r"(co quan|don vi) ban hanh|trich yeu|ten (goi )?(day du )?(cua )?(van ban|ke hoach|quyet dinh|de an|thong tu|"
    r"nghi quyet|chi thi|cong van|nghi dinh)|(ve viec|ve van de|noi dung) gi|ve viec nao|"
    r"(la|thuoc) (loai )?van ban (gi|nao)|(van ban|quyet dinh|ke hoach|thong tu|nghi dinh|nghi quyet|chi thi|"
    r"cong van|cong dien|thong bao|to trinh|de an) (so )?nao|(gui|kinh gui) (ai|cho ai|nhung ai|co quan nao))\b")
# a question about when or how a document was issued (index.answerability: its year of issue counts)
# ("ký" as signing: "ai ký", "ký ngày nào", not the "ky" of "kỹ năng", "kỳ họp", "định kỳ")
ASKS_ISSUANCE = re.compile(r"\b(ban hanh|(ai|nguoi|duoc|da) ky|ky (ngay|vao|khi|luc|thang|nam|ban hanh)|ngay ky|"
                           r"ngay nao|thang may|thang nao)\b")

# what a question asks for, by kind, most specific first (index.query.question_kinds): folded regexes
QUESTION_KINDS: list[tuple[str, str]] = [
    # where the money comes from, which document a thing rests on, where to go online: the most specific asks
    ("source", r"\b(nguon (kinh phi|von|ngan sach|tai chinh)|(kinh phi|von|tien)( \w+){0,16} (lay|tu|o) (tu )?(dau|nguon nao)|"
               r"tu nguon nao|nguon nao|do (ngan sach|ai) (chi|bao dam|dam bao)|bao dam bang (gi|nguon nao))\b"),
    ("basis", r"\b(can cu (vao |theo )?(\w+ ){0,2}nao|theo (nghi quyet|quyet dinh|nghi dinh|thong tu|chi thi|van ban|luat|"
              r"ke hoach|de an)( \w+){0,2} (nao|so may|so nao|gi)|co so phap ly|can cu phap ly|dua (tren|theo) (van ban|"
              r"co so|nghi quyet|quyet dinh) nao|thuc hien theo (van ban|nghi quyet|quyet dinh) nao|"
              # which document it replaces, amends, carries out: "thay thế quyết định nào", "Thông tư nào hướng dẫn"
              r"(?<!nhung )(?<!cac )(?<!co )(nghi quyet|quyet dinh|nghi dinh|thong tu|chi thi|van ban|luat|cong van|"
              r"ke hoach|de an|chuong trinh|ket luan|to trinh) (so )?nao)\b"),
    ("link", r"\b(dia chi (trang|website|cong|truy cap|dien tu|trang web)|trang web|website|duong (link|dan)|link|url|"
             r"truy cap (o|vao|tai) dau|dia chi nao de|cong (thong tin|dich vu cong) nao)\b"),
    ("agency", r"\b(co quan nao|don vi nao|so nao|ai|chu tri|phoi hop voi|giao cho|chiu trach nhiem|trach nhiem cua|"
               r"nguoi ky|(gui|bao|bao cao|nop)( \w+){0,6} (len|ve) dau)\b"),
    ("date", r"\b(khi nao|bao gio|thoi han|han chot|thoi gian|thoi diem nao|ngay nao|nam nao|luc nao|den khi|truoc ngay|"
             r"hoan thanh (vao|trong)|thang nao|quy nao|quy may|thang may|bao lau|giai doan nao|may thang|"
             r"dinh ky nao|dinh ky|mot lan)\b"),
    ("number", r"\b(bao nhieu|ty le|may|so luong|so may|phan tram|it nhat|toi thieu|chi tieu)\b|%"),
    ("list", r"\b(gom nhung|nhung gi|nhung nao|(cac|nhung)( \w+){1,4} nao|liet ke|gom co|bao gom|nhung noi dung|"
             r"nhung nhiem vu|cac giai phap|cac nhiem vu)\b"),
]
# a count or a share asked: "quý mấy", "mấy tháng" without one ask for a time, not a count (index.query)
ASKS_COUNT = re.compile(r"\b(bao nhieu|ty le|%|so luong|phan tram)")
# what a question asks for, and the sorts of date (DATE_SPANS) that answer it (hoidap.facts), folded
ASKS_DATE = [
    (r"dinh ky|bao lau\b.*\blan\b|may thang mot lan|mot lan\b", ["frequency"]),
    (r"ngay nao|ngay may|ngay bao nhieu|truoc ngay|han chot|thoi diem nao", ["day"]),
    (r"thang nao|thang may", ["month", "day"]),
    (r"quy nao|quy may", ["quarter"]),
    (r"giai doan|tu nam nao|den nam nao|tu khi nao", ["range", "from", "year"]),
    (r"nam nao|nam may", ["year", "from", "range", "day"]),
]
# a document's number asked ("số mấy", "số hiệu") and where a report goes ("gửi về đâu") (hoidap.facts), folded
ASKS_DOC_NUMBER = re.compile(r"\bso (?:may|bao nhieu|hieu|nao|gi)\b|\bso hieu\b|\bla so\b")
ASKS_RECIPIENT = re.compile(r"\b(?:ve dau|len dau|gui (?:\w+ ){0,3}(?:ai|dau|so nao|co quan nao|cho ai)|"
                            r"gui cho|nop (?:\w+ )?(?:ve|cho|o)|bao cao (?:\w+ ){0,4}(?:ve|len|cho))\b")
# the words around an agency that make it the recipient, or the lead of a task (hoidap.facts)
RECIPIENT_BEFORE = re.compile(r"(?:gửi|gởi|về|lên|qua|cho|tới|đến|nộp)(?: cho| về| đến)?\s+$", re.IGNORECASE)
LEAD_BEFORE = re.compile(r"\b(?:do|giao(?: cho)?|giao nhiệm vụ cho)\s+$", re.IGNORECASE)
LEAD_AFTER = re.compile(r"^\s*(?:chủ trì|là cơ quan|có trách nhiệm|thực hiện|chịu trách nhiệm|làm đầu mối|:)", re.IGNORECASE)

# the closing particle of a yes/no question: "có … không?", "đã … chưa?", "… phải không?", "có đúng là … không"
# (hoidap.shape), folded
YES_NO_QUESTION = re.compile(r"(?:^|\s)(?:co|da|dang|se|can|phai|duoc|nen|bat buoc|co phai|dung la|co can|co duoc)\s.*"
                             r"\b(?:khong|chua|hay khong|hay chua|dung khong|phai khong)(?:\s+(?:a|nhi|vay|ha|nhe|nha))?\W*$")
# question words: "có những việc nào … không" asks for the items, not a yes or a no (hoidap.shape)
QUESTION_WORDS = re.compile(r"\b(?:gi|nao|bao nhieu|ai|dau|khi nao|bao gio|may|the nao|ra sao|vi sao|tai sao|la sao|nhung)\b")
# a clause that says what is not done or not allowed (hoidap.shape: a yes/no answer), folded
NEGATION = re.compile(r"\b(?:khong (?:duoc|phai|co|thuc hien|ap dung|bat buoc|yeu cau)|chua (?:duoc|co|thuc hien)|"
                      r"nghiem cam|cam)\b")


@dataclass(frozen=True)
class AnswerSpan:
    """What answers a "nguồn kinh phí", "căn cứ văn bản nào" or "địa chỉ trang web" question: the words a
    quotable piece mentions (:attr:`mention`, hoidap.quotes) and the span that is the answer (:attr:`span`,
    its group 1, hoidap.facts)."""

    mention: re.Pattern
    span: re.Pattern


_SPAN_REF = r"(?:Luật|Nghị quyết|Nghị định|Quyết định|Thông tư|Chỉ thị|Kế hoạch|Kết luận|Đề án|Chương trình|Công văn)"
ANSWER_SPANS: dict[str, AnswerSpan] = {
    "source": AnswerSpan(
        re.compile(r"\b(?:ngân sách|nguồn kinh phí|nguồn vốn|kinh phí)\b", re.I),
        re.compile(r"(?:\b[Bb]ằng|\b[Tt]ừ|\b[Dd]o)\s+"
                   r"((?:nguồn\s+)?(?:ngân sách|kinh phí|vốn|nguồn)\s[^;.:]{3,140}?)(?=[;.]|$|\s+theo\s)")),
    "basis": AnswerSpan(
        re.compile(r"\b(?:Luật|Nghị quyết|Nghị định|Quyết định|Thông tư|Chỉ thị|Kết luận)\s+(?:số\s+)?\d"),
        re.compile(rf"({_SPAN_REF}\s+(?:số\s+)?\d{{1,5}}[^\s,;]*(?:\s+ngày\s+\d{{1,2}}(?:/\d{{1,2}}/\d{{4}}|"
                   rf"\s+tháng\s+\d{{1,2}}\s+năm\s+\d{{4}}))?(?:\s+của\s+[^,;.()]{{3,80}}?)?)"
                   rf"(?=[,;.()]|\s+(?:về|trên|quy định|ban hành|hướng dẫn|thực hiện|triển khai|nhằm)\s|$)")),
    "link": AnswerSpan(re.compile(r"https?://|www\."), re.compile(r"((?:https?://|www\.)[^\s,;)\]]+[^\s,;.)\]])")),
}


# --- provinces ----------------------------------------------------------------------------------------------

PROVINCES: list[str] = [
    "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre", "Bình Định",
    "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cần Thơ", "Cao Bằng", "Đà Nẵng", "Đắk Lắk", "Đắk Nông",
    "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương",
    "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng",
    "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên",
    "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh",
    "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thành phố Hồ Chí Minh", "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh",
    "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
]
# other ways a province is typed, folded → its name (the common short forms of the two cities)
PLACE_ALIASES: dict[str, str] = {"ha noi": "Hà Nội", "tp hcm": "Thành phố Hồ Chí Minh",
                                 "ho chi minh": "Thành phố Hồ Chí Minh", "tphcm": "Thành phố Hồ Chí Minh",
                                 "hue": "Thừa Thiên Huế"}
# every folded way of naming a province → its name, in a fixed order (names first, then aliases)
PLACES: dict[str, str] = {folded(p): p for p in PROVINCES} | PLACE_ALIASES
# the province-level cities, folded: "của thành phố Hà Nội", not "của tỉnh Hà Nội" (hoidap.why)
CITIES = {"ha noi", "hai phong", "da nang", "can tho", "thua thien hue", "thanh pho ho chi minh"}
_PLACE_PREFIX = re.compile(r"^(?:tinh|thanh pho|tp)\s+")


def _words(text: str) -> str:
    """``text`` folded, punctuation dropped, single spaces: "Bà Rịa - Vũng Tàu" → "ba ria vung tau"."""
    return " ".join(re.sub(r"[^\w]+", " ", folded(text)).split())


_BY_WORDS: dict[str, str] = {_words(key): key for key in PLACES}  # "ba ria vung tau" → "ba ria - vung tau"


def resolve_place(text: str) -> str | None:
    """The province ``text`` names as a whole (with or without diacritics, "tỉnh", or a short form), or None.

    Example:
        >>> resolve_place("quang nam"), resolve_place("Tỉnh Khánh Hoà"), resolve_place("TP HCM"), resolve_place("Sở")
        ('Quảng Nam', 'Khánh Hòa', 'Thành phố Hồ Chí Minh', None)
    """
    key = _words(text)
    key = _BY_WORDS.get(key) or _BY_WORDS.get(_PLACE_PREFIX.sub("", key))
    return PLACES[key] if key else None


def places_in(text: str) -> tuple[str, ...]:
    """The keys of :data:`PLACES` that ``text`` names as whole words, in :data:`PLACES` order; of two names
    that overlap, the one that starts first (the longer at the same start): "Thanh Hóa bình quân" names
    Thanh Hóa, not also "Hòa Bình".

    Example:
        >>> places_in("Kế hoạch CCHC của Quảng Nam và Bình Định?"), places_in("Thanh Hóa bình quân bao nhiêu")
        (('binh dinh', 'quang nam'), ('thanh hoa',))
    """
    padded = f" {_words(text)} "
    spans = []
    for words, key in _BY_WORDS.items():
        at = padded.find(f" {words} ")
        while at >= 0:
            spans.append((at, at + len(words) + 1, key))
            at = padded.find(f" {words} ", at + 1)
    kept, end = set(), -1
    for start, stop, key in sorted(spans, key=lambda span: (span[0], span[0] - span[1])):
        if start >= end:
            kept.add(key)
            end = stop
    return tuple(key for key in dict.fromkeys(_BY_WORDS.values()) if key in kept)
