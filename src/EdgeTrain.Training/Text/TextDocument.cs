namespace EdgeTrain.Training.Text;

/// <summary>One document of a text corpus: a speech with the fields a job can partition by.</summary>
/// <param name="Year">Its year.</param>
/// <param name="Name">Its author.</param>
/// <param name="Party">Its author's party.</param>
/// <param name="Text">The text.</param>
public sealed record TextDocument(int Year, string Name, string Party, string Text);
