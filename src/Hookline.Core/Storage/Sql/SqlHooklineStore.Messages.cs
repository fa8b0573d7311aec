using System.Data.Common;
using System.Text;
using Hookline.Core.Model;
using static Hookline.Core.Storage.Sql.SqlCommands;

namespace Hookline.Core.Storage.Sql;

public abstract partial class SqlHooklineStore
{
    private static Message ReadMessage(DbDataReader r) => ReadMessage(r, "", withContent: true);

    private static Message ReadMessage(DbDataReader r, string prefix, bool withContent) => new()
    {
        Id = r.Text(prefix + "id")!,
        AppId = r.Text(prefix + "app_id")!,
        EventId = r.Text(prefix + "event_id"),
        EventType = r.Text(prefix + "event_type")!,
        Payload = withContent ? r.Bytes(prefix + "payload") : null,
        Channels = ChannelsFromColumn(r.Text(prefix + "channels")),
        Tags = ChannelsFromColumn(r.Text(prefix + "tags")),
        CreatedAt = r.Time(prefix + "created_at"),
        PayloadExpiresAt = r.NullableTime(prefix + "payload_expires_at"),
        TraceParent = r.Text(prefix + "trace_parent"),
        ExtraHeaders = r.Text(prefix + "extra_headers") is null ? null : r.StringMap(prefix + "extra_headers"),
    };

    protected const string MessageColumnsAliased =
        "m.id AS m_id, m.app_id AS m_app_id, m.event_id AS m_event_id, m.event_type AS m_event_type, m.payload AS m_payload, " +
        "m.channels AS m_channels, m.tags AS m_tags, m.created_at AS m_created_at, m.payload_expires_at AS m_payload_expires_at, " +
        "m.trace_parent AS m_trace_parent, m.extra_headers AS m_extra_headers";

    public async Task<IReadOnlyList<MessageInsertResult>> InsertMessagesAsync(IReadOnlyList<NewMessage> messages, CancellationToken cancellationToken)
    {
        // A batch with nothing to look up (no ingest request or eventId to deduplicate, the API's
        // usual case) is known in full before anything is written. A store that can send it as one
        // batch without a transaction of its own does: one round trip.
        if (messages.All(m => m.Ingest is null && m.Message.EventId is null)
            && await BatchWriteAsync(WriteDurability.Durable, async (connection, prelude) =>
            {
                var plan = await PlanInsertAsync(null, null, messages, cancellationToken);
                var leasedRows = plan.LeasedRows.ConvertAll(x => x.Row);
                if (leasedRows.Count == 0)
                {
                    await connection.ExecuteAllAsync(null, [.. prelude, .. plan.Statements], cancellationToken);
                    return plan.Results([]);
                }
                var leasedInsert = LeasedDeliveriesStatement(leasedRows)
                    ?? throw new InvalidOperationException("A store that writes a group commit as one batch inserts its leased rows in one statement.");
                var returned = await connection.ExecuteAllThenQueryAsync(null, [.. prelude, .. plan.Statements], leasedInsert, ReadInsertedDelivery, cancellationToken);
                return plan.Results(InsertedInOrder(leasedRows, returned));
            }, cancellationToken) is { } written)
        {
            return written;
        }
        return await WriteAsync<IReadOnlyList<MessageInsertResult>>(async (c, t) =>
        {
            var plan = await PlanInsertAsync(c, t, messages, cancellationToken);
            await c.ExecuteAllAsync(t, plan.Statements, cancellationToken);
            return plan.Results(plan.LeasedRows.Count > 0 ? await InsertLeasedDeliveriesAsync(c, t, plan.LeasedRows.ConvertAll(x => x.Row), cancellationToken) : []);
        }, cancellationToken);
    }

