"""The faked history: drawn signatures, the times people sign at and the devices they use."""

import io
import math
import random
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from PIL import Image, ImageDraw

from pakta.services import signature_image
from pakta.services.demo.organisation import WIB
from pakta.services.demo.people import _weighted

DAYS_OPEN = 6  # the campaign opened this many days before `now`

_INK = (22, 34, 92, 255)


def _catmull_rom(points: list[tuple[float, float]], steps: int = 12) -> list[tuple[float, float]]:
    padded = [points[0], *points, points[-1]]
    curve = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        for step in range(steps):
            t = step / steps
            t2, t3 = t * t, t * t * t
            curve.append(
                tuple(
                    0.5
                    * (
                        2 * p1[k]
                        + (-p0[k] + p2[k]) * t
                        + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2
                        + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3
                    )
                    for k in (0, 1)
                )
            )
    curve.append(points[-1])
    return curve


@lru_cache(maxsize=16)
def signature_png(variant: int) -> bytes:
    """A drawn-looking signature, 600×200 on a transparent background; a few KB."""
    rng = random.Random(f"pakta-demo-signature-{variant}")
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    width = rng.choice((3, 3, 4))
    left = rng.uniform(60, 110)
    # A tall capital: up, over and back down.
    capital = [
        (left, rng.uniform(130, 150)),
        (left + rng.uniform(15, 30), rng.uniform(25, 45)),
        (left + rng.uniform(35, 55), rng.uniform(60, 90)),
        (left + rng.uniform(5, 20), rng.uniform(105, 125)),
        (left + rng.uniform(45, 65), rng.uniform(95, 115)),
    ]
    draw.line(_catmull_rom(capital), fill=_INK, width=width, joint="curve")
    # The rest of the name, written fast: a trochoid loops where it runs back on itself.
    start = left + rng.uniform(50, 70)
    length = rng.uniform(260, 520 - start)
    cycles = rng.randint(5, 9)
    loop = rng.uniform(10, 20)
    phase, swell = rng.uniform(0, math.tau), rng.uniform(0.5, 1.5)
    stroke = []
    for step in range(401):
        t = step / 400
        angle = math.tau * cycles * t
        height = 22 + 16 * math.sin(math.tau * swell * t + phase)
        stroke.append((start + length * t - loop * math.sin(angle), 105 - height * math.cos(angle)))
    draw.line(stroke, fill=_INK, width=width, joint="curve")
    # The underline flourish.
    y = rng.uniform(150, 170)
    end = start + length
    flourish = [(left - 10, y + 6), ((left + end) / 2, y), (end + 20, y - rng.uniform(10, 30))]
    draw.line(_catmull_rom(flourish, steps=30), fill=_INK, width=max(2, width - 1), joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    # Stored as the signing page's drawings are: cleaned to grey and alpha.
    return signature_image.clean_signature_png(buffer.getvalue())


_SIGNATURE_VARIANTS = 8

_MOBILE_AGENTS = [
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/{version}.0.0.0 Mobile Safari/537.36"
    for version in (124, 125, 126, 127, 127, 128)
]
_TABLET_AGENT = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/127.0.0.0 Safari/537.36"
)
# Share of each day's signatures, the opening day (the apel) first.
_DAY_WEIGHTS = (34, 17, 14, 11, 9, 8, 7)


def _signing_time(rng: random.Random, day: date) -> datetime:
    roll = rng.random()
    if roll < 0.74:  # right after the morning apel, 07:30–09:30 WIB, most in the first half hour
        minutes = 7 * 60 + 30 + rng.triangular(0, 120, 8)
    elif roll < 0.95:  # later in the working day
        minutes = rng.uniform(9.5 * 60, 16 * 60)
    else:  # at home in the evening, from the personal link
        minutes = rng.uniform(19 * 60, 22 * 60)
    moment = datetime.combine(day, time(0, 0), WIB) + timedelta(
        minutes=minutes, seconds=rng.uniform(0, 59)
    )
    return moment.astimezone(UTC).replace(microsecond=0)


def _plan_time(rng: random.Random, first_day: date, now: datetime, apel: bool) -> datetime:
    if apel:
        moment = datetime.combine(first_day, time(8, 0), WIB) + timedelta(
            minutes=rng.triangular(0, 60, 10), seconds=rng.randrange(60)
        )
        return moment.astimezone(UTC)
    days = list(range(DAYS_OPEN + 1))
    while True:
        day = _weighted(rng, days, _DAY_WEIGHTS[: len(days)])
        moment = _signing_time(rng, first_day + timedelta(days=day))
        if moment <= now:
            return moment
        # Later than now today: choose again among the days already over.
        days = list(range(DAYS_OPEN))


def _phone_ip(rng: random.Random) -> str:
    """Office Wi-Fi, or mobile data behind the carrier's NAT (100.64.0.0/10)."""
    if rng.random() < 0.6:
        return f"10.{rng.choice((12, 21, 34, 47))}.{rng.randrange(1, 8)}.{rng.randrange(2, 250)}"
    return f"100.{rng.randrange(64, 128)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
