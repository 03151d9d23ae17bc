/// The form of a value without the value: each ASCII digit as `9`, each letter as `A` (`a` lower case), every other
/// character as itself, runs of one class collapsed past four (`9999…`), at most 24 characters. `(212) 555-0199`
/// reads `(999) 999-9999`; `AB-12` reads `AA-99`. Enough for a steward to see why values fell short, never what
/// they were.
public enum ValueForm {
    public static func of(_ value: String) -> String {
        var form = ""
        var run: Character?
        var runLength = 0
        for character in value {
            let mapped: Character
            if character.isASCII, character.isNumber {
                mapped = "9"
            } else if character.isLetter {
                mapped = character.isUppercase ? "A" : "a"
            } else if character.isWhitespace {
                mapped = " "
            } else if character.isASCII {
                mapped = character
            } else {
                mapped = "?"
            }
            if mapped == run {
                runLength += 1
                if runLength == 5 { form.append("…") }
                if runLength >= 5 { continue }
            } else {
                run = mapped
                runLength = 1
            }
            form.append(mapped)
            if form.count >= 24 {
                form.append("…")
                break
            }
        }
        return form
    }
}
