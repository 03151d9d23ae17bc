import Discovery
import Testing

/// National identifiers: the published examples pass, the check digit off by one and broken formats do not.
struct NationalIDValidatorTests {
    @Test func ukNationalInsuranceNumbers() {
        #expect(NationalIDValidators.isUKNINO("AB123456C") && NationalIDValidators.isUKNINO("AB 12 34 56 C"))
        #expect(!NationalIDValidators.isUKNINO("QQ123456C"), "Q is never a prefix letter")
        #expect(!NationalIDValidators.isUKNINO("GB123456A") && !NationalIDValidators.isUKNINO("AO123456A"), "reserved prefixes")
        #expect(!NationalIDValidators.isUKNINO("AB123456E"), "suffix A–D")
    }

    @Test func ukNHSNumbers() {
        #expect(
            NationalIDValidators.isUKNHS("943 476 5919") && NationalIDValidators.isUKNHS("9434765919") && NationalIDValidators.isUKNHS("943-476-5919")
        )
        #expect(!NationalIDValidators.isUKNHS("943 476 5918"), "check digit")
        #expect(!NationalIDValidators.isUKNHS("0-219-10563-4"), "an ISBN-10 grouping")
    }

    @Test func germanTaxIDs() {
        #expect(NationalIDValidators.isDETaxID("86095742719") && NationalIDValidators.isDETaxID("86 095 742 719"))
        #expect(!NationalIDValidators.isDETaxID("86095742718"), "check digit")
        #expect(!NationalIDValidators.isDETaxID("12345678903"), "every digit once: no digit repeated")
        #expect(!NationalIDValidators.isDETaxID("01234567896"), "the first digit is never 0")
    }

    @Test func frenchNIRs() {
        #expect(NationalIDValidators.isFRNIR("2 55 08 14 168 025 38") && NationalIDValidators.isFRNIR("255081416802538"))
        #expect(!NationalIDValidators.isFRNIR("255081416802539"), "key")
        #expect(!NationalIDValidators.isFRNIR("555081416802538"), "sex digit")
    }

    @Test func spanishDNIsAndNIEs() {
        #expect(NationalIDValidators.isESDNI("12345678Z") && NationalIDValidators.isESDNI("12345678-Z") && NationalIDValidators.isESDNI("X1234567L"))
        #expect(!NationalIDValidators.isESDNI("12345678A") && !NationalIDValidators.isESDNI("X1234567A"), "check letter")
    }

    @Test func dutchBSNs() {
        #expect(NationalIDValidators.isNLBSN("111222333") && NationalIDValidators.isNLBSN("1112.22.333"))
        #expect(!NationalIDValidators.isNLBSN("111222334"), "eleven-test")
        #expect(!NationalIDValidators.isNLBSN("111 222 333"), "spaces make it a phone-like grouping")
        #expect(!NationalIDValidators.isNLBSN("000000000"))
    }

    @Test func italianFiscalCodes() {
        #expect(NationalIDValidators.isITFiscalCode("RSSMRA85T10A562S") && NationalIDValidators.isITFiscalCode("rssmra85t10a562s"))
        #expect(!NationalIDValidators.isITFiscalCode("RSSMRA85T10A562T"), "check letter")
        #expect(!NationalIDValidators.isITFiscalCode("RSSMRA85Z10A562S"), "Z is no month")
    }

    @Test func swedishPersonnummer() {
        #expect(NationalIDValidators.isSEPersonnummer("811228-9874") && NationalIDValidators.isSEPersonnummer("198112289874"))
        #expect(NationalIDValidators.isSEPersonnummer("8112289874"))
        #expect(!NationalIDValidators.isSEPersonnummer("811228-9875"), "Luhn")
        #expect(!NationalIDValidators.isSEPersonnummer("811328-9873"), "month 13")
        #expect(!NationalIDValidators.isSEPersonnummer("675902298289"), "a twelve-digit number outside 18–20 centuries")
    }
}