    /// <summary>
    /// A group commit worked out: each message's result so far, the statements whose results nobody
    /// reads, in order (messages before their deliveries), and the deliveries to insert leased or offered,
    /// with the index of their message.
    /// </summary>
    private sealed record InsertPlan(MessageInsertResult[] Created, List<(string, (string, object?)[])> Statements, List<(int Message, LeasedDeliveryRow Row)> LeasedRows)
    {
        /// <summary>The results, with what became of each leased row (<paramref name="inserted"/>, in the order of <see cref="LeasedRows"/>).</summary>
        public MessageInsertResult[] Results(IReadOnlyList<InsertedDelivery> inserted)
        {
            foreach (var group in LeasedRows.Select((x, n) => (x.Message, x.Row.Row.EndpointId, Inserted: inserted[n])).GroupBy(x => x.Message))
            {
                Created[group.Key] = Created[group.Key] with
                {
                    Leased = [.. group.Where(x => x.Inserted.Leased && x.Inserted.OfferedTo is null).Select(x => (x.EndpointId, x.Inserted.Id))],
                    Offered = [.. group.Where(x => x.Inserted.OfferedTo is not null).Select(x => (x.EndpointId, x.Inserted.Id, x.Inserted.OfferedTo!))],
                };
            }
            return Created;
        }
    }

