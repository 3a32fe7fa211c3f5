import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Keeps the link server from taking the descriptors intake needs: at most `limit` connections are open at once, and a
/// connection that has not sent a whole request within `requestTimeout` of opening is closed.
///
/// At the limit a new connection is accepted and the connection quiet the longest is closed: a flood of idle
/// connections cannot lock out the owner's tap on a link or the `/healthz` probe, and cannot grow past the limit.
/// "Quiet" counts whole requests and responses only: a connection dripping a header byte by byte never gets fresher.
final class ConnectionGuard: Sendable {
    let limit: Int
    let requestTimeout: TimeAmount
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var open: [ObjectIdentifier: (channel: any Channel, quietSince: NIODeadline)] = [:]
        var closedAtLimit = 0
        var lastWarning: NIODeadline?
    }

    init(limit: Int, requestTimeout: TimeAmount, logger: Logger) {
        self.limit = limit
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    /// One per connection, in Hummingbird's HTTP/1 pipeline after the request decoder.
    func handler() -> Handler { Handler(guard: self) }

    var openConnections: Int { state.withLockedValue { $0.open.count } }

    fileprivate func opened(_ channel: any Channel) {
        let now = NIODeadline.now()
        let (evicted, warn): ((any Channel)?, Int?) = state.withLockedValue { state in
            state.open[ObjectIdentifier(channel)] = (channel, now)
            guard state.open.count > limit else { return (nil, nil) }
            let quietest = state.open.filter { $0.key != ObjectIdentifier(channel) }.min { $0.value.quietSince < $1.value.quietSince }
            guard let quietest else { return (nil, nil) }
            state.open[quietest.key] = nil
            state.closedAtLimit += 1
            // One warning a minute at most: a flood must not flood the journal too.
            guard state.lastWarning.map({ now - $0 >= .minutes(1) }) ?? true else { return (quietest.value.channel, nil) }
            state.lastWarning = now
            defer { state.closedAtLimit = 0 }
            return (quietest.value.channel, state.closedAtLimit)
        }
        evicted?.close(promise: nil)
        if let warn {
            logger.warning(
                "the web listener is at its connection limit; the connections quiet the longest are closed",
                metadata: ["limit": "\(limit)", "closed": "\(warn)"])
        }
    }

    fileprivate func active(_ channel: any Channel) {
        state.withLockedValue { state in
            if state.open[ObjectIdentifier(channel)] != nil { state.open[ObjectIdentifier(channel)]?.quietSince = .now() }
        }
    }

    fileprivate func closed(_ channel: any Channel) {
        _ = state.withLockedValue { $0.open.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    final class Handler: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny
        typealias InboundOut = NIOAny
        typealias OutboundIn = NIOAny
        typealias OutboundOut = NIOAny

        private let connections: ConnectionGuard
        private var sawRequest = false
        private var timeout: Scheduled<Void>?

        fileprivate init(guard connections: ConnectionGuard) {
            self.connections = connections
        }

        func handlerAdded(context: ChannelHandlerContext) {
            connections.opened(context.channel)
            let channel = context.channel
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            timeout = context.eventLoop.scheduleTask(in: connections.requestTimeout) {
                if !handler.value.sawRequest { channel.close(promise: nil) }
            }
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            timeout?.cancel()
            connections.closed(context.channel)
        }

        func channelInactive(context: ChannelHandlerContext) {
            timeout?.cancel()
            connections.closed(context.channel)
            context.fireChannelInactive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            sawRequest = true
            connections.active(context.channel)
            context.fireChannelRead(data)
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            connections.active(context.channel)
            context.write(data, promise: promise)
        }
    }
}
