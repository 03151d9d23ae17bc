import Crypto
import Foundation
import TestSupport
import Testing
import Tokenization
import WarehouseKit

private let keys = try! TokenKeyring.parse("k1=\(Data(repeating: 1, count: 32).base64EncodedString())")
private let rotated = try! TokenKeyring.parse(
    "k1=\(Data(repeating: 1, count: 32).base64EncodedString())\nk2=\(Data(repeating: 2, count: 32).base64EncodedString())")

/// The decision the service takes for every cell it computes tokens for (siv, ff1, rekey runs).
@Suite struct CellDecisionTests {
    let tokenizer = Tokenizer(keyring: keys)

    @Test(arguments: TokenSchemeName.allCases)
    func nullAndEmptyHoldNothingToProtect(scheme: TokenSchemeName) throws {
        #expect(try tokenizer.decide(nil, scheme: scheme, mode: .tokenize, ledger: nil) == .keep)
        #expect(try tokenizer.decide("", scheme: scheme, mode: .tokenize, ledger: nil) == .keep)
        #expect(try tokenizer.decide("x", scheme: scheme, mode: .tokenize, ledger: nil) != .keep)
    }

    @Test(arguments: [TokenSchemeName.poc, .hmac, .siv])
    func aTokenIsNeverTokenizedAgain(scheme: TokenSchemeName) throws {
        let seed = SplitMix64.seedForThisRun()
        var random = SplitMix64(seed: seed)
        for _ in 0..<300 {
            let scalars = (0..<Int.random(in: 1...80, using: &random)).compactMap { _ in
                Unicode.Scalar(UInt32.random(in: 32...0x2FFF, using: &random))
            }
            let value = String(String.UnicodeScalarView(scalars))
            guard case .write(let token, nil) = try tokenizer.decide(value, scheme: scheme, mode: .tokenize, ledger: nil) else {
                Issue.record("plaintext \(value.debugDescription) was not tokenized (seed \(seed))")
                continue
            }
            #expect(try tokenizer.decide(token, scheme: scheme, mode: .tokenize, ledger: nil) == .keep, "seed \(seed)")
        }
    }

    @Test func ff1TokensAreRecognisedByTheirLedgerEntryOnly() throws {
        let value = "+44 20 7946 0958"
        guard case .write(let token, let entry?) = try tokenizer.decide(value, scheme: .ff1, mode: .tokenize, ledger: nil) else {
            Issue.record("an ff1 token needs a ledger entry")
            return
        }
        #expect(token.count == value.count && token != value)
        #expect(try tokenizer.decide(token, scheme: .ff1, mode: .tokenize, ledger: entry) == .keep)
        // Without the entry (or with another cell's), the token looks like plaintext and would be encrypted again:
        // which is why the ledger must be read after the row locks are taken.
        #expect(try tokenizer.decide(token, scheme: .ff1, mode: .tokenize, ledger: nil) != .keep)
        #expect(try tokenizer.decide(token, scheme: .ff1, mode: .tokenize, ledger: LedgerEntry(keyID: "k1", digest: [0])) != .keep)
    }

    @Test func rekeyMovesSIVAndFF1ButNeverHMAC() throws {
        let old = Tokenizer(keyring: keys)
        let new = Tokenizer(keyring: rotated)
        let siv = try old.token(for: "ada@example.com", scheme: .siv)
        guard case .write(let moved, nil) = try new.decide(siv, scheme: .siv, mode: .rekey, ledger: nil) else {
            Issue.record("siv token of k1 not moved")
            return
        }
        #expect(moved.hasPrefix("tks_k2_"))
        #expect(try new.detokenize(moved) == "ada@example.com")
        #expect(try new.decide(siv, scheme: .siv, mode: .tokenize, ledger: nil) == .keep)
        let hmac = try old.token(for: "ada@example.com", scheme: .hmac)
        #expect(try new.decide(hmac, scheme: .hmac, mode: .rekey, ledger: nil) == .keep)
    }
}

