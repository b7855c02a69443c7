from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import org_views, registry, views

org_patterns = (
    [
        path("campuses/", org_views.CampusList.as_view(), name="campus_list"),
        path("campuses/new/", org_views.CampusCreate.as_view(), name="campus_create"),
        path("campuses/<int:pk>/edit/", org_views.CampusUpdate.as_view(), name="campus_update"),
        path("rooms/", org_views.RoomList.as_view(), name="room_list"),
        path("rooms/new/", org_views.RoomCreate.as_view(), name="room_create"),
        path("rooms/<int:pk>/edit/", org_views.RoomUpdate.as_view(), name="room_update"),
        path("departments/", org_views.DepartmentList.as_view(), name="department_list"),
        path("departments/new/", org_views.DepartmentCreate.as_view(), name="department_create"),
        path("departments/<int:pk>/edit/", org_views.DepartmentUpdate.as_view(), name="department_update"),
        path("members/", org_views.MemberList.as_view(), name="member_list"),
        path("members/new/", org_views.member_add, name="member_add"),
        path("members/<int:pk>/edit/", org_views.MemberUpdate.as_view(), name="member_update"),
        path("members/<int:pk>/end/", org_views.member_end, name="member_end"),
        path("staff/", org_views.StaffList.as_view(), name="staff_list"),
        path("staff/<int:pk>/", org_views.staff_detail, name="staff_detail"),
        path("staff/<int:pk>/edit/", org_views.StaffUpdate.as_view(), name="staff_update"),
        path("staff/<int:staff_pk>/certificates/new/", org_views.certificate_add, name="certificate_add"),
        path("certificates/<int:pk>/edit/", org_views.CertificateUpdate.as_view(), name="certificate_update"),
        path("certificates/expiring/", org_views.certificates_expiring, name="certificates_expiring"),
    ],
    "org",
)

report_patterns = (
    [
        path("", org_views.reports_index, name="index"),
        path("<str:key>.<str:fmt>", org_views.report_download, name="download"),
    ],
    "reports",
)

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("school/switch/", views.switch_school, name="switch_school"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("history/<int:content_type_id>/<str:object_id>/", views.object_history, name="object_history"),
    path("files/<uuid:uuid>/", views.attachment_download, name="attachment"),
    path("org/", include(org_patterns)),
    path("reports/", include(report_patterns)),
    # each domain app's pages under its label (assets/, canteen/, ...), found through the registry
    *(path(f"{label}/", include(f"{module.__name__}")) for label, module in registry.modules("urls")),
    path("admin/", admin.site.urls),
]

handler403 = "logistics.views.permission_denied"
handler404 = "logistics.views.page_not_found"
handler500 = "logistics.views.server_error"
