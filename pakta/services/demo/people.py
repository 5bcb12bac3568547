"""The roster of the demo Pemda, drawn from its staffing with a seeded random generator."""

import random
import re
from dataclasses import dataclass
from datetime import date

from pakta.models import EmploymentType
from pakta.services.demo.organisation import _HEADS, _POOLS, _STAFFING, _UNITS, SEKDA_NAME
from pakta.services.identity import make_nip, make_pppk_number


@dataclass(frozen=True)
class DemoPerson:
    unit_code: str
    identity_number: str
    employment_type: EmploymentType
    name: str
    position: str
    gender: int  # 1 male, 2 female (digit 15 of a NIP or NI PPPK)
    email: str | None
    phone: str | None
    # The plain six-digit code; only its keyed hash is stored.
    verification_code: str | None
    active: bool


# -- names -------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_MALE_FIRST = _words(
    "Asep Ujang Dadang Cecep Deden Yayan Jajang Dede Wawan Iwan Agus Budi Dedi Hendra Kurnia "
    "Rudi Yusuf Eko Bambang Joko Slamet Teguh Wahyu Ridwan Fajar Rizky Ilham Dimas Gilang "
    "Aditya Fikri Heri Taufik Hadi Irfan Rahmat Dani Galih Yudi Aris Hamdan Arief Reza Bayu "
    "Tatang Ayi Endin Usep Aang Ikhsan Yoga Hilman Firman Sandi Dodi Engkos Nandang Ucup"
)
_MALE_MIDDLE = _words("Muhammad Ahmad Mochamad Moch. Raden Rizal Arif Nur Adi")
_MALE_LAST = _words(
    "Supriatna Saepudin Hidayat Permana Kurniawan Nugraha Gunawan Setiawan Suryadi Wijaya "
    "Sutisna Hermawan Firmansyah Ramdani Sopian Mulyana Suhendar Hamdani Sudrajat Kusnadi "
    "Santoso Wibowo Prasetyo Susanto Nugroho Hartono Purnomo Widodo Saputra Rohman Maulana "
    "Rusmana Sukmana Gumelar Sobari Syarifudin Kosasih Suherman Hasanudin Rosadi Sumarna "
    "Darmawan Setiadi Pratama Ramadhan Fauzi Solihin Rukmana Ruhiyat"
)
_FEMALE_FIRST = _words(
    "Siti Dewi Rina Yuli Nining Euis Neneng Imas Iis Tati Lilis Sri Wulan Rini Nurul Fitri "
    "Ratna Eka Ayu Rika Novi Sinta Intan Putri Nisa Anisa Mega Yeni Erna Heni Ika Lina Ani "
    "Cucu Popon Enok Yuyun Teti Elis Nita Lia Rosita Dian Sari Nenden Ai Ela Mira Tiara Gita"
)
_FEMALE_MIDDLE = _words("Nur Siti Dewi Ayu Sri Rahma")
_FEMALE_LAST = _words(
    "Nurhasanah Rahmawati Kurniasih Susilawati Handayani Suryani Lestari Wulandari Fitriani "
    "Yuliani Maryani Komalasari Nurjanah Herawati Puspitasari Rosmiati Sulastri Mulyani "
    "Pratiwi Setiawati Nurlaela Sumiati Hasanah Aisyah Rohmah Fauziah Kartika Permatasari "
    "Anggraeni Purnamasari Mardiani Rosdiana Apriyani Nuraeni Sopiah Mulyati Juwita Agustina"
)

_PHONE_PREFIXES = _words(
    "0811 0812 0813 0821 0822 0823 0852 0853 0857 0856 0858 0877 0878 0859 0895 0896 0813 0812 "
    "0838 0831 0881 0882"
)


