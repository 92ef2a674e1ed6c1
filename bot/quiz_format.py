"""Knowledge checks as chat messages: an item with its options, the outcome with the cited clause, the score.

Telegram gets HTML (options under inline buttons A/B/C/D); Zalo gets plain text and is answered "A", "B", "C" or "D".
"""

from __future__ import annotations

from bot.format import escape
from hoidap.quiz.model import LETTERS, Check, Outcome, QuizItem

SUBSCRIBED = ("Đã đăng ký nhận bài kiểm tra kiến thức định kỳ. Gửi {off} để thôi nhận.")
ALREADY_SUBSCRIBED = "Bạn đã đăng ký nhận bài kiểm tra định kỳ rồi. Gửi {off} để thôi nhận."
UNSUBSCRIBED = "Đã hủy đăng ký; bạn sẽ không nhận bài kiểm tra định kỳ nữa. Gửi {on} để đăng ký lại."
NOT_SUBSCRIBED = "Bạn chưa đăng ký nhận bài kiểm tra định kỳ. Gửi {on} để đăng ký."
NO_SCHEDULE = " (Hiện hệ thống chưa đặt lịch gửi định kỳ; bạn vẫn có thể làm bài bất cứ lúc nào bằng {start}.)"
NO_ITEMS = "Chưa có câu hỏi kiểm tra nào được duyệt; vui lòng quay lại sau."
NO_OPEN_CHECK = "Bạn chưa có bài kiểm tra nào đang làm. Gửi {start} để bắt đầu."


def intro(check: Check, *, periodic: bool = False) -> str:
    head = "🗓 Bài kiểm tra kiến thức định kỳ" if periodic else "📝 Bài kiểm tra kiến thức"
    return f"{head}: {len(check.items)} câu hỏi từ các văn bản cải cách hành chính. Chọn một phương án cho mỗi câu."


def _position(check: Check, item: QuizItem) -> str:
    return f"Câu {check.items.index(item) + 1}/{len(check.items)}"


def item_html(check: Check, item: QuizItem) -> str:
    options = "\n".join(f"<b>{LETTERS[i]}.</b> {escape(o)}" for i, o in enumerate(item.options))
    return f"<b>{_position(check, item)}</b>\n{escape(item.question)}\n\n{options}"


def item_plain(check: Check, item: QuizItem) -> str:
    options = "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(item.options))
    letters = ", ".join(LETTERS[:len(item.options)])
    return f"{_position(check, item)}\n{item.question}\n\n{options}\n\nTrả lời bằng một chữ cái: {letters}."


def _verdict(outcome: Outcome) -> str:
    item = outcome.item
    if outcome.correct:
        return "✅ Chính xác!"
    return f"❌ Chưa đúng. Đáp án đúng: {LETTERS[item.answer_index]}. {item.options[item.answer_index]}"


def outcome_html(outcome: Outcome) -> str:
    item = outcome.item
    return (f"{escape(_verdict(outcome))}\n\n📄 <b>Căn cứ: {escape(item.citation)}</b>\n"
            f"<blockquote>{escape(item.unit_text)}</blockquote>")


def outcome_plain(outcome: Outcome) -> str:
    item = outcome.item
    return f"{_verdict(outcome)}\n\n📄 Căn cứ: {item.citation}\n“{item.unit_text}”"


def score_text(check: Check) -> str:
    share = check.correct / len(check.items) if check.items else 0
    advice = "Rất tốt!" if share >= 0.8 else "Hãy đọc lại các điều khoản được trích ở trên." if share < 0.5 else ""
    return f"🏁 Kết quả: {check.correct}/{len(check.items)} câu đúng. {advice}".rstrip()
