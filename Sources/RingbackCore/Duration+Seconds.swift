import Foundation

extension Duration {
    /// The duration in seconds, fractions included.
    public var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}

extension Duration {
    /// `0:42`, `12:05`: how phones show call lengths, rounded to the nearest second. The card, the `reprocess` line
    /// and the digest all say a length this way, so they never disagree.
    public var callLength: String {
        let total = Int(seconds.rounded())
        return "\(total / 60):\(String(format: "%02d", total % 60))"
    }
}
