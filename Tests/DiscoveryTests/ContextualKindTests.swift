import Discovery
import Testing

/// Person names and postal addresses: proposed only where the column's name or a glossary term says so and the
/// values have the shape.
struct ContextualKindTests {
    @Test func theColumnsNameOrTermsMustSaySo() {
        #expect(ColumnContext(name: "first_name").suggestsPersonName && ColumnContext(name: "CustomerName").suggestsPersonName == false)
        #expect(ColumnContext(name: "customer_name").suggestsPersonName && ColumnContext(name: "name").suggestsPersonName)
        #expect(!ColumnContext(name: "username").suggestsPersonName && !ColumnContext(name: "company_name").suggestsPersonName)
        #expect(!ColumnContext(name: "file_name").suggestsPersonName && !ColumnContext(name: "hostname").suggestsPersonName)
        #expect(ColumnContext(name: "c7", glossaryTerms: ["Full_Name"]).suggestsPersonName)
        #expect(ColumnContext(name: "address_line1").suggestsPostalAddress && ColumnContext(name: "street").suggestsPostalAddress)
        #expect(!ColumnContext(name: "email_address").suggestsPostalAddress && !ColumnContext(name: "ip_address").suggestsPostalAddress)
        #expect(ColumnContext(name: "c8", glossaryTerms: ["Street_Address"]).suggestsPostalAddress)
    }

    @Test func namesAsWrittenInManyLanguages() {
        for name in [
            "Ada Lovelace", "José da Silva", "O'Brien", "Mary-Jane Watson", "Lovelace, Ada", "Ludwig van Beethoven", "Zoë", "李小龙",
            "Jean-Luc Picard", "Dr. Grace Hopper",
        ] {
            #expect(ContextualValidators.isPersonName(name), "\(name)")
        }
        for notAName in ["ORD-2024-0001", "hello world", "3 Main St", "ada@example.com", "A1", "pending", "N/A"] {
            #expect(!ContextualValidators.isPersonName(notAName), "\(notAName)")
        }
    }

    @Test func addressesAsWritten() {
        for address in ["221B Baker Street, London NW1 6XE", "Rue de Rivoli 99", "1600 Amphitheatre Parkway", "Apt. 4 #12, 5th Avenue"] {
            #expect(ContextualValidators.isPostalAddress(address), "\(address)")
        }
        for notAnAddress in ["Main Street", "ada@example.com", "12345", "https://example.com/1"] {
            #expect(!ContextualValidators.isPostalAddress(notAnAddress), "\(notAnAddress)")
        }
    }

    @Test func aColumnIsProposedOnlyWithItsContext() {
        let classifier = ValueClassifier()
        let names: [String?] = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "pending"]
        #expect(classifier.profile(names, context: ColumnContext(name: "full_name")).detectedKind(threshold: 0.8)?.kind == .personName)
        #expect(classifier.profile(names, context: ColumnContext(name: "v3")).detectedKind(threshold: 0.8) == nil, "no context, no proposal")
        #expect(classifier.profile(names).counts.isEmpty)
        let addresses: [String?] = ["221B Baker Street", "1600 Amphitheatre Parkway", "10 Downing Street", "Rue de Rivoli 99"]
        #expect(classifier.profile(addresses, context: ColumnContext(name: "address")).detectedKind(threshold: 0.8)?.kind == .postalAddress)
        #expect(classifier.kind(of: "Ada Lovelace") == nil, "never a kind by the value alone")
    }
}
