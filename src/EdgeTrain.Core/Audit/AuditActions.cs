namespace EdgeTrain.Core.Audit;

/// <summary>
/// The actions an audit entry records. Names are lowercase, dotted by what they are about; an ops command
/// that the coordinator does not carry out itself is <c>ops.</c> followed by the command's words
/// (<c>ops.cluster.down</c>).
/// </summary>
public static class AuditActions
{
    /// <summary>A coordinator starts signing with the key this entry carries (the first entry of every log, and after a takeover by a seed with another key).</summary>
    public const string Signer = "signer";

    /// <summary>A job was submitted (subject: the job id).</summary>
    public const string JobSubmit = "job.submit";

    /// <summary>An operator paused a job.</summary>
    public const string JobPause = "job.pause";

    /// <summary>An operator resumed a job.</summary>
    public const string JobResume = "job.resume";

    /// <summary>An operator cancelled a job.</summary>
    public const string JobCancel = "job.cancel";

    /// <summary>An operator changed a job's priority.</summary>
    public const string JobPriority = "job.priority";

    /// <summary>A job ended by itself or by the scheduler (completed, timed out, failed); detail: its state and why.</summary>
    public const string JobEnd = "job.end";

    /// <summary>A node registered with this coordinator (its region, roles and trainer slots).</summary>
    public const string NodeRegister = "node.register";

    /// <summary>A member is up in the cluster.</summary>
    public const string NodeJoin = "node.join";

    /// <summary>A member is leaving the cluster.</summary>
    public const string NodeLeave = "node.leave";

    /// <summary>A member was downed.</summary>
    public const string NodeDown = "node.down";

    /// <summary>A member was removed from the cluster.</summary>
    public const string NodeRemoved = "node.removed";

    /// <summary>A node enrolled with a one-time join token (subject: its node id; detail: certificate serial, roles, token id — never the token).</summary>
    public const string NodeEnrol = "node.enrol";

    /// <summary>A node renewed its certificate with the one it had (subject: its node id; detail: the new serial, roles).</summary>
    public const string NodeRenew = "node.renew";

    /// <summary>An operator drained a node.</summary>
    public const string NodeDrain = "node.drain";

    /// <summary>An operator revoked a node's certificate (the seed holding the CA signed the revocation and downed the node).</summary>
    public const string NodeRevoke = "node.revoke";
    /// <summary>A node was quarantined (by its reputation, or by an operator): no work, its contributions dropped; detail: why.</summary>
    public const string NodeQuarantine = "node.quarantine";

    /// <summary>An operator released a node from quarantine: its record starts again from a clean slate.</summary>
    public const string NodeRelease = "node.release";

    /// <summary>A checkpoint of a job was saved.</summary>
    public const string CheckpointSave = "checkpoint.save";

    /// <summary>A job's slices were rolled back to a checkpoint (or the rollback failed; detail says which).</summary>
    public const string CheckpointRollback = "checkpoint.rollback";

    /// <summary>A checkpoint's file was fetched from its start: an export.</summary>
    public const string CheckpointExport = "checkpoint.export";

    /// <summary>The prefix of a mutating ops command the coordinator does not carry out itself.</summary>
    public const string OpsPrefix = "ops.";

    /// <summary>The action of an entry whose stored record cannot be read (<see cref="AuditEntry.Damage"/>).</summary>
    public const string Unreadable = "unreadable";

    /// <summary>The action of an ops command line <paramref name="command"/> (<c>cluster down</c> → <c>ops.cluster.down</c>).</summary>
    public static string Ops(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return OpsPrefix + string.Join('.', command.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