    /// <summary>
    /// Works a group commit out. Ingest requests and eventIds are deduplicated here, so
    /// <paramref name="c"/> and <paramref name="t"/> (the write transaction) are used only for a
    /// message with one of them; a message with an eventId is inserted here too, because its insert must see its own conflict.
    /// </summary>
    private async Task<InsertPlan> PlanInsertAsync(DbConnection? c, DbTransaction? t, IReadOnlyList<NewMessage> messages, CancellationToken cancellationToken)
    {
        var results = new MessageInsertResult[messages.Count];
        DbCommand? findEvent = null, insertMessage = null, insertIngest = null;
        try
        {
            async Task<Message?> FindEventAsync(Message message)
            {
                findEvent ??= c!.Command(t, "SELECT * FROM messages WHERE app_id = @app AND event_id = @event");
                findEvent.Bind([("@app", message.AppId), ("@event", message.EventId)]);
                await using var reader = await findEvent.ExecuteReaderAsync(cancellationToken);
                return await reader.ReadAsync(cancellationToken) ? ReadMessage(reader) : null;
            }
            // Rows whose insert cannot conflict (a message without eventId, its deliveries) are sent
            // together at the end, in order (messages before their deliveries): one round trip to a
            // database server for the whole group commit instead of one per row.
            const string InsertChannelSql = "INSERT INTO message_channels (app_id, channel, msg_id) VALUES (@app, @channel, @msg)";
            const string InsertTagSql = "INSERT INTO message_tags (app_id, tag, msg_id) VALUES (@app, @tag, @msg)";
            var deferredMessages = new List<(string, (string, object?)[])>();
            var unconflicting = new List<Message>();
            var deliveries = new List<(string, (string, object?)[])>();
            var deliveryRows = new List<NewDeliveryRow>();
            var leasedRows = new List<(int Message, LeasedDeliveryRow Row)>();
            for (var i = 0; i < messages.Count; i++)
            {
                var (message, endpointIds, ingest, deliverAt) = messages[i];
                var due = deliverAt is { } at && at > message.CreatedAt ? at : message.CreatedAt;
                if (ingest is not null && await InsertIngestEntryAsync(c!, t!, insertIngest ??= IngestRequestInsert(c!, t!), ingest, message.Id, cancellationToken) is { } first)
                {
                    results[i] = new MessageInsertResult(MessageInsertOutcome.DuplicateDelivery, new Message { Id = first, AppId = message.AppId, EventType = message.EventType, CreatedAt = message.CreatedAt });
                    continue;
                }
                if (message.EventId is not null && await FindEventAsync(message) is { } existing)
                {
                    results[i] = new MessageInsertResult(MessageInsertOutcome.DuplicateEventId, existing);
                    continue;
                }
                if (message.EventId is null)
                {
                    // Only the eventId index can make a message insert conflict (ids are unique by construction).
                    unconflicting.Add(message);
                }
                else
                {
                    insertMessage ??= c!.Command(t, InsertMessageSql + " ON CONFLICT DO NOTHING");
                    insertMessage.Bind(MessageRow(message));
                    if (await insertMessage.ExecuteNonQueryAsync(cancellationToken) == 0)
                    {
                        // Where writers run in parallel (PostgreSQL), another node may have committed the same
                        // eventId after the lookup above; the insert then waits for it and does nothing, and
                        // the message is a duplicate like any other instead of failing the whole batch.
                        results[i] = new MessageInsertResult(MessageInsertOutcome.DuplicateEventId,
                            await FindEventAsync(message) ?? throw new InvalidOperationException($"Message {message.Id} already exists."));
                        continue;
                    }
                }
                foreach (var channel in message.Channels?.Distinct(StringComparer.Ordinal) ?? [])
                {
                    deliveries.Add((InsertChannelSql, [("@app", message.AppId), ("@channel", channel), ("@msg", message.Id)]));
                }
                foreach (var tag in message.Tags?.Distinct(StringComparer.Ordinal) ?? [])
                {
                    deliveries.Add((InsertTagSql, [("@app", message.AppId), ("@tag", tag), ("@msg", message.Id)]));
                }
                var lease = messages[i].Lease;
                var leased = lease is null ? null : messages[i].LeasedEndpointIds;
                var offered = lease is null ? null : messages[i].OfferEndpointIds;
                foreach (var endpointId in endpointIds)
                {
                    var delivery = new NewDeliveryRow(message.Id, endpointId, message.AppId, due, message.CreatedAt);
                    if (leased is not null && leased.Contains(endpointId, StringComparer.Ordinal))
                    {
                        leasedRows.Add((i, new LeasedDeliveryRow(delivery, lease!)));
                    }
                    else if (offered is not null && offered.Contains(endpointId, StringComparer.Ordinal))
                    {
                        leasedRows.Add((i, new LeasedDeliveryRow(delivery, lease!, Offer: true)));
                    }
                    else
                    {
                        deliveryRows.Add(delivery);
                    }
                }
                results[i] = new MessageInsertResult(MessageInsertOutcome.Created);
            }
            AddMessageInserts(deferredMessages, unconflicting);
            deferredMessages.AddRange(deliveries);
            AddDeliveryInserts(deferredMessages, deliveryRows);
            return new InsertPlan(results, deferredMessages, leasedRows);
        }
        finally
        {
            foreach (var command in new[] { findEvent, insertMessage, insertIngest })
            {
                if (command is not null)
                {
                    await command.DisposeAsync();
                }
            }
        }
    }

    /// <summary>
    /// The insert of leased rows as one statement that returns, for each row, <c>id</c>, <c>msg_id</c>,
    /// <c>endpoint_id</c>, <c>status</c> and <c>lease_token</c> (read by <see cref="ReadInsertedDelivery"/>),
    /// or null (here) to insert them one at a time (<see cref="InsertLeasedDeliveriesAsync"/>). A store
    /// that sends a group commit as one batch (<see cref="BatchWriteAsync"/>) must have one.
    /// </summary>
    protected virtual (string Sql, (string Name, object? Value)[] Parameters)? LeasedDeliveriesStatement(IReadOnlyList<LeasedDeliveryRow> rows) => null;

    /// <summary>A row of <see cref="LeasedDeliveriesStatement"/>: its message and endpoint (which identify it), and what became of it.</summary>
    private static ((string Message, string Endpoint) Key, InsertedDelivery Inserted) ReadInsertedDelivery(DbDataReader reader)
    {
        return ((reader.GetString(1), reader.GetString(2)), new InsertedDelivery(
            reader.GetInt64(0), Convert.ToInt64(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture) == 3, OfferedTo(reader.IsDBNull(4) ? null : reader.GetString(4))));
    }

