"""The columns of the units import: machine names, Vietnamese headings and help, and the
groups the row parser reads them by."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from units.importing.tables import Column

UNIT_IMPORT_COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        gettext_lazy("Mã đơn vị"),
        ("mã đơn vị", "mã"),
        required=True,
        help=gettext_lazy("Mã đã có thì cập nhật."),
    ),
    Column("name", gettext_lazy("Tên đơn vị"), ("tên đơn vị", "tên"), required=True),
    Column(
        "category",
        gettext_lazy("Loại hình"),
        ("loại hình",),
        required=True,
        help=gettext_lazy("Mã loại hình (private_enterprise …) hoặc tên tiếng Việt."),
    ),
    Column(
        "federation_code",
        gettext_lazy("Mã công đoàn cấp trên"),
        ("mã công đoàn cấp trên",),
        required=True,
        help=gettext_lazy("Mã của công đoàn cấp trên trực tiếp trong cây tổ chức."),
    ),
    Column("employees", gettext_lazy("Số lao động"), ("số lao động",), help=gettext_lazy("Trống là 0.")),
    Column("union_members", gettext_lazy("Số đoàn viên"), ("số đoàn viên",), help=gettext_lazy("Trống là 0.")),
    Column(
        "established_on",
        gettext_lazy("Ngày thành lập"),
        ("ngày thành lập",),
        help=gettext_lazy("dd/mm/yyyy hoặc YYYY-MM-DD."),
    ),
    Column(
        "dissolved_on",
        gettext_lazy("Ngày giải thể"),
        ("ngày giải thể",),
        help=gettext_lazy("dd/mm/yyyy hoặc YYYY-MM-DD."),
    ),
    Column("chair_name", gettext_lazy("Chủ tịch CĐCS"), ("chủ tịch cđcs",)),
    Column("chair_email", gettext_lazy("Email chủ tịch"), ("email chủ tịch",)),
    Column(
        "chair_phone",
        gettext_lazy("Điện thoại chủ tịch"),
        ("điện thoại chủ tịch", "sđt chủ tịch"),
        help=gettext_lazy("Chủ tịch có email hoặc điện thoại được tạo tài khoản khi nhập."),
    ),
    Column("address", gettext_lazy("Địa chỉ"), ("địa chỉ",)),
    Column(
        "work_year_start_month",
        gettext_lazy("Tháng bắt đầu năm công tác"),
        ("tháng bắt đầu năm công tác", "tháng bắt đầu năm học"),
        help=gettext_lazy("1 đến 12; trống là 1 (năm dương lịch), trường học theo năm học thường là 9."),
    ),
    Column(
        "category_effective_on",
        gettext_lazy("Loại hình mới áp dụng từ ngày"),
        ("loại hình mới áp dụng từ ngày", "ngày áp dụng loại hình"),
        help=gettext_lazy(
            "Khi dòng đổi loại hình của đơn vị đã có: dd/mm/yyyy hoặc YYYY-MM-DD; trống là hôm nay. "
            "Các kỳ báo cáo kết thúc trước ngày này giữ loại hình cũ."
        ),
    ),
)
LABELS = {c.name: c.label for c in UNIT_IMPORT_COLUMNS} | {"node": gettext_lazy("Mã công đoàn cấp trên")}
TEXT_LIMITS = {"code": 32, "name": 255, "chair_name": 120, "chair_email": 254, "chair_phone": 32, "address": 255}
COUNTS = ("employees", "union_members")
DATES = ("established_on", "dissolved_on")
