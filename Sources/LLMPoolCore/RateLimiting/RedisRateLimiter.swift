/// A ``RateLimiter`` in Redis: the limits hold across every replica sharing the server.
///
/// ## Algorithm
/// A sliding window of fixed buckets. Each tenant has two hashes,
/// `<keyPrefix>rl:{<tenant>}:requests` and `…:tokens`, mapping a bucket number
/// (`floor(unix ms / bucket width)`) to what was admitted in it. With the defaults (60 s window,
/// 1 s buckets) a request counts for the 60 buckets starting with its own, so it is forgotten
/// between 59 and 60 s after it was admitted. Every `acquire` is one Lua script, so the
/// read–check–record is atomic across replicas:
/// 1. read Redis's clock (`TIME`: one clock for all replicas, whatever their skew);
/// 2. drop buckets older than the window and sum the rest, per limited dimension;
/// 3. reject if one more request, or the estimated tokens, would exceed a limit, recording nothing;
/// 4. otherwise add 1 and the estimate to the current bucket and reset the hashes' expiry to one
///    window plus a bucket, so an idle tenant's keys vanish.
///
/// `resetAfter` is the time until the oldest buckets leave the window: when rejected, enough of
/// them for the request to fit; when admitted, the oldest one (when `remaining` next grows).
/// `adjust` adds a positive correction to the current bucket; a negative one is taken from the
/// newest buckets first and never drives a bucket below zero, so a refund cannot become credit
/// once the request's own bucket has expired. Dimensions whose limit is `nil` are not stored.
///
/// The tenant is wrapped in a Redis Cluster hash tag so that both keys live on one shard.
/// Needs Redis 5 or later (scripts that read `TIME` before writing).
public final class RedisRateLimiter: RateLimiter {
    /// How the window is cut into buckets.
    public struct Configuration: Sendable, Hashable {
        /// The sliding window. Default 60 s (the per-minute limits assume it; shorter is for tests).
        public var window: Duration
        /// The width of one bucket, the window's resolution; the window is rounded to a whole
        /// number of buckets. Default 1 s.
        public var bucketWidth: Duration

        /// A one-minute window of one-second buckets.
        public static var defaults: Configuration { .init(window: .seconds(60), bucketWidth: .seconds(1)) }

        /// Creates a configuration.
        public init(window: Duration, bucketWidth: Duration) {
            self.window = window
            self.bucketWidth = bucketWidth
        }
    }

    private let client: RedisClient
    private let keyPrefix: String
    private let bucketMilliseconds: Int64
    private let windowMilliseconds: Int64

    /// Creates a limiter on a client, using the client's key prefix.
    /// - Parameters:
    ///   - client: The Redis client; the limiter does not shut it down.
    ///   - configuration: The window and its buckets.
    public init(client: RedisClient, configuration: Configuration = .defaults) {
        self.client = client
        self.keyPrefix = client.configuration.keyPrefix + "rl:"
        let bucket = configuration.bucketWidth.redisMilliseconds
        let buckets = max(1, (configuration.window.redisMilliseconds + bucket / 2) / bucket)
        self.bucketMilliseconds = bucket
        self.windowMilliseconds = bucket * buckets
    }

    /// Admits one request of `tenant` estimated at `estimatedTokens`, or rejects it.
    ///
    /// With neither limit set the request is admitted without calling Redis, and the decision
    /// reports `limit` and `remaining` as `Int.max`. A request whose estimate alone exceeds the
    /// token limit is always rejected, with `resetAfter` a whole window.
    /// - Throws: ``RedisError`` when Redis cannot be reached or the script fails.
    public func acquire(tenant: String, estimatedTokens: Int, limit: RateLimit) async throws -> RateLimitDecision {
        guard limit.requestsPerMinute != nil || limit.tokensPerMinute != nil else {
            return RateLimitDecision(allowed: true, limit: .max, remaining: .max, resetAfter: .zero)
        }
        let reply = try await client.eval(
            Self.acquireScript,
            keys: [key(tenant, "requests"), key(tenant, "tokens")],
            arguments: [
                String(limit.requestsPerMinute.map { max(0, $0) } ?? -1),
                String(limit.tokensPerMinute.map { max(0, $0) } ?? -1),
                String(max(0, estimatedTokens)),
                String(windowMilliseconds),
                String(bucketMilliseconds),
            ]
        )
        guard let fields = reply.array, fields.count == 6,
            let allowed = fields[0].int, let exceeded = fields[1].string,
            let requestsRemaining = fields[2].int, let requestsReset = fields[3].int,
            let tokensRemaining = fields[4].int, let tokensReset = fields[5].int
        else {
            throw RedisError(code: .unexpectedReply, message: "unexpected reply from the rate limit script: \(reply)")
        }
        if allowed == 0 {
            let tokens = exceeded == "tokens"
            return RateLimitDecision(
                allowed: false,
                limit: (tokens ? limit.tokensPerMinute : limit.requestsPerMinute) ?? 0,
                remaining: 0,
                resetAfter: .milliseconds(tokens ? tokensReset : requestsReset),
                exceeded: tokens ? "tokens" : "requests"
            )
        }
        // Report the dimension with the smaller share left.
        func share(_ remaining: Int, _ limit: Int?) -> Double {
            guard let limit else { return .infinity }
            return limit > 0 ? Double(remaining) / Double(limit) : 0
        }
        let tokensTighter =
            share(tokensRemaining, limit.tokensPerMinute) < share(requestsRemaining, limit.requestsPerMinute)
        return RateLimitDecision(
            allowed: true,
            limit: (tokensTighter ? limit.tokensPerMinute : limit.requestsPerMinute) ?? 0,
            remaining: tokensTighter ? tokensRemaining : requestsRemaining,
            resetAfter: .milliseconds(tokensTighter ? tokensReset : requestsReset)
        )
    }

