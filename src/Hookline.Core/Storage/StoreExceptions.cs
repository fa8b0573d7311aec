namespace Hookline.Core.Storage;

/// <summary>A unique key is already taken (an application or endpoint uid, an event type name, an eventId).</summary>
public sealed class StoreConflictException : Exception
{
    public StoreConflictException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    public StoreConflictException()
    {
        Field = "";
    }

    public StoreConflictException(string message)
        : base(message)
    {
        Field = "";
    }

    public StoreConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "";
    }

    /// <summary>The API field that collided, e.g. <c>uid</c>.</summary>
    public string Field { get; }
}

/// <summary>
/// The store ran out of room: the disk (or volume) holding the database is full — SQLite's
/// <c>SQLITE_FULL</c>, PostgreSQL's <c>53100 disk_full</c>. The write was rolled back, so nothing is
/// half written and nothing committed before is affected; the same write succeeds once space is
/// freed, without a restart.
/// </summary>
public sealed class StoreFullException : Exception
{
    public StoreFullException()
        : base("The database's disk is full.")
    {
    }

    public StoreFullException(string message)
        : base(message)
    {
    }

    public StoreFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
