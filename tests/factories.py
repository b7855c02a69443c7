import datetime

import factory
from django.contrib.auth import get_user_model

from logistics.choices import CertificateKind, Role, RoomType, SchoolKind
from logistics.models import (
    BureauAccount,
    Campus,
    Certificate,
    Department,
    District,
    Membership,
    Room,
    School,
    StaffProfile,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "pass-1234")
        if create:
            obj.save(update_fields=["password"])


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"区县{n}")
    bureau_name = factory.LazyAttribute(lambda o: f"{o.name}教育局")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"SCH{n:04d}")
    name = factory.Sequence(lambda n: f"测试学校{n}")
    kind = SchoolKind.KINDERGARTEN


class CampusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campus

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"校区{n}")
    is_main = False


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"部门{n}")


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    school = factory.SubFactory(SchoolFactory)
    campus = factory.LazyAttribute(lambda o: CampusFactory(school=o.school))
    name = factory.Sequence(lambda n: f"房间{n}")
    room_type = RoomType.CLASSROOM


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Role.TEACHER


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile
        django_get_or_create = ("school", "user")

    school = factory.SubFactory(SchoolFactory)
    user = factory.SubFactory(UserFactory)
    post = "保育员"


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    staff = factory.SubFactory(StaffProfileFactory)
    school = factory.LazyAttribute(lambda o: o.staff.school)
    kind = CertificateKind.HEALTH
    number = factory.Sequence(lambda n: f"JK{n:06d}")
    issued_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=300))
    expires_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=65))


class BureauAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BureauAccount

    user = factory.SubFactory(UserFactory)
    district = factory.SubFactory(DistrictFactory)


def member(school, role, username=None, **kwargs):
    """A user with an active membership of `school` in `role`, and their staff record."""
    user = UserFactory(username=username) if username else UserFactory()
    MembershipFactory(user=user, school=school, role=role, **kwargs)
    StaffProfileFactory(school=school, user=user)
    return user
