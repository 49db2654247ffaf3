"""Demo applications: a realistic review queue for a new reviewer, in every state of the workflow.

Every application is built through the real services (answers saved step by step, documents uploaded,
submitted, reviewed, requested, answered, decided), so its timeline reads like a real one. The demo
merchant (the demo merchant login) gets a rejected application from months ago and a current one approved by
the demo lead, which drafts its contract as in production (the contracts demo issues it: "accept your
contract"); a few more demo merchants hold a draft, fresh and overdue submissions, one in review, one with an
open information request, one resubmitted with an answer changed that the request did not ask for, three
more approved (platform entry, joint operation, franchise: the contracts demo takes their drafted contracts
further) and a rejected one. Each demo merchant has its own unified social credit code (valid check
character) and address.

Idempotent: a demo merchant that already has an application is left as it is, so a second run creates
nothing. Nothing here runs outside `load_demo` (through `OnboardingConfig.load_demo_content`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from portal.accounts.services import DEMO_MERCHANT_NAME
from portal.calendar import add_working_days
from portal.models import Category, Merchant, MerchantMembership, User
from portal.roles import Role

from .models import Application, ApplicationStatus, DocumentCheckStatus
from .selectors import application_document_slots, application_required_documents
from .services import (
    application_approve,
    application_compliance_signoff,
    application_create,
    application_reject,
    application_resubmit,
    application_start_review,
    application_submit,
    application_update_step,
    document_add,
    document_check,
    info_request_create,
)

S = ApplicationStatus
DEMO_EMAIL_DOMAIN = "demo.local"


def _pdf(text: str) -> bytes:
    """A small, well-formed one-page PDF (header, objects, cross-reference table, trailer)."""
    content = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@dataclass
class DemoApplication:
    """One demo application: whose, which answers, and how far through the workflow it goes."""

    merchant: str
    owner_email: str
    owner_name: str
    category: str
    target: str
    submitted_days_ago: int = 1
    kind: str = Merchant.Kind.MERCHANT
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    credit_code: str = ""
    address: str = ""
    grade: str | None = None  # the approval's merchant grade (ApprovalDefaults.default_grade when None)


def _steps(spec: DemoApplication, category: Category) -> dict[str, dict[str, Any]]:
    steps: dict[str, dict[str, Any]] = {
        "company": {"company_name": spec.merchant, "credit_code": spec.credit_code,
                    "legal_representative": spec.owner_name},
        "contacts": {"contact_name": spec.owner_name, "contact_phone": "138 0013 8000",
                     "contact_email": spec.owner_email, "address": spec.address},
        "categories": {"main_category": category.pk, "cooperation_mode": "platform", "cross_border": False,
                       "brands": [{"name": spec.merchant[:4], "ownership": "own"}]},
        "screening": {"is_known_brand": True, "has_supply_chain_advantage": True, "sku_coverage": Decimal("85"),
                      "monthly_gmv": Decimal("2500000"), "has_ops_team": True, "annual_growth": Decimal("35"),
                      "years_trading": 6},
    }
    if spec.kind == Merchant.Kind.SUPPLIER:
        steps["capability"] = {"sample_pass_rate": Decimal("98.5"), "peak_capacity_multiple": Decimal("3"),
                               "price_vs_industry_pct": Decimal("12"), "erp_integration": True,
                               "new_skus_per_year": 80}
    for step, data in spec.answers.items():
        steps.setdefault(step, {}).update(data)
    return steps


def _owner(spec: DemoApplication) -> User:
    user = User.objects.filter(email=spec.owner_email).first()
    if user is None:
        user = User.objects.create_user(email=spec.owner_email, password=None, first_name=spec.owner_name,
                                        email_verified_at=timezone.now())
    return user


def _merchant(spec: DemoApplication, owner: User) -> Merchant:
    merchant = Merchant.objects.filter(name=spec.merchant).order_by("pk").first()
    if merchant is None:
        merchant = Merchant.objects.create(name=spec.merchant, kind=spec.kind)
    MerchantMembership.objects.get_or_create(merchant=merchant, user=owner,
                                             defaults={"role": MerchantMembership.Role.OWNER})
    return merchant


def _draft(merchant: Merchant, owner: User, spec: DemoApplication, *, now: dt.datetime) -> Application:
    category = Category.objects.get(code=spec.category)
    app = application_create(merchant=merchant, actor=owner, now=now)
    for step, data in _steps(spec, category).items():
        app = application_update_step(application=app, actor=owner, step=step, data=data, now=now)
    for doc_type, required in application_required_documents(app):
        if required:
            document_add(application=app, actor=owner, document_type=doc_type,
                         files=[SimpleUploadedFile(f"{doc_type.code}.pdf", _pdf(doc_type.name_en),
                                                   content_type="application/pdf")],
                         number=f"DEMO-{doc_type.pk:03d}" if doc_type.has_number else "",
                         issuer="市场监督管理局", now=now)
    return app


def _accept_documents(app: Application, reviewer: User, *, now: dt.datetime) -> None:
    for slot in application_document_slots(app):
        if slot.current is not None and slot.current.check_status == DocumentCheckStatus.PENDING:
            document_check(document=slot.current, actor=reviewer, decision=DocumentCheckStatus.ACCEPTED, now=now)


def _advance(app: Application, spec: DemoApplication, *, owner: User, staff: dict[str, User],
             now: dt.datetime) -> Application:
    """Take a complete draft to the spec's target state the way people would."""
    if spec.target == S.DRAFT:
        return app
    submitted_at = now - dt.timedelta(days=spec.submitted_days_ago)
    app = application_submit(application=app, actor=owner, now=submitted_at)
    if spec.target == S.SUBMITTED:
        return app
    reviewer, lead, compliance = staff["reviewer"], staff["lead"], staff["compliance"]
    reviewed_at = min(now, add_working_days(submitted_at, 1))
    app = application_start_review(application=app, actor=reviewer, now=reviewed_at)
    if spec.target in (S.INFO_REQUESTED, S.RESUBMITTED):
        slots = application_document_slots(app)
        quality = next((s.document_type for s in slots if s.document_type.code == "quality_certificate"), None)
        items = [
            ("monthly_gmv", "请提供近 6 个月的 GMV 对账单作为佐证。Please attach the last six months' GMV statements."),
            ("address", "请填写完整的经营地址，包括区县。Please give the full operating address, with the district."),
        ]
        if quality is not None:
            items.append((f"document:{quality.code}",
                          "证书扫描件不清晰，请重新上传。The certificate scan is unreadable."))
        info_request_create(application=app, actor=reviewer, items=items, now=reviewed_at,
                            message="感谢您的申请，请补充以下资料。Thank you for applying; a few things are missing.")
        app = Application.objects.get(pk=app.pk)
        if spec.target == S.INFO_REQUESTED:
            return app
        answered_at = min(now, add_working_days(reviewed_at, 1))
        app = application_update_step(application=app, actor=owner, step="contacts", now=answered_at,
                                      data={"address": "四川省成都市武侯区人民南路四段 88 号"})
        # not asked for: the reviewer's timeline flags it
        app = application_update_step(application=app, actor=owner, step="categories", now=answered_at,
                                      data={"cooperation_mode": "joint"})
        app = application_update_step(application=app, actor=owner, step="screening", now=answered_at,
                                      data={"monthly_gmv": Decimal("2650000")})
        if quality is not None:
            document_add(application=app, actor=owner, document_type=quality, now=answered_at,
                         files=[SimpleUploadedFile("quality_certificate_rescan.pdf", _pdf("Quality certificate"),
                                                   content_type="application/pdf")],
                         number="DEMO-ISO-2", issuer="中国质量认证中心")
        return application_resubmit(application=app, actor=owner, now=answered_at,
                                    response="已补充 GMV 对账单和地址，并重新上传了证书。")
    if spec.target == S.IN_REVIEW:
        return app
    if spec.target == S.REJECTED:
        return application_reject(application=app, actor=lead, now=reviewed_at,
                                  reasons="主营类目的 SKU 覆盖率不足，暂不符合入驻要求。SKU coverage of the main "
                                          "category is too low for now.")
    _accept_documents(app, reviewer, now=reviewed_at)
    application_compliance_signoff(application=app, actor=compliance, now=reviewed_at,
                                   note="营业执照已在国家企业信用信息公示系统核验。"
                                        "Licence checked on the public register.")
    return application_approve(application=app, actor=lead, merchant_grade=spec.grade, now=reviewed_at,
                               reasons="欢迎入驻！Welcome aboard.")


