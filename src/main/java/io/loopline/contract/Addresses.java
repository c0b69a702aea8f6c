package io.loopline.contract;

/**
 * Event-bus addresses: the public event-bus API of Loopline. Message shapes are documented beside each
 * address here and in {@code docs/event-bus.md}.
 */
public final class Addresses {

  /** Every Loopline address starts with this. */
  public static final String PREFIX = "loopline.";

  /**
   * Create a user. Request: {@code {"email", "name"}}. Reply: the user
   * {@code {"id", "email", "name", "version", "createdAt", "updatedAt"}}. Fails 400 (invalid), 409 (email taken).
   */
  public static final String USERS_CREATE = PREFIX + "users.create";

  /** Read a user. Request: {@code {"id"}}. Reply: the user. Fails 404. */
  public static final String USERS_GET = PREFIX + "users.get";

  /**
   * A page of users in id order. Request: {@code {"limit"?: 1..200 (50), "cursor"?}}.
   * Reply: {@code {"users": [...], "next": cursor or null}}. Fails 400 (bad cursor).
   */
  public static final String USERS_LIST = PREFIX + "users.list";

  /**
   * Change a user. Request: {@code {"id", "ifVersion"?, "changes": {"email"?, "name"?}}}.
   * Reply: the user. Fails 400, 404, 409 (email taken), 412 ({@code ifVersion} is not the stored version).
   */
  public static final String USERS_UPDATE = PREFIX + "users.update";

  /** Delete a user. Request: {@code {"id", "ifVersion"?}}. Reply: {@code {"id"}}. Fails 404, 412. */
  public static final String USERS_DELETE = PREFIX + "users.delete";

  /**
   * Create an item. Request: {@code {"name", "price": "12.50", "description"?, "tags"?: [...]}}. Reply: the
   * item {@code {"id", "name", "price", "description", "tags", "version", "createdAt", "updatedAt"}}. Fails 400.
   */
  public static final String ITEMS_CREATE = PREFIX + "items.create";

  /** Read an item. Request: {@code {"id"}}. Reply: the item. Fails 404. */
  public static final String ITEMS_GET = PREFIX + "items.get";

  /**
   * As {@link #ITEMS_GET} (request {@code {"id"}}), answered with the item already encoded: the reply body is a
   * {@code Buffer} of its JSON and the header {@link #VERSION_HEADER} carries its version. The HTTP side's item
   * reads use it: a buffer is not copied on local delivery and is sent to the client as it is.
   */
  public static final String ITEMS_GET_ENCODED = PREFIX + "items.get.encoded";

  /** The reply header of {@link #ITEMS_GET_ENCODED} that carries the item's version. */
  public static final String VERSION_HEADER = "version";

  /**
   * Read up to 500 items at once. Request: {@code {"ids": [...]}}. Reply: {@code {"items": [...],
   * "missing": [...]}}, items in the order asked (each id once).
   */
  public static final String ITEMS_GET_MANY = PREFIX + "items.getMany";

  /**
   * A page of items. Request: {@code {"limit"?, "cursor"?, "namePrefix"?, "minPrice"?, "maxPrice"?, "tag"?,
   * "sort"?: "id" | "-id" | "name" | "-name" | "price" | "-price"}}. Reply: {@code {"items": [...], "next"}}.
   */
  public static final String ITEMS_LIST = PREFIX + "items.list";

  /**
   * Replace an item. Request: {@code {"id", "ifVersion"?, "item": {"name", "price", "description"?, "tags"?}}}.
   * Reply: the item. Fails 400, 404, 412.
   */
  public static final String ITEMS_REPLACE = PREFIX + "items.replace";

  /**
   * Change some fields of an item (merge: a field present is set, {@code null} clears the description).
   * Request: {@code {"id", "ifVersion"?, "changes": {"name"?, "price"?, "description"?, "tags"?}}}, at least one.
   * Reply: the item. Fails 400, 404, 412.
   */
  public static final String ITEMS_UPDATE = PREFIX + "items.update";

  /** Delete an item. Request: {@code {"id", "ifVersion"?}}. Reply: {@code {"id"}}. Fails 404, 412. */
  public static final String ITEMS_DELETE = PREFIX + "items.delete";

