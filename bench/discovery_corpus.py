"""Public corpora for make discovery-bench: values written by other projects, each with its source named.

Positives are whole values of one kind; every one is checked by an independent validator (python-stdnum,
phonenumbers, schwifty, Python's ipaddress) and dropped when that validator disagrees, so the corpus holds what
those projects call valid. Negatives are values of no kind, including near misses (check digits off by one, BBANs
that break their country's format with a correct mod-97, Luhn-valid IMEIs)."""
import datetime
import glob
import ipaddress
import os
import random
import re
import tarfile
import tempfile

import faker
import phonenumbers
import schwifty
import stdnum
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from schwifty import IBAN
from stdnum import iban as stdnum_iban
from stdnum import imei, luhn
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.se import personnummer
from stdnum.us import ssn

SEED = 20261207
LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "sv_SE", "pl_PL", "pt_PT", "ru_RU", "ja_JP", "tr_TR",
           "hi_IN", "pt_BR", "ar_AA", "zh_CN", "cs_CZ", "da_DK", "fi_FI"]
NATIONAL = {"uk_nhs": nhs, "de_tax_id": idnr, "fr_nir": nir, "nl_bsn": bsn, "it_fiscal_code": codicefiscale,
            "se_personnummer": personnummer}
DOCTESTS = {"de_tax_id": "de_idnr", "it_fiscal_code": "it_codicefiscale", "se_personnummer": "se_personnummer",
            "fr_nir": "fr_nir", "nl_bsn": "nl_bsn", "uk_nhs": "gb_nhs", "es_dni": "es_dni", "us_ssn": "us_ssn"}
UK_NINO = re.compile(r"^(?![DFIQUV])[A-Z](?![DFIQUVO])[A-Z](?<!BG)(?<!GB)(?<!KN)(?<!NK)(?<!NT)(?<!TN)(?<!ZZ)\d{6}[A-D]$")


