using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using EdgeTrain.Core.Integrity;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Core.Parameters;

/// <summary>One slice of a checkpoint: its index, the version it was at, and its values at that version.</summary>
/// <param name="Index">The slice's index in the job's slice plan.</param>
/// <param name="Version">The slice's version (updates applied) when its values were taken.</param>
/// <param name="Values">The slice's values at <paramref name="Version"/>.</param>
public sealed record CheckpointSlice(int Index, long Version, float[] Values);

/// <summary>
/// A checkpoint of a job's parameters: every slice with the version it was taken at. The slices
/// are contiguous ranges of the model's flat parameter vector, so <see cref="Flatten"/> (the slices
/// in index order, one after the other) is the whole model, whatever the slice size was.
/// </summary>
/// <param name="JobId">The job the parameters belong to.</param>
/// <param name="Id">The checkpoint's number within the job (1, 2, …).</param>
/// <param name="TakenUtc">When it was taken.</param>
/// <param name="Label">The user's label; null for none.</param>
/// <param name="Slices">Every slice, in index order.</param>
public sealed record CheckpointContents(string JobId, long Id, DateTime TakenUtc, string? Label, IReadOnlyList<CheckpointSlice> Slices)
{
    /// <summary>Number of floats over all slices: the model's parameter count.</summary>
    public long TotalFloats => Slices.Sum(s => (long)s.Values.Length);

    /// <summary>CRC-32C over every slice's index, version, length and values (<see cref="CheckpointFile.ContentHash"/>).</summary>
    public uint ContentHash => CheckpointFile.ContentHash(Slices);

    /// <summary>The model's flat parameter vector: the slices' values in index order.</summary>
    /// <exception cref="InvalidOperationException">the slices are not numbered 0, 1, … in order.</exception>
    public float[] Flatten()
    {
        var flat = new float[checked((int)TotalFloats)];
        var offset = 0;
        for (var i = 0; i < Slices.Count; i++)
        {
            if (Slices[i].Index != i)
            {
                throw new InvalidOperationException($"slice {i} of checkpoint {Id} of {JobId} has index {Slices[i].Index}");
            }

            Slices[i].Values.CopyTo(flat, offset);
            offset += Slices[i].Values.Length;
        }

        return flat;
    }
}

/// <summary>
/// The checkpoint file (<c>*.ckpt</c>): what the JobCoordinator keeps of each checkpoint under
/// <c>{data-dir}/jobs/{job}/checkpoints/{id}.ckpt</c>, what <c>edgetrain checkpoint export</c> writes,
/// and what <c>edgetrain evaluate --model</c> and <c>train-local --init</c> read. All numbers
/// little-endian; strings are a 32-bit byte count then UTF-8:
/// <code>
///   magic        4 bytes  "ETCK"
///   version      1 byte   1
///   job id       string
///   checkpoint   int64    its number within the job (1, 2, …)
///   taken        int64    Unix time in milliseconds (UTC)
///   label        string   empty for none
///   slices       int32    count
///   per slice:   int32 index, int64 version, int32 length, length × float32
///   checksum     uint32   CRC-32C of every byte before it
/// </code>
/// Reading verifies the checksum first, then every length, and refuses a damaged or truncated file
/// with an <see cref="InvalidInputException"/> that names the file and the part that is wrong.
/// Writing goes to a temporary file that is then renamed, so a crash never leaves half a checkpoint.
/// <para>
/// With a <see cref="StorageKey"/> (<c>edgetrain.storage.key-file</c>, or a program's <c>--key</c>)
/// the file on disk is these bytes inside an <see cref="EncryptedBlob"/> (AES-256-GCM, content kind
/// checkpoint file); reading one then needs that key, and a plain file is refused while a key is
/// configured (see <see cref="StoredFile"/>).
/// </para>
/// </summary>
public static class CheckpointFile
{
    /// <summary>The file format's version byte.</summary>
    public const byte FormatVersion = 1;

    /// <summary>The file name extension of checkpoint files.</summary>
    public const string Extension = ".ckpt";

    private static readonly byte[] Magic = "ETCK"u8.ToArray();

