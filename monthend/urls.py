from django.urls import path

from . import views

app_name = "monthend"

urlpatterns = [
    path("", views.PackList.as_view(), name="pack_list"),
    path("regenerate/", views.PackRegenerate.as_view(), name="pack_regenerate"),
    path("packs/<int:pk>/", views.pack_detail, name="pack_detail"),
    path("packs/<int:pk>/download.<str:fmt>", views.pack_download, name="pack_download"),
    path("bureau/", views.bureau_overview, name="bureau"),
    path("bureau/<str:month>.zip", views.bureau_zip, name="bureau_zip"),
    path("duties/", views.TaskList.as_view(), name="task_list"),
    path("duties/tasks/<int:pk>/assign/", views.TaskAssign.as_view(), name="task_assign"),
    path("duties/tasks/<int:pk>/<str:action>/", views.TaskActionView.as_view(), name="task_action"),
    path("calendar/", views.DutyList.as_view(), name="duty_list"),
    path("calendar/new/", views.DutyCreate.as_view(), name="duty_create"),
    path("calendar/<int:pk>/edit/", views.DutyUpdate.as_view(), name="duty_update"),
    path("calendar/settings/", views.DutySettingsView.as_view(), name="duty_settings"),
]
