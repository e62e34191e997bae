/// Accumulates generated source with indentation.
struct CodeWriter {
    private(set) var text = ""
    private var indentation = ""

    mutating func line(_ content: String = "") {
        text += content.isEmpty ? "\n" : indentation + content + "\n"
    }

    /// `opening {`, the indented body, `}`. An opening that ends in `in` is a closure whose
    /// brace it already has.
    mutating func block(_ opening: String, _ body: (inout CodeWriter) -> Void) {
        line(opening.hasSuffix(" in") ? opening : opening + " {")
        indentation += "    "
        body(&self)
        indentation.removeLast(4)
        line("}")
    }
}
