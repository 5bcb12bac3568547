"""The site the certificate benchmarks issue certificates for: the demo Pemda with a logo on its
campaign, a signing key and the seal, topped up with synthetic signers when asked for more
signatures than the demo has."""

import io
import uuid

from PIL import Image, ImageDraw
from sqlalchemy import func, insert, select

from pakta.keys import certificate as certificate_keys
from pakta.keys import seal
from pakta.models import Campaign, Employee, Signature
from pakta.services import campaigns, demo

PEMDA = "Pemerintah Kota Sukamaju"


def load_site(session, instance_path: str, signatures: int = 0) -> Campaign:
    """Fill an empty database; commits. ``signatures``: at least this many signatures."""
    demo.load(session)
    certificate_keys.init(session, instance_path, None)
    seal.init_self_signed(instance_path, PEMDA)
    session.commit()
    campaign = session.scalar(select(Campaign))
    campaigns.set_logo(campaign, logo_png())
    session.commit()
    if signatures:
        add_synthetic_signatures(session, campaign, signatures)
        session.commit()
    return campaign


def logo_png() -> bytes:
    """A coat of arms as a Pemda would upload it: 600 x 720 pixels, shaded, transparent around."""
    image = Image.new("RGBA", (600, 720), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for row in range(700):  # a shaded shield, so that it does not compress to nothing
        half = 280 if row < 420 else 700 - row
        shade = (180 + row % 60, 140 + row // 10 % 40, 30, 255)
        draw.line((300 - half, row + 10, 300 + half, row + 10), fill=shade)
    draw.ellipse(
        (170, 140, 430, 400), fill=(20, 90, 60, 255), outline=(250, 250, 250, 255), width=8
    )
    draw.polygon([(300, 170), (360, 300), (240, 300)], fill=(250, 220, 60, 255))
    draw.rectangle((230, 440, 370, 560), fill=(170, 25, 25, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def add_synthetic_signatures(session, campaign: Campaign, wanted: int) -> None:
    """Extra employees who signed like the demo's signers did, up to ``wanted`` signatures."""
    have = session.scalar(select(func.count()).select_from(Signature))
    if have >= wanted:
        return
    models = session.scalars(
        select(Signature).where(Signature.signature_png.is_not(None)).limit(40)
    ).all()
    employees, signatures = [], []
    for n in range(wanted - have):
        model = models[n % len(models)]
        employees.append(
            {
                "id": 1_000_000 + n,
                "identity_number": f"BENCH{n:013d}",
                "name": f"{model.signer_name.split(',')[0]} {n}",
                "position": model.signer_position,
                "employment_type": model.employee.employment_type,
                "unit_id": model.unit_id,
                "active": True,
                "created_at": model.created_at,
                "updated_at": model.created_at,
            }
        )
        signatures.append(
            {
                "public_id": uuid.uuid4().hex[:22],
                "certificate_number": f"BENCH-{n:06d}",
                "campaign_id": campaign.id,
                "employee_id": 1_000_000 + n,
                "pact_text_id": model.pact_text_id,
                "pact_sha256": model.pact_sha256,
                "acknowledged_points": model.acknowledged_points,
                "unit_id": model.unit_id,
                "unit_name": model.unit_name,
                "signer_name": f"{model.signer_name.split(',')[0]} {n}",
                "signer_position": model.signer_position,
                "signed_at": model.signed_at,
                "method": model.method,
                "ip_address": model.ip_address,
                "user_agent": model.user_agent,
                "signature_png": model.signature_png,
                "created_at": model.created_at,
            }
        )
    session.execute(insert(Employee), employees)
    session.execute(insert(Signature), signatures)
