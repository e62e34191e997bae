/// Accumulates generated source with indentation.
struct CodeWriter {
    private(set) var text = ""
    private var indentation = ""

    mutating func line(_ content: String = "") {
        text += content.isEmpty ? "\n" : indentation + content + "\n"
    }

    mutating func block(_ opening: String, _ body: (inout CodeWriter) -> Void) {
        line(opening + " {")
        indentation += "    "
        body(&self)
        indentation.removeLast(4)
        line("}")
    }
}
