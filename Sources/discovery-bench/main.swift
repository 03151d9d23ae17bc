import Discovery
import Foundation

// discovery-bench: classifies values as PII discovery does, for `make discovery-bench` (bench/discovery_bench.py).
// Reads one JSON string per line on stdin and writes, per line, the kind it validates as, or `-`. With
// `--column NAME [--threshold T]` the lines are one column's sampled values and it writes the kind a plan would
// propose for a column of that name, or `-`.
let classifier = ValueClassifier()
let decoder = JSONDecoder()
let arguments = CommandLine.arguments
var values: [String?] = []
var output = ""
let column = arguments.firstIndex(of: "--column").map { arguments[$0 + 1] }
let threshold = arguments.firstIndex(of: "--threshold").flatMap { Double(arguments[$0 + 1]) } ?? 0.8
while let line = readLine(strippingNewline: true) {
    let value = try? decoder.decode(String.self, from: Data(line.utf8))
    if column != nil {
        values.append(value)
        continue
    }
    output += (value.map { classifier.kind(of: $0)?.rawValue ?? "-" } ?? "!") + "\n"
    if output.utf8.count > 1 << 16 {
        FileHandle.standardOutput.write(Data(output.utf8))
        output = ""
    }
}
if let column {
    let profile = classifier.profile(values, context: ColumnContext(name: column))
    output = (profile.detectedKind(threshold: threshold)?.kind.rawValue ?? "-") + "\n"
}
FileHandle.standardOutput.write(Data(output.utf8))