    /// <summary>What became of each of <paramref name="rows"/>, in their order, from the rows a leased insert returned.</summary>
    private static List<InsertedDelivery> InsertedInOrder(IReadOnlyList<LeasedDeliveryRow> rows, IReadOnlyList<((string Message, string Endpoint) Key, InsertedDelivery Inserted)> returned)
    {
        var byKey = returned.ToDictionary(x => x.Key, x => x.Inserted);
        return rows.Select(x => byKey[(x.Row.MessageId, x.Row.EndpointId)]).ToList();
    }

    /// <summary>The insert of one message row, with the parameters of <see cref="MessageRow"/>.</summary>
    protected const string InsertMessageSql =
        "INSERT INTO messages (id, app_id, event_id, event_type, payload, channels, tags, created_at, payload_expires_at, trace_parent, extra_headers) " +
        "VALUES (@id, @app, @event, @type, @payload, @channels, @tags, @created, @expires, @trace, @headers)";

    /// <summary>The parameters of <see cref="InsertMessageSql"/> for one message.</summary>
    protected static (string Name, object? Value)[] MessageRow(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return
        [
            ("@id", message.Id), ("@app", message.AppId), ("@event", message.EventId), ("@type", message.EventType),
            ("@payload", message.Payload), ("@channels", ListColumn(message.Channels)), ("@tags", ListColumn(message.Tags)), ("@created", message.CreatedAt),
            ("@expires", message.PayloadExpiresAt), ("@trace", message.TraceParent), ("@headers", ExtraHeadersColumn(message)),
        ];
    }

    /// <summary>The <c>channels</c> or <c>tags</c> column of a message: its list as the column stores it.</summary>
    protected static string? ListColumn(IReadOnlyList<string>? values) => ChannelsColumn(values);

    /// <summary>The <c>extra_headers</c> column of a message: its headers as JSON, or null when it has none.</summary>
    protected static string? ExtraHeadersColumn(Message message) =>
        message?.ExtraHeaders is { Count: > 0 } headers ? ToJson(headers) : null;

