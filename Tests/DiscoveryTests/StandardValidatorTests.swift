import Discovery
import Testing

/// The validators against the published standards: forms other projects write that the shape alone missed, and the
/// near misses each standard rejects.
struct StandardValidatorTests {
    let classifier = ValueClassifier()

    @Test func ibansOfEveryRegisteredCountryWithTheirSeparators() {
        // The SWIFT registry's own examples, including countries outside SEPA.
        for iban in [
            "ME25505000012345678951", "AL47212110090000000235698741", "AZ21NABZ00000000137010001944", "BA391290079401028494",
            "BY13NBRB3600900000002Z00AB00", "CR05015202001026284066", "DO28BAGR00000001212453611324", "EG380019000500000000263180002",
            "GE29NB0000000101904917", "GT82TRAJ01020000001210029690", "IQ98NBIQ850123456789012", "JO94CBJO0010000000000131000302",
            "MK07250120000058984", "MU17BOMM0101101030300200000MUR", "TN5910006035183598478831", "VA59001123000012345678", "XK051212012345678906",
        ] {
            #expect(FinancialValidators.isIBAN(iban), "\(iban)")
        }
        #expect(FinancialValidators.isIBAN("DE89-3704-0044-0532-0130-00") && FinancialValidators.isIBAN("DE89.3704.0044.0532.0130.00"))
        #expect(!FinancialValidators.isIBAN("DE89--3704004405320130 00"), "one separator between groups")
    }

    @Test func ibansThatBreakTheirCountrysFormatOrNationalCheckAreRefused() {
        // GB's BBAN is four letters then fourteen digits; this one has a letter among the digits, with mod 97 made right.
        #expect(!FinancialValidators.isIBAN("GB94WEST12345698765A32"))
        // The registry's examples hold their national check digits; one digit changed (and mod 97 made right) does not.
        for valid in [
            "BE68539007547034", "ES9121000418450200051332", "FR1420041010050500013M02606", "IT60X0542811101000000123456",
            "PT50000201231234567890154", "SM86U0322509800000000270100", "MC5811222000010123456789030",
        ] {
            #expect(FinancialValidators.isIBAN(valid), "\(valid)")
        }
        #expect(!FinancialValidators.isIBAN(Self.withMod97Fixed("BE00539007547035")), "Belgian check")
        #expect(!FinancialValidators.isIBAN(Self.withMod97Fixed("ES0021000418460200051332")), "Spanish control digits")
        #expect(!FinancialValidators.isIBAN(Self.withMod97Fixed("FR0020041010050500013M02607")), "French RIB key")
        #expect(!FinancialValidators.isIBAN(Self.withMod97Fixed("IT00Y0542811101000000123456")), "Italian CIN")
        #expect(!FinancialValidators.isIBAN(Self.withMod97Fixed("PT00000201231234567890155")), "Portuguese NIB")
    }

    /// `iban` with its check digits (positions 3–4) recomputed, so only the BBAN can be wrong.
    static func withMod97Fixed(_ iban: String) -> String {
        let bytes = Array(iban.utf8)
        var remainder = 0
        for byte in bytes[4...] + bytes[0..<2] + Array("00".utf8) {
            remainder = byte >= 65 ? (remainder * 100 + Int(byte) - 55) % 97 : (remainder * 10 + Int(byte) - 48) % 97
        }
        let check = 98 - remainder
        return String(decoding: bytes[0..<2], as: UTF8.self) + (check < 10 ? "0" : "") + "\(check)" + String(decoding: bytes[4...], as: UTF8.self)
    }

    @Test func cardNetworksBeyondTheBigFive() {
        for card in ["135410014004955", "5019555544445555", "6759649826438453", "2200000000000004", "3566002020360505", "6200000000000005"] {
            #expect(FinancialValidators.isCreditCard(card), "\(card)")
        }
        #expect(!FinancialValidators.isCreditCard("490154203237518"), "a Luhn-valid IMEI: Visa issues 13, 16 and 19 digits")
        #expect(!FinancialValidators.isCreditCard("353918051234563"), "an IMEI whose TAC starts with JCB's 35")
        #expect(!FinancialValidators.isCreditCard("135410014004956"), "Luhn")
    }