  /**
   * Enqueue a job. Request: {@code {"type", "payload": {...}, "runAt"?: RFC 3339 time (not before it),
   * "maxAttempts"?: 1..100 (the type's default), "idempotencyKey"?}}; the payload is checked by
   * {@link JobType}. Reply: the job {@code {"id", "type", "state", "attempts", "maxAttempts", "payload", "runAt",
   * "leaseOwner", "leaseExpiresAt", "lastError", "idempotencyKey", "result", "createdAt", "startedAt",
   * "finishedAt", "scheduleId", "scheduledFor"}}, plus {@code "existing": true} when the idempotency key named a
   * job submitted before (no new job is made), else false. Fails 400 (unknown type, bad payload or time).
   */
  public static final String JOBS_SUBMIT = PREFIX + "jobs.submit";

  /** Read a job. Request: {@code {"id"}}. Reply: the job. Fails 404. */
  public static final String JOBS_GET = PREFIX + "jobs.get";

  /**
   * Jobs, a page at a time, newest first with {@code "order": "desc"}, else in id order. Request:
   * {@code {"state"?, "type"?, "schedule"?: schedule id, "order"?, "limit"?, "cursor"?}}. Reply: {@code {"jobs": [...], "next"}}.
   */
  public static final String JOBS_LIST = PREFIX + "jobs.list";

  /** Run a dead job again from its first attempt. Request: {@code {"id"}}. Reply: the job. Fails 404, 409. */
  public static final String JOBS_RETRY = PREFIX + "jobs.retry";

  /** Cancel a pending job. Request: {@code {"id"}}. Reply: the job. Fails 404, 409 (not pending). */
  public static final String JOBS_CANCEL = PREFIX + "jobs.cancel";

  /**
   * For runners: take up to {@code limit} due jobs of the given types under a lease. Request:
   * {@code {"owner", "types": [...], "limit", "leaseMs"}}. Reply: {@code {"jobs": [...]}}.
   */
  public static final String JOBS_CLAIM = PREFIX + "jobs.claim";

  /** For runners: extend leases. Request: {@code {"owner", "ids": [...], "leaseMs"}}. Reply: {@code {"renewed": [...]}}. */
  public static final String JOBS_RENEW = PREFIX + "jobs.renew";

  /**
   * For runners: a job succeeded. Request: {@code {"id", "owner", "result"?}}. Reply: the job. Fails 409 when the
   * lease was lost.
   */
  public static final String JOBS_COMPLETE = PREFIX + "jobs.complete";

  /**
   * For runners: an attempt failed. Request: {@code {"id", "owner", "error", "retryInMs", "final"?: boolean}}; the
   * job waits that long before its next attempt, or is {@code dead} when it has used its attempts or
   * {@code final} is true. Reply: the job. Fails 409 when the lease was lost.
   */
  public static final String JOBS_FAIL = PREFIX + "jobs.fail";

  /**
   * For runners that stop: give leased jobs back at once, their unfinished attempt not counted.
   * Request: {@code {"owner"}}. Reply: {@code {"released": [...]}}.
   */
  public static final String JOBS_RELEASE = PREFIX + "jobs.release";

  /** Published when jobs became due (PostgreSQL NOTIFY on any node): {@code {"type"}}. Runners claim at once. */
  public static final String JOBS_AVAILABLE = PREFIX + "jobs.available";

  /**
   * How many jobs are in each state, over all types and per type. Request: {@code {}}. Reply:
   * {@code {"states": {state: n}, "types": {type: {state: n}}}}, every state and type present.
   */
  public static final String JOBS_COUNTS = PREFIX + "jobs.counts";

  /**
   * Run dead jobs again from their first attempt: the ones named, or (without {@code ids}) up to 10,000 dead
   * jobs, of one type if given. Request: {@code {"ids"?: [...], "type"?}}. Reply: {@code {"retried": n, "more": bool}}.
   */
  public static final String JOBS_RETRY_DEAD = PREFIX + "jobs.retryDead";

  /** Delete dead jobs, as {@link #JOBS_RETRY_DEAD} selects them. Reply: {@code {"discarded": n, "more": bool}}. */
  public static final String JOBS_DISCARD_DEAD = PREFIX + "jobs.discardDead";

  /**
   * Make a recurring job. Request: {@code {"name", "cron": 5 fields (minute) or 6 (second first), "timeZone"?:
   * IANA name (UTC), "missed"?: "once" | "skip", "job": {"type", "payload", "maxAttempts"?}}}. Reply: the schedule
   * {@code {"id", "name", "cron", "timeZone", "missed", "job", "state": "active" | "paused", "nextRunAt",
   * "lastRunAt", "lastJobId", "createdAt", "updatedAt"}}. Fails 400 (bad cron, zone or job), 409 (name taken).
   */
  public static final String SCHEDULES_CREATE = PREFIX + "schedules.create";

  /** Read a schedule. Request: {@code {"id"}}. Reply: the schedule. Fails 404. */
  public static final String SCHEDULES_GET = PREFIX + "schedules.get";

