"""The authorization table: for EVERY named URL, the action it needs and how to build its kwargs.

A URL without an entry fails `test_authz_table.py`: add one here when you add a view. Fields of `U`:

    perm          an action of logistics.permissions.PERMISSIONS (a tuple: any of them), or
                  "public" (no login) / "login" (any signed-in user)
    obj           "app.Model" whose first object of the own / the other school fills the kwargs
                  (another school's object must answer 404)
    kwargs        (world, school, obj) -> kwargs, when they are not just {"pk": obj.pk}; see matrix.K
    make          (world, school) -> obj, when the demo data has no such object
    post_only     the view only takes POST (GET answers 405)
    post_perm     the action a POST needs, when it differs from `perm`
    ok            answers of an allowed GET (default 200; e.g. 302 for a view that redirects)
    visible_roles roles that may see this particular object (others with the action get 404)
    scoped        False for objects that belong to a user rather than a school
    post_check    False when an allowed POST with no data would break the test itself (logout)
    owner_only    only the person who raised the object may use it (others with the action: 403/404)
    cross_school  roles that see other schools' objects by design (the district's bureau)
    skip          a reason not to request the URL at all (kept to a minimum)
"""

from dataclasses import dataclass

from logistics.permissions import PERMISSIONS
from tests.security.matrix import LOGIN, PUBLIC, K, M

# finance: lists and details are open to those who raise requests and to finance viewers; a detail
# page shows one person's request only to them and to these roles (finance.selectors.SEE_ALL_REQUESTS)
FIN_READ = ("finance.request", "finance.view")
FIN_SEE_ALL = ("principal", "director", "staff", "accountant", "bureau")


@dataclass(frozen=True)
class U:
    perm: object
    obj: str = ""
    kwargs: object = None
    make: object = None
    post_only: bool = False
    post_perm: str = ""
    ok: tuple = (200,)
    roles: tuple | None = None
    visible_roles: tuple | None = None
    scoped: bool = True
    post_check: bool = True
    owner_only: bool = False
    cross_school: tuple = ()
    skip: str = ""


