/// A card, reply, reminder or digest that could not be written to its message file: the file and the reason.
/// Sending turns it into `mail.render`.
public struct CardError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