/// Token shapes in SQL match tokens of every configured key and nothing else; character limits read.
@Suite struct PushDownPlanTests {
    @Test func shapesMatchTokensOfEveryConfiguredKeyAndNothingElse() throws {
        let table = TableReference(database: "d", schema: "s", table: "t")
        let tokenizer = Tokenizer(keyring: rotated)
        let plan = try PushDownPlan(
            columns: [ColumnPlan(name: "a", scheme: .hmac), ColumnPlan(name: "b", scheme: .poc)], tokenizer: tokenizer, table: table)
        #expect(plan.hmacKeyID == "k2")
        let hmac = try #require(plan.shapes[.hmac])
        #expect(!hmac.pattern.contains("{"), "bounded quantifiers are slow in PostgreSQL's regex engine")
        func recognised(_ value: String, _ shape: PushDownPlan.TokenShape) -> Bool {
            let lengthOK = shape.lengths.map { $0.contains(value.count) } ?? true
            return lengthOK && value.range(of: shape.pattern, options: .regularExpression) != nil
        }
        for value in ["ada@example.com", "x", "tkh_k3_" + String(repeating: "A", count: 43), "tkh_k1_" + String(repeating: "A", count: 42)] {
            #expect(!recognised(value, hmac), "\(value)")
        }
        for keyring in [keys, rotated] {
            #expect(recognised(try Tokenizer(keyring: keyring).token(for: "ada@example.com", scheme: .hmac), hmac))
        }
        #expect(recognised(try tokenizer.token(for: "ada", scheme: .poc), try #require(plan.shapes[.poc])))
        // The SQL test without the regex (`TokenShapeSQL`: prefix, byte length, base64url alphabet) agrees with it.
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        func shaped(_ value: String, _ shape: PushDownPlan.TokenShape) -> Bool {
            shape.prefixes.contains { value.hasPrefix($0) } && (shape.lengths.map { $0.contains(value.utf8.count) } ?? true)
                && value.utf8.allSatisfy(alphabet.contains)
        }
        let siv = try #require(PushDownPlan.TokenShape.of(.siv, keyIDs: tokenizer.keyIDs))
        let hmacToken = try tokenizer.token(for: "ada@example.com", scheme: .hmac)
        let sivToken = try tokenizer.token(for: "ada@example.com", scheme: .siv)
        let candidates = [
            "ada@example.com", "", "tkh_", hmacToken, try Tokenizer(keyring: keys).token(for: "x", scheme: .hmac), sivToken,
            "tkh_k3_" + String(repeating: "A", count: 43), "tkh_k2_" + String(repeating: "+", count: 43),
            "tkh_k2_" + String(repeating: "é", count: 43),
            "tks_k2_" + String(repeating: "A", count: 30) + " ", "tks_k9_AAAA", "xtks_k2_AAAA", String(hmacToken.dropLast()),
        ]
        for value in candidates {
            #expect(shaped(value, hmac) == recognised(value, hmac), "hmac: \(value)")
            #expect(shaped(value, siv) == recognised(value, siv), "siv: \(value)")
        }
        #expect(throws: WarehouseError.self) {
            try PushDownPlan(columns: [ColumnPlan(name: "a", scheme: .siv)], tokenizer: tokenizer, table: table)
        }
    }

    @Test("The inner/outer pads handed to databases reproduce HMAC-SHA256 exactly")
    func padsReproduceHMAC() throws {
        let tokenizer = Tokenizer(keyring: keys)
        let pads = try HMACPads(tokenizer: tokenizer)
        #expect(!"\(pads)".contains(Hex.encode(pads.inner)))
        for value in ["", "a", "zoë.müller@exämple.de", String(repeating: "x", count: 300)] {
            let inner = SHA256.hash(data: pads.inner + Array(value.utf8))
            let outer = Data(SHA256.hash(data: pads.outer + Array(inner)))
            let token =
                "tkh_k1_"
                + outer.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(try tokenizer.token(for: value, scheme: .hmac) == token)
        }
    }

    @Test func characterLimitsAreRead() {
        #expect(ColumnDescription(name: "c", dataType: "character varying(40)", isText: true).characterLimit == 40)
        #expect(ColumnDescription(name: "c", dataType: "character(8)", isText: true).characterLimit == 8)
        #expect(ColumnDescription(name: "c", dataType: "VARCHAR(12)", isText: true).characterLimit == 12)
        #expect(ColumnDescription(name: "c", dataType: "text", isText: true).characterLimit == nil)
    }
}