  /** Schedules in id order, a page at a time. Request: {@code {"limit"?, "cursor"?}}. Reply: {@code {"schedules", "next"}}. */
  public static final String SCHEDULES_LIST = PREFIX + "schedules.list";

  /** Stop enqueueing (a paused schedule stays paused). Request: {@code {"id"}}. Reply: the schedule. Fails 404. */
  public static final String SCHEDULES_PAUSE = PREFIX + "schedules.pause";

  /**
   * Enqueue again from the next occurrence after now; occurrences while paused are not made up. Request:
   * {@code {"id"}}. Reply: the schedule. Fails 404.
   */
  public static final String SCHEDULES_RESUME = PREFIX + "schedules.resume";

  /** Delete a schedule; its jobs stay. Request: {@code {"id"}}. Reply: {@code {"id"}}. Fails 404. */
  public static final String SCHEDULES_DELETE = PREFIX + "schedules.delete";

  /**
   * Read a cached value. Request: {@code {"key"}}. Reply: {@code {"key", "value": text, "contentType":
   * "application/json" | "text/plain"}}. Fails 400 (bad key), 404 (absent or expired), 503 (Redis unavailable).
   * Keys are 1 to 256 characters of {@code A-Z a-z 0-9 . _ : -}.
   */
  public static final String CACHE_GET = PREFIX + "cache.get";

  /**
   * Store a value. Request: {@code {"key", "value": text, "contentType"?: "application/json" | "text/plain"
   * (default), "ttl"?: seconds 1..2592000}}. Reply: {@code {"key", "contentType", "bytes", "ttl": seconds or
   * null}}. Fails 400, 413 (value over {@code cache.maxValueBytes}), 503.
   */
  public static final String CACHE_PUT = PREFIX + "cache.put";

  /** Remove a value. Request: {@code {"key"}}. Reply: {@code {"key"}}. Fails 400, 404 (absent), 503. */
  public static final String CACHE_DELETE = PREFIX + "cache.delete";

  /**
   * As {@link #CACHE_GET}, in Loopline's internal key space, which the public key-value API ({@code /cache/{key}}
   * and the three addresses above) cannot name: for what verticles keep for themselves (scrape results). Not
   * for bridge clients.
   */
  public static final String CACHE_INTERNAL_GET = PREFIX + "cache.internal.get";

  /** As {@link #CACHE_PUT}, in the internal key space of {@link #CACHE_INTERNAL_GET}. */
  public static final String CACHE_INTERNAL_PUT = PREFIX + "cache.internal.put";

  /**
   * The shared (Redis) tier of the item cache. Request: {@code {"id"}}. Reply on a hit: {@code {"id",
   * "version", "json": the item as JSON text, "epoch"}}; on a miss, or while Redis is bypassed, {@code {"id",
   * "epoch"}}. {@code epoch} must be given back with a fill.
   */
  public static final String CACHE_ITEMS_GET = PREFIX + "cache.items.get";

  /**
   * Offer an item read from PostgreSQL to the shared tier (send, no reply). Message: {@code {"id", "version",
   * "json", "epoch"}}. Dropped when the epoch is not the current one, and never replaces a newer version.
   */
  public static final String CACHE_ITEMS_FILL = PREFIX + "cache.items.fill";

  /**
   * An item changed or was deleted: replace it in Redis and drop it from every node's near cache. Request:
   * {@code {"id", "version", "item"}} after a change, {@code {"id", "deleted": true}} after a delete. Reply,
   * once every node confirmed or {@code cache.invalidationTimeoutMs} passed: {@code {"id", "nodes": n,
   * "confirmed": k, "redis": "updated" | "bypassed" | "none"}}. Sent by the persistence verticle before it
   * answers a write.
   */
  public static final String CACHE_ITEMS_INVALIDATE = PREFIX + "cache.items.invalidate";

  /**
   * Published after an item was invalidated on this node (notification, no reply): {@code {"id", "version"?}}
   * for a change or delete, {@code {"all": true}} when the whole item tier was flushed.
   */
  public static final String CACHE_ITEMS_INVALIDATED = PREFIX + "cache.items.invalidated";

  /**
   * The identity of the database the item cache holds rows of (answered by the persistence verticle). Request:
   * {@code {}}. Reply: {@code {"identity": 16 hex digits, "generation", "database"}}. Every item key in Redis
   * carries it, so deployments on other databases, or this database before a restore, never share entries.
   */
  public static final String CACHE_IDENTITY = PREFIX + "cache.identity";

