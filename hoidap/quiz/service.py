"""The quiz as every channel uses it: generate and review items, take a check, see results.

Persons are identified by a channel-qualified id (``tg:<chat>``, ``zalo:<user>``, ``web:<client id>``) that is
stored only as a keyed hash. A check draws published items at random, weighted to what that person got wrong
before (wrong: weight 4; never answered: 2; always right: 1).
"""

from __future__ import annotations

import csv
import io
import logging
import random
import secrets
from dataclasses import replace

from core.errors import QuizEmpty, QuizError
from core.settings import Settings
from core.private import private_key
from hoidap.privacy import keyed_hash
from hoidap.quiz import generate as gen
from hoidap.quiz.bank import QuizBank
from hoidap.quiz.model import KINDS, STATUSES, TRUE_FALSE, Check, Outcome, QuizItem, SourceUnit

log = logging.getLogger(__name__)

WEIGHT_WRONG, WEIGHT_NEW, WEIGHT_RIGHT = 4.0, 2.0, 1.0
MAX_ITEMS_PER_CHECK = 50
MAX_AGENCY_CHARS = 120
MAX_BULK = 500


class QuizService:
    """Items, checks and results over one :class:`QuizBank`.

    Args:
        bank: the storage.
        key: the secret for hashing person ids (the query log's key).
        items_per_check: how many items a check has when the taker does not say.

    Example:
        >>> service = QuizService.from_settings(settings)               # doctest: +SKIP
        >>> check = service.start("tg:42", channel="telegram")          # doctest: +SKIP
        >>> service.answer(check.id, check.items[0].id, 2).correct      # doctest: +SKIP
        False
    """

    def __init__(self, bank: QuizBank, key: bytes, items_per_check: int = 10) -> None:
        self.bank = bank
        self._key = key
        self.items_per_check = items_per_check

    @classmethod
    def from_settings(cls, settings: Settings) -> QuizService:
        """The bank at ``settings.quiz_path``, hashing persons with ``log_key`` (or the query log's key file)."""
        key = (settings.log_key.get_secret_value().encode("utf-8") if settings.log_key
               else private_key(settings.data_dir / "querylog.key"))
        return cls(QuizBank(settings.quiz_path), key, settings.quiz_items_per_check)

    def person(self, person_id: str) -> str:
        return keyed_hash(self._key, person_id)

    # --- the bank ---------------------------------------------------------------------------------

    def generate(self, docs: list[tuple[str, str, list[SourceUnit]]], count: int | None = None) -> tuple[
            list[QuizItem], list[QuizItem]]:
        """Items generated from ``docs`` (the first ``count``), and those of them new to the bank (stored as drafts)."""
        if count is not None and count < 1:
            raise QuizError(f"số câu cần tạo phải từ 1 trở lên (nhận {count})", code="invalid_count")
        items = gen.select(gen.generate(docs), count)
        added = self.bank.add(items)
        log.info("quiz: %d items generated, %d new", len(items), len(added))
        return items, added

    def items(self, status: str | None = None) -> list[QuizItem]:
        if status is not None and status not in STATUSES:
            raise QuizError(f"trạng thái '{status}' không hợp lệ; chọn một trong: {', '.join(STATUSES)}",
                            code="invalid_status")
        return self.bank.items(status)

    def update(self, item_id: str, *, question: str | None = None, options: list[str] | None = None,
               answer_index: int | None = None, status: str | None = None) -> QuizItem:
        """Edit an item; the result must still be a valid item of its kind.

        Raises:
            NotFound: no such item.
            QuizError: empty question, wrong number of options or repeated ones, answer index out of range,
                unknown status.
        """
        item = self.bank.get(item_id)
        changed = replace(item, question=item.question if question is None else question.strip(),
                          options=list(item.options) if options is None else [str(o).strip() for o in options],
                          answer_index=item.answer_index if answer_index is None else answer_index,
                          status=item.status if status is None else status)
        validate(changed)
        self.bank.save(changed)
        return changed

    def set_status(self, item_ids: list[str], status: str) -> list[QuizItem]:
        """Publish, retire or send back to draft several items at once (all checked before any is changed)."""
        if status not in STATUSES:
            raise QuizError(f"trạng thái '{status}' không hợp lệ; chọn một trong: {', '.join(STATUSES)}",
                            code="invalid_status")
        if len(item_ids) > MAX_BULK:
            raise QuizError(f"mỗi lần đổi trạng thái tối đa {MAX_BULK} câu hỏi (nhận {len(item_ids)})", code="too_many_items")
        items = [self.bank.get(item_id) for item_id in dict.fromkeys(item_ids)]  # NotFound before any change
        return [self.update(item.id, status=status) for item in items]

    def page(self, *, status: str | None = None, q: str = "", kind: str = "", offset: int = 0,
             limit: int = 50) -> tuple[int, list[QuizItem]]:
        """One page of the bank (oldest first) and how many items match: status, kind, words of the question,
        the fact or the citation (without diacritics)."""
        if kind and kind not in KINDS:
            raise QuizError(f"loại câu hỏi '{kind}' không hợp lệ; chọn một trong: {', '.join(KINDS)}", code="invalid_kind")
        words = gen.compare_key(q).split()
        found = [item for item in self.items(status) if (not kind or item.kind == kind) and
                 all(w in gen.compare_key(f"{item.question} {item.fact} {item.citation}") for w in words)]
        return len(found), found[offset:offset + limit]

    # --- agencies ---------------------------------------------------------------------------------

    def agencies(self) -> list[str]:
        """The agencies takers choose from (kept by the admin)."""
        return self.bank.agencies()

    def set_agencies(self, names: list[str]) -> list[str]:
        """Replace the list of agencies: each name trimmed, spelled once (two spellings of one name are refused).

        Raises:
            QuizError: a name too long, or twice under two spellings.
        """
        kept: dict[str, str] = {}
        for raw in names:
            name = " ".join(str(raw).split())
            if not name:
                continue
            if len(name) > MAX_AGENCY_CHARS:
                raise QuizError(f"tên cơ quan dài quá {MAX_AGENCY_CHARS} ký tự: '{name[:40]}…'", code="invalid_agency")
            key = agency_key(name)
            if key in kept:
                raise QuizError(f"'{name}' và '{kept[key]}' là một cơ quan; hãy giữ một cách viết", code="duplicate_agency")
            kept[key] = name
        self.bank.set_agencies(list(kept.values()))
        return list(kept.values())

    def agency_name(self, text: str) -> str:
        """The listed name of an agency typed freely ("sở nội vụ" → "Sở Nội vụ"); the text itself, tidied, when
        the list does not hold it."""
        text = " ".join((text or "").split())
        listed = {agency_key(name): name for name in self.bank.agencies()}
        return listed.get(agency_key(text), text)

    # --- taking a check ---------------------------------------------------------------------------

    def start(self, person_id: str, *, channel: str, agency: str | None = None, count: int | None = None,
              rng: random.Random | None = None) -> Check:
        """A new check of ``count`` published items (``items_per_check`` by default) for ``person_id``.

        Raises:
            QuizError: ``count`` outside 1 to 50, or an agency name that is too long.
            QuizEmpty: no item is published yet.
        """
        count = self.items_per_check if count is None else count
        if not 1 <= count <= MAX_ITEMS_PER_CHECK:
            raise QuizError(f"số câu của một bài kiểm tra phải từ 1 đến {MAX_ITEMS_PER_CHECK} (nhận {count})",
                            code="invalid_count")
        agency = self.agency_name(agency or "")
        if len(agency) > MAX_AGENCY_CHARS:
            raise QuizError(f"tên cơ quan dài quá {MAX_AGENCY_CHARS} ký tự", code="invalid_agency")
        published = self.bank.items("published")
        if not published:
            # said to the officer taking the check: nothing about commands they cannot run
            raise QuizEmpty("Chưa có bài kiểm tra kiến thức nào: cán bộ phụ trách đang biên soạn và duyệt câu hỏi. "
                            "Mời bạn quay lại sau.")
        person = self.person(person_id)
        history = self.bank.history(person)
        chosen = weighted_sample(published, [_weight(history.get(i.id)) for i in published], count,
                                 rng or random.Random(secrets.randbits(64)), key=fact_key)
        check = Check(secrets.token_hex(16), person, agency, channel, chosen)
        self.bank.new_check(check)
        return check

    def check(self, check_id: str) -> Check:
        return self.bank.check(check_id)

    def open_check(self, person_id: str, channel: str) -> Check | None:
        """The person's unfinished check on this channel (the bots' "reply A/B/C/D")."""
        return self.bank.latest_open_check(self.person(person_id), channel)

    def answer(self, check_id: str, item_id: str, choice: int) -> Outcome:
        """Answer one item; a second answer to the same item returns the first one's outcome.

        Raises:
            NotFound: no such check.
            QuizError: the item is not in the check, or ``choice`` is not one of its options.
        """
        check = self.bank.check(check_id)
        item = next((i for i in check.items if i.id == item_id), None)
        if item is None:
            raise QuizError(f"câu hỏi '{item_id}' không thuộc bài kiểm tra này", code="item_not_in_check")
        if item.id in check.answers:
            return check.answers[item.id]
        if not isinstance(choice, int) or not 0 <= choice < len(item.options):
            raise QuizError(f"lựa chọn {choice!r} không hợp lệ; chọn từ 0 đến {len(item.options) - 1}",
                            code="invalid_choice")
        outcome = Outcome(item, choice, choice == item.answer_index)
        if not self.bank.record(check, outcome):  # answered meanwhile by another request
            return self.bank.check(check_id).answers[item.id]
        return outcome

    # --- results ----------------------------------------------------------------------------------

    def results(self, by: str) -> list[dict]:
        """Answers counted per agency (two spellings of one agency counted as one: the admin's listed name, else
        the spelling most answers gave) or per item."""
        if by not in ("agency", "item"):
            raise QuizError(f"by='{by}' không hợp lệ; chọn agency hoặc item", code="invalid_results")
        rows = self.bank.results(by)
        if by == "item":
            return rows
        listed = {agency_key(name): name for name in self.bank.agencies()}
        merged: dict[str, dict] = {}
        for row in rows:
            total = merged.setdefault(agency_key(row["key"]), {"taken": 0, "correct": 0, "spellings": []})
            total["taken"] += row["taken"]
            total["correct"] += row["correct"]
            total["spellings"].append((row["taken"], row["key"]))
        out = []
        for key, total in merged.items():
            # the listed name; else the spelling most answers gave, one written in mixed case ("Sở Nội vụ") before
            # one in capitals or in lower case
            name = listed.get(key) or min(total["spellings"], key=lambda s: (-s[0], s[1].isupper() or s[1].islower(),
                                                                              s[1]))[1]
            out.append({"key": name, "taken": total["taken"], "correct": total["correct"],
                        "share": round(total["correct"] / total["taken"], 4) if total["taken"] else 0.0})
        return sorted(out, key=lambda r: (-r["taken"], r["key"]))

    def results_csv(self, by: str) -> str:
        rows = self.results(by)
        columns = ["key", "taken", "correct", "share"] + (["question"] if by == "item" else [])
        out = io.StringIO()
        writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()

    # --- subscriptions ----------------------------------------------------------------------------

    def subscribe(self, channel: str, chat_id: str) -> bool:
        return self.bank.subscribe(channel, chat_id)

    def unsubscribe(self, channel: str, chat_id: str) -> bool:
        return self.bank.unsubscribe(channel, chat_id)

    def subscribers(self, channel: str) -> list[str]:
        return self.bank.subscribers(channel)

    def claim_round(self, channel: str, period: str, min_gap_s: float = 0.0) -> bool:
        """True when this process is the one to send ``channel``'s periodic round for ``period``."""
        return self.bank.claim_round(channel, period, min_gap_s)