def _weighted(rng: random.Random, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def _person_name(
    rng: random.Random, gender: int, titles: tuple[str, ...], birth_year: int
) -> tuple[str, str]:
    """The full name as written on a roster, and the bare name (for the email address)."""
    if gender == 1:
        first, middles, lasts = rng.choice(_MALE_FIRST), _MALE_MIDDLE, _MALE_LAST
    else:
        first, middles, lasts = rng.choice(_FEMALE_FIRST), _FEMALE_MIDDLE, _FEMALE_LAST
    last = rng.choice(lasts)
    parts = [first]
    if rng.random() < 0.18:
        middle = rng.choice(middles)
        if middle != first:
            parts = [middle, first]
    parts.append(last)
    bare = " ".join(parts)
    prefix, _, suffix = rng.choice(titles).partition("|")
    shown = bare
    # An older Muslim employee who went on the hajj often writes H. or Hj. before the name.
    if birth_year < 1978 and rng.random() < 0.2 and prefix in ("", "Drs.", "Dr.", "Ir.", "dr."):
        shown = ("H. " if gender == 1 else "Hj. ") + shown
    if prefix:
        if prefix == "Drs." and gender == 2:
            prefix = "Dra."
        shown = f"{prefix} {shown}"
    if suffix:
        shown = f"{shown}, {suffix}"
    return shown, bare


def _local_part(bare_name: str) -> str:
    words = [re.sub(r"[^a-z]", "", word.lower()) for word in bare_name.split()]
    words = [word for word in words if word and word not in {"moch", "raden"}]
    return f"{words[0]}.{words[-1]}" if len(words) > 1 else words[0]


def _phone(rng: random.Random) -> str:
    return rng.choice(_PHONE_PREFIXES) + "".join(
        str(rng.randrange(10)) for _ in range(rng.choice((7, 8, 8)))
    )


def _birth(rng: random.Random, first_year: int, last_year: int) -> date:
    start = date(first_year, 1, 1).toordinal()
    end = date(last_year, 12, 31).toordinal()
    return date.fromordinal(rng.randint(start, end))


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _tmt(rng: random.Random, birth: date, today: date) -> tuple[int, int]:
    """TMT CPNS: typically at 22–32, never before 18, never after this month."""
    earliest = _month_index(birth.year + 18, birth.month)
    latest = _month_index(today.year, today.month)
    typical = _month_index(birth.year + rng.randint(22, 32), rng.choice((1, 3, 4, 12, 12, 1)))
    year, month0 = divmod(max(earliest, min(latest, typical)), 12)
    return year, month0 + 1


def _pppk_year(rng: random.Random, birth: date, today: date) -> int:
    """PPPK appointments began in 2019; teachers' and health workers' waves followed."""
    first = max(birth.year + 18, 2019)
    last = today.year
    if first > last:
        first = max(birth.year + 18, last - 3)
    return _weighted(rng, list(range(first, last + 1)), range(1, last - first + 2))


def demo_people(seed: int = 2024, *, today: date) -> list[DemoPerson]:
    """The roster of the demo Pemda: the same list for the same seed and day.

    ``today`` bounds the TMT and appointment dates, so every number is valid on it.
    """
    rng = random.Random(seed)
    people: list[DemoPerson] = []
    numbers: set[str] = set()
    emails: set[str] = set()
    non_asn_count = 0
    latest_birth = min(2000, today.year - 20)

    def asn_number(kind: EmploymentType, birth: date, gender: int, tmt=None) -> str:
        sequence = 1 if rng.random() < 0.95 else rng.randint(2, 4)
        if kind is EmploymentType.PNS:
            tmt = tmt or _tmt(rng, birth, today)
            parts = (birth, tmt, gender)
            make = make_nip
        else:
            agreements = 1 if rng.random() < 0.85 else 2
            parts = (birth, _pppk_year(rng, birth, today), agreements, gender)
            make = make_pppk_number
        while (number := make(*parts, sequence)) in numbers:
            sequence += 1
        numbers.add(number)
        return number

    def email_at(domain: str, bare: str) -> str:
        local = _local_part(bare)
        address, suffix = f"{local}@{domain}", 1
        while address in emails:
            suffix += 1
            address = f"{local}{suffix}@{domain}"
        emails.add(address)
        return address

    domains = {unit.code: unit.domain for unit in _UNITS}

    # The Sekda, whose name the campaign carries as its official.
    sekda_birth = date(1971, 3, 14)
    people.append(
        DemoPerson(
            unit_code="SETDA",
            identity_number=asn_number(EmploymentType.PNS, sekda_birth, 1, tmt=(1996, 3)),
            employment_type=EmploymentType.PNS,
            name=SEKDA_NAME,
            position="Sekretaris Daerah",
            gender=1,
            email=email_at(domains["SETDA"], "Ahmad Suryana"),
            phone=_phone(rng),
            verification_code=f"{rng.randrange(10**6):06d}",
            active=True,
        )
    )

    for unit_code, (size, shares, women, _) in _STAFFING.items():
        heads = _HEADS.get(unit_code, [])
        if unit_code == "SETDA":
            size -= 1  # the Sekda
        pns = round(size * shares[0])
        pppk = round(size * shares[1])
        kinds = [EmploymentType.PNS] * (pns - len(heads))
        kinds += [EmploymentType.PPPK] * pppk
        kinds += [EmploymentType.NON_ASN] * (size - pns - pppk)
        rng.shuffle(kinds)
        pool = _POOLS[unit_code]
        slots: list[tuple[EmploymentType, str, tuple[str, ...], str, bool]] = [
            (EmploymentType.PNS, position, titles, "", True) for position, titles in heads
        ]
        for kind in kinds:
            letter = {"PNS": "P", "PPPK": "K", "NON_ASN": "N"}[kind.value]
            fitting = [entry for entry in pool if letter in entry[0]]
            _, _, position, titles, gender_rule = _weighted(
                rng, fitting, [entry[1] for entry in fitting]
            )
            slots.append((kind, position, titles, gender_rule, False))

        for kind, position, titles, gender_rule, is_head in slots:
            if gender_rule:
                gender = 1 if gender_rule == "M" else 2
            else:
                gender = 2 if rng.random() < women else 1
            if is_head:
                birth = _birth(rng, 1966, 1980)
            elif kind is EmploymentType.PPPK:
                birth = _birth(rng, 1975, latest_birth)
            else:
                birth = _birth(rng, 1965, latest_birth)
            name, bare = _person_name(rng, gender, titles, birth.year)
            if kind is EmploymentType.NON_ASN:
                non_asn_count += 1
                # Letters and digits only: that is what check_identity accepts for non-ASN.
                number = f"THL{today.year}{non_asn_count:04d}"
                numbers.add(number)
                email_share, phone_share = 0.45, 0.8
            else:
                number = asn_number(kind, birth, gender)
                is_pns = kind is EmploymentType.PNS
                email_share, phone_share = (0.92, 0.55) if is_pns else (0.85, 0.7)
            email = email_at(domains[unit_code], bare) if rng.random() < email_share else None
            people.append(
                DemoPerson(
                    unit_code=unit_code,
                    identity_number=number,
                    employment_type=kind,
                    name=name,
                    position=position,
                    gender=gender,
                    email=email,
                    phone=_phone(rng) if rng.random() < phone_share else None,
                    verification_code=(
                        f"{rng.randrange(10**6):06d}" if rng.random() < 0.34 else None
                    ),
                    # Retired, moved away or on long leave, not yet taken off the roster.
                    active=is_head or rng.random() >= 0.02,
                )
            )
    return people