  /** Bump the generation of {@link #CACHE_IDENTITY} after a restore (persistence). Reply: the new identity. */
  public static final String CACHE_IDENTITY_BUMP = PREFIX + "cache.identity.bump";

  /**
   * The database was restored (answered by a cache verticle): bump the generation, then every node drops its
   * near cache and reads the new identity before it uses Redis item entries again. Request: {@code {}}. Reply:
   * {@code {"identity": the new one (16 hex digits), "nodes": subscribed nodes told, "note"?: why none was}}. Fails 503
   * (the database did not answer).
   */
  public static final String CACHE_RESTORED = PREFIX + "cache.restored";

  /**
   * Make an API key. Request: {@code {"name", "scopes": ["read" | "write" | "admin", ...]}}. Reply: the key
   * {@code {"id", "name", "scopes", "prefix", "createdAt", "revokedAt": null, "key"}}; {@code key} is the secret,
   * given this once and never stored. Fails 400.
   */
  public static final String API_KEYS_CREATE = PREFIX + "apikeys.create";

  /** API keys in id order, revoked ones included, never their secrets. Request: {@code {"limit"?, "cursor"?}}. Reply: {@code {"keys", "next"}}. */
  public static final String API_KEYS_LIST = PREFIX + "apikeys.list";

  /**
   * Revoke a key (no effect on a revoked one). Request: {@code {"id"}}. Reply: the key with {@code revokedAt}.
   * Fails 404. Then {@link #API_KEYS_REVOKED} is published.
   */
  public static final String API_KEYS_REVOKE = PREFIX + "apikeys.revoke";

  /**
   * Who holds a key. Request: {@code {"hash": hex SHA-256 of the key}}. Reply: {@code {"id", "name", "scopes",
   * "revoked": boolean}}. Fails 404 (no such key).
   */
  public static final String API_KEYS_LOOKUP = PREFIX + "apikeys.lookup";

  /** Published when a key was revoked, so every node forgets it at once: {@code {"id"}}. */
  public static final String API_KEYS_REVOKED = PREFIX + "apikeys.revoked";

  /**
   * Fetch up to {@code scrape.maxBatchUrls} URLs at once. Request: {@code {"urls": [...], "options"?: {"cache"?,
   * "robots"?, "concurrency"?, "perHostConcurrency"?, "extract"?, "autothrottle"?}}}. Reply: {@code {"results":
   * [...]}}, one result per URL in the order given (see docs/scraping.md); a URL that cannot be fetched has an
   * {@code error}, never the batch. Fails 400 (no URLs, too many, bad options).
   */
  public static final String SCRAPE_BATCH = PREFIX + "scrape.batch";

  /**
   * Start a durable scrape job. Request: {@code {"urls": [...], "options"?: {"cache"?, "robots"?, "concurrency"?,
   * "perHostConcurrency"?, "extract"?, "autothrottle"?, "depth"?: 0..2, "maxPages"?, "scope"?, "include"?,
   * "exclude"?, "canonical"?, "sitemaps"?, "robotsSitemaps"?}}} (see docs/scraping.md). Reply: the job (see
   * {@link #SCRAPE_JOBS_GET}). URLs are normalised and de-duplicated; invalid ones are stored as failed pages.
   * Fails 400.
   */
  public static final String SCRAPE_JOBS_SUBMIT = PREFIX + "scrape.jobs.submit";

  /**
   * Read a scrape job. Request: {@code {"id"}}. Reply: {@code {"id", "state": "pending" | "running" | "done" |
   * "cancelled", "options", "maxPages", "counts": {"total", "done", "failed", "pending", "cancelled"}, "createdAt",
   * "startedAt", "finishedAt", "elapsedMs"}}. Fails 404.
   */
  public static final String SCRAPE_JOBS_GET = PREFIX + "scrape.jobs.get";

  /**
   * Scrape jobs, newest first, a page at a time. Request: {@code {"state"?, "limit"?, "cursor"?}}. Reply:
   * {@code {"jobs": [job...], "next"}}.
   */
  public static final String SCRAPE_JOBS_LIST = PREFIX + "scrape.jobs.list";

  /**
   * A page of a job's pages in id order. Request: {@code {"id", "state"?, "limit"?, "cursor"?}}. Reply:
   * {@code {"pages": [{"id", "jobId", "url", "depth", "state", "attempts", "result", "finishedAt", "seq"}], "next"}}. A
   * page's {@code seq} is its place in the order the job's pages were stored (null until it is). Fails 400, 404.
   */
  public static final String SCRAPE_JOBS_PAGES = PREFIX + "scrape.jobs.pages";

