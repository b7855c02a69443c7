from django.urls import path

from . import views

app_name = "safety"

urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", views.settings_edit, name="settings"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/start/", views.inspection_start, name="inspection_start"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/items/<int:pk>/correct/", views.inspection_correct, name="inspection_correct"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/<str:kind>/", views.template_edit, name="template_edit"),
    path("hazards/", views.hazard_list, name="hazard_list"),
    path("hazards/new/", views.hazard_report, name="hazard_report"),
    path("hazards/<int:pk>/", views.hazard_detail, name="hazard_detail"),
    path("hazards/<int:pk>/correct/", views.hazard_correct, name="hazard_correct"),  # before hazard_action
    path("hazards/<int:pk>/withdraw/", views.hazard_withdraw, name="hazard_withdraw"),  # before hazard_action
    path("hazards/<int:pk>/<str:action>/", views.hazard_action, name="hazard_action"),
    path("drills/", views.drill_list, name="drill_list"),
    path("drills/new/", views.drill_plan, name="drill_plan"),
    path("drills/<int:pk>/", views.drill_detail, name="drill_detail"),
    path("drills/<int:pk>/record/", views.drill_record, name="drill_record"),
    path("visitors/", views.visitor_list, name="visitor_list"),
    path("visitors/new/", views.visitor_new, name="visitor_new"),
    path("visitors/<int:pk>/out/", views.visitor_out, name="visitor_out"),
    path("visitors/<int:pk>/id-number/", views.visitor_id_number, name="visitor_id_number"),
    path("pickups/", views.pickup_list, name="pickup_list"),
    path("pickups/new/", views.pickup_new, name="pickup_new"),
    path("pickups/<int:pk>/id-number/", views.pickup_id_number, name="pickup_id_number"),
    path("fire/equipment/", views.equipment_list, name="equipment_list"),
    path("fire/equipment/new/", views.equipment_edit, name="equipment_new"),
    path("fire/equipment/<int:pk>/edit/", views.equipment_edit, name="equipment_edit"),
    path("fire/self-checks/", views.selfcheck_list, name="selfcheck_list"),
    path("fire/self-checks/start/", views.selfcheck_start, name="selfcheck_start"),
    path("fire/self-checks/<int:pk>/", views.selfcheck_detail, name="selfcheck_detail"),
    path("fire/self-checks/<int:pk>/correct/", views.selfcheck_correct, name="selfcheck_correct"),
    path("fire/checks/", views.fire_check_list, name="fire_check_list"),
    path("fire/checks/new/", views.fire_check_new, name="fire_check_new"),
    path("fire/checks/<int:pk>/", views.fire_check_detail, name="fire_check_detail"),
    path("fire/checks/<int:pk>/correct/", views.fire_check_correct, name="fire_check_correct"),
    path("fire/checks/<int:pk>/sign/", views.fire_check_sign, name="fire_check_sign"),
    path("hazmat/", views.hazmat_list, name="hazmat_list"),
    path("hazmat/new/", views.hazmat_new, name="hazmat_new"),
    path("hazmat/<int:pk>/", views.hazmat_detail, name="hazmat_detail"),
    path("duty/", views.duty_list, name="duty_list"),
    path("duty/new/", views.duty_edit, name="duty_new"),
    path("duty/<int:pk>/edit/", views.duty_edit, name="duty_edit"),
    path("education/", views.education_list, name="education_list"),
    path("education/new/", views.education_edit, name="education_new"),
    path("education/<int:pk>/edit/", views.education_edit, name="education_edit"),
]
