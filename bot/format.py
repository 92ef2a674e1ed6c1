"""What the chat channels say, as text: answers with numbered citations, clauses, the document list,
help and error replies, and the splitting of long messages. Pure functions, shared by every channel.

Telegram gets HTML (every piece of document text escaped); Zalo gets plain text.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from html import escape as _escape
from urllib.parse import quote

from hoidap.catalog import brief
from hoidap.model import Answer, Citation
from hoidap.experts import Reply
from core.errors import HoidapError, InvalidQuery

TELEGRAM_MAX_CHARS = 4096
ZALO_MAX_CHARS = 1999  # Zalo refuses texts of 2,000 characters and more

EXAMPLES = [
    "Kinh phí thực hiện đề án lấy từ đâu?",
    "Mục tiêu CCHC năm 2025 của Quảng Nam là gì?",
    "QĐ 1601 ban hành ngày nào?",
]

_INTRO = ("Xin chào! Tôi trả lời câu hỏi về các văn bản cải cách hành chính (CCHC), "
          "trích nguyên văn điều khoản và ghi rõ nguồn.")
_COMMANDS = ("/vanban: danh sách văn bản đang tra cứu\n/kiemtra: làm bài kiểm tra kiến thức\n"
             "/dangky, /huydangky: nhận hoặc thôi nhận bài kiểm tra định kỳ\n/help: hướng dẫn")
_GROUPS = "Trong nhóm: nhắc tên bot (@tên_bot) trong câu hỏi, hoặc trả lời (reply) tin nhắn của bot."
_RATE_LIMITED = "Bạn đang hỏi quá nhanh; vui lòng thử lại sau {seconds} giây."
_UNAVAILABLE = "Hệ thống tra cứu tạm thời chưa sẵn sàng; vui lòng thử lại sau ít phút."


def escape(text: str) -> str:
    """Text made safe for Telegram's HTML parse mode (``<``, ``>``, ``&``)."""
    return _escape(text, quote=False)


# --- fixed replies ----------------------------------------------------------------------------


def welcome_text(*, telegram: bool = False) -> str:
    """The /start reply: what the bot does, example questions, commands."""
    examples = "\n".join(f"• {q}" for q in EXAMPLES)
    parts = [_INTRO, f"Ví dụ:\n{examples}", _COMMANDS]
    if telegram:
        parts.append(_GROUPS)
    return "\n\n".join(parts)


def help_text(*, telegram: bool = False) -> str:
    """The /help reply."""
    parts = [
        "Gửi câu hỏi bằng tiếng Việt, ví dụ: “" + EXAMPLES[0] + "”",
        "Câu trả lời trích nguyên văn văn bản; số [1], [2] chỉ nguồn ở cuối tin. "
        "Có thể hỏi tiếp, ví dụ “còn năm 2022 thì sao?”.",
        _COMMANDS,
    ]
    if telegram:
        parts.insert(2, "Bấm 📄 1, 📄 2 để đọc toàn văn điều khoản; 👍/👎 để góp ý câu trả lời. Khi không tìm thấy "
                        "câu trả lời (hoặc sau 👎), bấm “Gửi câu hỏi cho cán bộ phụ trách”.")
        parts.append(_GROUPS)
    else:
        parts.append("/canbo: chuyển câu hỏi vừa hỏi cho cán bộ phụ trách; câu trả lời được gửi lại tại đây.")
    return "\n\n".join(parts)


def rate_limited_text(seconds: float) -> str:
    return _RATE_LIMITED.format(seconds=max(1, round(seconds)))


def error_text(exc: HoidapError) -> str:
    """A chat reply for an error of ours: the user's own mistake explained, anything else apologised for."""
    if isinstance(exc, InvalidQuery):
        return "⚠️ " + exc.message[:1].upper() + exc.message[1:] + "."
    return _UNAVAILABLE


# --- answers ----------------------------------------------------------------------------------


def _lead(answer: Answer) -> tuple[str, str]:
    """The first line (the fact asked for, with its citation mark when several documents answer) and
    the rest of the answer text; no first line when the answer has no direct fact."""
    if not answer.direct:
        return "", answer.answer
    if not answer.answer.startswith(answer.direct):
        return answer.direct, answer.answer
    marks = re.match(r"((?: \[\d+\])*)\.? *", answer.answer[len(answer.direct):])
    return answer.direct + marks.group(1), answer.answer[len(answer.direct) + marks.end():]


ESCALATE_BUTTON = "✉️ Gửi câu hỏi cho cán bộ phụ trách"
ESCALATE_COMMAND = "/canbo"
ESCALATED = ("Đã gửi câu hỏi cho cán bộ phụ trách. Câu trả lời sẽ được gửi cho bạn tại đây "
             "ngay khi cán bộ trả lời.")
