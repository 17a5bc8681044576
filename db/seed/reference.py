"""Static reference data for the demo network: programmes, products, places, names, rates.

The eight real programmes carry their public names, countries, regions, currencies, start
years and relative sizes (DOMAIN.md); the four others are synthetic and say so. People,
groups and transactions generated from this data are synthetic.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.enums import Activity, InstallmentFrequency, InterestMethod, ProgrammePhase
from domain.lending import CycleBand
from domain.money import SLL_PER_SLE

A = Activity
FLAT = InterestMethod.FLAT
DECLINING = InterestMethod.DECLINING_BALANCE
WEEKLY = InstallmentFrequency.WEEKLY
FORTNIGHTLY = InstallmentFrequency.EVERY_TWO_WEEKS
MONTHLY = InstallmentFrequency.MONTHLY

NETWORK_NAME = "Entrepreneurs du Monde"
HEAD_OFFICE = "Lyon, France"
REPORTING_CURRENCY = "EUR"
NETWORK_FOUNDED_ON = date(1998, 1, 1)
# Programmes share the network's methodology: six initial sessions before a first loan.
INITIAL_SESSIONS = 6
# Sierra Leone redenominated on 1 July 2022: older Munafa loans stay in SLL.
SLE_INTRODUCED_ON = date(2022, 7, 1)

COUNTRIES: dict[str, str] = {
    "FR": "France",
    "SN": "Senegal",
    "BF": "Burkina Faso",
    "TG": "Togo",
    "GN": "Guinea",
    "SL": "Sierra Leone",
    "HT": "Haiti",
    "MM": "Myanmar",
    "VN": "Viet Nam",
    "PH": "Philippines",
    "MG": "Madagascar",
    "KH": "Cambodia",
    "CM": "Cameroon",
}


@dataclass(frozen=True)
class Place:
    """A neighbourhood or village where groups meet."""

    name: str
    rural: bool
    since: date | None = None  # the programme opened there later


@dataclass(frozen=True)
class Names:
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]


@dataclass(frozen=True)
class PhonePlan:
    """A mobile number: country prefix, operator prefix, then digit groups."""

    country: str
    operators: tuple[str, ...]
    groups: tuple[int, ...]


@dataclass(frozen=True)
class ProductSpec:
    name: str
    method: InterestMethod
    period_rate_percent: Decimal
    installments: int
    frequency: InstallmentFrequency
    fee_percent: Decimal
    min_principal: Decimal
    max_principal: Decimal
    first_loan: bool = False
    currency: str | None = None  # None: the programme's currency
    until: date | None = None  # offered to loans disbursed before this date only
    since: date | None = None  # offered to loans disbursed on or after this date only

    @property
    def cycles(self) -> tuple[CycleBand, ...]:
        """The loan cycles it serves: a first-loan product the first cycle only, the others
        every later one, each at the product's whole range (FANSOTO: a first loan of
        100,000 XOF exactly, later loans from 80,000 to 450,000)."""
        if self.first_loan:
            return (CycleBand(1, 1, self.min_principal, self.max_principal),)
        return (CycleBand(2, None, self.min_principal, self.max_principal),)


@dataclass(frozen=True)
class PartnerSpec:
    name: str
    kind: str
    since_year: int


@dataclass(frozen=True)
class ProgrammeSpec:
    code: str
    name: str
    country: str
    region: str
    base_city: str
    currency: str
    started_on: date
    consolidation_on: date | None
    autonomous_on: date | None
    description: str
    weight: int  # relative number of members over the years
    women: float
    rural: float
    twice_monthly: float  # share of groups meeting twice a month
    first_loan: tuple[Decimal, Decimal]  # range of first-cycle principals
    max_loan: Decimal
    loan_step: Decimal  # principals are multiples of this
    savings_step: Decimal  # savings movements are multiples of this
    compulsory_savings_minimum: Decimal | None
    retention: float  # chance a member who repaid takes a next loan
    poverty_mode: float  # most likely poverty likelihood, in percent
    products: tuple[ProductSpec, ...]
    partners: tuple[PartnerSpec, ...]
    places: tuple[Place, ...]
    group_words: tuple[str, ...]
    names: Names
    phone: PhonePlan
    activities: tuple[tuple[Activity, int], ...]
    synthetic: bool = False

    def phase_on(self, day: date) -> ProgrammePhase:
        if self.autonomous_on is not None and day >= self.autonomous_on:
            return ProgrammePhase.AUTONOMOUS
        if self.consolidation_on is not None and day >= self.consolidation_on:
            return ProgrammePhase.CONSOLIDATION
        return ProgrammePhase.START_UP


def units_per_programme_unit(product_currency: str, programme_currency: str) -> Decimal:
    """How many units of a product's currency make one unit of its programme's currency."""
    if (product_currency, programme_currency) == ("SLL", "SLE"):
        return SLL_PER_SLE
    if product_currency != programme_currency:
        raise ValueError(f"no conversion rule from {product_currency} to {programme_currency}")
    return Decimal(1)


def D(value: int | str) -> Decimal:
    return Decimal(value)


def _product(
    name: str,
    method: InterestMethod,
    rate: str,
    installments: int,
    frequency: InstallmentFrequency,
    low: int,
    high: int,
    *,
    fee: str = "1",
    first_loan: bool = False,
    currency: str | None = None,
    until: date | None = None,
    since: date | None = None,
) -> ProductSpec:
    return ProductSpec(
        name=name,
        method=method,
        period_rate_percent=D(rate),
        installments=installments,
        frequency=frequency,
        fee_percent=D(fee),
        min_principal=D(low),
        max_principal=D(high),
        first_loan=first_loan,
        currency=currency,
        until=until,
        since=since,
    )


def _places(urban: str, rural: str, *later: tuple[str, date]) -> tuple[Place, ...]:
    return (
        tuple(Place(name.strip(), False) for name in urban.split(","))
        + tuple(Place(name.strip(), True) for name in rural.split(","))
        + tuple(Place(name, True, since) for name, since in later)
    )


def _split(names: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in names.split(","))


FOUNDATION = PartnerSpec("Fondation Entrepreneurs du Monde", "FUNDER", 2000)

WEST_AFRICA_ACTIVITIES = (
    (A.SMALL_SHOP, 22),
    (A.MARKET_TRADING, 24),
    (A.FOOD_PROCESSING, 16),
    (A.SEWING, 8),
    (A.LIVESTOCK, 8),
    (A.AGRICULTURE, 10),
    (A.CRAFTS, 4),
    (A.FISH_TRADING, 4),
    (A.SERVICES, 4),
)

FANSOTO = ProgrammeSpec(
    code="FANSOTO",
    name="FANSOTO",
    country="SN",
    region="Casamance",
    base_city="Ziguinchor",
    currency="XOF",
    started_on=date(2016, 3, 1),
    consolidation_on=date(2019, 1, 1),
    autonomous_on=None,
    description=(
        "Social microfinance for women in Casamance (Ziguinchor, Bignona) and, since 2022, "
        "Matam: solidarity groups, six training sessions, then a first loan of 100,000 FCFA "
        "with no guarantee."
    ),
    weight=19_000,
    women=0.99,
    rural=0.65,
    twice_monthly=0.3,
    first_loan=(D(100_000), D(100_000)),
    max_loan=D(450_000),
    loan_step=D(5_000),
    savings_step=D(500),
    compulsory_savings_minimum=D(5_000),
    retention=0.9,
    poverty_mode=55,
    products=(
        _product(
            "Premier crédit solidaire", FLAT, "1.5", 10, MONTHLY, 100_000, 100_000, first_loan=True
        ),
        _product("Crédit solidaire mensuel", FLAT, "1.5", 10, MONTHLY, 80_000, 450_000),
        _product("Crédit solidaire bimensuel", FLAT, "0.75", 20, FORTNIGHTLY, 80_000, 450_000),
    ),
    partners=(
        PartnerSpec("AFD", "FUNDER", 2016),
        PartnerSpec("Gouvernement princier de Monaco", "FUNDER", 2016),
        PartnerSpec("Adopte un mec", "FUNDER", 2018),
        PartnerSpec("F.A.E.T", "FUNDER", 2019),
        PartnerSpec("Fondation Entrepreneurs du Monde", "FUNDER", 2016),
        PartnerSpec("Ailancy", "FUNDER", 2020),
    ),
    places=_places(
        "Boucotte, Kandialang, Tilène, Lyndiane, Néma, Kandé, Santhiaba, Belfort, Colobane, "
        "Djibock, Peyrissac, Goumel",
        "Bignona, Tenghory, Diouloulou, Sindian, Tendouck, Niaguis, Nyassia, Oulampane, "
        "Kafountine, Baïla",
        ("Ourossogui", date(2022, 1, 1)),
        ("Matam Soubalo", date(2022, 1, 1)),
        ("Thilogne", date(2022, 6, 1)),
        ("Agnam Civol", date(2023, 1, 1)),
    ),
    group_words=_split(
        "Kassoumay, Jàmm, Bokk Jom, Book Diom, Dimbaya, Kawral, Nafoore, Jappo, Ande Liggeey, "
        "Suxali Jigeen, Kagnalen, Bolong, Fuuta Naange, Jigéen Ñi"
    ),
    names=Names(
        female=_split(
            "Aminata, Fatou, Mariama, Awa, Khady, Ndeye, Aïssatou, Binta, Coumba, Seynabou, "
            "Adama, Kadiatou, Fatoumata, Djeneba, Marie, Christine, Odile, Bernadette, Rokhaya, "
            "Astou, Oumy, Safiétou, Nafi, Yacine, Ramatoulaye, Antoinette, Bintou, Sira"
        ),
        male=_split("Mamadou, Ousmane, Ibrahima, Lamine, Moussa, Abdoulaye, Jean, Pierre"),
        family=_split(
            "Diatta, Sagna, Badji, Sané, Coly, Diédhiou, Goudiaby, Manga, Tendeng, Bassène, "
            "Sambou, Diémé, Djiba, Mané, Diallo, Ba, Sow, Cissé, Faye, Ndiaye, Diop, Gomis, "
            "Mendy, Sonko, Biaye, Kanté, Touré"
        ),
    ),
    phone=PhonePlan("+221", ("70", "75", "76", "77", "78"), (3, 2, 2)),
    activities=(
        (A.SMALL_SHOP, 18),
        (A.MARKET_TRADING, 22),
        (A.FOOD_PROCESSING, 16),
        (A.FISH_TRADING, 12),
        (A.AGRICULTURE, 14),
        (A.LIVESTOCK, 6),
        (A.SEWING, 5),
        (A.CRAFTS, 3),
        (A.SERVICES, 4),
    ),
)

YIKRI = ProgrammeSpec(
    code="YIKRI",
    name="YIKRI",
    country="BF",
    region="Centre",
    base_city="Ouagadougou",
    currency="XOF",
    started_on=date(2014, 2, 1),
    consolidation_on=date(2017, 1, 1),
    autonomous_on=None,
    description=(
        "Social microfinance in the outskirts of Ouagadougou and the surrounding rural "
        "communes: solidarity groups of women, training, loans and savings."
    ),
    weight=40_000,
    women=0.89,
    rural=0.45,
    twice_monthly=0.4,
    first_loan=(D(60_000), D(100_000)),
    max_loan=D(500_000),
    loan_step=D(5_000),
    savings_step=D(500),
    compulsory_savings_minimum=D(2_500),
    retention=0.9,
    poverty_mode=60,
    products=(
        _product("Prêt de démarrage", FLAT, "2", 8, MONTHLY, 60_000, 100_000, first_loan=True),
        _product("Prêt solidaire", FLAT, "1.75", 10, MONTHLY, 50_000, 500_000),
        _product("Prêt solidaire quinzaine", FLAT, "0.9", 18, FORTNIGHTLY, 50_000, 500_000),
    ),
    partners=(
        FOUNDATION,
        PartnerSpec("AFD", "FUNDER", 2015),
        PartnerSpec("Union européenne", "FUNDER", 2017),
        PartnerSpec("Fondation de France", "FUNDER", 2019),
    ),
    places=_places(
        "Tanghin, Somgandé, Nioko, Bissighin, Karpala, Balkuy, Tampouy, Pissy, Zagtouli, "
        "Nonsin, Sig-Noghin, Yagma",
        "Saaba, Komsilga, Koubri, Loumbila, Ziniaré, Kamboinsé, Tanghin-Dassouri, Pabré",
    ),
    group_words=_split(
        "Neb-la-Yam, Song-Taaba, Teel-Taaba, Wend-Kuuni, Laafi, Nong-Taaba, Zems-Taaba, "
        "Wend-Panga, Pag-la-Yiri, Yiknoogo"
    ),
    names=Names(
        female=_split(
            "Awa, Salimata, Mariam, Aminata, Rasmata, Zalissa, Fatimata, Safiatou, Alimata, "
            "Bibata, Hawa, Rakieta, Pélagie, Odette, Germaine, Sophie, Adjara, Habibou, "
            "Maimouna, Kadidia, Asseta, Martine"
        ),
        male=_split("Issa, Boukary, Salif, Adama, Harouna, Souleymane, Paul, Jean-Baptiste"),
        family=_split(
            "Ouédraogo, Sawadogo, Compaoré, Kaboré, Zongo, Ilboudo, Nikiéma, Tapsoba, Kafando, "
            "Zoungrana, Yaméogo, Ouattara, Traoré, Sanou, Bationo, Kiemtoré, Kinda, Zida"
        ),
    ),
    phone=PhonePlan("+226", ("70", "71", "72", "76", "78", "60", "64", "65"), (2, 2, 2)),
    activities=WEST_AFRICA_ACTIVITIES,
)

ASSILASSIME = ProgrammeSpec(
    code="ASSILASSIME",
    name="Assilassimé Solidarité",
    country="TG",
    region="Maritime and Plateaux",
    base_city="Lomé",
    currency="XOF",
    started_on=date(2011, 1, 1),
    consolidation_on=date(2014, 1, 1),
    autonomous_on=date(2020, 1, 1),
    description=(
        "Social microfinance in Lomé, Aného, Anié and Amlamé through ten agencies: "
        "solidarity groups, loans, savings and social support."
    ),
    weight=45_000,
    women=0.87,
    rural=0.35,
    twice_monthly=0.5,
    first_loan=(D(50_000), D(100_000)),
    max_loan=D(600_000),
    loan_step=D(5_000),
    savings_step=D(500),
    compulsory_savings_minimum=D(5_000),
    retention=0.92,
    poverty_mode=50,
    products=(
        _product(
            "Crédit de démarrage", DECLINING, "2.5", 8, MONTHLY, 50_000, 100_000, first_loan=True
        ),
        _product("Crédit solidaire", DECLINING, "2.25", 10, MONTHLY, 50_000, 600_000),
        _product("Crédit hebdomadaire", FLAT, "0.5", 20, WEEKLY, 50_000, 300_000),
    ),
    partners=(
        FOUNDATION,
        PartnerSpec("AFD", "FUNDER", 2012),
        PartnerSpec("Oikocredit", "LENDER", 2018),
        PartnerSpec("Fondation RAJA-Danièle Marcovici", "FUNDER", 2016),
    ),
    places=_places(
        "Bè, Adakpamé, Agoè, Hédzranawoé, Adidogomé, Akodésséwa, Tokoin, Kégué, Baguida, "
        "Djidjolé, Aného",
        "Glidji, Anié, Amlamé, Vogan, Agbodrafo, Kpessi, Tabligbo",
    ),
    group_words=_split(
        "Mawuena, Dzidzo, Nunya, Elikplim, Akpé, Woezon, Mawuli, Sena, Lolonyo, Fafa"
    ),
    names=Names(
        female=_split(
            "Afi, Ama, Akossiwa, Adjoa, Abla, Kossiwa, Yawa, Dédé, Ablavi, Enyonam, Sena, "
            "Mawuena, Essi, Akouvi, Afiwa, Amivi, Adjo, Elom, Dzifa, Kafui"
        ),
        male=_split("Kossi, Kodjo, Komi, Yao, Koffi, Kokou, Messan, Edem"),
        family=_split(
            "Agbodjan, Amegah, Adjovi, Lawson, Mensah, Kpodar, Agbeko, Dossou, Kouassi, "
            "Amouzou, Tchalla, Akakpo, Gbeassor, Djossou, Afanou, Ahadji, Klu, Attiogbe, "
            "Agbéko, Sossou"
        ),
    ),
    phone=PhonePlan("+228", ("90", "91", "92", "93", "96", "97", "98", "99"), (2, 2, 2)),
    activities=WEST_AFRICA_ACTIVITIES,
)

WAKILI = ProgrammeSpec(
    code="WAKILI",
    name="WAKILI",
    country="GN",
    region="Basse-Guinée",
    base_city="Conakry",
    currency="GNF",
    started_on=date(2016, 6, 1),
    consolidation_on=date(2020, 1, 1),
    autonomous_on=None,
    description=(
        "Social microfinance in Conakry, Boffa and Maferinyah: solidarity groups of women, "
        "training, loans and savings."
    ),
    weight=12_000,
    women=0.9,
    rural=0.4,
    twice_monthly=0.35,
    first_loan=(D(1_000_000), D(1_500_000)),
    max_loan=D(6_000_000),
    loan_step=D(50_000),
    savings_step=D(5_000),
    compulsory_savings_minimum=D(50_000),
    retention=0.88,
    poverty_mode=62,
    products=(
        _product("Premier crédit", FLAT, "2", 8, MONTHLY, 1_000_000, 1_500_000, first_loan=True),
        _product("Crédit solidaire", FLAT, "1.8", 10, MONTHLY, 700_000, 6_000_000),
        _product("Crédit bimensuel", FLAT, "0.9", 20, FORTNIGHTLY, 700_000, 6_000_000),
    ),
    partners=(
        FOUNDATION,
        PartnerSpec("AFD", "FUNDER", 2016),
        PartnerSpec("Union européenne", "FUNDER", 2018),
    ),
    places=_places(
        "Matoto, Ratoma, Dixinn, Kaloum, Hamdallaye, Kipé, Cosa, Lambanyi, Sonfonia, Enta",
        "Boffa, Koba, Tougnifily, Maferinyah, Forécariah, Dubréka, Kolaboui",
    ),
    group_words=_split(
        "Wakili, Horè Fonfon, Bènkadi, Sabou, Hèrè, Dèmè, Nafa, Yiriwa, Kafoui, Sininyèsigi"
    ),
    names=Names(
        female=_split(
            "Mariama, Fatoumata, Aïssatou, Kadiatou, Hawa, Mabinty, Ramatoulaye, Nènè, Oumou, "
            "Djénabou, Kadidiatou, Saran, Mafoudia, Aminata, Fanta, Sayon, Makalé, Bountou"
        ),
        male=_split("Mamadou, Alpha, Sékou, Ibrahima, Amadou, Mohamed, Lansana, Facinet"),
        family=_split(
            "Diallo, Camara, Bah, Barry, Soumah, Sylla, Touré, Condé, Keïta, Bangoura, "
            "Kouyaté, Cissé, Sow, Fofana, Yansané, Kaba, Traoré, Kourouma"
        ),
    ),
    phone=PhonePlan("+224", ("620", "621", "622", "624", "628", "655", "660", "664"), (2, 2, 2)),
    activities=WEST_AFRICA_ACTIVITIES,
)

MUNAFA = ProgrammeSpec(
    code="MUNAFA",
    name="Munafa",
    country="SL",
    region="Western Area",
    base_city="Freetown",
    currency="SLE",
    started_on=date(2019, 4, 1),
    consolidation_on=date(2022, 1, 1),
    autonomous_on=None,
    description=(
        "Social microfinance in Freetown: solidarity groups of traders, training, loans and "
        "savings. Amounts before 1 July 2022 are in old leones (SLL; 1 SLE = 1,000 SLL)."
    ),
    weight=9_500,
    women=0.88,
    rural=0.12,
    twice_monthly=0.6,
    first_loan=(D(2_000), D(3_000)),
    max_loan=D(12_000),
    loan_step=D(100),
    savings_step=D(10),
    compulsory_savings_minimum=None,
    retention=0.88,
    poverty_mode=58,
    products=(
        _product(
            "Start loan (SLL)",
            FLAT,
            "2",
            8,
            MONTHLY,
            2_000_000,
            3_000_000,
            first_loan=True,
            currency="SLL",
            until=SLE_INTRODUCED_ON,
        ),
        _product(
            "Business loan (SLL)",
            FLAT,
            "1.1",
            16,
            FORTNIGHTLY,
            1_500_000,
            12_000_000,
            currency="SLL",
            until=SLE_INTRODUCED_ON,
        ),
        _product(
            "Start loan",
            FLAT,
            "2",
            8,
            MONTHLY,
            2_000,
            3_000,
            first_loan=True,
            since=SLE_INTRODUCED_ON,
        ),
        _product(
            "Business loan", FLAT, "1.1", 16, FORTNIGHTLY, 1_500, 12_000, since=SLE_INTRODUCED_ON
        ),
        _product(
            "Monthly business loan", FLAT, "2.2", 8, MONTHLY, 1_500, 12_000, since=SLE_INTRODUCED_ON
        ),
    ),
    partners=(
        FOUNDATION,
        PartnerSpec("Union européenne", "FUNDER", 2019),
        PartnerSpec("Kiva", "LENDER", 2021),
    ),
    places=_places(
        "Kissy, Wellington, Calaba Town, Kroo Bay, Congo Town, Lumley, Goderich, Allen Town, "
        "Grafton, Mountain Cut, Kingtom, Aberdeen",
        "Waterloo, Tombo, York, Kent",
    ),
    group_words=_split(
        "Munafa, Tranga Yai, Wi Na Wan, Gud Wok, Padi, Bambay, Osusu, Salone Uman, Progress"
    ),
    names=Names(
        female=_split(
            "Fatmata, Aminata, Isatu, Mariama, Hawa, Kadiatu, Christiana, Mabinty, Zainab, "
            "Adama, Marie, Fanta, Jeneba, Memunatu, Salamatu, Yeabu, Ramatu, Haja"
        ),
        male=_split("Mohamed, Ibrahim, Abu, Alhaji, Sorie, Foday, John, Samuel"),
        family=_split(
            "Kamara, Sesay, Conteh, Bangura, Koroma, Turay, Mansaray, Kargbo, Jalloh, Fofanah, "
            "Kanu, Sankoh, Kallon, Bah, Thomas, Cole, Williams, Tucker"
        ),
    ),
    phone=PhonePlan("+232", ("76", "77", "78", "30", "33", "88", "99"), (6,)),
    activities=(
        (A.MARKET_TRADING, 32),
        (A.SMALL_SHOP, 22),
        (A.FOOD_PROCESSING, 14),
        (A.FISH_TRADING, 10),
        (A.SEWING, 8),
        (A.SERVICES, 8),
        (A.CRAFTS, 3),
        (A.AGRICULTURE, 3),
    ),
)

PALMIS = ProgrammeSpec(
    code="PALMIS",
    name="Palmis Mikwofinans Sosyal",
    country="HT",
    region="Ouest",
    base_city="Port-au-Prince",
    currency="HTG",
    started_on=date(2003, 9, 1),
    consolidation_on=date(2007, 1, 1),
    autonomous_on=date(2013, 1, 1),
    description=(
        "Social microfinance in Port-au-Prince and the Ouest department: solidarity groups "
        "of women, small loans, savings and training."
    ),
    weight=16_000,
    women=0.87,
    rural=0.3,
    twice_monthly=0.5,
    first_loan=(D(7_500), D(12_500)),
    max_loan=D(75_000),
    loan_step=D(500),
    savings_step=D(50),
    compulsory_savings_minimum=D(500),
    retention=0.9,
    poverty_mode=65,
    products=(
        _product("Premye kredi", FLAT, "2.5", 6, MONTHLY, 7_500, 12_500, first_loan=True),
        _product("Kredi solidè", FLAT, "2.2", 8, MONTHLY, 5_000, 75_000),
        _product("Kredi chak 15 jou", FLAT, "1.1", 16, FORTNIGHTLY, 5_000, 75_000),
    ),
    partners=(
        FOUNDATION,
        PartnerSpec("AFD", "FUNDER", 2005),
        PartnerSpec("Fondation de France", "FUNDER", 2010),
        PartnerSpec("Union européenne", "FUNDER", 2011),
    ),
    places=_places(
        "Carrefour-Feuilles, Bel-Air, Martissant, Delmas, Pétion-Ville, Croix-des-Bouquets, "
        "Carrefour, Cité Soleil, Tabarre, Fort-National",
        "Léogâne, Gressier, Cabaret, Petit-Goâve, Arcahaie, Kenscoff",
    ),
    group_words=_split(
        "Men Anpil, Lespwa, Fanm Vanyan, Solidarite, Konbit, Tèt Ansanm, Bon Zanmi, Limyè, "
        "Fòs Fanm, Pwogrè"
    ),
    names=Names(
        female=_split(
            "Marie, Rose-Marie, Jeanne, Nadège, Guerline, Fabienne, Mirlande, Roseline, "
            "Marie-Ange, Nathalie, Widline, Mireille, Yolette, Carline, Lourdes, Sonia, "
            "Magalie, Marie-Claude, Edeline, Rosemène"
        ),
        male=_split("Jean, Pierre, Jacques, Wilson, Frantz, Ronald, Jean-Robert, Wilner"),
        family=_split(
            "Pierre, Jean-Baptiste, Joseph, Louis, Charles, Saint-Fleur, Dorvil, Célestin, "
            "Alexis, Désir, Michel, Étienne, Augustin, Thélusma, Casimir, Noël, Jean-Louis, "
            "Exantus, Fils-Aimé, Lafortune"
        ),
    ),
    phone=PhonePlan("+509", ("31", "34", "36", "37", "38", "40", "42", "46", "47"), (2, 4)),
    activities=(
        (A.MARKET_TRADING, 34),
        (A.SMALL_SHOP, 22),
        (A.FOOD_PROCESSING, 14),
        (A.SEWING, 6),
        (A.CRAFTS, 6),
        (A.SERVICES, 8),
        (A.LIVESTOCK, 4),
        (A.AGRICULTURE, 4),
        (A.FISH_TRADING, 2),
    ),
)

SONT_OO_TEHTWIN = ProgrammeSpec(
    code="SONT_OO_TEHTWIN",
    name="Sont Oo Tehtwin",
    country="MM",
    region="Yangon Region (south)",
    base_city="Dala",
    currency="MMK",
    started_on=date(2014, 5, 1),
    consolidation_on=date(2018, 1, 1),
    autonomous_on=None,
    description=(
        "Social microfinance in the townships south of Yangon: solidarity groups, loans, "
        "savings and training for village entrepreneurs, most of them women."
    ),
    weight=14_000,
    women=0.84,
    rural=0.7,
    twice_monthly=0.45,
    first_loan=(D(250_000), D(350_000)),
    max_loan=D(1_500_000),
    loan_step=D(10_000),
    savings_step=D(1_000),
    compulsory_savings_minimum=D(10_000),
    retention=0.9,
    poverty_mode=55,
    products=(
        _product("First loan", DECLINING, "2.5", 10, MONTHLY, 250_000, 350_000, first_loan=True),
        _product("Group loan", DECLINING, "2.3", 12, MONTHLY, 150_000, 1_500_000),
        _product("Fortnightly loan", DECLINING, "1.15", 24, FORTNIGHTLY, 150_000, 1_500_000),
    ),
    partners=(
        FOUNDATION,
        PartnerSpec("AFD", "FUNDER", 2015),
        PartnerSpec("Union européenne", "FUNDER", 2016),
    ),
    places=_places(
        "Thanlyin, South Dagon, Dagon Seikkan",
        "Dala, Twante, Kawhmu, Kungyangon, Kyauktan, Seikkyi Kanaungto, Thongwa, Khayan, Kayan",
    ),
    group_words=_split(
        "Shwe Pyi, Myittar, Ngwe Taung, Pan Yaung, Thukha, Aung Myin, Yadanar, Zabu"
    ),
    # Burmese names have no family name: the first syllables go in first_name, the rest in
    # last_name, as the programme's forms do.
    names=Names(
        female=_split(
            "Khin, Aye, Thin, Nwe, Su, Hnin, May, Thida, Moe, Ei, Yin, Nilar, Sanda, Cho, Mya, "
            "Tin, Khin Myo, Ei Ei, Thandar"
        ),
        male=_split("Aung, Kyaw, Zaw, Min, Htet, Soe, Thein, Ko Ko"),
        family=_split(
            "Myint, Win, Aye, Htwe, Thandar, Mon, Oo, Nwe, Hlaing, Kyi, Lwin, Zin, Phyu, San, "
            "Htay, Khaing, Maw, Naing, Tun, Lin"
        ),
    ),
    phone=PhonePlan("+95", ("9 25", "9 26", "9 42", "9 45", "9 79", "9 97"), (3, 4)),
    activities=(
        (A.AGRICULTURE, 22),
        (A.LIVESTOCK, 16),
        (A.SMALL_SHOP, 18),
        (A.FOOD_PROCESSING, 14),
        (A.MARKET_TRADING, 12),
        (A.FISH_TRADING, 6),
        (A.SEWING, 5),
        (A.CRAFTS, 4),
        (A.SERVICES, 3),
    ),
)

ANH_CHI_EM = ProgrammeSpec(
    code="ANH_CHI_EM",
    name="Anh Chi Em",
    country="VN",
    region="Điện Biên",
    base_city="Điện Biên Phủ",
    currency="VND",
    started_on=date(2007, 10, 1),
    consolidation_on=date(2011, 1, 1),
    autonomous_on=date(2016, 1, 1),
    description=(
        "Social microfinance in Điện Biên province for Thai, Hmong and Kinh families: "
        "solidarity groups, loans for farming and small trade, savings and training."
    ),
    weight=4_600,
    women=0.96,
    rural=0.8,
    twice_monthly=0.2,
    first_loan=(D(4_000_000), D(6_000_000)),
    max_loan=D(30_000_000),
    loan_step=D(500_000),
    savings_step=D(10_000),
    compulsory_savings_minimum=D(100_000),
    retention=0.92,
    poverty_mode=60,
    products=(
        _product(
            "Vốn khởi đầu", DECLINING, "1.5", 12, MONTHLY, 4_000_000, 6_000_000, first_loan=True
        ),
        _product("Vốn phát triển", DECLINING, "1.3", 12, MONTHLY, 3_000_000, 30_000_000),
        _product("Vốn tuần", FLAT, "0.35", 24, WEEKLY, 3_000_000, 15_000_000),
    ),
    partners=(
        FOUNDATION,
        PartnerSpec("Hội Liên hiệp Phụ nữ tỉnh Điện Biên", "TECHNICAL_PARTNER", 2007),
        PartnerSpec("Fondation de France", "FUNDER", 2009),
    ),
    places=_places(
        "Him Lam, Thanh Minh, Noong Bua, Nam Thanh, Tân Thanh",
        "Thanh Xương, Thanh An, Noong Hẹt, Mường Phăng, Nà Tấu, Pom Lót, Mường Ảng, "
        "Tuần Giáo, Mường Chà, Sam Mứn",
    ),
    group_words=_split("Đoàn Kết, Hoa Ban, Tương Trợ, Phát Triển, Hướng Dương, Bản Mường"),
    # Vietnamese names put the family name first: last_name holds it, first_name the rest.
    names=Names(
        female=_split(
            "Thị Hoa, Thị Lan, Thị Hương, Thị Mai, Thị Thu, Thị Hằng, Thị Nga, Thị Xuân, "
            "Thị Dung, Thị Hiên, Thị Phương, Thị Ngọc, Thị Sua, Thị Pằng, Thị Dợ"
        ),
        male=_split("Văn Minh, Văn Hùng, Văn Thắng, A Páo, Văn Toán, A Sử"),
        family=_split(
            "Lò, Lường, Quàng, Cà, Tòng, Điêu, Lù, Giàng, Vàng, Sùng, Thào, Mùa, Lầu, Nguyễn, "
            "Trần, Lê, Phạm, Hoàng"
        ),
    ),
    phone=PhonePlan("+84", ("912", "913", "98", "97", "86", "35", "39"), (3, 3)),
    activities=(
        (A.AGRICULTURE, 34),
        (A.LIVESTOCK, 26),
        (A.SMALL_SHOP, 12),
        (A.FOOD_PROCESSING, 8),
        (A.CRAFTS, 8),
        (A.MARKET_TRADING, 6),
        (A.SEWING, 4),
        (A.SERVICES, 2),
    ),
)

SYNTHETIC_NOTE = "Synthetic programme for demonstration: not a real programme of the network."

PAGLAUM = ProgrammeSpec(
    code="PAGLAUM",
    name="Paglaum",
    country="PH",
    region="Western Visayas",
    base_city="Iloilo City",
    currency="PHP",
    started_on=date(2012, 3, 1),
    consolidation_on=date(2016, 1, 1),
    autonomous_on=None,
    description=f"{SYNTHETIC_NOTE} Solidarity groups in and around Iloilo City.",
    weight=8_000,
    women=0.9,
    rural=0.35,
    twice_monthly=0.55,
    first_loan=(D(5_000), D(10_000)),
    max_loan=D(60_000),
    loan_step=D(500),
    savings_step=D(50),
    compulsory_savings_minimum=D(500),
    retention=0.9,
    poverty_mode=45,
    products=(
        _product("Sugod loan", FLAT, "0.6", 16, WEEKLY, 5_000, 10_000, first_loan=True),
        _product("Paglambo loan", FLAT, "0.55", 24, WEEKLY, 5_000, 60_000),
        _product("Monthly business loan", DECLINING, "2.5", 10, MONTHLY, 5_000, 60_000),
    ),
    partners=(FOUNDATION, PartnerSpec("Kiva", "LENDER", 2014)),
    places=_places(
        "Jaro, La Paz, Mandurriao, Molo, Arevalo, Lapuz, Lapaz Norte, Tabuc Suba",
        "Oton, Pavia, Leganes, Santa Barbara, Tigbauan, San Miguel",
    ),
    group_words=_split("Bayanihan, Paglaum, Damlag, Kusog, Panaghiusa, Kalipay, Sidlak"),
    names=Names(
        female=_split(
            "Maria, Rosario, Josephine, Marites, Lorna, Evangeline, Rowena, Analyn, Jocelyn, "
            "Cristina, Maricel, Gemma, Lourdes, Rhea, Jennylyn, Merlinda"
        ),
        male=_split("Jose, Eduardo, Ramon, Rodel, Arnel, Ronaldo"),
        family=_split(
            "Santos, Reyes, Cruz, Bautista, Garcia, Mendoza, dela Cruz, Villanueva, Ramos, "
            "Aquino, Castillo, Flores, Gonzales, Torres, Domingo, Pascual, Tupas, Gallego"
        ),
    ),
    phone=PhonePlan("+63", ("917", "918", "919", "927", "939", "947", "995"), (3, 4)),
    activities=(
        (A.SMALL_SHOP, 30),
        (A.FOOD_PROCESSING, 18),
        (A.MARKET_TRADING, 16),
        (A.FISH_TRADING, 8),
        (A.SERVICES, 10),
        (A.LIVESTOCK, 8),
        (A.SEWING, 4),
        (A.CRAFTS, 3),
        (A.AGRICULTURE, 3),
    ),
    synthetic=True,
)

FANANTENANA = ProgrammeSpec(
    code="FANANTENANA",
    name="Fanantenana",
    country="MG",
    region="Analamanga",
    base_city="Antananarivo",
    currency="MGA",
    started_on=date(2013, 9, 1),
    consolidation_on=date(2017, 1, 1),
    autonomous_on=None,
    description=f"{SYNTHETIC_NOTE} Solidarity groups in Antananarivo and nearby communes.",
    weight=7_000,
    women=0.87,
    rural=0.5,
    twice_monthly=0.4,
    first_loan=(D(300_000), D(500_000)),
    max_loan=D(3_000_000),
    loan_step=D(10_000),
    savings_step=D(1_000),
    compulsory_savings_minimum=D(10_000),
    retention=0.88,
    poverty_mode=68,
    products=(
        _product("Premier prêt", FLAT, "2.5", 8, MONTHLY, 300_000, 500_000, first_loan=True),
        _product("Prêt solidaire", FLAT, "2.2", 10, MONTHLY, 200_000, 3_000_000),
        _product("Prêt quinzaine", FLAT, "1.1", 20, FORTNIGHTLY, 200_000, 3_000_000),
    ),
    partners=(FOUNDATION, PartnerSpec("Fondation de France", "FUNDER", 2015)),
    places=_places(
        "Andavamamba, Isotry, Anosibe, Ambohimanarina, Ampitatafika, Andoharanofotsy",
        "Ankadikely, Ambohidratrimo, Itaosy, Ambohimangakely, Alasora, Talatamaty",
    ),
    group_words=_split("Fanantenana, Fitiavana, Firaisankina, Mirindra, Tsinjo, Vonona"),
    names=Names(
        female=_split(
            "Voahangy, Hanitra, Lalao, Fara, Haingo, Noro, Tahiana, Vololona, Miora, Nirina, "
            "Soa, Lanto, Mialy, Rindra, Fanja, Zo"
        ),
        male=_split("Hery, Rivo, Tiana, Andry, Solo, Naina"),
        family=_split(
            "Rakotomalala, Rasoanaivo, Randrianarisoa, Razafindrakoto, Rakotoarisoa, "
            "Andriamanana, Ravelojaona, Rasolofo, Rabemananjara, Razanamahefa, Ramanantsoa, "
            "Randriamampionona, Rakotondrabe, Rasoamanana"
        ),
    ),
    phone=PhonePlan("+261", ("32", "33", "34", "38"), (2, 3, 2)),
    activities=(
        (A.MARKET_TRADING, 24),
        (A.SMALL_SHOP, 18),
        (A.AGRICULTURE, 16),
        (A.LIVESTOCK, 12),
        (A.FOOD_PROCESSING, 12),
        (A.CRAFTS, 8),
        (A.SEWING, 6),
        (A.SERVICES, 4),
    ),
    synthetic=True,
)

SAMAKI = ProgrammeSpec(
    code="SAMAKI",
    name="Samaki",
    country="KH",
    region="Phnom Penh and Kandal",
    base_city="Phnom Penh",
    currency="KHR",
    started_on=date(2018, 1, 15),
    consolidation_on=date(2022, 1, 1),
    autonomous_on=None,
    description=f"{SYNTHETIC_NOTE} Solidarity groups on the outskirts of Phnom Penh.",
    weight=5_000,
    women=0.87,
    rural=0.55,
    twice_monthly=0.45,
    first_loan=(D(800_000), D(1_200_000)),
    max_loan=D(8_000_000),
    loan_step=D(100_000),
    savings_step=D(5_000),
    compulsory_savings_minimum=None,
    retention=0.9,
    poverty_mode=50,
    products=(
        _product("First loan", DECLINING, "1.8", 10, MONTHLY, 800_000, 1_200_000, first_loan=True),
        _product("Group loan", DECLINING, "1.6", 12, MONTHLY, 600_000, 8_000_000),
        _product("Two-week loan", DECLINING, "0.8", 24, FORTNIGHTLY, 600_000, 8_000_000),
    ),
    partners=(FOUNDATION, PartnerSpec("Oikocredit", "LENDER", 2020)),
    places=_places(
        "Meanchey, Chbar Ampov, Dangkao, Sen Sok, Por Senchey, Russey Keo",
        "Ta Khmau, Kandal Stueng, Ang Snuol, Kien Svay, Ponhea Leu",
    ),
    group_words=_split("Samaki, Sok Sabay, Rik Chamroeun, Mittapheap, Pheakdey, Chivit Thmey"),
    # Khmer names put the family name first: last_name holds it.
    names=Names(
        female=_split(
            "Sreymom, Sophea, Channary, Bopha, Sokha, Kanha, Sreyneang, Chantha, Phalla, "
            "Sothea, Rachana, Malis, Sreyleak, Sokunthea"
        ),
        male=_split("Sokun, Vibol, Rithy, Sambath, Dara, Visal"),
        family=_split(
            "Sok, Chan, Heng, Kim, Lim, Meas, Chea, Pen, Sam, Seng, Ouk, Keo, Prak, Ros, Mao, Nhem"
        ),
    ),
    phone=PhonePlan("+855", ("12", "17", "77", "78", "92", "96", "97"), (3, 3)),
    activities=(
        (A.SMALL_SHOP, 24),
        (A.MARKET_TRADING, 18),
        (A.AGRICULTURE, 16),
        (A.LIVESTOCK, 12),
        (A.FOOD_PROCESSING, 12),
        (A.SEWING, 8),
        (A.SERVICES, 6),
        (A.CRAFTS, 4),
    ),
    synthetic=True,
)

NJANGI = ProgrammeSpec(
    code="NJANGI",
    name="Njangi Solidaire",
    country="CM",
    region="Centre",
    base_city="Yaoundé",
    currency="XAF",
    started_on=date(2021, 9, 1),
    consolidation_on=None,
    autonomous_on=None,
    description=f"{SYNTHETIC_NOTE} A young programme in the neighbourhoods of Yaoundé.",
    weight=2_500,
    women=0.85,
    rural=0.25,
    twice_monthly=0.5,
    first_loan=(D(75_000), D(100_000)),
    max_loan=D(400_000),
    loan_step=D(5_000),
    savings_step=D(500),
    compulsory_savings_minimum=D(5_000),
    retention=0.85,
    poverty_mode=48,
    products=(
        _product("Premier crédit", FLAT, "2", 8, MONTHLY, 75_000, 100_000, first_loan=True),
        _product("Crédit solidaire", FLAT, "1.8", 10, MONTHLY, 50_000, 400_000),
        _product("Crédit quinzaine", FLAT, "0.9", 20, FORTNIGHTLY, 50_000, 400_000),
    ),
    partners=(FOUNDATION, PartnerSpec("Union européenne", "FUNDER", 2022)),
    places=_places(
        "Mvog-Ada, Briqueterie, Essos, Mokolo, Nkolbisson, Ekounou, Biyem-Assi, Mimboman, Obili",
        "Soa, Mfou, Nkolafamba, Okola",
    ),
    group_words=_split("Njangi, Mbôa, Akiba, Nkap, Ensemble, Entraide, Espoir"),
    names=Names(
        female=_split(
            "Marie, Jeanne, Hélène, Brigitte, Mireille, Odile, Esther, Ruth, Berthe, Clarisse, "
            "Pauline, Solange, Aïcha, Hadjara, Germaine, Félicité"
        ),
        male=_split("Jean, Paul, Emmanuel, Joseph, Samuel, Martin"),
        family=_split(
            "Ngono, Mbarga, Fouda, Atangana, Essomba, Nkoulou, Kamga, Fotso, Tchakounte, Nana, "
            "Ndzana, Abena, Owona, Mvondo, Ebogo, Manga"
        ),
    ),
    phone=PhonePlan("+237", ("6 77", "6 78", "6 70", "6 99", "6 55", "6 90"), (2, 2, 2)),
    activities=WEST_AFRICA_ACTIVITIES,
    synthetic=True,
)

PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    FANSOTO,
    YIKRI,
    ASSILASSIME,
    WAKILI,
    MUNAFA,
    PALMIS,
    SONT_OO_TEHTWIN,
    ANH_CHI_EM,
    PAGLAUM,
    FANANTENANA,
    SAMAKI,
    NJANGI,
)

# The seed tells a story up to its as-of date; the youngest programme needs some history.
EARLIEST_AS_OF = date(2023, 1, 1)

# Other funders and lenders a programme may have (besides the ones named above).
PARTNER_POOL = (
    PartnerSpec("Fondation Air France", "FUNDER", 2012),
    PartnerSpec("Région Auvergne-Rhône-Alpes", "FUNDER", 2014),
    PartnerSpec("Crédit Coopératif", "LENDER", 2015),
    PartnerSpec("Babyloan", "LENDER", 2013),
    PartnerSpec("Fondation Grameen Crédit Agricole", "LENDER", 2016),
)

# Units of currency per 1 EUR at anchor months; the series is interpolated between them.
RATE_ANCHORS: dict[str, tuple[tuple[str, float], ...]] = {
    "USD": (
        ("2003-01", 1.06),
        ("2008-07", 1.57),
        ("2010-06", 1.22),
        ("2014-06", 1.36),
        ("2015-03", 1.08),
        ("2018-02", 1.24),
        ("2020-03", 1.10),
        ("2021-05", 1.22),
        ("2022-09", 0.98),
        ("2023-07", 1.10),
        ("2024-10", 1.08),
        ("2025-06", 1.15),
    ),
    "HTG": (
        ("2003-01", 45.0),
        ("2008-07", 58.0),
        ("2012-01", 56.0),
        ("2016-01", 68.0),
        ("2018-06", 80.0),
        ("2020-06", 125.0),
        ("2020-12", 90.0),
        ("2022-06", 118.0),
        ("2023-03", 150.0),
        ("2024-06", 142.0),
        ("2025-06", 150.0),
    ),
    "GNF": (
        ("2003-01", 2_300.0),
        ("2008-01", 6_200.0),
        ("2012-01", 9_200.0),
        ("2016-06", 9_800.0),
        ("2018-06", 10_500.0),
        ("2020-06", 10_800.0),
        ("2022-06", 9_100.0),
        ("2024-01", 9_400.0),
        ("2025-06", 9_900.0),
    ),
    "SLL": (
        ("2003-01", 2_650.0),
        ("2008-01", 4_300.0),
        ("2012-01", 5_600.0),
        ("2016-01", 7_500.0),
        ("2019-01", 10_000.0),
        ("2021-01", 12_300.0),
        ("2022-06", 13_000.0),
        ("2023-01", 21_000.0),
        ("2024-01", 24_500.0),
        ("2025-06", 25_500.0),
    ),
    "MMK": (
        ("2003-01", 1_000.0),
        ("2012-01", 1_100.0),
        ("2014-06", 1_350.0),
        ("2018-06", 1_650.0),
        ("2021-01", 1_800.0),
        ("2022-01", 2_000.0),
        ("2023-06", 2_300.0),
        ("2025-06", 2_450.0),
    ),
    "VND": (
        ("2003-01", 17_500.0),
        ("2008-07", 24_500.0),
        ("2010-06", 23_500.0),
        ("2014-06", 28_500.0),
        ("2015-06", 25_000.0),
        ("2018-02", 28_000.0),
        ("2020-03", 25_800.0),
        ("2022-09", 25_000.0),
        ("2024-06", 27_300.0),
        ("2025-06", 28_000.0),
    ),
    "PHP": (
        ("2003-01", 57.0),
        ("2008-07", 70.0),
        ("2012-01", 56.0),
        ("2015-06", 51.0),
        ("2018-06", 62.0),
        ("2021-01", 58.5),
        ("2022-09", 57.0),
        ("2024-06", 63.0),
        ("2025-06", 64.5),
    ),
    "MGA": (
        ("2003-01", 1_400.0),
        ("2008-01", 2_550.0),
        ("2013-01", 2_900.0),
        ("2016-06", 3_500.0),
        ("2019-01", 4_000.0),
        ("2021-06", 4_600.0),
        ("2023-01", 4_700.0),
        ("2025-06", 5_050.0),
    ),
    "KHR": (
        ("2003-01", 4_500.0),
        ("2008-07", 5_900.0),
        ("2012-01", 5_250.0),
        ("2015-06", 4_500.0),
        ("2018-02", 4_950.0),
        ("2020-03", 4_450.0),
        ("2022-09", 4_050.0),
        ("2024-06", 4_400.0),
        ("2025-06", 4_600.0),
    ),
}
# Fixed parities: units per EUR, exactly.
PEGGED_RATES: dict[str, Decimal] = {"EUR": Decimal(1), "XOF": D("655.957"), "XAF": D("655.957")}
# A currency published as a fixed fraction of another: SLE is 1/1,000 of SLL.
DERIVED_RATES: dict[str, tuple[str, Decimal]] = {"SLE": ("SLL", SLL_PER_SLE)}

ACTIVITY_DESCRIPTIONS: dict[Activity, tuple[str, ...]] = {
    A.SMALL_SHOP: (
        "Sells rice, oil, sugar and soap from a kiosk in front of her house",
        "Runs a small grocery stall",
        "Sells phone credit and household goods",
        "Sells cold drinks and snacks near the school",
    ),
    A.SEWING: (
        "Sews clothes and school uniforms to order",
        "Tailoring workshop with two sewing machines",
        "Embroidery and alterations",
    ),
    A.LIVESTOCK: (
        "Raises goats and sheep for resale",
        "Poultry: laying hens and broilers",
        "Fattens pigs for the end-of-year festivities",
        "Keeps a few cows and sells milk",
    ),
    A.FOOD_PROCESSING: (
        "Prepares and sells fritters and porridge in the morning",
        "Processes palm oil",
        "Makes fruit juice and ice lollies",
        "Dries and grinds cereals into flour",
    ),
    A.MARKET_TRADING: (
        "Resells vegetables bought from wholesalers at the central market",
        "Trades second-hand clothes at the weekly market",
        "Buys fruit in the villages and resells it in town",
        "Sells spices and condiments at the market",
    ),
    A.CRAFTS: (
        "Weaves baskets and mats",
        "Makes soap and pomade",
        "Pottery for the local market",
    ),
    A.AGRICULTURE: (
        "Market gardening: onions, tomatoes and cabbages",
        "Grows rice and groundnuts",
        "Vegetable garden and seedlings",
    ),
    A.FISH_TRADING: (
        "Smokes fish bought at the landing site and resells it",
        "Sells fresh fish at the market",
        "Dries and salts fish for inland markets",
    ),
    A.SERVICES: (
        "Hairdressing salon",
        "Runs a small restaurant",
        "Phone charging and mobile money point",
        "Laundry service",
    ),
}

INITIAL_TOPICS = (
    "Group rules, solidarity and the group charter",
    "Why and how to save: the group's savings",
    "How a loan works: cycles, installments and interest",
    "Costs, prices and margins of a small business",
    "Keeping a simple cash book",
    "Roles in the group and first loan requests",
)
ECONOMIC_TOPICS = (
    "Calculating costs and setting prices",
    "Separating household money and business money",
    "Buying stock at the right time",
    "Selling on credit and customer care",
    "Planning what the next loan will finance",
    "Saving for the lean season",
)
SOCIAL_TOPICS = (
    "Family budget and children's schooling",
    "Malaria prevention and bed nets",
    "Women's rights and civil registration",
    "Nutrition of young children",
    "Hygiene and safe water",
    "Women's place in community decisions",
    "Maternal health and family planning",
    "Managing conflicts within the group",
)