    /// <summary>
    /// Adds the inserts of a group commit's messages that cannot conflict (they have no eventId), in
    /// the order given: one statement a message here; a store whose database takes arrays inserts
    /// them all in one.
    /// </summary>
    protected virtual void AddMessageInserts(List<(string Sql, (string Name, object? Value)[] Parameters)> statements, IReadOnlyList<Message> messages)
    {
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            statements.Add((InsertMessageSql, MessageRow(message)));
        }
    }

    /// <summary>A message's new delivery to one endpoint, pending from <see cref="Due"/>.</summary>
    protected readonly record struct NewDeliveryRow(string MessageId, string EndpointId, string AppId, DateTimeOffset Due, DateTimeOffset CreatedAt);

    /// <summary>
    /// A new delivery to insert leased: under <see cref="Lease"/> if its node owns the endpoint, or,
    /// when <see cref="Offer"/>, offered to the endpoint's owner if that is another node; else pending.
    /// </summary>
    protected readonly record struct LeasedDeliveryRow(NewDeliveryRow Row, DeliveryLease Lease, bool Offer = false);

    /// <summary>
    /// What <see cref="InsertLeasedDeliveriesAsync"/> made of a row: its id (read only for a row leased or
    /// offered; a store may leave it 0 for a row that went in pending), whether it was leased, and to which node it was offered.
    /// </summary>
    protected readonly record struct InsertedDelivery(long Id, bool Leased, string? OfferedTo);

    /// <summary>Reads the node a row was offered to back from its lease token (see <see cref="OfferToken"/>).</summary>
    protected static string? OfferedTo(string? leaseToken) =>
        leaseToken is not null && leaseToken.StartsWith(OfferTokenPrefix, StringComparison.Ordinal) ? leaseToken[OfferTokenPrefix.Length..] : null;

    /// <summary>
    /// Inserts deliveries leased (status 3 until the lease's end) where the lease's node owns the
    /// endpoint with a live lease (under the lease's token) or, for an offer, where another node does
    /// (under that node's offer token), and pending otherwise; returns what became of each row, in the
    /// order given. This form never offers to the inserting node itself (see
    /// <see cref="NewMessage.OfferEndpointIds"/>): on SQLite, one process, a claim is a local write and
    /// costs less than an offer's bookkeeping (measured: 10-20 % fewer deliveries a second with offers
    /// to itself). PostgreSQL's does offer to the inserting node.
    /// <para>
    /// This form is for a database with one writer at a time (SQLite): it reads the owners of the rows'
    /// endpoints once, in the write transaction, where no other writer can change them before the
    /// inserts, decides each row here and inserts it with a plain statement, reading an id back only
    /// for a row it leased or offered. On SQLite every delivery the node had no room for is such an
    /// offer, so in a burst nearly every row came here; decided in SQL one row at a time (a join with
    /// the owners and <c>RETURNING</c> per row) these inserts took about 2.5 times as long as plain
    /// ones, and held the single writer for it. A store whose database takes arrays, and has
    /// concurrent writers, inserts them all in one statement that decides each row as it inserts it
    /// (<see cref="LeasedDeliveriesStatement"/>), run here when it has one.
    /// </para>
    /// </summary>
    private async Task<IReadOnlyList<InsertedDelivery>> InsertLeasedDeliveriesAsync(
        DbConnection c, DbTransaction t, IReadOnlyList<LeasedDeliveryRow> rows, CancellationToken cancellationToken)
    {
        if (LeasedDeliveriesStatement(rows) is { } statement)
        {
            return InsertedInOrder(rows, await c.QueryAsync(t, statement.Sql, ReadInsertedDelivery, cancellationToken, statement.Parameters));
        }
        var endpointIds = rows.Select(r => r.Row.EndpointId).Distinct(StringComparer.Ordinal).ToList();
        var owners = new Dictionary<string, (string NodeId, long ExpiresAt)>(StringComparer.Ordinal);
        foreach (var (endpointId, nodeId, expiresAt) in await c.QueryAsync(t,
            $"SELECT endpoint_id, node_id, expires_at FROM endpoint_owners WHERE endpoint_id IN ({InList(endpointIds, "@e", out var ownerParameters)})",
            r => (r.Text("endpoint_id")!, r.Text("node_id")!, r.Long("expires_at")), cancellationToken, ownerParameters))
        {
            owners[endpointId] = (nodeId, expiresAt);
        }
        const string Values = "VALUES (@msg, @endpoint, @app, @status, 0, @next, 0, @created, @token)";
        await using var insertPending = c.Command(t, InsertLeasedDeliveryInto + Values);
        await using var insertLeased = c.Command(t, InsertLeasedDeliveryInto + Values + " RETURNING id");
        var inserted = new List<InsertedDelivery>(rows.Count);
        foreach (var (row, lease, offer) in rows)
        {
            // A live owner: this node for a row under its own lease, another node for an offer.
            string? token = null;
            if (owners.TryGetValue(row.EndpointId, out var owner) && owner.ExpiresAt > lease.Now.ToUnixTimeMilliseconds()
                && (offer ? owner.NodeId != lease.NodeId : owner.NodeId == lease.NodeId))
            {
                token = offer ? OfferToken(owner.NodeId) : lease.Token;
            }
            var insert = token is null ? insertPending : insertLeased;
            insert.Bind([
                ("@msg", row.MessageId), ("@endpoint", row.EndpointId), ("@app", row.AppId), ("@status", token is null ? 1L : 3L),
                ("@next", token is null ? row.Due : lease.Until), ("@created", row.CreatedAt), ("@token", token),
            ]);
            if (token is null)
            {
                await insert.ExecuteNonQueryAsync(cancellationToken);
                inserted.Add(new InsertedDelivery(0, Leased: false, OfferedTo: null));
                continue;
            }
            var id = await insert.ExecuteScalarAsync(cancellationToken)
                ?? throw new InvalidOperationException($"The delivery of {row.MessageId} to {row.EndpointId} was not inserted.");
            inserted.Add(new InsertedDelivery(Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture), Leased: true, OfferedTo(token)));
        }
        return inserted;
    }

    /// <summary>
    /// Adds the statements that insert new deliveries, in the order given (delivery ids follow it,
    /// which is what an ordered endpoint sends by): one statement a row here; a store whose database
    /// takes arrays inserts them all in one.
    /// </summary>
    protected virtual void AddDeliveryInserts(List<(string Sql, (string Name, object? Value)[] Parameters)> statements, IReadOnlyList<NewDeliveryRow> rows)
    {
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows)
        {
            statements.Add((
                InsertDeliveryInto +
                "VALUES (@msg, @endpoint, @app, 1, 0, @due, 0, @created)",
                [("@msg", row.MessageId), ("@endpoint", row.EndpointId), ("@app", row.AppId), ("@due", row.Due), ("@created", row.CreatedAt)]));
        }
    }

    public Task<Message?> GetMessageAsync(string appId, string idOrEventId, CancellationToken cancellationToken) =>
        ReadAsync(c => c.QuerySingleAsync(null,
            "SELECT * FROM messages WHERE app_id = @app AND (id = @key OR event_id = @key) ORDER BY CASE WHEN id = @key THEN 0 ELSE 1 END LIMIT 1",
            ReadMessage, cancellationToken, ("@app", appId), ("@key", idOrEventId)), cancellationToken);

    public Task<Page<Message>> ListMessagesAsync(string appId, MessageFilter filter, ListQuery query, bool withContent, CancellationToken cancellationToken)
    {
        var parameters = new List<(string, object?)> { ("@app", appId) };
        var columns = $"m.id, m.app_id, m.event_id, m.event_type, {(withContent ? "m.payload" : "NULL AS payload")}, m.channels, m.tags, m.created_at, m.payload_expires_at, m.trace_parent, m.extra_headers";
        // A message has one delivery per endpoint; it matches a status when any of them has it.
        if (filter.Status is MessageStatus.Pending or MessageStatus.Fail)
        {
            // Pending and failed deliveries are few: walk them in message order through
            // ix_deliveries_app_pending / ix_deliveries_app_failed (the status is written as the literal
            // of the index's condition, so both databases use it and read it in order), one row per
            // message (the first endpoint with the status), so a page costs the page even when nothing
            // matches.
            var unsettled = new StringBuilder(
                $"d.app_id = @app AND d.status = {(filter.Status == MessageStatus.Pending ? 1 : 2)} AND NOT EXISTS " +
                "(SELECT 1 FROM deliveries o WHERE o.msg_id = d.msg_id AND o.status = d.status AND o.endpoint_id < d.endpoint_id)");
            AppendMessageConditions(unsettled, parameters, filter.Channel, filter.EventTypes, filter.Before, filter.After, "d.msg_id", Ids.HooklineIds.Message);
            AppendTagCondition(unsettled, parameters, filter.Tag, "d.msg_id");
            return PageAsync($"SELECT {columns} FROM deliveries d JOIN messages m ON m.id = d.msg_id",
                unsettled.ToString(), "d.msg_id", query, ReadMessage, m => m.Id, cancellationToken, [.. parameters]);
        }
        // A channel or tag is walked through its own rows in message_channels / message_tags, in message
        // order, so one that few or no messages carry costs its own rows, not a match against every
        // message. With both, the tag is walked and the channel matched on the messages it yields.
        var (from, key, where) = filter switch
        {
            { Tag: not null } => ("message_tags t JOIN messages m ON m.id = t.msg_id", "t.msg_id", new StringBuilder("t.app_id = @app AND t.tag = @tag")),
            { Channel: not null } => ("message_channels c JOIN messages m ON m.id = c.msg_id", "c.msg_id", new StringBuilder("c.app_id = @app AND c.channel = @channel")),
            _ => ("messages m", "m.id", new StringBuilder("m.app_id = @app")),
        };
        if (filter.Tag is not null)
        {
            parameters.Add(("@tag", filter.Tag));
        }
        else if (filter.Channel is not null)
        {
            parameters.Add(("@channel", filter.Channel));
        }
        AppendMessageConditions(where, parameters, filter.Tag is not null ? filter.Channel : null, filter.EventTypes, filter.Before, filter.After, key, Ids.HooklineIds.Message);
        if (filter.Status is { } status)
        {
            // Succeeded is most messages: the app's messages in order, each probed through the
            // deliveries' unique (msg_id, endpoint_id) index, find a page's worth at once.
            where.Append(" AND EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = m.id AND d.status = @status)");
            parameters.Add(("@status", status));
        }
        return PageAsync($"SELECT {columns} FROM {from}", where.ToString(), key, query, ReadMessage, m => m.Id, cancellationToken, [.. parameters]);
    }

    /// <summary>
    /// Only messages carrying <paramref name="tag"/>: one probe of message_tags' primary key per row
    /// (for lists walked in another order, e.g. attempts or an endpoint's deliveries).
    /// </summary>
    private static void AppendTagCondition(StringBuilder where, List<(string, object?)> parameters, string? tag, string msgIdColumn)
    {
        if (tag is null)
        {
            return;
        }
        where.Append($" AND EXISTS (SELECT 1 FROM message_tags t WHERE t.app_id = @app AND t.tag = @tag AND t.msg_id = {msgIdColumn})");
        parameters.Add(("@tag", tag));
    }

    private static void AppendMessageConditions(StringBuilder where, List<(string, object?)> parameters, string? channel, IReadOnlyList<string>? eventTypes, DateTimeOffset? before, DateTimeOffset? after, string idColumn, string idPrefix)
    {
        if (channel is not null)
        {
            where.Append(" AND m.channels LIKE @channel ESCAPE '\\'");
            parameters.Add(("@channel", ChannelPattern(channel)));
        }
        if (eventTypes is { Count: > 0 })
        {
            where.Append(" AND m.event_type IN (");
            for (var i = 0; i < eventTypes.Count; i++)
            {
                where.Append(i == 0 ? "" : ", ").Append("@et").Append(i);
                parameters.Add(($"@et{i}", eventTypes[i]));
            }
            where.Append(')');
        }
        // Ids begin with their creation time, so time bounds are id bounds and use the id index.
        if (before is { } b)
        {
            where.Append($" AND {idColumn} < @before");
            parameters.Add(("@before", Ids.HooklineIds.Lowest(idPrefix, b)));
        }
        if (after is { } a)
        {
            where.Append($" AND {idColumn} >= @after");
            parameters.Add(("@after", Ids.HooklineIds.Lowest(idPrefix, a.AddMilliseconds(1))));
        }
    }

    public async Task<bool> ExpungeMessageContentAsync(string appId, string messageId, CancellationToken cancellationToken) =>
        await WriteAsync((c, t) => c.ExecuteAsync(t, "UPDATE messages SET payload = NULL WHERE app_id = @app AND id = @id", cancellationToken, ("@app", appId), ("@id", messageId)), cancellationToken) > 0;

    public Task<int> PurgeExpiredPayloadsAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(t,
            "UPDATE messages SET payload = NULL WHERE id IN (SELECT id FROM messages WHERE payload IS NOT NULL AND payload_expires_at <= @now LIMIT @batch)",
            cancellationToken, ("@now", now), ("@batch", (long)batchSize)), cancellationToken);
}
