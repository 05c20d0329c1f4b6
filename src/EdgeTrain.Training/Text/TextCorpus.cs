using System.IO.Compression;
using System.Text.Json;
using EdgeTrain.Core;

namespace EdgeTrain.Training.Text;

/// <summary>
/// Reads a corpus in JSON lines (<c>data.dataset = text-jsonl</c>): one object per line with <c>year</c>,
/// <c>name</c>, <c>party</c> and <c>text</c>, from every <c>*.jsonl</c> or <c>*.jsonl.gz</c> file of a folder (in
/// name order) or from one such file. A line that is not such an object is an error naming the file and the line.
/// </summary>
public static class TextCorpus
{
    /// <summary>The documents at <paramref name="path"/>, in file and line order.</summary>
    /// <exception cref="InvalidInputException">nothing to read there, or a malformed line (the message names it).</exception>
    public static IReadOnlyList<TextDocument> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string[] files = Directory.Exists(path)
            ? [.. Directory.GetFiles(path).Where(f => f.EndsWith(".jsonl", StringComparison.Ordinal) || f.EndsWith(".jsonl.gz", StringComparison.Ordinal)).Order(StringComparer.Ordinal)]
            : File.Exists(path) ? [path] : [];
        if (files.Length == 0)
        {
            throw new InvalidInputException(path, "", "no *.jsonl or *.jsonl.gz file there; expected a text corpus of JSON lines ({\"year\", \"name\", \"party\", \"text\"})");
        }

        var documents = new List<TextDocument>();
        foreach (var file in files)
        {
            using var stream = File.OpenRead(file);
            using var decompressed = file.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : (Stream)stream;
            using var reader = new StreamReader(decompressed);
            var number = 0;
            while (reader.ReadLine() is { } line)
            {
                number++;
                if (line.Length > 0)
                {
                    documents.Add(Parse(line, $"{file}:{number}"));
                }
            }
        }

        return documents.Count > 0 ? documents : throw new InvalidInputException(path, "", "the corpus holds no document");
    }

    private static TextDocument Parse(string line, string where)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInputException(where, "", $"expected a JSON object, found {root.ValueKind}");
            }

            string Text(string field) => root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String
                ? v.GetString()!
                : throw new InvalidInputException(where, field, "missing, or not a string");
            var year = root.TryGetProperty("year", out var y) && y.ValueKind == JsonValueKind.Number && y.TryGetInt32(out var value)
                ? value
                : throw new InvalidInputException(where, "year", "missing, or not a whole number");
            return new TextDocument(year, Text("name"), Text("party"), Text("text"));
        }
        catch (JsonException e)
        {
            throw new InvalidInputException(where, "", $"not JSON: {e.Message}", e);
        }
    }
}