def demo_specs(*, demo_merchant_name: str, demo_owner_email: str) -> list[DemoApplication]:
    """The demo queue: one application per line, in every state."""
    d = DEMO_EMAIL_DOMAIN
    return [
        DemoApplication(demo_merchant_name, demo_owner_email, "王示例", "apparel", S.REJECTED,
                        submitted_days_ago=140, answers={"screening": {"sku_coverage": Decimal("40")}},
                        credit_code="91310115MA1K4DEM05", address="上海市浦东新区世纪大道 100 号 18 楼"),
        DemoApplication(demo_merchant_name, demo_owner_email, "王示例", "apparel", S.APPROVED,
                        submitted_days_ago=4, grade="B",
                        credit_code="91310115MA1K4DEM05", address="上海市浦东新区世纪大道 100 号 18 楼"),
        DemoApplication("厦门鹭岛服饰有限公司", f"ludao-apparel@{d}", "林鹭", "apparel", S.INFO_REQUESTED,
                        submitted_days_ago=3,
                        credit_code="91350203MA31LD4C6Q", address="福建省厦门市湖滨南路 8 号"),
        DemoApplication("杭州鲜果供应链有限公司", f"fresh-supplier@{d}", "陈鲜", "fresh", S.SUBMITTED,
                        submitted_days_ago=0, kind=Merchant.Kind.SUPPLIER,
                        credit_code="91330106MA2HXG1F8D", address="浙江省杭州市西湖区文三路 90 号"),
        DemoApplication("苏州锦绣家纺有限公司", f"home-textiles@{d}", "周锦", "other", S.SUBMITTED,
                        submitted_days_ago=5,
                        credit_code="91320508MA1NJX7T25", address="江苏省苏州市姑苏区人民路 200 号"),
        DemoApplication("深圳极光数码科技有限公司", f"aurora-3c@{d}", "林光", "3c", S.IN_REVIEW,
                        submitted_days_ago=12,
                        credit_code="91440300MA5G9JG3X9", address="广东省深圳市南山区科技园南区 3 栋"),
        DemoApplication("成都熊猫母婴用品有限公司", f"panda-baby@{d}", "刘熊", "mother_baby", S.RESUBMITTED,
                        submitted_days_ago=6,
                        credit_code="91510107MA6CPX8M4X", address="四川省成都市人民南路四段 88 号"),
        DemoApplication("上海云帆宠物用品有限公司", f"sail-pets@{d}", "张帆", "pets", S.APPROVED,
                        submitted_days_ago=20,
                        credit_code="91310104MA1FY8P2W8", address="上海市徐汇区漕溪北路 18 号"),
        DemoApplication("北京禾润食品有限公司", f"herun-food@{d}", "孙禾", "fresh", S.APPROVED,
                        submitted_days_ago=30, grade="A", answers={"categories": {"cooperation_mode": "joint"}},
                        credit_code="91110105MA01HR0F3J", address="北京市朝阳区建国路 88 号 SOHO 现代城 5 号楼"),
        DemoApplication("武汉楚韵美妆有限公司", f"chuyun-beauty@{d}", "何韵", "other", S.APPROVED,
                        submitted_days_ago=25, answers={"categories": {"cooperation_mode": "franchise"}},
                        credit_code="91420106MA4KCY0B2N", address="湖北省武汉市武昌区中北路 109 号"),
        DemoApplication("青岛海韵跨境贸易有限公司", f"haiyun-trade@{d}", "赵海", "fitness", S.REJECTED,
                        submitted_days_ago=15, answers={"screening": {"monthly_gmv": Decimal("120000")}},
                        credit_code="91370202MA3QHY6K1L", address="山东省青岛市市南区香港中路 6 号"),
        DemoApplication("广州晨曦运动器材有限公司", f"dawn-sports@{d}", "黄晨", "fitness", S.DRAFT,
                        credit_code="91440106MA59CX2D71", address="广东省广州市天河区体育西路 101 号"),
    ]


