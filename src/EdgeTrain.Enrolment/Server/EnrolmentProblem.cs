namespace EdgeTrain.Enrolment.Server;

/// <summary>Why the enrolment listener refused a request; each maps to one gRPC status (<see cref="EnrolmentRefusal.Status"/>).</summary>
public enum EnrolmentProblem
{
    /// <summary>The token's text is not a token, not made by this cluster's CA, or altered.</summary>
    BadToken,

    /// <summary>The token has expired.</summary>
    ExpiredToken,

    /// <summary>The token enrolled a node before.</summary>
    UsedToken,

    /// <summary>The node asked for roles the token does not grant.</summary>
    RolesNotGranted,

    /// <summary>The certificate signing request is malformed, its signature does not verify, or its key or name is not acceptable.</summary>
    BadRequest,

    /// <summary>A renewal without a valid client certificate of this CA (none, another CA's, expired).</summary>
    NotAuthenticated,

    /// <summary>A renewal with a revoked certificate.</summary>
    Revoked,

    /// <summary>The coordinator did not record the enrolment in the audit log; nothing was issued and the token is not used up.</summary>
    NotRecorded,
}
