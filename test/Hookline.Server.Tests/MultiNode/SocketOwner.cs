using System.Globalization;

namespace Hookline.Server.Tests.MultiNode;

/// <summary>
/// Which process holds the client end of a loopback TCP connection (Linux <c>/proc</c>): the receiver
/// sees the connection's remote port, <c>/proc/net/tcp</c> maps that port to a socket inode, and the
/// process whose <c>/proc/[pid]/fd</c> links to that inode is the node that sent the request. Nothing
/// in Hookline's requests names the node, and nothing needs to: this is how the tests tell which node
/// delivered what.
/// </summary>
internal static class SocketOwner
{
    /// <summary>The process among <paramref name="candidates"/> that owns the connection 127.0.0.1:<paramref name="clientPort"/> → :<paramref name="serverPort"/>, or null.</summary>
    public static int? Find(int clientPort, int serverPort, IEnumerable<int> candidates)
    {
        var inode = FindInode(clientPort, serverPort);
        if (inode is null)
        {
            return null;
        }
        var target = $"socket:[{inode}]";
        foreach (var pid in candidates)
        {
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
                {
                    if (new FileInfo(fd).LinkTarget == target)
                    {
                        return pid;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process is gone (or its fd vanished while we looked).
            }
        }
        return null;
    }

    private static string? FindInode(int clientPort, int serverPort)
    {
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && Port(fields[1]) == clientPort && Port(fields[2]) == serverPort)
                {
                    return fields[9];
                }
            }
        }
        return null;
    }

    private static int Port(string address) => int.Parse(address.AsSpan(address.LastIndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
