using EdgeTrain.Actors.Serialization;

namespace EdgeTrain.Actors.Tests.Serialization;

public sealed class AllowedTypesSpec
{
    [Theory]
    [InlineData("EdgeTrain.X, Asm")]
    [InlineData("EdgeTrain.Actors.Jobs.JobProtocol+SubmitJob, EdgeTrain.Actors")]
    [InlineData("EdgeTrain.Actors.Serialization.ActorRefSurrogate, EdgeTrain.Actors")]
    [InlineData("System.Int32")]
    [InlineData("System.Int32, System.Private.CoreLib")]
    [InlineData("System.String")]
    [InlineData("System.Single[]")]
    [InlineData("System.TimeSpan")]
    [InlineData("System.Collections.Generic.List`1[[System.Int32, System.Private.CoreLib]], System.Private.CoreLib")]
    [InlineData("System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],[EdgeTrain.Core.Parameters.AppliedSequences, EdgeTrain.Core]], System.Private.CoreLib")]
    public void Allowed_types_pass(string typeName) =>
        Assert.True(AllowedTypes.Instance.IsAllowed(typeName), typeName);

    [Fact]
    public void The_names_of_real_message_types_pass()
    {
        Type[] types =
        [
            typeof(int), typeof(string), typeof(float[]), typeof(List<int>), typeof(TimeSpan), typeof(DateTime),
            typeof(EdgeTrain.Actors.Jobs.JobProtocol.SubmitJob), typeof(List<EdgeTrain.Actors.Jobs.JobStatus>),
            typeof(Dictionary<string, long>),
        ];

        foreach (var type in types)
        {
            Assert.True(AllowedTypes.Instance.IsAllowed(type.AssemblyQualifiedName!), type.AssemblyQualifiedName);
            Assert.True(AllowedTypes.Instance.IsAllowed(type.FullName!), type.FullName);
        }
    }

    [Theory]
    [InlineData("System.IO.FileInfo, System.Private.CoreLib")]
    [InlineData("System.IO.DirectoryInfo, System.Private.CoreLib")]
    [InlineData("System.Diagnostics.Process, System.Diagnostics.Process")]
    [InlineData("System.Object")]
    [InlineData("Gadgets.Evil, EdgeTrain.Actors.Tests")]
    [InlineData("edgetrain.X, Asm")]
    [InlineData("")]
    public void Other_types_are_refused(string typeName) =>
        Assert.False(AllowedTypes.Instance.IsAllowed(typeName), typeName);

    [Fact]
    public void The_names_of_gadget_types_are_refused()
    {
        Type[] types = [typeof(FileInfo), typeof(Gadgets.Evil), typeof(object), typeof(Delegate)];

        foreach (var type in types)
        {
            Assert.False(AllowedTypes.Instance.IsAllowed(type.AssemblyQualifiedName!), type.AssemblyQualifiedName);
        }
    }

    [Fact]
    public void A_gadget_nested_two_generic_levels_deep_is_refused() =>
        Assert.False(AllowedTypes.Instance.IsAllowed(
            "System.Collections.Generic.List`1[[System.Collections.Generic.List`1[[Gadgets.Evil, Asm]], System.Private.CoreLib]], System.Private.CoreLib"));

    [Fact]
    public void Null_is_refused_with_an_exception() =>
        Assert.Throws<ArgumentNullException>(() => AllowedTypes.Instance.IsAllowed(null!));
}