class Corpus:
    def __init__(self, stdnum_sdist=None):
        self.random = random.Random(SEED)
        faker.Faker.seed(SEED)
        self.fakers = {locale: faker.Faker(locale) for locale in LOCALES}
        self.positives = {}   # kind -> list of (value, source)
        self.negatives = []   # (value, source)
        self.sdist = stdnum_sdist

    def add(self, kind, values, source):
        bucket = self.positives.setdefault(kind, [])
        seen = {v for v, _ in bucket}
        for value in values:
            if value and value not in seen:
                bucket.append((value, source))
                seen.add(value)

    def negative(self, values, source):
        self.negatives += [(v, source) for v in values if v]

    # --- positives ------------------------------------------------------------------------------------------

    def phones(self):
        """phonenumbers' example number of every region and number type, in its E.164, international and national
        formats, and the international format without its `+`."""
        values = []
        for region in sorted(phonenumbers.SUPPORTED_REGIONS):
            for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE, PhoneNumberType.VOIP,
                         PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.UAN):
                number = phonenumbers.example_number_for_type(region, kind)
                if number is None or not phonenumbers.is_valid_number(number):
                    continue
                international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
                values += [phonenumbers.format_number(number, PhoneNumberFormat.E164), international,
                           phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL), international.lstrip("+")]
        self.add("phone", values, f"phonenumbers {phonenumbers.__version__}: example numbers of every region and type")

    def ibans(self):
        """schwifty's random IBANs of every country of its registry (valid BBAN structure and national check digits),
        compact and printed in groups of four with a space, `-` or `.`; python-stdnum's IBAN test numbers."""
        values = []
        for code in sorted(schwifty.registry.get("iban")):
            for _ in range(3):
                try:
                    compact = str(IBAN.random(country_code=code, random=self.random))
                except Exception:
                    try:
                        compact = str(IBAN.random(country_code=code))
                    except Exception:
                        break
                groups = [compact[i:i + 4] for i in range(0, len(compact), 4)]
                values += [compact, " ".join(groups), self.random.choice(["-", "."]).join(groups)]
        self.add("iban", [v for v in values if stdnum_iban.is_valid(v.replace("-", " ").replace(".", " "))],
                 f"schwifty {schwifty.__version__}: random IBANs of every registry country")
        self.add("iban", [v for v in self.doctest_numbers("iban") if stdnum_iban.is_valid(v)],
                 f"python-stdnum {stdnum.__version__}: tests/test_iban.doctest")

    def cards(self):
        """Faker's card numbers of every network it knows, and the networks' published test numbers."""
        values = []
        # Faker's JCB numbers start anywhere in 35xx, outside JCB's published 3528–3589: JCB comes from the test numbers.
        for card_type in ("visa13", "visa16", "visa19", "mastercard", "amex", "discover", "diners", "maestro"):
            for locale in ("en_US",):
                values += [self.fakers[locale].credit_card_number(card_type=card_type) for _ in range(20)]
        self.add("credit_card", [v for v in values if luhn.is_valid(v)], f"Faker {faker.VERSION}: credit_card_number of every card type")
        published = ["4242424242424242", "4000056655665556", "5555555555554444", "2223003122003222", "5200828282828210",
                     "5105105105105100", "378282246310005", "371449635398431", "6011111111111117", "6011000990139424",
                     "3056930009020004", "36227206271667", "3566002020360505", "3530111333300000", "3566111111111113", "6200000000000005", "135410014004955",
                     "5019555544445555", "6759649826438453", "2200000000000004", "6070000000000004", "6062826786276634",
                     "4111 1111 1111 1111", "5555-5555-5555-4444"]
        self.add("credit_card", [v for v in published if luhn.is_valid(re.sub(r"[ -]", "", v))],
                 "card networks' and processors' published test numbers (Stripe, Adyen)")

    def emails(self):
        """Faker's addresses in twenty locales, and addresses at IANA's internationalised test domains."""
        values = [self.fakers[l].email() for l in LOCALES for _ in range(15)]
        values += [self.fakers[l].company_email() for l in LOCALES for _ in range(5)]
        self.add("email", values, f"Faker {faker.VERSION}: email, company_email in {len(LOCALES)} locales")
        idn = ["xn--e1afmkfd.xn--80akhbyknj4f", "xn--fsqu00a.xn--0zwm56d", "xn--hxajbheg2az3al.xn--jxalpdlp", "xn--kgbechtv",
               "xn--p1ai", "xn--e1afmkfd.xn--p1ai"]
        self.add("email", [f"{self.fakers['en_US'].user_name()}@{'example.' if '.' not in d else ''}{d}" for d in idn],
                 "IANA's IDN test domains (RFC 2606 / the IDN test TLDs) in their IDNA form")

    def ssns(self):
        values = [self.fakers["en_US"].ssn() for _ in range(150)]
        values += [v.replace("-", ".") for v in values[:50]] + [v.replace("-", " ") for v in values[50:100]]
        self.add("us_ssn", [v for v in values if ssn.is_valid(v.replace(".", "-").replace(" ", "-"))], f"Faker {faker.VERSION}: ssn (en_US)")

    def ips(self):
        f = self.fakers["en_US"]
        values = [f.ipv4() for _ in range(80)] + [f.ipv6() for _ in range(80)]
        values += [f.ipv4(network=True) for _ in range(40)] + [f.ipv6(network=True) for _ in range(40)]
        values += [f"fe80::{self.random.randrange(1, 0xffff):x}%{z}" for z in ("eth0", "en0", "wlan0", "3", "enp0s31f6")]
        values += ["::1/128", "192.168.1.0/24", "10.0.0.0/8"]
        checked = []
        for value in values:
            try:
                (ipaddress.ip_network if "/" in value else ipaddress.ip_address)(value)
                checked.append(value)
            except ValueError:
                pass
        self.add("ip_address", checked, f"Faker {faker.VERSION}: ipv4, ipv6 (and networks); zone ids and CIDR blocks as the ipaddress docs write them")

    def dates_of_birth(self):
        f = self.fakers["en_US"]
        formats = ["%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "{m}/{d}/%Y", "{d}.{m}.%Y", "{m}-{d}-%Y", "{d}-%b-%Y",
                   "%d %B %Y", "%B {d}, %Y", "%m/%d/%y"]
        values = []
        for _ in range(60):
            born = f.date_of_birth(minimum_age=1, maximum_age=100)
            for fmt in formats:
                values.append(born.strftime(fmt.replace("{m}", str(born.month)).replace("{d}", str(born.day))))
        self.add("date_of_birth", values, f"Faker {faker.VERSION}: date_of_birth in {len(formats)} written forms")

    def national(self):
        """python-stdnum's test and documentation numbers, and Faker's identifiers of each country, kept when
        python-stdnum validates them."""
        faker_ids = {"uk_nino": ("en_GB", "ssn"), "nl_bsn": ("nl_NL", "ssn"), "it_fiscal_code": ("it_IT", "ssn"),
                     "se_personnummer": ("sv_SE", "ssn"), "fr_nir": ("fr_FR", "ssn"), "es_dni": ("es_ES", "doi")}
        for kind, (locale, method) in faker_ids.items():
            values = [getattr(self.fakers[locale], method)() for _ in range(150)]
            self.add(kind, [v for v in values if self.national_valid(kind, v)], f"Faker {faker.VERSION}: {locale}.{method}")
        for kind, name in DOCTESTS.items():
            values = self.doctest_numbers(name) + self.docstring_numbers(kind)
            self.add(kind, [v for v in values if self.national_valid(kind, v)], f"python-stdnum {stdnum.__version__}: tests and docs of {name}")

    @staticmethod
    def national_valid(kind, value):
        if kind == "uk_nino":
            return bool(UK_NINO.match(value.replace(" ", "").upper()))
        if kind == "it_fiscal_code" and len(re.sub(r"\W", "", value)) != 16:
            return False  # eleven digits are a company's code, not a person's
        if kind == "es_dni":
            return dni.is_valid(value) or nie.is_valid(value)
        if kind == "us_ssn":
            return ssn.is_valid(value) and "-" in value
        return NATIONAL[kind].is_valid(value)

    def doctest_numbers(self, name):
        """Numbers listed in python-stdnum's `tests/test_<name>.doctest` (the blocks it checks are all valid)."""
        if not self.sdist:
            return []
        path = os.path.join(self.sdist, "tests", f"test_{name}.doctest")
        if not os.path.exists(path):
            return []
        text = open(path, encoding="utf-8").read()
        numbers = []
        for block in re.findall(r"numbers = '''\n(.*?)'''", text, re.S):
            for line in block.splitlines():
                line = re.sub(r"^\s*\.\.\.\s?", "", line).strip()
                if line and not line.startswith("#"):
                    numbers.append(line)
        return numbers

    def docstring_numbers(self, kind):
        module = NATIONAL.get(kind) or {"es_dni": dni, "us_ssn": ssn}.get(kind)
        return re.findall(r">>> (?:validate|is_valid|compact)\('([^']+)'\)", module.__doc__ or "") if module else []

    # --- negatives ------------------------------------------------------------------------------------------

    def hard_negatives(self):
        f = self.fakers["en_US"]
        r = self.random
        self.negative([str(f.uuid4()) for _ in range(200)], "Faker: uuid4")
        self.negative([f.sha1() for _ in range(100)] + [f.md5() for _ in range(100)], "Faker: sha1, md5")
        self.negative([f.isbn13() for _ in range(100)] + [f.isbn10() for _ in range(100)], "Faker: isbn13, isbn10")
        self.negative([f.ean13() for _ in range(100)] + [f.ean8() for _ in range(100)], "Faker: ean13, ean8")
        self.negative([f.iso8601() for _ in range(100)], "Faker: ISO 8601 timestamps")
        self.negative([(datetime.date.today() + datetime.timedelta(days=r.randrange(2, 10000))).isoformat() for _ in range(100)],
                      "future dates (delivery, expiry)")
        self.negative([f"{r.randrange(1, 13)}/{r.randrange(2030, 2040)}" for _ in range(50)] + [f"{r.randrange(2000, 2025)}-{r.randrange(1, 13):02d}" for _ in range(50)],
                      "partial dates (card expiry, months)")
        self.negative([f.license_plate() for _ in range(100)], "Faker: license plates")
        self.negative([f.sentence() for _ in range(100)] + [f.word() for _ in range(100)], "Faker: sentences, words")
        self.negative([f.url() for _ in range(100)] + [f.file_path() for _ in range(50)], "Faker: URLs, file paths")
        self.negative([f"{r.randrange(0, 20)}.{r.randrange(0, 40)}.{r.randrange(0, 100)}" for _ in range(150)], "version numbers")
        self.negative([f"{r.randrange(0, 100000)}.{r.randrange(0, 100):02d}" for _ in range(100)], "prices")
        self.negative([f"ORD-{r.randrange(10**7, 10**8)}" for _ in range(50)] + [str(r.randrange(10**5, 10**8)) for _ in range(100)],
                      "order numbers")
        imeis = []
        for _ in range(100):
            body = r.choice(["35", "86", "01", "99"]) + "".join(str(r.randrange(10)) for _ in range(12))
            imeis.append(body + luhn.calc_check_digit(body))
        self.negative([v for v in imeis if imei.is_valid(v)], "Luhn-valid IMEIs (python-stdnum's imei rules)")
        self.negative(self.broken_ibans(), "IBANs with a correct mod-97 whose BBAN breaks its country's format or national check")
        self.negative(self.wrong_check_digits(), "identifiers of every kind with their check digit off by one")

    def broken_ibans(self):
        broken = []
        for code in ["DE", "GB", "FR", "ES", "BE", "IT", "NL", "PT", "AT", "PL"]:
            for _ in range(10):
                compact = str(IBAN.random(country_code=code))
                bban = list(compact[4:])
                if code in ("ES", "BE", "PT") and self.random.random() < 0.5:
                    spec = schwifty.registry.get("iban")[code]["positions"]["national_checksum_digits"]
                    i = spec[0]
                    bban[i] = str((int(bban[i]) + 1) % 10)
                else:
                    digits = [i for i, c in enumerate(bban) if c.isdigit()]
                    bban[self.random.choice(digits)] = self.random.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
                bban = "".join(bban)
                check = 98 - int("".join(str(int(c, 36)) for c in bban + code + "00")) % 97
                broken.append(f"{code}{check:02d}{bban}")
        return [b for b in broken if not _schwifty_valid(b)]

    def wrong_check_digits(self):
        wrong = []
        for kind in ("uk_nhs", "de_tax_id", "nl_bsn", "fr_nir"):
            for value, _ in self.positives.get(kind, [])[:30]:
                digits = re.sub(r"\D", "", value)
                if not digits:
                    continue
                changed = digits[:-1] + str((int(digits[-1]) + 1) % 10)
                if not self.national_valid(kind, changed):
                    wrong.append(changed)
        for value, _ in self.positives.get("credit_card", [])[:60]:
            digits = re.sub(r"\D", "", value)
            changed = digits[:-1] + str((int(digits[-1]) + 1) % 10)
            if not luhn.is_valid(changed):
                wrong.append(changed)
        return wrong

    def build(self):
        for step in (self.phones, self.ibans, self.cards, self.emails, self.ssns, self.ips, self.dates_of_birth, self.national,
                     self.hard_negatives):
            step()
        return self