    @Test func addressesNetworksAndIdentifiersAsWritten() {
        #expect(NetworkValidators.isEmail("ivan@пример.рф") && NetworkValidators.isEmail("ivan@example.xn--p1ai"))
        #expect(!NetworkValidators.isEmail("ivan@example.xn--"), "an IDNA label needs its encoded part")
        #expect(NetworkValidators.isIPAddress("192.168.1.0/24") && NetworkValidators.isIPAddress("::1/128"))
        #expect(NetworkValidators.isIPAddress("fe80::1%eth0") && NetworkValidators.isIPAddress("10.0.0.1"))
        #expect(!NetworkValidators.isIPAddress("192.168.1.0/33") && !NetworkValidators.isIPAddress("10.0.0.1%eth0"))
        #expect(!NetworkValidators.isIPAddress("192.168.1.0/024") && !NetworkValidators.isIPAddress("fe80::1%"))
        #expect(IdentityValidators.isUSSSN("078.05.1123") && !IdentityValidators.isUSSSN("078.05-1123"))
    }

    @Test func datesAsPeopleWriteThem() {
        let today = (year: 2026, month: 12, day: 7)
        for date in ["5/20/2021", "21.5.2021", "5-20-2021", "5-May-2021", "05/21/21", "5 May 2021", "May 5, 2021", "12 September 1970"] {
            #expect(IdentityValidators.isDateOfBirth(date, today: today), "\(date)")
        }
        for notADate in ["1.23.66", "11.10.32", "2021-05", "5/2021", "2021-05-20T10:00:00", "13/13/2020", "May 2021", "32.1.2000", "3.0.1"] {
            #expect(!IdentityValidators.isDateOfBirth(notADate, today: today), "\(notADate)")
        }
    }

    @Test func phonesByTheirRegionsNumberingPlans() {
        for phone in [
            "91-415-555-0132", "+91 98765 43210", "532 123 45 67", "+90 532 123 45 67", "0090 532 123 45 67", "020 7946 0958",
            "+44 (0)20 7946 0958", "01 23 45 67 89", "(212) 555-0199", "+49 30 901820", "030 901820",
        ] {
            #expect(IdentityValidators.isPhone(phone), "\(phone)")
        }
        for notAPhone in ["2125550199", "+999 123 456 789", "1-903153-56-5", "2048-01-01", "54967.03", "457 1124", "+1 (555) 0199"] {
            #expect(!IdentityValidators.isPhone(notAPhone), "\(notAPhone)")
        }
    }

    @Test func anNHSNumberIsNotTakenForAPhone() {
        #expect(classifier.kind(of: "943 476 5919") == .ukNHS)
        #expect(classifier.kind(of: "943 476 5918") != .ukNHS, "the check digit")
    }
}

/// The forms a plan reports for values that fell short: the shape, never the value.
struct ValueFormTests {
    @Test func formsKeepTheShapeAndDropTheValue() {
        #expect(ValueForm.of("(212) 555-0199") == "(999) 999-9999")
        #expect(ValueForm.of("ORD-2024-000123") == "AAA-9999-9999…")
        #expect(ValueForm.of("Zoë Müller") == "Aaa Aaaaa…", "a run of five becomes four and an ellipsis")
        #expect(ValueForm.of(String(repeating: "ab-", count: 20)).count <= 25)
    }

    @Test func aProfileCountsTheRejectedFormsAndNeverAValue() {
        let profile = ValueClassifier().profile(["(212) 555-0199", "ORD-2024-000123", "ORD-2024-000124", "note", nil])
        #expect(profile.counts == [.phone: 1])
        #expect(profile.topRejectedForms().map(\.form) == ["AAA-9999-9999…", "aaaa"])
        #expect(profile.topRejectedForms(1).first?.count == 2)
    }
}