  /**
   * One chunk of a job's export. Request: {@code {"id", "format": "ndjson"|"csv", "state"?, "after"?, "limit"?}}
   * ({@code after}: the last page id of the previous chunk; {@code limit} 1 to 1,000). Reply: {@code {"lines":
   * text, "count", "last"}}: the pages after {@code after} in id order as NDJSON lines (each {@code {"id", "url",
   * "depth", "state", "seq", "finishedAt", "result"}}) or CSV rows (the first chunk starts with the header row), {@code last} the id of the last one (null
   * when none is left). Fails 400, 404.
   */
  public static final String SCRAPE_JOBS_EXPORT = PREFIX + "scrape.jobs.export";

  /**
   * What a job's event stream needs to catch up. Request: {@code {"id", "after"?, "limit"?}} ({@code limit} 1 to
   * 200, default 50). Reply: {@code {"job", "last", "pages"}}: the job, the last seq it gave a page, and, when
   * {@code after} is given, the pages stored after that seq in seq order. Seqs commit in increasing order, so
   * nothing below a seq read is stored later. Fails 400, 404.
   */
  public static final String SCRAPE_JOBS_EVENTS = PREFIX + "scrape.jobs.events";

  /**
   * Cancel a job: pending pages are dropped and fetches in flight are stopped. Request: {@code {"id"}}.
   * Reply: the job. Fails 404, 409 (already done or cancelled).
   */
  public static final String SCRAPE_JOBS_CANCEL = PREFIX + "scrape.jobs.cancel";

  /**
   * For the scraper's submit: store a job and its first pages. Request: {@code {"options", "maxPages", "urls":
   * [normalised, distinct], "invalid": [{"url", "result"}]}}. Reply: the job. Then {@link #SCRAPE_JOBS_AVAILABLE}
   * is published.
   */
  public static final String SCRAPE_JOBS_STORE = PREFIX + "scrape.jobs.store";

  /**
   * For scrape runners: take up to {@code limit} pending pages (or pages whose lease ran out) under a lease.
   * Request: {@code {"owner", "limit", "leaseMs"}}. Reply: {@code {"pages": [{"id", "jobId", "url", "depth",
   * "attempts", "options"}]}}.
   */
  public static final String SCRAPE_PAGES_CLAIM = PREFIX + "scrape.pages.claim";

  /** For scrape runners: extend leases. Request: {@code {"owner", "ids", "leaseMs"}}. Reply: {@code {"renewed": [...]}}. */
  public static final String SCRAPE_PAGES_RENEW = PREFIX + "scrape.pages.renew";

  /**
   * For scrape runners: store a page's result, add the links to follow (within {@code maxPages}) and count it.
   * Request: {@code {"id", "owner", "failed", "result", "links"?: [...]}}. Reply: {@code {"job", "page",
   * "added"}}: the job counted, the page stored, how many links became pages. Fails 404, 409 when the lease was
   * lost or the job cancelled.
   */
  public static final String SCRAPE_PAGES_COMPLETE = PREFIX + "scrape.pages.complete";

  /**
   * For scrape runners: store the results of several pages of one job that have no links to follow, and
   * count them, in one statement. Request: {@code {"jobId", "owner", "pages": [{"id", "failed", "result"}]}}.
   * Reply: {@code {"completed": [{"job", "page"}]}}, one entry per page stored (the page without its
   * result, which the caller sent); a page whose lease was lost is left out.
   */
  public static final String SCRAPE_PAGES_COMPLETE_MANY = PREFIX + "scrape.pages.completeMany";

  /** For scrape runners that stop: give leased pages back at once. Request: {@code {"owner"}}. Reply: {@code {"released": n}}. */
  public static final String SCRAPE_PAGES_RELEASE = PREFIX + "scrape.pages.release";

  /** Published when a scrape job is stored (notification): {@code {"id"}}. Runners claim at once. */
  public static final String SCRAPE_JOBS_AVAILABLE = PREFIX + "scrape.jobs.available";

  /** Published when a scrape job is cancelled (notification): {@code {"id"}}. Runners stop its fetches. */
  public static final String SCRAPE_JOBS_CANCELLED = PREFIX + "scrape.jobs.cancelled";

  /** Published after every page of every job (notification): the job, as {@link #SCRAPE_JOBS_GET} replies. */
  public static final String SCRAPE_PROGRESS = PREFIX + "scrape.progress";

  /**
   * One outgoing HTTP request under the scraper's SSRF guard and timeouts, for webhooks. Request:
   * {@code {"url", "method", "headers"?: {...}, "body"?: any JSON}}. Reply: {@code {"status", "elapsedMs",
   * "body": the first 2,000 characters of the answer}} for any answer; fails 400 (refused by the guard: never
   * worth retrying), 503 (no connection or no answer in time).
   */
  public static final String SCRAPE_REQUEST = PREFIX + "scrape.request";

