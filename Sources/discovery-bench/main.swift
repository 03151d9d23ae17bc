import Discovery
import Foundation

// discovery-bench: classifies values as PII discovery does, for `make discovery-bench` (bench/discovery_bench.py).
// Reads one JSON string per line on stdin and writes, per line, the kind it validates as, or `-`.
let classifier = ValueClassifier()
let decoder = JSONDecoder()
var output = ""
while let line = readLine(strippingNewline: true) {
    guard let value = try? decoder.decode(String.self, from: Data(line.utf8)) else {
        output += "!\n"
        continue
    }
    output += (classifier.kind(of: value)?.rawValue ?? "-") + "\n"
    if output.utf8.count > 1 << 16 {
        FileHandle.standardOutput.write(Data(output.utf8))
        output = ""
    }
}
FileHandle.standardOutput.write(Data(output.utf8))