NOTHING_TO_ESCALATE = "Chưa có câu hỏi nào để chuyển; hãy đặt câu hỏi trước."


def unit_url(base_url: str, doc_id: str, unit_id: str | None = None) -> str:
    """The library page of a document, at a unit: ``{base}/vanban/{doc}#{unit}``.

    Example:
        >>> unit_url("https://hoidap.gov.vn", "dongthap-2021-de-an-1601", "dongthap-2021-de-an-1601-u12")
        'https://hoidap.gov.vn/vanban/dongthap-2021-de-an-1601#dongthap-2021-de-an-1601-u12'
    """
    return f"{base_url}/vanban/{quote(doc_id, safe='')}" + (f"#{quote(unit_id, safe='')}" if unit_id else "")


def quoted(answer: Answer) -> list[Citation]:
    """The citations the answer's text points to with its [n] marks (all of them when it has no mark)."""
    marks = set(re.findall(r"\[(\d+)\]", answer.answer))
    cited = [c for c in answer.citations if str(c.rank) in marks]
    return cited or list(answer.citations)


def source_name(c: Citation) -> str:
    """A footer line's source: the document in a few words and the unit ("Quyết định 1601/QĐ-UBND-HC, Điều 5")."""
    return f"{brief(c.citation or c.doc_title)}, {c.label}"


def answer_html(answer: Answer, base_url: str = "") -> str:
    """The answer in Telegram HTML, the fact asked for in bold on the first line, the sources it quotes as a short
    numbered footer (each a link to the unit in the library when ``base_url`` is set)."""
    first, rest = _lead(answer)
    text = f"<b>{escape(first)}</b>\n{escape(rest)}" if first else escape(rest)
    if answer.citations:
        lines = [f"[{c.rank}] {_linked(base_url, c.doc_id, c.unit_id, source_name(c))}"
                 + (f" — ⚠️ <i>{escape(c.validity)}</i>" if c.validity else "") for c in quoted(answer)]
        text += "\n\n<b>Nguồn</b>\n" + "\n".join(lines)
    return text


def answer_plain(answer: Answer, base_url: str = "") -> str:
    """The answer as plain text (Zalo), the fact asked for on its own first line, citations as a numbered footer;
    an answer that found nothing says how to ask the expert in charge."""
    first, rest = _lead(answer)
    text = f"{first}\n{rest}" if first else rest
    if answer.citations:
        text += "\n\nNguồn:\n" + "\n".join(
            f"[{c.rank}] {source_name(c)}" + (f" — ⚠️ {c.validity}" if c.validity else "")
            + (f"\n{unit_url(base_url, c.doc_id, c.unit_id)}" if base_url else "")
            for c in quoted(answer))
    if answer.escalable:
        text += f"\n\nGửi {ESCALATE_COMMAND} để chuyển câu hỏi này cho cán bộ phụ trách."
    return text


def _linked(base_url: str, doc_id: str, unit_id: str | None, text: str) -> str:
    if not base_url:
        return escape(text)
    return f'<a href="{_escape(unit_url(base_url, doc_id, unit_id), quote=True)}">{escape(text)}</a>'


def _day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%d/%m/%Y")


def expert_reply_html(reply: Reply, base_url: str = "") -> str:
    """An expert's reply, for Telegram: the question it answers, the reply, the units it cites."""
    text = (f"✉️ <b>Cán bộ phụ trách trả lời</b> ({_day(reply.answered_at)})\n"
            f"<i>Câu hỏi: {escape(reply.question)}</i>\n\n{escape(reply.text)}")
    if reply.units:
        lines = [f"[{i}] {_linked(base_url, u.doc_id, u.unit_id, f'{u.citation}, {u.label}')}"
                 for i, u in enumerate(reply.units, 1)]
        text += "\n\n<b>Căn cứ</b>\n" + "\n".join(lines)
    return text


def expert_reply_plain(reply: Reply, base_url: str = "") -> str:
    """An expert's reply, for Zalo."""
    text = f"Cán bộ phụ trách trả lời ({_day(reply.answered_at)})\nCâu hỏi: {reply.question}\n\n{reply.text}"
    if reply.units:
        text += "\n\nCăn cứ:\n" + "\n".join(
            f"[{i}] {u.citation}, {u.label}" + (f"\n{unit_url(base_url, u.doc_id, u.unit_id)}" if base_url else "")
            for i, u in enumerate(reply.units, 1))
    return text