  /** Parse HTML on this node's parse workers (local only). Body: the bytes; headers {@code url, charset, excerpt}. */
  public static final String SCRAPE_PARSE = PREFIX + "scrape.parse";

  /*
   * Chat. Every node with the chat role runs a sequencer, and one of them, elected by a lease in PostgreSQL,
   * is active: it alone consumes chat.send, .join, .leave, .hostGone, .hostAlive, .members and chat.health.
   * While none is (a takeover), requests to them fail NO_HANDLERS, which HTTP answers 503.
   */

  /**
   * Post a message to a room (the active sequencer). Request: {@code {"room", "sender", "text", "member"?}}.
   * Reply, once the message is stored in history: the stamped message {@code {"type": "message", "id", "seq",
   * "room", "sender", "text", "time"}}, which is also published to the rooms' sockets and on
   * {@link #chatRoom(String)}. Fails 400 (invalid room, sender or text, or text the database refused), 503 (the
   * history backlog is full, PostgreSQL is unavailable, or this sequencer was deposed: not stored, not shown).
   */
  public static final String CHAT_SEND = PREFIX + "chat.send";

  /**
   * A socket joined a room. Request: {@code {"room", "member", "name", "host"}}; {@code member} is unique
   * per connection, {@code host} names the socket host that holds it. Publishes a {@code join} event and
   * replies {@code {"event": the join event, "memberCount", "members": [{"id", "name"}...]}}: the room's
   * members, the first {@code chat.welcomeMembersMax} of them listed.
   */
  public static final String CHAT_JOIN = PREFIX + "chat.join";

  /** A socket left a room. Request: {@code {"room", "member"}}. Publishes a {@code leave} event; reply {@code {}}. */
  public static final String CHAT_LEAVE = PREFIX + "chat.leave";

  /**
   * A socket host that stopped: its members leave every room. Request: {@code {"host"}}. Reply:
   * {@code {"left": n}}.
   */
  public static final String CHAT_HOST_GONE = PREFIX + "chat.hostGone";

  /**
   * A socket host's lease, sent every {@code chat.hostLeaseMs} and at once when a sequencer is elected:
   * {@code {"host", "members": [{"room", "id", "name"}]}} (send, no reply). A host not heard from for three
   * leases is taken as dead and its members leave; members the sequencer does not know (it was just elected)
   * are counted in. With {@code "probe": true} (a host starting) the sequencer publishes {@code {"type":
   * "probe", "host"}} on {@link #CHAT_EVENTS} and replies {@code {}}: the host accepts sockets once its probe
   * arrived.
   */
  public static final String CHAT_HOST_ALIVE = PREFIX + "chat.hostAlive";

  /** Who is connected to a room, cluster-wide. Request: {@code {"room"}}. Reply: {@code {"room", "members": [{"id", "name"}]}}. */
  public static final String CHAT_MEMBERS = PREFIX + "chat.members";

  /**
   * Every event of every room, published by the active sequencer in seq order, for the socket hosts:
   * {@code message}, {@code join} and {@code leave} events as on {@link #chatRoom(String)}; {@code {"type":
   * "probe", "host"}} for a host starting; and {@code {"type": "sequencer", "epoch", "floor", "node"}} when a
   * sequencer is elected, after which hosts send their lease at once and read back from history what the
   * previous sequencer stored without publishing (seqs up to {@code floor}). Published to an address every host
   * registered when it started, so no event can miss a host whose subscription is still travelling a cluster.
   */
  public static final String CHAT_EVENTS = PREFIX + "chat.events";

  /**
   * Store messages (sent by the sequencer, in batches; idempotent by room and seq). Request: {@code {"epoch",
   * "messages": [message...]}}. Reply: {@code {"stored": n}}. Fails 409 when {@code epoch} no longer holds the
   * sequencer's lease (the write is refused: fencing), 503 when PostgreSQL is unavailable.
   */
  public static final String CHAT_HISTORY_APPEND = PREFIX + "chat.history.append";

  /**
   * A page of a room's stored messages, oldest first, the newest {@code limit} of those older than {@code before}
   * and newer than {@code after}. Request: {@code {"room", "before"?: seq, "after"?: seq, "limit": 1..1000}}.
   * Reply: {@code {"room", "messages": [...], "next": the seq to pass as before for the page before, or null}}.
   */
  public static final String CHAT_HISTORY_LIST = PREFIX + "chat.history.list";

