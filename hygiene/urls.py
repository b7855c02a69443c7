from django.urls import path

from . import views

app_name = "hygiene"

urlpatterns = [
    # health
    path("health/", views.health_today, name="health_today"),
    path("health/checks/", views.check_list, name="check_list"),
    path("health/checks/new/", views.check_create, name="check_create"),
    path("health/checks/<int:pk>/", views.check_detail, name="check_detail"),
    path("health/absences/", views.absence_list, name="absence_list"),
    path("health/absences/new/", views.AbsenceCreate.as_view(), name="absence_create"),
    path("health/absences/<int:pk>/", views.absence_detail, name="absence_detail"),
    path("health/absences/<int:pk>/call/", views.AbsenceFollowUp.as_view(), name="absence_follow_up"),
    path("health/absences/<int:pk>/return/", views.AbsenceReturn.as_view(), name="absence_return"),
    path("health/attendance/", views.attendance, name="attendance"),
    path("health/children/", views.ChildList.as_view(), name="child_list"),
    path("health/children/new/", views.ChildCreate.as_view(), name="child_create"),
    path("health/children/<int:pk>/edit/", views.ChildUpdate.as_view(), name="child_update"),
    path("health/cases/", views.case_list, name="case_list"),
    path("health/cases/new/", views.CaseCreate.as_view(), name="case_create"),
    path("health/cases/<int:pk>/", views.case_detail, name="case_detail"),
    # hygiene
    path("areas/", views.AreaList.as_view(), name="area_list"),
    path("areas/new/", views.AreaCreate.as_view(), name="area_create"),
    path("areas/<int:pk>/edit/", views.AreaUpdate.as_view(), name="area_update"),
    path("criteria/", views.CriterionList.as_view(), name="criterion_list"),
    path("criteria/new/", views.CriterionCreate.as_view(), name="criterion_create"),
    path("criteria/<int:pk>/edit/", views.CriterionUpdate.as_view(), name="criterion_update"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/correct/", views.inspection_correct, name="inspection_correct"),
    path("problems/", views.problem_list, name="problem_list"),
    path("problems/<int:pk>/correct/", views.ProblemCorrect.as_view(), name="problem_correct"),
    path("problems/<int:pk>/recheck/", views.ProblemRecheck.as_view(), name="problem_recheck"),
    path("ranking/", views.ranking, name="ranking"),
    path("ranking.pdf", views.ranking_pdf, name="ranking_pdf"),
    path("disinfectants/", views.DisinfectantList.as_view(), name="disinfectant_list"),
    path("disinfectants/new/", views.DisinfectantCreate.as_view(), name="disinfectant_create"),
    path("disinfectants/<int:pk>/edit/", views.DisinfectantUpdate.as_view(), name="disinfectant_update"),
    path("disinfection/", views.disinfection_list, name="disinfection_list"),
    path("disinfection/new/", views.DisinfectionCreate.as_view(), name="disinfection_create"),
    path("disinfection/<int:pk>/", views.disinfection_detail, name="disinfection_detail"),
    # utilities
    path("meters/", views.meter_list, name="meter_list"),
    path("meters/new/", views.MeterCreate.as_view(), name="meter_create"),
    path("meters/<int:pk>/", views.meter_detail, name="meter_detail"),
    path("meters/<int:pk>/edit/", views.MeterUpdate.as_view(), name="meter_update"),
    path("meters/<int:pk>/read/", views.reading_create, name="reading_create"),
    path("readings/<int:pk>/correct/", views.ReadingCorrect.as_view(), name="reading_correct"),
    path("settings/", views.SettingsEdit.as_view(), name="settings"),
    # greening
    path("greening/plans/", views.PlanList.as_view(), name="plan_list"),
    path("greening/plans/new/", views.PlanCreate.as_view(), name="plan_create"),
    path("greening/plans/<int:pk>/edit/", views.PlanUpdate.as_view(), name="plan_update"),
    path("greening/tasks/", views.task_list, name="task_list"),
    path("greening/tasks/<int:pk>/done/", views.TaskDone.as_view(), name="task_done"),
]
