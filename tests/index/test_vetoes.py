"""Vetoes from evidence: what the question names is looked for in the documents' own title, header and
units; a metadata field that was guessed or is missing never refuses a question."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

from index.answerability.evidence import Candidate, DocEvidence, Evidence, doc_evidence, places_named, single_years
from index.answerability.vetoes import answered_elsewhere, doc_year_missing, effect_first, place_vetoes
from index.filters import named_documents, singled_out, title_named
from index.query import analyse
from index.snapshot import DocName, title_pairs
from index.versions import DocRecord

HCM_HEADER = ("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HỒ CHÍ MINH\nSố: 172/KH-UBND\nThành phố Hồ Chí Minh, ngày 18 tháng 11 năm 2025\n"
              "KẾ HOẠCH\nTriển khai thi hành Luật Việc làm trên địa bàn Thành phố Hồ Chí Minh")
MINISTRY_HEADER = "BỘ NỘI VỤ\nSố: 10988/BNV-CQĐP\nV/v tuyên truyền chủ trương\nHà Nội, ngày 21 tháng 11 năm 2025"


def _doc(doc_id: str, *, title: str, kind: str = "Văn bản", year: int | None = None, province: str | None = None,
         number: str | None = None, sources: dict | None = None) -> DocRecord:
    return DocRecord(id=doc_id, type=kind, types=(kind,), number=number, number_display=number or "", year=year,
                     date=None, date_text=None, province=province, issuer=None, title=title, signer=None,
                     citation=f"{kind} {doc_id}", sources=sources or {})


def test_periods_and_numbers_are_not_single_years() -> None:
    assert single_years(analyse("KH 5G các KCN Nghệ An giai đoạn 2026 - 2030 có mục tiêu gì")) == ()
    assert single_years(analyse("kinh te so tu 2026 den 2030")) == ()
    assert single_years(analyse("Quyết định 45/2025/QĐ-UBND quy định gì")) == ()
    assert single_years(analyse("Kế hoạch CCHC năm 2024 của Quảng Nam")) == ("2024",)


def test_every_way_of_naming_the_city_is_one_place() -> None:
    one = places_named("Thành phố Hồ Chí Minh")
    assert one == places_named("TP.HCM") == places_named("TP. Hồ Chí Minh") == places_named("thanh pho ho chi minh")
    assert len(one) == 1


def test_a_guessed_field_is_not_evidence_the_header_is() -> None:
    guessed = _doc("hcm-172", title="172/KH-UBND", year=2024, province="Hà Nội",
                   sources={"province": "guessed", "date": "guessed", "doc_type": "guessed"})
    ev = doc_evidence(guessed, HCM_HEADER)
    assert ev.places == places_named("TP.HCM")  # from the header, not the guessed "Hà Nội"
    assert ev.issued == "2025" and ev.kinds is None  # the header's date line; the kind may be any
    ministry = doc_evidence(_doc("bnv", title="V/v tuyên truyền chủ trương"), MINISTRY_HEADER)
    assert ministry.places == frozenset()  # "Hà Nội, ngày …" is where it was signed, not what it is about


def test_a_missing_date_or_kind_never_makes_a_year_missing() -> None:
    undated = doc_evidence(_doc("qd-45", title="Quyết định 45"), "")
    assert undated.issued is None
    assert not doc_year_missing(analyse("Quyết định năm 2025 về chợ có hiệu lực khi nào"), [undated])
    plan = doc_evidence(_doc("kh", title="Kế hoạch CCHC năm 2025", kind="Kế hoạch", year=2024, province="Quảng Nam",
                             sources={"doc_type": "read", "date": "read", "province": "read"}), "")
    assert doc_year_missing(analyse("Kế hoạch CCHC năm 2023 của tỉnh Quảng Nam"), [plan])
    assert not doc_year_missing(analyse("Kế hoạch CCHC năm 2025 của tỉnh Quảng Nam"), [plan])
    assert not doc_year_missing(analyse("Kế hoạch CCHC giai đoạn 2021-2025 của tỉnh Quảng Nam"), [plan])
    assert doc_year_missing(analyse("Kế hoạch CCHC giai đoạn 2016-2020 của tỉnh Quảng Nam"), [plan])
    # a plan named by its number is asked what it says of a year, not whether a plan of that year exists
    asked = analyse("KH 310 Quảng Nam: đến hết năm 2023 có bao nhiêu trạm 5G")
    assert doc_year_missing(asked, [plan]) and not doc_year_missing(asked, [plan], frozenset({"310"}))
    assert doc_year_missing(asked, [plan], frozenset({"311"}))  # a number no document has names none
    # which decision of 2020 a unit cites is asked for, not a decision of 2020 in the store
    cites = ["Quy chế này thay thế Quyết định số 28/2020/QĐ-UBND ngày 16 tháng 10 năm 2020 của UBND tỉnh."]
    decision = DocEvidence(places_named("Quảng Nam"), "Ban hành Quy chế thư điện tử", "2025", ("Quyết định",))
    which = analyse("quy chế thư điện tử của Quảng Nam thay thế quyết định nào năm 2020")
    assert doc_year_missing(which, [decision]) and not doc_year_missing(which, [decision], units=cites)
    # … but a decision of 2020 asked about is still missing, whatever a unit cites
    assert doc_year_missing(analyse("Quyết định năm 2020 của Quảng Nam ban hành ngày nào"), [decision], units=cites)


def test_a_period_asked_is_missing_when_no_document_of_its_kind_names_a_period_sharing_a_year() -> None:
    plan = doc_evidence(_doc("kh-xk", title="Kế hoạch xuất khẩu hàng hóa giai đoạn 2026 - 2030", kind="Kế hoạch",
                             year=2025, province="Sơn La", sources={"doc_type": "read", "date": "read",
                                                                    "province": "read"}), "")
    assert doc_year_missing(analyse("Kế hoạch xuất khẩu của Sơn La giai đoạn 2021-2025 đạt bao nhiêu"), [plan])
    assert not doc_year_missing(analyse("Kế hoạch xuất khẩu của Sơn La giai đoạn 2026-2030 đạt bao nhiêu"), [plan])
    assert not doc_year_missing(analyse("Kế hoạch xuất khẩu của Sơn La từ 2028 đến 2035 đạt bao nhiêu"), [plan])
    unread = doc_evidence(_doc("kh-?", title="Xuất khẩu hàng hóa giai đoạn 2021 - 2025"), "")  # kind unread: may be it
    assert not doc_year_missing(analyse("Kế hoạch xuất khẩu của Sơn La giai đoạn 2021-2025"), [plan, unread])


def _evidence(question: str, top: DocEvidence, text: str, places: frozenset[str]) -> Evidence:
    return Evidence(query=analyse(question), candidates=[_candidate(0, text, top)], evidence_places=places)


def _candidate(position: int, text: str, doc: DocEvidence) -> Candidate:
    return Candidate(position=position, score=1.0, ranks={}, dense=0.9, text=text, heading="", kind="paragraph",
                     quantity=False, doc_year="", doc_place="", doc_named=False, doc=doc)


def test_places_are_looked_for_in_the_documents_text() -> None:
    hcm = doc_evidence(_doc("hcm-172", title="Kế hoạch"), HCM_HEADER)
    text = "Sở Nội vụ chủ trì tham mưu Ủy ban nhân dân Thành phố ban hành Kế hoạch"
    assert place_vetoes(_evidence("TP.HCM: Sở nào chủ trì kế hoạch Luật Việc làm", hcm, text, hcm.places), range(1)) \
        == (False, False)
    unknown, mismatch = place_vetoes(_evidence("Kế hoạch Luật Việc làm của Đà Nẵng", hcm, text, hcm.places), range(1))
    assert unknown and mismatch
    # a province named in the unit itself is evidence (Ninh Bình's rules repeal a decision of Hà Nam)
    nb = doc_evidence(_doc("nb", title="Quy chế quản lý văn bản tỉnh Ninh Bình"), "")
    repeal = "Quyết định số 44/2024/QĐ-UBND ngày 21 tháng 8 năm 2024 của Ủy ban nhân dân tỉnh Hà Nam"
    assert place_vetoes(_evidence("Quy chế của Ninh Bình bãi bỏ quyết định nào của tỉnh Hà Nam", nb, repeal,
                                  nb.places), range(1)) == (False, False)
    # a document whose text names no province is of none: it never mismatches
    national = doc_evidence(_doc("bnv", title="V/v tuyên truyền"), MINISTRY_HEADER)
    assert place_vetoes(_evidence("Đà Nẵng có bao nhiêu xã", national, "34 tỉnh, 3.321 xã",
                                  places_named("Đà Nẵng")), range(1)) == (False, False)


def test_a_question_another_provinces_document_answers_is_not_answered_by_a_weak_unit_of_the_one_asked() -> None:
    from dataclasses import replace

    qn = doc_evidence(_doc("qn", title="Đề án tăng cường năng lực đội ngũ tham mưu CCHC tỉnh Quảng Nam"), "")
    ht = doc_evidence(_doc("ht", title="Quy định chức năng, nhiệm vụ của Sở Tư pháp tỉnh Hà Tĩnh"), "")
    question = "Đề án của Hà Tĩnh đặt chỉ tiêu tổ chức ít nhất bao nhiêu lớp bồi dưỡng về CCHC?"
    strong = replace(_candidate(0, "- Tổ chức ít nhất 10 lớp bồi dưỡng về cải cách hành chính", qn), rerank=0.93)
    weak = replace(_candidate(1, "Tham mưu Ủy ban nhân dân tỉnh tập huấn, hướng dẫn chuyên môn", ht), rerank=0.21)
    ev = Evidence(query=analyse(question), candidates=[weak, strong], evidence_places=qn.places | ht.places)
    asked = places_named("Hà Tĩnh")
    assert answered_elsewhere(ev, asked) and place_vetoes(ev, range(2)) == (False, True)
    # the asked province's unit about as good as the other's: a question both documents answer
    close = replace(weak, rerank=0.8)
    assert not answered_elsewhere(replace(ev, candidates=[close, strong]), asked)
    # a national document answering well is not another province's
    national = replace(strong, doc=doc_evidence(_doc("bnv", title="V/v tuyên truyền"), MINISTRY_HEADER))
    assert not answered_elsewhere(replace(ev, candidates=[weak, national]), asked)


def test_a_city_question_reaches_the_citys_documents() -> None:
    hcm = DocName("hcm-172", "172", "", "2025", "Kế hoạch", "ke hoach", places_named("Thành phố Hồ Chí Minh"))
    other = DocName("hn-310", "310", "ha noi", "2025", "Kế hoạch", "ke hoach", places_named("Hà Nội"))
    snap = SimpleNamespace(doc_names=[hcm, other])
    for question in ("TP.HCM triển khai Luật Việc làm thế nào", "Thành phố Hồ Chí Minh triển khai Luật Việc làm"):
        assert named_documents(snap, analyse(question)) == {"hcm-172": 1}
    # the year inside a document number does not name every document of that year
    assert named_documents(snap, analyse("Quyết định 45/2025/QĐ-UBND quy định gì")) == {}


def test_a_year_said_as_a_year_is_not_a_document_number() -> None:
    lao_cai = DocName("lc-2020", "2020", "lao cai", "2025", "Quyết định công bố thủ tục khoa học",
                      "cong bo thu tuc khoa hoc", places_named("Lào Cai"))
    ninh_binh = DocName("nb-162", "162", "ninh binh", "2025", "Quyết định ban hành Quy chế thư điện tử",
                        "ban hanh quy che thu dien tu", places_named("Ninh Bình"))
    snap = SimpleNamespace(doc_names=[lao_cai, ninh_binh])
    asked = "Quy chế thư điện tử của Ninh Bình thay thế quyết định nào của tỉnh năm 2020"
    assert named_documents(snap, analyse(asked)) == {"nb-162": 1}  # "năm 2020" names no "2020/QĐ-UBND"
    assert named_documents(snap, analyse("Quyết định 2020 của Lào Cai công bố thủ tục gì")) == {"lc-2020": 3}


def test_a_city_many_documents_share_names_none_of_them_a_number_still_names_its_own() -> None:
    city = places_named("Hà Nội")
    docs = [DocName(f"hn-{n}", str(n), "ha noi", "2025", "Kế hoạch", "ke hoach", city) for n in range(300, 308)]
    snap = SimpleNamespace(doc_names=docs)
    matched = named_documents(snap, analyse("Cách làm món phở bò Hà Nội"))
    assert len(matched) == 8 and singled_out(matched) == set()  # every document of the city matches, none is named
    matched = named_documents(snap, analyse("Kế hoạch 305 của Hà Nội giao sở nào chủ trì"))
    assert singled_out(matched) == {"hn-305"}  # its number singles it out of the city's documents
    few = SimpleNamespace(doc_names=docs[:2])
    assert singled_out(named_documents(few, analyse("Hà Nội giao sở nào chủ trì"))) == {"hn-300", "hn-301"}
    # the city's match shared by eight, the question names one by a phrase of its title that few titles hold
    titled = [d._replace(title="Kế hoạch triển khai Luật Việc làm") if d.id == "hn-303" else d for d in docs]
    titled = [d._replace(pairs=title_pairs(d.title)) for d in titled]
    snap = SimpleNamespace(doc_names=titled, title_pair_counts=Counter(p for d in titled for p in d.pairs))
    query = analyse("Hà Nội tập huấn Luật Việc làm do sở nào chủ trì")
    assert title_named(snap, query) == {"hn-303"}
    assert singled_out(named_documents(snap, query), lambda: title_named(snap, query)) == {"hn-303"}
    assert title_named(snap, analyse("Kế hoạch của Hà Nội giao sở nào chủ trì")) == set()  # every title says it


def test_a_system_named_is_not_a_contact_asked_a_rate_is_not_a_sum() -> None:
    from index.answerability.vetoes import asked_details

    assert asked_details(analyse("QĐ 79/2025/QĐ-UBND về thư điện tử công vụ có hiệu lực từ ngày nào")) == []
    assert asked_details(analyse("Số điện thoại đường dây nóng của Ban Chỉ đạo 389")) == ["contact"]
    assert asked_details(analyse("mức chi các kỳ thi cấp xã bằng bao nhiêu phần trăm mức chi cấp tỉnh")) == []
    assert asked_details(analyse("mức chi cho hội thi là bao nhiêu")) == ["money"]


def test_refined_details_and_the_other_provinces_units_last() -> None:
    from dataclasses import replace

    from index.answerability.vetoes import asked_details, place_last

    assert asked_details(analyse("Quy chế thư điện tử công vụ tỉnh Bắc Ninh bãi bỏ quyết định nào")) == []
    assert asked_details(analyse("Bầu cử ở Hà Nội, nội dung chi chưa quy định thì ai quyết định mức chi cụ thể")) == []
    assert asked_details(analyse("xã Tân Đức và xã Tân Thuận nhập thành xã tên gì")) == []
    assert asked_details(analyse("Giám đốc Sở Nội vụ tên là gì")) == ["person"]
    hcm = doc_evidence(_doc("hcm", title="Kế hoạch"), HCM_HEADER)
    nb = doc_evidence(_doc("nb", title="Quy chế quản lý văn bản tỉnh Ninh Bình"), "")
    ev = _evidence("Kế hoạch Luật Việc làm của TP.HCM", nb, "Sở Nội vụ chủ trì", hcm.places)
    ev = replace(ev, candidates=[_candidate(0, "Sở Nội vụ chủ trì", nb), _candidate(1, "Sở Nội vụ chủ trì", hcm)])
    assert place_last(ev, ev.query) == [1, 0]
    assert place_vetoes(ev, range(2)) == (False, False)  # the second unit is of the city asked


def test_a_question_on_when_a_document_takes_effect_gets_its_own_clause_of_effect() -> None:
    texts = ["Số hồ sơ TTHC: 1.011423; Tên thủ tục: Đăng ký biện pháp bảo đảm bằng tàu bay",
             "Công bố kèm theo Quyết định này thủ tục hành chính được sửa đổi, bổ sung",
             "Điều 2. Quyết định này có hiệu lực kể từ ngày 01 tháng 7 năm 2025 đến hết ngày 31 tháng 12 năm 2026.",
             "Điều 3. Nghị quyết này có hiệu lực từ ngày ký."]
    docs = ["qd", "qd", "qd", "other"]
    asked = analyse("QĐ 3303 về đăng ký biện pháp bảo đảm có hiệu lực trong thời gian nào")
    assert effect_first(texts, docs, asked) == [2, 0, 1, 3]
    assert effect_first(texts, docs, analyse("QĐ 3303 đăng ký biện pháp bảo đảm bằng tàu bay thế nào")) == [0, 1, 2, 3]
    # which document it ends is another question; another document's clause never leads
    assert effect_first(texts, docs, analyse("QĐ 3303 làm hết hiệu lực quyết định nào")) == [0, 1, 2, 3]
    assert effect_first(texts[:2] + texts[3:], docs[:2] + docs[3:], asked) == [0, 1, 2]
