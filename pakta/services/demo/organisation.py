"""The demo Pemda itself: its unit tree, the posts in each unit and how each is staffed."""

from dataclasses import dataclass
from datetime import timedelta, timezone

# The demo Pemda is in West Java: WIB, which has no daylight saving time.
WIB = timezone(timedelta(hours=7), "WIB")

PEMDA_NAME = "Pemerintah Kota Sukamaju"
SEKDA_NAME = "Dr. H. Ahmad Suryana, M.Si."


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    parent_code: str | None
    domain: str


_UNITS = [
    DemoUnit("PEMDA", PEMDA_NAME, None, "sukamaju.go.id"),
    DemoUnit("SETDA", "Sekretariat Daerah", "PEMDA", "setda.sukamaju.go.id"),
    DemoUnit("SETDA-PEM", "Bagian Pemerintahan", "SETDA", "setda.sukamaju.go.id"),
    DemoUnit("SETDA-UMUM", "Bagian Umum", "SETDA", "setda.sukamaju.go.id"),
    DemoUnit(
        "BKPSDM",
        "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
        "PEMDA",
        "bkpsdm.sukamaju.go.id",
    ),
    DemoUnit("DISDIK", "Dinas Pendidikan", "PEMDA", "disdik.sukamaju.go.id"),
    DemoUnit("DISDIK-SDN1", "SD Negeri 1 Sukamaju", "DISDIK", "disdik.sukamaju.go.id"),
    DemoUnit("DISDIK-SMPN2", "SMP Negeri 2 Sukamaju", "DISDIK", "disdik.sukamaju.go.id"),
    DemoUnit("DINKES", "Dinas Kesehatan", "PEMDA", "dinkes.sukamaju.go.id"),
    DemoUnit("DINKES-PKM-CIKOLE", "UPTD Puskesmas Cikole", "DINKES", "dinkes.sukamaju.go.id"),
    DemoUnit("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "PEMDA", "dpupr.sukamaju.go.id"),
    DemoUnit("KEC-CIKOLE", "Kecamatan Cikole", "PEMDA", "cikole.sukamaju.go.id"),
    DemoUnit("KEC-CITAMIANG", "Kecamatan Citamiang", "PEMDA", "citamiang.sukamaju.go.id"),
    DemoUnit("SATPOLPP", "Satuan Polisi Pamong Praja", "PEMDA", "satpolpp.sukamaju.go.id"),
]


def demo_units() -> list[DemoUnit]:
    """The unit tree, parents before children."""
    return list(_UNITS)


# Titles are written "prefix|suffix": "dr.|" gives "dr. Rina Kurniasih",
# "Ns.|S.Kep." gives "Ns. Siti Nurhasanah, S.Kep.".
_NO_TITLE = ("|",)
_ADMIN_TITLES = ("|", "|", "|", "|S.E.", "|S.Sos.", "|A.Md.")
_POLICY_TITLES = ("|S.IP.", "|S.Sos.", "|S.H.", "|S.AP.", "|S.IP., M.Si.", "|S.Sos., M.Si.")
_HEAD_TITLES = ("|S.Sos., M.Si.", "|S.IP., M.Si.", "|S.H., M.H.", "|S.E., M.M.", "Drs.|M.Si.")
_TEACHER_TITLES = ("|S.Pd.", "|S.Pd.", "|S.Pd.", "|S.Pd.", "|S.Pd.I.", "|S.Si.", "|S.Pd., M.Pd.")
_IT_TITLES = ("|S.Kom.", "|S.Kom.", "|S.T.", "|A.Md.Kom.")
_ENGINEER_TITLES = ("|S.T.", "|S.T.", "|S.T.", "|S.T., M.T.")
_HEALTH_TITLES = ("|S.K.M.", "|S.K.M.", "|S.K.M., M.Kes.")

# (employment types, weight, position, titles, gender): types are letters of
# P (PNS), K (PPPK) and N (non-ASN); gender "M" or "F" forces it, "" draws it.
_POOLS: dict[str, list[tuple[str, int, str, tuple[str, ...], str]]] = {
    "SETDA": [
        ("PK", 4, "Analis Kebijakan Ahli Muda", _POLICY_TITLES, ""),
        ("PK", 5, "Analis Kebijakan Ahli Pertama", _POLICY_TITLES, ""),
        ("P", 2, "Perancang Peraturan Perundang-undangan Ahli Pertama", ("|S.H.",), ""),
        ("PK", 2, "Analis Hukum Ahli Pertama", ("|S.H.", "|S.H., M.H."), ""),
        ("K", 2, "Pranata Komputer Ahli Pertama", _IT_TITLES, ""),
        ("P", 4, "Penata Layanan Operasional", _ADMIN_TITLES, ""),
        ("P", 3, "Pengolah Data dan Informasi", _ADMIN_TITLES, ""),
        ("N", 3, "Tenaga Administrasi", _ADMIN_TITLES, ""),
        ("N", 2, "Pramu Kantor", _NO_TITLE, ""),
        ("N", 2, "Pengemudi", _NO_TITLE, "M"),
    ],
    "SETDA-PEM": [
        ("PK", 4, "Analis Kebijakan Ahli Muda", _POLICY_TITLES, ""),
        ("PK", 5, "Analis Kebijakan Ahli Pertama", _POLICY_TITLES, ""),
        ("P", 4, "Penelaah Teknis Kebijakan", _POLICY_TITLES, ""),
        ("P", 3, "Pengolah Data dan Informasi", _ADMIN_TITLES, ""),
        ("P", 2, "Operator Layanan Operasional", _ADMIN_TITLES, ""),
        ("N", 3, "Tenaga Administrasi", _ADMIN_TITLES, ""),
    ],
    "SETDA-UMUM": [
        ("PK", 3, "Arsiparis Terampil", ("|", "|A.Md."), ""),
        ("P", 2, "Arsiparis Ahli Pertama", ("|S.Sos.", "|S.I.Kom."), ""),
        ("PK", 2, "Pranata Komputer Terampil", ("|A.Md.Kom.", "|"), ""),
        ("P", 3, "Pengelola Keuangan", ("|S.E.", "|S.Ak.", "|A.Md."), ""),
        ("P", 2, "Bendahara Pengeluaran", ("|S.E.", "|S.Ak."), ""),
        ("P", 4, "Penata Layanan Operasional", _ADMIN_TITLES, ""),
        ("P", 3, "Operator Layanan Operasional", _NO_TITLE, ""),
        ("N", 4, "Pramu Kantor", _NO_TITLE, ""),
        ("N", 4, "Pengemudi", _NO_TITLE, "M"),
        ("N", 3, "Petugas Keamanan", _NO_TITLE, "M"),
        ("N", 3, "Petugas Kebersihan", _NO_TITLE, ""),
        ("N", 1, "Teknisi Listrik", _NO_TITLE, "M"),
    ],
    "BKPSDM": [
        ("PK", 6, "Analis Sumber Daya Manusia Aparatur Ahli Pertama", _POLICY_TITLES, ""),
        ("P", 4, "Analis Sumber Daya Manusia Aparatur Ahli Muda", _POLICY_TITLES, ""),
        ("PK", 4, "Pranata Sumber Daya Manusia Aparatur Terampil", ("|", "|A.Md."), ""),
        ("P", 2, "Pranata Sumber Daya Manusia Aparatur Mahir", ("|", "|A.Md."), ""),
        ("P", 2, "Asesor Sumber Daya Manusia Aparatur Ahli Pertama", ("|S.Psi.",), ""),
        ("K", 2, "Pranata Komputer Ahli Pertama", _IT_TITLES, ""),
        ("P", 2, "Penata Layanan Operasional", _ADMIN_TITLES, ""),
        ("N", 3, "Operator Komputer", ("|", "|A.Md.Kom."), ""),
        ("N", 1, "Pramu Kantor", _NO_TITLE, ""),
    ],
    "DISDIK": [
        ("P", 3, "Pengawas Sekolah Ahli Madya", ("|S.Pd., M.Pd.", "Drs.|M.Pd."), ""),
        ("P", 3, "Pengawas Sekolah Ahli Muda", ("|S.Pd., M.Pd.", "|S.Pd."), ""),
        ("P", 2, "Penilik Ahli Muda", ("|S.Pd.", "|S.Sos."), ""),
        ("PK", 3, "Analis Kebijakan Ahli Pertama", _POLICY_TITLES, ""),
        ("P", 2, "Perencana Ahli Pertama", ("|S.E.", "|S.T.", "|S.PWK."), ""),
        ("K", 2, "Pranata Komputer Ahli Pertama", _IT_TITLES, ""),
        ("P", 3, "Penata Layanan Operasional", _ADMIN_TITLES, ""),
        ("P", 2, "Pengolah Data dan Informasi", _ADMIN_TITLES, ""),
        ("N", 3, "Operator Dapodik", ("|", "|S.Kom."), ""),
        ("N", 2, "Tenaga Administrasi", _ADMIN_TITLES, ""),
        ("N", 1, "Pramu Kantor", _NO_TITLE, ""),
        ("N", 1, "Pengemudi", _NO_TITLE, "M"),
    ],
    "DISDIK-SDN1": [
        ("PK", 8, "Guru Ahli Pertama", _TEACHER_TITLES, ""),
        ("P", 5, "Guru Ahli Muda", _TEACHER_TITLES, ""),
        ("P", 3, "Guru Ahli Madya", _TEACHER_TITLES, ""),
        ("P", 1, "Pengelola Keuangan", ("|", "|S.E."), ""),
        ("N", 4, "Guru Honorer", _TEACHER_TITLES, ""),
        ("N", 1, "Operator Sekolah", ("|", "|S.Kom."), ""),
        ("N", 1, "Penjaga Sekolah", _NO_TITLE, "M"),
    ],
    "DISDIK-SMPN2": [
        ("PK", 8, "Guru Ahli Pertama", _TEACHER_TITLES, ""),
        ("P", 5, "Guru Ahli Muda", _TEACHER_TITLES, ""),
        ("P", 3, "Guru Ahli Madya", _TEACHER_TITLES, ""),
        ("PK", 1, "Pustakawan Terampil", ("|A.Md.", "|"), ""),
        ("P", 1, "Pengelola Keuangan", ("|", "|S.E."), ""),
        ("N", 4, "Guru Honorer", _TEACHER_TITLES, ""),
        ("N", 2, "Tenaga Administrasi Sekolah", ("|", "|A.Md."), ""),
        ("N", 1, "Operator Sekolah", ("|", "|S.Kom."), ""),
        ("N", 1, "Penjaga Sekolah", _NO_TITLE, "M"),
        ("N", 1, "Petugas Kebersihan", _NO_TITLE, ""),
    ],
    "DINKES": [
        ("P", 3, "Epidemiolog Kesehatan Ahli Muda", ("|S.K.M., M.Epid.", "|S.K.M."), ""),
        ("PK", 4, "Administrator Kesehatan Ahli Pertama", _HEALTH_TITLES, ""),
        ("P", 3, "Administrator Kesehatan Ahli Muda", _HEALTH_TITLES, ""),
        ("PK", 2, "Apoteker Ahli Pertama", ("apt.|S.Farm.",), ""),
        ("P", 2, "Sanitarian Ahli Pertama", ("|S.K.M.",), ""),
        ("PK", 2, "Nutrisionis Terampil", ("|A.Md.Gz.",), ""),
        ("P", 2, "Penyuluh Kesehatan Masyarakat Ahli Pertama", ("|S.K.M.",), ""),
        ("K", 2, "Pranata Komputer Ahli Pertama", _IT_TITLES, ""),
        ("P", 3, "Penata Layanan Operasional", _ADMIN_TITLES, ""),
        ("N", 3, "Tenaga Administrasi", _ADMIN_TITLES, ""),
        ("N", 2, "Pengemudi Ambulans", _NO_TITLE, "M"),
        ("N", 1, "Pramu Kantor", _NO_TITLE, ""),
    ],
    "DINKES-PKM-CIKOLE": [
        ("PK", 2, "Dokter Ahli Pertama", ("dr.|",), ""),
        ("P", 1, "Dokter Ahli Muda", ("dr.|",), ""),
        ("P", 1, "Dokter Gigi Ahli Pertama", ("drg.|",), ""),
        ("PK", 6, "Perawat Terampil", ("|A.Md.Kep.",), ""),
        ("P", 3, "Perawat Mahir", ("|A.Md.Kep.",), ""),
        ("PK", 4, "Perawat Ahli Pertama", ("Ns.|S.Kep.",), ""),
        ("PK", 5, "Bidan Terampil", ("|A.Md.Keb.",), "F"),
        ("P", 2, "Bidan Ahli Pertama", ("|S.Tr.Keb.", "Bd.|S.Keb."), "F"),
        ("P", 2, "Asisten Apoteker Terampil", ("|A.Md.Farm.",), ""),
        ("PK", 2, "Pranata Laboratorium Kesehatan Terampil", ("|A.Md.AK.",), ""),
        ("P", 1, "Sanitarian Terampil", ("|A.Md.KL.",), ""),
        ("K", 1, "Nutrisionis Terampil", ("|A.Md.Gz.",), ""),
        ("P", 1, "Perekam Medis Terampil", ("|A.Md.RMIK.",), ""),
        ("N", 3, "Perawat Non ASN", ("|A.Md.Kep.", "Ns.|S.Kep."), ""),
        ("N", 2, "Bidan Non ASN", ("|A.Md.Keb.",), "F"),
        ("N", 2, "Petugas Pendaftaran", _NO_TITLE, ""),
        ("N", 1, "Petugas Kebersihan", _NO_TITLE, ""),
        ("N", 1, "Pengemudi Ambulans", _NO_TITLE, "M"),
    ],
    "DPUPR": [
        ("P", 3, "Teknik Jalan dan Jembatan Ahli Muda", _ENGINEER_TITLES, ""),
        ("PK", 4, "Teknik Jalan dan Jembatan Ahli Pertama", _ENGINEER_TITLES, ""),
        ("PK", 3, "Teknik Jalan dan Jembatan Terampil", ("|A.Md.T.", "|"), "M"),
        ("PK", 3, "Teknik Pengairan Ahli Pertama", _ENGINEER_TITLES, ""),
        ("P", 2, "Teknik Pengairan Terampil", ("|A.Md.T.", "|"), "M"),
        ("PK", 3, "Penata Ruang Ahli Pertama", ("|S.T.", "|S.PWK."), ""),
        ("P", 2, "Teknik Tata Bangunan dan Perumahan Ahli Pertama", _ENGINEER_TITLES, ""),
        ("K", 2, "Pengelola Pengadaan Barang/Jasa Ahli Pertama", ("|S.E.", "|S.T."), ""),
        ("P", 3, "Penata Layanan Operasional", _ADMIN_TITLES, ""),
        ("N", 3, "Tenaga Teknis Lapangan", ("|", "|A.Md.T."), "M"),
        ("N", 2, "Operator Alat Berat", _NO_TITLE, "M"),
        ("N", 3, "Petugas Pemeliharaan Jalan", _NO_TITLE, "M"),
        ("N", 1, "Juru Pintu Air", _NO_TITLE, "M"),
        ("N", 1, "Tenaga Administrasi", _ADMIN_TITLES, ""),
    ],
    "KEC": [
        ("P", 4, "Penata Layanan Operasional", _ADMIN_TITLES, ""),
        ("P", 3, "Pengolah Data dan Informasi", _ADMIN_TITLES, ""),
        ("P", 2, "Penelaah Teknis Kebijakan", _POLICY_TITLES, ""),
        ("PK", 2, "Analis Kebijakan Ahli Pertama", _POLICY_TITLES, ""),
        ("P", 2, "Operator Layanan Operasional", _NO_TITLE, ""),
        ("K", 1, "Pranata Komputer Terampil", ("|A.Md.Kom.",), ""),
        ("N", 3, "Petugas Pelayanan Administrasi Kependudukan", ("|", "|A.Md."), ""),
        ("N", 2, "Tenaga Administrasi Kelurahan", _ADMIN_TITLES, ""),
        ("N", 1, "Pramu Kantor", _NO_TITLE, ""),
        ("N", 1, "Petugas Kebersihan", _NO_TITLE, ""),
    ],
    "SATPOLPP": [
        ("PK", 6, "Polisi Pamong Praja Terampil", _NO_TITLE, ""),
        ("P", 4, "Polisi Pamong Praja Mahir", _NO_TITLE, ""),
        ("P", 2, "Polisi Pamong Praja Penyelia", _NO_TITLE, ""),
        ("P", 2, "Polisi Pamong Praja Ahli Pertama", ("|S.H.", "|S.Sos.", "|S.IP."), ""),
        ("P", 2, "Penata Layanan Operasional", _ADMIN_TITLES, ""),
        ("N", 6, "Tenaga Ketenteraman dan Ketertiban Umum", _NO_TITLE, ""),
        ("N", 2, "Tenaga Administrasi", _ADMIN_TITLES, ""),
        ("N", 1, "Pengemudi", _NO_TITLE, "M"),
    ],
}
_POOLS["KEC-CIKOLE"] = _POOLS["KEC-CITAMIANG"] = _POOLS.pop("KEC")

# Structural posts, filled first and by PNS: (position, titles).
_HEADS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "SETDA": [
        ("Asisten Pemerintahan dan Kesejahteraan Rakyat", _HEAD_TITLES),
        ("Asisten Perekonomian dan Pembangunan", _HEAD_TITLES),
        ("Asisten Administrasi Umum", _HEAD_TITLES),
        ("Staf Ahli Wali Kota Bidang Hukum, Politik dan Pemerintahan", _HEAD_TITLES),
        ("Kepala Bagian Hukum", ("|S.H., M.H.", "|S.H.")),
        ("Kepala Bagian Organisasi", _HEAD_TITLES),
    ],
    "SETDA-PEM": [
        ("Kepala Bagian Pemerintahan", _HEAD_TITLES),
        ("Kepala Subbagian Otonomi Daerah dan Kerja Sama", _HEAD_TITLES),
    ],
    "SETDA-UMUM": [
        ("Kepala Bagian Umum", _HEAD_TITLES),
        ("Kepala Subbagian Rumah Tangga dan Perlengkapan", _HEAD_TITLES),
    ],
    "BKPSDM": [
        ("Kepala Badan", _HEAD_TITLES),
        ("Sekretaris", _HEAD_TITLES),
        ("Kepala Bidang Pengadaan, Pemberhentian dan Informasi Kepegawaian", _HEAD_TITLES),
        ("Kepala Bidang Mutasi dan Promosi", _HEAD_TITLES),
        ("Kepala Bidang Pengembangan Kompetensi Aparatur", _HEAD_TITLES),
    ],
    "DISDIK": [
        ("Kepala Dinas", ("|S.Pd., M.Pd.", "Drs.|M.Si.", "Dr.|M.Pd.")),
        ("Sekretaris", _HEAD_TITLES),
        ("Kepala Bidang Pembinaan Sekolah Dasar", ("|S.Pd., M.Pd.",)),
        ("Kepala Bidang Pembinaan Sekolah Menengah Pertama", ("|S.Pd., M.Pd.",)),
        ("Kepala Bidang Guru dan Tenaga Kependidikan", ("|S.Pd., M.M.",)),
    ],
    "DISDIK-SDN1": [("Kepala Sekolah", ("|S.Pd.", "|S.Pd., M.Pd."))],
    "DISDIK-SMPN2": [("Kepala Sekolah", ("|S.Pd., M.Pd.",))],
    "DINKES": [
        ("Kepala Dinas", ("dr.|M.K.M.", "dr.|M.Kes.")),
        ("Sekretaris", ("|S.K.M., M.Kes.", "|S.E., M.M.")),
        ("Kepala Bidang Kesehatan Masyarakat", ("|S.K.M., M.Kes.",)),
        ("Kepala Bidang Pencegahan dan Pengendalian Penyakit", ("dr.|", "|S.K.M., M.Epid.")),
        ("Kepala Bidang Pelayanan dan Sumber Daya Kesehatan", ("dr.|M.M.", "apt.|S.Farm.")),
    ],
    "DINKES-PKM-CIKOLE": [
        ("Kepala UPTD Puskesmas Cikole", ("dr.|", "drg.|")),
        ("Kepala Subbagian Tata Usaha", ("|S.K.M.", "|S.E.")),
    ],
    "DPUPR": [
        ("Kepala Dinas", ("|S.T., M.T.", "Ir.|M.T.")),
        ("Sekretaris", ("|S.T., M.M.", "|S.E., M.Si.")),
        ("Kepala Bidang Bina Marga", ("|S.T., M.T.",)),
        ("Kepala Bidang Sumber Daya Air", ("|S.T., M.T.", "|S.T.")),
        ("Kepala Bidang Penataan Ruang", ("|S.T., M.T.", "|S.PWK., M.T.")),
        ("Kepala Bidang Cipta Karya", ("|S.T.",)),
    ],
    "KEC-CIKOLE": [
        ("Camat", _HEAD_TITLES),
        ("Sekretaris Kecamatan", _HEAD_TITLES),
        ("Kepala Seksi Pemerintahan", _POLICY_TITLES),
        ("Kepala Seksi Ketenteraman dan Ketertiban Umum", _POLICY_TITLES),
        ("Kepala Seksi Pemberdayaan Masyarakat", _POLICY_TITLES),
        ("Lurah Cikole", _POLICY_TITLES),
        ("Lurah Gunungparang", _POLICY_TITLES),
        ("Lurah Kebonjati", _POLICY_TITLES),
        ("Lurah Selabatu", _POLICY_TITLES),
        ("Lurah Subangjaya", _POLICY_TITLES),
        ("Lurah Cisarua", _POLICY_TITLES),
        ("Sekretaris Kelurahan Cikole", _ADMIN_TITLES),
        ("Sekretaris Kelurahan Selabatu", _ADMIN_TITLES),
    ],
    "KEC-CITAMIANG": [
        ("Camat", _HEAD_TITLES),
        ("Sekretaris Kecamatan", _HEAD_TITLES),
        ("Kepala Seksi Pemerintahan", _POLICY_TITLES),
        ("Kepala Seksi Ketenteraman dan Ketertiban Umum", _POLICY_TITLES),
        ("Kepala Seksi Pelayanan Umum", _POLICY_TITLES),
        ("Lurah Citamiang", _POLICY_TITLES),
        ("Lurah Gedongpanjang", _POLICY_TITLES),
        ("Lurah Nanggeleng", _POLICY_TITLES),
        ("Lurah Tipar", _POLICY_TITLES),
        ("Lurah Cikondang", _POLICY_TITLES),
        ("Sekretaris Kelurahan Nanggeleng", _ADMIN_TITLES),
    ],
    "SATPOLPP": [
        ("Kepala Satuan", _HEAD_TITLES),
        ("Sekretaris", _HEAD_TITLES),
        ("Kepala Bidang Penegakan Peraturan Daerah", ("|S.H.", "|S.H., M.H.")),
        ("Kepala Bidang Ketertiban Umum dan Ketenteraman Masyarakat", _HEAD_TITLES),
        ("Kepala Bidang Perlindungan Masyarakat", _HEAD_TITLES),
    ],
}