def _demo_staff() -> dict[str, User] | None:
    """The demo's reviewer, lead and compliance reviewer: the first active user of each role."""
    staff = {}
    for key, role in (("reviewer", Role.REVIEWER), ("lead", Role.LEAD), ("compliance", Role.COMPLIANCE)):
        user = User.objects.filter(is_active=True, groups__name=role).order_by("pk").first()
        if user is None:
            return None
        staff[key] = user
    return staff


def demo_applications_load(*, now: dt.datetime | None = None) -> int:
    """Create the demo applications that do not exist yet; returns how many were created. Needs the demo
    logins (a reviewer, a lead, a compliance reviewer and the demo merchant's owner): without them it creates
    nothing. The other demo merchants' owners get no usable password (they are not demo logins)."""
    now = now or timezone.now()
    staff = _demo_staff()
    demo_owner = (MerchantMembership.objects.filter(merchant__name=DEMO_MERCHANT_NAME)
                  .select_related("user").order_by("pk").first())
    if staff is None or demo_owner is None:
        return 0
    created = 0
    by_merchant: dict[str, list[DemoApplication]] = {}
    for spec in demo_specs(demo_merchant_name=DEMO_MERCHANT_NAME, demo_owner_email=demo_owner.user.email):
        by_merchant.setdefault(spec.merchant, []).append(spec)
    for specs in by_merchant.values():
        with transaction.atomic():
            owner = _owner(specs[0])
            merchant = _merchant(specs[0], owner)
            if Application.objects.filter(merchant=merchant).exists():
                continue
            for spec in specs:
                app = _draft(merchant, owner, spec, now=now - dt.timedelta(days=spec.submitted_days_ago))
                _advance(app, spec, owner=owner, staff=staff, now=now)
                created += 1
    return created
