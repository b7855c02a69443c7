from django.urls import path

from . import views

app_name = "canteen"

urlpatterns = [
    path("", views.home, name="home"),
    # food samples
    path("samples/today/", views.sample_today, name="sample_today"),
    path("samples/new/", views.sample_create, name="sample_create"),
    path("samples/", views.sample_list, name="sample_list"),
    path("samples/due/", views.sample_due, name="sample_due"),
    path("samples/<int:pk>/", views.sample_detail, name="sample_detail"),
    path("samples/<int:pk>/discard/", views.SampleDiscard.as_view(), name="sample_discard"),
    path("samples/<int:pk>/correct/", views.SampleCorrect.as_view(), name="sample_correct"),
    path("settings/", views.SettingsEdit.as_view(), name="settings"),
    path("fridges/", views.FridgeList.as_view(), name="fridge_list"),
    path("fridges/new/", views.FridgeCreate.as_view(), name="fridge_create"),
    path("fridges/<int:pk>/edit/", views.FridgeUpdate.as_view(), name="fridge_update"),
    # suppliers, incoming inspection, pantry
    path("suppliers/", views.supplier_list, name="supplier_list"),
    path("suppliers/new/", views.SupplierCreate.as_view(), name="supplier_create"),
    path("suppliers/<int:pk>/edit/", views.SupplierUpdate.as_view(), name="supplier_update"),
    path("deliveries/", views.delivery_list, name="delivery_list"),
    path("deliveries/new/", views.delivery_create, name="delivery_create"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery_detail"),
    path("deliveries/<int:pk>/correct/", views.DeliveryCorrect.as_view(), name="delivery_correct"),
    path(
        "deliveries/<int:pk>/lines/<int:line_pk>/correct/",
        views.delivery_line_correct,
        name="delivery_line_correct",
    ),
    path("pantry/", views.pantry, name="pantry"),
    path("pantry/<int:pk>/issue/", views.PantryIssue.as_view(), name="pantry_issue"),
    path("pantry/count/", views.pantry_count, name="pantry_count"),
    # menus and nutrition
    path("menus/", views.menu_list, name="menu_list"),
    path("menus/week/<str:week>/", views.menu_week, name="menu_week"),
    path("menus/<int:pk>/dishes/new/", views.MenuDishAdd.as_view(), name="menu_dish_add"),
    path("menus/dishes/<int:pk>/ingredients/", views.menu_dish_ingredients, name="menu_dish_ingredients"),
    path("menus/dishes/<int:pk>/remove/", views.MenuDishRemove.as_view(), name="menu_dish_remove"),
    path("menus/<int:pk>/copy/", views.MenuCopy.as_view(), name="menu_copy"),
    path("menus/<int:pk>/publish/", views.MenuPublish.as_view(), name="menu_publish"),
    path("menus/<int:pk>/unpublish/", views.MenuUnpublish.as_view(), name="menu_unpublish"),
    path("menus/<int:pk>/notice.pdf", views.menu_pdf, name="menu_pdf"),
    path("public/<uuid:token>/menu/", views.public_menu, name="public_menu"),
    path("nutrition/", views.nutrition, name="nutrition"),
    path("foods/", views.food_list, name="food_list"),
    path("foods/new/", views.FoodCreate.as_view(), name="food_create"),
    # meal-fee account
    path("accounts/", views.account_month, name="account_month"),
    path("accounts/statement.pdf", views.account_pdf, name="account_pdf"),
    path("accounts/new/", views.AccountEntryCreate.as_view(), name="account_entry_create"),
    path("accounts/<int:pk>/correct/", views.AccountEntryCorrect.as_view(), name="account_entry_correct"),
    # daily logs
    path("disinfection/", views.DisinfectionList.as_view(), name="disinfection_list"),
    path("disinfection/new/", views.DisinfectionCreate.as_view(), name="disinfection_create"),
    path("waste/", views.WasteList.as_view(), name="waste_list"),
    path("waste/new/", views.WasteCreate.as_view(), name="waste_create"),
    path("checks/", views.morning_checks, name="morning_checks"),
    path("checks/new/", views.MorningCheckCreate.as_view(), name="morning_check_create"),
    path("dining/", views.DiningList.as_view(), name="dining_list"),
    path("dining/new/", views.DiningCreate.as_view(), name="dining_create"),
    path("surveys/", views.SurveyList.as_view(), name="survey_list"),
    path("surveys/new/", views.SurveyCreate.as_view(), name="survey_create"),
]
