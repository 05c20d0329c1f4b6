using EdgeTrain.Core;
using Grpc.Core;

namespace EdgeTrain.Enrolment.Server;

/// <summary>
/// An enrolment or renewal the listener refused, with a message that names the problem (never the token's
/// text). Nothing was written for it: no certificate issued, the token not used up.
/// </summary>
public sealed class EnrolmentRefusal : Exception
{
    /// <summary>Creates the refusal.</summary>
    public EnrolmentRefusal(EnrolmentProblem problem, string message, Exception? inner = null)
        : base(message, inner) => Problem = problem;

    /// <summary>What was wrong.</summary>
    public EnrolmentProblem Problem { get; }

    /// <summary>The gRPC status a problem is answered with.</summary>
    public static StatusCode Status(EnrolmentProblem problem) => problem switch
    {
        EnrolmentProblem.BadToken or EnrolmentProblem.NotAuthenticated => StatusCode.Unauthenticated,
        EnrolmentProblem.ExpiredToken or EnrolmentProblem.UsedToken or EnrolmentProblem.RolesNotGranted or EnrolmentProblem.Revoked => StatusCode.PermissionDenied,
        EnrolmentProblem.BadRequest => StatusCode.InvalidArgument,
        EnrolmentProblem.NotRecorded => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>
    /// The refusal of a token that <see cref="Core.Security.CertificateAuthority"/> did not accept, classified
    /// by what its <see cref="InvalidInputException"/> names: the expiry, the roles, a use before, or the token itself.
    /// </summary>
    public static EnrolmentRefusal OfToken(InvalidInputException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var problem = e.Key switch
        {
            "expires" => EnrolmentProblem.ExpiredToken,
            "roles" => EnrolmentProblem.RolesNotGranted,
            "" when e.Problem.StartsWith("already used", StringComparison.Ordinal) => EnrolmentProblem.UsedToken,
            _ => EnrolmentProblem.BadToken,
        };
        return new EnrolmentRefusal(problem, $"{Describe(problem)}: {e.Message}", e);
    }

    /// <summary>A few words for a problem, the start of every refusal's message.</summary>
    public static string Describe(EnrolmentProblem problem) => problem switch
    {
        EnrolmentProblem.BadToken => "bad token",
        EnrolmentProblem.ExpiredToken => "expired token",
        EnrolmentProblem.UsedToken => "used token",
        EnrolmentProblem.RolesNotGranted => "roles not granted",
        EnrolmentProblem.BadRequest => "bad certificate request",
        EnrolmentProblem.NotAuthenticated => "not authenticated",
        EnrolmentProblem.Revoked => "revoked certificate",
        EnrolmentProblem.NotRecorded => "not recorded",
        _ => problem.ToString(),
    };
}