    /// Adds `tokenDelta` to the tenant's tokens in the window, atomically. Does nothing when the
    /// limit has no token dimension or the delta is 0.
    /// - Throws: ``RedisError`` when Redis cannot be reached or the script fails.
    public func adjust(tenant: String, tokenDelta: Int, limit: RateLimit) async throws {
        guard limit.tokensPerMinute != nil, tokenDelta != 0 else { return }
        _ = try await client.eval(
            Self.adjustScript,
            keys: [key(tenant, "tokens")],
            arguments: [String(tokenDelta), String(windowMilliseconds), String(bucketMilliseconds)]
        )
    }

    /// The Redis key of one of a tenant's counters (`requests` or `tokens`).
    public func key(_ tenant: String, _ dimension: String) -> String {
        keyPrefix + "{" + tenant + "}:" + dimension
    }

    // KEYS: requests hash, tokens hash.
    // ARGV: request limit (-1: none), token limit (-1: none), estimated tokens, window ms, bucket ms.
    // Returns {allowed, exceeded, requests remaining, requests reset ms, tokens remaining, tokens reset ms}.
    private static let acquireScript = RedisScript(
        #"""
        local requestLimit = tonumber(ARGV[1])
        local tokenLimit = tonumber(ARGV[2])
        local estimate = tonumber(ARGV[3])
        local windowMs = tonumber(ARGV[4])
        local bucketMs = tonumber(ARGV[5])
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local current = math.floor(now / bucketMs)
        local oldest = current - windowMs / bucketMs + 1

        local function load(key)
          local flat = redis.call('HGETALL', key)
          local buckets, stale, total = {}, {}, 0
          for i = 1, #flat, 2 do
            local index, count = tonumber(flat[i]), tonumber(flat[i + 1])
            if index < oldest then
              stale[#stale + 1] = flat[i]
            else
              buckets[#buckets + 1] = {index, count}
              total = total + count
            end
          end
          if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
          table.sort(buckets, function(a, b) return a[1] < b[1] end)
          return total, buckets
        end

        local function leaves(index) return index * bucketMs + windowMs - now end

        local function waitFor(total, buckets, need, limit)
          if need > limit then return windowMs end
          for _, bucket in ipairs(buckets) do
            total = total - bucket[2]
            if total + need <= limit then return leaves(bucket[1]) end
          end
          return windowMs
        end

        local requests, requestBuckets, tokens, tokenBuckets = 0, {}, 0, {}
        if requestLimit >= 0 then requests, requestBuckets = load(KEYS[1]) end
        if tokenLimit >= 0 then tokens, tokenBuckets = load(KEYS[2]) end
        if requestLimit >= 0 and requests + 1 > requestLimit then
          return {0, 'requests', 0, waitFor(requests, requestBuckets, 1, requestLimit), 0, 0}
        end
        if tokenLimit >= 0 and tokens + estimate > tokenLimit then
          return {0, 'tokens', 0, 0, 0, waitFor(tokens, tokenBuckets, estimate, tokenLimit)}
        end

        local field = string.format('%d', current)
        local function record(key, amount, buckets)
          redis.call('HINCRBY', key, field, string.format('%d', amount))
          redis.call('PEXPIRE', key, string.format('%d', windowMs + bucketMs))
          if #buckets > 0 then return leaves(buckets[1][1]) end
          return leaves(current)
        end
        local requestRemaining, requestReset, tokenRemaining, tokenReset = 0, 0, 0, 0
        if requestLimit >= 0 then
          requestReset = record(KEYS[1], 1, requestBuckets)
          requestRemaining = requestLimit - requests - 1
        end
        if tokenLimit >= 0 then
          tokenReset = record(KEYS[2], estimate, tokenBuckets)
          tokenRemaining = math.max(0, tokenLimit - tokens - estimate)
        end
        return {1, '', requestRemaining, requestReset, tokenRemaining, tokenReset}
        """#
    )

    // KEYS: tokens hash. ARGV: delta, window ms, bucket ms.
    private static let adjustScript = RedisScript(
        #"""
        local delta = tonumber(ARGV[1])
        local windowMs = tonumber(ARGV[2])
        local bucketMs = tonumber(ARGV[3])
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local current = math.floor(now / bucketMs)
        local oldest = current - windowMs / bucketMs + 1
        if delta > 0 then
          redis.call('HINCRBY', KEYS[1], string.format('%d', current), string.format('%d', delta))
        else
          local flat = redis.call('HGETALL', KEYS[1])
          local buckets = {}
          for i = 1, #flat, 2 do
            local index = tonumber(flat[i])
            if index >= oldest then buckets[#buckets + 1] = {flat[i], index, tonumber(flat[i + 1])} end
          end
          table.sort(buckets, function(a, b) return a[2] > b[2] end)
          local owed = -delta
          for _, bucket in ipairs(buckets) do
            if owed <= 0 then break end
            local take = math.min(owed, bucket[3])
            if take > 0 then
              redis.call('HINCRBY', KEYS[1], bucket[1], string.format('%d', -take))
              owed = owed - take
            end
          end
        end
        redis.call('PEXPIRE', KEYS[1], string.format('%d', windowMs + bucketMs))
        return 0
        """#
    )
}