# Per unit: head count, shares of (PNS, PPPK, non-ASN), share of women, share who sign.
_STAFFING: dict[str, tuple[int, tuple[float, float, float], float, float]] = {
    "SETDA": (45, (0.67, 0.10, 0.23), 0.45, 0.96),
    "SETDA-PEM": (25, (0.72, 0.12, 0.16), 0.45, 1.00),
    "SETDA-UMUM": (40, (0.45, 0.20, 0.35), 0.40, 0.80),
    "BKPSDM": (35, (0.74, 0.14, 0.12), 0.55, 0.91),
    "DISDIK": (40, (0.70, 0.15, 0.15), 0.50, 0.60),
    "DISDIK-SDN1": (35, (0.46, 0.34, 0.20), 0.70, 0.71),
    "DISDIK-SMPN2": (55, (0.51, 0.33, 0.16), 0.62, 0.45),
    "DINKES": (45, (0.69, 0.16, 0.15), 0.60, 0.50),
    "DINKES-PKM-CIKOLE": (60, (0.50, 0.30, 0.20), 0.72, 0.30),
    "DPUPR": (70, (0.60, 0.18, 0.22), 0.20, 0.15),
    "KEC-CIKOLE": (40, (0.68, 0.10, 0.22), 0.45, 0.76),
    "KEC-CITAMIANG": (40, (0.68, 0.10, 0.22), 0.45, 0.40),
    "SATPOLPP": (70, (0.46, 0.20, 0.34), 0.18, 0.55),
}