def agency_key(name: str) -> str:
    """How two spellings of an agency are compared: folded, lowercase, "Ủy ban nhân dân" as "UBND".

    Example:
        >>> agency_key("Sở  Nội vụ") == agency_key("sở nội vụ"), agency_key("Uỷ ban nhân dân huyện A") == agency_key("UBND huyện A")
        (True, True)
    """
    return gen.compare_key(name)


def validate(item: QuizItem) -> None:
    """Raise :class:`QuizError` unless ``item`` is a well-formed item of its kind.

    Example:
        >>> from hoidap.quiz.model import QuizItem
        >>> bad = QuizItem("q1", "mcq", "?", ["A", "B", "B", "C"], 0, "u", "d", "", "", "", "", "percent")
        >>> validate(bad)
        Traceback (most recent call last):
        ...
        core.errors.QuizError: các phương án phải khác nhau (trùng: 'B')
    """
    if item.kind not in KINDS:
        raise QuizError(f"loại câu hỏi '{item.kind}' không hợp lệ; chọn một trong: {', '.join(KINDS)}",
                        code="invalid_kind")
    if not item.question:
        raise QuizError("câu hỏi không được để trống", code="empty_question")
    wanted = 4 if item.kind == "mcq" else 2
    if len(item.options) != wanted:
        raise QuizError(f"câu hỏi loại '{item.kind}' cần đúng {wanted} phương án (nhận {len(item.options)})",
                        code="invalid_options")
    if any(not o for o in item.options):
        raise QuizError("phương án không được để trống", code="invalid_options")
    seen: set[str] = set()
    for option in item.options:
        key = gen.compare_key(option)
        if key in seen:
            raise QuizError(f"các phương án phải khác nhau (trùng: '{option}')", code="duplicate_options")
        seen.add(key)
    if item.kind == "truefalse" and [gen.compare_key(o) for o in item.options] != [gen.compare_key(o) for o in TRUE_FALSE]:
        raise QuizError("câu hỏi đúng/sai có hai phương án 'Đúng' và 'Sai'", code="invalid_options")
    if not isinstance(item.answer_index, int) or not 0 <= item.answer_index < wanted:
        raise QuizError(f"answer_index phải từ 0 đến {wanted - 1} (nhận {item.answer_index!r})",
                        code="invalid_answer_index")
    if item.status not in STATUSES:
        raise QuizError(f"trạng thái '{item.status}' không hợp lệ; chọn một trong: {', '.join(STATUSES)}",
                        code="invalid_status")