def contextual_columns(corpus):
    """(column name, wanted kind or "-", source, 100 values): Faker's names and addresses in twenty locales under
    names that say so, and look-alikes (companies, cities, job titles, street names without numbers) under the same
    names, which a plan should not take for people or addresses, or may, which is what this measures."""
    f = corpus.fakers
    locales = LOCALES
    columns = []
    for locale in locales:
        columns.append(("full_name", "person_name", f"Faker {locale}.name", [f[locale].name() for _ in range(100)]))
        columns.append(("last_name", "person_name", f"Faker {locale}.last_name", [f[locale].last_name() for _ in range(100)]))
        columns.append(("address_line1", "postal_address", f"Faker {locale}.street_address",
                        [f[locale].street_address() for _ in range(100)]))
    for locale in ("en_US", "de_DE", "fr_FR"):
        columns.append(("address", "postal_address", f"Faker {locale}.address (one line)",
                        [f[locale].address().replace("\n", ", ") for _ in range(100)]))
        columns.append(("name", "-", f"Faker {locale}.company", [f[locale].company() for _ in range(100)]))
        columns.append(("name", "-", f"Faker {locale}.city", [f[locale].city() for _ in range(100)]))
        columns.append(("name", "-", f"Faker {locale}.job", [f[locale].job() for _ in range(100)]))
        columns.append(("street", "-", f"Faker {locale}.street_name", [f[locale].street_name() for _ in range(100)]))
        columns.append(("first_name", "-", f"Faker {locale}.sentence", [f[locale].sentence() for _ in range(100)]))
        columns.append(("address", "-", f"Faker {locale}.url", [f[locale].url() for _ in range(100)]))
    return columns


def _schwifty_valid(value):
    try:
        IBAN(value, validate_bban=True)
        return True
    except Exception:
        return False


def stdnum_sdist(directory):
    """python-stdnum's source distribution (its tests list numbers), downloaded from PyPI into `directory`."""
    import subprocess
    import sys
    target = os.path.join(directory, f"python-stdnum-{stdnum.__version__}")
    if not os.path.isdir(target):
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        f"python-stdnum=={stdnum.__version__}", "-d", directory], check=True)
        archive = glob.glob(os.path.join(directory, "python-stdnum-*.tar.gz"))[0]
        with tarfile.open(archive) as tar:
            tar.extractall(directory, filter="data")
    return target