URLS = {
    "dashboard": U(LOGIN),
    "healthz": U(PUBLIC),
    "login": U(PUBLIC, ok=(200, 302)),  # signed-in users are sent on
    "logout": U(LOGIN, post_only=True, post_check=False),  # would end the test's sessions
    "password_change": U(LOGIN),
    "set_language": U(PUBLIC, ok=(302,)),
    "switch_school": U(LOGIN, post_only=True, post_check=False),  # needs a school id
    "notifications": U(LOGIN),
    "notifications_read": U(LOGIN, post_only=True),
    "notification_open": U(
        LOGIN,
        obj="logistics.Notification",
        make=M.notification_for_director,
        ok=(302,),
        visible_roles=("director",),
        scoped=False,
    ),
    "object_history": U("org.view", kwargs=K.history),
    "attachment": U("org.view", obj="logistics.Attachment", kwargs=K.uuid, make=M.attachment),
    "org:campus_list": U("org.view"),
    "org:campus_create": U("org.manage"),
    "org:campus_update": U("org.manage", obj="logistics.Campus"),
    "org:room_list": U("org.view"),
    "org:room_create": U("org.manage"),
    "org:room_update": U("org.manage", obj="logistics.Room"),
    "org:department_list": U("org.view"),
    "org:department_create": U("org.manage"),
    "org:department_update": U("org.manage", obj="logistics.Department"),
    "org:member_list": U("org.manage"),
    "org:member_add": U("org.manage"),
    "org:member_update": U("org.manage", obj="logistics.Membership"),
    "org:member_end": U("org.manage", obj="logistics.Membership"),
    "org:staff_list": U("staff.view"),
    "org:staff_detail": U("staff.view", obj="logistics.StaffProfile"),
    "org:staff_update": U("staff.manage", obj="logistics.StaffProfile"),
    "org:certificate_add": U("staff.manage", obj="logistics.StaffProfile", kwargs=K.staff_pk),
    "org:certificate_update": U("staff.manage", obj="logistics.Certificate"),
    "org:certificates_expiring": U("staff.view"),
    "reports:index": U("reports.view"),
    "reports:download": U(
        "reports.view",
        kwargs=K.const(key="org.certificates", fmt="xlsx"),
        visible_roles=tuple(PERMISSIONS["staff.view"]),  # the report's own permission; others get 404
    ),
    "monthend:pack_list": U("monthend.view"),
    "monthend:pack_regenerate": U("reports.generate", post_only=True),
    "monthend:pack_detail": U(
        "monthend.view", obj="monthend.MonthPack", make=M.month_pack, cross_school=("bureau",)
    ),
    "monthend:pack_download": U(
        "monthend.view",
        obj="monthend.MonthPack",
        make=M.month_pack,
        kwargs=K.pk_and(fmt="xlsx"),
        visible_roles=(),
    ),  # 404 until the pack is ready
    "monthend:bureau": U("monthend.bureau"),
    "monthend:bureau_zip": U(
        "monthend.bureau", kwargs=K.last_month, visible_roles=()
    ),  # 404 while no pack of the month is ready
    "monthend:task_list": U("duties.view"),
    "monthend:task_assign": U("duties.manage", obj="monthend.DutyTask", make=M.duty_task, post_only=True),
    "monthend:task_action": U(
        "duties.do",
        obj="monthend.DutyTask",
        make=M.duty_task,
        kwargs=K.pk_and(action="complete"),
        post_only=True,
    ),
    "monthend:duty_list": U("duties.view"),
    "monthend:duty_create": U("duties.manage"),
    "monthend:duty_update": U("duties.manage", obj="monthend.Duty", make=M.duty),
    "monthend:duty_settings": U("duties.manage"),
    "assets:asset_list": U("assets.view"),
    "assets:asset_create": U("assets.manage"),
    "assets:asset_detail": U("assets.view", obj="assets.Asset"),
    "assets:asset_edit": U("assets.manage", obj="assets.Asset"),
    "assets:asset_issue": U("assets.manage", obj="assets.Asset"),
    "assets:asset_lend": U("assets.manage", obj="assets.Asset"),
    "assets:asset_transfer": U("assets.manage", obj="assets.Asset"),
    "assets:asset_dispose": U("assets.manage", obj="assets.Asset"),
    "assets:loan_list": U("assets.view"),
    "assets:loan_return": U("assets.manage", obj="assets.AssetLoan", post_only=True),
    "assets:disposal_list": U("assets.view"),
    "assets:disposal_decide": U("assets.approve", obj="assets.DisposalRequest", post_only=True),
    "assets:handover": U("assets.manage"),
    "assets:category_list": U("assets.view"),
    "assets:category_create": U("assets.manage"),
    "assets:settings": U("assets.manage"),
    "assets:import": U("assets.manage"),
    "assets:import_template": U("assets.manage"),
    "assets:labels": U("assets.view"),
    "assets:room_index": U("assets.view"),
    "assets:room_sheet": U("assets.view", obj="logistics.Room"),
    "assets:room_sheet_export": U("assets.view", obj="logistics.Room", kwargs=K.pk_and(fmt="xlsx")),
    "assets:store_list": U("stores.view"),
    "assets:store_item_create": U("stores.manage"),
    "assets:consumption": U("stores.view"),
    "assets:store_item": U("stores.view", obj="assets.StoreItem"),
    "assets:stock_in": U("stores.manage", obj="assets.StoreItem"),
    "assets:stock_out": U("stores.manage", obj="assets.StoreItem"),
    "assets:stock_count": U("stores.manage", obj="assets.StoreItem"),
    "assets:repair_list": U("repairs.view"),
    "assets:repair_create": U("repairs.raise"),
    "assets:repair_detail": U(
        "repairs.view",
        obj="assets.RepairRequest",
        make=M.repair_by_director,
        visible_roles=("principal", "director", "staff", "bureau"),  # and whoever raised or repairs it
    ),
    "assets:repair_action": U(
        "repairs.raise", obj="assets.RepairRequest", kwargs=K.pk_and(action="complete"), post_only=True
    ),
    "assets:maintenance_list": U("repairs.view"),
    "assets:maintenance_plan_create": U("repairs.manage"),
    "assets:maintenance_task_done": U("repairs.manage", obj="assets.MaintenanceTask", post_only=True),
    "assets:stocktake_list": U("assets.view"),
    "assets:stocktake_create": U("assets.manage"),
    "assets:stocktake_detail": U("assets.view", obj="assets.Stocktake"),
    "assets:stocktake_room": U("assets.manage", obj="assets.Stocktake", kwargs=K.stocktake_room),
    "assets:stocktake_submit": U("assets.manage", obj="assets.Stocktake", post_only=True),
    "assets:stocktake_export": U("assets.view", obj="assets.Stocktake", kwargs=K.pk_and(fmt="xlsx")),
    "assets:stocktake_close": U("assets.approve", obj="assets.Stocktake", post_only=True),
    "assets:reconciliation_list": U("assets.view"),
    "assets:reconciliation_run": U("assets.manage", post_only=True),
    "assets:reconciliation_detail": U(
        "assets.view", obj="assets.Reconciliation", kwargs=K.month_of("month"), scoped=False
    ),  # a month, not an id: always the own school's
    "assets:damage_list": U("assets.view"),
    "assets:damage_create": U("assets.manage"),
    "assets:damage_settle": U("assets.manage", obj="assets.DamageCase", post_only=True),
    "canteen:home": U("canteen.view"),
    "canteen:sample_today": U("canteen.record"),
    "canteen:sample_create": U("canteen.record"),
    "canteen:sample_list": U("canteen.view"),
    "canteen:sample_due": U("canteen.record"),
    "canteen:sample_detail": U("canteen.view", obj="canteen.FoodSample"),
    "canteen:sample_discard": U("canteen.record", obj="canteen.FoodSample", post_only=True),
    "canteen:sample_correct": U("canteen.manage", obj="canteen.FoodSample"),
    "canteen:settings": U("canteen.settings"),
    "canteen:fridge_list": U("canteen.record"),
    "canteen:fridge_create": U("canteen.manage"),
    "canteen:fridge_update": U("canteen.manage", obj="canteen.Fridge"),
    "canteen:supplier_list": U("canteen.record"),
    "canteen:supplier_create": U("canteen.manage"),
    "canteen:supplier_update": U("canteen.manage", obj="canteen.Supplier"),
    "canteen:delivery_list": U("canteen.record"),
    "canteen:delivery_create": U("canteen.manage"),
    "canteen:delivery_detail": U("canteen.record", obj="canteen.Delivery"),
    "canteen:delivery_correct": U("canteen.manage", obj="canteen.Delivery"),
    "canteen:delivery_line_correct": U("canteen.manage", obj="canteen.DeliveryLine", kwargs=K.delivery_line),
    "canteen:pantry": U("canteen.record"),
    "canteen:pantry_issue": U("canteen.manage", obj="canteen.PantryBatch"),
    "canteen:pantry_count": U("canteen.manage"),
    "canteen:menu_list": U("canteen.view"),
    "canteen:menu_week": U("canteen.view", kwargs=K.this_week),
    "canteen:menu_dish_add": U("canteen.manage", obj="canteen.Menu", post_only=True),
    "canteen:menu_dish_ingredients": U("canteen.manage", obj="canteen.MenuDish"),
    "canteen:menu_dish_remove": U("canteen.manage", obj="canteen.MenuDish", post_only=True),
    "canteen:menu_copy": U("canteen.manage", obj="canteen.Menu", post_only=True),
    "canteen:menu_publish": U("canteen.manage", obj="canteen.Menu", post_only=True),
    "canteen:menu_unpublish": U("canteen.manage", obj="canteen.Menu", post_only=True),
    "canteen:menu_pdf": U("canteen.view", obj="canteen.Menu"),
    "canteen:public_menu": U(PUBLIC, kwargs=K.public_token),
    "canteen:nutrition": U("canteen.view"),
    "canteen:food_list": U("canteen.view"),
    "canteen:food_create": U("canteen.manage"),
    "canteen:account_month": U("canteen.accounts"),
    "canteen:account_pdf": U("canteen.accounts"),
    "canteen:account_entry_create": U("canteen.accounts.manage"),
    "canteen:account_entry_correct": U("canteen.accounts.manage", obj="canteen.FeeEntry"),
    "canteen:disinfection_list": U("canteen.view"),
    "canteen:disinfection_create": U("canteen.record"),
    "canteen:waste_list": U("canteen.view"),
    "canteen:waste_create": U("canteen.record"),
    "canteen:morning_checks": U("canteen.view"),
    "canteen:morning_check_create": U("canteen.record", post_only=True),
    "canteen:dining_list": U("canteen.view"),
    "canteen:dining_create": U("canteen.record"),
    "canteen:survey_list": U("canteen.view"),
    "canteen:survey_create": U("canteen.manage"),
    "safety:home": U("safety.view"),
    "safety:settings": U("safety.manage"),
    "safety:inspection_list": U("safety.view"),
    "safety:inspection_start": U("safety.inspect", post_only=True),
    "safety:inspection_detail": U("safety.view", obj="safety.Inspection"),
    "safety:inspection_correct": U("safety.manage", obj="safety.InspectionItem", post_only=True),
    "safety:template_list": U("safety.manage"),
    "safety:template_edit": U("safety.manage", kwargs=K.const(kind="weekly")),
    "safety:hazard_list": U("safety.view"),
    "safety:hazard_report": U("hazards.report"),
    "safety:hazard_detail": U("safety.view", obj="safety.Hazard"),
    "safety:hazard_correct": U(
        "safety.manage",
        obj="safety.Hazard",
        make=M.where("safety.Hazard", source_item__isnull=True, status="assigned"),  # a verified one: 302
    ),
    "safety:hazard_action": U(
        "safety.manage", obj="safety.Hazard", kwargs=K.pk_and(action="verify"), post_only=True
    ),
    "safety:hazard_withdraw": U(
        "safety.manage", obj="safety.Hazard", make=M.where("safety.Hazard", status="assigned")
    ),  # a verified or withdrawn one: 302
    "safety:drill_list": U("safety.view"),
    "safety:drill_plan": U("safety.manage"),
    "safety:drill_detail": U("safety.view", obj="safety.Drill"),
    "safety:drill_record": U("safety.manage", obj="safety.Drill"),
    "safety:visitor_list": U("visitors.view"),
    "safety:visitor_new": U("visitors.record"),
    "safety:visitor_out": U("visitors.record", obj="safety.Visitor", post_only=True),
    "safety:visitor_id_number": U("visitors.view_id", obj="safety.Visitor"),
    "safety:pickup_id_number": U("visitors.view_id", obj="safety.PickupException"),
    "safety:pickup_list": U("visitors.view"),
    "safety:pickup_new": U("visitors.record"),
    "safety:equipment_list": U("safety.view"),
    "safety:equipment_new": U("safety.inspect"),
    "safety:equipment_edit": U("safety.inspect", obj="safety.FireEquipment"),
    "safety:selfcheck_list": U("safety.view"),
    "safety:selfcheck_start": U("safety.inspect", post_only=True),
    "safety:selfcheck_detail": U("safety.view", obj="safety.FireSelfCheck"),
    "safety:selfcheck_correct": U(
        "safety.manage", obj="safety.FireSelfCheck", make=M.where("safety.FireSelfCheck", status="submitted")
    ),  # an open one: 302
    "safety:fire_check_list": U("safety.view"),
    "safety:fire_check_new": U("safety.inspect"),
    "safety:fire_check_sign": U("safety.inspect", obj="safety.FirePreventionCheck", post_only=True),
    "safety:fire_check_detail": U("safety.view", obj="safety.FirePreventionCheck"),
    "safety:fire_check_correct": U(
        "safety.inspect",
        obj="safety.FirePreventionCheck",
        visible_roles=("principal", "director"),  # the demo check's inspector (director) or a manager
    ),
    "safety:hazmat_list": U("safety.view"),
    "safety:hazmat_new": U("safety.manage"),
    "safety:hazmat_detail": U("safety.view", obj="safety.HazardousMaterial"),
    "safety:duty_list": U("safety.view"),
    "safety:duty_new": U("safety.manage"),
    "safety:duty_edit": U("safety.manage", obj="safety.DutyShift"),
    "safety:education_list": U("safety.view"),
    "safety:education_new": U("safety.manage"),
    "safety:education_edit": U("safety.manage", obj="safety.EducationEvent"),
    "finance:request_list": U(FIN_READ),
    "finance:request_create": U("finance.request"),
    "finance:request_detail": U(
        FIN_READ,
        obj="finance.PurchaseRequest",
        make=M.not_by("finance.PurchaseRequest", "requester"),
        visible_roles=FIN_SEE_ALL,
    ),
    "finance:request_revise": U(
        FIN_READ, obj="finance.PurchaseRequest", owner_only=True
    ),  # the requester, when rejected
    "finance:request_decide": U(
        "finance.approve",
        obj="finance.PurchaseRequest",
        make=M.not_by("finance.PurchaseRequest", "requester"),
        visible_roles=FIN_SEE_ALL,
        post_only=True,
    ),
    "finance:request_cancel": U(
        "finance.request",
        obj="finance.PurchaseRequest",
        make=M.not_by("finance.PurchaseRequest", "requester"),
        visible_roles=FIN_SEE_ALL,
        post_only=True,
    ),
    "finance:request_correct": U("finance.purchase", obj="finance.PurchaseRequest"),
    "finance:quote_add": U(
        "finance.request",
        obj="finance.PurchaseRequest",
        make=M.not_by("finance.PurchaseRequest", "requester"),
        visible_roles=FIN_SEE_ALL,
    ),
    "finance:request_purchase": U("finance.purchase", obj="finance.PurchaseRequest"),
    "finance:request_accept": U("finance.purchase", obj="finance.PurchaseRequest"),
    "finance:approvals": U("finance.approve"),
    "finance:reimbursement_list": U(FIN_READ),
    "finance:reimbursement_create": U("finance.request"),
    "finance:reimbursement_detail": U(
        FIN_READ,
        obj="finance.Reimbursement",
        make=M.not_by("finance.Reimbursement", "claimant"),
        visible_roles=FIN_SEE_ALL,
    ),
    "finance:reimbursement_sign": U(
        "finance.request",
        obj="finance.Reimbursement",
        make=M.not_by("finance.Reimbursement", "claimant"),
        visible_roles=FIN_SEE_ALL,
        post_only=True,
    ),
    "finance:reimbursement_pay": U("finance.manage", obj="finance.Reimbursement", post_only=True),
    "finance:loan_list": U(FIN_READ),
    "finance:loan_create": U("finance.request"),
    "finance:loan_detail": U(FIN_READ, obj="finance.Loan", make=M.loan, visible_roles=FIN_SEE_ALL),
    "finance:loan_decide": U("finance.approve", obj="finance.Loan", make=M.loan, post_only=True),
    "finance:loan_disburse": U("finance.manage", obj="finance.Loan", make=M.loan, post_only=True),
    "finance:loan_repay": U("finance.manage", obj="finance.Loan", make=M.loan, post_only=True),
    "finance:budget": U("finance.view"),
    "finance:budget_create": U("finance.manage"),
    "finance:budget_update": U("finance.manage", obj="finance.BudgetLine"),
    "finance:income_list": U("finance.manage"),
    "finance:statement_list": U("finance.view"),
    "finance:statement_detail": U("finance.view", obj="finance.MonthlyStatement"),
    "finance:statement_advance": U("finance.view", obj="finance.MonthlyStatement", post_only=True),
    "finance:disclosure": U("finance.disclosure"),
    "finance:settings": U("finance.settings"),
    "hygiene:health_today": U("hygiene.view"),
    "hygiene:check_list": U("hygiene.view"),
    "hygiene:check_create": U("health.record"),
    "hygiene:check_detail": U("hygiene.view", obj="hygiene.HealthCheck"),
    "hygiene:absence_list": U("hygiene.view"),
    "hygiene:absence_create": U("health.record"),
    "hygiene:absence_detail": U("hygiene.view", obj="hygiene.SickAbsence"),
    "hygiene:absence_follow_up": U("health.record", obj="hygiene.SickAbsence", post_only=True),
    "hygiene:absence_return": U("health.record", obj="hygiene.SickAbsence", post_only=True),
    "hygiene:attendance": U("hygiene.view"),
    "hygiene:child_list": U("hygiene.view"),
    "hygiene:child_create": U("health.manage"),
    "hygiene:child_update": U("health.manage", obj="hygiene.Child"),
    "hygiene:case_list": U("hygiene.view"),
    "hygiene:case_create": U("health.manage"),
    "hygiene:case_detail": U("hygiene.view", obj="hygiene.InfectiousCase"),
    "hygiene:area_list": U("hygiene.view"),
    "hygiene:area_create": U("hygiene.manage"),
    "hygiene:area_update": U("hygiene.manage", obj="hygiene.ResponsibilityArea"),
    "hygiene:criterion_list": U("hygiene.view"),
    "hygiene:criterion_create": U("hygiene.manage"),
    "hygiene:criterion_update": U("hygiene.manage", obj="hygiene.HygieneCriterion"),
    "hygiene:inspection_list": U("hygiene.view"),
    "hygiene:inspection_create": U("hygiene.manage"),
    "hygiene:inspection_detail": U("hygiene.view", obj="hygiene.HygieneInspection"),
    "hygiene:inspection_correct": U(
        "hygiene.manage", obj="hygiene.HygieneInspection", post_only=True, post_check=False
    ),  # empty POST: 404 (no criterion)
    "hygiene:problem_list": U("hygiene.view"),
    "hygiene:problem_correct": U("hygiene.record", obj="hygiene.HygieneProblem", post_only=True),
    "hygiene:problem_recheck": U("hygiene.manage", obj="hygiene.HygieneProblem", post_only=True),
    "hygiene:ranking": U("hygiene.view"),
    "hygiene:ranking_pdf": U("hygiene.view"),
    "hygiene:disinfectant_list": U("hygiene.view"),
    "hygiene:disinfectant_create": U("hygiene.manage"),
    "hygiene:disinfectant_update": U("hygiene.manage", obj="hygiene.Disinfectant"),
    "hygiene:disinfection_list": U("hygiene.view"),
    "hygiene:disinfection_create": U("hygiene.record"),
    "hygiene:disinfection_detail": U("hygiene.view", obj="hygiene.DisinfectionRecord"),
    "hygiene:meter_list": U("utilities.view"),
    "hygiene:meter_create": U("utilities.record"),
    "hygiene:meter_detail": U("utilities.view", obj="hygiene.Meter"),
    "hygiene:meter_update": U("utilities.record", obj="hygiene.Meter"),
    "hygiene:reading_create": U("utilities.record", obj="hygiene.Meter"),
    "hygiene:reading_correct": U("utilities.record", obj="hygiene.MeterReading", post_only=True),
    "hygiene:settings": U("hygiene.manage"),
    "hygiene:plan_list": U("hygiene.view"),
    "hygiene:plan_create": U("greening.manage"),
    "hygiene:plan_update": U("greening.manage", obj="hygiene.GreeningPlan"),
    "hygiene:task_list": U("hygiene.view"),
    "hygiene:task_done": U(
        "greening.manage", obj="hygiene.GreeningTask", make=M.where("hygiene.GreeningTask", status="open")
    ),
}
