"""Hygiene inspections with school criteria, problems with re-check, the weekly ranking, disinfection."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from hygiene import selectors, services
from hygiene.choices import ProblemStatus
from hygiene.models import (
    DisinfectionRecord,
    HygieneInspection,
    HygieneProblem,
    HygieneScore,
    ResponsibilityArea,
    week_start,
)
from logistics.models import ChangeLog, Notification
from tests.helpers import assert_login_required, assert_status

from .conftest import errors

TODAY = timezone.localdate


def this_week():
    return week_start(TODAY())


def inspect(school, by, room=None, area=None, scores=(20, 10), week=None, problems=()):
    from hygiene.models import HygieneCriterion

    criteria = list(HygieneCriterion.objects.filter(school=school, is_active=True))
    return services.inspection_record(
        school=school,
        by=by,
        week=week or this_week(),
        room=room,
        area=area,
        scores={c.pk: Decimal(s) for c, s in zip(criteria, scores, strict=True)},
        problems=problems,
    )


def form_data(criteria, target, scores, **extra):
    data = {"week": TODAY().isoformat(), "target": target, "note": ""}
    for c, s in zip(criteria, scores, strict=True):
        data[f"score_{c.pk}"] = s
    data.update(extra)
    return data


def test_it_records_an_inspection_with_scores_and_a_problem(as_health, criteria, my_class):
    deadline = (TODAY() + datetime.timedelta(days=3)).isoformat()
    data = form_data(
        criteria, f"room:{my_class.pk}", ["18", "9.5"], problem_0="窗台积灰", deadline_0=deadline
    )
    response = as_health.post(reverse("hygiene:inspection_create"), data)
    assert response.status_code == 302, errors(response)
    inspection = HygieneInspection.objects.get()
    assert (inspection.score, inspection.max_score) == (Decimal("27.5"), Decimal("30"))
    assert inspection.week == this_week()
    assert HygieneScore.objects.filter(inspection=inspection).count() == 2
    assert HygieneProblem.objects.get().status == ProblemStatus.OPEN


@pytest.mark.parametrize("scores", [["21", "10"], ["-1", "10"]])
def test_it_refuses_a_score_above_the_maximum_or_negative(as_health, criteria, my_class, scores):
    response = as_health.post(
        reverse("hygiene:inspection_create"), form_data(criteria, f"room:{my_class.pk}", scores)
    )
    assert response.status_code == 400 and errors(response)
    assert HygieneInspection.objects.count() == 0 and HygieneScore.objects.count() == 0


def test_the_service_refuses_a_score_above_the_maximum(health, criteria, my_class):
    with pytest.raises(ValidationError, match="满分"):
        inspect(my_class.school, health, room=my_class, scores=(25, 5))
    assert HygieneInspection.objects.count() == 0


def test_it_refuses_a_second_inspection_of_the_same_class_in_a_week(as_health, health, criteria, my_class):
    inspect(my_class.school, health, room=my_class)
    response = as_health.post(
        reverse("hygiene:inspection_create"), form_data(criteria, f"room:{my_class.pk}", ["1", "1"])
    )
    assert any("本周已检查" in e for e in errors(response))
    assert HygieneInspection.objects.count() == 1


def test_it_refuses_a_problem_without_a_deadline(as_health, criteria, my_class):
    data = form_data(criteria, f"room:{my_class.pk}", ["20", "10"], problem_0="地面有水渍")
    response = as_health.post(reverse("hygiene:inspection_create"), data)
    assert errors(response) and HygieneInspection.objects.count() == 0


def test_it_refuses_another_schools_class_as_target(as_health, criteria, foreign_class):
    response = as_health.post(
        reverse("hygiene:inspection_create"), form_data(criteria, f"room:{foreign_class.pk}", ["1", "1"])
    )
    assert errors(response) and HygieneInspection.objects.count() == 0


def test_only_hygiene_managers_inspect(as_teacher, as_staff, as_bureau, criteria, my_class):
    data = form_data(criteria, f"room:{my_class.pk}", ["20", "10"])
    for client in (as_teacher, as_staff):
        assert_status(client, reverse("hygiene:inspection_create"), 403, method="post", data=data)
    assert as_bureau.post(reverse("hygiene:inspection_create"), data).status_code in (403, 405)
    assert HygieneInspection.objects.count() == 0
    assert_login_required(reverse("hygiene:inspection_create"))


def test_the_ranking_adds_a_class_areas_and_ranks_ties_equally(
    school, campus, health, criteria, my_class, other_class
):
    area = ResponsibilityArea.objects.create(school=school, campus=campus, name="操场东侧", room=my_class)
    person_area = ResponsibilityArea.objects.create(
        school=school, campus=campus, name="大门口", person=health
    )
    inspect(school, health, room=my_class, scores=(18, 10))  # 28/30
    inspect(school, health, area=area, scores=(20, 10))  # +30/30 -> 58/60 = 96.7%
    inspect(school, health, room=other_class, scores=(20, 9))  # 29/30 = 96.7%
    inspect(school, health, area=person_area, scores=(10, 5))
    rows, personal = selectors.ranking(school, this_week())
    # 58/60 and 29/30 are the same share: both first, then by name
    assert [(r["room"], r["rank"], str(r["percent"])) for r in rows] == [
        (my_class, 1, "96.7"),
        (other_class, 1, "96.7"),
    ]
    assert rows[0]["score"] == Decimal(58) and rows[0]["max"] == Decimal(60)
    assert [i.area for i in personal] == [person_area]


def test_the_ranking_orders_by_percentage(school, health, criteria, my_class, other_class):
    inspect(school, health, room=my_class, scores=(10, 10))
    inspect(school, health, room=other_class, scores=(20, 9))
    rows, _personal = selectors.ranking(school, this_week())
    assert [(r["room"], r["rank"]) for r in rows] == [(other_class, 1), (my_class, 2)]


def test_the_notice_board_and_its_pdf(as_teacher, as_bureau, school, health, criteria, my_class, other_class):
    inspect(school, health, room=my_class, scores=(10, 10))
    inspect(school, health, room=other_class, scores=(20, 9))
    html = as_teacher.get(reverse("hygiene:ranking")).content.decode()
    assert html.index("大二班") < html.index("大一班")
    response = as_bureau.get(reverse("hygiene:ranking_pdf") + f"?week={TODAY().isoformat()}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_problem_is_corrected_by_its_class_and_rechecked_by_the_health_teacher(
    as_teacher, as_health, health, criteria, my_class, other_class
):
    deadline = TODAY() + datetime.timedelta(days=2)
    mine = inspect(my_class.school, health, room=my_class, problems=[("窗台积灰", deadline)]).problems.get()
    theirs = inspect(
        my_class.school, health, room=other_class, problems=[("地面有水", deadline)]
    ).problems.get()
    # another class's problem: refused
    assert_status(as_teacher, reverse("hygiene:problem_correct", args=[theirs.pk]), 403, method="post")
    # a teacher cannot re-check
    as_teacher.post(reverse("hygiene:problem_correct", args=[mine.pk]), {"comment": "已擦净"})
    mine.refresh_from_db()
    assert mine.status == ProblemStatus.CORRECTED and mine.corrected_at
    assert_status(
        as_teacher,
        reverse("hygiene:problem_recheck", args=[mine.pk]),
        403,
        method="post",
        data={"passed": "1"},
    )
    # a failed re-check needs a reason and re-opens the problem
    as_health.post(reverse("hygiene:problem_recheck", args=[mine.pk]), {"passed": "0", "comment": ""})
    mine.refresh_from_db()
    assert mine.status == ProblemStatus.CORRECTED
    as_health.post(reverse("hygiene:problem_recheck", args=[mine.pk]), {"passed": "0", "comment": "仍有积灰"})
    mine.refresh_from_db()
    assert mine.status == ProblemStatus.OPEN
    as_teacher.post(reverse("hygiene:problem_correct", args=[mine.pk]))
    as_health.post(reverse("hygiene:problem_recheck", args=[mine.pk]), {"passed": "1"})
    mine.refresh_from_db()
    assert mine.status == ProblemStatus.CLOSED and mine.rechecked_by == health
    moves = list(ChangeLog.objects.filter(object_id=str(mine.pk), action="transition").order_by("at", "id"))
    assert [(m.before["status"], m.after["status"]) for m in moves] == [
        ("open", "corrected"),
        ("corrected", "open"),
        ("open", "corrected"),
        ("corrected", "closed"),
    ]
    # a closed problem cannot move again
    with pytest.raises(ValidationError):
        services.problem_correct(obj=mine, by=health)


def test_a_score_is_corrected_with_a_reason(as_health, health, criteria, my_class):
    inspection = inspect(my_class.school, health, room=my_class, scores=(18, 10))
    url = reverse("hygiene:inspection_correct", args=[inspection.pk])
    as_health.post(url, {"criterion": criteria[0].pk, "score": "25", "reason": "录错"})
    as_health.post(url, {"criterion": criteria[0].pk, "score": "19", "reason": ""})
    inspection.refresh_from_db()
    assert inspection.score == Decimal(28)
    as_health.post(url, {"criterion": criteria[0].pk, "score": "19", "reason": "复核后更正"})
    inspection.refresh_from_db()
    assert inspection.score == Decimal(29)
    assert ChangeLog.objects.filter(action="correct", reason="复核后更正").count() == 2


def test_the_lists_keep_their_query_counts(
    as_health, school, campus, health, criteria, django_assert_max_num_queries
):
    from tests.factories import RoomFactory

    for i in range(10):
        room = RoomFactory(school=school, campus=campus, name=f"班{i}")
        inspect(school, health, room=room, problems=[("问题", TODAY())])
    for name in ("inspection_list", "problem_list", "ranking"):
        with django_assert_max_num_queries(12):
            assert as_health.get(reverse(f"hygiene:{name}")).status_code == 200


def test_an_area_belongs_to_a_class_or_a_person_not_both(as_health, campus, my_class, health):
    url = reverse("hygiene:area_create")
    both = {"campus": campus.pk, "name": "楼梯", "room": my_class.pk, "person": health.pk, "is_active": "on"}
    assert errors(as_health.post(url, both))
    neither = {**both, "room": "", "person": ""}
    assert errors(as_health.post(url, neither))
    assert as_health.post(url, {**both, "person": ""}).status_code == 302
    assert ResponsibilityArea.objects.get().room == my_class


def test_criteria_need_a_sane_maximum(as_health, as_teacher):
    url = reverse("hygiene:criterion_create")
    assert errors(as_health.post(url, {"name": "地面", "max_score": "-5", "order": 1}))
    assert as_health.post(url, {"name": "地面", "max_score": "20", "order": 1}).status_code == 302
    assert errors(as_health.post(url, {"name": "地面", "max_score": "10", "order": 2}))  # duplicate name
    assert_status(as_teacher, url, 403, method="post", data={"name": "门窗", "max_score": "10", "order": 2})


# --- disinfection ------------------------------------------------------------------------------------


def disinfection_data(user, **extra):
    data = {
        "target": "toys",
        "method": "soak",
        "done_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "done_by": user.pk,
        "minutes": 30,
        "note": "",
    }
    data.update(extra)
    return data


def test_it_flags_a_concentration_outside_the_schools_range_and_tells_the_health_teacher(
    as_teacher, teacher, health, chlorine, django_capture_on_commit_callbacks
):
    url = reverse("hygiene:disinfection_create")
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            as_teacher.post(
                url, disinfection_data(teacher, disinfectant=chlorine.pk, concentration="300")
            ).status_code
            == 302
        )
        assert (
            as_teacher.post(
                url, disinfection_data(teacher, disinfectant=chlorine.pk, concentration="120")
            ).status_code
            == 302
        )
    ok, low = DisinfectionRecord.objects.order_by("pk")
    assert ok.concentration_ok is True and low.concentration_ok is False
    assert Notification.objects.filter(user=health, title__contains="浓度不合格").count() == 1
    html = as_teacher.get(reverse("hygiene:disinfection_list") + "?flagged=1").content.decode()
    assert html.count('data-testid="conc-flag"') == 1


def test_it_refuses_a_disinfectant_without_a_tested_concentration(as_health, health, chlorine):
    url = reverse("hygiene:disinfection_create")
    response = as_health.post(url, disinfection_data(health, disinfectant=chlorine.pk))
    assert any("测试浓度" in e for e in errors(response))
    response = as_health.post(url, disinfection_data(health, disinfectant=chlorine.pk, concentration="-3"))
    assert errors(response)
    future = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = as_health.post(url, disinfection_data(health, done_at=future))
    assert any("晚于现在" in e for e in errors(response))
    assert DisinfectionRecord.objects.count() == 0


def test_a_terminal_disinfection_is_linked_to_its_case(as_health, health, my_class, kids):
    from hygiene.choices import Disease

    case = services.case_record(
        school=my_class.school,
        by=health,
        child=kids[0],
        disease=Disease.HFMD,
        onset_date=TODAY(),
        diagnosed_on=TODAY(),
        diagnosed_by="医院",
        isolation_until=TODAY(),
    )
    assert as_health.get(reverse("hygiene:disinfection_create") + f"?case={case.pk}").status_code == 200
    data = disinfection_data(health, target="room", method="spray", room=my_class.pk, case=case.pk)
    assert as_health.post(reverse("hygiene:disinfection_create"), data).status_code == 302
    record = DisinfectionRecord.objects.get()
    assert record.case == case and record.is_terminal
    assert (
        "尚未登记终末消毒"
        not in as_health.get(reverse("hygiene:case_detail", args=[case.pk])).content.decode()
    )


def test_disinfection_pages_follow_the_permission_table(as_guard, as_outsider, as_health, chlorine):
    assert_status(as_guard, reverse("hygiene:disinfection_create"), 403)
    assert_status(as_guard, reverse("hygiene:disinfection_list"), 200)
    assert_status(as_outsider, reverse("hygiene:disinfectant_update", args=[chlorine.pk]), 404)
    assert_status(as_health, reverse("hygiene:disinfectant_update", args=[chlorine.pk]), 200)


def test_a_disinfectant_range_must_be_ordered(as_health):
    url = reverse("hygiene:disinfectant_create")
    data = {
        "name": "过氧乙酸",
        "unit": "mg/L",
        "min_concentration": "500",
        "max_concentration": "100",
        "is_active": "on",
    }
    assert errors(as_health.post(url, data))


def test_tampered_ids_from_another_school_are_form_errors(as_health, health, campus, foreign_class, outsider):
    data = disinfection_data(health, room=foreign_class.pk)
    assert errors(as_health.post(reverse("hygiene:disinfection_create"), data))
    data = disinfection_data(outsider)
    assert errors(as_health.post(reverse("hygiene:disinfection_create"), data))
    assert DisinfectionRecord.objects.count() == 0
    area = {"campus": campus.pk, "name": "楼梯", "person": outsider.pk, "is_active": "on"}
    assert errors(as_health.post(reverse("hygiene:area_create"), area))
    assert ResponsibilityArea.objects.count() == 0
