import Foundation
import Testing
import Tokenization
import WarehouseKit

/// A batch decided on several tasks gives exactly the serial decisions, in row order.
@Suite struct CellDecisionsTests {
    let tokenizer = Tokenizer(keyring: try! TokenKeyring.parse("k1=\(Data(repeating: 3, count: 32).base64EncodedString())"))

    @Test(arguments: [1, 2, 4, 7])
    func parallelDecisionsEqualSerialOnes(parallelism: Int) async throws {
        let rows: [[String?]] = (0..<9_001).map { index in
            [index % 17 == 0 ? nil : "person.\(index)@example.com", index % 5 == 0 ? "" : "+44 20 7946 \(1000 + index % 9000)"]
        }
        let schemes: [TokenSchemeName] = [.siv, .ff1]
        // A ledger entry that matches row 42's phone token marks that cell as already tokenized.
        guard case .write(let token, let entry?) = try tokenizer.decide(rows[42][1], scheme: .ff1, mode: .tokenize, ledger: nil) else {
            Issue.record("row 42's phone was not tokenized with a ledger entry")
            return
        }
        var withToken = rows
        withToken[42][1] = token
        let serial = try await CellDecisions.decide(
            withToken, schemes: schemes, tokenizer: tokenizer, mode: .tokenize, ledger: { row, column in row == 42 && column == 1 ? entry : nil },
            parallelism: 1)
        let parallel = try await CellDecisions.decide(
            withToken, schemes: schemes, tokenizer: tokenizer, mode: .tokenize, ledger: { row, column in row == 42 && column == 1 ? entry : nil },
            parallelism: parallelism)
        #expect(parallel == serial)
        #expect(parallel.count == rows.count)
        #expect(parallel[42][1] == .keep)
        #expect(parallel[0][0] == .keep)  // NULL
        #expect(parallel[9_000][0] == (try tokenizer.decide(rows[9_000][0], scheme: .siv, mode: .tokenize, ledger: nil)))
    }
}
