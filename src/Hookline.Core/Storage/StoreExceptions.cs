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
