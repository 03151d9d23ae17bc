import Discovery
import Foundation
import Testing

/// PII discovery: validators per kind, precision and recall on the labelled corpus, the column threshold.
@Suite("PII discovery by value")
struct ValueClassifierTests {
    let classifier = ValueClassifier(today: ISO8601DateFormatter().date(from: "2026-11-27T12:00:00Z")!)

    /// Precision and recall of every kind on the labelled corpus, printed, and at least 0.95 each.
    @Test func precisionAndRecallOnTheLabelledCorpus() {
        let corpus = LabelledCorpus()
        var truePositives: [PIIKind: Int] = [:]
        var falsePositives: [PIIKind: Int] = [:]
        var falseNegatives: [PIIKind: Int] = [:]
        var mistakes: [String] = []
        for (value, label) in corpus.samples {
            let found = classifier.kind(of: value)
            if found == label {
                if let label { truePositives[label, default: 0] += 1 }
                continue
            }
            mistakes.append("\(value.debugDescription): labelled \(label?.rawValue ?? "none"), found \(found?.rawValue ?? "none")")
            if let found { falsePositives[found, default: 0] += 1 }
            if let label { falseNegatives[label, default: 0] += 1 }
        }
        let negatives = corpus.samples.filter { $0.kind == nil }.count
        print("PII discovery on \(corpus.samples.count) labelled values (\(LabelledCorpus.perKind) per kind, \(negatives) hard negatives):")
        for kind in PIIKind.allCases where corpus.samples.contains(where: { $0.kind == kind }) {
            let tp = Double(truePositives[kind, default: 0])
            let precision = tp / max(1, tp + Double(falsePositives[kind, default: 0]))
            let recall = tp / max(1, tp + Double(falseNegatives[kind, default: 0]))
            print(
                "  \(kind.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) precision \(String(format: "%.3f", precision))  "
                    + "recall \(String(format: "%.3f", recall))"
            )
            #expect(precision >= 0.95, "\(kind) precision \(precision); mistakes: \(mistakes.prefix(20))")
            #expect(recall >= 0.95, "\(kind) recall \(recall); mistakes: \(mistakes.prefix(20))")
        }
    }

    @Test func validatorsKnowTheirRules() {
        #expect(FinancialValidators.isCreditCard("4111 1111 1111 1111"))
        #expect(!FinancialValidators.isCreditCard("4111 1111 1111 1112"), "Luhn")
        #expect(!FinancialValidators.isCreditCard("9111111111111119"), "no network issues 9…")
        #expect(FinancialValidators.isIBAN("GB82 WEST 1234 5698 7654 32") && FinancialValidators.isIBAN("DE89370400440532013000"))
        #expect(!FinancialValidators.isIBAN("GB82 WEST 1234 5698 7654 33"), "mod 97")
        #expect(!FinancialValidators.isIBAN("DE8937040044053201300"), "Germany's length is 22")
        #expect(IdentityValidators.isUSSSN("078-05-1120") && !IdentityValidators.isUSSSN("666-12-3456") && !IdentityValidators.isUSSSN("123-00-4567"))
        #expect(!IdentityValidators.isUSSSN("901-12-3456") && !IdentityValidators.isUSSSN("123456789"))
        #expect(NetworkValidators.isIPv6("2001:db8::1") && NetworkValidators.isIPv6("::ffff:192.0.2.1") && !NetworkValidators.isIPv6("2001:db8:::1"))
        #expect(NetworkValidators.isIPv4("192.0.2.255") && !NetworkValidators.isIPv4("192.0.2.256") && !NetworkValidators.isIPv4("01.2.3.4"))
        #expect(NetworkValidators.isEmail("ada.lovelace+work@example.co.uk") && !NetworkValidators.isEmail("ada..lovelace@example.com"))
        #expect(!NetworkValidators.isEmail("ada@localhost") && !NetworkValidators.isEmail("a@b@example.com"))
        #expect(NetworkValidators.isEmail("zoë.müller@exämple.de"), "RFC 6531: internationalised addresses")
        #expect(
            IdentityValidators.isPhone("+44 20 7946 0958") && IdentityValidators.isPhone("(212) 555-0199")
                && !IdentityValidators.isPhone("2125550199"))
        let today = (year: 2026, month: 11, day: 27)
        #expect(IdentityValidators.isDateOfBirth("1985-03-12", today: today) && IdentityValidators.isDateOfBirth("29/02/2000", today: today))
        #expect(!IdentityValidators.isDateOfBirth("29/02/2001", today: today) && !IdentityValidators.isDateOfBirth("2026-11-27", today: today))
        #expect(!IdentityValidators.isDateOfBirth("1899-12-31", today: today))
    }

    @Test func aColumnIsProposedAtTheThresholdAndNeverKeepsAValue() throws {
        let mostlyCards: [String?] = Array(repeating: "4111 1111 1111 1111", count: 8) + ["n/a", "unknown", nil, ""]
        let profile = classifier.profile(mostlyCards)
        #expect(profile.sampled == 12 && profile.nonEmpty == 10 && profile.counts == [.creditCard: 8])
        #expect(profile.detectedKind(threshold: 0.8)?.kind == .creditCard)
        #expect(profile.detectedKind(threshold: 0.81) == nil)
        let encoded = String(decoding: try JSONEncoder().encode(profile), as: UTF8.self)
        #expect(!encoded.contains("4111"), "a profile holds counts, never values: \(encoded)")
        #expect(classifier.profile(["a@example.com", "b@example.com"]).detectedKind(threshold: 0.8) == nil, "too few values to propose")
    }
}