  /**
   * Take the chat sequencer's lease (persistence). Request: {@code {"holder", "leaseMs"}}. Reply:
   * {@code {"epoch", "lastStored", "lastGiven"}}. Fails 409 while another holder's lease runs.
   */
  public static final String CHAT_LEASE_TAKE = PREFIX + "chat.lease.take";

  /** Renew it. Request: {@code {"epoch", "holder", "leaseMs", "lastSeq"}}. Reply: {@code {"epoch"}}. Fails 409 when the epoch is over. */
  public static final String CHAT_LEASE_RENEW = PREFIX + "chat.lease.renew";

  /** Give it up (a clean stop). Request: {@code {"epoch", "lastSeq"}}. Reply: {@code {"released"}}. */
  public static final String CHAT_LEASE_RELEASE = PREFIX + "chat.lease.release";

  /**
   * The nodes of the cluster, answered by every node (ask your own). Request: {@code {}}. Reply: {@code {"self":
   * this node's id, "nodes": [{"id", "roles", "httpPort", "host", "pid", "version", "clustered", "startedAt",
   * "uptimeSeconds", "ready", "checks": {role: "UP" or why not}, "seenAt"}]}}, oldest node first. A node's card
   * is renewed every 5 s and expires 15 s after its last renewal.
   */
  public static final String CLUSTER_NODES = PREFIX + "cluster.nodes";

  /**
   * Every node's meter history (see {@link #node(String)}), answered by every node. Request: {@code {"node"?: id}}.
   * Reply: {@code {"self", "nodes": [history, or {"node", "error"} for a node that did not answer]}}.
   */
  public static final String CLUSTER_SERIES = PREFIX + "cluster.series";

  /**
   * Chat rooms with messages in the last 15 minutes, the most recently active first (100 at most). Request:
   * {@code {}}. Reply: {@code {"windowMinutes": 15, "rooms": [{"room", "messages": in the window, "lastSeq",
   * "lastAt", "perMinute": [15 counts, oldest first]}]}}. Answered by the persistence role, from history.
   */
  public static final String CHAT_ROOMS = PREFIX + "chat.rooms";

  /**
   * Append records to a stream (the persistence role), durable when answered. Request, from any service: {@code
   * {"stream", "records": [{"device", "time"?, "value", "attrs"?}...] (1 to 10,000), "atomic"?: false}}, checked
   * as an HTTP upload's lines are; a record without {@code time} gets the server's time. From a JVM member of
   * the cluster, also a {@link RecordBatch} (records already checked). Reply: {@code {"accepted", "rejected",
   * "errors": [{"index", "detail"}] (the first 100), "seq": the stream's newest seq}}. Bad records are skipped
   * and listed; with {@code atomic} one bad record fails the whole request with 400. Fails 400, 503.
   */
  public static final String STREAMS_APPEND = PREFIX + "streams.append";

  /**
   * Streams by name, a page at a time. Request: {@code {"limit"?: 1..200 (50), "cursor"?}}. Reply:
   * {@code {"streams": [{"name", "records", "firstTime", "lastTime"}], "next"}}.
   */
  public static final String STREAMS_LIST = PREFIX + "streams.list";

  /** One stream. Request: {@code {"stream"}}. Reply: {@code {"name", "records", "firstTime", "lastTime"}}. Fails 404. */
  public static final String STREAMS_GET = PREFIX + "streams.get";

  /**
   * Buckets of a stream's values computed by PostgreSQL ({@code date_bin}). Request: {@code {"stream",
   * "device"?, "from"?: RFC 3339 (an hour before to), "to"?: RFC 3339 (now), "step"?: "30s" | "1m" (default) |
   * "1h" | "1d" ...}}. Reply: {@code {"stream", "device", "from", "to", "step", "buckets": [{"time", "count",
   * "min", "max", "avg"}]}}, empty buckets left out. Fails 400 (more than {@code ingest.maxBuckets} buckets, a
   * bad time or step).
   */
  public static final String STREAMS_SERIES = PREFIX + "streams.series";

  /**
   * A page of records. Request: {@code {"stream", "device"?, "from"?, "to"?, "limit"?: 1..1000 (100),
   * "cursor"?}}. Reply: {@code {"records": [{"seq", "device", "time", "value", "attrs"?}], "next"}}: with
   * {@code device} in time order, else in the stream's order ({@code seq}).
   */
  public static final String STREAMS_RECORDS = PREFIX + "streams.records";

