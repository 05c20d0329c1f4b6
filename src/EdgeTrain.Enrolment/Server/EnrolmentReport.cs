namespace EdgeTrain.Enrolment.Server;

/// <summary>Where <see cref="EnrolmentService"/> reports each enrolment granted or refused (the seed's console).</summary>
/// <param name="Line">Told one line per outcome.</param>
public sealed record EnrolmentReport(Action<string> Line);