    /// <summary>
    /// CRC-32C over each slice's index (int32), version (int64), length (int32) and values (float32),
    /// little-endian, in order: what the coordinator's journal records of a checkpoint, so that a file
    /// that was replaced by another (valid) one is noticed.
    /// </summary>
    public static uint ContentHash(IEnumerable<CheckpointSlice> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        uint crc = 0;
        Span<byte> header = stackalloc byte[16];
        foreach (var slice in slices)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header, slice.Index);
            BinaryPrimitives.WriteInt64LittleEndian(header[4..], slice.Version);
            BinaryPrimitives.WriteInt32LittleEndian(header[12..], slice.Values.Length);
            crc = Crc32C.Append(crc, header);
            crc = Crc32C.Append(crc, FloatBytes(slice.Values));
        }

        return crc;
    }

    /// <summary>The file's bytes for <paramref name="checkpoint"/>.</summary>
    public static byte[] ToBytes(CheckpointContents checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var job = Encoding.UTF8.GetBytes(checkpoint.JobId);
        var label = Encoding.UTF8.GetBytes(checkpoint.Label ?? "");
        var size = 4 + 1 + 4 + job.Length + 8 + 8 + 4 + label.Length + 4 + (checkpoint.Slices.Count * 16) + (checkpoint.TotalFloats * 4) + Crc32C.Size;
        var bytes = new byte[checked((int)size)];
        var span = bytes.AsSpan();
        var at = 0;
        Magic.CopyTo(span);
        at += 4;
        span[at++] = FormatVersion;
        at = WriteString(span, at, job);
        BinaryPrimitives.WriteInt64LittleEndian(span[at..], checkpoint.Id);
        BinaryPrimitives.WriteInt64LittleEndian(span[(at + 8)..], new DateTimeOffset(DateTime.SpecifyKind(checkpoint.TakenUtc, DateTimeKind.Utc)).ToUnixTimeMilliseconds());
        at += 16;
        at = WriteString(span, at, label);
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], checkpoint.Slices.Count);
        at += 4;
        foreach (var slice in checkpoint.Slices)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], slice.Index);
            BinaryPrimitives.WriteInt64LittleEndian(span[(at + 4)..], slice.Version);
            BinaryPrimitives.WriteInt32LittleEndian(span[(at + 12)..], slice.Values.Length);
            at += 16;
            WriteFloats(span[at..], slice.Values);
            at += slice.Values.Length * 4;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], Crc32C.Compute(span[..at]));
        return bytes;
    }

    /// <summary>
    /// Writes <paramref name="checkpoint"/> to <paramref name="path"/> (through a temporary file and a
    /// rename), creating its folder; encrypted with <paramref name="key"/> when it is given.
    /// </summary>
    public static void Write(string path, CheckpointContents checkpoint, StorageKey? key = null) => WriteAsync(path, checkpoint, key).GetAwaiter().GetResult();

    /// <summary>
    /// Writes <paramref name="checkpoint"/> to <paramref name="path"/> as <see cref="Write"/> does, with
    /// asynchronous file I/O, so that an actor's thread never blocks on the disk.
    /// </summary>
    public static Task WriteAsync(string path, CheckpointContents checkpoint, StorageKey? key = null, CancellationToken cancellation = default) =>
        StoredFile.WriteAsync(path, ToBytes(checkpoint), key, EncryptedContent.CheckpointFile, cancellation);

    /// <summary>Reads and verifies the checkpoint file at <paramref name="path"/> as <see cref="Read"/> does, with asynchronous file I/O.</summary>
    /// <exception cref="InvalidInputException">as <see cref="Read"/>.</exception>
    public static async Task<CheckpointContents> ReadAsync(string path, StorageKey? key = null, CancellationToken cancellation = default)
    {
        var bytes = await StoredFile.ReadAsync(path, key, EncryptedContent.CheckpointFile, "checkpoint file", cancellation).ConfigureAwait(false);
        return FromBytes(bytes, path);
    }

    /// <summary>
    /// Reads and verifies the checkpoint file at <paramref name="path"/>: decrypted with
    /// <paramref name="key"/> when it is encrypted, as it is when it is plain and no key is given.
    /// </summary>
    /// <exception cref="InvalidInputException">
    /// the file is missing, damaged, truncated or not a checkpoint file; or it is plain while a key is
    /// given, encrypted while none is, or encrypted with another key (the message names it).
    /// </exception>
    public static CheckpointContents Read(string path, StorageKey? key = null) => ReadAsync(path, key).GetAwaiter().GetResult();

    /// <summary>
    /// Parses and verifies a checkpoint file's bytes as stored, decrypting them with <paramref name="key"/>
    /// when they are encrypted; <paramref name="source"/> names them in errors.
    /// </summary>
    /// <exception cref="InvalidInputException">as <see cref="Read"/>.</exception>
    public static CheckpointContents FromStoredBytes(byte[] stored, string source, StorageKey? key) =>
        FromBytes(EncryptedBlob.Unprotect(stored, key, EncryptedContent.CheckpointFile, source), source);

    /// <summary>Parses and verifies a plain checkpoint file's bytes; <paramref name="source"/> names them in errors.</summary>
    /// <exception cref="InvalidInputException">the bytes are damaged, truncated, encrypted or not a checkpoint file.</exception>
    public static CheckpointContents FromBytes(ReadOnlySpan<byte> bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (EncryptedBlob.IsEncrypted(bytes))
        {
            throw new InvalidInputException(source, "encryption", $"encrypted with storage key {EncryptedBlob.KeyIdOf(bytes) ?? "(unknown: truncated header)"}; it must be decrypted first (--key FILE, or edgetrain.storage.key-file)");
        }

        if (bytes.Length < Magic.Length || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidInputException(source, "magic", "not an EdgeTrain checkpoint file (expected it to start with \"ETCK\")");
        }

        if (bytes.Length < Magic.Length + 1 + Crc32C.Size)
        {
            throw new InvalidInputException(source, "checksum", $"truncated: {bytes.Length} bytes cannot hold a checkpoint");
        }

        var body = bytes[..^Crc32C.Size];
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes[^Crc32C.Size..]);
        var computed = Crc32C.Compute(body);
        if (stored != computed)
        {
            throw new InvalidInputException(source, "checksum", string.Create(CultureInfo.InvariantCulture,
                $"the file is damaged: CRC-32C stored {stored:X8}, computed {computed:X8} over {body.Length} bytes"));
        }

        var reader = new Reader(body, source, Magic.Length);
        var version = reader.Byte("version");
        if (version != FormatVersion)
        {
            throw new InvalidInputException(source, "version", $"format version {version}; this program reads version {FormatVersion}");
        }

        var job = reader.String("job id");
        var id = reader.Long("checkpoint id");
        var taken = reader.Long("time taken");
        var label = reader.String("label");
        var count = reader.Int("slice count");
        if (count < 0 || count > body.Length)
        {
            throw new InvalidInputException(source, "slice count", $"{count} slices");
        }

        var slices = new CheckpointSlice[count];
        for (var i = 0; i < count; i++)
        {
            var index = reader.Int($"slice {i} index");
            var sliceVersion = reader.Long($"slice {i} version");
            var length = reader.Int($"slice {i} length");
            slices[i] = new CheckpointSlice(index, sliceVersion, reader.Floats(length, $"slice {i} values"));
        }

        reader.End();
        DateTime takenUtc;
        try
        {
            takenUtc = DateTimeOffset.FromUnixTimeMilliseconds(taken).UtcDateTime;
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidInputException(source, "time taken", $"{taken} ms is not a time", e);
        }

        return new CheckpointContents(job, id, takenUtc, label.Length == 0 ? null : label, slices);
    }

    private static ReadOnlySpan<byte> FloatBytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan());

    private static int WriteString(Span<byte> span, int at, byte[] utf8)
    {
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], utf8.Length);
        utf8.CopyTo(span[(at + 4)..]);
        return at + 4 + utf8.Length;
    }

    private static void WriteFloats(Span<byte> destination, float[] values)
    {
        if (BitConverter.IsLittleEndian)
        {
            FloatBytes(values).CopyTo(destination);
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], values[i]);
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes, string source, int position)
    {
        private readonly ReadOnlySpan<byte> bytes = bytes;
        private int position = position;

        public byte Byte(string what) => Take(1, what)[0];

        public int Int(string what) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));

        public long Long(string what) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));

        public string String(string what)
        {
            var count = Int(what + " length");
            if (count < 0)
            {
                throw new InvalidInputException(source, what, $"a length of {count}");
            }

            return Encoding.UTF8.GetString(Take(count, what));
        }

        public float[] Floats(int count, string what)
        {
            if (count < 0 || count > (bytes.Length - position) / 4)
            {
                throw new InvalidInputException(source, what, $"{count} floats at byte {position}; {bytes.Length - position} bytes are left");
            }

            var raw = Take(count * 4, what);
            var values = new float[count];
            if (BitConverter.IsLittleEndian)
            {
                raw.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]);
                }
            }

            return values;
        }

        public readonly void End()
        {
            if (position != bytes.Length)
            {
                throw new InvalidInputException(source, "end", $"{bytes.Length - position} bytes after the last slice");
            }
        }

        private ReadOnlySpan<byte> Take(int count, string what)
        {
            if (count > bytes.Length - position)
            {
                throw new InvalidInputException(source, what, $"truncated: needs {count} bytes at byte {position}, {bytes.Length - position} are left");
            }

            var span = bytes.Slice(position, count);
            position += count;
            return span;
        }
    }
}