def _weight(history: tuple[int, int] | None) -> float:
    if history is None:
        return WEIGHT_NEW
    answered, right = history
    return WEIGHT_WRONG if right < answered else WEIGHT_RIGHT


def fact_key(item: QuizItem) -> tuple[str, str, str]:
    """What an item checks: its kind of fact, the fact, and the clause it stands in. The multiple-choice and the
    true/false item of one fact share it, and so do a plan's sentence and its appendix's copy."""
    return item.fact_kind, gen.compare_key(item.fact), gen.compare_key(item.unit_text)


def weighted_sample(items: list[QuizItem], weights: list[float], count: int, rng: random.Random,
                    key=None) -> list[QuizItem]:
    """``count`` distinct items (all when fewer), each drawn with probability proportional to its weight; with
    ``key``, never two items of the same key (the later drawn is passed over).

    Example:
        >>> from hoidap.quiz.model import QuizItem
        >>> its = [QuizItem(str(i), "truefalse", "?", ["Đúng", "Sai"], 0, "", "", "", "", "", "", "") for i in range(3)]
        >>> sorted(i.id for i in weighted_sample(its, [1, 1, 1], 5, random.Random(0)))
        ['0', '1', '2']
    """
    # Efraimidis–Spirakis: the largest u^(1/w) keys are a weighted sample without replacement
    keyed = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)), reverse=True)
    chosen, seen = [], set()
    for _, i in keyed:
        if len(chosen) == count:
            break
        if key is not None:
            if key(items[i]) in seen:
                continue
            seen.add(key(items[i]))
        chosen.append(items[i])
    return chosen
