using EdgeTrain.Core;
using EdgeTrain.Enrolment.Server;
using Grpc.Core;

namespace EdgeTrain.Enrolment.Tests.Server;

public sealed class EnrolmentRefusalSpec
{
    [Theory]
    [InlineData("expires", "expired at 2026-01-01 00:00:00Z", EnrolmentProblem.ExpiredToken)]
    [InlineData("roles", "asks for seed, which the token does not grant", EnrolmentProblem.RolesNotGranted)]
    [InlineData("", "already used at 2026-01-01T00:00:00Z; a join token enrols one node", EnrolmentProblem.UsedToken)]
    [InlineData("signature", "the signature does not verify", EnrolmentProblem.BadToken)]
    [InlineData("format", "expected a token starting with 'et1.'", EnrolmentProblem.BadToken)]
    public void A_token_refusal_is_classified_by_what_the_CA_named(string key, string problem, EnrolmentProblem expected)
    {
        var refusal = EnrolmentRefusal.OfToken(new InvalidInputException("join token 0123", key, problem));

        Assert.Equal(expected, refusal.Problem);
        Assert.StartsWith(EnrolmentRefusal.Describe(expected) + ": join token 0123", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_problem_has_a_status()
    {
        Assert.Equal(StatusCode.PermissionDenied, EnrolmentRefusal.Status(EnrolmentProblem.UsedToken));
        Assert.Equal(StatusCode.Unauthenticated, EnrolmentRefusal.Status(EnrolmentProblem.BadToken));
        Assert.Equal(StatusCode.InvalidArgument, EnrolmentRefusal.Status(EnrolmentProblem.BadRequest));
        Assert.Equal(StatusCode.Unavailable, EnrolmentRefusal.Status(EnrolmentProblem.NotRecorded));
        Assert.All(Enum.GetValues<EnrolmentProblem>(), p => Assert.NotEqual(StatusCode.Unknown, EnrolmentRefusal.Status(p)));
    }
}
