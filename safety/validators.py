"""Chinese resident ID numbers (GB 11643-1999): 17 digits, a birth date, and a mod-11 check character."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def id_check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def validate_id_number(value: str) -> None:
    value = normalise_id_number(value)
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(_("身份证号应为18位：前17位数字，最后一位为数字或X。"), code="id_format")
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise ValidationError(_("身份证号中的出生日期无效。"), code="id_birth") from exc
    if birth.year < 1900 or birth > datetime.date.today():
        raise ValidationError(_("身份证号中的出生日期无效。"), code="id_birth")
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对。"), code="id_checksum")