def clause_html(rank: int, citation: str, label: str, breadcrumb: list[str], text: str, validity: str = "") -> str:
    """A cited clause in full, for the 📄 buttons."""
    head = f"📄 <b>[{rank}] {escape(citation)}</b>\n<i>{escape(label)}</i>"
    if validity:
        head += f"\n⚠️ {escape(validity)}"
    if breadcrumb:
        head += "\n" + escape(" › ".join(breadcrumb))
    return f"{head}\n\n{escape(text)}"


def documents_html(documents: list[dict], base_url: str = "") -> str:
    """The /vanban reply: one paragraph per document, so long lists split between documents; each a link to
    the library's reader when ``base_url`` is set."""
    if not documents:
        return "Chưa có văn bản nào được nạp."
    items = [f"{i}. <b>{_linked(base_url, d['id'], None, d['citation'])}</b>\nMã: <code>{escape(d['id'])}</code> · "
             f"{d['units']} đoạn" + (f"\n⚠️ {escape(d['validity'])}" if d.get("validity") else "")
             for i, d in enumerate(documents, 1)]
    return f"<b>Văn bản đang tra cứu ({len(documents)})</b>\n\n" + "\n\n".join(items)


def documents_plain(documents: list[dict], base_url: str = "") -> str:
    if not documents:
        return "Chưa có văn bản nào được nạp."
    items = [f"{i}. {d['citation']} (mã {d['id']}, {d['units']} đoạn)" + (f" — ⚠️ {d['validity']}" if d.get("validity") else "")
             + (f"\n{unit_url(base_url, d['id'])}" if base_url else "")
             for i, d in enumerate(documents, 1)]
    return f"Văn bản đang tra cứu ({len(documents)}):\n\n" + "\n\n".join(items)


# --- splitting --------------------------------------------------------------------------------

_ATOM = re.compile(r"<[^<>]*>|&#?\w+;")  # a tag or an entity: never cut inside one
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*?(/?)>")
_LEADING_TAGS = re.compile(r"(?:<[^<>]*>)*")
_BREAKS = ("\n\n", "\n", " ")


def split_message(text: str, limit: int, *, html: bool = False) -> list[str]:
    """``text`` cut into messages of at most ``limit`` characters, at paragraph boundaries when possible,
    then at line ends, then at spaces, and only then anywhere.

    With ``html=True`` no cut falls inside a tag or an entity, and a tag open at a cut is closed at the
    end of its message and opened again at the start of the next one.

    Raises:
        ValueError: ``limit`` below 64, too small to hold a paragraph and its tags.

    Example:
        >>> [len(part) for part in split_message("Đoạn văn.\\n\\n" * 500, 4096)]
        [4090, 1406]
    """
    if limit < 64:
        raise ValueError(f"limit={limit} is too small to split a message; use 64 characters or more")
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut(rest, limit, html)
        head, tail = rest[:cut].rstrip(), rest[cut:].lstrip()
        if html:
            still_open = _open_tags(head)
            head += "".join(f"</{name}>" for name, _ in reversed(still_open))
            tail = "".join(tag for _, tag in still_open) + tail
        parts.append(head)
        rest = tail
    if rest:
        parts.append(rest)
    return parts


def _cut(text: str, limit: int, html: bool) -> int:
    """Where to cut ``text`` so that the head, with the tags it has to close, fits in ``limit``."""
    inside = _inside_atoms(text[:limit + 1]) if html else set()

    def fits(cut: int) -> bool:
        if cut in inside:
            return False
        closers = sum(len(name) + 3 for name, _ in _open_tags(text[:cut])) if html else 0
        return len(text[:cut].rstrip()) + closers <= limit

    lowest = limit // 3  # a much earlier break would leave a needlessly short message
    for mark in _BREAKS:
        cut = text.rfind(mark, 0, limit + 1)
        while cut > lowest:
            if fits(cut):
                return cut
            cut = text.rfind(mark, 0, cut)
    floor = _LEADING_TAGS.match(text).end() + 1  # a message must carry more than the tags reopened in it
    cut = limit
    while cut > floor and not fits(cut):
        cut -= 1
    return max(cut, floor)


def _inside_atoms(text: str) -> set[int]:
    """Positions strictly inside a tag or an entity."""
    return {i for m in _ATOM.finditer(text) for i in range(m.start() + 1, m.end())}


def _open_tags(html: str) -> list[tuple[str, str]]:
    """Tags opened and not yet closed at the end of ``html``, outermost first: (name, opening tag)."""
    stack: list[tuple[str, str]] = []
    for m in _TAG.finditer(html):
        closing, name, self_closing = m.group(1), m.group(2).lower(), m.group(3)
        if self_closing:
            continue
        if not closing:
            stack.append((name, m.group(0)))
            continue
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == name:
                del stack[depth:]
                break
    return stack