  /**
   * Records stored after a point of the stream, in {@code seq} order: how {@code /live} follows a stream.
   * Request: {@code {"stream", "after"?: seq, "device"?, "limit"?: 1..1000 (500)}}. Reply: {@code {"records":
   * [...], "last"}}: where to read on from (the last record returned; after a short page, the stream's newest
   * seq, the filtered-out records up to it included); without {@code after}, no records and the newest seq.
   */
  public static final String STREAMS_AFTER = PREFIX + "streams.after";

  /**
   * Opens an export: a database cursor over the records a {@link #STREAMS_RECORDS} request would page
   * through, held by the persistence verticle that answers. Request: that request without {@code limit} and
   * {@code cursor}. Reply: {@code {"session": address}}. To the session address: {@code {"fetch": true}}
   * answers a {@code Buffer} of NDJSON lines (up to {@code ingest.exportChunkRows} records) with the header
   * {@code more} ({@code "true"}/{@code "false"}); {@code {"close": true}} ends it early. A session not asked
   * for {@code ingest.sessionIdleMs} closes itself. Fails 503 when {@code ingest.exportSessions} are open.
   */
  public static final String STREAMS_EXPORT = PREFIX + "streams.export";

  /**
   * Opens an atomic append: one transaction for many batches. Request: {@code {"stream"}}. Reply: {@code
   * {"session": address}}. To the session address: a {@link RecordBatch} (reply {@code {"accepted"}}), then
   * {@code {"commit": true}} (reply {@code {"accepted", "seq"}}: everything is stored) or {@code {"rollback":
   * true}} (nothing is). A session not used for {@code ingest.sessionIdleMs} rolls back. Fails 503 when
   * {@code ingest.atomicSessions} are open.
   */
  public static final String STREAMS_ATOMIC = PREFIX + "streams.atomic";

  private Addresses() {}

  /**
   * One node's own meters over the last {@code metrics.historyMinutes}, one point per {@code metrics.sampleMs}.
   * Request: {@code {}}. Reply: {@code {"node", "stepMs", "t": [epoch ms...], "routes": {route: {"rate", "errors",
   * "p99"}}, "cache": {tier: {"hit", "miss"}}, "eventBus": {"pending", "deliveredPerSecond"}, "pools": {pool:
   * {"inUse", "queued"}}, "heapBytes", "cpu", "jobs": {outcome: per second},
   * "scrapeFetchesPerSecond"}}, every series an array as long as {@code t}: requests, errors (5xx) and
   * counts are per second of each step, p99 in ms, null where nothing was measured. A route is a method and
   * template ({@code GET /items/:id}), a pool its type and name ({@code sql/loopline-pg}).
   */
  public static String node(String id) {
    return PREFIX + "node." + id;
  }

  /**
   * A room's events, published by its sequencer in the room's order: {@code message}, {@code join} and
   * {@code leave} objects, each with the room's {@code seq}. For services that follow a room (a new
   * subscription may miss the first events on a clustered bus); the sockets get the same events through
   * {@link #CHAT_EVENTS}.
   */
  public static String chatRoom(String room) {
    return PREFIX + "chat.room." + room;
  }

  /**
   * Published after every batch a stream stored (notification): {@code {"stream", "seq": its newest seq,
   * "count": records in the batch}}. {@code GET /streams/{stream}/live} reads on from it.
   */
  public static String streamStored(String stream) {
    return PREFIX + "streams." + stream + ".stored";
  }

  /** A session of {@link #STREAMS_EXPORT} or {@link #STREAMS_ATOMIC}, registered by the persistence verticle that holds it. */
  public static String streamSession(String id) {
    return PREFIX + "streams.session." + id;
  }

  /**
   * Health of one role: {@code loopline.<role>.health}, answered by that role's verticle.
   * Request: an empty object. Reply: {@code {"role": "persistence", ...details}} when the role and its
   * backend answer, else a failure with code {@link Failures#UNAVAILABLE} and the reason.
   */
  public static String health(Role role) {
    return PREFIX + role.id() + ".health";
  }

  /**
   * Events of one scrape job, published (notification): {@code {"event": "page", "jobId", "page"}} for each page
   * stored (the page as {@link #SCRAPE_JOBS_PAGES} lists it, its {@code seq} set), {@code {"event": "progress",
   * "job"}} after it, and {@code {"event": "end", "job"}} when the job is done or cancelled.
   * {@code GET /scrape-jobs/{id}/events} streams them as Server-Sent Events; they may arrive out of seq order
   * (runners on several nodes), and the stream reads the pages back from {@link #SCRAPE_JOBS_EVENTS} when they do.
   */
  public static String scrapeJobEvents(long jobId) {
    return PREFIX + "scrape.jobs." + jobId + ".events";
  }
}
